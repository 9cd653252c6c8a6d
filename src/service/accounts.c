/* Units (orgs), their people (users) and API tokens; suspension, review and
 * reinstatement. Every write runs in one transaction with its audit entry. */
#include "service/service_int.h"
#include "core/json.h"
#include "core/util.h"

#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* A queued write operation; its owner sleeps on wake until it is done or
 * made the next leader (posted once, after done or lead is set), and a
 * leader waiting for more writes sleeps on cv. */
struct vg_txreq {
    int (*fn)(struct vg_store *st, void *ctx);
    void *ctx;
    struct vg_err *err;
    int rc, done, lead;
    int rerun; /* fn may run again after a rollback (vg_tx_hooks.rerun) */
    pthread_cond_t cv;
    sem_t wake;
    struct vg_txreq *next;
};

/* A batch of operations that may all run again runs without savepoints:
 * a savepoint made SQLite copy each page an operation changed first (the
 * tail page of every b-tree a case writes to) into its statement journal,
 * a third of the cost of a case's inserts. Should one fail, the whole
 * transaction is rolled back and the batch runs again, each operation in
 * its savepoint as any other batch; nothing of the first attempt remains. */
static int batch_bare(const struct vg_txreq *batch)
{
    for (const struct vg_txreq *r = batch; r; r = r->next)
        if (!r->rerun)
            return 0;
    return 1;
}

/* Group commit: runs a batch of write operations in one transaction, each in
 * a savepoint so that one failing operation undoes only itself (or, when
 * every one may run again, without: see batch_bare). Their audit entries
 * chain in queue order. A commit that fails fails them all. */
static void run_batch(struct vg_server *srv, struct vg_txreq *batch)
{
    struct vg_store *st = vg_pool_writer(srv->pool);
    struct vg_err be = {0};
    int bare = batch_bare(batch), rc, any;
again:
    rc = st->ops->begin(st, 1, &be);
    any = 0;
    for (struct vg_txreq *r = batch; r; r = r->next) {
        if (rc) {
            r->rc = vg_err_set(r->err, rc, "%s", be.msg);
            continue;
        }
        if (bare) {
            if ((r->rc = r->fn(st, r->ctx)) == VG_OK) {
                any = 1;
                continue;
            }
            /* undo it all, and run them again each in its savepoint (the
             * others ran without a word in their err: see vg_tx_hooks) */
            st->ops->rollback(st);
            vg_err_clear(r->err);
            bare = 0;
            goto again;
        }
        struct vg_err se = {0};
        if ((r->rc = st->ops->savepoint(st, 0, &se)) != VG_OK) {
            vg_err_set(r->err, r->rc, "%s", se.msg);
            continue;
        }
        r->rc = r->fn(st, r->ctx);
        if (r->rc != VG_OK) {
            if (st->ops->savepoint(st, 2, &se) != VG_OK) {
                rc = vg_err_set(&be, VG_EBACKEND, "cannot undo a failed operation: %s", se.msg);
                break;
            }
        } else if (st->ops->savepoint(st, 1, &se) != VG_OK) {
            r->rc = vg_err_set(r->err, VG_EBACKEND, "%s", se.msg);
        } else {
            any = 1;
        }
    }
    if (rc == VG_OK && any)
        rc = st->ops->commit(st, &be);
    else if (rc == VG_OK)
        st->ops->rollback(st);
    if (rc != VG_OK) {
        st->ops->rollback(st);
        for (struct vg_txreq *r = batch; r; r = r->next)
            if (r->rc == VG_OK)
                r->rc = vg_err_set(r->err, rc, "%s", be.msg);
    }
    vg_pool_writer_put(srv->pool);
}

int vg__tx_on(struct vg_store *st, int write, int (*fn)(struct vg_store *st, void *ctx),
              void *ctx, struct vg_err *err)
{
    int rc = st->ops->begin(st, write, err);
    if (rc != VG_OK)
        return rc;
    rc = fn(st, ctx);
    if (rc == VG_OK)
        rc = st->ops->commit(st, err);
    if (rc != VG_OK)
        st->ops->rollback(st);
    return rc;
}

/* Whether a waiting leader has what it waits for (under txmu). */
static int tx_ready(const struct vg_server *srv)
{
    return srv->tx_coming <= 0 && srv->txq_len >= srv->tx_last;
}

static int tx_write(struct vg_server *srv, int expected, int (*fn)(struct vg_store *st, void *ctx),
                    void *ctx, const struct vg_tx_hooks *hooks, struct vg_err *err)
{
    /* The first to queue leads: it takes everything queued so far and runs
     * it as one batch. Then it wakes the owners of that batch, one by one,
     * and hands the lead to the first of those queued meanwhile, who takes
     * the next batch. Nobody else wakes: a broadcast woke every waiter to
     * find its operation still queued, on a machine whose cores the leader
     * needs. The owners sleep on a semaphore each, posted outside the
     * queue's lock: woken under it from a condition variable, each had to
     * take the lock again, behind the others of its batch. */
    struct vg_txreq me = {.fn = fn, .ctx = ctx, .err = err, .rerun = hooks && hooks->rerun};
    int leading;
    pthread_cond_init(&me.cv, NULL);
    sem_init(&me.wake, 0, 0);
    pthread_mutex_lock(&srv->txmu);
    if (srv->txq_tail)
        srv->txq_tail->next = &me;
    else
        srv->txq_head = &me;
    srv->txq_tail = &me;
    srv->txq_len++;
    if (expected)
        srv->tx_coming--;
    if (hooks && hooks->queued)
        hooks->queued(ctx);
    if (srv->tx_waiting && tx_ready(srv))
        pthread_cond_signal(&srv->tx_waiting->cv);
    if (!srv->tx_leader)
        srv->tx_leader = me.lead = 1;
    leading = me.lead;
    pthread_mutex_unlock(&srv->txmu);
    /* a leader may take the op meanwhile, and even finish it */
    if (hooks && hooks->prepare)
        hooks->prepare(ctx);
    /* Not the leader: exactly one post comes, after done or lead is set
     * (the post orders those writes before these reads). Waiting for it
     * even when done is set already keeps me alive until the leader is
     * through with it. */
    if (!leading)
        while (sem_wait(&me.wake) != 0)
            ;
    if (!me.done) {
        pthread_mutex_lock(&srv->txmu);
        /* Announced writes being prepared would each pay a commit of their
         * own a moment later: wait for them, briefly. So would the owners of
         * the last batch, whose next writes come back together: under a
         * steady load, wait (as briefly) until as many are queued again.
         * A wait that times out makes the next one shorter or none. */
        if (!tx_ready(srv)) {
            struct timespec until;
            vg_deadline_us(&until, VG_TX_WAIT_US);
            srv->tx_waiting = &me;
            while (!tx_ready(srv) && pthread_cond_timedwait(&me.cv, &srv->txmu, &until) == 0)
                ;
            srv->tx_waiting = NULL;
        }
        struct vg_txreq *batch = srv->txq_head, *next_lead;
        srv->txq_head = srv->txq_tail = NULL;
        srv->tx_last = srv->txq_len;
        srv->txq_len = 0;
        pthread_mutex_unlock(&srv->txmu);
        run_batch(srv, batch);
        pthread_mutex_lock(&srv->txmu);
        for (struct vg_txreq *r = batch; r; r = r->next)
            r->done = 1;
        if ((next_lead = srv->txq_head) != NULL)
            next_lead->lead = 1;
        else
            srv->tx_leader = 0;
        pthread_mutex_unlock(&srv->txmu);
        for (struct vg_txreq *r = batch; r;) {
            struct vg_txreq *next = r->next; /* r may be gone once posted */
            if (r != &me)
                sem_post(&r->wake);
            r = next;
        }
        if (next_lead)
            sem_post(&next_lead->wake);
    }
    sem_destroy(&me.wake);
    pthread_cond_destroy(&me.cv);
    return me.rc;
}

int vg__tx(struct vg_server *srv, int write, int (*fn)(struct vg_store *st, void *ctx), void *ctx,
           struct vg_err *err)
{
    if (!write) {
        struct vg_store *st = vg_pool_get(srv->pool);
        int rc = vg__tx_on(st, 0, fn, ctx, err);
        vg_pool_put(srv->pool, st);
        return rc;
    }
    return tx_write(srv, 0, fn, ctx, NULL, err);
}

void vg__tx_expect(struct vg_server *srv, int delta)
{
    pthread_mutex_lock(&srv->txmu);
    srv->tx_coming += delta;
    if (srv->tx_waiting && tx_ready(srv))
        pthread_cond_signal(&srv->tx_waiting->cv);
    pthread_mutex_unlock(&srv->txmu);
}

int vg__tx_expected(struct vg_server *srv, int (*fn)(struct vg_store *st, void *ctx), void *ctx,
                    struct vg_err *err)
{
    return tx_write(srv, 1, fn, ctx, NULL, err);
}

int vg__tx_expected_hooked(struct vg_server *srv, int (*fn)(struct vg_store *st, void *ctx),
                           void *ctx, const struct vg_tx_hooks *hooks, struct vg_err *err)
{
    return tx_write(srv, 1, fn, ctx, hooks, err);
}

int vg__result(int rc, json_t *res, json_t **out)
{
    if (rc != VG_OK) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return VG_OK;
}

json_t *vg__time_json(int64_t ms)
{
    char b[32];
    if (ms == 0)
        return json_null();
    vg_time_format(ms, b);
    return json_string(b);
}

static char *id_str(struct vg_arena *a, int64_t id)
{
    return vg_arena_printf(a, "%lld", (long long)id);
}

json_t *vg__org_json(const struct vg_org *o)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(o->id));
    json_object_set_new(j, "name", json_string(o->name ? o->name : ""));
    json_object_set_new(j, "kind", json_string(vg_org_kind_name(o->kind)));
    json_object_set_new(j, "country", o->country ? json_string(o->country) : json_null());
    json_object_set_new(j, "status", json_string(vg_org_status_name(o->status)));
    json_object_set_new(j, "suspended_until",
                        o->status == VG_ORG_SUSPENDED ? vg__time_json(o->status_until) : json_null());
    json_object_set_new(j, "status_reason",
                        o->status_reason ? json_string(o->status_reason) : json_null());
    json_object_set_new(j, "created_at", vg__time_json(o->created_at));
    json_object_set_new(j, "updated_at", vg__time_json(o->updated_at));
    return j;
}

json_t *vg__user_json(const struct vg_user *u)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(u->id));
    json_object_set_new(j, "org_id", json_integer(u->org_id));
    json_object_set_new(j, "name", json_string(u->name ? u->name : ""));
    json_object_set_new(j, "role", json_string(vg_role_name(u->role)));
    json_object_set_new(j, "has_password", json_boolean(u->pwhash != NULL));
    json_object_set_new(j, "created_at", vg__time_json(u->created_at));
    return j;
}

static json_t *token_json(const struct vg_token *t)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(t->id));
    json_object_set_new(j, "user_id", json_integer(t->user_id));
    json_object_set_new(j, "name", json_string(t->name ? t->name : ""));
    json_object_set_new(j, "created_at", vg__time_json(t->created_at));
    json_object_set_new(j, "expires_at", vg__time_json(t->expires_at));
    json_object_set_new(j, "revoked_at", vg__time_json(t->revoked_at));
    return j;
}

json_t *vg__page_json(json_t *items, size_t n, int limit, int64_t last_id)
{
    json_t *j = json_object();
    json_object_set_new(j, "items", items);
    if ((int)n == limit && n > 0) {
        char c[32];
        snprintf(c, sizeof(c), "%lld", (long long)last_id);
        json_object_set_new(j, "next_cursor", json_string(c));
    } else {
        json_object_set_new(j, "next_cursor", json_null());
    }
    return j;
}

/* ---- orgs ---- */

struct org_op {
    const struct vg_actor *who;
    struct vg_arena *a;
    struct vg_org org;
    int64_t id, until;
    const char *reason;
    int new_status;
    json_t *out;
    struct vg_err *err;
};

static int org_create_tx(struct vg_store *st, void *c)
{
    struct org_op *op = c;
    int rc = st->ops->org_insert(st, &op->org, op->err);
    if (rc == VG_ECONFLICT) {
        vg_err_clear(op->err);
        return vg_err_field(op->err, VG_ECONFLICT, "name", "name: an org named '%s' exists",
                            op->org.name);
    }
    if (rc)
        return rc;
    op->out = vg__org_json(&op->org);
    return vg_audit_append(st, op->who, "org.create", "org", id_str(op->a, op->org.id), op->out,
                           op->org.created_at, op->err);
}

int vg_svc_org_create(struct vg_server *srv, const struct vg_actor *who,
                      const struct vg_org_create *req, json_t **out, struct vg_err *err)
{
    struct org_op op;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_ORG_CREATE, err)) != VG_OK)
        return rc;
    memset(&op, 0, sizeof(op));
    op.who = who;
    op.err = err;
    op.a = vg_arena_new(0);
    op.org.name = req->name;
    op.org.kind = req->kind;
    op.org.country = req->country;
    op.org.status = VG_ORG_ACTIVE;
    op.org.created_at = op.org.updated_at = vg_time_now_ms();
    rc = vg__tx(srv, 1, org_create_tx, &op, err);
    vg_arena_free(op.a);
    return vg__result(rc, op.out, out);
}

/* Staff see every org; anyone else only their own (others are 404). */
int vg_svc_org_get(struct vg_server *srv, const struct vg_actor *who, int64_t id, json_t **out,
                   struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_org o;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_ORG_READ_OWN, err)) != VG_OK)
        return rc;
    if (id != who->org_id && !vg_allowed(who, VG_ACT_ORG_READ_ANY))
        return vg_err_set(err, VG_ENOTFOUND, "org %lld not found", (long long)id);
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->org_get(st, id, a, &o, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK)
        *out = vg__org_json(&o);
    vg_arena_free(a);
    return rc;
}

int vg_svc_org_list(struct vg_server *srv, const struct vg_actor *who, struct vg_page pg,
                    json_t **out, struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_org *os;
    size_t n;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_ORG_READ_OWN, err)) != VG_OK)
        return rc;
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->org_list(st, pg.after, pg.limit,
                           vg_allowed(who, VG_ACT_ORG_READ_ANY) ? 0 : who->org_id, a, &os, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, vg__org_json(&os[i]));
        *out = vg__page_json(items, n, pg.limit, n ? os[n - 1].id : 0);
    }
    vg_arena_free(a);
    return rc;
}

static int org_status_tx(struct vg_store *st, void *c)
{
    struct org_op *op = c;
    struct vg_org o;
    int64_t now = vg_time_now_ms();
    const char *action;
    int rc = st->ops->org_get(st, op->id, op->a, &o, op->err);
    if (rc)
        return rc;
    if (o.kind == VG_ORG_OPERATOR)
        return vg_err_set(op->err, VG_ECONFLICT, "the operator org's status cannot change");
    switch (op->new_status) {
    case VG_ORG_SUSPENDED:
        if (o.status == VG_ORG_REVOKED)
            return vg_err_set(op->err, VG_ECONFLICT, "org %lld is revoked", (long long)o.id);
        action = o.status == VG_ORG_SUSPENDED ? "org.suspension_change" : "org.suspend";
        break;
    case VG_ORG_ACTIVE:
        if (o.status != VG_ORG_SUSPENDED)
            return vg_err_set(op->err, VG_ECONFLICT, "org %lld is %s, not suspended",
                              (long long)o.id, vg_org_status_name(o.status));
        action = "org.reinstate";
        break;
    default:
        if (o.status == VG_ORG_REVOKED)
            return vg_err_set(op->err, VG_ECONFLICT, "org %lld is already revoked",
                              (long long)o.id);
        action = "org.revoke";
        break;
    }
    if ((rc = st->ops->org_set_status(st, o.id, op->new_status, op->until, op->reason, now,
                                      op->err)) != VG_OK)
        return rc;
    /* Reinstatement (or revocation) settles any open review of the suspension. */
    if (op->new_status != VG_ORG_SUSPENDED &&
        (rc = st->ops->task_close_for(st, "suspension_review", "org", id_str(op->a, o.id),
                                      op->who->user_id, action, now, op->err)) != VG_OK)
        return rc;
    if ((rc = st->ops->org_get(st, o.id, op->a, &o, op->err)) != VG_OK)
        return rc;
    op->out = vg__org_json(&o);
    json_t *payload = json_pack("{s:s, s:O}", "reason", op->reason ? op->reason : "", "org", op->out);
    rc = vg_audit_append(st, op->who, action, "org", id_str(op->a, o.id), payload, now, op->err);
    json_decref(payload);
    return rc;
}

static int org_status(struct vg_server *srv, const struct vg_actor *who, int action, int64_t id,
                      int status, int64_t until, const char *reason, json_t **out,
                      struct vg_err *err)
{
    struct org_op op;
    int rc;
    if ((rc = vg_authz(who, action, err)) != VG_OK)
        return rc;
    memset(&op, 0, sizeof(op));
    op.who = who;
    op.err = err;
    op.id = id;
    op.new_status = status;
    op.until = until;
    op.reason = reason;
    op.a = vg_arena_new(0);
    rc = vg__tx(srv, 1, org_status_tx, &op, err);
    vg_auth_cache_invalidate(srv->auth_cache);
    vg_arena_free(op.a);
    return vg__result(rc, op.out, out);
}

int vg_svc_org_suspend(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                       int64_t until, const char *reason, json_t **out, struct vg_err *err)
{
    if (until <= vg_time_now_ms())
        return vg_err_field(err, VG_EINVAL, "until", "until: must be in the future");
    return org_status(srv, who, VG_ACT_ORG_STATUS, id, VG_ORG_SUSPENDED, until, reason, out, err);
}

int vg_svc_org_reinstate(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                         const char *reason, json_t **out, struct vg_err *err)
{
    return org_status(srv, who, VG_ACT_ORG_STATUS, id, VG_ORG_ACTIVE, 0, reason, out, err);
}

int vg_svc_org_revoke(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                      const char *reason, json_t **out, struct vg_err *err)
{
    return org_status(srv, who, VG_ACT_ORG_REVOKE, id, VG_ORG_REVOKED, 0, reason, out, err);
}

/* ---- users ---- */

/* Which roles a unit of each kind may hold. */
static int role_fits(int role, int kind)
{
    switch (role) {
    case VG_ROLE_ADMIN:
    case VG_ROLE_ANALYST:
        return kind == VG_ORG_OPERATOR;
    case VG_ROLE_VENDOR:
        return kind == VG_ORG_VENDOR;
    case VG_ROLE_MEMBER:
        return kind == VG_ORG_MEMBER || kind == VG_ORG_INDUSTRY || kind == VG_ORG_PEER;
    default:
        return 1;
    }
}

struct user_op {
    const struct vg_actor *who;
    struct vg_arena *a;
    struct vg_user user;
    json_t *out;
    struct vg_err *err;
};

static int user_create_tx(struct vg_store *st, void *c)
{
    struct user_op *op = c;
    struct vg_org o;
    int rc = st->ops->org_get(st, op->user.org_id, op->a, &o, op->err);
    if (rc == VG_ENOTFOUND) {
        vg_err_clear(op->err);
        return vg_err_field(op->err, VG_EINVAL, "org_id", "org_id: no org %lld",
                            (long long)op->user.org_id);
    }
    if (rc)
        return rc;
    if (o.status == VG_ORG_REVOKED)
        return vg_err_field(op->err, VG_ECONFLICT, "org_id", "org_id: org %lld is revoked",
                            (long long)o.id);
    if (!role_fits(op->user.role, o.kind))
        return vg_err_field(op->err, VG_EINVAL, "role", "role: a %s unit cannot have role %s",
                            vg_org_kind_name(o.kind), vg_role_name(op->user.role));
    rc = st->ops->user_insert(st, &op->user, op->err);
    if (rc == VG_ECONFLICT) {
        vg_err_clear(op->err);
        return vg_err_field(op->err, VG_ECONFLICT, "name", "name: a user named '%s' exists",
                            op->user.name);
    }
    if (rc)
        return rc;
    op->out = vg__user_json(&op->user);
    return vg_audit_append(st, op->who, "user.create", "user", id_str(op->a, op->user.id),
                           op->out, op->user.created_at, op->err);
}

int vg_svc_user_create(struct vg_server *srv, const struct vg_actor *who,
                       const struct vg_user_create *req, json_t **out, struct vg_err *err)
{
    struct user_op op;
    char pw[crypto_pwhash_STRBYTES];
    int rc;
    if ((rc = vg_authz(who, VG_ACT_USER_CREATE, err)) != VG_OK)
        return rc;
    memset(&op, 0, sizeof(op));
    op.who = who;
    op.err = err;
    op.user.org_id = req->org_id;
    op.user.name = req->name;
    op.user.role = req->role;
    op.user.created_at = vg_time_now_ms();
    if (req->password) {
        if (strlen(req->password) < 12)
            return vg_err_field(err, VG_EINVAL, "password", "password: at least 12 characters");
        if (crypto_pwhash_str(pw, req->password, strlen(req->password),
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            return vg_err_set(err, VG_ENOMEM, "password hashing failed");
        op.user.pwhash = pw;
    }
    op.a = vg_arena_new(0);
    rc = vg__tx(srv, 1, user_create_tx, &op, err);
    vg_arena_free(op.a);
    sodium_memzero(pw, sizeof(pw));
    return vg__result(rc, op.out, out);
}

int vg_svc_user_get(struct vg_server *srv, const struct vg_actor *who, int64_t id, json_t **out,
                    struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_user u;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_USER_READ_OWN_ORG, err)) != VG_OK)
        return rc;
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->user_get(st, id, a, &u, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK && u.org_id != who->org_id && !vg_allowed(who, VG_ACT_USER_READ_ANY))
        rc = vg_err_set(err, VG_ENOTFOUND, "user %lld not found", (long long)id);
    if (rc == VG_OK)
        *out = vg__user_json(&u);
    vg_arena_free(a);
    return rc;
}

int vg_svc_user_list(struct vg_server *srv, const struct vg_actor *who, int64_t org_id,
                     struct vg_page pg, json_t **out, struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_user *us;
    size_t n;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_USER_READ_OWN_ORG, err)) != VG_OK)
        return rc;
    if (!vg_allowed(who, VG_ACT_USER_READ_ANY)) {
        if (org_id && org_id != who->org_id)
            return vg_err_set(err, VG_ENOTFOUND, "org %lld not found", (long long)org_id);
        org_id = who->org_id;
    }
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->user_list(st, org_id, pg.after, pg.limit, a, &us, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, vg__user_json(&us[i]));
        *out = vg__page_json(items, n, pg.limit, n ? us[n - 1].id : 0);
    }
    vg_arena_free(a);
    return rc;
}

/* ---- tokens ---- */

struct token_op {
    const struct vg_actor *who;
    struct vg_arena *a;
    struct vg_token tok;
    const unsigned char *key;
    char secret[80];
    int64_t id;
    json_t *out;
    struct vg_err *err;
};

static int token_create_tx(struct vg_store *st, void *c)
{
    struct token_op *op = c;
    struct vg_user u;
    int rc = st->ops->user_get(st, op->tok.user_id, op->a, &u, op->err);
    if (rc == VG_ENOTFOUND) {
        vg_err_clear(op->err);
        return vg_err_field(op->err, VG_EINVAL, "user_id", "user_id: no user %lld",
                            (long long)op->tok.user_id);
    }
    if (rc)
        return rc;
    vg_token_generate(op->secret);
    vg_token_hash(op->key, op->secret, op->tok.hash);
    if ((rc = st->ops->token_insert(st, &op->tok, op->err)) != VG_OK)
        return rc;
    json_t *pub = token_json(&op->tok); /* the audit entry never holds the secret */
    rc = vg_audit_append(st, op->who, "token.create", "token", id_str(op->a, op->tok.id), pub,
                         op->tok.created_at, op->err);
    if (rc == VG_OK) {
        op->out = json_deep_copy(pub);
        json_object_set_new(op->out, "token", json_string(op->secret));
    }
    json_decref(pub);
    return rc;
}

int vg_svc_token_create(struct vg_server *srv, const struct vg_actor *who,
                        const struct vg_token_create *req, json_t **out, struct vg_err *err)
{
    struct token_op op;
    int rc;
    if (req->user_id == who->user_id)
        rc = vg_authz(who, VG_ACT_TOKEN_OWN, err);
    else
        rc = vg_authz(who, VG_ACT_TOKEN_ANY, err);
    if (rc)
        return rc;
    if (req->expires_at && req->expires_at <= vg_time_now_ms())
        return vg_err_field(err, VG_EINVAL, "expires_at", "expires_at: must be in the future");
    memset(&op, 0, sizeof(op));
    op.who = who;
    op.err = err;
    op.key = srv->key;
    op.tok.user_id = req->user_id;
    op.tok.name = req->name ? req->name : "api";
    op.tok.created_at = vg_time_now_ms();
    op.tok.expires_at = req->expires_at;
    op.a = vg_arena_new(0);
    rc = vg__tx(srv, 1, token_create_tx, &op, err);
    vg_arena_free(op.a);
    sodium_memzero(op.secret, sizeof(op.secret));
    return vg__result(rc, op.out, out);
}

static int token_revoke_tx(struct vg_store *st, void *c)
{
    struct token_op *op = c;
    struct vg_token t;
    int64_t now = vg_time_now_ms();
    int rc = st->ops->token_get(st, op->id, op->a, &t, op->err);
    if (rc)
        return rc;
    if (t.user_id != op->who->user_id && !vg_allowed(op->who, VG_ACT_TOKEN_ANY))
        return vg_err_set(op->err, VG_ENOTFOUND, "token %lld not found", (long long)op->id);
    if (t.revoked_at)
        return vg_err_set(op->err, VG_ECONFLICT, "token %lld is already revoked",
                          (long long)op->id);
    if ((rc = st->ops->token_revoke(st, t.id, now, op->err)) != VG_OK)
        return rc;
    t.revoked_at = now;
    op->out = token_json(&t);
    return vg_audit_append(st, op->who, "token.revoke", "token", id_str(op->a, t.id), op->out,
                           now, op->err);
}

int vg_svc_token_revoke(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                        json_t **out, struct vg_err *err)
{
    struct token_op op;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_TOKEN_OWN, err)) != VG_OK)
        return rc;
    memset(&op, 0, sizeof(op));
    op.who = who;
    op.err = err;
    op.id = id;
    op.a = vg_arena_new(0);
    rc = vg__tx(srv, 1, token_revoke_tx, &op, err);
    vg_auth_cache_invalidate(srv->auth_cache);
    vg_arena_free(op.a);
    return vg__result(rc, op.out, out);
}

int vg_svc_token_list(struct vg_server *srv, const struct vg_actor *who, int64_t user_id,
                      json_t **out, struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_token *ts;
    size_t n;
    int rc;
    if (user_id == 0)
        user_id = who->user_id;
    if ((rc = vg_authz(who, VG_ACT_TOKEN_READ_OWN, err)) != VG_OK)
        return rc;
    if (user_id != who->user_id && !vg_allowed(who, VG_ACT_TOKEN_ANY))
        return vg_err_set(err, VG_ENOTFOUND, "user %lld not found", (long long)user_id);
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->token_list(st, user_id, a, &ts, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, token_json(&ts[i]));
        *out = vg__page_json(items, n, 0, 0);
    }
    vg_arena_free(a);
    return rc;
}

int vg_svc_me(struct vg_server *srv, const struct vg_actor *who, struct vg_arena *a, json_t **out,
              struct vg_err *err)
{
    int rc;
    (void)srv;
    (void)a;
    if ((rc = vg_authz(who, VG_ACT_ME, err)) != VG_OK)
        return rc;
    json_t *j = json_object();
    json_object_set_new(j, "user_id", json_integer(who->user_id));
    json_object_set_new(j, "name", json_string(who->user_name ? who->user_name : ""));
    json_object_set_new(j, "role", json_string(vg_role_name(who->role)));
    json_object_set_new(j, "org_id", json_integer(who->org_id));
    json_object_set_new(j, "org_name", json_string(who->org_name ? who->org_name : ""));
    json_object_set_new(j, "org_kind", json_string(vg_org_kind_name(who->org_kind)));
    json_object_set_new(j, "org_status", json_string(vg_org_status_name(who->org_status)));
    json_object_set_new(j, "suspended_until", who->org_status == VG_ORG_SUSPENDED
                                                  ? vg__time_json(who->status_until)
                                                  : json_null());
    json_object_set_new(j, "token_id", json_integer(who->token_id));
    *out = j;
    return VG_OK;
}
