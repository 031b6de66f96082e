/* Family 4 experiments (the nuclear route): quad-erm, quad-threshold, quad-bo, quad-spectrum. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/figure.h"
#include "phaselab/report.h"
#include "phaselab/sweep.h"
#include "phaselab/quadnet.h"

/* ------------------------------------------------------------------ shared simulation */

enum { SOLVER_FISTA, SOLVER_GD, SOLVER_LBFGS };
static const char *const solver_names[] = {"fista", "gd", "lbfgs"};

/* The parameters of quad-erm and quad-spectrum. */
typedef struct {
    double kappa, kappa_star, lambda, delta, alpha;
    long d;
    int solver;
    double at_xi, tol;
    long maxit;
    double eta;
} erm_point;

typedef struct {
    pl_qn_result res;
    pl_qn_metrics m;
    double *eig; /* d eigenvalues of S_hat, ascending */
    size_t d;
} qn_sim_out;

/* Teacher (Wishart, m* = round(kappa* d)), data (n = ceil(alpha d^2)), one solver, metrics. */
static pl_status qn_simulate(const erm_point *sp, pl_rng *rng, qn_sim_out *out)
{
    size_t d = (size_t)sp->d, n = (size_t)ceil(sp->alpha * (double)d * (double)d);
    size_t ms = (size_t)llround(sp->kappa_star * (double)d);
    size_t m = (size_t)llround(sp->kappa * (double)d);
    if (m > d && sp->solver == SOLVER_FISTA) m = d;
    pl_rng rt = pl_rng_substream(rng, 1), rd = pl_rng_substream(rng, 2),
           ri = pl_rng_substream(rng, 3);
    pl_mat Ss = pl_mat_alloc(d, d), X = pl_mat_alloc(n, d), work = pl_mat_alloc(n, d),
           S = pl_mat_alloc(d, d), W = {0, 0, 0, NULL};
    double *y = malloc(n * sizeof *y);
    out->eig = malloc(d * sizeof(double));
    out->d = d;
    pl_status st = (Ss.data && X.data && work.data && S.data && y && out->eig) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) st = pl_qn_teacher_wishart(&rt, ms, Ss);
    if (st == PL_OK) st = pl_qn_sample(&rd, Ss, sp->delta, X, y, work);
    pl_mat_free(&work);
    pl_qn_problem pb = {X, y, sp->lambda, m};
    pl_qn_opts o = pl_qn_default_opts();
    o.tol = sp->tol;
    o.maxit = (size_t)sp->maxit;
    o.step = sp->solver == SOLVER_GD ? sp->eta : 0;
    if (st == PL_OK) {
        if (sp->solver == SOLVER_FISTA) {
            out->res = pl_qn_fista(&pb, &o, S);
        } else {
            W = pl_mat_alloc(d, m);
            if (!W.data) {
                st = PL_ENOMEM;
            } else {
                /* W_ij ~ N(0, 1/m): S = W W^T starts near the identity (gamma_init = 1) */
                pl_rng_normal_mat(&ri, W, 1 / sqrt((double)m));
                out->res = sp->solver == SOLVER_GD ? pl_qn_gd(&pb, &o, W) : pl_qn_lbfgs(&pb, &o, W);
                st = pl_syrk(PL_NOTRANS, 1.0, W, 0.0, S);
            }
        }
    }
    /* rank: eigenvalues above 1e-6 max(1, top) (FISTA's are exact zeros; the factor
     * solvers' null directions decay to ~ tol) */
    if (st == PL_OK) st = pl_qn_evaluate(&pb, Ss, S, 1e-6, &out->m, out->eig);
    pl_mat_free(&Ss);
    pl_mat_free(&X);
    pl_mat_free(&S);
    pl_mat_free(&W);
    free(y);
    return st;
}

static void sim_record_status(pl_record *rec, const qn_sim_out *so, const char *solver)
{
    pl_status s = so->res.status;
    if (s == PL_OK) return;
    if (s == PL_ENOCONV)
        pl_record_fail(rec, s, "%s stopped after %zu iterations with residual %.3g", solver,
                       so->res.iterations, so->res.residual);
    else
        pl_record_fail(rec, s, "%s: %s", solver, pl_strerror(s));
}

static const char *qn_check_common(double kappa, double kappa_star, double alpha, double d,
                                   char *buf, size_t len)
{
    if (llround(kappa_star * d) < 1) {
        snprintf(buf, len, "kappa_star * d = %g rounds to no teacher unit: increase kappa_star or d",
                 kappa_star * d);
        return buf;
    }
    if (llround(kappa * d) < 1) {
        snprintf(buf, len, "kappa * d = %g rounds to no student unit: increase kappa or d",
                 kappa * d);
        return buf;
    }
    double n = ceil(alpha * d * d);
    if (n * d > 2.5e8) {
        snprintf(buf, len, "n d = %.3g doubles of data is too large (alpha = %g, d = %g): the "
                 "limit is 2.5e8", n * d, alpha, d);
        return buf;
    }
    return NULL;
}

/* ------------------------------------------------------------------ quad-erm */

typedef struct {
    double mse, train_loss, rank, ise, objective, xi, q, branch, iterations, alpha_xi;
} erm_result;

static const pl_param_spec erm_params[] = {
    {PL_P_REAL(erm_point, kappa, 0.7, 0, 100,
               "student width m/d (> 0); the rank cap binds below kappa_min"),
     .lo_open = 1},
    {PL_P_REAL(erm_point, kappa_star, 0.5, 0, 100, "teacher width m*/d (> 0)"), .lo_open = 1},
    {PL_P_REAL(erm_point, lambda, 0.1, 0, 1e6,
               "weight decay: penalty (lambda/d)|W|_F^2 = (lambda/d) Tr S (>= 0; 0 = the "
               "lambda -> 0+ branches in theory)")},
    {PL_P_REAL(erm_point, delta, 0, 0, 1e6, "label noise variance (>= 0)")},
    {PL_P_REAL(erm_point, alpha, 0.3, 0, 1e3, "samples n = alpha d^2 (> 0)"), .lo_open = 1},
    {PL_P_INT(erm_point, d, 60, 2, 5000, "input dimension (simulation)")},
    {PL_P_CHOICE(erm_point, solver, SOLVER_FISTA, "fista|gd|lbfgs",
                 "FISTA on S, gradient descent or L-BFGS on the factor W (simulation)")},
    {PL_P_REAL(erm_point, at_xi, 0, 0, 1e6,
               "theory only: > 0 solves at this effective noise xi instead of at alpha (every "
               "root q is one record; the alpha it implies is the metric alpha_xi)")},
    {PL_P_REAL(erm_point, tol, 1e-7, 0, 1,
               "solver tolerance (relative FISTA step / relative gradient norm times d)"),
     .lo_open = 1},
    {PL_P_INT(erm_point, maxit, 20000, 1, 1e8, "solver iteration budget")},
    {PL_P_REAL(erm_point, eta, 0.2, 0, 100,
               "gradient descent time step (update W -= eta d grad L)"),
     .lo_open = 1},
};
static const pl_metric_spec erm_metrics[] = {
    PL_METRIC(erm_result, mse, "|S - S*|_F^2/d (the function-space error is twice this)"),
    PL_METRIC(erm_result, train_loss, "data term of the training loss"),
    PL_METRIC(erm_result, rank, "rank of S / d"),
    PL_METRIC(erm_result, ise, "in-sample error"),
    PL_METRIC(erm_result, objective, "training objective (simulation)"),
    PL_METRIC(erm_result, xi, "effective noise xi of the fixed point"),
    PL_METRIC(erm_result, q, "threshold q of the fixed point"),
    PL_METRIC(erm_result, branch, "index of the theory solution (0, 1, ... along q)"),
    PL_METRIC(erm_result, iterations, "solver iterations (simulation)"),
    PL_METRIC(erm_result, alpha_xi, "theory: the alpha of the solution (solved from xi when "
                                    "at_xi > 0, else the alpha parameter)"),
};

static pl_qn_setting setting_from(const erm_point *p)
{
    pl_qn_setting s = {p->kappa, p->kappa_star, p->lambda, p->delta};
    return s;
}

static const char *erm_check(const void *pt, char *buf, size_t len)
{
    const erm_point *p = pt;
    pl_qn_setting s = setting_from(p);
    const char *m = pl_qn_setting_check(&s, buf, len);
    if (m) return m;
    return qn_check_common(p->kappa, p->kappa_star, p->alpha, (double)p->d, buf, len);
}

/* Shared start of the quad-erm and quad-spectrum simulations: one solver run at point p.
 * PL_CONTINUE with so filled when the run finished (the caller frees so->eig and emits the
 * record); PL_OK when a failed record was emitted; PL_ENOMEM. */
static pl_status qn_sim_run(const pl_experiment *e, const erm_point *p, pl_rng *rng,
                            pl_emitter *em, qn_sim_out *so)
{
    memset(so, 0, sizeof *so);
    pl_status st = qn_simulate(p, rng, so);
    if (st == PL_OK) return PL_CONTINUE;
    free(so->eig);
    so->eig = NULL;
    if (st == PL_ENOMEM) return st;
    char src[32];
    snprintf(src, sizeof src, "sim:%s", solver_names[p->solver]);
    pl_record *rec = pl_emit(em, src, NULL);
    if (!rec) return PL_ENOMEM;
    (void)e;
    pl_record_fail(rec, st, "simulation: %s", pl_strerror(st));
    return PL_OK;
}

/* The finished run's record with the solver's status. */
static pl_status qn_sim_emit(const erm_point *p, pl_emitter *em, const qn_sim_out *so,
                             const void *res)
{
    char src[32];
    snprintf(src, sizeof src, "sim:%s", solver_names[p->solver]);
    pl_record *rec = pl_emit(em, src, res);
    if (!rec) return PL_ENOMEM;
    sim_record_status(rec, so, solver_names[p->solver]);
    return PL_OK;
}

static pl_status erm_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    const erm_point *p = pt;
    qn_sim_out so;
    pl_status st = qn_sim_run(e, p, rng, em, &so);
    if (st != PL_CONTINUE) return st;
    erm_result r;
    pl_result_clear(e, &r);
    r.mse = so.m.mse;
    r.train_loss = so.m.train_loss;
    r.rank = so.m.rank;
    r.ise = so.m.ise;
    r.objective = so.m.objective;
    r.iterations = (double)so.res.iterations;
    st = qn_sim_emit(p, em, &so, &r);
    free(so.eig);
    return st;
}

/* A theory record is trustworthy only when its observables are finite. */
static int state_finite(const pl_qn_state *x)
{
    return isfinite(x->mse) && isfinite(x->train_loss) && isfinite(x->rank) && isfinite(x->xi) &&
           isfinite(x->q);
}

static pl_status erm_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const erm_point *p = pt;
    pl_qn_setting s = setting_from(p);
    pl_qn_theory th;
    pl_status st = pl_qn_theory_init(&th, &s);
    pl_qn_state sol[8];
    size_t n = 0;
    double xi = p->at_xi, alpha = p->alpha;
    erm_result r;
    pl_result_clear(e, &r);
    if (st == PL_OK) {
        if (xi > 0) {
            n = pl_qn_roots_xi(&th, xi, sol, 8);
            if (n == 0) st = PL_ENOSOLUTION;
        } else {
            st = pl_qn_solve_alpha(&th, alpha, sol, 8, &n);
        }
    }
    if (st != PL_OK || n == 0) {
        pl_record *rec = pl_emit(em, "theory", &r);
        if (!rec) return PL_ENOMEM;
        if (st == PL_ENOSOLUTION && xi > 0)
            pl_record_fail(rec, st, "the fixed point has no solution q at xi = %g", xi);
        else if (st == PL_ENOSOLUTION)
            pl_record_fail(rec, st, "the fixed point has no solution at alpha = %g", alpha);
        else
            pl_record_fail(rec, st, "theory: %s", pl_strerror(st));
        return PL_OK;
    }
    for (size_t i = 0; i < n; i++) {
        r.mse = sol[i].mse;
        r.train_loss = sol[i].train_loss;
        r.rank = sol[i].rank;
        r.ise = sol[i].ise;
        r.xi = sol[i].xi;
        r.q = sol[i].q;
        r.branch = (double)i;
        r.alpha_xi = xi > 0 ? sol[i].alpha : alpha;
        pl_record *rec = pl_emit(em, "theory", &r);
        if (!rec) return PL_ENOMEM;
        if (!state_finite(&sol[i]))
            pl_record_fail(rec, PL_ENAN, "solution #%zu has non-finite observables", i);
        else if (n > 1 && xi > 0)
            snprintf(rec->message, sizeof rec->message,
                     "%zu solutions at xi = %g; this is #%zu (alpha = %.6g)", n, xi, i,
                     sol[i].alpha);
        else if (n > 1)
            snprintf(rec->message, sizeof rec->message, "%zu solutions at alpha = %g; this is #%zu",
                     n, alpha, i);
        else if (xi > 0)
            snprintf(rec->message, sizeof rec->message, "alpha = %.6g solved from xi = %g",
                     sol[i].alpha, xi);
        else if (sol[i].singular && s.lambda == 0)
            snprintf(rec->message, sizeof rec->message, "%s",
                     s.delta > 0 ? "lambda -> 0+ on the q = 0 branch (alpha > alpha_inter)"
                                 : "perfect recovery (alpha >= alpha_strong)");
    }
    return PL_OK;
}

const pl_experiment pl_exp_quad_erm = {
    .name = "quad-erm",
    .summary = "Quadratic networks, l2 ERM = nuclear-norm PSD matrix sensing: MSE, train loss "
               "and rank of S = W W^T vs alpha = n/d^2, simulation vs theory",
    .description =
        "Width-m = kappa d quadratic network f(x) = <(x x^T - I)/sqrt d, W W^T> trained on "
        "n = alpha d^2 Gaussian samples of a width-kappa* d teacher (S* = W* W*^T/m*) with "
        "noise variance delta, loss (1/4n) sum (y - f)^2 + (lambda/d)|W|_F^2. Simulation: "
        "FISTA on S (eigenvalue soft-threshold, top kappa d kept), gradient descent or L-BFGS "
        "on W. Metrics: mse = |S - S*|_F^2/d (function-space error is 2 mse), train_loss "
        "(data term), ise (in-sample error), rank fraction of S. Theory: the (q, xi) fixed point "
        "S = eta_q(S* + sqrt(xi) Z) of the nuclear route, continued in xi through its folds: one "
        "record per solution (branch); lambda = 0 gives the lambda -> 0+ branches (interpolation "
        "below alpha_inter / alpha_strong, the q = 0 branch or perfect recovery above).",
    .params = erm_params,
    .n_params = sizeof erm_params / sizeof erm_params[0],
    .point_size = sizeof(erm_point),
    .metric_map = erm_metrics,
    .n_metrics = sizeof erm_metrics / sizeof erm_metrics[0],
    .result_size = sizeof(erm_result),
    .default_sweep = "alpha=0.05:0.6:0.05 lambda=0.5,0.1,0.05 d=60",
    .default_seeds = 3,
    .plot_x = "alpha",
    .plot_y = "mse,train_loss,rank",
    .plot_logx = 0,
    .plot_logy = 0,
    .check_point = erm_check,
    .sim = erm_sim,
    .solve = erm_solve,
};

/* ------------------------------------------------------------------ quad-spectrum */

typedef struct {
    double rank, atom, top, mean_nz, q10, q25, q50, q75, q90;
} spec_result;
static const pl_metric_spec spec_metrics[] = {
    PL_METRIC(spec_result, rank, "fraction of nonzero eigenvalues of S"),
    PL_METRIC(spec_result, atom, "mass of the atom at 0 (1 - rank)"),
    PL_METRIC(spec_result, top, "top eigenvalue of S"),
    PL_METRIC(spec_result, mean_nz, "mean of the nonzero eigenvalues"),
    PL_METRIC(spec_result, q10, "10% quantile of the nonzero part"),
    PL_METRIC(spec_result, q25, "25% quantile of the nonzero part"),
    PL_METRIC(spec_result, q50, "median of the nonzero part"),
    PL_METRIC(spec_result, q75, "75% quantile of the nonzero part"),
    PL_METRIC(spec_result, q90, "90% quantile of the nonzero part"),
};
static const double spec_levels[5] = {0.10, 0.25, 0.50, 0.75, 0.90};

static double *spec_quantile(spec_result *r, int j)
{
    double *q[5] = {&r->q10, &r->q25, &r->q50, &r->q75, &r->q90};
    return q[j];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static pl_status spec_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    const erm_point *p = pt;
    qn_sim_out so;
    pl_status st = qn_sim_run(e, p, rng, em, &so);
    if (st != PL_CONTINUE) return st;
    /* nonzero eigenvalues (same rank rule as quad-erm), empirical quantiles by linear
     * interpolation of the order statistics */
    size_t d = so.d, k = 0;
    double thr = 1e-6 * fmax(1.0, so.eig[d - 1]), sum = 0;
    double *nz = malloc(d * sizeof *nz);
    if (!nz) {
        free(so.eig);
        return PL_ENOMEM;
    }
    for (size_t i = 0; i < d; i++)
        if (so.eig[i] > thr) {
            nz[k++] = so.eig[i];
            sum += so.eig[i];
        }
    qsort(nz, k, sizeof *nz, cmp_double);
    spec_result r;
    pl_result_clear(e, &r);
    r.rank = (double)k / (double)d;
    r.atom = 1 - (double)k / (double)d;
    if (k > 0) {
        r.top = nz[k - 1];
        r.mean_nz = sum / (double)k;
        for (int j = 0; j < 5; j++) {
            double pos = spec_levels[j] * (double)(k - 1);
            size_t i0 = (size_t)floor(pos);
            double f = pos - (double)i0;
            *spec_quantile(&r, j) = i0 + 1 < k ? (1 - f) * nz[i0] + f * nz[i0 + 1] : nz[i0];
        }
    }
    char src[32];
    snprintf(src, sizeof src, "sim:%s", solver_names[p->solver]);
    pl_record *rec = pl_emit(em, src, &r);
    st = rec ? pl_record_set_array(rec, "eig_nz", nz, k) : PL_ENOMEM;
    if (rec) sim_record_status(rec, &so, solver_names[p->solver]);
    free(nz);
    free(so.eig);
    return st;
}

static pl_status spec_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const erm_point *p = pt;
    pl_qn_setting s = setting_from(p);
    pl_qn_theory th;
    pl_qn_state sol[8];
    size_t n = 0;
    spec_result r;
    pl_status st = pl_qn_theory_init(&th, &s);
    if (st == PL_OK) st = pl_qn_solve_alpha(&th, p->alpha, sol, 8, &n);
    if (st != PL_OK || n == 0) {
        pl_result_clear(e, &r);
        pl_record *rec = pl_emit(em, "theory", &r);
        if (!rec) return PL_ENOMEM;
        pl_record_fail(rec, st == PL_OK ? PL_ENOSOLUTION : st, "theory at alpha = %g: %s",
                       p->alpha, pl_strerror(st == PL_OK ? PL_ENOSOLUTION : st));
        return PL_OK;
    }
    for (size_t b = 0; b < n; b++) {
        const pl_qn_state *x = &sol[b];
        pl_result_clear(e, &r);
        r.rank = x->rank;
        r.atom = 1 - x->rank;
        pl_status law_st = PL_OK;
        int perfect = !(x->xi > 0) || !(x->rank > 0); /* perfect recovery: no noise law */
        pl_qn_law law;
        if (!perfect) law_st = pl_qn_law_init(&law, s.kappa_star, x->xi);
        if (!perfect && law_st == PL_OK) {
            r.top = law.edges[2 * law.nint - 1] - x->q;
            r.mean_nz = pl_qn_spectrum_mean(&th, x);
            for (int j = 0; j < 5; j++) {
                double y;
                if (pl_qn_spectrum_quantile(&th, x, spec_levels[j], &y) == PL_OK)
                    *spec_quantile(&r, j) = y;
            }
        }
        pl_record *rec = pl_emit(em, "theory", &r);
        if (!rec) return PL_ENOMEM;
        if (perfect)
            snprintf(rec->message, sizeof rec->message,
                     "perfect recovery: S = S*, no noise law (quantiles not defined)");
        else if (law_st != PL_OK)
            pl_record_fail(rec, law_st, "spectral law at xi = %g: %s", x->xi,
                           pl_strerror(law_st));
        else if (!isfinite(r.top) || !isfinite(r.mean_nz) || !isfinite(r.q50))
            pl_record_fail(rec, PL_ENAN, "spectral law at xi = %g: non-finite quantiles", x->xi);
        if (n > 1 && rec->status == PL_REC_CONVERGED)
            snprintf(rec->message, sizeof rec->message, "%zu solutions; this is #%zu", n, b);
    }
    return PL_OK;
}

/* Default figure of quad-spectrum: histogram of the nonzero eigenvalues of S_hat pooled over
 * the finished seeds of the first simulated cell (the records carry them as the array
 * "eig_nz"), against the theory's density of the nonzero part (which integrates to the rank
 * fraction, so the histogram is normalised to the same total: count / (d * seeds * bin)). */
/* The spectrum of record r when it is a finished simulation of the same cell as `first`. */
static const double *spec_pooled(const pl_record *r, const pl_record *first, size_t *k)
{
    const double *ev = pl_record_array(r, "eig_nz", k);
    if (r->seed < 0 || r->status != PL_REC_CONVERGED || !ev ||
        memcmp(&r->params, &first->params, sizeof r->params) != 0)
        return NULL;
    return ev;
}

static pl_status spec_figure(const pl_experiment *e, const pl_records *recs, pl_figure *fig)
{
    const pl_record *first = NULL;
    for (size_t i = 0; i < recs->n && !first; i++)
        if (recs->rec[i].seed >= 0 && recs->rec[i].status == PL_REC_CONVERGED &&
            pl_record_array(&recs->rec[i], "eig_nz", NULL))
            first = &recs->rec[i];
    if (!first) {
        snprintf(fig->error, sizeof fig->error,
                 "no finished simulation with its spectrum (records stored before spectra were "
                 "kept have none: rerun with a new store)");
        return PL_EINVAL;
    }
    erm_point sp;
    pl_point_from_params(e, &first->params, &sp);
    size_t d = (size_t)sp.d, nseeds = 0;
    enum { NB = 40, NT = 400 };
    double top = 0;
    for (size_t i = 0; i < recs->n; i++) {
        size_t k;
        const double *ev = spec_pooled(&recs->rec[i], first, &k);
        for (size_t j = 0; ev && j < k; j++) top = fmax(top, ev[j]);
        nseeds += ev != NULL;
    }
    double xmax = top > 0 ? top * 1.1 : 1.0, bw = xmax / NB;
    double edges[NB + 1], hy[NB] = {0}, tx[NT], ty[NT];
    for (int b = 0; b <= NB; b++) edges[b] = b * bw;
    for (size_t i = 0; i < recs->n; i++) {
        size_t k;
        const double *ev = spec_pooled(&recs->rec[i], first, &k);
        for (size_t j = 0; ev && j < k; j++) {
            int b = (int)(ev[j] / bw);
            if (b >= 0 && b < NB) hy[b] += 1.0 / ((double)d * (double)nseeds * bw);
        }
    }
    /* theory: the first branch at this alpha */
    pl_qn_setting set = setting_from(&sp);
    pl_qn_theory th;
    pl_qn_state sol[8];
    size_t nsol = 0;
    int have_th = pl_qn_theory_init(&th, &set) == PL_OK &&
                  pl_qn_solve_alpha(&th, sp.alpha, sol, 8, &nsol) == PL_OK && nsol > 0 &&
                  sol[0].xi > 0 && sol[0].rank > 0;
    for (int t = 0; t < NT; t++) {
        tx[t] = xmax * (t + 0.5) / NT;
        ty[t] = have_th ? pl_qn_spectrum_density(&th, &sol[0], tx[t]) : NAN;
    }
    snprintf(fig->title, sizeof fig->title, "quad-spectrum: eigenvalues of S = W W^T");
    snprintf(fig->subtitle, sizeof fig->subtitle,
             "kappa=%g kappa*=%g lambda=%g delta=%g alpha=%g d=%zu, %zu seeds", sp.kappa,
             sp.kappa_star, sp.lambda, sp.delta, sp.alpha, d, nseeds);
    pl_panel *pan = pl_figure_add_panel(fig, "", "eigenvalue of S (nonzero part)", "density", 0, 0);
    if (!pan) return PL_ENOMEM;
    pl_status st = pl_panel_add_series(pan, PL_SERIES_HIST, "simulation", NB, edges, hy, NULL);
    if (st == PL_OK && have_th)
        st = pl_panel_add_series(pan, PL_SERIES_LINE, "theory density", NT, tx, ty, NULL);
    if (st == PL_OK && !have_th)
        st = pl_panel_add_series(pan, PL_SERIES_LINE, "no theory density at this point", 0,
                                 NULL, NULL, NULL);
    return st;
}

const pl_experiment pl_exp_quad_spectrum = {
    .name = "quad-spectrum",
    .summary = "Quadratic networks: spectrum of the learned S = W W^T (rank, atom at 0, "
               "quantiles of the nonzero part) vs the theory's eta_q(S* + sqrt(xi) Z) law",
    .description =
        "Same model and parameters as quad-erm. Simulation: eigenvalues of the solver's S; the "
        "nonzero part (eigenvalues > 1e-6 max(1, top)) is summarised by its mean, top and "
        "quantiles q10..q90. Theory: S's spectrum is the law of x - q for x ~ MP(kappa*) ⊞ "
        "SC(xi) above b = max(q, omega), plus an atom 1 - rank at 0; its quantiles, top edge "
        "and mean are reported with the same names.",
    .params = erm_params,
    .n_params = sizeof erm_params / sizeof erm_params[0],
    .point_size = sizeof(erm_point),
    .metric_map = spec_metrics,
    .n_metrics = sizeof spec_metrics / sizeof spec_metrics[0],
    .result_size = sizeof(spec_result),
    .default_sweep = "kappa=0.7 kappa_star=0.5 lambda=0.1 alpha=0.25,0.4 d=80",
    .default_seeds = 3,
    .plot_x = "alpha",
    .plot_y = "q50,top,rank",
    .check_point = erm_check,
    .sim = spec_sim,
    .solve = spec_solve,
    .figure = spec_figure,
};

/* ------------------------------------------------------------------ quad-threshold */

typedef struct {
    double kappa, kappa_star, delta;
} thr_point;
typedef struct {
    double alpha_strong, alpha_inter, alpha_bo, alpha_pr_gd;
} thr_result;
static const pl_param_spec thr_params[] = {
    {PL_P_REAL(thr_point, kappa, 1.0, 0, 100, "student width m/d (> 0)"), .lo_open = 1},
    {PL_P_REAL(thr_point, kappa_star, 0.3, 0, 100, "teacher width m*/d (> 0)"), .lo_open = 1},
    {PL_P_REAL(thr_point, delta, 0, 0, 1e6, "label noise variance (alpha_inter needs delta > 0)")},
};
static const pl_metric_spec thr_metrics[] = {
    PL_METRIC(thr_result, alpha_strong, "strong-recovery threshold of the ERM at lambda -> 0+"),
    PL_METRIC(thr_result, alpha_inter, "interpolation threshold at lambda -> 0+ (delta > 0)"),
    PL_METRIC(thr_result, alpha_bo, "Bayes-optimal perfect-recovery threshold"),
    PL_METRIC(thr_result, alpha_pr_gd, "perfect-recovery threshold of GD at lambda = 0"),
};

static pl_status thr_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const thr_point *p = pt;
    double kappa = p->kappa, ks = p->kappa_star, delta = p->delta;
    thr_result r;
    pl_result_clear(e, &r);
    double a;
    char msg[PL_MSG_LEN] = "";
    pl_status st = pl_qn_alpha_strong(kappa, ks, &a);
    if (st == PL_OK)
        r.alpha_strong = a;
    else if (st == PL_ENOSOLUTION)
        snprintf(msg, sizeof msg, "no strong recovery: kappa = %g < kappa_star = %g", kappa, ks);
    else {
        pl_record *rec = pl_emit(em, "theory", &r);
        if (!rec) return PL_ENOMEM;
        pl_record_fail(rec, st, "alpha_strong: %s", pl_strerror(st));
        return PL_OK;
    }
    r.alpha_bo = pl_qn_alpha_bo(ks);
    pl_status gs = pl_qn_alpha_pr_gd(kappa, ks, &a);
    if (gs == PL_OK)
        r.alpha_pr_gd = a;
    else {
        size_t l = strlen(msg);
        snprintf(msg + l, sizeof msg - l, "%salpha_pr_gd: %s", l ? "; " : "",
                 gs == PL_ENOSOLUTION ? "no perfect recovery for GD here" : pl_strerror(gs));
    }
    if (delta > 0) {
        pl_qn_setting s = {kappa, ks, 0, delta};
        pl_qn_theory th;
        double xi, mse;
        st = pl_qn_theory_init(&th, &s);
        if (st == PL_OK) st = pl_qn_alpha_inter(&th, &a, &xi, &mse);
        if (st == PL_OK)
            r.alpha_inter = a;
        else {
            size_t l = strlen(msg);
            snprintf(msg + l, sizeof msg - l, "%salpha_inter: %s", l ? "; " : "",
                     st == PL_ENOSOLUTION ? "no root in xi in [delta, max(100, 100 delta)]"
                                          : pl_strerror(st));
        }
    }
    pl_record *rec = pl_emit(em, "theory", &r);
    if (!rec) return PL_ENOMEM;
    memcpy(rec->message, msg, sizeof rec->message);
    return PL_OK;
}

const pl_experiment pl_exp_quad_threshold = {
    .name = "quad-threshold",
    .summary = "Quadratic networks: strong-recovery, interpolation, Bayes-optimal and GD "
               "perfect-recovery thresholds over (kappa, kappa_star, delta), theory only",
    .description =
        "alpha_strong: perfect recovery of the nuclear-norm ERM at lambda -> 0+, delta = 0 "
        "(closed form with semicircle tail moments); alpha_inter: interpolation threshold at "
        "lambda -> 0+ for delta > 0 (alpha = A(0, xi), first root in xi); alpha_bo = kappa* - "
        "kappa*^2/2 (1/2 for kappa* >= 1), the Bayes-optimal perfect-recovery threshold; "
        "alpha_pr_gd: the perfect-recovery threshold used for GD at lambda = 0. Heat map: "
        "phaselab run quad-threshold kappa=0.1:1:0.05 kappa_star=0.05:0.95:0.05 --store t.db; "
        "phaselab plot --store t.db quad-threshold --x kappa_star --y kappa --z alpha_strong.",
    .params = thr_params,
    .n_params = sizeof thr_params / sizeof thr_params[0],
    .point_size = sizeof(thr_point),
    .metric_map = thr_metrics,
    .n_metrics = sizeof thr_metrics / sizeof thr_metrics[0],
    .result_size = sizeof(thr_result),
    .default_sweep = "kappa_star=0.05:0.95:0.05 kappa=0.5,1 delta=0.5",
    .default_seeds = 0,
    .plot_x = "kappa_star",
    .plot_y = "alpha_strong,alpha_inter,alpha_bo",
    .solve = thr_solve,
};

/* ------------------------------------------------------------------ quad-bo */

typedef struct {
    double kappa_star, delta, alpha, kappa, lambda;
} bo_point;
typedef struct {
    double mmse, xi, erm_mse;
} bo_result;
static const pl_param_spec bo_params[] = {
    {PL_P_REAL(bo_point, kappa_star, 0.3, 0, 100, "teacher width m*/d (> 0)"), .lo_open = 1},
    {PL_P_REAL(bo_point, delta, 0, 0, 1e6, "label noise variance (>= 0)")},
    {PL_P_REAL(bo_point, alpha, 0.2, 0, 1e3, "samples n = alpha d^2 (> 0)"), .lo_open = 1},
    {PL_P_REAL(bo_point, kappa, 1, 0, 100, "student width of the ERM curve shown next to the "
                                           "MMSE"),
     .lo_open = 1},
    {PL_P_REAL(bo_point, lambda, 0, 0, 1e6, "weight decay of the ERM curve (0: lambda -> 0+)")},
};
static const pl_metric_spec bo_metrics[] = {
    PL_METRIC(bo_result, mmse, "Bayes-optimal |S - S*|_F^2/d"),
    PL_METRIC(bo_result, xi, "effective noise of the Bayes-optimal fixed point"),
    PL_METRIC(bo_result, erm_mse, "quad-erm's theory MSE at (kappa, lambda)"),
};

static pl_status bo_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const bo_point *p = pt;
    double mmse[8], xi[8];
    size_t n = 0;
    pl_status st = pl_qn_bo(p->kappa_star, p->delta, p->alpha, mmse, xi, 8, &n);
    bo_result r;
    pl_result_clear(e, &r);
    /* the ERM at the same point (unique: first solution) */
    pl_qn_setting s = {p->kappa, p->kappa_star, p->lambda, p->delta};
    pl_qn_theory th;
    pl_qn_state sol[4];
    size_t ns = 0;
    pl_status es = pl_qn_theory_init(&th, &s);
    if (es == PL_OK) es = pl_qn_solve_alpha(&th, p->alpha, sol, 4, &ns);
    if (es == PL_OK && ns > 0) r.erm_mse = sol[0].mse;
    if (st != PL_OK || n == 0) {
        pl_record *rec = pl_emit(em, "theory", &r);
        if (!rec) return PL_ENOMEM;
        pl_record_fail(rec, st == PL_OK ? PL_ENOSOLUTION : st, "Bayes-optimal fixed point: %s",
                       pl_strerror(st == PL_OK ? PL_ENOSOLUTION : st));
        return PL_OK;
    }
    for (size_t i = 0; i < n; i++) {
        r.mmse = mmse[i];
        r.xi = xi[i];
        pl_record *rec = pl_emit(em, "theory", &r);
        if (!rec) return PL_ENOMEM;
        if (!isfinite(mmse[i]) || !isfinite(xi[i])) {
            pl_record_fail(rec, PL_ENAN, "Bayes-optimal solution #%zu is not finite", i);
            continue;
        }
        if (n > 1)
            snprintf(rec->message, sizeof rec->message, "%zu solutions; this is #%zu", n, i);
        if (!isfinite(r.erm_mse)) {
            size_t l = strlen(rec->message);
            snprintf(rec->message + l, sizeof rec->message - l,
                     "%sno erm_mse: the ERM curve at this point: %s", l ? "; " : "",
                     es == PL_OK ? "no solution" : pl_strerror(es));
        }
    }
    return PL_OK;
}

static const char *bo_check(const void *pt, char *buf, size_t len)
{
    const bo_point *p = pt;
    pl_qn_setting s = {p->kappa, p->kappa_star, p->lambda, p->delta};
    return pl_qn_setting_check(&s, buf, len);
}

const pl_experiment pl_exp_quad_bo = {
    .name = "quad-bo",
    .summary = "Quadratic networks: Bayes-optimal MMSE (RIE formula) vs alpha, next to the "
               "ERM's MSE, theory only",
    .description =
        "Bayes-optimal error of learning S* = W* W*^T/m* from n = alpha d^2 noisy quadratic "
        "measurements (Maillard et al. 2024): xi = (MMSE + delta/2)/(2 alpha), MMSE = xi - "
        "(4 pi^2/3) xi^2 int rho_xi^3 with rho_xi = MP(kappa*) ⊞ SC(xi). MMSE in units of "
        "|S - S*|_F^2/d (the trivial estimator I scores 1/kappa*). Perfect recovery at "
        "delta = 0 above kappa* - kappa*^2/2. erm_mse is quad-erm's theory at (kappa, lambda).",
    .params = bo_params,
    .n_params = sizeof bo_params / sizeof bo_params[0],
    .point_size = sizeof(bo_point),
    .metric_map = bo_metrics,
    .n_metrics = sizeof bo_metrics / sizeof bo_metrics[0],
    .result_size = sizeof(bo_result),
    .default_sweep = "alpha=0.02:0.6:0.02 delta=0,0.5",
    .default_seeds = 0,
    .plot_x = "alpha",
    .plot_y = "mmse,erm_mse",
    .check_point = bo_check,
    .solve = bo_solve,
};
