/* The in-memory indicator lookup index: exact values as 128-bit keyed
 * digests in open-addressing tables, IPv4/IPv6 CIDR containment by prefix
 * length, subdomain matching by label suffix, expiry at lookup time.
 * Not for: persistence (the store rebuilds it at start) or TLP filtering
 * (the caller filters the indicator ids it gets back). */
#ifndef VG_STIX_IOC_INDEX_H
#define VG_STIX_IOC_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "engine/stix/ioc.h"

/* Thread safety: the index has no lock. Lookups only read it, so any number
 * of threads may look up at once while nobody writes; add/remove must be
 * serialised by the caller and exclude readers (a rwlock held by the
 * platform, or build a new index and swap the pointer). */
struct vg_ioc_index;

#define VG_IOC_FOREVER INT64_MAX /* valid_until of an indicator that does not expire */

enum vg_ioc_match {
    VG_IOC_MATCH_EXACT = 1,  /* the normalised value itself is listed */
    VG_IOC_MATCH_CIDR,       /* an IP within a listed CIDR block (prefix = its length) */
    VG_IOC_MATCH_PARENT,     /* a subdomain of a listed domain (prefix = its labels) */
    VG_IOC_MATCH_HOST,       /* a URL whose host is a listed domain or IP */
};

struct vg_ioc_hit {
    int64_t indicator_id;
    int64_t valid_until;     /* ms since the epoch */
    enum vg_ioc_type type;   /* type of the listed entry */
    enum vg_ioc_match match;
    int prefix;
};

/* seed0/seed1 key the digests (pass random bytes so that nobody can craft
 * colliding values; any fixed pair works for tests). Aborts on OOM. */
struct vg_ioc_index *vg_ioc_index_new(uint64_t seed0, uint64_t seed1);
void vg_ioc_index_free(struct vg_ioc_index *ix); /* NULL-safe */

/* Adds (type, value) -> indicator id (>= 0), normalising value first
 * (vg_ioc_normalize). Adding the same (value, id) again updates valid_until.
 * Errors: VG_EINVAL (value does not normalise), VG_ETOOBIG. */
int vg_ioc_index_add(struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value, size_t n,
                     int64_t indicator_id, int64_t valid_until, struct vg_err *err);
/* The same for a value already in normal form (as vg_ioc_normalize writes
 * it, e.g. as stored): not normalised again. */
int vg_ioc_index_add_normal(struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value,
                            size_t n, int64_t indicator_id, int64_t valid_until,
                            struct vg_err *err);
/* The same taken apart, for many entries added at once: where a value in
 * normal form goes (its key, table and counts), worked out with no change
 * to ix (so on any thread, as long as ix lives: only its seeds are read);
 * the slot it goes to fetched into the cache (the caller holding ix as for
 * adding); and the entry added. vg_ioc_index_add_normal is entry + add. */
struct vg_ioc_entry {
    uint64_t k[2];
    int table, type, family, prefix, labels;
};
int vg_ioc_index_entry(const struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value,
                       size_t n, struct vg_ioc_entry *out, struct vg_err *err);
void vg_ioc_index_prefetch(const struct vg_ioc_index *ix, const struct vg_ioc_entry *e);
/* Room for `exact` more exact values (addresses, domains, digests, ...) and
 * `net` more networks (CIDRs) without growing, taken at once (a table grown
 * by doubling as entries arrive is rebuilt once per doubling, each time in
 * new memory). Counts are upper bounds: extra room is only memory. */
void vg_ioc_index_reserve(struct vg_ioc_index *ix, size_t exact, size_t net);
void vg_ioc_index_add_entry(struct vg_ioc_index *ix, const struct vg_ioc_entry *e,
                            int64_t indicator_id, int64_t valid_until);
/* Removes the entry (type, value, id); VG_ENOTFOUND when absent. */
int vg_ioc_index_remove(struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value,
                        size_t n, int64_t indicator_id, struct vg_err *err);

/* Looks value up (t = VG_IOC_NONE: the type is guessed with vg_ioc_guess).
 * Entries with valid_until <= now are no hit. Writes up to max hits, the
 * number found (which may exceed max) in *nhits. An IP matches its exact
 * entry and every listed CIDR block containing it (a CIDR query: the blocks
 * containing that block); a domain matches itself and its listed parent
 * domains; a URL matches its normalised form, and by host its listed domain
 * (or parents) or IP; other types match exactly.
 * Errors: VG_EINVAL (value does not normalise as t). Read-only. */
int vg_ioc_index_lookup(const struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value,
                        size_t n, int64_t now, struct vg_ioc_hit *hits, size_t max,
                        size_t *nhits, struct vg_err *err);

/* A prepared query: the digests of one value, computed once (normalisation
 * included) so that a hot path can probe without re-parsing. */
#define VG_IOC_QUERY_MAX_KEYS 160
struct vg_ioc_query {
    enum vg_ioc_type type;
    int nkeys;
    struct {
        uint64_t k0, k1;
        unsigned char table, match, type; /* internal */
        short prefix;
    } keys[VG_IOC_QUERY_MAX_KEYS];
};
int vg_ioc_query_prepare(const struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value,
                         size_t n, struct vg_ioc_query *q, struct vg_err *err);
/* Probes the prepared query; returns the number of hits found (may exceed
 * max, only max are written). */
size_t vg_ioc_index_lookup_query(const struct vg_ioc_index *ix, const struct vg_ioc_query *q,
                                 int64_t now, struct vg_ioc_hit *hits, size_t max);

/* Probes nq prepared queries with their memory loads overlapped (the
 * throughput path for batch endpoints): counts[i] = live hits of qs[i]. Call
 * vg_ioc_index_lookup_query for the (then cache-warm) details of the values
 * with hits. Read-only, like lookup. */
void vg_ioc_index_lookup_batch(const struct vg_ioc_index *ix, const struct vg_ioc_query *qs,
                               size_t nq, int64_t now, uint32_t *counts);

struct vg_ioc_index_stats {
    size_t entries;    /* live (value, id) entries */
    size_t bytes;      /* memory held by the tables */
    size_t exact_capacity, net_capacity;
};
void vg_ioc_index_stats(const struct vg_ioc_index *ix, struct vg_ioc_index_stats *st);

/* SipHash-2-4 with 128-bit output (for the index; exposed for tests). */
void vg_siphash128(const void *in, size_t n, uint64_t k0, uint64_t k1, uint64_t out[2]);

#endif
