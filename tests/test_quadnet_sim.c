/* Family 4 at finite d: the sensing operator, gradients, optimality of the three solvers on one
 * instance, and simulation vs theory through the experiments.
 *
 * Statistical tests (spec 04 O3 points, kappa = 1, kappa* = 0.3, lambda = 0.1, FISTA, d = 60,
 * 6 seeds): the seed mean must lie within 3 standard errors of the d -> infinity theory plus a
 * finite-size allowance:
 *  - MSE: 1/m* = 1/(kappa* d). The teacher's norm has E|S*|_F^2/d = 1 + 1/kappa* + 1/m*
 *    exactly (E S_ii^2 = 1 + 2/m*, E S_ij^2 = 1/m*), an O(1/d) excess over Q0 = 1 + 1/kappa*
 *    that enters the MSE additively when data are scarce; the measured bias with Gaussian
 *    inputs scales like 1/d: d (MSE_d - MSE_inf) = 1.7, 1.9, 1.9 at d = 40, 60, 100 (8 seeds,
 *    noisy point), below 1/kappa* = 3.3. (The spec's O3, with GOE sensing, saw 1.0–1.6.)
 *  - train loss: 5/d relative. Measured (6 seeds) +7.8%, +6.8%, +3.1% at d = 40, 60, 100 at
 *    the noiseless point, i.e. 3–4/d; ~0 at the noisy point.
 *  - rank fraction: 1/d, the resolution of a count of eigenvalues (one eigenvalue).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/quadnet.h"
#include "phaselab/report.h"
#include "phaselab/sweep.h"
#include "pl_test.h"

/* ---- exact identities of the sensing operator */
static void check_operator(void)
{
    size_t d = 7, n = 23, m = 3;
    pl_rng r;
    pl_rng_init(&r, 3, 1);
    pl_mat X = pl_mat_alloc(n, d), S = pl_mat_alloc(d, d), R = pl_mat_alloc(d, d),
           work = pl_mat_alloc(n, d), W = pl_mat_alloc(d, m), XW = pl_mat_alloc(n, m);
    double out[23], out2[23], rv[23];
    pl_rng_normal_mat(&r, X, 1);
    pl_rng_goe(&r, S, 1);
    pl_rng_normal_fill(&r, rv, n, 1);
    pl_rng_normal_mat(&r, W, 1);
    CHECK(pl_qn_sense(X, S, out, work) == PL_OK, "sense");
    /* direct: (x^T S x - Tr S)/sqrt d */
    double maxerr = 0;
    for (size_t mu = 0; mu < n; mu++) {
        double q = 0;
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) q += PL_AT(X, mu, i) * PL_AT(S, i, j) * PL_AT(X, mu, j);
        maxerr = fmax(maxerr, fabs(out[mu] - (q - pl_mat_trace(S)) / sqrt((double)d)));
    }
    CHECK(maxerr < 1e-12, "forward sensing vs direct formula (%g)", maxerr);
    /* adjoint: <A(S), r> = <S, A*(r)> */
    CHECK(pl_qn_sense_adj(X, rv, R, work) == PL_OK, "adjoint");
    double lhs = pl_dot(n, out, rv), rhs = pl_dot(d * d, S.data, R.data);
    CHECK_CLOSE(lhs, rhs, 1e-12 * fabs(lhs), "adjoint identity");
    CHECK(PL_AT(R, 1, 4) == PL_AT(R, 4, 1), "adjoint symmetric");
    /* the factor route equals the sensing of W W^T */
    pl_syrk(PL_NOTRANS, 1.0, W, 0.0, S);
    pl_qn_sense(X, S, out, work);
    pl_qn_sense_factor(X, W, out2, XW);
    maxerr = 0;
    for (size_t mu = 0; mu < n; mu++) maxerr = fmax(maxerr, fabs(out[mu] - out2[mu]));
    CHECK(maxerr < 1e-11, "factor sensing = sensing of W W^T (%g)", maxerr);
    pl_mat_free(&X);
    pl_mat_free(&S);
    pl_mat_free(&R);
    pl_mat_free(&work);
    pl_mat_free(&W);
    pl_mat_free(&XW);
}

typedef struct {
    size_t d, n;
    pl_mat Ss, X;
    double *y;
} instance;

static void make_instance(instance *I, size_t d, double alpha, double ks, double delta, long seed)
{
    I->d = d;
    I->n = (size_t)ceil(alpha * (double)d * (double)d);
    I->Ss = pl_mat_alloc(d, d);
    I->X = pl_mat_alloc(I->n, d);
    I->y = malloc(I->n * sizeof(double));
    pl_mat work = pl_mat_alloc(I->n, d);
    pl_rng r;
    pl_rng_init(&r, (uint64_t)seed, 99);
    pl_qn_teacher_wishart(&r, (size_t)llround(ks * (double)d), I->Ss);
    pl_qn_sample(&r, I->Ss, delta, I->X, I->y, work);
    pl_mat_free(&work);
}

static void free_instance(instance *I)
{
    pl_mat_free(&I->Ss);
    pl_mat_free(&I->X);
    free(I->y);
}

/* ---- gradient of the factor loss by central differences */
static void check_gradient(void)
{
    instance I;
    make_instance(&I, 12, 0.5, 0.5, 0.3, 1);
    pl_qn_problem pb = {I.X, I.y, 0.2, 0};
    size_t m = 4, n = I.n, d = I.d;
    pl_mat W = pl_mat_alloc(d, m), G = pl_mat_alloc(d, m), XW = pl_mat_alloc(n, m),
           T = pl_mat_alloc(n, m), none = {0, 0, 0, NULL};
    double *res = malloc(n * sizeof *res);
    pl_rng r;
    pl_rng_init(&r, 5, 5);
    pl_rng_normal_mat(&r, W, 0.4);
    pl_qn_factor_loss_grad(&pb, W, G, res, XW, T, NULL);
    double maxerr = 0, h = 1e-6;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < m; j++) {
            double s = PL_AT(W, i, j);
            PL_AT(W, i, j) = s + h;
            double Lp = pl_qn_factor_loss_grad(&pb, W, none, res, XW, T, NULL);
            PL_AT(W, i, j) = s - h;
            double Lm = pl_qn_factor_loss_grad(&pb, W, none, res, XW, T, NULL);
            PL_AT(W, i, j) = s;
            maxerr = fmax(maxerr, fabs((Lp - Lm) / (2 * h) - PL_AT(G, i, j)));
        }
    CHECK(maxerr < 1e-7, "factor gradient vs central differences (%g)", maxerr);
    free(res);
    pl_mat_free(&W);
    pl_mat_free(&G);
    pl_mat_free(&XW);
    pl_mat_free(&T);
    free_instance(&I);
}

/* ---- FISTA, GD and L-BFGS reach the same minimum (kappa = 1 >= kappa_min) */
static void check_three_solvers(void)
{
    instance I;
    make_instance(&I, 20, 0.6, 0.3, 0.5, 7);
    size_t d = I.d;
    pl_qn_problem pb = {I.X, I.y, 0.1, 0};
    pl_qn_opts o = pl_qn_default_opts();
    o.tol = 1e-10;
    pl_mat S = pl_mat_alloc(d, d), W1 = pl_mat_alloc(d, d), W2 = pl_mat_alloc(d, d),
           S1 = pl_mat_alloc(d, d), work = pl_mat_alloc(I.n, d);
    pl_qn_result rf = pl_qn_fista(&pb, &o, S);
    CHECK(rf.status == PL_OK, "FISTA converged (%s, residual %g)", pl_strerror(rf.status),
          rf.residual);
    pl_rng r;
    pl_rng_init(&r, 11, 0);
    pl_rng_normal_mat(&r, W1, 1 / sqrt((double)d));
    pl_mat_copy(W2, W1);
    pl_qn_result rl = pl_qn_lbfgs(&pb, &o, W1);
    CHECK(rl.status == PL_OK, "L-BFGS converged (%s)", pl_strerror(rl.status));
    /* plain GD converges linearly and slowly: the objective error is quadratic in the
     * gradient, so a gradient tolerance of 1e-5 is enough for 1e-6 on the objective */
    o.tol = 1e-5;
    o.maxit = 200000;
    pl_qn_result rg = pl_qn_gd(&pb, &o, W2);
    CHECK(rg.status == PL_OK, "GD converged (%s)", pl_strerror(rg.status));
    CHECK_CLOSE(rl.objective, rf.objective, 1e-6 * rf.objective, "L-BFGS objective = FISTA's");
    CHECK_CLOSE(rg.objective, rf.objective, 1e-6 * rf.objective, "GD objective = FISTA's");
    /* the objective the solvers report is the objective of their S */
    double train;
    double obj = pl_qn_objective(&pb, S, work, &train);
    CHECK_CLOSE(obj, rf.objective, 1e-12 * obj, "FISTA objective of S");
    pl_syrk(PL_NOTRANS, 1.0, W1, 0.0, S1);
    double diff = 0;
    for (size_t i = 0; i < d * d; i++) diff += pow(S1.data[i] - S.data[i], 2);
    CHECK(sqrt(diff / pl_mat_frob2(S)) < 1e-4, "same minimiser S (rel. dist %g)",
          sqrt(diff / pl_mat_frob2(S)));
    /* optimality (KKT) of the FISTA solution: with G = (1/2n) A*(A(S) - y),
     * G + (lambda/d) I is PSD, and vanishes on the range of S: (G + lambda/d I) S = 0 */
    double *res = malloc(I.n * sizeof *res), *w = malloc(d * sizeof *w);
    pl_mat Gm = pl_mat_alloc(d, d), P = pl_mat_alloc(d, d);
    pl_qn_sense(I.X, S, res, work);
    for (size_t mu = 0; mu < I.n; mu++) res[mu] = (res[mu] - I.y[mu]) / (2.0 * (double)I.n);
    pl_qn_sense_adj(I.X, res, Gm, work);
    for (size_t i = 0; i < d; i++) PL_AT(Gm, i, i) += pb.lambda / (double)d;
    pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Gm, S, 0.0, P);
    CHECK(sqrt(pl_mat_frob2(P)) < 1e-7 * sqrt(pl_mat_frob2(S)) * pb.lambda,
          "complementary slackness |(G + lambda/d) S| = %g", sqrt(pl_mat_frob2(P)));
    pl_syev(Gm, w);
    CHECK(w[0] > -1e-7 * pb.lambda / (double)d, "G + lambda/d I is PSD (min eig %g)", w[0]);
    free(res);
    free(w);
    pl_mat_free(&Gm);
    pl_mat_free(&P);
    pl_mat_free(&S);
    pl_mat_free(&W1);
    pl_mat_free(&W2);
    pl_mat_free(&S1);
    pl_mat_free(&work);
    free_instance(&I);
}

/* ---- simulation vs theory through the experiment (spec 04 O3 points) */
static void check_statistical(double delta, double alpha)
{
    const pl_experiment *e = pl_experiment_find("quad-erm");
    CHECK(e != NULL, "quad-erm registered");
    if (!e) return;
    pl_grid g;
    pl_grid_init(&g, e);
    char err[256], w[64];
    const char *words[] = {"kappa=1", "kappa_star=0.3", "lambda=0.1", "d=60", "solver=fista"};
    for (int i = 0; i < 5; i++) CHECK(pl_grid_set(&g, words[i], err, sizeof err) == NULL, "%s", err);
    snprintf(w, sizeof w, "delta=%g", delta);
    pl_grid_set(&g, w, err, sizeof err);
    snprintf(w, sizeof w, "alpha=%.10g", alpha);
    pl_grid_set(&g, w, err, sizeof err);
    pl_sweep_opts o = {.seeds = 6, .theory = 1, .simulate = 1};
    pl_records all;
    pl_records_init(&all);
    pl_sweep_stats stats;
    CHECK(pl_sweep_run(&g, &o, &all, &stats, err, sizeof err) == PL_OK, "%s", err);
    CHECK(stats.failed == 0, "%zu failed records", stats.failed);
    pl_summary_row *rows;
    size_t n;
    pl_summarize(e, &all, &rows, &n);
    const char *names[3] = {"mse", "train_loss", "rank"};
    double d = 60, ms = 0.3 * d;
    for (int k = 0; k < 3; k++) {
        int j = pl_metric_index(e, names[k]);
        double th = NAN, m = NAN, se = NAN;
        for (size_t r = 0; r < n; r++) {
            if (rows[r].source[0] == 't') th = rows[r].mean[j];
            else {
                m = rows[r].mean[j];
                se = rows[r].se[j];
            }
        }
        double allow = k == 0 ? 1 / ms : k == 1 ? 5 / d * fabs(th) : 1 / d;
        double tol = 3 * se + allow;
        CHECK(fabs(m - th) <= tol, "delta=%g alpha=%g %s: sim %.5f ± %.5f vs theory %.5f (tol %.5f)",
              delta, alpha, names[k], m, se, th, tol);
        printf("quad-erm d=60 delta=%g alpha=%.4f %-10s sim %.5f ± %.5f theory %.5f\n", delta,
               alpha, names[k], m, se, th);
    }
    free(rows);
    pl_records_free(&all);
    pl_grid_free(&g);
}

/* ---- theory records: several solutions at one xi, none at another, bad input */
static void check_experiment_theory(void)
{
    const pl_experiment *e = pl_experiment_find("quad-erm");
    if (!e) return;
    pl_params p;
    pl_params_default(e, &p);
    p.v[pl_param_index(e, "kappa")] = 0.4;
    p.v[pl_param_index(e, "kappa_star")] = 0.3;
    p.v[pl_param_index(e, "lambda")] = 0.01;
    p.v[pl_param_index(e, "delta")] = 1.0;
    p.v[pl_param_index(e, "at_xi")] = 5.7;
    pl_records out;
    pl_records_init(&out);
    pl_experiment_theory(e, &p, NULL, 0, NULL, NULL, &out);
    CHECK(out.n == 3, "three records (branches) at xi = 5.7, got %zu", out.n);
    for (size_t i = 0; i < out.n; i++)
        CHECK(pl_record_get(&out.rec[i], e, "branch") == (double)i && strstr(out.rec[i].message, "3 solutions"),
              "branch %zu labelled: '%s'", i, out.rec[i].message);
    /* each branch stores the alpha solved from xi; solving at that alpha gives xi back */
    pl_records back;
    pl_records_init(&back);
    for (size_t i = 0; i < out.n; i++) {
        pl_params q = p;
        double a = pl_record_get(&out.rec[i], e, "alpha_xi");
        CHECK(a > 0 && a != p.v[pl_param_index(e, "alpha")], "branch %zu alpha_xi = %g", i, a);
        q.v[pl_param_index(e, "at_xi")] = 0;
        q.v[pl_param_index(e, "alpha")] = a;
        pl_records_clear(&back);
        pl_experiment_theory(e, &q, NULL, 0, NULL, NULL, &back);
        int found = 0;
        for (size_t j = 0; j < back.n; j++)
            found |= fabs(pl_record_get(&back.rec[j], e, "xi") - 5.7) < 1e-6;
        CHECK(found, "alpha_xi of branch %zu solves back to xi = 5.7", i);
    }
    pl_records_free(&back);
    pl_records_clear(&out);
    /* lambda = 0, Delta = 0.5, kappa = 1: no interpolating root at xi = 2 < xi_inter */
    p.v[pl_param_index(e, "kappa")] = 1;
    p.v[pl_param_index(e, "lambda")] = 0;
    p.v[pl_param_index(e, "delta")] = 0.5;
    p.v[pl_param_index(e, "at_xi")] = 2;
    pl_experiment_theory(e, &p, NULL, 0, NULL, NULL, &out);
    CHECK(out.n == 1 && out.rec[0].status == PL_REC_FAILED &&
              strstr(out.rec[0].message, "no solution"),
          "no solution reported as such: '%s'", out.n ? out.rec[0].message : "");
    pl_records_free(&out);
    /* validation messages */
    const char *bad[][2] = {{"kappa", "0"}, {"kappa_star", "-1"}, {"alpha", "0"},
                            {"delta", "-0.1"}, {"lambda", "-1"}};
    char buf[256];
    for (int i = 0; i < 5; i++) {
        pl_params q;
        pl_params_default(e, &q);
        int k = pl_param_index(e, bad[i][0]);
        q.v[k] = atof(bad[i][1]);
        const char *msg = pl_params_validate(e, &q, buf, sizeof buf);
        CHECK(msg && strstr(msg, bad[i][0]), "%s=%s rejected: %s", bad[i][0], bad[i][1],
              msg ? msg : "(accepted)");
    }
}

int main(void)
{
    check_operator();
    check_gradient();
    check_three_solvers();
    check_experiment_theory();
    check_statistical(0.5, 0.5227); /* spec O2/O3 noisy row (xi = 0.5) */
    check_statistical(0.0, 0.2993); /* spec O2/O3 noiseless row (xi = 0.3) */
    return pl_test_done("test_quadnet_sim");
}
