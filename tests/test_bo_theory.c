/* Family 9 theory: the spec's oracles (O1, O2), exact kernels, identities of the scalar
 * channel and of the BO fixed point, the scaling-law exponent, bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "phaselab/bo.h"
#include "pl_test.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static double phi_z(double z) { return exp(-0.5 * z * z) * 0.398942280401432677939946059934; }
static double z_tanh2(double z, void *c) { (void)c; return z * tanh(2.0 * z) * phi_z(z); }
static double linear_act(double z, void *c) { (void)c; return 2.0 * z + 1.0; }

static void channel(const char *name, size_t order, pl_bo_channel *ch, pl_status *st)
{
    const pl_bo_act_type *a = pl_bo_act_find(name);
    pl_bo_channel_opts o = pl_bo_channel_default_opts();
    o.order = order;
    o.adaptive = a->smooth ? -1 : 1;
    *st = pl_bo_channel_init(ch, a->f, NULL, &o);
}

/* he3 closed forms: g = q^3, L(q) = 1/(3 q (1-q)) */
static double he3_dphi(double q) { return q * q / (3.0 * (1.0 - q)) + q + log1p(-q); }

static void test_channel_oracles(void)
{
    /* mu1 of tanh(2x), used by the tanh2-nolin activation */
    double mu1, err;
    pl_integrate_inf(z_tanh2, NULL, 1e-16, 1e-15, 2000, &mu1, &err);
    const pl_bo_act_type *a = pl_bo_act_find("tanh2-nolin");
    CHECK_CLOSE(a->f(1.0, NULL), tanh(2.0) - mu1 * 1.0, 1e-15, "mu1 of tanh(2x)");
    CHECK_CLOSE(mu1, 0.729478, 5e-7, "mu1 = 0.729478 (spec M2)");

    pl_bo_channel ch;
    pl_status st;
    channel("tanh2-nolin", 170, &ch, &st);
    CHECK(st == PL_OK, "tanh2-nolin channel status %d: %s", st, ch.message);
    CHECK(fabs(ch.mu[1]) < 1e-13 && fabs(ch.mu[0]) < 1e-14 && fabs(ch.mu[2]) < 1e-14,
          "no constant/linear/quadratic part: %g %g %g", ch.mu[0], ch.mu[1], ch.mu[2]);
    /* spec T1 coefficients and O1 (tolerance 1e-3 on the stated digits) */
    CHECK_CLOSE(ch.c2[3], 0.062829, 1e-6, "g: q^3 coefficient");
    CHECK_CLOSE(ch.c2[5], 0.020363, 1e-6, "g: q^5 coefficient");
    CHECK_CLOSE(ch.c2[7], 0.008859, 1e-6, "g: q^7 coefficient");
    CHECK_CLOSE(ch.g1, 0.10312, 1e-5, "g(1) (O1)");
    CHECK_CLOSE(ch.esig2, 0.103124, 1e-6, "E sigma^2 (pitfalls: 0.103124)");
    CHECK(ch.tail_rel < 1e-6, "series converged at order 170: tail %g", ch.tail_rel);
    CHECK_CLOSE(ch.l_e, 19.274, 1e-3, "l_e (O1)");
    CHECK_CLOSE(ch.l_s, 17.68, 1e-3, "l_s (O1)");
    CHECK_CLOSE(ch.m_jump, 0.751, 1e-3, "m_e jump (O1)");
    CHECK(ch.branches == 1 && !ch.continuous, "one branch, first order");
    /* m_s: the double root of L(q) = l_s (L'(m_s) = 0). Our value 0.6044 differs from the
     * spec's 0.610 by more than 1e-3, but L is flat there: the spec's 0.610 is a fixed point
     * at l = L(0.610) = 17.682, which rounds to the spec's l_s = 17.68: 0.610 is m slightly
     * above l_s, not the limit at l_s+. Both facts are checked. */
    double h = 1e-4, Lm = pl_bo_snr_of_q(&ch, ch.m_s);
    double dL = (pl_bo_snr_of_q(&ch, ch.m_s + h) - pl_bo_snr_of_q(&ch, ch.m_s - h)) / (2 * h);
    CHECK(fabs(dL) < 1e-4, "L'(m_s) = 0: %g", dL);
    CHECK_CLOSE(Lm, ch.l_s, 1e-12, "l_s = L(m_s)");
    CHECK(pl_bo_snr_of_q(&ch, 0.610) < 17.685, "spec's 0.610 is m at an l that rounds to 17.68");
    CHECK_CLOSE(pl_bo_m_fixed(&ch, pl_bo_snr_of_q(&ch, 0.610)), 0.610, 1e-9, "m(L(0.610))");
    /* l_e: phi of the top branch equals phi(0) there */
    CHECK_CLOSE(pl_bo_phi(&ch, ch.l_e, ch.m_jump), pl_bo_phi(&ch, ch.l_e, 0.0), 1e-10,
                "phi(m_jump) = phi(0) at l_e");
    /* m_e: 0 below l_e, jump above */
    CHECK(pl_bo_m_e(&ch, ch.l_e * (1 - 1e-6)) == 0.0, "m_e = 0 below l_e");
    CHECK_CLOSE(pl_bo_m_e(&ch, ch.l_e * (1 + 1e-9)), ch.m_jump, 1e-4, "m_e jumps at l_e");
    CHECK(pl_bo_m_e(&ch, 18.5) == 0.0 && pl_bo_m_fixed(&ch, 18.5) > 0.6,
          "metastable region l_s < l < l_e: m_fixed > 0, m_e = 0");
    CHECK(pl_bo_m_fixed(&ch, 17.0) == 0.0, "no non-zero fixed point below l_s");

    /* the spec's literal iteration from q = 1 converges to the same fixed point */
    const double ls_[] = {18.0, 19.5, 25.0, 100.0, 1e4, 1e7};
    for (size_t i = 0; i < sizeof ls_ / sizeof *ls_; i++) {
        double qi;
        pl_status s = pl_bo_m_iterate(&ch, ls_[i], 1e-15, 200000, &qi);
        double qf = pl_bo_m_fixed(&ch, ls_[i]);
        CHECK(s == PL_OK, "iteration converged at l = %g", ls_[i]);
        CHECK_CLOSE(qf, qi, 1e-12, "largest fixed point vs iteration");
        /* stationarity of phi_l: l g'(q) + 1 - 1/(1-q) = 0, written as q = r/(1+r) */
        double r = ls_[i] * pl_bo_dg(&ch, qf);
        CHECK_CLOSE(qf, r / (1.0 + r), 1e-14, "q = r/(1+r)");
    }
    /* spurious tiny fixed point guard: the iteration below l_s goes to ~0, m_e = 0 */
    double q0;
    pl_bo_m_iterate(&ch, 10.0, 1e-300, 100000, &q0);
    CHECK(q0 < 1e-8 && pl_bo_m_e(&ch, 10.0) == 0.0, "guard (q0 = %g)", q0);

    /* g' and gap are consistent with g */
    for (double q = 0.1; q < 1.0; q += 0.2) {
        double hh = 1e-5, fd = (pl_bo_g(&ch, q + hh) - pl_bo_g(&ch, q - hh)) / (2 * hh);
        CHECK_CLOSE(pl_bo_dg(&ch, q), fd, 1e-9, "g' vs finite difference");
        CHECK_CLOSE(pl_bo_gap(&ch, 1.0 - q), ch.g1 - pl_bo_g(&ch, q), 1e-15, "gap = g1 - g(q)");
    }
    CHECK_CLOSE(pl_bo_gap(&ch, 1e-10) / 1e-10, pl_bo_dg(&ch, 1.0), 1e-8, "gap'(0) = g'(1)");

    /* low order: the series does not converge and says so */
    pl_bo_channel lo;
    channel("tanh2-nolin", 20, &lo, &st);
    CHECK(st == PL_ENOCONV && lo.tail_rel > 1e-6, "order 20 reported (%d, tail %g)", st,
          lo.tail_rel);
}

/* F(eps) of one feature (v = 1) from the public overlap m_e: 1 - g(m_e(c/(Delta + eps))) */
typedef struct {
    const pl_bo_channel *ch;
    double c, delta;
} one_feature;

static double slope_phi(double eps, void *p)
{
    const one_feature *o = p;
    double q = pl_bo_m_e(o->ch, o->c / (o->delta + eps));
    double F = o->ch->g1 - pl_bo_g(o->ch, q);
    return (F - eps) / ((o->delta + eps) * (o->delta + eps));
}

/* Several stable fixed points: the scan counts them and the one of largest free entropy is
 * returned. The free entropy is checked against its defining derivative, dPhi/deps = (F -
 * eps)/(Delta + eps)^2, integrated by adaptive quadrature between points where F is smooth. */
static void check_equilibrium(const pl_bo_channel *he, double c)
{
    double one = 1.0, delta = 0.1;
    pl_bo_fp_opts fo = pl_bo_fp_default_opts();
    fo.scan = 400;
    pl_bo_fp r;
    pl_bo_solve(he, 1, &one, c, delta, &fo, &r, NULL);
    CHECK(r.n_stable == 2, "two stable roots (the learned one and eps = g(1)): %d", r.n_stable);
    /* both candidates: the learned root (bisection from 0 without a scan) and the trivial one */
    pl_bo_fp r0;
    pl_bo_solve(he, 1, &one, c, delta, NULL, &r0, NULL);
    double triv = he->g1 - he->g0;
    double phi_a = pl_bo_free_entropy(he, 1, &one, c, delta, r0.eps),
           phi_b = pl_bo_free_entropy(he, 1, &one, c, delta, triv);
    double best = phi_a > phi_b ? r0.eps : triv;
    CHECK_CLOSE(r.eps, best, 1e-9, "the root of larger free entropy is returned");
    CHECK_CLOSE(r.free_entropy, fmax(phi_a, phi_b), 1e-12, "its free entropy");
    CHECK(r.switched == (best != r0.eps), "switched flag");
    /* the potential's derivative: on [0.05, 0.3] (continuous branch) */
    one_feature of = {he, c, delta};
    double integral, abserr;
    pl_status st = pl_integrate(slope_phi, &of, 0.05, 0.3, 1e-13, 1e-11, PL_QUAD_PLAIN, 200, &integral, &abserr);
    double dphi = pl_bo_free_entropy(he, 1, &one, c, delta, 0.3) -
                  pl_bo_free_entropy(he, 1, &one, c, delta, 0.05);
    CHECK(st == PL_OK, "quadrature status %d", st);
    CHECK_CLOSE(dphi, integral, 1e-9, "Phi(0.3) - Phi(0.05) = integral of (F - eps)/(D + eps)^2");
    /* and beyond the jump (nothing learned for eps > eps*): [0.9, 1.2] */
    pl_integrate(slope_phi, &of, 0.9, 1.2, 1e-13, 1e-11, PL_QUAD_PLAIN, 200, &integral, &abserr);
    dphi = pl_bo_free_entropy(he, 1, &one, c, delta, 1.2) -
           pl_bo_free_entropy(he, 1, &one, c, delta, 0.9);
    CHECK_CLOSE(dphi, integral, 1e-9, "same on the trivial branch");
}

static void test_exact_kernels(void)
{
    pl_bo_channel ch;
    pl_status st;
    /* he3: g(q) = q^3 */
    channel("he3", 40, &ch, &st);
    CHECK(st == PL_OK, "he3 status");
    for (double q = 0.0; q <= 1.0; q += 0.25)
        CHECK_CLOSE(pl_bo_g(&ch, q), q * q * q, 1e-13, "he3: g = q^3");
    CHECK_CLOSE(ch.l_s, 4.0 / 3.0, 1e-10, "he3: l_s = 4/3");
    CHECK_CLOSE(ch.m_s, 0.5, 1e-6, "he3: m_s = 1/2");
    /* l_e from the closed form: q/(3(1-q)) + q + ln(1-q) = 0 on (1/2, 1), by bisection */
    double a = 0.5, b = 0.999;
    for (int i = 0; i < 200; i++) {
        double m = 0.5 * (a + b);
        if (he3_dphi(m) < 0) a = m;
        else b = m;
    }
    double qe = 0.5 * (a + b);
    CHECK_CLOSE(ch.m_jump, qe, 1e-10, "he3: jump");
    CHECK_CLOSE(ch.l_e, 1.0 / (3.0 * qe * (1.0 - qe)), 1e-9, "he3: l_e");
    for (double l = 2.0; l < 50.0; l *= 2.0)
        CHECK_CLOSE(pl_bo_m_fixed(&ch, l), 0.5 * (1.0 + sqrt(1.0 - 4.0 / (3.0 * l))), 1e-12,
                    "he3: m(l) = (1 + sqrt(1 - 4/(3l)))/2");

    /* sin x - e^{-1/2} x: g(q) = e^{-1}(sinh q - q) */
    channel("sin-nolin", 170, &ch, &st);
    CHECK(st == PL_OK, "sin status");
    for (double q = 0.0; q <= 1.0; q += 0.25)
        CHECK_CLOSE(pl_bo_g(&ch, q), exp(-1.0) * (sinh(q) - q), 1e-13, "sin: g");

    /* relu - mu0 - mu1 x: arc-cosine kernel minus its constant and linear parts; the
     * series converges only algebraically (tail ~ L^{-3/2}), which is reported */
    channel("relu-nolin", 170, &ch, &st);
    CHECK(st == PL_ENOCONV, "relu: not converged at 170 reported (%d)", st);
    double q = 0.5;
    double kq = (sqrt(1 - q * q) + (M_PI - acos(q)) * q) / (2 * M_PI) - 1 / (2 * M_PI) - q / 4;
    CHECK_CLOSE(pl_bo_g(&ch, q), kq, 1e-10, "relu: kernel at q = 1/2 (tail ~ 0.5^170)");
    CHECK(ch.continuous, "relu: continuous transition (mu2 != 0)");
    CHECK_CLOSE(ch.l_e, 2.0 * M_PI, 1e-9, "relu: l_e = 1/(2 c2) = 2 pi");

    /* several fixed points: one feature (v = 1) of the he3 channel with c = l_e (Delta +
     * 0.85), Delta = 0.1: h = F - eps is > 0 at 0, has a continuous root below eps* = 0.85
     * where the SNR crosses l_e, jumps up there (F: 1 - m_jump^3 = 0.73 -> 1) and has the
     * trivial root eps = g(1) = 1 (nothing learned). The scan sees >= 3 sign changes and the
     * bisection still ends on a genuine root (never on the jump). */
    {
        pl_bo_channel he;
        channel("he3", 40, &he, &st);
        double one = 1.0, c = he.l_e * (0.1 + 0.85);
        pl_bo_fp_opts fo = pl_bo_fp_default_opts();
        fo.scan = 400;
        pl_bo_fp r;
        CHECK(pl_bo_solve(&he, 1, &one, c, 0.1, &fo, &r, NULL) == PL_OK, "he3 k = 1 solve");
        CHECK(r.sign_changes >= 3, "several roots seen: %d", r.sign_changes);
        CHECK(!r.pinned && fabs(r.residual) < 1e-9, "genuine root (residual %g)", r.residual);
        check_equilibrium(&he, c);
    }
    /* an activation without components of order >= 2 is rejected */
    pl_bo_channel_opts o = pl_bo_channel_default_opts();
    o.order = 20;
    st = pl_bo_channel_init(&ch, linear_act, NULL, &o);
    CHECK(st == PL_EINVAL, "linear activation rejected: %s", ch.message);
}

static void test_bo_oracles(const pl_bo_channel *ch)
{
    /* O2: d = 200, k = 100, Delta = 0.01, beta = 1, alpha_i = 2 35^{i/20}, n = int(alpha d^2) */
    const int kc_want[21] = {31, 35, 39, 43, 47, 52, 57, 63, 69, 76, 84, 92,
                             100, 100, 100, 100, 100, 100, 100, 100, 100};
    /* The spec lists eps to 3 or 4 significant digits: the tolerance is 1e-3 relative where 4
     * digits are given and half a unit of the last digit where 3 are (1.53e-4 and 1.06e-4
     * cannot be compared at 1e-3 relative; ours are 1.5321e-4 and 1.0564e-4). */
    const struct {
        double alpha, eps, tol;
    } eps_want[] = {{2.000, 2.422e-3, 1e-3}, {2.854, 1.855e-3, 1e-3}, {4.072, 1.419e-3, 1e-3},
                    {8.292, 7.68e-4, 1e-3},  {14.13, 4.24e-4, 1.2e-3}, {16.88, 3.33e-4, 1.5e-3},
                    {34.38, 1.53e-4, 3.3e-3}, {49.06, 1.06e-4, 4.8e-3}};
    double v[100];
    pl_bo_profile_fill(PL_BO_POWER, 1.0, 100, v);
    pl_bo_fp_opts o = pl_bo_fp_default_opts();
    o.scan = 24;
    for (int i = 0; i <= 20; i++) {
        double alpha = 2.0 * pow(35.0, i / 20.0);
        double n = floor(alpha * 40000.0 + 1e-7);
        pl_bo_fp r;
        double q[100];
        pl_status st = pl_bo_solve(ch, 100, v, n / 200.0, 0.01, &o, &r, q);
        CHECK(st == PL_OK && !r.pinned, "O2 alpha %g status %d", alpha, st);
        CHECK(r.sign_changes == 1, "unique root at alpha %g (%d)", alpha, r.sign_changes);
        CHECK(fabs(r.residual) < 1e-13, "residual %g", r.residual);
        CHECK((int)r.k_c == kc_want[i], "k_c at alpha %.4f: got %g want %d", alpha, r.k_c,
              kc_want[i]);
        for (size_t j = 0; j < sizeof eps_want / sizeof *eps_want; j++)
            if (fabs(alpha - eps_want[j].alpha) < 5e-3)
                CHECK_CLOSE(r.eps / eps_want[j].eps, 1.0, eps_want[j].tol, "eps_BO relative (O2)");
        if (i == 0) CHECK_CLOSE(r.eps / (r.k_c * 200.0 / n), 0.031, 5e-4, "ratio at alpha 2");
        /* one-shot / Delta_eff definitions (T3) recomputed from the overlaps */
        double os = 0, tail = 0;
        for (int j = 0; j < 100; j++) {
            double gj = v[j] * v[j] * pl_bo_gap(ch, 1.0 - q[j]);
            os += (j < (int)r.k_c ? 2.0 : 1.0) * gj;
            if (j >= (int)r.k_c) tail += v[j] * v[j];
        }
        CHECK_CLOSE(r.eps_one_shot, os, 1e-15, "one-shot error");
        CHECK_CLOSE(r.delta_eff, 0.01 + ch->g1 * tail, 1e-15, "Delta_eff");
        if (r.k_c == 100) CHECK_CLOSE(r.eps_one_shot, 2.0 * r.eps, 1e-15, "all learned: 2 eps");
        /* effective model: the top k_c features with noise Delta_eff reproduce the overlaps
         * (Delta + eps = Delta_eff + eps' identically) */
        if (i == 4) {
            size_t kc = (size_t)r.k_c;
            pl_bo_fp re;
            double qe[100];
            pl_bo_solve(ch, kc, v, n / 200.0, r.delta_eff, NULL, &re, qe);
            CHECK_CLOSE(re.eps + r.delta_eff - 0.01, r.eps, 1e-12, "effective model eps");
            CHECK_CLOSE(qe[kc - 1], q[kc - 1], 1e-10, "effective model overlaps");
        }
    }
}

static void test_density_form(const pl_bo_channel *ch)
{
    /* identity: atoms (p_j = 1/k, u_j = sqrt(k) v_j, c = alpha/gamma) == discrete form */
    size_t k = 50;
    double v[50], w[50], s[50], u2;
    pl_bo_profile_fill(PL_BO_EXP, 5.0, k, v);
    for (size_t i = 0; i < k; i++) {
        u2 = (double)k * v[i] * v[i];
        w[i] = u2 / (double)k;
        s[i] = u2;
    }
    pl_bo_fp r1, r2;
    pl_bo_solve(ch, k, v, 3.0 * (double)k, 0.04, NULL, &r1, NULL);
    pl_bo_solve_weighted(ch, k, w, s, 3.0, 0.04, NULL, &r2, NULL);
    CHECK_CLOSE(r1.eps, r2.eps, 1e-14, "atoms form = discrete form");

    /* the discrete form converges to the density form as k grows (Riemann sum, O(1/k)) */
    const pl_bo_profile prof[2] = {PL_BO_DENSE, PL_BO_EXP};
    for (int p = 0; p < 2; p++) {
        double alpha = 1.0, gamma = 0.5, delta = 0.04;
        pl_bo_fp rd;
        pl_status st = pl_bo_solve_density(ch, prof[p], p ? 0.2 : 0.0, alpha / gamma, delta,
                                           NULL, &rd);
        CHECK(st == PL_OK, "density status %d", st);
        double diff[2];
        size_t ks[2] = {500, 2000};
        for (int j = 0; j < 2; j++) {
            double *vv = malloc(ks[j] * sizeof *vv);
            pl_bo_profile_fill(prof[p], p ? 0.2 * (double)ks[j] : 0.0, ks[j], vv);
            pl_bo_fp r;
            pl_bo_solve(ch, ks[j], vv, alpha / gamma * (double)ks[j], delta, NULL, &r, NULL);
            diff[j] = fabs(r.eps / rd.eps - 1.0);
            if (j == 1) CHECK_CLOSE(r.k_c / (double)ks[j], rd.k_c, 2e-3, "k_c fraction");
            free(vv);
        }
        CHECK(diff[1] < 1e-3 && diff[1] < diff[0], "discrete -> density (%g, %g)", diff[0],
              diff[1]);
    }
    /* power profile: the density form needs beta < 1/2 */
    pl_bo_fp r;
    CHECK(pl_bo_solve_density(ch, PL_BO_POWER, 0.7, 2.0, 0.04, NULL, &r) == PL_EINVAL,
          "beta >= 1/2 rejected by the density form");
    CHECK(pl_bo_solve_density(ch, PL_BO_POWER, 0.3, 2.0, 0.04, NULL, &r) == PL_OK,
          "beta = 0.3 density form");
}

static void test_scaling(const pl_bo_channel *ch)
{
    /* feature-learning regime for beta = 1: k = 10^6 features so that k_c (31 .. ~1100)
     * stays << k; the fitted exponent of eps vs n approaches 1/(2 beta) - 1 = -1/2 */
    size_t k = 1000000, N = 9;
    double *v = malloc(k * sizeof *v), x[9], y[9], kc[9];
    pl_bo_profile_fill(PL_BO_POWER, 1.0, k, v);
    for (size_t i = 0; i < N; i++) {
        double nd = 400.0 * pow(1000.0, (double)i / (double)(N - 1));
        pl_bo_fp r;
        pl_bo_solve(ch, k, v, nd, 0.01, NULL, &r, NULL);
        x[i] = nd;
        y[i] = r.eps;
        kc[i] = r.k_c;
        /* Theta(k_c d/n) */
        double ratio = r.eps / (r.k_c / nd);
        CHECK(ratio > 0.02 && ratio < 0.05, "eps/(k_c d/n) = %g", ratio);
    }
    double slope, law;
    pl_bo_fit_loglog(N, x, y, &slope, NULL);
    CHECK(pl_bo_scaling_exponent(1.0, &law) == PL_OK, "law for beta = 1");
    CHECK_CLOSE(slope, law, 0.05, "fitted exponent in the feature-learning regime");
    double ks;
    pl_bo_fit_loglog(N, x, kc, &ks, NULL);
    CHECK_CLOSE(ks, 0.5, 0.05, "k_c ~ (n/d)^{1/(2 beta)}");
    free(v);
    /* refinement regime (k = 100, every feature learned): eps -> k d Delta/(n - k d), slope -1;
     * the corrections are O(1/(l_k g'(1))) with l_k the smallest SNR (~1% at n/d = 2e5) */
    double v1[100], xr[6], yr[6];
    pl_bo_profile_fill(PL_BO_POWER, 1.0, 100, v1);
    for (size_t i = 0; i < 6; i++) {
        double nd = 2e4 * pow(10.0, (double)i / 5.0);
        pl_bo_fp r;
        pl_bo_solve(ch, 100, v1, nd, 0.01, NULL, &r, NULL);
        double fl, ref;
        pl_bo_guides(ch, 1.0, 100, nd, 0.01, &fl, &ref);
        CHECK(r.k_c == 100.0, "refinement: all learned");
        if (i == 5) CHECK_CLOSE(r.eps / ref, 1.0, 0.01, "eps -> k d Delta/(n - k d)");
        xr[i] = nd;
        yr[i] = r.eps;
    }
    pl_bo_fit_loglog(6, xr, yr, &slope, NULL);
    CHECK_CLOSE(slope, -1.0, 0.02, "refinement exponent -1");
    /* beta <= 1/2: a warning (EINVAL, NaN), not a failure of the fixed point */
    double e;
    CHECK(pl_bo_scaling_exponent(0.4, &e) == PL_EINVAL && isnan(e), "beta 0.4 warning");
    double v2[100];
    pl_bo_profile_fill(PL_BO_POWER, 0.4, 100, v2);
    pl_bo_fp r;
    CHECK(pl_bo_solve(ch, 100, v2, 400.0, 0.01, NULL, &r, NULL) == PL_OK,
          "fixed point fine at beta 0.4");
}

int main(void)
{
    test_channel_oracles();
    test_exact_kernels();
    pl_bo_channel ch;
    pl_status st;
    channel("tanh2-nolin", 170, &ch, &st);
    test_bo_oracles(&ch);
    test_density_form(&ch);
    test_scaling(&ch);
    return pl_test_done("test_bo_theory");
}
