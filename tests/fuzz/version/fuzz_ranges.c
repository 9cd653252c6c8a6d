/* libFuzzer driver for range syntax: the first byte picks vers or npm
 * syntax, the input up to the first TAB is the range, the rest a version.
 * Checks: no crash or leak, intervals sorted and disjoint, each included
 * lower bound is inside the set, membership agrees with a linear scan. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "engine/version/range.h"

static int linear(const struct vg_ranges *r, const unsigned char *k, size_t kl)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct vg_interval *iv = &r->iv[i];
        if (!(iv->flags & VG_IV_LO_UNBOUNDED)) {
            int c = vg_key_cmp(k, kl, iv->lo, iv->lolen);
            if (c < 0 || (c == 0 && !(iv->flags & VG_IV_LO_INCL)))
                continue;
        }
        if (!(iv->flags & VG_IV_HI_UNBOUNDED)) {
            int c = vg_key_cmp(k, kl, iv->hi, iv->hilen);
            if (c > 0 || (c == 0 && !(iv->flags & VG_IV_HI_INCL)))
                continue;
        }
        if ((iv->flags & VG_IV_NO_PRERELEASE) && vg_version_key_is_prerelease(r->eco, k, kl))
            return 0;
        return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int npm = data[0] & 1;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    const char *tab = memchr(s, '\t', n);
    size_t rn = tab ? (size_t)(tab - s) : n;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_ranges r;
    struct vg_err err = {0};
    int rc = npm ? vg_ranges_from_npm(VG_ECO_NPM, s, rn, a, &r, &err)
                 : vg_ranges_from_vers(s, rn, a, &r, &err);
    if (rc == VG_OK) {
        for (size_t i = 0; i + 1 < r.n; i++) {
            const struct vg_interval *x = &r.iv[i], *y = &r.iv[i + 1];
            if ((x->flags & VG_IV_HI_UNBOUNDED) || (y->flags & VG_IV_LO_UNBOUNDED))
                abort();
            int c = vg_key_cmp(x->hi, x->hilen, y->lo, y->lolen);
            if (c > 0 || (c == 0 && (x->flags & VG_IV_HI_INCL) && (y->flags & VG_IV_LO_INCL)))
                abort();
        }
        for (size_t i = 0; i < r.n; i++) {
            const struct vg_interval *x = &r.iv[i];
            if ((x->flags & VG_IV_LO_INCL) && !(x->flags & VG_IV_NO_PRERELEASE) &&
                !vg_ranges_contain(&r, x->lo, x->lolen))
                abort();
        }
        if (tab) {
            unsigned char k[VG_VERSION_KEY_MAX];
            size_t kl;
            if (vg_version_key_buf(r.eco, tab + 1, n - rn - 1, k, sizeof(k), &kl, &err) == VG_OK &&
                vg_ranges_contain(&r, k, kl) != linear(&r, k, kl))
                abort();
        }
    }
    vg_arena_free(a);
    return 0;
}
