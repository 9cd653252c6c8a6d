/* SQLite backend, part four: the SBOM registry (versioned uploads and their
 * components), exposures and per-(unit, record) risk alerts. */
#include "store/sqlite_int.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>

#define SBOM_COLS "id, org_id, name, version, format, components, current, created_at, created_by"
#define COMP_COLS "id, sbom_id, org_id, ecosystem, name, version, purl, path"
#define EXP_COLS                                                                                   \
    "id, org_id, sbom_name, sbom_id, component_id, purl, vuln_id, status, reason, first_seen, "     \
    "updated_at"

static const char q_next[] =
    "SELECT coalesce(max(version), 0) + 1 FROM sboms WHERE org_id = ? AND name = ?";
static const char q_uncurrent[] = "UPDATE sboms SET current = 0 WHERE org_id = ? AND name = ?";
static const char q_insert[] =
    "INSERT INTO sboms (org_id, name, version, format, components, current, created_at,"
    " created_by) VALUES (?,?,?,?,?,1,?,?)";
static const char q_get[] = "SELECT " SBOM_COLS " FROM sboms WHERE id = ?";
static const char q_list[] =
    "SELECT " SBOM_COLS " FROM sboms WHERE id > ?1 AND (?2 = 0 OR org_id = ?2)"
    " AND (?3 = 0 OR current = 1) ORDER BY id LIMIT ?4";
static const char q_comp_insert[] =
    "INSERT INTO components (sbom_id, org_id, ecosystem, name, version, purl, path)"
    " VALUES (?,?,?,?,?,?,?)";
static const char q_comps_of[] = "SELECT " COMP_COLS " FROM components WHERE sbom_id = ? ORDER BY id";
static const char q_comps_scan[] =
    "SELECT c.id, c.sbom_id, c.org_id, c.ecosystem, c.name, c.version, c.purl, c.path"
    " FROM components c JOIN sboms b ON b.id = c.sbom_id WHERE b.current = 1 AND c.id > ?"
    " ORDER BY c.id LIMIT ?";
static const char q_comp_get[] =
    "SELECT c.id, c.sbom_id, c.org_id, c.ecosystem, c.name, c.version, c.purl, c.path, b.name"
    " FROM components c JOIN sboms b ON b.id = c.sbom_id WHERE c.id = ?";
static const char q_exp_find[] =
    "SELECT id, status FROM exposures WHERE org_id = ? AND sbom_name = ? AND purl = ? AND vuln_id = ?";
static const char q_exp_insert[] =
    "INSERT INTO exposures (org_id, sbom_name, sbom_id, component_id, purl, vuln_id, status,"
    " first_seen, updated_at) VALUES (?,?,?,?,?,?,'open',?,?)"
    " ON CONFLICT (org_id, sbom_name, purl, vuln_id) DO NOTHING";
static const char q_exp_reopen[] =
    "UPDATE exposures SET status = 'open', reason = NULL, sbom_id = ?, component_id = ?,"
    " updated_at = ? WHERE id = ? AND status = 'fixed'";
static const char q_exp_touch[] =
    "UPDATE exposures SET sbom_id = ?, component_id = ? WHERE id = ?";
static const char q_exp_open_of[] =
    "SELECT id, purl, vuln_id FROM exposures WHERE org_id = ? AND sbom_name = ? AND status <> 'fixed'";
static const char q_exp_fix[] =
    "UPDATE exposures SET status = 'fixed', reason = 'no longer in the SBOM', updated_at = ?"
    " WHERE id = ?";
static const char q_exp_list[] =
    "SELECT " EXP_COLS " FROM exposures WHERE id > ?1 AND (?2 IS NULL OR vuln_id = ?2)"
    " AND (?3 = 0 OR org_id = ?3) AND (?4 IS NULL OR sbom_name = ?4) ORDER BY id LIMIT ?5";
/* by record: the (vuln_id) index yields rows in id order */
static const char q_exp_list_vuln[] =
    "SELECT " EXP_COLS " FROM exposures WHERE vuln_id = ?2 AND id > ?1"
    " AND (?3 = 0 OR org_id = ?3) AND (?4 IS NULL OR sbom_name = ?4) ORDER BY id LIMIT ?5";
static const char q_exp_get[] = "SELECT " EXP_COLS " FROM exposures WHERE id = ?";
static const char q_exp_status[] =
    "UPDATE exposures SET status = ?, reason = ?, updated_at = ? WHERE id = ?";
static const char q_alert_insert[] =
    "INSERT INTO alerts (org_id, vuln_id, created_at, body) VALUES (?,?,?,?)"
    " ON CONFLICT (org_id, vuln_id) DO NOTHING";
static const char q_alert_list[] =
    "SELECT id, org_id, vuln_id, created_at, body FROM alerts WHERE org_id = ? AND id > ?"
    " ORDER BY id LIMIT ?";

static void read_sbom(sqlite3_stmt *st, struct vg_arena *a, struct vg_sbom_rec *b)
{
    b->id = sqlite3_column_int64(st, 0);
    b->org_id = sqlite3_column_int64(st, 1);
    b->name = vg__sq_str(st, 2, a);
    b->version = sqlite3_column_int(st, 3);
    b->format = vg__sq_str(st, 4, a);
    b->components = sqlite3_column_int64(st, 5);
    b->current = sqlite3_column_int(st, 6);
    b->created_at = sqlite3_column_int64(st, 7);
    b->created_by = sqlite3_column_int64(st, 8);
}

static void read_comp(sqlite3_stmt *st, struct vg_arena *a, struct vg_component *c)
{
    c->id = sqlite3_column_int64(st, 0);
    c->sbom_id = sqlite3_column_int64(st, 1);
    c->org_id = sqlite3_column_int64(st, 2);
    c->ecosystem = vg__sq_str(st, 3, a);
    c->name = vg__sq_str(st, 4, a);
    c->version = vg__sq_str(st, 5, a);
    c->purl = vg__sq_str(st, 6, a);
    c->path = vg__sq_str(st, 7, a);
}

static void read_exp(sqlite3_stmt *st, struct vg_arena *a, struct vg_exposure *e)
{
    e->id = sqlite3_column_int64(st, 0);
    e->org_id = sqlite3_column_int64(st, 1);
    e->sbom_name = vg__sq_str(st, 2, a);
    e->sbom_id = sqlite3_column_int64(st, 3);
    e->component_id = sqlite3_column_int64(st, 4);
    e->purl = vg__sq_str(st, 5, a);
    e->vuln_id = vg__sq_str(st, 6, a);
    e->status = vg__sq_str(st, 7, a);
    e->reason = vg__sq_str(st, 8, a);
    e->first_seen = sqlite3_column_int64(st, 9);
    e->updated_at = sqlite3_column_int64(st, 10);
}

int vg__sq_sbom_insert(struct vg_store *base, struct vg_sbom_rec *b, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_next, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, b->org_id);
    vg__sq_bind_str(st, 2, b->name);
    if (sqlite3_step(st) == SQLITE_ROW)
        b->version = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if ((st = vg__sq_prep(s, q_uncurrent, err)) == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, b->org_id);
    vg__sq_bind_str(st, 2, b->name);
    if ((rc = vg__sq_exec(s, st, "sbom", 0, err)))
        return rc;
    if ((st = vg__sq_prep(s, q_insert, err)) == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, b->org_id);
    vg__sq_bind_str(st, 2, b->name);
    sqlite3_bind_int(st, 3, b->version);
    vg__sq_bind_str(st, 4, b->format);
    sqlite3_bind_int64(st, 5, b->components);
    sqlite3_bind_int64(st, 6, b->created_at);
    sqlite3_bind_int64(st, 7, b->created_by);
    if ((rc = vg__sq_exec(s, st, "sbom", 0, err)) == VG_OK) {
        b->id = sqlite3_last_insert_rowid(s->db);
        b->current = 1;
    }
    return rc;
}

int vg__sq_sbom_get(struct vg_store *base, int64_t id, struct vg_arena *a, struct vg_sbom_rec *out,
                    struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_get, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, id);
    GET_ONE(s, st, "sbom", err, read_sbom(st, a, out));
}

int vg__sq_sbom_list(struct vg_store *base, int64_t org_id, int current_only, int64_t after,
                     int limit, struct vg_arena *a, struct vg_sbom_rec **out, size_t *n,
                     struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_list, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, org_id);
    sqlite3_bind_int(st, 3, current_only);
    sqlite3_bind_int(st, 4, limit);
    GET_MANY(s, st, "sboms", a, struct vg_sbom_rec, out, n, err, read_sbom(st, a, it));
}

int vg__sq_component_insert(struct vg_store *base, struct vg_component *c, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_comp_insert, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, c->sbom_id);
    sqlite3_bind_int64(st, 2, c->org_id);
    vg__sq_bind_str(st, 3, c->ecosystem);
    vg__sq_bind_str(st, 4, c->name ? c->name : "");
    vg__sq_bind_str(st, 5, c->version);
    vg__sq_bind_str(st, 6, c->purl);
    vg__sq_bind_str(st, 7, c->path);
    if ((rc = vg__sq_exec(s, st, "component", 0, err)) == VG_OK)
        c->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* 32 rows a statement: one prepared statement for full chunks, the rest one by one. */
static const char q_comp_insert32[] =
    "INSERT INTO components (sbom_id, org_id, ecosystem, name, version, purl, path) VALUES"
    ROWS32(" (?,?,?,?,?,?,?),") " (?,?,?,?,?,?,?)";

int vg__sq_components_insert(struct vg_store *base, struct vg_component *c, size_t n,
                             struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    size_t i = 0;
    int rc = VG_OK;
    /* q_comp_insert32 has 33 rows */
    for (; i + 33 <= n && rc == VG_OK; i += 33) {
        sqlite3_stmt *st = vg__sq_prep(s, q_comp_insert32, err);
        if (st == NULL)
            return VG_EBACKEND;
        for (size_t k = 0; k < 33; k++) {
            struct vg_component *x = &c[i + k];
            int b = (int)k * 7;
            sqlite3_bind_int64(st, b + 1, x->sbom_id);
            sqlite3_bind_int64(st, b + 2, x->org_id);
            vg__sq_bind_str(st, b + 3, x->ecosystem);
            vg__sq_bind_str(st, b + 4, x->name ? x->name : "");
            vg__sq_bind_str(st, b + 5, x->version);
            vg__sq_bind_str(st, b + 6, x->purl);
            vg__sq_bind_str(st, b + 7, x->path);
        }
        if ((rc = vg__sq_exec(s, st, "components", 0, err)) == VG_OK) {
            /* one writer, rowids assigned in order: the last is the 33rd */
            int64_t last = sqlite3_last_insert_rowid(s->db);
            for (size_t k = 0; k < 33; k++)
                c[i + k].id = last - 32 + (int64_t)k;
        }
    }
    for (; i < n && rc == VG_OK; i++)
        rc = vg__sq_component_insert(base, &c[i], err);
    return rc;
}

int vg__sq_components_of(struct vg_store *base, int64_t sbom_id, struct vg_arena *a,
                         struct vg_component **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_comps_of, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, sbom_id);
    GET_MANY(s, st, "components", a, struct vg_component, out, n, err, read_comp(st, a, it));
}

int vg__sq_components_scan(struct vg_store *base, int64_t after, int limit, struct vg_arena *a,
                           struct vg_component **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_comps_scan, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    GET_MANY(s, st, "components", a, struct vg_component, out, n, err, read_comp(st, a, it));
}

int vg__sq_component_get(struct vg_store *base, int64_t id, struct vg_arena *a,
                         struct vg_component *out, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_comp_get, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, id);
    GET_ONE(s, st, "component", err, {
        read_comp(st, a, out);
        out->sbom_name = vg__sq_str(st, 8, a);
    });
}

/* A new exposure is one statement; a known one is found and touched (or
 * reopened when it was fixed). */
int vg__sq_exposure_put(struct vg_store *base, struct vg_exposure *e, int *created,
                        struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_exp_insert, err);
    int64_t id = 0;
    char status[32] = "";
    int rc;
    *created = 0;
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, e->org_id);
    vg__sq_bind_str(st, 2, e->sbom_name);
    sqlite3_bind_int64(st, 3, e->sbom_id);
    sqlite3_bind_int64(st, 4, e->component_id);
    vg__sq_bind_str(st, 5, e->purl);
    vg__sq_bind_str(st, 6, e->vuln_id);
    sqlite3_bind_int64(st, 7, e->first_seen);
    sqlite3_bind_int64(st, 8, e->first_seen);
    if ((rc = vg__sq_exec(s, st, "exposure", 0, err)))
        return rc;
    if (sqlite3_changes(s->db) > 0) {
        e->id = sqlite3_last_insert_rowid(s->db);
        *created = 1;
        return VG_OK;
    }
    if ((st = vg__sq_prep(s, q_exp_find, err)) == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, e->org_id);
    vg__sq_bind_str(st, 2, e->sbom_name);
    vg__sq_bind_str(st, 3, e->purl);
    vg__sq_bind_str(st, 4, e->vuln_id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        snprintf(status, sizeof(status), "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    if (id == 0)
        return vg_err_set(err, VG_EBACKEND, "exposure: neither inserted nor found");
    e->id = id;
    st = vg__sq_prep(s, strcmp(status, "fixed") == 0 ? q_exp_reopen : q_exp_touch, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, e->sbom_id);
    sqlite3_bind_int64(st, 2, e->component_id);
    if (strcmp(status, "fixed") == 0) {
        sqlite3_bind_int64(st, 3, e->first_seen);
        sqlite3_bind_int64(st, 4, id);
    } else {
        sqlite3_bind_int64(st, 3, id);
    }
    return vg__sq_exec(s, st, "exposure", 0, err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int vg__sq_exposure_close_missing(struct vg_store *base, int64_t org_id, const char *sbom_name,
                                  const char *const *keep, size_t nkeep, int64_t at,
                                  size_t *fixed, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_exp_open_of, err);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int rc = VG_OK, step;
    const char **sorted = vg_xmalloc((nkeep + 1) * sizeof(char *));
    *fixed = 0;
    if (st == NULL) {
        free(sorted);
        return VG_EBACKEND;
    }
    memcpy(sorted, keep, nkeep * sizeof(char *));
    qsort(sorted, nkeep, sizeof(char *), cmp_str);
    sqlite3_bind_int64(st, 1, org_id);
    vg__sq_bind_str(st, 2, sbom_name);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        char key[2048];
        snprintf(key, sizeof(key), "%s\x1f%s", (const char *)sqlite3_column_text(st, 1),
                 (const char *)sqlite3_column_text(st, 2));
        const char *k = key;
        if (bsearch(&k, sorted, nkeep, sizeof(char *), cmp_str))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            ids = vg_xrealloc(ids, cap * sizeof(*ids));
        }
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        rc = vg__sq_err(s, step, "exposures", err);
    for (size_t i = 0; rc == VG_OK && i < n; i++) {
        if ((st = vg__sq_prep(s, q_exp_fix, err)) == NULL) {
            rc = VG_EBACKEND;
            break;
        }
        sqlite3_bind_int64(st, 1, at);
        sqlite3_bind_int64(st, 2, ids[i]);
        rc = vg__sq_exec(s, st, "exposure", 0, err);
    }
    if (rc == VG_OK)
        *fixed = n;
    free(ids);
    free(sorted);
    return rc;
}

int vg__sq_exposure_list(struct vg_store *base, const char *vuln_id, int64_t org_id,
                         const char *sbom_name, int64_t after, int limit, struct vg_arena *a,
                         struct vg_exposure **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, vuln_id ? q_exp_list_vuln : q_exp_list, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, after);
    vg__sq_bind_str(st, 2, vuln_id);
    sqlite3_bind_int64(st, 3, org_id);
    vg__sq_bind_str(st, 4, sbom_name);
    sqlite3_bind_int(st, 5, limit);
    GET_MANY(s, st, "exposures", a, struct vg_exposure, out, n, err, read_exp(st, a, it));
}

int vg__sq_exposure_get(struct vg_store *base, int64_t id, struct vg_arena *a,
                        struct vg_exposure *out, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_exp_get, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, id);
    GET_ONE(s, st, "exposure", err, read_exp(st, a, out));
}

int vg__sq_exposure_set_status(struct vg_store *base, int64_t id, const char *status,
                               const char *reason, int64_t at, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_exp_status, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, status);
    vg__sq_bind_str(st, 2, reason);
    sqlite3_bind_int64(st, 3, at);
    sqlite3_bind_int64(st, 4, id);
    return vg__sq_exec(s, st, "exposure", 1, err);
}

int vg__sq_alert_insert(struct vg_store *base, struct vg_alert *al, int *created,
                        struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_alert_insert, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, al->org_id);
    vg__sq_bind_str(st, 2, al->vuln_id);
    sqlite3_bind_int64(st, 3, al->created_at);
    vg__sq_bind_str(st, 4, al->body);
    if ((rc = vg__sq_exec(s, st, "alert", 0, err)) == VG_OK) {
        *created = sqlite3_changes(s->db) > 0;
        if (*created)
            al->id = sqlite3_last_insert_rowid(s->db);
    }
    return rc;
}

int vg__sq_alert_list(struct vg_store *base, int64_t org_id, int64_t after, int limit,
                      struct vg_arena *a, struct vg_alert **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_alert_list, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, org_id);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int(st, 3, limit);
    GET_MANY(s, st, "alerts", a, struct vg_alert, out, n, err, {
        it->id = sqlite3_column_int64(st, 0);
        it->org_id = sqlite3_column_int64(st, 1);
        it->vuln_id = vg__sq_str(st, 2, a);
        it->created_at = sqlite3_column_int64(st, 3);
        it->body = vg__sq_str(st, 4, a);
    });
}

static const char q_summary[] =
    "SELECT e.org_id, e.status, v.grade, count(*) FROM exposures e LEFT JOIN vulns v ON"
    " v.id = e.vuln_id WHERE (?1 = 0 OR e.org_id = ?1) GROUP BY e.org_id, e.status, v.grade"
    " ORDER BY e.org_id";
static const char q_rn_insert[] =
    "INSERT INTO risk_notices (created_at, created_by, recipients, body) VALUES (?,?,?,?)";
static const char q_rn_list[] =
    "SELECT id, created_at, created_by, recipients, body FROM risk_notices WHERE id > ?"
    " ORDER BY id LIMIT ?";

int vg__sq_exposure_summary(struct vg_store *base, int64_t org_id, struct vg_arena *a,
                            struct vg_exposure_count **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_summary, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, org_id);
    GET_MANY(s, st, "exposures", a, struct vg_exposure_count, out, n, err, {
        it->org_id = sqlite3_column_int64(st, 0);
        it->status = vg__sq_str(st, 1, a);
        it->grade = vg__sq_str(st, 2, a);
        it->n = sqlite3_column_int64(st, 3);
    });
}

int vg__sq_risk_notice_insert(struct vg_store *base, struct vg_risk_notice *rn, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_rn_insert, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, rn->created_at);
    sqlite3_bind_int64(st, 2, rn->created_by);
    sqlite3_bind_int64(st, 3, rn->recipients);
    vg__sq_bind_str(st, 4, rn->body);
    if ((rc = vg__sq_exec(s, st, "risk notice", 0, err)) == VG_OK)
        rn->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int vg__sq_risk_notice_list(struct vg_store *base, int64_t after, int limit, struct vg_arena *a,
                            struct vg_risk_notice **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_rn_list, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    GET_MANY(s, st, "risk notices", a, struct vg_risk_notice, out, n, err, {
        it->id = sqlite3_column_int64(st, 0);
        it->created_at = sqlite3_column_int64(st, 1);
        it->created_by = sqlite3_column_int64(st, 2);
        it->recipients = sqlite3_column_int64(st, 3);
        it->body = vg__sq_str(st, 4, a);
    });
}
