/* Experiment `bbp`: the BBP transition of spiked Wigner and spiked covariance matrices.
 *
 * Written on the typed shape every experiment follows (see docs/family-template.md): a point
 * struct bound to the parameter table, a result struct bound to the metric map, and hooks
 * that read the point and emit result structs. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "phaselab/experiment.h"
#include "phaselab/spiked.h"

enum { MODEL_WIGNER, MODEL_WISHART };

typedef struct {
    int model;
    double beta, alpha;
    long d;
} bbp_point;

typedef struct {
    double top_eig, overlap2;
} bbp_result;

static const pl_param_spec bbp_params[] = {
    {PL_P_CHOICE(bbp_point, model, MODEL_WIGNER, "wigner|wishart",
                 "spiked Wigner Y = (beta/d) v v^T + W/sqrt(d), or spiked covariance "
                 "x = sqrt(beta) u s + xi")},
    {PL_P_REAL(bbp_point, beta, 2.0, 0, 1e6, "spike strength (>= 0)")},
    {PL_P_REAL(bbp_point, alpha, 2.0, 0, 1e6, "samples per dimension n/d (wishart only)"),
     .lo_open = 1},
    {PL_P_INT(bbp_point, d, 1000, 2, 20000, "dimension")},
};
static const pl_metric_spec bbp_metrics[] = {
    PL_METRIC(bbp_result, top_eig, "top eigenvalue"),
    PL_METRIC(bbp_result, overlap2, "squared overlap of the top eigenvector with the spike"),
};

static pl_status bbp_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    (void)e;
    const bbp_point *p = pt;
    size_t d = (size_t)p->d;
    bbp_result r;
    pl_result_clear(em->e, &r);
    double *v = malloc(d * sizeof *v);
    pl_mat A = pl_mat_alloc(d, d), X = {0};
    pl_status st = (v && A.data) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK && p->model == MODEL_WIGNER) {
        st = pl_spiked_wigner_sample(rng, p->beta, A, v);
    } else if (st == PL_OK) {
        size_t n = (size_t)ceil(p->alpha * (double)d);
        X = pl_mat_alloc(n, d);
        st = X.data ? pl_spiked_cov_sample(rng, p->beta, X, v) : PL_ENOMEM;
        if (st == PL_OK) st = pl_syrk(PL_TRANS, 1.0 / (double)n, X, 0.0, A);
    }
    if (st == PL_OK) st = pl_top_eig_overlap(A, v, &r.top_eig, &r.overlap2);
    free(v);
    pl_mat_free(&A);
    pl_mat_free(&X);
    if (st == PL_ENOMEM) return st;
    pl_record *rec = pl_emit(em, "sim:eig", &r);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK) pl_record_fail(rec, st, "eigen-decomposition: %s", pl_strerror(st));
    return PL_OK;
}

static pl_status bbp_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    (void)e;
    const bbp_point *p = pt;
    pl_bbp_prediction pr =
        p->model == MODEL_WISHART ? pl_bbp_cov(p->beta, p->alpha) : pl_bbp_wigner(p->beta);
    bbp_result r = {.top_eig = pr.top_eig, .overlap2 = pr.overlap2};
    return pl_emit(em, "theory", &r) ? PL_OK : PL_ENOMEM;
}

/* Relative cost of a group, for the sweep's ETA: the d x d eigenproblem, and for the covariance
 * model also forming X^T X (n d^2 = alpha d^3). */
static double bbp_cost(const pl_experiment *e, const void *ptv, int theory)
{
    (void)e;
    const bbp_point *pt = ptv;
    double d = (double)pt->d;
    return theory ? 1 : d * d * d * (pt->model == MODEL_WISHART ? 1 + pt->alpha : 1);
}

const pl_experiment pl_exp_bbp = {
    .name = "bbp",
    .summary = "BBP transition: top eigenvalue and eigenvector overlap of spiked Wigner / "
               "spiked covariance matrices",
    .description =
        "Spiked Wigner Y = (beta/d) v v^T + W/sqrt(d) (||v||^2 = d, W GOE with off-diagonal "
        "variance 1) or spiked covariance C = X^T X/n with rows x = sqrt(beta) u s + xi "
        "(||u|| = 1, n = alpha d). Simulation: dense top eigenpair (LAPACK dsyevr). Theory: "
        "Wigner lambda = beta + 1/beta, overlap^2 = 1 - 1/beta^2 for beta > 1 (edge 2 and 0 "
        "below); covariance transition at alpha beta^2 = 1, lambda = (1+beta)(1 + 1/(alpha "
        "beta)), overlap^2 = (1 - 1/(alpha beta^2))/(1 + 1/(alpha beta)) (MP edge and 0 "
        "below).",
    .params = bbp_params,
    .n_params = sizeof bbp_params / sizeof bbp_params[0],
    .point_size = sizeof(bbp_point),
    .metric_map = bbp_metrics,
    .n_metrics = sizeof bbp_metrics / sizeof bbp_metrics[0],
    .result_size = sizeof(bbp_result),
    .default_sweep = "model=wigner,wishart beta=0.25:3:0.25 d=1000",
    .default_seeds = 5,
    .plot_x = "beta",
    .plot_y = "overlap2,top_eig",
    .sim = bbp_sim,
    .solve = bbp_solve,
    .cost = bbp_cost,
};
