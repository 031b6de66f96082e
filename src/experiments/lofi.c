/* Experiments of family 8 (Neural LoFi): lofi-k, lofi-width, lofi-vs-rf, lofi-filters. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/lofi.h"

/* One point struct for the four experiments; each table binds the fields it uses. */
typedef struct {
    long n, n_test, P, K, layers, d, pool;
    double lambda;
    int act, task;
} lofi_point;

typedef struct {
    double test_mse, test_acc, rf_test_mse, rf_test_acc, lambda, top_eig;
} lofi_vs_result;

typedef struct {
    double test_mse, test_acc, lambda, top_eig;
} lofi_k_result;

typedef struct {
    double test_mse, kernel_mse, gap, test_acc, kernel_acc;
} lofi_width_result;

#define ACT_HELP "activation sigma of the random expansions: relu or sigmoid 1/(1+e^-x)"
#define TASK_CHOICES "fm04|fmtops|hier"
#define TASK_HELP                                                                                \
    "binary task: fm04 = Fashion-MNIST classes 0-4 vs 5-9; fmtops = upper-body garments "         \
    "(T-shirt, pullover, coat, shirt) vs the rest; hier = synthetic y = sign(a + b + ab), "       \
    "a = (u1.x)(u2.x), b = (u3.x)(u4.x), x ~ N(0, I_d)"
#define NGRID 61
/* an experiment's parameter table, metric map and result struct */
#define LOFI_TABLES(pt, mt, R)                                                                \
    .params = pt, .n_params = sizeof pt / sizeof pt[0], .point_size = sizeof(lofi_point),       \
    .metric_map = mt, .n_metrics = sizeof mt / sizeof mt[0], .result_size = sizeof(R) /* ridge penalties 1e-6 .. 1e6, 5 per decade */

#define P_N(def) {PL_P_INT(lofi_point, n, def, 2, 60000, "training points")}
#define P_NTEST(def) {PL_P_INT(lofi_point, n_test, def, 1, 10000, "test points")}
#define P_P(def) {PL_P_INT(lofi_point, P, def, 1, 100000, "width of each random expansion")}
#define P_K(def, help) {PL_P_INT(lofi_point, K, def, 1, 100000, help)}
#define P_ACT {PL_P_CHOICE(lofi_point, act, PL_LOFI_RELU, "relu|sigmoid", ACT_HELP)}
#define P_TASK(def) {PL_P_CHOICE(lofi_point, task, def, TASK_CHOICES, TASK_HELP)}
#define P_D {PL_P_INT(lofi_point, d, 20, 4, 10000, "input dimension of the hier task (ignored by the image tasks)")}

static const char *check_common(const lofi_point *p, char *buf, size_t len)
{
    if (p->K > p->P) {
        snprintf(buf, len, "K (%ld) must be <= P (%ld)", p->K, p->P);
        return buf;
    }
    if (p->task != PL_LOFI_TASK_HIER) {
        /* a missing dataset is bad input: say which package provides it */
        pl_mat X;
        int *lab;
        size_t cnt;
        char e2[512];
        if (pl_fmnist_load(NULL, 1, 1, &X, &lab, &cnt, e2, sizeof e2) != PL_OK) {
            snprintf(buf, len, "task: %s", e2);
            return buf;
        }
        pl_mat_free(&X);
        free(lab);
        if (p->n > 60000 || p->n_test > 10000) {
            snprintf(buf, len, "n (<= 60000) and n_test (<= 10000) exceed the Fashion-MNIST splits");
            return buf;
        }
    }
    return NULL;
}

static const char *lofi_check(const void *pt, char *buf, size_t len)
{
    return check_common(pt, buf, len);
}

/* The data of a cell: from the seed alone (not the cell's stream), so that the cells of one
 * seed share their training and test sets (paired comparisons across P, K, ...). */
static pl_status sample_data(const lofi_point *p, long seed, pl_lofi_data *d, char *err,
                             size_t errlen)
{
    pl_rng r;
    pl_rng_init(&r, (uint64_t)seed, pl_hash_str("lofi-data"));
    return pl_lofi_task_sample((pl_lofi_task)p->task, NULL, (size_t)p->n, (size_t)p->n_test,
                               (size_t)p->d, &r, d, err, errlen);
}

static void base_cfg(const lofi_point *p, const double *grid, pl_lofi_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->act = (pl_lofi_act)p->act;
    c->eps = 1e-6;
    c->ridge.intercept = 1;
    c->ridge.lambdas = grid;
    c->ridge.nlambda = NGRID;
}

/* p->layers layers of width P keeping K directions each */
static void uniform_layers(const lofi_point *p, pl_lofi_cfg *c)
{
    c->nlayers = (size_t)p->layers;
    for (size_t l = 0; l < c->nlayers; l++) {
        c->P[l] = (size_t)p->P;
        c->K[l] = (size_t)p->K;
    }
}

/* End of a cell: one record of src, failed with `what` when st says so. */
static pl_status finish(pl_emitter *em, const char *src, const void *res, pl_status st,
                        const char *what)
{
    if (st == PL_ENOMEM) return st;
    pl_record *rec = pl_emit(em, src, res);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK) pl_record_fail(rec, st, "%s: %s", what, pl_strerror(st));
    return PL_OK;
}

/* Start of a fully connected cell: the seed's data, the penalty grid and the base
 * configuration. *done = 1 when the caller must return st at once (out of memory, or a
 * failed record already emitted). */
static pl_status fc_start(const lofi_point *p, pl_emitter *em, void *res, double *grid,
                          pl_lofi_cfg *c, pl_lofi_data *d, int *done)
{
    char err[512];
    pl_status st = sample_data(p, em->seed, d, err, sizeof err);
    *done = st != PL_OK;
    if (st == PL_ENOMEM) return st;
    if (st != PL_OK) return finish(em, "sim:lofi", res, st, err);
    pl_ridge_log_grid(1e-6, 1e6, NGRID, grid);
    base_cfg(p, grid, c);
    return PL_OK;
}

/* ---- lofi-vs-rf ------------------------------------------------------------------------- */

static const pl_param_spec vs_params[] = {
    P_N(1000), P_NTEST(1000), P_P(500),
    P_K(50, "eigendirections kept at every LoFi layer"),
    P_ACT,
    {PL_P_INT(lofi_point, layers, 1, 1, PL_LOFI_MAXL - 1,
              "reducing layers of LoFi, each followed by the next; then one lazy layer of width "
              "P and the ridge readout (random features: layers + 1 lazy layers)")},
    P_TASK(PL_LOFI_TASK_FM04), P_D,
};
static const pl_metric_spec vs_metrics[] = {
    PL_METRIC(lofi_vs_result, test_mse, "Neural LoFi test mean squared error (labels +-1)"),
    PL_METRIC(lofi_vs_result, test_acc, "Neural LoFi test accuracy of sign(prediction)"),
    PL_METRIC(lofi_vs_result, rf_test_mse, "deep random features (same widths, no reduction, "
                                           "same first-layer weights) test MSE"),
    PL_METRIC(lofi_vs_result, rf_test_acc, "deep random features test accuracy"),
    PL_METRIC(lofi_vs_result, lambda, "ridge penalty selected by leave-one-out (LoFi)"),
    PL_METRIC(lofi_vs_result, top_eig, "largest |eigenvalue| of the first signed covariance"),
};

static pl_status vs_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    const lofi_point *p = pt;
    lofi_vs_result r;
    pl_result_clear(e, &r);
    pl_lofi_data d;
    double grid[NGRID];
    pl_lofi_cfg c;
    int done;
    pl_status st = fc_start(p, em, &r, grid, &c, &d, &done);
    if (done) return st;
    uniform_layers(p, &c);
    c.P[c.nlayers] = (size_t)p->P; /* and a lazy top layer before the readout */
    c.K[c.nlayers++] = 0;
    pl_lofi_out lo, ro;
    pl_rng r1 = *rng, r2 = *rng; /* the same random weights for both stacks */
    st = pl_lofi_fc_run(&c, &d, &r1, &lo);
    const char *what = "LoFi run";
    if (st == PL_OK) {
        for (size_t l = 0; l < c.nlayers; l++) c.K[l] = 0;
        st = pl_lofi_fc_run(&c, &d, &r2, &ro);
        what = "random-feature run";
    }
    pl_lofi_data_free(&d);
    if (st == PL_OK) {
        r = (lofi_vs_result){lo.test_mse, lo.test_acc, ro.test_mse, ro.test_acc, lo.lambda,
                             lo.top_eig[0]};
    }
    return finish(em, "sim:lofi", &r, st, what);
}

const pl_experiment pl_exp_lofi_vs_rf = {
    .name = "lofi-vs-rf",
    .summary = "Neural LoFi against deep random features at equal width on a binary task",
    .description =
        "Both stacks expand z = sigma(h W / c)/sqrt(P) with the same frozen Gaussian W at "
        "every layer (c^2 = mean ||h||^2 on the training set). LoFi's first `layers` layers "
        "keep the K eigenvectors of largest |lambda| of the signed covariance C = Z^T diag(y) "
        "Z / n and pass h = Z V on; its last layer (width P) is lazy, as every layer of the "
        "random-feature baseline (h = Z). Readout: ridge with intercept, penalty chosen by "
        "leave-one-out over 1e-6..1e6. Labels y = +-1; the data of a seed is shared by all "
        "cells (paired).",
    LOFI_TABLES(vs_params, vs_metrics, lofi_vs_result),
    .default_sweep = "P=100,200,500,1000 K=50 n=1000",
    .default_seeds = 5,
    .plot_x = "P",
    .plot_y = "test_acc,rf_test_acc",
    .plot_logx = 1,
    .check_point = lofi_check,
    .sim = vs_sim,
};

/* ---- lofi-k ------------------------------------------------------------------------------ */

static const pl_param_spec k_params[] = {
    P_N(1000), P_NTEST(1000), P_P(500),
    P_K(20, "eigendirections kept at the first layer (the second layer is lazy)"),
    P_ACT, P_TASK(PL_LOFI_TASK_FM04), P_D,
};
static const pl_metric_spec k_metrics[] = {
    PL_METRIC(lofi_k_result, test_mse, "test mean squared error (labels +-1)"),
    PL_METRIC(lofi_k_result, test_acc, "test accuracy of sign(prediction)"),
    PL_METRIC(lofi_k_result, lambda, "ridge penalty selected by leave-one-out"),
    PL_METRIC(lofi_k_result, top_eig, "largest |eigenvalue| of the first signed covariance"),
};

static pl_status k_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    const lofi_point *p = pt;
    lofi_k_result r;
    pl_result_clear(e, &r);
    pl_lofi_data d;
    double grid[NGRID];
    pl_lofi_cfg c;
    int done;
    pl_status st = fc_start(p, em, &r, grid, &c, &d, &done);
    if (done) return st;
    c.nlayers = 2;
    c.P[0] = c.P[1] = (size_t)p->P;
    c.K[0] = (size_t)p->K;
    c.K[1] = 0;
    pl_lofi_out o;
    pl_rng wr;
    pl_rng_init(&wr, (uint64_t)em->seed, pl_hash_str("lofi-weights") + (uint64_t)p->P);
    (void)rng; /* the weights depend on (seed, P) only: cells along K are paired */
    st = pl_lofi_fc_run(&c, &d, &wr, &o);
    pl_lofi_data_free(&d);
    if (st == PL_OK) r = (lofi_k_result){o.test_mse, o.test_acc, o.lambda, o.top_eig[0]};
    return finish(em, "sim:lofi", &r, st, "LoFi run");
}

const pl_experiment pl_exp_lofi_k = {
    .name = "lofi-k",
    .summary = "Neural LoFi test error against the number K of kept eigendirections",
    .description =
        "Two layers of width P: the first keeps the K eigenvectors of largest |lambda| of the "
        "signed covariance Z^T diag(y) Z / n, the second is a lazy random-feature layer, then "
        "a ridge readout (intercept, leave-one-out penalty). K = P is the lazy network: the "
        "reduction is then a rotation. Data and weights depend on the seed only (paired "
        "along K).",
    LOFI_TABLES(k_params, k_metrics, lofi_k_result),
    .default_sweep = "K=1,2,4,8,16,32,64,128,256,500 P=500 n=1000",
    .default_seeds = 3,
    .plot_x = "K",
    .plot_y = "test_mse,test_acc",
    .plot_logx = 1,
    .check_point = lofi_check,
    .sim = k_sim,
};

/* ---- lofi-width ---------------------------------------------------------------------------- */

static const pl_param_spec w_params[] = {
    P_N(500), P_NTEST(1000), P_P(1000),
    P_K(20, "eigendirections kept at every layer"),
    P_ACT,
    {PL_P_INT(lofi_point, layers, 1, 1, PL_LOFI_MAXL, "reducing layers before the readout")},
    {PL_P_REAL(lofi_point, lambda, 0.1, 0, 1e6,
               "fixed ridge penalty of the readout (0: leave-one-out over 1e-6..1e6; a fixed "
               "one keeps the error a smooth function of the features)")},
    P_TASK(PL_LOFI_TASK_FM04), P_D,
};
static const pl_metric_spec w_metrics[] = {
    PL_METRIC(lofi_width_result, test_mse, "finite-width LoFi test MSE"),
    PL_METRIC(lofi_width_result, kernel_mse, "kernel-limit (P -> infinity) LoFi test MSE on "
                                             "the same data"),
    PL_METRIC(lofi_width_result, gap, "|test_mse - kernel_mse|"),
    PL_METRIC(lofi_width_result, test_acc, "finite-width test accuracy"),
    PL_METRIC(lofi_width_result, kernel_acc, "kernel-limit test accuracy"),
};

static pl_status w_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    const lofi_point *p = pt;
    lofi_width_result r;
    pl_result_clear(e, &r);
    pl_lofi_data d;
    double grid[NGRID];
    pl_lofi_cfg c;
    int done;
    pl_status st = fc_start(p, em, &r, grid, &c, &d, &done);
    if (done) return st;
    double lam = p->lambda;
    if (lam > 0) {
        c.ridge.lambdas = &lam;
        c.ridge.nlambda = 1;
    }
    uniform_layers(p, &c);
    pl_lofi_out fo, ko;
    const char *what = "finite width";
    st = pl_lofi_fc_run(&c, &d, rng, &fo);
    if (st == PL_OK) {
        what = "kernel form";
        st = pl_lofi_kernel_run(&c, &d, &ko);
    }
    pl_lofi_data_free(&d);
    if (st == PL_OK)
        r = (lofi_width_result){fo.test_mse, ko.test_mse, fabs(fo.test_mse - ko.test_mse),
                                fo.test_acc, ko.test_acc};
    return finish(em, "sim:lofi", &r, st, what);
}

static const char *w_check(const void *pt, char *buf, size_t len)
{
    const lofi_point *p = pt;
    if (p->n > 4000) {
        snprintf(buf, len, "n (%ld) must be <= 4000: the kernel form works on n x n matrices",
                 p->n);
        return buf;
    }
    if (p->K > p->n) {
        snprintf(buf, len, "K (%ld) must be <= n (%ld) for the kernel form", p->K, p->n);
        return buf;
    }
    return check_common(p, buf, len);
}

const pl_experiment pl_exp_lofi_width = {
    .name = "lofi-width",
    .summary = "Finite-width Neural LoFi converging to its kernel (P -> infinity) form",
    .description =
        "Finite width: Z = sigma(h W / c)/sqrt(P), top-K eigenvectors of Z^T diag(y) Z by "
        "|lambda|. Kernel form: NNGP Gram G (ReLU arc-cosine J1 or sigmoid by 20-node "
        "Gauss-Hermite), eigenvalues clipped at 1e-6, top-K eigenvectors B of G^{1/2} diag(y) "
        "G^{1/2}, features G^{1/2} B and test features G_cross^T G^{-1/2} B. Both on the same "
        "data (from the seed only, paired across P) with the same readout; gap = |MSE_P - "
        "MSE_inf| should fall like P^{-1/2}.",
    LOFI_TABLES(w_params, w_metrics, lofi_width_result),
    .default_sweep = "P=100,300,1000,3000,10000 n=500",
    .default_seeds = 5,
    .plot_x = "P",
    .plot_y = "gap",
    .plot_logx = 1,
    .plot_logy = 1,
    .check_point = w_check,
    .sim = w_sim,
};

/* ---- lofi-filters --------------------------------------------------------------------------- */

typedef struct {
    double test_mse, test_acc, top_eig, lambda;
} lofi_f_result;

static const pl_param_spec f_params[] = {
    P_N(2000), P_NTEST(1000), P_P(64),
    P_K(8, "eigenfilters kept (1 x 1 reduction from P to K channels)"),
    P_ACT,
    {PL_P_INT(lofi_point, pool, 4, 1, 28, "average pooling window of the K-channel map")},
    P_TASK(PL_LOFI_TASK_FMTOPS),
};
static const pl_metric_spec f_metrics[] = {
    PL_METRIC(lofi_f_result, test_mse, "test MSE of the ridge readout on the pooled map"),
    PL_METRIC(lofi_f_result, test_acc, "test accuracy"),
    PL_METRIC(lofi_f_result, top_eig, "largest |eigenvalue| of the patch signed covariance"),
    PL_METRIC(lofi_f_result, lambda, "ridge penalty selected by leave-one-out"),
};

static const char *f_check(const void *pt, char *buf, size_t len)
{
    const lofi_point *p = pt;
    if (p->task == PL_LOFI_TASK_HIER) {
        snprintf(buf, len, "task: lofi-filters needs images (fm04 or fmtops)");
        return buf;
    }
    return check_common(p, buf, len);
}

static pl_status f_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    const lofi_point *p = pt;
    lofi_f_result r;
    pl_result_clear(e, &r);
    char err[512];
    pl_lofi_data d;
    pl_status st = sample_data(p, em->seed, &d, err, sizeof err);
    if (st == PL_ENOMEM) return st;
    if (st != PL_OK) return finish(em, "sim:cnn", &r, st, err);
    double grid[NGRID];
    pl_ridge_log_grid(1e-6, 1e6, NGRID, grid);
    pl_lofi_cnn_cfg c = {.P = (size_t)p->P, .K = (size_t)p->K, .pool = (size_t)p->pool,
                         .act = (pl_lofi_act)p->act,
                         .ridge = {.intercept = 1, .lambdas = grid, .nlambda = NGRID}};
    pl_lofi_out o;
    pl_mat filt = pl_mat_alloc(c.K, PL_LOFI_KSIZE * PL_LOFI_KSIZE);
    double *eig = malloc(c.K * sizeof *eig);
    if (!filt.data || !eig) st = PL_ENOMEM;
    if (st == PL_OK) st = pl_lofi_cnn_run(&c, &d, rng, &o, eig, filt);
    pl_lofi_data_free(&d);
    if (st == PL_OK) r = (lofi_f_result){o.test_mse, o.test_acc, o.top_eig[0], o.lambda};
    pl_record *rec = st == PL_ENOMEM ? NULL : pl_emit(em, "sim:cnn", &r);
    if (rec && st != PL_OK) {
        pl_record_fail(rec, st, "CNN LoFi: %s", pl_strerror(st));
    }
    pl_mat_free(&filt);
    free(eig);
    return rec ? PL_OK : PL_ENOMEM;
}

const pl_experiment pl_exp_lofi_filters = {
    .name = "lofi-filters",
    .summary = "Convolutional Neural LoFi: signed patch eigenfilters on Fashion-MNIST",
    .description =
        "One conv layer: P random 5x5 filters (padding 2, stride 1) by im2col + BLAS, "
        "z = sigma(patch W / c)/sqrt(P); signed covariance over all (image, position) pairs, "
        "each weighted by its image's label, normalised by 1/(n 784); the K eigenvectors of "
        "largest |lambda| form a 1x1 convolution to K channels; average pooling and a ridge "
        "readout. Records carry the eigenfilters W v_k (K x 25, arrays 'filters') and "
        "eigenvalues ('eig').",
    LOFI_TABLES(f_params, f_metrics, lofi_f_result),
    .default_sweep = "P=64 K=8 n=2000",
    .default_seeds = 1,
    .plot_x = "K",
    .plot_y = "test_acc",
    .check_point = f_check,
    .sim = f_sim,
};
