/* Unit tests for src/core/util: base64 against RFC 4648's examples and
 * against libsodium's encoder on every length from 0 to 200 bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* Pages faulted in ahead of a writer keep every byte it wrote, whether it
 * wrote them before, while or after the faulting got there; small blocks
 * get no thread; stopping early is safe. */
static void test_prefault_keeps_bytes(void **state)
{
    size_t n = (size_t)48 << 20; /* not a multiple of the page: an unaligned tail */
    unsigned char *p = malloc(n + 123);
    struct vg_prefault *f;
    (void)state;
    assert_non_null(p);
    assert_null(vg_prefault_start(p, 4096));
    assert_null(vg_prefault_start(NULL, n));
    for (size_t i = 0; i < ((size_t)1 << 20); i++) /* written before it starts */
        p[i] = (unsigned char)(i * 31 + 7);
    f = vg_prefault_start(p, n + 123);
    for (size_t i = (size_t)1 << 20; i < n + 123; i++) /* and while it runs */
        p[i] = (unsigned char)(i * 31 + 7);
    vg_prefault_end(f);
    for (size_t i = 0; i < n + 123; i++)
        if (p[i] != (unsigned char)(i * 31 + 7))
            fail_msg("byte %zu changed", i);
    vg_prefault_end(vg_prefault_start(p, n)); /* stopped at once */
    vg_prefault_end(NULL);
    free(p);
}

static void test_base64_rfc4648(void **state)
{
    (void)state;
    static const char *const want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                       "Zm9vYmFy"};
    char out[16];
    for (size_t n = 0; n <= 6; n++) {
        vg_base64((const unsigned char *)"foobar", n, out);
        assert_string_equal(out, want[n]);
    }
}

static void test_base64_agrees(void **state)
{
    (void)state;
    unsigned char in[200];
    char ours[4 * 67 + 1], theirs[4 * 67 + 1];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)(i * 151 + 7); /* every byte value's bits */
    for (size_t n = 0; n <= sizeof(in); n++) {
        memset(ours, 'x', sizeof(ours));
        vg_base64(in, n, ours);
        sodium_bin2base64(theirs, sizeof(theirs), in, n, sodium_base64_VARIANT_ORIGINAL);
        assert_string_equal(ours, theirs);
        assert_int_equal(strlen(ours), 4 * ((n + 2) / 3));
    }
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_rfc4648),
        cmocka_unit_test(test_base64_agrees),
        cmocka_unit_test(test_prefault_keeps_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
