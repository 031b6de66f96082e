/* Multi-index links: exact identities of the scalar contract.
 *  - a(u) = u K1/K0: a(u) > u, a(u) - u -> 1/2, a(0+) -> 0 (the Bessel functions and the
 *    bivariate normal orthant: test_special.c).
 *  - G(y) by independent quadrature (pl_integrate along the level set, and the links' own
 *    g_out at w = 0, V = I) against the closed forms; log Z_out(y; 0, I) against the label
 *    density.
 *  - g_out against central finite differences of log Z_out and dg_out against those of g_out,
 *    for every built-in link, noisy variants, and a user-defined link (numeric g_out), which
 *    must also agree with the built-in noisy z1 z2 it re-implements.
 *  - E_y G(y) = 0 on every label rule; F = 0 for the null link. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/mim.h"
#include "phaselab/quad.h"
#include "pl_test.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static void check_a(void)
{
    /* a(u) = u K1(u)/K0(u) */
    double us[] = {1e-8, 0.01, 0.3, 1, 3, 30};
    for (size_t i = 0; i < sizeof us / sizeof us[0]; i++)
        CHECK(pl_mim_a(us[i]) > us[i], "a(u) > u at u = %g", us[i]);
    CHECK_CLOSE(pl_mim_a(2e3) - 2e3, 0.5, 1e-3, "a(u) - u -> 1/2");
    CHECK_CLOSE(pl_mim_a(1e-10), 1.0 / (-log(0.5e-10) - 0.5772156649), 1e-3, "a(u) small u");
    CHECK(pl_mim_a(0) == 0, "a(0) = 0");
}

/* E[z z^T | y] for y = z1 z2 along the hyperbola z = sqrt|y| (e^u, sgn(y) e^-u) */
typedef struct {
    double y;
    int comp;
} hyp_ctx;
static double hyp_fn(double u, void *c)
{
    hyp_ctx *h = c;
    double a = sqrt(fabs(h->y)), z1 = a * exp(u), z2 = (h->y < 0 ? -1 : 1) * a * exp(-u);
    double w = exp(-0.5 * (z1 * z1 + z2 * z2));
    return h->comp == 0 ? w : (h->comp == 1 ? w * z1 * z1 : w * z1 * z2);
}

static pl_mim_link mk(const pl_mim_link_type *t, size_t p, double noise)
{
    pl_mim_link l;
    char buf[128];
    const char *m = pl_mim_link_init(&l, t, p, noise, NULL, buf, sizeof buf);
    CHECK(m == NULL, "link init: %s", m ? m : "");
    return l;
}

static void check_G_quadrature(void)
{
    double ys[] = {0.05, -0.7, 2.3, -6.0};
    pl_mim_link l = mk(&pl_mim_link_z1z2, 2, 0);
    for (size_t i = 0; i < 4; i++) {
        double I[3], err;
        for (int c = 0; c < 3; c++) {
            hyp_ctx h = {ys[i], c};
            double U = log(40 / sqrt(fabs(ys[i])));
            pl_integrate(hyp_fn, &h, -U, U, 1e-300, 1e-13, 0, 4000, &I[c], &err);
        }
        double G[4];
        pl_mim_G(&l, ys[i], G);
        CHECK_CLOSE(I[1] / I[0] - 1, G[0], 1e-8, "z1z2: E[z1^2|y] - 1 = a(|y|) - 1");
        CHECK_CLOSE(I[2] / I[0], G[1], 1e-8, "z1z2: E[z1 z2|y] = y");
        /* density: 2 int N du = K0(|y|)/pi */
        CHECK_CLOSE(log(2 * I[0] / (2 * M_PI)), pl_mim_log_marginal(&l, ys[i]), 1e-8,
                    "z1z2: label density K0(|y|)/pi");
    }
    /* each link's own g_out at (w = 0, V = I) against its closed-form G and density */
    struct {
        const pl_mim_link_type *t;
        size_t p;
        double y;
    } cs[] = {{&pl_mim_link_z1z2, 2, 0.37},  {&pl_mim_link_z1z2, 2, -3.1},
              {&pl_mim_link_sign_z1z2, 2, 1}, {&pl_mim_link_sign_z1z2, 2, -1},
              {&pl_mim_link_ratio, 2, -0.8},  {&pl_mim_link_ratio, 2, 5.0},
              {&pl_mim_link_pr, 1, 0.3},      {&pl_mim_link_abs, 1, 1.7},
              {&pl_mim_link_norm2, 3, 0.6},   {&pl_mim_link_norm2, 2, 2.2},
              {&pl_mim_link_norm2, 1, 1.4}};
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        pl_mim_link li = mk(cs[i].t, cs[i].p, 0);
        size_t p = li.p;
        double w[8] = {0}, V[64] = {0}, lz, g[8], dg[64], G[64];
        for (size_t k = 0; k < p; k++) V[k * p + k] = 1;
        CHECK(pl_mim_gout(&li, cs[i].y, w, V, &lz, g, dg) == PL_OK, "gout %s", cs[i].t->name);
        li.type->G(&li, cs[i].y, G);
        for (size_t k = 0; k < p * p; k++)
            CHECK_CLOSE(dg[k] + g[k / p] * g[k % p], G[k], 1e-8, cs[i].t->name);
        CHECK_CLOSE(lz, li.type->log_marginal(&li, cs[i].y), 1e-8, "log Z_out(y; 0, I) = log Z(y)");
    }
}

/* user-defined link: y = z1 z2 + N(0, 0.5), likelihood only (numeric g_out) */
static double user_sample(const pl_mim_link *l, const double *z, pl_rng *rng)
{
    (void)l;
    return z[0] * z[1] + sqrt(0.5) * pl_rng_normal(rng);
}
static double user_lik(const pl_mim_link *l, double y, const double *z)
{
    (void)l;
    double r = y - z[0] * z[1];
    return exp(-r * r / (2 * 0.5)) / sqrt(2 * M_PI * 0.5);
}
static const pl_mim_link_type user_type = {.name = "user-z1z2-noisy", .kind = PL_MIM_CONTINUOUS,
                                           .p_fixed = 2, .sample = user_sample,
                                           .likelihood = user_lik};

static void fd_check(const pl_mim_link *l, double y, double tolg, double told, const char *what)
{
    size_t p = l->p;
    double w[8] = {0.3, -0.7, 0.2, 0.1, 0, 0, 0, 0}, V[64] = {0};
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) V[i * p + j] = i == j ? 0.6 : 0.15;
    double lz, g[8], dg[64];
    pl_status st = pl_mim_gout(l, y, w, V, &lz, g, dg);
    CHECK(st == PL_OK, "%s: gout status %d", what, st);
    const double h = 1e-4;
    for (size_t a = 0; a < p; a++) {
        double wp[8], wm[8], lp, lm, gp[8], gm[8], dd[64];
        memcpy(wp, w, sizeof wp);
        memcpy(wm, w, sizeof wm);
        wp[a] += h;
        wm[a] -= h;
        pl_mim_gout(l, y, wp, V, &lp, gp, dd);
        pl_mim_gout(l, y, wm, V, &lm, gm, dd);
        CHECK_CLOSE(g[a], (lp - lm) / (2 * h), tolg, what);
        for (size_t b = 0; b < p; b++) CHECK_CLOSE(dg[b * p + a], (gp[b] - gm[b]) / (2 * h), told, what);
    }
}

static void check_gout_fd(void)
{
    pl_mim_link l;
    l = mk(&pl_mim_link_z1z2, 2, 0);
    fd_check(&l, 0.4, 1e-7, 1e-6, "z1z2 g_out vs FD");
    fd_check(&l, -2.5, 1e-7, 1e-6, "z1z2 g_out vs FD (y < 0)");
    l = mk(&pl_mim_link_sign_z1z2, 2, 0);
    fd_check(&l, 1, 1e-7, 1e-6, "sign g_out vs FD");
    fd_check(&l, -1, 1e-7, 1e-6, "sign g_out vs FD (y = -1)");
    l = mk(&pl_mim_link_ratio, 2, 0);
    fd_check(&l, -1.3, 1e-7, 1e-6, "ratio g_out vs FD");
    l = mk(&pl_mim_link_pr, 1, 0);
    fd_check(&l, 0.7, 1e-7, 1e-6, "pr g_out vs FD");
    l = mk(&pl_mim_link_abs, 1, 0);
    fd_check(&l, 0.9, 1e-7, 1e-6, "abs g_out vs FD");
    l = mk(&pl_mim_link_norm2, 3, 0);
    fd_check(&l, 0.8, 1e-7, 1e-6, "norm2 p=3 g_out vs FD");
    l = mk(&pl_mim_link_z1z2, 2, 0.1);
    fd_check(&l, 0.4, 1e-6, 1e-5, "noisy z1z2 g_out vs FD");
    l = mk(&pl_mim_link_pr, 1, 0.2);
    fd_check(&l, 0.5, 1e-6, 1e-5, "noisy pr g_out vs FD");
    fd_check(&l, -0.3, 1e-6, 1e-5, "noisy pr g_out vs FD (y < 0)");
    l = mk(&pl_mim_link_sign_z1z2, 2, 0.3);
    fd_check(&l, 0.4, 1e-7, 1e-6, "noisy sign g_out vs FD");
    l = mk(&user_type, 2, 0);
    /* the numeric path (64 x 64 Gauss-Hermite nodes) agrees with the adaptive built-in to
     * ~1e-6 (checked below); its rule error varies smoothly with w, and central differences
     * with h = 1e-4 turn that into ~1e-5 */
    fd_check(&l, 0.4, 1e-5, 3e-5, "user link (numeric) g_out vs FD");
    /* the numeric user link re-implements z1z2 with noise 0.5 */
    pl_mim_link b = mk(&pl_mim_link_z1z2, 2, 0.5);
    double w[2] = {0.3, -0.7}, V[4] = {0.6, 0.15, 0.15, 0.6}, l1, l2, g1[2], g2[2], d1[4], d2[4];
    pl_mim_gout(&l, 0.4, w, V, &l1, g1, d1);
    pl_mim_gout(&b, 0.4, w, V, &l2, g2, d2);
    CHECK_CLOSE(l1, l2, 1e-6, "numeric user link = built-in noisy z1z2 (log Z)");
    CHECK_CLOSE(g1[0], g2[0], 1e-6, "numeric user link = built-in noisy z1z2 (g)");
    CHECK_CLOSE(d1[1], d2[1], 1e-5, "numeric user link = built-in noisy z1z2 (dg)");
    /* noise -> 0 recovers the noise-free G */
    pl_mim_link n0 = mk(&pl_mim_link_pr, 1, 0), n1 = mk(&pl_mim_link_pr, 1, 1e-6);
    double G0, G1;
    pl_mim_G(&n0, 1.3, &G0);
    pl_mim_G(&n1, 1.3, &G1);
    CHECK_CLOSE(G1, G0, 1e-4, "noisy pr G -> G as noise -> 0");
}

static void check_rules(void)
{
    struct {
        const pl_mim_link_type *t;
        size_t p;
        double noise;
    } cs[] = {{&pl_mim_link_z1z2, 2, 0},  {&pl_mim_link_sign_z1z2, 2, 0}, {&pl_mim_link_norm2, 3, 0},
              {&pl_mim_link_ratio, 2, 0}, {&pl_mim_link_pr, 1, 0},        {&pl_mim_link_abs, 1, 0},
              {&pl_mim_link_pr, 1, 0.3},  {&pl_mim_link_sign_z1z2, 2, 0.2}};
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        pl_mim_link l = mk(cs[i].t, cs[i].p, cs[i].noise);
        pl_mim_rule r;
        CHECK(pl_mim_rule_build(&l, 0, NULL, &r) == PL_OK, "rule %s", cs[i].t->name);
        size_t q = l.p * l.p;
        double EG[64] = {0};
        for (size_t k = 0; k < r.n; k++)
            for (size_t j = 0; j < q; j++) EG[j] += r.w[k] * r.G[k * q + j];
        for (size_t j = 0; j < q; j++) CHECK_CLOSE(EG[j], 0.0, 1e-7, "E_y G(y) = 0");
        pl_mim_rule_free(&r);
    }
    /* null link: F = 0 */
    pl_mim_link l = mk(&pl_mim_link_null, 2, 0);
    pl_mim_rule r;
    pl_mim_threshold t;
    CHECK(pl_mim_rule_build(&l, 0, NULL, &r) == PL_OK, "null rule");
    CHECK(pl_mim_threshold_compute(&l, &r, &t) == PL_OK && t.null && isinf(t.alpha_c),
          "null link: F = 0, alpha_c = inf");
    pl_mim_spectral_pred pr;
    CHECK(pl_mim_asym_predict(&r, &t, 2.0, &pr) == PL_ENOSOLUTION, "null: no prediction");
    pl_mim_rule_free(&r);
    /* bad instances */
    char buf[128];
    pl_mim_link bad;
    CHECK(pl_mim_link_init(&bad, &pl_mim_link_z1z2, 3, 0, NULL, buf, sizeof buf) != NULL,
          "z1z2 with p = 3 rejected");
    CHECK(pl_mim_link_init(&bad, &pl_mim_link_pr, 1, -1, NULL, buf, sizeof buf) != NULL,
          "negative noise rejected");
}

int main(void)
{
    check_a();
    check_G_quadrature();
    check_gout_fd();
    check_rules();
    return pl_test_done("test_mim_links");
}
