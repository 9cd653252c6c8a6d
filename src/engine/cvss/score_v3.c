/* CVSS v3.0 and v3.1 scoring (specification documents, section 7: base,
 * temporal and environmental equations and the weights of 7.4).
 * Rounding: Roundup, evaluated with v3.1's floating-point-safe definition
 * (Appendix A) for both versions; see docs/cvss.md. Not for: parsing. */
#include "engine/cvss/cvss_int.h"

#include <math.h>

static const double w_av[] = {0.85, 0.62, 0.55, 0.2};       /* N A L P */
static const double w_ac[] = {0.77, 0.44};                  /* L H */
static const double w_pr_u[] = {0.85, 0.62, 0.27};          /* N L H, scope unchanged */
static const double w_pr_c[] = {0.85, 0.68, 0.5};           /* N L H, scope changed */
static const double w_ui[] = {0.85, 0.62};                  /* N R */
static const double w_cia[] = {0.56, 0.22, 0.0};            /* H L N */
static const double w_e[] = {1.0, 0.91, 0.94, 0.97, 1.0};   /* X U P F H */
static const double w_rl[] = {1.0, 0.95, 0.96, 0.97, 1.0};  /* X O T W U */
static const double w_rc[] = {1.0, 0.92, 0.96, 1.0};        /* X U R C */
static const double w_req[] = {1.0, 0.5, 1.0, 1.5};         /* X L M H */

/* Roundup in tenths: the smallest one-decimal number >= x. v3.1 Appendix A
 * defines it on the input first rounded to 1e-5, which removes binary noise
 * (4.000000000000001 must give 4.0, not 4.1). v3.0 defines Roundup as the
 * plain ceiling; in exact arithmetic the two are the same function, so vigil
 * uses the float-safe one for both and gets the specification's numbers. */
static int roundup(double x)
{
    long long i;
    if (!(x > 0))
        return 0;
    i = llround(x * 100000.0);
    if (i % 10000 == 0)
        return (int)(i / 10000);
    return (int)(i / 10000 + 1);
}

/* Metric value (index) with the modified metric replacing it when defined.
 * Modified lists start with X and otherwise share the base order shifted by
 * one, except MC/MI/MA whose order is X N L H against the base's H L N. */
static int mod(const unsigned char *v, int base, int modified)
{
    return v[modified] ? v[modified] - 1 : v[base];
}

static int mod_cia(const unsigned char *v, int base, int modified)
{
    static const unsigned char from_mod[] = {0, 2, 1, 0}; /* X N L H -> H L N index */
    return v[modified] ? from_mod[v[modified]] : v[base];
}

void vg__cvss_score_v3(struct vg_cvss *c)
{
    const unsigned char *v = c->val;
    int v31 = c->version == VG_CVSS_V3_1;
    int changed = v[V3_S] == 1;
    double iss, impact, expl, tmul;
    double miss, mimpact, mexpl;
    int mchanged, mc, mi, ma, mpr;

    iss = 1 - (1 - w_cia[v[V3_C]]) * (1 - w_cia[v[V3_I]]) * (1 - w_cia[v[V3_A]]);
    if (changed)
        impact = 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15);
    else
        impact = 6.42 * iss;
    expl = 8.22 * w_av[v[V3_AV]] * w_ac[v[V3_AC]] *
           (changed ? w_pr_c : w_pr_u)[v[V3_PR]] * w_ui[v[V3_UI]];
    if (impact <= 0)
        c->base = 0;
    else if (changed)
        c->base = roundup(fmin(1.08 * (impact + expl), 10));
    else
        c->base = roundup(fmin(impact + expl, 10));

    tmul = w_e[v[V3_E]] * w_rl[v[V3_RL]] * w_rc[v[V3_RC]];
    c->temporal = roundup(c->base / 10.0 * tmul);

    mchanged = v[V3_MS] ? v[V3_MS] == 2 : changed;
    mc = mod_cia(v, V3_C, V3_MC);
    mi = mod_cia(v, V3_I, V3_MI);
    ma = mod_cia(v, V3_A, V3_MA);
    mpr = mod(v, V3_PR, V3_MPR);
    miss = fmin(1 - (1 - w_req[v[V3_CR]] * w_cia[mc]) * (1 - w_req[v[V3_IR]] * w_cia[mi]) *
                        (1 - w_req[v[V3_AR]] * w_cia[ma]),
                0.915);
    if (!mchanged)
        mimpact = 6.42 * miss;
    else if (v31)
        mimpact = 7.52 * (miss - 0.029) - 3.25 * pow(miss * 0.9731 - 0.02, 13);
    else
        mimpact = 7.52 * (miss - 0.029) - 3.25 * pow(miss - 0.02, 15);
    mexpl = 8.22 * w_av[mod(v, V3_AV, V3_MAV)] * w_ac[mod(v, V3_AC, V3_MAC)] *
            (mchanged ? w_pr_c : w_pr_u)[mpr] * w_ui[mod(v, V3_UI, V3_MUI)];
    if (mimpact <= 0)
        c->environmental = 0;
    else if (mchanged)
        c->environmental = roundup(roundup(fmin(1.08 * (mimpact + mexpl), 10)) / 10.0 * tmul);
    else
        c->environmental = roundup(roundup(fmin(mimpact + mexpl, 10)) / 10.0 * tmul);

    c->score = (c->groups & VG_CVSS_G_ENVIRONMENTAL) ? c->environmental
               : (c->groups & VG_CVSS_G_TEMPORAL)    ? c->temporal
                                                     : c->base;
}
