/* Internals shared by the files of engine/stix (stix.c, types.c): the type
 * indices and the validation helpers. Not for use outside engine/stix. */
#ifndef VG_STIX_INT_H
#define VG_STIX_INT_H

#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "engine/stix/stix.h"

enum {
    T_ATTACK_PATTERN, T_CAMPAIGN, T_COURSE_OF_ACTION, T_GROUPING, T_IDENTITY, T_INCIDENT,
    T_INDICATOR, T_INFRASTRUCTURE, T_INTRUSION_SET, T_LOCATION, T_MALWARE, T_MALWARE_ANALYSIS,
    T_NOTE, T_OBSERVED_DATA, T_OPINION, T_REPORT, T_THREAT_ACTOR, T_TOOL, T_VULNERABILITY,
    T_RELATIONSHIP, T_SIGHTING,
    T_ARTIFACT, T_AUTONOMOUS_SYSTEM, T_DIRECTORY, T_DOMAIN_NAME, T_EMAIL_ADDR, T_EMAIL_MESSAGE,
    T_FILE, T_IPV4_ADDR, T_IPV6_ADDR, T_MAC_ADDR, T_MUTEX, T_NETWORK_TRAFFIC, T_PROCESS,
    T_SOFTWARE, T_URL, T_USER_ACCOUNT, T_WINDOWS_REGISTRY_KEY, T_X509_CERTIFICATE,
    T_MARKING_DEFINITION, T_LANGUAGE_CONTENT, T_EXTENSION_DEFINITION,
    T_COUNT
};

struct vg__stix_ctx {
    const char *base; /* path prefix of the object, "" or "objects[3]" */
    struct vg_err *err;
    struct vg_arena *scratch; /* for pattern ASTs; NULL: one per pattern */
};

/* Each records the first error in c->err naming "<base>.<prop>" and returns
 * its code, or returns VG_OK. */
int vg__stix_fail(struct vg__stix_ctx *c, int code, const char *prop, const char *fmt,
                  const char *arg);
int vg__stix_need_string(struct vg__stix_ctx *c, json_t *o, const char *k, const char **out);
int vg__stix_check_time(struct vg__stix_ctx *c, json_t *o, const char *k, int min_frac,
                        int64_t *out);
int vg__stix_check_ref(struct vg__stix_ctx *c, const char *prop, json_t *v);
int vg__stix_check_string_list(struct vg__stix_ctx *c, const char *prop, json_t *v);
int vg__stix_check_enum(struct vg__stix_ctx *c, json_t *o, const char *k,
                        const char *const *vals);
int vg__stix_check_int(struct vg__stix_ctx *c, json_t *o, const char *k, int64_t lo, int64_t hi);
int vg__stix_check_bool(struct vg__stix_ctx *c, json_t *o, const char *k);
int vg__stix_check_number(struct vg__stix_ctx *c, json_t *o, const char *k, double lo, double hi);
int vg__stix_ref_not(struct vg__stix_ctx *c, json_t *o, const char *k, const char *const *bad);
int vg__stix_ref_is(struct vg__stix_ctx *c, json_t *o, const char *k, const char *prefix);
int vg__stix_only_one(struct vg__stix_ctx *c, json_t *o, const char *a, const char *b, int need);
int vg__stix_has_other_than(json_t *o, const char *const *ignore);
int vg__stix_in_list(const char *s, const char *const *list);
int vg__stix_has_prefix(const char *s, const char *p);

/* The rules of type index t (T_*) for object o; fills the indicator fields
 * of out when not NULL. */
int vg__stix_check_type(struct vg__stix_ctx *c, int t, json_t *o, struct vg_stix_object *out);

#endif
