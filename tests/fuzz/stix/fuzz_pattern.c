/* libFuzzer driver: STIX patterns. Invariants: the canonical text of a
 * parsed pattern parses again to the same canonical text; observables never
 * fail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "engine/stix/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_pat_node *r, *r2;
    struct vg_err err = {0};
    if (vg_stix_pattern_parse((const char *)data, size, a, NULL, &r, &err) == VG_OK) {
        char *f = vg_stix_pattern_format(r, a);
        if (vg_stix_pattern_parse(f, strlen(f), a, NULL, &r2, &err) != VG_OK)
            abort();
        if (strcmp(f, vg_stix_pattern_format(r2, a)) != 0)
            abort();
        struct vg_pat_observable *o;
        size_t n;
        if (vg_stix_pattern_observables(r, a, &o, &n, NULL, &err) != VG_OK)
            abort();
    }
    vg_arena_free(a);
    return 0;
}
