/* Background checkpoints for the SQLite writer connection: the WAL is copied
 * into the database file (and the file synced) by a thread of its own, on a
 * connection of its own, while the writer goes on committing; and the
 * writer's cache size. Not for: the readers, or one-shot tools, which keep
 * SQLite's automatic checkpoints. */
#include "store/sqlite_int.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* The thread copies when CKPT_STEP frames have been written since it last
 * started, and again every CKPT_AGAIN_MS while it has not copied everything,
 * so that it catches up as soon as writes pause. The WAL restarts from its
 * beginning at the first write transaction that starts with every frame
 * copied. Under sustained writes that never happens by itself: a concurrent
 * copy covers the frames there were when it started, and the writer has
 * appended more by the time it ends. So once the WAL holds CKPT_RESTART
 * frames (512 MB) and the thread is not copying, the writer waits, between two
 * transactions, for one more pass of it (at most CKPT_WAIT_MS; a pass is two
 * syncs and the pages written since the last, ~10-15 ms here), and tries
 * again CKPT_STEP frames later if a reader still held the old frames or the
 * pass did not end in time. A WAL of 256 MB restarted twice as often, and
 * the p99 of the case bench was 20-31 ms rather than 14. (The writer copying
 * the tail itself took 80-110 ms on its own connection.) Without it the WAL
 * grew to CKPT_LIMIT frames (~1 GB), where the writer's copy of the rest
 * stopped it for 0.3-0.6 s, the p99 of a sustained case submission bench.
 * CKPT_LIMIT stays as the bound. */
#define CKPT_STEP 1000
#define CKPT_AGAIN_MS 100
#define CKPT_WAIT_MS 50
#ifndef CKPT_RESTART /* tests/unit/platform builds a copy with small ones */
#define CKPT_RESTART 131072
#define CKPT_LIMIT 262144
#endif

/* Appending a frame past the end of the WAL file costs the kernel a block
 * allocation on top of the copy: with a commit's frames written at once
 * (sqlite_vfs.c), ~2.3 us of CPU per frame appended on ext4 against ~1.9 us
 * into reserved blocks (and ~1.0 us over an existing region). So the thread
 * reserves the WAL's blocks ahead of its end (fallocate, keeping the file's
 * size: SQLite sees the same file), CKPT_AHEAD bytes at a time when fewer
 * than half of them are left. Where fallocate is missing or fails, the WAL
 * grows as before. The reserved blocks past the end go with the file (SQLite
 * deletes the WAL when the last connection closes, or truncates it). */
#define CKPT_AHEAD (64LL << 20)

struct vg__sq_ckpt {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_cond_t passed; /* broadcast after each pass */
    long long passes;      /* passes ended (under mu) */
    sqlite3 *db;
    int wake, stop; /* under mu */
    int behind;     /* the last copy left frames behind (under mu) */
    int mark;       /* WAL frames when the thread was last woken (under mu) */
    int tried;      /* WAL frames at the writer's last wait for a pass (under mu) */
    int wal_fd;     /* the WAL file, for fallocate; -1 when it could not be opened */
    int no_reserve; /* fallocate failed: not tried again (thread only) */
    long long frame;    /* bytes per frame: page size + 24 */
    long long reserved; /* bytes of the WAL file reserved (thread only) */
    int running;        /* a pass is under way (under mu) */
};

/* Reserves the WAL's blocks up to CKPT_AHEAD past its end (frames). */
static void reserve(struct vg__sq_ckpt *c, int frames)
{
#if defined(__linux__) && defined(FALLOC_FL_KEEP_SIZE)
    long long end = 32 + (long long)frames * c->frame; /* after the 32-byte header */
    if (c->wal_fd < 0 || c->no_reserve || end + CKPT_AHEAD / 2 <= c->reserved)
        return;
    if (fallocate(c->wal_fd, FALLOC_FL_KEEP_SIZE, c->reserved, end + CKPT_AHEAD - c->reserved) == 0)
        c->reserved = end + CKPT_AHEAD;
    else
        c->no_reserve = 1;
#else
    (void)c;
    (void)frames;
#endif
}

static void *run(void *arg)
{
    struct vg__sq_ckpt *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->wake && !c->stop) {
            if (!c->behind) {
                pthread_cond_wait(&c->cv, &c->mu);
                continue;
            }
            struct timespec until;
            vg_deadline_us(&until, CKPT_AGAIN_MS * 1000L);
            if (pthread_cond_timedwait(&c->cv, &c->mu, &until) == ETIMEDOUT)
                break;
        }
        if (c->stop)
            break;
        c->wake = 0;
        c->running = 1;
        int frames = c->mark;
        pthread_mutex_unlock(&c->mu);
        reserve(c, frames);
        int log = 0, done = 0;
        /* PASSIVE: never waits for the writer or readers; copies what it can */
        int rc = sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        pthread_mutex_lock(&c->mu);
        c->behind = rc != SQLITE_OK || done < log;
        c->passes++;
        c->running = 0;
        pthread_cond_broadcast(&c->passed);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* Called by SQLite in the writer's thread after each commit, with the number
 * of frames in the WAL. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct vg__sq_ckpt *c = arg;
    int wake = 0;
    if (pages >= CKPT_LIMIT) {
        /* SQLITE_BUSY (the thread is copying) tries again after the next commit */
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
    }
    pthread_mutex_lock(&c->mu);
    if (pages < c->mark) {
        c->mark = 0; /* the WAL has restarted */
        c->tried = 0;
    }
    if (pages >= CKPT_RESTART && pages - c->tried >= CKPT_STEP && !c->running) {
        /* one whole pass of the thread, not copying now (if woken, it has
         * not started): it starts after this commit, and nothing is
         * appended while the writer waits */
        struct timespec until;
        long long want = c->passes + 1;
        vg_deadline_us(&until, CKPT_WAIT_MS * 1000L);
        c->tried = c->mark = pages;
        c->wake = 1;
        pthread_cond_signal(&c->cv);
        while (c->passes < want && !c->stop &&
               pthread_cond_timedwait(&c->passed, &c->mu, &until) == 0)
            ;
    } else if (pages - c->mark >= CKPT_STEP && !c->wake) {
        c->wake = wake = 1;
        c->mark = pages;
    }
    pthread_mutex_unlock(&c->mu);
    if (wake)
        pthread_cond_signal(&c->cv);
    return SQLITE_OK;
}

int vg__sq_ckpt_start(struct sqlite_store *s, struct vg_err *err)
{
    struct vg__sq_ckpt *c;
    const char *path = sqlite3_db_filename(s->db, "main");
    if (s->ckpt || path == NULL || *path == '\0')
        return VG_OK; /* in-memory databases have no WAL */
    c = vg_xcalloc(1, sizeof(*c));
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vg__sq_vfs()) !=
        SQLITE_OK) {
        int rc = vg_err_set(err, VG_EIO, "cannot open database %s for checkpoints: %s", path,
                            c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        free(c);
        return rc;
    }
    sqlite3_busy_timeout(c->db, 0);
    /* A connection that has read nothing yet does not know the database is
     * in WAL mode, and its checkpoints do nothing. */
    if (sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = vg_err_set(err, VG_EBACKEND, "cannot read database %s for checkpoints: %s", path,
                            sqlite3_errmsg(c->db));
        sqlite3_close(c->db);
        free(c);
        return rc;
    }
    /* The WAL exists from the writer's first read to the last close. */
    c->wal_fd = open(sqlite3_filename_wal(path), O_RDWR | O_CLOEXEC);
    c->frame = 24 + 4096;
    sqlite3_stmt *ps = NULL;
    if (sqlite3_prepare_v2(c->db, "PRAGMA page_size", -1, &ps, NULL) == SQLITE_OK &&
        sqlite3_step(ps) == SQLITE_ROW)
        c->frame = 24 + sqlite3_column_int64(ps, 0);
    sqlite3_finalize(ps);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    pthread_cond_init(&c->passed, NULL);
    if (pthread_create(&c->th, NULL, run, c) != 0) {
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        pthread_cond_destroy(&c->passed);
        if (c->wal_fd >= 0)
            close(c->wal_fd);
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
    if (c->wal_fd >= 0)
        close(c->wal_fd);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    pthread_cond_destroy(&c->passed);
    free(c);
    s->ckpt = NULL;
}

int vg_store_writer_setup(struct vg_store *st, struct vg_err *err)
{
    if (st == NULL || strcmp(st->ops->name, "sqlite") != 0)
        return VG_OK;
    /* Each commit walks the whole page cache's hash table (SQLite drops the
     * cached pages past the end of the database), so the writer's commits
     * cost in proportion to its cache: with the readers' 64 MB, 6-14% of a
     * case submission's CPU. Its inserts touch the ends of tables and
     * indexes; 4 MB holds them, and the rest is read through the mapping. */
    sqlite3_exec(vg__sq(st)->db, "PRAGMA cache_size=-4096", NULL, NULL, NULL);
    vg__sq(st)->writer = 1;
    /* the case key index, before the first submission waits for it */
    int rc = vg__sq_dedup_load(vg__sq(st), err);
    return rc ? rc : vg__sq_ckpt_start(vg__sq(st), err);
}

