/* Error record helpers: first error wins, messages are bounded. */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

static int err_vset(struct vg_err *err, int code, const char *field, const char *fmt, va_list ap)
{
    if (err == NULL || err->code != VG_OK)
        return code;
    err->code = code;
    err->field[0] = '\0';
    if (field) {
        size_t n = strlen(field);
        if (n >= sizeof(err->field))
            n = sizeof(err->field) - 1;
        memcpy(err->field, field, n);
        err->field[n] = '\0';
    }
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    return code;
}

int vg_err_set(struct vg_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, code, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int vg_err_field(struct vg_err *err, int code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, code, field, fmt, ap);
    va_end(ap);
    return code;
}

void vg_err_clear(struct vg_err *err)
{
    if (err) {
        err->code = VG_OK;
        err->field[0] = '\0';
        err->msg[0] = '\0';
    }
}

const char *vg_err_name(int code)
{
    switch (code) {
    case VG_OK: return "ok";
    case VG_EINVAL: return "invalid_field";
    case VG_ENOTFOUND: return "not_found";
    case VG_ECONFLICT: return "conflict";
    case VG_EFORBIDDEN: return "forbidden";
    case VG_ETOOBIG: return "too_large";
    case VG_EUNAUTH: return "unauthorized";
    case VG_ESUSPENDED: return "unit_suspended";
    case VG_ETRANSITION: return "invalid_transition";
    case VG_EMISSING: return "missing_field";
    case VG_EUNKNOWN: return "unknown_field";
    case VG_EJSON: return "bad_json";
    case VG_ERATE: return "rate_limited";
    case VG_ENOMEM: return "out_of_memory";
    case VG_EIO: return "io_error";
    default: return "internal";
    }
}
