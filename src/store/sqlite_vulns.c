/* SQLite backend, part three: the knowledge base (OSV records with aliases,
 * (ecosystem, name) pairs, an FTS5 index over summary and details) and the
 * CISA KEV catalogue. */
#include "store/sqlite_int.h"
#include "core/buf.h"
#include "core/util.h"

#include <limits.h>
#include <stdlib.h>

#define VULN_COLS                                                                                  \
    "v.rid, v.id, v.modified, v.published, v.withdrawn, v.source, v.public, v.score, v.grade, "    \
    "v.summary, v.doc, v.updated_at"

static const char q_get[] = "SELECT " VULN_COLS " FROM vulns v WHERE v.id = ?";
/* The doc compared in place (not read out): ?2, the doc given. */
static const char q_head[] = "SELECT rid, modified, public, doc = ?2 FROM vulns WHERE id = ?1";
static const char q_by_alias[] =
    "SELECT v.id FROM vuln_aliases a JOIN vulns v ON v.rid = a.rid WHERE a.alias = ? ORDER BY v.id";
/* A batch's new records, and its alias, package and full-text rows, are
 * each written in one statement, from vg_rows (sqlite_rows.c); replaced
 * records one by one. The inserts say OR FAIL / OR IGNORE
 * so that they need no statement journal (a copy of every page they touch):
 * a failed batch is undone by its savepoint anyway, and a duplicate alias or
 * package row is nothing to keep twice. */
/* A replaced record: rid, then the columns of q_vuln_new, as ?1.. ?13. */
static const char q_vuln_update[] =
    "UPDATE vulns SET modified = ?3, published = ?4, withdrawn = ?5, source = ?6, public = ?7,"
    " score = ?8, grade = ?9, summary = ?10, doc = ?11, updated_at = ?12, keys = ?13 WHERE"
    " rid = ?1 AND"
    " id = ?2";
/* New records only (vuln_insert_new), all in one statement from vg_rows:
 * rids as SQLite gives them (max + 1 on, in order), a stored id skipped.
 * (An upsert's SELECT needs its WHERE, which tells its ON CONFLICT from a
 * join's ON.) */
#define VULN_NEW                                                                                   \
    "INSERT OR FAIL INTO vulns (id, modified, published, withdrawn, source, public, score, grade,"  \
    " summary, doc, updated_at, keys) SELECT c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11"     \
    " FROM vg_rows(?1)"
static const char q_vuln_new[] = VULN_NEW " WHERE true ON CONFLICT (id) DO NOTHING";
/* New records known not to be stored (vuln_put_many): rids as SQLite gives
 * them, which are the ones the writer counted (checked). */
static const char q_vuln_fresh[] = VULN_NEW;
static const char q_rids_after[] = "SELECT rid, id FROM vulns WHERE rid > ? ORDER BY rid";
static const char q_max_rid[] = "SELECT coalesce(max(rid), 0) FROM vulns";
/* A record's alias and package rows, found by their primary keys from the
 * keys it was stored with (vulns.keys: {"a":[alias],"p":[[ecosystem,name]]}):
 * no index by rid to write per row. */
static const char q_del_aliases[] =
    "DELETE FROM vuln_aliases WHERE rid = ?1 AND alias IN (SELECT j.value FROM vulns v,"
    " json_each(v.keys, '$.a') j WHERE v.rid = ?1)";
static const char q_del_packages[] =
    "DELETE FROM vuln_packages WHERE rid = ?1 AND (ecosystem, name) IN (SELECT"
    " json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') FROM vulns v,"
    " json_each(v.keys, '$.p') j WHERE v.rid = ?1)";
static const char q_alias_rows[] =
    "INSERT OR IGNORE INTO vuln_aliases (alias, rid) SELECT c0, c2 FROM vg_rows(?1)";
static const char q_pkg_rows[] = "INSERT OR IGNORE INTO vuln_packages (ecosystem, name, rid)"
                                 " SELECT c0, c1, c2 FROM vg_rows(?1)";
/* The full-text table keeps no copy of the text (contentless): a row is
 * removed by giving its words again, which the stored row still has
 * (summary, and details inside doc), before the row changes. ?1: the rids,
 * a JSON array. */
static const char q_fts_del[] =
    "INSERT INTO vulns_fts (vulns_fts, rowid, summary, details) SELECT 'delete', rid,"
    " coalesce(summary, ''), coalesce(json_extract(doc, '$.details'), '') FROM vulns"
    " WHERE rid IN (SELECT value FROM json_each(?1))";
/* A batch's full-text rows in one statement, from vg_rows (sqlite_rows.c). */
static const char q_fts_ins[] =
    "INSERT INTO vulns_fts (rowid, summary, details) SELECT c0, c1, c2 FROM vg_rows(?1)";
/* Filters are parameters: a NULL parameter means "any". */
static const char q_list[] =
    "SELECT " VULN_COLS " FROM vulns v WHERE v.rid > ?1 AND (?2 = 1 OR v.public = 1)"
    " AND (?3 IS NULL OR v.rid IN (SELECT rid FROM vuln_packages WHERE ecosystem = ?3"
    "      AND (?4 IS NULL OR name = ?4)))"
    " AND (?4 IS NULL OR v.rid IN (SELECT rid FROM vuln_packages WHERE name = ?4))"
    " AND (?5 IS NULL OR v.id = upper(?5) OR v.rid IN (SELECT rid FROM vuln_aliases"
    "      WHERE alias = upper(?5)))"
    " AND (?6 IS NULL OR v.grade = ?6)"
    " AND (?7 = 0 OR v.id IN (SELECT cve_id FROM kev) OR v.rid IN (SELECT a.rid FROM"
    "      vuln_aliases a JOIN kev k ON k.cve_id = a.alias))"
    " AND v.modified >= ?8"
    " AND (?9 IS NULL OR v.rid IN (SELECT rowid FROM vulns_fts WHERE vulns_fts MATCH ?9))"
    " ORDER BY v.rid LIMIT ?10";
static const char q_scan[] = "SELECT " VULN_COLS " FROM vulns v WHERE v.rid > ? ORDER BY v.rid LIMIT ?";
static const char q_pkg_ids[] = "SELECT v.id FROM vuln_packages p JOIN vulns v ON v.rid = p.rid"
                                " WHERE p.ecosystem = ? AND p.name = ? ORDER BY v.id";
static const char q_kev_get[] = "SELECT cve_id, date_added, due_date, doc FROM kev WHERE cve_id = ?";
static const char q_kev_put[] =
    "INSERT INTO kev (cve_id, date_added, due_date, doc) VALUES (?,?,?,?) ON CONFLICT (cve_id)"
    " DO UPDATE SET date_added = excluded.date_added, due_date = excluded.due_date,"
    " doc = excluded.doc WHERE kev.doc <> excluded.doc";
static const char q_count[] = "SELECT (SELECT count(*) FROM vulns), (SELECT count(*) FROM kev)";

static void read_vuln(sqlite3_stmt *st, struct vg_arena *a, struct vg_vuln *v)
{
    v->rid = sqlite3_column_int64(st, 0);
    v->id = vg__sq_str(st, 1, a);
    v->modified = sqlite3_column_int64(st, 2);
    v->published = sqlite3_column_int64(st, 3);
    v->withdrawn = sqlite3_column_int64(st, 4);
    v->source = vg__sq_str(st, 5, a);
    v->public = sqlite3_column_int(st, 6);
    v->score = sqlite3_column_int(st, 7);
    v->grade = vg__sq_str(st, 8, a);
    v->summary = vg__sq_str(st, 9, a);
    v->doc = vg__sq_str(st, 10, a);
    v->updated_at = sqlite3_column_int64(st, 11);
}

int vg__sq_vuln_get(struct vg_store *base, const char *id, struct vg_arena *a, struct vg_vuln *out,
                    struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_get, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, id);
    GET_ONE(s, st, "vulnerability", err, read_vuln(st, a, out));
}

static void bind_text(sqlite3_stmt *st, int i, const char *s, size_t n);

int vg__sq_vuln_head(struct vg_store *base, const char *id, const char *doc, size_t n,
                     struct vg_vuln *out, int *same, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_head, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, id);
    bind_text(st, 2, doc, n);
    GET_ONE(s, st, "vulnerability", err, {
        out->rid = sqlite3_column_int64(st, 0);
        out->modified = sqlite3_column_int64(st, 1);
        out->public = sqlite3_column_int(st, 2);
        *same = sqlite3_column_int(st, 3) == 1;
    });
}

static int strings(struct sqlite_store *s, sqlite3_stmt *st, struct vg_arena *a,
                   const char ***out, size_t *n, struct vg_err *err)
{
    GET_MANY(s, st, "ids", a, const char *, out, n, err, *it = vg__sq_str(st, 0, a));
}

int vg__sq_vuln_by_alias(struct vg_store *base, const char *alias, struct vg_arena *a,
                         const char ***ids, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_by_alias, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, alias);
    return strings(s, st, a, ids, n, err);
}

int vg__sq_vuln_ids_for_package(struct vg_store *base, const char *eco, const char *name,
                                struct vg_arena *a, const char ***ids, size_t *n,
                                struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_pkg_ids, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, eco);
    vg__sq_bind_str(st, 2, name);
    return strings(s, st, a, ids, n, err);
}

static int by_rid(struct sqlite_store *s, const char *q, int64_t rid, struct vg_err *err)
{
    sqlite3_stmt *st = vg__sq_prep(s, q, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, rid);
    return vg__sq_exec(s, st, "vulnerability", 0, err);
}

/* Binds text s of n bytes (0: measured here), NULL as NULL. */
static void bind_text(sqlite3_stmt *st, int i, const char *s, size_t n)
{
    if (s == NULL)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, n && n <= INT_MAX ? (int)n : -1, SQLITE_STATIC);
}

/* A record's row: the record, and its keys as stored (keys_make). */
struct vuln_row {
    const struct vg_vuln_put *p;
    const char *keys;
    size_t keys_len;
};

static void bind_vuln_new(sqlite3_stmt *st, int c, const struct vg_vuln_put *p, const char *keys,
                          size_t keys_len);

static void bind_vuln(sqlite3_stmt *st, int c, const void *rows, size_t i)
{
    const struct vuln_row *r = (const struct vuln_row *)rows + i;
    sqlite3_bind_int64(st, c + 1, r->p->v.rid);
    bind_vuln_new(st, c + 1, r->p, r->keys, r->keys_len);
}

/* An alias row (a, NULL, rid) or a package row (ecosystem, name, rid). */
struct key_row {
    /* the first 16 bytes of the key's text (a, then a NUL and b), as two
     * big-endian numbers, zero-padded: compared as numbers they order as
     * the texts do (no text holds a NUL), and most keys differ in them */
    uint64_t pre[2];
    const char *a, *b;
    int64_t rid;
};

static struct key_row key_row(const char *a, const char *b, int64_t rid)
{
    struct key_row r = {{0, 0}, a, b, rid};
    unsigned char t[16] = {0};
    size_t n = strnlen(a, 16);
    memcpy(t, a, n);
    if (b && n < 15) /* t[n] stays 0: the NUL between a and b */
        memcpy(t + n + 1, b, strnlen(b, 15 - n));
    for (int k = 0; k < 16; k++)
        r.pre[k >> 3] |= (uint64_t)t[k] << (8 * (7 - (k & 7)));
    return r;
}

/* Rows go in key order: each lands near the one before. */
static int cmp_key_row(const void *x, const void *y)
{
    const struct key_row *p = x, *q = y;
    if (p->pre[0] != q->pre[0])
        return p->pre[0] < q->pre[0] ? -1 : 1;
    if (p->pre[1] != q->pre[1])
        return p->pre[1] < q->pre[1] ? -1 : 1;
    int c = strcmp(p->a, q->a);
    if (c == 0 && p->b)
        c = strcmp(p->b, q->b);
    return c ? c : (p->rid > q->rid) - (p->rid < q->rid);
}

/* Replaces a stored row: its alias and package rows go first (found through
 * the keys it holds). */
static int replace_one(struct sqlite_store *s, const struct vuln_row *r, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc;
    if ((rc = by_rid(s, q_del_aliases, r->p->v.rid, err)) ||
        (rc = by_rid(s, q_del_packages, r->p->v.rid, err)))
        return rc;
    if ((st = vg__sq_prep(s, q_vuln_update, err)) == NULL)
        return VG_EBACKEND;
    bind_vuln(st, 0, r, 0);
    return vg__sq_exec(s, st, "vulnerability", 1, err);
}

size_t vg_store_vuln_keys(struct vg_buf *b, const struct vg_vuln_put *p)
{
    size_t at = b->n;
    vg_buf_append(b, "{\"a\":[", 6);
    for (size_t j = 0; j < p->naliases; j++) {
        if (j)
            vg_buf_putc(b, ',');
        vg_buf_put_jstr(b, p->aliases[j], strlen(p->aliases[j]));
    }
    vg_buf_append(b, "],\"p\":[", 7);
    for (size_t j = 0; j < p->npackages; j++) {
        const char *eco = p->packages[2 * j], *name = p->packages[2 * j + 1];
        vg_buf_append(b, j ? ",[" : "[", j ? 2 : 1);
        vg_buf_put_jstr(b, eco, strlen(eco));
        vg_buf_putc(b, ',');
        vg_buf_put_jstr(b, name, strlen(name));
        vg_buf_putc(b, ']');
    }
    vg_buf_append(b, "]}", 2);
    return b->n - at;
}

/* The keys of records p[0..n), as stored with them: row i's text is
 * ptr[i], len[i] bytes; those the caller did not build (p[i].keys NULL) are
 * written here, into one buffer (text; ptr[i] is set once it stops moving). */
struct keys {
    struct vg_buf text;
    const char **ptr;
    size_t *len;
};

static void keys_make(struct keys *k, const struct vg_vuln_put *p, size_t n)
{
    size_t *at = vg_xcalloc(n + 1, sizeof(*at));
    memset(k, 0, sizeof(*k));
    k->ptr = vg_xcalloc(n + 1, sizeof(*k->ptr));
    k->len = vg_xcalloc(n + 1, sizeof(*k->len));
    for (size_t i = 0; i < n; i++) {
        if (p[i].keys) {
            k->ptr[i] = p[i].keys;
            k->len[i] = p[i].keys_len;
            continue;
        }
        at[i] = k->text.n;
        k->len[i] = vg_store_vuln_keys(&k->text, &p[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (p[i].keys == NULL)
            k->ptr[i] = k->text.p + at[i];
    free(at);
}

static void keys_free(struct keys *k)
{
    vg_buf_free(&k->text);
    free(k->ptr);
    free(k->len);
}

/* Removes the full-text rows of the batch's records that replace stored
 * ones. */
static int fts_delete(struct sqlite_store *s, const struct vg_vuln_put *p, size_t n,
                      struct vg_err *err)
{
    struct vg_buf rids = {0};
    int rc = VG_OK;
    vg_buf_putc(&rids, '[');
    for (size_t i = 0; i < n; i++)
        if (p[i].v.rid)
            vg_buf_printf(&rids, "%s%lld", rids.n > 1 ? "," : "", (long long)p[i].v.rid);
    vg_buf_putc(&rids, ']');
    if (rids.n > 2) {
        sqlite3_stmt *st = vg__sq_prep(s, q_fts_del, err);
        if (st == NULL) {
            vg_buf_free(&rids);
            return VG_EBACKEND;
        }
        sqlite3_bind_text(st, 1, rids.p, (int)rids.n, SQLITE_STATIC);
        rc = vg__sq_exec(s, st, "vulnerability text", 0, err);
    }
    vg_buf_free(&rids);
    return rc;
}

/* A record's full-text row: rid, summary, details. The texts are C strings
 * (length -1: FTS5 reads them as such, and copies a counted text to end it). */
static void fts_col(sqlite3_context *ctx, const void *rows, size_t i, int c)
{
    const struct vg_vuln_put *p = (const struct vg_vuln_put *)rows + i;
    if (c == 0)
        sqlite3_result_int64(ctx, p->v.rid);
    else
        sqlite3_result_text(ctx, c == 1 ? (p->v.summary ? p->v.summary : "")
                                        : (p->details ? p->details : ""),
                            -1, SQLITE_STATIC);
}

/* Text s of n bytes (0: measured), NULL as NULL. */
static void result_text(sqlite3_context *ctx, const char *s, size_t n)
{
    if (s == NULL)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_text(ctx, s, n && n <= INT_MAX ? (int)n : -1, SQLITE_STATIC);
}

/* A new record's row (vuln_insert_new), columns in q_vuln_new's order. */
static void vuln_col(sqlite3_context *ctx, const void *rows, size_t i, int c)
{
    const struct vuln_row *r = (const struct vuln_row *)rows + i;
    const struct vg_vuln *v = &r->p->v;
    switch (c) {
    case 0: result_text(ctx, v->id, 0); break;
    case 1: sqlite3_result_int64(ctx, v->modified); break;
    case 2: sqlite3_result_int64(ctx, v->published); break;
    case 3: sqlite3_result_int64(ctx, v->withdrawn); break;
    case 4: result_text(ctx, v->source, 0); break;
    case 5: sqlite3_result_int(ctx, v->public); break;
    case 6: sqlite3_result_int(ctx, v->score); break;
    case 7: result_text(ctx, v->grade, 0); break;
    case 8: result_text(ctx, v->summary, r->p->summary_len); break;
    case 9: result_text(ctx, v->doc, r->p->doc_len); break;
    case 10: sqlite3_result_int64(ctx, v->updated_at); break;
    default: result_text(ctx, r->keys, r->keys_len); break;
    }
}

/* The full-text rows of records p[0..n), one statement: a single-row
 * statement opens no statement savepoint, but this one, from a SELECT,
 * does, and FTS5 writes out the terms it holds at each: it holds none when
 * the statement begins (the batch's rows are all added by it). */
static int fts_insert(struct sqlite_store *s, const struct vg_vuln_put *p, size_t n,
                      struct vg_err *err)
{
    struct vg__sq_rows src = {p, n, fts_col};
    return vg__sq_rows_insert(s, q_fts_ins, &src, "vulnerability text", err);
}

/* An alias row (alias, -, rid) or a package row (ecosystem, name, rid). */
static void key_col(sqlite3_context *ctx, const void *rows, size_t i, int c)
{
    const struct key_row *r = (const struct key_row *)rows + i;
    if (c == 2)
        sqlite3_result_int64(ctx, r->rid);
    else if (c == 1 && r->b == NULL)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_text(ctx, c ? r->b : r->a, -1, SQLITE_STATIC);
}

/* The alias, package and full-text rows of records p[0..n) (rids set). */
static int index_rows(struct sqlite_store *s, const struct vg_vuln_put *p, size_t n,
                      struct vg_err *err)
{
    size_t nal = 0, npk = 0, k = 0;
    int rc = VG_OK;
    for (size_t i = 0; i < n; i++) {
        nal += p[i].naliases;
        npk += p[i].npackages;
    }
    struct key_row *rows = vg_xcalloc(nal + npk + 1, sizeof(*rows));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p[i].naliases; j++)
            rows[k++] = key_row(p[i].aliases[j], NULL, p[i].v.rid);
    qsort(rows, nal, sizeof(*rows), cmp_key_row);
    struct vg__sq_rows src = {rows, nal, key_col};
    rc = vg__sq_rows_insert(s, q_alias_rows, &src, "alias", err);
    for (size_t i = k = 0; i < n; i++)
        for (size_t j = 0; j < p[i].npackages; j++)
            rows[k++] = key_row(p[i].packages[2 * j], p[i].packages[2 * j + 1], p[i].v.rid);
    qsort(rows, npk, sizeof(*rows), cmp_key_row);
    src.n = npk;
    if (rc == VG_OK)
        rc = vg__sq_rows_insert(s, q_pkg_rows, &src, "package", err);
    if (rc == VG_OK)
        rc = fts_insert(s, p, n, err);
    free(rows);
    return rc;
}

static int max_rid(struct sqlite_store *s, int64_t *rid, struct vg_err *err)
{
    sqlite3_stmt *st = vg__sq_prep(s, q_max_rid, err);
    if (st == NULL)
        return VG_EBACKEND;
    *rid = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        *rid = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return VG_OK;
}

int vg__sq_vuln_put_many(struct vg_store *base, struct vg_vuln_put *p, size_t n,
                         struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    int64_t rid = 0;
    size_t nnew = 0;
    int rc = VG_OK;
    if (n == 0)
        return VG_OK;
    if ((rc = max_rid(s, &rid, err)))
        return rc;
    struct vuln_row *fresh = vg_xcalloc(n, sizeof(*fresh));
    struct keys keys;
    keys_make(&keys, p, n);
    rc = fts_delete(s, p, n, err);
    for (size_t i = 0; i < n && rc == VG_OK; i++) {
        struct vuln_row r = {&p[i], keys.ptr[i], keys.len[i]};
        if (p[i].v.rid) {
            rc = replace_one(s, &r, err);
        } else {
            p[i].v.rid = ++rid; /* the writer's transaction: nobody else inserts */
            fresh[nnew++] = r;
        }
    }
    if (rc == VG_OK) {
        struct vg__sq_rows src = {fresh, nnew, vuln_col};
        rc = vg__sq_rows_insert(s, q_vuln_fresh, &src, "vulnerability", err);
        if (rc == VG_OK && nnew && sqlite3_last_insert_rowid(s->db) != rid)
            rc = vg_err_set(err, VG_EBACKEND, "vulnerability: row ids out of step");
    }
    if (rc == VG_OK)
        rc = index_rows(s, p, n, err);
    free(fresh);
    keys_free(&keys);
    return rc;
}

static void bind_vuln_new(sqlite3_stmt *st, int c, const struct vg_vuln_put *p, const char *keys,
                          size_t keys_len)
{
    const struct vg_vuln *v = &p->v;
    vg__sq_bind_str(st, c + 1, v->id);
    sqlite3_bind_int64(st, c + 2, v->modified);
    sqlite3_bind_int64(st, c + 3, v->published);
    sqlite3_bind_int64(st, c + 4, v->withdrawn);
    vg__sq_bind_str(st, c + 5, v->source);
    sqlite3_bind_int(st, c + 6, v->public);
    sqlite3_bind_int(st, c + 7, v->score);
    vg__sq_bind_str(st, c + 8, v->grade);
    bind_text(st, c + 9, v->summary, p->summary_len);
    bind_text(st, c + 10, v->doc, p->doc_len);
    sqlite3_bind_int64(st, c + 11, v->updated_at);
    bind_text(st, c + 12, keys, keys_len);
}

/* After a statement inserted fewer of p[0..n) than it held (some ids were
 * stored): which went in, from the rows past *rid (in the order of p). */
static int match_new(struct sqlite_store *s, struct vg_vuln_put *p, size_t n, int64_t *rid,
                     struct vg_err *err)
{
    sqlite3_stmt *st = vg__sq_prep(s, q_rids_after, err);
    size_t i = 0;
    int r;
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, *rid);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 1);
        while (i < n && strcmp(p[i].v.id, id ? id : "") != 0)
            i++;
        if (i < n)
            p[i++].v.rid = sqlite3_column_int64(st, 0);
        *rid = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    return r == SQLITE_DONE ? VG_OK : vg__sq_err(s, r, "vulnerability", err);
}

int vg__sq_vuln_insert_new(struct vg_store *base, struct vg_vuln_put *p, size_t n, int rows_only,
                           struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    int64_t rid = 0;
    size_t i = 0, m = 0;
    int rc;
    if (n == 0)
        return VG_OK;
    if ((rc = max_rid(s, &rid, err)))
        return rc;
    struct keys keys;
    keys_make(&keys, p, n);
    struct vuln_row *rows = vg_xcalloc(n, sizeof(*rows));
    for (i = 0; i < n; i++) {
        p[i].v.rid = 0;
        rows[i] = (struct vuln_row){&p[i], keys.ptr[i], keys.len[i]};
    }
    struct vg__sq_rows src = {rows, n, vuln_col};
    if ((rc = vg__sq_rows_insert(s, q_vuln_new, &src, "vulnerability", err)) == VG_OK) {
        size_t in = (size_t)sqlite3_changes(s->db);
        if (in == n) {
            for (i = 0; i < n; i++)
                p[i].v.rid = ++rid;
        } else if (in) { /* none: all stored (a re-import) */
            rc = match_new(s, p, n, &rid, err);
        }
    }
    free(rows);
    keys_free(&keys);
    if (rc || rows_only)
        return rc;
    struct vg_vuln_put *in = vg_xcalloc(n, sizeof(*in)); /* the new ones, for their index rows */
    for (i = 0; i < n; i++)
        if (p[i].v.rid)
            in[m++] = p[i];
    rc = index_rows(s, in, m, err);
    free(in);
    return rc;
}

int vg__sq_vuln_index_new(struct vg_store *base, const struct vg_vuln_put *p, size_t n,
                          struct vg_err *err)
{
    return index_rows(vg__sq(base), p, n, err);
}

int vg__sq_vuln_list(struct vg_store *base, const struct vg_vuln_filter *f, int64_t after,
                     int limit, struct vg_arena *a, struct vg_vuln **out, size_t *n,
                     struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_list, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, f->include_private);
    vg__sq_bind_str(st, 3, f->ecosystem);
    vg__sq_bind_str(st, 4, f->package);
    vg__sq_bind_str(st, 5, f->alias);
    vg__sq_bind_str(st, 6, f->grade);
    sqlite3_bind_int(st, 7, f->kev);
    sqlite3_bind_int64(st, 8, f->since);
    vg__sq_bind_str(st, 9, f->text);
    sqlite3_bind_int(st, 10, limit);
    int rc_;
    size_t cap = 16, cnt = 0;
    struct vg_vuln *arr = vg_arena_alloc(a, cap * sizeof(*arr));
    while ((rc_ = sqlite3_step(st)) == SQLITE_ROW) {
        if (cnt == cap) {
            struct vg_vuln *na = vg_arena_alloc(a, 2 * cap * sizeof(*arr));
            memcpy(na, arr, cap * sizeof(*arr));
            arr = na;
            cap *= 2;
        }
        read_vuln(st, a, &arr[cnt++]);
    }
    sqlite3_reset(st);
    if (rc_ != SQLITE_DONE) {
        /* A malformed full-text query is the caller's mistake, not ours. */
        if (f->text && sqlite3_extended_errcode(s->db) == SQLITE_ERROR)
            return vg_err_field(err, VG_EINVAL, "q", "q: not a valid full-text query");
        return vg__sq_err(s, rc_, "vulnerabilities", err);
    }
    *out = arr;
    *n = cnt;
    return VG_OK;
}

int vg__sq_vuln_scan(struct vg_store *base, int64_t after, int limit, struct vg_arena *a,
                     struct vg_vuln **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_scan, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    GET_MANY(s, st, "vulnerabilities", a, struct vg_vuln, out, n, err, read_vuln(st, a, it));
}

int vg__sq_kev_put(struct vg_store *base, const struct vg_kev *k, int *changed, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_kev_put, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, k->cve_id);
    vg__sq_bind_str(st, 2, k->date_added);
    vg__sq_bind_str(st, 3, k->due_date);
    vg__sq_bind_str(st, 4, k->doc);
    if ((rc = vg__sq_exec(s, st, "kev", 0, err)) == VG_OK)
        *changed = sqlite3_changes(s->db) > 0;
    return rc;
}

int vg__sq_kev_get(struct vg_store *base, const char *cve, struct vg_arena *a, struct vg_kev *out,
                   struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_kev_get, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, cve);
    GET_ONE(s, st, "kev entry", err, {
        out->cve_id = vg__sq_str(st, 0, a);
        out->date_added = vg__sq_str(st, 1, a);
        out->due_date = vg__sq_str(st, 2, a);
        out->doc = vg__sq_str(st, 3, a);
    });
}

int vg__sq_vuln_count(struct vg_store *base, int64_t *vulns, int64_t *kev, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_count, err);
    if (st == NULL)
        return VG_EBACKEND;
    GET_ONE(s, st, "counts", err, {
        *vulns = sqlite3_column_int64(st, 0);
        *kev = sqlite3_column_int64(st, 1);
    });
}
