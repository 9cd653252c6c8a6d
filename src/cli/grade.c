/* `vigil grade --gbt-table FILE name=value,...`: grades a vulnerability with
 * the operator's GB/T 30279 table, offline; `-` reads one input line per
 * vulnerability from stdin. Prints {"grade","grade_zh","table_version"}. */
#include "cli/cli.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/util.h"
#include "engine/cvss/grade.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int one(const struct vg_gbt *t, const char *line, struct vg_arena *a)
{
    struct vg_gbt_input in[64];
    struct vg_gbt_result res;
    struct vg_err e = {0};
    size_t n = 0;
    if (vg_gbt_parse_inputs(line, a, in, 64, &n, &e) != VG_OK ||
        vg_gbt_grade(t, in, n, &res, &e) != VG_OK) {
        fprintf(stderr, "vigil grade: %s%s%s\n", e.field, e.field[0] ? ": " : "", e.msg);
        return 2;
    }
    printf("{\"grade\":\"%s\",\"grade_zh\":\"%s\",\"table_version\":\"%s\"}\n",
           vg_grade_name(res.grade), vg_grade_name_zh(res.grade), res.version);
    return 0;
}

int vg_cli_grade(int argc, char **argv)
{
    struct vg_config cfg;
    struct vg_err e = {0};
    char *pos[2];
    int np = 0, help = 0, rc = 0;
    if (vg_config_load(&cfg, VG_CMD_CLIENT, argc, argv, pos, 1, &np, &help, &e) != VG_OK) {
        fprintf(stderr, "vigil grade: %s\n", e.msg);
        return 2;
    }
    if (help || np != 1 || cfg.gbt_table[0] == '\0') {
        fprintf(help ? stdout : stderr,
                "usage: vigil grade --gbt-table FILE name=value,name=value,...  (or - for stdin)\n");
        return help ? 0 : 2;
    }
    size_t n;
    char *text = vg_cli_slurp(cfg.gbt_table, VG_GBT_MAX_TEXT, &n);
    if (text == NULL)
        return 2;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_gbt *t;
    if (vg_gbt_load(text, n, a, &t, &e) != VG_OK) {
        fprintf(stderr, "vigil grade: %s: %s: %s\n", cfg.gbt_table, e.field, e.msg);
        rc = 2;
    } else if (strcmp(pos[0], "-") == 0) {
        char line[4096];
        while (fgets(line, sizeof(line), stdin)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0] && one(t, line, a))
                rc = 2;
        }
    } else {
        rc = one(t, pos[0], a);
    }
    free(text);
    vg_arena_free(a);
    return rc;
}
