/* The matcher: which advisories affect a package version, and which
 * registered components an advisory affects.
 *
 * Forward index (struct vg_match_index), built once from OSV records:
 * (ecosystem, normalised package name) -> a table of cache-line buckets ->
 * the package's block, one contiguous run of memory: the sorted, distinct
 * interval boundaries (version keys, version.h, as order-preserving 8-byte
 * codes) cut the key line into elementary regions, each with a bit mask (or
 * list) of the affected entries that cover it. A query is one bucket, one
 * version key, a search over the block's codes and the region's mask;
 * vg_match_query_many overlaps the memory fetches of many queries.
 *
 * Reverse index (struct vg_match_comps), over registered components: grouped
 * by (ecosystem, normalised name), each group sorted by version key; an
 * advisory's intervals find their components by binary search, O(log n + hits).
 *
 * Thread safety: building (add/merge/finish) is single-threaded per index
 * (finish itself may lay the index out on up to 8 threads of its own, joined
 * before it returns); after finish an index is read-only and any number of
 * threads may query it at once (queries allocate nothing in the index and
 * keep no state there). Not for: I/O (the caller reads files and passes
 * buffers or json_t records), version ordering (version/), purl syntax
 * (purl/). */
#ifndef VG_MATCH_H
#define VG_MATCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "engine/purl/purl.h"

/* Bounds: package names over VG_MATCH_NAME_MAX bytes are VG_ETOOBIG. */
#define VG_MATCH_NAME_MAX 512

/* ---- package names ---------------------------------------------------- */

/* The ecosystem's own spelling of a package name reduced to the form under
 * which two spellings of one package compare equal: PyPI PEP 503 (lower-case,
 * runs of - _ . -> '-'); NuGet, Packagist, Hex, Pub, crates.io (also '_' ->
 * '-'), distributions' source packages and GitHub Actions lower-case; SwiftURL
 * lower-case without scheme or ".git"; Maven (group:artifact), npm
 * (@scope/name), Go module paths, RubyGems, Hackage, CRAN as written.
 * Writes at most cap bytes (no NUL); VG_ETOOBIG when longer. */
int vg_match_norm_name(int eco, const char *name, size_t n, char *out, size_t cap,
                       size_t *outlen);

/* A parsed purl (purl.h) to its OSV ecosystem (enum vg_eco), package name as
 * OSV spells it (maven "group:artifact", npm "@scope/name", golang
 * "host/path/name", composer "vendor/name", deb/rpm/apk the name alone) and
 * version (rpm: "epoch:" prefixed from the epoch qualifier). *name and
 * *version live in a (*version NULL when the purl has none). VG_ENOTFOUND when
 * the purl type has no OSV ecosystem. */
int vg_match_purl_pkg(const struct vg_purl *p, struct vg_arena *a, int *eco, const char **name,
                      const char **version, struct vg_err *err);

/* ---- forward index ---------------------------------------------------- */

struct vg_match_index;

struct vg_match_hit {
    uint32_t adv; /* advisory number, for vg_match_advisory */
    uint32_t aff; /* affected entry number, for vg_match_fixed */
};

struct vg_match_advisory {
    const char *id;
    const char **aliases; /* naliases strings */
    size_t naliases;
    const char *severity; /* database_specific.severity ("CRITICAL"...), else the first
                             severity[].score, else NULL */
    const char *summary;  /* NULL when absent */
};

struct vg_match_stats {
    size_t advisories;     /* records indexed */
    size_t withdrawn;      /* records skipped because withdrawn */
    size_t affected;       /* affected entries indexed */
    size_t skipped;        /* affected entries left out (unknown ecosystem, no name,
                              invalid range); see vg_match_index_add's err */
    size_t packages;       /* distinct (ecosystem, name) */
    size_t intervals;      /* key intervals */
    size_t bytes;          /* index memory, all included */
    double bytes_per_advisory;
    const char *first_skip; /* why the first skipped entry was skipped (owned by the
                               index), NULL when none */
    size_t duplicates;     /* records whose id was already indexed (left out) */
};

/* An empty index. Never NULL (aborts on out-of-memory). */
struct vg_match_index *vg_match_index_new(void);
/* NULL-safe. */
void vg_match_index_free(struct vg_match_index *ix);

/* Indexes one OSV record (borrowed; everything needed is copied). Withdrawn
 * records are counted and skipped, as is a record whose id is already in the
 * index (the first copy counts: osv.dev exports put a record naming two
 * ecosystems in both ecosystems' files). An affected entry with an unknown
 * ecosystem or an invalid range is skipped and counted (stats.skipped,
 * stats.first_skip says why). Errors:
 * VG_EINVAL when the record has no string "id" or is not an object;
 * VG_EINVAL after vg_match_index_finish. */
int vg_match_index_add(struct vg_match_index *ix, json_t *osv, struct vg_err *err);

/* Adds every record of a JSON document: one OSV object, an array of them, or
 * an object {"vulns": [...]} (the OSV API's and osv-scanner's form). */
int vg_match_index_add_doc(struct vg_match_index *ix, json_t *doc, struct vg_err *err);

/* Adds every record of a buffer: one JSON document (as vg_match_index_add_doc)
 * or, when the buffer is not one document, one document per line (JSON
 * lines; osv-offline's NeDB files, whose lines without an "id" - index
 * definitions, deletion markers - are ignored). A malformed line or record is
 * skipped and counted in *bad (may be NULL), the first described in err;
 * VG_OK is returned all the same. */
int vg_match_index_add_buffer(struct vg_match_index *ix, const char *buf, size_t n, size_t *bad,
                              struct vg_err *err);

/* Moves everything src holds into dst and frees src (both unfinished), so
 * that several threads can each fill an index of their own and one of them
 * merges the results. src's advisories follow dst's. */
int vg_match_index_merge(struct vg_match_index *dst, struct vg_match_index *src,
                         struct vg_err *err);

/* Lays the index out for queries (per package block, bucket table); the
 * index becomes read-only. Large indexes are laid out by several threads.
 * VG_ETOOBIG past 64 GB of blocks. */
int vg_match_index_finish(struct vg_match_index *ix, struct vg_err *err);

/* Advisories affecting name@version in ecosystem eco (name as the ecosystem
 * spells it; normalised here). Fills up to cap hits (one per advisory, in
 * advisory order, each with the advisory's first affected entry that holds
 * the version) and sets *n to the number of advisories found (exact, and may
 * exceed cap). A version that is not valid for eco is VG_EINVAL. An unknown
 * package is VG_OK with *n = 0. Thread-safe after finish. */
int vg_match_query(const struct vg_match_index *ix, int eco, const char *name, size_t nlen,
                   const char *version, size_t vlen, struct vg_match_hit *hits, size_t cap,
                   size_t *n, struct vg_err *err);

struct vg_match_q {
    int eco;
    const char *name; /* as the ecosystem spells it; normalised here */
    size_t nlen;
    const char *version;
    size_t vlen;
};

/* n queries at once, with the answers of n vg_match_query calls: query i's
 * hits go to hits[i * cap ...], its advisory count to counts[i] (may exceed
 * cap), its status to rcs[i] (VG_OK, VG_EINVAL for a version invalid in a
 * known package, VG_ETOOBIG for a long name). Faster than one by one: the
 * memory fetches of a group of queries overlap. Returns VG_EINVAL before
 * finish. Thread-safe after finish. */
int vg_match_query_many(const struct vg_match_index *ix, const struct vg_match_q *q, size_t n,
                        struct vg_match_hit *hits, size_t cap, size_t *counts, int *rcs);

/* Advisory adv (from a hit); the struct and its strings are owned by ix. */
const struct vg_match_advisory *vg_match_advisory(const struct vg_match_index *ix, uint32_t adv);
/* "fixed" versions of affected entry aff, as written (owned by ix). */
void vg_match_fixed(const struct vg_match_index *ix, uint32_t aff, const char *const **fixed,
                    size_t *n);
void vg_match_index_stats(const struct vg_match_index *ix, struct vg_match_stats *st);
/* Records seen so far (indexed + withdrawn + duplicates); cheap, for progress
 * reports. */
size_t vg_match_index_count(const struct vg_match_index *ix);

/* ---- reverse index ---------------------------------------------------- */

struct vg_match_comps;

struct vg_match_comps *vg_match_comps_new(void);
void vg_match_comps_free(struct vg_match_comps *c);
/* Registers component id (caller's number) as name@version of eco. A version
 * that is not valid for eco is VG_EINVAL (nothing registered). */
int vg_match_comps_add(struct vg_match_comps *c, int eco, const char *name, size_t nlen,
                       const char *version, size_t vlen, uint64_t id, struct vg_err *err);
/* Sorts the groups; the index becomes read-only and thread-safe to query. */
int vg_match_comps_finish(struct vg_match_comps *c, struct vg_err *err);
/* Ids of the components affected by one OSV record (borrowed), each once, in
 * ascending order. *ids lives in a. A withdrawn record affects nothing.
 * O(log n + hits) per interval. */
int vg_match_comps_affected(const struct vg_match_comps *c, json_t *osv, struct vg_arena *a,
                            uint64_t **ids, size_t *n, struct vg_err *err);
/* Components registered, and bytes used (all included). */
void vg_match_comps_stats(const struct vg_match_comps *c, size_t *components, size_t *bytes);

#endif
