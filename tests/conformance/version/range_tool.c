/* Test helper for the range conformance and oracle scripts: reads lines
 * "RANGE<TAB>VERSION" on stdin and prints 1 (inside), 0 (outside) or !
 * (error, message on stderr) per line. argv[1] says the syntax: npm or vers.
 * Not for: production use (vigil's commands do not expose ranges yet). */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "engine/version/range.h"

int main(int argc, char **argv)
{
    static char line[70000];
    int npm = argc > 1 && strcmp(argv[1], "npm") == 0;
    struct vg_arena *a = vg_arena_new(0);
    while (fgets(line, sizeof(line), stdin) != NULL) {
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char *tab = strchr(line, '\t');
        struct vg_err err = {0};
        struct vg_ranges r;
        int inside = 0, rc;
        if (tab == NULL) {
            puts("!");
            continue;
        }
        *tab = '\0';
        if (npm)
            rc = vg_ranges_from_npm(VG_ECO_NPM, line, strlen(line), a, &r, &err);
        else
            rc = vg_ranges_from_vers(line, strlen(line), a, &r, &err);
        if (rc == VG_OK)
            rc = vg_ranges_contain_version(&r, tab + 1, strlen(tab + 1), &inside, &err);
        if (rc != VG_OK) {
            fprintf(stderr, "%s\t%s: %s\n", line, tab + 1, err.msg);
            puts("!");
        } else {
            puts(inside ? "1" : "0");
        }
        vg_arena_reset(a);
    }
    vg_arena_free(a);
    return 0;
}
