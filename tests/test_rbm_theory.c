/* Family 3 (RBM): simulations against theory. Thresholds; the state-evolution fixed point
 * against AMP's and GD's end points at d = 1000 (alpha = 4, 6; beta = 1, above alpha_c = 1);
 * the overlap below the threshold; the DMFT of GD against GD at d = 1000 at three times; the
 * spec's k = 1 table as a sanity check.
 * Tolerances: 3 standard errors of the seed mean (plus, for the DMFT, the standard error
 * across independent Monte Carlo replicas) and a finite-size allowance 2/d for the O(1/d)
 * bias of finite-size end points. */
#include <math.h>
#include <stdlib.h>

#include "phaselab/rbm.h"
#include "pl_test.h"

#define D 1000
#define SEEDS 5

typedef struct {
    double s, s2;
    int n;
} acc_t;
static void acc_add(acc_t *a, double x) { a->s += x, a->s2 += x * x, a->n++; }
static double acc_mean(const acc_t *a) { return a->s / a->n; }
static double acc_se(const acc_t *a)
{
    double m = acc_mean(a);
    return sqrt(fmax(0, (a->s2 / a->n - m * m)) / (a->n - 1));
}

static void check_thresholds(void)
{
    CHECK_CLOSE(pl_rbm_alpha_c(2), 0.25, 1e-15, "alpha_c(2)");
    CHECK(isinf(pl_rbm_alpha_c(0)), "alpha_c(0) = inf");
    double b[3] = {1, 2, 0.5}, ac[3];
    CHECK_CLOSE(pl_rbm_alpha_c_k(3, b, ac), 4, 1e-15, "whole subspace at 1/min beta^2");
    CHECK_CLOSE(ac[1], 0.25, 1e-15, "direction 2");
    CHECK_CLOSE(pl_rbm_pca_m2(2, 1), 1.0 / 3, 1e-14, "PCA overlap at alpha 2");
    CHECK(pl_rbm_pca_m2(0.5, 1) == 0, "no PCA overlap below alpha_c");
}

/* SE fixed point vs AMP (PCA start) and GD (small start) at alpha */
static void check_se(double alpha)
{
    pl_rbm_se_result se;
    pl_status st = pl_rbm_se(alpha, 1.0, NULL, &se);
    CHECK(st == PL_OK && se.stab < 1, "SE at alpha %g: %s, stab %g", alpha, pl_strerror(st),
          se.stab);
    size_t n = (size_t)(alpha * D);
    acc_t am2 = {0}, aq = {0}, gm2 = {0}, gq = {0};
    for (int seed = 0; seed < SEEDS; seed++) {
        pl_rng rng;
        pl_rng_init(&rng, 1000 + seed, (uint64_t)(alpha * 10));
        double beta = 1, m2;
        pl_mat V = pl_mat_alloc(n, D), U = pl_mat_alloc(D, 1), W = pl_mat_alloc(D, 1);
        pl_rbm_sample(&rng, &beta, V, U);
        /* AMP from an informed start w0 = sqrt(d) u + 0.5 z (|w0|^2/d = 1.25) */
        pl_rbm_init(&rng, sqrt(1.25), 1 / sqrt(1.25), U, W);
        pl_rbm_amp_info info;
        st = pl_rbm_amp(V, W.data, NULL, &info);
        CHECK(st == PL_OK, "AMP alpha %g seed %d: %s", alpha, seed, pl_strerror(st));
        pl_rbm_overlap2(W, U, &m2);
        acc_add(&am2, m2);
        acc_add(&aq, pl_rbm_norm2(W));
        /* GD from W0 = 1e-3 z, lr 1 (the fixed-point map w <- sqrt(d)/n V^T tanh(V w/sqrt d)) */
        pl_rbm_init(&rng, 1e-3, 0, U, W);
        st = pl_rbm_gd(V, W, 100, 1.0, U, NULL);
        pl_rbm_overlap2(W, U, &m2);
        acc_add(&gm2, m2);
        acc_add(&gq, pl_rbm_norm2(W));
        pl_mat_free(&V);
        pl_mat_free(&U);
        pl_mat_free(&W);
    }
    /* Finite-size allowance: the end point's bias is O(1/d); 2/d covers a constant of 2. */
    double fs = 2.0 / D;
    CHECK(fabs(acc_mean(&am2) - se.m2) <= 3 * acc_se(&am2) + fs,
          "AMP m2 %.4f +- %.4f vs SE %.4f (alpha %g)", acc_mean(&am2), acc_se(&am2), se.m2, alpha);
    CHECK(fabs(acc_mean(&aq) - se.q) <= 3 * acc_se(&aq) + fs,
          "AMP norm2 %.4f +- %.4f vs SE %.4f (alpha %g)", acc_mean(&aq), acc_se(&aq), se.q, alpha);
    CHECK(fabs(acc_mean(&gm2) - se.m2) <= 3 * acc_se(&gm2) + fs,
          "GD m2 %.4f +- %.4f vs SE %.4f (alpha %g)", acc_mean(&gm2), acc_se(&gm2), se.m2, alpha);
    CHECK(fabs(acc_mean(&gq) - se.q) <= 3 * acc_se(&gq) + fs,
          "GD norm2 %.4f +- %.4f vs SE %.4f (alpha %g)", acc_mean(&gq), acc_se(&gq), se.q, alpha);
    printf("alpha %g: SE m2 %.4f q %.4f stab %.3f | AMP %.4f+-%.4f %.4f+-%.4f | GD %.4f+-%.4f "
           "%.4f+-%.4f\n",
           alpha, se.m2, se.q, se.stab, acc_mean(&am2), acc_se(&am2), acc_mean(&aq), acc_se(&aq),
           acc_mean(&gm2), acc_se(&gm2), acc_mean(&gq), acc_se(&gq));
}

/* Below alpha_c = 1 (alpha = 0.5): the overlap stays at noise level, far from any recovery. */
static void check_below(void)
{
    size_t d = 500, n = 250;
    acc_t a = {0};
    for (int seed = 0; seed < SEEDS; seed++) {
        pl_rng rng;
        pl_rng_init(&rng, 77 + seed, 0);
        double beta = 1, m2;
        pl_mat V = pl_mat_alloc(n, d), U = pl_mat_alloc(d, 1), W = pl_mat_alloc(d, 1);
        pl_rbm_sample(&rng, &beta, V, U);
        pl_rbm_init(&rng, 1e-3, 0, U, W);
        pl_rbm_gd(V, W, 300, 1.0, U, NULL);
        pl_rbm_overlap2(W, U, &m2);
        acc_add(&a, m2);
        pl_mat_free(&V);
        pl_mat_free(&U);
        pl_mat_free(&W);
    }
    /* noise level: a delocalised end point has E m2 = kappa/d; kappa <= 25 (docs/rbm.md) */
    CHECK(acc_mean(&a) - 3 * acc_se(&a) <= 25.0 / d, "below threshold m2 %.4f +- %.4f",
          acc_mean(&a), acc_se(&a));
    printf("alpha 0.5: GD m2 %.4f +- %.4f (d = %zu)\n", acc_mean(&a), acc_se(&a), d);
}

/* DMFT vs GD, alpha 4, beta 1, lr 0.5, w0 = 0.1 (0.5 u~ + sqrt(0.75) z), times 6, 12, 30 */
static void check_dmft(void)
{
    enum { T = 30, REP = 4, GSEEDS = 6 };
    const size_t times[3] = {6, 12, 30};
    double alpha = 4, beta = 1;
    pl_rbm_dmft_opts o = {.steps = T, .nmc = 2000, .lr = 0.5, .init = 0.1, .rho0 = 0.5};
    acc_t dm[3][3] = {{{0}}}, gm[3][3] = {{{0}}};
    for (int r = 0; r < REP; r++) {
        double m[T + 1], q[T + 1], m2[T + 1], l[T + 1];
        pl_rng rng;
        pl_rng_init(&rng, 500 + r, 0);
        pl_status st = pl_rbm_dmft(alpha, beta, &o, &rng, m, q, m2, l);
        CHECK(st == PL_OK, "DMFT: %s", pl_strerror(st));
        for (int i = 0; i < 3; i++) {
            acc_add(&dm[i][0], m2[times[i]]);
            acc_add(&dm[i][1], q[times[i]]);
            acc_add(&dm[i][2], l[times[i]]);
        }
    }
    size_t n = (size_t)(alpha * D);
    for (int seed = 0; seed < GSEEDS; seed++) {
        pl_rng rng;
        pl_rng_init(&rng, 900 + seed, 0);
        pl_mat V = pl_mat_alloc(n, D), U = pl_mat_alloc(D, 1), W = pl_mat_alloc(D, 1);
        double m2[T + 1], q[T + 1], l[T + 1];
        pl_rbm_trace tr = {.loss = l, .m2 = m2, .norm2 = q};
        pl_rbm_sample(&rng, &beta, V, U);
        pl_rbm_init(&rng, o.init, o.rho0, U, W);
        pl_rbm_gd(V, W, T, o.lr, U, &tr);
        for (int i = 0; i < 3; i++) {
            acc_add(&gm[i][0], m2[times[i]]);
            acc_add(&gm[i][1], q[times[i]]);
            acc_add(&gm[i][2], l[times[i]]);
        }
        pl_mat_free(&V);
        pl_mat_free(&U);
        pl_mat_free(&W);
    }
    const char *name[3] = {"m2", "norm2", "loss"};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double a = acc_mean(&dm[i][j]), b = acc_mean(&gm[i][j]);
            double se = sqrt(acc_se(&dm[i][j]) * acc_se(&dm[i][j]) +
                             acc_se(&gm[i][j]) * acc_se(&gm[i][j]));
            CHECK(fabs(a - b) <= 3 * se + 2.0 / D, "t=%zu %s: DMFT %.4f vs GD %.4f (se %.4f)",
                  times[i], name[j], a, b, se);
            printf("t=%zu %s: DMFT %.4f +- %.4f, GD %.4f +- %.4f\n", times[i], name[j], a,
                   acc_se(&dm[i][j]), b, acc_se(&gm[i][j]));
        }
}

/* The spec's d = 2000 one-seed table (sanity only): PCA column = BBP; the alpha = 4 row within
 * one-seed fluctuations (sd of m2 ~ 0.05 at d = 1000, so 0.05 at d = 2000 is > 1 sd) of SE;
 * alpha = 0.5 below threshold. */
static void check_spec_table(void)
{
    const double rows[4][4] = {{0.5, 0.007, 0, 4.40}, {1.5, 0.229, 0.200, 2.40},
                               {2, 0.301, 0.333, 2.02}, {4, 0.564, 0.600, 1.47}};
    for (int i = 0; i < 4; i++)
        CHECK_CLOSE(pl_rbm_pca_m2(rows[i][0], 1), rows[i][2], 5e-4, "spec PCA column");
    pl_rbm_se_result se;
    pl_rbm_se(4, 1, NULL, &se);
    CHECK_CLOSE(se.m2, rows[3][1], 0.05, "spec alpha 4 overlap^2 (one seed)");
    CHECK_CLOSE(se.q, rows[3][3], 0.05, "spec alpha 4 |w|^2/d (one seed)");
    CHECK(rows[0][0] < pl_rbm_alpha_c(1), "spec alpha 0.5 row is below threshold");
}

int main(void)
{
    check_thresholds();
    check_spec_table();
    check_se(4);
    check_se(6);
    check_below();
    check_dmft();
    return pl_test_done("test_rbm_theory");
}
