/* National vulnerability grades (超危 / 高危 / 中危 / 低危): from a CVSS score
 * as CNNVD maps it, and a table-driven GB/T 30279-2020 grader whose tables come
 * from an operator-supplied, versioned data file (format in docs/cvss.md).
 * Pure: no I/O, no globals. Not for: CVSS parsing (cvss.h). */
#ifndef VG_GRADE_H
#define VG_GRADE_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

enum vg_grade {
    VG_GRADE_NONE = 0,     /* score 0: no grade */
    VG_GRADE_LOW = 1,      /* 低危 */
    VG_GRADE_MEDIUM = 2,   /* 中危 */
    VG_GRADE_HIGH = 3,     /* 高危 */
    VG_GRADE_CRITICAL = 4, /* 超危 */
};

/* From a CVSS score in tenths: >= 9.0 critical, >= 7.0 high, >= 4.0 medium,
 * > 0 low, else none. */
enum vg_grade vg_grade_from_score(int tenths);
/* "none", "low", "medium", "high", "critical" (static). */
const char *vg_grade_name(enum vg_grade g);
/* "无", "低危", "中危", "高危", "超危" (UTF-8, static). */
const char *vg_grade_name_zh(enum vg_grade g);
/* Parses "critical" / "超危" / ...; VG_EINVAL otherwise. */
int vg_grade_parse(const char *s, enum vg_grade *out, struct vg_err *err);

/* --- GB/T 30279-2020 grader ------------------------------------------------
 * A table (struct vg_gbt) is loaded from the text of a data file. It declares
 * the indicators (name and allowed values), then stages evaluated in order;
 * each stage's value is the output of its first rule whose conditions all hold
 * (a condition tests an indicator or an earlier stage); the "result" stage's
 * value is the grade. Nothing of the standard's official tables is built in. */
struct vg_gbt; /* arena-owned, read-only after load: safe to share between threads */

#define VG_GBT_MAX_TEXT (1 << 20)

/* Loads a table from text[0..n). Errors: VG_EINVAL with err->field "line N"
 * and a message; VG_ETOOBIG over VG_GBT_MAX_TEXT or the count limits. */
int vg_gbt_load(const char *text, size_t n, struct vg_arena *a, struct vg_gbt **out,
                struct vg_err *err);
/* The table's declared version string (borrowed from t). */
const char *vg_gbt_version(const struct vg_gbt *t);

struct vg_gbt_input {
    const char *name;  /* indicator name, e.g. "access_path" */
    const char *value; /* e.g. "network" */
};

struct vg_gbt_result {
    enum vg_grade grade;
    const char *version; /* the table version (borrowed from the table) */
};

/* Grades one vulnerability. Every declared indicator must be given exactly
 * once with a declared value: VG_EMISSING / VG_EINVAL / VG_EUNKNOWN naming it.
 * A stage with no matching rule is VG_EINVAL naming the stage (the table is
 * incomplete for that input). */
int vg_gbt_grade(const struct vg_gbt *t, const struct vg_gbt_input *in, size_t n,
                 struct vg_gbt_result *out, struct vg_err *err);

/* Parses "name=value,name=value" (spaces around items allowed) into in[]
 * (at most max items); strings are copied into a. */
int vg_gbt_parse_inputs(const char *s, struct vg_arena *a, struct vg_gbt_input *in, size_t max,
                        size_t *n, struct vg_err *err);

#endif
