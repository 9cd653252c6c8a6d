/* STIX 2.1 objects: parse a bundle (or one object) and validate every object
 * against the specification's rules (common properties, the required
 * properties of each SDO, SRO, SCO and meta type, custom types/properties).
 * Not for: storing objects or serving TAXII (store/, http/ do that). */
#ifndef VG_STIX_H
#define VG_STIX_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/jscan.h"

#define VG_STIX_TIME_NONE INT64_MIN   /* a timestamp property that is absent */
#define VG_STIX_MAX_OBJECTS 20000000  /* objects in one bundle */

enum vg_stix_kind {
    VG_STIX_SDO = 1,   /* attack-pattern … vulnerability */
    VG_STIX_SRO,       /* relationship, sighting */
    VG_STIX_SCO,       /* artifact … x509-certificate */
    VG_STIX_META,      /* marking-definition, language-content, extension-definition */
    VG_STIX_CUSTOM,    /* a type the spec does not define (x-mitre-tactic, …) */
};

struct vg_pat_node; /* engine/stix/pattern.h */

/* One validated object. Strings are borrowed from json (a jscan document),
 * json is borrowed: both live as long as the document's arena (for
 * vg_stix_parse_bundle, the arena given to the parse). */
struct vg_stix_object {
    const char *type;
    const char *id;
    enum vg_stix_kind kind;
    int64_t created, modified;   /* ms since the epoch, VG_STIX_TIME_NONE when absent */
    const char *created_by_ref;  /* NULL when absent */
    int revoked;                 /* 0/1 */
    int confidence;              /* 0..100, -1 when absent */
    /* indicator only (NULL / VG_STIX_TIME_NONE otherwise) */
    const char *pattern, *pattern_type;
    int64_t valid_from, valid_until;
    /* an indicator validated by vg_stix_bundle_object with a scratch arena:
     * the syntax tree of its "stix" pattern, in that arena (valid until the
     * arena is reset); NULL otherwise */
    const struct vg_pat_node *pattern_ast;
    const struct vg_jval *json;
    /* with VG_STIX_KEEP_INVALID: rc != VG_OK for an invalid object, with the
     * message and the path at fault (arena-owned); otherwise always VG_OK */
    int rc;
    const char *error, *error_field;
};

struct vg_stix_bundle {
    const char *id;          /* "bundle--…", NULL when the input was one object */
    struct vg_stix_object *objects; /* arena-owned array */
    size_t n;
    size_t n_invalid;        /* with VG_STIX_KEEP_INVALID */
    const struct vg_jval *root; /* borrowed: lives in the arena */
};

/* Flags for vg_stix_parse_bundle. */
#define VG_STIX_KEEP_INVALID 1u  /* record per-object failures instead of failing the call */
/* vg_stix_read_bundle: check the bundle itself, not its objects (each
 * objects[i] has json set, the rest to be filled by vg_stix_bundle_object);
 * a lone object (id NULL) is validated all the same. */
#define VG_STIX_DEFER_OBJECTS 2u

/* Parses buf[0..n) (strict JSON with jscan: duplicate keys and bad UTF-8 are
 * VG_EJSON) holding a bundle or a single STIX object, and validates every
 * object. Everything in *out lives in a.
 * Errors: VG_EJSON, VG_EINVAL / VG_EMISSING naming the path at fault
 * ("objects[3].pattern"), VG_ETOOBIG over VG_STIX_MAX_OBJECTS. With
 * VG_STIX_KEEP_INVALID only a malformed document (bad JSON, a bundle with a
 * bad id or objects list, or a lone object that is invalid) fails the call;
 * invalid objects of a bundle are kept with rc/error set and counted in
 * n_invalid.
 * Pure and reentrant: no shared state. */
int vg_stix_parse_bundle(const char *buf, size_t n, unsigned flags, struct vg_arena *a,
                         struct vg_stix_bundle *out, struct vg_err *err);
/* The same for a document parsed already (root borrowed: it must outlive *out);
 * the object array and messages are allocated in a. */
int vg_stix_read_bundle(const struct vg_jval *root, unsigned flags, struct vg_arena *a,
                        struct vg_stix_bundle *out, struct vg_err *err);

/* The checks of vg_stix_read_bundle on a bundle whose objects are read
 * apart, one by one (a big body read a piece at a time: core/jscan.h
 * vg_jscan_top): root's "objects" member must be a list, its items are not
 * looked at (it may be an empty stand-in); nobjects is their count. out->n
 * is nobjects, out->objects NULL (validate each object with
 * vg_stix_bundle_object_json). VG_EINVAL (with no field) when root is not
 * a bundle with an objects list: read that with vg_stix_read_bundle. */
int vg_stix_read_bundle_head(const struct vg_jval *root, size_t nobjects, struct vg_arena *a,
                             struct vg_stix_bundle *out, struct vg_err *err);

/* vg_stix_bundle_object for object i of such a bundle: ov (borrowed) is
 * validated into *out, errors naming "objects[i]…", a valid indicator's
 * pattern AST left in scratch (reset on entry; required). */
int vg_stix_bundle_object_json(const struct vg_jval *ov, size_t i, struct vg_arena *scratch,
                               struct vg_stix_object *out, struct vg_err *err);

/* Validates object i of a bundle read with VG_STIX_DEFER_OBJECTS into
 * b->objects[i], errors naming "objects[i]…" (rc and err as vg_stix_object_read).
 * scratch: an arena for pattern ASTs, reset on entry, or NULL; with scratch,
 * a valid indicator's pattern AST stays there as objects[i].pattern_ast
 * (for taking its observables without a second parse) until the caller
 * resets scratch or calls again. Each i may be validated by a different
 * thread than the one that read the bundle. */
int vg_stix_bundle_object(struct vg_stix_bundle *b, size_t i, struct vg_arena *scratch,
                          struct vg_err *err);

/* Validates one object. path prefixes the field named on error (NULL or ""
 * for none, e.g. "objects[3]"). Indicators with pattern_type "stix" have
 * their pattern parsed. Returns VG_OK, VG_EINVAL or VG_EMISSING. */
int vg_stix_validate_object(const struct vg_jval *obj, const char *path, struct vg_err *err);

/* As vg_stix_validate_object, also filling *out (borrowing from obj). */
int vg_stix_object_read(const struct vg_jval *obj, const char *path, struct vg_stix_object *out,
                        struct vg_err *err);

/* Appends v as compact JSON, members in document order, escaped as jansson's
 * compact dump escapes (so a document reads back to the same text that
 * vg_json_dump gave for it): the form stored and served for an object. */
void vg_stix_json_write(const struct vg_jval *v, struct vg_buf *b);

/* The kind of a type name; VG_STIX_CUSTOM for any other syntactically valid
 * type name, 0 for a name that is not a valid type ("a", "Foo", "x--y"). */
enum vg_stix_kind vg_stix_type_kind(const char *type);

/* "type--UUID" with an RFC 4122 UUID (version 1-5, variant 10xx). When type
 * is not NULL the prefix must equal it. 1 when valid. */
int vg_stix_id_valid(const char *id, const char *type);

/* STIX timestamp: YYYY-MM-DDTHH:MM:SS[.fraction]Z (UTC, "Z" required).
 * min_frac: fraction digits required (3 for created/modified). Returns 0 and
 * ms since the epoch (fraction truncated to ms), or -1. */
int vg_stix_time_parse(const char *s, int min_frac, int64_t *ms);

#endif
