/* TLP 2.0 levels, STIX marking-definition ids (data from the TLP 1.0
 * section of STIX 2.1 and the TLP 2.0 extension), visibility rules.
 * Not for: deciding who is a recipient (the service layer does). */
#include "engine/stix/tlp.h"

#include <string.h>
#include <strings.h>

#include "core/util.h"

static const struct {
    const char *id;
    enum vg_tlp t;
} marking_ids[] = {
    /* TLP 1.0, STIX 2.1 section 7.2.1.4 */
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", VG_TLP_CLEAR},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", VG_TLP_GREEN},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", VG_TLP_AMBER},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", VG_TLP_RED},
    /* TLP 2.0 marking definitions (extension-definition--60a3c5c5-…) */
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", VG_TLP_CLEAR},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", VG_TLP_GREEN},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", VG_TLP_AMBER},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", VG_TLP_AMBER_STRICT},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", VG_TLP_RED},
};

static const char *const names[] = {"clear", "green", "amber", "amber+strict", "red"};
static const char *const labels[] = {"TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT",
                                     "TLP:RED"};

int vg_tlp_parse(const char *s, enum vg_tlp *out)
{
    int rc = -1;
    if (s == NULL)
        goto out;
    /* the ids: 56 bytes, the first of the UUID (a digit or a-f in the
     * table) tells most apart before the full comparison */
    size_t n = strlen(s);
    for (size_t i = 0; i < VG_ARRAY_LEN(marking_ids) && n == 56; i++)
        if (((unsigned char)s[20] | 0x20) == (unsigned char)marking_ids[i].id[20] &&
            strcasecmp(s, marking_ids[i].id) == 0) {
            *out = marking_ids[i].t;
            rc = 0;
            goto out;
        }
    if (strncasecmp(s, "tlp:", 4) == 0)
        s += 4;
    if (strcasecmp(s, "white") == 0) {
        *out = VG_TLP_CLEAR;
        rc = 0;
        goto out;
    }
    for (int i = 0; i < 5; i++)
        if (strcasecmp(s, names[i]) == 0) {
            *out = (enum vg_tlp)i;
            rc = 0;
            goto out;
        }
out:
    return rc;
}

const char *vg_tlp_name(enum vg_tlp t)
{
    return (unsigned)t < 5 ? names[t] : "red";
}

const char *vg_tlp_label(enum vg_tlp t)
{
    return (unsigned)t < 5 ? labels[t] : "TLP:RED";
}

const char *vg_tlp_marking_id(enum vg_tlp t)
{
    return marking_ids[4 + ((unsigned)t < 5 ? (int)t : 4)].id;
}

int vg_tlp_of_object(const struct vg_jval *obj, enum vg_tlp *out)
{
    const struct vg_jval *refs = vg_jget(obj, "object_marking_refs");
    int found = 0;
    enum vg_tlp best = VG_TLP_CLEAR, t;
    for (size_t i = 0; vg_jis(refs, VG_JARR) && i < refs->n; i++) {
        const char *id = vg_jstr(&refs->u.a[i]);
        if (id && strncmp(id, "marking-definition--", 20) == 0 && vg_tlp_parse(id, &t) == 0) {
            best = found ? vg_tlp_max(best, t) : t;
            found = 1;
        }
    }
    if (found)
        *out = best;
    return found;
}

int vg_tlp_allows(enum vg_tlp t, enum vg_tlp_relation rel)
{
    switch (t) {
    case VG_TLP_CLEAR: return 1;
    case VG_TLP_GREEN: return rel >= VG_TLP_VIEW_COMMUNITY;
    case VG_TLP_AMBER: return rel >= VG_TLP_VIEW_CLIENT;
    case VG_TLP_AMBER_STRICT: return rel >= VG_TLP_VIEW_RECIPIENT;
    case VG_TLP_RED: return rel >= VG_TLP_VIEW_NAMED;
    }
    return 0;
}

enum vg_tlp vg_tlp_max(enum vg_tlp a, enum vg_tlp b)
{
    return a > b ? a : b;
}
