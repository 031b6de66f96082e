/* Benchmark of family 8 (Neural LoFi): the signed covariance C = Z^T diag(y) Z / n of the
 * random features (two dsyrk over row blocks: n P^2 flops) and the eigen-reduction to the top K
 * eigenpairs of C by |lambda| (one tridiagonalisation, 4/3 P^3 flops, plus bisection and
 * inverse iteration for K pairs), at n = 20000, P = 5000, K = 50 (PL_BENCH_QUICK=1: n = 2000,
 * P = 500).
 *
 *     bench_lofi OUTDIR [n P]
 *
 * Dumps Z, y, C and the K eigenpairs with a case manifest (bench_io.h) for bench/ref_lofi.py,
 * which times numpy ((Z.T * y) @ Z / n, then numpy.linalg.eigh and a selection by modulus)
 * on the same data and checks. Full size: Z is 800 MB (and numpy makes a second copy). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_io.h"
#include "phaselab/eigred.h"
#include "phaselab/lofi.h"

typedef struct {
    pl_mat Z, C, A, V;
    double *y, *w;
    size_t K;
} ctx_t;

static void run_cov(void *p)
{
    ctx_t *c = p;
    pl_lofi_signed_cov(c->Z, c->y, 1.0 / (double)c->Z.rows, 0.0, c->C);
}

static void run_eigred(void *p)
{
    ctx_t *c = p;
    pl_mat_copy(c->A, c->C);
    pl_eigred_topk_abs(c->A, c->K, c->w, c->V);
}

static void emit_meta(const char *kernel, const char *size, double x, const char *bound)
{
    printf("{\"kernel\":\"%s\",\"size\":\"%s\",\"impl\":\"meta\",\"headline\":true,\"x\":%.17g,"
           "\"xvar\":\"P\",\"bound\":\"%s\"}\n",
           kernel, size, x, bound);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s OUTDIR [n P]\n", argv[0]);
        return 2;
    }
    int q = pl_bench_quick();
    size_t n = argc > 3 ? (size_t)atol(argv[2]) : (q ? 2000 : 20000);
    size_t P = argc > 3 ? (size_t)atol(argv[3]) : (q ? 500 : 5000), K = 50;
    if (n < 2 || P < K) {
        fprintf(stderr, "n must be >= 2 and P >= %zu\n", K);
        return 2;
    }
    ctx_t c = {.K = K};
    c.Z = pl_mat_alloc(n, P);
    c.C = pl_mat_alloc(P, P);
    c.A = pl_mat_alloc(P, P);
    c.V = pl_mat_alloc(P, K);
    if (!c.Z.data || !c.C.data || !c.A.data || !c.V.data) {
        fprintf(stderr, "bench: out of memory\n");
        return 2;
    }
    c.y = pl_bench_xmalloc(n * sizeof *c.y);
    c.w = pl_bench_xmalloc(K * sizeof *c.w);
    /* ReLU random features of Gaussian pre-activations, scaled by 1/sqrt(P); labels +-1 */
    pl_rng rng;
    pl_rng_init(&rng, 20261204u, 8);
    pl_rng_normal_mat(&rng, c.Z, 1.0);
    double s = 1 / sqrt((double)P);
    for (size_t i = 0; i < n * P; i++) c.Z.data[i] = c.Z.data[i] > 0 ? s * c.Z.data[i] : 0.0;
    for (size_t i = 0; i < n; i++) c.y[i] = pl_rng_uniform(&rng) < 0.5 ? -1.0 : 1.0;

    char size[64], params[128];
    snprintf(size, sizeof size, "n=%zu,P=%zu", n, P);
    snprintf(params, sizeof params, "\"n\":%zu,\"P\":%zu,\"K\":%zu", n, P, K);
    emit_meta("lofi_signed_cov", size, (double)P, "gemm");
    pl_bench_time t = q ? pl_bench_auto(run_cov, &c, 1, 5) : pl_bench_run(run_cov, &c, 0, 1);
    pl_bench_emit("lofi_signed_cov", size, "phaselab", t, (double)n * (double)P * (double)P, 0);
    emit_meta("lofi_eigred", size, (double)P, "gemm");
    t = q ? pl_bench_auto(run_eigred, &c, 1, 5) : pl_bench_run(run_eigred, &c, 0, 1);
    pl_bench_emit("lofi_eigred", size, "phaselab", t, 4.0 / 3.0 * (double)P * (double)P * (double)P,
                  0);

    pl_bench_out o;
    if (pl_bench_out_open(&o, argv[1], "lofi") != 0) return 2;
    pl_bench_case_begin(&o, "lofi_signed_cov", size, params);
    pl_bench_dump(&o, "Z", "lofi_Z.bin", "f64", c.Z.data, n, P);
    pl_bench_dump(&o, "y", "lofi_y.bin", "f64", c.y, n, 1);
    pl_bench_dump(&o, "C", "lofi_C.bin", "f64", c.C.data, P, P);
    pl_bench_case_end(&o);
    pl_bench_case_begin(&o, "lofi_eigred", size, params);
    pl_bench_dump(&o, "C", "lofi_C.bin", "f64", c.C.data, P, P);
    pl_bench_dump(&o, "w", "lofi_w.bin", "f64", c.w, K, 1);
    pl_bench_dump(&o, "V", "lofi_V.bin", "f64", c.V.data, P, K);
    pl_bench_case_end(&o);
    int err = o.err;
    pl_bench_out_close(&o);
    pl_mat_free(&c.Z);
    pl_mat_free(&c.C);
    pl_mat_free(&c.A);
    pl_mat_free(&c.V);
    free(c.y);
    free(c.w);
    return err ? 2 : 0;
}
