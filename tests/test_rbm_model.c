/* Family 3 (RBM): exact identities. Psi and M(Q) in closed form (k = 1, 2) and M as the
 * derivative of Psi (k = 3); the gradient of l(W) against central finite differences (k = 1,
 * 2, 3); overlap identities; the prox; the sampler's spike variance; AMP's fixed point is a
 * stationary point of l. */
#include <math.h>
#include <stdlib.h>

#include "phaselab/rbm.h"
#include "pl_test.h"

static void check_psi(void)
{
    double psi, M[9], q = 0.7;
    CHECK(pl_rbm_psi(1, &q, &psi, M) == PL_OK, "psi k=1");
    CHECK_CLOSE(psi, q / 2, 1e-14, "Psi(q) = q/2 for one +-1 unit");
    CHECK_CLOSE(M[0], 1, 1e-14, "M = 1 for k = 1");
    double Q2[4] = {0.8, -0.3, -0.3, 1.1};
    CHECK(pl_rbm_psi(2, Q2, &psi, M) == PL_OK, "psi k=2");
    CHECK_CLOSE(psi, (0.8 + 1.1) / 2 + log(cosh(-0.3)), 1e-14, "Psi k=2 closed form");
    CHECK_CLOSE(M[1], tanh(-0.3), 1e-14, "M_12 = tanh Q_12");
    CHECK_CLOSE(M[0] + M[3], 2, 1e-14, "diag M = 1");
    /* k = 3: dPsi/dQ_ab = M_ab / 2 (entries varied one at a time) */
    double Q3[9] = {1.2, 0.4, -0.2, 0.4, 0.9, 0.3, -0.2, 0.3, 1.5}, h = 1e-6;
    CHECK(pl_rbm_psi(3, Q3, &psi, M) == PL_OK, "psi k=3");
    for (int a = 0; a < 9; a++) {
        double Qp[9], Qm[9], pp, pm;
        for (int b = 0; b < 9; b++) Qp[b] = Qm[b] = Q3[b];
        Qp[a] += h;
        Qm[a] -= h;
        pl_rbm_psi(3, Qp, &pp, NULL);
        pl_rbm_psi(3, Qm, &pm, NULL);
        CHECK_CLOSE((pp - pm) / (2 * h), M[a] / 2, 1e-8, "dPsi/dQ = M/2 (k=3)");
    }
    /* large Q: log-sum-exp keeps it finite */
    double Qbig[4] = {800, 700, 700, 800};
    CHECK(pl_rbm_psi(2, Qbig, &psi, M) == PL_OK && isfinite(psi), "Psi finite at large Q");
    CHECK_CLOSE(psi, 1500 - log(2.0), 1e-9, "Psi at large Q");
    CHECK(pl_rbm_psi(0, Q2, &psi, M) == PL_EINVAL, "k = 0 rejected");
}

static void check_grad(size_t k)
{
    size_t d = 24, n = 60;
    pl_rng rng;
    pl_rng_init(&rng, 11 + k, 0);
    double beta[3] = {1.5, 1.0, 0.7};
    pl_mat V = pl_mat_alloc(n, d), U = pl_mat_alloc(d, k), W = pl_mat_alloc(d, k);
    pl_mat G = pl_mat_alloc(d, k), lam = pl_mat_alloc(n, k);
    CHECK(pl_rbm_sample(&rng, beta, V, U) == PL_OK, "sample");
    pl_rng_normal_mat(&rng, W, 1.3);
    double loss;
    CHECK(pl_rbm_loss_grad(V, W, &loss, G, lam) == PL_OK, "loss_grad");
    double h = 1e-5, maxerr = 0, maxg = 0;
    for (size_t i = 0; i < d * k; i++) {
        double w0 = W.data[i], lp, lm;
        W.data[i] = w0 + h;
        pl_rbm_loss_grad(V, W, &lp, (pl_mat){0}, lam);
        W.data[i] = w0 - h;
        pl_rbm_loss_grad(V, W, &lm, (pl_mat){0}, lam);
        W.data[i] = w0;
        double fd = (lp - lm) / (2 * h);
        maxerr = fmax(maxerr, fabs(fd - G.data[i]));
        maxg = fmax(maxg, fabs(G.data[i]));
    }
    /* central differences: error O(h^2 l''') + O(eps |l| / h) ~ 1e-10 */
    CHECK(maxerr < 1e-8 * fmax(1, maxg) * 10, "k=%zu: gradient vs finite differences %.3g",
          k, maxerr);
    pl_mat_free(&V);
    pl_mat_free(&U);
    pl_mat_free(&W);
    pl_mat_free(&G);
    pl_mat_free(&lam);
}

static void check_overlap_prox_sampler(void)
{
    size_t d = 50, k = 2;
    pl_rng rng;
    pl_rng_init(&rng, 3, 0);
    double beta[2] = {1, 1}, m2;
    pl_mat V = pl_mat_alloc(10, d), U = pl_mat_alloc(d, k), W = pl_mat_alloc(d, k);
    pl_rbm_sample(&rng, beta, V, U);
    /* W = U R (R invertible): same span, m2 = 1 */
    for (size_t i = 0; i < d; i++) {
        double a = U.data[i * k], b = U.data[i * k + 1];
        W.data[i * k] = 2 * a + b;
        W.data[i * k + 1] = -a + 0.5 * b;
    }
    CHECK(pl_rbm_overlap2(W, U, &m2) == PL_OK, "overlap");
    CHECK_CLOSE(m2, 1, 1e-12, "span(W) = span(U)");
    /* one column in the span, one orthogonal to it: mean squared cosine 1/2 */
    pl_rng_normal_mat(&rng, W, 1);
    for (size_t i = 0; i < d; i++) W.data[i * k] = U.data[i * k];
    for (size_t j = 0; j < k; j++) {
        double c = 0;
        for (size_t i = 0; i < d; i++) c += U.data[i * k + j] * W.data[i * k + 1];
        for (size_t i = 0; i < d; i++) W.data[i * k + 1] -= c * U.data[i * k + j];
    }
    pl_rbm_overlap2(W, U, &m2);
    CHECK_CLOSE(m2, 0.5, 1e-12, "half the span");
    pl_mat_free(&V);
    pl_mat_free(&U);
    pl_mat_free(&W);
    /* prox */
    double worst = 0;
    for (double s = 0; s < 0.999; s += 0.1)
        for (double om = -20; om <= 20; om += 0.37) {
            double l = pl_rbm_prox(om, s);
            worst = fmax(worst, fabs(l - s * tanh(l) - om));
        }
    CHECK(worst < 1e-12, "prox residual %.3g", worst);
    /* sampler: u^T C u has mean 1 + beta and variance (4 beta + 2)/n per sample mean */
    size_t n = 20000, dd = 40;
    double b1 = 2.0;
    pl_mat V1 = pl_mat_alloc(n, dd), U1 = pl_mat_alloc(dd, 1);
    pl_rbm_sample(&rng, &b1, V1, U1);
    double acc = 0;
    for (size_t mu = 0; mu < n; mu++) {
        double p = 0;
        for (size_t i = 0; i < dd; i++) p += V1.data[mu * dd + i] * U1.data[i];
        acc += p * p;
    }
    CHECK_CLOSE(acc / (double)n, 1 + b1, 4 * sqrt((4 * b1 + 2) / (double)n),
                "u^T C u = 1 + beta (4 SE)");
    pl_mat_free(&V1);
    pl_mat_free(&U1);
}

static void check_amp_stationary(void)
{
    size_t d = 300, n = 1500;
    pl_rng rng;
    pl_rng_init(&rng, 5, 0);
    double beta = 1;
    pl_mat V = pl_mat_alloc(n, d), U = pl_mat_alloc(d, 1), W = pl_mat_alloc(d, 1);
    pl_mat G = pl_mat_alloc(d, 1), lam = pl_mat_alloc(n, 1);
    pl_rbm_sample(&rng, &beta, V, U);
    for (size_t i = 0; i < d; i++) W.data[i] = sqrt((double)d) * U.data[i] * 1.2 + 0.3 * pl_rng_normal(&rng);
    pl_rbm_amp_info info;
    pl_status st = pl_rbm_amp(V, W.data, NULL, &info);
    CHECK(st == PL_OK, "AMP converged: %s (%zu it)", pl_strerror(st), info.iterations);
    double loss;
    pl_rbm_loss_grad(V, W, &loss, G, lam);
    /* stationarity: d |grad| / |w| is the relative residual of alpha w = X^T tanh(X w) */
    double gn = sqrt(pl_mat_frob2(G)) * (double)d / sqrt(pl_mat_frob2(W));
    CHECK(gn < 1e-8, "AMP fixed point is a stationary point: %.3g", gn);
    pl_mat_free(&V);
    pl_mat_free(&U);
    pl_mat_free(&W);
    pl_mat_free(&G);
    pl_mat_free(&lam);
}

int main(void)
{
    check_psi();
    for (size_t k = 1; k <= 3; k++) check_grad(k);
    check_overlap_prox_sampler();
    check_amp_stationary();
    return pl_test_done("test_rbm_model");
}
