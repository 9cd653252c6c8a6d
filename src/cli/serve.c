/* Server-side commands: `vigil init`, `vigil serve`, `vigil audit verify`,
 * `vigil backup`. Each reads its options from the one option table. */
#include "cli/cli.h"
#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "http/http.h"
#include "service/service.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int load(struct vg_config *cfg, unsigned mask, int argc, char **argv, char **pos, int maxpos,
                int *npos, const char *usage)
{
    struct vg_err err = {0};
    int help = 0;
    if (vg_config_load(cfg, mask, argc, argv, pos, maxpos, npos, &help, &err) != VG_OK) {
        fprintf(stderr, "vigil %s: %s\n", argv[0], err.msg);
        return 2;
    }
    if (help) {
        vg_config_usage(stdout, usage, mask);
        return 1;
    }
    int lvl = vg_log_level_parse(cfg->log_level);
    if (lvl < 0) {
        fprintf(stderr, "vigil %s: log-level: one of error, warn, info, debug\n", argv[0]);
        return 2;
    }
    vg_log_level = lvl;
    return 0;
}

int vg_cli_init(int argc, char **argv)
{
    struct vg_config cfg;
    struct vg_err err = {0};
    int64_t org = 0, user = 0;
    char token[80];
    int rc = load(&cfg, VG_CMD_INIT, argc, argv, NULL, 0, NULL,
                  "vigil init --data DIR [--org NAME] [--admin NAME] [--demo]");
    if (rc)
        return rc == 1 ? 0 : rc;
    if (vg_svc_init(&cfg, &org, &user, token, &err) != VG_OK) {
        fprintf(stderr, "vigil init: %s\n", err.msg);
        return err.code == VG_ECONFLICT ? 1 : 2;
    }
    if (cfg.demo) {
        struct vg_server srv;
        struct vg_actor admin = vg_system_actor;
        cfg.threads = 1;
        admin.user_id = user;
        admin.org_id = org;
        admin.user_name = cfg.admin;
        admin.org_name = cfg.org;
        if (vg_server_open(&srv, &cfg, &err) != VG_OK ||
            vg_svc_seed_demo(&srv, &admin, &err) != VG_OK) {
            fprintf(stderr, "vigil init: demo data: %s\n", err.msg);
            vg_server_close(&srv);
            return 2;
        }
        vg_server_close(&srv);
    }
    printf("{\"org_id\":%lld,\"user_id\":%lld,\"token\":\"%s\"}\n", (long long)org,
           (long long)user, token);
    return 0;
}

int vg_cli_serve(int argc, char **argv)
{
    struct vg_config cfg;
    struct vg_server srv;
    struct vg_http *http = NULL;
    struct vg_err err = {0};
    sigset_t set;
    int sig = 0;
    int rc = load(&cfg, VG_CMD_SERVE, argc, argv, NULL, 0, NULL,
                  "vigil serve --data DIR [--listen HOST:PORT] [--store URI]");
    if (rc)
        return rc == 1 ? 0 : rc;
    /* Signals are taken by this thread alone (sigwait), so workers never see them. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (vg_server_open(&srv, &cfg, &err) != VG_OK) {
        fprintf(stderr, "vigil serve: %s\n", err.msg);
        vg_server_close(&srv);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (vg_server_start_sweeper(&srv, &err) != VG_OK ||
        vg_server_start_notifier(&srv, &err) != VG_OK || vg_http_start(&srv, &http, &err) != VG_OK) {
        fprintf(stderr, "vigil serve: %s\n", err.msg);
        vg_server_close(&srv);
        return 2;
    }
    VG_LOG(VG_LOG_INFO, "event=listening addr=%s port=%u store=%s threads=%lld", cfg.listen,
           vg_http_port(http), srv.pool ? srv.store_uri : "-", (long long)cfg.threads);
    fprintf(stdout, "vigil listening on http://%.*s:%u\n",
            (int)(strrchr(cfg.listen, ':') - cfg.listen), cfg.listen, vg_http_port(http));
    fflush(stdout);
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
        VG_LOG(VG_LOG_INFO, "event=sighup (ignored: config is read at start)");
    VG_LOG(VG_LOG_INFO, "event=stopping signal=%d", sig);
    vg_http_stop(http, (int)cfg.shutdown_grace);
    vg_server_close(&srv);
    curl_global_cleanup();
    VG_LOG(VG_LOG_INFO, "event=stopped");
    return 0;
}

int vg_cli_audit(int argc, char **argv)
{
    struct vg_config cfg;
    struct vg_err err = {0};
    struct vg_store *st = NULL;
    char uri[1100], why[256] = "";
    int64_t count = 0, bad = 0;
    char *pos[1];
    int npos = 0;
    int rc = load(&cfg, VG_CMD_AUDIT, argc, argv, pos, 1, &npos, "vigil audit verify --data DIR");
    if (rc)
        return rc == 1 ? 0 : rc;
    if (npos != 1 || strcmp(pos[0], "verify") != 0) {
        fprintf(stderr, "usage: vigil audit verify --data DIR\n");
        return 2;
    }
    vg_config_store_uri(&cfg, uri, sizeof(uri));
    if (vg_store_open(uri, 0, 0, &st, &err) != VG_OK) {
        fprintf(stderr, "vigil audit verify: %s\n", err.msg);
        return 2;
    }
    rc = vg_audit_verify(st, &count, &bad, why, sizeof(why), &err);
    vg_store_close(st);
    if (rc == VG_OK) {
        printf("ok %lld entries\n", (long long)count);
        return 0;
    }
    if (rc == VG_ECONFLICT) {
        printf("broken at seq %lld: %s\n", (long long)bad, why);
        return 1;
    }
    fprintf(stderr, "vigil audit verify: %s\n", err.msg);
    return 2;
}

/* Copies a key file of DATA into the backup directory (tokens are keyed by
 * secret.key, receipts signed with signing.key). */
static int copy_key(const char *data, const char *dir, const char *name, size_t len)
{
    char src[600], dst[600], buf[64];
    FILE *in, *out;
    size_t n;
    int rc = -1;
    snprintf(src, sizeof(src), "%s/%s", data, name);
    snprintf(dst, sizeof(dst), "%s/%s", dir, name);
    if ((in = fopen(src, "rb")) == NULL)
        return -1;
    int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0 && (out = fdopen(fd, "wb")) != NULL) {
        n = fread(buf, 1, sizeof(buf), in);
        rc = n == len && fwrite(buf, 1, n, out) == n ? 0 : -1;
        if (fclose(out) != 0)
            rc = -1;
    } else if (fd >= 0) {
        close(fd);
    }
    fclose(in);
    return rc;
}

int vg_cli_backup(int argc, char **argv)
{
    struct vg_config cfg;
    struct vg_err err = {0};
    struct vg_store *st = NULL;
    char uri[1100], db[600];
    char *pos[1];
    int npos = 0;
    int rc = load(&cfg, VG_CMD_BACKUP, argc, argv, pos, 1, &npos,
                  "vigil backup --data DIR DEST_DIR   (DEST_DIR becomes a data directory)");
    if (rc)
        return rc == 1 ? 0 : rc;
    if (npos != 1) {
        fprintf(stderr, "usage: vigil backup --data DIR DEST_DIR\n");
        return 2;
    }
    if (mkdir(pos[0], 0700) != 0) {
        fprintf(stderr, "vigil backup: cannot create %s: %s\n", pos[0], strerror(errno));
        return 2;
    }
    vg_config_store_uri(&cfg, uri, sizeof(uri));
    snprintf(db, sizeof(db), "%s/vigil.db", pos[0]);
    if (vg_store_open(uri, 0, 0, &st, &err) != VG_OK || st->ops->backup(st, db, &err) != VG_OK) {
        fprintf(stderr, "vigil backup: %s\n", err.msg);
        vg_store_close(st);
        return 2;
    }
    vg_store_close(st);
    if (copy_key(cfg.data, pos[0], "secret.key", 32) != 0) {
        fprintf(stderr, "vigil backup: cannot copy %s/secret.key\n", cfg.data);
        return 2;
    }
    char sk[600];
    snprintf(sk, sizeof(sk), "%s/signing.key", cfg.data);
    if (access(sk, F_OK) == 0 && copy_key(cfg.data, pos[0], "signing.key", 64) != 0) {
        fprintf(stderr, "vigil backup: cannot copy %s\n", sk);
        return 2;
    }
    printf("backup written to %s (vigil.db and keys)\n", pos[0]);
    return 0;
}
