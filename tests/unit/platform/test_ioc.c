/* Unit tests for the indicator module's pure helpers (the TLP relation of a
 * viewer and its SQL form must agree; JSON string escaping; TAXII
 * timestamps) and the SQLite store contract of its ops (correlation rows,
 * TLP filtering in SQL, TAXII objects: duplicates, increasing date_added,
 * "last" versions, filters; disposal notices) and of its in-memory key
 * indexes (undone with a rollback or savepoint, caught up with rows
 * another connection committed, rebuilt when the store is reopened). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "core/buf.h"
#include "engine/stix/ioc.h"
#include "engine/stix/ioc_index.h"
#include "service/indicators.h"
#include "store/store.h"

static struct vg_actor actor(int64_t org, int kind, int role, int status)
{
    struct vg_actor a;
    memset(&a, 0, sizeof(a));
    a.org_id = org;
    a.user_id = org * 10;
    a.org_kind = kind;
    a.role = role;
    a.org_status = status;
    return a;
}

static void test_relation_matrix(void **state)
{
    (void)state;
    struct vg_actor origin = actor(5, VG_ORG_MEMBER, VG_ROLE_MEMBER, VG_ORG_ACTIVE);
    struct vg_actor named = actor(6, VG_ORG_MEMBER, VG_ROLE_READER, VG_ORG_ACTIVE);
    struct vg_actor staff = actor(1, VG_ORG_OPERATOR, VG_ROLE_ANALYST, VG_ORG_ACTIVE);
    struct vg_actor opreader = actor(1, VG_ORG_OPERATOR, VG_ROLE_READER, VG_ORG_ACTIVE);
    struct vg_actor member = actor(7, VG_ORG_INDUSTRY, VG_ROLE_MEMBER, VG_ORG_ACTIVE);
    struct vg_actor susp = actor(5, VG_ORG_MEMBER, VG_ROLE_MEMBER, VG_ORG_SUSPENDED);
    int64_t recips[] = {6};
    /* the highest level each may see of an object by org 5 naming org 6 */
    struct { const struct vg_actor *a; enum vg_tlp max; } want[] = {
        {&origin, VG_TLP_RED}, {&named, VG_TLP_RED}, {&staff, VG_TLP_AMBER_STRICT},
        {&opreader, VG_TLP_GREEN}, {&member, VG_TLP_GREEN}, {&susp, VG_TLP_CLEAR},
        {NULL, VG_TLP_CLEAR},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        for (int t = VG_TLP_CLEAR; t <= VG_TLP_RED; t++)
            assert_int_equal(vg_tlp_allows((enum vg_tlp)t,
                                           vg__ioc_relation(want[i].a, 5, recips, 1)),
                             t <= (int)want[i].max);
    /* the SQL viewer says the same for objects without recipients */
    const struct vg_actor *all[] = {&origin, &named, &staff, &opreader, &member, &susp};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        struct vg_ioc_viewer v = vg__ioc_viewer(all[i]);
        for (int64_t org = 5; org <= 7; org++)
            for (int t = VG_TLP_CLEAR; t <= VG_TLP_RED; t++)
                assert_int_equal(t <= v.max_tlp || org == v.org,
                                 vg_tlp_allows((enum vg_tlp)t,
                                               vg__ioc_relation(all[i], org, NULL, 0)));
    }
}

static void test_json_str_and_time(void **state)
{
    (void)state;
    struct vg_buf b = {0};
    char t[40];
    vg__json_str(&b, "plain.example");
    vg__json_str(&b, "a\"b\\c\n\x01");
    assert_string_equal(b.p, "\"plain.example\"\"a\\\"b\\\\c\\u000a\\u0001\"");
    vg_buf_free(&b);
    /* every byte value at every place of strings of 1..24 bytes (the
     * eight-byte test and its tail): escaped exactly when JSON needs it */
    for (size_t len = 1; len <= 24; len++)
        for (size_t at = 0; at < len; at++)
            for (int c = 1; c < 256; c++) {
                char in[32], want[200];
                size_t k = 0;
                memset(in, 'x', len);
                in[at] = (char)c;
                in[len] = '\0';
                want[k++] = '"';
                for (size_t i = 0; i < len; i++) {
                    unsigned char ch = (unsigned char)in[i];
                    if (ch == '"' || ch == '\\') {
                        want[k++] = '\\';
                        want[k++] = (char)ch;
                    } else if (ch < 0x20) {
                        k += (size_t)snprintf(want + k, 8, "\\u%04x", ch);
                    } else {
                        want[k++] = (char)ch;
                    }
                }
                want[k++] = '"';
                want[k] = '\0';
                vg_buf_reset(&b);
                vg__json_str(&b, in);
                vg_buf_putc(&b, '\0');
                if (strcmp(b.p, want) != 0)
                    fail_msg("byte %d at %zu of %zu: %s, want %s", c, at, len, b.p, want);
            }
    vg_buf_free(&b);
    vg__ioc_time_us(1638316800123456LL, t);
    assert_string_equal(t, "2021-12-01T00:00:00.123456Z");
    vg__ioc_time_us(1638316800000001LL, t);
    assert_string_equal(t, "2021-12-01T00:00:00.000001Z");
    char u1[37], u2[37];
    vg__uuid4(u1);
    vg__uuid4(u2);
    assert_int_equal(strlen(u1), 36);
    assert_int_equal(u1[14], '4');
    assert_string_not_equal(u1, u2);
}

#define FIXTURE_NAME "ioc"
#include "store_fixture.h"

static void test_store_indicators(void **state)
{
    struct vg_store *st = *state;
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    int64_t id1, id2;
    assert_int_equal(st->ops->ioc_upsert(st, "ip", "192.0.2.1", 0, 1000, &id1, &e), VG_OK);
    assert_int_equal(st->ops->ioc_upsert(st, "ip", "192.0.2.1", 0, 2000, &id2, &e), VG_OK);
    assert_int_equal(id1, id2);
    struct vg_ioc_source s1 = {.ioc_id = id1, .org_id = 5, .stix_id = "indicator--x", .tlp = 3,
                               .confidence = 40, .valid_from = 1000, .first_seen = 1000,
                               .last_seen = 1000};
    assert_int_equal(st->ops->ioc_source_put(st, &s1, &e), VG_OK);
    struct vg_ioc_source s2 = s1;
    s2.confidence = 70;
    s2.last_seen = 3000;
    assert_int_equal(st->ops->ioc_source_put(st, &s2, &e), VG_OK);
    assert_int_equal(s1.id, s2.id); /* the same unit's report updates its source */
    struct vg_ioc_source s3 = s1;
    s3.org_id = 6;
    s3.tlp = 4;
    s3.recipients = ",7,";
    assert_int_equal(st->ops->ioc_source_put(st, &s3, &e), VG_OK);
    struct vg_ioc_source *src;
    size_t n;
    assert_int_equal(st->ops->ioc_sources(st, id1, a, &src, &n, &e), VG_OK);
    assert_int_equal(n, 2);
    assert_int_equal(src[0].reports, 2);
    assert_int_equal(src[0].confidence, 70);
    assert_string_equal(src[0].value, "192.0.2.1");
    /* TLP in SQL: AMBER+STRICT (3) and RED (4) sources */
    struct vg_ioc_row *rows;
    struct vg_ioc_viewer member = {.max_tlp = 1, .org = 9}, staff = {.max_tlp = 3, .org = 1},
                         named = {.max_tlp = 1, .org = 7}, origin = {.max_tlp = 1, .org = 5};
    assert_int_equal(st->ops->ioc_list(st, &member, NULL, NULL, 0, 10, a, &rows, &n, &e), VG_OK);
    assert_int_equal(n, 0);
    assert_int_equal(st->ops->ioc_list(st, &staff, "ip", "192.0.2.1", 0, 10, a, &rows, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(st->ops->ioc_list(st, &named, NULL, NULL, 0, 10, a, &rows, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(st->ops->ioc_list(st, &origin, NULL, NULL, 0, 10, a, &rows, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    struct vg_ioc_sighting g = {.ioc_id = id1, .org_id = 9, .at = 5000, .count = 3, .tlp = 1};
    assert_int_equal(st->ops->ioc_sighting_insert(st, &g, &e), VG_OK);
    struct vg_ioc_row r;
    assert_int_equal(st->ops->ioc_get(st, id1, a, &r, &e), VG_OK);
    assert_int_equal(r.sightings, 3);
    assert_int_equal(r.last_seen, 5000);
    assert_int_equal(st->ops->ioc_get(st, 999, a, &r, &e), VG_ENOTFOUND);
    vg_arena_free(a);
}

/* A bulk transaction's objects take consecutive date_added values after its
 * first (which has the time), stored with no search for their row ids: the
 * time once they lag it by more than a millisecond, and the next
 * transaction's first the time again; every row found where it was put. */
static void test_store_bulk_dates(void **state)
{
    struct vg_store *st = *state;
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    const int64_t t0 = 1767225600000000; /* 2026-01-01, in us */
    int64_t got[1300];
    char id[64];
    assert_int_equal(st->ops->begin(st, VG_TX_BULK, &e), VG_OK);
    for (int i = 0; i < 1300; i++) {
        snprintf(id, sizeof(id), "indicator--seq-%d", i);
        struct vg_taxii_object o = {.collection = "seq", .id = id, .type = "indicator",
                                    .spec_version = "2.1", .version = "v", .version_ms = 1,
                                    .date_added = i < 600 ? t0 + i / 2 : t0 + 10000000,
                                    .org_id = 5, .body = "{}"};
        assert_int_equal(st->ops->taxii_put(st, &o, &e), VG_OK);
        got[i] = o.date_added;
    }
    assert_int_equal(st->ops->commit(st, &e), VG_OK);
    assert_int_equal(got[0], t0);
    for (int i = 1; i < 1300; i++) /* the jump to the time at 600, lagging 10 s */
        assert_int_equal(got[i], i == 600 ? t0 + 10000000 : got[i - 1] + 1);
    struct vg_taxii_object *out;
    size_t n;
    struct vg_taxii_filter f = {.collection = "seq", .viewer = {.max_tlp = 4, .org = 5},
                                .version_mode = 2, .limit = 2000};
    assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
    assert_int_equal(n, 1300);
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "indicator--seq-%zu", i);
        assert_string_equal(out[i].id, id);
        assert_int_equal(out[i].date_added, got[i]);
    }
    /* the next transaction's first object: the time, though within the lag */
    struct vg_taxii_object o = {.collection = "seq", .id = "indicator--seq-next",
                                .type = "indicator", .spec_version = "2.1", .version = "v",
                                .version_ms = 1, .date_added = got[1299] + 500, .org_id = 5,
                                .body = "{}"};
    assert_int_equal(st->ops->begin(st, VG_TX_BULK, &e), VG_OK);
    assert_int_equal(st->ops->taxii_put(st, &o, &e), VG_OK);
    assert_int_equal(st->ops->commit(st, &e), VG_OK);
    assert_int_equal(o.date_added, got[1299] + 500);
    vg_arena_free(a);
}

static void test_store_taxii(void **state)
{
    struct vg_store *st = *state;
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    struct vg_taxii_object o = {.collection = "c", .id = "indicator--1", .type = "indicator",
                                .spec_version = "2.1", .version = "v1", .version_ms = 100,
                                .date_added = 10, .tlp = 1, .org_id = 5, .body = "{\"v\":1}"};
    assert_int_equal(st->ops->taxii_put(st, &o, &e), VG_OK);
    int64_t first = o.date_added;
    assert_int_equal(st->ops->taxii_put(st, &o, &e), VG_ECONFLICT);
    vg_err_clear(&e);
    struct vg_taxii_object o2 = o;
    o2.version = "v2";
    o2.version_ms = 200;
    o2.date_added = 5; /* a clock step back still gives a later date_added */
    o2.body = "{\"v\":2}";
    assert_int_equal(st->ops->taxii_put(st, &o2, &e), VG_OK);
    assert_true(o2.date_added > first);
    struct vg_taxii_object o3 = o;
    o3.id = "identity--1";
    o3.type = "identity";
    o3.tlp = 3;
    assert_int_equal(st->ops->taxii_put(st, &o3, &e), VG_OK);
    struct vg_taxii_object *out;
    size_t n;
    struct vg_taxii_filter f = {.collection = "c", .viewer = {.max_tlp = 1, .org = 9}, .limit = 10};
    assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
    assert_int_equal(n, 1); /* last version only; the AMBER+STRICT identity hidden */
    assert_string_equal(out[0].version, "v2");
    f.version_mode = 1;
    assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
    assert_string_equal(out[0].version, "v1");
    f.version_mode = 2;
    f.viewer.org = 5;
    assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
    assert_int_equal(n, 3);
    f.types = "[\"identity\"]";
    assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    f.types = NULL;
    f.added_after = o2.date_added;
    assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].id, "identity--1");
    f.added_after = 0;
    f.limit = 1;
    assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
    assert_int_equal(n, 2); /* limit + 1 tells "more" */
    /* the page text written by the store: the first `limit` bodies, in
     * order, comma-separated; the same rows whichever way they are read */
    struct vg_buf page = {0};
    f.limit = 10;
    for (int dense = 0; dense < 2; dense++) {
        f.dense = dense;
        f.page = &page;
        vg_buf_reset(&page);
        assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
        assert_int_equal(n, 3);
        assert_null(out[0].body);
        assert_string_equal(page.p, "{\"v\":1},{\"v\":2},{\"v\":1}");
        f.limit = 2;
        vg_buf_reset(&page);
        assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
        assert_int_equal(n, 3);
        assert_string_equal(page.p, "{\"v\":1},{\"v\":2}");
        f.page = NULL;
        assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
        assert_string_equal(out[1].body, "{\"v\":2}");
        f.limit = 10;
    }
    f.dense = 0;
    /* by id: the object's versions, oldest first */
    f.ids = "[\"indicator--1\"]";
    assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].version, "v1");
    assert_string_equal(out[1].version, "v2");
    f.ids = NULL;
    vg_buf_free(&page);
    struct vg_disposal d = {.state = "reported", .target_category = "other", .created_by = 1,
                            .created_at = 1, .updated_at = 1, .doc = "{}"};
    assert_int_equal(st->ops->disposal_insert(st, &d, &e), VG_OK);
    d.state = "notice_issued";
    d.target_org = 7;
    d.deadline = 50;
    assert_int_equal(st->ops->disposal_update(st, &d, &e), VG_OK);
    struct vg_disposal *ds;
    struct vg_disposal_filter df = {.overdue = 1, .now = 100};
    assert_int_equal(st->ops->disposal_list(st, &df, 0, 10, a, &ds, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    df.now = 10;
    assert_int_equal(st->ops->disposal_list(st, &df, 0, 10, a, &ds, &n, &e), VG_OK);
    assert_int_equal(n, 0);
    vg_arena_free(a);
}

static int64_t put_obj(struct vg_store *st, const char *id, int64_t version_ms, int want)
{
    struct vg_err e = {0};
    struct vg_taxii_object o = {.collection = "k", .id = id, .type = "indicator",
                                .spec_version = "2.1", .version = "v", .version_ms = version_ms,
                                .date_added = 1, .tlp = 0, .org_id = 5, .body = "{}"};
    assert_int_equal(st->ops->taxii_put(st, &o, &e), want);
    return o.date_added;
}

static size_t count_versions(struct vg_store *st, const char *ids)
{
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    struct vg_taxii_object *out;
    size_t n;
    struct vg_taxii_filter f = {.collection = "k", .viewer = {.max_tlp = 4, .org = 5},
                                .limit = 1000, .version_mode = 2, .ids = ids};
    assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
    vg_arena_free(a);
    return n;
}

static size_t count_value(struct vg_store *st, const char *value)
{
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    struct vg_ioc_row *rows;
    struct vg_ioc_viewer v = {.max_tlp = 4, .org = 5};
    size_t n;
    assert_int_equal(st->ops->ioc_list(st, &v, "domain", value, 0, 10, a, &rows, &n, &e), VG_OK);
    vg_arena_free(a);
    return n;
}

/* Room taken ahead for a big transaction changes no answer: everything put
 * after it is found, a duplicate is one, and a rollback leaves nothing. */
/* Room taken at once: tables sized once for what is to come, what they held
 * kept, lookups as before (CIDR containment too). */
static void test_index_reserve(void **state)
{
    struct vg_ioc_index *ix = vg_ioc_index_new(3, 4);
    struct vg_ioc_index_stats s0, s1, s2;
    struct vg_ioc_hit h[4];
    struct vg_err e = {0};
    char v[64];
    size_t nh;
    (void)state;
    for (int i = 0; i < 2000; i++) {
        snprintf(v, sizeof(v), "d%d.reserve.example", i);
        assert_int_equal(vg_ioc_index_add_normal(ix, VG_IOC_DOMAIN, v, strlen(v), i + 1,
                                                 VG_IOC_FOREVER, &e), VG_OK);
    }
    assert_int_equal(vg_ioc_index_add_normal(ix, VG_IOC_IP, "10.9.0.0/16", 11, 9000,
                                             VG_IOC_FOREVER, &e), VG_OK);
    vg_ioc_index_stats(ix, &s0);
    vg_ioc_index_reserve(ix, 10000, 300);
    vg_ioc_index_stats(ix, &s1);
    assert_int_equal(s1.entries, s0.entries);
    assert_true(s1.exact_capacity * 7 >= (2000 + 10000) * 10);
    assert_true(s1.net_capacity * 7 >= (1 + 300) * 10);
    vg_ioc_index_reserve(ix, 10, 0); /* room there already: no change */
    vg_ioc_index_stats(ix, &s2);
    assert_int_equal(s2.exact_capacity, s1.exact_capacity);
    for (int i = 2000; i < 12000; i++) {
        snprintf(v, sizeof(v), "d%d.reserve.example", i);
        assert_int_equal(vg_ioc_index_add_normal(ix, VG_IOC_DOMAIN, v, strlen(v), i + 1,
                                                 VG_IOC_FOREVER, &e), VG_OK);
    }
    vg_ioc_index_stats(ix, &s2);
    assert_int_equal(s2.exact_capacity, s1.exact_capacity); /* no growth on the way */
    assert_int_equal(s2.entries, 12001);
    for (int i = 0; i < 12000; i += 7) {
        snprintf(v, sizeof(v), "www.d%d.reserve.example", i);
        assert_int_equal(vg_ioc_index_lookup(ix, VG_IOC_DOMAIN, v, strlen(v), 0, h, 4, &nh, &e),
                         VG_OK);
        assert_int_equal(nh, 1);
        assert_int_equal(h[0].indicator_id, i + 1);
    }
    assert_int_equal(vg_ioc_index_lookup(ix, VG_IOC_IP, "10.9.8.7", 8, 0, h, 4, &nh, &e), VG_OK);
    assert_int_equal(nh, 1);
    assert_int_equal(h[0].indicator_id, 9000);
    vg_ioc_index_free(ix);
}

/* A VG_TX_BULK transaction leaves the references of its rows to its caller
 * (a source naming a missing indicator is stored), and the next
 * transaction checks them again (the same source is refused). */
/* One source put in a transaction of kind `write`: what the commit says. */
static int put_source(struct vg_store *st, int write, struct vg_ioc_source *src)
{
    struct vg_err e = {0};
    int rc;
    assert_int_equal(st->ops->begin(st, write, &e), VG_OK);
    rc = st->ops->ioc_source_put(st, src, &e);
    if (rc == VG_OK)
        rc = st->ops->commit(st, &e);
    if (rc != VG_OK)
        st->ops->rollback(st);
    vg_err_clear(&e);
    return rc;
}

static void test_store_bulk_references(void **state)
{
    struct vg_store *st = *state;
    struct vg_err e = {0};
    struct vg_ioc_source src = {.ioc_id = 987654321, .org_id = 5, .stix_id = "indicator--dangling",
                                .tlp = 1, .confidence = 50, .valid_from = 1, .first_seen = 1,
                                .last_seen = 1};
    assert_int_equal(put_source(st, VG_TX_BULK, &src), VG_OK);
    src.org_id = 6;
    src.stix_id = "indicator--dangling-2";
    assert_int_not_equal(put_source(st, 1, &src), VG_OK);
    /* so does a bulk transaction rolled back */
    assert_int_equal(st->ops->begin(st, VG_TX_BULK, &e), VG_OK);
    st->ops->rollback(st);
    src.org_id = 7;
    assert_int_not_equal(put_source(st, 1, &src), VG_OK);
}

static void test_store_reserve(void **state)
{
    struct vg_store *st = *state;
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    struct vg_ioc_row ir;
    int64_t id, id2, id17 = 0;
    char oid[48], val[48];
    assert_non_null(st->ops->ioc_reserve);
    assert_int_equal(st->ops->ioc_reserve(st, 100000, &e), VG_OK); /* no transaction: nothing */
    for (int round = 0; round < 2; round++) {
        assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
        assert_int_equal(st->ops->ioc_reserve(st, 5000, &e), VG_OK);
        for (int i = 0; i < 3000; i++) {
            snprintf(oid, sizeof(oid), "indicator--res-%d", i);
            snprintf(val, sizeof(val), "r%d.reserve.example", i);
            put_obj(st, oid, 1, VG_OK);
            assert_int_equal(st->ops->ioc_upsert(st, "domain", val, 0, 1, &id, &e), VG_OK);
            assert_int_equal(st->ops->ioc_upsert(st, "domain", val, 0, 2, &id2, &e), VG_OK);
            assert_int_equal(id, id2);
            if (i == 17)
                id17 = id;
        }
        put_obj(st, "indicator--res-2999", 1, VG_ECONFLICT);
        vg_err_clear(&e);
        if (round == 0) {
            st->ops->rollback(st);
            assert_int_equal(count_versions(st, "[\"indicator--res-0\", \"indicator--res-2999\"]"), 0);
            assert_int_equal(st->ops->ioc_get(st, id17, a, &ir, &e), VG_ENOTFOUND);
            vg_err_clear(&e);
        } else {
            assert_int_equal(st->ops->commit(st, &e), VG_OK);
            assert_int_equal(count_versions(st, "[\"indicator--res-0\", \"indicator--res-2999\"]"), 2);
            assert_int_equal(st->ops->ioc_get(st, id17, a, &ir, &e), VG_OK);
            assert_string_equal(ir.value, "r17.reserve.example");
            /* found by its key afterwards: the same entity */
            assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
            assert_int_equal(st->ops->ioc_upsert(st, "domain", "r17.reserve.example", 0, 3, &id, &e), VG_OK);
            assert_int_equal(st->ops->commit(st, &e), VG_OK);
            assert_int_equal(id, id17);
        }
    }
    vg_arena_free(a);
}

static void test_store_keys(void **state)
{
    struct vg_store *st = *state;
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    int64_t id, id2;
    /* a rolled back transaction leaves no key behind */
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    put_obj(st, "indicator--r", 100, VG_OK);
    assert_int_equal(st->ops->ioc_upsert(st, "domain", "r.example", 0, 1, &id, &e), VG_OK);
    st->ops->rollback(st);
    assert_int_equal(count_versions(st, "[\"indicator--r\"]"), 0);
    put_obj(st, "indicator--r", 100, VG_OK); /* not a duplicate of the undone one */
    assert_int_equal(count_versions(st, "[\"indicator--r\"]"), 1);
    /* nor does an undone savepoint, while what came before it stays */
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    put_obj(st, "indicator--s1", 100, VG_OK);
    assert_int_equal(st->ops->savepoint(st, 0, &e), VG_OK);
    put_obj(st, "indicator--s2", 100, VG_OK);
    assert_int_equal(st->ops->ioc_upsert(st, "domain", "s.example", 0, 1, &id, &e), VG_OK);
    assert_int_equal(st->ops->savepoint(st, 2, &e), VG_OK);
    /* an indicator after the undo takes the id the undone one had */
    assert_int_equal(st->ops->ioc_upsert(st, "domain", "t.example", 0, 1, &id2, &e), VG_OK);
    assert_int_equal(id2, id);
    assert_int_equal(st->ops->commit(st, &e), VG_OK);
    struct vg_ioc_row ir;
    assert_int_equal(st->ops->ioc_get(st, id2, a, &ir, &e), VG_OK);
    assert_string_equal(ir.value, "t.example");
    assert_int_equal(count_versions(st, "[\"indicator--s1\"]"), 1);
    assert_int_equal(count_versions(st, "[\"indicator--s2\"]"), 0);
    assert_int_equal(count_value(st, "s.example"), 0);
    put_obj(st, "indicator--s1", 100, VG_ECONFLICT);
    put_obj(st, "indicator--s2", 100, VG_OK);
    assert_int_equal(st->ops->ioc_upsert(st, "domain", "s.example", 0, 1, &id, &e), VG_OK);
    assert_int_equal(st->ops->ioc_upsert(st, "domain", "s.example", 0, 2, &id2, &e), VG_OK);
    assert_int_equal(id, id2);
    /* many versions of one id: all found, each a duplicate when sent again */
    for (int v = 1; v <= 40; v++)
        put_obj(st, "indicator--many", v, VG_OK);
    put_obj(st, "indicator--many", 17, VG_ECONFLICT);
    vg_err_clear(&e);
    assert_int_equal(count_versions(st, "[\"indicator--many\", \"indicator--s1\"]"), 41);
    /* a transaction's new objects are stored 512 to a statement: all there,
     * in order, each found by id */
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    int64_t last = 0;
    for (int i = 0; i < 1100; i++) {
        char oid[40];
        snprintf(oid, sizeof(oid), "indicator--bulk-%d", i);
        int64_t d = put_obj(st, oid, 1, VG_OK);
        assert_true(d > last);
        last = d;
    }
    put_obj(st, "indicator--bulk-68", 1, VG_ECONFLICT); /* held back, yet a duplicate */
    vg_err_clear(&e);
    assert_int_equal(st->ops->commit(st, &e), VG_OK);
    assert_int_equal(count_versions(st, "[\"indicator--bulk-0\", \"indicator--bulk-511\","
                                        " \"indicator--bulk-512\", \"indicator--bulk-1099\"]"), 4);
    /* rows another connection commits are caught up before the next use */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fixture_db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO taxii_objects (date_added, collection, id, type,"
                                  " spec_version, version, version_ms, tlp, org_id, body) SELECT"
                                  " max(date_added) + 1, (SELECT n FROM taxii_collections WHERE"
                                  " id = 'k'), 'indicator--foreign', 'indicator', '2.1', 'v', 7,"
                                  " 0, 5, '{}' FROM taxii_objects;"
                                  "INSERT INTO iocs (type, value, first_seen, last_seen,"
                                  " created_at, updated_at) VALUES ('domain', 'f.example', 1, 1,"
                                  " 1, 1);"
                                  "INSERT INTO ioc_sources (ioc_id, org_id, stix_id, tlp,"
                                  " confidence, valid_from, valid_until, first_seen, last_seen)"
                                  " SELECT max(id), 9, 'indicator--foreign', 0, 50, 0, 0, 1, 1"
                                  " FROM iocs;"
                                  "UPDATE iocs SET srcs = json_array((SELECT max(id) FROM"
                                  " ioc_sources)) WHERE id = (SELECT max(id) FROM iocs);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    put_obj(st, "indicator--foreign", 7, VG_ECONFLICT);
    vg_err_clear(&e);
    assert_int_equal(count_value(st, "f.example"), 1);
    assert_int_equal(st->ops->ioc_upsert(st, "domain", "f.example", 0, 3, &id, &e), VG_OK);
    struct vg_ioc_source *src;
    size_t n;
    assert_int_equal(st->ops->ioc_sources_by_stix(st, "indicator--foreign", a, &src, &n, &e),
                     VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(src[0].ioc_id, id);
    /* reopened (the last connection gone): the indexes are rebuilt from the rows */
    vg_store_close(st);
    assert_int_equal(vg_store_open(fixture_db, 0, 1, &st, &e), VG_OK);
    *state = st;
    assert_int_equal(count_versions(st, "[\"indicator--many\"]"), 40);
    /* every row, the first and the last of the build's batches too */
    assert_int_equal(count_versions(st, "[\"indicator--bulk-0\", \"indicator--bulk-31\","
                                        " \"indicator--bulk-32\", \"indicator--bulk-1098\","
                                        " \"indicator--bulk-1099\", \"indicator--foreign\"]"), 6);
    put_obj(st, "indicator--many", 40, VG_ECONFLICT);
    vg_err_clear(&e);
    assert_int_equal(st->ops->ioc_upsert(st, "domain", "f.example", 0, 4, &id2, &e), VG_OK);
    assert_int_equal(id, id2);
    vg_arena_free(a);
}

/* Key hashes a caller took ahead (vg_store_key_hash, as the preparing thread
 * of a bulk ingest does) file and find rows exactly as the store's own: a
 * row stored with a hint is found by a call without one and the other way
 * round, in a write transaction (the writer's unlocked reads, slots fetched
 * ahead for later objects) and outside one. */
static void test_store_key_hints(void **state)
{
    struct vg_store *st = *state;
    struct vg_err e = {0};
    struct vg_arena *a = vg_arena_new(0);
    struct vg_ioc_source *src;
    size_t n;
    int64_t id, id2;
    uint64_t hv = vg_store_key_hash("domain", "hint.example");
    assert_true(hv != 0);
    assert_true(hv != vg_store_key_hash("domain", "hint.example2"));
    assert_true(hv != vg_store_key_hash("domainhint", ".example")); /* the parts stay apart */
    assert_int_equal(st->ops->begin(st, 1, &e), VG_OK);
    assert_int_equal(st->ops->ioc_upsert(st, "domain", "hint.example", hv, 1, &id, &e), VG_OK);
    assert_int_equal(st->ops->ioc_upsert(st, "domain", "hint.example", 0, 2, &id2, &e), VG_OK);
    assert_int_equal(id, id2);
    int64_t p1, p2;
    assert_int_equal(st->ops->ioc_upsert(st, "domain", "plain.example", 0, 1, &p1, &e), VG_OK);
    assert_int_equal(st->ops->ioc_upsert(st, "domain", "plain.example",
                                         vg_store_key_hash("domain", "plain.example"), 2, &p2,
                                         &e), VG_OK);
    assert_int_equal(p1, p2);
    assert_true(p1 != id);
    struct vg_taxii_object o = {.collection = "k", .id = "indicator--hint", .type = "indicator",
                                .spec_version = "2.1", .version = "v", .version_ms = 1,
                                .date_added = 1, .org_id = 5, .body = "{\"h\":1}", .body_len = 7,
                                .key_hash = vg_store_key_hash("indicator--hint", NULL),
                                .ahead_id = vg_store_key_hash("indicator--later", NULL),
                                .ahead_value = hv};
    assert_int_equal(st->ops->taxii_put(st, &o, &e), VG_OK);
    o.ahead_id = 0x9e3779b97f4a7c15ULL; /* any value: a hint only */
    o.ahead_value = 0;
    o.key_hash = 0;
    assert_int_equal(st->ops->taxii_put(st, &o, &e), VG_ECONFLICT);
    vg_err_clear(&e);
    put_obj(st, "indicator--hint2", 1, VG_OK);
    o.id = "indicator--hint2";
    o.key_hash = vg_store_key_hash("indicator--hint2", NULL);
    assert_int_equal(st->ops->taxii_put(st, &o, &e), VG_ECONFLICT);
    vg_err_clear(&e);
    struct vg_ioc_source s1 = {.ioc_id = id, .org_id = 5, .stix_id = "indicator--hint",
                               .tlp = 1, .confidence = 50, .valid_from = 1, .first_seen = 1,
                               .last_seen = 1,
                               .key_hash = vg_store_key_hash("indicator--hint", NULL)};
    assert_int_equal(st->ops->ioc_source_put(st, &s1, &e), VG_OK);
    assert_int_equal(st->ops->commit(st, &e), VG_OK);
    assert_int_equal(count_versions(st, "[\"indicator--hint\", \"indicator--hint2\"]"), 2);
    assert_int_equal(count_value(st, "hint.example"), 1);
    assert_int_equal(st->ops->ioc_sources_by_stix(st, "indicator--hint", a, &src, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(src[0].id, s1.id);
    /* the body stored as given, its length taken from the caller */
    struct vg_taxii_object *out;
    struct vg_taxii_filter f = {.collection = "k", .viewer = {.max_tlp = 4, .org = 5},
                                .limit = 10, .version_mode = 2, .ids = "[\"indicator--hint\"]"};
    assert_int_equal(st->ops->taxii_list(st, &f, a, &out, &n, &e), VG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].body, "{\"h\":1}");
    /* outside a transaction too (the locked reads) */
    assert_int_equal(st->ops->ioc_upsert(st, "domain", "hint.example", hv, 3, &id2, &e), VG_OK);
    assert_int_equal(id, id2);
    vg_arena_free(a);
}

/* The lookup index fed stored (normal) values without normalising them again
 * answers as when fed the raw values; and fed entries worked out apart
 * (vg_ioc_index_entry, prefetch, add_entry: the post-commit update) too. */
static void test_index_add_normal(void **state)
{
    static const struct {
        enum vg_ioc_type t;
        const char *raw;
    } in[] = {
        {VG_IOC_IP, "198.51.100.7"},
        {VG_IOC_IP, "203.0.113.0/24"},
        {VG_IOC_IP, "2001:0DB8:0:0::/32"},
        {VG_IOC_IP, "::ffff:192.0.2.1"},
        {VG_IOC_DOMAIN, "Example.COM."},
        {VG_IOC_DOMAIN, "b\303\274cher.example"},
        {VG_IOC_URL, "HTTP://Evil.test:80/a/../login"},
        {VG_IOC_SHA256, "EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C"},
        {VG_IOC_EMAIL, "phish@Evil.test"},
    };
    static const char *probe[] = {
        "198.51.100.7", "203.0.113.9", "2001:db8::1", "192.0.2.1", "www.example.com",
        "xn--bcher-kva.example", "http://evil.test/login", "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c",
        "phish@evil.test", "203.0.114.1", "example.org",
    };
    struct vg_ioc_index *raw = vg_ioc_index_new(7, 8), *norm = vg_ioc_index_new(7, 8);
    struct vg_ioc_index *ent = vg_ioc_index_new(7, 8);
    struct vg_ioc_hit h1[16], h2[16], h3[16];
    struct vg_err e = {0};
    (void)state;
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        char buf[VG_IOC_MAX + 1];
        size_t n;
        assert_int_equal(vg_ioc_normalize(in[i].t, in[i].raw, strlen(in[i].raw), buf, sizeof(buf),
                                          &n, &e), VG_OK);
        assert_int_equal(vg_ioc_index_add(raw, in[i].t, in[i].raw, strlen(in[i].raw),
                                          (int64_t)i + 1, VG_IOC_FOREVER, &e), VG_OK);
        assert_int_equal(vg_ioc_index_add_normal(norm, in[i].t, buf, n, (int64_t)i + 1,
                                                 VG_IOC_FOREVER, &e), VG_OK);
        struct vg_ioc_entry en;
        assert_int_equal(vg_ioc_index_entry(ent, in[i].t, buf, n, &en, &e), VG_OK);
        vg_ioc_index_prefetch(ent, &en);
        vg_ioc_index_add_entry(ent, &en, (int64_t)i + 1, VG_IOC_FOREVER);
        vg_ioc_index_add_entry(ent, &en, (int64_t)i + 1, VG_IOC_FOREVER); /* again: no change */
    }
    for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
        size_t n1 = 0, n2 = 0;
        assert_int_equal(vg_ioc_index_lookup(raw, VG_IOC_NONE, probe[i], strlen(probe[i]), 0, h1,
                                             16, &n1, &e), VG_OK);
        assert_int_equal(vg_ioc_index_lookup(norm, VG_IOC_NONE, probe[i], strlen(probe[i]), 0, h2,
                                             16, &n2, &e), VG_OK);
        size_t n3 = 0;
        assert_int_equal(vg_ioc_index_lookup(ent, VG_IOC_NONE, probe[i], strlen(probe[i]), 0, h3,
                                             16, &n3, &e), VG_OK);
        assert_int_equal(n1, n2);
        assert_int_equal(n1, n3);
        assert_int_equal(n1, i < 9 ? 1 : 0);
        for (size_t k = 0; k < n1; k++) {
            assert_int_equal(h1[k].indicator_id, h2[k].indicator_id);
            assert_int_equal(h1[k].indicator_id, h3[k].indicator_id);
            assert_int_equal(h1[k].match, h3[k].match);
        }
    }
    struct vg_ioc_index_stats s2, s3;
    vg_ioc_index_stats(norm, &s2);
    vg_ioc_index_stats(ent, &s3);
    assert_int_equal(s2.entries, s3.entries);
    /* removed by value, an entry added apart leaves nothing behind */
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
        assert_int_equal(vg_ioc_index_remove(ent, in[i].t, in[i].raw, strlen(in[i].raw),
                                             (int64_t)i + 1, &e), VG_OK);
    vg_ioc_index_stats(ent, &s3);
    assert_int_equal(s3.entries, 0);
    struct vg_ioc_entry bad;
    assert_int_equal(vg_ioc_index_entry(ent, VG_IOC_IP, "not-an-ip", 9, &bad, &e), VG_EINVAL);
    vg_err_clear(&e);
    assert_int_equal(vg_ioc_index_add_normal(norm, VG_IOC_IP, "not-an-ip", 9, 99, VG_IOC_FOREVER,
                                             &e), VG_EINVAL);
    vg_ioc_index_free(raw);
    vg_ioc_index_free(norm);
    vg_ioc_index_free(ent);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relation_matrix),
        cmocka_unit_test(test_json_str_and_time),
        cmocka_unit_test(test_index_add_normal),
        cmocka_unit_test(test_index_reserve),
        cmocka_unit_test_setup_teardown(test_store_indicators, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_store_taxii, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_store_bulk_dates, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_store_keys, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_store_reserve, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_store_bulk_references, open_store, close_store),
        cmocka_unit_test_setup_teardown(test_store_key_hints, open_store, close_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
