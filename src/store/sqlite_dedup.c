/* Case dedup keys in the SQLite backend: kept in an append-only table
 * (case_dedup_log, migration 82) and found through an index in the
 * connection's memory, built from that table when first needed. A b-tree
 * keyed by the key's text took two random leaf pages of the WAL per case
 * (30% of a bench/cases commit); the log appends to one page. Not for:
 * deciding what a duplicate is (service/cases.c). */
#include "store/sqlite_int.h"
#include "core/util.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* One holder of a key: ordered by (received_at, rid), the order of the
 * answer; row is its case_dedup_log row, which has the key's text. */
struct dd_ent {
    int64_t received_at, rid, row;
};

/* The holders of every key whose hash is h (n 0: a free slot). Keys are told
 * apart by their text, read back from the log, so a collision of hashes
 * costs reads, never a wrong answer. One holder, the usual case, is kept in
 * place. */
struct dd_key {
    uint64_t h;
    uint32_t n, cap;
    union {
        struct dd_ent one;  /* cap 0 */
        struct dd_ent *many; /* cap > 0 */
    } u;
};

struct vg__sq_dedup {
    struct dd_key *slots; /* open addressing, nslots a power of two */
    size_t nslots, nkeys;
    unsigned char hkey[crypto_shorthash_KEYBYTES]; /* random: no crafted collisions */
    int64_t dv;        /* PRAGMA data_version of the table it reflects */
    uint64_t seen_tx;  /* the transaction (tx_n) that last found it current */
    int dirty;         /* holds rows of a transaction not yet committed */
    size_t since_mark; /* keys put since the operation's savepoint opened */
};

static const char q_dv[] = "PRAGMA data_version";
static const char q_all[] =
    "SELECT id, kind, value, received_at, case_rid FROM case_dedup_log ORDER BY id";
static const char q_put[] =
    "INSERT INTO case_dedup_log (kind, value, received_at, case_rid) VALUES (?,?,?,?)";
static const char q_text[] = "SELECT kind, value FROM case_dedup_log WHERE id = ?";
static const char q_case[] = "SELECT id, received_at, state FROM cases WHERE rid = ?";

static struct dd_ent *ents(struct dd_key *k)
{
    return k->cap ? k->u.many : &k->u.one;
}

static uint64_t dd_hash(const struct vg__sq_dedup *d, const char *kind, const char *value)
{
    uint64_t h, hk;
    crypto_shorthash((unsigned char *)&h, (const unsigned char *)value, strlen(value), d->hkey);
    crypto_shorthash((unsigned char *)&hk, (const unsigned char *)kind, strlen(kind), d->hkey);
    return h ^ (hk * 0x9e3779b97f4a7c15ULL);
}

static struct dd_key *dd_slot(struct vg__sq_dedup *d, uint64_t h)
{
    size_t i = (size_t)h & (d->nslots - 1);
    while (d->slots[i].n && d->slots[i].h != h)
        i = (i + 1) & (d->nslots - 1);
    return &d->slots[i];
}

static void dd_grow(struct vg__sq_dedup *d)
{
    struct dd_key *old = d->slots;
    size_t n = d->nslots;
    d->nslots = n ? n * 2 : 1024;
    d->slots = vg_xcalloc(d->nslots, sizeof(*d->slots));
    for (size_t i = 0; i < n; i++)
        if (old[i].n)
            *dd_slot(d, old[i].h) = old[i];
    free(old);
}

/* Adds e to the holders of h, in answer order (at the end, but for a
 * backfilled receipt time). */
static void dd_add(struct vg__sq_dedup *d, uint64_t h, const struct dd_ent *e)
{
    if ((d->nkeys + 1) * 4 > d->nslots * 3)
        dd_grow(d);
    struct dd_key *k = dd_slot(d, h);
    if (k->n == 0) {
        k->h = h;
        k->n = 1;
        k->cap = 0;
        k->u.one = *e;
        d->nkeys++;
        return;
    }
    if (k->cap == 0 || k->n == k->cap) {
        uint32_t cap = k->cap ? k->cap * 2 : 4;
        struct dd_ent *m = vg_xmalloc(cap * sizeof(*m));
        memcpy(m, ents(k), k->n * sizeof(*m));
        if (k->cap)
            free(k->u.many);
        k->u.many = m;
        k->cap = cap;
    }
    struct dd_ent *m = k->u.many;
    uint32_t i = k->n;
    while (i > 0 && (m[i - 1].received_at > e->received_at ||
                     (m[i - 1].received_at == e->received_at && m[i - 1].rid > e->rid))) {
        m[i] = m[i - 1];
        i--;
    }
    m[i] = *e;
    k->n++;
}

void vg__sq_dedup_free(struct sqlite_store *s)
{
    struct vg__sq_dedup *d = s->dedup;
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->nslots; i++)
        if (d->slots[i].cap)
            free(d->slots[i].u.many);
    free(d->slots);
    free(d);
    s->dedup = NULL;
}

static int data_version(struct sqlite_store *s, int64_t *v, struct vg_err *err)
{
    sqlite3_stmt *st = vg__sq_prep(s, q_dv, err);
    if (st == NULL)
        return VG_EBACKEND;
    GET_ONE(s, st, "data version", err, *v = sqlite3_column_int64(st, 0));
}

/* The index, current: built when missing, rebuilt when another connection
 * has committed since (it may have written keys). */
static int dd_ready(struct sqlite_store *s, struct vg_err *err)
{
    int64_t dv = 0;
    int rc;
    /* Within a transaction nobody else's commit becomes visible: one check
     * per transaction is enough (a case submission looks keys up and puts
     * them four times). */
    if (s->dedup && s->in_tx && s->dedup->seen_tx == s->tx_n)
        return VG_OK;
    if ((rc = data_version(s, &dv, err)))
        return rc;
    if (s->dedup && s->dedup->dv == dv) {
        s->dedup->seen_tx = s->tx_n;
        return VG_OK;
    }
    vg__sq_dedup_free(s);
    if (sodium_init() < 0)
        return vg_err_set(err, VG_EBACKEND, "case keys: libsodium did not start");
    struct vg__sq_dedup *d = vg_xcalloc(1, sizeof(*d));
    crypto_shorthash_keygen(d->hkey);
    d->dv = dv;
    d->seen_tx = s->tx_n;
    d->dirty = s->in_tx; /* it read what this transaction has written so far */
    dd_grow(d);
    sqlite3_stmt *st = vg__sq_prep(s, q_all, err);
    if (st == NULL) {
        free(d->slots);
        free(d);
        return VG_EBACKEND;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct dd_ent e = {sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
                           sqlite3_column_int64(st, 0)};
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        const char *value = (const char *)sqlite3_column_text(st, 2);
        dd_add(d, dd_hash(d, kind ? kind : "", value ? value : ""), &e);
    }
    sqlite3_reset(st);
    s->dedup = d;
    if (rc != SQLITE_DONE) {
        vg__sq_dedup_free(s);
        return vg__sq_err(s, rc, "case keys", err);
    }
    return VG_OK;
}

int vg__sq_dedup_load(struct sqlite_store *s, struct vg_err *err)
{
    return dd_ready(s, err);
}

/* *same: 1 when log row `row` holds (kind, value), else 0. */
static int same_key(struct sqlite_store *s, int64_t row, const char *kind, const char *value,
                    int *same, struct vg_err *err)
{
    sqlite3_stmt *st = vg__sq_prep(s, q_text, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, row);
    int rc = sqlite3_step(st);
    *same = 0;
    if (rc == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        const char *v = (const char *)sqlite3_column_text(st, 1);
        *same = k && v && strcmp(k, kind) == 0 && strcmp(v, value) == 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? VG_OK : vg__sq_err(s, rc, "case key", err);
}

int vg__sq_case_key_put(struct vg_store *base, const struct vg_case *c, const char *kind,
                        const char *value, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    int rc, same = 0;
    if ((rc = dd_ready(s, err)))
        return rc;
    struct vg__sq_dedup *d = s->dedup;
    uint64_t h = dd_hash(d, kind, value);
    struct dd_key *k = dd_slot(d, h);
    /* a key the case holds already is kept once */
    for (uint32_t i = 0; i < k->n; i++) {
        struct dd_ent *e = &ents(k)[i];
        if (e->rid != c->rid || e->received_at != c->received_at)
            continue;
        if ((rc = same_key(s, e->row, kind, value, &same, err)))
            return rc;
        if (same)
            return VG_OK;
    }
    sqlite3_stmt *st = vg__sq_prep(s, q_put, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, kind);
    vg__sq_bind_str(st, 2, value);
    sqlite3_bind_int64(st, 3, c->received_at);
    sqlite3_bind_int64(st, 4, c->rid);
    if ((rc = vg__sq_exec(s, st, "case key", 0, err)))
        return rc;
    struct dd_ent e = {c->received_at, c->rid, sqlite3_last_insert_rowid(s->db)};
    dd_add(d, h, &e);
    d->dirty = 1;
    d->since_mark++;
    return VG_OK;
}

/* Only what a duplicate link shows: id and received_at (rid for order). */
int vg__sq_case_find_key(struct vg_store *base, const char *kind, const char *value,
                         const char *exclude_id, struct vg_arena *a, struct vg_case *out,
                         struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    int rc, same = 0;
    if ((rc = dd_ready(s, err)))
        return rc;
    struct vg__sq_dedup *d = s->dedup;
    struct dd_key *k = dd_slot(d, dd_hash(d, kind, value));
    for (uint32_t i = 0; i < k->n; i++) {
        struct dd_ent e = ents(k)[i];
        if ((rc = same_key(s, e.row, kind, value, &same, err)))
            return rc;
        if (!same)
            continue;
        sqlite3_stmt *st = vg__sq_prep(s, q_case, err);
        if (st == NULL)
            return VG_EBACKEND;
        sqlite3_bind_int64(st, 1, e.rid);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) { /* a key outliving its case: not a holder */
            sqlite3_reset(st);
            continue;
        }
        if (rc != SQLITE_ROW) {
            sqlite3_reset(st);
            return vg__sq_err(s, rc, "case", err);
        }
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *state = (const char *)sqlite3_column_text(st, 2);
        if (id == NULL || (exclude_id && strcmp(id, exclude_id) == 0) || state == NULL ||
            strcmp(state, "rejected") == 0 || strcmp(state, "duplicate") == 0) {
            sqlite3_reset(st);
            continue;
        }
        memset(out, 0, sizeof(*out));
        out->rid = e.rid;
        out->id = vg_arena_strdup(a, id);
        out->received_at = sqlite3_column_int64(st, 1);
        sqlite3_reset(st);
        return VG_OK;
    }
    return vg_err_set(err, VG_ENOTFOUND, "case not found");
}

/* Transactions: keys put by an operation that is undone, or by a
 * transaction that rolls back, leave the index; it is simplest (and rare)
 * to drop it then and read the table again when next needed. */
void vg__sq_dedup_tx(struct sqlite_store *s, int what)
{
    struct vg__sq_dedup *d = s->dedup;
    if (d == NULL)
        return;
    switch (what) {
    case VG__SQ_DD_SAVEPOINT:
        d->since_mark = 0;
        break;
    case VG__SQ_DD_UNDO:
        if (d->since_mark)
            vg__sq_dedup_free(s);
        break;
    case VG__SQ_DD_COMMIT:
        d->dirty = 0;
        d->since_mark = 0;
        break;
    case VG__SQ_DD_ROLLBACK:
        if (d->dirty)
            vg__sq_dedup_free(s);
        else
            d->since_mark = 0;
        break;
    }
}
