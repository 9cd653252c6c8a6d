/* The reference for engine/sbom: vg_sbom_parse as it was on jansson, before
 * it moved to core/jscan, kept verbatim as vg_sbom_parse_ref but for a fix
 * the new reader makes (a top-level field is named "specVersion", not
 * ".specVersion"); a list of purls, one per line, is read by the engine's own
 * reader, which did not change. The unit tests
 * and the fuzz driver check that both readers return the same components and
 * the same errors. Not for: production use. */
#include "engine/sbom/sbom.h"
#include "sbom_ref.h"

#include "core/json.h"
#include "engine/version/version.h"

#include <stdio.h>
#include <string.h>

struct sb {
    struct vg_arena *a;
    struct vg_sbom_component *c;
    size_t n, cap;
};

static struct vg_sbom_component *sb_push(struct sb *s, struct vg_err *err)
{
    if (s->n >= VG_SBOM_MAX_COMPONENTS) {
        vg_err_set(err, VG_ETOOBIG, "sbom: more than %d components", VG_SBOM_MAX_COMPONENTS);
        return NULL;
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        struct vg_sbom_component *c = vg_arena_alloc(s->a, nc * sizeof(*c));
        if (s->n)
            memcpy(c, s->c, s->n * sizeof(*c));
        s->c = c;
        s->cap = nc;
    }
    memset(&s->c[s->n], 0, sizeof(s->c[0]));
    s->c[s->n].eco = -1;
    return &s->c[s->n++];
}

/* Parses purl into comp (canonical string and components). */
static int set_purl_n(struct sb *s, struct vg_sbom_component *comp, const char *purl,
                      size_t plen, const char *field, struct vg_err *err)
{
    struct vg_err e = {0};
    char *canon;
    int rc = vg_purl_parse(purl, plen, s->a, &comp->p, &e);
    if (rc == VG_OK)
        rc = vg_purl_build(&comp->p, s->a, &canon, NULL, &e);
    if (rc) {
        rc = vg_err_field(err, rc, field, "%s: %s", field, e.msg);
        goto out;
    }
    comp->purl = canon;
    comp->eco = vg_eco_from_purl(comp->p.type, strlen(comp->p.type), comp->p.ns,
                                 comp->p.ns ? strlen(comp->p.ns) : 0);
    comp->ecosystem = comp->eco >= 0 ? vg_eco_name(comp->eco) : NULL;
    if (comp->version == NULL)
        comp->version = comp->p.version;
    if (comp->name == NULL)
        comp->name = comp->p.name;
out:
    return rc;
}

static int set_purl(struct sb *s, struct vg_sbom_component *comp, const char *purl,
                    const char *field, struct vg_err *err)
{
    return set_purl_n(s, comp, purl, strlen(purl), field, err);
}

static int opt_str(json_t *o, const char *key, const char *path, struct sb *s, const char **out,
                   struct vg_err *err)
{
    json_t *v = json_object_get(o, key);
    int rc = VG_OK;
    if (v == NULL || json_is_null(v))
        goto out;
    if (!json_is_string(v)) {
        char *f = *path ? vg_arena_printf(s->a, "%s.%s", path, key) : vg_arena_strdup(s->a, key);
        rc = vg_err_field(err, VG_EINVAL, f, "%s: must be a string", f);
        goto out;
    }
    *out = vg_arena_strdup(s->a, json_string_value(v));
out:
    return rc;
}

static int cdx_components(struct sb *s, json_t *arr, const char *path, int depth,
                          struct vg_err *err)
{
    int rc = VG_OK;
    size_t i;
    json_t *c;

    if (depth > VG_SBOM_MAX_DEPTH) {
        rc = vg_err_field(err, VG_ETOOBIG, path, "%s: components nested deeper than %d", path,
                          VG_SBOM_MAX_DEPTH);
        goto out;
    }
    if (!json_is_array(arr)) {
        rc = vg_err_field(err, VG_EINVAL, path, "%s: must be an array", path);
        goto out;
    }
    json_array_foreach(arr, i, c)
    {
        char *cp = vg_arena_printf(s->a, "%s[%zu]", path, i);
        struct vg_sbom_component *comp;
        const char *purl = NULL;
        json_t *sub;
        if (!json_is_object(c)) {
            rc = vg_err_field(err, VG_EINVAL, cp, "%s: must be an object", cp);
            goto out;
        }
        comp = sb_push(s, err);
        if (comp == NULL) {
            rc = err ? err->code : VG_ETOOBIG;
            goto out;
        }
        comp->path = cp;
        if ((rc = opt_str(c, "name", cp, s, &comp->name, err)) ||
            (rc = opt_str(c, "group", cp, s, &comp->group, err)) ||
            (rc = opt_str(c, "version", cp, s, &comp->version, err)) ||
            (rc = opt_str(c, "purl", cp, s, &purl, err)))
            goto out;
        if (comp->name == NULL) {
            char *f = vg_arena_printf(s->a, "%s.name", cp);
            rc = vg_err_field(err, VG_EMISSING, f, "%s: required", f);
            goto out;
        }
        if (purl && purl[0]) {
            char *f = vg_arena_printf(s->a, "%s.purl", cp);
            rc = set_purl(s, comp, purl, f, err);
            if (rc)
                goto out;
        }
        sub = json_object_get(c, "components");
        if (sub && !json_is_null(sub)) {
            char *sp = vg_arena_printf(s->a, "%s.components", cp);
            /* comp may move when the array grows: nothing below uses it */
            rc = cdx_components(s, sub, sp, depth + 1, err);
            if (rc)
                goto out;
        }
    }
out:
    return rc;
}

static int spdx_packages(struct sb *s, json_t *arr, struct vg_err *err)
{
    int rc = VG_OK;
    size_t i, j;
    json_t *p, *ref;

    if (!json_is_array(arr)) {
        rc = vg_err_field(err, VG_EINVAL, "packages", "packages: must be an array");
        goto out;
    }
    json_array_foreach(arr, i, p)
    {
        char *pp = vg_arena_printf(s->a, "packages[%zu]", i);
        struct vg_sbom_component *comp;
        json_t *refs;
        if (!json_is_object(p)) {
            rc = vg_err_field(err, VG_EINVAL, pp, "%s: must be an object", pp);
            goto out;
        }
        comp = sb_push(s, err);
        if (comp == NULL) {
            rc = err ? err->code : VG_ETOOBIG;
            goto out;
        }
        comp->path = pp;
        if ((rc = opt_str(p, "name", pp, s, &comp->name, err)) ||
            (rc = opt_str(p, "versionInfo", pp, s, &comp->version, err)))
            goto out;
        refs = json_object_get(p, "externalRefs");
        if (refs == NULL || json_is_null(refs))
            continue;
        if (!json_is_array(refs)) {
            char *f = vg_arena_printf(s->a, "%s.externalRefs", pp);
            rc = vg_err_field(err, VG_EINVAL, f, "%s: must be an array", f);
            goto out;
        }
        json_array_foreach(refs, j, ref)
        {
            const char *type = NULL, *loc = NULL;
            char *rp = vg_arena_printf(s->a, "%s.externalRefs[%zu]", pp, j);
            if (!json_is_object(ref)) {
                rc = vg_err_field(err, VG_EINVAL, rp, "%s: must be an object", rp);
                goto out;
            }
            if ((rc = opt_str(ref, "referenceType", rp, s, &type, err)) ||
                (rc = opt_str(ref, "referenceLocator", rp, s, &loc, err)))
                goto out;
            if (type && strcmp(type, "purl") == 0 && loc && comp->purl == NULL) {
                char *f = vg_arena_printf(s->a, "%s.referenceLocator", rp);
                rc = set_purl(s, comp, loc, f, err);
                if (rc)
                    goto out;
            }
        }
    }
out:
    return rc;
}

int vg_sbom_parse_ref(const char *buf, size_t n, struct vg_arena *a, struct vg_sbom *out,
                  struct vg_err *err)
{
    int rc = VG_OK;
    struct sb s = {a, NULL, 0, 0};
    json_t *root = NULL;
    size_t i = 0;

    memset(out, 0, sizeof(*out));
    if (n > VG_SBOM_MAX_BYTES) {
        rc = vg_err_set(err, VG_ETOOBIG, "sbom: larger than %u bytes", VG_SBOM_MAX_BYTES);
        goto out;
    }
    while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i < n && buf[i] == '{') {
        const char *fmt = NULL;
        rc = vg_json_parse(buf, n, &root, err);
        if (rc)
            goto out;
        if (json_is_string(json_object_get(root, "bomFormat"))) {
            fmt = json_string_value(json_object_get(root, "bomFormat"));
            if (strcmp(fmt, "CycloneDX") != 0) {
                rc = vg_err_field(err, VG_EINVAL, "bomFormat", "bomFormat: not CycloneDX");
                goto out;
            }
            out->format = VG_SBOM_CYCLONEDX;
            if ((rc = opt_str(root, "specVersion", "", &s, &out->spec_version, err)))
                goto out;
            if (json_object_get(root, "components") &&
                !json_is_null(json_object_get(root, "components"))) {
                rc = cdx_components(&s, json_object_get(root, "components"), "components", 0, err);
                if (rc)
                    goto out;
            }
        } else if (json_is_string(json_object_get(root, "spdxVersion"))) {
            out->format = VG_SBOM_SPDX;
            out->spec_version =
                vg_arena_strdup(a, json_string_value(json_object_get(root, "spdxVersion")));
            if (strncmp(out->spec_version, "SPDX-2.", 7) != 0) {
                rc = vg_err_field(err, VG_EINVAL, "spdxVersion",
                                  "spdxVersion: only SPDX 2.x JSON is read");
                goto out;
            }
            if (json_object_get(root, "packages")) {
                rc = spdx_packages(&s, json_object_get(root, "packages"), err);
                if (rc)
                    goto out;
            }
        } else {
            rc = vg_err_set(err, VG_EINVAL,
                            "sbom: JSON without bomFormat (CycloneDX) or spdxVersion (SPDX)");
            goto out;
        }
    } else {
        /* a purl per line: that reader did not move to jscan, so the
         * reference is the engine's own (comparing it with a copy of itself
         * would test nothing) */
        return vg_sbom_parse(buf, n, a, out, err);
    }
    out->c = s.c;
    out->n = s.n;
out:
    json_decref(root);
    return rc;
}
