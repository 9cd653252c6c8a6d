/* Unit tests for the platform layers below HTTP: the option table, token
 * hashing, the audit chain's hashing and verification, and the SQLite store
 * contract (run against a temporary database file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/buf.h"
#include "core/json.h"
#include "service/service.h"
#include "service/service_int.h"
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
    /* strings that need escaping read as jansson's canonical dump of the array */
    const char *ids[] = {"q\"b\\s/t\tn\nc\x01\x1f\x7f", "\xc3\xbc \xe6\xbc\x8f\xe6\xb4\x9e \xf0\x9f\x98\x80", ""};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        e.object_id = ids[i];
        e.seq = 1000000000000LL + (long long)i;
        e.at = -5;
        vg_audit_hash(&e, h1);
        json_t *a = json_pack("[IIIIsssss]", (json_int_t)e.seq, (json_int_t)e.at,
                              (json_int_t)e.actor_user, (json_int_t)e.actor_org, e.action,
                              e.object_type, e.object_id, e.payload_hash, e.prev_hash);
        assert_non_null(a);
        size_t n;
        char *c = vg_json_canonical(a, &n);
        crypto_hash_sha256(d, (const unsigned char *)c, n);
        for (int k = 0; k < 32; k++)
            snprintf(hex + 2 * k, 3, "%02x", d[k]);
        assert_string_equal(h1, hex);
        free(c);
        json_decref(a);
    }
}

/* Case numbers foreseen for receipts signed ahead of the writer: queued
 * cases are numbered in order; a wrong guess (a case undone before them)
 * corrects those queued after the correction, once; a first case or a
 * later year starts the guessing, a backfilled earlier year does not. */
static void test_case_foresight(void **state)
{
    (void)state;
    struct vg_server *srv = calloc(1, sizeof(*srv));
    uint64_t e1 = 0, e2 = 0, e3 = 0, e4 = 0;
    assert_non_null(srv);
    pthread_mutex_init(&srv->rcpt_mu, NULL);
    /* nothing known yet: no guess, and the first number starts them */
    assert_int_equal(vg__case_foresee(srv, 2026, &e1), 0);
    vg__case_numbered(srv, 2026, 0, 0, 7);
    assert_int_equal(vg__case_foresee(srv, 2026, &e1), 8);
    assert_int_equal(vg__case_foresee(srv, 2026, &e2), 9);
    assert_int_equal(vg__case_foresee(srv, 2026, &e3), 10);
    /* a backfilled case of an earlier year is not foreseen, nor moves them */
    assert_int_equal(vg__case_foresee(srv, 2025, &e4), 0);
    vg__case_numbered(srv, 2025, 0, 0, 3);
    vg__case_numbered(srv, 2026, 8, e1, 8); /* right */
    /* the case foreseen 9 was undone: 10 gets 9, and so on */
    vg__case_numbered(srv, 2026, 10, e3, 9);
    assert_int_equal(vg__case_foresee(srv, 2026, &e4), 10);
    /* a case foreseen before the correction corrects nothing more */
    vg__case_numbered(srv, 2026, 9, e2, 8);
    assert_int_equal(vg__case_foresee(srv, 2026, &e4), 11);
    /* a later year starts over from its first number */
    assert_int_equal(vg__case_foresee(srv, 2027, &e4), 0);
    vg__case_numbered(srv, 2027, 0, 0, 1);
    assert_int_equal(vg__case_foresee(srv, 2027, &e4), 2);
    assert_int_equal(vg__case_foresee(srv, 2026, &e4), 0);
    pthread_mutex_destroy(&srv->rcpt_mu);
    free(srv);
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

    /* A group commit: entries chain through the transaction and the anchor,
     * set as it commits, names the last one, whether or not the last
     * operation was undone. */
    for (int undo_last = 0; undo_last < 2; undo_last++) {
        int64_t aseq = 0;
        char ahash[65];
        assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(st->ops->savepoint(st, 0, &e), VG_OK);
            assert_int_equal(vg_audit_append(st, &vg_system_actor, "org.update", "org", "1", NULL,
                                             10 + i, &e),
                             VG_OK);
            assert_int_equal(st->ops->savepoint(st, i == 1 || (undo_last && i == 2) ? 2 : 1, &e),
                             VG_OK);
        }
        assert_int_equal(st->ops->commit(st, &e), VG_OK);
        assert_int_equal(st->ops->audit_head(st, &seq, hash, &e), VG_OK);
        assert_int_equal(st->ops->audit_anchor(st, &aseq, ahash, &e), VG_OK);
        assert_int_equal(aseq, seq);
        assert_string_equal(ahash, hash);
        assert_int_equal(vg_audit_verify(st, &count, &bad, why, sizeof(why), &e), VG_OK);
    }
    assert_int_equal(count, 5 + 2 + 1);

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

/* ---- cases: numbers from the writer's memory, dedup keys, background
 * checkpoints ---- */

static void put_case(struct vg_store *st, int64_t org, int64_t user, int64_t seq, int64_t at,
                     const char *doc, struct vg_case *c)
{
    struct vg_err e = {0};
    char id[32];
    snprintf(id, sizeof(id), "VG-2026-%05lld", (long long)seq);
    *c = (struct vg_case){.id = strdup(id), .year = 2026, .seq = seq, .state = "received",
                          .library = "general", .tlp = "amber", .reporter_org = org,
                          .reporter_user = user, .product_vendor = "V", .product_name = "P",
                          .discovered_at = at - 1000, .received_at = at, .report_due = at,
                          .score = -1, .updated_at = at, .doc = doc};
    assert_int_equal(st->ops->case_insert(st, c, &e), VG_OK);
}

static int64_t next_seq(struct vg_store *st)
{
    struct vg_err e = {0};
    int64_t seq = 0;
    assert_int_equal(st->ops->case_next_seq(st, 2026, &seq, &e), VG_OK);
    return seq;
}

static void test_case_numbers_and_dedup(void **state)
{
    struct vg_store *st = *state, *other = NULL;
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    struct vg_org o = {.name = "Reporter", .kind = VG_ORG_MEMBER, .status = VG_ORG_ACTIVE,
                       .created_at = 1, .updated_at = 1};
    struct vg_user u = {.name = "r@unit", .role = VG_ROLE_MEMBER, .created_at = 1};
    struct vg_case c[8], f;
    char *ids[8] = {0};
    int k = 0;

    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(st->ops->org_insert(st, &o, &e), VG_OK);
    u.org_id = o.id;
    assert_int_equal(st->ops->user_insert(st, &u, &e), VG_OK);
    assert_int_equal(next_seq(st), 1);
    put_case(st, o.id, u.id, 1, 1000, "{}", &c[k]);
    ids[k] = (char *)c[k].id, k++;
    assert_int_equal(next_seq(st), 2);
    /* an operation undone by its savepoint gives its number back */
    assert_int_equal(st->ops->savepoint(st, 0, &e), VG_OK);
    put_case(st, o.id, u.id, next_seq(st), 2000, "{}", &c[k]);
    assert_int_equal(st->ops->savepoint(st, 2, &e), VG_OK);
    free((char *)c[k].id);
    assert_int_equal(next_seq(st), 2);
    put_case(st, o.id, u.id, 2, 2000, "{}", &c[k]);
    ids[k] = (char *)c[k].id, k++;
    assert_int_equal(st->ops->commit(st, &e), VG_OK);

    /* a rolled-back transaction gives its numbers back */
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(next_seq(st), 3);
    put_case(st, o.id, u.id, 3, 3000, "{}", &c[k]);
    free((char *)c[k].id);
    st->ops->rollback(st);
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(next_seq(st), 3);
    st->ops->rollback(st);

    /* another connection's commit is seen */
    assert_int_equal(vg_store_open(fixture_db, 0, 0, &other, &e), VG_OK);
    assert_int_equal(other->ops->begin(other, 1, &e), VG_OK);
    assert_int_equal(next_seq(other), 3);
    put_case(other, o.id, u.id, 3, 3000, "{}", &c[k]);
    ids[k] = (char *)c[k].id, k++;
    assert_int_equal(other->ops->commit(other, &e), VG_OK);
    vg_store_close(other);
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(next_seq(st), 4);

    /* dedup: the earliest open holder of a key, whatever the insertion order */
    put_case(st, o.id, u.id, 4, 500, "{}", &c[k]); /* received first, numbered last */
    ids[k] = (char *)c[k].id, k++;
    for (int i = 0; i < k; i++) {
        assert_int_equal(st->ops->case_key_put(st, &c[i], "product", "v|p|pkg:npm/x", &e), VG_OK);
        assert_int_equal(st->ops->case_key_put(st, &c[i], "product", "v|p|pkg:npm/x", &e), VG_OK);
    }
    assert_int_equal(st->ops->case_find_key(st, "product", "v|p|pkg:npm/x", "", a, &f, &e), VG_OK);
    assert_string_equal(f.id, "VG-2026-00004");
    assert_int_equal(f.received_at, 500);
    assert_int_equal(st->ops->case_find_key(st, "product", "v|p|pkg:npm/x", "VG-2026-00004", a, &f,
                                            &e),
                     VG_OK);
    assert_string_equal(f.id, "VG-2026-00001");
    c[3].state = "rejected";
    assert_int_equal(st->ops->case_update(st, &c[3], &e), VG_OK);
    c[0].state = "duplicate";
    assert_int_equal(st->ops->case_update(st, &c[0], &e), VG_OK);
    assert_int_equal(st->ops->case_find_key(st, "product", "v|p|pkg:npm/x", "", a, &f, &e), VG_OK);
    assert_string_equal(f.id, "VG-2026-00002");
    assert_int_equal(st->ops->case_find_key(st, "alias", "v|p|pkg:npm/x", "", a, &f, &e),
                     VG_ENOTFOUND);
    vg_err_clear(&e);
    assert_int_equal(st->ops->commit(st, &e), VG_OK);

    /* The key index lives in the writer's memory (sqlite_dedup.c): keys of
     * an operation undone, or of a transaction rolled back, are gone from
     * it; another connection's keys, and the table after a restart, are
     * seen. */
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(st->ops->savepoint(st, 0, &e), VG_OK);
    assert_int_equal(st->ops->case_key_put(st, &c[1], "alias", "CVE-1", &e), VG_OK);
    assert_int_equal(st->ops->savepoint(st, 1, &e), VG_OK);
    assert_int_equal(st->ops->savepoint(st, 0, &e), VG_OK);
    assert_int_equal(st->ops->case_key_put(st, &c[2], "alias", "CVE-2", &e), VG_OK);
    assert_int_equal(st->ops->case_find_key(st, "alias", "CVE-2", "", a, &f, &e), VG_OK);
    assert_int_equal(st->ops->savepoint(st, 2, &e), VG_OK); /* undone */
    assert_int_equal(st->ops->case_find_key(st, "alias", "CVE-2", "", a, &f, &e), VG_ENOTFOUND);
    vg_err_clear(&e);
    assert_int_equal(st->ops->case_find_key(st, "alias", "CVE-1", "", a, &f, &e), VG_OK);
    assert_string_equal(f.id, "VG-2026-00002");
    /* two keys of one case, and one key twice: kept once */
    assert_int_equal(st->ops->case_key_put(st, &c[1], "alias", "CVE-3", &e), VG_OK);
    assert_int_equal(st->ops->case_key_put(st, &c[1], "alias", "CVE-3", &e), VG_OK);
    assert_int_equal(st->ops->case_key_put(st, &c[1], "product", "CVE-3", &e), VG_OK);
    assert_int_equal(st->ops->commit(st, &e), VG_OK);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(fixture_db, &raw), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(raw, "SELECT count(*) FROM case_dedup_log WHERE value ="
                                             " 'CVE-3'", -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 2);
    sqlite3_finalize(q);
    sqlite3_close(raw);
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(st->ops->case_key_put(st, &c[2], "alias", "CVE-4", &e), VG_OK);
    assert_int_equal(st->ops->case_find_key(st, "alias", "CVE-4", "", a, &f, &e), VG_OK);
    st->ops->rollback(st); /* rolled back */
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(st->ops->case_find_key(st, "alias", "CVE-4", "", a, &f, &e), VG_ENOTFOUND);
    vg_err_clear(&e);
    assert_int_equal(st->ops->case_find_key(st, "alias", "CVE-1", "", a, &f, &e), VG_OK);
    st->ops->rollback(st);
    assert_int_equal(vg_store_open(fixture_db, 0, 0, &other, &e), VG_OK);
    assert_int_equal(other->ops->begin(other, 1, &e), VG_OK);
    assert_int_equal(other->ops->case_find_key(other, "alias", "CVE-1", "", a, &f, &e), VG_OK);
    assert_string_equal(f.id, "VG-2026-00002"); /* read from the table */
    assert_int_equal(other->ops->case_key_put(other, &c[2], "alias", "CVE-5", &e), VG_OK);
    assert_int_equal(other->ops->commit(other, &e), VG_OK);
    vg_store_close(other);
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(st->ops->case_find_key(st, "alias", "CVE-5", "", a, &f, &e), VG_OK);
    assert_string_equal(f.id, "VG-2026-00003");
    assert_int_equal(st->ops->case_find_key(st, "alias", "CVE-5", "VG-2026-00003", a, &f, &e),
                     VG_ENOTFOUND);
    vg_err_clear(&e);
    st->ops->rollback(st);

    /* background checkpoints: many WAL pages later, everything is there and
     * the numbers run on */
    assert_int_equal(vg_store_writer_setup(st, &e), VG_OK);
    char *doc = malloc(6001);
    memset(doc, 'x', 6000);
    doc[0] = '"';
    doc[5999] = '"';
    doc[6000] = '\0';
    int64_t seq = 5;
    for (int b = 0; b < 60; b++) {
        assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
        for (int i = 0; i < 50; i++, seq++) {
            struct vg_case x;
            assert_int_equal(next_seq(st), seq);
            put_case(st, o.id, u.id, seq, 10000 + seq, doc, &x);
            free((char *)x.id);
        }
        assert_int_equal(st->ops->commit(st, &e), VG_OK);
    }
    /* the thread has copied the log into the database file meanwhile (or
     * does so as soon as writes pause) */
    struct stat sb;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(stat(fixture_db, &sb), 0);
        if (sb.st_size > 12 * 1000 * 1000)
            break;
        usleep(20000);
    }
    assert_true(sb.st_size > 12 * 1000 * 1000);
    assert_int_equal(vg_store_open(fixture_db, 0, 0, &other, &e), VG_OK);
    struct vg_store_stats stats;
    memset(&stats, 0, sizeof(stats));
    assert_int_equal(other->ops->stats(other, &stats, &e), VG_OK);
    assert_int_equal(stats.cases, seq - 1);
    vg_store_close(other);
    free(doc);
    for (int i = 0; i < k; i++)
        free(ids[i]);
    vg_arena_free(a);
}

/* ---- vg__jansson_put writes what jansson's dump writes ---- */

static void same_as_jansson(const json_t *v)
{
    for (int sort = 0; sort <= 1; sort++) {
        char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | (sort ? JSON_SORT_KEYS : 0));
        struct vg_buf b = {0};
        assert_non_null(want);
        vg__jansson_put(&b, v, sort);
        vg_buf_putc(&b, '\0');
        assert_string_equal(b.p, want);
        vg_buf_free(&b);
        free(want);
    }
}

static int put_files; /* .json files compared */

static int put_file(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)ftw;
    size_t n = strlen(path);
    if (type != FTW_F || n < 5 || strcmp(path + n - 5, ".json") != 0 || sb->st_size > 2000000)
        return 0;
    json_t *v = json_load_file(path, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (v) {
        same_as_jansson(v);
        json_decref(v);
    }
    return ++put_files >= 400; /* enough of them: stop */
}

/* One inbox entry for several units of a kind: each reads it as its own
 * (org_id and the envelope's "org_id"), in id order among its own entries;
 * units it does not name, and units of another kind, do not see it. */
static void test_shared_notifications(void **state)
{
    struct vg_store *st = *state;
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    struct vg_org p[3];
    struct vg_notification *ns;
    size_t n;
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof(name), "Peer %d", i);
        p[i] = (struct vg_org){.name = strdup(name), .kind = VG_ORG_PEER, .status = VG_ORG_ACTIVE,
                               .created_at = 1, .updated_at = 1};
        assert_int_equal(st->ops->org_insert(st, &p[i], &e), VG_OK);
    }
    char own[128], shared[160], rcp[64];
    snprintf(own, sizeof(own), "{\"topic\":\"t\",\"org_id\":%lld,\"at\":null,\"data\":{}}",
             (long long)p[0].id);
    snprintf(shared, sizeof(shared),
             "{\"topic\":\"t\",\"org_id\":%lld,\"at\":null,\"data\":{\"s\":\",\\\"org_id\\\":%lld,\"}}",
             (long long)VG_NOTIFY_KIND(VG_ORG_PEER), (long long)VG_NOTIFY_KIND(VG_ORG_PEER));
    snprintf(rcp, sizeof(rcp), ",%lld,%lld,", (long long)p[0].id, (long long)p[1].id);
    struct vg_notification a1 = {.org_id = p[0].id, .created_at = 5, .topic = "t",
                                 .object_type = "case", .object_id = "x", .body = own};
    struct vg_notification a2 = {.org_id = VG_NOTIFY_KIND(VG_ORG_PEER), .created_at = 6,
                                 .topic = "t", .object_type = "case", .object_id = "y",
                                 .body = shared, .recipients = rcp};
    struct vg_notification a3 = a1;
    assert_int_equal(st->ops->notif_insert(st, &a1, &e), VG_OK);
    assert_int_equal(st->ops->notif_insert(st, &a2, &e), VG_OK);
    assert_int_equal(st->ops->notif_insert(st, &a3, &e), VG_OK);
    assert_int_equal(st->ops->notif_list(st, p[0].id, VG_ORG_PEER, 0, 100, a, &ns, &n, &e), VG_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ns[0].id, a1.id);
    assert_int_equal(ns[1].id, a2.id);
    assert_int_equal(ns[2].id, a3.id);
    assert_int_equal(ns[1].org_id, p[0].id);
    char want[160];
    snprintf(want, sizeof(want),
             "{\"topic\":\"t\",\"org_id\":%lld,\"at\":null,\"data\":{\"s\":\",\\\"org_id\\\":%lld,\"}}",
             (long long)p[0].id, (long long)VG_NOTIFY_KIND(VG_ORG_PEER));
    assert_string_equal(ns[1].body, want); /* only the envelope's */
    assert_int_equal(st->ops->notif_list(st, p[0].id, VG_ORG_PEER, a1.id, 1, a, &ns, &n, &e),
                     VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ns[0].id, a2.id);
    assert_int_equal(st->ops->notif_list(st, p[1].id, VG_ORG_PEER, 0, 100, a, &ns, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ns[0].org_id, p[1].id);
    assert_int_equal(st->ops->notif_list(st, p[2].id, VG_ORG_PEER, 0, 100, a, &ns, &n, &e), VG_OK);
    assert_int_equal(n, 0); /* not named: a unit added, or suspended, at the time */
    assert_int_equal(st->ops->notif_list(st, p[0].id, VG_ORG_MEMBER, 0, 100, a, &ns, &n, &e),
                     VG_OK);
    assert_int_equal(n, 2); /* another kind: its own entries only */
    for (int i = 0; i < 3; i++)
        free((char *)p[i].name);
    vg_arena_free(a);
}

/* The writer keeps the peer centres, vendor units by name and subscriptions
 * it is asked for (sqlite_cases.c): every write to orgs or subscriptions,
 * an undo, a rollback and another connection's commit are seen. */
static void test_writer_org_cache(void **state)
{
    struct vg_store *st = *state, *other = NULL;
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    struct vg_org *l, got;
    struct vg_subscription *subs;
    size_t n;
    assert_int_equal(vg_store_writer_setup(st, &e), VG_OK);
    struct vg_org p1 = {.name = "Peer A", .kind = VG_ORG_PEER, .status = VG_ORG_ACTIVE,
                        .created_at = 1, .updated_at = 1};
    assert_int_equal(st->ops->org_insert(st, &p1, &e), VG_OK);
    assert_int_equal(st->ops->org_list_kind(st, VG_ORG_PEER, a, &l, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(l[0].name, "Peer A");
    assert_int_equal(st->ops->org_by_name(st, "ACME", a, &got, &e), VG_ENOTFOUND);
    vg_err_clear(&e);
    assert_int_equal(st->ops->sub_list(st, p1.id, a, &subs, &n, &e), VG_OK);
    assert_int_equal(n, 0);

    /* in a transaction: its own writes, then an undo */
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(st->ops->savepoint(st, 0, &e), VG_OK);
    struct vg_org p2 = {.name = "Peer B", .kind = VG_ORG_PEER, .status = VG_ORG_ACTIVE,
                        .created_at = 1, .updated_at = 1};
    assert_int_equal(st->ops->org_insert(st, &p2, &e), VG_OK);
    assert_int_equal(st->ops->org_list_kind(st, VG_ORG_PEER, a, &l, &n, &e), VG_OK);
    assert_int_equal(n, 2);
    assert_int_equal(st->ops->savepoint(st, 2, &e), VG_OK);
    assert_int_equal(st->ops->org_list_kind(st, VG_ORG_PEER, a, &l, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    struct vg_org v = {.name = "ACME", .kind = VG_ORG_VENDOR, .status = VG_ORG_ACTIVE,
                       .created_at = 1, .updated_at = 1};
    assert_int_equal(st->ops->org_insert(st, &v, &e), VG_OK);
    assert_int_equal(st->ops->org_by_name(st, "ACME", a, &got, &e), VG_OK);
    assert_int_equal(got.id, v.id);
    struct vg_subscription sb = {.org_id = p1.id, .channel = "webhook", .url = "http://x/",
                                 .secret = "s", .filter = "{}", .created_at = 1};
    assert_int_equal(st->ops->sub_insert(st, &sb, &e), VG_OK);
    assert_int_equal(st->ops->sub_list(st, p1.id, a, &subs, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(subs[0].url, "http://x/");
    st->ops->rollback(st); /* all of it */
    assert_int_equal(st->ops->org_by_name(st, "ACME", a, &got, &e), VG_ENOTFOUND);
    vg_err_clear(&e);
    assert_int_equal(st->ops->sub_list(st, p1.id, a, &subs, &n, &e), VG_OK);
    assert_int_equal(n, 0);

    /* suspension, and a subscription removed */
    assert_int_equal(st->ops->org_set_status(st, p1.id, VG_ORG_SUSPENDED, 99, "r", 2, &e), VG_OK);
    assert_int_equal(st->ops->org_list_kind(st, VG_ORG_PEER, a, &l, &n, &e), VG_OK);
    assert_int_equal(n, 0);
    assert_int_equal(st->ops->org_set_status(st, p1.id, VG_ORG_ACTIVE, 0, NULL, 3, &e), VG_OK);
    assert_int_equal(st->ops->sub_insert(st, &sb, &e), VG_OK);
    assert_int_equal(st->ops->sub_list(st, p1.id, a, &subs, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(st->ops->sub_delete(st, sb.id, &e), VG_OK);
    assert_int_equal(st->ops->sub_list(st, p1.id, a, &subs, &n, &e), VG_OK);
    assert_int_equal(n, 0);

    /* another connection's commit */
    assert_int_equal(vg_store_open(fixture_db, 0, 0, &other, &e), VG_OK);
    struct vg_org p3 = {.name = "Peer C", .kind = VG_ORG_PEER, .status = VG_ORG_ACTIVE,
                        .created_at = 1, .updated_at = 1};
    assert_int_equal(other->ops->org_insert(other, &p3, &e), VG_OK);
    vg_store_close(other);
    assert_int_equal(st->ops->org_list_kind(st, VG_ORG_PEER, a, &l, &n, &e), VG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(l[1].name, "Peer C");
    vg_arena_free(a);
}

static void test_jansson_put(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "{}",
        "[]",
        "null",
        "true",
        "false",
        "0",
        "-1",
        "9223372036854775807",
        "-9223372036854775808",
        "1.5",
        "-0.0",
        "1e300",
        "\"\"",
        "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f \u00e9 \u4e2d \U0001F600\"",
        "\"nul\\u0000inside\"",
        "{\"b\":1,\"a\":{\"d\":[1,2,{\"z\":null,\"y\":true}],\"c\":\"x\"},\"\":[],\"aa\":{}}",
        "{\"\\u00e9\":1,\"e\":2,\"E\":3,\"e\\\"\":4,\"ab\":5,\"a\":6,\"a b\":7}",
        "[1.25,{\"r\":3.0e-7,\"s\":[[],[[]],{}]},-5,\"\\n\"]",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        json_error_t je;
        json_t *v = json_loads(texts[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (v == NULL)
            fail_msg("%s: %s", texts[i], je.text);
        same_as_jansson(v);
        json_decref(v);
    }
    /* a large object (members past the inline array) */
    json_t *big = json_object();
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%d", (i * 37) % 100);
        json_object_set_new(big, k, json_integer(i));
    }
    same_as_jansson(big);
    json_decref(big);
#if JANSSON_VERSION_HEX >= 0x020e00
    /* a key with a NUL byte (jansson's parser refuses them) */
    json_t *nul = json_pack("{s:i,s:i}", "k", 2, "ke", 3);
    json_object_setn_new(nul, "k\0ey", 4, json_integer(1));
    same_as_jansson(nul);
    json_decref(nul);
#endif
    /* real-world documents */
    const char *td = getenv("VIGIL_TESTDATA");
    if (td) {
        put_files = 0;
        if (nftw(td, put_file, 16, FTW_PHYS) >= 0)
            assert_true(put_files > 0);
    }
}

/* vuln_put_many: new records (their rids counted by the writer and given by
 * SQLite, in order) and a replaced one, each found by id and alias. */
static void test_vuln_put_many(void **state)
{
    struct vg_store *st = *state;
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    static const char *const al1[] = {"CVE-2099-0001"}, *const al2[] = {"CVE-2099-0002"};
    struct vg_vuln_put p[2];
    struct vg_vuln got;
    const char **ids;
    size_t n;
    memset(p, 0, sizeof(p));
    for (int i = 0; i < 2; i++) {
        p[i].v.id = i ? "VG-TEST-2" : "VG-TEST-1";
        p[i].v.modified = 1000 + i;
        p[i].v.source = "osv";
        p[i].v.public = 1;
        p[i].v.score = -1;
        p[i].v.summary = "a test record";
        p[i].v.doc = i ? "{\"id\":\"VG-TEST-2\"}" : "{\"id\":\"VG-TEST-1\"}";
        p[i].aliases = i ? al2 : al1;
        p[i].naliases = 1;
    }
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(st->ops->vuln_put_many(st, p, 2, &e), VG_OK);
    assert_int_equal(st->ops->commit(st, &e), VG_OK);
    assert_true(p[0].v.rid > 0);
    assert_int_equal(p[1].v.rid, p[0].v.rid + 1);
    assert_int_equal(st->ops->vuln_get(st, "VG-TEST-2", a, &got, &e), VG_OK);
    assert_int_equal(got.rid, p[1].v.rid);
    assert_int_equal(got.modified, 1001);
    /* replaced: same rid, new content */
    p[1].v.modified = 2000;
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(st->ops->vuln_put_many(st, &p[1], 1, &e), VG_OK);
    assert_int_equal(st->ops->commit(st, &e), VG_OK);
    assert_int_equal(st->ops->vuln_get(st, "VG-TEST-2", a, &got, &e), VG_OK);
    assert_int_equal(got.rid, p[1].v.rid);
    assert_int_equal(got.modified, 2000);
    assert_int_equal(st->ops->vuln_by_alias(st, "CVE-2099-0001", a, &ids, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "VG-TEST-1");
    vg_arena_free(a);
}

/* A batch's alias and package rows, sorted by the store before they go in
 * (its own merge sort): every row is stored once, whatever the order and
 * overlap of the keys -- long shared prefixes (past the 16 bytes compared as
 * numbers), a key given twice in a record, a key shared by records, runs
 * already in order and runs reversed. */
static void test_vuln_key_rows(void **state)
{
    enum { N = 700 };
    struct vg_store *st = *state;
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    struct vg_vuln_put *p = vg_arena_calloc(a, N, sizeof(*p));
    const char **ids;
    size_t n;
    unsigned x = 12345;
    for (int i = 0; i < N; i++) {
        const char **al = vg_arena_calloc(a, 4, sizeof(char *));
        const char **pk = vg_arena_calloc(a, 4, sizeof(char *));
        int r = i < 300 ? i : i < 500 ? 799 - i : (int)((x = x * 1103515245u + 12345u) >> 8) % 997;
        p[i].v.id = vg_arena_printf(a, "VG-KEY-%04d", i);
        p[i].v.modified = 1000;
        p[i].v.source = "osv";
        p[i].v.public = 1;
        p[i].v.score = -1;
        p[i].v.doc = vg_arena_printf(a, "{\"id\":\"%s\"}", p[i].v.id);
        al[0] = vg_arena_printf(a, "CVE-2099-LONG-SHARED-PREFIX-%05d", r);
        al[1] = al[0]; /* twice: one row */
        al[2] = vg_arena_printf(a, "GHSA-%03d", r % 50); /* shared by records */
        p[i].aliases = al;
        p[i].naliases = 3;
        pk[0] = "Maven";
        pk[1] = vg_arena_printf(a, "org.example.long.group:artifact-%d", r);
        pk[2] = "npm";
        pk[3] = vg_arena_printf(a, "p%d", r % 7);
        p[i].packages = pk;
        p[i].npackages = 2;
    }
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(st->ops->vuln_insert_new(st, p, N, 0, &e), VG_OK);
    assert_int_equal(st->ops->commit(st, &e), VG_OK);
    for (int i = 0; i < N; i++) { /* each record once under its keys, with those sharing them */
        size_t same = 0, found = 0;
        for (int j = 0; j < N; j++)
            same += strcmp(p[j].aliases[0], p[i].aliases[0]) == 0;
        assert_int_equal(st->ops->vuln_by_alias(st, p[i].aliases[0], a, &ids, &n, &e), VG_OK);
        assert_int_equal(n, same);
        for (size_t k = 0; k < n; k++)
            found += strcmp(ids[k], p[i].v.id) == 0;
        assert_int_equal(found, 1);
        assert_int_equal(st->ops->vuln_ids_for_package(st, "Maven", p[i].packages[1], a, &ids, &n,
                                                       &e),
                         VG_OK);
        assert_int_equal(n, same);
        for (size_t k = found = 0; k < n; k++)
            found += strcmp(ids[k], p[i].v.id) == 0;
        assert_int_equal(found, 1);
    }
    /* every record holding GHSA-007 or npm p3, each once */
    size_t want = 0, want_p = 0;
    for (int i = 0; i < N; i++) {
        want += strcmp(p[i].aliases[2], "GHSA-007") == 0;
        want_p += strcmp(p[i].packages[3], "p3") == 0;
    }
    assert_int_equal(st->ops->vuln_by_alias(st, "GHSA-007", a, &ids, &n, &e), VG_OK);
    assert_int_equal(n, want);
    for (size_t k = 1; k < n; k++)
        assert_true(strcmp(ids[k - 1], ids[k]) < 0);
    assert_int_equal(st->ops->vuln_ids_for_package(st, "npm", "p3", a, &ids, &n, &e), VG_OK);
    assert_int_equal(n, want_p);
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
        cmocka_unit_test(test_case_foresight),
        cmocka_unit_test(test_jansson_put),
        cmocka_unit_test_setup_teardown(test_store_contract_and_chain, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_case_numbers_and_dedup, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_vuln_put_many, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_vuln_key_rows, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_shared_notifications, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_writer_org_cache, open_store, close_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
