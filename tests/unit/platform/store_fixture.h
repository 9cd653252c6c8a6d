/* cmocka setup/teardown for unit tests that need a fresh SQLite store in a
 * temporary file (migrated), removed with its WAL files afterwards. */
#ifndef VG_TEST_STORE_FIXTURE_H
#define VG_TEST_STORE_FIXTURE_H

#include <stdio.h>
#include <unistd.h>

#include "store/store.h"

static char fixture_db[80];

static int open_store(void **state)
{
    struct vg_store *st = NULL;
    struct vg_err e = {0};
    snprintf(fixture_db, sizeof(fixture_db), "/tmp/vigil-unit-%s-%d.db", FIXTURE_NAME,
             (int)getpid());
    unlink(fixture_db);
    if (vg_store_open(fixture_db, 1, 1, &st, &e) != VG_OK)
        return -1;
    *state = st;
    return 0;
}

static int close_store(void **state)
{
    char p[96];
    vg_store_close(*state);
    unlink(fixture_db);
    snprintf(p, sizeof(p), "%s-wal", fixture_db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", fixture_db);
    unlink(p);
    return 0;
}

#endif
