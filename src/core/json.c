/* Strict JSON intake and typed field access; RFC 3339 time parsing. */
#include "core/json.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int vg_json_parse(const char *s, size_t n, json_t **out, struct vg_err *err)
{
    json_error_t je;
    *out = NULL;
    if (n == 0)
        return vg_err_set(err, VG_EJSON, "empty body: a JSON value is required");
    if (memchr(s, '\0', n))
        return vg_err_set(err, VG_EJSON, "body contains a NUL byte");
    json_t *v = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (v == NULL)
        return vg_err_set(err, VG_EJSON, "invalid JSON at byte %d: %s", je.position, je.text);
    *out = v;
    return VG_OK;
}

static void path_of(char *buf, size_t n, const char *prefix, const char *key)
{
    if (prefix && *prefix)
        snprintf(buf, n, "%s.%s", prefix, key);
    else
        snprintf(buf, n, "%s", key);
}

int vg_json_only(json_t *obj, const char *const *allowed, const char *prefix, struct vg_err *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0) {
                ok = 1;
                break;
            }
        if (!ok) {
            char p[64];
            path_of(p, sizeof(p), prefix, key);
            return vg_err_field(err, VG_EUNKNOWN, p, "%s: unknown field", p);
        }
    }
    return VG_OK;
}

static json_t *field(json_t *obj, const char *key, int required, int *rc, struct vg_err *err)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    *rc = VG_OK;
    if (v == NULL || json_is_null(v)) {
        if (required)
            *rc = vg_err_field(err, VG_EMISSING, key, "%s: required", key);
        return NULL;
    }
    return v;
}

int vg_json_str(json_t *obj, const char *key, int required, size_t maxlen, const char **out,
                struct vg_err *err)
{
    int rc;
    json_t *v = field(obj, key, required, &rc, err);
    if (v == NULL)
        return rc;
    if (!json_is_string(v))
        return vg_err_field(err, VG_EINVAL, key, "%s: must be a string", key);
    if (json_string_length(v) > maxlen)
        return vg_err_field(err, VG_EINVAL, key, "%s: longer than %zu bytes", key, maxlen);
    if (required && json_string_length(v) == 0)
        return vg_err_field(err, VG_EINVAL, key, "%s: must not be empty", key);
    *out = json_string_value(v);
    return VG_OK;
}

int vg_json_int(json_t *obj, const char *key, int required, int64_t min, int64_t max,
                int64_t *out, struct vg_err *err)
{
    int rc;
    json_t *v = field(obj, key, required, &rc, err);
    if (v == NULL)
        return rc;
    if (!json_is_integer(v))
        return vg_err_field(err, VG_EINVAL, key, "%s: must be an integer", key);
    json_int_t i = json_integer_value(v);
    if (i < min || i > max)
        return vg_err_field(err, VG_EINVAL, key, "%s: must be between %lld and %lld", key,
                            (long long)min, (long long)max);
    *out = i;
    return VG_OK;
}

int vg_json_bool(json_t *obj, const char *key, int required, int *out, struct vg_err *err)
{
    int rc;
    json_t *v = field(obj, key, required, &rc, err);
    if (v == NULL)
        return rc;
    if (!json_is_boolean(v))
        return vg_err_field(err, VG_EINVAL, key, "%s: must be true or false", key);
    *out = json_is_true(v);
    return VG_OK;
}

int vg_json_time(json_t *obj, const char *key, int required, int64_t *out, struct vg_err *err)
{
    int rc;
    json_t *v = field(obj, key, required, &rc, err);
    if (v == NULL)
        return rc;
    if (!json_is_string(v) || vg_time_parse(json_string_value(v), out) != 0)
        return vg_err_field(err, VG_EINVAL, key, "%s: not an RFC 3339 time", key);
    return VG_OK;
}

int vg_json_enum(json_t *obj, const char *key, int required, const char *const *choices,
                 int *out, struct vg_err *err)
{
    const char *s = NULL;
    int rc = vg_json_str(obj, key, required, 64, &s, err);
    if (rc || s == NULL)
        return rc;
    for (int i = 0; choices[i]; i++)
        if (strcmp(choices[i], s) == 0) {
            *out = i;
            return VG_OK;
        }
    char list[256] = "";
    size_t n = 0;
    for (int i = 0; choices[i] && n < sizeof(list) - 1; i++)
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", choices[i]);
    return vg_err_field(err, VG_EINVAL, key, "%s: must be one of %s", key, list);
}

char *vg_json_canonical(const json_t *v, size_t *n)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (s == NULL)
        abort();
    if (n)
        *n = strlen(s);
    return s;
}

char *vg_json_dump(const json_t *v, size_t *n)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s == NULL)
        abort();
    if (n)
        *n = strlen(s);
    return s;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
 * well-known civil-from-days arithmetic, written out here). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

#define DIG(c) ((unsigned)((c) - '0') < 10u)
#define VAL2(p) (((p)[0] - '0') * 10 + ((p)[1] - '0'))

/* The one RFC 3339 grammar. strict is the profile STIX 2.1 demands: 'T' and
 * 'Z' upper-case, UTC only, at least min_frac fraction digits (any number
 * kept), and a leap second sorting at the end of its minute. The fixed part
 * is tested byte by byte in order (a NUL fails the test it meets, so no
 * byte past the end is read), then read: no strlen in the strict profile
 * (a text shorter than 20 bytes fails a test on its own). */
static int time_parse(const char *s, int strict, int min_frac, int64_t *ms)
{
    int Y, M, D, h, m, sec, frac = 0, nd = 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *p;
    if (!strict) {
        size_t len = strlen(s);
        if (len < 20 || len > 40)
            return -1;
    }
    if (!(DIG(s[0]) && DIG(s[1]) && DIG(s[2]) && DIG(s[3]) && s[4] == '-' && DIG(s[5]) &&
          DIG(s[6]) && s[7] == '-' && DIG(s[8]) && DIG(s[9]) &&
          (s[10] == 'T' || (!strict && s[10] == 't')) && DIG(s[11]) && DIG(s[12]) &&
          s[13] == ':' && DIG(s[14]) && DIG(s[15]) && s[16] == ':' && DIG(s[17]) && DIG(s[18])))
        return -1;
    Y = VAL2(s) * 100 + VAL2(s + 2);
    M = VAL2(s + 5);
    D = VAL2(s + 8);
    h = VAL2(s + 11);
    m = VAL2(s + 14);
    sec = VAL2(s + 17);
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 || sec > 60)
        return -1;
    if (M == 2 && D == 29 && !((Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0))
        return -1;
    p = s + 19;
    if (*p == '.') {
        p++;
        while (DIG(*p)) {
            if (nd < 3)
                frac = frac * 10 + (*p - '0');
            nd++;
            p++;
        }
        if (nd == 0 || (!strict && nd > 9))
            return -1;
    }
    if (nd < min_frac)
        return -1;
    for (int i = nd; i < 3; i++)
        frac *= 10;
    if (sec == 60) { /* a leap second: the last whole second, or (strict) its end */
        sec = 59;
        if (strict)
            frac = 999;
    }
    int64_t off = 0;
    if (*p == 'Z' || (!strict && *p == 'z')) {
        p++;
    } else if (!strict && (*p == '+' || *p == '-')) {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = (int64_t)(oh * 60 + om) * 60000;
        if (*p == '+')
            off = -off;
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    int64_t days = days_from_civil(Y, M, D);
    *ms = ((days * 24 + h) * 60 + m) * 60000 + (int64_t)sec * 1000 + frac + off;
    return 0;
}

int vg_time_parse(const char *s, int64_t *ms)
{
    return time_parse(s, 0, 0, ms);
}

int vg_time_parse_strict(const char *s, int min_frac, int64_t *ms)
{
    return s ? time_parse(s, 1, min_frac, ms) : -1;
}

static void put_digits(char *p, int v, int n)
{
    while (n--) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Written out by hand for years 1000-9999 (encoding lists of records calls
 * this per row); gmtime and strftime for the rest. */
void vg_time_format(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int rem = (int)(ms - (int64_t)t * 1000);
    int64_t days = (t >= 0 ? t : t - 86399) / 86400, secs = t - days * 86400;
    /* civil from days (the inverse of days_from_civil) */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    size_t n = 19;
    if (y >= 1000 && y <= 9999) {
        memcpy(out, "0000-00-00T00:00:00", 19);
        put_digits(out, (int)y, 4);
        put_digits(out + 5, m, 2);
        put_digits(out + 8, d, 2);
        put_digits(out + 11, (int)(secs / 3600), 2);
        put_digits(out + 14, (int)(secs / 60 % 60), 2);
        put_digits(out + 17, (int)(secs % 60), 2);
    } else {
        struct tm tm;
        gmtime_r(&t, &tm);
        n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    }
    if (rem) {
        out[n] = '.';
        put_digits(out + n + 1, rem, 3);
        n += 4;
    }
    out[n] = 'Z';
    out[n + 1] = '\0';
}

int64_t vg_time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
