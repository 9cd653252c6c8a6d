/* libFuzzer driver for engine/match: any buffer of OSV records (one document
 * or one per line) is indexed or skipped without crashing or leaking; every
 * hit names an advisory that exists; the batched queries answer exactly as
 * one at a time; the reverse index takes the same input. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "engine/match/match.h"
#include "engine/version/version.h"

static const char *const probes[] = {"0.1", "1.2.3", "2.14.1", "3.0.0-rc.1", "1:2.3-4"};
static const int ecos[] = {VG_ECO_NPM, VG_ECO_MAVEN, VG_ECO_PYPI, VG_ECO_GO, VG_ECO_DEBIAN};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_match_index *ix = vg_match_index_new();
    struct vg_match_comps *c = vg_match_comps_new();
    struct vg_arena *a = vg_arena_new(0);
    struct vg_err err = {0};
    size_t bad = 0, id = 0;
    const char *names[] = {"a", "pkg", "org.x:y", "@s/n", "foo-bar"};
    json_error_t je;
    json_t *doc;

    struct vg_match_q qs[5 * 5 * 5];
    size_t nq = 0, counts[5 * 5 * 5];
    int rcs[5 * 5 * 5];
    struct vg_match_hit hh[5 * 5 * 5 * 2];

    vg_match_index_add_buffer(ix, (const char *)data, size, &bad, &err);
    vg_match_index_finish(ix, &err);
    for (size_t e = 0; e < sizeof(ecos) / sizeof(ecos[0]); e++)
        for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++)
            for (size_t p = 0; p < sizeof(probes) / sizeof(probes[0]); p++) {
                struct vg_match_hit h[8];
                size_t nh = 0;
                if (vg_match_query(ix, ecos[e], names[n], strlen(names[n]), probes[p],
                                   strlen(probes[p]), h, 8, &nh, NULL) == VG_OK)
                    for (size_t k = 0; k < nh && k < 8; k++)
                        if (vg_match_advisory(ix, h[k].adv) == NULL)
                            abort();
                vg_match_comps_add(c, ecos[e], names[n], strlen(names[n]), probes[p],
                                   strlen(probes[p]), id++, NULL);
                qs[nq++] = (struct vg_match_q){ecos[e], names[n], strlen(names[n]), probes[p],
                                               strlen(probes[p])};
            }
    vg_match_query_many(ix, qs, nq, hh, 2, counts, rcs);
    for (size_t i = 0; i < nq; i++) {
        struct vg_match_hit h[2];
        size_t nh = 0;
        int rc = vg_match_query(ix, qs[i].eco, qs[i].name, qs[i].nlen, qs[i].version,
                                qs[i].vlen, h, 2, &nh, NULL);
        if (rc != rcs[i] || nh != counts[i])
            abort();
        for (size_t k = 0; k < nh && k < 2; k++)
            if (h[k].adv != hh[2 * i + k].adv || h[k].aff != hh[2 * i + k].aff)
                abort();
    }
    vg_match_comps_finish(c, NULL);
    doc = json_loadb((const char *)data, size, 0, &je);
    if (doc) {
        uint64_t *ids;
        size_t n;
        if (json_is_object(doc))
            vg_match_comps_affected(c, doc, a, &ids, &n, NULL);
        json_decref(doc);
    }
    vg_arena_free(a);
    vg_match_comps_free(c);
    vg_match_index_free(ix);
    return 0;
}
