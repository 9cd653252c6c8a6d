/* Package URLs (purl): parse, validate, normalise and build the canonical
 * string, per the purl specification (ECMA-427) and the per-type rules of
 * purl-spec's type definitions. Pure: no I/O, no globals; thread-safe.
 * Not for: ecosystem package-name matching rules (match/ normalises names for
 * the index) or version ordering (version/). */
#ifndef VG_PURL_H
#define VG_PURL_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

/* Bounds: a purl string longer than VG_PURL_MAX bytes is VG_ETOOBIG; so is one
 * with more than VG_PURL_MAX_QUALS qualifiers. */
#define VG_PURL_MAX 4096
#define VG_PURL_MAX_QUALS 64

/* Parse flags. */
enum {
    /* Reject what the lenient parser silently normalises where the
     * specification says "shall" (today: qualifier keys not in lowercase).
     * purl-spec's "required" parse tests use this mode. */
    VG_PURL_STRICT = 1u << 0,
};

struct vg_purl_qual {
    const char *key;   /* lowercase, validated */
    const char *value; /* decoded, never empty */
};

/* Decoded, normalised components. All strings NUL-terminated. After a parse
 * every pointer is arena-owned; a caller filling one for vg_purl_build keeps
 * ownership of its strings (build only reads them). */
struct vg_purl {
    const char *type;      /* lowercase; never NULL after parse */
    const char *ns;        /* namespace, segments joined by '/'; NULL when absent */
    const char *name;      /* never NULL or empty after parse */
    const char *version;   /* NULL when absent */
    struct vg_purl_qual *quals; /* sorted by key, keys unique; NULL when none */
    size_t nquals;
    const char *subpath;   /* segments joined by '/', no '.'/'..'; NULL when absent */
};

/* Parses s[0..n) (need not be NUL-terminated), applies the type's
 * normalisation (case folding, PyPI '_' -> '-', ...) and validates the type's
 * rules (required/prohibited namespace, required qualifiers, permitted
 * characters). Lenient: qualifier keys are lowercased, a scheme "pkg:" may be
 * followed by slashes. Everything in *out lives in a.
 * Errors: VG_EINVAL with a message naming the component or byte offset;
 * VG_ETOOBIG over VG_PURL_MAX bytes or VG_PURL_MAX_QUALS qualifiers. */
int vg_purl_parse(const char *s, size_t n, struct vg_arena *a, struct vg_purl *out,
                  struct vg_err *err);
/* As vg_purl_parse with VG_PURL_* flags. */
int vg_purl_parse_ex(const char *s, size_t n, unsigned flags, struct vg_arena *a,
                     struct vg_purl *out, struct vg_err *err);

/* Normalises and validates p (decoded components, as in a parse result;
 * qualifiers in any order, keys any case, empty values dropped) into *out,
 * which lives in a (p is borrowed and may equal out). Errors as parse. */
int vg_purl_normalize(const struct vg_purl *p, struct vg_arena *a, struct vg_purl *out,
                      struct vg_err *err);

/* Builds the canonical string of p (normalised and validated first, as by
 * vg_purl_normalize): "pkg:type/ns/name@version?k=v&...#subpath", each
 * component percent-encoded (only A-Z a-z 0-9 - . _ ~ : stay as they are).
 * *out (NUL-terminated) and everything else live in a; outlen may be NULL. */
int vg_purl_build(const struct vg_purl *p, struct vg_arena *a, char **out, size_t *outlen,
                  struct vg_err *err);

/* Parse then build: the canonical form of s[0..n). */
int vg_purl_canonical(const char *s, size_t n, struct vg_arena *a, char **out, size_t *outlen,
                      struct vg_err *err);

/* Value of qualifier key in p (borrowed), or NULL. */
const char *vg_purl_qual(const struct vg_purl *p, const char *key);

#endif
