/* libFuzzer driver: STIX bundle/object JSON through parse and validation.
 * Invariants: a document that validates still validates after re-encoding
 * (vg_stix_json_write, the stored form), with the same object count, and
 * re-encoding the re-read document gives the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
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
        struct vg_buf t1 = {0}, t2 = {0};
        vg_stix_json_write(b.root, &t1);
        if (vg_stix_parse_bundle(t1.p, t1.n, 0, a, &b2, &err) != VG_OK || b2.n != b.n)
            abort();
        vg_stix_json_write(b2.root, &t2);
        if (t1.n != t2.n || memcmp(t1.p, t2.p, t1.n) != 0)
            abort();
        vg_buf_free(&t1);
        vg_buf_free(&t2);
    }
    vg_arena_free(a);
    return 0;
}
