/* Sweep engine: warm-start continuation (hysteresis and spinodals), resume of a continuation
 * from the stored state, failed points that do not stop a chain, identical records from 1 and
 * several local jobs.
 *
 * The continuation test uses the Curie–Weiss mean-field magnet, m = tanh(beta (m + h)): for
 * beta > 1 it has two stable branches for |h| < h_s with the spinodal (exact)
 *   m_s = sqrt(1 - 1/beta),  h_s = m_s - atanh(m_s)/beta,
 * so sweeping h upward from the m < 0 branch jumps just after +h_s and sweeping downward from
 * the m > 0 branch jumps just before -h_s. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phaselab/phaselab.h"
#include "pl_test.h"

enum { P_BETA, P_H, NP }; /* grid indices of the parameters */
typedef struct {
    double beta, h;
} cw_point;
typedef struct {
    double m, iterations;
} cw_result;
static const pl_param_spec cw_params[NP] = {
    {PL_P_REAL(cw_point, beta, 1.5, 0, 100, "inverse temperature"), .lo_open = 1},
    {PL_P_REAL(cw_point, h, 0, -10, 10, "field")},
};
static const pl_metric_spec cw_metrics[] = {
    PL_METRIC(cw_result, m, "magnetisation"),
    PL_METRIC(cw_result, iterations, "fixed-point iterations"),
};

static pl_status cw_map(const double *x, double *fx, size_t n, void *ctx)
{
    (void)n;
    const cw_point *c = ctx;
    fx[0] = tanh(c->beta * (x[0] + c->h));
    return PL_OK;
}

static pl_status cw_warm(const pl_experiment *e, const void *pt, const double *in, size_t nin,
                         double *out, size_t *nout, pl_emitter *em)
{
    const cw_point *p = pt;
    cw_result res;
    pl_result_clear(e, &res);
    /* a deliberately failing point, to check that the chain goes on: h exactly 0.5 */
    if (p->h == 0.5) {
        pl_record *r = pl_emit(em, "theory", &res);
        if (!r) return PL_ENOMEM;
        pl_record_fail(r, PL_ENOSOLUTION, "injected failure");
        *nout = 0;
        return PL_ENOSOLUTION;
    }
    double x = nin ? in[0] : (p->h >= 0 ? 1.0 : -1.0); /* cold: follow the field */
    pl_fp_opts o = pl_fp_default_opts();
    o.tol = 1e-13;
    o.maxit = 100000;
    pl_fp_result fr = pl_fixed_point(cw_map, (void *)p, &x, 1, &o);
    res.m = x;
    res.iterations = (double)fr.iterations;
    pl_record *r = pl_emit(em, "theory", &res);
    if (!r) return PL_ENOMEM;
    if (fr.status != PL_OK) pl_record_fail(r, fr.status, "fixed point: %s", pl_strerror(fr.status));
    out[0] = x;
    *nout = 1;
    return fr.status;
}

static const pl_experiment cw = {
    .name = "cw-test", .summary = "", .description = "", .params = cw_params, .n_params = NP,
    .point_size = sizeof(cw_point), .metric_map = cw_metrics, .result_size = sizeof(cw_result),
    .n_metrics = 2, .plot_x = "h", .plot_y = "m", .solve_warm = cw_warm,
};

static double m_at(const pl_records *r, double h)
{
    for (size_t i = 0; i < r->n; i++)
        if (fabs(r->rec[i].params.v[P_H] - h) < 1e-12) return r->rec[i].metric[0];
    return NAN;
}

static void run_cw(pl_direction dir, pl_store *store, pl_records *out, const char *grid)
{
    pl_grid g;
    char err[256];
    pl_grid_init(&g, &cw);
    CHECK(pl_grid_set(&g, grid, err, sizeof err) == NULL, "%s", err);
    pl_sweep_opts o = {.theory = 1, .direction = dir, .store = store, .jobs = 1};
    pl_sweep_stats st;
    CHECK(pl_sweep_run(&g, &o, out, &st, err, sizeof err) == PL_OK, "%s", err);
    pl_grid_free(&g);
}

static void check_hysteresis(void)
{
    double beta = 1.5, ms = sqrt(1 - 1 / beta), hs = ms - atanh(ms) / beta;
    pl_records up, down;
    pl_records_init(&up);
    pl_records_init(&down);
    run_cw(PL_DIR_UP, NULL, &up, "h=-1:1:0.01");
    run_cw(PL_DIR_DOWN, NULL, &down, "h=-1:1:0.01");
    CHECK(up.n == 201 && down.n == 201, "records %zu %zu", up.n, down.n);
    /* inside the coexistence region the branches differ in sign */
    CHECK(m_at(&up, 0.1) < 0 && m_at(&down, 0.1) > 0, "hysteresis at h = 0.1: up %g down %g",
          m_at(&up, 0.1), m_at(&down, 0.1));
    /* the upward jump happens between the grid points around h_s */
    double hjump = NAN;
    for (double h = -1; h < 1; h += 0.01)
        if (m_at(&up, h) < 0 && m_at(&up, h + 0.01) > 0) hjump = h;
    CHECK(hjump <= hs && hs < hjump + 0.01 + 1e-9, "spinodal %g not in [%g, %g]", hs, hjump, hjump + 0.01);
    /* down branch is the mirror image */
    CHECK_CLOSE(m_at(&down, -0.1), -m_at(&up, 0.1), 1e-10, "mirror symmetry of the branches");
    /* the up branch source is "theory", the down branch "theory:down" */
    CHECK(strcmp(up.rec[0].source, "theory") == 0 && strcmp(down.rec[0].source, "theory:down") == 0,
          "sources %s %s", up.rec[0].source, down.rec[0].source);
    /* the injected failure at h = 0.5 is recorded and the chain goes on (h = 0.51 computed) */
    int failed = 0;
    for (size_t i = 0; i < up.n; i++)
        if (fabs(up.rec[i].params.v[P_H] - 0.5) < 1e-12) failed = up.rec[i].status == PL_REC_FAILED;
    CHECK(failed, "the failing point is recorded as failed");
    CHECK(m_at(&up, 0.51) > 0.5, "chain continues after a failed point: %g", m_at(&up, 0.51));
    pl_records_free(&up);
    pl_records_free(&down);
}

/* Resume: a store holding the first part of an upward chain; the rerun must start from the
 * stored state and reproduce the uninterrupted chain exactly. */
static void check_resume_state(void)
{
    char path[] = "/tmp/pl_test_sweep_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    pl_store *s;
    char err[256];
    CHECK(pl_store_open(path, &s, err, sizeof err) == PL_OK, "%s", err);
    pl_records part, full, ref;
    pl_records_init(&part);
    pl_records_init(&full);
    pl_records_init(&ref);
    run_cw(PL_DIR_UP, s, &part, "h=-1:0.15:0.01");  /* prefix of the chain, into the store */
    run_cw(PL_DIR_UP, s, &full, "h=-1:1:0.01");     /* resumes from the stored prefix */
    run_cw(PL_DIR_UP, NULL, &ref, "h=-1:1:0.01");   /* uninterrupted reference */
    int same = full.n == ref.n;
    for (size_t i = 0; i < full.n && same; i++)
        same = memcmp(full.rec[i].metric, ref.rec[i].metric, 2 * sizeof(double)) == 0 ||
               (isnan(full.rec[i].metric[0]) && isnan(ref.rec[i].metric[0]));
    for (size_t i = 0; i < full.n && i < ref.n; i++)
        if (memcmp(full.rec[i].metric, ref.rec[i].metric, 2 * sizeof(double)) != 0) {
            fprintf(stderr, "first difference at h = %g: %.17g vs %.17g (it %g vs %g) src %s seed %ld\n",
                    full.rec[i].params.v[P_H], full.rec[i].metric[0], ref.rec[i].metric[0],
                    full.rec[i].metric[1], ref.rec[i].metric[1], full.rec[i].source, full.rec[i].seed);
            break;
        }
    CHECK(same, "resumed continuation differs from the uninterrupted one (%zu vs %zu records)", full.n, ref.n);
    CHECK(m_at(&full, 0.1) < 0, "resumed chain stays on the lower branch (warm state restored)");
    pl_store_close(&s);
    char wal[300];
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    pl_records_free(&part);
    pl_records_free(&full);
    pl_records_free(&ref);
}

/* 1 job and 2 jobs give the same records, bit for bit, in the same order */
static void check_jobs_identical(void)
{
    const pl_experiment *e = pl_experiment_find("bbp");
    pl_records a, b;
    pl_records_init(&a);
    pl_records_init(&b);
    for (int jobs = 1; jobs <= 2; jobs++) {
        pl_grid g;
        char err[256];
        pl_grid_init(&g, e);
        pl_grid_set(&g, "model=wigner,wishart", err, sizeof err);
        pl_grid_set(&g, "beta=0.5:2.5:0.5", err, sizeof err);
        pl_grid_set(&g, "d=80", err, sizeof err);
        pl_sweep_opts o = {.seeds = 3, .theory = 1, .simulate = 1, .jobs = jobs};
        pl_sweep_stats st;
        CHECK(pl_sweep_run(&g, &o, jobs == 1 ? &a : &b, &st, err, sizeof err) == PL_OK, "%s", err);
        pl_grid_free(&g);
    }
    int same = a.n == b.n && a.n == 2 * 5 * 4;
    for (size_t i = 0; i < a.n && same; i++)
        same = memcmp(a.rec[i].metric, b.rec[i].metric, 2 * sizeof(double)) == 0 &&
               a.rec[i].seed == b.rec[i].seed &&
               memcmp(&a.rec[i].params, &b.rec[i].params, sizeof a.rec[i].params) == 0;
    CHECK(same, "records differ between 1 and 2 jobs (n = %zu, %zu)", a.n, b.n);
    pl_records_free(&a);
    pl_records_free(&b);
}

static void check_grids(void)
{
    const pl_experiment *e = pl_experiment_find("bbp");
    pl_grid g;
    char err[256];
    pl_grid_init(&g, e);
    CHECK(pl_grid_set(&g, "beta=0.2:2:0.1", err, sizeof err) == NULL, "%s", err);
    CHECK(g.count[1] == 19, "0.2:2:0.1 has 19 points, got %zu", g.count[1]);
    CHECK(g.values[1][18] == 2.0 && g.values[1][1] == 0.3, "range values snapped to decimals");
    CHECK(pl_grid_set(&g, "beta=", err, sizeof err) != NULL, "empty value rejected");
    CHECK(pl_grid_set(&g, "beta=1,,2", err, sizeof err) != NULL, "empty list item rejected");
    CHECK(pl_grid_set(&g, "gamma=1", err, sizeof err) != NULL, "unknown parameter rejected");
    CHECK(pl_grid_set(&g, "beta=2:1:0.5", err, sizeof err) != NULL, "reversed range rejected");
    CHECK(pl_grid_set(&g, "beta=1:2:0", err, sizeof err) != NULL, "zero step rejected");
    CHECK(pl_grid_set(&g, "model=wigner,wishart", err, sizeof err) == NULL, "%s", err);
    CHECK(pl_grid_cells(&g) == 2 * 19, "cells %zu", pl_grid_cells(&g));
    pl_grid_free(&g);
}

int main(void)
{
    check_hysteresis();
    check_resume_state();
    check_jobs_identical();
    check_grids();
    return pl_test_done("test_sweep");
}
