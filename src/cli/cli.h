/* The `vigil` command line: one table of subcommands (main.c), each a
 * function taking its own argv (argv[0] is the subcommand name).
 * Exit statuses: 0 ok, 1 "found something / verification failed", 2 error. */
#ifndef VG_CLI_H
#define VG_CLI_H

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

#endif
