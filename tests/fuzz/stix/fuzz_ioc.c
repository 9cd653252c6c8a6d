/* libFuzzer driver: indicator normalisation and the index. The first byte
 * picks the type. Invariants: normalisation is idempotent, and a value added
 * to the index is found by its own lookup. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stix/ioc.h"
#include "engine/stix/ioc_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum vg_ioc_type t = (enum vg_ioc_type)(data[0] % VG_IOC_TYPE_COUNT);
    const char *v = (const char *)data + 1;
    size_t n = size - 1;
    static char out[VG_IOC_MAX + 1], out2[VG_IOC_MAX + 1];
    size_t on, on2;
    vg_ioc_guess(v, n);
    if (vg_ioc_normalize(t, v, n, out, sizeof(out), &on, NULL) != VG_OK)
        return 0;
    if (vg_ioc_normalize(t, out, on, out2, sizeof(out2), &on2, NULL) != VG_OK || on != on2 ||
        memcmp(out, out2, on) != 0)
        abort();
    struct vg_ioc_index *ix = vg_ioc_index_new(7, 9);
    struct vg_ioc_hit h[4];
    size_t nh;
    if (vg_ioc_index_add(ix, t, v, n, 1, VG_IOC_FOREVER, NULL) != VG_OK)
        abort();
    if (vg_ioc_index_lookup(ix, t, out, on, 0, h, 4, &nh, NULL) != VG_OK || nh < 1)
        abort();
    vg_ioc_index_free(ix);
    return 0;
}
