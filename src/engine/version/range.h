/* Version ranges as sorted, disjoint intervals of version keys (version.h),
 * built from OSV `affected` entries, `vers:` strings and npm range syntax;
 * membership is a binary search. Pure: no I/O, no globals; a built range set
 * is read-only and may be shared between threads.
 * Not for: package identity (purl/) or advisory indexing (match/). */
#ifndef VG_RANGE_H
#define VG_RANGE_H

#include <jansson.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "engine/version/version.h"

enum {
    VG_IV_LO_INCL = 1u << 0,       /* lo itself is inside */
    VG_IV_HI_INCL = 1u << 1,       /* hi itself is inside */
    VG_IV_LO_UNBOUNDED = 1u << 2,  /* no lower bound (lo unused) */
    VG_IV_HI_UNBOUNDED = 1u << 3,  /* no upper bound (hi unused) */
    VG_IV_NO_PRERELEASE = 1u << 4, /* npm: a pre-release key is not inside */
};

struct vg_interval {
    const unsigned char *lo; /* arena-owned key; NULL when LO_UNBOUNDED */
    size_t lolen;
    const unsigned char *hi; /* arena-owned key; NULL when HI_UNBOUNDED */
    size_t hilen;
    unsigned flags;          /* VG_IV_* */
};

struct vg_ranges {
    int eco;                 /* keys were made with vg_version_key(eco, ...) */
    struct vg_interval *iv;  /* arena-owned, sorted by lo, pairwise disjoint */
    size_t n;
    const char **fixed;      /* OSV "fixed" versions as written (NUL-terminated,
                                arena-owned), in input order, duplicates removed */
    size_t nfixed;
    const char **last_affected; /* OSV "last_affected" versions, likewise */
    size_t nlast_affected;
    size_t nskipped;         /* OSV `versions` entries that are not valid
                                versions of eco and were left out */
};

/* 1 when key (made with vg_version_key(r->eco, ...) or an ecosystem of the
 * same scheme) lies inside r, else 0. O(log n). r and key are borrowed. */
int vg_ranges_contain(const struct vg_ranges *r, const unsigned char *key, size_t keylen);
/* Convenience: keys version v then tests it. VG_EINVAL when v is not a
 * version of r->eco; *inside is 0 or 1. Uses a stack buffer, no allocation. */
int vg_ranges_contain_version(const struct vg_ranges *r, const char *v, size_t n, int *inside,
                              struct vg_err *err);

/* One keyed event of an OSV range: the building block that vg_ranges_from_osv
 * and the matcher's index (match/) share, so OSV's range semantics live in
 * one place. */
struct vg_range_event {
    int kind;                 /* 0 introduced, 1 fixed (excl.), 2 last_affected (incl.) */
    int zero;                 /* introduced "0": no lower bound (key unused) */
    size_t order;             /* position in the input: ties keep input order */
    const unsigned char *key; /* borrowed */
    size_t keylen;
};

/* Sorts one range's events by version (introduced "0" first, ties in input
 * order) and calls emit for every interval they describe: an introduced
 * opens one (another introduced while open is ignored), the next fixed or
 * last_affected closes it, one still open at the end has no upper bound. */
void vg_range_events_sweep(struct vg_range_event *ev, size_t n,
                           void (*emit)(void *ctx, const struct vg_interval *iv), void *ctx);

/* OSV's limit event: caps every interval at lim (exclusive). */
void vg_intervals_cap(struct vg_interval *iv, size_t n, const unsigned char *lim, size_t limlen);

/* From one OSV `affected[]` object (borrowed). The ecosystem comes from
 * affected.package.ecosystem (or eco_override when >= 0). SEMVER and
 * ECOSYSTEM ranges follow the OSV schema: events sorted by version,
 * introduced "0" = no lower bound, fixed (excl.) / last_affected (incl.) /
 * limit (excl., caps the whole range); an introduced with no closing event
 * runs to infinity. SEMVER ranges are keyed with the semver scheme when the
 * ecosystem uses it, else with the ecosystem's scheme. GIT ranges are
 * ignored. `versions` entries become point intervals. Everything in *out is
 * arena-owned. Errors: VG_EINVAL naming the field (e.g.
 * "ranges[0].events[1].fixed") for a malformed entry or an invalid version in
 * an event; VG_EINVAL for an unknown ecosystem; VG_ETOOBIG over 100,000
 * events or versions. */
int vg_ranges_from_osv(json_t *affected, int eco_override, struct vg_arena *a,
                       struct vg_ranges *out, struct vg_err *err);
/* The same from a jscan document (borrowed): the same rules, fields and
 * messages, for readers that never build a jansson tree. */
struct vg_jval;
int vg_ranges_from_osv_j(const struct vg_jval *affected, int eco_override, struct vg_arena *a,
                         struct vg_ranges *out, struct vg_err *err);

/* From a vers string ("vers:npm/>=1.0.0|<2.0.0", "vers:npm/!=1.0.0", a lone
 * "*"...), per vers-spec: constraints (sorted by version here), one of
 * = != < <= > >= or none (=), "*" alone for every version; validated (unique
 * versions, no two lower or two upper bounds in a row, percent-decoding). Errors: VG_EINVAL with the offset or constraint at fault. */
int vg_ranges_from_vers(const char *s, size_t n, struct vg_arena *a, struct vg_ranges *out,
                        struct vg_err *err);

/* From node-semver range syntax ("^1.2.3 || >=2.0.0 <3.0.0-0", "~1.2",
 * "1.x", "1.2.3 - 2.3.4", "*", "") with node-semver's default `satisfies`
 * rules: a pre-release is inside only when a comparator of the same set has a
 * pre-release on the same major.minor.patch. eco is a semver-scheme
 * ecosystem (VG_ECO_NPM usually). Errors: VG_EINVAL with the offset. */
int vg_ranges_from_npm(int eco, const char *s, size_t n, struct vg_arena *a,
                       struct vg_ranges *out, struct vg_err *err);

#endif
