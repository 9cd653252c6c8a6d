/* Request counters by route and status, and a latency histogram per route,
 * kept in atomics (no lock on the request path), rendered in the Prometheus
 * text exposition format with the store's figures. */
#include "http/http_int.h"
#include "core/util.h"

#include <stdlib.h>

static const int statuses[] = {200, 201, 202, 204, 304, 400, 401, 403, 404,
                               405, 409, 413, 415, 422, 429, 500, 503};
#define NSTATUS ((int)VG_ARRAY_LEN(statuses) + 1) /* + "other" */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,   0.25,   0.5,   1,    2.5, 5, 10};
#define NBUCKET ((int)VG_ARRAY_LEN(bounds) + 1) /* + "+Inf" */

struct route_stats {
    atomic_uint_fast64_t by_status[NSTATUS];
    atomic_uint_fast64_t buckets[NBUCKET];
    atomic_uint_fast64_t sum_ns;
    atomic_uint_fast64_t other_status; /* last "other" code seen, for the label */
};

struct vg_metrics {
    int nroutes;
    struct route_stats *r; /* nroutes + 1; the last is "unmatched" */
};

struct vg_metrics *vg_metrics_new(int nroutes)
{
    struct vg_metrics *m = vg_xcalloc(1, sizeof(*m));
    m->nroutes = nroutes;
    m->r = vg_xcalloc((size_t)nroutes + 1, sizeof(*m->r));
    return m;
}

void vg_metrics_free(struct vg_metrics *m)
{
    if (m) {
        free(m->r);
        free(m);
    }
}

void vg_metrics_observe(struct vg_metrics *m, int route, int status, int64_t ns)
{
    struct route_stats *rs = &m->r[route >= 0 && route < m->nroutes ? route : m->nroutes];
    int si = NSTATUS - 1, bi = NBUCKET - 1;
    double s = (double)ns / 1e9;
    for (int i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == status) {
            si = i;
            break;
        }
    for (int i = 0; i < NBUCKET - 1; i++)
        if (s <= bounds[i]) {
            bi = i;
            break;
        }
    atomic_fetch_add_explicit(&rs->by_status[si], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&rs->buckets[bi], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&rs->sum_ns, (uint_fast64_t)ns, memory_order_relaxed);
}

void vg_metrics_render(struct vg_metrics *m, struct vg_server *srv, struct vg_buf *out)
{
    struct vg_store_stats st;
    struct vg_err err = {0};
    vg_buf_puts(out, "# HELP vigil_http_requests_total HTTP requests by route and status.\n"
                     "# TYPE vigil_http_requests_total counter\n");
    for (int r = 0; r <= m->nroutes; r++) {
        const char *name = r < m->nroutes ? vg_routes[r].name : "unmatched";
        for (int i = 0; i < NSTATUS; i++) {
            uint64_t v = atomic_load(&m->r[r].by_status[i]);
            if (v == 0)
                continue;
            if (i < NSTATUS - 1)
                vg_buf_printf(out, "vigil_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                              name, statuses[i], (unsigned long long)v);
            else
                vg_buf_printf(out, "vigil_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                              name, (unsigned long long)v);
        }
    }
    vg_buf_puts(out, "# HELP vigil_http_request_duration_seconds Time from request start to "
                     "response completion.\n"
                     "# TYPE vigil_http_request_duration_seconds histogram\n");
    for (int r = 0; r <= m->nroutes; r++) {
        const char *name = r < m->nroutes ? vg_routes[r].name : "unmatched";
        uint64_t cum = 0;
        for (int i = 0; i < NBUCKET; i++)
            cum += atomic_load(&m->r[r].buckets[i]);
        if (cum == 0)
            continue;
        cum = 0;
        for (int i = 0; i < NBUCKET; i++) {
            cum += atomic_load(&m->r[r].buckets[i]);
            if (i < NBUCKET - 1)
                vg_buf_printf(out,
                              "vigil_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                              name, bounds[i], (unsigned long long)cum);
            else
                vg_buf_printf(out,
                              "vigil_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                              name, (unsigned long long)cum);
        }
        vg_buf_printf(out, "vigil_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n", name,
                      (double)atomic_load(&m->r[r].sum_ns) / 1e9);
        vg_buf_printf(out, "vigil_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
                      (unsigned long long)cum);
    }
    if (vg_svc_stats(srv, &st, &err) == VG_OK) {
        vg_buf_printf(out,
                      "# HELP vigil_store_objects Rows in the store by kind.\n"
                      "# TYPE vigil_store_objects gauge\n"
                      "vigil_store_objects{kind=\"orgs\"} %lld\n"
                      "vigil_store_objects{kind=\"users\"} %lld\n"
                      "vigil_store_objects{kind=\"live_tokens\"} %lld\n"
                      "vigil_store_objects{kind=\"audit_entries\"} %lld\n"
                      "vigil_store_objects{kind=\"open_tasks\"} %lld\n"
                      "vigil_store_objects{kind=\"cases\"} %lld\n"
                      "# HELP vigil_outbox_pending Notifications waiting for delivery.\n"
                      "# TYPE vigil_outbox_pending gauge\nvigil_outbox_pending %lld\n",
                      (long long)st.orgs, (long long)st.users, (long long)st.tokens,
                      (long long)st.audit_entries, (long long)st.open_tasks, (long long)st.cases,
                      (long long)st.outbox_pending);
    }
    vg_buf_printf(out, "# HELP vigil_store_up 1 when the store answered.\n"
                       "# TYPE vigil_store_up gauge\nvigil_store_up %d\n",
                  err.code == VG_OK ? 1 : 0);
}
