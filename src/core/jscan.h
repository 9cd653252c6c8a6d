/* jscan: a fast, strict JSON reader into an arena-allocated DOM. One pass over
 * the input, no malloc per value: every string (unescaped, NUL-terminated) is
 * written once into one arena buffer, and each array or object becomes one
 * contiguous arena array when it closes. Accepts exactly what vg_json_parse
 * (jansson, duplicates rejected) accepts: one RFC 8259 value, duplicate keys,
 * invalid UTF-8 (overlongs, surrogates, > U+10FFFF), NUL (raw or \u0000),
 * lone surrogate escapes, integers outside int64 and reals that overflow a
 * double are errors, as is any value nested deeper than max_depth levels
 * (the top-level value is level 1; jansson's limit is 2048).
 * Thread-safe: no globals; one arena belongs to one thread.
 * Not for: encoding JSON (build json_t and use vg_json_dump), or modifying a
 * document: the DOM is read-only. */
#ifndef VG_JSCAN_H
#define VG_JSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

#define VG_JSCAN_MAX_DEPTH 2048
/* Inputs must be shorter than this (lengths and counts are 32-bit). */
#define VG_JSCAN_MAX_BYTES ((size_t)UINT32_MAX)

enum vg_jtype {
    VG_JNULL = 0,
    VG_JFALSE,
    VG_JTRUE,
    VG_JINT,  /* a number without fraction or exponent: u.i */
    VG_JREAL, /* a number with a fraction or an exponent: u.d */
    VG_JSTR,  /* u.s, n bytes plus a terminating NUL (never contains NUL) */
    VG_JARR,  /* u.a[0..n) */
    VG_JOBJ,  /* u.o[0..n), in document order; keys are unique */
};

struct vg_jmem;

/* 16 bytes. n counts string bytes, array items or object members. */
struct vg_jval {
    uint8_t type;  /* enum vg_jtype */
    uint8_t plain; /* VG_JSTR: 1 when the text has no byte JSON escapes ('"',
                    * '\\', controls; jscan sets it for strings read without
                    * an escape), so a writer copies it as is; 0: not known */
    uint32_t n;
    union {
        const char *s;
        int64_t i;
        double d;
        const struct vg_jval *a;
        const struct vg_jmem *o;
    } u;
};

struct vg_jmem {
    struct vg_jval key; /* always VG_JSTR */
    struct vg_jval val;
};

struct vg_jscan_keep;

struct vg_jscan_opt {
    unsigned max_depth; /* 0: VG_JSCAN_MAX_DEPTH */
    struct vg_jscan_keep *keep; /* NULL, or the parser's scratch kept between calls */
};

/* The parser's scratch memory (its value stack and the like), kept from one
 * call to the next by the one thread that owns it: for many small values in
 * a row (a bundle's objects one by one), no malloc and free per call. Zero
 * it first; vg_jscan_keep_free when done. */
struct vg_jscan_keep {
    void *v, *koff, *f, *sort, *nbuf;
    size_t cap, fcap, sortcap, nbufcap;
};
void vg_jscan_keep_free(struct vg_jscan_keep *k); /* NULL-safe; empties *k */

/* Parses exactly one JSON value from s[0..n) into a (nodes and strings live
 * until a is freed or reset; about n bytes of strings plus 16 per value). On
 * error *out is NULL and err holds VG_EJSON with "invalid JSON at byte N: why"
 * (VG_ETOOBIG for n >= VG_JSCAN_MAX_BYTES); *errpos (when not NULL) gets N,
 * the offset of the offending byte; what was allocated in a stays there until
 * a is freed. opt may be NULL. Strings never contain NUL, so C string
 * functions see all of them. */
int vg_jscan_parse(const char *s, size_t n, struct vg_arena *a, const struct vg_jscan_opt *opt,
                   const struct vg_jval **out, size_t *errpos, struct vg_err *err);

/* ---- big documents a piece at a time ----
 * An object document whose members (and the items of one array member) are
 * read one by one: vg_jscan_top finds where they are without reading them,
 * vg_jscan_parse_span reads each as the whole text's parse would. A reader
 * that parses every span vg_jscan_top gave, and checks the top-level keys
 * for duplicates, accepts exactly what vg_jscan_parse accepts; the first
 * span that fails (in document order) fails with the message and offset of
 * the whole text's parse (tests/unit/core, tests/fuzz/core/fuzz_jscan.c). */

/* s[off, off + len) */
struct vg_jspan {
    uint32_t off, len;
};

struct vg_jtop {
    struct vg_jspan *key; /* member i's key, with its quotes (no escapes in it) */
    struct vg_jspan *val; /* member i's value */
    size_t nmem;
    size_t arr;            /* the member whose items are in item, or (size_t)-1 */
    struct vg_jspan *item; /* that array's items */
    size_t nitem;
};

/* Finds the members of the object s[0..n) and, when the member `name` is an
 * array, its items: strings, brackets, colons and commas only, no value read
 * (a value is delimited: a string by its quotes, an array or object by its
 * bracket count, anything else by the next comma, bracket or space). VG_OK
 * with *out filled (malloc'd; vg_jtop_free), or VG_EJSON, no message and
 * *out empty, when the text is not laid out so: not an object, brackets that
 * do not close, a key with an escape, `name` twice, anything else around the
 * values that jscan would not accept. VG_OK does not mean valid JSON: parse
 * each span with vg_jscan_parse_span to know that. */
int vg_jscan_top(const char *s, size_t n, const char *name, struct vg_jtop *out);
void vg_jtop_free(struct vg_jtop *t); /* NULL-safe; empties *t */

/* Parses the value at span sp of the text s (a span vg_jscan_top gave),
 * nested in depth containers (1: a member of the top-level object, 2: an
 * item of its array), ctx the bracket that closes its container ('}' or
 * ']'; 0: none, the span is one whole text). As vg_jscan_parse otherwise;
 * offsets in messages and *errpos count from s, the depth limit counts the
 * containers around. */
int vg_jscan_parse_span(const char *s, struct vg_jspan sp, unsigned depth, char ctx,
                        struct vg_arena *a, const struct vg_jscan_opt *opt,
                        const struct vg_jval **out, size_t *errpos, struct vg_err *err);

/* Member `key` of object o, or NULL when o is NULL, not an object, or has no
 * such member. Linear in the members, compared by length first: for objects
 * of thousands of members, iterate with VG_JOBJ_FOREACH instead. */
const struct vg_jval *vg_jget(const struct vg_jval *o, const char *key);
const struct vg_jval *vg_jgetn(const struct vg_jval *o, const char *key, size_t klen);

/* VG_EUNKNOWN naming `prefix.key` (or `key` when prefix is NULL or "") for
 * the first member of object obj not in allowed (NULL-terminated): the check
 * and message of vg_json_only for a jscan document. */
int vg_jonly(const struct vg_jval *obj, const char *const *allowed, const char *prefix,
             struct vg_err *err);

static inline int vg_jis(const struct vg_jval *v, enum vg_jtype t)
{
    return v != NULL && v->type == (uint8_t)t;
}
/* Absent (NULL) or JSON null: what "optional" means for most fields. */
static inline int vg_jnone(const struct vg_jval *v)
{
    return v == NULL || v->type == VG_JNULL;
}
/* The string, or NULL when v is not a string. */
static inline const char *vg_jstr(const struct vg_jval *v)
{
    return vg_jis(v, VG_JSTR) ? v->u.s : NULL;
}
/* Item i of array v, or NULL when v is not an array or i is out of range. */
static inline const struct vg_jval *vg_jat(const struct vg_jval *v, size_t i)
{
    return vg_jis(v, VG_JARR) && i < v->n ? &v->u.a[i] : NULL;
}
/* Items of an array, members of an object, 0 for anything else. */
static inline size_t vg_jsize(const struct vg_jval *v)
{
    return v != NULL && (v->type == VG_JARR || v->type == VG_JOBJ) ? v->n : 0;
}
/* Either kind of number as a double (an int64 may round); 0 for the rest. */
static inline double vg_jnum(const struct vg_jval *v)
{
    return vg_jis(v, VG_JINT) ? (double)v->u.i : vg_jis(v, VG_JREAL) ? v->u.d : 0.0;
}

/* for (i, item) over an array (no iterations when arr is not an array). */
#define VG_JARR_FOREACH(arr, i, item)                                                          \
    for ((i) = 0; (i) < vg_jsize(arr) && vg_jis((arr), VG_JARR) && ((item) = &(arr)->u.a[i], 1); \
         (i)++)
/* for (i, member) over an object; member->key.u.s, member->val. */
#define VG_JOBJ_FOREACH(obj, i, mem)                                                           \
    for ((i) = 0; (i) < vg_jsize(obj) && vg_jis((obj), VG_JOBJ) && ((mem) = &(obj)->u.o[i], 1); \
         (i)++)

#endif
