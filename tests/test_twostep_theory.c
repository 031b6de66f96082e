/* Family 6 (two GD steps): exact identities. Outlier counts (the spec's rows, integer ratios,
 * vanishing Hermite coefficients), exponents, activation tables (closed forms, Gaussian
 * integration by parts, finite differences), the gradient against finite differences of the
 * loss, the rank-one BBP law, the alignment conditions, and the finite-N kernel theory against
 * its own asymptotics (the Taylor terms a^{o(k+1)}). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/hermite.h"
#include "phaselab/quad.h"
#include "phaselab/twostep.h"
#include "pl_test.h"

static void check_counts(void)
{
    const pl_ts_act *gen[] = {&pl_ts_act_exp, &pl_ts_act_tanh_softplus};
    /* spec O1: (alpha1, alpha2, ratio, new outliers) for a generic activation */
    const double rows[][4] = {{0, 0.3, 0.6, 0}, {0.25, 0.3, 1.2, 1}, {0.3, 0.45, 2.25, 2},
                              {0.45, 0.38, 7.6, 7}};
    for (int g = 0; g < 2; g++)
        for (int i = 0; i < 4; i++) {
            CHECK_CLOSE(pl_ts_ratio(rows[i][0], rows[i][1]), rows[i][2], 1e-12, "ratio");
            int n = pl_ts_count_new(rows[i][0], rows[i][1], gen[g]);
            CHECK(n == (int)rows[i][3], "%s (%g, %g): %d new outliers, spec says %g",
                  gen[g]->name, rows[i][0], rows[i][1], n, rows[i][3]);
        }
    /* integer ratios: floor must not lose one to rounding (0.1/(0.5-0.49) = 9.999...) */
    CHECK(pl_ts_kmax(0.49, 0.1) == 10, "kmax(0.49, 0.1) = %d, want 10", pl_ts_kmax(0.49, 0.1));
    CHECK(pl_ts_kmax(0.2, 0.3) == 1, "kmax(0.2, 0.3) = %d", pl_ts_kmax(0.2, 0.3));
    CHECK(pl_ts_kmax(0.4, 0.4) == 4, "kmax(0.4, 0.4) = %d", pl_ts_kmax(0.4, 0.4));
    CHECK(pl_ts_kmax(0.45, 0.4) == 8, "kmax(0.45, 0.4) = %d", pl_ts_kmax(0.45, 0.4));
    CHECK(pl_ts_kmax(0.25, 0.25) == 1, "kmax(0.25, 0.25) = %d", pl_ts_kmax(0.25, 0.25));
    CHECK(pl_ts_kmax(0.3, 0.2 - 1e-6) == 0, "just below an integer ratio");
    /* every (alpha1, alpha2) on a 0.01 grid with an integer ratio k: floor gives k */
    int bad = 0;
    for (int i = 0; i < 50; i++)
        for (int j = 0; j < 50; j++) {
            double a1 = 0.01 * i, a2 = 0.01 * j;
            int num = j, den = 50 - i; /* ratio = j / (50 - i) exactly */
            if (num % den == 0 && pl_ts_kmax(a1, a2) != num / den) bad++;
        }
    CHECK(bad == 0, "%d integer ratios floored wrong", bad);
    /* vanishing coefficients: tanh (odd) keeps k = 2, 4, 6 of 1..7; ReLU keeps k = 1, 3, 5, 7 */
    CHECK(pl_ts_count_new(0.45, 0.38, &pl_ts_act_tanh) == 3, "tanh count %d",
          pl_ts_count_new(0.45, 0.38, &pl_ts_act_tanh));
    CHECK(pl_ts_count_new(0.45, 0.38, &pl_ts_act_relu) == 4, "relu count %d",
          pl_ts_count_new(0.45, 0.38, &pl_ts_act_relu));
    CHECK(pl_ts_nth_term(0.45, 0.38, &pl_ts_act_tanh, 1) == 2, "first tanh term is k = 2");
    CHECK(pl_ts_nth_term(0.45, 0.38, &pl_ts_act_relu, 2) == 3, "second relu term is k = 3");
    CHECK(pl_ts_nth_term(0.25, 0.3, &pl_ts_act_exp, 2) == -1, "no second term at ratio 1.2");
    /* bad input */
    CHECK(pl_ts_count_new(0.5, 0.3, &pl_ts_act_exp) == -1, "alpha1 = 1/2 rejected");
    CHECK(pl_ts_count_new(0.2, -0.1, &pl_ts_act_exp) == -1, "negative alpha2 rejected");
    /* exponents: alpha2 - k (1/2 - alpha1), main spike max(alpha1, alpha2) */
    CHECK_CLOSE(pl_ts_exponent(0.3, 0.4, 1), 0.2, 1e-15, "exponent k = 1");
    CHECK_CLOSE(pl_ts_exponent(0.3, 0.4, 2), 0.0, 1e-15, "exponent k = 2 (boundary)");
    CHECK_CLOSE(pl_ts_exponent(0.45, 0.4, 0), 0.45, 0, "main spike exponent");
}

static double fn_exp(double z, void *ctx)
{
    (void)ctx;
    return exp(0.5 * z);
}
static double fn_relu(double z, void *ctx)
{
    (void)ctx;
    return z > 0 ? z : 0;
}
typedef struct {
    const pl_ts_act *act;
    unsigned m;
} dctx;
static double fn_deriv(double z, void *ctx)
{
    dctx *c = ctx;
    return c->act->deriv(c->m, z);
}

static void check_activations(void)
{
    double mu[21], num[21];
    /* closed forms against quadrature */
    pl_ts_act_exp.hermite(12, mu);
    pl_hermite_coeffs(fn_exp, NULL, 12, 120, num);
    /* the quadrature sums sigma He_k: its round-off is ~ 1e-16 sqrt(k!) E|sigma| */
    for (int k = 0; k <= 12; k++)
        CHECK_CLOSE(mu[k], num[k], 1e-12 * sqrt(tgamma(k + 1.0)), "exp(z/2) Hermite closed form");
    pl_ts_act_relu.hermite(10, mu);
    pl_hermite_coeffs_adaptive(fn_relu, NULL, 10, 1e-11, num);
    for (int k = 0; k <= 10; k++)
        CHECK_CLOSE(mu[k], num[k], 1e-8, "ReLU Hermite closed form");
    /* Gaussian integration by parts: E[sigma^{(m)}(z)] = mu_m, with the derivative tables */
    const pl_ts_act *sm[] = {&pl_ts_act_exp, &pl_ts_act_tanh, &pl_ts_act_tanh_softplus};
    double x[200], w[200];
    pl_gauss_hermite(200, x, w);
    for (int a = 0; a < 3; a++) {
        sm[a]->hermite(10, mu);
        /* 200 Gauss–Hermite nodes integrate the high derivatives of tanh (poles at +-i pi/2)
         * to ~1e-9 relative up to m = 6, ~1e-8 at m = 7, 8
         * and ~1e-6 at m = 9, 10 (checked against mpmath) */
        for (unsigned m = 0; m <= 10; m++) {
            double e = 0;
            for (int i = 0; i < 200; i++) e += w[i] * sm[a]->deriv(m, x[i]);
            double tl = m <= 6 ? 1e-9 : m <= 8 ? 2e-8 : 2e-6;
            CHECK_CLOSE(e, mu[m], tl * (1 + fabs(mu[m])), "E sigma^(m) = mu_m");
        }
        /* finite differences of the derivative table, and df = deriv(1) */
        for (double z = -2.5; z <= 2.5; z += 0.7) {
            CHECK_CLOSE(sm[a]->df(z), sm[a]->deriv(1, z), 1e-13, "df = deriv(1)");
            double fv, dfv;
            sm[a]->fdf(z, &fv, &dfv);
            CHECK_CLOSE(fv, sm[a]->f(z), 1e-14, "fdf: f");
            CHECK_CLOSE(dfv, sm[a]->df(z), 1e-14, "fdf: df");
            CHECK_CLOSE(sm[a]->f(z), sm[a]->deriv(0, z), 1e-13, "f = deriv(0)");
            for (unsigned m = 1; m <= 8; m++) {
                double h = 1e-4;
                double fd = (sm[a]->deriv(m - 1, z + h) - sm[a]->deriv(m - 1, z - h)) / (2 * h);
                double v = sm[a]->deriv(m, z);
                CHECK_CLOSE(v, fd, 1e-6 * (1 + fabs(v)) * (double)(m * m), "derivative table");
            }
        }
        /* structural zeros agree with the numerical coefficients for k <= 20 */
        sm[a]->hermite(20, mu);
        double es2 = 0;
        for (int i = 0; i < 200; i++) es2 += w[i] * sm[a]->f(x[i]) * sm[a]->f(x[i]);
        for (size_t k = 0; k <= 20; k++) {
            int z = pl_ts_hermite_numzero(mu, k, es2);
            CHECK(z == sm[a]->hermite_zero(k) || (!sm[a]->hermite_zero(k) && k > 14),
                  "%s mu_%zu = %g: numerically %s, structurally %s", sm[a]->name, k, mu[k],
                  z ? "zero" : "nonzero", sm[a]->hermite_zero(k) ? "zero" : "nonzero");
        }
    }
    pl_ts_act_relu.hermite(12, mu);
    for (size_t k = 0; k <= 12; k++)
        CHECK((mu[k] == 0) == pl_ts_act_relu.hermite_zero(k), "ReLU zeros at k = %zu", k);
    CHECK(isnan(pl_ts_act_relu.deriv(2, 0.3)), "ReLU has no second derivative function");
    dctx dc = {&pl_ts_act_tanh, 3};
    (void)fn_deriv(0.1, &dc);
    /* targets: unit variance Hermite links */
    pl_ts_target t;
    CHECK(pl_ts_target_parse("he1+he3", 1, &t) == PL_OK && t.r == 2 && t.nterms == 2,
          "parse he1+he3 multi");
    CHECK(pl_ts_target_parse("he5", 0, &t) == PL_ENOTFOUND, "unknown link");
    for (int l = PL_TS_LINK_HE1; l <= PL_TS_LINK_HE4; l++) {
        double m2 = 0, m1 = 0;
        for (int i = 0; i < 200; i++) {
            double v = pl_ts_link_eval((pl_ts_link)l, x[i]);
            m2 += w[i] * v * v;
            m1 += w[i] * v * x[i];
        }
        CHECK_CLOSE(m2, 1.0, 1e-12, "He_k/sqrt(k!) has unit variance");
        CHECK_CLOSE(m1, l == PL_TS_LINK_HE1 ? 1.0 : 0.0, 1e-12, "c*_1 of He_k");
    }
}

/* G = -grad L against central differences of L, and the step W + eta sqrt(N) G */
static void check_gradient(void)
{
    pl_ts_config c = {.N = 5, .d = 4, .n = 7, .alpha1 = 0.2, .alpha2 = 0.3, .eta0 = 1,
                      .act = &pl_ts_act_tanh_softplus};
    pl_ts_target_parse("he2", 0, &c.target);
    pl_rng rng;
    pl_rng_init(&rng, 3, 1);
    pl_mat W = pl_mat_alloc(c.N, c.d), G = pl_mat_alloc(c.N, c.d), X = pl_mat_alloc(c.n, c.d),
           Z = pl_mat_alloc(c.n, c.N), B = pl_mat_alloc(1, c.d), W2 = pl_mat_alloc(c.N, c.d);
    double a[5], y[7], f[7], r[7], loss, lp, lm;
    pl_rng_normal_mat(&rng, W, 0.5);
    pl_rng_normal_fill(&rng, a, 5, 1 / sqrt(5.0));
    PL_AT(B, 0, 0) = 1;
    pl_ts_sample_batch(&c, B, &rng, X, y);
    const pl_ts_act *acts[] = {&pl_ts_act_tanh_softplus, &pl_ts_act_exp, &pl_ts_act_tanh};
    for (int q = 0; q < 3; q++) {
        CHECK(pl_ts_gradient(acts[q], W, a, X, y, G, Z, f, r, &loss) == PL_OK, "gradient");
        double h = 1e-6, maxerr = 0;
        for (size_t i = 0; i < c.N; i++)
            for (size_t j = 0; j < c.d; j++) {
                double w0 = PL_AT(W, i, j);
                PL_AT(W, i, j) = w0 + h;
                pl_ts_loss(acts[q], W, a, X, y, Z, f, &lp);
                PL_AT(W, i, j) = w0 - h;
                pl_ts_loss(acts[q], W, a, X, y, Z, f, &lm);
                PL_AT(W, i, j) = w0;
                double fd = -(lp - lm) / (2 * h);
                maxerr = fmax(maxerr, fabs(fd - PL_AT(G, i, j)));
            }
        CHECK(maxerr < 1e-8, "%s: gradient vs finite differences, max error %g", acts[q]->name,
              maxerr);
        /* the in-place step equals W + eta sqrt(N) G */
        pl_mat_copy(W2, W);
        double eta = 0.7, l2;
        pl_ts_gd_step(acts[q], W2, a, X, y, eta, Z, f, r, &l2);
        double err = 0;
        for (size_t i = 0; i < c.N; i++)
            for (size_t j = 0; j < c.d; j++)
                err = fmax(err, fabs(PL_AT(W2, i, j) -
                                     (PL_AT(W, i, j) + eta * sqrt((double)c.N) * PL_AT(G, i, j))));
        CHECK(err < 1e-13, "step = W + eta sqrt(N) G (error %g)", err);
        CHECK_CLOSE(l2, loss, 1e-15, "step reports the loss before the update");
    }
    pl_mat_free(&W);
    pl_mat_free(&G);
    pl_mat_free(&X);
    pl_mat_free(&Z);
    pl_mat_free(&B);
    pl_mat_free(&W2);
}

static void check_bbp(void)
{
    const double cs[] = {0.5, 1.0, 2.0};
    for (int i = 0; i < 3; i++) {
        double c = cs[i], th = pow(c, 0.25);
        CHECK_CLOSE(pl_ts_bbp_sv(th * (1 + 1e-9), c), 1 + sqrt(c), 1e-8, "BBP continuity");
        CHECK_CLOSE(pl_ts_bbp_right2(th * (1 + 1e-9), c), 0, 1e-8, "right overlap at threshold");
        CHECK_CLOSE(pl_ts_bbp_left2(th * (1 + 1e-9), c), 0, 1e-8, "left overlap at threshold");
        CHECK_CLOSE(pl_ts_bbp_theta(pl_ts_bbp_sv(3.0, c), c), 3.0, 1e-10, "BBP inverse");
        CHECK(isnan(pl_ts_bbp_theta(1 + sqrt(c) - 0.01, c)), "no theta inside the bulk");
        CHECK_CLOSE(pl_ts_bbp_sv(1e4, c) / 1e4, 1, 1e-6, "large theta: s ~ theta");
    }
    /* against the simulation: W0 (N x d, entries N(0,1/d)) + theta l r^T, N = 600, d = 1200;
     * an outlier and its overlaps fluctuate by O(N^{-1/2}) (and have O(1/N) bias): allow
     * 2/sqrt(N) = 0.082 */
    size_t N = 600, d = 1200;
    double c = (double)N / (double)d, theta = 2.0;
    pl_rng rng;
    pl_rng_init(&rng, 11, 2);
    pl_mat W = pl_mat_alloc(N, d), U = pl_mat_alloc(N, 1), Vt = pl_mat_alloc(1, d);
    double *l = malloc(N * sizeof *l), *rv = malloc(d * sizeof *rv), s[1];
    pl_rng_normal_mat(&rng, W, 1 / sqrt((double)d));
    pl_rng_normal_fill(&rng, l, N, 1);
    pl_rng_normal_fill(&rng, rv, d, 1);
    pl_scal(N, 1 / pl_nrm2(N, l), l);
    pl_scal(d, 1 / pl_nrm2(d, rv), rv);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < d; j++) PL_AT(W, i, j) += theta * l[i] * rv[j];
    CHECK(pl_ts_top_svd(W, 1, s, U, Vt) == PL_OK, "top svd");
    double ol = 0, orr = 0;
    for (size_t i = 0; i < N; i++) ol += PL_AT(U, i, 0) * l[i];
    for (size_t j = 0; j < d; j++) orr += PL_AT(Vt, 0, j) * rv[j];
    double tol = 2 / sqrt((double)N);
    CHECK_CLOSE(s[0], pl_ts_bbp_sv(theta, c), tol, "outlier location");
    CHECK_CLOSE(ol * ol, pl_ts_bbp_left2(theta, c), tol, "left overlap");
    CHECK_CLOSE(orr * orr, pl_ts_bbp_right2(theta, c), tol, "right overlap");
    /* Lanczos top-k against LAPACK */
    double all[600], top[6];
    pl_mat Un = {0}, Vn = {0};
    pl_ts_all_sv(W, all);
    pl_ts_top_svd(W, 6, top, Un, Vn);
    for (int k = 0; k < 6; k++) CHECK_CLOSE(top[k], all[k], 1e-7, "Lanczos vs dgesdd");
    /* the bulk-edge fit on a pure Gaussian matrix (bias measured < 0.3% at m >= 1000, 1.5%
     * at m = 250; here m = 600 -> allow 1%) */
    pl_rng_normal_mat(&rng, W, 1 / sqrt((double)d));
    pl_ts_all_sv(W, all);
    CHECK_CLOSE(pl_ts_bulk_edge_fit(all, N), 1 + sqrt(c), 0.01 * (1 + sqrt(c)), "edge fit");
    free(l);
    free(rv);
    pl_mat_free(&W);
    pl_mat_free(&U);
    pl_mat_free(&Vt);
}

static pl_ts_config cfg(const char *act, const char *target, int reuse, double a1, double a2,
                        size_t N)
{
    pl_ts_config c = {.N = N, .d = N, .n = N, .alpha1 = a1, .alpha2 = a2, .eta0 = 1,
                      .reuse = reuse, .act = pl_ts_act_find(act)};
    pl_ts_target_parse(target, 0, &c.target);
    return c;
}

static void check_alignment_conditions(void)
{
    /* fresh batch: only c*_1 != 0 aligns. He_3: no term. He_1: k = 0 and k = 2 (k = 1, 3
     * vanish by parity: E[z (z+g) z] = 0). */
    int al[PL_TS_MAXTERMS];
    pl_ts_config c = cfg("tanh+softplus", "he3", 0, 0.4, 0.4, 1000);
    for (int k = 0; k <= 5; k++) {
        pl_ts_term_aligns(&c, k, al, NULL);
        CHECK(!al[0], "fresh He_3: term %d must not align", k);
    }
    CHECK(pl_ts_first_aligned_term(&c) == -1, "fresh He_3 never aligns");
    c = cfg("tanh+softplus", "he1", 0, 0.4, 0.4, 1000);
    const int he1_fresh[] = {1, 0, 1, 0, 1};
    for (int k = 0; k <= 4; k++) {
        pl_ts_term_aligns(&c, k, al, NULL);
        CHECK(al[0] == he1_fresh[k], "fresh He_1: term %d aligned %d", k, al[0]);
    }
    /* reused batch, He_3: E[z He_3^{j+1}] != 0 needs j = 2, so k = 2, 4 align, 1 and 3 not */
    c = cfg("tanh+softplus", "he3", 1, 0.4, 0.4, 1000);
    const int he3_reused[] = {0, 0, 1, 0, 1};
    for (int k = 0; k <= 4; k++) {
        pl_ts_term_aligns(&c, k, al, NULL);
        CHECK(al[0] == he3_reused[k], "reused He_3: term %d aligned %d", k, al[0]);
    }
    CHECK(pl_ts_first_aligned_term(&c) == 2, "reused He_3: first aligned term 2");
    /* so alignment needs kmax >= 2: alpha2 >= 1 - 2 alpha1 */
    CHECK(pl_ts_kmax(0.4, 0.25) >= 2 && pl_ts_kmax(0.3, 0.35) < 2, "1 - 2 alpha1 boundary");
    /* even target: never */
    c = cfg("tanh+softplus", "he2", 1, 0.4, 0.4, 1000);
    CHECK(pl_ts_first_aligned_term(&c) == -1, "reused He_2 never aligns");
    /* multi-index he1+he3: only the He_1 direction is learned with a fresh batch */
    c = cfg("tanh+softplus", "he1+he3", 0, 0.4, 0.4, 1000);
    pl_ts_target_parse("he1+he3", 1, &c.target);
    pl_ts_term_aligns(&c, 0, al, NULL);
    CHECK(al[0] == 1 && al[1] == 0, "fresh multi-index: beta_1 yes (%d), beta_2 no (%d)", al[0],
          al[1]);
}

static void check_kernel_theory(void)
{
    /* Rademacher a: the powers a^{o(k+1)} are only a and 1/N, so at most two spikes */
    pl_ts_config c = cfg("tanh+softplus", "he1", 0, 0.45, 0.4, 1000);
    c.ainit = PL_TS_A_RADEMACHER;
    pl_ts_spikes sp;
    CHECK(pl_ts_theory_spikes(&c, &sp) == PL_OK, "theory");
    CHECK(sp.nspike == 2, "Rademacher: %zu spikes", sp.nspike);
    /* asymptotics: log theta_k between N = 1e10 and 1e12 has slope alpha2 - k(1/2 - alpha1)
     * up to O(N^{alpha1 - 1/2}) = 1e-3 corrections; and the first new spike matches the
     * Taylor amplitude eta1 eta2 mu1 |mu2| sqrt(3/N) ||v_1||, ||v_1||^2 = (d/n) E[y^2 t^2] = 4
     * for He_1 (t = z + g), i.e. theta_1 -> 2 sqrt(3) mu1 |mu2| N^{alpha1 + alpha2 - 1/2} */
    const char *acts[] = {"exp", "tanh+softplus"};
    for (int q = 0; q < 2; q++) {
        pl_ts_config a = cfg(acts[q], "he1", 0, 0.25, 0.45, 0);
        double th[2][3];
        double Ns[2] = {1e10, 1e12};
        for (int i = 0; i < 2; i++) {
            a.N = a.d = a.n = (size_t)Ns[i];
            CHECK(pl_ts_theory_spikes(&a, &sp) == PL_OK, "theory at large N");
            for (int k = 0; k < 3; k++) th[i][k] = sp.theta[k];
        }
        for (int k = 0; k < 2; k++) {
            double slope = log(th[1][k] / th[0][k]) / log(Ns[1] / Ns[0]);
            CHECK_CLOSE(slope, pl_ts_exponent(0.25, 0.45, k), 0.01, "kernel theory exponent");
        }
        double mu[3];
        a.act->hermite(2, mu);
        double amp = 2 * sqrt(3.0) * mu[1] * fabs(mu[2]) * pow(Ns[1], 0.2);
        CHECK_CLOSE(th[1][1] / amp, 1.0, 0.01, "first new spike: Taylor amplitude");
        /* main spike: mu1 ||eta1 u + eta2 v_0|| with ||u||^2 = 2, <u, v_0> = 1 (He_1) */
        double e1 = pow(Ns[1], 0.25), e2 = pow(Ns[1], 0.45);
        double main = mu[1] * sqrt(2 * e1 * e1 + 2 * e2 * e2 + 2 * e1 * e2);
        CHECK_CLOSE(th[1][0] / main, 1.0, 0.01, "main spike amplitude");
    }
}

int main(void)
{
    check_counts();
    check_activations();
    check_gradient();
    check_bbp();
    check_alignment_conditions();
    check_kernel_theory();
    return pl_test_done("test_twostep_theory");
}
