/* Differential check of engine/sbom against its jansson-based reference
 * (sbom_ref.c): the same verdict, error code, field and message (the JSON
 * syntax message aside: jscan words it its own way), and the same component
 * list field by field. Shared by tests/unit/sbom and tests/fuzz/sbom. */
#ifndef VG_TESTS_SBOM_REF_H
#define VG_TESTS_SBOM_REF_H

#include <string.h>

#include "core/arena.h"
#include "engine/sbom/sbom.h"

int vg_sbom_parse_ref(const char *buf, size_t n, struct vg_arena *a, struct vg_sbom *out,
                      struct vg_err *err);

static inline int sbom_str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* NULL when both readers agree on buf[0..n), else what differs. */
static inline const char *sbom_diff(const char *buf, size_t n)
{
    struct vg_arena *a1 = vg_arena_new(0), *a2 = vg_arena_new(0);
    struct vg_sbom s1, s2;
    struct vg_err e1 = {0}, e2 = {0};
    const char *why = NULL;
    int r1 = vg_sbom_parse_ref(buf, n, a1, &s1, &e1);
    int r2 = vg_sbom_parse(buf, n, a2, &s2, &e2);
    if (r1 != r2) {
        why = "return codes differ";
    } else if (r1 != VG_OK) {
        if (e1.code != e2.code)
            why = "error codes differ";
        else if (e2.msg[0] == '\0')
            why = "error without a message";
        else if (r1 != VG_EJSON && (strcmp(e1.field, e2.field) != 0 || strcmp(e1.msg, e2.msg) != 0))
            why = "error field or message differs";
    } else if (s1.format != s2.format || !sbom_str_eq(s1.spec_version, s2.spec_version) ||
               s1.n != s2.n) {
        why = "format, spec version or component count differs";
    } else {
        for (size_t i = 0; i < s1.n && !why; i++) {
            const struct vg_sbom_component *c1 = &s1.c[i], *c2 = &s2.c[i];
            if (!sbom_str_eq(c1->name, c2->name) || !sbom_str_eq(c1->group, c2->group) ||
                !sbom_str_eq(c1->version, c2->version) || !sbom_str_eq(c1->purl, c2->purl) ||
                !sbom_str_eq(c1->path, c2->path) || c1->eco != c2->eco ||
                !sbom_str_eq(c1->ecosystem, c2->ecosystem))
                why = "a component differs";
            else if (!sbom_str_eq(c1->p.type, c2->p.type) || !sbom_str_eq(c1->p.ns, c2->p.ns) ||
                     !sbom_str_eq(c1->p.name, c2->p.name) ||
                     !sbom_str_eq(c1->p.version, c2->p.version) ||
                     !sbom_str_eq(c1->p.subpath, c2->p.subpath) || c1->p.nquals != c2->p.nquals)
                why = "a parsed purl differs";
            for (size_t q = 0; !why && q < c1->p.nquals; q++)
                if (!sbom_str_eq(c1->p.quals[q].key, c2->p.quals[q].key) ||
                    !sbom_str_eq(c1->p.quals[q].value, c2->p.quals[q].value))
                    why = "a purl qualifier differs";
        }
    }
    vg_arena_free(a1);
    vg_arena_free(a2);
    return why;
}

#endif
