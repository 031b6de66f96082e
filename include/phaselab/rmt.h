/* Random-matrix laws: Marchenko–Pastur, semicircle, their free convolution; polynomial roots. */
#ifndef PHASELAB_RMT_H
#define PHASELAB_RMT_H

#include <complex.h>
#include <stddef.h>
#include "phaselab/status.h"

/* Semicircle of variance s2: density on [-2 sqrt(s2), 2 sqrt(s2)]. */
double pl_semicircle_density(double x, double s2);
/* Marchenko–Pastur law of W = G^T G / n, G n x d, ratio c = d/n, scale s2 (variance of G
 * entries): continuous part of the density (the atom 1 - 1/c at 0 when c > 1 is reported by
 * pl_mp_atom) and edges (1 -+ sqrt c)^2 s2. */
double pl_mp_density(double x, double c, double s2);
double pl_mp_atom(double c);
void pl_mp_edges(double c, double s2, double *lo, double *hi);
/* Stieltjes transforms g(z) = E 1/(x - z)... convention: g(z) = int rho(x)/(x - z) dx. */
double complex pl_semicircle_stieltjes(double complex z, double s2);
double complex pl_mp_stieltjes(double complex z, double c, double s2);

/* Free convolution mu_MP(kappa) ⊞ semicircle(variance xi): the MP law of ratio 1/kappa with
 * unit mean (spectrum of W W^T/(kappa d) with W d x kappa d), plus a semicircle of variance xi.
 * See spec 04 §1.2 for the cubic in the Stieltjes transform. */
typedef struct {
    double kappa, xi;
    size_t nedges;       /* support as up to 3 disjoint intervals: edges[0..2*nint-1] */
    double edges[6];
    double atom;         /* mass of an atom at 0 (only when xi == 0 and kappa < 1) */
} pl_mpsc;
pl_status pl_mpsc_init(pl_mpsc *law, double kappa, double xi);
double pl_mpsc_density(const pl_mpsc *law, double x);
double complex pl_mpsc_stieltjes(const pl_mpsc *law, double complex z);
/* Hilbert transform (principal value) H(x) = p.v. int rho(t)/(x - t) dt on the support. */
double pl_mpsc_hilbert(const pl_mpsc *law, double x);

/* Roots of c[0] + c[1] x + ... + c[deg] x^deg via the companion matrix (LAPACK dgeev). */
pl_status pl_poly_roots(const double *c, size_t deg, double complex *roots);

#endif
