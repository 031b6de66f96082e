/* MPI executor of the sweep engine: rank 0 coordinates (hands out tasks on request, commits
 * every group it receives to the store), the other ranks compute. Records travel as raw
 * pl_record bytes (all ranks run the same build on the same architecture), each followed by
 * its arrays (name, length, values); the array pointers in the raw bytes are not used.
 *
 * Failure model: with OpenMPI's default error handler a rank that dies ends the job; every
 * group received before that is already committed, so rerunning the same command resumes. */
#ifdef PL_HAVE_MPI
#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run/sweep_internal.h"

enum { TAG_REQUEST = 11, TAG_TASK = 12, TAG_STOP = 13, TAG_GROUP = 14 };

int pl_mpi_rank(void)
{
    int init = 0, r = 0;
    MPI_Initialized(&init);
    if (init) MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int pl_mpi_size(void)
{
    int init = 0, fin = 0, n = 1;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin) MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

/* byte buffer helpers */
typedef struct {
    unsigned char *p;
    size_t n, cap;
} buf;

static int put(buf *b, const void *x, size_t n)
{
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->n + n) c *= 2;
        unsigned char *q = realloc(b->p, c);
        if (!q) return 0;
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->n, x, n);
    b->n += n;
    return 1;
}

static const unsigned char *get(const unsigned char *p, void *x, size_t n)
{
    memcpy(x, p, n);
    return p + n;
}

static int pack_task(buf *b, const pl_task *t)
{
    int32_t th = t->theory;
    int64_t seed = t->seed;
    uint64_t nc = t->ncells, ns = t->nstate;
    return put(b, &th, sizeof th) && put(b, &seed, sizeof seed) && put(b, &nc, sizeof nc) &&
           put(b, &ns, sizeof ns) && put(b, t->state, ns * sizeof(double)) &&
           put(b, t->cells, nc * sizeof(size_t));
}

static pl_status unpack_task(const unsigned char *p, pl_task *t)
{
    int32_t th;
    int64_t seed;
    uint64_t nc, ns;
    p = get(p, &th, sizeof th);
    p = get(p, &seed, sizeof seed);
    p = get(p, &nc, sizeof nc);
    p = get(p, &ns, sizeof ns);
    memset(t, 0, sizeof *t);
    t->theory = th;
    t->seed = seed;
    t->ncells = nc;
    t->nstate = ns > PL_MAX_STATE ? PL_MAX_STATE : ns;
    p = get(p, t->state, ns * sizeof(double));
    t->cells = malloc((nc ? nc : 1) * sizeof(size_t));
    if (!t->cells) return PL_ENOMEM;
    get(p, t->cells, nc * sizeof(size_t));
    return PL_OK;
}

/* One record: its raw bytes, then each array as name, length, values. */
static int pack_record(buf *b, const pl_record *r)
{
    int ok = put(b, r, sizeof *r);
    for (size_t i = 0; ok && i < r->narrays; i++) {
        const pl_rec_array *a = &r->arrays[i];
        uint64_t n = a->n;
        ok = put(b, a->name, sizeof a->name) && put(b, &n, sizeof n) &&
             put(b, a->v, a->n * sizeof(double));
    }
    return ok;
}

/* Append the record packed at *q to out, advancing *q. */
static pl_status unpack_record(const unsigned char **q, pl_records *out)
{
    pl_record r;
    *q = get(*q, &r, sizeof r);
    size_t na = r.narrays;
    r.arrays = NULL;
    r.narrays = 0;
    pl_status st = pl_records_append(out, &r);
    for (size_t i = 0; i < na; i++) {
        char name[PL_ARRAY_NAME];
        uint64_t n;
        *q = get(*q, name, sizeof name);
        *q = get(*q, &n, sizeof n);
        name[PL_ARRAY_NAME - 1] = 0;
        double *v = malloc((n ? n : 1) * sizeof *v);
        if (!v && st == PL_OK) st = PL_ENOMEM;
        if (v) get(*q, v, n * sizeof(double));
        *q += n * sizeof(double);
        if (st == PL_OK) st = pl_record_set_array(&out->rec[out->n - 1], name, v, n);
        free(v);
    }
    return st;
}

static int send_group(pl_group *grp, void *ctx)
{
    (void)ctx;
    buf b = {0};
    uint64_t cell = grp->cell, ns = grp->nstate, nr = grp->recs.n;
    int64_t seed = grp->seed;
    int ok = put(&b, &cell, sizeof cell) && put(&b, &seed, sizeof seed) &&
             put(&b, &ns, sizeof ns) && put(&b, grp->state, ns * sizeof(double)) &&
             put(&b, &nr, sizeof nr);
    for (size_t i = 0; ok && i < grp->recs.n; i++) ok = pack_record(&b, &grp->recs.rec[i]);
    ok = ok && b.n <= (size_t)INT_MAX; /* one MPI message */
    if (ok) MPI_Send(b.p, (int)b.n, MPI_BYTE, 0, TAG_GROUP, MPI_COMM_WORLD);
    free(b.p);
    return !ok;
}

pl_status pl_mpi_work(const pl_grid *g)
{
    pl_status st = PL_OK;
    for (;;) {
        MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_REQUEST, MPI_COMM_WORLD);
        MPI_Status ms;
        MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &ms);
        int n;
        MPI_Get_count(&ms, MPI_BYTE, &n);
        unsigned char *p = malloc(n ? (size_t)n : 1);
        if (!p) return PL_ENOMEM;
        MPI_Recv(p, n, MPI_BYTE, 0, ms.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (ms.MPI_TAG == TAG_STOP) {
            free(p);
            break;
        }
        pl_task t;
        st = unpack_task(p, &t);
        free(p);
        if (st == PL_OK) st = pl_task_execute(g, &t, send_group, NULL);
        free(t.cells);
        if (st != PL_OK) break;
    }
    return st;
}

pl_status pl_mpi_coordinate(pl_coord *c, const pl_task *tasks, size_t ntasks)
{
    int size = pl_mpi_size(), active = size - 1;
    size_t next = 0;
    pl_status st = PL_OK;
    while (active > 0) {
        MPI_Status ms;
        MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &ms);
        int n;
        MPI_Get_count(&ms, MPI_BYTE, &n);
        unsigned char *p = malloc(n ? (size_t)n : 1);
        if (!p) return PL_ENOMEM;
        MPI_Recv(p, n, MPI_BYTE, ms.MPI_SOURCE, ms.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (ms.MPI_TAG == TAG_REQUEST) {
            if (st == PL_OK && next < ntasks) {
                buf b = {0};
                if (!pack_task(&b, &tasks[next++])) st = PL_ENOMEM;
                MPI_Send(b.p, (int)b.n, MPI_BYTE, ms.MPI_SOURCE, st == PL_OK ? TAG_TASK : TAG_STOP,
                         MPI_COMM_WORLD);
                free(b.p);
                if (st != PL_OK) active--;
            } else {
                MPI_Send(NULL, 0, MPI_BYTE, ms.MPI_SOURCE, TAG_STOP, MPI_COMM_WORLD);
                active--;
            }
        } else if (ms.MPI_TAG == TAG_GROUP) {
            pl_group grp;
            memset(&grp, 0, sizeof grp);
            uint64_t cell, ns, nr;
            int64_t seed;
            const unsigned char *q = get(p, &cell, sizeof cell);
            q = get(q, &seed, sizeof seed);
            q = get(q, &ns, sizeof ns);
            grp.cell = cell;
            grp.seed = seed;
            grp.nstate = ns > PL_MAX_STATE ? PL_MAX_STATE : ns;
            q = get(q, grp.state, ns * sizeof(double));
            q = get(q, &nr, sizeof nr);
            pl_records_init(&grp.recs);
            for (uint64_t i = 0; i < nr && st == PL_OK; i++) st = unpack_record(&q, &grp.recs);
            if (st == PL_OK) st = pl_coord_accept(c, &grp);
            pl_records_free(&grp.recs);
        }
        free(p);
    }
    return st;
}
#else
typedef int pl_sweep_mpi_unused; /* this build has no MPI */
#endif
