/* National grade from a CVSS score (CNNVD's mapping). The GB/T 30279 grader
 * is in gbt.c. Not for: CVSS scoring. */
#include "engine/cvss/grade.h"

#include <string.h>

enum vg_grade vg_grade_from_score(int tenths)
{
    if (tenths >= 90)
        return VG_GRADE_CRITICAL;
    if (tenths >= 70)
        return VG_GRADE_HIGH;
    if (tenths >= 40)
        return VG_GRADE_MEDIUM;
    if (tenths > 0)
        return VG_GRADE_LOW;
    return VG_GRADE_NONE;
}

static const char *const names[] = {"none", "low", "medium", "high", "critical"};
static const char *const names_zh[] = {"无", "低危", "中危", "高危", "超危"};

const char *vg_grade_name(enum vg_grade g)
{
    return (unsigned)g < 5 ? names[g] : "?";
}

const char *vg_grade_name_zh(enum vg_grade g)
{
    return (unsigned)g < 5 ? names_zh[g] : "?";
}

int vg_grade_parse(const char *s, enum vg_grade *out, struct vg_err *err)
{
    int rc = VG_EINVAL;
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0 || strcmp(s, names_zh[i]) == 0) {
            *out = (enum vg_grade)i;
            rc = VG_OK;
            goto out;
        }
    vg_err_field(err, rc, "grade", "unknown grade (expected critical, high, medium, low, none)");
out:
    return rc;
}
