/* Family 9 Adam student: hand-derived gradients against finite differences, Adam's update
 * against its closed form, row renormalisation, and a statistical test in the refinement
 * regime against the BO theory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/bo.h"
#include "pl_test.h"

static void test_gradients(void)
{
    const char *acts[2] = {"tanh2", "tanh2-nolin"};
    for (int ai = 0; ai < 2; ai++) {
        const pl_bo_act_type *act = pl_bo_act_find(acts[ai]);
        size_t d = 7, p = 4, b = 13;
        pl_rng rng;
        pl_rng_init(&rng, 11, 3);
        pl_bo_student s;
        CHECK(pl_bo_student_init(&s, &rng, d, p, act, 0.3, 1e-3, b) == PL_OK, "init");
        pl_rng_normal_mat(&rng, s.U, 0.5);
        for (size_t j = 0; j < p; j++) s.a[j] = pl_rng_normal(&rng);
        pl_mat X = pl_mat_alloc(b, d), gU = pl_mat_alloc(p, d);
        double y[13], ga[4], L;
        pl_rng_normal_mat(&rng, X, 1.0);
        for (size_t n = 0; n < b; n++) y[n] = pl_rng_normal(&rng);
        CHECK(pl_bo_student_loss_grad(&s, X, y, &L, gU, ga) == PL_OK, "loss_grad");
        const double h = 1e-6;
        double maxerr = 0.0, maxg = 0.0;
        for (size_t i = 0; i < p * d; i++) {
            double u0 = s.U.data[i], Lp, Lm;
            s.U.data[i] = u0 + h;
            pl_bo_student_loss_grad(&s, X, y, &Lp, (pl_mat){0}, NULL);
            s.U.data[i] = u0 - h;
            pl_bo_student_loss_grad(&s, X, y, &Lm, (pl_mat){0}, NULL);
            s.U.data[i] = u0;
            double fd = (Lp - Lm) / (2 * h);
            maxerr = fmax(maxerr, fabs(fd - gU.data[i]));
            maxg = fmax(maxg, fabs(gU.data[i]));
        }
        CHECK(maxerr < 1e-7 * fmax(1.0, maxg), "%s: dL/dU vs FD: %g", acts[ai], maxerr);
        maxerr = 0.0;
        for (size_t j = 0; j < p; j++) {
            double a0 = s.a[j], Lp, Lm;
            s.a[j] = a0 + h;
            pl_bo_student_loss_grad(&s, X, y, &Lp, (pl_mat){0}, NULL);
            s.a[j] = a0 - h;
            pl_bo_student_loss_grad(&s, X, y, &Lm, (pl_mat){0}, NULL);
            s.a[j] = a0;
            maxerr = fmax(maxerr, fabs((Lp - Lm) / (2 * h) - ga[j]));
        }
        CHECK(maxerr < 1e-7, "%s: dL/da vs FD: %g", acts[ai], maxerr);
        /* activation derivative vs FD */
        for (double x = -2.0; x <= 2.0; x += 0.37)
            CHECK_CLOSE(act->df(x, NULL), (act->f(x + h, NULL) - act->f(x - h, NULL)) / (2 * h),
                        1e-8, "sigma'");
        /* one Adam step from zero moments moves every coordinate by lr * g/(|g| + eps/...)
         * = lr sign(g) (bias-corrected m/sqrt(v) = g/|g|) */
        pl_mat U0 = pl_mat_alloc(p, d);
        pl_mat_copy(U0, s.U);
        double a0[4];
        memcpy(a0, s.a, sizeof a0);
        pl_bo_student_adam_step(&s, gU, ga);
        double e = 0.0;
        for (size_t i = 0; i < p * d; i++) {
            double g = gU.data[i], want = U0.data[i] - 1e-3 * g / (fabs(g) + 1e-8);
            e = fmax(e, fabs(s.U.data[i] - want));
        }
        for (size_t j = 0; j < p; j++)
            e = fmax(e, fabs(s.a[j] - (a0[j] - 1e-3 * ga[j] / (fabs(ga[j]) + 1e-8))));
        CHECK(e < 1e-15, "first Adam step = lr sign(g): %g", e);
        /* epoch: rows renormalised to 1 */
        pl_bo_student_epoch(&s, X, y, 1, gU, ga, &L);
        for (size_t j = 0; j < p; j++)
            CHECK_CLOSE(pl_nrm2(d, &PL_AT(s.U, j, 0)), 1.0, 1e-14, "row norm after epoch");
        pl_mat_free(&U0);
        pl_mat_free(&X);
        pl_mat_free(&gU);
        pl_bo_student_free(&s);
    }
}

/* Refinement regime (all k features learned): a student of width p = k started at the
 * teacher converges under Adam to the least-squares estimator, whose excess test error is
 * Delta P / n (P = p d effective parameters: p (d - 1) on the row spheres + p readouts) to
 * leading order in P/n -- the same leading order as the BO refinement law eps = (Delta +
 * eps) k d / n. The test compares the mean over seeds with eps_BO(theory). */
#ifndef EPOCHS
#define EPOCHS 300
#endif
static void test_refinement(int nseeds, double *mean, double *se, double *theory)
{
    size_t d = 20, k = 10, p = 10;
    double alpha = 10.0, delta = 0.01;
    size_t n = (size_t)(alpha * d * d), ntest = 20000;
    const pl_bo_act_type *act = pl_bo_act_find("tanh2-nolin");
    double v[10];
    pl_bo_profile_fill(PL_BO_POWER, 1.0, k, v);
    pl_bo_channel ch;
    pl_bo_channel_opts co = pl_bo_channel_default_opts();
    co.adaptive = -1;
    pl_bo_channel_init(&ch, act->f, NULL, &co);
    pl_bo_fp r;
    pl_bo_solve(&ch, k, v, (double)n / (double)d, delta, NULL, &r, NULL);
    *theory = r.eps;
    CHECK(r.k_c == (double)k, "refinement regime: k_c = k (%g)", r.k_c);
    double sum = 0, sum2 = 0;
    for (int sd = 0; sd < nseeds; sd++) {
        pl_rng rng;
        pl_rng_init(&rng, 1000 + (uint64_t)sd, 7);
        pl_rng rt = pl_rng_substream(&rng, 1), rx = pl_rng_substream(&rng, 2),
               rs = pl_rng_substream(&rng, 3);
        pl_bo_teacher t;
        pl_bo_teacher_init(&t, &rt, d, k, v, delta, act, 1);
        pl_mat X = pl_mat_alloc(n, d), Xt = pl_mat_alloc(ntest, d);
        double *y = malloc(n * sizeof *y), *yt = malloc(ntest * sizeof *yt);
        pl_bo_sample(&t, &rx, X, y);
        t.delta = 0.0;
        pl_bo_sample(&t, &rx, Xt, yt);
        pl_bo_student s;
        pl_bo_student_init(&s, &rs, d, p, act, 0.0, 1e-3, n);
        for (size_t j = 0; j < p; j++) {
            s.a[j] = v[j];
            for (size_t i = 0; i < d; i++) PL_AT(s.U, j, i) = PL_AT(t.W, j, i) / sqrt((double)d);
        }
        pl_mat gU = pl_mat_alloc(p, d);
        double ga[10], L, mse;
        for (int e = 0; e < EPOCHS; e++) {
            if (e == EPOCHS / 2) s.lr = 2e-4;
            if (e == 3 * EPOCHS / 4) s.lr = 4e-5;
            pl_bo_student_epoch(&s, X, y, 1, gU, ga, &L);
        }
        pl_bo_student_test(&s, Xt, yt, &mse);
        CHECK(pl_bo_recovered(t.W, s.U, 0.7) == k, "all features kept");
        CHECK(fabs(L / delta - 1.0) < 0.2, "train loss ~ Delta (1 - P/n): %g", L);
        sum += mse;
        sum2 += mse * mse;
        pl_bo_student_free(&s);
        pl_bo_teacher_free(&t);
        pl_mat_free(&X);
        pl_mat_free(&Xt);
        pl_mat_free(&gU);
        free(y);
        free(yt);
    }
    *mean = sum / nseeds;
    *se = sqrt((sum2 / nseeds - *mean * *mean) / (nseeds - 1));
}

int main(void)
{
    test_gradients();
    double m, se, th;
    test_refinement(8, &m, &se, &th);
    printf("Adam (d 20, k = p = 10, alpha 10, 8 seeds): %.4e +- %.2e, eps_BO %.4e\n", m, se, th);
    /* allowance: ERM's Delta P/n and BO's Delta k d/(n - k d) agree to leading order; their
     * next orders are O(P/n) = 5% relative each, so 2 P/n = 10% of the theory */
    CHECK(fabs(m - th) <= 3.0 * se + 0.1 * th, "Adam vs eps_BO: %g vs %g (se %g)", m, th, se);
    return pl_test_done("test_bo_adam");
}
