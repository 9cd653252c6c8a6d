/* Unit tests for src/core: arena, buffer, error record, strict JSON, time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <stdlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

static int cleaned;
static void on_clean(void *p)
{
    cleaned += *(int *)p;
}

static void test_arena(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new(256);
    int one = 1, two = 2;
    char *s = vg_arena_strdup(a, "hello");
    assert_string_equal(s, "hello");
    void *p = vg_arena_alloc(a, 3);
    assert_true(((uintptr_t)p & 15) == 0);
    char *big = vg_arena_alloc(a, 100000); /* own chunk */
    memset(big, 'x', 100000);
    for (int i = 0; i < 1000; i++)
        assert_non_null(vg_arena_printf(a, "n=%d", i));
    assert_string_equal(vg_arena_printf(a, "%s-%d", "a", 7), "a-7");
    assert_string_equal(s, "hello"); /* survives growth */
    vg_arena_cleanup(a, on_clean, &one);
    vg_arena_cleanup(a, on_clean, &two);
    cleaned = 0;
    vg_arena_reset(a);
    assert_int_equal(cleaned, 3);
    assert_int_equal(vg_arena_used(a), 0);
    assert_string_equal(vg_arena_strndup(a, "abcdef", 3), "abc");
    vg_arena_free(a);
    vg_arena_free(NULL);
}

static void test_buf(void **state)
{
    (void)state;
    struct vg_buf b = {0};
    for (int i = 0; i < 1000; i++)
        vg_buf_printf(&b, "%d,", i);
    assert_true(b.n > 3000);
    assert_memory_equal(b.p, "0,1,2,", 6);
    vg_buf_reset(&b);
    vg_buf_puts(&b, "x");
    vg_buf_putc(&b, 'y');
    assert_string_equal(b.p, "xy");
    size_t n;
    char *s = vg_buf_steal(&b, &n);
    assert_int_equal(n, 2);
    assert_null(b.p);
    free(s);
    vg_buf_free(&b);
}

/* vg_buf_put_jstr against the escaping rule spelled out byte by byte: a
 * byte to escape (or two) at every offset of strings of 0..40 bytes, so the
 * word-at-a-time scan meets it in every lane, in the overlapping last word
 * and in the byte loop; appended after earlier text (the length and the
 * NUL kept). */
static void jstr_ref(struct vg_buf *b, const unsigned char *s, size_t n)
{
    vg_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c == '"' || c == '\\')
            vg_buf_printf(b, "\\%c", c);
        else if (c == '\b')
            vg_buf_puts(b, "\\b");
        else if (c == '\f')
            vg_buf_puts(b, "\\f");
        else if (c == '\n')
            vg_buf_puts(b, "\\n");
        else if (c == '\r')
            vg_buf_puts(b, "\\r");
        else if (c == '\t')
            vg_buf_puts(b, "\\t");
        else if (c < 0x20)
            vg_buf_printf(b, "\\u%04X", c);
        else
            vg_buf_putc(b, (char)c);
    }
    vg_buf_putc(b, '"');
}

static void test_buf_jstr(void **state)
{
    (void)state;
    static const unsigned char odd[] = {'"', '\\', 0x01, '\n', 0x1f, '\t', 0x20, 0x7f, 0x80, 0xc3,
                                        0xff, '!', 0x5d, 0x21, 0x1e};
    unsigned char s[48];
    for (size_t n = 0; n <= 40; n++)
        for (size_t at = 0; at <= n; at++)
            for (size_t k = 0; k < sizeof(odd); k++) {
                struct vg_buf got = {0}, want = {0};
                for (size_t i = 0; i < n; i++)
                    s[i] = (unsigned char)('a' + i % 26);
                if (at < n)
                    s[at] = odd[k];
                if (n > 2 && k % 3 == 0)
                    s[n - 1 - at % 2] = odd[(k + at) % sizeof(odd)];
                vg_buf_puts(&got, "pre");
                vg_buf_puts(&want, "pre");
                vg_buf_put_jstr(&got, (const char *)s, n);
                jstr_ref(&want, s, n);
                assert_int_equal(got.n, want.n);
                assert_string_equal(got.p, want.p);
                vg_buf_free(&got);
                vg_buf_free(&want);
            }
}

static void test_err(void **state)
{
    (void)state;
    struct vg_err e = {0};
    assert_int_equal(vg_err_field(&e, VG_EINVAL, "tlp", "tlp: bad %d", 1), VG_EINVAL);
    assert_int_equal(vg_err_set(&e, VG_ENOTFOUND, "second"), VG_ENOTFOUND);
    assert_int_equal(e.code, VG_EINVAL); /* first wins */
    assert_string_equal(e.field, "tlp");
    assert_string_equal(e.msg, "tlp: bad 1");
    assert_string_equal(vg_err_name(VG_EUNKNOWN), "unknown_field");
    assert_int_equal(vg_err_set(NULL, VG_EIO, "x"), VG_EIO);
}

static void test_json_strict(void **state)
{
    (void)state;
    struct vg_err e = {0};
    json_t *v = NULL;
    assert_int_equal(vg_json_parse("{\"a\":1,\"a\":2}", 13, &v, &e), VG_EJSON);
    vg_err_clear(&e);
    assert_int_equal(vg_json_parse("{\"a\":\"\xff\"}", 9, &v, &e), VG_EJSON);
    vg_err_clear(&e);
    assert_int_equal(vg_json_parse("{\"a\":1", 6, &v, &e), VG_EJSON);
    vg_err_clear(&e);
    assert_int_equal(vg_json_parse("{} x", 4, &v, &e), VG_EJSON);
    vg_err_clear(&e);
    assert_int_equal(vg_json_parse("", 0, &v, &e), VG_EJSON);
    vg_err_clear(&e);
    const char *ok = "{\"name\":\"x\",\"n\":5,\"b\":true,\"t\":\"2021-11-24T08:00:00Z\",\"k\":\"vendor\"}";
    assert_int_equal(vg_json_parse(ok, strlen(ok), &v, &e), VG_OK);
    static const char *const allowed[] = {"name", "n", "b", "t", "k", NULL};
    static const char *const fewer[] = {"name", NULL};
    assert_int_equal(vg_json_only(v, allowed, NULL, &e), VG_OK);
    assert_int_equal(vg_json_only(v, fewer, "org", &e), VG_EUNKNOWN);
    assert_string_equal(e.field, "org.n");
    vg_err_clear(&e);
    const char *s = NULL;
    int64_t i = 0, t = 0;
    int b = 0, k = -1;
    assert_int_equal(vg_json_str(v, "name", 1, 10, &s, &e), VG_OK);
    assert_string_equal(s, "x");
    assert_int_equal(vg_json_int(v, "n", 1, 0, 10, &i, &e), VG_OK);
    assert_int_equal(i, 5);
    assert_int_equal(vg_json_bool(v, "b", 1, &b, &e), VG_OK);
    assert_true(b);
    assert_int_equal(vg_json_time(v, "t", 1, &t, &e), VG_OK);
    assert_int_equal(t, 1637740800000LL);
    static const char *const kinds[] = {"member", "vendor", NULL};
    assert_int_equal(vg_json_enum(v, "k", 1, kinds, &k, &e), VG_OK);
    assert_int_equal(k, 1);
    assert_int_equal(vg_json_str(v, "missing", 1, 10, &s, &e), VG_EMISSING);
    assert_string_equal(e.field, "missing");
    vg_err_clear(&e);
    assert_int_equal(vg_json_str(v, "n", 1, 10, &s, &e), VG_EINVAL);
    vg_err_clear(&e);
    assert_int_equal(vg_json_int(v, "n", 1, 6, 10, &i, &e), VG_EINVAL);
    vg_err_clear(&e);
    assert_int_equal(vg_json_time(v, "name", 1, &t, &e), VG_EINVAL);
    vg_err_clear(&e);
    char *c = vg_json_canonical(v, NULL);
    assert_string_equal(c, "{\"b\":true,\"k\":\"vendor\",\"n\":5,\"name\":\"x\",\"t\":\"2021-11-24T08:00:00Z\"}");
    free(c);
    json_decref(v);
}

static void test_time(void **state)
{
    (void)state;
    int64_t ms;
    char out[32];
    assert_int_equal(vg_time_parse("1970-01-01T00:00:00Z", &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(vg_time_parse("2021-11-24T10:00:00.5+02:00", &ms), 0);
    assert_int_equal(ms, 1637740800500LL);
    vg_time_format(ms, out);
    assert_string_equal(out, "2021-11-24T08:00:00.500Z");
    vg_time_format(1637740800000LL, out);
    assert_string_equal(out, "2021-11-24T08:00:00Z");
    assert_int_equal(vg_time_parse("2024-02-29T00:00:00Z", &ms), 0);
    assert_int_equal(vg_time_parse("2023-02-29T00:00:00Z", &ms), -1);
    assert_int_equal(vg_time_parse("2021-13-01T00:00:00Z", &ms), -1);
    assert_int_equal(vg_time_parse("2021-11-24 08:00:00Z", &ms), -1);
    assert_int_equal(vg_time_parse("2021-11-24T08:00:00", &ms), -1);
    assert_int_equal(vg_time_parse("2021-11-24T08:00:00Zjunk", &ms), -1);
    assert_int_equal(vg_time_parse("yesterday", &ms), -1);
}

static void test_util(void **state)
{
    (void)state;
    char b[4];
    int64_t v;
    assert_int_equal(vg_strlcpy(b, "abcdef", sizeof(b)), 6);
    assert_string_equal(b, "abc");
    assert_int_equal(vg_parse_i64("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(vg_parse_i64("42x", 0, 100, &v), -1);
    assert_int_equal(vg_parse_i64("101", 0, 100, &v), -1);
    assert_int_equal(vg_parse_i64("", 0, 100, &v), -1);
    char hex[5];
    vg_hex((const unsigned char *)"\x01\xab", 2, hex);
    assert_string_equal(hex, "01ab");
    static const struct { const char *s; int ok; } u8[] = {
        {"", 1}, {"plain", 1}, {"caf\xc3\xa9", 1}, {"\xe4\xb8\xad", 1}, {"\xf0\x9f\x98\x80", 1},
        {"\xf4\x8f\xbf\xbf", 1}, {"\xff", 0}, {"\xc3", 0}, {"\xc0\xaf", 0}, {"\xe0\x80\xaf", 0},
        {"\xed\xa0\x80", 0}, {"\xf4\x90\x80\x80", 0}, {"\xf0\x9f\x98", 0}, {"a\x80" "b", 0},
    };
    for (size_t i = 0; i < sizeof(u8) / sizeof(u8[0]); i++)
        assert_int_equal(vg_utf8_valid(u8[i].s, strlen(u8[i].s)), u8[i].ok);
    char q[32];
    assert_string_equal(vg_log_quote("/a\"b\\c\n", q, sizeof(q)), "/a\\x22b\\x5cc\\x0a");
    assert_string_equal(vg_log_quote("caf\xc3\xa9", q, sizeof(q)), "caf\xc3\xa9");
    assert_string_equal(vg_log_quote("x\xffy", q, sizeof(q)), "x\\xffy");
    assert_string_equal(vg_log_quote("\n\n\n\n\n\n\n\n", q, 12), "\\x0a\\x0a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena), cmocka_unit_test(test_buf), cmocka_unit_test(test_buf_jstr),
        cmocka_unit_test(test_err),   cmocka_unit_test(test_json_strict),
        cmocka_unit_test(test_time),  cmocka_unit_test(test_util),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
