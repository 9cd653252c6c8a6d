/* SHA-256 as FIPS 180-4 defines it. Two compression functions: the portable
 * one, and one with the SHA-NI instructions (sha256rnds2 does two rounds,
 * sha256msg1/msg2 the message schedule) chosen at run time by CPUID. Both are
 * checked against libsodium on many lengths by the unit tests. */
#include "sha256.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VG_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

typedef void compress_fn(uint32_t h[8], const unsigned char *p, size_t nblocks);

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void compress_c(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
    for (; nblocks--; p += 64) {
        uint32_t w[64], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
                        hh = h[7];
        int t;
        for (t = 0; t < 16; t++)
            w[t] = be32(p + 4 * t);
        for (; t < 64; t++) {
            uint32_t s0 = ROR(w[t - 15], 7) ^ ROR(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = ROR(w[t - 2], 17) ^ ROR(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        for (t = 0; t < 64; t++) {
            uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[t] +
                          w[t];
            uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
    }
}

#ifdef VG_SHA_NI
/* The state lives in two registers, ABEF and CDGH, as sha256rnds2 wants it;
 * each group of four rounds adds K to four schedule words, and the words of
 * group g >= 4 come from groups g-4 .. g-1 (msg1: W[t-16] + s0(W[t-15]);
 * alignr: W[t-7]; msg2: + s1(W[t-2])). */
__attribute__((target("sha,sse4.1,ssse3"))) static void
compress_ni(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i t = _mm_loadu_si128((const __m128i *)(const void *)&h[0]); /* a b c d */
    __m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)&h[4]); /* e f g h */
    __m128i s0;
    t = _mm_shuffle_epi32(t, 0xB1);         /* b a d c */
    s1 = _mm_shuffle_epi32(s1, 0x1B);       /* h g f e */
    s0 = _mm_alignr_epi8(t, s1, 8);         /* ABEF */
    s1 = _mm_blend_epi16(s1, t, 0xF0);      /* CDGH */
    for (; nblocks--; p += 64) {
        __m128i save0 = s0, save1 = s1, w[4], m;
        for (int g = 0; g < 16; g++) {
            __m128i x;
            if (g < 4) {
                x = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)),
                                     bswap);
            } else {
                x = _mm_sha256msg1_epu32(w[(g - 4) & 3], w[(g - 3) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g - 1) & 3], w[(g - 2) & 3], 4));
                x = _mm_sha256msg2_epu32(x, w[(g - 1) & 3]);
            }
            w[g & 3] = x;
            m = _mm_add_epi32(x, _mm_loadu_si128((const __m128i *)(const void *)&K[4 * g]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, m);
            m = _mm_shuffle_epi32(m, 0x0E);
            s0 = _mm_sha256rnds2_epu32(s0, s1, m);
        }
        s0 = _mm_add_epi32(s0, save0);
        s1 = _mm_add_epi32(s1, save1);
    }
    t = _mm_shuffle_epi32(s0, 0x1B);        /* F E B A */
    s1 = _mm_shuffle_epi32(s1, 0xB1);       /* D C H G */
    s0 = _mm_blend_epi16(t, s1, 0xF0);      /* a b c d */
    s1 = _mm_alignr_epi8(s1, t, 8);         /* e f g h */
    _mm_storeu_si128((__m128i *)(void *)&h[0], s0);
    _mm_storeu_si128((__m128i *)(void *)&h[4], s1);
}

static int cpu_has_sha(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9)))
        return 0; /* SSE4.1, SSSE3 */
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 29) & 1;
}
#endif

static compress_fn *_Atomic compress;
static int accel;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static void probe(void)
{
#ifdef VG_SHA_NI
    accel = cpu_has_sha();
#endif
}

void vg_sha256_use(int best)
{
    pthread_once(&probe_once, probe);
#ifdef VG_SHA_NI
    atomic_store_explicit(&compress, best && accel ? compress_ni : compress_c,
                          memory_order_relaxed);
#else
    (void)best;
    atomic_store_explicit(&compress, compress_c, memory_order_relaxed);
#endif
}

static compress_fn *pick(void)
{
    compress_fn *f = atomic_load_explicit(&compress, memory_order_relaxed);
    if (!f) {
        vg_sha256_use(1);
        f = atomic_load_explicit(&compress, memory_order_relaxed);
    }
    return f;
}

int vg_sha256_accel(void)
{
    return pick() != compress_c;
}

void vg_sha256_init(struct vg_sha256 *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof(iv));
    s->len = 0;
    s->nblk = 0;
}

void vg_sha256_update(struct vg_sha256 *s, const void *data, size_t n)
{
    const unsigned char *p = data;
    compress_fn *f = pick();
    s->len += n;
    if (s->nblk) {
        size_t k = 64 - s->nblk < n ? 64 - s->nblk : n;
        memcpy(s->blk + s->nblk, p, k);
        s->nblk += k;
        p += k;
        n -= k;
        if (s->nblk < 64)
            return;
        f(s->h, s->blk, 1);
        s->nblk = 0;
    }
    if (n >= 64) {
        f(s->h, p, n / 64);
        p += n & ~(size_t)63;
        n &= 63;
    }
    if (n) {
        memcpy(s->blk, p, n);
        s->nblk = n;
    }
}

void vg_sha256_final(struct vg_sha256 *s, unsigned char out[32])
{
    uint64_t bits = s->len * 8;
    compress_fn *f = pick();
    s->blk[s->nblk++] = 0x80;
    if (s->nblk > 56) {
        memset(s->blk + s->nblk, 0, 64 - s->nblk);
        f(s->h, s->blk, 1);
        s->nblk = 0;
    }
    memset(s->blk + s->nblk, 0, 56 - s->nblk);
    for (int i = 0; i < 8; i++)
        s->blk[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    f(s->h, s->blk, 1);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(s->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)s->h[i];
    }
    memset(s, 0, sizeof(*s));
}

void vg_sha256(const void *p, size_t n, unsigned char out[32])
{
    struct vg_sha256 s;
    vg_sha256_init(&s);
    vg_sha256_update(&s, p, n);
    vg_sha256_final(&s, out);
}
