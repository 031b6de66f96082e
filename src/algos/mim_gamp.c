/* Bayes-optimal multi-index GAMP (committee-machine GAMP with a Gaussian prior on the rows of
 * W; [TDD+] / Aubin et al. 2018) on the generic GAMP loop (algos/gamp.c): the problem is the
 * linear map X (n x d) acting on the rows of What (d blocks of p), the channel the link's
 * g_out, the prior N(0, I_p). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/mim_internal.h"
#include "phaselab/gamp.h"

#define P2 (PL_MIM_PMAX * PL_MIM_PMAX)
#define BLK 256

pl_mim_gamp_opts pl_mim_gamp_default_opts(void)
{
    pl_mim_gamp_opts o = {.damping = 0.65, .tol = 1e-5, .maxit = 500, .plant = 0.0,
                          .blowup = 1e4, .uniform = 1, .adaptive = 0, .var_adaptive = 1,
                          .var_floor = 1e-12};
    return o;
}

static double overlap_m2(const pl_mat *What, const pl_mat *W)
{
    return pl_mim_overlap(*What, 1, *W);
}

/* C = op(X∘X) B blockwise (never forming X∘X): trans = 0: C (n x m) = (X∘X) B (B d x m);
 * trans = 1: C (d x m) = (X∘X)^T B (B n x m). buf: BLK x d. */
static pl_status sq_gemm(int trans, const pl_mat *X, pl_mat B, pl_mat C, double *buf)
{
    size_t n = X->rows, d = X->cols;
    if (trans) pl_mat_set_zero(C);
    for (size_t i0 = 0; i0 < n; i0 += BLK) {
        size_t nb = n - i0 < BLK ? n - i0 : BLK;
        pl_mat S = pl_mat_view(buf, nb, d, d);
        for (size_t i = 0; i < nb; i++)
            for (size_t j = 0; j < d; j++) {
                double x = PL_AT(*X, i0 + i, j);
                PL_AT(S, i, j) = x * x;
            }
        pl_status st;
        if (!trans) {
            pl_mat Cb = pl_mat_sub(C, i0, 0, nb, C.cols);
            st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, S, B, 0.0, Cb);
        } else {
            pl_mat Bb = pl_mat_sub(B, i0, 0, nb, B.cols);
            st = pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, S, Bb, 1.0, C);
        }
        if (st != PL_OK) return st;
    }
    return PL_OK;
}

typedef struct {
    const pl_mim_link *l;
    const pl_mim_data *D;
    int uniform;
    double *buf;      /* BLK x d */
    double *m2_hist;
} mim_ctx;

static pl_status mim_forward(void *c, const double *xhat, double *Om)
{
    mim_ctx *m = c;
    size_t p = m->D->p;
    pl_mat Wh = pl_mat_view((double *)xhat, m->D->d, p, p), O = pl_mat_view(Om, m->D->n, p, p);
    return pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, m->D->X, Wh, 0.0, O);
}

static pl_status mim_adjoint(void *c, const double *G, double *B)
{
    mim_ctx *m = c;
    size_t p = m->D->p;
    pl_mat Gm = pl_mat_view((double *)G, m->D->n, p, p), Bm = pl_mat_view(B, m->D->d, p, p);
    return pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, m->D->X, Gm, 0.0, Bm);
}

/* V_i = sum_j X_ij^2 Chat_j, or (uniform) mean_j Chat_j for every i (E X_ij^2 = 1/d) */
static pl_status mim_var_out(void *c, const double *C, double *V)
{
    mim_ctx *m = c;
    size_t n = m->D->n, d = m->D->d, q = m->D->p * m->D->p;
    if (!m->uniform)
        return sq_gemm(0, &m->D->X, pl_mat_view((double *)C, d, q, q), pl_mat_view(V, n, q, q),
                       m->buf);
    double Vm[P2] = {0};
    for (size_t j = 0; j < d; j++)
        for (size_t k = 0; k < q; k++) Vm[k] += C[j * q + k] / (double)d;
    for (size_t i = 0; i < n; i++) memcpy(V + i * q, Vm, q * sizeof *Vm);
    return PL_OK;
}

/* A_j = sum_i X_ij^2 (-dg_i), or (uniform) (1/d) sum_i (-dg_i) */
static pl_status mim_var_in(void *c, const double *mdg, double *A)
{
    mim_ctx *m = c;
    size_t n = m->D->n, d = m->D->d, q = m->D->p * m->D->p;
    if (!m->uniform)
        return sq_gemm(1, &m->D->X, pl_mat_view((double *)mdg, n, q, q), pl_mat_view(A, d, q, q),
                       m->buf);
    double Am[P2] = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < q; k++) Am[k] += mdg[i * q + k] / (double)d;
    for (size_t j = 0; j < d; j++) memcpy(A + j * q, Am, q * sizeof *Am);
    return PL_OK;
}

static void mim_monitor(void *c, size_t t, const double *xhat)
{
    mim_ctx *m = c;
    if (!m->m2_hist) return;
    pl_mat Wh = pl_mat_view((double *)xhat, m->D->d, m->D->p, m->D->p);
    m->m2_hist[t] = overlap_m2(&Wh, &m->D->W);
}

static pl_status mim_channel_gout(const void *c, size_t i, const double *w, const double *V,
                                  double *logZ, double *g, double *dg)
{
    const mim_ctx *m = c;
    return pl_mim_gout(m->l, m->D->y[i], w, V, logZ, g, dg);
}

static const pl_gamp_channel_type mim_channel = {.name = "mim-link", .gout = mim_channel_gout};

/* First damping weight (docs/multi-index.md): at the uninformed start V ~ I and the label
 * average of -dg_out responds to a perturbation dV as F(dV), so the loop A -> C = (I + A)^-1
 * -> V has the gain -alpha nu_1 and damping beta multiplies that mode by 1 - beta (1 + alpha
 * nu_1), which vanishes at beta = 1 / (1 + alpha nu_1). F = 0 or a failed analysis: 0 (the
 * damping itself). */
static double start_damping(const pl_mim_link *l, double alpha)
{
    pl_mim_rule r;
    pl_mim_threshold t;
    if (pl_mim_link_threshold(l, &r, &t) != PL_OK) return 0;
    pl_mim_rule_free(&r);
    if (t.null || !(t.nu[0] > 0)) return 0;
    return 1.0 / (1.0 + alpha * t.nu[0]);
}

pl_status pl_mim_gamp(const pl_mim_link *l, const pl_mim_data *D, const pl_mim_gamp_opts *o,
                      pl_rng *rng, pl_mat What, double *m2_hist, pl_mim_gamp_result *res)
{
    pl_mim_gamp_opts def = pl_mim_gamp_default_opts();
    if (!o) o = &def;
    memset(res, 0, sizeof *res);
    res->m2 = NAN;
    size_t d = D->d, p = D->p, q = p * p;
    if (What.rows != d || What.cols != p || What.stride != p ||
        !(o->damping > 0 && o->damping <= 1))
        return PL_EINVAL;
    double *C = malloc(d * q * sizeof *C), *buf = malloc((size_t)BLK * d * sizeof *buf);
    if (!C || !buf) {
        free(C);
        free(buf);
        res->status = PL_ENOMEM;
        return PL_ENOMEM;
    }
    /* init: What = sqrt(plant) W* + sqrt(1 - plant) 0.1 xi, Chat = (1 - q0) I with q0 the
     * initial norm ||What||^2/(d p) (Nishimori-consistent uninformed start) */
    {
        pl_rng ri = pl_rng_substream(rng, 7);
        double pl = fmin(fmax(o->plant, 0.0), 1.0), s = 0.1 * sqrt(1 - pl);
        for (size_t j = 0; j < d; j++)
            for (size_t a = 0; a < p; a++)
                PL_AT(What, j, a) = sqrt(pl) * PL_AT(D->W, j, a) + s * pl_rng_normal(&ri);
        double q0 = pl + s * s;
        for (size_t j = 0; j < d; j++)
            for (size_t k = 0; k < q; k++) C[j * q + k] = (k % (p + 1) == 0) ? 1 - q0 : 0;
    }
    if (m2_hist) m2_hist[0] = overlap_m2(&What, &D->W);
    mim_ctx m = {.l = l, .D = D, .uniform = o->uniform, .buf = buf, .m2_hist = m2_hist};
    pl_gamp_problem P = {.n = D->n, .k = p, .N = d, .p = p, .forward = mim_forward,
                         .adjoint = mim_adjoint, .var_out = mim_var_out, .var_in = mim_var_in,
                         .monitor = mim_monitor, .ctx = &m};
    pl_gamp_channel ch = {.type = &mim_channel, .ctx = &m, .k = p};
    pl_gamp_prior pr = {.type = &pl_gamp_prior_gauss, .ctx = NULL};
    pl_gamp_opts go = pl_gamp_default_opts();
    go.damping = o->damping;
    go.adaptive = o->adaptive;
    go.var_floor = o->var_floor;
    go.damp_estimate = 1; /* consistent damping: the iteration stalls without (gamp.h) */
    go.var_adaptive = o->var_adaptive;
    if (o->var_adaptive) go.damping0 = start_damping(l, (double)D->n / (double)d);
    go.tol = o->tol;
    go.maxit = o->maxit;
    go.blowup = o->blowup;
    pl_gamp_result gr;
    pl_status st = pl_gamp_run(&P, &ch, &pr, &go, What.data, C, &gr);
    free(C);
    free(buf);
    res->status = gr.status;
    res->iterations = gr.iterations;
    res->diff = gr.diff;
    res->damping = gr.damping;
    memcpy(res->message, gr.message, sizeof res->message);
    res->m2 = overlap_m2(&What, &D->W);
    return st;
}
