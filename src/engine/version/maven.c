/* Maven version keys: the ComparableVersion algorithm of Maven 3.9 (items,
 * sub-lists opened by '-' and digit/letter transitions, qualifier order,
 * null padding, normalisation) turned into a memcmp-ordered key.
 * Not for: version ranges ("[1.0,2.0)"), which range.c does not parse. */
#include "engine/version/version_int.h"

#include <string.h>

/* Item classes, in key order. ComparableVersion orders String < List < Int
 * and compares each with "nothing" (padding) by sign: qualifiers before the
 * release are below it, "sp" and unknown ones above, a list by its first
 * non-null item, an int by != 0. Those two orders agree except for a
 * "sp"/unknown qualifier in the middle of a list facing a list that sorts
 * below the release, where Maven itself is not transitive (docs/matching.md). */
enum {
    MV_STR_LOW = 0x10,  /* alpha beta milestone rc snapshot */
    MV_REL_NEG = 0x18,  /* "" (ga, final, release) before items sorting below the release */
    MV_LIST_NEG = 0x20, /* sub-list sorting below the release */
    MV_ZERO_NEG = 0x28, /* 0 before items sorting below the release (3.7.0.rc.3) */
    MV_END = 0x30,      /* end of a list (= padding) */
    MV_STR_REL = 0x34,  /* "" (ga, final, release) not at the end */
    MV_STR_HIGH = 0x40, /* sp, then unknown qualifiers lexically */
    MV_LIST_POS = 0x50,
    MV_INT = 0x60,
};

enum { IT_INT, IT_STR };

struct mv_item {
    int type;
    int depth;
    const char *s; /* digits (no leading zeros) or qualifier, lower-case */
    size_t n;
    int qual;      /* IT_STR: 0..6 known, 7 unknown */
};

static const char *const quals[] = {"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"};

struct mv {
    struct mv_item it[VG_VERSION_MAX + 2];
    size_t n;
    int depth;
    char low[VG_VERSION_MAX];
};

static void add_int(struct mv *m, const char *s, size_t n)
{
    while (n > 0 && *s == '0') {
        s++;
        n--;
    }
    m->it[m->n++] = (struct mv_item){IT_INT, m->depth, s, n, 0};
}

static void add_str(struct mv *m, const char *s, size_t n, int followed_by_digit)
{
    if (followed_by_digit && n == 1) {
        if (*s == 'a')
            s = "alpha", n = 5;
        else if (*s == 'b')
            s = "beta", n = 4;
        else if (*s == 'm')
            s = "milestone", n = 9;
    }
    if ((n == 2 && memcmp(s, "ga", 2) == 0) || (n == 5 && memcmp(s, "final", 5) == 0) ||
        (n == 7 && memcmp(s, "release", 7) == 0))
        s = "", n = 0;
    else if (n == 2 && memcmp(s, "cr", 2) == 0)
        s = "rc";
    int q = 7;
    for (int i = 0; i < 7; i++)
        if (strlen(quals[i]) == n && memcmp(quals[i], s, n) == 0)
            q = i;
    m->it[m->n++] = (struct mv_item){IT_STR, m->depth, s, n, q};
}

static int item_null(const struct mv_item *it)
{
    return it->type == IT_INT ? it->n == 0 : it->qual == 5;
}

static int item_sign(const struct mv_item *it)
{
    if (it->type == IT_INT)
        return it->n == 0 ? 0 : 1;
    return it->qual < 5 ? -1 : it->qual == 5 ? 0 : 1;
}

/* after: the sign of what follows a null item (0 or ""), which decides how
 * it compares with the end of a shorter version. */
static void emit_item(const struct mv_item *it, int after, struct vg__kb *k)
{
    if (it->type == IT_INT && it->n == 0 && after < 0) {
        vg__kb_byte(k, MV_ZERO_NEG);
    } else if (it->type == IT_STR && it->qual == 5 && after < 0) {
        vg__kb_byte(k, MV_REL_NEG);
    } else if (it->type == IT_INT) {
        vg__kb_byte(k, MV_INT);
        vg__kb_byte(k, (unsigned)it->n);
        for (size_t i = 0; i < it->n; i++)
            vg__kb_byte(k, (unsigned char)it->s[i]);
    } else if (it->qual < 5) {
        vg__kb_byte(k, MV_STR_LOW);
        vg__kb_byte(k, (unsigned)it->qual + 1);
    } else if (it->qual == 5) {
        vg__kb_byte(k, MV_STR_REL);
    } else if (it->qual == 6) {
        vg__kb_byte(k, MV_STR_HIGH);
        vg__kb_byte(k, 0x01);
    } else {
        vg__kb_byte(k, MV_STR_HIGH);
        vg__kb_byte(k, 0x02);
        vg__kb_str(k, it->s, it->n);
    }
}

int vg__key_maven(const char *v, size_t n, struct vg__kb *k)
{
    struct mv m;
    m.n = 0;
    m.depth = 0;
    int is_digit = 0;
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        m.low[i] = (char)vg__lower((unsigned char)v[i]);
    const char *s = m.low;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.' || c == '-') {
            if (i == start)
                add_int(&m, "0", 1);
            else if (is_digit)
                add_int(&m, s + start, i - start);
            else
                add_str(&m, s + start, i - start, 0);
            start = i + 1;
            if (c == '-')
                m.depth++;
        } else if (vg__isdigit((unsigned char)c)) {
            if (!is_digit && i > start) {
                /* 1.0.0.X1 < 1.0.0-X2: ".X" followed by a digit opens a list */
                int empty = m.n == 0 || m.it[m.n - 1].depth != m.depth;
                if (!empty)
                    m.depth++;
                add_str(&m, s + start, i - start, 1);
                start = i;
                m.depth++;
            }
            is_digit = 1;
        } else {
            if (is_digit && i > start) {
                add_int(&m, s + start, i - start);
                start = i;
                m.depth++;
            }
            is_digit = 0;
        }
    }
    if (n > start) {
        int empty = m.n == 0 || m.it[m.n - 1].depth != m.depth;
        if (!is_digit && !empty)
            m.depth++;
        if (is_digit)
            add_int(&m, s + start, n - start);
        else
            add_str(&m, s + start, n - start, 0);
    }
    /* normalise, innermost list first: drop trailing null items; a list is
     * kept when it still has items or a kept sub-list */
    int maxd = m.depth;
    int kept[VG_VERSION_MAX + 2];
    size_t first[VG_VERSION_MAX + 3], last[VG_VERSION_MAX + 3];
    for (int d = 0; d <= maxd + 1; d++)
        first[d] = last[d] = 0;
    {
        size_t i = 0;
        for (int d = 0; d <= maxd; d++) {
            first[d] = i;
            while (i < m.n && m.it[i].depth == d)
                i++;
            last[d] = i;
        }
    }
    kept[maxd + 1] = 0;
    int sign[VG_VERSION_MAX + 2];
    sign[maxd + 1] = 0;
    for (int d = maxd; d >= 0; d--) {
        while (last[d] > first[d] && item_null(&m.it[last[d] - 1]))
            last[d]--;
        kept[d] = last[d] > first[d] || kept[d + 1];
        sign[d] = kept[d + 1] ? sign[d + 1] : 0;
        for (size_t i = first[d]; i < last[d]; i++)
            if (item_sign(&m.it[i]) != 0) {
                sign[d] = item_sign(&m.it[i]);
                break;
            }
    }
    int d = 0;
    for (;;) {
        for (size_t i = first[d]; i < last[d]; i++) {
            int after = 0;
            if (item_null(&m.it[i])) {
                size_t j = i + 1;
                while (j < last[d] && item_sign(&m.it[j]) == 0)
                    j++;
                after = j < last[d] ? item_sign(&m.it[j]) : (kept[d + 1] ? sign[d + 1] : 0);
            }
            emit_item(&m.it[i], after, k);
        }
        if (d + 1 <= maxd && kept[d + 1]) {
            vg__kb_byte(k, sign[d + 1] < 0 ? MV_LIST_NEG : MV_LIST_POS);
            d++;
            continue;
        }
        break;
    }
    for (; d >= 0; d--)
        vg__kb_byte(k, MV_END);
    return VG_OK;
}
