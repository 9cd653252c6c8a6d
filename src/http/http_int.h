/* Internals of the HTTP layer shared by its files: the request record, the
 * route table and the helpers handlers use. */
#ifndef VG_HTTP_INT_H
#define VG_HTTP_INT_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/jscan.h"
#include "core/buf.h"
#include "core/err.h"
#include "http/http.h"
#include "service/service.h"

#define VG_MAX_PARAMS 4

struct vg_req {
    struct vg_server *srv;
    struct vg_http *http;
    struct MHD_Connection *conn;
    struct vg_arena *a;
    char id[24];
    const char *method, *url;
    int route;                        /* index in the route table, -1 when none */
    const char *param[VG_MAX_PARAMS]; /* {captures} of the pattern, arena-owned */
    struct vg_buf body;
    int64_t body_len; /* its Content-Length within the body limit, 0: none */
    struct vg_prefault *prefault; /* a large body's pages faulted in ahead of it */
    int too_large;
    int64_t t0_ns;
    struct vg_actor actor;
    int authed;
    /* the response */
    int status;
    json_t *json;       /* owned */
    char *raw;          /* owned (malloc), with ctype */
    size_t raw_len;
    const char *ctype;
    const char *allow;  /* Allow header for 405 */
    struct MHD_Response *stream; /* a streamed response (stream.c), owned */
    struct vg_err err;
    /* ---- indicators/TAXII: extra response headers, "Name: value\n" lines
     * (arena-owned), e.g. X-TAXII-Date-Added-First ---- */
    const char *headers;
};

/* int fn(struct vg_req *r): VG_OK with r->status and r->json (or r->raw) set,
 * or a VG_E* code with r->err filled (mapped to a 4xx by the dispatcher). */
typedef int (*vg_handler_fn)(struct vg_req *r);

struct vg_route {
    const char *method;
    const char *pattern; /* "/api/v1/orgs/{id}/suspend" */
    vg_handler_fn fn;
    const char *name;    /* the metrics label */
    int auth;            /* VG_AUTH_* */
};

enum {
    VG_AUTH_NONE = 0,     /* public; the token is not looked at */
    VG_AUTH_REQUIRED = 1, /* a valid bearer token or 401 */
    VG_AUTH_OPTIONAL = 2, /* anonymous allowed; a token given must be valid */
};

/* Handlers in handlers_cases.c. */
int vg_h_case_create(struct vg_req *r);
int vg_h_case_list(struct vg_req *r);
int vg_h_case_get(struct vg_req *r);
int vg_h_case_transition(struct vg_req *r);
int vg_h_case_comment(struct vg_req *r);
int vg_h_case_timeline(struct vg_req *r);
int vg_h_case_deliveries(struct vg_req *r);
int vg_h_compliance(struct vg_req *r);
int vg_h_keys(struct vg_req *r);
int vg_h_sub_create(struct vg_req *r);
int vg_h_sub_list(struct vg_req *r);
int vg_h_sub_delete(struct vg_req *r);
int vg_h_inbox(struct vg_req *r);
/* Handlers in handlers_vulns.c. */
int vg_h_vuln_import(struct vg_req *r);
int vg_h_vuln_list(struct vg_req *r);
int vg_h_vuln_get(struct vg_req *r);
int vg_h_kb_stats(struct vg_req *r);
int vg_h_osv_query(struct vg_req *r);
int vg_h_osv_querybatch(struct vg_req *r);
int vg_h_osv_vuln(struct vg_req *r);
/* Handlers in handlers_sbom.c. */
int vg_h_sbom_upload(struct vg_req *r);
int vg_h_sbom_list(struct vg_req *r);
int vg_h_sbom_get(struct vg_req *r);
int vg_h_sbom_findings(struct vg_req *r);
int vg_h_exposures(struct vg_req *r);
int vg_h_exposure_status(struct vg_req *r);
int vg_h_alerts(struct vg_req *r);
int vg_h_exposure_summary(struct vg_req *r);
int vg_h_risk_notice(struct vg_req *r);
int vg_h_risk_notice_list(struct vg_req *r);

/* ---- indicators and disposal notices (handlers_ioc.c), TAXII 2.1 (taxii.c) ---- */
int vg_h_ioc_submit(struct vg_req *r);
int vg_h_ioc_list(struct vg_req *r);
int vg_h_ioc_get(struct vg_req *r);
int vg_h_ioc_sighting(struct vg_req *r);
int vg_h_ioc_lookup(struct vg_req *r);
int vg_h_disposal_create(struct vg_req *r);
int vg_h_disposal_list(struct vg_req *r);
int vg_h_disposal_get(struct vg_req *r);
int vg_h_disposal_transition(struct vg_req *r);
int vg_h_disposal_ack(struct vg_req *r);
int vg_h_taxii_discovery(struct vg_req *r);
int vg_h_taxii_root(struct vg_req *r);
int vg_h_taxii_collections(struct vg_req *r);
int vg_h_taxii_collection(struct vg_req *r);
int vg_h_taxii_objects(struct vg_req *r);
int vg_h_taxii_add(struct vg_req *r);
int vg_h_taxii_object(struct vg_req *r);
int vg_h_taxii_versions(struct vg_req *r);
int vg_h_taxii_manifest(struct vg_req *r);
int vg_h_taxii_status(struct vg_req *r);

extern const struct vg_route vg_routes[];
extern const int vg_nroutes;

/* ---- metrics (http/metrics.c) ---- */
struct vg_metrics;
struct vg_metrics *vg_metrics_new(int nroutes);
void vg_metrics_free(struct vg_metrics *m);
/* route -1 counts as "unmatched". */
void vg_metrics_observe(struct vg_metrics *m, int route, int status, int64_t ns);
void vg_metrics_render(struct vg_metrics *m, struct vg_server *srv, struct vg_buf *out);
struct vg_metrics *vg__http_metrics(struct vg_http *h);
/* ---- brute-force protection (http/ratelimit.c) ---- */
struct sockaddr;
struct vg_ratelimit;
struct vg_ratelimit *vg_ratelimit_new(int per_minute);
void vg_ratelimit_free(struct vg_ratelimit *rl);
/* 1 when the address may try (cost tokens taken), 0 when it must wait. */
int vg_ratelimit_take(struct vg_ratelimit *rl, const struct sockaddr *sa, int cost);

/* ---- server-sent events (http/stream.c) ---- */
struct vg_streams;
struct vg_streams *vg_streams_start(void);
void vg_streams_stop(struct vg_streams *ss);
void vg_streams_free(struct vg_streams *ss);
struct vg_streams *vg__http_streams(struct vg_http *h);
int vg__http_stopping(struct vg_http *h);
int vg_h_stream(struct vg_req *r);
int64_t vg__http_inflight(struct vg_http *h);

/* ---- helpers for handlers (http/handlers.c) ---- */
/* Parses the body as a JSON object (VG_EJSON / VG_EINVAL otherwise). */
int vg_req_json_object(struct vg_req *r, json_t **out);
/* The same body read with the arena reader (core/jscan.h): for hot endpoints
 * that only read the document; nodes live in r->a. */
int vg_req_jscan_object(struct vg_req *r, const struct vg_jval **out);
const char *vg_req_query(struct vg_req *r, const char *name);
/* ?limit=&cursor= (limit default 100, capped at 1000; cursor an opaque id). */
int vg_req_page(struct vg_req *r, struct vg_page *pg);
/* A path capture as a positive id; VG_ENOTFOUND otherwise. */
int vg_req_id(struct vg_req *r, int i, int64_t *out);
/* Sets status and takes ownership of j. */
int vg_reply(struct vg_req *r, int status, json_t *j);
/* rc when a handler's service call failed, else vg_reply(r, status, j). */
int vg_reply_rc(struct vg_req *r, int rc, int status, json_t *j);
/* The caller, or NULL for an anonymous request on a public route. */
const struct vg_actor *vg_req_caller(struct vg_req *r);

#endif
