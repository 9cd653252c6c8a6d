/* Threat indicators on the platform: STIX 2.1 and plain JSON submission,
 * correlation (one entity per observable, one source per reporting unit),
 * sightings, the in-memory lookup index kept current on commit, TLP on every
 * read path, the TAXII 2.1 collections, and disposal notices.
 * Not for: parsing STIX or normalising values (engine/stix does that). */
#ifndef VG_SERVICE_INDICATORS_H
#define VG_SERVICE_INDICATORS_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/jscan.h"
#include "engine/stix/stix.h"
#include "engine/stix/tlp.h"
#include "service/service.h"

/* ---- the lookup index (built at start, updated after each commit) ---- */

/* Builds the index from the store into srv->ioc. Called by vg_server_open. */
int vg_ioc_open(struct vg_server *srv, struct vg_err *err);
/* Frees it (NULL-safe on a server that never opened it). */
/* Waits for the background work vg_ioc_open started (before the pool closes). */
void vg_ioc_stop(struct vg_server *srv);
void vg_ioc_close(struct vg_server *srv);

/* Most values in one lookup request. */
#define VG_IOC_LOOKUP_MAX 100000

/* ---- REST (all results are new JSON references owned by the caller) ---- */

/* body: a STIX 2.1 bundle (or one object), or {"indicators":[{type, value,
 * valid_from?, valid_until?, confidence?, tlp?, labels?, recipients?,
 * description?}]}. Validated whole: nothing is stored from a rejected body. */
int vg_svc_ioc_submit(struct vg_server *srv, const struct vg_actor *who,
                      const struct vg_jval *body, const char *raw, size_t rawlen, json_t **out,
                      struct vg_err *err);
/* The same for the body's text raw[0..rawlen) as received: a bundle is read
 * a piece at a time (its objects parsed as they are stored, in bounded
 * memory), anything else parsed whole into a (jscan) first; the answers are
 * those of vg_svc_ioc_submit on the parsed body, a JSON syntax error first
 * ("the body must be a JSON object" for another value). give: raw is the
 * caller's own and read no more after the call: the whole pages of a big
 * bundle's text may be given back to the system once read (madvise; they
 * read as zeros after), so that the body does not stay in memory to the
 * end; 0: raw is left as it is. */
int vg_svc_ioc_submit_raw(struct vg_server *srv, const struct vg_actor *who, const char *raw,
                          size_t rawlen, int give, struct vg_arena *a, json_t **out,
                          struct vg_err *err);
int vg_svc_ioc_get(struct vg_server *srv, const struct vg_actor *who, int64_t id, json_t **out,
                   struct vg_err *err);
/* type/value filters may be NULL; value is normalised as type first. */
int vg_svc_ioc_list(struct vg_server *srv, const struct vg_actor *who, const char *type,
                    const char *value, struct vg_page pg, json_t **out, struct vg_err *err);
/* body: {count?, seen_at?, note?} */
int vg_svc_ioc_sighting(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                        json_t *body, json_t **out, struct vg_err *err);
/* values: the JSON array of the request (jscan nodes, borrowed); type: optional
 * per-request type hint (NULL = guess each value). Writes the response
 * {"results":[…]} into out (raw JSON text). */
int vg_svc_ioc_lookup(struct vg_server *srv, const struct vg_actor *who,
                      const struct vg_jval *values, const char *type, struct vg_buf *out,
                      struct vg_err *err);

/* ---- TAXII 2.1 (http/taxii.c speaks the protocol; these apply the rules) ---- */

#define VG_TAXII_MEDIA "application/taxii+json;version=2.1"
#define VG_STIX_MEDIA "application/stix+json;version=2.1"

/* {"collections":[…]} as visible to who. */
int vg_svc_taxii_collections(struct vg_server *srv, const struct vg_actor *who, json_t **out,
                             struct vg_err *err);
/* One collection; VG_ENOTFOUND when unknown. */
int vg_svc_taxii_collection(struct vg_server *srv, const struct vg_actor *who, const char *id,
                            json_t **out, struct vg_err *err);

enum vg_taxii_view { VG_TAXII_OBJECTS, VG_TAXII_MANIFEST, VG_TAXII_VERSIONS };

struct vg_taxii_query {
    const char *collection;
    enum vg_taxii_view view;
    const char *object_id;   /* objects/{id}, objects/{id}/versions; NULL otherwise */
    const char *added_after; /* raw query parameters, NULL when absent */
    const char *limit, *next;
    const char *match_id, *match_type, *match_version, *match_spec_version;
};

struct vg_taxii_page {
    struct vg_buf body;      /* the envelope / manifest / versions JSON */
    char first[40], last[40]; /* X-TAXII-Date-Added-First/Last ("" when empty) */
};

/* VG_EINVAL naming the parameter, VG_ENOTFOUND (collection, or object by id
 * with nothing visible), VG_EFORBIDDEN (collection not readable). */
int vg_svc_taxii_get(struct vg_server *srv, const struct vg_actor *who,
                     const struct vg_taxii_query *q, struct vg_taxii_page *out,
                     struct vg_err *err);
/* Adds the objects of an envelope {"objects":[…]}: each valid object is stored
 * (and its observables correlated); invalid ones are reported in the status
 * resource (returned in *out, also stored for GET status/{id}). */
int vg_svc_taxii_add(struct vg_server *srv, const struct vg_actor *who, const char *collection,
                     const char *raw, size_t rawlen, json_t **out, struct vg_err *err);
int vg_svc_taxii_status(struct vg_server *srv, const struct vg_actor *who, const char *id,
                        json_t **out, struct vg_err *err);

/* ---- disposal notices (service/disposal.c) ---- */

/* body: {title, threat, indicator_id?, target_category?, note?}; state "reported". */
int vg_svc_disposal_create(struct vg_server *srv, const struct vg_actor *who, json_t *body,
                           json_t **out, struct vg_err *err);
int vg_svc_disposal_get(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                        json_t **out, struct vg_err *err);
int vg_svc_disposal_list(struct vg_server *srv, const struct vg_actor *who, const char *state,
                         int overdue, struct vg_page pg, json_t **out, struct vg_err *err);
/* body: {"to": STATE, "note"?, and for notice_issued: target_org_id, measure,
 * deadline, target_category?; for executed: report} */
int vg_svc_disposal_transition(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                               json_t *body, json_t **out, struct vg_err *err);
/* The target unit acknowledges receipt of the notice. */
int vg_svc_disposal_ack(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                        json_t **out, struct vg_err *err);

/* ---- internals shared by indicators.c, taxii.c and disposal.c ---- */

/* The TAXII collections (fixed): the community's, and the public TLP:CLEAR one. */
#define VG_TAXII_COMMUNITY "9ebd3174-7281-4ee5-83b9-8a0471679b40"
#define VG_TAXII_PUBLIC "7586e025-b998-4774-9844-70bec09d2d82"

struct vg_ioc_state;
struct vg_store;
struct vg__prep;
struct vg_pat_observable;

/* A source written by a transaction, applied to the index after commit. */
struct vg__touched {
    int64_t source_id, ioc_id, org_id, valid_from, valid_until;
    int tlp, confidence;
    const char *type, *value, *recipients;
};

/* The sources an ingest touched, in order. The writer appends; while a big
 * ingest runs, a follower (ioc_lookup.c) enters the new ones published so
 * far, v[0, pub), into the lookup index, holding mu while it reads v (the
 * writer holds mu to move v). */
struct vg__touch_list {
    struct vg__touched *v;
    size_t n, cap;
    atomic_size_t pub;
    pthread_mutex_t mu;
};

/* An ingest of this many objects or sources or more is a big one: the room
 * for what it adds (touched list, store key tables, lookup index) is taken
 * at once rather than grown on the way. */
#define VG_IOC_BIG 4096

/* One STIX object of a submission. */
struct vg__ioc_item {
    const struct vg_jval *obj;   /* borrowed (jscan document of the request) */
    const char *body;            /* its stored text once written (plain JSON, prepared), or NULL */
    size_t body_len;             /* strlen(body) when set with it, else 0 */
    struct vg_stix_object so;
    int tlp;
    const char *recips;          /* ",ID,…," or NULL */
    int plain_type;              /* enum vg_ioc_type of a plain JSON entry, else 0 */
    const char *plain_value;
    int failed, duplicate;
    const char *msg;
    int has_obs;                 /* observables and labels taken already (obs, nobs, ltext) */
    struct vg_pat_observable *obs;
    size_t nobs;
    const char *ltext;           /* labels as JSON text, or NULL */
    /* Taken by the preparing thread (the writer then only probes): the
     * store's key hashes (vg_store_key_hash) of so.id and of each
     * observable's (type, value), or 0 / NULL; the stored row's columns. */
    uint64_t id_hash, value_hash; /* value_hash: obs_hash[0], here for a look ahead */
    uint64_t *obs_hash;
    int has_row;                 /* spec_version, version, version_ms set */
    const char *spec_version, *version;
    int64_t version_ms;
};

struct vg__ingest {
    const struct vg_actor *who;
    const char *collection;
    int strict, plain;
    struct vg__ioc_item *items;
    size_t n;
    struct vg_arena *a;
    const char *audit_action, *submission_id;
    char sha256[65];
    size_t stored, duplicates, indicators, sightings;
    json_t *iocs;                /* [{id,type,value,stix_id}] (first 1000) or NULL */
    struct vg__touch_list touched;
    struct vg_buf text;          /* scratch for one object's text; freed by the caller */
    struct vg__prep *prep;       /* items prepared by another thread (NULL: all ready) */
    int (*after)(struct vg_store *st, struct vg__ingest *g); /* in the transaction, last */
    void *ctx;
    struct vg_err *err;
};

int vg__ioc_ingest(struct vg_server *srv, struct vg__ingest *g);
/* The same for items the caller has read and checked (obj, so, tlp, recips;
 * the failed ones marked, with msg): their stored text and observables are
 * taken on a second thread while the writer stores, and the digest of raw
 * into g->sha256. */
int vg__ioc_ingest_checked(struct vg_server *srv, struct vg__ingest *g, const char *raw,
                           size_t rawlen);
int vg__ioc_item_prepare(struct vg__ioc_item *it, const char *path, struct vg_arena *a,
                         struct vg_err *err);
/* A write transaction whose touched sources enter the index, seen by
 * lookups once it commits, while the writer connection is still held
 * (updates apply in commit order). hint: how many objects it may store
 * (from VG_IOC_BIG on, the index's room for them is taken, and its new
 * sources entered as they come, on another thread while it runs). */
int vg__ioc_tx(struct vg_server *srv, int (*fn)(struct vg_store *st, void *ctx), void *ctx,
               struct vg__touch_list *touched, size_t hint,
               struct vg_err *err);
struct vg_ioc_viewer vg__ioc_viewer(const struct vg_actor *who);
enum vg_tlp_relation vg__ioc_relation(const struct vg_actor *who, int64_t org,
                                      const int64_t *recips, int nrecips);
void vg__uuid4(char out[37]);
int64_t vg__now_us(void);
void vg__ioc_time_us(int64_t us, char out[40]);
void vg__json_str(struct vg_buf *b, const char *s);
/* ",1,7," to a malloc'd array of unit ids (*out NULL when none); the count. */
int vg__ioc_parse_recips(const char *s, int64_t **out);

#endif
