/* The names the STIX validator looks up once per object or per property:
 * type names (to their T_* index) and property names (to their P_* class).
 * Each lookup is a switch on the name's length, then memcmp against the
 * few names of that length: no strcmp chains, no strlen.
 * Not for: what a type or property requires (stix.c, types.c). */
#include <string.h>

#include "engine/stix/stix_int.h"

int vg__stix_type_index(const char *k, size_t n)
{
    switch (n) {
    case 3:
        if (memcmp(k, "url", 3) == 0)
            return T_URL;
        break;
    case 4:
        if (memcmp(k, "file", 4) == 0)
            return T_FILE;
        if (memcmp(k, "note", 4) == 0)
            return T_NOTE;
        if (memcmp(k, "tool", 4) == 0)
            return T_TOOL;
        break;
    case 5:
        if (memcmp(k, "mutex", 5) == 0)
            return T_MUTEX;
        break;
    case 6:
        if (memcmp(k, "report", 6) == 0)
            return T_REPORT;
        break;
    case 7:
        if (memcmp(k, "malware", 7) == 0)
            return T_MALWARE;
        if (memcmp(k, "opinion", 7) == 0)
            return T_OPINION;
        if (memcmp(k, "process", 7) == 0)
            return T_PROCESS;
        break;
    case 8:
        if (memcmp(k, "artifact", 8) == 0)
            return T_ARTIFACT;
        if (memcmp(k, "campaign", 8) == 0)
            return T_CAMPAIGN;
        if (memcmp(k, "grouping", 8) == 0)
            return T_GROUPING;
        if (memcmp(k, "identity", 8) == 0)
            return T_IDENTITY;
        if (memcmp(k, "incident", 8) == 0)
            return T_INCIDENT;
        if (memcmp(k, "location", 8) == 0)
            return T_LOCATION;
        if (memcmp(k, "mac-addr", 8) == 0)
            return T_MAC_ADDR;
        if (memcmp(k, "sighting", 8) == 0)
            return T_SIGHTING;
        if (memcmp(k, "software", 8) == 0)
            return T_SOFTWARE;
        break;
    case 9:
        if (memcmp(k, "directory", 9) == 0)
            return T_DIRECTORY;
        if (memcmp(k, "indicator", 9) == 0)
            return T_INDICATOR;
        if (memcmp(k, "ipv4-addr", 9) == 0)
            return T_IPV4_ADDR;
        if (memcmp(k, "ipv6-addr", 9) == 0)
            return T_IPV6_ADDR;
        break;
    case 10:
        if (memcmp(k, "email-addr", 10) == 0)
            return T_EMAIL_ADDR;
        break;
    case 11:
        if (memcmp(k, "domain-name", 11) == 0)
            return T_DOMAIN_NAME;
        break;
    case 12:
        if (memcmp(k, "relationship", 12) == 0)
            return T_RELATIONSHIP;
        if (memcmp(k, "threat-actor", 12) == 0)
            return T_THREAT_ACTOR;
        if (memcmp(k, "user-account", 12) == 0)
            return T_USER_ACCOUNT;
        break;
    case 13:
        if (memcmp(k, "email-message", 13) == 0)
            return T_EMAIL_MESSAGE;
        if (memcmp(k, "intrusion-set", 13) == 0)
            return T_INTRUSION_SET;
        if (memcmp(k, "observed-data", 13) == 0)
            return T_OBSERVED_DATA;
        if (memcmp(k, "vulnerability", 13) == 0)
            return T_VULNERABILITY;
        break;
    case 14:
        if (memcmp(k, "attack-pattern", 14) == 0)
            return T_ATTACK_PATTERN;
        if (memcmp(k, "infrastructure", 14) == 0)
            return T_INFRASTRUCTURE;
        break;
    case 15:
        if (memcmp(k, "network-traffic", 15) == 0)
            return T_NETWORK_TRAFFIC;
        break;
    case 16:
        if (memcmp(k, "course-of-action", 16) == 0)
            return T_COURSE_OF_ACTION;
        if (memcmp(k, "language-content", 16) == 0)
            return T_LANGUAGE_CONTENT;
        if (memcmp(k, "malware-analysis", 16) == 0)
            return T_MALWARE_ANALYSIS;
        if (memcmp(k, "x509-certificate", 16) == 0)
            return T_X509_CERTIFICATE;
        break;
    case 17:
        if (memcmp(k, "autonomous-system", 17) == 0)
            return T_AUTONOMOUS_SYSTEM;
        break;
    case 18:
        if (memcmp(k, "marking-definition", 18) == 0)
            return T_MARKING_DEFINITION;
        break;
    case 20:
        if (memcmp(k, "extension-definition", 20) == 0)
            return T_EXTENSION_DEFINITION;
        if (memcmp(k, "windows-registry-key", 20) == 0)
            return T_WINDOWS_REGISTRY_KEY;
        break;
    }
    return -1;
}

int vg__stix_prop_class(const char *k, size_t n)
{
    switch (n) {
    case 2:
        if (memcmp(k, "id", 2) == 0)
            return P_ID;
        break;
    case 3:
        if (memcmp(k, "end", 3) == 0)
            return P_TIME;
        break;
    case 4:
        if (memcmp(k, "date", 4) == 0)
            return P_TIME;
        if (memcmp(k, "lang", 4) == 0)
            return P_LANG;
        if (memcmp(k, "name", 4) == 0)
            return P_PLAIN;
        if (memcmp(k, "type", 4) == 0)
            return P_TYPE;
        break;
    case 5:
        if (memcmp(k, "atime", 5) == 0)
            return P_TIME;
        if (memcmp(k, "ctime", 5) == 0)
            return P_TIME;
        if (memcmp(k, "mtime", 5) == 0)
            return P_TIME;
        if (memcmp(k, "start", 5) == 0)
            return P_TIME;
        if (memcmp(k, "value", 5) == 0)
            return P_PLAIN;
        break;
    case 6:
        if (memcmp(k, "hashes", 6) == 0)
            return P_HASHES;
        if (memcmp(k, "labels", 6) == 0)
            return P_LABELS;
        break;
    case 7:
        if (memcmp(k, "aliases", 7) == 0)
            return P_PLAIN;
        if (memcmp(k, "created", 7) == 0)
            return P_CREATED;
        if (memcmp(k, "pattern", 7) == 0)
            return P_PATTERN;
        if (memcmp(k, "revoked", 7) == 0)
            return P_REVOKED;
        break;
    case 8:
        if (memcmp(k, "defanged", 8) == 0)
            return P_DEFANGED;
        if (memcmp(k, "modified", 8) == 0)
            return P_MODIFIED;
        break;
    case 9:
        if (memcmp(k, "last_seen", 9) == 0)
            return P_TIME;
        if (memcmp(k, "published", 9) == 0)
            return P_TIME;
        if (memcmp(k, "stop_time", 9) == 0)
            return P_TIME;
        if (memcmp(k, "submitted", 9) == 0)
            return P_TIME;
        break;
    case 10:
        if (memcmp(k, "confidence", 10) == 0)
            return P_CONFIDENCE;
        if (memcmp(k, "extensions", 10) == 0)
            return P_EXTENSIONS;
        if (memcmp(k, "first_seen", 10) == 0)
            return P_TIME;
        if (memcmp(k, "source_ref", 10) == 0)
            return P_PLAIN;
        if (memcmp(k, "start_time", 10) == 0)
            return P_TIME;
        if (memcmp(k, "target_ref", 10) == 0)
            return P_PLAIN;
        if (memcmp(k, "valid_from", 10) == 0)
            return P_VALID_FROM;
        break;
    case 11:
        if (memcmp(k, "description", 11) == 0)
            return P_PLAIN;
        if (memcmp(k, "object_refs", 11) == 0)
            return P_PLAIN;
        if (memcmp(k, "valid_until", 11) == 0)
            return P_VALID_UNTIL;
        break;
    case 12:
        if (memcmp(k, "created_time", 12) == 0)
            return P_TIME;
        if (memcmp(k, "pattern_type", 12) == 0)
            return P_PATTERN_TYPE;
        if (memcmp(k, "spec_version", 12) == 0)
            return P_SPEC_VERSION;
        break;
    case 13:
        if (memcmp(k, "last_observed", 13) == 0)
            return P_TIME;
        if (memcmp(k, "modified_time", 13) == 0)
            return P_TIME;
        break;
    case 14:
        if (memcmp(k, "analysis_ended", 14) == 0)
            return P_TIME;
        if (memcmp(k, "created_by_ref", 14) == 0)
            return P_CREATED_BY_REF;
        if (memcmp(k, "first_observed", 14) == 0)
            return P_TIME;
        break;
    case 15:
        if (memcmp(k, "account_created", 15) == 0)
            return P_TIME;
        if (memcmp(k, "account_expires", 15) == 0)
            return P_TIME;
        if (memcmp(k, "indicator_types", 15) == 0)
            return P_PLAIN;
        if (memcmp(k, "object_modified", 15) == 0)
            return P_TIME;
        if (memcmp(k, "pattern_version", 15) == 0)
            return P_PATTERN_VERSION;
        if (memcmp(k, "sighting_of_ref", 15) == 0)
            return P_PLAIN;
        if (memcmp(k, "x_mitre_domains", 15) == 0)
            return P_PLAIN;
        if (memcmp(k, "x_mitre_version", 15) == 0)
            return P_PLAIN;
        break;
    case 16:
        if (memcmp(k, "analysis_started", 16) == 0)
            return P_TIME;
        break;
    case 17:
        if (memcmp(k, "granular_markings", 17) == 0)
            return P_GRANULAR_MARKINGS;
        if (memcmp(k, "kill_chain_phases", 17) == 0)
            return P_KILL_CHAIN_PHASES;
        if (memcmp(k, "relationship_type", 17) == 0)
            return P_PLAIN;
        if (memcmp(k, "x_mitre_platforms", 17) == 0)
            return P_PLAIN;
        break;
    case 18:
        if (memcmp(k, "account_last_login", 18) == 0)
            return P_TIME;
        if (memcmp(k, "validity_not_after", 18) == 0)
            return P_TIME;
        if (memcmp(k, "x_mitre_deprecated", 18) == 0)
            return P_PLAIN;
        break;
    case 19:
        if (memcmp(k, "account_first_login", 19) == 0)
            return P_TIME;
        if (memcmp(k, "external_references", 19) == 0)
            return P_EXTERNAL_REFERENCES;
        if (memcmp(k, "object_marking_refs", 19) == 0)
            return P_OBJECT_MARKING_REFS;
        if (memcmp(k, "validity_not_before", 19) == 0)
            return P_TIME;
        break;
    case 23:
        if (memcmp(k, "credential_last_changed", 23) == 0)
            return P_TIME;
        if (memcmp(k, "x_mitre_modified_by_ref", 23) == 0)
            return P_PLAIN;
        break;
    case 27:
        if (memcmp(k, "x_mitre_attack_spec_version", 27) == 0)
            return P_PLAIN;
        break;
    case 34:
        if (memcmp(k, "private_key_usage_period_not_after", 34) == 0)
            return P_TIME;
        break;
    case 35:
        if (memcmp(k, "private_key_usage_period_not_before", 35) == 0)
            return P_TIME;
        break;
    }
    return P_OTHER;
}
