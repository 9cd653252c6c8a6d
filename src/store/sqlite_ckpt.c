/* Background checkpoints for the SQLite writer connection: the WAL is copied
 * into the database file (and the file synced) by a thread of its own, on a
 * connection of its own, while the writer goes on committing. Not for: the
 * readers, or one-shot tools, which keep SQLite's automatic checkpoints. */
#include "store/sqlite_int.h"
#include "core/util.h"

#include <pthread.h>
#include <stdlib.h>

/* The thread wakes when CKPT_STEP frames have been written since its last
 * copy. The WAL restarts from its beginning only when everything in it has
 * been copied as a write transaction starts, which a concurrent copy does not
 * achieve while the writer keeps appending; so once the WAL holds
 * CKPT_RESTART frames and the thread has copied all but the last few, the
 * writer copies those itself, between two transactions (a short stop), and
 * the next transaction restarts the WAL. At CKPT_LIMIT frames it does so
 * whatever is left, which bounds the WAL if the thread falls behind. */
#define CKPT_STEP 1000
#define CKPT_RESTART 32000
#define CKPT_LIMIT 128000

struct vg__sq_ckpt {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sqlite3 *db;
    int wake, stop;
    int copied; /* WAL frames already in the database file (under mu) */
    int mark;   /* WAL frames when the thread was last woken (under mu) */
};

static void *run(void *arg)
{
    struct vg__sq_ckpt *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->wake && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop)
            break;
        c->wake = 0;
        pthread_mutex_unlock(&c->mu);
        int log = 0, done = 0;
        /* PASSIVE: never waits for the writer or readers; copies what it can */
        int rc = sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        pthread_mutex_lock(&c->mu);
        if (rc == SQLITE_OK && done > 0)
            c->copied = done;
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* Called by SQLite in the writer's thread after each commit, with the number
 * of frames in the WAL. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct vg__sq_ckpt *c = arg;
    int self = 0, wake = 0;
    pthread_mutex_lock(&c->mu);
    if (pages < c->copied || pages < c->mark)
        c->copied = c->mark = 0; /* the WAL has restarted */
    if (pages >= CKPT_LIMIT || (pages >= CKPT_RESTART && pages - c->copied < CKPT_STEP / 4)) {
        self = 1;
    } else if (pages - c->mark >= CKPT_STEP && !c->wake) {
        c->wake = wake = 1;
        c->mark = pages;
    }
    pthread_mutex_unlock(&c->mu);
    if (wake)
        pthread_cond_signal(&c->cv);
    /* SQLITE_BUSY (the thread is copying) tries again after the next commit */
    if (self)
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

int vg__sq_ckpt_start(struct sqlite_store *s, struct vg_err *err)
{
    struct vg__sq_ckpt *c;
    const char *path = sqlite3_db_filename(s->db, "main");
    if (s->ckpt || path == NULL || *path == '\0')
        return VG_OK; /* in-memory databases have no WAL */
    c = vg_xcalloc(1, sizeof(*c));
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        int rc = vg_err_set(err, VG_EIO, "cannot open database %s for checkpoints: %s", path,
                            c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        free(c);
        return rc;
    }
    sqlite3_busy_timeout(c->db, 0);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->th, NULL, run, c) != 0) {
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        sqlite3_close(c->db);
        free(c);
        return vg_err_set(err, VG_EIO, "cannot start the checkpoint thread");
    }
    /* replaces the automatic checkpoint of this connection */
    sqlite3_wal_hook(s->db, on_commit, c);
    s->ckpt = c;
    return VG_OK;
}

void vg__sq_ckpt_stop(struct sqlite_store *s)
{
    struct vg__sq_ckpt *c = s->ckpt;
    if (c == NULL)
        return;
    sqlite3_wal_hook(s->db, NULL, NULL);
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->th, NULL);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
    s->ckpt = NULL;
}

int vg_store_bg_checkpoint(struct vg_store *st, struct vg_err *err)
{
    if (st == NULL || strcmp(st->ops->name, "sqlite") != 0)
        return VG_OK;
    return vg__sq_ckpt_start(vg__sq(st), err);
}
