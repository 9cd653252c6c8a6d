/* GET /api/v1/stream: the caller's notifications (case forwarding, vendor
 * notices, risk alerts) as server-sent events, resumable with Last-Event-ID
 * (the notification id). The response is produced by a content reader; when
 * nothing is new it suspends the connection (no worker thread is held) and a
 * waker resumes every suspended stream a few times a second, so a client
 * sees an event within ~200 ms of its commit. A comment line every 15 s keeps
 * proxies from closing an idle stream. */
#include "http/http_int.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct stream {
    struct vg_http *http;
    struct vg_server *srv;
    struct MHD_Connection *conn;
    struct vg_actor who;
    char user_name[128], org_name[208];
    int64_t last_id, last_sent_ms;
    struct vg_buf out;
    size_t off;
    int suspended;
    struct stream *next; /* on the suspended list */
};

struct vg_streams {
    pthread_mutex_t mu;
    pthread_t waker;
    int running, stopping;
    struct stream *suspended;
    pthread_cond_t cv;
};

/* With ss->mu held. A resumed stream may end and be freed at once, so the
 * list is detached and each next pointer read before its resume. */
static void resume_all(struct vg_streams *ss)
{
    struct stream *s = ss->suspended;
    ss->suspended = NULL;
    while (s) {
        struct stream *next = s->next;
        struct MHD_Connection *c = s->conn;
        s->suspended = 0;
        MHD_resume_connection(c);
        s = next;
    }
}

static void *waker(void *arg)
{
    struct vg_streams *ss = arg;
    pthread_mutex_lock(&ss->mu);
    while (!ss->stopping) {
        struct timespec ts;
        vg_deadline_us(&ts, 200 * 1000L);
        pthread_cond_timedwait(&ss->cv, &ss->mu, &ts);
        resume_all(ss);
    }
    pthread_mutex_unlock(&ss->mu);
    return NULL;
}

struct vg_streams *vg_streams_start(void)
{
    struct vg_streams *ss = vg_xcalloc(1, sizeof(*ss));
    pthread_mutex_init(&ss->mu, NULL);
    pthread_cond_init(&ss->cv, NULL);
    if (pthread_create(&ss->waker, NULL, waker, ss) == 0)
        ss->running = 1;
    return ss;
}

/* Resumes every stream (MHD cannot stop with suspended connections) and
 * stops the waker; readers then end their streams. */
void vg_streams_stop(struct vg_streams *ss)
{
    if (ss == NULL)
        return;
    pthread_mutex_lock(&ss->mu);
    ss->stopping = 1;
    pthread_cond_broadcast(&ss->cv);
    pthread_mutex_unlock(&ss->mu);
    if (ss->running)
        pthread_join(ss->waker, NULL);
    pthread_mutex_lock(&ss->mu);
    resume_all(ss);
    pthread_mutex_unlock(&ss->mu);
}

/* After the daemon has stopped: no reader can run any more. */
void vg_streams_free(struct vg_streams *ss)
{
    if (ss == NULL)
        return;
    pthread_mutex_destroy(&ss->mu);
    pthread_cond_destroy(&ss->cv);
    free(ss);
}

/* Appends the notifications after last_id as events. */
static void fill(struct stream *s)
{
    struct vg_err e = {0};
    json_t *out = NULL, *it;
    size_t i;
    struct vg_page pg = {.after = s->last_id, .limit = 100};
    if (vg_svc_inbox(s->srv, &s->who, pg, &out, &e) != VG_OK)
        return;
    json_array_foreach(json_object_get(out, "items"), i, it) {
        char *data = vg_json_dump(json_object_get(it, "message"), NULL);
        int64_t id = json_integer_value(json_object_get(it, "id"));
        vg_buf_printf(&s->out, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)id,
                      json_string_value(json_object_get(it, "topic")), data);
        free(data);
        s->last_id = id;
    }
    json_decref(out);
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    struct vg_streams *ss = vg__http_streams(s->http);
    (void)pos;
    if (vg__http_stopping(s->http))
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (s->off >= s->out.n) {
        vg_buf_reset(&s->out);
        s->off = 0;
        fill(s);
        int64_t now = vg_time_now_ms();
        if (s->out.n == 0 && now - s->last_sent_ms >= 15000)
            vg_buf_puts(&s->out, ": keep-alive\n\n");
    }
    if (s->out.n == 0) {
        pthread_mutex_lock(&ss->mu);
        if (!ss->stopping) {
            s->suspended = 1;
            s->next = ss->suspended;
            ss->suspended = s;
            MHD_suspend_connection(s->conn);
        }
        pthread_mutex_unlock(&ss->mu);
        return 0;
    }
    size_t n = s->out.n - s->off < max ? s->out.n - s->off : max;
    memcpy(buf, s->out.p + s->off, n);
    s->off += n;
    s->last_sent_ms = vg_time_now_ms();
    return (ssize_t)n;
}

static void release(void *cls)
{
    struct stream *s = cls;
    vg_buf_free(&s->out);
    free(s);
}

int vg_h_stream(struct vg_req *r)
{
    struct vg_err e = {0};
    json_t *probe = NULL;
    struct vg_page pg = {.after = 0, .limit = 1};
    const char *last = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");
    const char *q = vg_req_query(r, "last_event_id");
    int64_t after = 0;
    /* authorization: the same as reading the inbox */
    int rc = vg_svc_inbox(r->srv, &r->actor, pg, &probe, &r->err);
    json_decref(probe);
    if (rc)
        return rc;
    if ((last && vg_parse_i64(last, 0, INT64_MAX, &after) != 0) ||
        (!last && q && vg_parse_i64(q, 0, INT64_MAX, &after) != 0))
        return vg_err_field(&r->err, VG_EINVAL, "Last-Event-ID", "Last-Event-ID: a number");
    (void)e;
    struct stream *s = vg_xcalloc(1, sizeof(*s));
    s->http = r->http;
    s->srv = r->srv;
    s->conn = r->conn;
    s->who = r->actor;
    vg_strlcpy(s->user_name, r->actor.user_name ? r->actor.user_name : "", sizeof(s->user_name));
    vg_strlcpy(s->org_name, r->actor.org_name ? r->actor.org_name : "", sizeof(s->org_name));
    s->who.user_name = s->user_name;
    s->who.org_name = s->org_name;
    s->last_id = after;
    s->last_sent_ms = vg_time_now_ms();
    /* a first comment tells the client the stream is open */
    vg_buf_puts(&s->out, ": vigil stream\nretry: 1000\n\n");
    r->stream = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, reader, s, release);
    if (r->stream == NULL) {
        release(s);
        return vg_err_set(&r->err, VG_ENOMEM, "cannot create the stream");
    }
    r->status = 200;
    return VG_OK;
}
