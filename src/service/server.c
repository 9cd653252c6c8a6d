/* The server context (config, store pool, key, sweeper), `vigil init`, demo
 * data, review tasks for expired suspensions, and the audit/task listings. */
#include "service/service_int.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "notify/notify.h"
#include "engine/cvss/grade.h"
#include "service/indicators.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int mkdir_p(const char *path)
{
    char tmp[512];
    vg_strlcpy(tmp, path, sizeof(tmp));
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int read_key(const char *data, unsigned char key[32], struct vg_err *err)
{
    char path[600];
    int fd;
    ssize_t n;
    snprintf(path, sizeof(path), "%s/secret.key", data);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vg_err_set(err, VG_ENOTFOUND, "%s: %s (run 'vigil init --data %s' first)", path,
                          strerror(errno), data);
    n = read(fd, key, 32);
    close(fd);
    if (n != 32)
        return vg_err_set(err, VG_EIO, "%s: not a 32-byte key", path);
    return VG_OK;
}

/* Reads DATA/signing.key, creating it on first use. */
static int signing_key(struct vg_server *srv, struct vg_err *err)
{
    char path[600];
    unsigned char h[32];
    int fd;
    snprintf(path, sizeof(path), "%s/signing.key", srv->cfg.data);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        crypto_sign_keypair(srv->sign_pk, srv->sign_sk);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, srv->sign_sk, 64) != 64) {
            if (fd >= 0)
                close(fd);
            return vg_err_set(err, VG_EIO, "cannot write %s: %s", path, strerror(errno));
        }
        close(fd);
    } else if (fd < 0) {
        return vg_err_set(err, VG_EIO, "%s: %s", path, strerror(errno));
    } else {
        ssize_t n = read(fd, srv->sign_sk, 64);
        close(fd);
        if (n != 64)
            return vg_err_set(err, VG_EIO, "%s: not a 64-byte Ed25519 key", path);
        crypto_sign_ed25519_sk_to_pk(srv->sign_pk, srv->sign_sk);
    }
    crypto_hash_sha256(h, srv->sign_pk, 32);
    vg_hex(h, 8, srv->key_id);
    return VG_OK;
}

/* Loads the operator's GB/T 30279 table when one is configured. */
static int gbt_table(struct vg_server *srv, struct vg_err *err)
{
    char buf[VG_GBT_MAX_TEXT + 1];
    FILE *f;
    size_t n;
    struct vg_err e = {0};
    if (srv->cfg.gbt_table[0] == '\0')
        return VG_OK;
    if ((f = fopen(srv->cfg.gbt_table, "rb")) == NULL)
        return vg_err_set(err, VG_EIO, "gbt-table %s: %s", srv->cfg.gbt_table, strerror(errno));
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    if (n > VG_GBT_MAX_TEXT)
        return vg_err_set(err, VG_ETOOBIG, "gbt-table %s: larger than %d bytes",
                          srv->cfg.gbt_table, VG_GBT_MAX_TEXT);
    srv->gbt_arena = vg_arena_new(0);
    if (vg_gbt_load(buf, n, srv->gbt_arena, &srv->gbt, &e) != VG_OK)
        return vg_err_set(err, VG_EINVAL, "gbt-table %s: %s: %s", srv->cfg.gbt_table, e.field,
                          e.msg);
    return VG_OK;
}

int vg_server_open(struct vg_server *srv, const struct vg_config *cfg, struct vg_err *err)
{
    int rc;
    memset(srv, 0, sizeof(*srv));
    srv->cfg = *cfg;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->cv, NULL);
    pthread_mutex_init(&srv->txmu, NULL);
    pthread_cond_init(&srv->txcv, NULL);
    pthread_mutex_init(&srv->rcpt_mu, NULL);
    if (sodium_init() < 0)
        return vg_err_set(err, VG_EBACKEND, "libsodium failed to initialise");
    vg_config_store_uri(cfg, srv->store_uri, sizeof(srv->store_uri));
    if ((rc = read_key(cfg->data, srv->key, err)) != VG_OK)
        return rc;
    if ((rc = signing_key(srv, err)) != VG_OK || (rc = gbt_table(srv, err)) != VG_OK)
        return rc;
    srv->auth_cache = vg_auth_cache_new();
    srv->kb = vg_kb_new();
    srv->expo = vg_expo_new();
    if ((rc = vg_pool_open(srv->store_uri, (int)cfg->threads + 2, &srv->pool, err)) != VG_OK)
        return rc;
    if ((rc = vg_kb_rebuild(srv, err)) != VG_OK)
        return rc;
    return vg_ioc_open(srv, err); /* indicators: the lookup index */
}

static void *sweeper_main(void *arg)
{
    struct vg_server *srv = arg;
    pthread_mutex_lock(&srv->mu);
    while (!srv->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += srv->cfg.sweep_interval;
        pthread_cond_timedwait(&srv->cv, &srv->mu, &ts);
        if (srv->stopping)
            break;
        pthread_mutex_unlock(&srv->mu);
        struct vg_err e = {0};
        int created = 0;
        if (vg_svc_sweep(srv, vg_time_now_ms(), &created, &e) != VG_OK)
            VG_LOG(VG_LOG_WARN, "event=sweep_failed msg=\"%s\"", e.msg);
        else if (created)
            VG_LOG(VG_LOG_INFO, "event=review_tasks_opened count=%d", created);
        pthread_mutex_lock(&srv->mu);
    }
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

int vg_server_start_sweeper(struct vg_server *srv, struct vg_err *err)
{
    if (pthread_create(&srv->sweeper, NULL, sweeper_main, srv) != 0)
        return vg_err_set(err, VG_EBACKEND, "cannot start the sweeper thread");
    srv->sweeper_running = 1;
    return VG_OK;
}

int vg_server_start_notifier(struct vg_server *srv, struct vg_err *err)
{
    struct vg_notify_cfg nc = {.backoff_ms = srv->cfg.webhook_backoff_ms,
                               .max_backoff_ms = 3600 * 1000,
                               .max_attempts = (int)srv->cfg.webhook_max_attempts,
                               .timeout_s = (int)srv->cfg.webhook_timeout};
    return vg_notifier_start(srv->pool, &nc, &srv->notifier, err);
}

void vg_server_close(struct vg_server *srv)
{
    vg_notifier_stop(srv->notifier);
    srv->notifier = NULL;
    if (srv->sweeper_running) {
        pthread_mutex_lock(&srv->mu);
        srv->stopping = 1;
        pthread_cond_broadcast(&srv->cv);
        pthread_mutex_unlock(&srv->mu);
        pthread_join(srv->sweeper, NULL);
        srv->sweeper_running = 0;
    }
    vg_ioc_stop(srv); /* its key index build holds a connection */
    vg_pool_close(srv->pool);
    srv->pool = NULL;
    vg_auth_cache_free(srv->auth_cache);
    srv->auth_cache = NULL;
    vg_kb_free(srv->kb);
    srv->kb = NULL;
    vg_expo_free(srv->expo);
    srv->expo = NULL;
    vg_arena_free(srv->gbt_arena);
    srv->gbt_arena = NULL;
    srv->gbt = NULL;
    vg_ioc_close(srv); /* indicators: the lookup index */
    sodium_memzero(srv->key, sizeof(srv->key));
    sodium_memzero(srv->sign_sk, sizeof(srv->sign_sk));
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->cv);
    pthread_mutex_destroy(&srv->txmu);
    pthread_cond_destroy(&srv->txcv);
    pthread_mutex_destroy(&srv->rcpt_mu);
}

/* ---- init ---- */

struct init_op {
    const struct vg_config *cfg;
    unsigned char key[32];
    struct vg_org org;
    struct vg_user user;
    struct vg_token tok;
    char token[80];
    struct vg_err *err;
};

static int init_tx(struct vg_store *st, void *ctx)
{
    struct init_op *op = ctx;
    int64_t now = vg_time_now_ms();
    char id[32];
    json_t *j;
    int rc;
    op->org.name = op->cfg->org;
    op->org.kind = VG_ORG_OPERATOR;
    op->org.status = VG_ORG_ACTIVE;
    op->org.created_at = op->org.updated_at = now;
    if ((rc = st->ops->org_insert(st, &op->org, op->err)) != VG_OK)
        return rc;
    j = vg__org_json(&op->org);
    snprintf(id, sizeof(id), "%lld", (long long)op->org.id);
    rc = vg_audit_append(st, &vg_system_actor, "org.create", "org", id, j, now, op->err);
    json_decref(j);
    if (rc)
        return rc;
    op->user.org_id = op->org.id;
    op->user.name = op->cfg->admin;
    op->user.role = VG_ROLE_ADMIN;
    op->user.created_at = now;
    if ((rc = st->ops->user_insert(st, &op->user, op->err)) != VG_OK)
        return rc;
    j = vg__user_json(&op->user);
    snprintf(id, sizeof(id), "%lld", (long long)op->user.id);
    rc = vg_audit_append(st, &vg_system_actor, "user.create", "user", id, j, now, op->err);
    json_decref(j);
    if (rc)
        return rc;
    vg_token_generate(op->token);
    vg_token_hash(op->key, op->token, op->tok.hash);
    op->tok.user_id = op->user.id;
    op->tok.name = "init";
    op->tok.created_at = now;
    if ((rc = st->ops->token_insert(st, &op->tok, op->err)) != VG_OK)
        return rc;
    j = json_pack("{s:I, s:I, s:s}", "id", (json_int_t)op->tok.id, "user_id",
                  (json_int_t)op->tok.user_id, "name", "init");
    snprintf(id, sizeof(id), "%lld", (long long)op->tok.id);
    rc = vg_audit_append(st, &vg_system_actor, "token.create", "token", id, j, now, op->err);
    json_decref(j);
    return rc;
}

int vg_svc_init(const struct vg_config *cfg, int64_t *org_id, int64_t *user_id,
                char token_out[80], struct vg_err *err)
{
    char path[600], uri[1100];
    struct vg_store *st = NULL;
    struct init_op op;
    struct stat sb;
    int fd = -1, rc = VG_OK;
    memset(&op, 0, sizeof(op));
    op.cfg = cfg;
    op.err = err;
    if (sodium_init() < 0)
        return vg_err_set(err, VG_EBACKEND, "libsodium failed to initialise");
    if (mkdir_p(cfg->data) != 0)
        return vg_err_set(err, VG_EIO, "cannot create %s: %s", cfg->data, strerror(errno));
    snprintf(path, sizeof(path), "%s/secret.key", cfg->data);
    vg_config_store_uri(cfg, uri, sizeof(uri));
    if (stat(path, &sb) == 0)
        return vg_err_set(err, VG_ECONFLICT, "%s is already initialised (%s exists)", cfg->data,
                          path);
    if (strncmp(uri, "sqlite:", 7) == 0 && stat(uri + 7, &sb) == 0)
        return vg_err_set(err, VG_ECONFLICT, "%s is already initialised (%s exists)", cfg->data,
                          uri + 7);
    randombytes_buf(op.key, sizeof(op.key));
    if ((rc = vg_store_open(uri, 1, 1, &st, err)) != VG_OK)
        goto out;
    if ((rc = vg__tx_on(st, 1, init_tx, &op, err)) != VG_OK)
        goto out;
    /* The key is written last: its presence marks a finished init. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, op.key, 32) != 32) {
        rc = vg_err_set(err, VG_EIO, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    *org_id = op.org.id;
    *user_id = op.user.id;
    memcpy(token_out, op.token, sizeof(op.token));
out:
    if (fd >= 0)
        close(fd);
    vg_store_close(st);
    sodium_memzero(op.key, sizeof(op.key));
    sodium_memzero(op.token, sizeof(op.token));
    return rc;
}

int vg_svc_seed_demo(struct vg_server *srv, const struct vg_actor *admin, struct vg_err *err)
{
    static const struct {
        const char *org, *country, *user;
        int kind, role;
    } demo[] = {
        {"CyberSec Labs", "CN", "analyst.cyberseclabs", VG_ORG_MEMBER, VG_ROLE_MEMBER},
        {"CloudNet Services", "CN", "soc.cloudnet", VG_ORG_MEMBER, VG_ROLE_MEMBER},
        {"Apex Software", "CN", "psirt.apexsoft", VG_ORG_VENDOR, VG_ROLE_VENDOR},
        {"Metro Power Grid", "CN", "it.metropower", VG_ORG_INDUSTRY, VG_ROLE_MEMBER},
        {"Harbour City Bank", "CN", "sec.harbourbank", VG_ORG_INDUSTRY, VG_ROLE_MEMBER},
        {"Regional Peer CERT", "CN", "sync.peercert", VG_ORG_PEER, VG_ROLE_MEMBER},
    };
    static const char *const staff = "analyst";
    int rc = VG_OK;
    json_t *o = NULL, *u = NULL;
    struct vg_user_create ur = {.org_id = admin->org_id, .name = staff, .role = VG_ROLE_ANALYST};
    if ((rc = vg_svc_user_create(srv, admin, &ur, &u, err)) != VG_OK)
        return rc;
    json_decref(u);
    for (size_t i = 0; i < VG_ARRAY_LEN(demo); i++) {
        struct vg_org_create oc = {.name = demo[i].org, .kind = demo[i].kind,
                                   .country = demo[i].country};
        if ((rc = vg_svc_org_create(srv, admin, &oc, &o, err)) != VG_OK)
            return rc;
        struct vg_user_create uc = {.org_id = json_integer_value(json_object_get(o, "id")),
                                    .name = demo[i].user, .role = demo[i].role};
        json_decref(o);
        if ((rc = vg_svc_user_create(srv, admin, &uc, &u, err)) != VG_OK)
            return rc;
        json_decref(u);
    }
    return VG_OK;
}

/* ---- review tasks ---- */

struct sweep_op {
    int64_t now;
    int created;
    struct vg_arena *a;
    struct vg_err *err;
};

static int sweep_tx(struct vg_store *st, void *c)
{
    struct sweep_op *op = c;
    struct vg_org *os;
    size_t n;
    int rc = st->ops->org_expired(st, op->now, op->a, &os, &n, op->err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct vg_task t;
        char until[32];
        memset(&t, 0, sizeof(t));
        vg_time_format(os[i].status_until, until);
        t.kind = "suspension_review";
        t.object_type = "org";
        t.object_id = vg_arena_printf(op->a, "%lld", (long long)os[i].id);
        t.summary = vg_arena_printf(op->a,
                                    "suspension of %s ended %s: review and reinstate or extend",
                                    os[i].name, until);
        t.created_at = op->now;
        t.due_at = os[i].status_until;
        rc = st->ops->task_insert(st, &t, op->err);
        if (rc == VG_ECONFLICT) { /* already open for this org */
            vg_err_clear(op->err);
            continue;
        }
        if (rc)
            return rc;
        json_t *j = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)t.id, "kind", t.kind, "org",
                              t.object_id, "summary", t.summary);
        rc = vg_audit_append(st, &vg_system_actor, "task.open", "task",
                             vg_arena_printf(op->a, "%lld", (long long)t.id), j, op->now, op->err);
        json_decref(j);
        if (rc)
            return rc;
        op->created++;
    }
    return VG_OK;
}

int vg_svc_sweep(struct vg_server *srv, int64_t now, int *created, struct vg_err *err)
{
    struct sweep_op op = {.now = now, .err = err, .a = vg_arena_new(0)};
    int rc = vg__tx(srv, 1, sweep_tx, &op, err);
    vg_arena_free(op.a);
    if (created)
        *created = rc == VG_OK ? op.created : 0;
    return rc;
}

static json_t *task_json(const struct vg_task *t)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(t->id));
    json_object_set_new(j, "kind", json_string(t->kind));
    json_object_set_new(j, "object_type", json_string(t->object_type));
    json_object_set_new(j, "object_id", json_string(t->object_id));
    json_object_set_new(j, "summary", json_string(t->summary));
    json_object_set_new(j, "state", json_string(t->closed_at ? "closed" : "open"));
    json_object_set_new(j, "created_at", vg__time_json(t->created_at));
    json_object_set_new(j, "due_at", vg__time_json(t->due_at));
    json_object_set_new(j, "closed_at", vg__time_json(t->closed_at));
    json_object_set_new(j, "closed_by", t->closed_by ? json_integer(t->closed_by) : json_null());
    json_object_set_new(j, "resolution", t->resolution ? json_string(t->resolution) : json_null());
    return j;
}

int vg_svc_task_list(struct vg_server *srv, const struct vg_actor *who, int open_only,
                     struct vg_page pg, json_t **out, struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_task *ts;
    size_t n;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_TASK_READ, err)) != VG_OK)
        return rc;
    /* Reading the list also catches up on suspensions that ended since the
     * last sweep, so an analyst never sees a stale list. */
    if ((rc = vg_svc_sweep(srv, vg_time_now_ms(), NULL, err)) != VG_OK)
        return rc;
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->task_list(st, open_only, pg.after, pg.limit, a, &ts, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, task_json(&ts[i]));
        *out = vg__page_json(items, n, pg.limit, n ? ts[n - 1].id : 0);
    }
    vg_arena_free(a);
    return rc;
}

struct task_op {
    const struct vg_actor *who;
    int64_t id;
    const char *resolution;
    struct vg_arena *a;
    json_t *out;
    struct vg_err *err;
};

static int task_close_tx(struct vg_store *st, void *c)
{
    struct task_op *op = c;
    struct vg_task t;
    int64_t now = vg_time_now_ms();
    int rc = st->ops->task_get(st, op->id, op->a, &t, op->err);
    if (rc)
        return rc;
    if (t.closed_at)
        return vg_err_set(op->err, VG_ECONFLICT, "task %lld is already closed", (long long)t.id);
    if ((rc = st->ops->task_close(st, t.id, op->who->user_id, op->resolution, now, op->err)))
        return rc;
    if ((rc = st->ops->task_get(st, t.id, op->a, &t, op->err)) != VG_OK)
        return rc;
    op->out = task_json(&t);
    return vg_audit_append(st, op->who, "task.close", "task",
                           vg_arena_printf(op->a, "%lld", (long long)t.id), op->out, now, op->err);
}

int vg_svc_task_close(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                      const char *resolution, json_t **out, struct vg_err *err)
{
    struct task_op op = {.who = who, .id = id, .resolution = resolution, .err = err};
    int rc;
    if ((rc = vg_authz(who, VG_ACT_TASK_CLOSE, err)) != VG_OK)
        return rc;
    op.a = vg_arena_new(0);
    rc = vg__tx(srv, 1, task_close_tx, &op, err);
    vg_arena_free(op.a);
    return vg__result(rc, op.out, out);
}

/* ---- audit listing, figures, backup ---- */

int vg_svc_audit_list(struct vg_server *srv, const struct vg_actor *who, struct vg_page pg,
                      json_t **out, struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_audit *es;
    size_t n;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_AUDIT_READ, err)) != VG_OK)
        return rc;
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->audit_list(st, pg.after, pg.limit, a, &es, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *j = json_object();
            json_t *payload = NULL;
            json_object_set_new(j, "seq", json_integer(es[i].seq));
            json_object_set_new(j, "at", vg__time_json(es[i].at));
            json_object_set_new(j, "actor_user",
                                es[i].actor_user ? json_integer(es[i].actor_user) : json_null());
            json_object_set_new(j, "actor_org",
                                es[i].actor_org ? json_integer(es[i].actor_org) : json_null());
            json_object_set_new(j, "action", json_string(es[i].action));
            json_object_set_new(j, "object_type", json_string(es[i].object_type));
            json_object_set_new(j, "object_id", json_string(es[i].object_id));
            if (es[i].payload)
                payload = json_loads(es[i].payload, 0, NULL);
            json_object_set_new(j, "payload", payload ? payload : json_null());
            json_object_set_new(j, "payload_hash", json_string(es[i].payload_hash));
            json_object_set_new(j, "prev_hash", json_string(es[i].prev_hash));
            json_object_set_new(j, "hash", json_string(es[i].hash));
            json_array_append_new(items, j);
        }
        *out = vg__page_json(items, n, pg.limit, n ? es[n - 1].seq : 0);
    }
    vg_arena_free(a);
    return rc;
}

int vg_svc_stats(struct vg_server *srv, struct vg_store_stats *out, struct vg_err *err)
{
    struct vg_store *st = vg_pool_get(srv->pool);
    int rc = st->ops->stats(st, out, err);
    vg_pool_put(srv->pool, st);
    return rc;
}

