/* A VFS over the system's default one (unix) that writes a WAL's frames in
 * large pieces. SQLite writes each WAL frame with two calls, its 24-byte
 * header and then the page; this kernel charges 3.7 us per frame written
 * that way over an existing WAL and 7.2 us while the file grows, against
 * 2.3 and 1.1 us per frame written 128 KiB at a time. Here a WAL handle
 * gathers consecutive writes in a buffer and writes them with one call:
 *  - once a transaction's commit frame is in the buffer (a frame header
 *    carries the database size only when it ends a transaction): the frames
 *    are in the file before SQLite publishes the commit in the wal-index,
 *    exactly as without the buffer, and a failed write is SQLite's error;
 *  - before any other operation on the handle (read, size, sync, truncate,
 *    file control, close), before a write that does not continue the
 *    buffer, and when the buffer is full;
 *  - as a safety net, at the database file's memory barriers and shared
 *    lock changes: SQLite publishes a commit by writing the wal-index header
 *    twice with a barrier between, so should a commit frame ever go
 *    unrecognised its frames still reach the file before a reader can see
 *    the commit. A write failing there cannot be reported to SQLite, and
 *    the process stops rather than let a commit be seen without its frames.
 * A transaction that wrote a page to the WAL twice (a page spilled from
 * the cache, changed and spilled again: the frame is written over) ends
 * with SQLite reading every frame from the first one written over and
 * writing its header anew (new checksums): two calls per frame, most of a
 * big ingest's frames, 0.8 s of its commit at 1,000,000 objects. So a
 * frame read whole by the writer brings WIN bytes of frames into a window
 * the reads that follow are served from and the header writes go into; the
 * window goes back to the file in one write at the same points as the
 * gathered frames (and before anything else reaches the file there), and
 * is dropped then: it lives inside the write transaction, which holds the
 * WAL's write lock.
 * Only a writer's WAL handle ever holds data; every other file and call
 * passes straight through to the unix VFS (same locks, same shared memory).
 * Not for: the database file's own writes (checkpoints), which stay as
 * SQLite issues them. */
#include "store/sqlite_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define VFS_NAME "vigil-wal"
/* The unix VFS writes at most 2^17 - 1 bytes per call (it masks the count
 * to 17 bits): 31 frames of 4 KiB pages. */
#define WAL_BUF (((size_t)1 << 17) - 1)
#define WAL_FRAME_HDR 24
#define WAL_HDR 32
#define WIN ((size_t)1 << 20)

struct vfile {
    sqlite3_file base; /* our methods */
    sqlite3_file *real; /* the unix VFS's file, in the same allocation */
    struct vfile *wal;  /* a database file: its connection's WAL handle while both are open */
    struct vfile *db;   /* a WAL file: its connection's database file */
    unsigned char *buf; /* a WAL file: writes not yet made, from offset start */
    size_t n;
    sqlite3_int64 start;
    int commit_next;    /* the next write is the page of a commit frame */
    unsigned char *win; /* a WAL file: bytes [win_off, win_off + win_n) of it, */
    sqlite3_int64 win_off;
    size_t win_n;
    int win_dirty;      /* some written over here, not yet in the file */
};

/* sizeof(struct vfile) rounded up so that the real file is aligned */
#define VF_OFF ((sizeof(struct vfile) + 15) & ~(size_t)15)

static sqlite3_vfs vfs;
static sqlite3_vfs *root;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int registered;
/* calls to xWrite; writes of gathered frames; of those, the ones made by
 * the safety net (none while commit frames are recognised); windows of
 * frames read, and written back */
static atomic_ulong n_writes, n_flushes, n_late, n_windows, n_putbacks;

static sqlite3_file *R(sqlite3_file *f)
{
    return ((struct vfile *)f)->real;
}

/* Writes what the buffer holds. The buffer is empty afterwards even on
 * failure: SQLite then abandons the transaction and writes its frames anew. */
static int wal_flush(struct vfile *v)
{
    int rc;
    if (v->n == 0)
        return SQLITE_OK;
    rc = v->real->pMethods->xWrite(v->real, v->buf, (int)v->n, v->start);
    v->n = 0;
    atomic_fetch_add_explicit(&n_flushes, 1, memory_order_relaxed);
    return rc;
}

/* Writes the window back when it was written over, and drops it. */
static int win_put(struct vfile *v)
{
    int rc = SQLITE_OK;
    if (v->win_n && v->win_dirty) { /* in calls the unix VFS takes whole (WAL_BUF) */
        for (size_t k = 0; rc == SQLITE_OK && k < v->win_n; k += WAL_BUF)
            rc = v->real->pMethods->xWrite(v->real, v->win + k,
                                           (int)(v->win_n - k < WAL_BUF ? v->win_n - k : WAL_BUF),
                                           v->win_off + (sqlite3_int64)k);
        atomic_fetch_add_explicit(&n_putbacks, 1, memory_order_relaxed);
    }
    v->win_n = 0;
    v->win_dirty = 0;
    return rc;
}

/* Everything held reaches the file: gathered frames, then the window. */
static int wal_settle(struct vfile *v)
{
    int rc = wal_flush(v);
    int rc2 = win_put(v);
    return rc != SQLITE_OK ? rc : rc2;
}

static void wal_flush_or_die(struct vfile *v)
{
    if (v->n)
        atomic_fetch_add_explicit(&n_late, 1, memory_order_relaxed);
    if ((v->n || v->win_n) && wal_settle(v) != SQLITE_OK) {
        fprintf(stderr, "vigil: cannot write the SQLite WAL before a commit is published; stopping\n");
        abort();
    }
}

/* ---- pass-through methods (every file) ---- */

static int f_close(sqlite3_file *f)
{
    struct vfile *v = (struct vfile *)f;
    int rc = wal_settle(v), rc2;
    if (v->db)
        v->db->wal = NULL;
    if (v->wal)
        v->wal->db = NULL;
    free(v->buf);
    v->buf = NULL;
    free(v->win);
    v->win = NULL;
    rc2 = v->real->pMethods->xClose(v->real);
    return rc != SQLITE_OK ? rc : rc2;
}

#define FLUSHED(f)                                                                                 \
    do {                                                                                           \
        int frc_ = wal_settle((struct vfile *)(f));                                                \
        if (frc_ != SQLITE_OK)                                                                     \
            return frc_;                                                                           \
    } while (0)

static int f_read(sqlite3_file *f, void *p, int amt, sqlite3_int64 off)
{
    FLUSHED(f);
    return R(f)->pMethods->xRead(R(f), p, amt, off);
}

static int f_write(sqlite3_file *f, const void *p, int amt, sqlite3_int64 off)
{
    atomic_fetch_add_explicit(&n_writes, 1, memory_order_relaxed);
    return R(f)->pMethods->xWrite(R(f), p, amt, off);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    FLUSHED(f);
    return R(f)->pMethods->xTruncate(R(f), size);
}

static int f_sync(sqlite3_file *f, int flags)
{
    FLUSHED(f);
    return R(f)->pMethods->xSync(R(f), flags);
}

static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
    FLUSHED(f);
    return R(f)->pMethods->xFileSize(R(f), size);
}

static int f_lock(sqlite3_file *f, int level)
{
    return R(f)->pMethods->xLock(R(f), level);
}

static int f_unlock(sqlite3_file *f, int level)
{
    return R(f)->pMethods->xUnlock(R(f), level);
}

static int f_reserved(sqlite3_file *f, int *out)
{
    return R(f)->pMethods->xCheckReservedLock(R(f), out);
}

static int f_fcntl(sqlite3_file *f, int op, void *arg)
{
    FLUSHED(f);
    return R(f)->pMethods->xFileControl(R(f), op, arg);
}

static int f_sector(sqlite3_file *f)
{
    return R(f)->pMethods->xSectorSize(R(f));
}

static int f_device(sqlite3_file *f)
{
    return R(f)->pMethods->xDeviceCharacteristics(R(f));
}

static int f_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
    const sqlite3_io_methods *m = R(f)->pMethods;
    return m->iVersion >= 2 && m->xShmMap ? m->xShmMap(R(f), pg, pgsz, extend, pp)
                                          : SQLITE_IOERR_SHMMAP;
}

static int f_shm_lock(sqlite3_file *f, int ofst, int n, int flags)
{
    struct vfile *v = (struct vfile *)f;
    const sqlite3_io_methods *m = v->real->pMethods;
    if (v->wal)
        wal_flush_or_die(v->wal);
    return m->iVersion >= 2 && m->xShmLock ? m->xShmLock(v->real, ofst, n, flags)
                                           : SQLITE_IOERR_SHMLOCK;
}

static void f_shm_barrier(sqlite3_file *f)
{
    struct vfile *v = (struct vfile *)f;
    const sqlite3_io_methods *m = v->real->pMethods;
    if (v->wal)
        wal_flush_or_die(v->wal);
    if (m->iVersion >= 2 && m->xShmBarrier)
        m->xShmBarrier(v->real);
}

static int f_shm_unmap(sqlite3_file *f, int del)
{
    const sqlite3_io_methods *m = R(f)->pMethods;
    return m->iVersion >= 2 && m->xShmUnmap ? m->xShmUnmap(R(f), del) : SQLITE_OK;
}

static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
    const sqlite3_io_methods *m = R(f)->pMethods;
    if (m->iVersion >= 3 && m->xFetch)
        return m->xFetch(R(f), off, amt, pp);
    *pp = NULL;
    return SQLITE_OK;
}

static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    const sqlite3_io_methods *m = R(f)->pMethods;
    return m->iVersion >= 3 && m->xUnfetch ? m->xUnfetch(R(f), off, p) : SQLITE_OK;
}

/* ---- the WAL's reads and writes ---- */

static int in_win(const struct vfile *v, int amt, sqlite3_int64 off)
{
    return v->win_n && off >= v->win_off && off + amt <= v->win_off + (sqlite3_int64)v->win_n;
}

static int over_win(const struct vfile *v, int amt, sqlite3_int64 off)
{
    return v->win_n && off < v->win_off + (sqlite3_int64)v->win_n && off + amt > v->win_off;
}

/* A whole frame (a header and a page of 512 to 65536 bytes, at a frame's
 * place) read by the writer starts a window; so does none other (a
 * reader's page). */
static int frame_read(int amt, sqlite3_int64 off)
{
    int page = amt - WAL_FRAME_HDR;
    return page >= 512 && page <= 65536 && (page & (page - 1)) == 0 && off >= WAL_HDR &&
           (off - WAL_HDR) % amt == 0;
}

static int wal_read(sqlite3_file *f, void *p, int amt, sqlite3_int64 off)
{
    struct vfile *v = (struct vfile *)f;
    sqlite3_int64 size;
    int rc;
    if (in_win(v, amt, off)) {
        memcpy(p, v->win + (off - v->win_off), (size_t)amt);
        return SQLITE_OK;
    }
    FLUSHED(f); /* gathered frames and the window in the file first */
    if (!frame_read(amt, off) || v->db == NULL)
        return v->real->pMethods->xRead(v->real, p, amt, off);
    if ((rc = v->real->pMethods->xFileSize(v->real, &size)) != SQLITE_OK)
        return rc;
    if (size - off < amt || (v->win == NULL && (v->win = malloc(WIN)) == NULL))
        return v->real->pMethods->xRead(v->real, p, amt, off);
    v->win_n = size - off < (sqlite3_int64)WIN ? (size_t)(size - off) : WIN;
    if ((rc = v->real->pMethods->xRead(v->real, v->win, (int)v->win_n, off)) != SQLITE_OK) {
        v->win_n = 0; /* a short read included: read as asked */
        return rc == SQLITE_IOERR_SHORT_READ ? v->real->pMethods->xRead(v->real, p, amt, off) : rc;
    }
    v->win_off = off;
    atomic_fetch_add_explicit(&n_windows, 1, memory_order_relaxed);
    memcpy(p, v->win, (size_t)amt);
    return SQLITE_OK;
}

static int wal_write(sqlite3_file *f, const void *p, int amt, sqlite3_int64 off)
{
    struct vfile *v = (struct vfile *)f;
    const unsigned char *b = p;
    int rc, commit = 0;
    atomic_fetch_add_explicit(&n_writes, 1, memory_order_relaxed);
    if (in_win(v, amt, off)) { /* a header written anew */
        memcpy(v->win + (off - v->win_off), p, (size_t)amt);
        v->win_dirty = 1;
        return SQLITE_OK;
    }
    if (over_win(v, amt, off) && (rc = win_put(v)) != SQLITE_OK)
        return rc;
    if (v->n && off != v->start + (sqlite3_int64)v->n && (rc = wal_flush(v)) != SQLITE_OK)
        return rc;
    if (amt == WAL_FRAME_HDR && off >= WAL_HDR) /* a frame header: bytes 4..7, the commit size */
        v->commit_next = (b[4] | b[5] | b[6] | b[7]) != 0;
    else if (v->commit_next)
        commit = 1, v->commit_next = 0;
    if ((size_t)amt > WAL_BUF - v->n && (rc = wal_flush(v)) != SQLITE_OK)
        return rc;
    if (v->buf == NULL && (v->buf = malloc(WAL_BUF)) == NULL)
        return v->real->pMethods->xWrite(v->real, p, amt, off);
    if ((size_t)amt > WAL_BUF)
        return v->real->pMethods->xWrite(v->real, p, amt, off);
    if (v->n == 0)
        v->start = off;
    memcpy(v->buf + v->n, p, (size_t)amt);
    v->n += (size_t)amt;
    return commit ? wal_flush(v) : SQLITE_OK;
}

#define METHODS(READ, WRITE)                                                                       \
    {3,           f_close,    READ,      WRITE,         f_truncate,  f_sync,   f_size,             \
     f_lock,      f_unlock,   f_reserved, f_fcntl,      f_sector,    f_device, f_shm_map,          \
     f_shm_lock,  f_shm_barrier, f_shm_unmap, f_fetch,  f_unfetch}
static const sqlite3_io_methods methods_plain = METHODS(f_read, f_write);
static const sqlite3_io_methods methods_wal = METHODS(wal_read, wal_write);

static int v_open(sqlite3_vfs *self, sqlite3_filename name, sqlite3_file *f, int flags,
                  int *out_flags)
{
    struct vfile *v = (struct vfile *)f;
    int rc;
    (void)self;
    memset(v, 0, sizeof(*v));
    v->real = (sqlite3_file *)((char *)f + VF_OFF);
    rc = root->xOpen(root, name, v->real, flags, out_flags);
    if (v->real->pMethods == NULL) { /* nothing to close */
        f->pMethods = NULL;
        return rc;
    }
    f->pMethods = &methods_plain;
    if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL) && name) {
        sqlite3_file *db = sqlite3_database_file_object(name);
        if (db && (db->pMethods == &methods_plain || db->pMethods == &methods_wal)) {
            f->pMethods = &methods_wal;
            v->db = (struct vfile *)db;
            v->db->wal = v;
        }
    }
    return rc;
}

static int v_delete(sqlite3_vfs *self, const char *name, int sync)
{
    (void)self;
    return root->xDelete(root, name, sync);
}

static int v_access(sqlite3_vfs *self, const char *name, int flags, int *out)
{
    (void)self;
    return root->xAccess(root, name, flags, out);
}

static int v_fullpath(sqlite3_vfs *self, const char *name, int n, char *out)
{
    (void)self;
    return root->xFullPathname(root, name, n, out);
}

static void *v_dlopen(sqlite3_vfs *self, const char *name)
{
    (void)self;
    return root->xDlOpen(root, name);
}

static void v_dlerror(sqlite3_vfs *self, int n, char *msg)
{
    (void)self;
    root->xDlError(root, n, msg);
}

static void (*v_dlsym(sqlite3_vfs *self, void *h, const char *sym))(void)
{
    (void)self;
    return root->xDlSym(root, h, sym);
}

static void v_dlclose(sqlite3_vfs *self, void *h)
{
    (void)self;
    root->xDlClose(root, h);
}

static int v_random(sqlite3_vfs *self, int n, char *out)
{
    (void)self;
    return root->xRandomness(root, n, out);
}

static int v_sleep(sqlite3_vfs *self, int us)
{
    (void)self;
    return root->xSleep(root, us);
}

static int v_time(sqlite3_vfs *self, double *out)
{
    (void)self;
    return root->xCurrentTime(root, out);
}

static int v_lasterr(sqlite3_vfs *self, int n, char *msg)
{
    (void)self;
    return root->xGetLastError ? root->xGetLastError(root, n, msg) : 0;
}

static int v_time64(sqlite3_vfs *self, sqlite3_int64 *out)
{
    (void)self;
    if (root->iVersion >= 2 && root->xCurrentTimeInt64)
        return root->xCurrentTimeInt64(root, out);
    {
        double d;
        int rc = root->xCurrentTime(root, &d);
        *out = (sqlite3_int64)(d * 86400000.0);
        return rc;
    }
}

static void setup(void)
{
    if ((root = sqlite3_vfs_find(NULL)) == NULL)
        return;
    vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)(VF_OFF + (size_t)root->szOsFile),
        .mxPathname = root->mxPathname,
        .zName = VFS_NAME,
        .xOpen = v_open,
        .xDelete = v_delete,
        .xAccess = v_access,
        .xFullPathname = v_fullpath,
        .xDlOpen = v_dlopen,
        .xDlError = v_dlerror,
        .xDlSym = v_dlsym,
        .xDlClose = v_dlclose,
        .xRandomness = v_random,
        .xSleep = v_sleep,
        .xCurrentTime = v_time,
        .xGetLastError = v_lasterr,
        .xCurrentTimeInt64 = v_time64,
    };
    registered = sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
}

const char *vg__sq_vfs(void)
{
    pthread_once(&once, setup);
    return registered ? VFS_NAME : NULL;
}

struct vg__sq_vfs_stats vg__sq_vfs_stats(void)
{
    struct vg__sq_vfs_stats st = {atomic_load_explicit(&n_writes, memory_order_relaxed),
                                  atomic_load_explicit(&n_flushes, memory_order_relaxed),
                                  atomic_load_explicit(&n_late, memory_order_relaxed),
                                  atomic_load_explicit(&n_windows, memory_order_relaxed),
                                  atomic_load_explicit(&n_putbacks, memory_order_relaxed)};
    return st;
}
