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
#include "core/jscan.h"
#include "core/json.h"
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
    json_t *j;
    t0 = now_s();
    if (vg_json_parse(doc, len, &j, &err) != VG_OK) {
        fprintf(stderr, "json: %s\n", err.msg);
        exit(1);
    }
    t1 = now_s();
    json_decref(j);
    printf("JSON alone (jansson, strict; not on the ingest path): %.2f s CPU, "
           "%.0f objects/s per core\n",
           t1 - t0, (double)n / (t1 - t0));
    {
        struct vg_arena *ja = vg_arena_new(1 << 20);
        const struct vg_jval *jv;
        t0 = now_s();
        if (vg_jscan_parse(doc, len, ja, NULL, &jv, NULL, &err) != VG_OK) {
            fprintf(stderr, "jscan: %s\n", err.msg);
            exit(1);
        }
        t1 = now_s();
        vg_arena_free(ja);
        printf("JSON alone (jscan, strict; the STIX reader's): %.2f s CPU, "
               "%.0f objects/s per core\n",
               t1 - t0, (double)n / (t1 - t0));
    }
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
    /* Fresh random queries in batches of B (cold caches: 10M entries are
     * ~570 MB): half listed values, half unlisted (values past m); some
     * domains asked as subdomains, some /24 entries asked as an address
     * inside. Timed separately: preparing (normalise + digest) and probing,
     * one by one and batched (memory loads overlapped). */
    enum { B = 4096 };
    struct vg_ioc_query *qs = malloc(sizeof(*qs) * B);
    uint32_t *counts = malloc(sizeof(*counts) * B);
    static char raw[B][256];
    static enum vg_ioc_type rt[B];
    struct vg_ioc_hit h[8];
    double t_prep = 0, t_single = 0, t_batch = 0;
    size_t total = 0, hits = 0, hits_b = 0;
    for (int round = 0; round < 256; round++) {
        for (int i = 0; i < B; i++) {
            uint64_t r = rnd();
            uint64_t k = (r >> 2) % m;
            if (r & 1)
                k += m;
            rt[i] = value_of(k, raw[i], sizeof(raw[i]));
            if (rt[i] == VG_IOC_DOMAIN && (r & 2)) {
                char tmp[300];
                snprintf(tmp, sizeof(tmp), "www.%.250s", raw[i]);
                memcpy(raw[i], tmp, 256);
            }
            char *sl = strstr(raw[i], ".0/24");
            if (rt[i] == VG_IOC_IP && sl)
                memcpy(sl, ".9", 3);
        }
        t0 = now_s();
        for (int i = 0; i < B; i++)
            if (vg_ioc_query_prepare(ix, rt[i], raw[i], strlen(raw[i]), &qs[i], NULL) != VG_OK) {
                fprintf(stderr, "prepare failed: %s\n", raw[i]);
                exit(1);
            }
        t1 = now_s();
        t_prep += t1 - t0;
        /* alternate which probing runs first so neither gets the warm cache */
        for (int pass = 0; pass < 2; pass++) {
            if ((pass ^ round) & 1) {
                t0 = now_s();
                for (int i = 0; i < B; i++)
                    hits += vg_ioc_index_lookup_query(ix, &qs[i], 0, h, 8) != 0;
                t_single += now_s() - t0;
            } else {
                t0 = now_s();
                vg_ioc_index_lookup_batch(ix, qs, B, 0, counts);
                t_batch += now_s() - t0;
                for (int i = 0; i < B; i++)
                    hits_b += counts[i] != 0;
            }
        }
        total += B;
    }
    if (hits != hits_b) {
        fprintf(stderr, "batch and single lookups disagree: %zu vs %zu\n", hits_b, hits);
        exit(1);
    }
    printf("lookup, %zu random values over %zu indicators (%.0f%% hit), per core:\n", total, m,
           100.0 * (double)hits / (double)total);
    printf("  probe, batched with prefetch: %.2f M lookups/s (target >= 5M/s)\n",
           (double)total / t_batch / 1e6);
    printf("  probe, one at a time:         %.2f M lookups/s\n", (double)total / t_single / 1e6);
    printf("  normalise + digest (prepare): %.2f M values/s\n", (double)total / t_prep / 1e6);
    printf("  end to end (prepare + batched probe): %.2f M lookups/s\n",
           (double)total / (t_prep + t_batch) / 1e6);
    free(qs);
    free(counts);
    vg_ioc_index_free(ix);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    size_t m = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000000;
    const char *peer = argc > 3 ? argv[3] : NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (n)
        bench_bundle(n, peer);
    if (m)
        bench_index(m);
    return 0;
}
