/* bench/json: decode speed of vg_jscan_parse (src/core/jscan.c) against
 * vg_json_parse (jansson, what it replaces) on the same files, in the same
 * process. Each decode includes freeing the result (json_decref; freeing the
 * arena), as a request does. Prints MB/s for both and the ratio; checks first
 * that both accept each file. With -s SBOM, also times vg_sbom_parse against
 * the jansson-based reader it replaced (tests/unit/sbom/sbom_ref.c) on SBOM.
 * Usage: bench_json SECONDS [-s SBOM] FILE... */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/jscan.h"
#include "engine/sbom/sbom.h"

int vg_sbom_parse_ref(const char *buf, size_t n, struct vg_arena *a, struct vg_sbom *out,
                      struct vg_err *err);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    size_t cap = 0, len = 0, r;
    if (f == NULL)
        return NULL;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            b = realloc(b, cap);
            if (b == NULL)
                abort();
        }
        r = fread(b + len, 1, cap - len, f);
        len += r;
    } while (r > 0);
    fclose(f);
    *n = len;
    return b;
}

static int jansson_once(const char *b, size_t n)
{
    json_t *v;
    struct vg_err e = {0};
    if (vg_json_parse(b, n, &v, &e) != VG_OK)
        return -1;
    json_decref(v);
    return 0;
}

static int jscan_once(const char *b, size_t n)
{
    struct vg_arena *a = vg_arena_new(1 << 16);
    const struct vg_jval *v;
    struct vg_err e = {0};
    int rc = vg_jscan_parse(b, n, a, NULL, &v, NULL, &e);
    vg_arena_free(a);
    return rc;
}

static int sbom_once(const char *b, size_t n)
{
    struct vg_arena *a = vg_arena_new(1 << 16);
    struct vg_sbom s;
    struct vg_err e = {0};
    int rc = vg_sbom_parse(b, n, a, &s, &e);
    vg_arena_free(a);
    return rc;
}

static int sbom_ref_once(const char *b, size_t n)
{
    struct vg_arena *a = vg_arena_new(1 << 16);
    struct vg_sbom s;
    struct vg_err e = {0};
    int rc = vg_sbom_parse_ref(b, n, a, &s, &e);
    vg_arena_free(a);
    return rc;
}

/* MB/s of fn over buf for about secs seconds (at least 3 runs). */
static double rate(int (*fn)(const char *, size_t), const char *b, size_t n, double secs)
{
    double t0 = now(), t;
    long runs = 0;
    do {
        fn(b, n);
        runs++;
        t = now() - t0;
    } while (t < secs || runs < 3);
    return (double)n * (double)runs / t / 1e6;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0, prod = 1.0;
    int files = 0, rc = 0;
    const char *sbom = NULL;
    int first = 2;
    if (argc > 3 && strcmp(argv[2], "-s") == 0) {
        sbom = argv[3];
        first = 4;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: bench_json SECONDS [-s SBOM] FILE...\n");
        return 2;
    }
    printf("%-44s %9s %12s %12s %7s\n", "file", "MB", "jansson MB/s", "jscan MB/s", "ratio");
    for (int i = first; i < argc; i++) {
        size_t n;
        char *b = slurp(argv[i], &n);
        const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        struct vg_err e = {0};
        json_t *v;
        if (b == NULL) {
            fprintf(stderr, "bench/json: cannot read %s\n", argv[i]);
            rc = 1;
            continue;
        }
        if (vg_json_parse(b, n, &v, &e) != VG_OK || jscan_once(b, n) != VG_OK) {
            fprintf(stderr, "bench/json: %s is not accepted by both (%s)\n", argv[i], e.msg);
            free(b);
            rc = 1;
            continue;
        }
        json_decref(v);
        double j = rate(jansson_once, b, n, secs), s = rate(jscan_once, b, n, secs);
        printf("%-44.44s %9.2f %12.1f %12.1f %6.1fx\n", name, (double)n / 1e6, j, s, s / j);
        prod *= s / j;
        files++;
        free(b);
    }
    if (files > 1) {
        double g = pow(prod, 1.0 / files); /* geometric mean of the ratios */
        printf("%-44s %9s %12s %12s %6.1fx\n", "geometric mean", "", "", "", g);
    }
    if (sbom) {
        size_t n;
        char *b = slurp(sbom, &n);
        struct vg_arena *a = vg_arena_new(1 << 16);
        struct vg_sbom s;
        struct vg_err e = {0};
        if (b == NULL || vg_sbom_parse(b, n, a, &s, &e) != VG_OK) {
            fprintf(stderr, "bench/json: %s is not a readable SBOM (%s)\n", sbom, e.msg);
            return 1;
        }
        size_t comps = s.n;
        vg_arena_free(a);
        double r = rate(sbom_ref_once, b, n, secs), j = rate(sbom_once, b, n, secs);
        printf("\nvg_sbom_parse, %zu components (%.2f MB): jansson-based %.2f ms, on jscan %.2f ms, "
               "%.1fx\n",
               comps, (double)n / 1e6, (double)n / r / 1e3, (double)n / j / 1e3, j / r);
        free(b);
    }
    return rc;
}
