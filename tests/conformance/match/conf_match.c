/* Matcher conformance over real advisories ($VIGIL_TESTDATA/osv-records):
 *  - Log4Shell (GHSA-jfh8-c2jp-5v3q): log4j-core 2.14.1, 2.12.1, 2.3 and
 *    2.0-beta9 affected; 2.3.1, 2.12.2, 2.15.0 and 2.16.0 not;
 *  - the 356 zeppelin-server advisories: for every package, every version
 *    named in any event or `versions` list is probed; the forward index, the
 *    reverse index and a brute-force test of each affected entry
 *    (vg_ranges_contain_version) must agree exactly. */
#include "core/arena.h"
#include "core/util.h"
#include "engine/match/match.h"
#include "engine/version/range.h"
#include "engine/version/version.h"
#include "../testdata.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(c, ...)                                                                              \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            failures++;                                                                            \
            printf("FAIL: " __VA_ARGS__);                                                          \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

static int affected_by(struct vg_match_index *ix, const char *name, const char *v, const char *id)
{
    struct vg_match_hit h[64];
    size_t n = 0;
    struct vg_err err = {0};
    if (vg_match_query(ix, VG_ECO_MAVEN, name, strlen(name), v, strlen(v), h, 64, &n, &err)) {
        printf("query %s@%s: %s\n", name, v, err.msg);
        return -1;
    }
    for (size_t i = 0; i < n && i < 64; i++)
        if (strcmp(vg_match_advisory(ix, h[i].adv)->id, id) == 0)
            return 1;
    return 0;
}

static void log4shell(const char *td)
{
    char path[1024];
    json_error_t je;
    json_t *doc;
    struct vg_match_index *ix = vg_match_index_new();
    const char *yes[] = {"2.14.1", "2.12.1", "2.3", "2.0-beta9", "2.0", "2.13.0", "2.14.0"};
    const char *no[] = {"2.3.1", "2.12.2", "2.15.0", "2.16.0", "2.17.1", "3.0.0"};
    const char *pkg = "org.apache.logging.log4j:log4j-core";

    snprintf(path, sizeof(path), "%s/osv-records/GHSA-jfh8-c2jp-5v3q.json", td);
    doc = json_load_file(path, 0, &je);
    CHECK(doc != NULL, "%s: %s", path, je.text);
    if (doc == NULL)
        goto out;
    CHECK(vg_match_index_add_doc(ix, doc, NULL) == VG_OK, "index GHSA-jfh8-c2jp-5v3q");
    json_decref(doc);
    vg_match_index_finish(ix, NULL);
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        CHECK(affected_by(ix, pkg, yes[i], "GHSA-jfh8-c2jp-5v3q") == 1,
              "Log4Shell: log4j-core %s must be affected", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        CHECK(affected_by(ix, pkg, no[i], "GHSA-jfh8-c2jp-5v3q") == 0,
              "Log4Shell: log4j-core %s must not be affected", no[i]);
    CHECK(affected_by(ix, "org.apache.logging.log4j:log4j-api", "2.14.1", "GHSA-jfh8-c2jp-5v3q") == 0,
          "Log4Shell: log4j-api is not listed");
    printf("log4shell: %zu affected and %zu unaffected versions checked\n",
           sizeof(yes) / sizeof(yes[0]), sizeof(no) / sizeof(no[0]));
out:
    vg_match_index_free(ix);
}

struct probe {
    int eco;
    const char *name;
    const char *version;
};

struct entry {
    int eco;
    char norm[VG_MATCH_NAME_MAX];
    size_t nlen;
    size_t vuln;
    struct vg_ranges r;
};

static int u64cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void differential(const char *td)
{
    char path[1024];
    json_error_t je;
    json_t *doc, *vulns = NULL, *v, *aff;
    struct vg_match_index *ix = vg_match_index_new();
    struct vg_match_comps *comps = vg_match_comps_new();
    struct vg_arena *a = vg_arena_new(0);
    struct probe *pr = NULL;
    size_t np = 0, cap = 0, i, j, checks = 0, hits = 0;
    struct entry *ent = NULL;
    size_t nent = 0, *adv2v = NULL, nadv2v = 0, nvulns = 0;
    uint64_t **fwd = NULL; /* per advisory: probes the forward index puts inside */
    size_t *nfwd = NULL;

    snprintf(path, sizeof(path), "%s/osv-records/osv-scalibr-zeppelin-server-vulnerabilities.json",
             td);
    doc = json_load_file(path, 0, &je);
    CHECK(doc != NULL, "%s: %s", path, je.text);
    if (doc == NULL)
        goto out;
    vulns = json_object_get(doc, "vulns");
    nvulns = json_array_size(vulns);
    CHECK(vg_match_index_add_doc(ix, doc, NULL) == VG_OK, "index zeppelin");
    vg_match_index_finish(ix, NULL);
    {
        struct vg_match_stats st;
        vg_match_index_stats(ix, &st);
        printf("zeppelin: %zu advisories, %zu affected entries, %zu skipped%s%s, %zu packages, "
               "%zu intervals, %zu bytes (%.0f per advisory)\n",
               st.advisories, st.affected, st.skipped, st.first_skip ? ": " : "",
               st.first_skip ? st.first_skip : "", st.packages, st.intervals, st.bytes,
               st.bytes_per_advisory);
        CHECK(st.advisories == 356, "356 advisories indexed (got %zu)", st.advisories);
    }
    /* probes: every version any entry names, for that entry's package */
    json_array_foreach(vulns, i, v)
    {
        json_array_foreach(json_object_get(v, "affected"), j, aff)
        {
            json_t *pkg = json_object_get(aff, "package"), *r, *e, *x;
            const char *es = json_string_value(json_object_get(pkg, "ecosystem"));
            int eco = es ? vg_eco_parse(es, strlen(es)) : -1;
            size_t k, m;
            if (eco < 0)
                continue;
#define ADD(s)                                                                                     \
    do {                                                                                           \
        if (np == cap) {                                                                           \
            cap = cap ? 2 * cap : 1024;                                                            \
            pr = vg_xrealloc(pr, cap * sizeof(*pr));                                               \
        }                                                                                          \
        pr[np].eco = eco;                                                                          \
        pr[np].name = json_string_value(json_object_get(pkg, "name"));                             \
        pr[np].version = (s);                                                                      \
        np++;                                                                                      \
    } while (0)
            json_array_foreach(json_object_get(aff, "versions"), k, x) if (k % 4 == 0)
                ADD(json_string_value(x)); /* a quarter of the listed versions suffices */
            json_array_foreach(json_object_get(aff, "ranges"), k, r)
                json_array_foreach(json_object_get(r, "events"), m, e)
            {
                const char *key;
                json_t *val;
                json_object_foreach(e, key, val) if (json_is_string(val) &&
                                                     strcmp(json_string_value(val), "0") != 0)
                    ADD(json_string_value(val));
            }
        }
    }
    /* advisory number -> position in the file */
    {
        const struct vg_match_advisory *ad;
        while ((ad = vg_match_advisory(ix, (uint32_t)nadv2v)) != NULL) {
            adv2v = vg_xrealloc(adv2v, (nadv2v + 1) * sizeof(*adv2v));
            adv2v[nadv2v] = 0;
            json_array_foreach(vulns, i, v) if (strcmp(json_string_value(json_object_get(v, "id")),
                                                       ad->id) == 0) adv2v[nadv2v] = i;
            nadv2v++;
        }
    }
    /* every affected entry's ranges, built once, for the brute force */
    json_array_foreach(vulns, i, v)
        nent += json_array_size(json_object_get(v, "affected"));
    ent = vg_xcalloc(nent + 1, sizeof(*ent));
    nent = 0;
    json_array_foreach(vulns, i, v)
    {
        json_array_foreach(json_object_get(v, "affected"), j, aff)
        {
            json_t *pkg = json_object_get(aff, "package");
            const char *es = json_string_value(json_object_get(pkg, "ecosystem"));
            const char *nm = json_string_value(json_object_get(pkg, "name"));
            struct entry *x = &ent[nent];
            if (es == NULL || nm == NULL || (x->eco = vg_eco_parse(es, strlen(es))) < 0 ||
                vg_match_norm_name(x->eco, nm, strlen(nm), x->norm, sizeof(x->norm), &x->nlen) ||
                vg_ranges_from_osv(aff, -1, a, &x->r, NULL) != VG_OK)
                continue;
            x->vuln = i;
            nent++;
        }
    }
    fwd = vg_xcalloc(json_array_size(vulns) + 1, sizeof(*fwd));
    nfwd = vg_xcalloc(json_array_size(vulns) + 1, sizeof(*nfwd));
    for (size_t p = 0; p < np; p++)
        vg_match_comps_add(comps, pr[p].eco, pr[p].name, strlen(pr[p].name), pr[p].version,
                           strlen(pr[p].version), p, NULL);
    vg_match_comps_finish(comps, NULL);

    /* forward index vs brute force, per probe */
    for (size_t p = 0; p < np; p++) {
        struct vg_match_hit h[512];
        size_t n = 0;
        char *got, *want;
        size_t gl = 0, wl = 0;
        struct vg_err err = {0};
        if (vg_match_query(ix, pr[p].eco, pr[p].name, strlen(pr[p].name), pr[p].version,
                           strlen(pr[p].version), h, 512, &n, &err) != VG_OK)
            continue; /* not a valid version of the ecosystem: the brute force skips it too */
        char pn[VG_MATCH_NAME_MAX];
        size_t pn_len = 0;
        if (vg_match_norm_name(pr[p].eco, pr[p].name, strlen(pr[p].name), pn, sizeof(pn),
                               &pn_len) != VG_OK)
            continue;
        got = calloc(json_array_size(vulns) + 1, 1);
        want = calloc(json_array_size(vulns) + 1, 1);
        for (size_t k = 0; k < n && k < 512; k++)
            if (h[k].adv < nadv2v)
                got[adv2v[h[k].adv]] = 1;
        for (size_t k = 0; k < nent; k++) {
            int inside = 0;
            if (ent[k].eco != pr[p].eco || ent[k].nlen != pn_len ||
                memcmp(ent[k].norm, pn, pn_len) != 0)
                continue;
            if (vg_ranges_contain_version(&ent[k].r, pr[p].version, strlen(pr[p].version), &inside,
                                          NULL) == VG_OK &&
                inside)
                want[ent[k].vuln] = 1;
        }
        for (i = 0; i < json_array_size(vulns); i++) {
            gl += got[i];
            wl += want[i];
            if (got[i]) {
                fwd[i] = vg_xrealloc(fwd[i], (nfwd[i] + 1) * sizeof(**fwd));
                fwd[i][nfwd[i]++] = p;
            }
            if (got[i] != want[i]) {
                CHECK(0, "%s %s@%s: index says %d, brute force %d for %s", vg_eco_name(pr[p].eco),
                      pr[p].name, pr[p].version, got[i], want[i],
                      json_string_value(json_object_get(json_array_get(vulns, i), "id")));
            }
        }
        checks++;
        hits += gl;
        free(got);
        free(want);
        (void)wl;
    }
    /* reverse index vs forward index, per advisory */
    json_array_foreach(vulns, i, v)
    {
        uint64_t *ids;
        size_t n = 0, m = nfwd[i];
        const char *id = json_string_value(json_object_get(v, "id"));
        CHECK(vg_match_comps_affected(comps, v, a, &ids, &n, NULL) == VG_OK, "reverse %s", id);
        if (m)
            qsort(fwd[i], m, sizeof(**fwd), u64cmp);
        CHECK(m == n && (n == 0 || memcmp(fwd[i], ids, n * sizeof(*ids)) == 0),
              "%s: reverse index finds %zu components, forward %zu", id, n, m);
        vg_arena_reset(a);
    }
    printf("zeppelin: %zu probes checked, %zu advisory hits, forward = reverse = brute force\n",
           checks, hits);
    CHECK(checks > 5000, "at least 5000 probes (got %zu)", checks);
    json_decref(doc);
out:
    if (fwd)
        for (i = 0; i < nvulns; i++)
            free(fwd[i]);
    free(fwd);
    free(nfwd);
    free(ent);
    free(adv2v);
    free(pr);
    vg_arena_free(a);
    vg_match_comps_free(comps);
    vg_match_index_free(ix);
}

int main(void)
{
    const char *td = vg_testdata("osv-records/GHSA-jfh8-c2jp-5v3q.json");
    log4shell(td);
    differential(td);
    printf("%s (%d failures)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
