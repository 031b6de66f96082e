/* Family 9: Hamiltonian Monte Carlo on the posterior of the first-layer weights W (k x d),
 * prior N(0, 1) entries, Gaussian likelihood with noise Delta, known readout v. Leapfrog
 * integrator, unit mass matrix, step-size adaptation as TensorFlow-Probability's
 * SimpleStepSizeAdaptation (multiply by 1 + rate when the acceptance probability exceeds the
 * target, divide otherwise). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/bo.h"

pl_bo_hmc_opts pl_bo_hmc_default_opts(void)
{
    pl_bo_hmc_opts o = {0.01, 10, 2000, 2000, 0.75, 0.01, 400};
    return o;
}

double pl_bo_log_post(const pl_bo_teacher *t, pl_mat X, const double *y, pl_mat W,
                      pl_mat grad, double *work)
{
    size_t n = X.rows, k = t->k, d = t->d;
    double sq = 1.0 / sqrt((double)d);
    pl_mat H = pl_mat_view(work, n, k, k), G = pl_mat_view(work + n * k, n, k, k);
    if (pl_gemm(PL_NOTRANS, PL_TRANS, sq, X, W, 0.0, H) != PL_OK) return NAN;
    double ll = 0.0;
    for (size_t a = 0; a < n; a++) {
        double *h = &PL_AT(H, a, 0), *g = &PL_AT(G, a, 0), f = 0.0;
        for (size_t i = 0; i < k; i++) {
            double s, ds;
            t->act->fdf(h[i], &s, &ds);
            f += t->v[i] * s;
            g[i] = ds;
        }
        double r = f - y[a];
        ll += r * r;
        double c = -r / t->delta;
        for (size_t i = 0; i < k; i++) g[i] *= c * t->v[i];
    }
    double prior = pl_mat_frob2(W);
    if (grad.data) {
        /* grad = -W + (1/sqrt d) G^T X with G_ai = -(r_a / Delta) v_i sigma'(h_ai) */
        for (size_t i = 0; i < k * d; i++) grad.data[i] = -W.data[i];
        if (pl_gemm(PL_TRANS, PL_NOTRANS, sq, G, X, 1.0, grad) != PL_OK) return NAN;
    }
    return -0.5 * prior - ll / (2.0 * t->delta);
}

/* test error E_x (f_W(x) - f*(x))^2 on a clean test set, in chunks */
static double test_error(const pl_bo_teacher *t, pl_mat W, pl_mat Xt, const double *yt,
                         double *work, size_t chunk)
{
    pl_bo_teacher tw = *t;
    tw.W = W;
    double acc = 0.0;
    double *f = work + chunk * t->k;
    for (size_t r0 = 0; r0 < Xt.rows; r0 += chunk) {
        size_t m = Xt.rows - r0 < chunk ? Xt.rows - r0 : chunk;
        if (pl_bo_teacher_eval(&tw, pl_mat_sub(Xt, r0, 0, m, Xt.cols), f, work) != PL_OK)
            return NAN;
        for (size_t a = 0; a < m; a++) {
            double e = f[a] - yt[r0 + a];
            acc += e * e;
        }
    }
    return acc / (double)Xt.rows;
}

pl_status pl_bo_hmc(const pl_bo_teacher *t, pl_mat X, const double *y, pl_mat Xtest,
                    const double *ytest, pl_rng *rng, const pl_bo_hmc_opts *opts, pl_mat W,
                    pl_bo_hmc_result *res)
{
    pl_bo_hmc_opts o = opts ? *opts : pl_bo_hmc_default_opts();
    size_t k = t->k, d = t->d, n = X.rows, kd = k * d;
    if (W.rows != k || W.cols != d || X.cols != d || Xtest.cols != d || o.nsamples == 0 ||
        o.leapfrog == 0 || !(o.step > 0.0) || !(t->delta > 0.0))
        return PL_EINVAL;
    if (o.nkeep == 0 || o.nkeep > o.nsamples) o.nkeep = o.nsamples;
    const size_t chunk = 2048;
    size_t nwork = 2 * n * k;
    if (nwork < chunk * (k + 1)) nwork = chunk * (k + 1);
    double *work = malloc(nwork * sizeof(double));
    pl_mat Wp = pl_mat_alloc(k, d), P = pl_mat_alloc(k, d), G = pl_mat_alloc(k, d),
           G0 = pl_mat_alloc(k, d);
    if (!work || !Wp.data || !P.data || !G.data || !G0.data) {
        free(work);
        pl_mat_free(&Wp);
        pl_mat_free(&P);
        pl_mat_free(&G);
        pl_mat_free(&G0);
        return PL_ENOMEM;
    }
    pl_status st = PL_OK;
    double step = o.step, lp = pl_bo_log_post(t, X, y, W, G0, work);
    if (!isfinite(lp)) st = PL_ENAN;
    double sum = 0.0, sum2 = 0.0;
    size_t acc = 0, kept = 0;
    for (size_t it = 0; it < o.nsamples && st == PL_OK; it++) {
        pl_rng_normal_fill(rng, P.data, kd, 1.0);
        double K0 = 0.5 * pl_dot(kd, P.data, P.data);
        pl_mat_copy(Wp, W);
        pl_mat_copy(G, G0);
        double lpn = lp;
        for (size_t l = 0; l < o.leapfrog; l++) {
            pl_axpy(kd, 0.5 * step, G.data, P.data);
            pl_axpy(kd, step, P.data, Wp.data);
            lpn = pl_bo_log_post(t, X, y, Wp, G, work);
            if (!isfinite(lpn)) break;
            pl_axpy(kd, 0.5 * step, G.data, P.data);
        }
        double K1 = 0.5 * pl_dot(kd, P.data, P.data);
        double logr = isfinite(lpn) ? (lpn - K1) - (lp - K0) : -INFINITY;
        double pacc = logr >= 0.0 ? 1.0 : exp(logr);
        if (pl_rng_uniform(rng) < pacc) {
            pl_mat_copy(W, Wp);
            pl_mat_copy(G0, G);
            lp = lpn;
            acc++;
        }
        if (it < o.nadapt) step = pacc > o.target ? step * (1.0 + o.adapt_rate)
                                                  : step / (1.0 + o.adapt_rate);
        if (it >= o.nsamples - o.nkeep) {
            double e = test_error(t, W, Xtest, ytest, work, chunk);
            if (!isfinite(e)) st = PL_ENAN;
            sum += e;
            sum2 += e * e;
            kept++;
        }
    }
    if (st == PL_OK && kept > 0) {
        res->gibbs = sum / (double)kept;
        res->gibbs_se = kept > 1 ? sqrt(fmax(0.0, sum2 / kept - res->gibbs * res->gibbs) /
                                        (double)(kept - 1))
                                 : NAN;
        res->accept = (double)acc / (double)o.nsamples;
        res->step = step;
        if (res->overlaps)
            for (size_t i = 0; i < k; i++) {
                const double *a = &PL_AT(W, i, 0), *b = &PL_AT(t->W, i, 0);
                res->overlaps[i] = pl_dot(d, a, b) / (pl_nrm2(d, a) * pl_nrm2(d, b));
            }
    }
    free(work);
    pl_mat_free(&Wp);
    pl_mat_free(&P);
    pl_mat_free(&G);
    pl_mat_free(&G0);
    return st;
}
