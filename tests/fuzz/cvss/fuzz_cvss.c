/* libFuzzer driver for engine/cvss: parses arbitrary bytes as a vector and,
 * when accepted, checks the invariants: every score within 0..10, the
 * canonical vector re-parses to the same scores and is a fixed point, and the
 * JSON encoding is produced. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "engine/cvss/cvss.h"
#include "engine/cvss/grade.h"

#define CHECK(x)                                                                               \
    do {                                                                                       \
        if (!(x))                                                                              \
            abort();                                                                           \
    } while (0)

static void in_range(int tenths, int may_be_absent)
{
    if (may_be_absent && tenths == -1)
        return;
    CHECK(tenths >= 0 && tenths <= 100);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_cvss c, c2;
    struct vg_err err = {0};
    char canon[VG_CVSS_MAX_INPUT + 64], canon2[VG_CVSS_MAX_INPUT + 64];
    struct vg_buf b = {0};
    size_t n;

    if (vg_cvss_parse((const char *)data, size, &c, &err) != VG_OK) {
        CHECK(err.code != VG_OK && err.msg[0] != '\0');
        CHECK(memchr(err.field, '\0', sizeof(err.field)) != NULL);
        return 0;
    }
    in_range(c.base, 0);
    in_range(c.score, 0);
    in_range(c.environmental, 0);
    in_range(c.temporal, c.version == VG_CVSS_V4_0);
    in_range(c.threat, c.version != VG_CVSS_V4_0);
    CHECK(vg_grade_from_score(c.score) <= VG_GRADE_CRITICAL);

    n = vg_cvss_vector(&c, canon, sizeof(canon));
    CHECK(n < sizeof(canon) && n == strlen(canon));
    CHECK(vg_cvss_parse(canon, n, &c2, NULL) == VG_OK);
    CHECK(c2.version == c.version && c2.base == c.base && c2.score == c.score &&
          c2.temporal == c.temporal && c2.threat == c.threat &&
          c2.environmental == c.environmental && c2.groups == c.groups &&
          strcmp(c2.macrovector, c.macrovector) == 0);
    vg_cvss_vector(&c2, canon2, sizeof(canon2));
    CHECK(strcmp(canon, canon2) == 0);

    vg_cvss_json(&c, &b);
    CHECK(b.n > 0 && b.p[0] == '{' && b.p[b.n - 1] == '}');
    vg_buf_free(&b);
    return 0;
}
