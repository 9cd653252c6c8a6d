/* purl parsing, per-type normalisation and canonical building (ECMA-427 and
 * purl-spec's type definitions). Not for: matching names across ecosystems
 * (match/ does PEP 503 etc. on top of this). */
#include "engine/purl/purl.h"
#include "core/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Per-type rules, from purl-spec types/<type>-definition.json. */
enum {
    T_NS_LOWER = 1u << 0,
    T_NAME_LOWER = 1u << 1,
    T_VER_LOWER = 1u << 2,
    T_NS_REQUIRED = 1u << 3,
    T_NS_PROHIBITED = 1u << 4,
    T_PYPI = 1u << 5,      /* name: '_' -> '-' */
    T_PUB = 1u << 6,       /* name: [^a-z0-9] -> '_' */
    T_GIT = 1u << 7,       /* namespace is the host; the name is owner/repo */
    T_CPAN = 1u << 8,      /* name without "::"; namespace (CPANID) upper-case */
    T_CHROME = 1u << 9,    /* name ^[a-p]{32}$, version ^\d+(\.\d+){0,3}$ */
    T_MLFLOW = 1u << 10,   /* name lower-case on Databricks */
    T_NS_UPPER = 1u << 11,
};

struct type_rule {
    const char *type;
    unsigned flags;
    const char *required_qual; /* NULL when none */
};

static const struct type_rule type_rules[] = {
    {"alpm", T_NS_LOWER | T_NAME_LOWER | T_NS_REQUIRED, NULL},
    {"apk", T_NS_LOWER | T_NAME_LOWER | T_NS_REQUIRED, NULL},
    {"bazel", T_NS_PROHIBITED, NULL},
    {"bitbucket", T_NS_LOWER | T_NAME_LOWER | T_NS_REQUIRED, NULL},
    {"bitnami", T_NAME_LOWER | T_NS_PROHIBITED, NULL},
    {"brew", T_NS_LOWER | T_NAME_LOWER, NULL},
    {"cargo", T_NS_PROHIBITED, NULL},
    {"chrome-extension", T_NAME_LOWER | T_NS_PROHIBITED | T_CHROME, NULL},
    {"cocoapods", T_NS_PROHIBITED, NULL},
    {"composer", T_NS_LOWER | T_NAME_LOWER | T_NS_REQUIRED, NULL},
    {"conan", 0, NULL},
    {"conda", T_NS_PROHIBITED, NULL},
    {"cpan", T_CPAN | T_NS_UPPER, NULL},
    {"cran", T_NS_PROHIBITED, NULL},
    {"deb", T_NS_LOWER | T_NAME_LOWER | T_NS_REQUIRED, NULL},
    {"docker", 0, NULL},
    {"gem", T_NS_PROHIBITED, NULL},
    {"generic", 0, NULL},
    {"git", T_GIT | T_NS_REQUIRED, NULL},
    {"github", T_NS_LOWER | T_NAME_LOWER | T_NS_REQUIRED, NULL},
    {"golang", T_NS_REQUIRED, NULL},
    {"hackage", T_NS_PROHIBITED, NULL},
    {"hex", T_NS_LOWER | T_NAME_LOWER, NULL},
    {"huggingface", T_VER_LOWER | T_NS_REQUIRED, NULL},
    {"julia", T_NS_PROHIBITED, "uuid"},
    {"luarocks", T_NS_LOWER | T_NAME_LOWER, NULL},
    {"maven", T_NS_REQUIRED, NULL},
    {"mlflow", T_NS_PROHIBITED | T_MLFLOW, NULL},
    {"npm", 0, NULL},
    {"nuget", T_NS_PROHIBITED, NULL},
    {"oci", T_NAME_LOWER | T_VER_LOWER | T_NS_PROHIBITED, NULL},
    {"opam", T_NS_PROHIBITED, NULL},
    {"otp", T_NAME_LOWER | T_NS_PROHIBITED, NULL},
    {"pub", T_NAME_LOWER | T_NS_PROHIBITED | T_PUB, NULL},
    {"pypi", T_NAME_LOWER | T_NS_PROHIBITED | T_PYPI, NULL},
    {"qpkg", T_NS_LOWER | T_NS_REQUIRED, NULL},
    {"rpm", T_NS_LOWER | T_NS_REQUIRED, NULL},
    {"swid", 0, "tag_id"},
    {"swift", T_NS_REQUIRED, NULL},
    {"vcpkg", T_NS_PROHIBITED, NULL},
    {"vscode-extension", T_NS_LOWER | T_NAME_LOWER | T_VER_LOWER | T_NS_REQUIRED, NULL},
    {"yocto", T_NS_LOWER, NULL},
};

static const struct type_rule *rule_for(const char *type)
{
    size_t lo = 0, hi = sizeof(type_rules) / sizeof(type_rules[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(type, type_rules[mid].type);
        if (c == 0)
            return &type_rules[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int to_lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
static int to_upper(int c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }

/* Percent-decodes s[0..n) into a new arena string. A '%' not followed by two
 * hex digits, or a decoded NUL, is VG_EINVAL. */
static int pct_decode(const char *s, size_t n, const char *what, size_t off, struct vg_arena *a,
                      char **out, struct vg_err *err)
{
    int rc = VG_OK;
    char *d = vg_arena_alloc(a, n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int h, l;
            if (i + 2 >= n || (h = vg_hexval(s[i + 1])) < 0 || (l = vg_hexval(s[i + 2])) < 0) {
                rc = vg_err_set(err, VG_EINVAL, "purl: bad percent-encoding in %s at offset %zu",
                                what, off + i);
                goto out;
            }
            c = (unsigned char)(h * 16 + l);
            i += 2;
        }
        if (c == 0) {
            rc = vg_err_set(err, VG_EINVAL, "purl: NUL byte in %s at offset %zu", what, off + i);
            goto out;
        }
        d[j++] = (char)c;
    }
    d[j] = '\0';
    *out = d;
out:
    return rc;
}

static void str_lower(char *s)
{
    for (; *s; s++)
        *s = (char)to_lower((unsigned char)*s);
}

static void str_upper(char *s)
{
    for (; *s; s++)
        *s = (char)to_upper((unsigned char)*s);
}

static int valid_type(const char *t, size_t n)
{
    if (n == 0 || !is_alpha((unsigned char)t[0]))
        return 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)t[i];
        if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '-' && c != '+')
            return 0;
    }
    return 1;
}

/* Qualifier key: ASCII letters, digits, '.', '-', '_'; not starting with a
 * digit. upper reports an upper-case letter (the strict parser refuses it). */
static int valid_key(const char *k, size_t n, int *upper)
{
    *upper = 0;
    if (n == 0 || is_digit((unsigned char)k[0]))
        return 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)k[i];
        if (c >= 'A' && c <= 'Z')
            *upper = 1;
        else if (!(c >= 'a' && c <= 'z') && !is_digit(c) && c != '.' && c != '-' && c != '_')
            return 0;
    }
    return 1;
}

static int qual_cmp(const void *a, const void *b)
{
    const struct vg_purl_qual *x = a, *y = b;
    return strcmp(x->key, y->key);
}

const char *vg_purl_qual(const struct vg_purl *p, const char *key)
{
    for (size_t i = 0; i < p->nquals; i++)
        if (strcmp(p->quals[i].key, key) == 0)
            return p->quals[i].value;
    return NULL;
}

/* Joins the non-empty segments of s (split on '/'), dropping "." and ".."
 * when dots is set. Returns NULL when nothing remains. */
static char *clean_segments(const char *s, int dots, struct vg_arena *a)
{
    size_t n = strlen(s), j = 0;
    char *d = vg_arena_alloc(a, n + 1);
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *q = memchr(p, '/', (size_t)(end - p));
        size_t len;
        if (q == NULL)
            q = end;
        len = (size_t)(q - p);
        if (len > 0 && !(dots && ((len == 1 && p[0] == '.') ||
                                  (len == 2 && p[0] == '.' && p[1] == '.')))) {
            if (j)
                d[j++] = '/';
            memcpy(d + j, p, len);
            j += len;
        }
        p = q + 1;
    }
    d[j] = '\0';
    return j ? d : NULL;
}

int vg_purl_normalize(const struct vg_purl *p, struct vg_arena *a, struct vg_purl *out,
                      struct vg_err *err)
{
    int rc = VG_OK;
    struct vg_purl r;
    const struct type_rule *rule;
    char *type, *ns = NULL, *name = NULL, *version = NULL;
    struct vg_purl_qual *q = NULL;
    size_t nq = 0;

    memset(&r, 0, sizeof(r));
    if (p->type == NULL || p->type[0] == '\0') {
        rc = vg_err_field(err, VG_EINVAL, "type", "purl: a type is required");
        goto out;
    }
    if (!valid_type(p->type, strlen(p->type))) {
        rc = vg_err_field(err, VG_EINVAL, "type", "purl: invalid type '%.64s'", p->type);
        goto out;
    }
    type = vg_arena_strdup(a, p->type);
    str_lower(type);
    rule = rule_for(type);

    if (p->nquals > VG_PURL_MAX_QUALS) {
        rc = vg_err_field(err, VG_ETOOBIG, "qualifiers", "purl: more than %d qualifiers",
                          VG_PURL_MAX_QUALS);
        goto out;
    }
    if (p->nquals) {
        q = vg_arena_calloc(a, p->nquals, sizeof(*q));
        for (size_t i = 0; i < p->nquals; i++) {
            int upper;
            const char *k = p->quals[i].key, *v = p->quals[i].value;
            char *kk;
            if (k == NULL || !valid_key(k, strlen(k), &upper)) {
                rc = vg_err_field(err, VG_EINVAL, "qualifiers", "purl: invalid qualifier key '%.64s'",
                                  k ? k : "");
                goto out;
            }
            if (v == NULL || v[0] == '\0')
                continue; /* empty values are discarded */
            kk = vg_arena_strdup(a, k);
            str_lower(kk);
            for (size_t j = 0; j < nq; j++)
                if (strcmp(q[j].key, kk) == 0) {
                    rc = vg_err_field(err, VG_EINVAL, "qualifiers",
                                      "purl: duplicate qualifier key '%.64s'", kk);
                    goto out;
                }
            q[nq].key = kk;
            q[nq].value = vg_arena_strdup(a, v);
            if (strcmp(kk, "checksum") == 0)
                str_lower((char *)q[nq].value);
            nq++;
        }
        if (nq > 1)
            qsort(q, nq, sizeof(*q), qual_cmp);
        if (nq == 0)
            q = NULL;
    }
    r.quals = q;
    r.nquals = nq;

    if (p->ns)
        ns = clean_segments(p->ns, 0, a);
    if (p->name && p->name[0])
        name = vg_arena_strdup(a, p->name);
    if (p->version && p->version[0])
        version = vg_arena_strdup(a, p->version);
    if (p->subpath)
        r.subpath = clean_segments(p->subpath, 0, a);

    if (rule && (rule->flags & T_GIT) && ns && name) {
        /* The namespace is the host alone; owner/... belongs to the name. */
        char *slash = strchr(ns, '/');
        if (slash) {
            name = vg_arena_printf(a, "%s/%s", slash + 1, name);
            *slash = '\0';
        }
        /* GitHub and Bitbucket owners and repositories are case-insensitive. */
        if (strcmp(ns, "github") == 0 || strcmp(ns, "github.com") == 0 ||
            strcmp(ns, "bitbucket") == 0 || strcmp(ns, "bitbucket.org") == 0)
            str_lower(name);
    }
    if (name == NULL) {
        rc = vg_err_field(err, VG_EINVAL, "name", "purl: a name is required");
        goto out;
    }
    if (rule) {
        if ((rule->flags & T_NS_REQUIRED) && ns == NULL) {
            rc = vg_err_field(err, VG_EINVAL, "namespace", "purl: type '%s' requires a namespace",
                              type);
            goto out;
        }
        if ((rule->flags & T_NS_PROHIBITED) && ns != NULL) {
            rc = vg_err_field(err, VG_EINVAL, "namespace",
                              "purl: type '%s' does not allow a namespace", type);
            goto out;
        }
        if (ns && (rule->flags & T_NS_LOWER))
            str_lower(ns);
        if (ns && (rule->flags & T_NS_UPPER))
            str_upper(ns);
        if (rule->flags & T_NAME_LOWER)
            str_lower(name);
        if (version && (rule->flags & T_VER_LOWER))
            str_lower(version);
        if (rule->flags & T_PYPI)
            for (char *c = name; *c; c++)
                if (*c == '_')
                    *c = '-';
        if (rule->flags & T_PUB)
            for (char *c = name; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || is_digit((unsigned char)*c) || *c == '_'))
                    *c = '_';
        if ((rule->flags & T_CPAN) && strstr(name, "::")) {
            rc = vg_err_field(err, VG_EINVAL, "name",
                              "purl: a cpan name is a distribution name, without '::'");
            goto out;
        }
        if (rule->flags & T_CHROME) {
            size_t nl = strlen(name);
            int ok = nl == 32;
            for (size_t i = 0; ok && i < nl; i++)
                ok = name[i] >= 'a' && name[i] <= 'p';
            if (!ok) {
                rc = vg_err_field(err, VG_EINVAL, "name",
                                  "purl: a chrome-extension id is 32 letters a-p");
                goto out;
            }
            if (version) {
                int parts = 1, digits = 0;
                for (const char *c = version; *c && ok; c++) {
                    if (is_digit((unsigned char)*c))
                        digits++;
                    else if (*c == '.' && digits) {
                        parts++;
                        digits = 0;
                    } else
                        ok = 0;
                }
                if (!ok || !digits || parts > 4) {
                    rc = vg_err_field(err, VG_EINVAL, "version",
                                      "purl: a chrome-extension version is 1 to 4 numbers");
                    goto out;
                }
            }
        }
        if (rule->flags & T_MLFLOW) {
            const char *url = NULL;
            for (size_t i = 0; i < nq; i++)
                if (strcmp(q[i].key, "repository_url") == 0)
                    url = q[i].value;
            if (url && strstr(url, "azuredatabricks.net"))
                str_lower(name);
        }
        if (rule->required_qual) {
            int found = 0;
            for (size_t i = 0; i < nq; i++)
                if (strcmp(q[i].key, rule->required_qual) == 0)
                    found = 1;
            if (!found) {
                rc = vg_err_field(err, VG_EINVAL, "qualifiers",
                                  "purl: type '%s' requires the qualifier '%s'", type,
                                  rule->required_qual);
                goto out;
            }
        }
    }
    r.type = type;
    r.ns = ns;
    r.name = name;
    r.version = version;
    *out = r;
out:
    return rc;
}

int vg_purl_parse_ex(const char *s, size_t n, unsigned flags, struct vg_arena *a,
                     struct vg_purl *out, struct vg_err *err)
{
    int rc = VG_OK;
    struct vg_purl raw;
    struct vg_purl_qual *quals = NULL;
    size_t end = n, nq = 0, i, start, tstart;
    const char *hash, *qm;
    char *tmp;

    memset(&raw, 0, sizeof(raw));
    if (n > VG_PURL_MAX) {
        rc = vg_err_set(err, VG_ETOOBIG, "purl: longer than %d bytes", VG_PURL_MAX);
        goto out;
    }
    if (memchr(s, '\0', n)) {
        rc = vg_err_set(err, VG_EINVAL, "purl: NUL byte");
        goto out;
    }
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] == 0x7f) {
            rc = vg_err_set(err, VG_EINVAL, "purl: unencoded space or control byte at offset %zu",
                            i);
            goto out;
        }

    /* subpath: after the first '#' */
    hash = memchr(s, '#', n);
    if (hash) {
        size_t hs = (size_t)(hash - s) + 1;
        const char *p = s + hs, *e = s + n;
        size_t cap = n - hs, j = 0;
        char *d = vg_arena_alloc(a, cap + 1);
        /* decode segment by segment so that %2F stays inside a segment */
        while (p <= e) {
            const char *q = memchr(p, '/', (size_t)(e - p));
            char *seg;
            if (q == NULL)
                q = e;
            rc = pct_decode(p, (size_t)(q - p), "subpath", (size_t)(p - s), a, &seg, err);
            if (rc)
                goto out;
            /* Unencoded "." and ".." segments are dropped here; encoded ones
             * survive parsing and are dropped when building. */
            if (seg[0] && !(q - p == 1 && p[0] == '.') &&
                !(q - p == 2 && p[0] == '.' && p[1] == '.') && !strchr(seg, '/')) {
                size_t sl = strlen(seg);
                if (j + sl + 1 > cap + 1) {
                    cap = (j + sl + 1) * 2;
                    char *nd = vg_arena_alloc(a, cap + 1);
                    memcpy(nd, d, j);
                    d = nd;
                }
                if (j)
                    d[j++] = '/';
                memcpy(d + j, seg, sl);
                j += sl;
            }
            p = q + 1;
        }
        d[j] = '\0';
        raw.subpath = j ? d : NULL;
        end = (size_t)(hash - s);
    }

    /* qualifiers: after the first '?' */
    qm = memchr(s, '?', end);
    if (qm) {
        size_t qs = (size_t)(qm - s) + 1, p = qs;
        size_t count = 1;
        for (i = qs; i < end; i++)
            if (s[i] == '&')
                count++;
        if (count > VG_PURL_MAX_QUALS) {
            rc = vg_err_set(err, VG_ETOOBIG, "purl: more than %d qualifiers", VG_PURL_MAX_QUALS);
            goto out;
        }
        quals = vg_arena_calloc(a, count, sizeof(*quals));
        while (p <= end) {
            const char *amp = memchr(s + p, '&', end - p);
            size_t pe = amp ? (size_t)(amp - s) : end;
            if (pe > p) {
                const char *eq = memchr(s + p, '=', pe - p);
                size_t kl = eq ? (size_t)(eq - (s + p)) : pe - p;
                int upper;
                char *val;
                if (!valid_key(s + p, kl, &upper)) {
                    rc = vg_err_field(err, VG_EINVAL, "qualifiers",
                                      "purl: invalid qualifier key at offset %zu", p);
                    goto out;
                }
                if (upper && (flags & VG_PURL_STRICT)) {
                    rc = vg_err_field(err, VG_EINVAL, "qualifiers",
                                      "purl: qualifier key not in lowercase at offset %zu", p);
                    goto out;
                }
                if (eq) {
                    size_t vs = (size_t)(eq - s) + 1;
                    rc = pct_decode(s + vs, pe - vs, "qualifier value", vs, a, &val, err);
                    if (rc)
                        goto out;
                } else {
                    val = "";
                }
                quals[nq].key = vg_arena_strndup(a, s + p, kl);
                quals[nq].value = val;
                nq++;
            }
            p = pe + 1;
        }
        end = (size_t)(qm - s);
    }
    raw.quals = quals;
    raw.nquals = nq;

    /* scheme */
    if (end < 4 || to_lower((unsigned char)s[0]) != 'p' || to_lower((unsigned char)s[1]) != 'k' ||
        to_lower((unsigned char)s[2]) != 'g' || s[3] != ':') {
        rc = vg_err_field(err, VG_EINVAL, "scheme", "purl: must start with 'pkg:'");
        goto out;
    }
    start = 4;
    while (start < end && s[start] == '/')
        start++;
    while (end > start && s[end - 1] == '/')
        end--;

    /* type: up to the first '/' */
    tstart = start;
    while (start < end && s[start] != '/')
        start++;
    if (start == tstart || !valid_type(s + tstart, start - tstart)) {
        rc = vg_err_field(err, VG_EINVAL, "type", "purl: missing or invalid type at offset %zu",
                          tstart);
        goto out;
    }
    if (start >= end) {
        rc = vg_err_field(err, VG_EINVAL, "name", "purl: a name is required");
        goto out;
    }
    raw.type = vg_arena_strndup(a, s + tstart, start - tstart);
    start++; /* the '/' */

    /* version: after the last '@' of the last segment */
    {
        size_t lastslash = start, at = end;
        for (i = start; i < end; i++)
            if (s[i] == '/')
                lastslash = i + 1;
        for (i = end; i > lastslash; i--)
            if (s[i - 1] == '@') {
                at = i - 1;
                break;
            }
        if (at < end) {
            rc = pct_decode(s + at + 1, end - at - 1, "version", at + 1, a, &tmp, err);
            if (rc)
                goto out;
            raw.version = tmp;
            end = at;
        }
        /* name: the last segment */
        rc = pct_decode(s + lastslash, end - lastslash, "name", lastslash, a, &tmp, err);
        if (rc)
            goto out;
        raw.name = tmp;
        /* namespace: the segments before, each decoded */
        if (lastslash > start) {
            size_t p = start, nsend = lastslash - 1, j = 0;
            char *d = vg_arena_alloc(a, 3 * (nsend - start) + 1);
            while (p <= nsend) {
                const char *q = memchr(s + p, '/', nsend - p);
                size_t qe = q ? (size_t)(q - s) : nsend;
                char *seg;
                rc = pct_decode(s + p, qe - p, "namespace", p, a, &seg, err);
                if (rc)
                    goto out;
                if (strchr(seg, '/')) {
                    rc = vg_err_field(err, VG_EINVAL, "namespace",
                                      "purl: '/' inside a namespace segment at offset %zu", p);
                    goto out;
                }
                if (seg[0]) {
                    size_t sl = strlen(seg);
                    if (j)
                        d[j++] = '/';
                    memcpy(d + j, seg, sl);
                    j += sl;
                }
                p = qe + 1;
            }
            d[j] = '\0';
            raw.ns = j ? d : NULL;
        }
    }
    if (raw.name[0] == '\0') {
        rc = vg_err_field(err, VG_EINVAL, "name", "purl: a name is required");
        goto out;
    }
    rc = vg_purl_normalize(&raw, a, out, err);
    /* Encoding can triple a component: a purl whose canonical form would be
     * over the limit is refused here, so that every parsed purl builds and
     * its canonical form parses again. */
    if (rc == VG_OK && n > VG_PURL_MAX / 3) {
        char *c;
        size_t cl;
        if ((rc = vg_purl_build(out, a, &c, &cl, err)) == VG_OK && cl > VG_PURL_MAX)
            rc = vg_err_set(err, VG_ETOOBIG, "purl: canonical form longer than %d bytes",
                            VG_PURL_MAX);
    }
out:
    return rc;
}

int vg_purl_parse(const char *s, size_t n, struct vg_arena *a, struct vg_purl *out,
                  struct vg_err *err)
{
    return vg_purl_parse_ex(s, n, 0, a, out, err);
}

/* 1 when s has no leading, trailing or doubled '/'. */
static int clean_slashes(const char *s)
{
    size_t n = strlen(s);
    return n == 0 || (s[0] != '/' && s[n - 1] != '/' && strstr(s, "//") == NULL);
}

static void put_enc(struct vg_arena *a, char **d, size_t *j, size_t *cap, const char *s,
                    int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    if (*j + 3 * n + 2 > *cap) {
        size_t nc = (*cap + 3 * n + 2) * 2;
        char *nd = vg_arena_alloc(a, nc);
        memcpy(nd, *d, *j);
        *d = nd;
        *cap = nc;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
            c == ':' || (keep_slash && c == '/')) {
            (*d)[(*j)++] = (char)c;
        } else {
            (*d)[(*j)++] = '%';
            (*d)[(*j)++] = hex[c >> 4];
            (*d)[(*j)++] = hex[c & 15];
        }
    }
}

static void put_raw(struct vg_arena *a, char **d, size_t *j, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*j + n + 2 > *cap) {
        size_t nc = (*cap + n + 2) * 2;
        char *nd = vg_arena_alloc(a, nc);
        memcpy(nd, *d, *j);
        *d = nd;
        *cap = nc;
    }
    memcpy(*d + *j, s, n);
    *j += n;
}

int vg_purl_build(const struct vg_purl *p, struct vg_arena *a, char **out, size_t *outlen,
                  struct vg_err *err)
{
    int rc;
    struct vg_purl c;
    size_t cap = 256, j = 0;
    char *d;

    rc = vg_purl_normalize(p, a, &c, err);
    if (rc)
        goto out;
    d = vg_arena_alloc(a, cap);
    put_raw(a, &d, &j, &cap, "pkg:");
    put_raw(a, &d, &j, &cap, c.type);
    put_raw(a, &d, &j, &cap, "/");
    if (c.ns) {
        /* segments are already '/'-joined and non-empty: keep the slashes */
        put_enc(a, &d, &j, &cap, c.ns, 1);
        put_raw(a, &d, &j, &cap, "/");
    }
    /* A git name may keep its '/'s as segment separators, but only when every
     * segment is non-empty (parsing drops empty ones); otherwise all are
     * encoded and the name stays one segment. */
    put_enc(a, &d, &j, &cap, c.name, strcmp(c.type, "git") == 0 && clean_slashes(c.name));
    if (c.version) {
        put_raw(a, &d, &j, &cap, "@");
        put_enc(a, &d, &j, &cap, c.version, 0);
    }
    for (size_t i = 0; i < c.nquals; i++) {
        put_raw(a, &d, &j, &cap, i ? "&" : "?");
        put_raw(a, &d, &j, &cap, c.quals[i].key);
        put_raw(a, &d, &j, &cap, "=");
        put_enc(a, &d, &j, &cap, c.quals[i].value, 0);
    }
    if (c.subpath) {
        char *sp = clean_segments(c.subpath, 1, a);
        if (sp) {
            put_raw(a, &d, &j, &cap, "#");
            put_enc(a, &d, &j, &cap, sp, 1);
        }
    }
    d[j] = '\0';
    *out = d;
    if (outlen)
        *outlen = j;
out:
    return rc;
}

int vg_purl_canonical(const char *s, size_t n, struct vg_arena *a, char **out, size_t *outlen,
                      struct vg_err *err)
{
    struct vg_purl p;
    int rc = vg_purl_parse(s, n, a, &p, err);
    if (rc == VG_OK)
        rc = vg_purl_build(&p, a, out, outlen, err);
    return rc;
}
