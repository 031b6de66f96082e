/* Family 7: the layer-1 operator M1 = (1/2n) sum y (z z^T - I) of Hermite-2 features at d = 800
 * (D = 320400; PL_BENCH_QUICK=1: d = 200), true Gaussian inputs, p = 28 directions, n = 20000
 * samples (quick: 4000): one matrix-free matvec (two n x d x d gemms per chunk, never the D x D
 * matrix), and the whole layer-1 spectrum (top-p by |lambda|, thick-restart Lanczos) with the
 * peak resident memory. Inputs and one matvec are dumped for bench/ref_hier.py (numpy).
 *     bench_hier OUTDIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_io.h"
#include "phaselab/hier.h"

typedef struct {
    pl_hier_m1_ctx *c;
    const double *v;
    double *out;
    size_t D;
} mv_ctx;

static void run_mv(void *p)
{
    mv_ctx *m = p;
    pl_hier_m1_matvec(m->v, m->out, m->D, m->c);
}

static double maxrss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    int quick = pl_bench_quick();
    size_t d = quick ? 200 : 800, n = quick ? 4000 : 20000, p = pl_hier_width(d, 0.5);
    pl_rng rng;
    pl_rng_init(&rng, 2026, 7);
    pl_hier_teacher t;
    pl_hier_data dat;
    double t0 = pl_bench_now();
    if (pl_hier_teacher_init(&t, d, 2, p, 1.0, 1.0, PL_HIER_ID, &rng) != PL_OK) return 1;
    if (pl_hier_data_sample(&t, n, PL_HIER_TRUE, NULL, &rng, &dat) != PL_OK) return 1;
    double t_data = pl_bench_now() - t0;
    size_t D = t.D;
    char size[96];
    snprintf(size, sizeof size, "d=%zu,D=%zu,n=%zu,p=%zu", d, D, n, p);
    pl_bench_time td = {t_data, t_data, t_data, 1};
    pl_bench_emit("hier_sample", size, "phaselab", td, 2.0 * (double)n * (double)d * (double)d * (double)p, 0);

    double *v = pl_bench_xmalloc(D * sizeof *v), *out = pl_bench_xmalloc(D * sizeof *out);
    pl_rng_normal_fill(&rng, v, D, 1.0);
    pl_hier_m1_ctx c = {.t = &t, .dat = &dat};
    mv_ctx m = {&c, v, out, D};
    double flops = 4.0 * (double)n * (double)d * (double)d;
    pl_bench_emit("hier_m1_matvec", size, "phaselab", pl_bench_auto(run_mv, &m, 3, 20), flops,
                  8.0 * (double)n * (double)d);
    run_mv(&m);

    double *w = pl_bench_xmalloc(p * sizeof *w);
    pl_mat V = pl_mat_alloc(p, D);
    size_t nmv = 0;
    t0 = pl_bench_now();
    pl_status st = pl_hier_layer1(&t, &dat, p, 0, 1e-8, 1, w, V, &nmv);
    double t_l1 = pl_bench_now() - t0;
    double ov = 0;
    size_t rank = 0;
    pl_hier_overlaps(&t, V, &ov, NULL, NULL, &rank);
    printf("{\"kernel\":\"hier_layer1\",\"size\":\"%s\",\"impl\":\"phaselab\",\"median_s\":%.6g,"
           "\"min_s\":%.6g,\"max_s\":%.6g,\"reps\":1,\"flops\":%.6g,\"bytes\":0,\"nmatvec\":%zu,"
           "\"status\":\"%s\",\"maxrss_mb\":%.1f,\"top_eig\":%.6g,\"overlap\":%.4g}\n",
           size, t_l1, t_l1, t_l1, flops * (double)nmv, nmv, pl_strerror(st), maxrss_mb(), w[0],
           ov);
    fflush(stdout);

    pl_bench_out o;
    if (pl_bench_out_open(&o, argv[1], "hier") == 0) {
        char params[128];
        snprintf(params, sizeof params, "\"n\":%zu,\"d\":%zu,\"D\":%zu", n, d, D);
        pl_bench_case_begin(&o, "hier_m1_matvec", size, params);
        pl_bench_dump(&o, "X", "hier_X.bin", "f64", dat.X.data, n, d);
        pl_bench_dump(&o, "y", "hier_y.bin", "f64", dat.y, n, 1);
        pl_bench_dump(&o, "v", "hier_v.bin", "f64", v, D, 1);
        pl_bench_dump(&o, "Mv", "hier_Mv.bin", "f64", out, D, 1);
        pl_bench_case_end(&o);
        pl_bench_out_close(&o);
    }
    pl_hier_m1_free(&c);
    pl_mat_free(&V);
    free(w);
    free(v);
    free(out);
    pl_hier_data_free(&dat);
    pl_hier_teacher_free(&t);
    return o.err ? 1 : 0;
}
