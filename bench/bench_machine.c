/* Machine limits measured on the machine the benchmarks run on, for the thread count used:
 *   - machine_triad: STREAM-style triad a = b + s c on three arrays far larger than the last-level
 *     cache, split over the threads (each thread first-touches its own part); best of several
 *     repetitions (STREAM convention), bytes counted as 3 arrays x 8 bytes (write-allocate
 *     traffic not counted, as in STREAM);
 *   - machine_dgemm / machine_sgemm: OpenBLAS dgemm / sgemm at a large size, best of several.
 * The thread count is OpenBLAS's (OPENBLAS_NUM_THREADS or the number of cores); the triad uses
 * the same number of threads. One extra line, kernel "machine_info", records threads and the
 * OpenBLAS core type and configuration.
 * Usage: bench_machine OUTDIR (OUTDIR unused: there is no reference for the limits). */
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_io.h"

typedef struct {
    double *a, *b, *c;
    size_t lo, hi;
    double s;
    int init;
} triad_part;

static void *triad_thread(void *arg)
{
    triad_part *p = arg;
    double *restrict a = p->a, *restrict b = p->b, *restrict c = p->c;
    const double s = p->s;
    if (p->init) {
        for (size_t i = p->lo; i < p->hi; i++) {
            a[i] = 0.0;
            b[i] = 1.0;
            c[i] = 2.0;
        }
    } else {
        for (size_t i = p->lo; i < p->hi; i++) a[i] = b[i] + s * c[i];
    }
    return NULL;
}

typedef struct {
    double *a, *b, *c;
    size_t n;
    int threads;
    int init;
} triad_ctx;

static void triad_run(void *vctx)
{
    triad_ctx *t = vctx;
    pthread_t tid[64];
    triad_part part[64];
    int T = t->threads;
    for (int k = 0; k < T; k++) {
        part[k] = (triad_part){t->a, t->b, t->c, t->n * (size_t)k / (size_t)T,
                               t->n * (size_t)(k + 1) / (size_t)T, 3.0, t->init};
        if (k > 0 && pthread_create(&tid[k], NULL, triad_thread, &part[k]) != 0) {
            fprintf(stderr, "bench_machine: pthread_create failed\n");
            exit(2);
        }
    }
    triad_thread(&part[0]);
    for (int k = 1; k < T; k++) pthread_join(tid[k], NULL);
}

static double triad_best(triad_ctx *t, const char *kernel, int reps)
{
    t->init = 1;
    triad_run(t);
    t->init = 0;
    pl_bench_time r = pl_bench_run(triad_run, t, 2, reps);
    char size[128];
    snprintf(size, sizeof size, "N=%zu,threads=%d", t->n, t->threads);
    pl_bench_emit(kernel, size, "machine", r, 2.0 * (double)t->n, 24.0 * (double)t->n);
    /* the check the references do elsewhere: here, the triad's own result */
    for (size_t i = 0; i < t->n; i += t->n / 97 + 1)
        if (t->a[i] != 7.0) {
            fprintf(stderr, "bench_machine: triad result wrong at %zu\n", i);
            exit(2);
        }
    return 24.0 * (double)t->n / r.min;
}

typedef struct {
    int n;
    double *A, *B, *C;
    float *As, *Bs, *Cs;
} gemm_ctx;

static void dgemm_run(void *v)
{
    gemm_ctx *g = v;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->n, g->n, g->n, 1.0, g->A, g->n, g->B,
                g->n, 0.0, g->C, g->n);
}

static void sgemm_run(void *v)
{
    gemm_ctx *g = v;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->n, g->n, g->n, 1.0f, g->As, g->n,
                g->Bs, g->n, 0.0f, g->Cs, g->n);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    int quick = pl_bench_quick();
    int threads = openblas_get_num_threads();
    if (threads < 1) threads = 1;
    if (threads > 64) threads = 64;
    char cpu[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "model name", 10) == 0) {
                char *p = strchr(line, ':');
                if (p) {
                    p += 2;
                    p[strcspn(p, "\n\"\\")] = 0;
                    snprintf(cpu, sizeof cpu, "%s", p);
                }
                break;
            }
        fclose(f);
    }
    const char *cfg = openblas_get_config();
    const char *core = openblas_get_corename();
    const char *ct = getenv("OPENBLAS_CORETYPE");
    const char *l2 = getenv("OPENBLAS_L2_SIZE");
    printf("{\"kernel\":\"machine_info\",\"impl\":\"machine\",\"threads\":%d,\"cpu\":\"%s\","
           "\"openblas_corename\":\"%s\",\"openblas_config\":\"%s\",\"OPENBLAS_CORETYPE\":\"%s\","
           "\"OPENBLAS_L2_SIZE\":\"%s\",\"quick\":%s}\n",
           threads, cpu, core ? core : "?", cfg ? cfg : "?", ct ? ct : "", l2 ? l2 : "",
           quick ? "true" : "false");
    fflush(stdout);

    /* triad: 3 x 256 MiB (quick: 3 x 64 MiB), against a 32 MiB L3 on the reference machine */
    size_t n = quick ? ((size_t)1 << 23) : ((size_t)1 << 25);
    triad_ctx t = {pl_bench_xmalloc(n * 8), pl_bench_xmalloc(n * 8), pl_bench_xmalloc(n * 8), n,
                   threads, 0};
    triad_best(&t, "machine_triad", quick ? 5 : 10);
    t.threads = 1;
    triad_best(&t, "machine_triad_1thread", quick ? 3 : 5);
    free(t.a);
    free(t.b);
    free(t.c);

    int m = quick ? 1500 : 4000;
    size_t mm = (size_t)m * (size_t)m;
    gemm_ctx g = {m, pl_bench_xmalloc(mm * 8), pl_bench_xmalloc(mm * 8), pl_bench_xmalloc(mm * 8),
                  pl_bench_xmalloc(mm * 4), pl_bench_xmalloc(mm * 4), pl_bench_xmalloc(mm * 4)};
    for (size_t i = 0; i < mm; i++) {
        double x = (double)((i * 2654435761u) % 1000) / 1000.0 - 0.5;
        g.A[i] = x;
        g.B[i] = 0.5 - x;
        g.As[i] = (float)x;
        g.Bs[i] = (float)(0.5 - x);
    }
    char size[128];
    snprintf(size, sizeof size, "n=%d,threads=%d", m, threads);
    double fl = 2.0 * (double)m * (double)m * (double)m;
    pl_bench_emit("machine_dgemm", size, "machine", pl_bench_run(dgemm_run, &g, 1, 3), fl, 0);
    pl_bench_emit("machine_sgemm", size, "machine", pl_bench_run(sgemm_run, &g, 1, 3), fl, 0);
    free(g.A);
    free(g.B);
    free(g.C);
    free(g.As);
    free(g.Bs);
    free(g.Cs);
    return 0;
}
