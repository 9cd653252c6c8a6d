/* Log line writer: timestamp, level, message; one write(2) per line so that
 * lines from worker threads do not interleave. */
#include "core/log.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int vg_log_level = VG_LOG_INFO;

static const char *const names[] = {"error", "warn", "info", "debug"};

int vg_log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

void vg_log_write(int level, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    size_t n;
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ level=%s ", ts.tv_nsec / 1000000L,
                          names[level < 0 ? 0 : level > 3 ? 3 : level]);
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    n += (size_t)m;
    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}

const char *vg_log_quote(const char *s, char *out, size_t n)
{
    int utf8 = vg_utf8_valid(s, strlen(s));
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && k + 5 < n; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\' || (*p >= 0x80 && !utf8))
            k += (size_t)snprintf(out + k, n - k, "\\x%02x", *p);
        else
            out[k++] = (char)*p;
    }
    if (n)
        out[k < n ? k : n - 1] = '\0';
    return out;
}
