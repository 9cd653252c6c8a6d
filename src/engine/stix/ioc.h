/* Indicator values (observables): types covering the 2017 Measures' classes,
 * normalisation to one canonical text per value (the correlation key), IP and
 * CIDR parsing, IDNA punycode (RFC 3492), indicator categories.
 * Not for: looking values up (ioc_index.h) or storing them. */
#ifndef VG_STIX_IOC_H
#define VG_STIX_IOC_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum vg_ioc_type {
    VG_IOC_NONE = 0,
    VG_IOC_IP,      /* IPv4 or IPv6 address or CIDR block */
    VG_IOC_DOMAIN,
    VG_IOC_URL,
    VG_IOC_EMAIL,
    VG_IOC_PHONE,
    VG_IOC_MD5,     /* malware hashes */
    VG_IOC_SHA1,
    VG_IOC_SHA256,
    VG_IOC_SHA512,
    VG_IOC_TYPE_COUNT
};

/* Longest normalised value (URLs); inputs longer than this are VG_ETOOBIG. */
#define VG_IOC_MAX 4096

/* "ip", "ipv4", "ipv6", "ipv4-addr", "ipv6-addr", "cidr", "domain",
 * "domain-name", "url", "email", "email-addr", "phone", "md5", "sha1",
 * "sha-1", "sha256", "sha-256", "sha512", "sha-512" (case-insensitive).
 * VG_IOC_NONE when unknown. */
enum vg_ioc_type vg_ioc_type_parse(const char *s);
/* "ip", "domain", "url", "email", "phone", "md5", "sha1", "sha256", "sha512". */
const char *vg_ioc_type_name(enum vg_ioc_type t);

/* Normalises v[0..n) as type t into out (NUL-terminated, cap bytes; cap >=
 * VG_IOC_MAX + 1 always suffices), *outn its length (may be NULL).
 *   ip:     canonical text (RFC 5952 for IPv6, v4-mapped as ::ffff:a.b.c.d),
 *           CIDR as network address "/len" (host bits cleared), "/32" and
 *           "/128" dropped.
 *   domain: lower-case, trailing dot removed, Unicode labels to "xn--"
 *           punycode, each label 1..63 of [a-z0-9-] not starting/ending
 *           with '-', total <= 253.
 *   url:    RFC 3986 section 6 normalisation (scheme and host lower-case,
 *           default port removed, dot segments removed, percent-encoding
 *           upper-case and unreserved characters decoded, empty path "/"),
 *           host normalised as a domain or IP; fragment dropped.
 *   email:  local part kept, domain part normalised as a domain.
 *   phone:  "+" and digits only (E.164-ish: separators removed, "00" prefix
 *           to "+", 7..15 digits).
 *   hashes: lower-case hex of the exact length.
 * Errors: VG_EINVAL (not a value of that type), VG_ETOOBIG. Pure, reentrant. */
int vg_ioc_normalize(enum vg_ioc_type t, const char *v, size_t n, char *out, size_t cap,
                     size_t *outn, struct vg_err *err);

/* The correlation key of an observable: "<type name>:<normalised value>"
 * ("ip:10.0.0.0/8", "domain:xn--bcher-kva.example"). One observable
 * reported by several units (in any spelling) is one entity under this key.
 * Same errors as vg_ioc_normalize; cap >= VG_IOC_MAX + 16 always suffices. */
int vg_ioc_correlation_key(enum vg_ioc_type t, const char *v, size_t n, char *out, size_t cap,
                           size_t *outn, struct vg_err *err);

/* The type a bare value most likely is (for lookups without a type): IP,
 * hash by length, e-mail, URL (has "://"), phone ("+" and digits), domain.
 * VG_IOC_NONE when none fits. Does not validate fully. */
enum vg_ioc_type vg_ioc_guess(const char *v, size_t n);

struct vg_ip {
    int family;              /* 4 or 6 */
    unsigned char addr[16];  /* network byte order; IPv4 in addr[0..4) */
    int prefix;              /* 0..32 or 0..128; full length for an address */
};

/* Parses an IPv4/IPv6 address or CIDR block (dotted quad without leading
 * zeros; IPv6 with "::", embedded IPv4, no zone). Host bits are cleared when
 * clear_host is set, otherwise they are an error. 0 or -1. */
int vg_ip_parse(const char *s, size_t n, int clear_host, struct vg_ip *out);
/* Internal: an IPv4-mapped IPv6 address (prefix >= 96) becomes IPv4. */
void vg__ip_unmap(struct vg_ip *ip);
/* Canonical text (see vg_ioc_normalize); out must hold 64 bytes. */
void vg_ip_format(const struct vg_ip *ip, char out[64]);

/* RFC 3492 punycode of the code points cp[0..ncp) (the label without
 * "xn--"). 0, or -1 when out (cap bytes incl. NUL) is too small. */
int vg_punycode_encode(const uint32_t *cp, size_t ncp, char *out, size_t cap);
/* Decodes a punycode label (without "xn--") into code points. 0 or -1. */
int vg_punycode_decode(const char *s, size_t n, uint32_t *cp, size_t cap, size_t *ncp);

/* Indicator categories (bits): the 2017 Measures' kinds of threat beyond the
 * value type. */
enum {
    VG_IOC_CAT_MALICIOUS = 1u << 0, /* malicious-activity */
    VG_IOC_CAT_C2 = 1u << 1,        /* command-and-control */
    VG_IOC_CAT_PHISHING = 1u << 2,
    VG_IOC_CAT_BOTNET = 1u << 3,
    VG_IOC_CAT_COMPROMISED = 1u << 4, /* compromised host */
    VG_IOC_CAT_MALWARE = 1u << 5,   /* malware distribution / sample */
    VG_IOC_CAT_ANONYMIZATION = 1u << 6,
};
/* One label ("c2", "command-and-control", "phishing", "botnet",
 * "compromised", "compromised-host", "malicious-activity", "malware",
 * "hosting-malware", "anonymization"; case-insensitive) to its bit, 0 when
 * unknown. */
unsigned vg_ioc_category_parse(const char *label);
/* Comma-separated names of the bits in cats into out (cap bytes). */
void vg_ioc_category_format(unsigned cats, char *out, size_t cap);

#endif
