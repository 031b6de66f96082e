/* Family 4 experiments (the nuclear route): quad-erm, quad-threshold, quad-bo, quad-spectrum. */
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/report.h"
#include "phaselab/sweep.h"
#include "phaselab/quadnet.h"

/* ------------------------------------------------------------------ shared simulation */

enum { SOLVER_FISTA, SOLVER_GD, SOLVER_LBFGS };
static const char *const solver_names[] = {"fista", "gd", "lbfgs"};

typedef struct {
    double kappa, kappa_star, lambda, delta, alpha;
    size_t d;
    int solver;
    double tol, eta;
    size_t maxit;
} qn_sim_params;

typedef struct {
    pl_qn_result res;
    pl_qn_metrics m;
    double *eig; /* d eigenvalues of S_hat, ascending */
    size_t d;
} qn_sim_out;

/* Teacher (Wishart, m* = round(kappa* d)), data (n = ceil(alpha d^2)), one solver, metrics. */
static pl_status qn_simulate(const qn_sim_params *sp, pl_rng *rng, qn_sim_out *out)
{
    size_t d = sp->d, n = (size_t)ceil(sp->alpha * (double)d * (double)d);
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
    o.maxit = sp->maxit;
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

enum { E_KAPPA, E_KSTAR, E_LAMBDA, E_DELTA, E_ALPHA, E_D, E_SOLVER, E_XI, E_TOL, E_MAXIT, E_ETA,
       E_NP };
enum { EM_MSE, EM_TRAIN, EM_RANK, EM_ISE, EM_OBJ, EM_XI, EM_Q, EM_BRANCH, EM_ITER, EM_NM };

static const pl_param_spec erm_params[E_NP] = {
    [E_KAPPA] = {"kappa", PL_PARAM_REAL, 0.7, 0, 100, 1, 0, NULL,
                 "student width m/d (> 0); the rank cap binds below kappa_min"},
    [E_KSTAR] = {"kappa_star", PL_PARAM_REAL, 0.5, 0, 100, 1, 0, NULL, "teacher width m*/d (> 0)"},
    [E_LAMBDA] = {"lambda", PL_PARAM_REAL, 0.1, 0, 1e6, 0, 0, NULL,
                  "weight decay: penalty (lambda/d)|W|_F^2 = (lambda/d) Tr S (>= 0; 0 = the "
                  "lambda -> 0+ branches in theory)"},
    [E_DELTA] = {"delta", PL_PARAM_REAL, 0, 0, 1e6, 0, 0, NULL, "label noise variance (>= 0)"},
    [E_ALPHA] = {"alpha", PL_PARAM_REAL, 0.3, 0, 1e3, 1, 0, NULL, "samples n = alpha d^2 (> 0)"},
    [E_D] = {"d", PL_PARAM_INT, 60, 2, 5000, 0, 0, NULL, "input dimension (simulation)"},
    [E_SOLVER] = {"solver", PL_PARAM_CHOICE, SOLVER_FISTA, 0, 0, 0, 0, "fista|gd|lbfgs",
                  "FISTA on S, gradient descent or L-BFGS on the factor W (simulation)"},
    [E_XI] = {"at_xi", PL_PARAM_REAL, 0, 0, 1e6, 0, 0, NULL,
              "theory only: > 0 solves at this effective noise xi instead of at alpha (every "
              "root q is one record)"},
    [E_TOL] = {"tol", PL_PARAM_REAL, 1e-7, 0, 1, 1, 0, NULL,
               "solver tolerance (relative FISTA step / relative gradient norm times d)"},
    [E_MAXIT] = {"maxit", PL_PARAM_INT, 20000, 1, 1e8, 0, 0, NULL, "solver iteration budget"},
    [E_ETA] = {"eta", PL_PARAM_REAL, 0.2, 0, 100, 1, 0, NULL,
               "gradient descent time step (update W -= eta d grad L)"},
};
static const char *const erm_metrics[EM_NM] = {"mse", "train_loss", "rank", "ise", "objective",
                                               "xi", "q", "branch", "iterations"};

static void setting_from(const pl_params *p, pl_qn_setting *s)
{
    s->kappa = p->v[E_KAPPA];
    s->kappa_star = p->v[E_KSTAR];
    s->lambda = p->v[E_LAMBDA];
    s->delta = p->v[E_DELTA];
}

static const char *erm_check(const pl_params *p, char *buf, size_t len)
{
    pl_qn_setting s;
    setting_from(p, &s);
    const char *m = pl_qn_setting_check(&s, buf, len);
    if (m) return m;
    return qn_check_common(p->v[E_KAPPA], p->v[E_KSTAR], p->v[E_ALPHA], p->v[E_D], buf, len);
}

static void sim_params_from(const pl_params *p, qn_sim_params *sp)
{
    sp->kappa = p->v[E_KAPPA];
    sp->kappa_star = p->v[E_KSTAR];
    sp->lambda = p->v[E_LAMBDA];
    sp->delta = p->v[E_DELTA];
    sp->alpha = p->v[E_ALPHA];
    sp->d = (size_t)p->v[E_D];
    sp->solver = (int)p->v[E_SOLVER];
    sp->tol = p->v[E_TOL];
    sp->maxit = (size_t)p->v[E_MAXIT];
    sp->eta = p->v[E_ETA];
}

/* Shared start of the quad-erm and quad-spectrum simulations: one solver run at point p into
 * a new "sim:<solver>" record. PL_CONTINUE with *rec and so filled when the run finished (the
 * caller frees so->eig); PL_OK when the record was marked failed; PL_ENOMEM. */
static pl_status qn_sim_record(const pl_params *p, pl_rng *rng, pl_records *out,
                               qn_sim_params *sp, pl_record **rec, qn_sim_out *so)
{
    sim_params_from(p, sp);
    char src[32];
    snprintf(src, sizeof src, "sim:%s", solver_names[sp->solver]);
    *rec = pl_records_add(out, p, src, 0);
    if (!*rec) return PL_ENOMEM;
    memset(so, 0, sizeof *so);
    pl_status st = qn_simulate(sp, rng, so);
    if (st == PL_OK) return PL_CONTINUE;
    free(so->eig);
    so->eig = NULL;
    if (st == PL_ENOMEM) return st;
    pl_record_fail(*rec, st, "simulation: %s", pl_strerror(st));
    return PL_OK;
}

static pl_status erm_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                              pl_records *out)
{
    (void)e;
    qn_sim_params sp;
    pl_record *rec;
    qn_sim_out so;
    pl_status st = qn_sim_record(p, rng, out, &sp, &rec, &so);
    if (st != PL_CONTINUE) return st;
    rec->metric[EM_MSE] = so.m.mse;
    rec->metric[EM_TRAIN] = so.m.train_loss;
    rec->metric[EM_RANK] = so.m.rank;
    rec->metric[EM_ISE] = so.m.ise;
    rec->metric[EM_OBJ] = so.m.objective;
    rec->metric[EM_ITER] = (double)so.res.iterations;
    sim_record_status(rec, &so, solver_names[sp.solver]);
    free(so.eig);
    return PL_OK;
}

static void theory_fill(pl_record *rec, const pl_qn_state *st, int branch)
{
    rec->metric[EM_MSE] = st->mse;
    rec->metric[EM_TRAIN] = st->train_loss;
    rec->metric[EM_RANK] = st->rank;
    rec->metric[EM_ISE] = st->ise;
    rec->metric[EM_XI] = st->xi;
    rec->metric[EM_Q] = st->q;
    rec->metric[EM_BRANCH] = branch;
}

static pl_status erm_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_qn_setting s;
    setting_from(p, &s);
    pl_qn_theory th;
    pl_status st = pl_qn_theory_init(&th, &s);
    pl_qn_state sol[8];
    size_t n = 0;
    double xi = p->v[E_XI], alpha = p->v[E_ALPHA];
    if (st == PL_OK) {
        if (xi > 0) {
            n = pl_qn_roots_xi(&th, xi, sol, 8);
            if (n == 0) st = PL_ENOSOLUTION;
        } else {
            st = pl_qn_solve_alpha(&th, alpha, sol, 8, &n);
        }
    }
    if (st != PL_OK || n == 0) {
        pl_record *rec = pl_records_add(out, p, "theory", -1);
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
        pl_record *rec = pl_records_add(out, p, "theory", -1);
        if (!rec) return PL_ENOMEM;
        theory_fill(rec, &sol[i], (int)i);
        if (n > 1)
            snprintf(rec->message, sizeof rec->message, "%zu solutions at %s = %g; this is #%zu",
                     n, xi > 0 ? "xi" : "alpha", xi > 0 ? xi : alpha, i);
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
    .n_params = E_NP,
    .metrics = erm_metrics,
    .n_metrics = EM_NM,
    .default_sweep = "alpha=0.05:0.6:0.05 lambda=0.5,0.1,0.05 d=60",
    .default_seeds = 3,
    .plot_x = "alpha",
    .plot_y = "mse,train_loss,rank",
    .plot_logx = 0,
    .plot_logy = 0,
    .check = erm_check,
    .simulate = erm_simulate,
    .theory = erm_theory,
};

/* ------------------------------------------------------------------ quad-spectrum */

enum { SM_RANK, SM_ATOM, SM_TOP, SM_MEAN, SM_Q10, SM_Q25, SM_Q50, SM_Q75, SM_Q90, SM_NM };
static const char *const spec_metrics[SM_NM] = {"rank", "atom", "top", "mean_nz", "q10",
                                                "q25", "q50", "q75", "q90"};
static const double spec_levels[5] = {0.10, 0.25, 0.50, 0.75, 0.90};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static pl_status spec_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                               pl_records *out)
{
    (void)e;
    qn_sim_params sp;
    pl_record *rec;
    qn_sim_out so;
    pl_status st = qn_sim_record(p, rng, out, &sp, &rec, &so);
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
    rec->metric[SM_RANK] = (double)k / (double)d;
    rec->metric[SM_ATOM] = 1 - (double)k / (double)d;
    if (k > 0) {
        rec->metric[SM_TOP] = nz[k - 1];
        rec->metric[SM_MEAN] = sum / (double)k;
        for (int j = 0; j < 5; j++) {
            double pos = spec_levels[j] * (double)(k - 1);
            size_t i0 = (size_t)floor(pos);
            double f = pos - (double)i0;
            rec->metric[SM_Q10 + j] = i0 + 1 < k ? (1 - f) * nz[i0] + f * nz[i0 + 1] : nz[i0];
        }
    }
    sim_record_status(rec, &so, solver_names[sp.solver]);
    free(nz);
    free(so.eig);
    return PL_OK;
}

static pl_status spec_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_qn_setting s;
    setting_from(p, &s);
    pl_qn_theory th;
    pl_qn_state sol[8];
    size_t n = 0;
    pl_status st = pl_qn_theory_init(&th, &s);
    if (st == PL_OK) st = pl_qn_solve_alpha(&th, p->v[E_ALPHA], sol, 8, &n);
    if (st != PL_OK || n == 0) {
        pl_record *rec = pl_records_add(out, p, "theory", -1);
        if (!rec) return PL_ENOMEM;
        pl_record_fail(rec, st, "theory at alpha = %g: %s", p->v[E_ALPHA], pl_strerror(st));
        return PL_OK;
    }
    for (size_t b = 0; b < n; b++) {
        pl_record *rec = pl_records_add(out, p, "theory", -1);
        if (!rec) return PL_ENOMEM;
        const pl_qn_state *x = &sol[b];
        rec->metric[SM_RANK] = x->rank;
        rec->metric[SM_ATOM] = 1 - x->rank;
        if (!(x->xi > 0) || !(x->rank > 0)) continue; /* perfect recovery: no noise law */
        pl_qn_law law;
        pl_status ls = pl_qn_law_init(&law, s.kappa_star, x->xi);
        if (ls != PL_OK) {
            pl_record_fail(rec, ls, "noise law at xi = %g: %s (no spectrum)", x->xi,
                           pl_strerror(ls));
            continue;
        }
        rec->metric[SM_TOP] = law.edges[2 * law.nint - 1] - x->q;
        rec->metric[SM_MEAN] = pl_qn_spectrum_mean(&th, x);
        for (int j = 0; j < 5; j++) {
            double y;
            pl_status qs = pl_qn_spectrum_quantile(&th, x, spec_levels[j], &y);
            if (qs == PL_OK) {
                rec->metric[SM_Q10 + j] = y;
            } else if (rec->status == PL_REC_CONVERGED) {
                pl_record_fail(rec, qs, "spectrum quantile %g: %s", spec_levels[j],
                               pl_strerror(qs));
            }
        }
        if (rec->status == PL_REC_CONVERGED &&
            !(isfinite(rec->metric[SM_TOP]) && isfinite(rec->metric[SM_MEAN])))
            pl_record_fail(rec, PL_ENAN, "the spectrum's edge or mean is not finite");
    }
    return PL_OK;
}

/* Default figure of quad-spectrum: histogram of the nonzero eigenvalues of S_hat pooled over
 * the finished seeds of the first simulated cell (recomputed from the same random streams as
 * the records), against the theory's density of the nonzero part (which integrates to the
 * rank fraction, so the histogram is normalised to the same total: count / (d * seeds * bin)). */
static pl_status spec_plot(const pl_experiment *e, const pl_records *recs, const char *file,
                           char *err, size_t errlen)
{
    const pl_record *first = NULL;
    for (size_t i = 0; i < recs->n && !first; i++)
        if (recs->rec[i].seed >= 0 && recs->rec[i].status == PL_REC_CONVERGED)
            first = &recs->rec[i];
    if (!first) {
        snprintf(err, errlen, "plot: no finished simulation to draw a spectrum of");
        return PL_EINVAL;
    }
    const pl_params *p = &first->params;
    qn_sim_params sp;
    sim_params_from(p, &sp);
    size_t d = sp.d, nseeds = 0, k = 0;
    double *nz = NULL;
    pl_status st = PL_OK;
    for (size_t i = 0; i < recs->n && st == PL_OK; i++) {
        const pl_record *r = &recs->rec[i];
        if (r->seed < 0 || r->status != PL_REC_CONVERGED ||
            memcmp(&r->params, p, sizeof *p) != 0)
            continue;
        pl_rng rng;
        pl_rng_init(&rng, (uint64_t)r->seed, pl_cell_stream(e, p));
        qn_sim_out so;
        memset(&so, 0, sizeof so);
        st = qn_simulate(&sp, &rng, &so);
        double *grown = st == PL_OK ? realloc(nz, (k + d) * sizeof *nz) : NULL;
        if (st == PL_OK && !grown) st = PL_ENOMEM;
        if (st == PL_OK) {
            nz = grown;
            double thr = 1e-6 * fmax(1.0, so.eig[d - 1]);
            for (size_t j = 0; j < d; j++)
                if (so.eig[j] > thr) nz[k++] = so.eig[j];
            nseeds++;
        }
        free(so.eig);
    }
    if (st != PL_OK || k == 0) {
        free(nz);
        snprintf(err, errlen, "plot: recomputing the spectrum failed: %s",
                 st != PL_OK ? pl_strerror(st) : "no nonzero eigenvalue");
        return st != PL_OK ? st : PL_EINVAL;
    }
    double top = 0;
    for (size_t j = 0; j < k; j++) top = fmax(top, nz[j]);
    /* theory: the first branch at this alpha */
    pl_qn_setting set;
    setting_from(p, &set);
    pl_qn_theory th;
    pl_qn_state sol[8];
    size_t nsol = 0;
    int have_th = pl_qn_theory_init(&th, &set) == PL_OK &&
                  pl_qn_solve_alpha(&th, p->v[E_ALPHA], sol, 8, &nsol) == PL_OK && nsol > 0 &&
                  sol[0].xi > 0 && sol[0].rank > 0;
    enum { NB = 40, NT = 400 };
    double xmax = top * 1.1, bw = xmax / NB;
    double hx[NB], hy[NB] = {0}, tx[NT], ty[NT], ymax = 0;
    for (int b = 0; b < NB; b++) hx[b] = (b + 0.5) * bw;
    for (size_t j = 0; j < k; j++) {
        int b = (int)(nz[j] / bw);
        if (b >= 0 && b < NB) hy[b] += 1.0 / ((double)d * (double)nseeds * bw);
    }
    for (int b = 0; b < NB; b++) ymax = fmax(ymax, hy[b]);
    for (int t = 0; t < NT; t++) {
        tx[t] = xmax * (t + 0.5) / NT;
        ty[t] = have_th ? pl_qn_spectrum_density(&th, &sol[0], tx[t]) : NAN;
        if (isfinite(ty[t])) ymax = fmax(ymax, ty[t]);
    }
    free(nz);
    const char *dev;
    pl_status pst = pl_plot_target(file, &dev, err, errlen);
    if (pst != PL_OK) return pst;
    char title[256];
    snprintf(title, sizeof title, "quad-spectrum: kappa=%g kappa*=%g lambda=%g alpha=%g d=%zu, %zu seeds",
             p->v[E_KAPPA], p->v[E_KSTAR], p->v[E_LAMBDA], p->v[E_ALPHA], d, nseeds);
    plsdev(dev);
    plsfnam(file);
    plsetopt("geometry", "900x600");
    plscolbg(255, 255, 255);
    plinit();
    plfontld(1);
    plscol0(15, 0, 0, 0);
    plscol0(1, 31, 119, 180);
    plscol0(2, 214, 39, 40);
    pladv(0);
    plvsta();
    plwind(0, xmax, 0, ymax * 1.1);
    plcol0(15);
    plbox("bcnst", 0, 0, "bcnstv", 0, 0);
    pllab("eigenvalue of S (nonzero part)", "density", title);
    plcol0(1);
    plbin(NB, hx, hy, PL_BIN_CENTRED);
    if (have_th) {
        plcol0(2);
        plwidth(2.0);
        plline(NT, tx, ty);
        plwidth(1.0);
    }
    plcol0(15);
    plmtex("t", -1.5, 0.97, 1.0, have_th ? "bars: simulation; line: theory density" : "bars: simulation (no theory density at this point)");
    plend();
    return PL_OK;
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
    .n_params = E_NP,
    .metrics = spec_metrics,
    .n_metrics = SM_NM,
    .default_sweep = "kappa=0.7 kappa_star=0.5 lambda=0.1 alpha=0.25,0.4 d=80",
    .default_seeds = 3,
    .plot_x = "alpha",
    .plot_y = "q50,top,rank",
    .check = erm_check,
    .simulate = spec_simulate,
    .theory = spec_theory,
    .plot = spec_plot,
};

/* ------------------------------------------------------------------ quad-threshold */

enum { T_KAPPA, T_KSTAR, T_DELTA, T_NP };
enum { TM_STRONG, TM_INTER, TM_BO, TM_PRGD, TM_NM };
static const pl_param_spec thr_params[T_NP] = {
    [T_KAPPA] = {"kappa", PL_PARAM_REAL, 1.0, 0, 100, 1, 0, NULL, "student width m/d (> 0)"},
    [T_KSTAR] = {"kappa_star", PL_PARAM_REAL, 0.3, 0, 100, 1, 0, NULL, "teacher width m*/d (> 0)"},
    [T_DELTA] = {"delta", PL_PARAM_REAL, 0, 0, 1e6, 0, 0, NULL,
                 "label noise variance (alpha_inter needs delta > 0)"},
};
static const char *const thr_metrics[TM_NM] = {"alpha_strong", "alpha_inter", "alpha_bo",
                                               "alpha_pr_gd"};

static pl_status thr_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    double kappa = p->v[T_KAPPA], ks = p->v[T_KSTAR], delta = p->v[T_DELTA];
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    double a;
    char msg[PL_MSG_LEN] = "";
    pl_status st = pl_qn_alpha_strong(kappa, ks, &a);
    if (st == PL_OK) rec->metric[TM_STRONG] = a;
    else if (st == PL_ENOSOLUTION)
        snprintf(msg, sizeof msg, "no strong recovery: kappa = %g < kappa_star = %g", kappa, ks);
    else {
        pl_record_fail(rec, st, "alpha_strong: %s", pl_strerror(st));
        return PL_OK;
    }
    rec->metric[TM_BO] = pl_qn_alpha_bo(ks);
    pl_status gs = pl_qn_alpha_pr_gd(kappa, ks, &a);
    if (gs == PL_OK) rec->metric[TM_PRGD] = a;
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
        if (st == PL_OK) rec->metric[TM_INTER] = a;
        else {
            size_t l = strlen(msg);
            snprintf(msg + l, sizeof msg - l, "%salpha_inter: %s", l ? "; " : "",
                     st == PL_ENOSOLUTION ? "no root in xi in [delta, max(100, 100 delta)]"
                                          : pl_strerror(st));
        }
    }
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
    .n_params = T_NP,
    .metrics = thr_metrics,
    .n_metrics = TM_NM,
    .default_sweep = "kappa_star=0.05:0.95:0.05 kappa=0.5,1 delta=0.5",
    .default_seeds = 0,
    .plot_x = "kappa_star",
    .plot_y = "alpha_strong,alpha_inter,alpha_bo",
    .theory = thr_theory,
};

/* ------------------------------------------------------------------ quad-bo */

enum { B_KSTAR, B_DELTA, B_ALPHA, B_KAPPA, B_LAMBDA, B_NP };
enum { BM_MMSE, BM_XI, BM_ERM, BM_NM };
static const pl_param_spec bo_params[B_NP] = {
    [B_KSTAR] = {"kappa_star", PL_PARAM_REAL, 0.3, 0, 100, 1, 0, NULL, "teacher width m*/d (> 0)"},
    [B_DELTA] = {"delta", PL_PARAM_REAL, 0, 0, 1e6, 0, 0, NULL, "label noise variance (>= 0)"},
    [B_ALPHA] = {"alpha", PL_PARAM_REAL, 0.2, 0, 1e3, 1, 0, NULL, "samples n = alpha d^2 (> 0)"},
    [B_KAPPA] = {"kappa", PL_PARAM_REAL, 1, 0, 100, 1, 0, NULL,
                 "student width of the ERM curve shown next to the MMSE"},
    [B_LAMBDA] = {"lambda", PL_PARAM_REAL, 0, 0, 1e6, 0, 0, NULL,
                  "weight decay of the ERM curve (0: lambda -> 0+)"},
};
static const char *const bo_metrics[BM_NM] = {"mmse", "xi", "erm_mse"};

static pl_status bo_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    double ks = p->v[B_KSTAR], delta = p->v[B_DELTA], alpha = p->v[B_ALPHA];
    double mmse[8], xi[8];
    size_t n = 0;
    pl_status st = pl_qn_bo(ks, delta, alpha, mmse, xi, 8, &n);
    /* the ERM at the same point (unique: first solution) */
    double erm = NAN;
    pl_qn_setting s = {p->v[B_KAPPA], ks, p->v[B_LAMBDA], delta};
    pl_qn_theory th;
    pl_qn_state sol[4];
    size_t ns = 0;
    pl_status es = pl_qn_theory_init(&th, &s);
    if (es == PL_OK) es = pl_qn_solve_alpha(&th, alpha, sol, 4, &ns);
    if (es == PL_OK && ns > 0) erm = sol[0].mse;
    if (st != PL_OK || n == 0) {
        pl_record *rec = pl_records_add(out, p, "theory", -1);
        if (!rec) return PL_ENOMEM;
        rec->metric[BM_ERM] = erm;
        pl_record_fail(rec, st, "Bayes-optimal fixed point: %s", pl_strerror(st));
        return PL_OK;
    }
    for (size_t i = 0; i < n; i++) {
        pl_record *rec = pl_records_add(out, p, "theory", -1);
        if (!rec) return PL_ENOMEM;
        rec->metric[BM_MMSE] = mmse[i];
        rec->metric[BM_XI] = xi[i];
        rec->metric[BM_ERM] = erm;
        if (n > 1)
            snprintf(rec->message, sizeof rec->message, "%zu solutions; this is #%zu", n, i);
        if (!isfinite(mmse[i]) || !isfinite(xi[i]))
            pl_record_fail(rec, PL_ENAN, "the Bayes-optimal fixed point is not finite");
        else if (!isfinite(erm)) {
            size_t l = strlen(rec->message);
            snprintf(rec->message + l, sizeof rec->message - l,
                     "%sno erm_mse: the ERM curve at this point: %s", l ? "; " : "",
                     es == PL_OK ? "no solution" : pl_strerror(es));
        }
    }
    return PL_OK;
}

static const char *bo_check(const pl_params *p, char *buf, size_t len)
{
    pl_qn_setting s = {p->v[B_KAPPA], p->v[B_KSTAR], p->v[B_LAMBDA], p->v[B_DELTA]};
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
    .n_params = B_NP,
    .metrics = bo_metrics,
    .n_metrics = BM_NM,
    .default_sweep = "alpha=0.02:0.6:0.02 delta=0,0.5",
    .default_seeds = 0,
    .plot_x = "alpha",
    .plot_y = "mmse,erm_mse",
    .check = bo_check,
    .theory = bo_theory,
};
