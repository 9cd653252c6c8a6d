/* Configuration: one static option table drives command-line flags, VIGIL_*
 * environment variables, validation and --help (Redis's config table). The
 * config is read-only once the server has started. */
#ifndef VG_CONFIG_H
#define VG_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

struct vg_config {
    char data[512];       /* data directory */
    char listen[128];     /* HOST:PORT */
    char store[1024];     /* sqlite:PATH | postgres://... ; "" = sqlite:<data>/vigil.db */
    char org[128];        /* init: operator org name */
    char admin[128];      /* init: first admin's login name */
    char log_level[16];
    char url[512];        /* client: server URL */
    char token[256];      /* client: API token (secret) */
    char format[16];      /* output format: table | json */
    char case_prefix[16]; /* case ids: PREFIX-YYYY-NNNNN */
    char deadline_unit[16]; /* calendar_days | working_days | hours */
    char key[128];        /* receipt verify: public key (base64) */
    char name[256];       /* client: the name of an uploaded SBOM */
    char gbt_table[512];  /* GB/T 30279 grading table file ("" = none) */
    int64_t threads;      /* HTTP worker threads */
    int64_t body_limit;   /* bytes */
    int64_t timeout;      /* idle connection timeout, seconds */
    int64_t sweep_interval; /* seconds between suspension-expiry sweeps */
    int64_t shutdown_grace; /* seconds to let in-flight requests finish */
    int64_t demo;         /* init: also create demo units */
    int64_t deadline;     /* report deadline after discovery, in deadline_unit */
    int64_t webhook_backoff_ms, webhook_max_attempts, webhook_timeout;
    int64_t auth_rate;    /* failed authentications per minute per address */
};

/* Which commands an option applies to (bit mask). */
enum {
    VG_CMD_INIT = 1 << 0,
    VG_CMD_SERVE = 1 << 1,
    VG_CMD_AUDIT = 1 << 2,
    VG_CMD_CLIENT = 1 << 3,
    VG_CMD_BACKUP = 1 << 4,
    VG_CMD_RECEIPT = 1 << 5,
};

/* Fills defaults, then VIGIL_* environment, then flags from argv (flags win).
 * Options not in mask are rejected. Positional arguments are collected into
 * pos (at most maxpos; extra ones are an error) when pos is non-NULL.
 * Returns VG_OK, or VG_EINVAL naming the option. *help is set when --help
 * was given. */
int vg_config_load(struct vg_config *cfg, unsigned mask, int argc, char **argv, char **pos,
                   int maxpos, int *npos, int *help, struct vg_err *err);
/* Prints the options of mask with their env names, defaults and help. */
void vg_config_usage(FILE *f, const char *usage, unsigned mask);
/* The store URI: cfg->store, or sqlite:<data>/vigil.db. */
void vg_config_store_uri(const struct vg_config *cfg, char *out, size_t n);

#endif
