/* OSV record checks and conversions from CVE JSON 5 and NVD API 2.0. */
#include "engine/osv/osv.h"
#include "core/buf.h"
#include "core/jscan.h"
#include "core/json.h"
#include "engine/cvss/cvss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Member key of o: absent (or null) is VG_OK unless required; else an RFC
 * 3339 time into *ms. */
static int time_at(const struct vg_jval *o, const char *key, int required, int64_t *ms,
                   struct vg_err *err)
{
    const struct vg_jval *v = vg_jget(o, key);
    if (vg_jnone(v)) {
        if (!required)
            return VG_OK;
        return vg_err_field(err, VG_EMISSING, key, "%s: required", key);
    }
    if (vg_jis(v, VG_JSTR) && vg_time_parse(v->u.s, ms) == 0)
        return VG_OK;
    return vg_err_field(err, VG_EINVAL, key, "%s: not an RFC 3339 time", key);
}

static int strings(const struct vg_jval *o, const char *key, struct vg_err *err)
{
    const struct vg_jval *v = vg_jget(o, key), *x;
    size_t i;
    if (vg_jnone(v))
        return VG_OK;
    if (!vg_jis(v, VG_JARR))
        return vg_err_field(err, VG_EINVAL, key, "%s: must be an array of strings", key);
    VG_JARR_FOREACH(v, i, x) {
        if (!vg_jis(x, VG_JSTR)) {
            char p[64];
            snprintf(p, sizeof(p), "%s[%zu]", key, i);
            return vg_err_field(err, VG_EINVAL, p, "%s: must be a string", p);
        }
    }
    return VG_OK;
}

/* 1 when member key of o is a string. */
static int has_str(const struct vg_jval *o, const char *key)
{
    return vg_jis(vg_jget(o, key), VG_JSTR);
}

static int check_affected(const struct vg_jval *x, size_t i, struct vg_err *err)
{
    const struct vg_jval *pkg = vg_jget(x, "package"), *ranges, *r, *vs, *ve;
    char p[96];
    size_t k;
    if (!vg_jis(x, VG_JOBJ)) {
        snprintf(p, sizeof(p), "affected[%zu]", i);
        return vg_err_field(err, VG_EINVAL, p, "%s: must be an object", p);
    }
    if (!vg_jnone(pkg) && (!vg_jis(pkg, VG_JOBJ) ||
                           !((has_str(pkg, "ecosystem") && has_str(pkg, "name")) ||
                             has_str(pkg, "purl")))) {
        snprintf(p, sizeof(p), "affected[%zu].package", i);
        return vg_err_field(err, VG_EINVAL, p, "%s: {ecosystem, name} or {purl}", p);
    }
    ranges = vg_jget(x, "ranges");
    if (!vg_jnone(ranges)) {
        if (!vg_jis(ranges, VG_JARR)) {
            snprintf(p, sizeof(p), "affected[%zu].ranges", i);
            return vg_err_field(err, VG_EINVAL, p, "%s: must be an array", p);
        }
        VG_JARR_FOREACH(ranges, k, r) {
            if (!vg_jis(r, VG_JOBJ) || !has_str(r, "type") ||
                !vg_jis(vg_jget(r, "events"), VG_JARR)) {
                snprintf(p, sizeof(p), "affected[%zu].ranges[%zu]", i, k);
                return vg_err_field(err, VG_EINVAL, p, "%s: {type, events[]}", p);
            }
        }
    }
    vs = vg_jget(x, "versions");
    if (!vg_jnone(vs)) {
        if (!vg_jis(vs, VG_JARR)) {
            snprintf(p, sizeof(p), "affected[%zu].versions", i);
            return vg_err_field(err, VG_EINVAL, p, "%s: must be an array", p);
        }
        VG_JARR_FOREACH(vs, k, ve) {
            if (!vg_jis(ve, VG_JSTR)) {
                snprintf(p, sizeof(p), "affected[%zu].versions[%zu]", i, k);
                return vg_err_field(err, VG_EINVAL, p, "%s: must be a string", p);
            }
        }
    }
    return VG_OK;
}

int vg_osv_check(const struct vg_jval *rec, int64_t *modified, struct vg_err *err)
{
    const struct vg_jval *id, *v, *x;
    size_t i;
    int64_t t;
    int rc;
    if (!vg_jis(rec, VG_JOBJ))
        return vg_err_set(err, VG_EINVAL, "a record must be a JSON object");
    id = vg_jget(rec, "id");
    if (!vg_jis(id, VG_JSTR) || id->n == 0)
        return vg_err_field(err, vg_jis(id, VG_JSTR) || id == NULL ? VG_EMISSING : VG_EINVAL, "id",
                            "id: required string");
    if (id->n > 200 || strpbrk(id->u.s, " \t\r\n/"))
        return vg_err_field(err, VG_EINVAL, "id", "id: at most 200 bytes, no spaces or slashes");
    if ((rc = time_at(rec, "modified", 1, modified, err)) ||
        (rc = time_at(rec, "published", 0, &t, err)) ||
        (rc = time_at(rec, "withdrawn", 0, &t, err)) || (rc = strings(rec, "aliases", err)) ||
        (rc = strings(rec, "related", err)))
        return rc;
    for (const char *const *k = (const char *const[]){"summary", "details", NULL}; *k; k++) {
        v = vg_jget(rec, *k);
        if (!vg_jnone(v) && !vg_jis(v, VG_JSTR))
            return vg_err_field(err, VG_EINVAL, *k, "%s: must be a string", *k);
    }
    v = vg_jget(rec, "severity");
    if (!vg_jnone(v)) {
        if (!vg_jis(v, VG_JARR))
            return vg_err_field(err, VG_EINVAL, "severity", "severity: must be an array");
        VG_JARR_FOREACH(v, i, x) {
            if (!vg_jis(x, VG_JOBJ) || !has_str(x, "type") || !has_str(x, "score")) {
                char p[64];
                snprintf(p, sizeof(p), "severity[%zu]", i);
                return vg_err_field(err, VG_EINVAL, p, "%s: {type, score} strings", p);
            }
        }
    }
    v = vg_jget(rec, "references");
    if (!vg_jnone(v)) {
        if (!vg_jis(v, VG_JARR))
            return vg_err_field(err, VG_EINVAL, "references", "references: must be an array");
        VG_JARR_FOREACH(v, i, x) {
            if (!vg_jis(x, VG_JOBJ) || !has_str(x, "url")) {
                char p[64];
                snprintf(p, sizeof(p), "references[%zu]", i);
                return vg_err_field(err, VG_EINVAL, p, "%s: {type, url}", p);
            }
        }
    }
    v = vg_jget(rec, "affected");
    if (!vg_jnone(v)) {
        if (!vg_jis(v, VG_JARR))
            return vg_err_field(err, VG_EINVAL, "affected", "affected: must be an array");
        VG_JARR_FOREACH(v, i, x) {
            if ((rc = check_affected(x, i, err)))
                return rc;
        }
    }
    return VG_OK;
}

/* CVSS vector type names as OSV spells them. */
static const char *cvss_type(const char *vector)
{
    if (strncmp(vector, "CVSS:4.0/", 9) == 0)
        return "CVSS_V4";
    if (strncmp(vector, "CVSS:3.", 7) == 0)
        return "CVSS_V3";
    return "CVSS_V2";
}

static void add_severity(json_t *sev, const char *vector)
{
    size_t i;
    json_t *x;
    if (vector == NULL || *vector == '\0')
        return;
    json_array_foreach(sev, i, x) if (strcmp(json_string_value(json_object_get(x, "score")),
                                             vector) == 0) return;
    json_array_append_new(sev, json_pack("{s:s, s:s}", "type", cvss_type(vector), "score", vector));
}

static const char *english(json_t *descs)
{
    size_t i;
    json_t *d;
    const char *first = NULL;
    json_array_foreach(descs, i, d) {
        const char *lang = json_string_value(json_object_get(d, "lang"));
        const char *v = json_string_value(json_object_get(d, "value"));
        if (v && !first)
            first = v;
        if (v && lang && strncmp(lang, "en", 2) == 0)
            return v;
    }
    return first;
}

/* Copies ISO times, adding the zone NVD leaves out, into RFC 3339. */
static json_t *utc(const char *s)
{
    char b[64];
    int64_t ms;
    if (s == NULL)
        return NULL;
    if (vg_time_parse(s, &ms) == 0) {
        vg_time_format(ms, b);
        return json_string(b);
    }
    snprintf(b, sizeof(b), "%sZ", s);
    if (vg_time_parse(b, &ms) == 0) {
        vg_time_format(ms, b);
        return json_string(b);
    }
    return NULL;
}

static void cve5_metrics(json_t *container, json_t *sev)
{
    static const char *const keys[] = {"cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0", NULL};
    json_t *ms = json_object_get(container, "metrics"), *m;
    size_t i;
    json_array_foreach(ms, i, m) for (const char *const *k = keys; *k; k++)
    {
        json_t *c = json_object_get(m, *k);
        add_severity(sev, json_string_value(json_object_get(c, "vectorString")));
    }
}

int vg_osv_from_cve5(json_t *rec, json_t **out, struct vg_err *err)
{
    json_t *meta = json_object_get(rec, "cveMetadata");
    json_t *cna = json_object_get(json_object_get(rec, "containers"), "cna");
    const char *id = json_string_value(json_object_get(meta, "cveId"));
    const char *state = json_string_value(json_object_get(meta, "state"));
    json_t *o, *t, *sev, *refs, *x;
    size_t i;
    *out = NULL;
    if (!json_is_object(rec) ||
        strcmp(json_string_value(json_object_get(rec, "dataType")) ?: "", "CVE_RECORD") != 0)
        return vg_err_field(err, VG_EINVAL, "dataType", "dataType: not a CVE JSON 5 record");
    if (id == NULL)
        return vg_err_field(err, VG_EMISSING, "cveMetadata.cveId", "cveMetadata.cveId: required");
    o = json_pack("{s:s, s:s}", "schema_version", "1.6.0", "id", id);
    t = utc(json_string_value(json_object_get(meta, "dateUpdated")));
    if (t == NULL)
        t = utc(json_string_value(json_object_get(meta, "datePublished")));
    if (t == NULL)
        t = utc(json_string_value(json_object_get(meta, "dateReserved")));
    if (t == NULL) {
        json_decref(o);
        return vg_err_field(err, VG_EMISSING, "cveMetadata.dateUpdated",
                            "cveMetadata.dateUpdated: no date to use as modified");
    }
    json_object_set_new(o, "modified", t);
    if ((t = utc(json_string_value(json_object_get(meta, "datePublished")))))
        json_object_set_new(o, "published", t);
    if (state && strcmp(state, "REJECTED") == 0)
        json_object_set(o, "withdrawn", json_object_get(o, "modified"));
    if (json_is_string(json_object_get(cna, "title")))
        json_object_set(o, "summary", json_object_get(cna, "title"));
    const char *d = english(json_object_get(cna, "descriptions"));
    if (d == NULL)
        d = english(json_object_get(cna, "rejectedReasons"));
    if (d)
        json_object_set_new(o, "details", json_string(d));
    sev = json_array();
    cve5_metrics(cna, sev);
    json_array_foreach(json_object_get(json_object_get(rec, "containers"), "adp"), i, x)
        cve5_metrics(x, sev);
    if (json_array_size(sev))
        json_object_set_new(o, "severity", sev);
    else
        json_decref(sev);
    refs = json_array();
    json_array_foreach(json_object_get(cna, "references"), i, x) {
        const char *url = json_string_value(json_object_get(x, "url"));
        if (url)
            json_array_append_new(refs, json_pack("{s:s, s:s}", "type", "WEB", "url", url));
    }
    json_object_set_new(o, "references", refs);
    json_object_set_new(o, "database_specific",
                        json_pack("{s:s, s:O*, s:O*}", "source", "cve5", "cna_affected",
                                  json_object_get(cna, "affected"), "problem_types",
                                  json_object_get(cna, "problemTypes")));
    *out = o;
    return VG_OK;
}

static void nvd_metrics(json_t *metrics, json_t *sev)
{
    static const char *const keys[] = {"cvssMetricV40", "cvssMetricV31", "cvssMetricV30",
                                       "cvssMetricV2", NULL};
    for (int primary = 1; primary >= 0; primary--)
        for (const char *const *k = keys; *k; k++) {
            json_t *list = json_object_get(metrics, *k), *m;
            size_t i;
            json_array_foreach(list, i, m) {
                const char *type = json_string_value(json_object_get(m, "type"));
                if ((type && strcmp(type, "Primary") == 0) != primary)
                    continue;
                add_severity(sev, json_string_value(json_object_get(
                                      json_object_get(m, "cvssData"), "vectorString")));
            }
        }
}

int vg_osv_from_nvd(json_t *entry, json_t **out, struct vg_err *err)
{
    json_t *cve = json_object_get(entry, "cve") ? json_object_get(entry, "cve") : entry;
    const char *id = json_string_value(json_object_get(cve, "id"));
    json_t *o, *t, *sev, *refs, *cpes, *x, *node, *m;
    size_t i, j, k;
    *out = NULL;
    if (!json_is_object(cve) || id == NULL)
        return vg_err_field(err, VG_EMISSING, "cve.id", "cve.id: required (an NVD CVE API 2.0 entry)");
    t = utc(json_string_value(json_object_get(cve, "lastModified")));
    if (t == NULL)
        return vg_err_field(err, VG_EINVAL, "cve.lastModified", "cve.lastModified: not a time");
    o = json_pack("{s:s, s:s, s:o}", "schema_version", "1.6.0", "id", id, "modified", t);
    if ((t = utc(json_string_value(json_object_get(cve, "published")))))
        json_object_set_new(o, "published", t);
    const char *status = json_string_value(json_object_get(cve, "vulnStatus"));
    if (status && strcmp(status, "Rejected") == 0)
        json_object_set(o, "withdrawn", json_object_get(o, "modified"));
    const char *d = english(json_object_get(cve, "descriptions"));
    if (d)
        json_object_set_new(o, "details", json_string(d));
    sev = json_array();
    nvd_metrics(json_object_get(cve, "metrics"), sev);
    if (json_array_size(sev))
        json_object_set_new(o, "severity", sev);
    else
        json_decref(sev);
    refs = json_array();
    json_array_foreach(json_object_get(cve, "references"), i, x) {
        const char *url = json_string_value(json_object_get(x, "url"));
        if (url)
            json_array_append_new(refs, json_pack("{s:s, s:s}", "type", "WEB", "url", url));
    }
    json_object_set_new(o, "references", refs);
    cpes = json_array();
    json_array_foreach(json_object_get(cve, "configurations"), i, x)
        json_array_foreach(json_object_get(x, "nodes"), j, node)
            json_array_foreach(json_object_get(node, "cpeMatch"), k, m) {
        static const char *const keep[] = {"criteria", "vulnerable", "versionStartIncluding",
                                           "versionStartExcluding", "versionEndIncluding",
                                           "versionEndExcluding", NULL};
        json_t *r = json_object();
        for (const char *const *f = keep; *f; f++)
            if (json_object_get(m, *f))
                json_object_set(r, *f, json_object_get(m, *f));
        json_array_append_new(cpes, r);
    }
    json_t *ds = json_pack("{s:s, s:o}", "source", "nvd", "cpe_ranges", cpes);
    if (json_object_get(cve, "cisaExploitAdd"))
        json_object_set_new(ds, "cisa",
                            json_pack("{s:O, s:O*, s:O*}", "exploit_add",
                                      json_object_get(cve, "cisaExploitAdd"), "action_due",
                                      json_object_get(cve, "cisaActionDue"), "required_action",
                                      json_object_get(cve, "cisaRequiredAction")));
    json_object_set_new(o, "database_specific", ds);
    *out = o;
    return VG_OK;
}

void vg_osv_score(json_t *rec, int *best, json_t **scored)
{
    json_t *sev = json_object_get(rec, "severity"), *x;
    size_t i;
    *best = -1;
    *scored = json_array();
    json_array_foreach(sev, i, x) {
        const char *v = json_string_value(json_object_get(x, "score"));
        struct vg_cvss c;
        struct vg_err e = {0};
        if (v == NULL || vg_cvss_parse(v, strlen(v), &c, &e) != VG_OK)
            continue;
        struct vg_buf b = {0};
        vg_cvss_json(&c, &b);
        json_t *j = b.p ? json_loads(b.p, 0, NULL) : NULL;
        vg_buf_free(&b);
        if (j)
            json_array_append_new(*scored, j);
        if (c.score > *best)
            *best = c.score;
    }
}

int vg_osv_best_score(const struct vg_jval *rec)
{
    const struct vg_jval *x, *v;
    size_t i;
    int best = -1;
    VG_JARR_FOREACH(vg_jget(rec, "severity"), i, x) {
        struct vg_cvss c;
        struct vg_err e = {0};
        if ((v = vg_jget(x, "score")) != NULL && vg_jis(v, VG_JSTR) &&
            vg_cvss_parse(v->u.s, v->n, &c, &e) == VG_OK && c.score > best)
            best = c.score;
    }
    return best;
}

int vg_kev_entry(json_t *e, const char **cve, const char **date_added, const char **due_date,
                 struct vg_err *err)
{
    *cve = json_string_value(json_object_get(e, "cveID"));
    *date_added = json_string_value(json_object_get(e, "dateAdded"));
    *due_date = json_string_value(json_object_get(e, "dueDate"));
    if (*cve == NULL || strncmp(*cve, "CVE-", 4) != 0)
        return vg_err_field(err, VG_EINVAL, "cveID", "cveID: a CVE id is required");
    if (*date_added == NULL)
        return vg_err_field(err, VG_EMISSING, "dateAdded", "dateAdded: required");
    return VG_OK;
}
