/* Bayes-optimal multi-index GAMP against its state evolution, its damping, and divergence
 * reporting.
 *
 * Statistical test: y = sign(z1 z2) (the [TDD+] example, alpha_c = pi^2/4) at alpha = 4 and
 * 5 (6 seeds) and alpha = 5 with the X_ij^2-weighted variances (4 seeds), d = 600, default
 * options (adaptive damping, at most 500 iterations) from a random start. Every run must
 * converge, and the seed mean of the final overlap must match the uninformed state evolution
 * within 3 standard errors of that mean (the seed-to-seed spread, ~0.05 at d = 600, holds
 * the O(1/sqrt d) fluctuation of the finite-size fixed point; its O(1/d) bias is below it).
 *
 * Damping: a fixed point does not depend on the damping weight (phaselab/gamp.h), so the
 * same data and start must end at the same estimate with weights 0.3 and 0.65; the variance
 * mode of the uninformed start has the multiplier 1 - beta (1 + alpha/alpha_c)
 * (docs/multi-index.md), so at alpha = 8 a fixed beta = 0.65 (multiplier -1.76) must fail
 * on most seeds, beta = 0.3 (-0.27) and the adaptive rule must converge on all. Perfect
 * recovery (pr at alpha = 3, abs at alpha = 4: the variances collapse geometrically) must
 * converge too. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/mim.h"
#include "pl_test.h"

/* one GAMP run on the seed-k data of the tests; What (d x p) receives the estimate */
static pl_mim_gamp_result run_seed(const pl_mim_link *l, double alpha, size_t d, int k,
                                   const pl_mim_gamp_opts *o, pl_mat What)
{
    size_t n = (size_t)ceil(alpha * (double)d);
    pl_rng rng;
    pl_rng_init(&rng, 300 + (uint64_t)k, 2);
    pl_mim_data D;
    pl_mim_gamp_result r = {0};
    CHECK(pl_mim_data_sample(l, n, d, &rng, &D) == PL_OK, "sample");
    CHECK(pl_mim_gamp(l, &D, o, &rng, What, NULL, &r) == PL_OK, "gamp");
    pl_mim_data_free(&D);
    return r;
}

static void link_of(const pl_mim_link_type *t, pl_mim_link *l)
{
    char buf[128];
    CHECK(pl_mim_link_init(l, t, 0, 0, NULL, buf, sizeof buf) == NULL, "init");
}

static void check_vs_se(double alpha, int uniform, int seeds)
{
    pl_mim_link l;
    link_of(&pl_mim_link_sign_z1z2, &l);
    pl_mim_se_opts so = pl_mim_se_default_opts(0);
    pl_mim_se_result se;
    CHECK(pl_mim_se_run(&l, alpha, &so, &se) == PL_OK, "SE converged");
    size_t d = 600;
    double s = 0, s2 = 0;
    for (int k = 0; k < seeds; k++) {
        pl_mat W = pl_mat_alloc(d, 2);
        pl_mim_gamp_opts o = pl_mim_gamp_default_opts();
        o.uniform = uniform;
        pl_mim_gamp_result r = run_seed(&l, alpha, d, k, &o, W);
        CHECK(r.status == PL_OK, "alpha %g seed %d: GAMP status %d: %s", alpha, k, r.status,
              r.message);
        s += r.m2;
        s2 += r.m2 * r.m2;
        pl_mat_free(&W);
    }
    double m = s / seeds, sd = sqrt(fmax(s2 / seeds - m * m, 0) * seeds / (seeds - 1)),
           sem = sd / sqrt((double)seeds);
    printf("sign GAMP (%s variances) alpha=%g d=%zu: m2 = %.4f +- %.4f, state evolution %.4f\n",
           uniform ? "uniform" : "X_ij^2", alpha, d, m, sem, se.m2);
    CHECK(fabs(m - se.m2) <= 3 * sem, "GAMP m2 %.4f +- %.4f vs SE %.4f at alpha %g", m, sem,
          se.m2, alpha);
}

/* the same data and start with two fixed damping weights end at the same estimate */
static void check_damping_independence(void)
{
    pl_mim_link l;
    link_of(&pl_mim_link_sign_z1z2, &l);
    size_t d = 400;
    pl_mat W1 = pl_mat_alloc(d, 2), W2 = pl_mat_alloc(d, 2);
    pl_mim_gamp_opts o = pl_mim_gamp_default_opts();
    o.var_adaptive = 0;
    o.tol = 1e-7;
    o.maxit = 2000;
    o.damping = 0.65;
    pl_mim_gamp_result r1 = run_seed(&l, 4.0, d, 0, &o, W1);
    o.damping = 0.3;
    pl_mim_gamp_result r2 = run_seed(&l, 4.0, d, 0, &o, W2);
    CHECK(r1.status == PL_OK && r2.status == PL_OK, "both converge: %s / %s", r1.message,
          r2.message);
    double dd = 0, nn = 0;
    for (size_t i = 0; i < 2 * d; i++) {
        dd += (W1.data[i] - W2.data[i]) * (W1.data[i] - W2.data[i]);
        nn += W1.data[i] * W1.data[i];
    }
    printf("damping 0.65 / 0.3: %zu / %zu iterations, m2 %.6f / %.6f, ||dW||/||W|| = %.2e\n",
           r1.iterations, r2.iterations, r1.m2, r2.m2, sqrt(dd / nn));
    /* both stop within tol = 1e-7 per coordinate of their common fixed point's basin; a
     * contraction rate of at most 0.9 leaves each within 1e-6 per coordinate */
    CHECK(sqrt(dd / nn) < 1e-4, "fixed points differ: ||dW||/||W|| = %.2e", sqrt(dd / nn));
    pl_mat_free(&W1);
    pl_mat_free(&W2);
}

/* converged runs out of `seeds` at the given link, alpha, d and damping rule */
static int converged_runs(const pl_mim_link_type *t, double alpha, size_t d, int seeds,
                          int adaptive, double damping, double var_floor)
{
    pl_mim_link l;
    link_of(t, &l);
    int ok = 0;
    for (int k = 0; k < seeds; k++) {
        pl_mat W = pl_mat_alloc(d, l.p);
        pl_mim_gamp_opts o = pl_mim_gamp_default_opts();
        o.var_adaptive = adaptive;
        o.damping = damping;
        o.var_floor = var_floor;
        pl_mim_gamp_result r = run_seed(&l, alpha, d, k, &o, W);
        ok += r.status == PL_OK;
        pl_mat_free(&W);
    }
    printf("%s alpha=%g d=%zu, damping %g (%s), var_floor %g: %d/%d converged\n", t->name, alpha,
           d, damping, adaptive ? "adaptive" : "fixed", var_floor, ok, seeds);
    return ok;
}

static void check_variance_mode(void)
{
    const pl_mim_link_type *t = &pl_mim_link_sign_z1z2;
    /* without a variance floor the unstable mode drives V out of the positive-definite cone */
    CHECK(converged_runs(t, 8.0, 400, 6, 0, 0.65, 0) <= 3, "fixed 0.65 at alpha 8 is unstable");
    CHECK(converged_runs(t, 8.0, 400, 6, 0, 0.3, 0) == 6, "fixed 0.3 at alpha 8 is stable");
    CHECK(converged_runs(t, 8.0, 400, 6, 1, 0.65, 0) == 6, "adaptive damping converges");
    /* perfect recovery: the default floor 1e-12 stops the geometric collapse of C */
    double fl = pl_mim_gamp_default_opts().var_floor;
    CHECK(converged_runs(&pl_mim_link_pr, 3.0, 400, 2, 1, 0.65, fl) == 2, "pr perfect recovery");
    CHECK(converged_runs(&pl_mim_link_abs, 4.0, 400, 4, 1, 0.65, fl) == 4,
          "abs perfect recovery");
}

/* a deliberately inconsistent channel: g = 5 w amplifies the estimate ~5-fold per
 * iteration (with a Nishimori-violating dg), so ||What||^2/d must blow up */
static double bad_sample(const pl_mim_link *l, const double *z, pl_rng *rng)
{
    (void)l;
    (void)rng;
    return z[0];
}
static pl_status bad_gout(const pl_mim_link *l, double y, const double *w, const double *V,
                          double *logZ, double *g, double *dg)
{
    (void)l;
    (void)V;
    if (logZ) *logZ = 0;
    if (g) g[0] = 5 * w[0] + 0 * y;
    if (dg) dg[0] = -0.5;
    return PL_OK;
}
static const pl_mim_link_type bad_type = {.name = "unstable", .kind = PL_MIM_CONTINUOUS,
                                          .p_fixed = 1, .sample = bad_sample, .gout = bad_gout};

static void check_divergence(void)
{
    pl_mim_link l;
    char buf[128];
    CHECK(pl_mim_link_init(&l, &bad_type, 0, 0, NULL, buf, sizeof buf) == NULL, "init");
    pl_rng rng;
    pl_rng_init(&rng, 1, 1);
    pl_mim_data D;
    pl_mim_data_sample(&l, 200, 100, &rng, &D);
    pl_mat W = pl_mat_alloc(100, 1);
    pl_mim_gamp_opts o = pl_mim_gamp_default_opts();
    o.damping = 1;
    pl_mim_gamp_result r;
    CHECK(pl_mim_gamp(&l, &D, &o, &rng, W, NULL, &r) == PL_OK, "gamp returns");
    CHECK(r.status == PL_EDIVERGED || r.status == PL_ENAN, "divergence detected (status %d)",
          r.status);
    CHECK(strstr(r.message, "iteration") != NULL, "message names the iteration: %s", r.message);
    CHECK(r.iterations < o.maxit, "stopped early at iteration %zu", r.iterations);
    pl_mat_free(&W);
    pl_mim_data_free(&D);
}

int main(void)
{
    check_vs_se(4.0, 1, 6);
    check_vs_se(5.0, 1, 6);
    check_vs_se(5.0, 0, 4); /* the X_ij^2-weighted variances of [TDD+] */
    check_damping_independence();
    check_variance_mode();
    check_divergence();
    return pl_test_done("test_mim_gamp");
}
