/* The sweep engine.
 *
 * The coordinator lays out the work: every (cell, seed) group already in the store is loaded,
 * the rest becomes tasks (one per simulation cell and seed, one per theory chain along the
 * continued parameter). An executor runs the tasks — in this thread, in local worker threads,
 * or on MPI ranks — and hands back groups; the coordinator commits each group to the store as
 * soon as it arrives and emits records in cell order, whatever order the groups arrive in. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/sweep_internal.h"

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

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

/* Fill in what every record of a group carries; a group with no record gets a failed one. */
static pl_status finish_group(const pl_params *p, long seed, pl_status st, size_t first,
                              double wall, pl_records *out)
{
    if (out->n == first) {
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
        if (seed == PL_SEED_THEORY_DOWN && strncmp(out->rec[i].source, "theory", 6) == 0) {
            char src[32];
            snprintf(src, sizeof src, "theory:down%s", out->rec[i].source + 6);
            memcpy(out->rec[i].source, src, sizeof src);
        }
    }
    return PL_OK;
}

pl_status pl_cell_compute(const pl_experiment *e, const pl_params *p, long seed,
                          pl_records *out)
{
    size_t first = out->n;
    double t0 = now_s();
    pl_status st;
    if (seed < 0) {
        st = pl_experiment_theory(e, p, NULL, 0, NULL, NULL, out);
    } else {
        pl_rng rng;
        pl_rng_init(&rng, (uint64_t)seed, pl_cell_stream(e, p));
        st = pl_experiment_simulate(e, p, &rng, seed, out);
    }
    if (st == PL_ENOMEM) return st;
    return finish_group(p, seed, st, first, now_s() - t0, out);
}

pl_status pl_task_execute(const pl_grid *g, const pl_task *t, pl_group_sink sink, void *ctx)
{
    const pl_experiment *e = g->e;
    pl_group grp;
    memset(&grp, 0, sizeof grp);
    pl_records_init(&grp.recs);
    double state[PL_MAX_STATE];
    size_t nstate = t->nstate;
    memcpy(state, t->state, sizeof state);
    pl_status st = PL_OK;
    for (size_t i = 0; i < t->ncells && st == PL_OK; i++) {
        pl_params p;
        pl_grid_cell(g, t->cells[i], &p);
        pl_records_clear(&grp.recs);
        grp.cell = t->cells[i];
        grp.seed = t->seed;
        grp.nstate = 0;
        if (t->theory && pl_experiment_has_warm(e)) {
            double t0 = now_s();
            size_t nout = 0;
            pl_status ts = pl_experiment_theory(e, &p, nstate ? state : NULL, nstate, grp.state,
                                                &nout, &grp.recs);
            if (ts == PL_ENOMEM) {
                st = ts;
                break;
            }
            st = finish_group(&p, t->seed, ts, 0, now_s() - t0, &grp.recs);
            grp.nstate = nout > PL_MAX_STATE ? PL_MAX_STATE : nout;
            /* a failed point does not stop the chain: the next one starts from the last good
               state (or cold when there is none) */
            if (ts == PL_OK && grp.nstate) {
                memcpy(state, grp.state, grp.nstate * sizeof(double));
                nstate = grp.nstate;
            }
        } else {
            st = pl_cell_compute(e, &p, t->seed, &grp.recs);
        }
        if (st == PL_OK && sink(&grp, ctx)) break;
    }
    pl_records_free(&grp.recs);
    return st;
}

/* ---- coordinator ---- */

struct pl_coord {
    const pl_grid *g;
    const pl_sweep_opts *o;
    pl_sweep_stats *stats;
    size_t nslots, per, next_emit, ngroups_total, ngroups_done, ncomputed_groups;
    pl_records *slots;   /* records per group slot, in emission order */
    unsigned char *done;
    pl_records *all;
    double t0;
    int show;            /* 1: live line on a terminal; 2: one line per 5% (logs) */
    double quiet_until;  /* show == 2: no line before this time (short sweeps stay silent) */
    int last_step;       /* show == 2: the last 5% step printed */
    double last_line;
    /* ETA: cost (from the experiment's cost hook) and measured wall of the groups to compute,
       theory [1] and simulation [0] apart */
    double cost_todo[2], cost_done[2], wall_done[2];
    pl_status status; /* first failure of the coordinator (store write, memory) */
    char *err;
    size_t errlen;
};

static size_t slot_of(const pl_coord *c, size_t cell, long seed)
{
    size_t k = seed < 0 ? 0 : 1 + (size_t)(seed - c->o->seed_base);
    return cell * c->per + k;
}

static void emit_ready(pl_coord *c)
{
    while (c->next_emit < c->nslots && c->done[c->next_emit]) {
        pl_records *r = &c->slots[c->next_emit];
        for (size_t i = 0; i < r->n; i++) {
            if (c->all) pl_records_append(c->all, &r->rec[i]);
            if (c->o->on_record) c->o->on_record(c->g->e, &r->rec[i], c->o->ctx);
        }
        pl_records_free(r);
        c->next_emit++;
    }
}

/* Relative cost of group (cell, theory or simulation) from the experiment's cost hook. */
static double group_cost(const pl_coord *c, size_t cell, int theory)
{
    const pl_experiment *e = c->g->e;
    if (!e->cost) return 1.0;
    pl_params p;
    unsigned char pt[PL_MAX_POINT];
    pl_grid_cell(c->g, cell, &p);
    pl_point_from_params(e, &p, pt);
    double v = e->cost(e, e->point_size ? (const void *)pt : (const void *)&p, theory);
    return isfinite(v) && v > 0 ? v : 1.0;
}

/* Seconds still needed: the remaining cost of each kind at that kind's measured seconds per
 * unit cost (the other kind's rate while a kind has none), over the concurrency measured so
 * far (work done per second of the sweep). Negative when nothing has been measured. */
static double eta_s(const pl_coord *c, double elapsed)
{
    double rate[2], work = c->wall_done[0] + c->wall_done[1], left = 0;
    for (int k = 0; k < 2; k++)
        rate[k] = c->cost_done[k] > 0 ? c->wall_done[k] / c->cost_done[k] : -1;
    for (int k = 0; k < 2; k++) {
        double r = rate[k] >= 0 ? rate[k] : rate[1 - k];
        double todo = c->cost_todo[k] - c->cost_done[k];
        if (todo <= 0) continue;
        if (r < 0) return -1;
        left += todo * r;
    }
    if (left == 0) return 0;
    if (work <= 0 || elapsed <= 0) return -1;
    return left / (work / elapsed);
}

static void human_time(char *buf, size_t len, double s)
{
    if (s < 0) snprintf(buf, len, "?");
    else if (s < 60) snprintf(buf, len, "%.1fs", s);
    else if (s < 3600) snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void progress(pl_coord *c)
{
    if (!c->show) return;
    double now = now_s(), el = now - c->t0;
    size_t left = c->ngroups_total - c->ngroups_done, tot = c->ngroups_total ? c->ngroups_total : 1;
    double pct = 100.0 * (double)c->ngroups_done / (double)tot;
    char eb[32], rb[32];
    human_time(eb, sizeof eb, el);
    human_time(rb, sizeof rb, left ? eta_s(c, el) : 0);
    if (c->show == 1) {
        fprintf(stderr, "\r[%zu/%zu] %5.1f%%  elapsed %s  eta %s   ", c->ngroups_done,
                c->ngroups_total, pct, eb, rb);
        if (left == 0) fputc('\n', stderr);
    } else {
        int step = (int)(pct / 5.0);
        /* a line per 5% step, at the end, and at least every 10 minutes */
        if (now < c->quiet_until || (step == c->last_step && left && now - c->last_line < 600))
            return;
        c->last_step = step;
        c->last_line = now;
        fprintf(stderr, "progress: %zu/%zu groups (%.0f%%), elapsed %s, eta %s\n",
                c->ngroups_done, c->ngroups_total, pct, eb, rb);
    }
    fflush(stderr);
}

static pl_status coord_take(pl_coord *c, pl_group *grp, int computed)
{
    size_t s = slot_of(c, grp->cell, grp->seed);
    if (s >= c->nslots || c->done[s]) return PL_OK; /* already stored and loaded */
    pl_status st = PL_OK;
    if (computed && c->o->store) {
        st = pl_store_put(c->o->store, c->g->e, grp->recs.rec, grp->recs.n, grp->state,
                          grp->nstate);
        if (st != PL_OK) {
            snprintf(c->err, c->errlen, "writing the store: %s: %s", pl_strerror(st),
                     pl_store_errmsg(c->o->store));
            return st;
        }
    }
    for (size_t i = 0; i < grp->recs.n; i++) {
        if (grp->recs.rec[i].status != PL_REC_CONVERGED) c->stats->failed++;
        if (pl_records_append(&c->slots[s], &grp->recs.rec[i]) != PL_OK) return PL_ENOMEM;
    }
    if (computed) {
        c->stats->computed += grp->recs.n;
        c->ncomputed_groups++;
        int th = grp->seed < 0;
        double w = 0;
        for (size_t i = 0; i < grp->recs.n; i++)
            if (isfinite(grp->recs.rec[i].wall) && grp->recs.rec[i].wall > w)
                w = grp->recs.rec[i].wall;
        c->cost_done[th] += group_cost(c, grp->cell, th);
        c->wall_done[th] += w;
    } else {
        c->stats->loaded += grp->recs.n;
    }
    c->done[s] = 1;
    c->ngroups_done++;
    emit_ready(c);
    progress(c);
    return PL_OK;
}

pl_status pl_coord_accept(pl_coord *c, pl_group *grp)
{
    pl_status st = coord_take(c, grp, 1);
    if (st != PL_OK && c->status == PL_OK) c->status = st;
    return st;
}

static int serial_sink(pl_group *grp, void *ctx)
{
    return pl_coord_accept(ctx, grp) != PL_OK;
}

/* ---- local threads ---- */

typedef struct gnode {
    pl_group grp;
    struct gnode *next;
} gnode;

typedef struct {
    const pl_grid *g;
    const pl_task *tasks;
    size_t ntasks, next_task;
    int running;
    pl_status status;
    gnode *head, *tail;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} pool;

static int pool_sink(pl_group *grp, void *ctx)
{
    pool *pp = ctx;
    gnode *n = calloc(1, sizeof *n);
    if (!n) return 1;
    n->grp.cell = grp->cell;
    n->grp.seed = grp->seed;
    n->grp.nstate = grp->nstate;
    memcpy(n->grp.state, grp->state, sizeof grp->state);
    pl_records_init(&n->grp.recs);
    for (size_t i = 0; i < grp->recs.n; i++) pl_records_append(&n->grp.recs, &grp->recs.rec[i]);
    pthread_mutex_lock(&pp->mu);
    if (pp->tail) pp->tail->next = n;
    else pp->head = n;
    pp->tail = n;
    pthread_cond_signal(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
    return 0;
}

static void *pool_worker(void *arg)
{
    pool *pp = arg;
    for (;;) {
        pthread_mutex_lock(&pp->mu);
        int stop = pp->status != PL_OK || pp->next_task >= pp->ntasks;
        size_t k = pp->next_task++;
        pthread_mutex_unlock(&pp->mu);
        if (stop) break;
        pl_status st = pl_task_execute(pp->g, &pp->tasks[k], pool_sink, pp);
        if (st != PL_OK) {
            pthread_mutex_lock(&pp->mu);
            pp->status = st;
            pthread_mutex_unlock(&pp->mu);
        }
    }
    pthread_mutex_lock(&pp->mu);
    pp->running--;
    pthread_cond_signal(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
    return NULL;
}

static pl_status run_threads(pl_coord *c, const pl_task *tasks, size_t ntasks, int jobs)
{
    pool pp = {.g = c->g, .tasks = tasks, .ntasks = ntasks, .running = jobs, .status = PL_OK};
    pthread_mutex_init(&pp.mu, NULL);
    pthread_cond_init(&pp.cv, NULL);
    pthread_t *th = calloc((size_t)jobs, sizeof *th);
    if (!th) return PL_ENOMEM;
    /* pp.running counts live workers: it starts at jobs, each worker decrements it when it
       ends, and a thread that could not be created is taken off here */
    int started = 0;
    for (int i = 0; i < jobs; i++) {
        if (pthread_create(&th[started], NULL, pool_worker, &pp) == 0) {
            started++;
        } else {
            pthread_mutex_lock(&pp.mu);
            pp.running--;
            pthread_mutex_unlock(&pp.mu);
        }
    }
    pthread_mutex_lock(&pp.mu);
    pl_status st = started ? PL_OK : PL_ENOMEM;
    while (st == PL_OK && (pp.running > 0 || pp.head)) {
        while (!pp.head && pp.running > 0) pthread_cond_wait(&pp.cv, &pp.mu);
        gnode *n = pp.head;
        if (n) {
            pp.head = n->next;
            if (!pp.head) pp.tail = NULL;
        }
        pthread_mutex_unlock(&pp.mu);
        if (n) {
            st = pl_coord_accept(c, &n->grp);
            pl_records_free(&n->grp.recs);
            free(n);
        }
        pthread_mutex_lock(&pp.mu);
        if (st != PL_OK) pp.status = st; /* workers stop taking tasks */
    }
    pthread_mutex_unlock(&pp.mu);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    /* drop what arrived after a failure */
    while (pp.head) {
        gnode *n = pp.head;
        pp.head = n->next;
        pl_records_free(&n->grp.recs);
        free(n);
    }
    if (st == PL_OK) st = pp.status;
    free(th);
    pthread_mutex_destroy(&pp.mu);
    pthread_cond_destroy(&pp.cv);
    return st;
}

/* ---- laying out the work ---- */

static int continued_param(const pl_grid *g, const pl_sweep_opts *o)
{
    const pl_experiment *e = g->e;
    if (o->continue_param) return pl_param_index(e, o->continue_param);
    int xi = e->plot_x ? pl_param_index(e, e->plot_x) : -1;
    if (xi >= 0 && g->count[xi] > 1) return xi;
    for (size_t i = 0; i < e->n_params; i++)
        if (g->count[i] > 1 && e->params[i].type != PL_PARAM_CHOICE) return (int)i;
    return -1;
}

typedef struct {
    size_t cell;
    double key;
} cell_key;

static int cmp_cell_key(const void *a, const void *b)
{
    const cell_key *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->cell > y->cell) - (x->cell < y->cell);
}

/* Append a task, growing the array geometrically. */
static pl_status push_task(pl_task **tasks, size_t *ntasks, size_t *cap, const pl_task *t)
{
    if (*ntasks == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        pl_task *nt = realloc(*tasks, nc * sizeof *nt);
        if (!nt) return PL_ENOMEM;
        *tasks = nt;
        *cap = nc;
    }
    (*tasks)[(*ntasks)++] = *t;
    return PL_OK;
}

/* Hand the stored group (cell, seed) to the coordinator as loaded; its continuation state
 * into state / *nstate when they are not NULL. */
static pl_status take_stored(pl_coord *c, const pl_params *p, size_t cell, long seed,
                             double *state, size_t *nstate)
{
    pl_group grp;
    memset(&grp, 0, sizeof grp);
    grp.cell = cell;
    grp.seed = seed;
    pl_records_init(&grp.recs);
    pl_status st = pl_store_load(c->o->store, c->g->e, p, seed, &grp.recs, grp.state,
                                 &grp.nstate);
    if (st == PL_OK) st = coord_take(c, &grp, 0);
    if (st == PL_OK && state && nstate && grp.nstate) {
        memcpy(state, grp.state, grp.nstate * sizeof(double));
        *nstate = grp.nstate;
    }
    pl_records_free(&grp.recs);
    return st;
}

/* Theory chains: cells that differ only in parameter cp, ordered along it. */
static pl_status build_theory_tasks(pl_coord *c, int cp, pl_task **tasks, size_t *ntasks,
                                    size_t *cap)
{
    const pl_grid *g = c->g;
    const pl_experiment *e = g->e;
    const pl_sweep_opts *o = c->o;
    size_t ncell = pl_grid_cells(g);
    long tseed = o->direction == PL_DIR_DOWN ? PL_SEED_THEORY_DOWN : PL_SEED_THEORY;
    int warm = pl_experiment_has_warm(e) && cp >= 0;
    size_t chain_len = warm ? g->count[cp] : 1;
    /* stride of parameter cp in the cell index (last parameter fastest) */
    size_t stride = 1;
    if (warm)
        for (size_t i = (size_t)cp + 1; i < e->n_params; i++) stride *= g->count[i];
    cell_key *ck = malloc(chain_len * sizeof *ck);
    if (!ck) return PL_ENOMEM;
    pl_status st = PL_OK;
    for (size_t base = 0; base < ncell && st == PL_OK; base++) {
        if (warm && (base / stride) % g->count[cp] != 0) continue; /* not a chain head */
        for (size_t j = 0; j < chain_len; j++) {
            ck[j].cell = base + j * stride;
            pl_params p;
            pl_grid_cell(g, ck[j].cell, &p);
            ck[j].key = o->direction == PL_DIR_DOWN ? -p.v[cp >= 0 ? cp : 0] : p.v[cp >= 0 ? cp : 0];
        }
        qsort(ck, chain_len, sizeof *ck, cmp_cell_key);
        /* load the stored prefix; the state of its last cell warms the rest */
        pl_task t;
        memset(&t, 0, sizeof t);
        t.theory = 1;
        t.seed = tseed;
        size_t j = 0;
        for (; j < chain_len && st == PL_OK; j++) {
            pl_params p;
            pl_grid_cell(g, ck[j].cell, &p);
            int present = 0;
            if (o->store) st = pl_store_has(o->store, e, &p, tseed, &present);
            if (!present || st != PL_OK) break;
            st = take_stored(c, &p, ck[j].cell, tseed, t.state, &t.nstate);
        }
        if (st != PL_OK || j == chain_len) continue;
        t.ncells = chain_len - j;
        t.cells = malloc(t.ncells * sizeof *t.cells);
        if (!t.cells) {
            st = PL_ENOMEM;
            break;
        }
        for (size_t q = 0; q < t.ncells; q++) t.cells[q] = ck[j + q].cell;
        st = push_task(tasks, ntasks, cap, &t);
        if (st != PL_OK) {
            free(t.cells);
            break;
        }
    }
    free(ck);
    return st;
}

static pl_status build_sim_tasks(pl_coord *c, int seeds, pl_task **tasks, size_t *ntasks,
                                 size_t *cap)
{
    const pl_grid *g = c->g;
    const pl_experiment *e = g->e;
    size_t ncell = pl_grid_cells(g);
    pl_status st = PL_OK;
    for (size_t cell = 0; cell < ncell && st == PL_OK; cell++) {
        pl_params p;
        pl_grid_cell(g, cell, &p);
        for (int k = 0; k < seeds && st == PL_OK; k++) {
            long seed = c->o->seed_base + k;
            int present = 0;
            if (c->o->store) st = pl_store_has(c->o->store, e, &p, seed, &present);
            if (st != PL_OK) break;
            if (present) {
                st = take_stored(c, &p, cell, seed, NULL, NULL);
                continue;
            }
            pl_task t;
            memset(&t, 0, sizeof t);
            t.seed = seed;
            t.ncells = 1;
            t.cells = malloc(sizeof(size_t));
            if (!t.cells) return PL_ENOMEM;
            t.cells[0] = cell;
            st = push_task(tasks, ntasks, cap, &t);
            if (st != PL_OK) {
                free(t.cells);
                return st;
            }
        }
    }
    return st;
}

static pl_status sweep_run(const pl_grid *g, const pl_sweep_opts *o, pl_records *all,
                           pl_sweep_stats *stats, char *err, size_t errlen)
{
    const pl_experiment *e = g->e;
    memset(stats, 0, sizeof *stats);
    if (errlen) err[0] = 0;
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
    int cp = continued_param(g, o);
    if (o->continue_param && cp < 0) {
        snprintf(err, errlen, "cannot continue along '%s': experiment '%s' has no such parameter",
                 o->continue_param, e->name);
        return PL_EINVAL;
    }
    openblas_set_num_threads(o->blas_threads > 0 ? o->blas_threads : 1);
#ifdef PL_HAVE_MPI
    if (o->mpi && pl_mpi_size() > 1 && pl_mpi_rank() > 0) {
        stats->is_worker = 1;
        return pl_mpi_work(g);
    }
#endif
    int do_theory = o->theory && pl_experiment_has_theory(e);
    int seeds = (o->simulate && pl_experiment_has_sim(e)) ? o->seeds : 0;
    pl_coord c;
    memset(&c, 0, sizeof c);
    c.g = g;
    c.o = o;
    c.stats = stats;
    c.per = 1 + (size_t)seeds;
    c.nslots = ncell * c.per;
    c.all = all;
    c.t0 = now_s();
    c.show = o->progress == 1 && isatty(2) ? 1 : o->progress ? 2 : 0;
    c.quiet_until = o->progress == 1 ? c.t0 + 5.0 : c.t0;
    c.last_step = -1;
    c.err = err;
    c.errlen = errlen;
    c.slots = calloc(c.nslots ? c.nslots : 1, sizeof *c.slots);
    c.done = calloc(c.nslots ? c.nslots : 1, 1);
    if (!c.slots || !c.done) {
        free(c.slots);
        free(c.done);
        return PL_ENOMEM;
    }
    /* slots with no work (theory off) count as done */
    for (size_t cell = 0; cell < ncell; cell++)
        if (!do_theory) c.done[cell * c.per] = 1;
    c.ngroups_total = ncell * ((size_t)do_theory + (size_t)seeds);
    pl_task *tasks = NULL;
    size_t ntasks = 0, cap = 0;
    pl_status st = PL_OK;
    if (do_theory) st = build_theory_tasks(&c, cp, &tasks, &ntasks, &cap);
    if (st == PL_OK) st = build_sim_tasks(&c, seeds, &tasks, &ntasks, &cap);
    for (size_t k = 0; st == PL_OK && c.show && k < ntasks; k++)
        for (size_t j = 0; j < tasks[k].ncells; j++)
            c.cost_todo[tasks[k].theory != 0] += group_cost(&c, tasks[k].cells[j], tasks[k].theory);
    if (st == PL_OK) {
#ifdef PL_HAVE_MPI
        if (o->mpi && pl_mpi_size() > 1) {
            st = pl_mpi_coordinate(&c, tasks, ntasks);
        } else
#endif
        if (o->jobs > 1 && ntasks > 1) {
            st = run_threads(&c, tasks, ntasks, o->jobs < (int)ntasks ? o->jobs : (int)ntasks);
        } else {
            for (size_t k = 0; k < ntasks && st == PL_OK; k++)
                st = pl_task_execute(g, &tasks[k], serial_sink, &c);
        }
    }
    if (st == PL_OK) st = c.status;
    if (st != PL_OK && !err[0]) snprintf(err, errlen, "%s", pl_strerror(st));
    emit_ready(&c);
    for (size_t k = 0; k < ntasks; k++) free(tasks[k].cells);
    free(tasks);
    for (size_t s = 0; s < c.nslots; s++) pl_records_free(&c.slots[s]);
    free(c.slots);
    free(c.done);
    return st;
}

/* The sweep sets the BLAS thread count for its tasks (o->blas_threads) and gives the caller's
 * count back on every exit, so that a program (or a Python session) calling it keeps its own. */
pl_status pl_sweep_run(const pl_grid *g, const pl_sweep_opts *o, pl_records *all,
                       pl_sweep_stats *stats, char *err, size_t errlen)
{
    int blas_threads = openblas_get_num_threads();
    pl_status st = sweep_run(g, o, all, stats, err, errlen);
    openblas_set_num_threads(blas_threads);
    return st;
}

#ifndef PL_HAVE_MPI
int pl_mpi_rank(void) { return 0; }
int pl_mpi_size(void) { return 1; }
#endif
