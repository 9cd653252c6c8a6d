/* `vigil cvss VECTOR | -`: scores CVSS vectors and prints one JSON object per
 * vector (stdin mode: one vector per line). Exit 0, or 2 when a vector is
 * invalid or the usage is wrong. Not for: scoring rules (engine/cvss). */
#include "cli/cli.h"
#include "core/buf.h"
#include "core/err.h"
#include "engine/cvss/cvss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: vigil cvss VECTOR\n"
               "       vigil cvss -        (one vector per line on stdin)\n"
               "Prints {\"vector\",\"version\",\"base_score\",\"base_severity\",...} per vector.\n"
               "Versions: 2.0 (no prefix), CVSS:3.0, CVSS:3.1, CVSS:4.0. Exit 2 on an invalid "
               "vector.\n");
}

/* Scores one vector and prints its JSON line; on error prints one stderr line
 * (prefixed with where, when given) and returns 2. */
static int one(const char *s, size_t n, const char *where, struct vg_buf *b)
{
    struct vg_cvss c;
    struct vg_err err = {0};
    int rc = 0;
    if (vg_cvss_parse(s, n, &c, &err) != VG_OK) {
        fprintf(stderr, "vigil cvss: %s%sinvalid vector (metric %s): %s\n", where ? where : "",
                where ? ": " : "", err.field[0] ? err.field : "?", err.msg);
        rc = 2;
        goto out;
    }
    vg_buf_reset(b);
    vg_cvss_json(&c, b);
    vg_buf_putc(b, '\n');
    fwrite(b->p, 1, b->n, stdout);
out:
    return rc;
}

static int from_stdin(struct vg_buf *b)
{
    char *line = NULL, where[48];
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    int rc = 0;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        size_t start = 0, end = (size_t)len;
        lineno++;
        while (end > 0 && (line[end - 1] == '\n' || line[end - 1] == '\r' ||
                           line[end - 1] == ' ' || line[end - 1] == '\t'))
            end--;
        while (start < end && (line[start] == ' ' || line[start] == '\t'))
            start++;
        if (start == end)
            continue;
        snprintf(where, sizeof(where), "line %ld", lineno);
        if (one(line + start, end - start, where, b))
            rc = 2;
    }
    if (ferror(stdin)) {
        fprintf(stderr, "vigil cvss: read error on stdin\n");
        rc = 2;
    }
    free(line);
    return rc;
}

int vg_cli_cvss(int argc, char **argv)
{
    struct vg_buf b = {0};
    int rc;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        rc = 0;
    } else if (argc != 2) {
        usage(stderr);
        rc = 2;
    } else if (strcmp(argv[1], "-") == 0) {
        rc = from_stdin(&b);
    } else {
        rc = one(argv[1], strlen(argv[1]), NULL, &b);
    }
    fflush(stdout);
    vg_buf_free(&b);
    return rc;
}
