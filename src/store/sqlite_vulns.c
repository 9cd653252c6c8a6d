/* SQLite backend, part three: the knowledge base (OSV records with aliases,
 * (ecosystem, name) pairs, an FTS5 index over summary and details) and the
 * CISA KEV catalogue. */
#include "store/sqlite_int.h"

#define VULN_COLS                                                                                  \
    "v.rid, v.id, v.modified, v.published, v.withdrawn, v.source, v.public, v.score, v.grade, "    \
    "v.summary, v.doc, v.updated_at"

static const char q_get[] = "SELECT " VULN_COLS " FROM vulns v WHERE v.id = ?";
static const char q_by_alias[] = "SELECT vuln_id FROM vuln_aliases WHERE alias = ? ORDER BY vuln_id";
static const char q_old_rid[] = "SELECT rid FROM vulns WHERE id = ?";
static const char q_upsert[] =
    "INSERT INTO vulns (id, modified, published, withdrawn, source, public, score, grade, summary,"
    " doc, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET"
    " modified = excluded.modified, published = excluded.published,"
    " withdrawn = excluded.withdrawn, source = excluded.source, public = excluded.public,"
    " score = excluded.score, grade = excluded.grade, summary = excluded.summary,"
    " doc = excluded.doc, updated_at = excluded.updated_at";
static const char q_del_aliases[] = "DELETE FROM vuln_aliases WHERE vuln_id = ?";
static const char q_del_packages[] = "DELETE FROM vuln_packages WHERE vuln_id = ?";
static const char q_del_fts[] = "DELETE FROM vulns_fts WHERE rowid = ?";
static const char q_add_alias[] =
    "INSERT INTO vuln_aliases (alias, vuln_id) VALUES (?, ?) ON CONFLICT DO NOTHING";
static const char q_add_package[] =
    "INSERT INTO vuln_packages (ecosystem, name, vuln_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING";
static const char q_add_fts[] =
    "INSERT INTO vulns_fts (rowid, id, summary, details) VALUES (?, ?, ?, ?)";
/* Filters are parameters: a NULL parameter means "any". */
static const char q_list[] =
    "SELECT " VULN_COLS " FROM vulns v WHERE v.rid > ?1 AND (?2 = 1 OR v.public = 1)"
    " AND (?3 IS NULL OR v.id IN (SELECT vuln_id FROM vuln_packages WHERE ecosystem = ?3"
    "      AND (?4 IS NULL OR name = ?4)))"
    " AND (?4 IS NULL OR v.id IN (SELECT vuln_id FROM vuln_packages WHERE name = ?4))"
    " AND (?5 IS NULL OR v.id = upper(?5) OR v.id IN (SELECT vuln_id FROM vuln_aliases"
    "      WHERE alias = upper(?5)))"
    " AND (?6 IS NULL OR v.grade = ?6)"
    " AND (?7 = 0 OR v.id IN (SELECT cve_id FROM kev) OR v.id IN (SELECT a.vuln_id FROM"
    "      vuln_aliases a JOIN kev k ON k.cve_id = a.alias))"
    " AND v.modified >= ?8"
    " AND (?9 IS NULL OR v.rid IN (SELECT rowid FROM vulns_fts WHERE vulns_fts MATCH ?9))"
    " ORDER BY v.rid LIMIT ?10";
static const char q_scan[] = "SELECT " VULN_COLS " FROM vulns v WHERE v.rid > ? ORDER BY v.rid LIMIT ?";
static const char q_pkg_ids[] =
    "SELECT vuln_id FROM vuln_packages WHERE ecosystem = ? AND name = ? ORDER BY vuln_id";
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

static int by_id(struct sqlite_store *s, const char *q, const char *id, struct vg_err *err)
{
    sqlite3_stmt *st = vg__sq_prep(s, q, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, id);
    return vg__sq_exec(s, st, "vulnerability", 0, err);
}

int vg__sq_vuln_put(struct vg_store *base, const struct vg_vuln *v, const char *const *aliases,
                    size_t naliases, const char *const *packages, size_t npackages,
                    const char *details, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st;
    int64_t old = 0, rid;
    int rc;
    if ((st = vg__sq_prep(s, q_old_rid, err)) == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, v->id);
    if (sqlite3_step(st) == SQLITE_ROW)
        old = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if ((st = vg__sq_prep(s, q_upsert, err)) == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, v->id);
    sqlite3_bind_int64(st, 2, v->modified);
    sqlite3_bind_int64(st, 3, v->published);
    sqlite3_bind_int64(st, 4, v->withdrawn);
    vg__sq_bind_str(st, 5, v->source);
    sqlite3_bind_int(st, 6, v->public);
    sqlite3_bind_int(st, 7, v->score);
    vg__sq_bind_str(st, 8, v->grade);
    vg__sq_bind_str(st, 9, v->summary);
    vg__sq_bind_str(st, 10, v->doc);
    sqlite3_bind_int64(st, 11, v->updated_at);
    if ((rc = vg__sq_exec(s, st, "vulnerability", 0, err)))
        return rc;
    rid = old ? old : sqlite3_last_insert_rowid(s->db);
    if (old) {
        if ((rc = by_id(s, q_del_aliases, v->id, err)) || (rc = by_id(s, q_del_packages, v->id, err)))
            return rc;
        if ((st = vg__sq_prep(s, q_del_fts, err)) == NULL)
            return VG_EBACKEND;
        sqlite3_bind_int64(st, 1, rid);
        if ((rc = vg__sq_exec(s, st, "vulnerability text", 0, err)))
            return rc;
    }
    for (size_t i = 0; i < naliases; i++) {
        if ((st = vg__sq_prep(s, q_add_alias, err)) == NULL)
            return VG_EBACKEND;
        vg__sq_bind_str(st, 1, aliases[i]);
        vg__sq_bind_str(st, 2, v->id);
        if ((rc = vg__sq_exec(s, st, "alias", 0, err)))
            return rc;
    }
    for (size_t i = 0; i + 1 < npackages * 2; i += 2) {
        if ((st = vg__sq_prep(s, q_add_package, err)) == NULL)
            return VG_EBACKEND;
        vg__sq_bind_str(st, 1, packages[i]);
        vg__sq_bind_str(st, 2, packages[i + 1]);
        vg__sq_bind_str(st, 3, v->id);
        if ((rc = vg__sq_exec(s, st, "package", 0, err)))
            return rc;
    }
    if ((st = vg__sq_prep(s, q_add_fts, err)) == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, rid);
    vg__sq_bind_str(st, 2, v->id);
    vg__sq_bind_str(st, 3, v->summary ? v->summary : "");
    vg__sq_bind_str(st, 4, details ? details : "");
    return vg__sq_exec(s, st, "vulnerability text", 0, err);
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
