/* The worked example of phaselab.h compiles and gives sensible numbers. */
#include <math.h>
#include "phaselab/phaselab.h"
#include "pl_test.h"

int main(void)
{
    pl_rng rng;
    pl_rng_init(&rng, 1, 0);
    size_t d = 500;
    double beta = 2.0, v[500], top, ov;
    pl_mat Y = pl_mat_alloc(d, d);
    CHECK(pl_spiked_wigner_sample(&rng, beta, Y, v) == PL_OK, "sample");
    CHECK(pl_top_eig_overlap(Y, v, &top, &ov) == PL_OK, "eig");
    pl_bbp_prediction th = pl_bbp_wigner(beta);
    /* one draw at d = 500: fluctuations of the outlier and overlap are O(d^-1/2) ~ 0.045;
       allow 4 of those */
    CHECK_CLOSE(top, th.top_eig, 4 / sqrt(500.0), "top eigenvalue");
    CHECK_CLOSE(ov, th.overlap2, 4 / sqrt(500.0), "overlap^2");
    pl_mat_free(&Y);

    const pl_experiment *e = pl_experiment_find("bbp");
    pl_grid g;
    char err[256];
    pl_grid_init(&g, e);
    CHECK(pl_grid_set(&g, "beta=0.5:3:0.5", err, sizeof err) == NULL, "%s", err);
    CHECK(pl_grid_cells(&g) == 6, "range 0.5:3:0.5 has 6 points, got %zu", pl_grid_cells(&g));
    CHECK(pl_grid_set(&g, "d=100", err, sizeof err) == NULL, "%s", err);
    pl_sweep_opts o = {.seeds = 2, .theory = 1, .simulate = 1};
    pl_records all;
    pl_sweep_stats st;
    pl_records_init(&all);
    CHECK(pl_sweep_run(&g, &o, &all, &st, err, sizeof err) == PL_OK, "%s", err);
    CHECK(all.n == 6 * 3, "records: %zu", all.n);
    pl_records_free(&all);
    pl_grid_free(&g);
    return pl_test_done("test_example");
}
