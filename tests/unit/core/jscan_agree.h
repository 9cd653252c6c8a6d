/* Agreement of jscan with vg_json_parse (jansson), shared by the unit tests
 * and the libFuzzer driver: the same accept/reject verdict, and when both
 * accept, the same document (types, int64 values, real bits, string bytes,
 * array order, object members). */
#ifndef VG_TESTS_JSCAN_AGREE_H
#define VG_TESTS_JSCAN_AGREE_H

#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/jscan.h"

/* 1 when jscan's v and jansson's j are the same document. */
static inline int jscan_same(const struct vg_jval *v, const json_t *j)
{
    size_t i;
    switch (v->type) {
    case VG_JNULL:
        return json_is_null(j);
    case VG_JTRUE:
        return json_is_true(j);
    case VG_JFALSE:
        return json_is_false(j);
    case VG_JINT:
        return json_is_integer(j) && json_integer_value(j) == v->u.i;
    case VG_JREAL: {
        double d;
        if (!json_is_real(j))
            return 0;
        d = json_real_value(j);
        return memcmp(&d, &v->u.d, sizeof(d)) == 0;
    }
    case VG_JSTR:
        return json_is_string(j) && json_string_length(j) == v->n &&
               memcmp(json_string_value(j), v->u.s, v->n) == 0 && v->u.s[v->n] == '\0';
    case VG_JARR:
        if (!json_is_array(j) || json_array_size(j) != v->n)
            return 0;
        for (i = 0; i < v->n; i++)
            if (!jscan_same(&v->u.a[i], json_array_get(j, i)))
                return 0;
        return 1;
    case VG_JOBJ:
        if (!json_is_object(j) || json_object_size(j) != v->n)
            return 0;
        for (i = 0; i < v->n; i++) {
            const struct vg_jmem *m = &v->u.o[i];
            json_t *jv = json_object_getn(j, m->key.u.s, m->key.n);
            if (m->key.type != VG_JSTR || m->key.u.s[m->key.n] != '\0' || jv == NULL ||
                !jscan_same(&m->val, jv) || vg_jgetn(v, m->key.u.s, m->key.n) != &m->val)
                return 0;
        }
        return 1;
    }
    return 0;
}

/* 0 when jscan and vg_json_parse agree on s[0..n), else a short reason.
 * *accepted (may be NULL) gets the common verdict. */
static inline const char *jscan_agree(const char *s, size_t n, int *accepted)
{
    struct vg_arena *a = vg_arena_new(0);
    const struct vg_jval *v = NULL;
    json_t *j = NULL;
    struct vg_err e1 = {0}, e2 = {0};
    size_t pos = (size_t)-1;
    const char *why = NULL;
    int r1 = vg_json_parse(s, n, &j, &e1);
    int r2 = vg_jscan_parse(s, n, a, NULL, &v, &pos, &e2);
    if (accepted)
        *accepted = r2 == VG_OK;
    if ((r1 == VG_OK) != (r2 == VG_OK))
        why = r1 == VG_OK ? "jansson accepts, jscan rejects" : "jansson rejects, jscan accepts";
    else if (r2 != VG_OK && (e2.code != VG_EJSON || e2.msg[0] == '\0' || pos > n || v != NULL))
        why = "jscan error without code, message or offset in the input";
    else if (r2 == VG_OK && !jscan_same(v, j))
        why = "both accept, different documents";
    json_decref(j);
    vg_arena_free(a);
    return why;
}

/* 1 when two jscan documents are the same (types, values, string bytes,
 * members in order). */
static inline int jval_same(const struct vg_jval *x, const struct vg_jval *y)
{
    if (x->type != y->type)
        return 0;
    if ((x->type == VG_JSTR || x->type == VG_JARR || x->type == VG_JOBJ) && x->n != y->n)
        return 0; /* n is set for these only */
    switch (x->type) {
    case VG_JINT:
        return x->u.i == y->u.i;
    case VG_JREAL:
        return memcmp(&x->u.d, &y->u.d, sizeof(x->u.d)) == 0;
    case VG_JSTR:
        return x->plain == y->plain && memcmp(x->u.s, y->u.s, x->n + 1) == 0;
    case VG_JARR:
        for (uint32_t i = 0; i < x->n; i++)
            if (!jval_same(&x->u.a[i], &y->u.a[i]))
                return 0;
        return 1;
    case VG_JOBJ:
        for (uint32_t i = 0; i < x->n; i++)
            if (!jval_same(&x->u.o[i].key, &y->u.o[i].key) ||
                !jval_same(&x->u.o[i].val, &y->u.o[i].val))
                return 0;
        return 1;
    default:
        return 1;
    }
}

/* What reading s[0..n) a piece at a time (vg_jscan_top over the member
 * `name`, then vg_jscan_parse_span of each key, value and item in document
 * order, as service/indicators.c does) says, checked against the whole
 * parse: 0 when they agree, else a short reason. When the top level is
 * read, its keys and values parse and no key is there twice (else the
 * reader parses the whole text: nothing to compare), the first item that
 * fails must fail with the whole parse's code, message and offset; when
 * none fails, the whole parse must accept, with the same members and
 * items. *how (may be NULL): 0 the reader would parse the whole text, 1 an
 * item failed as the whole parse did, 2 both accepted. */
static inline const char *jscan_spans_agree(const char *s, size_t n, const char *name, int *how)
{
    struct vg_arena *a = vg_arena_new(0);
    const struct vg_jval *whole = NULL, *v;
    struct vg_err ew = {0};
    size_t pw = (size_t)-1;
    struct vg_jtop t;
    const char *why = NULL;
    int rw = vg_jscan_parse(s, n, a, NULL, &whole, &pw, &ew);
    struct vg_jscan_keep keep = {0};
    const struct vg_jscan_opt keep_opt = {.keep = &keep};
    if (how)
        *how = 0;
    if (vg_jscan_top(s, n, name, &t) != VG_OK) {
        if (t.key || t.val || t.item || t.nmem || t.nitem || t.arr != (size_t)-1)
            why = "vg_jscan_top failed but left spans";
        goto out;
    }
    if (t.nmem == 0 || t.key == NULL || t.val == NULL || (t.arr != (size_t)-1 && t.arr >= t.nmem))
        why = "vg_jscan_top: members out of step";
    for (size_t i = 0; why == NULL && i < t.nmem; i++) {
        struct vg_err e = {0};
        const struct vg_jval *k;
        if (vg_jscan_parse_span(s, t.key[i], 1, 0, a, NULL, &k, NULL, &e) != VG_OK)
            goto out; /* read whole */
        if (k->type != VG_JSTR)
            why = "a key span that is not a string";
        for (size_t j = 0; why == NULL && j < i; j++) {
            const struct vg_jval *kj;
            if (vg_jscan_parse_span(s, t.key[j], 1, 0, a, NULL, &kj, NULL, &e) == VG_OK &&
                kj->n == k->n && memcmp(kj->u.s, k->u.s, k->n) == 0)
                goto out; /* a key twice: read whole */
        }
        if (i != t.arr && vg_jscan_parse_span(s, t.val[i], 1, '}', a, NULL, &v, NULL, &e) != VG_OK)
            goto out;
    }
    for (size_t i = 0; why == NULL && i < t.nitem; i++) {
        struct vg_err e = {0};
        size_t pos = (size_t)-1;
        /* the parser's scratch kept from one item to the next, as the service does */
        if (vg_jscan_parse_span(s, t.item[i], 2, ']', a, &keep_opt, &v, &pos, &e) != VG_OK) {
            if (how)
                *how = 1;
            if (rw == VG_OK)
                why = "an item fails, the whole parse accepts";
            else if (e.code != ew.code || pos != pw || strcmp(e.msg, ew.msg) != 0)
                why = "an item fails otherwise than the whole parse";
            goto out;
        }
        if (rw == VG_OK) {
            const struct vg_jval *arr = &whole->u.o[t.arr].val;
            if (arr->type != VG_JARR || arr->n != t.nitem || !jval_same(v, &arr->u.a[i]))
                why = "an item reads otherwise than in the whole parse";
        }
    }
    if (why == NULL) {
        if (how)
            *how = 2;
        if (rw != VG_OK)
            why = "every span parses, the whole parse rejects";
        else if (whole->type != VG_JOBJ || whole->n != t.nmem ||
                 (t.arr != (size_t)-1 && (whole->u.o[t.arr].val.type != VG_JARR ||
                                          whole->u.o[t.arr].val.n != t.nitem)))
            why = "the members differ from the whole parse's";
        for (size_t i = 0; why == NULL && i < t.nmem; i++) {
            struct vg_err e = {0};
            const struct vg_jval *k;
            if (vg_jscan_parse_span(s, t.key[i], 1, 0, a, NULL, &k, NULL, &e) != VG_OK ||
                !jval_same(k, &whole->u.o[i].key))
                why = "a key reads otherwise than in the whole parse";
            else if (i != t.arr &&
                     (vg_jscan_parse_span(s, t.val[i], 1, '}', a, NULL, &v, NULL, &e) != VG_OK ||
                      !jval_same(v, &whole->u.o[i].val)))
                why = "a value reads otherwise than in the whole parse";
        }
    }
out:
    vg_jscan_keep_free(&keep);
    vg_jtop_free(&t);
    vg_arena_free(a);
    return why;
}

#endif
