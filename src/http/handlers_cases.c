/* Handlers for vulnerability cases, receipts' public key, compliance figures,
 * webhook subscriptions and the unit inbox. Decode, call the service, encode. */
#include "http/http_int.h"
#include "core/json.h"
#include "core/util.h"

#include <string.h>

int vg_h_case_create(struct vg_req *r)
{
    const struct vg_jval *b;
    int rc = vg_req_jscan_object(r, &b);
    if (rc)
        return rc;
    rc = vg_svc_case_create(r->srv, &r->actor, b, r->body.p, r->body.n, &r->raw, &r->raw_len,
                            &r->err);
    if (rc == VG_OK)
        r->status = 201;
    return rc;
}

int vg_h_case_list(struct vg_req *r)
{
    struct vg_case_query q = {0};
    const char *od = vg_req_query(r, "overdue");
    json_t *out = NULL;
    int rc = vg_req_page(r, &q.pg);
    if (rc)
        return rc;
    q.state = vg_req_query(r, "state");
    q.library = vg_req_query(r, "library");
    q.vendor = vg_req_query(r, "vendor");
    if (od && strcmp(od, "true") != 0 && strcmp(od, "false") != 0)
        return vg_err_field(&r->err, VG_EINVAL, "overdue", "overdue: true or false");
    q.overdue = od && strcmp(od, "true") == 0;
    rc = vg_svc_case_list(r->srv, vg_req_caller(r), &q, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_case_get(struct vg_req *r)
{
    json_t *out = NULL;
    int rc = vg_svc_case_get(r->srv, vg_req_caller(r), r->param[0], &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_case_transition(struct vg_req *r)
{
    json_t *b, *out = NULL;
    int rc = vg_req_json_object(r, &b);
    if (rc)
        return rc;
    rc = vg_svc_case_transition(r->srv, &r->actor, r->param[0], b, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_case_comment(struct vg_req *r)
{
    static const char *const keys[] = {"body", "kind", NULL};
    static const char *const kinds[] = {"comment", "information", NULL};
    const char *text = NULL;
    int kind = 0;
    json_t *b, *out = NULL;
    int rc;
    if ((rc = vg_req_json_object(r, &b)) || (rc = vg_json_only(b, keys, NULL, &r->err)) ||
        (rc = vg_json_str(b, "body", 1, 65536, &text, &r->err)) ||
        (rc = vg_json_enum(b, "kind", 0, kinds, &kind, &r->err)))
        return rc;
    rc = vg_svc_case_comment(r->srv, &r->actor, r->param[0], kinds[kind], text, &out, &r->err);
    return vg_reply_rc(r, rc, 201, out);
}

int vg_h_case_timeline(struct vg_req *r)
{
    json_t *out = NULL;
    int rc = vg_svc_case_timeline(r->srv, &r->actor, r->param[0], &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_case_deliveries(struct vg_req *r)
{
    json_t *out = NULL;
    int rc = vg_svc_case_deliveries(r->srv, &r->actor, r->param[0], &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_compliance(struct vg_req *r)
{
    json_t *out = NULL;
    int rc = vg_svc_compliance(r->srv, &r->actor, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_keys(struct vg_req *r)
{
    json_t *out = NULL;
    int rc = vg_svc_keys(r->srv, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_sub_create(struct vg_req *r)
{
    static const char *const keys[] = {"channel", "url", "secret", "filter", NULL};
    static const char *const channels[] = {"webhook", NULL};
    const char *url = NULL, *secret = NULL;
    int ch = 0;
    json_t *b, *out = NULL;
    int rc;
    if ((rc = vg_req_json_object(r, &b)) || (rc = vg_json_only(b, keys, NULL, &r->err)) ||
        (rc = vg_json_enum(b, "channel", 1, channels, &ch, &r->err)) ||
        (rc = vg_json_str(b, "url", 1, 2048, &url, &r->err)) ||
        (rc = vg_json_str(b, "secret", 1, 512, &secret, &r->err)))
        return rc;
    json_t *filter = json_object_get(b, "filter");
    if (filter && json_is_null(filter))
        filter = NULL;
    rc = vg_svc_sub_create(r->srv, &r->actor, url, secret, filter, &out, &r->err);
    return vg_reply_rc(r, rc, 201, out);
}

int vg_h_sub_list(struct vg_req *r)
{
    json_t *out = NULL;
    int rc = vg_svc_sub_list(r->srv, &r->actor, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_sub_delete(struct vg_req *r)
{
    int64_t id;
    int rc = vg_req_id(r, 0, &id);
    if (rc)
        return rc;
    rc = vg_svc_sub_delete(r->srv, &r->actor, id, &r->err);
    return vg_reply_rc(r, rc, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1));
}

int vg_h_inbox(struct vg_req *r)
{
    struct vg_page pg;
    json_t *out = NULL;
    int rc = vg_req_page(r, &pg);
    if (rc)
        return rc;
    rc = vg_svc_inbox(r->srv, &r->actor, pg, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}
