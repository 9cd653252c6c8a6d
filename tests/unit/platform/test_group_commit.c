/* Unit tests for the writer's group commit (service/accounts.c): two
 * operations made to share one batch, on a real store, with and without
 * savepoints (vg_tx_hooks.rerun), one of them failing after it has
 * written. Not for: the timing of batches (the leader's wait). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "service/service.h"
#include "service/service_int.h"
#include "store/store.h"

#define FIXTURE_NAME "group_commit"
#include "store_fixture.h"

/* One operation: writes a unit named name, then fails if fail is set. */
struct op {
    const char *name;
    int fail;
    int runs;
    int rc;
    struct vg_err err;
    struct vg_tx_hooks hooks;
};

static struct vg_server *srv;
static sem_t first_in, second_in;

static int op_fn(struct vg_store *st, void *ctx)
{
    struct op *o = ctx;
    struct vg_org org = {.name = o->name, .kind = VG_ORG_MEMBER, .created_at = 1, .updated_at = 1};
    int rc;
    o->runs++;
    if ((rc = st->ops->org_insert(st, &org, &o->err)) != VG_OK)
        return rc;
    if (o->fail)
        return vg_err_set(&o->err, VG_ECONFLICT, "%s fails after writing (run %d)", o->name,
                          o->runs);
    return VG_OK;
}

/* The first op leads; it takes its batch only once the second is queued. */
static void first_queued(void *ctx)
{
    (void)ctx;
    sem_post(&first_in);
}

static void first_prepare(void *ctx)
{
    (void)ctx;
    while (sem_wait(&second_in) != 0)
        ;
}

static void second_queued(void *ctx)
{
    (void)ctx;
    sem_post(&second_in);
}

static void *run_op(void *arg)
{
    struct op *o = arg;
    o->rc = vg__tx_expected_hooked(srv, op_fn, o, &o->hooks, &o->err);
    return NULL;
}

/* Runs a and b in one batch, a first. */
static void batch(struct op *a, struct op *b)
{
    pthread_t ta, tb;
    a->hooks.queued = first_queued;
    a->hooks.prepare = first_prepare;
    b->hooks.queued = second_queued;
    assert_int_equal(pthread_create(&ta, NULL, run_op, a), 0);
    while (sem_wait(&first_in) != 0)
        ;
    assert_int_equal(pthread_create(&tb, NULL, run_op, b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
}

static int stored(const char *name)
{
    struct vg_store *st = vg_pool_get(srv->pool);
    struct vg_arena *a = vg_arena_new(0);
    struct vg_org o;
    struct vg_err e = {0};
    int rc = st->ops->org_by_name(st, name, a, &o, &e);
    vg_arena_free(a);
    vg_pool_put(srv->pool, st);
    assert_true(rc == VG_OK || rc == VG_ENOTFOUND);
    return rc == VG_OK;
}

static int open_server(void **state)
{
    struct vg_err e = {0};
    if (open_store(state) != 0) /* created and migrated; the pool opens it again */
        return -1;
    srv = calloc(1, sizeof(*srv));
    pthread_mutex_init(&srv->txmu, NULL);
    pthread_cond_init(&srv->txcv, NULL);
    pthread_mutex_init(&srv->rcpt_mu, NULL);
    sem_init(&first_in, 0, 0);
    sem_init(&second_in, 0, 0);
    if (vg_pool_open(fixture_db, 2, &srv->pool, &e) != VG_OK)
        return -1;
    return 0;
}

static int close_server(void **state)
{
    vg_pool_close(srv->pool);
    pthread_mutex_destroy(&srv->txmu);
    pthread_cond_destroy(&srv->txcv);
    pthread_mutex_destroy(&srv->rcpt_mu);
    sem_destroy(&first_in);
    sem_destroy(&second_in);
    free(srv);
    srv = NULL;
    return close_store(state);
}

/* What became of an op: its answer, how many times it ran, whether its row
 * is stored. */
static void expect_op(const struct op *o, int rc, int runs, int kept)
{
    assert_int_equal(o->rc, rc);
    assert_int_equal(o->runs, runs);
    assert_int_equal(stored(o->name), kept);
}

/* Ops that may run again share a batch without savepoints: each runs once
 * when all succeed. */
static void test_bare_batch(void **state)
{
    (void)state;
    struct op a = {.name = "bare a", .hooks.rerun = 1}, b = {.name = "bare b", .hooks.rerun = 1};
    batch(&a, &b);
    expect_op(&a, VG_OK, 1, 1);
    expect_op(&b, VG_OK, 1, 1);
}

/* One of them fails after writing: the batch is rolled back and runs
 * again with savepoints; the other is stored once, the failed one's row
 * is not, and it gets its own error. */
static void test_bare_batch_failing(void **state)
{
    (void)state;
    struct op a = {.name = "rerun a", .hooks.rerun = 1},
              b = {.name = "rerun b", .fail = 1, .hooks.rerun = 1};
    batch(&a, &b);
    expect_op(&a, VG_OK, 2, 1);
    assert_int_equal(a.err.code, VG_OK);
    expect_op(&b, VG_ECONFLICT, 2, 0);
    assert_string_equal(b.err.msg, "rerun b fails after writing (run 2)"); /* not run 1's */
    /* and the first one failing */
    struct op c = {.name = "rerun c", .fail = 1, .hooks.rerun = 1},
              d = {.name = "rerun d", .hooks.rerun = 1};
    batch(&c, &d);
    expect_op(&c, VG_ECONFLICT, 2, 0);
    expect_op(&d, VG_OK, 1, 1);
}

/* With an op that may not run again, the batch keeps its savepoints:
 * nothing runs twice, and a failed op undoes only itself. */
static void test_mixed_batch(void **state)
{
    (void)state;
    struct op a = {.name = "mixed a", .hooks.rerun = 1}, b = {.name = "mixed b", .fail = 1};
    batch(&a, &b);
    expect_op(&a, VG_OK, 1, 1);
    expect_op(&b, VG_ECONFLICT, 1, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bare_batch, open_server, close_server),
        cmocka_unit_test_setup_teardown(test_bare_batch_failing, open_server, close_server),
        cmocka_unit_test_setup_teardown(test_mixed_batch, open_server, close_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
