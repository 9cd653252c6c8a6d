/* Unit tests for src/core/jscan: every strictness rule (JSONTestSuite-style
 * y_/n_/i_ cases, each also checked against vg_json_parse), escapes, numbers,
 * deep nesting, big inputs, error offsets, the typed accessors, and agreement
 * with jansson on every .json file in $VIGIL_TESTDATA. Built three times (see
 * meson.build): SSE2, 8-byte SWAR and plain byte loops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/jscan.h"
#include "jscan_agree.h"
#include "../../conformance/testdata.h"

static struct vg_arena *A;

static int setup(void **state)
{
    (void)state;
    A = vg_arena_new(0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vg_arena_free(A);
    return 0;
}

/* jscan on s[0..n): VG_OK or the error; *v and *pos as it left them. */
static int scan(const char *s, size_t n, const struct vg_jval **v, size_t *pos)
{
    struct vg_err e = {0};
    size_t p = (size_t)-1;
    int rc = vg_jscan_parse(s, n, A, NULL, v, &p, &e);
    if (pos)
        *pos = p;
    if (rc != VG_OK) {
        assert_int_equal(rc, VG_EJSON);
        assert_true(strncmp(e.msg, "invalid JSON at byte ", 21) == 0);
        assert_true(p <= n);
        assert_null(*v);
    }
    return rc;
}

static const struct vg_jval *ok(const char *s)
{
    const struct vg_jval *v = NULL;
    if (scan(s, strlen(s), &v, NULL) != VG_OK)
        fail_msg("rejected: %s", s);
    return v;
}

/* ---- the JSONTestSuite-style table: 1 = accept, 0 = reject ---- */

struct tcase {
    int ok;
    const char *s;
    size_t n;
    const char *name;
};
#define Y(name, s) {1, s, sizeof(s) - 1, name}
#define N(name, s) {0, s, sizeof(s) - 1, name}

static const struct tcase cases[] = {
    /* y_: RFC 8259 texts every parser accepts */
    Y("y_array_arraysWithSpaces", "[[]   ]"),
    Y("y_array_empty", "[]"),
    Y("y_array_empty-string", "[\"\"]"),
    Y("y_array_false", "[false]"),
    Y("y_array_heterogeneous", "[null, 1, \"1\", {}]"),
    Y("y_array_null", "[null]"),
    Y("y_array_with_1_and_newline", "[1\n]"),
    Y("y_array_with_leading_space", " [1]"),
    Y("y_array_with_several_null", "[1,null,null,null,2]"),
    Y("y_array_with_trailing_space", "[2] "),
    Y("y_number", "[123e65]"),
    Y("y_number_0e+1", "[0e+1]"),
    Y("y_number_0e1", "[0e1]"),
    Y("y_number_after_space", "[ 4]"),
    Y("y_number_double_close_to_zero",
      "[-0.000000000000000000000000000000000000000000000000000000000000000000000000000000001]"),
    Y("y_number_int_with_exp", "[20e1]"),
    Y("y_number_minus_zero", "[-0]"),
    Y("y_number_negative_int", "[-123]"),
    Y("y_number_negative_one", "[-1]"),
    Y("y_number_negative_zero", "[-0]"),
    Y("y_number_real_capital_e", "[1E22]"),
    Y("y_number_real_capital_e_neg_exp", "[1E-2]"),
    Y("y_number_real_capital_e_pos_exp", "[1E+2]"),
    Y("y_number_real_exponent", "[123e45]"),
    Y("y_number_real_fraction_exponent", "[123.456e78]"),
    Y("y_number_real_neg_exp", "[1e-2]"),
    Y("y_number_real_pos_exponent", "[1e+2]"),
    Y("y_number_simple_int", "[123]"),
    Y("y_number_simple_real", "[123.456789]"),
    Y("y_number_int64_max", "[9223372036854775807]"),
    Y("y_number_int64_min", "[-9223372036854775808]"),
    Y("y_number_max_double", "[1.7976931348623157e308]"),
    Y("y_number_min_subnormal", "[4.9406564584124654e-324]"),
    Y("y_number_many_digits", "[3.14159265358979323846264338327950288419716939937510582097494459]"),
    Y("y_number_zero_huge_exp", "[0e99999999999999999999]"),
    Y("y_object", "{\"asd\":\"sdf\", \"dfg\":\"fgh\"}"),
    Y("y_object_basic", "{\"asd\":\"sdf\"}"),
    Y("y_object_empty", "{}"),
    Y("y_object_empty_key", "{\"\":0}"),
    Y("y_object_escaped_null_in_key_free", "{\"foo\\\\u0000bar\": 42}"),
    Y("y_object_extreme_numbers", "{ \"min\": -1.0e+28, \"max\": 1.0e+28 }"),
    Y("y_object_long_strings",
      "{\"x\":[{\"id\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}], \"id\": "
      "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"),
    Y("y_object_simple", "{\"a\":[]}"),
    Y("y_object_string_unicode", "{\"title\":\"\\u041f\\u043e\\u043b\\u0442\\u043e\\u0440\\u0430 "
                                 "\\u0417\\u0435\\u043c\\u043b\\u0435\\u043a\\u043e\\u043f\\u0430\" }"),
    Y("y_object_with_newlines", "{\n\"a\": \"b\"\n}"),
    Y("y_object_same_key_other_objects", "[{\"a\":1},{\"a\":2},{\"b\":{\"a\":3}}]"),
    Y("y_object_keys_differ_in_case", "{\"a\":1,\"A\":2}"),
    Y("y_object_keys_prefix", "{\"ab\":1,\"a\":2,\"abc\":3}"),
    Y("y_string_1_2_3_bytes_UTF-8_sequences", "[\"\\u0060\\u012a\\u12AB\"]"),
    Y("y_string_accepted_surrogate_pair", "[\"\\uD801\\udc37\"]"),
    Y("y_string_accepted_surrogate_pairs", "[\"\\ud83d\\ude39\\ud83d\\udc8d\"]"),
    Y("y_string_allowed_escapes", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]"),
    Y("y_string_backslash_and_u_escaped_zero", "[\"\\\\u0000\"]"),
    Y("y_string_backslash_doublequotes", "[\"\\\"\"]"),
    Y("y_string_comments", "[\"a/*b*/c/*d//e\"]"),
    Y("y_string_double_escape_a", "[\"\\\\a\"]"),
    Y("y_string_double_escape_n", "[\"\\\\n\"]"),
    Y("y_string_escaped_control_character", "[\"\\u0012\"]"),
    Y("y_string_escaped_noncharacter", "[\"\\uFFFF\"]"),
    Y("y_string_in_array", "[\"asd\"]"),
    Y("y_string_in_array_with_leading_space", "[ \"asd\"]"),
    Y("y_string_last_surrogates_1_and_2", "[\"\\uDBFF\\uDFFF\"]"),
    Y("y_string_nbsp_uescaped", "[\"new\\u00A0line\"]"),
    Y("y_string_nonCharacterInUTF-8_U+10FFFF", "[\"\xf4\x8f\xbf\xbf\"]"),
    Y("y_string_nonCharacterInUTF-8_U+FFFF", "[\"\xef\xbf\xbf\"]"),
    Y("y_string_one-byte-utf-8", "[\"\\u002c\"]"),
    Y("y_string_pi", "[\"\xcf\x80\"]"),
    Y("y_string_reservedCharacterInUTF-8_U+1BFFF", "[\"\xf0\x9b\xbf\xbf\"]"),
    Y("y_string_simple_ascii", "[\"asd \"]"),
    Y("y_string_space", "\" \""),
    Y("y_string_surrogates_U+1D11E_MUSICAL_SYMBOL_G_CLEF", "[\"\\uD834\\uDd1e\"]"),
    Y("y_string_three-byte-utf-8", "[\"\\u0821\"]"),
    Y("y_string_two-byte-utf-8", "[\"\\u0123\"]"),
    Y("y_string_u+2028_line_sep", "[\"\xe2\x80\xa8\"]"),
    Y("y_string_u+2029_par_sep", "[\"\xe2\x80\xa9\"]"),
    Y("y_string_uEscape", "[\"\\u0061\\u30af\\u30EA\\u30b9\"]"),
    Y("y_string_uescaped_newline", "[\"new\\u000Aline\"]"),
    Y("y_string_unescaped_char_delete", "[\"\x7f\"]"),
    Y("y_string_unicode", "[\"\\uA66D\"]"),
    Y("y_string_unicodeEscapedBackslash", "[\"\\u005C\"]"),
    Y("y_string_unicode_2", "[\"\xe2\x8d\x82\xe3\x88\xb4\xe2\x8d\x82\"]"),
    Y("y_string_unicode_U+10FFFE_nonchar", "[\"\\uDBFF\\uDFFE\"]"),
    Y("y_string_unicode_U+FDD0_nonchar", "[\"\\uFDD0\"]"),
    Y("y_string_utf8", "[\"\xe2\x82\xac\xf0\x9d\x84\x9e\"]"),
    Y("y_string_with_del_character", "[\"a\x7f" "a\"]"),
    Y("y_string_first_and_last_3byte", "[\"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\"]"),
    Y("y_string_long_ascii_then_utf8",
      "[\"0123456789abcdef0123456789abcdef\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
      "\xc3\xa9\xc3\xa9 and more than sixteen bytes\"]"),
    Y("y_structure_lonely_false", "false"),
    Y("y_structure_lonely_int", "42"),
    Y("y_structure_lonely_negative_real", "-0.1"),
    Y("y_structure_lonely_null", "null"),
    Y("y_structure_lonely_string", "\"asd\""),
    Y("y_structure_lonely_true", "true"),
    Y("y_structure_string_empty", "\"\""),
    Y("y_structure_trailing_newline", "[\"a\"]\n"),
    Y("y_structure_true_in_array", "[true]"),
    Y("y_structure_whitespace_array", " [] "),
    Y("y_structure_all_whitespace", " \t\r\n[ \t\r\n1 \t\r\n, \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n2 "
                                    "\t\r\n} \t\r\n] \t\r\n"),
    /* i_: implementation-defined; the verdict is jansson's */
    Y("i_number_double_huge_neg_exp", "[123.456e-789]"),
    Y("i_number_real_underflow", "[123e-10000000]"),
    Y("i_number_very_small_subnormal_rounds_to_zero", "[1e-400]"),
    N("i_number_huge_exp", "[0.4e00669999999999999999999999999999999999999999999999999999999999"
                           "9999999999999999999999999999999969999999006]"),
    N("i_number_neg_int_huge_exp", "[-1e+9999]"),
    N("i_number_pos_double_huge_exp", "[1.5e+9999]"),
    N("i_number_real_neg_overflow", "[-123123e100000]"),
    N("i_number_real_pos_overflow", "[123123e100000]"),
    N("i_number_just_over_max_double", "[1.8e308]"),
    N("i_number_too_big_neg_int", "[-123123123123123123123123123123]"),
    N("i_number_too_big_pos_int", "[100000000000000000000]"),
    N("i_number_int64_max_plus_1", "[9223372036854775808]"),
    N("i_number_int64_min_minus_1", "[-9223372036854775809]"),
    N("i_number_very_big_negative_int", "[-237462374673276894279832749832423479823246327846]"),
    N("i_object_key_lone_2nd_surrogate", "{\"\\uDFAA\":0}"),
    N("i_string_1st_surrogate_but_2nd_missing", "[\"\\uDADA\"]"),
    N("i_string_1st_valid_surrogate_2nd_invalid", "[\"\\uD888\\u1234\"]"),
    N("i_string_UTF-16LE_with_BOM", "\xff\xfe[\x00\"\x00\xe9\x00\"\x00]\x00"),
    N("i_string_UTF-8_invalid_sequence", "[\"\xe6\x97\xa5\xd1\x88\xfa\"]"),
    N("i_string_UTF8_surrogate_U+D800", "[\"\xed\xa0\x80\"]"),
    N("i_string_incomplete_surrogate_and_escape_valid", "[\"\\uD800\\n\"]"),
    N("i_string_incomplete_surrogate_pair", "[\"\\uDd1ea\"]"),
    N("i_string_incomplete_surrogates_escape_valid", "[\"\\uD800\\uD800\\n\"]"),
    N("i_string_invalid_lonely_surrogate", "[\"\\ud800\"]"),
    N("i_string_invalid_surrogate", "[\"\\ud800abc\"]"),
    N("i_string_invalid_utf-8", "[\"\xff\"]"),
    N("i_string_inverted_surrogates_U+1D11E", "[\"\\uDd1e\\uD834\"]"),
    N("i_string_iso_latin_1", "[\"\xe9\"]"),
    N("i_string_lone_second_surrogate", "[\"\\uDFAA\"]"),
    N("i_string_lone_utf8_continuation_byte", "[\"\x81\"]"),
    N("i_string_not_in_unicode_range", "[\"\xf4\xbf\xbf\xbf\"]"),
    N("i_string_overlong_sequence_2_bytes", "[\"\xc0\xaf\"]"),
    N("i_string_overlong_sequence_6_bytes", "[\"\xfc\x83\xbf\xbf\xbf\xbf\"]"),
    N("i_string_overlong_sequence_6_bytes_null", "[\"\xfc\x80\x80\x80\x80\x80\"]"),
    N("i_string_overlong_3_bytes", "[\"\xe0\x80\xaf\"]"),
    N("i_string_overlong_4_bytes", "[\"\xf0\x80\x80\xaf\"]"),
    N("i_string_overlong_3_bytes_max", "[\"\xe0\x9f\xbf\"]"),
    N("i_string_overlong_4_bytes_max", "[\"\xf0\x8f\xbf\xbf\"]"),
    N("i_string_UTF8_surrogate_U+DFFF", "[\"\xed\xbf\xbf\"]"),
    N("i_string_above_10FFFF", "[\"\xf4\x90\x80\x80\"]"),
    N("i_string_F5_lead", "[\"\xf5\x80\x80\x80\"]"),
    N("i_string_truncated_utf-8", "[\"\xe0\xff\"]"),
    N("i_string_truncated_3_at_quote", "[\"\xe2\x82\"]"),
    N("i_string_truncated_at_end", "[\"\xc3"),
    N("i_string_utf16BE_no_BOM", "\x00[\x00\"\x00\xe9\x00\"\x00]"),
    N("i_string_utf16LE_no_BOM", "[\x00\"\x00\xe9\x00\"\x00]\x00"),
    N("i_structure_UTF-8_BOM_empty_object", "\xef\xbb\xbf{}"),
    N("i_object_duplicated_key", "{\"a\":\"b\",\"a\":\"c\"}"),
    N("i_object_duplicated_key_and_value", "{\"a\":\"b\",\"a\":\"b\"}"),
    N("i_object_duplicated_key_escaped", "{\"a\":1,\"\\u0061\":2}"),
    N("i_object_duplicated_key_nested", "{\"x\":{\"k\":1,\"j\":2,\"k\":3}}"),
    N("i_object_duplicated_empty_key", "{\"\":1,\"\":2}"),
    N("i_object_escaped_null_in_key", "{\"foo\\u0000bar\": 42}"),
    N("i_string_null_escape", "[\"\\u0000\"]"),
    N("i_string_raw_nul", "[\"a\0b\"]"),
    N("i_structure_nul_after", "[1]\0"),
    N("i_structure_nul_before", "\0[1]"),
    N("i_structure_nul_only", "\0"),
    /* n_: RFC 8259 rejects */
    N("n_array_1_true_without_comma", "[1 true]"),
    N("n_array_a_invalid_utf8", "[a\xe5]"),
    N("n_array_colon_instead_of_comma", "[\"\": 1]"),
    N("n_array_comma_after_close", "[\"\"],"),
    N("n_array_comma_and_number", "[,1]"),
    N("n_array_double_comma", "[1,,2]"),
    N("n_array_double_extra_comma", "[\"x\",,]"),
    N("n_array_extra_close", "[\"x\"]]"),
    N("n_array_extra_comma", "[\"\",]"),
    N("n_array_incomplete", "[\"x\""),
    N("n_array_incomplete_invalid_value", "[x"),
    N("n_array_inner_array_no_comma", "[3[4]]"),
    N("n_array_invalid_utf8", "[\xff]"),
    N("n_array_items_separated_by_semicolon", "[1:2]"),
    N("n_array_just_comma", "[,]"),
    N("n_array_just_minus", "[-]"),
    N("n_array_missing_value", "[   , \"\"]"),
    N("n_array_newlines_unclosed", "[\"a\",\n4\n,1,"),
    N("n_array_number_and_comma", "[1,]"),
    N("n_array_number_and_several_commas", "[1,,]"),
    N("n_array_spaces_vertical_tab_formfeed", "[\"\x0b" "a\"\\f]"),
    N("n_array_star_inside", "[*]"),
    N("n_array_unclosed", "[\"\""),
    N("n_array_unclosed_trailing_comma", "[1,"),
    N("n_array_unclosed_with_new_lines", "[1,\n1\n,1"),
    N("n_array_unclosed_with_object_inside", "[{}"),
    N("n_incomplete_false", "[fals]"),
    N("n_incomplete_null", "[nul]"),
    N("n_incomplete_true", "[tru]"),
    N("n_literal_capitalised", "[True]"),
    N("n_literal_then_letters", "[truex]"),
    N("n_literal_then_digit", "[true1]"),
    N("n_multidigit_number_then_00", "123\0"),
    N("n_number_++", "[++1234]"),
    N("n_number_+1", "[+1]"),
    N("n_number_+Inf", "[+Inf]"),
    N("n_number_-01", "[-01]"),
    N("n_number_-1.0.", "[-1.0.]"),
    N("n_number_-2.", "[-2.]"),
    N("n_number_-NaN", "[-NaN]"),
    N("n_number_.-1", "[.-1]"),
    N("n_number_.2e-3", "[.2e-3]"),
    N("n_number_0.1.2", "[0.1.2]"),
    N("n_number_0.3e+", "[0.3e+]"),
    N("n_number_0.3e", "[0.3e]"),
    N("n_number_0.e1", "[0.e1]"),
    N("n_number_0_capital_E+", "[0E+]"),
    N("n_number_0_capital_E", "[0E]"),
    N("n_number_0e+", "[0e+]"),
    N("n_number_0e", "[0e]"),
    N("n_number_1.0e+", "[1.0e+]"),
    N("n_number_1.0e-", "[1.0e-]"),
    N("n_number_1.0e", "[1.0e]"),
    N("n_number_1_000", "[1 000.0]"),
    N("n_number_1eE2", "[1eE2]"),
    N("n_number_2.e+3", "[2.e+3]"),
    N("n_number_2.e-3", "[2.e-3]"),
    N("n_number_2.e3", "[2.e3]"),
    N("n_number_9.e+", "[9.e+]"),
    N("n_number_Inf", "[Inf]"),
    N("n_number_NaN", "[NaN]"),
    N("n_number_U+FF11_fullwidth_digit_one", "[\xef\xbc\x91]"),
    N("n_number_expression", "[1+2]"),
    N("n_number_hex_1_digit", "[0x1]"),
    N("n_number_hex_2_digits", "[0x42]"),
    N("n_number_infinity", "[Infinity]"),
    N("n_number_invalid+-", "[0e+-1]"),
    N("n_number_invalid-negative-real", "[-123.123foo]"),
    N("n_number_invalid-utf-8-in-bigger-int", "[123\xe5]"),
    N("n_number_invalid-utf-8-in-exponent", "[1e1\xe5]"),
    N("n_number_invalid-utf-8-in-int", "[0\xe5]"),
    N("n_number_minus_infinity", "[-Infinity]"),
    N("n_number_minus_sign_with_trailing_garbage", "[-foo]"),
    N("n_number_minus_space_1", "[- 1]"),
    N("n_number_neg_int_starting_with_zero", "[-012]"),
    N("n_number_neg_real_without_int_part", "[-.123]"),
    N("n_number_neg_with_garbage_at_end", "[-1x]"),
    N("n_number_real_garbage_after_e", "[1ea]"),
    N("n_number_real_with_invalid_utf8_after_e", "[1e\xe5]"),
    N("n_number_real_without_fractional_part", "[1.]"),
    N("n_number_starting_with_dot", "[.123]"),
    N("n_number_with_alpha", "[1.2a-3]"),
    N("n_number_with_alpha_char", "[1.8011670033376514H-308]"),
    N("n_number_with_leading_zero", "[012]"),
    N("n_number_lonely_minus_at_end", "-"),
    N("n_number_lonely_dot_at_end", "1."),
    N("n_number_lonely_e_at_end", "1e"),
    N("n_number_lonely_sign_at_end", "1e-"),
    N("n_object_bad_value", "[\"x\", truth]"),
    N("n_object_bracket_key", "{[: \"x\"}\n"),
    N("n_object_comma_instead_of_colon", "{\"x\", null}"),
    N("n_object_double_colon", "{\"x\"::\"b\"}"),
    N("n_object_emoji", "{\xf0\x9f\x87\xa8\xf0\x9f\x87\xad}"),
    N("n_object_garbage_at_end", "{\"a\":\"a\" 123}"),
    N("n_object_key_with_single_quotes", "{key: 'value'}"),
    N("n_object_lone_continuation_byte_in_key_and_trailing_comma", "{\"\xb9\":\"0\",}"),
    N("n_object_missing_colon", "{\"a\" b}"),
    N("n_object_missing_key", "{:\"b\"}"),
    N("n_object_missing_semicolon", "{\"a\" \"b\"}"),
    N("n_object_missing_value", "{\"a\":"),
    N("n_object_no-colon", "{\"a\""),
    N("n_object_non_string_key", "{1:1}"),
    N("n_object_non_string_key_but_huge_number_instead", "{9999E9999:1}"),
    N("n_object_repeated_null_null", "{null:null,null:null}"),
    N("n_object_several_trailing_commas", "{\"id\":0,,,,,}"),
    N("n_object_single_quote", "{'a':0}"),
    N("n_object_trailing_comma", "{\"id\":0,}"),
    N("n_object_trailing_comment", "{\"a\":\"b\"}/**/"),
    N("n_object_trailing_comment_open", "{\"a\":\"b\"}/**//"),
    N("n_object_trailing_comment_slash_open", "{\"a\":\"b\"}//"),
    N("n_object_trailing_comment_slash_open_incomplete", "{\"a\":\"b\"}/"),
    N("n_object_two_commas_in_a_row", "{\"a\":\"b\",,\"c\":\"d\"}"),
    N("n_object_unquoted_key", "{a: \"b\"}"),
    N("n_object_unterminated-value", "{\"a\":\"a"),
    N("n_object_with_single_string", "{ \"foo\" : \"bar\", \"a\" }"),
    N("n_object_with_trailing_garbage", "{\"a\":\"b\"}#"),
    N("n_single_space", " "),
    N("n_empty", ""),
    N("n_whitespace_only", " \t\r\n"),
    N("n_string_1_surrogate_then_escape", "[\"\\uD800\\\"]"),
    N("n_string_1_surrogate_then_escape_u", "[\"\\uD800\\u\"]"),
    N("n_string_1_surrogate_then_escape_u1", "[\"\\uD800\\u1\"]"),
    N("n_string_1_surrogate_then_escape_u1x", "[\"\\uD800\\u1x\"]"),
    N("n_string_accentuated_char_no_quotes", "[\xc3\xa9]"),
    N("n_string_backslash_00", "[\"\\\0\"]"),
    N("n_string_escape_x", "[\"\\x00\"]"),
    N("n_string_escaped_backslash_bad", "[\"\\\\\\\"]"),
    N("n_string_escaped_ctrl_char_tab", "[\"\\\t\"]"),
    N("n_string_escaped_emoji", "[\"\\\xf0\x9f\x8c\x80\"]"),
    N("n_string_incomplete_escape", "[\"\\\"]"),
    N("n_string_incomplete_escaped_character", "[\"\\u00A\"]"),
    N("n_string_incomplete_surrogate", "[\"\\uD834\\uDd\"]"),
    N("n_string_incomplete_surrogate_escape_invalid", "[\"\\uD800\\uD800\\x\"]"),
    N("n_string_invalid-utf-8-in-escape", "[\"\\u\xe5\"]"),
    N("n_string_invalid_backslash_esc", "[\"\\a\"]"),
    N("n_string_invalid_unicode_escape", "[\"\\uqqqq\"]"),
    N("n_string_invalid_utf8_after_escape", "[\"\\\xe5\"]"),
    N("n_string_leading_uescaped_thinspace", "[\\u0020\"asd\"]"),
    N("n_string_no_quotes_with_bad_escape", "[\\n]"),
    N("n_string_single_doublequote", "\""),
    N("n_string_single_quote", "['single quote']"),
    N("n_string_single_string_no_double_quotes", "abc"),
    N("n_string_start_escape_unclosed", "[\"\\"),
    N("n_string_unescaped_ctrl_char", "[\"a\0a\"]"),
    N("n_string_unescaped_newline", "[\"new\nline\"]"),
    N("n_string_unescaped_tab", "[\"\t\"]"),
    N("n_string_unicode_CapitalU", "\"\\UA66D\""),
    N("n_string_with_trailing_garbage", "\"\"x"),
    N("n_string_unescaped_0x1f", "[\"\x1f\"]"),
    N("n_string_unterminated_long", "\"0123456789abcdef0123456789abcdef0123456789"),
    N("n_string_unterminated_after_escape_long", "\"0123456789abcdef0123456789abcdef\\\""),
    N("n_structure_angle_bracket_.", "<.>"),
    N("n_structure_angle_bracket_null", "[<null>]"),
    N("n_structure_array_trailing_garbage", "[1]x"),
    N("n_structure_array_with_extra_array_close", "[1]]"),
    N("n_structure_array_with_unclosed_string", "[\"asd]"),
    N("n_structure_ascii-unicode-identifier", "a\xc3\xa5"),
    N("n_structure_capitalized_True", "[True]"),
    N("n_structure_close_unopened_array", "1]"),
    N("n_structure_comma_instead_of_closing_brace", "{\"x\": true,"),
    N("n_structure_double_array", "[][]"),
    N("n_structure_end_array", "]"),
    N("n_structure_incomplete_UTF8_BOM", "\xef\xbb{}"),
    N("n_structure_lone-invalid-utf-8", "\xe5"),
    N("n_structure_lone-open-bracket", "["),
    N("n_structure_no_data", ""),
    N("n_structure_null-byte-outside-string", "[\0]"),
    N("n_structure_number_with_trailing_garbage", "2@"),
    N("n_structure_object_followed_by_closing_object", "{}}"),
    N("n_structure_object_unclosed_no_value", "{\"\":"),
    N("n_structure_object_with_comment", "{\"a\":/*comment*/\"b\"}"),
    N("n_structure_object_with_trailing_garbage", "{\"a\": true} \"x\""),
    N("n_structure_open_array_apostrophe", "['"),
    N("n_structure_open_array_comma", "[,"),
    N("n_structure_open_array_open_object", "[{"),
    N("n_structure_open_array_open_string", "[\"a"),
    N("n_structure_open_array_string", "[\"a\""),
    N("n_structure_open_object", "{"),
    N("n_structure_open_object_close_array", "{]"),
    N("n_structure_open_object_comma", "{,"),
    N("n_structure_open_object_open_array", "{["),
    N("n_structure_open_object_open_string", "{\"a"),
    N("n_structure_open_object_string_with_apostrophes", "{'a'"),
    N("n_structure_open_open", "[\"\\{[\"\\{[\"\\{[\"\\{"),
    N("n_structure_single_eacute", "\xe9"),
    N("n_structure_single_star", "*"),
    N("n_structure_trailing_#", "{\"a\":\"b\"}#{}"),
    N("n_structure_U+2060_word_joined", "[\xe2\x81\xa0]"),
    N("n_structure_uescaped_LF_before_string", "[\\u000A\"\"]"),
    N("n_structure_unclosed_array", "[1"),
    N("n_structure_unclosed_array_partial_null", "[ false, nul"),
    N("n_structure_unclosed_array_unfinished_false", "[ true, fals"),
    N("n_structure_unclosed_array_unfinished_true", "[ false, tru"),
    N("n_structure_unclosed_object", "{\"asd\":\"asd\""),
    N("n_structure_unicode-identifier", "\xc3\xa5"),
    N("n_structure_whitespace_U+2060_word_joiner", "[\xe2\x81\xa0]"),
    N("n_structure_whitespace_formfeed", "[\x0c]"),
    N("n_structure_whitespace_vertical_tab", "[\x0b]"),
    N("n_structure_whitespace_nbsp", "[\xc2\xa0" "1]"),
    N("n_structure_two_values", "1 2"),
    N("n_structure_two_objects", "{}{}"),
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct tcase *c = &cases[i];
        const struct vg_jval *v = NULL;
        int accepted = -1;
        const char *why = jscan_agree(c->s, c->n, &accepted);
        if (why)
            fail_msg("%s: %s", c->name, why);
        if (accepted != c->ok)
            fail_msg("%s: jscan %s it", c->name, accepted ? "accepts" : "rejects");
        assert_int_equal(scan(c->s, c->n, &v, NULL) == VG_OK, c->ok);
    }
}

/* Every prefix and every one-byte change of a document: the same verdict as
 * jansson (a deterministic little fuzz over the grammar's edges). */
static void test_mutations(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"a\":[1,-2.5e+3,0,true,false,null,\"x\\u00e9\\ud83d\\ude00\\n\"],\"b\":{\"c\":{}},"
        "\"\xc3\xa9\xe2\x82\xac\":[[],[{}]],\"d\":-0.0,\"e\":12345678901234567}";
    static const unsigned char subst[] = {0,   '"', '\\', '[',  ']',  '{',  '}',  ',',  ':',  ' ',
                                          '0', '1', '-',  '.',  'e',  'u',  'D',  '8',  'n',  'x',
                                          0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe0, 0xed, 0xf0, 0xf4, 0xff};
    char buf[sizeof(doc)];
    size_t n = sizeof(doc) - 1;
    int accepted;
    assert_null(jscan_agree(doc, n, &accepted));
    assert_true(accepted);
    for (size_t k = 0; k < n; k++) {
        const char *why = jscan_agree(doc, k, &accepted);
        if (why || accepted)
            fail_msg("prefix of %zu bytes: %s", k, why ? why : "accepted");
    }
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < sizeof(subst); j++) {
            memcpy(buf, doc, n);
            buf[k] = (char)subst[j];
            const char *why = jscan_agree(buf, n, NULL);
            if (why)
                fail_msg("byte %zu set to 0x%02x: %s", k, subst[j], why);
        }
}

static void test_values(void **state)
{
    (void)state;
    const struct vg_jval *v =
        ok("{\"s\":\"hi\",\"i\":-42,\"r\":2.5,\"t\":true,\"f\":false,\"n\":null,"
           "\"a\":[1,[2],{\"k\":\"v\"}],\"o\":{},\"e\":[]}");
    const struct vg_jval *x, *it;
    const struct vg_jmem *m;
    size_t i, count = 0;
    assert_int_equal(v->type, VG_JOBJ);
    assert_int_equal(vg_jsize(v), 9);
    assert_string_equal(vg_jstr(vg_jget(v, "s")), "hi");
    assert_int_equal(vg_jget(v, "s")->n, 2);
    assert_true(vg_jis(vg_jget(v, "i"), VG_JINT));
    assert_int_equal(vg_jget(v, "i")->u.i, -42);
    assert_true(vg_jis(vg_jget(v, "r"), VG_JREAL));
    assert_true(vg_jnum(vg_jget(v, "r")) == 2.5);
    assert_true(vg_jnum(vg_jget(v, "i")) == -42.0);
    assert_true(vg_jis(vg_jget(v, "t"), VG_JTRUE));
    assert_true(vg_jis(vg_jget(v, "f"), VG_JFALSE));
    assert_true(vg_jnone(vg_jget(v, "n")));
    assert_true(vg_jnone(vg_jget(v, "absent")));
    assert_false(vg_jnone(vg_jget(v, "f")));
    assert_null(vg_jget(v, "S"));
    assert_null(vg_jget(v, "")); /* no empty key here */
    assert_ptr_equal(vg_jgetn(v, "sx", 1), vg_jget(v, "s"));
    assert_null(vg_jstr(vg_jget(v, "i")));
    x = vg_jget(v, "a");
    assert_int_equal(vg_jsize(x), 3);
    assert_int_equal(vg_jat(x, 0)->u.i, 1);
    assert_int_equal(vg_jat(vg_jat(x, 1), 0)->u.i, 2);
    assert_string_equal(vg_jstr(vg_jget(vg_jat(x, 2), "k")), "v");
    assert_null(vg_jat(x, 3));
    assert_null(vg_jat(v, 0));           /* not an array */
    assert_null(vg_jget(x, "k"));        /* not an object */
    assert_null(vg_jget(NULL, "k"));
    assert_int_equal(vg_jsize(NULL), 0);
    assert_int_equal(vg_jsize(vg_jget(v, "s")), 0);
    assert_int_equal(vg_jsize(vg_jget(v, "o")), 0);
    assert_int_equal(vg_jsize(vg_jget(v, "e")), 0);
    VG_JARR_FOREACH(x, i, it)
    count += i + (it->type == VG_JINT ? 10 : 0);
    assert_int_equal(count, 0 + 1 + 2 + 10); /* 1, [2], {...}: one integer */
    count = 0;
    VG_JARR_FOREACH(v, i, it) /* an object: no iterations */
    count++;
    assert_int_equal(count, 0);
    VG_JOBJ_FOREACH(v, i, m)
    {
        assert_int_equal(m->key.type, VG_JSTR);
        if (i == 0)
            assert_string_equal(m->key.u.s, "s");
        count++;
    }
    assert_int_equal(count, 9);
    count = 0;
    VG_JOBJ_FOREACH(vg_jget(v, "e"), i, m)
    count++;
    assert_int_equal(count, 0);
    /* top-level scalars */
    assert_int_equal(ok(" 7 ")->u.i, 7);
    assert_true(ok("null")->type == VG_JNULL);
    assert_string_equal(ok("\"\"")->u.s, "");
}

static void test_escapes(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } t[] = {
        {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t"},
        {"\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac"},
        {"\"\\u007f\\u0080\\u07ff\\u0800\\uffff\"", "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"},
        {"\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80"},
        {"\"\\uD800\\uDC00\\uDBFF\\uDFFF\"", "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"},
        {"\"\\u0001\\u001F\"", "\x01\x1f"},
        {"\"a\\\\u0000b\"", "a\\u0000b"},
        {"\"\xe2\x82\xac\xf0\x9f\x98\x80\"", "\xe2\x82\xac\xf0\x9f\x98\x80"},
        /* escapes and UTF-8 after long plain runs (the SIMD and SWAR loops) */
        {"\"0123456789abcdef0123456789abcdef\\n0123456789abcdef\xc3\xa9xyz\"",
         "0123456789abcdef0123456789abcdef\n0123456789abcdef\xc3\xa9xyz"},
        {"\"0123456\\t89abcdef\\\"\"", "0123456\t89abcdef\""},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        const struct vg_jval *v = ok(t[i].in);
        assert_int_equal(v->type, VG_JSTR);
        assert_int_equal(v->n, strlen(t[i].out));
        assert_memory_equal(v->u.s, t[i].out, v->n + 1);
        assert_null(jscan_agree(t[i].in, strlen(t[i].in), NULL));
    }
    /* keys are unescaped too, and compared unescaped */
    const struct vg_jval *o = ok("{\"\\u0061b\":1,\"\\n\":2}");
    assert_int_equal(vg_jget(o, "ab")->u.i, 1);
    assert_int_equal(vg_jget(o, "\n")->u.i, 2);
    /* a string at the very end of the input, every length around 8 and 16 */
    for (int len = 0; len < 40; len++) {
        char in[80], want[48];
        for (int k = 0; k < len; k++)
            want[k] = (char)('a' + k % 26);
        want[len] = '\0';
        snprintf(in, sizeof(in), "\"%s\"", want);
        const struct vg_jval *v = ok(in);
        assert_int_equal(v->n, (uint32_t)len);
        assert_string_equal(v->u.s, want);
        in[strlen(in) - 1] = '\0'; /* unterminated */
        assert_int_equal(scan(in, strlen(in), &v, NULL), VG_EJSON);
    }
}

static void test_numbers(void **state)
{
    (void)state;
    const struct vg_jval *v;
    v = ok("9223372036854775807");
    assert_int_equal(v->type, VG_JINT);
    assert_true(v->u.i == INT64_MAX);
    v = ok("-9223372036854775808");
    assert_true(v->u.i == INT64_MIN);
    v = ok("-0");
    assert_int_equal(v->type, VG_JINT);
    assert_true(v->u.i == 0);
    v = ok("-0.0");
    assert_int_equal(v->type, VG_JREAL);
    assert_true(v->u.d == 0.0 && __builtin_signbit(v->u.d));
    v = ok("0e5");
    assert_int_equal(v->type, VG_JREAL);
    assert_true(v->u.d == 0.0 && !__builtin_signbit(v->u.d));
    assert_true(ok("1E2")->u.d == 100.0);
    assert_true(ok("1e-2")->u.d == 0.01);
    assert_true(ok("123.456")->u.d == 123.456);
    assert_true(ok("0.1")->u.d == 0.1);
    assert_true(ok("1.7976931348623157e308")->u.d == 1.7976931348623157e308);
    assert_true(ok("4.9406564584124654e-324")->u.d > 0);
    assert_true(ok("1e-400")->u.d == 0.0);
    assert_true(ok("9007199254740993")->u.i == 9007199254740993LL);
    assert_true(ok("9007199254740993.0")->u.d == 9007199254740992.0); /* ties to even */
    assert_true(ok("0.5e1")->u.d == 5.0);
    /* the fast path against strtod, and against jansson, on many shapes */
    unsigned seed = 12345;
    for (int i = 0; i < 20000; i++) {
        char s[96];
        size_t o = 0;
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 8;
        if (r & 1)
            s[o++] = '-';
        int nint = 1 + (int)(r >> 1) % 20, nfrac = (int)(r >> 6) % 25, shape = (int)(r >> 11) % 4;
        for (int k = 0; k < nint; k++) {
            seed = seed * 1103515245u + 12345u;
            s[o++] = (char)('0' + (k == 0 && nint > 1 ? 1 + (seed >> 9) % 9 : (seed >> 9) % 10));
        }
        if (shape & 1) {
            s[o++] = '.';
            for (int k = 0; k < nfrac + 1; k++) {
                seed = seed * 1103515245u + 12345u;
                s[o++] = (char)('0' + (seed >> 9) % 10);
            }
        }
        if (shape & 2)
            o += (size_t)snprintf(s + o, sizeof(s) - o, "e%d", (int)((r >> 13) % 700) - 350);
        s[o] = '\0';
        const struct vg_jval *x = NULL;
        int rc = scan(s, o, &x, NULL);
        const char *why = jscan_agree(s, o, NULL);
        if (why)
            fail_msg("%s: %s", s, why);
        if (rc != VG_OK)
            continue;
        if (x->type == VG_JREAL) {
            double d = strtod(s, NULL);
            if (memcmp(&d, &x->u.d, sizeof(d)) != 0)
                fail_msg("%s: %.17g, strtod %.17g", s, x->u.d, d);
        } else {
            assert_int_equal(x->type, VG_JINT);
            errno = 0;
            long long ll = strtoll(s, NULL, 10);
            assert_int_equal(errno, 0);
            assert_true(ll == x->u.i);
        }
    }
    /* a real of more digits than the small copy buffer */
    char big[400];
    memset(big, '1', 300);
    memcpy(big + 300, ".5e-10", 7);
    assert_true(ok(big)->u.d == strtod(big, NULL));
}

/* depth d of nesting: "[[...[inner]...]]" with d brackets */
static char *nested(int d, const char *inner, int obj)
{
    size_t il = strlen(inner), n = (size_t)d * (obj ? 6 : 1) * 2 + il + 1;
    char *s = malloc(n), *p = s;
    for (int i = 0; i < d; i++)
        p += obj ? (memcpy(p, "{\"k\":", 5), 5) : (*p = '[', 1);
    memcpy(p, inner, il);
    p += il;
    for (int i = 0; i < d; i++)
        *p++ = obj ? '}' : ']';
    *p = '\0';
    return s;
}

static void test_depth(void **state)
{
    (void)state;
    static const struct {
        int d;
        const char *inner;
        int obj, ok;
    } t[] = {
        /* jansson counts every value level, the top one as 1, and allows 2048 */
        {2048, "", 0, 1},    {2047, "1", 0, 1},    {2048, "1", 0, 0},    {2049, "", 0, 0},
        {2047, "{}", 0, 1},  {2048, "{}", 0, 0},   {2047, "1", 1, 1},    {2048, "1", 1, 0},
        {2047, "[]", 1, 1},  {2048, "[]", 1, 0},   {100000, "", 0, 0},   {500, "\"x\"", 0, 1},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char *s = nested(t[i].d, t[i].inner, t[i].obj);
        int accepted = -1;
        const char *why = jscan_agree(s, strlen(s), &accepted);
        if (why)
            fail_msg("depth %d '%s' obj=%d: %s", t[i].d, t[i].inner, t[i].obj, why);
        if (accepted != t[i].ok)
            fail_msg("depth %d '%s' obj=%d: %s", t[i].d, t[i].inner, t[i].obj,
                     accepted ? "accepted" : "rejected");
        free(s);
    }
    /* a smaller limit through the options; the error names it */
    struct vg_jscan_opt opt = {.max_depth = 3};
    const struct vg_jval *v;
    struct vg_err e = {0};
    size_t pos;
    assert_int_equal(vg_jscan_parse("[[1]]", 5, A, &opt, &v, &pos, &e), VG_OK);
    assert_int_equal(vg_jscan_parse("[[[]]]", 6, A, &opt, &v, &pos, &e), VG_OK);
    assert_int_equal(vg_jscan_parse("[[[[]]]]", 8, A, &opt, &v, &pos, &e), VG_EJSON);
    assert_int_equal(pos, 3);
    assert_non_null(strstr(e.msg, "nested deeper than 3"));
    vg_err_clear(&e);
    assert_int_equal(vg_jscan_parse("[[[1]]]", 7, A, &opt, &v, &pos, &e), VG_EJSON);
    vg_err_clear(&e);
    assert_int_equal(vg_jscan_parse("{\"a\":{\"b\":[]}}", 14, A, &opt, &v, &pos, &e), VG_OK);
    assert_int_equal(vg_jscan_parse("{\"a\":{\"b\":[0]}}", 15, A, &opt, &v, &pos, &e), VG_EJSON);
}

static void test_offsets(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t pos;
        const char *says;
        size_t n; /* 0: strlen */
    } t[] = {
        {"", 0, "empty", 0},
        {"   ", 3, "empty", 0},
        {"[1,]", 3, "value", 0},
        {"{\"a\":1,\"a\":2}", 7, "duplicate key \"a\"", 0},
        {"[\"ab\xff\"]", 4, "UTF-8", 0},
        {"[\"ab\\q\"]", 4, "escape", 0},
        {"[\"ab\\u0000\"]", 4, "NUL", 0},
        {"[\"\\udc00\"]", 2, "surrogate", 0},
        {"[\"\\ud800x\"]", 2, "surrogate", 0},
        {"[1] x", 4, "trailing", 0},
        {"\"abc", 0, "unterminated", 0},
        {"[\"a\nb\"]", 3, "control", 0},
        {"[01]", 1, "leading zero", 0},
        {"[1e400]", 1, "overflow", 0},
        {"[99999999999999999999]", 1, "64-bit", 0},
        {"{\"a\" 1}", 5, "':'", 0},
        {"{\"a\":1 \"b\":2}", 7, "','", 0},
        {"[1 2]", 3, "','", 0},
        {"{1:2}", 1, "key", 0},
        {"[tru]", 1, "literal", 0},
        {"[1,", 3, "end of input", 0},
        {"[\0]", 1, "NUL", 3},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        const struct vg_jval *v;
        struct vg_err e = {0};
        size_t pos = 999, n = t[i].n ? t[i].n : strlen(t[i].s);
        assert_int_equal(vg_jscan_parse(t[i].s, n, A, NULL, &v, &pos, &e), VG_EJSON);
        if (pos != t[i].pos || strstr(e.msg, t[i].says) == NULL)
            fail_msg("'%s': byte %zu (%s), want byte %zu and '%s'", t[i].s, pos, e.msg, t[i].pos,
                     t[i].says);
        char want[32];
        snprintf(want, sizeof(want), "at byte %zu:", t[i].pos);
        assert_non_null(strstr(e.msg, want));
    }
    /* errpos and err are optional */
    const struct vg_jval *v;
    assert_int_equal(vg_jscan_parse("[", 1, A, NULL, &v, NULL, NULL), VG_EJSON);
    assert_int_equal(vg_jscan_parse(NULL, 0, A, NULL, &v, NULL, NULL), VG_EJSON);
}

/* The plain flag: 1 for a string read without an escape (nothing in it
 * JSON escapes), in the inline path (16 bytes of input after it) and at
 * the end of the input alike; 0 after any escape and for other values. */
static void test_plain(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int plain;
    } t[] = {
        {"[\"abc\",1,2,3,4,5,6,7,8,9,10,11]", 1},
        {"[\"abc\"]", 1},
        {"[\"caf\xc3\xa9 \xe4\xb8\xad and more than sixteen bytes\",0,0,0,0,0,0,0,0,0,0]", 1},
        {"[\"a string of more than sixteen bytes, plain\",0,0,0,0,0,0,0,0,0,0]", 1},
        {"[\"\",0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]", 1},
        {"[\"a\\nb\",0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]", 0},
        {"[\"a\\\"b\"]", 0},
        {"[\"\\u00e9\",0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]", 0},
        {"[\"\\/\"]", 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        const struct vg_jval *v;
        assert_int_equal(vg_jscan_parse(t[i].s, strlen(t[i].s), A, NULL, &v, NULL, NULL), VG_OK);
        assert_int_equal(v->u.a[0].type, VG_JSTR);
        if (v->u.a[0].plain != t[i].plain)
            fail_msg("%s: plain %d", t[i].s, v->u.a[0].plain);
        for (uint32_t k = 1; k < v->n; k++)
            assert_int_equal(v->u.a[k].plain, 0);
        assert_int_equal(v->plain, 0);
    }
    const struct vg_jval *o;
    const char *d = "{\"key\":{\"k\\u0041\":[]},\"z\":null}";
    assert_int_equal(vg_jscan_parse(d, strlen(d), A, NULL, &o, NULL, NULL), VG_OK);
    assert_int_equal(o->u.o[0].key.plain, 1);
    assert_int_equal(o->u.o[0].val.u.o[0].key.plain, 0);
    assert_int_equal(o->u.o[1].val.plain, 0);
}

/* Small objects (the linear duplicate check behind a bit per key): keys
 * that share length, first and last byte (one bit) but differ inside are
 * fine; a repeat of any of them, or of a key with a bit of its own, is the
 * error at the repeat's offset. */
static void test_small_dups(void **state)
{
    (void)state;
    for (size_t k = 1; k <= 16; k++)
        for (size_t j = 0; j <= k; j++) {
            char s[512];
            size_t o = 0, at = 0;
            const struct vg_jval *v;
            struct vg_err e = {0};
            s[o++] = '{';
            for (size_t i = 0; i < k; i++)
                o += (size_t)snprintf(s + o, sizeof(s) - o, "%s\"a%cz\":%zu", i ? "," : "",
                                      (char)('A' + i), i);
            o += (size_t)snprintf(s + o, sizeof(s) - o, ",\"k%zu\":0", k);
            if (j < k) { /* a repeat of key j (one bit with all the others) */
                at = o + 1;
                o += (size_t)snprintf(s + o, sizeof(s) - o, ",\"a%cz\":1", (char)('A' + j));
            }
            s[o++] = '}';
            s[o] = '\0';
            size_t pos = 0;
            int rc = vg_jscan_parse(s, o, A, NULL, &v, &pos, &e);
            if (j == k) {
                assert_int_equal(rc, VG_OK);
                assert_int_equal(v->n, k + 1);
                continue;
            }
            assert_int_equal(rc, VG_EJSON);
            assert_int_equal(pos, at);
            assert_non_null(strstr(e.msg, "duplicate key"));
            if (k < 15) { /* the key with a bit of its own, repeated (under 17 keys) */
                char t[512];
                size_t n = (size_t)snprintf(t, sizeof(t), "{\"k%zu\":0,%.*s,\"k%zu\":2}", k,
                                            (int)(o - 2), s + 1, k);
                assert_int_equal(vg_jscan_parse(t, n, A, NULL, &v, &pos, &e), VG_EJSON);
            }
        }
}

static char *big_object(size_t k, size_t prefix, int dup_at_end, size_t *n)
{
    size_t cap = k * (prefix + 40) + 64, o = 0;
    char *s = malloc(cap), *pre = malloc(prefix + 1);
    memset(pre, 'p', prefix);
    pre[prefix] = '\0';
    s[o++] = '{';
    for (size_t i = 0; i < k; i++)
        o += (size_t)snprintf(s + o, cap - o, "%s\"%s%zu\":%zu", i ? "," : "", pre, i * 7919 % k, i);
    if (dup_at_end)
        o += (size_t)snprintf(s + o, cap - o, ",\"%s%zu\":0", pre, k / 2);
    s[o++] = '}';
    s[o] = '\0';
    *n = o;
    free(pre);
    return s;
}

static void test_big(void **state)
{
    (void)state;
    const struct vg_jval *v;
    size_t n, pos;
    /* one million items */
    size_t cap = 8 * 1000000 + 16, o = 0;
    char *s = malloc(cap);
    s[o++] = '[';
    for (int i = 0; i < 1000000; i++)
        o += (size_t)snprintf(s + o, cap - o, "%s%d", i ? "," : "", i * 3 - 7);
    s[o++] = ']';
    assert_int_equal(scan(s, o, &v, NULL), VG_OK);
    assert_int_equal(v->n, 1000000);
    assert_true(v->u.a[999999].u.i == 999999 * 3 - 7);
    assert_null(jscan_agree(s, o, NULL));
    free(s);
    /* a 4 MB string with escapes and UTF-8 sprinkled through it */
    cap = 4 * 1000000 + 16;
    s = malloc(cap);
    o = 0;
    s[o++] = '"';
    for (int i = 0; o < cap - 16; i++) {
        if (i % 97 == 0) {
            memcpy(s + o, "\\n", 2);
            o += 2;
        } else if (i % 89 == 0) {
            memcpy(s + o, "\xc3\xa9", 2);
            o += 2;
        } else {
            s[o++] = (char)('a' + i % 26);
        }
    }
    s[o++] = '"';
    assert_int_equal(scan(s, o, &v, NULL), VG_OK);
    assert_true(v->n > 3900000);
    assert_null(jscan_agree(s, o, NULL));
    free(s);
    /* objects of many keys: the sorted duplicate check */
    s = big_object(100000, 0, 0, &n);
    assert_int_equal(scan(s, n, &v, NULL), VG_OK);
    assert_int_equal(v->n, 100000);
    assert_int_equal(vg_jget(v, "99999")->u.i * 7919 % 100000, 99999);
    free(s);
    s = big_object(100000, 0, 1, &n);
    assert_int_equal(scan(s, n, &v, &pos), VG_EJSON);
    assert_true(s[pos] == '"' && strncmp(s + pos, "\"50000\":0}", 10) == 0);
    free(s);
    s = big_object(3000, 200, 1, &n); /* long common prefixes */
    assert_int_equal(scan(s, n, &v, NULL), VG_EJSON);
    assert_null(jscan_agree(s, n, NULL));
    free(s);
    for (size_t k = 14; k < 20; k++) { /* around the switch from linear to sorted */
        s = big_object(k, 0, 1, &n);
        assert_null(jscan_agree(s, n, NULL));
        assert_int_equal(scan(s, n, &v, &pos), VG_EJSON);
        free(s);
        s = big_object(k, 0, 0, &n);
        assert_int_equal(scan(s, n, &v, NULL), VG_OK);
        free(s);
    }
    /* sibling big objects with the same keys are fine; a duplicate in the
     * first of two is reported before the second is read */
    {
        size_t n1, n2;
        char *a = big_object(50, 3, 0, &n1), *b = big_object(50, 3, 1, &n2);
        char *both = malloc(n1 + n2 + 8);
        snprintf(both, n1 + n2 + 8, "[%s,%s]", a, a);
        assert_int_equal(scan(both, strlen(both), &v, NULL), VG_OK);
        snprintf(both, n1 + n2 + 8, "[%s,%s]", b, a);
        assert_int_equal(scan(both, strlen(both), &v, &pos), VG_EJSON);
        assert_true(pos < n2);
        free(a);
        free(b);
        free(both);
    }
}

/* ---- every .json file under $VIGIL_TESTDATA ---- */

static size_t files_seen, bytes_seen;

static void agree_file(const char *path, void *ctx)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    (void)ctx;
    if (f == NULL || fstat(fileno(f), &sb) != 0)
        fail_msg("cannot read %s", path);
    char *buf = malloc((size_t)sb.st_size + 1);
    size_t n = fread(buf, 1, (size_t)sb.st_size, f);
    fclose(f);
    const char *why = jscan_agree(buf, n, NULL);
    if (why)
        fail_msg("%s: %s", path, why);
    files_seen++;
    bytes_seen += n;
    free(buf);
}

static void test_only(void **state)
{
    (void)state;
    static const char *const keys[] = {"values", "type", NULL};
    struct vg_err e = {0};
    assert_int_equal(vg_jonly(ok("{\"values\":[],\"type\":null}"), keys, NULL, &e), VG_OK);
    assert_int_equal(vg_jonly(ok("{}"), keys, "q", &e), VG_OK);
    assert_int_equal(vg_jonly(ok("{\"values\":1,\"vals\":2}"), keys, NULL, &e), VG_EUNKNOWN);
    assert_string_equal(e.field, "vals");
    assert_string_equal(e.msg, "vals: unknown field");
    vg_err_clear(&e);
    assert_int_equal(vg_jonly(ok("{\"x\":1}"), keys, "queries[3].package", &e), VG_EUNKNOWN);
    assert_string_equal(e.field, "queries[3].package.x");
    vg_err_clear(&e);
    assert_int_equal(vg_jonly(ok("[1]"), keys, NULL, &e), VG_OK); /* not an object: nothing to check */
}

static void test_testdata(void **state)
{
    (void)state;
    const char *td = vg_testdata_opt(".");
    if (td == NULL)
        skip();
    vg_testdata_walk(td, ".json", agree_file, NULL);
    print_message("jscan agrees with jansson on %zu files (%zu bytes)\n", files_seen, bytes_seen);
    assert_true(files_seen > 100);
}

/* ---- a big document a piece at a time: vg_jscan_top, vg_jscan_parse_span ---- */

static void span_is(const char *s, struct vg_jspan sp, const char *want)
{
    if (sp.len != strlen(want) || memcmp(s + sp.off, want, sp.len) != 0)
        fail_msg("span \"%.*s\", expected \"%s\"", (int)sp.len, s + sp.off, want);
}

static void test_top_layout(void **state)
{
    (void)state;
    struct vg_jtop t;
    const char *s = " {\"type\":\"bundle\", \"objects\" :\t[ {\"a\":1} ,{\"b\":[2,{\"c\":\"]}\\\"[\"}]},3,"
                    "\"s\\\"\",true , -1.5e3],\"z\":null}\n";
    assert_int_equal(vg_jscan_top(s, strlen(s), "objects", &t), VG_OK);
    assert_int_equal(t.nmem, 3);
    assert_int_equal(t.arr, 1);
    span_is(s, t.key[0], "\"type\"");
    span_is(s, t.val[0], "\"bundle\"");
    span_is(s, t.key[1], "\"objects\"");
    span_is(s, t.val[1], "[ {\"a\":1} ,{\"b\":[2,{\"c\":\"]}\\\"[\"}]},3,\"s\\\"\",true , -1.5e3]");
    span_is(s, t.key[2], "\"z\"");
    span_is(s, t.val[2], "null");
    assert_int_equal(t.nitem, 6);
    span_is(s, t.item[0], "{\"a\":1}");
    span_is(s, t.item[1], "{\"b\":[2,{\"c\":\"]}\\\"[\"}]}");
    span_is(s, t.item[2], "3");
    span_is(s, t.item[3], "\"s\\\"\"");
    span_is(s, t.item[4], "true");
    span_is(s, t.item[5], "-1.5e3");
    vg_jtop_free(&t);
    assert_null(t.item);

    /* the member named is no array: no items; an empty list */
    assert_int_equal(vg_jscan_top("{\"objects\":{\"a\":[]}}", 20, "objects", &t), VG_OK);
    assert_int_equal(t.arr, (size_t)-1);
    assert_int_equal(t.nmem, 1);
    vg_jtop_free(&t);
    assert_int_equal(vg_jscan_top("{\"objects\":[ ]}", 15, "objects", &t), VG_OK);
    assert_int_equal(t.arr, 0);
    assert_int_equal(t.nitem, 0);
    vg_jtop_free(&t);

    /* brackets of either kind are counted alike: the item's parse tells */
    assert_int_equal(vg_jscan_top("{\"objects\":[{\"a\":1]]}", 21, "objects", &t), VG_OK);
    span_is("{\"objects\":[{\"a\":1]]}", t.item[0], "{\"a\":1]");
    vg_jtop_free(&t);

    /* not laid out as jscan reads it: no spans, *out empty */
    static const char *const bad[] = {
        "", " ", "[]", "{}", "1", "{\"a\":1} x", "{\"a\":1}}", "{\"a\" 1}", "{\"a\":}", "{\"a\":1,}",
        "{a:1}", "{\"a\":[}", "{\"a\":\"}", "{\"a\\u0062\":1}", "{\"objects\":[],\"objects\":[1]}",
        "{\"objects\":[1,]}", "{\"objects\":[,1]}", "{\"objects\":[1 2]}", "{\"objects\":[1}",
"{\"objects\":[{\"a\":1}", "{\"a\":1,\"b\":2", "{\"a\":1 \"b\":2}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (vg_jscan_top(bad[i], strlen(bad[i]), "objects", &t) == VG_OK)
            fail_msg("vg_jscan_top accepts %s", bad[i]);
        assert_null(t.key);
        assert_null(t.item);
        assert_int_equal(t.nmem, 0);
        assert_int_equal(t.arr, (size_t)-1);
    }
}

/* A span's value read as in the whole text: offsets, depth, what follows. */
static void test_span_parse(void **state)
{
    (void)state;
    const struct vg_jval *v;
    struct vg_err e = {0};
    size_t pos = 0;
    const char *s = "{\"objects\":[{\"a\":[1,2]},{\"b\":\"x\\qy\"}]}";
    struct vg_jspan sp = {12, 11}; /* {"a":[1,2]} */
    assert_int_equal(vg_jscan_parse_span(s, sp, 2, ']', A, NULL, &v, &pos, &e), VG_OK);
    assert_int_equal(v->type, VG_JOBJ);
    assert_int_equal(vg_jget(v, "a")->u.a[1].u.i, 2);
    sp = (struct vg_jspan){24, 14}; /* {"b":"x\qy"}: the escape's offset in s */
    assert_int_equal(vg_jscan_parse_span(s, sp, 2, ']', A, NULL, &v, &pos, &e), VG_EJSON);
    assert_null(v);
    assert_int_equal(pos, 31);
    assert_string_equal(e.msg, "invalid JSON at byte 31: invalid escape");
    /* a scalar item read short: what the whole parse says after an item */
    s = "{\"objects\":[1x]}";
    memset(&e, 0, sizeof(e));
    assert_int_equal(vg_jscan_parse_span(s, (struct vg_jspan){12, 2}, 2, ']', A, NULL, &v, &pos, &e),
                     VG_EJSON);
    assert_string_equal(e.msg, "invalid JSON at byte 13: ',' or ']' is expected after an item");
    memset(&e, 0, sizeof(e));
    assert_int_equal(vg_jscan_parse_span(s, (struct vg_jspan){12, 2}, 1, '}', A, NULL, &v, &pos, &e),
                     VG_EJSON);
    assert_string_equal(e.msg, "invalid JSON at byte 13: ',' or '}' is expected after a member");
    /* the depth counts the containers around */
    memset(&e, 0, sizeof(e));
    struct vg_jscan_opt o = {.max_depth = 4};
    s = "{\"o\":[[[1]]]}";
    assert_int_equal(vg_jscan_parse_span(s, (struct vg_jspan){6, 5}, 2, ']', A, &o, &v, &pos, &e),
                     VG_EJSON);
    assert_string_equal(e.msg, "invalid JSON at byte 8: nested deeper than 4 levels");
    assert_int_equal(vg_jscan_parse(s, strlen(s), A, &o, &v, &pos, &e), VG_EJSON);
    assert_int_equal(pos, 8);
    memset(&e, 0, sizeof(e));
    assert_int_equal(vg_jscan_parse_span(s, (struct vg_jspan){6, 5}, 4, ']', A, &o, &v, &pos, &e),
                     VG_EJSON);
    assert_string_equal(e.msg, "invalid JSON at byte 6: nested deeper than 4 levels");
    o.max_depth = 5;
    assert_int_equal(vg_jscan_parse_span(s, (struct vg_jspan){6, 5}, 2, ']', A, &o, &v, &pos, &e),
                     VG_OK);
}

static void spans_agree(const char *s, size_t n, int *hows)
{
    int how;
    const char *why = jscan_spans_agree(s, n, "objects", &how);
    if (why)
        fail_msg("%s: %.*s", why, (int)(n < 300 ? n : 300), s);
    hows[how]++;
}

/* Every byte of a small bundle replaced (by each of a set of bytes) or
 * dropped, and every prefix: the piece-wise reading agrees with the whole
 * parse, message and offset included, wherever the fault is. */
static void test_spans_mutations(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[{\"type\":\"indicator\",\"n\":-12.5e-3,"
        "\"l\":[\"a\\\"]\",{\"x\":[true,false,null]}],\"u\":\"\\u00e9\\ud83d\\ude00\xc3\xa9\"},"
        "{\"type\":\"x\",\"k\":{\"a\":1,\"b\":2}},[1,{}],\"s\",7],\"x_z\":{\"q\":[0]}}";
    static const char subst[] = {'"', '{', '}', '[', ']', ',', ':', '\\', 'x', '1', ' ', '\t',
                                 '\x80', '\xc3', '\x01', '\0', 'e', '-', '.', 'u', 'n'};
    size_t n = sizeof(doc) - 1;
    char buf[sizeof(doc)];
    int hows[3] = {0, 0, 0};
    spans_agree(doc, n, hows);
    assert_int_equal(hows[2], 1);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof(subst); k++) {
            memcpy(buf, doc, n);
            buf[i] = subst[k];
            spans_agree(buf, n, hows);
        }
        memcpy(buf, doc, i);
        memcpy(buf + i, doc + i + 1, n - i - 1);
        spans_agree(buf, n - 1, hows);
        spans_agree(doc, i, hows);
    }
    /* all three outcomes are met: read whole, an item's error, accepted */
    assert_true(hows[0] > 100);
    assert_true(hows[1] > 100);
    assert_true(hows[2] > 100);
}

/* Items longer than the scan's 64-byte steps, with escapes, quotes and
 * brackets in strings at every alignment. */
static void test_spans_long(void **state)
{
    (void)state;
    static const char *const parts[] = {"\"a\\\\\"", "\"]}\"", "\"\\\"[{\"", "[", "]", "{\"k\":", "}",
                                        "12", "\"\\u005d\"", "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\""};
    struct vg_buf b = {0};
    int hows[3] = {0, 0, 0};
    unsigned seed = 7;
    for (int round = 0; round < 300; round++) {
        vg_buf_reset(&b);
        vg_buf_puts(&b, "{\"objects\":[");
        for (int item = 0; item < 8; item++) {
            int depth = 0;
            if (item)
                vg_buf_putc(&b, ',');
            vg_buf_puts(&b, "{\"v\":[");
            for (int k = 0; k < 40; k++) {
                seed = seed * 1103515245u + 12345u;
                unsigned r = (seed >> 16) % 10;
                if (r == 3) { /* open an array */
                    vg_buf_puts(&b, k ? ",[" : "[");
                    depth++;
                    k = -1; /* the next one has no comma */
                    if (depth > 4)
                        break;
                    continue;
                }
                if (r == 4 || r == 5 || r == 6) /* closing, keys: keep it simple */
                    r = 7;
                if (k)
                    vg_buf_putc(&b, ',');
                vg_buf_puts(&b, parts[r]);
            }
            while (depth-- > 0)
                vg_buf_putc(&b, ']');
            vg_buf_puts(&b, "]}");
        }
        vg_buf_puts(&b, "]}");
        spans_agree(b.p, b.n, hows);
        /* and broken once, somewhere */
        seed = seed * 1103515245u + 12345u;
        b.p[(seed >> 8) % b.n] = "\"\\]}x"[(seed >> 4) % 5];
        spans_agree(b.p, b.n, hows);
    }
    vg_buf_free(&b);
    assert_true(hows[2] > 250);
    assert_true(hows[1] + hows[0] > 100);
}

/* The parser's scratch kept between calls: the same documents and errors
 * as without, whatever the previous call grew (stack, frames, the sort of a
 * big object, a long real's copy). */
static void test_keep(void **state)
{
    (void)state;
    struct vg_jscan_keep keep = {0};
    const struct vg_jscan_opt with = {.keep = &keep};
    struct vg_buf big = {0};
    const char *docs[8];
    size_t nd = 0;
    vg_buf_puts(&big, "{");
    for (int i = 0; i < 600; i++)
        vg_buf_printf(&big, "%s\"k%d\":[%d,\"%d\"]", i ? "," : "", i, i, i);
    vg_buf_puts(&big, "}");
    docs[nd++] = big.p;
    docs[nd++] = "[1,2,{\"a\":1.00000000000000000000000000000000000000000000000000000000000000001}]";
    char *deep = nested(300, "0", 1);
    docs[nd++] = deep;
    docs[nd++] = "{\"a\":1,\"b\":2,\"a\":3}";
    docs[nd++] = "{\"x\":[true,false,null,\"\\u00e9\"]}";
    docs[nd++] = "[[[[[[[[[[[[]]]]]]]]]]]]";
    docs[nd++] = "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,"
                 "\"k9\":9,\"k10\":10,\"k11\":11,\"k12\":12,\"k13\":13,\"k14\":14,\"k15\":15,"
                 "\"k16\":16,\"k3\":17}";
    docs[nd++] = "1e400";
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < nd; i++) {
            const struct vg_jval *v1, *v2;
            struct vg_err e1 = {0}, e2 = {0};
            size_t p1 = 0, p2 = 0, n = strlen(docs[i]);
            int r1 = vg_jscan_parse(docs[i], n, A, NULL, &v1, &p1, &e1);
            int r2 = vg_jscan_parse(docs[i], n, A, &with, &v2, &p2, &e2);
            assert_int_equal(r1, r2);
            if (r1 == VG_OK) {
                assert_true(jval_same(v1, v2));
            } else {
                assert_int_equal(p1, p2);
                assert_string_equal(e1.msg, e2.msg);
            }
            /* and a span of it, as an item */
            memset(&e2, 0, sizeof(e2));
            r2 = vg_jscan_parse_span(docs[i], (struct vg_jspan){0, (uint32_t)n}, 0, 0, A, &with, &v2,
                                     &p2, &e2);
            assert_int_equal(r1, r2);
            if (r1 == VG_OK)
                assert_true(jval_same(v1, v2));
            else
                assert_string_equal(e1.msg, e2.msg);
        }
    assert_non_null(keep.v);
    vg_jscan_keep_free(&keep);
    assert_null(keep.v);
    vg_jscan_keep_free(NULL);
    vg_buf_free(&big);
    free(deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_dups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_testdata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_top_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_span_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spans_mutations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spans_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keep, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
