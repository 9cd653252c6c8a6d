/* `vigil lookup [FILE|-]`: looks indicator values up on the server
 * (POST /api/v1/indicators/lookup), one value per line, in batches of
 * 100,000. Exit 0 when nothing matched, 1 when something did, 2 on error.
 * Not for: matching offline (the index lives in the server). */
#include "cli/cli.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 100000

static void print_table(json_t *results)
{
    size_t i;
    json_t *r;
    json_array_foreach(results, i, r) {
        const char *v = json_string_value(json_object_get(r, "value"));
        json_t *ms = json_object_get(r, "matches"), *m;
        const char *e = json_string_value(json_object_get(r, "error"));
        size_t k;
        printf("%s\t%s", v ? v : "", json_is_true(json_object_get(r, "hit")) ? "hit" : "miss");
        if (e)
            printf("\terror: %s", e);
        json_array_foreach(ms, k, m) {
            printf("%s%s %s %s (id %lld, tlp %s, confidence %lld, sources %lld)", k ? "; " : "\t",
                   json_string_value(json_object_get(m, "match")),
                   json_string_value(json_object_get(m, "type")),
                   json_string_value(json_object_get(m, "value")),
                   (long long)json_integer_value(json_object_get(m, "id")),
                   json_string_value(json_object_get(m, "tlp")),
                   (long long)json_integer_value(json_object_get(m, "confidence")),
                   (long long)json_integer_value(json_object_get(m, "sources")));
        }
        putchar('\n');
    }
}

/* Sends one batch; prints it; *hits += hits. 0, or 2 on error. */
static int batch(const struct vg_config *cfg, json_t *values, json_t *all, long *hits)
{
    json_t *body = json_pack("{s:O}", "values", values), *resp = NULL;
    struct vg_buf out = {0};
    struct vg_err err = {0};
    char *text = vg_json_dump(body, NULL);
    long status = vg_cli_request(cfg, "POST", "/api/v1/indicators/lookup", text, &out);
    int rc = 0;
    free(text);
    json_decref(body);
    if (status < 0) {
        rc = 2;
        goto out;
    }
    if (vg_json_parse(out.p ? out.p : "", out.n, &resp, &err) != VG_OK || status != 200) {
        const char *msg = json_string_value(json_object_get(json_object_get(resp, "error"), "message"));
        fprintf(stderr, "vigil lookup: HTTP %ld: %s\n", status, msg ? msg : "unexpected answer");
        rc = 2;
        goto out;
    }
    *hits += (long)json_integer_value(json_object_get(resp, "hits"));
    if (all)
        json_array_extend(all, json_object_get(resp, "results"));
    else
        print_table(json_object_get(resp, "results"));
out:
    json_decref(resp);
    vg_buf_free(&out);
    return rc;
}

int vg_cli_lookup(int argc, char **argv)
{
    struct vg_config cfg;
    char *pos[8];
    int np = 0, rc;
    long hits = 0;
    size_t n = 0;
    char *text, *line;
    json_t *values, *all = NULL;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            vg_config_usage(stdout,
                            "vigil lookup [FILE | -]  (one value per line: IPs, CIDRs, domains, "
                            "URLs, e-mail addresses, phone numbers, hashes; # comments)\n"
                            "  exit 0: no hit, 1: some value matched, 2: error",
                            VG_CMD_CLIENT);
            return 0;
        }
    if ((rc = vg_cli_setup(&cfg, argc, argv, pos, &np)) != 0)
        return rc == 1 ? 0 : rc;
    if (np > 1) {
        fprintf(stderr, "usage: vigil lookup [FILE | -]  (one value per line; VIGIL_URL, VIGIL_TOKEN)\n");
        return 2;
    }
    text = vg_cli_slurp(np ? pos[0] : "-", 1u << 30, &n);
    if (text == NULL)
        return 2;
    if (strcmp(cfg.format, "json") == 0)
        all = json_array();
    values = json_array();
    rc = 0;
    for (char *p = text; p && *p && rc == 0;) {
        char *nl = strpbrk(p, "\r\n");
        line = p;
        if (nl) {
            *nl = '\0';
            p = nl + 1;
        } else {
            p = NULL;
        }
        while (*line == ' ' || *line == '\t')
            line++;
        size_t k = strlen(line);
        while (k && (line[k - 1] == ' ' || line[k - 1] == '\t'))
            line[--k] = '\0';
        if (k == 0 || line[0] == '#')
            continue;
        json_t *v = json_string(line);
        if (v == NULL) {
            fprintf(stderr, "vigil lookup: skipped a line that is not UTF-8\n");
            continue;
        }
        json_array_append_new(values, v);
        if (json_array_size(values) == BATCH) {
            rc = batch(&cfg, values, all, &hits);
            json_array_clear(values);
        }
    }
    if (rc == 0 && json_array_size(values))
        rc = batch(&cfg, values, all, &hits);
    if (rc == 0 && all) {
        json_t *doc = json_pack("{s:O, s:I, s:I}", "results", all, "count",
                                (json_int_t)json_array_size(all), "hits", (json_int_t)hits);
        char *d = vg_json_dump(doc, NULL);
        puts(d);
        free(d);
        json_decref(doc);
    }
    json_decref(values);
    json_decref(all);
    free(text);
    if (rc)
        return rc;
    return hits > 0 ? 1 : 0;
}
