/* CVSS v4.0 scoring: the MacroVector method of the v4.0 specification
 * (section 8) with the severity-distance interpolation as FIRST's reference
 * calculator (cvss-v4-calculator, cvss_score.js) performs it. The arithmetic
 * is exact (integers over a common denominator), then rounded half up to one
 * decimal; see docs/cvss.md. Not for: parsing (cvss.c). */
#include "engine/cvss/cvss_int.h"

#include <string.h>

/* MacroVector scores in tenths, transcribed from FIRST's cvss-v4-calculator
 * (cvss_lookup.js, "cvssLookup_global", 270 entries; facts of the
 * specification, not code). Index: see mv_index(); -1 = no such MacroVector
 * (EQ3=2 exists only with EQ6=1). */
static const signed char mv_score[3 * 2 * 3 * 3 * 3 * 2] = {
    /* eq1=0 eq2=0: rows eq3=0,1,2; within a row eq4, eq5, eq6 */
    100, 99, 98, 95, 95, 92, 100, 96, 93, 87, 91, 81, 93, 90, 89, 80, 81, 68,
    98, 95, 95, 92, 90, 84, 93, 92, 89, 81, 81, 65, 88, 80, 78, 70, 69, 48,
    -1, 92, -1, 82, -1, 72, -1, 79, -1, 69, -1, 50, -1, 69, -1, 55, -1, 27,
    /* eq1=0 eq2=1: rows eq3=0,1,2; within a row eq4, eq5, eq6 */
    99, 97, 95, 92, 92, 85, 95, 91, 90, 83, 84, 71, 92, 81, 82, 71, 72, 53,
    95, 93, 92, 85, 85, 73, 92, 82, 80, 72, 70, 59, 84, 70, 71, 52, 50, 30,
    -1, 86, -1, 75, -1, 52, -1, 71, -1, 52, -1, 29, -1, 63, -1, 29, -1, 17,
    /* eq1=1 eq2=0: rows eq3=0,1,2; within a row eq4, eq5, eq6 */
    98, 95, 94, 87, 91, 81, 94, 89, 86, 74, 77, 64, 87, 75, 74, 63, 63, 49,
    94, 89, 88, 77, 76, 67, 86, 76, 74, 58, 59, 50, 72, 57, 57, 52, 52, 25,
    -1, 83, -1, 70, -1, 54, -1, 65, -1, 58, -1, 26, -1, 53, -1, 21, -1, 13,
    /* eq1=1 eq2=1: rows eq3=0,1,2; within a row eq4, eq5, eq6 */
    95, 90, 88, 76, 76, 70, 90, 77, 75, 62, 61, 53, 77, 66, 68, 59, 52, 30,
    89, 78, 76, 67, 62, 58, 74, 59, 57, 57, 47, 23, 61, 52, 57, 29, 24, 16,
    -1, 71, -1, 59, -1, 30, -1, 58, -1, 26, -1, 15, -1, 23, -1, 13, -1, 6,
    /* eq1=2 eq2=0: rows eq3=0,1,2; within a row eq4, eq5, eq6 */
    93, 87, 86, 72, 75, 58, 86, 74, 74, 61, 56, 34, 70, 54, 52, 40, 40, 22,
    85, 75, 74, 55, 62, 51, 72, 57, 55, 41, 46, 19, 53, 36, 34, 19, 19, 8,
    -1, 64, -1, 51, -1, 20, -1, 47, -1, 21, -1, 11, -1, 24, -1, 9, -1, 4,
    /* eq1=2 eq2=1: rows eq3=0,1,2; within a row eq4, eq5, eq6 */
    88, 75, 73, 53, 60, 50, 73, 55, 59, 40, 41, 20, 54, 43, 45, 22, 20, 11,
    75, 55, 58, 45, 40, 21, 61, 51, 48, 18, 20, 9, 46, 18, 17, 7, 8, 2,
    -1, 53, -1, 24, -1, 14, -1, 24, -1, 12, -1, 5, -1, 10, -1, 3, -1, 1,
};

/* Effective values, one letter each, in this order. */
enum { AV, AC, AT, PR, UI, VC, VI, VA, SC, SI, SA, E, CR, IR, AR, NEFF };

/* The highest-severity vectors of each EQ level (specification section 8.2 and
 * the reference calculator's "maxComposed"), as letters for the metrics the
 * EQ covers: eq1 AV PR UI; eq2 AC AT; eq3/eq6 VC VI VA CR IR AR; eq4 SC SI SA. */
static const char *const max_eq1[3][4] = {
    {"NNN", NULL}, {"ANN", "NLN", "NNP", NULL}, {"PNN", "ALP", NULL}};
static const char *const max_eq2[2][3] = {{"LN", NULL}, {"HN", "LP", NULL}};
static const char *const max_eq36[3][2][6] = {
    {{"HHHHHH", NULL}, {"HHLMMH", "HHHMMM", NULL}},
    {{"LHHHHH", "HLHHHH", NULL}, {"LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM", NULL}},
    {{NULL}, {"LLLHHH", NULL}}};
static const char *const max_eq4[3][2] = {{"HSS", NULL}, {"HHH", NULL}, {"LLL", NULL}};

/* Depth of each MacroVector level in severity steps ("maxSeverity"). */
static const int depth_eq1[3] = {1, 4, 5};
static const int depth_eq2[2] = {1, 2};
static const int depth_eq36[3][2] = {{7, 6}, {8, 8}, {0, 10}};
static const int depth_eq4[3] = {6, 5, 4};

static int mv_index(int e1, int e2, int e3, int e4, int e5, int e6)
{
    return ((((e1 * 2 + e2) * 3 + e3) * 3 + e4) * 3 + e5) * 2 + e6;
}

static int lookup(int e1, int e2, int e3, int e4, int e5, int e6)
{
    if (e1 > 2 || e2 > 1 || e3 > 2 || e4 > 2 || e5 > 2 || e6 > 1)
        return -1;
    return mv_score[mv_index(e1, e2, e3, e4, e5, e6)];
}

/* Severity level of a value in steps of 0.1 (the calculator's *_levels). */
static int level(int metric, char v)
{
    switch (metric) {
    case AV: return v == 'N' ? 0 : v == 'A' ? 1 : v == 'L' ? 2 : 3;
    case PR: return v == 'N' ? 0 : v == 'L' ? 1 : 2;
    case UI: return v == 'N' ? 0 : v == 'P' ? 1 : 2;
    case AC: return v == 'L' ? 0 : 1;
    case AT: return v == 'N' ? 0 : 1;
    case VC: case VI: case VA: return v == 'H' ? 0 : v == 'L' ? 1 : 2;
    case SC: return v == 'H' ? 1 : v == 'L' ? 2 : 3;
    case SI: case SA: return v == 'S' ? 0 : v == 'H' ? 1 : v == 'L' ? 2 : 3;
    default: return v == 'H' ? 0 : v == 'M' ? 1 : 2; /* CR IR AR */
    }
}

/* Distance of the vector from one max vector for the metrics in idx[]. */
static int distance(const char *eff, const int *idx, const char *max, int n, int *neg)
{
    int sum = 0;
    for (int i = 0; i < n; i++) {
        int d = level(idx[i], eff[idx[i]]) - level(idx[i], max[i]);
        if (d < 0)
            *neg = 1;
        sum += d;
    }
    return sum;
}

static const int idx_eq1[] = {AV, PR, UI};
static const int idx_eq2[] = {AC, AT};
static const int idx_eq36[] = {VC, VI, VA, CR, IR, AR};
static const int idx_eq4[] = {SC, SI, SA};

/* The v4 score, in tenths, of a vector given by its effective values. */
static int score(const char *eff, char mv[8])
{
    int e1, e2, e3, e4, e5, e6, value;
    int next[5], dist[5] = {0, 0, 0, 0, 0}, depth[5];
    int found = 0, n = 0;
    long long num = 0, den;

    if (eff[AV] == 'N' && eff[PR] == 'N' && eff[UI] == 'N')
        e1 = 0;
    else if ((eff[AV] == 'N' || eff[PR] == 'N' || eff[UI] == 'N') && eff[AV] != 'P')
        e1 = 1;
    else
        e1 = 2;
    e2 = (eff[AC] == 'L' && eff[AT] == 'N') ? 0 : 1;
    if (eff[VC] == 'H' && eff[VI] == 'H')
        e3 = 0;
    else if (eff[VC] == 'H' || eff[VI] == 'H' || eff[VA] == 'H')
        e3 = 1;
    else
        e3 = 2;
    if (eff[SI] == 'S' || eff[SA] == 'S')
        e4 = 0;
    else if (eff[SC] == 'H' || eff[SI] == 'H' || eff[SA] == 'H')
        e4 = 1;
    else
        e4 = 2;
    e5 = eff[E] == 'A' ? 0 : eff[E] == 'P' ? 1 : 2;
    e6 = ((eff[CR] == 'H' && eff[VC] == 'H') || (eff[IR] == 'H' && eff[VI] == 'H') ||
          (eff[AR] == 'H' && eff[VA] == 'H'))
             ? 0
             : 1;
    mv[0] = (char)('0' + e1), mv[1] = (char)('0' + e2), mv[2] = (char)('0' + e3);
    mv[3] = (char)('0' + e4), mv[4] = (char)('0' + e5), mv[5] = (char)('0' + e6);
    mv[6] = '\0';

    /* No impact on either system: 0 whatever else. */
    if (eff[VC] == 'N' && eff[VI] == 'N' && eff[VA] == 'N' && eff[SC] == 'N' &&
        eff[SI] == 'N' && eff[SA] == 'N')
        return 0;

    value = lookup(e1, e2, e3, e4, e5, e6);
    /* The next lower MacroVector of each EQ (EQ3 and EQ6 move together). */
    next[0] = lookup(e1 + 1, e2, e3, e4, e5, e6);
    next[1] = lookup(e1, e2 + 1, e3, e4, e5, e6);
    if (e3 == 0 && e6 == 0) {
        int left = lookup(e1, e2, e3, e4, e5, e6 + 1);
        int right = lookup(e1, e2, e3 + 1, e4, e5, e6);
        next[2] = left > right ? left : right;
    } else if (e3 == 1 && e6 == 0) {
        next[2] = lookup(e1, e2, e3, e4, e5, e6 + 1);
    } else if (e3 == 2) {
        next[2] = -1; /* 21 -> 32 does not exist */
    } else {
        next[2] = lookup(e1, e2, e3 + 1, e4, e5, e6); /* 01 -> 11, 11 -> 21 */
    }
    next[3] = lookup(e1, e2, e3, e4 + 1, e5, e6);
    next[4] = lookup(e1, e2, e3, e4, e5 + 1, e6);

    /* The first max vector (in the calculator's order) the vector does not
     * exceed in any metric; its severity distances per EQ. Should none
     * qualify, the last one's distances are used, as the calculator does. */
    for (int a = 0; max_eq1[e1][a] && !found; a++)
        for (int b = 0; max_eq2[e2][b] && !found; b++)
            for (int c = 0; max_eq36[e3][e6][c] && !found; c++)
                for (int d = 0; max_eq4[e4][d] && !found; d++) {
                    int neg = 0;
                    dist[0] = distance(eff, idx_eq1, max_eq1[e1][a], 3, &neg);
                    dist[1] = distance(eff, idx_eq2, max_eq2[e2][b], 2, &neg);
                    dist[2] = distance(eff, idx_eq36, max_eq36[e3][e6][c], 6, &neg);
                    dist[3] = distance(eff, idx_eq4, max_eq4[e4][d], 3, &neg);
                    found = !neg;
                }
    depth[0] = depth_eq1[e1];
    depth[1] = depth_eq2[e2];
    depth[2] = depth_eq36[e3][e6];
    depth[3] = depth_eq4[e4];

    /* value - mean over existing lower MacroVectors of
     * (value - next) * distance / depth; EQ5 always contributes 0 but counts.
     * In units of 1/(2520 n) tenths: 2520 is divisible by every depth. */
    for (int i = 0; i < 5; i++) {
        if (next[i] < 0)
            continue;
        n++;
        if (i < 4)
            num += (long long)(value - next[i]) * dist[i] * (2520 / depth[i]);
    }
    if (n == 0)
        return value;
    den = 2520LL * n;
    num = (long long)value * den - num; /* the score in tenths, times den */
    if (num <= 0)
        return 0;
    if (num >= 100 * den)
        return 100;
    return (int)((2 * num + den) / (2 * den)); /* half up */
}

/* Effective letters: base value, replaced by its modified metric when that is
 * defined (env), E from the vector when threat is used (X means A), CR/IR/AR
 * from the vector when env is used (X means H). */
static void effective(const struct vg_cvss *c, int threat, int env, char *eff)
{
    static const int base_of[] = {V4_AV, V4_AC, V4_AT, V4_PR, V4_UI, V4_VC,
                                  V4_VI, V4_VA, V4_SC, V4_SI, V4_SA};
    static const int mod_of[] = {V4_MAV, V4_MAC, V4_MAT, V4_MPR, V4_MUI, V4_MVC,
                                 V4_MVI, V4_MVA, V4_MSC, V4_MSI, V4_MSA};
    for (int i = 0; i < 11; i++) {
        if (env && c->val[mod_of[i]])
            eff[i] = vg__cvss_value(c, mod_of[i])[0];
        else
            eff[i] = vg__cvss_value(c, base_of[i])[0];
    }
    eff[E] = threat && c->val[V4_E] ? vg__cvss_value(c, V4_E)[0] : 'A';
    eff[CR] = env && c->val[V4_CR] ? vg__cvss_value(c, V4_CR)[0] : 'H';
    eff[IR] = env && c->val[V4_IR] ? vg__cvss_value(c, V4_IR)[0] : 'H';
    eff[AR] = env && c->val[V4_AR] ? vg__cvss_value(c, V4_AR)[0] : 'H';
}

void vg__cvss_score_v4(struct vg_cvss *c)
{
    char eff[NEFF], mv[8];
    /* Base-only vectors (most of them) need one evaluation, not three. */
    effective(c, 1, 1, eff);
    c->environmental = c->score = score(eff, c->macrovector);
    c->base = c->threat = c->score;
    if (c->groups & (VG_CVSS_G_TEMPORAL | VG_CVSS_G_ENVIRONMENTAL)) {
        effective(c, 0, 0, eff);
        c->base = score(eff, mv);
        effective(c, 1, 0, eff);
        c->threat = score(eff, mv);
    }
    c->temporal = -1;
}
