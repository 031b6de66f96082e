/* Family 5 theory: the finite-d (q, m, Sigma) fixed point averaged over K GOE draws, the
 * n -> infinity limit, the effective-rank exponent, predicted and fitted exponents. */
#include "phaselab/quadscale.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/smallmat.h"

/* ------------------------------------------------------------------ spectra */

pl_status pl_qs_powerlaw(size_t d, double gamma, double kappa_star, double *w)
{
    if (d == 0 || !(kappa_star > 0) || !isfinite(gamma) || !isfinite(kappa_star)) return PL_EINVAL;
    size_t K = (size_t)llround(kappa_star * (double)d);
    if (K > d) K = d;
    if (K == 0) K = 1;
    double s = 0;
    for (size_t k = 0; k < d; k++) {
        w[k] = k < K ? pow((double)(k + 1), -gamma) : 0;
        s += w[k] * w[k];
    }
    double c = sqrt((double)d / s);
    for (size_t k = 0; k < d; k++) w[k] *= c;
    return PL_OK;
}

double pl_qs_tail_error(const double *w, size_t d, size_t p)
{
    double s = 0;
    for (size_t k = p; k < d; k++) s += w[k] * w[k];
    return s / (double)d;
}

/* ------------------------------------------------------------------ setting */

const char *pl_qs_setting_check(const pl_qs_setting *s, char *buf, size_t len)
{
    if (s->d < 2)
        snprintf(buf, len, "d = %zu: the dimension must be at least 2", s->d);
    else if (s->p < 1 || s->p > s->d)
        snprintf(buf, len, "p = %zu: the width must be in [1, d = %zu]", s->p, s->d);
    else if (!(s->n > 0) || !isfinite(s->n))
        snprintf(buf, len, "n = %g: the number of samples must be > 0", s->n);
    else if (!(s->delta >= 0) || !isfinite(s->delta))
        snprintf(buf, len, "delta = %g: the noise variance must be >= 0", s->delta);
    else if (!(s->lambda_t > 0) || !isfinite(s->lambda_t))
        snprintf(buf, len, "lambda_t = %g: the regularisation must be > 0", s->lambda_t);
    else if (s->draws < 1)
        snprintf(buf, len, "draws = %zu: at least one GOE draw is needed", s->draws);
    else
        return NULL;
    return buf;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

pl_status pl_qs_theory_init(pl_qs_theory *th, const pl_qs_setting *s, const double *w)
{
    char buf[160];
    memset(th, 0, sizeof *th);
    if (pl_qs_setting_check(s, buf, sizeof buf)) return PL_EINVAL;
    size_t d = s->d, K = s->draws;
    th->s = *s;
    th->w = malloc(d * sizeof(double));
    th->Z = calloc(K, sizeof(pl_mat));
    th->A = pl_mat_alloc(d, d);
    th->V = pl_mat_alloc(d, d);
    th->ev = malloc(d * sizeof(double));
    th->dg = malloc(2 * d * sizeof(double));
    th->od = malloc(2 * d * sizeof(double));
    th->tau = malloc(d * sizeof(double));
    th->c = malloc(d * sizeof(double));
    if (!th->w || !th->Z || !th->A.data || !th->V.data || !th->ev || !th->dg || !th->od ||
        !th->tau || !th->c) {
        pl_qs_theory_free(th);
        return PL_ENOMEM;
    }
    memcpy(th->w, w, d * sizeof(double));
    qsort(th->w, d, sizeof(double), cmp_desc);
    double q0 = 0;
    for (size_t k = 0; k < d; k++) q0 += th->w[k] * th->w[k];
    th->Q0 = q0 / (double)d;
    pl_rng r;
    pl_rng_init(&r, s->seed, 0x5c41e);
    for (size_t k = 0; k < K; k++) {
        th->Z[k] = pl_mat_alloc(d, d);
        if (!th->Z[k].data) {
            pl_qs_theory_free(th);
            return PL_ENOMEM;
        }
        pl_rng sub = pl_rng_substream(&r, k);
        /* Z = (A + A^T)/sqrt(2d): off-diagonal variance 1/d, diagonal 2/d */
        pl_rng_goe(&sub, th->Z[k], 1 / sqrt((double)d));
    }
    return PL_OK;
}

void pl_qs_theory_free(pl_qs_theory *th)
{
    if (th->Z)
        for (size_t k = 0; k < th->s.draws; k++) pl_mat_free(&th->Z[k]);
    free(th->Z);
    free(th->w);
    pl_mat_free(&th->A);
    pl_mat_free(&th->V);
    free(th->ev);
    free(th->dg);
    free(th->od);
    free(th->tau);
    free(th->c);
    memset(th, 0, sizeof *th);
}

void pl_qs_theory_update(pl_qs_theory *th, const pl_qs_setting *s)
{
    th->s.p = s->p;
    th->s.n = s->n;
    th->s.delta = s->delta;
    th->s.lambda_t = s->lambda_t;
}

/* ------------------------------------------------------------------ the denoiser */

/* All eigenvalues of the symmetric A (ascending in ev; A destroyed) and the eigenvectors of the
 * top k = min(kmax, #positive) ones, column-major in V.data (column j <-> ev[d - k + j]): one
 * tridiagonal reduction (dsytrd), dsterf for the eigenvalues, MRRR (dstemr) for the k
 * vectors, dormtr back: 4/3 d^3 + O(d^2 k) flops instead of a full decomposition. */
static pl_status eig_top(pl_qs_theory *th, size_t kmax, size_t *kout)
{
    size_t d = th->s.d;
    lapack_int n = (lapack_int)d, lda = (lapack_int)th->A.stride;
    /* the row-major upper triangle is the column-major lower one */
    lapack_int info = LAPACKE_dsytrd(LAPACK_COL_MAJOR, 'L', n, th->A.data, lda, th->dg,
                                     th->od, th->tau);
    if (info != 0) return PL_ELAPACK;
    memcpy(th->ev, th->dg, d * sizeof(double));
    memcpy(th->c, th->od, (d - 1) * sizeof(double));
    info = LAPACKE_dsterf(n, th->ev, th->c);
    if (info != 0) return PL_ELAPACK;
    size_t npos = 0;
    for (size_t i = 0; i < d; i++) npos += th->ev[i] > 0;
    size_t k = npos < kmax ? npos : kmax;
    *kout = k;
    if (k == 0) return PL_OK;
    double *dd = th->dg + d, *ee = th->od + d, *wk = th->c;
    memcpy(dd, th->dg, d * sizeof(double));
    memcpy(ee, th->od, (d - 1) * sizeof(double));
    ee[d - 1] = 0;
    lapack_int m = 0, *isuppz = malloc(2 * k * sizeof(lapack_int));
    lapack_logical tryrac = 1;
    if (!isuppz) return PL_ENOMEM;
    info = LAPACKE_dstemr(LAPACK_COL_MAJOR, 'V', 'I', n, dd, ee, 0, 0, n - (lapack_int)k + 1, n,
                          &m, wk, th->V.data, n, (lapack_int)k, isuppz, &tryrac);
    free(isuppz);
    if (info != 0 || (size_t)m != k) return PL_ELAPACK;
    info = LAPACKE_dormtr(LAPACK_COL_MAJOR, 'L', 'L', 'N', n, (lapack_int)k, th->A.data, lda,
                          th->tau, th->V.data, n);
    return info == 0 ? PL_OK : PL_ELAPACK;
}

pl_status pl_qs_map(pl_qs_theory *th, const double *x, double *Tx, pl_qs_state *extra)
{
    const pl_qs_setting *s = &th->s;
    size_t d = s->d, K = s->draws;
    double alpha = s->n / ((double)d * (double)d);
    double q = x[0], m = x[1], sig = x[2];
    double D = sig + 0.25;
    if (!(D > 0) || !isfinite(q + m + sig)) return PL_ENAN;
    double E = th->Q0 - 2 * m + q;
    double qh = 2 * alpha * (E + s->delta / 2) / (D * D), mh = 2 * alpha / D;
    if (qh < 0) qh = 0;
    double sq = sqrt(qh), lt2 = 2 * s->lambda_t;
    double aq = 0, am = 0, as = 0, atr = 0, arank = 0;
    for (size_t kd = 0; kd < K; kd++) {
        pl_mat Z = th->Z[kd], A = th->A;
        for (size_t i = 0; i < d; i++) {
            for (size_t j = 0; j < d; j++) PL_AT(A, i, j) = sq * PL_AT(Z, i, j);
            PL_AT(A, i, i) += mh * th->w[i] - lt2;
        }
        size_t kmax = s->p < d ? s->p : d, k;
        pl_status st = eig_top(th, kmax, &k); /* kept (top) eigenvalues: d-k .. d-1 */
        if (st != PL_OK) return st;
        const double *nu = th->ev;
        size_t npos = 0;
        for (size_t i = 0; i < d; i++) npos += nu[i] > 0;
        double qq = 0, mm = 0, tr = 0, S1 = 0, S2 = 0;
        for (size_t j = 0; j < k; j++) {
            size_t i = d - k + j;
            double f = nu[i] / mh;
            qq += f * f;
            tr += f;
            const double *v = th->V.data + j * d;
            double ov = 0;
            for (size_t a = 0; a < d; a++) ov += th->w[a] * v[a] * v[a];
            mm += f * ov;
        }
        /* divergence: sum over ordered pairs i != j of (f_i - f_j)/(nu_i - nu_j) */
        for (size_t a = d - k; a < d; a++) {
            double fa = nu[a] / mh;
            for (size_t b = a + 1; b < d; b++) {
                double gap = nu[b] - nu[a], fb = nu[b] / mh;
                S1 += gap > 1e-14 * fabs(nu[b]) ? (fb - fa) / gap : 1 / mh;
            }
            for (size_t b = 0; b < d - k; b++) S2 += fa / (nu[a] - nu[b]);
        }
        double divg = 2 * S1 + 2 * S2; /* both orders of each unordered pair */
        aq += qq / (double)d;
        am += mm / (double)d;
        /* the authors' convention: the diagonal term counts every nu > 0, including those
         * the rank cap discarded (spec 05 T1) */
        as += (2.0 * (double)npos / mh + divg) / ((double)d * (double)d);
        atr += tr / (double)d;
        arank += (double)k / (double)d;
    }
    Tx[0] = aq / (double)K;
    Tx[1] = am / (double)K;
    Tx[2] = as / (double)K;
    if (!isfinite(Tx[0] + Tx[1] + Tx[2])) return PL_ENAN;
    if (extra) {
        extra->q = q;
        extra->m = m;
        extra->sigma = sig;
        extra->err = E;
        extra->qh = qh;
        extra->mh = mh;
        extra->xi = qh / (mh * mh);
        extra->tau = lt2 / mh;
        extra->reg = s->lambda_t * atr / (double)K;
        extra->train = qh / 16 + extra->reg;
        extra->rank = arank / (double)K;
    }
    return PL_OK;
}

/* ------------------------------------------------------------------ solver */

pl_qs_opts pl_qs_default_opts(void)
{
    pl_qs_opts o = {0.7, 1e-8, 300, 1};
    return o;
}

static double resid_of(const double *x, const double *Tx)
{
    double r = 0, nx = 1;
    for (int i = 0; i < 3; i++) {
        r = fmax(r, fabs(Tx[i] - x[i]));
        nx = fmax(nx, fabs(Tx[i]));
    }
    return r / nx;
}

/* The count of positive eigenvalues in the Sigma update is an integer: the map jumps by
 * 2/(d^2 mh) in Sigma whenever an eigenvalue crosses 0, so at small alpha (small mh) there is
 * a fixed point only up to that resolution. The solver accepts a residual below
 * max(tol, J / max(1, |x|)) with J that jump, and says so in the state (at_floor). */
static double jump_floor(const pl_qs_theory *th, const double *x)
{
    double d = (double)th->s.d, alpha = th->s.n / (d * d);
    double mh = 2 * alpha / (x[2] + 0.25);
    double nx = fmax(1, fmax(fabs(x[0]), fmax(fabs(x[1]), fabs(x[2]))));
    return (2 / (d * d * mh)) / nx;
}

pl_status pl_qs_solve(pl_qs_theory *th, const double *x0, const pl_qs_opts *opts,
                      pl_qs_state *st)
{
    pl_qs_opts o = opts ? *opts : pl_qs_default_opts();
    if (!(o.damping > 0 && o.damping <= 1) || !(o.tol > 0) || o.maxit == 0) return PL_EINVAL;
    double x[3] = {0.775, 0.666, 2.91};
    if (x0) memcpy(x, x0, sizeof x);
    double Tx[3], r = INFINITY;
    pl_status s = pl_qs_map(th, x, Tx, NULL);
    size_t it = 0;
    int newton = o.newton, good = 0;
    double damp = o.damping, rprev = INFINITY;
    while (s == PL_OK && it < o.maxit) {
        r = resid_of(x, Tx);
        if (r < o.tol) break;
        it++;
        int moved = 0;
        if (newton) {
            /* Newton on R(x) = T(x) - x with a forward-difference Jacobian */
            double J[3][3], R[3] = {Tx[0] - x[0], Tx[1] - x[1], Tx[2] - x[2]}, dx[3];
            for (int j = 0; j < 3 && s == PL_OK; j++) {
                double xp[3] = {x[0], x[1], x[2]}, Tp[3], h = 1e-6 * fmax(1e-3, fabs(x[j]));
                xp[j] += h;
                s = pl_qs_map(th, xp, Tp, NULL);
                for (int i = 0; i < 3; i++) J[i][j] = ((Tp[i] - xp[i]) - R[i]) / h;
            }
            if (s != PL_OK) break;
            if (pl_small_solve(3, &J[0][0], R, dx)) {
                /* backtrack on the residual norm, staying where D = Sigma + 1/4 > 0, q >= 0 */
                for (double t = 1; t > 1.0 / 64; t *= 0.5) {
                    double xn[3] = {x[0] - t * dx[0], x[1] - t * dx[1], x[2] - t * dx[2]}, Tn[3];
                    if (!(xn[2] + 0.25 > 0) || !(xn[0] >= 0)) continue;
                    if (pl_qs_map(th, xn, Tn, NULL) != PL_OK) continue;
                    if (resid_of(xn, Tn) < r) {
                        memcpy(x, xn, sizeof x);
                        memcpy(Tx, Tn, sizeof Tx);
                        moved = 1;
                        break;
                    }
                }
            }
            /* Newton stalled (a jump of the map, or far from the solution): damped iteration
             * from here on */
            if (!moved) newton = 0;
        }
        if (!moved) {
            /* damped Picard step; the damping halves when the residual grows (a period-2
             * oscillation) and recovers slowly after steady progress */
            if (r > rprev) {
                damp = fmax(0.01, 0.5 * damp);
                good = 0;
            } else if (++good >= 5 && damp < o.damping) {
                damp = fmin(o.damping, 1.25 * damp);
                good = 0;
            }
            rprev = r;
            for (int i = 0; i < 3; i++) x[i] = (1 - damp) * x[i] + damp * Tx[i];
            s = pl_qs_map(th, x, Tx, NULL);
            if (s == PL_OK && resid_of(x, Tx) < jump_floor(th, x)) {
                it++;
                break;
            }
        }
    }
    memset(st, 0, sizeof *st);
    if (s == PL_OK) {
        r = resid_of(x, Tx);
        s = pl_qs_map(th, x, Tx, st);
    }
    st->iterations = it;
    st->residual = r;
    if (s == PL_OK && !(r < o.tol)) {
        if (r < jump_floor(th, x)) st->at_floor = 1;
        else s = PL_ENOCONV;
    }
    st->status = s;
    return s;
}

/* ------------------------------------------------------------------ scaling laws */

double pl_qs_rho_eff(double a, double l, double gamma)
{
    return fmin(1.0, (a - l - 1.5) / gamma);
}

pl_status pl_qs_exponents(double gamma, double *width_exp, double *data_exp)
{
    if (!(gamma > 0.5) || !isfinite(gamma)) return PL_EINVAL;
    *width_exp = 1 - 2 * gamma;
    *data_exp = 1 / (2 * gamma) - 1;
    return PL_OK;
}

pl_status pl_qs_fit_exponent(const double *x, const double *y, size_t n, double *slope,
                             double *se, double *intercept)
{
    if (n < 3) return PL_EINVAL;
    double sx = 0, sy = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > 0) || !(y[i] > 0)) return PL_EINVAL;
        sx += log(x[i]);
        sy += log(y[i]);
    }
    double mx = sx / (double)n, my = sy / (double)n, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double u = log(x[i]) - mx, v = log(y[i]) - my;
        sxx += u * u;
        sxy += u * v;
    }
    if (!(sxx > 0)) return PL_EINVAL;
    double b = sxy / sxx, a = my - b * mx, rss = 0;
    for (size_t i = 0; i < n; i++) {
        double e = log(y[i]) - a - b * log(x[i]);
        rss += e * e;
    }
    *slope = b;
    if (se) *se = sqrt(rss / (double)(n - 2) / sxx);
    if (intercept) *intercept = a;
    return PL_OK;
}
