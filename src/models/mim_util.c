/* Multi-index family: small dense algebra, vector Gauss-Kronrod, special functions
 * (exponentially scaled Bessel K0/K1, a(u) = u K1/K0, bivariate normal orthant). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/mim_internal.h"

/* ---------------------------------------------------------------- p x p algebra */

int pl_mim_chol(size_t p, const double *A, double *L)
{
    for (size_t i = 0; i < p * p; i++) L[i] = 0;
    for (size_t j = 0; j < p; j++) {
        double s = A[j * p + j];
        for (size_t k = 0; k < j; k++) s -= L[j * p + k] * L[j * p + k];
        if (!(s > 0)) return 0;
        double ljj = sqrt(s);
        L[j * p + j] = ljj;
        for (size_t i = j + 1; i < p; i++) {
            double t = A[i * p + j];
            for (size_t k = 0; k < j; k++) t -= L[i * p + k] * L[j * p + k];
            L[i * p + j] = t / ljj;
        }
    }
    return 1;
}

int pl_mim_spd_inv(size_t p, const double *A, double *Ainv, double *logdet)
{
    double L[PL_MIM_PMAX * PL_MIM_PMAX], Li[PL_MIM_PMAX * PL_MIM_PMAX];
    if (!pl_mim_chol(p, A, L)) return 0;
    double ld = 0;
    for (size_t i = 0; i < p; i++) ld += 2 * log(L[i * p + i]);
    if (logdet) *logdet = ld;
    /* Li = L^{-1} (lower) by forward substitution */
    for (size_t i = 0; i < p * p; i++) Li[i] = 0;
    for (size_t c = 0; c < p; c++) {
        for (size_t i = c; i < p; i++) {
            double s = (i == c) ? 1.0 : 0.0;
            for (size_t k = c; k < i; k++) s -= L[i * p + k] * Li[k * p + c];
            Li[i * p + c] = s / L[i * p + i];
        }
    }
    /* A^{-1} = Li^T Li */
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = 0;
            for (size_t k = i; k < p; k++) s += Li[k * p + i] * Li[k * p + j];
            Ainv[i * p + j] = Ainv[j * p + i] = s;
        }
    return 1;
}

pl_status pl_mim_symeig(size_t p, const double *A, double *w, double *U)
{
    memcpy(U, A, p * p * sizeof *U);
    pl_mat M = pl_mat_view(U, p, p, p);
    return pl_syev(M, w);
}

void pl_mim_mm(size_t p, const double *A, const double *B, double *C)
{
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
            double s = 0;
            for (size_t k = 0; k < p; k++) s += A[i * p + k] * B[k * p + j];
            C[i * p + j] = s;
        }
}

/* ---------------------------------------------------------------- normal helpers */

double pl_mim_phi(double x) { return exp(-0.5 * x * x) / sqrt(2 * M_PI); }
double pl_mim_Phi(double x) { return 0.5 * erfc(-x / M_SQRT2); }

/* ---------------------------------------------------------------- vector Gauss-Kronrod */

static const double vk_x[8] = {
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.0};
static const double vk_wk[8] = {
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
static const double vk_wg[4] = {
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

#define VQ_MAXM 64

typedef struct {
    double a, b;
    double I[VQ_MAXM], E[VQ_MAXM];
} vq_panel;

static int vq_eval(pl_mim_vfn f, void *ctx, size_t m, vq_panel *P)
{
    double c = 0.5 * (P->a + P->b), h = 0.5 * (P->b - P->a);
    double fk[VQ_MAXM], fg[VQ_MAXM], v1[VQ_MAXM], v2[VQ_MAXM];
    for (size_t k = 0; k < m; k++) fk[k] = fg[k] = 0;
    f(c, v1, ctx);
    for (size_t k = 0; k < m; k++) {
        if (!isfinite(v1[k])) return 0;
        fk[k] = vk_wk[7] * v1[k];
        fg[k] = vk_wg[3] * v1[k];
    }
    for (int j = 0; j < 7; j++) {
        double dx = h * vk_x[j];
        f(c - dx, v1, ctx);
        f(c + dx, v2, ctx);
        for (size_t k = 0; k < m; k++) {
            if (!isfinite(v1[k]) || !isfinite(v2[k])) return 0;
            fk[k] += vk_wk[j] * (v1[k] + v2[k]);
            if (j % 2 == 1) fg[k] += vk_wg[j / 2] * (v1[k] + v2[k]);
        }
    }
    for (size_t k = 0; k < m; k++) {
        P->I[k] = h * fk[k];
        P->E[k] = fabs(h * (fk[k] - fg[k]));
    }
    return 1;
}

pl_status pl_mim_vquad(pl_mim_vfn f, void *ctx, double a, double b, size_t m, size_t npanels,
                       double tol, size_t maxint, double *result)
{
    if (m == 0 || m > VQ_MAXM || npanels == 0 || !(b > a)) {
        if (m <= VQ_MAXM && b == a) {
            for (size_t k = 0; k < m; k++) result[k] = 0;
            return PL_OK;
        }
        return PL_EINVAL;
    }
    if (maxint < npanels) maxint = npanels;
    vq_panel *P = malloc(maxint * sizeof *P);
    if (!P) return PL_ENOMEM;
    size_t np = npanels;
    pl_status st = PL_OK;
    for (size_t i = 0; i < np; i++) {
        P[i].a = a + (b - a) * (double)i / (double)np;
        P[i].b = (i + 1 == np) ? b : a + (b - a) * (double)(i + 1) / (double)np;
        if (!vq_eval(f, ctx, m, &P[i])) {
            free(P);
            return PL_ENAN;
        }
    }
    for (;;) {
        double I[VQ_MAXM] = {0}, E[VQ_MAXM] = {0};
        for (size_t i = 0; i < np; i++)
            for (size_t k = 0; k < m; k++) {
                I[k] += P[i].I[k];
                E[k] += P[i].E[k];
            }
        int ok = 1;
        for (size_t k = 0; k < m && ok; k++)
            if (E[k] > tol * (fabs(I[0]) + fabs(I[k])) + 1e-300) ok = 0;
        if (ok) {
            memcpy(result, I, m * sizeof *I);
            break;
        }
        if (np >= maxint) {
            memcpy(result, I, m * sizeof *I);
            st = PL_ENOCONV;
            break;
        }
        /* bisect the panel with the largest weighted error */
        size_t worst = 0;
        double we = -1;
        for (size_t i = 0; i < np; i++) {
            double e = 0;
            for (size_t k = 0; k < m; k++) e += P[i].E[k] / (fabs(I[0]) + fabs(I[k]) + 1e-300);
            if (e > we) {
                we = e;
                worst = i;
            }
        }
        double mid = 0.5 * (P[worst].a + P[worst].b);
        if (!(mid > P[worst].a && mid < P[worst].b)) {
            memcpy(result, I, m * sizeof *I);
            st = PL_ENOCONV;
            break;
        }
        P[np].a = mid;
        P[np].b = P[worst].b;
        P[worst].b = mid;
        if (!vq_eval(f, ctx, m, &P[worst]) || !vq_eval(f, ctx, m, &P[np])) {
            st = PL_ENAN;
            break;
        }
        np++;
    }
    free(P);
    return st;
}

/* ---------------------------------------------------------------- Bessel K0, K1 */

/* Small x: the ascending series (Abramowitz & Stegun 9.6.11, 9.6.13)
 *   K0(x) = -(ln(x/2) + gamma) I0(x) + sum_{k>=1} H_k q^k/(k!)^2,          q = x^2/4
 *   K1(x) = 1/x + ln(x/2) I1(x) - (x/4) sum_{k>=0} (psi(k+1) + psi(k+2)) q^k/(k!(k+1)!)
 * Larger x: e^x K_nu(x) = int_0^inf exp(-x (cosh t - 1)) cosh(nu t) dt by the trapezoid rule,
 * which converges exponentially for this entire, double-exponentially decaying integrand. */
static void bessel_k01_series(double x, double *k0, double *k1)
{
    const double gam = 0.57721566490153286061;
    double q = 0.25 * x * x, lx = log(0.5 * x);
    double t0 = 1.0, t1 = 1.0; /* q^k/(k!)^2 and q^k/(k!(k+1)!) */
    double i0 = 0, i1s = 0, s0 = 0, s1 = 0, H = 0;
    for (int k = 0; k < 60; k++) {
        if (k > 0) {
            t0 *= q / ((double)k * (double)k);
            t1 *= q / ((double)k * (double)(k + 1));
            H += 1.0 / k;
        }
        i0 += t0;
        i1s += t1;
        s0 += H * t0;
        /* psi(k+1) + psi(k+2) = -2 gamma + 2 H_k + 1/(k+1) */
        s1 += (-2 * gam + 2 * H + 1.0 / (k + 1)) * t1;
        if (t0 < 1e-18 * i0 && t1 < 1e-18 * i1s) break;
    }
    double I1 = 0.5 * x * i1s;
    *k0 = -(lx + gam) * i0 + s0;
    *k1 = 1.0 / x + lx * I1 - 0.25 * x * s1;
}

static void bessel_k01e_integral(double x, double *k0e, double *k1e)
{
    /* the integrand exp(-x (cosh t - 1)) drops below 1e-19 where x (cosh t - 1) > 44 */
    double tmax = acosh(1.0 + 44.0 / x);
    double h = fmin(0.25, 0.6 / sqrt(x));
    double s0 = 0.5, s1 = 0.5;
    for (int k = 1;; k++) {
        double t = k * h;
        if (t > tmax) break;
        double c = cosh(t), e = exp(-x * (c - 1.0));
        s0 += e;
        s1 += e * c;
    }
    *k0e = h * s0;
    *k1e = h * s1;
}

static void bessel_k01e(double x, double *k0e, double *k1e)
{
    if (x <= 1.0) {
        double k0, k1;
        bessel_k01_series(x, &k0, &k1);
        double ex = exp(x);
        *k0e = k0 * ex;
        *k1e = k1 * ex;
    } else {
        bessel_k01e_integral(x, k0e, k1e);
    }
}

double pl_bessel_k0e(double x)
{
    if (!(x > 0)) return x == 0 ? INFINITY : NAN;
    double a, b;
    bessel_k01e(x, &a, &b);
    return a;
}

double pl_bessel_k1e(double x)
{
    if (!(x > 0)) return x == 0 ? INFINITY : NAN;
    double a, b;
    bessel_k01e(x, &a, &b);
    return b;
}

double pl_mim_a(double u)
{
    u = fabs(u);
    if (u == 0) return 0;
    if (u < 1e-300) return 1.0 / (-log(0.5 * u) - 0.57721566490153286061);
    double a, b;
    bessel_k01e(u, &a, &b);
    return u * b / a;
}

/* ---------------------------------------------------------------- bivariate normal */

/* 20-point Gauss-Legendre on [-1, 1]: positive nodes and weights */
static const double gl20[10][2] = {
    {0.076526521133497338, 0.15275338713072578}, {0.2277858511416451, 0.14917298647260366},
    {0.37370608871541955, 0.14209610931838187}, {0.51086700195082713, 0.13168863844917653},
    {0.63605368072651502, 0.11819453196151825}, {0.7463319064601508, 0.10193011981724026},
    {0.83911697182221878, 0.083276741576704671}, {0.91223442825132584, 0.062672048334109443},
    {0.96397192727791381, 0.040601429800386217}, {0.99312859918509488, 0.017614007139153273}};

/* P(X > dh, Y > dk) for a standard bivariate normal with correlation r: the method of
 * Drezner & Wesolowsky as refined by Genz (2004), with the 20-point rule throughout. */
double pl_bvn_upper(double dh, double dk, double r)
{
    if (dh == INFINITY || dk == INFINITY) return 0;
    if (dh == -INFINITY) return dk == -INFINITY ? 1.0 : pl_mim_Phi(-dk);
    if (dk == -INFINITY) return pl_mim_Phi(-dh);
    if (r == 0) return pl_mim_Phi(-dh) * pl_mim_Phi(-dk);
    const double tp = 2 * M_PI;
    double h = dh, k = dk, hk = h * k, bvn = 0;
    if (fabs(r) < 0.925) {
        double hs = 0.5 * (h * h + k * k), asr = 0.5 * asin(r);
        for (int i = 0; i < 10; i++)
            for (int s = -1; s <= 1; s += 2) {
                double sn = sin(asr * (1.0 + s * gl20[i][0]));
                bvn += gl20[i][1] * exp((sn * hk - hs) / (1 - sn * sn));
            }
        bvn = bvn * asr / tp + pl_mim_Phi(-h) * pl_mim_Phi(-k);
    } else {
        if (r < 0) {
            k = -k;
            hk = -hk;
        }
        if (fabs(r) < 1) {
            double as = (1 - r) * (1 + r), a = sqrt(as), bs = (h - k) * (h - k);
            double c = (4 - hk) / 8, d = (12 - hk) / 80;
            double asr = -0.5 * (bs / as + hk);
            if (asr > -100)
                bvn = a * exp(asr) * (1 - c * (bs - as) * (1 - d * bs) / 3 + c * d * as * as);
            if (hk > -100) {
                double b = sqrt(bs), sp = sqrt(tp) * pl_mim_Phi(-b / a);
                bvn -= exp(-0.5 * hk) * sp * b * (1 - c * bs * (1 - d * bs) / 3);
            }
            a *= 0.5;
            double acc = 0;
            for (int i = 0; i < 10; i++)
                for (int s = -1; s <= 1; s += 2) {
                    double xs = a * (1.0 + s * gl20[i][0]);
                    xs *= xs;
                    double asr2 = -0.5 * (bs / xs + hk);
                    if (asr2 > -100) {
                        double sp = 1 + c * xs * (1 + 5 * d * xs), rs = sqrt(1 - xs);
                        double ep = exp(-0.5 * hk * xs / ((1 + rs) * (1 + rs))) / rs;
                        acc += gl20[i][1] * exp(asr2) * (sp - ep);
                    }
                }
            bvn = (a * acc - bvn) / tp;
        }
        if (r > 0) {
            bvn += pl_mim_Phi(-fmax(h, k));
        } else if (h >= k) {
            bvn = -bvn;
        } else {
            double L = h < 0 ? pl_mim_Phi(k) - pl_mim_Phi(h) : pl_mim_Phi(-h) - pl_mim_Phi(-k);
            bvn = L - bvn;
        }
    }
    return fmax(0.0, fmin(1.0, bvn));
}
