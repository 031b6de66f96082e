/* Random-matrix laws: Marchenko–Pastur, semicircle, their free convolution; polynomial roots.
 *
 * Stieltjes convention (all functions here): g(z) = int rho(x) / (x - z) dx, so that
 *   - g(z) ~ -1/z - m1/z^2 - m2/z^3 - ... for large |z| (m_j the moments),
 *   - Im g(z) > 0 for Im z > 0, and g(conj z) = conj g(z),
 *   - on the real axis (Im z == 0, either sign of zero) the limit from above is returned:
 *     g(x + i0) = -H(x) + i pi rho(x), with H the Hilbert transform
 *     H(x) = p.v. int rho(t) / (x - t) dt.
 * Spec 04 (family 4) writes G(z) = int rho(t)/(z - t) dt = -g(z); its h(x) = Re G(x + i0) is
 * H(x) here.
 */
#ifndef PHASELAB_RMT_H
#define PHASELAB_RMT_H

#ifdef __cplusplus
/* C++ callers: GCC and Clang accept C's _Complex as an extension; within this header C's
 * `double complex` is spelled through a macro, undefined again at its end. */
#define complex _Complex
#else
#include <complex.h>
#endif
#include <stddef.h>
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* Semicircle of variance s2 > 0: density sqrt(4 s2 - x^2) / (2 pi s2) on [-2 sqrt(s2),
 * 2 sqrt(s2)]. s2 == 0 is the point mass at 0 (density 0, g = -1/z); s2 < 0 gives NaN. */
double pl_semicircle_density(double x, double s2);
void pl_semicircle_edges(double s2, double *lo, double *hi);   /* added: -+ 2 sqrt(s2) */
double complex pl_semicircle_stieltjes(double complex z, double s2);

/* Marchenko–Pastur law of W = G^T G / n, G n x d with i.i.d. entries of variance s2, ratio
 * c = d/n > 0: continuous part of the density
 *     sqrt((hi - x)(x - lo)) / (2 pi c s2 x)   on (lo, hi), lo, hi = (1 -+ sqrt c)^2 s2,
 * the atom 1 - 1/c at 0 when c > 1 (pl_mp_atom, 0 otherwise), and the edges. Mean s2, second
 * moment s2^2 (1 + c). pl_mp_stieltjes includes the atom (a pole at 0 when c > 1). Invalid
 * parameters (c <= 0, s2 <= 0) give NaN. */
double pl_mp_density(double x, double c, double s2);
double pl_mp_atom(double c);
void pl_mp_edges(double c, double s2, double *lo, double *hi);
double complex pl_mp_stieltjes(double complex z, double c, double s2);

/* Free convolution mu_MP(kappa) ⊞ semicircle(variance xi): the MP law of ratio 1/kappa with
 * unit mean (spectrum of W W^T/(kappa d) with W d x kappa d, i.e. pl_mp_* with c = 1/kappa,
 * s2 = 1), plus a semicircle of variance xi. Mass 1, mean 1, second moment 1 + 1/kappa + xi.
 *
 * g solves the cubic (spec 04 T1, with g = -G)
 *     xi g^3 + (z + kappa xi) g^2 + (1 - kappa + kappa z) g + kappa = 0,
 * equivalently g = g_MP(z + xi g) (subordination); the right root is the one with Im g > 0
 * that satisfies the subordination identity with the physical branch of g_MP. The support
 * edges are the real roots of the discriminant of the cubic (a quartic in z, computed from
 * the cubic's coefficients), the support being where that discriminant is negative.
 *
 * Requires kappa > 0 and xi >= 0 (PL_EINVAL otherwise). xi == 0 is plain MP (atom 1 - kappa
 * at 0 when kappa < 1). */
typedef struct {
    double kappa, xi;
    size_t nedges;       /* number of edges = 2 x number of disjoint intervals (2 or 4; at
                            most 6): interval i is [edges[2i], edges[2i+1]], ascending */
    double edges[6];
    double atom;         /* mass of an atom at 0 (only when xi == 0 and kappa < 1) */
} pl_mpsc;
pl_status pl_mpsc_init(pl_mpsc *law, double kappa, double xi);
/* Density of the continuous part; 0 outside the support intervals. */
double pl_mpsc_density(const pl_mpsc *law, double x);
/* Stieltjes transform (convention above; the atom, if any, included). */
double complex pl_mpsc_stieltjes(const pl_mpsc *law, double complex z);
/* Hilbert transform (principal value) H(x) = p.v. int rho(t)/(x - t) dt (atom included:
 * atom / x), valid on and off the support. Equals -Re g(x + i0). */
double pl_mpsc_hilbert(const pl_mpsc *law, double x);

/* Roots of c[0] + c[1] x + ... + c[deg] x^deg via the eigenvalues of the balanced companion
 * matrix (LAPACK dgeev), each polished by Newton steps on the polynomial. Complex roots of a
 * real polynomial come in exact conjugate pairs (Im > 0 first), in no particular order
 * otherwise. c[deg] must be nonzero (PL_EINVAL); non-finite coefficients give PL_ENAN. */
pl_status pl_poly_roots(const double *c, size_t deg, double complex *roots);
/* Same for complex coefficients (LAPACK zgeev). Added. */
pl_status pl_poly_roots_cplx(const double complex *c, size_t deg, double complex *roots);

PL_END_DECLS

#ifdef __cplusplus
#undef complex
#endif

#endif
