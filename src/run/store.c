/* SQLite results store (see store.h for the schema and the resume contract). */
#include <cJSON.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>
#include <zlib.h>

#include "phaselab/store.h"

struct pl_store {
    sqlite3 *db;
    sqlite3_stmt *has, *load, *ins, *arr_ins, *arr_load;
    int locked; /* this process holds the writer lock */
    int version; /* schema version of the file (1: read-only, without arrays) */
    char path[1024];
};

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS records("
    " id INTEGER PRIMARY KEY, experiment TEXT NOT NULL, cell TEXT NOT NULL,"
    " params TEXT NOT NULL, seed INTEGER NOT NULL, idx INTEGER NOT NULL, source TEXT NOT NULL,"
    " status TEXT NOT NULL, message TEXT NOT NULL DEFAULT '', metrics TEXT NOT NULL,"
    " wall REAL, version TEXT NOT NULL, created TEXT NOT NULL, state TEXT,"
    " UNIQUE(experiment, cell, seed, idx));"
    "CREATE TABLE IF NOT EXISTS arrays(record INTEGER NOT NULL, name TEXT NOT NULL,"
    " n INTEGER NOT NULL, encoding TEXT NOT NULL, data BLOB, PRIMARY KEY(record, name));"
    "CREATE TABLE IF NOT EXISTS lock(id INTEGER PRIMARY KEY CHECK(id = 1), pid INTEGER NOT NULL,"
    " host TEXT NOT NULL, started TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, command TEXT NOT NULL,"
    " config TEXT, version TEXT NOT NULL, started TEXT NOT NULL);";

static void now_iso(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tmv;
    gmtime_r(&t, &tmv);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}

static pl_status fail(pl_store *s, pl_status st, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "store '%s': %s%s%s", s->path, what, s->db ? ": " : "",
             s->db ? sqlite3_errmsg(s->db) : "");
    return st;
}

/* Check the meta table of an existing database, or initialise an empty one. */
static pl_status check_or_init(pl_store *s, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &q, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "store '%s': not a phaselab store (%s)", s->path,
                 sqlite3_errmsg(s->db));
        return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ? PL_ESTORE : PL_EIO;
    }
    rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        snprintf(err, errlen, "store '%s': not a phaselab store (%s)", s->path,
                 sqlite3_errmsg(s->db));
        sqlite3_finalize(q);
        return PL_ESTORE;
    }
    int nobj = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (nobj == 0) {
        char ts[32], sql[512];
        now_iso(ts, sizeof ts);
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            return fail(s, PL_EIO, err, errlen, "cannot initialise");
        snprintf(sql, sizeof sql,
                 "INSERT INTO meta VALUES('app','phaselab'),('schema_version','%d'),"
                 "('created','%s'),('created_by','%s');",
                 PL_STORE_SCHEMA, ts, PL_VERSION);
        if (sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return fail(s, PL_EIO, err, errlen, "cannot initialise");
        }
        if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            return fail(s, PL_EIO, err, errlen, "cannot initialise");
        s->version = PL_STORE_SCHEMA;
        return PL_OK;
    }
    rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key='app'", -1, &q, NULL);
    int is_pl = rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
                strcmp((const char *)sqlite3_column_text(q, 0), "phaselab") == 0;
    sqlite3_finalize(q);
    if (!is_pl) {
        snprintf(err, errlen, "store '%s': an SQLite database that is not a phaselab store",
                 s->path);
        return PL_ESTORE;
    }
    rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &q,
                            NULL);
    int ver = (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    if (ver != PL_STORE_SCHEMA && ver != 1) {
        snprintf(err, errlen,
                 "store '%s': written with schema version %d, this phaselab reads versions 1 "
                 "to %d",
                 s->path, ver, PL_STORE_SCHEMA);
        return PL_ESTORE;
    }
    s->version = ver;
    return PL_OK;
}

/* Schema 1 -> 2: the arrays table (the records table is unchanged). Run under the lock. */
static pl_status migrate_v1(pl_store *s, char *err, size_t errlen)
{
    char ts[32], sql[256];
    now_iso(ts, sizeof ts);
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO meta VALUES('migrated','schema 1 to 2 on %s by %s');"
             "UPDATE meta SET value='2' WHERE key='schema_version';",
             ts, PL_VERSION);
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(s, PL_EBUSY, err, errlen, "cannot migrate from schema 1");
    if (sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        pl_status st = fail(s, PL_EIO, err, errlen, "cannot migrate from schema 1");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    s->version = 2;
    return PL_OK;
}

/* Take the single-writer lock, or report who holds it. A lock left by a process of this host
 * that no longer runs (killed) is taken over. */
static pl_status take_lock(pl_store *s, char *err, size_t errlen)
{
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(s, PL_EBUSY, err, errlen, "cannot lock");
    sqlite3_stmt *q = NULL;
    pl_status st = PL_OK;
    if (sqlite3_prepare_v2(s->db, "SELECT pid, host, started FROM lock WHERE id = 1", -1, &q,
                           NULL) != SQLITE_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return fail(s, PL_ESTORE, err, errlen, "unexpected layout");
    }
    if (sqlite3_step(q) == SQLITE_ROW) {
        long pid = (long)sqlite3_column_int64(q, 0);
        const char *h = (const char *)sqlite3_column_text(q, 1);
        int same_host = strcmp(h, host) == 0;
        int alive = !same_host || (pid != (long)getpid() && kill((pid_t)pid, 0) == 0);
        if (alive) {
            snprintf(err, errlen,
                     "store '%s' is being written by another phaselab run (pid %ld on %s since "
                     "%s); wait for it, or if that run is gone: phaselab unlock --store %s",
                     s->path, pid, h, (const char *)sqlite3_column_text(q, 2), s->path);
            st = PL_EBUSY;
        }
    }
    sqlite3_finalize(q);
    if (st == PL_OK) {
        char ts[32], sql[600];
        now_iso(ts, sizeof ts);
        char *hq = sqlite3_mprintf("%Q", host);
        snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO lock VALUES(1, %ld, %s, '%s')",
                 (long)getpid(), hq, ts);
        sqlite3_free(hq);
        if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
            st = fail(s, PL_EIO, err, errlen, "cannot lock");
    }
    if (st == PL_OK && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        st = fail(s, PL_EIO, err, errlen, "cannot lock");
    if (st != PL_OK) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->locked = st == PL_OK;
    return st;
}

pl_status pl_store_unlock(const char *path, char *err, size_t errlen)
{
    pl_store *s;
    pl_status st = pl_store_open_mode(path, PL_STORE_READ, &s, err, errlen);
    if (st != PL_OK) return st;
    if (sqlite3_exec(s->db, "DELETE FROM lock", NULL, NULL, NULL) != SQLITE_OK)
        st = fail(s, PL_EIO, err, errlen, "cannot unlock");
    pl_store_close(&s);
    return st;
}

pl_status pl_store_open(const char *path, pl_store **out, char *err, size_t errlen)
{
    return pl_store_open_mode(path, PL_STORE_WRITE, out, err, errlen);
}

pl_status pl_store_open_mode(const char *path, pl_store_mode mode, pl_store **out, char *err,
                             size_t errlen)
{
    *out = NULL;
    pl_store *s = calloc(1, sizeof *s);
    if (!s) return PL_ENOMEM;
    snprintf(s->path, sizeof s->path, "%s", path);
    int flags = SQLITE_OPEN_READWRITE | (mode == PL_STORE_WRITE ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        pl_status st = fail(s, PL_EIO, err, errlen,
                            mode == PL_STORE_WRITE ? "cannot open or create" : "cannot open");
        pl_store_close(&s);
        return st;
    }
    sqlite3_busy_timeout(s->db, 10000);
    pl_status st = check_or_init(s, err, errlen);
    if (st == PL_OK && mode == PL_STORE_WRITE) st = take_lock(s, err, errlen);
    if (st == PL_OK && mode == PL_STORE_WRITE && s->version == 1) st = migrate_v1(s, err, errlen);
    if (st == PL_OK && sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                                    NULL, NULL, NULL) != SQLITE_OK)
        st = fail(s, PL_EIO, err, errlen, "cannot set WAL mode");
    if (st == PL_OK &&
        (sqlite3_prepare_v2(s->db,
                            "SELECT 1 FROM records WHERE experiment=?1 AND cell=?2 AND seed=?3 "
                            "LIMIT 1",
                            -1, &s->has, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(s->db,
                            "SELECT source, status, message, metrics, wall, state, id FROM records WHERE "
                            "experiment=?1 AND cell=?2 AND seed=?3 ORDER BY idx",
                            -1, &s->load, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(s->db,
                            "INSERT INTO records(experiment, cell, params, seed, idx, source, "
                            "status, message, metrics, wall, version, created, state) "
                            "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
                            -1, &s->ins, NULL) != SQLITE_OK))
        st = fail(s, PL_ESTORE, err, errlen, "unexpected layout");
    if (st == PL_OK && s->version >= 2 &&
        (sqlite3_prepare_v2(s->db,
                            "INSERT INTO arrays(record, name, n, encoding, data) "
                            "VALUES(?1,?2,?3,?4,?5)",
                            -1, &s->arr_ins, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(s->db,
                            "SELECT name, n, encoding, data FROM arrays WHERE record=?1 "
                            "ORDER BY rowid",
                            -1, &s->arr_load, NULL) != SQLITE_OK))
        st = fail(s, PL_ESTORE, err, errlen, "unexpected layout of the arrays table");
    if (st != PL_OK) {
        pl_store_close(&s);
        return st;
    }
    *out = s;
    return PL_OK;
}

void pl_store_close(pl_store **sp)
{
    if (!sp || !*sp) return;
    pl_store *s = *sp;
    if (s->locked) sqlite3_exec(s->db, "DELETE FROM lock", NULL, NULL, NULL);
    sqlite3_finalize(s->has);
    sqlite3_finalize(s->load);
    sqlite3_finalize(s->ins);
    sqlite3_finalize(s->arr_ins);
    sqlite3_finalize(s->arr_load);
    if (s->db) sqlite3_close(s->db);
    free(s);
    *sp = NULL;
}

const char *pl_store_errmsg(pl_store *s) { return s && s->db ? sqlite3_errmsg(s->db) : ""; }

pl_status pl_store_log_run(pl_store *s, const char *command, const char *config_json)
{
    sqlite3_stmt *q;
    char ts[32];
    now_iso(ts, sizeof ts);
    if (sqlite3_prepare_v2(s->db, "INSERT INTO runs(command, config, version, started) "
                                  "VALUES(?1, ?2, ?3, ?4)", -1, &q, NULL) != SQLITE_OK)
        return PL_ESTORE;
    sqlite3_bind_text(q, 1, command, -1, SQLITE_TRANSIENT);
    if (config_json) sqlite3_bind_text(q, 2, config_json, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, PL_VERSION, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, ts, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? PL_OK : PL_EIO;
}

static void bind_cell(sqlite3_stmt *q, const pl_experiment *e, const pl_params *p, long seed)
{
    char key[2048];
    pl_params_key(e, p, key, sizeof key);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    sqlite3_bind_text(q, 1, e->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, seed);
}

pl_status pl_store_has(pl_store *s, const pl_experiment *e, const pl_params *p, long seed,
                       int *present)
{
    bind_cell(s->has, e, p, seed);
    int rc = sqlite3_step(s->has);
    *present = rc == SQLITE_ROW;
    sqlite3_reset(s->has);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? PL_OK : PL_ESTORE;
}

static void metrics_from_json(const pl_experiment *e, const char *json, pl_record *rec)
{
    cJSON *o = cJSON_Parse(json);
    for (size_t k = 0; k < e->n_metrics; k++) {
        cJSON *it = o ? cJSON_GetObjectItemCaseSensitive(o, pl_metric_name(e, k)) : NULL;
        rec->metric[k] = cJSON_IsNumber(it) ? it->valuedouble : NAN;
    }
    cJSON_Delete(o);
}

static void fill_record(const pl_experiment *e, sqlite3_stmt *q, int col0, pl_record *rec)
{
    snprintf(rec->source, sizeof rec->source, "%s", (const char *)sqlite3_column_text(q, col0));
    pl_rec_status rs = PL_REC_FAILED;
    pl_rec_status_parse((const char *)sqlite3_column_text(q, col0 + 1), &rs);
    rec->status = rs;
    snprintf(rec->message, sizeof rec->message, "%s",
             (const char *)sqlite3_column_text(q, col0 + 2));
    metrics_from_json(e, (const char *)sqlite3_column_text(q, col0 + 3), rec);
    rec->wall = sqlite3_column_double(q, col0 + 4);
}

static size_t state_from_json(const char *json, double *state)
{
    size_t n = 0;
    cJSON *a = json ? cJSON_Parse(json) : NULL, *it;
    cJSON_ArrayForEach(it, a)
    {
        if (n < PL_MAX_STATE) state[n++] = cJSON_IsNumber(it) ? it->valuedouble : NAN;
    }
    cJSON_Delete(a);
    return n;
}

static char *state_to_json(const double *state, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        char b[40];
        pl_format_exact(b, sizeof b, state[i]);
        cJSON_AddItemToArray(a, isfinite(state[i]) ? cJSON_CreateRaw(b) : cJSON_CreateNull());
    }
    char *s = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    return s;
}

/* ---- arrays: n doubles as little-endian bytes, zlib-compressed when that saves >= 10% ---- */

#define ARRAY_ZLIB_MIN 64 /* shorter arrays are stored raw */

static void f64_to_le(const double *v, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &v[i], sizeof u);
        for (int b = 0; b < 8; b++) out[8 * i + (size_t)b] = (unsigned char)(u >> (8 * b));
    }
}

static void f64_from_le(const unsigned char *in, size_t n, double *v)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t u = 0;
        for (int b = 0; b < 8; b++) u |= (uint64_t)in[8 * i + (size_t)b] << (8 * b);
        memcpy(&v[i], &u, sizeof u);
    }
}

static pl_status put_arrays(pl_store *s, sqlite3_int64 id, const pl_record *r)
{
    pl_status st = PL_OK;
    for (size_t a = 0; a < r->narrays && st == PL_OK; a++) {
        const pl_rec_array *ar = &r->arrays[a];
        size_t raw = 8 * ar->n;
        unsigned char *le = malloc(raw ? raw : 1), *z = NULL;
        uLongf zn = 0;
        if (!le) return PL_ENOMEM;
        f64_to_le(ar->v, ar->n, le);
        const unsigned char *data = le;
        size_t len = raw;
        const char *enc = "f64le";
        if (ar->n >= ARRAY_ZLIB_MIN) {
            zn = compressBound((uLong)raw);
            z = malloc(zn);
            if (z && compress2(z, &zn, le, (uLong)raw, 6) == Z_OK && zn < raw - raw / 10) {
                data = z;
                len = zn;
                enc = "zlib-f64le";
            }
        }
        sqlite3_reset(s->arr_ins);
        sqlite3_bind_int64(s->arr_ins, 1, id);
        sqlite3_bind_text(s->arr_ins, 2, ar->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s->arr_ins, 3, (sqlite3_int64)ar->n);
        sqlite3_bind_text(s->arr_ins, 4, enc, -1, SQLITE_STATIC);
        sqlite3_bind_blob64(s->arr_ins, 5, data, len, SQLITE_TRANSIENT);
        if (sqlite3_step(s->arr_ins) != SQLITE_DONE) st = PL_EIO;
        sqlite3_reset(s->arr_ins);
        free(le);
        free(z);
    }
    return st;
}

/* Attach the stored arrays of record id to rec. */
static pl_status load_arrays(pl_store *s, sqlite3_int64 id, pl_record *rec)
{
    if (!s->arr_load) return PL_OK; /* schema 1, read-only: no arrays */
    sqlite3_reset(s->arr_load);
    sqlite3_bind_int64(s->arr_load, 1, id);
    pl_status st = PL_OK;
    int rc;
    while (st == PL_OK && (rc = sqlite3_step(s->arr_load)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s->arr_load, 0);
        sqlite3_int64 n = sqlite3_column_int64(s->arr_load, 1);
        const char *enc = (const char *)sqlite3_column_text(s->arr_load, 2);
        const unsigned char *data = sqlite3_column_blob(s->arr_load, 3);
        size_t len = (size_t)sqlite3_column_bytes(s->arr_load, 3);
        if (!name || !enc || n < 0 || (uint64_t)n > SIZE_MAX / 8) {
            st = PL_ESTORE;
            break;
        }
        size_t raw = 8 * (size_t)n;
        unsigned char *le = NULL;
        double *v = malloc(n ? (size_t)n * sizeof *v : 1);
        if (!v) {
            st = PL_ENOMEM;
            break;
        }
        if (strcmp(enc, "f64le") == 0 && len == raw) {
            f64_from_le(data, (size_t)n, v);
        } else if (strcmp(enc, "zlib-f64le") == 0 && (le = malloc(raw ? raw : 1))) {
            uLongf got = (uLongf)raw;
            if (uncompress(le, &got, data, (uLong)len) == Z_OK && got == raw)
                f64_from_le(le, (size_t)n, v);
            else
                st = PL_ESTORE;
        } else {
            st = PL_ESTORE; /* unknown encoding or wrong size */
        }
        if (st == PL_OK) st = pl_record_set_array(rec, name, v, (size_t)n);
        free(le);
        free(v);
    }
    sqlite3_reset(s->arr_load);
    return st;
}

pl_status pl_store_load(pl_store *s, const pl_experiment *e, const pl_params *p, long seed,
                        pl_records *out, double *state, size_t *nstate)
{
    bind_cell(s->load, e, p, seed);
    int rc;
    if (nstate) *nstate = 0;
    while ((rc = sqlite3_step(s->load)) == SQLITE_ROW) {
        pl_record *rec = pl_records_add(out, p, "", seed);
        if (!rec) {
            sqlite3_reset(s->load);
            return PL_ENOMEM;
        }
        fill_record(e, s->load, 0, rec);
        if (state && nstate && sqlite3_column_type(s->load, 5) == SQLITE_TEXT)
            *nstate = state_from_json((const char *)sqlite3_column_text(s->load, 5), state);
        pl_status ast = load_arrays(s, sqlite3_column_int64(s->load, 6), rec);
        if (ast != PL_OK) {
            sqlite3_reset(s->load);
            return ast;
        }
    }
    sqlite3_reset(s->load);
    return rc == SQLITE_DONE ? PL_OK : PL_ESTORE;
}

pl_status pl_store_put(pl_store *s, const pl_experiment *e, const pl_record *recs, size_t n,
                       const double *state, size_t nstate)
{
    if (n == 0) return PL_OK;
    char *stj = nstate ? state_to_json(state, nstate) : NULL;
    char ts[32];
    now_iso(ts, sizeof ts);
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return PL_EBUSY;
    pl_status st = PL_OK;
    for (size_t i = 0; i < n && st == PL_OK; i++) {
        const pl_record *r = &recs[i];
        char *pj = pl_params_json(e, &r->params), *mj = pl_metrics_json(e, r);
        if (!pj || !mj) st = PL_ENOMEM;
        if (st == PL_OK) {
            bind_cell(s->ins, e, &r->params, r->seed);
            sqlite3_bind_text(s->ins, 3, pj, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(s->ins, 4, r->seed);
            sqlite3_bind_int64(s->ins, 5, (sqlite3_int64)i);
            sqlite3_bind_text(s->ins, 6, r->source, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(s->ins, 7, pl_rec_status_name(r->status), -1, SQLITE_STATIC);
            sqlite3_bind_text(s->ins, 8, r->message, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(s->ins, 9, mj, -1, SQLITE_TRANSIENT);
            sqlite3_bind_double(s->ins, 10, r->wall);
            sqlite3_bind_text(s->ins, 11, PL_VERSION, -1, SQLITE_STATIC);
            sqlite3_bind_text(s->ins, 12, ts, -1, SQLITE_TRANSIENT);
            if (stj && i == n - 1) sqlite3_bind_text(s->ins, 13, stj, -1, SQLITE_TRANSIENT);
            int rc = sqlite3_step(s->ins);
            if (rc != SQLITE_DONE) st = rc == SQLITE_CONSTRAINT ? PL_EINVAL : PL_EIO;
            sqlite3_reset(s->ins);
            if (st == PL_OK && r->narrays) {
                if (!s->arr_ins) st = PL_ESTORE; /* a schema-1 store opened read-only */
                else st = put_arrays(s, sqlite3_last_insert_rowid(s->db), r);
            }
        }
        free(pj);
        free(mj);
    }
    if (st == PL_OK && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) st = PL_EIO;
    if (st != PL_OK) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    free(stj);
    return st;
}

pl_status pl_store_each(pl_store *s, const pl_experiment *e, pl_store_visit visit, void *ctx)
{
    sqlite3_stmt *q;
    const char *sql = e ? "SELECT experiment, params, seed, source, status, message, metrics, wall, "
                          "id FROM records WHERE experiment=?1 ORDER BY id"
                        : "SELECT experiment, params, seed, source, status, message, metrics, wall, "
                          "id FROM records ORDER BY id";
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) return PL_ESTORE;
    if (e) sqlite3_bind_text(q, 1, e->name, -1, SQLITE_STATIC);
    int rc, stop = 0;
    pl_status st = PL_OK;
    while (!stop && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const pl_experiment *re = pl_experiment_find((const char *)sqlite3_column_text(q, 0));
        if (!re) continue;
        pl_record rec;
        memset(&rec, 0, sizeof rec);
        char err[256];
        if (pl_params_from_json(re, (const char *)sqlite3_column_text(q, 1), &rec.params, err,
                                sizeof err) != PL_OK)
            continue; /* written by a build with other parameters: not comparable */
        rec.seed = (long)sqlite3_column_int64(q, 2);
        fill_record(re, q, 3, &rec);
        st = load_arrays(s, sqlite3_column_int64(q, 8), &rec);
        if (st == PL_OK) stop = visit(re, &rec, ctx);
        pl_record_release(&rec);
        if (st != PL_OK) break;
    }
    if (st == PL_OK && !stop && rc != SQLITE_DONE) st = PL_ESTORE;
    sqlite3_finalize(q);
    return st;
}

void pl_format_exact(char *buf, size_t len, double v)
{
    /* the shortest of %.15g, %.16g, %.17g that reads back to the same double */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}

char *pl_params_json(const pl_experiment *e, const pl_params *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    for (size_t i = 0; i < e->n_params; i++) {
        if (e->params[i].type == PL_PARAM_CHOICE) {
            char b[64];
            cJSON_AddStringToObject(o, e->params[i].name,
                                    pl_param_choice_name(e, (int)i, p->v[i], b, sizeof b));
        } else {
            char b[40];
            pl_format_exact(b, sizeof b, p->v[i]);
            cJSON_AddRawToObject(o, e->params[i].name, b);
        }
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

char *pl_metrics_json(const pl_experiment *e, const pl_record *rec)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    for (size_t k = 0; k < e->n_metrics; k++) {
        char b[40];
        pl_format_exact(b, sizeof b, rec->metric[k]);
        if (isfinite(rec->metric[k]))
            cJSON_AddRawToObject(o, pl_metric_name(e, k), b);
        else
            cJSON_AddNullToObject(o, pl_metric_name(e, k));
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

pl_status pl_params_from_json(const pl_experiment *e, const char *json, pl_params *p, char *err,
                              size_t errlen)
{
    cJSON *o = cJSON_Parse(json);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        snprintf(err, errlen, "parameters are not a JSON object");
        return PL_EINVAL;
    }
    pl_params_default(e, p);
    pl_status st = PL_OK;
    cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        int i = pl_param_index(e, it->string);
        if (i < 0) {
            snprintf(err, errlen, "unknown parameter '%s'", it->string);
            st = PL_EINVAL;
            break;
        }
        if (cJSON_IsNumber(it)) {
            p->v[i] = it->valuedouble;
        } else if (cJSON_IsString(it)) {
            if (pl_param_parse_value(e, i, it->valuestring, &p->v[i], err, errlen)) {
                st = PL_EINVAL;
                break;
            }
        } else {
            snprintf(err, errlen, "parameter '%s' has no usable value", it->string);
            st = PL_EINVAL;
            break;
        }
    }
    cJSON_Delete(o);
    return st;
}
