/* Logging: one line per event, key=value, to stderr. The level is checked
 * before formatting. Never log secrets, tokens or whole payloads. */
#ifndef VG_LOG_H
#define VG_LOG_H

#include <stddef.h>

enum { VG_LOG_ERROR = 0, VG_LOG_WARN = 1, VG_LOG_INFO = 2, VG_LOG_DEBUG = 3 };

/* The process-wide threshold, set once at start from config (read-only after). */
extern int vg_log_level;

void vg_log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vg_log_level_parse(const char *s); /* -1 when unknown */
/* s made safe for a quoted log value, in out[0..n): quote, backslash, control
 * bytes (and every byte >= 0x80 when s is not valid UTF-8) as \xNN; cut to
 * fit. Returns out. */
const char *vg_log_quote(const char *s, char *out, size_t n);

#define VG_LOG(level, ...)                                                                         \
    do {                                                                                           \
        if ((level) <= vg_log_level)                                                               \
            vg_log_write((level), __VA_ARGS__);                                                    \
    } while (0)

#endif
