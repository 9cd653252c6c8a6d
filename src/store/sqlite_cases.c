/* SQLite backend, part two: cases, their keys and timeline, unit inboxes,
 * webhook subscriptions and the transactional outbox with its delivery log
 * (the cases' dedup keys are in sqlite_dedup.c). The ops are wired into the
 * table in sqlite.c. */
#include "store/sqlite_int.h"
#include "core/buf.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>

#define CASE_COLS                                                                                  \
    "rid, id, year, seq, state, library, tlp, reporter_org, reporter_user, vendor_org, "           \
    "product_vendor, product_name, discovered_at, received_at, report_due, late, late_by_ms, "     \
    "duplicate_of, score, vendor_notified_at, published_at, updated_at, doc"

static const char q_org_by_name[] =
    "SELECT id, name, kind, country, status, status_until, status_reason, created_at, updated_at"
    " FROM orgs WHERE lower(name) = lower(?) ORDER BY id LIMIT 1";
static const char q_org_kind[] =
    "SELECT id, name, kind, country, status, status_until, status_reason, created_at, updated_at"
    " FROM orgs WHERE kind = ? AND status = 'active' ORDER BY id";
static const char q_case_seq[] = "SELECT coalesce(max(seq), 0) + 1 FROM cases WHERE year = ?";
static const char q_case_insert[] =
    "INSERT INTO cases (id, year, seq, state, library, tlp, reporter_org, reporter_user,"
    " vendor_org, product_vendor, product_name, discovered_at, received_at, report_due, late,"
    " late_by_ms, duplicate_of, score, vendor_notified_at, published_at, updated_at, doc)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char q_case_get[] = "SELECT " CASE_COLS " FROM cases WHERE id = ?";
static const char q_case_update[] =
    "UPDATE cases SET state = ?, vendor_org = ?, duplicate_of = ?, vendor_notified_at = ?,"
    " published_at = ?, updated_at = ?, score = ?, doc = ? WHERE id = ?";
/* Visibility is a parameter of the query: ?2 = 1 shows all; otherwise a case
 * is listed when published, or reported by ?3, or (from vendor_notified on,
 * and not TLP:RED) the vendor unit is ?3; ?4 = 1 restricts to published. */
static const char q_case_list[] =
    "SELECT " CASE_COLS " FROM cases WHERE rid > ?1"
    " AND (?2 = 1 OR state = 'published' OR (?4 = 0 AND (reporter_org = ?3"
    "      OR (vendor_org = ?3 AND vendor_notified_at > 0 AND tlp <> 'red'))))"
    " AND (?4 = 0 OR state = 'published')"
    " AND (?5 IS NULL OR state = ?5) AND (?6 IS NULL OR library = ?6)"
    " AND (?7 IS NULL OR lower(product_vendor) = lower(?7)) AND (?8 = 0 OR late = 1)"
    " ORDER BY rid LIMIT ?9";
static const char q_data_version[] = "PRAGMA data_version";
static const char q_event_insert[] =
    "INSERT INTO case_events (case_id, at, actor_user, actor_org, kind, from_state, to_state, body)"
    " VALUES (?,?,?,?,?,?,?,?)";
static const char q_events[] =
    "SELECT id, case_id, at, actor_user, actor_org, kind, from_state, to_state, body"
    " FROM case_events WHERE case_id = ? ORDER BY id";
static const char q_delays[] =
    "SELECT reporter_org, library, received_at - discovered_at, late FROM cases"
    " WHERE state <> 'duplicate' ORDER BY reporter_org, library";
static const char q_notif_insert[] =
    "INSERT INTO notifications (org_id, created_at, topic, object_type, object_id, body,"
    " recipients) VALUES (?,?,?,?,?,?,?)";
/* Two walks of notifications_org in id order, merged: the unit's own
 * entries, and those for its kind (?3) that name it. */
static const char q_notif_list[] =
    "SELECT id, org_id, created_at, topic, object_type, object_id, body FROM notifications"
    " WHERE org_id = ?1 AND id > ?2"
    " UNION ALL"
    " SELECT id, org_id, created_at, topic, object_type, object_id, body FROM notifications"
    " WHERE org_id = ?3 AND id > ?2 AND instr(recipients, ',' || ?1 || ',') > 0"
    " ORDER BY id LIMIT ?4";
static const char q_sub_insert[] =
    "INSERT INTO subscriptions (org_id, channel, url, secret, filter, created_at, created_by)"
    " VALUES (?,?,?,?,?,?,?)";
#define SUB_COLS "id, org_id, channel, url, secret, filter, created_at, created_by"
static const char q_sub_get[] = "SELECT " SUB_COLS " FROM subscriptions WHERE id = ?";
static const char q_sub_list[] = "SELECT " SUB_COLS " FROM subscriptions WHERE org_id = ? ORDER BY id";
static const char q_sub_list_all[] = "SELECT " SUB_COLS " FROM subscriptions ORDER BY id";
static const char q_sub_delete[] = "DELETE FROM subscriptions WHERE id = ?";
static const char q_outbox_insert[] =
    "INSERT INTO outbox (created_at, origin_at, org_id, subscription_id, topic, object_type,"
    " object_id, idempotency_key, url, secret, body, state, attempts, next_attempt_at,"
    " notification_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,'pending',0,?,?)";
/* A row stored without a body (body '', notification_id set) carries its
 * inbox entry's message with the entry's id added as the last member. */
#define OUTBOX_COLS                                                                                \
    "o.id, o.created_at, o.origin_at, o.org_id, o.subscription_id, o.topic, o.object_type,"       \
    " o.object_id, o.idempotency_key, o.url, o.secret,"                                            \
    " CASE WHEN o.body = '' AND n.id IS NOT NULL THEN substr(n.body, 1, length(n.body) - 1)"      \
    " || ',\"notification_id\":' || n.id || '}' ELSE o.body END,"                                 \
    " o.state, o.attempts, o.next_attempt_at, o.delivered_at"
static const char q_outbox_due[] =
    "SELECT " OUTBOX_COLS ", n.org_id FROM outbox o"
    " LEFT JOIN notifications n ON n.id = o.notification_id"
    " AND o.notification_id > 0 WHERE o.state = 'pending' AND o.next_attempt_at <= ?"
    " ORDER BY o.next_attempt_at, o.id LIMIT ?";
static const char q_outbox_next[] =
    "SELECT coalesce(min(next_attempt_at), 0) FROM outbox WHERE state = 'pending'";
static const char q_outbox_update[] =
    "UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, delivered_at = ? WHERE id = ?";
static const char q_delivery_insert[] =
    "INSERT INTO deliveries (outbox_id, at, status, error, delay_ms) VALUES (?,?,?,?,?)";
static const char q_delivery_list[] =
    "SELECT d.id, d.outbox_id, d.at, d.status, d.error, d.delay_ms, o.topic, o.url,"
    " o.idempotency_key, o.org_id FROM deliveries d JOIN outbox o ON o.id = d.outbox_id"
    " WHERE o.object_type = ? AND o.object_id = ? ORDER BY d.id";

static const char *const kinds[] = {"operator", "member", "vendor", "industry", "peer"};
static const char *const statuses[] = {"active", "suspended", "revoked"};

static int idx(const char *const *names, int n, const unsigned char *s)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], (const char *)s) == 0)
            return i;
    return -1;
}

static void read_org(sqlite3_stmt *st, struct vg_arena *a, struct vg_org *o)
{
    o->id = sqlite3_column_int64(st, 0);
    o->name = vg__sq_str(st, 1, a);
    o->kind = idx(kinds, 5, sqlite3_column_text(st, 2));
    o->country = vg__sq_str(st, 3, a);
    o->status = idx(statuses, 3, sqlite3_column_text(st, 4));
    o->status_until = sqlite3_column_int64(st, 5);
    o->status_reason = vg__sq_str(st, 6, a);
    o->created_at = sqlite3_column_int64(st, 7);
    o->updated_at = sqlite3_column_int64(st, 8);
}

/* ---- the org cache (see org_gen in sqlite_int.h) ----
 * A case submission asked the same three things each time: the active peer
 * centres, the vendor unit by the product's vendor name, and each peer's
 * subscriptions; 4% of its server CPU, for answers that change only when
 * orgs or subscriptions do. The writer connection keeps them (readers ask
 * the tables); entries live in the cache's arena, copied out to the
 * caller's, and are dropped together when org_gen moves. */

#define ORGC_NAMES 256
#define ORGC_SUBS 32

struct vg__sq_orgc {
    struct vg_arena *a;
    uint64_t gen;
    struct {
        int valid;
        size_t n;
        struct vg_org *v;
    } kind[5];
    struct {
        const char *name; /* NULL: free */
        int found;
        struct vg_org o;
    } name[ORGC_NAMES];
    struct {
        int valid;
        int64_t org_id;
        size_t n;
        struct vg_subscription *v;
    } subs[ORGC_SUBS];
};

void vg__sq_orgc_free(struct sqlite_store *s)
{
    if (s->orgc)
        vg_arena_free(s->orgc->a);
    free(s->orgc);
    s->orgc = NULL;
}

static int data_version(struct sqlite_store *s, int64_t *v, struct vg_err *err);

/* The cache, emptied if org_gen has moved or it has grown past 1 MB (names
 * replaced in their slots stay in its arena until then); NULL with err set
 * on a store error. */
static struct vg__sq_orgc *orgc(struct sqlite_store *s, struct vg_err *err)
{
    if (!(s->in_tx && s->org_seen_tx == s->tx_n)) {
        int64_t dv = 0;
        if (data_version(s, &dv, err))
            return NULL;
        if (dv != s->org_dv) {
            s->org_dv = dv;
            s->org_gen++;
        }
        s->org_seen_tx = s->in_tx ? s->tx_n : 0;
    }
    if (s->orgc == NULL) {
        s->orgc = vg_xcalloc(1, sizeof(*s->orgc));
        s->orgc->a = vg_arena_new(0);
        s->orgc->gen = s->org_gen - 1;
    }
    if (s->orgc->gen != s->org_gen || vg_arena_used(s->orgc->a) > (1u << 20)) {
        struct vg_arena *a = s->orgc->a;
        vg_arena_reset(a);
        memset(s->orgc, 0, sizeof(*s->orgc));
        s->orgc->a = a;
        s->orgc->gen = s->org_gen;
    }
    return s->orgc;
}

static void copy_org(struct vg_org *to, const struct vg_org *from, struct vg_arena *a)
{
    *to = *from;
    to->name = vg_arena_strdup(a, from->name);
    to->country = vg_arena_strdup(a, from->country);
    to->status_reason = vg_arena_strdup(a, from->status_reason);
}

static void copy_sub(struct vg_subscription *to, const struct vg_subscription *from,
                     struct vg_arena *a)
{
    *to = *from;
    to->channel = vg_arena_strdup(a, from->channel);
    to->url = vg_arena_strdup(a, from->url);
    to->secret = vg_arena_strdup(a, from->secret);
    to->filter = vg_arena_strdup(a, from->filter);
}

static size_t name_slot(const char *name)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a: a slot, not an identity */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)(h % ORGC_NAMES);
}

static int org_by_name_db(struct sqlite_store *s, const char *name, struct vg_arena *a,
                          struct vg_org *out, struct vg_err *err)
{
    sqlite3_stmt *st = vg__sq_prep(s, q_org_by_name, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, name);
    GET_ONE(s, st, "org", err, read_org(st, a, out));
}

int vg__sq_org_by_name(struct vg_store *base, const char *name, struct vg_arena *a,
                       struct vg_org *out, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    struct vg__sq_orgc *c;
    struct vg_org o;
    int rc;
    if (!s->writer)
        return org_by_name_db(s, name, a, out, err);
    if ((c = orgc(s, err)) == NULL)
        return VG_EBACKEND;
    size_t k = name_slot(name);
    if (c->name[k].name && strcmp(c->name[k].name, name) == 0) {
        if (!c->name[k].found)
            return vg_err_set(err, VG_ENOTFOUND, "org not found");
        copy_org(out, &c->name[k].o, a);
        return VG_OK;
    }
    rc = org_by_name_db(s, name, c->a, &o, err);
    if (rc != VG_OK && rc != VG_ENOTFOUND)
        return rc;
    c->name[k].name = vg_arena_strdup(c->a, name);
    c->name[k].found = rc == VG_OK;
    if (rc == VG_OK) {
        c->name[k].o = o;
        copy_org(out, &o, a);
    }
    return rc;
}

static int org_list_kind_db(struct sqlite_store *s, int kind, struct vg_arena *a,
                            struct vg_org **out, size_t *n, struct vg_err *err)
{
    sqlite3_stmt *st = vg__sq_prep(s, q_org_kind, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, kind >= 0 && kind < 5 ? kinds[kind] : "");
    GET_MANY(s, st, "orgs", a, struct vg_org, out, n, err, read_org(st, a, it));
}

int vg__sq_org_list_kind(struct vg_store *base, int kind, struct vg_arena *a, struct vg_org **out,
                         size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    struct vg__sq_orgc *c;
    int rc;
    if (kind < 0 || kind >= 5 || !s->writer)
        return org_list_kind_db(s, kind, a, out, n, err);
    if ((c = orgc(s, err)) == NULL)
        return VG_EBACKEND;
    if (!c->kind[kind].valid) {
        if ((rc = org_list_kind_db(s, kind, c->a, &c->kind[kind].v, &c->kind[kind].n, err)))
            return rc;
        c->kind[kind].valid = 1;
    }
    *n = c->kind[kind].n;
    *out = vg_arena_alloc(a, (*n ? *n : 1) * sizeof(**out));
    for (size_t i = 0; i < *n; i++)
        copy_org(&(*out)[i], &c->kind[kind].v[i], a);
    return VG_OK;
}

/* ---- cases ---- */

static void read_case(sqlite3_stmt *st, struct vg_arena *a, struct vg_case *c)
{
    c->rid = sqlite3_column_int64(st, 0);
    c->id = vg__sq_str(st, 1, a);
    c->year = sqlite3_column_int(st, 2);
    c->seq = sqlite3_column_int64(st, 3);
    c->state = vg__sq_str(st, 4, a);
    c->library = vg__sq_str(st, 5, a);
    c->tlp = vg__sq_str(st, 6, a);
    c->reporter_org = sqlite3_column_int64(st, 7);
    c->reporter_user = sqlite3_column_int64(st, 8);
    c->vendor_org = sqlite3_column_int64(st, 9);
    c->product_vendor = vg__sq_str(st, 10, a);
    c->product_name = vg__sq_str(st, 11, a);
    c->discovered_at = sqlite3_column_int64(st, 12);
    c->received_at = sqlite3_column_int64(st, 13);
    c->report_due = sqlite3_column_int64(st, 14);
    c->late = sqlite3_column_int(st, 15);
    c->late_by_ms = sqlite3_column_int64(st, 16);
    c->duplicate_of = vg__sq_str(st, 17, a);
    c->score = sqlite3_column_int(st, 18);
    c->vendor_notified_at = sqlite3_column_int64(st, 19);
    c->published_at = sqlite3_column_int64(st, 20);
    c->updated_at = sqlite3_column_int64(st, 21);
    c->doc = vg__sq_str(st, 22, a);
}

/* The number comes from the writer's memory while nothing but this
 * connection has written since it was read: a rollback forgets it (sqlite.c),
 * and PRAGMA data_version tells whether another connection has committed. */
static int data_version(struct sqlite_store *s, int64_t *v, struct vg_err *err)
{
    sqlite3_stmt *st = vg__sq_prep(s, q_data_version, err);
    if (st == NULL)
        return VG_EBACKEND;
    GET_ONE(s, st, "data version", err, *v = sqlite3_column_int64(st, 0));
}

int vg__sq_case_next_seq(struct vg_store *base, int year, int64_t *seq, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    int64_t dv = 0;
    int rc;
    if (s->seq_year == year && s->in_tx && s->seq_seen_tx == s->tx_n) {
        *seq = s->seq_next; /* found current earlier in this transaction */
        return VG_OK;
    }
    if ((rc = data_version(s, &dv, err)))
        return rc;
    s->seq_seen_tx = s->in_tx ? s->tx_n : 0;
    if (s->seq_year == year && s->seq_dv == dv) {
        *seq = s->seq_next;
        return VG_OK;
    }
    sqlite3_stmt *st = vg__sq_prep(s, q_case_seq, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int(st, 1, year);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return vg__sq_err(s, rc, "case number", err);
    }
    *seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    s->seq_year = year;
    s->seq_next = *seq;
    s->seq_dv = dv;
    return VG_OK;
}

int vg__sq_case_insert(struct vg_store *base, struct vg_case *c, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_case_insert, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, c->id);
    sqlite3_bind_int(st, 2, c->year);
    sqlite3_bind_int64(st, 3, c->seq);
    vg__sq_bind_str(st, 4, c->state);
    vg__sq_bind_str(st, 5, c->library);
    vg__sq_bind_str(st, 6, c->tlp);
    sqlite3_bind_int64(st, 7, c->reporter_org);
    sqlite3_bind_int64(st, 8, c->reporter_user);
    sqlite3_bind_int64(st, 9, c->vendor_org);
    vg__sq_bind_str(st, 10, c->product_vendor);
    vg__sq_bind_str(st, 11, c->product_name);
    sqlite3_bind_int64(st, 12, c->discovered_at);
    sqlite3_bind_int64(st, 13, c->received_at);
    sqlite3_bind_int64(st, 14, c->report_due);
    sqlite3_bind_int(st, 15, c->late);
    sqlite3_bind_int64(st, 16, c->late_by_ms);
    vg__sq_bind_str(st, 17, c->duplicate_of);
    sqlite3_bind_int(st, 18, c->score);
    sqlite3_bind_int64(st, 19, c->vendor_notified_at);
    sqlite3_bind_int64(st, 20, c->published_at);
    sqlite3_bind_int64(st, 21, c->updated_at);
    vg__sq_bind_str(st, 22, c->doc);
    if ((rc = vg__sq_exec(s, st, "case", 0, err)) == VG_OK) {
        c->rid = sqlite3_last_insert_rowid(s->db);
        if (s->seq_year == c->year && s->seq_next == c->seq)
            s->seq_next++;
        else
            s->seq_year = 0;
    }
    return rc;
}

int vg__sq_case_get(struct vg_store *base, const char *id, struct vg_arena *a, struct vg_case *out,
                    struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_case_get, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, id);
    GET_ONE(s, st, "case", err, read_case(st, a, out));
}

int vg__sq_case_update(struct vg_store *base, const struct vg_case *c, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_case_update, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, c->state);
    sqlite3_bind_int64(st, 2, c->vendor_org);
    vg__sq_bind_str(st, 3, c->duplicate_of);
    sqlite3_bind_int64(st, 4, c->vendor_notified_at);
    sqlite3_bind_int64(st, 5, c->published_at);
    sqlite3_bind_int64(st, 6, c->updated_at);
    sqlite3_bind_int(st, 7, c->score);
    vg__sq_bind_str(st, 8, c->doc);
    vg__sq_bind_str(st, 9, c->id);
    return vg__sq_exec(s, st, "case", 1, err);
}

int vg__sq_case_list(struct vg_store *base, const struct vg_case_filter *f, int64_t after,
                     int limit, struct vg_arena *a, struct vg_case **out, size_t *n,
                     struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_case_list, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, f->all);
    sqlite3_bind_int64(st, 3, f->viewer_org);
    sqlite3_bind_int(st, 4, f->public_only);
    vg__sq_bind_str(st, 5, f->state);
    vg__sq_bind_str(st, 6, f->library);
    vg__sq_bind_str(st, 7, f->vendor);
    sqlite3_bind_int(st, 8, f->overdue);
    sqlite3_bind_int(st, 9, limit);
    GET_MANY(s, st, "cases", a, struct vg_case, out, n, err, read_case(st, a, it));
}

int vg__sq_case_event_insert(struct vg_store *base, struct vg_case_event *e, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_event_insert, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, e->case_id);
    sqlite3_bind_int64(st, 2, e->at);
    sqlite3_bind_int64(st, 3, e->actor_user);
    sqlite3_bind_int64(st, 4, e->actor_org);
    vg__sq_bind_str(st, 5, e->kind);
    vg__sq_bind_str(st, 6, e->from_state);
    vg__sq_bind_str(st, 7, e->to_state);
    vg__sq_bind_str(st, 8, e->body);
    if ((rc = vg__sq_exec(s, st, "case event", 0, err)) == VG_OK)
        e->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int vg__sq_case_events(struct vg_store *base, const char *case_id, struct vg_arena *a,
                       struct vg_case_event **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_events, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, case_id);
    GET_MANY(s, st, "case events", a, struct vg_case_event, out, n, err, {
        it->id = sqlite3_column_int64(st, 0);
        it->case_id = vg__sq_str(st, 1, a);
        it->at = sqlite3_column_int64(st, 2);
        it->actor_user = sqlite3_column_int64(st, 3);
        it->actor_org = sqlite3_column_int64(st, 4);
        it->kind = vg__sq_str(st, 5, a);
        it->from_state = vg__sq_str(st, 6, a);
        it->to_state = vg__sq_str(st, 7, a);
        it->body = vg__sq_str(st, 8, a);
    });
}

int vg__sq_case_delays(struct vg_store *base, struct vg_arena *a, struct vg_case_delay **out,
                       size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_delays, err);
    if (st == NULL)
        return VG_EBACKEND;
    GET_MANY(s, st, "cases", a, struct vg_case_delay, out, n, err, {
        it->reporter_org = sqlite3_column_int64(st, 0);
        it->library = vg__sq_str(st, 1, a);
        it->delay_ms = sqlite3_column_int64(st, 2);
        it->late = sqlite3_column_int(st, 3);
    });
}

/* ---- inbox, subscriptions, outbox ---- */

int vg__sq_notif_insert(struct vg_store *base, struct vg_notification *no, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_notif_insert, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, no->org_id);
    sqlite3_bind_int64(st, 2, no->created_at);
    vg__sq_bind_str(st, 3, no->topic);
    vg__sq_bind_str(st, 4, no->object_type);
    vg__sq_bind_str(st, 5, no->object_id);
    vg__sq_bind_str(st, 6, no->body);
    vg__sq_bind_str(st, 7, no->recipients);
    if ((rc = vg__sq_exec(s, st, "notification", 0, err)) == VG_OK)
        no->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* The body of an entry for several units (its envelope's "org_id" is the
 * entry's org_id, `shared`) as unit org_id's: the first `,"org_id":shared,`
 * is the envelope's (its members come before "data", and inside a JSON
 * string a quote is escaped). */
static const char *own_body(const char *body, int64_t shared, int64_t org_id, struct vg_arena *a)
{
    char from[48], to[48];
    int fn = snprintf(from, sizeof(from), ",\"org_id\":%lld,", (long long)shared);
    int tn = snprintf(to, sizeof(to), ",\"org_id\":%lld,", (long long)org_id);
    const char *at = body ? strstr(body, from) : NULL;
    if (at == NULL)
        return body;
    size_t head = (size_t)(at - body), rest = strlen(at + fn);
    char *p = vg_arena_alloc(a, head + (size_t)tn + rest + 1);
    memcpy(p, body, head);
    memcpy(p + head, to, (size_t)tn);
    memcpy(p + head + tn, at + fn, rest + 1);
    return p;
}

int vg__sq_notif_list(struct vg_store *base, int64_t org_id, int org_kind, int64_t after,
                      int limit, struct vg_arena *a, struct vg_notification **out, size_t *n,
                      struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_notif_list, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, org_id);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int64(st, 3, VG_NOTIFY_KIND(org_kind));
    sqlite3_bind_int(st, 4, limit);
    GET_MANY(s, st, "notifications", a, struct vg_notification, out, n, err, {
        it->id = sqlite3_column_int64(st, 0);
        it->org_id = sqlite3_column_int64(st, 1);
        it->created_at = sqlite3_column_int64(st, 2);
        it->topic = vg__sq_str(st, 3, a);
        it->object_type = vg__sq_str(st, 4, a);
        it->object_id = vg__sq_str(st, 5, a);
        it->body = vg__sq_str(st, 6, a);
        if (it->org_id != org_id) {
            it->body = own_body(it->body, it->org_id, org_id, a);
            it->org_id = org_id;
        }
    });
}

static void read_sub(sqlite3_stmt *st, struct vg_arena *a, struct vg_subscription *sub)
{
    sub->id = sqlite3_column_int64(st, 0);
    sub->org_id = sqlite3_column_int64(st, 1);
    sub->channel = vg__sq_str(st, 2, a);
    sub->url = vg__sq_str(st, 3, a);
    sub->secret = vg__sq_str(st, 4, a);
    sub->filter = vg__sq_str(st, 5, a);
    sub->created_at = sqlite3_column_int64(st, 6);
    sub->created_by = sqlite3_column_int64(st, 7);
}

int vg__sq_sub_insert(struct vg_store *base, struct vg_subscription *sub, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_sub_insert, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, sub->org_id);
    vg__sq_bind_str(st, 2, sub->channel);
    vg__sq_bind_str(st, 3, sub->url);
    vg__sq_bind_str(st, 4, sub->secret);
    vg__sq_bind_str(st, 5, sub->filter);
    sqlite3_bind_int64(st, 6, sub->created_at);
    sqlite3_bind_int64(st, 7, sub->created_by);
    s->org_gen++;
    if ((rc = vg__sq_exec(s, st, "subscription", 0, err)) == VG_OK)
        sub->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int vg__sq_sub_get(struct vg_store *base, int64_t id, struct vg_arena *a,
                   struct vg_subscription *out, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_sub_get, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, id);
    GET_ONE(s, st, "subscription", err, read_sub(st, a, out));
}

static int sub_list_db(struct sqlite_store *s, int64_t org_id, struct vg_arena *a,
                       struct vg_subscription **out, size_t *n, struct vg_err *err)
{
    sqlite3_stmt *st = vg__sq_prep(s, org_id ? q_sub_list : q_sub_list_all, err);
    if (st == NULL)
        return VG_EBACKEND;
    if (org_id)
        sqlite3_bind_int64(st, 1, org_id);
    GET_MANY(s, st, "subscriptions", a, struct vg_subscription, out, n, err, read_sub(st, a, it));
}

int vg__sq_sub_list(struct vg_store *base, int64_t org_id, struct vg_arena *a,
                    struct vg_subscription **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    struct vg__sq_orgc *c;
    int rc;
    if (org_id == 0 || !s->writer)
        return sub_list_db(s, org_id, a, out, n, err);
    if ((c = orgc(s, err)) == NULL)
        return VG_EBACKEND;
    size_t k = (size_t)((uint64_t)org_id % ORGC_SUBS);
    if (!c->subs[k].valid || c->subs[k].org_id != org_id) {
        c->subs[k].valid = 0;
        if ((rc = sub_list_db(s, org_id, c->a, &c->subs[k].v, &c->subs[k].n, err)))
            return rc;
        c->subs[k].valid = 1;
        c->subs[k].org_id = org_id;
    }
    *n = c->subs[k].n;
    *out = vg_arena_alloc(a, (*n ? *n : 1) * sizeof(**out));
    for (size_t i = 0; i < *n; i++)
        copy_sub(&(*out)[i], &c->subs[k].v[i], a);
    return VG_OK;
}

int vg__sq_sub_delete(struct vg_store *base, int64_t id, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_sub_delete, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, id);
    s->org_gen++;
    return vg__sq_exec(s, st, "subscription", 1, err);
}

int vg__sq_outbox_insert(struct vg_store *base, struct vg_outbox *o, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_outbox_insert, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, o->created_at);
    sqlite3_bind_int64(st, 2, o->origin_at);
    sqlite3_bind_int64(st, 3, o->org_id);
    sqlite3_bind_int64(st, 4, o->subscription_id);
    vg__sq_bind_str(st, 5, o->topic);
    vg__sq_bind_str(st, 6, o->object_type);
    vg__sq_bind_str(st, 7, o->object_id);
    vg__sq_bind_str(st, 8, o->idempotency_key);
    vg__sq_bind_str(st, 9, o->url);
    vg__sq_bind_str(st, 10, o->secret);
    vg__sq_bind_str(st, 11, o->body ? o->body : "");
    sqlite3_bind_int64(st, 12, o->next_attempt_at);
    sqlite3_bind_int64(st, 13, o->body ? 0 : o->notification_id);
    if ((rc = vg__sq_exec(s, st, "outbox", 0, err)) == VG_OK)
        o->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int vg__sq_outbox_due(struct vg_store *base, int64_t now, int limit, struct vg_arena *a,
                      struct vg_outbox **out, size_t *n, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_outbox_due, err);
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    GET_MANY(s, st, "outbox", a, struct vg_outbox, out, n, err, {
        it->id = sqlite3_column_int64(st, 0);
        it->created_at = sqlite3_column_int64(st, 1);
        it->origin_at = sqlite3_column_int64(st, 2);
        it->org_id = sqlite3_column_int64(st, 3);
        it->subscription_id = sqlite3_column_int64(st, 4);
        it->topic = vg__sq_str(st, 5, a);
        it->object_type = vg__sq_str(st, 6, a);
        it->object_id = vg__sq_str(st, 7, a);
        it->idempotency_key = vg__sq_str(st, 8, a);
        it->url = vg__sq_str(st, 9, a);
        it->secret = vg__sq_str(st, 10, a);
        it->body = vg__sq_str(st, 11, a);
        it->state = vg__sq_str(st, 12, a);
        it->attempts = sqlite3_column_int(st, 13);
        it->next_attempt_at = sqlite3_column_int64(st, 14);
        it->delivered_at = sqlite3_column_int64(st, 15);
        if (sqlite3_column_type(st, 16) != SQLITE_NULL && sqlite3_column_int64(st, 16) < 0)
            it->body = own_body(it->body, sqlite3_column_int64(st, 16), it->org_id, a);
    });
}

int vg__sq_outbox_next(struct vg_store *base, int64_t *at, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_outbox_next, err);
    if (st == NULL)
        return VG_EBACKEND;
    GET_ONE(s, st, "outbox", err, *at = sqlite3_column_int64(st, 0));
}

int vg__sq_outbox_update(struct vg_store *base, int64_t id, const char *state, int attempts,
                         int64_t next_attempt_at, int64_t delivered_at, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_outbox_update, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, state);
    sqlite3_bind_int(st, 2, attempts);
    sqlite3_bind_int64(st, 3, next_attempt_at);
    sqlite3_bind_int64(st, 4, delivered_at);
    sqlite3_bind_int64(st, 5, id);
    return vg__sq_exec(s, st, "outbox", 1, err);
}

int vg__sq_delivery_insert(struct vg_store *base, struct vg_delivery *d, struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_delivery_insert, err);
    int rc;
    if (st == NULL)
        return VG_EBACKEND;
    sqlite3_bind_int64(st, 1, d->outbox_id);
    sqlite3_bind_int64(st, 2, d->at);
    sqlite3_bind_int(st, 3, d->status);
    vg__sq_bind_str(st, 4, d->error);
    sqlite3_bind_int64(st, 5, d->delay_ms);
    if ((rc = vg__sq_exec(s, st, "delivery", 0, err)) == VG_OK)
        d->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int vg__sq_delivery_list(struct vg_store *base, const char *object_type, const char *object_id,
                         struct vg_arena *a, struct vg_delivery **out, size_t *n,
                         struct vg_err *err)
{
    struct sqlite_store *s = vg__sq(base);
    sqlite3_stmt *st = vg__sq_prep(s, q_delivery_list, err);
    if (st == NULL)
        return VG_EBACKEND;
    vg__sq_bind_str(st, 1, object_type);
    vg__sq_bind_str(st, 2, object_id);
    GET_MANY(s, st, "deliveries", a, struct vg_delivery, out, n, err, {
        it->id = sqlite3_column_int64(st, 0);
        it->outbox_id = sqlite3_column_int64(st, 1);
        it->at = sqlite3_column_int64(st, 2);
        it->status = sqlite3_column_int(st, 3);
        it->error = vg__sq_str(st, 4, a);
        it->delay_ms = sqlite3_column_int64(st, 5);
        it->topic = vg__sq_str(st, 6, a);
        it->url = vg__sq_str(st, 7, a);
        it->idempotency_key = vg__sq_str(st, 8, a);
        it->org_id = sqlite3_column_int64(st, 9);
    });
}
