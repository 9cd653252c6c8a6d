/* Unit tests for src/core/sha256: FIPS 180-4's examples, and agreement with
 * libsodium's SHA-256 on every length from 0 to 1,100 bytes, fed whole and in
 * pieces, with the SHA extensions (when the processor has them) and with the
 * portable code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "core/util.h"

static void hex_of(const void *p, size_t n, char out[65])
{
    unsigned char h[32];
    vg_sha256(p, n, h);
    vg_hex(h, 32, out);
}

static void known(int best)
{
    char out[65];
    char *million = malloc(1000000);
    vg_sha256_use(best);
    hex_of("", 0, out);
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of("abc", 3, out);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out);
    assert_string_equal(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    assert_non_null(million);
    memset(million, 'a', 1000000);
    hex_of(million, 1000000, out);
    assert_string_equal(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
    vg_sha256_use(1);
}

static void agree(int best)
{
    unsigned char buf[1100], a[32], b[32];
    uint32_t seed = 12345;
    vg_sha256_use(best);
    for (size_t i = 0; i < sizeof(buf); i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (unsigned char)(seed >> 16);
    }
    for (size_t n = 0; n <= sizeof(buf); n++) {
        struct vg_sha256 s;
        size_t off = 0, step = 1 + n % 97;
        crypto_hash_sha256(a, buf, n);
        vg_sha256(buf, n, b);
        assert_memory_equal(a, b, 32);
        vg_sha256_init(&s); /* in pieces of varying sizes */
        while (off < n) {
            size_t k = n - off < step ? n - off : step;
            vg_sha256_update(&s, buf + off, k);
            off += k;
            step = step * 7 % 131 + 1;
        }
        vg_sha256_final(&s, b);
        assert_memory_equal(a, b, 32);
    }
    vg_sha256_use(1);
}

static void test_known_best(void **state)
{
    (void)state;
    known(1);
}

static void test_known_portable(void **state)
{
    (void)state;
    known(0);
}

/* The SHA extensions are used exactly when the processor lists them (Linux
 * on x86-64; elsewhere the portable code always). */
static void test_dispatch(void **state)
{
    int has = 0;
    (void)state;
#if defined(__x86_64__) && defined(__linux__)
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    assert_non_null(f);
    while (!has && fgets(line, sizeof(line), f))
        has = strncmp(line, "flags", 5) == 0 && strstr(line, " sha_ni") != NULL;
    fclose(f);
#endif
    vg_sha256_use(1);
    assert_int_equal(vg_sha256_accel(), has);
    vg_sha256_use(0);
    assert_int_equal(vg_sha256_accel(), 0);
    vg_sha256_use(1);
}

static void test_agree_best(void **state)
{
    (void)state;
    agree(1);
}

static void test_agree_portable(void **state)
{
    (void)state;
    agree(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_best),
        cmocka_unit_test(test_known_portable),
        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_agree_best),
        cmocka_unit_test(test_agree_portable),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
