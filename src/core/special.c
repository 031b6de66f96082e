/* Special functions: exponentially scaled Bessel K0/K1, the normal density and distribution
 * function, the bivariate normal orthant probability. */
#include <math.h>

#include "phaselab/special.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif

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

void pl_bessel_k01e(double x, double *k0e, double *k1e)
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
    pl_bessel_k01e(x, &a, &b);
    return a;
}

double pl_bessel_k1e(double x)
{
    if (!(x > 0)) return x == 0 ? INFINITY : NAN;
    double a, b;
    pl_bessel_k01e(x, &a, &b);
    return b;
}

/* ---------------------------------------------------------------- normal */

double pl_norm_pdf(double x) { return exp(-0.5 * x * x) / sqrt(2 * M_PI); }
double pl_norm_cdf(double x) { return 0.5 * erfc(-x / M_SQRT2); }

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
    if (dh == -INFINITY) return dk == -INFINITY ? 1.0 : pl_norm_cdf(-dk);
    if (dk == -INFINITY) return pl_norm_cdf(-dh);
    if (r == 0) return pl_norm_cdf(-dh) * pl_norm_cdf(-dk);
    const double tp = 2 * M_PI;
    double h = dh, k = dk, hk = h * k, bvn = 0;
    if (fabs(r) < 0.925) {
        double hs = 0.5 * (h * h + k * k), asr = 0.5 * asin(r);
        for (int i = 0; i < 10; i++)
            for (int s = -1; s <= 1; s += 2) {
                double sn = sin(asr * (1.0 + s * gl20[i][0]));
                bvn += gl20[i][1] * exp((sn * hk - hs) / (1 - sn * sn));
            }
        bvn = bvn * asr / tp + pl_norm_cdf(-h) * pl_norm_cdf(-k);
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
                double b = sqrt(bs), sp = sqrt(tp) * pl_norm_cdf(-b / a);
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
            bvn += pl_norm_cdf(-fmax(h, k));
        } else if (h >= k) {
            bvn = -bvn;
        } else {
            double L = h < 0 ? pl_norm_cdf(k) - pl_norm_cdf(h) : pl_norm_cdf(-h) - pl_norm_cdf(-k);
            bvn = L - bvn;
        }
    }
    return fmax(0.0, fmin(1.0, bvn));
}
