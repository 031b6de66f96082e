/* The job interface (what language bindings call), the version, and the BLAS thread count:
 * - pl_version() is the version the numeric macros of phaselab/version.h spell;
 * - unknown experiments and bad parameters give messages naming them;
 * - the accessors report exactly the experiment's declared parameters and metrics;
 * - a job's records are bit-identical to those of pl_sweep_run on the same grid, and its flat
 *   copies to the records; a second run on the same store loads every record and computes none;
 * - a sweep leaves the caller's BLAS thread count as it found it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "phaselab/phaselab.h"
#include "pl_test.h"

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

#define STR_(x) #x
#define STR(x) STR_(x)

static void test_version(void)
{
    const char *want = STR(PL_VERSION_MAJOR) "." STR(PL_VERSION_MINOR) "." STR(PL_VERSION_PATCH);
    CHECK(strcmp(pl_version(), want) == 0, "pl_version() = %s, header macros say %s",
          pl_version(), want);
    CHECK(strcmp(pl_version(), PL_VERSION) == 0, "pl_version() = %s, build says %s",
          pl_version(), PL_VERSION);
    CHECK(PL_VERSION_NUMBER ==
              PL_VERSION_MAJOR * 10000 + PL_VERSION_MINOR * 100 + PL_VERSION_PATCH,
          "PL_VERSION_NUMBER %d", PL_VERSION_NUMBER);
}

static void test_lookup_and_accessors(void)
{
    char err[256];
    CHECK(pl_experiment_lookup("bpp", err, sizeof err) == NULL, "bpp found");
    CHECK(strstr(err, "unknown experiment 'bpp'") && strstr(err, "did you mean 'bbp'"), "%s",
          err);
    CHECK(pl_job_new("no-such-experiment", err, sizeof err) == NULL, "job on unknown name");
    CHECK(strstr(err, "no-such-experiment") != NULL, "%s", err);
    for (size_t x = 0; x < pl_experiment_count(); x++) {
        const pl_experiment *e = pl_experiment_at(x);
        CHECK(pl_experiment_lookup(e->name, err, sizeof err) == e, "lookup %s", e->name);
        CHECK(strcmp(pl_experiment_name(e), e->name) == 0, "%s name", e->name);
        CHECK(pl_experiment_summary(e) == e->summary, "%s summary", e->name);
        CHECK(pl_experiment_n_params(e) == e->n_params, "%s n_params", e->name);
        CHECK(pl_experiment_n_metrics(e) == e->n_metrics, "%s n_metrics", e->name);
        for (size_t k = 0; k < e->n_metrics; k++) {
            const char *m = pl_metric_name(e, k);
            CHECK(m && pl_metric_index(e, m) == (int)k, "%s metric %zu", e->name, k);
        }
        for (size_t i = 0; i < e->n_params; i++) {
            const pl_param_spec *ps = &e->params[i];
            double lo, hi;
            int lo_open, hi_open;
            pl_experiment_param_range(e, i, &lo, &hi, &lo_open, &hi_open);
            CHECK(strcmp(pl_experiment_param_name(e, i), ps->name) == 0 &&
                      pl_experiment_param_type(e, i) == (int)ps->type &&
                      pl_experiment_param_default(e, i) == ps->def && lo == ps->lo &&
                      hi == ps->hi && lo_open == ps->lo_open && hi_open == ps->hi_open &&
                      pl_experiment_param_help(e, i) == ps->help,
                  "%s parameter %s", e->name, ps->name);
        }
        CHECK(pl_experiment_param_name(e, e->n_params) == NULL &&
                  pl_experiment_param_type(e, e->n_params) == -1 &&
                  isnan(pl_experiment_param_default(e, e->n_params)),
              "%s parameter past end", e->name);
    }
}

static void test_bad_parameters(void)
{
    char err[256];
    pl_job *j = pl_job_new("bbp", err, sizeof err);
    CHECK(j != NULL, "%s", err);
    if (!j) return;
    CHECK(pl_job_set(j, "betta=1") == PL_EINVAL, "misspelt parameter accepted");
    CHECK(strstr(pl_job_error(j), "betta") && strstr(pl_job_error(j), "beta"), "%s",
          pl_job_error(j));
    CHECK(pl_job_set(j, "beta=-1") == PL_EINVAL, "beta = -1 accepted");
    CHECK(strstr(pl_job_error(j), "beta") != NULL, "%s", pl_job_error(j));
    CHECK(pl_job_set(j, "model=gue") == PL_EINVAL, "model=gue accepted");
    CHECK(strstr(pl_job_error(j), "model") && strstr(pl_job_error(j), "wigner|wishart"), "%s",
          pl_job_error(j));
    CHECK(pl_job_set_seeds(j, -1, 0) == PL_EINVAL, "negative seeds accepted");
    CHECK(strstr(pl_job_error(j), "seeds") != NULL, "%s", pl_job_error(j));
    CHECK(pl_job_set_continuation(j, "gamma", 0) == PL_EINVAL, "continuation on gamma");
    CHECK(strstr(pl_job_error(j), "gamma") != NULL, "%s", pl_job_error(j));
    CHECK(pl_job_set(j, "beta=1") == PL_OK && pl_job_error(j)[0] == 0, "%s", pl_job_error(j));
    pl_job_free(&j);
    CHECK(j == NULL, "pl_job_free clears the pointer");
}

/* Records of the same grid through pl_sweep_run directly. */
static void direct_sweep(const char *const *words, size_t nw, int seeds, pl_records *out)
{
    const pl_experiment *e = pl_experiment_find("bbp");
    pl_grid g;
    char err[256];
    pl_grid_init(&g, e);
    for (size_t i = 0; i < nw; i++) CHECK(pl_grid_set(&g, words[i], err, sizeof err) == NULL, "%s", err);
    pl_sweep_opts o = {.seeds = seeds, .theory = 1, .simulate = 1, .blas_threads = 1};
    pl_sweep_stats st;
    CHECK(pl_sweep_run(&g, &o, out, &st, err, sizeof err) == PL_OK, "%s", err);
    pl_grid_free(&g);
}

static int same_record(const pl_record *a, const pl_record *b, size_t np, size_t nm)
{
    if (strcmp(a->source, b->source) || a->seed != b->seed || a->status != b->status) return 0;
    if (memcmp(a->params.v, b->params.v, np * sizeof(double))) return 0;
    return memcmp(a->metric, b->metric, nm * sizeof(double)) == 0;
}

static void test_run_and_store(void)
{
    const char *words[] = {"model=wigner,wishart", "beta=0.5,2", "d=60"};
    const size_t nw = sizeof words / sizeof words[0];
    const int seeds = 2;
    pl_records ref;
    pl_records_init(&ref);
    direct_sweep(words, nw, seeds, &ref);

    char err[256], store[] = "/tmp/phaselab_test_job_XXXXXX";
    int fd = mkstemp(store);
    CHECK(fd >= 0, "mkstemp");
    if (fd >= 0) close(fd);
    unlink(store); /* the store creates the file */
    for (int pass = 0; pass < 2; pass++) {
        pl_job *j = pl_job_new("bbp", err, sizeof err);
        CHECK(j != NULL, "%s", err);
        if (!j) break;
        const pl_experiment *e = pl_job_experiment(j);
        for (size_t i = 0; i < nw; i++) CHECK(pl_job_set(j, words[i]) == PL_OK, "%s", pl_job_error(j));
        CHECK(pl_job_set_seeds(j, seeds, 0) == PL_OK, "%s", pl_job_error(j));
        pl_job_set_threads(j, pass + 1, 1); /* 1 then 2 local jobs: same records */
        CHECK(pl_job_set_store(j, store, "test_job") == PL_OK, "%s", pl_job_error(j));
        CHECK(pl_job_run(j) == PL_OK, "pass %d: %s", pass, pl_job_error(j));
        size_t n = pl_job_count(j), computed, loaded, failed;
        pl_job_stats(j, &computed, &loaded, &failed);
        /* 4 cells, each one theory record and `seeds` simulations */
        CHECK(n == 4 * (size_t)(1 + seeds) && n == ref.n, "pass %d: %zu records, want %zu", pass,
              n, ref.n);
        CHECK(pass == 0 ? (computed == n && loaded == 0) : (computed == 0 && loaded == n),
              "pass %d: computed %zu loaded %zu of %zu", pass, computed, loaded, n);
        CHECK(failed == 0, "pass %d: %zu failed", pass, failed);
        size_t np = e->n_params, nm = e->n_metrics;
        double *pv = malloc(n * np * sizeof *pv), *mv = malloc(n * nm * sizeof *mv),
               *wv = malloc(n * sizeof *wv);
        long *sv = malloc(n * sizeof *sv);
        int *stv = malloc(n * sizeof *stv);
        if (pv && mv && wv && sv && stv && n == ref.n) {
            pl_job_params(j, pv);
            pl_job_metrics(j, mv);
            pl_job_seeds(j, sv);
            pl_job_statuses(j, stv);
            pl_job_walls(j, wv);
            for (size_t r = 0; r < n; r++) {
                const pl_record *rec = pl_job_record(j, r);
                CHECK(same_record(rec, &ref.rec[r], np, nm), "pass %d record %zu differs from "
                      "pl_sweep_run", pass, r);
                CHECK(memcmp(pv + r * np, rec->params.v, np * sizeof *pv) == 0 &&
                          memcmp(mv + r * nm, rec->metric, nm * sizeof *mv) == 0 &&
                          sv[r] == rec->seed && stv[r] == (int)rec->status &&
                          wv[r] == rec->wall && strcmp(pl_job_source(j, r), rec->source) == 0 &&
                          strcmp(pl_job_message(j, r), rec->message) == 0,
                      "pass %d: flat copy of record %zu", pass, r);
            }
            CHECK(pl_job_record(j, n) == NULL && pl_job_source(j, n) == NULL, "past the end");
        }
        free(pv);
        free(mv);
        free(wv);
        free(sv);
        free(stv);
        pl_job_free(&j);
    }
    unlink(store);
    char aux[64];
    snprintf(aux, sizeof aux, "%s-wal", store);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", store);
    unlink(aux);
    pl_records_free(&ref);
}

/* Theory only, and an invalid cell that only the sweep's cross-parameter check sees. */
static void test_theory_only(void)
{
    char err[256];
    pl_job *j = pl_job_new("bbp", err, sizeof err);
    if (!j) return;
    pl_job_set_sources(j, 1, 0);
    CHECK(pl_job_set(j, "beta=0.5:2:0.5") == PL_OK, "%s", pl_job_error(j));
    CHECK(pl_job_run(j) == PL_OK, "%s", pl_job_error(j));
    CHECK(pl_job_count(j) == 4, "%zu theory records", pl_job_count(j));
    for (size_t r = 0; r < pl_job_count(j); r++) {
        const pl_record *rec = pl_job_record(j, r);
        double beta = rec->params.v[pl_param_index(pl_job_experiment(j), "beta")];
        pl_bbp_prediction th = pl_bbp_wigner(beta);
        CHECK(rec->seed == -1 && strcmp(rec->source, "theory") == 0, "record %zu source", r);
        CHECK(pl_record_get(rec, pl_job_experiment(j), "overlap2") == th.overlap2 &&
                  pl_record_get(rec, pl_job_experiment(j), "top_eig") == th.top_eig,
              "theory at beta %g", beta);
    }
    pl_job_free(&j);
}

static void test_blas_threads_restored(void)
{
    openblas_set_num_threads(3);
    int before = openblas_get_num_threads();
    CHECK(before == 3, "openblas_set_num_threads(3) gave %d", before);
    char err[256];
    pl_job *j = pl_job_new("bbp", err, sizeof err);
    if (!j) return;
    pl_job_set_seeds(j, 1, 0);
    pl_job_set_threads(j, 1, 1);
    CHECK(pl_job_set(j, "d=40") == PL_OK, "%s", pl_job_error(j));
    CHECK(pl_job_run(j) == PL_OK, "%s", pl_job_error(j));
    CHECK(openblas_get_num_threads() == before, "BLAS threads %d after a sweep, %d before",
          openblas_get_num_threads(), before);
    /* a failing sweep (continuation along an absent parameter) restores it too */
    pl_grid g;
    pl_grid_init(&g, pl_job_experiment(j));
    pl_sweep_opts o = {.theory = 1, .blas_threads = 2, .continue_param = "gamma"};
    pl_records all;
    pl_records_init(&all);
    pl_sweep_stats st;
    CHECK(pl_sweep_run(&g, &o, &all, &st, err, sizeof err) == PL_EINVAL, "continue on gamma");
    CHECK(openblas_get_num_threads() == before, "BLAS threads %d after a failed sweep",
          openblas_get_num_threads());
    pl_records_free(&all);
    pl_grid_free(&g);
    pl_job_free(&j);
    openblas_set_num_threads(1);
}

int main(void)
{
    test_version();
    test_lookup_and_accessors();
    test_bad_parameters();
    test_run_and_store();
    test_theory_only();
    test_blas_threads_restored();
    return pl_test_done("test_job");
}
