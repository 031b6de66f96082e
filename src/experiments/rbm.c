/* Family 3 experiments: an RBM (k hidden +-1 units, Gaussian visible) trained on
 * spiked-covariance data. rbm-gd (full-batch GD from a small start), rbm-amp (the k = 1 AMP),
 * rbm-threshold (alpha_c = 1/beta^2), rbm-dynamics (GD trajectory against its DMFT).
 * Every simulation also reports the PCA baseline; theory records come from the AMP state
 * evolution, the BBP formulas and the DMFT (docs/rbm.md). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/figure.h"
#include "phaselab/rbm.h"

typedef struct {
    long d, k, steps;
    double alpha, beta, lr, init;
} rbm_point;

typedef struct {
    double m2, norm2, pca_m2, loss, stab;
} rbm_result;

#define RBM_COMMON_PARAMS(steps_def, steps_help, lr_def, lr_help, k_hi)                           \
    {PL_P_INT(rbm_point, d, 1000, 8, 20000, "dimension of the visible layer")},                \
        {PL_P_REAL(rbm_point, alpha, 4.0, 0, 1e4, "samples per dimension n/d"), .lo_open = 1}, \
        {PL_P_REAL(rbm_point, beta, 1.0, 0, 1e3, "spike strength of every direction (>= 0)")}, \
        {PL_P_INT(rbm_point, k, 1, 1, k_hi, "hidden units (= spike directions)")},              \
        {PL_P_INT(rbm_point, steps, steps_def, 0, 1000000, steps_help)},                       \
    {                                                                                          \
        PL_P_REAL(rbm_point, lr, lr_def, 0, 2, lr_help), .lo_open = 1                          \
    }

static const pl_param_spec rbm_gd_params[] = {
    RBM_COMMON_PARAMS(3000, "GD steps", 0.2,
                      "learning rate eta of W <- W - eta d grad l (k = 1: stable near a minimum for eta < 2; "
                      "k > 1: the curvature of Psi adds to it, eta = 1 diverges at k = 3)",
                      PL_RBM_KMAX),
    {PL_P_REAL(rbm_point, init, 1e-3, 0, 10, "scale of the Gaussian start W0 = init * z"),
     .lo_open = 1},
};
static const pl_param_spec rbm_amp_params[] = {
    RBM_COMMON_PARAMS(500, "maximum AMP iterations", 0.5,
                      "damping of the AMP update (1 = undamped)", 1),
    {PL_P_REAL(rbm_point, init, 2.0, 0, 100,
               "|w0|^2/d of the start along the top PCA eigenvector"),
     .lo_open = 1},
};

static const pl_metric_spec rbm_metrics[] = {
    PL_METRIC(rbm_result, m2,
              "squared overlap with the spike (k > 1: mean squared principal cosine)"),
    PL_METRIC(rbm_result, norm2, "|w|^2/d (k > 1: |W|_F^2/(d k))"),
    PL_METRIC(rbm_result, pca_m2, "the same overlap for the top-k PCA eigenvectors"),
    PL_METRIC(rbm_result, loss, "RBM objective l(W) at the end point"),
    PL_METRIC(rbm_result, stab,
              "theory: stability parameter of the state-evolution fixed point (< 1: "
              "describes the end points)"),
};

/* Sample data and spike at point p; V (n x d) and U (d x k) allocated here. */
static pl_status rbm_data(const rbm_point *p, pl_rng *rng, pl_mat *V, pl_mat *U)
{
    size_t d = (size_t)p->d, k = (size_t)p->k, n = (size_t)ceil(p->alpha * (double)d);
    double beta[PL_RBM_KMAX];
    for (size_t j = 0; j < k; j++) beta[j] = p->beta;
    *V = pl_mat_alloc(n, d);
    *U = pl_mat_alloc(d, k);
    if (!V->data || !U->data) return PL_ENOMEM;
    return pl_rbm_sample(rng, beta, *V, *U);
}

/* PCA record (shared by the simulations) */
static pl_status emit_pca(const pl_experiment *e, pl_mat V, pl_mat U, pl_emitter *em)
{
    rbm_result r;
    pl_result_clear(e, &r);
    pl_status st = pl_rbm_pca(V, U, &r.pca_m2, NULL);
    if (st == PL_ENOMEM) return st;
    pl_record *rec = pl_emit(em, "sim:pca", &r);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK) pl_record_fail(rec, st, "PCA: %s", pl_strerror(st));
    return PL_OK;
}

static pl_status rbm_gd_sim(const pl_experiment *e, const void *pt, pl_rng *rng,
                            pl_emitter *em)
{
    const rbm_point *p = pt;
    pl_mat V = {0}, U = {0}, W = pl_mat_alloc((size_t)p->d, (size_t)p->k);
    rbm_result r;
    pl_result_clear(e, &r);
    pl_status st = W.data ? rbm_data(p, rng, &V, &U) : PL_ENOMEM;
    if (st == PL_OK) st = pl_rbm_init(rng, p->init, 0, U, W);
    if (st == PL_OK) st = pl_rbm_gd(V, W, (size_t)p->steps, p->lr, U, NULL);
    if (st == PL_OK) {
        pl_mat lam = pl_mat_alloc(V.rows, W.cols);
        st = lam.data ? pl_rbm_loss_grad(V, W, &r.loss, (pl_mat){0}, lam) : PL_ENOMEM;
        pl_mat_free(&lam);
    }
    if (st == PL_OK) st = pl_rbm_overlap2(W, U, &r.m2);
    if (st == PL_OK) r.norm2 = pl_rbm_norm2(W);
    pl_status out = st == PL_ENOMEM ? st : PL_OK;
    if (out == PL_OK) {
        pl_record *rec = pl_emit(em, "sim:gd", &r);
        if (!rec) out = PL_ENOMEM;
        else if (st != PL_OK) pl_record_fail(rec, st, "GD: %s", pl_strerror(st));
    }
    if (out == PL_OK && V.data) out = emit_pca(e, V, U, em);
    pl_mat_free(&V);
    pl_mat_free(&U);
    pl_mat_free(&W);
    return out;
}

/* Theory at a point: k = 1 state evolution (above alpha_c), BBP for PCA. */
static pl_status rbm_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const rbm_point *p = pt;
    rbm_result r;
    pl_result_clear(e, &r);
    r.pca_m2 = pl_rbm_pca_m2(p->alpha, p->beta);
    pl_status st = PL_OK;
    int unstable = 0;
    if (p->alpha <= pl_rbm_alpha_c(p->beta)) {
        r.m2 = 0; /* no weak recovery below the BBP threshold */
    } else if (p->k == 1) {
        pl_rbm_se_result se;
        st = pl_rbm_se(p->alpha, p->beta, NULL, &se);
        if (st == PL_OK) {
            r.m2 = se.m2;
            r.norm2 = se.norm2;
            r.stab = se.stab;
            r.loss = NAN;
            unstable = se.stab >= 1;
        }
    }
    pl_record *rec = pl_emit(em, "theory", &r);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK)
        pl_record_fail(rec, st, "state evolution: %s (no fixed point with 0 < s < 1)",
                       pl_strerror(st));
    else if (unstable)
        pl_record_fail(rec, PL_ENOCONV,
                       "state-evolution fixed point unstable (stab = %.3g >= 1): it does not "
                       "describe the AMP/GD end points",
                       r.stab);
    return PL_OK;
}

static pl_status rbm_amp_sim(const pl_experiment *e, const void *pt, pl_rng *rng,
                             pl_emitter *em)
{
    const rbm_point *p = pt;
    size_t d = (size_t)p->d;
    pl_mat V = {0}, U = {0}, W = pl_mat_alloc(d, 1);
    rbm_result r;
    pl_result_clear(e, &r);
    pl_status st = W.data ? rbm_data(p, rng, &V, &U) : PL_ENOMEM;
    double lmax;
    /* start: the top PCA eigenvector scaled to |w0|^2/d = init */
    if (st == PL_OK) {
        pl_mat C = pl_mat_alloc(d, d);
        st = C.data ? pl_syrk(PL_TRANS, 1.0 / (double)V.rows, V, 0.0, C) : PL_ENOMEM;
        if (st == PL_OK) st = pl_syev_topk(C, 1, &lmax, W);
        pl_mat_free(&C);
        if (st == PL_OK) pl_scal(d, sqrt(p->init * (double)d), W.data);
    }
    pl_rbm_amp_info info = {0};
    pl_status amp = PL_OK;
    if (st == PL_OK) {
        pl_rbm_amp_opts o = pl_rbm_amp_default_opts();
        o.maxit = (size_t)p->steps;
        o.damping = p->lr;
        amp = pl_rbm_amp(V, W.data, &o, &info);
        if (amp == PL_ENOMEM) st = amp;
    }
    if (st == PL_OK && (amp == PL_OK || amp == PL_ENOCONV)) {
        pl_mat lam = pl_mat_alloc(V.rows, 1);
        st = lam.data ? pl_rbm_loss_grad(V, W, &r.loss, (pl_mat){0}, lam) : PL_ENOMEM;
        pl_mat_free(&lam);
        if (st == PL_OK) st = pl_rbm_overlap2(W, U, &r.m2);
        r.norm2 = pl_rbm_norm2(W);
    }
    pl_status out = st == PL_ENOMEM ? st : PL_OK;
    if (out == PL_OK) {
        pl_record *rec = pl_emit(em, "sim:amp", &r);
        if (!rec) out = PL_ENOMEM;
        else if (st != PL_OK) pl_record_fail(rec, st, "AMP: %s", pl_strerror(st));
        else if (amp != PL_OK)
            pl_record_fail(rec, amp, "AMP: %s after %zu iterations (s = %.3g, change %.3g)",
                           pl_strerror(amp), info.iterations, info.s, info.change);
    }
    if (out == PL_OK && V.data) out = emit_pca(e, V, U, em);
    pl_mat_free(&V);
    pl_mat_free(&U);
    pl_mat_free(&W);
    return out;
}

const pl_experiment pl_exp_rbm_gd = {
    .name = "rbm-gd",
    .summary = "RBM (k +-1 hidden units) trained by full-batch GD on spiked-covariance data: "
               "overlap vs alpha, against AMP state evolution and PCA",
    .description =
        "Data v = sum_j sqrt(beta) u_j s_j + xi (s uniform on {+-1}^k, U orthonormal, n = "
        "alpha d). Objective l(W) = -(1/n) sum_mu sum_a log cosh((W^T v_mu)_a/sqrt d) + "
        "Psi(W^T W/d), Psi(Q) = log E_h exp(h^T Q h/2) (exact over 2^k states). GD W <- W - lr "
        "d grad l from W0 = init * N(0, I). Records: sim:gd, sim:pca (top-k eigenvectors of "
        "V^T V/n), theory (k = 1 AMP state-evolution fixed point above alpha_c = 1/beta^2, "
        "m2 = 0 below; PCA by BBP). A theory record with stab >= 1 is marked not_converged: "
        "the replica-symmetric fixed point is unstable there and GD ends elsewhere.",
    .params = rbm_gd_params,
    .n_params = sizeof rbm_gd_params / sizeof rbm_gd_params[0],
    .point_size = sizeof(rbm_point),
    .metric_map = rbm_metrics,
    .n_metrics = sizeof rbm_metrics / sizeof rbm_metrics[0],
    .result_size = sizeof(rbm_result),
    .default_sweep = "alpha=0.5,0.75,1.25,1.5,2,3,4,5,6,8 d=1000 steps=300 lr=1",
    .default_seeds = 5,
    .plot_x = "alpha",
    .plot_y = "m2,pca_m2,norm2",
    .sim = rbm_gd_sim,
    .solve = rbm_solve,
};

const pl_experiment pl_exp_rbm_amp = {
    .name = "rbm-amp",
    .summary = "AMP for the k = 1 RBM objective on spiked-covariance data, against its state "
               "evolution and PCA",
    .description =
        "AMP on X = V/sqrt(d) (docs/rbm.md): omega = X w - s g, lam = prox_s(omega) (lam - s "
        "tanh lam = omega), g = tanh lam, a = -(1/d) sum sech^2/(1 - s sech^2), w <- (X^T g + "
        "a w)/(alpha + a), s <- 1/(alpha + a), damped by lr; fixed points are the stationary "
        "points alpha w = X^T tanh(X w) of the likelihood. Start: top PCA eigenvector with "
        "|w0|^2/d = init. Records: sim:amp (not_converged / diverged when AMP does not "
        "converge or s leaves (0, 1)), sim:pca, theory (state evolution, BBP).",
    .params = rbm_amp_params,
    .n_params = sizeof rbm_amp_params / sizeof rbm_amp_params[0],
    .point_size = sizeof(rbm_point),
    .metric_map = rbm_metrics,
    .n_metrics = sizeof rbm_metrics / sizeof rbm_metrics[0],
    .result_size = sizeof(rbm_result),
    .default_sweep = "alpha=1.5,2,3,3.5,4,5,6,8 d=1000",
    .default_seeds = 5,
    .plot_x = "alpha",
    .plot_y = "m2,pca_m2,norm2",
    .sim = rbm_amp_sim,
    .solve = rbm_solve,
};

/* ---- rbm-threshold ---- */
typedef struct {
    double beta;
} thr_point;
typedef struct {
    double alpha_c;
} thr_result;
static const pl_param_spec thr_params[] = {
    {PL_P_REAL(thr_point, beta, 1.0, 0, 1e3, "spike strength"), .lo_open = 1},
};
static const pl_metric_spec thr_metrics[] = {
    PL_METRIC(thr_result, alpha_c, "weak-recovery threshold 1/beta^2 (BBP) of GD, AMP, PCA"),
};
static pl_status thr_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    (void)e;
    const thr_point *p = pt;
    thr_result r = {.alpha_c = pl_rbm_alpha_c(p->beta)};
    return pl_emit(em, "theory", &r) ? PL_OK : PL_ENOMEM;
}
const pl_experiment pl_exp_rbm_threshold = {
    .name = "rbm-threshold",
    .summary = "weak-recovery threshold alpha_c = 1/beta^2 of the RBM on spiked covariance",
    .description = "The RBM objective's W = 0 is unstable along the top eigenvectors of V^T "
                   "V/n; they carry the spike iff alpha beta^2 > 1 (BBP). With k spikes of "
                   "strengths beta_j, direction j is recovered iff alpha beta_j^2 > 1.",
    .params = thr_params,
    .n_params = 1,
    .point_size = sizeof(thr_point),
    .metric_map = thr_metrics,
    .n_metrics = 1,
    .result_size = sizeof(thr_result),
    .default_sweep = "beta=0.25:3:0.25",
    .default_seeds = 1,
    .plot_x = "beta",
    .plot_y = "alpha_c",
    .plot_logy = 1,
    .solve = thr_solve,
};

/* ---- rbm-dynamics ---- */
typedef struct {
    long d, steps, nmc;
    double alpha, beta, lr, init, rho0;
} dyn_point;
typedef struct {
    double m2, norm2, loss;
} dyn_result;
static const pl_param_spec dyn_params[] = {
    {PL_P_INT(dyn_point, d, 1000, 8, 20000, "dimension")},
    {PL_P_REAL(dyn_point, alpha, 4.0, 0, 1e4, "n/d"), .lo_open = 1},
    {PL_P_REAL(dyn_point, beta, 1.0, 0, 1e3, "spike strength")},
    {PL_P_INT(dyn_point, steps, 30, 0, 400, "GD steps: the time t at which m2, norm2, loss are "
                                            "reported")},
    {PL_P_REAL(dyn_point, lr, 0.5, 0, 2, "learning rate"), .lo_open = 1},
    {PL_P_REAL(dyn_point, init, 0.1, 0, 10, "|w0|/sqrt(d)"), .lo_open = 1},
    {PL_P_REAL(dyn_point, rho0, 0.5, 0, 1,
               "cosine of w0 with the spike (the d -> infinity dynamics needs rho0 > 0)")},
    {PL_P_INT(dyn_point, nmc, 8000, 2, 1000000, "Monte Carlo paths of the DMFT")},
};
static const pl_metric_spec dyn_metrics[] = {
    PL_METRIC(dyn_result, m2, "squared overlap with the spike at step `steps`"),
    PL_METRIC(dyn_result, norm2, "|w|^2/d at step `steps`"),
    PL_METRIC(dyn_result, loss, "RBM objective at step `steps`"),
};
/* The trajectories t = 0..T as record arrays: loss_t, m2_t, norm2_t (tr holds them in that
 * order, T + 1 each). */
static pl_status dyn_arrays(pl_record *rec, const double *tr, size_t T)
{
    static const char *names[3] = {"loss_t", "m2_t", "norm2_t"};
    for (int i = 0; i < 3; i++) {
        pl_status st = pl_record_set_array(rec, names[i], tr + (size_t)i * (T + 1), T + 1);
        if (st != PL_OK) return st;
    }
    return PL_OK;
}

static pl_status dyn_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    const dyn_point *p = pt;
    rbm_point rp = {.d = p->d, .k = 1, .alpha = p->alpha, .beta = p->beta};
    size_t T = (size_t)p->steps;
    pl_mat V = {0}, U = {0}, W = pl_mat_alloc((size_t)p->d, 1);
    double *tr = malloc(3 * (T + 1) * sizeof *tr);
    dyn_result r;
    pl_result_clear(e, &r);
    pl_status st = (W.data && tr) ? rbm_data(&rp, rng, &V, &U) : PL_ENOMEM;
    if (st == PL_OK) st = pl_rbm_init(rng, p->init, p->rho0, U, W);
    if (st == PL_OK) {
        pl_rbm_trace t = {.loss = tr, .m2 = tr + T + 1, .norm2 = tr + 2 * (T + 1)};
        st = pl_rbm_gd(V, W, T, p->lr, U, &t);
        r = (dyn_result){.loss = t.loss[T], .m2 = t.m2[T], .norm2 = t.norm2[T]};
    }
    pl_mat_free(&V);
    pl_mat_free(&U);
    pl_mat_free(&W);
    pl_record *rec = st == PL_ENOMEM ? NULL : pl_emit(em, "sim:gd", &r);
    pl_status out = rec ? dyn_arrays(rec, tr, T) : PL_ENOMEM;
    free(tr);
    if (out != PL_OK) return out;
    if (st != PL_OK) pl_record_fail(rec, st, "GD: %s", pl_strerror(st));
    return PL_OK;
}
static pl_status dyn_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const dyn_point *p = pt;
    size_t T = (size_t)p->steps;
    dyn_result r;
    pl_result_clear(e, &r);
    pl_status st = PL_OK;
    if (T == 0) {
        r = (dyn_result){.m2 = p->rho0 * p->rho0, .norm2 = p->init * p->init};
        r.loss = NAN;
    } else {
        double *a = malloc(4 * (T + 1) * sizeof *a);
        if (!a) return PL_ENOMEM;
        pl_rbm_dmft_opts o = {.steps = T, .nmc = (size_t)p->nmc, .lr = p->lr,
                              .init = p->init, .rho0 = p->rho0};
        /* the DMFT's own Monte Carlo stream, fixed so that theory records are reproducible */
        pl_rng rng;
        pl_rng_init(&rng, 0x72626d, 0);
        st = pl_rbm_dmft(p->alpha, p->beta, &o, &rng, a, a + T + 1, a + 2 * (T + 1),
                         a + 3 * (T + 1));
        if (st == PL_OK) {
            r = (dyn_result){.m2 = a[2 * (T + 1) + T], .norm2 = a[T + 1 + T],
                             .loss = a[3 * (T + 1) + T]};
            /* reorder to loss, m2, norm2 (m is dropped) */
            memmove(a, a + 3 * (T + 1), (T + 1) * sizeof *a);
            for (size_t t = 0; t <= T; t++) {
                double q = a[(T + 1) + t];
                a[(T + 1) + t] = a[2 * (T + 1) + t];
                a[2 * (T + 1) + t] = q;
            }
        }
        if (st == PL_ENOMEM) {
            free(a);
            return st;
        }
        pl_record *rec = pl_emit(em, "theory", &r);
        pl_status out = !rec ? PL_ENOMEM : st == PL_OK ? dyn_arrays(rec, a, T) : PL_OK;
        free(a);
        if (out != PL_OK) return out;
        if (st != PL_OK) pl_record_fail(rec, st, "DMFT: %s", pl_strerror(st));
        return PL_OK;
    }
    pl_record *rec = pl_emit(em, "theory", &r);
    return rec ? PL_OK : PL_ENOMEM;
}
/* Default figure of rbm-dynamics: for each parameter point, the DMFT trajectories (lines) and
 * the GD trajectories averaged over seeds (points with standard errors), one panel per
 * quantity. */
static pl_status dyn_figure(const pl_experiment *e, const pl_records *recs, pl_figure *fig)
{
    static const char *arr[3] = {"m2_t", "norm2_t", "loss_t"};
    static const char *lab[3] = {"m2 (squared overlap)", "|w|^2/d", "loss"};
    pl_panel *panel[3];
    for (int j = 0; j < 3; j++) {
        char title[64];
        snprintf(title, sizeof title, "%s: GD vs DMFT", arr[j]);
        panel[j] = pl_figure_add_panel(fig, title, "step t", lab[j], 0, 0);
        if (!panel[j]) return PL_ENOMEM;
    }
    /* the panels array may move as panels are added: take them again */
    for (int j = 0; j < 3; j++) panel[j] = &fig->panels[fig->npanels - 3 + (size_t)j];
    int ia = pl_param_index(e, "alpha"), ib = pl_param_index(e, "beta");
    pl_status st = PL_OK;
    for (size_t i = 0; i < recs->n && st == PL_OK; i++) {
        const pl_record *r0 = &recs->rec[i];
        /* first record of its point: draw that point */
        int seen = 0;
        for (size_t h = 0; h < i && !seen; h++)
            seen = memcmp(&recs->rec[h].params, &r0->params, sizeof r0->params) == 0;
        if (seen) continue;
        char tag[64];
        snprintf(tag, sizeof tag, "alpha=%g beta=%g", r0->params.v[ia], r0->params.v[ib]);
        for (int j = 0; j < 3 && st == PL_OK; j++) {
            size_t T1 = 0, ns = 0;
            double *sum = NULL, *sum2 = NULL;
            for (size_t h = i; h < recs->n && st == PL_OK; h++) {
                const pl_record *r = &recs->rec[h];
                size_t n;
                const double *v = pl_record_array(r, arr[j], &n);
                if (!v || memcmp(&r->params, &r0->params, sizeof r->params) != 0) continue;
                if (r->seed < 0) {
                    double *x = malloc(n * sizeof *x);
                    if (!x) { st = PL_ENOMEM; break; }
                    for (size_t t = 0; t < n; t++) x[t] = (double)t;
                    char l[96];
                    snprintf(l, sizeof l, "DMFT %s", tag);
                    st = pl_panel_add_series(panel[j], PL_SERIES_LINE, l, n, x, v, NULL);
                    free(x);
                    continue;
                }
                if (!sum) {
                    T1 = n;
                    sum = calloc(2 * n, sizeof *sum);
                    if (!sum) { st = PL_ENOMEM; break; }
                    sum2 = sum + n;
                }
                if (n != T1) continue;
                for (size_t t = 0; t < n; t++) sum[t] += v[t], sum2[t] += v[t] * v[t];
                ns++;
            }
            if (st == PL_OK && ns > 0) {
                double *x = malloc(3 * T1 * sizeof *x);
                if (!x) st = PL_ENOMEM;
                for (size_t t = 0; st == PL_OK && t < T1; t++) {
                    double m = sum[t] / (double)ns;
                    x[t] = (double)t;
                    x[T1 + t] = m;
                    x[2 * T1 + t] = ns > 1 ? sqrt(fmax(0, sum2[t] / (double)ns - m * m) /
                                                 (double)(ns - 1))
                                           : 0;
                }
                char l[96];
                snprintf(l, sizeof l, "GD %s (%zu seeds)", tag, ns);
                if (st == PL_OK)
                    st = pl_panel_add_series(panel[j], PL_SERIES_POINTS, l, T1, x, x + T1,
                                             x + 2 * T1);
                free(x);
            }
            free(sum);
        }
    }
    return st;
}

const pl_experiment pl_exp_rbm_dynamics = {
    .name = "rbm-dynamics",
    .summary = "k = 1 RBM: GD trajectory (overlap, norm, loss vs step) against its "
               "discrete-time DMFT",
    .description =
        "GD w <- (1-lr) w + lr (sqrt d/n) V^T tanh(V w/sqrt d) from w0 = init (rho0 sqrt(d) "
        "u + sqrt(1-rho0^2) z); theory: the discrete-time DMFT (d -> infinity at fixed step "
        "count, docs/rbm.md) with nmc Monte Carlo paths of the sample-side process. "
        "Records carry the trajectories t = 0..steps (arrays m2_t, norm2_t, loss_t); the "
        "default figure draws them, DMFT against GD averaged over seeds.",
    .params = dyn_params,
    .n_params = sizeof dyn_params / sizeof dyn_params[0],
    .point_size = sizeof(dyn_point),
    .metric_map = dyn_metrics,
    .n_metrics = sizeof dyn_metrics / sizeof dyn_metrics[0],
    .result_size = sizeof(dyn_result),
    .default_sweep = "steps=30 d=1000",
    .default_seeds = 5,
    .plot_x = "steps",
    .plot_y = "m2,norm2,loss",
    .theory_fine = -1,
    .sim = dyn_sim,
    .solve = dyn_solve,
    .figure = dyn_figure,
};
