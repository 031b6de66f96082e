/* Multi-index family: one matvec with L and with T at n = 20000, d = 2000, p = 2 (y = z1 z2;
 * PL_BENCH_QUICK=1: n = 4000, d = 400; shapes in sizes.json),
 * and one GAMP iteration (y = z1/z2, closed-form g_out) at the same size; inputs and results
 * are written to the output directory for bench/ref_mim.py (numpy). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "phaselab/mim.h"

typedef struct {
    pl_mim_op *op;
    const double *x;
    double *y;
    size_t n;
    int which;
} mv_ctx;

static void run_mv(void *c)
{
    mv_ctx *m = c;
    if (m->which == 0) pl_mim_L_matvec(m->x, m->y, m->n, m->op);
    else pl_mim_T_matvec(m->x, m->y, m->n, m->op);
}

typedef struct {
    const pl_mim_link *l;
    const pl_mim_data *D;
    pl_mat What;
    pl_mim_gamp_result res;
} gamp_ctx;

static void run_gamp(void *c)
{
    gamp_ctx *g = c;
    pl_mim_gamp_opts o = pl_mim_gamp_default_opts();
    o.maxit = 1;
    o.damping = 1;
    pl_rng rng;
    pl_rng_init(&rng, 5, 5);
    pl_mim_gamp(g->l, g->D, &o, &rng, g->What, NULL, &g->res);
}

static void dump(const char *dir, const char *name, const double *x, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(x, sizeof *x, n, f);
    fclose(f);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    const char *quick = getenv("PL_BENCH_QUICK");
    int q = quick && *quick && strcmp(quick, "0") != 0;
    size_t n = q ? 4000 : 20000, d = q ? 400 : 2000, p = 2, np = n * p, dp = d * p;
    {
        char path[512];
        snprintf(path, sizeof path, "%s/sizes.json", dir);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "{\"n\": %zu, \"d\": %zu, \"p\": %zu}\n", n, d, p);
            fclose(f);
        }
    }
    char buf[128];
    pl_mim_link l, lr;
    pl_mim_link_init(&l, &pl_mim_link_z1z2, 2, 0, NULL, buf, sizeof buf);
    pl_mim_link_init(&lr, &pl_mim_link_ratio, 2, 0, NULL, buf, sizeof buf);
    pl_rng rng;
    pl_rng_init(&rng, 2025, 1);
    pl_mim_data D, Dr;
    if (pl_mim_data_sample(&l, n, d, &rng, &D) != PL_OK) return 1;
    double *Gy = malloc(n * 4 * sizeof *Gy), *Ty = malloc(n * 4 * sizeof *Ty);
    double *bnp = malloc(np * sizeof *bnp), *bdp = malloc(dp * sizeof *bdp);
    double *v = malloc(np * sizeof *v), *Lv = malloc(np * sizeof *Lv);
    double *w = malloc(dp * sizeof *w), *Tw = malloc(dp * sizeof *Tw);
    pl_mim_label_mats(&l, D.y, n, Gy, Ty);
    pl_rng_normal_fill(&rng, v, np, 1.0);
    pl_rng_normal_fill(&rng, w, dp, 1.0);
    pl_mim_op opL = {&D.X, p, Gy, bnp, bdp}, opT = {&D.X, p, Ty, bnp, bdp};
    char size[64];
    snprintf(size, sizeof size, "n=%zu,d=%zu,p=%zu", n, d, p);
    double flops = 4.0 * (double)n * (double)d * (double)p, bytes = 2.0 * 8 * (double)n * (double)d;
    mv_ctx cl = {&opL, v, Lv, np, 0}, ct = {&opT, w, Tw, dp, 1};
    pl_bench_emit("mim_L_matvec", size, "phaselab", pl_bench_run(run_mv, &cl, 2, 10), flops, bytes);
    pl_bench_emit("mim_T_matvec", size, "phaselab", pl_bench_run(run_mv, &ct, 2, 10), flops, bytes);
    dump(dir, "X.bin", D.X.data, n * d);
    dump(dir, "G.bin", Gy, n * 4);
    dump(dir, "T.bin", Ty, n * 4);
    dump(dir, "v.bin", v, np);
    dump(dir, "w.bin", w, dp);
    dump(dir, "Lv.bin", Lv, np);
    dump(dir, "Tw.bin", Tw, dp);
    pl_mim_data_free(&D);
    /* one GAMP iteration for y = z1/z2 */
    pl_rng_init(&rng, 2026, 1);
    if (pl_mim_data_sample(&lr, n, d, &rng, &Dr) != PL_OK) return 1;
    gamp_ctx gc = {&lr, &Dr, pl_mat_alloc(d, p), {0}};
    pl_bench_emit("mim_gamp_iteration", size, "phaselab", pl_bench_run(run_gamp, &gc, 1, 5),
                  6.0 * (double)n * (double)d * (double)p, bytes);
    dump(dir, "Xr.bin", Dr.X.data, n * d);
    dump(dir, "yr.bin", Dr.y, n);
    dump(dir, "What.bin", gc.What.data, dp);
    /* the init the GAMP call used */
    pl_rng_init(&rng, 5, 5);
    pl_rng ri = pl_rng_substream(&rng, 7);
    double *W0 = malloc(dp * sizeof *W0);
    for (size_t i = 0; i < dp; i++) W0[i] = 0.1 * pl_rng_normal(&ri);
    dump(dir, "W0.bin", W0, dp);
    free(W0);
    pl_mat_free(&gc.What);
    pl_mim_data_free(&Dr);
    free(Gy); free(Ty); free(bnp); free(bdp); free(v); free(Lv); free(w); free(Tw);
    return 0;
}
