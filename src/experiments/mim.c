/* Experiments of family 1 (multi-index models): mim-threshold, mim-spectral, mim-gamp. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/experiment.h"
#include "phaselab/mim.h"

#define LINK_CHOICES "z1z2|sign-z1z2|norm2|ratio|pr|abs|null"
static const char *const link_names[] = {"z1z2", "sign-z1z2", "norm2", "ratio", "pr", "abs",
                                         "null"};

#define LINK_PARAMS                                                                            \
    {.name = "link", .type = PL_PARAM_CHOICE, .choices = LINK_CHOICES,                         \
     .help = "y = z1 z2, sign(z1 z2), ||z||^2/p, z1/z2, z^2 (phase retrieval), |z|, or null "  \
             "(y independent of z)"},                                                          \
        {.name = "p", .type = PL_PARAM_INT, .hi = PL_MIM_PMAX,                                 \
         .help = "number of directions (0: the link's own; norm2 takes any p, default 2)"},    \
        {.name = "noise", .type = PL_PARAM_REAL, .hi = 100,                                    \
         .help = "variance of additive Gaussian label noise"}

enum { P_LINK, P_P, P_NOISE };

static const char *link_init(const pl_params *p, pl_mim_link *l, char *buf, size_t len)
{
    int li = (int)p->v[P_LINK];
    return pl_mim_link_init(l, pl_mim_link_find(link_names[li]), (size_t)p->v[P_P],
                            p->v[P_NOISE], NULL, buf, len);
}

static const char *link_check(const pl_params *p, char *buf, size_t len)
{
    pl_mim_link l;
    return link_init(p, &l, buf, len);
}

/* the label rule and the F analysis of a link (Monte Carlo rules use a fixed stream) */
static pl_status link_theory(const pl_mim_link *l, pl_mim_rule *r, pl_mim_threshold *t)
{
    pl_rng rng;
    pl_rng_init(&rng, 20250202, 1);
    pl_status st = pl_mim_rule_build(l, 0, &rng, r);
    if (st != PL_OK) return st;
    st = pl_mim_threshold_compute(l, r, t);
    if (st != PL_OK) pl_mim_rule_free(r);
    return st;
}

static const char *no_recovery =
    "no weak recovery at n = Theta(d): F = 0 (the labels carry no second-order information "
    "on z)";

/* ---------------------------------------------------------------- mim-threshold */

enum { T_ALPHA_C, T_NOUT, T_NU1, T_JOINT, T_NM };
static const pl_param_spec thr_params[] = {LINK_PARAMS};
static const char *const thr_metrics[T_NM] = {"alpha_c", "n_outliers", "nu1", "joint_diag"};

static pl_status thr_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    pl_mim_link l;
    char buf[160];
    if (link_init(p, &l, buf, sizeof buf)) {
        pl_record_fail(rec, PL_EINVAL, "%s", buf);
        return PL_OK;
    }
    pl_mim_rule r;
    pl_mim_threshold t;
    pl_status st = link_theory(&l, &r, &t);
    if (st != PL_OK) {
        pl_record_fail(rec, st, "label quadrature: %s", pl_strerror(st));
        return st == PL_ENOMEM ? st : PL_OK;
    }
    pl_mim_rule_free(&r);
    rec->metric[T_NU1] = t.nu[0];
    rec->metric[T_JOINT] = t.joint_diag;
    if (t.null) {
        pl_record_fail(rec, PL_ENOSOLUTION, "%s", no_recovery);
        return PL_OK;
    }
    rec->metric[T_ALPHA_C] = t.alpha_c;
    rec->metric[T_NOUT] = (double)t.n_outliers;
    if (t.Ez2 > 1e-3)
        snprintf(rec->message, sizeof rec->message,
                 "E||E[z|y]||^2 = %.3g > 0: generative exponent 1, a first-order estimator "
                 "already learns a direction",
                 t.Ez2);
    return PL_OK;
}

const pl_experiment pl_exp_mim_threshold = {
    .name = "mim-threshold",
    .summary = "multi-index models: weak-recovery threshold alpha_c = 1/nu_1(F) and the "
               "number of spectral outliers, per link",
    .description =
        "G(y) = E[z z^T - I | y], F(M) = E_y[G M G] as a p^2 x p^2 operator; alpha_c = 1/nu_1 "
        "(Bayes-optimal GAMP's uninformative fixed point is unstable above it) and "
        "n_outliers = dimension of F's top eigenspace. Label expectations by an exponentially "
        "convergent trapezoid rule in log|y| (noisy labels: in asinh(y/sqrt(noise))).",
    .params = thr_params,
    .n_params = sizeof thr_params / sizeof thr_params[0],
    .metrics = thr_metrics,
    .n_metrics = T_NM,
    .default_sweep = "link=z1z2,sign-z1z2,norm2,ratio,pr,abs noise=0,0.1,0.25,0.5,1",
    .default_seeds = 1,
    .plot_x = "noise",
    .plot_y = "alpha_c,n_outliers",
    .check = link_check,
    .theory = thr_theory,
};

/* ---------------------------------------------------------------- mim-spectral */

enum { S_ALPHA = 3, S_D, S_METHOD, S_CLIP, S_NP };
enum { M_ASYM, M_SYM, M_PCA };
enum { S_M2, S_TOP, S_BULK, S_M2TOP, S_NOUT, S_NM };
static const pl_param_spec spec_params[S_NP] = {
    LINK_PARAMS,
    [S_ALPHA] = {.name = "alpha", .type = PL_PARAM_REAL, .def = 2.0, .lo = 0, .hi = 1e4, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "samples per dimension n/d"},
    [S_D] = {.name = "d", .type = PL_PARAM_INT, .def = 1000, .lo = 10, .hi = 100000, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "dimension"},
    [S_METHOD] = {.name = "method", .type = PL_PARAM_CHOICE, .def = M_ASYM, .lo = 0, .hi = 0, .lo_open = 0, .hi_open = 0, .choices = "asym|sym|pca", .help = "asymmetric L (Arnoldi), symmetric T, or PCA of labels sum T(y) x x^T"},
    [S_CLIP] = {.name = "clip", .type = PL_PARAM_REAL, .def = 0, .lo = 0, .hi = 1e6, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "pca only: T(y) = clamp(y, -clip, clip) (0: T(y) = y)"},
};
static const char *const spec_metrics[S_NM] = {"m2", "top_eig", "bulk_edge", "m2_top",
                                               "n_outliers"};

static double clip_pre(double y, const void *ctx)
{
    double c = *(const double *)ctx;
    return c > 0 ? fmax(-c, fmin(c, y)) : y;
}

static const char *spec_check(const pl_params *p, char *buf, size_t len)
{
    pl_mim_link l;
    const char *m = link_init(p, &l, buf, len);
    if (m) return m;
    double n = ceil(p->v[S_ALPHA] * p->v[S_D]);
    if (n < 4 || n * (double)l.p <= 8 || p->v[S_D] * (double)l.p <= 8) {
        snprintf(buf, len, "n = alpha d = %g is too small", n);
        return buf;
    }
    if (n * p->v[S_D] > 4e9) {
        snprintf(buf, len, "n d = %.3g exceeds the 4e9 entries of X this experiment allows",
                 n * p->v[S_D]);
        return buf;
    }
    return NULL;
}

static pl_status spec_predict(const pl_mim_rule *r, const pl_mim_threshold *t, int method,
                              double alpha, double clip, pl_mim_spectral_pred *pr)
{
    if (method == M_ASYM) return pl_mim_asym_predict(r, t, alpha, pr);
    if (method == M_SYM) return pl_mim_sym_predict(r, t, alpha, pr);
    return pl_mim_pca_predict(r, t, alpha, clip > 0 ? clip_pre : NULL, &clip, pr);
}

static pl_status spec_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    pl_mim_link l;
    char buf[160];
    if (link_init(p, &l, buf, sizeof buf)) {
        pl_record_fail(rec, PL_EINVAL, "%s", buf);
        return PL_OK;
    }
    pl_mim_rule r;
    pl_mim_threshold t;
    pl_status st = link_theory(&l, &r, &t);
    if (st != PL_OK) {
        pl_record_fail(rec, st, "label quadrature: %s", pl_strerror(st));
        return st == PL_ENOMEM ? st : PL_OK;
    }
    pl_mim_spectral_pred pr;
    int method = (int)p->v[S_METHOD];
    double clip = p->v[S_CLIP];
    st = spec_predict(&r, &t, method, p->v[S_ALPHA], clip, &pr);
    pl_mim_rule_free(&r);
    if (t.null) {
        pl_record_fail(rec, PL_ENOSOLUTION, "%s", no_recovery);
        return PL_OK;
    }
    if (st == PL_EUNSUPPORTED) {
        pl_record_fail(rec, st,
                       "no %s prediction: G(y) is not jointly diagonalisable (only the "
                       "asymmetric method has a general state evolution)",
                       method == M_SYM ? "symmetric-method" : "PCA");
        return PL_OK;
    }
    if (st != PL_OK) {
        pl_record_fail(rec, st, "prediction: %s", pl_strerror(st));
        return st == PL_ENOMEM ? st : PL_OK;
    }
    rec->metric[S_M2] = pr.m2;
    rec->metric[S_TOP] = pr.top_eig;
    rec->metric[S_BULK] = pr.bulk_edge;
    rec->metric[S_M2TOP] = pr.m2;
    rec->metric[S_NOUT] = (double)pr.n_outliers;
    return PL_OK;
}

static pl_status spec_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                               pl_records *out)
{
    (void)e;
    int method = (int)p->v[S_METHOD];
    const char *src = method == M_ASYM ? "sim:asym" : (method == M_SYM ? "sim:sym" : "sim:pca");
    pl_record *rec = pl_records_add(out, p, src, 0);
    if (!rec) return PL_ENOMEM;
    pl_mim_link l;
    char buf[160];
    if (link_init(p, &l, buf, sizeof buf)) {
        pl_record_fail(rec, PL_EINVAL, "%s", buf);
        return PL_OK;
    }
    /* how many eigenvectors to use: the predicted outliers (F's top eigenspace above the
     * threshold; below it the same number, for the noise level of the overlap) */
    pl_mim_rule r;
    pl_mim_threshold t;
    pl_status st = link_theory(&l, &r, &t);
    if (st != PL_OK) {
        pl_record_fail(rec, st, "label quadrature: %s", pl_strerror(st));
        return st == PL_ENOMEM ? st : PL_OK;
    }
    pl_mim_spectral_pred pr;
    double alpha = p->v[S_ALPHA], clip = p->v[S_CLIP];
    pl_status pst = spec_predict(&r, &t, method, alpha, clip, &pr);
    pl_mim_rule_free(&r);
    size_t nout = (pst == PL_OK && pr.above) ? pr.n_outliers : 0;
    size_t nuse = nout ? nout : (t.n_outliers ? t.n_outliers : 1);
    if (method == M_PCA && nuse > l.p) nuse = l.p;
    if (nout > 60) nout = nuse = 60;
    size_t d = (size_t)p->v[S_D], n = (size_t)ceil(alpha * (double)d);
    pl_mim_data D;
    st = pl_mim_data_sample(&l, n, d, rng, &D);
    if (st != PL_OK) {
        pl_record_fail(rec, st, "sampling: %s", pl_strerror(st));
        return st == PL_ENOMEM ? st : PL_OK;
    }
    pl_mim_spec_opts o = {.k = (nout > nuse ? nout : nuse) + 1, .n_use = nuse, .seed = 17};
    pl_mim_spec_result res;
    if (method == M_ASYM) st = pl_mim_asym_spectral(&l, &D, &o, &res);
    else if (method == M_SYM) st = pl_mim_sym_spectral(&l, &D, &o, &res);
    else st = pl_mim_pca_spectral(&D, clip > 0 ? clip_pre : NULL, &clip, &o, &res);
    pl_mim_data_free(&D);
    if (st != PL_OK) {
        pl_record_fail(rec, st, "eigen-solver: %s", pl_strerror(st));
        return st == PL_ENOMEM ? st : PL_OK;
    }
    rec->metric[S_M2] = res.m2;
    rec->metric[S_M2TOP] = res.m2_top;
    rec->metric[S_TOP] = res.eig_re[0];
    rec->metric[S_BULK] = nout < res.k ? res.eig_re[nout] : NAN;
    rec->metric[S_NOUT] = (double)nout;
    if (res.status == PL_ENOCONV) {
        rec->status = PL_REC_NOT_CONVERGED;
        snprintf(rec->message, sizeof rec->message,
                 "eigen-solver reached its restart budget (%zu matvecs)", res.nmatvec);
    }
    return PL_OK;
}

const pl_experiment pl_exp_mim_spectral = {
    .name = "mim-spectral",
    .summary = "multi-index models: optimal spectral methods (asymmetric L, symmetric T) and "
               "PCA of labels, overlap and spectrum vs alpha, simulation vs theory",
    .description =
        "L = ((X X^T - I) (x) I_p) G(y) (np x np, non-symmetric; Arnoldi on the matrix-free "
        "product, estimator X^T mat(G omega)), T = sum_i x_i x_i^T (x) G(y_i)(I + G(y_i))^-1 "
        "(dp x dp; dense eigh for d p <= 2000, else Lanczos with the hugely negative label "
        "directions deflated), pca: sum_i T(y_i) x_i x_i^T. m2 = ||M||^2/Tr Q averaged over "
        "the predicted outlier eigenvectors, m2_top for the top one; top_eig = largest real "
        "eigenvalue; bulk_edge = the first eigenvalue after the predicted outliers. Theory: "
        "asym top alpha/alpha_c, bulk radius sqrt(alpha/alpha_c), m2 from the linear state "
        "evolution; sym and pca: Lu-Li formulas per direction (jointly diagonalisable G).",
    .params = spec_params,
    .n_params = S_NP,
    .metrics = spec_metrics,
    .n_metrics = S_NM,
    .default_sweep = "link=z1z2 method=asym,sym alpha=0.25:4:0.25 d=1000",
    .default_seeds = 3,
    .plot_x = "alpha",
    .plot_y = "m2,top_eig,bulk_edge",
    .check = spec_check,
    .simulate = spec_simulate,
    .theory = spec_theory,
};

/* ---------------------------------------------------------------- mim-gamp */

enum { G_ALPHA = 3, G_D, G_DAMP, G_MAXIT, G_NP };
enum { G_M2, G_ITERS, G_NM };
static const pl_param_spec gamp_params[G_NP] = {
    LINK_PARAMS,
    [G_ALPHA] = {.name = "alpha", .type = PL_PARAM_REAL, .def = 2.0, .lo = 0, .hi = 1e4, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "samples per dimension n/d"},
    [G_D] = {.name = "d", .type = PL_PARAM_INT, .def = 1000, .lo = 10, .hi = 100000, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "dimension"},
    [G_DAMP] = {.name = "damping", .type = PL_PARAM_REAL, .def = 0.65, .lo = 0, .hi = 1, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "weight of the new g_out, dg_out (1: undamped; 0.65 keeps 35% of the old as [TDD+])"},
    [G_MAXIT] = {.name = "maxit", .type = PL_PARAM_INT, .def = 200, .lo = 1, .hi = 100000, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "GAMP iterations"},
};
static const char *const gamp_metrics[G_NM] = {"m2", "iterations"};

static const char *gamp_check(const pl_params *p, char *buf, size_t len)
{
    pl_mim_link l;
    const char *m = link_init(p, &l, buf, len);
    if (m) return m;
    double n = ceil(p->v[G_ALPHA] * p->v[G_D]);
    if (n < 2) {
        snprintf(buf, len, "n = alpha d = %g is too small", n);
        return buf;
    }
    if (n * p->v[G_D] > 4e9) {
        snprintf(buf, len, "n d = %.3g exceeds the 4e9 entries of X this experiment allows",
                 n * p->v[G_D]);
        return buf;
    }
    return NULL;
}

static pl_status gamp_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_mim_link l;
    char buf[160];
    for (int informed = 0; informed <= 1; informed++) {
        pl_record *rec = pl_records_add(out, p, "theory", -1);
        if (!rec) return PL_ENOMEM;
        if (link_init(p, &l, buf, sizeof buf)) {
            pl_record_fail(rec, PL_EINVAL, "%s", buf);
            continue;
        }
        if (informed == 0) {
            pl_mim_rule r;
            pl_mim_threshold t;
            if (link_theory(&l, &r, &t) == PL_OK) {
                pl_mim_rule_free(&r);
                if (t.null) {
                    pl_record_fail(rec, PL_ENOSOLUTION, "%s", no_recovery);
                    pl_record *r2 = pl_records_add(out, p, "theory", -1);
                    if (!r2) return PL_ENOMEM;
                    pl_record_fail(r2, PL_ENOSOLUTION, "%s", no_recovery);
                    return PL_OK;
                }
            }
        }
        pl_mim_se_opts o = pl_mim_se_default_opts(informed);
        pl_mim_se_result res;
        pl_status st = pl_mim_se_run(&l, p->v[G_ALPHA], &o, &res);
        if (st == PL_ENOMEM) return st;
        rec->metric[G_M2] = res.m2;
        rec->metric[G_ITERS] = (double)res.iterations;
        snprintf(rec->message, sizeof rec->message, "%s start%s",
                 informed ? "informed" : "uninformed",
                 res.m2_se > 0 ? " (Monte Carlo)" : "");
        if (st != PL_OK) {
            pl_record_fail(rec, st, "state evolution (%s start): %s after %zu iterations",
                           informed ? "informed" : "uninformed", pl_strerror(st),
                           res.iterations);
            rec->metric[G_M2] = res.m2;
        }
    }
    return PL_OK;
}

static pl_status gamp_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                               pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "sim:gamp", 0);
    if (!rec) return PL_ENOMEM;
    pl_mim_link l;
    char buf[160];
    if (link_init(p, &l, buf, sizeof buf)) {
        pl_record_fail(rec, PL_EINVAL, "%s", buf);
        return PL_OK;
    }
    size_t d = (size_t)p->v[G_D], n = (size_t)ceil(p->v[G_ALPHA] * (double)d);
    pl_mim_data D;
    pl_status st = pl_mim_data_sample(&l, n, d, rng, &D);
    if (st != PL_OK) {
        pl_record_fail(rec, st, "sampling: %s", pl_strerror(st));
        return st == PL_ENOMEM ? st : PL_OK;
    }
    pl_mat What = pl_mat_alloc(d, l.p);
    if (!What.data) {
        pl_mim_data_free(&D);
        return PL_ENOMEM;
    }
    pl_mim_gamp_opts o = pl_mim_gamp_default_opts();
    o.damping = p->v[G_DAMP];
    o.maxit = (size_t)p->v[G_MAXIT];
    pl_mim_gamp_result res;
    pl_rng ri = pl_rng_substream(rng, 99);
    st = pl_mim_gamp(&l, &D, &o, &ri, What, NULL, &res);
    pl_mat_free(&What);
    pl_mim_data_free(&D);
    if (st == PL_ENOMEM) return st;
    rec->metric[G_M2] = res.m2;
    rec->metric[G_ITERS] = (double)res.iterations;
    if (res.status != PL_OK) {
        pl_record_fail(rec, res.status, "%s", res.message);
        if (res.status == PL_ENOCONV) rec->metric[G_M2] = res.m2;
    }
    return PL_OK;
}

const pl_experiment pl_exp_mim_gamp = {
    .name = "mim-gamp",
    .summary = "multi-index models: Bayes-optimal GAMP overlap vs alpha against its state "
               "evolution",
    .description =
        "Committee-machine GAMP with a Gaussian prior (V_i = mean_j Chat_j), random start "
        "with norm 0.01. Theory: Qhat = alpha E[g_out g_out^T], Q = Qhat (I + Qhat)^-1 from "
        "Q0 = 1e-3 I (uninformed, branch 0, solid) and Q0 = 0.99 I (informed, branch 1, "
        "dashed); Gauss-Hermite tensor rules for p <= 3, Monte Carlo beyond. m2 = "
        "||M||^2/Tr Q.",
    .params = gamp_params,
    .n_params = G_NP,
    .metrics = gamp_metrics,
    .n_metrics = G_NM,
    .default_sweep = "link=sign-z1z2 alpha=1:6:0.5 d=1000",
    .default_seeds = 2,
    .plot_x = "alpha",
    .plot_y = "m2",
    .check = gamp_check,
    .simulate = gamp_simulate,
    .theory = gamp_theory,
};
