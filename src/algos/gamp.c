/* Generic GAMP: one iteration loop over a channel contract and a prior table, with damping
 * (fixed or adaptive), variance floors, divergence and NaN detection (see phaselab/gamp.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/gamp.h"
#include "phaselab/smallmat.h"
#include "phaselab/mat.h"

#define P2 (PL_GAMP_PMAX * PL_GAMP_PMAX)

pl_gamp_opts pl_gamp_default_opts(void)
{
    pl_gamp_opts o = {.damping = 0.65, .adaptive = 0, .damping_min = 0.05, .var_floor = 0,
                      .damp_estimate = 0, .var_adaptive = 0, .damping0 = 0, .tol = 1e-5,
                      .maxit = 200, .blowup = 1e4};
    return o;
}

/* N(0, I): mean (I + A)^{-1} b, cov (I + A)^{-1} */
static pl_status gauss_denoise(const void *ctx, size_t p, const double *b, const double *A,
                               double *mean, double *cov)
{
    (void)ctx;
    double M[P2];
    for (size_t k = 0; k < p * p; k++) M[k] = A[k] + (k % (p + 1) == 0);
    if (!pl_small_inv(p, M, cov)) return PL_EDIVERGED;
    for (size_t a = 0; a < p; a++) {
        double s = 0;
        for (size_t c = 0; c < p; c++) s += cov[a * p + c] * b[c];
        mean[a] = s;
    }
    return PL_OK;
}

const pl_gamp_prior_type pl_gamp_prior_gauss = {.name = "gauss", .denoise = gauss_denoise};

const char *pl_gamp_check(const pl_gamp_problem *P, const pl_gamp_channel *ch,
                          const pl_gamp_prior *pr, const pl_gamp_opts *o, char *buf,
                          size_t len)
{
    if (!P || !P->forward || !P->adjoint || !P->var_out || !P->var_in)
        return "GAMP problem: forward, adjoint, var_out and var_in are required";
    if (P->n == 0 || P->k == 0 || P->N == 0 || P->p == 0)
        return "GAMP problem: n, k, N and p must be positive";
    if (!ch || !ch->type || !ch->type->gout) return "GAMP channel: g_out is required";
    if (ch->k != P->k) return "GAMP channel: its output dimension k differs from the problem's";
    if (!pr || !pr->type || (!pr->type->denoise && !pr->type->denoise_all))
        return "GAMP prior: a block or a matrix denoiser is required";
    if (pr->type->denoise && !pr->type->denoise_all && P->p > PL_GAMP_PMAX)
        return "GAMP prior: block dimension p above PL_GAMP_PMAX";
    if (!o || !(o->damping > 0 && o->damping <= 1)) return "damping must be in (0, 1]";
    if ((o->adaptive || o->var_adaptive) && !(o->damping_min > 0 && o->damping_min <= o->damping))
        return "damping_min must be in (0, damping]";
    if (o->var_adaptive && P->p > PL_GAMP_PMAX)
        return "var_adaptive needs the block dimension p <= PL_GAMP_PMAX";
    if (!(o->tol >= 0) || !(o->var_floor >= 0) || o->maxit == 0)
        return "tol and var_floor must be >= 0 and maxit >= 1";
    const char *m;
    if (ch->type->check && (m = ch->type->check(ch->ctx, buf, len))) return m;
    if (pr->type->check && (m = pr->type->check(pr->ctx, buf, len))) return m;
    return NULL;
}

/* Eigenvalue floor of count symmetric k x k blocks: eigenvalues below fl are raised to fl
 * (V = U max(lambda, fl) U^T). A block equal to the previous input reuses its result (the
 * uniform-variance case costs one decomposition). work: 3 k^2 + k doubles. */
static pl_status floor_psd(double *M, size_t count, size_t k, double fl, double *work)
{
    if (!(fl > 0)) return PL_OK;
    size_t k2 = k * k;
    double *U = work, *prev_in = work + k2, *prev_out = work + 2 * k2, *lam = work + 3 * k2;
    int have_prev = 0;
    for (size_t i = 0; i < count; i++) {
        double *Mi = M + i * k2;
        if (have_prev && memcmp(Mi, prev_in, k2 * sizeof *Mi) == 0) {
            memcpy(Mi, prev_out, k2 * sizeof *Mi);
            continue;
        }
        memcpy(prev_in, Mi, k2 * sizeof *Mi);
        memcpy(U, Mi, k2 * sizeof *Mi);
        pl_status st = pl_syev(pl_mat_view(U, k, k, k), lam);
        if (st != PL_OK) return st;
        if (lam[0] < fl) {
            for (size_t a = 0; a < k; a++)
                for (size_t b = 0; b < k; b++) {
                    double s = 0;
                    for (size_t c = 0; c < k; c++)
                        s += U[a * k + c] * fmax(lam[c], fl) * U[b * k + c];
                    Mi[a * k + b] = s;
                }
        }
        memcpy(prev_out, Mi, k2 * sizeof *Mi);
        have_prev = 1;
    }
    return PL_OK;
}

typedef struct {
    double *V, *Om, *G, *DG, *Gold, *DGold, *A, *B, *Xn, *Cn, *Xbar, *fw;
} gamp_work;

static void work_free(gamp_work *w)
{
    free(w->V);
    free(w->Om);
    free(w->G);
    free(w->DG);
    free(w->Gold);
    free(w->DGold);
    free(w->A);
    free(w->B);
    free(w->Xn);
    free(w->Cn);
    free(w->Xbar);
    free(w->fw);
}

static int work_alloc(gamp_work *w, const pl_gamp_problem *P, int damp_estimate)
{
    size_t n = P->n, k = P->k, N = P->N, p = P->p;
    memset(w, 0, sizeof *w);
    w->V = malloc(n * k * k * sizeof(double));
    w->Om = malloc(n * k * sizeof(double));
    w->G = calloc(n * k, sizeof(double));
    w->DG = malloc(n * k * k * sizeof(double));
    w->Gold = malloc(n * k * sizeof(double));
    w->DGold = malloc(n * k * k * sizeof(double));
    w->A = malloc(N * p * p * sizeof(double));
    w->B = malloc(N * p * sizeof(double));
    w->Xn = malloc(N * p * sizeof(double));
    w->Cn = malloc(N * p * p * sizeof(double));
    w->Xbar = damp_estimate ? malloc(N * p * sizeof(double)) : NULL; /* else xhat itself */
    size_t m = k > p ? k : p;
    w->fw = malloc((3 * m * m + m) * sizeof(double));
    return w->fw && w->V && w->Om && w->G && w->DG && w->Gold && w->DGold && w->A && w->B && w->Xn &&
           w->Cn && (w->Xbar || !damp_estimate);
}

/* the output half: V, omega, g, dg (undamped). Returns a status for res. */
static pl_status output_step(const pl_gamp_problem *P, const pl_gamp_channel *ch,
                             const pl_gamp_opts *o, const double *xhat, const double *C,
                             gamp_work *w, size_t t, pl_gamp_result *res)
{
    size_t n = P->n, k = P->k, k2 = k * k;
    pl_status st = P->var_out(P->ctx, C, w->V);
    if (st == PL_OK) st = P->forward(P->ctx, xhat, w->Om);
    if (st != PL_OK) {
        snprintf(res->message, sizeof res->message, "linear operator failed (%s) at iteration %zu",
                 pl_strerror(st), t + 1);
        return st;
    }
    if (st == PL_OK) st = floor_psd(w->V, n, k, o->var_floor, w->fw);
    if (st != PL_OK) {
        snprintf(res->message, sizeof res->message,
                 "variance floor failed (%s) at iteration %zu", pl_strerror(st), t + 1);
        return st;
    }
    memcpy(w->Gold, w->G, n * k * sizeof *w->G);
    for (size_t i = 0; i < n; i++) {
        double *Vi = w->V + i * k2, *om = w->Om + i * k;
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < a; b++)
                Vi[a * k + b] = Vi[b * k + a] = 0.5 * (Vi[a * k + b] + Vi[b * k + a]);
        for (size_t a = 0; a < k; a++) {
            double s = om[a];
            for (size_t b = 0; b < k; b++) s -= Vi[a * k + b] * w->Gold[i * k + b];
            om[a] = s;
        }
        st = ch->type->gout(ch->ctx, i, om, Vi, NULL, w->G + i * k, w->DG + i * k2);
        if (st != PL_OK) {
            snprintf(res->message, sizeof res->message,
                     "g_out failed (%s) at sample %zu, iteration %zu: V not positive "
                     "definite or label impossible under the channel",
                     pl_strerror(st), i, t + 1);
            return st == PL_EINVAL ? PL_EDIVERGED : st;
        }
        for (size_t a = 0; a < k; a++)
            if (!isfinite(w->G[i * k + a])) {
                snprintf(res->message, sizeof res->message,
                         "NaN in g_out at sample %zu, iteration %zu", i, t + 1);
                return PL_ENAN;
            }
    }
    return PL_OK;
}

/* Damping weight adapted to the variances. The change of the block-averaged precision A
 * projected on its previous change gives the multiplier mu of the dominant mode of the
 * variance loop A -> C -> V -> dg. Damping beta turns an undamped gain -kappa into mu = 1 -
 * beta (1 + kappa), so when mu < -1/2 (an oscillation that does not die out quickly) the
 * weight becomes the one that cancels the mode, beta / (1 - mu) = 1 / (1 + kappa) (not below
 * damping_min); when mu > -1/5 it grows by 5% (up to damping). One weight serves g, dg and
 * xbar, so the Onsager terms stay consistent. Updates the averaged A and its change in
 * place; returns the new weight. */
static double adapt_var_damping(const gamp_work *w, size_t N, size_t p2, size_t t,
                                const pl_gamp_opts *o, double beta, double *Aavg_prev,
                                double *dA_prev)
{
    double Aavg[P2] = {0}, dA[P2], dot = 0, n0 = 0;
    for (size_t j = 0; j < N; j++)
        for (size_t c = 0; c < p2; c++) Aavg[c] += w->A[j * p2 + c] / (double)N;
    for (size_t c = 0; c < p2; c++) {
        dA[c] = Aavg[c] - Aavg_prev[c];
        dot += dA[c] * dA_prev[c];
        n0 += dA_prev[c] * dA_prev[c];
    }
    if (t >= 2 && n0 > 0) {
        double mu = dot / n0;
        if (mu < -0.5)
            beta = fmax(beta / (1 - mu), o->damping_min);
        else if (mu > -0.2)
            beta = fmin(1.05 * beta, o->damping);
    }
    memcpy(Aavg_prev, Aavg, p2 * sizeof *Aavg);
    memcpy(dA_prev, dA, p2 * sizeof *dA);
    return beta;
}

pl_status pl_gamp_run(const pl_gamp_problem *P, const pl_gamp_channel *ch,
                      const pl_gamp_prior *pr, const pl_gamp_opts *o, double *xhat, double *C,
                      pl_gamp_result *res)
{
    char buf[160];
    memset(res, 0, sizeof *res);
    res->diff = NAN;
    const char *msg = pl_gamp_check(P, ch, pr, o, buf, sizeof buf);
    if (msg) {
        snprintf(res->message, sizeof res->message, "%s", msg);
        res->status = PL_EINVAL;
        return PL_EINVAL;
    }
    size_t n = P->n, k = P->k, N = P->N, p = P->p, k2 = k * k, p2 = p * p;
    gamp_work w;
    if (!work_alloc(&w, P, o->damp_estimate)) {
        work_free(&w);
        res->status = PL_ENOMEM;
        return PL_ENOMEM;
    }
    double damp = o->damping, prev_diff = INFINITY;
    if (o->var_adaptive && o->damping0 > 0)
        damp = fmax(fmin(o->damping0, o->damping), o->damping_min);
    /* block-averaged input precision and its last change (variance-oscillation detector) */
    double Aavg_prev[P2] = {0}, dA_prev[P2] = {0};

    pl_status st = PL_ENOCONV;
    size_t t;
    for (t = 0; t < o->maxit; t++) {
        pl_status s2 = output_step(P, ch, o, xhat, C, &w, t, res);
        if (s2 != PL_OK) {
            st = s2;
            break;
        }
        /* damping of g and dg keeps the Onsager term consistent with the damped estimate */
        if (damp < 1 && t > 0) {
            for (size_t i = 0; i < n * k; i++) w.G[i] = damp * w.G[i] + (1 - damp) * w.Gold[i];
            for (size_t i = 0; i < n * k2; i++)
                w.DG[i] = damp * w.DG[i] + (1 - damp) * w.DGold[i];
            if (w.Xbar)
                for (size_t i = 0; i < N * p; i++)
                    w.Xbar[i] = damp * xhat[i] + (1 - damp) * w.Xbar[i];
        } else if (w.Xbar) {
            memcpy(w.Xbar, xhat, N * p * sizeof *xhat);
        }
        memcpy(w.DGold, w.DG, n * k2 * sizeof *w.DG);
        for (size_t i = 0; i < n * k2; i++) w.DG[i] = -w.DG[i];
        s2 = P->var_in(P->ctx, w.DG, w.A);
        if (s2 == PL_OK) s2 = P->adjoint(P->ctx, w.G, w.B);
        if (s2 != PL_OK) {
            st = s2;
            snprintf(res->message, sizeof res->message,
                     "linear operator failed (%s) at iteration %zu", pl_strerror(s2), t + 1);
            break;
        }
        /* the new weight acts from the next iteration on (this one's mixtures are made) */
        double damp_next = o->var_adaptive
                               ? adapt_var_damping(&w, N, p2, t, o, damp, Aavg_prev, dA_prev)
                               : damp;
        for (size_t j = 0; j < N; j++) {
            const double *Aj = w.A + j * p2, *xj = (w.Xbar ? w.Xbar : xhat) + j * p;
            for (size_t a = 0; a < p; a++) {
                double s = w.B[j * p + a];
                for (size_t c = 0; c < p; c++) s += Aj[a * p + c] * xj[c];
                w.B[j * p + a] = s;
            }
        }
        if (pr->type->denoise_all) {
            s2 = pr->type->denoise_all(pr->ctx, N, p, w.B, w.A, w.Xn, w.Cn);
        } else {
            for (size_t j = 0; j < N && s2 == PL_OK; j++)
                s2 = pr->type->denoise(pr->ctx, p, w.B + j * p, w.A + j * p2, w.Xn + j * p,
                                       w.Cn + j * p2);
        }
        if (s2 != PL_OK) {
            st = s2 == PL_ENOMEM ? s2 : PL_EDIVERGED;
            snprintf(res->message, sizeof res->message,
                     "diverged at iteration %zu: prior %s refused its input (%s)", t + 1,
                     pr->type->name ? pr->type->name : "", pl_strerror(s2));
            break;
        }
        double diff = 0, nrm = 0;
        for (size_t i = 0; i < N * p; i++) {
            double dd = w.Xn[i] - xhat[i];
            diff += dd * dd;
            nrm += w.Xn[i] * w.Xn[i];
        }
        if (!isfinite(diff) || !isfinite(nrm)) {
            st = PL_ENAN;
            snprintf(res->message, sizeof res->message, "NaN in the estimate at iteration %zu",
                     t + 1);
            break;
        }
        memcpy(xhat, w.Xn, N * p * sizeof *xhat);
        memcpy(C, w.Cn, N * p2 * sizeof *C);
        if ((s2 = floor_psd(C, N, p, o->var_floor, w.fw)) != PL_OK) {
            st = s2 == PL_ENOMEM ? s2 : PL_ENAN;
            snprintf(res->message, sizeof res->message,
                     "variance floor failed (%s) at iteration %zu", pl_strerror(s2), t + 1);
            break;
        }
        res->diff = sqrt(diff / (double)N);
        if (P->monitor) P->monitor(P->ctx, t + 1, xhat);
        if (nrm / (double)N > o->blowup * (double)p) {
            st = PL_EDIVERGED;
            snprintf(res->message, sizeof res->message,
                     "diverged at iteration %zu: ||xhat||^2/N = %.3g", t + 1, nrm / (double)N);
            t++;
            break;
        }
        if (res->diff < o->tol) {
            st = PL_OK;
            t++;
            break;
        }
        damp = damp_next;
        if (o->adaptive) {
            if (res->diff > 0.98 * prev_diff)
                damp = fmax(0.7 * damp, o->damping_min);
            else
                damp = fmin(1.05 * damp, o->damping);
        }
        prev_diff = res->diff;
    }
    res->iterations = t;
    res->damping = damp;
    if (st == PL_ENOCONV)
        snprintf(res->message, sizeof res->message, "not converged after %zu iterations (step %.3g)",
                 t, res->diff);
    res->status = st;
    work_free(&w);
    if (st == PL_ENOMEM) return st;
    return PL_OK;
}
