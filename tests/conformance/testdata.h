#ifndef VG_TESTS_TESTDATA_H
#define VG_TESTS_TESTDATA_H

/* Where the conformance tests find ../shared/testdata: $VIGIL_TESTDATA. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* $VIGIL_TESTDATA when probe (a file or folder inside it) exists; otherwise
 * says what is missing and exits 1 under CI=true, where missing test data is
 * a failure, else 77, meson's "skipped". */
static inline const char *vg_testdata(const char *probe)
{
    const char *td = getenv("VIGIL_TESTDATA"), *ci = getenv("CI");
    char path[1024];
    struct stat sb;
    if (td && td[0]) {
        snprintf(path, sizeof(path), "%s/%s", td, probe);
        if (stat(path, &sb) == 0)
            return td;
    }
    fprintf(stderr, "test data not found: %s/%s\n", td && td[0] ? td : "$VIGIL_TESTDATA", probe);
    exit(ci && strcmp(ci, "true") == 0 ? 1 : 77);
}

#endif
