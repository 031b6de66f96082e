/* Root finding (bisection, Brent–Dekker, bracketing), damped fixed points and
 * pseudo-arclength continuation. */
#include "phaselab/roots.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/mat.h"

/* ---------------------------------------------------------------- scalar roots */

static int same_sign(double x, double y) { return (x > 0.0 && y > 0.0) || (x < 0.0 && y < 0.0); }

static double xtolerance(double xtol, double x) { return xtol + 4.0 * DBL_EPSILON * fabs(x); }

/* Shared start of bisection and Brent: validate the arguments, evaluate the ends, and finish
 * at once on an exact root at an end. PL_CONTINUE when [a, b] brackets a sign change. */
static pl_status bracket_start(pl_fn1 f, void *ctx, double a, double b, double xtol,
                               double *root, double *fa, double *fb)
{
    if (!f || !root || !isfinite(a) || !isfinite(b) || !(xtol >= 0.0)) return PL_EINVAL;
    *fa = f(a, ctx);
    *fb = f(b, ctx);
    if (isnan(*fa) || isnan(*fb)) return PL_ENAN;
    if (*fa == 0.0) {
        *root = a;
        return PL_OK;
    }
    if (*fb == 0.0) {
        *root = b;
        return PL_OK;
    }
    return same_sign(*fa, *fb) ? PL_EINVAL : PL_CONTINUE;
}

pl_status pl_bisect(pl_fn1 f, void *ctx, double a, double b, double xtol, size_t maxit,
                    double *root)
{
    double fa, fb;
    pl_status st0 = bracket_start(f, ctx, a, b, xtol, root, &fa, &fb);
    if (st0 != PL_CONTINUE) return st0;
    for (size_t it = 0; it < maxit; it++) {
        double m = 0.5 * (a + b);
        if (fabs(b - a) <= xtolerance(xtol, m) || m == a || m == b) {
            *root = m;
            return PL_OK;
        }
        double fm = f(m, ctx);
        if (isnan(fm)) return PL_ENAN;
        if (fm == 0.0) {
            *root = m;
            return PL_OK;
        }
        if (same_sign(fa, fm)) {
            a = m;
            fa = fm;
        } else {
            b = m;
        }
    }
    *root = 0.5 * (a + b);
    return PL_ENOCONV;
}

pl_status pl_brent(pl_fn1 f, void *ctx, double a, double b, double xtol, size_t maxit,
                   double *root)
{
    double fa, fb;
    pl_status st0 = bracket_start(f, ctx, a, b, xtol, root, &fa, &fb);
    if (st0 != PL_CONTINUE) return st0;
    /* b: best iterate, a: previous iterate, c: contrapoint with f(b) f(c) < 0. */
    double c = a, fc = fa, d = b - a, e = d;
    for (size_t it = 0; it < maxit; it++) {
        if (same_sign(fb, fc)) {
            c = a;
            fc = fa;
            d = e = b - a;
        }
        if (fabs(fc) < fabs(fb)) {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        double tol1 = 2.0 * DBL_EPSILON * fabs(b) + 0.5 * xtol;
        double xm = 0.5 * (c - b);
        if (fabs(xm) <= tol1 || fb == 0.0) {
            *root = b;
            return PL_OK;
        }
        if (fabs(e) >= tol1 && fabs(fa) > fabs(fb)) {
            /* inverse quadratic interpolation, or secant when only two points are distinct */
            double s = fb / fa, p, q;
            if (a == c) {
                p = 2.0 * xm * s;
                q = 1.0 - s;
            } else {
                double qq = fa / fc, r = fb / fc;
                p = s * (2.0 * xm * qq * (qq - r) - (b - a) * (r - 1.0));
                q = (qq - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if (p > 0.0) q = -q;
            p = fabs(p);
            if (2.0 * p < fmin(3.0 * xm * q - fabs(tol1 * q), fabs(e * q))) {
                e = d;
                d = p / q;
            } else {
                d = xm;
                e = d;
            }
        } else {
            d = xm;
            e = d;
        }
        a = b;
        fa = fb;
        b += fabs(d) > tol1 ? d : copysign(tol1, xm);
        fb = f(b, ctx);
        if (isnan(fb)) return PL_ENAN;
    }
    *root = b;
    return PL_ENOCONV;
}

pl_status pl_bracket(pl_fn1 f, void *ctx, double *a, double *b, size_t maxexpand)
{
    if (!f || !a || !b || !isfinite(*a) || !isfinite(*b) || *a == *b) return PL_EINVAL;
    const double factor = 1.6;
    double lo = fmin(*a, *b), hi = fmax(*a, *b);
    double flo = f(lo, ctx), fhi = f(hi, ctx);
    for (size_t j = 0;; j++) {
        if (isnan(flo) || isnan(fhi)) return PL_ENAN;
        if (!same_sign(flo, fhi)) {
            *a = lo;
            *b = hi;
            return PL_OK;
        }
        if (j == maxexpand) break;
        /* move the end whose value is closer to zero */
        if (fabs(flo) < fabs(fhi)) {
            lo += factor * (lo - hi);
            if (!isfinite(lo)) break;
            flo = f(lo, ctx);
        } else {
            hi += factor * (hi - lo);
            if (!isfinite(hi)) break;
            fhi = f(hi, ctx);
        }
    }
    *a = lo;
    *b = hi;
    return PL_ENOCONV;
}

/* ---------------------------------------------------------------- fixed points */

pl_fp_opts pl_fp_default_opts(void)
{
    pl_fp_opts o = {1.0, 1e-10, 1000, 1e6, NULL};
    return o;
}

pl_fp_result pl_fixed_point(pl_fp_map F, void *ctx, double *x, size_t n, const pl_fp_opts *opts)
{
    pl_fp_result res = {PL_EINVAL, 0, INFINITY};
    pl_fp_opts o = opts ? *opts : pl_fp_default_opts();
    if (!F || !x || n == 0 || !(o.damping > 0.0 && o.damping <= 1.0) || !(o.tol > 0.0) ||
        o.maxit == 0)
        return res;
    double *fx = malloc(n * sizeof(double));
    if (!fx) {
        res.status = PL_ENOMEM;
        return res;
    }
    double min_step = INFINITY;
    res.status = PL_ENOCONV;
    for (size_t it = 0; it < o.maxit; it++) {
        pl_status st = F(x, fx, n, ctx);
        res.iterations = it + 1;
        if (st != PL_OK) {
            res.status = st;
            break;
        }
        double step = 0.0, xnorm = 0.0;
        int finite = 1;
        for (size_t i = 0; i < n; i++) {
            double xn = (1.0 - o.damping) * x[i] + o.damping * fx[i];
            if (!isfinite(xn)) finite = 0;
            fx[i] = xn;
            step = fmax(step, fabs(xn - x[i]));
            xnorm = fmax(xnorm, fabs(xn));
        }
        if (!finite) {
            res.status = PL_ENAN; /* x keeps the last finite iterate */
            break;
        }
        memcpy(x, fx, n * sizeof(double));
        res.residual = step / fmax(1.0, xnorm);
        if (o.history) o.history[it] = res.residual;
        if (res.residual < o.tol) {
            res.status = PL_OK;
            break;
        }
        min_step = fmin(min_step, step);
        if (o.diverge_factor > 0.0 && step > 1.0 && step > o.diverge_factor * min_step) {
            res.status = PL_EDIVERGED;
            break;
        }
    }
    free(fx);
    return res;
}

/* ---------------------------------------------------------------- continuation */

pl_cont_opts pl_cont_default_opts(void)
{
    pl_cont_opts o = {0.05, 1e-8, 0.5, -INFINITY, INFINITY, 1000, 1e-10, +1};
    return o;
}

/* Workspace for the augmented system on y = (u, t) in R^{n+1}. */
typedef struct {
    pl_cont_fn H;
    void *ctx;
    size_t n;
    double *Hy;   /* H at the current iterate (n) */
    double *Hp;   /* H at a perturbed point (n) */
    double *ywork;/* perturbed point (n+1) */
    double *rhs;  /* right-hand side / solution (n+1) */
    pl_mat A;     /* (n+1) x (n+1) augmented Jacobian */
} cont_ws;

static pl_status cont_eval(cont_ws *w, const double *y, double *out)
{
    pl_status st = w->H(y, y[w->n], out, w->n, w->ctx);
    if (st != PL_OK) return st;
    for (size_t i = 0; i < w->n; i++)
        if (!isfinite(out[i])) return PL_ENAN;
    return PL_OK;
}

/* Rows 0..n-1 of A: forward-difference Jacobian of H at y (w->Hy must hold H(y)); last row:
 * tau^T. */
static pl_status cont_jacobian(cont_ws *w, const double *y, const double *tau)
{
    size_t n = w->n;
    memcpy(w->ywork, y, (n + 1) * sizeof(double));
    for (size_t j = 0; j <= n; j++) {
        double yj = y[j], h = sqrt(DBL_EPSILON) * fmax(1.0, fabs(yj));
        w->ywork[j] = yj + h;
        h = w->ywork[j] - yj; /* exactly representable step */
        pl_status st = cont_eval(w, w->ywork, w->Hp);
        w->ywork[j] = yj;
        if (st != PL_OK) return st;
        for (size_t i = 0; i < n; i++) PL_AT(w->A, i, j) = (w->Hp[i] - w->Hy[i]) / h;
    }
    for (size_t j = 0; j <= n; j++) PL_AT(w->A, n, j) = tau[j];
    return PL_OK;
}

static double vnorm_inf(size_t n, const double *v)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(v[i]));
    return m;
}

/* Newton on [H(y); tau.(y - yp)] = 0 starting at y = yp. maxdist > 0 rejects a corrector that
 * wanders farther than maxdist from yp (a jump to another branch). */
static pl_status cont_correct(cont_ws *w, const double *yp, const double *tau, double *y,
                              double tol, double maxdist, size_t *iters)
{
    size_t n = w->n;
    const size_t maxnewton = 12;
    pl_mat B = pl_mat_view(w->rhs, n + 1, 1, 1);
    memcpy(y, yp, (n + 1) * sizeof(double));
    for (size_t it = 0;; it++) {
        pl_status st = cont_eval(w, y, w->Hy);
        if (st != PL_OK) return st;
        if (vnorm_inf(n, w->Hy) <= tol) {
            *iters = it;
            return PL_OK;
        }
        if (it == maxnewton) return PL_ENOCONV;
        st = cont_jacobian(w, y, tau);
        if (st != PL_OK) return st;
        double c = 0.0;
        for (size_t j = 0; j <= n; j++) c += tau[j] * (y[j] - yp[j]);
        for (size_t i = 0; i < n; i++) w->rhs[i] = -w->Hy[i];
        w->rhs[n] = -c;
        st = pl_lu_solve(w->A, B);
        if (st != PL_OK) return st;
        double dist = 0.0;
        for (size_t j = 0; j <= n; j++) {
            y[j] += w->rhs[j];
            dist += (y[j] - yp[j]) * (y[j] - yp[j]);
        }
        if (!isfinite(dist)) return PL_ENAN;
        if (maxdist > 0.0 && sqrt(dist) > maxdist) return PL_ENOCONV;
    }
}

/* Unit tangent at y oriented along ref: solve [J; ref^T] v = e_{n+1}, normalise. */
static pl_status cont_tangent(cont_ws *w, const double *y, const double *ref, double *tau)
{
    size_t n = w->n;
    pl_status st = cont_eval(w, y, w->Hy);
    if (st == PL_OK) st = cont_jacobian(w, y, ref);
    if (st != PL_OK) return st;
    for (size_t i = 0; i < n; i++) w->rhs[i] = 0.0;
    w->rhs[n] = 1.0;
    st = pl_lu_solve(w->A, pl_mat_view(w->rhs, n + 1, 1, 1));
    if (st != PL_OK) return st;
    double nrm = pl_nrm2(n + 1, w->rhs);
    if (!(nrm > 0.0) || !isfinite(nrm)) return PL_ENAN;
    for (size_t j = 0; j <= n; j++) tau[j] = w->rhs[j] / nrm;
    return PL_OK;
}

pl_status pl_continuation(pl_cont_fn H, void *ctx, const double *u0, double t0, size_t n,
                          const pl_cont_opts *opts, pl_cont_out out, void *out_ctx)
{
    if (!H || !u0 || n == 0 || !opts) return PL_EINVAL;
    pl_cont_opts o = *opts;
    if (!(o.ds_min > 0.0 && o.ds_min <= o.ds && o.ds <= o.ds_max) || !(o.tmin < o.tmax) ||
        !(t0 >= o.tmin && t0 <= o.tmax) || !(o.newton_tol > 0.0) || o.maxsteps == 0 ||
        (o.direction != 1 && o.direction != -1))
        return PL_EINVAL;

    size_t m = n + 1;
    double *buf = malloc((2 * n + 7 * m) * sizeof(double));
    pl_mat A = pl_mat_alloc(m, m);
    if (!buf || !A.data) {
        free(buf);
        pl_mat_free(&A);
        return PL_ENOMEM;
    }
    cont_ws w = {H, ctx, n, buf, buf + n, buf + 2 * n, buf + 2 * n + m, A};
    double *y = buf + 2 * n + 2 * m, *ynew = y + m, *yp = ynew + m, *tau = yp + m,
           *taunew = tau + m;

    /* Correct the start at fixed t (constraint row e_t), then orient the tangent. */
    pl_status st;
    size_t iters = 0;
    memcpy(yp, u0, n * sizeof(double));
    yp[n] = t0;
    for (size_t j = 0; j < m; j++) tau[j] = j == n ? (double)o.direction : 0.0;
    st = cont_correct(&w, yp, tau, y, o.newton_tol, 0.0, &iters);
    if (st == PL_OK) st = cont_tangent(&w, y, tau, taunew);
    if (st != PL_OK) goto done;
    memcpy(tau, taunew, m * sizeof(double));
    if (out && out(y, y[n], out_ctx)) goto done;

    double ds = o.ds;
    for (size_t npts = 1; npts < o.maxsteps;) {
        for (size_t j = 0; j < m; j++) yp[j] = y[j] + ds * tau[j];
        st = cont_correct(&w, yp, tau, ynew, o.newton_tol, ds, &iters);
        if (st == PL_OK) st = cont_tangent(&w, ynew, tau, taunew);
        /* a sharp turn of the tangent means the step was too long to trust */
        if (st == PL_OK && pl_dot(m, tau, taunew) < 0.9 && ds > o.ds_min) st = PL_ENOCONV;
        if (st != PL_OK) {
            if (ds <= o.ds_min) {
                st = PL_ENOCONV;
                goto done;
            }
            ds = fmax(0.5 * ds, o.ds_min);
            continue;
        }
        if (ynew[n] < o.tmin || ynew[n] > o.tmax) break;
        memcpy(y, ynew, m * sizeof(double));
        memcpy(tau, taunew, m * sizeof(double));
        npts++;
        if (out && out(y, y[n], out_ctx)) break;
        if (iters <= 2)
            ds = fmin(1.5 * ds, o.ds_max);
        else if (iters >= 6)
            ds = fmax(0.5 * ds, o.ds_min);
    }
    st = PL_OK;
done:
    free(buf);
    pl_mat_free(&A);
    return st;
}
