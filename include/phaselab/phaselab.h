/* phaselab — solvable models of high-dimensional learning.
 *
 * A worked example: the spiked Wigner model at d = 500, simulated and against theory.
 *
 *     #include <phaselab/phaselab.h>
 *     #include <stdio.h>
 *
 *     int main(void)
 *     {
 *         pl_rng rng;
 *         pl_rng_init(&rng, 1, 0);                  // seed 1, stream 0
 *         size_t d = 500;
 *         double beta = 2.0, v[500], top, ov;
 *         pl_mat Y = pl_mat_alloc(d, d);
 *         pl_spiked_wigner_sample(&rng, beta, Y, v); // Y = (beta/d) v v^T + W/sqrt(d)
 *         pl_top_eig_overlap(Y, v, &top, &ov);       // dense top eigenpair (dsyevr)
 *         pl_bbp_prediction th = pl_bbp_wigner(beta);
 *         printf("top %.3f (theory %.3f), overlap^2 %.3f (theory %.3f)\n",
 *                top, th.top_eig, ov, th.overlap2);
 *         pl_mat_free(&Y);
 *         return 0;
 *     }
 *
 * The same through the experiment layer (what the `phaselab` command does): find the
 * experiment, build a grid, run the sweep, summarise.
 *
 *     const pl_experiment *e = pl_experiment_find("bbp");
 *     pl_grid g; char err[256];
 *     pl_grid_init(&g, e);
 *     pl_grid_set(&g, "beta=0.5:3:0.5", err, sizeof err);
 *     pl_sweep_opts o = {.seeds = 5, .theory = 1, .simulate = 1};
 *     pl_records all; pl_sweep_stats st;
 *     pl_records_init(&all);
 *     pl_sweep_run(&g, &o, &all, &st, err, sizeof err);
 *     pl_write_table(stdout, e, &all);
 *
 * Build: cc prog.c $(pkg-config --cflags --libs phaselab)
 */
#ifndef PHASELAB_H
#define PHASELAB_H

#include "phaselab/status.h"
#include "phaselab/mat.h"
#include "phaselab/rng.h"
#include "phaselab/quad.h"
#include "phaselab/roots.h"
#include "phaselab/hermite.h"
#include "phaselab/eigs.h"
#include "phaselab/rmt.h"
#include "phaselab/experiment.h"
#include "phaselab/store.h"
#include "phaselab/sweep.h"
#include "phaselab/report.h"
#include "phaselab/spiked.h"
#include "phaselab/version.h"
#include "phaselab/job.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

PL_END_DECLS

#endif
