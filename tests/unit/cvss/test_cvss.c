/* Unit tests for engine/cvss: strict parsing errors, scores of hand-checked
 * vectors, rounding edge cases, canonical vectors, JSON, national grade, the
 * GB/T 30279 grader, and the `vigil cvss` command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "engine/cvss/cvss.h"
#include "engine/cvss/grade.h"

static struct vg_cvss parse_ok(const char *s)
{
    struct vg_cvss c;
    struct vg_err err = {0};
    int rc = vg_cvss_parse(s, strlen(s), &c, &err);
    if (rc != VG_OK)
        fprintf(stderr, "%s: %s\n", s, err.msg);
    assert_int_equal(rc, VG_OK);
    return c;
}

static void expect_err(const char *s, int code, const char *field, const char *msg_part)
{
    struct vg_cvss c;
    struct vg_err err = {0};
    assert_int_equal(vg_cvss_parse(s, strlen(s), &c, &err), code);
    assert_int_equal(err.code, code);
    assert_string_equal(err.field, field);
    if (msg_part && strstr(err.msg, msg_part) == NULL) {
        fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, msg_part);
        fail();
    }
}

static void test_errors(void **state)
{
    (void)state;
    /* unknown metric */
    expect_err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y", VG_EINVAL, "XX", "unknown");
    expect_err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AT:N", VG_EINVAL, "AT", "unknown");
    expect_err("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", VG_EINVAL, "PR", "unknown");
    /* duplicate */
    expect_err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L", VG_EINVAL, "AV", "duplicate");
    expect_err("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F/E:F", VG_EINVAL, "E", "duplicate");
    /* missing mandatory */
    expect_err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", VG_EINVAL, "S", "missing");
    expect_err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", VG_EINVAL, "SA",
               "missing");
    expect_err("AV:N/AC:L/C:P/I:P/A:P", VG_EINVAL, "Au", "missing");
    /* bad value */
    expect_err("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", VG_EINVAL, "AV", "bad value");
    expect_err("CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", VG_EINVAL, "AV", "bad value");
    expect_err("CVSS:3.1/AV:/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", VG_EINVAL, "AV", "bad value");
    expect_err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:ND", VG_EINVAL, "E", "bad value");
    expect_err("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X", VG_EINVAL, "E", "bad value");
    expect_err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N", VG_EINVAL,
               "SI", "bad value"); /* S only in MSI/MSA */
    expect_err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:clear",
               VG_EINVAL, "U", "bad value");
    /* bad prefix and framing */
    expect_err("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", VG_EINVAL, "prefix", "CVSS:3.2");
    expect_err("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", VG_EINVAL, "prefix", "unsupported");
    expect_err("cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", VG_EINVAL, "cvss", "unknown");
    expect_err("CVSS:3.1", VG_EINVAL, "vector", "no metrics");
    expect_err("CVSS:3.1/", VG_EINVAL, "vector", "empty metric");
    expect_err("", VG_EINVAL, "vector", "empty");
    expect_err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", VG_EINVAL, "vector", "trailing");
    expect_err("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", VG_EINVAL, "vector", "empty");
    expect_err("CVSS:3.1/AV:N/AC/PR:N/UI:N/S:U/C:H/I:H/A:H", VG_EINVAL, "AC", "METRIC:VALUE");
    expect_err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H:X", VG_EINVAL, "A", "bad value");
    expect_err(" CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", VG_EINVAL, "?CVSS", "unknown");
    expect_err("(AV:N/AC:L/Au:N/C:P/I:P/A:P)", VG_EINVAL, "(AV", "unknown");
    /* non-printable bytes never reach the message raw */
    expect_err("CVSS:3.1/A\x01V:N", VG_EINVAL, "A?V", "unknown");
    /* too long */
    char big[VG_CVSS_MAX_INPUT + 2];
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    expect_err(big, VG_ETOOBIG, "vector", NULL);
    /* NULL err is fine */
    struct vg_cvss c;
    assert_int_equal(vg_cvss_parse("X", 1, &c, NULL), VG_EINVAL);
    /* an embedded NUL is a bad byte, not an end */
    assert_int_equal(vg_cvss_parse("AV:N\0AC:L", 9, &c, NULL), VG_EINVAL);
}

static void test_v3(void **state)
{
    (void)state;
    struct vg_cvss c = parse_ok("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_int_equal(c.version, VG_CVSS_V3_1);
    assert_int_equal(c.base, 98);
    assert_int_equal(c.score, 98);
    assert_int_equal(c.groups, 0);
    assert_string_equal(vg_cvss_severity(c.version, c.base), "CRITICAL");
    /* Log4Shell */
    c = parse_ok("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
    assert_int_equal(c.base, 100);
    /* v3.1 vs v3.0: the modified-impact formula for a changed scope differs, so the
     * environmental score of a base-only scope-changed vector is 9.7 in 3.1, 9.6 in 3.0 */
    c = parse_ok("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H");
    assert_int_equal(c.base, 96);
    assert_int_equal(c.environmental, 97);
    assert_int_equal(c.score, 96); /* no environmental metric given */
    c = parse_ok("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H");
    assert_int_equal(c.environmental, 96);
    /* Roundup: 10.0 * 0.92 is 9.200000000000001 in doubles; a plain ceiling (the
     * 3.0 text, and the 3.0 JS calculator) gives 9.3, the float-safe one 9.2 */
    c = parse_ok("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/RC:U");
    assert_int_equal(c.temporal, 92);
    c = parse_ok("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/RC:U");
    assert_int_equal(c.temporal, 92);
    /* temporal and environmental (FIRST v3.1 examples style) */
    c = parse_ok("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C");
    assert_int_equal(c.temporal, 88); /* 9.8 * 0.94 * 0.95 = 8.7514 -> 8.8 */
    assert_int_equal(c.score, 88);
    assert_int_equal(c.groups, VG_CVSS_G_TEMPORAL);
    c = parse_ok("CVSS:3.0/AV:L/AC:L/PR:H/UI:R/S:U/C:H/I:N/A:H/E:H/RL:W/RC:U/CR:H/IR:H/AR:M/"
                 "MAV:L/MAC:L/MPR:H/MUI:N/MS:C/MC:N/MI:H/MA:L");
    assert_int_equal(c.base, 58);
    assert_int_equal(c.temporal, 52);
    assert_int_equal(c.environmental, 74);
    assert_int_equal(c.score, 74);
    /* any order is accepted; the canonical vector is in the spec's order */
    c = parse_ok("CVSS:3.0/S:U/AV:N/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:F/RL:X");
    assert_int_equal(c.base, 38);
    assert_int_equal(c.temporal, 37);
    char buf[256];
    size_t n = vg_cvss_vector(&c, buf, sizeof(buf));
    assert_string_equal(buf, "CVSS:3.0/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N/E:F");
    assert_int_equal(n, strlen(buf));
    /* truncation behaves like snprintf */
    char small[10];
    assert_int_equal(vg_cvss_vector(&c, small, sizeof(small)), n);
    assert_string_equal(small, "CVSS:3.0/");
    /* zero impact */
    c = parse_ok("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N");
    assert_int_equal(c.base, 0);
    assert_string_equal(vg_cvss_severity(c.version, 0), "NONE");
    /* all X optional metrics: no group, same canonical vector as the base */
    c = parse_ok("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/RL:X/RC:X/CR:X/MAV:X");
    assert_int_equal(c.groups, 0);
    vg_cvss_vector(&c, buf, sizeof(buf));
    assert_string_equal(buf, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
}

static void test_v2(void **state)
{
    (void)state;
    struct vg_cvss c = parse_ok("AV:N/AC:L/Au:N/C:C/I:C/A:C");
    assert_int_equal(c.version, VG_CVSS_V2_0);
    assert_int_equal(c.base, 100);
    assert_string_equal(vg_cvss_severity(c.version, c.base), "HIGH");
    /* the guide's arithmetic: 9.0 * 0.95 = 8.55 -> 8.6 (JS calculators: 8.5) */
    c = parse_ok("AV:N/AC:L/Au:S/C:C/I:C/A:C/E:F/RL:U/RC:C");
    assert_int_equal(c.base, 90);
    assert_int_equal(c.temporal, 86);
    /* partial groups are allowed (the guide: undefined = ND) */
    c = parse_ok("AV:L/AC:M/Au:S/C:N/I:P/A:C/E:U/RL:OF/RC:UR/CDP:N/TD:L/CR:H/IR:H/AR:H");
    assert_int_equal(c.base, 50);
    assert_int_equal(c.temporal, 35);
    assert_int_equal(c.environmental, 12);
    assert_int_equal(c.score, 12);
    c = parse_ok("AV:N/AC:M/Au:M/C:C/I:N/A:P/RL:W/RC:UC/CDP:LM/TD:M/CR:L/IR:L/AR:L");
    assert_int_equal(c.temporal, 55);
    assert_int_equal(c.environmental, 40);
    c = parse_ok("AV:L/AC:H/Au:M/C:N/I:N/A:N");
    assert_int_equal(c.base, 0);
    assert_string_equal(vg_cvss_severity(c.version, 0), "LOW");
    /* ND is "not defined": dropped from the canonical form */
    c = parse_ok("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/CDP:ND");
    assert_int_equal(c.groups, 0);
    char buf[128];
    vg_cvss_vector(&c, buf, sizeof(buf));
    assert_string_equal(buf, "AV:N/AC:L/Au:N/C:P/I:P/A:P");
}

static void test_v4(void **state)
{
    (void)state;
    struct vg_cvss c = parse_ok("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H");
    assert_int_equal(c.version, VG_CVSS_V4_0);
    assert_int_equal(c.base, 100);
    assert_string_equal(c.macrovector, "000100");
    assert_string_equal(vg_cvss_nomenclature(&c), "CVSS-B");
    c = parse_ok("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N");
    assert_int_equal(c.base, 69);
    /* threat: E:U lowers the score; base_score stays the CVSS-B */
    c = parse_ok("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U");
    assert_int_equal(c.base, 73);
    assert_int_equal(c.threat, 41);
    assert_int_equal(c.score, 41);
    assert_string_equal(vg_cvss_nomenclature(&c), "CVSS-BT");
    /* environmental with safety (MSI:S) */
    c = parse_ok("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S");
    assert_int_equal(c.macrovector[3], '0');
    assert_string_equal(vg_cvss_nomenclature(&c), "CVSS-BE");
    assert_true(c.score >= c.base);
    c = parse_ok("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/CR:L/"
                 "IR:L/AR:L/S:P/AU:Y/R:I/V:C/RE:H/U:Red");
    assert_string_equal(vg_cvss_nomenclature(&c), "CVSS-BTE");
    assert_true(c.groups & VG_CVSS_G_SUPPLEMENTAL);
    /* no impact at all: 0 */
    c = parse_ok("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A");
    assert_int_equal(c.score, 0);
    /* supplemental metrics never change the score */
    struct vg_cvss d = parse_ok("CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:L/VI:H/VA:N/SC:L/SI:N/SA:H");
    struct vg_cvss e = parse_ok("CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:L/VI:H/VA:N/SC:L/SI:N/SA:H/"
                                "S:P/AU:Y/R:U/V:D/RE:M/U:Amber");
    assert_int_equal(d.score, e.score);
    /* canonical order: base, threat, environmental, supplemental */
    c = parse_ok("CVSS:4.0/U:Green/CR:M/E:A/SA:N/SI:N/SC:N/VA:H/VI:H/VC:H/UI:N/PR:N/AT:N/AC:L/"
                 "AV:N/MAV:X");
    char buf[256];
    vg_cvss_vector(&c, buf, sizeof(buf));
    assert_string_equal(buf, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/"
                             "E:A/CR:M/U:Green");
}

static void test_json(void **state)
{
    (void)state;
    struct vg_buf b = {0};
    struct vg_cvss c = parse_ok("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U");
    vg_cvss_json(&c, &b);
    assert_string_equal(b.p, "{\"vector\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U\","
                             "\"version\":\"3.1\",\"base_score\":9.8,\"base_severity\":"
                             "\"CRITICAL\",\"temporal_score\":9.0,\"temporal_severity\":"
                             "\"CRITICAL\",\"national_grade\":\"critical\"}");
    vg_buf_reset(&b);
    c = parse_ok("AV:N/AC:L/Au:N/C:N/I:N/A:P/CDP:H");
    vg_cvss_json(&c, &b);
    assert_string_equal(b.p, "{\"vector\":\"AV:N/AC:L/Au:N/C:N/I:N/A:P/CDP:H\",\"version\":"
                             "\"2.0\",\"base_score\":5.0,\"base_severity\":\"MEDIUM\","
                             "\"environmental_score\":7.5,\"environmental_severity\":\"HIGH\","
                             "\"national_grade\":\"high\"}");
    vg_buf_reset(&b);
    c = parse_ok("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:L");
    vg_cvss_json(&c, &b);
    assert_string_equal(
        b.p, "{\"vector\":\"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/"
             "CR:L\",\"version\":\"4.0\",\"base_score\":9.3,\"base_severity\":\"CRITICAL\","
             "\"threat_score\":8.1,\"threat_severity\":\"HIGH\",\"environmental_score\":8.0,"
             "\"environmental_severity\":\"HIGH\",\"score\":8.0,\"severity\":\"HIGH\","
             "\"nomenclature\":\"CVSS-BTE\",\"macrovector\":\"000220\","
             "\"national_grade\":\"high\"}");
    vg_buf_reset(&b);
    c = parse_ok("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/U:Red/AU:Y/R:X");
    vg_cvss_json(&c, &b);
    assert_non_null(strstr(b.p, ",\"supplemental\":{\"AU\":\"Y\",\"U\":\"Red\"},"));
    assert_non_null(strstr(b.p, "\"score\":0.0,\"severity\":\"NONE\""));
    assert_non_null(strstr(b.p, "\"national_grade\":\"none\"}"));
    /* three digits */
    vg_buf_reset(&b);
    c = parse_ok("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
    vg_cvss_json(&c, &b);
    assert_non_null(strstr(b.p, ",\"base_score\":10.0,\"base_severity\":\"CRITICAL\","));
    vg_buf_free(&b);
}

static void test_grade(void **state)
{
    (void)state;
    assert_int_equal(vg_grade_from_score(100), VG_GRADE_CRITICAL);
    assert_int_equal(vg_grade_from_score(90), VG_GRADE_CRITICAL);
    assert_int_equal(vg_grade_from_score(89), VG_GRADE_HIGH);
    assert_int_equal(vg_grade_from_score(70), VG_GRADE_HIGH);
    assert_int_equal(vg_grade_from_score(69), VG_GRADE_MEDIUM);
    assert_int_equal(vg_grade_from_score(40), VG_GRADE_MEDIUM);
    assert_int_equal(vg_grade_from_score(39), VG_GRADE_LOW);
    assert_int_equal(vg_grade_from_score(1), VG_GRADE_LOW);
    assert_int_equal(vg_grade_from_score(0), VG_GRADE_NONE);
    assert_string_equal(vg_grade_name(VG_GRADE_CRITICAL), "critical");
    assert_string_equal(vg_grade_name_zh(VG_GRADE_CRITICAL), "超危");
    assert_string_equal(vg_grade_name_zh(VG_GRADE_HIGH), "高危");
    assert_string_equal(vg_grade_name_zh(VG_GRADE_MEDIUM), "中危");
    assert_string_equal(vg_grade_name_zh(VG_GRADE_LOW), "低危");
    enum vg_grade g;
    struct vg_err err = {0};
    assert_int_equal(vg_grade_parse("高危", &g, &err), VG_OK);
    assert_int_equal(g, VG_GRADE_HIGH);
    assert_int_equal(vg_grade_parse("medium", &g, &err), VG_OK);
    assert_int_equal(g, VG_GRADE_MEDIUM);
    assert_int_equal(vg_grade_parse("severe", &g, &err), VG_EINVAL);
    assert_string_equal(err.field, "grade");
}


/* A table written for these tests only: the indicator names follow GB/T
 * 30279-2020's list, the rules are invented and are NOT the standard's. */
static const char test_table[] =
    "# test table for vigil's unit tests -- not the official GB/T 30279 tables\n"
    "vigil-gbt30279 1\n"
    "version test-2026.1\n"
    "indicator access_path network adjacent local physical\n"
    "indicator trigger low high\n"
    "indicator privileges none low high\n"
    "indicator interaction none required\n"
    "indicator confidentiality none low high\n"
    "indicator integrity none low high\n"
    "indicator availability none low high\n"
    "indicator exploit_cost low medium high\n"
    "indicator fix_difficulty low medium high\n"
    "indicator scope narrow wide\n"
    "stage exploitability high medium low\n"
    "rule exploitability access_path=network trigger=low privileges=none interaction=none -> high\n"
    "rule exploitability access_path=network|adjacent privileges=none|low -> medium\n"
    "rule exploitability access_path=* -> low   # fallback\n"
    "stage impact high medium low none\n"
    "rule impact confidentiality=high integrity=high -> high\n"
    "rule impact confidentiality=high -> medium\n"
    "rule impact integrity=high -> medium\n"
    "rule impact availability=high -> medium\n"
    "rule impact confidentiality=none integrity=none availability=none -> none\n"
    "rule impact -> low\n"
    "stage base 超危 高危 中危 低危 无\n"
    "rule base impact=none -> 无\n"
    "rule base exploitability=high impact=high -> 超危\n"
    "rule base exploitability=high|medium impact=high|medium -> 高危\n"
    "rule base impact=high|medium -> 中危\n"
    "rule base -> 低危\n"
    "stage final critical high medium low none\n"
    "rule final base=超危 -> critical\n"
    "rule final base=高危 exploit_cost=low scope=wide -> critical\n"
    "rule final base=高危 -> high\n"
    "rule final base=中危 fix_difficulty=high -> high\n"
    "rule final base=中危 -> medium\n"
    "rule final base=低危 -> low\n"
    "rule final base=无 -> none\n"
    "result final\n";

static int grade_of(const struct vg_gbt *t, struct vg_arena *a, const char *inputs,
                    struct vg_gbt_result *res, struct vg_err *err)
{
    struct vg_gbt_input in[16];
    size_t n;
    int rc = vg_gbt_parse_inputs(inputs, a, in, 16, &n, err);
    if (rc == VG_OK)
        rc = vg_gbt_grade(t, in, n, res, err);
    return rc;
}

#define ALL_LOW "trigger=low, privileges=none, interaction=none, exploit_cost=medium, " \
                "fix_difficulty=low, scope=narrow"

static void test_gbt(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_gbt *t;
    struct vg_err err = {0};
    struct vg_gbt_result res;
    int rc = vg_gbt_load(test_table, strlen(test_table), a, &t, &err);
    if (rc)
        fprintf(stderr, "%s: %s\n", err.field, err.msg);
    assert_int_equal(rc, VG_OK);
    assert_string_equal(vg_gbt_version(t), "test-2026.1");

    assert_int_equal(grade_of(t, a, "access_path=network, " ALL_LOW ", confidentiality=high,"
                             "integrity=high, availability=none", &res, &err), VG_OK);
    assert_int_equal(res.grade, VG_GRADE_CRITICAL);
    assert_string_equal(res.version, "test-2026.1");
    assert_int_equal(grade_of(t, a, "access_path=physical, " ALL_LOW ", confidentiality=high,"
                             "integrity=high, availability=none", &res, &err), VG_OK);
    assert_int_equal(res.grade, VG_GRADE_MEDIUM);
    assert_int_equal(grade_of(t, a, "access_path=adjacent, " ALL_LOW ", confidentiality=low,"
                             "integrity=none, availability=high", &res, &err), VG_OK);
    assert_int_equal(res.grade, VG_GRADE_HIGH);
    assert_int_equal(grade_of(t, a, "access_path=local, " ALL_LOW ", confidentiality=none,"
                             "integrity=none, availability=none", &res, &err), VG_OK);
    assert_int_equal(res.grade, VG_GRADE_NONE);
    assert_int_equal(grade_of(t, a, "access_path=local, " ALL_LOW ", confidentiality=low,"
                             "integrity=none, availability=none", &res, &err), VG_OK);
    assert_int_equal(res.grade, VG_GRADE_LOW);

    /* input errors name the indicator */
    vg_err_clear(&err);
    assert_int_equal(grade_of(t, a, "access_path=network, " ALL_LOW ", confidentiality=high,"
                             "integrity=high", &res, &err), VG_EMISSING);
    assert_string_equal(err.field, "availability");
    vg_err_clear(&err);
    assert_int_equal(grade_of(t, a, "access_path=everywhere, " ALL_LOW ", confidentiality=high,"
                             "integrity=high, availability=none", &res, &err), VG_EINVAL);
    assert_string_equal(err.field, "access_path");
    vg_err_clear(&err);
    assert_int_equal(grade_of(t, a, "access_path=network, access_path=local", &res, &err),
                     VG_EINVAL);
    assert_string_equal(err.field, "access_path");
    vg_err_clear(&err);
    assert_int_equal(grade_of(t, a, "colour=red", &res, &err), VG_EUNKNOWN);
    assert_string_equal(err.field, "colour");
    vg_err_clear(&err);
    assert_int_equal(grade_of(t, a, "base=超危", &res, &err), VG_EUNKNOWN); /* a stage */
    vg_err_clear(&err);
    assert_int_equal(grade_of(t, a, "novalue", &res, &err), VG_EINVAL);

    /* an incomplete table: no rule matches */
    static const char partial[] = "vigil-gbt30279 1\nversion p1\nindicator x a b\n"
                                  "stage g high low\nrule g x=a -> high\nresult g\n";
    assert_int_equal(vg_gbt_load(partial, strlen(partial), a, &t, &err), VG_OK);
    vg_err_clear(&err);
    assert_int_equal(grade_of(t, a, "x=b", &res, &err), VG_EINVAL);
    assert_string_equal(err.field, "g");
    vg_arena_free(a);
}

static void expect_load_err(const char *text, int code, const char *field, const char *part)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_gbt *t;
    struct vg_err err = {0};
    assert_int_equal(vg_gbt_load(text, strlen(text), a, &t, &err), code);
    assert_null(t);
    assert_string_equal(err.field, field);
    if (strstr(err.msg, part) == NULL) {
        fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, part);
        fail();
    }
    vg_arena_free(a);
}

static void test_gbt_load_errors(void **state)
{
    (void)state;
    expect_load_err("", VG_EINVAL, "table", "header");
    expect_load_err("vigil-gbt30279 2\n", VG_EINVAL, "line 1", "first line");
    expect_load_err("# c\n\nvigil-gbt30279 1\nversion a\nversion b\n", VG_EINVAL, "line 5",
                    "version");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x\n", VG_EINVAL, "line 3",
                    "at least one value");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a a\n", VG_EINVAL, "line 3",
                    "duplicate value");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a\nindicator x b\n", VG_EINVAL,
                    "line 4", "duplicate name");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a\nstage g low\nrule g x=b -> low\n",
                    VG_EINVAL, "line 5", "not a value of x");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a\nstage g low\nrule g y=a -> low\n",
                    VG_EINVAL, "line 5", "not an indicator");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a\nstage g low\nrule g x=a -> hi\n",
                    VG_EINVAL, "line 5", "not an output");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a\nstage g low\nrule h x=a -> low\n",
                    VG_EINVAL, "line 5", "not a declared stage");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a\nstage g low\nrule g x=a low\n",
                    VG_EINVAL, "line 5", "expected");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a\nstage g low\nrule g x -> low\n",
                    VG_EINVAL, "line 5", "NAME=VALUE");
    /* a stage may not test itself or a later stage */
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a\nstage g low\nstage h low\n"
                    "rule g h=low -> low\n",
                    VG_EINVAL, "line 6", "earlier stage");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a\nstage g low\nindicator y a\n",
                    VG_EINVAL, "line 5", "before stages");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a\nstage g bad\nrule g -> bad\n"
                    "result g\n",
                    VG_EINVAL, "line 6", "not a grade");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a\nstage g low\nstage h low\n"
                    "rule g -> low\nresult h\n",
                    VG_EINVAL, "h", "no rule");
    expect_load_err("vigil-gbt30279 1\nversion a\nfoo bar\n", VG_EINVAL, "line 3", "keyword");
    expect_load_err("vigil-gbt30279 1\nversion a\nindicator x a\nstage g low\nrule g -> low\n",
                    VG_EINVAL, "table", "result");
}

/* Runs the real binary when the test environment names it. */
static int run(const char *cmd, char *out, size_t size)
{
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    assert_non_null(p);
    n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli(void **state)
{
    (void)state;
    const char *bin = getenv("VIGIL_BIN");
    char cmd[2048], out[4096];
    if (bin == NULL) {
        const char *ci = getenv("CI");
        if (ci && strcmp(ci, "true") == 0)
            fail_msg("VIGIL_BIN is not set");
        skip();
    }
    snprintf(cmd, sizeof(cmd), "'%s' cvss 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'", bin);
    assert_int_equal(run(cmd, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "\"base_score\":9.8"));
    snprintf(cmd, sizeof(cmd), "'%s' cvss 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H' 2>&1", bin);
    assert_int_equal(run(cmd, out, sizeof(out)), 2);
    assert_non_null(strstr(out, "missing mandatory metric A"));
    snprintf(cmd, sizeof(cmd),
             "printf 'AV:N/AC:L/Au:N/C:C/I:C/A:C\\n\\nCVSS:3.1/AV:X\\r\\n"
             "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H\\n' | '%s' cvss - "
             "2>&1",
             bin);
    assert_int_equal(run(cmd, out, sizeof(out)), 2);
    assert_non_null(strstr(out, "\"version\":\"2.0\""));
    assert_non_null(strstr(out, "\"version\":\"4.0\""));
    assert_non_null(strstr(out, "line 3"));
    assert_non_null(strstr(out, "AV: bad value 'X'"));
    snprintf(cmd, sizeof(cmd), "'%s' cvss 2>/dev/null", bin);
    assert_int_equal(run(cmd, out, sizeof(out)), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors), cmocka_unit_test(test_v3),   cmocka_unit_test(test_v2),
        cmocka_unit_test(test_v4),     cmocka_unit_test(test_json), cmocka_unit_test(test_grade),
        cmocka_unit_test(test_gbt),    cmocka_unit_test(test_gbt_load_errors),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
