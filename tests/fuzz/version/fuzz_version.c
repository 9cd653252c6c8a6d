/* libFuzzer driver for the version schemes: the first byte picks the
 * ecosystem, the rest is split at the first '|' into two versions (a third
 * after a second '|'). Checks: no crash, keys bounded and deterministic,
 * vg_version_cmp agrees with the keys, antisymmetry, transitivity. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/version/version.h"

static int key(int eco, const char *s, size_t n, unsigned char *k, size_t *kl)
{
    struct vg_err err = {0};
    int rc = vg_version_key_buf(eco, s, n, k, VG_VERSION_KEY_MAX, kl, &err);
    if (rc != VG_OK && rc != VG_EINVAL && rc != VG_ETOOBIG)
        abort();
    if (rc == VG_OK && *kl > VG_VERSION_KEY_MAX)
        abort();
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char ka[VG_VERSION_KEY_MAX], kb[VG_VERSION_KEY_MAX], kc[VG_VERSION_KEY_MAX],
        k2[VG_VERSION_KEY_MAX];
    if (size < 1)
        return 0;
    int eco = data[0] % VG_ECO_COUNT;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    const char *bar = memchr(s, '|', n);
    size_t an = bar ? (size_t)(bar - s) : n;
    const char *b = bar ? bar + 1 : s;
    size_t bn = bar ? n - an - 1 : n;
    const char *bar2 = memchr(b, '|', bn);
    const char *c = bar2 ? bar2 + 1 : b;
    size_t cn = bar2 ? bn - (size_t)(bar2 - b) - 1 : bn;
    if (bar2)
        bn = (size_t)(bar2 - b);
    size_t la = 0, lb = 0, lc = 0, l2 = 0;
    int ra = key(eco, s, an, ka, &la);
    if (ra == VG_OK) {
        /* deterministic */
        if (key(eco, s, an, k2, &l2) != VG_OK || l2 != la || memcmp(ka, k2, la) != 0)
            abort();
        (void)vg_version_key_is_prerelease(eco, ka, la);
    }
    int rb = key(eco, b, bn, kb, &lb);
    int rc = key(eco, c, cn, kc, &lc);
    if (ra == VG_OK && rb == VG_OK) {
        int r = 9, r2 = 9;
        struct vg_err err = {0};
        if (vg_version_cmp(eco, s, an, b, bn, &r, &err) != VG_OK)
            abort();
        if (r != vg_key_cmp(ka, la, kb, lb))
            abort();
        if (vg_version_cmp(eco, b, bn, s, an, &r2, &err) != VG_OK || r2 != -r)
            abort();
        if (rc == VG_OK) {
            int ab = vg_key_cmp(ka, la, kb, lb), bc = vg_key_cmp(kb, lb, kc, lc);
            int ac = vg_key_cmp(ka, la, kc, lc);
            if (ab <= 0 && bc <= 0 && ac > 0)
                abort();
        }
    }
    return 0;
}
