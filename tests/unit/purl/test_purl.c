/* Unit tests for src/engine/purl: components, canonical form, per-type rules,
 * errors naming the component, bounds. The purl-spec suites run in
 * tests/conformance/purl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/arena.h"
#include "engine/purl/purl.h"

static struct vg_arena *A;

static const char *canon(const char *s)
{
    char *out = NULL;
    struct vg_err err = {0};
    if (vg_purl_canonical(s, strlen(s), A, &out, NULL, &err) != VG_OK)
        return NULL;
    return out;
}

static void test_components(void **state)
{
    (void)state;
    struct vg_purl p;
    struct vg_err err = {0};
    const char *s = "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar&classifier=x#a/b";
    assert_int_equal(vg_purl_parse(s, strlen(s), A, &p, &err), VG_OK);
    assert_string_equal(p.type, "maven");
    assert_string_equal(p.ns, "org.apache.logging.log4j");
    assert_string_equal(p.name, "log4j-core");
    assert_string_equal(p.version, "2.14.1");
    assert_int_equal(p.nquals, 2);
    assert_string_equal(p.quals[0].key, "classifier"); /* sorted */
    assert_string_equal(vg_purl_qual(&p, "type"), "jar");
    assert_null(vg_purl_qual(&p, "nope"));
    assert_string_equal(p.subpath, "a/b");
}

static void test_canonical(void **state)
{
    (void)state;
    assert_string_equal(canon("pkg:npm/%40angular/core@1.0.0"), "pkg:npm/%40angular/core@1.0.0");
    assert_string_equal(canon("pkg:npm/@angular/core@1.0.0"), "pkg:npm/%40angular/core@1.0.0");
    assert_string_equal(canon("pkg:PYPI/Django_Rest@1.0"), "pkg:pypi/django-rest@1.0");
    assert_string_equal(canon("pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64"),
                        "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64");
    assert_string_equal(canon("pkg:generic/x?download_url=https://a.b/c&empty="),
                        "pkg:generic/x?download_url=https:%2F%2Fa.b%2Fc");
    assert_string_equal(canon("pkg://maven/g/a"), "pkg:maven/g/a");
    assert_string_equal(canon("pkg:golang/g.io/x/y#/a/./b/../c/"), "pkg:golang/g.io/x/y#a/b/c");
    assert_string_equal(canon("pkg:brew/node@20@20.10.0"), "pkg:brew/node%4020@20.10.0");
    assert_string_equal(canon("pkg:git/github.com/Foo/Bar@v1"), "pkg:git/github.com/foo/bar@v1");
    /* a git name keeps its '/'s between non-empty segments; a name with an
     * empty segment has all of them encoded, so the canonical form parses
     * back to itself */
    assert_string_equal(canon("pkg:git/github/a%2Fb@v1"), "pkg:git/github/a/b@v1");
    assert_string_equal(canon("pkg:git/github/a%2F%2Fb%2Fc@v1"), "pkg:git/github/a%2F%2Fb%2Fc@v1");
    assert_string_equal(canon(canon("pkg:git/github/a%2F%2Fb%2Fc@v1")), "pkg:git/github/a%2F%2Fb%2Fc@v1");
    assert_string_equal(canon("pkg:git/github/x%2F%2Fy%2Fz%1F%2Fw@v1"),
                        canon(canon("pkg:git/github/x%2F%2Fy%2Fz%1F%2Fw@v1")));
    assert_string_equal(canon("pkg:cpan/drolsky/DateTime@1.55"), "pkg:cpan/DROLSKY/DateTime@1.55");
    assert_string_equal(canon("pkg:pub/Flutter-X@1.0"), "pkg:pub/flutter_x@1.0");
}

static void test_invalid(void **state)
{
    (void)state;
    struct vg_purl p;
    struct vg_err err = {0};
    const char *bad[] = {"", "pkg:", "pkg:maven", "maven/a/b", "pkg:3x/a", "pkg:n&x/a",
                         "pkg:maven/@1.0", "pkg:pypi/a%2", "pkg:pypi/a%zz", "pkg:npm/a?b c=d",
                         "pkg:npm/a?1k=v", "pkg:npm/a?k=1&k=2", "pkg:maven/a@1",
                         "pkg:pypi/ns/a", "pkg:julia/Dates@1.0", "pkg:cpan/A::B",
                         "pkg:chrome-extension/abc", "pkg:npm/a%00b", "pkg:npm/a b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vg_err_clear(&err);
        assert_int_not_equal(vg_purl_parse(bad[i], strlen(bad[i]), A, &p, &err), VG_OK);
        assert_true(err.msg[0] != '\0');
    }
    vg_err_clear(&err);
    assert_int_equal(vg_purl_parse("pkg:maven/@1.0", 14, A, &p, &err), VG_EINVAL);
    assert_string_equal(err.field, "name");
    /* strict mode refuses upper-case qualifier keys; lenient lowercases them */
    const char *k = "pkg:gem/x@1?Platform=java";
    assert_int_equal(vg_purl_parse(k, strlen(k), A, &p, NULL), VG_OK);
    assert_string_equal(p.quals[0].key, "platform");
    assert_int_equal(vg_purl_parse_ex(k, strlen(k), VG_PURL_STRICT, A, &p, NULL), VG_EINVAL);
}

static void test_bounds(void **state)
{
    (void)state;
    struct vg_purl p;
    size_t n = VG_PURL_MAX + 1;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    memcpy(big, "pkg:npm/", 8);
    big[n] = '\0';
    assert_int_equal(vg_purl_parse(big, n, A, &p, NULL), VG_ETOOBIG);
    /* short enough, but its canonical form (each byte as %XX) would not be */
    memset(big + 12, 0xff, 1400);
    memcpy(big, "pkg:generic/", 12);
    assert_int_equal(vg_purl_parse(big, 12 + 1400, A, &p, NULL), VG_ETOOBIG);
    assert_int_equal(vg_purl_parse(big, 12 + 1300, A, &p, NULL), VG_OK);
    /* 65 qualifiers */
    char q[2048];
    size_t o = (size_t)snprintf(q, sizeof(q), "pkg:npm/a?");
    for (int i = 0; i < 65; i++)
        o += (size_t)snprintf(q + o, sizeof(q) - o, "%sk%d=v", i ? "&" : "", i);
    assert_int_equal(vg_purl_parse(q, strlen(q), A, &p, NULL), VG_ETOOBIG);
    free(big);
}

static void test_build(void **state)
{
    (void)state;
    struct vg_purl p;
    struct vg_purl_qual q[2] = {{"Type", "jar"}, {"classifier", ""}};
    char *out;
    memset(&p, 0, sizeof(p));
    p.type = "Maven";
    p.ns = "org.example";
    p.name = "a b";
    p.version = "1.0+x";
    p.quals = q;
    p.nquals = 2;
    assert_int_equal(vg_purl_build(&p, A, &out, NULL, NULL), VG_OK);
    assert_string_equal(out, "pkg:maven/org.example/a%20b@1.0%2Bx?type=jar");
    p.type = NULL;
    assert_int_equal(vg_purl_build(&p, A, &out, NULL, NULL), VG_EINVAL);
}

static int setup(void **state)
{
    (void)state;
    A = vg_arena_new(0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vg_arena_free(A);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_components), cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_invalid),    cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_build),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
