/* Indicator lookup index: two open-addressing tables (exact values, and
 * CIDR blocks shorter than a host address) of 32-byte slots holding a
 * 128-bit SipHash digest of (type, normalised value[, prefix]), the
 * indicator id and its expiry. Not for: TLP or persistence. */
#include "engine/stix/ioc_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define EMPTY INT64_MIN

enum { TAB_EXACT = 0, TAB_NET = 1 };

struct slot {
    uint64_t k0, k1;
    int64_t id;
    int64_t valid_until;
};

struct table {
    struct slot *s;
    size_t cap;  /* power of two */
    size_t used; /* live + tombstones */
    size_t live;
};

struct vg_ioc_index {
    uint64_t seed0, seed1;
    struct table t[2];
    size_t net4[33], net6[129]; /* live CIDR entries per prefix length */
    size_t dom[128];            /* live domain entries per label count */
};

/* ---- SipHash-2-4, 128-bit output (Aumasson & Bernstein) ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                  \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                     \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                     \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                  \
    } while (0)

void vg_siphash128(const void *in, size_t n, uint64_t k0, uint64_t k1, uint64_t out[2])
{
    const unsigned char *p = in;
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    v1 ^= 0xee;
    size_t end = n - n % 8;
    for (size_t i = 0; i < end; i += 8) {
        uint64_t m = 0;
        for (int j = 7; j >= 0; j--)
            m = m << 8 | p[i + (size_t)j];
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)n << 56;
    for (size_t j = 0; j < n % 8; j++)
        b |= (uint64_t)p[end + j] << (8 * j);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xee;
    SIPROUND; SIPROUND; SIPROUND; SIPROUND;
    out[0] = v0 ^ v1 ^ v2 ^ v3;
    v1 ^= 0xdd;
    SIPROUND; SIPROUND; SIPROUND; SIPROUND;
    out[1] = v0 ^ v1 ^ v2 ^ v3;
}

/* ---- tables ----
 * Robin Hood linear probing: an entry never sits further from its home slot
 * than the entry it displaced, so a search stops at the first slot whose
 * entry is closer to home than the search is (misses end after about two
 * slots even at load 0.7), and deletion shifts the run back (no tombstones).
 * Equal keys (one value, several indicators) share a home and stay adjacent. */

static size_t dist(const struct table *t, size_t i)
{
    return (i - ((size_t)t->s[i].k0 & (t->cap - 1))) & (t->cap - 1);
}

static void table_init(struct table *t, size_t cap)
{
    t->cap = cap;
    t->used = t->live = 0;
    t->s = vg_xmalloc(cap * sizeof(*t->s));
    if (cap * sizeof(*t->s) >= ((size_t)4 << 20)) /* a large table: probed at random */
        vg_huge_advise(t->s, cap * sizeof(*t->s));
    for (size_t i = 0; i < cap; i++)
        t->s[i].id = EMPTY;
}

static void table_put_raw(struct table *t, const struct slot *e)
{
    size_t m = t->cap - 1, i = (size_t)e->k0 & m, d = 0;
    struct slot cur = *e;
    for (;;) {
        if (t->s[i].id == EMPTY) {
            t->s[i] = cur;
            break;
        }
        size_t di = dist(t, i);
        if (di < d) {
            struct slot tmp = t->s[i];
            t->s[i] = cur;
            cur = tmp;
            d = di;
        }
        i = (i + 1) & m;
        d++;
    }
    t->used++;
    t->live++;
}

static void table_resize(struct table *t, size_t cap)
{
    struct table nt;
    table_init(&nt, cap);
    for (size_t i = 0; i < t->cap; i++)
        if (t->s[i].id != EMPTY)
            table_put_raw(&nt, &t->s[i]);
    free(t->s);
    *t = nt;
}

/* The slot holding (key, id), or SIZE_MAX. */
static size_t table_find(const struct table *t, uint64_t k0, uint64_t k1, int64_t id)
{
    size_t m = t->cap - 1, i = (size_t)k0 & m;
    for (size_t d = 0; t->s[i].id != EMPTY && dist(t, i) >= d; i = (i + 1) & m, d++)
        if (t->s[i].id == id && t->s[i].k0 == k0 && t->s[i].k1 == k1)
            return i;
    return SIZE_MAX;
}

/* Returns 1 when a new entry was made, 0 when (key, id) existed. */
static int table_add(struct table *t, uint64_t k0, uint64_t k1, int64_t id, int64_t vu)
{
    size_t i = table_find(t, k0, k1, id);
    if (i != SIZE_MAX) {
        t->s[i].valid_until = vu;
        return 0;
    }
    if ((t->used + 1) * 10 > t->cap * 7)
        table_resize(t, t->cap * 2);
    struct slot e = {k0, k1, id, vu};
    table_put_raw(t, &e);
    return 1;
}

static int table_del(struct table *t, uint64_t k0, uint64_t k1, int64_t id)
{
    size_t m = t->cap - 1, i = table_find(t, k0, k1, id);
    if (i == SIZE_MAX)
        return 0;
    /* backward shift: pull the rest of the run one slot towards home */
    for (size_t j = (i + 1) & m; t->s[j].id != EMPTY && dist(t, j) > 0; j = (j + 1) & m) {
        t->s[i] = t->s[j];
        i = j;
    }
    t->s[i].id = EMPTY;
    t->used--;
    t->live--;
    return 1;
}

struct vg_ioc_index *vg_ioc_index_new(uint64_t seed0, uint64_t seed1)
{
    struct vg_ioc_index *ix = vg_xcalloc(1, sizeof(*ix));
    ix->seed0 = seed0;
    ix->seed1 = seed1;
    table_init(&ix->t[TAB_EXACT], 1024);
    table_init(&ix->t[TAB_NET], 64);
    return ix;
}

void vg_ioc_index_free(struct vg_ioc_index *ix)
{
    if (ix == NULL)
        return;
    free(ix->t[0].s);
    free(ix->t[1].s);
    free(ix);
}

/* ---- keys ---- */

static void key_of(const struct vg_ioc_index *ix, int type, int prefix, const void *v, size_t n,
                   uint64_t out[2])
{
    unsigned char buf[VG_IOC_MAX + 8];
    buf[0] = (unsigned char)type;
    buf[1] = (unsigned char)prefix;
    memcpy(buf + 2, v, n);
    vg_siphash128(buf, n + 2, ix->seed0, ix->seed1, out);
}

static void ip_key(const struct vg_ioc_index *ix, const struct vg_ip *ip, int prefix,
                   uint64_t out[2])
{
    unsigned char a[16];
    int bytes = ip->family == 4 ? 4 : 16;
    memcpy(a, ip->addr, 16);
    for (int b = 0; b < bytes; b++) {
        int keep = prefix - b * 8;
        unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
        a[b] &= mask;
    }
    /* type tag 100+family keeps IP keys apart from text keys */
    key_of(ix, 100 + ip->family, prefix, a, (size_t)bytes, out);
}

static int add_key(struct vg_ioc_query *q, const uint64_t k[2], int table, int match, int type,
                   int prefix)
{
    if (q->nkeys >= VG_IOC_QUERY_MAX_KEYS)
        return -1;
    q->keys[q->nkeys].k0 = k[0];
    q->keys[q->nkeys].k1 = k[1];
    q->keys[q->nkeys].table = (unsigned char)table;
    q->keys[q->nkeys].match = (unsigned char)match;
    q->keys[q->nkeys].type = (unsigned char)type;
    q->keys[q->nkeys].prefix = (short)prefix;
    q->nkeys++;
    return 0;
}

static void ip_query(const struct vg_ioc_index *ix, const struct vg_ip *ip, int match_base,
                     struct vg_ioc_query *q)
{
    uint64_t k[2];
    int full = ip->family == 4 ? 32 : 128;
    const size_t *counts = ip->family == 4 ? ix->net4 : ix->net6;
    if (ip->prefix == full) {
        ip_key(ix, ip, full, k);
        add_key(q, k, TAB_EXACT, match_base ? match_base : VG_IOC_MATCH_EXACT, VG_IOC_IP, full);
    }
    for (int l = ip->prefix == full ? full - 1 : ip->prefix; l >= 0; l--) {
        if (counts[l] == 0)
            continue;
        ip_key(ix, ip, l, k);
        int m = match_base ? match_base
                : l == ip->prefix ? VG_IOC_MATCH_EXACT : VG_IOC_MATCH_CIDR;
        add_key(q, k, TAB_NET, m, VG_IOC_IP, l);
    }
}

static void domain_query(const struct vg_ioc_index *ix, const char *d, size_t n, int match_base,
                         struct vg_ioc_query *q)
{
    uint64_t k[2];
    int labels = 1;
    for (size_t i = 0; i < n; i++)
        labels += d[i] == '.';
    size_t i = 0;
    for (int l = labels; l >= 1; l--) {
        /* only suffixes with as many labels as some listed domain */
        if (l < 128 && ix->dom[l] != 0) {
            key_of(ix, VG_IOC_DOMAIN, 0, d + i, n - i, k);
            int m = match_base ? match_base
                    : l == labels ? VG_IOC_MATCH_EXACT : VG_IOC_MATCH_PARENT;
            if (add_key(q, k, TAB_EXACT, m, VG_IOC_DOMAIN, l))
                return;
        }
        while (i < n && d[i] != '.')
            i++;
        i++;
    }
}

int vg_ioc_query_prepare(const struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value,
                         size_t n, struct vg_ioc_query *q, struct vg_err *err)
{
    char norm[VG_IOC_MAX + 1];
    size_t nn;
    int rc = VG_OK;
    uint64_t k[2];
    q->nkeys = 0;
    if (t == VG_IOC_NONE)
        t = vg_ioc_guess(value, n);
    q->type = t;
    if (t == VG_IOC_IP) {
        /* the fast path: no text round trip for the commonest lookup */
        struct vg_ip ip;
        while (n && (value[0] == ' ' || value[0] == '\t'))
            value++, n--;
        while (n && (value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\r' ||
                     value[n - 1] == '\n'))
            n--;
        if (vg_ip_parse(value, n, 1, &ip) != 0) {
            rc = vg_err_set(err, VG_EINVAL, "not a valid IP address: expected IPv4, IPv6 or CIDR");
            goto out;
        }
        vg__ip_unmap(&ip);
        ip_query(ix, &ip, 0, q);
        goto out;
    }
    if ((rc = vg_ioc_normalize(t, value, n, norm, sizeof(norm), &nn, err)))
        goto out;
    switch (t) {
    case VG_IOC_IP: {
        struct vg_ip ip;
        vg_ip_parse(norm, nn, 1, &ip);
        ip_query(ix, &ip, 0, q);
        break;
    }
    case VG_IOC_DOMAIN:
        domain_query(ix, norm, nn, 0, q);
        break;
    case VG_IOC_URL: {
        key_of(ix, VG_IOC_URL, 0, norm, nn, k);
        add_key(q, k, TAB_EXACT, VG_IOC_MATCH_EXACT, VG_IOC_URL, 0);
        /* the host: after "://", up to '/', ':' or '?', without userinfo */
        const char *h = strstr(norm, "://") + 3;
        const char *e = h + strcspn(h, "/?#");
        const char *at = memchr(h, '@', (size_t)(e - h));
        if (at)
            h = at + 1;
        if (*h == '[') {
            const char *rb = memchr(h, ']', (size_t)(e - h));
            struct vg_ip ip;
            if (rb && vg_ip_parse(h + 1, (size_t)(rb - h - 1), 1, &ip) == 0)
                ip_query(ix, &ip, VG_IOC_MATCH_HOST, q);
        } else {
            const char *c = memchr(h, ':', (size_t)(e - h));
            size_t hn = (size_t)((c ? c : e) - h);
            struct vg_ip ip;
            if (vg_ip_parse(h, hn, 1, &ip) == 0)
                ip_query(ix, &ip, VG_IOC_MATCH_HOST, q);
            else
                domain_query(ix, h, hn, VG_IOC_MATCH_HOST, q);
        }
        break;
    }
    default:
        key_of(ix, t, 0, norm, nn, k);
        add_key(q, k, TAB_EXACT, VG_IOC_MATCH_EXACT, t, 0);
        break;
    }
out:
    return rc;
}

size_t vg_ioc_index_lookup_query(const struct vg_ioc_index *ix, const struct vg_ioc_query *q,
                                 int64_t now, struct vg_ioc_hit *hits, size_t max)
{
    size_t found = 0;
    for (int j = 0; j < q->nkeys; j++) {
        const struct table *t = &ix->t[q->keys[j].table];
        size_t m = t->cap - 1, i = (size_t)q->keys[j].k0 & m;
        for (size_t d = 0; t->s[i].id != EMPTY && dist(t, i) >= d; i = (i + 1) & m, d++) {
            const struct slot *s = &t->s[i];
            if (s->k0 != q->keys[j].k0 || s->k1 != q->keys[j].k1 || s->valid_until <= now)
                continue;
            if (found < max) {
                hits[found].indicator_id = s->id;
                hits[found].valid_until = s->valid_until;
                hits[found].type = (enum vg_ioc_type)q->keys[j].type;
                hits[found].match = (enum vg_ioc_match)q->keys[j].match;
                hits[found].prefix = q->keys[j].prefix;
            }
            found++;
        }
    }
    return found;
}

void vg_ioc_index_lookup_batch(const struct vg_ioc_index *ix, const struct vg_ioc_query *qs,
                               size_t nq, int64_t now, uint32_t *counts)
{
    enum { W = 16 };
    for (size_t b = 0; b < nq; b += W) {
        size_t e = b + W < nq ? b + W : nq;
        /* issue every slot load of the window first, then probe */
        for (size_t i = b; i < e; i++)
            for (int j = 0; j < qs[i].nkeys; j++) {
                const struct table *t = &ix->t[qs[i].keys[j].table];
                __builtin_prefetch(&t->s[(size_t)qs[i].keys[j].k0 & (t->cap - 1)]);
            }
        for (size_t i = b; i < e; i++)
            counts[i] = (uint32_t)vg_ioc_index_lookup_query(ix, &qs[i], now, NULL, 0);
    }
}

int vg_ioc_index_lookup(const struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value,
                        size_t n, int64_t now, struct vg_ioc_hit *hits, size_t max,
                        size_t *nhits, struct vg_err *err)
{
    struct vg_ioc_query q;
    int rc = vg_ioc_query_prepare(ix, t, value, n, &q, err);
    *nhits = rc ? 0 : vg_ioc_index_lookup_query(ix, &q, now, hits, max);
    return rc;
}

/* The table and key an entry is stored under. */
/* The key of a value; one already in normal form (as stored) is taken as
 * it is: normalising an address formats it again, which cost the writer more
 * than the rest of adding an entry. */
static int entry_key(const struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value, size_t n,
                     int normal, int *table, uint64_t k[2], struct vg_ip *ipo, int *labels,
                     struct vg_err *err)
{
    char buf[VG_IOC_MAX + 1];
    const char *norm = value;
    size_t nn = n;
    if (!normal) {
        int rc = vg_ioc_normalize(t, value, n, buf, sizeof(buf), &nn, err);
        if (rc != VG_OK)
            return rc;
        norm = buf;
    }
    *table = TAB_EXACT;
    ipo->family = 0;
    if (t == VG_IOC_IP) {
        if (vg_ip_parse(norm, nn, 1, ipo) != 0)
            return vg_err_set(err, VG_EINVAL, "not an IP address or network");
        ip_key(ix, ipo, ipo->prefix, k);
        if (ipo->prefix != (ipo->family == 4 ? 32 : 128))
            *table = TAB_NET;
    } else {
        key_of(ix, t, 0, norm, nn, k);
    }
    *labels = 1;
    for (size_t i = 0; t == VG_IOC_DOMAIN && i < nn; i++)
        *labels += norm[i] == '.';
    if (*labels > 127)
        *labels = 127;
    return VG_OK;
}

/* Where value goes (entry_key) as an entry: its key, table and counts. */
static int make_entry(const struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value,
                      size_t n, int normal, struct vg_ioc_entry *e, struct vg_err *err)
{
    struct vg_ip ip;
    int rc = entry_key(ix, t, value, n, normal, &e->table, e->k, &ip, &e->labels, err);
    if (rc == VG_OK) {
        e->type = (int)t;
        e->family = ip.family;
        e->prefix = ip.family ? ip.prefix : 0;
    }
    return rc;
}

/* The count of live entries an entry belongs to (CIDRs per prefix length,
 * domains per label count), NULL for none. */
static size_t *entry_count(struct vg_ioc_index *ix, const struct vg_ioc_entry *e)
{
    if (e->table == TAB_NET)
        return e->family == 4 ? &ix->net4[e->prefix] : &ix->net6[e->prefix];
    return e->type == VG_IOC_DOMAIN ? &ix->dom[e->labels] : NULL;
}

static int index_add(struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value, size_t n,
                     int normal, int64_t indicator_id, int64_t valid_until, struct vg_err *err)
{
    struct vg_ioc_entry e;
    int rc;
    if (indicator_id < 0)
        return vg_err_set(err, VG_EINVAL, "indicator id must be >= 0");
    if ((rc = make_entry(ix, t, value, n, normal, &e, err)))
        return rc;
    vg_ioc_index_add_entry(ix, &e, indicator_id, valid_until);
    return VG_OK;
}

int vg_ioc_index_entry(const struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value,
                       size_t n, struct vg_ioc_entry *out, struct vg_err *err)
{
    return make_entry(ix, t, value, n, 1, out, err);
}

void vg_ioc_index_prefetch(const struct vg_ioc_index *ix, const struct vg_ioc_entry *e)
{
    const struct table *t = &ix->t[e->table];
    __builtin_prefetch(&t->s[(size_t)e->k[0] & (t->cap - 1)], 1);
}

static void table_reserve(struct table *t, size_t n)
{
    size_t cap = t->cap;
    if (n > SIZE_MAX / 20 - t->used)
        return; /* no such room: growth as entries arrive says so */
    while ((t->used + n) * 10 > cap * 7)
        cap *= 2;
    if (cap != t->cap)
        table_resize(t, cap);
}

void vg_ioc_index_reserve(struct vg_ioc_index *ix, size_t exact, size_t net)
{
    table_reserve(&ix->t[TAB_EXACT], exact);
    table_reserve(&ix->t[TAB_NET], net);
}

void vg_ioc_index_add_entry(struct vg_ioc_index *ix, const struct vg_ioc_entry *e,
                            int64_t indicator_id, int64_t valid_until)
{
    size_t *count;
    if (indicator_id < 0)
        return;
    if (table_add(&ix->t[e->table], e->k[0], e->k[1], indicator_id, valid_until) &&
        (count = entry_count(ix, e)) != NULL)
        (*count)++;
}

int vg_ioc_index_add(struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value, size_t n,
                     int64_t indicator_id, int64_t valid_until, struct vg_err *err)
{
    return index_add(ix, t, value, n, 0, indicator_id, valid_until, err);
}

int vg_ioc_index_add_normal(struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value,
                            size_t n, int64_t indicator_id, int64_t valid_until,
                            struct vg_err *err)
{
    return index_add(ix, t, value, n, 1, indicator_id, valid_until, err);
}

int vg_ioc_index_remove(struct vg_ioc_index *ix, enum vg_ioc_type t, const char *value,
                        size_t n, int64_t indicator_id, struct vg_err *err)
{
    struct vg_ioc_entry e;
    size_t *count;
    int rc;
    if ((rc = make_entry(ix, t, value, n, 0, &e, err)))
        return rc;
    if (!table_del(&ix->t[e.table], e.k[0], e.k[1], indicator_id))
        return vg_err_set(err, VG_ENOTFOUND, "no such indicator entry");
    if ((count = entry_count(ix, &e)) != NULL)
        (*count)--;
    return VG_OK;
}

void vg_ioc_index_stats(const struct vg_ioc_index *ix, struct vg_ioc_index_stats *st)
{
    st->entries = ix->t[0].live + ix->t[1].live;
    st->exact_capacity = ix->t[0].cap;
    st->net_capacity = ix->t[1].cap;
    st->bytes = sizeof(*ix) + (ix->t[0].cap + ix->t[1].cap) * sizeof(struct slot);
}
