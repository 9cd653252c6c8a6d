/* PyPI version keys: PEP 440 (epoch, release, pre, post, dev, local) as the
 * `packaging` library orders them, and strings that are not PEP 440 ordered
 * as packaging's LegacyVersion (before every valid version).
 * Not for: specifiers (">=1.0,<2"), which are ranges. */
#include "engine/version/version_int.h"

#include <string.h>

struct cur {
    const char *s;
    size_t i, n;
};

static int peek(const struct cur *c) { return c->i < c->n ? vg__lower((unsigned char)c->s[c->i]) : -1; }

static int is_sep(int ch) { return ch == '-' || ch == '_' || ch == '.'; }

/* Matches one of the words (lower-case, tried in order) at c; returns its index. */
static int word(struct cur *c, const char *const *words, size_t nw)
{
    for (size_t w = 0; w < nw; w++) {
        size_t l = strlen(words[w]);
        if (c->n - c->i < l)
            continue;
        size_t x = 0;
        while (x < l && vg__lower((unsigned char)c->s[c->i + x]) == words[w][x])
            x++;
        if (x == l) {
            c->i += l;
            return (int)w;
        }
    }
    return -1;
}

static size_t digits(struct cur *c)
{
    size_t st = c->i;
    while (c->i < c->n && vg__isdigit((unsigned char)c->s[c->i]))
        c->i++;
    return c->i - st;
}

/* [-_.]?LABEL[-_.]?N? with the label from words; num and numn get the number. */
static int labelled(struct cur *c, const char *const *words, size_t nw, int *which,
                    const char **num, size_t *numn)
{
    struct cur save = *c;
    if (is_sep(peek(c)))
        c->i++;
    int w = word(c, words, nw);
    if (w < 0) {
        *c = save;
        return 0;
    }
    *which = w;
    *num = NULL;
    *numn = 0;
    size_t before = c->i;
    if (is_sep(peek(c)))
        c->i++;
    size_t at = c->i;
    size_t d = digits(c);
    if (d) {
        *num = c->s + at;
        *numn = d;
    } else {
        (void)before; /* a lone trailing separator belongs to the label */
    }
    return 1;
}

static const char *const pre_words[] = {"alpha", "a", "beta", "b", "preview", "pre", "c", "rc"};
static const int pre_rank[] = {1, 1, 2, 2, 3, 3, 3, 3};
static const char *const post_words[] = {"post", "rev", "r"};
static const char *const dev_words[] = {"dev"};

static int pep440(const char *v, size_t n, struct vg__kb *k)
{
    struct cur c = {v, 0, n};
    while (c.i < c.n && (v[c.i] == ' ' || v[c.i] == '\t' || v[c.i] == '\n' || v[c.i] == '\r' ||
                         v[c.i] == '\f' || v[c.i] == '\v'))
        c.i++;
    while (c.n > c.i && (v[c.n - 1] == ' ' || v[c.n - 1] == '\t' || v[c.n - 1] == '\n' ||
                         v[c.n - 1] == '\r' || v[c.n - 1] == '\f' || v[c.n - 1] == '\v'))
        c.n--;
    if (peek(&c) == 'v')
        c.i++;
    const char *ep = "";
    size_t epn = 0;
    {
        struct cur save = c;
        size_t d = digits(&c);
        if (d && peek(&c) == '!') {
            ep = v + save.i;
            epn = d;
            c.i++;
        } else {
            c = save;
        }
    }
    const char *rel[VG_VERSION_MAX];
    size_t reln[VG_VERSION_MAX], nr = 0;
    for (;;) {
        size_t at = c.i, d = digits(&c);
        if (!d)
            return VG_EINVAL;
        rel[nr] = v + at;
        reln[nr++] = d;
        if (peek(&c) == '.' && c.i + 1 < c.n && vg__isdigit((unsigned char)v[c.i + 1])) {
            c.i++;
            continue;
        }
        break;
    }
    int has_pre = 0, pre_w = 0, has_post = 0, has_dev = 0, w;
    const char *pre_n = NULL, *post_n = NULL, *dev_n = NULL;
    size_t pre_nn = 0, post_nn = 0, dev_nn = 0;
    if (labelled(&c, pre_words, 8, &w, &pre_n, &pre_nn)) {
        has_pre = 1;
        pre_w = pre_rank[w];
    }
    {
        struct cur save = c;
        if (peek(&c) == '-' && c.i + 1 < c.n && vg__isdigit((unsigned char)v[c.i + 1])) {
            c.i++;
            size_t at = c.i;
            post_nn = digits(&c);
            post_n = v + at;
            has_post = 1;
        } else {
            c = save;
            if (labelled(&c, post_words, 3, &w, &post_n, &post_nn))
                has_post = 1;
        }
    }
    if (labelled(&c, dev_words, 1, &w, &dev_n, &dev_nn))
        has_dev = 1;
    const char *local = NULL;
    size_t localn = 0;
    if (peek(&c) == '+') {
        c.i++;
        local = v + c.i;
        localn = c.n - c.i;
        /* [a-z0-9]+([-_.][a-z0-9]+)* */
        int need = 1;
        for (size_t x = 0; x < localn; x++) {
            int ch = (unsigned char)local[x];
            if (vg__isalnum(ch)) {
                need = 0;
            } else if (is_sep(ch) && !need) {
                need = 1;
            } else {
                return VG_EINVAL;
            }
        }
        if (need)
            return VG_EINVAL;
        c.i = c.n;
    }
    if (c.i != c.n)
        return VG_EINVAL;

    /* key: 0x02 (valid), epoch, release (trailing zeros dropped, 0x02+num
     * each, 0x01 end), pre, post, dev, local */
    vg__kb_byte(k, 0x02);
    vg__kb_num(k, ep, epn);
    size_t last = nr;
    while (last > 0) {
        size_t z = 0;
        while (z < reln[last - 1] && rel[last - 1][z] == '0')
            z++;
        if (z != reln[last - 1])
            break;
        last--;
    }
    for (size_t i = 0; i < last; i++) {
        vg__kb_byte(k, 0x02);
        vg__kb_num(k, rel[i], reln[i]);
    }
    vg__kb_byte(k, 0x01);
    if (!has_pre && !has_post && has_dev) {
        vg__kb_byte(k, 0x01); /* 1.0.dev0 sorts before 1.0a0 */
    } else if (has_pre) {
        vg__kb_byte(k, 0x02);
        vg__kb_byte(k, (unsigned)pre_w);
        vg__kb_num(k, pre_n ? pre_n : "", pre_nn);
    } else {
        vg__kb_byte(k, 0x03);
    }
    if (has_post) {
        vg__kb_byte(k, 0x02);
        vg__kb_num(k, post_n ? post_n : "", post_nn);
    } else {
        vg__kb_byte(k, 0x01);
    }
    if (has_dev) {
        vg__kb_byte(k, 0x01);
        vg__kb_num(k, dev_n ? dev_n : "", dev_nn);
    } else {
        vg__kb_byte(k, 0x02);
    }
    if (local) {
        /* segments: strings (0x01) below numbers (0x02); no local sorts first */
        size_t x = 0;
        while (x < localn) {
            size_t y = x;
            int alldig = 1;
            while (y < localn && !is_sep((unsigned char)local[y])) {
                if (!vg__isdigit((unsigned char)local[y]))
                    alldig = 0;
                y++;
            }
            if (alldig) {
                vg__kb_byte(k, 0x02);
                vg__kb_num(k, local + x, y - x);
            } else {
                vg__kb_byte(k, 0x01);
                for (size_t z = x; z < y; z++)
                    vg__kb_byte(k, (unsigned)vg__lower((unsigned char)local[z]));
                vg__kb_byte(k, 0);
            }
            x = y + 1;
        }
    }
    return VG_OK;
}

/* packaging < 22 LegacyVersion: epoch -1, then parts from splitting on
 * (\d+|[a-z]+|\.|-) (the text between matches kept too), numbers zero-filled
 * to 8, words prefixed '*', "*final" appended, with its trailing-zero and
 * "*final-" trimming; the tuple is compared part by part. */
struct lpart {
    const char *p; /* digits (zero-filled to 8 when emitted) or a word ('*' prefixed) */
    size_t n;
    int star;
};

static int lpart_is(const struct lpart *x, int star, const char *w)
{
    return x->star == star && x->n == strlen(w) && memcmp(x->p, w, x->n) == 0;
}

static int legacy(const char *v, size_t n, struct vg__kb *k)
{
    char low[VG_VERSION_MAX];
    struct lpart part[VG_VERSION_MAX + 2];
    size_t np = 0, i = 0;
    for (size_t x = 0; x < n; x++)
        low[x] = (char)vg__lower((unsigned char)v[x]);
    vg__kb_byte(k, 0x01);
    for (;;) {
        struct lpart cur;
        int end = i >= n;
        if (end) {
            cur = (struct lpart){"final", 5, 1};
        } else {
            size_t j = i;
            int ch = (unsigned char)low[i];
            if (vg__isdigit(ch)) {
                while (j < n && vg__isdigit((unsigned char)low[j]))
                    j++;
            } else if (ch >= 'a' && ch <= 'z') {
                while (j < n && low[j] >= 'a' && low[j] <= 'z')
                    j++;
            } else if (ch == '.' || ch == '-') {
                j++;
            } else {
                while (j < n && !vg__isalnum((unsigned char)low[j]) && low[j] != '.' &&
                       low[j] != '-')
                    j++;
            }
            cur = (struct lpart){low + i, j - i, !vg__isdigit(ch)};
            i = j;
            if (cur.n == 1 && *cur.p == '.')
                continue;
            if (lpart_is(&cur, 1, "pre") || lpart_is(&cur, 1, "preview") || lpart_is(&cur, 1, "rc"))
                cur = (struct lpart){"c", 1, 1};
            else if (lpart_is(&cur, 1, "-"))
                cur = (struct lpart){"final-", 6, 1};
            else if (lpart_is(&cur, 1, "dev"))
                cur = (struct lpart){"@", 1, 1};
        }
        if (cur.star) {
            size_t m = cur.n < 5 ? cur.n : 5;
            int c = memcmp(cur.p, "final", m);
            if (c < 0 || (c == 0 && cur.n < 5))
                while (np > 0 && lpart_is(&part[np - 1], 1, "final-"))
                    np--;
            while (np > 0 && !part[np - 1].star) {
                size_t z = 0;
                while (z < part[np - 1].n && part[np - 1].p[z] == '0')
                    z++;
                if (z != part[np - 1].n || part[np - 1].n > 8)
                    break;
                np--;
            }
        }
        part[np++] = cur;
        if (end)
            break;
    }
    for (size_t x = 0; x < np; x++) {
        if (part[x].star) {
            vg__kb_byte(k, '*');
        } else {
            for (size_t z = part[x].n; z < 8; z++)
                vg__kb_byte(k, '0');
        }
        vg__kb_str(k, part[x].p, part[x].n);
    }
    return VG_OK;
}

int vg__key_pypi(const char *v, size_t n, struct vg__kb *k)
{
    size_t mark = k->n;
    if (pep440(v, n, k) == VG_OK)
        return VG_OK;
    k->n = mark;
    k->over = 0;
    return legacy(v, n, k);
}
