/* Family 9 benchmarks (see bench/README.md):
 *  - bo_adam_epoch: one Adam epoch (3 sequential minibatches of n/3, hand-derived gradients,
 *    row renormalisation) of a width-100 student at d = 200, n = 2 d^2 (reference: PyTorch);
 *  - bo_eps_curve: the eps_BO(alpha) theory curve, 200 points of alpha in [1, 100] at d = 200,
 *    k = 100, beta = 1, Delta = 0.01 (channel setup included; reference: scipy).
 * Usage: bench_bo OUTDIR [quick] (or PL_BENCH_QUICK=1: fewer repetitions and a 20-point curve).
 * Writes the inputs and results as raw float64 .bin files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_io.h"
#include "phaselab/bo.h"

static void emit_meta(const char *kernel, const char *size, double x, const char *xvar,
                      const char *bound)
{
    printf("{\"kernel\":\"%s\",\"size\":\"%s\",\"impl\":\"meta\",\"headline\":true,"
           "\"x\":%.17g,\"xvar\":\"%s\",\"bound\":\"%s\"}\n",
           kernel, size, x, xvar, bound);
    fflush(stdout);
}

static int dump(const char *dir, const char *name, const double *x, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(x, sizeof(double), n, f);
    fclose(f);
    return w == n ? 0 : -1;
}

typedef struct {
    pl_bo_student *s;
    pl_mat X, gU, U0;
    double *y, *ga, *a0;
} adam_ctx;

static void adam_epoch(void *p)
{
    adam_ctx *c = p;
    /* restart from the same state so every repetition does the same work */
    pl_mat_copy(c->s->U, c->U0);
    memcpy(c->s->a, c->a0, c->s->p * sizeof(double));
    memset(c->s->mU, 0, c->s->p * c->s->d * sizeof(double));
    memset(c->s->vU, 0, c->s->p * c->s->d * sizeof(double));
    memset(c->s->ma, 0, c->s->p * sizeof(double));
    memset(c->s->va, 0, c->s->p * sizeof(double));
    c->s->t = 0;
    double L;
    pl_bo_student_epoch(c->s, c->X, c->y, 3, c->gU, c->ga, &L);
}

typedef struct {
    size_t npts;
    double *alpha, *eps;
} curve_ctx;

static void eps_curve(void *p)
{
    curve_ctx *c = p;
    const pl_bo_act_type *act = pl_bo_act_find("tanh2-nolin");
    pl_bo_channel ch;
    pl_bo_channel_opts o = pl_bo_channel_default_opts();
    o.adaptive = -1;
    pl_bo_channel_init(&ch, act->f, NULL, &o);
    double v[100];
    pl_bo_profile_fill(PL_BO_POWER, 1.0, 100, v);
    for (size_t i = 0; i < c->npts; i++) {
        pl_bo_fp r;
        pl_bo_solve(&ch, 100, v, c->alpha[i] * 200.0, 0.01, NULL, &r, NULL);
        c->eps[i] = r.eps;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s OUTDIR [quick]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    int quick = (argc > 2 && strcmp(argv[2], "quick") == 0) || pl_bench_quick();
    /* ---- Adam epoch */
    size_t d = 200, p = 100, n = 2 * d * d;
    pl_rng rng;
    pl_rng_init(&rng, 2026, 9);
    pl_bo_student s;
    if (pl_bo_student_init(&s, &rng, d, p, pl_bo_act_find("tanh2"), 0.1, 3e-3, n / 3) != PL_OK)
        return 1;
    pl_rng_normal_mat(&rng, s.U, 1.0 / sqrt((double)d));
    adam_ctx c = {&s, pl_mat_alloc(n, d), pl_mat_alloc(p, d), pl_mat_alloc(p, d),
                  malloc(n * sizeof(double)), malloc(p * sizeof(double)),
                  malloc(p * sizeof(double))};
    if (!c.X.data || !c.y) return 1;
    pl_rng_normal_mat(&rng, c.X, 1.0);
    for (size_t i = 0; i < n; i++) c.y[i] = 0.5 * tanh(2.0 * c.X.data[i * d]) + 0.1 * pl_rng_normal(&rng);
    for (size_t j = 0; j < p; j++) s.a[j] = 0.1 * pl_rng_normal(&rng);
    pl_mat_copy(c.U0, s.U);
    memcpy(c.a0, s.a, p * sizeof(double));
    if (dump(dir, "bo_adam_X_80000x200.bin", c.X.data, n * d) ||
        dump(dir, "bo_adam_y_80000.bin", c.y, n) ||
        dump(dir, "bo_adam_U0_100x200.bin", c.U0.data, p * d) ||
        dump(dir, "bo_adam_a0_100.bin", c.a0, p))
        return 1;
    pl_bench_time t = pl_bench_run(adam_epoch, &c, 1, quick ? 3 : 7);
    /* flops: per batch forward X U^T (2 b d p) + gradient G^T X (2 b d p) + readout */
    emit_meta("bo_adam_epoch", "d200_p100_n80000", (double)n, "n", "gemm");
    pl_bench_emit("bo_adam_epoch", "d200_p100_n80000", "phaselab", t, 4.0 * (double)n * d * p,
                  8.0 * (double)n * d);
    adam_epoch(&c);
    if (dump(dir, "bo_adam_U1_100x200.bin", s.U.data, p * d) ||
        dump(dir, "bo_adam_a1_100.bin", s.a, p))
        return 1;
    pl_bo_student_free(&s);
    pl_mat_free(&c.X);
    pl_mat_free(&c.gU);
    pl_mat_free(&c.U0);
    free(c.y);
    free(c.ga);
    free(c.a0);
    /* ---- eps_BO curve */
    size_t npts = quick ? 20 : 200;
    const char *csize = quick ? "k100_20pts" : "k100_200pts";
    curve_ctx cc = {npts, malloc(npts * sizeof(double)), malloc(npts * sizeof(double))};
    for (size_t i = 0; i < cc.npts; i++) cc.alpha[i] = pow(100.0, (double)i / (double)(cc.npts - 1));
    t = pl_bench_run(eps_curve, &cc, 0, quick ? 1 : 3);
    emit_meta("bo_eps_curve", csize, (double)npts, "points", "none");
    pl_bench_emit("bo_eps_curve", csize, "phaselab", t, 0, 0);
    if (dump(dir, "bo_curve_alpha.bin", cc.alpha, cc.npts) ||
        dump(dir, "bo_curve_eps.bin", cc.eps, cc.npts))
        return 1;
    free(cc.alpha);
    free(cc.eps);
    return 0;
}
