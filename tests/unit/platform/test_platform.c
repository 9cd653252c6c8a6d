/* Unit tests for the platform layers below HTTP: the option table, token
 * hashing, the audit chain's hashing and verification, and the SQLite store
 * contract (run against a temporary database file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/json.h"
#include "service/service.h"
#include "store/store.h"

static void test_config_table(void **state)
{
    (void)state;
    struct vg_config c;
    struct vg_err e = {0};
    int help = 0, np = 0;
    char *pos[2];
    char *argv1[] = {"serve", "--listen", "127.0.0.1:9", "--threads=8", NULL};
    setenv("VIGIL_TIMEOUT", "45", 1);
    setenv("VIGIL_THREADS", "2", 1);
    assert_int_equal(vg_config_load(&c, VG_CMD_SERVE, 4, argv1, NULL, 0, NULL, &help, &e), VG_OK);
    assert_string_equal(c.listen, "127.0.0.1:9");
    assert_int_equal(c.threads, 8);   /* flag beats environment */
    assert_int_equal(c.timeout, 45);  /* environment beats default */
    assert_int_equal(c.body_limit, 10485760);
    assert_string_equal(c.data, "./var");
    unsetenv("VIGIL_TIMEOUT");
    unsetenv("VIGIL_THREADS");

    char *argv2[] = {"serve", "--threads", "0", NULL};
    assert_int_equal(vg_config_load(&c, VG_CMD_SERVE, 3, argv2, NULL, 0, NULL, &help, &e), VG_EINVAL);
    assert_string_equal(e.field, "threads");
    vg_err_clear(&e);
    char *argv3[] = {"serve", "--org", "x", NULL}; /* an init option */
    assert_int_equal(vg_config_load(&c, VG_CMD_SERVE, 3, argv3, NULL, 0, NULL, &help, &e), VG_EINVAL);
    vg_err_clear(&e);
    char *argv4[] = {"audit", "verify", "--data", "/x", "--help", NULL};
    assert_int_equal(vg_config_load(&c, VG_CMD_AUDIT, 5, argv4, pos, 2, &np, &help, &e), VG_OK);
    assert_int_equal(np, 1);
    assert_string_equal(pos[0], "verify");
    assert_true(help);
    char *argv5[] = {"serve", "--listen", NULL};
    assert_int_equal(vg_config_load(&c, VG_CMD_SERVE, 2, argv5, NULL, 0, NULL, &help, &e), VG_EINVAL);
    vg_err_clear(&e);
    char *argv6[] = {"init", "--demo", NULL};
    assert_int_equal(vg_config_load(&c, VG_CMD_INIT, 2, argv6, NULL, 0, NULL, &help, &e), VG_OK);
    assert_int_equal(c.demo, 1);
    char uri[1100];
    vg_config_store_uri(&c, uri, sizeof(uri));
    assert_string_equal(uri, "sqlite:./var/vigil.db");
    FILE *f = fopen("/dev/null", "w");
    vg_config_usage(f, "vigil serve", VG_CMD_SERVE);
    fclose(f);
}

static void test_token_hash(void **state)
{
    (void)state;
    unsigned char k1[32] = {1}, k2[32] = {2}, h1[32], h2[32], h3[32];
    char t1[80], t2[80];
    vg_token_generate(t1);
    vg_token_generate(t2);
    assert_int_equal(strlen(t1), 3 + 43);
    assert_memory_equal(t1, "vg_", 3);
    assert_string_not_equal(t1, t2);
    vg_token_hash(k1, t1, h1);
    vg_token_hash(k1, t1, h2);
    assert_memory_equal(h1, h2, 32);  /* deterministic */
    vg_token_hash(k2, t1, h3);
    assert_memory_not_equal(h1, h3, 32);  /* keyed */
    vg_token_hash(k1, t2, h3);
    assert_memory_not_equal(h1, h3, 32);
}

static void test_audit_hash(void **state)
{
    (void)state;
    struct vg_audit e;
    char h1[65], h2[65];
    memset(&e, 0, sizeof(e));
    e.seq = 1;
    e.at = 1637740800000LL;
    e.actor_user = 2;
    e.actor_org = 1;
    e.action = "org.create";
    e.object_type = "org";
    e.object_id = "7";
    memset(e.prev_hash, '0', 64);
    memset(e.payload_hash, 'a', 64);
    vg_audit_hash(&e, h1);
    assert_int_equal(strlen(h1), 64);
    /* the documented preimage: canonical JSON array of the fields */
    char pre[512];
    snprintf(pre, sizeof(pre), "[1,1637740800000,2,1,\"org.create\",\"org\",\"7\",\"%s\",\"%s\"]",
             e.payload_hash, e.prev_hash);
    unsigned char d[32];
    char hex[65];
    crypto_hash_sha256(d, (const unsigned char *)pre, strlen(pre));
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    assert_string_equal(h1, hex);
    e.object_id = "8";
    vg_audit_hash(&e, h2);
    assert_string_not_equal(h1, h2);
}

#define FIXTURE_NAME "platform"
#include "store_fixture.h"

static void test_store_contract_and_chain(void **state)
{
    struct vg_store *st = *state;
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    struct vg_org o = {.name = "Unit A", .kind = VG_ORG_MEMBER, .status = VG_ORG_ACTIVE,
                       .created_at = 1, .updated_at = 1}, got;
    int64_t seq, bad;
    char hash[65], why[256];

    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(st->ops->org_insert(st, &o, &e), VG_OK);
    assert_true(o.id > 0);
    struct vg_org dup = o;
    assert_int_equal(st->ops->org_insert(st, &dup, &e), VG_ECONFLICT); /* unique name */
    vg_err_clear(&e);
    json_t *p = json_pack("{s:s}", "name", "Unit A");
    for (int i = 0; i < 5; i++)
        assert_int_equal(vg_audit_append(st, &vg_system_actor, "org.create", "org", "1", p, 1000 + i, &e),
                         VG_OK);
    json_decref(p);
    assert_int_equal(st->ops->commit(st, &e), VG_OK);

    assert_int_equal(st->ops->org_get(st, o.id, a, &got, &e), VG_OK);
    assert_string_equal(got.name, "Unit A");
    assert_int_equal(got.kind, VG_ORG_MEMBER);
    assert_int_equal(st->ops->org_get(st, 999, a, &got, &e), VG_ENOTFOUND);
    vg_err_clear(&e);

    /* a rolled-back write leaves nothing, not even its audit entry */
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    struct vg_org o2 = {.name = "Unit B", .kind = VG_ORG_VENDOR, .created_at = 1, .updated_at = 1};
    assert_int_equal(st->ops->org_insert(st, &o2, &e), VG_OK);
    assert_int_equal(vg_audit_append(st, &vg_system_actor, "org.create", "org", "2", NULL, 5, &e),
                     VG_OK);
    st->ops->rollback(st);
    assert_int_equal(st->ops->org_get(st, o2.id, a, &got, &e), VG_ENOTFOUND);
    vg_err_clear(&e);
    assert_int_equal(st->ops->audit_head(st, &seq, hash, &e), VG_OK);
    assert_int_equal(seq, 5);

    int64_t count = 0;
    assert_int_equal(vg_audit_verify(st, &count, &bad, why, sizeof(why), &e), VG_OK);
    assert_int_equal(count, 5);

    /* suspension expiry query and the one-open-task rule */
    assert_int_equal(st->ops->org_set_status(st, o.id, VG_ORG_SUSPENDED, 50, "r", 2, &e), VG_OK);
    struct vg_org *ex;
    size_t n;
    assert_int_equal(st->ops->org_expired(st, 49, a, &ex, &n, &e), VG_OK);
    assert_int_equal(n, 0);
    assert_int_equal(st->ops->org_expired(st, 50, a, &ex, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    struct vg_task t = {.kind = "suspension_review", .object_type = "org", .object_id = "1",
                        .summary = "s", .created_at = 60, .due_at = 50};
    assert_int_equal(st->ops->task_insert(st, &t, &e), VG_OK);
    struct vg_task t2 = t;
    assert_int_equal(st->ops->task_insert(st, &t2, &e), VG_ECONFLICT);
    vg_err_clear(&e);
    assert_int_equal(st->ops->task_close_for(st, "suspension_review", "org", "1", 1, "ok", 70, &e),
                     VG_OK);
    assert_int_equal(st->ops->task_insert(st, &t2, &e), VG_OK); /* a new suspension, a new task */
    vg_arena_free(a);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_table),
        cmocka_unit_test(test_token_hash),
        cmocka_unit_test(test_audit_hash),
        cmocka_unit_test_setup_teardown(test_store_contract_and_chain, open_store, close_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
