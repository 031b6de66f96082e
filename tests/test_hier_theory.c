/* Family 7 theory: the spec's O1 oracle row, threshold cases, R_th, the exponent, btilde, and
 * the finite-ratio theory against its own small-ratio expansion. */
#include <math.h>
#include <stdlib.h>

#include "phaselab/hier.h"
#include "pl_test.h"

static void test_o1(void)
{
    double d = 800;
    size_t p = pl_hier_width(800, 0.5);
    CHECK(p == 28, "p = %zu", p);
    CHECK_CLOSE(pl_hier_alpha_th(1, d, 1.0, 0.5, 2), 2.0, 1e-12, "alpha_first");
    CHECK_CLOSE(pl_hier_alpha_th((double)p, d, 1.0, 0.5, 2), 2.997, 5e-4, "alpha_th(p)");
    const double al[4] = {2.2, 2.5, 2.8, 3.0}, m_want[4] = {1, 5, 14, 28};
    const double r_want[3] = {0.379, 0.091, 0.021};
    for (int k = 0; k < 4; k++) {
        double m = pl_hier_m_th(al[k], d, p, 1.0, 0.5, 2);
        CHECK(m == m_want[k], "m_th(%g) = %g, want %g", al[k], m, m_want[k]);
        if (k < 3) CHECK_CLOSE(pl_hier_r_th(m, p, 1.0), r_want[k], 5e-4, "R_th");
    }
    /* gamma < 1/2: alpha_th(p) = 2 + eps when p = d^eps exactly (with p = round(d^eps) = 28 it
     * is 2 + eps + 2 gamma log_d(28/sqrt 800)) */
    CHECK_CLOSE(pl_hier_alpha_th(sqrt(d), d, 0.4, 0.5, 2), 2.5, 1e-12, "alpha_th(d^eps), gamma 0.4");
    CHECK_CLOSE(pl_hier_alpha_th((double)p, d, 0.4, 0.5, 2),
                2.5 + 0.8 * log(28 / sqrt(d)) / log(d), 1e-12, "alpha_th(p), gamma 0.4");
    CHECK_CLOSE(pl_hier_alpha_th(1, d, 0.0, 0.5, 2), 2.5, 1e-12, "gamma 0");
    CHECK(pl_hier_m_th(2.49, d, p, 0, 0.5, 2) == 0 && pl_hier_m_th(2.5, d, p, 0, 0.5, 2) == 28,
          "gamma 0: all directions at once");
    CHECK_CLOSE(pl_hier_alpha_th(8, 16, 1.0, 0.5, 3), 3 + 2 * 0.75, 1e-12, "q = 3");
    /* floor on an exact integer: d^((alpha - 2)/2) = 4 exactly at alpha = 2 + 2 log_d 4 */
    double a4 = 2 + 2 * log(4.0) / log(d);
    CHECK(pl_hier_m_th(a4, d, p, 1.0, 0.5, 2) == 4, "m_th on an integer");
    CHECK_CLOSE(pl_hier_r_th(0, p, 1.0), 1, 1e-15, "R_th(0) = 1");
    CHECK_CLOSE(pl_hier_r_th((double)p, p, 1.0), 0, 1e-15, "R_th(p) = 0");
    CHECK_CLOSE(pl_hier_exponent(1.0), 0.5, 1e-15, "exponent gamma 1");
    CHECK_CLOSE(pl_hier_exponent(0.75), 1.0 / 3, 1e-15, "exponent gamma 0.75");
    CHECK(isnan(pl_hier_exponent(0.4)), "no power law below 1/2");
}

static void test_btilde(void)
{
    double b[3] = {1, -0.5, 0.25}, bt[3], bm[3], se[3];
    CHECK(pl_hier_btilde(b, 3, PL_HIER_ID, 0, NULL, bt, NULL) == PL_OK, "btilde id");
    CHECK_CLOSE(bt[0], 1 / sqrt(2 * 1.3125), 1e-15, "btilde_1 = b_1/sqrt(2 Tr B^2)");
    /* Monte Carlo of the same expectation through the tanh path with a tiny scale: tanh(s) ~ s */
    double bs[3] = {1e-4, -0.5e-4, 0.25e-4};
    pl_rng r;
    pl_rng_init(&r, 5, 5);
    CHECK(pl_hier_btilde(bs, 3, PL_HIER_TANH, 200000, &r, bm, se) == PL_OK, "btilde tanh");
    for (int i = 0; i < 3; i++) CHECK_CLOSE(bm[i], bt[i], 4 * se[i] + 1e-6, "btilde MC");
}

/* c -> 0: the finite-ratio spikes approach btilde with the leading correction derived in
 * docs/hierarchical.md: eig = bt + kappa sigma^2/bt, 1 - cos^2 = kappa sigma^2/bt^2 with
 * kappa = 4 E[t^2 h^2] = 1 + 8 bt^2 (sigma^2 = c/4), against deformed Wigner's kappa = 1. */
static void test_small_ratio(void)
{
    double b[4] = {-1, 0.5, 1.0 / 3, -0.25}, bt[4], c = 1e-4, s2 = c / 4;
    pl_hier_btilde(b, 4, PL_HIER_ID, 0, NULL, bt, NULL);
    pl_rng r;
    pl_rng_init(&r, 6, 6);
    pl_hier_fr fr;
    CHECK(pl_hier_finite_ratio(b, 4, PL_HIER_ID, c, 100000, &r, &fr) == PL_OK, "fr");
    for (int i = 0; i < 4; i++) {
        double kap = 1 + 8 * bt[i] * bt[i];
        pl_hier_spike dw = pl_hier_dw_spike(bt[i], s2);
        CHECK(fr.outlier[i] && dw.outlier, "outlier %d", i);
        /* next order is O(sigma^3/bt^3) relative: allow 20% of the first-order term */
        CHECK_CLOSE(1 - fr.cos2[i], kap * s2 / (bt[i] * bt[i]), 0.2 * kap * s2 / (bt[i] * bt[i]),
                    "1 - cos^2 at small c");
        CHECK_CLOSE(fr.eig[i], bt[i] + kap * s2 / bt[i], 0.2 * kap * s2 / fabs(bt[i]),
                    "eig at small c");
        CHECK(fabs(dw.eig - fr.eig[i]) > 0.5 * 8 * bt[i] * bt[i] * s2 / fabs(bt[i]),
              "deformed Wigner misses the spike-row variance");
    }
    CHECK(fr.edge_lo < 0 && fr.edge_hi > 0, "edges");
    pl_hier_fr_free(&fr);
}

int main(void)
{
    test_o1();
    test_btilde();
    test_small_ratio();
    return pl_test_done("test_hier_theory");
}
