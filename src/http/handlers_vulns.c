/* Handlers for the knowledge base (/api/v1/vulns) and the OSV API (/v1/...). */
#include "http/http_int.h"
#include "core/json.h"
#include "core/util.h"

#include <string.h>
#include <strings.h>

/* ?session=&seq= of a bulk import: both or neither; the session 1..32 of
 * [A-Za-z0-9_-], seq a number from 0. */
static int import_order(const char *session, const char *seq, int64_t *n, struct vg_err *err)
{
    size_t len = session ? strlen(session) : 0;
    if (session == NULL && seq == NULL)
        return VG_OK;
    if (session == NULL)
        return vg_err_field(err, VG_EMISSING, "session", "session: required with seq");
    if (seq == NULL)
        return vg_err_field(err, VG_EMISSING, "seq", "seq: required with session");
    if (len == 0 || len > VG_IMPORT_SESSION_MAX ||
        strspn(session, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != len)
        return vg_err_field(err, VG_EINVAL, "session", "session: 1 to 32 of A-Z a-z 0-9 _ -");
    if (vg_parse_i64(seq, 0, INT64_MAX, n) != 0)
        return vg_err_field(err, VG_EINVAL, "seq", "seq: a number from 0");
    return VG_OK;
}

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
        const char *session = vg_req_query(r, "session"), *seq = vg_req_query(r, "seq");
        struct vg_import_order o = {session, 0};
        int64_t n = 0;
        if ((format = vg_req_query(r, "format")) == NULL)
            return vg_err_field(&r->err, VG_EMISSING, "format", "format: required (?format=)");
        if ((rc = import_order(session, seq, &n, &r->err)))
            return rc;
        o.seq = (uint64_t)n;
        rc = vg_svc_vuln_import_lines(r->srv, &r->actor, format, r->body.p ? r->body.p : "",
                                      r->body.n, session ? &o : NULL, &out, &r->err);
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
