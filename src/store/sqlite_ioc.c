/* SQLite backend, indicators: correlated observables (one entity per
 * normalised value, one source row per reporting unit), sightings, the TAXII
 * 2.1 object store with its status resources, and disposal notices.
 * TLP filtering is a query parameter (struct vg_ioc_viewer); the rules that
 * choose it live in service/. The ops are wired into the table in sqlite.c. */
#include "store/sqlite_int.h"
#include "core/buf.h"
#include "core/util.h"

#include <stdlib.h>

/* A row is visible to the viewer (?max, ?org) when its TLP is low enough, or
 * the viewer is its originator or a named recipient. */
#define VISIBLE(T, MAX, ORG)                                                                       \
    "(" T ".tlp <= " MAX " OR " T ".org_id = " ORG " OR instr(coalesce(" T ".recipients, ''),"     \
    " ',' || " ORG " || ',') > 0)"

/* Indicators, objects and sources are found by their keys through the
 * in-memory key indexes (sqlite_keys.c): a hit names candidate rows, which
 * these statements confirm. */
static const char q_ioc_check[] = "SELECT 1 FROM iocs WHERE id = ?1 AND type = ?2 AND value = ?3";
static const char q_ioc_insert[] =
    "INSERT INTO iocs (type, value, first_seen, last_seen, sightings, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?3, 0, ?3, ?3)";
static const char q_ioc_touch[] =
    "UPDATE iocs SET last_seen = max(last_seen, ?2), first_seen = min(first_seen, ?2),"
    " updated_at = ?2 WHERE id = ?1";
#define IOC_COLS "i.id, i.type, i.value, i.first_seen, i.last_seen, i.sightings, i.created_at, i.updated_at"
static const char q_ioc_get[] = "SELECT " IOC_COLS " FROM iocs i WHERE i.id = ?";
static const char q_ioc_list[] =
    "SELECT " IOC_COLS " FROM iocs i WHERE i.id > ?3 AND (?4 IS NULL OR i.type = ?4)"
    " AND (?5 IS NULL OR i.value = ?5) AND (?7 IS NULL OR i.id IN (SELECT value FROM"
    " json_each(?7))) AND EXISTS (SELECT 1 FROM ioc_sources s"
    " WHERE s.id IN (SELECT value FROM json_each(i.srcs)) AND " VISIBLE("s", "?1", "?2") ")"
    " ORDER BY i.id LIMIT ?6";
/* An indicator's sources are the rows its srcs names (migration 72). */
#define SRCS_OF(IOC) "(SELECT value FROM json_each((SELECT srcs FROM iocs WHERE id = " IOC ")))"
static const char q_src_find[] =
    "SELECT id FROM ioc_sources WHERE id IN " SRCS_OF("?1") " AND ioc_id = ?1 AND org_id = ?2";
static const char q_ioc_add_src[] =
    "UPDATE iocs SET srcs = json_insert(coalesce(srcs, '[]'), '$[#]', ?2) WHERE id = ?1";
static const char q_src_insert[] =
    "INSERT INTO ioc_sources (ioc_id, org_id, stix_id, tlp, confidence, labels, recipients,"
    " valid_from, valid_until, first_seen, last_seen, reports)"
    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,1)";
static const char q_src_update[] =
    "UPDATE ioc_sources SET stix_id = ?3, tlp = ?4, confidence = ?5, labels = ?6,"
    " recipients = ?7, valid_from = ?8, valid_until = ?9, last_seen = max(last_seen, ?11),"
    " reports = reports + 1 WHERE id = ?12";
#define SRC_COLS                                                                                   \
    "s.id, s.ioc_id, s.org_id, s.stix_id, s.tlp, s.confidence, s.labels, s.recipients,"            \
    " s.valid_from, s.valid_until, s.first_seen, s.last_seen, s.reports, i.type, i.value"
static const char q_src_list[] =
    "SELECT " SRC_COLS " FROM ioc_sources s JOIN iocs i ON i.id = s.ioc_id WHERE s.id IN "
    SRCS_OF("?1") " AND s.ioc_id = ?1 ORDER BY s.id";
static const char q_src_stix[] =
    "SELECT " SRC_COLS " FROM ioc_sources s JOIN iocs i ON i.id = s.ioc_id"
    " WHERE s.id IN (SELECT value FROM json_each(?2)) AND s.stix_id = ?1 ORDER BY s.id";
static const char q_src_scan[] =
    "SELECT " SRC_COLS " FROM ioc_sources s JOIN iocs i ON i.id = s.ioc_id WHERE s.id > ?"
    " ORDER BY s.id LIMIT ?";
static const char q_sight_insert[] =
    "INSERT INTO ioc_sightings (ioc_id, org_id, at, count, tlp, note, stix_id)"
    " VALUES (?,?,?,?,?,?,?)";
static const char q_sight_bump[] =
    "UPDATE iocs SET sightings = sightings + ?2, last_seen = max(last_seen, ?3), updated_at = ?3"
    " WHERE id = ?1";
static const char q_sightings[] =
    "SELECT id, ioc_id, org_id, at, count, tlp, note, stix_id FROM ioc_sightings"
    " WHERE ioc_id = ? ORDER BY id";
static const char q_coll_find[] = "SELECT n FROM taxii_collections WHERE id = ?";
static const char q_coll_add[] = "INSERT INTO taxii_collections (id) VALUES (?)";
/* The versions of one object already stored (?3: its candidate rows): does
 * a newer or an older exist, or this very version (?4)? */
static const char q_taxii_span[] =
    "SELECT min(version_ms), max(version_ms), max(version_ms = ?4) FROM taxii_objects"
    " WHERE date_added IN (SELECT value FROM json_each(?3)) AND collection = ?1 AND id = ?2";
/* date_added is unique and increasing: at least the time, after the newest
 * stored (read once per write transaction; the writer holds the lock). */
static const char q_taxii_insert[] =
    "INSERT INTO taxii_objects (collection, id, type, spec_version, version, version_ms,"
    " date_added, tlp, org_id, recipients, body, newer) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
    "?11,?12)";
static const char q_taxii_last[] = "SELECT coalesce(max(date_added), 0) FROM taxii_objects";
/* How far (us) a date_added given in a transaction may lag the time. */
#define ADDED_LAG 1000

/* ---- rows held back by the writer ----
 * In a write transaction, new indicators, objects and sources get their row
 * ids from the writer (the newest read once per transaction and after an
 * undo; it holds the lock) and are held back, to be stored 512 at a time in
 * one INSERT ... SELECT from vg_rows (sqlite_rows.c): no statement set up
 * or parameter bound per row. They are stored when 512 of a kind are held,
 * before anything else reads or changes these tables, and before a
 * savepoint is set or released or the transaction commits (sqlite.c); a
 * rollback or an undone savepoint drops them. Indicators go first: sources
 * refer to them. */
enum { HELD_IOC, HELD_OBJ, HELD_SRC, HELD_N };
#define HELD_ROWS 512
#define HELD_COLS 12
static const struct {
    const char *sql, *what;
    int ncol;
} held_sql[HELD_N] = {
    [HELD_IOC] = {"INSERT INTO iocs (type, value, first_seen, last_seen, created_at, updated_at,"
                  " srcs) SELECT c1, c2, c3, c4, c5, c6, c7 FROM vg_rows(?1)", "indicator", 8},
    [HELD_OBJ] = {"INSERT INTO taxii_objects (collection, id, type, spec_version, version,"
                  " version_ms, date_added, tlp, org_id, recipients, body, newer) SELECT c0, c1,"
                  " c2, c3, c4, c5, c6, c7, c8, c9, c10, c11 FROM vg_rows(?1)", "object", 12},
    [HELD_SRC] = {"INSERT INTO ioc_sources (ioc_id, org_id, stix_id, tlp, confidence, labels,"
                  " recipients, valid_from, valid_until, first_seen, last_seen, reports) SELECT"
                  " c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, 1 FROM vg_rows(?1)",
                  "indicator source", 12},
};
static const char q_ioc_last[] = "SELECT coalesce(max(id), 0) FROM iocs";
static const char q_src_last[] = "SELECT coalesce(max(id), 0) FROM ioc_sources";

struct held_val {
    int64_t i;
    size_t off, len;
    int type; /* SQLITE_INTEGER, SQLITE_TEXT or SQLITE_NULL */
};

struct vg__sq_held {
    size_t n[HELD_N];
    struct held_val v[HELD_N][HELD_ROWS * HELD_COLS];
    size_t nv; /* values of the row being added */
    struct vg_buf text; /* the texts of every held row */
};

static int one_row(struct sqlite_store *s, sqlite3_stmt *st, const char *what, int64_t *a,
                   int64_t *b, struct vg_err *err);

static struct held_val *held_row(struct sqlite_store *s, int kind)
{
    struct vg__sq_held *h = s->held ? s->held : (s->held = vg_xcalloc(1, sizeof(*h)));
    h->nv = 0;
    return h->v[kind] + h->n[kind] * HELD_COLS;
}

static void hv_int(struct sqlite_store *s, struct held_val *row, int64_t i)
{
    row[s->held->nv++] = (struct held_val){.i = i, .type = SQLITE_INTEGER};
}

/* Text t (NULL: a NULL) of n bytes (0: strlen(t)). */
static void hv_textn(struct sqlite_store *s, struct held_val *row, const char *t, size_t n)
{
    struct vg__sq_held *h = s->held;
    struct held_val *v = &row[h->nv++];
    v->type = t ? SQLITE_TEXT : SQLITE_NULL;
    v->off = h->text.n;
    v->len = t ? (n ? n : strlen(t)) : 0;
    vg_buf_append(&h->text, t ? t : "", v->len);
}

static void hv_text(struct sqlite_store *s, struct held_val *row, const char *t)
{
    hv_textn(s, row, t, 0);
}

/* What vg_rows reads: the held rows of one kind. */
struct held_rows {
    const struct vg__sq_held *h;
    int kind, ncol;
};

static void held_col(sqlite3_context *ctx, const void *rows, size_t i, int c)
{
    const struct held_rows *r = rows;
    const struct held_val *v = &r->h->v[r->kind][i * HELD_COLS + c];
    if (c >= r->ncol || v->type == SQLITE_NULL)
        sqlite3_result_null(ctx);
    else if (v->type == SQLITE_INTEGER)
        sqlite3_result_int64(ctx, v->i);
    else
        sqlite3_result_text(ctx, r->h->text.p + v->off, (int)v->len, SQLITE_STATIC);
}


/* Objects whose date_added (their row id) is the next after the largest in
 * the table when they are stored (as a bulk ingest's mostly are: see
 * vg__sq_taxii_put) are given it by SQLite -- NULL in the row id's column --
 * rather than stored with it: an append with no search of the table for
 * the id first (a tenth of the writer's instructions per object). */
static int held_objects_next(struct sqlite_store *s, struct vg_err *err)
{
    sqlite3_stmt *st = vg__sq_prep(s, q_taxii_last, err);
    int64_t top = 0;
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    if ((rc = one_row(s, st, "object", &top, NULL, err)) != VG_OK)
        return rc;
    for (size_t i = 0; i < s->held->n[HELD_OBJ]; i++) {
        struct held_val *d = &s->held->v[HELD_OBJ][i * HELD_COLS + 6];
        if (d->i == top + 1)
            d->type = SQLITE_NULL; /* the value stays, for the check below */
        if (d->i > top)
            top = d->i;
    }
    return VG_OK;
}

/* Rows take the row ids SQLite gives (the next after the largest: an
 * append without a search for the id) or, for objects, their date_added,
 * which are the ones the writer gave them (it numbers from the largest,
 * read again after an undo); a difference would be an error, never a wrong
 * key. */
static int held_store(struct sqlite_store *s, int kind, struct vg_err *err)
{
    struct held_rows r = {s->held, kind, held_sql[kind].ncol};
    size_t n = s->held->n[kind];
    struct vg__sq_rows src = {&r, n, held_col};
    int rc = kind == HELD_OBJ ? held_objects_next(s, err) : VG_OK;
    if (rc == VG_OK)
        rc = vg__sq_rows_insert(s, held_sql[kind].sql, &src, held_sql[kind].what, err);
    s->held->n[kind] = 0;
    if (rc == VG_OK && n &&
        sqlite3_last_insert_rowid(s->db) !=
            s->held->v[kind][(n - 1) * HELD_COLS + (kind == HELD_OBJ ? 6 : 0)].i)
        rc = vg_err_set(err, VG_EBACKEND, "%s: row ids out of step", held_sql[kind].what);
    return rc;
}

/* Stores what is held of kind (HELD_N: of every kind), indicators first
 * when sources are stored (they refer to them; objects do not: storing the
 * indicators held with every 33 objects stored them one statement each). */
static int held_flush(struct sqlite_store *s, int kind, struct vg_err *err)
{
    struct vg__sq_held *h = s->held;
    int rc = VG_OK;
    if (h == NULL)
        return VG_OK;
    for (int k = 0; rc == VG_OK && k < HELD_N; k++)
        if (h->n[k] && (kind == HELD_N || k == kind || (k == HELD_IOC && kind == HELD_SRC)))
            rc = held_store(s, k, err);
    if (h->n[HELD_IOC] + h->n[HELD_OBJ] + h->n[HELD_SRC] == 0)
        vg_buf_reset(&h->text);
    return rc;
}

/* A row of kind was added: stored with 511 others. */
static int held_added(struct sqlite_store *s, int kind, struct vg_err *err)
{
    return ++s->held->n[kind] == HELD_ROWS ? held_flush(s, kind, err) : VG_OK;
}

int vg__sq_ioc_flush(struct sqlite_store *s, struct vg_err *err)
{
    return held_flush(s, HELD_N, err);
}

void vg__sq_ioc_discard(struct sqlite_store *s)
{
    s->ioc_ok = s->src_ok = 0; /* the largest ids are read again */
    if (s->held) {
        memset(s->held->n, 0, sizeof(s->held->n));
        vg_buf_reset(&s->held->text);
    }
}

void vg__sq_ioc_free(struct sqlite_store *s)
{
    if (s->held) {
        vg_buf_free(&s->held->text);
        free(s->held);
        s->held = NULL;
    }
}

/* The next row id of a table, counted by the writer within a transaction. */
static int next_id(struct sqlite_store *s, const char *q, int64_t *last, int *ok, int64_t *id,
                   struct vg_err *err)
{
    if (!*ok) {
        sqlite3_stmt *st = vg__sq_prep(s, q, err);
        int rc;
        if (st == NULL)
            return VG_EBACKEND;
        if ((rc = one_row(s, st, "row id", last, NULL, err)) != VG_OK)
            return rc;
        *ok = 1;
    }
    *id = ++*last;
    return VG_OK;
}

static const char q_taxii_older[] =
    "UPDATE taxii_objects SET newer = 1 WHERE date_added IN (SELECT value FROM json_each(?4))"
    " AND collection = ?1 AND id = ?2 AND version_ms < ?3 AND newer = 0";
#define TAXII_COLS                                                                                 \
    "o.date_added, NULL, o.id, o.type, o.spec_version, o.version, o.version_ms, o.date_added,"    \
    " o.tlp, o.org_id, o.recipients, o.body"
/* ?1 collection, ?2 max tlp, ?3 viewer org, ?4 added_after, ?5 ids, ?6 types,
 * ?7 spec_versions, ?8 version mode, ?9 versions, ?10 limit, ?11 the rows
 * the key index names for ids. "last"/"first" pick among the versions the
 * viewer may see (an object's versions: vg_obj_rows(id), the rows the key
 * index names for it). WHERE is how rows are found: by id (?11), in date_added order
 * through the (collection, date_added) index, or straight from the table in
 * rowid (= date_added) order for a collection holding most of the rows, which
 * saves a table search per row. */
/* The rows of a page whose text the store writes: date_added, and the body. */
#define TAXII_PAGE_COLS                                                                            \
    "o.date_added, NULL, NULL, NULL, NULL, NULL, 0, o.date_added, 0, 0, NULL, o.body"
#define TAXII_LIST(COLS, WHERE, ORDER)                                                             \
    "SELECT " COLS " FROM taxii_objects o WHERE " WHERE                                           \
    " AND " VISIBLE("o", "?2", "?3")                                                               \
    " AND (?6 IS NULL OR o.type IN (SELECT value FROM json_each(?6)))"                             \
    " AND (?7 IS NULL OR o.spec_version IN (SELECT value FROM json_each(?7)))"                     \
    " AND (?8 = 2 OR (?8 = 3 AND o.version_ms IN (SELECT value FROM json_each(?9)))"              \
    "  OR (?8 = 0 AND (o.newer = 0 OR o.version_ms = (SELECT max(p.version_ms)"                   \
    "      FROM taxii_objects p WHERE p.date_added IN (SELECT value FROM json_each(vg_obj_rows(o.id)))" \
    "      AND p.collection = o.collection AND p.id = o.id AND " VISIBLE("p", "?2", "?3") ")))"  \
    "  OR (?8 = 1 AND o.version_ms = (SELECT min(p.version_ms) FROM taxii_objects p"              \
    "      WHERE p.date_added IN (SELECT value FROM json_each(vg_obj_rows(o.id)))"                \
    "      AND p.collection = o.collection AND p.id = o.id AND " VISIBLE("p", "?2", "?3") ")))"  \
    " ORDER BY " ORDER " LIMIT ?10"
#define BY_DATE "o.collection = ?1 AND o.date_added > ?4 AND (?5 IS NULL OR ?5 = ?5)"
#define BY_ROWID "+o.collection = ?1 AND o.date_added > ?4 AND (?5 IS NULL OR ?5 = ?5)"
static const char q_taxii_list[] = TAXII_LIST(TAXII_COLS, BY_DATE, "o.date_added");
static const char q_taxii_list_dense[] = TAXII_LIST(TAXII_COLS, BY_ROWID, "o.date_added");
static const char q_taxii_page[] = TAXII_LIST(TAXII_PAGE_COLS, BY_DATE, "o.date_added");
static const char q_taxii_page_dense[] = TAXII_LIST(TAXII_PAGE_COLS, BY_ROWID, "o.date_added");
/* "+": neither the date index nor its order; the few versions are sorted */
static const char q_taxii_list_ids[] = TAXII_LIST(TAXII_COLS,
    "o.date_added IN (SELECT value FROM json_each(?11)) AND +o.collection = ?1"
    " AND o.id IN (SELECT value FROM json_each(?5)) AND +o.date_added > ?4",
    "+o.date_added");
static const char q_json_strings[] = "SELECT value FROM json_each(?1) WHERE type = 'text'";
static const char q_status_put[] =
    "INSERT INTO taxii_status (id, org_id, created_at, body) VALUES (?,?,?,?)";
static const char q_status_get[] =
    "SELECT id, org_id, created_at, body FROM taxii_status WHERE id = ?";
#define DISP_COLS                                                                                  \
    "id, state, ioc_id, target_org, target_category, measure, deadline, created_by, created_at,"   \
    " updated_at, issued_at, acknowledged_at, executed_at, closed_at, doc"
static const char q_disp_insert[] =
    "INSERT INTO disposals (state, ioc_id, target_org, target_category, measure, deadline,"
    " created_by, created_at, updated_at, issued_at, acknowledged_at, executed_at, closed_at, doc)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char q_disp_get[] = "SELECT " DISP_COLS " FROM disposals WHERE id = ?";
static const char q_disp_update[] =
    "UPDATE disposals SET state = ?2, ioc_id = ?3, target_org = ?4, target_category = ?5,"
    " measure = ?6, deadline = ?7, updated_at = ?8, issued_at = ?9, acknowledged_at = ?10,"
    " executed_at = ?11, closed_at = ?12, doc = ?13 WHERE id = ?1";
static const char q_disp_list[] =
    "SELECT " DISP_COLS " FROM disposals WHERE id > ?1 AND (?2 IS NULL OR state = ?2)"
    " AND (?3 = 0 OR target_org = ?3)"
    " AND (?4 = 0 OR (state = 'notice_issued' AND deadline > 0 AND deadline < ?5))"
    " ORDER BY id LIMIT ?6";

static void bind_viewer(sqlite3_stmt *st, int i, const struct vg_ioc_viewer *v)
{
    sqlite3_bind_int(st, i, v->max_tlp);
    sqlite3_bind_int64(st, i + 1, v->org);
}

/* Steps a one-row SELECT: VG_OK with its first column(s) in a (and b), or
 * VG_ENOTFOUND when there is no row (or the first column is NULL). */
static int one_row(struct sqlite_store *s, sqlite3_stmt *st, const char *what, int64_t *a,
                   int64_t *b, struct vg_err *err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *a = sqlite3_column_int64(st, 0);
        if (b)
            *b = sqlite3_column_int64(st, 1);
        sqlite3_reset(st);
        return VG_OK;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return VG_ENOTFOUND;
    return vg__sq_err(s, rc, what, err);
}

/* The rows the key index names for h, as a JSON array in b (empty: none). */
static size_t key_rows(struct sqlite_store *s, int kind, uint64_t h, struct vg_buf *b)
{
    struct vg__sq_refs r = {0};
    size_t n = vg__sq_keys_find(s, kind, h, &r);
    vg__sq_refs_json(&r, b);
    free(r.v);
    return n;
}

int vg__sq_ioc_upsert(struct vg_store *base, const char *type, const char *value,
                      uint64_t key_hash, int64_t at, int64_t *id, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st;
    struct vg__sq_refs r = {0};
    uint64_t h = key_hash ? key_hash : vg__sq_keys_hash(type, value);
    int rc;
    s->ioc_new = 0;
    if ((rc = vg__sq_keys_sync(s, err)) != VG_OK)
        return rc;
    *id = 0;
    if (vg__sq_keys_find(s, VG__SQK_IOC, h, &r) && (rc = vg__sq_ioc_flush(s, err)) != VG_OK) {
        free(r.v);
        return rc;
    }
    for (size_t i = 0, n = r.n; *id == 0 && i < n; i++) {
        if ((st = vg__sq_prep(s, q_ioc_check, err)) == NULL) {
            free(r.v);
            return VG_EBACKEND;
        }
        sqlite3_bind_int64(st, 1, r.v[i]);
        vg__sq_bind_str(st, 2, type);
        vg__sq_bind_str(st, 3, value);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_ROW)
            *id = r.v[i];
        else if (rc != SQLITE_DONE) {
            free(r.v);
            return vg__sq_err(s, rc, "indicator", err);
        }
    }
    free(r.v);
    if (*id) {
        if ((st = vg__sq_prep(s, q_ioc_touch, err)) == NULL)
            return VG_EBACKEND;
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, at);
        return vg__sq_exec(s, st, "indicator", 1, err);
    }
    if (s->ktx) { /* held back and stored with others */
        struct held_val *v;
        if ((rc = next_id(s, q_ioc_last, &s->ioc_last, &s->ioc_ok, id, err)) != VG_OK)
            return rc;
        v = held_row(s, HELD_IOC);
        hv_int(s, v, *id);
        hv_text(s, v, type);
        hv_text(s, v, value);
        for (int k = 0; k < 4; k++)
            hv_int(s, v, at);
        hv_text(s, v, NULL); /* srcs: its first source sets it (ioc_add_src) */
        s->ioc_new = *id;
        if ((rc = vg__sq_keys_add(s, VG__SQK_IOC, h, *id, 0, err)) != VG_OK)
            return rc;
        return held_added(s, HELD_IOC, err);
    }
    if ((st = vg__sq_prep(s, q_ioc_insert, err)) == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, type);
    vg__sq_bind_str(st, 2, value);
    sqlite3_bind_int64(st, 3, at);
    if ((rc = vg__sq_exec(s, st, "indicator", 0, err)) != VG_OK)
        return rc;
    *id = s->ioc_new = sqlite3_last_insert_rowid(s->db);
    return vg__sq_keys_add(s, VG__SQK_IOC, h, *id, 0, err);
}

static void read_ioc(sqlite3_stmt *st, struct vg_arena *a, struct vg_ioc_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->type = vg__sq_str(st, 1, a);
    r->value = vg__sq_str(st, 2, a);
    r->first_seen = sqlite3_column_int64(st, 3);
    r->last_seen = sqlite3_column_int64(st, 4);
    r->sightings = sqlite3_column_int64(st, 5);
    r->created_at = sqlite3_column_int64(st, 6);
    r->updated_at = sqlite3_column_int64(st, 7);
}

int vg__sq_ioc_get(struct vg_store *base, int64_t id, struct vg_arena *a, struct vg_ioc_row *out,
                   struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    if (s->held && vg__sq_ioc_flush(s, err) != VG_OK)
        return VG_EBACKEND;
    sqlite3_stmt *st = vg__sq_prep(s, q_ioc_get, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, id);
    GET_ONE(s, st, "indicator", err, read_ioc(st, a, out));
}

int vg__sq_ioc_list(struct vg_store *base, const struct vg_ioc_viewer *v, const char *type,
                    const char *value, int64_t after, int limit, struct vg_arena *a,
                    struct vg_ioc_row **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    if (s->held && vg__sq_ioc_flush(s, err) != VG_OK)
        return VG_EBACKEND;
    sqlite3_stmt *st;
    struct vg_buf rows = {0};
    int rc;
    if (value) { /* found through the key index (a value without a type: none) */
        if ((rc = vg__sq_keys_sync(s, err)) != VG_OK)
            return rc;
        key_rows(s, VG__SQK_IOC, vg__sq_keys_hash(type ? type : "", value), &rows);
    }
    if ((st = vg__sq_prep(s, q_ioc_list, err)) == NULL) {
        vg_buf_free(&rows);
        return VG_EBACKEND;
    }
    bind_viewer(st, 1, v);
    sqlite3_bind_int64(st, 3, after);
    vg__sq_bind_str(st, 4, type);
    vg__sq_bind_str(st, 5, value);
    sqlite3_bind_int(st, 6, limit);
    if (value)
        sqlite3_bind_text(st, 7, rows.p, (int)rows.n, SQLITE_TRANSIENT);
    vg_buf_free(&rows);
    GET_MANY(s, st, "indicators", a, struct vg_ioc_row, out, n, err, read_ioc(st, a, it));
}

/* The key of a source: its STIX id's hash, taken by the caller or here. */
static uint64_t src_hash(const struct vg_ioc_source *src)
{
    return src->key_hash ? src->key_hash : vg__sq_keys_hash(src->stix_id, NULL);
}

/* Source src_id is the indicator's (its srcs lists it): in the indicator's
 * row held back when the upsert just created it (the last one held), else
 * in the stored row. */
static int ioc_add_src(struct sqlite_store *s, int64_t ioc_id, int64_t src_id,
                       struct vg_err *err)
{
    struct vg__sq_held *h = s->held;
    sqlite3_stmt *st;
    int rc;
    if (h && h->n[HELD_IOC] > 0) {
        struct held_val *row = h->v[HELD_IOC] + (h->n[HELD_IOC] - 1) * HELD_COLS;
        if (row[0].i == ioc_id && row[7].type == SQLITE_NULL) { /* "[src_id]" */
            size_t off = h->text.n;
            vg_buf_putc(&h->text, '[');
            vg_buf_put_i64(&h->text, src_id);
            vg_buf_putc(&h->text, ']');
            row[7] = (struct held_val){.off = off, .len = h->text.n - off, .type = SQLITE_TEXT};
            return VG_OK;
        }
    }
    if ((rc = held_flush(s, HELD_IOC, err)) != VG_OK)
        return rc;
    if ((st = vg__sq_prep(s, q_ioc_add_src, err)) == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, ioc_id);
    sqlite3_bind_int64(st, 2, src_id);
    return vg__sq_exec(s, st, "indicator", 0, err); /* none: the foreign key's to refuse */
}

int vg__sq_ioc_source_put(struct vg_store *base, struct vg_ioc_source *src, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st;
    int rc, found;
    if ((rc = vg__sq_keys_sync(s, err)) != VG_OK)
        return rc;
    rc = VG_ENOTFOUND;
    /* An indicator the upsert just created has no source to find. */
    if (src->ioc_id != s->ioc_new) {
        if ((rc = vg__sq_ioc_flush(s, err)) != VG_OK)
            return rc;
        if ((st = vg__sq_prep(s, q_src_find, err)) == NULL)
            return VG_EBACKEND;
        sqlite3_bind_int64(st, 1, src->ioc_id);
        sqlite3_bind_int64(st, 2, src->org_id);
        if ((rc = one_row(s, st, "indicator source", &src->id, NULL, err)) != VG_OK &&
            rc != VG_ENOTFOUND)
            return rc;
    }
    s->ioc_new = 0;
    found = rc == VG_OK;
    if (!found && s->ktx) { /* held back and stored with others */
        struct held_val *v;
        if ((rc = next_id(s, q_src_last, &s->src_last, &s->src_ok, &src->id, err)) != VG_OK ||
            (rc = ioc_add_src(s, src->ioc_id, src->id, err)) != VG_OK) /* before the row: */
            return rc;                        /* it may store what is held */
        v = held_row(s, HELD_SRC);
        hv_int(s, v, src->id);
        hv_int(s, v, src->ioc_id);
        hv_int(s, v, src->org_id);
        hv_text(s, v, src->stix_id);
        hv_int(s, v, src->tlp);
        hv_int(s, v, src->confidence);
        hv_text(s, v, src->labels);
        hv_text(s, v, src->recipients);
        hv_int(s, v, src->valid_from);
        hv_int(s, v, src->valid_until);
        hv_int(s, v, src->first_seen);
        hv_int(s, v, src->last_seen);
        if ((rc = vg__sq_keys_add(s, VG__SQK_SRC, src_hash(src), src->id, 0, err)) != VG_OK)
            return rc;
        return held_added(s, HELD_SRC, err);
    }
    if ((st = vg__sq_prep(s, found ? q_src_update : q_src_insert, err)) == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, src->ioc_id);
    sqlite3_bind_int64(st, 2, src->org_id);
    vg__sq_bind_str(st, 3, src->stix_id);
    sqlite3_bind_int(st, 4, src->tlp);
    sqlite3_bind_int(st, 5, src->confidence);
    vg__sq_bind_str(st, 6, src->labels);
    vg__sq_bind_str(st, 7, src->recipients);
    sqlite3_bind_int64(st, 8, src->valid_from);
    sqlite3_bind_int64(st, 9, src->valid_until);
    if (!found)
        sqlite3_bind_int64(st, 10, src->first_seen);
    sqlite3_bind_int64(st, 11, src->last_seen);
    if (found)
        sqlite3_bind_int64(st, 12, src->id);
    if ((rc = vg__sq_exec(s, st, "indicator source", found, err)) != VG_OK)
        return rc;
    if (!found) {
        src->id = sqlite3_last_insert_rowid(s->db);
        if ((rc = ioc_add_src(s, src->ioc_id, src->id, err)) != VG_OK)
            return rc;
    }
    /* found by its (new) STIX id from now on; the key it had stays and is
     * not confirmed by the row any more */
    return vg__sq_keys_add(s, VG__SQK_SRC, src_hash(src), src->id, found, err);
}

static void read_src(sqlite3_stmt *st, struct vg_arena *a, struct vg_ioc_source *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->ioc_id = sqlite3_column_int64(st, 1);
    r->org_id = sqlite3_column_int64(st, 2);
    r->stix_id = vg__sq_str(st, 3, a);
    r->tlp = sqlite3_column_int(st, 4);
    r->confidence = sqlite3_column_int(st, 5);
    r->labels = vg__sq_str(st, 6, a);
    r->recipients = vg__sq_str(st, 7, a);
    r->valid_from = sqlite3_column_int64(st, 8);
    r->valid_until = sqlite3_column_int64(st, 9);
    r->first_seen = sqlite3_column_int64(st, 10);
    r->last_seen = sqlite3_column_int64(st, 11);
    r->reports = sqlite3_column_int64(st, 12);
    r->type = vg__sq_str(st, 13, a);
    r->value = vg__sq_str(st, 14, a);
}

int vg__sq_ioc_sources(struct vg_store *base, int64_t ioc_id, struct vg_arena *a,
                       struct vg_ioc_source **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    if (s->held && vg__sq_ioc_flush(s, err) != VG_OK)
        return VG_EBACKEND;
    sqlite3_stmt *st = vg__sq_prep(s, q_src_list, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, ioc_id);
    GET_MANY(s, st, "indicator sources", a, struct vg_ioc_source, out, n, err,
             read_src(st, a, it));
}

int vg__sq_ioc_sources_by_stix(struct vg_store *base, const char *stix_id, struct vg_arena *a,
                               struct vg_ioc_source **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    if (s->held && vg__sq_ioc_flush(s, err) != VG_OK)
        return VG_EBACKEND;
    sqlite3_stmt *st;
    struct vg_buf rows = {0};
    int rc;
    if ((rc = vg__sq_keys_sync(s, err)) != VG_OK)
        return rc;
    key_rows(s, VG__SQK_SRC, vg__sq_keys_hash(stix_id, NULL), &rows);
    if ((st = vg__sq_prep(s, q_src_stix, err)) == NULL) {
        vg_buf_free(&rows);
        return VG_EBACKEND;
    }
    vg__sq_bind_str(st, 1, stix_id);
    sqlite3_bind_text(st, 2, rows.p, (int)rows.n, SQLITE_TRANSIENT);
    vg_buf_free(&rows);
    GET_MANY(s, st, "indicator sources", a, struct vg_ioc_source, out, n, err,
             read_src(st, a, it));
}

int vg__sq_ioc_source_scan(struct vg_store *base, int64_t after, int limit, struct vg_arena *a,
                           struct vg_ioc_source **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    if (s->held && vg__sq_ioc_flush(s, err) != VG_OK)
        return VG_EBACKEND;
    sqlite3_stmt *st = vg__sq_prep(s, q_src_scan, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    GET_MANY(s, st, "indicator sources", a, struct vg_ioc_source, out, n, err,
             read_src(st, a, it));
}

int vg__sq_ioc_sighting_insert(struct vg_store *base, struct vg_ioc_sighting *g,
                               struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    if (s->held && vg__sq_ioc_flush(s, err) != VG_OK)
        return VG_EBACKEND;
    sqlite3_stmt *st = vg__sq_prep(s, q_sight_insert, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, g->ioc_id);
    sqlite3_bind_int64(st, 2, g->org_id);
    sqlite3_bind_int64(st, 3, g->at);
    sqlite3_bind_int64(st, 4, g->count);
    sqlite3_bind_int(st, 5, g->tlp);
    vg__sq_bind_str(st, 6, g->note);
    vg__sq_bind_str(st, 7, g->stix_id);
    if ((rc = vg__sq_exec(s, st, "sighting", 0, err)) != VG_OK)
        return rc;
    g->id = sqlite3_last_insert_rowid(s->db);
    if ((st = vg__sq_prep(s, q_sight_bump, err)) == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, g->ioc_id);
    sqlite3_bind_int64(st, 2, g->count);
    sqlite3_bind_int64(st, 3, g->at);
    return vg__sq_exec(s, st, "indicator", 1, err);
}

int vg__sq_ioc_sightings(struct vg_store *base, int64_t ioc_id, struct vg_arena *a,
                         struct vg_ioc_sighting **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    if (s->held && vg__sq_ioc_flush(s, err) != VG_OK)
        return VG_EBACKEND;
    sqlite3_stmt *st = vg__sq_prep(s, q_sightings, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, ioc_id);
    GET_MANY(s, st, "sightings", a, struct vg_ioc_sighting, out, n, err, {
        it->id = sqlite3_column_int64(st, 0);
        it->ioc_id = sqlite3_column_int64(st, 1);
        it->org_id = sqlite3_column_int64(st, 2);
        it->at = sqlite3_column_int64(st, 3);
        it->count = sqlite3_column_int64(st, 4);
        it->tlp = sqlite3_column_int(st, 5);
        it->note = vg__sq_str(st, 6, a);
        it->stix_id = vg__sq_str(st, 7, a);
    });
}

/* ---- TAXII ---- */

/* A rolled back transaction may have added a cached collection. */
static void coll_forget(void *p)
{
    struct sqlite_store *s = p;
    memset(s->coll, 0, sizeof(s->coll));
}

/* The number of collection c: cached per connection (numbers never change
 * once committed; the cache is dropped on rollback), else read, else
 * (create) added. VG_ENOTFOUND when unknown and !create. */
static int coll_num(struct sqlite_store *s, const char *c, int create, int64_t *n,
                    struct vg_err *err)
{
    sqlite3_stmt *st;
    size_t k, len = strlen(c);
    int rc;
    for (k = 0; k < VG_ARRAY_LEN(s->coll) && s->coll[k].n; k++)
        if (strcmp(s->coll[k].id, c) == 0) {
            *n = s->coll[k].n;
            return VG_OK;
        }
    if ((st = vg__sq_prep(s, q_coll_find, err)) == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, c);
    rc = one_row(s, st, "collection", n, NULL, err);
    if (rc == VG_ENOTFOUND && create) {
        if ((st = vg__sq_prep(s, q_coll_add, err)) == NULL)
            return VG_EBACKEND;
        vg__sq_bind_str(st, 1, c);
        if ((rc = vg__sq_exec(s, st, "collection", 0, err)) != VG_OK)
            return rc;
        *n = sqlite3_last_insert_rowid(s->db);
    }
    if (rc == VG_OK && k < VG_ARRAY_LEN(s->coll) && len < sizeof(s->coll[k].id)) {
        sqlite3_rollback_hook(s->db, coll_forget, s);
        memcpy(s->coll[k].id, c, len + 1);
        s->coll[k].n = *n;
    }
    return rc;
}

int vg__sq_taxii_put(struct vg_store *base, struct vg_taxii_object *o, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st;
    struct vg_buf rows = {0};
    struct vg__sq_refs r = {0};
    uint64_t h = o->key_hash ? o->key_hash : vg__sq_keys_hash(o->id, NULL);
    int64_t lo = 0, hi = 0, coll = 0;
    int rc, older = 0, newer = 0;
    if ((rc = coll_num(s, o->collection, 1, &coll, err)) != VG_OK ||
        (rc = vg__sq_keys_sync(s, err)) != VG_OK)
        return rc;
    if (o->ahead_id || o->ahead_value) /* a later object's slots, while this one is stored */
        vg__sq_keys_prefetch(s, o->ahead_id, o->ahead_value);
    /* A new id (the bulk case) has no rows to read (nor a list to write). */
    if (vg__sq_keys_find(s, VG__SQK_OBJ, h, &r)) {
        int same = 0;
        vg__sq_refs_json(&r, &rows);
        if ((rc = vg__sq_ioc_flush(s, err)) != VG_OK)
            goto out;
        if ((st = vg__sq_prep(s, q_taxii_span, err)) == NULL)
            goto fail;
        sqlite3_bind_int64(st, 1, coll);
        vg__sq_bind_str(st, 2, o->id);
        vg__sq_bind_str(st, 3, rows.p);
        sqlite3_bind_int64(st, 4, o->version_ms);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
            lo = sqlite3_column_int64(st, 0);
            hi = sqlite3_column_int64(st, 1);
            same = sqlite3_column_int(st, 2);
            older = lo < o->version_ms;
            newer = hi > o->version_ms;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_ROW) {
            rc = vg__sq_err(s, rc, "object", err);
            goto out;
        }
        if (same) {
            rc = vg_err_set(err, VG_ECONFLICT, "object: this version is stored already");
            goto out;
        }
    }
    /* date_added: the time, after the newest; within a transaction, the
     * next after the last (the time once that lags it by ADDED_LAG), so
     * that the rows of a bulk ingest are appended with no search for their
     * ids (held_objects_next). The first of a transaction has the time. */
    if (!s->ktx || !s->added_ok) { /* the newest date_added, once per transaction */
        if ((st = vg__sq_prep(s, q_taxii_last, err)) == NULL)
            goto fail;
        if ((rc = one_row(s, st, "object", &s->added_last, NULL, err)) != VG_OK)
            goto out;
        s->added_ok = s->ktx;
        s->added_next = 0;
    }
    if (s->added_next && o->date_added <= s->added_last + ADDED_LAG)
        s->added_last++;
    else
        s->added_last = o->date_added > s->added_last ? o->date_added : s->added_last + 1;
    s->added_next = s->ktx;
    if (s->ktx && !older) { /* held back and stored with others */
        struct held_val *v = held_row(s, HELD_OBJ);
        hv_int(s, v, coll);
        hv_text(s, v, o->id);
        hv_text(s, v, o->type);
        hv_text(s, v, o->spec_version);
        hv_text(s, v, o->version);
        hv_int(s, v, o->version_ms);
        hv_int(s, v, s->added_last);
        hv_int(s, v, o->tlp);
        hv_int(s, v, o->org_id);
        hv_text(s, v, o->recipients);
        hv_textn(s, v, o->body, o->body_len);
        hv_int(s, v, newer);
        o->rid = o->date_added = s->added_last;
        if ((rc = vg__sq_keys_add(s, VG__SQK_OBJ, h, o->date_added, 0, err)) == VG_OK)
            rc = held_added(s, HELD_OBJ, err);
        goto out;
    }
    if ((st = vg__sq_prep(s, q_taxii_insert, err)) == NULL)
        goto fail;
    sqlite3_bind_int64(st, 1, coll);
    vg__sq_bind_str(st, 2, o->id);
    vg__sq_bind_str(st, 3, o->type);
    vg__sq_bind_str(st, 4, o->spec_version);
    vg__sq_bind_str(st, 5, o->version);
    sqlite3_bind_int64(st, 6, o->version_ms);
    sqlite3_bind_int64(st, 7, s->added_last);
    sqlite3_bind_int(st, 8, o->tlp);
    sqlite3_bind_int64(st, 9, o->org_id);
    vg__sq_bind_str(st, 10, o->recipients);
    vg__sq_bind_str(st, 11, o->body);
    sqlite3_bind_int(st, 12, newer);
    if ((rc = vg__sq_exec(s, st, "object", 0, err)) != VG_OK)
        goto out;
    o->rid = o->date_added = sqlite3_last_insert_rowid(s->db);
    if ((rc = vg__sq_keys_add(s, VG__SQK_OBJ, h, o->date_added, 0, err)) != VG_OK || !older)
        goto out;
    /* Older versions learn that a newer one exists: "last" is then a flag test. */
    if ((st = vg__sq_prep(s, q_taxii_older, err)) == NULL)
        goto fail;
    sqlite3_bind_int64(st, 1, coll);
    vg__sq_bind_str(st, 2, o->id);
    sqlite3_bind_int64(st, 3, o->version_ms);
    vg__sq_bind_str(st, 4, rows.p);
    rc = vg__sq_exec(s, st, "object", 0, err);
out:
    vg_buf_free(&rows);
    free(r.v);
    return rc;
fail:
    vg_buf_free(&rows);
    free(r.v);
    return VG_EBACKEND;
}

/* vg_obj_rows(id): the rows the key index names for a STIX id, as a JSON
 * array (for json_each): an object's versions without an index on id. */
static void obj_rows_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct sqlite_store *s = sqlite3_user_data(ctx);
    const char *id = (const char *)sqlite3_value_text(argv[0]);
    struct vg_buf b = {0};
    (void)argc;
    if (id == NULL) {
        sqlite3_result_text(ctx, "[]", 2, SQLITE_STATIC);
        return;
    }
    key_rows(s, VG__SQK_OBJ, vg__sq_keys_hash(id, NULL), &b);
    sqlite3_result_text(ctx, b.p, (int)b.n, SQLITE_TRANSIENT);
    vg_buf_free(&b);
}

int vg__sq_ioc_keys_build(struct vg_store *base, struct vg_err *err)
{
    int rc = vg__sq_ioc_flush(vg__sq(base), err);
    return rc ? rc : vg__sq_keys_sync(vg__sq(base), err);
}

int vg__sq_ioc_reserve(struct vg_store *base, size_t n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    int rc;
    if (!s->ktx) /* outside a write transaction there is nothing to size */
        return VG_OK;
    rc = vg__sq_keys_sync(s, err); /* the first build first: it sizes for what is stored */
    return rc ? rc : vg__sq_keys_reserve(s, n, err);
}

int vg__sq_ioc_register(struct sqlite_store *s, struct vg_err *err)
{
    if (sqlite3_create_function(s->db, "vg_obj_rows", 1, SQLITE_UTF8, s, obj_rows_fn, NULL,
                                NULL) != SQLITE_OK)
        return vg_err_set(err, VG_EBACKEND, "cannot register vg_obj_rows: %s",
                          sqlite3_errmsg(s->db));
    return VG_OK;
}

int vg__sq_taxii_list(struct vg_store *base, const struct vg_taxii_filter *f, struct vg_arena *a,
                      struct vg_taxii_object **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    size_t rows = 0;
    const char *q = f->ids    ? q_taxii_list_ids
                    : f->page ? (f->dense ? q_taxii_page_dense : q_taxii_page)
                              : (f->dense ? q_taxii_list_dense : q_taxii_list);
    sqlite3_stmt *st;
    int64_t coll = 0;
    int rc = coll_num(s, f->collection, 0, &coll, err);
    if (rc == VG_ENOTFOUND) { /* nothing was ever stored in it */
        *out = NULL;
        *n = 0;
        return VG_OK;
    }
    if (rc != VG_OK || (rc = vg__sq_ioc_flush(s, err)) != VG_OK ||
        (rc = vg__sq_keys_sync(s, err)) != VG_OK)
        return rc;
    if ((st = vg__sq_prep(s, q, err)) == NULL)
        return VG_EBACKEND;
    if (f->ids) { /* the rows of the ids listed, from the key index */
        struct vg__sq_refs r = {0}, all = {0};
        struct vg_buf b = {0};
        sqlite3_stmt *js = vg__sq_prep(s, q_json_strings, err);
        if (js == NULL)
            return VG_EBACKEND;
        vg__sq_bind_str(js, 1, f->ids);
        while ((rc = sqlite3_step(js)) == SQLITE_ROW) {
            const char *id = (const char *)sqlite3_column_text(js, 0);
            if (id == NULL || !vg__sq_keys_find(s, VG__SQK_OBJ, vg__sq_keys_hash(id, NULL), &r))
                continue;
            all.v = vg_xrealloc(all.v, (all.n + r.n) * sizeof(*all.v));
            memcpy(all.v + all.n, r.v, r.n * sizeof(*r.v));
            all.n += r.n;
        }
        sqlite3_reset(js);
        free(r.v);
        if (rc != SQLITE_DONE) {
            free(all.v);
            return vg__sq_err(s, rc, "objects", err);
        }
        vg__sq_refs_json(&all, &b);
        sqlite3_bind_text(st, 11, b.p, (int)b.n, SQLITE_TRANSIENT);
        vg_buf_free(&b);
        free(all.v);
    }
    sqlite3_bind_int64(st, 1, coll);
    bind_viewer(st, 2, &f->viewer);
    sqlite3_bind_int64(st, 4, f->added_after);
    vg__sq_bind_str(st, 5, f->ids);
    vg__sq_bind_str(st, 6, f->types);
    vg__sq_bind_str(st, 7, f->spec_versions);
    sqlite3_bind_int(st, 8, f->version_mode);
    vg__sq_bind_str(st, 9, f->versions);
    sqlite3_bind_int(st, 10, f->limit + 1);
    GET_MANY(s, st, "objects", a, struct vg_taxii_object, out, n, err, {
        if (f->page && rows < (size_t)f->limit) {
            if (rows)
                vg_buf_putc(f->page, ',');
            /* as a blob: the text as stored, without a NUL-terminated copy */
            vg_buf_append(f->page, sqlite3_column_blob(st, 11),
                          (size_t)sqlite3_column_bytes(st, 11));
        }
        rows++;
        it->rid = sqlite3_column_int64(st, 0);
        it->collection = f->page && !f->ids ? NULL : f->collection;
        it->id = vg__sq_str(st, 2, a);
        it->type = vg__sq_str(st, 3, a);
        it->spec_version = vg__sq_str(st, 4, a);
        it->version = vg__sq_str(st, 5, a);
        it->version_ms = sqlite3_column_int64(st, 6);
        it->date_added = sqlite3_column_int64(st, 7);
        it->tlp = sqlite3_column_int(st, 8);
        it->org_id = sqlite3_column_int64(st, 9);
        it->recipients = vg__sq_str(st, 10, a);
        it->body = f->page ? NULL : vg__sq_str(st, 11, a);
    });
}

int vg__sq_taxii_status_put(struct vg_store *base, const struct vg_taxii_status *t,
                            struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_status_put, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, t->id);
    sqlite3_bind_int64(st, 2, t->org_id);
    sqlite3_bind_int64(st, 3, t->created_at);
    vg__sq_bind_str(st, 4, t->body);
    return vg__sq_exec(s, st, "status", 0, err);
}

int vg__sq_taxii_status_get(struct vg_store *base, const char *id, struct vg_arena *a,
                            struct vg_taxii_status *out, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_status_get, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, id);
    GET_ONE(s, st, "status", err, {
        out->id = vg__sq_str(st, 0, a);
        out->org_id = sqlite3_column_int64(st, 1);
        out->created_at = sqlite3_column_int64(st, 2);
        out->body = vg__sq_str(st, 3, a);
    });
}

/* ---- disposal notices ---- */

static void bind_disp(sqlite3_stmt *st, const struct vg_disposal *d, int first)
{
    sqlite3_bind_int64(st, first, d->ioc_id);
    sqlite3_bind_int64(st, first + 1, d->target_org);
    vg__sq_bind_str(st, first + 2, d->target_category);
    vg__sq_bind_str(st, first + 3, d->measure);
    sqlite3_bind_int64(st, first + 4, d->deadline);
}

int vg__sq_disposal_insert(struct vg_store *base, struct vg_disposal *d, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_disp_insert, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, d->state);
    bind_disp(st, d, 2);
    sqlite3_bind_int64(st, 7, d->created_by);
    sqlite3_bind_int64(st, 8, d->created_at);
    sqlite3_bind_int64(st, 9, d->updated_at);
    sqlite3_bind_int64(st, 10, d->issued_at);
    sqlite3_bind_int64(st, 11, d->acknowledged_at);
    sqlite3_bind_int64(st, 12, d->executed_at);
    sqlite3_bind_int64(st, 13, d->closed_at);
    vg__sq_bind_str(st, 14, d->doc);
    if ((rc = vg__sq_exec(s, st, "disposal notice", 0, err)) == VG_OK)
        d->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

static void read_disp(sqlite3_stmt *st, struct vg_arena *a, struct vg_disposal *d)
{
    d->id = sqlite3_column_int64(st, 0);
    d->state = vg__sq_str(st, 1, a);
    d->ioc_id = sqlite3_column_int64(st, 2);
    d->target_org = sqlite3_column_int64(st, 3);
    d->target_category = vg__sq_str(st, 4, a);
    d->measure = vg__sq_str(st, 5, a);
    d->deadline = sqlite3_column_int64(st, 6);
    d->created_by = sqlite3_column_int64(st, 7);
    d->created_at = sqlite3_column_int64(st, 8);
    d->updated_at = sqlite3_column_int64(st, 9);
    d->issued_at = sqlite3_column_int64(st, 10);
    d->acknowledged_at = sqlite3_column_int64(st, 11);
    d->executed_at = sqlite3_column_int64(st, 12);
    d->closed_at = sqlite3_column_int64(st, 13);
    d->doc = vg__sq_str(st, 14, a);
}

int vg__sq_disposal_get(struct vg_store *base, int64_t id, struct vg_arena *a,
                        struct vg_disposal *out, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_disp_get, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, id);
    GET_ONE(s, st, "disposal notice", err, read_disp(st, a, out));
}

int vg__sq_disposal_update(struct vg_store *base, const struct vg_disposal *d, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_disp_update, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, d->id);
    vg__sq_bind_str(st, 2, d->state);
    bind_disp(st, d, 3);
    sqlite3_bind_int64(st, 8, d->updated_at);
    sqlite3_bind_int64(st, 9, d->issued_at);
    sqlite3_bind_int64(st, 10, d->acknowledged_at);
    sqlite3_bind_int64(st, 11, d->executed_at);
    sqlite3_bind_int64(st, 12, d->closed_at);
    vg__sq_bind_str(st, 13, d->doc);
    return vg__sq_exec(s, st, "disposal notice", 1, err);
}

int vg__sq_disposal_list(struct vg_store *base, const struct vg_disposal_filter *f, int64_t after,
                         int limit, struct vg_arena *a, struct vg_disposal **out, size_t *n,
                         struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_disp_list, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, after);
    vg__sq_bind_str(st, 2, f->state);
    sqlite3_bind_int64(st, 3, f->target_org);
    sqlite3_bind_int(st, 4, f->overdue);
    sqlite3_bind_int64(st, 5, f->now);
    sqlite3_bind_int(st, 6, limit);
    GET_MANY(s, st, "disposal notices", a, struct vg_disposal, out, n, err,
             read_disp(st, a, it));
}
