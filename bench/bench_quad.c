/* Benchmark, family 4 (quadratic networks / nuclear route); see bench/README.md.
 *  - quad_fista_iter_f64: one proximal-gradient (FISTA) iteration on Gaussian inputs, headline
 *    d = 200, n = 0.5 d^2: forward sensing A(Y) (gemm X Y + row dots), gradient
 *    (1/2n) A*(A(Y) - y) (adjoint as two dsyrk), the eigenvalue soft-threshold prox (dsyevd)
 *    and S = V V^T (dsyrk). Flops counted: the 3 n d^2 of the gemm + two syrk (numpy / torch do
 *    4 n d^2 with two gemms). Scaling over d = 25, 63, 200. Reference: ref_quad.py (numpy,
 *    torch).
 *  - quad_theory_curve: the (q, xi) fixed point at 200 log-spaced xi in [0.02, 2] for kappa =
 *    0.7, kappa* = 0.5, lambda = 0.1, Delta = 0 (spec 04 Fig 2 setting). Reference: the same
 *    equations with numpy/scipy (vectorised cubic roots, Gauss–Legendre, brentq).
 * Usage: bench_quad OUTDIR (PL_BENCH_QUICK=1: d = 60 headline and 20 xi). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_io.h"
#include "phaselab/quadnet.h"

static void emit_meta(const char *kernel, const char *size, int headline, double x,
                      const char *xvar, const char *extra)
{
    printf("{\"kernel\":\"%s\",\"size\":\"%s\",\"impl\":\"meta\",\"headline\":%s,\"x\":%.17g,"
           "\"xvar\":\"%s\"%s%s}\n",
           kernel, size, headline ? "true" : "false", x, xvar, extra && *extra ? "," : "",
           extra ? extra : "");
    fflush(stdout);
}

typedef struct {
    pl_mat X, Y, G, Z, V, S, work;
    const double *y;
    double *Ay, *r, *w;
    double step, thr;
    size_t n, d;
} iter_ctx;

/* S = prox_{step g}(Y - step (1/2n) A*(A(Y) - y)) */
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

static void bench_fista(pl_bench_out *o, size_t d, int headline)
{
    size_t n = d * d / 2;
    pl_rng rng;
    pl_rng_init(&rng, 2025, 4 + d);
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
    pl_mat Ss = pl_mat_alloc(d, d);
    double *y = pl_bench_xmalloc(n * 8);
    c.Ay = pl_bench_xmalloc(n * 8);
    c.r = pl_bench_xmalloc(n * 8);
    c.w = pl_bench_xmalloc(d * 8);
    c.y = y;
    if (!c.X.data || !c.Y.data || !c.G.data || !c.Z.data || !c.V.data || !c.S.data ||
        !c.work.data || !Ss.data) {
        fprintf(stderr, "bench_quad: out of memory\n");
        exit(2);
    }
    pl_qn_teacher_wishart(&rng, (size_t)(0.3 * (double)d), Ss);
    pl_qn_sample(&rng, Ss, 0.5, c.X, y, c.work);
    /* a PSD iterate: half the teacher plus 0.1 I; step ~ 1/L at alpha = 1/2 */
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) PL_AT(c.Y, i, j) = 0.5 * PL_AT(Ss, i, j) + (i == j) * 0.1;
    c.step = (double)d / 3.0;
    c.thr = c.step * 0.1 / (double)d;

    char size[64], fn[64], params[128];
    snprintf(size, sizeof size, "d=%zu,n=%zu", d, n);
    pl_bench_time t = pl_bench_auto(fista_iter, &c, 5, 50);
    double nd = (double)n * (double)d;
    double flops = 3.0 * nd * (double)d + 9.0 * (double)d * (double)d * (double)d;
    pl_bench_emit("quad_fista_iter_f64", size, "phaselab", t, flops, 8.0 * nd);
    emit_meta("quad_fista_iter_f64", size, headline, (double)d, "d",
              "\"bound\":\"gemm\",\"note\":\"forward gemm + adjoint as two syrk (3 n d^2) + "
              "dsyevd prox (~9 d^3); numpy/torch: two gemms (4 n d^2) + eigh\"");
    snprintf(params, sizeof params, "\"step\":%.17g,\"thr\":%.17g", c.step, c.thr);
    pl_bench_case_begin(o, "quad_fista_iter_f64", size, params);
    snprintf(fn, sizeof fn, "quad_X_%zu.bin", d);
    pl_bench_dump(o, "X", fn, "f64", c.X.data, n, d);
    snprintf(fn, sizeof fn, "quad_y_%zu.bin", d);
    pl_bench_dump(o, "y", fn, "f64", y, n, 1);
    snprintf(fn, sizeof fn, "quad_Y_%zu.bin", d);
    pl_bench_dump(o, "Y", fn, "f64", c.Y.data, d, d);
    snprintf(fn, sizeof fn, "quad_S_%zu.bin", d);
    pl_bench_dump(o, "S", fn, "f64", c.S.data, d, d);
    pl_bench_case_end(o);
    if (o->err) exit(2);
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
}

typedef struct {
    pl_qn_theory th;
    size_t P;
    double *xi, *out;
} curve_ctx;

static void curve_run(void *v)
{
    curve_ctx *c = v;
    for (size_t i = 0; i < c->P; i++) {
        pl_qn_state st;
        pl_qn_solve_xi(&c->th, c->xi[i], &st);
        c->out[5 * i] = st.alpha;
        c->out[5 * i + 1] = st.mse;
        c->out[5 * i + 2] = st.q;
        c->out[5 * i + 3] = st.rank;
        c->out[5 * i + 4] = st.train_loss;
    }
}

static void bench_curve(pl_bench_out *o, size_t P)
{
    curve_ctx *c = pl_bench_xmalloc(sizeof *c);
    pl_qn_setting s = {0.7, 0.5, 0.1, 0};
    pl_qn_theory_init(&c->th, &s);
    c->P = P;
    c->xi = pl_bench_xmalloc(P * 8);
    c->out = pl_bench_xmalloc(5 * P * 8);
    for (size_t i = 0; i < P; i++) c->xi[i] = 0.02 * pow(100.0, (double)i / (double)(P - 1));
    pl_bench_time t = pl_bench_auto(curve_run, c, 3, 20);
    char size[64];
    snprintf(size, sizeof size, "points=%zu", P);
    pl_bench_emit("quad_theory_curve", size, "phaselab", t, 0, 0);
    emit_meta("quad_theory_curve", size, 1, (double)P, "points",
              "\"bound\":\"none\",\"setting\":\"kappa=0.7 kappa*=0.5 lambda=0.1 delta=0\"");
    pl_bench_case_begin(o, "quad_theory_curve", size,
                        "\"kappa\":0.7,\"kappa_star\":0.5,\"lambda\":0.1,\"delta\":0");
    pl_bench_dump(o, "xi", "quad_xi.bin", "f64", c->xi, P, 1);
    pl_bench_dump(o, "out", "quad_curve.bin", "f64", c->out, P, 5);
    pl_bench_case_end(o);
    if (o->err) exit(2);
    free(c->xi);
    free(c->out);
    free(c);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    pl_bench_out o;
    if (pl_bench_out_open(&o, dir, "quad") != 0) return 2;
    if (pl_bench_quick()) {
        bench_fista(&o, 60, 1);
        bench_curve(&o, 20);
    } else {
        bench_fista(&o, 25, 0);
        bench_fista(&o, 63, 0);
        bench_fista(&o, 200, 1);
        bench_curve(&o, 200);
    }
    pl_bench_out_close(&o);
    return 0;
}
