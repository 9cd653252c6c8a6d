/* The store's VFS (src/store/sqlite_vfs.c): a WAL's frames gathered and
 * written a transaction (or 128 KiB) at a time. What must hold: every
 * commit is in the file when the commit returns -- seen by a connection on
 * SQLite's own VFS, and by a process that opens the file after the writer
 * was killed -- through rollbacks, spills, checkpoints and WAL restarts,
 * and the frames are indeed written in fewer calls. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/sqlite_int.h"

static char db_path[80];

static void rm_db(void)
{
    char p[96];
    unlink(db_path);
    snprintf(p, sizeof(p), "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", db_path);
    unlink(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(db_path, sizeof(db_path), "/tmp/vigil-unit-vfs-%d.db", (int)getpid());
    rm_db();
    return vg__sq_vfs() ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rm_db();
    return 0;
}

/* A connection on the store's VFS (ours = 1) or on SQLite's default. */
static sqlite3 *open_db(int ours)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             ours ? vg__sq_vfs() : NULL);
    assert_int_equal(rc, SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                      " PRAGMA wal_autocheckpoint=0;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return db;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

static int64_t one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void insert_rows(sqlite3 *db, int n, int bytes)
{
    char sql[160];
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)"
             " INSERT INTO t (b) SELECT randomblob(%d) FROM c",
             n, bytes);
    exec(db, sql);
}

static void check_ok(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
}

/* Each commit, small or large, is in the file when it returns: a reader on
 * SQLite's own VFS sees it at once; the frames of a large one were written
 * in far fewer calls than SQLite made; no commit needed the safety net. */
static void test_commits_visible(void **state)
{
    sqlite3 *w = open_db(1), *r = open_db(0);
    struct vg__sq_vfs_stats a, b;
    (void)state;
    exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
    a = vg__sq_vfs_stats();
    for (int i = 1; i <= 300; i++) {
        insert_rows(w, 1, 100);
        assert_int_equal(one_int(r, "SELECT count(*) FROM t"), i);
    }
    b = vg__sq_vfs_stats();
    assert_int_equal(b.late - a.late, 0);
    assert_true(b.flushes - a.flushes >= 300); /* one write per commit at least */
    a = b;
    exec(w, "BEGIN");
    insert_rows(w, 2000, 3000); /* ~1,500 frames */
    exec(w, "COMMIT");
    b = vg__sq_vfs_stats();
    assert_int_equal(one_int(r, "SELECT count(*) FROM t"), 2300);
    assert_int_equal(one_int(r, "SELECT sum(length(b)) FROM t"), 300 * 100 + 2000 * 3000);
    assert_int_equal(b.late - a.late, 0);
    /* SQLite made two calls per frame; 31 frames went per write */
    assert_true(b.writes - a.writes > 2500);
    assert_true((b.flushes - a.flushes) * 20 < b.writes - a.writes);
    check_ok(r);
    sqlite3_close(r);
    sqlite3_close(w);
}

/* A rolled-back transaction whose frames were partly written (spilled from
 * a small cache) leaves nothing; the next commits are whole. */
static void test_rollback_and_spill(void **state)
{
    sqlite3 *w = open_db(1), *r = open_db(0);
    (void)state;
    exec(w, "PRAGMA cache_size=20; PRAGMA cache_spill=ON");
    exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
    insert_rows(w, 10, 100);
    exec(w, "BEGIN");
    insert_rows(w, 3000, 2000);
    exec(w, "SAVEPOINT s");
    insert_rows(w, 500, 2000);
    exec(w, "ROLLBACK TO s");
    exec(w, "RELEASE s");
    exec(w, "ROLLBACK");
    assert_int_equal(one_int(r, "SELECT count(*) FROM t"), 10);
    assert_int_equal(one_int(w, "SELECT count(*) FROM t"), 10);
    exec(w, "BEGIN");
    insert_rows(w, 3000, 2000);
    exec(w, "SAVEPOINT s");
    insert_rows(w, 500, 2000);
    exec(w, "ROLLBACK TO s");
    exec(w, "COMMIT");
    assert_int_equal(one_int(r, "SELECT count(*) FROM t"), 3010);
    check_ok(r);
    sqlite3_close(r);
    sqlite3_close(w);
}

/* Checkpoints by another connection of the VFS, WAL restarts and truncation
 * between commits: the data stays whole and current for every reader. */
static void test_checkpoint_restart(void **state)
{
    sqlite3 *w = open_db(1), *c = open_db(1), *r = open_db(0);
    int n = 0;
    (void)state;
    exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
    for (int round = 0; round < 6; round++) {
        for (int k = 0; k < 20; k++, n += 7)
            insert_rows(w, 7, 1500);
        assert_int_equal(sqlite3_wal_checkpoint_v2(c, NULL, round % 2 ? SQLITE_CHECKPOINT_TRUNCATE
                                                                       : SQLITE_CHECKPOINT_RESTART,
                                                   NULL, NULL),
                         SQLITE_OK);
        assert_int_equal(one_int(r, "SELECT count(*) FROM t"), n);
    }
    exec(w, "BEGIN");
    insert_rows(w, 1000, 1000);
    exec(w, "COMMIT");
    n += 1000;
    assert_int_equal(one_int(c, "SELECT count(*) FROM t"), n);
    assert_int_equal(one_int(r, "SELECT count(*) FROM t"), n);
    check_ok(r);
    sqlite3_close(r);
    sqlite3_close(c);
    sqlite3_close(w);
}

/* Runs work on a writer connection of the VFS in a child process, which is
 * killed once work has returned (no close, no checkpoint). */
static void killed_after(int (*work)(sqlite3 *w))
{
    int fds[2];
    pid_t pid;
    char done = 0;
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3 *w = NULL;
        close(fds[0]);
        if (sqlite3_open_v2(db_path, &w, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            vg__sq_vfs()) != SQLITE_OK ||
            sqlite3_exec(w, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                            " PRAGMA wal_autocheckpoint=0;",
                         NULL, NULL, NULL) != SQLITE_OK ||
            work(w) != SQLITE_OK)
            _exit(1);
        if (write(fds[1], "x", 1) != 1)
            _exit(1);
        pause(); /* killed here, the connection open */
        _exit(1);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &done, 1), 1);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fds[0]);
}

static int small_and_large_commits(sqlite3 *w)
{
    int rc = sqlite3_exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)", NULL, NULL, NULL);
    for (int i = 0; rc == SQLITE_OK && i < 50; i++)
        rc = sqlite3_exec(w, "INSERT INTO t (b) VALUES (randomblob(5000))", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(w, "BEGIN; WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1"
                             " FROM c WHERE i < 700) INSERT INTO t (b) SELECT randomblob(700)"
                             " FROM c; COMMIT;",
                          NULL, NULL, NULL);
    return rc;
}

/* A writer killed right after its commits returned: another process finds
 * every one of them. */
static void test_killed_writer(void **state)
{
    sqlite3 *r;
    (void)state;
    killed_after(small_and_large_commits);
    r = open_db(0);
    assert_int_equal(one_int(r, "SELECT count(*) FROM t"), 750);
    check_ok(r);
    sqlite3_close(r);
}

/* A transaction whose pages are spilled and written over in the WAL (a
 * small cache, an index keyed by random bytes): SQLite rewrites the
 * checksums of its frames at commit, through the window of frames, whose
 * headers reach the file before the commit is published. A reader on
 * SQLite's own VFS sees it whole; a process that opens the file after the
 * writer was killed recovers the WAL (every checksum checked) and finds it. */
static int spill_over(sqlite3 *w, int rows)
{
    char sql[200];
    int rc = sqlite3_exec(w, "PRAGMA cache_size=30; PRAGMA cache_spill=ON;"
                             " CREATE TABLE IF NOT EXISTS u (id INTEGER PRIMARY KEY, k BLOB, b BLOB);"
                             " CREATE INDEX IF NOT EXISTS u_k ON u(k); BEGIN",
                          NULL, NULL, NULL);
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)"
             " INSERT INTO u (k, b) SELECT randomblob(16), randomblob(600) FROM c; COMMIT",
             rows);
    return rc == SQLITE_OK ? sqlite3_exec(w, sql, NULL, NULL, NULL) : rc;
}

static int spill_5000(sqlite3 *w)
{
    return spill_over(w, 5000);
}

static void test_frames_written_over(void **state)
{
    sqlite3 *w = open_db(1), *r = open_db(0);
    struct vg__sq_vfs_stats a, b;
    (void)state;
    a = vg__sq_vfs_stats();
    assert_int_equal(spill_over(w, 6000), SQLITE_OK);
    b = vg__sq_vfs_stats();
    assert_true(b.windows - a.windows > 2); /* the checksums rewritten over windows */
    assert_true(b.putbacks - a.putbacks > 2);
    assert_int_equal(b.late - a.late, 0);
    assert_int_equal(one_int(r, "SELECT count(*) FROM u"), 6000);
    check_ok(r);
    assert_int_equal(spill_over(w, 3000), SQLITE_OK); /* again, over a WAL holding the first */
    assert_int_equal(one_int(r, "SELECT count(*) FROM u"), 9000);
    check_ok(r);
    sqlite3_close(r);
    sqlite3_close(w);
    rm_db();
    killed_after(spill_5000);
    r = open_db(0);
    assert_int_equal(one_int(r, "SELECT count(*) FROM u"), 5000);
    check_ok(r);
    sqlite3_close(r);
}

/* The store opens its connections on the VFS. */
static void test_store_uses_it(void **state)
{
    struct vg_store *st = NULL;
    struct vg_err e = {0};
    (void)state;
    assert_int_equal(vg_store_open(db_path, 1, 1, &st, &e), VG_OK);
    assert_string_equal(sqlite3_db_filename(vg__sq(st)->db, "main"), db_path);
    {
        sqlite3_vfs *v = NULL;
        assert_int_equal(sqlite3_file_control(vg__sq(st)->db, "main", SQLITE_FCNTL_VFS_POINTER, &v),
                         SQLITE_OK);
        assert_non_null(v);
        assert_string_equal(v->zName, vg__sq_vfs());
    }
    vg_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commits_visible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_and_spill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frames_written_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_uses_it, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
