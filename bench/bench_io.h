/* Helpers shared by the bench programs (on top of bench.h): quick mode, an adaptive repetition
 * count, raw dumps of inputs/outputs and the case manifest the Python references read.
 *
 * Manifest: <outdir>/<prog>_cases.jsonl, one JSON object per case:
 *   {"kernel":..., "size":..., "params":{...}, "files":{"name":["file.bin","f64",rows,cols],...}}
 * Files are raw little-endian row-major arrays (f64 = double, f32 = float, i64 = int64).
 */
#ifndef PL_BENCH_IO_H
#define PL_BENCH_IO_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* PL_BENCH_QUICK=1: reduced sizes, to check the suite end to end in seconds. */
static inline int pl_bench_quick(void)
{
    const char *q = getenv("PL_BENCH_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

/* Seconds of timed work aimed at per case (median of >= min_reps either way). */
static inline double pl_bench_target_s(void) { return pl_bench_quick() ? 0.15 : 0.6; }

/* Time fn: one untimed call (warm-up, also the estimate of its cost), a second warm-up for
 * short kernels, then reps = clamp(target / estimate, min_reps, max_reps) timed calls. */
static inline pl_bench_time pl_bench_auto(void (*fn)(void *), void *ctx, int min_reps, int max_reps)
{
    double t0 = pl_bench_now();
    fn(ctx);
    double t1 = pl_bench_now() - t0;
    double want = pl_bench_target_s() / (t1 > 1e-9 ? t1 : 1e-9);
    int reps = want > (double)max_reps ? max_reps : (want < (double)min_reps ? min_reps : (int)want);
    return pl_bench_run(fn, ctx, t1 < 0.05 ? 1 : 0, reps);
}

/* Divide a timing of `inner` back-to-back evaluations down to one evaluation. */
static inline pl_bench_time pl_bench_per(pl_bench_time t, double inner)
{
    t.median /= inner;
    t.min /= inner;
    t.max /= inner;
    return t;
}

typedef struct {
    const char *dir;
    FILE *manifest;
    int nfiles;    /* files of the current case written so far */
    int err;       /* nonzero after an I/O error (reported on stderr) */
} pl_bench_out;

static inline int pl_bench_out_open(pl_bench_out *o, const char *dir, const char *prog)
{
    char path[4096];
    memset(o, 0, sizeof *o);
    o->dir = dir;
    snprintf(path, sizeof path, "%s/%s_cases.jsonl", dir, prog);
    o->manifest = fopen(path, "w");
    if (!o->manifest) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

static inline void pl_bench_out_close(pl_bench_out *o)
{
    if (o->manifest) fclose(o->manifest);
    o->manifest = NULL;
}

/* Start a case: params is a JSON object body without braces ("\"n\":20000,\"d\":4000"). */
static inline void pl_bench_case_begin(pl_bench_out *o, const char *kernel, const char *size,
                                       const char *params)
{
    fprintf(o->manifest, "{\"kernel\":\"%s\",\"size\":\"%s\",\"params\":{%s},\"files\":{", kernel,
            size, params ? params : "");
    o->nfiles = 0;
}

static inline void pl_bench_case_end(pl_bench_out *o)
{
    fprintf(o->manifest, "}}\n");
    fflush(o->manifest);
}

/* Write `rows * cols` elements of `elsize` bytes as <dir>/<file> and list them in the case. */
static inline int pl_bench_dump(pl_bench_out *o, const char *name, const char *file,
                                const char *type, const void *data, size_t rows, size_t cols)
{
    char path[4096];
    size_t elsize = strcmp(type, "f32") == 0 ? 4 : 8;
    snprintf(path, sizeof path, "%s/%s", o->dir, file);
    FILE *f = fopen(path, "wb");
    size_t n = rows * cols, w = 0;
    if (f) {
        w = fwrite(data, elsize, n, f);
        if (fclose(f) != 0) w = 0;
    }
    if (w != n) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        o->err = 1;
        return -1;
    }
    fprintf(o->manifest, "%s\"%s\":[\"%s\",\"%s\",%zu,%zu]", o->nfiles ? "," : "", name, file,
            type, rows, cols);
    o->nfiles++;
    return 0;
}

static inline void *pl_bench_xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "bench: out of memory (%zu bytes)\n", bytes);
        exit(2);
    }
    return p;
}

#endif
