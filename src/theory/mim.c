/* Multi-index theory: the operator F and alpha_c, predictions of the asymmetric (L) and
 * symmetric (T) spectral methods and of PCA of labels, Bayes-optimal GAMP state evolution. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/mim_internal.h"
#include "phaselab/quad.h"
#include "phaselab/smallmat.h"

#define P2 (PL_MIM_PMAX * PL_MIM_PMAX)
#define P4 (P2 * P2)

/* ---------------------------------------------------------------- F and alpha_c */

/* F[(a b), (c d)] = E[G_ac G_bd]: vec(F(M)) = F vec(M), row-major vec */
static void build_F(size_t p, const pl_mim_rule *r, double *F)
{
    size_t q = p * p;
    memset(F, 0, q * q * sizeof *F);
    for (size_t k = 0; k < r->n; k++) {
        const double *G = r->G + k * q;
        double w = r->w[k];
        if (w == 0) continue;
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++)
                for (size_t c = 0; c < p; c++) {
                    double gac = w * G[a * p + c];
                    if (gac == 0) continue;
                    for (size_t d = 0; d < p; d++)
                        F[(a * p + b) * q + c * p + d] += gac * G[b * p + d];
                }
    }
}

pl_status pl_mim_threshold_compute(const pl_mim_link *l, const pl_mim_rule *r,
                                   pl_mim_threshold *t)
{
    size_t p = l->p, q = p * p;
    memset(t, 0, sizeof *t);
    t->p = p;
    double *F = malloc(q * q * sizeof *F), *w = malloc(q * sizeof *w);
    if (!F || !w) {
        free(F);
        free(w);
        return PL_ENOMEM;
    }
    build_F(p, r, F);
    double fmaxabs = 0;
    for (size_t i = 0; i < q * q; i++) fmaxabs = fmax(fmaxabs, fabs(F[i]));
    pl_mat A = pl_mat_view(F, q, q, q);
    pl_status st = pl_syev(A, w);
    if (st != PL_OK) {
        free(F);
        free(w);
        return st;
    }
    for (size_t k = 0; k < q; k++) {
        t->nu[k] = w[q - 1 - k];
        for (size_t i = 0; i < q; i++) t->M[k * q + i] = F[i * q + (q - 1 - k)];
    }
    free(F);
    free(w);
    /* the top eigenvector is PSD up to sign: fix the sign by its trace */
    double tr = 0;
    for (size_t i = 0; i < p; i++) tr += t->M[i * p + i];
    if (tr < 0)
        for (size_t i = 0; i < q; i++) t->M[i] = -t->M[i];
    double nu1 = t->nu[0];
    if (!(nu1 > 1e-12) || fmaxabs < 1e-13) {
        t->null = 1;
        t->alpha_c = INFINITY;
        t->n_outliers = 0;
    } else {
        t->alpha_c = 1.0 / nu1;
        double tol = r->mc ? 1e-2 : 1e-6;
        size_t D = 0;
        while (D < q && t->nu[D] >= nu1 * (1 - tol)) D++;
        t->n_outliers = D;
    }
    /* joint diagonalisability: diagonalise a generic combination, test every node */
    double C[P2] = {0}, ev[PL_MIM_PMAX];
    for (size_t k = 0; k < r->n; k++) {
        double c = r->w[k] * (1.0 + 0.37 * sin(1.7 * (double)k + 0.3));
        for (size_t i = 0; i < q; i++) C[i] += c * r->G[k * q + i];
    }
    st = pl_small_symeig(p, C, ev, t->U);
    if (st != PL_OK) return st;
    t->joint_diag = 1;
    for (size_t k = 0; k < r->n && t->joint_diag; k++) {
        const double *G = r->G + k * q;
        double nrm = 0, off = 0;
        for (size_t i = 0; i < q; i++) nrm += G[i] * G[i];
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++) {
                if (a == b) continue;
                double s = 0;
                for (size_t i = 0; i < p; i++)
                    for (size_t j = 0; j < p; j++)
                        s += t->U[i * p + a] * G[i * p + j] * t->U[j * p + b];
                off += s * s;
            }
        if (off > 1e-16 * (1 + nrm)) t->joint_diag = 0;
    }
    /* E ||E[z|y]||^2: zero by symmetry for the built-ins; estimated for user links */
    t->Ez2 = 0;
    if (!l->type->G || !l->type->log_marginal) {
        double wz[PL_MIM_PMAX] = {0}, I[P2] = {0}, g[PL_MIM_PMAX];
        for (size_t i = 0; i < p; i++) I[i * p + i] = 1;
        for (size_t k = 0; k < r->n; k++) {
            if (pl_mim_gout(l, r->y[k], wz, I, NULL, g, NULL) != PL_OK) continue;
            double s = 0;
            for (size_t i = 0; i < p; i++) s += g[i] * g[i];
            t->Ez2 += r->w[k] * s;
        }
    }
    return PL_OK;
}

pl_status pl_mim_link_threshold(const pl_mim_link *l, pl_mim_rule *r, pl_mim_threshold *t)
{
    pl_rng rng;
    pl_rng_init(&rng, 20250202, 1);
    pl_status st = pl_mim_rule_build(l, 0, &rng, r);
    if (st != PL_OK) return st;
    st = pl_mim_threshold_compute(l, r, t);
    if (st != PL_OK) pl_mim_rule_free(r);
    return st;
}

/* ---------------------------------------------------------------- asymmetric method */

pl_status pl_mim_asym_predict(const pl_mim_rule *r, const pl_mim_threshold *t, double alpha,
                              pl_mim_spectral_pred *out)
{
    memset(out, 0, sizeof *out);
    out->status = PL_OK;
    if (t->null) {
        out->status = PL_ENOSOLUTION;
        out->top_eig = out->bulk_edge = out->m2 = NAN;
        return PL_ENOSOLUTION;
    }
    size_t p = t->p, q = p * p;
    double ac = t->alpha_c, ratio = alpha / ac;
    out->bulk_edge = sqrt(ratio);
    out->above = alpha > ac;
    if (!out->above) {
        out->top_eig = sqrt(ratio);
        out->m2 = 0;
        out->n_outliers = 0;
        return PL_OK;
    }
    out->top_eig = ratio;
    out->n_outliers = t->n_outliers;
    /* Q = M M^T + c [F(Q) + E(G M G M^T G)], c = alpha_c^2/alpha, for each unit M of F's top
     * eigenspace; m2 = ||M||^2 / Tr Q averaged over the eigenspace basis. */
    double *F = malloc(q * q * sizeof *F), *A = malloc(q * q * sizeof *A);
    if (!F || !A) {
        free(F);
        free(A);
        return PL_ENOMEM;
    }
    build_F(p, r, F);
    double c = ac * ac / alpha, sum = 0;
    pl_status st = PL_OK;
    for (size_t k = 0; k < t->n_outliers && st == PL_OK; k++) {
        const double *M = t->M + k * q;
        double rhs[P2], GM[P2], T1[P2], T2[P2], T3[P2];
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++) {
                double s = 0;
                for (size_t e = 0; e < p; e++) s += M[a * p + e] * M[b * p + e];
                rhs[a * p + b] = s;
            }
        double E3[P2] = {0};
        for (size_t n = 0; n < r->n; n++) {
            const double *G = r->G + n * q;
            pl_small_mm(p, G, M, GM);   /* G M */
            pl_small_mm(p, GM, G, T1);  /* G M G */
            for (size_t a = 0; a < p; a++) /* (G M G) M^T */
                for (size_t b = 0; b < p; b++) {
                    double s = 0;
                    for (size_t e = 0; e < p; e++) s += T1[a * p + e] * M[b * p + e];
                    T2[a * p + b] = s;
                }
            pl_small_mm(p, T2, G, T3);
            for (size_t i = 0; i < q; i++) E3[i] += r->w[n] * T3[i];
        }
        for (size_t i = 0; i < q; i++) rhs[i] += c * E3[i];
        for (size_t i = 0; i < q; i++)
            for (size_t j = 0; j < q; j++) A[i * q + j] = (i == j) - c * F[i * q + j];
        pl_mat Am = pl_mat_view(A, q, q, q), B = pl_mat_view(rhs, q, 1, 1);
        st = pl_lu_solve(Am, B);
        double trQ = 0, nM = 0;
        for (size_t a = 0; a < p; a++) trQ += rhs[a * p + a];
        for (size_t i = 0; i < q; i++) nM += M[i] * M[i];
        sum += nM / trQ;
    }
    free(F);
    free(A);
    out->m2 = sum / (double)t->n_outliers;
    return st;
}

/* ---------------------------------------------------------------- Lu-Li formulas */

typedef struct {
    size_t n;
    const double *t, *lam, *w;
    double alpha;
} luli_ctx;

static double psi(const luli_ctx *c, double a)
{
    double s = 0;
    for (size_t k = 0; k < c->n; k++) s += c->w[k] * c->t[k] / (a - c->t[k]);
    return a * (1 / c->alpha + s);
}
static double dpsi(const luli_ctx *c, double a)
{
    double s = 0;
    for (size_t k = 0; k < c->n; k++) {
        double u = c->t[k] / (a - c->t[k]);
        s += c->w[k] * u * u;
    }
    return 1 / c->alpha - s;
}
static double dphi(const luli_ctx *c, double a)
{
    double s = 0;
    for (size_t k = 0; k < c->n; k++) {
        double u = c->t[k] / (a - c->t[k]);
        s += c->w[k] * u * u * (1 + c->lam[k]);
    }
    return -s;
}
static double hroot(const luli_ctx *c, double a)
{
    double s = 0;
    for (size_t k = 0; k < c->n; k++) s += c->w[k] * c->t[k] * c->lam[k] / (a - c->t[k]);
    return s - 1 / c->alpha;
}

static double bisect_fn(double (*f)(const luli_ctx *, double), const luli_ctx *c, double lo,
                        double hi)
{
    double flo = f(c, lo);
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        double fm = f(c, mid);
        if ((fm > 0) == (flo > 0)) {
            lo = mid;
            flo = fm;
        } else {
            hi = mid;
        }
    }
    return 0.5 * (lo + hi);
}

pl_status pl_mim_luli_solve(size_t n, const double *t, const double *lam, const double *w,
                            double alpha, pl_mim_luli *out)
{
    memset(out, 0, sizeof *out);
    luli_ctx c = {n, t, lam, w, alpha};
    double tau = -INFINITY;
    for (size_t k = 0; k < n; k++)
        if (w[k] > 0 && t[k] > tau) tau = t[k];
    if (!isfinite(tau)) return PL_EINVAL;
    double sc = 1 + fabs(tau);
    /* a = tau + sc e^x, x from -40 (just above tau) to +20 */
    double amin;
    if (dpsi(&c, tau + sc * 1e-15) > 0) {
        amin = tau + sc * 1e-15;
    } else {
        double lo = -34.5, hi = 20;
        for (int it = 0; it < 200; it++) {
            double mid = 0.5 * (lo + hi);
            if (dpsi(&c, tau + sc * exp(mid)) > 0) hi = mid;
            else lo = mid;
        }
        amin = tau + sc * exp(0.5 * (lo + hi));
    }
    out->edge = alpha * psi(&c, amin);
    /* largest root of h(a) = E[t lam/(a - t)] - 1/alpha: scan down from large a */
    double xprev = 20, hprev = hroot(&c, tau + sc * exp(xprev));
    double astar = NAN;
    for (double x = 20 - 0.05; x > -34.5; x -= 0.05) {
        double h = hroot(&c, tau + sc * exp(x));
        if ((h > 0) != (hprev > 0)) {
            double lo = tau + sc * exp(x), hi = tau + sc * exp(xprev);
            astar = bisect_fn(hroot, &c, lo, hi);
            break;
        }
        xprev = x;
        hprev = h;
    }
    if (isnan(astar)) {
        out->outlier = 0;
        out->eig = out->edge;
        out->m2 = 0;
        out->astar = NAN;
        return PL_OK;
    }
    out->astar = astar;
    double dp = dpsi(&c, astar);
    if (dp > 0 && astar > amin) {
        out->outlier = 1;
        out->eig = alpha * psi(&c, astar);
        out->m2 = dp / (dp - dphi(&c, astar));
    } else {
        out->outlier = 0;
        out->eig = out->edge;
        out->m2 = 0;
    }
    return PL_OK;
}

/* per-direction eigenvalue functions lambda_l(y_k) in the common eigenbasis */
static pl_status diag_lambdas(const pl_mim_rule *r, const pl_mim_threshold *t, double *lam)
{
    size_t p = t->p, q = p * p;
    for (size_t k = 0; k < r->n; k++) {
        const double *G = r->G + k * q;
        for (size_t l = 0; l < p; l++) {
            double s = 0;
            for (size_t i = 0; i < p; i++)
                for (size_t j = 0; j < p; j++) s += t->U[i * p + l] * G[i * p + j] * t->U[j * p + l];
            lam[l * r->n + k] = s;
        }
    }
    return PL_OK;
}

/* Combine Lu-Li results over (block l, direction k) pairs. */
static pl_status pairs_predict(const pl_mim_rule *r, const pl_mim_threshold *t, double alpha,
                               const double *tv /* p x n or 1 x n */, int per_block,
                               pl_mim_spectral_pred *out)
{
    size_t p = t->p, n = r->n;
    double *lam = malloc(p * n * sizeof *lam);
    if (!lam) return PL_ENOMEM;
    diag_lambdas(r, t, lam);
    out->bulk_edge = -INFINITY;
    double top = -INFINITY, m2sum = 0;
    size_t nout = 0;
    pl_status st = PL_OK;
    for (size_t l = 0; l < (per_block ? p : 1) && st == PL_OK; l++) {
        const double *tl = tv + (per_block ? l * n : 0);
        for (size_t k = 0; k < p; k++) {
            pl_mim_luli res;
            st = pl_mim_luli_solve(n, tl, lam + k * n, r->w, alpha, &res);
            if (st != PL_OK) break;
            if (k == 0) out->bulk_edge = fmax(out->bulk_edge, res.edge);
            if (res.outlier && res.eig > res.edge) {
                nout++;
                m2sum += res.m2;
                top = fmax(top, res.eig);
            }
        }
    }
    free(lam);
    out->n_outliers = nout;
    out->above = nout > 0;
    out->top_eig = nout > 0 ? fmax(top, out->bulk_edge) : out->bulk_edge;
    out->m2 = nout > 0 ? m2sum / (double)nout : 0.0;
    return st;
}

pl_status pl_mim_sym_predict(const pl_mim_rule *r, const pl_mim_threshold *t, double alpha,
                             pl_mim_spectral_pred *out)
{
    memset(out, 0, sizeof *out);
    if (t->null) {
        out->status = PL_ENOSOLUTION;
        out->top_eig = out->bulk_edge = out->m2 = NAN;
        return PL_ENOSOLUTION;
    }
    if (!t->joint_diag) {
        out->status = PL_EUNSUPPORTED;
        out->top_eig = out->bulk_edge = out->m2 = NAN;
        return PL_EUNSUPPORTED;
    }
    size_t p = t->p, n = r->n;
    double *lam = malloc(p * n * sizeof *lam), *tv = malloc(p * n * sizeof *tv);
    if (!lam || !tv) {
        free(lam);
        free(tv);
        return PL_ENOMEM;
    }
    diag_lambdas(r, t, lam);
    /* t = lambda/(1 + lambda) = 1 - 1/E[z_l^2|y]; 1 + lambda can round to 0 for tiny labels */
    for (size_t i = 0; i < p * n; i++) tv[i] = 1.0 - 1.0 / fmax(1 + lam[i], 1e-250);
    pl_status st = pairs_predict(r, t, alpha, tv, 1, out);
    free(lam);
    free(tv);
    out->status = st;
    return st;
}

pl_status pl_mim_pca_predict(const pl_mim_rule *r, const pl_mim_threshold *t, double alpha,
                             pl_mim_pre pre, const void *pre_ctx, pl_mim_spectral_pred *out)
{
    memset(out, 0, sizeof *out);
    if (t->null) {
        out->status = PL_ENOSOLUTION;
        out->top_eig = out->bulk_edge = out->m2 = NAN;
        return PL_ENOSOLUTION;
    }
    if (!t->joint_diag) {
        out->status = PL_EUNSUPPORTED;
        out->top_eig = out->bulk_edge = out->m2 = NAN;
        return PL_EUNSUPPORTED;
    }
    double *tv = malloc(r->n * sizeof *tv);
    if (!tv) return PL_ENOMEM;
    for (size_t k = 0; k < r->n; k++) tv[k] = pre ? pre(r->y[k], pre_ctx) : r->y[k];
    pl_status st = pairs_predict(r, t, alpha, tv, 0, out);
    free(tv);
    out->status = st;
    return st;
}

/* ---------------------------------------------------------------- GAMP state evolution */

pl_mim_se_opts pl_mim_se_default_opts(int informed)
{
    pl_mim_se_opts o = {.damping = 1.0, .tol = 1e-7, .maxit = 400,
                        .q0 = informed ? 0.99 : 1e-3, .nquad = 0, .nmc = 0, .seed = 12345};
    return o;
}

/* symmetric square root of a PSD matrix (negative eigenvalues clamped) */
static pl_status psd_sqrt(size_t p, const double *A, double *S)
{
    double w[PL_MIM_PMAX], U[P2];
    pl_status st = pl_small_symeig(p, A, w, U);
    if (st != PL_OK) return st;
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
            double s = 0;
            for (size_t k = 0; k < p; k++) s += U[i * p + k] * sqrt(fmax(w[k], 0)) * U[j * p + k];
            S[i * p + j] = s;
        }
    return PL_OK;
}

/* integrand over the label y at fixed w: Z(y; w, V) [1, g g^T] (y = e0 + sgn t^k) */
typedef struct {
    const pl_mim_link *l;
    const double *w, *V;
    double e0, sgn;
    int kpow;
    double shift;
    pl_status st;
} yint_ctx;

static void yint_fn(double t, double *out, void *c)
{
    yint_ctx *q = c;
    size_t p = q->l->p, m = 1 + p * p;
    for (size_t k = 0; k < m; k++) out[k] = 0;
    double y = q->e0 + q->sgn * pow(t, q->kpow), jac = q->kpow * pow(t, q->kpow - 1);
    if (jac == 0) return;
    double lz, g[PL_MIM_PMAX];
    pl_status st = pl_mim_gout(q->l, y, q->w, q->V, &lz, g, NULL);
    if (st != PL_OK) {
        if (st != PL_EINVAL) q->st = st;
        return;
    }
    double e = exp(lz - q->shift) * jac;
    if (!isfinite(e)) return;
    out[0] = e;
    for (size_t i = 0; i < p * p; i++) out[1 + i] = e * g[i / p] * g[i % p];
}

/* E_{y | w}[g g^T] for a deterministic continuous link with a singular point of the label
 * density (z1 z2: log, y = z^2 and ||z||^2/p: square root): adaptive integration over y with
 * Z(y; w, V) from log Z_out, substitutions y = e +- t^3 (log) or t^2 (sqrt) at the point. The
 * Gauss-Hermite rule in (xi, u) would meet the singularity of g along the level set y = e. */
static pl_status yint_expect(const pl_mim_link *l, const double *w, const double *V,
                             double smax, double *acc)
{
    const pl_mim_link_type *t = l->type;
    size_t p = l->p, m = 1 + p * p;
    double wn = 0;
    for (size_t i = 0; i < p; i++) wn += w[i] * w[i];
    double R = sqrt(wn) + 9.0 * smax, Y = R * R;
    yint_ctx c = {.l = l, .w = w, .V = V, .e0 = t->edge_at, .st = PL_OK};
    c.kpow = t->edge == PL_MIM_EDGE_LOG ? 3 : 2;
    double res[1 + PL_MIM_PMAX * PL_MIM_PMAX];
    for (size_t k = 0; k < m; k++) acc[k] = 0;
    /* shift: log Z at a probe label */
    {
        double lz, g[PL_MIM_PMAX], z[PL_MIM_PMAX];
        for (size_t i = 0; i < p; i++) z[i] = w[i] + 0.5;
        double y0 = t->sample(l, z, NULL);
        c.shift = (pl_mim_gout(l, y0, w, V, &lz, g, NULL) == PL_OK && isfinite(lz)) ? lz : 0;
    }
    for (int side = isinf(t->support_lo) ? -1 : 1; side <= 1; side += 2) {
        c.sgn = side;
        double T = pow(Y, 1.0 / c.kpow);
        pl_status st = pl_integrate_vec(yint_fn, &c, 0.0, T, m, 6, 1e-7, 600, res);
        if (st != PL_OK && st != PL_ENOCONV) return st;
        if (c.st != PL_OK) return c.st;
        for (size_t k = 0; k < m; k++) acc[k] += res[k];
    }
    if (!(acc[0] > 0)) return PL_ENAN;
    for (size_t k = 1; k < m; k++) acc[k] /= acc[0];
    return PL_OK;
}

pl_status pl_mim_se_qhat(const pl_mim_link *l, const double *Q, const pl_mim_se_opts *o,
                         double *out, double *se)
{
    size_t p = l->p, q = p * p;
    double V[P2], Qs[P2], Vs[P2];
    for (size_t i = 0; i < q; i++) V[i] = (i % (p + 1) == 0) - Q[i];
    /* keep V positive definite */
    double w[PL_MIM_PMAX], U[P2];
    pl_status st = pl_small_symeig(p, V, w, U);
    if (st != PL_OK) return st;
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
            double s = 0;
            for (size_t k = 0; k < p; k++) s += U[i * p + k] * fmax(w[k], 1e-10) * U[j * p + k];
            V[i * p + j] = s;
        }
    if ((st = psd_sqrt(p, Q, Qs)) != PL_OK || (st = psd_sqrt(p, V, Vs)) != PL_OK) return st;
    memset(out, 0, q * sizeof *out);
    if (se) memset(se, 0, q * sizeof *se);
    const pl_mim_link_type *t = l->type;
    int deterministic = t->likelihood == NULL;
    int discrete = t->kind == PL_MIM_DISCRETE;
    size_t dims = discrete ? p : 2 * p;
    int noisy_dim = l->noise > 0;
    int use_mc = p > 3 || !deterministic || (noisy_dim && !discrete && p >= 2);
    double g[PL_MIM_PMAX], xi[2 * PL_MIM_PMAX + 1], om[PL_MIM_PMAX], z[PL_MIM_PMAX];
    if (use_mc) {
        size_t N = o->nmc ? o->nmc : 20000;
        pl_rng rng;
        pl_rng_init(&rng, o->seed, 0x5e);
        double *m2 = calloc(q, sizeof *m2);
        if (!m2) return PL_ENOMEM;
        for (size_t s = 0; s < N; s++) {
            for (size_t i = 0; i < 2 * p; i++) xi[i] = pl_rng_normal(&rng);
            pl_small_mv(p, Qs, xi, om);
            pl_small_mv(p, Vs, xi + p, z);
            for (size_t i = 0; i < p; i++) z[i] += om[i];
            double y = pl_mim_sample(l, z, &rng);
            st = pl_mim_gout(l, y, om, V, NULL, g, NULL);
            if (st != PL_OK) {
                free(m2);
                return st;
            }
            for (size_t i = 0; i < q; i++) {
                double v = g[i / p] * g[i % p];
                double d = v - out[i];
                out[i] += d / (double)(s + 1);
                m2[i] += d * (v - out[i]);
            }
        }
        if (se)
            for (size_t i = 0; i < q; i++) se[i] = sqrt(m2[i] / (double)(N - 1) / (double)N);
        free(m2);
        return PL_OK;
    }
    int use_yint = !discrete && deterministic && !noisy_dim && t->edge != PL_MIM_EDGE_NONE &&
                   (isinf(t->support_lo) || t->support_lo == t->edge_at);
    if (use_yint) {
        /* Gauss-Hermite over xi (p dims), adaptive over y */
        size_t n = o->nquad ? o->nquad : (p == 1 ? 40 : (p == 2 ? 12 : 8));
        double *x = malloc(n * sizeof *x), *wt = malloc(n * sizeof *wt);
        if (!x || !wt) {
            free(x);
            free(wt);
            return PL_ENOMEM;
        }
        st = pl_gauss_hermite(n, x, wt);
        double smax = sqrt(fmax(w[p - 1], 1e-10));
        size_t idx[PL_MIM_PMAX] = {0}, total = 1;
        for (size_t k = 0; k < p; k++) total *= n;
        double acc[1 + PL_MIM_PMAX * PL_MIM_PMAX];
        for (size_t c = 0; c < total && st == PL_OK; c++) {
            double wk = 1;
            for (size_t k = 0; k < p; k++) {
                xi[k] = x[idx[k]];
                wk *= wt[idx[k]];
            }
            pl_small_mv(p, Qs, xi, om);
            st = yint_expect(l, om, V, smax, acc);
            for (size_t i = 0; i < q && st == PL_OK; i++) out[i] += wk * acc[1 + i];
            for (size_t k = 0; k < p; k++) {
                if (++idx[k] < n) break;
                idx[k] = 0;
            }
        }
        free(x);
        free(wt);
        return st;
    }
    /* Gauss-Hermite tensor rule */
    size_t n = o->nquad;
    if (n == 0) {
        if (discrete) n = p == 1 ? 60 : (p == 2 ? 24 : 12);
        else n = p == 1 ? 40 : (p == 2 ? 12 : 6);
    }
    size_t nn = noisy_dim ? (p == 1 ? 24 : 12) : 1;
    double *x = malloc(n * sizeof *x), *wt = malloc(n * sizeof *wt);
    double *xn = malloc(nn * sizeof *xn), *wn = malloc(nn * sizeof *wn);
    if (!x || !wt || !xn || !wn) {
        free(x);
        free(wt);
        free(xn);
        free(wn);
        return PL_ENOMEM;
    }
    st = pl_gauss_hermite(n, x, wt);
    if (st == PL_OK) st = pl_gauss_hermite(nn, xn, wn);
    size_t idx[2 * PL_MIM_PMAX] = {0}, total = 1;
    for (size_t k = 0; k < dims; k++) total *= n;
    double sd = sqrt(l->noise);
    for (size_t c = 0; c < total && st == PL_OK; c++) {
        double wk = 1;
        for (size_t k = 0; k < dims; k++) {
            xi[k] = x[idx[k]];
            wk *= wt[idx[k]];
        }
        pl_small_mv(p, Qs, xi, om);
        if (discrete) {
            /* sum over label values v with P(v | w) = Z0(v; w, V), then the noise */
            for (size_t vi = 0; vi < t->nvalues && st == PL_OK; vi++) {
                double lz, v0 = t->values[vi];
                /* P(v|w) from the noise-free channel */
                pl_mim_link l0 = *l;
                l0.noise = 0;
                st = pl_mim_gout(&l0, v0, om, V, &lz, g, NULL);
                if (st != PL_OK) break;
                double pv = exp(lz);
                for (size_t j = 0; j < nn && st == PL_OK; j++) {
                    double y = v0 + sd * xn[j];
                    if (noisy_dim) st = pl_mim_gout(l, y, om, V, NULL, g, NULL);
                    double ww = wk * pv * wn[j];
                    for (size_t i = 0; i < q; i++) out[i] += ww * g[i / p] * g[i % p];
                }
            }
        } else {
            pl_small_mv(p, Vs, xi + p, z);
            for (size_t i = 0; i < p; i++) z[i] += om[i];
            double y0 = t->sample(l, z, NULL);
            for (size_t j = 0; j < nn && st == PL_OK; j++) {
                double y = y0 + sd * xn[j];
                st = pl_mim_gout(l, y, om, V, NULL, g, NULL);
                double ww = wk * wn[j];
                for (size_t i = 0; i < q; i++) out[i] += ww * g[i / p] * g[i % p];
            }
        }
        for (size_t k = 0; k < dims; k++) {
            if (++idx[k] < n) break;
            idx[k] = 0;
        }
    }
    free(x);
    free(wt);
    free(xn);
    free(wn);
    return st;
}

static double m2_of(size_t p, const double *Q)
{
    double f = 0, tr = 0;
    for (size_t i = 0; i < p * p; i++) f += Q[i] * Q[i];
    for (size_t i = 0; i < p; i++) tr += Q[i * p + i];
    return tr > 1e-12 ? f / tr : 0.0;
}

/* Q = Qh (I + Qh)^{-1} */
static pl_status q_from_qhat(size_t p, const double *Qh, double *Q)
{
    double A[P2], Ai[P2];
    for (size_t i = 0; i < p * p; i++) A[i] = Qh[i] + (i % (p + 1) == 0);
    if (!pl_small_spd_inv(p, A, Ai, NULL)) return PL_ENAN;
    pl_small_mm(p, Qh, Ai, Q);
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < i; j++) Q[i * p + j] = Q[j * p + i] = 0.5 * (Q[i * p + j] + Q[j * p + i]);
    return PL_OK;
}

pl_status pl_mim_se_run(const pl_mim_link *l, double alpha, const pl_mim_se_opts *o,
                        pl_mim_se_result *res)
{
    pl_mim_se_opts def = pl_mim_se_default_opts(0);
    if (!o) o = &def;
    size_t p = l->p, q = p * p;
    memset(res, 0, sizeof *res);
    double Q[P2] = {0}, Qh[P2], Qn[P2], se[P2];
    for (size_t i = 0; i < p; i++) Q[i * p + i] = o->q0;
    pl_status st = PL_ENOCONV;
    size_t it;
    for (it = 0; it < o->maxit; it++) {
        pl_status s2 = pl_mim_se_qhat(l, Q, o, Qh, se);
        if (s2 != PL_OK) {
            st = s2;
            break;
        }
        for (size_t i = 0; i < q; i++) Qh[i] *= alpha;
        if ((s2 = q_from_qhat(p, Qh, Qn)) != PL_OK) {
            st = s2;
            break;
        }
        double diff = 0;
        for (size_t i = 0; i < q; i++) {
            double nv = (1 - o->damping) * Q[i] + o->damping * Qn[i];
            if (!isfinite(nv)) {
                st = PL_ENAN;
                break;
            }
            diff = fmax(diff, fabs(nv - Q[i]));
            Q[i] = nv;
        }
        if (st == PL_ENAN) break;
        if (diff < o->tol) {
            st = PL_OK;
            it++;
            break;
        }
    }
    res->iterations = it;
    res->status = st;
    memcpy(res->Q, Q, q * sizeof *Q);
    res->m2 = m2_of(p, Q);
    res->m2_se = 0;
    int mc = p > 3 || l->type->likelihood != NULL ||
             (l->noise > 0 && l->type->kind != PL_MIM_DISCRETE && p >= 2);
    if (mc && st == PL_OK) {
        /* propagate the Monte Carlo error of the last Qhat through Q = Qh (I + Qh)^{-1} */
        double Qp[P2], Qm[P2], Q1[P2], Q2[P2];
        for (size_t i = 0; i < q; i++) {
            Qp[i] = Qh[i] + alpha * se[i];
            Qm[i] = Qh[i] - alpha * se[i];
        }
        if (q_from_qhat(p, Qp, Q1) == PL_OK && q_from_qhat(p, Qm, Q2) == PL_OK)
            res->m2_se = 0.5 * fabs(m2_of(p, Q1) - m2_of(p, Q2));
    }
    return st;
}
