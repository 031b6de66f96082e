/* Experiments `bo-channel` and `bo-width`: the scalar channel of family 9 and the BO error /
 * effective width versus the sample ratio alpha = n/d^2. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/bo.h"
#include "phaselab/experiment.h"
#include "bo_exp.h"

/* ---------------------------------------------------------------- shared helpers */

pl_status pl_bo_exp_channel(const pl_bo_act_type *act, size_t order, pl_bo_channel *ch)
{
    pl_bo_channel_opts o = pl_bo_channel_default_opts();
    o.order = order;
    o.adaptive = act->smooth ? -1 : 1;
    return pl_bo_channel_init(ch, act->f, NULL, &o);
}

size_t pl_bo_exp_n(double alpha, size_t d)
{
    /* n = int(alpha d^2) as in the reference code (the tiny offset absorbs rounding) */
    return (size_t)floor(alpha * (double)d * (double)d + 1e-7);
}

/* ---------------------------------------------------------------- bo-channel */

typedef struct {
    const pl_bo_act_type *act;
    long order, lmin;
    double tail_tol, l;
} ch_point;
typedef struct {
    double l_e, l_s, m_e_jump, m_s_jump, g1, tail, m_e, m_fixed, dphi;
} ch_result;

static const pl_param_spec ch_params[] = {
    {PL_P_PTABLE(ch_point, act, pl_bo_act_types, 0,
                 "activation (tanh2-nolin = tanh(2x) - 0.729478 x, the paper's)")},
    {PL_P_INT(ch_point, order, 170, 2, 170,
              "Hermite order L of the kernel g(q) = sum_{lmin<=l<=L} mu_l^2 q^l / l!")},
    {PL_P_INT(ch_point, lmin, 2, 0, 3,
              "first Hermite order kept (2 removes the constant and linear parts)")},
    {PL_P_REAL(ch_point, tail_tol, 1e-6, 0, 1,
               "relative series tail above which the order is reported as not converged")},
    {PL_P_REAL(ch_point, l, 20, 0, 1e12,
               "SNR at which m_e(l) and the largest fixed point are evaluated")},
};
static const pl_metric_spec ch_metrics[] = {
    PL_METRIC(ch_result, l_e, "SNR of the first-order transition (phi of the top branch "
                              "crosses phi(0))"),
    PL_METRIC(ch_result, l_s, "spinodal SNR min_q q/((1-q) g'(q))"),
    PL_METRIC(ch_result, m_e_jump, "overlap jump at l_e"),
    PL_METRIC(ch_result, m_s_jump, "overlap at the spinodal"),
    PL_METRIC(ch_result, g1, "g(1) = sum_{l>=lmin} mu_l^2/l!"),
    PL_METRIC(ch_result, tail, "relative Hermite tail beyond the order"),
    PL_METRIC(ch_result, m_e, "equilibrium overlap m_e(l)"),
    PL_METRIC(ch_result, m_fixed, "largest fixed point at l"),
    PL_METRIC(ch_result, dphi, "phi_l(m_fixed) - phi_l(0)"),
};

static pl_status ch_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const ch_point *p = pt;
    ch_result r;
    pl_result_clear(e, &r);
    pl_bo_channel_opts o = pl_bo_channel_default_opts();
    o.order = (size_t)p->order;
    o.lmin = (size_t)p->lmin;
    o.tail_tol = p->tail_tol;
    o.adaptive = p->act->smooth ? -1 : 1;
    pl_bo_channel ch;
    pl_status st = pl_bo_channel_init(&ch, p->act->f, NULL, &o);
    if (st == PL_ENOMEM) return st;
    if (st == PL_OK || st == PL_ENOCONV) {
        r.l_e = ch.l_e;
        r.l_s = ch.l_s;
        r.m_e_jump = ch.m_jump;
        r.m_s_jump = ch.m_s;
        r.g1 = ch.g1;
        r.tail = ch.tail_rel;
        r.m_e = pl_bo_m_e(&ch, p->l);
        r.m_fixed = pl_bo_m_fixed(&ch, p->l);
        r.dphi = pl_bo_phi(&ch, p->l, r.m_fixed) - pl_bo_phi(&ch, p->l, 0.0);
    }
    pl_record *rec = pl_emit(em, "theory", &r);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK && st != PL_ENOCONV) {
        pl_record_fail(rec, st, "%s", ch.message);
    } else if (st == PL_ENOCONV) {
        rec->status = PL_REC_NOT_CONVERGED;
        snprintf(rec->message, sizeof rec->message, "%s (act %s)", ch.message, p->act->name);
    } else if (ch.message[0]) {
        snprintf(rec->message, sizeof rec->message, "%s", ch.message);
    }
    return PL_OK;
}

const pl_experiment pl_exp_bo_channel = {
    .name = "bo-channel",
    .summary = "Scalar channel of BO extensive-width networks: thresholds l_e, l_s, overlap "
               "jumps, g(1), m_e(l)",
    .description =
        "One feature seen at SNR l: free entropy phi_l(q) = l g(q) + q + ln(1-q) with the "
        "activation kernel g(q) = sum_{l>=lmin} mu_l^2 q^l/l! (Hermite coefficients mu_l). "
        "Fixed points q = r/(1+r), r = l g'(q); m_fixed = the largest (the iteration from "
        "q = 1), m_e = m_fixed if phi_l(m_fixed) > phi_l(0) and m_fixed >= 1e-8, else 0. "
        "l_s = min_q q/((1-q) g'(q)) (spinodal; m_s_jump = argmin), l_e = the SNR where "
        "phi of the top branch crosses phi(0) (m_e_jump = the overlap there). tail = "
        "(E sigma^2 - sum_{l<=L}) / E sigma^2 (restricted to l >= lmin); a record is "
        "not_converged when tail > tail_tol. dphi = phi_l(m_fixed) - phi_l(0).",
    .params = ch_params,
    .n_params = sizeof ch_params / sizeof ch_params[0],
    .point_size = sizeof(ch_point),
    .metric_map = ch_metrics,
    .n_metrics = sizeof ch_metrics / sizeof ch_metrics[0],
    .result_size = sizeof(ch_result),
    .default_sweep = "l=10:40:0.5",
    .default_seeds = 1,
    .plot_x = "l",
    .plot_y = "m_e,m_fixed",
    .solve = ch_solve,
};

/* ---------------------------------------------------------------- bo-width */

typedef struct {
    long d, k;
    double delta, beta, alpha;
    int profile;
    const pl_bo_act_type *act;
    double tau;
    int form;
    long order, guides, scan;
} w_point;
typedef struct {
    double eps_bo, k_c, eps_one_shot, delta_eff, kc_d_over_n, ratio, guide_fl, guide_ref,
        slope_local, slope_law, pinned, regime, n_stable, free_entropy;
} w_result;

static const pl_param_spec w_params[] = {
    {PL_P_INT(w_point, d, 200, 1, 1e9, "input dimension")},
    {PL_P_INT(w_point, k, 100, 1, 1e8, "teacher width k = gamma d")},
    {PL_P_REAL(w_point, delta, 0.01, 0, 1e6, "label noise variance"), .lo_open = 1},
    {PL_P_REAL(w_point, beta, 1.0, 0, 100, "power-law exponent of the readout, v_i ∝ i^-beta")},
    {PL_P_REAL(w_point, alpha, 2.0, 0, 1e9, "n / d^2"), .lo_open = 1},
    {PL_P_CHOICE(w_point, profile, PL_BO_POWER, "power|dense|exp",
                 "readout profile: i^-beta, linspace(2.5, 1, k), e^{-(i-1)/tau}")},
    {PL_P_PTABLE(w_point, act, pl_bo_act_types, 0,
                 "activation (the kernel always drops the constant and linear Hermite parts)")},
    {PL_P_REAL(w_point, tau, 20, 0, 1e9, "decay length of the exp profile"), .lo_open = 1},
    {PL_P_CHOICE(w_point, form, 0, "discrete|density",
                 "finite-k sum over the k features, or the proportional-limit density form")},
    {PL_P_INT(w_point, order, 170, 2, 170, "Hermite order of g(q)")},
    {PL_P_INT(w_point, guides, 0, 0, 1,
              "1: add two theory records (branches 1, 2) whose eps_bo is the "
              "feature-learning and the refinement guide, drawn dashed")},
    {PL_P_INT(w_point, scan, 100, 0, 100000,
              "discrete form: grid points scanned, besides every jump of the map, for several "
              "stable fixed points (0: no scan); "
              "the one of largest free entropy is reported"),
     .added = 1},
};
static const pl_metric_spec w_metrics[] = {
    PL_METRIC(w_result, eps_bo, "Bayes-optimal excess error eps_BO"),
    PL_METRIC(w_result, k_c, "effective width: index of the first zero overlap (k if none)"),
    PL_METRIC(w_result, eps_one_shot, "error of one posterior sample keeping k_c neurons"),
    PL_METRIC(w_result, delta_eff, "delta + g(1) sum_{i > k_c} v_i^2"),
    PL_METRIC(w_result, kc_d_over_n, "k_c d / n"),
    PL_METRIC(w_result, ratio, "eps_bo / (k_c d / n)"),
    PL_METRIC(w_result, guide_fl, "asymptotic feature-learning law"),
    PL_METRIC(w_result, guide_ref, "refinement guide k d delta/(n - k d)"),
    PL_METRIC(w_result, slope_local, "d ln eps / d ln n"),
    PL_METRIC(w_result, slope_law, "1/(2 beta) - 1"),
    PL_METRIC(w_result, pinned, "1 when eps sits on a jump of the map"),
    PL_METRIC(w_result, regime, "1: feature learning (k_c < k), 2: refinement (k_c = k)"),
    PL_METRIC(w_result, n_stable, "stable fixed points found by the scan (discrete form)"),
    PL_METRIC(w_result, free_entropy, "replica free entropy of the reported fixed point (up to "
                                      "a positive factor and a constant)"),
};

static const char *w_check(const void *pt, char *buf, size_t len)
{
    const w_point *p = pt;
    if (p->form == 1 && p->profile == PL_BO_POWER && !(p->beta < 0.5)) {
        snprintf(buf, len,
                 "form=density needs beta < 1/2 for the power profile (for beta >= 1/2 the top "
                 "features carry O(1) weight: use form=discrete)");
        return buf;
    }
    return NULL;
}

typedef struct {
    const pl_bo_channel *ch;
    const w_point *p;
    const double *v;
} w_ctx;

static pl_status w_fixed_point(const w_ctx *c, double alpha, size_t scan, pl_bo_fp *r)
{
    const w_point *p = c->p;
    size_t d = (size_t)p->d, k = (size_t)p->k;
    pl_bo_fp_opts o = pl_bo_fp_default_opts();
    if (p->form == 0) {
        o.scan = scan;
        double nd = (double)pl_bo_exp_n(alpha, d) / (double)d;
        return pl_bo_solve(c->ch, k, c->v, nd, p->delta, &o, r, NULL);
    }
    double gamma = (double)k / (double)d;
    int prof = p->profile;
    double param = prof == PL_BO_POWER ? p->beta : (prof == PL_BO_EXP ? p->tau / (double)k : 0);
    pl_status st = pl_bo_solve_density(c->ch, (pl_bo_profile)prof, param, alpha / gamma,
                                       p->delta, &o, r);
    r->k_c *= (double)k;
    return st;
}

static pl_status w_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const w_point *p = pt;
    size_t d = (size_t)p->d, k = (size_t)p->k;
    w_result res;
    pl_result_clear(e, &res);
    char fail[PL_MSG_LEN] = "", warn[PL_MSG_LEN] = "";
    pl_status fst = PL_OK;
    int not_conv = 0;
    pl_bo_channel ch;
    pl_status st = pl_bo_exp_channel(p->act, (size_t)p->order, &ch);
    if (st == PL_ENOMEM) return st;
    if (st != PL_OK && st != PL_ENOCONV) {
        pl_record *rec = pl_emit(em, "theory", &res);
        if (!rec) return PL_ENOMEM;
        pl_record_fail(rec, st, "%s", ch.message);
        return PL_OK;
    }
    if (st == PL_ENOCONV) {
        not_conv = 1;
        snprintf(warn, sizeof warn, "%s", ch.message);
    }
    double *v = malloc(k * sizeof *v);
    if (!v) return PL_ENOMEM;
    st = pl_bo_profile_fill((pl_bo_profile)p->profile,
                            p->profile == PL_BO_POWER ? p->beta : p->tau, k, v);
    if (st != PL_OK) {
        free(v);
        pl_record *rec = pl_emit(em, "theory", &res);
        if (!rec) return PL_ENOMEM;
        pl_record_fail(rec, st, "readout profile could not be normalised");
        return PL_OK;
    }
    w_ctx c = {&ch, p, v};
    double alpha = p->alpha;
    pl_bo_fp r;
    st = w_fixed_point(&c, alpha, (size_t)p->scan, &r);
    if (st == PL_ENOMEM) {
        free(v);
        return st;
    }
    if (st != PL_OK) {
        fst = st;
        snprintf(fail, sizeof fail, "BO fixed point: %s", pl_strerror(st));
    }
    double n = (double)pl_bo_exp_n(alpha, d), nd = n / (double)d;
    res.eps_bo = r.eps;
    res.k_c = r.k_c;
    res.eps_one_shot = r.eps_one_shot;
    res.delta_eff = r.delta_eff;
    res.kc_d_over_n = r.k_c / nd;
    res.ratio = r.eps / (r.k_c / nd);
    res.pinned = r.pinned;
    res.regime = r.k_c < (double)k ? 1.0 : 2.0;
    if (p->form == 0 && p->scan > 1) {
        res.n_stable = r.n_stable;
        res.free_entropy = r.free_entropy;
    }
    double fl = NAN, ref = NAN;
    double beta = p->profile == PL_BO_POWER ? p->beta : NAN;
    pl_bo_guides(&ch, beta, k, nd, p->delta, &fl, &ref);
    res.guide_fl = fl;
    res.guide_ref = ref;
    /* local exponent d ln eps / d ln n by a central difference in ln alpha (same branch
     * selection at the three points) */
    if (st == PL_OK) {
        const double h = 0.05;
        pl_bo_fp r1, r2;
        pl_status s1 = w_fixed_point(&c, alpha * exp(-h), (size_t)p->scan, &r1),
                  s2 = w_fixed_point(&c, alpha * exp(h), (size_t)p->scan, &r2);
        if (s1 == PL_OK && s2 == PL_OK && r1.eps > 0 && r2.eps > 0)
            res.slope_local = log(r2.eps / r1.eps) / (2.0 * h);
    }
    double law;
    if (p->profile == PL_BO_POWER && pl_bo_scaling_exponent(p->beta, &law) == PL_OK) {
        res.slope_law = law;
    } else if (p->profile == PL_BO_POWER && !warn[0]) {
        snprintf(warn, sizeof warn,
                 "warning: the scaling law eps ~ n^(1/(2 beta) - 1) needs beta > 1/2 (beta = "
                 "%g); the fixed point itself is valid",
                 p->beta);
    }
    if (r.n_stable > 1)
        snprintf(warn, sizeof warn,
                 "%d stable fixed points: the one of largest free entropy is reported "
                 "(eps = %.6g%s)",
                 r.n_stable, r.eps, r.switched ? ", not the one reached from eps = 0" : "");
    else if (r.pinned && !warn[0])
        snprintf(warn, sizeof warn,
                 "note: eps sits on a jump of the map (feature k_c+1 is at its threshold)");
    free(v);
    pl_record *rec = pl_emit(em, "theory", &res);
    if (!rec) return PL_ENOMEM;
    if (fst != PL_OK)
        pl_record_fail(rec, fst, "%s", fail);
    else {
        if (not_conv) rec->status = PL_REC_NOT_CONVERGED;
        snprintf(rec->message, sizeof rec->message, "%s", warn);
    }
    if (p->guides) {
        double gv[2] = {fl, ref};
        const char *gm[2] = {"guide: feature-learning law (T4), slope 1/(2 beta) - 1",
                             "guide: refinement k d delta/(n - k d), slope -1"};
        for (int i = 0; i < 2; i++) {
            w_result g;
            pl_result_clear(e, &g);
            g.eps_bo = gv[i];
            pl_record *gr = pl_emit(em, "theory", &g);
            if (!gr) return PL_ENOMEM;
            snprintf(gr->message, sizeof gr->message, "%s", gm[i]);
        }
    }
    return PL_OK;
}

const pl_experiment pl_exp_bo_width = {
    .name = "bo-width",
    .summary = "BO error eps_BO and effective width k_c of extensive-width networks vs alpha "
               "= n/d^2 (theory, with the two scaling-regime guides)",
    .description =
        "Teacher y = sum_i v_i sigma(w_i.x/sqrt d) + sqrt(delta) z, n = alpha d^2, readout "
        "profile power (i^-beta) / dense / exp, ||v|| = 1. Theory: eps = sum_i v_i^2 [g(1) - "
        "g(q_i)], q_i = m_e((n/d) v_i^2/(delta + eps)), solved by bisection on [0, g(1)] "
        "(form=discrete), or its proportional-limit density form (form=density). k_c = index "
        "of the first zero overlap (k if none); eps_one_shot = error of one posterior sample "
        "restricted to the first k_c neurons; delta_eff = delta + g(1) sum_{i>k_c} v_i^2; "
        "kc_d_over_n = k_c d/n and ratio = eps/(k_c d/n) (Theta(1) in both regimes); "
        "guide_fl = asymptotic feature-learning law (∝ n^(1/(2beta)-1), beta > 1/2), "
        "guide_ref = k d delta/(n - k d) (refinement); slope_local = d ln eps/d ln n; "
        "slope_law = 1/(2 beta) - 1; pinned = 1 when eps sits on a jump of the map; regime "
        "= 1 (feature learning, k_c < k) or 2 (refinement, k_c = k).",
    .params = w_params,
    .n_params = sizeof w_params / sizeof w_params[0],
    .point_size = sizeof(w_point),
    .metric_map = w_metrics,
    .n_metrics = sizeof w_metrics / sizeof w_metrics[0],
    .result_size = sizeof(w_result),
    .default_sweep = "guides=1 alpha=2,2.389,2.854,3.409,4.072,4.865,5.811,6.942,8.292,9.905,11.83,"
                     "14.13,16.88,20.17,24.09,28.78,34.38,41.07,49.06,58.6,70",
    .default_seeds = 1,
    .plot_x = "alpha",
    .plot_y = "eps_bo,k_c",
    .plot_logx = 1,
    .plot_logy = 1,
    .check_point = w_check,
    .solve = w_solve,
};
