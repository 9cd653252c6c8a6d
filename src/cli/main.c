/* vigil's entry point: dispatches to a subcommand from one table.
 * Not for: any rule or I/O of its own beyond the dispatch. */
#include "cli/cli.h"
#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

/* Subcommand declarations (each lives in its own file under src/cli/). */
/* --- analyst tools and offline engines --- */
int vg_cli_cvss(int, char **);
int vg_cli_purl(int, char **);
int vg_cli_lookup(int, char **);
int vg_cli_scan(int, char **);
int vg_cli_vercmp(int, char **);

/* --- server, store and client commands --- */
int vg_cli_init(int argc, char **argv);
int vg_cli_serve(int argc, char **argv);
int vg_cli_audit(int argc, char **argv);
int vg_cli_backup(int argc, char **argv);
int vg_cli_api(int argc, char **argv);
int vg_cli_me(int argc, char **argv);
int vg_cli_orgs(int argc, char **argv);
int vg_cli_users(int argc, char **argv);
int vg_cli_tokens(int argc, char **argv);
int vg_cli_tasks(int argc, char **argv);
int vg_cli_audit_log(int argc, char **argv);
int vg_cli_receipt(int argc, char **argv);
int vg_cli_cases(int argc, char **argv);
int vg_cli_import(int argc, char **argv);
int vg_cli_sbom(int argc, char **argv);
int vg_cli_exposures(int argc, char **argv);
int vg_cli_alerts(int argc, char **argv);
int vg_cli_grade(int argc, char **argv);

static const struct vg_cli_cmd commands[] = {
    {"version", "print the version", cmd_version},
    {"help", "list the subcommands", cmd_help},
    /* --- analyst tools and offline engines --- */
    {"cvss", "score CVSS v2/v3.0/v3.1/v4.0 vectors (JSON per vector)", vg_cli_cvss},
    {"purl", "print the canonical form of a package URL", vg_cli_purl},
    {"lookup", "look indicator values up on the server (FILE or - : one per line)", vg_cli_lookup},
    {"scan", "scan an SBOM offline against an OSV database", vg_cli_scan},
    {"vercmp", "compare two versions under an ecosystem's rules (<, =, >)", vg_cli_vercmp},

    /* --- server, store and client commands --- */
    {"init", "create the data directory, the operator org and its first admin", vg_cli_init},
    {"serve", "run the HTTP server", vg_cli_serve},
    {"audit", "audit verify: check the audit hash chain offline", vg_cli_audit},
    {"backup", "online backup of the store into a directory", vg_cli_backup},
    {"api", "call any API endpoint (VIGIL_URL, VIGIL_TOKEN)", vg_cli_api},
    {"me", "who the token belongs to", vg_cli_me},
    {"orgs", "list, create, suspend, reinstate, revoke units", vg_cli_orgs},
    {"users", "list and create users", vg_cli_users},
    {"tokens", "list, create and revoke API tokens", vg_cli_tokens},
    {"tasks", "review tasks (expired suspensions)", vg_cli_tasks},
    {"audit-log", "read the audit trail", vg_cli_audit_log},
    {"receipt", "receipt verify: check a case receipt's signature offline", vg_cli_receipt},
    {"cases", "list, show, submit and move vulnerability cases", vg_cli_cases},
    {"import", "import osv, nedb, cve5, nvd or kev records into the knowledge base", vg_cli_import},
    {"sbom", "register SBOMs (push FILE --name NAME) and read their findings", vg_cli_sbom},
    {"exposures", "which registered components a record affects", vg_cli_exposures},
    {"alerts", "the unit's risk alerts", vg_cli_alerts},
    {"grade", "grade with the operator's GB/T 30279 table (--gbt-table FILE)", vg_cli_grade},
};

static int cmd_version(int argc, char **argv)
{
    VG_UNUSED(argc);
    VG_UNUSED(argv);
    printf("vigil %s\n", VIGIL_VERSION);
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    VG_UNUSED(argc);
    VG_UNUSED(argv);
    printf("usage: vigil COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < VG_ARRAY_LEN(commands); i++)
        printf("  %-14s %s\n", commands[i].name, commands[i].summary);
    printf("\n'vigil COMMAND --help' describes a command's options.\n");
    return 0;
}

char *vg_cli_slurp(const char *path, size_t max, size_t *n)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t cap = 65536, len = 0;
    char *p;
    if (f == NULL) {
        fprintf(stderr, "vigil: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    p = vg_xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            if (cap >= max + 1) {
                fprintf(stderr, "vigil: %s: larger than %zu bytes\n", path, max);
                free(p);
                p = NULL;
                break;
            }
            cap *= 2;
            if (cap > max + 1)
                cap = max + 1;
            p = vg_xrealloc(p, cap);
        }
        size_t r = fread(p + len, 1, cap - 1 - len, f);
        len += r;
        if (r == 0) {
            if (ferror(f)) {
                fprintf(stderr, "vigil: %s: read error\n", path);
                free(p);
                p = NULL;
            }
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    if (p) {
        p[len] = '\0';
        if (n)
            *n = len;
    }
    return p;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(argc, argv), argc < 2 ? 2 : 0;
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(argc, argv);
    for (size_t i = 0; i < VG_ARRAY_LEN(commands); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "vigil: unknown command '%s' (see 'vigil help')\n", argv[1]);
    return 2;
}
