/* CVSS v2.0 scoring (the v2 "Complete Guide", section 3.2, equations and
 * weights). Rounding: round_to_1_decimal, half up, evaluated float-safely.
 * Not for: parsing (cvss.c). */
#include "engine/cvss/cvss_int.h"

#include <math.h>

/* Weights, indexed like the value lists in cvss.c. */
static const double w_av[] = {0.395, 0.646, 1.0};       /* L A N */
static const double w_ac[] = {0.35, 0.61, 0.71};        /* H M L */
static const double w_au[] = {0.45, 0.56, 0.704};       /* M S N */
static const double w_imp[] = {0.0, 0.275, 0.660};      /* N P C */
static const double w_e[] = {1.0, 0.85, 0.9, 0.95, 1.0}; /* ND U POC F H */
static const double w_rl[] = {1.0, 0.87, 0.90, 0.95, 1.0}; /* ND OF TF W U */
static const double w_rc[] = {1.0, 0.90, 0.95, 1.0};    /* ND UC UR C */
static const double w_cdp[] = {0.0, 0.0, 0.1, 0.3, 0.4, 0.5}; /* ND N L LM MH H */
static const double w_td[] = {1.0, 0.0, 0.25, 0.75, 1.0};    /* ND N L M H */
static const double w_req[] = {1.0, 0.5, 1.0, 1.51};         /* ND L M H */

/* round_to_1_decimal, half up, in tenths. The product first goes to the
 * nearest 1e-5 so that binary noise cannot move a decimal tie: 9.0 * 0.95 is
 * 8.5499999... in doubles but 8.55 in the guide's arithmetic, and rounds to
 * 8.6 here (the FIRST JS calculator and NVD show 8.5 for
 * AV:N/AC:L/Au:S/C:C/I:C/A:C/E:F/RL:U/RC:C; the guide's math gives 8.6). */
static int round1(double x)
{
    long long i;
    if (!(x > 0))
        return 0;
    i = llround(x * 100000.0);
    return (int)((i + 5000) / 10000);
}

static int base_score(double impact, double exploitability)
{
    double f = impact == 0.0 ? 0.0 : 1.176;
    return round1(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f);
}

void vg__cvss_score_v2(struct vg_cvss *c)
{
    const unsigned char *v = c->val;
    double impact = 10.41 * (1 - (1 - w_imp[v[V2_C]]) * (1 - w_imp[v[V2_I]]) *
                                     (1 - w_imp[v[V2_A]]));
    double expl = 20 * w_av[v[V2_AV]] * w_ac[v[V2_AC]] * w_au[v[V2_AU]];
    double tmul = w_e[v[V2_E]] * w_rl[v[V2_RL]] * w_rc[v[V2_RC]];
    double adj_impact, at;
    int adj_base, adj_temporal;

    c->base = base_score(impact, expl);
    c->temporal = round1(c->base / 10.0 * w_e[v[V2_E]] * w_rl[v[V2_RL]] * w_rc[v[V2_RC]]);
    adj_impact = 10.41 * (1 - (1 - w_imp[v[V2_C]] * w_req[v[V2_CR]]) *
                                  (1 - w_imp[v[V2_I]] * w_req[v[V2_IR]]) *
                                  (1 - w_imp[v[V2_A]] * w_req[v[V2_AR]]));
    if (adj_impact > 10.0)
        adj_impact = 10.0;
    adj_base = base_score(adj_impact, expl);
    adj_temporal = round1(adj_base / 10.0 * tmul);
    at = adj_temporal / 10.0;
    c->environmental = round1((at + (10 - at) * w_cdp[v[V2_CDP]]) * w_td[v[V2_TD]]);
    c->score = (c->groups & VG_CVSS_G_ENVIRONMENTAL) ? c->environmental
               : (c->groups & VG_CVSS_G_TEMPORAL)    ? c->temporal
                                                     : c->base;
}
