/* Internals shared by the SQLite backend's files: the connection record,
 * the statement cache and row helpers. */
#ifndef VG_SQLITE_INT_H
#define VG_SQLITE_INT_H

#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "store/store.h"

struct vg__migration {
    int version; /* unique; 0 ends the list */
    const char *sql;
};
extern const struct vg__migration vg__sqlite_migrations[];

#define VG_SQ_CACHE 256

/* sqlite_keys.c: the kinds of in-memory key index */
enum { VG__SQK_OBJ, VG__SQK_IOC, VG__SQK_SRC, VG__SQK_N };

struct sqlite_store {
    struct vg_store base;
    sqlite3 *db;
    struct {
        const char *sql; /* static text; its address is the key */
        sqlite3_stmt *st;
    } cache[VG_SQ_CACHE];
    int in_tx;
    int bulk; /* in a VG_TX_BULK transaction: foreign keys back on, no spill, at its end */
    uint64_t tx_n; /* transactions begun on this connection */
    int64_t ioc_new; /* sqlite_ioc.c: the indicator the last upsert created (no source yet) */
    struct {         /* sqlite_ioc.c: TAXII collection ids and their numbers (never change) */
        char id[48];
        int64_t n;
    } coll[4];
    /* cases: the next case number of seq_year, valid while no other
     * connection has committed (seq_dv = PRAGMA data_version then) and no
     * rollback has happened since; seq_year 0 = unknown. Asked once per
     * transaction (seq_seen_tx): none can commit during a write one. */
    int seq_year;
    int64_t seq_next, seq_dv;
    uint64_t seq_seen_tx;
    struct vg__sq_ckpt *ckpt; /* the writer's background checkpoints, or NULL */
    struct vg__sq_keys *keys; /* sqlite_keys.c: shared by the file's connections */
    struct vg__sq_undo {      /* the key additions of the writer's transaction */
        struct { int kind; uint64_t h; int64_t ref; } *v;
        size_t n, cap, mark;  /* mark: where the open savepoint began */
        int64_t seen0[VG__SQK_N], seen_mark[VG__SQK_N];
    } kundo;
    int ktx, ksynced;         /* a write transaction is open; keys synced in it */
    /* sqlite_ioc.c: the newest TAXII date_added, read once per write
     * transaction (a value too high after an undo only leaves a gap) */
    int added_ok, added_next; /* added_next: one was given in this transaction */
    int64_t added_last;
    /* sqlite_ioc.c: new indicators, objects and sources held back by the
     * writer (or NULL), and the newest indicator and source ids, read once
     * per write transaction */
    struct vg__sq_held *held;
    int ioc_ok, src_ok;
    int64_t ioc_last, src_last;
    struct vg__sq_dedup *dedup; /* sqlite_dedup.c: case keys in memory, or NULL */
    /* sqlite_cases.c: what every case submission asks of orgs and
     * subscriptions (peer centres, the vendor unit by name, their webhooks),
     * kept while org_gen stays; org_gen moves with every write to either
     * table on this connection, every undo or rollback, and another
     * connection's commit (PRAGMA data_version org_dv, checked once per
     * transaction: org_seen_tx) */
    int writer; /* the writer connection (vg_store_writer_setup) */
    uint64_t org_gen, org_seen_tx;
    int64_t org_dv;
    struct vg__sq_orgc *orgc;
    /* audit: the anchor is set once, as the transaction commits, to the last
     * entry appended in it (audit_seq, audit_hash) when audit_pending; that
     * entry is also the head the next append chains to, unless an operation
     * was undone since (audit_undone: read the head again) */
    int audit_pending, audit_undone;
    int64_t audit_seq;
    char audit_hash[65];
};

/* sqlite_keys.c: in-memory key indexes (STIX id -> TAXII object date_added,
 * type + value -> indicator id, STIX id -> source id) in place of b-tree
 * indexes on random text; hits are candidates to confirm against the row. */
struct vg__sq_refs { int64_t *v; size_t n, cap; };
struct vg_buf;
int vg__sq_keys_attach(struct sqlite_store *s, const char *path);
void vg__sq_keys_detach(struct sqlite_store *s);
uint64_t vg__sq_keys_hash(const char *k1, const char *k2);
/* Brings the indexes up to the rows this connection sees (first use: all). */
int vg__sq_keys_sync(struct sqlite_store *s, struct vg_err *err);
/* The row ids stored under h, into out (grown with vg_xrealloc; the caller frees out->v). */
size_t vg__sq_keys_find(struct sqlite_store *s, int kind, uint64_t h, struct vg__sq_refs *out);
/* Fetches into the cache the slots a later object's keys fall in (0: none):
 * its STIX id (objects and sources) and its observable (indicators). */
void vg__sq_keys_prefetch(struct sqlite_store *s, uint64_t id, uint64_t value);
/* out as a JSON array of numbers, NUL-terminated (for json_each). */
void vg__sq_refs_json(const struct vg__sq_refs *r, struct vg_buf *b);
/* The writer: a row it inserted (check: skip when there already). */
int vg__sq_keys_add(struct sqlite_store *s, int kind, uint64_t h, int64_t ref, int check,
                    struct vg_err *err);
/* The writer, in its transaction: room for n more rows of each kind in the
 * indexes and for their additions in the undo log. */
int vg__sq_keys_reserve(struct sqlite_store *s, size_t n, struct vg_err *err);
void vg__sq_keys_begin(struct sqlite_store *s);
void vg__sq_keys_savepoint(struct sqlite_store *s);
void vg__sq_keys_undo_savepoint(struct sqlite_store *s);
void vg__sq_keys_rollback(struct sqlite_store *s);
void vg__sq_keys_commit(struct sqlite_store *s);

/* sqlite_dedup.c: the case key index of s. load builds it now (it is built
 * when first needed otherwise); tx tells it what the transaction did; free
 * is NULL-safe. */
enum { VG__SQ_DD_SAVEPOINT, VG__SQ_DD_UNDO, VG__SQ_DD_COMMIT, VG__SQ_DD_ROLLBACK };
int vg__sq_dedup_load(struct sqlite_store *s, struct vg_err *err);
/* sqlite_cases.c: the org cache (see org_gen); free is NULL-safe */
void vg__sq_orgc_free(struct sqlite_store *s);
void vg__sq_dedup_tx(struct sqlite_store *s, int what);
void vg__sq_dedup_free(struct sqlite_store *s);

/* sqlite_ckpt.c: checkpoints of s's WAL by a thread of their own (the
 * writer connection); stop is NULL-safe and runs before s is closed. */
int vg__sq_ckpt_start(struct sqlite_store *s, struct vg_err *err);
void vg__sq_ckpt_stop(struct sqlite_store *s);

/* sqlite_vfs.c: the VFS the store's connections open with -- the unix VFS,
 * with a WAL's frames written a transaction (or 128 KiB) at a time --
 * or NULL (SQLite's default) when it could not be registered. The counts
 * are of every connection of the process: xWrite calls on its files, the
 * writes of gathered WAL frames that replaced them, and how many of those
 * the safety net made (at a barrier or lock: 0 while every commit frame is
 * recognised). */
const char *vg__sq_vfs(void);
struct vg__sq_vfs_stats {
    unsigned long writes, flushes, late, windows, putbacks;
};
struct vg__sq_vfs_stats vg__sq_vfs_stats(void);

struct sqlite_store *vg__sq(struct vg_store *s);
/* Maps a SQLite failure to VG_E* (unique -> VG_ECONFLICT, ...). */
int vg__sq_err(struct sqlite_store *s, int rc, const char *what, struct vg_err *err);
/* The cached, reset statement for text (a static string); NULL on error. */
sqlite3_stmt *vg__sq_prep(struct sqlite_store *s, const char *text, struct vg_err *err);
const char *vg__sq_str(sqlite3_stmt *st, int i, struct vg_arena *a);
/* Binds v without a copy (SQLITE_STATIC): v must live until the statement
 * has been stepped. NULL binds SQL NULL. */
void vg__sq_bind_str(sqlite3_stmt *st, int i, const char *v);
/* Runs a statement that changes rows; VG_ENOTFOUND when none changed and
 * need_change is set. */
int vg__sq_exec(struct sqlite_store *s, sqlite3_stmt *st, const char *what, int need_change,
                struct vg_err *err);

/* Multi-row statements: ROWS32(" (?,?),") " (?,?)" is 33 rows of two. */
#define ROWS32(x) x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x

/* Steps a one-row query into out via read; VG_ENOTFOUND when no row. */
#define GET_ONE(s, st, what, err, READ)                                                            \
    do {                                                                                           \
        int rc_ = sqlite3_step(st);                                                                \
        if (rc_ == SQLITE_ROW) {                                                                   \
            READ;                                                                                  \
            sqlite3_reset(st);                                                                     \
            return VG_OK;                                                                          \
        }                                                                                          \
        sqlite3_reset(st);                                                                         \
        if (rc_ == SQLITE_DONE)                                                                    \
            return vg_err_set(err, VG_ENOTFOUND, "%s not found", what);                            \
        return vg__sq_err(s, rc_, what, err);                                                          \
    } while (0)

/* Steps a many-row query into an arena array. */
#define GET_MANY(s, st, what, a, T, out, n, err, READ)                                             \
    do {                                                                                           \
        size_t cap_ = 16, cnt_ = 0;                                                                \
        T *arr_ = vg_arena_alloc(a, cap_ * sizeof(T));                                             \
        int rc_;                                                                                   \
        while ((rc_ = sqlite3_step(st)) == SQLITE_ROW) {                                           \
            if (cnt_ == cap_) {                                                                    \
                T *na_ = vg_arena_alloc(a, 2 * cap_ * sizeof(T));                                  \
                memcpy(na_, arr_, cap_ * sizeof(T));                                               \
                arr_ = na_;                                                                        \
                cap_ *= 2;                                                                         \
            }                                                                                      \
            T *it = &arr_[cnt_++];                                                                 \
            memset(it, 0, sizeof(T));                                                              \
            READ;                                                                                  \
        }                                                                                          \
        sqlite3_reset(st);                                                                         \
        if (rc_ != SQLITE_DONE)                                                                    \
            return vg__sq_err(s, rc_, what, err);                                                      \
        *(out) = arr_;                                                                             \
        *(n) = cnt_;                                                                               \
        return VG_OK;                                                                              \
    } while (0)


/* Ops implemented in sqlite_cases.c (signatures as in struct vg_store_ops). */
int vg__sq_org_by_name(struct vg_store *, const char *, struct vg_arena *, struct vg_org *,
                       struct vg_err *);
int vg__sq_org_list_kind(struct vg_store *, int, struct vg_arena *, struct vg_org **, size_t *,
                         struct vg_err *);
int vg__sq_case_next_seq(struct vg_store *, int, int64_t *, struct vg_err *);
int vg__sq_case_insert(struct vg_store *, struct vg_case *, struct vg_err *);
int vg__sq_case_get(struct vg_store *, const char *, struct vg_arena *, struct vg_case *,
                    struct vg_err *);
int vg__sq_case_update(struct vg_store *, const struct vg_case *, struct vg_err *);
int vg__sq_case_list(struct vg_store *, const struct vg_case_filter *, int64_t, int,
                     struct vg_arena *, struct vg_case **, size_t *, struct vg_err *);
int vg__sq_case_key_put(struct vg_store *, const struct vg_case *, const char *, const char *,
                        struct vg_err *);
int vg__sq_case_find_key(struct vg_store *, const char *, const char *, const char *,
                         struct vg_arena *, struct vg_case *, struct vg_err *);
int vg__sq_case_event_insert(struct vg_store *, struct vg_case_event *, struct vg_err *);
int vg__sq_case_events(struct vg_store *, const char *, struct vg_arena *, struct vg_case_event **,
                       size_t *, struct vg_err *);
int vg__sq_case_delays(struct vg_store *, struct vg_arena *, struct vg_case_delay **, size_t *,
                       struct vg_err *);
int vg__sq_notif_insert(struct vg_store *, struct vg_notification *, struct vg_err *);
int vg__sq_notif_list(struct vg_store *, int64_t, int, int64_t, int, struct vg_arena *,
                      struct vg_notification **, size_t *, struct vg_err *);
int vg__sq_sub_insert(struct vg_store *, struct vg_subscription *, struct vg_err *);
int vg__sq_sub_get(struct vg_store *, int64_t, struct vg_arena *, struct vg_subscription *,
                   struct vg_err *);
int vg__sq_sub_list(struct vg_store *, int64_t, struct vg_arena *, struct vg_subscription **,
                    size_t *, struct vg_err *);
int vg__sq_sub_delete(struct vg_store *, int64_t, struct vg_err *);
int vg__sq_outbox_insert(struct vg_store *, struct vg_outbox *, struct vg_err *);
int vg__sq_outbox_due(struct vg_store *, int64_t, int, struct vg_arena *, struct vg_outbox **,
                      size_t *, struct vg_err *);
int vg__sq_outbox_next(struct vg_store *, int64_t *, struct vg_err *);
int vg__sq_outbox_update(struct vg_store *, int64_t, const char *, int, int64_t, int64_t,
                         struct vg_err *);
int vg__sq_delivery_insert(struct vg_store *, struct vg_delivery *, struct vg_err *);
int vg__sq_delivery_list(struct vg_store *, const char *, const char *, struct vg_arena *,
                         struct vg_delivery **, size_t *, struct vg_err *);
/* sqlite_vulns.c */
int vg__sq_vuln_head(struct vg_store *, const char *, const char *, size_t, struct vg_vuln *,
                     int *, struct vg_err *);
int vg__sq_vuln_get(struct vg_store *, const char *, struct vg_arena *, struct vg_vuln *,
                    struct vg_err *);
int vg__sq_vuln_by_alias(struct vg_store *, const char *, struct vg_arena *, const char ***,
                         size_t *, struct vg_err *);
int vg__sq_vuln_put_many(struct vg_store *, struct vg_vuln_put *, size_t, struct vg_err *);
int vg__sq_vuln_insert_new(struct vg_store *, struct vg_vuln_put *, size_t, int,
                           struct vg_err *);
int vg__sq_vuln_index_new(struct vg_store *, const struct vg_vuln_put *, size_t, struct vg_err *);
int vg__sq_vuln_list(struct vg_store *, const struct vg_vuln_filter *, int64_t, int,
                     struct vg_arena *, struct vg_vuln **, size_t *, struct vg_err *);
int vg__sq_vuln_scan(struct vg_store *, int64_t, int, struct vg_arena *, struct vg_vuln **,
                     size_t *, struct vg_err *);
int vg__sq_vuln_ids_for_package(struct vg_store *, const char *, const char *, struct vg_arena *,
                                const char ***, size_t *, struct vg_err *);
int vg__sq_kev_put(struct vg_store *, const struct vg_kev *, int *, struct vg_err *);
int vg__sq_kev_get(struct vg_store *, const char *, struct vg_arena *, struct vg_kev *,
                   struct vg_err *);
int vg__sq_vuln_count(struct vg_store *, int64_t *, int64_t *, struct vg_err *);
/* sqlite_sbom.c */
int vg__sq_sbom_insert(struct vg_store *, struct vg_sbom_rec *, struct vg_err *);
int vg__sq_sbom_get(struct vg_store *, int64_t, struct vg_arena *, struct vg_sbom_rec *,
                    struct vg_err *);
int vg__sq_sbom_list(struct vg_store *, int64_t, int, int64_t, int, struct vg_arena *,
                     struct vg_sbom_rec **, size_t *, struct vg_err *);
int vg__sq_component_insert(struct vg_store *, struct vg_component *, struct vg_err *);
int vg__sq_components_insert(struct vg_store *, struct vg_component *, size_t, struct vg_err *);
int vg__sq_components_of(struct vg_store *, int64_t, struct vg_arena *, struct vg_component **,
                         size_t *, struct vg_err *);
int vg__sq_components_scan(struct vg_store *, int64_t, int, struct vg_arena *,
                           struct vg_component **, size_t *, struct vg_err *);
int vg__sq_component_get(struct vg_store *, int64_t, struct vg_arena *, struct vg_component *,
                         struct vg_err *);
int vg__sq_exposure_put(struct vg_store *, struct vg_exposure *, int *, struct vg_err *);
int vg__sq_exposure_close_missing(struct vg_store *, int64_t, const char *, const char *const *,
                                  size_t, int64_t, size_t *, struct vg_err *);
int vg__sq_exposure_list(struct vg_store *, const char *, int64_t, const char *, int64_t, int,
                         struct vg_arena *, struct vg_exposure **, size_t *, struct vg_err *);
int vg__sq_exposure_get(struct vg_store *, int64_t, struct vg_arena *, struct vg_exposure *,
                        struct vg_err *);
int vg__sq_exposure_set_status(struct vg_store *, int64_t, const char *, const char *, int64_t,
                               struct vg_err *);
int vg__sq_alert_insert(struct vg_store *, struct vg_alert *, int *, struct vg_err *);
int vg__sq_alert_list(struct vg_store *, int64_t, int64_t, int, struct vg_arena *,
                      struct vg_alert **, size_t *, struct vg_err *);
int vg__sq_exposure_summary(struct vg_store *, int64_t, struct vg_arena *,
                            struct vg_exposure_count **, size_t *, struct vg_err *);
int vg__sq_risk_notice_insert(struct vg_store *, struct vg_risk_notice *, struct vg_err *);
int vg__sq_risk_notice_list(struct vg_store *, int64_t, int, struct vg_arena *,
                            struct vg_risk_notice **, size_t *, struct vg_err *);



/* ---- indicators and TAXII: ops implemented in sqlite_ioc.c ---- */
int vg__sq_ioc_upsert(struct vg_store *, const char *, const char *, uint64_t, int64_t,
                      int64_t *, struct vg_err *);
int vg__sq_ioc_get(struct vg_store *, int64_t, struct vg_arena *, struct vg_ioc_row *,
                   struct vg_err *);
int vg__sq_ioc_list(struct vg_store *, const struct vg_ioc_viewer *, const char *, const char *,
                    int64_t, int, struct vg_arena *, struct vg_ioc_row **, size_t *,
                    struct vg_err *);
int vg__sq_ioc_source_put(struct vg_store *, struct vg_ioc_source *, struct vg_err *);
int vg__sq_ioc_sources(struct vg_store *, int64_t, struct vg_arena *, struct vg_ioc_source **,
                       size_t *, struct vg_err *);
int vg__sq_ioc_sources_by_stix(struct vg_store *, const char *, struct vg_arena *,
                               struct vg_ioc_source **, size_t *, struct vg_err *);
int vg__sq_ioc_source_scan(struct vg_store *, int64_t, int, struct vg_arena *,
                           struct vg_ioc_source **, size_t *, struct vg_err *);
int vg__sq_ioc_sighting_insert(struct vg_store *, struct vg_ioc_sighting *, struct vg_err *);
int vg__sq_ioc_sightings(struct vg_store *, int64_t, struct vg_arena *, struct vg_ioc_sighting **,
                         size_t *, struct vg_err *);
int vg__sq_taxii_put(struct vg_store *, struct vg_taxii_object *, struct vg_err *);
/* sqlite_rows.c: vg_rows, rows in the writer's memory read as a table, for
 * INSERT ... SELECT c0, c1, ... FROM vg_rows(?1) of a whole batch. */
#define VG__SQ_ROWS_COLS 12
struct vg__sq_rows {
    const void *rows;
    size_t n;
    /* column c (0..VG__SQ_ROWS_COLS - 1) of row i, as an sqlite3_result_* */
    void (*col)(sqlite3_context *ctx, const void *rows, size_t i, int c);
};
int vg__sq_rows_register(struct sqlite_store *s, struct vg_err *err);
/* Runs q (its one parameter ?1: the rows) over src; nothing when src->n is 0. */
int vg__sq_rows_insert(struct sqlite_store *s, const char *q, const struct vg__sq_rows *src,
                       const char *what, struct vg_err *err);
/* Registers the SQL functions the indicator queries use (vg_obj_rows). */
int vg__sq_ioc_register(struct sqlite_store *s, struct vg_err *err);
int vg__sq_ioc_keys_build(struct vg_store *s, struct vg_err *err);
int vg__sq_ioc_reserve(struct vg_store *s, size_t n, struct vg_err *err);
/* The writer's held-back rows: stored (before a commit or a savepoint),
 * dropped (rollback, undone savepoint), freed (close). */
int vg__sq_ioc_flush(struct sqlite_store *s, struct vg_err *err);
void vg__sq_ioc_discard(struct sqlite_store *s);
void vg__sq_ioc_free(struct sqlite_store *s);
int vg__sq_taxii_list(struct vg_store *, const struct vg_taxii_filter *, struct vg_arena *,
                      struct vg_taxii_object **, size_t *, struct vg_err *);
int vg__sq_taxii_status_put(struct vg_store *, const struct vg_taxii_status *, struct vg_err *);
int vg__sq_taxii_status_get(struct vg_store *, const char *, struct vg_arena *,
                            struct vg_taxii_status *, struct vg_err *);
int vg__sq_disposal_insert(struct vg_store *, struct vg_disposal *, struct vg_err *);
int vg__sq_disposal_get(struct vg_store *, int64_t, struct vg_arena *, struct vg_disposal *,
                        struct vg_err *);
int vg__sq_disposal_update(struct vg_store *, const struct vg_disposal *, struct vg_err *);
int vg__sq_disposal_list(struct vg_store *, const struct vg_disposal_filter *, int64_t, int,
                         struct vg_arena *, struct vg_disposal **, size_t *, struct vg_err *);

#endif
