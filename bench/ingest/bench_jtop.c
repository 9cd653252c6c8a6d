/* bench/ingest: the parts of reading a big STIX bundle (src/core/jscan.c) on
 * the request's path, in one process: the whole parse (vg_jscan_parse, what
 * the submission did first before), the top-level scan alone (vg_jscan_top:
 * what the request thread does now before the pipeline starts) and the
 * parse of every object from its span (vg_jscan_parse_span, now done by the
 * preparing thread, an arena reset per 256 objects, the parser's scratch
 * kept from one to the next). Prints seconds and MB/s
 * of each and the peak of arena memory. Usage: bench_jtop FILE [ROUNDS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/jscan.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long len;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
        return NULL;
    b = malloc((size_t)len + 1);
    if (b == NULL || fread(b, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(b);
        return NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return b;
}

int main(int argc, char **argv)
{
    size_t n, rounds = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 3;
    char *s = argc > 1 ? slurp(argv[1], &n) : NULL;
    double best[3] = {1e9, 1e9, 1e9};
    size_t used[3] = {0, 0, 0}, items = 0;
    if (s == NULL) {
        fprintf(stderr, "usage: bench_jtop FILE [ROUNDS]\n");
        return 2;
    }
    for (size_t r = 0; r < rounds; r++) {
        struct vg_arena *a = vg_arena_new(0);
        const struct vg_jval *v;
        struct vg_err e = {0};
        struct vg_jtop t;
        double t0 = now();
        if (vg_jscan_parse(s, n, a, NULL, &v, NULL, &e) != VG_OK) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        double t1 = now();
        used[0] = vg_arena_used(a);
        vg_arena_free(a);
        double t2 = now();
        if (vg_jscan_top(s, n, "objects", &t) != VG_OK || t.arr == (size_t)-1) {
            fprintf(stderr, "vg_jscan_top: no objects list\n");
            return 1;
        }
        double t3 = now();
        used[1] = t.nitem * sizeof(struct vg_jspan);
        items = t.nitem;
        a = vg_arena_new(1 << 20);
        struct vg_jscan_keep keep = {0};
        const struct vg_jscan_opt opt = {.keep = &keep};
        for (size_t i = 0; i < t.nitem; i++) {
            if (i % 256 == 0) {
                if (vg_arena_used(a) > used[2])
                    used[2] = vg_arena_used(a);
                vg_arena_reset(a);
            }
            if (vg_jscan_parse_span(s, t.item[i], 2, ']', a, &opt, &v, NULL, &e) != VG_OK) {
                fprintf(stderr, "%s\n", e.msg);
                return 1;
            }
        }
        double t4 = now();
        vg_jscan_keep_free(&keep);
        vg_arena_free(a);
        vg_jtop_free(&t);
        if (t1 - t0 < best[0])
            best[0] = t1 - t0;
        if (t3 - t2 < best[1])
            best[1] = t3 - t2;
        if (t4 - t3 < best[2])
            best[2] = t4 - t3;
    }
    printf("%s: %.1f MB, %zu objects (best of %zu)\n", argv[1], n / 1e6, items, rounds);
    printf("  whole parse       %7.3f s  %7.0f MB/s  arena %zu MB\n", best[0], n / 1e6 / best[0],
           used[0] >> 20);
    printf("  top-level scan    %7.3f s  %7.0f MB/s  spans %zu MB\n", best[1], n / 1e6 / best[1],
           used[1] >> 20);
    printf("  spans, one by one %7.3f s  %7.0f MB/s  arena %zu KB per 256 objects\n", best[2],
           n / 1e6 / best[2], used[2] >> 10);
    free(s);
    return 0;
}
