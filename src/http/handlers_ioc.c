/* Handlers for threat indicators (submission, reading, sightings, batch
 * lookup) and disposal notices. Decode, call the service, encode.
 * Not for: TAXII (http/taxii.c) or any rule (service/indicators.c). */
#include "http/http_int.h"
#include "core/json.h"
#include "core/util.h"
#include "service/indicators.h"

#include <string.h>

int vg_h_ioc_submit(struct vg_req *r)
{
    json_t *out = NULL;
    /* the body is read no more after this (server.c frees it) */
    int rc = vg_svc_ioc_submit_raw(r->srv, &r->actor, r->body.p ? r->body.p : "", r->body.n, 1,
                                   r->a, &out, &r->err);
    return vg_reply_rc(r, rc, 201, out);
}

int vg_h_ioc_list(struct vg_req *r)
{
    struct vg_page pg;
    json_t *out = NULL;
    int rc = vg_req_page(r, &pg);
    if (rc)
        return rc;
    rc = vg_svc_ioc_list(r->srv, &r->actor, vg_req_query(r, "type"), vg_req_query(r, "value"), pg,
                         &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_ioc_get(struct vg_req *r)
{
    int64_t id;
    json_t *out = NULL;
    int rc = vg_req_id(r, 0, &id);
    if (rc)
        return rc;
    rc = vg_svc_ioc_get(r->srv, &r->actor, id, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_ioc_sighting(struct vg_req *r)
{
    int64_t id;
    json_t *b, *out = NULL;
    int rc;
    if ((rc = vg_req_id(r, 0, &id)) || (rc = vg_req_json_object(r, &b)))
        return rc;
    rc = vg_svc_ioc_sighting(r->srv, &r->actor, id, b, &out, &r->err);
    return vg_reply_rc(r, rc, 201, out);
}

int vg_h_ioc_lookup(struct vg_req *r)
{
    struct vg_buf out = {0};
    const char *type = NULL;
    static const char *const keys[] = {"values", "type", NULL};
    const struct vg_jval *b, *values, *t;
    int rc;
    if ((rc = vg_req_jscan_object(r, &b)))
        return rc;
    if ((rc = vg_jonly(b, keys, NULL, &r->err)))
        return rc;
    values = vg_jget(b, "values");
    if ((t = vg_jget(b, "type")) != NULL && !vg_jis(t, VG_JNULL)) { /* vg_json_str's checks */
        if (!vg_jis(t, VG_JSTR))
            return vg_err_field(&r->err, VG_EINVAL, "type", "type: must be a string");
        if (t->n > 32)
            return vg_err_field(&r->err, VG_EINVAL, "type", "type: longer than 32 bytes");
        if (t->n == 0)
            return vg_err_field(&r->err, VG_EINVAL, "type", "type: must not be empty");
        type = t->u.s;
    }
    if (values == NULL)
        return vg_err_field(&r->err, VG_EMISSING, "values", "values: required");
    rc = vg_svc_ioc_lookup(r->srv, &r->actor, values, type, &out, &r->err);
    if (rc) {
        vg_buf_free(&out);
        return rc;
    }
    r->status = 200;
    r->raw = vg_buf_steal(&out, &r->raw_len);
    r->ctype = "application/json; charset=utf-8";
    return VG_OK;
}

/* ---- disposal notices ---- */

int vg_h_disposal_create(struct vg_req *r)
{
    json_t *b, *out = NULL;
    int rc = vg_req_json_object(r, &b);
    if (rc)
        return rc;
    rc = vg_svc_disposal_create(r->srv, &r->actor, b, &out, &r->err);
    return vg_reply_rc(r, rc, 201, out);
}

int vg_h_disposal_list(struct vg_req *r)
{
    struct vg_page pg;
    const char *od = vg_req_query(r, "overdue");
    json_t *out = NULL;
    int rc = vg_req_page(r, &pg);
    if (rc)
        return rc;
    if (od && strcmp(od, "true") != 0 && strcmp(od, "false") != 0)
        return vg_err_field(&r->err, VG_EINVAL, "overdue", "overdue: true or false");
    rc = vg_svc_disposal_list(r->srv, &r->actor, vg_req_query(r, "state"),
                              od && strcmp(od, "true") == 0, pg, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_disposal_get(struct vg_req *r)
{
    int64_t id;
    json_t *out = NULL;
    int rc = vg_req_id(r, 0, &id);
    if (rc)
        return rc;
    rc = vg_svc_disposal_get(r->srv, &r->actor, id, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_disposal_transition(struct vg_req *r)
{
    int64_t id;
    json_t *b, *out = NULL;
    int rc;
    if ((rc = vg_req_id(r, 0, &id)) || (rc = vg_req_json_object(r, &b)))
        return rc;
    rc = vg_svc_disposal_transition(r->srv, &r->actor, id, b, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_disposal_ack(struct vg_req *r)
{
    int64_t id;
    json_t *out = NULL;
    int rc = vg_req_id(r, 0, &id);
    if (rc)
        return rc;
    rc = vg_svc_disposal_ack(r->srv, &r->actor, id, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}
