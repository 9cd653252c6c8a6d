/* STIX 2.1 per-type rules: the required properties beyond the table in
 * stix.c and the constraints between properties of each SDO, SRO, SCO and
 * meta type. Not for: the common properties (stix.c). */
#include <stdio.h>
#include <string.h>

#include "engine/stix/ioc.h"
#include "engine/stix/pattern.h"
#include "engine/stix/stix.h"
#include "engine/stix/stix_int.h"

static const char *const sro_like[] = {"relationship--", "sighting--", "bundle--",
                                       "marking-definition--", "language-content--", NULL};

int vg__stix_check_type(struct vg__stix_ctx *c, int t, json_t *o, struct vg_stix_object *out)
{
    int rc = VG_OK;
    static const char *const sco_ignore[] = {"type", "id", "spec_version", "defanged",
                                             "object_marking_refs", "granular_markings",
                                             NULL};
    switch (t) {
    case T_INDICATOR: {
        const char *pt = NULL, *pat = NULL;
        int64_t vf = 0, vu = 0;
        if ((rc = vg__stix_need_string(c, o, "pattern_type", &pt)) ||
            (rc = vg__stix_need_string(c, o, "pattern", &pat)) ||
            (rc = vg__stix_check_time(c, o, "valid_from", 0, &vf)) ||
            (rc = vg__stix_check_time(c, o, "valid_until", 0, &vu)))
            break;
        if (vu != VG_STIX_TIME_NONE && vu <= vf) {
            rc = vg__stix_fail(c, VG_EINVAL, "valid_until", "must be later than valid_from%s", NULL);
            break;
        }
        json_t *pv = json_object_get(o, "pattern_version");
        if (pv && !json_is_string(pv)) {
            rc = vg__stix_fail(c, VG_EINVAL, "pattern_version", "must be a string%s", NULL);
            break;
        }
        if (strcmp(pt, "stix") == 0) {
            struct vg_arena *a = c->scratch ? c->scratch : vg_arena_new(0);
            struct vg_pat_node *root;
            char field[256];
            snprintf(field, sizeof(field), "%s%spattern", c->base, *c->base ? "." : "");
            rc = vg_stix_pattern_parse(pat, strlen(pat), a, field, &root, c->err);
            if (c->scratch)
                vg_arena_reset(a);
            else
                vg_arena_free(a);
            if (rc)
                break;
        }
        if (out) {
            out->pattern = pat;
            out->pattern_type = pt;
            out->valid_from = vf;
            out->valid_until = vu;
        }
        break;
    }
    case T_GROUPING:
        rc = vg__stix_need_string(c, o, "context", NULL);
        break;
    case T_LOCATION: {
        int lat = json_object_get(o, "latitude") != NULL;
        int lon = json_object_get(o, "longitude") != NULL;
        if (!lat && !lon && !json_object_get(o, "region") && !json_object_get(o, "country"))
            rc = vg__stix_fail(c, VG_EMISSING, "region",
                      "one of region, country or latitude+longitude is required%s", NULL);
        else if (lat != lon)
            rc = vg__stix_fail(c, VG_EINVAL, lat ? "longitude" : "latitude",
                      "latitude and longitude go together%s", NULL);
        else if (json_object_get(o, "precision") && !lat)
            rc = vg__stix_fail(c, VG_EINVAL, "precision", "requires latitude and longitude%s", NULL);
        else if (!(rc = vg__stix_check_number(c, o, "latitude", -90, 90)))
            rc = vg__stix_check_number(c, o, "longitude", -180, 180);
        break;
    }
    case T_MALWARE: {
        json_t *f = json_object_get(o, "is_family");
        if (!json_is_boolean(f))
            rc = vg__stix_fail(c, VG_EINVAL, "is_family", "must be a boolean%s", NULL);
        else if (json_is_true(f) && !json_object_get(o, "name"))
            rc = vg__stix_fail(c, VG_EMISSING, "name", "required when is_family is true%s", NULL);
        break;
    }
    case T_MALWARE_ANALYSIS:
        if (!json_object_get(o, "result") && !json_object_get(o, "analysis_sco_refs"))
            rc = vg__stix_fail(c, VG_EMISSING, "result",
                      "one of result and analysis_sco_refs is required%s", NULL);
        break;
    case T_NOTE:
        rc = vg__stix_need_string(c, o, "content", NULL);
        break;
    case T_OBSERVED_DATA: {
        int64_t f = 0, l = 0;
        if ((rc = vg__stix_check_int(c, o, "number_observed", 1, 999999999)) ||
            (rc = vg__stix_check_time(c, o, "first_observed", 0, &f)) ||
            (rc = vg__stix_check_time(c, o, "last_observed", 0, &l)) ||
            (rc = vg__stix_only_one(c, o, "objects", "object_refs", 1)))
            break;
        if (l < f)
            rc = vg__stix_fail(c, VG_EINVAL, "last_observed", "must not be before first_observed%s", NULL);
        json_t *objs = json_object_get(o, "objects");
        if (objs && (!json_is_object(objs) || json_object_size(objs) == 0))
            rc = vg__stix_fail(c, VG_EINVAL, "objects", "must be a non-empty dictionary%s", NULL);
        break;
    }
    case T_OPINION: {
        static const char *const ops[] = {"strongly-disagree", "disagree", "neutral", "agree",
                                          "strongly-agree", NULL};
        rc = vg__stix_check_enum(c, o, "opinion", ops);
        break;
    }
    case T_REPORT:
        rc = vg__stix_check_time(c, o, "published", 0, NULL);
        break;
    case T_RELATIONSHIP: {
        const char *rt = NULL;
        if ((rc = vg__stix_need_string(c, o, "relationship_type", &rt)))
            break;
        int ok = *rt != '\0';
        for (const char *p = rt; *p && ok; p++)
            ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
        if (!ok) {
            rc = vg__stix_fail(c, VG_EINVAL, "relationship_type", "must be [a-z0-9-]+%s", NULL);
            break;
        }
        if ((rc = vg__stix_ref_not(c, o, "source_ref", sro_like)))
            break;
        rc = vg__stix_ref_not(c, o, "target_ref", sro_like);
        break;
    }
    case T_SIGHTING: {
        int64_t f = 0, l = 0;
        if ((rc = vg__stix_check_int(c, o, "count", 0, 999999999)) ||
            (rc = vg__stix_ref_not(c, o, "sighting_of_ref", sro_like)) ||
            (rc = vg__stix_check_time(c, o, "first_seen", 0, &f)) ||
            (rc = vg__stix_check_time(c, o, "last_seen", 0, &l)))
            break;
        if (f != VG_STIX_TIME_NONE && l != VG_STIX_TIME_NONE && l < f) {
            rc = vg__stix_fail(c, VG_EINVAL, "last_seen", "must not be before first_seen%s", NULL);
            break;
        }
        json_t *ods = json_object_get(o, "observed_data_refs");
        for (size_t i = 0; ods && i < json_array_size(ods); i++) {
            json_t *r = json_array_get(ods, i);
            if (json_is_string(r) && !vg__stix_has_prefix(json_string_value(r), "observed-data--")) {
                rc = vg__stix_fail(c, VG_EINVAL, "observed_data_refs",
                          "must refer to observed-data objects%s", NULL);
                break;
            }
        }
        json_t *ws = json_object_get(o, "where_sighted_refs");
        for (size_t i = 0; !rc && ws && i < json_array_size(ws); i++) {
            const char *r = json_string_value(json_array_get(ws, i));
            if (r && !vg__stix_has_prefix(r, "identity--") && !vg__stix_has_prefix(r, "location--"))
                rc = vg__stix_fail(c, VG_EINVAL, "where_sighted_refs",
                          "must refer to identity or location objects%s", NULL);
        }
        break;
    }
    case T_ARTIFACT:
        if ((rc = vg__stix_only_one(c, o, "payload_bin", "url", 1)))
            break;
        if (json_object_get(o, "url") && !json_object_get(o, "hashes"))
            rc = vg__stix_fail(c, VG_EMISSING, "hashes", "required with url%s", NULL);
        break;
    case T_AUTONOMOUS_SYSTEM:
        rc = vg__stix_check_int(c, o, "number", 0, 4294967295LL);
        break;
    case T_DIRECTORY:
        rc = vg__stix_need_string(c, o, "path", NULL);
        break;
    case T_DOMAIN_NAME:
    case T_EMAIL_ADDR:
    case T_URL:
        rc = vg__stix_need_string(c, o, "value", NULL);
        break;
    case T_IPV4_ADDR:
    case T_IPV6_ADDR: {
        const char *v = NULL;
        struct vg_ip ip;
        if ((rc = vg__stix_need_string(c, o, "value", &v)))
            break;
        if (vg_ip_parse(v, strlen(v), 1, &ip) != 0 || ip.family != (t == T_IPV4_ADDR ? 4 : 6))
            rc = vg__stix_fail(c, VG_EINVAL, "value", "not an %s address or CIDR block",
                      t == T_IPV4_ADDR ? "IPv4" : "IPv6");
        break;
    }
    case T_MAC_ADDR: {
        const char *v = NULL;
        if ((rc = vg__stix_need_string(c, o, "value", &v)))
            break;
        int ok = strlen(v) == 17;
        for (int i = 0; ok && i < 17; i++)
            ok = i % 3 == 2 ? v[i] == ':'
                            : ((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f'));
        if (!ok)
            rc = vg__stix_fail(c, VG_EINVAL, "value",
                      "must be lower-case colon-delimited (aa:bb:cc:dd:ee:ff)%s", NULL);
        break;
    }
    case T_EMAIL_MESSAGE: {
        json_t *m = json_object_get(o, "is_multipart");
        if (!json_is_boolean(m))
            rc = vg__stix_fail(c, VG_EINVAL, "is_multipart", "must be a boolean%s", NULL);
        else if (json_is_true(m) && json_object_get(o, "body"))
            rc = vg__stix_fail(c, VG_EINVAL, "body", "not allowed when is_multipart is true%s", NULL);
        else if (!json_is_true(m) && json_object_get(o, "body_multipart"))
            rc = vg__stix_fail(c, VG_EINVAL, "body_multipart",
                      "not allowed when is_multipart is false%s", NULL);
        break;
    }
    case T_FILE:
        if (!json_object_get(o, "hashes") && !json_object_get(o, "name"))
            rc = vg__stix_fail(c, VG_EMISSING, "name", "one of hashes and name is required%s", NULL);
        break;
    case T_NETWORK_TRAFFIC:
        if (!json_object_get(o, "src_ref") && !json_object_get(o, "dst_ref"))
            rc = vg__stix_fail(c, VG_EMISSING, "src_ref", "one of src_ref and dst_ref is required%s",
                      NULL);
        else if (!(rc = vg__stix_check_string_list(c, "protocols", json_object_get(o, "protocols"))) &&
                 !(rc = vg__stix_check_int(c, o, "src_port", 0, 65535)))
            rc = vg__stix_check_int(c, o, "dst_port", 0, 65535);
        break;
    case T_PROCESS:
    case T_USER_ACCOUNT:
    case T_WINDOWS_REGISTRY_KEY:
    case T_X509_CERTIFICATE:
        if (!vg__stix_has_other_than(o, sco_ignore))
            rc = vg__stix_fail(c, VG_EMISSING, NULL, "needs at least one property beyond type and id%s",
                      NULL);
        break;
    case T_SOFTWARE:
    case T_MUTEX:
        rc = vg__stix_need_string(c, o, "name", NULL);
        break;
    case T_MARKING_DEFINITION: {
        json_t *dt = json_object_get(o, "definition_type"), *d = json_object_get(o, "definition");
        if (!dt && !d) {
            if (!json_object_get(o, "extensions"))
                rc = vg__stix_fail(c, VG_EMISSING, "definition_type",
                          "definition_type and definition (or extensions) are required%s",
                          NULL);
            break;
        }
        if (!json_is_string(dt)) {
            rc = vg__stix_fail(c, dt ? VG_EINVAL : VG_EMISSING, "definition_type", "a string is required%s",
                      NULL);
            break;
        }
        if (!json_is_object(d)) {
            rc = vg__stix_fail(c, d ? VG_EINVAL : VG_EMISSING, "definition", "an object is required%s",
                      NULL);
            break;
        }
        const char *s = json_string_value(dt);
        if (strcmp(s, "statement") == 0 && !json_is_string(json_object_get(d, "statement"))) {
            rc = vg__stix_fail(c, VG_EINVAL, "definition.statement", "a string is required%s", NULL);
        } else if (strcmp(s, "tlp") == 0) {
            static const char *const tl[] = {"white", "green", "amber", "red", NULL};
            json_t *tv = json_object_get(d, "tlp");
            if (!json_is_string(tv) || !vg__stix_in_list(json_string_value(tv), tl))
                rc = vg__stix_fail(c, VG_EINVAL, "definition.tlp", "must be white, green, amber or red%s",
                          NULL);
        }
        break;
    }
    case T_LANGUAGE_CONTENT: {
        json_t *ct = json_object_get(o, "contents");
        if (!json_is_object(ct) || json_object_size(ct) == 0)
            rc = vg__stix_fail(c, VG_EINVAL, "contents", "must be a non-empty dictionary%s", NULL);
        else if (!(rc = vg__stix_check_ref(c, "object_ref", json_object_get(o, "object_ref"))))
            rc = vg__stix_check_time(c, o, "object_modified", 3, NULL);
        break;
    }
    case T_EXTENSION_DEFINITION: {
        json_t *et = json_object_get(o, "extension_types");
        static const char *const ets[] = {"new-sdo", "new-sco", "new-sro", "property-extension",
                                          "toplevel-property-extension", NULL};
        if ((rc = vg__stix_check_string_list(c, "extension_types", et)))
            break;
        for (size_t i = 0; i < json_array_size(et); i++)
            if (!vg__stix_in_list(json_string_value(json_array_get(et, i)), ets)) {
                rc = vg__stix_fail(c, VG_EINVAL, "extension_types", "unknown extension type%s", NULL);
                break;
            }
        if (rc)
            break;
        int top = 0;
        for (size_t i = 0; i < json_array_size(et); i++)
            top |= strcmp(json_string_value(json_array_get(et, i)),
                          "toplevel-property-extension") == 0;
        if (!top && json_object_get(o, "extension_properties"))
            rc = vg__stix_fail(c, VG_EINVAL, "extension_properties",
                      "only with toplevel-property-extension%s", NULL);
        else if (!(rc = vg__stix_need_string(c, o, "name", NULL)) &&
                 !(rc = vg__stix_need_string(c, o, "schema", NULL)))
            rc = vg__stix_need_string(c, o, "version", NULL);
        break;
    }
    default:
        break;
    }
    return rc;
}

