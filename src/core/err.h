/* Error codes and the caller-owned error record every layer fills.
 * Functions return VG_OK (0) or a negative VG_E* code; the message travels in
 * struct vg_err. Not for: mapping codes to HTTP statuses (http/ does that). */
#ifndef VG_ERR_H
#define VG_ERR_H

#include <stdarg.h>

enum {
    VG_OK = 0,
    VG_EINVAL = -1,      /* a field has a bad value                 -> invalid_field */
    VG_ENOTFOUND = -2,   /* no such object, or not visible          -> not_found */
    VG_ECONFLICT = -3,   /* unique key taken, state conflict         -> conflict */
    VG_EFORBIDDEN = -4,  /* authenticated, not allowed              -> forbidden */
    VG_ETOOBIG = -5,     /* input over a limit                      -> too_large */
    VG_EBACKEND = -6,    /* store or system failure (never for bad input) */
    VG_EUNAUTH = -7,     /* no or unknown credentials               -> unauthorized */
    VG_ESUSPENDED = -8,  /* caller's unit is suspended              -> unit_suspended */
    VG_ENOMEM = -9,
    VG_EIO = -10,
    VG_ETRANSITION = -11, /* lifecycle move not allowed             -> invalid_transition */
    VG_EMISSING = -12,   /* required field absent                   -> missing_field */
    VG_EUNKNOWN = -13,   /* field not part of the schema            -> unknown_field */
    VG_EJSON = -14,      /* body is not well-formed JSON            -> bad_json */
    VG_ERATE = -15,      /* rate limited                            -> rate_limited */
};

struct vg_err {
    int code;
    char field[64]; /* JSON field or path at fault, "" when none */
    char msg[256];  /* human-readable, never contains secrets or SQL */
};

/* Records code and message unless err already holds one (the first error
 * wins). err may be NULL. Returns code so that `return vg_err_set(...)` works. */
int vg_err_set(struct vg_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* As vg_err_set, naming the field at fault. */
int vg_err_field(struct vg_err *err, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void vg_err_clear(struct vg_err *err);
/* Stable snake_case name for a code ("invalid_field", ...). */
const char *vg_err_name(int code);

#endif
