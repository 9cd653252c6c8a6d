#ifndef VG_TESTS_TESTDATA_H
#define VG_TESTS_TESTDATA_H

/* Where the conformance tests find ../shared/testdata: $VIGIL_TESTDATA. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* $VIGIL_TESTDATA when probe (a file or folder inside it) exists; NULL
 * when it is missing and CI is not "true" (a test binary with other cases
 * to run skips that one case); under CI=true, where missing test data is a
 * failure, a missing probe says so and exits 1. */
static inline const char *vg_testdata_opt(const char *probe)
{
    const char *td = getenv("VIGIL_TESTDATA"), *ci = getenv("CI");
    char path[1024];
    struct stat sb;
    if (td && td[0]) {
        snprintf(path, sizeof(path), "%s/%s", td, probe);
        if (stat(path, &sb) == 0)
            return td;
    }
    if (ci && strcmp(ci, "true") == 0) {
        fprintf(stderr, "test data not found: %s/%s\n", td && td[0] ? td : "$VIGIL_TESTDATA",
                probe);
        exit(1);
    }
    return NULL;
}

/* The same for a test binary that needs the data for everything: missing
 * data outside CI says what is missing and exits 77, meson's "skipped". */
static inline const char *vg_testdata(const char *probe)
{
    const char *td = vg_testdata_opt(probe), *env = getenv("VIGIL_TESTDATA");
    if (td)
        return td;
    fprintf(stderr, "test data not found: %s/%s\n", env && env[0] ? env : "$VIGIL_TESTDATA",
            probe);
    exit(77);
}

/* fn(path, ctx) for every regular file under dir whose name ends in suffix
 * (NULL: every file), depth first; names starting with '.' are left out. */
static inline void vg_testdata_walk(const char *dir, const char *suffix,
                                    void (*fn)(const char *path, void *ctx), void *ctx)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t sl = suffix ? strlen(suffix) : 0;
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat sb;
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
            stat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            vg_testdata_walk(path, suffix, fn, ctx);
        else if (!suffix || (l > sl && strcmp(e->d_name + l - sl, suffix) == 0))
            fn(path, ctx);
    }
    closedir(d);
}

#endif
