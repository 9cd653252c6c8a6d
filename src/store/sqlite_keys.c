/* In-memory key indexes of the SQLite backend's indicator tables: STIX id ->
 * TAXII objects (their date_added), (type, value) -> indicator, STIX id ->
 * indicator sources. They replace three b-tree indexes whose keys are
 * random text (UUIDs, addresses): inserting a million new objects into them
 * cost SQLite more than everything else of an ingest together, each insert
 * a descent into a large index with cache misses at every level, where a
 * hash table costs one. The tables themselves are only appended to.
 *
 * An index maps a 64-bit keyed hash (SipHash, libsodium's crypto_shorthash,
 * with a key drawn per process, so a submitter cannot aim collisions) to
 * row ids: a multimap, open addressing with linear probing (the hash is
 * vg_store_key_hash's: a bulk writer takes it ahead on another thread). A
 * hit is a candidate only; every reader confirms it against the row (its
 * id, type and value columns), so a collision costs a row read, never a
 * wrong answer, and a row the writer added in a transaction another
 * connection does not see yet is simply not found there.
 *
 * One set of indexes serves every connection of a database file in the
 * process (a registry by path), under a read-write lock (which the writer,
 * the one thread changing them, skips for its own reads inside its
 * transaction: lock_rd). They are built from the tables on first use and
 * kept current by the writer, which adds each row it inserts and takes the
 * additions back when its transaction or savepoint is undone. Rows committed by another process are caught up
 * before use: each index remembers the highest row id it covers, and the
 * tables' row ids only grow. (Another process re-pointing a source to a new
 * STIX id is not seen until restart: vigil serve is the one writer.) */
#include "store/sqlite_int.h"
#include "core/buf.h"
#include "core/util.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    uint64_t h; /* 0: empty */
    int64_t ref; /* 0: removed (the slot still continues probe chains) */
};

struct keymap {
    struct slot *t;
    size_t cap, used; /* used counts removed slots too: they fill chains */
    int64_t seen;     /* rows with ids up to this are in */
};

struct vg__sq_keys {
    char *path;
    int refs;
    pthread_rwlock_t lock;
    struct keymap m[VG__SQK_N];
    struct vg__sq_keys *next;
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct vg__sq_keys *reg;
static unsigned char hkey[crypto_shorthash_KEYBYTES];
static pthread_once_t hkey_once = PTHREAD_ONCE_INIT;

static void hkey_init(void)
{
    if (sodium_init() < 0)
        abort();
    crypto_shorthash_keygen(hkey);
}

uint64_t vg__sq_keys_hash(const char *k1, const char *k2)
{
    unsigned char in[1024], out[crypto_shorthash_BYTES];
    size_t n1 = strlen(k1), n2 = k2 ? strlen(k2) : 0;
    unsigned char *p = n1 + 1 + n2 <= sizeof(in) ? in : vg_xmalloc(n1 + 1 + n2);
    uint64_t h;
    memcpy(p, k1, n1);
    p[n1] = 0; /* (a, "bc") and ("ab", c) differ */
    if (n2)
        memcpy(p + n1 + 1, k2, n2);
    crypto_shorthash(out, p, n1 + 1 + n2, hkey);
    if (p != in)
        free(p);
    memcpy(&h, out, sizeof(h));
    return h ? h : 1;
}

uint64_t vg_store_key_hash(const char *k1, const char *k2)
{
    pthread_once(&hkey_once, hkey_init);
    return vg__sq_keys_hash(k1, k2);
}

/* A table of nc slots, zeroed. A large one (4 MiB on) is aligned to and
 * advised for huge pages before it is zeroed (calloc may zero reused memory
 * in 4 KiB pages before advice could apply): a table of millions of slots
 * is probed at random, and with 4 KiB pages nearly every probe missed the
 * TLB too, and faulting it in cost a fault per 256 slots. (Not for blocks
 * grown by realloc: advice on a part of a mapping splits it, and glibc's
 * realloc then copies instead of moving the mapping.) */
static struct slot *table_new(size_t nc)
{
    size_t n = nc * sizeof(struct slot);
    void *t;
    if (n < ((size_t)4 << 20))
        return calloc(nc, sizeof(struct slot));
    if ((t = vg_huge_alloc(n)) == NULL)
        return NULL;
    memset(t, 0, n);
    return t;
}

static int map_grow(struct keymap *m)
{
    size_t nc = m->cap ? 2 * m->cap : 1024, live = 0;
    struct slot *nt = table_new(nc);
    if (nt == NULL)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        struct slot *o = &m->t[i];
        if (i + 16 < m->cap && m->t[i + 16].h) /* its new slot, a miss: ahead */
            __builtin_prefetch(&nt[(size_t)m->t[i + 16].h & (nc - 1)], 1);
        if (o->h == 0 || o->ref == 0)
            continue;
        size_t j = (size_t)o->h & (nc - 1);
        while (nt[j].h)
            j = (j + 1) & (nc - 1);
        nt[j] = *o;
        live++;
    }
    free(m->t);
    m->t = nt;
    m->cap = nc;
    m->used = live;
    return 0;
}

/* Room for n more entries without growing. */
static int map_reserve(struct keymap *m, size_t n)
{
    while ((m->used + n) * 4 > m->cap * 3)
        if (map_grow(m) != 0)
            return -1;
    return 0;
}

/* Adds (h, ref) unless there already (when check is set). */
static int map_add(struct keymap *m, uint64_t h, int64_t ref, int check)
{
    size_t j;
    if ((m->used + 1) * 4 > m->cap * 3 && map_grow(m) != 0)
        return -1;
    for (j = (size_t)h & (m->cap - 1); m->t[j].h; j = (j + 1) & (m->cap - 1))
        if (check && m->t[j].h == h && m->t[j].ref == ref)
            return 0;
    m->t[j].h = h;
    m->t[j].ref = ref;
    m->used++;
    return 0;
}

static void map_remove(struct keymap *m, uint64_t h, int64_t ref)
{
    if (m->cap == 0)
        return;
    for (size_t j = (size_t)h & (m->cap - 1); m->t[j].h; j = (j + 1) & (m->cap - 1))
        if (m->t[j].h == h && m->t[j].ref == ref) {
            m->t[j].ref = 0;
            return;
        }
}

/* ---- registry ---- */

int vg__sq_keys_attach(struct sqlite_store *s, const char *path)
{
    struct vg__sq_keys *k;
    char *real = NULL;
    int shared = path && *path && strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0;
    pthread_once(&hkey_once, hkey_init);
    if (shared && (real = realpath(path, NULL)) == NULL)
        real = vg_xstrdup(path);
    pthread_mutex_lock(&reg_mu);
    for (k = shared ? reg : NULL; k; k = k->next)
        if (strcmp(k->path, real) == 0)
            break;
    if (k == NULL) {
        k = vg_xcalloc(1, sizeof(*k));
        k->path = real;
        real = NULL;
        pthread_rwlock_init(&k->lock, NULL);
        if (shared) {
            k->next = reg;
            reg = k;
        }
    }
    k->refs++;
    pthread_mutex_unlock(&reg_mu);
    free(real);
    s->keys = k;
    return VG_OK;
}

void vg__sq_keys_detach(struct sqlite_store *s)
{
    struct vg__sq_keys *k = s->keys, **pp;
    if (k == NULL)
        return;
    s->keys = NULL;
    free(s->kundo.v);
    memset(&s->kundo, 0, sizeof(s->kundo));
    pthread_mutex_lock(&reg_mu);
    if (--k->refs > 0) {
        pthread_mutex_unlock(&reg_mu);
        return;
    }
    for (pp = &reg; *pp; pp = &(*pp)->next)
        if (*pp == k) {
            *pp = k->next;
            break;
        }
    pthread_mutex_unlock(&reg_mu);
    for (int i = 0; i < VG__SQK_N; i++)
        free(k->m[i].t);
    pthread_rwlock_destroy(&k->lock);
    free(k->path);
    free(k);
}

/* ---- catching up with the tables ---- */

static const char *const q_tail[VG__SQK_N] = {
    [VG__SQK_OBJ] = "SELECT date_added, id, NULL FROM taxii_objects WHERE date_added > ? ORDER BY date_added",
    [VG__SQK_IOC] = "SELECT id, type, value FROM iocs WHERE id > ? ORDER BY id",
    [VG__SQK_SRC] = "SELECT id, stix_id, NULL FROM ioc_sources WHERE id > ? ORDER BY id",
};
static const char *const q_max[VG__SQK_N] = {
    [VG__SQK_OBJ] = "SELECT max(date_added) FROM taxii_objects",
    [VG__SQK_IOC] = "SELECT max(id) FROM iocs",
    [VG__SQK_SRC] = "SELECT max(id) FROM ioc_sources",
};

static int tail_max(struct sqlite_store *s, int kind, int64_t *max, struct vg_err *err)
{
    sqlite3_stmt *st = vg__sq_prep(s, q_max[kind], err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    rc = sqlite3_step(st);
    *max = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? VG_OK : vg__sq_err(s, rc, "key index", err);
}

/* How many rows the first build adds, at most: indicators and sources
 * are numbered 1, 2, ... (max is the largest id); objects are counted
 * through their (collection, date_added) index, a tenth of the table. */
static int first_count(struct sqlite_store *s, int kind, int64_t max, size_t *n,
                       struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc;
    if (kind != VG__SQK_OBJ) {
        *n = max > 0 ? (size_t)max : 0;
        return VG_OK;
    }
    if ((st = vg__sq_prep(s, "SELECT count(*) FROM taxii_objects", err)) == NULL)
        return VG_EBACKEND;
    rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? VG_OK : vg__sq_err(s, rc, "key index", err);
}

/* Adds the keys gathered in b[0..n): their slots are fetched into the cache
 * all at once first (an insert into a table of tens of megabytes is a cache
 * miss; the misses then overlap instead of following each other). */
#define KEYS_AHEAD 32
static int add_batch(struct keymap *m, const struct slot *b, size_t n, int check)
{
    if (map_reserve(m, n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        __builtin_prefetch(&m->t[(size_t)b[i].h & (m->cap - 1)], 1);
    for (size_t i = 0; i < n; i++)
        if (map_add(m, b[i].h, b[i].ref, check) != 0)
            return -1;
    return 0;
}

/* Adds the rows this connection sees beyond what the index covers (up to
 * max, the largest row id it saw). Called with the write lock held. Once
 * the index holds entries, a row already in it (an undo may have lowered
 * seen below it) is not added twice; the first build sizes the table for
 * every row first (no growth on the way). */
static int tail_add(struct sqlite_store *s, int kind, int64_t max, struct vg_err *err)
{
    struct keymap *m = &s->keys->m[kind];
    sqlite3_stmt *st;
    struct slot b[KEYS_AHEAD];
    size_t nb = 0, want;
    int64_t last = m->seen;
    int rc, check = m->used > 0; /* the first build has nothing to skip */
    if (!check && m->seen == 0) {
        if ((rc = first_count(s, kind, max, &want, err)) != VG_OK)
            return rc;
        if (map_reserve(m, want) != 0)
            return vg_err_set(err, VG_ENOMEM, "key index: out of memory");
    }
    if ((st = vg__sq_prep(s, q_tail[kind], err)) == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, m->seen);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k1 = (const char *)sqlite3_column_text(st, 1);
        const char *k2 = (const char *)sqlite3_column_text(st, 2);
        last = sqlite3_column_int64(st, 0);
        if (k1 == NULL)
            continue;
        b[nb++] = (struct slot){vg__sq_keys_hash(k1, k2), last};
        if (nb == KEYS_AHEAD) {
            if (add_batch(m, b, nb, check) != 0)
                break;
            nb = 0;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return vg__sq_err(s, rc, "key index", err);
    if (rc == SQLITE_ROW || add_batch(m, b, nb, check) != 0)
        return vg_err_set(err, VG_ENOMEM, "key index: out of memory");
    m->seen = last;
    return VG_OK;
}

int vg__sq_keys_sync(struct sqlite_store *s, struct vg_err *err)
{
    struct vg__sq_keys *k = s->keys;
    int64_t max[VG__SQK_N];
    int rc, behind = 0;
    if (s->ktx && s->ksynced)
        return VG_OK; /* the writer: once per transaction (nobody else writes meanwhile) */
    for (int i = 0; i < VG__SQK_N; i++)
        if ((rc = tail_max(s, i, &max[i], err)) != VG_OK)
            return rc;
    pthread_rwlock_rdlock(&k->lock);
    for (int i = 0; i < VG__SQK_N; i++)
        behind |= max[i] > k->m[i].seen;
    pthread_rwlock_unlock(&k->lock);
    if (behind) {
        pthread_rwlock_wrlock(&k->lock);
        for (int i = 0, rc2; i < VG__SQK_N; i++)
            if (max[i] > k->m[i].seen && (rc2 = tail_add(s, i, max[i], err)) != VG_OK) {
                pthread_rwlock_unlock(&k->lock);
                return rc2;
            }
        pthread_rwlock_unlock(&k->lock);
    }
    s->ksynced = s->ktx;
    return VG_OK;
}

/* ---- use ---- */

/* The writer, in its transaction and caught up (synced), is the one thread
 * that changes the indexes until it ends (other connections see no row it
 * has not added: they find nothing to catch up with), so it reads them
 * without the lock; everyone else takes it. */
static int lock_rd(struct sqlite_store *s)
{
    if (s->ktx && s->ksynced)
        return 0;
    pthread_rwlock_rdlock(&s->keys->lock);
    return 1;
}

size_t vg__sq_keys_find(struct sqlite_store *s, int kind, uint64_t h, struct vg__sq_refs *out)
{
    struct vg__sq_keys *k = s->keys;
    struct keymap *m = &k->m[kind];
    int locked = lock_rd(s);
    out->n = 0;
    for (size_t j = m->cap ? (size_t)h & (m->cap - 1) : 0; m->cap && m->t[j].h;
         j = (j + 1) & (m->cap - 1)) {
        if (m->t[j].h != h || m->t[j].ref == 0)
            continue;
        if (out->n == out->cap) {
            size_t nc = out->cap ? 2 * out->cap : 8;
            out->v = vg_xrealloc(out->v, nc * sizeof(*out->v));
            out->cap = nc;
        }
        out->v[out->n++] = m->t[j].ref;
    }
    if (locked)
        pthread_rwlock_unlock(&k->lock);
    return out->n;
}

void vg__sq_keys_prefetch(struct sqlite_store *s, uint64_t id, uint64_t value)
{
    struct vg__sq_keys *k = s->keys;
    int locked = lock_rd(s);
    for (int i = 0; i < VG__SQK_N; i++) {
        const struct keymap *m = &k->m[i];
        uint64_t h = i == VG__SQK_IOC ? value : id;
        if (h && m->cap)
            __builtin_prefetch(&m->t[(size_t)h & (m->cap - 1)], 1);
    }
    if (locked)
        pthread_rwlock_unlock(&k->lock);
}

void vg__sq_refs_json(const struct vg__sq_refs *r, struct vg_buf *b)
{
    vg_buf_reset(b);
    vg_buf_putc(b, '[');
    for (size_t i = 0; i < r->n; i++) {
        if (i)
            vg_buf_putc(b, ',');
        vg_buf_put_i64(b, r->v[i]);
    }
    vg_buf_putc(b, ']'); /* a vg_buf is NUL-terminated: b->p is the text */
}

int vg__sq_keys_add(struct sqlite_store *s, int kind, uint64_t h, int64_t ref, int check,
                    struct vg_err *err)
{
    struct vg__sq_keys *k = s->keys;
    struct vg__sq_undo *u = &s->kundo;
    int rc;
    if (u->n == u->cap) {
        size_t nc = u->cap ? 2 * u->cap : 256;
        u->v = vg_xrealloc(u->v, nc * sizeof(*u->v));
        u->cap = nc;
    }
    pthread_rwlock_wrlock(&k->lock);
    rc = map_add(&k->m[kind], h, ref, check);
    if (rc == 0 && ref > k->m[kind].seen)
        k->m[kind].seen = ref;
    pthread_rwlock_unlock(&k->lock);
    if (rc != 0)
        return vg_err_set(err, VG_ENOMEM, "key index: out of memory");
    u->v[u->n].kind = kind;
    u->v[u->n].h = h;
    u->v[u->n].ref = ref;
    u->n++;
    return VG_OK;
}

/* ---- transactions (the writer) ---- */

int vg__sq_keys_reserve(struct sqlite_store *s, size_t n, struct vg_err *err)
{
    struct vg__sq_keys *k = s->keys;
    struct vg__sq_undo *u = &s->kundo;
    int rc = 0;
    if (n == 0 || n > SIZE_MAX / (2 * VG__SQK_N * sizeof(*u->v)))
        return VG_OK; /* a hint: nothing to take */
    if (u->cap - u->n < VG__SQK_N * n) { /* the undo log's room, faulted in at once */
        size_t nc = u->n + VG__SQK_N * n, bytes = nc * sizeof(*u->v);
        void *v = NULL;
        if (bytes >= ((size_t)4 << 20) && (v = vg_huge_alloc(bytes)) != NULL) {
            vg_populate(v, bytes); /* written a little at a time, in order, by the
                                    * writer: a fault per 4 KiB page as it went */
            if (u->n)
                memcpy(v, u->v, u->n * sizeof(*u->v));
            free(u->v);
        } else if ((v = realloc(u->v, bytes)) == NULL) {
            return vg_err_set(err, VG_ENOMEM, "key index: out of memory");
        }
        u->v = v;
        u->cap = nc;
    }
    pthread_rwlock_wrlock(&k->lock);
    for (int i = 0; i < VG__SQK_N && rc == 0; i++)
        rc = map_reserve(&k->m[i], n);
    pthread_rwlock_unlock(&k->lock);
    return rc ? vg_err_set(err, VG_ENOMEM, "key index: out of memory") : VG_OK;
}

void vg__sq_keys_begin(struct sqlite_store *s)
{
    struct vg__sq_keys *k = s->keys;
    s->kundo.n = s->kundo.mark = 0;
    s->ksynced = 0;
    s->ktx = 1;
    s->added_ok = s->ioc_ok = s->src_ok = 0;
    pthread_rwlock_rdlock(&k->lock);
    for (int i = 0; i < VG__SQK_N; i++)
        s->kundo.seen0[i] = s->kundo.seen_mark[i] = k->m[i].seen;
    pthread_rwlock_unlock(&k->lock);
}

void vg__sq_keys_savepoint(struct sqlite_store *s)
{
    struct vg__sq_keys *k = s->keys;
    s->kundo.mark = s->kundo.n;
    pthread_rwlock_rdlock(&k->lock);
    for (int i = 0; i < VG__SQK_N; i++)
        s->kundo.seen_mark[i] = k->m[i].seen;
    pthread_rwlock_unlock(&k->lock);
}

/* Takes back the additions after `to` and lowers what the indexes cover to
 * seen (rows committed meanwhile by others are found again by the next
 * sync, which skips those still in). */
static void undo_to(struct sqlite_store *s, size_t to, const int64_t *seen)
{
    struct vg__sq_keys *k = s->keys;
    struct vg__sq_undo *u = &s->kundo;
    pthread_rwlock_wrlock(&k->lock);
    while (u->n > to) {
        u->n--;
        map_remove(&k->m[u->v[u->n].kind], u->v[u->n].h, u->v[u->n].ref);
    }
    for (int i = 0; i < VG__SQK_N; i++)
        if (k->m[i].seen > seen[i])
            k->m[i].seen = seen[i];
    pthread_rwlock_unlock(&k->lock);
    s->ksynced = 0;
}

void vg__sq_keys_undo_savepoint(struct sqlite_store *s)
{
    undo_to(s, s->kundo.mark, s->kundo.seen_mark);
}

void vg__sq_keys_rollback(struct sqlite_store *s)
{
    undo_to(s, 0, s->kundo.seen0);
    s->kundo.mark = 0;
    s->ktx = 0;
}

void vg__sq_keys_commit(struct sqlite_store *s)
{
    s->kundo.n = s->kundo.mark = 0;
    if (s->kundo.cap > 65536) { /* a bulk ingest's log is not kept */
        free(s->kundo.v);
        s->kundo.v = NULL;
        s->kundo.cap = 0;
    }
    s->ksynced = 0;
    s->ktx = 0;
}
