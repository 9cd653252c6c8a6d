/* The option table and its loader. Secrets (the API token) are never printed
 * in --help defaults or logs. */
#include "core/config.h"
#include "core/util.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum opt_type { OPT_STR, OPT_INT, OPT_FLAG };

struct opt {
    const char *name; /* flag name without dashes; env is VIGIL_<NAME upper, - -> _> */
    int type;
    size_t offset;
    size_t size;      /* for strings */
    const char *def;
    int64_t min, max;
    int secret;
    unsigned mask;
    const char *help;
};

#define S(field) OPT_STR, offsetof(struct vg_config, field), sizeof(((struct vg_config *)0)->field)
#define I(field) OPT_INT, offsetof(struct vg_config, field), 0
#define F(field) OPT_FLAG, offsetof(struct vg_config, field), 0

static const struct opt opts[] = {
    {"data", S(data), "./var", 0, 0, 0,
     VG_CMD_INIT | VG_CMD_SERVE | VG_CMD_AUDIT | VG_CMD_BACKUP | VG_CMD_RECEIPT,
     "data directory (database, secret key)"},
    {"store", S(store), "", 0, 0, 0, VG_CMD_INIT | VG_CMD_SERVE | VG_CMD_AUDIT | VG_CMD_BACKUP,
     "store URI: sqlite:PATH (default sqlite:DATA/vigil.db) or postgres://..."},
    {"listen", S(listen), "127.0.0.1:8080", 0, 0, 0, VG_CMD_SERVE, "HOST:PORT to listen on"},
    {"threads", I(threads), "4", 1, 256, 0, VG_CMD_SERVE, "HTTP worker threads"},
    {"body-limit", I(body_limit), "10485760", 1024, 1073741824, 0, VG_CMD_SERVE,
     "largest request body in bytes (413 too_large above)"},
    {"timeout", I(timeout), "30", 1, 3600, 0, VG_CMD_SERVE, "idle connection timeout, seconds"},
    {"sweep-interval", I(sweep_interval), "60", 1, 86400, 0, VG_CMD_SERVE,
     "seconds between checks for expired suspensions"},
    {"shutdown-grace", I(shutdown_grace), "10", 0, 600, 0, VG_CMD_SERVE,
     "seconds in-flight requests get to finish on SIGTERM"},
    {"case-prefix", S(case_prefix), "VG", 0, 0, 0, VG_CMD_SERVE,
     "prefix of case ids (PREFIX-YYYY-NNNNN)"},
    {"report-deadline", I(deadline), "2", 1, 10000, 0, VG_CMD_SERVE,
     "how long after discovery a provider has to report (Art. 7: 2 days)"},
    {"report-deadline-unit", S(deadline_unit), "calendar_days", 0, 0, 0, VG_CMD_SERVE,
     "calendar_days | working_days (Mon-Fri, UTC) | hours"},
    {"webhook-backoff-ms", I(webhook_backoff_ms), "1000", 1, 3600000, 0, VG_CMD_SERVE,
     "first webhook retry delay, doubled per attempt"},
    {"webhook-max-attempts", I(webhook_max_attempts), "12", 1, 1000, 0, VG_CMD_SERVE,
     "attempts before a webhook delivery is marked failed"},
    {"webhook-timeout", I(webhook_timeout), "10", 1, 600, 0, VG_CMD_SERVE,
     "seconds per webhook request"},
    {"gbt-table", S(gbt_table), "", 0, 0, 0, VG_CMD_SERVE | VG_CMD_CLIENT,
     "GB/T 30279 grading table (the operator's data file; docs/cvss.md)"},
    {"auth-rate", I(auth_rate), "120", 1, 1000000, 0, VG_CMD_SERVE,
     "failed authentications and logins per minute per address before 429"},
    {"log-level", S(log_level), "info", 0, 0, 0, VG_CMD_SERVE | VG_CMD_INIT,
     "error | warn | info | debug"},
    {"org", S(org), "National Coordination Centre", 0, 0, 0, VG_CMD_INIT,
     "name of the operator organisation"},
    {"admin", S(admin), "admin", 0, 0, 0, VG_CMD_INIT, "login name of the first admin"},
    {"demo", F(demo), "0", 0, 1, 0, VG_CMD_INIT,
     "also create demo units (members, a vendor, industry units, a peer centre)"},
    {"url", S(url), "http://127.0.0.1:8080", 0, 0, 0, VG_CMD_CLIENT, "server URL"},
    {"token", S(token), "", 0, 0, 1, VG_CMD_CLIENT, "API token (prefer the environment)"},
    {"key", S(key), "", 0, 0, 0, VG_CMD_RECEIPT,
     "receipt verify: the platform's public key (base64, from GET /api/v1/keys)"},
    {"name", S(name), "", 0, 0, 0, VG_CMD_CLIENT, "sbom push: the SBOM's name (a system or product)"},
    {"format", S(format), "table", 0, 0, 0, VG_CMD_CLIENT, "output: table | json"},
};

static void env_name(const char *name, char *out, size_t n)
{
    size_t i = 0, j;
    const char *p = "VIGIL_";
    for (j = 0; p[j] && i + 1 < n; j++)
        out[i++] = p[j];
    for (j = 0; name[j] && i + 1 < n; j++)
        out[i++] = name[j] == '-' ? '_' : (char)toupper((unsigned char)name[j]);
    out[i] = '\0';
}

static int set_opt(struct vg_config *cfg, const struct opt *o, const char *v, const char *src,
                   struct vg_err *err)
{
    char *base = (char *)cfg + o->offset;
    if (o->type == OPT_STR) {
        if (strlen(v) >= o->size)
            return vg_err_field(err, VG_EINVAL, o->name, "%s %s: longer than %zu bytes", src,
                                o->name, o->size - 1);
        vg_strlcpy(base, v, o->size);
        return VG_OK;
    }
    int64_t x;
    if (o->type == OPT_FLAG && (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0))
        x = 1;
    else if (o->type == OPT_FLAG && (strcmp(v, "false") == 0 || strcmp(v, "no") == 0))
        x = 0;
    else if (vg_parse_i64(v, o->min, o->max, &x) != 0)
        return vg_err_field(err, VG_EINVAL, o->name, "%s %s: '%s' is not an integer in [%lld, %lld]",
                            src, o->name, v, (long long)o->min, (long long)o->max);
    memcpy(base, &x, sizeof(x));
    return VG_OK;
}

int vg_config_load(struct vg_config *cfg, unsigned mask, int argc, char **argv, char **pos,
                   int maxpos, int *npos, int *help, struct vg_err *err)
{
    int rc = VG_OK, np = 0;
    memset(cfg, 0, sizeof(*cfg));
    *help = 0;
    for (size_t i = 0; i < VG_ARRAY_LEN(opts); i++)
        if ((rc = set_opt(cfg, &opts[i], opts[i].def, "default", err)) != VG_OK)
            return rc;
    for (size_t i = 0; i < VG_ARRAY_LEN(opts); i++) {
        char env[64];
        const char *v;
        if (!(opts[i].mask & mask))
            continue;
        env_name(opts[i].name, env, sizeof(env));
        if ((v = getenv(env)) != NULL && (rc = set_opt(cfg, &opts[i], v, env, err)) != VG_OK)
            return rc;
    }
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            *help = 1;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (pos == NULL || np >= maxpos)
                return vg_err_set(err, VG_EINVAL, "unexpected argument '%s'", arg);
            pos[np++] = argv[a];
            continue;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const struct opt *o = NULL;
        for (size_t i = 0; i < VG_ARRAY_LEN(opts); i++)
            if ((opts[i].mask & mask) && strlen(opts[i].name) == nlen &&
                strncmp(opts[i].name, name, nlen) == 0)
                o = &opts[i];
        if (o == NULL)
            return vg_err_set(err, VG_EINVAL, "unknown option '%.*s' (see --help)", (int)nlen, arg);
        const char *v = eq ? eq + 1 : NULL;
        if (v == NULL && o->type == OPT_FLAG)
            v = "1";
        if (v == NULL) {
            if (a + 1 >= argc)
                return vg_err_field(err, VG_EINVAL, o->name, "option --%s needs a value", o->name);
            v = argv[++a];
        }
        if ((rc = set_opt(cfg, o, v, "option", err)) != VG_OK)
            return rc;
    }
    if (npos)
        *npos = np;
    return VG_OK;
}

void vg_config_usage(FILE *f, const char *usage, unsigned mask)
{
    fprintf(f, "usage: %s\n\noptions (each also read from the environment variable shown):\n",
            usage);
    for (size_t i = 0; i < VG_ARRAY_LEN(opts); i++) {
        char env[64], flag[64];
        if (!(opts[i].mask & mask))
            continue;
        env_name(opts[i].name, env, sizeof(env));
        snprintf(flag, sizeof(flag), "--%s%s", opts[i].name, opts[i].type == OPT_FLAG ? "" : " V");
        fprintf(f, "  %-22s %-22s %s", flag, env, opts[i].help);
        if (!opts[i].secret && opts[i].def[0] && opts[i].type != OPT_FLAG)
            fprintf(f, " (default %s)", opts[i].def);
        fputc('\n', f);
    }
}

void vg_config_store_uri(const struct vg_config *cfg, char *out, size_t n)
{
    if (cfg->store[0])
        snprintf(out, n, "%s", cfg->store);
    else
        snprintf(out, n, "sqlite:%s/vigil.db", cfg->data);
}
