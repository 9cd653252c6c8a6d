/* The `vigil` command line: one table of subcommands (main.c), each a
 * function taking its own argv (argv[0] is the subcommand name).
 * Exit statuses: 0 ok, 1 "found something / verification failed", 2 error. */
#ifndef VG_CLI_H
#define VG_CLI_H

#include <jansson.h>
#include <stddef.h>

struct vg_cli_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

/* Reads all of a file (or stdin when path is "-") into a NUL-terminated
 * malloc'd buffer; caller frees. max caps the size. Returns NULL and prints
 * one line on stderr on failure. */
char *vg_cli_slurp(const char *path, size_t max, size_t *n);

struct vg_config;
struct vg_buf;
/* Client helpers (client.c), reading VIGIL_URL / VIGIL_TOKEN through cfg. */
/* Loads the client options; returns 0, 1 after --help, or 2 on a bad option.
 * pos gets up to 8 positional arguments. */
int vg_cli_setup(struct vg_config *cfg, int argc, char **argv, char **pos, int *npos);
/* One request; the HTTP status, or -1 when the server could not be reached
 * (message on stderr). body may be NULL; out gets the response body. */
long vg_cli_request(const struct vg_config *cfg, const char *method, const char *path,
                    const char *body, struct vg_buf *out);
/* The same with a body of n bytes of type ctype (a JSON body: application/json). */
long vg_cli_request_as(const struct vg_config *cfg, const char *method, const char *path,
                       const char *ctype, const char *body, size_t n, struct vg_buf *out);
/* Sends body (a reference is taken over; may be NULL) and prints the answer
 * as a table or JSON (cfg->format). Exit status: 0 2xx, 1 4xx/5xx, 2 no server. */
int vg_cli_call(const struct vg_config *cfg, const char *method, const char *path, json_t *body);

#endif
