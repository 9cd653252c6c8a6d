/* In-process matcher benchmark: loads an OSV database (osv-offline NeDB
 * files, one document per line), then measures single-core component checks
 * per second (name normalisation + hash lookup + version key + binary search)
 * over the components of an SBOM, and the reverse index. Prints key=value
 * lines for bench/scan/run.sh. Not a test: no assertions on time.
 * Usage: bench_scan NEDB_DIR SBOM [SECONDS [LOAD_THREADS]] */
#include "core/arena.h"
#include "core/util.h"
#include "engine/match/match.h"
#include "engine/sbom/sbom.h"
#include "engine/version/version.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: on a shared machine the wall clock also counts
 * other processes' turns; one core's work is what the targets are about. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *p;
    if (f == NULL || fstat(fileno(f), &st) != 0) {
        perror(path);
        exit(2);
    }
    p = vg_xmalloc((size_t)st.st_size + 1);
    if (fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        perror(path);
        exit(2);
    }
    fclose(f);
    p[st.st_size] = '\0';
    *n = (size_t)st.st_size;
    return p;
}

struct comp {
    int eco;
    const char *name, *version;
};

/* Loading as vigil scan does it: the files cut into ~4 MB runs of lines,
 * dealt round-robin to one index per thread, merged at the end. */
struct piece {
    const char *p;
    size_t n;
};

struct job {
    struct piece *pc;
    size_t npc, first, step, bad;
    struct vg_match_index *ix;
};

static void *job_run(void *arg)
{
    struct job *j = arg;
    for (size_t i = j->first; i < j->npc; i += j->step)
        vg_match_index_add_buffer(j->ix, j->pc[i].p, j->pc[i].n, &j->bad, NULL);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *dir, *sbom_path;
    double secs = argc > 3 ? strtod(argv[3], NULL) : 2.0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t threads = argc > 4 ? (size_t)strtoul(argv[4], NULL, 10)
                              : (ncpu < 1 ? 1 : ncpu > 16 ? 16 : (size_t)ncpu);
    DIR *d;
    struct dirent *e;
    char *bufs[64];
    size_t lens[64], nb = 0, total = 0, bad = 0;
    struct vg_match_index *ix;
    struct vg_match_stats st;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_sbom sbom;
    struct vg_err err = {0};
    struct comp *cs;
    size_t nc = 0, found = 0, vulnerable = 0;
    double t0, t1, t2;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_scan NEDB_DIR SBOM [SECONDS [LOAD_THREADS]]\n");
        return 2;
    }
    dir = argv[1];
    sbom_path = argv[2];
    json_object_seed(1);

    /* components, resolved once, before the database is read (as vigil scan
     * does: the SBOM first), so that where their strings land in memory does
     * not depend on what indexing left behind */
    {
        size_t n;
        char *sb = slurp(sbom_path, &n);
        if (vg_sbom_parse(sb, n, a, &sbom, &err) != VG_OK) {
            fprintf(stderr, "%s: %s\n", sbom_path, err.msg);
            return 2;
        }
        cs = vg_xcalloc(sbom.n + 1, sizeof(*cs));
        for (size_t i = 0; i < sbom.n; i++) {
            const char *name, *ver;
            int eco;
            if (sbom.c[i].purl &&
                vg_match_purl_pkg(&sbom.c[i].p, a, &eco, &name, &ver, NULL) == VG_OK && ver) {
                cs[nc].eco = eco;
                cs[nc].name = name;
                cs[nc].version = ver;
                nc++;
            }
        }
        free(sb);
    }
    /* read the files first: load time below is parse + index, not disk */
    d = opendir(dir);
    if (d == NULL) {
        perror(dir);
        return 2;
    }
    while ((e = readdir(d)) != NULL && nb < 64) {
        char path[4096];
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".nedb") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        bufs[nb] = slurp(path, &lens[nb]);
        total += lens[nb];
        nb++;
    }
    closedir(d);

    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    t0 = now();
    {
        struct piece *pc = NULL;
        size_t npc = 0, cap = 0, nt = threads;
        struct job jobs[16];
        pthread_t th[16];
        for (size_t i = 0; i < nb; i++)
            for (size_t o = 0; o < lens[i];) {
                size_t e = o + ((size_t)4 << 20) < lens[i] ? o + ((size_t)4 << 20) : lens[i];
                const char *nl = e < lens[i] ? memchr(bufs[i] + e, '\n', lens[i] - e) : NULL;
                e = nl ? (size_t)(nl - bufs[i]) + 1 : lens[i];
                if (npc == cap) {
                    cap = cap ? 2 * cap : 64;
                    pc = vg_xrealloc(pc, cap * sizeof(*pc));
                }
                pc[npc].p = bufs[i] + o;
                pc[npc].n = e - o;
                npc++;
                o = e;
            }
        for (size_t t = 0; t < nt; t++) {
            jobs[t] = (struct job){pc, npc, t, nt, 0, vg_match_index_new()};
            if (t)
                pthread_create(&th[t], NULL, job_run, &jobs[t]);
        }
        job_run(&jobs[0]);
        ix = jobs[0].ix;
        for (size_t t = 1; t < nt; t++) {
            pthread_join(th[t], NULL);
            vg_match_index_merge(ix, jobs[t].ix, NULL);
        }
        for (size_t t = 0; t < nt; t++)
            bad += jobs[t].bad;
        free(pc);
    }
    vg_match_index_finish(ix, &err);
    t1 = now();
    getrusage(RUSAGE_SELF, &ru1);
    vg_match_index_stats(ix, &st);
    printf("db_bytes=%zu\n", total);
    printf("advisories=%zu\nwithdrawn=%zu\npackages=%zu\naffected=%zu\nintervals=%zu\n",
           st.advisories, st.withdrawn, st.packages, st.affected, st.intervals);
    printf("skipped=%zu\nmalformed=%zu\n", st.skipped, bad);
    printf("load_threads=%zu\nload_seconds=%.3f\nload_cpu_seconds=%.3f\n", threads, t1 - t0,
           (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
               (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
               (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
               (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6);
    printf("index_bytes=%zu\nbytes_per_advisory=%.0f\n", st.bytes, st.bytes_per_advisory);

    printf("components=%zu\n", nc);
    for (size_t i = 0; i < nc; i++) {
        struct vg_match_hit h[256];
        size_t nh = 0;
        if (vg_match_query(ix, cs[i].eco, cs[i].name, strlen(cs[i].name), cs[i].version,
                           strlen(cs[i].version), h, 256, &nh, NULL) == VG_OK) {
            found += nh;
            vulnerable += nh > 0;
        }
    }
    printf("vulnerable_components=%zu\nadvisory_matches=%zu\n", vulnerable, found);

    /* single-core checks per second, batched as vigil scan asks them */
    {
        struct vg_match_q *qs = vg_xcalloc(nc + 1, sizeof(*qs));
        struct vg_match_hit *hh = vg_xcalloc((nc + 1) * 8, sizeof(*hh));
        size_t *counts = vg_xcalloc(nc + 1, sizeof(*counts)), checks = 0, found2 = 0;
        int *rcs = vg_xcalloc(nc + 1, sizeof(*rcs));
        double u1, u2;
        for (size_t i = 0; i < nc; i++)
            qs[i] = (struct vg_match_q){cs[i].eco, cs[i].name, strlen(cs[i].name), cs[i].version,
                                        strlen(cs[i].version)};
        vg_match_query_many(ix, qs, nc, hh, 8, counts, rcs);
        for (size_t i = 0; i < nc; i++)
            found2 += counts[i];
        u1 = cpu();
        t1 = now();
        do {
            vg_match_query_many(ix, qs, nc, hh, 8, counts, rcs);
            checks += nc;
            u2 = cpu();
        } while (u2 - u1 < secs);
        t2 = now();
        printf("batch_advisory_matches=%zu\n", found2);
        printf("checks=%zu\ncheck_seconds=%.3f\ncheck_cpu_seconds=%.3f\n", checks, t2 - t1,
               u2 - u1);
        printf("checks_per_second=%.0f\nns_per_check=%.1f\n", (double)checks / (u2 - u1),
               (u2 - u1) * 1e9 / (double)checks);
        free(qs);
        free(hh);
        free(counts);
        free(rcs);
    }
    /* one query at a time */
    {
        size_t checks = 0;
        volatile size_t sink = 0;
        double u1 = cpu(), u2;
        t1 = now();
        do {
            for (size_t i = 0; i < nc; i++) {
                struct vg_match_hit h[64];
                size_t nh = 0;
                vg_match_query(ix, cs[i].eco, cs[i].name, strlen(cs[i].name), cs[i].version,
                               strlen(cs[i].version), h, 64, &nh, NULL);
                sink += nh;
            }
            checks += nc;
            t2 = now();
            u2 = cpu();
        } while (u2 - u1 < secs);
        printf("single_checks_per_second=%.0f\nsingle_ns_per_check=%.1f\n",
               (double)checks / (u2 - u1), (u2 - u1) * 1e9 / (double)checks);
        (void)sink;
    }

    /* reverse index: register the components, then ask which ones each of the
     * first 20,000 advisories of the first file affects */
    {
        struct vg_match_comps *c = vg_match_comps_new();
        struct vg_arena *ra = vg_arena_new(0);
        size_t comps, bytes, asked = 0, hits = 0;
        double r0 = now(), r1, r2;
        for (size_t i = 0; i < nc; i++)
            vg_match_comps_add(c, cs[i].eco, cs[i].name, strlen(cs[i].name), cs[i].version,
                               strlen(cs[i].version), i, NULL);
        vg_match_comps_finish(c, NULL);
        r1 = now();
        vg_match_comps_stats(c, &comps, &bytes);
        printf("reverse_register_seconds=%.4f\nreverse_components=%zu\nbytes_per_component=%.0f\n",
               r1 - r0, comps, comps ? (double)bytes / (double)comps : 0.0);
        {
            json_t **recs = vg_xcalloc(20000, sizeof(*recs));
            size_t nr = 0;
            for (size_t f = 0; f < nb && nr < 20000; f++) {
                const char *p = bufs[f], *end = bufs[f] + lens[f];
                while (p < end && nr < 20000) {
                    const char *nl = memchr(p, '\n', (size_t)(end - p));
                    json_error_t je;
                    size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
                    recs[nr] = json_loadb(p, l, 0, &je);
                    if (recs[nr])
                        nr++;
                    p += l + 1;
                }
            }
            r1 = now();
            for (size_t i = 0; i < nr; i++) {
                uint64_t *ids;
                size_t n;
                if (vg_match_comps_affected(c, recs[i], ra, &ids, &n, NULL) == VG_OK)
                    hits += n;
                asked++;
                if ((i & 255) == 255)
                    vg_arena_reset(ra);
            }
            r2 = now();
            printf("reverse_advisories=%zu\nreverse_hits=%zu\nreverse_us_per_advisory=%.2f\n",
                   asked, hits, asked ? (r2 - r1) * 1e6 / (double)asked : 0.0);
            for (size_t i = 0; i < nr; i++)
                json_decref(recs[i]);
            free(recs);
        }
        vg_match_comps_free(c);
        vg_arena_free(ra);
    }

    for (size_t i = 0; i < nb; i++)
        free(bufs[i]);
    free(cs);
    vg_match_index_free(ix);
    vg_arena_free(a);
    return 0;
}
