/* Bayes-optimal multi-index GAMP against its state evolution, and divergence reporting.
 *
 * Statistical test: y = sign(z1 z2) (the [TDD+] example, alpha_c = pi^2/4) at alpha = 4 and
 * 5 (and alpha = 5 with the X_ij^2-weighted variances), d = 600, 3 seeds, 80 damped iterations from a random start. The mean final overlap must
 * match the uninformed state evolution within 3 standard errors of the seed mean plus a
 * finite-size allowance of 0.05: at d = 600 GAMP's overlap fluctuates by O(1/sqrt d) = 0.04
 * around its trajectory (the step between iterations stays at ~0.02 instead of vanishing),
 * and the iterate has O(1/d) bias. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/mim.h"
#include "pl_test.h"

static void check_vs_se(double alpha, int uniform)
{
    pl_mim_link l;
    char buf[128];
    CHECK(pl_mim_link_init(&l, &pl_mim_link_sign_z1z2, 0, 0, NULL, buf, sizeof buf) == NULL, "init");
    pl_mim_se_opts so = pl_mim_se_default_opts(0);
    pl_mim_se_result se;
    CHECK(pl_mim_se_run(&l, alpha, &so, &se) == PL_OK, "SE converged");
    size_t d = 600, n = (size_t)ceil(alpha * (double)d);
    const int seeds = 3;
    double s = 0, s2 = 0;
    for (int k = 0; k < seeds; k++) {
        pl_rng rng;
        pl_rng_init(&rng, 300 + (uint64_t)k, 2);
        pl_mim_data D;
        pl_mim_data_sample(&l, n, d, &rng, &D);
        pl_mat W = pl_mat_alloc(d, 2);
        pl_mim_gamp_opts o = pl_mim_gamp_default_opts();
        o.maxit = 80;
        o.uniform = uniform;
        pl_mim_gamp_result r;
        CHECK(pl_mim_gamp(&l, &D, &o, &rng, W, NULL, &r) == PL_OK, "gamp");
        CHECK(r.status == PL_OK || r.status == PL_ENOCONV, "gamp status %d: %s", r.status,
              r.message);
        s += r.m2;
        s2 += r.m2 * r.m2;
        pl_mat_free(&W);
        pl_mim_data_free(&D);
    }
    double m = s / seeds, sd = sqrt(fmax(s2 / seeds - m * m, 0) * seeds / (seeds - 1)),
           sem = sd / sqrt((double)seeds);
    printf("sign GAMP (%s variances) alpha=%g d=%zu: m2 = %.4f +- %.4f, state evolution %.4f\n",
           uniform ? "uniform" : "X_ij^2", alpha, d, m, sem, se.m2);
    CHECK(fabs(m - se.m2) <= 3 * sem + 0.05, "GAMP m2 %.4f vs SE %.4f at alpha %g", m, se.m2,
          alpha);
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
    check_vs_se(4.0, 1);
    check_vs_se(5.0, 1);
    check_vs_se(5.0, 0); /* the X_ij^2-weighted variances of [TDD+] */
    check_divergence();
    return pl_test_done("test_mim_gamp");
}
