/* Handlers for the SBOM registry, exposures and risk alerts. */
#include "http/http_int.h"
#include "core/json.h"
#include "core/util.h"

#include <string.h>

int vg_h_sbom_upload(struct vg_req *r)
{
    json_t *out = NULL;
    int rc = vg_svc_sbom_upload(r->srv, &r->actor, vg_req_query(r, "name"),
                                r->body.p ? r->body.p : "", r->body.n, &out, &r->err);
    return vg_reply_rc(r, rc, 201, out);
}

int vg_h_sbom_list(struct vg_req *r)
{
    struct vg_page pg;
    json_t *out = NULL;
    int rc = vg_req_page(r, &pg);
    if (rc)
        return rc;
    rc = vg_svc_sbom_list(r->srv, &r->actor, pg, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

static int sbom_get(struct vg_req *r, int findings)
{
    int64_t id;
    json_t *out = NULL;
    int rc = vg_req_id(r, 0, &id);
    if (rc)
        return rc;
    rc = vg_svc_sbom_get(r->srv, &r->actor, id, findings, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_sbom_get(struct vg_req *r)
{
    return sbom_get(r, 0);
}

int vg_h_sbom_findings(struct vg_req *r)
{
    return sbom_get(r, 1);
}

int vg_h_exposures(struct vg_req *r)
{
    struct vg_page pg;
    json_t *out = NULL;
    int rc = vg_req_page(r, &pg);
    if (rc)
        return rc;
    rc = vg_svc_exposures(r->srv, &r->actor, vg_req_query(r, "vuln"), pg, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_exposure_status(struct vg_req *r)
{
    static const char *const keys[] = {"status", "reason", NULL};
    const char *status = NULL, *reason = NULL;
    int64_t id;
    json_t *b, *out = NULL;
    int rc;
    if ((rc = vg_req_id(r, 0, &id)) || (rc = vg_req_json_object(r, &b)) ||
        (rc = vg_json_only(b, keys, NULL, &r->err)) ||
        (rc = vg_json_str(b, "status", 1, 32, &status, &r->err)) ||
        (rc = vg_json_str(b, "reason", 0, 2000, &reason, &r->err)))
        return rc;
    rc = vg_svc_exposure_status(r->srv, &r->actor, id, status, reason, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_alerts(struct vg_req *r)
{
    struct vg_page pg;
    json_t *out = NULL;
    int rc = vg_req_page(r, &pg);
    if (rc)
        return rc;
    rc = vg_svc_alerts(r->srv, &r->actor, pg, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_exposure_summary(struct vg_req *r)
{
    json_t *out = NULL;
    int rc = vg_svc_exposure_summary(r->srv, &r->actor, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_risk_notice(struct vg_req *r)
{
    json_t *b, *out = NULL;
    int rc = vg_req_json_object(r, &b);
    if (rc)
        return rc;
    rc = vg_svc_risk_notice(r->srv, &r->actor, b, &out, &r->err);
    return vg_reply_rc(r, rc, 201, out);
}

int vg_h_risk_notice_list(struct vg_req *r)
{
    struct vg_page pg;
    json_t *out = NULL;
    int rc = vg_req_page(r, &pg);
    if (rc)
        return rc;
    rc = vg_svc_risk_notice_list(r->srv, &r->actor, pg, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}
