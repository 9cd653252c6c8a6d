/* The TAXII 2.1 protocol at /taxii2/: content negotiation (406 unless the
 * client accepts application/taxii+json;version=2.1), HTTP Basic (user name +
 * API token as password) and Bearer authentication, TAXII error bodies,
 * X-TAXII-Date-Added-First/Last. One API root, "vigil".
 * Not for: which objects a reader may see (service/taxii.c decides). */
#include "http/http_int.h"
#include "core/json.h"
#include "core/util.h"
#include "service/indicators.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROOT "vigil"

static const char *header(struct vg_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static int status_of(int code)
{
    switch (code) {
    case VG_EINVAL: case VG_EMISSING: case VG_EUNKNOWN: case VG_EJSON: return 400;
    case VG_EUNAUTH: return 401;
    case VG_EFORBIDDEN: case VG_ESUSPENDED: return 403;
    case VG_ENOTFOUND: return 404;
    case VG_ECONFLICT: case VG_ETRANSITION: return 409;
    case VG_ETOOBIG: return 413;
    default: return 500;
    }
}

static const char *title_of(int status)
{
    switch (status) {
    case 400: return "Bad request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not found";
    case 406: return "Not acceptable";
    case 413: return "Content too large";
    case 415: return "Unsupported media type";
    default: return "Internal error";
    }
}

/* A TAXII error message; always VG_OK to the dispatcher (the body is ours). */
static int terror(struct vg_req *r, int status, const char *description)
{
    json_t *j = json_object();
    char st[8];
    snprintf(st, sizeof(st), "%d", status);
    json_object_set_new(j, "title", json_string(title_of(status)));
    json_object_set_new(j, "description",
                        json_string(status >= 500 ? "internal error" : description));
    json_object_set_new(j, "http_status", json_string(st));
    if (r->err.field[0])
        json_object_set_new(j, "details", json_pack("{s:s}", "field", r->err.field));
    json_decref(r->json);
    r->json = j;
    r->status = status;
    r->ctype = VG_TAXII_MEDIA;
    if (status == 401)
        r->headers = "WWW-Authenticate: Basic realm=\"vigil TAXII\"\n";
    return VG_OK;
}

static int fail(struct vg_req *r, int rc)
{
    return terror(r, status_of(rc), r->err.msg[0] ? r->err.msg : vg_err_name(rc));
}

/* 1 when the Accept header takes TAXII 2.1 (or is absent). */
static int acceptable(const char *accept)
{
    if (accept == NULL)
        return 1;
    for (const char *p = accept; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char one[160];
        size_t k = 0;
        for (size_t i = 0; i < n && k + 1 < sizeof(one); i++)
            if (p[i] != ' ' && p[i] != '\t')
                one[k++] = (char)p[i];
        one[k] = '\0';
        if (strncasecmp(one, "application/taxii+json", 22) == 0) {
            const char *v = strstr(one, "version=");
            if (one[22] == '\0' || (v && strncmp(v + 8, "2.1", 3) == 0 &&
                                    (v[11] == '\0' || v[11] == ';')) ||
                (v == NULL && one[22] == ';'))
                return 1;
        }
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* Negotiation, then Basic or Bearer authentication, then the API root. */
static int begin(struct vg_req *r, int has_root)
{
    const char *h = header(r, "Authorization");
    const char *tok = NULL;
    char user[256] = "", *buf = NULL;
    int rc;
    if (!acceptable(header(r, "Accept")))
        return terror(r, 406, "this server speaks " VG_TAXII_MEDIA);
    if (h && strncasecmp(h, "Bearer ", 7) == 0) {
        tok = h + 7;
    } else if (h && strncasecmp(h, "Basic ", 6) == 0) {
        size_t n = strlen(h + 6), bn = 0;
        char *colon;
        buf = vg_arena_alloc(r->a, n + 1);
        if (n > 1024 || sodium_base642bin((unsigned char *)buf, n, h + 6, n, " ", &bn, NULL,
                                          sodium_base64_VARIANT_ORIGINAL) != 0)
            return terror(r, 401, "malformed Basic credentials");
        buf[bn] = '\0';
        colon = strchr(buf, ':');
        if (colon == NULL)
            return terror(r, 401, "malformed Basic credentials");
        *colon = '\0';
        vg_strlcpy(user, buf, sizeof(user));
        tok = colon + 1;
    } else {
        return terror(r, 401, "authentication required: HTTP Basic (user name, API token) or Bearer");
    }
    if ((rc = vg_svc_authenticate(r->srv, tok, r->a, &r->actor, &r->err)) != VG_OK)
        return fail(r, rc);
    if (user[0] && (r->actor.user_name == NULL || strcmp(user, r->actor.user_name) != 0)) {
        vg_err_clear(&r->err);
        return terror(r, 401, "the user name does not own this token");
    }
    r->authed = 1;
    if (has_root && strcmp(r->param[0], ROOT) != 0)
        return terror(r, 404, "no such API root");
    return VG_OK;
}

static int reply(struct vg_req *r, int status, json_t *j)
{
    vg_reply(r, status, j);
    r->ctype = VG_TAXII_MEDIA;
    return VG_OK;
}

static char *base_url(struct vg_req *r)
{
    const char *host = header(r, "Host");
    const char *proto = header(r, "X-Forwarded-Proto"); /* behind a TLS proxy */
    if (host == NULL || strpbrk(host, "\"\\ /") != NULL)
        return vg_arena_strdup(r->a, "/taxii2/" ROOT "/");
    return vg_arena_printf(r->a, "%s://%s/taxii2/" ROOT "/",
                           proto && strcmp(proto, "https") == 0 ? "https" : "http", host);
}

int vg_h_taxii_discovery(struct vg_req *r)
{
    if (begin(r, 0) != VG_OK || r->status)
        return VG_OK;
    char *root = base_url(r);
    return reply(r, 200,
                 json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "title", "vigil TAXII 2.1 server",
                           "description",
                           "Threat indicators shared among the platform's units (STIX 2.1)",
                           "contact", "the platform operator", "default", root, "api_roots",
                           root));
}

int vg_h_taxii_root(struct vg_req *r)
{
    if (begin(r, 1) != VG_OK || r->status)
        return VG_OK;
    return reply(r, 200,
                 json_pack("{s:s, s:s, s:[s], s:I}", "title", "vigil", "description",
                           "The platform's API root: community and public collections",
                           "versions", VG_TAXII_MEDIA, "max_content_length",
                           (json_int_t)r->srv->cfg.body_limit));
}

int vg_h_taxii_collections(struct vg_req *r)
{
    json_t *out = NULL;
    int rc;
    if (begin(r, 1) != VG_OK || r->status)
        return VG_OK;
    if ((rc = vg_svc_taxii_collections(r->srv, &r->actor, &out, &r->err)) != VG_OK)
        return fail(r, rc);
    return reply(r, 200, out);
}

int vg_h_taxii_collection(struct vg_req *r)
{
    json_t *out = NULL;
    int rc;
    if (begin(r, 1) != VG_OK || r->status)
        return VG_OK;
    if ((rc = vg_svc_taxii_collection(r->srv, &r->actor, r->param[1], &out, &r->err)) != VG_OK)
        return fail(r, rc);
    return reply(r, 200, out);
}

static int page(struct vg_req *r, enum vg_taxii_view view, const char *object_id)
{
    struct vg_taxii_query q = {
        .collection = r->param[1], .view = view, .object_id = object_id,
        .added_after = vg_req_query(r, "added_after"), .limit = vg_req_query(r, "limit"),
        .next = vg_req_query(r, "next"), .match_id = vg_req_query(r, "match[id]"),
        .match_type = vg_req_query(r, "match[type]"),
        .match_version = vg_req_query(r, "match[version]"),
        .match_spec_version = vg_req_query(r, "match[spec_version]"),
    };
    struct vg_taxii_page p;
    int rc;
    if (begin(r, 1) != VG_OK || r->status)
        return VG_OK;
    memset(&p, 0, sizeof(p));
    if ((rc = vg_svc_taxii_get(r->srv, &r->actor, &q, &p, &r->err)) != VG_OK) {
        vg_buf_free(&p.body);
        return fail(r, rc);
    }
    r->status = 200;
    r->raw = vg_buf_steal(&p.body, &r->raw_len);
    r->ctype = VG_TAXII_MEDIA;
    if (p.first[0])
        r->headers = vg_arena_printf(r->a,
                                     "X-TAXII-Date-Added-First: %s\nX-TAXII-Date-Added-Last: %s\n",
                                     p.first, p.last);
    return VG_OK;
}

int vg_h_taxii_objects(struct vg_req *r)
{
    return page(r, VG_TAXII_OBJECTS, NULL);
}

int vg_h_taxii_object(struct vg_req *r)
{
    return page(r, VG_TAXII_OBJECTS, r->param[2]);
}

int vg_h_taxii_versions(struct vg_req *r)
{
    return page(r, VG_TAXII_VERSIONS, r->param[2]);
}

int vg_h_taxii_manifest(struct vg_req *r)
{
    return page(r, VG_TAXII_MANIFEST, NULL);
}

int vg_h_taxii_add(struct vg_req *r)
{
    const char *ct = header(r, "Content-Type");
    json_t *out = NULL;
    int rc;
    if (begin(r, 1) != VG_OK || r->status)
        return VG_OK;
    if (ct == NULL || strncasecmp(ct, "application/taxii+json", 22) != 0 ||
        (strstr(ct, "version=") && strstr(ct, "version=2.1") == NULL))
        return terror(r, 415, "send " VG_TAXII_MEDIA);
    rc = vg_svc_taxii_add(r->srv, &r->actor, r->param[1], r->body.p, r->body.n, &out, &r->err);
    if (rc != VG_OK)
        return fail(r, rc);
    return reply(r, 202, out);
}

int vg_h_taxii_status(struct vg_req *r)
{
    json_t *out = NULL;
    int rc;
    if (begin(r, 1) != VG_OK || r->status)
        return VG_OK;
    if ((rc = vg_svc_taxii_status(r->srv, &r->actor, r->param[1], &out, &r->err)) != VG_OK)
        return fail(r, rc);
    return reply(r, 200, out);
}
