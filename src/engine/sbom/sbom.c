/* CycloneDX / SPDX / purl-list readers into a flat component list.
 * JSON is read with core/jscan into the caller's arena: component strings
 * point at the decoded document, nothing is copied twice.
 * Not for: validating a whole document against its JSON schema; only what a
 * scan relies on (component shapes, names, versions, purls) is checked. */
#include "engine/sbom/sbom.h"

#include "core/jscan.h"
#include "engine/version/version.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Purls already read in this document, by their text: a component whose purl
 * is the same text takes the parsed result of the first (SBOMs repeat the
 * same dependency many times). Open addressing with a bounded probe, so that
 * colliding texts cost a few compares and then are parsed as if new. */
#define PURL_CACHE_PROBES 8

struct purl_slot {
    const char *raw; /* the text as the document has it; NULL: empty slot */
    uint32_t len;
    uint32_t comp; /* index of the component that parsed it */
};

struct sb {
    struct vg_arena *a;
    struct vg_sbom_component *c;
    size_t n, cap;
    struct purl_slot *pc; /* arena-owned; NULL until the first purl */
    size_t pcmask;
    size_t pchint; /* expected purls, for the table's size (besides cap) */
};

/* Room for at least `need` components in total (capped at the bound, which
 * sb_push enforces): one allocation for a flat list of known length. */
static void sb_reserve(struct sb *s, size_t need)
{
    if (need > VG_SBOM_MAX_COMPONENTS)
        need = VG_SBOM_MAX_COMPONENTS;
    if (need <= s->cap)
        return;
    if (need < s->cap * 2)
        need = s->cap * 2;
    if (need < 64)
        need = 64;
    struct vg_sbom_component *c = vg_arena_alloc(s->a, need * sizeof(*c));
    if (s->n)
        memcpy(c, s->c, s->n * sizeof(*c));
    s->c = c;
    s->cap = need;
}

static struct vg_sbom_component *sb_push(struct sb *s, struct vg_err *err)
{
    if (s->n >= VG_SBOM_MAX_COMPONENTS) {
        vg_err_set(err, VG_ETOOBIG, "sbom: more than %d components", VG_SBOM_MAX_COMPONENTS);
        return NULL;
    }
    if (s->n == s->cap)
        sb_reserve(s, s->cap + 1);
    memset(&s->c[s->n], 0, sizeof(s->c[0]));
    s->c[s->n].eco = -1;
    return &s->c[s->n++];
}

static uint64_t purl_hash(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

/* The cached component for purl[0..n), or NULL; *slot gets a free slot to
 * remember it in (NULL when the probe found none). */
static const struct vg_sbom_component *purl_cached(struct sb *s, const char *p, size_t n,
                                                   struct purl_slot **slot)
{
    *slot = NULL;
    if (s->pc == NULL) {
        size_t want = 1024, expect = s->cap > s->pchint ? s->cap : s->pchint;
        while (want < expect + expect / 2 && want < ((size_t)1 << 20))
            want *= 2;
        s->pc = vg_arena_calloc(s->a, want, sizeof(*s->pc));
        s->pcmask = want - 1;
    }
    size_t i = (size_t)purl_hash(p, n) & s->pcmask;
    for (int k = 0; k < PURL_CACHE_PROBES; k++, i = (i + 1) & s->pcmask) {
        struct purl_slot *e = &s->pc[i];
        if (e->raw == NULL) {
            *slot = e;
            return NULL;
        }
        if (e->len == n && memcmp(e->raw, p, n) == 0)
            return &s->c[e->comp];
    }
    return NULL;
}

/* path + "[i]" in the arena, without printf (one per component). */
static char *path_index(struct vg_arena *a, const char *path, size_t plen, size_t i)
{
    char num[24];
    size_t k = sizeof(num);
    do {
        num[--k] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    char *r = vg_arena_alloc(a, plen + (sizeof(num) - k) + 3);
    memcpy(r, path, plen);
    r[plen] = '[';
    memcpy(r + plen + 1, num + k, sizeof(num) - k);
    r[plen + 1 + (sizeof(num) - k)] = ']';
    r[plen + 2 + (sizeof(num) - k)] = '\0';
    return r;
}

/* "path.key" ("key" at the top level): the field named in an error. */
static char *path_key(struct vg_arena *a, const char *path, const char *key)
{
    return path && *path ? vg_arena_printf(a, "%s.%s", path, key) : vg_arena_strdup(a, key);
}

/* Parses purl[0..plen) into comp (canonical string and components). An
 * error names path.key (path alone when key is NULL). */
static int set_purl(struct sb *s, struct vg_sbom_component *comp, const char *purl,
                    size_t plen, const char *path, const char *key, struct vg_err *err)
{
    struct vg_err e = {0};
    char *canon;
    int rc = VG_OK;
    struct purl_slot *slot;
    const struct vg_sbom_component *seen = purl_cached(s, purl, plen, &slot);
    if (seen) {
        /* the same text parses the same: share the (read-only) result */
        comp->p = seen->p;
        comp->purl = seen->purl;
        comp->eco = seen->eco;
        comp->ecosystem = seen->ecosystem;
    } else {
        rc = vg_purl_parse(purl, plen, s->a, &comp->p, &e);
        if (rc == VG_OK)
            rc = vg_purl_build(&comp->p, s->a, &canon, NULL, &e);
        if (rc) {
            const char *field = key ? path_key(s->a, path, key) : path;
            rc = vg_err_field(err, rc, field, "%s: %s", field, e.msg);
            goto out;
        }
        comp->purl = canon;
        comp->eco = vg_eco_from_purl(comp->p.type, strlen(comp->p.type), comp->p.ns,
                                     comp->p.ns ? strlen(comp->p.ns) : 0);
        comp->ecosystem = comp->eco >= 0 ? vg_eco_name(comp->eco) : NULL;
        if (slot) {
            slot->raw = purl;
            slot->len = (uint32_t)plen;
            slot->comp = (uint32_t)(comp - s->c);
        }
    }
    if (comp->version == NULL)
        comp->version = comp->p.version;
    if (comp->name == NULL)
        comp->name = comp->p.name;
out:
    return rc;
}

/* An optional string member: absent or null leaves *out alone; the string
 * stays in the arena where jscan decoded it. */
static int opt_str(const struct vg_jval *o, const char *key, const char *path, struct sb *s,
                   const struct vg_jval **out, struct vg_err *err)
{
    const struct vg_jval *v = vg_jget(o, key);
    if (vg_jnone(v))
        return VG_OK;
    if (v->type != VG_JSTR) {
        char *f = path_key(s->a, path, key);
        return vg_err_field(err, VG_EINVAL, f, "%s: must be a string", f);
    }
    *out = v;
    return VG_OK;
}

static int cdx_components(struct sb *s, const struct vg_jval *arr, const char *path, int depth,
                          struct vg_err *err)
{
    int rc = VG_OK;
    size_t i, plen = strlen(path);
    const struct vg_jval *c;

    if (depth > VG_SBOM_MAX_DEPTH) {
        rc = vg_err_field(err, VG_ETOOBIG, path, "%s: components nested deeper than %d", path,
                          VG_SBOM_MAX_DEPTH);
        goto out;
    }
    if (!vg_jis(arr, VG_JARR)) {
        rc = vg_err_field(err, VG_EINVAL, path, "%s: must be an array", path);
        goto out;
    }
    sb_reserve(s, s->n + arr->n);
    VG_JARR_FOREACH(arr, i, c)
    {
        char *cp = path_index(s->a, path, plen, i);
        struct vg_sbom_component *comp;
        const struct vg_jval *name = NULL, *group = NULL, *version = NULL, *purl = NULL, *sub;
        if (c->type != VG_JOBJ) {
            rc = vg_err_field(err, VG_EINVAL, cp, "%s: must be an object", cp);
            goto out;
        }
        comp = sb_push(s, err);
        if (comp == NULL) {
            rc = err ? err->code : VG_ETOOBIG;
            goto out;
        }
        comp->path = cp;
        if ((rc = opt_str(c, "name", cp, s, &name, err)) ||
            (rc = opt_str(c, "group", cp, s, &group, err)) ||
            (rc = opt_str(c, "version", cp, s, &version, err)) ||
            (rc = opt_str(c, "purl", cp, s, &purl, err)))
            goto out;
        if (name == NULL) {
            char *f = path_key(s->a, cp, "name");
            rc = vg_err_field(err, VG_EMISSING, f, "%s: required", f);
            goto out;
        }
        comp->name = name->u.s;
        comp->group = vg_jstr(group);
        comp->version = vg_jstr(version);
        if (purl && purl->n) {
            rc = set_purl(s, comp, purl->u.s, purl->n, cp, "purl", err);
            if (rc)
                goto out;
        }
        sub = vg_jget(c, "components");
        if (!vg_jnone(sub)) {
            char *sp = path_key(s->a, cp, "components");
            /* comp may move when the array grows: nothing below uses it */
            rc = cdx_components(s, sub, sp, depth + 1, err);
            if (rc)
                goto out;
        }
    }
out:
    return rc;
}

static int spdx_packages(struct sb *s, const struct vg_jval *arr, struct vg_err *err)
{
    int rc = VG_OK;
    size_t i, j;
    const struct vg_jval *p, *ref;

    if (!vg_jis(arr, VG_JARR)) {
        rc = vg_err_field(err, VG_EINVAL, "packages", "packages: must be an array");
        goto out;
    }
    sb_reserve(s, arr->n);
    VG_JARR_FOREACH(arr, i, p)
    {
        char *pp = path_index(s->a, "packages", 8, i);
        struct vg_sbom_component *comp;
        const struct vg_jval *refs, *name = NULL, *version = NULL;
        if (p->type != VG_JOBJ) {
            rc = vg_err_field(err, VG_EINVAL, pp, "%s: must be an object", pp);
            goto out;
        }
        comp = sb_push(s, err);
        if (comp == NULL) {
            rc = err ? err->code : VG_ETOOBIG;
            goto out;
        }
        comp->path = pp;
        if ((rc = opt_str(p, "name", pp, s, &name, err)) ||
            (rc = opt_str(p, "versionInfo", pp, s, &version, err)))
            goto out;
        comp->name = vg_jstr(name);
        comp->version = vg_jstr(version);
        refs = vg_jget(p, "externalRefs");
        if (vg_jnone(refs))
            continue;
        if (refs->type != VG_JARR) {
            char *f = path_key(s->a, pp, "externalRefs");
            rc = vg_err_field(err, VG_EINVAL, f, "%s: must be an array", f);
            goto out;
        }
        VG_JARR_FOREACH(refs, j, ref)
        {
            const struct vg_jval *type = NULL, *loc = NULL;
            char *rp = vg_arena_printf(s->a, "%s.externalRefs[%zu]", pp, j);
            if (ref->type != VG_JOBJ) {
                rc = vg_err_field(err, VG_EINVAL, rp, "%s: must be an object", rp);
                goto out;
            }
            if ((rc = opt_str(ref, "referenceType", rp, s, &type, err)) ||
                (rc = opt_str(ref, "referenceLocator", rp, s, &loc, err)))
                goto out;
            if (type && strcmp(type->u.s, "purl") == 0 && loc && comp->purl == NULL) {
                rc = set_purl(s, comp, loc->u.s, loc->n, rp, "referenceLocator", err);
                if (rc)
                    goto out;
            }
        }
    }
out:
    return rc;
}

static int parse_lines(struct sb *s, const char *buf, size_t n, struct vg_err *err)
{
    int rc = VG_OK;
    size_t i = 0, line = 0;
    while (i < n) {
        size_t e = i, b, t;
        while (e < n && buf[e] != '\n')
            e++;
        line++;
        b = i;
        t = e;
        while (b < t && (buf[b] == ' ' || buf[b] == '\t' || buf[b] == '\r'))
            b++;
        while (t > b && (buf[t - 1] == ' ' || buf[t - 1] == '\t' || buf[t - 1] == '\r'))
            t--;
        if (t > b && buf[b] != '#') {
            struct vg_sbom_component *comp = sb_push(s, err);
            char *f = vg_arena_printf(s->a, "line %zu", line);
            if (comp == NULL) {
                rc = err ? err->code : VG_ETOOBIG;
                goto out;
            }
            comp->path = f;
            rc = set_purl(s, comp, buf + b, t - b, f, NULL, err);
            if (rc)
                goto out;
        }
        i = e + 1;
    }
out:
    return rc;
}

int vg_sbom_parse(const char *buf, size_t n, struct vg_arena *a, struct vg_sbom *out,
                  struct vg_err *err)
{
    int rc = VG_OK;
    struct sb s = {.a = a};
    const struct vg_jval *root = NULL, *v;
    size_t i = 0;

    memset(out, 0, sizeof(*out));
    if (n > VG_SBOM_MAX_BYTES) {
        rc = vg_err_set(err, VG_ETOOBIG, "sbom: larger than %u bytes", VG_SBOM_MAX_BYTES);
        goto out;
    }
    while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i < n && buf[i] == '{') {
        rc = vg_jscan_parse(buf, n, a, NULL, &root, NULL, err);
        if (rc)
            goto out;
        if ((v = vg_jget(root, "bomFormat")) != NULL && v->type == VG_JSTR) {
            const struct vg_jval *spec = NULL;
            if (strcmp(v->u.s, "CycloneDX") != 0) {
                rc = vg_err_field(err, VG_EINVAL, "bomFormat", "bomFormat: not CycloneDX");
                goto out;
            }
            out->format = VG_SBOM_CYCLONEDX;
            if ((rc = opt_str(root, "specVersion", "", &s, &spec, err)))
                goto out;
            out->spec_version = vg_jstr(spec);
            v = vg_jget(root, "components");
            if (!vg_jnone(v)) {
                rc = cdx_components(&s, v, "components", 0, err);
                if (rc)
                    goto out;
            }
        } else if ((v = vg_jget(root, "spdxVersion")) != NULL && v->type == VG_JSTR) {
            out->format = VG_SBOM_SPDX;
            out->spec_version = v->u.s;
            if (strncmp(out->spec_version, "SPDX-2.", 7) != 0) {
                rc = vg_err_field(err, VG_EINVAL, "spdxVersion",
                                  "spdxVersion: only SPDX 2.x JSON is read");
                goto out;
            }
            /* present but null is an error here, as it always was */
            if ((v = vg_jget(root, "packages")) != NULL) {
                rc = spdx_packages(&s, v, err);
                if (rc)
                    goto out;
            }
        } else {
            rc = vg_err_set(err, VG_EINVAL,
                            "sbom: JSON without bomFormat (CycloneDX) or spdxVersion (SPDX)");
            goto out;
        }
    } else {
        out->format = VG_SBOM_PURLS;
        s.pchint = n / 24; /* "pkg:npm/name@1.0.0" and a newline */
        rc = parse_lines(&s, buf, n, err);
        if (rc)
            goto out;
    }
    out->c = s.c;
    out->n = s.n;
out:
    return rc;
}
