/* Disposal notices (处置通知): for a confirmed threat the operator's analysts
 * order a target unit (operator, registrar, host) to act — block, stop
 * service, remove malware, rectify — by a deadline; the unit acknowledges and
 * reports execution, or appeals. States: reported → identified → notice_issued
 * → executed → closed, plus appealed. Overdue notices are flagged; targets in
 * government or critical infrastructure trigger additional notices to the
 * operator's staff. Not for: indicators themselves (indicators.c). */
#include "service/indicators.h"
#include "service/service_int.h"
#include "core/json.h"
#include "core/util.h"
#include "notify/notify.h"

#include <stdlib.h>
#include <string.h>

static const char *const measures[] = {"block", "stop_service", "remove_malware", "rectify",
                                       "other", NULL};
static const char *const categories[] = {"government", "critical_infrastructure", "other", NULL};
static const char *const states[] = {"reported", "identified", "notice_issued", "executed",
                                     "closed", "appealed", NULL};

enum { BY_STAFF = 1, BY_TARGET = 2 };

/* The lifecycle: from, to, who may move it. */
static const struct {
    const char *from, *to;
    int by;
} moves[] = {
    {"reported", "identified", BY_STAFF},
    {"reported", "closed", BY_STAFF},
    {"identified", "notice_issued", BY_STAFF},
    {"identified", "closed", BY_STAFF},
    {"notice_issued", "executed", BY_TARGET},
    {"notice_issued", "appealed", BY_TARGET},
    {"appealed", "notice_issued", BY_STAFF}, /* appeal rejected */
    {"appealed", "closed", BY_STAFF},        /* appeal upheld */
    {"executed", "closed", BY_STAFF},
};

static int priority(const char *category)
{
    return category && (strcmp(category, "government") == 0 ||
                        strcmp(category, "critical_infrastructure") == 0);
}

static json_t *disposal_json(const struct vg_disposal *d, int64_t now)
{
    json_t *doc = json_loads(d->doc, 0, NULL), *j = json_object();
    if (doc == NULL)
        doc = json_object();
    json_object_set_new(j, "id", json_integer(d->id));
    json_object_set_new(j, "state", json_string(d->state));
    json_object_update(j, doc);
    json_object_set_new(j, "indicator_id", d->ioc_id ? json_integer(d->ioc_id) : json_null());
    json_object_set_new(j, "target_org_id",
                        d->target_org ? json_integer(d->target_org) : json_null());
    json_object_set_new(j, "target_category", json_string(d->target_category));
    json_object_set_new(j, "priority_target", json_boolean(priority(d->target_category)));
    json_object_set_new(j, "measure", d->measure ? json_string(d->measure) : json_null());
    json_object_set_new(j, "deadline", vg__time_json(d->deadline));
    json_object_set_new(j, "overdue", json_boolean(strcmp(d->state, "notice_issued") == 0 &&
                                                   d->deadline && d->deadline < now));
    json_object_set_new(j, "created_at", vg__time_json(d->created_at));
    json_object_set_new(j, "updated_at", vg__time_json(d->updated_at));
    json_object_set_new(j, "issued_at", vg__time_json(d->issued_at));
    json_object_set_new(j, "acknowledged_at", vg__time_json(d->acknowledged_at));
    json_object_set_new(j, "executed_at", vg__time_json(d->executed_at));
    json_object_set_new(j, "closed_at", vg__time_json(d->closed_at));
    json_decref(doc);
    return j;
}

static void history(json_t *doc, const struct vg_actor *who, int64_t at, const char *from,
                    const char *to, const char *note)
{
    json_t *h = json_object_get(doc, "history");
    if (!json_is_array(h)) {
        h = json_array();
        json_object_set_new(doc, "history", h);
    }
    json_array_append_new(h, json_pack("{s:o, s:I, s:I, s:o, s:s, s:o}", "at", vg__time_json(at),
                                       "actor_user", (json_int_t)who->user_id, "actor_org",
                                       (json_int_t)who->org_id, "from",
                                       from ? json_string(from) : json_null(), "to", to, "note",
                                       note ? json_string(note) : json_null()));
}

struct disp_op {
    struct vg_server *srv;
    const struct vg_actor *who;
    struct vg_disposal d;
    json_t *doc; /* owned */
    json_t *body;
    int64_t id;
    int ack;
    int queued;
    struct vg_arena *a;
    json_t *out;
    struct vg_err *err;
};

static int finish(struct vg_store *st, struct disp_op *op, const char *action)
{
    char *doc = vg_json_canonical(op->doc, NULL);
    int rc;
    op->d.doc = vg_arena_strdup(op->a, doc);
    free(doc);
    if (op->d.id == 0)
        rc = st->ops->disposal_insert(st, &op->d, op->err);
    else
        rc = st->ops->disposal_update(st, &op->d, op->err);
    if (rc)
        return rc;
    op->out = disposal_json(&op->d, op->d.updated_at);
    json_t *audit = json_pack("{s:I, s:s, s:I, s:s}", "id", (json_int_t)op->d.id, "state",
                              op->d.state, "target_org", (json_int_t)op->d.target_org,
                              "target_category", op->d.target_category);
    rc = vg_audit_append(st, op->who, action, "disposal",
                         vg_arena_printf(op->a, "%lld", (long long)op->d.id), audit,
                         op->d.updated_at, op->err);
    json_decref(audit);
    return rc;
}

static int create_tx(struct vg_store *st, void *ctx)
{
    struct disp_op *op = ctx;
    if (op->d.ioc_id) {
        struct vg_ioc_row r;
        int rc = st->ops->ioc_get(st, op->d.ioc_id, op->a, &r, op->err);
        if (rc == VG_ENOTFOUND) {
            vg_err_clear(op->err);
            return vg_err_field(op->err, VG_EINVAL, "indicator_id",
                                "indicator_id: no indicator %lld", (long long)op->d.ioc_id);
        }
        if (rc)
            return rc;
    }
    return finish(st, op, "disposal.create");
}

int vg_svc_disposal_create(struct vg_server *srv, const struct vg_actor *who, json_t *body,
                           json_t **out, struct vg_err *err)
{
    static const char *const keys[] = {"title", "threat", "indicator_id", "target_category",
                                       "note", NULL};
    struct disp_op op;
    const char *title = NULL, *threat = NULL, *note = NULL;
    int cat = 2, rc;
    int64_t ioc = 0, now = vg_time_now_ms();
    if ((rc = vg_authz(who, VG_ACT_DISPOSAL_STAFF, err)) != VG_OK)
        return rc;
    if ((rc = vg_json_only(body, keys, NULL, err)) ||
        (rc = vg_json_str(body, "title", 1, 500, &title, err)) ||
        (rc = vg_json_str(body, "threat", 1, 20000, &threat, err)) ||
        (rc = vg_json_int(body, "indicator_id", 0, 1, INT64_MAX, &ioc, err)) ||
        (rc = vg_json_enum(body, "target_category", 0, categories, &cat, err)) ||
        (rc = vg_json_str(body, "note", 0, 4000, &note, err)))
        return rc;
    memset(&op, 0, sizeof(op));
    op.srv = srv;
    op.who = who;
    op.err = err;
    op.a = vg_arena_new(0);
    op.d.state = "reported";
    op.d.ioc_id = ioc;
    op.d.target_category = categories[cat];
    op.d.created_by = who->user_id;
    op.d.created_at = op.d.updated_at = now;
    op.doc = json_pack("{s:s, s:s}", "title", title, "threat", threat);
    history(op.doc, who, now, NULL, "reported", note);
    rc = vg__tx(srv, 1, create_tx, &op, err);
    json_decref(op.doc);
    vg_arena_free(op.a);
    return vg__result(rc, op.out, out);
}

/* Staff see every notice; the target unit those addressed to it. */
static int load(struct vg_store *st, const struct vg_actor *who, int64_t id, struct vg_arena *a,
                struct vg_disposal *d, struct vg_err *err)
{
    int rc = st->ops->disposal_get(st, id, a, d, err);
    if (rc == VG_OK && !vg__staff(who) && (d->target_org != who->org_id || d->issued_at == 0))
        rc = VG_ENOTFOUND;
    if (rc == VG_ENOTFOUND) {
        vg_err_clear(err);
        return vg_err_set(err, VG_ENOTFOUND, "disposal notice %lld not found", (long long)id);
    }
    return rc;
}

int vg_svc_disposal_get(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                        json_t **out, struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_disposal d;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_DISPOSAL_READ, err)) != VG_OK)
        return rc;
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = load(st, who, id, a, &d, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK)
        *out = disposal_json(&d, vg_time_now_ms());
    vg_arena_free(a);
    return rc;
}

int vg_svc_disposal_list(struct vg_server *srv, const struct vg_actor *who, const char *state,
                         int overdue, struct vg_page pg, json_t **out, struct vg_err *err)
{
    struct vg_disposal_filter f = {.state = state, .overdue = overdue, .now = vg_time_now_ms()};
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_disposal *ds;
    size_t n;
    int rc, ok = 0;
    if ((rc = vg_authz(who, VG_ACT_DISPOSAL_READ, err)) != VG_OK)
        return rc;
    for (int i = 0; state && states[i]; i++)
        ok |= strcmp(states[i], state) == 0;
    if (state && !ok)
        return vg_err_field(err, VG_EINVAL, "state",
                            "state: reported, identified, notice_issued, executed, closed or appealed");
    if (!vg__staff(who))
        f.target_org = who->org_id;
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->disposal_list(st, &f, pg.after, pg.limit, a, &ds, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            if (vg__staff(who) || ds[i].issued_at)
                json_array_append_new(items, disposal_json(&ds[i], f.now));
        *out = json_pack("{s:o, s:o}", "items", items, "next_cursor",
                         (int)n == pg.limit && n
                             ? json_string(vg_arena_printf(a, "%lld", (long long)ds[n - 1].id))
                             : json_null());
    }
    vg_arena_free(a);
    return rc;
}

static int notify(struct vg_store *st, struct disp_op *op, int64_t org, const char *topic)
{
    json_t *body = disposal_json(&op->d, op->d.updated_at);
    int rc = vg__notify_org(st, org, topic, "disposal",
                            vg_arena_printf(op->a, "%lld", (long long)op->d.id), body,
                            op->d.updated_at, op->a, &op->queued, op->err);
    json_decref(body);
    return rc;
}

/* The operator org: the staff member's own, or found by kind. */
static int64_t operator_org(struct vg_store *st, const struct vg_actor *who, struct vg_arena *a)
{
    struct vg_org *os;
    size_t n;
    struct vg_err e = {0};
    if (who->org_kind == VG_ORG_OPERATOR)
        return who->org_id;
    if (st->ops->org_list_kind(st, VG_ORG_OPERATOR, a, &os, &n, &e) == VG_OK && n)
        return os[0].id;
    return 0;
}

static int move_tx(struct vg_store *st, void *ctx)
{
    struct disp_op *op = ctx;
    struct vg_disposal *d = &op->d;
    int64_t now = vg_time_now_ms();
    const char *to = NULL, *note = NULL, *report = NULL;
    int by = 0, rc, is_staff = vg__staff(op->who);
    int is_target;
    if ((rc = load(st, op->who, op->id, op->a, d, op->err)) != VG_OK)
        return rc;
    is_target = d->target_org == op->who->org_id && d->issued_at;
    op->doc = json_loads(d->doc, 0, NULL);
    if (op->doc == NULL)
        op->doc = json_object();
    if (op->ack) {
        if (!is_target)
            return vg_err_set(op->err, VG_EFORBIDDEN, "only the target unit acknowledges");
        if (strcmp(d->state, "notice_issued") != 0)
            return vg_err_set(op->err, VG_ETRANSITION, "the notice is %s, not notice_issued",
                              d->state);
        if (d->acknowledged_at == 0)
            d->acknowledged_at = now;
        d->updated_at = now;
        history(op->doc, op->who, now, d->state, d->state, "acknowledged");
        if ((rc = finish(st, op, "disposal.acknowledge")) != VG_OK)
            return rc;
        return VG_OK;
    }
    static const char *const keys[] = {"to", "note", "target_org_id", "measure", "deadline",
                                       "target_category", "report", NULL};
    if ((rc = vg_json_only(op->body, keys, NULL, op->err)) ||
        (rc = vg_json_str(op->body, "to", 1, 32, &to, op->err)) ||
        (rc = vg_json_str(op->body, "note", 0, 4000, &note, op->err)) ||
        (rc = vg_json_str(op->body, "report", 0, 20000, &report, op->err)))
        return rc;
    for (size_t i = 0; i < VG_ARRAY_LEN(moves); i++)
        if (strcmp(moves[i].from, d->state) == 0 && strcmp(moves[i].to, to) == 0)
            by = moves[i].by;
    if (by == 0) {
        int known = 0;
        for (int i = 0; states[i]; i++)
            known |= strcmp(states[i], to) == 0;
        if (!known)
            return vg_err_field(op->err, VG_EINVAL, "to",
                                "to: reported, identified, notice_issued, executed, closed or appealed");
        return vg_err_set(op->err, VG_ETRANSITION, "a notice in state %s cannot move to %s",
                          d->state, to);
    }
    if ((by == BY_STAFF && !is_staff) || (by == BY_TARGET && !is_target))
        return vg_err_set(op->err, VG_EFORBIDDEN, "%s → %s is for %s", d->state, to,
                          by == BY_STAFF ? "the operator's analysts" : "the target unit");
    const char *from = d->state;
    int first_issue = 0;
    if (strcmp(to, "notice_issued") == 0) {
        int64_t target = d->target_org, deadline = d->deadline;
        int m = -1, cat = -1;
        if ((rc = vg_json_int(op->body, "target_org_id", from[0] == 'i', 1, INT64_MAX, &target,
                              op->err)) ||
            (rc = vg_json_enum(op->body, "measure", from[0] == 'i', measures, &m, op->err)) ||
            (rc = vg_json_time(op->body, "deadline", from[0] == 'i', &deadline, op->err)) ||
            (rc = vg_json_enum(op->body, "target_category", 0, categories, &cat, op->err)))
            return rc;
        if (deadline <= now && json_object_get(op->body, "deadline"))
            return vg_err_field(op->err, VG_EINVAL, "deadline", "deadline: must be in the future");
        struct vg_org o;
        if ((rc = st->ops->org_get(st, target, op->a, &o, op->err)) == VG_ENOTFOUND) {
            vg_err_clear(op->err);
            return vg_err_field(op->err, VG_EINVAL, "target_org_id",
                                "target_org_id: no unit %lld", (long long)target);
        }
        if (rc)
            return rc;
        first_issue = d->issued_at == 0;
        d->target_org = target;
        d->deadline = deadline;
        if (m >= 0)
            d->measure = measures[m];
        if (cat >= 0)
            d->target_category = categories[cat];
        d->issued_at = now;
    } else if (strcmp(to, "executed") == 0) {
        if (report == NULL)
            return vg_err_field(op->err, VG_EMISSING, "report",
                                "report: what was done to execute the measure");
        json_object_set_new(op->doc, "execution_report", json_string(report));
        d->executed_at = now;
    } else if (strcmp(to, "appealed") == 0) {
        if (note == NULL)
            return vg_err_field(op->err, VG_EMISSING, "note", "note: the grounds of the appeal");
        json_object_set_new(op->doc, "appeal", json_string(note));
    } else if (strcmp(to, "closed") == 0) {
        d->closed_at = now;
    }
    d->state = to;
    d->updated_at = now;
    history(op->doc, op->who, now, from, to, note);
    if ((rc = finish(st, op, "disposal.transition")) != VG_OK)
        return rc;
    /* Who hears of it, in this transaction. */
    if (strcmp(to, "notice_issued") == 0) {
        if ((rc = notify(st, op, d->target_org, "disposal.notice")) != VG_OK)
            return rc;
        if (priority(d->target_category) && first_issue) {
            int64_t opr = operator_org(st, op->who, op->a);
            if (opr && (rc = notify(st, op, opr, "disposal.priority_target")) != VG_OK)
                return rc;
            json_object_set_new(op->out, "additional_notices",
                                json_pack("[s]", "operator_staff"));
        }
    } else if (strcmp(to, "executed") == 0 || strcmp(to, "appealed") == 0) {
        int64_t opr = operator_org(st, op->who, op->a);
        if (opr && (rc = notify(st, op, opr,
                                to[0] == 'e' ? "disposal.executed" : "disposal.appealed")) != VG_OK)
            return rc;
    }
    return VG_OK;
}

static int run_move(struct vg_server *srv, struct disp_op *op, json_t **out)
{
    int rc;
    op->a = vg_arena_new(0);
    rc = vg__tx(srv, 1, move_tx, op, op->err);
    json_decref(op->doc);
    vg_arena_free(op->a);
    if (rc) {
        json_decref(op->out);
        return rc;
    }
    if (op->queued)
        vg_notifier_kick(srv->notifier);
    *out = op->out;
    return VG_OK;
}

int vg_svc_disposal_transition(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                               json_t *body, json_t **out, struct vg_err *err)
{
    struct disp_op op;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_DISPOSAL_READ, err)) != VG_OK)
        return rc;
    if (!vg__staff(who) && (rc = vg_authz(who, VG_ACT_DISPOSAL_RESPOND, err)) != VG_OK)
        return rc;
    memset(&op, 0, sizeof(op));
    op.srv = srv;
    op.who = who;
    op.id = id;
    op.body = body;
    op.err = err;
    return run_move(srv, &op, out);
}

int vg_svc_disposal_ack(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                        json_t **out, struct vg_err *err)
{
    struct disp_op op;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_DISPOSAL_RESPOND, err)) != VG_OK)
        return rc;
    memset(&op, 0, sizeof(op));
    op.srv = srv;
    op.who = who;
    op.id = id;
    op.ack = 1;
    op.err = err;
    return run_move(srv, &op, out);
}
