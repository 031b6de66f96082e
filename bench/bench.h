/* Benchmark helpers: wall-clock timing as median/min/max of repetitions after a warm-up, and
 * one JSON line per measurement (see bench/README.md for the protocol). */
#ifndef PL_BENCH_H
#define PL_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double pl_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int pl_bench_cmp(const void *a, const void *b)
{
    double d = *(const double *)a - *(const double *)b;
    return (d > 0) - (d < 0);
}

typedef struct {
    double median, min, max;
    int reps;
} pl_bench_time;

/* Time fn(ctx) reps times after `warmup` untimed calls. */
static inline pl_bench_time pl_bench_run(void (*fn)(void *), void *ctx, int warmup, int reps)
{
    for (int i = 0; i < warmup; i++) fn(ctx);
    double *t = malloc((size_t)reps * sizeof *t);
    for (int i = 0; i < reps; i++) {
        double t0 = pl_bench_now();
        fn(ctx);
        t[i] = pl_bench_now() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, pl_bench_cmp);
    pl_bench_time r = {t[reps / 2], t[0], t[reps - 1], reps};
    free(t);
    return r;
}

/* One result line. flops / bytes: work per call (0 if not meaningful), used for the fraction
 * of dgemm peak or memory bandwidth. */
static inline void pl_bench_emit(const char *kernel, const char *size, const char *impl,
                                 pl_bench_time t, double flops, double bytes)
{
    printf("{\"kernel\":\"%s\",\"size\":\"%s\",\"impl\":\"%s\",\"median_s\":%.6g,"
           "\"min_s\":%.6g,\"max_s\":%.6g,\"reps\":%d,\"flops\":%.6g,\"bytes\":%.6g}\n",
           kernel, size, impl, t.median, t.min, t.max, t.reps, flops, bytes);
    fflush(stdout);
}

#endif
