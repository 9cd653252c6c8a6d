/* Unit tests for src/engine/version: ecosystem names, keys per scheme (order,
 * equality, errors), range sets from OSV, vers and npm syntax. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "core/jscan.h"
#include "engine/version/range.h"
#include "engine/version/version.h"

static int cmp(int eco, const char *a, const char *b)
{
    int r = 99;
    struct vg_err err = {0};
    int rc = vg_version_cmp(eco, a, strlen(a), b, strlen(b), &r, &err);
    if (rc != VG_OK)
        fail_msg("vg_version_cmp(%s, %s, %s): %s", vg_eco_name(eco), a, b, err.msg);
    return r;
}

/* each list is strictly increasing; "=" marks the next one equal to the previous */
static void check_order(int eco, const char *const *v, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (strcmp(v[i + 1], "=") == 0) {
            assert_int_equal(cmp(eco, v[i], v[i + 2]), 0);
            assert_int_equal(cmp(eco, v[i + 2], v[i]), 0);
            i++;
            continue;
        }
        if (strcmp(v[i], "=") == 0)
            continue;
        int r = cmp(eco, v[i], v[i + 1]);
        if (r != -1)
            fail_msg("%s: expected %s < %s, got %d", vg_eco_name(eco), v[i], v[i + 1], r);
        assert_int_equal(cmp(eco, v[i + 1], v[i]), 1);
    }
}

#define ORDER(eco, ...)                                                                   \
    do {                                                                                  \
        static const char *const l_[] = {__VA_ARGS__};                                    \
        check_order(eco, l_, sizeof(l_) / sizeof(l_[0]));                                 \
    } while (0)

static void test_eco_names(void **state)
{
    (void)state;
    assert_int_equal(vg_eco_parse("npm", 3), VG_ECO_NPM);
    assert_int_equal(vg_eco_parse("Maven", 5), VG_ECO_MAVEN);
    assert_int_equal(vg_eco_parse("Debian:11", 9), VG_ECO_DEBIAN);
    assert_int_equal(vg_eco_parse("Alpine:v3.16", 12), VG_ECO_ALPINE);
    assert_int_equal(vg_eco_parse("Red Hat", 7), VG_ECO_REDHAT);
    assert_int_equal(vg_eco_parse("Rocky Linux", 11), VG_ECO_ROCKY);
    assert_int_equal(vg_eco_parse("crates.io", 9), VG_ECO_CRATES);
    assert_int_equal(vg_eco_parse("nope", 4), -1);
    assert_int_equal(vg_eco_from_purl_type("golang", 6), VG_ECO_GO);
    assert_int_equal(vg_eco_from_purl_type("cargo", 5), VG_ECO_CRATES);
    assert_int_equal(vg_eco_from_purl_type("composer", 8), VG_ECO_PACKAGIST);
    assert_int_equal(vg_eco_from_purl("deb", 3, "ubuntu", 6), VG_ECO_UBUNTU);
    assert_int_equal(vg_eco_from_purl("rpm", 3, "redhat", 6), VG_ECO_REDHAT);
    assert_int_equal(vg_eco_from_purl("rpm", 3, "unknown", 7), VG_ECO_RPM);
    assert_int_equal(vg_eco_from_vers_scheme("deb", 3), VG_ECO_DEBIAN);
    assert_string_equal(vg_eco_name(VG_ECO_REDHAT), "Red Hat");
    assert_string_equal(vg_eco_name(-1), "");
    assert_int_equal(vg_eco_scheme(VG_ECO_UBUNTU), VG_ECO_DEBIAN);
    assert_int_equal(vg_eco_scheme(VG_ECO_GO), VG_ECO_SEMVER);
    for (int e = 0; e < VG_ECO_COUNT; e++) {
        const char *nm = vg_eco_name(e);
        assert_int_equal(vg_eco_parse(nm, strlen(nm)), e);
    }
}

static void test_semver(void **state)
{
    (void)state;
    ORDER(VG_ECO_NPM, "0.0.0-foo", "0.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
          "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "=", "v1.0.0",
          "=", "1.0.0+build", "1.0.1", "1.10.0", "2.0.0", "99999999999999999999.0.0");
    ORDER(VG_ECO_GO, "v0.0.0-20191109021931-daa7c04131f5", "v0.0.0", "v1.2.3",
          "v2.0.0+incompatible", "v2.0.1");
    ORDER(VG_ECO_NUGET, "1.0", "=", "1.0.0.0", "1.0.0.1-alpha", "1.0.0.1", "1.0.1-BETA", "=",
          "1.0.1-beta");
    ORDER(VG_ECO_PUB, "1.0.0-pre", "1.0.0-pre+build", "1.0.0", "1.0.0+1", "1.0.0+a");
    unsigned char k[VG_VERSION_KEY_MAX];
    size_t kl;
    struct vg_err err = {0};
    assert_int_equal(vg_version_key_buf(VG_ECO_NPM, "1.2.3-rc.1", 10, k, sizeof(k), &kl, &err),
                     VG_OK);
    assert_true(vg_version_key_is_prerelease(VG_ECO_NPM, k, kl));
    assert_int_equal(vg_version_key_buf(VG_ECO_NPM, "1.2.3", 5, k, sizeof(k), &kl, &err), VG_OK);
    assert_false(vg_version_key_is_prerelease(VG_ECO_NPM, k, kl));
    assert_false(vg_version_key_is_prerelease(VG_ECO_MAVEN, k, kl));
}

static void test_maven(void **state)
{
    (void)state;
    ORDER(VG_ECO_MAVEN, "1-alpha", "1-a1", "1-beta", "1-milestone", "1-rc", "=", "1-cr",
          "1-snapshot", "1", "=", "1.0", "=", "1-ga", "=", "1.0.0-final", "1-sp", "1-abc",
          "1-1", "1.0.1", "1.1", "2.0-beta9", "2.0", "2.3", "2.3.1", "2.12.1", "2.12.2",
          "2.14.1", "2.15.0", "2.16.0", "10");
    ORDER(VG_ECO_MAVEN, "3.7.0.rc.3", "3.7.0", "3.7.0.1");
}

static void test_pypi(void **state)
{
    (void)state;
    ORDER(VG_ECO_PYPI, "0.9-doduo", "1.0.dev0", "1.0a0", "=", "1.0alpha", "1.0a1.dev1", "1.0a1",
          "1.0b2", "1.0rc1", "=", "1.0c1", "1.0", "=", "1.0.0", "=", "v1.0", "1.0+local.1",
          "1.0.post1.dev1", "1.0.post1", "=", "1.0-1", "1.1", "1!0.1");
    struct vg_err err = {0};
    int r;
    assert_int_equal(vg_version_cmp(VG_ECO_PYPI, "", 0, "1", 1, &r, &err), VG_EINVAL);
}

static void test_distros(void **state)
{
    (void)state;
    ORDER(VG_ECO_DEBIAN, "1.0~rc1", "1.0", "=", "1.0-0", "=", "0:1.0", "1.0-1", "1.0-1ubuntu1",
          "1.0a", "1.0+b1", "1.0.1", "1:0.1");
    ORDER(VG_ECO_REDHAT, "1.0~rc1", "1.0", "1.0-1.el8", "1.0^git1", "1.0a", "1.0.1", "1:0.1");
    ORDER(VG_ECO_ALPINE, "1.2_alpha1", "1.2_rc1", "1.2", "1.2-r1", "1.2_p1", "1.2a", "1.2.1");
    struct vg_err err = {0};
    int r;
    assert_int_equal(vg_version_cmp(VG_ECO_DEBIAN, "1.0-", 4, "1", 1, &r, &err), VG_EINVAL);
    assert_non_null(strstr(err.msg, "1.0-"));
}

static void test_others(void **state)
{
    (void)state;
    ORDER(VG_ECO_RUBYGEMS, "1.0.a", "1.0.b1", "1.0", "=", "1", "1.0.1");
    ORDER(VG_ECO_PACKAGIST, "1.0-dev", "1.0a1", "1.0b1", "1.0RC1", "=", "1.0rc1", "1.0",
          "1.0pl1");
    ORDER(VG_ECO_CRAN, "0.1-2", "0.2", "0.2-1", "1.0", "1.0.0");
    ORDER(VG_ECO_HACKAGE, "0.1", "0.1.0", "0.2");
    ORDER(VG_ECO_GENERIC, "1.0beta", "1.0", "=", "1.0.0", "1.0.1", "1.10");
    ORDER(VG_ECO_DATETIME, "2023-12-31T19:00:00-05:00", "=", "2024-01-01T00:00:00Z",
          "2024-01-01T00:00:01Z");
}

static void test_limits(void **state)
{
    (void)state;
    char big[VG_VERSION_MAX + 2];
    memset(big, '1', sizeof(big));
    unsigned char k[VG_VERSION_KEY_MAX];
    size_t kl;
    struct vg_err err = {0};
    assert_int_equal(vg_version_key_buf(VG_ECO_NPM, big, sizeof(big), k, sizeof(k), &kl, &err),
                     VG_ETOOBIG);
    vg_err_clear(&err);
    assert_int_equal(vg_version_key_buf(VG_ECO_NPM, "1.2\n", 4, k, sizeof(k), &kl, &err),
                     VG_EINVAL);
    vg_err_clear(&err);
    assert_int_equal(vg_version_key_buf(VG_ECO_COUNT, "1", 1, k, sizeof(k), &kl, &err),
                     VG_EINVAL);
    /* every scheme survives every short string of a small alphabet */
    static const char alpha[] = "01.-_~+a:^r";
    char s[4];
    for (int e = 0; e < VG_ECO_COUNT; e++)
        for (size_t x = 0; x < sizeof(alpha) - 1; x++)
            for (size_t y = 0; y < sizeof(alpha) - 1; y++)
                for (size_t z = 0; z < sizeof(alpha) - 1; z++) {
                    s[0] = alpha[x];
                    s[1] = alpha[y];
                    s[2] = alpha[z];
                    vg_err_clear(&err);
                    int rc = vg_version_key_buf(e, s, 3, k, sizeof(k), &kl, &err);
                    assert_true(rc == VG_OK || rc == VG_EINVAL);
                }
}

/* Both readers, the jansson one and the jscan one, and the same answer from
 * each (or the same error, field and message). */
static int osv_both(struct vg_arena *a, const char *json, struct vg_ranges *r, struct vg_err *err)
{
    json_t *j = json_loads(json, 0, NULL);
    const struct vg_jval *v = NULL;
    struct vg_ranges r2;
    struct vg_err e2 = {0};
    assert_non_null(j);
    assert_int_equal(vg_jscan_parse(json, strlen(json), a, NULL, &v, NULL, &e2), VG_OK);
    int rc = vg_ranges_from_osv(j, -1, a, r, err);
    int rc2 = vg_ranges_from_osv_j(v, -1, a, &r2, &e2);
    json_decref(j);
    assert_int_equal(rc, rc2);
    assert_string_equal(err->field, e2.field);
    assert_string_equal(err->msg, e2.msg);
    if (rc == VG_OK) {
        assert_int_equal(r->n, r2.n);
        assert_int_equal(r->nfixed, r2.nfixed);
        assert_int_equal(r->nlast_affected, r2.nlast_affected);
        assert_int_equal(r->nskipped, r2.nskipped);
        for (size_t i = 0; i < r->n; i++) {
            assert_int_equal(r->iv[i].flags, r2.iv[i].flags);
            assert_int_equal(r->iv[i].lolen, r2.iv[i].lolen);
            assert_int_equal(r->iv[i].hilen, r2.iv[i].hilen);
            assert_memory_equal(r->iv[i].lo, r2.iv[i].lo, r->iv[i].lolen);
            assert_memory_equal(r->iv[i].hi, r2.iv[i].hi, r->iv[i].hilen);
        }
    }
    return rc;
}

static struct vg_ranges osv_ranges(struct vg_arena *a, const char *json)
{
    struct vg_ranges r;
    struct vg_err err = {0};
    if (osv_both(a, json, &r, &err) != VG_OK)
        fail_msg("vg_ranges_from_osv: %s (%s)", err.msg, err.field);
    return r;
}

static int in(const struct vg_ranges *r, const char *v)
{
    int inside = -1;
    struct vg_err err = {0};
    if (vg_ranges_contain_version(r, v, strlen(v), &inside, &err) != VG_OK)
        fail_msg("contain %s: %s", v, err.msg);
    return inside;
}

static void test_osv(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new(0);
    /* Log4Shell, GHSA-jfh8-c2jp-5v3q (three affected entries merged) */
    struct vg_ranges r = osv_ranges(
        a, "{\"package\":{\"ecosystem\":\"Maven\",\"name\":\"x\"},\"ranges\":["
           "{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"2.13.0\"},{\"fixed\":\"2.15.0\"}]},"
           "{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.3.1\"}]},"
           "{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"2.4\"},{\"fixed\":\"2.12.2\"}]}]}");
    static const char *const yes[] = {"2.14.1", "2.12.1", "2.3", "2.0-beta9", "1.0", "2.13.0"};
    static const char *const no[] = {"2.3.1", "2.12.2", "2.15.0", "2.16.0", "2.3.2"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(in(&r, yes[i]), 1);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(in(&r, no[i]), 0);
    assert_int_equal(r.nfixed, 3);
    assert_int_equal(r.n, 3);
    /* last_affected, limit, versions, GIT ignored, unsorted events */
    r = osv_ranges(a, "{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"x\"},\"ranges\":["
                      "{\"type\":\"GIT\",\"events\":[{\"introduced\":\"abc\"}]},"
                      "{\"type\":\"ECOSYSTEM\",\"events\":[{\"last_affected\":\"1.5\"},"
                      "{\"introduced\":\"1.0\"},{\"introduced\":\"3.0\"},{\"limit\":\"4.0\"}]}],"
                      "\"versions\":[\"0.5\",\"not a version!\"]}");
    assert_int_equal(in(&r, "0.5"), 1);
    assert_int_equal(in(&r, "0.6"), 0);
    assert_int_equal(in(&r, "1.0"), 1);
    assert_int_equal(in(&r, "1.5"), 1);
    assert_int_equal(in(&r, "1.5.post1"), 0);
    assert_int_equal(in(&r, "3.5"), 1);
    assert_int_equal(in(&r, "4.0"), 0);
    assert_int_equal(r.nlast_affected, 1);
    /* errors name the field */
    struct vg_err err = {0};
    assert_int_equal(osv_both(a,
                              "{\"package\":{\"ecosystem\":\"Debian\",\"name\":\"x\"},\"ranges\":["
                              "{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
                              "{\"fixed\":\"1.0-\"}]}]}",
                              &r, &err),
                     VG_EINVAL);
    assert_string_equal(err.field, "ranges[0].events[1].fixed");
    static const char *const bad[] = {
        "[]",
        "{\"package\":{\"name\":\"x\"}}",
        "{\"package\":{\"ecosystem\":\"Nope\"}}",
        "{\"package\":{\"ecosystem\":\"npm\"},\"ranges\":{}}",
        "{\"package\":{\"ecosystem\":\"npm\"},\"ranges\":[{\"type\":\"SEMVER\"}]}",
        "{\"package\":{\"ecosystem\":\"npm\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":"
        "[{\"introduced\":\"0\",\"fixed\":\"1.0.0\"}]}]}",
        "{\"package\":{\"ecosystem\":\"npm\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":"
        "[{\"introduced\":1}]}]}",
        "{\"package\":{\"ecosystem\":\"npm\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":"
        "[{\"other\":\"1\"}]}]}",
        "{\"package\":{\"ecosystem\":\"npm\"},\"versions\":\"1.0.0\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vg_err_clear(&err);
        assert_int_not_equal(osv_both(a, bad[i], &r, &err), VG_OK);
    }
    vg_arena_free(a);
}

static void test_vers(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_ranges r;
    struct vg_err err = {0};
#define VERS(s) assert_int_equal(vg_ranges_from_vers(s, strlen(s), a, &r, &err), VG_OK)
    VERS("vers:npm/>=1.0.0|<2.0.0|!=1.5.0|3.0.0");
    assert_int_equal(in(&r, "0.9.0"), 0);
    assert_int_equal(in(&r, "1.0.0"), 1);
    assert_int_equal(in(&r, "1.5.0"), 0);
    assert_int_equal(in(&r, "1.6.0"), 1);
    assert_int_equal(in(&r, "2.0.0"), 0);
    assert_int_equal(in(&r, "3.0.0"), 1);
    VERS("vers:pypi/*");
    assert_int_equal(in(&r, "1.0"), 1);
    VERS("vers:npm/!=1.0.0");
    assert_int_equal(in(&r, "1.0.0"), 0);
    assert_int_equal(in(&r, "1.0.1"), 1);
    VERS("vers:deb/<=1.0-1|>2:0");
    assert_int_equal(in(&r, "1.0-1"), 1);
    assert_int_equal(in(&r, "1:9"), 0);
    assert_int_equal(in(&r, "2:0.1"), 1);
    static const char *const bad[] = {"vers:npm/", "npm/1.0", "vers:npm/>=1.0.0||<2.0.0",
                                      "vers:npm/1.0%2G0", "vers:npm/>=1.0.0|>=2.0.0",
                                      "vers:nope/1", "vers:npm/1.0.0|1.0.0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vg_err_clear(&err);
        assert_int_equal(vg_ranges_from_vers(bad[i], strlen(bad[i]), a, &r, &err), VG_EINVAL);
    }
    vg_arena_free(a);
}

static void test_npm(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_ranges r;
    struct vg_err err = {0};
#define NPM(s) assert_int_equal(vg_ranges_from_npm(VG_ECO_NPM, s, strlen(s), a, &r, &err), VG_OK)
    NPM("^1.2.3");
    assert_int_equal(in(&r, "1.2.3"), 1);
    assert_int_equal(in(&r, "1.9.9"), 1);
    assert_int_equal(in(&r, "2.0.0"), 0);
    assert_int_equal(in(&r, "1.5.0-beta"), 0);
    NPM(">=1.2.3-beta.1 <1.3.0 || ~2.1");
    assert_int_equal(in(&r, "1.2.3-beta.2"), 1);
    assert_int_equal(in(&r, "1.2.3-alpha"), 0);
    assert_int_equal(in(&r, "1.2.4-beta"), 0);
    assert_int_equal(in(&r, "1.2.9"), 1);
    assert_int_equal(in(&r, "2.1.7"), 1);
    assert_int_equal(in(&r, "2.2.0"), 0);
    NPM("1.2 - 2.3.4");
    assert_int_equal(in(&r, "1.2.0"), 1);
    assert_int_equal(in(&r, "2.3.4"), 1);
    assert_int_equal(in(&r, "2.3.5"), 0);
    NPM("^0.0.3");
    assert_int_equal(in(&r, "0.0.3"), 1);
    assert_int_equal(in(&r, "0.0.4"), 0);
    NPM("*");
    assert_int_equal(in(&r, "7.0.0"), 1);
    assert_int_equal(in(&r, "7.0.0-rc.1"), 0);
    NPM("<1.2");
    assert_int_equal(in(&r, "1.1.9"), 1);
    assert_int_equal(in(&r, "1.2.0"), 0);
    vg_err_clear(&err);
    assert_int_equal(vg_ranges_from_npm(VG_ECO_NPM, ">=a", 3, a, &r, &err), VG_EINVAL);
    vg_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eco_names), cmocka_unit_test(test_semver),
        cmocka_unit_test(test_maven),     cmocka_unit_test(test_pypi),
        cmocka_unit_test(test_distros),   cmocka_unit_test(test_others),
        cmocka_unit_test(test_limits),    cmocka_unit_test(test_osv),
        cmocka_unit_test(test_vers),      cmocka_unit_test(test_npm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
