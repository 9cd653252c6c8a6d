/* Range sets: builders from OSV `affected`, vers and npm range syntax, all
 * reduced to sorted, disjoint key intervals by one sweep, and the binary
 * search that tests membership. Not for: parsing versions (version.c). */
#include "engine/version/range.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jscan.h"
#include "core/util.h"
#include "engine/version/version_int.h"

#define MAX_ITEMS 100000

/* raw interval flags beyond the public ones */
#define IV_EXCLUDE (1u << 8) /* a point removed from the set (vers "!=") */

struct key {
    const unsigned char *p;
    size_t n;
};

struct rawset {
    struct vg_interval *iv;
    size_t n, cap;
};

static void raw_add(struct rawset *r, struct vg_arena *a, const struct vg_interval *iv)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct vg_interval *p = vg_arena_alloc(a, cap * sizeof(*p));
        if (r->n)
            memcpy(p, r->iv, r->n * sizeof(*p));
        r->iv = p;
        r->cap = cap;
    }
    r->iv[r->n++] = *iv;
}

static int kcmp(const struct key *a, const struct key *b)
{
    return vg_key_cmp(a->p, a->n, b->p, b->n);
}

static int kcmp_qsort(const void *x, const void *y)
{
    return kcmp(x, y);
}

static size_t kfind(const struct key *pts, size_t m, const unsigned char *p, size_t n)
{
    size_t lo = 0, hi = m;
    struct key k = {p, n};
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = kcmp(&pts[mid], &k);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo; /* not reached for keys taken from the set */
}

/* Sweep: the distinct end points p0..pm-1 cut the key line into pieces
 * 0:(-inf,p0) 1:[p0] 2:(p0,p1) ... 2m:(pm-1,+inf); each raw interval covers
 * a run of pieces. A piece is in the set when some interval covers it and
 * no exclusion does; it keeps NO_PRERELEASE only when every covering
 * interval has it. Consecutive pieces with the same state merge. */
static int normalise(const struct rawset *r, int eco, struct vg_arena *a, struct vg_ranges *out,
                     struct vg_err *err)
{
    int rc = VG_OK;
    struct key *pts = NULL;
    long *full = NULL, *np = NULL, *ex = NULL;
    size_t m = 0;
    out->eco = eco;
    out->iv = NULL;
    out->n = 0;
    if (r->n == 0)
        goto out;
    pts = vg_xmalloc(2 * r->n * sizeof(*pts));
    for (size_t i = 0; i < r->n; i++) {
        if (!(r->iv[i].flags & VG_IV_LO_UNBOUNDED))
            pts[m++] = (struct key){r->iv[i].lo, r->iv[i].lolen};
        if (!(r->iv[i].flags & VG_IV_HI_UNBOUNDED))
            pts[m++] = (struct key){r->iv[i].hi, r->iv[i].hilen};
    }
    qsort(pts, m, sizeof(*pts), kcmp_qsort);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || kcmp(&pts[u - 1], &pts[i]) != 0)
            pts[u++] = pts[i];
    m = u;
    size_t npieces = 2 * m + 1;
    full = vg_xcalloc(npieces + 1, sizeof(long));
    np = vg_xcalloc(npieces + 1, sizeof(long));
    ex = vg_xcalloc(npieces + 1, sizeof(long));
    for (size_t i = 0; i < r->n; i++) {
        const struct vg_interval *iv = &r->iv[i];
        size_t s, e;
        if (iv->flags & VG_IV_LO_UNBOUNDED) {
            s = 0;
        } else {
            size_t x = kfind(pts, m, iv->lo, iv->lolen);
            s = (iv->flags & VG_IV_LO_INCL) ? 2 * x + 1 : 2 * x + 2;
        }
        if (iv->flags & VG_IV_HI_UNBOUNDED) {
            e = 2 * m;
        } else {
            size_t x = kfind(pts, m, iv->hi, iv->hilen);
            e = (iv->flags & VG_IV_HI_INCL) ? 2 * x + 1 : 2 * x;
        }
        if (s > e)
            continue;
        long *arr = (iv->flags & IV_EXCLUDE) ? ex : (iv->flags & VG_IV_NO_PRERELEASE) ? np : full;
        arr[s]++;
        arr[e + 1]--;
    }
    /* running sums, then merge */
    long cf = 0, cn = 0, ce = 0;
    int state_prev = 0; /* 0 out, 1 in, 2 in without pre-releases */
    struct vg_interval cur = {0};
    size_t cap = npieces, nout = 0;
    struct vg_interval *res = vg_arena_alloc(a, cap * sizeof(*res));
    for (size_t p = 0; p < npieces; p++) {
        cf += full[p];
        cn += np[p];
        ce += ex[p];
        int st = ce > 0 ? 0 : cf > 0 ? 1 : cn > 0 ? 2 : 0;
        if (st != state_prev) {
            if (state_prev != 0) {
                /* close cur at the start of piece p */
                if (p % 2 == 1) { /* p is the point [pts[(p-1)/2]] : hi excl */
                    cur.hi = pts[(p - 1) / 2].p;
                    cur.hilen = pts[(p - 1) / 2].n;
                } else { /* p is an open piece after a point: hi incl */
                    cur.hi = pts[p / 2 - 1].p;
                    cur.hilen = pts[p / 2 - 1].n;
                    cur.flags |= VG_IV_HI_INCL;
                }
                res[nout++] = cur;
            }
            if (st != 0) {
                memset(&cur, 0, sizeof(cur));
                cur.flags = st == 2 ? VG_IV_NO_PRERELEASE : 0;
                if (p == 0) {
                    cur.flags |= VG_IV_LO_UNBOUNDED;
                } else if (p % 2 == 1) {
                    cur.lo = pts[(p - 1) / 2].p;
                    cur.lolen = pts[(p - 1) / 2].n;
                    cur.flags |= VG_IV_LO_INCL;
                } else {
                    cur.lo = pts[p / 2 - 1].p;
                    cur.lolen = pts[p / 2 - 1].n;
                }
            }
            state_prev = st;
        }
    }
    if (state_prev != 0) {
        cur.flags |= VG_IV_HI_UNBOUNDED;
        res[nout++] = cur;
    }
    out->iv = res;
    out->n = nout;
out:
    free(pts);
    free(full);
    free(np);
    free(ex);
    (void)err;
    return rc;
}

/* ---- membership --------------------------------------------------------- */

/* -1 key below iv, 0 inside, 1 above */
static int iv_where(const struct vg_interval *iv, const unsigned char *key, size_t keylen)
{
    if (!(iv->flags & VG_IV_LO_UNBOUNDED)) {
        int c = vg_key_cmp(key, keylen, iv->lo, iv->lolen);
        if (c < 0 || (c == 0 && !(iv->flags & VG_IV_LO_INCL)))
            return -1;
    }
    if (!(iv->flags & VG_IV_HI_UNBOUNDED)) {
        int c = vg_key_cmp(key, keylen, iv->hi, iv->hilen);
        if (c > 0 || (c == 0 && !(iv->flags & VG_IV_HI_INCL)))
            return 1;
    }
    return 0;
}

int vg_ranges_contain(const struct vg_ranges *r, const unsigned char *key, size_t keylen)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int w = iv_where(&r->iv[mid], key, keylen);
        if (w == 0) {
            if ((r->iv[mid].flags & VG_IV_NO_PRERELEASE) &&
                vg_version_key_is_prerelease(r->eco, key, keylen))
                return 0;
            return 1;
        }
        if (w < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

int vg_ranges_contain_version(const struct vg_ranges *r, const char *v, size_t n, int *inside,
                              struct vg_err *err)
{
    unsigned char buf[VG_VERSION_KEY_MAX];
    size_t len = 0;
    int rc = vg_version_key_buf(r->eco, v, n, buf, sizeof(buf), &len, err);
    if (rc == VG_OK)
        *inside = vg_ranges_contain(r, buf, len);
    return rc;
}

/* ---- OSV ---------------------------------------------------------------- */

static int ev_cmp(const void *x, const void *y)
{
    const struct vg_range_event *a = x, *b = y;
    if (a->zero != b->zero)
        return a->zero ? -1 : 1;
    if (!a->zero) {
        int c = vg_key_cmp(a->key, a->keylen, b->key, b->keylen);
        if (c)
            return c;
    }
    return a->order < b->order ? -1 : a->order > b->order ? 1 : 0;
}

void vg_range_events_sweep(struct vg_range_event *ev, size_t n,
                           void (*emit)(void *ctx, const struct vg_interval *iv), void *ctx)
{
    struct vg_interval cur;
    int open = 0;
    if (n > 1)
        qsort(ev, n, sizeof(*ev), ev_cmp);
    memset(&cur, 0, sizeof(cur));
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == 0) {
            if (open)
                continue;
            open = 1;
            memset(&cur, 0, sizeof(cur));
            if (ev[i].zero) {
                cur.flags = VG_IV_LO_UNBOUNDED;
            } else {
                cur.lo = ev[i].key;
                cur.lolen = ev[i].keylen;
                cur.flags = VG_IV_LO_INCL;
            }
        } else if (open) {
            cur.hi = ev[i].key;
            cur.hilen = ev[i].keylen;
            if (ev[i].kind == 2)
                cur.flags |= VG_IV_HI_INCL;
            emit(ctx, &cur);
            open = 0;
        }
    }
    if (open) {
        cur.flags |= VG_IV_HI_UNBOUNDED;
        emit(ctx, &cur);
    }
}

void vg_intervals_cap(struct vg_interval *iv, size_t n, const unsigned char *lim, size_t limlen)
{
    for (size_t i = 0; i < n; i++) {
        if (iv[i].flags & VG_IV_HI_UNBOUNDED) {
            iv[i].flags &= ~(unsigned)(VG_IV_HI_UNBOUNDED | VG_IV_HI_INCL);
            iv[i].hi = lim;
            iv[i].hilen = limlen;
        } else if (vg_key_cmp(iv[i].hi, iv[i].hilen, lim, limlen) >= 0) {
            iv[i].hi = lim;
            iv[i].hilen = limlen;
            iv[i].flags &= ~(unsigned)VG_IV_HI_INCL;
        }
    }
}

struct raw_emit {
    struct rawset *raw;
    struct vg_arena *a;
};

static void raw_emit(void *ctx, const struct vg_interval *iv)
{
    struct raw_emit *r = ctx;
    raw_add(r->raw, r->a, iv);
}

static void strlist_add(const char ***list, size_t *n, size_t *cap, struct vg_arena *a,
                        const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i], s) == 0)
            return;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        const char **p = vg_arena_alloc(a, nc * sizeof(*p));
        if (*n)
            memcpy(p, *list, *n * sizeof(*p));
        *list = p;
        *cap = nc;
    }
    (*list)[(*n)++] = vg_arena_strdup(a, s);
}

/* The key of event ei's version v; on failure the error names the event's
 * field (only then: the name costs a snprintf per event). */
static int ekey(int eco, const char *v, struct vg_arena *a, struct key *k, size_t ri, size_t ei,
                const char *kind, struct vg_err *err)
{
    int rc = vg_version_key(eco, v, strlen(v), a, &k->p, &k->n, err);
    if (rc && err && err->field[0] == '\0')
        snprintf(err->field, sizeof(err->field), "ranges[%zu].events[%zu].%s", ri, ei, kind);
    return rc;
}

/* The OSV reader walks either a jansson tree or a jscan document through
 * these, so the two entry points share one reading of the schema. Each
 * returns NULL / 0 for a node of the wrong type, as jansson's getters do. */
struct jacc {
    const void *(*get)(const void *obj, const char *key); /* NULL unless an object */
    size_t (*size)(const void *arr);                      /* 0 unless an array */
    const void *(*at)(const void *arr, size_t i);
    const char *(*str)(const void *v, size_t *n); /* NULL unless a string */
    int (*is_obj)(const void *v);
    int (*is_arr)(const void *v);
};

static const void *jt_get(const void *o, const char *k)
{
    return json_is_object((const json_t *)o) ? json_object_get((const json_t *)o, k) : NULL;
}
static size_t jt_size(const void *v)
{
    return json_is_array((const json_t *)v) ? json_array_size((const json_t *)v) : 0;
}
static const void *jt_at(const void *v, size_t i)
{
    return json_array_get((const json_t *)v, i);
}
static const char *jt_str(const void *v, size_t *n)
{
    if (!json_is_string((const json_t *)v))
        return NULL;
    *n = json_string_length((const json_t *)v);
    return json_string_value((const json_t *)v);
}
static int jt_is_obj(const void *v)
{
    return json_is_object((const json_t *)v);
}
static int jt_is_arr(const void *v)
{
    return json_is_array((const json_t *)v);
}
static const struct jacc jansson_acc = {jt_get, jt_size, jt_at, jt_str, jt_is_obj, jt_is_arr};

static const void *js_get(const void *o, const char *k)
{
    return vg_jget(o, k);
}
static size_t js_size(const void *v)
{
    return vg_jis(v, VG_JARR) ? vg_jsize(v) : 0;
}
static const void *js_at(const void *v, size_t i)
{
    return vg_jat(v, i);
}
static const char *js_str(const void *v, size_t *n)
{
    if (!vg_jis(v, VG_JSTR))
        return NULL;
    *n = ((const struct vg_jval *)v)->n;
    return ((const struct vg_jval *)v)->u.s;
}
static int js_is_obj(const void *v)
{
    return vg_jis(v, VG_JOBJ);
}
static int js_is_arr(const void *v)
{
    return vg_jis(v, VG_JARR);
}
static const struct jacc jscan_acc = {js_get, js_size, js_at, js_str, js_is_obj, js_is_arr};

static int from_osv(const struct jacc *J, const void *affected, int eco_override,
                    struct vg_arena *a, struct vg_ranges *out, struct vg_err *err)
{
    int rc = VG_OK;
    struct rawset raw = {0};
    struct vg_range_event *ev = NULL;
    size_t fixcap = 0, lacap = 0, sn;
    char field[64];
    memset(out, 0, sizeof(*out));
    if (!J->is_obj(affected)) {
        rc = vg_err_set(err, VG_EINVAL, "affected entry is not an object");
        goto out;
    }
    int eco = eco_override;
    if (eco < 0) {
        const void *pkg = J->get(affected, "package");
        const char *e = pkg ? J->str(J->get(pkg, "ecosystem"), &sn) : NULL;
        if (e == NULL) {
            rc = vg_err_field(err, VG_EINVAL, "package.ecosystem", "missing package ecosystem");
            goto out;
        }
        eco = vg_eco_parse(e, sn);
        if (eco < 0) {
            rc = vg_err_field(err, VG_EINVAL, "package.ecosystem", "unknown ecosystem \"%.64s\"",
                              e);
            goto out;
        }
    }
    out->eco = eco;
    const void *ranges = J->get(affected, "ranges");
    if (ranges != NULL && !J->is_arr(ranges)) {
        rc = vg_err_field(err, VG_EINVAL, "ranges", "ranges is not an array");
        goto out;
    }
    for (size_t ri = 0; ri < J->size(ranges); ri++) {
        const void *range = J->at(ranges, ri);
        const char *t = J->str(J->get(range, "type"), &sn);
        const void *events = J->get(range, "events");
        snprintf(field, sizeof(field), "ranges[%zu]", ri); /* for the messages below */
        if (t == NULL || !J->is_arr(events)) {
            rc = vg_err_field(err, VG_EINVAL, field, "range without type or events");
            goto out;
        }
        if (strcmp(t, "SEMVER") != 0 && strcmp(t, "ECOSYSTEM") != 0)
            continue; /* GIT: commits, not versions */
        size_t ne = J->size(events);
        if (ne > MAX_ITEMS) {
            rc = vg_err_field(err, VG_ETOOBIG, field, "more than %d events", MAX_ITEMS);
            goto out;
        }
        ev = vg_xcalloc(ne ? ne : 1, sizeof(*ev));
        size_t nev = 0;
        int have_limit = 0, limit_inf = 0;
        struct key limit = {0};
        for (size_t ei = 0; ei < ne; ei++) {
            static const char *const kinds[] = {"introduced", "fixed", "last_affected", "limit"};
            const void *e = J->at(events, ei);
            int kind = -1;
            const char *v = NULL;
            for (int x = 0; x < 4; x++) {
                const void *s = J->get(e, kinds[x]);
                if (s != NULL) {
                    const char *sv = J->str(s, &sn);
                    if (sv == NULL || kind >= 0) {
                        rc = vg_err_field(err, VG_EINVAL, field, "event %zu is malformed", ei);
                        goto out;
                    }
                    kind = x;
                    v = sv;
                }
            }
            if (kind < 0) {
                rc = vg_err_field(err, VG_EINVAL, field, "event %zu has no known kind", ei);
                goto out;
            }
            if (kind == 3) {
                if (strcmp(v, "*") == 0) {
                    limit_inf = 1;
                    continue;
                }
                struct key lk;
                rc = ekey(eco, v, a, &lk, ri, ei, kinds[kind], err);
                if (rc)
                    goto out;
                if (!have_limit || kcmp(&lk, &limit) > 0)
                    limit = lk;
                have_limit = 1;
                continue;
            }
            struct vg_range_event *x = &ev[nev];
            x->kind = kind;
            x->order = ei;
            x->zero = kind == 0 && strcmp(v, "0") == 0;
            if (!x->zero) {
                struct key k;
                rc = ekey(eco, v, a, &k, ri, ei, kinds[kind], err);
                if (rc)
                    goto out;
                x->key = k.p;
                x->keylen = k.n;
            }
            if (kind == 1)
                strlist_add(&out->fixed, &out->nfixed, &fixcap, a, v);
            else if (kind == 2)
                strlist_add(&out->last_affected, &out->nlast_affected, &lacap, a, v);
            nev++;
        }
        struct raw_emit re = {&raw, a};
        vg_range_events_sweep(ev, nev, raw_emit, &re);
        if (have_limit && !limit_inf) /* caps every interval gathered so far */
            vg_intervals_cap(raw.iv, raw.n, limit.p, limit.n);
        free(ev);
        ev = NULL;
    }
    const void *versions = J->get(affected, "versions");
    if (versions != NULL && !J->is_arr(versions)) {
        rc = vg_err_field(err, VG_EINVAL, "versions", "versions is not an array");
        goto out;
    }
    if (J->size(versions) > MAX_ITEMS) {
        rc = vg_err_field(err, VG_ETOOBIG, "versions", "more than %d versions", MAX_ITEMS);
        goto out;
    }
    for (size_t vi = 0; vi < J->size(versions); vi++) {
        struct key k;
        struct vg_err e2 = {0};
        const char *vs = J->str(J->at(versions, vi), &sn);
        if (vs == NULL || vg_version_key(eco, vs, sn, a, &k.p, &k.n, &e2) != VG_OK) {
            out->nskipped++;
            continue;
        }
        struct vg_interval pt = {k.p, k.n, k.p, k.n, VG_IV_LO_INCL | VG_IV_HI_INCL};
        raw_add(&raw, a, &pt);
    }
    rc = normalise(&raw, eco, a, out, err);
out:
    free(ev);
    return rc;
}

int vg_ranges_from_osv(json_t *affected, int eco_override, struct vg_arena *a,
                       struct vg_ranges *out, struct vg_err *err)
{
    return from_osv(&jansson_acc, affected, eco_override, a, out, err);
}

int vg_ranges_from_osv_j(const struct vg_jval *affected, int eco_override, struct vg_arena *a,
                         struct vg_ranges *out, struct vg_err *err)
{
    return from_osv(&jscan_acc, affected, eco_override, a, out, err);
}

/* ---- vers --------------------------------------------------------------- */

struct cons {
    int op; /* 0 '=', 1 '!=', 2 '<', 3 '<=', 4 '>', 5 '>=' */
    struct key k;
};

static int cons_cmp(const void *x, const void *y)
{
    const struct cons *a = x, *b = y;
    return kcmp(&a->k, &b->k);
}

int vg_ranges_from_vers(const char *s, size_t n, struct vg_arena *a, struct vg_ranges *out,
                        struct vg_err *err)
{
    int rc = VG_OK;
    struct rawset raw = {0};
    struct cons *cs = NULL;
    memset(out, 0, sizeof(*out));
    if (n > 65536) {
        rc = vg_err_set(err, VG_ETOOBIG, "vers string longer than 65536 bytes");
        goto out;
    }
    if (n < 5 || memcmp(s, "vers:", 5) != 0) {
        rc = vg_err_set(err, VG_EINVAL, "vers: missing \"vers:\" prefix");
        goto out;
    }
    size_t i = 5;
    size_t st = i;
    while (i < n && s[i] != '/')
        i++;
    if (i == n || i == st) {
        rc = vg_err_set(err, VG_EINVAL, "vers: missing versioning scheme");
        goto out;
    }
    for (size_t x = st; x < i; x++)
        if (!((s[x] >= 'a' && s[x] <= 'z') || vg__isdigit((unsigned char)s[x]) || s[x] == '-' ||
              s[x] == '.')) {
            rc = vg_err_set(err, VG_EINVAL, "vers: invalid scheme at offset %zu", x);
            goto out;
        }
    int eco = vg_eco_from_vers_scheme(s + st, i - st);
    if (eco < 0) {
        rc = vg_err_set(err, VG_EINVAL, "vers: unknown versioning scheme \"%.*s\"", (int)(i - st),
                        s + st);
        goto out;
    }
    out->eco = eco;
    i++;
    if (i == n) {
        rc = vg_err_set(err, VG_EINVAL, "vers: no constraints");
        goto out;
    }
    if (n - i == 1 && s[i] == '*') {
        struct vg_interval all = {NULL, 0, NULL, 0, VG_IV_LO_UNBOUNDED | VG_IV_HI_UNBOUNDED};
        raw_add(&raw, a, &all);
        rc = normalise(&raw, eco, a, out, err);
        goto out;
    }
    size_t ncons = 1;
    for (size_t x = i; x < n; x++)
        if (s[x] == '|')
            ncons++;
    cs = vg_xcalloc(ncons, sizeof(*cs));
    size_t nc = 0;
    while (i <= n) {
        size_t e = i;
        while (e < n && s[e] != '|')
            e++;
        if (e == i) {
            rc = vg_err_set(err, VG_EINVAL, "vers: empty constraint at offset %zu", i);
            goto out;
        }
        size_t p = i;
        int op = 0;
        if (e - p >= 2 && s[p] == '!' && s[p + 1] == '=')
            op = 1, p += 2;
        else if (e - p >= 2 && s[p] == '<' && s[p + 1] == '=')
            op = 3, p += 2;
        else if (e - p >= 2 && s[p] == '>' && s[p + 1] == '=')
            op = 5, p += 2;
        else if (s[p] == '<')
            op = 2, p++;
        else if (s[p] == '>')
            op = 4, p++;
        else if (s[p] == '=')
            op = 0, p++;
        if (p == e) {
            rc = vg_err_set(err, VG_EINVAL, "vers: constraint at offset %zu has no version", i);
            goto out;
        }
        char dec[VG_VERSION_MAX + 1];
        size_t dn = 0;
        for (size_t x = p; x < e; x++) {
            int c = (unsigned char)s[x];
            if (c == ' ' || c == '\t' || c == '*' || c == '|') {
                rc = vg_err_set(err, VG_EINVAL, "vers: invalid character at offset %zu", x);
                goto out;
            }
            if (c == '%') {
                /* canonical: upper-case hex, and only for bytes that need it */
                int h1 = x + 2 < e ? vg_hexval((unsigned char)s[x + 1]) : -1;
                int h2 = x + 2 < e ? vg_hexval((unsigned char)s[x + 2]) : -1;
                if (h1 >= 0 && h2 >= 0 && ((s[x + 1] >= 'a' && s[x + 1] <= 'f') ||
                                           (s[x + 2] >= 'a' && s[x + 2] <= 'f')))
                    h1 = -1;
                c = h1 * 16 + h2;
                if (h1 < 0 || h2 < 0 || (c < 0x80 && (vg__isalnum(c) || strchr(".-_~:+", c)))) {
                    rc = vg_err_set(err, VG_EINVAL, "vers: bad percent-encoding at offset %zu", x);
                    goto out;
                }
                x += 2;
            }
            if (dn == VG_VERSION_MAX) {
                rc = vg_err_set(err, VG_ETOOBIG, "vers: version at offset %zu too long", p);
                goto out;
            }
            dec[dn++] = (char)c;
        }
        rc = vg_version_key(eco, dec, dn, a, &cs[nc].k.p, &cs[nc].k.n, err);
        if (rc)
            goto out;
        cs[nc].op = op;
        for (size_t y = 0; y < nc; y++)
            if (kcmp(&cs[y].k, &cs[nc].k) == 0) {
                rc = vg_err_set(err, VG_EINVAL, "vers: version \"%.*s\" appears twice",
                                (int)(dn > 64 ? 64 : dn), dec);
                goto out;
            }
        nc++;
        i = e + 1;
    }
    qsort(cs, nc, sizeof(*cs), cons_cmp);
    /* ranges: the comparators other than = and != in version order */
    size_t nr = 0;
    int have_eq = 0;
    for (size_t x = 0; x < nc; x++) {
        if (cs[x].op == 0) {
            struct vg_interval pt = {cs[x].k.p, cs[x].k.n, cs[x].k.p, cs[x].k.n,
                                     VG_IV_LO_INCL | VG_IV_HI_INCL};
            raw_add(&raw, a, &pt);
            have_eq = 1;
        } else if (cs[x].op == 1) {
            struct vg_interval pt = {cs[x].k.p, cs[x].k.n, cs[x].k.p, cs[x].k.n,
                                     VG_IV_LO_INCL | VG_IV_HI_INCL | IV_EXCLUDE};
            raw_add(&raw, a, &pt);
        } else {
            cs[nr++] = cs[x]; /* compact in place: nr <= x */
        }
    }
    /* validate: no two lower bounds or two upper bounds in a row */
    for (size_t x = 0; x + 1 < nr; x++) {
        int lo1 = cs[x].op >= 4, lo2 = cs[x + 1].op >= 4;
        if (lo1 == lo2) {
            rc = vg_err_set(err, VG_EINVAL, "vers: two %s bounds in a row",
                            lo1 ? "lower" : "upper");
            goto out;
        }
    }
    for (size_t x = 0; x < nr; x++) {
        int lower = cs[x].op >= 4;
        if (!lower && x == 0) {
            struct vg_interval iv = {NULL, 0, cs[x].k.p, cs[x].k.n,
                                     VG_IV_LO_UNBOUNDED | (cs[x].op == 3 ? VG_IV_HI_INCL : 0)};
            raw_add(&raw, a, &iv);
        } else if (lower) {
            struct vg_interval iv = {cs[x].k.p, cs[x].k.n, NULL, 0,
                                     cs[x].op == 5 ? VG_IV_LO_INCL : 0};
            if (x + 1 < nr) {
                iv.hi = cs[x + 1].k.p;
                iv.hilen = cs[x + 1].k.n;
                if (cs[x + 1].op == 3)
                    iv.flags |= VG_IV_HI_INCL;
            } else {
                iv.flags |= VG_IV_HI_UNBOUNDED;
            }
            raw_add(&raw, a, &iv);
        }
    }
    if (nr == 0 && !have_eq) {
        /* only "!=": every version but those */
        struct vg_interval all = {NULL, 0, NULL, 0, VG_IV_LO_UNBOUNDED | VG_IV_HI_UNBOUNDED};
        raw_add(&raw, a, &all);
    }
    rc = normalise(&raw, eco, a, out, err);
out:
    free(cs);
    return rc;
}

/* ---- npm (node-semver) ---------------------------------------------------- */

/* A partial version: up to three numbers or wildcards, then pre-release and
 * build. */
struct partial {
    const char *num[3];
    size_t numn[3];
    int nparts; /* numbers given before the first wildcard or the end */
    const char *pre;
    size_t pren;
};

static int is_wild(const char *s, size_t n)
{
    return n == 1 && (s[0] == 'x' || s[0] == 'X' || s[0] == '*');
}

static int parse_partial(const char *s, size_t n, struct partial *p)
{
    size_t i = 0;
    memset(p, 0, sizeof(*p));
    while (i < n && (s[i] == 'v' || s[i] == 'V' || s[i] == '='))
        i++;
    if (i == n)
        return VG_OK; /* "" = any */
    int wild = 0;
    for (int c = 0; c < 3; c++) {
        size_t st = i;
        if (i < n && (s[i] == 'x' || s[i] == 'X' || s[i] == '*')) {
            i++;
            wild = 1;
        } else {
            while (i < n && vg__isdigit((unsigned char)s[i]))
                i++;
            if (i == st)
                return VG_EINVAL;
            if (!wild) {
                p->num[c] = s + st;
                p->numn[c] = i - st;
                p->nparts = c + 1;
            }
        }
        (void)is_wild;
        if (i < n && s[i] == '.' && c < 2) {
            i++;
            continue;
        }
        break;
    }
    if (i < n && s[i] == '-') {
        size_t st = ++i;
        while (i < n && s[i] != '+')
            i++;
        if (i == st)
            return VG_EINVAL;
        p->pre = s + st;
        p->pren = i - st;
    }
    if (i < n && s[i] == '+') {
        i++;
        if (i == n)
            return VG_EINVAL;
        i = n;
    }
    return i == n ? VG_OK : VG_EINVAL;
}

static int all_zero(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '0')
            return 0;
    return 1;
}

/* decimal string + 1 */
static char *dec_inc(struct vg_arena *a, const char *d, size_t n)
{
    char *r = vg_arena_alloc(a, n + 2);
    memcpy(r + 1, d, n);
    r[0] = '0';
    r[n + 1] = '\0';
    size_t i = n;
    for (;;) {
        if (r[i] == '9') {
            r[i] = '0';
            i--;
        } else {
            r[i]++;
            break;
        }
    }
    return r[0] == '0' ? r + 1 : r;
}

struct bound {
    int set;
    struct key k;
    int incl;
};

struct cset {
    struct bound lo, hi;
    int empty;
    struct key pre_tuples[64]; /* tuple keys (release keys) of pre-release comparators */
    size_t npre;
};

static int mkkey(int eco, struct vg_arena *a, struct key *k, struct vg_err *err, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));

static int mkkey(int eco, struct vg_arena *a, struct key *k, struct vg_err *err, const char *fmt,
                 ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vg_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return vg_version_key(eco, s, strlen(s), a, &k->p, &k->n, err);
}

static void set_lo(struct cset *c, const struct key *k, int incl)
{
    if (!c->lo.set) {
        c->lo = (struct bound){1, *k, incl};
        return;
    }
    int x = kcmp(k, &c->lo.k);
    if (x > 0 || (x == 0 && !incl))
        c->lo = (struct bound){1, *k, incl};
}

static void set_hi(struct cset *c, const struct key *k, int incl)
{
    if (!c->hi.set) {
        c->hi = (struct bound){1, *k, incl};
        return;
    }
    int x = kcmp(k, &c->hi.k);
    if (x < 0 || (x == 0 && !incl))
        c->hi = (struct bound){1, *k, incl};
}

#define PS(p, i) (int)(p)->numn[i], (p)->num[i]

/* One comparator (op + partial version) narrowed into the set. */
static int npm_comparator(int eco, const char *op, size_t opn, const struct partial *p,
                          struct cset *c, struct vg_arena *a, struct vg_err *err)
{
    int rc = VG_OK;
    struct key k;
    const char *pre = p->pre;
    int pren = (int)p->pren;
    char prebuf[8] = "";
    (void)prebuf;
#define FULL(kk) mkkey(eco, a, (kk), err, "%.*s.%.*s.%.*s%s%.*s", PS(p, 0), PS(p, 1), PS(p, 2), \
                       pre ? "-" : "", pre ? pren : 0, pre ? pre : "")
    if (p->pre && p->nparts == 3 && c->npre < 64) {
        rc = mkkey(eco, a, &c->pre_tuples[c->npre], err, "%.*s.%.*s.%.*s", PS(p, 0), PS(p, 1),
                   PS(p, 2));
        if (rc)
            goto out;
        c->npre++;
    }
    int np = p->nparts;
    if (opn == 0 || (opn == 1 && op[0] == '=')) {
        if (np == 0)
            goto out; /* any */
        if (np == 3) {
            if ((rc = FULL(&k)))
                goto out;
            set_lo(c, &k, 1);
            set_hi(c, &k, 1);
            goto out;
        }
        /* x-range */
        if (np == 1) {
            if ((rc = mkkey(eco, a, &k, err, "%.*s.0.0", PS(p, 0))))
                goto out;
            set_lo(c, &k, 1);
            if ((rc = mkkey(eco, a, &k, err, "%s.0.0-0", dec_inc(a, p->num[0], p->numn[0]))))
                goto out;
            set_hi(c, &k, 0);
        } else {
            if ((rc = mkkey(eco, a, &k, err, "%.*s.%.*s.0", PS(p, 0), PS(p, 1))))
                goto out;
            set_lo(c, &k, 1);
            if ((rc = mkkey(eco, a, &k, err, "%.*s.%s.0-0", PS(p, 0),
                            dec_inc(a, p->num[1], p->numn[1]))))
                goto out;
            set_hi(c, &k, 0);
        }
        goto out;
    }
    if (op[0] == '~') {
        if (np == 0)
            goto out;
        if (np == 3) {
            if ((rc = FULL(&k)))
                goto out;
        } else if ((rc = mkkey(eco, a, &k, err, "%.*s.%.*s.0", PS(p, 0),
                               np > 1 ? (int)p->numn[1] : 1, np > 1 ? p->num[1] : "0"))) {
            goto out;
        }
        set_lo(c, &k, 1);
        if (np == 1)
            rc = mkkey(eco, a, &k, err, "%s.0.0-0", dec_inc(a, p->num[0], p->numn[0]));
        else
            rc = mkkey(eco, a, &k, err, "%.*s.%s.0-0", PS(p, 0), dec_inc(a, p->num[1], p->numn[1]));
        if (rc)
            goto out;
        set_hi(c, &k, 0);
        goto out;
    }
    if (op[0] == '^') {
        if (np == 0)
            goto out;
        int z0 = all_zero(p->num[0], p->numn[0]);
        int z1 = np > 1 && all_zero(p->num[1], p->numn[1]);
        if (np == 3) {
            if ((rc = FULL(&k)))
                goto out;
        } else if ((rc = mkkey(eco, a, &k, err, "%.*s.%.*s.0", PS(p, 0),
                               np > 1 ? (int)p->numn[1] : 1, np > 1 ? p->num[1] : "0"))) {
            goto out;
        }
        set_lo(c, &k, 1);
        if (!z0 || np == 1)
            rc = mkkey(eco, a, &k, err, "%s.0.0-0", dec_inc(a, p->num[0], p->numn[0]));
        else if (!z1 || np == 2)
            rc = mkkey(eco, a, &k, err, "%.*s.%s.0-0", PS(p, 0), dec_inc(a, p->num[1], p->numn[1]));
        else
            rc = mkkey(eco, a, &k, err, "%.*s.%.*s.%s-0", PS(p, 0), PS(p, 1),
                       dec_inc(a, p->num[2], p->numn[2]));
        if (rc)
            goto out;
        set_hi(c, &k, 0);
        goto out;
    }
    /* < <= > >= */
    int gt = op[0] == '>', eq = opn == 2 && op[1] == '=';
    if (np == 0) {
        if (gt ? !eq : !eq)
            c->empty = 1; /* "<*" and ">*" match nothing */
        goto out;
    }
    if (np == 3) {
        if ((rc = FULL(&k)))
            goto out;
        if (gt)
            set_lo(c, &k, eq);
        else
            set_hi(c, &k, eq);
        goto out;
    }
    if (gt) {
        if (eq)
            rc = mkkey(eco, a, &k, err, "%.*s.%.*s.0", PS(p, 0), np > 1 ? (int)p->numn[1] : 1,
                       np > 1 ? p->num[1] : "0");
        else if (np == 1)
            rc = mkkey(eco, a, &k, err, "%s.0.0", dec_inc(a, p->num[0], p->numn[0]));
        else
            rc = mkkey(eco, a, &k, err, "%.*s.%s.0", PS(p, 0), dec_inc(a, p->num[1], p->numn[1]));
        if (rc)
            goto out;
        set_lo(c, &k, 1);
    } else {
        if (!eq)
            rc = mkkey(eco, a, &k, err, "%.*s.%.*s.0-0", PS(p, 0), np > 1 ? (int)p->numn[1] : 1,
                       np > 1 ? p->num[1] : "0");
        else if (np == 1)
            rc = mkkey(eco, a, &k, err, "%s.0.0-0", dec_inc(a, p->num[0], p->numn[0]));
        else
            rc = mkkey(eco, a, &k, err, "%.*s.%s.0-0", PS(p, 0), dec_inc(a, p->num[1], p->numn[1]));
        if (rc)
            goto out;
        set_hi(c, &k, 0);
    }
#undef FULL
out:
    return rc;
}

static int npm_set(int eco, const char *s, size_t n, size_t base, struct vg_arena *a,
                   struct rawset *raw, struct vg_err *err)
{
    int rc = VG_OK;
    struct cset *c = vg_xcalloc(1, sizeof(*c));
    size_t i = 0;
    /* hyphen range: "A - B" */
    for (size_t x = 0; x + 2 < n; x++)
        if (s[x] == ' ' && s[x + 1] == '-' && s[x + 2] == ' ') {
            size_t ae = x, bs = x + 3;
            while (ae > 0 && s[ae - 1] == ' ')
                ae--;
            while (bs < n && s[bs] == ' ')
                bs++;
            size_t as = 0, be = n;
            while (as < ae && s[as] == ' ')
                as++;
            while (be > bs && s[be - 1] == ' ')
                be--;
            struct partial pa, pb;
            if (parse_partial(s + as, ae - as, &pa) || parse_partial(s + bs, be - bs, &pb)) {
                rc = vg_err_set(err, VG_EINVAL, "npm range: bad hyphen range at offset %zu", base);
                goto out;
            }
            if ((rc = npm_comparator(eco, ">=", 2, &pa, c, a, err)))
                goto out;
            if (pb.nparts == 3)
                rc = npm_comparator(eco, "<=", 2, &pb, c, a, err);
            else
                rc = npm_comparator(eco, "<=", 2, &pb, c, a, err);
            if (rc)
                goto out;
            goto emit;
        }
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == n)
            break;
        size_t os = i;
        while (i < n && strchr("<>=~^", s[i]) != NULL)
            i++;
        size_t opn = i - os;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++; /* ">= 1.2.3" */
        size_t vs = i;
        while (i < n && s[i] != ' ' && s[i] != '\t')
            i++;
        const char *op = s + os;
        if (opn == 2 && op[0] == '~' && op[1] == '>')
            opn = 1;
        int ok = opn == 0 || (opn == 1 && strchr("<>=~^", op[0])) ||
                 (opn == 2 && (op[0] == '<' || op[0] == '>') && op[1] == '=');
        struct partial p;
        if (!ok || parse_partial(s + vs, i - vs, &p)) {
            rc = vg_err_set(err, VG_EINVAL, "npm range: bad comparator at offset %zu", base + os);
            goto out;
        }
        if ((rc = npm_comparator(eco, op, opn, &p, c, a, err)))
            goto out;
    }
emit:
    if (c->empty)
        goto out;
    {
        struct vg_interval iv = {0};
        iv.flags = VG_IV_NO_PRERELEASE;
        if (c->lo.set) {
            iv.lo = c->lo.k.p;
            iv.lolen = c->lo.k.n;
            iv.flags |= c->lo.incl ? VG_IV_LO_INCL : 0;
        } else {
            iv.flags |= VG_IV_LO_UNBOUNDED;
        }
        if (c->hi.set) {
            iv.hi = c->hi.k.p;
            iv.hilen = c->hi.k.n;
            iv.flags |= c->hi.incl ? VG_IV_HI_INCL : 0;
        } else {
            iv.flags |= VG_IV_HI_UNBOUNDED;
        }
        raw_add(raw, a, &iv);
        /* pre-releases of a tuple named by a pre-release comparator */
        for (size_t t = 0; t < c->npre; t++) {
            struct cset d = *c;
            struct key lo;
            size_t tl = vg__semver_tag_offset(c->pre_tuples[t].p, c->pre_tuples[t].n);
            unsigned char *b = vg_arena_alloc(a, tl + 3);
            memcpy(b, c->pre_tuples[t].p, tl);
            b[tl] = VG__SV_PRE;
            b[tl + 1] = 0x01; /* numeric identifier 0: the lowest pre-release */
            b[tl + 2] = 0x00;
            lo = (struct key){b, tl + 3};
            set_lo(&d, &lo, 1);
            set_hi(&d, &c->pre_tuples[t], 0);
            struct vg_interval pv = {0};
            pv.lo = d.lo.k.p;
            pv.lolen = d.lo.k.n;
            pv.flags |= d.lo.incl ? VG_IV_LO_INCL : 0;
            pv.hi = d.hi.k.p;
            pv.hilen = d.hi.k.n;
            pv.flags |= d.hi.incl ? VG_IV_HI_INCL : 0;
            int x = kcmp(&d.lo.k, &d.hi.k);
            if (x < 0 || (x == 0 && d.lo.incl && d.hi.incl))
                raw_add(raw, a, &pv);
        }
    }
out:
    free(c);
    return rc;
}

int vg_ranges_from_npm(int eco, const char *s, size_t n, struct vg_arena *a,
                       struct vg_ranges *out, struct vg_err *err)
{
    int rc = VG_OK;
    struct rawset raw = {0};
    memset(out, 0, sizeof(*out));
    out->eco = eco;
    if (vg_eco_scheme(eco) != VG_ECO_SEMVER) {
        rc = vg_err_set(err, VG_EINVAL, "npm range: %s is not a semver ecosystem",
                        vg_eco_name(eco));
        goto out;
    }
    if (n > 65536) {
        rc = vg_err_set(err, VG_ETOOBIG, "npm range longer than 65536 bytes");
        goto out;
    }
    size_t i = 0;
    for (;;) {
        size_t e = i;
        while (e < n && !(e + 1 < n && s[e] == '|' && s[e + 1] == '|'))
            e++;
        rc = npm_set(eco, s + i, e - i, i, a, &raw, err);
        if (rc)
            goto out;
        if (e >= n)
            break;
        i = e + 2;
    }
    rc = normalise(&raw, eco, a, out, err);
out:
    return rc;
}
