/* CVSS vector parsing (all versions), the metric tables, the canonical vector
 * and the JSON encoding. Scoring lives in score_v2.c, score_v3.c, score_v4.c.
 * Not for: national grading (grade.c). */
#include "engine/cvss/cvss_int.h"
#include "engine/cvss/grade.h"

#include <stdio.h>
#include <string.h>

/* Value lists, in the order of the specifications' tables. Optional metrics
 * start with their "not defined" value so that index 0 means absent. */
static const char *const v_avn[] = {"L", "A", "N", NULL};
static const char *const v2_ac[] = {"H", "M", "L", NULL};
static const char *const v2_au[] = {"M", "S", "N", NULL};
static const char *const v2_imp[] = {"N", "P", "C", NULL};
static const char *const v2_e[] = {"ND", "U", "POC", "F", "H", NULL};
static const char *const v2_rl[] = {"ND", "OF", "TF", "W", "U", NULL};
static const char *const v2_rc[] = {"ND", "UC", "UR", "C", NULL};
static const char *const v2_cdp[] = {"ND", "N", "L", "LM", "MH", "H", NULL};
static const char *const v2_td[] = {"ND", "N", "L", "M", "H", NULL};
static const char *const v2_req[] = {"ND", "L", "M", "H", NULL};

static const struct vg__cvss_metric v2_metrics[V2_N] = {
    {"AV", VG__CVSS_BASE, 1, v_avn},       {"AC", VG__CVSS_BASE, 1, v2_ac},
    {"Au", VG__CVSS_BASE, 1, v2_au},       {"C", VG__CVSS_BASE, 1, v2_imp},
    {"I", VG__CVSS_BASE, 1, v2_imp},       {"A", VG__CVSS_BASE, 1, v2_imp},
    {"E", VG__CVSS_TEMPORAL, 0, v2_e},     {"RL", VG__CVSS_TEMPORAL, 0, v2_rl},
    {"RC", VG__CVSS_TEMPORAL, 0, v2_rc},   {"CDP", VG__CVSS_ENV, 0, v2_cdp},
    {"TD", VG__CVSS_ENV, 0, v2_td},        {"CR", VG__CVSS_ENV, 0, v2_req},
    {"IR", VG__CVSS_ENV, 0, v2_req},       {"AR", VG__CVSS_ENV, 0, v2_req},
};

static const char *const v3_av[] = {"N", "A", "L", "P", NULL};
static const char *const v3_ac[] = {"L", "H", NULL};
static const char *const v3_pr[] = {"N", "L", "H", NULL};
static const char *const v3_ui[] = {"N", "R", NULL};
static const char *const v3_s[] = {"U", "C", NULL};
static const char *const v3_cia[] = {"H", "L", "N", NULL};
static const char *const v3_e[] = {"X", "U", "P", "F", "H", NULL};
static const char *const v3_rl[] = {"X", "O", "T", "W", "U", NULL};
static const char *const v3_rc[] = {"X", "U", "R", "C", NULL};
static const char *const v3_req[] = {"X", "L", "M", "H", NULL};
static const char *const v3_mav[] = {"X", "N", "A", "L", "P", NULL};
static const char *const v3_mac[] = {"X", "L", "H", NULL};
static const char *const v3_mpr[] = {"X", "N", "L", "H", NULL};
static const char *const v3_mui[] = {"X", "N", "R", NULL};
static const char *const v3_ms[] = {"X", "U", "C", NULL};
static const char *const v3_mcia[] = {"X", "N", "L", "H", NULL};

static const struct vg__cvss_metric v3_metrics[V3_N] = {
    {"AV", VG__CVSS_BASE, 1, v3_av},      {"AC", VG__CVSS_BASE, 1, v3_ac},
    {"PR", VG__CVSS_BASE, 1, v3_pr},      {"UI", VG__CVSS_BASE, 1, v3_ui},
    {"S", VG__CVSS_BASE, 1, v3_s},        {"C", VG__CVSS_BASE, 1, v3_cia},
    {"I", VG__CVSS_BASE, 1, v3_cia},      {"A", VG__CVSS_BASE, 1, v3_cia},
    {"E", VG__CVSS_TEMPORAL, 0, v3_e},    {"RL", VG__CVSS_TEMPORAL, 0, v3_rl},
    {"RC", VG__CVSS_TEMPORAL, 0, v3_rc},  {"CR", VG__CVSS_ENV, 0, v3_req},
    {"IR", VG__CVSS_ENV, 0, v3_req},      {"AR", VG__CVSS_ENV, 0, v3_req},
    {"MAV", VG__CVSS_ENV, 0, v3_mav},     {"MAC", VG__CVSS_ENV, 0, v3_mac},
    {"MPR", VG__CVSS_ENV, 0, v3_mpr},     {"MUI", VG__CVSS_ENV, 0, v3_mui},
    {"MS", VG__CVSS_ENV, 0, v3_ms},       {"MC", VG__CVSS_ENV, 0, v3_mcia},
    {"MI", VG__CVSS_ENV, 0, v3_mcia},     {"MA", VG__CVSS_ENV, 0, v3_mcia},
};

static const char *const v4_at[] = {"N", "P", NULL};
static const char *const v4_ui[] = {"N", "P", "A", NULL};
static const char *const v4_e[] = {"X", "A", "P", "U", NULL};
static const char *const v4_req[] = {"X", "H", "M", "L", NULL};
static const char *const v4_mat[] = {"X", "N", "P", NULL};
static const char *const v4_mui[] = {"X", "N", "P", "A", NULL};
static const char *const v4_mcia[] = {"X", "H", "L", "N", NULL};
static const char *const v4_msia[] = {"X", "S", "H", "L", "N", NULL};
static const char *const v4_s[] = {"X", "N", "P", NULL};
static const char *const v4_au[] = {"X", "N", "Y", NULL};
static const char *const v4_r[] = {"X", "A", "U", "I", NULL};
static const char *const v4_v[] = {"X", "D", "C", NULL};
static const char *const v4_re[] = {"X", "L", "M", "H", NULL};
static const char *const v4_u[] = {"X", "Clear", "Green", "Amber", "Red", NULL};

static const struct vg__cvss_metric v4_metrics[V4_N] = {
    {"AV", VG__CVSS_BASE, 1, v3_av},      {"AC", VG__CVSS_BASE, 1, v3_ac},
    {"AT", VG__CVSS_BASE, 1, v4_at},      {"PR", VG__CVSS_BASE, 1, v3_pr},
    {"UI", VG__CVSS_BASE, 1, v4_ui},      {"VC", VG__CVSS_BASE, 1, v3_cia},
    {"VI", VG__CVSS_BASE, 1, v3_cia},     {"VA", VG__CVSS_BASE, 1, v3_cia},
    {"SC", VG__CVSS_BASE, 1, v3_cia},     {"SI", VG__CVSS_BASE, 1, v3_cia},
    {"SA", VG__CVSS_BASE, 1, v3_cia},     {"E", VG__CVSS_TEMPORAL, 0, v4_e},
    {"CR", VG__CVSS_ENV, 0, v4_req},      {"IR", VG__CVSS_ENV, 0, v4_req},
    {"AR", VG__CVSS_ENV, 0, v4_req},      {"MAV", VG__CVSS_ENV, 0, v3_mav},
    {"MAC", VG__CVSS_ENV, 0, v3_mac},     {"MAT", VG__CVSS_ENV, 0, v4_mat},
    {"MPR", VG__CVSS_ENV, 0, v3_mpr},     {"MUI", VG__CVSS_ENV, 0, v4_mui},
    {"MVC", VG__CVSS_ENV, 0, v4_mcia},    {"MVI", VG__CVSS_ENV, 0, v4_mcia},
    {"MVA", VG__CVSS_ENV, 0, v4_mcia},    {"MSC", VG__CVSS_ENV, 0, v4_mcia},
    {"MSI", VG__CVSS_ENV, 0, v4_msia},    {"MSA", VG__CVSS_ENV, 0, v4_msia},
    {"S", VG__CVSS_SUPP, 0, v4_s},        {"AU", VG__CVSS_SUPP, 0, v4_au},
    {"R", VG__CVSS_SUPP, 0, v4_r},        {"V", VG__CVSS_SUPP, 0, v4_v},
    {"RE", VG__CVSS_SUPP, 0, v4_re},      {"U", VG__CVSS_SUPP, 0, v4_u},
};

static const struct vg__cvss_def defs[] = {
    {VG_CVSS_V2_0, NULL, v2_metrics, V2_N},
    {VG_CVSS_V3_0, "CVSS:3.0", v3_metrics, V3_N},
    {VG_CVSS_V3_1, "CVSS:3.1", v3_metrics, V3_N},
    {VG_CVSS_V4_0, "CVSS:4.0", v4_metrics, V4_N},
};

const struct vg__cvss_def *vg__cvss_def(int version)
{
    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
        if (defs[i].version == version)
            return &defs[i];
    return NULL;
}

const char *vg__cvss_value(const struct vg_cvss *c, int m)
{
    return vg__cvss_def(c->version)->metrics[m].values[c->val[m]];
}

const char *vg_cvss_version_name(int version)
{
    switch (version) {
    case VG_CVSS_V2_0: return "2.0";
    case VG_CVSS_V3_0: return "3.0";
    case VG_CVSS_V3_1: return "3.1";
    case VG_CVSS_V4_0: return "4.0";
    default: return "?";
    }
}

const char *vg_cvss_severity(int version, int tenths)
{
    if (version == VG_CVSS_V2_0)
        return tenths >= 70 ? "HIGH" : tenths >= 40 ? "MEDIUM" : "LOW";
    if (tenths <= 0)
        return "NONE";
    return tenths >= 90 ? "CRITICAL" : tenths >= 70 ? "HIGH" : tenths >= 40 ? "MEDIUM" : "LOW";
}

const char *vg_cvss_nomenclature(const struct vg_cvss *c)
{
    static const char *const names[] = {"CVSS-B", "CVSS-BT", "CVSS-BE", "CVSS-BTE"};
    if (c->version != VG_CVSS_V4_0)
        return NULL;
    return names[c->groups & (VG_CVSS_G_TEMPORAL | VG_CVSS_G_ENVIRONMENTAL)];
}

/* Copies an input token into a bounded, printable form for messages. */
static void token(char *dst, size_t size, const char *s, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < size; i++) {
        unsigned char ch = (unsigned char)s[i];
        dst[j++] = (ch >= 0x21 && ch < 0x7f && ch != '"' && ch != '\\') ? (char)ch : '?';
    }
    dst[j] = '\0';
}

static int streq(const char *a, const char *s, size_t n)
{
    return strlen(a) == n && memcmp(a, s, n) == 0;
}

static int parse_prefix(const char *s, size_t n, size_t *pos, int *version, struct vg_err *err)
{
    int rc = VG_OK;
    size_t i = 0;
    char tok[40];
    *pos = 0;
    if (n < 5 || memcmp(s, "CVSS:", 5) != 0) {
        *version = VG_CVSS_V2_0; /* the v2 guide's vectors carry no prefix */
        goto out;
    }
    while (i < n && s[i] != '/')
        i++;
    for (size_t d = 1; d < sizeof(defs) / sizeof(defs[0]); d++)
        if (streq(defs[d].prefix, s, i)) {
            *version = defs[d].version;
            *pos = i < n ? i + 1 : i;
            if (i == n) {
                rc = vg_err_field(err, VG_EINVAL, "vector", "%s: no metrics after the prefix",
                                  defs[d].prefix);
            }
            goto out;
        }
    token(tok, sizeof(tok), s, i);
    rc = vg_err_field(err, VG_EINVAL, "prefix",
                      "unsupported prefix '%s' (expected CVSS:3.0, CVSS:3.1, CVSS:4.0, or none "
                      "for v2)",
                      tok);
out:
    return rc;
}

int vg_cvss_parse(const char *s, size_t n, struct vg_cvss *out, struct vg_err *err)
{
    int rc = VG_OK;
    size_t pos = 0;
    const struct vg__cvss_def *def;
    uint32_t seen = 0;
    char name[16], value[16];

    memset(out, 0, sizeof(*out));
    out->temporal = out->threat = -1;
    if (n > VG_CVSS_MAX_INPUT) {
        rc = vg_err_field(err, VG_ETOOBIG, "vector", "longer than %d bytes", VG_CVSS_MAX_INPUT);
        goto out;
    }
    if (n == 0) {
        rc = vg_err_field(err, VG_EINVAL, "vector", "empty vector");
        goto out;
    }
    rc = parse_prefix(s, n, &pos, &out->version, err);
    if (rc)
        goto out;
    def = vg__cvss_def(out->version);
    while (pos <= n) {
        size_t end = pos, colon = (size_t)-1;
        size_t m, v;
        while (end < n && s[end] != '/') {
            if (s[end] == ':' && colon == (size_t)-1)
                colon = end;
            end++;
        }
        if (end == pos) {
            rc = vg_err_field(err, VG_EINVAL, "vector", "empty metric at offset %zu", pos);
            goto out;
        }
        if (colon == (size_t)-1 || colon == pos) {
            token(name, sizeof(name), s + pos, end - pos);
            rc = vg_err_field(err, VG_EINVAL, name, "'%s' at offset %zu is not METRIC:VALUE",
                              name, pos);
            goto out;
        }
        token(name, sizeof(name), s + pos, colon - pos);
        for (m = 0; m < def->n; m++)
            if (streq(def->metrics[m].abbr, s + pos, colon - pos))
                break;
        if (m == def->n) {
            rc = vg_err_field(err, VG_EINVAL, name, "unknown metric '%s' in a CVSS v%s vector",
                              name, vg_cvss_version_name(out->version));
            goto out;
        }
        if (seen & (UINT32_C(1) << m)) {
            rc = vg_err_field(err, VG_EINVAL, def->metrics[m].abbr, "duplicate metric %s",
                              def->metrics[m].abbr);
            goto out;
        }
        seen |= UINT32_C(1) << m;
        for (v = 0; def->metrics[m].values[v]; v++)
            if (streq(def->metrics[m].values[v], s + colon + 1, end - colon - 1))
                break;
        if (def->metrics[m].values[v] == NULL) {
            char allowed[64] = "";
            size_t k = 0;
            for (size_t j = 0; def->metrics[m].values[j]; j++)
                k += (size_t)snprintf(k < sizeof(allowed) ? allowed + k : NULL,
                                      k < sizeof(allowed) ? sizeof(allowed) - k : 0,
                                      "%s%s", j ? ", " : "", def->metrics[m].values[j]);
            token(value, sizeof(value), s + colon + 1, end - colon - 1);
            rc = vg_err_field(err, VG_EINVAL, def->metrics[m].abbr,
                              "%s: bad value '%s' (expected one of %s)", def->metrics[m].abbr,
                              value, allowed);
            goto out;
        }
        out->val[m] = (unsigned char)v;
        if (def->metrics[m].mandatory || v != 0) {
            out->present |= UINT32_C(1) << m;
            if (!def->metrics[m].mandatory)
                out->groups |= def->metrics[m].group == VG__CVSS_TEMPORAL ? VG_CVSS_G_TEMPORAL
                               : def->metrics[m].group == VG__CVSS_ENV    ? VG_CVSS_G_ENVIRONMENTAL
                                                                          : VG_CVSS_G_SUPPLEMENTAL;
        }
        if (end == n)
            break;
        pos = end + 1;
        if (pos == n) {
            rc = vg_err_field(err, VG_EINVAL, "vector", "trailing '/'");
            goto out;
        }
    }
    for (size_t m = 0; m < def->n; m++)
        if (def->metrics[m].mandatory && !(seen & (UINT32_C(1) << m))) {
            rc = vg_err_field(err, VG_EINVAL, def->metrics[m].abbr,
                              "missing mandatory metric %s", def->metrics[m].abbr);
            goto out;
        }
    if (out->version == VG_CVSS_V2_0)
        vg__cvss_score_v2(out);
    else if (out->version == VG_CVSS_V4_0)
        vg__cvss_score_v4(out);
    else
        vg__cvss_score_v3(out);
out:
    if (rc) {
        int version = out->version;
        memset(out, 0, sizeof(*out));
        out->version = version;
    }
    return rc;
}

/* Appends s to buf[k..size) as snprintf would (truncated, terminated), and
 * returns the length it would have had. */
static size_t put_part(char *buf, size_t size, size_t k, const char *s)
{
    size_t n = strlen(s);
    if (k < size) {
        size_t m = size - k - 1 < n ? size - k - 1 : n;
        memcpy(buf + k, s, m);
        buf[k + m] = '\0';
    }
    return k + n;
}

size_t vg_cvss_vector(const struct vg_cvss *c, char *buf, size_t size)
{
    const struct vg__cvss_def *def = vg__cvss_def(c->version);
    size_t k = 0;
    int first = 1;
    if (size)
        buf[0] = '\0';
    if (def == NULL)
        return 0;
    if (def->prefix) {
        k = put_part(buf, size, k, def->prefix);
        first = 0;
    }
    for (size_t m = 0; m < def->n; m++) {
        if (!(c->present & (UINT32_C(1) << m)))
            continue;
        if (!first)
            k = put_part(buf, size, k, "/");
        k = put_part(buf, size, k, def->metrics[m].abbr);
        k = put_part(buf, size, k, ":");
        k = put_part(buf, size, k, def->metrics[m].values[c->val[m]]);
        first = 0;
    }
    return k;
}

/* A score in tenths as JSON: 9.8, 10.0, 0.0. */
static void put_tenths(struct vg_buf *out, int tenths)
{
    if (tenths < 0 || tenths >= 1000) { /* never a CVSS score */
        vg_buf_printf(out, "%d.%d", tenths / 10, tenths % 10);
        return;
    }
    char *o = vg_buf_room(out, 4);
    size_t k = 0;
    if (tenths >= 100)
        o[k++] = (char)('0' + tenths / 100);
    o[k++] = (char)('0' + tenths / 10 % 10);
    o[k++] = '.';
    o[k++] = (char)('0' + tenths % 10);
    out->n += k;
    out->p[out->n] = '\0';
}

static void put_score(struct vg_buf *out, const char *name, int version, int tenths)
{
    vg_buf_puts(out, ",\"");
    vg_buf_puts(out, name);
    vg_buf_puts(out, "_score\":");
    put_tenths(out, tenths);
    vg_buf_puts(out, ",\"");
    vg_buf_puts(out, name);
    vg_buf_puts(out, "_severity\":\"");
    vg_buf_puts(out, vg_cvss_severity(version, tenths));
    vg_buf_putc(out, '"');
}

void vg_cvss_json(const struct vg_cvss *c, struct vg_buf *out)
{
    char vec[VG_CVSS_MAX_INPUT + 16];
    vg_cvss_vector(c, vec, sizeof(vec));
    vg_buf_puts(out, "{\"vector\":\"");
    vg_buf_puts(out, vec);
    vg_buf_puts(out, "\",\"version\":\"");
    vg_buf_puts(out, vg_cvss_version_name(c->version));
    vg_buf_putc(out, '"');
    put_score(out, "base", c->version, c->base);
    if (c->version == VG_CVSS_V4_0) {
        if (c->groups & VG_CVSS_G_TEMPORAL)
            put_score(out, "threat", c->version, c->threat);
        if (c->groups & VG_CVSS_G_ENVIRONMENTAL)
            put_score(out, "environmental", c->version, c->environmental);
        vg_buf_puts(out, ",\"score\":");
        put_tenths(out, c->score);
        vg_buf_puts(out, ",\"severity\":\"");
        vg_buf_puts(out, vg_cvss_severity(c->version, c->score));
        vg_buf_puts(out, "\",\"nomenclature\":\"");
        vg_buf_puts(out, vg_cvss_nomenclature(c));
        vg_buf_puts(out, "\",\"macrovector\":\"");
        vg_buf_puts(out, c->macrovector);
        vg_buf_putc(out, '"');
        if (c->groups & VG_CVSS_G_SUPPLEMENTAL) {
            /* carried, never scored: {"S":"P","AU":"Y",...} with the defined ones */
            const struct vg__cvss_def *def = vg__cvss_def(c->version);
            int first = 1;
            vg_buf_puts(out, ",\"supplemental\":{");
            for (int m = V4_S; m <= V4_U; m++) {
                if (!(c->present & (UINT32_C(1) << m)))
                    continue;
                vg_buf_printf(out, "%s\"%s\":\"%s\"", first ? "" : ",", def->metrics[m].abbr,
                              def->metrics[m].values[c->val[m]]);
                first = 0;
            }
            vg_buf_putc(out, '}');
        }
    } else {
        if (c->groups & VG_CVSS_G_TEMPORAL)
            put_score(out, "temporal", c->version, c->temporal);
        if (c->groups & VG_CVSS_G_ENVIRONMENTAL)
            put_score(out, "environmental", c->version, c->environmental);
    }
    vg_buf_puts(out, ",\"national_grade\":\"");
    vg_buf_puts(out, vg_grade_name(vg_grade_from_score(c->score)));
    vg_buf_puts(out, "\"}");
}
