/* The audit chain: every write appends an entry in its own transaction; each
 * entry's hash covers the previous one, so an edit, a deletion or a reorder
 * made directly in the database breaks the chain at that entry. An anchor row
 * (the head's seq and hash) written with each append catches a cut tail. */
#include "service/service_int.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/sha256.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sha256_hex(const char *p, size_t n, char out[65])
{
    unsigned char h[32];
    vg_sha256(p, n, h);
    vg_hex(h, sizeof(h), out);
}

/* SHA-256 of the canonical JSON array [seq, at, actor_user, actor_org,
 * action, object_type, object_id, payload_hash, prev_hash], written as text. */
void vg_audit_hash(const struct vg_audit *e, char out[65])
{
    struct vg_buf b = {0};
    vg_buf_putc(&b, '[');
    vg_buf_put_i64(&b, e->seq);
    vg_buf_putc(&b, ',');
    vg_buf_put_i64(&b, e->at);
    vg_buf_putc(&b, ',');
    vg_buf_put_i64(&b, e->actor_user);
    vg_buf_putc(&b, ',');
    vg_buf_put_i64(&b, e->actor_org);
    vg_buf_putc(&b, ',');
    vg__jansson_str(&b, e->action);
    vg_buf_putc(&b, ',');
    vg__jansson_str(&b, e->object_type);
    vg_buf_putc(&b, ',');
    vg__jansson_str(&b, e->object_id);
    vg_buf_putc(&b, ',');
    vg__jansson_str(&b, e->payload_hash);
    vg_buf_putc(&b, ',');
    vg__jansson_str(&b, e->prev_hash);
    vg_buf_putc(&b, ']');
    sha256_hex(b.p, b.n, out);
    vg_buf_free(&b);
}

int vg_audit_append_text(struct vg_store *st, const struct vg_actor *who, const char *action,
                         const char *object_type, const char *object_id, const char *payload,
                         size_t n, int64_t at, struct vg_err *err)
{
    struct vg_audit e;
    int rc;
    memset(&e, 0, sizeof(e));
    if ((rc = st->ops->audit_head(st, &e.seq, e.prev_hash, err)) != VG_OK)
        return rc;
    e.seq++;
    e.at = at;
    e.actor_user = who->user_id;
    e.actor_org = who->org_id;
    e.action = action;
    e.object_type = object_type;
    e.object_id = object_id;
    e.payload = payload;
    sha256_hex(payload, n, e.payload_hash);
    vg_audit_hash(&e, e.hash);
    return st->ops->audit_insert(st, &e, err);
}

int vg_audit_append(struct vg_store *st, const struct vg_actor *who, const char *action,
                    const char *object_type, const char *object_id, const json_t *payload,
                    int64_t at, struct vg_err *err)
{
    size_t n = 2;
    char *canon = payload ? vg_json_canonical(payload, &n) : vg_xstrdup("{}");
    int rc = vg_audit_append_text(st, who, action, object_type, object_id, canon, n, at, err);
    free(canon);
    return rc;
}

int vg_audit_verify(struct vg_store *st, int64_t *count, int64_t *bad_seq, char *why,
                    size_t whylen, struct vg_err *err)
{
    struct vg_arena *a = vg_arena_new(0);
    char prev[65], h[65], anchor_hash[65];
    int64_t expect = 1, anchor_seq = 0;
    int rc = VG_OK;
    memset(prev, '0', 64);
    prev[64] = '\0';
    *count = 0;
    *bad_seq = 0;
    for (;;) {
        struct vg_audit *es;
        size_t n;
        vg_arena_reset(a);
        if ((rc = st->ops->audit_list(st, expect - 1, 1000, a, &es, &n, err)) != VG_OK)
            goto out;
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            struct vg_audit *e = &es[i];
            if (e->seq != expect) {
                *bad_seq = expect;
                snprintf(why, whylen, "entry %lld is missing (next is %lld)", (long long)expect,
                         (long long)e->seq);
                rc = VG_ECONFLICT;
                goto out;
            }
            sha256_hex(e->payload ? e->payload : "", e->payload ? strlen(e->payload) : 0, h);
            if (strcmp(h, e->payload_hash) != 0) {
                *bad_seq = e->seq;
                snprintf(why, whylen, "entry %lld: payload does not match its hash",
                         (long long)e->seq);
                rc = VG_ECONFLICT;
                goto out;
            }
            if (strcmp(prev, e->prev_hash) != 0) {
                *bad_seq = e->seq;
                snprintf(why, whylen, "entry %lld: prev_hash does not match entry %lld",
                         (long long)e->seq, (long long)e->seq - 1);
                rc = VG_ECONFLICT;
                goto out;
            }
            vg_audit_hash(e, h);
            if (strcmp(h, e->hash) != 0) {
                *bad_seq = e->seq;
                snprintf(why, whylen, "entry %lld: contents do not match its hash",
                         (long long)e->seq);
                rc = VG_ECONFLICT;
                goto out;
            }
            memcpy(prev, e->hash, sizeof(prev));
            expect++;
            (*count)++;
        }
    }
    if ((rc = st->ops->audit_anchor(st, &anchor_seq, anchor_hash, err)) != VG_OK)
        goto out;
    if (anchor_seq != *count || (anchor_seq && strcmp(anchor_hash, prev) != 0)) {
        *bad_seq = *count + 1;
        if (anchor_seq > *count)
            snprintf(why, whylen, "entries %lld..%lld are missing (the chain head was %lld)",
                     (long long)*count + 1, (long long)anchor_seq, (long long)anchor_seq);
        else
            snprintf(why, whylen, "the chain head does not match the recorded anchor (seq %lld)",
                     (long long)anchor_seq);
        rc = VG_ECONFLICT;
    }
out:
    vg_arena_free(a);
    return rc;
}
