/* Benchmark of family 6: the two first-layer GD steps (four gemms of 2 n d N flops plus one
 * pass of the activation over the n x N pre-activations per step) and the singular values of
 * W_2 (LAPACK dgesdd), at N = d = n = 4000 (PL_BENCH_QUICK=1: 400).
 *
 *     bench_twostep OUTDIR [N]
 *
 * Dumps the inputs (W0, a, X1, y1, X2, y2) and the results (W2, s) with a case manifest
 * (bench_io.h) for bench/ref_twostep.py, which times numpy on the same data and checks.
 * Kernels: twostep_steps (bound: gemm), twostep_svd (bound: lapack). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_io.h"
#include "phaselab/twostep.h"

typedef struct {
    const pl_ts_act *act;
    pl_mat W0, W, X1, X2, Z;
    double *a, *y1, *y2, *f, *r, *s;
    double eta1, eta2;
} ctx_t;

static void run_steps(void *p)
{
    ctx_t *c = p;
    double loss;
    pl_mat_copy(c->W, c->W0);
    pl_ts_gd_step(c->act, c->W, c->a, c->X1, c->y1, c->eta1, c->Z, c->f, c->r, &loss);
    pl_ts_gd_step(c->act, c->W, c->a, c->X2, c->y2, c->eta2, c->Z, c->f, c->r, &loss);
}

static void run_svd(void *p)
{
    ctx_t *c = p;
    pl_ts_all_sv(c->W, c->s);
}

static void emit_meta(const char *kernel, const char *size, double x, const char *bound)
{
    printf("{\"kernel\":\"%s\",\"size\":\"%s\",\"impl\":\"meta\",\"headline\":true,\"x\":%.17g,"
           "\"xvar\":\"N\",\"bound\":\"%s\"}\n",
           kernel, size, x, bound);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s OUTDIR [N]\n", argv[0]);
        return 2;
    }
    size_t N = argc > 2 ? (size_t)atol(argv[2]) : (pl_bench_quick() ? 400 : 4000), d = N, n = N;
    if (N < 2) {
        fprintf(stderr, "N must be >= 2\n");
        return 2;
    }
    pl_ts_config cfg = {.N = N, .d = d, .n = n, .alpha1 = 0.45, .alpha2 = 0.4, .eta0 = 1,
                        .act = &pl_ts_act_tanh_softplus};
    pl_ts_target_parse("he1", 0, &cfg.target);
    ctx_t c = {.act = cfg.act, .eta1 = pl_ts_eta(&cfg, 1), .eta2 = pl_ts_eta(&cfg, 2)};
    c.W0 = pl_mat_alloc(N, d);
    c.W = pl_mat_alloc(N, d);
    c.X1 = pl_mat_alloc(n, d);
    c.X2 = pl_mat_alloc(n, d);
    c.Z = pl_mat_alloc(n, N);
    pl_mat B = pl_mat_alloc(1, d);
    if (!c.W0.data || !c.W.data || !c.X1.data || !c.X2.data || !c.Z.data || !B.data) {
        fprintf(stderr, "bench: out of memory\n");
        return 2;
    }
    c.a = pl_bench_xmalloc(N * sizeof *c.a);
    c.y1 = pl_bench_xmalloc(n * sizeof *c.y1);
    c.y2 = pl_bench_xmalloc(n * sizeof *c.y2);
    c.f = pl_bench_xmalloc(n * sizeof *c.f);
    c.r = pl_bench_xmalloc(n * sizeof *c.r);
    c.s = pl_bench_xmalloc(N * sizeof *c.s);
    pl_rng rng;
    pl_rng_init(&rng, 20240531u, 6);
    pl_rng_normal_mat(&rng, c.W0, 1 / sqrt((double)d));
    pl_rng_normal_fill(&rng, c.a, N, 1 / sqrt((double)N));
    PL_AT(B, 0, 0) = 1;
    pl_ts_sample_batch(&cfg, B, &rng, c.X1, c.y1);
    pl_ts_sample_batch(&cfg, B, &rng, c.X2, c.y2);

    char size[64], params[256];
    snprintf(size, sizeof size, "N=d=n=%zu", N);
    snprintf(params, sizeof params,
             "\"N\":%zu,\"d\":%zu,\"n\":%zu,\"eta1\":%.17g,\"eta2\":%.17g,\"act\":\"tanh+softplus\"",
             N, d, n, c.eta1, c.eta2);
    double flops = 4 * 2.0 * (double)n * (double)d * (double)N;
    emit_meta("twostep_steps", size, (double)N, "gemm");
    pl_bench_time t = pl_bench_auto(run_steps, &c, 1, 5);
    pl_bench_emit("twostep_steps", size, "phaselab", t, flops, 0);
    emit_meta("twostep_svd", size, (double)N, "lapack");
    /* at full size one dgesdd takes ~40 s on two cores: one timed call, no warm-up (a warm-up
     * changes nothing for a LAPACK call of that length) */
    t = pl_bench_quick() ? pl_bench_auto(run_svd, &c, 1, 5) : pl_bench_run(run_svd, &c, 0, 1);
    pl_bench_emit("twostep_svd", size, "phaselab", t, 0, 0);

    pl_bench_out o;
    if (pl_bench_out_open(&o, argv[1], "twostep") != 0) return 2;
    pl_bench_case_begin(&o, "twostep_steps", size, params);
    pl_bench_dump(&o, "W0", "twostep_W0.bin", "f64", c.W0.data, N, d);
    pl_bench_dump(&o, "a", "twostep_a.bin", "f64", c.a, N, 1);
    pl_bench_dump(&o, "X1", "twostep_X1.bin", "f64", c.X1.data, n, d);
    pl_bench_dump(&o, "y1", "twostep_y1.bin", "f64", c.y1, n, 1);
    pl_bench_dump(&o, "X2", "twostep_X2.bin", "f64", c.X2.data, n, d);
    pl_bench_dump(&o, "y2", "twostep_y2.bin", "f64", c.y2, n, 1);
    pl_bench_dump(&o, "W2", "twostep_W2.bin", "f64", c.W.data, N, d);
    pl_bench_case_end(&o);
    pl_bench_case_begin(&o, "twostep_svd", size, params);
    pl_bench_dump(&o, "W2", "twostep_W2.bin", "f64", c.W.data, N, d);
    pl_bench_dump(&o, "s", "twostep_s.bin", "f64", c.s, N, 1);
    pl_bench_case_end(&o);
    int err = o.err;
    pl_bench_out_close(&o);
    pl_mat_free(&c.W0);
    pl_mat_free(&c.W);
    pl_mat_free(&c.X1);
    pl_mat_free(&c.X2);
    pl_mat_free(&c.Z);
    pl_mat_free(&B);
    free(c.a);
    free(c.y1);
    free(c.y2);
    free(c.f);
    free(c.r);
    free(c.s);
    return err ? 2 : 0;
}
