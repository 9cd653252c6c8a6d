/* bench/ioc: (a) a generated STIX 2.1 bundle of N indicators parsed and
 * validated in process (objects/s), observables extracted; (b) M indicators
 * loaded into the lookup index: lookups/s on one core and memory per
 * indicator. Usage: bench_ioc [N_BUNDLE] [M_INDEX] [PEER_BUNDLE_OUT]
 * The peer bundle (the first 20,000 objects) is written for the python
 * stix2 comparison run by run.sh. Not a test: no assertions on time. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "engine/stix/ioc_index.h"
#include "engine/stix/pattern.h"
#include "engine/stix/stix.h"

/* Rates are per CPU second of this process (the bench box is shared, so
 * wall time would measure the neighbours); the wall time is printed too. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* The i-th synthetic value: a deterministic mix of the indicator classes. */
static enum vg_ioc_type value_of(uint64_t i, char *out, size_t cap)
{
    uint64_t h = i * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 31;
    switch (i % 20) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
        snprintf(out, cap, "%u.%u.%u.%u", (unsigned)(h >> 24) & 255, (unsigned)(h >> 16) & 255,
                 (unsigned)(h >> 8) & 255, (unsigned)h & 255);
        return VG_IOC_IP;
    case 8:
        snprintf(out, cap, "%u.%u.%u.0/24", (unsigned)(h >> 24) & 255, (unsigned)(h >> 16) & 255,
                 (unsigned)(h >> 8) & 255);
        return VG_IOC_IP;
    case 9:
        snprintf(out, cap, "2001:db8:%x:%x::%x", (unsigned)(h >> 48) & 0xffff,
                 (unsigned)(h >> 32) & 0xffff, (unsigned)h & 0xffff);
        return VG_IOC_IP;
    case 10: case 11: case 12: case 13: case 14:
        snprintf(out, cap, "h%" PRIx64 ".evil%u.example", h >> 20, (unsigned)(h & 1023));
        return VG_IOC_DOMAIN;
    case 15: case 16: case 17:
        snprintf(out, cap, "http://s%" PRIx64 ".phish.test/login/%u.php", h >> 24,
                 (unsigned)(h & 0xffff));
        return VG_IOC_URL;
    default:
        snprintf(out, cap, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, h,
                 h * 31, h * 131, h * 1313);
        return VG_IOC_SHA256;
    }
}

static const char *pattern_path(enum vg_ioc_type t, const char *v)
{
    switch (t) {
    case VG_IOC_IP: return strchr(v, ':') ? "ipv6-addr:value" : "ipv4-addr:value";
    case VG_IOC_DOMAIN: return "domain-name:value";
    case VG_IOC_URL: return "url:value";
    default: return "file:hashes.'SHA-256'";
    }
}

static char *make_bundle(size_t n, size_t *len)
{
    struct vg_buf b = {0};
    char v[256];
    vg_buf_puts(&b, "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\","
                    "\"objects\":[\n");
    vg_buf_puts(&b, "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"identity--"
                    "f431f809-377b-45e0-aa1c-6a4751cae5ff\",\"created\":\"2024-01-01T00:00:00.000Z\","
                    "\"modified\":\"2024-01-01T00:00:00.000Z\",\"name\":\"Unit 7 monitoring\","
                    "\"identity_class\":\"organization\"}");
    for (size_t i = 0; i + 1 < n; i++) {
        enum vg_ioc_type t = value_of(i, v, sizeof(v));
        vg_buf_printf(&b,
                      ",\n{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--"
                      "%08zx-%04x-4%03x-8%03x-%012zx\",\"created\":\"2024-03-0%zuT10:00:00.%03zuZ\","
                      "\"modified\":\"2024-03-0%zuT10:00:00.%03zuZ\",\"created_by_ref\":\"identity--"
                      "f431f809-377b-45e0-aa1c-6a4751cae5ff\",\"name\":\"%s %zu\","
                      "\"indicator_types\":[\"malicious-activity\"],\"pattern\":\"[%s = '%s']\","
                      "\"pattern_type\":\"stix\",\"valid_from\":\"2024-03-01T00:00:00Z\","
                      "\"valid_until\":\"2026-03-01T00:00:00Z\",\"confidence\":%zu,\"labels\":[\"%s\"],"
                      "\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-"
                      "dfca5abac2bb\"]}",
                      i, (unsigned)(i & 0xffff), (unsigned)(i % 4096), (unsigned)(i % 4095), i * 7,
                      1 + i % 9, i % 1000, 1 + i % 9, i % 1000, vg_ioc_type_name(t), i,
                      pattern_path(t, v), v, 50 + i % 50,
                      t == VG_IOC_URL ? "phishing" : t == VG_IOC_IP ? "c2" : "botnet");
    }
    vg_buf_puts(&b, "\n]}\n");
    return vg_buf_steal(&b, len);
}

static void bench_bundle(size_t n, const char *peer_out)
{
    size_t len;
    double t0 = now_s();
    char *doc = make_bundle(n, &len);
    double t1 = now_s();
    printf("bundle: %zu objects, %.1f MB generated in %.2f s\n", n, (double)len / 1e6, t1 - t0);
    if (peer_out) {
        size_t plen;
        char *p = make_bundle(n < 20000 ? n : 20000, &plen);
        FILE *f = fopen(peer_out, "wb");
        if (f) {
            fwrite(p, 1, plen, f);
            fclose(f);
        }
        free(p);
    }
    struct vg_arena *a = vg_arena_new(1 << 20);
    struct vg_stix_bundle b;
    struct vg_err err = {0};
    double w0 = wall_s();
    t0 = now_s();
    int rc = vg_stix_parse_bundle(doc, len, 0, a, &b, &err);
    t1 = now_s();
    double w1 = wall_s();
    if (rc) {
        fprintf(stderr, "parse failed: %s\n", err.msg);
        exit(1);
    }
    printf("parse+validate (JSON, every object, every pattern): %.2f s CPU (%.2f s wall), "
           "%.0f objects/s per core (target >= 200000)\n",
           t1 - t0, w1 - w0, (double)b.n / (t1 - t0));
    size_t nobs = 0;
    struct vg_arena *pa = vg_arena_new(0);
    t0 = now_s();
    for (size_t i = 0; i < b.n; i++) {
        struct vg_stix_object *o = &b.objects[i];
        if (!o->pattern)
            continue;
        struct vg_pat_node *r;
        struct vg_pat_observable *obs;
        size_t k;
        if (vg_stix_pattern_parse(o->pattern, strlen(o->pattern), pa, NULL, &r, NULL) == VG_OK &&
            vg_stix_pattern_observables(r, pa, &obs, &k, NULL, NULL) == VG_OK)
            nobs += k;
        if (i % 1024 == 0)
            vg_arena_reset(pa);
    }
    t1 = now_s();
    printf("observable extraction + normalisation: %zu observables, %.0f indicators/s\n", nobs,
           (double)b.n / (t1 - t0));
    vg_arena_free(pa);
    vg_arena_free(a);
    free(doc);
}

#define NQ (1 << 20)

static void bench_index(size_t m)
{
    struct vg_ioc_index *ix = vg_ioc_index_new(0x0123456789abcdefULL, 0xfedcba9876543210ULL);
    char v[256];
    double t0 = now_s();
    for (size_t i = 0; i < m; i++) {
        enum vg_ioc_type t = value_of(i, v, sizeof(v));
        if (vg_ioc_index_add(ix, t, v, strlen(v), (int64_t)i, VG_IOC_FOREVER, NULL) != VG_OK) {
            fprintf(stderr, "add failed: %s\n", v);
            exit(1);
        }
    }
    double t1 = now_s();
    struct vg_ioc_index_stats st;
    vg_ioc_index_stats(ix, &st);
    printf("index: %zu indicators loaded in %.1f s (%.0f adds/s); %.1f MB, %.1f bytes/indicator\n",
           st.entries, t1 - t0, (double)m / (t1 - t0), (double)st.bytes / 1e6,
           (double)st.bytes / (double)st.entries);
    /* queries: half listed values, half unlisted (values past m), plus
     * subdomains of listed domains and addresses inside listed /24s */
    struct vg_ioc_query *qs = malloc(sizeof(*qs) * 4096);
    static char raw[4096][256];
    static enum vg_ioc_type rt[4096];
    for (int i = 0; i < 4096; i++) {
        uint64_t r = rnd();
        uint64_t k = (r >> 1) % m;
        if (r & 1)
            k += m;
        rt[i] = value_of(k, raw[i], sizeof(raw[i]));
        if (rt[i] == VG_IOC_DOMAIN && (r & 2)) {
            char tmp[256];
            snprintf(tmp, sizeof(tmp), "www.%s", raw[i]);
            memcpy(raw[i], tmp, sizeof(tmp));
        }
        if (rt[i] == VG_IOC_IP && strstr(raw[i], "/24")) {
            *strstr(raw[i], "/24") = '\0';
            raw[i][strlen(raw[i]) - 1] = '9';
        }
        if (vg_ioc_query_prepare(ix, rt[i], raw[i], strlen(raw[i]), &qs[i], NULL) != VG_OK) {
            fprintf(stderr, "prepare failed: %s\n", raw[i]);
            exit(1);
        }
    }
    struct vg_ioc_hit h[8];
    size_t hits = 0;
    t0 = now_s();
    for (size_t i = 0; i < NQ * 4; i++)
        hits += vg_ioc_index_lookup_query(ix, &qs[i & 4095], 0, h, 8) != 0;
    t1 = now_s();
    printf("lookup (prepared digests): %.2f M lookups/s on one core, %.0f%% hits "
           "(target >= 5M/s)\n",
           (double)NQ * 4 / (t1 - t0) / 1e6, 100.0 * (double)hits / (NQ * 4));
    /* the same with fresh random values each time (cache-cold), including
     * normalisation and hashing of the raw text */
    hits = 0;
    size_t nn;
    t0 = now_s();
    for (size_t i = 0; i < NQ; i++) {
        uint64_t r = rnd();
        uint64_t k = (r >> 1) % m;
        if (r & 1)
            k += m;
        enum vg_ioc_type t = value_of(k, v, sizeof(v));
        vg_ioc_index_lookup(ix, t, v, strlen(v), 0, h, 8, &nn, NULL);
        hits += nn != 0;
    }
    t1 = now_s();
    printf("lookup (raw text, normalised, random over %zu): %.2f M lookups/s on one core, "
           "%.0f%% hits\n",
           m, (double)NQ / (t1 - t0) / 1e6, 100.0 * (double)hits / NQ);
    /* IPv4 only, random addresses (the common batch-lookup case) */
    hits = 0;
    t0 = now_s();
    for (size_t i = 0; i < NQ; i++) {
        uint64_t r = rnd();
        uint64_t k = ((r >> 8) % (m / 20)) * 20 + (r & 7); /* a listed /32 */
        if (r & 0x80)
            k += m;
        value_of(k, v, sizeof(v));
        vg_ioc_index_lookup(ix, VG_IOC_IP, v, strlen(v), 0, h, 8, &nn, NULL);
        hits += nn != 0;
    }
    t1 = now_s();
    printf("lookup IPv4 (raw text, random): %.2f M lookups/s on one core, %.0f%% hits\n",
           (double)NQ / (t1 - t0) / 1e6, 100.0 * (double)hits / NQ);
    free(qs);
    vg_ioc_index_free(ix);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    size_t m = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000000;
    const char *peer = argc > 3 ? argv[3] : NULL;
    if (n)
        bench_bundle(n, peer);
    if (m)
        bench_index(m);
    return 0;
}
