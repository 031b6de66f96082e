/* Family 7 experiments: hier-threshold (theory), hier-recovery, hier-spectrum, hier-baselines.
 * See docs/hierarchical.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/eigred.h"
#include "phaselab/experiment.h"
#include "phaselab/figure.h"
#include "phaselab/report.h"
#include "phaselab/rmt.h"
#include "phaselab/hier.h"

/* one point struct for the four experiments (each binds the fields it uses) */
typedef struct {
    long d, q, ntest;
    double gamma, eps, alpha;
    int target, input;
} hier_point;

#define HIER_COMMON_PARAMS(d_def, gamma_def, alpha_def)                                           \
    {PL_P_INT(hier_point, d, d_def, 2, 100000, "input dimension d")},                             \
        {PL_P_REAL(hier_point, gamma, gamma_def, 0, 10,                                           \
                   "power-law exponent of the head, b_i ~ i^-gamma")},                            \
        {PL_P_REAL(hier_point, eps, 0.5, 0, 1, "width exponent: p = round(d^eps) latent features")}, \
        {PL_P_REAL(hier_point, alpha, alpha_def, 0.5, 6, "sample exponent: n = round(d^alpha)")},  \
        {PL_P_INT(hier_point, q, 2, 2, 3, "Hermite order of the latent features (D ~ d^q/q!)")}

#define HIER_SIM_PARAMS                                                                           \
    {PL_P_CHOICE(hier_point, target, PL_HIER_ID, "id|tanh|relu", "link g* of y = g*(s)")},       \
        {PL_P_CHOICE(hier_point, input, PL_HIER_TRUE, "true|gauss",                               \
                     "true: Hermite features of Gaussian x; gauss: z ~ N(0, I_D) directly")},     \
        {PL_P_INT(hier_point, ntest, 2000, 10, 1000000, "test samples for the MSE")}

static size_t hier_p(const hier_point *p) { return pl_hier_width((size_t)p->d, p->eps); }
static size_t hier_n(const hier_point *p) { return (size_t)floor(pow((double)p->d, p->alpha) + 0.5); }

/* reference sign draw for theory records that depend on the signs of b */
static void ref_coeffs(const hier_point *p, double *b)
{
    pl_rng r;
    pl_rng_init(&r, 0, pl_hash_str("hier-reference-signs"));
    pl_hier_coeffs(hier_p(p), p->gamma, 1.0, &r, b);
}

static const char *hier_check(const void *pt, char *buf, size_t len, double max_cells,
                              size_t max_n)
{
    const hier_point *p = pt;
    size_t D = pl_hier_dim((size_t)p->d, (size_t)p->q), n = hier_n(p), pw = hier_p(p);
    if (D == 0 || D > 50000000) {
        snprintf(buf, len, "d = %ld with q = %ld: feature dimension too large", p->d, p->q);
        return buf;
    }
    if (pw > D || pw > 4096) {
        snprintf(buf, len, "eps = %g: p = %zu latent features (at most min(D, 4096))", p->eps, pw);
        return buf;
    }
    if (n < 10 || (max_n && n > max_n)) {
        snprintf(buf, len, "alpha = %g: n = d^alpha = %zu samples, allowed 10..%zu", p->alpha, n,
                 max_n ? max_n : (size_t)-1);
        return buf;
    }
    double cells = (double)n * (double)(p->input == PL_HIER_GAUSS ? D : (size_t)p->d);
    if (max_cells > 0 && cells > max_cells) {
        snprintf(buf, len,
                 "alpha = %g, d = %ld, input = %s: n x %s = %.3g doubles of data (at most %.3g)",
                 p->alpha, p->d, p->input == PL_HIER_GAUSS ? "gauss" : "true",
                 p->input == PL_HIER_GAUSS ? "D" : "d", cells, max_cells);
        return buf;
    }
    return NULL;
}

/* finite-ratio theory with label samples of the simulation's size n (at most 10^5 per draw),
 * averaged over about 2 10^5 labels in all */
static pl_status fr_finite_n(const hier_point *p, const double *b, double c, pl_rng *mc,
                             pl_hier_fr *fr)
{
    size_t n = hier_n(p), nlab = n < 100000 ? n : 100000, nd = 200000 / nlab;
    if (nd < 1) nd = 1;
    if (nd > 16) nd = 16;
    return pl_hier_finite_ratio_avg(b, hier_p(p), (pl_hier_link)p->target, c, nlab, nd, mc, fr);
}

/* ================================================================ hier-threshold */
typedef struct {
    double alpha_first, alpha_th_p, m_th, r_th, exponent, alpha_bbp_first, alpha_bbp_p, m_bbp;
} thr_result;

static const pl_param_spec thr_params[] = {HIER_COMMON_PARAMS(800, 1.0, 2.5)};
static const pl_metric_spec thr_metrics[] = {
    PL_METRIC(thr_result, alpha_first, "alpha_th(1): exponent where the first direction appears"),
    PL_METRIC(thr_result, alpha_th_p, "alpha_th(p): exponent where the last direction appears"),
    PL_METRIC(thr_result, m_th, "m_th(alpha): predicted number of recovered directions"),
    PL_METRIC(thr_result, r_th, "R_th(alpha): residual risk with the first m_th directions"),
    PL_METRIC(thr_result, exponent, "MSE power-law exponent in n (gamma > 1/2; NaN otherwise)"),
    PL_METRIC(thr_result, alpha_bbp_first,
              "log_d of n_1 = D/(4 btilde_1^2): BBP threshold of direction 1 with constants"),
    PL_METRIC(thr_result, alpha_bbp_p, "log_d of n_p = D/(4 btilde_p^2) (direction p)"),
    PL_METRIC(thr_result, m_bbp, "number of directions with |btilde_i| > sigma = sqrt(D/4n)"),
};

static const char *thr_check(const void *pt, char *buf, size_t len)
{
    const hier_point *p = pt;
    size_t D = pl_hier_dim((size_t)p->d, (size_t)p->q), pw = hier_p(p);
    if (D == 0 || pw > D) {
        snprintf(buf, len, "d = %ld, q = %ld, eps = %g: need p = round(d^eps) <= D = C(d+q-1, q)",
                 p->d, p->q, p->eps);
        return buf;
    }
    return NULL;
}

static pl_status thr_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    (void)e;
    const hier_point *p = pt;
    size_t pw = hier_p(p), D = pl_hier_dim((size_t)p->d, (size_t)p->q);
    double d = (double)p->d, q = (double)p->q;
    thr_result r;
    r.alpha_first = pl_hier_alpha_th(1, d, p->gamma, p->eps, q);
    r.alpha_th_p = pl_hier_alpha_th((double)pw, d, p->gamma, p->eps, q);
    r.m_th = pl_hier_m_th(p->alpha, d, pw, p->gamma, p->eps, q);
    r.r_th = pl_hier_r_th(r.m_th, pw, p->gamma);
    r.exponent = pl_hier_exponent(p->gamma);
    double *b = malloc(pw * sizeof *b), *bt = malloc(pw * sizeof *bt);
    if (!b || !bt) {
        free(b);
        free(bt);
        return PL_ENOMEM;
    }
    ref_coeffs(p, b);
    pl_status st = pl_hier_btilde(b, pw, PL_HIER_ID, 0, NULL, bt, NULL);
    double sigma2 = (double)D / (4 * pow(d, p->alpha)), m = 0;
    for (size_t i = 0; i < pw; i++) m += bt[i] * bt[i] > sigma2;
    r.alpha_bbp_first = log((double)D / (4 * bt[0] * bt[0])) / log(d);
    r.alpha_bbp_p = log((double)D / (4 * bt[pw - 1] * bt[pw - 1])) / log(d);
    r.m_bbp = m;
    free(b);
    free(bt);
    pl_record *rec = pl_emit(em, "theory", &r);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK) pl_record_fail(rec, st, "btilde: %s", pl_strerror(st));
    return PL_OK;
}

const pl_experiment pl_exp_hier_threshold = {
    .name = "hier-threshold",
    .summary = "hierarchical power-law targets: recovery thresholds alpha_th(i), recovered "
               "count m_th and residual risk R_th against alpha = log_d n",
    .description =
        "Closed-form theory of the layer-wise spectral algorithm on y = g*(sum_i b_i (h_i^2 - 1)), "
        "h_i = <A_i, He_q(x)>, b_i ~ i^-gamma, p = d^eps: threshold exponents alpha_th(i) (q + eps "
        "for gamma = 0; q + (1 - 2 gamma) eps + 2 gamma log_d i for gamma < 1/2; q + 2 gamma log_d "
        "i for gamma >= 1/2), m_th = clip(floor(d^((alpha - alpha_first)/(2 gamma))), 0, p), "
        "R_th = sum_{j > m} j^-2gamma / sum_{j <= p} j^-2gamma, the exponent (2 gamma - 1)/(2 gamma), "
        "and the BBP thresholds with constants n_i = D/(4 btilde_i^2).",
    .params = thr_params,
    .n_params = sizeof thr_params / sizeof thr_params[0],
    .point_size = sizeof(hier_point),
    .metric_map = thr_metrics,
    .n_metrics = sizeof thr_metrics / sizeof thr_metrics[0],
    .result_size = sizeof(thr_result),
    .default_sweep = "d=800 gamma=0.4,1 eps=0.5 alpha=1.5:3.4:0.05",
    .default_seeds = 1,
    .plot_x = "alpha",
    .plot_y = "m_th,r_th",
    .check_point = thr_check,
    .solve = thr_solve,
};

/* ================================================================ hier-recovery */
typedef struct {
    double mse, overlap, rank, top_eig, cos2_first, nmatvec;
} rec_result;

static const pl_param_spec rec_params[] = {HIER_COMMON_PARAMS(30, 1.0, 2.5), HIER_SIM_PARAMS};
static const pl_metric_spec rec_metrics[] = {
    PL_METRIC(rec_result, mse, "test MSE of the calibrated predictor (unit-variance labels); "
                               "theory: R_th"),
    PL_METRIC(rec_result, overlap, "ovH = ||Ahat A^T||_F^2 / p; theory: mean predicted cos^2"),
    PL_METRIC(rec_result, rank, "recovered rank #{principal cos^2 > 0.5}; theory: m_th or the "
                                "count of predicted cos^2 > 0.5"),
    PL_METRIC(rec_result, top_eig, "layer-1 eigenvalue of largest modulus"),
    PL_METRIC(rec_result, cos2_first, "squared overlap of direction 1 with the layer-1 span"),
    PL_METRIC(rec_result, nmatvec, "matrix-free layer-1 matvecs (0: dense)"),
};

static const char *rec_check(const void *pt, char *buf, size_t len)
{
    return hier_check(pt, buf, len, 3e8, 0);
}

static pl_status rec_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    const hier_point *p = pt;
    size_t pw = hier_p(p), n = hier_n(p);
    rec_result r;
    pl_result_clear(e, &r);
    pl_rng rt = pl_rng_substream(rng, 1), rd = pl_rng_substream(rng, 2),
           rs = pl_rng_substream(rng, 3);
    pl_hier_teacher t;
    pl_hier_data tr = {0}, te = {0};
    pl_hier_fit fit = {0};
    double *pred = NULL;
    pl_status st = pl_hier_teacher_init(&t, (size_t)p->d, (size_t)p->q, pw, p->gamma, 1.0,
                                        (pl_hier_link)p->target, &rt);
    if (st == PL_OK) st = pl_hier_data_sample(&t, n, (pl_hier_input)p->input, NULL, &rd, &tr);
    if (st == PL_OK) {
        double ms[2] = {tr.ymean, tr.ystd};
        st = pl_hier_data_sample(&t, (size_t)p->ntest, (pl_hier_input)p->input, ms, &rs, &te);
    }
    if (st == PL_OK) {
        pl_hier_opts o = pl_hier_default_opts(&t);
        st = pl_hier_spectral_fit(&t, &tr, &o, &fit);
    }
    if (st == PL_OK) st = (pred = malloc(te.n * sizeof *pred)) ? PL_OK : PL_ENOMEM;
    if (st == PL_OK) st = pl_hier_spectral_predict(&t, &fit, &te, pred);
    if (st == PL_OK) {
        size_t rank = 0;
        double *c2 = malloc(pw * sizeof *c2);
        st = c2 ? pl_hier_overlaps(&t, fit.Ahat, &r.overlap, c2, NULL, &rank) : PL_ENOMEM;
        if (st == PL_OK) {
            r.rank = (double)rank;
            r.cos2_first = c2[0];
            r.mse = pl_hier_mse(pred, te.y, te.n);
            r.top_eig = fit.eig[0];
            r.nmatvec = (double)fit.nmatvec;
        }
        free(c2);
    }
    pl_status fst = st == PL_OK ? fit.status : st;
    free(pred);
    pl_hier_fit_free(&fit);
    pl_hier_data_free(&tr);
    pl_hier_data_free(&te);
    if (t.b) pl_hier_teacher_free(&t);
    if (st == PL_ENOMEM) return st;
    pl_record *rec = pl_emit(em, "sim:spectral", &r);
    if (!rec) return PL_ENOMEM;
    if (fst != PL_OK) pl_record_fail(rec, fst, "layer-wise spectral: %s", pl_strerror(fst));
    return PL_OK;
}

/* "theory:pop": the n -> infinity limit of layer 1 with true inputs at finite d: the top-p
 * eigenvectors (by |lambda|) of the population operator E[M1] = sum bt_i (a_i a_i^T + K_i) of a
 * reference teacher draw (q = 2, identity link, D <= 1500) */
static pl_status rec_population(const pl_experiment *e, const hier_point *p, pl_emitter *em)
{
    size_t pw = hier_p(p);
    pl_rng r;
    pl_rng_init(&r, 0, pl_hash_str("hier-reference-teacher"));
    pl_hier_teacher t;
    rec_result res;
    pl_result_clear(e, &res);
    pl_status st = pl_hier_teacher_init(&t, (size_t)p->d, 2, pw, p->gamma, 1.0, PL_HIER_ID, &r);
    pl_mat P = {0}, C = {0}, V = {0};
    double *w = NULL, *c2 = NULL;
    if (st == PL_OK) {
        P = pl_mat_alloc(t.D, t.D);
        C = pl_mat_alloc(t.D, pw);
        V = pl_mat_alloc(pw, t.D);
        w = malloc(pw * sizeof *w);
        c2 = malloc(pw * sizeof *c2);
        st = (P.data && C.data && V.data && w && c2) ? PL_OK : PL_ENOMEM;
    }
    /* the top pw eigenpairs by modulus (E[M1] has clustered eigenvalues; the eigen-reduction
     * handles them) */
    if (st == PL_OK) st = pl_hier_population(&t, PL_HIER_TRUE, P, NULL);
    if (st == PL_OK) st = pl_eigred_topk_abs(P, pw, w, C);
    if (st == PL_OK) pl_mat_transpose(V, C);
    if (st == PL_OK) {
        size_t rank = 0;
        st = pl_hier_overlaps(&t, V, &res.overlap, c2, NULL, &rank);
        res.rank = (double)rank;
        res.cos2_first = c2[0];
        res.top_eig = w[0];
    }
    pl_mat_free(&P);
    pl_mat_free(&C);
    pl_mat_free(&V);
    free(w);
    free(c2);
    if (t.b) pl_hier_teacher_free(&t);
    if (st == PL_ENOMEM) return st;
    pl_record *rec = pl_emit(em, "theory:pop", &res);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK) pl_record_fail(rec, st, "population operator: %s", pl_strerror(st));
    return PL_OK;
}

/* theory records: "theory" (the staircase m_th / R_th), "theory:dw" (deformed Wigner, D/n -> 0)
 * and "theory:fr" (finite ratio D/n) for the per-direction overlaps */
static pl_status rec_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const hier_point *p = pt;
    size_t pw = hier_p(p), D = pl_hier_dim((size_t)p->d, (size_t)p->q);
    double d = (double)p->d, n = (double)hier_n(p), c = (double)D / n;
    rec_result r;
    pl_result_clear(e, &r);
    r.rank = pl_hier_m_th(p->alpha, d, pw, p->gamma, p->eps, (double)p->q);
    r.mse = pl_hier_r_th(r.rank, pw, p->gamma);
    r.overlap = r.rank / (double)pw;
    if (!pl_emit(em, "theory", &r)) return PL_ENOMEM;

    double *b = malloc(pw * sizeof *b), *bt = malloc(pw * sizeof *bt);
    if (!b || !bt) {
        free(b);
        free(bt);
        return PL_ENOMEM;
    }
    ref_coeffs(p, b);
    pl_rng mc;
    pl_rng_init(&mc, 1, pl_hash_str("hier-theory-mc"));
    pl_status st = pl_hier_btilde(b, pw, (pl_hier_link)p->target, 200000, &mc, bt, NULL);
    pl_result_clear(e, &r);
    if (st == PL_OK) {
        double ov = 0, rk = 0;
        for (size_t i = 0; i < pw; i++) {
            pl_hier_spike s = pl_hier_dw_spike(bt[i], c / 4);
            ov += s.cos2;
            rk += s.cos2 > 0.5;
        }
        r.overlap = ov / (double)pw;
        r.rank = rk;
        r.cos2_first = pl_hier_dw_spike(bt[0], c / 4).cos2;
        r.top_eig = pl_hier_dw_spike(bt[0], c / 4).eig;
    }
    pl_record *rec = pl_emit(em, "theory:dw", &r);
    if (!rec) st = PL_ENOMEM;
    else if (st != PL_OK) pl_record_fail(rec, st, "btilde: %s", pl_strerror(st));
    if (st == PL_OK) {
        pl_hier_fr fr;
        pl_result_clear(e, &r);
        st = fr_finite_n(p, b, c, &mc, &fr);
        if (st == PL_OK) {
            double ov = 0, rk = 0;
            for (size_t i = 0; i < pw; i++) {
                ov += fr.cos2[i];
                rk += fr.cos2[i] > 0.5;
            }
            r.overlap = ov / (double)pw;
            r.rank = rk;
            r.cos2_first = fr.cos2[0];
            r.top_eig = fr.eig[0];
            pl_hier_fr_free(&fr);
        }
        if (st == PL_ENOMEM) {
            free(b);
            free(bt);
            return st;
        }
        rec = pl_emit(em, "theory:fr", &r);
        if (!rec) st = PL_ENOMEM;
        else if (st != PL_OK) pl_record_fail(rec, st, "finite-ratio theory: %s", pl_strerror(st));
        else st = PL_OK;
    }
    free(b);
    free(bt);
    if (st == PL_ENOMEM) return st;
    if (p->input == PL_HIER_TRUE && p->q == 2 && p->target == PL_HIER_ID && D <= 1500)
        return rec_population(e, p, em);
    return PL_OK;
}

const pl_experiment pl_exp_hier_recovery = {
    .name = "hier-recovery",
    .summary = "hierarchical power-law targets: layer-wise spectral algorithm, test MSE, "
               "layer-1 overlap and recovered rank against alpha = log_d n, with m_th / R_th",
    .description =
        "Simulation: teacher y = g*(sum_i b_i (h_i^2 - 1)) standardised, h_i = <a_i, He_q(x)>; "
        "layer 1 = top-p eigenvectors by |lambda| of M1 = (1/2n) sum y (z z^T - I) (dense for "
        "D <= 1500, matrix-free Lanczos through the data otherwise), layer 2 Bhat = (1/2n) sum "
        "y (hh hh^T - I), predictor hh^T Bhat hh - Tr Bhat standardised and calibrated (affine "
        "for id, degree-5 polynomial otherwise); the same n samples for both layers. Theory: "
        "'theory' = the staircase (rank m_th, mse R_th, overlap m_th/p); 'theory:dw' = deformed "
        "Wigner per direction (D/n -> 0); 'theory:fr' = the finite-ratio label-weighted "
        "Wishart prediction (Gaussian-equivalent model; signs of b from a reference draw); "
        "'theory:pop' (true input, q = 2, id, D <= 1500) = the n -> infinity limit at finite d: "
        "top-p eigenvectors of E[M1], whose fourth-cumulant part sum bt_i K_i is O(24/d).",
    .params = rec_params,
    .n_params = sizeof rec_params / sizeof rec_params[0],
    .point_size = sizeof(hier_point),
    .metric_map = rec_metrics,
    .n_metrics = sizeof rec_metrics / sizeof rec_metrics[0],
    .result_size = sizeof(rec_result),
    .default_sweep = "d=30 gamma=1 eps=0.5 input=gauss,true alpha=2:3.2:0.1",
    .default_seeds = 5,
    .plot_x = "alpha",
    .plot_y = "mse,overlap,rank",
    .plot_logy = 0,
    .check_point = rec_check,
    .sim = rec_sim,
    .solve = rec_solve,
};

/* ================================================================ hier-spectrum */
typedef struct {
    double eig_1, eig_2, eig_3, cos2_1, cos2_2, cos2_3, edge_hi, edge_lo;
} spec_result;

static const pl_param_spec spec_params[] = {HIER_COMMON_PARAMS(30, 1.0, 2.9), HIER_SIM_PARAMS};
static const pl_metric_spec spec_metrics[] = {
    PL_METRIC(spec_result, eig_1, "layer-1 eigenvalue of the eigenvector closest to a_1, times "
                                  "sign(b_1) (theory: |outlier|, or |edge| below threshold)"),
    PL_METRIC(spec_result, eig_2, "the same for a_2"),
    PL_METRIC(spec_result, eig_3, "the same for a_3"),
    PL_METRIC(spec_result, cos2_1, "largest squared overlap of one eigenvector with a_1"),
    PL_METRIC(spec_result, cos2_2, "the same for a_2"),
    PL_METRIC(spec_result, cos2_3, "the same for a_3"),
    PL_METRIC(spec_result, edge_hi, "upper bulk edge (sim: largest unmatched eigenvalue among "
                                    "the top p + 10 by modulus)"),
    PL_METRIC(spec_result, edge_lo, "lower bulk edge (sim: smallest unmatched eigenvalue)"),
};

static const char *spec_check(const void *pt, char *buf, size_t len)
{
    const hier_point *p = pt;
    if (hier_p(p) < 3) {
        snprintf(buf, len, "d = %ld, eps = %g: p = round(d^eps) must be >= 3 (three directions "
                 "are reported)", p->d, p->eps);
        return buf;
    }
    return hier_check(pt, buf, len, 3e8, 0);
}

static pl_status spec_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    const hier_point *p = pt;
    size_t pw = hier_p(p), n = hier_n(p);
    spec_result r;
    pl_result_clear(e, &r);
    pl_rng rt = pl_rng_substream(rng, 1), rd = pl_rng_substream(rng, 2);
    pl_hier_teacher t;
    pl_hier_data tr = {0};
    pl_status st = pl_hier_teacher_init(&t, (size_t)p->d, (size_t)p->q, pw, p->gamma, 1.0,
                                        (pl_hier_link)p->target, &rt);
    size_t k = pw + 10 < t.D ? pw + 10 : t.D;
    double *w = malloc(k * sizeof *w);
    pl_mat V = {0}, O = {0};
    if (st == PL_OK) st = pl_hier_data_sample(&t, n, (pl_hier_input)p->input, NULL, &rd, &tr);
    if (st == PL_OK) {
        V = pl_mat_alloc(k, t.D);
        O = pl_mat_alloc(k, pw);
        st = (w && V.data && O.data) ? PL_OK : PL_ENOMEM;
    }
    pl_status est = PL_OK;
    if (st == PL_OK) {
        est = pl_hier_layer1(&t, &tr, k, 1500, 1e-9, 1, w, V, NULL);
        st = est == PL_ENOCONV ? PL_OK : est;
    }
    if (st == PL_OK) st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, V, t.A, 0.0, O);
    if (st == PL_OK) {
        double *eo[3] = {&r.eig_1, &r.eig_2, &r.eig_3}, *co[3] = {&r.cos2_1, &r.cos2_2, &r.cos2_3};
        for (size_t i = 0; i < 3; i++) {
            size_t best = 0;
            double bo = -1;
            for (size_t j = 0; j < k; j++) {
                double o = PL_AT(O, j, i) * PL_AT(O, j, i);
                if (o > bo) bo = o, best = j;
            }
            *eo[i] = t.b[i] < 0 ? -w[best] : w[best]; /* signed by b_i: outliers positive */
            *co[i] = bo;
        }
        r.edge_hi = -INFINITY;
        r.edge_lo = INFINITY;
        for (size_t j = 0; j < k; j++) {
            double mx = 0;
            for (size_t i = 0; i < pw; i++) mx = fmax(mx, PL_AT(O, j, i) * PL_AT(O, j, i));
            if (mx >= 0.2) continue;
            r.edge_hi = fmax(r.edge_hi, w[j]);
            r.edge_lo = fmin(r.edge_lo, w[j]);
        }
        if (!isfinite(r.edge_hi)) r.edge_hi = NAN;
        if (!isfinite(r.edge_lo)) r.edge_lo = NAN;
    }
    /* the whole spectrum (dense sizes) for the histogram of the default figure */
    double *spec = NULL;
    size_t nspec = 0;
    if (st == PL_OK && t.D <= 1500) {
        pl_mat M = pl_mat_alloc(t.D, t.D);
        spec = malloc(t.D * sizeof *spec);
        st = (M.data && spec) ? pl_hier_m1_dense(&t, &tr, M) : PL_ENOMEM;
        if (st == PL_OK) st = pl_syev(M, spec);
        if (st == PL_OK) nspec = t.D;
        pl_mat_free(&M);
    }
    free(w);
    pl_mat_free(&V);
    pl_mat_free(&O);
    pl_hier_data_free(&tr);
    if (t.b) pl_hier_teacher_free(&t);
    if (st == PL_ENOMEM) {
        free(spec);
        return st;
    }
    pl_record *rec = pl_emit(em, "sim:layer1", &r);
    pl_status ast = rec && nspec ? pl_record_set_array(rec, "spectrum", spec, nspec) : PL_OK;
    free(spec);
    if (!rec || ast == PL_ENOMEM) return PL_ENOMEM;
    if (st != PL_OK || est != PL_OK)
        pl_record_fail(rec, st != PL_OK ? st : est, "layer-1 spectrum: %s",
                       pl_strerror(st != PL_OK ? st : est));
    return PL_OK;
}

static pl_status spec_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const hier_point *p = pt;
    size_t pw = hier_p(p), D = pl_hier_dim((size_t)p->d, (size_t)p->q);
    double c = (double)D / (double)hier_n(p);
    double *b = malloc(pw * sizeof *b), *bt = malloc(pw * sizeof *bt);
    if (!b || !bt) {
        free(b);
        free(bt);
        return PL_ENOMEM;
    }
    /* signs of b from the reference draw (each simulation draws its own); the identity
     * link's deformed-Wigner record does not depend on them */
    ref_coeffs(p, b);
    spec_result r;
    pl_rng mc;
    pl_rng_init(&mc, 2, pl_hash_str("hier-theory-mc"));
    pl_status st = pl_hier_btilde(b, pw, (pl_hier_link)p->target, 200000, &mc, bt, NULL);
    pl_result_clear(e, &r);
    if (st == PL_OK) {
        double *eo[3] = {&r.eig_1, &r.eig_2, &r.eig_3}, *co[3] = {&r.cos2_1, &r.cos2_2, &r.cos2_3};
        for (size_t i = 0; i < 3; i++) {
            pl_hier_spike s = pl_hier_dw_spike(bt[i], c / 4);
            *eo[i] = fabs(s.eig);
            *co[i] = s.cos2;
        }
        r.edge_hi = 2 * sqrt(c / 4);
        r.edge_lo = -r.edge_hi;
    }
    pl_record *rec = pl_emit(em, "theory:dw", &r);
    if (!rec) st = PL_ENOMEM;
    else if (st != PL_OK) pl_record_fail(rec, st, "btilde: %s", pl_strerror(st));
    if (st == PL_OK) {
        pl_hier_fr fr;
        pl_result_clear(e, &r);
        st = fr_finite_n(p, b, c, &mc, &fr);
        if (st == PL_OK) {
            r.eig_1 = fabs(fr.eig[0]), r.eig_2 = fabs(fr.eig[1]), r.eig_3 = fabs(fr.eig[2]);
            r.cos2_1 = fr.cos2[0], r.cos2_2 = fr.cos2[1], r.cos2_3 = fr.cos2[2];
            r.edge_hi = fr.edge_hi;
            r.edge_lo = fr.edge_lo;
            pl_hier_fr_free(&fr);
        }
        if (st != PL_ENOMEM) {
            rec = pl_emit(em, "theory:fr", &r);
            if (!rec) st = PL_ENOMEM;
            else if (st != PL_OK) pl_record_fail(rec, st, "finite-ratio theory: %s", pl_strerror(st));
        }
    }
    free(b);
    free(bt);
    return st == PL_ENOMEM ? st : PL_OK;
}

/* Default figure: the per-direction overlaps and outliers against alpha (the line figure), and
 * a histogram of the whole layer-1 spectrum at the largest alpha (first seed) against the
 * semicircle of radius 2 sigma, sigma^2 = D/4n. */
static pl_status spec_figure(const pl_experiment *e, const pl_records *recs, pl_figure *fig)
{
    char err[200];
    pl_plot_opts o = {.x = "alpha", .y = "cos2_1,cos2_2,eig_1"};
    pl_status st = pl_figure_lines(e, recs, &o, fig, err, sizeof err);
    if (st != PL_OK) return st;
    int ia = pl_param_index(e, "alpha");
    const pl_record *best = NULL;
    for (size_t i = 0; i < recs->n; i++) {
        const pl_record *r = &recs->rec[i];
        size_t n = 0;
        if (strcmp(r->source, "sim:layer1") != 0 || !pl_record_array(r, "spectrum", &n)) continue;
        if (!best || r->params.v[ia] > best->params.v[ia] ||
            (r->params.v[ia] == best->params.v[ia] && r->seed < best->seed))
            best = r;
    }
    if (!best) return PL_OK;
    size_t ns = 0;
    const double *sp = pl_record_array(best, "spectrum", &ns);
    hier_point pt;
    pl_point_from_params(e, &best->params, &pt);
    double s2 = (double)pl_hier_dim((size_t)pt.d, (size_t)pt.q) / (4.0 * (double)hier_n(&pt));
    double lo = sp[0], hi = sp[ns - 1];
    enum { NB = 60, NL = 200 };
    double edges[NB + 1], h[NB] = {0}, lx[NL], ly[NL];
    for (int b = 0; b <= NB; b++) edges[b] = lo + (hi - lo) * b / NB;
    double wb = (hi - lo) / NB;
    for (size_t i = 0; i < ns; i++) {
        int b = wb > 0 ? (int)((sp[i] - lo) / wb) : 0;
        h[b < NB ? b : NB - 1] += 1.0 / ((double)ns * (wb > 0 ? wb : 1));
    }
    double r2 = 2 * sqrt(s2);
    for (int i = 0; i < NL; i++) {
        lx[i] = -r2 + 2 * r2 * i / (NL - 1);
        ly[i] = pl_semicircle_density(lx[i], s2);
    }
    char title[128];
    snprintf(title, sizeof title, "layer-1 spectrum at alpha = %.3g (seed %ld)", pt.alpha,
             best->seed);
    pl_panel *pn = pl_figure_add_panel(fig, title, "eigenvalue of M1", "density", 0, 0);
    if (!pn) return PL_ENOMEM;
    st = pl_panel_add_series(pn, PL_SERIES_HIST, "eigenvalues", NB, edges, h, NULL);
    if (st == PL_OK)
        st = pl_panel_add_series(pn, PL_SERIES_LINE, "semicircle, radius 2 sigma", NL, lx, ly, NULL);
    return st;
}

const pl_experiment pl_exp_hier_spectrum = {
    .name = "hier-spectrum",
    .summary = "hierarchical power-law targets: layer-1 spectrum, outliers and per-direction "
               "overlaps against the deformed-Wigner and finite-ratio theories",
    .description =
        "Top p + 10 eigenpairs by |lambda| of M1 = (1/2n) sum y (z z^T - I); for the first three "
        "teacher directions the eigenvalue and squared overlap of the closest eigenvector, and "
        "the bulk edges (eigenvalues of eigenvectors overlapping no direction by 0.2 or more). "
        "Theory: 'theory:dw' = btilde + sigma^2/btilde, 1 - sigma^2/btilde^2, edges +-2 sigma, "
        "sigma^2 = D/4n; 'theory:fr' = Lu-Li equations of the label-weighted Wishart at ratio "
        "D/n with label expectations over samples of n labels, averaged (Gaussian-equivalent model; signs of b from a "
        "reference draw; the identity link's spike strengths do not depend on them, the "
        "finite-ratio corrections do, weakly). Default: d = 30 (D = 465), p = 8.",
    .params = spec_params,
    .n_params = sizeof spec_params / sizeof spec_params[0],
    .point_size = sizeof(hier_point),
    .metric_map = spec_metrics,
    .n_metrics = sizeof spec_metrics / sizeof spec_metrics[0],
    .result_size = sizeof(spec_result),
    .default_sweep = "d=30 gamma=1 eps=0.6 input=gauss alpha=2:3.2:0.1",
    .default_seeds = 3,
    .plot_x = "alpha",
    .plot_y = "cos2_1,cos2_2,eig_1,eig_2,edge_hi",
    .check_point = spec_check,
    .sim = spec_sim,
    .solve = spec_solve,
    .figure = spec_figure,
};

/* ================================================================ hier-baselines */
typedef struct {
    double mse;
} base_result;

static const pl_param_spec base_params[] = {HIER_COMMON_PARAMS(20, 1.0, 2.5), HIER_SIM_PARAMS};
static const pl_metric_spec base_metrics[] = {
    PL_METRIC(base_result, mse, "test MSE (unit-variance labels) of each method: sim:spectral, "
                                "sim:input_rbf, sim:poly4_rf, sim:latent_rbf"),
};

static const char *base_check(const void *pt, char *buf, size_t len)
{
    const hier_point *p = pt;
    if (p->input != PL_HIER_TRUE) {
        snprintf(buf, len, "input = gauss: the input-space baselines need input = true");
        return buf;
    }
    return hier_check(pt, buf, len, 3e8, 6000);
}

static pl_status base_emit(pl_emitter *em, const char *src, double mse, pl_status st)
{
    base_result r = {.mse = st == PL_OK ? mse : NAN};
    pl_record *rec = pl_emit(em, src, &r);
    if (!rec) return PL_ENOMEM;
    if (st != PL_OK) pl_record_fail(rec, st, "%s: %s", src, pl_strerror(st));
    return PL_OK;
}

static pl_status base_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    (void)e;
    const hier_point *p = pt;
    size_t pw = hier_p(p), n = hier_n(p);
    pl_rng rt = pl_rng_substream(rng, 1), rd = pl_rng_substream(rng, 2),
           rs = pl_rng_substream(rng, 3), rf = pl_rng_substream(rng, 4);
    pl_hier_teacher t;
    pl_hier_data tr = {0}, te = {0};
    pl_hier_fit fit = {0};
    double *pred = NULL;
    pl_mat Ht = {0}, Hte = {0};
    pl_status st = pl_hier_teacher_init(&t, (size_t)p->d, (size_t)p->q, pw, p->gamma, 1.0,
                                        (pl_hier_link)p->target, &rt);
    if (st == PL_OK) st = pl_hier_data_sample(&t, n, PL_HIER_TRUE, NULL, &rd, &tr);
    if (st == PL_OK) {
        double ms[2] = {tr.ymean, tr.ystd};
        st = pl_hier_data_sample(&t, (size_t)p->ntest, PL_HIER_TRUE, ms, &rs, &te);
    }
    if (st == PL_OK) st = (pred = malloc(te.n * sizeof *pred)) ? PL_OK : PL_ENOMEM;
    pl_status s1 = PL_EINVAL, s2, s3, s4 = PL_EINVAL;
    double m1 = NAN, m2 = NAN, m3 = NAN, m4 = NAN;
    if (st == PL_OK) {
        pl_hier_opts o = pl_hier_default_opts(&t);
        s1 = pl_hier_spectral_fit(&t, &tr, &o, &fit);
        if (s1 == PL_OK) s1 = pl_hier_spectral_predict(&t, &fit, &te, pred);
        if (s1 == PL_OK) m1 = pl_hier_mse(pred, te.y, te.n);
        s2 = pl_hier_krr_rbf(tr.X, tr.y, 1e-4, te.X, pred);
        if (s2 == PL_OK) m2 = pl_hier_mse(pred, te.y, te.n);
        s3 = pl_hier_poly4_rf(tr.X, tr.y, n < 4 * (size_t)p->d ? n : 4 * (size_t)p->d, 1e-4, &rf,
                              te.X, pred);
        if (s3 == PL_OK) m3 = pl_hier_mse(pred, te.y, te.n);
        if (fit.Ahat.data) {
            Ht = pl_mat_alloc(n, fit.k);
            Hte = pl_mat_alloc(te.n, fit.k);
            s4 = (Ht.data && Hte.data) ? PL_OK : PL_ENOMEM;
            if (s4 == PL_OK) s4 = pl_hier_project(&t, &tr, fit.Ahat, Ht);
            if (s4 == PL_OK) s4 = pl_hier_project(&t, &te, fit.Ahat, Hte);
            if (s4 == PL_OK) s4 = pl_hier_krr_rbf(Ht, tr.y, 1e-4, Hte, pred);
            if (s4 == PL_OK) m4 = pl_hier_mse(pred, te.y, te.n);
        }
        if (s1 == PL_ENOMEM || s2 == PL_ENOMEM || s3 == PL_ENOMEM || s4 == PL_ENOMEM) st = PL_ENOMEM;
        if (st == PL_OK) st = base_emit(em, "sim:spectral", m1, s1);
        if (st == PL_OK) st = base_emit(em, "sim:input_rbf", m2, s2);
        if (st == PL_OK) st = base_emit(em, "sim:poly4_rf", m3, s3);
        if (st == PL_OK) st = base_emit(em, "sim:latent_rbf", m4, s4);
    }
    free(pred);
    pl_mat_free(&Ht);
    pl_mat_free(&Hte);
    pl_hier_fit_free(&fit);
    pl_hier_data_free(&tr);
    pl_hier_data_free(&te);
    if (t.b) pl_hier_teacher_free(&t);
    if (st == PL_ENOMEM) return st;
    if (st != PL_OK) return base_emit(em, "sim:spectral", NAN, st);
    return PL_OK;
}

static pl_status base_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    (void)e;
    const hier_point *p = pt;
    size_t pw = hier_p(p);
    double m = pl_hier_m_th(p->alpha, (double)p->d, pw, p->gamma, p->eps, (double)p->q);
    base_result r = {.mse = pl_hier_r_th(m, pw, p->gamma)};
    return pl_emit(em, "theory", &r) ? PL_OK : PL_ENOMEM;
}

const pl_experiment pl_exp_hier_baselines = {
    .name = "hier-baselines",
    .summary = "hierarchical power-law targets: layer-wise spectral predictor against RBF kernel "
               "ridge on x, degree-4 polynomial random features and RBF kernel ridge on the "
               "learnt latent features",
    .description =
        "Test MSE against alpha = log_d n of: the layer-wise spectral predictor (sim:spectral); "
        "RBF kernel ridge on x with the median-distance bandwidth and lambda = 1e-4 "
        "(sim:input_rbf); 4d degree-4 polynomial random features (1 + <w, x>/sqrt d)^4 with a "
        "ridge readout (sim:poly4_rf); RBF kernel ridge on the layer-1 latent estimates "
        "(sim:latent_rbf). Theory: R_th. True Gaussian inputs only, n <= 6000 (dense kernels).",
    .params = base_params,
    .n_params = sizeof base_params / sizeof base_params[0],
    .point_size = sizeof(hier_point),
    .metric_map = base_metrics,
    .n_metrics = 1,
    .result_size = sizeof(base_result),
    .default_sweep = "d=16 gamma=1 eps=0.5 alpha=1.5:3:0.1",
    .default_seeds = 3,
    .plot_x = "alpha",
    .plot_y = "mse",
    .plot_logy = 1,
    .check_point = base_check,
    .sim = base_sim,
    .solve = base_solve,
};
