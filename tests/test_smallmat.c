/* Small dense algebra: exact identities on random well-conditioned matrices.
 *  - Cholesky: L lower with positive diagonal, L L^T = A; refuses an indefinite matrix.
 *  - SPD inverse: A A^-1 = I, log det = sum of log eigenvalues; Gauss–Jordan inverse agrees
 *    on SPD and inverts a non-symmetric matrix that needs pivoting; singular refused.
 *  - solve: A x = b residual; products against their definitions; eigendecomposition
 *    reconstructs A. */
#include <math.h>
#include <string.h>

#include "phaselab/rng.h"
#include "phaselab/smallmat.h"
#include "pl_test.h"

enum { P = 5 };

/* A = G G^T + 0.5 I with G Gaussian: SPD, condition number of order 10^2 */
static void random_spd(pl_rng *rng, size_t p, double *A)
{
    double G[P * P];
    for (size_t i = 0; i < p * p; i++) G[i] = pl_rng_normal(rng);
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
            double s = i == j ? 0.5 : 0;
            for (size_t k = 0; k < p; k++) s += G[i * p + k] * G[j * p + k];
            A[i * p + j] = s;
        }
}

static double max_dev_identity(size_t p, const double *A, const double *B)
{
    double C[P * P], dev = 0;
    pl_small_mm(p, A, B, C);
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) dev = fmax(dev, fabs(C[i * p + j] - (i == j)));
    return dev;
}

int main(void)
{
    pl_rng rng;
    pl_rng_init(&rng, 7, 1);
    for (size_t p = 1; p <= P; p++) {
        double A[P * P], L[P * P], Ai[P * P], Ag[P * P], w[P], U[P * P], ld;
        random_spd(&rng, p, A);
        CHECK(pl_small_chol(p, A, L), "chol p = %zu", p);
        double dev = 0;
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < p; j++) {
                if (j > i) CHECK(L[i * p + j] == 0, "L upper part zero");
                double s = 0;
                for (size_t k = 0; k < p; k++) s += L[i * p + k] * L[j * p + k];
                dev = fmax(dev, fabs(s - A[i * p + j]));
            }
        CHECK(dev < 1e-12, "L L^T = A (dev %g)", dev);
        CHECK(pl_small_spd_inv(p, A, Ai, &ld), "spd inverse");
        CHECK(max_dev_identity(p, A, Ai) < 1e-11, "A A^-1 = I");
        CHECK(pl_small_symeig(p, A, w, U) == PL_OK, "eig");
        double lsum = 0;
        for (size_t k = 0; k < p; k++) lsum += log(w[k]);
        CHECK_CLOSE(ld, lsum, 1e-11, "log det = sum log eigenvalues");
        dev = 0;
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < p; j++) {
                double s = 0;
                for (size_t k = 0; k < p; k++) s += U[i * p + k] * w[k] * U[j * p + k];
                dev = fmax(dev, fabs(s - A[i * p + j]));
            }
        CHECK(dev < 1e-11, "U diag(w) U^T = A (dev %g)", dev);
        CHECK(pl_small_inv(p, A, Ag), "Gauss-Jordan inverse");
        dev = 0;
        for (size_t i = 0; i < p * p; i++) dev = fmax(dev, fabs(Ag[i] - Ai[i]));
        CHECK(dev < 1e-10, "the two inverses agree (dev %g)", dev);
        /* solve and matrix-vector product */
        double b[P], x[P], Ax[P];
        for (size_t i = 0; i < p; i++) b[i] = pl_rng_normal(&rng);
        CHECK(pl_small_solve(p, A, b, x), "solve");
        pl_small_mv(p, A, x, Ax);
        for (size_t i = 0; i < p; i++) CHECK_CLOSE(Ax[i], b[i], 1e-11, "A x = b");
    }
    /* a permutation-like matrix needs pivoting (zero leading entry) */
    double M[9] = {0, 2, 1, 1, 0, 0, 3, 1, 4}, Mi[9], b[3] = {1, 2, 3}, x[3];
    CHECK(pl_small_inv(3, M, Mi) && max_dev_identity(3, M, Mi) < 1e-14, "pivoted inverse");
    CHECK(pl_small_solve(3, M, b, x), "pivoted solve");
    CHECK_CLOSE(2 * x[1] + x[2], 1, 1e-14, "row 1");
    CHECK_CLOSE(x[0], 2, 1e-14, "row 2");
    CHECK_CLOSE(3 * x[0] + x[1] + 4 * x[2], 3, 1e-14, "row 3");
    /* refusals */
    double S[4] = {1, 2, 2, 4}, I2[4], L2[4];
    CHECK(!pl_small_inv(2, S, I2), "singular: no inverse");
    CHECK(!pl_small_solve(2, S, b, x), "singular: no solve");
    CHECK(!pl_small_chol(2, S, L2) && !pl_small_spd_inv(2, S, I2, NULL), "not positive definite");
    double Nd[4] = {1, 0, 0, -1};
    CHECK(!pl_small_chol(2, Nd, L2), "indefinite");
    double big[(PL_SMALL_MAX + 1) * (PL_SMALL_MAX + 1)];
    memset(big, 0, sizeof big);
    CHECK(!pl_small_inv(PL_SMALL_MAX + 1, big, big), "p above PL_SMALL_MAX");
    return pl_test_done("test_smallmat");
}
