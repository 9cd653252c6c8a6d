/* SBOM reading: CycloneDX JSON 1.2-1.6 (nested components), SPDX 2.3 JSON
 * (packages with purl external references) and "one purl per line" text into
 * one flat component list, in document order. Pure: takes a buffer, no I/O,
 * no globals; thread-safe.
 * Not for: matching (match/) or writing SBOMs. */
#ifndef VG_SBOM_H
#define VG_SBOM_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "engine/purl/purl.h"

/* Bounds: documents over VG_SBOM_MAX_BYTES are VG_ETOOBIG, as are more than
 * VG_SBOM_MAX_COMPONENTS components or nesting deeper than
 * VG_SBOM_MAX_DEPTH. */
#define VG_SBOM_MAX_BYTES (256u * 1024 * 1024)
#define VG_SBOM_MAX_COMPONENTS 1000000
#define VG_SBOM_MAX_DEPTH 32

enum vg_sbom_format {
    VG_SBOM_CYCLONEDX = 1,
    VG_SBOM_SPDX = 2,
    VG_SBOM_PURLS = 3, /* one purl per line; blank lines and '#' comments skipped */
};

struct vg_sbom_component {
    const char *name;     /* as the document names it (CycloneDX "name", SPDX "name");
                             for purl lines the purl's name; NULL when absent */
    const char *group;    /* CycloneDX "group"; NULL otherwise */
    const char *version;  /* document's version, else the purl's; NULL when absent */
    const char *purl;     /* canonical purl; NULL when the component has none */
    struct vg_purl p;     /* parsed purl; p.type == NULL when purl is NULL */
    int eco;              /* enum vg_eco of the purl (version.h), -1 when none */
    const char *ecosystem; /* its OSV name ("Maven", "npm"...), NULL when none */
    const char *path;     /* where it was found: "components[3].components[0]",
                             "packages[7]", "line 12" */
};

struct vg_sbom {
    enum vg_sbom_format format;
    const char *spec_version; /* "1.4", "SPDX-2.3"; NULL for text */
    struct vg_sbom_component *c; /* arena-owned, document order (depth-first) */
    size_t n;
};

/* Detects the format (JSON with bomFormat "CycloneDX", JSON with spdxVersion
 * "SPDX-2.x", else text) and reads every component. Strings and arrays live in
 * a, and are read-only: components whose purl has the same text share one
 * parsed purl. Errors: VG_EJSON for malformed JSON; VG_EINVAL naming the JSON path
 * (err->field, e.g. "components[3].purl") or line for an invalid element or
 * purl; VG_ETOOBIG over the bounds above. */
int vg_sbom_parse(const char *buf, size_t n, struct vg_arena *a, struct vg_sbom *out,
                  struct vg_err *err);

#endif
