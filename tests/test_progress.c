/* Sweep progress for logs: one line per 5% of the groups, and an ETA that weighs the remaining
 * groups by the experiment's cost hook. The test experiment sleeps n * 6 ms per group and
 * declares cost n; the grid n = 1..24 runs cheapest first, so after the first third of the
 * groups only 12% of the work is done: an ETA from group counts would predict a total of about
 * a third of the real one, the weighted ETA the real total (checked within 25%). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "phaselab/phaselab.h"
#include "pl_test.h"

#define MS_PER_UNIT 15 /* long enough that per-group overheads of a loaded machine stay small */

typedef struct {
    long n;
} slow_point;
typedef struct {
    double n;
} slow_result;
static const pl_param_spec slow_params[] = {
    {PL_P_INT(slow_point, n, 1, 1, 1000, "work units")},
};
static const pl_metric_spec slow_map[] = {PL_METRIC(slow_result, n, "work units done")};

static pl_status slow_sim(const pl_experiment *e, const void *ptv, pl_rng *rng, pl_emitter *em)
{
    (void)e;
    (void)rng;
    const slow_point *pt = ptv;
    struct timespec ts = {0, (long)pt->n * MS_PER_UNIT * 1000000L};
    while (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    nanosleep(&ts, NULL);
    slow_result r = {(double)pt->n};
    return pl_emit(em, "sim:sleep", &r) ? PL_OK : PL_ENOMEM;
}

static double slow_cost(const pl_experiment *e, const void *ptv, int theory)
{
    (void)e;
    (void)theory;
    return (double)((const slow_point *)ptv)->n;
}

static const pl_experiment slow_exp = {
    .name = "slow-test", .summary = "", .description = "", .params = slow_params, .n_params = 1,
    .point_size = sizeof(slow_point), .metric_map = slow_map, .result_size = sizeof(slow_result),
    .n_metrics = 1, .plot_x = "n", .plot_y = "n", .sim = slow_sim, .cost = slow_cost,
};

/* Run the sweep with stderr sent to a file; returns the file (rewound) */
static FILE *run_captured(int progress)
{
    FILE *cap = tmpfile();
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(cap), 2);
    pl_grid g;
    char err[256];
    pl_grid_init(&g, &slow_exp);
    CHECK(pl_grid_set(&g, "n=1:24:1", err, sizeof err) == NULL, "%s", err);
    pl_sweep_opts o = {.seeds = 1, .simulate = 1, .jobs = 1, .progress = progress};
    pl_sweep_stats st;
    pl_records all;
    pl_records_init(&all);
    CHECK(pl_sweep_run(&g, &o, &all, &st, err, sizeof err) == PL_OK, "%s", err);
    CHECK(all.n == 24, "records %zu", all.n);
    pl_records_free(&all);
    pl_grid_free(&g);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(cap);
    return cap;
}

int main(void)
{
    /* progress = 1 on a file: silent for a sweep shorter than 5 s */
    FILE *f = run_captured(1);
    char line[512];
    CHECK(fgets(line, sizeof line, f) == NULL, "short sweep to a log stays silent: %s", line);
    fclose(f);

    f = run_captured(2);
    size_t done[64], nl = 0;
    double el[64], eta[64];
    int well_formed = 1;
    while (fgets(line, sizeof line, f) && nl < 64) {
        size_t k, tot;
        int pct;
        char es[32], rs[32];
        if (sscanf(line, "progress: %zu/%zu groups (%d%%), elapsed %31[^,], eta %31s", &k, &tot,
                   &pct, es, rs) != 5 || tot != 24) {
            well_formed = 0;
            fprintf(stderr, "unexpected line: %s", line);
            continue;
        }
        done[nl] = k;
        el[nl] = strtod(es, NULL);
        eta[nl] = rs[0] == '?' ? NAN : strtod(rs, NULL);
        nl++;
    }
    fclose(f);
    CHECK(well_formed, "every line is a progress line");
    /* 24 groups of 4.2% each: a line at every 5% step (20 of them) plus the last */
    CHECK(nl >= 18 && nl <= 24, "%zu progress lines", nl);
    CHECK(nl > 0 && done[nl - 1] == 24 && eta[nl - 1] == 0, "last line at 24/24, eta 0");
    double total = nl ? el[nl - 1] : 0;
    double want = 300.0 * MS_PER_UNIT / 1000; /* sum of n = 300 units */
    CHECK(total >= want, "the sweep slept %.2f s at least (%.2f)", want, total);
    int checked = 0;
    for (size_t i = 0; i < nl; i++) {
        if (done[i] < 8 || done[i] > 20) continue;
        double predicted = el[i] + eta[i], counts = el[i] * 24.0 / (double)done[i];
        CHECK(fabs(predicted - total) <= 0.25 * total,
              "after %zu/24 groups: elapsed %.1f + eta %.1f = %.2f s, real total %.2f s "
              "(count-based: %.2f s)",
              done[i], el[i], eta[i], predicted, total, counts);
        checked++;
    }
    CHECK(checked >= 8, "%d lines checked", checked);
    return pl_test_done("test_progress");
}
