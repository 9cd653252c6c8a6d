/* `vigil vercmp ECOSYSTEM A B`: compares two versions under an ecosystem's
 * rules and prints <, = or >; with "-" reads "A B" lines from stdin and
 * prints one result per line. Not for: ranges (see engine/version/range.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/err.h"
#include "engine/version/version.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: vigil vercmp ECOSYSTEM A B\n"
               "       vigil vercmp ECOSYSTEM -    (lines \"A B\" on stdin)\n"
               "ECOSYSTEM as OSV names it: npm, Maven, PyPI, Debian, Red Hat, Alpine, RubyGems,\n"
               "NuGet, Go, crates.io, Packagist, Pub, CRAN, Hackage, Hex, ...\n"
               "Prints <, = or >. Exit 2 on an invalid version (with -: that line prints !).\n");
}

static int one(int eco, const char *a, size_t an, const char *b, size_t bn, FILE *out)
{
    struct vg_err err = {0};
    int r = 0;
    if (vg_version_cmp(eco, a, an, b, bn, &r, &err) != VG_OK) {
        fprintf(stderr, "vigil vercmp: %s\n", err.msg);
        return 2;
    }
    fputs(r < 0 ? "<\n" : r > 0 ? ">\n" : "=\n", out);
    return 0;
}

static int batch(int eco)
{
    char line[2 * VG_VERSION_MAX + 64];
    int rc = 0;
    unsigned long lineno = 0;
    while (fgets(line, sizeof(line), stdin) != NULL) {
        size_t n = strlen(line);
        lineno++;
        if (n > 0 && line[n - 1] != '\n' && !feof(stdin)) {
            fprintf(stderr, "vigil vercmp: line %lu: too long\n", lineno);
            rc = 2;
            break;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0) {
            fputs("\n", stdout);
            continue;
        }
        char *sp = memchr(line, ' ', n);
        if (sp == NULL) {
            sp = memchr(line, '\t', n);
        }
        if (sp == NULL) {
            fprintf(stderr, "vigil vercmp: line %lu: expected \"A B\"\n", lineno);
            fputs("!\n", stdout);
            rc = 2;
            continue;
        }
        const char *a = line, *b = sp + 1;
        size_t an = (size_t)(sp - line), bn = n - an - 1;
        if (one(eco, a, an, b, bn, stdout) != 0) {
            /* keep going so that line i of the output answers line i */
            fprintf(stderr, "vigil vercmp: at line %lu\n", lineno);
            fputs("!\n", stdout);
            rc = 2;
        }
    }
    fflush(stdout);
    return rc;
}

int vg_cli_vercmp(int argc, char **argv)
{
    int rc = 0;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        goto out;
    }
    if (argc != 3 && argc != 4) {
        usage(stderr);
        rc = 2;
        goto out;
    }
    int eco = vg_eco_parse(argv[1], strlen(argv[1]));
    if (eco < 0)
        eco = vg_eco_from_vers_scheme(argv[1], strlen(argv[1]));
    if (eco < 0) {
        fprintf(stderr, "vigil vercmp: unknown ecosystem '%s'\n", argv[1]);
        rc = 2;
        goto out;
    }
    if (argc == 3) {
        if (strcmp(argv[2], "-") != 0) {
            usage(stderr);
            rc = 2;
            goto out;
        }
        rc = batch(eco);
        goto out;
    }
    rc = one(eco, argv[2], strlen(argv[2]), argv[3], strlen(argv[3]), stdout);
out:
    return rc;
}
