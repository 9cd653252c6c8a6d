/* `vigil scan FILE --db PATH [--format table|json]`: offline scan of an SBOM
 * (CycloneDX / SPDX JSON, or one purl per line) against an OSV database (a
 * directory of OSV JSON files, recursive; a zip of them; or osv-offline NeDB
 * files, one JSON document per line). Exit 0 nothing found, 1 findings, 2
 * error. Not for: matching rules (engine/match) or SBOM syntax (engine/sbom). */
#include "cli/cli.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/util.h"
#include "engine/match/match.h"
#include "engine/sbom/sbom.h"
#include "engine/version/version.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <zip.h>

#define DB_FILE_MAX ((size_t)2 << 30) /* one database file */
#define DB_DEPTH_MAX 32
#define BATCH_HITS 16 /* hits kept per component by the batch; more are asked again */

/* A piece of the database text to index: a whole file, a zip entry, or a
 * run of lines of a NeDB / JSON-lines file (split so that threads share it). */
struct work {
    char *buf;   /* owned when own is set */
    size_t n;
    int own;
    char *where; /* file (and entry) name, owned */
};

struct map {
    void *p;
    size_t n;
};

struct loader {
    struct work *w;
    size_t nw, capw;
    struct map *maps; /* files mapped rather than read: unmapped by free_work */
    size_t nmaps, capmaps;
    size_t files, bytes, bad;
    int progress;     /* stderr is a terminal */
    double last_draw; /* seconds */
    char bad_msg[512];
};

#define CHUNK ((size_t)4 << 20)
#define THREADS_MAX 16

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void draw(struct loader *l, int final)
{
    double t;
    if (!l->progress)
        return;
    t = now_s();
    if (!final && t - l->last_draw < 0.1)
        return;
    l->last_draw = t;
    fprintf(stderr, "\r\033[Kreading advisories: %zu files, %zu MB", l->files, l->bytes >> 20);
    if (final)
        fputc('\n', stderr);
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static void push_work(struct loader *l, char *buf, size_t n, int own, const char *where)
{
    if (l->nw == l->capw) {
        l->capw = l->capw ? l->capw * 2 : 64;
        l->w = vg_xrealloc(l->w, l->capw * sizeof(*l->w));
    }
    l->w[l->nw].buf = buf;
    l->w[l->nw].n = n;
    l->w[l->nw].own = own;
    l->w[l->nw].where = vg_xstrdup(where);
    l->nw++;
}

/* Takes buf (malloc'd when own, else a mapping the loader unmaps). One
 * document per line (split) or one document. */
static void load_buffer(struct loader *l, char *buf, size_t n, const char *where, int lines,
                        int own)
{
    size_t i = 0;
    l->files++;
    l->bytes += n;
    if (!lines || n <= CHUNK) {
        push_work(l, buf, n, own, where);
    } else {
        while (i < n) {
            size_t e = i + CHUNK < n ? i + CHUNK : n;
            const char *nl;
            if (e < n && (nl = memchr(buf + e, '\n', n - e)) != NULL)
                e = (size_t)(nl - buf) + 1;
            else
                e = n;
            push_work(l, buf + i, e - i, own && i == 0, where);
            i = e;
        }
    }
    draw(l, 0);
}

struct job {
    struct loader *l;
    struct vg_match_index *ix;
    size_t first, step, bad;
    struct vg_err err;
};

static void *index_job(void *arg)
{
    struct job *j = arg;
    for (size_t i = j->first; i < j->l->nw; i += j->step)
        vg_match_index_add_buffer(j->ix, j->l->w[i].buf, j->l->w[i].n, &j->bad, &j->err);
    return NULL;
}

/* Indexes every piece with up to THREADS_MAX threads (one index each, pieces
 * dealt round-robin so the result does not depend on timing), then merges. */
static struct vg_match_index *index_all(struct loader *l)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = ncpu < 1 ? 1 : (size_t)ncpu;
    struct job jobs[THREADS_MAX];
    pthread_t th[THREADS_MAX];
    int started[THREADS_MAX] = {0};
    struct vg_match_index *ix;

    if (nt > THREADS_MAX)
        nt = THREADS_MAX;
    if (nt > l->nw)
        nt = l->nw ? l->nw : 1;
    for (size_t t = 0; t < nt; t++) {
        memset(&jobs[t], 0, sizeof(jobs[t]));
        jobs[t].l = l;
        jobs[t].ix = vg_match_index_new();
        jobs[t].first = t;
        jobs[t].step = nt;
    }
    for (size_t t = 1; t < nt; t++)
        started[t] = pthread_create(&th[t], NULL, index_job, &jobs[t]) == 0;
    index_job(&jobs[0]);
    for (size_t t = 1; t < nt; t++)
        if (!started[t])
            index_job(&jobs[t]); /* no thread: do its share here */
    ix = jobs[0].ix;
    for (size_t t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        vg_match_index_merge(ix, jobs[t].ix, NULL);
    }
    for (size_t t = 0; t < nt; t++) {
        l->bad += jobs[t].bad;
        if (jobs[t].bad && l->bad_msg[0] == '\0')
            snprintf(l->bad_msg, sizeof(l->bad_msg), "%.500s", jobs[t].err.msg);
    }
    return ix;
}

static void free_work(struct loader *l)
{
    for (size_t i = 0; i < l->nw; i++) {
        if (l->w[i].own)
            free(l->w[i].buf);
        free(l->w[i].where);
    }
    free(l->w);
    l->w = NULL;
    l->nw = l->capw = 0;
    for (size_t i = 0; i < l->nmaps; i++)
        munmap(l->maps[i].p, l->maps[i].n);
    free(l->maps);
    l->maps = NULL;
    l->nmaps = l->capmaps = 0;
}

/* A large regular file mapped read-only (the page cache read in place, no
 * copy and no fresh memory to fill): the mapping, or NULL when it is small
 * (a directory of 200,000 small records must not become as many mappings)
 * or cannot be mapped. */
#define MAP_MIN ((size_t)1 << 20)
static char *map_file(struct loader *l, int fd, size_t n)
{
    void *p;
    if (n < MAP_MIN)
        return NULL;
    p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return NULL;
    (void)madvise(p, n, MADV_WILLNEED);
    if (l->nmaps == l->capmaps) {
        l->capmaps = l->capmaps ? l->capmaps * 2 : 16;
        l->maps = vg_xrealloc(l->maps, l->capmaps * sizeof(*l->maps));
    }
    l->maps[l->nmaps].p = p;
    l->maps[l->nmaps].n = n;
    l->nmaps++;
    return p;
}

static int load_file(struct loader *l, const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *buf;
    size_t n;
    int rc = 0;

    if (f == NULL || fstat(fileno(f), &st) != 0) {
        fprintf(stderr, "vigil scan: %s: %s\n", path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    if ((size_t)st.st_size > DB_FILE_MAX) {
        fprintf(stderr, "vigil scan: %s: larger than %zu bytes\n", path, DB_FILE_MAX);
        fclose(f);
        return -1;
    }
    n = (size_t)st.st_size;
    buf = S_ISREG(st.st_mode) ? map_file(l, fileno(f), n) : NULL;
    if (buf) {
        load_buffer(l, buf, n, path, !has_suffix(path, ".json"), 0);
        fclose(f);
        return 0;
    }
    buf = vg_xmalloc(n + 1);
    if (fread(buf, 1, n, f) != n) {
        fprintf(stderr, "vigil scan: %s: read error\n", path);
        rc = -1;
    } else {
        load_buffer(l, buf, n, path, !has_suffix(path, ".json"), 1);
        buf = NULL;
    }
    free(buf);
    fclose(f);
    return rc;
}

static int load_zip(struct loader *l, const char *path)
{
    int zerr = 0, rc = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    zip_int64_t ne;

    if (z == NULL) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        fprintf(stderr, "vigil scan: %s: %s\n", path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return -1;
    }
    ne = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < ne && rc == 0; i++) {
        zip_stat_t zs;
        zip_file_t *zf;
        char *buf;
        size_t nl;
        if (zip_stat_index(z, (zip_uint64_t)i, 0, &zs) != 0 || !(zs.valid & ZIP_STAT_SIZE) ||
            !(zs.valid & ZIP_STAT_NAME))
            continue;
        nl = strlen(zs.name);
        if (nl < 5 || strcmp(zs.name + nl - 5, ".json") != 0)
            continue;
        if (zs.size > DB_FILE_MAX) {
            fprintf(stderr, "vigil scan: %s: %s: too large\n", path, zs.name);
            rc = -1;
            break;
        }
        zf = zip_fopen_index(z, (zip_uint64_t)i, 0);
        if (zf == NULL) {
            fprintf(stderr, "vigil scan: %s: %s: %s\n", path, zs.name, zip_strerror(z));
            rc = -1;
            break;
        }
        buf = vg_xmalloc((size_t)zs.size + 1);
        if (zip_fread(zf, buf, zs.size) != (zip_int64_t)zs.size) {
            fprintf(stderr, "vigil scan: %s: %s: read error\n", path, zs.name);
            rc = -1;
        } else {
            char where[600];
            snprintf(where, sizeof(where), "%.300s:%.290s", path, zs.name);
            load_buffer(l, buf, (size_t)zs.size, where, 0, 1);
            buf = NULL;
        }
        free(buf);
        zip_fclose(zf);
    }
    zip_close(z);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Directory: *.json files (recursively), *.zip, and NeDB files (*.db, *.nedb)
 * in name order. */
static int load_dir(struct loader *l, const char *dir, int depth)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (depth > DB_DEPTH_MAX) {
        fprintf(stderr, "vigil scan: %s: nested deeper than %d\n", dir, DB_DEPTH_MAX);
        return -1;
    }
    d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "vigil scan: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = vg_xrealloc(names, cap * sizeof(*names));
        }
        names[n++] = vg_xstrdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        size_t pl = strlen(dir) + strlen(names[i]) + 2;
        char *p = vg_xmalloc(pl);
        struct stat st;
        snprintf(p, pl, "%s/%s", dir, names[i]);
        if (rc == 0 && stat(p, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                rc = load_dir(l, p, depth + 1);
            else if (S_ISREG(st.st_mode)) {
                if (has_suffix(p, ".zip"))
                    rc = load_zip(l, p);
                else if (has_suffix(p, ".json") || has_suffix(p, ".db") ||
                         has_suffix(p, ".nedb") || has_suffix(p, ".jsonl") ||
                         has_suffix(p, ".ndjson"))
                    rc = load_file(l, p);
            }
        }
        free(p);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int load_db(struct loader *l, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "vigil scan: --db %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return load_dir(l, path, 0);
    if (has_suffix(path, ".zip"))
        return load_zip(l, path);
    return load_file(l, path);
}

struct finding_vuln {
    uint32_t adv, aff;
};

static int hit_cmp_id(const void *a, const void *b, void *ix)
{
    const struct vg_match_hit *x = a, *y = b;
    return strcmp(vg_match_advisory(ix, x->adv)->id, vg_match_advisory(ix, y->adv)->id);
}

static void json_str(struct vg_buf *b, const char *s)
{
    vg_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            vg_buf_putc(b, '\\');
            vg_buf_putc(b, (char)c);
        } else if (c < 0x20) {
            vg_buf_printf(b, "\\u%04x", c);
        } else {
            vg_buf_putc(b, (char)c);
        }
    }
    vg_buf_putc(b, '"');
}

static void usage(FILE *f)
{
    fprintf(f, "usage: vigil scan FILE --db PATH [--format table|json]\n"
               "  FILE  CycloneDX 1.2-1.6 or SPDX 2.3 JSON SBOM, or one purl per line ('-': stdin)\n"
               "  PATH  directory of OSV JSON files (recursive), a zip of them, or a directory\n"
               "        of osv-offline NeDB files (one OSV document per line)\n"
               "exit: 0 nothing found, 1 findings, 2 error\n");
}

int vg_cli_scan(int argc, char **argv)
{
    const char *file = NULL, *db = NULL, *format = "table";
    struct loader l;
    struct vg_match_index *ix = NULL;
    struct vg_sbom sbom;
    struct vg_err err = {0};
    struct vg_arena *a = NULL, *qa = NULL;
    struct vg_buf out = {0}, table = {0};
    char *buf = NULL;
    size_t n = 0, vulnerable = 0, invalid = 0, unsupported = 0, nadv = 0;
    int rc = 2;

    memset(&l, 0, sizeof(l));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db = argv[++i];
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            db = argv[i] + 5;
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
        } else if (strncmp(argv[i], "--format=", 9) == 0) {
            format = argv[i] + 9;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "vigil scan: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (file == NULL) {
            file = argv[i];
        } else {
            fprintf(stderr, "vigil scan: more than one FILE\n");
            return 2;
        }
    }
    if (file == NULL || db == NULL) {
        usage(stderr);
        return 2;
    }
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "vigil scan: --format must be table or json\n");
        return 2;
    }

    a = vg_arena_new(1u << 20);
    qa = vg_arena_new(0);
    buf = vg_cli_slurp(file, VG_SBOM_MAX_BYTES, &n);
    if (buf == NULL)
        goto out;
    if (vg_sbom_parse(buf, n, a, &sbom, &err) != VG_OK) {
        fprintf(stderr, "vigil scan: %s: %s%s%s\n", file, err.field[0] ? err.field : "",
                err.field[0] ? ": " : "", err.msg);
        goto out;
    }

    l.progress = isatty(STDERR_FILENO);
    if (load_db(&l, db) != 0)
        goto out;
    draw(&l, 1);
    if (l.progress)
        fprintf(stderr, "indexing...");
    ix = index_all(&l);
    free_work(&l);
    if (vg_match_index_finish(ix, &err) != VG_OK) {
        fprintf(stderr, "vigil scan: %s\n", err.msg);
        goto out;
    }
    if (l.progress) {
        struct vg_match_stats st;
        vg_match_index_stats(ix, &st);
        fprintf(stderr, "\r\033[K%zu advisories indexed over %zu packages\n", st.advisories,
                st.packages);
    }
    if (l.bad)
        fprintf(stderr, "vigil scan: %zu malformed database entries skipped (first: %s)\n",
                l.bad, l.bad_msg);

    vg_buf_printf(&out, "{\"components\":%zu,\"vulnerable\":", sbom.n);
    {
        /* findings are appended to fb; the count goes before them */
        struct vg_buf fb = {0};
        /* every component's package resolved first, then all asked at once
         * (the matcher overlaps their memory fetches) */
        struct vg_match_q *qs = vg_xcalloc(sbom.n + 1, sizeof(*qs));
        size_t *qof = vg_xcalloc(sbom.n + 1, sizeof(*qof)), nq = 0, *counts;
        struct vg_match_hit *hall;
        int *rcs;
        for (size_t i = 0; i < sbom.n; i++) {
            const struct vg_sbom_component *c = &sbom.c[i];
            const char *name, *version;
            int eco;
            qof[i] = SIZE_MAX;
            if (c->purl == NULL)
                continue;
            if (vg_match_purl_pkg(&c->p, qa, &eco, &name, &version, NULL) != VG_OK) {
                unsupported++;
                continue;
            }
            if (version == NULL)
                continue;
            qs[nq] = (struct vg_match_q){eco, name, strlen(name), version, strlen(version)};
            qof[i] = nq++;
        }
        counts = vg_xcalloc(nq + 1, sizeof(*counts));
        rcs = vg_xcalloc(nq + 1, sizeof(*rcs));
        hall = vg_xcalloc((nq + 1) * BATCH_HITS, sizeof(*hall));
        vg_match_query_many(ix, qs, nq, hall, BATCH_HITS, counts, rcs);
        for (size_t i = 0; i < sbom.n; i++) {
            const struct vg_sbom_component *c = &sbom.c[i];
            const struct vg_match_q *x;
            struct vg_match_hit *hp;
            const char *name, *version;
            size_t nh, k = qof[i];
            int eco;

            if (k == SIZE_MAX)
                continue;
            x = &qs[k];
            eco = x->eco;
            name = x->name;
            version = x->version;
            nh = counts[k];
            if (rcs[k] != VG_OK) {
                if (invalid++ == 0) {
                    struct vg_err qe = {0};
                    struct vg_match_hit one;
                    vg_match_query(ix, eco, name, x->nlen, version, x->vlen, &one, 1, &nh, &qe);
                    fprintf(stderr, "vigil scan: %s: %s (not matched)\n", c->path, qe.msg);
                }
                continue;
            }
            if (nh == 0)
                continue;
            hp = hall + k * BATCH_HITS;
            if (nh > BATCH_HITS) { /* a much-advised package: ask again with room for all */
                size_t all = nh;
                hp = vg_arena_alloc(qa, all * sizeof(*hp));
                vg_match_query(ix, eco, name, x->nlen, version, x->vlen, hp, all, &nh, NULL);
                if (nh > all)
                    nh = all;
            }
            qsort_r(hp, nh, sizeof(hp[0]), hit_cmp_id, ix);
            vulnerable++;
            nadv += nh;
            vg_buf_puts(&fb, vulnerable > 1 ? ",{\"purl\":" : "{\"purl\":");
            json_str(&fb, c->purl);
            vg_buf_puts(&fb, ",\"ecosystem\":");
            json_str(&fb, vg_eco_name(eco));
            vg_buf_puts(&fb, ",\"name\":");
            json_str(&fb, name);
            vg_buf_puts(&fb, ",\"version\":");
            json_str(&fb, version);
            vg_buf_puts(&fb, ",\"vulns\":[");
            for (size_t h = 0; h < nh; h++) {
                const struct vg_match_advisory *ad = vg_match_advisory(ix, hp[h].adv);
                const char *const *fixed;
                size_t nf;
                vg_match_fixed(ix, hp[h].aff, &fixed, &nf);
                vg_buf_puts(&fb, h ? ",{\"id\":" : "{\"id\":");
                json_str(&fb, ad->id);
                vg_buf_puts(&fb, ",\"aliases\":[");
                for (size_t k = 0; k < ad->naliases; k++) {
                    if (k)
                        vg_buf_putc(&fb, ',');
                    json_str(&fb, ad->aliases[k]);
                }
                vg_buf_puts(&fb, "],\"fixed\":[");
                for (size_t k = 0; k < nf; k++) {
                    if (k)
                        vg_buf_putc(&fb, ',');
                    json_str(&fb, fixed[k]);
                }
                vg_buf_puts(&fb, "],\"severity\":");
                if (ad->severity)
                    json_str(&fb, ad->severity);
                else
                    vg_buf_puts(&fb, "null");
                vg_buf_putc(&fb, '}');

                /* table row */
                vg_buf_printf(&table, "%-60s  %-20s  %-9s  ", h ? "" : c->purl, ad->id,
                              ad->severity && strlen(ad->severity) < 10 ? ad->severity : "-");
                for (size_t k = 0; k < ad->naliases && k < 2; k++)
                    vg_buf_printf(&table, "%s%s", k ? "," : "", ad->aliases[k]);
                if (ad->naliases == 0)
                    vg_buf_puts(&table, "-");
                vg_buf_puts(&table, "  ");
                for (size_t k = 0; k < nf; k++)
                    vg_buf_printf(&table, "%s%s", k ? "," : "", fixed[k]);
                if (nf == 0)
                    vg_buf_puts(&table, "-");
                vg_buf_putc(&table, '\n');
            }
            vg_buf_puts(&fb, "]}");
        }
        free(qs);
        free(qof);
        free(counts);
        free(rcs);
        free(hall);
        vg_buf_printf(&out, "%zu,\"findings\":[", vulnerable);
        if (fb.n)
            vg_buf_append(&out, fb.p, fb.n);
        vg_buf_puts(&out, "]}\n");
        vg_buf_free(&fb);
    }
    if (invalid > 1)
        fprintf(stderr, "vigil scan: %zu components had versions invalid for their ecosystem\n",
                invalid);

    if (strcmp(format, "json") == 0) {
        fwrite(out.p, 1, out.n, stdout);
    } else {
        if (vulnerable) {
            printf("%-60s  %-20s  %-9s  %s  %s\n", "COMPONENT", "ADVISORY", "SEVERITY", "ALIASES",
                   "FIXED");
            fwrite(table.p, 1, table.n, stdout);
            printf("\n");
        }
        printf("%zu components scanned, %zu vulnerable, %zu advisory matches", sbom.n, vulnerable,
               nadv);
        if (unsupported)
            printf(", %zu with a purl type OSV does not cover", unsupported);
        printf("\n");
    }
    if (fflush(stdout) != 0)
        goto out;
    rc = vulnerable ? 1 : 0;
out:
    vg_buf_free(&out);
    vg_buf_free(&table);
    free(buf);
    free_work(&l);
    vg_match_index_free(ix);
    vg_arena_free(a);
    vg_arena_free(qa);
    return rc;
}
