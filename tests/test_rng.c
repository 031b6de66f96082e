/* RNG: moments within statistical bounds, stream independence, reproducibility. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "phaselab/rng.h"
#include "pl_test.h"

/* Each thread draws its own streams; the numbers must equal a sequential draw. */
typedef struct {
    int first, step;
    double *out; /* 8 streams x 1000 draws */
} thread_job;

static void *draw_streams(void *arg)
{
    thread_job *j = arg;
    for (int s = j->first; s < 8; s += j->step) {
        pl_rng r;
        pl_rng_init(&r, 2024, (uint64_t)s);
        pl_rng_normal_fill(&r, j->out + 1000 * s, 1000, 1.0);
    }
    return NULL;
}

static void check_threads(void)
{
    double seq[8000], par[8000];
    thread_job one = {0, 1, seq};
    draw_streams(&one);
    for (int nth = 2; nth <= 4; nth++) {
        pthread_t th[4];
        thread_job jobs[4];
        memset(par, 0, sizeof par);
        for (int t = 0; t < nth; t++) {
            jobs[t] = (thread_job){t, nth, par};
            pthread_create(&th[t], NULL, draw_streams, &jobs[t]);
        }
        for (int t = 0; t < nth; t++) pthread_join(th[t], NULL);
        CHECK(memcmp(seq, par, sizeof seq) == 0, "streams drawn on %d threads differ", nth);
    }
}

int main(void)
{
    check_threads();
    const size_t n = 1000000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    pl_rng r;
    pl_rng_init(&r, 42, 7);
    pl_rng_normal_fill(&r, x, n, 1.0);
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        m1 += v; m2 += v * v; m3 += v * v * v; m4 += v * v * v * v;
    }
    m1 /= n; m2 /= n; m3 /= n; m4 /= n;
    /* standard errors of the sample moments of N(0,1): sqrt(Var(z^k)/n) with
       Var z = 1, Var z^2 = 2, Var z^3 = 15, Var z^4 = 96; 5 SE bounds. */
    CHECK_CLOSE(m1, 0.0, 5 * sqrt(1.0 / n), "mean");
    CHECK_CLOSE(m2, 1.0, 5 * sqrt(2.0 / n), "second moment");
    CHECK_CLOSE(m3, 0.0, 5 * sqrt(15.0 / n), "third moment");
    CHECK_CLOSE(m4, 3.0, 5 * sqrt(96.0 / n), "fourth moment");

    /* uniform: mean 1/2, variance 1/12 */
    double u1 = 0;
    for (size_t i = 0; i < n; i++) u1 += pl_rng_uniform(&r);
    CHECK_CLOSE(u1 / n, 0.5, 5 * sqrt(1.0 / 12 / n), "uniform mean");

    /* two streams of the same seed, and two seeds of the same stream: correlation ~ N(0, 1/n) */
    pl_rng a, b, c;
    pl_rng_init(&a, 42, 7);
    pl_rng_init(&b, 42, 8);
    pl_rng_init(&c, 43, 7);
    pl_rng_normal_fill(&a, x, n, 1.0);
    pl_rng_normal_fill(&b, y, n, 1.0);
    double corr = 0;
    for (size_t i = 0; i < n; i++) corr += x[i] * y[i];
    CHECK_CLOSE(corr / n, 0.0, 5 / sqrt((double)n), "stream correlation");
    pl_rng_normal_fill(&c, y, n, 1.0);
    corr = 0;
    for (size_t i = 0; i < n; i++) corr += x[i] * y[i];
    CHECK_CLOSE(corr / n, 0.0, 5 / sqrt((double)n), "seed correlation");
    /* lag-1 autocorrelation within a stream */
    corr = 0;
    for (size_t i = 0; i + 1 < n; i++) corr += x[i] * x[i + 1];
    CHECK_CLOSE(corr / n, 0.0, 5 / sqrt((double)n), "lag-1 autocorrelation");

    /* reproducibility: same key, same numbers; the draws of a stream do not depend on
       interleaving with other streams (what threads or ranks would do). */
    pl_rng p, q, other;
    pl_rng_init(&p, 99, 3);
    pl_rng_init(&q, 99, 3);
    pl_rng_init(&other, 99, 4);
    int same = 1;
    for (int i = 0; i < 1000; i++) {
        double v = pl_rng_normal(&p);
        (void)pl_rng_normal(&other); /* interleaved work of another stream */
        if (v != pl_rng_normal(&q)) same = 0;
    }
    CHECK(same, "same (seed, stream) must reproduce the same numbers");
    pl_rng s1 = pl_rng_substream(&p, 1), s2 = pl_rng_substream(&p, 1), s3 = pl_rng_substream(&p, 2);
    double v1 = pl_rng_normal(&s1), v2 = pl_rng_normal(&s2), v3 = pl_rng_normal(&s3);
    CHECK(v1 == v2 && v1 != v3, "substreams: deterministic and label-dependent");

    /* Haar orthogonal: Q^T Q = I; GOE symmetric with off-diagonal variance 1 */
    pl_mat Q = pl_mat_alloc(50, 50), QtQ = pl_mat_alloc(50, 50);
    CHECK(pl_rng_haar_orthogonal(&r, Q) == PL_OK, "haar");
    pl_gemm(PL_TRANS, PL_NOTRANS, 1.0, Q, Q, 0.0, QtQ);
    double err = 0;
    for (int i = 0; i < 50; i++)
        for (int j = 0; j < 50; j++) err = fmax(err, fabs(PL_AT(QtQ, i, j) - (i == j)));
    CHECK(err < 1e-12, "Q^T Q = I, err %g", err);
    pl_mat G = pl_mat_alloc(400, 400);
    pl_rng_goe(&r, G, 1.0);
    double off = 0, diag = 0, asym = 0;
    for (int i = 0; i < 400; i++) {
        diag += PL_AT(G, i, i) * PL_AT(G, i, i);
        for (int j = i + 1; j < 400; j++) {
            off += PL_AT(G, i, j) * PL_AT(G, i, j);
            asym = fmax(asym, fabs(PL_AT(G, i, j) - PL_AT(G, j, i)));
        }
    }
    double noff = 400.0 * 399 / 2;
    CHECK(asym == 0, "GOE symmetric");
    CHECK_CLOSE(off / noff, 1.0, 5 * sqrt(2.0 / noff), "GOE off-diagonal variance");
    CHECK_CLOSE(diag / 400, 2.0, 5 * sqrt(8.0 / 400), "GOE diagonal variance");
    pl_mat W = pl_mat_alloc(20, 20);
    CHECK(pl_rng_wishart(&r, 20000, W) == PL_OK, "wishart");
    CHECK_CLOSE(PL_AT(W, 3, 3) / 20000, 1.0, 5 * sqrt(2.0 / 20000), "Wishart diagonal mean");
    pl_mat_free(&Q); pl_mat_free(&QtQ); pl_mat_free(&G); pl_mat_free(&W);
    free(x); free(y);
    return pl_test_done("test_rng");
}
