/* Family 7 model and operator identities: flattening, Hermite feature moments (spec O3),
 * the Isserlis identity behind E[M1], the three M1 matvec paths against the dense matrix. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/hier.h"
#include "pl_test.h"

static void test_dims_and_flatten(void)
{
    CHECK(pl_hier_dim(10, 2) == 55, "D(10,2)");
    CHECK(pl_hier_dim(10, 3) == 220, "D(10,3)");
    CHECK(pl_hier_dim(10, 4) == 0, "q = 4 unsupported");
    CHECK(pl_hier_width(800, 0.5) == 28, "p = round(sqrt 800)");
    CHECK_CLOSE(pl_hier_scale(0, 10, 1), 0.1, 1e-15, "scale gamma 0");
    CHECK_CLOSE(pl_hier_scale(0.25, 16, 1), 0.25, 1e-15, "scale gamma 1/4");
    CHECK_CLOSE(pl_hier_scale(1, 16, 1), 1, 1e-15, "scale gamma 1");
    size_t d = 7, D = pl_hier_dim(d, 2);
    pl_rng r;
    pl_rng_init(&r, 1, 1);
    pl_mat A = pl_mat_alloc(d, d), B = pl_mat_alloc(d, d);
    double *a = malloc(D * sizeof *a), *z = malloc(D * sizeof *z), x[7];
    pl_rng_goe(&r, A, 1.0);
    pl_hier_flatten2(A, a);
    pl_hier_unflatten2(a, B);
    double err = 0;
    for (size_t i = 0; i < d * d; i++) err = fmax(err, fabs(A.data[i] - B.data[i]));
    CHECK(err < 1e-14, "unflatten(flatten(A)) = A: %g", err);
    CHECK_CLOSE(pl_dot(D, a, a), pl_mat_frob2(A), 1e-12, "||a|| = ||A||_F");
    pl_rng_normal_fill(&r, x, d, 1.0);
    pl_hier_features(d, 2, x, z);
    double xAx = 0;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) xAx += x[i] * PL_AT(A, i, j) * x[j];
    CHECK_CLOSE(pl_dot(D, a, z), (xAx - pl_mat_trace(A)) / sqrt(2.0), 1e-12,
                "<a, z> = (x^T A x - Tr A)/sqrt 2");
    free(a);
    free(z);
    pl_mat_free(&A);
    pl_mat_free(&B);
}

/* O3: Var z = 1 and E z_a z_b = 0 for the Hermite-2 and -3 features (Monte Carlo, 6 SE) */
static void test_feature_moments(size_t q)
{
    size_t d = 5, D = pl_hier_dim(d, q), N = 40000;
    pl_rng r;
    pl_rng_init(&r, 2, q);
    double *z = malloc(D * sizeof *z), *S = calloc(D * D, sizeof *S), x[5];
    for (size_t k = 0; k < N; k++) {
        pl_rng_normal_fill(&r, x, d, 1.0);
        pl_hier_features(d, q, x, z);
        for (size_t a = 0; a < D; a++)
            for (size_t b = 0; b < D; b++) S[a * D + b] += z[a] * z[b] / (double)N;
    }
    /* Var(z_a z_b) <= E z^4 <= 15^q-ish: SE of an entry below sqrt(E z_a^2 z_b^2 / N);
     * E z^4 is at most 15 for q = 2 (He_2^2/2: E (x^2-1)^4/4 = 15) and 3.3e2/36 for q = 3 */
    double maxdiag = 0, maxoff = 0;
    for (size_t a = 0; a < D; a++)
        for (size_t b = 0; b < D; b++) {
            double v = S[a * D + b] - (a == b);
            if (a == b) maxdiag = fmax(maxdiag, fabs(v));
            else maxoff = fmax(maxoff, fabs(v));
        }
    double se = sqrt((q == 2 ? 15.0 : 10.0 * 6) / (double)N);
    /* the maximum over D^2 entries: allow 5 SE (P(|N| > 5) D^2 < 1e-3 for D <= 35) */
    CHECK(maxdiag < 5 * se, "q=%zu: max |Var z - 1| = %g (5 SE = %g)", q, maxdiag, 5 * se);
    CHECK(maxoff < 5 * se, "q=%zu: max |E z_a z_b| = %g (5 SE = %g)", q, maxoff, 5 * se);
    free(z);
    free(S);
}

/* O3: E[(h^2 - 1)(z z^T - I)] = 2 a a^T (Gaussian z, Monte Carlo) and Var(h^T B h - Tr B) =
 * 2 Tr B^2 */
static void test_isserlis(void)
{
    size_t D = 6, N = 200000;
    pl_rng r;
    pl_rng_init(&r, 3, 3);
    double a[6], z[6], E[36] = {0};
    pl_rng_normal_fill(&r, a, D, 1.0);
    pl_scal(D, 1 / pl_nrm2(D, a), a);
    for (size_t k = 0; k < N; k++) {
        pl_rng_normal_fill(&r, z, D, 1.0);
        double h = pl_dot(D, a, z);
        for (size_t i = 0; i < D; i++)
            for (size_t j = 0; j < D; j++) E[i * D + j] += (h * h - 1) * (z[i] * z[j] - (i == j)) / (double)N;
    }
    /* entries of (h^2-1)(z_i z_j - delta) have variance at most E(h^2-1)^2 E... <= 60 */
    double err = 0, se = sqrt(60.0 / (double)N);
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < D; j++) err = fmax(err, fabs(E[i * D + j] - 2 * a[i] * a[j]));
    CHECK(err < 5 * se, "Isserlis: max error %g (5 SE = %g)", err, 5 * se);

    double b[4] = {1, -0.5, 0.25, 2}, bb = 0, m = 0, m2 = 0, h[4];
    for (size_t i = 0; i < 4; i++) bb += b[i] * b[i];
    for (size_t k = 0; k < N; k++) {
        pl_rng_normal_fill(&r, h, 4, 1.0);
        double s = 0;
        for (size_t i = 0; i < 4; i++) s += b[i] * (h[i] * h[i] - 1);
        m += s;
        m2 += s * s;
    }
    m /= (double)N;
    double var = m2 / (double)N - m * m;
    /* SE of a variance estimate: sqrt((mu4 - var^2)/N); mu4 of s <= 3 var^2 + 48 sum b^4 */
    double se_v = sqrt((2 * 4 * bb * bb + 48 * 17.0625) / (double)N);
    CHECK_CLOSE(var, 2 * bb, 4 * se_v, "Var(h^T B h - Tr B) = 2 Tr B^2");
    CHECK_CLOSE(m, 0, 4 * sqrt(2 * bb / (double)N), "E s = 0");
}

/* the three matvec paths against the dense M1 */
static void test_matvec(pl_hier_input input, size_t q, size_t d, size_t n)
{
    pl_rng r;
    pl_rng_init(&r, 4, 10 * q + (size_t)input);
    pl_hier_teacher t;
    pl_hier_data dat;
    CHECK(pl_hier_teacher_init(&t, d, q, 3, 1.0, 1.0, PL_HIER_ID, &r) == PL_OK, "teacher");
    CHECK(pl_hier_data_sample(&t, n, input, NULL, &r, &dat) == PL_OK, "data");
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) s += dat.y[i], s2 += dat.y[i] * dat.y[i];
    CHECK(fabs(s) < 1e-9 && fabs(s2 / (double)n - 1) < 1e-12, "y standardised: %g %g", s, s2);
    size_t D = t.D;
    /* latent features h = A z against the explicit features */
    double herr = 0, *zf = malloc(D * sizeof *zf);
    for (size_t i = 0; i < n; i++) {
        if (input == PL_HIER_GAUSS) memcpy(zf, dat.Z.data + i * dat.Z.stride, D * sizeof *zf);
        else pl_hier_features(d, q, dat.X.data + i * dat.X.stride, zf);
        for (size_t j = 0; j < t.p; j++)
            herr = fmax(herr, fabs(pl_dot(D, t.A.data + j * t.A.stride, zf) - PL_AT(dat.H, i, j)));
    }
    free(zf);
    CHECK(herr < 1e-12, "h = A z: max error %g", herr);
    pl_mat M = pl_mat_alloc(D, D);
    double *v = malloc(D * sizeof *v), *o1 = malloc(D * sizeof *o1), *o2 = malloc(D * sizeof *o2),
           *o3 = malloc(D * sizeof *o3);
    pl_rng_normal_fill(&r, v, D, 1.0);
    CHECK(pl_hier_m1_dense(&t, &dat, M) == PL_OK, "dense");
    pl_gemv(PL_NOTRANS, 1.0, M, v, 0.0, o1);
    pl_hier_m1_ctx c1 = {.t = &t, .dat = &dat, .chunk = 37};
    pl_hier_m1_ctx c2 = {.t = &t, .dat = &dat, .chunk = 50, .generic = 1};
    CHECK(pl_hier_m1_matvec(v, o2, D, &c1) == PL_OK, "matvec");
    CHECK(pl_hier_m1_matvec(v, o3, D, &c2) == PL_OK, "matvec generic");
    double e2 = 0, e3 = 0, nrm = pl_nrm2(D, o1);
    for (size_t i = 0; i < D; i++) e2 = fmax(e2, fabs(o2[i] - o1[i])), e3 = fmax(e3, fabs(o3[i] - o1[i]));
    CHECK(e2 < 1e-12 * (1 + nrm) && e3 < 1e-12 * (1 + nrm),
          "input %d q %zu: matvec vs dense %g, generic vs dense %g", (int)input, q, e2, e3);
    pl_hier_m1_free(&c1);
    pl_hier_m1_free(&c2);
    /* dense and matrix-free layer 1 agree */
    size_t k = 3;
    double w1[3], w2[3];
    pl_mat V1 = pl_mat_alloc(k, D), V2 = pl_mat_alloc(k, D);
    CHECK(pl_hier_layer1(&t, &dat, k, D, 1e-12, 1, w1, V1, NULL) == PL_OK, "layer1 dense");
    CHECK(pl_hier_layer1(&t, &dat, k, 0, 1e-12, 1, w2, V2, NULL) == PL_OK, "layer1 mf");
    for (size_t j = 0; j < k; j++) {
        CHECK_CLOSE(w1[j], w2[j], 1e-9, "eigenvalue dense vs matrix-free");
        double o = pl_dot(D, V1.data + j * D, V2.data + j * D);
        CHECK_CLOSE(fabs(o), 1, 1e-6, "eigenvector dense vs matrix-free");
    }
    pl_mat_free(&V1);
    pl_mat_free(&V2);
    free(v);
    free(o1);
    free(o2);
    free(o3);
    pl_mat_free(&M);
    pl_hier_data_free(&dat);
    pl_hier_teacher_free(&t);
}

/* E[M1] in the true model: spikes plus the cumulant operator sum_i bt_i K_i, and Var s with
 * its cumulant terms (Monte Carlo; every entry within 5 SE, the Gaussian-equivalent operator
 * visibly off) */
static void test_population_true(void)
{
    pl_rng r;
    pl_rng_init(&r, 8, 8);
    pl_hier_teacher t;
    pl_hier_data dat;
    size_t n = 200000;
    CHECK(pl_hier_teacher_init(&t, 5, 2, 2, 0.0, 1.0, PL_HIER_ID, &r) == PL_OK, "teacher");
    CHECK(pl_hier_data_sample(&t, n, PL_HIER_TRUE, NULL, &r, &dat) == PL_OK, "data");
    size_t D = t.D;
    pl_mat P = pl_mat_alloc(D, D), Pg = pl_mat_alloc(D, D);
    double sd, sdg;
    CHECK(pl_hier_population(&t, PL_HIER_TRUE, P, &sd) == PL_OK, "population true");
    CHECK(pl_hier_population(&t, PL_HIER_GAUSS, Pg, &sdg) == PL_OK, "population gauss");
    /* Var s: SE of the empirical std from the sample fourth moment */
    double m2 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < t.p; j++) s += t.b[j] * (PL_AT(dat.H, i, j) * PL_AT(dat.H, i, j) - 1);
        m2 += s * s / (double)n;
        m4 += s * s * s * s / (double)n;
    }
    double se_sd = sqrt((m4 - m2 * m2) / (double)n) / (2 * sqrt(m2));
    CHECK_CLOSE(dat.ystd, sd, 5 * se_sd, "std of s in the true model");
    /* entries of E[M1] from the summands y (z_a z_b - delta_ab)/2 */
    double *S1 = calloc(D * D, sizeof *S1), *S2 = calloc(D * D, sizeof *S2), *z = malloc(D * sizeof *z);
    for (size_t i = 0; i < n; i++) {
        pl_hier_features(t.d, 2, dat.X.data + i * dat.X.stride, z);
        for (size_t a = 0; a < D; a++)
            for (size_t b = 0; b < D; b++) {
                double v = 0.5 * dat.y[i] * (z[a] * z[b] - (a == b));
                S1[a * D + b] += v;
                S2[a * D + b] += v * v;
            }
    }
    double worst = 0, worst_g = 0;
    for (size_t k = 0; k < D * D; k++) {
        double m = S1[k] / (double)n, se = sqrt(fmax(S2[k] / (double)n - m * m, 1e-300) / (double)n);
        worst = fmax(worst, fabs(m - P.data[k]) / se);
        worst_g = fmax(worst_g, fabs(m - Pg.data[k]) / se);
    }
    printf("population: max |E M1 - P| = %.2f SE (true), %.2f SE (Gaussian-equivalent)\n", worst,
           worst_g);
    /* 225 entries: P(max |N(0,1)| > 5) < 1e-4 */
    CHECK(worst < 5, "true-model E[M1]: worst entry %.2f SE", worst);
    CHECK(worst_g > 10, "the Gaussian-equivalent operator must be rejected: %.2f SE", worst_g);
    free(S1);
    free(S2);
    free(z);
    pl_mat_free(&P);
    pl_mat_free(&Pg);
    pl_hier_data_free(&dat);
    pl_hier_teacher_free(&t);
}

int main(void)
{
    test_dims_and_flatten();
    test_feature_moments(2);
    test_feature_moments(3);
    test_isserlis();
    test_matvec(PL_HIER_TRUE, 2, 9, 700);
    test_matvec(PL_HIER_TRUE, 3, 6, 500);
    test_matvec(PL_HIER_GAUSS, 2, 9, 700);
    test_population_true();
    return pl_test_done("test_hier_model");
}
