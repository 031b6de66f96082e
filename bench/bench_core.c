/* Foundation kernels, timed in phaselab; bench/ref_core.py times the same computations in
 * numpy / scipy / PyTorch on the inputs dumped here and checks them against our outputs.
 *
 *   amp_matvec_pair_f64/_f32  a = X v, b = X^T u (one AMP iteration's two products), X n x d
 *                             Gaussian N(0, 1/n), d = n/5; bytes = the matrix read twice.
 *                             f32: OpenBLAS sgemv on the rounded matrix (mat.h is double only:
 *                             this is what a float32 view would call).
 *   amp_matvec_pair_fused_f64 the same pair in one pass over X (bench prototype, see
 *                             mv_fused_rows; not in the library): bytes = the matrix read once.
 *   topk_eig_lanczos_f64      top-5 eigenpairs of M = X^T diag(w) X, matrix-free (each matvec is
 *                             two gemv), pl_lanczos, tol 1e-10; X n x d (n = 2d) with five
 *                             planted spikes so that the top five are outliers, w > 0.
 *   topk_eig_lanczos_f32      the same with the matrix held in float32 (sgemv inside the
 *                             operator, Krylov basis in double), tol 1e-6.
 *   topk_eig_dense_f64        the same top-5 by forming M (syrk on sqrt(w) X) and LAPACK dsyevr
 *                             by index (pl_syev_topk).
 *   qnet_sensing_f64          quadratic-network sensing operator and adjoint at d, n:
 *                             forward  yhat_mu = (x_mu^T S x_mu - Tr S)/sqrt(d)  via Z = X S and
 *                                      row dots;
 *                             adjoint  G = sum_mu r_mu (x_mu x_mu^T - I)/sqrt(d) = (X^T diag(r) X
 *                                      - sum(r) I)/sqrt(d), via two syrk: rows with r > 0 scaled
 *                                      by sqrt(r) minus rows with r < 0 scaled by sqrt(-r), so the
 *                                      symmetric result costs n d^2 flops instead of gemm's
 *                                      2 n d^2. flops = the flops actually done.
 *   bbp_theory_wishart        the bbp experiment's theory curve (spiked covariance, alpha = 2) at
 *                             P values of beta in (0, 3] through pl_bbp_cov; timed per curve.
 *
 * Each case gets one "meta" JSON line (headline size, scaling variable, solver statistics).
 * PL_BENCH_QUICK=1 runs reduced sizes; PL_BENCH_ONLY=matvec,eigs,qnet,bbp a subset of the groups.
 * Usage: bench_core OUTDIR
 */
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_io.h"
#include "phaselab/eigs.h"
#include "phaselab/mat.h"
#include "phaselab/rng.h"
#include "phaselab/spiked.h"

#define SEED 20240531u
#define MV_MAX_THREADS 64

static void emit_meta(const char *kernel, const char *size, int headline, double x,
                      const char *xvar, const char *extra)
{
    printf("{\"kernel\":\"%s\",\"size\":\"%s\",\"impl\":\"meta\",\"headline\":%s,\"x\":%.17g,"
           "\"xvar\":\"%s\"%s%s}\n",
           kernel, size, headline ? "true" : "false", x, xvar, extra && *extra ? "," : "",
           extra ? extra : "");
    fflush(stdout);
}

static void die_io(const pl_bench_out *o)
{
    if (o->err) exit(2);
}

/* ---------------------------------------------------------------- AMP matvec pair ---------- */

typedef struct {
    size_t n, d;
    pl_mat X;
    double *v, *u, *a, *b;
    float *Xs, *vs, *us, *as, *bs;
    double *af, *bf, *bpart; /* fused pass: outputs and one d-vector per thread */
    int threads;
} mv_ctx;

static void mv_f64(void *p)
{
    mv_ctx *c = p;
    pl_gemv(PL_NOTRANS, 1.0, c->X, c->v, 0.0, c->a);
    pl_gemv(PL_TRANS, 1.0, c->X, c->u, 0.0, c->b);
}

static void mv_f32(void *p)
{
    mv_ctx *c = p;
    int n = (int)c->n, d = (int)c->d;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, d, 1.0f, c->Xs, d, c->vs, 1, 0.0f, c->as, 1);
    cblas_sgemv(CblasRowMajor, CblasTrans, n, d, 1.0f, c->Xs, d, c->us, 1, 0.0f, c->bs, 1);
}

/* Prototype of a fused pass (not in the library yet): each thread streams its row block of X
 * once, four rows at a time, computing a_i = x_i . v and accumulating b += u_i x_i into a
 * private d-vector (L1/L2-resident), so X is read from memory once instead of twice. In an AMP
 * iteration the same block structure fuses X v, the elementwise g_out and X^T g. */
typedef struct {
    const mv_ctx *c;
    size_t r0, r1;
    double *b;
} mv_part;

static void *mv_fused_rows(void *p)
{
    mv_part *q = p;
    const mv_ctx *c = q->c;
    size_t d = c->d, i = q->r0;
    const double *restrict v = c->v, *restrict u = c->u;
    double *restrict b = q->b, *restrict a = c->af;
    memset(b, 0, d * sizeof *b);
    for (; i + 4 <= q->r1; i += 4) {
        const double *restrict x0 = &PL_AT(c->X, i, 0), *restrict x1 = x0 + c->X.stride,
                               *restrict x2 = x1 + c->X.stride, *restrict x3 = x2 + c->X.stride;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        const double u0 = u[i], u1 = u[i + 1], u2 = u[i + 2], u3 = u[i + 3];
        for (size_t j = 0; j < d; j++) {
            double vj = v[j];
            s0 += x0[j] * vj;
            s1 += x1[j] * vj;
            s2 += x2[j] * vj;
            s3 += x3[j] * vj;
            b[j] += u0 * x0[j] + u1 * x1[j] + u2 * x2[j] + u3 * x3[j];
        }
        a[i] = s0;
        a[i + 1] = s1;
        a[i + 2] = s2;
        a[i + 3] = s3;
    }
    for (; i < q->r1; i++) {
        const double *x = &PL_AT(c->X, i, 0);
        double s = 0;
        for (size_t j = 0; j < d; j++) {
            s += x[j] * v[j];
            b[j] += u[i] * x[j];
        }
        a[i] = s;
    }
    return NULL;
}

static void mv_fused(void *p)
{
    mv_ctx *c = p;
    int T = c->threads;
    pthread_t tid[MV_MAX_THREADS];
    mv_part part[MV_MAX_THREADS];
    for (int k = 0; k < T; k++) {
        part[k] = (mv_part){c, c->n * (size_t)k / (size_t)T, c->n * (size_t)(k + 1) / (size_t)T,
                            c->bpart + (size_t)k * c->d};
        if (k > 0 && pthread_create(&tid[k], NULL, mv_fused_rows, &part[k]) != 0) {
            fprintf(stderr, "bench_core: pthread_create failed\n");
            exit(2);
        }
    }
    mv_fused_rows(&part[0]);
    for (int k = 1; k < T; k++) pthread_join(tid[k], NULL);
    memcpy(c->bf, c->bpart, c->d * sizeof *c->bf);
    for (int k = 1; k < T; k++) pl_axpy(c->d, 1.0, c->bpart + (size_t)k * c->d, c->bf);
}

static void bench_matvec(pl_bench_out *o, size_t n, int headline)
{
    size_t d = n / 5;
    mv_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.d = d;
    c.X = pl_mat_alloc(n, d);
    c.threads = openblas_get_num_threads();
    if (c.threads < 1) c.threads = 1;
    if (c.threads > MV_MAX_THREADS) c.threads = MV_MAX_THREADS;
    c.af = pl_bench_xmalloc(n * 8);
    c.bf = pl_bench_xmalloc(d * 8);
    c.bpart = pl_bench_xmalloc((size_t)c.threads * d * 8);
    if (!c.X.data) { fprintf(stderr, "bench_core: out of memory\n"); exit(2); }
    c.v = pl_bench_xmalloc(d * 8);
    c.u = pl_bench_xmalloc(n * 8);
    c.a = pl_bench_xmalloc(n * 8);
    c.b = pl_bench_xmalloc(d * 8);
    c.Xs = pl_bench_xmalloc(n * d * 4);
    c.vs = pl_bench_xmalloc(d * 4);
    c.us = pl_bench_xmalloc(n * 4);
    c.as = pl_bench_xmalloc(n * 4);
    c.bs = pl_bench_xmalloc(d * 4);
    pl_rng rng;
    pl_rng_init(&rng, SEED, 100 + n);
    pl_rng_normal_mat(&rng, c.X, 1.0 / sqrt((double)n));
    pl_rng_normal_fill(&rng, c.v, d, 1.0);
    pl_rng_normal_fill(&rng, c.u, n, 1.0);
    for (size_t i = 0; i < n * d; i++) c.Xs[i] = (float)c.X.data[i];
    for (size_t i = 0; i < d; i++) c.vs[i] = (float)c.v[i];
    for (size_t i = 0; i < n; i++) c.us[i] = (float)c.u[i];

    char size[64], params[128], fx[64];
    snprintf(size, sizeof size, "n=%zu,d=%zu", n, d);
    snprintf(params, sizeof params, "\"n\":%zu,\"d\":%zu", n, d);
    snprintf(fx, sizeof fx, "mv_X_%zu.bin", n);
    double md = (double)n * (double)d;

    pl_bench_time t = pl_bench_auto(mv_f64, &c, 5, 50);
    pl_bench_emit("amp_matvec_pair_f64", size, "phaselab", t, 4.0 * md, 16.0 * md);
    emit_meta("amp_matvec_pair_f64", size, headline, (double)n, "n", "\"bound\":\"bandwidth\"");
    t = pl_bench_auto(mv_f32, &c, 5, 50);
    pl_bench_emit("amp_matvec_pair_f32", size, "phaselab", t, 4.0 * md, 8.0 * md);
    emit_meta("amp_matvec_pair_f32", size, headline, (double)n, "n",
              "\"bound\":\"bandwidth\",\"note\":\"OpenBLAS sgemv (mat.h is float64 only)\"");
    t = pl_bench_auto(mv_fused, &c, 5, 50);
    pl_bench_emit("amp_matvec_pair_fused_f64", size, "phaselab", t, 4.0 * md, 8.0 * md);
    emit_meta("amp_matvec_pair_fused_f64", size, headline, (double)n, "n",
              "\"bound\":\"bandwidth\",\"note\":\"bench prototype of a fused single pass over X "
              "(not in the library yet)\"");

    char f[8][64];
    snprintf(f[0], 64, "mv_v_%zu.bin", n);
    snprintf(f[1], 64, "mv_u_%zu.bin", n);
    snprintf(f[2], 64, "mv_a64_%zu.bin", n);
    snprintf(f[3], 64, "mv_b64_%zu.bin", n);
    snprintf(f[4], 64, "mv_a32_%zu.bin", n);
    snprintf(f[5], 64, "mv_b32_%zu.bin", n);
    snprintf(f[6], 64, "mv_af_%zu.bin", n);
    snprintf(f[7], 64, "mv_bf_%zu.bin", n);
    pl_bench_case_begin(o, "amp_matvec_pair", size, params);
    pl_bench_dump(o, "X", fx, "f64", c.X.data, n, d);
    pl_bench_dump(o, "v", f[0], "f64", c.v, d, 1);
    pl_bench_dump(o, "u", f[1], "f64", c.u, n, 1);
    pl_bench_dump(o, "a64", f[2], "f64", c.a, n, 1);
    pl_bench_dump(o, "b64", f[3], "f64", c.b, d, 1);
    pl_bench_dump(o, "a32", f[4], "f32", c.as, n, 1);
    pl_bench_dump(o, "b32", f[5], "f32", c.bs, d, 1);
    pl_bench_dump(o, "afused", f[6], "f64", c.af, n, 1);
    pl_bench_dump(o, "bfused", f[7], "f64", c.bf, d, 1);
    pl_bench_case_end(o);
    die_io(o);

    pl_mat_free(&c.X);
    free(c.v); free(c.u); free(c.a); free(c.b);
    free(c.Xs); free(c.vs); free(c.us); free(c.as); free(c.bs);
    free(c.af); free(c.bf); free(c.bpart);
}

/* ---------------------------------------------------------------- top-k eigenvectors ------- */

enum { EIG_K = 5 };

typedef struct {
    size_t n, d;
    pl_mat X;
    const double *w;
    const float *Xs;
    double *t;      /* n */
    float *xs, *ts, *ys; /* d, n, d (f32 operator) */
    /* results */
    double ev[EIG_K];
    pl_mat V;
    size_t nmatvec;
    pl_status st;
    double tol;
    pl_mat M, A;    /* dense: d x d, n x d */
} eig_ctx;

static pl_status op_f64(const double *x, double *y, size_t d, void *p)
{
    eig_ctx *c = p;
    (void)d;
    pl_status st = pl_gemv(PL_NOTRANS, 1.0, c->X, x, 0.0, c->t);
    if (st != PL_OK) return st;
    for (size_t i = 0; i < c->n; i++) c->t[i] *= c->w[i];
    return pl_gemv(PL_TRANS, 1.0, c->X, c->t, 0.0, y);
}

static pl_status op_f32(const double *x, double *y, size_t d, void *p)
{
    eig_ctx *c = p;
    int n = (int)c->n, di = (int)d;
    for (size_t j = 0; j < d; j++) c->xs[j] = (float)x[j];
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, di, 1.0f, c->Xs, di, c->xs, 1, 0.0f, c->ts, 1);
    for (size_t i = 0; i < c->n; i++) c->ts[i] *= (float)c->w[i];
    cblas_sgemv(CblasRowMajor, CblasTrans, n, di, 1.0f, c->Xs, di, c->ts, 1, 0.0f, c->ys, 1);
    for (size_t j = 0; j < d; j++) y[j] = (double)c->ys[j];
    return PL_OK;
}

static void run_lanczos(eig_ctx *c, pl_matvec op)
{
    pl_eigs_opts opts = pl_eigs_default_opts(EIG_K);
    opts.tol = c->tol;
    opts.seed = 7;
    c->st = pl_lanczos(op, c, c->d, EIG_K, PL_EIG_LARGEST, &opts, c->ev, c->V, &c->nmatvec);
}

static void eig_lanczos_f64(void *p) { run_lanczos(p, op_f64); }
static void eig_lanczos_f32(void *p) { run_lanczos(p, op_f32); }

static void eig_dense(void *p)
{
    eig_ctx *c = p;
    /* M = X^T diag(w) X = A^T A with A = diag(sqrt(w)) X (w > 0 here) */
    for (size_t i = 0; i < c->n; i++) {
        double s = sqrt(c->w[i]);
        const double *xi = &PL_AT(c->X, i, 0);
        double *ai = &PL_AT(c->A, i, 0);
        for (size_t j = 0; j < c->d; j++) ai[j] = s * xi[j];
    }
    c->st = pl_syrk(PL_TRANS, 1.0, c->A, 0.0, c->M);
    if (c->st == PL_OK) c->st = pl_syev_topk(c->M, EIG_K, c->ev, c->V);
}

static void bench_eigs(pl_bench_out *o, size_t d, int headline)
{
    size_t n = 2 * d;
    static const double beta[EIG_K] = {8.0, 6.0, 4.5, 3.5, 2.5};
    eig_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.d = d;
    c.X = pl_mat_alloc(n, d);
    c.V = pl_mat_alloc(d, EIG_K);
    c.M = pl_mat_alloc(d, d);
    c.A = pl_mat_alloc(n, d);
    pl_mat U = pl_mat_alloc(d, EIG_K), Sg = pl_mat_alloc(n, EIG_K);
    double *w = pl_bench_xmalloc(n * 8);
    float *Xs = pl_bench_xmalloc(n * d * 4);
    c.t = pl_bench_xmalloc(n * 8);
    c.xs = pl_bench_xmalloc(d * 4);
    c.ts = pl_bench_xmalloc(n * 4);
    c.ys = pl_bench_xmalloc(d * 4);
    if (!c.X.data || !c.V.data || !c.M.data || !c.A.data || !U.data || !Sg.data) {
        fprintf(stderr, "bench_core: out of memory\n");
        exit(2);
    }
    pl_rng rng;
    pl_rng_init(&rng, SEED, 200 + d);
    pl_rng_normal_mat(&rng, c.X, 1.0);
    pl_rng_normal_mat(&rng, U, 1.0);
    pl_rng_normal_mat(&rng, Sg, 1.0);
    if (pl_qr(U, (pl_mat){0, 0, 0, NULL}) != PL_OK) { fprintf(stderr, "bench_core: qr\n"); exit(2); }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < EIG_K; j++) PL_AT(Sg, i, j) *= sqrt(beta[j]);
    pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, Sg, U, 1.0, c.X); /* rows x = g + sum_j sqrt(b_j) s_j u_j */
    for (size_t i = 0; i < n; i++) w[i] = (0.5 + pl_rng_uniform(&rng)) / (double)n;
    for (size_t i = 0; i < n * d; i++) Xs[i] = (float)c.X.data[i];
    c.w = w;
    c.Xs = Xs;

    char size[64], extra[256];
    snprintf(size, sizeof size, "d=%zu,n=%zu,k=%d", d, n, EIG_K);
    double mvflops = 4.0 * (double)n * (double)d, mvbytes = 16.0 * (double)n * (double)d;
    pl_bench_case_begin(o, "topk_eig", size, "");
    char fn[64];
    snprintf(fn, sizeof fn, "eig_X_%zu.bin", d);
    pl_bench_dump(o, "X", fn, "f64", c.X.data, n, d);
    snprintf(fn, sizeof fn, "eig_w_%zu.bin", d);
    pl_bench_dump(o, "w", fn, "f64", w, n, 1);

    const char *kern[3] = {"topk_eig_lanczos_f64", "topk_eig_lanczos_f32", "topk_eig_dense_f64"};
    const char *tag[3] = {"l64", "l32", "dense"};
    for (int v = 0; v < 3; v++) {
        c.tol = v == 1 ? 1e-6 : 1e-10;
        pl_bench_time t = pl_bench_auto(v == 0 ? eig_lanczos_f64 : v == 1 ? eig_lanczos_f32 : eig_dense,
                                        &c, v == 2 ? 3 : 5, 30);
        double flops, bytes;
        if (v < 2) { /* per Lanczos call: nmatvec operator applications */
            flops = (double)c.nmatvec * mvflops;
            bytes = (double)c.nmatvec * mvbytes / (v == 1 ? 2.0 : 1.0);
        } else { /* scaling + syrk (n d (d+1)) + dsyevr (~4/3 d^3 tridiagonalisation) */
            flops = (double)n * (double)d * (double)(d + 1) + (4.0 / 3.0) * pow((double)d, 3);
            bytes = 0;
        }
        pl_bench_emit(kern[v], size, "phaselab", t, flops, bytes);
        snprintf(extra, sizeof extra, "\"status\":\"%s\",\"nmatvec\":%zu,\"tol\":%g,\"bound\":\"%s\"",
                 pl_strerror(c.st), v < 2 ? c.nmatvec : (size_t)0, c.tol,
                 v < 2 ? "bandwidth" : "lapack");
        emit_meta(kern[v], size, headline, (double)d, "d", extra);
        snprintf(fn, sizeof fn, "eig_%s_vals_%zu.bin", tag[v], d);
        char name[32];
        snprintf(name, sizeof name, "%s_vals", tag[v]);
        pl_bench_dump(o, name, fn, "f64", c.ev, EIG_K, 1);
        snprintf(fn, sizeof fn, "eig_%s_vecs_%zu.bin", tag[v], d);
        snprintf(name, sizeof name, "%s_vecs", tag[v]);
        pl_bench_dump(o, name, fn, "f64", c.V.data, d, EIG_K);
        if (c.st != PL_OK)
            fprintf(stderr, "bench_core: %s at %s: %s\n", kern[v], size, pl_strerror(c.st));
    }
    pl_bench_case_end(o);
    die_io(o);

    pl_mat_free(&c.X); pl_mat_free(&c.V); pl_mat_free(&c.M); pl_mat_free(&c.A);
    pl_mat_free(&U); pl_mat_free(&Sg);
    free(w); free(Xs); free(c.t); free(c.xs); free(c.ts); free(c.ys);
}

/* ---------------------------------------------------------------- quadratic network ------- */

typedef struct {
    size_t n, d;
    pl_mat X, S, Z, A, G;
    const double *r;
    double *yhat;
} qn_ctx;

static void qnet(void *p)
{
    qn_ctx *c = p;
    size_t n = c->n, d = c->d;
    double isd = 1.0 / sqrt((double)d), tr = pl_mat_trace(c->S);
    /* forward: yhat_mu = (x_mu^T S x_mu - Tr S) / sqrt(d) */
    pl_gemm(PL_NOTRANS, PL_NOTRANS, 1.0, c->X, c->S, 0.0, c->Z);
    for (size_t i = 0; i < n; i++)
        c->yhat[i] = (pl_dot(d, &PL_AT(c->Z, i, 0), &PL_AT(c->X, i, 0)) - tr) * isd;
    /* adjoint: G = (X^T diag(r) X - sum(r) I) / sqrt(d) as A+^T A+ - A-^T A- */
    size_t np = 0, nm = 0;
    double rsum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double ri = c->r[i];
        rsum += ri;
        if (ri == 0.0) continue;
        double s = sqrt(fabs(ri));
        double *dst = ri > 0 ? &PL_AT(c->A, np++, 0) : &PL_AT(c->A, n - 1 - nm++, 0);
        const double *x = &PL_AT(c->X, i, 0);
        for (size_t j = 0; j < d; j++) dst[j] = s * x[j];
    }
    pl_mat Ap = pl_mat_sub(c->A, 0, 0, np, d), Am = pl_mat_sub(c->A, n - nm, 0, nm, d);
    pl_syrk(PL_TRANS, isd, Ap, 0.0, c->G);
    pl_syrk(PL_TRANS, -isd, Am, 1.0, c->G);
    for (size_t j = 0; j < d; j++) PL_AT(c->G, j, j) -= rsum * isd;
}

static void bench_qnet(pl_bench_out *o, size_t n, size_t d, int headline)
{
    qn_ctx c = {n, d, pl_mat_alloc(n, d), pl_mat_alloc(d, d), pl_mat_alloc(n, d),
                pl_mat_alloc(n, d), pl_mat_alloc(d, d), NULL, NULL};
    double *r = pl_bench_xmalloc(n * 8);
    c.yhat = pl_bench_xmalloc(n * 8);
    if (!c.X.data || !c.S.data || !c.Z.data || !c.A.data || !c.G.data) {
        fprintf(stderr, "bench_core: out of memory\n");
        exit(2);
    }
    pl_rng rng;
    pl_rng_init(&rng, SEED, 300 + d);
    pl_rng_normal_mat(&rng, c.X, 1.0);
    pl_rng_goe(&rng, c.S, 1.0 / sqrt((double)d));
    pl_rng_normal_fill(&rng, r, n, 1.0);
    c.r = r;

    char size[64], fn[64];
    snprintf(size, sizeof size, "d=%zu,n=%zu", d, n);
    pl_bench_time t = pl_bench_auto(qnet, &c, 5, 50);
    double nd = (double)n * (double)d;
    double flops = 2.0 * nd * (double)d + nd * (double)(d + 1) + 3.0 * nd;
    pl_bench_emit("qnet_sensing_f64", size, "phaselab", t, flops, 0);
    emit_meta("qnet_sensing_f64", size, headline, (double)d, "d",
              "\"bound\":\"gemm\",\"note\":\"adjoint by two syrk (n d^2 flops, numpy's "
              "X.T @ (r[:,None]*X) does 2 n d^2)\"");
    pl_bench_case_begin(o, "qnet_sensing", size, "");
    snprintf(fn, sizeof fn, "qn_X_%zu.bin", d);
    pl_bench_dump(o, "X", fn, "f64", c.X.data, n, d);
    snprintf(fn, sizeof fn, "qn_S_%zu.bin", d);
    pl_bench_dump(o, "S", fn, "f64", c.S.data, d, d);
    snprintf(fn, sizeof fn, "qn_r_%zu.bin", d);
    pl_bench_dump(o, "r", fn, "f64", r, n, 1);
    snprintf(fn, sizeof fn, "qn_yhat_%zu.bin", d);
    pl_bench_dump(o, "yhat", fn, "f64", c.yhat, n, 1);
    snprintf(fn, sizeof fn, "qn_G_%zu.bin", d);
    pl_bench_dump(o, "G", fn, "f64", c.G.data, d, d);
    pl_bench_case_end(o);
    die_io(o);
    pl_mat_free(&c.X); pl_mat_free(&c.S); pl_mat_free(&c.Z); pl_mat_free(&c.A); pl_mat_free(&c.G);
    free(r);
    free(c.yhat);
}

/* ---------------------------------------------------------------- BBP theory curve -------- */

typedef struct {
    size_t P, inner;
    double alpha;
    const double *beta;
    double *top, *ov;
} bbp_ctx;

static void bbp_curve(void *p)
{
    bbp_ctx *c = p;
    for (size_t r = 0; r < c->inner; r++)
        for (size_t i = 0; i < c->P; i++) {
            pl_bbp_prediction q = pl_bbp_cov(c->beta[i], c->alpha);
            c->top[i] = q.top_eig;
            c->ov[i] = q.overlap2;
        }
}

static void bench_bbp(pl_bench_out *o, size_t P, int headline)
{
    double *beta = pl_bench_xmalloc(P * 8);
    bbp_ctx c = {P, 0, 2.0, beta, pl_bench_xmalloc(P * 8), pl_bench_xmalloc(P * 8)};
    for (size_t i = 0; i < P; i++) beta[i] = 3.0 * (double)(i + 1) / (double)P;
    c.inner = 400000 / P > 0 ? 400000 / P : 1; /* >= ~1 ms per timed call */
    pl_bench_time t = pl_bench_per(pl_bench_auto(bbp_curve, &c, 7, 51), (double)c.inner);
    char size[64], fn[64], extra[128];
    snprintf(size, sizeof size, "points=%zu", P);
    pl_bench_emit("bbp_theory_wishart", size, "phaselab", t, 0, 0);
    snprintf(extra, sizeof extra, "\"bound\":\"none\",\"alpha\":2,\"inner\":%zu", c.inner);
    emit_meta("bbp_theory_wishart", size, headline, (double)P, "points", extra);
    pl_bench_case_begin(o, "bbp_theory_wishart", size, "\"alpha\":2");
    snprintf(fn, sizeof fn, "bbp_beta_%zu.bin", P);
    pl_bench_dump(o, "beta", fn, "f64", beta, P, 1);
    snprintf(fn, sizeof fn, "bbp_top_%zu.bin", P);
    pl_bench_dump(o, "top_eig", fn, "f64", c.top, P, 1);
    snprintf(fn, sizeof fn, "bbp_ov_%zu.bin", P);
    pl_bench_dump(o, "overlap2", fn, "f64", c.ov, P, 1);
    pl_bench_case_end(o);
    die_io(o);
    free(beta);
    free(c.top);
    free(c.ov);
}

/* PL_BENCH_ONLY=matvec,eigs,qnet,bbp (any subset) runs only those groups (profiling, reruns). */
static int want(const char *group)
{
    const char *only = getenv("PL_BENCH_ONLY");
    if (!only || !*only) return 1;
    size_t len = strlen(group);
    for (const char *p = only; (p = strstr(p, group)) != NULL; p += len)
        if ((p == only || p[-1] == ',') && (p[len] == 0 || p[len] == ',')) return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_core OUTDIR   (PL_BENCH_QUICK=1 for reduced sizes)\n");
        return 2;
    }
    pl_bench_out o;
    if (pl_bench_out_open(&o, argv[1], "core") != 0) return 2;
    int quick = pl_bench_quick();

    static const size_t mv_full[] = {2000, 5000, 10000, 20000}, mv_quick[] = {500, 1000, 2000, 5000};
    static const size_t eig_full[] = {200, 500, 1000, 2000}, eig_quick[] = {50, 100, 200, 500};
    static const size_t qn_d[] = {20, 50, 100, 200};
    static const size_t bbp_p[] = {20, 200, 2000, 20000};
    for (int i = 0; i < 4 && want("matvec"); i++)
        bench_matvec(&o, quick ? mv_quick[i] : mv_full[i], i == 3);
    for (int i = 0; i < 4 && want("eigs"); i++)
        bench_eigs(&o, quick ? eig_quick[i] : eig_full[i], i == 3);
    for (int i = 0; i < 4 && want("qnet"); i++) bench_qnet(&o, quick ? 4000 : 20000, qn_d[i], i == 3);
    for (int i = 0; i < 4 && want("bbp"); i++) bench_bbp(&o, bbp_p[i], i == 1);
    pl_bench_out_close(&o);
    return 0;
}
