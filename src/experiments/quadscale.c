/* Family 5 experiments (width x data scaling laws): quad-width, quad-data, quad-phase. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/quadscale.h"

enum { S_FIXED, S_SQRTN };
enum { QS_LBFGS_CHOICE, QS_FISTA_CHOICE };

/* ------------------------------------------------------------------ quad-width / quad-data */

typedef struct {
    long d;
    double gamma, delta, lambda_t, n;
    long p, draws;
    int lambda_scaling;
    double kappa_star;
    int solver;
    double tol;
    long maxit;
} qs_point;

typedef struct {
    double err, tail, slope, pred_slope, rank, train, xi, tau, q, m, sigma, iterations;
} qs_result;

static const pl_metric_spec w_metrics[] = {
    PL_METRIC(qs_result, err, "|S - S*|_F^2/d"),
    PL_METRIC(qs_result, tail, "best rank-p error (the n -> infinity limit)"),
    PL_METRIC(qs_result, slope, "local log-log slope of the theory curve in the swept variable"),
    PL_METRIC(qs_result, pred_slope, "predicted exponent: 1 - 2 gamma (width), 1/(2 gamma) - 1 "
                                     "(data)"),
    PL_METRIC(qs_result, rank, "rank of the estimate / d"),
    PL_METRIC(qs_result, train, "training objective"),
    PL_METRIC(qs_result, xi, "scalar-denoiser noise variance xi"),
    PL_METRIC(qs_result, tau, "scalar-denoiser threshold tau"),
    PL_METRIC(qs_result, q, "order parameter q"),
    PL_METRIC(qs_result, m, "order parameter m"),
    PL_METRIC(qs_result, sigma, "order parameter Sigma"),
    PL_METRIC(qs_result, iterations, "solver iterations / function evaluations"),
};

#define QS_PARAMS(pdef, ndef)                                                                 \
    {                                                                                         \
        {PL_P_INT(qs_point, d, 100, 2, 4000, "input dimension")},                             \
        {PL_P_REAL(qs_point, gamma, 1.25, 0, 20,                                              \
                   "decay of the target spectrum w_k ~ k^-gamma (exponents need > 1/2)")},    \
        {PL_P_REAL(qs_point, delta, 0.1, 0, 1e6, "label noise variance (>= 0)")},             \
        {PL_P_REAL(qs_point, lambda_t, 0.1, 0, 1e9,                                           \
                   "regularisation lambda-tilde of (1/d^2) sum res^2 + lambda_t Tr S/d (> 0); " \
                   "family 4's lambda = lambda_t/(4 n/d^2)"),                                  \
         .lo_open = 1},                                                                       \
        {PL_P_REAL(qs_point, n, ndef, 1, 1e12, "number of samples")},                         \
        {PL_P_INT(qs_point, p, pdef, 1, 1e6, "student width (<= d)")},                        \
        {PL_P_INT(qs_point, draws, 3, 1, 1000, "GOE draws averaged in the finite-d theory")}, \
        {PL_P_CHOICE(qs_point, lambda_scaling, S_FIXED, "fixed|sqrtn",                        \
                     "fixed: lambda-tilde = lambda_t; sqrtn: lambda_t sqrt(n)/d")},            \
        {PL_P_REAL(qs_point, kappa_star, 1, 0, 1, "rank of the target / d (w_k = 0 beyond)"), \
         .lo_open = 1},                                                                       \
        {PL_P_CHOICE(qs_point, solver, QS_LBFGS_CHOICE, "lbfgs|fista",                        \
                     "L-BFGS on the width-p factor, or FISTA on S with rank cap p")},         \
        {PL_P_REAL(qs_point, tol, 1e-8, 0, 1, "solver tolerance"), .lo_open = 1},             \
        {PL_P_INT(qs_point, maxit, 50000, 1, 1e8, "solver budget")},                          \
    }

static const pl_param_spec width_params[] = QS_PARAMS(10, 10000);
static const pl_param_spec data_params[] = QS_PARAMS(20, 10000);

static double lambda_of(const qs_point *p)
{
    double lt = p->lambda_t;
    if (p->lambda_scaling == S_SQRTN) lt *= sqrt(p->n) / (double)p->d;
    return lt;
}

static pl_qs_setting qs_setting_of(const qs_point *p)
{
    pl_qs_setting s = {(size_t)p->d, (size_t)p->p, p->n,         p->delta,
                       lambda_of(p), (size_t)p->draws, 0};
    return s;
}

static const char *qs_check(const void *pt, char *buf, size_t len)
{
    const qs_point *p = pt;
    pl_qs_setting s = qs_setting_of(p);
    if (p->p > p->d) {
        snprintf(buf, len, "p = %ld > d = %ld: the width cannot exceed the dimension", p->p, p->d);
        return buf;
    }
    return pl_qs_setting_check(&s, buf, len);
}

static pl_status qs_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    const qs_point *p = pt;
    int fista = p->solver == QS_FISTA_CHOICE;
    const char *src = fista ? "sim:fista" : "sim:lbfgs";
    size_t d = (size_t)p->d;
    qs_result r;
    pl_result_clear(e, &r);
    if (p->n * (double)d > 2.5e8) {
        pl_record *rec = pl_emit(em, src, &r);
        if (!rec) return PL_ENOMEM;
        pl_record_fail(rec, PL_EINVAL,
                       "n d = %.3g doubles of data is too large for a simulation (limit 2.5e8)",
                       p->n * (double)d);
        return PL_OK;
    }
    double *w = malloc(d * sizeof *w);
    if (!w) return PL_ENOMEM;
    pl_qs_sim sim;
    pl_status st = pl_qs_powerlaw(d, p->gamma, p->kappa_star, w);
    if (st == PL_OK)
        st = pl_qs_simulate(rng, w, d, (size_t)p->p, (size_t)llround(p->n), p->delta,
                            lambda_of(p), fista ? PL_QS_FISTA : PL_QS_LBFGS, p->tol,
                            (size_t)p->maxit, &sim);
    free(w);
    if (st == PL_ENOMEM) return st;
    if (st == PL_OK) {
        r.err = sim.err;
        r.rank = sim.rank;
        r.train = sim.objective;
        r.iterations = (double)sim.iterations;
    }
    pl_record *rec = pl_emit(em, src, &r);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK)
        pl_record_fail(rec, st, "simulation: %s", pl_strerror(st));
    else if (sim.status != PL_OK)
        pl_record_fail(rec, sim.status, "%s stopped after %zu evaluations: %s",
                       fista ? "FISTA" : "L-BFGS", sim.iterations, pl_strerror(sim.status));
    return PL_OK;
}

/* Theory at one point, warm-started from state_in (q, m, Sigma). which = 0: local slope in p
 * (quad-width), 1: in n (quad-data). */
static pl_status qs_theory_point(const pl_experiment *e, const qs_point *p, int which,
                                 const double *state_in, size_t nstate_in, double *state_out,
                                 size_t *nstate_out, pl_emitter *em)
{
    if (nstate_out) *nstate_out = 0;
    size_t d = (size_t)p->d, pw = (size_t)p->p;
    qs_result r;
    pl_result_clear(e, &r);
    char msg[PL_MSG_LEN] = "";
    pl_status fail = PL_OK;
    double *w = malloc(d * sizeof *w);
    if (!w) return PL_ENOMEM;
    pl_qs_setting s = qs_setting_of(p);
    pl_qs_theory th;
    pl_status st = pl_qs_powerlaw(d, p->gamma, p->kappa_star, w);
    if (st == PL_OK) st = pl_qs_theory_init(&th, &s, w);
    if (st != PL_OK) {
        free(w);
        if (st == PL_ENOMEM) return st;
        pl_record *rec = pl_emit(em, "theory", &r);
        if (!rec) return PL_ENOMEM;
        pl_record_fail(rec, st, "theory setup: %s", pl_strerror(st));
        return PL_OK;
    }
    pl_qs_state x;
    pl_qs_opts o = pl_qs_default_opts();
    st = pl_qs_solve(&th, nstate_in == 3 ? state_in : NULL, &o, &x);
    if (st != PL_OK && st != PL_ENOCONV) {
        fail = st;
        snprintf(msg, sizeof msg, "fixed point: %s", pl_strerror(st));
        goto done;
    }
    r.err = x.err;
    r.tail = pl_qs_tail_error(th.w, d, pw);
    r.rank = x.rank;
    r.train = x.train;
    r.xi = x.xi;
    r.tau = x.tau;
    r.q = x.q;
    r.m = x.m;
    r.sigma = x.sigma;
    r.iterations = (double)x.iterations;
    if (st == PL_ENOCONV) {
        fail = st;
        snprintf(msg, sizeof msg, "fixed point not converged: residual %.3g after %zu iterations",
                 x.residual, x.iterations);
        goto done;
    }
    if (!isfinite(x.err)) {
        fail = PL_ENAN;
        snprintf(msg, sizeof msg, "the fixed point's error is not finite");
        goto done;
    }
    if (x.at_floor)
        snprintf(msg, sizeof msg,
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
    if (pl_qs_exponents(p->gamma, &we, &de) == PL_OK)
        r.pred_slope = which ? de : we;
    else
        snprintf(msg, sizeof msg,
                 "gamma = %g <= 1/2: no power-law exponent (the tail sum does not decay)",
                 p->gamma);
    pl_qs_setting s2 = s;
    double ratio;
    if (which == 0) {
        s2.p = pw < d ? pw + 1 : pw - 1;
        ratio = (double)s2.p / (double)pw;
    } else {
        s2.n = s.n * 1.05;
        if (p->lambda_scaling == S_SQRTN) s2.lambda_t = s.lambda_t * sqrt(1.05);
        ratio = 1.05;
    }
    if (which == 1 || s2.p != pw) {
        pl_qs_theory_update(&th, &s2);
        double x0[3] = {x.q, x.m, x.sigma};
        pl_qs_state x2;
        if (pl_qs_solve(&th, x0, &o, &x2) == PL_OK && x2.err > 0 && x.err > 0)
            r.slope = log(x2.err / x.err) / log(ratio);
    }
done:
    pl_qs_theory_free(&th);
    free(w);
    pl_record *rec = pl_emit(em, "theory", &r);
    if (!rec) return PL_ENOMEM;
    if (fail != PL_OK)
        pl_record_fail(rec, fail, "%s", msg);
    else
        snprintf(rec->message, sizeof rec->message, "%s", msg);
    return PL_OK;
}

static pl_status width_solve_warm(const pl_experiment *e, const void *pt, const double *si,
                                  size_t ni, double *so, size_t *no, pl_emitter *em)
{
    return qs_theory_point(e, pt, 0, si, ni, so, no, em);
}
static pl_status width_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    return qs_theory_point(e, pt, 0, NULL, 0, NULL, NULL, em);
}
static pl_status data_solve_warm(const pl_experiment *e, const void *pt, const double *si,
                                 size_t ni, double *so, size_t *no, pl_emitter *em)
{
    return qs_theory_point(e, pt, 1, si, ni, so, no, em);
}
static pl_status data_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    return qs_theory_point(e, pt, 1, NULL, 0, NULL, NULL, em);
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

/* Records a and b share the source and every parameter except parameter xi. */
static int same_group(const pl_experiment *e, const pl_record *a, const pl_record *b, int xi)
{
    if (strcmp(a->source, b->source) != 0) return 0;
    for (size_t i = 0; i < e->n_params; i++)
        if ((int)i != xi && a->params.v[i] != b->params.v[i]) return 0;
    return 1;
}

/* Fitted exponent of err against the swept parameter `xname` (p or n), one fit per source
 * and per combination of the other parameters, over every point of the sweep with a positive
 * mean error (simulation: the mean over seeds). */
static void qs_report_fit(const pl_experiment *e, const pl_records *recs, FILE *out,
                          const char *xname)
{
    int xi = pl_param_index(e, xname), gi = pl_param_index(e, "gamma");
    int mi = pl_metric_index(e, "err");
    size_t n = recs->n;
    unsigned char *used = calloc(n ? n : 1, 1);
    double *xs = malloc((n ? n : 1) * sizeof *xs), *ys = malloc((n ? n : 1) * sizeof *ys);
    if (!used || !xs || !ys || xi < 0 || gi < 0 || mi < 0) goto done;
    for (size_t r0 = 0; r0 < n; r0++) {
        if (used[r0]) continue;
        const pl_record *a = &recs->rec[r0];
        /* the group: same source and the same parameters except xi; distinct x values */
        size_t m = 0;
        for (size_t r = r0; r < n; r++) {
            const pl_record *b = &recs->rec[r];
            if (!same_group(e, a, b, xi)) continue;
            used[r] = 1;
            if (b->status != PL_REC_CONVERGED || !(b->metric[mi] > 0)) continue;
            size_t k;
            for (k = 0; k < m; k++)
                if (xs[k] == b->params.v[xi]) break;
            if (k == m) xs[m++] = b->params.v[xi];
        }
        /* average the seeds of one x */
        for (size_t k = 0; k < m; k++) {
            double s = 0;
            size_t c = 0;
            for (size_t r = r0; r < n; r++) {
                const pl_record *b = &recs->rec[r];
                if (same_group(e, a, b, xi) && b->params.v[xi] == xs[k] &&
                    b->status == PL_REC_CONVERGED && b->metric[mi] > 0) {
                    s += b->metric[mi];
                    c++;
                }
            }
            ys[k] = c ? s / (double)c : NAN;
        }
        double slope, se, icpt, we, de, gamma = a->params.v[gi];
        if (m < 3 || pl_qs_fit_exponent(xs, ys, m, &slope, &se, &icpt) != PL_OK) continue;
        double lo = xs[0], hi = xs[0];
        for (size_t k = 1; k < m; k++) {
            lo = fmin(lo, xs[k]);
            hi = fmax(hi, xs[k]);
        }
        fprintf(out, "%s fit (%s, gamma=%g): err ~ %s^s, s = %.4f ± %.4f over %s in [%g, %g] "
                     "(%zu points)", e->name, a->source, gamma, xname, slope, se, xname, lo,
                hi, m);
        int width = strcmp(xname, "p") == 0;
        if (pl_qs_exponents(gamma, &we, &de) == PL_OK)
            fprintf(out, "; predicted %s %.4f", width ? "1 - 2 gamma =" : "1/(2 gamma) - 1 =",
                    width ? we : de);
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
    qs_report_fit(e, recs, out, "p");
}

static void data_report(const pl_experiment *e, const pl_records *recs, FILE *out)
{
    qs_report_fit(e, recs, out, "n");
}

const pl_experiment pl_exp_quad_width = {
    .name = "quad-width",
    .summary = "Quadratic networks with a power-law target: error vs width p at fixed n, "
               "simulation vs finite-d theory, local exponents",
    .description = QS_DESCRIPTION
    "Sweep p (the error falls like p^(1-2 gamma) while the width limits, then reaches a "
    "plateau beyond the minimal width; at fixed lambda_t it can be non-monotone).",
    .params = width_params,
    .n_params = sizeof width_params / sizeof width_params[0],
    .point_size = sizeof(qs_point),
    .metric_map = w_metrics,
    .n_metrics = sizeof w_metrics / sizeof w_metrics[0],
    .result_size = sizeof(qs_result),
    .default_sweep = "d=100 n=10000 p=1,2,3,4,6,9,13,19,28,42,62,100",
    .default_seeds = 3,
    .plot_x = "p",
    .plot_y = "err",
    .plot_logx = 1,
    .plot_logy = 1,
    .check_point = qs_check,
    .sim = qs_sim,
    .solve = width_solve,
    .solve_warm = width_solve_warm,
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
    .n_params = sizeof data_params / sizeof data_params[0],
    .point_size = sizeof(qs_point),
    .metric_map = w_metrics,
    .n_metrics = sizeof w_metrics / sizeof w_metrics[0],
    .result_size = sizeof(qs_result),
    .default_sweep = "d=100 p=100 lambda_t=3 lambda_scaling=sqrtn n=1000,2000,4000,8000,16000,"
                     "32000,64000,128000,256000,512000",
    .default_seeds = 0, /* large n: simulate a smaller d, see docs/width-data-scaling.md */
    .plot_x = "n",
    .plot_y = "err",
    .plot_logx = 1,
    .plot_logy = 1,
    .check_point = qs_check,
    .sim = qs_sim,
    .solve = data_solve,
    .solve_warm = data_solve_warm,
    .report = data_report,
};

/* ------------------------------------------------------------------ quad-phase */

typedef struct {
    long d;
    double gamma, delta, lambda_t, rho, a;
    long draws;
    int lambda_scaling;
} phase_point_t;

typedef struct {
    double err, log10_err, rho_eff, regime, tail, p, n;
} phase_result;

static const pl_param_spec phase_params[] = {
    {PL_P_INT(phase_point_t, d, 100, 2, 4000, "input dimension")},
    {PL_P_REAL(phase_point_t, gamma, 1.25, 0, 20, "target spectrum decay")},
    {PL_P_REAL(phase_point_t, delta, 0.1, 0, 1e6, "label noise variance")},
    {PL_P_REAL(phase_point_t, lambda_t, 0.1, 0, 1e9,
               "lambda-tilde (times sqrt(n)/d with lambda_scaling=sqrtn)"),
     .lo_open = 1},
    {PL_P_REAL(phase_point_t, rho, 0.5, 0, 1, "width exponent: p = round(d^rho)")},
    {PL_P_REAL(phase_point_t, a, 2, 0, 6, "data exponent: n = d^a")},
    {PL_P_INT(phase_point_t, draws, 3, 1, 1000, "GOE draws of the theory")},
    {PL_P_CHOICE(phase_point_t, lambda_scaling, S_SQRTN, "fixed|sqrtn",
                 "fixed: lambda-tilde = lambda_t; sqrtn: lambda_t sqrt(n)/d")},
};
static const pl_metric_spec phase_metrics[] = {
    PL_METRIC(phase_result, err, "|S - S*|_F^2/d of the finite-d theory"),
    PL_METRIC(phase_result, log10_err, "log10 err"),
    PL_METRIC(phase_result, rho_eff, "effective-rank exponent min(1, (a - l - 3/2)/gamma)"),
    PL_METRIC(phase_result, regime, "0: width-limited (rho < rho_eff), 1: data-limited"),
    PL_METRIC(phase_result, tail, "best rank-p error"),
    PL_METRIC(phase_result, p, "student width round(d^rho)"),
    PL_METRIC(phase_result, n, "samples d^a"),
};

static pl_qs_setting phase_setting(const phase_point_t *p)
{
    double d = (double)p->d;
    double pp = round(pow(d, p->rho));
    if (pp < 1) pp = 1;
    if (pp > d) pp = d;
    double n = pow(d, p->a), lt = p->lambda_t;
    if (p->lambda_scaling == S_SQRTN) lt *= sqrt(n) / d;
    pl_qs_setting s = {(size_t)p->d, (size_t)pp, n, p->delta, lt, (size_t)p->draws, 0};
    return s;
}

static const char *phase_check(const void *pt, char *buf, size_t len)
{
    pl_qs_setting s = phase_setting(pt);
    return pl_qs_setting_check(&s, buf, len);
}

static pl_status phase_solve_warm(const pl_experiment *e, const void *pt, const double *si,
                                  size_t ni, double *so, size_t *no, pl_emitter *em)
{
    const phase_point_t *p = pt;
    if (no) *no = 0;
    pl_qs_setting s = phase_setting(p);
    size_t d = s.d, pw = s.p;
    phase_result r;
    pl_result_clear(e, &r);
    double *w = malloc(d * sizeof *w);
    if (!w) return PL_ENOMEM;
    pl_qs_theory th;
    pl_status st = pl_qs_powerlaw(d, p->gamma, 1, w);
    if (st == PL_OK) st = pl_qs_theory_init(&th, &s, w);
    if (st != PL_OK) {
        free(w);
        if (st == PL_ENOMEM) return st;
        pl_record *rec = pl_emit(em, "theory", &r);
        if (!rec) return PL_ENOMEM;
        pl_record_fail(rec, st, "theory setup: %s", pl_strerror(st));
        return PL_OK;
    }
    pl_qs_state x;
    st = pl_qs_solve(&th, ni == 3 ? si : NULL, NULL, &x);
    double ell = log(s.lambda_t) / log((double)d);
    r.rho_eff = pl_qs_rho_eff(p->a, ell, p->gamma);
    r.regime = p->rho < r.rho_eff ? 0 : 1;
    r.tail = pl_qs_tail_error(th.w, d, pw);
    r.p = (double)pw;
    r.n = s.n;
    if (st == PL_OK || st == PL_ENOCONV) {
        r.err = x.err;
        r.log10_err = log10(x.err);
    }
    pl_record *rec = pl_emit(em, "theory", &r);
    if (!rec) st = PL_ENOMEM;
    else if (st != PL_OK)
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
    return st == PL_ENOMEM ? st : PL_OK;
}

static pl_status phase_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    return phase_solve_warm(e, pt, NULL, 0, NULL, NULL, em);
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
    .n_params = sizeof phase_params / sizeof phase_params[0],
    .point_size = sizeof(phase_point_t),
    .metric_map = phase_metrics,
    .n_metrics = sizeof phase_metrics / sizeof phase_metrics[0],
    .result_size = sizeof(phase_result),
    .default_sweep = "d=100 rho=0:1:0.1 a=1.4:2.6:0.2",
    .default_seeds = 0,
    .plot_x = "a",
    .plot_y = "log10_err",
    .check_point = phase_check,
    .solve = phase_solve,
    .solve_warm = phase_solve_warm,
};
