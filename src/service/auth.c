/* Identity and authorization: tokens are 256 random bits, stored only as a
 * keyed BLAKE2b hash (a fast keyed hash, not argon2, so every request can be
 * authenticated cheaply); passwords use argon2id. The decision table below is
 * the one place that says which (role, org kind, org status) may do what. */
#include "service/service_int.h"
#include "core/json.h"
#include "core/util.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Authenticating every request against the store costs a three-table join;
 * identities are cached by token hash instead. Entries carry the generation
 * they were read under; any change to tokens, users or a unit's status bumps
 * the generation, so a revocation or suspension takes effect on the very next
 * request. Expiry is checked on every hit. */
#define AUTH_SLOTS 4096

struct auth_entry {
    unsigned char hash[32];
    uint64_t gen; /* 0 = empty */
    struct vg_actor actor;
    int64_t expires_at;
    char user_name[128], org_name[208];
};

struct vg_auth_cache {
    pthread_mutex_t mu;
    uint64_t gen;
    struct auth_entry slot[AUTH_SLOTS];
};

struct vg_auth_cache *vg_auth_cache_new(void)
{
    struct vg_auth_cache *c = vg_xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    c->gen = 1;
    return c;
}

void vg_auth_cache_free(struct vg_auth_cache *c)
{
    if (c) {
        pthread_mutex_destroy(&c->mu);
        free(c);
    }
}

void vg_auth_cache_invalidate(struct vg_auth_cache *c)
{
    if (c) {
        pthread_mutex_lock(&c->mu);
        c->gen++;
        pthread_mutex_unlock(&c->mu);
    }
}

static size_t slot_of(const unsigned char h[32])
{
    size_t i;
    memcpy(&i, h, sizeof(i)); /* the hash is uniformly distributed */
    return i % AUTH_SLOTS;
}

/* 1 and *out filled (strings in a) on a fresh hit. */
static int cache_get(struct vg_auth_cache *c, const unsigned char h[32], struct vg_arena *a,
                     struct vg_actor *out, int64_t *expires_at)
{
    struct auth_entry *e = &c->slot[slot_of(h)];
    int hit = 0;
    pthread_mutex_lock(&c->mu);
    if (e->gen == c->gen && sodium_memcmp(e->hash, h, 32) == 0) {
        *out = e->actor;
        out->user_name = vg_arena_strdup(a, e->user_name);
        out->org_name = vg_arena_strdup(a, e->org_name);
        *expires_at = e->expires_at;
        hit = 1;
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

static void cache_put(struct vg_auth_cache *c, uint64_t gen, const unsigned char h[32],
                      const struct vg_actor *a, int64_t expires_at)
{
    struct auth_entry *e = &c->slot[slot_of(h)];
    pthread_mutex_lock(&c->mu);
    if (gen == c->gen) { /* nothing changed while the store was read */
        memcpy(e->hash, h, 32);
        e->gen = gen;
        e->actor = *a;
        e->expires_at = expires_at;
        vg_strlcpy(e->user_name, a->user_name ? a->user_name : "", sizeof(e->user_name));
        vg_strlcpy(e->org_name, a->org_name ? a->org_name : "", sizeof(e->org_name));
        e->actor.user_name = e->actor.org_name = NULL;
    }
    pthread_mutex_unlock(&c->mu);
}

static uint64_t cache_gen(struct vg_auth_cache *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t g = c->gen;
    pthread_mutex_unlock(&c->mu);
    return g;
}

const struct vg_actor vg_system_actor = {
    .user_id = 0, .org_id = 0, .role = VG_ROLE_ADMIN, .org_kind = VG_ORG_OPERATOR,
    .org_status = VG_ORG_ACTIVE, .user_name = "system", .org_name = "system",
};

void vg_token_generate(char out[80])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    memcpy(out, "vg_", 3);
    sodium_bin2base64(out + 3, 77, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void vg_token_hash(const unsigned char key[32], const char *token, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), key, 32);
}

int vg_svc_authenticate(struct vg_server *srv, const char *token, struct vg_arena *a,
                        struct vg_actor *out, struct vg_err *err)
{
    unsigned char h[32];
    struct vg_token t;
    struct vg_user u;
    struct vg_org o;
    struct vg_store *st;
    int64_t expires_at = 0;
    uint64_t gen;
    int rc;
    size_t n;
    if (token == NULL || *token == '\0')
        return vg_err_set(err, VG_EUNAUTH, "authentication required: Authorization: Bearer <token>");
    n = strlen(token);
    if (n < 10 || n > 200 || strncmp(token, "vg_", 3) != 0)
        return vg_err_set(err, VG_EUNAUTH, "unknown token");
    vg_token_hash(srv->key, token, h);
    if (srv->auth_cache && cache_get(srv->auth_cache, h, a, out, &expires_at))
        goto check;
    gen = srv->auth_cache ? cache_gen(srv->auth_cache) : 0;
    st = vg_pool_get(srv->pool);
    rc = st->ops->token_auth(st, h, a, &t, &u, &o, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_ENOTFOUND) {
        vg_err_clear(err);
        return vg_err_set(err, VG_EUNAUTH, "unknown token");
    }
    if (rc)
        return rc;
    if (t.revoked_at)
        return vg_err_set(err, VG_EUNAUTH, "token revoked");
    memset(out, 0, sizeof(*out));
    out->user_id = u.id;
    out->org_id = o.id;
    out->token_id = t.id;
    out->role = u.role;
    out->org_kind = o.kind;
    out->org_status = o.status;
    out->status_until = o.status_until;
    out->user_name = u.name;
    out->org_name = o.name;
    expires_at = t.expires_at;
    if (srv->auth_cache)
        cache_put(srv->auth_cache, gen, h, out, expires_at);
check:
    if (expires_at && expires_at <= vg_time_now_ms())
        return vg_err_set(err, VG_EUNAUTH, "token expired");
    if (out->org_status == VG_ORG_REVOKED)
        return vg_err_set(err, VG_EFORBIDDEN, "unit %s is revoked", out->org_name);
    return VG_OK;
}

/* Who may do what. staff = admin or analyst of the operator org. */
struct rule {
    unsigned roles;  /* bit per enum vg_role */
    unsigned kinds;  /* bit per enum vg_org_kind */
    int write;       /* a write: denied to suspended units */
    int public_read; /* readable by a suspended unit */
};

#define R(x) (1u << (x))
#define ALL_ROLES (R(VG_ROLE_ADMIN) | R(VG_ROLE_ANALYST) | R(VG_ROLE_MEMBER) | R(VG_ROLE_VENDOR) | R(VG_ROLE_READER))
#define ALL_KINDS (R(VG_ORG_OPERATOR) | R(VG_ORG_MEMBER) | R(VG_ORG_VENDOR) | R(VG_ORG_INDUSTRY) | R(VG_ORG_PEER))
#define STAFF R(VG_ROLE_ADMIN) | R(VG_ROLE_ANALYST), R(VG_ORG_OPERATOR)
#define ADMIN R(VG_ROLE_ADMIN), R(VG_ORG_OPERATOR)

static const struct rule rules[VG_ACT_COUNT] = {
    [VG_ACT_ME] = {ALL_ROLES, ALL_KINDS, 0, 1},
    [VG_ACT_ORG_CREATE] = {ADMIN, 1, 0},
    [VG_ACT_ORG_READ_ANY] = {STAFF, 0, 0},
    [VG_ACT_ORG_READ_OWN] = {ALL_ROLES, ALL_KINDS, 0, 0},
    [VG_ACT_ORG_STATUS] = {STAFF, 1, 0},
    [VG_ACT_ORG_REVOKE] = {ADMIN, 1, 0},
    [VG_ACT_USER_CREATE] = {ADMIN, 1, 0},
    [VG_ACT_USER_READ_ANY] = {STAFF, 0, 0},
    [VG_ACT_USER_READ_OWN_ORG] = {ALL_ROLES, ALL_KINDS, 0, 0},
    [VG_ACT_TOKEN_OWN] = {ALL_ROLES, ALL_KINDS, 1, 0},
    [VG_ACT_TOKEN_ANY] = {ADMIN, 1, 0},
    [VG_ACT_TOKEN_READ_OWN] = {ALL_ROLES, ALL_KINDS, 0, 0},
    [VG_ACT_AUDIT_READ] = {STAFF, 0, 0},
    [VG_ACT_TASK_READ] = {STAFF, 0, 0},
    [VG_ACT_TASK_CLOSE] = {STAFF, 1, 0},
    [VG_ACT_CASE_SUBMIT] = {R(VG_ROLE_ADMIN) | R(VG_ROLE_ANALYST) | R(VG_ROLE_MEMBER) | R(VG_ROLE_VENDOR),
                            ALL_KINDS, 1, 0},
    [VG_ACT_CASE_READ] = {ALL_ROLES, ALL_KINDS, 0, 0},
    [VG_ACT_CASE_STAFF] = {STAFF, 1, 0},
    [VG_ACT_CASE_COMMENT] = {R(VG_ROLE_ADMIN) | R(VG_ROLE_ANALYST) | R(VG_ROLE_MEMBER) | R(VG_ROLE_VENDOR),
                             ALL_KINDS, 1, 0},
    [VG_ACT_CASE_FIX] = {R(VG_ROLE_ADMIN) | R(VG_ROLE_ANALYST) | R(VG_ROLE_VENDOR),
                         R(VG_ORG_OPERATOR) | R(VG_ORG_VENDOR), 1, 0},
    [VG_ACT_SUB_MANAGE] = {R(VG_ROLE_ADMIN) | R(VG_ROLE_ANALYST) | R(VG_ROLE_MEMBER) | R(VG_ROLE_VENDOR),
                           ALL_KINDS, 1, 0},
    [VG_ACT_INBOX_READ] = {ALL_ROLES, ALL_KINDS, 0, 0},
    [VG_ACT_VULN_IMPORT] = {STAFF, 1, 0},
    [VG_ACT_SBOM_WRITE] = {R(VG_ROLE_ADMIN) | R(VG_ROLE_ANALYST) | R(VG_ROLE_MEMBER) | R(VG_ROLE_VENDOR),
                           ALL_KINDS, 1, 0},
    [VG_ACT_SBOM_READ] = {ALL_ROLES, ALL_KINDS, 0, 0},
    /* ---- indicators, TAXII, disposal notices ---- */
    [VG_ACT_IOC_SUBMIT] = {R(VG_ROLE_ADMIN) | R(VG_ROLE_ANALYST) | R(VG_ROLE_MEMBER) | R(VG_ROLE_VENDOR),
                           ALL_KINDS, 1, 0},
    [VG_ACT_IOC_READ] = {ALL_ROLES, ALL_KINDS, 0, 1},
    [VG_ACT_DISPOSAL_STAFF] = {STAFF, 1, 0},
    [VG_ACT_DISPOSAL_READ] = {ALL_ROLES, ALL_KINDS, 0, 0},
    [VG_ACT_DISPOSAL_RESPOND] = {R(VG_ROLE_ADMIN) | R(VG_ROLE_ANALYST) | R(VG_ROLE_MEMBER) | R(VG_ROLE_VENDOR),
                                 ALL_KINDS, 1, 0},
};

int vg_authz(const struct vg_actor *who, int action, struct vg_err *err)
{
    const struct rule *r = &rules[action];
    if (who->org_status == VG_ORG_REVOKED)
        return vg_err_set(err, VG_EFORBIDDEN, "unit is revoked");
    if (who->org_status == VG_ORG_SUSPENDED && (r->write || !r->public_read))
        return vg_err_set(err, VG_ESUSPENDED, "unit %s is suspended", who->org_name ? who->org_name : "");
    if (!(r->roles & R(who->role)) || !(r->kinds & R(who->org_kind)))
        return vg_err_set(err, VG_EFORBIDDEN, "role %s of a %s unit may not do this",
                          vg_role_name(who->role), vg_org_kind_name(who->org_kind));
    return VG_OK;
}

int vg__staff(const struct vg_actor *who)
{
    return who && who->org_kind == VG_ORG_OPERATOR &&
           (who->role == VG_ROLE_ADMIN || who->role == VG_ROLE_ANALYST) &&
           who->org_status == VG_ORG_ACTIVE;
}

int vg_allowed(const struct vg_actor *who, int action)
{
    return vg_authz(who, action, NULL) == VG_OK;
}

int vg_svc_login(struct vg_server *srv, const char *name, const char *password,
                 struct vg_arena *a, json_t **out, struct vg_err *err)
{
    struct vg_store *st = vg_pool_get(srv->pool);
    struct vg_user u;
    struct vg_org o;
    struct vg_actor who;
    int rc = st->ops->user_by_name(st, name, a, &u, err);
    if (rc == VG_OK && (u.pwhash == NULL ||
                        crypto_pwhash_str_verify(u.pwhash, password, strlen(password)) != 0))
        rc = VG_ENOTFOUND;
    if (rc == VG_OK)
        rc = st->ops->org_get(st, u.org_id, a, &o, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_ENOTFOUND) {
        vg_err_clear(err);
        return vg_err_set(err, VG_EUNAUTH, "wrong name or password");
    }
    if (rc)
        return rc;
    memset(&who, 0, sizeof(who));
    who.user_id = u.id;
    who.org_id = o.id;
    who.role = u.role;
    who.org_kind = o.kind;
    who.org_status = o.status;
    who.user_name = u.name;
    who.org_name = o.name;
    struct vg_token_create req = {.user_id = u.id, .name = "login",
                                  .expires_at = vg_time_now_ms() + 12 * 3600 * 1000LL};
    return vg_svc_token_create(srv, &who, &req, out, err);
}
