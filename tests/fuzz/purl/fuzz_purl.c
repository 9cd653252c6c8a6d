/* libFuzzer driver for engine/purl: parse (lenient and strict) must never
 * crash; a parsed purl's canonical form must parse again to the same
 * canonical form (idempotence). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "engine/purl/purl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_purl p, q;
    char *c1, *c2;
    size_t n1, n2;

    (void)vg_purl_parse_ex((const char *)data, size, VG_PURL_STRICT, a, &p, NULL);
    if (vg_purl_parse((const char *)data, size, a, &p, NULL) == VG_OK) {
        if (vg_purl_build(&p, a, &c1, &n1, NULL) != VG_OK)
            abort(); /* a parse result must build */
        if (vg_purl_parse(c1, n1, a, &q, NULL) != VG_OK) {
            fprintf(stderr, "canonical form does not parse: %s\n", c1);
            abort();
        }
        if (vg_purl_build(&q, a, &c2, &n2, NULL) != VG_OK || n1 != n2 || memcmp(c1, c2, n1)) {
            fprintf(stderr, "canonical form not stable: %s\n", c1);
            abort();
        }
    }
    vg_arena_free(a);
    return 0;
}
