/* Internals shared by the files of engine/cvss: the per-version metric tables
 * and the scoring entry points. Not a public interface. */
#ifndef VG_CVSS_INT_H
#define VG_CVSS_INT_H

#include "engine/cvss/cvss.h"

enum { VG__CVSS_BASE = 0, VG__CVSS_TEMPORAL = 1, VG__CVSS_ENV = 2, VG__CVSS_SUPP = 3 };

struct vg__cvss_metric {
    const char *abbr;
    unsigned char group;     /* VG__CVSS_* */
    unsigned char mandatory; /* base metrics */
    const char *const *values; /* NULL-terminated; optional metrics start with "X" or "ND" */
};

struct vg__cvss_def {
    int version;
    const char *prefix; /* "CVSS:3.1" or NULL (v2) */
    const struct vg__cvss_metric *metrics;
    size_t n;
};

const struct vg__cvss_def *vg__cvss_def(int version);

/* Metric indexes in each table (the canonical order). */
enum {
    V2_AV, V2_AC, V2_AU, V2_C, V2_I, V2_A, V2_E, V2_RL, V2_RC, V2_CDP, V2_TD, V2_CR, V2_IR,
    V2_AR, V2_N
};
enum {
    V3_AV, V3_AC, V3_PR, V3_UI, V3_S, V3_C, V3_I, V3_A, V3_E, V3_RL, V3_RC, V3_CR, V3_IR, V3_AR,
    V3_MAV, V3_MAC, V3_MPR, V3_MUI, V3_MS, V3_MC, V3_MI, V3_MA, V3_N
};
enum {
    V4_AV, V4_AC, V4_AT, V4_PR, V4_UI, V4_VC, V4_VI, V4_VA, V4_SC, V4_SI, V4_SA, V4_E, V4_CR,
    V4_IR, V4_AR, V4_MAV, V4_MAC, V4_MAT, V4_MPR, V4_MUI, V4_MVC, V4_MVI, V4_MVA, V4_MSC,
    V4_MSI, V4_MSA, V4_S, V4_AU, V4_R, V4_V, V4_RE, V4_U, V4_N
};

/* Fill the score fields of c from c->val. Never fail on a parsed vector. */
void vg__cvss_score_v2(struct vg_cvss *c);
void vg__cvss_score_v3(struct vg_cvss *c);
void vg__cvss_score_v4(struct vg_cvss *c);

/* The letter of value index i of metric m (first character is enough for v4's
 * scoring tables, which never need "Clear"/"Green"...). */
const char *vg__cvss_value(const struct vg_cvss *c, int m);

#endif
