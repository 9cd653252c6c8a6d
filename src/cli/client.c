/* Client subcommands over the REST API (VIGIL_URL, VIGIL_TOKEN): a generic
 * `vigil api METHOD PATH [BODY]` and named shortcuts for the common calls.
 * Output: the JSON as the server sent it (--format json) or a table. */
#include "cli/cli.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/util.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    vg_buf_append(ud, p, sz * n);
    return sz * n;
}

long vg_cli_request(const struct vg_config *cfg, const char *method, const char *path,
                    const char *body, struct vg_buf *out)
{
    return vg_cli_request_as(cfg, method, path, "application/json", body,
                             body ? strlen(body) : 0, out);
}

long vg_cli_request_as(const struct vg_config *cfg, const char *method, const char *path,
                       const char *ctype, const char *body, size_t n, struct vg_buf *out)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hs = NULL;
    char url[1200], auth[300];
    long status = -1;
    if (c == NULL)
        return -1;
    snprintf(url, sizeof(url), "%s%s", cfg->url, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (cfg->token[0]) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", cfg->token);
        hs = curl_slist_append(hs, auth);
    }
    if (body) {
        char ct[128];
        snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
        hs = curl_slist_append(hs, ct);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)n);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        fprintf(stderr, "vigil: %s: %s\n", url, curl_easy_strerror(rc));
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
    return status;
}

static void print_scalar(const json_t *v)
{
    if (json_is_string(v))
        fputs(json_string_value(v), stdout);
    else if (json_is_integer(v))
        printf("%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        printf("%g", json_real_value(v));
    else if (json_is_true(v))
        fputs("true", stdout);
    else if (json_is_false(v))
        fputs("false", stdout);
    else if (json_is_null(v))
        fputs("-", stdout);
    else
        fputs("…", stdout);
}

/* Lists become one line per item with the scalar fields of the first item as
 * columns; objects become "key: value" lines. */
static void print_table(const json_t *j)
{
    const json_t *items = json_object_get(j, "items");
    const char *key;
    json_t *v;
    if (json_is_array(items)) {
        size_t i;
        json_t *it, *first = json_array_get(items, 0);
        if (first == NULL) {
            printf("(none)\n");
            return;
        }
        json_object_foreach(first, key, v) if (!json_is_object(v) && !json_is_array(v))
            printf("%s\t", key);
        putchar('\n');
        json_array_foreach(items, i, it) {
            json_object_foreach(first, key, v) {
                if (json_is_object(v) || json_is_array(v))
                    continue;
                print_scalar(json_object_get(it, key));
                putchar('\t');
            }
            putchar('\n');
        }
        if (json_is_string(json_object_get(j, "next_cursor")))
            printf("(more: --cursor %s)\n", json_string_value(json_object_get(j, "next_cursor")));
        return;
    }
    json_object_foreach((json_t *)j, key, v) {
        printf("%s: ", key);
        if (json_is_object(v) || json_is_array(v)) {
            char *s = json_dumps(v, JSON_COMPACT);
            fputs(s ? s : "", stdout);
            free(s);
        } else {
            print_scalar(v);
        }
        putchar('\n');
    }
}

int vg_cli_call(const struct vg_config *cfg, const char *method, const char *path, json_t *body)
{
    struct vg_buf out = {0};
    char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
    long status = vg_cli_request(cfg, method, path, b, &out);
    int rc;
    free(b);
    json_decref(body);
    if (status < 0) {
        vg_buf_free(&out);
        return 2;
    }
    json_t *j = out.p ? json_loads(out.p, 0, NULL) : NULL;
    if (status >= 400) {
        const json_t *e = json_object_get(j, "error");
        fprintf(stderr, "vigil: %ld %s: %s\n", status,
                json_string_value(json_object_get(e, "code")) ?: "error",
                json_string_value(json_object_get(e, "message")) ?: (out.p ? out.p : ""));
        rc = 1;
    } else {
        if (j && strcmp(cfg->format, "json") != 0)
            print_table(j);
        else if (j) {
            char *s = json_dumps(j, JSON_INDENT(2));
            puts(s ? s : "");
            free(s);
        } else if (out.p) {
            fputs(out.p, stdout);
        }
        rc = 0;
    }
    json_decref(j);
    vg_buf_free(&out);
    return rc;
}

static const char usage[] =
    "vigil api METHOD PATH [JSON | @FILE | -]\n"
    "       vigil me\n"
    "       vigil orgs [list | get ID | create NAME KIND [COUNTRY] | suspend ID UNTIL REASON |\n"
    "                   reinstate ID REASON | revoke ID REASON]\n"
    "       vigil users [list [ORG_ID] | get ID | create ORG_ID NAME ROLE]\n"
    "       vigil tokens [list | create [USER_ID] [NAME] [EXPIRES_AT] | revoke ID]\n"
    "       vigil tasks [list | close ID RESOLUTION]\n"
    "       vigil audit-log [CURSOR]\n"
    "       vigil sbom [push FILE --name NAME | list | findings ID]\n"
    "       vigil exposures [VULN] | vigil alerts\n"
    "       vigil cases [list [STATE] | get ID | submit FILE | move ID STATE [NOTE] |\n"
    "                    comment ID TEXT | timeline ID | deliveries ID | overdue | compliance]";

static const char import_usage[] =
    "vigil import osv|nedb|cve5|nvd|kev PATH...  (files, directories, zips)";

int vg_cli_setup(struct vg_config *cfg, int argc, char **argv, char **pos, int *npos)
{
    struct vg_err err = {0};
    int help = 0;
    if (vg_config_load(cfg, VG_CMD_CLIENT, argc, argv, pos, 8, npos, &help, &err) != VG_OK) {
        fprintf(stderr, "vigil %s: %s\n", argv[0], err.msg);
        return 2;
    }
    if (help) {
        vg_config_usage(stdout, argc > 0 && strcmp(argv[0], "import") == 0 ? import_usage : usage,
                        VG_CMD_CLIENT);
        return 1;
    }
    if (strcmp(cfg->format, "json") != 0 && strcmp(cfg->format, "table") != 0) {
        fprintf(stderr, "vigil %s: format: json or table\n", argv[0]);
        return 2;
    }
    return 0;
}

#define NEED(n)                                                                                    \
    do {                                                                                           \
        if (np < (n)) {                                                                            \
            fprintf(stderr, "usage: %s\n", usage);                                                 \
            return 2;                                                                              \
        }                                                                                          \
    } while (0)

int vg_cli_api(int argc, char **argv)
{
    struct vg_config cfg;
    char *pos[8];
    int np = 0, rc = vg_cli_setup(&cfg, argc, argv, pos, &np);
    json_t *body = NULL;
    if (rc)
        return rc == 1 ? 0 : rc;
    NEED(2);
    if (np > 2) {
        const char *src = pos[2];
        char *text = NULL;
        json_error_t je;
        if (src[0] == '@' || strcmp(src, "-") == 0) {
            text = vg_cli_slurp(src[0] == '@' ? src + 1 : "-", 64u << 20, NULL);
            if (text == NULL)
                return 2;
            src = text;
        }
        body = json_loads(src, JSON_DECODE_ANY, &je);
        free(text);
        if (body == NULL) {
            fprintf(stderr, "vigil api: body: %s\n", je.text);
            return 2;
        }
    }
    return vg_cli_call(&cfg, pos[0], pos[1], body);
}

int vg_cli_me(int argc, char **argv)
{
    struct vg_config cfg;
    char *pos[8];
    int np = 0, rc = vg_cli_setup(&cfg, argc, argv, pos, &np);
    if (rc)
        return rc == 1 ? 0 : rc;
    return vg_cli_call(&cfg, "GET", "/api/v1/me", NULL);
}

int vg_cli_orgs(int argc, char **argv)
{
    struct vg_config cfg;
    char *pos[8], path[256];
    int np = 0, rc = vg_cli_setup(&cfg, argc, argv, pos, &np);
    if (rc)
        return rc == 1 ? 0 : rc;
    const char *sub = np ? pos[0] : "list";
    if (strcmp(sub, "list") == 0)
        return vg_cli_call(&cfg, "GET", "/api/v1/orgs?limit=1000", NULL);
    NEED(2);
    if (strcmp(sub, "get") == 0) {
        snprintf(path, sizeof(path), "/api/v1/orgs/%s", pos[1]);
        return vg_cli_call(&cfg, "GET", path, NULL);
    }
    if (strcmp(sub, "create") == 0) {
        NEED(3);
        json_t *b = json_pack("{s:s, s:s}", "name", pos[1], "kind", pos[2]);
        if (np > 3)
            json_object_set_new(b, "country", json_string(pos[3]));
        return vg_cli_call(&cfg, "POST", "/api/v1/orgs", b);
    }
    if (strcmp(sub, "suspend") == 0) {
        NEED(4);
        snprintf(path, sizeof(path), "/api/v1/orgs/%s/suspend", pos[1]);
        return vg_cli_call(&cfg, "POST", path, json_pack("{s:s, s:s}", "until", pos[2], "reason", pos[3]));
    }
    if (strcmp(sub, "reinstate") == 0 || strcmp(sub, "revoke") == 0) {
        NEED(3);
        snprintf(path, sizeof(path), "/api/v1/orgs/%s/%s", pos[1], sub);
        return vg_cli_call(&cfg, "POST", path, json_pack("{s:s}", "reason", pos[2]));
    }
    fprintf(stderr, "usage: %s\n", usage);
    return 2;
}

int vg_cli_users(int argc, char **argv)
{
    struct vg_config cfg;
    char *pos[8], path[256];
    int np = 0, rc = vg_cli_setup(&cfg, argc, argv, pos, &np);
    if (rc)
        return rc == 1 ? 0 : rc;
    const char *sub = np ? pos[0] : "list";
    if (strcmp(sub, "list") == 0) {
        if (np > 1)
            snprintf(path, sizeof(path), "/api/v1/users?limit=1000&org_id=%s", pos[1]);
        else
            snprintf(path, sizeof(path), "/api/v1/users?limit=1000");
        return vg_cli_call(&cfg, "GET", path, NULL);
    }
    NEED(2);
    if (strcmp(sub, "get") == 0) {
        snprintf(path, sizeof(path), "/api/v1/users/%s", pos[1]);
        return vg_cli_call(&cfg, "GET", path, NULL);
    }
    if (strcmp(sub, "create") == 0) {
        NEED(4);
        int64_t org;
        if (vg_parse_i64(pos[1], 1, INT64_MAX, &org) != 0) {
            fprintf(stderr, "vigil users create: ORG_ID must be a number\n");
            return 2;
        }
        return vg_cli_call(&cfg, "POST", "/api/v1/users",
                    json_pack("{s:I, s:s, s:s}", "org_id", (json_int_t)org, "name", pos[2], "role",
                              pos[3]));
    }
    fprintf(stderr, "usage: %s\n", usage);
    return 2;
}

int vg_cli_tokens(int argc, char **argv)
{
    struct vg_config cfg;
    char *pos[8], path[256];
    int np = 0, rc = vg_cli_setup(&cfg, argc, argv, pos, &np);
    if (rc)
        return rc == 1 ? 0 : rc;
    const char *sub = np ? pos[0] : "list";
    if (strcmp(sub, "list") == 0)
        return vg_cli_call(&cfg, "GET", "/api/v1/tokens", NULL);
    if (strcmp(sub, "create") == 0) {
        json_t *b = json_object();
        int64_t uid;
        if (np > 1) {
            if (vg_parse_i64(pos[1], 1, INT64_MAX, &uid) != 0) {
                fprintf(stderr, "vigil tokens create: USER_ID must be a number\n");
                json_decref(b);
                return 2;
            }
            json_object_set_new(b, "user_id", json_integer(uid));
        }
        if (np > 2)
            json_object_set_new(b, "name", json_string(pos[2]));
        if (np > 3)
            json_object_set_new(b, "expires_at", json_string(pos[3]));
        return vg_cli_call(&cfg, "POST", "/api/v1/tokens", b);
    }
    if (strcmp(sub, "revoke") == 0) {
        NEED(2);
        snprintf(path, sizeof(path), "/api/v1/tokens/%s", pos[1]);
        return vg_cli_call(&cfg, "DELETE", path, NULL);
    }
    fprintf(stderr, "usage: %s\n", usage);
    return 2;
}

int vg_cli_tasks(int argc, char **argv)
{
    struct vg_config cfg;
    char *pos[8], path[256];
    int np = 0, rc = vg_cli_setup(&cfg, argc, argv, pos, &np);
    if (rc)
        return rc == 1 ? 0 : rc;
    const char *sub = np ? pos[0] : "list";
    if (strcmp(sub, "list") == 0)
        return vg_cli_call(&cfg, "GET", "/api/v1/tasks?state=all", NULL);
    if (strcmp(sub, "close") == 0) {
        NEED(3);
        snprintf(path, sizeof(path), "/api/v1/tasks/%s/close", pos[1]);
        return vg_cli_call(&cfg, "POST", path, json_pack("{s:s}", "resolution", pos[2]));
    }
    fprintf(stderr, "usage: %s\n", usage);
    return 2;
}

int vg_cli_audit_log(int argc, char **argv)
{
    struct vg_config cfg;
    char *pos[8], path[256];
    int np = 0, rc = vg_cli_setup(&cfg, argc, argv, pos, &np);
    if (rc)
        return rc == 1 ? 0 : rc;
    snprintf(path, sizeof(path), "/api/v1/audit?limit=1000%s%s", np ? "&cursor=" : "",
             np ? pos[0] : "");
    return vg_cli_call(&cfg, "GET", path, NULL);
}

int vg_cli_cases(int argc, char **argv)
{
    struct vg_config cfg;
    char *pos[8], path[256];
    int np = 0, rc = vg_cli_setup(&cfg, argc, argv, pos, &np);
    if (rc)
        return rc == 1 ? 0 : rc;
    const char *sub = np ? pos[0] : "list";
    if (strcmp(sub, "list") == 0) {
        snprintf(path, sizeof(path), "/api/v1/cases?limit=1000%s%s", np > 1 ? "&state=" : "",
                 np > 1 ? pos[1] : "");
        return vg_cli_call(&cfg, "GET", path, NULL);
    }
    if (strcmp(sub, "overdue") == 0)
        return vg_cli_call(&cfg, "GET", "/api/v1/cases?overdue=true&limit=1000", NULL);
    if (strcmp(sub, "compliance") == 0)
        return vg_cli_call(&cfg, "GET", "/api/v1/stats/compliance", NULL);
    NEED(2);
    if (strcmp(sub, "get") == 0 || strcmp(sub, "timeline") == 0 || strcmp(sub, "deliveries") == 0) {
        snprintf(path, sizeof(path), "/api/v1/cases/%s%s%s", pos[1], strcmp(sub, "get") ? "/" : "",
                 strcmp(sub, "get") ? sub : "");
        return vg_cli_call(&cfg, "GET", path, NULL);
    }
    if (strcmp(sub, "submit") == 0) {
        json_error_t je;
        char *text = vg_cli_slurp(pos[1], 64u << 20, NULL);
        json_t *b;
        if (text == NULL)
            return 2;
        b = json_loads(text, 0, &je);
        free(text);
        if (b == NULL) {
            fprintf(stderr, "vigil cases submit: %s: %s\n", pos[1], je.text);
            return 2;
        }
        return vg_cli_call(&cfg, "POST", "/api/v1/cases", b);
    }
    if (strcmp(sub, "move") == 0) {
        NEED(3);
        json_t *b = json_pack("{s:s}", "to", pos[2]);
        if (np > 3)
            json_object_set_new(b, "note", json_string(pos[3]));
        snprintf(path, sizeof(path), "/api/v1/cases/%s/transition", pos[1]);
        return vg_cli_call(&cfg, "POST", path, b);
    }
    if (strcmp(sub, "comment") == 0) {
        NEED(3);
        snprintf(path, sizeof(path), "/api/v1/cases/%s/comments", pos[1]);
        return vg_cli_call(&cfg, "POST", path, json_pack("{s:s}", "body", pos[2]));
    }
    fprintf(stderr, "usage: %s\n", usage);
    return 2;
}

static char *url_escape(const char *s)
{
    struct vg_buf b = {0};
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c))
            vg_buf_putc(&b, (char)c);
        else
            vg_buf_printf(&b, "%%%c%c", hex[c >> 4], hex[c & 15]);
    }
    return vg_buf_steal(&b, NULL);
}

int vg_cli_sbom(int argc, char **argv)
{
    struct vg_config cfg;
    char *pos[8], path[1024];
    int np = 0, rc = vg_cli_setup(&cfg, argc, argv, pos, &np);
    if (rc)
        return rc == 1 ? 0 : rc;
    const char *sub = np ? pos[0] : "list";
    if (strcmp(sub, "list") == 0)
        return vg_cli_call(&cfg, "GET", "/api/v1/sboms?limit=1000", NULL);
    NEED(2);
    if (strcmp(sub, "findings") == 0) {
        snprintf(path, sizeof(path), "/api/v1/sboms/%s/findings", pos[1]);
        return vg_cli_call(&cfg, "GET", path, NULL);
    }
    if (strcmp(sub, "push") == 0) {
        size_t n;
        struct vg_buf out = {0};
        if (cfg.name[0] == '\0') {
            fprintf(stderr, "vigil sbom push: --name NAME is required\n");
            return 2;
        }
        char *body = vg_cli_slurp(pos[1], 256u << 20, &n);
        if (body == NULL)
            return 2;
        char *esc = url_escape(cfg.name);
        snprintf(path, sizeof(path), "/api/v1/sboms?name=%s", esc);
        free(esc);
        long status = vg_cli_request(&cfg, "POST", path, body, &out);
        free(body);
        if (status < 0)
            return 2;
        json_t *j = out.p ? json_loads(out.p, 0, NULL) : NULL;
        if (status >= 400) {
            const json_t *e = json_object_get(j, "error");
            fprintf(stderr, "vigil: %ld %s: %s\n", status,
                    json_string_value(json_object_get(e, "code")) ?: "error",
                    json_string_value(json_object_get(e, "message")) ?: "");
            rc = 2;
        } else if (strcmp(cfg.format, "json") == 0) {
            puts(out.p ? out.p : "");
            rc = json_integer_value(json_object_get(j, "vulnerable")) ? 1 : 0;
        } else {
            json_t *f;
            size_t i;
            printf("sbom %lld \"%s\" version %lld: %lld components, %lld vulnerable\n",
                   (long long)json_integer_value(json_object_get(j, "id")),
                   json_string_value(json_object_get(j, "name")),
                   (long long)json_integer_value(json_object_get(j, "version")),
                   (long long)json_integer_value(json_object_get(j, "components")),
                   (long long)json_integer_value(json_object_get(j, "vulnerable")));
            json_array_foreach(json_object_get(j, "findings"), i, f) {
                json_t *v;
                size_t k;
                printf("  %s\n", json_string_value(json_object_get(f, "purl")) ?: "?");
                json_array_foreach(json_object_get(f, "vulns"), k, v) {
                    char *fx = json_dumps(json_object_get(v, "fixed"), JSON_COMPACT);
                    printf("    %-22s %-10s fixed %s\n", json_string_value(json_object_get(v, "id")),
                           json_string_value(json_object_get(v, "severity")) ?: "-", fx ? fx : "[]");
                    free(fx);
                }
            }
            rc = json_integer_value(json_object_get(j, "vulnerable")) ? 1 : 0;
        }
        json_decref(j);
        vg_buf_free(&out);
        return rc;
    }
    fprintf(stderr, "usage: %s\n", usage);
    return 2;
}

int vg_cli_exposures(int argc, char **argv)
{
    struct vg_config cfg;
    char *pos[8], path[512];
    int np = 0, rc = vg_cli_setup(&cfg, argc, argv, pos, &np);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (np) {
        char *esc = url_escape(pos[0]);
        snprintf(path, sizeof(path), "/api/v1/exposures?limit=1000&vuln=%s", esc);
        free(esc);
    } else {
        snprintf(path, sizeof(path), "/api/v1/exposures?limit=1000");
    }
    return vg_cli_call(&cfg, "GET", path, NULL);
}

int vg_cli_alerts(int argc, char **argv)
{
    struct vg_config cfg;
    char *pos[8];
    int np = 0, rc = vg_cli_setup(&cfg, argc, argv, pos, &np);
    if (rc)
        return rc == 1 ? 0 : rc;
    return vg_cli_call(&cfg, "GET", "/api/v1/alerts?limit=1000", NULL);
}
