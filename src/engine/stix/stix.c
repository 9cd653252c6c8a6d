/* STIX 2.1 object validation: common properties, per-type required
 * properties and constraints, custom types and properties, bundles.
 * Not for: the patterning language (pattern.c) or indicator values (ioc.c). */
#include "engine/stix/stix.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "engine/stix/pattern.h"
#include "engine/stix/stix_int.h"


struct type_spec {
    const char *name;
    enum vg_stix_kind kind;
    const char *required[5];
};

static const struct type_spec types[T_COUNT] = {
    [T_ATTACK_PATTERN] = {"attack-pattern", VG_STIX_SDO, {"name"}},
    [T_CAMPAIGN] = {"campaign", VG_STIX_SDO, {"name"}},
    [T_COURSE_OF_ACTION] = {"course-of-action", VG_STIX_SDO, {"name"}},
    [T_GROUPING] = {"grouping", VG_STIX_SDO, {"context", "object_refs"}},
    [T_IDENTITY] = {"identity", VG_STIX_SDO, {"name"}},
    [T_INCIDENT] = {"incident", VG_STIX_SDO, {"name"}},
    [T_INDICATOR] = {"indicator", VG_STIX_SDO, {"pattern", "pattern_type", "valid_from"}},
    [T_INFRASTRUCTURE] = {"infrastructure", VG_STIX_SDO, {"name"}},
    [T_INTRUSION_SET] = {"intrusion-set", VG_STIX_SDO, {"name"}},
    [T_LOCATION] = {"location", VG_STIX_SDO, {NULL}},
    [T_MALWARE] = {"malware", VG_STIX_SDO, {"is_family"}},
    [T_MALWARE_ANALYSIS] = {"malware-analysis", VG_STIX_SDO, {"product"}},
    [T_NOTE] = {"note", VG_STIX_SDO, {"content", "object_refs"}},
    [T_OBSERVED_DATA] = {"observed-data", VG_STIX_SDO,
                         {"first_observed", "last_observed", "number_observed"}},
    [T_OPINION] = {"opinion", VG_STIX_SDO, {"opinion", "object_refs"}},
    [T_REPORT] = {"report", VG_STIX_SDO, {"name", "published", "object_refs"}},
    [T_THREAT_ACTOR] = {"threat-actor", VG_STIX_SDO, {"name"}},
    [T_TOOL] = {"tool", VG_STIX_SDO, {"name"}},
    [T_VULNERABILITY] = {"vulnerability", VG_STIX_SDO, {"name"}},
    [T_RELATIONSHIP] = {"relationship", VG_STIX_SRO,
                        {"relationship_type", "source_ref", "target_ref"}},
    [T_SIGHTING] = {"sighting", VG_STIX_SRO, {"sighting_of_ref"}},
    [T_ARTIFACT] = {"artifact", VG_STIX_SCO, {NULL}},
    [T_AUTONOMOUS_SYSTEM] = {"autonomous-system", VG_STIX_SCO, {"number"}},
    [T_DIRECTORY] = {"directory", VG_STIX_SCO, {"path"}},
    [T_DOMAIN_NAME] = {"domain-name", VG_STIX_SCO, {"value"}},
    [T_EMAIL_ADDR] = {"email-addr", VG_STIX_SCO, {"value"}},
    [T_EMAIL_MESSAGE] = {"email-message", VG_STIX_SCO, {"is_multipart"}},
    [T_FILE] = {"file", VG_STIX_SCO, {NULL}},
    [T_IPV4_ADDR] = {"ipv4-addr", VG_STIX_SCO, {"value"}},
    [T_IPV6_ADDR] = {"ipv6-addr", VG_STIX_SCO, {"value"}},
    [T_MAC_ADDR] = {"mac-addr", VG_STIX_SCO, {"value"}},
    [T_MUTEX] = {"mutex", VG_STIX_SCO, {"name"}},
    [T_NETWORK_TRAFFIC] = {"network-traffic", VG_STIX_SCO, {"protocols"}},
    [T_PROCESS] = {"process", VG_STIX_SCO, {NULL}},
    [T_SOFTWARE] = {"software", VG_STIX_SCO, {"name"}},
    [T_URL] = {"url", VG_STIX_SCO, {"value"}},
    [T_USER_ACCOUNT] = {"user-account", VG_STIX_SCO, {NULL}},
    [T_WINDOWS_REGISTRY_KEY] = {"windows-registry-key", VG_STIX_SCO, {NULL}},
    [T_X509_CERTIFICATE] = {"x509-certificate", VG_STIX_SCO, {NULL}},
    [T_MARKING_DEFINITION] = {"marking-definition", VG_STIX_META, {NULL}},
    [T_LANGUAGE_CONTENT] = {"language-content", VG_STIX_META, {"object_ref", "contents"}},
    [T_EXTENSION_DEFINITION] = {"extension-definition", VG_STIX_META,
                                {"name", "schema", "version", "extension_types",
                                 "created_by_ref"}},
};

/* The timestamp-valued properties of the types the spec defines are the
 * P_TIME class of names.c (with valid_from and valid_until). */
static int is_time_class(int cls)
{
    return cls == P_TIME || cls == P_VALID_FROM || cls == P_VALID_UNTIL;
}

int vg__stix_in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* ^([a-z][a-z0-9]*)+(-[a-z0-9]+)*-?$, 3..250: hyphen-separated, no "--". */
static int type_name_valid(const char *t, size_t n)
{
    if (n < 3 || n > 250 || !(t[0] >= 'a' && t[0] <= 'z'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (c == '-') {
            if (i + 1 < n && t[i + 1] == '-')
                return 0;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            return 0;
        }
    }
    return 1;
}

enum vg_stix_kind vg_stix_type_kind(const char *type)
{
    size_t n = type ? strlen(type) : 0;
    if (type == NULL || !type_name_valid(type, n))
        return 0;
    int t = vg__stix_type_index(type, n);
    return t < 0 ? VG_STIX_CUSTOM : types[t].kind;
}

static const unsigned char hex_byte[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
};

static int hexc(char c)
{
    return hex_byte[(unsigned char)c];
}

/* n hex digits at s (stops at the first other byte, a NUL included) */
static int hex_run(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!hex_byte[(unsigned char)s[i]])
            return 0;
    return 1;
}

int vg_stix_id_valid(const char *id, const char *type)
{
    size_t tn;
    const char *u;
    if (id == NULL)
        return 0;
    for (tn = 0; !(id[tn] == '-' && id[tn + 1] == '-'); tn++) /* the first "--" ends the type */
        if (id[tn] == '\0')
            return 0;
    if (type) {
        if (strncmp(type, id, tn) != 0 || type[tn] != '\0')
            return 0;
    } else if (!type_name_valid(id, tn)) {
        return 0;
    }
    /* xxxxxxxx-xxxx-Mxxx-Nxxx-xxxxxxxxxxxx and its end, in order (a NUL
     * fails the test it meets), M 1-5, N 8, 9, a or b */
    u = id + tn + 2;
    if (!(hex_run(u, 8) && u[8] == '-' && hex_run(u + 9, 4) && u[13] == '-' &&
          hex_run(u + 14, 4) && u[18] == '-' && hex_run(u + 19, 4) && u[23] == '-' &&
          hex_run(u + 24, 12) && u[36] == '\0'))
        return 0;
    if (u[14] < '1' || u[14] > '5')
        return 0;
    return u[19] == '8' || u[19] == '9' || (u[19] | 0x20) == 'a' || (u[19] | 0x20) == 'b';
}

int vg_stix_time_parse(const char *s, int min_frac, int64_t *ms)
{
    return vg_time_parse_strict(s, min_frac, ms);
}

/* ---- validation context ---- */


int vg__stix_fail(struct vg__stix_ctx *c, int code, const char *prop, const char *fmt, const char *arg)
{
    char field[256];
    size_t k = vg_strlcpy(field, c->base, sizeof(field));
    if (prop && *prop && k + 1 < sizeof(field)) {
        if (k)
            field[k++] = '.';
        vg_strlcpy(field + k, prop, sizeof(field) - k);
    }
    char msg[200];
    snprintf(msg, sizeof(msg), fmt, arg ? arg : "");
    return vg_err_field(c->err, code, field, "%s: %s", field[0] ? field : "object", msg);
}

int vg__stix_need_string_v(struct vg__stix_ctx *c, const struct vg_jval *v, const char *k,
                           const char **out)
{
    if (v == NULL)
        return vg__stix_fail(c, VG_EMISSING, k, "required property missing%s", NULL);
    if (!VG_SJ_STR(v))
        return vg__stix_fail(c, VG_EINVAL, k, "must be a string%s", NULL);
    if (out)
        *out = v->u.s;
    return VG_OK;
}

int vg__stix_need_string(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k,
                         const char **out)
{
    return vg__stix_need_string_v(c, vg_jget(o, k), k, out);
}

int vg__stix_check_time_v(struct vg__stix_ctx *c, const struct vg_jval *v, const char *k,
                          int min_frac, int64_t *out)
{
    int64_t ms = VG_STIX_TIME_NONE;
    if (v == NULL)
        goto out;
    if (!VG_SJ_STR(v) || vg_stix_time_parse(v->u.s, min_frac, &ms) != 0)
        return vg__stix_fail(c, VG_EINVAL, k,
                    min_frac ? "must be a UTC timestamp with millisecond precision "
                               "(YYYY-MM-DDTHH:MM:SS.sssZ)%s"
                             : "must be a UTC timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)%s",
                    NULL);
out:
    if (out)
        *out = ms;
    return VG_OK;
}

int vg__stix_check_time(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k,
                        int min_frac, int64_t *out)
{
    return vg__stix_check_time_v(c, vg_jget(o, k), k, min_frac, out);
}

int vg__stix_check_ref(struct vg__stix_ctx *c, const char *prop, const struct vg_jval *v)
{
    if (!VG_SJ_STR(v) || !vg_stix_id_valid(vg_jstr(v), NULL))
        return vg__stix_fail(c, VG_EINVAL, prop, "must be a STIX identifier (type--UUID)%s", NULL);
    return VG_OK;
}

int vg__stix_has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int check_ref_list(struct vg__stix_ctx *c, const char *prop, const struct vg_jval *v)
{
    char p[128];
    if (!VG_SJ_ARR(v) || sj_alen(v) == 0)
        return vg__stix_fail(c, VG_EINVAL, prop, "must be a non-empty list of identifiers%s", NULL);
    for (size_t i = 0; i < sj_alen(v); i++) {
        const struct vg_jval *r = vg_jat(v, i);
        if (VG_SJ_STR(r) && vg_stix_id_valid(vg_jstr(r), NULL))
            continue;
        snprintf(p, sizeof(p), "%s[%zu]", prop, i);
        return vg__stix_check_ref(c, p, r);
    }
    return VG_OK;
}

int vg__stix_check_string_list(struct vg__stix_ctx *c, const char *prop, const struct vg_jval *v)
{
    if (!VG_SJ_ARR(v) || sj_alen(v) == 0)
        return vg__stix_fail(c, VG_EINVAL, prop, "must be a non-empty list of strings%s", NULL);
    for (size_t i = 0; i < sj_alen(v); i++)
        if (!VG_SJ_STR(vg_jat(v, i))) {
            char p[128];
            snprintf(p, sizeof(p), "%s[%zu]", prop, i);
            return vg__stix_fail(c, VG_EINVAL, p, "must be a string%s", NULL);
        }
    return VG_OK;
}

struct hash_len {
    const char *name;
    size_t hexlen;
};
static const struct hash_len hash_lens[] = {
    {"MD5", 32}, {"SHA-1", 40}, {"SHA-256", 64}, {"SHA-512", 128}, {"SHA3-256", 64},
    {"SHA3-512", 128},
};

static int check_hashes(struct vg__stix_ctx *c, const char *prop, const struct vg_jval *v)
{
    const char *k;
    const struct vg_jval *h;
    char p[160];
    if (!VG_SJ_OBJ(v) || sj_olen(v) == 0)
        return vg__stix_fail(c, VG_EINVAL, prop, "must be a non-empty dictionary of hashes%s", NULL);
    VG_SJ_OBJ_FOREACH(v, k, h) {
        snprintf(p, sizeof(p), "%s.%s", prop, k);
        if (strlen(k) > 250)
            return vg__stix_fail(c, VG_EINVAL, p, "hash algorithm name too long%s", NULL);
        if (!VG_SJ_STR(h))
            return vg__stix_fail(c, VG_EINVAL, p, "must be a string%s", NULL);
        for (size_t i = 0; i < VG_ARRAY_LEN(hash_lens); i++) {
            if (strcmp(k, hash_lens[i].name) != 0)
                continue;
            const char *s = vg_jstr(h);
            size_t n = strlen(s);
            int ok = n == hash_lens[i].hexlen;
            for (size_t j = 0; ok && j < n; j++)
                ok = hexc(s[j]);
            if (!ok)
                return vg__stix_fail(c, VG_EINVAL, p, "must be %s hex digits", k);
        }
    }
    return VG_OK;
}

static int check_ext_refs(struct vg__stix_ctx *c, const struct vg_jval *v)
{
    char p[96];
    if (!VG_SJ_ARR(v) || sj_alen(v) == 0)
        return vg__stix_fail(c, VG_EINVAL, "external_references", "must be a non-empty list%s", NULL);
    for (size_t i = 0; i < sj_alen(v); i++) {
        const struct vg_jval *r = vg_jat(v, i);
        snprintf(p, sizeof(p), "external_references[%zu]", i);
        if (!VG_SJ_OBJ(r))
            return vg__stix_fail(c, VG_EINVAL, p, "must be an object%s", NULL);
        const struct vg_jval *sn = vg_jget(r, "source_name");
        const struct vg_jval *eid = vg_jget(r, "external_id");
        char q[128];
        snprintf(q, sizeof(q), "%s.source_name", p);
        if (!VG_SJ_STR(sn))
            return vg__stix_fail(c, sn ? VG_EINVAL : VG_EMISSING, q, "a string is required%s", NULL);
        static const char *const strs[] = {"description", "url", "external_id", NULL};
        for (int k = 0; strs[k]; k++) {
            const struct vg_jval *x = vg_jget(r, strs[k]);
            snprintf(q, sizeof(q), "%s.%s", p, strs[k]);
            if (x && !VG_SJ_STR(x))
                return vg__stix_fail(c, VG_EINVAL, q, "must be a string%s", NULL);
        }
        if (!eid && !vg_jget(r, "description") && !vg_jget(r, "url"))
            return vg__stix_fail(c, VG_EMISSING, p,
                        "needs one of external_id, description or url%s", NULL);
        const struct vg_jval *hs = vg_jget(r, "hashes");
        if (hs) {
            snprintf(q, sizeof(q), "%s.hashes", p);
            int rc = check_hashes(c, q, hs);
            if (rc)
                return rc;
        }
        const char *s = vg_jstr(sn);
        const char *e = eid ? vg_jstr(eid) : NULL;
        snprintf(q, sizeof(q), "%s.external_id", p);
        if (strcmp(s, "cve") == 0) {
            /* CVE-YYYY-NNNN with 4+ digits, no leading zero beyond four */
            size_t n = e ? strlen(e) : 0;
            int ok = n >= 13 && vg__stix_has_prefix(e, "CVE-") && e[8] == '-';
            for (size_t j = 4; ok && j < n; j++)
                ok = j == 8 || (e[j] >= '0' && e[j] <= '9');
            if (ok && n > 13 && e[9] == '0')
                ok = 0;
            if (!ok)
                return vg__stix_fail(c, VG_EINVAL, q, "must be CVE-YYYY-NNNN%s", NULL);
        } else if (strcmp(s, "capec") == 0) {
            size_t n = e ? strlen(e) : 0;
            int ok = n > 6 && vg__stix_has_prefix(e, "CAPEC-");
            for (size_t j = 6; ok && j < n; j++)
                ok = e[j] >= '0' && e[j] <= '9';
            if (!ok)
                return vg__stix_fail(c, VG_EINVAL, q, "must be CAPEC-N%s", NULL);
        }
    }
    return VG_OK;
}

static int check_granular(struct vg__stix_ctx *c, const struct vg_jval *v)
{
    char p[96], q[128];
    if (!VG_SJ_ARR(v) || sj_alen(v) == 0)
        return vg__stix_fail(c, VG_EINVAL, "granular_markings", "must be a non-empty list%s", NULL);
    for (size_t i = 0; i < sj_alen(v); i++) {
        const struct vg_jval *g = vg_jat(v, i);
        snprintf(p, sizeof(p), "granular_markings[%zu]", i);
        if (!VG_SJ_OBJ(g))
            return vg__stix_fail(c, VG_EINVAL, p, "must be an object%s", NULL);
        const struct vg_jval *mr = vg_jget(g, "marking_ref"), *lang = vg_jget(g, "lang");
        if ((mr == NULL) == (lang == NULL))
            return vg__stix_fail(c, VG_EINVAL, p, "needs exactly one of marking_ref and lang%s", NULL);
        if (mr) {
            snprintf(q, sizeof(q), "%s.marking_ref", p);
            if (!VG_SJ_STR(mr) || !vg_stix_id_valid(vg_jstr(mr), "marking-definition"))
                return vg__stix_fail(c, VG_EINVAL, q, "must be a marking-definition id%s", NULL);
        } else if (!VG_SJ_STR(lang)) {
            snprintf(q, sizeof(q), "%s.lang", p);
            return vg__stix_fail(c, VG_EINVAL, q, "must be a string%s", NULL);
        }
        snprintf(q, sizeof(q), "%s.selectors", p);
        const struct vg_jval *sel = vg_jget(g, "selectors");
        if (sel == NULL)
            return vg__stix_fail(c, VG_EMISSING, q, "required property missing%s", NULL);
        int rc = vg__stix_check_string_list(c, q, sel);
        if (rc)
            return rc;
    }
    return VG_OK;
}

static int check_kill_chain(struct vg__stix_ctx *c, const struct vg_jval *v)
{
    if (!VG_SJ_ARR(v) || sj_alen(v) == 0)
        return vg__stix_fail(c, VG_EINVAL, "kill_chain_phases", "must be a non-empty list%s", NULL);
    for (size_t i = 0; i < sj_alen(v); i++) {
        const struct vg_jval *k = vg_jat(v, i);
        char p[96];
        snprintf(p, sizeof(p), "kill_chain_phases[%zu]", i);
        if (!VG_SJ_OBJ(k) || !VG_SJ_STR(vg_jget(k, "kill_chain_name")) ||
            !VG_SJ_STR(vg_jget(k, "phase_name")))
            return vg__stix_fail(c, VG_EINVAL, p, "needs kill_chain_name and phase_name strings%s", NULL);
    }
    return VG_OK;
}

static int check_extensions(struct vg__stix_ctx *c, const struct vg_jval *v)
{
    const char *k;
    const struct vg_jval *e;
    if (!VG_SJ_OBJ(v) || sj_olen(v) == 0)
        return vg__stix_fail(c, VG_EINVAL, "extensions", "must be a non-empty dictionary%s", NULL);
    VG_SJ_OBJ_FOREACH(v, k, e) {
        char p[300];
        snprintf(p, sizeof(p), "extensions.%s", k);
        size_t n = strlen(k);
        int named = n > 4 && strcmp(k + n - 4, "-ext") == 0;
        if (!named && !vg_stix_id_valid(k, "extension-definition"))
            return vg__stix_fail(c, VG_EINVAL, p,
                        "key must be an extension-definition id or end in -ext%s", NULL);
        if (!VG_SJ_OBJ(e))
            return vg__stix_fail(c, VG_EINVAL, p, "must be an object%s", NULL);
        const struct vg_jval *et = vg_jget(e, "extension_type");
        if (et) {
            static const char *const ets[] = {"new-sdo", "new-sco", "new-sro",
                                              "property-extension",
                                              "toplevel-property-extension", NULL};
            if (!VG_SJ_STR(et) || !vg__stix_in_list(vg_jstr(et), ets))
                return vg__stix_fail(c, VG_EINVAL, p, "unknown extension_type%s", NULL);
        }
    }
    return VG_OK;
}

/* Property names: the spec's own are lower-case snake case; custom ones MUST
 * be [a-z0-9_]{3,250}. "id" is the only name shorter than three. */
/* 1 for the bytes of a custom property name: a-z, 0-9, '_' */
static const unsigned char prop_byte[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['_'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static int prop_name_valid_n(const char *k, size_t n)
{
    if (n == 2 && k[0] == 'i' && k[1] == 'd')
        return 1;
    if (n < 3 || n > 250)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!prop_byte[(unsigned char)k[i]])
            return 0;
    return 1;
}

static int prop_name_valid(const char *k)
{
    return prop_name_valid_n(k, strlen(k));
}

int vg__stix_check_enum(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k,
                        const char *const *vals)
{
    const struct vg_jval *v = vg_jget(o, k);
    if (v && (!VG_SJ_STR(v) || !vg__stix_in_list(vg_jstr(v), vals)))
        return vg__stix_fail(c, VG_EINVAL, k, "not an allowed value%s", NULL);
    return VG_OK;
}

int vg__stix_check_int(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k, int64_t lo,
                       int64_t hi)
{
    const struct vg_jval *v = vg_jget(o, k);
    if (v && (!VG_SJ_INT(v) || sj_int(v) < lo || sj_int(v) > hi)) {
        char m[96];
        snprintf(m, sizeof(m), "must be an integer in %lld..%lld", (long long)lo, (long long)hi);
        return vg__stix_fail(c, VG_EINVAL, k, "%s", m);
    }
    return VG_OK;
}

int vg__stix_check_bool(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k)
{
    const struct vg_jval *v = vg_jget(o, k);
    if (v && !VG_SJ_BOOL(v))
        return vg__stix_fail(c, VG_EINVAL, k, "must be a boolean%s", NULL);
    return VG_OK;
}

int vg__stix_check_number(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k, double lo,
                          double hi)
{
    const struct vg_jval *v = vg_jget(o, k);
    if (v && (!VG_SJ_NUM(v) || vg_jnum(v) < lo || vg_jnum(v) > hi))
        return vg__stix_fail(c, VG_EINVAL, k, "number out of range%s", NULL);
    return VG_OK;
}

int vg__stix_ref_not(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k,
                     const char *const *bad)
{
    const struct vg_jval *v = vg_jget(o, k);
    if (v && VG_SJ_STR(v))
        for (; *bad; bad++)
            if (vg__stix_has_prefix(vg_jstr(v), *bad))
                return vg__stix_fail(c, VG_EINVAL, k, "may not refer to a %s", *bad);
    return VG_OK;
}

int vg__stix_ref_is(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k,
                    const char *prefix)
{
    const struct vg_jval *v = vg_jget(o, k);
    if (v && VG_SJ_STR(v) && !vg__stix_has_prefix(vg_jstr(v), prefix))
        return vg__stix_fail(c, VG_EINVAL, k, "must refer to a %s", prefix);
    return VG_OK;
}

int vg__stix_only_one(struct vg__stix_ctx *c, const struct vg_jval *o, const char *a, const char *b,
                      int need)
{
    int ha = vg_jget(o, a) != NULL, hb = vg_jget(o, b) != NULL;
    char m[128];
    if (ha && hb) {
        snprintf(m, sizeof(m), "%s and %s are mutually exclusive", a, b);
        return vg__stix_fail(c, VG_EINVAL, b, "%s", m);
    }
    if (need && !ha && !hb) {
        snprintf(m, sizeof(m), "one of %s and %s is required", a, b);
        return vg__stix_fail(c, VG_EMISSING, a, "%s", m);
    }
    return VG_OK;
}

int vg__stix_has_other_than(const struct vg_jval *o, const char *const *ignore)
{
    for (size_t i = 0; i < sj_olen(o); i++)
        if (!vg__stix_in_list(o->u.o[i].key.u.s, ignore))
            return 1;
    return 0;
}

/* Checks applied by property name on every object: the spec reserves the
 * _ref/_refs suffixes for identifiers and gives the common properties types.
 * cls[i]: the class of member i's name (vg__stix_prop_class). */
static int check_props(struct vg__stix_ctx *c, const struct vg_jval *o, int known,
                       const unsigned char *cls)
{
    const struct vg_jval *const *pr = c->prop;
    int rc = VG_OK;
    for (size_t i = 0; i < o->n; i++) {
        const char *k = o->u.o[i].key.u.s;
        const struct vg_jval *v = &o->u.o[i].val;
        size_t n = o->u.o[i].key.n;
        int pc = cls[i];
        if (pc == P_OTHER && !prop_name_valid_n(k, n)) { /* the others are valid names */
            rc = vg__stix_fail(c, VG_EINVAL, k, "invalid property name%s", NULL);
            break;
        }
        if (VG_SJ_NULL(v)) {
            rc = vg__stix_fail(c, VG_EINVAL, k, "null is not a STIX value%s", NULL);
            break;
        }
        if (k[0] == 'x' && k[1] == '_')
            continue; /* custom property: only its name has rules (x_mitre_data_source_ref
                       * is "" in ATT&CK) */
        if (n > 4 && memcmp(k + n - 4, "_ref", 4) == 0)
            rc = vg__stix_check_ref(c, k, v);
        else if (n > 5 && memcmp(k + n - 5, "_refs", 5) == 0)
            rc = check_ref_list(c, k, v);
        else
            switch (pc) {
            case P_HASHES: rc = check_hashes(c, k, v); break;
            case P_LABELS: rc = vg__stix_check_string_list(c, k, v); break;
            case P_EXTERNAL_REFERENCES: rc = check_ext_refs(c, v); break;
            case P_GRANULAR_MARKINGS: rc = check_granular(c, v); break;
            case P_KILL_CHAIN_PHASES: rc = check_kill_chain(c, v); break;
            case P_EXTENSIONS: rc = check_extensions(c, v); break;
            case P_CONFIDENCE: rc = vg__stix_check_int(c, o, k, 0, 100); break;
            case P_REVOKED:
            case P_DEFANGED: rc = vg__stix_check_bool(c, o, k); break;
            case P_LANG:
                if (!VG_SJ_STR(v))
                    rc = vg__stix_fail(c, VG_EINVAL, k, "must be a string%s", NULL);
                break;
            default:
                if (known && is_time_class(pc))
                    rc = vg__stix_check_time_v(c, v, k, 0,
                                               pc == P_VALID_FROM    ? &c->valid_from
                                               : pc == P_VALID_UNTIL ? &c->valid_until
                                                                     : NULL);
                break;
            }
        if (rc)
            break;
    }
    if (rc == VG_OK) {
        /* every object_marking_refs entry names a marking definition */
        const struct vg_jval *m = pr[P_OBJECT_MARKING_REFS];
        for (size_t i = 0; m && i < sj_alen(m); i++) {
            const struct vg_jval *r = &m->u.a[i];
            if (!(r->type == VG_JSTR && r->n >= 20 &&
                  memcmp(r->u.s, "marking-definition--", 20) == 0)) {
                char p[64];
                snprintf(p, sizeof(p), "object_marking_refs[%zu]", i);
                rc = vg__stix_fail(c, VG_EINVAL, p, "must be a marking-definition id%s", NULL);
                break;
            }
        }
    }
    if (rc == VG_OK) {
        const struct vg_jval *v = pr[P_CREATED_BY_REF];
        if (v && VG_SJ_STR(v) && !(v->n >= 10 && memcmp(v->u.s, "identity--", 10) == 0))
            rc = vg__stix_fail(c, VG_EINVAL, "created_by_ref", "must refer to a %s", "identity--");
    }
    return rc;
}

/* Objects of up to this many members have their names' classes on the
 * stack; larger ones (rare) in the scratch arena or a heap block. */
#define CLS_STACK 64

static int validate(const struct vg_jval *o, const char *path, struct vg_stix_object *out,
                    struct vg_arena *scratch, int keep_ast, struct vg_err *err)
{
    const struct vg_jval *pr[P_INDEXED] = {0};
    unsigned char cls_stack[CLS_STACK], *cls = cls_stack;
    struct vg__stix_ctx c = {path ? path : "", err, scratch, pr, keep_ast, VG_STIX_TIME_NONE,
                             VG_STIX_TIME_NONE};
    int rc = VG_OK;
    const char *type = NULL, *id = NULL;
    if (!VG_SJ_OBJ(o)) {
        rc = vg__stix_fail(&c, VG_EINVAL, NULL, "a STIX object must be a JSON object%s", NULL);
        goto out;
    }
    /* one pass over the names: each member's class, the common ones kept */
    if (o->n > CLS_STACK)
        cls = vg_xmalloc(o->n);
    for (size_t i = 0; i < o->n; i++) {
        const struct vg_jmem *m = &o->u.o[i];
        int pc = vg__stix_prop_class(m->key.u.s, m->key.n);
        cls[i] = (unsigned char)pc;
        if (pc != P_OTHER && pc < P_INDEXED)
            pr[pc] = &m->val;
    }
    if ((rc = vg__stix_need_string_v(&c, pr[P_TYPE], "type", &type)))
        goto out;
    size_t tlen = pr[P_TYPE]->n;
    if (!type_name_valid(type, tlen)) {
        rc = vg__stix_fail(&c, VG_EINVAL, "type",
                  "invalid type name '%.64s' (3-250 of a-z, 0-9, single hyphens)", type);
        goto out;
    }
    int t = vg__stix_type_index(type, tlen);
    enum vg_stix_kind kind = t < 0 ? VG_STIX_CUSTOM : types[t].kind;
    if ((rc = vg__stix_need_string_v(&c, pr[P_ID], "id", &id)))
        goto out;
    if (!vg_stix_id_valid(id, type)) {
        rc = vg__stix_fail(&c, VG_EINVAL, "id", "must be '%.64s--' followed by an RFC 4122 UUID", type);
        goto out;
    }
    const struct vg_jval *sv = pr[P_SPEC_VERSION];
    if (sv == NULL && kind != VG_STIX_SCO && kind != VG_STIX_CUSTOM) {
        rc = vg__stix_fail(&c, VG_EMISSING, "spec_version", "required property missing%s", NULL);
        goto out;
    }
    if (sv && !(VG_SJ_STR(sv) && sv->n == 3 && memcmp(sv->u.s, "2.1", 3) == 0)) {
        rc = vg__stix_fail(&c, VG_EINVAL, "spec_version", "must be \"2.1\" (STIX 2.0 is not accepted)%s",
                  NULL);
        goto out;
    }
    int64_t created = VG_STIX_TIME_NONE, modified = VG_STIX_TIME_NONE;
    if (kind == VG_STIX_SDO || kind == VG_STIX_SRO || t == T_LANGUAGE_CONTENT ||
        t == T_EXTENSION_DEFINITION || t == T_MARKING_DEFINITION) {
        if (!pr[P_CREATED]) {
            rc = vg__stix_fail(&c, VG_EMISSING, "created", "required property missing%s", NULL);
            goto out;
        }
        if (t != T_MARKING_DEFINITION && !pr[P_MODIFIED]) {
            rc = vg__stix_fail(&c, VG_EMISSING, "modified", "required property missing%s", NULL);
            goto out;
        }
    }
    if (kind == VG_STIX_SCO) {
        static const struct {
            int cls;
            const char *name;
        } sdo_only[] = {{P_CREATED, "created"}, {P_MODIFIED, "modified"},
                        {P_CREATED_BY_REF, "created_by_ref"}, {P_REVOKED, "revoked"},
                        {P_LABELS, "labels"}, {P_CONFIDENCE, "confidence"}, {P_LANG, "lang"},
                        {P_EXTERNAL_REFERENCES, "external_references"}};
        for (size_t i = 0; i < VG_ARRAY_LEN(sdo_only); i++)
            if (pr[sdo_only[i].cls]) {
                rc = vg__stix_fail(&c, VG_EINVAL, sdo_only[i].name,
                                   "not a property of cyber-observables%s", NULL);
                goto out;
            }
    }
    if (t == T_MARKING_DEFINITION && pr[P_MODIFIED]) {
        rc = vg__stix_fail(&c, VG_EINVAL, "modified", "marking definitions are not versioned%s", NULL);
        goto out;
    }
    if ((rc = vg__stix_check_time_v(&c, pr[P_CREATED], "created", 3, &created)) ||
        (rc = vg__stix_check_time_v(&c, pr[P_MODIFIED], "modified", 3, &modified)))
        goto out;
    if (created != VG_STIX_TIME_NONE && modified != VG_STIX_TIME_NONE && modified < created) {
        rc = vg__stix_fail(&c, VG_EINVAL, "modified", "must not be before created%s", NULL);
        goto out;
    }
    if (t >= 0)
        for (int i = 0; i < 5 && types[t].required[i]; i++)
            if (!vg_jget(o, types[t].required[i])) {
                rc = vg__stix_fail(&c, VG_EMISSING, types[t].required[i], "required property missing%s",
                          NULL);
                goto out;
            }
    if ((rc = check_props(&c, o, t >= 0, cls)))
        goto out;
    if (out) {
        memset(out, 0, sizeof(*out));
        out->valid_from = out->valid_until = VG_STIX_TIME_NONE;
    }
    if (t >= 0 && (rc = vg__stix_check_type(&c, t, o, out)))
        goto out;
    if (out) {
        const struct vg_jval *cf = pr[P_CONFIDENCE];
        out->type = type;
        out->id = id;
        out->kind = kind;
        out->created = created;
        out->modified = modified;
        out->created_by_ref = vg_jstr(pr[P_CREATED_BY_REF]);
        out->revoked = VG_SJ_TRUE(pr[P_REVOKED]);
        out->confidence = cf ? (int)sj_int(cf) : -1;
        out->json = o;
    }
out:
    if (cls != cls_stack)
        free(cls);
    return rc;
}

int vg_stix_validate_object(const struct vg_jval *obj, const char *path, struct vg_err *err)
{
    return validate(obj, path, NULL, NULL, 0, err);
}

int vg_stix_object_read(const struct vg_jval *obj, const char *path, struct vg_stix_object *out,
                        struct vg_err *err)
{
    return validate(obj, path, out, NULL, 0, err);
}

/* "objects[i]" without printf (once per object of a bundle) */
static void object_path(size_t i, char path[48])
{
    char digits[24];
    size_t nd = 0, x = i;
    do {
        digits[nd++] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    memcpy(path, "objects[", 8);
    for (size_t k = 0; k < nd; k++)
        path[8 + k] = digits[nd - 1 - k];
    path[8 + nd] = ']';
    path[9 + nd] = '\0';
}

int vg_stix_bundle_object(struct vg_stix_bundle *b, size_t i, struct vg_arena *scratch,
                          struct vg_err *err)
{
    char path[48];
    const struct vg_jval *ov = b->objects[i].json;
    object_path(i, path);
    vg_arena_reset(scratch); /* the previous object's AST */
    return validate(ov, path, &b->objects[i], scratch, 1, err);
}

int vg_stix_bundle_object_json(const struct vg_jval *ov, size_t i, struct vg_arena *scratch,
                               struct vg_stix_object *out, struct vg_err *err)
{
    char path[48];
    object_path(i, path);
    vg_arena_reset(scratch);
    return validate(ov, path, out, scratch, 1, err);
}

int vg_stix_parse_bundle(const char *buf, size_t n, unsigned flags, struct vg_arena *a,
                         struct vg_stix_bundle *out, struct vg_err *err)
{
    const struct vg_jval *root = NULL;
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = vg_jscan_parse(buf, n, a, NULL, &root, NULL, err)))
        return rc;
    return vg_stix_read_bundle(root, flags, a, out, err);
}

/* The bundle's own checks, up to its objects list (*objs: NULL when it has
 * none). *lone: root is one object (not a bundle), read into out. */
static int read_head(const struct vg_jval *root, struct vg_arena *a, struct vg_stix_bundle *out,
                     const struct vg_jval **objs, int *lone, struct vg_err *err)
{
    *objs = NULL;
    *lone = 0;
    if (!VG_SJ_OBJ(root))
        return vg_err_set(err, VG_EINVAL, "a STIX document must be a JSON object");
    const struct vg_jval *type = vg_jget(root, "type");
    if (!VG_SJ_STR(type))
        return vg_err_field(err, type ? VG_EINVAL : VG_EMISSING, "type",
                            "type: a string is required");
    if (strcmp(vg_jstr(type), "bundle") != 0) {
        /* one object on its own */
        *lone = 1;
        out->objects = vg_arena_calloc(a, 1, sizeof(*out->objects));
        out->n = 1;
        return vg_stix_object_read(root, "", &out->objects[0], err);
    }
    const struct vg_jval *id = vg_jget(root, "id");
    if (!VG_SJ_STR(id) || !vg_stix_id_valid(vg_jstr(id), "bundle"))
        return vg_err_field(err, id ? VG_EINVAL : VG_EMISSING, "id", "id: must be bundle--UUID");
    out->id = vg_jstr(id);
    if (vg_jget(root, "spec_version"))
        return vg_err_field(err, VG_EINVAL, "spec_version",
                            "spec_version: a STIX 2.1 bundle has none (STIX 2.0 is not accepted)");
    for (size_t i = 0; i < sj_olen(root); i++) {
        const char *k = root->u.o[i].key.u.s;
        if (strcmp(k, "type") && strcmp(k, "id") && strcmp(k, "objects") && !prop_name_valid(k))
            return vg_err_field(err, VG_EINVAL, k, "%.60s: invalid property name", k);
    }
    *objs = vg_jget(root, "objects");
    if (*objs != NULL && !VG_SJ_ARR(*objs))
        return vg_err_field(err, VG_EINVAL, "objects", "objects: must be a list");
    return VG_OK;
}

static int check_count(size_t cnt, struct vg_err *err)
{
    if (cnt > VG_STIX_MAX_OBJECTS)
        return vg_err_field(err, VG_ETOOBIG, "objects", "objects: more than %u objects",
                            (unsigned)VG_STIX_MAX_OBJECTS);
    return VG_OK;
}

int vg_stix_read_bundle_head(const struct vg_jval *root, size_t nobjects, struct vg_arena *a,
                             struct vg_stix_bundle *out, struct vg_err *err)
{
    const struct vg_jval *objs;
    int lone, rc;
    memset(out, 0, sizeof(*out));
    out->root = root;
    if ((rc = read_head(root, a, out, &objs, &lone, err)) != VG_OK)
        return rc;
    if (lone || objs == NULL)
        return vg_err_set(err, VG_EINVAL, "a bundle with an objects list is expected");
    if ((rc = check_count(nobjects, err)) != VG_OK)
        return rc;
    out->n = nobjects;
    return VG_OK;
}

int vg_stix_read_bundle(const struct vg_jval *root, unsigned flags, struct vg_arena *a,
                        struct vg_stix_bundle *out, struct vg_err *err)
{
    struct vg_arena *scratch = NULL;
    const struct vg_jval *objs;
    int lone, rc;
    memset(out, 0, sizeof(*out));
    out->root = root;
    if ((rc = read_head(root, a, out, &objs, &lone, err)) != VG_OK || lone || objs == NULL)
        goto out;
    size_t cnt = sj_alen(objs);
    if ((rc = check_count(cnt, err)) != VG_OK)
        goto out;
    out->objects = cnt ? vg_arena_alloc(a, cnt * sizeof(*out->objects)) : NULL;
    out->n = cnt;
    if (flags & VG_STIX_DEFER_OBJECTS) {
        for (size_t i = 0; i < cnt; i++) {
            memset(&out->objects[i], 0, sizeof(out->objects[i]));
            out->objects[i].json = &objs->u.a[i];
        }
        goto out;
    }
    scratch = vg_arena_new(0);
    for (size_t i = 0; i < cnt; i++) {
        char path[48];
        struct vg_stix_object *o = &out->objects[i];
        struct vg_err e1 = {0};
        const struct vg_jval *ov = &objs->u.a[i];
        int r1;
        object_path(i, path);
        r1 = validate(ov, path, o, scratch, 0, &e1);
        if (r1 == VG_OK)
            continue;
        if (!(flags & VG_STIX_KEEP_INVALID)) {
            rc = vg_err_field(err, r1, e1.field, "%s", e1.msg);
            goto out;
        }
        memset(o, 0, sizeof(*o));
        o->json = ov;
        o->type = vg_jstr(vg_jget(ov, "type"));
        o->id = vg_jstr(vg_jget(ov, "id"));
        o->rc = r1;
        o->error = vg_arena_strdup(a, e1.msg);
        o->error_field = vg_arena_strdup(a, e1.field);
        o->created = o->modified = o->valid_from = o->valid_until = VG_STIX_TIME_NONE;
        o->confidence = -1;
        out->n_invalid++;
    }
out:
    vg_arena_free(scratch);
    return rc;
}

/* ---- writing ---- */

/* jansson's real format: %.17g, a ".0" when it would read back as an
 * integer, no '+' and no leading zeros in the exponent. */
static void write_real(double d, struct vg_buf *b)
{
    char t[64], *e;
    int n = snprintf(t, sizeof(t), "%.17g", d);
    if (n < 0 || (size_t)n >= sizeof(t) - 3)
        n = 0;
    if (strchr(t, '.') == NULL && strchr(t, 'e') == NULL) {
        memcpy(t + n, ".0", 3);
        n += 2;
    }
    if ((e = strchr(t, 'e')) != NULL) { /* e+20 -> e20, e-05 -> e-5 */
        char *from = e + 2, *to = e + 1;
        if (*to == '-')
            to++;
        while (*from == '0' && from[1] != '\0')
            from++;
        memmove(to, from, strlen(from) + 1);
    }
    vg_buf_puts(b, t);
}

/* Containers write their brackets, commas and colons straight into the
 * buffer (vg_buf_room), and a member's `,"key":` (or a string) at one room
 * check when it has nothing to escape: the stored text of each object of a
 * bundle is written here. */
static void json_write(const struct vg_jval *v, struct vg_buf *b);

/* sep (when not 0), then string v quoted, then after (when not 0); a
 * string jscan read without escapes (plain) is copied without a look */
static void put_str(struct vg_buf *b, char sep, const struct vg_jval *v, char after)
{
    const char *s = v->u.s;
    size_t n = v->n, k = 0;
    char *o = vg_buf_room(b, n + 4);
    if (sep)
        o[k++] = sep;
    o[k++] = '"';
    if (v->plain)
        memcpy(o + k, s, n);
    if (v->plain || vg_buf_jplain(o + k, s, n) == n) {
        k += n;
        o[k++] = '"';
        if (after)
            o[k++] = after;
        b->n += k;
        return;
    }
    b->n += k - 1; /* the separator stays; vg_buf_put_jstr writes the quotes */
    vg_buf_put_jstr(b, s, n);
    if (after) {
        o = vg_buf_room(b, 1);
        *o = after;
        b->n++;
    }
}

static void json_write(const struct vg_jval *v, struct vg_buf *b)
{
    char *o;
    switch ((enum vg_jtype)v->type) {
    case VG_JNULL: vg_buf_append(b, "null", 4); break;
    case VG_JFALSE: vg_buf_append(b, "false", 5); break;
    case VG_JTRUE: vg_buf_append(b, "true", 4); break;
    case VG_JINT: vg_buf_put_i64(b, v->u.i); break;
    case VG_JREAL: write_real(v->u.d, b); break;
    case VG_JSTR: put_str(b, 0, v, 0); break;
    case VG_JARR:
        o = vg_buf_room(b, 2);
        *o = '[';
        b->n++;
        for (uint32_t i = 0; i < v->n; i++) {
            const struct vg_jval *x = &v->u.a[i];
            if (x->type == VG_JSTR) {
                put_str(b, i ? ',' : 0, x, 0);
                continue;
            }
            if (i) {
                o = vg_buf_room(b, 1);
                *o = ',';
                b->n++;
            }
            json_write(x, b);
        }
        o = vg_buf_room(b, 1);
        *o = ']';
        b->n++;
        break;
    case VG_JOBJ:
        o = vg_buf_room(b, 1);
        *o = '{';
        b->n++;
        for (uint32_t i = 0; i < v->n; i++) {
            const struct vg_jval *k = &v->u.o[i].key, *x = &v->u.o[i].val;
            put_str(b, i ? ',' : 0, k, ':');
            if (x->type == VG_JSTR)
                put_str(b, 0, x, 0);
            else
                json_write(x, b);
        }
        o = vg_buf_room(b, 1);
        *o = '}';
        b->n++;
        break;
    }
}

void vg_stix_json_write(const struct vg_jval *v, struct vg_buf *b)
{
    json_write(v, b);
    b->p[b->n] = '\0';
}
