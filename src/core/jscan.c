/* jscan: one-pass strict JSON into an arena DOM.
 *
 * Values are pushed on a scratch stack (malloc'd, grown by doubling); when an
 * array or object closes, its children are copied into one arena array and
 * replaced on the stack by the container itself, so every value is copied
 * once and the arena sees one allocation per container. Strings are
 * unescaped into one arena buffer of n bytes: a string's text plus its NUL
 * never outgrows its quoted form, so the buffer cannot overflow, and the
 * output cursor never passes the input cursor, which lets the SIMD loop
 * store 16 bytes ahead. Keys of small objects are checked for duplicates as
 * they come (linear, by length first); objects of more than DUP_LINEAR keys
 * are sorted once when they close.
 *
 * Agreement with jansson 2.14 (json_loadb with JSON_REJECT_DUPLICATES |
 * JSON_DECODE_ANY, what vg_json_parse calls) is tested by tests/unit/core and
 * tests/fuzz/core/fuzz_jscan.c; its rules, restated: every value level above
 * 2048 is refused (scalars count), integers are int64 (strtoll ERANGE is an
 * error), reals are strtod's (only overflow to +-HUGE_VAL is an error, an
 * underflow to 0 is not), "\u0000" and lone surrogates are errors. */
#include "core/jscan.h"
#include "core/util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && !defined(VG_JSCAN_PORTABLE)
#include <emmintrin.h>
#define JS_SSE2 1
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&                 \
    !defined(VG_JSCAN_SCALAR)
#define JS_SWAR 1
#endif

#define DUP_LINEAR 16

struct frame {
    uint32_t start; /* scratch index of the first child */
    uint8_t obj;
    uint8_t big; /* object with more than DUP_LINEAR keys: check at close */
    uint64_t keys; /* small object: a bit per key (key_bit): no bit, no duplicate */
};

struct js {
    const unsigned char *s, *end; /* s: where offsets count from */
    const unsigned char *start;   /* where the value starts (s, but for a span) */
    struct vg_arena *a;
    struct vg_jval *v; /* scratch stack of values */
    uint32_t *koff;    /* input offset of each key on the stack */
    size_t nv, cap;
    struct frame *f;
    size_t nf, fcap;
    char *sb; /* string buffer cursor */
    unsigned max_depth;
    const struct vg_jval **sort;
    size_t sortcap;
    char *nbuf;
    size_t nbufcap;
    size_t errpos;
    struct vg_err *err;
    unsigned depth0; /* vg_jscan_parse_span: containers around the value */
    char ctx;        /* vg_jscan_parse_span: '}' or ']' (what holds the value), or 0 */
};

/* 1 for bytes that end the plain run of a string: '"', '\\', controls, non-ASCII */
static const unsigned char special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static int fail(struct js *J, const unsigned char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct js *J, const unsigned char *at, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    J->errpos = (size_t)(at - J->s);
    return vg_err_set(J->err, VG_EJSON, "invalid JSON at byte %zu: %s", J->errpos, msg);
}

/* Up to 40 bytes of key k for a message: controls as '?', cut on a UTF-8
 * boundary (messages travel in JSON replies). */
static const char *key_text(const struct vg_jval *k, char out[48])
{
    size_t n = k->n < 40 ? k->n : 40, i;
    if (n < k->n)
        while (n > 0 && ((unsigned char)k->u.s[n] & 0xC0) == 0x80)
            n--;
    for (i = 0; i < n; i++)
        out[i] = (unsigned char)k->u.s[i] < 0x20 ? '?' : k->u.s[i];
    out[n] = '\0';
    return out;
}

static inline int is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Whitespace is at most ' ': compact input (the usual) stops at one test. */
static inline const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end)
{
    while (p < end && *p <= ' ' && is_ws(*p))
        p++;
    return p;
}

static void grow_values(struct js *J)
{
    size_t nc = J->cap ? J->cap * 2 : 256;
    J->v = vg_xrealloc(J->v, nc * sizeof(*J->v));
    J->koff = vg_xrealloc(J->koff, nc * sizeof(*J->koff));
    J->cap = nc;
}

static inline struct vg_jval *push(struct js *J)
{
    struct vg_jval *v;
    if (J->nv == J->cap)
        grow_values(J);
    v = &J->v[J->nv++];
    v->plain = 0;
    return v;
}

static int hex4(const unsigned char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int h = vg_hexval(p[i]);
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

static inline char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | cp >> 18);
        *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* The string whose text starts at o0 (its quote at q0), scanned and
 * written up to p and o: the rest of it, escapes and UTF-8 included. Fills
 * *out; returns the byte past the closing quote, or NULL with the error set.
 * Out of line: scan_string, inlined in the parser, does the plain strings. */
static __attribute__((noinline)) const unsigned char *
scan_string_rest(struct js *J, const unsigned char *p, const unsigned char *q0, char *o, char *o0,
                 struct vg_jval *out)
{
    const unsigned char *end = J->end;
    int plain = 1; /* no escape read (UTF-8 is written as is, controls are errors) */
#ifdef JS_SSE2
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
#endif
    for (;;) {
#if defined(JS_SSE2)
        while (end - p >= 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
            /* signed compare: bytes >= 0x80 are negative, so < 0x20 too */
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                     _mm_cmplt_epi8(x, space));
            unsigned bits = (unsigned)_mm_movemask_epi8(m);
            _mm_storeu_si128((__m128i *)(void *)o, x);
            if (bits) {
                unsigned k = (unsigned)__builtin_ctz(bits);
                p += k;
                o += k;
                goto special_byte;
            }
            p += 16;
            o += 16;
        }
#elif defined(JS_SWAR)
        while (end - p >= 8) {
            const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
            uint64_t x, a, b;
            memcpy(&x, p, 8);
            memcpy(o, &x, 8);
            a = x ^ (ones * '"');
            b = x ^ (ones * '\\');
            /* lowest flagged byte is exact: false positives only sit above a true one */
            uint64_t t = ((a - ones) & ~a) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x;
            t &= high;
            if (t) {
                unsigned k = (unsigned)__builtin_ctzll(t) / 8;
                p += k;
                o += k;
                goto special_byte;
            }
            p += 8;
            o += 8;
        }
#endif
        while (p < end && !special[*p])
            *o++ = (char)*p++;
        if (p >= end) {
            fail(J, q0, "unterminated string");
            return NULL;
        }
#if defined(JS_SSE2) || defined(JS_SWAR)
    special_byte:
#endif
        if (*p == '"') {
            *o = '\0';
            out->type = VG_JSTR;
            out->plain = (uint8_t)plain;
            out->n = (uint32_t)(o - o0);
            out->u.s = o0;
            J->sb = o + 1;
            return p + 1;
        }
        if (*p == '\\') {
            plain = 0;
            if (end - p < 2) {
                fail(J, q0, "unterminated string");
                return NULL;
            }
            switch (p[1]) {
            case '"':
            case '\\':
            case '/':
                *o++ = (char)p[1];
                break;
            case 'b':
                *o++ = '\b';
                break;
            case 'f':
                *o++ = '\f';
                break;
            case 'n':
                *o++ = '\n';
                break;
            case 'r':
                *o++ = '\r';
                break;
            case 't':
                *o++ = '\t';
                break;
            case 'u': {
                int cp = end - p >= 6 ? hex4(p + 2) : -1, lo;
                if (cp < 0) {
                    fail(J, p, "invalid \\u escape: four hex digits expected");
                    return NULL;
                }
                if (cp == 0) {
                    fail(J, p, "\\u0000 (NUL) is not allowed");
                    return NULL;
                }
                if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    fail(J, p, "lone low surrogate \\u%04X", (unsigned)cp);
                    return NULL;
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || (lo = hex4(p + 8)) < 0xDC00 ||
                        lo > 0xDFFF) {
                        fail(J, p, "high surrogate \\u%04X without a low surrogate", (unsigned)cp);
                        return NULL;
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                }
                o = put_utf8(o, (unsigned)cp);
                p += 6;
                continue;
            }
            default:
                fail(J, p, "invalid escape");
                return NULL;
            }
            p += 2;
            continue;
        }
        if (*p < 0x20) {
            if (*p == 0)
                fail(J, p, "NUL byte in string");
            else
                fail(J, p, "control character 0x%02x in string", *p);
            return NULL;
        }
        {
            size_t k = vg_utf8_seq(p, end);
            if (k == 0) {
                fail(J, p, "invalid UTF-8 byte 0x%02x", *p);
                return NULL;
            }
            memcpy(o, p, k);
            o += k;
            p += k;
        }
    }
}

/* p: just past the opening quote. Fills *out; returns the byte past the
 * closing quote, or NULL with the error set. The common string (no escape,
 * ASCII, 16 bytes of input left after it) ends here; the rest goes on in
 * scan_string_rest. */
static inline const unsigned char *scan_string(struct js *J, const unsigned char *p,
                                               struct vg_jval *out)
{
    char *o = J->sb;
#if defined(JS_SSE2)
    const unsigned char *end = J->end, *p0 = p;
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
                                              _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                                 _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        _mm_storeu_si128((__m128i *)(void *)(o + (p - p0)), x);
        if (bits) {
            p += __builtin_ctz(bits);
            if (*p != '"')
                break;
            o += p - p0;
            *o = '\0';
            out->type = VG_JSTR;
            out->plain = 1;
            out->n = (uint32_t)(p - p0);
            out->u.s = J->sb;
            J->sb = o + 1;
            return p + 1;
        }
        p += 16;
    }
    return scan_string_rest(J, p, p0 - 1, o + (p - p0), o, out);
#else
    return scan_string_rest(J, p, p - 1, o, o, out);
#endif
}

static const double pow10_tab[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline int is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10;
}

/* p at '-' or a digit. */
static const unsigned char *scan_number(struct js *J, const unsigned char *p, struct vg_jval *out)
{
    const unsigned char *start = p, *end = J->end, *ds;
    int neg = 0;
    uint64_t m = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    ds = p;
    if (p >= end || !is_digit(*p)) {
        fail(J, start, "invalid number");
        return NULL;
    }
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p)) {
            fail(J, start, "invalid number: leading zero");
            return NULL;
        }
    } else {
        while (p < end && is_digit(*p))
            p++;
    }
    if (p >= end || (*p != '.' && *p != 'e' && *p != 'E')) {
        size_t nd = (size_t)(p - ds);
        const unsigned char *d;
        if (nd > 19)
            goto too_big;
        for (d = ds; d < p; d++)
            m = m * 10 + (uint64_t)(*d - '0');
        if (neg ? m > (uint64_t)INT64_MAX + 1 : m > (uint64_t)INT64_MAX)
            goto too_big;
        out->type = VG_JINT;
        out->n = 0;
        out->u.i = neg ? (int64_t)(0 - m) : (int64_t)m;
        return p;
    too_big:
        fail(J, start, "integer out of the 64-bit range");
        return NULL;
    }
    {
        /* a real: Clinger's fast path when the digits fit 2^53 and the power
         * of ten is exact, else strtod on a copy (both round correctly) */
        int exact = 1;
        int64_t e10 = 0, ex = 0;
        const unsigned char *d;
        for (d = ds; d < p; d++) {
            if (m > (((uint64_t)1 << 53) - 9) / 10)
                exact = 0;
            else
                m = m * 10 + (uint64_t)(*d - '0');
        }
        if (*p == '.') {
            p++;
            if (p >= end || !is_digit(*p)) {
                fail(J, start, "invalid number: digits expected after '.'");
                return NULL;
            }
            for (; p < end && is_digit(*p); p++) {
                if (m > (((uint64_t)1 << 53) - 9) / 10) {
                    exact = 0;
                } else {
                    m = m * 10 + (uint64_t)(*p - '0');
                    e10--;
                }
            }
        }
        if (p < end && (*p == 'e' || *p == 'E')) {
            int eneg = 0;
            p++;
            if (p < end && (*p == '+' || *p == '-'))
                eneg = *p++ == '-';
            if (p >= end || !is_digit(*p)) {
                fail(J, start, "invalid number: digits expected in the exponent");
                return NULL;
            }
            for (; p < end && is_digit(*p); p++)
                if (ex < 100000000)
                    ex = ex * 10 + (*p - '0');
            if (eneg)
                ex = -ex;
        }
        out->type = VG_JREAL;
        out->n = 0;
        if (exact && m == 0) {
            out->u.d = neg ? -0.0 : 0.0;
            return p;
        }
        ex += e10;
        if (exact && ex >= -22 && ex <= 22) {
            double v = (double)m;
            v = ex >= 0 ? v * pow10_tab[ex] : v / pow10_tab[-ex];
            out->u.d = neg ? -v : v;
            return p;
        }
        {
            size_t len = (size_t)(p - start);
            char small[64], *b = small, *endp;
            double v;
            if (len >= sizeof(small)) {
                if (len + 1 > J->nbufcap) {
                    J->nbufcap = len + 1;
                    J->nbuf = vg_xrealloc(J->nbuf, J->nbufcap);
                }
                b = J->nbuf;
            }
            memcpy(b, start, len);
            b[len] = '\0';
            errno = 0;
            v = strtod(b, &endp);
            if ((v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE) {
                fail(J, start, "real number overflows a double");
                return NULL;
            }
            out->u.d = v;
        }
        return p;
    }
}

/* One of 64 bits for a key, from its length and first and last bytes
 * (equal keys get the same bit). */
static inline uint64_t key_bit(const struct vg_jval *k)
{
    unsigned h = k->n;
    if (k->n)
        h = h * 7 + (unsigned char)k->u.s[0] * 3 + (unsigned char)k->u.s[k->n - 1];
    return (uint64_t)1 << (h & 63);
}

static int key_cmp(const void *x, const void *y)
{
    const struct vg_jval *a = *(const struct vg_jval *const *)x, *b = *(const struct vg_jval *const *)y;
    int c;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    if ((c = memcmp(a->u.s, b->u.s, a->n)) != 0)
        return c;
    return a < b ? -1 : a > b;
}

/* Keys of a big object: v[0], v[2], ... v[2k-2]. Returns the scratch index of
 * the first duplicate in document order, or (size_t)-1. */
static size_t big_dup(struct js *J, const struct vg_jval *v, size_t k)
{
    size_t i, best = (size_t)-1;
    if (k > J->sortcap) {
        J->sortcap = k;
        J->sort = vg_xrealloc(J->sort, k * sizeof(*J->sort));
    }
    for (i = 0; i < k; i++)
        J->sort[i] = &v[2 * i];
    qsort(J->sort, k, sizeof(*J->sort), key_cmp);
    for (i = 1; i < k; i++) {
        const struct vg_jval *a = J->sort[i - 1], *b = J->sort[i];
        if (a->n == b->n && memcmp(a->u.s, b->u.s, a->n) == 0) {
            size_t at = (size_t)(b - J->v);
            if (at < best)
                best = at;
        }
    }
    return best;
}

static int parse(struct js *J, const struct vg_jval **out)
{
    const unsigned char *p = J->start, *end = J->end;
    struct frame *f;
    struct vg_jval *slot;

    p = skip_ws(p, end);
    if (p == end)
        return fail(J, p, "empty input: a JSON value is required");

value:
    if (J->nf >= J->max_depth)
        return fail(J, p, "nested deeper than %u levels", J->max_depth + J->depth0);
    if (p >= end)
        return fail(J, p, "unexpected end of input: a value is expected");
    switch (*p) {
    case '"':
        slot = push(J);
        if ((p = scan_string(J, p + 1, slot)) == NULL)
            return VG_EJSON;
        goto after;
    case '{':
    case '[': {
        int obj = *p == '{';
        p = skip_ws(p + 1, end);
        if (p < end && *p == (obj ? '}' : ']')) {
            slot = push(J);
            slot->type = obj ? VG_JOBJ : VG_JARR;
            slot->n = 0;
            slot->u.a = NULL;
            p++;
            goto after;
        }
        if (J->nf == J->fcap) {
            J->fcap = J->fcap ? J->fcap * 2 : 32;
            J->f = vg_xrealloc(J->f, J->fcap * sizeof(*J->f));
        }
        f = &J->f[J->nf++];
        f->start = (uint32_t)J->nv;
        f->obj = (uint8_t)obj;
        f->big = 0;
        f->keys = 0;
        if (obj)
            goto key;
        goto value;
    }
    case 't':
        if (end - p < 4 || memcmp(p, "true", 4) != 0)
            goto bad_literal;
        slot = push(J);
        slot->type = VG_JTRUE;
        p += 4;
        goto after;
    case 'f':
        if (end - p < 5 || memcmp(p, "false", 5) != 0)
            goto bad_literal;
        slot = push(J);
        slot->type = VG_JFALSE;
        p += 5;
        goto after;
    case 'n':
        if (end - p < 4 || memcmp(p, "null", 4) != 0)
            goto bad_literal;
        slot = push(J);
        slot->type = VG_JNULL;
        p += 4;
        goto after;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        slot = push(J);
        if ((p = scan_number(J, p, slot)) == NULL)
            return VG_EJSON;
        goto after;
    default:
        if (*p == 0)
            return fail(J, p, "NUL byte");
        if (*p >= 0x20 && *p < 0x7F)
            return fail(J, p, "unexpected '%c': a value is expected", *p);
        return fail(J, p, "unexpected byte 0x%02x: a value is expected", *p);
    }
bad_literal:
    return fail(J, p, "invalid literal (true, false or null expected)");

key:
    if (p >= end || *p != '"') {
        if (p >= end)
            return fail(J, p, "unexpected end of input: a key is expected");
        return fail(J, p, "a string key is expected");
    }
    {
        size_t at = J->nv;
        f = &J->f[J->nf - 1];
        slot = push(J);
        J->koff[at] = (uint32_t)(p - J->s);
        if ((p = scan_string(J, p + 1, slot)) == NULL)
            return VG_EJSON;
        if (!f->big) {
            size_t k = (at - f->start) / 2;
            uint64_t bit = key_bit(slot);
            if (k >= DUP_LINEAR) {
                f->big = 1;
            } else if (!(f->keys & bit)) {
                f->keys |= bit; /* no key before has this one's bit: none is equal */
            } else {
                const struct vg_jval *kv = &J->v[f->start];
                for (size_t i = 0; i < k; i++, kv += 2)
                    if (kv->n == slot->n && memcmp(kv->u.s, slot->u.s, slot->n) == 0) {
                        char kt[48];
                        return fail(J, J->s + J->koff[at], "duplicate key \"%s\"",
                                    key_text(slot, kt));
                    }
            }
        }
    }
    p = skip_ws(p, end);
    if (p >= end || *p != ':')
        return fail(J, p, "':' is expected after a key");
    p = skip_ws(p + 1, end);
    goto value;

after:
    p = skip_ws(p, end);
    if (J->nf == 0)
        goto done;
    f = &J->f[J->nf - 1];
    if (p >= end)
        return fail(J, p, "unexpected end of input: ',' or '%c' is expected", f->obj ? '}' : ']');
    if (*p == ',') {
        p = skip_ws(p + 1, end);
        if (f->obj)
            goto key;
        goto value;
    }
    if (*p == (f->obj ? '}' : ']')) {
        size_t cnt = J->nv - f->start;
        void *arr = vg_arena_alloc(J->a, cnt * sizeof(struct vg_jval));
        memcpy(arr, &J->v[f->start], cnt * sizeof(struct vg_jval));
        if (f->big) {
            size_t dup = big_dup(J, &J->v[f->start], cnt / 2);
            if (dup != (size_t)-1) {
                char kt[48];
                return fail(J, J->s + J->koff[dup], "duplicate key \"%s\"",
                            key_text(&J->v[dup], kt));
            }
        }
        J->nv = f->start;
        slot = &J->v[J->nv++]; /* the container takes its first child's place */
        slot->plain = 0;
        if (f->obj) {
            slot->type = VG_JOBJ;
            slot->n = (uint32_t)(cnt / 2);
            slot->u.o = arr;
        } else {
            slot->type = VG_JARR;
            slot->n = (uint32_t)cnt;
            slot->u.a = arr;
        }
        J->nf--;
        p++;
        goto after;
    }
    if (f->obj)
        return fail(J, p, "',' or '}' is expected after a member");
    return fail(J, p, "',' or ']' is expected after an item");

done:
    if (p != end && J->ctx) /* what the whole text's parse says after a member or item */
        return fail(J, p, "',' or '%c' is expected after %s", J->ctx,
                    J->ctx == '}' ? "a member" : "an item");
    if (p != end)
        return fail(J, p, "trailing data after the JSON value");
    {
        struct vg_jval *root = vg_arena_alloc(J->a, sizeof(*root));
        *root = J->v[0];
        *out = root;
    }
    return VG_OK;
}

/* The scratch of opt->keep into J, or none. */
static void scratch_take(struct js *J, const struct vg_jscan_opt *opt)
{
    struct vg_jscan_keep *k = opt ? opt->keep : NULL;
    if (k == NULL)
        return;
    J->v = k->v;
    J->koff = k->koff;
    J->cap = k->cap;
    J->f = k->f;
    J->fcap = k->fcap;
    J->sort = k->sort;
    J->sortcap = k->sortcap;
    J->nbuf = k->nbuf;
    J->nbufcap = k->nbufcap;
}

/* J's scratch back into opt->keep, or freed. */
static void scratch_done(struct js *J, const struct vg_jscan_opt *opt)
{
    struct vg_jscan_keep *k = opt ? opt->keep : NULL;
    if (k == NULL) {
        free(J->v);
        free(J->koff);
        free(J->f);
        free(J->sort);
        free(J->nbuf);
        return;
    }
    k->v = J->v;
    k->koff = J->koff;
    k->cap = J->cap;
    k->f = J->f;
    k->fcap = J->fcap;
    k->sort = J->sort;
    k->sortcap = J->sortcap;
    k->nbuf = J->nbuf;
    k->nbufcap = J->nbufcap;
}

void vg_jscan_keep_free(struct vg_jscan_keep *k)
{
    if (k == NULL)
        return;
    free(k->v);
    free(k->koff);
    free(k->f);
    free(k->sort);
    free(k->nbuf);
    memset(k, 0, sizeof(*k));
}

int vg_jscan_parse(const char *s, size_t n, struct vg_arena *a, const struct vg_jscan_opt *opt,
                   const struct vg_jval **out, size_t *errpos, struct vg_err *err)
{
    struct js J;
    int rc;
    *out = NULL;
    if (n >= VG_JSCAN_MAX_BYTES) {
        if (errpos)
            *errpos = 0;
        return vg_err_set(err, VG_ETOOBIG, "JSON text of %zu bytes: the limit is %zu", n,
                          VG_JSCAN_MAX_BYTES - 1);
    }
    memset(&J, 0, sizeof(J));
    J.s = (const unsigned char *)(s ? s : "");
    J.end = J.s + n;
    J.start = J.s;
    J.a = a;
    J.err = err;
    J.max_depth = opt && opt->max_depth ? opt->max_depth : VG_JSCAN_MAX_DEPTH;
    scratch_take(&J, opt);
    /* a string's text and NUL fit in its quoted form; +16 for the SIMD store */
    J.sb = vg_arena_alloc(a, n + 16);
    rc = parse(&J, out);
    if (rc != VG_OK && errpos)
        *errpos = J.errpos;
    scratch_done(&J, opt);
    return rc;
}

int vg_jscan_parse_span(const char *s, struct vg_jspan sp, unsigned depth, char ctx,
                        struct vg_arena *a, const struct vg_jscan_opt *opt,
                        const struct vg_jval **out, size_t *errpos, struct vg_err *err)
{
    struct js J;
    unsigned max = opt && opt->max_depth ? opt->max_depth : VG_JSCAN_MAX_DEPTH;
    int rc;
    *out = NULL;
    memset(&J, 0, sizeof(J));
    J.s = (const unsigned char *)(s ? s : "");
    J.start = J.s + sp.off;
    J.end = J.start + sp.len;
    J.a = a;
    J.err = err;
    J.ctx = ctx == '}' || ctx == ']' ? ctx : 0;
    scratch_take(&J, opt);
    if (depth >= max) { /* the value is a level too deep, whatever it is */
        J.errpos = sp.off;
        rc = vg_err_set(err, VG_EJSON, "invalid JSON at byte %zu: nested deeper than %u levels",
                        J.errpos, max);
    } else {
        J.depth0 = depth;
        J.max_depth = max - depth;
        J.sb = vg_arena_alloc(a, (size_t)sp.len + 16);
        rc = parse(&J, out);
    }
    if (rc != VG_OK && errpos)
        *errpos = J.errpos;
    scratch_done(&J, opt);
    return rc;
}

/* ---- the top level without the values: vg_jscan_top ---- */

/* p at '"': the byte past the closing quote, or NULL. */
static const unsigned char *skim_string(const unsigned char *p, const unsigned char *end)
{
    for (p++; p < end; p++) {
        if (*p == '"')
            return p + 1;
        if (*p == '\\' && ++p >= end)
            break;
    }
    return NULL;
}

#ifdef JS_SSE2
/* Bit i set when x[i] == c, over 64 bytes. */
static inline uint64_t eq64(const __m128i x[4], char c)
{
    const __m128i v = _mm_set1_epi8(c);
    uint64_t m = 0;
    for (int k = 0; k < 4; k++)
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x[k], v)) << (16 * k);
    return m;
}

/* The same for x[i] | 0x20 == c: '{' and '[' (0x7B, 0x5B) at once, or '}'
 * and ']' (0x7D, 0x5D); no other byte maps to either. */
static inline uint64_t eq64_fold(const __m128i x[4], char c)
{
    const __m128i v = _mm_set1_epi8(c), bit = _mm_set1_epi8(0x20);
    uint64_t m = 0;
    for (int k = 0; k < 4; k++)
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(x[k], bit), v))
             << (16 * k);
    return m;
}

/* Bit i: an odd number of bits at or below i (the bytes of a string and
 * its opening quote, for quote bits without escapes). */
static inline uint64_t prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}
#endif

/* p at '{' or '[': the byte past the bracket that closes it (brackets of
 * either kind counted alike, those in strings skipped), or NULL at the end
 * first. 64 bytes a step when they hold no backslash; a byte a step else. */
static const unsigned char *skim_container(const unsigned char *p, const unsigned char *end)
{
    size_t depth = 0;
    int instr = 0, esc = 0;
    while (p < end) {
        const unsigned char *stop;
#ifdef JS_SSE2
        if (!esc && end - p >= 64) {
            __m128i x[4];
            for (int k = 0; k < 4; k++)
                x[k] = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
            if (eq64(x, '\\') == 0) {
                uint64_t str = prefix_xor(eq64(x, '"')) ^ (instr ? ~(uint64_t)0 : 0);
                uint64_t open = eq64_fold(x, '{') & ~str;
                uint64_t close = eq64_fold(x, '}') & ~str;
                uint64_t m = open | close;
                instr = (int)(str >> 63);
                while (m) {
                    unsigned b = (unsigned)__builtin_ctzll(m);
                    if (open >> b & 1)
                        depth++;
                    else if (--depth == 0)
                        return p + b + 1;
                    m &= m - 1;
                }
                p += 64;
                continue;
            }
        }
#endif
        for (stop = end - p > 64 ? p + 64 : end; p < stop; p++) {
            unsigned char c = *p;
            if (instr) {
                if (esc)
                    esc = 0;
                else if (c == '\\')
                    esc = 1;
                else if (c == '"')
                    instr = 0;
            } else if (c == '"') {
                instr = 1;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return p + 1;
            }
        }
    }
    return NULL;
}

/* The end of the value at p (not checked, only delimited), or NULL. */
static const unsigned char *skim_value(const unsigned char *p, const unsigned char *end)
{
    const unsigned char *q = p;
    if (p >= end)
        return NULL;
    if (*p == '"')
        return skim_string(p, end);
    if (*p == '{' || *p == '[')
        return skim_container(p, end);
    while (p < end && !is_ws(*p) && *p != ',' && *p != ']' && *p != '}')
        p++;
    return p > q ? p : NULL;
}

static void span_push(struct vg_jspan **v, size_t *n, size_t *cap, const unsigned char *base,
                      const unsigned char *from, const unsigned char *to)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *v = vg_xrealloc(*v, *cap * sizeof(**v));
    }
    (*v)[*n].off = (uint32_t)(from - base);
    (*v)[*n].len = (uint32_t)(to - from);
    (*n)++;
}

int vg_jscan_top(const char *s, size_t n, const char *name, struct vg_jtop *out)
{
    const unsigned char *base = (const unsigned char *)(s ? s : ""), *p = base, *end = base + n;
    size_t nlen = strlen(name), capk = 0, capv = 0, capi = 0, nk = 0;
    memset(out, 0, sizeof(*out));
    out->arr = (size_t)-1;
    if (n >= VG_JSCAN_MAX_BYTES)
        goto bad;
    p = skip_ws(p, end);
    if (p >= end || *p != '{')
        goto bad;
    p = skip_ws(p + 1, end);
    for (;;) {
        const unsigned char *k = p, *v;
        if (p >= end || *p != '"' || (p = skim_string(p, end)) == NULL ||
            memchr(k, '\\', (size_t)(p - k)) != NULL)
            goto bad;
        span_push(&out->key, &nk, &capk, base, k, p);
        p = skip_ws(p, end);
        if (p >= end || *p != ':')
            goto bad;
        v = p = skip_ws(p + 1, end);
        if (out->key[nk - 1].len == nlen + 2 && memcmp(k + 1, name, nlen) == 0 && p < end &&
            *p == '[') {
            if (out->arr != (size_t)-1)
                goto bad;
            out->arr = nk - 1;
            p = skip_ws(p + 1, end);
            if (p < end && *p == ']') {
                p++;
            } else {
                for (;;) {
                    const unsigned char *it = p;
                    if ((p = skim_value(p, end)) == NULL)
                        goto bad;
                    span_push(&out->item, &out->nitem, &capi, base, it, p);
                    p = skip_ws(p, end);
                    if (p < end && *p == ',') {
                        p = skip_ws(p + 1, end);
                        continue;
                    }
                    if (p < end && *p == ']') {
                        p++;
                        break;
                    }
                    goto bad;
                }
            }
        } else if ((p = skim_value(p, end)) == NULL) {
            goto bad;
        }
        span_push(&out->val, &out->nmem, &capv, base, v, p);
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}')
            break;
        goto bad;
    }
    if (skip_ws(p + 1, end) != end)
        goto bad;
    return VG_OK;
bad:
    vg_jtop_free(out);
    out->arr = (size_t)-1;
    return VG_EJSON;
}

void vg_jtop_free(struct vg_jtop *t)
{
    if (t == NULL)
        return;
    free(t->key);
    free(t->val);
    free(t->item);
    memset(t, 0, sizeof(*t));
}

const struct vg_jval *vg_jgetn(const struct vg_jval *o, const char *key, size_t klen)
{
    if (o == NULL || o->type != VG_JOBJ)
        return NULL;
    for (uint32_t i = 0; i < o->n; i++) {
        const struct vg_jmem *m = &o->u.o[i];
        if (m->key.n == klen && memcmp(m->key.u.s, key, klen) == 0)
            return &m->val;
    }
    return NULL;
}

const struct vg_jval *vg_jget(const struct vg_jval *o, const char *key)
{
    return vg_jgetn(o, key, strlen(key));
}

int vg_jonly(const struct vg_jval *obj, const char *const *allowed, const char *prefix,
             struct vg_err *err)
{
    const struct vg_jmem *m;
    size_t i;
    VG_JOBJ_FOREACH(obj, i, m) {
        const char *const *a = allowed;
        char p[160];
        while (*a && strcmp(*a, m->key.u.s) != 0)
            a++;
        if (*a)
            continue;
        if (prefix && *prefix)
            snprintf(p, sizeof(p), "%s.%s", prefix, m->key.u.s);
        else
            snprintf(p, sizeof(p), "%s", m->key.u.s);
        return vg_err_field(err, VG_EUNKNOWN, p, "%s: unknown field", p);
    }
    return VG_OK;
}
