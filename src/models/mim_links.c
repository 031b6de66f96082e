/* Multi-index links: the built-in type tables and the scalar contract with label noise,
 * numeric fallbacks for user-defined links, label quadrature rules. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/mim_internal.h"
#include "phaselab/quad.h"

#define P2 (PL_MIM_PMAX * PL_MIM_PMAX)
#define VQ_M_MAX_LOCAL 64
static const double LOG_2PI = 1.8378770664093454836;

/* ---------------------------------------------------------------- moments <-> g_out */

void pl_mim_moments_from_gout(size_t p, const double *w, const double *V, const double *g,
                              const double *dg, double *mean, double *cov)
{
    double T[P2];
    for (size_t i = 0; i < p; i++) {
        double s = w[i];
        for (size_t k = 0; k < p; k++) s += V[i * p + k] * g[k];
        mean[i] = s;
    }
    pl_small_mm(p, V, dg, T);
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
            double s = V[i * p + j];
            for (size_t k = 0; k < p; k++) s += T[i * p + k] * V[k * p + j];
            cov[i * p + j] = s;
        }
}

/* g = Vi (mean - w), dg = Vi (cov - V) Vi */
static void gout_from_moments(size_t p, const double *w, const double *V, const double *Vi,
                              const double *mean, const double *cov, double *g, double *dg)
{
    if (g)
        for (size_t i = 0; i < p; i++) {
            double s = 0;
            for (size_t k = 0; k < p; k++) s += Vi[i * p + k] * (mean[k] - w[k]);
            g[i] = s;
        }
    if (dg) {
        double D[P2] = {0}, T[P2];
        for (size_t i = 0; i < p * p; i++) D[i] = cov[i] - V[i];
        pl_small_mm(p, Vi, D, T);
        pl_small_mm(p, T, Vi, dg);
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < i; j++) dg[i * p + j] = dg[j * p + i] = 0.5 * (dg[i * p + j] + dg[j * p + i]);
    }
}

/* ---------------------------------------------------------------- z1 z2 */

static double z1z2_sample(const pl_mim_link *l, const double *z, pl_rng *rng)
{
    (void)l;
    (void)rng;
    return z[0] * z[1];
}

/* Posterior on the hyperbola z1 z2 = y, parametrised by z = s a (e^u, sgn(y) e^{-u}),
 * a = sqrt|y|, s = +-1, where the delta measure delta(z1 z2 - y) dz becomes du. The
 * trapezoid rule in u converges exponentially; the step resolves the Gaussian's width
 * sigma_min / |dz/du| = sigma_min / |z|. */
static pl_status z1z2_gout(const pl_mim_link *l, double y, const double *w, const double *V,
                           double *logZ, double *g, double *dg)
{
    (void)l;
    double Vi[4], ld;
    if (!pl_small_spd_inv(2, V, Vi, &ld)) return PL_EINVAL;
    double tr = V[0] + V[3], det = V[0] * V[3] - V[1] * V[2];
    double disc = sqrt(fmax(0.0, 0.25 * tr * tr - det));
    double smax = sqrt(0.5 * tr + disc), smin = sqrt(fmax(det / (0.5 * tr + disc), 1e-300));
    double a = sqrt(fmax(fabs(y), 1e-200)), sy = y < 0 ? -1.0 : 1.0;
    double wn = sqrt(w[0] * w[0] + w[1] * w[1]);
    double R = wn + 8.5 * smax;
    /* pass 1 (only when the hyperbola may miss the bulk of N(w, V)): locate the peak on a
     * coarse grid over a wide range */
    double zpk = 0;
    if (2 * a > R || smax > 4 * smin) {
        double U0 = fmax(log(fmax(R, 2 * a) / a), 0.0) + 0.5 * log(smax / smin) + 2.0;
        double h0 = fmin(0.05, U0 / 400.0), fmax_ = -INFINITY;
        for (int s = -1; s <= 1; s += 2) {
            for (double u = -U0; u <= U0; u += h0) {
                double e = exp(u), z0 = s * a * e - w[0], z1 = s * sy * a / e - w[1];
                double f = -0.5 * (Vi[0] * z0 * z0 + 2 * Vi[1] * z0 * z1 + Vi[3] * z1 * z1);
                if (f > fmax_) {
                    fmax_ = f;
                    zpk = a * sqrt(e * e + 1 / (e * e));
                }
            }
        }
    }
    double Rb = fmax(R, 1.3 * zpk);
    double U = fmax(log(Rb / a), 0.0) + 1.0 + 0.5 * log(smax / smin);
    double h = fmin(0.05, 0.6 * smin / Rb);
    size_t N = (size_t)ceil(U / h);
    if (N > 400000) N = 400000, h = U / (double)N;
    /* pass 2: the sums with a running maximum (rescaled when it grows) */
    double fm = -INFINITY;
    double S0 = 0, S1[2] = {0, 0}, S2[3] = {0, 0, 0};
    double eh = exp(h);
    for (int s = -1; s <= 1; s += 2) {
        double e = exp(-(double)N * h);
        for (long k = -(long)N; k <= (long)N; k++, e *= eh) {
            if ((k & 63) == 0) e = exp(k * h); /* limit the drift of the running product */
            double x0 = s * a * e, x1 = s * sy * a / e;
            double z0 = x0 - w[0], z1 = x1 - w[1];
            double f = -0.5 * (Vi[0] * z0 * z0 + 2 * Vi[1] * z0 * z1 + Vi[3] * z1 * z1);
            if (f > fm) {
                double r = exp(fm - f);
                S0 *= r;
                S1[0] *= r;
                S1[1] *= r;
                S2[0] *= r;
                S2[1] *= r;
                S2[2] *= r;
                fm = f;
            }
            double q = exp(f - fm);
            S0 += q;
            S1[0] += q * x0;
            S1[1] += q * x1;
            S2[0] += q * x0 * x0;
            S2[1] += q * x0 * x1;
            S2[2] += q * x1 * x1;
        }
    }
    if (!(S0 > 0)) return PL_ENAN;
    if (logZ) *logZ = fm + log(h * S0) - LOG_2PI - 0.5 * ld;
    double mean[2] = {S1[0] / S0, S1[1] / S0};
    double cov[4] = {S2[0] / S0 - mean[0] * mean[0], S2[1] / S0 - mean[0] * mean[1], 0,
                     S2[2] / S0 - mean[1] * mean[1]};
    cov[2] = cov[1];
    gout_from_moments(2, w, V, Vi, mean, cov, g, dg);
    return PL_OK;
}

static pl_status z1z2_G(const pl_mim_link *l, double y, double *G)
{
    (void)l;
    double a = pl_mim_a(y);
    G[0] = G[3] = a - 1;
    G[1] = G[2] = y;
    return PL_OK;
}

/* density of z1 z2: K0(|y|)/pi */
static double z1z2_logm(const pl_mim_link *l, double y)
{
    (void)l;
    double u = fabs(y);
    if (u == 0) return INFINITY;
    return log(pl_bessel_k0e(u)) - u - log(M_PI);
}

/* ---------------------------------------------------------------- sign(z1 z2) */

static double sign_sample(const pl_mim_link *l, const double *z, pl_rng *rng)
{
    (void)l;
    (void)rng;
    return z[0] * z[1] >= 0 ? 1.0 : -1.0;
}

/* Z_+ = P(z1 z2 > 0) for z ~ N(w, V) as two orthant probabilities; its gradient and Hessian
 * in w are elementary (derivatives of bivariate normal orthants). Z_- = 1 - Z_+, computed as
 * the sum of the two other orthants to keep relative accuracy. */
static pl_status sign_gout(const pl_mim_link *l, double y, const double *w, const double *V,
                           double *logZ, double *g, double *dg)
{
    (void)l;
    double V11 = V[0], V12 = V[1], V22 = V[3];
    double det = V11 * V22 - V12 * V12;
    if (!(V11 > 0 && V22 > 0 && det > 0)) return PL_EINVAL;
    double s1 = sqrt(V11), s2 = sqrt(V22), r = V12 / (s1 * s2);
    double h = w[0] / s1, k = w[1] / s2;
    double Zp = pl_bvn_upper(-h, -k, r) + pl_bvn_upper(h, k, r);
    double Zm = pl_bvn_upper(-h, k, -r) + pl_bvn_upper(h, -k, -r);
    double ys = y >= 0 ? 1.0 : -1.0;
    double Z = ys > 0 ? Zp : Zm;
    if (!(Z > 0)) Z = 1e-300;
    if (logZ) *logZ = log(Z);
    double c2 = sqrt(det / V11), c1 = sqrt(det / V22); /* conditional sds of z2|z1, z1|z2 */
    double t1 = (w[1] - V12 / V11 * w[0]) / c2, t2 = (w[0] - V12 / V22 * w[1]) / c1;
    double ph = pl_norm_pdf(h) / s1, pk = pl_norm_pdf(k) / s2;
    double e1 = erf(t1 / M_SQRT2), e2 = erf(t2 / M_SQRT2);
    double d1 = ph * e1, d2 = pk * e2; /* grad Z_+ */
    double n0 = ph * pl_norm_pdf(t1) / c2; /* N(w; 0, V) */
    double h11 = -(w[0] / V11) * d1 - ph * 2 * pl_norm_pdf(t1) * V12 / (V11 * c2);
    double h22 = -(w[1] / V22) * d2 - pk * 2 * pl_norm_pdf(t2) * V12 / (V22 * c1);
    double h12 = 2 * n0;
    double gg[2] = {ys * d1 / Z, ys * d2 / Z};
    if (g) {
        g[0] = gg[0];
        g[1] = gg[1];
    }
    if (dg) {
        dg[0] = ys * h11 / Z - gg[0] * gg[0];
        dg[1] = dg[2] = ys * h12 / Z - gg[0] * gg[1];
        dg[3] = ys * h22 / Z - gg[1] * gg[1];
    }
    return PL_OK;
}

static pl_status sign_G(const pl_mim_link *l, double y, double *G)
{
    (void)l;
    G[0] = G[3] = 0;
    G[1] = G[2] = 2 * (y >= 0 ? 1.0 : -1.0) / M_PI;
    return PL_OK;
}

static double sign_logm(const pl_mim_link *l, double y)
{
    (void)l;
    (void)y;
    return -M_LN2;
}

static const double sign_values[2] = {-1.0, 1.0};

/* ---------------------------------------------------------------- p = 1: two-point posteriors */

/* posterior on {+r, -r} with weights N(+-r; w, V); jac = log of the delta-measure Jacobian */
static pl_status twopoint_gout(double r, double logjac, const double *w, const double *V,
                               double *logZ, double *g, double *dg)
{
    double v = V[0];
    if (!(v > 0)) return PL_EINVAL;
    double x = r * w[0] / v, ax = fabs(x);
    if (logZ)
        *logZ = -(r * r + w[0] * w[0]) / (2 * v) + ax + log1p(exp(-2 * ax)) -
                0.5 * log(2 * M_PI * v) + logjac;
    double mean = r * tanh(x), var = r * r - mean * mean;
    if (var < 0) var = 0;
    if (g) g[0] = (mean - w[0]) / v;
    if (dg) dg[0] = (var - v) / (v * v);
    return PL_OK;
}

static double pr_sample(const pl_mim_link *l, const double *z, pl_rng *rng)
{
    (void)l;
    (void)rng;
    return z[0] * z[0];
}

static pl_status pr_gout(const pl_mim_link *l, double y, const double *w, const double *V,
                         double *logZ, double *g, double *dg)
{
    (void)l;
    double yy = fmax(y, 1e-300), r = sqrt(yy);
    if (y < 0) {
        if (logZ) *logZ = -INFINITY;
        return PL_EINVAL;
    }
    return twopoint_gout(r, -log(2 * r), w, V, logZ, g, dg);
}

static pl_status pr_G(const pl_mim_link *l, double y, double *G)
{
    (void)l;
    G[0] = y - 1;
    return PL_OK;
}

static double pr_logm(const pl_mim_link *l, double y)
{
    (void)l;
    if (y <= 0) return y == 0 ? INFINITY : -INFINITY;
    return -0.5 * y - 0.5 * log(2 * M_PI * y);
}

static double abs_sample(const pl_mim_link *l, const double *z, pl_rng *rng)
{
    (void)l;
    (void)rng;
    return fabs(z[0]);
}

static pl_status abs_gout(const pl_mim_link *l, double y, const double *w, const double *V,
                          double *logZ, double *g, double *dg)
{
    (void)l;
    if (y < 0) {
        if (logZ) *logZ = -INFINITY;
        return PL_EINVAL;
    }
    return twopoint_gout(y, 0.0, w, V, logZ, g, dg);
}

static pl_status abs_G(const pl_mim_link *l, double y, double *G)
{
    (void)l;
    G[0] = y * y - 1;
    return PL_OK;
}

static double abs_logm(const pl_mim_link *l, double y)
{
    (void)l;
    if (y < 0) return -INFINITY;
    return M_LN2 - 0.5 * y * y - 0.5 * log(2 * M_PI);
}

/* ---------------------------------------------------------------- ||z||^2 / p */

static double norm2_sample(const pl_mim_link *l, const double *z, pl_rng *rng)
{
    (void)rng;
    double s = 0;
    for (size_t k = 0; k < l->p; k++) s += z[k] * z[k];
    return s / (double)l->p;
}

typedef struct {
    double kappa;
    size_t p;
} n2_ctx;

/* exp(kappa (cos t - 1)) sin^{p-2} t [1, cos t, cos^2 t] */
static void n2_integrand(double t, double *out, void *c)
{
    const n2_ctx *q = c;
    double ct = cos(t), st = sin(t);
    double e = exp(q->kappa * (ct - 1.0));
    for (size_t k = 2; k < q->p; k++) e *= st;
    out[0] = e;
    out[1] = e * ct;
    out[2] = e * ct * ct;
}

/* p = 1: y = z^2. p >= 2: the covariance is replaced by its isotropic part v I, v = Tr V / p
 * (exact on the O(p)-symmetric manifold of the state evolution, see docs); then z = r s with
 * r = sqrt(p y) and s on the sphere with density prop. to exp(kappa w_hat . s),
 * kappa = r |w| / v: a one-dimensional integral in the polar angle. */
static pl_status norm2_gout(const pl_mim_link *l, double y, const double *w, const double *V,
                            double *logZ, double *g, double *dg)
{
    size_t p = l->p;
    if (y < 0) {
        if (logZ) *logZ = -INFINITY;
        return PL_EINVAL;
    }
    if (p == 1) return pr_gout(l, y, w, V, logZ, g, dg);
    double v = 0, wn2 = 0;
    for (size_t k = 0; k < p; k++) {
        v += V[k * p + k];
        wn2 += w[k] * w[k];
    }
    v /= (double)p;
    if (!(v > 0)) return PL_EINVAL;
    double r = sqrt(fmax((double)p * y, 1e-300)), wn = sqrt(wn2), kappa = r * wn / v;
    n2_ctx c = {kappa, p};
    double J[3];
    /* panels: the peak at t = 0 has width ~ 1/sqrt(kappa) */
    size_t panels = 4 + (size_t)fmin(60.0, sqrt(kappa) / 2);
    pl_status st = pl_integrate_vec(n2_integrand, &c, 0.0, M_PI, 3, panels, 1e-12, 2000, J);
    if (st != PL_OK && st != PL_ENOCONV) return st;
    if (!(J[0] > 0)) return PL_ENAN;
    if (logZ) {
        /* area of the unit sphere S^{p-2} in R^{p-1} */
        double lS = M_LN2 + 0.5 * (double)(p - 1) * log(M_PI) - lgamma(0.5 * (double)(p - 1));
        *logZ = log(0.5 * (double)p) + (double)(p - 2) * log(r) - 0.5 * (double)p * log(2 * M_PI * v) -
                (r * r + wn2) / (2 * v) + kappa + lS + log(J[0]);
    }
    double Ec = J[1] / J[0], Ec2 = J[2] / J[0];
    if (kappa < 1e-12 || wn == 0) {
        Ec = 0;
        Ec2 = 1.0 / (double)p;
    }
    double u[PL_MIM_PMAX];
    for (size_t k = 0; k < p; k++) u[k] = wn > 0 ? w[k] / wn : 0.0;
    double perp = (1 - Ec2) / (double)(p - 1);
    double mEc = r * Ec;
    for (size_t i = 0; i < p; i++) {
        if (g) g[i] = (mEc * u[i] - w[i]) / v;
        if (dg)
            for (size_t j = 0; j < p; j++) {
                double E2 = r * r * (Ec2 * u[i] * u[j] + perp * ((i == j) - u[i] * u[j]));
                double cov = E2 - mEc * mEc * u[i] * u[j];
                dg[i * p + j] = (cov - (i == j) * v) / (v * v);
            }
    }
    return PL_OK;
}

static pl_status norm2_G(const pl_mim_link *l, double y, double *G)
{
    size_t p = l->p;
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) G[i * p + j] = (i == j) ? y - 1 : 0;
    return PL_OK;
}

/* y = chi2_p / p */
static double norm2_logm(const pl_mim_link *l, double y)
{
    double p = (double)l->p;
    if (y <= 0) return y == 0 && p == 1 ? INFINITY : (y == 0 && p == 2 ? log(1.0) : -INFINITY);
    double s = p * y;
    return log(p) + (0.5 * p - 1) * log(s) - 0.5 * s - 0.5 * p * M_LN2 - lgamma(0.5 * p);
}

static const char *norm2_check(const pl_mim_link *l, char *buf, size_t len)
{
    if (l->p < 1 || l->p > PL_MIM_PMAX) {
        snprintf(buf, len, "link 'norm2' needs 1 <= p <= %d", PL_MIM_PMAX);
        return buf;
    }
    return NULL;
}

/* ---------------------------------------------------------------- z1 / z2 */

static double ratio_sample(const pl_mim_link *l, const double *z, pl_rng *rng)
{
    (void)l;
    (void)rng;
    return z[0] / z[1];
}

/* E[(m + Z)^k sgn(m + Z)], Z ~ N(0,1), k = 1, 2, 3 */
static void folded_moments(double m, double *E1, double *E2, double *E3)
{
    double er = erf(m / M_SQRT2), ph = pl_norm_pdf(m);
    *E1 = m * er + 2 * ph;
    *E2 = (m * m + 1) * er + 2 * m * ph;
    *E3 = (m * m * m + 3 * m) * er + 2 * (m * m + 2) * ph;
}

/* The level set z1/z2 = y is the line z = t v, v = (y, 1)/sqrt(1 + y^2), where
 * delta(z1/z2 - y) dz = |t| dt / (1 + y^2): Gaussian moments of |t| in closed form. */
static pl_status ratio_gout(const pl_mim_link *l, double y, const double *w, const double *V,
                            double *logZ, double *g, double *dg)
{
    (void)l;
    double Vi[4], ld;
    if (!pl_small_spd_inv(2, V, Vi, &ld)) return PL_EINVAL;
    double nv = hypot(y, 1.0), v[2] = {y / nv, 1 / nv};
    double Viv[2] = {Vi[0] * v[0] + Vi[1] * v[1], Vi[2] * v[0] + Vi[3] * v[1]};
    double a = v[0] * Viv[0] + v[1] * Viv[1];
    double b = w[0] * Viv[0] + w[1] * Viv[1];
    double c = w[0] * (Vi[0] * w[0] + Vi[1] * w[1]) + w[1] * (Vi[2] * w[0] + Vi[3] * w[1]);
    double s = 1 / sqrt(a), mu = b / a, m = mu / s;
    double E1, E2, E3;
    folded_moments(m, &E1, &E2, &E3);
    if (logZ)
        *logZ = -2 * log(nv) - 0.5 * LOG_2PI - 0.5 * ld - 0.5 * (c - b * b / a) +
                2 * log(s) + log(E1);
    double Et = s * E2 / E1, Et2 = s * s * E3 / E1, var = fmax(Et2 - Et * Et, 0.0);
    double mean[2] = {v[0] * Et, v[1] * Et};
    double cov[4] = {v[0] * v[0] * var, v[0] * v[1] * var, v[0] * v[1] * var, v[1] * v[1] * var};
    gout_from_moments(2, w, V, Vi, mean, cov, g, dg);
    return PL_OK;
}

static pl_status ratio_G(const pl_mim_link *l, double y, double *G)
{
    (void)l;
    double nv = hypot(y, 1.0), v0 = y / nv, v1 = 1 / nv;
    G[0] = 2 * v0 * v0 - 1;
    G[1] = G[2] = 2 * v0 * v1;
    G[3] = 2 * v1 * v1 - 1;
    return PL_OK;
}

static double ratio_logm(const pl_mim_link *l, double y)
{
    (void)l;
    return -log(M_PI) - 2 * log(hypot(y, 1.0));
}

/* ---------------------------------------------------------------- null: y independent of z */

static double null_sample(const pl_mim_link *l, const double *z, pl_rng *rng)
{
    (void)l;
    (void)z;
    return pl_rng_normal(rng);
}

static double null_lik(const pl_mim_link *l, double y, const double *z)
{
    (void)l;
    (void)z;
    return pl_norm_pdf(y);
}

static pl_status null_gout(const pl_mim_link *l, double y, const double *w, const double *V,
                           double *logZ, double *g, double *dg)
{
    (void)w;
    (void)V;
    size_t p = l->p;
    if (logZ) *logZ = -0.5 * y * y - 0.5 * LOG_2PI;
    for (size_t i = 0; i < p; i++) {
        if (g) g[i] = 0;
        if (dg)
            for (size_t j = 0; j < p; j++) dg[i * p + j] = 0;
    }
    return PL_OK;
}

static pl_status null_G(const pl_mim_link *l, double y, double *G)
{
    (void)y;
    for (size_t i = 0; i < l->p * l->p; i++) G[i] = 0;
    return PL_OK;
}

static double null_logm(const pl_mim_link *l, double y)
{
    (void)l;
    return -0.5 * y * y - 0.5 * LOG_2PI;
}

/* ---------------------------------------------------------------- type tables */

const pl_mim_link_type pl_mim_link_z1z2 = {
    .name = "z1z2", .kind = PL_MIM_CONTINUOUS, .p_fixed = 2, .sample = z1z2_sample,
    .gout = z1z2_gout, .G = z1z2_G, .log_marginal = z1z2_logm, .support_lo = -INFINITY,
    .edge_at = 0, .edge = PL_MIM_EDGE_LOG, .symmetric = 1, .s_lo = -40, .s_hi = 4.5};
const pl_mim_link_type pl_mim_link_sign_z1z2 = {
    .name = "sign-z1z2", .kind = PL_MIM_DISCRETE, .p_fixed = 2, .sample = sign_sample,
    .gout = sign_gout, .G = sign_G, .log_marginal = sign_logm, .nvalues = 2,
    .values = sign_values, .support_lo = -INFINITY};
const pl_mim_link_type pl_mim_link_norm2 = {
    .name = "norm2", .kind = PL_MIM_CONTINUOUS, .p_fixed = 0, .sample = norm2_sample,
    .gout = norm2_gout, .G = norm2_G, .log_marginal = norm2_logm, .support_lo = 0,
    .edge_at = 0, .edge = PL_MIM_EDGE_SQRT, .s_lo = -80, .s_hi = 6, .check = norm2_check};
const pl_mim_link_type pl_mim_link_ratio = {
    .name = "ratio", .kind = PL_MIM_CONTINUOUS, .p_fixed = 2, .sample = ratio_sample,
    .gout = ratio_gout, .G = ratio_G, .log_marginal = ratio_logm, .support_lo = -INFINITY,
    .edge_at = 0, .edge = PL_MIM_EDGE_NONE, .symmetric = 1, .s_lo = -40, .s_hi = 40};
const pl_mim_link_type pl_mim_link_pr = {
    .name = "pr", .kind = PL_MIM_CONTINUOUS, .p_fixed = 1, .sample = pr_sample,
    .gout = pr_gout, .G = pr_G, .log_marginal = pr_logm, .support_lo = 0, .edge_at = 0,
    .edge = PL_MIM_EDGE_SQRT, .s_lo = -80, .s_hi = 6};
const pl_mim_link_type pl_mim_link_abs = {
    .name = "abs", .kind = PL_MIM_CONTINUOUS, .p_fixed = 1, .sample = abs_sample,
    .gout = abs_gout, .G = abs_G, .log_marginal = abs_logm, .support_lo = 0, .edge_at = 0,
    .edge = PL_MIM_EDGE_NONE, .s_lo = -40, .s_hi = 2.8};
const pl_mim_link_type pl_mim_link_null = {
    .name = "null", .kind = PL_MIM_CONTINUOUS, .p_fixed = 0, .sample = null_sample,
    .likelihood = null_lik, .gout = null_gout, .G = null_G, .log_marginal = null_logm,
    .support_lo = -INFINITY, .edge_at = 0, .edge = PL_MIM_EDGE_NONE, .symmetric = 1,
    .s_lo = -40, .s_hi = 2.8};

const pl_mim_link_type *const pl_mim_link_types[PL_MIM_NLINKS + 1] = {
    &pl_mim_link_z1z2, &pl_mim_link_sign_z1z2, &pl_mim_link_norm2, &pl_mim_link_ratio,
    &pl_mim_link_pr, &pl_mim_link_abs, &pl_mim_link_null, NULL};

const pl_mim_link_type *pl_mim_link_find(const char *name)
{
    for (size_t i = 0; i < PL_MIM_NLINKS; i++)
        if (strcmp(pl_mim_link_types[i]->name, name) == 0) return pl_mim_link_types[i];
    return NULL;
}

const char *pl_mim_link_init(pl_mim_link *l, const pl_mim_link_type *t, size_t p, double noise,
                             const void *ctx, char *buf, size_t len)
{
    if (!t) {
        snprintf(buf, len, "unknown link");
        return buf;
    }
    if (p == 0) p = t->p_fixed ? t->p_fixed : 2;
    if (t->p_fixed && p != t->p_fixed) {
        snprintf(buf, len, "link '%s' has p = %zu (got p = %zu)", t->name, t->p_fixed, p);
        return buf;
    }
    if (p > PL_MIM_PMAX) {
        snprintf(buf, len, "p = %zu exceeds the largest supported p = %d", p, PL_MIM_PMAX);
        return buf;
    }
    if (!(noise >= 0) || !isfinite(noise)) {
        snprintf(buf, len, "label noise variance must be >= 0");
        return buf;
    }
    if (!t->sample) {
        snprintf(buf, len, "link '%s' has no sampler", t->name);
        return buf;
    }
    if (!t->gout && !t->likelihood) {
        snprintf(buf, len, "link '%s' needs g_out or a likelihood", t->name);
        return buf;
    }
    if (!t->gout && p > 4) {
        snprintf(buf, len, "numeric g_out (no gout in the table) needs p <= 4");
        return buf;
    }
    l->type = t;
    l->p = p;
    l->noise = noise;
    l->ctx = ctx;
    if (t->check) return t->check(l, buf, len);
    return NULL;
}

/* ---------------------------------------------------------------- numeric g_out */

/* Gauss-Hermite tensor rule over z = w + L xi (V = L L^T) of the likelihood. */
static pl_status numeric_gout(const pl_mim_link *l, double y, const double *w, const double *V,
                              double *logZ, double *g, double *dg)
{
    size_t p = l->p;
    static const size_t npts[5] = {0, 120, 64, 24, 12};
    if (p > 4 || !l->type->likelihood) return PL_EUNSUPPORTED;
    size_t n = npts[p];
    double x[120], wt[120], L[P2], Vi[P2];
    pl_status st = pl_gauss_hermite(n, x, wt);
    if (st != PL_OK) return st;
    if (!pl_small_chol(p, V, L) || !pl_small_spd_inv(p, V, Vi, NULL)) return PL_EINVAL;
    size_t idx[4] = {0, 0, 0, 0}, total = 1;
    for (size_t k = 0; k < p; k++) total *= n;
    double S0 = 0, S1[4] = {0}, S2[16] = {0};
    for (size_t c = 0; c < total; c++) {
        double xi[4], z[4], wk = 1;
        for (size_t k = 0; k < p; k++) {
            xi[k] = x[idx[k]];
            wk *= wt[idx[k]];
        }
        for (size_t i = 0; i < p; i++) {
            double s = w[i];
            for (size_t k = 0; k <= i; k++) s += L[i * p + k] * xi[k];
            z[i] = s;
        }
        double q = wk * l->type->likelihood(l, y, z);
        if (!isfinite(q)) return PL_ENAN;
        S0 += q;
        for (size_t i = 0; i < p; i++) {
            S1[i] += q * z[i];
            for (size_t j = 0; j < p; j++) S2[i * p + j] += q * z[i] * z[j];
        }
        for (size_t k = 0; k < p; k++) {
            if (++idx[k] < n) break;
            idx[k] = 0;
        }
    }
    if (!(S0 > 0)) return PL_ENAN;
    if (logZ) *logZ = log(S0);
    double mean[4], cov[16];
    for (size_t i = 0; i < p; i++) mean[i] = S1[i] / S0;
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) cov[i * p + j] = S2[i * p + j] / S0 - mean[i] * mean[j];
    gout_from_moments(p, w, V, Vi, mean, cov, g, dg);
    return PL_OK;
}

static pl_status gout0(const pl_mim_link *l, double y, const double *w, const double *V,
                       double *logZ, double *g, double *dg)
{
    if (l->type->gout) return l->type->gout(l, y, w, V, logZ, g, dg);
    return numeric_gout(l, y, w, V, logZ, g, dg);
}

/* ---------------------------------------------------------------- label noise */

/* Integrand over the noise-free label y0 (possibly substituted y0 = y0(t)):
 * N(y - y0; Delta) Z0(y0; w, V) [1, mean, second moments] * dy0/dt, scaled by exp(-shift). */
typedef struct {
    const pl_mim_link *l;
    double y, delta, shift;
    const double *w, *V;
    int sub;            /* 0: plain, 1: y0 = e0 + s t^k, k = kpow */
    double e0, sgn;
    int kpow;
    int use_closed;     /* w = 0, V = I: closed-form Z0 and G0 */
    pl_status st;
} conv_ctx;

static size_t conv_m(size_t p) { return 1 + p + p * (p + 1) / 2; }

static void conv_integrand(double t, double *out, void *c)
{
    conv_ctx *q = c;
    const pl_mim_link *l = q->l;
    size_t p = l->p, m = conv_m(p);
    double y0 = t, jac = 1;
    if (q->sub) {
        y0 = q->e0 + q->sgn * pow(t, q->kpow);
        jac = q->kpow * pow(t, q->kpow - 1);
    }
    for (size_t k = 0; k < m; k++) out[k] = 0;
    if (jac == 0) return;
    double lz, mean[PL_MIM_PMAX], cov[P2];
    if (q->use_closed) {
        double G[P2];
        lz = l->type->log_marginal(l, y0);
        if (!isfinite(lz) || l->type->G(l, y0, G) != PL_OK) return;
        for (size_t i = 0; i < p; i++) mean[i] = 0;
        for (size_t i = 0; i < p * p; i++) cov[i] = G[i] + (i % (p + 1) == 0);
    } else {
        double g[PL_MIM_PMAX], dg[P2];
        pl_status st = gout0(l, y0, q->w, q->V, &lz, g, dg);
        if (st != PL_OK) {
            q->st = st;
            return;
        }
        if (!isfinite(lz)) return;
        pl_mim_moments_from_gout(p, q->w, q->V, g, dg, mean, cov);
    }
    double e = exp(lz - 0.5 * (q->y - y0) * (q->y - y0) / q->delta - q->shift) * jac;
    out[0] = e;
    for (size_t i = 0; i < p; i++) out[1 + i] = e * mean[i];
    size_t o = 1 + p;
    for (size_t i = 0; i < p; i++)
        for (size_t j = i; j < p; j++) out[o++] = e * (cov[i * p + j] + mean[i] * mean[j]);
}

/* y0 pieces: [a, b] split at the singular point with substitutions near it */
static pl_status conv_integrate(conv_ctx *c, double a, double b, double *acc)
{
    const pl_mim_link_type *t = c->l->type;
    size_t m = conv_m(c->l->p);
    double e = t->edge_at;
    double cuts[3] = {a, b, b};
    size_t npieces = 1;
    if (t->edge != PL_MIM_EDGE_NONE && e > a && e < b) {
        cuts[1] = e;
        cuts[2] = b;
        npieces = 2;
    }
    for (size_t k = 0; k < m; k++) acc[k] = 0;
    for (size_t piece = 0; piece < npieces; piece++) {
        double lo = cuts[piece], hi = cuts[piece + 1], res[VQ_M_MAX_LOCAL];
        pl_status st;
        int at_lo = t->edge != PL_MIM_EDGE_NONE && lo == e;
        int at_hi = t->edge != PL_MIM_EDGE_NONE && hi == e;
        c->kpow = t->edge == PL_MIM_EDGE_SQRT ? 2 : 3;
        if (at_lo || at_hi) {
            c->sub = 1;
            c->e0 = e;
            c->sgn = at_lo ? 1.0 : -1.0;
            double T = pow(at_lo ? hi - e : e - lo, 1.0 / c->kpow);
            st = pl_integrate_vec(conv_integrand, c, 0.0, T, m, 8, 1e-11, 400, res);
        } else {
            c->sub = 0;
            st = pl_integrate_vec(conv_integrand, c, lo, hi, m, 8, 1e-11, 400, res);
        }
        if (st != PL_OK && st != PL_ENOCONV) return st;
        if (c->st != PL_OK) return c->st;
        for (size_t k = 0; k < m; k++) acc[k] += res[k];
    }
    return PL_OK;
}

static pl_status noisy_gout(const pl_mim_link *l, double y, const double *w, const double *V,
                            int closed, double *logZ, double *g, double *dg)
{
    size_t p = l->p, m = conv_m(p);
    double delta = l->noise, sd = sqrt(delta);
    double S[VQ_M_MAX_LOCAL] = {0};
    double lzs;
    if (l->type->kind == PL_MIM_DISCRETE) {
        /* finite sum over the label values, shifted by the largest log-weight */
        double lw[64];
        size_t nv = l->type->nvalues;
        double mx = -INFINITY;
        double means[64][PL_MIM_PMAX], covs[64][P2];
        for (size_t k = 0; k < nv; k++) {
            double v = l->type->values[k], lz, gg[PL_MIM_PMAX], dd[P2];
            if (closed) {
                lz = l->type->log_marginal(l, v);
                if (l->type->G(l, v, dd) != PL_OK) return PL_EINVAL;
                for (size_t i = 0; i < p; i++) means[k][i] = 0;
                for (size_t i = 0; i < p * p; i++) covs[k][i] = dd[i] + (i % (p + 1) == 0);
            } else {
                pl_status st = gout0(l, v, w, V, &lz, gg, dd);
                if (st != PL_OK) return st;
                pl_mim_moments_from_gout(p, w, V, gg, dd, means[k], covs[k]);
            }
            lw[k] = lz - 0.5 * (y - v) * (y - v) / delta;
            if (lw[k] > mx) mx = lw[k];
        }
        for (size_t k = 0; k < nv; k++) {
            double e = exp(lw[k] - mx);
            S[0] += e;
            for (size_t i = 0; i < p; i++) S[1 + i] += e * means[k][i];
            size_t o = 1 + p;
            for (size_t i = 0; i < p; i++)
                for (size_t j = i; j < p; j++)
                    S[o++] += e * (covs[k][i * p + j] + means[k][i] * means[k][j]);
        }
        lzs = mx;
    } else if (10 * sd < 1e-9 * fabs(y)) {
        /* the noise is below the resolution of y: the noise-free channel */
        if (!closed) return gout0(l, y, w, V, logZ, g, dg);
        double G[P2];
        if (logZ) *logZ = l->type->log_marginal(l, y);
        pl_status st = l->type->G(l, y, G);
        if (g)
            for (size_t i = 0; i < p; i++) g[i] = 0;
        if (dg) memcpy(dg, G, p * p * sizeof *dg);
        return st;
    } else {
        conv_ctx c = {.l = l, .y = y, .delta = delta, .w = w, .V = V, .use_closed = closed,
                      .st = PL_OK};
        double lo = l->type->support_lo;
        double a = fmax(lo, y - 10 * sd), b = fmax(y + 10 * sd, (isfinite(lo) ? lo : y) + 10 * sd);
        /* shift: the largest log-integrand over a probe grid */
        double mx = -INFINITY;
        c.shift = 0;
        for (int k = 0; k <= 40; k++) {
            double y0 = a + (b - a) * (k + 0.5) / 41.0, lz;
            if (closed) {
                lz = l->type->log_marginal(l, y0);
            } else {
                if (gout0(l, y0, w, V, &lz, NULL, NULL) != PL_OK) continue;
            }
            double f = lz - 0.5 * (y - y0) * (y - y0) / delta;
            if (isfinite(f) && f > mx) mx = f;
        }
        if (!isfinite(mx)) mx = 0;
        c.shift = mx;
        pl_status st = conv_integrate(&c, a, b, S);
        if (st != PL_OK) return st;
        lzs = mx;
    }
    (void)m;
    if (!(S[0] > 0)) return PL_ENAN;
    if (logZ) *logZ = lzs + log(S[0]) - 0.5 * log(2 * M_PI * delta);
    double mean[PL_MIM_PMAX], cov[P2], Vi[P2];
    for (size_t i = 0; i < p; i++) mean[i] = S[1 + i] / S[0];
    size_t o = 1 + p;
    for (size_t i = 0; i < p; i++)
        for (size_t j = i; j < p; j++) {
            double s2 = S[o++] / S[0];
            cov[i * p + j] = cov[j * p + i] = s2 - mean[i] * mean[j];
        }
    if (!pl_small_spd_inv(p, V, Vi, NULL)) return PL_EINVAL;
    gout_from_moments(p, w, V, Vi, mean, cov, g, dg);
    return PL_OK;
}

/* ---------------------------------------------------------------- public scalar contract */

double pl_mim_sample(const pl_mim_link *l, const double *z, pl_rng *rng)
{
    double y = l->type->sample(l, z, rng);
    if (l->noise > 0) y += sqrt(l->noise) * pl_rng_normal(rng);
    return y;
}

pl_status pl_mim_gout(const pl_mim_link *l, double y, const double *w, const double *V,
                      double *logZ, double *g, double *dg)
{
    if (!isfinite(y)) return PL_EINVAL;
    if (l->noise > 0) return noisy_gout(l, y, w, V, 0, logZ, g, dg);
    return gout0(l, y, w, V, logZ, g, dg);
}

pl_status pl_mim_G(const pl_mim_link *l, double y, double *G)
{
    size_t p = l->p;
    double w[PL_MIM_PMAX] = {0}, I[P2] = {0}, g[PL_MIM_PMAX];
    for (size_t i = 0; i < p; i++) I[i * p + i] = 1;
    pl_status st;
    if (l->noise == 0) {
        if (l->type->G) return l->type->G(l, y, G);
        st = gout0(l, y, w, I, NULL, g, G);
    } else {
        int closed = l->type->G && l->type->log_marginal;
        st = noisy_gout(l, y, w, I, closed, NULL, g, G);
    }
    if (st != PL_OK) return st;
    /* G = E[z z^T|y] - I = dg + g g^T at (0, I) */
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) G[i * p + j] += g[i] * g[j];
    return PL_OK;
}

double pl_mim_log_marginal(const pl_mim_link *l, double y)
{
    size_t p = l->p;
    double w[PL_MIM_PMAX] = {0}, I[P2] = {0}, lz = NAN;
    for (size_t i = 0; i < p; i++) I[i * p + i] = 1;
    if (l->noise == 0) {
        if (l->type->log_marginal) return l->type->log_marginal(l, y);
        if (gout0(l, y, w, I, &lz, NULL, NULL) != PL_OK) return NAN;
        return lz;
    }
    int closed = l->type->G && l->type->log_marginal;
    if (noisy_gout(l, y, w, I, closed, &lz, NULL, NULL) != PL_OK) return NAN;
    return lz;
}

/* ---------------------------------------------------------------- label rules */

void pl_mim_rule_free(pl_mim_rule *r)
{
    free(r->y);
    free(r->w);
    free(r->G);
    memset(r, 0, sizeof *r);
}

static pl_status rule_alloc(pl_mim_rule *r, size_t n, size_t p)
{
    r->n = n;
    r->y = malloc(n * sizeof *r->y);
    r->w = malloc(n * sizeof *r->w);
    r->G = malloc(n * p * p * sizeof *r->G);
    if (!r->y || !r->w || !r->G) {
        pl_mim_rule_free(r);
        return PL_ENOMEM;
    }
    return PL_OK;
}

static pl_status rule_fill_G(const pl_mim_link *l, pl_mim_rule *r)
{
    size_t p = l->p;
    for (size_t k = 0; k < r->n; k++) {
        pl_status st = pl_mim_G(l, r->y[k], r->G + k * p * p);
        if (st != PL_OK) return st;
    }
    return PL_OK;
}

pl_status pl_mim_rule_build(const pl_mim_link *l, size_t nmc, pl_rng *rng, pl_mim_rule *r)
{
    memset(r, 0, sizeof *r);
    const pl_mim_link_type *t = l->type;
    size_t p = l->p;
    pl_status st;
    int builtin_like = t->log_marginal && t->G;
    if (l->noise == 0 && t->kind == PL_MIM_DISCRETE && t->log_marginal) {
        if ((st = rule_alloc(r, t->nvalues, p)) != PL_OK) return st;
        for (size_t k = 0; k < t->nvalues; k++) {
            r->y[k] = t->values[k];
            r->w[k] = exp(t->log_marginal(l, t->values[k]));
        }
    } else if (l->noise == 0 && t->kind == PL_MIM_CONTINUOUS && t->log_marginal &&
               t->s_hi > t->s_lo) {
        /* trapezoid in s = log|y| (exponentially convergent for densities analytic in s) */
        const double h = 0.03;
        size_t ns = (size_t)floor((t->s_hi - t->s_lo) / h) + 1;
        int two = isinf(t->support_lo);
        if ((st = rule_alloc(r, ns * (two ? 2 : 1), p)) != PL_OK) return st;
        size_t n = 0;
        for (int sg = two ? -1 : 1; sg <= 1; sg += 2)
            for (size_t k = 0; k < ns; k++) {
                double s = t->s_lo + h * (double)k, y = sg * exp(s);
                r->y[n] = y;
                r->w[n] = h * exp(s + t->log_marginal(l, y));
                n++;
            }
    } else if (l->noise > 0 && builtin_like && (t->kind == PL_MIM_DISCRETE || t->s_hi > t->s_lo)) {
        /* smooth noisy density: trapezoid in s with y = c sinh(s), c = sqrt(noise) */
        double c = sqrt(l->noise), ymax, ymin;
        if (t->kind == PL_MIM_DISCRETE) {
            ymax = -INFINITY;
            ymin = INFINITY;
            for (size_t k = 0; k < t->nvalues; k++) {
                ymax = fmax(ymax, t->values[k]);
                ymin = fmin(ymin, t->values[k]);
            }
        } else {
            ymax = exp(t->s_hi);
            ymin = isinf(t->support_lo) ? -ymax : t->support_lo;
        }
        ymax += 10 * c;
        ymin -= 10 * c;
        const double h = 0.04;
        double s0 = asinh(ymin / c), s1 = asinh(ymax / c);
        size_t ns = (size_t)ceil((s1 - s0) / h) + 1;
        if ((st = rule_alloc(r, ns, p)) != PL_OK) return st;
        for (size_t k = 0; k < ns; k++) {
            double s = s0 + h * (double)k, y = c * sinh(s);
            r->y[k] = y;
            r->w[k] = h * c * cosh(s) * exp(pl_mim_log_marginal(l, y));
            if (!isfinite(r->w[k])) r->w[k] = 0;
        }
    } else {
        /* Monte Carlo */
        if (!rng) return PL_EINVAL;
        if (nmc == 0) nmc = 20000;
        if ((st = rule_alloc(r, nmc, p)) != PL_OK) return st;
        r->mc = 1;
        double z[PL_MIM_PMAX];
        for (size_t k = 0; k < nmc; k++) {
            for (size_t i = 0; i < p; i++) z[i] = pl_rng_normal(rng);
            r->y[k] = pl_mim_sample(l, z, rng);
            r->w[k] = 1.0 / (double)nmc;
        }
    }
    /* normalise (the weights sum to 1 up to the rule's accuracy) */
    double sw = 0;
    for (size_t k = 0; k < r->n; k++) sw += r->w[k];
    if (!(sw > 0)) {
        pl_mim_rule_free(r);
        return PL_ENAN;
    }
    for (size_t k = 0; k < r->n; k++) r->w[k] /= sw;
    st = rule_fill_G(l, r);
    if (st != PL_OK) pl_mim_rule_free(r);
    return st;
}

/* ---------------------------------------------------------------- data and overlaps */

pl_status pl_mim_data_sample(const pl_mim_link *l, size_t n, size_t d, pl_rng *rng,
                             pl_mim_data *D)
{
    memset(D, 0, sizeof *D);
    size_t p = l->p;
    D->n = n;
    D->d = d;
    D->p = p;
    D->X = pl_mat_alloc(n, d);
    D->W = pl_mat_alloc(d, p);
    D->y = malloc(n * sizeof *D->y);
    pl_mat Z = pl_mat_alloc(n, p);
    if (!D->X.data || !D->W.data || !D->y || !Z.data) {
        pl_mat_free(&Z);
        pl_mim_data_free(D);
        return PL_ENOMEM;
    }
    pl_rng rt = pl_rng_substream(rng, 1), rx = pl_rng_substream(rng, 2),
           ry = pl_rng_substream(rng, 3);
    pl_rng_normal_mat(&rt, D->W, 1.0);
    pl_rng_normal_mat(&rx, D->X, 1.0 / sqrt((double)d));
    pl_status st = pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, D->X, D->W, 0.0, Z);
    for (size_t i = 0; i < n && st == PL_OK; i++) {
        D->y[i] = pl_mim_sample(l, &PL_AT(Z, i, 0), &ry);
        if (!isfinite(D->y[i])) D->y[i] = copysign(DBL_MAX, D->y[i]); /* z2 = 0 in z1/z2 */
    }
    pl_mat_free(&Z);
    if (st != PL_OK) pl_mim_data_free(D);
    return st;
}

void pl_mim_data_free(pl_mim_data *D)
{
    pl_mat_free(&D->X);
    pl_mat_free(&D->W);
    free(D->y);
    D->y = NULL;
}

double pl_mim_overlap(pl_mat E, size_t K, pl_mat W)
{
    size_t d = W.rows, p = W.cols;
    if (K == 0 || E.cols != K * p || E.rows != d) return NAN;
    double num = 0, den = 0;
    for (size_t k = 0; k < K; k++) {
        double nrm = 0, m2 = 0;
        for (size_t j = 0; j < d; j++)
            for (size_t a = 0; a < p; a++) nrm += PL_AT(E, j, k * p + a) * PL_AT(E, j, k * p + a);
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++) {
                double s = 0;
                for (size_t j = 0; j < d; j++) s += PL_AT(E, j, k * p + a) * PL_AT(W, j, b);
                m2 += s * s;
            }
        if (!(nrm > 0)) continue;
        /* normalised to ||What_k||_F^2 = d: ||M_k||^2 = m2 / (nrm d), Tr Q_k = 1 */
        num += m2 / (nrm * (double)d);
        den += 1.0;
    }
    return den > 0 ? num / den : NAN;
}
