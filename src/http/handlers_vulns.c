/* Handlers for the knowledge base (/api/v1/vulns) and the OSV API (/v1/...). */
#include "http/http_int.h"
#include "core/json.h"
#include "core/util.h"

#include <string.h>
#include <strings.h>

/* {"format", "records": [...]}, or the records as JSON lines
 * (application/x-ndjson) with ?format=: the bulk form, each record stored as
 * sent and a malformed line reported like a malformed record. */
int vg_h_vuln_import(struct vg_req *r)
{
    static const char *const keys[] = {"format", "records", NULL};
    const char *format = NULL;
    const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    json_t *b, *out = NULL;
    int rc;
    if (ct && strncasecmp(ct, "application/x-ndjson", 20) == 0) {
        if ((format = vg_req_query(r, "format")) == NULL)
            return vg_err_field(&r->err, VG_EMISSING, "format", "format: required (?format=)");
        rc = vg_svc_vuln_import_lines(r->srv, &r->actor, format, r->body.p ? r->body.p : "",
                                      r->body.n, &out, &r->err);
        return vg_reply_rc(r, rc, 200, out);
    }
    if ((rc = vg_req_json_object(r, &b)) || (rc = vg_json_only(b, keys, NULL, &r->err)) ||
        (rc = vg_json_str(b, "format", 1, 16, &format, &r->err)))
        return rc;
    json_t *recs = json_object_get(b, "records");
    if (recs == NULL)
        return vg_err_field(&r->err, VG_EMISSING, "records", "records: required");
    rc = vg_svc_vuln_import(r->srv, &r->actor, format, recs, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_vuln_list(struct vg_req *r)
{
    struct vg_vuln_filter f = {0};
    struct vg_page pg;
    const char *kev = vg_req_query(r, "kev"), *since = vg_req_query(r, "since");
    json_t *out = NULL;
    int rc = vg_req_page(r, &pg);
    if (rc)
        return rc;
    f.ecosystem = vg_req_query(r, "ecosystem");
    f.package = vg_req_query(r, "package");
    f.alias = vg_req_query(r, "alias");
    f.grade = vg_req_query(r, "severity");
    f.text = vg_req_query(r, "q");
    if (f.grade && strcmp(f.grade, "critical") && strcmp(f.grade, "high") &&
        strcmp(f.grade, "medium") && strcmp(f.grade, "low"))
        return vg_err_field(&r->err, VG_EINVAL, "severity",
                            "severity: critical, high, medium or low (the national grade)");
    if (kev && strcmp(kev, "true") && strcmp(kev, "false"))
        return vg_err_field(&r->err, VG_EINVAL, "kev", "kev: true or false");
    f.kev = kev && strcmp(kev, "true") == 0;
    if (since && vg_time_parse(since, &f.since) != 0)
        return vg_err_field(&r->err, VG_EINVAL, "since", "since: not an RFC 3339 time");
    if (f.package && f.ecosystem == NULL)
        return vg_err_field(&r->err, VG_EMISSING, "ecosystem", "ecosystem: required with package");
    rc = vg_svc_vuln_list(r->srv, vg_req_caller(r), &f, pg, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_vuln_get(struct vg_req *r)
{
    json_t *out = NULL;
    int rc = vg_svc_vuln_get(r->srv, vg_req_caller(r), r->param[0], 0, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_kb_stats(struct vg_req *r)
{
    json_t *out = NULL;
    int rc = vg_svc_kb_stats(r->srv, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_osv_query(struct vg_req *r)
{
    const struct vg_jval *b;
    json_t *out = NULL;
    int rc = vg_req_jscan_object(r, &b);
    if (rc)
        return rc;
    rc = vg_svc_osv_query(r->srv, vg_req_caller(r), b, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}

int vg_h_osv_querybatch(struct vg_req *r)
{
    struct vg_buf out = {0};
    const struct vg_jval *b;
    int rc = vg_req_jscan_object(r, &b);
    if (rc == VG_OK)
        rc = vg_svc_osv_querybatch(r->srv, vg_req_caller(r), b, &out, &r->err);
    if (rc) {
        vg_buf_free(&out);
        return rc;
    }
    r->status = 200;
    r->raw = vg_buf_steal(&out, &r->raw_len);
    r->ctype = "application/json; charset=utf-8";
    return VG_OK;
}

int vg_h_osv_vuln(struct vg_req *r)
{
    json_t *out = NULL;
    int rc = vg_svc_vuln_get(r->srv, vg_req_caller(r), r->param[0], 1, &out, &r->err);
    return vg_reply_rc(r, rc, 200, out);
}
