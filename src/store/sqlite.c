/* The SQLite backend: WAL, foreign keys, busy timeout, statements prepared
 * once per connection, migrations applied at open. One struct per connection.
 * Not for: rules (service/) or SQL outside this folder. */
#include "store/sqlite_int.h"
#include "core/util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    Q_ORG_INSERT, Q_ORG_GET, Q_ORG_LIST, Q_ORG_LIST_ONE, Q_ORG_SET_STATUS, Q_ORG_EXPIRED,
    Q_USER_INSERT, Q_USER_GET, Q_USER_BY_NAME, Q_USER_LIST, Q_USER_LIST_ORG,
    Q_TOKEN_INSERT, Q_TOKEN_GET, Q_TOKEN_AUTH, Q_TOKEN_REVOKE, Q_TOKEN_LIST,
    Q_AUDIT_HEAD, Q_AUDIT_INSERT, Q_AUDIT_ANCHOR_SET, Q_AUDIT_ANCHOR, Q_AUDIT_LIST,
    Q_TASK_INSERT, Q_TASK_GET, Q_TASK_LIST, Q_TASK_LIST_OPEN, Q_TASK_CLOSE, Q_TASK_CLOSE_FOR,
    Q_BEGIN, Q_BEGIN_IMMEDIATE, Q_COMMIT, Q_ROLLBACK,
    Q_COUNT
};

#define ORG_COLS "id, name, kind, country, status, status_until, status_reason, created_at, updated_at"
#define USER_COLS "id, org_id, name, role, pwhash, created_at"
#define TOKEN_COLS "id, user_id, name, hash, created_at, expires_at, revoked_at"
#define AUDIT_COLS                                                                                 \
    "seq, at, actor_user, actor_org, action, object_type, object_id, payload, payload_hash, "      \
    "prev_hash, hash"
#define TASK_COLS                                                                                  \
    "id, kind, object_type, object_id, summary, created_at, due_at, closed_at, closed_by, "        \
    "resolution"

static const char *const sql[Q_COUNT] = {
    [Q_ORG_INSERT] = "INSERT INTO orgs (name, kind, country, status, status_until, status_reason,"
                     " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
    [Q_ORG_GET] = "SELECT " ORG_COLS " FROM orgs WHERE id = ?",
    [Q_ORG_LIST] = "SELECT " ORG_COLS " FROM orgs WHERE id > ? ORDER BY id LIMIT ?",
    [Q_ORG_LIST_ONE] = "SELECT " ORG_COLS " FROM orgs WHERE id > ? AND id = ? ORDER BY id LIMIT ?",
    [Q_ORG_SET_STATUS] = "UPDATE orgs SET status = ?, status_until = ?, status_reason = ?,"
                         " updated_at = ? WHERE id = ?",
    [Q_ORG_EXPIRED] = "SELECT " ORG_COLS " FROM orgs WHERE status = 'suspended'"
                      " AND status_until > 0 AND status_until <= ? ORDER BY id",
    [Q_USER_INSERT] = "INSERT INTO users (org_id, name, role, pwhash, created_at) VALUES (?,?,?,?,?)",
    [Q_USER_GET] = "SELECT " USER_COLS " FROM users WHERE id = ?",
    [Q_USER_BY_NAME] = "SELECT " USER_COLS " FROM users WHERE name = ?",
    [Q_USER_LIST] = "SELECT " USER_COLS " FROM users WHERE id > ? ORDER BY id LIMIT ?",
    [Q_USER_LIST_ORG] = "SELECT " USER_COLS " FROM users WHERE org_id = ? AND id > ? ORDER BY id"
                        " LIMIT ?",
    [Q_TOKEN_INSERT] = "INSERT INTO tokens (user_id, name, hash, created_at, expires_at,"
                       " revoked_at) VALUES (?,?,?,?,?,0)",
    [Q_TOKEN_GET] = "SELECT " TOKEN_COLS " FROM tokens WHERE id = ?",
    [Q_TOKEN_AUTH] = "SELECT t.id, t.user_id, t.name, t.hash, t.created_at, t.expires_at,"
                     " t.revoked_at, u.id, u.org_id, u.name, u.role, NULL, u.created_at,"
                     " o.id, o.name, o.kind, o.country, o.status, o.status_until,"
                     " o.status_reason, o.created_at, o.updated_at"
                     " FROM tokens t JOIN users u ON u.id = t.user_id"
                     " JOIN orgs o ON o.id = u.org_id WHERE t.hash = ?",
    [Q_TOKEN_REVOKE] = "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0",
    [Q_TOKEN_LIST] = "SELECT " TOKEN_COLS " FROM tokens WHERE user_id = ? ORDER BY id",
    [Q_AUDIT_HEAD] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
    [Q_AUDIT_INSERT] = "INSERT INTO audit (" AUDIT_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    [Q_AUDIT_ANCHOR_SET] = "INSERT INTO audit_anchor (id, seq, hash) VALUES (1, ?, ?)"
                           " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq,"
                           " hash = excluded.hash",
    [Q_AUDIT_ANCHOR] = "SELECT seq, hash FROM audit_anchor WHERE id = 1",
    [Q_AUDIT_LIST] = "SELECT " AUDIT_COLS " FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
    [Q_TASK_INSERT] = "INSERT INTO tasks (kind, object_type, object_id, summary, created_at,"
                      " due_at) VALUES (?,?,?,?,?,?)",
    [Q_TASK_GET] = "SELECT " TASK_COLS " FROM tasks WHERE id = ?",
    [Q_TASK_LIST] = "SELECT " TASK_COLS " FROM tasks WHERE id > ? ORDER BY id LIMIT ?",
    [Q_TASK_LIST_OPEN] = "SELECT " TASK_COLS " FROM tasks WHERE closed_at = 0 AND id > ?"
                         " ORDER BY id LIMIT ?",
    [Q_TASK_CLOSE] = "UPDATE tasks SET closed_at = ?, closed_by = ?, resolution = ?"
                     " WHERE id = ? AND closed_at = 0",
    [Q_TASK_CLOSE_FOR] = "UPDATE tasks SET closed_at = ?, closed_by = ?, resolution = ?"
                         " WHERE kind = ? AND object_type = ? AND object_id = ? AND closed_at = 0",
    [Q_BEGIN] = "BEGIN",
    [Q_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
};

static const char *const kind_names[] = {"operator", "member", "vendor", "industry", "peer", NULL};
static const char *const status_names[] = {"active", "suspended", "revoked", NULL};
static const char *const role_names[] = {"admin", "analyst", "member", "vendor", "reader", NULL};

static int lookup(const char *const *names, const char *s)
{
    for (int i = 0; s && names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

const char *vg_org_kind_name(int k)
{
    return k >= 0 && k < 5 ? kind_names[k] : "unknown";
}
const char *vg_org_status_name(int s)
{
    return s >= 0 && s < 3 ? status_names[s] : "unknown";
}
const char *vg_role_name(int r)
{
    return r >= 0 && r < 5 ? role_names[r] : "unknown";
}
int vg_org_kind_parse(const char *s)
{
    return lookup(kind_names, s);
}
int vg_role_parse(const char *s)
{
    return lookup(role_names, s);
}

struct sqlite_store *vg__sq(struct vg_store *s)
{
    return (struct sqlite_store *)s;
}

/* Backend errors never reach clients: the message says which operation. */
int vg__sq_err(struct sqlite_store *s, int rc, const char *what, struct vg_err *err)
{
    int ext = sqlite3_extended_errcode(s->db);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        return vg_err_set(err, VG_ECONFLICT, "%s: already exists", what);
    if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
        return vg_err_set(err, VG_EINVAL, "%s: refers to something that does not exist", what);
    if (rc == SQLITE_FULL)
        return vg_err_set(err, VG_EIO, "%s: disk full", what);
    return vg_err_set(err, VG_EBACKEND, "%s: store error %d (%s)", what, ext,
                      sqlite3_errmsg(s->db));
}

/* Statements are prepared once per connection and cached by the address of
 * their (static) SQL text. */
sqlite3_stmt *vg__sq_prep(struct sqlite_store *s, const char *text, struct vg_err *err)
{
    size_t h = ((uintptr_t)text >> 3) % VG_SQ_CACHE;
    for (size_t i = 0; i < VG_SQ_CACHE; i++, h = (h + 1) % VG_SQ_CACHE) {
        if (s->cache[h].sql == text)
            break;
        if (s->cache[h].sql == NULL) {
            if (sqlite3_prepare_v3(s->db, text, -1, SQLITE_PREPARE_PERSISTENT, &s->cache[h].st,
                                   NULL) != SQLITE_OK) {
                sqlite3_finalize(s->cache[h].st);
                s->cache[h].st = NULL;
                vg__sq_err(s, SQLITE_ERROR, "prepare", err);
                return NULL;
            }
            s->cache[h].sql = text;
            break;
        }
    }
    if (s->cache[h].sql != text) {
        vg_err_set(err, VG_EBACKEND, "statement cache full");
        return NULL;
    }
    sqlite3_reset(s->cache[h].st);
    sqlite3_clear_bindings(s->cache[h].st);
    return s->cache[h].st;
}

const char *vg__sq_str(sqlite3_stmt *st, int i, struct vg_arena *a)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (t == NULL)
        return NULL;
    return vg_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(st, i));
}

/* SQLITE_STATIC: every caller binds and steps within one call, while v lives;
 * a copy per bound string was a malloc, a copy and a free per column. */
void vg__sq_bind_str(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

int vg__sq_exec(struct sqlite_store *s, sqlite3_stmt *st, const char *what, int need_change,
                struct vg_err *err)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        int r = vg__sq_err(s, rc, what, err);
        sqlite3_reset(st);
        return r;
    }
    sqlite3_reset(st);
    if (need_change && sqlite3_changes(s->db) == 0)
        return vg_err_set(err, VG_ENOTFOUND, "%s: not found", what);
    return VG_OK;
}

static sqlite3_stmt *prep(struct sqlite_store *s, int q, struct vg_err *err)
{
    return vg__sq_prep(s, sql[q], err);
}

/* ---- transactions ---- */

static int sq_simple(struct sqlite_store *s, int q, const char *what, struct vg_err *err)
{
    sqlite3_stmt *st = prep(s, q, err);
    if (st == NULL)
        return VG_EBACKEND;
    return vg__sq_exec(s, st, what, 0, err);
}

/* A VG_TX_BULK transaction (an indicator ingest): foreign keys off (the
 * pragma is a no-op inside a transaction: set before BEGIN, restored after
 * COMMIT or ROLLBACK), and its cache spills: every b-tree an ingest writes
 * grows at its end, so a transaction larger than the writer's cache writes
 * its oldest pages to the WAL as uncommitted frames (which readers do not
 * see) and seldom wants them again; the 1M-object ingest's ~700 MB of
 * pages no longer sit in new heap memory until the commit (239k page
 * faults -> 55k). */
static void bulk_end(struct sqlite_store *s)
{
    if (s->bulk) {
        sqlite3_exec(s->db, "PRAGMA foreign_keys=ON; PRAGMA cache_spill=OFF", NULL, NULL, NULL);
        s->bulk = 0;
    }
}

static int sq_begin(struct vg_store *base, int write, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    int rc;
    if (write == VG_TX_BULK) {
        s->bulk = 1;
        sqlite3_exec(s->db, "PRAGMA foreign_keys=OFF; PRAGMA cache_spill=ON", NULL, NULL, NULL);
    }
    rc = sq_simple(s, write ? Q_BEGIN_IMMEDIATE : Q_BEGIN, "begin", err);
    if (rc == VG_OK) {
        s->in_tx = 1;
        s->tx_n++;
        if (write)
            vg__sq_keys_begin(s);
    } else {
        bulk_end(s);
    }
    return rc;
}

static int anchor_set(struct sqlite_store *s, struct vg_err *err);

static int sq_commit(struct vg_store *base, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    int rc = vg__sq_ioc_flush(s, err);
    if (rc == VG_OK)
        rc = anchor_set(s, err);
    if (rc)
        return rc;
    rc = sq_simple(s, Q_COMMIT, "commit", err);
    if (rc == VG_OK) {
        s->in_tx = 0;
        bulk_end(s);
        if (s->ktx)
            vg__sq_keys_commit(s);
        vg__sq_dedup_tx(s, VG__SQ_DD_COMMIT);
    }
    return rc;
}

static void sq_rollback(struct vg_store *base)
{
    struct sqlite_store *s = vg__sq(base);
    if (s->in_tx) {
        struct vg_err e = {0};
        for (int i = 0; i < VG_SQ_CACHE; i++)
            if (s->cache[i].st)
                sqlite3_reset(s->cache[i].st);
        vg__sq_ioc_discard(s);
        sq_simple(s, Q_ROLLBACK, "rollback", &e);
        s->in_tx = 0;
        s->seq_year = 0; /* cases: the number may have been rolled back */
        if (s->ktx)
            vg__sq_keys_rollback(s);
        vg__sq_dedup_tx(s, VG__SQ_DD_ROLLBACK);
        s->org_gen++;
    }
    bulk_end(s);
    s->audit_pending = s->audit_undone = 0;
}

static const char q_sp_open[] = "SAVEPOINT vg_op";
static const char q_sp_release[] = "RELEASE vg_op";
static const char q_sp_undo[] = "ROLLBACK TO vg_op";

static int sq_savepoint(struct vg_store *base, int op, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st;
    int rc;
    /* held-back objects are stored before a savepoint is set or released
     * (so that none spans one) and belong to the op being undone */
    if (op != 2 && (rc = vg__sq_ioc_flush(s, err)) != VG_OK)
        return rc;
    if (op == 2) {
        vg__sq_ioc_discard(s);
        for (int i = 0; i < VG_SQ_CACHE; i++)
            if (s->cache[i].st)
                sqlite3_reset(s->cache[i].st);
        s->seq_year = 0; /* cases: the number may have been rolled back */
        vg__sq_dedup_tx(s, VG__SQ_DD_UNDO);
        s->org_gen++;
        if (s->audit_pending)
            s->audit_undone = 1; /* its entries may be gone: read the head again */
        if ((st = vg__sq_prep(s, q_sp_undo, err)) == NULL)
            return VG_EBACKEND;
        if ((rc = vg__sq_exec(s, st, "savepoint", 0, err)))
            return rc;
        if (s->ktx)
            vg__sq_keys_undo_savepoint(s);
    }
    if (op == 0 && s->ktx)
        vg__sq_keys_savepoint(s);
    if (op == 0)
        vg__sq_dedup_tx(s, VG__SQ_DD_SAVEPOINT);
    if ((st = vg__sq_prep(s, op == 0 ? q_sp_open : q_sp_release, err)) == NULL)
        return VG_EBACKEND;
    return vg__sq_exec(s, st, "savepoint", 0, err);
}

/* ---- orgs ---- */

static void read_org(sqlite3_stmt *st, int c, struct vg_arena *a, struct vg_org *o)
{
    o->id = sqlite3_column_int64(st, c + 0);
    o->name = vg__sq_str(st, c + 1, a);
    o->kind = lookup(kind_names, (const char *)sqlite3_column_text(st, c + 2));
    o->country = vg__sq_str(st, c + 3, a);
    o->status = lookup(status_names, (const char *)sqlite3_column_text(st, c + 4));
    o->status_until = sqlite3_column_int64(st, c + 5);
    o->status_reason = vg__sq_str(st, c + 6, a);
    o->created_at = sqlite3_column_int64(st, c + 7);
    o->updated_at = sqlite3_column_int64(st, c + 8);
}

static int sq_org_insert(struct vg_store *base, struct vg_org *o, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_ORG_INSERT, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, o->name);
    vg__sq_bind_str(st, 2, vg_org_kind_name(o->kind));
    vg__sq_bind_str(st, 3, o->country);
    vg__sq_bind_str(st, 4, vg_org_status_name(o->status));
    sqlite3_bind_int64(st, 5, o->status_until);
    vg__sq_bind_str(st, 6, o->status_reason);
    sqlite3_bind_int64(st, 7, o->created_at);
    sqlite3_bind_int64(st, 8, o->updated_at);
    int rc = vg__sq_exec(s, st, "org", 0, err);
    s->org_gen++;
    if (rc == VG_OK)
        o->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

static int sq_org_get(struct vg_store *base, int64_t id, struct vg_arena *a, struct vg_org *out,
                      struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_ORG_GET, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, id);
    GET_ONE(s, st, "org", err, read_org(st, 0, a, out));
}

static int sq_org_list(struct vg_store *base, int64_t after, int limit, int64_t only_id,
                       struct vg_arena *a, struct vg_org **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, only_id ? Q_ORG_LIST_ONE : Q_ORG_LIST, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, after);
    if (only_id) {
        sqlite3_bind_int64(st, 2, only_id);
        sqlite3_bind_int(st, 3, limit);
    } else {
        sqlite3_bind_int(st, 2, limit);
    }
    GET_MANY(s, st, "orgs", a, struct vg_org, out, n, err, read_org(st, 0, a, it));
}

static int sq_org_set_status(struct vg_store *base, int64_t id, int status, int64_t until,
                             const char *reason, int64_t at, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_ORG_SET_STATUS, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, vg_org_status_name(status));
    sqlite3_bind_int64(st, 2, until);
    vg__sq_bind_str(st, 3, reason);
    sqlite3_bind_int64(st, 4, at);
    sqlite3_bind_int64(st, 5, id);
    s->org_gen++;
    return vg__sq_exec(s, st, "org", 1, err);
}

static int sq_org_expired(struct vg_store *base, int64_t now, struct vg_arena *a,
                          struct vg_org **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_ORG_EXPIRED, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, now);
    GET_MANY(s, st, "orgs", a, struct vg_org, out, n, err, read_org(st, 0, a, it));
}

/* ---- users ---- */

static void read_user(sqlite3_stmt *st, int c, struct vg_arena *a, struct vg_user *u)
{
    u->id = sqlite3_column_int64(st, c + 0);
    u->org_id = sqlite3_column_int64(st, c + 1);
    u->name = vg__sq_str(st, c + 2, a);
    u->role = lookup(role_names, (const char *)sqlite3_column_text(st, c + 3));
    u->pwhash = vg__sq_str(st, c + 4, a);
    u->created_at = sqlite3_column_int64(st, c + 5);
}

static int sq_user_insert(struct vg_store *base, struct vg_user *u, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_USER_INSERT, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, u->org_id);
    vg__sq_bind_str(st, 2, u->name);
    vg__sq_bind_str(st, 3, vg_role_name(u->role));
    vg__sq_bind_str(st, 4, u->pwhash);
    sqlite3_bind_int64(st, 5, u->created_at);
    int rc = vg__sq_exec(s, st, "user", 0, err);
    if (rc == VG_OK)
        u->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

static int sq_user_get(struct vg_store *base, int64_t id, struct vg_arena *a, struct vg_user *out,
                       struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_USER_GET, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, id);
    GET_ONE(s, st, "user", err, read_user(st, 0, a, out));
}

static int sq_user_by_name(struct vg_store *base, const char *name, struct vg_arena *a,
                           struct vg_user *out, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_USER_BY_NAME, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, name);
    GET_ONE(s, st, "user", err, read_user(st, 0, a, out));
}

static int sq_user_list(struct vg_store *base, int64_t org_id, int64_t after, int limit,
                        struct vg_arena *a, struct vg_user **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, org_id ? Q_USER_LIST_ORG : Q_USER_LIST, err);
    int i = 1;
    if (st == NULL)
        return VG_EBACKEND;
    if (org_id)
        sqlite3_bind_int64(st, i++, org_id);
    sqlite3_bind_int64(st, i++, after);
    sqlite3_bind_int(st, i, limit);
    GET_MANY(s, st, "users", a, struct vg_user, out, n, err, read_user(st, 0, a, it));
}

/* ---- tokens ---- */

static void read_token(sqlite3_stmt *st, int c, struct vg_arena *a, struct vg_token *t)
{
    t->id = sqlite3_column_int64(st, c + 0);
    t->user_id = sqlite3_column_int64(st, c + 1);
    t->name = vg__sq_str(st, c + 2, a);
    if (sqlite3_column_bytes(st, c + 3) == 32)
        memcpy(t->hash, sqlite3_column_blob(st, c + 3), 32);
    t->created_at = sqlite3_column_int64(st, c + 4);
    t->expires_at = sqlite3_column_int64(st, c + 5);
    t->revoked_at = sqlite3_column_int64(st, c + 6);
}

static int sq_token_insert(struct vg_store *base, struct vg_token *t, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_TOKEN_INSERT, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, t->user_id);
    vg__sq_bind_str(st, 2, t->name);
    sqlite3_bind_blob(st, 3, t->hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, t->created_at);
    sqlite3_bind_int64(st, 5, t->expires_at);
    int rc = vg__sq_exec(s, st, "token", 0, err);
    if (rc == VG_OK)
        t->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

static int sq_token_get(struct vg_store *base, int64_t id, struct vg_arena *a,
                        struct vg_token *out, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_TOKEN_GET, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, id);
    GET_ONE(s, st, "token", err, read_token(st, 0, a, out));
}

static int sq_token_auth(struct vg_store *base, const unsigned char hash[32], struct vg_arena *a,
                         struct vg_token *t, struct vg_user *u, struct vg_org *o,
                         struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_TOKEN_AUTH, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    GET_ONE(s, st, "token", err, {
        read_token(st, 0, a, t);
        read_user(st, 7, a, u);
        read_org(st, 13, a, o);
    });
}

static int sq_token_revoke(struct vg_store *base, int64_t id, int64_t at, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_TOKEN_REVOKE, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_int64(st, 2, id);
    return vg__sq_exec(s, st, "token", 1, err);
}

static int sq_token_list(struct vg_store *base, int64_t user_id, struct vg_arena *a,
                         struct vg_token **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_TOKEN_LIST, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, user_id);
    GET_MANY(s, st, "tokens", a, struct vg_token, out, n, err, read_token(st, 0, a, it));
}

/* ---- audit ---- */

static void copy_hash(char dst[65], sqlite3_stmt *st, int c)
{
    const unsigned char *t = sqlite3_column_text(st, c);
    vg_strlcpy(dst, t ? (const char *)t : "", 65);
}

static int head_of(struct sqlite_store *s, int q, int64_t *seq, char hash[65], struct vg_err *err)
{
    sqlite3_stmt *st = prep(s, q, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        copy_hash(hash, st, 1);
        sqlite3_reset(st);
        return VG_OK;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return vg__sq_err(s, rc, "audit", err);
    *seq = 0;
    memset(hash, '0', 64);
    hash[64] = '\0';
    return VG_OK;
}

static int sq_audit_head(struct vg_store *base, int64_t *seq, char hash[65], struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    if (s->in_tx && s->audit_pending && !s->audit_undone) {
        *seq = s->audit_seq;
        memcpy(hash, s->audit_hash, 65);
        return VG_OK;
    }
    return head_of(s, Q_AUDIT_HEAD, seq, hash, err);
}

/* The anchor names the chain's last entry, checked by vigil audit verify
 * against truncation. A group commit appends an entry per operation: the
 * anchor is written once, before COMMIT, rather than after each. */
static int anchor_set(struct sqlite_store *s, struct vg_err *err)
{
    int rc;
    if (!s->audit_pending)
        return VG_OK;
    if (s->audit_undone &&
        (rc = head_of(s, Q_AUDIT_HEAD, &s->audit_seq, s->audit_hash, err)) != VG_OK)
        return rc;
    sqlite3_stmt *st = prep(s, Q_AUDIT_ANCHOR_SET, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, s->audit_seq);
    vg__sq_bind_str(st, 2, s->audit_hash);
    if ((rc = vg__sq_exec(s, st, "audit anchor", 0, err)) == VG_OK)
        s->audit_pending = s->audit_undone = 0;
    return rc;
}

static int sq_audit_anchor(struct vg_store *base, int64_t *seq, char hash[65], struct vg_err *err)
{
    return head_of(vg__sq(base), Q_AUDIT_ANCHOR, seq, hash, err);
}

static int sq_audit_insert(struct vg_store *base, const struct vg_audit *e, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_AUDIT_INSERT, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, e->seq);
    sqlite3_bind_int64(st, 2, e->at);
    sqlite3_bind_int64(st, 3, e->actor_user);
    sqlite3_bind_int64(st, 4, e->actor_org);
    vg__sq_bind_str(st, 5, e->action);
    vg__sq_bind_str(st, 6, e->object_type);
    vg__sq_bind_str(st, 7, e->object_id);
    vg__sq_bind_str(st, 8, e->payload);
    vg__sq_bind_str(st, 9, e->payload_hash);
    vg__sq_bind_str(st, 10, e->prev_hash);
    vg__sq_bind_str(st, 11, e->hash);
    rc = vg__sq_exec(s, st, "audit entry", 0, err);
    if (rc)
        return rc;
    s->audit_seq = e->seq;
    memcpy(s->audit_hash, e->hash, 64);
    s->audit_hash[64] = '\0';
    s->audit_pending = 1;
    s->audit_undone = 0;
    if (!s->in_tx) /* autocommit: now */
        return anchor_set(s, err);
    return VG_OK;
}

static int sq_audit_list(struct vg_store *base, int64_t after, int limit, struct vg_arena *a,
                         struct vg_audit **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_AUDIT_LIST, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    GET_MANY(s, st, "audit", a, struct vg_audit, out, n, err, {
        it->seq = sqlite3_column_int64(st, 0);
        it->at = sqlite3_column_int64(st, 1);
        it->actor_user = sqlite3_column_int64(st, 2);
        it->actor_org = sqlite3_column_int64(st, 3);
        it->action = vg__sq_str(st, 4, a);
        it->object_type = vg__sq_str(st, 5, a);
        it->object_id = vg__sq_str(st, 6, a);
        it->payload = vg__sq_str(st, 7, a);
        copy_hash(it->payload_hash, st, 8);
        copy_hash(it->prev_hash, st, 9);
        copy_hash(it->hash, st, 10);
    });
}

/* ---- tasks ---- */

static void read_task(sqlite3_stmt *st, struct vg_arena *a, struct vg_task *t)
{
    t->id = sqlite3_column_int64(st, 0);
    t->kind = vg__sq_str(st, 1, a);
    t->object_type = vg__sq_str(st, 2, a);
    t->object_id = vg__sq_str(st, 3, a);
    t->summary = vg__sq_str(st, 4, a);
    t->created_at = sqlite3_column_int64(st, 5);
    t->due_at = sqlite3_column_int64(st, 6);
    t->closed_at = sqlite3_column_int64(st, 7);
    t->closed_by = sqlite3_column_int64(st, 8);
    t->resolution = vg__sq_str(st, 9, a);
}

static int sq_task_insert(struct vg_store *base, struct vg_task *t, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_TASK_INSERT, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, t->kind);
    vg__sq_bind_str(st, 2, t->object_type);
    vg__sq_bind_str(st, 3, t->object_id);
    vg__sq_bind_str(st, 4, t->summary);
    sqlite3_bind_int64(st, 5, t->created_at);
    sqlite3_bind_int64(st, 6, t->due_at);
    int rc = vg__sq_exec(s, st, "task", 0, err);
    if (rc == VG_OK)
        t->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

static int sq_task_get(struct vg_store *base, int64_t id, struct vg_arena *a, struct vg_task *out,
                       struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_TASK_GET, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, id);
    GET_ONE(s, st, "task", err, read_task(st, a, out));
}

static int sq_task_list(struct vg_store *base, int open_only, int64_t after, int limit,
                        struct vg_arena *a, struct vg_task **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, open_only ? Q_TASK_LIST_OPEN : Q_TASK_LIST, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    GET_MANY(s, st, "tasks", a, struct vg_task, out, n, err, read_task(st, a, it));
}

static int sq_task_close(struct vg_store *base, int64_t id, int64_t by, const char *resolution,
                         int64_t at, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_TASK_CLOSE, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_int64(st, 2, by);
    vg__sq_bind_str(st, 3, resolution);
    sqlite3_bind_int64(st, 4, id);
    return vg__sq_exec(s, st, "open task", 1, err);
}

static int sq_task_close_for(struct vg_store *base, const char *kind, const char *object_type,
                             const char *object_id, int64_t by, const char *resolution,
                             int64_t at, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = prep(s, Q_TASK_CLOSE_FOR, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_int64(st, 2, by);
    vg__sq_bind_str(st, 3, resolution);
    vg__sq_bind_str(st, 4, kind);
    vg__sq_bind_str(st, 5, object_type);
    vg__sq_bind_str(st, 6, object_id);
    return vg__sq_exec(s, st, "tasks", 0, err);
}

/* ---- figures and maintenance ---- */

static int sq_stats(struct vg_store *base, struct vg_store_stats *out, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    static const char q[] = "SELECT (SELECT count(*) FROM orgs), (SELECT count(*) FROM users),"
                            " (SELECT count(*) FROM tokens WHERE revoked_at = 0),"
                            " (SELECT count(*) FROM audit),"
                            " (SELECT count(*) FROM tasks WHERE closed_at = 0),"
                            " (SELECT count(*) FROM cases),"
                            " (SELECT count(*) FROM outbox WHERE state = 'pending')";
    sqlite3_stmt *st = NULL;
    int rc;
    if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK)
        return vg__sq_err(s, SQLITE_ERROR, "stats", err);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->orgs = sqlite3_column_int64(st, 0);
        out->users = sqlite3_column_int64(st, 1);
        out->tokens = sqlite3_column_int64(st, 2);
        out->audit_entries = sqlite3_column_int64(st, 3);
        out->open_tasks = sqlite3_column_int64(st, 4);
        out->cases = sqlite3_column_int64(st, 5);
        out->outbox_pending = sqlite3_column_int64(st, 6);
        rc = VG_OK;
    } else {
        rc = vg__sq_err(s, rc, "stats", err);
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_backup(struct vg_store *base, const char *path, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3 *dst = NULL;
    sqlite3_backup *b;
    int rc = VG_OK;
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = vg_err_set(err, VG_EIO, "backup: cannot create %s", path);
        goto out;
    }
    b = sqlite3_backup_init(dst, "main", s->db, "main");
    if (b == NULL) {
        rc = vg_err_set(err, VG_EBACKEND, "backup: %s", sqlite3_errmsg(dst));
        goto out;
    }
    /* Copy in steps so writers are not blocked for the whole copy. */
    int r;
    while ((r = sqlite3_backup_step(b, 256)) == SQLITE_OK || r == SQLITE_BUSY || r == SQLITE_LOCKED)
        sqlite3_sleep(5);
    sqlite3_backup_finish(b);
    if (r != SQLITE_DONE)
        rc = vg_err_set(err, VG_EBACKEND, "backup: step failed (%d)", r);
out:
    sqlite3_close(dst);
    return rc;
}

static void sq_close(struct vg_store *base)
{
    struct sqlite_store *s = vg__sq(base);
    if (s == NULL)
        return;
    vg__sq_ckpt_stop(s);
    vg__sq_dedup_free(s);
    vg__sq_orgc_free(s);
    for (int i = 0; i < VG_SQ_CACHE; i++)
        sqlite3_finalize(s->cache[i].st);
    sqlite3_close(s->db);
    vg__sq_keys_detach(s);
    vg__sq_ioc_free(s);
    free(s);
}

static const struct vg_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .org_insert = sq_org_insert,
    .org_get = sq_org_get,
    .org_list = sq_org_list,
    .org_set_status = sq_org_set_status,
    .org_expired = sq_org_expired,
    .user_insert = sq_user_insert,
    .user_get = sq_user_get,
    .user_by_name = sq_user_by_name,
    .user_list = sq_user_list,
    .token_insert = sq_token_insert,
    .token_get = sq_token_get,
    .token_auth = sq_token_auth,
    .token_revoke = sq_token_revoke,
    .token_list = sq_token_list,
    .audit_head = sq_audit_head,
    .audit_insert = sq_audit_insert,
    .audit_list = sq_audit_list,
    .audit_anchor = sq_audit_anchor,
    .task_insert = sq_task_insert,
    .task_get = sq_task_get,
    .task_list = sq_task_list,
    .task_close = sq_task_close,
    .task_close_for = sq_task_close_for,
    .stats = sq_stats,
    .backup = sq_backup,
    .org_by_name = vg__sq_org_by_name,
    .org_list_kind = vg__sq_org_list_kind,
    .case_next_seq = vg__sq_case_next_seq,
    .case_insert = vg__sq_case_insert,
    .case_get = vg__sq_case_get,
    .case_update = vg__sq_case_update,
    .case_list = vg__sq_case_list,
    .case_key_put = vg__sq_case_key_put,
    .case_find_key = vg__sq_case_find_key,
    .case_event_insert = vg__sq_case_event_insert,
    .case_events = vg__sq_case_events,
    .case_delays = vg__sq_case_delays,
    .notif_insert = vg__sq_notif_insert,
    .notif_list = vg__sq_notif_list,
    .sub_insert = vg__sq_sub_insert,
    .sub_get = vg__sq_sub_get,
    .sub_list = vg__sq_sub_list,
    .sub_delete = vg__sq_sub_delete,
    .outbox_insert = vg__sq_outbox_insert,
    .outbox_due = vg__sq_outbox_due,
    .outbox_next = vg__sq_outbox_next,
    .outbox_update = vg__sq_outbox_update,
    .delivery_insert = vg__sq_delivery_insert,
    .delivery_list = vg__sq_delivery_list,
    .vuln_get = vg__sq_vuln_get,
    .vuln_head = vg__sq_vuln_head,
    .vuln_by_alias = vg__sq_vuln_by_alias,
    .vuln_put_many = vg__sq_vuln_put_many,
    .vuln_insert_new = vg__sq_vuln_insert_new,
    .vuln_index_new = vg__sq_vuln_index_new,
    .vuln_list = vg__sq_vuln_list,
    .vuln_scan = vg__sq_vuln_scan,
    .vuln_ids_for_package = vg__sq_vuln_ids_for_package,
    .kev_put = vg__sq_kev_put,
    .kev_get = vg__sq_kev_get,
    .vuln_count = vg__sq_vuln_count,
    .sbom_insert = vg__sq_sbom_insert,
    .sbom_get = vg__sq_sbom_get,
    .sbom_list = vg__sq_sbom_list,
    .component_insert = vg__sq_component_insert,
    .components_insert = vg__sq_components_insert,
    .components_of = vg__sq_components_of,
    .components_scan = vg__sq_components_scan,
    .component_get = vg__sq_component_get,
    .exposure_put = vg__sq_exposure_put,
    .exposure_close_missing = vg__sq_exposure_close_missing,
    .exposure_list = vg__sq_exposure_list,
    .exposure_get = vg__sq_exposure_get,
    .exposure_set_status = vg__sq_exposure_set_status,
    .alert_insert = vg__sq_alert_insert,
    .alert_list = vg__sq_alert_list,
    .exposure_summary = vg__sq_exposure_summary,
    .risk_notice_insert = vg__sq_risk_notice_insert,
    .risk_notice_list = vg__sq_risk_notice_list,
    /* ---- indicators and TAXII ---- */
    .ioc_upsert = vg__sq_ioc_upsert,
    .ioc_get = vg__sq_ioc_get,
    .ioc_list = vg__sq_ioc_list,
    .ioc_source_put = vg__sq_ioc_source_put,
    .ioc_sources = vg__sq_ioc_sources,
    .ioc_sources_by_stix = vg__sq_ioc_sources_by_stix,
    .ioc_keys_build = vg__sq_ioc_keys_build,
    .ioc_reserve = vg__sq_ioc_reserve,
    .ioc_source_scan = vg__sq_ioc_source_scan,
    .ioc_sighting_insert = vg__sq_ioc_sighting_insert,
    .ioc_sightings = vg__sq_ioc_sightings,
    .taxii_put = vg__sq_taxii_put,
    .taxii_list = vg__sq_taxii_list,
    .taxii_status_put = vg__sq_taxii_status_put,
    .taxii_status_get = vg__sq_taxii_status_get,
    .disposal_insert = vg__sq_disposal_insert,
    .disposal_get = vg__sq_disposal_get,
    .disposal_update = vg__sq_disposal_update,
    .disposal_list = vg__sq_disposal_list,
};

static int applied(sqlite3 *db, int version)
{
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM schema_migrations WHERE version = ?", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int(st, 1, version);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
}

static int count_row(void *ctx, int ncol, char **vals, char **names)
{
    (void)ncol;
    (void)vals;
    (void)names;
    (*(int *)ctx)++;
    return 0;
}

static int migrate(struct sqlite_store *s, struct vg_err *err)
{
    char *msg = NULL;
    int rc = VG_OK;
    const struct vg__migration *m = vg__sqlite_migrations;
    size_t n = 0;
    if (sqlite3_exec(s->db,
                     "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                     " applied_at INTEGER NOT NULL)",
                     NULL, NULL, &msg) != SQLITE_OK)
        goto fail;
    while (m[n].version)
        n++;
    /* Foreign keys are off while migrating and checked before each commit
     * (SQLite's procedure for rebuilding a table that others reference: a
     * DROP TABLE would otherwise delete the children's parents). */
    sqlite3_exec(s->db, "PRAGMA foreign_keys=OFF", NULL, NULL, NULL);
    /* ascending version order, whatever the order of the table */
    for (int last = 0;;) {
        const struct vg__migration *next = NULL;
        for (size_t i = 0; i < n; i++)
            if (m[i].version > last && (next == NULL || m[i].version < next->version))
                next = &m[i];
        if (next == NULL)
            break;
        last = next->version;
        if (applied(s->db, next->version))
            continue;
        char stamp[128];
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
            goto fail;
        if (sqlite3_exec(s->db, next->sql, NULL, NULL, &msg) != SQLITE_OK) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            goto fail;
        }
        int broken = 0;
        if (sqlite3_exec(s->db, "PRAGMA foreign_key_check", count_row, &broken, &msg) !=
                SQLITE_OK ||
            broken) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            if (msg == NULL)
                msg = sqlite3_mprintf("migration %d breaks %d foreign key(s)", next->version,
                                      broken);
            goto fail;
        }
        snprintf(stamp, sizeof(stamp),
                 "INSERT INTO schema_migrations VALUES (%d, CAST(strftime('%%s','now') AS INTEGER)"
                 " * 1000); COMMIT",
                 next->version);
        if (sqlite3_exec(s->db, stamp, NULL, NULL, &msg) != SQLITE_OK) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            goto fail;
        }
    }
    sqlite3_exec(s->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    return rc;
fail:
    rc = vg_err_set(err, VG_EBACKEND, "migration failed: %s", msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    sqlite3_exec(s->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    return rc;
}

int vg_sqlite_open(const char *path, int create, int do_migrate, struct vg_store **out,
                   struct vg_err *err)
{
    struct sqlite_store *s = vg_xcalloc(1, sizeof(*s));
    struct stat sb;
    int rc = VG_OK;
    *out = NULL;
    s->base.ops = &sqlite_ops;
    if (!create && stat(path, &sb) != 0) {
        rc = vg_err_set(err, VG_ENOTFOUND, "no database at %s (run 'vigil init' first)", path);
        goto fail;
    }
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
                            SQLITE_OPEN_NOMUTEX,
                        vg__sq_vfs()) != SQLITE_OK) {
        rc = vg_err_set(err, VG_EIO, "cannot open database %s: %s", path,
                        s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 10000);
    sqlite3_extended_result_codes(s->db, 1);
    /* mmap_size: map as much of the file as SQLite allows (it caps the
     * value at its compile-time maximum, 2 GB in Debian's build): reads of a
     * large collection then cost no read() copies into the page cache.
     * A transaction keeps its dirty pages in the cache until it commits
     * (cache_spill off): the knowledge base's imports write b-trees keyed by
     * random text, whose pages a spill would write and read back again and
     * again. A VG_TX_BULK transaction spills (sq_begin). */
    if (sqlite3_exec(s->db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                     " PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
                     " PRAGMA mmap_size=68719476736;"
                     " PRAGMA wal_autocheckpoint=4000; PRAGMA cache_spill=OFF;",
                     NULL, NULL, NULL) != SQLITE_OK) {
        rc = vg_err_set(err, VG_EBACKEND, "cannot configure database: %s", sqlite3_errmsg(s->db));
        goto fail;
    }
    if (do_migrate && (rc = migrate(s, err)) != VG_OK)
        goto fail;
    if ((rc = vg__sq_ioc_register(s, err)) != VG_OK ||
        (rc = vg__sq_rows_register(s, err)) != VG_OK)
        goto fail;
    vg__sq_keys_attach(s, path);
    *out = &s->base;
    return VG_OK;
fail:
    sq_close(&s->base);
    return rc;
}

int vg_store_open(const char *uri, int create, int migrate_, struct vg_store **out,
                  struct vg_err *err)
{
    if (strncmp(uri, "sqlite:", 7) == 0)
        return vg_sqlite_open(uri + 7, create, migrate_, out, err);
    if (strncmp(uri, "postgres://", 11) == 0 || strncmp(uri, "postgresql://", 13) == 0)
        return vg_err_set(err, VG_EINVAL, "store: the PostgreSQL backend is not built yet");
    return vg_sqlite_open(uri, create, migrate_, out, err);
}

void vg_store_close(struct vg_store *s)
{
    if (s)
        s->ops->close(s);
}
