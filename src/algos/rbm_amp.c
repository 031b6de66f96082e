/* Family 3: AMP for the k = 1 RBM objective (docs/rbm.md, "AMP"). Its fixed points satisfy
 * alpha w = X^T tanh(X w), X = V/sqrt(d): the stationary points of l(w). */
#include <math.h>
#include <stdlib.h>

#include "phaselab/rbm.h"

pl_rbm_amp_opts pl_rbm_amp_default_opts(void)
{
    return (pl_rbm_amp_opts){.maxit = 500, .tol = 1e-10, .damping = 0.5, .s0 = 0.5};
}

pl_status pl_rbm_amp(pl_mat V, double *w, const pl_rbm_amp_opts *opts, pl_rbm_amp_info *info)
{
    pl_rbm_amp_opts o = opts ? *opts : pl_rbm_amp_default_opts();
    size_t n = V.rows, d = V.cols;
    if (!V.data || !w || n == 0 || d == 0 || !(o.damping > 0 && o.damping <= 1) ||
        !(o.s0 > 0 && o.s0 < 1) || !(o.tol > 0))
        return PL_EINVAL;
    double alpha = (double)n / (double)d, isd = 1 / sqrt((double)d), s = o.s0, a = NAN;
    double *g = calloc(n, sizeof *g), *om = malloc(n * sizeof *om), *b = malloc(d * sizeof *b);
    pl_status st = (g && om && b) ? PL_ENOCONV : PL_ENOMEM;
    size_t it = 0;
    double change = INFINITY;
    for (; st == PL_ENOCONV && it < o.maxit; it++) {
        /* omega = X w - s g_prev */
        for (size_t mu = 0; mu < n; mu++) om[mu] = -s * g[mu];
        pl_status e = pl_gemv(PL_NOTRANS, isd, V, w, 1.0, om);
        if (e != PL_OK) { st = e; break; }
        double asum = 0;
        for (size_t mu = 0; mu < n; mu++) {
            double th = tanh(pl_rbm_prox(om[mu], s)), c = 1 - th * th;
            g[mu] = th;
            asum += c / (1 - s * c);
        }
        a = -asum / (double)d;
        /* b = X^T g + a w */
        for (size_t i = 0; i < d; i++) b[i] = a * w[i];
        e = pl_gemv(PL_TRANS, isd, V, g, 1.0, b);
        if (e != PL_OK) { st = e; break; }
        double den = alpha + a;
        if (!(den > 1) || !isfinite(den)) { st = PL_EDIVERGED; break; }
        double dw2 = 0, w2 = 0, dmp = o.damping;
        for (size_t i = 0; i < d; i++) {
            double wn = b[i] / den, dw = wn - w[i];
            dw2 += dw * dw;
            w[i] += dmp * dw;
            w2 += w[i] * w[i];
        }
        s += dmp * (1 / den - s);
        change = sqrt(dw2 / w2);
        if (!isfinite(change)) st = PL_ENAN;
        else if (change < o.tol) st = PL_OK;
    }
    if (info) *info = (pl_rbm_amp_info){.iterations = it, .s = s, .a = a, .change = change};
    free(g);
    free(om);
    free(b);
    return st;
}
