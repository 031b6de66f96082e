/* Experiments `bo-channel` and `bo-width`: the scalar channel of family 9 and the BO error /
 * effective width versus the sample ratio alpha = n/d^2. */
#include <math.h>
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

const pl_bo_act_type *pl_bo_exp_act(double idx)
{
    size_t i = (size_t)idx;
    return i < pl_bo_act_count() ? pl_bo_act_types[i] : pl_bo_act_types[0];
}

size_t pl_bo_exp_n(double alpha, size_t d)
{
    /* n = int(alpha d^2) as in the reference code (the tiny offset absorbs rounding) */
    return (size_t)floor(alpha * (double)d * (double)d + 1e-7);
}

/* ---------------------------------------------------------------- bo-channel */

enum { C_ACT, C_ORDER, C_LMIN, C_TAILTOL, C_L, NCP };
enum { CM_LE, CM_LS, CM_MEJ, CM_MSJ, CM_G1, CM_TAIL, CM_ME, CM_MFIX, CM_PHI, NCM };

static const pl_param_spec ch_params[NCP] = {
    [C_ACT] = {.name = "act", .type = PL_PARAM_CHOICE, .def = 0, .lo = 0, .hi = 0, .lo_open = 0, .hi_open = 0, .choices = "tanh2-nolin|tanh2|relu-nolin|relu|he3|sin-nolin", .help = "activation (tanh2-nolin = tanh(2x) - 0.729478 x, the paper's)"},
    [C_ORDER] = {.name = "order", .type = PL_PARAM_INT, .def = 170, .lo = 2, .hi = 170, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "Hermite order L of the kernel g(q) = sum_{lmin<=l<=L} mu_l^2 q^l / l!"},
    [C_LMIN] = {.name = "lmin", .type = PL_PARAM_INT, .def = 2, .lo = 0, .hi = 3, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "first Hermite order kept (2 removes the constant and linear parts)"},
    [C_TAILTOL] = {.name = "tail_tol", .type = PL_PARAM_REAL, .def = 1e-6, .lo = 0, .hi = 1, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "relative series tail above which the order is reported as not converged"},
    [C_L] = {.name = "l", .type = PL_PARAM_REAL, .def = 20, .lo = 0, .hi = 1e12, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "SNR at which m_e(l) and the largest fixed point are evaluated"},
};
static const char *const ch_metrics[NCM] = {"l_e",  "l_s",   "m_e_jump", "m_s_jump", "g1",
                                            "tail", "m_e",  "m_fixed",  "dphi"};

static pl_status ch_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    const pl_bo_act_type *act = pl_bo_exp_act(p->v[C_ACT]);
    pl_bo_channel_opts o = pl_bo_channel_default_opts();
    o.order = (size_t)p->v[C_ORDER];
    o.lmin = (size_t)p->v[C_LMIN];
    o.tail_tol = p->v[C_TAILTOL];
    o.adaptive = act->smooth ? -1 : 1;
    pl_bo_channel ch;
    pl_status st = pl_bo_channel_init(&ch, act->f, NULL, &o);
    if (st == PL_ENOMEM) return st;
    if (st != PL_OK && st != PL_ENOCONV) {
        pl_record_fail(rec, st, "%s", ch.message);
        return PL_OK;
    }
    if (st == PL_ENOCONV) {
        rec->status = PL_REC_NOT_CONVERGED;
        snprintf(rec->message, sizeof rec->message, "%s (act %s)", ch.message, act->name);
    } else if (ch.message[0]) {
        snprintf(rec->message, sizeof rec->message, "%s", ch.message);
    }
    double l = p->v[C_L];
    rec->metric[CM_LE] = ch.l_e;
    rec->metric[CM_LS] = ch.l_s;
    rec->metric[CM_MEJ] = ch.m_jump;
    rec->metric[CM_MSJ] = ch.m_s;
    rec->metric[CM_G1] = ch.g1;
    rec->metric[CM_TAIL] = ch.tail_rel;
    rec->metric[CM_ME] = pl_bo_m_e(&ch, l);
    double qf = pl_bo_m_fixed(&ch, l);
    rec->metric[CM_MFIX] = qf;
    rec->metric[CM_PHI] = pl_bo_phi(&ch, l, qf) - pl_bo_phi(&ch, l, 0.0);
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
    .n_params = NCP,
    .metrics = ch_metrics,
    .n_metrics = NCM,
    .default_sweep = "l=10:40:0.5",
    .default_seeds = 1,
    .plot_x = "l",
    .plot_y = "m_e,m_fixed",
    .theory = ch_theory,
};

/* ---------------------------------------------------------------- bo-width */

enum { W_D, W_K, W_DELTA, W_BETA, W_ALPHA, W_PROFILE, W_ACT, W_TAU, W_FORM, W_ORDER, W_GUIDES, NWP };
enum {
    WM_EPS,
    WM_KC,
    WM_OS,
    WM_DEFF,
    WM_KCDN,
    WM_RATIO,
    WM_GFL,
    WM_GREF,
    WM_SLOPE,
    WM_LAW,
    WM_PINNED,
    WM_REGIME,
    NWM
};

static const pl_param_spec w_params[NWP] = {
    [W_D] = {.name = "d", .type = PL_PARAM_INT, .def = 200, .lo = 1, .hi = 1e9, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "input dimension"},
    [W_K] = {.name = "k", .type = PL_PARAM_INT, .def = 100, .lo = 1, .hi = 1e8, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "teacher width k = gamma d"},
    [W_DELTA] = {.name = "delta", .type = PL_PARAM_REAL, .def = 0.01, .lo = 0, .hi = 1e6, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "label noise variance"},
    [W_BETA] = {.name = "beta", .type = PL_PARAM_REAL, .def = 1.0, .lo = 0, .hi = 100, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "power-law exponent of the readout, v_i ∝ i^-beta"},
    [W_ALPHA] = {.name = "alpha", .type = PL_PARAM_REAL, .def = 2.0, .lo = 0, .hi = 1e9, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "n / d^2"},
    [W_PROFILE] = {.name = "profile", .type = PL_PARAM_CHOICE, .def = 0, .lo = 0, .hi = 0, .lo_open = 0, .hi_open = 0, .choices = "power|dense|exp", .help = "readout profile: i^-beta, linspace(2.5, 1, k), e^{-(i-1)/tau}"},
    [W_ACT] = {.name = "act", .type = PL_PARAM_CHOICE, .def = 0, .lo = 0, .hi = 0, .lo_open = 0, .hi_open = 0, .choices = "tanh2-nolin|tanh2|relu-nolin|relu|he3|sin-nolin", .help = "activation (the kernel always drops the constant and linear Hermite parts)"},
    [W_TAU] = {.name = "tau", .type = PL_PARAM_REAL, .def = 20, .lo = 0, .hi = 1e9, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "decay length of the exp profile"},
    [W_FORM] = {.name = "form", .type = PL_PARAM_CHOICE, .def = 0, .lo = 0, .hi = 0, .lo_open = 0, .hi_open = 0, .choices = "discrete|density", .help = "finite-k sum over the k features, or the proportional-limit density form"},
    [W_ORDER] = {.name = "order", .type = PL_PARAM_INT, .def = 170, .lo = 2, .hi = 170, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "Hermite order of g(q)"},
    [W_GUIDES] = {.name = "guides", .type = PL_PARAM_INT, .def = 0, .lo = 0, .hi = 1, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "1: add two theory records (branches 1, 2) whose eps_bo is the "
                  "feature-learning and the refinement guide, drawn dashed"},
};
static const char *const w_metrics[NWM] = {
    "eps_bo", "k_c",      "eps_one_shot", "delta_eff", "kc_d_over_n", "ratio",
    "guide_fl", "guide_ref", "slope_local", "slope_law", "pinned", "regime"};

static const char *w_check(const pl_params *p, char *buf, size_t len)
{
    if ((int)p->v[W_FORM] == 1 && (int)p->v[W_PROFILE] == PL_BO_POWER && !(p->v[W_BETA] < 0.5)) {
        snprintf(buf, len,
                 "form=density needs beta < 1/2 for the power profile (for beta >= 1/2 the top "
                 "features carry O(1) weight: use form=discrete)");
        return buf;
    }
    return NULL;
}

typedef struct {
    const pl_bo_channel *ch;
    const pl_params *p;
    const double *v;
} w_ctx;

static pl_status w_solve(const w_ctx *c, double alpha, pl_bo_fp *r)
{
    const pl_params *p = c->p;
    size_t d = (size_t)p->v[W_D], k = (size_t)p->v[W_K];
    pl_bo_fp_opts o = pl_bo_fp_default_opts();
    if ((int)p->v[W_FORM] == 0) {
        double nd = (double)pl_bo_exp_n(alpha, d) / (double)d;
        return pl_bo_solve(c->ch, k, c->v, nd, p->v[W_DELTA], &o, r, NULL);
    }
    double gamma = (double)k / (double)d;
    int prof = (int)p->v[W_PROFILE];
    double param = prof == PL_BO_POWER ? p->v[W_BETA] : (prof == PL_BO_EXP ? p->v[W_TAU] / (double)k : 0);
    pl_status st = pl_bo_solve_density(c->ch, (pl_bo_profile)prof, param, alpha / gamma,
                                       p->v[W_DELTA], &o, r);
    r->k_c *= (double)k;
    return st;
}

static pl_status w_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    size_t d = (size_t)p->v[W_D], k = (size_t)p->v[W_K];
    const pl_bo_act_type *act = pl_bo_exp_act(p->v[W_ACT]);
    pl_bo_channel ch;
    pl_status st = pl_bo_exp_channel(act, (size_t)p->v[W_ORDER], &ch);
    if (st != PL_OK && st != PL_ENOCONV) {
        pl_record_fail(rec, st, "%s", ch.message);
        return st == PL_ENOMEM ? st : PL_OK;
    }
    char warn[PL_MSG_LEN] = "";
    if (st == PL_ENOCONV) {
        rec->status = PL_REC_NOT_CONVERGED;
        snprintf(warn, sizeof warn, "%s", ch.message);
    }
    double *v = malloc(k * sizeof *v);
    if (!v) return PL_ENOMEM;
    int prof = (int)p->v[W_PROFILE];
    st = pl_bo_profile_fill((pl_bo_profile)prof,
                            prof == PL_BO_POWER ? p->v[W_BETA] : p->v[W_TAU], k, v);
    if (st != PL_OK) {
        pl_record_fail(rec, st, "readout profile could not be normalised");
        free(v);
        return PL_OK;
    }
    w_ctx c = {&ch, p, v};
    double alpha = p->v[W_ALPHA];
    pl_bo_fp r;
    st = w_solve(&c, alpha, &r);
    if (st == PL_ENOMEM) {
        free(v);
        return st;
    }
    if (st != PL_OK) {
        pl_record_fail(rec, st, "BO fixed point: %s", pl_strerror(st));
    }
    double n = (double)pl_bo_exp_n(alpha, d), nd = n / (double)d;
    rec->metric[WM_EPS] = r.eps;
    rec->metric[WM_KC] = r.k_c;
    rec->metric[WM_OS] = r.eps_one_shot;
    rec->metric[WM_DEFF] = r.delta_eff;
    rec->metric[WM_KCDN] = r.k_c / nd;
    rec->metric[WM_RATIO] = r.eps / (r.k_c / nd);
    rec->metric[WM_PINNED] = r.pinned;
    /* 1: feature learning (k_c < k), 2: refinement (every feature learned) */
    rec->metric[WM_REGIME] = r.k_c < (double)k ? 1.0 : 2.0;
    double fl = NAN, ref = NAN;
    double beta = prof == PL_BO_POWER ? p->v[W_BETA] : NAN;
    pl_bo_guides(&ch, beta, k, nd, p->v[W_DELTA], &fl, &ref);
    rec->metric[WM_GFL] = fl;
    rec->metric[WM_GREF] = ref;
    /* local exponent d ln eps / d ln n by a central difference in ln alpha */
    if (st == PL_OK) {
        const double h = 0.05;
        pl_bo_fp r1, r2;
        pl_status s1 = w_solve(&c, alpha * exp(-h), &r1), s2 = w_solve(&c, alpha * exp(h), &r2);
        if (s1 == PL_OK && s2 == PL_OK && r1.eps > 0 && r2.eps > 0)
            rec->metric[WM_SLOPE] = log(r2.eps / r1.eps) / (2.0 * h);
    }
    double law;
    if (prof == PL_BO_POWER && pl_bo_scaling_exponent(p->v[W_BETA], &law) == PL_OK) {
        rec->metric[WM_LAW] = law;
    } else if (prof == PL_BO_POWER && !warn[0]) {
        snprintf(warn, sizeof warn,
                 "warning: the scaling law eps ~ n^(1/(2 beta) - 1) needs beta > 1/2 (beta = "
                 "%g); the fixed point itself is valid",
                 p->v[W_BETA]);
    }
    if (r.pinned && !warn[0])
        snprintf(warn, sizeof warn,
                 "note: eps sits on a jump of the map (feature k_c+1 is at its threshold)");
    if (warn[0] && rec->status != PL_REC_FAILED)
        snprintf(rec->message, sizeof rec->message, "%s", warn);
    free(v);
    if ((int)p->v[W_GUIDES]) {
        double gv[2] = {fl, ref};
        const char *gm[2] = {"guide: feature-learning law (T4), slope 1/(2 beta) - 1",
                             "guide: refinement k d delta/(n - k d), slope -1"};
        for (int i = 0; i < 2; i++) {
            pl_record *g = pl_records_add(out, p, "theory", -1);
            if (!g) return PL_ENOMEM;
            g->metric[WM_EPS] = gv[i];
            snprintf(g->message, sizeof g->message, "%s", gm[i]);
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
    .n_params = NWP,
    .metrics = w_metrics,
    .n_metrics = NWM,
    .default_sweep = "guides=1 alpha=2,2.389,2.854,3.409,4.072,4.865,5.811,6.942,8.292,9.905,11.83,"
                     "14.13,16.88,20.17,24.09,28.78,34.38,41.07,49.06,58.6,70",
    .default_seeds = 1,
    .plot_x = "alpha",
    .plot_y = "eps_bo,k_c",
    .plot_logx = 1,
    .plot_logy = 1,
    .check = w_check,
    .theory = w_theory,
};
