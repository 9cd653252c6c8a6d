/* SHA-256 through OpenSSL's libcrypto, which uses the CPU's SHA extensions
 * where it has them: libsodium's portable SHA-256 took 24 us for a 3 KB case
 * document and libcrypto 3.4 us, and a case submission hashes its body, its
 * document and its audit entry (twice), most of it inside the writer's
 * serial section. Not for: anything keyed (libsodium). */
#include "service/digest.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>

static EVP_MD *sha256_md; /* set once, then read only */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    /* fetched once: EVP_sha256() would look the implementation up per call */
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void vg__sha256(const void *p, size_t n, unsigned char out[32])
{
    unsigned int len = 0;
    pthread_once(&sha256_once, sha256_fetch);
    if (sha256_md && EVP_Digest(p, n, out, &len, sha256_md, NULL) == 1 && len == 32)
        return;
    crypto_hash_sha256(out, (const unsigned char *)p, n);
}
