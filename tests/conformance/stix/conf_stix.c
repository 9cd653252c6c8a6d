/* Conformance of engine/stix against external data: every example of
 * testdata/stix2-json-schemas/examples and the ATT&CK ICS bundle parse and
 * validate; every indicator pattern in them parses; their observables load
 * into the lookup index and are found. The interop/ and schemas/ folders are
 * JSON Schemas, not STIX content (SOURCE.md), and are not inputs here.
 * Not for: hand-written error cases (tests/unit/stix). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "engine/stix/ioc_index.h"
#include "engine/stix/pattern.h"
#include "engine/stix/stix.h"
#include "engine/stix/tlp.h"
#include "../testdata.h"

static const char *datadir;

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)sz + 1);
    *n = fread(b, 1, (size_t)sz, f);
    b[*n] = '\0';
    fclose(f);
    return b;
}

struct tally {
    int files, objects, invalid, patterns, pattern_fail, observables, lookups_hit;
};

static struct vg_ioc_index *ix;
static int64_t next_id = 1;

static void check_file(const char *path, struct tally *t)
{
    size_t n;
    char *buf = slurp(path, &n);
    assert_non_null(buf);
    struct vg_arena *a = vg_arena_new(0);
    struct vg_stix_bundle b;
    struct vg_err err = {0};
    int rc = vg_stix_parse_bundle(buf, n, VG_STIX_KEEP_INVALID, a, &b, &err);
    if (rc != VG_OK)
        fprintf(stderr, "FAIL %s: %s\n", path, err.msg);
    assert_int_equal(rc, VG_OK);
    t->files++;
    for (size_t i = 0; i < b.n; i++) {
        struct vg_stix_object *o = &b.objects[i];
        t->objects++;
        if (o->rc != VG_OK) {
            t->invalid++;
            fprintf(stderr, "INVALID %s objects[%zu] (%s): %s\n", path, i, o->id, o->error);
            continue;
        }
        if (o->pattern == NULL || strcmp(o->pattern_type, "stix") != 0)
            continue;
        struct vg_pat_node *root;
        t->patterns++;
        if (vg_stix_pattern_parse(o->pattern, strlen(o->pattern), a, NULL, &root, &err)) {
            t->pattern_fail++;
            fprintf(stderr, "PATTERN %s: %s\n", o->pattern, err.msg);
            vg_err_clear(&err);
            continue;
        }
        /* the canonical text parses back to the same text */
        char *f1 = vg_stix_pattern_format(root, a);
        struct vg_pat_node *r2;
        assert_int_equal(vg_stix_pattern_parse(f1, strlen(f1), a, NULL, &r2, &err), VG_OK);
        assert_string_equal(f1, vg_stix_pattern_format(r2, a));
        struct vg_pat_observable *obs;
        size_t nobs, skipped;
        assert_int_equal(vg_stix_pattern_observables(root, a, &obs, &nobs, &skipped, &err), VG_OK);
        for (size_t k = 0; k < nobs; k++) {
            int64_t id = next_id++;
            assert_int_equal(vg_ioc_index_add(ix, obs[k].type, obs[k].value,
                                              strlen(obs[k].value), id, VG_IOC_FOREVER, &err),
                             VG_OK);
            struct vg_ioc_hit hits[8];
            size_t nh;
            assert_int_equal(vg_ioc_index_lookup(ix, obs[k].type, obs[k].value,
                                                 strlen(obs[k].value), 0, hits, 8, &nh, &err),
                             VG_OK);
            int seen = 0;
            for (size_t h = 0; h < nh && h < 8; h++)
                seen |= hits[h].indicator_id == id;
            assert_true(seen);
            t->observables++;
            t->lookups_hit++;
        }
    }
    vg_arena_free(a);
    free(buf);
}

static void t_examples(void **state)
{
    (void)state;
    char dir[1024], path[1400];
    struct tally t = {0};
    const char *subs[] = {"examples", "examples/threat-reports"};
    ix = vg_ioc_index_new(1, 2);
    for (size_t s = 0; s < 2; s++) {
        snprintf(dir, sizeof(dir), "%s/stix2-json-schemas/%s", datadir, subs[s]);
        DIR *d = opendir(dir);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t l = strlen(e->d_name);
            if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            check_file(path, &t);
        }
        closedir(d);
    }
    printf("stix2-json-schemas examples: %d files, %d objects, %d valid, %d invalid; "
           "%d stix patterns, %d parsed; %d observables indexed and found\n",
           t.files, t.objects, t.objects - t.invalid, t.invalid, t.patterns,
           t.patterns - t.pattern_fail, t.observables);
    assert_int_equal(t.files, 8);
    assert_int_equal(t.invalid, 0);
    assert_int_equal(t.pattern_fail, 0);
    assert_true(t.patterns >= 40);
    vg_ioc_index_free(ix);
}

static void t_attack(void **state)
{
    (void)state;
    char path[1200];
    struct tally t = {0};
    ix = vg_ioc_index_new(1, 2);
    snprintf(path, sizeof(path), "%s/mitre-attack/ics-attack-18.1.json", datadir);
    check_file(path, &t);
    printf("ATT&CK ICS 18.1: %d objects, %d valid, %d invalid\n", t.objects,
           t.objects - t.invalid, t.invalid);
    assert_int_equal(t.objects, 1826);
    assert_int_equal(t.invalid, 0);
    vg_ioc_index_free(ix);
}

/* The single interop example is object-marked TLP:RED (1.0 id). */
static void t_interop_marking(void **state)
{
    (void)state;
    char path[1200];
    size_t n;
    snprintf(path, sizeof(path), "%s/stix2-json-schemas/examples/interop-objectmarking-test.json",
             datadir);
    char *buf = slurp(path, &n);
    assert_non_null(buf);
    struct vg_arena *a = vg_arena_new(0);
    struct vg_stix_bundle b;
    assert_int_equal(vg_stix_parse_bundle(buf, n, 0, a, &b, NULL), VG_OK);
    assert_null(b.id);
    assert_int_equal(b.n, 1);
    enum vg_tlp tl;
    assert_int_equal(vg_tlp_of_object(b.objects[0].json, &tl), 1);
    assert_int_equal(tl, VG_TLP_RED);
    vg_arena_free(a);
    free(buf);
}

int main(void)
{
    datadir = vg_testdata("mitre-attack/ics-attack-18.1.json");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_examples),
        cmocka_unit_test(t_attack),
        cmocka_unit_test(t_interop_marking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
