/* Conformance of engine/cvss against external vectors: every file of
 * testdata/cvss-redhat (v2, v3.0, v3.1, v4.0) and the full v4 base table of
 * testdata/cvss-derived, with the one documented exception (see docs/cvss.md).
 * Not for: parser error cases (tests/unit/cvss). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "engine/cvss/cvss.h"
#include "../testdata.h"

static const char *datadir;

#define NONE -1000

/* One expected value: "None" -> NONE, a number -> tenths. */
static int expected_value(const char *s, const char **end)
{
    while (*s == ' ' || *s == '(' || *s == ',')
        s++;
    if (strncmp(s, "None", 4) == 0) {
        *end = s + 4;
        return NONE;
    }
    char *e;
    double d = strtod(s, &e);
    *end = e;
    if (e == s)
        return NONE - 1;
    return (int)lround(fabs(d) * 10.0);
}

struct tally {
    int total, passed;
};

/* Returns the number of mismatches; prints up to 10 of them. */
static void run_file(const char *sub, const char *name, struct tally *t, int pandatix_check)
{
    char path[1024], line[1024];
    snprintf(path, sizeof(path), "%s/%s/%s", datadir, sub, name);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        fail();
    }
    int shown = 0, lineno = 0;
    t->total = t->passed = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        if (n == 0)
            continue;
        if (pandatix_check && lineno == 1)
            continue; /* header */
        char *sep = pandatix_check ? strchr(line, '\t') : strstr(line, " - ");
        assert_non_null(sep);
        *sep = '\0';
        const char *rest = sep + (pandatix_check ? 1 : 3), *end;
        int exp[3] = {NONE, NONE, NONE}, nexp = 0;
        for (; nexp < 3; nexp++) {
            exp[nexp] = expected_value(rest, &end);
            if (exp[nexp] == NONE - 1)
                break;
            rest = end;
            while (*rest == ' ')
                rest++;
            if (*rest == ')' || *rest == '\0' || *rest == '\t') {
                nexp++;
                break;
            }
        }
        struct vg_cvss c;
        struct vg_err err = {0};
        int ok = 0;
        t->total++;
        if (vg_cvss_parse(line, strlen(line), &c, &err) == VG_OK) {
            if (c.version == VG_CVSS_V4_0) {
                ok = c.score == exp[0];
            } else {
                ok = c.base == exp[0];
                if (nexp > 1)
                    ok = ok && (exp[1] == NONE ? !(c.groups & VG_CVSS_G_TEMPORAL)
                                               : c.temporal == exp[1]);
                if (nexp > 2)
                    ok = ok && (exp[2] == NONE ? !(c.groups & VG_CVSS_G_ENVIRONMENTAL)
                                               : c.environmental == exp[2]);
            }
            /* the canonical form scores the same (when it differs from the input:
             * parsing is deterministic) */
            char canon[600];
            struct vg_cvss c2 = c;
            vg_cvss_vector(&c, canon, sizeof(canon));
            if ((strcmp(canon, line) != 0 &&
                 vg_cvss_parse(canon, strlen(canon), &c2, NULL) != VG_OK) ||
                c2.base != c.base || c2.score != c.score || c2.environmental != c.environmental) {
                fprintf(stderr, "%s:%d: canonical %s does not re-score the same\n", name,
                        lineno, canon);
                ok = 0;
            }
        }
        if (ok) {
            t->passed++;
        } else if (shown++ < 10) {
            fprintf(stderr, "%s:%d: %s expected (%d, %d, %d) got base %d temporal %d env %d "
                    "score %d %s\n", name, lineno, line, exp[0], exp[1], exp[2], c.base,
                    c.temporal, c.environmental, c.score, err.msg);
        }
    }
    fclose(f);
    printf("%s/%s: %d/%d\n", sub, name, t->passed, t->total);
}

static void check(const char *sub, const char *name, int min_lines)
{
    struct tally t;
    run_file(sub, name, &t, 0);
    assert_true(t.total >= min_lines);
    assert_int_equal(t.passed, t.total);
}

#define FILE_TEST(fn, sub, name, lines)                                                         \
    static void fn(void **state)                                                               \
    {                                                                                          \
        (void)state;                                                                           \
        check(sub, name, lines);                                                               \
    }

FILE_TEST(t_simple2, "cvss-redhat", "vectors_simple2", 729)
FILE_TEST(t_cvsslib2, "cvss-redhat", "vectors_cvsslib2", 24)
FILE_TEST(t_calculator2, "cvss-redhat", "vectors_calculator2", 5)
FILE_TEST(t_simple3, "cvss-redhat", "vectors_simple3", 2592)
FILE_TEST(t_simple31, "cvss-redhat", "vectors_simple31", 2592)
FILE_TEST(t_cvsslib3, "cvss-redhat", "vectors_cvsslib3", 29)
FILE_TEST(t_calculator3, "cvss-redhat", "vectors_calculator3", 2)
FILE_TEST(t_simple4, "cvss-redhat", "vectors_simple4", 1058)
FILE_TEST(t_supplemental4, "cvss-redhat", "vectors_supplemental4", 576)
FILE_TEST(t_security4, "cvss-redhat", "vectors_security4", 54)
FILE_TEST(t_threat4, "cvss-redhat", "vectors_threat4", 6)
FILE_TEST(t_base4_peers, "cvss-derived", "vectors_base4_peers.txt", 104976)

/* The 450 vectors where @pandatix/js-cvss is 0.1 below ae-cvss-calculator:
 * vigil takes the ae / Red Hat side (half-up rounding of the exact value). */
static void t_base4_disagreements(void **state)
{
    (void)state;
    struct tally t;
    run_file("cvss-derived", "vectors_base4_disagreements.tsv", &t, 1);
    assert_int_equal(t.total, 450);
    assert_int_equal(t.passed, t.total);
}

int main(void)
{
    datadir = vg_testdata("cvss-redhat/vectors_simple31");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_simple2),       cmocka_unit_test(t_cvsslib2),
        cmocka_unit_test(t_calculator2),   cmocka_unit_test(t_simple3),
        cmocka_unit_test(t_simple31),      cmocka_unit_test(t_cvsslib3),
        cmocka_unit_test(t_calculator3),   cmocka_unit_test(t_simple4),
        cmocka_unit_test(t_supplemental4), cmocka_unit_test(t_security4),
        cmocka_unit_test(t_threat4),       cmocka_unit_test(t_base4_peers),
        cmocka_unit_test(t_base4_disagreements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
