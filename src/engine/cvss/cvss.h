/* CVSS v2.0, v3.0, v3.1 and v4.0: strict parsing of vector strings, scoring
 * (base / temporal / environmental; v4 base / threat / environmental with the
 * supplemental metrics carried), severities, the canonical vector and a JSON
 * encoding. Pure: no I/O, no globals but static const tables; thread-safe.
 * Not for: the national grade (grade.h) or storing vectors (store/). */
#ifndef VG_CVSS_H
#define VG_CVSS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

enum vg_cvss_version {
    VG_CVSS_V2_0 = 20, /* bare "AV:N/AC:L/Au:N/C:P/I:P/A:P" (the v2 guide has no prefix) */
    VG_CVSS_V3_0 = 30, /* "CVSS:3.0/..." */
    VG_CVSS_V3_1 = 31, /* "CVSS:3.1/..." */
    VG_CVSS_V4_0 = 40, /* "CVSS:4.0/..." */
};

/* Metric groups a vector actually uses (a metric set to X / ND counts as absent). */
enum {
    VG_CVSS_G_TEMPORAL = 1,     /* v2/v3 temporal; v4 threat (E) */
    VG_CVSS_G_ENVIRONMENTAL = 2,
    VG_CVSS_G_SUPPLEMENTAL = 4, /* v4 only; never changes a score */
};

#define VG_CVSS_MAX_METRICS 32
#define VG_CVSS_MAX_INPUT 512 /* longer input is VG_ETOOBIG */

/* A parsed and scored vector. Scores are in tenths (0..100: 98 means 9.8) so
 * that they compare and print exactly. Plain value, no pointers. */
struct vg_cvss {
    int version;                             /* enum vg_cvss_version */
    unsigned groups;                         /* VG_CVSS_G_* present in the vector */
    uint32_t present;                        /* bit i: metric i of the version's table given, not X/ND */
    unsigned char val[VG_CVSS_MAX_METRICS];  /* value index per metric (0 = X/ND when optional) */
    int base;          /* v2/v3 base score; v4 CVSS-B (base metrics only) */
    int temporal;      /* v2/v3: temporal score (= base when no temporal metric); v4: -1 */
    int threat;        /* v4: CVSS-BT (base + threat, environment ignored); v2/v3: -1 */
    int environmental; /* v2/v3: environmental score (computed with ND/X defaults when the
                          group is absent); v4: CVSS-BE / CVSS-BTE (the whole vector) */
    int score;         /* the score of the whole vector: v2/v3 environmental if that group is
                          present, else temporal if present, else base; v4 the v4 score */
    char macrovector[8]; /* v4: the six EQ digits of the whole vector, NUL-terminated */
};

/* Parses s[0..n) (no surrounding whitespace allowed) and computes every score.
 * Metrics may come in any order; each at most once; every mandatory (base)
 * metric must be there; names and values are case-sensitive as the specs
 * write them. Errors: VG_EINVAL with err->field naming the metric at fault
 * ("AV", or "prefix" / "vector" for the framing) and a message; VG_ETOOBIG
 * when n > VG_CVSS_MAX_INPUT. out is zeroed first. */
int vg_cvss_parse(const char *s, size_t n, struct vg_cvss *out, struct vg_err *err);

/* "2.0", "3.0", "3.1", "4.0" (static). */
const char *vg_cvss_version_name(int version);

/* The FIRST qualitative rating for a score in tenths: "NONE" (0), "LOW", "MEDIUM",
 * "HIGH", "CRITICAL" (static). v2 has no rating in its guide; vigil uses NVD's v2
 * ranges (0-3.9 LOW, 4.0-6.9 MEDIUM, 7.0-10.0 HIGH). */
const char *vg_cvss_severity(int version, int tenths);

/* v4 nomenclature of the whole vector: "CVSS-B", "CVSS-BT", "CVSS-BE", "CVSS-BTE";
 * NULL for other versions (static). */
const char *vg_cvss_nomenclature(const struct vg_cvss *c);

/* The canonical vector: the version prefix (none for v2), the mandatory
 * metrics, then every metric given with a defined value, all in the order of
 * the specification's table; X / ND values are left out. Re-parsing it gives
 * the same scores. Writes at most size bytes (always terminated); returns the
 * full length (like snprintf). */
size_t vg_cvss_vector(const struct vg_cvss *c, char *buf, size_t size);

/* Appends one JSON object (no newline) to out:
 * {"vector","version","base_score","base_severity",
 *  v2/v3: "temporal_score","temporal_severity" when temporal metrics are given,
 *         "environmental_score","environmental_severity" when environmental ones are,
 *  v4:    "threat_score","threat_severity" when E is given,
 *         "environmental_score","environmental_severity" when environmental ones are,
 *         "score","severity","nomenclature","macrovector",
 *         "supplemental":{"S":"P",...} with the supplemental metrics given (never scored),
 *  all:   "national_grade" (grade of the overall score, see grade.h)}
 * Scores are JSON numbers with one decimal ("9.8", "10.0"). Callers building
 * jansson objects instead: json_real(tenths / 10.0) prints as 9.8000000000000007
 * by default; dump it with JSON_REAL_PRECISION(3) to get "9.8" / "10.0". */
void vg_cvss_json(const struct vg_cvss *c, struct vg_buf *out);

#endif
