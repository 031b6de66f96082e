/* Experiments of family 8 (Neural LoFi): lofi-k, lofi-width, lofi-vs-rf, lofi-filters. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/figure.h"
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
    if (p->K > p->n) {
        snprintf(buf, len, "K (%ld) must be <= n (%ld): at most n directions carry signal",
                 p->K, p->n);
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

/* ---- figures ------------------------------------------------------------------------------ */

#define AGG_MAX 128

/* Mean and standard error over seeds of metric `m` against parameter `x`, over the converged
 * records whose parameter g (-1: none) equals gv. Returns the number of x values. */
typedef struct {
    double x[AGG_MAX], mean[AGG_MAX], se[AGG_MAX];
    size_t n;
} agg_t;

static size_t aggregate(const pl_experiment *e, const pl_records *recs, const char *xname,
                        const char *mname, int g, double gv, agg_t *a)
{
    int xi = pl_param_index(e, xname), mi = pl_metric_index(e, mname);
    double s1[AGG_MAX] = {0}, s2[AGG_MAX] = {0}, cnt[AGG_MAX] = {0};
    a->n = 0;
    if (xi < 0 || mi < 0) return 0;
    for (size_t r = 0; r < recs->n; r++) {
        const pl_record *rec = &recs->rec[r];
        double v = rec->metric[mi], x = rec->params.v[xi];
        if (rec->status != PL_REC_CONVERGED || !isfinite(v)) continue;
        if (g >= 0 && rec->params.v[g] != gv) continue;
        size_t k = 0;
        while (k < a->n && a->x[k] != x) k++;
        if (k == a->n) {
            if (a->n == AGG_MAX) continue;
            a->x[a->n++] = x;
        }
        s1[k] += v;
        s2[k] += v * v;
        cnt[k] += 1;
    }
    for (size_t k = 0; k < a->n; k++) { /* insertion sort by x, carrying the sums */
        for (size_t j = k; j > 0 && a->x[j - 1] > a->x[j]; j--) {
            double t;
#define SWAP_(arr) (t = arr[j], arr[j] = arr[j - 1], arr[j - 1] = t)
            SWAP_(a->x), SWAP_(s1), SWAP_(s2), SWAP_(cnt);
#undef SWAP_
        }
    }
    for (size_t k = 0; k < a->n; k++) {
        a->mean[k] = s1[k] / cnt[k];
        double var = cnt[k] > 1 ? (s2[k] - cnt[k] * a->mean[k] * a->mean[k]) / (cnt[k] - 1) : 0;
        a->se[k] = sqrt(fmax(var, 0) / cnt[k]);
    }
    return a->n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Distinct values of parameter g among the records (at most max), ascending. */
static size_t distinct(const pl_records *recs, int g, double *v, size_t max)
{
    size_t n = 0;
    for (size_t r = 0; r < recs->n; r++) {
        double x = recs->rec[r].params.v[g];
        size_t k = 0;
        while (k < n && v[k] != x) k++;
        if (k == n && n < max) v[n++] = x;
    }
    qsort(v, n, sizeof *v, cmp_double);
    return n;
}

/* Points (mean +- SE over seeds) of metric m against x, one series per task of the records,
 * labelled "<what> <task>". */
static pl_status add_by_task(const pl_experiment *e, const pl_records *recs, pl_panel *pan,
                             const char *x, const char *m, const char *what, int dashed)
{
    int ti = pl_param_index(e, "task");
    double tv[PL_LOFI_TASK_COUNT];
    size_t nt = distinct(recs, ti, tv, PL_LOFI_TASK_COUNT);
    for (size_t t = 0; t < nt; t++) {
        agg_t a;
        char name[32], label[80];
        if (!aggregate(e, recs, x, m, ti, tv[t], &a)) continue;
        pl_param_choice_name(e, ti, tv[t], name, sizeof name);
        snprintf(label, sizeof label, "%s %s", what, name);
        pl_status st = pl_panel_add_series(pan, PL_SERIES_POINTS, label, a.n, a.x, a.mean, a.se);
        if (st != PL_OK) return st;
        pl_series *sr = pl_panel_last(pan);
        sr->dashed = dashed;
        sr->color = (int)(2 * t + (size_t)dashed) + 1;
        if (dashed) sr->hollow = 1;
        /* join the points */
        st = pl_panel_add_series(pan, PL_SERIES_LINE, "", a.n, a.x, a.mean, NULL);
        if (st != PL_OK) return st;
        pl_panel_last(pan)->color = sr->color;
        pl_panel_last(pan)->dashed = dashed;
    }
    return PL_OK;
}

static pl_status vs_figure(const pl_experiment *e, const pl_records *recs, pl_figure *fig)
{
    pl_figure_init(fig, "Neural LoFi against deep random features at equal width");
    snprintf(fig->subtitle, sizeof fig->subtitle, "mean +- SE over seeds (paired data and weights)");
    const char *m[2][3] = {{"test_mse", "rf_test_mse", "test MSE"},
                           {"test_acc", "rf_test_acc", "test accuracy"}};
    for (int k = 0; k < 2; k++) {
        pl_panel *pan = pl_figure_add_panel(fig, m[k][2], "P (width)", m[k][2], 1, 0);
        if (!pan) return PL_ENOMEM;
        pl_status st = add_by_task(e, recs, pan, "P", m[k][0], "LoFi", 0);
        if (st == PL_OK) st = add_by_task(e, recs, pan, "P", m[k][1], "RF", 1);
        if (st != PL_OK) return st;
    }
    return PL_OK;
}

static pl_status k_figure(const pl_experiment *e, const pl_records *recs, pl_figure *fig)
{
    pl_figure_init(fig, "Neural LoFi: test error against the number K of kept directions");
    snprintf(fig->subtitle, sizeof fig->subtitle,
             "first layer reduced to K, second lazy; mean +- SE over seeds");
    const char *m[2][2] = {{"test_mse", "test MSE"}, {"test_acc", "test accuracy"}};
    for (int k = 0; k < 2; k++) {
        pl_panel *pan = pl_figure_add_panel(fig, m[k][1], "K", m[k][1], 1, 0);
        if (!pan) return PL_ENOMEM;
        pl_status st = add_by_task(e, recs, pan, "K", m[k][0], "LoFi", 0);
        if (st != PL_OK) return st;
    }
    return PL_OK;
}

static pl_status w_figure(const pl_experiment *e, const pl_records *recs, pl_figure *fig)
{
    pl_figure_init(fig, "Finite-width Neural LoFi against its kernel limit");
    snprintf(fig->subtitle, sizeof fig->subtitle,
             "|MSE_P - MSE_inf|, seeds paired across P; mean +- SE; dashed: slope -1/2");
    pl_panel *pan = pl_figure_add_panel(fig, "gap to the kernel limit", "P (width)",
                                        "|test MSE_P - test MSE_inf|", 1, 1);
    if (!pan) return PL_ENOMEM;
    pl_status st = add_by_task(e, recs, pan, "P", "gap", "LoFi", 0);
    agg_t a;
    if (st == PL_OK && aggregate(e, recs, "P", "gap", -1, 0, &a) >= 2 && a.mean[a.n - 1] > 0) {
        /* reference P^{-1/2} through the last point */
        double x[2] = {a.x[0], a.x[a.n - 1]};
        double y[2] = {a.mean[a.n - 1] * sqrt(a.x[a.n - 1] / a.x[0]), a.mean[a.n - 1]};
        st = pl_panel_add_series(pan, PL_SERIES_LINE, "P^-1/2", 2, x, y, NULL);
        if (st == PL_OK) {
            pl_panel_last(pan)->dashed = 1;
            pl_panel_last(pan)->color = -1;
        }
    }
    if (st != PL_OK) return st;
    pan = pl_figure_add_panel(fig, "test MSE", "P (width)", "test MSE", 1, 0);
    if (!pan) return PL_ENOMEM;
    st = add_by_task(e, recs, pan, "P", "test_mse", "finite P", 0);
    if (st == PL_OK) st = add_by_task(e, recs, pan, "P", "kernel_mse", "kernel", 1);
    return st;
}

static pl_status f_figure(const pl_experiment *e, const pl_records *recs, pl_figure *fig)
{
    (void)e;
    pl_figure_init(fig, "Convolutional Neural LoFi: signed patch eigenfilters W v_k");
    const pl_record *rec = NULL;
    for (size_t r = 0; r < recs->n && !rec; r++)
        if (recs->rec[r].status == PL_REC_CONVERGED) rec = &recs->rec[r];
    if (!rec) return PL_OK;
    size_t nf, ne;
    const double *F = pl_record_array(rec, "filters", &nf);
    const double *w = pl_record_array(rec, "eig", &ne);
    if (!F || !w || nf != 25 * ne) return PL_OK;
    snprintf(fig->subtitle, sizeof fig->subtitle,
             "first record (seed %ld); eigenvalue of the patch signed covariance in each title",
             rec->seed);
    fig->cols = ne > 4 ? 4 : (int)ne;
    fig->width = 1400;
    fig->height = ne > 4 ? 700 : 380;
    for (size_t k = 0; k < ne; k++) {
        char title[64];
        snprintf(title, sizeof title, "k=%zu  lambda=%+.3g", k + 1, w[k]);
        pl_panel *pan = pl_figure_add_panel(fig, title, "", "", 0, 0);
        if (!pan) return PL_ENOMEM;
        /* each pixel as an 8 x 8 block so that the map shows pixels, image row 0 on top */
        enum { B = 8, S = 5 * B };
        double z[S * S];
        for (int r = 0; r < S; r++)
            for (int c = 0; c < S; c++)
                z[(S - 1 - r) * S + c] = F[k * 25 + (size_t)((r / B) * 5 + c / B)];
        pl_status st = pl_panel_set_map(pan, S, S, z, 0, 5, 0, 5, NULL, 0, "weight");
        if (st != PL_OK) return st;
    }
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
    .figure = vs_figure,
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
    .figure = k_figure,
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
    .figure = w_figure,
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
    if (rec && st == PL_OK) {
        if (pl_record_set_array(rec, "filters", filt.data, c.K * 25) != PL_OK ||
            pl_record_set_array(rec, "eig", eig, c.K) != PL_OK)
            rec = NULL;
    } else if (rec) {
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
    .figure = f_figure,
};
