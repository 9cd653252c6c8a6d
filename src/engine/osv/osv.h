/* OSV records: the knowledge base's format. Checks a record's shape, turns
 * CVE JSON 5 records and NVD CVE API 2.0 entries into OSV records, scores a
 * record's CVSS vectors and reads a CISA KEV entry. Pure: JSON in, JSON out,
 * no I/O. Not for: version matching (match/), storage (store/). */
#ifndef VG_OSV_H
#define VG_OSV_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

struct vg_jval;

/* Checks the parts of an OSV record (schema 1.x, read with core/jscan.h)
 * the platform relies on: id
 * (string, at most 200 bytes, no spaces), modified (RFC 3339, required),
 * published / withdrawn (RFC 3339 when present), aliases / related (string
 * arrays), summary / details (strings), affected (objects with a package
 * {ecosystem, name} or {purl}, ranges with a type and events, versions as
 * strings), severity ([{type, score}]), references ([{type, url}]). Errors
 * name the path ("affected[2].ranges[0].events"). *modified gets the time. */
int vg_osv_check(const struct vg_jval *rec, int64_t *modified, struct vg_err *err);

/* A CVE JSON 5 record (CVE_RECORD) as an OSV record (new reference in *out):
 * id = cveId, modified = dateUpdated (else datePublished), published,
 * withdrawn for REJECTED records, summary = title, details = the English
 * description, severity from the CNA's and ADP's CVSS metrics, references,
 * credits; the CNA's affected products (vendor/product/version ranges, CPEs)
 * are kept in database_specific.cna_affected as CVE records do not name
 * packages. */
int vg_osv_from_cve5(json_t *rec, json_t **out, struct vg_err *err);

/* One entry of an NVD CVE API 2.0 response (the object under
 * vulnerabilities[i], i.e. {"cve": {...}}, or the "cve" object itself) as an
 * OSV record: id, published / modified (NVD omits the zone: UTC), details,
 * severity from cvssMetricV40/V31/V30/V2 (the Primary source first),
 * references, and the configurations' cpeMatch entries kept as CPE ranges in
 * database_specific.cpe_ranges ({criteria, versionStartIncluding, ...,
 * vulnerable}); CISA's exploitation dates in database_specific.cisa. */
int vg_osv_from_nvd(json_t *entry, json_t **out, struct vg_err *err);

/* Scores every CVSS vector in rec.severity: *best gets the highest score in
 * tenths (-1 when none parses), *scored (new reference, may be empty) the
 * scored vectors as vg_cvss_json objects. Unparseable vectors are skipped. */
void vg_osv_score(json_t *rec, int *best, json_t **scored);

/* The highest CVSS score of rec.severity in tenths (-1 when none parses),
 * without building JSON (rec read with core/jscan.h). */
int vg_osv_best_score(const struct vg_jval *rec);

/* A CISA KEV catalogue entry: the CVE id and the dates (borrowed from e).
 * VG_EINVAL naming the field when cveID or dateAdded is missing. */
int vg_kev_entry(json_t *e, const char **cve, const char **date_added, const char **due_date,
                 struct vg_err *err);

#endif
