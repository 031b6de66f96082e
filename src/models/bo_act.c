/* Family 9: built-in activations (sigma and sigma'). */
#include <math.h>
#include <string.h>

#include "phaselab/bo.h"

/* mu1 = E[z tanh(2z)] = 2 E[1 - tanh^2(2z)], by adaptive quadrature to ~1e-16 (checked in
 * tests/test_bo_theory.c). The reference code rounds it to 0.72948. */
#define PL_BO_TANH2_MU1 0.7294775314861196
#define PL_BO_INV_SQRT_2PI 0.398942280401432677939946059934
#define PL_BO_EXP_M_HALF 0.606530659712633423603799534991 /* e^{-1/2} = E[z sin z] */

static double tanh2(double x, void *c) { (void)c; return tanh(2.0 * x); }
static double dtanh2(double x, void *c)
{
    (void)c;
    double t = tanh(2.0 * x);
    return 2.0 * (1.0 - t * t);
}
static double tanh2_nolin(double x, void *c) { (void)c; return tanh(2.0 * x) - PL_BO_TANH2_MU1 * x; }
static double dtanh2_nolin(double x, void *c) { return dtanh2(x, c) - PL_BO_TANH2_MU1; }
static double relu(double x, void *c) { (void)c; return x > 0.0 ? x : 0.0; }
static double drelu(double x, void *c) { (void)c; return x > 0.0 ? 1.0 : 0.0; }
static double relu_nolin(double x, void *c)
{
    (void)c;
    return (x > 0.0 ? x : 0.0) - PL_BO_INV_SQRT_2PI - 0.5 * x;
}
static double drelu_nolin(double x, void *c) { (void)c; return (x > 0.0 ? 1.0 : 0.0) - 0.5; }
static double he3(double x, void *c) { (void)c; return (x * x * x - 3.0 * x) / sqrt(6.0); }
static double dhe3(double x, void *c) { (void)c; return (3.0 * x * x - 3.0) / sqrt(6.0); }
static double sin_nolin(double x, void *c) { (void)c; return sin(x) - PL_BO_EXP_M_HALF * x; }
static double dsin_nolin(double x, void *c) { (void)c; return cos(x) - PL_BO_EXP_M_HALF; }

static void fdf_tanh2(double x, double *f, double *df)
{
    double t = tanh(2.0 * x);
    *f = t;
    *df = 2.0 * (1.0 - t * t);
}
static void fdf_tanh2_nolin(double x, double *f, double *df)
{
    double t = tanh(2.0 * x);
    *f = t - PL_BO_TANH2_MU1 * x;
    *df = 2.0 * (1.0 - t * t) - PL_BO_TANH2_MU1;
}
static void fdf_relu(double x, double *f, double *df)
{
    *f = relu(x, NULL);
    *df = drelu(x, NULL);
}
static void fdf_relu_nolin(double x, double *f, double *df)
{
    *f = relu_nolin(x, NULL);
    *df = drelu_nolin(x, NULL);
}
static void fdf_he3(double x, double *f, double *df)
{
    *f = he3(x, NULL);
    *df = dhe3(x, NULL);
}
static void fdf_sin_nolin(double x, double *f, double *df)
{
    *f = sin(x) - PL_BO_EXP_M_HALF * x;
    *df = cos(x) - PL_BO_EXP_M_HALF;
}

static const pl_bo_act_type act_tanh2_nolin = {
    "tanh2-nolin", tanh2_nolin, dtanh2_nolin, 1,
    "tanh(2x) - mu1 x, mu1 = E[z tanh 2z] = 0.729478 (the paper's theory and HMC activation)",
    fdf_tanh2_nolin};
static const pl_bo_act_type act_tanh2 = {"tanh2", tanh2, dtanh2, 1,
                                         "tanh(2x) with its linear part (the paper's Adam runs)",
                                         fdf_tanh2};
static const pl_bo_act_type act_relu_nolin = {
    "relu-nolin", relu_nolin, drelu_nolin, 0,
    "max(0,x) - 1/sqrt(2 pi) - x/2 (constant and linear parts removed; kink: slow series)",
    fdf_relu_nolin};
static const pl_bo_act_type act_relu = {"relu", relu, drelu, 0, "max(0, x)", fdf_relu};
static const pl_bo_act_type act_he3 = {"he3", he3, dhe3, 1,
                                       "(x^3 - 3x)/sqrt(6): g(q) = q^3 exactly", fdf_he3};
static const pl_bo_act_type act_sin_nolin = {
    "sin-nolin", sin_nolin, dsin_nolin, 1,
    "sin x - e^{-1/2} x: g(q) = e^{-1} (sinh q - q) exactly",
    fdf_sin_nolin};

const pl_bo_act_type *const pl_bo_act_types[] = {
    &act_tanh2_nolin, &act_tanh2, &act_relu_nolin, &act_relu, &act_he3, &act_sin_nolin, NULL,
};

size_t pl_bo_act_count(void)
{
    size_t n = 0;
    while (pl_bo_act_types[n]) n++;
    return n;
}

const pl_bo_act_type *pl_bo_act_find(const char *name)
{
    for (size_t i = 0; pl_bo_act_types[i]; i++)
        if (strcmp(pl_bo_act_types[i]->name, name) == 0) return pl_bo_act_types[i];
    return NULL;
}

const char *pl_bo_act_choices(void)
{
    return "tanh2-nolin|tanh2|relu-nolin|relu|he3|sin-nolin"; /* same order as the table */
}
