/* Unit tests for src/engine/match: name normalisation, purl -> package,
 * forward index (regions, inclusive/exclusive bounds, overlaps, withdrawn,
 * the linear fallback) checked against brute force, and the reverse index. */
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
#include "engine/match/match.h"
#include "engine/version/version.h"

static const char *norm(int eco, const char *s)
{
    static char out[VG_MATCH_NAME_MAX + 1];
    size_t n;
    assert_int_equal(vg_match_norm_name(eco, s, strlen(s), out, VG_MATCH_NAME_MAX, &n), VG_OK);
    out[n] = '\0';
    return out;
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(norm(VG_ECO_PYPI, "Django_REST..framework"), "django-rest-framework");
    assert_string_equal(norm(VG_ECO_PYPI, "zope.interface"), "zope-interface");
    assert_string_equal(norm(VG_ECO_NUGET, "Newtonsoft.Json"), "newtonsoft.json");
    assert_string_equal(norm(VG_ECO_PACKAGIST, "Laravel/Framework"), "laravel/framework");
    assert_string_equal(norm(VG_ECO_CRATES, "Serde_JSON"), "serde-json");
    assert_string_equal(norm(VG_ECO_SWIFTURL, "https://github.com/Apple/swift-nio.git"),
                        "github.com/apple/swift-nio");
    assert_string_equal(norm(VG_ECO_MAVEN, "org.Foo:Bar"), "org.Foo:Bar");
    assert_string_equal(norm(VG_ECO_NPM, "@Scope/Name"), "@Scope/Name");
    char big[VG_MATCH_NAME_MAX + 2];
    size_t n;
    memset(big, 'a', sizeof(big));
    assert_int_equal(vg_match_norm_name(VG_ECO_NPM, big, sizeof(big), big, sizeof(big), &n),
                     VG_ETOOBIG);
}

static void purl_pkg(const char *s, int want_eco, const char *want_name, const char *want_ver)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_purl p;
    const char *name, *ver;
    int eco;
    assert_int_equal(vg_purl_parse(s, strlen(s), a, &p, NULL), VG_OK);
    assert_int_equal(vg_match_purl_pkg(&p, a, &eco, &name, &ver, NULL), VG_OK);
    assert_int_equal(eco, want_eco);
    assert_string_equal(name, want_name);
    if (want_ver)
        assert_string_equal(ver, want_ver);
    else
        assert_null(ver);
    vg_arena_free(a);
}

static void test_purl_pkg(void **state)
{
    (void)state;
    purl_pkg("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", VG_ECO_MAVEN,
             "org.apache.logging.log4j:log4j-core", "2.14.1");
    purl_pkg("pkg:npm/%40babel/core@7.0.0", VG_ECO_NPM, "@babel/core", "7.0.0");
    purl_pkg("pkg:npm/lodash", VG_ECO_NPM, "lodash", NULL);
    purl_pkg("pkg:golang/golang.org/x/net@v0.1.0", VG_ECO_GO, "golang.org/x/net", "v0.1.0");
    purl_pkg("pkg:composer/laravel/framework@7.0.0", VG_ECO_PACKAGIST, "laravel/framework",
             "7.0.0");
    purl_pkg("pkg:pypi/django@3.2", VG_ECO_PYPI, "django", "3.2");
    purl_pkg("pkg:rpm/redhat/openssl@1.0.2k-19.el7?epoch=1", VG_ECO_REDHAT, "openssl",
             "1:1.0.2k-19.el7");
    struct vg_arena *a = vg_arena_new(0);
    struct vg_purl p;
    const char *name, *ver;
    int eco;
    assert_int_equal(vg_purl_parse("pkg:docker/x@1", 14, a, &p, NULL), VG_OK);
    assert_int_equal(vg_match_purl_pkg(&p, a, &eco, &name, &ver, NULL), VG_ENOTFOUND);
    vg_arena_free(a);
}

static json_t *J(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    if (j == NULL)
        fail_msg("bad test JSON: %s", e.text);
    return j;
}

static void add(struct vg_match_index *ix, const char *s)
{
    json_t *j = J(s);
    struct vg_err err = {0};
    assert_int_equal(vg_match_index_add_doc(ix, j, &err), VG_OK);
    json_decref(j);
}

/* Ids of the advisories affecting name@v, comma-joined in advisory order. */
static const char *q(struct vg_match_index *ix, int eco, const char *name, const char *v)
{
    static char out[4096];
    struct vg_match_hit hits[64];
    size_t n = 0, o = 0;
    struct vg_err err = {0};
    out[0] = '\0';
    if (vg_match_query(ix, eco, name, strlen(name), v, strlen(v), hits, 64, &n, &err) != VG_OK)
        return "ERR";
    for (size_t i = 0; i < n && i < 64; i++)
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", i ? "," : "",
                              vg_match_advisory(ix, hits[i].adv)->id);
    return out;
}

static const char *RECORDS =
    "[{\"id\":\"A-1\",\"aliases\":[\"CVE-1\"],\"database_specific\":{\"severity\":\"HIGH\"},"
    "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"left-pad\"},"
    "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},{\"fixed\":\"1.2.0\"},"
    "{\"introduced\":\"2.0.0\"},{\"last_affected\":\"2.1.0\"}]}]}]},"
    "{\"id\":\"A-2\",\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N\"}],"
    "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"left-pad\"},"
    "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.1.0\"}]}]},"
    "{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"Foo_Bar\"},"
    "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"1.0\"}]}],"
    "\"versions\":[\"0.5\"]}]},"
    "{\"id\":\"A-3\",\"withdrawn\":\"2022-01-01T00:00:00Z\","
    "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"left-pad\"},"
    "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"}]}]}]},"
    "{\"id\":\"A-4\",\"affected\":[{\"package\":{\"ecosystem\":\"NoSuchEco\",\"name\":\"x\"}}]}]";

static void test_index(void **state)
{
    (void)state;
    struct vg_match_index *ix = vg_match_index_new();
    struct vg_match_stats st;
    add(ix, RECORDS);
    assert_int_equal(vg_match_index_finish(ix, NULL), VG_OK);
    assert_string_equal(q(ix, VG_ECO_NPM, "left-pad", "0.9.0"), "A-2");
    assert_string_equal(q(ix, VG_ECO_NPM, "left-pad", "1.0.0"), "A-1,A-2");
    assert_string_equal(q(ix, VG_ECO_NPM, "left-pad", "1.0.5"), "A-1,A-2");
    assert_string_equal(q(ix, VG_ECO_NPM, "left-pad", "1.1.0"), "A-1");
    assert_string_equal(q(ix, VG_ECO_NPM, "left-pad", "1.2.0"), "");
    assert_string_equal(q(ix, VG_ECO_NPM, "left-pad", "1.9.9"), "");
    assert_string_equal(q(ix, VG_ECO_NPM, "left-pad", "2.0.0"), "A-1");
    assert_string_equal(q(ix, VG_ECO_NPM, "left-pad", "2.1.0"), "A-1");
    assert_string_equal(q(ix, VG_ECO_NPM, "left-pad", "2.1.1"), "");
    assert_string_equal(q(ix, VG_ECO_NPM, "left-pad", "not a version"), "ERR");
    assert_string_equal(q(ix, VG_ECO_NPM, "right-pad", "1.0.0"), "");
    assert_string_equal(q(ix, VG_ECO_PYPI, "foo.bar", "0.5"), "A-2");
    assert_string_equal(q(ix, VG_ECO_PYPI, "FOO-BAR", "0.6"), "");
    assert_string_equal(q(ix, VG_ECO_PYPI, "foo_bar", "9.0"), "A-2");

    struct vg_match_hit h[4];
    size_t n;
    assert_int_equal(vg_match_query(ix, VG_ECO_NPM, "left-pad", 8, "1.0.0", 5, h, 1, &n, NULL),
                     VG_OK);
    assert_int_equal(n, 2); /* counts beyond cap */
    const struct vg_match_advisory *ad = vg_match_advisory(ix, h[0].adv);
    assert_string_equal(ad->id, "A-1");
    assert_int_equal(ad->naliases, 1);
    assert_string_equal(ad->aliases[0], "CVE-1");
    assert_string_equal(ad->severity, "HIGH");
    const char *const *fixed;
    size_t nf;
    vg_match_fixed(ix, h[0].aff, &fixed, &nf);
    assert_int_equal(nf, 1);
    assert_string_equal(fixed[0], "1.2.0");
    assert_int_equal(vg_match_query(ix, VG_ECO_NPM, "left-pad", 8, "1.1.5", 5, h, 4, &n, NULL),
                     VG_OK);
    assert_string_equal(vg_match_advisory(ix, h[0].adv)->id, "A-1");
    assert_null(vg_match_advisory(ix, 999));

    vg_match_index_stats(ix, &st);
    assert_int_equal(st.advisories, 3);
    assert_int_equal(st.withdrawn, 1);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.packages, 2);
    assert_true(st.bytes > 0 && st.bytes_per_advisory > 0);
    assert_non_null(st.first_skip);
    /* read-only once finished */
    json_t *j = J("{\"id\":\"late\"}");
    assert_int_equal(vg_match_index_add(ix, j, NULL), VG_EINVAL);
    json_decref(j);
    vg_match_index_free(ix);
    vg_match_index_free(NULL);
}

/* Two indexes filled apart (as threads do) and merged answer as one. */
static void test_merge(void **state)
{
    (void)state;
    struct vg_match_index *a = vg_match_index_new(), *b = vg_match_index_new();
    json_t *recs = J(RECORDS);
    char *first = json_dumps(json_array_get(recs, 0), JSON_COMPACT);
    char *rest;
    size_t bad = 0;
    json_array_remove(recs, 0);
    rest = json_dumps(recs, JSON_COMPACT);
    assert_int_equal(vg_match_index_add_buffer(a, first, strlen(first), &bad, NULL), VG_OK);
    assert_int_equal(vg_match_index_add_buffer(b, rest, strlen(rest), &bad, NULL), VG_OK);
    assert_int_equal(vg_match_index_merge(a, b, NULL), VG_OK);
    assert_int_equal(vg_match_index_finish(a, NULL), VG_OK);
    assert_string_equal(q(a, VG_ECO_NPM, "left-pad", "1.0.5"), "A-1,A-2");
    assert_string_equal(q(a, VG_ECO_NPM, "left-pad", "2.1.0"), "A-1");
    assert_string_equal(q(a, VG_ECO_PYPI, "foo.bar", "0.5"), "A-2");
    struct vg_match_stats st;
    vg_match_index_stats(a, &st);
    assert_int_equal(st.advisories, 3);
    assert_int_equal(st.withdrawn, 1);
    /* the same records again, in one index and across a merge: first copy wins */
    {
        struct vg_match_index *d = vg_match_index_new(), *e = vg_match_index_new();
        add(d, RECORDS);
        add(d, RECORDS);
        add(e, RECORDS);
        assert_int_equal(vg_match_index_merge(d, e, NULL), VG_OK);
        vg_match_index_finish(d, NULL);
        vg_match_index_stats(d, &st);
        assert_int_equal(st.advisories, 3);
        assert_int_equal(st.duplicates, 6);
        assert_string_equal(q(d, VG_ECO_NPM, "left-pad", "1.0.5"), "A-1,A-2");
        vg_match_index_free(d);
    }
    /* NeDB lines: index markers and deletions are ignored, bad lines counted */
    struct vg_match_index *c = vg_match_index_new();
    const char *nedb = "{\"$$indexCreated\":{\"fieldName\":\"id\"}}\n"
                       "{\"id\":\"N-1\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\","
                       "\"name\":\"x\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":["
                       "{\"introduced\":\"0\"}]}]}]}\n"
                       "{\"$$deleted\":true,\"_id\":\"abc\"}\n"
                       "{broken\n";
    bad = 0;
    assert_int_equal(vg_match_index_add_buffer(c, nedb, strlen(nedb), &bad, NULL), VG_OK);
    assert_int_equal(bad, 1);
    vg_match_index_finish(c, NULL);
    assert_string_equal(q(c, VG_ECO_NPM, "x", "9.9.9"), "N-1");
    vg_match_index_free(c);
    free(first);
    free(rest);
    json_decref(recs);
    vg_match_index_free(a);
}

/* Many overlapping advisories (past the region fan-out cap) and many
 * disjoint ones, each checked against brute force over a version grid. */
static void test_overlap_bruteforce(void **state)
{
    (void)state;
    struct vg_match_index *ix = vg_match_index_new();
    struct vg_buf b = {0};
    enum { N = 300 };
    vg_buf_puts(&b, "[");
    for (int i = 0; i < N; i++) {
        /* "big": [0, 1.i.0) all overlapping; "small": [1.i.0, 1.i.5] disjoint */
        vg_buf_printf(&b,
                      "%s{\"id\":\"B-%03d\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\","
                      "\"name\":\"big\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":"
                      "\"0\"},{\"fixed\":\"1.%d.0\"}]}]},{\"package\":{\"ecosystem\":\"npm\","
                      "\"name\":\"small\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{"
                      "\"introduced\":\"1.%d.0\"},{\"last_affected\":\"1.%d.5\"}]}]}]}",
                      i ? "," : "", i, i + 1, i, i);
    }
    vg_buf_puts(&b, "]");
    add(ix, b.p);
    vg_buf_free(&b);
    assert_int_equal(vg_match_index_finish(ix, NULL), VG_OK);
    /* the batched form answers exactly as one query at a time */
    {
        enum { NQ = 2 * (N / 7 + 2) * 7 + 2 };
        struct vg_match_q qs[NQ];
        char vs[NQ][32];
        size_t nq = 0, counts[NQ];
        int rcs[NQ];
        struct vg_match_hit *hh = calloc(NQ * 8, sizeof(*hh));
        for (int minor = 0; minor <= N + 1; minor += 7)
            for (int patch = 0; patch <= 6; patch++)
                for (int w = 0; w < 2; w++) {
                    snprintf(vs[nq], sizeof(vs[nq]), "1.%d.%d", minor, patch);
                    qs[nq] = (struct vg_match_q){VG_ECO_NPM, w ? "small" : "big", w ? 5u : 3u,
                                                 vs[nq], strlen(vs[nq])};
                    nq++;
                }
        qs[nq++] = (struct vg_match_q){VG_ECO_NPM, "unknown", 7, "1.0.0", 5};
        qs[nq++] = (struct vg_match_q){VG_ECO_NPM, "big", 3, "not-a-version", 13};
        assert_true(nq <= NQ);
        assert_int_equal(vg_match_query_many(ix, qs, nq, hh, 8, counts, rcs), VG_OK);
        for (size_t i = 0; i < nq; i++) {
            struct vg_match_hit h1[8];
            size_t n1 = 0;
            int rc1 = vg_match_query(ix, qs[i].eco, qs[i].name, qs[i].nlen, qs[i].version,
                                     qs[i].vlen, h1, 8, &n1, NULL);
            assert_int_equal(rcs[i], rc1);
            assert_int_equal(counts[i], n1);
            for (size_t k = 0; k < n1 && k < 8; k++)
                assert_int_equal(hh[i * 8 + k].adv, h1[k].adv);
        }
        assert_int_equal(rcs[nq - 1], VG_EINVAL);
        assert_int_equal(counts[nq - 2], 0);
        free(hh);
    }
    for (int minor = 0; minor <= N + 1; minor += 7)
        for (int patch = 0; patch <= 6; patch++) {
            char v[32];
            struct vg_match_hit h[N + 8];
            size_t n;
            snprintf(v, sizeof(v), "1.%d.%d", minor, patch);
            assert_int_equal(vg_match_query(ix, VG_ECO_NPM, "big", 3, v, strlen(v), h, N + 8,
                                            &n, NULL),
                             VG_OK);
            /* [0, 1.(i+1).0) holds 1.minor.patch iff minor < i + 1 */
            assert_int_equal(n, (size_t)(minor < N ? N - minor : 0));
            assert_int_equal(vg_match_query(ix, VG_ECO_NPM, "small", 5, v, strlen(v), h, N + 8,
                                            &n, NULL),
                             VG_OK);
            assert_int_equal(n, (size_t)(minor < N && patch <= 5 ? 1 : 0));
        }
    vg_match_index_free(ix);
}

static void test_comps(void **state)
{
    (void)state;
    struct vg_match_comps *c = vg_match_comps_new();
    struct vg_arena *a = vg_arena_new(0);
    const char *vers[] = {"0.1.0", "1.0.0", "1.1.9", "1.2.0", "2.0.0", "2.1.0", "2.1.1", "3.0.0"};
    uint64_t *ids;
    size_t n, comps, bytes;
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(vg_match_comps_add(c, VG_ECO_NPM, "left-pad", 8, vers[i],
                                            strlen(vers[i]), 100 + i, NULL),
                         VG_OK);
    assert_int_equal(vg_match_comps_add(c, VG_ECO_PYPI, "Foo.Bar", 7, "0.5", 3, 7, NULL), VG_OK);
    assert_int_equal(vg_match_comps_add(c, VG_ECO_NPM, "x", 1, "bad version", 11, 9, NULL),
                     VG_EINVAL);
    assert_int_equal(vg_match_comps_finish(c, NULL), VG_OK);
    json_t *recs = J(RECORDS);
    /* [1.0.0,1.2.0) u [2.0.0,2.1.0] */
    assert_int_equal(vg_match_comps_affected(c, json_array_get(recs, 0), a, &ids, &n, NULL), VG_OK);
    assert_int_equal(n, 4);
    assert_int_equal(ids[0], 101);
    assert_int_equal(ids[1], 102);
    assert_int_equal(ids[2], 104);
    assert_int_equal(ids[3], 105);
    /* npm [0,1.1.0) and PyPI foo-bar 0.5 or >= 1.0 */
    assert_int_equal(vg_match_comps_affected(c, json_array_get(recs, 1), a, &ids, &n, NULL), VG_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 7);
    assert_int_equal(ids[1], 100);
    assert_int_equal(ids[2], 101);
    /* withdrawn */
    assert_int_equal(vg_match_comps_affected(c, json_array_get(recs, 2), a, &ids, &n, NULL), VG_OK);
    assert_int_equal(n, 0);
    vg_match_comps_stats(c, &comps, &bytes);
    assert_int_equal(comps, 9);
    assert_true(bytes > 0);
    json_decref(recs);
    vg_arena_free(a);
    vg_match_comps_free(c);
    vg_match_comps_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names), cmocka_unit_test(test_purl_pkg),
        cmocka_unit_test(test_index), cmocka_unit_test(test_merge),
        cmocka_unit_test(test_overlap_bruteforce),
        cmocka_unit_test(test_comps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
