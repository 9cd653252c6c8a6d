/* libFuzzer driver: STIX bundle/object JSON through parse and validation.
 * Invariant: a document that validates still validates after a canonical
 * re-encoding, with the same object count. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "engine/stix/stix.h"
#include "engine/stix/tlp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_stix_bundle b, b2;
    struct vg_err err = {0};
    if (vg_stix_parse_bundle((const char *)data, size, VG_STIX_KEEP_INVALID, a, &b, &err) ==
        VG_OK) {
        for (size_t i = 0; i < b.n; i++) {
            enum vg_tlp t;
            vg_tlp_of_object(b.objects[i].json, &t);
        }
    }
    vg_err_clear(&err);
    if (vg_stix_parse_bundle((const char *)data, size, 0, a, &b, &err) == VG_OK) {
        size_t n;
        char *canon = vg_json_canonical(b.root, &n);
        if (vg_stix_parse_bundle(canon, n, 0, a, &b2, &err) != VG_OK || b2.n != b.n)
            abort();
        free(canon);
    }
    vg_arena_free(a);
    return 0;
}
