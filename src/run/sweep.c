/* The sweep engine: every (cell, seed) group is looked up in the store, else computed and
 * committed at once. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "phaselab/sweep.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

uint64_t pl_cell_stream(const pl_experiment *e, const pl_params *p)
{
    char key[2048];
    pl_params_key(e, p, key, sizeof key);
    return pl_hash64(pl_hash_str(e->name) ^ pl_hash_str(key));
}

pl_status pl_cell_compute(const pl_experiment *e, const pl_params *p, long seed,
                          pl_records *out)
{
    size_t first = out->n;
    double t0 = now_s();
    pl_status st;
    if (seed < 0) {
        st = e->theory ? e->theory(e, p, out) : PL_EUNSUPPORTED;
    } else {
        pl_rng rng;
        pl_rng_init(&rng, (uint64_t)seed, pl_cell_stream(e, p));
        st = e->simulate ? e->simulate(e, p, &rng, out) : PL_EUNSUPPORTED;
    }
    double wall = now_s() - t0;
    if (out->n == first) {
        /* the experiment produced nothing: keep a failed record so the cell is not silent */
        pl_record *r = pl_records_add(out, p, seed < 0 ? "theory" : "sim", seed);
        if (!r) return PL_ENOMEM;
        pl_record_fail(r, st == PL_OK ? PL_EINVAL : st, "%s produced no record: %s",
                       seed < 0 ? "theory" : "simulation", pl_strerror(st));
    } else if (st != PL_OK) {
        for (size_t i = first; i < out->n; i++)
            if (out->rec[i].status == PL_REC_CONVERGED)
                pl_record_fail(&out->rec[i], st, "%s", pl_strerror(st));
    }
    for (size_t i = first; i < out->n; i++) {
        out->rec[i].params = *p;
        out->rec[i].seed = seed;
        if (out->rec[i].wall == 0) out->rec[i].wall = wall;
    }
    return PL_OK;
}

static void progress(size_t done, size_t total, double t0, size_t computed)
{
    double el = now_s() - t0;
    double eta = computed ? el / (double)computed * (double)(total - done) : 0;
    fprintf(stderr, "\r[%zu/%zu] %5.1f%%  elapsed %.0fs  eta %.0fs   ", done, total,
            100.0 * (double)done / (double)(total ? total : 1), el, eta);
    if (done == total) fputc('\n', stderr);
    fflush(stderr);
}

pl_status pl_sweep_run(const pl_grid *g, const pl_sweep_opts *o, pl_records *all,
                       pl_sweep_stats *stats, char *err, size_t errlen)
{
    const pl_experiment *e = g->e;
    memset(stats, 0, sizeof *stats);
    size_t ncell = pl_grid_cells(g);
    pl_params p;
    for (size_t c = 0; c < ncell; c++) {
        pl_grid_cell(g, c, &p);
        char msg[256];
        if (pl_params_validate(e, &p, msg, sizeof msg)) {
            char key[1024];
            pl_params_key(e, &p, key, sizeof key);
            snprintf(err, errlen, "%s (at %s)", msg, key);
            stats->invalid_cells++;
            return PL_EINVAL;
        }
    }
    int do_theory = o->theory && e->theory;
    int seeds = (o->simulate && e->simulate) ? o->seeds : 0;
    size_t per = (size_t)do_theory + (size_t)seeds, total = ncell * per, done = 0;
    double t0 = now_s();
    int show = o->progress && isatty(2);
    pl_records group;
    pl_records_init(&group);
    pl_status st = PL_OK;
    for (size_t c = 0; c < ncell && st == PL_OK; c++) {
        pl_grid_cell(g, c, &p);
        for (long k = do_theory ? -1 : 0; k < seeds && st == PL_OK; k++) {
            long seed = k < 0 ? -1 : o->seed_base + k;
            pl_records_clear(&group);
            int present = 0;
            if (o->store) st = pl_store_has(o->store, e, &p, seed, &present);
            if (st == PL_OK && present) {
                st = pl_store_load(o->store, e, &p, seed, &group);
                stats->loaded += group.n;
            } else if (st == PL_OK) {
                st = pl_cell_compute(e, &p, seed, &group);
                if (st == PL_OK && o->store) st = pl_store_put(o->store, e, group.rec, group.n);
                stats->computed += group.n;
            }
            if (st != PL_OK) {
                snprintf(err, errlen, "%s%s%s", pl_strerror(st), o->store ? ": " : "",
                         o->store ? pl_store_errmsg(o->store) : "");
                break;
            }
            for (size_t i = 0; i < group.n; i++) {
                if (group.rec[i].status != PL_REC_CONVERGED) stats->failed++;
                if (all && pl_records_append(all, &group.rec[i]) != PL_OK) st = PL_ENOMEM;
                if (o->on_record) o->on_record(e, &group.rec[i], o->ctx);
            }
            done++;
            if (show) progress(done, total, t0, done);
        }
    }
    pl_records_free(&group);
    return st;
}
