/* Request helpers and the handlers for the platform core: health, metrics,
 * login, identity, units, users, tokens, audit and review tasks. Each handler
 * decodes, calls one service function, encodes. */
#include "http/http_int.h"
#include "core/json.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

int vg_req_json_object(struct vg_req *r, json_t **out)
{
    json_t *v = NULL;
    int rc = vg_json_parse(r->body.p ? r->body.p : "", r->body.n, &v, &r->err);
    if (rc)
        return rc;
    if (!json_is_object(v)) {
        json_decref(v);
        return vg_err_set(&r->err, VG_EJSON, "the body must be a JSON object");
    }
    vg_arena_cleanup(r->a, (void (*)(void *))json_decref, v);
    *out = v;
    return VG_OK;
}

int vg_req_jscan_object(struct vg_req *r, const struct vg_jval **out)
{
    int rc = vg_jscan_parse(r->body.p ? r->body.p : "", r->body.n, r->a, NULL, out, NULL, &r->err);
    if (rc)
        return rc;
    if (!vg_jis(*out, VG_JOBJ))
        return vg_err_set(&r->err, VG_EJSON, "the body must be a JSON object");
    return VG_OK;
}

const char *vg_req_query(struct vg_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int vg_req_page(struct vg_req *r, struct vg_page *pg)
{
    const char *l = vg_req_query(r, "limit"), *c = vg_req_query(r, "cursor");
    int64_t v;
    pg->limit = 100;
    pg->after = 0;
    if (l) {
        if (vg_parse_i64(l, 1, INT64_MAX / 2, &v) != 0)
            return vg_err_field(&r->err, VG_EINVAL, "limit", "limit: a positive integer");
        pg->limit = v > 1000 ? 1000 : (int)v;
    }
    if (c && *c) {
        if (vg_parse_i64(c, 0, INT64_MAX, &v) != 0)
            return vg_err_field(&r->err, VG_EINVAL, "cursor", "cursor: not a cursor from this list");
        pg->after = v;
    }
    return VG_OK;
}

int vg_req_id(struct vg_req *r, int i, int64_t *out)
{
    if (r->param[i] == NULL || vg_parse_i64(r->param[i], 1, INT64_MAX, out) != 0)
        return vg_err_set(&r->err, VG_ENOTFOUND, "not found: %s", r->param[i] ? r->param[i] : "");
    return VG_OK;
}

int vg_reply(struct vg_req *r, int status, json_t *j)
{
    r->status = status;
    json_decref(r->json);
    r->json = j;
    return VG_OK;
}

/* Replies with the service's result or returns its error. */
int vg_reply_rc(struct vg_req *r, int rc, int status, json_t *j)
{
    if (rc)
        return rc;
    return vg_reply(r, status, j);
}

const struct vg_actor *vg_req_caller(struct vg_req *r)
{
    return r->authed ? &r->actor : NULL;
}

/* ---- system ---- */

static int h_healthz(struct vg_req *r)
{
    static const char ok[] = "{\"status\":\"ok\"}";
    r->status = 200;
    r->raw = vg_xstrdup(ok);
    r->raw_len = sizeof(ok) - 1;
    return VG_OK;
}

static int h_metrics(struct vg_req *r)
{
    struct vg_buf b = {0};
    vg_metrics_render(vg__http_metrics(r->http), r->srv, &b);
    vg_buf_printf(&b, "# HELP vigil_http_inflight Requests being served.\n"
                      "# TYPE vigil_http_inflight gauge\nvigil_http_inflight %lld\n",
                  (long long)vg__http_inflight(r->http));
    r->status = 200;
    r->raw = vg_buf_steal(&b, &r->raw_len);
    r->ctype = "text/plain; version=0.0.4; charset=utf-8";
    return VG_OK;
}

static int h_login(struct vg_req *r)
{
    static const char *const keys[] = {"name", "password", NULL};
    const char *name = NULL, *pw = NULL;
    json_t *b, *out = NULL;
    int rc;
    if ((rc = vg_req_json_object(r, &b)) || (rc = vg_json_only(b, keys, NULL, &r->err)) ||
        (rc = vg_json_str(b, "name", 1, 200, &name, &r->err)) ||
        (rc = vg_json_str(b, "password", 1, 1024, &pw, &r->err)))
        return rc;
    rc = vg_svc_login(r->srv, name, pw, r->a, &out, &r->err);
    return vg_reply_rc(r, rc, 201, out);
}

static int h_me(struct vg_req *r)
{
    json_t *out = NULL;
    int rc = vg_svc_me(r->srv, &r->actor, r->a, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

/* ---- orgs ---- */

static int h_org_create(struct vg_req *r)
{
    static const char *const keys[] = {"name", "kind", "country", NULL};
    static const char *const kinds[] = {"operator", "member", "vendor", "industry", "peer", NULL};
    struct vg_org_create req = {0};
    json_t *b, *out = NULL;
    int rc;
    if ((rc = vg_req_json_object(r, &b)) || (rc = vg_json_only(b, keys, NULL, &r->err)) ||
        (rc = vg_json_str(b, "name", 1, 200, &req.name, &r->err)) ||
        (rc = vg_json_enum(b, "kind", 1, kinds, &req.kind, &r->err)) ||
        (rc = vg_json_str(b, "country", 0, 2, &req.country, &r->err)))
        return rc;
    if (req.country && (strlen(req.country) != 2 || req.country[0] < 'A' || req.country[0] > 'Z' ||
                        req.country[1] < 'A' || req.country[1] > 'Z'))
        return vg_err_field(&r->err, VG_EINVAL, "country",
                            "country: an ISO 3166-1 alpha-2 code such as CN");
    if (req.kind == 0)
        return vg_err_field(&r->err, VG_EINVAL, "kind",
                            "kind: there is one operator org, made by 'vigil init'");
    rc = vg_svc_org_create(r->srv, &r->actor, &req, &out, &r->err);
    return vg_reply_rc(r, rc, 201, out);
}

static int h_org_list(struct vg_req *r)
{
    struct vg_page pg;
    json_t *out = NULL;
    int rc = vg_req_page(r, &pg);
    if (rc)
        return rc;
    rc = vg_svc_org_list(r->srv, &r->actor, pg, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

static int h_org_get(struct vg_req *r)
{
    int64_t id;
    json_t *out = NULL;
    int rc = vg_req_id(r, 0, &id);
    if (rc)
        return rc;
    rc = vg_svc_org_get(r->srv, &r->actor, id, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

static int h_org_suspend(struct vg_req *r)
{
    static const char *const keys[] = {"until", "reason", NULL};
    const char *reason = NULL;
    int64_t id, until = 0;
    json_t *b, *out = NULL;
    int rc;
    if ((rc = vg_req_id(r, 0, &id)) || (rc = vg_req_json_object(r, &b)) ||
        (rc = vg_json_only(b, keys, NULL, &r->err)) ||
        (rc = vg_json_time(b, "until", 1, &until, &r->err)) ||
        (rc = vg_json_str(b, "reason", 1, 2000, &reason, &r->err)))
        return rc;
    rc = vg_svc_org_suspend(r->srv, &r->actor, id, until, reason, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

static int reason_only(struct vg_req *r, int64_t *id, const char **reason)
{
    static const char *const keys[] = {"reason", NULL};
    json_t *b;
    int rc;
    if ((rc = vg_req_id(r, 0, id)) || (rc = vg_req_json_object(r, &b)) ||
        (rc = vg_json_only(b, keys, NULL, &r->err)) ||
        (rc = vg_json_str(b, "reason", 1, 2000, reason, &r->err)))
        return rc;
    return VG_OK;
}

static int h_org_reinstate(struct vg_req *r)
{
    const char *reason = NULL;
    int64_t id;
    json_t *out = NULL;
    int rc = reason_only(r, &id, &reason);
    if (rc)
        return rc;
    rc = vg_svc_org_reinstate(r->srv, &r->actor, id, reason, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

static int h_org_revoke(struct vg_req *r)
{
    const char *reason = NULL;
    int64_t id;
    json_t *out = NULL;
    int rc = reason_only(r, &id, &reason);
    if (rc)
        return rc;
    rc = vg_svc_org_revoke(r->srv, &r->actor, id, reason, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

/* ---- users ---- */

static int h_user_create(struct vg_req *r)
{
    static const char *const keys[] = {"org_id", "name", "role", "password", NULL};
    static const char *const roles[] = {"admin", "analyst", "member", "vendor", "reader", NULL};
    struct vg_user_create req = {0};
    json_t *b, *out = NULL;
    int rc;
    if ((rc = vg_req_json_object(r, &b)) || (rc = vg_json_only(b, keys, NULL, &r->err)) ||
        (rc = vg_json_int(b, "org_id", 1, 1, INT64_MAX, &req.org_id, &r->err)) ||
        (rc = vg_json_str(b, "name", 1, 200, &req.name, &r->err)) ||
        (rc = vg_json_enum(b, "role", 1, roles, &req.role, &r->err)) ||
        (rc = vg_json_str(b, "password", 0, 1024, &req.password, &r->err)))
        return rc;
    rc = vg_svc_user_create(r->srv, &r->actor, &req, &out, &r->err);
    return vg_reply_rc(r, rc, 201, out);
}

static int h_user_list(struct vg_req *r)
{
    struct vg_page pg;
    const char *o = vg_req_query(r, "org_id");
    int64_t org = 0;
    json_t *out = NULL;
    int rc = vg_req_page(r, &pg);
    if (rc)
        return rc;
    if (o && vg_parse_i64(o, 1, INT64_MAX, &org) != 0)
        return vg_err_field(&r->err, VG_EINVAL, "org_id", "org_id: a positive integer");
    rc = vg_svc_user_list(r->srv, &r->actor, org, pg, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

static int h_user_get(struct vg_req *r)
{
    int64_t id;
    json_t *out = NULL;
    int rc = vg_req_id(r, 0, &id);
    if (rc)
        return rc;
    rc = vg_svc_user_get(r->srv, &r->actor, id, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

/* ---- tokens ---- */

static int h_token_create(struct vg_req *r)
{
    static const char *const keys[] = {"user_id", "name", "expires_at", NULL};
    struct vg_token_create req = {0};
    json_t *b, *out = NULL;
    int rc;
    req.user_id = r->actor.user_id;
    if ((rc = vg_req_json_object(r, &b)) || (rc = vg_json_only(b, keys, NULL, &r->err)) ||
        (rc = vg_json_int(b, "user_id", 0, 1, INT64_MAX, &req.user_id, &r->err)) ||
        (rc = vg_json_str(b, "name", 0, 200, &req.name, &r->err)) ||
        (rc = vg_json_time(b, "expires_at", 0, &req.expires_at, &r->err)))
        return rc;
    rc = vg_svc_token_create(r->srv, &r->actor, &req, &out, &r->err);
    return vg_reply_rc(r, rc, 201, out);
}

static int h_token_list(struct vg_req *r)
{
    const char *u = vg_req_query(r, "user_id");
    int64_t user = 0;
    json_t *out = NULL;
    int rc;
    if (u && vg_parse_i64(u, 1, INT64_MAX, &user) != 0)
        return vg_err_field(&r->err, VG_EINVAL, "user_id", "user_id: a positive integer");
    rc = vg_svc_token_list(r->srv, &r->actor, user, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

static int h_token_revoke(struct vg_req *r)
{
    int64_t id;
    json_t *out = NULL;
    int rc = vg_req_id(r, 0, &id);
    if (rc)
        return rc;
    rc = vg_svc_token_revoke(r->srv, &r->actor, id, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

/* ---- audit and tasks ---- */

static int h_audit(struct vg_req *r)
{
    struct vg_page pg;
    json_t *out = NULL;
    int rc = vg_req_page(r, &pg);
    if (rc)
        return rc;
    rc = vg_svc_audit_list(r->srv, &r->actor, pg, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

static int h_task_list(struct vg_req *r)
{
    struct vg_page pg;
    const char *state = vg_req_query(r, "state");
    json_t *out = NULL;
    int rc = vg_req_page(r, &pg), open_only = 1;
    if (rc)
        return rc;
    if (state && strcmp(state, "all") == 0)
        open_only = 0;
    else if (state && strcmp(state, "open") != 0)
        return vg_err_field(&r->err, VG_EINVAL, "state", "state: open or all");
    rc = vg_svc_task_list(r->srv, &r->actor, open_only, pg, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

static int h_task_close(struct vg_req *r)
{
    static const char *const keys[] = {"resolution", NULL};
    const char *res = NULL;
    int64_t id;
    json_t *b, *out = NULL;
    int rc;
    if ((rc = vg_req_id(r, 0, &id)) || (rc = vg_req_json_object(r, &b)) ||
        (rc = vg_json_only(b, keys, NULL, &r->err)) ||
        (rc = vg_json_str(b, "resolution", 1, 2000, &res, &r->err)))
        return rc;
    rc = vg_svc_task_close(r->srv, &r->actor, id, res, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

/* The route table: later features add their rows here. */
const struct vg_route vg_routes[] = {
    {"GET", "/healthz", h_healthz, "healthz", VG_AUTH_NONE},
    {"GET", "/metrics", h_metrics, "metrics", VG_AUTH_NONE},
    {"POST", "/api/v1/login", h_login, "login", VG_AUTH_NONE},
    {"GET", "/api/v1/me", h_me, "me", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/orgs", h_org_list, "orgs.list", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/orgs", h_org_create, "orgs.create", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/orgs/{id}", h_org_get, "orgs.get", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/orgs/{id}/suspend", h_org_suspend, "orgs.suspend", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/orgs/{id}/reinstate", h_org_reinstate, "orgs.reinstate", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/orgs/{id}/revoke", h_org_revoke, "orgs.revoke", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/users", h_user_list, "users.list", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/users", h_user_create, "users.create", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/users/{id}", h_user_get, "users.get", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/tokens", h_token_list, "tokens.list", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/tokens", h_token_create, "tokens.create", VG_AUTH_REQUIRED},
    {"DELETE", "/api/v1/tokens/{id}", h_token_revoke, "tokens.revoke", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/audit", h_audit, "audit.list", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/tasks", h_task_list, "tasks.list", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/tasks/{id}/close", h_task_close, "tasks.close", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/keys", vg_h_keys, "keys", VG_AUTH_NONE},
    {"POST", "/api/v1/cases", vg_h_case_create, "cases.create", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/cases", vg_h_case_list, "cases.list", VG_AUTH_OPTIONAL},
    {"GET", "/api/v1/cases/{id}", vg_h_case_get, "cases.get", VG_AUTH_OPTIONAL},
    {"POST", "/api/v1/cases/{id}/transition", vg_h_case_transition, "cases.transition",
     VG_AUTH_REQUIRED},
    {"POST", "/api/v1/cases/{id}/comments", vg_h_case_comment, "cases.comment", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/cases/{id}/timeline", vg_h_case_timeline, "cases.timeline", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/cases/{id}/deliveries", vg_h_case_deliveries, "cases.deliveries",
     VG_AUTH_REQUIRED},
    {"GET", "/api/v1/stats/compliance", vg_h_compliance, "stats.compliance", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/subscriptions", vg_h_sub_list, "subscriptions.list", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/subscriptions", vg_h_sub_create, "subscriptions.create", VG_AUTH_REQUIRED},
    {"DELETE", "/api/v1/subscriptions/{id}", vg_h_sub_delete, "subscriptions.delete",
     VG_AUTH_REQUIRED},
    {"GET", "/api/v1/notifications", vg_h_inbox, "notifications.list", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/vulns", vg_h_vuln_list, "vulns.list", VG_AUTH_OPTIONAL},
    {"POST", "/api/v1/vulns/import", vg_h_vuln_import, "vulns.import", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/vulns/{id}", vg_h_vuln_get, "vulns.get", VG_AUTH_OPTIONAL},
    {"GET", "/api/v1/stats/kb", vg_h_kb_stats, "stats.kb", VG_AUTH_OPTIONAL},
    {"POST", "/v1/query", vg_h_osv_query, "osv.query", VG_AUTH_OPTIONAL},
    {"POST", "/v1/querybatch", vg_h_osv_querybatch, "osv.querybatch", VG_AUTH_OPTIONAL},
    {"GET", "/v1/vulns/{id}", vg_h_osv_vuln, "osv.vulns", VG_AUTH_OPTIONAL},
    {"POST", "/api/v1/sboms", vg_h_sbom_upload, "sboms.upload", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/sboms", vg_h_sbom_list, "sboms.list", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/sboms/{id}", vg_h_sbom_get, "sboms.get", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/sboms/{id}/findings", vg_h_sbom_findings, "sboms.findings", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/exposures", vg_h_exposures, "exposures.list", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/exposures/summary", vg_h_exposure_summary, "exposures.summary",
     VG_AUTH_REQUIRED},
    {"POST", "/api/v1/exposures/{id}/status", vg_h_exposure_status, "exposures.status",
     VG_AUTH_REQUIRED},
    {"GET", "/api/v1/alerts", vg_h_alerts, "alerts.list", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/risk-notices", vg_h_risk_notice, "risk_notices.issue", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/risk-notices", vg_h_risk_notice_list, "risk_notices.list", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/stream", vg_h_stream, "stream", VG_AUTH_REQUIRED},
    /* ---- indicators, TAXII 2.1, disposal notices ---- */
    {"POST", "/api/v1/indicators", vg_h_ioc_submit, "indicators.submit", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/indicators", vg_h_ioc_list, "indicators.list", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/indicators/lookup", vg_h_ioc_lookup, "indicators.lookup", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/indicators/{id}", vg_h_ioc_get, "indicators.get", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/indicators/{id}/sightings", vg_h_ioc_sighting, "indicators.sighting",
     VG_AUTH_REQUIRED},
    {"POST", "/api/v1/disposals", vg_h_disposal_create, "disposals.create", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/disposals", vg_h_disposal_list, "disposals.list", VG_AUTH_REQUIRED},
    {"GET", "/api/v1/disposals/{id}", vg_h_disposal_get, "disposals.get", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/disposals/{id}/transition", vg_h_disposal_transition,
     "disposals.transition", VG_AUTH_REQUIRED},
    {"POST", "/api/v1/disposals/{id}/acknowledge", vg_h_disposal_ack, "disposals.acknowledge",
     VG_AUTH_REQUIRED},
    /* TAXII authenticates itself (Basic or Bearer) and answers in TAXII's own error format */
    {"GET", "/taxii2", vg_h_taxii_discovery, "taxii.discovery", VG_AUTH_NONE},
    {"GET", "/taxii2/{root}", vg_h_taxii_root, "taxii.root", VG_AUTH_NONE},
    {"GET", "/taxii2/{root}/collections", vg_h_taxii_collections, "taxii.collections",
     VG_AUTH_NONE},
    {"GET", "/taxii2/{root}/collections/{id}", vg_h_taxii_collection, "taxii.collection",
     VG_AUTH_NONE},
    {"GET", "/taxii2/{root}/collections/{id}/objects", vg_h_taxii_objects, "taxii.objects",
     VG_AUTH_NONE},
    {"POST", "/taxii2/{root}/collections/{id}/objects", vg_h_taxii_add, "taxii.add",
     VG_AUTH_NONE},
    {"GET", "/taxii2/{root}/collections/{id}/objects/{object}", vg_h_taxii_object,
     "taxii.object", VG_AUTH_NONE},
    {"GET", "/taxii2/{root}/collections/{id}/objects/{object}/versions", vg_h_taxii_versions,
     "taxii.versions", VG_AUTH_NONE},
    {"GET", "/taxii2/{root}/collections/{id}/manifest", vg_h_taxii_manifest, "taxii.manifest",
     VG_AUTH_NONE},
    {"GET", "/taxii2/{root}/status/{id}", vg_h_taxii_status, "taxii.status", VG_AUTH_NONE},
};
const int vg_nroutes = (int)VG_ARRAY_LEN(vg_routes);
