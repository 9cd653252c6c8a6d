/* Vulnerability cases: regulated intake (Art. 7 fields, the 2-day deadline
 * clock, a signed receipt), the lifecycle with its role rules, visibility,
 * duplicate detection, the publication gate (Art. 9), and notifications to
 * peer centres, vendors and reporters through the transactional outbox.
 * Not for: matching cases against SBOMs (exposure) or the knowledge base. */
#include "service/service_int.h"
#include "core/sha256.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/jscan.h"
#include "core/log.h"
#include "core/util.h"
#include "engine/cvss/cvss.h"
#include "engine/cvss/grade.h"
#include "engine/match/match.h"
#include "engine/purl/purl.h"
#include "engine/version/range.h"
#include "engine/version/version.h"
#include "notify/notify.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const libraries[] = {"general", "ics", "mobile", "vehicle", NULL};
static const char *const reporter_roles[] = {"provider", "finder", "collector", "operator", NULL};
static const char *const tlps[] = {"clear", "green", "amber", "amber+strict", "red", NULL};
static const char *const ref_types[] = {"ADVISORY", "ARTICLE", "DETECTION", "DISCUSSION",
                                        "REPORT",   "FIX",     "INTRODUCED", "PACKAGE",
                                        "EVIDENCE", "WEB",     "EXPLOIT",    NULL};

#define DAY_MS (24LL * 3600 * 1000)

/* ---- the deadline clock ---- */

/* discovered + the configured deadline. Working days skip Saturday and
 * Sunday (UTC); a discovery on a weekend starts counting on Monday. */
static int64_t report_due(const struct vg_config *cfg, int64_t discovered)
{
    if (strcmp(cfg->deadline_unit, "hours") == 0)
        return discovered + cfg->deadline * 3600 * 1000;
    if (strcmp(cfg->deadline_unit, "working_days") == 0) {
        int64_t t = discovered;
        for (int64_t left = cfg->deadline; left > 0;) {
            t += DAY_MS;
            int64_t days = t >= 0 ? t / DAY_MS : (t - DAY_MS + 1) / DAY_MS;
            int wd = (int)((days + 4) % 7); /* 1970-01-01 was a Thursday: 0 = Sunday */
            if (wd < 0)
                wd += 7;
            if (wd != 0 && wd != 6)
                left--;
        }
        return t;
    }
    return discovered + cfg->deadline * DAY_MS;
}

/* ISO 8601 duration, e.g. "P13D", "P1DT2H30M", "PT0S". */
static void duration(int64_t ms, char *out, size_t n)
{
    int64_t s = ms / 1000, d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
    size_t k = (size_t)snprintf(out, n, "P");
    if (d)
        k += (size_t)snprintf(out + k, n - k, "%lldD", (long long)d);
    if (h || m || sec || !d) {
        k += (size_t)snprintf(out + k, n - k, "T");
        if (h)
            k += (size_t)snprintf(out + k, n - k, "%lldH", (long long)h);
        if (m)
            k += (size_t)snprintf(out + k, n - k, "%lldM", (long long)m);
        if (sec || (!h && !m))
            snprintf(out + k, n - k, "%lldS", (long long)sec);
    }
}

/* ---- decoding and validating a submission ---- */

static int str_field(json_t *o, const char *key, const char *path, int required, size_t max,
                     const char **out, struct vg_err *err)
{
    json_t *v = json_object_get(o, key);
    char p[64];
    snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", key);
    if (v == NULL || json_is_null(v)) {
        if (required)
            return vg_err_field(err, VG_EMISSING, p, "%s: required", p);
        return VG_OK;
    }
    if (!json_is_string(v))
        return vg_err_field(err, VG_EINVAL, p, "%s: must be a string", p);
    if (json_string_length(v) > max)
        return vg_err_field(err, VG_EINVAL, p, "%s: longer than %zu bytes", p, max);
    if (required && json_string_length(v) == 0)
        return vg_err_field(err, VG_EINVAL, p, "%s: must not be empty", p);
    *out = json_string_value(v);
    return VG_OK;
}

static int enum_index(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static json_t *string_array_or_err(json_t *v, const char *key, size_t maxn, size_t maxlen,
                                   struct vg_err *err)
{
    size_t i;
    json_t *x;
    if (v == NULL || json_is_null(v))
        return json_array();
    if (!json_is_array(v)) {
        vg_err_field(err, VG_EINVAL, key, "%s: must be an array of strings", key);
        return NULL;
    }
    if (json_array_size(v) > maxn) {
        vg_err_field(err, VG_EINVAL, key, "%s: at most %zu entries", key, maxn);
        return NULL;
    }
    json_array_foreach(v, i, x) {
        if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > maxlen) {
            char p[64];
            snprintf(p, sizeof(p), "%s[%zu]", key, i);
            vg_err_field(err, VG_EINVAL, p, "%s: a non-empty string of at most %zu bytes", p,
                         maxlen);
            return NULL;
        }
    }
    return json_copy(v);
}

static void put_jansson(struct vg_buf *b, const json_t *v, int sort);

/* An empty buffer with room for n bytes: the texts of a submission are
 * some hundreds of bytes to 2 KB, which would grow 256, 512, 1024, ... */
static void buf_sized(struct vg_buf *b, size_t n)
{
    vg_buf_room(b, n)[0] = '\0';
}
static void put_jstr_or_null(struct vg_buf *b, const char *s);
static void put_jtime(struct vg_buf *b, int64_t ms);

/* A submission is read with jscan (core/jscan.h) and checked in place; what
 * is stored is written as text while it is checked, so no jansson tree is
 * built or freed per submission. The text is what the canonical dump of the
 * normalised document (sorted keys, vg__jansson_put) was, byte for byte. */
struct intake {
    struct vg_case c;
    const char **aliases; /* upper-cased, arena */
    size_t naliases;
    const char **products; /* dedup keys "vendor|name|purl-without-version" */
    size_t nproducts;
    /* the stored document's members (canonical: sorted keys) before
     * "possible_duplicates", between it and "receipt", and after "receipt" */
    struct vg_buf lo, mid, hi;
    /* the peer notification's members after "id" (case_summary's order) */
    struct vg_buf sum;
    char sha[65]; /* SHA-256 of the request body */
};

static void intake_free(struct intake *in)
{
    vg_buf_free(&in->lo);
    vg_buf_free(&in->mid);
    vg_buf_free(&in->hi);
    vg_buf_free(&in->sum);
}

/* The dedup key vendor|product|package, lower-cased (ASCII), in a. */
static const char *product_key(struct vg_arena *a, const char *vendor, const char *name,
                               const char *pkg)
{
    size_t nv = strlen(vendor), nn = strlen(name), np = strlen(pkg);
    char *p = vg_arena_alloc(a, nv + nn + np + 3), *q = p;
    memcpy(q, vendor, nv);
    q += nv;
    *q++ = '|';
    memcpy(q, name, nn);
    q += nn;
    *q++ = '|';
    memcpy(q, pkg, np + 1);
    for (q = p; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return p;
}

/* jansson's text for k / 10.0, 0 <= k <= 100: every CVSS score and the
 * case's, written several times per submission, each a json_dumps and a
 * snprintf("%.17g") otherwise. Filled once, then read only. */
static char tenths[101][32];
static pthread_once_t tenths_once = PTHREAD_ONCE_INIT;

static void tenths_fill(void)
{
    for (int k = 0; k <= 100; k++) {
        json_t *r = json_real(k / 10.0);
        char *t = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY);
        if (t == NULL || strlen(t) >= sizeof(tenths[k]))
            abort();
        memcpy(tenths[k], t, strlen(t) + 1);
        free(t);
        json_decref(r);
    }
}

/* A real as jansson writes it (the stored documents were its dumps). */
static void put_real(struct vg_buf *b, double d)
{
    if (d >= 0 && d <= 10 && !signbit(d)) { /* -0.0 is written "-0.0" */
        int k = (int)(d * 10 + 0.5);
        if (k / 10.0 == d) {
            pthread_once(&tenths_once, tenths_fill);
            vg_buf_puts(b, tenths[k]);
            return;
        }
    }
    json_t *r = json_real(d);
    if (r == NULL) {
        vg_buf_puts(b, "null");
        return;
    }
    put_jansson(b, r, 0);
    json_decref(r);
}

static int jmem_cmp(const void *x, const void *y)
{
    const struct vg_jmem *const *p = x, *const *q = y;
    return strcmp((*p)->key.u.s, (*q)->key.u.s);
}

/* v as JSON text: with sort, members in key order (what vg__jansson_put(…,
 * 1) writes), else in document order (what jansson writes for a tree read
 * from that document). Depth is bounded by the parser's. */
static void put_jval(struct vg_buf *b, const struct vg_jval *v, int sort)
{
    switch ((enum vg_jtype)v->type) {
    case VG_JNULL:
        vg_buf_puts(b, "null");
        return;
    case VG_JFALSE:
        vg_buf_puts(b, "false");
        return;
    case VG_JTRUE:
        vg_buf_puts(b, "true");
        return;
    case VG_JINT:
        vg_buf_put_i64(b, v->u.i);
        return;
    case VG_JREAL:
        put_real(b, v->u.d);
        return;
    case VG_JSTR:
        vg_buf_put_jstr(b, v->u.s, v->n);
        return;
    case VG_JARR:
        vg_buf_putc(b, '[');
        for (uint32_t i = 0; i < v->n; i++) {
            if (i)
                vg_buf_putc(b, ',');
            put_jval(b, &v->u.a[i], sort);
        }
        vg_buf_putc(b, ']');
        return;
    case VG_JOBJ: {
        const struct vg_jmem *stack[16], **m = stack;
        if (v->n > 16)
            m = vg_xmalloc(v->n * sizeof(*m));
        for (uint32_t i = 0; i < v->n; i++)
            m[i] = &v->u.o[i];
        if (sort && v->n > 1)
            qsort(m, v->n, sizeof(*m), jmem_cmp);
        vg_buf_putc(b, '{');
        for (uint32_t i = 0; i < v->n; i++) {
            if (i)
                vg_buf_putc(b, ',');
            vg_buf_put_jstr(b, m[i]->key.u.s, m[i]->key.n);
            vg_buf_putc(b, ':');
            put_jval(b, &m[i]->val, sort);
        }
        vg_buf_putc(b, '}');
        if (m != stack)
            free(m);
        return;
    }
    }
}

/* "key": as the next member of an object being written */
static void put_key(struct vg_buf *b, const char *key)
{
    if (b->n)
        vg_buf_putc(b, ',');
    vg_buf_putc(b, '"');
    vg_buf_puts(b, key);
    vg_buf_puts(b, "\":");
}

/* str_field over a jscan object */
static int jstr_field(const struct vg_jval *o, const char *key, const char *path, int required,
                      size_t max, const char **out, struct vg_err *err)
{
    const struct vg_jval *v = vg_jget(o, key);
    const char *why;
    int code = VG_EINVAL;
    char p[64];
    if (vg_jnone(v)) {
        if (!required)
            return VG_OK;
        code = VG_EMISSING;
        why = "required";
    } else if (!vg_jis(v, VG_JSTR)) {
        why = "must be a string";
    } else if (v->n > max) {
        why = NULL;
    } else if (required && v->n == 0) {
        why = "must not be empty";
    } else {
        *out = v->u.s;
        return VG_OK;
    }
    /* the path only for the message: a submission checks some twenty fields */
    snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", key);
    if (why == NULL)
        return vg_err_field(err, code, p, "%s: longer than %zu bytes", p, max);
    return vg_err_field(err, code, p, "%s: %s", p, why);
}

static int jenum_field(const struct vg_jval *o, const char *key, int required,
                       const char *const *names, const char **out, struct vg_err *err)
{
    const char *s = NULL;
    int rc = jstr_field(o, key, "", required, 64, &s, err);
    if (rc || s == NULL)
        return rc;
    if (enum_index(names, s) < 0) {
        char list[160] = "";
        size_t k = 0;
        for (int i = 0; names[i] && k < sizeof(list); i++)
            k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s", i ? ", " : "", names[i]);
        return vg_err_field(err, VG_EINVAL, key, "%s: must be one of %s", key, list);
    }
    *out = s;
    return VG_OK;
}

/* vg_json_time over a jscan object */
static int jtime_field(const struct vg_jval *o, const char *key, int required, int64_t *out,
                       struct vg_err *err)
{
    const struct vg_jval *v = vg_jget(o, key);
    if (vg_jnone(v)) {
        if (required)
            return vg_err_field(err, VG_EMISSING, key, "%s: required", key);
        return VG_OK;
    }
    if (!vg_jis(v, VG_JSTR) || vg_time_parse(v->u.s, out) != 0)
        return vg_err_field(err, VG_EINVAL, key, "%s: not an RFC 3339 time", key);
    return VG_OK;
}

/* Validates one affected entry and writes its normalised form to b. */
static int decode_affected(const struct vg_jval *e, size_t i, struct vg_arena *a,
                           struct vg_buf *b, const char **key_purl, struct vg_err *err)
{
    static const char *const keys[] = {"purl", "ranges", "versions", NULL};
    char path[128];
    const char *purl = NULL;
    struct vg_purl p;
    char *canon;
    int rc;
    snprintf(path, sizeof(path), "affected[%zu]", i);
    if (!vg_jis(e, VG_JOBJ))
        return vg_err_field(err, VG_EINVAL, path, "%s: must be an object", path);
    if ((rc = vg_jonly(e, keys, path, err)) ||
        (rc = jstr_field(e, "purl", path, 1, 1024, &purl, err)))
        return rc;
    snprintf(path, sizeof(path), "affected[%zu].purl", i);
    struct vg_err pe = {0};
    if (vg_purl_parse(purl, strlen(purl), a, &p, &pe) != VG_OK)
        return vg_err_field(err, VG_EINVAL, path, "%s: %s", path, pe.msg);
    if (p.version)
        return vg_err_field(err, VG_EINVAL, path,
                            "%s: name the package without a version; give versions in ranges",
                            path);
    if (vg_purl_build(&p, a, &canon, NULL, &pe) != VG_OK)
        return vg_err_field(err, VG_EINVAL, path, "%s: %s", path, pe.msg);
    const struct vg_jval *ranges = vg_jget(e, "ranges"), *versions = vg_jget(e, "versions");
    if ((ranges && !vg_jis(ranges, VG_JARR)) || (versions && !vg_jis(versions, VG_JARR))) {
        snprintf(path, sizeof(path), "affected[%zu].%s", i,
                 ranges && !vg_jis(ranges, VG_JARR) ? "ranges" : "versions");
        return vg_err_field(err, VG_EINVAL, path, "%s: must be an array", path);
    }
    if (vg_jsize(ranges) == 0 && vg_jsize(versions) == 0) {
        snprintf(path, sizeof(path), "affected[%zu].ranges", i);
        return vg_err_field(err, VG_EMISSING, path, "%s: give ranges or versions", path);
    }
    int eco = vg_eco_from_purl_type(p.type, strlen(p.type));
    if (eco < 0) {
        snprintf(path, sizeof(path), "affected[%zu].purl", i);
        return vg_err_field(err, VG_EINVAL, path, "%s: no version rules known for type %s", path,
                            p.type);
    }
    /* The range engine checks events and versions under the ecosystem's
     * rules; with the ecosystem given, it reads only ranges and versions. */
    struct vg_ranges r;
    pe = (struct vg_err){0};
    rc = vg_ranges_from_osv_j(e, eco, a, &r, &pe);
    if (rc) {
        snprintf(path, sizeof(path), "affected[%zu].%.40s", i, pe.field[0] ? pe.field : "ranges");
        return vg_err_field(err, rc == VG_ETOOBIG ? VG_ETOOBIG : VG_EINVAL, path, "%s: %s", path,
                            pe.msg);
    }
    /* {"purl", "ranges"?, "versions"?}: sorted already */
    vg_buf_puts(b, "{\"purl\":");
    vg_buf_put_jstr(b, canon, strlen(canon));
    if (ranges) {
        vg_buf_puts(b, ",\"ranges\":");
        put_jval(b, ranges, 1);
    }
    if (versions) {
        vg_buf_puts(b, ",\"versions\":");
        put_jval(b, versions, 1);
    }
    vg_buf_putc(b, '}');
    *key_purl = canon;
    return VG_OK;
}

/* string_array_or_err over a jscan value: *out is the array, or NULL when
 * absent or null ([] in the document). */
static int jstring_array(const struct vg_jval *v, const char *key, size_t maxn, size_t maxlen,
                         const struct vg_jval **out, struct vg_err *err)
{
    *out = NULL;
    if (vg_jnone(v))
        return VG_OK;
    if (!vg_jis(v, VG_JARR))
        return vg_err_field(err, VG_EINVAL, key, "%s: must be an array of strings", key);
    if (v->n > maxn)
        return vg_err_field(err, VG_EINVAL, key, "%s: at most %zu entries", key, maxn);
    for (uint32_t i = 0; i < v->n; i++) {
        const struct vg_jval *x = &v->u.a[i];
        if (!vg_jis(x, VG_JSTR) || x->n == 0 || x->n > maxlen) {
            char p[64];
            snprintf(p, sizeof(p), "%s[%u]", key, i);
            return vg_err_field(err, VG_EINVAL, p, "%s: a non-empty string of at most %zu bytes",
                                p, maxlen);
        }
    }
    *out = v;
    return VG_OK;
}

/* Scores every vector and writes the array of scored vectors (canonical) to
 * b; the case's score is the highest, *grade its national grade (a node in
 * a, or NULL). */
static int score_vectors(const struct vg_jval *vectors, struct vg_arena *a, struct vg_buf *b,
                         int *best, const struct vg_jval **grade, struct vg_err *err)
{
    struct vg_buf t = {0};
    int rc = VG_OK;
    *best = -1;
    *grade = NULL;
    vg_buf_putc(b, '[');
    for (size_t i = 0; i < vg_jsize(vectors); i++) {
        struct vg_cvss c;
        struct vg_err ce = {0};
        const struct vg_jval *j = NULL;
        const char *s = vectors->u.a[i].u.s;
        if (vg_cvss_parse(s, vectors->u.a[i].n, &c, &ce) != VG_OK) {
            char p[64];
            snprintf(p, sizeof(p), "cvss[%zu]", i);
            rc = vg_err_field(err, VG_EINVAL, p, "%s: %s%s%s", p, ce.field[0] ? ce.field : "",
                              ce.field[0] ? ": " : "", ce.msg);
            break;
        }
        vg_buf_reset(&t);
        vg_cvss_json(&c, &t);
        if (vg_jscan_parse(t.p, t.n, a, NULL, &j, NULL, &ce) != VG_OK) {
            rc = vg_err_set(err, VG_EBACKEND, "cvss encoding failed");
            break;
        }
        if (i)
            vg_buf_putc(b, ',');
        put_jval(b, j, 1);
        if (c.score > *best) {
            *best = c.score;
            *grade = vg_jget(j, "national_grade");
        }
    }
    vg_buf_putc(b, ']');
    vg_buf_free(&t);
    return rc;
}

static int decode(struct vg_server *srv, const struct vg_actor *who, const struct vg_jval *b,
                  int64_t now, struct vg_arena *a, struct intake *in, struct vg_err *err)
{
    static const char *const keys[] = {
        "title", "library", "reporter_role", "product", "technical_characteristics", "harm",
        "scope", "discovered_at", "received_at", "affected", "cvss", "aliases", "tlp", "upstream",
        "exploit_material", "references", "gbt", NULL};
    static const char *const pkeys[] = {"vendor", "name", "model", "versions", NULL};
    static const char *const ukeys[] = {"vendor", "notified_at", NULL};
    const char *title = NULL, *library = "general", *role = NULL, *tc = NULL, *harm = NULL,
               *scope = NULL, *tlp = "amber", *exploit = NULL;
    const char *pv = NULL, *pn = NULL, *pm = NULL, *pver = NULL;
    int64_t discovered = 0, received = now;
    const struct vg_jval *product, *upstream, *affected, *aliases = NULL, *cvss = NULL,
                                                         *refs, *grade = NULL, *gb;
    struct vg_buf aff = {0}, scored = {0};
    struct vg_gbt_result res;
    int rc, best = -1, graded = 0;
    buf_sized(&in->lo, 1023);
    buf_sized(&in->hi, 1023);
    buf_sized(&in->sum, 1023);

    if ((rc = vg_jonly(b, keys, NULL, err)) ||
        (rc = jstr_field(b, "title", "", 1, 500, &title, err)) ||
        (rc = jenum_field(b, "library", 0, libraries, &library, err)) ||
        (rc = jenum_field(b, "reporter_role", 1, reporter_roles, &role, err)) ||
        (rc = jstr_field(b, "technical_characteristics", "", 1, 65536, &tc, err)) ||
        (rc = jstr_field(b, "harm", "", 1, 65536, &harm, err)) ||
        (rc = jstr_field(b, "scope", "", 1, 65536, &scope, err)) ||
        (rc = jtime_field(b, "discovered_at", 1, &discovered, err)) ||
        (rc = jenum_field(b, "tlp", 0, tlps, &tlp, err)) ||
        (rc = jstr_field(b, "exploit_material", "", 0, 1 << 20, &exploit, err)))
        return rc;
    product = vg_jget(b, "product");
    if (vg_jnone(product))
        return vg_err_field(err, VG_EMISSING, "product", "product: required");
    if (!vg_jis(product, VG_JOBJ))
        return vg_err_field(err, VG_EINVAL, "product", "product: must be an object");
    if ((rc = vg_jonly(product, pkeys, "product", err)) ||
        (rc = jstr_field(product, "vendor", "product", 1, 200, &pv, err)) ||
        (rc = jstr_field(product, "name", "product", 1, 200, &pn, err)) ||
        (rc = jstr_field(product, "model", "product", 1, 200, &pm, err)) ||
        (rc = jstr_field(product, "versions", "product", 1, 2000, &pver, err)))
        return rc;
    if (discovered > now + 60 * 1000)
        return vg_err_field(err, VG_EINVAL, "discovered_at", "discovered_at: in the future");
    if (!vg_jnone(vg_jget(b, "received_at"))) {
        /* Backfilling a report that reached the operator by another channel. */
        if (!vg_allowed(who, VG_ACT_CASE_STAFF))
            return vg_err_field(err, VG_EFORBIDDEN, "received_at",
                                "received_at: only operator staff may backfill the receipt time");
        if ((rc = jtime_field(b, "received_at", 1, &received, err)))
            return rc;
        if (received > now + 60 * 1000 || received < discovered)
            return vg_err_field(err, VG_EINVAL, "received_at",
                                "received_at: between discovered_at and now");
    }
    if (strcmp(role, "provider") == 0 && who->org_kind != VG_ORG_VENDOR &&
        who->org_kind != VG_ORG_OPERATOR)
        return vg_err_field(err, VG_EINVAL, "reporter_role",
                            "reporter_role: provider reports come from a vendor unit");
    upstream = vg_jget(b, "upstream");
    if (!vg_jnone(upstream)) {
        const char *uv = NULL;
        int64_t un = 0;
        if (!vg_jis(upstream, VG_JOBJ))
            return vg_err_field(err, VG_EINVAL, "upstream", "upstream: must be an object");
        if ((rc = vg_jonly(upstream, ukeys, "upstream", err)) ||
            (rc = jstr_field(upstream, "vendor", "upstream", 1, 200, &uv, err)))
            return rc;
        const struct vg_jval *na = vg_jget(upstream, "notified_at");
        if (!vg_jnone(na) && (!vg_jis(na, VG_JSTR) || vg_time_parse(na->u.s, &un) != 0))
            return vg_err_field(err, VG_EINVAL, "upstream.notified_at",
                                "upstream.notified_at: not an RFC 3339 time");
    } else {
        upstream = NULL;
    }

    /* affected packages */
    affected = vg_jget(b, "affected");
    vg_buf_putc(&aff, '[');
    if (!vg_jnone(affected)) {
        if (!vg_jis(affected, VG_JARR) || affected->n > 1000) {
            rc = vg_err_field(err, VG_EINVAL, "affected", "affected: an array of at most 1000");
            goto out;
        }
        in->products = vg_arena_calloc(a, affected->n + 1, sizeof(char *));
        for (size_t i = 0; i < affected->n; i++) {
            const char *kp = NULL;
            if (i)
                vg_buf_putc(&aff, ',');
            if ((rc = decode_affected(&affected->u.a[i], i, a, &aff, &kp, err)) != VG_OK)
                goto out;
            in->products[in->nproducts++] = product_key(a, pv, pn, kp);
        }
    }
    vg_buf_putc(&aff, ']');
    if ((rc = jstring_array(vg_jget(b, "aliases"), "aliases", 100, 100, &aliases, err)) ||
        (rc = jstring_array(vg_jget(b, "cvss"), "cvss", 10, 512, &cvss, err)) ||
        (rc = score_vectors(cvss, a, &scored, &best, &grade, err)))
        goto out;
    refs = vg_jget(b, "references");
    if (!vg_jnone(refs)) {
        static const char *const rkeys[] = {"type", "url", NULL};
        if (!vg_jis(refs, VG_JARR) || refs->n > 200)
            rc = vg_err_field(err, VG_EINVAL, "references", "references: an array of at most 200");
        else
            for (size_t i = 0; i < refs->n; i++) {
                const struct vg_jval *r = &refs->u.a[i];
                char p[64];
                const char *t = NULL, *u = NULL;
                snprintf(p, sizeof(p), "references[%zu]", i);
                if (!vg_jis(r, VG_JOBJ)) {
                    rc = vg_err_field(err, VG_EINVAL, p, "%s: must be an object", p);
                    break;
                }
                if ((rc = vg_jonly(r, rkeys, p, err)) ||
                    (rc = jstr_field(r, "type", p, 1, 32, &t, err)) ||
                    (rc = jstr_field(r, "url", p, 1, 2048, &u, err)))
                    break;
                if (enum_index(ref_types, t) < 0) {
                    snprintf(p, sizeof(p), "references[%zu].type", i);
                    rc = vg_err_field(err, VG_EINVAL, p, "%s: one of the OSV reference types", p);
                    break;
                }
            }
        if (rc)
            goto out;
    } else {
        refs = NULL;
    }

    in->aliases = vg_arena_calloc(a, vg_jsize(aliases) + 1, sizeof(char *));
    for (size_t i = 0; i < vg_jsize(aliases); i++) {
        char *u = vg_arena_strndup(a, aliases->u.a[i].u.s, aliases->u.a[i].n);
        for (char *q = u; *q; q++)
            *q = (char)toupper((unsigned char)*q);
        in->aliases[in->naliases++] = u;
    }

    /* GB/T 30279 grading with the operator's table: the raw indicator values
     * and the table version are kept with the grade, which then is the
     * case's national grade. */
    gb = vg_jget(b, "gbt");
    if (!vg_jnone(gb)) {
        struct vg_gbt_input gin[64];
        struct vg_err ge = {0};
        size_t nin = 0;
        if (srv->gbt == NULL)
            rc = vg_err_field(err, VG_EINVAL, "gbt", "gbt: this platform has no GB/T 30279 table "
                                                     "configured (--gbt-table)");
        else if (!vg_jis(gb, VG_JOBJ) || gb->n > 64)
            rc = vg_err_field(err, VG_EINVAL, "gbt", "gbt: an object of indicator: value");
        else {
            for (size_t i = 0; i < gb->n; i++) {
                const struct vg_jmem *m = &gb->u.o[i];
                if (!vg_jis(&m->val, VG_JSTR)) {
                    char p[64];
                    snprintf(p, sizeof(p), "gbt.%.50s", m->key.u.s);
                    rc = vg_err_field(err, VG_EINVAL, p, "%s: must be a string", p);
                    break;
                }
                gin[nin].name = m->key.u.s;
                gin[nin++].value = m->val.u.s;
            }
            if (rc == VG_OK && vg_gbt_grade(srv->gbt, gin, nin, &res, &ge) != VG_OK) {
                char p[64];
                snprintf(p, sizeof(p), "gbt%s%.50s", ge.field[0] ? "." : "", ge.field);
                rc = vg_err_field(err, ge.code, p, "gbt: %s", ge.msg);
            }
        }
        if (rc)
            goto out;
        graded = 1;
    } else {
        gb = NULL;
    }

    /* The stored document, in key order: affected .. library | product |
     * references .. upstream (possible_duplicates and receipt come from the
     * writer). */
    put_key(&in->lo, "affected");
    vg_buf_append(&in->lo, aff.p, aff.n);
    put_key(&in->lo, "aliases");
    if (aliases)
        put_jval(&in->lo, aliases, 1);
    else
        vg_buf_puts(&in->lo, "[]");
    put_key(&in->lo, "cvss");
    vg_buf_append(&in->lo, scored.p, scored.n);
    put_key(&in->lo, "early_publication");
    vg_buf_puts(&in->lo, "null");
    put_key(&in->lo, "exploit_material");
    put_jstr_or_null(&in->lo, exploit);
    put_key(&in->lo, "fix");
    vg_buf_puts(&in->lo, "null");
    if (graded) {
        put_key(&in->lo, "gbt");
        vg_buf_puts(&in->lo, "{\"grade\":");
        vg__jansson_str(&in->lo, vg_grade_name(res.grade));
        vg_buf_puts(&in->lo, ",\"grade_zh\":");
        vg__jansson_str(&in->lo, vg_grade_name_zh(res.grade));
        vg_buf_puts(&in->lo, ",\"inputs\":");
        put_jval(&in->lo, gb, 1);
        vg_buf_puts(&in->lo, ",\"table_version\":");
        vg__jansson_str(&in->lo, res.version);
        vg_buf_putc(&in->lo, '}');
    }
    put_key(&in->lo, "harm");
    vg__jansson_str(&in->lo, harm);
    put_key(&in->lo, "library");
    vg__jansson_str(&in->lo, library);
    put_key(&in->mid, "product");
    put_jval(&in->mid, product, 1);
    put_key(&in->hi, "references");
    if (refs)
        put_jval(&in->hi, refs, 1);
    else
        vg_buf_puts(&in->hi, "[]");
    put_key(&in->hi, "reporter_role");
    vg__jansson_str(&in->hi, role);
    put_key(&in->hi, "scope");
    vg__jansson_str(&in->hi, scope);
    /* severity: {score, rating, national_grade} from the best vector, the
     * grade replaced by the GB/T grade when there is one */
    struct vg_buf sev_sorted = {0}, sev_doc = {0};
    if (best >= 0) {
        const char *rating = vg_cvss_severity(40, best);
        vg_buf_puts(&sev_doc, "{\"score\":");
        put_real(&sev_doc, best / 10.0);
        vg_buf_puts(&sev_doc, ",\"rating\":");
        vg__jansson_str(&sev_doc, rating);
        vg_buf_puts(&sev_doc, ",\"national_grade\":");
        vg_buf_puts(&sev_sorted, "{\"national_grade\":");
        if (graded) {
            vg__jansson_str(&sev_doc, vg_grade_name(res.grade));
            vg__jansson_str(&sev_sorted, vg_grade_name(res.grade));
        } else {
            put_jval(&sev_doc, grade ? grade : &(struct vg_jval){.type = VG_JNULL}, 0);
            put_jval(&sev_sorted, grade ? grade : &(struct vg_jval){.type = VG_JNULL}, 1);
        }
        vg_buf_putc(&sev_doc, '}');
        vg_buf_puts(&sev_sorted, ",\"rating\":");
        vg__jansson_str(&sev_sorted, rating);
        vg_buf_puts(&sev_sorted, ",\"score\":");
        put_real(&sev_sorted, best / 10.0);
        vg_buf_putc(&sev_sorted, '}');
    } else if (graded) {
        vg_buf_puts(&sev_doc, "{\"national_grade\":");
        vg__jansson_str(&sev_doc, vg_grade_name(res.grade));
        vg_buf_putc(&sev_doc, '}');
        vg_buf_append(&sev_sorted, sev_doc.p, sev_doc.n);
    } else {
        vg_buf_puts(&sev_doc, "null");
        vg_buf_puts(&sev_sorted, "null");
    }
    put_key(&in->hi, "severity");
    vg_buf_append(&in->hi, sev_sorted.p, sev_sorted.n);
    put_key(&in->hi, "technical_characteristics");
    vg__jansson_str(&in->hi, tc);
    put_key(&in->hi, "title");
    vg__jansson_str(&in->hi, title);
    put_key(&in->hi, "upstream");
    if (upstream)
        put_jval(&in->hi, upstream, 1);
    else
        vg_buf_puts(&in->hi, "null");

    struct vg_case *c = &in->c;
    memset(c, 0, sizeof(*c));
    c->state = "received";
    c->library = library;
    c->tlp = tlp;
    c->reporter_org = who->org_id;
    c->reporter_user = who->user_id;
    c->product_vendor = pv;
    c->product_name = pn;
    c->discovered_at = discovered;
    c->received_at = received;
    c->report_due = report_due(&srv->cfg, discovered);
    c->late = received > c->report_due;
    c->late_by_ms = c->late ? received - c->report_due : 0;
    c->score = best;
    c->updated_at = now;
    /* A provider reporting its own product is the vendor unit. */
    if (strcmp(role, "provider") == 0 && who->org_kind == VG_ORG_VENDOR)
        c->vendor_org = who->org_id;

    /* The peer notification (case_summary without the id, which the writer
     * puts first): the product and severity in the order the document and
     * case_summary give them. */
    vg_buf_puts(&in->sum, "\"state\":\"received\",\"title\":");
    vg__jansson_str(&in->sum, title);
    vg_buf_puts(&in->sum, ",\"product\":");
    put_jval(&in->sum, product, 0);
    vg_buf_puts(&in->sum, ",\"library\":");
    vg__jansson_str(&in->sum, library);
    vg_buf_puts(&in->sum, ",\"tlp\":");
    vg__jansson_str(&in->sum, tlp);
    vg_buf_puts(&in->sum, ",\"severity\":");
    vg_buf_append(&in->sum, sev_doc.p, sev_doc.n);
    vg_buf_puts(&in->sum, ",\"discovered_at\":");
    put_jtime(&in->sum, c->discovered_at);
    vg_buf_puts(&in->sum, ",\"received_at\":");
    put_jtime(&in->sum, c->received_at);
    vg_buf_puts(&in->sum, ",\"report_due\":");
    put_jtime(&in->sum, c->report_due);
    vg_buf_puts(&in->sum, c->late ? ",\"late\":true}" : ",\"late\":false}");
    vg_buf_free(&sev_sorted);
    vg_buf_free(&sev_doc);
out:
    vg_buf_free(&aff);
    vg_buf_free(&scored);
    return rc;
}

/* ---- receipts ---- */

static json_t *receipt_payload(const char *case_id, const char *received_at, const char *sha)
{
    return json_pack("{s:s, s:s, s:s}", "case_id", case_id, "received_at", received_at, "sha256",
                     sha);
}

int vg_receipt_verify(json_t *r, const unsigned char pk[32], struct vg_err *err)
{
    const char *id = json_string_value(json_object_get(r, "case_id"));
    const char *at = json_string_value(json_object_get(r, "received_at"));
    const char *sha = json_string_value(json_object_get(r, "sha256"));
    const char *sig = json_string_value(json_object_get(r, "signature"));
    unsigned char bin[crypto_sign_BYTES];
    size_t binlen = 0, n;
    int rc = VG_OK;
    if (!id || !at || !sha || !sig)
        return vg_err_set(err, VG_EINVAL, "not a receipt: case_id, received_at, sha256 and "
                                          "signature are required");
    if (sodium_base642bin(bin, sizeof(bin), sig, strlen(sig), NULL, &binlen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        binlen != sizeof(bin))
        return vg_err_field(err, VG_EINVAL, "signature", "signature: not a base64 Ed25519 signature");
    json_t *p = receipt_payload(id, at, sha);
    char *canon = vg_json_canonical(p, &n);
    if (crypto_sign_verify_detached(bin, (const unsigned char *)canon, n, pk) != 0)
        rc = vg_err_field(err, VG_EINVAL, "signature",
                          "signature does not match: the receipt was altered or signed by "
                          "another key");
    free(canon);
    json_decref(p);
    return rc;
}

int vg_svc_keys(struct vg_server *srv, json_t **out, struct vg_err *err)
{
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    (void)err;
    sodium_bin2base64(b64, sizeof(b64), srv->sign_pk, 32, sodium_base64_VARIANT_ORIGINAL);
    *out = json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "keys", "id", srv->key_id, "alg", "Ed25519",
                     "use", "receipts", "public_key", b64);
    return VG_OK;
}

void vg__jansson_str(struct vg_buf *b, const char *s)
{
    vg_buf_put_jstr(b, s, strlen(s));
}

struct jmember {
    const char *k;
    json_t *v;
};

static int jmember_cmp(const void *x, const void *y)
{
    return strcmp(((const struct jmember *)x)->k, ((const struct jmember *)y)->k);
}

/* jansson's own dump of v, for what vg__jansson_put leaves to it */
static void put_jansson(struct vg_buf *b, const json_t *v, int sort)
{
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | (sort ? JSON_SORT_KEYS : 0));
    if (t == NULL)
        abort();
    vg_buf_puts(b, t);
    free(t);
}

void vg__jansson_put(struct vg_buf *b, const json_t *v, int sort)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        struct jmember stack[16], *m = n <= 16 ? stack : vg_xmalloc(n * sizeof(*m));
        const char *k;
        json_t *mv;
        json_object_foreach((json_t *)v, k, mv)
        {
#if JANSSON_VERSION_HEX >= 0x020e00
            if (json_object_iter_key_len(json_object_key_to_iter(k)) != strlen(k)) {
                i = n + 1; /* a key with a NUL byte */
                break;
            }
#endif
            m[i++] = (struct jmember){k, mv};
        }
        if (i != n) {
            put_jansson(b, v, sort);
        } else {
            if (sort && n > 1)
                qsort(m, n, sizeof(*m), jmember_cmp);
            vg_buf_putc(b, '{');
            for (i = 0; i < n; i++) {
                if (i)
                    vg_buf_putc(b, ',');
                vg_buf_put_jstr(b, m[i].k, strlen(m[i].k));
                vg_buf_putc(b, ':');
                vg__jansson_put(b, m[i].v, sort);
            }
            vg_buf_putc(b, '}');
        }
        if (m != stack)
            free(m);
        return;
    }
    case JSON_ARRAY:
        vg_buf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                vg_buf_putc(b, ',');
            vg__jansson_put(b, json_array_get(v, i), sort);
        }
        vg_buf_putc(b, ']');
        return;
    case JSON_STRING: /* a NUL byte inside is \u0000, as jansson writes it */
        vg_buf_put_jstr(b, json_string_value(v), json_string_length(v));
        return;
    case JSON_INTEGER:
        vg_buf_put_i64(b, json_integer_value(v));
        return;
    case JSON_TRUE:
        vg_buf_puts(b, "true");
        return;
    case JSON_FALSE:
        vg_buf_puts(b, "false");
        return;
    case JSON_NULL:
        vg_buf_puts(b, "null");
        return;
    default: /* reals */
        put_jansson(b, v, sort);
    }
}

/* s as a JSON string, or null when s is NULL */
static void put_jstr_or_null(struct vg_buf *b, const char *s)
{
    if (s)
        vg_buf_put_jstr(b, s, strlen(s));
    else
        vg_buf_puts(b, "null");
}

static void put_jtime(struct vg_buf *b, int64_t ms)
{
    char t[32];
    if (ms == 0) {
        vg_buf_puts(b, "null");
        return;
    }
    vg_time_format(ms, t);
    vg_buf_put_jstr(b, t, strlen(t));
}

/* ---- visibility and views ---- */

enum { SEE_NONE, SEE_PUBLIC, SEE_FULL };

/* What who may see of c: operator staff, the reporter's unit and (from
 * vendor_notified on, TLP:RED excepted) the vendor unit see everything but
 * what is restricted below; everyone else, and a suspended unit, only a
 * published case's public view. */
static int sight(const struct vg_actor *who, const struct vg_case *c)
{
    int pub = strcmp(c->state, "published") == 0;
    if (who && who->org_status == VG_ORG_ACTIVE) {
        if (vg__staff(who) || c->reporter_org == who->org_id)
            return SEE_FULL;
        if (c->vendor_org == who->org_id && c->vendor_notified_at > 0 && strcmp(c->tlp, "red") != 0)
            return SEE_FULL;
    }
    return pub ? SEE_PUBLIC : SEE_NONE;
}

static json_t *case_json(const struct vg_case *c, const struct vg_actor *who, int view)
{
    json_t *doc = json_loads(c->doc, 0, NULL), *j = json_object();
    char dur[48];
    if (doc == NULL)
        doc = json_object();
    json_object_set_new(j, "id", json_string(c->id));
    json_object_set_new(j, "state", json_string(c->state));
    json_object_update(j, doc);
    json_object_set_new(j, "tlp", json_string(c->tlp));
    json_object_set_new(j, "discovered_at", vg__time_json(c->discovered_at));
    json_object_set_new(j, "received_at", vg__time_json(c->received_at));
    json_object_set_new(j, "report_due", vg__time_json(c->report_due));
    json_object_set_new(j, "late", json_boolean(c->late));
    duration(c->late_by_ms, dur, sizeof(dur));
    json_object_set_new(j, "late_by", c->late ? json_string(dur) : json_null());
    json_object_set_new(j, "late_by_seconds", json_integer(c->late_by_ms / 1000));
    json_object_set_new(j, "duplicate_of", c->duplicate_of ? json_string(c->duplicate_of) : json_null());
    json_object_set_new(j, "vendor_notified_at", vg__time_json(c->vendor_notified_at));
    json_object_set_new(j, "published_at", vg__time_json(c->published_at));
    json_object_set_new(j, "updated_at", vg__time_json(c->updated_at));
    if (view == SEE_FULL) {
        json_object_set_new(j, "reporter",
                            json_pack("{s:I, s:I}", "org_id", (json_int_t)c->reporter_org,
                                      "user_id", (json_int_t)c->reporter_user));
        json_object_set_new(j, "vendor_org_id",
                            c->vendor_org ? json_integer(c->vendor_org) : json_null());
    } else {
        /* The public view: never exploit material (Art. 9), no reporter
         * identity, no receipt, no internal links. */
        json_object_del(j, "exploit_material");
        json_object_del(j, "receipt");
        json_object_del(j, "possible_duplicates");
        json_object_del(j, "early_publication");
        json_t *refs = json_object_get(j, "references"), *kept = json_array(), *r;
        size_t i;
        json_array_foreach(refs, i, r) {
            const char *t = json_string_value(json_object_get(r, "type"));
            if (t == NULL || strcmp(t, "EXPLOIT") != 0)
                json_array_append(kept, r);
        }
        json_object_set_new(j, "references", kept);
    }
    (void)who;
    json_decref(doc);
    return j;
}

/* case_json(c, who, SEE_FULL) as text, byte for byte, without decoding the
 * stored document: its members go in as they are (canonical). */
static void case_text(const struct vg_case *c, struct vg_buf *b)
{
    char dur[48];
    size_t dn = strlen(c->doc);
    vg_buf_puts(b, "{\"id\":");
    vg_buf_put_jstr(b, c->id, strlen(c->id));
    vg_buf_puts(b, ",\"state\":");
    vg_buf_put_jstr(b, c->state, strlen(c->state));
    if (dn > 2) {
        vg_buf_putc(b, ',');
        vg_buf_append(b, c->doc + 1, dn - 2);
    }
    vg_buf_puts(b, ",\"tlp\":");
    vg_buf_put_jstr(b, c->tlp, strlen(c->tlp));
    vg_buf_puts(b, ",\"discovered_at\":");
    put_jtime(b, c->discovered_at);
    vg_buf_puts(b, ",\"received_at\":");
    put_jtime(b, c->received_at);
    vg_buf_puts(b, ",\"report_due\":");
    put_jtime(b, c->report_due);
    vg_buf_puts(b, c->late ? ",\"late\":true,\"late_by\":" : ",\"late\":false,\"late_by\":");
    if (c->late)
        duration(c->late_by_ms, dur, sizeof(dur));
    put_jstr_or_null(b, c->late ? dur : NULL);
    vg_buf_puts(b, ",\"late_by_seconds\":");
    vg_buf_put_i64(b, (long long)(c->late_by_ms / 1000));
    vg_buf_puts(b, ",\"duplicate_of\":");
    put_jstr_or_null(b, c->duplicate_of);
    vg_buf_puts(b, ",\"vendor_notified_at\":");
    put_jtime(b, c->vendor_notified_at);
    vg_buf_puts(b, ",\"published_at\":");
    put_jtime(b, c->published_at);
    vg_buf_puts(b, ",\"updated_at\":");
    put_jtime(b, c->updated_at);
    vg_buf_puts(b, ",\"reporter\":{\"org_id\":");
    vg_buf_put_i64(b, (long long)c->reporter_org);
    vg_buf_puts(b, ",\"user_id\":");
    vg_buf_put_i64(b, (long long)c->reporter_user);
    vg_buf_puts(b, "},\"vendor_org_id\":");
    if (c->vendor_org) {
        vg_buf_put_i64(b, (long long)c->vendor_org);
        vg_buf_putc(b, '}');
    } else {
        vg_buf_puts(b, "null}");
    }
}

/* A short form for notifications: enough to act on, nothing restricted. */
static json_t *case_summary(const struct vg_case *c, json_t *doc)
{
    return json_pack("{s:s, s:s, s:O, s:O, s:s, s:s, s:O, s:o, s:o, s:o, s:b}", "id", c->id,
                     "state", c->state, "title", json_object_get(doc, "title"), "product",
                     json_object_get(doc, "product"), "library", c->library, "tlp", c->tlp,
                     "severity", json_object_get(doc, "severity"), "discovered_at",
                     vg__time_json(c->discovered_at), "received_at",
                     vg__time_json(c->received_at), "report_due", vg__time_json(c->report_due),
                     "late", c->late);
}

/* The audit entry of a case write names the stored document by its hash
 * rather than copying it: the chain still proves what was stored when. */
static json_t *doc_ref(const struct vg_case *c)
{
    unsigned char h[32];
    char hex[65];
    vg_sha256(c->doc, strlen(c->doc), h);
    vg_hex(h, 32, hex);
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "case_id", c->id, "state", c->state,
                     "doc_sha256", hex, "reporter_org", (json_int_t)c->reporter_org, "vendor_org",
                     (json_int_t)c->vendor_org, "tlp", c->tlp);
}

/* ---- notifications ---- */

static int filter_takes(const char *filter, const char *topic, const char *library,
                        json_t *body_facts)
{
    json_t *f = filter ? json_loads(filter, 0, NULL) : NULL;
    int ok = 1;
    json_t *topics = json_object_get(f, "topics"), *libs = json_object_get(f, "libraries");
    if (json_is_array(topics) && json_array_size(topics)) {
        size_t i;
        json_t *t;
        ok = 0;
        json_array_foreach(topics, i, t) {
            const char *s = json_string_value(t);
            size_t n = s ? strlen(s) : 0;
            if (s && (strcmp(s, topic) == 0 ||
                      (n >= 2 && s[n - 1] == '*' && strncmp(s, topic, n - 1) == 0)))
                ok = 1;
        }
    }
    /* Risk-alert filters, applied to the facts the message carries. */
    json_t *smin = json_object_get(f, "severity_min"), *kev = json_object_get(f, "kev");
    int alert = strncmp(topic, "alert.", 6) == 0;
    if (ok && smin && body_facts && alert) {
        json_t *score = json_object_get(body_facts, "score");
        if (json_is_number(smin))
            ok = json_is_number(score) && json_number_value(score) >= json_number_value(smin);
        else if (json_is_string(smin)) {
            static const char *const g[] = {"low", "medium", "high", "critical", NULL};
            int want = -1, have = -1;
            const char *bg = json_string_value(json_object_get(body_facts, "national_grade"));
            for (int i = 0; g[i]; i++) {
                if (strcmp(g[i], json_string_value(smin)) == 0)
                    want = i;
                if (bg && strcmp(g[i], bg) == 0)
                    have = i;
            }
            ok = have >= want;
        }
    }
    if (ok && json_is_true(kev) && body_facts && alert)
        ok = json_is_true(json_object_get(body_facts, "known_exploited"));
    for (const char *const *key = (const char *const[]){"ecosystems", "packages", NULL};
         ok && *key && body_facts && alert; key++) {
        json_t *want = json_object_get(f, *key), *have = json_object_get(body_facts, *key), *w, *h;
        size_t i, j;
        if (!json_is_array(want) || json_array_size(want) == 0)
            continue;
        ok = 0;
        json_array_foreach(want, i, w) json_array_foreach(have, j, h) if (json_equal(w, h)) ok = 1;
    }
    if (ok && library && json_is_array(libs) && json_array_size(libs)) {
        size_t i;
        json_t *t;
        ok = 0;
        json_array_foreach(libs, i, t)
            if (json_is_string(t) && strcmp(json_string_value(t), library) == 0)
                ok = 1;
    }
    json_decref(f);
    return ok;
}

int vg__notify_org(struct vg_store *st, int64_t org_id, const char *topic,
                   const char *object_type, const char *object_id, json_t *body, int64_t origin_at,
                   struct vg_arena *a, int *queued, struct vg_err *err)
{
    struct vg_subscription *subs;
    size_t nsubs;
    int64_t now = vg_time_now_ms();
    json_t *env = json_pack("{s:s, s:s, s:s, s:I, s:o, s:O}", "topic", topic, "object_type",
                            object_type, "object_id", object_id, "org_id", (json_int_t)org_id,
                            "at", vg__time_json(now), "data", body);
    char *text = vg_json_dump(env, NULL);
    struct vg_notification no = {.org_id = org_id, .created_at = now, .topic = topic,
                                 .object_type = object_type, .object_id = object_id, .body = text};
    const char *library = json_string_value(json_object_get(body, "library"));
    int rc = st->ops->notif_insert(st, &no, err);
    if (rc == VG_OK)
        rc = st->ops->sub_list(st, org_id, a, &subs, &nsubs, err);
    for (size_t i = 0; rc == VG_OK && i < nsubs; i++) {
        if (strcmp(subs[i].channel, "webhook") != 0 ||
            !filter_takes(subs[i].filter, topic, library, body))
            continue;
        /* The envelope names the inbox entry, so a receiver can de-duplicate
         * by idempotency key and find the same message in GET /notifications. */
        json_object_set_new(env, "notification_id", json_integer(no.id));
        char *payload = vg_json_dump(env, NULL);
        struct vg_outbox o = {.created_at = now, .origin_at = origin_at, .org_id = org_id,
                              .subscription_id = subs[i].id, .topic = topic,
                              .object_type = object_type, .object_id = object_id,
                              .idempotency_key = vg_arena_printf(a, "vg-%lld-%lld",
                                                                 (long long)no.id,
                                                                 (long long)subs[i].id),
                              .url = subs[i].url, .secret = subs[i].secret, .body = payload,
                              .next_attempt_at = now};
        rc = st->ops->outbox_insert(st, &o, err);
        free(payload);
        if (rc == VG_OK && queued)
            (*queued)++;
    }
    free(text);
    json_decref(env);
    return rc;
}

/* vg__notify_org for many units at once (risk alerts). Each body is encoded
 * once, by the caller (to[i].text); the envelope is written around it as text,
 * byte for byte what vg__notify_org writes, without decoding or encoding the
 * body again, and the outbox rows take their bodies from the inbox entries
 * rather than store a second copy. */
static int notify_orgs(struct vg_store *st, const char *topic, const char *object_type,
                       const char *object_id, const struct vg_notify_to *to, size_t n,
                       int64_t origin_at, int *queued, struct vg_notify_batch *batch,
                       struct vg_arena *a, struct vg_err *err);

int vg__notify_orgs(struct vg_store *st, const char *topic, const char *object_type,
                    const char *object_id, const struct vg_notify_to *to, size_t n,
                    int64_t origin_at, int *queued, struct vg_notify_batch *batch,
                    struct vg_err *err)
{
    return notify_orgs(st, topic, object_type, object_id, to, n, origin_at, queued, batch, NULL,
                       err);
}

/* With a (the caller's arena, kept: a few units), or else a scratch arena
 * reset for each unit (many units). */
static int notify_orgs(struct vg_store *st, const char *topic, const char *object_type,
                       const char *object_id, const struct vg_notify_to *to, size_t n,
                       int64_t origin_at, int *queued, struct vg_notify_batch *batch,
                       struct vg_arena *a, struct vg_err *err)
{
    int64_t now = vg_time_now_ms();
    struct vg_buf env = {0}, pay = {0}, head = {0}, at = {0};
    /* {"topic":..,"object_type":..,"object_id":.. and the time, as jansson writes them */
    vg_buf_puts(&head, "{\"topic\":");
    vg__jansson_str(&head, topic);
    vg_buf_puts(&head, ",\"object_type\":");
    vg__jansson_str(&head, object_type);
    vg_buf_puts(&head, ",\"object_id\":");
    vg__jansson_str(&head, object_id);
    put_jtime(&at, now);
    struct vg_arena *scratch = a ? a : vg_arena_new(0); /* subscriptions and keys */
    int rc = VG_OK;
    for (size_t k = 0; rc == VG_OK && k < n; k++) {
        struct vg_subscription *subs;
        size_t nsubs;
        if (a == NULL)
            vg_arena_reset(scratch);
        /* {"topic":..,"object_type":..,"object_id":..,"org_id":..,"at":..,"data":BODY} */
        vg_buf_reset(&env);
        vg_buf_append(&env, head.p, head.n);
        vg_buf_printf(&env, ",\"org_id\":%lld,\"at\":", (long long)to[k].org_id);
        vg_buf_append(&env, at.p, at.n);
        vg_buf_puts(&env, ",\"data\":");
        vg_buf_puts(&env, to[k].text);
        vg_buf_putc(&env, '}');
        struct vg_notification no = {.org_id = to[k].org_id, .created_at = now, .topic = topic,
                                     .object_type = object_type, .object_id = object_id,
                                     .body = env.p};
        const char *library = json_string_value(json_object_get(to[k].body, "library"));
        rc = st->ops->notif_insert(st, &no, err);
        if (rc == VG_OK)
            rc = st->ops->sub_list(st, to[k].org_id, scratch, &subs, &nsubs, err);
        for (size_t i = 0; rc == VG_OK && i < nsubs; i++) {
            if (strcmp(subs[i].channel, "webhook") != 0 ||
                !filter_takes(subs[i].filter, topic, library, to[k].body))
                continue;
            /* the body is the inbox entry's, stored once: see outbox_due */
            struct vg_outbox o = {.created_at = now, .origin_at = origin_at, .org_id = to[k].org_id,
                                  .subscription_id = subs[i].id, .topic = topic,
                                  .object_type = object_type, .object_id = object_id,
                                  .idempotency_key = vg_arena_printf(scratch, "vg-%lld-%lld",
                                                                     (long long)no.id,
                                                                     (long long)subs[i].id),
                                  .url = subs[i].url, .secret = subs[i].secret, .body = NULL,
                                  .notification_id = no.id, .next_attempt_at = now};
            rc = st->ops->outbox_insert(st, &o, err);
            if (rc == VG_OK && batch) {
                /* the whole body, as outbox_due would give it back */
                vg_buf_reset(&pay);
                vg_buf_append(&pay, env.p, env.n - 1);
                vg_buf_printf(&pay, ",\"notification_id\":%lld}", (long long)no.id);
                vg_notify_batch_add(batch, &o, pay.p, pay.n);
            } else if (rc == VG_OK && queued) {
                (*queued)++;
            }
        }
    }
    vg_buf_free(&env);
    vg_buf_free(&pay);
    if (a == NULL)
        vg_arena_free(scratch);
    vg_buf_free(&head);
    vg_buf_free(&at);
    return rc;
}

/* One inbox entry for every unit in units (all of one kind): simultaneous
 * forwarding to the peer centres. It is written once, with org_id
 * VG_NOTIFY_KIND(kind) in the row and the envelope, and the store gives it
 * to each unit as its own, byte for byte what notify_orgs writes for it;
 * each matching webhook subscription still gets an outbox row, whose body
 * is that entry's with the unit's id. An entry per unit cost a row, an
 * index entry and ~600 bytes of WAL per peer and case. */
static int notify_kind(struct vg_store *st, int kind, const char *topic, const char *object_type,
                       const char *object_id, const struct vg_org *units, size_t n,
                       const char *library, const char *text, int64_t origin_at, int *queued,
                       struct vg_arena *a, struct vg_err *err)
{
    int64_t now = vg_time_now_ms(), shared = VG_NOTIFY_KIND(kind);
    struct vg_buf env = {0}, rcp = {0};
    json_t *facts = NULL; /* what a subscription filter tests, made for the first */
    int rc;
    buf_sized(&env, 1023); /* the envelope around a case's summary: ~600 bytes */
    vg_buf_puts(&env, "{\"topic\":");
    vg__jansson_str(&env, topic);
    vg_buf_puts(&env, ",\"object_type\":");
    vg__jansson_str(&env, object_type);
    vg_buf_puts(&env, ",\"object_id\":");
    vg__jansson_str(&env, object_id);
    vg_buf_puts(&env, ",\"org_id\":");
    vg_buf_put_i64(&env, shared);
    vg_buf_puts(&env, ",\"at\":");
    put_jtime(&env, now);
    vg_buf_puts(&env, ",\"data\":");
    vg_buf_puts(&env, text);
    vg_buf_putc(&env, '}');
    vg_buf_putc(&rcp, ',');
    for (size_t k = 0; k < n; k++) {
        vg_buf_put_i64(&rcp, units[k].id);
        vg_buf_putc(&rcp, ',');
    }
    struct vg_notification no = {.org_id = shared, .created_at = now, .topic = topic,
                                 .object_type = object_type, .object_id = object_id,
                                 .body = env.p, .recipients = rcp.p};
    rc = st->ops->notif_insert(st, &no, err);
    for (size_t k = 0; rc == VG_OK && k < n; k++) {
        struct vg_subscription *subs;
        size_t nsubs;
        rc = st->ops->sub_list(st, units[k].id, a, &subs, &nsubs, err);
        for (size_t i = 0; rc == VG_OK && i < nsubs; i++) {
            if (strcmp(subs[i].channel, "webhook") != 0)
                continue;
            if (facts == NULL && library)
                facts = json_pack("{s:s}", "library", library);
            if (!filter_takes(subs[i].filter, topic, library, facts))
                continue;
            /* the body is the inbox entry's, stored once: see outbox_due */
            struct vg_outbox o = {.created_at = now, .origin_at = origin_at,
                                  .org_id = units[k].id, .subscription_id = subs[i].id,
                                  .topic = topic, .object_type = object_type,
                                  .object_id = object_id,
                                  .idempotency_key = vg_arena_printf(a, "vg-%lld-%lld",
                                                                     (long long)no.id,
                                                                     (long long)subs[i].id),
                                  .url = subs[i].url, .secret = subs[i].secret, .body = NULL,
                                  .notification_id = no.id, .next_attempt_at = now};
            rc = st->ops->outbox_insert(st, &o, err);
            if (rc == VG_OK && queued)
                (*queued)++;
        }
    }
    vg_buf_free(&env);
    vg_buf_free(&rcp);
    json_decref(facts);
    return rc;
}

/* ---- intake ---- */

#define RCPT_B64 sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)

/* A receipt signed by the case's owner before the writer comes to it, for
 * the number the case is foreseen to get: Ed25519 over the canonical
 * {case_id, received_at, sha256} is a tenth of a submission's server CPU,
 * and no longer inside the writer's serial section. The writer uses it when the
 * text it would sign is the same, and signs itself otherwise (Ed25519 is
 * deterministic: either way the receipt is the same). */
struct presign {
    int year;          /* of the receipt time */
    int64_t seq;       /* the number foreseen, 0: none */
    uint64_t epoch;    /* srv->rcpt_epoch when it was foreseen */
    struct vg_buf msg; /* the signed text */
    char b64[RCPT_B64];
    atomic_int state; /* PS_*: who signs; msg and b64 are complete at PS_DONE */
};
enum { PS_IDLE, PS_SIGNING, PS_DONE, PS_TAKEN };

struct create_op {
    struct vg_server *srv;
    const struct vg_actor *who;
    struct intake *in;
    struct vg_arena *a;
    int queued;
    struct presign ps;
    struct vg_err *err;
};

/* The signed text of a receipt: canonical {case_id, received_at, sha256}. */
static void receipt_text(struct vg_buf *r, const char *id, const char *at, const char *sha)
{
    vg_buf_puts(r, "{\"case_id\":");
    vg__jansson_str(r, id);
    vg_buf_puts(r, ",\"received_at\":");
    vg__jansson_str(r, at);
    vg_buf_puts(r, ",\"sha256\":\"");
    vg_buf_puts(r, sha);
    vg_buf_puts(r, "\"}");
}

static void case_id_text(struct vg_buf *b, const char *prefix, int year, int64_t seq)
{
    if (year < 0 || year > 9999 || seq < 0 || seq > 99999) {
        vg_buf_printf(b, "%s-%04d-%05lld", prefix, year, (long long)seq);
        return;
    }
    /* PREFIX-YYYY-NNNNN, what the printf above writes, without its cost */
    vg_buf_puts(b, prefix);
    char *o = vg_buf_room(b, 11);
    o[0] = '-';
    for (int i = 4; i >= 1; i--, year /= 10)
        o[i] = (char)('0' + year % 10);
    o[5] = '-';
    for (int i = 10; i >= 6; i--, seq /= 10)
        o[i] = (char)('0' + seq % 10);
    b->n += 11;
    b->p[b->n] = '\0';
}

int64_t vg__case_foresee(struct vg_server *srv, int year, uint64_t *epoch)
{
    int64_t seq = 0;
    pthread_mutex_lock(&srv->rcpt_mu);
    if (srv->rcpt_year != 0 && year == srv->rcpt_year) {
        seq = srv->rcpt_next++;
        *epoch = srv->rcpt_epoch;
    }
    pthread_mutex_unlock(&srv->rcpt_mu);
    return seq;
}

/* Under the queue's lock, as the case takes its place: the number it will
 * get if every case queued before it is stored. */
static void create_queued(void *ctx)
{
    struct create_op *op = ctx;
    op->ps.seq = vg__case_foresee(op->srv, op->ps.year, &op->ps.epoch);
}

/* The owner signs the receipt for that number while the writer is busy
 * with the cases ahead. Of what the writer reads, it writes only ps. */
static void create_prepare(void *ctx)
{
    struct create_op *op = ctx;
    unsigned char sig[crypto_sign_BYTES];
    char at[32];
    if (op->ps.seq == 0)
        return;
    int idle = PS_IDLE;
    /* the writer may have come to the case first: then it signs */
    if (!atomic_compare_exchange_strong(&op->ps.state, &idle, PS_SIGNING))
        return;
    struct vg_buf id = {0};
    case_id_text(&id, op->srv->cfg.case_prefix, op->ps.year, op->ps.seq);
    vg_time_format(op->in->c.received_at, at);
    receipt_text(&op->ps.msg, id.p, at, op->in->sha);
    vg_buf_free(&id);
    crypto_sign_detached(sig, NULL, (const unsigned char *)op->ps.msg.p, op->ps.msg.n,
                         op->srv->sign_sk);
    vg_base64(sig, sizeof(sig), op->ps.b64);
    atomic_store_explicit(&op->ps.state, PS_DONE, memory_order_release);
}

void vg__case_numbered(struct vg_server *srv, int year, int64_t foreseen, uint64_t epoch,
                       int64_t seq)
{
    pthread_mutex_lock(&srv->rcpt_mu);
    if (foreseen == 0) {
        if (srv->rcpt_year == 0 || year > srv->rcpt_year) {
            srv->rcpt_year = year;
            srv->rcpt_next = seq + 1;
            srv->rcpt_epoch++;
        }
    } else if (foreseen != seq && epoch == srv->rcpt_epoch) {
        /* the cases queued after this one were foreseen as far off; those
         * foreseen before this correction (an older epoch) correct nothing */
        srv->rcpt_next += seq - foreseen;
        srv->rcpt_epoch++;
    }
    pthread_mutex_unlock(&srv->rcpt_mu);
}

static int event(struct vg_store *st, const char *case_id, const struct vg_actor *who, int64_t at,
                 const char *kind, const char *from, const char *to, const char *body,
                 struct vg_err *err)
{
    struct vg_case_event e = {.case_id = case_id, .at = at, .actor_user = who->user_id,
                              .actor_org = who->org_id, .kind = kind, .from_state = from,
                              .to_state = to, .body = body};
    return st->ops->case_event_insert(st, &e, err);
}

/* Possible duplicate: the open case received first (the first reporter keeps
 * the credit) among those sharing an alias; when none does, among those
 * sharing vendor + product + affected package, a weaker sign (one package
 * has many flaws). One link per new case, however many earlier reports there
 * are: each of those was linked to the same first one in its turn. */
static int find_first(struct vg_store *st, struct create_op *op, struct vg_case *first,
                      const char **on, const char **key)
{
    int found = 0;
    for (int pass = 0; pass < 2 && !found; pass++) {
        const char **vals = pass == 0 ? op->in->aliases : op->in->products;
        size_t nv = pass == 0 ? op->in->naliases : op->in->nproducts;
        for (size_t i = 0; i < nv; i++) {
            struct vg_case f;
            struct vg_err fe = {0};
            int rc = st->ops->case_find_key(st, pass == 0 ? "alias" : "product", vals[i],
                                            op->in->c.id, op->a, &f, &fe);
            if (rc == VG_ENOTFOUND)
                continue;
            if (rc)
                return vg_err_set(op->err, rc, "%s", fe.msg);
            if (!found || f.received_at < first->received_at ||
                (f.received_at == first->received_at && f.rid < first->rid)) {
                *first = f;
                *on = pass == 0 ? "alias" : "product";
                *key = vals[i];
                found = 1;
            }
        }
    }
    return found;
}

static int create_tx(struct vg_store *st, void *ctx)
{
    struct create_op *op = ctx;
    struct intake *in = op->in;
    struct vg_case *c = &in->c;
    struct vg_arena *a = op->a;
    struct vg_buf b = {0}, r = {0};
    struct vg_case first = {0};
    const char *on = NULL, *key = NULL;
    unsigned char h[32], sig[crypto_sign_BYTES];
    char at[32], hex[65], b64buf[RCPT_B64];
    const char *b64 = b64buf;
    int64_t seq;
    int rc, dup;
    /* it may run again after a rollback (vg_tx_hooks.rerun): all it does
     * starts over, and what it counts */
    op->queued = 0;
    c->year = op->ps.year;
    if ((rc = st->ops->case_next_seq(st, c->year, &seq, op->err)))
        return rc;
    buf_sized(&b, 2047);
    c->seq = seq;
    vg__case_numbered(op->srv, c->year, op->ps.seq, op->ps.epoch, seq);
    case_id_text(&b, op->srv->cfg.case_prefix, c->year, seq);
    c->id = vg_arena_strndup(a, b.p, b.n);
    vg_buf_reset(&b);
    /* The vendor unit, when the product's vendor is a registered vendor unit. */
    if (c->vendor_org == 0) {
        struct vg_org vo;
        struct vg_err e2 = {0};
        if (st->ops->org_by_name(st, c->product_vendor, a, &vo, &e2) == VG_OK &&
            vo.kind == VG_ORG_VENDOR)
            c->vendor_org = vo.id;
    }
    if ((dup = find_first(st, op, &first, &on, &key)) < 0) {
        rc = dup;
        goto out;
    }

    /* The receipt: Ed25519 over the canonical {case_id, received_at, sha256},
     * signed by the owner already when it foresaw this text. */
    vg_time_format(c->received_at, at);
    buf_sized(&r, 511); /* the stored receipt: ~330 bytes */
    receipt_text(&r, c->id, at, in->sha);
    int idle = PS_IDLE;
    if (!atomic_compare_exchange_strong(&op->ps.state, &idle, PS_TAKEN) && idle == PS_DONE &&
        op->ps.msg.n == r.n && memcmp(op->ps.msg.p, r.p, r.n) == 0) {
        b64 = op->ps.b64;
    } else {
        crypto_sign_detached(sig, NULL, (const unsigned char *)r.p, r.n, op->srv->sign_sk);
        vg_base64(sig, sizeof(sig), b64buf);
    }
    /* ... stored canonically: {alg, case_id, key_id, received_at, sha256, signature} */
    vg_buf_reset(&r);
    vg_buf_puts(&r, "{\"alg\":\"Ed25519\",\"case_id\":");
    vg__jansson_str(&r, c->id);
    vg_buf_puts(&r, ",\"key_id\":");
    vg__jansson_str(&r, op->srv->key_id);
    vg_buf_puts(&r, ",\"received_at\":");
    vg__jansson_str(&r, at);
    vg_buf_puts(&r, ",\"sha256\":\"");
    vg_buf_puts(&r, in->sha);
    vg_buf_puts(&r, "\",\"signature\":\"");
    vg_buf_puts(&r, b64);
    vg_buf_puts(&r, "\"}");

    /* The stored document, canonical: the parts encoded before, the links and
     * the receipt in their places. */
    vg_buf_putc(&b, '{');
    vg_buf_append(&b, in->lo.p, in->lo.n);
    vg_buf_puts(&b, ",\"possible_duplicates\":[");
    if (dup) {
        vg_buf_puts(&b, "{\"id\":");
        vg__jansson_str(&b, first.id);
        vg_buf_puts(&b, ",\"key\":");
        vg__jansson_str(&b, key);
        vg_buf_printf(&b, ",\"matched_on\":\"%s\",\"received_at\":", on);
        put_jtime(&b, first.received_at);
        vg_buf_putc(&b, '}');
    }
    vg_buf_puts(&b, "],");
    vg_buf_append(&b, in->mid.p, in->mid.n);
    vg_buf_puts(&b, ",\"receipt\":");
    vg_buf_append(&b, r.p, r.n);
    vg_buf_putc(&b, ',');
    vg_buf_append(&b, in->hi.p, in->hi.n);
    vg_buf_putc(&b, '}');
    c->doc = vg_arena_strndup(a, b.p, b.n);

    if ((rc = st->ops->case_insert(st, c, op->err)))
        goto out;
    for (size_t i = 0; i < op->in->naliases; i++)
        if ((rc = st->ops->case_key_put(st, c, "alias", op->in->aliases[i], op->err)))
            goto out;
    for (size_t i = 0; i < op->in->nproducts; i++)
        if ((rc = st->ops->case_key_put(st, c, "product", op->in->products[i], op->err)))
            goto out;
    if ((rc = event(st, c->id, op->who, c->received_at, "transition", NULL, "received",
                    c->late ? "received after the reporting deadline" : "received", op->err)))
        goto out;
    if (dup &&
        ((rc = event(st, c->id, op->who, c->received_at, "duplicate_link", NULL, NULL,
                     vg_arena_printf(a, "possible duplicate of %s (reported earlier)", first.id),
                     op->err)) ||
         (rc = event(st, first.id, op->who, c->received_at, "duplicate_link", NULL, NULL,
                     vg_arena_printf(a, "%s may report the same flaw (reported later)", c->id),
                     op->err))))
        goto out;

    /* The audit entry names the stored document by its hash (see doc_ref),
     * with the receipt: canonical {case_id, doc_sha256, late, receipt,
     * reporter_org, state, tlp, vendor_org}. */
    vg_sha256(c->doc, b.n, h);
    vg_hex(h, 32, hex);
    vg_buf_reset(&b);
    vg_buf_puts(&b, "{\"case_id\":");
    vg__jansson_str(&b, c->id);
    vg_buf_puts(&b, ",\"doc_sha256\":\"");
    vg_buf_puts(&b, hex);
    vg_buf_puts(&b, c->late ? "\",\"late\":true,\"receipt\":" : "\",\"late\":false,\"receipt\":");
    vg_buf_append(&b, r.p, r.n);
    vg_buf_puts(&b, ",\"reporter_org\":");
    vg_buf_put_i64(&b, c->reporter_org);
    vg_buf_puts(&b, ",\"state\":");
    vg__jansson_str(&b, c->state);
    vg_buf_puts(&b, ",\"tlp\":");
    vg__jansson_str(&b, c->tlp);
    vg_buf_puts(&b, ",\"vendor_org\":");
    vg_buf_put_i64(&b, c->vendor_org);
    vg_buf_putc(&b, '}');
    if ((rc = vg_audit_append_text(st, op->who, "case.create", "case", c->id, b.p, b.n,
                                   c->received_at, op->err)))
        goto out;

    /* Simultaneous forwarding: every active peer centre, in this transaction. */
    struct vg_org *peers;
    size_t np;
    if ((rc = st->ops->org_list_kind(st, VG_ORG_PEER, a, &peers, &np, op->err)) || np == 0)
        goto out;
    vg_buf_reset(&b);
    vg_buf_puts(&b, "{\"id\":");
    vg__jansson_str(&b, c->id);
    vg_buf_putc(&b, ',');
    vg_buf_append(&b, in->sum.p, in->sum.n);
    /* what a subscription filter tests: the library */
    rc = notify_kind(st, VG_ORG_PEER, "case.received", "case", c->id, peers, np, c->library, b.p,
                     c->received_at, &op->queued, a, op->err);
out:
    vg_buf_free(&b);
    vg_buf_free(&r);
    return rc;
}

int vg_svc_case_create(struct vg_server *srv, const struct vg_actor *who,
                       const struct vg_jval *body, const char *raw, size_t rawlen, char **out,
                       size_t *outlen, struct vg_err *err)
{
    struct intake in;
    struct create_op op;
    unsigned char h[32];
    int rc;
    if ((rc = vg_authz(who, VG_ACT_CASE_SUBMIT, err)))
        return rc;
    memset(&in, 0, sizeof(in));
    memset(&op, 0, sizeof(op));
    op.a = vg_arena_new(0);
    vg__tx_expect(srv, 1); /* the writer may wait for this one (group commit) */
    if ((rc = decode(srv, who, body, vg_time_now_ms(), op.a, &in, err)) == VG_OK) {
        static const struct vg_tx_hooks hooks = {create_queued, create_prepare, 1};
        struct tm tm;
        time_t tt = (time_t)(in.c.received_at / 1000);
        gmtime_r(&tt, &tm);
        vg_sha256(raw, rawlen, h);
        vg_hex(h, 32, in.sha);
        op.srv = srv;
        op.who = who;
        op.in = &in;
        op.err = err;
        op.ps.year = tm.tm_year + 1900;
        atomic_init(&op.ps.state, PS_IDLE);
        rc = vg__tx_expected_hooked(srv, create_tx, &op, &hooks, err);
        vg_buf_free(&op.ps.msg);
    } else {
        vg__tx_expect(srv, -1);
    }
    if (rc == VG_OK) {
        struct vg_buf b = {0};
        buf_sized(&b, 2047);
        case_text(&in.c, &b);
        *out = vg_buf_steal(&b, outlen);
    }
    intake_free(&in);
    vg_arena_free(op.a);
    if (rc == VG_OK && op.queued)
        vg_notifier_kick(srv->notifier);
    return rc;
}

/* ---- reading ---- */

static int load_visible(struct vg_store *st, const struct vg_actor *who, const char *id,
                        struct vg_arena *a, struct vg_case *c, int *view, struct vg_err *err)
{
    int rc = st->ops->case_get(st, id, a, c, err);
    if (rc == VG_ENOTFOUND) {
        vg_err_clear(err);
        return vg_err_set(err, VG_ENOTFOUND, "case %s not found", id);
    }
    if (rc)
        return rc;
    *view = sight(who, c);
    if (*view == SEE_NONE) {
        /* A suspended unit is told why rather than handed a 404. */
        if (who && who->org_status == VG_ORG_SUSPENDED)
            return vg_err_set(err, VG_ESUSPENDED, "unit %s is suspended", who->org_name);
        return vg_err_set(err, VG_ENOTFOUND, "case %s not found", id);
    }
    return VG_OK;
}

int vg_svc_case_get(struct vg_server *srv, const struct vg_actor *who, const char *id,
                    json_t **out, struct vg_err *err)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(srv->pool);
    struct vg_case c;
    int view, rc = load_visible(st, who, id, a, &c, &view, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK)
        *out = case_json(&c, who, view);
    vg_arena_free(a);
    return rc;
}

int vg_svc_case_list(struct vg_server *srv, const struct vg_actor *who,
                     const struct vg_case_query *q, json_t **out, struct vg_err *err)
{
    struct vg_case_filter f = {.state = q->state, .library = q->library, .vendor = q->vendor,
                               .overdue = q->overdue};
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_case *cs;
    size_t n;
    int rc;
    if (who == NULL || who->org_status != VG_ORG_ACTIVE) {
        if (who && who->org_status == VG_ORG_REVOKED)
            return vg_err_set(err, VG_EFORBIDDEN, "unit is revoked");
        f.public_only = 1;
    } else if (vg__staff(who)) {
        f.all = 1;
    } else {
        f.viewer_org = who->org_id;
    }
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->case_list(st, &f, q->pg.after, q->pg.limit, a, &cs, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, case_json(&cs[i], who, sight(who, &cs[i])));
        *out = vg__page_json(items, n, q->pg.limit, n ? cs[n - 1].rid : 0);
    }
    vg_arena_free(a);
    return rc;
}

/* ---- the knowledge-base record of a case ---- */

/* A confirmed case becomes an OSV record (id = the case id) with its affected
 * packages, aliases, severity and remediation; it stays private until the
 * case is published. */
static json_t *case_record(const struct vg_case *c, json_t *doc, int64_t now, struct vg_arena *ar)
{
    json_t *aff = json_array(), *a, *sev = json_array(), *v, *refs = json_array(), *r;
    size_t i;
    json_t *fix = json_object_get(doc, "fix");
    json_array_foreach(json_object_get(doc, "affected"), i, a) {
        /* OSV names the package by ecosystem and name; the purl rides along. */
        const char *purl = json_string_value(json_object_get(a, "purl"));
        json_t *pkg = json_pack("{s:s}", "purl", purl ? purl : "");
        struct vg_purl pu;
        struct vg_err pe = {0};
        const char *pname = NULL, *pver = NULL;
        int eco = -1;
        if (purl && vg_purl_parse(purl, strlen(purl), ar, &pu, &pe) == VG_OK &&
            vg_match_purl_pkg(&pu, ar, &eco, &pname, &pver, &pe) == VG_OK && eco >= 0) {
            json_object_set_new(pkg, "ecosystem", json_string(vg_eco_name(eco)));
            json_object_set_new(pkg, "name", json_string(pname));
        }
        json_t *e = json_pack("{s:o}", "package", pkg);
        if (json_object_get(a, "ranges"))
            json_object_set(e, "ranges", json_object_get(a, "ranges"));
        if (json_object_get(a, "versions"))
            json_object_set(e, "versions", json_object_get(a, "versions"));
        json_array_append_new(aff, e);
    }
    json_array_foreach(json_object_get(doc, "cvss"), i, v) {
        const char *vec = json_string_value(json_object_get(v, "vector"));
        if (vec)
            json_array_append_new(sev, json_pack("{s:s, s:s}", "type",
                                                 strncmp(vec, "CVSS:4.0/", 9) == 0   ? "CVSS_V4"
                                                 : strncmp(vec, "CVSS:3.", 7) == 0 ? "CVSS_V3"
                                                                                     : "CVSS_V2",
                                                 "score", vec));
    }
    json_array_foreach(json_object_get(doc, "references"), i, r) {
        const char *t = json_string_value(json_object_get(r, "type"));
        if (t && strcmp(t, "EXPLOIT") != 0)
            json_array_append(refs, r);
    }
    json_t *rec = json_pack("{s:s, s:s, s:o, s:O, s:O, s:O, s:o, s:o, s:o}", "schema_version",
                            "1.6.0", "id", c->id, "modified", vg__time_json(now), "aliases",
                            json_object_get(doc, "aliases"), "summary", json_object_get(doc, "title"),
                            "details", json_object_get(doc, "technical_characteristics"), "affected",
                            aff, "severity", sev, "references", refs);
    if (c->published_at)
        json_object_set_new(rec, "published", vg__time_json(c->published_at));
    json_object_set_new(rec, "database_specific",
                        json_pack("{s:s, s:s, s:O, s:O*, s:O*}", "source", "vigil-case", "case_id",
                                  c->id, "product", json_object_get(doc, "product"), "remediation",
                                  json_object_get(fix, "remediation"), "gbt",
                                  json_object_get(doc, "gbt")));
    return rec;
}

/* ---- the lifecycle ---- */

enum { WHO_STAFF = 1, WHO_VENDOR = 2 };

static const struct move {
    const char *from, *to;
    int who;
} moves[] = {
    {"received", "triaging", WHO_STAFF},
    {"triaging", "confirmed", WHO_STAFF},
    {"confirmed", "vendor_notified", WHO_STAFF},
    {"vendor_notified", "fix_available", WHO_STAFF | WHO_VENDOR},
    {"fix_available", "published", WHO_STAFF},
    {"confirmed", "published", WHO_STAFF},       /* early publication only */
    {"vendor_notified", "published", WHO_STAFF}, /* early publication only */
    {"received", "rejected", WHO_STAFF},
    {"triaging", "rejected", WHO_STAFF},
    {"confirmed", "rejected", WHO_STAFF},
    {"received", "duplicate", WHO_STAFF},
    {"triaging", "duplicate", WHO_STAFF},
    {"confirmed", "duplicate", WHO_STAFF},
};

static const char *const states[] = {"received",      "triaging",  "confirmed", "vendor_notified",
                                     "fix_available", "published", "rejected",  "duplicate",
                                     NULL};

struct move_op {
    struct vg_server *srv;
    const struct vg_actor *who;
    const char *id;
    json_t *body;
    struct vg_arena *a;
    json_t *out;
    int queued, kb_changed;
    size_t units;
    struct vg_notify_batch *batch; /* the alerts' webhooks, handed over on commit */
    struct vg_err *err;
};

static int decode_fix(json_t *fix, json_t **out, struct vg_err *err)
{
    static const char *const keys[] = {"fixed_versions", "remediation", "references", NULL};
    const char *rem = NULL;
    int rc;
    if (!json_is_object(fix))
        return vg_err_field(err, VG_EINVAL, "fix", "fix: must be an object");
    if ((rc = vg_json_only(fix, keys, "fix", err)) ||
        (rc = str_field(fix, "remediation", "fix", 1, 65536, &rem, err)))
        return rc;
    json_t *fv = string_array_or_err(json_object_get(fix, "fixed_versions"), "fix.fixed_versions",
                                     1000, 200, err);
    if (fv == NULL)
        return err->code;
    json_t *refs = string_array_or_err(json_object_get(fix, "references"), "fix.references", 100,
                                       2048, err);
    if (refs == NULL) {
        json_decref(fv);
        return err->code;
    }
    *out = json_pack("{s:o, s:s, s:o}", "fixed_versions", fv, "remediation", rem, "references", refs);
    return VG_OK;
}

static int move_tx(struct vg_store *st, void *ctx)
{
    static const char *const keys[] = {"to", "note", "vendor_org_id", "duplicate_of", "fix",
                                       "early_publication", "remediation", NULL};
    struct move_op *op = ctx;
    const struct vg_actor *who = op->who;
    struct vg_arena *a = op->a;
    struct vg_case c;
    const char *to = NULL, *note = NULL;
    int view, rc, allowed = -1;
    int64_t now = vg_time_now_ms();
    json_t *doc = NULL;

    if ((rc = load_visible(st, who, op->id, a, &c, &view, op->err)))
        return rc;
    if (view != SEE_FULL)
        return vg_err_set(op->err, VG_ENOTFOUND, "case %s not found", op->id);
    if ((rc = vg_json_only(op->body, keys, NULL, op->err)) ||
        (rc = str_field(op->body, "to", "", 1, 32, &to, op->err)) ||
        (rc = str_field(op->body, "note", "", 0, 65536, &note, op->err)))
        return rc;
    if (enum_index(states, to) < 0)
        return vg_err_field(op->err, VG_EINVAL, "to", "to: not a case state");
    for (size_t i = 0; i < VG_ARRAY_LEN(moves); i++)
        if (strcmp(moves[i].from, c.state) == 0 && strcmp(moves[i].to, to) == 0)
            allowed = moves[i].who;
    if (allowed < 0)
        return vg_err_set(op->err, VG_ETRANSITION, "a case in state %s cannot move to %s", c.state,
                          to);
    int is_staff = vg__staff(who) && vg_allowed(who, VG_ACT_CASE_STAFF);
    int is_vendor = c.vendor_org == who->org_id && vg_allowed(who, VG_ACT_CASE_FIX);
    if (!((allowed & WHO_STAFF) && is_staff) && !((allowed & WHO_VENDOR) && is_vendor)) {
        if ((rc = vg_authz(who, (allowed & WHO_VENDOR) ? VG_ACT_CASE_FIX : VG_ACT_CASE_STAFF,
                           op->err)))
            return rc;
        return vg_err_set(op->err, VG_EFORBIDDEN, "only %s may move a case from %s to %s",
                          (allowed & WHO_VENDOR) ? "operator staff or the product's vendor unit"
                                                 : "operator staff",
                          c.state, to);
    }
    doc = json_loads(c.doc, 0, NULL);
    if (doc == NULL)
        return vg_err_set(op->err, VG_EBACKEND, "case %s: stored document unreadable", c.id);
    const char *from = c.state;
    /* Per-target rules. */
    if (strcmp(to, "vendor_notified") == 0) {
        int64_t vid = c.vendor_org;
        json_t *v = json_object_get(op->body, "vendor_org_id");
        if (v && !json_is_null(v)) {
            if (!json_is_integer(v)) {
                rc = vg_err_field(op->err, VG_EINVAL, "vendor_org_id", "vendor_org_id: an org id");
                goto out;
            }
            vid = json_integer_value(v);
        }
        struct vg_org vo;
        if (vid == 0) {
            rc = vg_err_field(op->err, VG_EMISSING, "vendor_org_id",
                              "vendor_org_id: no vendor unit is known for %s; name one",
                              c.product_vendor);
            goto out;
        }
        if ((rc = st->ops->org_get(st, vid, a, &vo, op->err)) || vo.kind != VG_ORG_VENDOR) {
            vg_err_clear(op->err);
            rc = vg_err_field(op->err, VG_EINVAL, "vendor_org_id",
                              "vendor_org_id: %lld is not a vendor unit", (long long)vid);
            goto out;
        }
        c.vendor_org = vid;
        c.vendor_notified_at = now;
    } else if (strcmp(to, "fix_available") == 0) {
        json_t *fix = json_object_get(op->body, "fix"), *f = NULL;
        if (fix == NULL || json_is_null(fix)) {
            rc = vg_err_field(op->err, VG_EMISSING, "fix", "fix: required (remediation, fixed_versions)");
            goto out;
        }
        if ((rc = decode_fix(fix, &f, op->err)))
            goto out;
        json_object_set_new(f, "recorded_at", vg__time_json(now));
        json_object_set_new(f, "recorded_by", json_integer(who->user_id));
        json_object_set_new(doc, "fix", f);
    } else if (strcmp(to, "published") == 0) {
        json_t *ep = json_object_get(op->body, "early_publication");
        json_t *fix = json_object_get(doc, "fix");
        const char *rem = json_string_value(json_object_get(op->body, "remediation"));
        if (strcmp(from, "fix_available") != 0) {
            /* Art. 9: before a fix only with a recorded joint assessment. */
            static const char *const ekeys[] = {"assessment", "approved_by", NULL};
            const char *as = NULL, *by = NULL;
            if (ep == NULL || json_is_null(ep)) {
                rc = vg_err_set(op->err, VG_ETRANSITION,
                                "publication needs fix_available, or an early_publication "
                                "{assessment, approved_by} record");
                goto out;
            }
            if (!json_is_object(ep)) {
                rc = vg_err_field(op->err, VG_EINVAL, "early_publication",
                                  "early_publication: must be an object");
                goto out;
            }
            if ((rc = vg_json_only(ep, ekeys, "early_publication", op->err)) ||
                (rc = str_field(ep, "assessment", "early_publication", 1, 65536, &as, op->err)) ||
                (rc = str_field(ep, "approved_by", "early_publication", 1, 500, &by, op->err)))
                goto out;
            if (rem == NULL || *rem == '\0') {
                rc = vg_err_field(op->err, VG_EMISSING, "remediation",
                                  "remediation: an early publication must carry mitigation "
                                  "advice");
                goto out;
            }
            json_object_set_new(doc, "early_publication",
                                json_pack("{s:s, s:s, s:o, s:I}", "assessment", as, "approved_by",
                                          by, "recorded_at", vg__time_json(now), "recorded_by",
                                          (json_int_t)who->user_id));
            json_object_set_new(doc, "fix", json_pack("{s:[], s:s, s:[]}", "fixed_versions",
                                                      "remediation", rem, "references"));
        } else if (!json_is_object(fix) ||
                   !json_string_value(json_object_get(fix, "remediation"))) {
            rc = vg_err_set(op->err, VG_ETRANSITION, "publication carries remediation: record it "
                                                     "with the fix first");
            goto out;
        }
        c.published_at = now;
    } else if (strcmp(to, "duplicate") == 0) {
        const char *of = NULL;
        struct vg_case other;
        if ((rc = str_field(op->body, "duplicate_of", "", 1, 64, &of, op->err)))
            goto out;
        if (strcmp(of, c.id) == 0 || st->ops->case_get(st, of, a, &other, op->err) != VG_OK) {
            vg_err_clear(op->err);
            rc = vg_err_field(op->err, VG_EINVAL, "duplicate_of",
                              "duplicate_of: %s is not another case", of);
            goto out;
        }
        c.duplicate_of = vg_arena_strdup(a, of);
    } else if (strcmp(to, "rejected") == 0 && (note == NULL || *note == '\0')) {
        rc = vg_err_field(op->err, VG_EMISSING, "note", "note: say why the report is rejected");
        goto out;
    }
    c.state = to;
    c.updated_at = now;
    char *d = vg_json_canonical(doc, NULL);
    c.doc = vg_arena_strdup(a, d);
    free(d);
    if ((rc = st->ops->case_update(st, &c, op->err)) ||
        (rc = event(st, c.id, who, now, "transition", from, to, note, op->err)))
        goto out;
    /* From confirmation on, the case is a knowledge-base record too. */
    if (strcmp(to, "confirmed") == 0 || strcmp(to, "vendor_notified") == 0 ||
        strcmp(to, "fix_available") == 0 || strcmp(to, "published") == 0) {
        json_t *rec = case_record(&c, doc, now, a);
        int changed = 0;
        rc = vg__kb_put(st, rec, "case", strcmp(to, "published") == 0, now, a, &changed, op->err);
        /* Every unit running an affected component is alerted, in this
         * transaction, through the outbox. */
        if (rc == VG_OK && changed) {
            size_t units = 0;
            rc = vg__expo_reverse_to(op->srv, st, rec, now, a, &op->queued, &units, op->batch,
                                     op->err);
            op->units = units;
        }
        json_decref(rec);
        if (rc)
            goto out;
        op->kb_changed = changed;
    }
    op->out = case_json(&c, who, SEE_FULL);
    json_t *payload = json_pack("{s:s, s:s, s:s?, s:o}", "from", from, "to", to, "note", note,
                                "case", doc_ref(&c));
    rc = vg_audit_append(st, who, "case.transition", "case", c.id, payload, now, op->err);
    json_decref(payload);
    if (rc)
        goto out;
    /* Who hears of it: the vendor unit when notified, the reporter always. */
    json_t *sum = case_summary(&c, doc);
    json_object_set_new(sum, "from", json_string(from));
    if (note)
        json_object_set_new(sum, "note", json_string(note));
    if (strcmp(to, "vendor_notified") == 0)
        rc = vg__notify_org(st, c.vendor_org, "case.vendor_notified", "case", c.id, sum, now, a,
                            &op->queued, op->err);
    if (rc == VG_OK && c.reporter_org != who->org_id)
        rc = vg__notify_org(st, c.reporter_org, "case.state_changed", "case", c.id, sum, now, a,
                            &op->queued, op->err);
    json_decref(sum);
out:
    json_decref(doc);
    return rc;
}

int vg_svc_case_transition(struct vg_server *srv, const struct vg_actor *who, const char *id,
                           json_t *body, json_t **out, struct vg_err *err)
{
    struct move_op op = {.srv = srv, .who = who, .id = id, .body = body, .err = err};
    int rc;
    if ((rc = vg_authz(who, VG_ACT_CASE_READ, err)) || (rc = vg_expo_ensure(srv, err)))
        return rc;
    op.a = vg_arena_new(0);
    op.batch = vg_notify_batch_new();
    rc = vg__tx(srv, 1, move_tx, &op, err);
    vg_notifier_submit(srv->notifier, op.batch, rc == VG_OK);
    vg_arena_free(op.a);
    if ((rc = vg__result(rc, op.out, out)) != VG_OK)
        return rc;
    if (op.queued)
        vg_notifier_kick(srv->notifier);
    if (op.kb_changed)
        vg_kb_mark(srv);
    return VG_OK;
}

/* ---- comments, timeline, deliveries ---- */

struct comment_op {
    const struct vg_actor *who;
    const char *id, *kind, *text;
    struct vg_arena *a;
    json_t *out;
    struct vg_err *err;
};

static json_t *event_json(const struct vg_case_event *e)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(e->id));
    json_object_set_new(j, "at", vg__time_json(e->at));
    json_object_set_new(j, "kind", json_string(e->kind));
    json_object_set_new(j, "actor_user", e->actor_user ? json_integer(e->actor_user) : json_null());
    json_object_set_new(j, "actor_org", e->actor_org ? json_integer(e->actor_org) : json_null());
    json_object_set_new(j, "from", e->from_state ? json_string(e->from_state) : json_null());
    json_object_set_new(j, "to", e->to_state ? json_string(e->to_state) : json_null());
    json_object_set_new(j, "note", e->body ? json_string(e->body) : json_null());
    return j;
}

static int comment_tx(struct vg_store *st, void *ctx)
{
    struct comment_op *op = ctx;
    struct vg_case c;
    int view, rc;
    int64_t now = vg_time_now_ms();
    if ((rc = load_visible(st, op->who, op->id, op->a, &c, &view, op->err)))
        return rc;
    if (view != SEE_FULL)
        return vg_err_set(op->err, VG_EFORBIDDEN, "only the reporter, the vendor unit and "
                                                  "operator staff comment on a case");
    struct vg_case_event e = {.case_id = c.id, .at = now, .actor_user = op->who->user_id,
                              .actor_org = op->who->org_id, .kind = op->kind, .body = op->text};
    if ((rc = st->ops->case_event_insert(st, &e, op->err)))
        return rc;
    op->out = event_json(&e);
    return vg_audit_append(st, op->who, "case.comment", "case", c.id, op->out, now, op->err);
}

int vg_svc_case_comment(struct vg_server *srv, const struct vg_actor *who, const char *id,
                        const char *kind, const char *text, json_t **out, struct vg_err *err)
{
    struct comment_op op = {.who = who, .id = id, .kind = kind, .text = text, .err = err};
    int rc;
    if ((rc = vg_authz(who, VG_ACT_CASE_COMMENT, err)))
        return rc;
    op.a = vg_arena_new(0);
    rc = vg__tx(srv, 1, comment_tx, &op, err);
    vg_arena_free(op.a);
    return vg__result(rc, op.out, out);
}

int vg_svc_case_timeline(struct vg_server *srv, const struct vg_actor *who, const char *id,
                         json_t **out, struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_case c;
    struct vg_case_event *es;
    size_t n;
    int view, rc;
    if ((rc = vg_authz(who, VG_ACT_CASE_READ, err)))
        return rc;
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = load_visible(st, who, id, a, &c, &view, err);
    if (rc == VG_OK && view != SEE_FULL)
        rc = vg_err_set(err, VG_ENOTFOUND, "case %s not found", id);
    if (rc == VG_OK)
        rc = st->ops->case_events(st, c.id, a, &es, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, event_json(&es[i]));
        *out = json_pack("{s:s, s:o}", "case_id", c.id, "items", items);
    }
    vg_arena_free(a);
    return rc;
}

int vg_svc_case_deliveries(struct vg_server *srv, const struct vg_actor *who, const char *id,
                           json_t **out, struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_case c;
    struct vg_delivery *ds;
    size_t n;
    int view, rc;
    if ((rc = vg_authz(who, VG_ACT_CASE_STAFF, err)))
        return rc;
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = load_visible(st, who, id, a, &c, &view, err);
    if (rc == VG_OK)
        rc = st->ops->delivery_list(st, "case", c.id, a, &ds, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(
                items, json_pack("{s:I, s:I, s:s, s:I, s:s, s:o, s:i, s:s?, s:I, s:s}", "id",
                                 (json_int_t)ds[i].id, "outbox_id", (json_int_t)ds[i].outbox_id,
                                 "topic", ds[i].topic, "org_id", (json_int_t)ds[i].org_id, "url",
                                 ds[i].url, "at", vg__time_json(ds[i].at), "status", ds[i].status,
                                 "error", ds[i].error, "delay_ms", (json_int_t)ds[i].delay_ms,
                                 "idempotency_key", ds[i].idempotency_key));
        *out = json_pack("{s:s, s:o}", "case_id", c.id, "items", items);
    }
    vg_arena_free(a);
    return rc;
}

/* ---- compliance figures ---- */

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static json_t *figures(int64_t *delays, size_t n, int64_t late)
{
    char med[48], worst[48];
    qsort(delays, n, sizeof(*delays), cmp_i64);
    int64_t m = n == 0 ? 0 : n % 2 ? delays[n / 2] : (delays[n / 2 - 1] + delays[n / 2]) / 2;
    duration(m, med, sizeof(med));
    duration(n ? delays[n - 1] : 0, worst, sizeof(worst));
    return json_pack("{s:I, s:I, s:s, s:I, s:s, s:I}", "reports", (json_int_t)n, "late_reports",
                     (json_int_t)late, "median_delay", med, "median_delay_seconds",
                     (json_int_t)(m / 1000), "worst_delay", worst, "worst_delay_seconds",
                     (json_int_t)(n ? delays[n - 1] / 1000 : 0));
}

int vg_svc_compliance(struct vg_server *srv, const struct vg_actor *who, json_t **out,
                      struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_case_delay *ds;
    size_t n;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_CASE_READ, err)))
        return rc;
    int all = vg__staff(who);
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->case_delays(st, a, &ds, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        /* Rows come sorted by unit then library. */
        json_t *units = json_array();
        int64_t *buf = vg_arena_alloc(a, (n + 1) * sizeof(int64_t));
        int64_t *lbuf = vg_arena_alloc(a, (n + 1) * sizeof(int64_t));
        for (size_t i = 0; i < n;) {
            size_t j = i, k = 0;
            int64_t late = 0;
            json_t *libs = json_object();
            while (j < n && ds[j].reporter_org == ds[i].reporter_org) {
                size_t l = j, lk = 0;
                int64_t llate = 0;
                while (l < n && ds[l].reporter_org == ds[i].reporter_org &&
                       strcmp(ds[l].library, ds[j].library) == 0) {
                    lbuf[lk++] = ds[l].delay_ms;
                    buf[k++] = ds[l].delay_ms;
                    llate += ds[l].late;
                    late += ds[l].late;
                    l++;
                }
                json_object_set_new(libs, ds[j].library, figures(lbuf, lk, llate));
                j = l;
            }
            if (all || ds[i].reporter_org == who->org_id) {
                json_t *u = figures(buf, k, late);
                json_object_set_new(u, "org_id", json_integer(ds[i].reporter_org));
                json_object_set_new(u, "libraries", libs);
                json_array_append_new(units, u);
            } else {
                json_decref(libs);
            }
            i = j;
        }
        *out = json_pack("{s:o, s:s}", "units", units, "deadline",
                         vg_arena_printf(a, "%lld %s", (long long)srv->cfg.deadline,
                                         srv->cfg.deadline_unit));
    }
    vg_arena_free(a);
    return rc;
}

/* ---- subscriptions and the inbox ---- */

struct sub_op {
    const struct vg_actor *who;
    struct vg_subscription sub;
    int64_t id;
    struct vg_arena *a;
    json_t *out;
    struct vg_err *err;
};

static json_t *sub_json(const struct vg_subscription *s)
{
    json_t *f = json_loads(s->filter ? s->filter : "{}", 0, NULL);
    return json_pack("{s:I, s:I, s:s, s:s, s:o, s:o}", "id", (json_int_t)s->id, "org_id",
                     (json_int_t)s->org_id, "channel", s->channel, "url", s->url, "filter",
                     f ? f : json_object(), "created_at", vg__time_json(s->created_at));
}

static int sub_create_tx(struct vg_store *st, void *ctx)
{
    struct sub_op *op = ctx;
    int rc = st->ops->sub_insert(st, &op->sub, op->err);
    if (rc)
        return rc;
    op->out = sub_json(&op->sub);
    return vg_audit_append(st, op->who, "subscription.create", "subscription",
                           vg_arena_printf(op->a, "%lld", (long long)op->sub.id), op->out,
                           op->sub.created_at, op->err);
}

int vg_svc_sub_create(struct vg_server *srv, const struct vg_actor *who, const char *url,
                      const char *secret, json_t *filter, json_t **out, struct vg_err *err)
{
    static const char *const fkeys[] = {"topics",   "severity_min", "kev",       "ecosystems",
                                        "packages", "vendors",      "libraries", NULL};
    struct sub_op op = {.who = who, .err = err};
    int rc;
    if ((rc = vg_authz(who, VG_ACT_SUB_MANAGE, err)))
        return rc;
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return vg_err_field(err, VG_EINVAL, "url", "url: an http:// or https:// URL");
    if (strlen(secret) < 16)
        return vg_err_field(err, VG_EINVAL, "secret", "secret: at least 16 characters");
    if (filter && !json_is_object(filter))
        return vg_err_field(err, VG_EINVAL, "filter", "filter: must be an object");
    if (filter && (rc = vg_json_only(filter, fkeys, "filter", err)))
        return rc;
    if (filter) {
        const char *arrays[] = {"topics", "ecosystems", "packages", "vendors", "libraries"};
        for (size_t i = 0; i < VG_ARRAY_LEN(arrays); i++) {
            json_t *v = json_object_get(filter, arrays[i]);
            char p[64];
            snprintf(p, sizeof(p), "filter.%s", arrays[i]);
            json_t *ok = string_array_or_err(v, p, 1000, 500, err);
            if (ok == NULL)
                return err->code;
            json_decref(ok);
        }
    }
    op.a = vg_arena_new(0);
    char *f = filter ? vg_json_canonical(filter, NULL) : NULL;
    op.sub.org_id = who->org_id;
    op.sub.channel = "webhook";
    op.sub.url = url;
    op.sub.secret = secret;
    op.sub.filter = f ? f : "{}";
    op.sub.created_at = vg_time_now_ms();
    op.sub.created_by = who->user_id;
    rc = vg__tx(srv, 1, sub_create_tx, &op, err);
    free(f);
    vg_arena_free(op.a);
    return vg__result(rc, op.out, out);
}

int vg_svc_sub_list(struct vg_server *srv, const struct vg_actor *who, json_t **out,
                    struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_subscription *ss;
    size_t n;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_INBOX_READ, err)))
        return rc;
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->sub_list(st, who->org_id, a, &ss, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, sub_json(&ss[i]));
        *out = json_pack("{s:o, s:n}", "items", items, "next_cursor");
    }
    vg_arena_free(a);
    return rc;
}

static int sub_delete_tx(struct vg_store *st, void *ctx)
{
    struct sub_op *op = ctx;
    struct vg_subscription s;
    int rc = st->ops->sub_get(st, op->id, op->a, &s, op->err);
    if (rc == VG_OK && s.org_id != op->who->org_id)
        rc = vg_err_set(op->err, VG_ENOTFOUND, "subscription %lld not found", (long long)op->id);
    if (rc)
        return rc;
    if ((rc = st->ops->sub_delete(st, s.id, op->err)))
        return rc;
    json_t *j = sub_json(&s);
    rc = vg_audit_append(st, op->who, "subscription.delete", "subscription",
                         vg_arena_printf(op->a, "%lld", (long long)s.id), j, vg_time_now_ms(),
                         op->err);
    json_decref(j);
    return rc;
}

int vg_svc_sub_delete(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                      struct vg_err *err)
{
    struct sub_op op = {.who = who, .id = id, .err = err};
    int rc;
    if ((rc = vg_authz(who, VG_ACT_SUB_MANAGE, err)))
        return rc;
    op.a = vg_arena_new(0);
    rc = vg__tx(srv, 1, sub_delete_tx, &op, err);
    vg_arena_free(op.a);
    return rc;
}

int vg_svc_inbox(struct vg_server *srv, const struct vg_actor *who, struct vg_page pg,
                 json_t **out, struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_notification *ns;
    size_t n;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_INBOX_READ, err)))
        return rc;
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->notif_list(st, who->org_id, who->org_kind, pg.after, pg.limit, a, &ns, &n,
                             err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *b = json_loads(ns[i].body, 0, NULL);
            json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)ns[i].id,
                                  "topic", ns[i].topic, "object_type", ns[i].object_type,
                                  "object_id", ns[i].object_id, "created_at",
                                  vg__time_json(ns[i].created_at), "message",
                                  b ? b : json_null());
            json_array_append_new(items, j);
        }
        *out = vg__page_json(items, n, pg.limit, n ? ns[n - 1].id : 0);
    }
    vg_arena_free(a);
    return rc;
}
