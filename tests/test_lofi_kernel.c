/* Neural LoFi kernels and reductions: NNGP identities (sigmoid, ReLU), finite-width Grams
 * against the NNGP kernel (3 standard errors), A^T G A = I_K and the eigen-equation of the
 * kernel-form reduction, the finite-width reduction equal to the kernel form on G = Z Z^T,
 * the signed covariance and im2col against direct formulas. */
#include <math.h>
#include <stdlib.h>

#include "phaselab/eigred.h"
#include "phaselab/lofi.h"
#include "phaselab/quad.h"
#include "pl_test.h"

static double sig(double x) { return 1.0 / (1.0 + exp(-x)); }
static double sig2(double z, void *ctx)
{
    double q = *(double *)ctx, s = sig(sqrt(q) * z);
    return s * s * exp(-0.5 * z * z) / sqrt(2 * 3.14159265358979323846);
}

/* E[relu(a) relu(b)] = int_0^inf phi(z) sqrt(q1) z E[relu(mu + s z2)] dz with
 * mu = rho sqrt(q2) z, s = sqrt(q2 (1 - rho^2)): E relu(mu + s g) = mu Phi(mu/s) + s phi(mu/s) */
typedef struct { double q1, q2, rho; } relu_ctx;
static double relu_outer(double z, void *vctx)
{
    relu_ctx *c = vctx;
    double mu = c->rho * sqrt(c->q2) * z, s = sqrt(c->q2 * (1 - c->rho * c->rho));
    double t = mu / s, inner = mu * 0.5 * erfc(-t / sqrt(2.0)) + s * exp(-0.5 * t * t) / sqrt(2 * 3.14159265358979323846);
    return exp(-0.5 * z * z) / sqrt(2 * 3.14159265358979323846) * sqrt(c->q1) * z * inner;
}

/* sigmoid reference by a 60-node tensor rule */
typedef struct { double q1, q2, rho; } sig_ctx;
static double sig_prod(const double *z, size_t K, void *vctx)
{
    (void)K;
    sig_ctx *c = vctx;
    double a = sqrt(c->q1) * z[0];
    double b = sqrt(c->q2) * (c->rho * z[0] + sqrt(1 - c->rho * c->rho) * z[1]);
    return sig(a) * sig(b);
}

static void test_identities(void)
{
    pl_lofi_kernel ks, kr;
    pl_lofi_kernel k20;
    CHECK(pl_lofi_kernel_init(&ks, PL_LOFI_SIGMOID, PL_LOFI_NQUAD_MAX) == PL_OK, "init");
    CHECK(pl_lofi_kernel_init(&k20, PL_LOFI_SIGMOID, PL_LOFI_NQUAD) == PL_OK, "init");
    CHECK(pl_lofi_kernel_init(&kr, PL_LOFI_RELU, PL_LOFI_NQUAD) == PL_OK, "init");
    CHECK(pl_lofi_kernel_init(&kr, PL_LOFI_RELU, 0) == PL_EINVAL, "0 nodes accepted");
    CHECK_CLOSE(pl_lofi_nngp(&ks, 0, 0, 0), 0.25, 1e-15, "sigmoid K at zero input");
    CHECK_CLOSE(pl_lofi_nngp(&ks, 1.3, 0.7, 0), 0.25, 1e-14, "sigmoid K of independent inputs");
    double qs[] = {0.3, 1.0, 2.5};
    for (int i = 0; i < 3; i++) {
        double q = qs[i], ref, err;
        pl_integrate_inf(sig2, &q, 1e-13, 1e-13, 200, &ref, &err);
        CHECK_CLOSE(pl_lofi_nngp(&ks, q, q, q), ref, 1e-11, "sigmoid K(x,x) = E s(h)^2");
        /* the documented accuracy of the default 20-node rule (header) */
        CHECK_CLOSE(pl_lofi_nngp(&k20, q, q, q), ref, 2e-6, "20-node sigmoid K(x,x)");
        CHECK_CLOSE(pl_lofi_nngp(&kr, q, q, q), q / 2, 1e-14, "relu K(x,x) = q/2");
        CHECK_CLOSE(pl_lofi_nngp(&kr, q, 2 * q, 0), sqrt(2.0) * q / (2 * 3.14159265358979323846),
                    1e-14, "relu K orthogonal");
    }
    double cases[][3] = {{1.0, 1.0, 0.5}, {0.5, 2.0, -0.3}, {2.0, 0.8, 0.9}};
    for (int i = 0; i < 3; i++) {
        double q1 = cases[i][0], q2 = cases[i][1], rho = cases[i][2], q12 = rho * sqrt(q1 * q2);
        relu_ctx rc = {q1, q2, rho};
        double ref, err;
        pl_integrate(relu_outer, &rc, 0, 40, 1e-13, 1e-12, 0, 400, &ref, &err);
        CHECK_CLOSE(pl_lofi_nngp(&kr, q1, q2, q12), ref, 1e-10, "relu J1 closed form");
        sig_ctx sc = {q1, q2, rho};
        pl_gauss_expect(2, 60, sig_prod, &sc, &ref);
        CHECK_CLOSE(pl_lofi_nngp(&ks, q1, q2, q12), ref, 1e-11, "sigmoid 2-d rule");
        CHECK_CLOSE(pl_lofi_nngp(&ks, q1, q2, q12), pl_lofi_nngp(&ks, q2, q1, q12), 1e-11,
                    "sigmoid symmetric");
        CHECK_CLOSE(pl_lofi_nngp(&k20, q1, q2, q12), ref, 2e-6, "20-node sigmoid");
    }
}

/* (Z Z^T)_ij with Z = sigma(X W / c)/sqrt(P) is a mean of P i.i.d. terms: within 3 SE of the
 * NNGP kernel at q_ij = x_i.x_j / c^2. */
static void test_finite_gram(pl_lofi_act act)
{
    size_t n = 4, d = 6, P = 40000;
    pl_rng rng;
    pl_rng_init(&rng, 11 + act, 0);
    pl_mat X = pl_mat_alloc(n, d), W = pl_mat_alloc(d, P), Z = pl_mat_alloc(n, P);
    pl_rng_normal_mat(&rng, X, 1.0);
    pl_rng_normal_mat(&rng, W, 1.0);
    double c = pl_lofi_rms_norm(X);
    CHECK(pl_lofi_expand(act, X, W, c, Z) == PL_OK, "expand");
    pl_lofi_kernel k;
    pl_lofi_kernel_init(&k, act, PL_LOFI_NQUAD);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            double m = 0, m2 = 0;
            for (size_t p = 0; p < P; p++) {
                double t = PL_AT(Z, i, p) * PL_AT(Z, j, p) * (double)P;
                m += t;
                m2 += t * t;
            }
            m /= (double)P;
            double se = sqrt((m2 / (double)P - m * m) / (double)(P - 1));
            double q1 = pl_dot(d, &PL_AT(X, i, 0), &PL_AT(X, i, 0)) / (c * c);
            double q2 = pl_dot(d, &PL_AT(X, j, 0), &PL_AT(X, j, 0)) / (c * c);
            double q12 = pl_dot(d, &PL_AT(X, i, 0), &PL_AT(X, j, 0)) / (c * c);
            CHECK_CLOSE(m, pl_lofi_nngp(&k, q1, q2, q12), 3 * se, "finite Gram vs NNGP");
        }
    pl_mat_free(&X);
    pl_mat_free(&W);
    pl_mat_free(&Z);
}

/* Kernel-form reduction on an NNGP Gram: A^T G A = I_K, F = G A, M B = B diag(w). */
static void test_kernel_reduce(void)
{
    size_t n = 60, d = 10, K = 7;
    pl_rng rng;
    pl_rng_init(&rng, 5, 0);
    pl_mat X = pl_mat_alloc(n, d), L = pl_mat_alloc(n, n), G = pl_mat_alloc(n, n);
    double *y = malloc(n * sizeof *y), *dg = malloc(n * sizeof *dg), w[7];
    pl_rng_normal_mat(&rng, X, 1.0);
    for (size_t i = 0; i < n; i++) y[i] = PL_AT(X, i, 0) * PL_AT(X, i, 1) > 0 ? 1 : -1;
    pl_syrk(PL_NOTRANS, 1.0, X, 0.0, L);
    for (size_t i = 0; i < n; i++) dg[i] = PL_AT(L, i, i);
    pl_lofi_kernel k;
    pl_lofi_kernel_init(&k, PL_LOFI_RELU, PL_LOFI_NQUAD);
    pl_lofi_nngp_gram(&k, L, dg, dg, 1.0 / (double)d, G);
    /* the identity holds for an unclipped G: check its smallest eigenvalue is above eps */
    pl_mat Gc = pl_mat_alloc(n, n);
    double *ev = malloc(n * sizeof *ev);
    pl_mat_copy(Gc, G);
    pl_syev(Gc, ev);
    CHECK(ev[0] > 1e-6, "test Gram not full rank: min eigenvalue %g", ev[0]);
    pl_mat_free(&Gc);
    free(ev);
    pl_mat A = pl_mat_alloc(n, K), F = pl_mat_alloc(n, K), GA = pl_mat_alloc(n, K),
           I = pl_mat_alloc(K, K);
    CHECK(pl_lofi_kernel_reduce(G, y, K, 1e-6, w, A, F) == PL_OK, "kernel reduce");
    pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, G, A, 0.0, GA);
    pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, A, GA, 0.0, I);
    double e = 0, ef = 0;
    for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++) e = fmax(e, fabs(PL_AT(I, a, b) - (a == b)));
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < K; a++) ef = fmax(ef, fabs(PL_AT(GA, i, a) - PL_AT(F, i, a)));
    CHECK_CLOSE(e, 0, 1e-8, "A^T G A = I_K");
    CHECK_CLOSE(ef, 0, 1e-9, "F = G A");
    for (size_t a = 1; a < K; a++) CHECK(fabs(w[a]) <= fabs(w[a - 1]), "sorted by |lambda|");
    /* F^T diag(y) F = diag(w): B^T M B with F = G^{1/2} B */
    double em = 0;
    for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++) {
            double s = 0;
            for (size_t i = 0; i < n; i++) s += PL_AT(F, i, a) * y[i] * PL_AT(F, i, b);
            em = fmax(em, fabs(s - (a == b ? w[a] : 0)));
        }
    CHECK_CLOSE(em, 0, 1e-9 * fabs(w[0]), "F^T Y F = diag(w)");
    pl_mat_free(&X);
    pl_mat_free(&L);
    pl_mat_free(&G);
    pl_mat_free(&A);
    pl_mat_free(&F);
    pl_mat_free(&GA);
    pl_mat_free(&I);
    free(y);
    free(dg);
}

/* Finite width: Z V from the P x P signed covariance equals (up to column signs) the kernel
 * form's G^{1/2} B on G = Z Z^T; eigenvalues of M are n times those of C. */
static void test_primal_dual(void)
{
    size_t n = 40, P = 70, K = 5;
    pl_rng rng;
    pl_rng_init(&rng, 9, 0);
    pl_mat Z = pl_mat_alloc(n, P), C = pl_mat_alloc(P, P), V = pl_mat_alloc(P, K),
           H = pl_mat_alloc(n, K), G = pl_mat_alloc(n, n), F = pl_mat_alloc(n, K), A0 = {0};
    double *y = malloc(n * sizeof *y), w1[5], w2[5];
    pl_rng_normal_mat(&rng, Z, 1.0);
    for (size_t i = 0; i < n; i++) y[i] = pl_rng_uniform(&rng) < 0.5 ? -1 : 1;
    CHECK(pl_lofi_signed_cov(Z, y, 1.0 / (double)n, 0.0, C) == PL_OK, "signed cov");
    CHECK(pl_eigred_topk_abs(C, K, w1, V) == PL_OK, "eigred");
    pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, Z, V, 0.0, H);
    pl_syrk(PL_NOTRANS, 1.0, Z, 0.0, G);
    CHECK(pl_lofi_kernel_reduce(G, y, K, 1e-6, w2, A0, F) == PL_OK, "kernel reduce");
    for (size_t a = 0; a < K; a++) {
        CHECK_CLOSE(w2[a], (double)n * w1[a], 1e-9 * fabs(w2[0]), "eigenvalues n C = M");
        double dp = 0, dm = 0;
        for (size_t i = 0; i < n; i++) {
            dp = fmax(dp, fabs(PL_AT(H, i, a) - PL_AT(F, i, a)));
            dm = fmax(dm, fabs(PL_AT(H, i, a) + PL_AT(F, i, a)));
        }
        CHECK_CLOSE(fmin(dp, dm), 0, 1e-8, "Z V = G^{1/2} B up to sign");
    }
    pl_mat_free(&Z);
    pl_mat_free(&C);
    pl_mat_free(&V);
    pl_mat_free(&H);
    pl_mat_free(&G);
    pl_mat_free(&F);
    free(y);
}

static void test_signed_cov_direct(void)
{
    size_t n = 600, P = 9; /* several row blocks of 256 */
    pl_rng rng;
    pl_rng_init(&rng, 3, 0);
    pl_mat Z = pl_mat_alloc(n, P), C = pl_mat_alloc(P, P);
    double *w = malloc(n * sizeof *w);
    pl_rng_normal_mat(&rng, Z, 1.0);
    for (size_t i = 0; i < n; i++) w[i] = i % 7 == 0 ? 0.0 : pl_rng_normal(&rng);
    for (size_t i = 0; i < P; i++) PL_AT(C, i, i) = 1.0;
    CHECK(pl_lofi_signed_cov(Z, w, 0.5, 2.0, C) == PL_OK, "signed cov");
    double e = 0;
    for (size_t a = 0; a < P; a++)
        for (size_t b = 0; b < P; b++) {
            double s = 2.0 * (a == b);
            for (size_t i = 0; i < n; i++) s += 0.5 * w[i] * PL_AT(Z, i, a) * PL_AT(Z, i, b);
            e = fmax(e, fabs(s - PL_AT(C, a, b)));
        }
    CHECK_CLOSE(e, 0, 1e-11, "signed cov = beta C + scale Z^T diag(w) Z");
    pl_mat_free(&Z);
    pl_mat_free(&C);
    free(w);
}

static void test_im2col(void)
{
    size_t s = 7, S = s * s;
    pl_rng rng;
    pl_rng_init(&rng, 4, 0);
    double img[49], f[25], out[49];
    pl_rng_normal_fill(&rng, img, S, 1.0);
    pl_rng_normal_fill(&rng, f, 25, 1.0);
    pl_mat Pt = pl_mat_alloc(S, 25);
    pl_lofi_im2col(img, s, Pt);
    pl_gemv(PL_NOTRANS, 1.0, Pt, f, 0.0, out);
    double e = 0;
    for (long r = 0; r < (long)s; r++)
        for (long q = 0; q < (long)s; q++) {
            double v = 0;
            for (long a = -2; a <= 2; a++)
                for (long b = -2; b <= 2; b++)
                    if (r + a >= 0 && r + a < (long)s && q + b >= 0 && q + b < (long)s)
                        v += img[(r + a) * (long)s + q + b] * f[(a + 2) * 5 + b + 2];
            e = fmax(e, fabs(v - out[r * (long)s + q]));
        }
    CHECK_CLOSE(e, 0, 1e-13, "im2col correlation = direct 5x5 'same' correlation");
    pl_mat_free(&Pt);
}

int main(void)
{
    test_identities();
    test_finite_gram(PL_LOFI_RELU);
    test_finite_gram(PL_LOFI_SIGMOID);
    test_kernel_reduce();
    test_primal_dual();
    test_signed_cov_direct();
    test_im2col();
    return pl_test_done("test_lofi_kernel");
}
