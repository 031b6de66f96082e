/* Benchmark of family 3: one full-batch GD step of the RBM objective at k = 3 hidden units
 * (two passes over the n x d data: V W and V^T tanh(.), plus the 2^k hidden sum) and one
 * iteration of the k = 1 AMP (two passes over the data and n safeguarded-Newton proxes), at
 * d = 2000, n = 4d (PL_BENCH_QUICK=1: d = 400).
 *
 *     bench_rbm OUTDIR [d]
 *
 * Dumps the inputs (V, W0, w0) and the results (W1, w1) with a case manifest (bench_io.h) for
 * bench/ref_rbm.py, which times numpy on the same data and checks.
 * Kernels: rbm_gd_step, rbm_amp_iter (bound: bandwidth, 2 reads of V). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_io.h"
#include "phaselab/rbm.h"

#define K 3

typedef struct {
    pl_mat V, W0, W, w0, w;
    double lr, s0, damping;
} ctx_t;

static void run_gd(void *p)
{
    ctx_t *c = p;
    pl_mat_copy(c->W, c->W0);
    pl_rbm_gd(c->V, c->W, 1, c->lr, (pl_mat){0}, NULL);
}

static void run_amp(void *p)
{
    ctx_t *c = p;
    pl_mat_copy(c->w, c->w0);
    pl_rbm_amp_opts o = pl_rbm_amp_default_opts();
    o.maxit = 1;
    o.s0 = c->s0;
    o.damping = c->damping;
    pl_rbm_amp(c->V, c->w.data, &o, NULL); /* PL_ENOCONV after its one iteration */
}

static void emit_meta(const char *kernel, const char *size, double x)
{
    printf("{\"kernel\":\"%s\",\"size\":\"%s\",\"impl\":\"meta\",\"headline\":true,\"x\":%.17g,"
           "\"xvar\":\"d\",\"bound\":\"bandwidth\"}\n",
           kernel, size, x);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s OUTDIR [d]\n", argv[0]);
        return 2;
    }
    size_t d = argc > 2 ? (size_t)atol(argv[2]) : (pl_bench_quick() ? 400 : 2000), n = 4 * d;
    if (d < K) {
        fprintf(stderr, "d must be >= %d\n", K);
        return 2;
    }
    ctx_t c = {.lr = 0.2, .s0 = 0.5, .damping = 0.5};
    c.V = pl_mat_alloc(n, d);
    c.W0 = pl_mat_alloc(d, K);
    c.W = pl_mat_alloc(d, K);
    c.w0 = pl_mat_alloc(d, 1);
    c.w = pl_mat_alloc(d, 1);
    pl_mat U = pl_mat_alloc(d, K);
    if (!c.V.data || !c.W0.data || !c.W.data || !c.w0.data || !c.w.data || !U.data) {
        fprintf(stderr, "bench: out of memory\n");
        return 2;
    }
    pl_rng rng;
    pl_rng_init(&rng, 20250523u, 3);
    double beta[K] = {2, 1.5, 1};
    pl_rbm_sample(&rng, beta, c.V, U);
    pl_rng_normal_mat(&rng, c.W0, 0.8);
    /* AMP start: the first spike direction with |w0|^2/d = 2 plus noise */
    for (size_t i = 0; i < d; i++)
        c.w0.data[i] = sqrt(2.0 * (double)d) * 0.8 * U.data[i * K] + 0.6 * pl_rng_normal(&rng);

    char size[64], params[256];
    snprintf(size, sizeof size, "d=%zu,n=%zu", d, n);
    snprintf(params, sizeof params,
             "\"d\":%zu,\"n\":%zu,\"k\":%d,\"lr\":%.17g,\"s0\":%.17g,\"damping\":%.17g", d, n,
             K, c.lr, c.s0, c.damping);
    double bytes = 2.0 * 8.0 * (double)n * (double)d;
    emit_meta("rbm_gd_step", size, (double)d);
    pl_bench_time t = pl_bench_auto(run_gd, &c, 3, 50);
    pl_bench_emit("rbm_gd_step", size, "phaselab", t, 4.0 * (double)n * (double)d * K, bytes);
    emit_meta("rbm_amp_iter", size, (double)d);
    t = pl_bench_auto(run_amp, &c, 3, 50);
    pl_bench_emit("rbm_amp_iter", size, "phaselab", t, 4.0 * (double)n * (double)d, bytes);

    pl_bench_out o;
    if (pl_bench_out_open(&o, argv[1], "rbm") != 0) return 2;
    pl_bench_case_begin(&o, "rbm_gd_step", size, params);
    pl_bench_dump(&o, "V", "rbm_V.bin", "f64", c.V.data, n, d);
    pl_bench_dump(&o, "W0", "rbm_W0.bin", "f64", c.W0.data, d, K);
    pl_bench_dump(&o, "W1", "rbm_W1.bin", "f64", c.W.data, d, K);
    pl_bench_case_end(&o);
    pl_bench_case_begin(&o, "rbm_amp_iter", size, params);
    pl_bench_dump(&o, "V", "rbm_V.bin", "f64", c.V.data, n, d);
    pl_bench_dump(&o, "w0", "rbm_w0.bin", "f64", c.w0.data, d, 1);
    pl_bench_dump(&o, "w1", "rbm_w1.bin", "f64", c.w.data, d, 1);
    pl_bench_case_end(&o);
    int err = o.err;
    pl_bench_out_close(&o);
    pl_mat_free(&c.V);
    pl_mat_free(&c.W0);
    pl_mat_free(&c.W);
    pl_mat_free(&c.w0);
    pl_mat_free(&c.w);
    pl_mat_free(&U);
    return err ? 2 : 0;
}
