/* STIX 2.1 per-type rules: the required properties beyond the table in
 * stix.c and the constraints between properties of each SDO, SRO, SCO and
 * meta type. Not for: the common properties (stix.c). */
#include <stdio.h>
#include <string.h>

#include "engine/stix/ioc.h"
#include "engine/stix/pattern.h"
#include "engine/stix/stix.h"
#include "engine/stix/stix_int.h"

static const char *const sro_like[] = {"relationship--", "sighting--", "bundle--",
                                       "marking-definition--", "language-content--", NULL};

int vg__stix_check_type(struct vg__stix_ctx *c, int t, const struct vg_jval *o,
                        struct vg_stix_object *out)
{
    int rc = VG_OK;
    static const char *const sco_ignore[] = {"type", "id", "spec_version", "defanged",
                                             "object_marking_refs", "granular_markings",
                                             NULL};
    switch (t) {
    case T_INDICATOR: {
        const struct vg_jval *const *pr = c->prop; /* validate's index of the members */
        const char *pt = NULL, *pat = NULL;
        int64_t vf = 0, vu = 0;
        /* valid_from and valid_until were read by check_props (a type the
         * spec defines has its timestamps checked there, before these rules) */
        if ((rc = vg__stix_need_string_v(c, pr[P_PATTERN_TYPE], "pattern_type", &pt)) ||
            (rc = vg__stix_need_string_v(c, pr[P_PATTERN], "pattern", &pat)))
            break;
        vf = c->valid_from;
        vu = c->valid_until;
        if (vu != VG_STIX_TIME_NONE && vu <= vf) {
            rc = vg__stix_fail(c, VG_EINVAL, "valid_until", "must be later than valid_from%s", NULL);
            break;
        }
        const struct vg_jval *pv = pr[P_PATTERN_VERSION];
        if (pv && !VG_SJ_STR(pv)) {
            rc = vg__stix_fail(c, VG_EINVAL, "pattern_version", "must be a string%s", NULL);
            break;
        }
        if (strcmp(pt, "stix") == 0) {
            struct vg_arena *a = c->scratch ? c->scratch : vg_arena_new(0);
            struct vg_pat_node *root;
            char field[256];
            size_t plen = pr[P_PATTERN]->n;
            /* the field is named only in a message: written when there is one */
            if ((rc = vg_stix_pattern_parse(pat, plen, a, NULL, &root, NULL)) != VG_OK) {
                snprintf(field, sizeof(field), "%s%spattern", c->base, *c->base ? "." : "");
                rc = vg_stix_pattern_parse(pat, plen, a, field, &root, c->err);
            }
            if (rc == VG_OK && c->keep_ast && c->scratch && out)
                out->pattern_ast = root;
            else if (c->scratch)
                vg_arena_reset(a);
            else
                vg_arena_free(a);
            if (rc)
                break;
        }
        if (out) {
            out->pattern = pat;
            out->pattern_type = pt;
            out->valid_from = vf;
            out->valid_until = vu;
        }
        break;
    }
    case T_GROUPING:
        rc = vg__stix_need_string(c, o, "context", NULL);
        break;
    case T_LOCATION: {
        int lat = vg_jget(o, "latitude") != NULL;
        int lon = vg_jget(o, "longitude") != NULL;
        if (!lat && !lon && !vg_jget(o, "region") && !vg_jget(o, "country"))
            rc = vg__stix_fail(c, VG_EMISSING, "region",
                      "one of region, country or latitude+longitude is required%s", NULL);
        else if (lat != lon)
            rc = vg__stix_fail(c, VG_EINVAL, lat ? "longitude" : "latitude",
                      "latitude and longitude go together%s", NULL);
        else if (vg_jget(o, "precision") && !lat)
            rc = vg__stix_fail(c, VG_EINVAL, "precision", "requires latitude and longitude%s", NULL);
        else if (!(rc = vg__stix_check_number(c, o, "latitude", -90, 90)))
            rc = vg__stix_check_number(c, o, "longitude", -180, 180);
        break;
    }
    case T_MALWARE: {
        const struct vg_jval *f = vg_jget(o, "is_family");
        if (!VG_SJ_BOOL(f))
            rc = vg__stix_fail(c, VG_EINVAL, "is_family", "must be a boolean%s", NULL);
        else if (VG_SJ_TRUE(f) && !vg_jget(o, "name"))
            rc = vg__stix_fail(c, VG_EMISSING, "name", "required when is_family is true%s", NULL);
        break;
    }
    case T_MALWARE_ANALYSIS:
        if (!vg_jget(o, "result") && !vg_jget(o, "analysis_sco_refs"))
            rc = vg__stix_fail(c, VG_EMISSING, "result",
                      "one of result and analysis_sco_refs is required%s", NULL);
        break;
    case T_NOTE:
        rc = vg__stix_need_string(c, o, "content", NULL);
        break;
    case T_OBSERVED_DATA: {
        int64_t f = 0, l = 0;
        if ((rc = vg__stix_check_int(c, o, "number_observed", 1, 999999999)) ||
            (rc = vg__stix_check_time(c, o, "first_observed", 0, &f)) ||
            (rc = vg__stix_check_time(c, o, "last_observed", 0, &l)) ||
            (rc = vg__stix_only_one(c, o, "objects", "object_refs", 1)))
            break;
        if (l < f)
            rc = vg__stix_fail(c, VG_EINVAL, "last_observed", "must not be before first_observed%s", NULL);
        const struct vg_jval *objs = vg_jget(o, "objects");
        if (objs && (!VG_SJ_OBJ(objs) || sj_olen(objs) == 0))
            rc = vg__stix_fail(c, VG_EINVAL, "objects", "must be a non-empty dictionary%s", NULL);
        break;
    }
    case T_OPINION: {
        static const char *const ops[] = {"strongly-disagree", "disagree", "neutral", "agree",
                                          "strongly-agree", NULL};
        rc = vg__stix_check_enum(c, o, "opinion", ops);
        break;
    }
    case T_REPORT:
        rc = vg__stix_check_time(c, o, "published", 0, NULL);
        break;
    case T_RELATIONSHIP: {
        const char *rt = NULL;
        if ((rc = vg__stix_need_string(c, o, "relationship_type", &rt)))
            break;
        int ok = *rt != '\0';
        for (const char *p = rt; *p && ok; p++)
            ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
        if (!ok) {
            rc = vg__stix_fail(c, VG_EINVAL, "relationship_type", "must be [a-z0-9-]+%s", NULL);
            break;
        }
        if ((rc = vg__stix_ref_not(c, o, "source_ref", sro_like)))
            break;
        rc = vg__stix_ref_not(c, o, "target_ref", sro_like);
        break;
    }
    case T_SIGHTING: {
        int64_t f = 0, l = 0;
        if ((rc = vg__stix_check_int(c, o, "count", 0, 999999999)) ||
            (rc = vg__stix_ref_not(c, o, "sighting_of_ref", sro_like)) ||
            (rc = vg__stix_check_time(c, o, "first_seen", 0, &f)) ||
            (rc = vg__stix_check_time(c, o, "last_seen", 0, &l)))
            break;
        if (f != VG_STIX_TIME_NONE && l != VG_STIX_TIME_NONE && l < f) {
            rc = vg__stix_fail(c, VG_EINVAL, "last_seen", "must not be before first_seen%s", NULL);
            break;
        }
        const struct vg_jval *ods = vg_jget(o, "observed_data_refs");
        for (size_t i = 0; ods && i < sj_alen(ods); i++) {
            const struct vg_jval *r = vg_jat(ods, i);
            if (VG_SJ_STR(r) && !vg__stix_has_prefix(vg_jstr(r), "observed-data--")) {
                rc = vg__stix_fail(c, VG_EINVAL, "observed_data_refs",
                          "must refer to observed-data objects%s", NULL);
                break;
            }
        }
        const struct vg_jval *ws = vg_jget(o, "where_sighted_refs");
        for (size_t i = 0; !rc && ws && i < sj_alen(ws); i++) {
            const char *r = vg_jstr(vg_jat(ws, i));
            if (r && !vg__stix_has_prefix(r, "identity--") && !vg__stix_has_prefix(r, "location--"))
                rc = vg__stix_fail(c, VG_EINVAL, "where_sighted_refs",
                          "must refer to identity or location objects%s", NULL);
        }
        break;
    }
    case T_ARTIFACT:
        if ((rc = vg__stix_only_one(c, o, "payload_bin", "url", 1)))
            break;
        if (vg_jget(o, "url") && !vg_jget(o, "hashes"))
            rc = vg__stix_fail(c, VG_EMISSING, "hashes", "required with url%s", NULL);
        break;
    case T_AUTONOMOUS_SYSTEM:
        rc = vg__stix_check_int(c, o, "number", 0, 4294967295LL);
        break;
    case T_DIRECTORY:
        rc = vg__stix_need_string(c, o, "path", NULL);
        break;
    case T_DOMAIN_NAME:
    case T_EMAIL_ADDR:
    case T_URL:
        rc = vg__stix_need_string(c, o, "value", NULL);
        break;
    case T_IPV4_ADDR:
    case T_IPV6_ADDR: {
        const char *v = NULL;
        struct vg_ip ip;
        if ((rc = vg__stix_need_string(c, o, "value", &v)))
            break;
        if (vg_ip_parse(v, strlen(v), 1, &ip) != 0 || ip.family != (t == T_IPV4_ADDR ? 4 : 6))
            rc = vg__stix_fail(c, VG_EINVAL, "value", "not an %s address or CIDR block",
                      t == T_IPV4_ADDR ? "IPv4" : "IPv6");
        break;
    }
    case T_MAC_ADDR: {
        const char *v = NULL;
        if ((rc = vg__stix_need_string(c, o, "value", &v)))
            break;
        int ok = strlen(v) == 17;
        for (int i = 0; ok && i < 17; i++)
            ok = i % 3 == 2 ? v[i] == ':'
                            : ((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f'));
        if (!ok)
            rc = vg__stix_fail(c, VG_EINVAL, "value",
                      "must be lower-case colon-delimited (aa:bb:cc:dd:ee:ff)%s", NULL);
        break;
    }
    case T_EMAIL_MESSAGE: {
        const struct vg_jval *m = vg_jget(o, "is_multipart");
        if (!VG_SJ_BOOL(m))
            rc = vg__stix_fail(c, VG_EINVAL, "is_multipart", "must be a boolean%s", NULL);
        else if (VG_SJ_TRUE(m) && vg_jget(o, "body"))
            rc = vg__stix_fail(c, VG_EINVAL, "body", "not allowed when is_multipart is true%s", NULL);
        else if (!VG_SJ_TRUE(m) && vg_jget(o, "body_multipart"))
            rc = vg__stix_fail(c, VG_EINVAL, "body_multipart",
                      "not allowed when is_multipart is false%s", NULL);
        break;
    }
    case T_FILE:
        if (!vg_jget(o, "hashes") && !vg_jget(o, "name"))
            rc = vg__stix_fail(c, VG_EMISSING, "name", "one of hashes and name is required%s", NULL);
        break;
    case T_NETWORK_TRAFFIC:
        if (!vg_jget(o, "src_ref") && !vg_jget(o, "dst_ref"))
            rc = vg__stix_fail(c, VG_EMISSING, "src_ref", "one of src_ref and dst_ref is required%s",
                      NULL);
        else if (!(rc = vg__stix_check_string_list(c, "protocols", vg_jget(o, "protocols"))) &&
                 !(rc = vg__stix_check_int(c, o, "src_port", 0, 65535)))
            rc = vg__stix_check_int(c, o, "dst_port", 0, 65535);
        break;
    case T_PROCESS:
    case T_USER_ACCOUNT:
    case T_WINDOWS_REGISTRY_KEY:
    case T_X509_CERTIFICATE:
        if (!vg__stix_has_other_than(o, sco_ignore))
            rc = vg__stix_fail(c, VG_EMISSING, NULL, "needs at least one property beyond type and id%s",
                      NULL);
        break;
    case T_SOFTWARE:
    case T_MUTEX:
        rc = vg__stix_need_string(c, o, "name", NULL);
        break;
    case T_MARKING_DEFINITION: {
        const struct vg_jval *dt = vg_jget(o, "definition_type"), *d = vg_jget(o, "definition");
        if (!dt && !d) {
            if (!vg_jget(o, "extensions"))
                rc = vg__stix_fail(c, VG_EMISSING, "definition_type",
                          "definition_type and definition (or extensions) are required%s",
                          NULL);
            break;
        }
        if (!VG_SJ_STR(dt)) {
            rc = vg__stix_fail(c, dt ? VG_EINVAL : VG_EMISSING, "definition_type", "a string is required%s",
                      NULL);
            break;
        }
        if (!VG_SJ_OBJ(d)) {
            rc = vg__stix_fail(c, d ? VG_EINVAL : VG_EMISSING, "definition", "an object is required%s",
                      NULL);
            break;
        }
        const char *s = vg_jstr(dt);
        if (strcmp(s, "statement") == 0 && !VG_SJ_STR(vg_jget(d, "statement"))) {
            rc = vg__stix_fail(c, VG_EINVAL, "definition.statement", "a string is required%s", NULL);
        } else if (strcmp(s, "tlp") == 0) {
            static const char *const tl[] = {"white", "green", "amber", "red", NULL};
            const struct vg_jval *tv = vg_jget(d, "tlp");
            if (!VG_SJ_STR(tv) || !vg__stix_in_list(vg_jstr(tv), tl))
                rc = vg__stix_fail(c, VG_EINVAL, "definition.tlp", "must be white, green, amber or red%s",
                          NULL);
        }
        break;
    }
    case T_LANGUAGE_CONTENT: {
        const struct vg_jval *ct = vg_jget(o, "contents");
        if (!VG_SJ_OBJ(ct) || sj_olen(ct) == 0)
            rc = vg__stix_fail(c, VG_EINVAL, "contents", "must be a non-empty dictionary%s", NULL);
        else if (!(rc = vg__stix_check_ref(c, "object_ref", vg_jget(o, "object_ref"))))
            rc = vg__stix_check_time(c, o, "object_modified", 3, NULL);
        break;
    }
    case T_EXTENSION_DEFINITION: {
        const struct vg_jval *et = vg_jget(o, "extension_types");
        static const char *const ets[] = {"new-sdo", "new-sco", "new-sro", "property-extension",
                                          "toplevel-property-extension", NULL};
        if ((rc = vg__stix_check_string_list(c, "extension_types", et)))
            break;
        for (size_t i = 0; i < sj_alen(et); i++)
            if (!vg__stix_in_list(vg_jstr(vg_jat(et, i)), ets)) {
                rc = vg__stix_fail(c, VG_EINVAL, "extension_types", "unknown extension type%s", NULL);
                break;
            }
        if (rc)
            break;
        int top = 0;
        for (size_t i = 0; i < sj_alen(et); i++)
            top |= strcmp(vg_jstr(vg_jat(et, i)), "toplevel-property-extension") == 0;
        if (!top && vg_jget(o, "extension_properties"))
            rc = vg__stix_fail(c, VG_EINVAL, "extension_properties",
                      "only with toplevel-property-extension%s", NULL);
        else if (!(rc = vg__stix_need_string(c, o, "name", NULL)) &&
                 !(rc = vg__stix_need_string(c, o, "schema", NULL)))
            rc = vg__stix_need_string(c, o, "version", NULL);
        break;
    }
    default:
        break;
    }
    return rc;
}

