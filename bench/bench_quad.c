/* Benchmark, family 4 (quadratic networks / nuclear route):
 *  - fista_iter: one FISTA iteration at d = 200, n = 0.5 d^2 on Gaussian inputs: forward
 *    sensing A(Y) (gemm X Y + row dots), adjoint A*(r) (gemm X^T diag(r) X), the eigenvalue
 *    soft-threshold prox (dsyevd) and S = V V^T (dsyrk). Reference: bench/ref_quad.py (numpy,
 *    torch). The fraction of dgemm peak counts the 3 n d^2 flops done (2 n d^2 in the forward
 *    gemm, n d^2 in the two dsyrk of the adjoint; numpy/torch do 4 n d^2 with two gemms)
 *    against the rate of one large square dgemm measured here (kernel dgemm_peak).
 *  - theory_curve: the (q, xi) fixed point at 200 log-spaced xi (kappa = 0.7, kappa* = 0.5,
 *    lambda = 0.1, Delta = 0: spec 04 Fig 2 setting). Reference: the same equations in scipy.
 * Usage: bench_quad OUTDIR. Writes the inputs and outputs as raw float64 .bin files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "phaselab/quadnet.h"

static void dump(const char *dir, const char *name, const double *x, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fwrite(x, sizeof(double), n, f);
    fclose(f);
}

typedef struct {
    pl_mat X, Y, G, Z, V, S, work;
    const double *y;
    double *Ay, *r, *w;
    double step, thr;
    size_t n, d;
} iter_ctx;

/* one proximal-gradient step S = prox_{step g}(Y - step grad f(Y)) */
static void fista_iter(void *vctx)
{
    iter_ctx *c = vctx;
    size_t n = c->n, d = c->d;
    pl_qn_sense(c->X, c->Y, c->Ay, c->work);
    for (size_t mu = 0; mu < n; mu++) c->r[mu] = (c->Ay[mu] - c->y[mu]) / (2.0 * (double)n);
    pl_qn_sense_adj(c->X, c->r, c->G, c->work);
    for (size_t i = 0; i < d * d; i++) c->Z.data[i] = c->Y.data[i] - c->step * c->G.data[i];
    pl_syev(c->Z, c->w);
    size_t k = 0;
    for (size_t i = d; i-- > 0;) {
        double f = c->w[i] - c->thr;
        if (!(f > 0)) break;
        double s = sqrt(f);
        for (size_t a = 0; a < d; a++) PL_AT(c->V, a, k) = PL_AT(c->Z, a, i) * s;
        k++;
    }
    if (k) pl_syrk(PL_NOTRANS, 1.0, pl_mat_sub(c->V, 0, 0, d, k), 0.0, c->S);
    else pl_mat_set_zero(c->S);
}

typedef struct {
    pl_mat A, B, C;
} gemm_ctx;
static void gemm_run(void *v)
{
    gemm_ctx *g = v;
    pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, g->A, g->B, 0.0, g->C);
}

typedef struct {
    pl_qn_theory th;
    double xi[200], out[5 * 200];
} curve_ctx;
static void curve_run(void *v)
{
    curve_ctx *c = v;
    for (int i = 0; i < 200; i++) {
        pl_qn_state st;
        pl_qn_solve_xi(&c->th, c->xi[i], &st);
        c->out[5 * i] = st.alpha;
        c->out[5 * i + 1] = st.mse;
        c->out[5 * i + 2] = st.q;
        c->out[5 * i + 3] = st.rank;
        c->out[5 * i + 4] = st.train_loss;
    }
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    size_t d = 200, n = d * d / 2;
    pl_rng rng;
    pl_rng_init(&rng, 2025, 4);
    iter_ctx c;
    c.n = n;
    c.d = d;
    c.X = pl_mat_alloc(n, d);
    c.Y = pl_mat_alloc(d, d);
    c.G = pl_mat_alloc(d, d);
    c.Z = pl_mat_alloc(d, d);
    c.V = pl_mat_alloc(d, d);
    c.S = pl_mat_alloc(d, d);
    c.work = pl_mat_alloc(n, d);
    double *y = malloc(n * sizeof *y);
    c.Ay = malloc(n * sizeof *c.Ay);
    c.r = malloc(n * sizeof *c.r);
    c.w = malloc(d * sizeof *c.w);
    c.y = y;
    pl_mat Ss = pl_mat_alloc(d, d);
    pl_qn_teacher_wishart(&rng, (size_t)(0.3 * (double)d), Ss);
    pl_qn_sample(&rng, Ss, 0.5, c.X, y, c.work);
    /* a PSD iterate: half the teacher plus 0.1 I */
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) PL_AT(c.Y, i, j) = 0.5 * PL_AT(Ss, i, j) + (i == j) * 0.1;
    c.step = (double)d / 3.0; /* ~ 1/L for alpha = 0.5: L ~ (1 + 1/sqrt(2 alpha))^2/d */
    c.thr = c.step * 0.1 / (double)d;
    char size[64];
    snprintf(size, sizeof size, "d=%zu,n=%zu", d, n);
    dump(dir, "quad_X.bin", c.X.data, n * d);
    dump(dir, "quad_y.bin", y, n);
    dump(dir, "quad_Y.bin", c.Y.data, d * d);
    double scal[4] = {(double)n, (double)d, c.step, c.thr};
    dump(dir, "quad_scalars.bin", scal, 4);

    char jpath[1024];
    snprintf(jpath, sizeof jpath, "%s/quad_phaselab.jsonl", dir);
    FILE *jf = fopen(jpath, "w");

    pl_bench_time t = pl_bench_run(fista_iter, &c, 1, 5);
    double flops = 3.0 * (double)n * (double)d * (double)d;
    pl_bench_emit("fista_iter", size, "phaselab", t, flops, 8.0 * (double)n * (double)d);
    if (jf) fprintf(jf, "{\"kernel\":\"fista_iter\",\"size\":\"%s\",\"median_s\":%.6g}\n", size, t.median);
    dump(dir, "quad_S_phaselab.bin", c.S.data, d * d);

    /* dgemm peak: one 2000^3 product */
    size_t g = 2000;
    gemm_ctx gc = {pl_mat_alloc(g, g), pl_mat_alloc(g, g), pl_mat_alloc(g, g)};
    pl_rng_normal_mat(&rng, gc.A, 1);
    pl_rng_normal_mat(&rng, gc.B, 1);
    pl_bench_time tg = pl_bench_run(gemm_run, &gc, 1, 3);
    double gf = 2.0 * (double)g * (double)g * (double)g;
    pl_bench_emit("dgemm_peak", "2000^3", "phaselab", tg, gf, 0);
    double peak = gf / tg.median, rate = flops / t.median;
    printf("{\"kernel\":\"fista_iter\",\"size\":\"%s\",\"impl\":\"phaselab\",\"gflops\":%.3g,"
           "\"dgemm_peak_gflops\":%.3g,\"fraction_of_dgemm_peak\":%.3f}\n",
           size, rate * 1e-9, peak * 1e-9, rate / peak);

    /* theory curve */
    curve_ctx *cc = malloc(sizeof *cc);
    pl_qn_setting s = {0.7, 0.5, 0.1, 0};
    pl_qn_theory_init(&cc->th, &s);
    for (int i = 0; i < 200; i++) cc->xi[i] = 0.02 * pow(100.0, i / 199.0); /* 0.02 .. 2 */
    pl_bench_time tc = pl_bench_run(curve_run, cc, 1, 3);
    pl_bench_emit("theory_curve", "200xi", "phaselab", tc, 0, 0);
    if (jf) fprintf(jf, "{\"kernel\":\"theory_curve\",\"size\":\"200xi\",\"median_s\":%.6g}\n", tc.median);
    dump(dir, "quad_xi.bin", cc->xi, 200);
    dump(dir, "quad_curve_phaselab.bin", cc->out, 5 * 200);
    if (jf) fclose(jf);

    free(cc);
    pl_mat_free(&gc.A);
    pl_mat_free(&gc.B);
    pl_mat_free(&gc.C);
    pl_mat_free(&c.X);
    pl_mat_free(&c.Y);
    pl_mat_free(&c.G);
    pl_mat_free(&c.Z);
    pl_mat_free(&c.V);
    pl_mat_free(&c.S);
    pl_mat_free(&c.work);
    pl_mat_free(&Ss);
    free(y);
    free(c.Ay);
    free(c.r);
    free(c.w);
    return 0;
}
