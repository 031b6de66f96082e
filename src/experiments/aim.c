/* Experiments of family 2 (attention-indexed models): aim-se, aim-threshold (theory),
 * aim-gamp, aim-gd (simulation with the state evolution on the same figure). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "phaselab/aim.h"
#include "phaselab/experiment.h"

enum { PRIOR_WISHART = 0, PRIOR_GAUSS = 1 };

typedef struct {
    long T;
    double rho, alpha;
    int channel, prior;
    long d, students, steps;
    double lr;
} aim_point;

typedef struct {
    double mmse;
} aim_result;

typedef struct {
    double alpha_pr, alpha_bar_c;
} aim_thr_result;

#define AIM_T {PL_P_INT(aim_point, T, 2, 2, 64, "sequence length T (tokens per sequence, >= 2)")}
#define AIM_RHO                                                                                  \
    {PL_P_REAL(aim_point, rho, 0.5, 0, 1e6, "width ratio rho = r/d of S = W W^T/sqrt(r d)"),      \
     .lo_open = 1}
#define AIM_CHANNEL                                                                               \
    {PL_P_CHOICE(aim_point, channel, 0, "softmax|hardmax",                                        \
                 "output: row-wise softmax (beta = 1) or one-hot argmax (hardmax, T = 2 only)")}
#define AIM_ALPHA                                                                                 \
    {PL_P_REAL(aim_point, alpha, 0.1, 0, 1e4, "samples per squared dimension n/d^2")}

static const char *aim_check_point(const void *pt, char *buf, size_t len)
{
    const aim_point *p = pt;
    const char *m = pl_aim_check(p->T, p->rho, (pl_aim_channel)p->channel, buf, len);
    if (m) return m;
    if (p->prior == PRIOR_GAUSS && p->channel == PL_AIM_HARDMAX) {
        snprintf(buf, len, "prior=gauss (the rho = infinity line) is available for "
                           "channel=softmax only");
        return buf;
    }
    return NULL;
}

/* the state evolution at pt: mmse */
static pl_status aim_theory_mmse(const aim_point *p, pl_aim_se_result *r)
{
    double rho = p->prior == PRIOR_GAUSS ? INFINITY : p->rho;
    if (p->channel == PL_AIM_SOFTMAX) return pl_aim_se_softmax(p->T, rho, p->alpha, r);
    return pl_aim_se_hardmax(rho, p->alpha, NULL, r);
}

static pl_status aim_emit_theory(const aim_point *p, pl_emitter *em)
{
    pl_aim_se_result sr;
    pl_status st = aim_theory_mmse(p, &sr);
    if (st == PL_ENOMEM) return st;
    aim_result res = {.mmse = sr.mmse};
    pl_record *rec = pl_emit(em, "theory", &res);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK)
        pl_record_fail(rec, st, "state evolution: %s after %zu evaluations", pl_strerror(st),
                       sr.iterations);
    return PL_OK;
}

static pl_status aim_se_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    (void)e;
    return aim_emit_theory(pt, em);
}

/* ---------------------------------------------------------------- aim-se */
static const pl_param_spec se_params[] = {
    AIM_T,
    AIM_RHO,
    AIM_ALPHA,
    AIM_CHANNEL,
    {PL_P_CHOICE(aim_point, prior, 0, "wishart|gauss",
                 "teacher prior: wishart (S = W W^T/sqrt(r d), width rho) or gauss (the "
                 "rho -> infinity limit, a GOE teacher; rho is then ignored)")},
};
static const pl_metric_spec se_metrics[] = {
    PL_METRIC(aim_result, mmse, "Bayes-optimal ||Shat - S||_F^2/d (1 at alpha = 0)"),
};

const pl_experiment pl_exp_aim_se = {
    .name = "aim-se",
    .summary = "attention-indexed model: Bayes-optimal MMSE of S vs alpha = n/d^2 (state "
               "evolution, softmax any T, hardmax T = 2)",
    .description =
        "State evolution of the single-layer attention-indexed model with tied S = W W^T/"
        "sqrt(r d): prior step MMSE(Delta) = Delta - (4 pi^2/3) Delta^2 int mu_Delta^3 "
        "(extensive-rank denoising, mu_Delta = sqrt(rho) MP(1/rho) boxplus semicircle(Delta)), "
        "q = 1 + rho - MMSE(1/qhat). Softmax: qhat = (T^2+T-2) alpha/MMSE, perfect recovery "
        "at alpha_PR = dof(rho)/(T^2+T-2). Hardmax (T = 2): qhat = 2 alpha E[2 g11^2 + "
        "2 g22^2 + g12^2] with the exact derivative of the bivariate normal CDF, by nested "
        "adaptive quadrature.",
    .params = se_params,
    .n_params = sizeof se_params / sizeof se_params[0],
    .point_size = sizeof(aim_point),
    .metric_map = se_metrics,
    .n_metrics = sizeof se_metrics / sizeof se_metrics[0],
    .result_size = sizeof(aim_result),
    .default_sweep = "channel=softmax T=2,3,4 rho=0.5 alpha=0:0.2:0.005",
    .default_seeds = 1,
    .plot_x = "alpha",
    .plot_y = "mmse",
    .check_point = aim_check_point,
    .solve = aim_se_solve,
};

/* ---------------------------------------------------------------- aim-threshold */
static const pl_param_spec thr_params[] = {
    AIM_T,
    AIM_RHO,
    AIM_CHANNEL,
};
static const pl_metric_spec thr_metrics[] = {
    PL_METRIC(aim_thr_result, alpha_pr,
              "perfect-recovery threshold alpha_PR = dof(rho)/(T^2+T-2) (softmax; NaN for "
              "hardmax, which has none)"),
    PL_METRIC(aim_thr_result, alpha_bar_c,
              "weak-recovery threshold of the rho -> 0 limit in alpha_bar = alpha/rho"),
};

static pl_status thr_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    (void)e;
    const aim_point *p = pt;
    aim_thr_result r = {.alpha_pr = NAN, .alpha_bar_c = NAN};
    if (p->channel == PL_AIM_SOFTMAX) r.alpha_pr = pl_aim_alpha_pr(p->T, p->rho);
    pl_status st = pl_aim_alpha_bar_c((pl_aim_channel)p->channel, p->T, &r.alpha_bar_c);
    pl_record *rec = pl_emit(em, "theory", &r);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK)
        pl_record_fail(rec, st, "alpha_bar_c: %s", pl_strerror(st));
    else if (p->channel == PL_AIM_HARDMAX)
        snprintf(rec->message, sizeof rec->message, "hardmax: no perfect recovery");
    return PL_OK;
}

const pl_experiment pl_exp_aim_threshold = {
    .name = "aim-threshold",
    .summary = "attention-indexed model: perfect-recovery alpha_PR(T, rho) and the rho -> 0 "
               "weak-recovery threshold alpha_bar_c",
    .description =
        "alpha_PR = dof(rho)/(T^2+T-2) with dof = 2 rho - rho^2 (rho <= 1) or 1 (rho >= 1): "
        "the softmax reveals T^2+T-2 of the (T^2+T)/2 indices per sequence (up to one "
        "common shift). alpha_bar_c: rho -> 0 with alpha_bar = alpha/rho, prior MMSE t(2-t); "
        "weak recovery where 2 alpha_bar E_{q=0}[2 g11^2 + 2 g22^2 + g12^2] = 1 (hardmax, T "
        "= 2) or (T^2+T-2) alpha_bar = 1 (softmax).",
    .params = thr_params,
    .n_params = sizeof thr_params / sizeof thr_params[0],
    .point_size = sizeof(aim_point),
    .metric_map = thr_metrics,
    .n_metrics = sizeof thr_metrics / sizeof thr_metrics[0],
    .result_size = sizeof(aim_thr_result),
    .default_sweep = "channel=softmax T=2,3,4,5,6 rho=0.1:2:0.1",
    .default_seeds = 1,
    .plot_x = "rho",
    .plot_y = "alpha_pr",
    .check_point = aim_check_point,
    .solve = thr_solve,
};

/* ---------------------------------------------------------------- simulations */
typedef struct {
    double mmse, iterations, chat;
} aim_sim_result;

#define AIM_D {PL_P_INT(aim_point, d, 100, 10, 2000, "dimension d (n = alpha d^2 sequences)")}
#define AIM_ALPHA_SIM                                                                             \
    {PL_P_REAL(aim_point, alpha, 0.1, 0, 100, "samples per squared dimension n/d^2"),            \
     .lo_open = 1}

static const pl_param_spec sim_params[] = {
    AIM_T, AIM_RHO, AIM_ALPHA_SIM, AIM_CHANNEL, AIM_D,
};

static const char *sim_check_point(const void *pt, char *buf, size_t len)
{
    const aim_point *p = pt;
    const char *m = aim_check_point(pt, buf, len);
    if (m) return m;
    double n = floor(p->alpha * (double)p->d * (double)p->d);
    if (n < 1) {
        snprintf(buf, len, "n = alpha d^2 = %g: increase alpha or d", n);
        return buf;
    }
    if (n * (double)p->T * (double)p->d > 2e9) {
        snprintf(buf, len, "n T d = %.3g doubles of tokens exceeds the 2e9 this experiment allows",
                 n * (double)p->T * (double)p->d);
        return buf;
    }
    return NULL;
}

static pl_status sim_data(const aim_point *p, pl_rng *rng, pl_aim_data *D)
{
    size_t d = (size_t)p->d, n = (size_t)floor(p->alpha * (double)d * (double)d);
    return pl_aim_data_sample((pl_aim_channel)p->channel, (size_t)p->T, p->rho, n, d, rng, D);
}

static pl_status sim_theory(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    (void)e;
    const aim_point *p = pt;
    aim_point q = *p;
    q.prior = PRIOR_WISHART;
    pl_aim_se_result sr;
    pl_status st = aim_theory_mmse(&q, &sr);
    if (st == PL_ENOMEM) return st;
    aim_sim_result res = {.mmse = sr.mmse, .iterations = (double)sr.iterations, .chat = sr.mmse};
    pl_record *rec = pl_emit(em, "theory", &res);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK) pl_record_fail(rec, st, "state evolution: %s", pl_strerror(st));
    return PL_OK;
}

/* ---------------------------------------------------------------- aim-gamp */
static const pl_metric_spec gamp_metrics[] = {
    PL_METRIC(aim_sim_result, mmse, "||Shat - S||_F^2/d of the final estimate"),
    PL_METRIC(aim_sim_result, iterations, "GAMP iterations"),
    PL_METRIC(aim_sim_result, chat, "the algorithm's own predicted error (RIE MMSE at its Delta)"),
};

static pl_status gamp_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    (void)e;
    const aim_point *p = pt;
    aim_sim_result r;
    pl_result_clear(em->e, &r);
    pl_aim_data D;
    pl_status st = sim_data(p, rng, &D);
    pl_aim_gamp_result gr = {0};
    if (st == PL_OK) {
        pl_mat S = pl_mat_alloc(D.d, D.d);
        st = S.data ? pl_aim_gamp(&D, p->rho, NULL, S, &gr) : PL_ENOMEM;
        pl_mat_free(&S);
        pl_aim_data_free(&D);
    }
    if (st == PL_ENOMEM) return st;
    /* a diverged estimate has no meaningful error (it would also flatten the figure) */
    r.mmse = gr.status == PL_EDIVERGED || gr.status == PL_ENAN ? NAN : gr.mse;
    r.iterations = (double)gr.iterations;
    r.chat = gr.chat;
    pl_record *rec = pl_emit(em, "sim:gamp", &r);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK)
        pl_record_fail(rec, st, "GAMP-RIE: %s", pl_strerror(st));
    else if (gr.status != PL_OK)
        pl_record_fail(rec, gr.status, "%s", gr.message);
    return PL_OK;
}

const pl_experiment pl_exp_aim_gamp = {
    .name = "aim-gamp",
    .summary = "attention-indexed model: GAMP-RIE error vs alpha against the state evolution",
    .description =
        "GAMP on the outputs z_ab = tau_ab h_ab (a <= b) with a rotation-invariant (RIE) matrix "
        "denoiser: eigenvalues of R map to lambda - 2 Delta H_Delta(lambda); matrix-free in "
        "the samples (two GEMMs over all tokens per iteration), damping 0.2 on g, start at "
        "the prior mean sqrt(rho) I. Softmax (any T) or hardmax (T = 2). Stops when "
        "||dShat||_F^2/d < 1e-5 (200 iterations at most; at finite d the step often settles "
        "at O(1/d) instead, and the record is then marked not converged).",
    .params = sim_params,
    .n_params = sizeof sim_params / sizeof sim_params[0],
    .point_size = sizeof(aim_point),
    .metric_map = gamp_metrics,
    .n_metrics = sizeof gamp_metrics / sizeof gamp_metrics[0],
    .result_size = sizeof(aim_sim_result),
    .default_sweep = "channel=softmax T=2 rho=0.5 alpha=0.02:0.2:0.02 d=100",
    .default_seeds = 3,
    .plot_x = "alpha",
    .plot_y = "mmse",
    .check_point = sim_check_point,
    .sim = gamp_sim,
    .solve = sim_theory,
};

/* ---------------------------------------------------------------- aim-gd */
typedef struct {
    double mmse, mmse_single, loss;
} aim_gd_result;

static const pl_param_spec gd_params[] = {
    AIM_T, AIM_RHO, AIM_ALPHA_SIM, AIM_CHANNEL, AIM_D,
    {PL_P_INT(aim_point, students, 8, 1, 256,
              "independently started students averaged (1: a single run)")},
    {PL_P_INT(aim_point, steps, 1000, 1, 100000, "full-batch Adam steps")},
    {PL_P_REAL(aim_point, lr, 0.1, 0, 10, "Adam learning rate"), .lo_open = 1},
};
static const pl_metric_spec gd_metrics[] = {
    PL_METRIC(aim_gd_result, mmse, "||Shat - S||_F^2/d of the averaged estimator (theory: SE)"),
    PL_METRIC(aim_gd_result, mmse_single, "mean over students of their own error"),
    PL_METRIC(aim_gd_result, loss, "final training loss of the last student"),
};

static const char *gd_check_point(const void *pt, char *buf, size_t len)
{
    const aim_point *p = pt;
    const char *m = sim_check_point(pt, buf, len);
    if (m) return m;
    if (p->channel != PL_AIM_SOFTMAX) {
        snprintf(buf, len, "channel=hardmax: Adam needs a differentiable output "
                           "(channel=softmax)");
        return buf;
    }
    return NULL;
}

static pl_status gd_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    (void)e;
    const aim_point *p = pt;
    aim_gd_result r;
    pl_result_clear(em->e, &r);
    pl_aim_data D;
    pl_status st = sim_data(p, rng, &D);
    pl_aim_gd_result gr = {0};
    if (st == PL_OK) {
        pl_aim_gd_opts o = {.lr = p->lr, .steps = (size_t)p->steps,
                            .students = (size_t)p->students};
        pl_rng rs = pl_rng_substream(rng, 3);
        st = pl_aim_gd(&D, &o, &rs, &gr);
        pl_aim_data_free(&D);
    }
    if (st == PL_ENOMEM) return st;
    r.mmse = gr.mse_avg;
    r.mmse_single = gr.mse_single;
    r.loss = gr.loss;
    pl_record *rec = pl_emit(em, "sim:adam", &r);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK)
        pl_record_fail(rec, st, "Adam: %s", pl_strerror(st));
    else if (gr.status != PL_OK)
        pl_record_fail(rec, gr.status, "%s", gr.message);
    return PL_OK;
}

static pl_status gd_theory(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    (void)e;
    const aim_point *p = pt;
    pl_aim_se_result sr;
    pl_status st = pl_aim_se_softmax(p->T, p->rho, p->alpha, &sr);
    aim_gd_result res = {.mmse = sr.mmse, .mmse_single = NAN, .loss = NAN};
    pl_record *rec = pl_emit(em, "theory", &res);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK) pl_record_fail(rec, st, "state evolution: %s", pl_strerror(st));
    return PL_OK;
}

const pl_experiment pl_exp_aim_gd = {
    .name = "aim-gd",
    .summary = "attention-indexed model: Adam on the tied softmax student, single and averaged "
               "over students, against the Bayes-optimal error",
    .description =
        "Student S = W W^T/sqrt(r d) (W d x r, N(0,1) start, r = rho d as the teacher), loss "
        "sum_mu sum_ab (yhat - y)^2/d, full-batch Adam (b1 0.9, b2 0.999), hand-derived "
        "gradients. The average of K independently started students approaches the posterior "
        "mean: if each student is a posterior sample, E mse_avg = MMSE + (mse_single - MMSE)/K.",
    .params = gd_params,
    .n_params = sizeof gd_params / sizeof gd_params[0],
    .point_size = sizeof(aim_point),
    .metric_map = gd_metrics,
    .n_metrics = sizeof gd_metrics / sizeof gd_metrics[0],
    .result_size = sizeof(aim_gd_result),
    .default_sweep = "T=2 rho=0.5 alpha=0.02:0.26:0.03 d=60",
    .default_seeds = 2,
    .plot_x = "alpha",
    .plot_y = "mmse,mmse_single",
    .check_point = gd_check_point,
    .sim = gd_sim,
    .solve = gd_theory,
};
