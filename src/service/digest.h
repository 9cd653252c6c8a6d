/* SHA-256 for the service layer's per-request hashing: submission bodies,
 * stored case documents, the audit chain. Not for: keys, signatures, MACs
 * or token hashes (libsodium). */
#ifndef VG_SERVICE_DIGEST_H
#define VG_SERVICE_DIGEST_H

#include <stddef.h>

/* out = SHA-256(p[0..n)). Thread-safe; never fails (libsodium's code is the
 * fallback when libcrypto has no SHA-256 to give). */
void vg__sha256(const void *p, size_t n, unsigned char out[32]);

#endif
