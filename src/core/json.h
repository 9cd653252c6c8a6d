/* JSON helpers over jansson: strict parsing of request bodies and typed field
 * access that names the field at fault. Not for: encoding responses (handlers
 * build json_t and dump them with vg_json_dump). */
#ifndef VG_JSON_H
#define VG_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Parses exactly one JSON value from s[0..n): duplicate keys, invalid UTF-8,
 * NUL bytes and trailing garbage are VG_EJSON. *out is a new reference. */
int vg_json_parse(const char *s, size_t n, json_t **out, struct vg_err *err);

/* VG_EUNKNOWN naming `prefix.key` for the first key of obj not in allowed
 * (a NULL-terminated list). prefix may be NULL or "". */
int vg_json_only(json_t *obj, const char *const *allowed, const char *prefix, struct vg_err *err);

/* Field getters. With required=0 an absent (or null) field leaves *out
 * untouched and returns VG_OK. A present field of the wrong type is VG_EINVAL;
 * an absent required one VG_EMISSING. Strings are borrowed from obj. */
int vg_json_str(json_t *obj, const char *key, int required, size_t maxlen, const char **out,
                struct vg_err *err);
int vg_json_int(json_t *obj, const char *key, int required, int64_t min, int64_t max,
                int64_t *out, struct vg_err *err);
int vg_json_bool(json_t *obj, const char *key, int required, int *out, struct vg_err *err);
/* An RFC 3339 timestamp, as milliseconds since the epoch (UTC). */
int vg_json_time(json_t *obj, const char *key, int required, int64_t *out, struct vg_err *err);
/* One of choices (NULL-terminated); *out is its index. */
int vg_json_enum(json_t *obj, const char *key, int required, const char *const *choices,
                 int *out, struct vg_err *err);

/* Compact encoding with keys sorted: the canonical form hashed by the audit
 * chain. Caller frees with free(). */
char *vg_json_canonical(const json_t *v, size_t *n);
/* Compact encoding in insertion order. Caller frees with free(). */
char *vg_json_dump(const json_t *v, size_t *n);

/* RFC 3339 date-time ("2021-11-24T08:00:00Z", offsets and fractions allowed)
 * to UTC milliseconds. Returns 0, or -1 when s is not such a time. */
int vg_time_parse(const char *s, int64_t *ms);
/* The same as STIX 2.1 profiles it: 'T' and 'Z' upper-case, UTC only, at least
 * min_frac fraction digits; a leap second is the end of its minute. */
int vg_time_parse_strict(const char *s, int min_frac, int64_t *ms);
/* UTC "YYYY-MM-DDTHH:MM:SSZ", with ".mmm" when ms is not a whole second. */
void vg_time_format(int64_t ms, char out[32]);
int64_t vg_time_now_ms(void);

#endif
