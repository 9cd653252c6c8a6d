/* Unit tests for engine/stix: object validation and error paths, the
 * patterning grammar (valid and invalid), normalisation per type, the lookup
 * index (CIDR edges, IPv6 forms, IDN, subdomains, expiry) and TLP.
 * Not for: the external example files (tests/conformance/stix). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/jscan.h"
#include "core/json.h"
#include "engine/stix/ioc.h"
#include "engine/stix/ioc_index.h"
#include "engine/stix/pattern.h"
#include "engine/stix/stix.h"
#include "engine/stix/stix_int.h"
#include "engine/stix/tlp.h"

/* ---- objects ---- */

#define IND_ID "indicator--33fe3b22-0201-47cf-85d0-97c02164528d"
#define TS "\"created\":\"2014-05-08T09:00:00.000Z\",\"modified\":\"2014-05-08T09:00:00.000Z\""

static int parse(const char *doc, struct vg_err *err)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_stix_bundle b;
    vg_err_clear(err);
    int rc = vg_stix_parse_bundle(doc, strlen(doc), 0, a, &b, err);
    vg_arena_free(a);
    return rc;
}

static void expect_ok(const char *doc)
{
    struct vg_err err = {0};
    int rc = parse(doc, &err);
    if (rc)
        fprintf(stderr, "unexpected error: %s\n  in %s\n", err.msg, doc);
    assert_int_equal(rc, VG_OK);
}

static void expect_err(const char *doc, int code, const char *field)
{
    struct vg_err err = {0};
    int rc = parse(doc, &err);
    if (rc != code || strcmp(err.field, field) != 0)
        fprintf(stderr, "got %d field '%s' (%s)\n  want %d '%s'\n  in %s\n", rc, err.field, err.msg,
                code, field, doc);
    assert_int_equal(rc, code);
    assert_string_equal(err.field, field);
}

static const char *indicator(const char *extra, const char *pattern)
{
    static char buf[4096];
    snprintf(buf, sizeof(buf),
             "{\"type\":\"bundle\",\"id\":\"bundle--44af6c39-c09b-49c5-9de2-394224b04982\","
             "\"objects\":[{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":"
             "\"identity--f690c992-8e7d-4b9a-9303-3312616c0220\"," TS ",\"name\":\"x\"},"
             "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"" IND_ID "\"," TS
             ",\"pattern_type\":\"stix\",\"pattern\":\"%s\","
             "\"valid_from\":\"2014-05-08T09:00:00Z\"%s}]}",
             pattern, extra);
    return buf;
}

static void t_objects_valid(void **state)
{
    (void)state;
    expect_ok(indicator("", "[ipv4-addr:value = '10.0.0.1']"));
    expect_ok(indicator(",\"confidence\":100,\"labels\":[\"c2\"],\"lang\":\"en\",\"revoked\":false",
                        "[ipv4-addr:value = '10.0.0.1']"));
    expect_ok(indicator(",\"x_acme_score\":3,\"object_marking_refs\":[\"marking-definition--"
                        "34098fce-860f-48ae-8e50-ebd3cc5e41da\"]",
                        "[ipv4-addr:value = '10.0.0.1']"));
    /* custom object type and SCOs */
    expect_ok("{\"type\":\"x-acme-widget\",\"spec_version\":\"2.1\",\"id\":"
              "\"x-acme-widget--f690c992-8e7d-4b9a-9303-3312616c0220\"," TS "}");
    expect_ok("{\"type\":\"ipv6-addr\",\"id\":\"ipv6-addr--f690c992-8e7d-5b9a-9303-3312616c0220\","
              "\"value\":\"2001:db8::/32\"}");
    expect_ok("{\"type\":\"file\",\"id\":\"file--f690c992-8e7d-5b9a-9303-3312616c0220\","
              "\"hashes\":{\"SHA-256\":\"ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c"
              "8635fb6c\"}}");
    expect_ok("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
              "\"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487\",\"created\":"
              "\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP:CLEAR\",\"extensions\":{"
              "\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\":{"
              "\"extension_type\":\"property-extension\",\"tlp_2_0\":\"clear\"}}}");
    expect_ok("{\"type\":\"location\",\"spec_version\":\"2.1\",\"id\":"
              "\"location--f690c992-8e7d-4b9a-9303-3312616c0220\"," TS
              ",\"latitude\":48.8566,\"longitude\":2.3522}");
    expect_ok("{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":"
              "\"sighting--f690c992-8e7d-4b9a-9303-3312616c0220\"," TS
              ",\"sighting_of_ref\":\"" IND_ID "\",\"count\":3}");
}

static void t_objects_invalid(void **state)
{
    (void)state;
    expect_err(indicator("", "[ipv4-addr:value = '10.0.0.1'"), VG_EINVAL, "objects[1].pattern");
    expect_err(indicator(",\"confidence\":101", "[ipv4-addr:value = '10.0.0.1']"), VG_EINVAL,
               "objects[1].confidence");
    expect_err(indicator(",\"valid_until\":\"2014-05-08T08:00:00Z\"", "[aaa:b = 1]"), VG_EINVAL,
               "objects[1].valid_until");
    expect_err(indicator(",\"labels\":[]", "[aaa:b = 1]"), VG_EINVAL, "objects[1].labels");
    expect_err(indicator(",\"Bad-Name\":1", "[aaa:b = 1]"), VG_EINVAL, "objects[1].Bad-Name");
    expect_err(indicator(",\"created_by_ref\":\"identity--nope\"", "[aaa:b = 1]"), VG_EINVAL,
               "objects[1].created_by_ref");
    expect_err(indicator(",\"external_references\":[{\"source_name\":\"cve\",\"external_id\":"
                         "\"CVE-21-1\"}]",
                         "[aaa:b = 1]"),
               VG_EINVAL, "objects[1].external_references[0].external_id");
    expect_err(indicator(",\"granular_markings\":[{\"selectors\":[\"name\"]}]", "[aaa:b = 1]"),
               VG_EINVAL, "objects[1].granular_markings[0]");
    /* created without milliseconds */
    expect_err("{\"type\":\"campaign\",\"spec_version\":\"2.1\",\"id\":"
               "\"campaign--f690c992-8e7d-4b9a-9303-3312616c0220\",\"created\":"
               "\"2016-05-12T08:17:27Z\",\"modified\":\"2016-05-12T08:17:27.000Z\",\"name\":\"n\"}",
               VG_EINVAL, "created");
    expect_err("{\"type\":\"campaign\",\"spec_version\":\"2.0\",\"id\":"
               "\"campaign--f690c992-8e7d-4b9a-9303-3312616c0220\"," TS ",\"name\":\"n\"}",
               VG_EINVAL, "spec_version");
    expect_err("{\"type\":\"campaign\",\"spec_version\":\"2.1\",\"id\":"
               "\"campaign--f690c992-8e7d-4b9a-9303-3312616c0220\"," TS "}",
               VG_EMISSING, "name");
    /* id of another type, bad UUID variant */
    expect_err("{\"type\":\"campaign\",\"spec_version\":\"2.1\",\"id\":"
               "\"tool--f690c992-8e7d-4b9a-9303-3312616c0220\"," TS ",\"name\":\"n\"}",
               VG_EINVAL, "id");
    expect_err("{\"type\":\"campaign\",\"spec_version\":\"2.1\",\"id\":"
               "\"campaign--f690c992-8e7d-4b9a-c303-3312616c0220\"," TS ",\"name\":\"n\"}",
               VG_EINVAL, "id");
    expect_err("{\"type\":\"Campaign\",\"id\":\"x\"}", VG_EINVAL, "type");
    expect_err("{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":"
               "\"malware--f690c992-8e7d-4b9a-9303-3312616c0220\"," TS ",\"is_family\":true}",
               VG_EMISSING, "name");
    expect_err("{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--f690c992-8e7d-5b9a-9303-3312616c0220\","
               "\"value\":\"300.1.1.1\"}",
               VG_EINVAL, "value");
    expect_err("{\"type\":\"file\",\"id\":\"file--f690c992-8e7d-5b9a-9303-3312616c0220\","
               "\"hashes\":{\"MD5\":\"abc\"}}",
               VG_EINVAL, "hashes.MD5");
    expect_err("{\"type\":\"relationship\",\"spec_version\":\"2.1\",\"id\":"
               "\"relationship--f690c992-8e7d-4b9a-9303-3312616c0220\"," TS
               ",\"relationship_type\":\"uses\",\"source_ref\":\"" IND_ID "\","
               "\"target_ref\":\"bundle--f690c992-8e7d-4b9a-9303-3312616c0220\"}",
               VG_EINVAL, "target_ref");
    expect_err("{\"type\":\"bundle\",\"id\":\"bundle--44af6c39-c09b-49c5-9de2-394224b04982\","
               "\"spec_version\":\"2.0\",\"objects\":[]}",
               VG_EINVAL, "spec_version");
    expect_err("{\"type\":\"bundle\",\"id\":\"bundle--44af6c39-c09b-49c5-9de2-394224b04982\","
               "\"objects\":[{\"type\":\"campaign\"}]}",
               VG_EMISSING, "objects[0].id");
    struct vg_err err = {0};
    assert_int_equal(parse("{\"type\":\"a\",\"type\":\"b\"}", &err), VG_EJSON);
}

/* A minimal valid object of every type the spec defines; dropping any
 * required property names that property. */
static const struct {
    const char *type;
    const char *props; /* JSON members after type/id/spec_version/created/modified */
    const char *required[5];
} minimal[] = {
    {"attack-pattern", "\"name\":\"n\"", {"name"}},
    {"campaign", "\"name\":\"n\"", {"name"}},
    {"course-of-action", "\"name\":\"n\"", {"name"}},
    {"grouping", "\"context\":\"suspicious-activity\",\"object_refs\":[\"" IND_ID "\"]",
     {"context", "object_refs"}},
    {"identity", "\"name\":\"n\"", {"name"}},
    {"incident", "\"name\":\"n\"", {"name"}},
    {"indicator", "\"pattern\":\"[ipv4-addr:value = '1.2.3.4']\",\"pattern_type\":\"stix\","
                  "\"valid_from\":\"2020-01-01T00:00:00Z\"",
     {"pattern", "pattern_type", "valid_from"}},
    {"infrastructure", "\"name\":\"n\"", {"name"}},
    {"intrusion-set", "\"name\":\"n\"", {"name"}},
    {"location", "\"country\":\"cn\"", {"country"}},
    {"malware", "\"is_family\":false", {"is_family"}},
    {"malware-analysis", "\"product\":\"av\",\"result\":\"malicious\"", {"product", "result"}},
    {"note", "\"content\":\"c\",\"object_refs\":[\"" IND_ID "\"]", {"content", "object_refs"}},
    {"observed-data", "\"first_observed\":\"2020-01-01T00:00:00Z\",\"last_observed\":"
                      "\"2020-01-01T00:00:00Z\",\"number_observed\":1,\"object_refs\":["
                      "\"ipv4-addr--f690c992-8e7d-5b9a-9303-3312616c0220\"]",
     {"first_observed", "last_observed", "number_observed", "object_refs"}},
    {"opinion", "\"opinion\":\"agree\",\"object_refs\":[\"" IND_ID "\"]",
     {"opinion", "object_refs"}},
    {"report", "\"name\":\"n\",\"published\":\"2020-01-01T00:00:00Z\",\"object_refs\":[\""
               IND_ID "\"]",
     {"name", "published", "object_refs"}},
    {"threat-actor", "\"name\":\"n\"", {"name"}},
    {"tool", "\"name\":\"n\"", {"name"}},
    {"vulnerability", "\"name\":\"n\"", {"name"}},
    {"relationship", "\"relationship_type\":\"indicates\",\"source_ref\":\"" IND_ID
                     "\",\"target_ref\":\"malware--f690c992-8e7d-4b9a-9303-3312616c0220\"",
     {"relationship_type", "source_ref", "target_ref"}},
    {"sighting", "\"sighting_of_ref\":\"" IND_ID "\"", {"sighting_of_ref"}},
    {"language-content", "\"object_ref\":\"" IND_ID "\",\"contents\":{\"de\":{\"name\":"
                         "\"x\"}}",
     {"object_ref", "contents"}},
    {"extension-definition", "\"name\":\"e\",\"schema\":\"s\",\"version\":\"1\","
                             "\"extension_types\":[\"property-extension\"],\"created_by_ref\":"
                             "\"identity--f690c992-8e7d-4b9a-9303-3312616c0220\"",
     {"name", "schema", "version", "extension_types", "created_by_ref"}},
    /* SCOs: no created/modified */
    {"artifact", "\"payload_bin\":\"aGk=\"", {"payload_bin"}},
    {"autonomous-system", "\"number\":15139", {"number"}},
    {"directory", "\"path\":\"/tmp\"", {"path"}},
    {"domain-name", "\"value\":\"example.com\"", {"value"}},
    {"email-addr", "\"value\":\"a@example.com\"", {"value"}},
    {"email-message", "\"is_multipart\":false", {"is_multipart"}},
    {"file", "\"name\":\"a.exe\"", {"name"}},
    {"ipv4-addr", "\"value\":\"1.2.3.4\"", {"value"}},
    {"ipv6-addr", "\"value\":\"::1\"", {"value"}},
    {"mac-addr", "\"value\":\"00:11:22:33:44:55\"", {"value"}},
    {"mutex", "\"name\":\"m\"", {"name"}},
    {"network-traffic", "\"protocols\":[\"tcp\"],\"dst_ref\":\"ipv4-addr--f690c992-8e7d-5b9a-"
                        "9303-3312616c0220\"",
     {"protocols", "dst_ref"}},
    {"process", "\"pid\":4", {"pid"}},
    {"software", "\"name\":\"s\"", {"name"}},
    {"url", "\"value\":\"http://x/\"", {"value"}},
    {"user-account", "\"user_id\":\"1001\"", {"user_id"}},
    {"windows-registry-key", "\"key\":\"HKEY_LOCAL_MACHINE\\\\X\"", {"key"}},
    {"x509-certificate", "\"serial_number\":\"01\"", {"serial_number"}},
};

/* A jansson value as the jscan document the engine reads (lives in a). */
static const struct vg_jval *as_doc(json_t *j, struct vg_arena *a)
{
    const struct vg_jval *v = NULL;
    size_t n;
    char *t = vg_json_dump(j, &n);
    assert_int_equal(vg_jscan_parse(t, n, a, NULL, &v, NULL, NULL), VG_OK);
    free(t);
    return v;
}

static void t_every_type(void **state)
{
    (void)state;
    char doc[2048];
    for (size_t i = 0; i < sizeof(minimal) / sizeof(*minimal); i++) {
        enum vg_stix_kind k = vg_stix_type_kind(minimal[i].type);
        int sco = k == VG_STIX_SCO;
        const char *uuid = sco ? "f690c992-8e7d-5b9a-9303-3312616c0220"
                               : "f690c992-8e7d-4b9a-9303-3312616c0220";
        snprintf(doc, sizeof(doc), "{\"type\":\"%s\",\"id\":\"%s--%s\"%s,%s}", minimal[i].type,
                 minimal[i].type, uuid, sco ? "" : ",\"spec_version\":\"2.1\"," TS,
                 minimal[i].props);
        expect_ok(doc);
        for (int r = 0; r < 5 && minimal[i].required[r]; r++) {
            json_t *o = json_loads(doc, 0, NULL);
            assert_non_null(o);
            assert_int_equal(json_object_del(o, minimal[i].required[r]), 0);
            struct vg_err err = {0};
            struct vg_arena *a = vg_arena_new(0);
            int rc = vg_stix_validate_object(as_doc(o, a), "objects[7]", &err);
            vg_arena_free(a);
            if (rc != VG_EMISSING)
                fprintf(stderr, "%s without %s: rc %d %s\n", minimal[i].type,
                        minimal[i].required[r], rc, err.msg);
            assert_int_equal(rc, VG_EMISSING);
            assert_true(strncmp(err.field, "objects[7]", 10) == 0);
            json_decref(o);
        }
    }
    /* the marking definitions: statement, TLP 1.0, TLP 2.0 extension */
    expect_ok("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
              "\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\",\"created\":"
              "\"2017-01-20T00:00:00.000Z\",\"definition_type\":\"tlp\",\"name\":\"TLP:GREEN\","
              "\"definition\":{\"tlp\":\"green\"}}");
    expect_err("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
               "\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\",\"created\":"
               "\"2017-01-20T00:00:00.000Z\",\"definition_type\":\"tlp\","
               "\"definition\":{\"tlp\":\"purple\"}}",
               VG_EINVAL, "definition.tlp");
    expect_err("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
               "\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\",\"created\":"
               "\"2017-01-20T00:00:00.000Z\"}",
               VG_EMISSING, "definition_type");
}

static void t_keep_invalid(void **state)
{
    (void)state;
    const char *doc = "{\"type\":\"bundle\",\"id\":\"bundle--44af6c39-c09b-49c5-9de2-394224b04982\","
                      "\"objects\":[{\"type\":\"campaign\"},{\"type\":\"x-foo\",\"id\":"
                      "\"x-foo--44af6c39-c09b-49c5-9de2-394224b04982\"}]}";
    struct vg_arena *a = vg_arena_new(0);
    struct vg_stix_bundle b;
    assert_int_equal(vg_stix_parse_bundle(doc, strlen(doc), VG_STIX_KEEP_INVALID, a, &b, NULL),
                     VG_OK);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.n_invalid, 1);
    assert_int_equal(b.objects[0].rc, VG_EMISSING);
    assert_string_equal(b.objects[0].error_field, "objects[0].id");
    assert_int_equal(b.objects[1].rc, VG_OK);
    assert_int_equal(b.objects[1].kind, VG_STIX_CUSTOM);
    vg_arena_free(a);
}

static void t_time(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(vg_stix_time_parse("1970-01-01T00:00:01.5Z", 0, &ms), 0);
    assert_int_equal(ms, 1500);
    assert_int_equal(vg_stix_time_parse("2016-02-29T00:00:00Z", 0, &ms), 0);
    assert_int_equal(vg_stix_time_parse("2017-02-29T00:00:00Z", 0, &ms), -1);
    assert_int_equal(vg_stix_time_parse("2017-01-01T00:00:00+00:00", 0, &ms), -1);
    assert_int_equal(vg_stix_time_parse("2017-01-01T00:00:00.12Z", 3, &ms), -1);
    assert_int_equal(vg_stix_time_parse("2017-01-01T00:00:00.123456Z", 3, &ms), 0);
    assert_int_equal(vg_stix_time_parse("2017-01-01t00:00:00Z", 0, &ms), -1);
}

/* ---- patterns ---- */

static const char *const good_patterns[] = {
    "[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']",
    "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' OR file:hashes.'SHA-1' = "
    "'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
    "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
    "email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
    "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
    "[ipv6-addr:value ISSUPERSET '2001:db8::/64']",
    "[network-traffic:dst_port IN (80, 443, 8080)] REPEATS 5 TIMES WITHIN 1800 SECONDS",
    "[file:name LIKE 'foo%.exe'] FOLLOWEDBY [process:pid > 4 AND process:pid <= 100]",
    "([aaa:b = 1] AND [ccc:d != 2]) OR [eee:f >= -3.5] START t'2016-06-01T00:00:00Z' STOP "
    "t'2016-07-01T00:00:00Z'",
    "[artifact:payload_bin = b'dGVzdA==' AND artifact:x_data = h'0aff']",
    "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\SOFTWARE' AND "
    "windows-registry-key:values[0].name = 'x']",
    "[x-custom-type:x_prop NOT = true]",
    "[file:size NOT > 100 AND (file:name = 'a' OR file:name = 'b')]",
    "[network-traffic:start = t'2016-01-01T00:00:00.123Z']",
    "[user-account:account_login = 'it\\'s'] WITHIN 0.5 SECONDS",
    "[process:name = 'a'] AND [process:name = 'b'] FOLLOWEDBY [process:name = 'c']",
    "[file:name IN ()]",
    "[x509-certificate:serial_number = '4c:0b:1d'] REPEATS 2 TIMES REPEATS 3 TIMES",
};

static const char *const bad_patterns[] = {
    "",
    "[]",
    "file:name = 'a'",
    "[file:name = 'a'",
    "[file:name = 'a']]",
    "[file:name 'a']",
    "[file:name = a]",
    "[file:name == 'a' AND]",
    "[file:name = 'unterminated]",
    "[file:name = 'bad \\q escape']",
    "[file:name LIKE 5]",
    "[file:name > true]",
    "[ab:c = 1]",
    "[file: = 1]",
    "[file:hashes.SHA-256 = 'x']",
    "[file:x[a] = 1]",
    "[aaa:b = 1] WITHIN -5 SECONDS",
    "[aaa:b = 1] WITHIN 5",
    "[aaa:b = 1] REPEATS 0 TIMES",
    "[aaa:b = 1] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'",
    "[aaa:b = t'2016-13-01T00:00:00Z']",
    "[aaa:b = h'abc']",
    "[aaa:b = b'abc']",
    "[aaa:b = 01]",
    "[aaa:b = 1] and [ccc:d = 2]",
    "[aaa:b = 1] FOLLOWEDBY",
    "[aaa:b IN (1, )]",
    "[aaa:b = 1] [ccc:d = 2]",
};

static void t_patterns(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_pat_node *root;
    struct vg_err err = {0};
    for (size_t i = 0; i < sizeof(good_patterns) / sizeof(*good_patterns); i++) {
        vg_err_clear(&err);
        int rc = vg_stix_pattern_parse(good_patterns[i], strlen(good_patterns[i]), a, NULL,
                                       &root, &err);
        if (rc)
            fprintf(stderr, "should parse: %s\n  %s\n", good_patterns[i], err.msg);
        assert_int_equal(rc, VG_OK);
        char *f = vg_stix_pattern_format(root, a);
        struct vg_pat_node *r2;
        assert_int_equal(vg_stix_pattern_parse(f, strlen(f), a, NULL, &r2, &err), VG_OK);
        assert_string_equal(f, vg_stix_pattern_format(r2, a));
    }
    for (size_t i = 0; i < sizeof(bad_patterns) / sizeof(*bad_patterns); i++) {
        vg_err_clear(&err);
        int rc = vg_stix_pattern_parse(bad_patterns[i], strlen(bad_patterns[i]), a, NULL, &root,
                                       &err);
        if (rc == VG_OK)
            fprintf(stderr, "should fail: %s\n", bad_patterns[i]);
        assert_int_not_equal(rc, VG_OK);
        assert_string_equal(err.field, "pattern");
    }
    vg_arena_free(a);
}

static void t_pattern_ast(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_pat_node *r;
    const char *p = "[file:hashes.'SHA-256' = 'AB' AND file:x[*].y[-1] != 'it\\'s'] "
                    "FOLLOWEDBY [aaa:b = 1] WITHIN 10 SECONDS";
    assert_int_equal(vg_stix_pattern_parse(p, strlen(p), a, NULL, &r, NULL), VG_OK);
    assert_int_equal(r->kind, VG_PAT_FOLLOWEDBY);
    assert_int_equal(r->right->kind, VG_PAT_QUALIFIED);
    assert_int_equal(r->right->qual, VG_PAT_WITHIN);
    assert_true(r->right->within_seconds == 10.0);
    struct vg_pat_node *c = r->left->left;
    assert_int_equal(c->kind, VG_PAT_CMP_AND);
    assert_string_equal(c->left->path.object_type, "file");
    assert_int_equal(c->left->path.n_steps, 2);
    assert_string_equal(c->left->path.steps[1].key, "SHA-256");
    assert_int_equal(c->right->path.steps[1].kind, VG_PAT_ANY_INDEX);
    assert_int_equal(c->right->path.steps[3].index, -1);
    assert_string_equal(c->right->lits[0].s, "it's");
    /* precedence: AND binds tighter than OR, OR tighter than FOLLOWEDBY */
    p = "[aaa:b = 1] OR [aaa:b = 2] AND [aaa:b = 3] FOLLOWEDBY [aaa:b = 4]";
    assert_int_equal(vg_stix_pattern_parse(p, strlen(p), a, NULL, &r, NULL), VG_OK);
    assert_int_equal(r->kind, VG_PAT_FOLLOWEDBY);
    assert_int_equal(r->left->kind, VG_PAT_OBS_OR);
    assert_int_equal(r->left->right->kind, VG_PAT_OBS_AND);
    assert_string_equal(vg_stix_pattern_format(r, a), p);
    /* parentheses kept where they change the meaning, dropped where not */
    p = "(([aaa:b = 1] OR [aaa:b = 2]) AND ([aaa:b = 3] AND [aaa:b = 4])) WITHIN 5 SECONDS";
    assert_int_equal(vg_stix_pattern_parse(p, strlen(p), a, NULL, &r, NULL), VG_OK);
    assert_string_equal(vg_stix_pattern_format(r, a),
                        "(([aaa:b = 1] OR [aaa:b = 2]) AND ([aaa:b = 3] AND [aaa:b = 4])) WITHIN 5 "
                        "SECONDS");
    p = "[(aaa:b = 1 OR aaa:b = 2) AND aaa:c = 3 OR (aaa:d = 4)]";
    assert_int_equal(vg_stix_pattern_parse(p, strlen(p), a, NULL, &r, NULL), VG_OK);
    assert_string_equal(vg_stix_pattern_format(r, a),
                        "[(aaa:b = 1 OR aaa:b = 2) AND aaa:c = 3 OR aaa:d = 4]");
    /* keys spelt like keywords or booleans stay quoted (the fuzzer's find:
     * hashes.SECONDS did not parse again), others go plain */
    p = "[file:hashes.'SECONDS' = 'a' AND x-y:'true'.'AND'.'and'.'Stop'.'FALSE' = 1]";
    assert_int_equal(vg_stix_pattern_parse(p, strlen(p), a, NULL, &r, NULL), VG_OK);
    assert_string_equal(vg_stix_pattern_format(r, a),
                        "[file:hashes.'SECONDS' = 'a' AND x-y:'true'.'AND'.and.Stop.'FALSE' = 1]");
    assert_int_equal(vg_stix_pattern_parse(vg_stix_pattern_format(r, a),
                                           strlen(vg_stix_pattern_format(r, a)), a, NULL, &r,
                                           NULL),
                     VG_OK);
    /* a long flat chain formats without nesting */
    char chain[8192];
    size_t cl = 0;
    for (int i = 0; i < 200; i++)
        cl += (size_t)snprintf(chain + cl, sizeof(chain) - cl, "%s[aaa:b = %d]", i ? " OR " : "", i);
    assert_int_equal(vg_stix_pattern_parse(chain, cl, a, NULL, &r, NULL), VG_OK);
    assert_string_equal(vg_stix_pattern_format(r, a), chain);
    /* depth bound */
    char deep[1000];
    size_t k = 0;
    for (int i = 0; i < 200; i++)
        deep[k++] = '(';
    deep[k] = '\0';
    struct vg_err err = {0};
    assert_int_equal(vg_stix_pattern_parse(deep, k, a, NULL, &r, &err), VG_ETOOBIG);
    vg_arena_free(a);
}

static void t_pattern_observables(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_pat_node *r;
    const char *p = "[ipv4-addr:value = '10.0.0.1' OR domain-name:value = 'WWW.Example.COM.' OR "
                    "url:value = 'HTTP://Example.com:80/a/../b' OR file:hashes.'SHA-256' = "
                    "'EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C' OR "
                    "file:hashes.MD5 IN ('d41d8cd98f00b204e9800998ecf8427e') OR "
                    "ipv4-addr:value != '1.1.1.1' OR email-addr:value NOT = 'a@b.c' OR "
                    "email-message:from_ref.value = 'Bob@EXAMPLE.org' OR "
                    "network-traffic:dst_ref.value = '2001:DB8::1' OR domain-name:value = 'bad name' OR "
                    "x-vigil-phone-number:value = '+86 10 1234 5678']";
    assert_int_equal(vg_stix_pattern_parse(p, strlen(p), a, NULL, &r, NULL), VG_OK);
    struct vg_pat_observable *o;
    size_t n, skipped;
    assert_int_equal(vg_stix_pattern_observables(r, a, &o, &n, &skipped, NULL), VG_OK);
    assert_int_equal(n, 8);
    assert_int_equal(skipped, 1);
    assert_int_equal(o[0].type, VG_IOC_IP);
    assert_string_equal(o[0].value, "10.0.0.1");
    assert_string_equal(o[1].value, "www.example.com");
    assert_string_equal(o[2].value, "http://example.com/b");
    assert_int_equal(o[3].type, VG_IOC_SHA256);
    assert_string_equal(o[3].value, "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c");
    assert_int_equal(o[4].type, VG_IOC_MD5);
    assert_int_equal(o[5].type, VG_IOC_EMAIL);
    assert_string_equal(o[5].value, "Bob@example.org");
    assert_string_equal(o[6].value, "2001:db8::1");
    assert_int_equal(o[7].type, VG_IOC_PHONE);
    assert_string_equal(o[7].value, "+861012345678");
    vg_arena_free(a);
}

/* ---- normalisation ---- */

static void norm_ok(enum vg_ioc_type t, const char *in, const char *want)
{
    char out[VG_IOC_MAX + 1];
    struct vg_err err = {0};
    int rc = vg_ioc_normalize(t, in, strlen(in), out, sizeof(out), NULL, &err);
    if (rc || strcmp(out, want))
        fprintf(stderr, "%s '%s' -> rc %d '%s' (%s), want '%s'\n", vg_ioc_type_name(t), in, rc, out,
                err.msg, want);
    assert_int_equal(rc, VG_OK);
    assert_string_equal(out, want);
}

static void norm_bad(enum vg_ioc_type t, const char *in)
{
    char out[VG_IOC_MAX + 1];
    int rc = vg_ioc_normalize(t, in, strlen(in), out, sizeof(out), NULL, NULL);
    if (rc == VG_OK)
        fprintf(stderr, "%s '%s' should fail, gave '%s'\n", vg_ioc_type_name(t), in, out);
    assert_int_not_equal(rc, VG_OK);
}

/* vg_ip_format against printf: every zero-run layout of IPv6 groups,
 * v4-mapped addresses, IPv4, and prefixes (including out of range). */
static void ip_ref(const struct vg_ip *ip, char out[64])
{
    size_t k = 0;
    const unsigned char *a = ip->addr;
    if (ip->family == 4) {
        k = (size_t)snprintf(out, 64, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        if (ip->prefix != 32)
            snprintf(out + k, 64 - k, "/%d", ip->prefix);
        return;
    }
    unsigned g[8];
    int best = -1, bestn = 0;
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
        k = (size_t)snprintf(out, 64, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
    } else {
        for (int i = 0; i < 8;) {
            int j = i;
            while (j < 8 && g[j] == 0)
                j++;
            if (j - i > bestn && j - i >= 2) {
                best = i;
                bestn = j - i;
            }
            i = j > i ? j : i + 1;
        }
        for (int i = 0; i < 8; i++) {
            if (i == best) {
                k += (size_t)snprintf(out + k, 64 - k, "::");
                i += bestn - 1;
                continue;
            }
            k += (size_t)snprintf(out + k, 64 - k, "%s%x", (i && i != best + bestn) ? ":" : "",
                                  g[i]);
        }
    }
    if (ip->prefix != 128)
        snprintf(out + k, 64 - k, "/%d", ip->prefix);
}

static void t_ip_format(void **state)
{
    (void)state;
    uint64_t r = 88172645463325252ULL;
    for (int n = 0; n < 70000; n++) {
        struct vg_ip ip;
        char got[64], want[64];
        memset(&ip, 0, sizeof(ip));
        if (n < 65536) { /* v6: group i zero when bit i of n is clear (0-255), else random */
            ip.family = 6;
            for (int i = 0; i < 8; i++) {
                r ^= r << 13, r ^= r >> 7, r ^= r << 17;
                unsigned v = (n >> i & 1) ? (unsigned)(r % 65535 + 1) : 0;
                if ((n >> 8 & 3) == 1 && v)
                    v &= 0xf; /* short groups */
                ip.addr[2 * i] = (unsigned char)(v >> 8);
                ip.addr[2 * i + 1] = (unsigned char)v;
            }
            if ((n >> 10 & 7) == 3) /* v4-mapped */
                memcpy(ip.addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
            ip.prefix = (n >> 13 & 1) ? (int)(r % 129) : 128;
        } else {
            ip.family = 4;
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            memcpy(ip.addr, &r, 4);
            ip.addr[n % 4] = (unsigned char)(n % 3 == 0 ? 0 : n % 3 == 1 ? 255 : 9);
            ip.prefix = n % 5 ? (int)(r >> 40) % 33 : 32;
        }
        if (n % 1000 == 7)
            ip.prefix = n % 2000 == 7 ? -5 : 1000; /* out of range: written as printf would */
        vg_ip_format(&ip, got);
        ip_ref(&ip, want);
        if (strcmp(got, want) != 0)
            fprintf(stderr, "ip %d: got %s want %s\n", n, got, want);
        assert_string_equal(got, want);
    }
}

static void t_normalize(void **state)
{
    (void)state;
    norm_ok(VG_IOC_IP, " 10.0.0.1 ", "10.0.0.1");
    norm_ok(VG_IOC_IP, "10.1.2.3/8", "10.0.0.0/8");
    norm_ok(VG_IOC_IP, "10.1.2.3/32", "10.1.2.3");
    norm_ok(VG_IOC_IP, "0.0.0.0/0", "0.0.0.0/0");
    norm_ok(VG_IOC_IP, "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
    norm_ok(VG_IOC_IP, "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
    norm_ok(VG_IOC_IP, "2001:db8::1/128", "2001:db8::1");
    norm_ok(VG_IOC_IP, "2001:db8:ffff::/32", "2001:db8::/32");
    norm_ok(VG_IOC_IP, "::", "::");
    norm_ok(VG_IOC_IP, "::1", "::1");
    norm_ok(VG_IOC_IP, "1::", "1::");
    norm_ok(VG_IOC_IP, "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
    norm_ok(VG_IOC_IP, "::ffff:192.0.2.1", "192.0.2.1");
    norm_ok(VG_IOC_IP, "::FFFF:c000:0201", "192.0.2.1");
    norm_ok(VG_IOC_IP, "::ffff:0:0/96", "0.0.0.0/0");
    norm_ok(VG_IOC_IP, "64:ff9b::192.0.2.33", "64:ff9b::c000:221");
    norm_bad(VG_IOC_IP, "10.0.0");
    norm_bad(VG_IOC_IP, "10.0.0.01");
    norm_bad(VG_IOC_IP, "256.0.0.1");
    norm_bad(VG_IOC_IP, "10.0.0.1/33");
    norm_bad(VG_IOC_IP, "10.0.0.1/");
    norm_bad(VG_IOC_IP, "1:2:3:4:5:6:7:8:9");
    norm_bad(VG_IOC_IP, "1::2::3");
    norm_bad(VG_IOC_IP, "fe80::1%eth0");
    norm_bad(VG_IOC_IP, "::1/129");

    norm_ok(VG_IOC_DOMAIN, "WWW.Example.COM.", "www.example.com");
    norm_ok(VG_IOC_DOMAIN, "bücher.example", "xn--bcher-kva.example");
    norm_ok(VG_IOC_DOMAIN, "MÜNCHEN.de", "xn--mnchen-3ya.de");
    norm_ok(VG_IOC_DOMAIN, "例え.テスト", "xn--r8jz45g.xn--zckzah");
    norm_ok(VG_IOC_DOMAIN, "example。中国", "example.xn--fiqs8s");
    norm_ok(VG_IOC_DOMAIN, "xn--bcher-kva.example", "xn--bcher-kva.example");
    norm_ok(VG_IOC_DOMAIN, "_dmarc.example.com", "_dmarc.example.com");
    norm_bad(VG_IOC_DOMAIN, "a..b");
    norm_bad(VG_IOC_DOMAIN, "-a.b");
    norm_bad(VG_IOC_DOMAIN, "a b.c");
    norm_bad(VG_IOC_DOMAIN, ".");
    norm_bad(VG_IOC_DOMAIN, "1.2.3.4");
    norm_bad(VG_IOC_DOMAIN, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com");
    norm_bad(VG_IOC_DOMAIN, "xn--a-ecp.ru\xff");

    norm_ok(VG_IOC_URL, "HTTP://Www.Example.COM:80/a/./b/../c/%7euser?q=%2f#frag",
            "http://www.example.com/a/c/~user?q=%2F");
    norm_ok(VG_IOC_URL, "https://example.com", "https://example.com/");
    norm_ok(VG_IOC_URL, "https://example.com:8443/x y", "https://example.com:8443/x%20y");
    norm_ok(VG_IOC_URL, "http://user@bücher.example/", "http://user@xn--bcher-kva.example/");
    norm_ok(VG_IOC_URL, "http://[2001:DB8::1]:80/", "http://[2001:db8::1]/");
    norm_ok(VG_IOC_URL, "example.com/login.php", "http://example.com/login.php");
    norm_ok(VG_IOC_URL, "http://10.0.0.1/../../a", "http://10.0.0.1/a");
    norm_bad(VG_IOC_URL, "mailto:a@b.c");
    norm_bad(VG_IOC_URL, "http:///path");
    norm_bad(VG_IOC_URL, "http://example.com:99999/");

    norm_ok(VG_IOC_EMAIL, "John.Doe@EXAMPLE.com", "John.Doe@example.com");
    norm_bad(VG_IOC_EMAIL, "nobody");
    norm_bad(VG_IOC_EMAIL, "@example.com");
    norm_ok(VG_IOC_PHONE, "+86 (10) 1234-5678", "+861012345678");
    norm_ok(VG_IOC_PHONE, "0086 10 12345678", "+861012345678");
    norm_bad(VG_IOC_PHONE, "12a45678");
    norm_bad(VG_IOC_PHONE, "+1234567890123456");
    norm_ok(VG_IOC_MD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e");
    norm_bad(VG_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427");
    norm_bad(VG_IOC_SHA1, "d41d8cd98f00b204e9800998ecf8427e");
    norm_bad(VG_IOC_SHA256, "zz");

    char key[VG_IOC_MAX + 16];
    size_t kn;
    assert_int_equal(vg_ioc_correlation_key(VG_IOC_DOMAIN, "BÜCHER.example.", 16, key, sizeof(key),
                                            &kn, NULL),
                     VG_OK);
    assert_string_equal(key, "domain:xn--bcher-kva.example");
    assert_int_equal(kn, strlen(key));
    assert_int_equal(vg_ioc_correlation_key(VG_IOC_IP, "::ffff:10.1.2.3/104", 19, key, sizeof(key),
                                            NULL, NULL),
                     VG_OK);
    assert_string_equal(key, "ip:10.0.0.0/8");
    assert_int_equal(vg_ioc_correlation_key(VG_IOC_MD5, "x", 1, key, sizeof(key), NULL, NULL),
                     VG_EINVAL);
    assert_int_equal(vg_ioc_guess("10.0.0.1", 8), VG_IOC_IP);
    assert_int_equal(vg_ioc_guess("2001:db8::/32", 13), VG_IOC_IP);
    assert_int_equal(vg_ioc_guess("a@b.c", 5), VG_IOC_EMAIL);
    assert_int_equal(vg_ioc_guess("http://x/", 9), VG_IOC_URL);
    assert_int_equal(vg_ioc_guess("+8613800138000", 14), VG_IOC_PHONE);
    assert_int_equal(vg_ioc_guess("example.com", 11), VG_IOC_DOMAIN);
    assert_int_equal(vg_ioc_guess("d41d8cd98f00b204e9800998ecf8427e", 32), VG_IOC_MD5);
    assert_int_equal(vg_ioc_type_parse("SHA-256"), VG_IOC_SHA256);
    assert_int_equal(vg_ioc_type_parse("ipv6-addr"), VG_IOC_IP);
    assert_int_equal(vg_ioc_category_parse("Command-and-Control"), VG_IOC_CAT_C2);
    char cats[64];
    vg_ioc_category_format(VG_IOC_CAT_C2 | VG_IOC_CAT_BOTNET, cats, sizeof(cats));
    assert_string_equal(cats, "c2,botnet");
}

static void t_punycode(void **state)
{
    (void)state;
    /* RFC 3492 section 7.1 sample (L) and (B) */
    static const uint32_t l[] = {0x0033, 0x5E74, 0x0042, 0x7D44, 0x91D1, 0x516B, 0x5148, 0x751F};
    char out[128];
    assert_int_equal(vg_punycode_encode(l, 8, out, sizeof(out)), 0);
    assert_string_equal(out, "3B-ww4c5e180e575a65lsy2b");
    static const uint32_t b[] = {0x4ED6, 0x4EEC, 0x4E3A, 0x4EC0, 0x4E48, 0x4E0D, 0x8BF4,
                                 0x4E2D, 0x6587};
    assert_int_equal(vg_punycode_encode(b, 9, out, sizeof(out)), 0);
    assert_string_equal(out, "ihqwcrb4cv8a8dqg056pqjye");
    uint32_t cp[64];
    size_t n;
    assert_int_equal(vg_punycode_decode("ihqwcrb4cv8a8dqg056pqjye", 24, cp, 64, &n), 0);
    assert_int_equal(n, 9);
    assert_memory_equal(cp, b, sizeof(b));
    assert_int_equal(vg_punycode_decode("3B-ww4c5e180e575a65lsy2b", 24, cp, 64, &n), 0);
    assert_int_equal(n, 8);
    assert_int_equal(vg_punycode_decode("9999999999a", 11, cp, 64, &n), -1);
}

/* ---- index ---- */

static size_t look(struct vg_ioc_index *ix, enum vg_ioc_type t, const char *v, int64_t now,
                   struct vg_ioc_hit *hits)
{
    size_t n = 0;
    struct vg_err err = {0};
    int rc = vg_ioc_index_lookup(ix, t, v, strlen(v), now, hits, 16, &n, &err);
    if (rc)
        fprintf(stderr, "lookup %s: %s\n", v, err.msg);
    assert_int_equal(rc, VG_OK);
    return n;
}

static void add(struct vg_ioc_index *ix, enum vg_ioc_type t, const char *v, int64_t id,
                int64_t until)
{
    assert_int_equal(vg_ioc_index_add(ix, t, v, strlen(v), id, until, NULL), VG_OK);
}

static void t_index(void **state)
{
    (void)state;
    struct vg_ioc_index *ix = vg_ioc_index_new(42, 43);
    struct vg_ioc_hit h[16];
    add(ix, VG_IOC_IP, "198.51.100.7", 1, VG_IOC_FOREVER);
    add(ix, VG_IOC_IP, "203.0.113.0/24", 2, VG_IOC_FOREVER);
    add(ix, VG_IOC_IP, "2001:db8::/32", 3, VG_IOC_FOREVER);
    add(ix, VG_IOC_IP, "2001:db8::1/128", 4, VG_IOC_FOREVER);
    add(ix, VG_IOC_DOMAIN, "Example.COM", 5, VG_IOC_FOREVER);
    add(ix, VG_IOC_DOMAIN, "bücher.example", 6, VG_IOC_FOREVER);
    add(ix, VG_IOC_URL, "http://evil.test/a/../login", 7, VG_IOC_FOREVER);
    add(ix, VG_IOC_SHA256, "EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C", 8,
        VG_IOC_FOREVER);
    add(ix, VG_IOC_EMAIL, "phish@Evil.test", 9, 1000);
    add(ix, VG_IOC_PHONE, "+86 138 0013 8000", 10, VG_IOC_FOREVER);

    /* exact and /32 */
    assert_int_equal(look(ix, VG_IOC_NONE, "198.51.100.7", 0, h), 1);
    assert_int_equal(h[0].indicator_id, 1);
    assert_int_equal(h[0].match, VG_IOC_MATCH_EXACT);
    assert_int_equal(look(ix, VG_IOC_NONE, "198.51.100.7/32", 0, h), 1);
    assert_int_equal(look(ix, VG_IOC_NONE, "198.51.100.8", 0, h), 0);
    /* CIDR containment and its edges */
    assert_int_equal(look(ix, VG_IOC_NONE, "203.0.113.0", 0, h), 1);
    assert_int_equal(h[0].match, VG_IOC_MATCH_CIDR);
    assert_int_equal(h[0].prefix, 24);
    assert_int_equal(look(ix, VG_IOC_NONE, "203.0.113.255", 0, h), 1);
    assert_int_equal(look(ix, VG_IOC_NONE, "203.0.114.0", 0, h), 0);
    assert_int_equal(look(ix, VG_IOC_NONE, "203.0.112.255", 0, h), 0);
    assert_int_equal(look(ix, VG_IOC_NONE, "203.0.113.128/25", 0, h), 1);
    assert_int_equal(look(ix, VG_IOC_NONE, "203.0.112.0/23", 0, h), 0);
    assert_int_equal(look(ix, VG_IOC_NONE, "203.0.113.0/24", 0, h), 1);
    assert_int_equal(h[0].match, VG_IOC_MATCH_EXACT);
    /* IPv6: compressed, expanded, /128 entry, v4-mapped */
    assert_int_equal(look(ix, VG_IOC_NONE, "2001:0db8:0:0:0:0:0:1", 0, h), 2);
    assert_int_equal(look(ix, VG_IOC_NONE, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0, h), 1);
    assert_int_equal(h[0].indicator_id, 3);
    assert_int_equal(look(ix, VG_IOC_NONE, "2001:db9::", 0, h), 0);
    assert_int_equal(look(ix, VG_IOC_NONE, "::ffff:198.51.100.7", 0, h), 1);
    assert_int_equal(h[0].indicator_id, 1);
    assert_int_equal(look(ix, VG_IOC_NONE, "::ffff:203.0.113.9", 0, h), 1);
    /* /0 matches everything of its family only */
    add(ix, VG_IOC_IP, "0.0.0.0/0", 11, VG_IOC_FOREVER);
    assert_int_equal(look(ix, VG_IOC_NONE, "8.8.8.8", 0, h), 1);
    assert_int_equal(h[0].prefix, 0);
    assert_int_equal(look(ix, VG_IOC_NONE, "2001:db9::1", 0, h), 0);
    add(ix, VG_IOC_IP, "::/0", 12, VG_IOC_FOREVER);
    assert_int_equal(look(ix, VG_IOC_NONE, "2001:db9::1", 0, h), 1);
    assert_int_equal(vg_ioc_index_remove(ix, VG_IOC_IP, "0.0.0.0/0", 9, 11, NULL), VG_OK);
    assert_int_equal(vg_ioc_index_remove(ix, VG_IOC_IP, "::/0", 4, 12, NULL), VG_OK);
    assert_int_equal(vg_ioc_index_remove(ix, VG_IOC_IP, "::/0", 4, 12, NULL), VG_ENOTFOUND);
    assert_int_equal(look(ix, VG_IOC_NONE, "8.8.8.8", 0, h), 0);
    /* domains: exact, subdomain, IDN in either form, no partial label match */
    assert_int_equal(look(ix, VG_IOC_DOMAIN, "EXAMPLE.com.", 0, h), 1);
    assert_int_equal(h[0].match, VG_IOC_MATCH_EXACT);
    assert_int_equal(look(ix, VG_IOC_NONE, "a.b.example.com", 0, h), 1);
    assert_int_equal(h[0].match, VG_IOC_MATCH_PARENT);
    assert_int_equal(h[0].prefix, 2);
    assert_int_equal(look(ix, VG_IOC_NONE, "notexample.com", 0, h), 0);
    assert_int_equal(look(ix, VG_IOC_NONE, "com", 0, h), 0);
    assert_int_equal(look(ix, VG_IOC_NONE, "www.xn--bcher-kva.example", 0, h), 1);
    assert_int_equal(look(ix, VG_IOC_NONE, "BÜCHER.example", 0, h), 1);
    assert_int_equal(h[0].indicator_id, 6);
    /* URLs: normalised exact, and by host */
    assert_int_equal(look(ix, VG_IOC_NONE, "HTTP://EVIL.test:80/login", 0, h), 1);
    assert_int_equal(h[0].indicator_id, 7);
    assert_int_equal(look(ix, VG_IOC_NONE, "https://sub.example.com/x", 0, h), 1);
    assert_int_equal(h[0].match, VG_IOC_MATCH_HOST);
    assert_int_equal(look(ix, VG_IOC_NONE, "http://198.51.100.7:8080/", 0, h), 1);
    assert_int_equal(h[0].match, VG_IOC_MATCH_HOST);
    /* hashes, e-mail with expiry, phone */
    assert_int_equal(
        look(ix, VG_IOC_NONE, "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c",
             0, h),
        1);
    assert_int_equal(look(ix, VG_IOC_NONE, "phish@evil.TEST", 999, h), 1);
    assert_int_equal(look(ix, VG_IOC_NONE, "phish@evil.TEST", 1000, h), 0);
    assert_int_equal(look(ix, VG_IOC_PHONE, "0086 13800138000", 0, h), 1);
    /* type matters: a domain entry is no e-mail */
    assert_int_equal(look(ix, VG_IOC_NONE, "x@example.com", 0, h), 0);
    /* several indicators on one value; re-adding updates expiry */
    add(ix, VG_IOC_DOMAIN, "example.com", 13, 5000);
    assert_int_equal(look(ix, VG_IOC_NONE, "example.com", 0, h), 2);
    add(ix, VG_IOC_DOMAIN, "example.com", 13, 100);
    assert_int_equal(look(ix, VG_IOC_NONE, "example.com", 200, h), 1);
    struct vg_err err = {0};
    size_t n;
    assert_int_equal(vg_ioc_index_lookup(ix, VG_IOC_IP, "nope", 4, 0, h, 16, &n, &err), VG_EINVAL);
    struct vg_ioc_index_stats st;
    vg_ioc_index_stats(ix, &st);
    assert_int_equal(st.entries, 11);
    vg_ioc_index_free(ix);
}

static void t_index_grow(void **state)
{
    (void)state;
    struct vg_ioc_index *ix = vg_ioc_index_new(1, 2);
    char v[64];
    struct vg_ioc_hit h[4];
    for (int i = 0; i < 20000; i++) {
        snprintf(v, sizeof(v), "host%d.example.net", i);
        add(ix, VG_IOC_DOMAIN, v, i, VG_IOC_FOREVER);
    }
    for (int i = 0; i < 20000; i += 2) {
        snprintf(v, sizeof(v), "host%d.example.net", i);
        assert_int_equal(vg_ioc_index_remove(ix, VG_IOC_DOMAIN, v, strlen(v), i, NULL), VG_OK);
    }
    for (int i = 0; i < 20000; i++) {
        snprintf(v, sizeof(v), "host%d.example.net", i);
        assert_int_equal(look(ix, VG_IOC_DOMAIN, v, 0, h), (size_t)(i % 2));
    }
    vg_ioc_index_free(ix);
}

/* Random adds and removes of several ids per value against a model (the
 * table's probing and deletion shifts under churn). */
static void t_index_model(void **state)
{
    (void)state;
    enum { V = 300, IDS = 6 };
    static unsigned char present[V][IDS];
    memset(present, 0, sizeof(present));
    struct vg_ioc_index *ix = vg_ioc_index_new(5, 6);
    uint64_t x = 88172645463325252ULL;
    char v[64];
    struct vg_ioc_hit h[16];
    for (int step = 0; step < 20000; step++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int val = (int)(x % V), id = (int)((x >> 20) % IDS);
        snprintf(v, sizeof(v), "10.%d.%d.1", val / 256, val % 256);
        if ((x >> 40) % 3 == 0) {
            int rc = vg_ioc_index_remove(ix, VG_IOC_IP, v, strlen(v), id, NULL);
            assert_int_equal(rc, present[val][id] ? VG_OK : VG_ENOTFOUND);
            present[val][id] = 0;
        } else {
            add(ix, VG_IOC_IP, v, id, VG_IOC_FOREVER);
            present[val][id] = 1;
        }
        if (step % 97 == 0) {
            size_t live = 0;
            for (int a = 0; a < V; a++) {
                size_t want = 0;
                for (int b = 0; b < IDS; b++)
                    want += present[a][b];
                live += want;
                snprintf(v, sizeof(v), "10.%d.%d.1", a / 256, a % 256);
                assert_int_equal(look(ix, VG_IOC_IP, v, 0, h), want);
            }
            struct vg_ioc_index_stats st;
            vg_ioc_index_stats(ix, &st);
            assert_int_equal(st.entries, live);
        }
    }
    vg_ioc_index_free(ix);
}

static void t_siphash(void **state)
{
    (void)state;
    /* SipHash-2-4-128 reference vector: key 00..0f, empty input */
    uint64_t out[2];
    vg_siphash128("", 0, 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL, out);
    assert_true(out[0] == 0xe6a825ba047f81a3ULL);
    assert_true(out[1] == 0x930255c71472f66dULL);
}

/* ---- TLP ---- */

static void t_tlp(void **state)
{
    (void)state;
    enum vg_tlp t;
    assert_int_equal(vg_tlp_parse("amber+strict", &t), 0);
    assert_int_equal(t, VG_TLP_AMBER_STRICT);
    assert_int_equal(vg_tlp_parse("TLP:WHITE", &t), 0);
    assert_int_equal(t, VG_TLP_CLEAR);
    assert_int_equal(vg_tlp_parse("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", &t), 0);
    assert_int_equal(t, VG_TLP_AMBER);
    assert_int_equal(vg_tlp_parse("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", &t), 0);
    assert_int_equal(t, VG_TLP_RED);
    assert_int_equal(vg_tlp_parse("purple", &t), -1);
    assert_string_equal(vg_tlp_marking_id(VG_TLP_GREEN),
                        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb");
    assert_string_equal(vg_tlp_label(VG_TLP_AMBER_STRICT), "TLP:AMBER+STRICT");
    /* the level x relation matrix */
    static const int want[5][6] = {
        /* SUSP PUB COMM CLIENT RECIP NAMED */
        {1, 1, 1, 1, 1, 1}, /* CLEAR */
        {0, 0, 1, 1, 1, 1}, /* GREEN */
        {0, 0, 0, 1, 1, 1}, /* AMBER */
        {0, 0, 0, 0, 1, 1}, /* AMBER+STRICT */
        {0, 0, 0, 0, 0, 1}, /* RED */
    };
    for (int l = 0; l < 5; l++)
        for (int r = 0; r < 6; r++)
            assert_int_equal(vg_tlp_allows((enum vg_tlp)l, (enum vg_tlp_relation)r), want[l][r]);
    json_t *o = json_pack("{s:[sss]}", "object_marking_refs",
                          "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
                          "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168",
                          "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003");
    struct vg_arena *a = vg_arena_new(0);
    assert_int_equal(vg_tlp_of_object(as_doc(o, a), &t), 1);
    assert_int_equal(t, VG_TLP_AMBER_STRICT);
    json_decref(o);
    o = json_object();
    assert_int_equal(vg_tlp_of_object(as_doc(o, a), &t), 0);
    json_decref(o);
    vg_arena_free(a);
}

/* The stored form of an object: vg_stix_json_write gives, byte for byte,
 * jansson's compact dump of the same document (what was stored before the
 * engine read jscan), and reads back to the same text. */
static void t_json_write(void **state)
{
    (void)state;
    static const char *const docs[] = {
        ("{\"type\":\"indicator\",\"name\":\"a\\\"b\\\\c/d\",\"n\":[1,-2,0,9223372036854775807,"
         "-9223372036854775808],\"t\":true,\"f\":false,\"z\":null,\"e\":{},\"a\":[]}"),
        ("{\"ctl\":\"\\u0001\\u001f\\b\\f\\n\\r\\t\\u007f\","
         "\"utf8\":\"\\u00e9\\u4e2d\\ud83d\\ude00\"}"),
        "{\"r\":[0.1,1.5,-0.0,1e300,1e-7,2.0,123456789.125,1E+2,5e-324,1.7976931348623157e308]}",
        "[\"\",{\"k\":{\"k\":[[[]]]}}]",
        "\"just a string\\u2028\"",
        "-12",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(*docs); i++) {
        struct vg_arena *a = vg_arena_new(0);
        const struct vg_jval *v, *v2;
        struct vg_buf w = {0}, w2 = {0};
        json_t *j = NULL;
        size_t n;
        assert_int_equal(vg_jscan_parse(docs[i], strlen(docs[i]), a, NULL, &v, NULL, NULL), VG_OK);
        assert_int_equal(vg_json_parse(docs[i], strlen(docs[i]), &j, NULL), VG_OK);
        vg_stix_json_write(v, &w);
        char *d = vg_json_dump(j, &n);
        if (w.n != n || memcmp(w.p, d, n) != 0)
            fprintf(stderr, "doc %zu\n ours:    %s\n jansson: %s\n", i, w.p, d);
        assert_int_equal(w.n, n);
        assert_memory_equal(w.p, d, n);
        assert_int_equal(vg_jscan_parse(w.p, w.n, a, NULL, &v2, NULL, NULL), VG_OK);
        vg_stix_json_write(v2, &w2);
        assert_string_equal(w.p, w2.p);
        free(d);
        json_decref(j);
        vg_buf_free(&w);
        vg_buf_free(&w2);
        vg_arena_free(a);
    }
}

/* engine/stix/names.c, read as text: every name it looks up is spelt as
 * its length case says, maps to the constant named after it (T_<TYPE>,
 * P_<NAME>, or P_TIME / P_PLAIN), is found by the lookup, and is a valid
 * type or property name (check_props skips the name check for them). */
static void t_names(void **state)
{
    (void)state;
    const char *src = getenv("VIGIL_SRC");
    char path[512], line[256], name[128], sym[64];
    int in_types = 0, in_props = 0, ntypes = 0, nprops = 0;
    size_t n = 0;
    FILE *f;
    if (src == NULL)
        src = ".";
    snprintf(path, sizeof(path), "%s/src/engine/stix/names.c", src);
    assert_non_null(f = fopen(path, "r"));
    while (fgets(line, sizeof(line), f)) {
        if (strstr(line, "vg__stix_type_index(const char"))
            in_types = 1, in_props = 0;
        if (strstr(line, "vg__stix_prop_class(const char"))
            in_types = 0, in_props = 1;
        if (sscanf(line, " if (memcmp(k, \"%127[^\"]\", %zu) == 0)", name, &n) == 2) {
            char want[136];
            size_t i;
            assert_int_equal(strlen(name), n);
            assert_non_null(fgets(line, sizeof(line), f));
            assert_int_equal(sscanf(line, " return %63[A-Z0-9_];", sym), 1);
            snprintf(want, sizeof(want), "%s%s", in_types ? "T_" : "P_", name);
            for (i = 0; want[i]; i++)
                want[i] = want[i] == '-' ? '_' : (char)(want[i] >= 'a' && want[i] <= 'z'
                                                            ? want[i] - 'a' + 'A' : want[i]);
            if (in_types) {
                assert_string_equal(sym, want);
                assert_true(vg__stix_type_index(name, n) >= 0);
                assert_int_not_equal(vg_stix_type_kind(name), VG_STIX_CUSTOM);
                assert_int_not_equal(vg_stix_type_kind(name), 0);
                ntypes++;
            } else if (in_props) {
                if (strcmp(sym, "P_TIME") != 0 && strcmp(sym, "P_PLAIN") != 0)
                    assert_string_equal(sym, want);
                assert_int_not_equal(vg__stix_prop_class(name, n), P_OTHER);
                assert_true(strcmp(name, "id") == 0 || (n >= 3 && n <= 250));
                for (i = 0; i < n; i++)
                    assert_true((name[i] >= 'a' && name[i] <= 'z') ||
                                (name[i] >= '0' && name[i] <= '9') || name[i] == '_');
                nprops++;
            }
        }
    }
    fclose(f);
    assert_int_equal(ntypes, T_COUNT);
    assert_true(nprops > 50);
    assert_int_equal(vg__stix_type_index("indicatorx", 9), T_INDICATOR);
    assert_int_equal(vg__stix_type_index("indicato", 8), -1);
    assert_int_equal(vg__stix_prop_class("Type", 4), P_OTHER);
}

/* A document parsed already gives what parsing the text gives. */
static void t_read_bundle(void **state)
{
    (void)state;
    const char *doc =
        "{\"type\":\"bundle\",\"id\":\"bundle--f690c992-8e7d-4b9a-9303-3312616c0220\",\"objects\":["
        "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--f690c992-8e7d-5b9a-9303-3312616c0220\","
        "\"value\":\"10.0.0.1\"},{\"type\":\"ipv4-addr\",\"id\":\"nope\",\"value\":\"1\"}]}";
    struct vg_arena *a = vg_arena_new(0);
    const struct vg_jval *root;
    struct vg_stix_bundle b1, b2;
    struct vg_err e1 = {0}, e2 = {0};
    assert_int_equal(vg_jscan_parse(doc, strlen(doc), a, NULL, &root, NULL, NULL), VG_OK);
    assert_int_equal(vg_stix_read_bundle(root, VG_STIX_KEEP_INVALID, a, &b1, &e1), VG_OK);
    assert_int_equal(vg_stix_parse_bundle(doc, strlen(doc), VG_STIX_KEEP_INVALID, a, &b2, &e2),
                     VG_OK);
    assert_int_equal(b1.n, 2);
    assert_int_equal(b1.n, b2.n);
    assert_int_equal(b1.n_invalid, 1);
    assert_int_equal(b2.n_invalid, 1);
    assert_string_equal(b1.objects[1].error_field, b2.objects[1].error_field);
    assert_ptr_equal(b1.root, root);
    assert_ptr_equal(b1.objects[0].json, &root->u.o[2].val.u.a[0]);
    assert_int_equal(vg_stix_read_bundle(root, 0, a, &b1, &e1), VG_EINVAL);
    assert_string_equal(e1.field, "objects[1].id");
    vg_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_objects_valid),   cmocka_unit_test(t_objects_invalid),
        cmocka_unit_test(t_every_type),
        cmocka_unit_test(t_keep_invalid),    cmocka_unit_test(t_time),
        cmocka_unit_test(t_patterns),        cmocka_unit_test(t_pattern_ast),
        cmocka_unit_test(t_pattern_observables), cmocka_unit_test(t_normalize),
        cmocka_unit_test(t_ip_format),
        cmocka_unit_test(t_punycode),        cmocka_unit_test(t_index),
        cmocka_unit_test(t_index_grow),      cmocka_unit_test(t_index_model),
        cmocka_unit_test(t_siphash),
        cmocka_unit_test(t_tlp),
        cmocka_unit_test(t_json_write),      cmocka_unit_test(t_read_bundle),
        cmocka_unit_test(t_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
