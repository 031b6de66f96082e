/* Hardening of the grid parser, the size estimate, stop requests and stored parameters:
 * lists longer than any fixed buffer, duplicate values, cell counts that overflow, the memory
 * estimate of a sweep, a stop that commits every finished group (none lost across a resume),
 * records that claim to be converged without a finite metric, stored choices that are not
 * valid indices. */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "phaselab/phaselab.h"
#include "pl_test.h"

/* parameter indices in the grid (the order of the table below) */
enum { P_A, P_B, P_C, P_D, P_ALPHA, P_K, P_MODE, NP };
typedef struct {
    double a, b, c;
    long d;
    double alpha;
    long k;
    int mode;
} h_point;
typedef struct {
    double x;
} h_result;
static const pl_param_spec h_params[NP] = {
    {PL_P_REAL(h_point, a, 1, 0, 1e7, "a")},
    {PL_P_REAL(h_point, b, 1, 0, 1e7, "b")},
    {PL_P_REAL(h_point, c, 1, 0, 1e7, "c")},
    {PL_P_INT(h_point, d, 10, 1, 1e7, "dimension")},
    {PL_P_REAL(h_point, alpha, 2, 0, 1e7, "samples per dimension")},
    {PL_P_INT(h_point, k, 3, 1, 1e7, "width")},
    {PL_P_CHOICE(h_point, mode, 0, "up|down", "a choice")},
};
static const pl_metric_spec h_metrics[] = {PL_METRIC(h_result, x, "x")};

/* simulation: x = a + noise, 20 ms each; theory: x = a, except a = 7 gives a record that says
 * converged but holds no value */
static pl_status h_solve(const pl_experiment *e, const void *pt, pl_emitter *em)
{
    const h_point *p = pt;
    h_result r;
    pl_result_clear(e, &r);
    if (p->a != 7) r.x = p->a;
    return pl_emit(em, "theory", &r) ? PL_OK : PL_ENOMEM;
}

static pl_status h_sim(const pl_experiment *e, const void *pt, pl_rng *rng, pl_emitter *em)
{
    (void)e;
    const h_point *p = pt;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL); /* a simulation that takes a while: a stop finds tasks not yet started */
    h_result r = {p->a + pl_rng_normal(rng)};
    return pl_emit(em, "sim:h", &r) ? PL_OK : PL_ENOMEM;
}

static const pl_experiment h_exp = {
    .name = "harden-test",
    .summary = "test",
    .description = "test",
    .params = h_params,
    .n_params = NP,
    .point_size = sizeof(h_point),
    .metric_map = h_metrics,
    .n_metrics = 1,
    .result_size = sizeof(h_result),
    .plot_x = "a",
    .plot_y = "x",
    .sim = h_sim,
    .solve = h_solve,
};

typedef struct {
    volatile sig_atomic_t stop;
    size_t after, seen, stops;
} stop_ctx;

static int stop_after(const pl_experiment *e, const pl_record *rec, void *ctx)
{
    (void)e;
    (void)rec;
    stop_ctx *s = ctx;
    if (++s->seen == s->after) s->stop = 1;
    return 0;
}

static void count_stop(void *ctx) { ((stop_ctx *)ctx)->stops++; }

int main(void)
{
    char err[512];
    pl_grid g;

    /* a list of 300 values (about 5000 characters) is read in full */
    size_t cap = 16 + 300 * 24, off = 0;
    char *word = malloc(cap);
    off += (size_t)snprintf(word, cap, "a=");
    for (int i = 0; i < 300; i++)
        off += (size_t)snprintf(word + off, cap - off, "%s%.15f", i ? "," : "", 1 + i * 0.001);
    CHECK(off > 4000, "the list is %zu characters", off);
    pl_grid_init(&g, &h_exp);
    CHECK(pl_grid_set(&g, word, err, sizeof err) == NULL, "long list: %s", err);
    CHECK(g.count[P_A] == 300, "long list: %zu values", g.count[P_A]);
    CHECK(g.values[P_A][299] == 1.299, "long list: last value %.17g", g.values[P_A][299]);
    free(word);

    /* duplicates are refused by value, also after rounding to integers */
    CHECK(pl_grid_set(&g, "a=1,2,1", err, sizeof err) != NULL &&
              strstr(err, "the value 1 appears more than once"),
          "duplicate: %s", err);
    CHECK(pl_grid_set(&g, "d=10:12:0.5", err, sizeof err) != NULL &&
              strstr(err, "the value 11 appears more than once"),
          "integer duplicate: %s", err);
    CHECK(pl_grid_set(&g, "mode=up,down,up", err, sizeof err) != NULL &&
              strstr(err, "the value up appears"),
          "choice duplicate: %s", err);
    pl_grid_free(&g);

    /* 10^6 x 10^6 x 10^6 x 10^6 cells: the count overflows and the sweep refuses it */
    pl_grid_init(&g, &h_exp);
    const char *big[] = {"a=1:1000000:1", "b=1:1000000:1", "c=1:1000000:1", "d=1:1000000:1"};
    for (int i = 0; i < 4; i++) CHECK(pl_grid_set(&g, big[i], err, sizeof err) == NULL, "%s", err);
    CHECK(pl_grid_cells(&g) == SIZE_MAX, "overflowing count: %zu", pl_grid_cells(&g));
    pl_sweep_opts o = {.seeds = 1, .theory = 1, .simulate = 1, .jobs = 1};
    pl_sweep_size sz;
    CHECK(pl_sweep_estimate(&g, &o, &sz, err, sizeof err) == PL_EINVAL &&
              strstr(err, "too many cells to count"),
          "estimate of an overflowing grid: %s", err);
    pl_records all;
    pl_records_init(&all);
    pl_sweep_stats stats;
    CHECK(pl_sweep_run(&g, &o, &all, &stats, err, sizeof err) == PL_EINVAL && all.n == 0,
          "sweep of an overflowing grid: %s", err);
    pl_grid_free(&g);

    /* the estimate: records twice per group, and jobs x 8 (n d + k d + n k) of data */
    pl_grid_init(&g, &h_exp);
    CHECK(pl_grid_set(&g, "d=100,1000", err, sizeof err) == NULL, "%s", err);
    CHECK(pl_grid_set(&g, "a=1,2,3", err, sizeof err) == NULL, "%s", err);
    o.seeds = 4;
    o.jobs = 3;
    CHECK(pl_sweep_estimate(&g, &o, &sz, err, sizeof err) == PL_OK, "%s", err);
    double n = 2.0 * 1000, d = 1000, k = 3;
    CHECK(sz.cells == 6 && sz.groups == 30 && sz.sims_in_parallel == 3, "sizes %zu %zu %zu",
          sz.cells, sz.groups, sz.sims_in_parallel);
    CHECK(sz.sim_bytes == 8 * (n * d + k * d + n * k), "data bytes %g", sz.sim_bytes);
    CHECK(sz.record_bytes == 30.0 * (double)(sizeof(pl_records) + 1) +
                                 2.0 * 30 * (double)sizeof(pl_record),
          "record bytes %g", sz.record_bytes);
    CHECK(sz.bytes == sz.record_bytes + 3 * sz.sim_bytes, "bytes %g", sz.bytes);
    pl_grid_free(&g);

    /* a converged record with no finite metric is not reported as converged */
    pl_grid_init(&g, &h_exp);
    CHECK(pl_grid_set(&g, "a=6,7", err, sizeof err) == NULL, "%s", err);
    o = (pl_sweep_opts){.seeds = 0, .theory = 1, .simulate = 0, .jobs = 1};
    CHECK(pl_sweep_run(&g, &o, &all, &stats, err, sizeof err) == PL_OK, "%s", err);
    CHECK(all.n == 2 && all.rec[0].status == PL_REC_CONVERGED &&
              all.rec[1].status != PL_REC_CONVERGED &&
              strstr(all.rec[1].message, "no metric is finite"),
          "empty record: status %d '%s'", all.n == 2 ? (int)all.rec[1].status : -1,
          all.n == 2 ? all.rec[1].message : "");
    pl_records_free(&all);
    pl_grid_free(&g);

    /* a stop request: on_stop once, every finished group committed, none lost on resume */
    char path[] = "/tmp/pl_harden_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "temporary file");
    close(fd);
    unlink(path);
    pl_grid_init(&g, &h_exp);
    CHECK(pl_grid_set(&g, "a=0:20:1", err, sizeof err) == NULL, "%s", err);
    pl_store *st = NULL;
    CHECK(pl_store_open(path, &st, err, sizeof err) == PL_OK, "%s", err);
    for (int jobs = 1; jobs <= 2 && st; jobs++) {
        stop_ctx sc = {.after = 10};
        o = (pl_sweep_opts){.seeds = 3, .theory = 1, .simulate = 1, .jobs = jobs, .store = st,
                            .on_record = stop_after, .ctx = &sc, .stop = &sc.stop,
                            .on_stop = count_stop};
        pl_records_init(&all);
        pl_status s = pl_sweep_run(&g, &o, &all, &stats, err, sizeof err);
        size_t total = 21 * 4;
        CHECK(s == PL_ESTOPPED || (jobs == 2 && s == PL_OK), "jobs %d: stopped: %s", jobs,
              pl_strerror(s));
        CHECK(sc.stops == (s == PL_ESTOPPED ? 1u : 0u), "jobs %d: on_stop called %zu times",
              jobs, sc.stops);
        /* records are handed on in cell order: those committed past a gap are not yet */
        size_t before = stats.computed + stats.loaded;
        CHECK(all.n <= before, "jobs %d: %zu records handed on, %zu committed", jobs, all.n,
              before);
        CHECK(before < total, "jobs %d: the stop came too late (%zu records)", jobs, before);
        pl_records_free(&all);
        /* the resume loads everything committed and completes */
        o.on_record = NULL;
        o.stop = NULL;
        pl_records_init(&all);
        CHECK(pl_sweep_run(&g, &o, &all, &stats, err, sizeof err) == PL_OK, "%s", err);
        CHECK(stats.loaded == before && all.n == total,
              "jobs %d: resume loaded %zu (had %zu), %zu records of %zu", jobs, stats.loaded,
              before, all.n, total);
        pl_records_free(&all);
        pl_store_close(&st);
        unlink(path);
        if (jobs == 1) CHECK(pl_store_open(path, &st, err, sizeof err) == PL_OK, "%s", err);
    }
    pl_store_close(&st);
    char side[600];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    pl_grid_free(&g);

    /* stored parameters: a choice must be a valid index, an integer whole, values finite */
    pl_params p;
    CHECK(pl_params_from_json(&h_exp, "{\"mode\":1,\"d\":20}", &p, err, sizeof err) == PL_OK &&
              p.v[P_MODE] == 1 && p.v[P_D] == 20,
          "valid stored params: %s", err);
    CHECK(pl_params_from_json(&h_exp, "{\"mode\":2}", &p, err, sizeof err) == PL_EINVAL &&
              strstr(err, "is not the index of one of up|down"),
          "choice index 2: %s", err);
    CHECK(pl_params_from_json(&h_exp, "{\"mode\":0.5}", &p, err, sizeof err) == PL_EINVAL,
          "choice index 0.5");
    CHECK(pl_params_from_json(&h_exp, "{\"d\":2.5}", &p, err, sizeof err) == PL_EINVAL &&
              strstr(err, "not a whole number"),
          "integer 2.5: %s", err);
    CHECK(pl_params_from_json(&h_exp, "{\"a\":1e999}", &p, err, sizeof err) == PL_EINVAL &&
              strstr(err, "not a finite number"),
          "infinite value: %s", err);
    return pl_test_done("test_harden");
}
