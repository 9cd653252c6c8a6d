/* Unit tests for src/engine/sbom: CycloneDX (nested), SPDX, purl lines,
 * errors naming the JSON path, bounds. */
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
        cmocka_unit_test(test_lines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
