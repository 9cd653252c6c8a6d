/* Internals shared by the files of engine/version: the key builder and one
 * key function per version scheme. Not for: use outside engine/version. */
#ifndef VG_VERSION_INT_H
#define VG_VERSION_INT_H

#include <stddef.h>

#include "core/err.h"
#include "engine/version/version.h"

/* A bounded key under construction; `over` is set instead of writing past cap. */
struct vg__kb {
    unsigned char *p;
    size_t n, cap;
    int over;
};

static inline void vg__kb_byte(struct vg__kb *k, unsigned c)
{
    if (k->n < k->cap)
        k->p[k->n++] = (unsigned char)c;
    else
        k->over = 1;
}

/* A non-negative decimal d[0..n) (digits only): leading zeros stripped, then
 * one length byte and the digits, so that memcmp gives numeric order. */
void vg__kb_num(struct vg__kb *k, const char *d, size_t n);
/* Bytes s[0..n) then a 0x00 terminator (s must hold no 0x00 byte). */
void vg__kb_str(struct vg__kb *k, const char *s, size_t n);

static inline int vg__isdigit(int c) { return c >= '0' && c <= '9'; }
static inline int vg__isalpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline int vg__isalnum(int c) { return vg__isdigit(c) || vg__isalpha(c); }
static inline int vg__lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* One per scheme: VG_OK, or VG_EINVAL when v is not a version of the scheme
 * (the caller writes the message). Overflow is reported through k->over.
 * These scanners hold no resources, so they return at the first invalid byte
 * rather than through a single exit: the grammar reads top to bottom that way
 * (STYLE: clarity wins; the builders in range.c keep the one exit). */
typedef int (*vg__keyfn)(const char *v, size_t n, struct vg__kb *k);

int vg__key_semver(const char *v, size_t n, struct vg__kb *k);
int vg__key_nuget(const char *v, size_t n, struct vg__kb *k);
int vg__key_pub(const char *v, size_t n, struct vg__kb *k);
int vg__key_maven(const char *v, size_t n, struct vg__kb *k);
int vg__key_pypi(const char *v, size_t n, struct vg__kb *k);
int vg__key_debian(const char *v, size_t n, struct vg__kb *k);
int vg__key_rpm(const char *v, size_t n, struct vg__kb *k);
int vg__key_alpine(const char *v, size_t n, struct vg__kb *k);
int vg__key_rubygems(const char *v, size_t n, struct vg__kb *k);
int vg__key_packagist(const char *v, size_t n, struct vg__kb *k);
int vg__key_cran(const char *v, size_t n, struct vg__kb *k);
int vg__key_hackage(const char *v, size_t n, struct vg__kb *k);
int vg__key_generic(const char *v, size_t n, struct vg__kb *k);
int vg__key_conan(const char *v, size_t n, struct vg__kb *k);
int vg__key_alpm(const char *v, size_t n, struct vg__kb *k);
int vg__key_gentoo(const char *v, size_t n, struct vg__kb *k);
int vg__key_openssl(const char *v, size_t n, struct vg__kb *k);
int vg__key_datetime(const char *v, size_t n, struct vg__kb *k);
int vg__key_lexicographic(const char *v, size_t n, struct vg__kb *k);

/* Semver-scheme key helpers (range.c): the layout is
 * num(major) num(minor) num(patch) [0x03 num(extra)]* then 0x01 + pre-release
 * identifiers, or 0x02 for a release. */
#define VG__SV_PRE 0x01
#define VG__SV_REL 0x02
#define VG__SV_EXTRA 0x03
/* Offset just past the numeric part of a semver key (the tag byte), or
 * keylen when the key is malformed. */
size_t vg__semver_tag_offset(const unsigned char *key, size_t keylen);

#endif
