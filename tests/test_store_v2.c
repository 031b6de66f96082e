/* Store schema 2: record arrays round-trip (raw and zlib-compressed), a schema-1 store written
 * with the old schema's own SQL is read as it is when opened read-only and migrated (then
 * resumed) when opened for writing, and JSON lines carry the arrays.
 *
 * Run with --mpi under mpirun (tests/cli_store_v2_mpi.sh): arrays travel from the worker ranks
 * to rank 0 and into the store intact. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<mpi.h>)
#include <mpi.h>
#define TEST_HAVE_MPI 1
#endif
#endif

#include "phaselab/phaselab.h"
#include "pl_arr_exp.h"
#include "pl_test.h"

/* The schema-1 layout, as the first release wrote it. */
static const char *const v1_schema =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE records("
    " id INTEGER PRIMARY KEY, experiment TEXT NOT NULL, cell TEXT NOT NULL,"
    " params TEXT NOT NULL, seed INTEGER NOT NULL, idx INTEGER NOT NULL, source TEXT NOT NULL,"
    " status TEXT NOT NULL, message TEXT NOT NULL DEFAULT '', metrics TEXT NOT NULL,"
    " wall REAL, version TEXT NOT NULL, created TEXT NOT NULL, state TEXT,"
    " UNIQUE(experiment, cell, seed, idx));"
    "CREATE TABLE lock(id INTEGER PRIMARY KEY CHECK(id = 1), pid INTEGER NOT NULL,"
    " host TEXT NOT NULL, started TEXT NOT NULL);"
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, command TEXT NOT NULL,"
    " config TEXT, version TEXT NOT NULL, started TEXT NOT NULL);"
    "INSERT INTO meta VALUES('app','phaselab'),('schema_version','1'),"
    "('created','2026-01-01T00:00:00Z'),('created_by','0.1.0');";

static void tmp_path(char *path, size_t len, const char *tag)
{
    snprintf(path, len, "/tmp/pl_test_store_v2_%s_%ld.db", tag, (long)getpid());
    remove(path);
}

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    CHECK(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
    sqlite3_free(msg);
}

/* Write the simulation records of arr-test cell p, seed `seed`, into a schema-1 file with
 * plain SQL (the metrics computed by the experiment itself); returns its sum metric. */
static double v1_insert(sqlite3 *db, const pl_params *p, long seed)
{
    pl_records r;
    pl_records_init(&r);
    CHECK(pl_cell_compute(&arr_exp, p, seed, &r) == PL_OK && r.n == 1, "compute");
    char key[512];
    pl_params_key(&arr_exp, p, key, sizeof key);
    char *pj = pl_params_json(&arr_exp, p), *mj = pl_metrics_json(&arr_exp, &r.rec[0]);
    char *sql = sqlite3_mprintf(
        "INSERT INTO records(experiment, cell, params, seed, idx, source, status, message,"
        " metrics, wall, version, created) VALUES('arr-test', %Q, %Q, %ld, 0, 'sim:fill',"
        " 'converged', '', %Q, 0.0, '0.1.0', '2026-01-01T00:00:00Z')",
        key, pj, seed, mj);
    exec_sql(db, sql);
    sqlite3_free(sql);
    free(pj);
    free(mj);
    double s = r.rec[0].metric[0];
    pl_records_free(&r);
    return s;
}

static int meta_version(const char *path)
{
    sqlite3 *db;
    int v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema_version'", -1, &q,
                               NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return v;
}

static int count_rows(const char *path, const char *sql)
{
    sqlite3 *db;
    int n = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
            n = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return n;
}

static pl_status sweep(const char *grid_a, const char *grid_n, int seeds, pl_store *s,
                       pl_records *all, pl_sweep_stats *st, int mpi)
{
    pl_grid g;
    char err[256];
    pl_grid_init(&g, &arr_exp);
    CHECK(pl_grid_set(&g, grid_a, err, sizeof err) == NULL, "%s", err);
    CHECK(pl_grid_set(&g, grid_n, err, sizeof err) == NULL, "%s", err);
    pl_sweep_opts o = {.seeds = seeds, .simulate = 1, .jobs = 1, .store = s, .mpi = mpi};
    pl_status r = pl_sweep_run(&g, &o, all, st, err, sizeof err);
    CHECK(r == PL_OK, "sweep: %s", err);
    pl_grid_free(&g);
    return r;
}

static void check_v1_migration(void)
{
    char path[256], err[512];
    tmp_path(path, sizeof path, "v1");
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK, "create fixture");
    exec_sql(db, v1_schema);
    pl_params p;
    pl_params_default(&arr_exp, &p);
    p.v[0] = 0.5;
    p.v[1] = 3;
    double s0 = v1_insert(db, &p, 0), s1 = v1_insert(db, &p, 1);
    sqlite3_close(db);

    /* read-only: readable as it is, still schema 1 */
    pl_store *s;
    CHECK(pl_store_open_mode(path, PL_STORE_READ, &s, err, sizeof err) == PL_OK, "%s", err);
    pl_records got;
    pl_records_init(&got);
    int present = 0;
    CHECK(pl_store_has(s, &arr_exp, &p, 1, &present) == PL_OK && present, "v1 has");
    CHECK(pl_store_load(s, &arr_exp, &p, 1, &got, NULL, NULL) == PL_OK && got.n == 1,
          "v1 load read-only");
    CHECK(got.n == 1 && got.rec[0].metric[0] == s1 && got.rec[0].narrays == 0,
          "v1 record as written");
    pl_store_close(&s);
    pl_records_free(&got);
    CHECK(meta_version(path) == 1, "read-only open leaves schema 1");

    /* read-write: migrated, then a sweep resumes it (the v1 cell loaded, the rest computed) */
    CHECK(pl_store_open(path, &s, err, sizeof err) == PL_OK, "%s", err);
    CHECK(meta_version(path) == 2, "migrated to schema 2");
    pl_records all;
    pl_records_init(&all);
    pl_sweep_stats st;
    sweep("a=0.5,2", "n=3", 2, s, &all, &st, 0);
    CHECK(st.loaded == 2 && st.computed == 2, "resume after migration: loaded %zu computed %zu",
          st.loaded, st.computed);
    CHECK(all.n == 4 && all.rec[0].metric[0] == s0 && all.rec[1].metric[0] == s1,
          "records of the v1 store kept");
    CHECK(all.rec[0].narrays == 0 && all.rec[2].narrays == 3, "only new records carry arrays");
    pl_store_close(&s);
    pl_records_free(&all);
    /* opening again (already schema 2) changes nothing */
    CHECK(pl_store_open(path, &s, err, sizeof err) == PL_OK, "%s", err);
    pl_store_close(&s);
    CHECK(count_rows(path, "SELECT count(*) FROM meta WHERE key='migrated'") == 1,
          "one migration note");
    remove(path);

    /* a newer schema is refused with its number */
    tmp_path(path, sizeof path, "v9");
    CHECK(sqlite3_open(path, &db) == SQLITE_OK, "create fixture");
    exec_sql(db, v1_schema);
    exec_sql(db, "UPDATE meta SET value='9' WHERE key='schema_version'");
    sqlite3_close(db);
    CHECK(pl_store_open(path, &s, err, sizeof err) == PL_ESTORE && strstr(err, "version 9"),
          "schema 9 refused: %s", err);
    remove(path);
}

static void check_roundtrip(void)
{
    char path[256], err[512];
    tmp_path(path, sizeof path, "rt");
    pl_store *s;
    CHECK(pl_store_open(path, &s, err, sizeof err) == PL_OK, "%s", err);
    pl_records first, again;
    pl_records_init(&first);
    pl_records_init(&again);
    pl_sweep_stats st;
    sweep("a=0.5,1", "n=0,4,3000", 2, s, &first, &st, 0);
    CHECK(st.computed == 12 && arr_records_ok(&first), "computed with arrays");
    pl_store_close(&s);
    /* both encodings are used: short arrays raw, the long regular one compressed, the long
       noise raw (zlib does not shrink it by 10%) */
    CHECK(count_rows(path, "SELECT count(*) FROM arrays WHERE encoding='zlib-f64le'") == 4,
          "compressed arrays: %d",
          count_rows(path, "SELECT count(*) FROM arrays WHERE encoding='zlib-f64le'"));
    CHECK(count_rows(path, "SELECT count(*) FROM arrays WHERE n=3000 AND name='noise' AND "
                           "encoding='f64le'") == 4,
          "incompressible arrays raw");
    CHECK(count_rows(path, "SELECT count(*) FROM arrays WHERE n=3000 AND name='y' AND "
                           "length(data) < 8*3000*0.9") == 4,
          "compression saves space");
    /* resumed: every record loaded with its arrays, bit for bit */
    CHECK(pl_store_open(path, &s, err, sizeof err) == PL_OK, "%s", err);
    sweep("a=0.5,1", "n=0,4,3000", 2, s, &again, &st, 0);
    CHECK(st.loaded == 12 && st.computed == 0 && arr_records_ok(&again), "loaded with arrays");
    int same = again.n == first.n;
    for (size_t i = 0; same && i < first.n; i++) {
        const pl_record *a = &first.rec[i], *b = &again.rec[i];
        same = a->narrays == b->narrays;
        for (size_t k = 0; same && k < a->narrays; k++) {
            size_t n;
            const double *v = pl_record_array(b, a->arrays[k].name, &n);
            same = v && n == a->arrays[k].n &&
                   (n == 0 || memcmp(v, a->arrays[k].v, n * sizeof *v) == 0);
        }
    }
    CHECK(same, "arrays round-trip exactly");
    pl_store_close(&s);
    pl_records_free(&again);
    pl_records_free(&first);
    /* JSON lines carry the arrays */
    FILE *f = tmpfile();
    pl_records one;
    pl_records_init(&one);
    pl_params p;
    pl_params_default(&arr_exp, &p);
    p.v[1] = 2;
    CHECK(pl_cell_compute(&arr_exp, &p, 7, &one) == PL_OK, "compute");
    pl_write_jsonl_row(f, &arr_exp, &one.rec[0]);
    rewind(f);
    char line[4096] = "";
    CHECK(fgets(line, sizeof line, f) != NULL, "read back");
    fclose(f);
    CHECK(strstr(line, "\"arrays\":{\"y\":[7,8],\"first\":[7],\"noise\":[") != NULL,
          "JSON arrays: %s", line);
    /* CSV: the stable scalar columns only */
    f = tmpfile();
    pl_write_csv_row(f, &arr_exp, &one.rec[0]);
    rewind(f);
    CHECK(fgets(line, sizeof line, f) != NULL, "read back");
    fclose(f);
    CHECK(strcmp(line, "arr-test,sim:fill,7,converged,1,2,15\n") == 0, "CSV row: %s", line);
    pl_records_free(&one);
    remove(path);
}

#ifdef TEST_HAVE_MPI
/* Under mpirun: rank 0 coordinates, the others compute; every array arrives and is stored. */
static int run_mpi(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = pl_mpi_rank();
    char path[256], err[512];
    snprintf(path, sizeof path, "/tmp/pl_test_store_v2_mpi_%s.db", argc > 2 ? argv[2] : "x");
    pl_store *s = NULL;
    if (rank == 0) {
        remove(path);
        CHECK(pl_store_open(path, &s, err, sizeof err) == PL_OK, "%s", err);
    }
    pl_records all;
    pl_records_init(&all);
    pl_sweep_stats st;
    sweep("a=0.5,1,2", "n=5,2000", 3, s, &all, &st, 1);
    if (rank == 0) {
        CHECK(pl_mpi_size() > 1 && !st.is_worker, "coordinator of %d ranks", pl_mpi_size());
        CHECK(all.n == 18 && arr_records_ok(&all), "arrays arrive from the workers: %zu", all.n);
        pl_store_close(&s);
        pl_records back;
        pl_records_init(&back);
        CHECK(pl_store_open_mode(path, PL_STORE_READ, &s, err, sizeof err) == PL_OK, "%s", err);
        pl_params p;
        pl_params_default(&arr_exp, &p);
        p.v[0] = 2;
        p.v[1] = 2000;
        CHECK(pl_store_load(s, &arr_exp, &p, 2, &back, NULL, NULL) == PL_OK && back.n == 1 &&
                  arr_records_ok(&back),
              "stored with arrays");
        pl_store_close(&s);
        pl_records_free(&back);
        remove(path);
    }
    pl_records_free(&all);
    MPI_Finalize();
    return rank == 0 ? pl_test_done("test_store_v2 --mpi") : 0;
}
#endif

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--mpi") == 0) {
#ifdef TEST_HAVE_MPI
        return run_mpi(argc, argv);
#else
        printf("test_store_v2 --mpi: this build has no MPI\n");
        return 77;
#endif
    }
    check_v1_migration();
    check_roundtrip();
    return pl_test_done("test_store_v2");
}
