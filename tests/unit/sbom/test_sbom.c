/* Unit tests for src/engine/sbom: CycloneDX (nested), SPDX, purl lines,
 * errors naming the JSON path, bounds, and agreement with the jansson-based
 * reader it replaced (sbom_ref.c) on hand-written documents, every one-byte
 * change of one, the fuzz corpus and the CycloneDX examples in
 * $VIGIL_TESTDATA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "engine/sbom/sbom.h"
#include "sbom_ref.h"
#include "../../conformance/testdata.h"
#include <sys/stat.h>

static struct vg_arena *A;

static int parse(const char *s, struct vg_sbom *out, struct vg_err *err)
{
    vg_err_clear(err);
    return vg_sbom_parse(s, strlen(s), A, out, err);
}

static void test_cyclonedx(void **state)
{
    (void)state;
    struct vg_sbom s;
    struct vg_err err;
    const char *doc =
        "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":["
        "{\"type\":\"library\",\"group\":\"org.apache.logging.log4j\",\"name\":\"log4j-core\","
        "\"version\":\"2.14.1\",\"purl\":\"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1\","
        "\"components\":[{\"type\":\"library\",\"name\":\"inner\",\"purl\":\"pkg:npm/inner@1.0.0\"}]},"
        "{\"type\":\"application\",\"name\":\"nopurl\",\"version\":\"1\"}]}";
    assert_int_equal(parse(doc, &s, &err), VG_OK);
    assert_int_equal(s.format, VG_SBOM_CYCLONEDX);
    assert_string_equal(s.spec_version, "1.6");
    assert_int_equal(s.n, 3);
    assert_string_equal(s.c[0].name, "log4j-core");
    assert_string_equal(s.c[0].group, "org.apache.logging.log4j");
    assert_string_equal(s.c[0].purl, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
    assert_string_equal(s.c[0].p.ns, "org.apache.logging.log4j");
    assert_string_equal(s.c[0].path, "components[0]");
    assert_string_equal(s.c[0].ecosystem, "Maven");
    assert_string_equal(s.c[1].ecosystem, "npm");
    assert_null(s.c[2].ecosystem);
    assert_int_equal(s.c[2].eco, -1);
    assert_string_equal(s.c[1].path, "components[0].components[0]");
    assert_string_equal(s.c[1].version, "1.0.0"); /* from the purl */
    assert_null(s.c[2].purl);
    assert_null(s.c[2].p.type);
}

static void test_cyclonedx_errors(void **state)
{
    (void)state;
    struct vg_sbom s;
    struct vg_err err;
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"a\"},"
                           "{\"name\":\"b\",\"purl\":\"pkg:maven/@1\"}]}",
                           &s, &err),
                     VG_EINVAL);
    assert_string_equal(err.field, "components[1].purl");
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":1}]}", &s, &err),
                     VG_EINVAL);
    assert_string_equal(err.field, "components[0].name");
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\",\"components\":[{\"type\":\"x\"}]}", &s,
                           &err),
                     VG_EMISSING);
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\",\"components\":{}}", &s, &err), VG_EINVAL);
    assert_string_equal(err.field, "components");
    assert_int_equal(parse("{\"bomFormat\":\"Other\"}", &s, &err), VG_EINVAL);
    assert_int_equal(parse("{\"bomFormat\":", &s, &err), VG_EJSON);
    assert_int_equal(parse("{\"a\":1}", &s, &err), VG_EINVAL);
}

static void test_depth(void **state)
{
    (void)state;
    struct vg_sbom s;
    struct vg_err err;
    char buf[8192];
    size_t o = (size_t)snprintf(buf, sizeof(buf), "{\"bomFormat\":\"CycloneDX\",\"components\":");
    for (int i = 0; i < VG_SBOM_MAX_DEPTH + 2; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "[{\"name\":\"n\",\"components\":");
    o += (size_t)snprintf(buf + o, sizeof(buf) - o, "[]");
    for (int i = 0; i < VG_SBOM_MAX_DEPTH + 2; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "}]");
    snprintf(buf + o, sizeof(buf) - o, "}");
    assert_int_equal(parse(buf, &s, &err), VG_ETOOBIG);
}

static void test_spdx(void **state)
{
    (void)state;
    struct vg_sbom s;
    struct vg_err err;
    const char *doc =
        "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"lodash\",\"versionInfo\":\"4.17.20\","
        "\"externalRefs\":[{\"referenceCategory\":\"SECURITY\",\"referenceType\":\"cpe23Type\","
        "\"referenceLocator\":\"cpe:2.3:a:x\"},{\"referenceCategory\":\"PACKAGE-MANAGER\","
        "\"referenceType\":\"purl\",\"referenceLocator\":\"pkg:npm/lodash@4.17.20\"}]},"
        "{\"name\":\"other\"}]}";
    assert_int_equal(parse(doc, &s, &err), VG_OK);
    assert_int_equal(s.format, VG_SBOM_SPDX);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.c[0].purl, "pkg:npm/lodash@4.17.20");
    assert_string_equal(s.c[0].version, "4.17.20");
    assert_null(s.c[1].purl);
    assert_int_equal(parse("{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\","
                           "\"externalRefs\":[{\"referenceType\":\"purl\","
                           "\"referenceLocator\":\"nope\"}]}]}",
                           &s, &err),
                     VG_EINVAL);
    assert_string_equal(err.field, "packages[0].externalRefs[0].referenceLocator");
    assert_int_equal(parse("{\"spdxVersion\":\"SPDX-3.0\"}", &s, &err), VG_EINVAL);
}

static void test_lines(void **state)
{
    (void)state;
    struct vg_sbom s;
    struct vg_err err;
    assert_int_equal(parse("# comment\n\npkg:pypi/Django@1.0\r\n  pkg:npm/a@1  \n", &s, &err), VG_OK);
    assert_int_equal(s.format, VG_SBOM_PURLS);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.c[0].purl, "pkg:pypi/django@1.0");
    assert_string_equal(s.c[0].path, "line 3");
    assert_string_equal(s.c[1].name, "a");
    assert_int_equal(parse("pkg:npm/a@1\nbad\n", &s, &err), VG_EINVAL);
    assert_string_equal(err.field, "line 2");
    assert_int_equal(parse("", &s, &err), VG_OK);
    assert_int_equal(s.n, 0);
}

static void test_json_details(void **state)
{
    (void)state;
    struct vg_sbom s;
    struct vg_err err;
    /* escapes are decoded; strings with \u escapes, UTF-8 and '/' survive */
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.\\u0036\",\"components\":"
                           "[{\"name\":\"caf\\u00e9 \xe2\x82\xac\",\"group\":\"a\\/b\",\"version\":\"1\\t2\"}]}",
                           &s, &err),
                     VG_OK);
    assert_string_equal(s.spec_version, "1.6");
    assert_string_equal(s.c[0].name, "caf\xc3\xa9 \xe2\x82\xac");
    assert_string_equal(s.c[0].group, "a/b");
    assert_string_equal(s.c[0].version, "1\t2");
    /* strictness is the JSON layer's: duplicates, bad UTF-8, NUL, garbage */
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\",\"bomFormat\":\"CycloneDX\"}", &s, &err),
                     VG_EJSON);
    assert_non_null(strstr(err.msg, "duplicate key"));
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"\xc0\xaf\"}]}",
                           &s, &err),
                     VG_EJSON);
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"a\\u0000\"}]}",
                           &s, &err),
                     VG_EJSON);
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\"} x", &s, &err), VG_EJSON);
    assert_non_null(strstr(err.msg, "invalid JSON at byte 26"));
    /* a non-string top-level field is named without a leading dot */
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\",\"specVersion\":1.5}", &s, &err), VG_EINVAL);
    assert_string_equal(err.field, "specVersion");
    /* null components: none; null packages: an error, as before */
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\",\"components\":null}", &s, &err), VG_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(parse("{\"spdxVersion\":\"SPDX-2.3\",\"packages\":null}", &s, &err), VG_EINVAL);
    assert_string_equal(err.field, "packages");
    /* nested errors name the whole path */
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"a\"},{\"name\":\"b\","
                           "\"components\":[{\"name\":\"c\",\"version\":[]}]}]}",
                           &s, &err),
                     VG_EINVAL);
    assert_string_equal(err.field, "components[1].components[0].version");
    assert_int_equal(parse("{\"bomFormat\":\"CycloneDX\",\"components\":[1]}", &s, &err), VG_EINVAL);
    assert_string_equal(err.field, "components[0]");
}

/* Documents both readers must agree on, byte for byte of the result. */
static const char *const ref_docs[] = {
    "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"name\":\"a\",\"purl\":"
    "\"pkg:npm/%40s/a@1.0.0?b=2&a=1#x/y\"},{\"name\":\"b\",\"group\":\"g\",\"version\":\"2\",\"purl\":"
    "\"pkg:pypi/Django_X@1.0\",\"components\":[{\"name\":\"c\",\"purl\":\"pkg:deb/debian/c@1?arch=amd64\"},"
    "{\"name\":\"d\",\"purl\":\"\"},{\"name\":\"e\",\"components\":null}]}],\"metadata\":{\"x\":[1,2.5,true]}}",
    "{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"a\",\"purl\":\"nope\"}]}",
    "{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"a\",\"purl\":7}]}",
    "{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"a\",\"group\":false}]}",
    "{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"a\",\"components\":{}}]}",
    "{\"bomFormat\":\"CycloneDX\",\"components\":[{\"version\":\"1\"}]}",
    "{\"bomFormat\":\"CycloneDX\",\"components\":\"x\"}",
    "{\"bomFormat\":\"CycloneDX\",\"specVersion\":null}",
    "{\"bomFormat\":\"CycloneDX\",\"specVersion\":{}}",
    "{\"bomFormat\":\"cyclonedx\"}",
    "{\"bomFormat\":1,\"spdxVersion\":\"SPDX-2.2\"}",
    "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\",\"versionInfo\":\"1\",\"externalRefs\":"
    "[{\"referenceType\":\"cpe23Type\",\"referenceLocator\":\"x\"},{\"referenceType\":\"purl\","
    "\"referenceLocator\":\"pkg:maven/g/a@1\"},{\"referenceType\":\"purl\",\"referenceLocator\":\"bad\"}]},"
    "{\"versionInfo\":\"2\",\"externalRefs\":null},{\"name\":\"c\",\"externalRefs\":[]}]}",
    "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"externalRefs\":[{\"referenceType\":\"purl\","
    "\"referenceLocator\":\"pkg:npm/a\"}]}]}",
    "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"externalRefs\":[{\"referenceType\":\"purl\","
    "\"referenceLocator\":\"pkg:npm/\"}]}]}",
    "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"externalRefs\":{}}]}",
    "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"externalRefs\":[3]}]}",
    "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"externalRefs\":[{\"referenceType\":1}]}]}",
    "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[7]}",
    "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":{}}",
    "{\"spdxVersion\":\"SPDX-2.3\"}",
    "{\"spdxVersion\":\"SPDX-3.0\",\"packages\":[]}",
    "{\"spdxVersion\":7}",
    "{}",
    "  \n{\"bomFormat\":\"CycloneDX\"}\n",
    "{\"bomFormat\":\"CycloneDX\",\"components\":[]",
    "{\"bomFormat\":\"CycloneDX\",\"components\":[]}}",
    "{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"a\",\"name\":\"b\"}]}",
    "[{\"bomFormat\":\"CycloneDX\"}]",
    /* the same purl text twice: the second shares the first's parse, keeps its own
     * name and version, and takes the purl's version only where it has none */
    "{\"bomFormat\":\"CycloneDX\",\"components\":[{\"name\":\"a\",\"version\":\"9\",\"purl\":"
    "\"pkg:npm/a@1\"},{\"name\":\"b\",\"purl\":\"pkg:npm/a@1\"},{\"name\":\"c\",\"purl\":"
    "\"pkg:NPM/a@1\"},{\"name\":\"d\",\"purl\":\"pkg:npm/a@1\",\"components\":[{\"name\":\"e\","
    "\"purl\":\"pkg:npm/a@1\"}]}]}",
    "pkg:npm/a@1\n# c\n\n  pkg:maven/g/a@2  \r\npkg:npm/a@1\npkg:npm/a@1 \n",
    "pkg:npm/a@1\nnot a purl\n",
    "",
    "\n\n",
};

static void test_reference(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ref_docs) / sizeof(ref_docs[0]); i++) {
        const char *why = sbom_diff(ref_docs[i], strlen(ref_docs[i]));
        if (why)
            fail_msg("document %zu: %s", i, why);
    }
    /* every one-byte change of the first document */
    static const unsigned char subst[] = {0, '"', '\\', '[', ']', '{', '}', ',', ':', ' ', '0',
                                          'n', '@', '/', '%', 0x80, 0xc3, 0xff};
    const char *doc = ref_docs[0];
    size_t n = strlen(doc);
    char *buf = malloc(n);
    for (size_t k = 0; k < n; k++)
        for (size_t j = 0; j < sizeof(subst); j++) {
            memcpy(buf, doc, n);
            buf[k] = (char)subst[j];
            const char *why = sbom_diff(buf, n);
            if (why)
                fail_msg("byte %zu set to 0x%02x: %s", k, subst[j], why);
        }
    free(buf);
}

static size_t files_seen;

static void diff_file(const char *path, void *ctx)
{
    (void)ctx;
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (f == NULL || fstat(fileno(f), &sb) != 0)
        fail_msg("cannot read %s", path);
    char *buf = malloc((size_t)sb.st_size + 1);
    size_t n = fread(buf, 1, (size_t)sb.st_size, f);
    fclose(f);
    const char *why = sbom_diff(buf, n);
    if (why)
        fail_msg("%s: %s", path, why);
    files_seen++;
    free(buf);
}

static void test_reference_files(void **state)
{
    (void)state;
    const char *src = getenv("VIGIL_SRC"), *td = vg_testdata_opt("cyclonedx-bom-examples");
    char path[4096];
    files_seen = 0;
    if (src) {
        snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/sbom", src);
        vg_testdata_walk(path, NULL, diff_file, NULL);
    }
    if (td) {
        snprintf(path, sizeof(path), "%s/cyclonedx-bom-examples", td);
        vg_testdata_walk(path, ".json", diff_file, NULL);
    }
    print_message("sbom agrees with its reference on %zu files\n", files_seen);
}

/* The size the upload target is about: 18,000 components, each with a purl. */
static void test_many(void **state)
{
    (void)state;
    size_t cap = 18000 * 200 + 128, o = 0;
    char *doc = malloc(cap);
    struct vg_sbom s;
    struct vg_err err;
    o += (size_t)snprintf(doc + o, cap - o, "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", "
                                            "\"components\": [");
    for (int i = 0; i < 18000; i++)
        o += (size_t)snprintf(doc + o, cap - o,
                              "%s{\"type\": \"library\", \"name\": \"n%d\", \"version\": \"1.%d\", "
                              "\"purl\": \"pkg:npm/n%d@1.%d\"}",
                              i ? ", " : "", i, i % 50, i, i % 50);
    o += (size_t)snprintf(doc + o, cap - o, "]}");
    vg_err_clear(&err);
    assert_int_equal(vg_sbom_parse(doc, o, A, &s, &err), VG_OK);
    assert_int_equal(s.n, 18000);
    assert_string_equal(s.c[17999].path, "components[17999]");
    assert_string_equal(s.c[17999].purl, "pkg:npm/n17999@1.49");
    assert_string_equal(s.c[12345].ecosystem, "npm");
    assert_null(sbom_diff(doc, o));
    /* and with few distinct purls, as in bench/drill: the shared parses */
    o = (size_t)snprintf(doc, cap, "{\"bomFormat\": \"CycloneDX\", \"components\": [");
    for (int i = 0; i < 18000; i++)
        o += (size_t)snprintf(doc + o, cap - o,
                              "%s{\"name\": \"n%d\", %s\"purl\": \"pkg:maven/g/n%d@1.%d\"}",
                              i ? ", " : "", i % 37, i % 3 ? "\"version\": \"7\", " : "", i % 37, i % 5);
    o += (size_t)snprintf(doc + o, cap - o, "]}");
    assert_int_equal(vg_sbom_parse(doc, o, A, &s, &err), VG_OK);
    assert_int_equal(s.n, 18000);
    assert_string_equal(s.c[17999].purl, "pkg:maven/g/n17@1.4");
    assert_string_equal(s.c[17999].version, "7");
    assert_string_equal(s.c[17997].version, "1.2"); /* 17997 % 3 == 0: none of its own */
    assert_string_equal(s.c[17997].purl, "pkg:maven/g/n15@1.2");
    assert_string_equal(s.c[17999].ecosystem, "Maven");
    assert_null(sbom_diff(doc, o));
    free(doc);
}

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cyclonedx), cmocka_unit_test(test_cyclonedx_errors),
        cmocka_unit_test(test_depth),     cmocka_unit_test(test_spdx),
        cmocka_unit_test(test_lines),     cmocka_unit_test(test_json_details),
        cmocka_unit_test(test_reference), cmocka_unit_test(test_reference_files),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
