/* `vigil import FORMAT PATH...`: streams records to the server's knowledge
 * base in batches, as JSON lines (POST /api/v1/vulns/import?format=, the bulk
 * form: a record is stored as sent). PATH: files, directories (recursive)
 * and, for osv, zips of JSON files. FORMAT: osv (one record, an array, or
 * {"vulns":[...]}), nedb (osv-offline files: one document per line), cve5,
 * nvd (API 2.0 responses), kev (the CISA catalogue). A malformed record is
 * reported with its file and position and skipped; the last line is
 * "imported N, unchanged U, skipped S". Exit 0, 1 when something was skipped,
 * 2 on error. A NeDB line goes as it is, unparsed (the server checks it),
 * unless it may be an index definition, a deletion marker or carry NeDB's
 * "_id": those are decoded here. */
#include "cli/cli.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/util.h"

#include <curl/curl.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

/* A request holds up to this many records (the server takes 10,000) and no
 * more than this many bytes unless one record alone is larger (the server's
 * default body limit is 10 MiB): few, large write transactions. */
#define BATCH_RECORDS 10000
#define BATCH_BYTES (8u << 20)

/* A malformed record found here, reported in its place among the server's
 * answers for the batch it falls in. */
struct note {
    size_t at; /* the number of records of the batch before it */
    char *text;
};

struct batch {
    struct vg_buf body; /* records, one a line */
    /* "file:position" of line i of body: wtext.p + wat[i] (NUL-terminated;
     * one buffer rather than a string allocated per record) */
    struct vg_buf wtext;
    size_t *wat, wcap;
    size_t nwhere;
    struct note *notes;
    size_t nnotes;
    long status; /* the server's answer */
    struct vg_buf out;
    /* while with the server: its number in the session, its sender */
    struct importer *im;
    uint64_t seq;
    pthread_t th;
    int threaded; /* sent by th (else sent already, by the main thread) */
};

/* One batch is filled while the two before are with the server (a thread
 * of its own sends each): reading the files overlaps the server's work, and
 * the upload and parsing of a batch overlap the transaction of the one
 * before, which the server finishes first (the batches are numbered in a
 * session of this run: ?session=&seq=). Answers are read, and problems
 * printed, in batch order on the main thread. */
#define IN_FLIGHT 2

struct importer {
    struct vg_config cfg;
    const char *format; /* as the server knows it (nedb -> osv) */
    const char *kind;   /* as given */
    struct batch b[IN_FLIGHT + 1];
    struct batch *cur;             /* being filled */
    struct batch *sent[IN_FLIGHT]; /* with the server, oldest first; NULL after them */
    char session[17];
    uint64_t seq; /* of the next batch sent */
    long imported, unchanged, skipped, seen;
    int failed, tty;
};

static void progress(struct importer *im)
{
    if (im->tty)
        fprintf(stderr, "\r%ld records: %ld imported, %ld unchanged, %ld skipped", im->seen,
                im->imported, im->unchanged, im->skipped);
}

static void print_bad(struct importer *im, const char *text)
{
    if (im->tty)
        fputc('\n', stderr);
    fprintf(stderr, "%s\n", text);
    im->skipped++;
}

/* Notes a malformed record at the current place of the batch being filled. */
static void bad(struct importer *im, const char *where, const char *why)
{
    struct batch *b = im->cur;
    size_t n = strlen(where) + strlen(why) + 3;
    char *t = vg_xmalloc(n);
    snprintf(t, n, "%s: %s", where, why);
    b->notes = vg_xrealloc(b->notes, (b->nnotes + 1) * sizeof(*b->notes));
    b->notes[b->nnotes++] = (struct note){b->nwhere, t};
}

static void batch_reset(struct batch *b)
{
    vg_buf_reset(&b->body);
    vg_buf_free(&b->out);
    vg_buf_reset(&b->wtext);
    b->nwhere = 0;
    for (size_t i = 0; i < b->nnotes; i++)
        free(b->notes[i].text);
    b->nnotes = 0;
    b->status = 0;
}

static void batch_free(struct batch *b)
{
    batch_reset(b);
    vg_buf_free(&b->body);
    vg_buf_free(&b->wtext);
    free(b->wat);
    free(b->notes);
}

static void *send_batch(void *arg)
{
    struct batch *b = arg;
    const struct importer *im = b->im;
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/vulns/import?format=%s&session=%s&seq=%llu",
             im->format, im->session, (unsigned long long)b->seq);
    b->status = vg_cli_request_as(&im->cfg, "POST", path, "application/x-ndjson", b->body.p,
                                  b->body.n, &b->out);
    return NULL;
}

/* The answer for batch b (sent, or holding notes only): counts, and the
 * problems in record order, the server's and those found here. */
static void report(struct importer *im, struct batch *b, int was_sent)
{
    json_t *resp = was_sent && b->out.p ? json_loads(b->out.p, 0, NULL) : NULL;
    json_t *errs = json_object_get(resp, "errors");
    size_t i = 0, k = 0, ne = json_array_size(errs);
    if (was_sent && b->status != 200) {
        const char *msg =
            json_string_value(json_object_get(json_object_get(resp, "error"), "message"));
        if (b->status > 0)
            fprintf(stderr, "vigil import: server answered %ld: %s\n", b->status,
                    msg ? msg : (b->out.p ? b->out.p : ""));
        im->failed = 1;
        json_decref(resp);
        return;
    }
    if (was_sent) {
        long rejected = (long)json_integer_value(json_object_get(resp, "skipped"));
        im->imported += (long)json_integer_value(json_object_get(resp, "imported"));
        im->unchanged += (long)json_integer_value(json_object_get(resp, "unchanged"));
        if (rejected > (long)ne) /* more than the answer lists */
            im->skipped += rejected - (long)ne;
    }
    while (i < b->nnotes || k < ne) {
        json_t *e = json_array_get(errs, k);
        size_t at = (size_t)json_integer_value(json_object_get(e, "index"));
        if (i < b->nnotes && (k == ne || b->notes[i].at <= at)) {
            print_bad(im, b->notes[i++].text);
            continue;
        }
        const char *why = json_string_value(json_object_get(e, "message"));
        const char *where = at < b->nwhere ? b->wtext.p + b->wat[at] : "?";
        size_t n = strlen(where) + (why ? strlen(why) : 8) + 3;
        char *t = vg_xmalloc(n);
        snprintf(t, n, "%s: %s", where, why ? why : "rejected");
        print_bad(im, t);
        free(t);
        k++;
    }
    json_decref(resp);
}

/* 1 when the server refused batch b for coming before the one before it
 * (409, field seq: nothing stored); it is sent again once that one is
 * answered. */
static int out_of_turn(const struct batch *b)
{
    json_t *resp = b->status == 409 && b->out.p ? json_loads(b->out.p, 0, NULL) : NULL;
    const char *field = json_string_value(json_object_get(json_object_get(resp, "error"), "field"));
    int yes = field && strcmp(field, "seq") == 0;
    json_decref(resp);
    return yes;
}

/* Waits for the oldest batch with the server, if any, and reports it. */
static void settle_one(struct importer *im)
{
    struct batch *b = im->sent[0];
    if (b == NULL)
        return;
    if (b->threaded)
        pthread_join(b->th, NULL);
    b->threaded = 0;
    if (!im->failed && out_of_turn(b)) { /* the ones before are answered */
        vg_buf_free(&b->out);
        send_batch(b);
    }
    memmove(im->sent, im->sent + 1, (IN_FLIGHT - 1) * sizeof(*im->sent));
    im->sent[IN_FLIGHT - 1] = NULL;
    report(im, b, 1);
    batch_reset(b);
    progress(im);
}

/* Waits for every batch with the server and reports them, in order (after
 * a failure too: those sent after it have their answers). */
static int settle(struct importer *im)
{
    while (im->sent[0])
        settle_one(im);
    return im->failed ? -1 : 0;
}

/* Hands the batch being filled to the server (once a place is free: the
 * oldest answered) and starts filling a free one. */
static int flush(struct importer *im)
{
    struct batch *b = im->cur;
    if (im->sent[IN_FLIGHT - 1])
        settle_one(im);
    if (im->failed)
        return settle(im);
    if (b->nwhere == 0) { /* nothing to send: its notes only, after those before */
        if (settle(im))
            return -1;
        report(im, b, 0);
        batch_reset(b);
        progress(im);
        return 0;
    }
    int k = 0, busy;
    while (im->sent[k])
        k++;
    im->sent[k] = b;
    b->im = im;
    b->seq = im->seq++;
    b->threaded = pthread_create(&b->th, NULL, send_batch, b) == 0;
    if (!b->threaded)
        send_batch(b);
    for (size_t i = 0; i <= IN_FLIGHT; i++) {
        busy = 0;
        for (k = 0; k < IN_FLIGHT; k++)
            busy |= im->sent[k] == &im->b[i];
        if (!busy)
            im->cur = &im->b[i];
    }
    return 0;
}

/* A session id for this run's batches: 16 random hex digits. */
static void session_id(char out[17])
{
    unsigned char r[8] = {0};
    FILE *f = fopen("/dev/urandom", "rb");
    if (f == NULL || fread(r, 1, sizeof(r), f) != sizeof(r)) {
        uint64_t x = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15u ^ (uint64_t)getpid() << 32 ^
                     (uint64_t)(uintptr_t)out;
        memcpy(r, &x, sizeof(r));
    }
    if (f)
        fclose(f);
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* One record as one line of JSON text (no newline in it). */
static int add_text(struct importer *im, const char *text, size_t n, const char *file,
                    const char *pos)
{
    struct batch *b = im->cur;
    if (b->nwhere && b->body.n + n + 1 > BATCH_BYTES) {
        if (flush(im))
            return -1;
        b = im->cur;
    }
    if (b->nwhere == b->wcap) {
        b->wcap = b->wcap ? 2 * b->wcap : 1024;
        b->wat = vg_xrealloc(b->wat, b->wcap * sizeof(*b->wat));
    }
    b->wat[b->nwhere++] = b->wtext.n;
    vg_buf_puts(&b->wtext, file);
    vg_buf_putc(&b->wtext, ':');
    vg_buf_append(&b->wtext, pos, strlen(pos) + 1); /* with its NUL */
    vg_buf_append(&b->body, text, n);
    vg_buf_putc(&b->body, '\n');
    if (b->nwhere >= BATCH_RECORDS)
        return flush(im);
    return 0;
}

static int add(struct importer *im, json_t *rec, const char *file, const char *pos)
{
    im->seen++;
    if (!json_is_object(rec)) {
        char w[1200];
        snprintf(w, sizeof(w), "%s:%s", file, pos);
        bad(im, w, "not a JSON object");
        return 0;
    }
    char *t = json_dumps(rec, JSON_COMPACT); /* escapes newlines: one line */
    int rc = add_text(im, t, strlen(t), file, pos);
    free(t);
    return rc;
}

/* One JSON document of a file: records per the format. */
static int document(struct importer *im, json_t *doc, const char *file)
{
    json_t *list = NULL, *x;
    size_t i;
    char pos[64];
    if (strcmp(im->kind, "kev") == 0 || strcmp(im->kind, "nvd") == 0)
        list = json_object_get(doc, "vulnerabilities");
    else if (strcmp(im->kind, "osv") == 0 && json_is_object(doc) && json_object_get(doc, "vulns"))
        list = json_object_get(doc, "vulns");
    else if (json_is_array(doc))
        list = doc;
    if (list == NULL) {
        if (strcmp(im->kind, "kev") == 0 || strcmp(im->kind, "nvd") == 0) {
            char w[1100];
            snprintf(w, sizeof(w), "%s:$", file);
            im->seen++;
            bad(im, w, "no \"vulnerabilities\" array");
            return 0;
        }
        return add(im, doc, file, "$");
    }
    if (!json_is_array(list)) {
        char w[1100];
        snprintf(w, sizeof(w), "%s:$", file);
        bad(im, w, "expected an array of records");
        return 0;
    }
    json_array_foreach(list, i, x) {
        snprintf(pos, sizeof(pos), "[%zu]", i);
        if (add(im, x, file, pos))
            return -1;
    }
    return 0;
}

/* One line of a NeDB file (trimmed, not empty). */
/* 1 when line p[0..len) holds "_id" or "$$ (NeDB's own keys): found from
 * the rare '$' and '_' with memchr, as memmem went byte by byte through
 * every line (a quarter of the client's time on a large import). */
static int nedb_keys(const char *p, size_t len)
{
    const char *e = p + len, *q;
    for (q = p + 1; q < e && (q = memchr(q, '$', (size_t)(e - q))) != NULL; q++)
        if (q[-1] == '"' && q + 1 < e && q[1] == '$')
            return 1;
    for (q = p + 1; q < e && (q = memchr(q, '_', (size_t)(e - q))) != NULL; q++)
        if (q[-1] == '"' && e - q >= 4 && memcmp(q, "_id\"", 4) == 0)
            return 1;
    return 0;
}

static int nedb_line(struct importer *im, const char *p, size_t len, const char *file,
                     const char *pos)
{
    json_error_t je;
    if (p[0] == '{' && !nedb_keys(p, len)) {
        im->seen++;
        return add_text(im, p, len, file, pos);
    }
    json_t *d = json_loadb(p, len, JSON_REJECT_DUPLICATES, &je);
    int rc = 0;
    if (d == NULL) {
        char w[1100];
        snprintf(w, sizeof(w), "%s:%s", file, pos);
        im->seen++;
        bad(im, w, je.text);
    } else if (json_object_get(d, "id") ||
               !(json_object_get(d, "$$indexCreated") || json_object_get(d, "$$deleted"))) {
        json_object_del(d, "_id");
        rc = add(im, d, file, pos);
    }
    json_decref(d);
    return rc;
}

static int buffer(struct importer *im, const char *buf, size_t n, const char *file)
{
    json_error_t je;
    if (strcmp(im->kind, "nedb") == 0) {
        /* One document per line; index definitions and deletions are skipped. */
        size_t line = 0;
        for (const char *p = buf, *end = buf + n; p < end;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
            const char *b = p, *e = p + len;
            line++;
            p += len + 1;
            while (b < e && (*b == ' ' || *b == '\t' || *b == '\r'))
                b++;
            while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                e--;
            if (b < e) {
                char pos[32];
                snprintf(pos, sizeof(pos), "line %zu", line);
                if (nedb_line(im, b, (size_t)(e - b), file, pos))
                    return -1;
            }
        }
        return 0;
    }
    json_t *doc = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL) {
        char w[1100];
        snprintf(w, sizeof(w), "%s:%d:%d", file, je.line, je.column);
        im->seen++;
        bad(im, w, je.text);
        return 0;
    }
    int rc = document(im, doc, file);
    json_decref(doc);
    return rc;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int zipfile(struct importer *im, const char *path)
{
    int zerr = 0, rc = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    if (z == NULL) {
        fprintf(stderr, "vigil import: %s: not a readable zip\n", path);
        return -2;
    }
    zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < n && rc == 0; i++) {
        zip_stat_t zs;
        if (zip_stat_index(z, (zip_uint64_t)i, 0, &zs) != 0 || !ends_with(zs.name, ".json") ||
            zs.size > (256u << 20))
            continue;
        zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, 0);
        char *buf = vg_xmalloc(zs.size + 1);
        zip_int64_t got = f ? zip_fread(f, buf, zs.size) : -1;
        if (f)
            zip_fclose(f);
        char name[1100];
        snprintf(name, sizeof(name), "%s!%s", path, zs.name);
        if (got != (zip_int64_t)zs.size)
            bad(im, name, "cannot read the zip entry");
        else
            rc = buffer(im, buf, zs.size, name);
        free(buf);
    }
    zip_close(z);
    return rc;
}

static int path(struct importer *im, const char *p)
{
    struct stat sb;
    if (stat(p, &sb) != 0) {
        fprintf(stderr, "vigil import: %s: no such file or directory\n", p);
        return -2;
    }
    if (S_ISDIR(sb.st_mode)) {
        struct dirent **ents;
        int n = scandir(p, &ents, NULL, alphasort), rc = 0;
        if (n < 0) {
            fprintf(stderr, "vigil import: %s: cannot read the directory\n", p);
            return -2;
        }
        for (int i = 0; i < n; i++) {
            const char *nm = ents[i]->d_name;
            char child[4096];
            if (rc == 0 && nm[0] != '.') {
                snprintf(child, sizeof(child), "%s/%s", p, nm);
                struct stat cs;
                if (stat(child, &cs) == 0 &&
                    (S_ISDIR(cs.st_mode) || ends_with(nm, ".json") ||
                     (strcmp(im->kind, "nedb") == 0 && (ends_with(nm, ".db") || ends_with(nm, ".nedb"))) ||
                     (strcmp(im->kind, "osv") == 0 && ends_with(nm, ".zip"))))
                    rc = path(im, child);
            }
            free(ents[i]);
        }
        free(ents);
        return rc;
    }
    if (ends_with(p, ".zip"))
        return zipfile(im, p);
    size_t n;
    char *buf = vg_cli_slurp(p, 1u << 30, &n);
    if (buf == NULL)
        return -2;
    int rc = buffer(im, buf, n, p);
    free(buf);
    return rc;
}

int vg_cli_import(int argc, char **argv)
{
    struct importer im;
    char *pos[8];
    int np = 0, rc;
    memset(&im, 0, sizeof(im));
    if ((rc = vg_cli_setup(&im.cfg, argc, argv, pos, &np)))
        return rc == 1 ? 0 : rc;
    if (np < 2) {
        fprintf(stderr, "usage: vigil import osv|nedb|cve5|nvd|kev PATH...\n");
        return 2;
    }
    im.kind = pos[0];
    if (strcmp(im.kind, "osv") && strcmp(im.kind, "nedb") && strcmp(im.kind, "cve5") &&
        strcmp(im.kind, "nvd") && strcmp(im.kind, "kev")) {
        fprintf(stderr, "vigil import: FORMAT is osv, nedb, cve5, nvd or kev\n");
        return 2;
    }
    im.format = strcmp(im.kind, "nedb") == 0 ? "osv" : im.kind;
    im.tty = isatty(2);
    im.cur = &im.b[0];
    session_id(im.session);
    curl_global_init(CURL_GLOBAL_DEFAULT); /* before the sending thread */
    rc = 0;
    for (int i = 1; i < np && rc == 0; i++)
        rc = path(&im, pos[i]);
    if (rc == 0)
        rc = flush(&im);
    if (settle(&im) && rc == 0)
        rc = -1;
    if (rc && !im.failed)
        report(&im, im.cur, 0); /* stopped at a path: what was found up to it */
    if (im.tty)
        fputc('\n', stderr);
    for (size_t i = 0; i <= IN_FLIGHT; i++)
        batch_free(&im.b[i]);
    printf("imported %ld, unchanged %ld, skipped %ld\n", im.imported, im.unchanged, im.skipped);
    if (rc || im.failed)
        return 2;
    return im.skipped ? 1 : 0;
}
