/* libmicrohttpd glue: request records with an arena each, body collection
 * under a limit, route matching, authentication, error mapping, access logs,
 * metrics, and a graceful stop. */
#include "http/http_int.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct vg_http {
    struct vg_server *srv;
    struct MHD_Daemon *d;
    struct vg_metrics *metrics;
    unsigned port;
    uint32_t id_prefix;
    atomic_uint_fast64_t next_id;
    atomic_int_fast64_t inflight;
    struct vg_streams *streams;
    atomic_int stopping;
    struct vg_ratelimit *auth_limit;
};

struct vg_streams *vg__http_streams(struct vg_http *h)
{
    return h->streams;
}

int vg__http_stopping(struct vg_http *h)
{
    return atomic_load(&h->stopping);
}

struct vg_metrics *vg__http_metrics(struct vg_http *h)
{
    return h->metrics;
}

int64_t vg__http_inflight(struct vg_http *h)
{
    return (int64_t)atomic_load(&h->inflight);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int status_of(int code)
{
    switch (code) {
    case VG_EINVAL:
    case VG_EMISSING:
    case VG_EUNKNOWN:
    case VG_EJSON:
        return 400;
    case VG_EUNAUTH:
        return 401;
    case VG_EFORBIDDEN:
    case VG_ESUSPENDED:
        return 403;
    case VG_ENOTFOUND:
        return 404;
    case VG_ECONFLICT:
    case VG_ETRANSITION:
        return 409;
    case VG_ETOOBIG:
        return 413;
    case VG_ERATE:
        return 429;
    default:
        return 500;
    }
}

static void error_body(struct vg_req *r, int code)
{
    json_t *e = json_object();
    r->status = status_of(code);
    if (r->status >= 500) {
        VG_LOG(VG_LOG_ERROR, "req=%s event=internal_error code=%d msg=\"%s\"", r->id, code,
               r->err.msg);
        json_object_set_new(e, "code", json_string("internal"));
        json_object_set_new(e, "message",
                            json_string(vg_arena_printf(r->a, "internal error (request %s)", r->id)));
    } else {
        json_object_set_new(e, "code", json_string(vg_err_name(code)));
        json_object_set_new(e, "message", json_string(r->err.msg[0] ? r->err.msg : vg_err_name(code)));
    }
    json_object_set_new(e, "field", r->err.field[0] ? json_string(r->err.field) : json_null());
    json_decref(r->json);
    r->json = json_pack("{s:o}", "error", e);
}

/* Matches url against pattern segment by segment; {x} captures one segment. */
static int match(const char *pattern, const char *url, struct vg_req *r)
{
    const char *p = pattern, *u = url;
    int np = 0;
    while (*p && *u) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *ue = strchr(u, '/');
            size_t len = ue ? (size_t)(ue - u) : strlen(u);
            if (pe == NULL || len == 0 || np >= VG_MAX_PARAMS)
                return 0;
            r->param[np++] = vg_arena_strndup(r->a, u, len);
            p = pe + 1;
            u += len;
            continue;
        }
        if (*p != *u)
            return 0;
        p++;
        u++;
    }
    if (*u == '/' && u[1] == '\0')
        u++; /* tolerate one trailing slash */
    return *p == '\0' && *u == '\0';
}

static void route(struct vg_req *r)
{
    int path_known = 0;
    struct vg_buf allow = {0};
    r->route = -1;
    for (int i = 0; i < vg_nroutes; i++) {
        if (!match(vg_routes[i].pattern, r->url, r))
            continue;
        path_known = 1;
        if (strcmp(vg_routes[i].method, r->method) == 0 ||
            (strcmp(r->method, "HEAD") == 0 && strcmp(vg_routes[i].method, "GET") == 0)) {
            r->route = i;
            vg_buf_free(&allow);
            return;
        }
        vg_buf_printf(&allow, "%s%s", allow.n ? ", " : "", vg_routes[i].method);
    }
    if (path_known) {
        r->allow = vg_arena_strdup(r->a, allow.p);
        vg_err_set(&r->err, VG_EINVAL, "method %s not allowed here", r->method);
        r->status = 405;
    } else {
        vg_err_set(&r->err, VG_ENOTFOUND, "no such endpoint: %s %s", r->method, r->url);
    }
    vg_buf_free(&allow);
}

static enum MHD_Result query_utf8(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct vg_req *r = cls;
    (void)kind;
    if (vg_utf8_valid(key, strlen(key)) && (value == NULL || vg_utf8_valid(value, strlen(value))))
        return MHD_YES;
    if (vg_utf8_valid(key, strlen(key)))
        vg_err_field(&r->err, VG_EINVAL, key, "%s: not valid UTF-8", key);
    else
        vg_err_field(&r->err, VG_EINVAL, "query", "query: a parameter name is not valid UTF-8");
    return MHD_NO;
}

/* The path and every query parameter are UTF-8 text: they end up in JSON
 * documents, the store and logs. */
static int check_text(struct vg_req *r)
{
    if (!vg_utf8_valid(r->url, strlen(r->url)))
        return vg_err_field(&r->err, VG_EINVAL, "path", "path: not valid UTF-8");
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_utf8, r);
    return r->err.code;
}

static void dispatch(struct vg_req *r)
{
    int rc;
    route(r);
    if (r->route < 0) {
        if (r->status == 405) {
            error_body(r, VG_EINVAL);
            r->status = 405;
            json_object_set_new(json_object_get(r->json, "error"), "code",
                                json_string("method_not_allowed"));
        } else {
            error_body(r, VG_ENOTFOUND);
        }
        return;
    }
    if (r->too_large) {
        vg_err_set(&r->err, VG_ETOOBIG, "request body larger than %lld bytes",
                   (long long)r->srv->cfg.body_limit);
        error_body(r, VG_ETOOBIG);
        return;
    }
    const struct vg_route *rt = &vg_routes[r->route];
    const char *h = rt->auth ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                            "Authorization")
                             : NULL;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *peer = ci ? ci->client_addr : NULL;
    int login = strcmp(rt->name, "login") == 0;
    if ((login && !vg_ratelimit_take(r->http->auth_limit, peer, 1)) ||
        (h && !login && !vg_ratelimit_take(r->http->auth_limit, peer, 0))) {
        vg_err_set(&r->err, VG_ERATE, "too many failed attempts from this address; wait a minute");
        error_body(r, VG_ERATE);
        return;
    }
    if (rt->auth == VG_AUTH_REQUIRED || (rt->auth == VG_AUTH_OPTIONAL && h)) {
        const char *tok = NULL;
        if (h && strncasecmp(h, "Bearer ", 7) == 0)
            tok = h + 7;
        rc = vg_svc_authenticate(r->srv, tok, r->a, &r->actor, &r->err);
        if (rc == VG_EUNAUTH && h)
            vg_ratelimit_take(r->http->auth_limit, peer, 1);
        if (rc) {
            error_body(r, rc);
            return;
        }
        r->authed = 1;
    }
    if ((rc = check_text(r)) == VG_OK)
        rc = rt->fn(r);
    if (rc)
        error_body(r, rc);
}

static enum MHD_Result send_response(struct vg_req *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char *body;
    size_t n;
    if (r->stream) {
        resp = r->stream;
        r->stream = NULL;
        MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
        MHD_add_response_header(resp, "Cache-Control", "no-store");
        MHD_add_response_header(resp, "X-Accel-Buffering", "no");
        MHD_add_response_header(resp, "X-Request-Id", r->id);
        ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    if (r->raw) {
        body = r->raw;
        n = r->raw_len;
        r->raw = NULL;
    } else if (r->json) {
        body = vg_json_dump(r->json, &n);
    } else {
        body = NULL;
        n = 0;
    }
    resp = MHD_create_response_from_buffer(n, body, body ? MHD_RESPMEM_MUST_FREE
                                                         : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        free(body);
        return MHD_NO;
    }
    if (n || r->json)
        MHD_add_response_header(resp, "Content-Type",
                                r->ctype ? r->ctype : "application/json; charset=utf-8");
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"vigil\"");
    if (r->allow)
        MHD_add_response_header(resp, "Allow", r->allow);
    /* ---- indicators/TAXII: extra headers set by a handler ---- */
    for (const char *h = r->headers; h && *h;) {
        const char *colon = strchr(h, ':'), *nl = strchr(h, '\n');
        if (colon == NULL || nl == NULL || colon > nl)
            break;
        char *name = vg_arena_strndup(r->a, h, (size_t)(colon - h));
        char *value = vg_arena_strndup(r->a, colon + 2, (size_t)(nl - colon - 2));
        MHD_add_response_header(resp, name, value);
        h = nl + 1;
    }
    ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct vg_http *h = cls;
    struct vg_req *r = *con_cls;
    (void)version;
    if (r == NULL) {
        r = vg_xcalloc(1, sizeof(*r));
        r->a = vg_arena_new(8192);
        r->srv = h->srv;
        r->http = h;
        r->conn = conn;
        r->method = method;
        r->url = url;
        r->route = -1;
        r->t0_ns = now_ns();
        snprintf(r->id, sizeof(r->id), "%08x%08llx", h->id_prefix,
                 (unsigned long long)atomic_fetch_add(&h->next_id, 1));
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        int64_t len;
        if (cl && vg_parse_i64(cl, 0, INT64_MAX, &len) == 0) {
            if (len > h->srv->cfg.body_limit)
                r->too_large = 1;
            else
                r->body_len = len;
        }
        atomic_fetch_add(&h->inflight, 1);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        /* A body over the limit is read and dropped, so the client still gets
         * its 413 instead of a reset connection. */
        if (!r->too_large) {
            if (r->body.n + *upload_size > (size_t)h->srv->cfg.body_limit) {
                r->too_large = 1;
                vg_prefault_end(r->prefault);
                r->prefault = NULL;
                vg_buf_free(&r->body);
            } else {
                size_t len = (size_t)r->body_len;
                if (r->body.p == NULL && len > *upload_size &&
                    (r->body.p = malloc(len + 1)) != NULL) {
                    /* the whole body's room at once (no regrowth; when the system has
                     * it: else grown as it comes), a large one in huge pages (its
                     * aligned inside): a fault per 2 MiB, not per 4 KiB */
                    r->body.cap = len + 1;
                    vg_huge_advise(r->body.p, len);
                    r->prefault = vg_prefault_start(r->body.p, len + 1);
                }
                vg_buf_append(&r->body, upload_data, *upload_size);
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    vg_prefault_end(r->prefault); /* the body is in */
    r->prefault = NULL;
    dispatch(r);
    return send_response(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct vg_http *h = cls;
    struct vg_req *r = *con_cls;
    (void)conn;
    if (r == NULL)
        return;
    int64_t ns = now_ns() - r->t0_ns;
    if (r->status)
        vg_metrics_observe(h->metrics, r->route, r->status, ns);
    char path[512];
    VG_LOG(VG_LOG_INFO, "req=%s method=%s path=\"%s\" route=%s status=%d us=%lld user=%lld%s",
           r->id, r->method, vg_log_quote(r->url, path, sizeof(path)), r->route >= 0 ? vg_routes[r->route].name : "-", r->status,
           (long long)(ns / 1000), (long long)r->actor.user_id,
           toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
    json_decref(r->json);
    free(r->raw);
    if (r->stream)
        MHD_destroy_response(r->stream);
    vg_prefault_end(r->prefault); /* a request cut short */
    vg_buf_free(&r->body);
    vg_arena_free(r->a);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&h->inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    VG_LOG(VG_LOG_DEBUG, "event=mhd msg=\"%s\"", msg);
}

static int parse_listen(const char *listen, struct sockaddr_in *sa, struct vg_err *err)
{
    char host[128];
    const char *colon = strrchr(listen, ':');
    int64_t port;
    if (colon == NULL || (size_t)(colon - listen) >= sizeof(host) ||
        vg_parse_i64(colon + 1, 0, 65535, &port) != 0)
        return vg_err_field(err, VG_EINVAL, "listen", "listen: '%s' is not HOST:PORT", listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0)
        vg_strlcpy(host, "127.0.0.1", sizeof(host));
    if (host[0] == '\0')
        vg_strlcpy(host, "0.0.0.0", sizeof(host));
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return vg_err_field(err, VG_EINVAL, "listen", "listen: '%s' is not an IPv4 address", host);
    return VG_OK;
}

int vg_http_start(struct vg_server *srv, struct vg_http **out, struct vg_err *err)
{
    struct vg_http *h;
    struct sockaddr_in sa;
    int rc;
    *out = NULL;
    if ((rc = parse_listen(srv->cfg.listen, &sa, err)) != VG_OK)
        return rc;
    h = vg_xcalloc(1, sizeof(*h));
    h->srv = srv;
    h->metrics = vg_metrics_new(vg_nroutes);
    h->id_prefix = randombytes_random();
    h->streams = vg_streams_start();
    h->auth_limit = vg_ratelimit_new((int)srv->cfg.auth_rate);
    atomic_init(&h->stopping, 0);
    atomic_init(&h->next_id, 1);
    atomic_init(&h->inflight, 0);
    /* MHD zeroes a connection's memory pool after each request on it, and
     * reads a body into what the pool has left, a piece at a time. 32 KB
     * (its default): a 385 MB body is received in 0.3-0.5 s rather than
     * 0.45-0.75 s with 16 KB (half the reads), and bench/cases showed no
     * difference between the two (server CPU per submission 0.106-0.119
     * against 0.121-0.125 ms, two runs each). The request line and headers
     * fit up to about 28 KB (431 above, docs/operations.md). */
    h->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
            MHD_USE_TURBO,
        0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)srv->cfg.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)srv->cfg.timeout,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_CONNECTION_LIMIT, 4096u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    if (h->d == NULL) {
        vg_streams_stop(h->streams);
        vg_streams_free(h->streams);
        vg_ratelimit_free(h->auth_limit);
        vg_metrics_free(h->metrics);
        free(h);
        return vg_err_set(err, VG_EIO, "cannot listen on %s (address in use?)", srv->cfg.listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : ntohs(sa.sin_port);
    *out = h;
    return VG_OK;
}

unsigned vg_http_port(const struct vg_http *h)
{
    return h->port;
}

void vg_http_stop(struct vg_http *h, int grace)
{
    if (h == NULL)
        return;
    /* No MHD_quiesce_daemon: with a thread pool on epoll, libmicrohttpd
     * 0.9.75 drops the listen socket from each worker's epoll set both there
     * and in the worker, and aborts ("Failed to remove listen FD from epoll
     * set") when the worker was first. Requests that arrive during the grace
     * period are served; MHD_stop_daemon closes the socket. */
    /* streams end at once; MHD needs every suspended connection resumed */
    atomic_store(&h->stopping, 1);
    vg_streams_stop(h->streams);
    for (int i = 0; i < grace * 100 && atomic_load(&h->inflight) > 0; i++)
        usleep(10000);
    MHD_stop_daemon(h->d);
    vg_streams_free(h->streams);
    vg_ratelimit_free(h->auth_limit);
    vg_metrics_free(h->metrics);
    free(h);
}
