/* Neural LoFi: the finite-width test error converges to the kernel (P -> infinity) one.
 *
 * For each of S data seeds (paired: the same training and test sets for every width) the gap
 * g_s(P) = |MSE_P - MSE_inf| is measured at P = 250, 1000, 4000, 16000 with a fixed ridge
 * penalty (no grid: the selection's argmin would add jumps). The Gram Z Z^T fluctuates around
 * the NNGP kernel by O(P^{-1/2}) with zero mean, and enters the error at first order (zero
 * mean, |.| ~ P^{-1/2}) and second order (bias ~ P^{-1}), so the local log-log slope of the
 * mean gap lies between -1 and -1/2. The slope is fitted by least squares on
 * log(mean_s g_s(P)); its standard error follows from the delta method with the standard
 * errors of the means over seeds. Checks: slope in [-1 - 3 se, -1/2 + 3 se], and the gap at
 * the largest P below the gap at the smallest by 3 combined standard errors. */
#include <math.h>
#include <stdlib.h>

#include "phaselab/lofi.h"
#include "pl_test.h"

#define S 16
#define NP 4

int main(void)
{
    const size_t Ps[NP] = {250, 1000, 4000, 16000};
    double g[NP][S];
    double lam = 1.0;
    char err[256];
    pl_lofi_cfg c = {.nlayers = 1, .K = {4}, .act = PL_LOFI_RELU, .eps = 1e-6,
                     .ridge = {.intercept = 1, .lambdas = &lam, .nlambda = 1}};
    for (int s = 0; s < S; s++) {
        pl_rng rng;
        pl_rng_init(&rng, (uint64_t)s, 1);
        pl_lofi_data d;
        pl_status st = pl_lofi_task_sample(PL_LOFI_TASK_HIER, NULL, 200, 500, 6, &rng, &d, err,
                                           sizeof err);
        CHECK(st == PL_OK, "task: %s", err);
        pl_lofi_out ko, fo;
        st = pl_lofi_kernel_run(&c, &d, &ko);
        CHECK(st == PL_OK, "kernel run: %s", pl_strerror(st));
        for (int i = 0; i < NP; i++) {
            c.P[0] = Ps[i];
            pl_rng wr;
            pl_rng_init(&wr, (uint64_t)s, 2);
            st = pl_lofi_fc_run(&c, &d, &wr, &fo);
            CHECK(st == PL_OK, "fc run: %s", pl_strerror(st));
            g[i][s] = fabs(fo.test_mse - ko.test_mse);
        }
        pl_lofi_data_free(&d);
    }
    double x[NP], m[NP], se[NP], xb = 0;
    for (int i = 0; i < NP; i++) {
        double a = 0, a2 = 0;
        for (int s = 0; s < S; s++) {
            a += g[i][s];
            a2 += g[i][s] * g[i][s];
        }
        m[i] = a / S;
        se[i] = sqrt((a2 / S - m[i] * m[i]) / (S - 1));
        x[i] = log((double)Ps[i]);
        xb += x[i] / NP;
        printf("P = %5zu  mean |MSE_P - MSE_inf| = %.3e +- %.1e\n", Ps[i], m[i], se[i]);
    }
    double sxx = 0, slope = 0, var = 0;
    for (int i = 0; i < NP; i++) sxx += (x[i] - xb) * (x[i] - xb);
    for (int i = 0; i < NP; i++) {
        double ci = (x[i] - xb) / sxx;
        slope += ci * log(m[i]);
        var += ci * ci * (se[i] / m[i]) * (se[i] / m[i]);
    }
    double sd = sqrt(var);
    printf("log-log slope %.3f +- %.3f\n", slope, sd);
    CHECK(slope >= -1 - 3 * sd && slope <= -0.5 + 3 * sd, "slope %.3f (se %.3f)", slope, sd);
    CHECK(m[0] - m[NP - 1] > 3 * sqrt(se[0] * se[0] + se[NP - 1] * se[NP - 1]),
          "gap does not shrink: %g -> %g", m[0], m[NP - 1]);
    return pl_test_done("test_lofi_width");
}
