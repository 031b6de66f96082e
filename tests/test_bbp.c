/* bbp: exact identities of the theory, and the finite-size simulation against it.
 *
 * Statistical test: at d = 1000 with 5 seeds, the mean simulated overlap^2 must lie within
 * 3 standard errors (of the 5-seed mean) of the d -> infinity prediction, plus a finite-size
 * allowance: the overlap of the top eigenvector has an O(1/d) bias (below the transition the
 * overlap itself is O(1/d), with d * E[overlap^2] bounded by a constant of order
 * (1 - beta/beta_c)^-2 = 4 at beta = beta_c/2), so we allow 5/d. */
#include <math.h>
#include <stdlib.h>

#include "phaselab/experiment.h"
#include "phaselab/report.h"
#include "phaselab/spiked.h"
#include "phaselab/sweep.h"
#include "pl_test.h"

static void check_theory_identities(void)
{
    /* Wigner: continuity at beta = 1 and large-beta limit */
    pl_bbp_prediction a = pl_bbp_wigner(1.0), b = pl_bbp_wigner(1.0 + 1e-9);
    CHECK_CLOSE(a.top_eig, 2.0, 0, "Wigner edge");
    CHECK_CLOSE(b.top_eig, 2.0, 1e-8, "Wigner continuity of the top eigenvalue");
    CHECK_CLOSE(b.overlap2, 0.0, 1e-8, "Wigner continuity of the overlap");
    CHECK_CLOSE(pl_bbp_wigner(2.0).overlap2, 0.75, 1e-15, "Wigner overlap at beta=2");
    /* covariance: threshold 1/sqrt(alpha); continuity with the MP edge (1+1/sqrt(alpha))^2 */
    double alpha = 2.0, bc = pl_bbp_cov_threshold(alpha);
    pl_bbp_prediction c = pl_bbp_cov(bc * (1 + 1e-9), alpha), e = pl_bbp_cov(bc * 0.9, alpha);
    CHECK_CLOSE(c.top_eig, pow(1 + 1 / sqrt(alpha), 2), 1e-8, "MP edge continuity");
    CHECK_CLOSE(c.overlap2, 0.0, 1e-8, "covariance overlap continuity");
    CHECK(!e.above && e.overlap2 == 0, "below the covariance transition");
    /* alpha -> infinity: population covariance, lambda -> 1 + beta, overlap -> 1 */
    pl_bbp_prediction f = pl_bbp_cov(1.5, 1e9);
    CHECK_CLOSE(f.top_eig, 2.5, 1e-8, "alpha -> inf eigenvalue");
    CHECK_CLOSE(f.overlap2, 1.0, 1e-8, "alpha -> inf overlap");
}

static void check_simulation(const char *model, double beta)
{
    const pl_experiment *e = pl_experiment_find("bbp");
    pl_grid g;
    pl_grid_init(&g, e);
    char err[256], w1[64], w2[64];
    snprintf(w1, sizeof w1, "model=%s", model);
    snprintf(w2, sizeof w2, "beta=%g", beta);
    CHECK(pl_grid_set(&g, w1, err, sizeof err) == NULL, "%s", err);
    CHECK(pl_grid_set(&g, w2, err, sizeof err) == NULL, "%s", err);
    CHECK(pl_grid_set(&g, "d=1000", err, sizeof err) == NULL, "%s", err);
    pl_sweep_opts o = {.seeds = 5, .theory = 1, .simulate = 1};
    pl_records all;
    pl_records_init(&all);
    pl_sweep_stats stats;
    CHECK(pl_sweep_run(&g, &o, &all, &stats, err, sizeof err) == PL_OK, "%s", err);
    pl_summary_row *rows;
    size_t n;
    pl_summarize(e, &all, &rows, &n);
    int k = pl_metric_index(e, "overlap2");
    double th = NAN, m = NAN, se = NAN;
    for (size_t r = 0; r < n; r++) {
        if (rows[r].params.v[pl_param_index(e, "beta")] != beta) continue;
        if (rows[r].source[0] == 't') th = rows[r].mean[k];
        else { m = rows[r].mean[k]; se = rows[r].se[k]; }
    }
    double tol = 3 * se + 5.0 / 1000;
    CHECK(fabs(m - th) <= tol, "%s beta=%g: sim overlap2 %.4f ± %.4f vs theory %.4f (tol %.4f)",
          model, beta, m, se, th, tol);
    printf("%-8s beta=%.2f overlap2 sim %.4f ± %.4f theory %.4f\n", model, beta, m, se, th);
    free(rows);
    pl_records_free(&all);
    pl_grid_free(&g);
}

int main(void)
{
    check_theory_identities();
    const double betas[] = {0.5, 1.5, 2.0, 3.0};
    for (int i = 0; i < 4; i++) {
        check_simulation("wigner", betas[i]);
        check_simulation("wishart", betas[i]);
    }
    return pl_test_done("test_bbp");
}
