/* Unit tests for the forward index's internals (src/engine/match/
 * match_int.h, layout.c, query.c): the one-pass name normalisation and hash
 * against vg_match_norm_name + vg__match_hash, 8-byte key codes against
 * vg_key_cmp, and randomised indexes that reach every block format (masks of
 * 8 to 64 entries, 16-bit lists, the linear fallback), long keys that tie on
 * their codes, many packages (parallel layout) — each query, one at a time
 * and batched, against brute force over vg_ranges_from_osv. */
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
#include "engine/match/match_int.h"
#include "engine/version/range.h"
#include "engine/version/version.h"

static uint64_t rs = 88172645463325252ull;

static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static size_t below(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

/* ---- names and hashes ---------------------------------------------------- */

static void test_norm_hash(void **state)
{
    static const char alpha[] = "aAzZmM09-_.:/@~\x80\xc3\xa9";
    (void)state;
    for (int eco = 0; eco < VG_ECO_COUNT; eco++)
        for (int t = 0; t < 3000; t++) {
            char name[64], buf1[VG_MATCH_NAME_MAX + 8], buf2[VG_MATCH_NAME_MAX + 8];
            const char *norm;
            size_t n = below(48), nl1, nl2;
            uint64_t h;
            int rc1, rc2;
            for (size_t i = 0; i < n; i++)
                name[i] = alpha[below(sizeof(alpha) - 1)];
            rc1 = vg_match_norm_name(eco, name, n, buf1, sizeof(buf1), &nl1);
            rc2 = vg__match_norm_hash(eco, name, n, buf2, sizeof(buf2), &norm, &nl2, &h);
            assert_int_equal(rc1, rc2);
            if (rc1)
                continue;
            assert_int_equal(nl1, nl2);
            assert_memory_equal(buf1, norm, nl1);
            assert_true(h == vg__match_hash(eco, buf1, nl1));
        }
    {
        char big[VG_MATCH_NAME_MAX + 2], buf[VG_MATCH_NAME_MAX + 16];
        const char *norm;
        size_t nl;
        uint64_t h;
        memset(big, 'A', sizeof(big));
        assert_int_equal(vg__match_norm_hash(VG_ECO_NUGET, big, sizeof(big), buf, sizeof(buf),
                                             &norm, &nl, &h),
                         VG_ETOOBIG);
        /* a buffer too small for the padded words */
        assert_int_equal(vg__match_norm_hash(VG_ECO_NUGET, big, 20, buf, 20, &norm, &nl, &h),
                         VG_ETOOBIG);
    }
}

static int sgn(int x)
{
    return (x > 0) - (x < 0);
}

static void test_key_codes(void **state)
{
    static const unsigned char alpha[] = {0x00, 0x01, 0x02, '1', '9', 0x7f, 0x80, 0xff};
    (void)state;
    for (int t = 0; t < 200000; t++) {
        unsigned char a[32] = {0}, b[32] = {0};
        size_t an = below(20), bn = below(20);
        uint64_t ca, cb;
        for (size_t i = 0; i < an; i++)
            a[i] = alpha[below(sizeof(alpha))];
        /* b often shares a prefix with a, so that long keys tie */
        memcpy(b, a, sizeof(b));
        for (size_t i = below(bn + 1); i < bn; i++)
            b[i] = alpha[below(sizeof(alpha))];
        ca = vg__key_code(a, an);
        cb = vg__key_code(b, bn);
        assert_true(ca == vg__key_code_buf(a, an));
        assert_int_equal(sgn(vg__key_cmp_c(ca, a, an, cb, b, bn)), sgn(vg_key_cmp(a, an, b, bn)));
        if (ca < cb)
            assert_true(vg_key_cmp(a, an, b, bn) < 0);
        if (ca == cb && !vg__code_long(ca))
            assert_int_equal(vg_key_cmp(a, an, b, bn), 0);
    }
}

/* ---- randomised indexes against brute force -------------------------------- */

struct gen {
    int eco;
    const char *eco_name;
};

static const struct gen gens[] = {
    {VG_ECO_NPM, "npm"},     {VG_ECO_MAVEN, "Maven"}, {VG_ECO_PYPI, "PyPI"},
    {VG_ECO_GO, "Go"},       {VG_ECO_NUGET, "NuGet"}, {VG_ECO_RUBYGEMS, "RubyGems"},
    {VG_ECO_CRATES, "crates.io"},
};

/* A version of the generator's ecosystem; long ones share long prefixes. */
static void version(int eco, char *out, size_t cap)
{
    unsigned M = (unsigned)below(4), m = (unsigned)below(14), p = (unsigned)below(45);
    const char *v = eco == VG_ECO_GO ? "v" : "";
    switch (below(10)) {
    case 0:
        snprintf(out, cap, "%s%u.%u.%u-rc.%u", v, M, m, p, (unsigned)below(3));
        break;
    case 1:
        snprintf(out, cap, "%s%u.%u.%u-alpha.beta.gamma.%u", v, M, m, p, (unsigned)below(30));
        break;
    case 2:
        snprintf(out, cap, "%s1%u%u.2%u.3%u", v, M, m, p, (unsigned)below(9));
        break;
    case 3:
        if (eco == VG_ECO_PYPI)
            snprintf(out, cap, "%u.%u.post%u", M, m, p);
        else if (eco == VG_ECO_MAVEN)
            snprintf(out, cap, "%u.%u.%u.Final", M, m, p);
        else
            snprintf(out, cap, "%s%u.%u", v, M, m);
        break;
    default:
        snprintf(out, cap, "%s%u.%u.%u", v, M, m, p);
        break;
    }
}

static int narrow; /* records(): short, mostly disjoint ranges */

/* Records: nadv advisories over the packages pkg-0..npkg-1 of one ecosystem
 * (and a few of another), as one JSON array. */
static json_t *records(const struct gen *g, size_t npkg, size_t nadv)
{
    json_t *arr = json_array();
    for (size_t a = 0; a < nadv; a++) {
        json_t *r = json_object(), *affs = json_array();
        char id[32];
        size_t naff = 1 + below(2) + (below(8) == 0);
        snprintf(id, sizeof(id), "R-%05zu", below(8) == 0 && a ? below(a) : a); /* some repeat */
        json_object_set_new(r, "id", json_string(id));
        if (below(30) == 0)
            json_object_set_new(r, "withdrawn", json_string("2024-01-01T00:00:00Z"));
        for (size_t k = 0; k < naff; k++) {
            json_t *af = json_object(), *pkg = json_object(), *ranges = json_array(),
                   *vers = json_array();
            char name[32], v[64];
            int other = below(10) == 0;
            snprintf(name, sizeof(name), below(5) ? "pkg-%zu" : "Pkg_%zu", below(npkg));
            json_object_set_new(pkg, "ecosystem",
                                json_string(other ? (g->eco == VG_ECO_NPM ? "PyPI" : "npm")
                                                  : g->eco_name));
            json_object_set_new(pkg, "name", json_string(name));
            json_object_set_new(af, "package", pkg);
            for (size_t ri = 0, nr = 1 + below(2); ri < nr; ri++) {
                json_t *rg = json_object(), *ev = json_array(), *e;
                json_object_set_new(rg, "type", json_string(below(2) ? "ECOSYSTEM" : "SEMVER"));
                e = json_object();
                if (narrow) {
                    unsigned M = (unsigned)below(10), m = (unsigned)below(100);
                    snprintf(v, sizeof(v), "%u.%u.0", M, m);
                    json_object_set_new(e, "introduced", json_string(v));
                    json_array_append_new(ev, e);
                    e = json_object();
                    snprintf(v, sizeof(v), "%u.%u.5", M, m);
                    json_object_set_new(e, "fixed", json_string(v));
                } else if (below(3) == 0) {
                    json_object_set_new(e, "introduced", json_string("0"));
                } else {
                    version(g->eco, v, sizeof(v));
                    json_object_set_new(e, "introduced", json_string(v));
                }
                json_array_append_new(ev, e);
                if (!narrow && below(6)) {
                    e = json_object();
                    version(g->eco, v, sizeof(v));
                    json_object_set_new(e, below(4) ? "fixed" : "last_affected", json_string(v));
                    json_array_append_new(ev, e);
                }
                if (!narrow && below(12) == 0) {
                    e = json_object();
                    version(g->eco, v, sizeof(v));
                    json_object_set_new(e, "limit", json_string(v));
                    json_array_append_new(ev, e);
                }
                json_object_set_new(rg, "events", ev);
                json_array_append_new(ranges, rg);
            }
            json_object_set_new(af, "ranges", ranges);
            for (size_t vi = 0, nv = below(6); vi < nv; vi++) {
                version(g->eco, v, sizeof(v));
                json_array_append_new(vers, json_string(below(40) ? v : "no version!"));
            }
            json_object_set_new(af, "versions", vers);
            json_array_append_new(affs, af);
        }
        json_object_set_new(r, "affected", affs);
        json_array_append_new(arr, r);
    }
    return arr;
}

static size_t fmt_seen[8];

/* Counts the block formats of a finished index. */
static void count_formats(const struct vg_match_index *ix)
{
    for (size_t i = 0; i < ix->nbuckets * VG__BUCKET; i++)
        if (ix->buckets[i]) {
            const struct vg__blk *b = (const struct vg__blk *)(const void *)(
                ix->hot + (size_t)((uint32_t)ix->buckets[i] - 1) * 16);
            fmt_seen[b->fmt & 7]++;
        }
}

struct bf_ent {
    int eco;
    char norm[64];
    size_t nl;
    struct vg_ranges r;
    const char *id;
};

struct bf {
    struct bf_ent *e;
    size_t n;
    struct vg_arena *a;
};

/* Brute force: every valid affected entry of the records the index keeps (the
 * first copy of an id, not withdrawn), in advisory order. */
static void bf_build(struct bf *b, json_t *arr)
{
    size_t i, j, seen_n = 0;
    json_t *r, *af;
    const char **seen = calloc(json_array_size(arr) + 1, sizeof(*seen));
    b->a = vg_arena_new(0);
    b->e = calloc(4 * json_array_size(arr) + 1, sizeof(*b->e));
    b->n = 0;
    json_array_foreach(arr, i, r)
    {
        const char *id = json_string_value(json_object_get(r, "id"));
        int dup = 0;
        if (json_object_get(r, "withdrawn"))
            continue;
        for (size_t k = 0; k < seen_n; k++)
            if (strcmp(seen[k], id) == 0)
                dup = 1;
        if (dup)
            continue;
        seen[seen_n++] = id;
        json_array_foreach(json_object_get(r, "affected"), j, af)
        {
            struct bf_ent *e = &b->e[b->n];
            json_t *pkg = json_object_get(af, "package");
            const char *es = json_string_value(json_object_get(pkg, "ecosystem"));
            const char *nm = json_string_value(json_object_get(pkg, "name"));
            e->eco = vg_eco_parse(es, strlen(es));
            if (vg_match_norm_name(e->eco, nm, strlen(nm), e->norm, sizeof(e->norm), &e->nl) !=
                    VG_OK ||
                vg_ranges_from_osv(af, -1, b->a, &e->r, NULL) != VG_OK)
                continue;
            e->id = id;
            b->n++;
        }
    }
    free(seen);
}

/* The brute-force answer: "id,id,..." and the first matching entry's fixed
 * versions per advisory ("id[f,f]"). */
static void bf_answer(const struct bf *b, int eco, const char *name, const char *v, char *out,
                      size_t cap)
{
    char norm[64];
    size_t nl, o = 0;
    const char *last = NULL;
    out[0] = '\0';
    if (vg_match_norm_name(eco, name, strlen(name), norm, sizeof(norm), &nl) != VG_OK)
        return;
    for (size_t i = 0; i < b->n; i++) {
        const struct bf_ent *e = &b->e[i];
        int in = 0;
        if (e->eco != eco || e->nl != nl || memcmp(e->norm, norm, nl) != 0)
            continue;
        if (last && strcmp(last, e->id) == 0)
            continue;
        if (vg_ranges_contain_version(&e->r, v, strlen(v), &in, NULL) != VG_OK || !in)
            continue;
        o += (size_t)snprintf(out + o, cap - o, "%s[", e->id);
        for (size_t k = 0; k < e->r.nfixed; k++)
            o += (size_t)snprintf(out + o, cap - o, "%s%s", k ? "," : "", e->r.fixed[k]);
        o += (size_t)snprintf(out + o, cap - o, "]");
        last = e->id;
    }
}

static void ix_answer(const struct vg_match_index *ix, const struct vg_match_hit *h, size_t n,
                      char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *const *fixed;
        size_t nf;
        vg_match_fixed(ix, h[i].aff, &fixed, &nf);
        o += (size_t)snprintf(out + o, cap - o, "%s[", vg_match_advisory(ix, h[i].adv)->id);
        for (size_t k = 0; k < nf; k++)
            o += (size_t)snprintf(out + o, cap - o, "%s%s", k ? "," : "", fixed[k]);
        o += (size_t)snprintf(out + o, cap - o, "]");
    }
}

/* Indexes the records (in two halves merged, when split), then asks every
 * pstep-th package about many versions, one at a time with room for all, one at a
 * time with room for two (the count must still be exact), and batched. */
static void check(const struct gen *g, size_t npkg, size_t nadv, int split, size_t pstep)
{
    json_t *arr = records(g, npkg, nadv);
    struct vg_match_index *ix = vg_match_index_new();
    struct bf b;
    enum { NV = 40, CAP = 2 };
    size_t nq = 0, qcap = (npkg + 1) * NV * 2;
    struct vg_match_q *qs = calloc(qcap, sizeof(*qs));
    char(*names)[32] = calloc(qcap, sizeof(*names));
    char(*vers)[64] = calloc(qcap, sizeof(*vers));
    struct vg_match_hit *hh = calloc(qcap * CAP, sizeof(*hh));
    struct vg_match_hit *all = calloc(nadv + 8, sizeof(*all));
    size_t *counts = calloc(qcap, sizeof(*counts));
    int *rcs = calloc(qcap, sizeof(*rcs));
    static char want[1 << 16], got[1 << 16];

    if (split) {
        struct vg_match_index *ix2 = vg_match_index_new();
        json_t *lo = json_array(), *hi = json_array();
        size_t i;
        json_t *r;
        char *s;
        json_array_foreach(arr, i, r) json_array_append(i < nadv / 2 ? lo : hi, r);
        s = json_dumps(lo, JSON_COMPACT);
        assert_int_equal(vg_match_index_add_buffer(ix, s, strlen(s), NULL, NULL), VG_OK);
        free(s);
        s = json_dumps(hi, JSON_COMPACT);
        assert_int_equal(vg_match_index_add_buffer(ix2, s, strlen(s), NULL, NULL), VG_OK);
        free(s);
        assert_int_equal(vg_match_index_merge(ix, ix2, NULL), VG_OK);
        json_decref(lo);
        json_decref(hi);
    } else {
        assert_int_equal(vg_match_index_add_doc(ix, arr, NULL), VG_OK);
    }
    assert_int_equal(vg_match_index_finish(ix, NULL), VG_OK);
    count_formats(ix);
    bf_build(&b, arr);

    for (size_t p = 0; p < npkg; p += pstep)
        for (size_t k = 0; k < NV; k++) {
            snprintf(names[nq], sizeof(names[nq]), k % 7 == 3 ? "PKG-%zu" : "pkg-%zu", p);
            if (k == 0)
                snprintf(vers[nq], sizeof(vers[nq]), "not a version");
            else
                version(g->eco, vers[nq], sizeof(vers[nq]));
            qs[nq] = (struct vg_match_q){g->eco, names[nq], strlen(names[nq]), vers[nq],
                                         strlen(vers[nq])};
            nq++;
        }
    qs[nq++] = (struct vg_match_q){g->eco, "absent", 6, "1.0.0", 5};
    assert_int_equal(vg_match_query_many(ix, qs, nq, hh, CAP, counts, rcs), VG_OK);
    for (size_t i = 0; i < nq; i++) {
        size_t n = 0, n2 = 0;
        struct vg_match_hit two[CAP];
        int rc = vg_match_query(ix, qs[i].eco, qs[i].name, qs[i].nlen, qs[i].version,
                                qs[i].vlen, all, nadv + 8, &n, NULL);
        int rc2 = vg_match_query(ix, qs[i].eco, qs[i].name, qs[i].nlen, qs[i].version,
                                 qs[i].vlen, two, CAP, &n2, NULL);
        assert_int_equal(rc, rc2);
        assert_int_equal(rc, rcs[i]);
        if (rc != VG_OK) {
            int in;
            /* only a version invalid for the ecosystem is an error, and only
             * for a package the index knows */
            assert_int_not_equal(vg_version_cmp(g->eco, qs[i].version, qs[i].vlen, "1", 1, &in,
                                                NULL),
                                 VG_OK);
            continue;
        }
        assert_int_equal(n, n2);
        assert_int_equal(n, counts[i]);
        bf_answer(&b, qs[i].eco, qs[i].name, qs[i].version, want, sizeof(want));
        ix_answer(ix, all, n, got, sizeof(got));
        if (strcmp(want, got) != 0)
            fail_msg("%s %s@%s: index %s, brute force %s", g->eco_name, qs[i].name,
                     qs[i].version, got, want);
        for (size_t k = 0; k < n && k < CAP; k++) {
            assert_int_equal(two[k].adv, all[k].adv);
            assert_int_equal(hh[i * CAP + k].adv, all[k].adv);
            assert_int_equal(hh[i * CAP + k].aff, all[k].aff);
        }
    }
    vg_arena_free(b.a);
    free(b.e);
    free(qs);
    free(names);
    free(vers);
    free(hh);
    free(all);
    free(counts);
    free(rcs);
    json_decref(arr);
    vg_match_index_free(ix);
}

static void test_formats(void **state)
{
    (void)state;
    for (size_t gi = 0; gi < sizeof(gens) / sizeof(gens[0]); gi++) {
        /* one package with 1..300 advisories: masks of 8, 16, 32, 64
         * entries, lists, and (many overlapping) the linear fallback */
        static const size_t sizes[] = {1, 6, 14, 30, 60, 120, 300};
        for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
            check(&gens[gi], 1, sizes[si], 0, 1);
        check(&gens[gi], 40, 200, 1, 1);
        narrow = 1; /* many entries, little overlap: lists */
        check(&gens[gi], 1, 200, 0, 1);
        narrow = 0;
    }
    for (int f = VG__BLK_MASK8; f <= VG__BLK_LINEAR; f++)
        if (f != VG__BLK_LIST32) /* 65,536 entries for one package: too slow here */
            assert_true(fmt_seen[f] > 0);
}

/* Many packages: the layout runs on several threads, the bucket table is
 * large; merged from two halves. */
static void test_many_packages(void **state)
{
    (void)state;
    check(&gens[0], 6000, 9000, 1, 97);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norm_hash),
        cmocka_unit_test(test_key_codes),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_many_packages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
