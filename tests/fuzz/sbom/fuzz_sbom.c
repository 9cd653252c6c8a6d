/* libFuzzer driver for engine/sbom: any buffer is read or refused with an
 * error, never a crash; every component found has a path, and a purl when
 * its parsed type is set; and the reader agrees with the jansson-based one it
 * replaced (tests/unit/sbom/sbom_ref.c) on the verdict, the error and every
 * component. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/arena.h"
#include "engine/sbom/sbom.h"
#include "../../unit/sbom/sbom_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_sbom s;
    struct vg_err err = {0};
    const char *why;
    if (vg_sbom_parse((const char *)data, size, a, &s, &err) == VG_OK) {
        for (size_t i = 0; i < s.n; i++)
            if (s.c[i].path == NULL || (s.c[i].p.type != NULL) != (s.c[i].purl != NULL))
                abort();
    } else if (err.msg[0] == '\0') {
        abort(); /* an error always says why */
    }
    vg_arena_free(a);
    if ((why = sbom_diff((const char *)data, size)) != NULL) {
        fprintf(stderr, "sbom: %s\n", why);
        abort();
    }
    return 0;
}
