/* Attention-indexed models: a 200-point softmax SE curve (T = 2, rho = 0.5) and one GAMP-RIE
 * iteration (softmax, T = 2, rho = 0.5, alpha = 0.1, d = 200; PL_BENCH_QUICK=1: 20 points,
 * d = 60). Inputs and results go to the output directory (manifest aim_cases.jsonl) for
 * bench/ref_aim.py, which runs the same equations in numpy/scipy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_io.h"
#include "phaselab/aim.h"

typedef struct {
    size_t npts;
    const double *alpha;
    double *mmse;
} se_ctx;

static void run_se(void *c)
{
    se_ctx *s = c;
    for (size_t i = 0; i < s->npts; i++) {
        pl_aim_se_result r;
        pl_aim_se_softmax(2, 0.5, s->alpha[i], &r);
        s->mmse[i] = r.mmse;
    }
}

typedef struct {
    const pl_aim_data *D;
    pl_mat S;
    pl_aim_gamp_result res;
} gamp_ctx;

static void run_gamp(void *c)
{
    gamp_ctx *g = c;
    pl_aim_gamp_opts o = pl_aim_gamp_default_opts();
    o.maxit = 1;
    o.damping = 1;
    pl_aim_gamp(g->D, 0.5, &o, g->S, &g->res);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    int q = pl_bench_quick();
    pl_bench_out out;
    if (pl_bench_out_open(&out, dir, "aim") != 0) return 1;
    size_t npts = q ? 20 : 200, d = q ? 60 : 200;
    double *alpha = pl_bench_xmalloc(npts * sizeof *alpha), *mmse = pl_bench_xmalloc(npts * sizeof *mmse);
    for (size_t i = 0; i < npts; i++) alpha[i] = 0.001 + 0.185 * (double)i / (double)(npts - 1);
    char size[64], params[128];
    snprintf(size, sizeof size, "points=%zu", npts);
    se_ctx sc = {npts, alpha, mmse};
    pl_bench_emit("aim_se_curve", size, "phaselab", pl_bench_run(run_se, &sc, 0, q ? 1 : 3), 0, 0);
    pl_bench_case_begin(&out, "aim_se_curve", size, "\"T\":2,\"rho\":0.5");
    pl_bench_dump(&out, "alpha", "aim_alpha.bin", "f64", alpha, npts, 1);
    pl_bench_dump(&out, "mmse", "aim_mmse.bin", "f64", mmse, npts, 1);
    pl_bench_case_end(&out);

    pl_rng rng;
    pl_rng_init(&rng, 2025, 2);
    pl_aim_data D;
    size_t n = (size_t)(0.1 * (double)d * (double)d);
    if (pl_aim_data_sample(PL_AIM_SOFTMAX, 2, 0.5, n, d, &rng, &D) != PL_OK) return 1;
    gamp_ctx gc = {&D, pl_mat_alloc(d, d), {0}};
    snprintf(size, sizeof size, "d=%zu,n=%zu,T=2", d, n);
    double flops = 2.0 * 2.0 * (double)(n * 2) * (double)d * (double)d + 10.0 * pow((double)d, 3);
    pl_bench_emit("aim_gamp_iteration", size, "phaselab", pl_bench_auto(run_gamp, &gc, 2, 20),
                  flops, 0);
    snprintf(params, sizeof params, "\"d\":%zu,\"n\":%zu,\"T\":2,\"rho\":0.5", d, n);
    pl_bench_case_begin(&out, "aim_gamp_iteration", size, params);
    pl_bench_dump(&out, "X", "aim_X.bin", "f64", D.X.data, n * 2, d);
    pl_bench_dump(&out, "y", "aim_y.bin", "f64", D.y, n, 4);
    pl_bench_dump(&out, "S1", "aim_S1.bin", "f64", gc.S.data, d, d);
    pl_bench_case_end(&out);
    pl_bench_out_close(&out);
    pl_mat_free(&gc.S);
    pl_aim_data_free(&D);
    free(alpha);
    free(mmse);
    return out.err;
}
