/* Family 4 — quadratic two-layer networks: the nuclear route.
 *
 * A width-m network with quadratic activation, f(x; W) = (1/sqrt d) sum_i [(w_i.x)^2 -
 * |w_i|^2] = <X(x), S> with S = W W^T and X(x) = (x x^T - I)/sqrt(d), trained with the loss
 *
 *     L(W) = (1/(4n)) sum_mu (y_mu - <X_mu, W W^T>)^2 + (lambda/d) |W|_F^2
 *
 * is nuclear-norm-penalised PSD matrix sensing over S (|W|_F^2 = Tr S), rank(S) <= m = kappa d.
 * Teacher S* = W* W*^T/m* (m* = kappa* d, Marchenko–Pastur spectrum) or S* = O diag(w) O^T;
 * labels y = <X, S*> + sqrt(Delta) z; n = alpha d^2 samples. MSE := |S - S*|_F^2 / d (the
 * function-space excess error is 2 MSE).
 *
 * Sensing operator: never n d x d matrices; with the n x d input matrix X (rows x_mu),
 *   A(S)_mu  = (x_mu^T S x_mu - Tr S)/sqrt d        (one gemm X S, then row dots)
 *   A*(r)    = (X^T diag(r) X - (sum r) I)/sqrt d    (one gemm)
 *   A(WW^T)  = (|W^T x_mu|^2 - |W|_F^2)/sqrt d       (one gemm X W).
 *
 * Theory (spec 04, T1–T5): S_hat = eta_{q,omega}(S* + sqrt(xi) Z) with Z GOE, the spectral
 * soft-threshold at q keeping the top kappa d eigenvalues; (q, xi) solve
 *   xi = (E + Delta/2)/(2 alpha),   q (1 - A/alpha) = lambda,
 * with A, B, E integrals of rho_xi = MP(kappa*) ⊞ SC(xi) and its Hilbert transform.
 */
#ifndef PHASELAB_QUADNET_H
#define PHASELAB_QUADNET_H

#include <stddef.h>
#include "phaselab/mat.h"
#include "phaselab/rng.h"
#include "phaselab/status.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

/* ------------------------------------------------------------------ model and data */

/* S = W W^T / m* with W d x m* standard Gaussian (S is d x d). */
pl_status pl_qn_teacher_wishart(pl_rng *rng, size_t mstar, pl_mat S);
/* S = O diag(w) O^T with O Haar-orthogonal (w has S.rows entries). */
pl_status pl_qn_teacher_spectrum(pl_rng *rng, const double *w, pl_mat S);

/* Forward sensing out[mu] = <X_mu, S> for symmetric S (d x d); work is n x d. */
pl_status pl_qn_sense(pl_mat X, pl_mat S, double *out, pl_mat work);
/* Adjoint R = sum_mu r[mu] X_mu (d x d, symmetric); work is n x d. */
pl_status pl_qn_sense_adj(pl_mat X, const double *r, pl_mat R, pl_mat work);
/* Forward sensing of S = W W^T from the factor W (d x m): out[mu] = <X_mu, W W^T>; XW (n x m)
 * receives X W (reused by gradients). */
pl_status pl_qn_sense_factor(pl_mat X, pl_mat W, double *out, pl_mat XW);

/* Gaussian inputs X (n x d, N(0,1) entries) and labels y = A(S*) + sqrt(delta) z. */
pl_status pl_qn_sample(pl_rng *rng, pl_mat Sstar, double delta, pl_mat X, double *y,
                       pl_mat work);

/* ------------------------------------------------------------------ solvers */

typedef struct {
    pl_mat X;          /* n x d inputs */
    const double *y;   /* n labels */
    double lambda;     /* penalty (lambda/d) Tr S >= 0 */
    size_t rank_max;   /* FISTA: keep at most this many eigenvalues (0 or >= d: no cap) */
} pl_qn_problem;

typedef struct {
    size_t maxit;      /* iteration budget (default 20000) */
    double tol;        /* FISTA: |S_{k+1} - Y_k|_F <= tol max(1,|S|_F); GD/L-BFGS: relative
                          gradient norm |grad|_F d / max(1, |W|_F) <= tol (default 1e-9) */
    double step;       /* FISTA: 0 = 1/L from a power iteration; GD: time step eta (the
                          update is W -= eta d grad L; default 0.2) */
} pl_qn_opts;

pl_qn_opts pl_qn_default_opts(void);

typedef struct {
    pl_status status;   /* PL_OK, PL_ENOCONV, PL_EDIVERGED, PL_ENAN, PL_ENOMEM, ... */
    size_t iterations;
    double objective;   /* (1/4n) sum res^2 + (lambda/d) Tr S */
    double train_loss;  /* (1/4n) sum res^2 */
    double residual;    /* final value of the stopping criterion */
} pl_qn_result;

/* Data term value and (1/(4n)) sum (y - A(S))^2 helpers. */
double pl_qn_objective(const pl_qn_problem *pb, pl_mat S, pl_mat work, double *train_loss);

/* Accelerated proximal gradient (FISTA with adaptive restart) on S >= 0, rank <= rank_max.
 * S holds the start on entry (e.g. zero) and the solution on return. The prox is the
 * eigenvalue soft-threshold by step lambda/d, clipped at 0, keeping the top rank_max. */
pl_qn_result pl_qn_fista(const pl_qn_problem *pb, const pl_qn_opts *o, pl_mat S);
/* Full-batch gradient descent on W (d x m; Burer–Monteiro), step W -= eta d grad L with
 * Armijo-type halving when the objective increases. W holds the start and the result. */
pl_qn_result pl_qn_gd(const pl_qn_problem *pb, const pl_qn_opts *o, pl_mat W);
/* L-BFGS (liblbfgs, More–Thuente line search) on W (d x m). */
pl_qn_result pl_qn_lbfgs(const pl_qn_problem *pb, const pl_qn_opts *o, pl_mat W);
/* Loss and gradient of L(W); grad may have data == NULL. Buffers: res (n), XW (n x m),
 * T (n x m). Returns L, train loss in *train. */
double pl_qn_factor_loss_grad(const pl_qn_problem *pb, pl_mat W, pl_mat grad, double *res,
                              pl_mat XW, pl_mat T, double *train);

/* Metrics of an estimate S against the teacher: mse = |S - S*|^2/d, ISE = (1/4n) sum
 * <X, S - S*>^2, train loss, objective, rank fraction (#eig > rank_tol * max(1, top))/d, and
 * the eigenvalues of S (ascending) in eig[d] when eig != NULL. */
typedef struct {
    double mse, train_loss, ise, objective, rank;
} pl_qn_metrics;
pl_status pl_qn_evaluate(const pl_qn_problem *pb, pl_mat Sstar, pl_mat S, double rank_tol,
                         pl_qn_metrics *m, double *eig);

/* ------------------------------------------------------------------ theory */

/* MP(kappa*) ⊞ SC(xi): Stieltjes transform G(z) = int rho/(z - t) is the root of
 * xi G^3 - (z + kappa* xi) G^2 + (1 - kappa* + kappa* z) G - kappa* = 0 with the largest
 * |Im G|; support = real roots of the discriminant quartic (1 or 2 intervals). */
typedef struct {
    double kappa_star, xi;
    size_t nint;          /* number of intervals (1 or 2) */
    double edges[4];      /* [edges[2i], edges[2i+1]] */
    /* quadrature pieces: the intervals, split where the density nearly vanishes (the real
       part of a complex root pair of the quartic close to the axis: a gap about to open) */
    size_t npiece;
    double piece[6];      /* [piece[2i], piece[2i+1]] */
} pl_qn_law;

pl_status pl_qn_law_init(pl_qn_law *law, double kappa_star, double xi);
/* Density and Hilbert transform h = p.v. int rho(t)/(x - t) dt at x; returns 1 inside the
 * support (rho > 0), 0 outside (then *rho = 0 and *h = NaN). */
int pl_qn_law_eval(const pl_qn_law *law, double x, double *rho, double *h);

typedef struct {
    double kappa;       /* student width m/d (> 0) */
    double kappa_star;  /* teacher width m_star/d (> 0) */
    double lambda;      /* >= 0 */
    double delta;       /* noise variance >= 0 */
} pl_qn_setting;

/* NULL if valid, else a message in buf. */
const char *pl_qn_setting_check(const pl_qn_setting *s, char *buf, size_t len);

/* Order of the fixed Gauss–Legendre rule used on each support interval (after a
 * square-root-edge substitution the integrands are smooth, so the rule converges fast and
 * the integrals are smooth functions of (q, xi), which Newton and continuation need). */
#define PL_QN_GL 96

typedef struct {
    pl_qn_setting s;
    double Q0;                  /* |S*|_F^2/d = 1 + 1/kappa* */
    double glx[PL_QN_GL], glw[PL_QN_GL];
} pl_qn_theory;

pl_status pl_qn_theory_init(pl_qn_theory *th, const pl_qn_setting *s);

/* One point of the theory: the observables table of spec 04 T3. */
typedef struct {
    pl_status status;
    double xi, q, alpha;
    double omega, b;       /* rank cut (upper kappa-quantile; -inf if kappa >= 1), max(q, omega) */
    double A, B;           /* integrals */
    double mse, train_loss, ise, rank;
    int singular;          /* 1 on the lambda = 0, q = 0 branch (or perfect recovery) */
} pl_qn_state;

/* integrals over [b, inf) of the support: r = int rho, A = int rho h (x - q),
 * B = int rho (q^2 - x^2), m3 = int rho^3 (any of the outputs may be NULL). */
pl_status pl_qn_integrals(const pl_qn_theory *th, const pl_qn_law *law, double b, double q,
                          double *r, double *A, double *B, double *m3);
/* Upper kappa-quantile omega: int_omega^inf rho = kappa (kappa < 1), -inf for kappa >= 1. */
pl_status pl_qn_omega(const pl_qn_theory *th, const pl_qn_law *law, double *omega);
/* All observables at a given (q, xi) (alpha from the xi equation; the q equation is not
 * imposed: st->A/alpha etc. let the caller form it). */
pl_status pl_qn_state_at(const pl_qn_theory *th, double xi, double q, pl_qn_state *st);
/* F(q) = 2 xi A/(E + Delta/2) + lambda/q - 1 at fixed xi. */
pl_status pl_qn_F(const pl_qn_theory *th, const pl_qn_law *law, double omega, double q,
                  double *F);
/* Solve at fixed xi by upward bracketing of F from q = lambda (the spec's A2): the smallest
 * root. lambda = 0: the interpolating branch (smallest q > 0 root), PL_ENOSOLUTION if none. */
pl_status pl_qn_solve_xi(const pl_qn_theory *th, double xi, pl_qn_state *st);
/* All roots q of F at fixed xi (scan on a log grid + Brent); returns the number found. */
size_t pl_qn_roots_xi(const pl_qn_theory *th, double xi, pl_qn_state *st, size_t max);
/* The learning curve by pseudo-arclength continuation in (log xi, log q) from xi_hi down to
 * xi_lo (follows folds: several q per xi for Delta > 0 and small lambda). cb gets every
 * accepted point; return nonzero to stop. With lambda = 0 this is the interpolating branch,
 * which ends where q -> 0 (tracing stops at q < 1e-12). */
typedef int (*pl_qn_curve_cb)(const pl_qn_state *st, void *ctx);
pl_status pl_qn_curve(const pl_qn_theory *th, double xi_hi, double xi_lo, pl_qn_curve_cb cb,
                      void *ctx);
/* Every solution at sample ratio alpha (one per branch crossing, by increasing xi);
 * lambda = 0 uses the interpolating / singular branches (T4). PL_ENOSOLUTION if none. */
pl_status pl_qn_solve_alpha(const pl_qn_theory *th, double alpha, pl_qn_state *out,
                            size_t max, size_t *nout);

/* Spectrum of S_hat: density of the nonzero part at y > 0 (rho_xi(y + q) for y + q > b) and
 * the atom 1 - rank at 0. */
double pl_qn_spectrum_density(const pl_qn_theory *th, const pl_qn_state *st, double y);
/* Mean of the nonzero part: int_b (x - q) rho / rank. */
double pl_qn_spectrum_mean(const pl_qn_theory *th, const pl_qn_state *st);
/* Quantile of the nonzero part: y with int_b^{y+q} rho = u * rank (0 < u < 1). */
pl_status pl_qn_spectrum_quantile(const pl_qn_theory *th, const pl_qn_state *st, double u,
                                  double *y);

/* ---- thresholds (spec 04 T5, T4, T2) */
/* Strong recovery threshold of the nuclear-norm ERM at lambda -> 0+, Delta = 0. */
pl_status pl_qn_alpha_strong(double kappa, double kappa_star, double *alpha);
/* Perfect-recovery threshold used for GD at lambda = 0 (PR_threshold of the spec). */
pl_status pl_qn_alpha_pr_gd(double kappa, double kappa_star, double *alpha);
/* Bayes-optimal perfect-recovery threshold kappa* - kappa*^2/2 (1/2 for kappa* >= 1). */
double pl_qn_alpha_bo(double kappa_star);
/* Interpolation threshold at lambda -> 0+ and Delta > 0: alpha with alpha = A(0, xi) and
 * alpha = (E(0, xi) + Delta/2)/(2 xi); the first root in xi in [Delta, max(100, 100 Delta)]
 * (spec T4). Also returns xi and the MSE there. */
pl_status pl_qn_alpha_inter(const pl_qn_theory *th, double *alpha, double *xi, double *mse);

/* Bayes-optimal MMSE (Maillard et al. 2024): xi = (MMSE + Delta/2)/(2 alpha) with
 * MMSE = xi - (4 pi^2/3) xi^2 int rho_xi^3. All solutions (by increasing xi) in mmse/xi;
 * Delta = 0 and alpha >= alpha_bo gives MMSE = 0. */
pl_status pl_qn_bo(double kappa_star, double delta, double alpha, double *mmse, double *xi,
                   size_t max, size_t *nout);

PL_END_DECLS

#endif
