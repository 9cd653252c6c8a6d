/* Unit tests for src/core/util: base64 against RFC 4648's examples and
 * against libsodium's encoder on every length from 0 to 200 bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "core/util.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
