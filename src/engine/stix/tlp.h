/* Traffic Light Protocol 2.0: levels, their names, the STIX marking
 * definitions that carry them (TLP 1.0 fixed ids and the TLP 2.0 extension
 * ids), and who may see what. Pure functions; the platform decides the
 * viewer's relation to an object. Not for: authentication or roles. */
#ifndef VG_STIX_TLP_H
#define VG_STIX_TLP_H

#include "core/jscan.h"

/* Ordered from least to most restrictive. */
enum vg_tlp {
    VG_TLP_CLEAR = 0,        /* TLP 1.0 WHITE maps here */
    VG_TLP_GREEN,
    VG_TLP_AMBER,
    VG_TLP_AMBER_STRICT,
    VG_TLP_RED,
};

/* The viewer's relation to the information, from the furthest to the
 * closest. The platform maps its model onto it:
 *   SUSPENDED  a member unit that is suspended (sees CLEAR only)
 *   PUBLIC     anyone, e.g. an anonymous TAXII reader     -> CLEAR
 *   COMMUNITY  a member unit of the sharing community     -> + GREEN
 *   CLIENT     a client of a recipient organisation       -> + AMBER
 *   RECIPIENT  a recipient organisation (a unit the object is shared with)
 *                                                          -> + AMBER+STRICT
 *   NAMED      a named recipient of the object, or its originator -> + RED */
enum vg_tlp_relation {
    VG_TLP_VIEW_SUSPENDED = 0,
    VG_TLP_VIEW_PUBLIC,
    VG_TLP_VIEW_COMMUNITY,
    VG_TLP_VIEW_CLIENT,
    VG_TLP_VIEW_RECIPIENT,
    VG_TLP_VIEW_NAMED,
};

/* Parses a level: "clear", "white", "green", "amber", "amber+strict", "red"
 * (case-insensitive, optional "TLP:" prefix), or a marking-definition id of
 * TLP 1.0 (white/green/amber/red) or TLP 2.0. 0, or -1 when s is none. */
int vg_tlp_parse(const char *s, enum vg_tlp *out);
/* "clear", "green", "amber", "amber+strict", "red". */
const char *vg_tlp_name(enum vg_tlp t);
/* "TLP:CLEAR" … "TLP:RED". */
const char *vg_tlp_label(enum vg_tlp t);
/* The TLP 2.0 marking-definition id of a level. */
const char *vg_tlp_marking_id(enum vg_tlp t);
/* The TLP 2.0 extension-definition id. */
#define VG_TLP2_EXTENSION_ID "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

/* The most restrictive TLP among obj's object_marking_refs. Returns 1 and
 * sets *out when one is found, 0 when none (the caller applies its default). */
int vg_tlp_of_object(const struct vg_jval *obj, enum vg_tlp *out);

/* 1 when a viewer with relation rel may see information marked t. */
int vg_tlp_allows(enum vg_tlp t, enum vg_tlp_relation rel);

/* The more restrictive of a and b. */
enum vg_tlp vg_tlp_max(enum vg_tlp a, enum vg_tlp b);

#endif
