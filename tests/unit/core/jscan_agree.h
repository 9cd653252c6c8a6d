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

#endif
