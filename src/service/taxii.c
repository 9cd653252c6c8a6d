/* TAXII 2.1 rules: the collections and who may read or write them, object
 * listings with added_after / limit / next / match[…] filters under TLP,
 * manifests, versions, adding objects with a status resource.
 * Not for: HTTP, media types or authentication headers (http/taxii.c). */
#include "service/indicators.h"
#include "service/service_int.h"
#include "core/json.h"
#include "core/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct coll {
    const char *id, *title, *description;
    int public_only; /* TLP:CLEAR content only, written by operator staff */
};

static const struct coll colls[] = {
    {VG_TAXII_COMMUNITY, "Community sharing",
     "Threat intelligence shared among the platform's units; what each reader gets follows "
     "TLP 2.0 (CLEAR to all, GREEN to member units, AMBER and AMBER+STRICT to the operator and "
     "named recipients, RED to named recipients only).",
     0},
    {VG_TAXII_PUBLIC, "Public (TLP:CLEAR)",
     "TLP:CLEAR intelligence published by the operator, readable by every account.", 1},
};

static const struct coll *find(const char *id)
{
    for (size_t i = 0; id && i < VG_ARRAY_LEN(colls); i++)
        if (strcmp(colls[i].id, id) == 0)
            return &colls[i];
    return NULL;
}

static int can_write(const struct vg_actor *who, const struct coll *c)
{
    if (c->public_only)
        return vg__staff(who);
    return vg_allowed(who, VG_ACT_IOC_SUBMIT);
}

static json_t *coll_json(const struct vg_actor *who, const struct coll *c)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", c->id, "title", c->title,
                     "description", c->description, "can_read", 1, "can_write",
                     can_write(who, c), "media_types", VG_STIX_MEDIA);
}

int vg_svc_taxii_collections(struct vg_server *srv, const struct vg_actor *who, json_t **out,
                             struct vg_err *err)
{
    json_t *arr = json_array();
    int rc;
    (void)srv;
    if ((rc = vg_authz(who, VG_ACT_IOC_READ, err)) != VG_OK) {
        json_decref(arr);
        return rc;
    }
    for (size_t i = 0; i < VG_ARRAY_LEN(colls); i++)
        json_array_append_new(arr, coll_json(who, &colls[i]));
    *out = json_pack("{s:o}", "collections", arr);
    return VG_OK;
}

int vg_svc_taxii_collection(struct vg_server *srv, const struct vg_actor *who, const char *id,
                            json_t **out, struct vg_err *err)
{
    const struct coll *c = find(id);
    int rc;
    (void)srv;
    if ((rc = vg_authz(who, VG_ACT_IOC_READ, err)) != VG_OK)
        return rc;
    if (c == NULL)
        return vg_err_set(err, VG_ENOTFOUND, "collection %s not found", id);
    *out = coll_json(who, c);
    return VG_OK;
}

/* ---- parameters ---- */

/* A TAXII timestamp with up to microsecond precision, as µs since the epoch. */
static int parse_us(const char *s, int64_t *us)
{
    int64_t ms;
    const char *dot;
    int64_t frac = 0;
    int digits = 0;
    if (vg_stix_time_parse(s, 0, &ms) != 0)
        return -1;
    *us = (ms - ((ms % 1000) + 1000) % 1000) * 1000;
    dot = strchr(s, '.');
    if (dot) {
        for (const char *p = dot + 1; isdigit((unsigned char)*p); p++)
            if (digits < 6) {
                frac = frac * 10 + (*p - '0');
                digits++;
            }
        while (digits++ < 6)
            frac *= 10;
        *us += frac;
    }
    return 0;
}

/* "a,b,c" as a JSON array of strings (arena text), NULL for NULL. */
static const char *csv_json(const char *s, struct vg_arena *a)
{
    json_t *arr;
    char *t;
    if (s == NULL)
        return NULL;
    arr = json_array();
    for (const char *p = s;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && isspace((unsigned char)*p)) {
            p++;
            n--;
        }
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
        if (n)
            json_array_append_new(arr, json_stringn(p, n));
        if (e == NULL)
            break;
        p = e + 1;
    }
    t = vg_json_dump(arr, NULL);
    json_decref(arr);
    char *r = vg_arena_strdup(a, t);
    free(t);
    return r;
}

static int version_filter(const char *s, struct vg_taxii_filter *f, struct vg_arena *a,
                          struct vg_err *err)
{
    int first = 0, last = 0, all = 0, nts = 0;
    json_t *arr = json_array();
    for (const char *p = s;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char tok[64];
        int64_t ms;
        if (n >= sizeof(tok)) {
            json_decref(arr);
            return vg_err_field(err, VG_EINVAL, "match[version]", "match[version]: bad value");
        }
        memcpy(tok, p, n);
        tok[n] = '\0';
        if (strcmp(tok, "first") == 0)
            first = 1;
        else if (strcmp(tok, "last") == 0)
            last = 1;
        else if (strcmp(tok, "all") == 0)
            all = 1;
        else if (vg_stix_time_parse(tok, 0, &ms) == 0) {
            json_array_append_new(arr, json_integer(ms));
            nts++;
        } else {
            json_decref(arr);
            return vg_err_field(err, VG_EINVAL, "match[version]",
                                "match[version]: first, last, all or timestamps");
        }
        if (e == NULL)
            break;
        p = e + 1;
    }
    if (all || (first && last) || ((first || last) && nts))
        f->version_mode = 2;
    else if (first)
        f->version_mode = 1;
    else if (nts) {
        char *t = vg_json_dump(arr, NULL);
        f->version_mode = 3;
        f->versions = vg_arena_strdup(a, t);
        free(t);
    } else
        f->version_mode = 0;
    json_decref(arr);
    return VG_OK;
}

/* ---- GET objects, manifest, versions ---- */

int vg_svc_taxii_get(struct vg_server *srv, const struct vg_actor *who,
                     const struct vg_taxii_query *q, struct vg_taxii_page *out,
                     struct vg_err *err)
{
    const struct coll *c = find(q->collection);
    struct vg_taxii_filter f;
    struct vg_buf page = {0};
    struct vg_taxii_object *objs;
    struct vg_arena *a;
    struct vg_store *st;
    size_t n;
    int64_t v, after = 0;
    int rc, more;
    if ((rc = vg_authz(who, VG_ACT_IOC_READ, err)) != VG_OK)
        return rc;
    if (c == NULL)
        return vg_err_set(err, VG_ENOTFOUND, "collection %s not found", q->collection);
    memset(&f, 0, sizeof(f));
    a = vg_arena_new(0);
    f.collection = c->id;
    f.dense = !c->public_only; /* the community collection takes nearly every object */
    f.viewer = vg__ioc_viewer(who);
    if (c->public_only) {
        f.viewer.max_tlp = VG_TLP_CLEAR;
        f.viewer.org = -1;
    }
    f.limit = 100;
    rc = VG_OK;
    if (q->limit) {
        if (vg_parse_i64(q->limit, 1, INT64_MAX / 2, &v) != 0) {
            rc = vg_err_field(err, VG_EINVAL, "limit", "limit: a positive integer");
            goto out;
        }
        f.limit = v > 1000 ? 1000 : (int)v;
    }
    if (q->added_after && parse_us(q->added_after, &after) != 0) {
        rc = vg_err_field(err, VG_EINVAL, "added_after", "added_after: not a timestamp");
        goto out;
    }
    if (q->next && *q->next) {
        if (vg_parse_i64(q->next, 0, INT64_MAX, &v) != 0) {
            rc = vg_err_field(err, VG_EINVAL, "next", "next: not a value this server gave");
            goto out;
        }
        if (v > after)
            after = v;
    }
    f.added_after = after;
    f.types = csv_json(q->match_type, a);
    f.spec_versions = csv_json(q->match_spec_version, a);
    if (q->object_id) {
        json_t *one = json_pack("[s]", q->object_id);
        char *t = vg_json_dump(one, NULL);
        f.ids = vg_arena_strdup(a, t);
        free(t);
        json_decref(one);
    } else {
        f.ids = csv_json(q->match_id, a);
    }
    f.version_mode = q->view == VG_TAXII_VERSIONS ? 2 : 0;
    if (q->match_version && (rc = version_filter(q->match_version, &f, a, err)) != VG_OK)
        goto out;
    /* the objects view: the store writes the objects' text as it reads them */
    if (q->view == VG_TAXII_OBJECTS)
        f.page = &page;
    st = vg_pool_get(srv->pool);
    rc = st->ops->taxii_list(st, &f, a, &objs, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc)
        goto out;
    if (q->object_id && n == 0 && !q->added_after && !q->next) {
        rc = vg_err_set(err, VG_ENOTFOUND, "object %s not found", q->object_id);
        goto out;
    }
    more = n > (size_t)f.limit;
    if (more)
        n = (size_t)f.limit;
    out->first[0] = out->last[0] = '\0';
    if (n) {
        vg__ioc_time_us(objs[0].date_added, out->first);
        vg__ioc_time_us(objs[n - 1].date_added, out->last);
    }
    vg_buf_printf(&out->body, "{\"more\":%s", more ? "true" : "false");
    if (more)
        vg_buf_printf(&out->body, ",\"next\":\"%lld\"", (long long)objs[n - 1].date_added);
    if (q->view == VG_TAXII_OBJECTS) {
        vg_buf_puts(&out->body, ",\"objects\":[");
        if (page.n)
            vg_buf_append(&out->body, page.p, page.n);
    } else if (q->view == VG_TAXII_MANIFEST) {
        vg_buf_puts(&out->body, ",\"objects\":[");
        for (size_t i = 0; i < n; i++) {
            char added[40];
            vg__ioc_time_us(objs[i].date_added, added);
            vg_buf_printf(&out->body, "%s{\"id\":", i ? "," : "");
            vg__json_str(&out->body, objs[i].id);
            vg_buf_printf(&out->body, ",\"date_added\":\"%s\",\"version\":", added);
            vg__json_str(&out->body, objs[i].version[0] ? objs[i].version : added);
            vg_buf_printf(&out->body, ",\"media_type\":\"%s\"}", VG_STIX_MEDIA);
        }
    } else {
        vg_buf_puts(&out->body, ",\"versions\":[");
        for (size_t i = 0; i < n; i++) {
            char added[40];
            vg__ioc_time_us(objs[i].date_added, added);
            if (i)
                vg_buf_putc(&out->body, ',');
            vg__json_str(&out->body, objs[i].version[0] ? objs[i].version : added);
        }
    }
    vg_buf_puts(&out->body, "]}");
out:
    vg_buf_free(&page);
    vg_arena_free(a);
    return rc;
}

/* ---- POST objects ---- */

struct add_ctx {
    const char *status_id;
    int64_t requested;
    json_t *status;
};

static json_t *status_json(struct vg__ingest *g, struct add_ctx *c)
{
    json_t *ok = json_array(), *bad = json_array();
    char ts[40];
    for (size_t i = 0; i < g->n; i++) {
        struct vg__ioc_item *it = &g->items[i];
        const char *id = it->so.id ? it->so.id : vg_jstr(vg_jget(it->obj, "id"));
        const char *ver = vg_jstr(vg_jget(it->obj, "modified"));
        json_t *d = json_object();
        json_object_set_new(d, "id", json_string(id ? id : ""));
        if (ver)
            json_object_set_new(d, "version", json_string(ver));
        if (it->failed) {
            json_object_set_new(d, "message", json_string(it->msg ? it->msg : "invalid object"));
            json_array_append_new(bad, d);
        } else {
            if (it->duplicate)
                json_object_set_new(d, "message", json_string("already stored"));
            json_array_append_new(ok, d);
        }
    }
    vg__ioc_time_us(c->requested, ts);
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:I, s:o, s:I, s:[]}", "id", c->status_id,
                     "status", "complete", "request_timestamp", ts, "total_count",
                     (json_int_t)g->n, "success_count", (json_int_t)json_array_size(ok),
                     "successes", ok, "failure_count", (json_int_t)json_array_size(bad),
                     "failures", bad, "pending_count", (json_int_t)0, "pending");
}

static int add_after(struct vg_store *st, struct vg__ingest *g)
{
    struct add_ctx *c = g->ctx;
    char *body;
    int rc;
    c->status = status_json(g, c);
    body = vg_json_dump(c->status, NULL);
    struct vg_taxii_status s = {.id = c->status_id, .org_id = g->who->org_id,
                                .created_at = vg_time_now_ms(), .body = body};
    rc = st->ops->taxii_status_put(st, &s, g->err);
    free(body);
    return rc;
}

int vg_svc_taxii_add(struct vg_server *srv, const struct vg_actor *who, const char *collection,
                     const char *raw, size_t rawlen, json_t **out, struct vg_err *err)
{
    const struct coll *c = find(collection);
    struct vg__ingest g;
    struct add_ctx ctx;
    const struct vg_jval *env = NULL, *objs;
    struct vg_arena *doc;
    char idn[37];
    int rc;
    if ((rc = vg_authz(who, VG_ACT_IOC_READ, err)) != VG_OK)
        return rc;
    if (c == NULL)
        return vg_err_set(err, VG_ENOTFOUND, "collection %s not found", collection);
    if (!can_write(who, c))
        return vg_err_set(err, VG_EFORBIDDEN, "no write access to collection %s", c->id);
    doc = vg_arena_new(0);
    if ((rc = vg_jscan_parse(raw ? raw : "", rawlen, doc, NULL, &env, NULL, err)) != VG_OK) {
        vg_arena_free(doc);
        return rc;
    }
    objs = vg_jget(env, "objects");
    if (!vg_jis(env, VG_JOBJ) || !vg_jis(objs, VG_JARR)) {
        vg_arena_free(doc);
        return vg_err_field(err, VG_EINVAL, "objects",
                            "the body must be an envelope {\"objects\":[…]}");
    }
    if (objs->n > VG_STIX_MAX_OBJECTS) {
        vg_arena_free(doc);
        return vg_err_field(err, VG_ETOOBIG, "objects", "objects: too many");
    }
    memset(&g, 0, sizeof(g));
    memset(&ctx, 0, sizeof(ctx));
    g.a = vg_arena_new(0);
    g.who = who;
    g.collection = c->id;
    g.err = err;
    g.audit_action = "taxii.add";
    g.after = add_after;
    g.ctx = &ctx;
    ctx.requested = vg__now_us();
    vg__uuid4(idn);
    ctx.status_id = g.submission_id = vg_arena_strdup(g.a, idn);
    g.n = objs->n;
    g.items = vg_arena_calloc(g.a, g.n ? g.n : 1, sizeof(*g.items));
    for (size_t i = 0; i < g.n; i++) {
        struct vg__ioc_item *it = &g.items[i];
        struct vg_err e = {0};
        char path[32];
        snprintf(path, sizeof(path), "objects[%zu]", i);
        it->obj = &objs->u.a[i];
        if (!vg_jis(it->obj, VG_JOBJ) ||
            vg_stix_object_read(it->obj, path, &it->so, &e) != VG_OK ||
            vg__ioc_item_prepare(it, path, g.a, &e) != VG_OK) {
            it->failed = 1;
            it->msg = vg_arena_strdup(g.a, e.msg[0] ? e.msg : "not a STIX object");
            continue;
        }
        if (c->public_only && it->tlp != VG_TLP_CLEAR) {
            it->failed = 1;
            it->msg = vg_arena_printf(g.a, "%s is TLP:%s; this collection takes TLP:CLEAR only",
                                      it->so.id, vg_tlp_name((enum vg_tlp)it->tlp));
        }
    }
    rc = vg__ioc_ingest_checked(srv, &g, raw ? raw : "", rawlen);
    if (rc == VG_OK) {
        *out = ctx.status;
        ctx.status = NULL;
    }
    json_decref(ctx.status);
    vg_buf_free(&g.text);
    vg_arena_free(g.a);
    vg_arena_free(doc);
    return rc;
}

int vg_svc_taxii_status(struct vg_server *srv, const struct vg_actor *who, const char *id,
                        json_t **out, struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_taxii_status s;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_IOC_READ, err)) != VG_OK)
        return rc;
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->taxii_status_get(st, id, a, &s, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK && s.org_id != who->org_id && !vg__staff(who))
        rc = VG_ENOTFOUND;
    if (rc == VG_ENOTFOUND) {
        vg_err_clear(err);
        rc = vg_err_set(err, VG_ENOTFOUND, "status %s not found", id);
    }
    if (rc == VG_OK)
        *out = json_loads(s.body, 0, NULL);
    vg_arena_free(a);
    return rc;
}
