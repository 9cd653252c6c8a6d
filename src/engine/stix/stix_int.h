/* Internals shared by the files of engine/stix (stix.c, types.c): the type
 * indices and the validation helpers. Not for use outside engine/stix. */
#ifndef VG_STIX_INT_H
#define VG_STIX_INT_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/jscan.h"
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

/* Property classes (vg__stix_prop_class): the properties below P_INDEXED
 * are found once per object (struct vg__stix_ctx's prop); P_TIME is any
 * other timestamp property of the types the spec defines; P_PLAIN a
 * frequent name with no rule of its own. Every name of a class other than
 * P_OTHER is a valid property name (tests/unit/stix reads names.c). */
enum {
    P_OTHER = 0, P_ID, P_TYPE, P_SPEC_VERSION, P_CREATED, P_MODIFIED, P_CREATED_BY_REF, P_REVOKED,
    P_CONFIDENCE, P_LABELS, P_LANG, P_EXTERNAL_REFERENCES, P_OBJECT_MARKING_REFS,
    P_GRANULAR_MARKINGS, P_EXTENSIONS, P_KILL_CHAIN_PHASES, P_HASHES, P_DEFANGED, P_PATTERN,
    P_PATTERN_TYPE, P_PATTERN_VERSION, P_VALID_FROM, P_VALID_UNTIL,
    P_INDEXED,
    P_TIME = P_INDEXED,
    P_PLAIN
};

/* T_* of the type name k[0..n), or -1. */
int vg__stix_type_index(const char *k, size_t n);
/* P_* of the property name k[0..n) (P_OTHER for the rest). */
int vg__stix_prop_class(const char *k, size_t n);

/* jscan accessors in the shape of the checks (NULL-safe, like jansson's). */
#define VG_SJ_STR(v) vg_jis((v), VG_JSTR)
#define VG_SJ_ARR(v) vg_jis((v), VG_JARR)
#define VG_SJ_OBJ(v) vg_jis((v), VG_JOBJ)
#define VG_SJ_INT(v) vg_jis((v), VG_JINT)
#define VG_SJ_NULL(v) vg_jis((v), VG_JNULL)
#define VG_SJ_TRUE(v) vg_jis((v), VG_JTRUE)
#define VG_SJ_BOOL(v) (vg_jis((v), VG_JTRUE) || vg_jis((v), VG_JFALSE))
#define VG_SJ_NUM(v) (vg_jis((v), VG_JINT) || vg_jis((v), VG_JREAL))
/* Items of an array, members of an object; 0 for anything else. */
static inline size_t sj_alen(const struct vg_jval *v)
{
    return vg_jis(v, VG_JARR) ? v->n : 0;
}
static inline size_t sj_olen(const struct vg_jval *v)
{
    return vg_jis(v, VG_JOBJ) ? v->n : 0;
}
static inline int64_t sj_int(const struct vg_jval *v)
{
    return vg_jis(v, VG_JINT) ? v->u.i : 0;
}
/* for (key k, value v) over the members of object o, in document order */
#define VG_SJ_OBJ_FOREACH(obj_, key_, val_)                                                        \
    for (size_t sj_i_ = 0; sj_i_ < sj_olen(obj_) && ((key_) = (obj_)->u.o[sj_i_].key.u.s,          \
                                                    (val_) = &(obj_)->u.o[sj_i_].val, 1);          \
         sj_i_++)

struct vg__stix_ctx {
    const char *base; /* path prefix of the object, "" or "objects[3]" */
    struct vg_err *err;
    struct vg_arena *scratch; /* for pattern ASTs; NULL: one per pattern */
    const struct vg_jval *const *prop; /* [P_INDEXED]: the object's member of that class or NULL */
    int keep_ast; /* leave a pattern's AST in scratch, as out->pattern_ast */
    /* valid_from / valid_until as check_props read them (VG_STIX_TIME_NONE
     * until then): the indicator rules take them from here */
    int64_t valid_from, valid_until;
};

/* Each records the first error in c->err naming "<base>.<prop>" and returns
 * its code, or returns VG_OK. */
int vg__stix_fail(struct vg__stix_ctx *c, int code, const char *prop, const char *fmt,
                  const char *arg);
int vg__stix_need_string(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k,
                         const char **out);
int vg__stix_check_time(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k,
                        int min_frac, int64_t *out);
/* The same two for the member's value v (NULL when absent), named k. */
int vg__stix_need_string_v(struct vg__stix_ctx *c, const struct vg_jval *v, const char *k,
                           const char **out);
int vg__stix_check_time_v(struct vg__stix_ctx *c, const struct vg_jval *v, const char *k,
                          int min_frac, int64_t *out);
int vg__stix_check_ref(struct vg__stix_ctx *c, const char *prop, const struct vg_jval *v);
int vg__stix_check_string_list(struct vg__stix_ctx *c, const char *prop, const struct vg_jval *v);
int vg__stix_check_enum(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k,
                        const char *const *vals);
int vg__stix_check_int(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k, int64_t lo,
                       int64_t hi);
int vg__stix_check_bool(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k);
int vg__stix_check_number(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k, double lo,
                          double hi);
int vg__stix_ref_not(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k,
                     const char *const *bad);
int vg__stix_ref_is(struct vg__stix_ctx *c, const struct vg_jval *o, const char *k,
                    const char *prefix);
int vg__stix_only_one(struct vg__stix_ctx *c, const struct vg_jval *o, const char *a, const char *b,
                      int need);
int vg__stix_has_other_than(const struct vg_jval *o, const char *const *ignore);
int vg__stix_in_list(const char *s, const char *const *list);
int vg__stix_has_prefix(const char *s, const char *p);

/* The rules of type index t (T_*) for object o; fills the indicator fields
 * of out when not NULL. */
int vg__stix_check_type(struct vg__stix_ctx *c, int t, const struct vg_jval *o,
                        struct vg_stix_object *out);

#endif
