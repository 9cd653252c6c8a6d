/* A strict, allocation-light JSON scanner for OSV records: validates the
 * whole document and keeps only what the index needs (id, aliases,
 * withdrawn, severity, summary, affected[].package / ranges / versions),
 * as slices of the input (unescaped into the scratch arena only when a string
 * has escapes). jansson builds a full tree; loading 200,000 advisories that
 * way costs seconds, this costs a fraction. Not for: anything but OSV. */
#include "engine/match/match_int.h"

#include "core/util.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define MAX_DEPTH 64
#define MAX_ITEMS 100000

struct cur {
    const unsigned char *p, *end;
    struct vg_arena *a;
    int bad;
};

static inline void ws(struct cur *c)
{
    /* compact JSON has none: one test when the next byte is not blank */
    if (c->p < c->end && *c->p > ' ')
        return;
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
        c->p++;
}

static int lit(struct cur *c, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
        return -1;
    c->p += n;
    return 0;
}

static int hex4(const unsigned char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = p[i];
        if (h >= '0' && h <= '9')
            h -= '0';
        else if (h >= 'a' && h <= 'f')
            h -= 'a' - 10;
        else if (h >= 'A' && h <= 'F')
            h -= 'A' - 10;
        else
            return -1;
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return 0;
}

/* Bytes that need no attention inside a string: 0x20-0x7f except '"' and '\\'. */
static const unsigned char plain[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    R16(0), R16(0),                                 /* 0x00-0x1f: control characters */
    0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20-0x2f: '"' at 0x22 */
    R16(1), R16(1),                                 /* 0x30-0x4f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50-0x5f: backslash at 0x5c */
    R16(1), R16(1),                                 /* 0x60-0x7f */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), /* UTF-8: checked */
#undef R16
};

/* A string: *s and *n slice the input, or an unescaped copy in the arena. */
static int str_slow(struct cur *c, const char **s, size_t *n)
{
    const unsigned char *start;
    int esc = 0;
    if (c->p >= c->end || *c->p != '"')
        return -1;
    start = ++c->p;
#if defined(__SSE2__)
    {
        /* plain printable ASCII up to the closing quote: the common case,
         * sixteen bytes a step (signed compare: bytes >= 0x80 stop it too) */
        const unsigned char *p = c->p, *end = c->end;
        const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
                      sp = _mm_set1_epi8(0x20);
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bs)),
                                     _mm_cmplt_epi8(v, sp));
            unsigned bits = (unsigned)_mm_movemask_epi8(m);
            if (bits) {
                p += __builtin_ctz(bits);
                if (*p == '"') {
                    *s = (const char *)start;
                    *n = (size_t)(p - start);
                    c->p = p + 1;
                    return 0;
                }
                break;
            }
            p += 16;
        }
        c->p = p;
    }
#endif
    while (c->p < c->end && *c->p != '"') {
        /* plain printable ASCII: one table look-up a byte */
        while (c->p < c->end && plain[*c->p])
            c->p++;
        if (c->p >= c->end || *c->p == '"')
            break;
        if (*c->p == '\\') {
            esc = 1;
            if (c->end - c->p < 2)
                return -1;
            c->p += 2;
        } else if (*c->p < 0x20) {
            return -1;
        } else if (*c->p < 0x80) {
            c->p++;
        } else {
            size_t l = vg_utf8_seq(c->p, c->end);
            if (l == 0)
                return -1;
            c->p += l;
        }
    }
    if (c->p >= c->end)
        return -1;
    if (!esc) {
        *s = (const char *)start;
        *n = (size_t)(c->p - start);
        c->p++;
        return 0;
    }
    {
        const unsigned char *q = start, *e = c->p;
        char *d = vg_arena_alloc(c->a, (size_t)(e - q) + 1);
        size_t j = 0;
        while (q < e) {
            if (*q != '\\') {
                d[j++] = (char)*q++;
                continue;
            }
            q++;
            switch (*q) {
            case '"': d[j++] = '"'; q++; break;
            case '\\': d[j++] = '\\'; q++; break;
            case '/': d[j++] = '/'; q++; break;
            case 'b': d[j++] = '\b'; q++; break;
            case 'f': d[j++] = '\f'; q++; break;
            case 'n': d[j++] = '\n'; q++; break;
            case 'r': d[j++] = '\r'; q++; break;
            case 't': d[j++] = '\t'; q++; break;
            case 'u': {
                unsigned cp, lo;
                if (e - q < 5 || hex4(q + 1, &cp))
                    return -1;
                q += 5;
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    if (e - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, &lo) ||
                        lo < 0xdc00 || lo > 0xdfff)
                        return -1;
                    q += 6;
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                    return -1;
                }
                if (cp == 0)
                    return -1; /* NUL inside a string: refused, as jansson does */
                if (cp < 0x80) {
                    d[j++] = (char)cp;
                } else if (cp < 0x800) {
                    d[j++] = (char)(0xc0 | (cp >> 6));
                    d[j++] = (char)(0x80 | (cp & 0x3f));
                } else if (cp < 0x10000) {
                    d[j++] = (char)(0xe0 | (cp >> 12));
                    d[j++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    d[j++] = (char)(0x80 | (cp & 0x3f));
                } else {
                    d[j++] = (char)(0xf0 | (cp >> 18));
                    d[j++] = (char)(0x80 | ((cp >> 12) & 0x3f));
                    d[j++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    d[j++] = (char)(0x80 | (cp & 0x3f));
                }
                break;
            }
            default:
                return -1;
            }
        }
        d[j] = '\0';
        *s = d;
        *n = j;
    }
    c->p++;
    return 0;
}

/* str, inline for the common case: a short plain string, whole within the
 * next 16 bytes. */
static inline int str(struct cur *c, const char **s, size_t *n)
{
#if defined(__SSE2__)
    const unsigned char *p = c->p;
    if (c->end - p >= 17 && *p == '"') {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
        const __m128i m =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                         _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits) {
            unsigned at = (unsigned)__builtin_ctz(bits);
            if (p[1 + at] == '"') {
                *s = (const char *)p + 1;
                *n = at;
                c->p = p + 2 + at;
                return 0;
            }
        }
    }
#endif
    return str_slow(c, s, n);
}

static int num(struct cur *c)
{
    const unsigned char *p = c->p;
    if (p < c->end && *p == '-')
        p++;
    if (p >= c->end)
        return -1;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (p < c->end && *p >= '0' && *p <= '9')
            p++;
    else
        return -1;
    if (p < c->end && *p == '.') {
        p++;
        if (p >= c->end || *p < '0' || *p > '9')
            return -1;
        while (p < c->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < c->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < c->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= c->end || *p < '0' || *p > '9')
            return -1;
        while (p < c->end && *p >= '0' && *p <= '9')
            p++;
    }
    c->p = p;
    return 0;
}

static int skip(struct cur *c, int depth);

/* Walks an object: for each key calls fn (which must consume the value). */
typedef int (*member_fn)(struct cur *c, const char *k, size_t kn, void *ctx, int depth);
typedef int (*elem_fn)(struct cur *c, void *ctx, int depth);

static int object(struct cur *c, member_fn fn, void *ctx, int depth)
{
    if (depth > MAX_DEPTH || c->p >= c->end || *c->p != '{')
        return -1;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return 0;
    }
    for (;;) {
        const char *k;
        size_t kn;
        ws(c);
        if (str(c, &k, &kn))
            return -1;
        ws(c);
        if (c->p >= c->end || *c->p != ':')
            return -1;
        c->p++;
        ws(c);
        if (fn ? fn(c, k, kn, ctx, depth + 1) : skip(c, depth + 1))
            return -1;
        ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            return 0;
        }
        return -1;
    }
}

static int array(struct cur *c, elem_fn fn, void *ctx, int depth)
{
    if (depth > MAX_DEPTH || c->p >= c->end || *c->p != '[')
        return -1;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        return 0;
    }
    for (;;) {
        ws(c);
        if (fn ? fn(c, ctx, depth + 1) : skip(c, depth + 1))
            return -1;
        ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == ']') {
            c->p++;
            return 0;
        }
        return -1;
    }
}

static int skip(struct cur *c, int depth)
{
    const char *s;
    size_t n;
    if (c->p >= c->end || depth > MAX_DEPTH)
        return -1;
    switch (*c->p) {
    case '{': return object(c, NULL, NULL, depth);
    case '[': return array(c, NULL, NULL, depth);
    case '"': return str(c, &s, &n);
    case 't': return lit(c, "true");
    case 'f': return lit(c, "false");
    case 'n': return lit(c, "null");
    default: return num(c);
    }
}

#define KEY(lit) (kn == sizeof(lit) - 1 && memcmp(k, lit, sizeof(lit) - 1) == 0)

/* growable arrays in the scratch arena */
#define PUSH(arena, arr, n, cap, item)                                                             \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            size_t nc_ = (cap) ? (cap) * 2 : 16;                                                   \
            void *np_ = vg_arena_alloc((arena), nc_ * sizeof(*(arr)));                             \
            if (n)                                                                                 \
                memcpy(np_, (arr), (n) * sizeof(*(arr)));                                          \
            (arr) = np_;                                                                           \
            (cap) = nc_;                                                                           \
        }                                                                                          \
        (arr)[(n)++] = (item);                                                                     \
    } while (0)

struct ectx {
    struct vg__osv_range *r;
    size_t cap;
};

static int event_member(struct cur *c, const char *k, size_t kn, void *ctx, int depth)
{
    struct vg__osv_event *e = ctx;
    int x = KEY("introduced")      ? 0
            : KEY("fixed")         ? 1
            : KEY("last_affected") ? 2
            : KEY("limit")         ? 3
                                   : -1;
    if (x >= 0) {
        if (e->kind != -1 || c->p >= c->end || *c->p != '"') {
            e->kind = -2; /* two kinds, or not a string: malformed */
            return skip(c, depth);
        }
        e->kind = x;
        return str(c, &e->v, &e->vn);
    }
    return skip(c, depth);
}

static int event_elem(struct cur *c, void *ctx, int depth)
{
    struct ectx *x = ctx;
    struct vg__osv_event e = {-1, NULL, 0};
    if (c->p >= c->end || *c->p != '{') {
        x->r->bad = 1;
        return skip(c, depth);
    }
    if (object(c, event_member, &e, depth))
        return -1;
    if (e.kind < 0)
        x->r->bad = 1;
    if (x->r->nev >= MAX_ITEMS) {
        x->r->bad = 1;
        return 0;
    }
    PUSH(c->a, x->r->ev, x->r->nev, x->cap, e);
    return 0;
}

static int range_member(struct cur *c, const char *k, size_t kn, void *ctx, int depth)
{
    struct ectx *x = ctx;
    if (KEY("type")) {
        if (c->p < c->end && *c->p == '"')
            return str(c, &x->r->type, &x->r->type_n);
        return skip(c, depth);
    }
    if (KEY("events")) {
        if (c->p < c->end && *c->p == '[') {
            x->r->has_events = 1;
            x->r->nev = 0;
            x->cap = 0;
            return array(c, event_elem, x, depth);
        }
        return skip(c, depth);
    }
    return skip(c, depth);
}

struct actx {
    struct vg__osv_aff *f;
    size_t rcap, vcap;
};

static int range_elem(struct cur *c, void *ctx, int depth)
{
    struct actx *x = ctx;
    struct vg__osv_range r;
    struct ectx e;
    memset(&r, 0, sizeof(r));
    e.r = &r;
    e.cap = 0;
    if (c->p >= c->end || *c->p != '{') {
        x->f->bad = 1; /* a range that is not an object has no type */
        return skip(c, depth);
    }
    if (object(c, range_member, &e, depth))
        return -1;
    PUSH(c->a, x->f->r, x->f->nr, x->rcap, r);
    return 0;
}

static int version_elem(struct cur *c, void *ctx, int depth)
{
    struct actx *x = ctx;
    struct vg__osv_str s = {NULL, 0};
    if (c->p < c->end && *c->p == '"') {
        if (str(c, &s.s, &s.n))
            return -1;
    } else if (skip(c, depth)) {
        return -1;
    } /* a non-string entry is kept as NULL: counted as skipped */
    if (x->f->nv >= MAX_ITEMS) {
        x->f->bad = 1;
        return 0;
    }
    PUSH(c->a, x->f->v, x->f->nv, x->vcap, s);
    return 0;
}

/* "versions": an array of strings, walked without the general machinery;
 * anything but a string element starts it over the general way. */
static int versions(struct cur *c, struct actx *x, int depth)
{
    const unsigned char *save = c->p;
    int bad0 = x->f->bad;
    if (depth > MAX_DEPTH)
        return -1;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        return 0;
    }
    for (;;) {
        struct vg__osv_str v;
        if (c->p >= c->end || *c->p != '"')
            break;
        if (str(c, &v.s, &v.n))
            return -1;
        if (x->f->nv >= MAX_ITEMS)
            x->f->bad = 1;
        else
            PUSH(c->a, x->f->v, x->f->nv, x->vcap, v);
        if (c->p < c->end && *c->p != ',' && *c->p != ']')
            ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            if (c->p < c->end && *c->p != '"')
                ws(c);
            continue;
        }
        if (c->p < c->end && *c->p == ']') {
            c->p++;
            return 0;
        }
        return -1;
    }
    c->p = save;
    x->f->nv = 0;
    x->vcap = 0;
    x->f->bad = bad0;
    return array(c, version_elem, x, depth);
}

static int package_member(struct cur *c, const char *k, size_t kn, void *ctx, int depth)
{
    struct vg__osv_aff *f = ctx;
    if ((KEY("ecosystem") || KEY("name")) && c->p < c->end && *c->p == '"')
        return KEY("name") ? str(c, &f->name, &f->name_n) : str(c, &f->eco, &f->eco_n);
    return skip(c, depth);
}

static int affected_member(struct cur *c, const char *k, size_t kn, void *ctx, int depth)
{
    struct actx *x = ctx;
    if (KEY("package")) {
        if (c->p < c->end && *c->p == '{')
            return object(c, package_member, x->f, depth);
        return skip(c, depth);
    }
    if (KEY("ranges")) {
        if (c->p < c->end && *c->p == '[') {
            x->f->nr = 0;
            x->rcap = 0;
            return array(c, range_elem, x, depth);
        }
        x->f->bad = 1;
        return skip(c, depth);
    }
    if (KEY("versions")) {
        if (c->p < c->end && *c->p == '[') {
            x->f->nv = 0;
            x->vcap = 0;
            return versions(c, x, depth);
        }
        x->f->bad = 1;
        return skip(c, depth);
    }
    return skip(c, depth);
}

struct rctx {
    struct vg__osv *o;
    size_t acap, fcap;
    struct vg__osv_list *list; /* records of a "vulns" member, when any */
};

static int affected_elem(struct cur *c, void *ctx, int depth)
{
    struct rctx *x = ctx;
    struct vg__osv_aff f;
    struct actx a;
    memset(&f, 0, sizeof(f));
    a.f = &f;
    a.rcap = a.vcap = 0;
    if (c->p < c->end && *c->p == '{') {
        if (object(c, affected_member, &a, depth))
            return -1;
    } else {
        if (skip(c, depth))
            return -1;
        f.bad = 1;
    }
    PUSH(c->a, x->o->aff, x->o->naff, x->fcap, f);
    return 0;
}

static int alias_elem(struct cur *c, void *ctx, int depth)
{
    struct rctx *x = ctx;
    struct vg__osv_str s;
    if (c->p < c->end && *c->p == '"') {
        if (str(c, &s.s, &s.n))
            return -1;
        PUSH(c->a, x->o->aliases, x->o->naliases, x->acap, s);
        return 0;
    }
    return skip(c, depth);
}

static int dbspec_member(struct cur *c, const char *k, size_t kn, void *ctx, int depth)
{
    struct vg__osv *o = ctx;
    if (KEY("severity") && c->p < c->end && *c->p == '"')
        return str(c, &o->dbsev.s, &o->dbsev.n);
    return skip(c, depth);
}

static int sev_member(struct cur *c, const char *k, size_t kn, void *ctx, int depth)
{
    struct vg__osv_str *s = ctx;
    if (KEY("score") && c->p < c->end && *c->p == '"')
        return str(c, &s->s, &s->n);
    return skip(c, depth);
}

static int sev_elem(struct cur *c, void *ctx, int depth)
{
    struct vg__osv *o = ctx;
    struct vg__osv_str s = {NULL, 0};
    int first = !o->seen_severity;
    o->seen_severity = 1;
    if (c->p < c->end && *c->p == '{') {
        if (object(c, sev_member, &s, depth))
            return -1;
        if (first)
            o->score = s; /* only severity[0], as the json_t path reads it */
        return 0;
    }
    return skip(c, depth);
}

static int record_member(struct cur *c, const char *k, size_t kn, void *ctx, int depth);

static int vulns_elem(struct cur *c, void *ctx, int depth)
{
    struct rctx *x = ctx;
    struct vg__osv o;
    struct rctx sub;
    memset(&o, 0, sizeof(o));
    memset(&sub, 0, sizeof(sub));
    sub.o = &o;
    if (c->p < c->end && *c->p == '{') {
        if (object(c, record_member, &sub, depth))
            return -1;
    } else if (skip(c, depth)) {
        return -1;
    }
    PUSH(c->a, x->list->r, x->list->n, x->list->cap, o);
    return 0;
}

static int record_member(struct cur *c, const char *k, size_t kn, void *ctx, int depth)
{
    struct rctx *x = ctx;
    struct vg__osv *o = x->o;
    if (KEY("id") && c->p < c->end && *c->p == '"')
        return str(c, &o->id.s, &o->id.n);
    if (KEY("withdrawn")) {
        if (c->p < c->end && *c->p == '"') {
            struct vg__osv_str w;
            if (str(c, &w.s, &w.n))
                return -1;
            o->withdrawn = w.n > 0;
            return 0;
        }
        return skip(c, depth);
    }
    if (KEY("summary") && c->p < c->end && *c->p == '"')
        return str(c, &o->summary.s, &o->summary.n);
    if (KEY("aliases") && c->p < c->end && *c->p == '[') {
        o->naliases = 0;
        x->acap = 0;
        return array(c, alias_elem, x, depth);
    }
    if (KEY("database_specific") && c->p < c->end && *c->p == '{')
        return object(c, dbspec_member, o, depth);
    if (KEY("severity") && c->p < c->end && *c->p == '[')
        return array(c, sev_elem, o, depth);
    if (KEY("affected") && c->p < c->end && *c->p == '[') {
        o->has_affected = 1;
        o->naff = 0;
        x->fcap = 0;
        return array(c, affected_elem, x, depth);
    }
    if (KEY("vulns") && x->list && c->p < c->end && *c->p == '[') {
        o->has_vulns = 1;
        return array(c, vulns_elem, x, depth);
    }
    return skip(c, depth);
}

static int top_elem(struct cur *c, void *ctx, int depth)
{
    return vulns_elem(c, ctx, depth);
}

int vg__osv_scan(const char *s, size_t n, struct vg_arena *scratch, struct vg__osv_list *out)
{
    struct cur c = {(const unsigned char *)s, (const unsigned char *)s + n, scratch, 0};
    struct rctx x;
    memset(out, 0, sizeof(*out));
    memset(&x, 0, sizeof(x));
    x.list = out;
    ws(&c);
    if (c.p < c.end && *c.p == '[') {
        if (array(&c, top_elem, &x, 0))
            return -1;
    } else if (c.p < c.end && *c.p == '{') {
        struct vg__osv o;
        memset(&o, 0, sizeof(o));
        x.o = &o;
        if (object(&c, record_member, &x, 0))
            return -1;
        if (!o.has_vulns)
            PUSH(scratch, out->r, out->n, out->cap, o);
    } else {
        return -1;
    }
    ws(&c);
    return c.p == c.end ? 0 : -1;
}
