/* `vigil purl PURL|-`: prints each purl's canonical form, one per line.
 * Exit 0 when all were valid, 2 (and one line per invalid input on stderr)
 * otherwise. Not for: any matching; see `vigil scan`. */
#include "cli/cli.h"
#include "core/arena.h"
#include "core/err.h"
#include "engine/purl/purl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int one(const char *s, size_t n, struct vg_arena *a)
{
    struct vg_err err = {0};
    char *out;
    int rc = vg_purl_canonical(s, n, a, &out, NULL, &err);
    if (rc) {
        fprintf(stderr, "vigil purl: %.*s: %s\n", (int)(n > 200 ? 200 : n), s, err.msg);
        return 2;
    }
    puts(out);
    return 0;
}

int vg_cli_purl(int argc, char **argv)
{
    struct vg_arena *a;
    int rc = 0;

    if (argc != 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(argc == 2 ? stdout : stderr,
                "usage: vigil purl PURL\n"
                "       vigil purl -      (one purl per line on stdin)\n"
                "Prints the canonical form; exit 2 and the reason when a purl is invalid.\n");
        return argc == 2 ? 0 : 2;
    }
    a = vg_arena_new(0);
    if (strcmp(argv[1], "-") == 0) {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        while ((len = getline(&line, &cap, stdin)) >= 0) {
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            if (len == 0)
                continue;
            if (one(line, (size_t)len, a))
                rc = 2;
            vg_arena_reset(a);
        }
        free(line);
    } else {
        rc = one(argv[1], strlen(argv[1]), a);
    }
    fflush(stdout);
    vg_arena_free(a);
    return rc;
}
