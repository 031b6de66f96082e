/* Family 5 experiments (width x data scaling laws): quad-width, quad-data, quad-phase. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/quadscale.h"

enum { S_FIXED, S_SQRTN };
enum { QS_LBFGS_CHOICE, QS_FISTA_CHOICE };

/* ------------------------------------------------------------------ quad-width / quad-data */

enum { W_D, W_GAMMA, W_DELTA, W_LT, W_N, W_P, W_DRAWS, W_SCALING, W_KSTAR, W_SOLVER, W_TOL,
       W_MAXIT, W_NP };
enum { WM_ERR, WM_TAIL, WM_SLOPE, WM_PRED, WM_RANK, WM_TRAIN, WM_XI, WM_TAU, WM_Q, WM_M,
       WM_SIGMA, WM_ITER, WM_NM };
static const char *const w_metrics[WM_NM] = {"err", "tail", "slope", "pred_slope", "rank",
                                             "train", "xi", "tau", "q", "m", "sigma",
                                             "iterations"};

#define QS_PARAMS(pdef, ndef)                                                                 \
    {                                                                                         \
        [W_D] = {"d", PL_PARAM_INT, 100, 2, 4000, 0, 0, NULL, "input dimension"},             \
        [W_GAMMA] = {"gamma", PL_PARAM_REAL, 1.25, 0, 20, 0, 0, NULL,                         \
                     "decay of the target spectrum w_k ~ k^-gamma (exponents need > 1/2)"},    \
        [W_DELTA] = {"delta", PL_PARAM_REAL, 0.1, 0, 1e6, 0, 0, NULL,                         \
                     "label noise variance (>= 0)"},                                          \
        [W_LT] = {"lambda_t", PL_PARAM_REAL, 0.1, 0, 1e9, 1, 0, NULL,                          \
                  "regularisation lambda-tilde of (1/d^2) sum res^2 + lambda_t Tr S/d (> 0); " \
                  "family 4's lambda = lambda_t/(4 n/d^2)"},                                   \
        [W_N] = {"n", PL_PARAM_REAL, ndef, 1, 1e12, 0, 0, NULL, "number of samples"},         \
        [W_P] = {"p", PL_PARAM_INT, pdef, 1, 1e6, 0, 0, NULL, "student width (<= d)"},        \
        [W_DRAWS] = {"draws", PL_PARAM_INT, 3, 1, 1000, 0, 0, NULL,                           \
                     "GOE draws averaged in the finite-d theory"},                            \
        [W_SCALING] = {"lambda_scaling", PL_PARAM_CHOICE, S_FIXED, 0, 0, 0, 0, "fixed|sqrtn", \
                       "fixed: lambda-tilde = lambda_t; sqrtn: lambda_t sqrt(n)/d"},           \
        [W_KSTAR] = {"kappa_star", PL_PARAM_REAL, 1, 0, 1, 1, 0, NULL,                        \
                     "rank of the target / d (w_k = 0 beyond)"},                              \
        [W_SOLVER] = {"solver", PL_PARAM_CHOICE, QS_LBFGS_CHOICE, 0, 0, 0, 0, "lbfgs|fista",  \
                      "L-BFGS on the width-p factor, or FISTA on S with rank cap p"},         \
        [W_TOL] = {"tol", PL_PARAM_REAL, 1e-8, 0, 1, 1, 0, NULL, "solver tolerance"},         \
        [W_MAXIT] = {"maxit", PL_PARAM_INT, 50000, 1, 1e8, 0, 0, NULL, "solver budget"},      \
    }

static const pl_param_spec width_params[W_NP] = QS_PARAMS(10, 10000);
static const pl_param_spec data_params[W_NP] = QS_PARAMS(20, 10000);

static double lambda_of(const pl_params *p)
{
    double lt = p->v[W_LT];
    if ((int)p->v[W_SCALING] == S_SQRTN) lt *= sqrt(p->v[W_N]) / p->v[W_D];
    return lt;
}

static const char *qs_check(const pl_params *p, char *buf, size_t len)
{
    pl_qs_setting s = {(size_t)p->v[W_D], (size_t)p->v[W_P], p->v[W_N], p->v[W_DELTA],
                       lambda_of(p), (size_t)p->v[W_DRAWS], 0};
    if (p->v[W_P] > p->v[W_D]) {
        snprintf(buf, len, "p = %g > d = %g: the width cannot exceed the dimension", p->v[W_P],
                 p->v[W_D]);
        return buf;
    }
    return pl_qs_setting_check(&s, buf, len);
}

static pl_status qs_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                             pl_records *out)
{
    (void)e;
    int fista = (int)p->v[W_SOLVER] == QS_FISTA_CHOICE;
    pl_record *rec = pl_records_add(out, p, fista ? "sim:fista" : "sim:lbfgs", 0);
    if (!rec) return PL_ENOMEM;
    size_t d = (size_t)p->v[W_D], pw = (size_t)p->v[W_P];
    double nn = p->v[W_N];
    if (nn * (double)d > 2.5e8) {
        pl_record_fail(rec, PL_EINVAL,
                       "n d = %.3g doubles of data is too large for a simulation (limit 2.5e8)",
                       nn * (double)d);
        return PL_OK;
    }
    double *w = malloc(d * sizeof *w);
    if (!w) return PL_ENOMEM;
    pl_qs_sim sim;
    pl_status st = pl_qs_powerlaw(d, p->v[W_GAMMA], p->v[W_KSTAR], w);
    if (st == PL_OK)
        st = pl_qs_simulate(rng, w, d, pw, (size_t)llround(nn), p->v[W_DELTA], lambda_of(p),
                            fista ? PL_QS_FISTA : PL_QS_LBFGS, p->v[W_TOL],
                            (size_t)p->v[W_MAXIT], &sim);
    free(w);
    if (st == PL_ENOMEM) return st;
    if (st != PL_OK) {
        pl_record_fail(rec, st, "simulation: %s", pl_strerror(st));
        return PL_OK;
    }
    rec->metric[WM_ERR] = sim.err;
    rec->metric[WM_RANK] = sim.rank;
    rec->metric[WM_TRAIN] = sim.objective;
    rec->metric[WM_ITER] = (double)sim.iterations;
    if (sim.status != PL_OK)
        pl_record_fail(rec, sim.status, "%s stopped after %zu evaluations: %s",
                       fista ? "FISTA" : "L-BFGS", sim.iterations, pl_strerror(sim.status));
    return PL_OK;
}

/* Theory at one point, warm-started from state_in (q, m, Sigma). which = 0: local slope in p
 * (quad-width), 1: in n (quad-data). */
static pl_status qs_theory_point(const pl_params *p, int which, const double *state_in,
                                 size_t nstate_in, double *state_out, size_t *nstate_out,
                                 pl_records *out)
{
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    if (nstate_out) *nstate_out = 0;
    size_t d = (size_t)p->v[W_D], pw = (size_t)p->v[W_P];
    double gamma = p->v[W_GAMMA];
    double *w = malloc(d * sizeof *w);
    if (!w) return PL_ENOMEM;
    pl_qs_setting s = {d, pw, p->v[W_N], p->v[W_DELTA], lambda_of(p), (size_t)p->v[W_DRAWS], 0};
    pl_qs_theory th;
    pl_status st = pl_qs_powerlaw(d, gamma, p->v[W_KSTAR], w);
    if (st == PL_OK) st = pl_qs_theory_init(&th, &s, w);
    if (st != PL_OK) {
        free(w);
        if (st == PL_ENOMEM) return st;
        pl_record_fail(rec, st, "theory setup: %s", pl_strerror(st));
        return PL_OK;
    }
    pl_qs_state x;
    pl_qs_opts o = pl_qs_default_opts();
    st = pl_qs_solve(&th, nstate_in == 3 ? state_in : NULL, &o, &x);
    if (st != PL_OK && st != PL_ENOCONV) {
        pl_record_fail(rec, st, "fixed point: %s", pl_strerror(st));
        goto done;
    }
    rec->metric[WM_ERR] = x.err;
    rec->metric[WM_TAIL] = pl_qs_tail_error(th.w, d, pw);
    rec->metric[WM_RANK] = x.rank;
    rec->metric[WM_TRAIN] = x.train;
    rec->metric[WM_XI] = x.xi;
    rec->metric[WM_TAU] = x.tau;
    rec->metric[WM_Q] = x.q;
    rec->metric[WM_M] = x.m;
    rec->metric[WM_SIGMA] = x.sigma;
    rec->metric[WM_ITER] = (double)x.iterations;
    if (st == PL_ENOCONV) {
        pl_record_fail(rec, st, "fixed point not converged: residual %.3g after %zu iterations",
                       x.residual, x.iterations);
        goto done;
    }
    if (!isfinite(x.err)) {
        pl_record_fail(rec, PL_ENAN, "the fixed point's error is not finite");
        goto done;
    }
    if (x.at_floor)
        snprintf(rec->message, sizeof rec->message,
                 "fixed point resolved to %.2g only (the map jumps when an eigenvalue crosses 0; "
                 "small alpha)", x.residual);
    if (state_out && nstate_out) {
        state_out[0] = x.q;
        state_out[1] = x.m;
        state_out[2] = x.sigma;
        *nstate_out = 3;
    }
    /* local exponent: a neighbouring point on the same draws, warm-started */
    double we, de;
    if (pl_qs_exponents(gamma, &we, &de) == PL_OK) rec->metric[WM_PRED] = which ? de : we;
    else
        snprintf(rec->message, sizeof rec->message,
                 "gamma = %g <= 1/2: no power-law exponent (the tail sum does not decay)", gamma);
    pl_qs_setting s2 = s;
    double ratio;
    if (which == 0) {
        s2.p = pw < d ? pw + 1 : pw - 1;
        ratio = (double)s2.p / (double)pw;
    } else {
        s2.n = s.n * 1.05;
        if ((int)p->v[W_SCALING] == S_SQRTN) s2.lambda_t = s.lambda_t * sqrt(1.05);
        ratio = 1.05;
    }
    if (which == 1 || s2.p != pw) {
        pl_qs_theory_update(&th, &s2);
        double x0[3] = {x.q, x.m, x.sigma};
        pl_qs_state x2;
        if (pl_qs_solve(&th, x0, &o, &x2) == PL_OK && x2.err > 0 && x.err > 0)
            rec->metric[WM_SLOPE] = log(x2.err / x.err) / log(ratio);
    }
done:
    pl_qs_theory_free(&th);
    free(w);
    return PL_OK;
}

static pl_status width_theory_warm(const pl_experiment *e, const pl_params *p,
                                   const double *si, size_t ni, double *so, size_t *no,
                                   pl_records *out)
{
    (void)e;
    return qs_theory_point(p, 0, si, ni, so, no, out);
}
static pl_status width_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    return qs_theory_point(p, 0, NULL, 0, NULL, NULL, out);
}
static pl_status data_theory_warm(const pl_experiment *e, const pl_params *p, const double *si,
                                  size_t ni, double *so, size_t *no, pl_records *out)
{
    (void)e;
    return qs_theory_point(p, 1, si, ni, so, no, out);
}
static pl_status data_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    return qs_theory_point(p, 1, NULL, 0, NULL, NULL, out);
}

#define QS_DESCRIPTION                                                                          \
    "Target S* = O diag(w) O^T with w_k ~ k^-gamma (|S*|_F^2/d = 1), width-p student S = B B^T, " \
    "n Gaussian samples, noise variance delta, loss (1/d^2) sum res^2 + lambda_t Tr S/d "       \
    "(family 4's loss times 4 n/d^2 with lambda = lambda_t d^2/(4n)). err = |S - S*|_F^2/d "   \
    "(the function-space excess error is 2 err). Simulation: L-BFGS on B (B_ij ~ N(0, 1/d) "    \
    "at start) or FISTA on S with rank cap p. Theory: the finite-d fixed point in (q, m, "      \
    "Sigma) averaged over `draws` GOE draws (seed 0), Newton with a damped-iteration "          \
    "fallback; tail = the n -> infinity limit (best rank-p error); slope = local log-log "     \
    "slope of the theory curve; pred_slope = 1 - 2 gamma (width) or 1/(2 gamma) - 1 (data). "

/* Fitted exponent of err against the swept width (xi = W_P) or sample count (xi = W_N), one
 * fit per source and per combination of the other parameters, over every point of the sweep
 * with a positive mean error (simulation: the mean over seeds). */
static void qs_report_fit(const pl_experiment *e, const pl_records *recs, FILE *out, int xi)
{
    size_t n = recs->n;
    unsigned char *used = calloc(n ? n : 1, 1);
    double *xs = malloc((n ? n : 1) * sizeof *xs), *ys = malloc((n ? n : 1) * sizeof *ys);
    if (!used || !xs || !ys) goto done;
    for (size_t r0 = 0; r0 < n; r0++) {
        if (used[r0]) continue;
        const pl_record *a = &recs->rec[r0];
        /* the group: same source and the same parameters except xi */
        size_t m = 0;
        for (size_t r = r0; r < n; r++) {
            const pl_record *b = &recs->rec[r];
            int same = strcmp(a->source, b->source) == 0;
            for (int i = 0; i < W_NP && same; i++)
                if (i != xi && a->params.v[i] != b->params.v[i]) same = 0;
            if (!same) continue;
            used[r] = 1;
            if (b->status != PL_REC_CONVERGED || !(b->metric[WM_ERR] > 0)) continue;
            /* average the seeds of one x */
            size_t k;
            for (k = 0; k < m; k++)
                if (xs[k] == b->params.v[xi]) break;
            if (k == m) {
                xs[m] = b->params.v[xi];
                ys[m] = 0;
                used[r] = 1;
                m++;
            }
        }
        for (size_t k = 0; k < m; k++) {
            double s = 0;
            size_t c = 0;
            for (size_t r = r0; r < n; r++) {
                const pl_record *b = &recs->rec[r];
                int same = strcmp(a->source, b->source) == 0 && b->params.v[xi] == xs[k];
                for (int i = 0; i < W_NP && same; i++)
                    if (i != xi && a->params.v[i] != b->params.v[i]) same = 0;
                if (same && b->status == PL_REC_CONVERGED && b->metric[WM_ERR] > 0) {
                    s += b->metric[WM_ERR];
                    c++;
                }
            }
            ys[k] = c ? s / (double)c : NAN;
        }
        double slope, se, icpt, we, de;
        if (m < 3 || pl_qs_fit_exponent(xs, ys, m, &slope, &se, &icpt) != PL_OK) continue;
        double lo = xs[0], hi = xs[0];
        for (size_t k = 1; k < m; k++) {
            lo = fmin(lo, xs[k]);
            hi = fmax(hi, xs[k]);
        }
        fprintf(out, "%s fit (%s, gamma=%g): err ~ %s^s, s = %.4f ± %.4f over %s in [%g, %g] "
                     "(%zu points)", e->name, a->source, a->params.v[W_GAMMA],
                e->params[xi].name, slope, se, e->params[xi].name, lo, hi, m);
        if (pl_qs_exponents(a->params.v[W_GAMMA], &we, &de) == PL_OK)
            fprintf(out, "; predicted %s %.4f", xi == W_P ? "1 - 2 gamma =" : "1/(2 gamma) - 1 =",
                    xi == W_P ? we : de);
        else
            fprintf(out, "; no predicted exponent (needs gamma > 1/2)");
        fputc('\n', out);
    }
done:
    free(used);
    free(xs);
    free(ys);
}

static void width_report(const pl_experiment *e, const pl_records *recs, FILE *out)
{
    qs_report_fit(e, recs, out, W_P);
}

static void data_report(const pl_experiment *e, const pl_records *recs, FILE *out)
{
    qs_report_fit(e, recs, out, W_N);
}

const pl_experiment pl_exp_quad_width = {
    .name = "quad-width",
    .summary = "Quadratic networks with a power-law target: error vs width p at fixed n, "
               "simulation vs finite-d theory, local exponents",
    .description = QS_DESCRIPTION
    "Sweep p (the error falls like p^(1-2 gamma) while the width limits, then reaches a "
    "plateau beyond the minimal width; at fixed lambda_t it can be non-monotone).",
    .params = width_params,
    .n_params = W_NP,
    .metrics = w_metrics,
    .n_metrics = WM_NM,
    .default_sweep = "d=100 n=10000 p=1,2,3,4,6,9,13,19,28,42,62,100",
    .default_seeds = 3,
    .plot_x = "p",
    .plot_y = "err",
    .plot_logx = 1,
    .plot_logy = 1,
    .check = qs_check,
    .simulate = qs_simulate,
    .theory = width_theory,
    .theory_warm = width_theory_warm,
    .report = width_report,
};

const pl_experiment pl_exp_quad_data = {
    .name = "quad-data",
    .summary = "Quadratic networks with a power-law target: error vs samples n at fixed width "
               "p, simulation vs finite-d theory, local exponents",
    .description = QS_DESCRIPTION
    "Sweep n (data-limited regime: err ~ n^(1/(2 gamma) - 1) when lambda-tilde = lambda_t "
    "sqrt(n)/d (lambda_scaling=sqrtn) with lambda_t large enough (~3) that the threshold "
    "removes the noise bulk; with lambda_t = 0.1 the d^2/n variance term gives slopes near -1).",
    .params = data_params,
    .n_params = W_NP,
    .metrics = w_metrics,
    .n_metrics = WM_NM,
    .default_sweep = "d=100 p=100 lambda_t=3 lambda_scaling=sqrtn n=1000,2000,4000,8000,16000,"
                     "32000,64000,128000,256000,512000",
    .default_seeds = 0, /* large n: simulate a smaller d, see docs/width-data-scaling.md */
    .plot_x = "n",
    .plot_y = "err",
    .plot_logx = 1,
    .plot_logy = 1,
    .check = qs_check,
    .simulate = qs_simulate,
    .theory = data_theory,
    .theory_warm = data_theory_warm,
    .report = data_report,
};

/* ------------------------------------------------------------------ quad-phase */

enum { P_D, P_GAMMA, P_DELTA, P_LT, P_RHO, P_A, P_DRAWS, P_SCALING, P_NP };
enum { PM_ERR, PM_LOGERR, PM_RHOEFF, PM_REGIME, PM_TAIL, PM_P, PM_N, PM_NM };
static const pl_param_spec phase_params[P_NP] = {
    [P_D] = {"d", PL_PARAM_INT, 100, 2, 4000, 0, 0, NULL, "input dimension"},
    [P_GAMMA] = {"gamma", PL_PARAM_REAL, 1.25, 0, 20, 0, 0, NULL, "target spectrum decay"},
    [P_DELTA] = {"delta", PL_PARAM_REAL, 0.1, 0, 1e6, 0, 0, NULL, "label noise variance"},
    [P_LT] = {"lambda_t", PL_PARAM_REAL, 0.1, 0, 1e9, 1, 0, NULL,
              "lambda-tilde (times sqrt(n)/d with lambda_scaling=sqrtn)"},
    [P_RHO] = {"rho", PL_PARAM_REAL, 0.5, 0, 1, 0, 0, NULL, "width exponent: p = round(d^rho)"},
    [P_A] = {"a", PL_PARAM_REAL, 2, 0, 6, 0, 0, NULL, "data exponent: n = d^a"},
    [P_DRAWS] = {"draws", PL_PARAM_INT, 3, 1, 1000, 0, 0, NULL, "GOE draws of the theory"},
    [P_SCALING] = {"lambda_scaling", PL_PARAM_CHOICE, S_SQRTN, 0, 0, 0, 0, "fixed|sqrtn",
                   "fixed: lambda-tilde = lambda_t; sqrtn: lambda_t sqrt(n)/d"},
};
static const char *const phase_metrics[PM_NM] = {"err", "log10_err", "rho_eff", "regime",
                                                 "tail", "p", "n"};

static void phase_point(const pl_params *p, size_t *pw, double *n, double *lt)
{
    double d = p->v[P_D];
    double pp = round(pow(d, p->v[P_RHO]));
    if (pp < 1) pp = 1;
    if (pp > d) pp = d;
    *pw = (size_t)pp;
    *n = pow(d, p->v[P_A]);
    *lt = p->v[P_LT];
    if ((int)p->v[P_SCALING] == S_SQRTN) *lt *= sqrt(*n) / d;
}

static const char *phase_check(const pl_params *p, char *buf, size_t len)
{
    size_t pw;
    double n, lt;
    phase_point(p, &pw, &n, &lt);
    pl_qs_setting s = {(size_t)p->v[P_D], pw, n, p->v[P_DELTA], lt, (size_t)p->v[P_DRAWS], 0};
    return pl_qs_setting_check(&s, buf, len);
}

static pl_status phase_theory_warm(const pl_experiment *e, const pl_params *p, const double *si,
                                   size_t ni, double *so, size_t *no, pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    if (no) *no = 0;
    size_t d = (size_t)p->v[P_D], pw;
    double n, lt;
    phase_point(p, &pw, &n, &lt);
    double *w = malloc(d * sizeof *w);
    if (!w) return PL_ENOMEM;
    pl_qs_setting s = {d, pw, n, p->v[P_DELTA], lt, (size_t)p->v[P_DRAWS], 0};
    pl_qs_theory th;
    pl_status st = pl_qs_powerlaw(d, p->v[P_GAMMA], 1, w);
    if (st == PL_OK) st = pl_qs_theory_init(&th, &s, w);
    if (st != PL_OK) {
        free(w);
        if (st == PL_ENOMEM) return st;
        pl_record_fail(rec, st, "theory setup: %s", pl_strerror(st));
        return PL_OK;
    }
    pl_qs_state x;
    st = pl_qs_solve(&th, ni == 3 ? si : NULL, NULL, &x);
    double ell = log(lt) / log((double)d);
    double reff = pl_qs_rho_eff(p->v[P_A], ell, p->v[P_GAMMA]);
    rec->metric[PM_RHOEFF] = reff;
    rec->metric[PM_REGIME] = p->v[P_RHO] < reff ? 0 : 1; /* 0: width-limited, 1: data-limited */
    rec->metric[PM_TAIL] = pl_qs_tail_error(th.w, d, pw);
    rec->metric[PM_P] = (double)pw;
    rec->metric[PM_N] = n;
    if (st == PL_OK || st == PL_ENOCONV) {
        rec->metric[PM_ERR] = x.err;
        rec->metric[PM_LOGERR] = log10(x.err);
    }
    if (st != PL_OK)
        pl_record_fail(rec, st, "fixed point: %s (residual %.3g)", pl_strerror(st), x.residual);
    else if (x.at_floor)
        snprintf(rec->message, sizeof rec->message,
                 "fixed point resolved to %.2g only (the map jumps when an eigenvalue crosses 0; "
                 "small alpha)", x.residual);
    if (st == PL_OK && so && no) {
        so[0] = x.q;
        so[1] = x.m;
        so[2] = x.sigma;
        *no = 3;
    }
    pl_qs_theory_free(&th);
    free(w);
    return PL_OK;
}

static pl_status phase_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    return phase_theory_warm(e, p, NULL, 0, NULL, NULL, out);
}

const pl_experiment pl_exp_quad_phase = {
    .name = "quad-phase",
    .summary = "Quadratic networks with a power-law target: phase diagram of log10 err over "
               "(rho = log_d p, a = log_d n), theory, with the effective-rank boundary",
    .description =
        "Finite-d theory of quad-width at p = round(d^rho), n = d^a, lambda-tilde = lambda_t "
        "(sqrt(n)/d with lambda_scaling=sqrtn). rho_eff = min(1, (a - l - 3/2)/gamma) with "
        "lambda-tilde = d^l: the number of target directions above the shrinkage threshold is "
        "~ d^rho_eff; regime = 0 (width-limited, rho < rho_eff) or 1 (data-limited). Heat map: "
        "phaselab run quad-phase --default-sweep --store ph.db; phaselab plot --store ph.db "
        "quad-phase --x rho --y a --z log10_err (and --z regime for the boundary).",
    .params = phase_params,
    .n_params = P_NP,
    .metrics = phase_metrics,
    .n_metrics = PM_NM,
    .default_sweep = "d=100 rho=0:1:0.1 a=1.4:2.6:0.2",
    .default_seeds = 0,
    .plot_x = "a",
    .plot_y = "log10_err",
    .check = phase_check,
    .theory = phase_theory,
    .theory_warm = phase_theory_warm,
};
