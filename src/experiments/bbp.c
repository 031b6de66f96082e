/* Experiment `bbp`: the BBP transition of spiked Wigner and spiked covariance matrices. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "phaselab/experiment.h"
#include "phaselab/spiked.h"

enum { P_MODEL, P_BETA, P_ALPHA, P_D, NP };
enum { M_TOP_EIG, M_OVERLAP2, NM };
enum { MODEL_WIGNER, MODEL_WISHART };

static const pl_param_spec bbp_params[NP] = {
    [P_MODEL] = {"model", PL_PARAM_CHOICE, MODEL_WIGNER, 0, 0, 0, 0, "wigner|wishart",
                 "spiked Wigner Y = (beta/d) v v^T + W/sqrt(d), or spiked covariance "
                 "x = sqrt(beta) u s + xi"},
    [P_BETA] = {"beta", PL_PARAM_REAL, 2.0, 0, 1e6, 0, 0, NULL, "spike strength (>= 0)"},
    [P_ALPHA] = {"alpha", PL_PARAM_REAL, 2.0, 0, 1e6, 1, 0, NULL,
                 "samples per dimension n/d (wishart only)"},
    [P_D] = {"d", PL_PARAM_INT, 1000, 2, 20000, 0, 0, NULL, "dimension"},
};
static const char *const bbp_metrics[NM] = {"top_eig", "overlap2"};

static pl_status bbp_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                              pl_records *out)
{
    (void)e;
    size_t d = (size_t)p->v[P_D];
    double beta = p->v[P_BETA];
    int wishart = (int)p->v[P_MODEL] == MODEL_WISHART;
    pl_record *rec = pl_records_add(out, p, "sim:eig", 0);
    if (!rec) return PL_ENOMEM;
    double *v = malloc(d * sizeof *v);
    pl_mat A = pl_mat_alloc(d, d), X = {0};
    pl_status st = (v && A.data) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK && !wishart) {
        st = pl_spiked_wigner_sample(rng, beta, A, v);
    } else if (st == PL_OK) {
        size_t n = (size_t)ceil(p->v[P_ALPHA] * (double)d);
        X = pl_mat_alloc(n, d);
        st = X.data ? pl_spiked_cov_sample(rng, beta, X, v) : PL_ENOMEM;
        if (st == PL_OK) st = pl_syrk(PL_TRANS, 1.0 / (double)n, X, 0.0, A);
    }
    double top = NAN, ov = NAN;
    if (st == PL_OK) st = pl_top_eig_overlap(A, v, &top, &ov);
    if (st != PL_OK)
        pl_record_fail(rec, st, "eigen-decomposition: %s", pl_strerror(st));
    rec->metric[M_TOP_EIG] = top;
    rec->metric[M_OVERLAP2] = ov;
    free(v);
    pl_mat_free(&A);
    pl_mat_free(&X);
    return st == PL_ENOMEM ? st : PL_OK;
}

static pl_status bbp_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    pl_bbp_prediction pr = (int)p->v[P_MODEL] == MODEL_WISHART
                               ? pl_bbp_cov(p->v[P_BETA], p->v[P_ALPHA])
                               : pl_bbp_wigner(p->v[P_BETA]);
    rec->metric[M_TOP_EIG] = pr.top_eig;
    rec->metric[M_OVERLAP2] = pr.overlap2;
    return PL_OK;
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
    .n_params = NP,
    .metrics = bbp_metrics,
    .n_metrics = NM,
    .default_sweep = "model=wigner,wishart beta=0.25:3:0.25 d=1000",
    .default_seeds = 5,
    .plot_x = "beta",
    .plot_y = "overlap2,top_eig",
    .simulate = bbp_simulate,
    .theory = bbp_theory,
};
