/* Multi-index theory: alpha_c and outlier counts (closed forms of spec T5), the oracle table
 * O1 of spec 01-multi-index.md (asymmetric and symmetric predictions, to the digits printed
 * there), the jointly-diagonal closed form m2 = (alpha - alpha_c)/(alpha + alpha_c^2 lambda_3)
 * against the general linear state evolution, the z1 z2 constants of spec T5, and the
 * linearisation of the Bayes-optimal GAMP state evolution at Q -> 0 (Qhat/alpha -> F(Q)). */
#include <math.h>
#include <stdlib.h>

#include "phaselab/mim.h"
#include "pl_test.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct {
    pl_mim_link l;
    pl_mim_rule r;
    pl_mim_threshold t;
} setup;

static void mk(setup *s, const pl_mim_link_type *t, size_t p, double noise)
{
    char buf[128];
    const char *m = pl_mim_link_init(&s->l, t, p, noise, NULL, buf, sizeof buf);
    CHECK(m == NULL, "init %s", m ? m : "");
    CHECK(pl_mim_rule_build(&s->l, 0, NULL, &s->r) == PL_OK, "rule %s", t->name);
    CHECK(pl_mim_threshold_compute(&s->l, &s->r, &s->t) == PL_OK, "threshold %s", t->name);
}

static void check_thresholds(void)
{
    setup s;
    mk(&s, &pl_mim_link_z1z2, 2, 0);
    CHECK_CLOSE(s.t.alpha_c, 0.59375, 1e-4, "alpha_c(z1 z2)");
    CHECK(s.t.n_outliers == 2, "z1z2: 2 outliers, got %zu", s.t.n_outliers);
    /* spec T5 constants in the eigenbasis (1, +-1)/sqrt 2 */
    {
        double e2 = 0, e3 = 0, e12 = 0, ea = 0;
        for (size_t k = 0; k < s.r.n; k++) {
            const double *G = s.r.G + 4 * k;
            double l1 = G[0] + G[1], l2 = G[0] - G[1];
            e2 += s.r.w[k] * l1 * l1;
            e3 += s.r.w[k] * l1 * l1 * l1;
            e12 += s.r.w[k] * l1 * l2;
            ea += s.r.w[k] * G[0] * G[0];
        }
        CHECK_CLOSE(ea, 0.6842074, 2e-7, "E[(a-1)^2]");
        CHECK_CLOSE(e2, 1.6842074, 2e-7, "E[lambda_1^2]");
        CHECK_CLOSE(e3, 7.2631704, 2e-7, "E[lambda_1^3]");
        CHECK_CLOSE(e12, -0.3157926, 2e-7, "E[lambda_1 lambda_2]");
        /* jointly-diagonal closed form vs the general linear solve */
        double ac = s.t.alpha_c, alpha = 3.0;
        pl_mim_spectral_pred pr;
        pl_mim_asym_predict(&s.r, &s.t, alpha, &pr);
        CHECK_CLOSE(pr.m2, (alpha - ac) / (alpha + ac * ac * e3), 1e-9,
                    "z1z2 asym m2 closed form");
    }
    CHECK(s.t.joint_diag, "z1z2 jointly diagonalisable");
    pl_mim_rule_free(&s.r);

    mk(&s, &pl_mim_link_sign_z1z2, 2, 0);
    CHECK_CLOSE(s.t.alpha_c, M_PI * M_PI / 4, 1e-10, "alpha_c(sign z1 z2) = pi^2/4");
    CHECK(s.t.n_outliers == 2, "sign: 2 outliers, got %zu", s.t.n_outliers);
    pl_mim_rule_free(&s.r);

    for (size_t p = 1; p <= 4; p++) {
        mk(&s, &pl_mim_link_norm2, p, 0);
        CHECK_CLOSE(s.t.alpha_c, 0.5 * (double)p, 1e-9, "alpha_c(||z||^2/p) = p/2");
        CHECK(s.t.n_outliers == p * p, "norm2 p = %zu: p^2 outliers, got %zu", p, s.t.n_outliers);
        /* lambda_3 = E[(y-1)^3] = 8/p^2 (the spec's correction of the paper's 8/p^3) */
        double ac = 0.5 * (double)p, alpha = 2.0 * (double)p;
        pl_mim_spectral_pred pr;
        pl_mim_asym_predict(&s.r, &s.t, alpha, &pr);
        CHECK_CLOSE(pr.m2, (alpha - ac) / (alpha + ac * ac * 8.0 / (double)(p * p)), 1e-8,
                    "norm2 asym m2 = (alpha - p/2)/(alpha + 2)");
        pl_mim_rule_free(&s.r);
    }
    mk(&s, &pl_mim_link_pr, 1, 0);
    CHECK_CLOSE(s.t.alpha_c, 0.5, 1e-10, "alpha_c(phase retrieval) = 1/2");
    CHECK(s.t.n_outliers == 1, "pr: 1 outlier");
    pl_mim_rule_free(&s.r);
    mk(&s, &pl_mim_link_abs, 1, 0);
    CHECK_CLOSE(s.t.alpha_c, 0.5, 1e-10, "alpha_c(|z|) = 1/2");
    pl_mim_rule_free(&s.r);
    mk(&s, &pl_mim_link_ratio, 2, 0);
    CHECK_CLOSE(s.t.alpha_c, 1.0, 1e-9, "alpha_c(z1/z2) = 1");
    CHECK(s.t.n_outliers == 1, "ratio: top eigenspace {I}, got %zu", s.t.n_outliers);
    CHECK(!s.t.joint_diag, "ratio: G(y) not jointly diagonalisable");
    pl_mim_spectral_pred pr;
    CHECK(pl_mim_sym_predict(&s.r, &s.t, 2.0, &pr) == PL_EUNSUPPORTED, "ratio: no sym SE");
    pl_mim_asym_predict(&s.r, &s.t, 2.0, &pr);
    CHECK_CLOSE(pr.top_eig, 2.0, 1e-8, "ratio asym top eig = alpha");
    CHECK_CLOSE(pr.bulk_edge, sqrt(2.0), 1e-8, "ratio asym bulk = sqrt(alpha)");
    pl_mim_rule_free(&s.r);
    /* label noise only weakens the signal */
    mk(&s, &pl_mim_link_pr, 1, 0.3);
    CHECK(s.t.alpha_c > 0.5 && s.t.alpha_c < 2, "noisy pr: alpha_c = %g > 1/2", s.t.alpha_c);
    pl_mim_rule_free(&s.r);
}

/* spec O1, asymmetric and symmetric columns */
static void check_oracles(void)
{
    struct {
        const pl_mim_link_type *t;
        size_t p;
        double alpha, top, radius, m2a, edge, m2s;
        double tm2a, tedge, tm2s; /* tolerances: half a unit of the last printed digit */
    } o[] = {
        {&pl_mim_link_z1z2, 2, 1, 1.68421, 1.29777, 0.1141, 0.98123, 0.1388, 5e-5, 5e-6, 5e-5},
        {&pl_mim_link_z1z2, 2, 2, 3.36841, 1.83532, 0.30835, 0.82648, 0.43254, 5e-6, 5e-6, 5e-6},
        {&pl_mim_link_z1z2, 2, 4, 6.73683, 2.59554, 0.5192, 0.23612, 0.71545, 5e-5, 5e-6, 5e-6},
        {&pl_mim_link_sign_z1z2, 2, 5, 2.02642, 1.42353, 0.50652, 0.79215, 0.57194, 5e-6, 5e-6, 5e-6},
        {&pl_mim_link_pr, 1, 1, 2, 1.41421, 0.16667, 0.95808, 0.2307, 5e-6, 5e-6, 5e-5},
        {&pl_mim_link_pr, 1, 2, 4, 2, 0.375, 0.6791, 0.63888, 5e-6, 5e-5, 5e-6},
        {&pl_mim_link_pr, 1, 4, 8, 2.82843, 0.58333, -0.96273, 0.92449, 5e-6, 5e-6, 5e-6},
        {&pl_mim_link_norm2, 4, 4, 2, 1.41421, 0.3333, NAN, NAN, 5e-5, 0, 0},
    };
    for (size_t i = 0; i < sizeof o / sizeof o[0]; i++) {
        setup s;
        mk(&s, o[i].t, o[i].p, 0);
        pl_mim_spectral_pred a, y;
        pl_mim_asym_predict(&s.r, &s.t, o[i].alpha, &a);
        pl_mim_sym_predict(&s.r, &s.t, o[i].alpha, &y);
        CHECK_CLOSE(a.top_eig, o[i].top, 5e-6, "O1 asym top eigenvalue alpha/alpha_c");
        CHECK_CLOSE(a.bulk_edge, o[i].radius, 5e-6, "O1 asym bulk radius");
        CHECK_CLOSE(a.m2, o[i].m2a, o[i].tm2a, "O1 asym m2");
        if (!isnan(o[i].edge)) {
            CHECK_CLOSE(y.top_eig, 1.0, 1e-9, "O1 sym top eigenvalue 1");
            CHECK_CLOSE(y.bulk_edge, o[i].edge, o[i].tedge, "O1 sym bulk edge");
            CHECK_CLOSE(y.m2, o[i].m2s, o[i].tm2s, "O1 sym m2");
        }
        pl_mim_rule_free(&s.r);
    }
    /* below alpha_c: both overlaps 0, asym top at the bulk radius; at alpha_c the symmetric
     * outlier merges with the edge at 1 */
    setup s;
    mk(&s, &pl_mim_link_z1z2, 2, 0);
    double ac = s.t.alpha_c;
    pl_mim_spectral_pred a, y;
    pl_mim_asym_predict(&s.r, &s.t, 0.5 * ac, &a);
    pl_mim_sym_predict(&s.r, &s.t, 0.5 * ac, &y);
    CHECK(a.m2 == 0 && y.m2 == 0 && !a.above && !y.above, "below alpha_c: no outlier");
    CHECK_CLOSE(a.top_eig, sqrt(0.5), 1e-12, "below alpha_c: asym top = bulk radius");
    CHECK(y.top_eig < 1, "below alpha_c: sym top (edge) < 1");
    pl_mim_sym_predict(&s.r, &s.t, ac * (1 + 1e-7), &y);
    CHECK_CLOSE(y.bulk_edge, 1.0, 1e-3, "at alpha_c the sym edge reaches 1");
    CHECK(y.m2 < 1e-3, "sym m2 continuous at alpha_c (%g)", y.m2);
    pl_mim_rule_free(&s.r);
}

/* Qhat/alpha = E[g g^T] ~ F(Q) for small Q (spec T2) */
static void check_se_linearisation(void)
{
    /* (z1 z2 exercises the adaptive integral over y at the log singularity of its density;
     * a Gauss-Hermite rule in (xi, u) was only ~6% accurate here) */
    const pl_mim_link_type *ts[] = {&pl_mim_link_pr, &pl_mim_link_sign_z1z2, &pl_mim_link_z1z2};
    for (size_t i = 0; i < 3; i++) {
        setup s;
        mk(&s, ts[i], 0, 0);
        size_t p = s.l.p, q = p * p;
        const double eps = 1e-4;
        double Q[64], Qh[64];
        /* Q = eps I: I lies in F's top eigenspace for these three links (span{I, sigma_x}
         * for z1 z2 and sign), so F(I) = nu_1 I */
        for (size_t k = 0; k < q; k++) Q[k] = (k % (p + 1) == 0) ? eps : 0;
        pl_mim_se_opts o = pl_mim_se_default_opts(0);
        CHECK(pl_mim_se_qhat(&s.l, Q, &o, Qh, NULL) == PL_OK, "se_qhat %s", ts[i]->name);
        /* F(M_1) = nu_1 M_1 */
        for (size_t k = 0; k < q; k++)
            CHECK_CLOSE(Qh[k] / eps, s.t.nu[0] * Q[k] / eps, 2e-3 * s.t.nu[0],
                        "E[g g^T] = F(Q) + O(Q^2) at small Q");
        pl_mim_rule_free(&s.r);
    }
    /* below alpha_c the uninformed SE stays at 0, above it grows */
    setup s;
    mk(&s, &pl_mim_link_sign_z1z2, 2, 0);
    pl_mim_se_result r;
    pl_mim_se_opts o = pl_mim_se_default_opts(0);
    pl_mim_se_run(&s.l, 0.8 * s.t.alpha_c, &o, &r);
    CHECK(r.status == PL_OK && r.m2 < 1e-6, "sign SE below alpha_c: m2 = %g", r.m2);
    pl_mim_se_run(&s.l, 1.2 * s.t.alpha_c, &o, &r);
    CHECK(r.status == PL_OK && r.m2 > 0.05, "sign SE above alpha_c: m2 = %g", r.m2);
    pl_mim_rule_free(&s.r);
}

int main(void)
{
    check_thresholds();
    check_oracles();
    check_se_linearisation();
    return pl_test_done("test_mim_theory");
}
