/* The STIX 2.1 patterning language: a parser to an AST (comparison and
 * observation expressions, FOLLOWEDBY, WITHIN / START-STOP / REPEATS, object
 * paths, every literal type) and the extraction of simple observables.
 * Not for: evaluating patterns against observed data. */
#ifndef VG_STIX_PATTERN_H
#define VG_STIX_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "engine/stix/ioc.h"

#define VG_PAT_MAX_LEN (1u << 20) /* bytes of pattern text */
#define VG_PAT_MAX_DEPTH 64       /* nesting of parentheses / brackets */
#define VG_PAT_MAX_NODES 100000

enum vg_pat_kind {
    VG_PAT_FOLLOWEDBY = 1, /* observation level: left, right */
    VG_PAT_OBS_OR,         /* observation level: left, right */
    VG_PAT_OBS_AND,        /* observation level: left, right */
    VG_PAT_OBSERVATION,    /* [ … ]: left is the comparison expression */
    VG_PAT_QUALIFIED,      /* left qualified by qual (WITHIN, START/STOP, REPEATS) */
    VG_PAT_CMP_OR,         /* comparison level: left, right */
    VG_PAT_CMP_AND,        /* comparison level: left, right */
    VG_PAT_CMP,            /* path op literal(s) */
    VG_PAT_EXISTS,         /* EXISTS path */
};

enum vg_pat_op {
    VG_PAT_EQ = 1, VG_PAT_NE, VG_PAT_LT, VG_PAT_LE, VG_PAT_GT, VG_PAT_GE,
    VG_PAT_IN, VG_PAT_LIKE, VG_PAT_MATCHES, VG_PAT_ISSUBSET, VG_PAT_ISSUPERSET,
};

enum vg_pat_lit_kind {
    VG_PAT_STR = 1, VG_PAT_INT, VG_PAT_FLOAT, VG_PAT_BOOL, VG_PAT_HEX, VG_PAT_BIN, VG_PAT_TIME,
};

struct vg_pat_literal {
    enum vg_pat_lit_kind kind;
    const char *s;   /* STR: unescaped text; HEX/BIN: decoded bytes; INT/FLOAT: the
                      * literal as written; TIME: the text inside t'…'; NUL-terminated */
    size_t n;        /* bytes in s */
    int64_t i;       /* INT; BOOL (0/1); TIME (ms since the epoch) */
    double f;        /* FLOAT */
};

enum vg_pat_step_kind { VG_PAT_KEY = 1, VG_PAT_INDEX, VG_PAT_ANY_INDEX };

struct vg_pat_step {
    enum vg_pat_step_kind kind;
    const char *key; /* KEY: the property name, quotes removed */
    int64_t index;   /* INDEX */
};

struct vg_pat_path {
    const char *object_type;   /* "file" */
    struct vg_pat_step *steps; /* hashes, 'SHA-256' */
    size_t n_steps;            /* >= 1 */
};

enum vg_pat_qual { VG_PAT_WITHIN = 1, VG_PAT_START_STOP, VG_PAT_REPEATS };

struct vg_pat_node {
    enum vg_pat_kind kind;
    struct vg_pat_node *left, *right;
    /* CMP / EXISTS */
    struct vg_pat_path path;
    enum vg_pat_op op;
    int negated;                 /* NOT before the operator */
    struct vg_pat_literal *lits; /* one, or the IN set (possibly empty) */
    size_t n_lits;
    /* QUALIFIED */
    enum vg_pat_qual qual;
    double within_seconds;
    const char *within_text;     /* the WITHIN number as written */
    int64_t start, stop;         /* ms since the epoch */
    const char *start_text, *stop_text; /* the timestamps as written */
    int64_t repeats;
};

/* Parses s[0..n). The AST lives in a. VG_EINVAL with the byte offset in the
 * message ("pattern: offset 17: expected ']'"), VG_ETOOBIG over the limits.
 * field names the JSON field reported in err (NULL: "pattern"). */
int vg_stix_pattern_parse(const char *s, size_t n, struct vg_arena *a, const char *field,
                          struct vg_pat_node **out, struct vg_err *err);

/* One observable taken from a pattern: a positive equality (or IN member)
 * on a path that names an indicator value (ipv4-addr:value, domain-name:value,
 * url:value, email-addr:value, email-message:from_ref.value,
 * network-traffic:dst_ref.value, file:hashes.'SHA-256', the custom
 * x-vigil-phone-number:value, …), normalised. */
struct vg_pat_observable {
    enum vg_ioc_type type;
    const char *value; /* normalised (vg_ioc_normalize), arena-owned */
};

/* Walks the AST and appends the observables it can normalise (values that do
 * not normalise are skipped and counted in *skipped when not NULL). Negated
 * comparisons are never taken. *out is an arena array of *n entries. */
int vg_stix_pattern_observables(const struct vg_pat_node *root, struct vg_arena *a,
                                struct vg_pat_observable **out, size_t *n, size_t *skipped,
                                struct vg_err *err);

/* Writes the AST back as pattern text (canonical spacing, parentheses only
 * where precedence needs them) into a; it parses back to the same text. For tests
 * and logs. */
char *vg_stix_pattern_format(const struct vg_pat_node *root, struct vg_arena *a);
/* Whether the word w[0..len) reads as a keyword (AND, SECONDS, ...) or a
 * boolean rather than an identifier: a path key spelt so is written quoted. */
int vg__stix_pattern_reserved(const char *w, size_t len);

#endif
