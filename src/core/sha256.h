/* SHA-256 (FIPS 180-4), with the x86 SHA extensions when the processor has
 * them: a body's digest (the audit entry of a bulk ingest, a case's receipt)
 * costs about a tenth of the portable code's time there. */
#ifndef VG_SHA256_H
#define VG_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct vg_sha256 {
    uint32_t h[8];
    uint64_t len;            /* bytes hashed so far */
    unsigned char blk[64];   /* a partial block */
    size_t nblk;
};

void vg_sha256_init(struct vg_sha256 *s);
void vg_sha256_update(struct vg_sha256 *s, const void *p, size_t n);
void vg_sha256_final(struct vg_sha256 *s, unsigned char out[32]);
void vg_sha256(const void *p, size_t n, unsigned char out[32]);

/* Which compression function is used: 1 for the SHA extensions, 0 for the
 * portable one. vg_sha256_use(0) forces the portable one (tests); (1) goes
 * back to the processor's best. */
int vg_sha256_accel(void);
void vg_sha256_use(int best);

#endif
