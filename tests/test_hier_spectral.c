/* Family 7 layer-1 spectrum against theory (Gaussian-equivalent model, identity link, fixed
 * head b = (-1, 1/2, 1/3, -1/4) so that every seed has the same spike strengths and signs):
 *   - small D/n = 0.002: deformed-Wigner outliers and overlaps (D/n -> 0 theory), with the
 *     finite-ratio minus deformed-Wigner difference as the derived allowance for D/n > 0;
 *   - D/n = 0.05 (the spec's O2 ratio): the finite-ratio theory, mean over seeds within 3 SE
 *     (simulation and Monte Carlo of the theory's label expectations combined);
 *   - the layer-wise predictor end to end: B-hat and the test MSE near its population value. */
#include <math.h>
#include <stdlib.h>

#include "phaselab/hier.h"
#include "pl_test.h"

enum { P = 4, SEEDS = 8 };
static const double B[P] = {-1, 0.5, 1.0 / 3, -0.25};

/* per seed: for directions 0..P-1 the eigenvalue and cos^2 of the closest eigenvector */
static void run_seed(size_t d, size_t n, long seed, double *eig, double *cos2)
{
    pl_rng r;
    pl_rng_init(&r, (uint64_t)seed, 77);
    pl_hier_teacher t;
    pl_hier_data dat;
    CHECK(pl_hier_teacher_init(&t, d, 2, P, 1.0, 1.0, PL_HIER_ID, &r) == PL_OK, "teacher");
    for (int i = 0; i < P; i++) t.b[i] = B[i];
    CHECK(pl_hier_data_sample(&t, n, PL_HIER_GAUSS, NULL, &r, &dat) == PL_OK, "data");
    size_t k = P + 4;
    double w[P + 4];
    pl_mat V = pl_mat_alloc(k, t.D), O = pl_mat_alloc(k, P);
    CHECK(pl_hier_layer1(&t, &dat, k, 2000, 1e-10, 1, w, V, NULL) == PL_OK, "layer 1");
    pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, V, t.A, 0.0, O);
    for (int i = 0; i < P; i++) {
        size_t best = 0;
        double bo = -1;
        for (size_t j = 0; j < k; j++)
            if (PL_AT(O, j, i) * PL_AT(O, j, i) > bo) bo = PL_AT(O, j, i) * PL_AT(O, j, i), best = j;
        eig[i] = w[best];
        cos2[i] = bo;
    }
    pl_mat_free(&V);
    pl_mat_free(&O);
    pl_hier_data_free(&dat);
    pl_hier_teacher_free(&t);
}

static void mean_se(const double *x, int m, double *mean, double *se)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < m; i++) s += x[i];
    s /= m;
    for (int i = 0; i < m; i++) s2 += (x[i] - s) * (x[i] - s);
    *mean = s;
    *se = sqrt(s2 / (m - 1) / m);
}

/* theory by Monte Carlo of the label law: mean and SE over 4 independent label samples */
static void fr_theory(double c, double *eig, double *eig_se, double *cos2, double *cos2_se,
                      int *outlier)
{
    double e[4][P], q[4][P];
    for (int s = 0; s < 4; s++) {
        pl_rng r;
        pl_rng_init(&r, 100 + (uint64_t)s, 9);
        pl_hier_fr fr;
        CHECK(pl_hier_finite_ratio(B, P, PL_HIER_ID, c, 50000, &r, &fr) == PL_OK, "fr");
        for (int i = 0; i < P; i++) {
            e[s][i] = fr.eig[i];
            q[s][i] = fr.cos2[i];
            if (s == 0) outlier[i] = fr.outlier[i];
        }
        pl_hier_fr_free(&fr);
    }
    for (int i = 0; i < P; i++) {
        double xe[4], xq[4];
        for (int s = 0; s < 4; s++) xe[s] = e[s][i], xq[s] = q[s][i];
        mean_se(xe, 4, &eig[i], &eig_se[i]);
        mean_se(xq, 4, &cos2[i], &cos2_se[i]);
    }
}

static void sim_stats(size_t d, size_t n, int seeds, double *em, double *ese, double *cm,
                      double *cse)
{
    double e[SEEDS][P], q[SEEDS][P];
    for (int s = 0; s < seeds; s++) run_seed(d, n, s, e[s], q[s]);
    for (int i = 0; i < P; i++) {
        double xe[SEEDS], xq[SEEDS];
        for (int s = 0; s < seeds; s++) xe[s] = e[s][i], xq[s] = q[s][i];
        mean_se(xe, seeds, &em[i], &ese[i]);
        mean_se(xq, seeds, &cm[i], &cse[i]);
    }
}

static void test_finite_ratio(void)
{
    size_t d = 28, D = pl_hier_dim(d, 2), n = 20 * D; /* D/n = 0.05 */
    double c = (double)D / (double)n;
    double em[P], ese[P], cm[P], cse[P], te[P], tese[P], tc[P], tcse[P];
    int out[P];
    sim_stats(d, n, SEEDS, em, ese, cm, cse);
    fr_theory(c, te, tese, tc, tcse, out);
    double bt[P];
    pl_hier_btilde(B, P, PL_HIER_ID, 0, NULL, bt, NULL);
    for (int i = 0; i < 3; i++) {
        CHECK(out[i], "direction %d predicted above threshold", i);
        double tol_e = 3 * hypot(ese[i], tese[i]), tol_c = 3 * hypot(cse[i], tcse[i]);
        printf("D/n=0.05 dir %d: eig sim %.4f +- %.4f fr %.4f +- %.4f | cos2 sim %.4f +- %.4f fr "
               "%.4f +- %.4f | dw %.4f %.4f\n", i, em[i], ese[i], te[i], tese[i], cm[i], cse[i],
               tc[i], tcse[i], pl_hier_dw_spike(bt[i], c / 4).eig,
               pl_hier_dw_spike(bt[i], c / 4).cos2);
        CHECK_CLOSE(em[i], te[i], tol_e, "finite-ratio outlier location");
        CHECK_CLOSE(cm[i], tc[i], tol_c, "finite-ratio overlap");
    }
    /* the asymptotic formula is off at this ratio (spec O2): the test must be able to see it */
    pl_hier_spike dw = pl_hier_dw_spike(bt[0], c / 4);
    CHECK(fabs(cm[0] - dw.cos2) > 3 * cse[0], "deformed Wigner distinguishable at D/n = 0.05");
    /* direction 4 is below the finite-ratio threshold: no eigenvector aligns with it */
    CHECK(!out[3], "direction 4 below threshold");
    CHECK(cm[3] < 0.25, "direction 4 not recovered: cos2 %g", cm[3]);
}

static void test_deformed_wigner(void)
{
    size_t d = 14, D = pl_hier_dim(d, 2), n = 500 * D; /* D/n = 0.002 */
    double c = (double)D / (double)n;
    double em[P], ese[P], cm[P], cse[P], te[P], tese[P], tc[P], tcse[P], bt[P];
    int out[P];
    sim_stats(d, n, 6, em, ese, cm, cse);
    fr_theory(c, te, tese, tc, tcse, out);
    pl_hier_btilde(B, P, PL_HIER_ID, 0, NULL, bt, NULL);
    for (int i = 0; i < P; i++) {
        pl_hier_spike s = pl_hier_dw_spike(bt[i], c / 4);
        /* allowance: what the deformed-Wigner limit neglects at this ratio, the finite-ratio
         * minus deformed-Wigner difference (with its Monte Carlo error) */
        double al_e = fabs(te[i] - s.eig) + 3 * tese[i], al_c = fabs(tc[i] - s.cos2) + 3 * tcse[i];
        printf("D/n=0.002 dir %d: eig sim %.5f +- %.5f dw %.5f (allow %.5f) | cos2 sim %.5f +- "
               "%.5f dw %.5f (allow %.5f)\n", i, em[i], ese[i], s.eig, al_e, cm[i], cse[i],
               s.cos2, al_c);
        CHECK(s.outlier, "outlier");
        CHECK_CLOSE(em[i], s.eig, 3 * ese[i] + al_e, "deformed-Wigner outlier location");
        CHECK_CLOSE(cm[i], s.cos2, 3 * cse[i] + al_c, "deformed-Wigner overlap");
    }
}

/* end to end: well above every threshold the predictor's test MSE approaches the estimation
 * floor; Bhat's diagonal approaches btilde up to the eigenvector signs' irrelevance */
static void test_predictor(void)
{
    pl_rng r;
    pl_rng_init(&r, 11, 11);
    pl_hier_teacher t;
    pl_hier_data tr, te;
    CHECK(pl_hier_teacher_init(&t, 12, 2, 3, 1.0, 1.0, PL_HIER_ID, &r) == PL_OK, "teacher");
    CHECK(pl_hier_data_sample(&t, 40000, PL_HIER_GAUSS, NULL, &r, &tr) == PL_OK, "train");
    double ms[2] = {tr.ymean, tr.ystd};
    CHECK(pl_hier_data_sample(&t, 4000, PL_HIER_GAUSS, ms, &r, &te) == PL_OK, "test");
    pl_hier_opts o = pl_hier_default_opts(&t);
    pl_hier_fit fit;
    CHECK(pl_hier_spectral_fit(&t, &tr, &o, &fit) == PL_OK, "fit");
    double *pred = malloc(te.n * sizeof *pred), bt[3];
    pl_hier_spectral_predict(&t, &fit, &te, pred);
    double mse = pl_hier_mse(pred, te.y, te.n);
    pl_hier_btilde(t.b, 3, PL_HIER_ID, 0, NULL, bt, NULL);
    /* the layer-1 eigenvalues are the spikes btilde + O(sigma^2/btilde) with sigma^2 = D/4n */
    double s2 = (double)t.D / (4.0 * 40000);
    for (int i = 0; i < 3; i++) {
        double best = 1e9;
        for (int j = 0; j < 3; j++) best = fmin(best, fabs(fit.eig[j] - bt[i]));
        CHECK(best < 10 * s2 / fabs(bt[i]) + 0.01, "eigenvalue near btilde_%d: %g", i, best);
    }
    /* squared error of the prediction: each direction's 1 - cos^2 ~ kappa sigma^2/bt^2 costs
     * about 2 bt^2 (1 - cos^2) of variance; 3 directions, kappa <= 4: below 24 sigma^2 */
    printf("predictor: test mse %.5f (bound %.5f)\n", mse, 24 * s2 + 0.01);
    CHECK(mse < 24 * s2 + 0.01, "test MSE %g", mse);
    double ov;
    size_t rank;
    pl_hier_overlaps(&t, fit.Ahat, &ov, NULL, NULL, &rank);
    CHECK(rank == 3 && ov > 0.9, "rank %zu overlap %g", rank, ov);
    free(pred);
    pl_hier_fit_free(&fit);
    pl_hier_data_free(&tr);
    pl_hier_data_free(&te);
    pl_hier_teacher_free(&t);
}

int main(void)
{
    test_finite_ratio();
    test_deformed_wigner();
    test_predictor();
    return pl_test_done("test_hier_spectral");
}
