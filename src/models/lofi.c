/* Neural LoFi model side: activations, the Fashion-MNIST loader and binary tasks, the
 * synthetic hierarchical task, and the error metrics. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/lofi.h"

double pl_lofi_act_apply(pl_lofi_act a, double x)
{
    if (a == PL_LOFI_RELU) return x > 0 ? x : 0.0;
    return 1.0 / (1.0 + exp(-x));
}

void pl_lofi_data_free(pl_lofi_data *d)
{
    pl_mat_free(&d->train.X);
    pl_mat_free(&d->test.X);
    free(d->train.y);
    free(d->test.y);
    d->train.y = d->test.y = NULL;
}

/* The split's raw bytes: images (n x 784) and labels (n). */
static pl_status fmnist_bytes(const char *dir, int test, size_t max_items, uint8_t **img,
                              uint8_t **lab, size_t *n, char *err, size_t errlen)
{
    if (!dir) dir = getenv("PHASELAB_FMNIST_DIR");
    if (!dir || !*dir) dir = PL_FMNIST_DIR;
    const char *pre = test ? "t10k" : "train";
    char ipath[4096], lpath[4096], e2[512];
    snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte.gz", dir, pre);
    snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte.gz", dir, pre);
    FILE *probe = fopen(ipath, "rb");
    if (!probe) {
        snprintf(err, errlen,
                 "Fashion-MNIST not found (%s): install the Debian package %s "
                 "(apt-get install %s) or set PHASELAB_FMNIST_DIR",
                 ipath, PL_FMNIST_PACKAGE, PL_FMNIST_PACKAGE);
        return PL_EIO;
    }
    fclose(probe);
    *img = *lab = NULL;
    size_t ni = 0, nl = 0, isz = 0, lsz = 0;
    pl_status st = pl_idx_read(ipath, max_items, img, &ni, &isz, e2, sizeof e2);
    if (st == PL_OK) st = pl_idx_read(lpath, max_items, lab, &nl, &lsz, e2, sizeof e2);
    if (st != PL_OK) {
        snprintf(err, errlen, "%s (reinstall %s)", e2, PL_FMNIST_PACKAGE);
    } else if (ni != nl || lsz != 1 || isz != 784) {
        snprintf(err, errlen, "%s: %zu images of %zu pixels but %zu labels", dir, ni, isz, nl);
        st = PL_EIO;
    }
    if (st != PL_OK) {
        free(*img);
        free(*lab);
        *img = *lab = NULL;
    } else {
        *n = ni;
    }
    return st;
}

pl_status pl_fmnist_load(const char *dir, int test, size_t max_items, pl_mat *X, int **labels,
                         size_t *n, char *err, size_t errlen)
{
    uint8_t *img, *lab;
    size_t ni;
    pl_status st = fmnist_bytes(dir, test, max_items, &img, &lab, &ni, err, errlen);
    if (st != PL_OK) return st;
    *X = pl_mat_alloc(ni, 784);
    *labels = malloc(ni * sizeof **labels);
    if (!X->data || !*labels) {
        pl_mat_free(X);
        free(*labels);
        *labels = NULL;
        st = PL_ENOMEM;
    } else {
        for (size_t i = 0; i < ni; i++) {
            for (size_t j = 0; j < 784; j++) PL_AT(*X, i, j) = img[i * 784 + j] / 255.0;
            (*labels)[i] = lab[i];
        }
        *n = ni;
    }
    free(img);
    free(lab);
    return st;
}

double pl_lofi_fmnist_label(pl_lofi_task t, int cls)
{
    if (t == PL_LOFI_TASK_FMTOPS) return (cls == 0 || cls == 2 || cls == 4 || cls == 6) ? 1 : -1;
    return cls >= 5 ? 1.0 : -1.0;
}

pl_status pl_lofi_hier_sample(pl_rng *teacher_rng, pl_rng *data_rng, pl_mat X, double *y)
{
    size_t n = X.rows, d = X.cols;
    if (d < 4 || n < 1) return PL_EINVAL;
    pl_mat U = pl_mat_alloc(d, 4);
    if (!U.data) return PL_ENOMEM;
    pl_rng_normal_mat(teacher_rng, U, 1.0);
    pl_mat R = {0};
    pl_status st = pl_qr(U, R); /* U: d x 4 with orthonormal columns u_1..u_4 */
    pl_rng_normal_mat(data_rng, X, 1.0);
    for (size_t i = 0; st == PL_OK && i < n; i++) {
        double p[4] = {0};
        for (size_t k = 0; k < 4; k++)
            for (size_t j = 0; j < d; j++) p[k] += PL_AT(X, i, j) * PL_AT(U, j, k);
        double a = p[0] * p[1], b = p[2] * p[3];
        y[i] = a + b + a * b >= 0 ? 1.0 : -1.0;
    }
    pl_mat_free(&U);
    return st;
}

/* Images idx[0..m) (pixel/255) into s, labels through the task's map. */
static void take(const uint8_t *img, const uint8_t *lab, const size_t *idx, size_t m,
                 pl_lofi_task t, pl_lofi_set *s)
{
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < 784; j++) PL_AT(s->X, i, j) = img[idx[i] * 784 + j] / 255.0;
        s->y[i] = pl_lofi_fmnist_label(t, lab[idx[i]]);
    }
}

/* m distinct indices of 0..N-1 (partial Fisher-Yates). */
static size_t *subset(pl_rng *rng, size_t N, size_t m)
{
    size_t *p = malloc(N * sizeof *p);
    if (!p) return NULL;
    for (size_t i = 0; i < N; i++) p[i] = i;
    for (size_t i = 0; i < m; i++) {
        size_t j = i + (size_t)(pl_rng_uniform(rng) * (double)(N - i));
        if (j >= N) j = N - 1;
        size_t t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
    return p;
}

static pl_status alloc_set(pl_lofi_set *s, size_t n, size_t d)
{
    s->X = pl_mat_alloc(n, d);
    s->y = malloc(n * sizeof *s->y);
    return (s->X.data && s->y) ? PL_OK : PL_ENOMEM;
}

static pl_status fmnist_split(pl_lofi_task t, const char *dir, int test, size_t m, pl_rng *rng,
                              pl_lofi_set *s, char *err, size_t errlen)
{
    uint8_t *img, *lab;
    size_t N = 0;
    pl_status st = fmnist_bytes(dir, test, 0, &img, &lab, &N, err, errlen);
    if (st != PL_OK) return st;
    if (m > N) {
        snprintf(err, errlen, "%s: %zu points asked, the split has %zu", test ? "n_test" : "n",
                 m, N);
        st = PL_EINVAL;
    }
    size_t *idx = st == PL_OK ? subset(rng, N, m) : NULL;
    if (st == PL_OK && !idx) st = PL_ENOMEM;
    if (st == PL_OK) st = alloc_set(s, m, 784);
    if (st == PL_OK) take(img, lab, idx, m, t, s);
    free(idx);
    free(img);
    free(lab);
    return st;
}

pl_status pl_lofi_task_sample(pl_lofi_task t, const char *dir, size_t n, size_t n_test,
                              size_t d, pl_rng *rng, pl_lofi_data *out, char *err,
                              size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (n < 2 || n_test < 1 || t >= PL_LOFI_TASK_COUNT) {
        snprintf(err, errlen, "task: n >= 2 and n_test >= 1 required");
        return PL_EINVAL;
    }
    pl_status st;
    if (t == PL_LOFI_TASK_HIER) {
        if (d < 4) {
            snprintf(err, errlen, "d: the hierarchical task needs d >= 4 (got %zu)", d);
            return PL_EINVAL;
        }
        pl_rng tr = pl_rng_substream(rng, 1), dr = pl_rng_substream(rng, 2);
        pl_rng tr2 = tr;
        st = alloc_set(&out->train, n, d);
        if (st == PL_OK) st = alloc_set(&out->test, n_test, d);
        if (st == PL_OK) st = pl_lofi_hier_sample(&tr, &dr, out->train.X, out->train.y);
        if (st == PL_OK) st = pl_lofi_hier_sample(&tr2, &dr, out->test.X, out->test.y);
    } else {
        st = fmnist_split(t, dir, 0, n, rng, &out->train, err, errlen);
        if (st == PL_OK) st = fmnist_split(t, dir, 1, n_test, rng, &out->test, err, errlen);
        if (st == PL_OK) {
            /* scalar standardisation by the training subset's pixel mean and sd */
            double s1 = 0, s2 = 0, cnt = (double)(n * 784);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < 784; j++) {
                    s1 += PL_AT(out->train.X, i, j);
                    s2 += PL_AT(out->train.X, i, j) * PL_AT(out->train.X, i, j);
                }
            double mu = s1 / cnt, sd = sqrt(fmax(s2 / cnt - mu * mu, 1e-12));
            pl_lofi_set *sets[2] = {&out->train, &out->test};
            for (int k = 0; k < 2; k++)
                for (size_t i = 0; i < sets[k]->X.rows; i++)
                    for (size_t j = 0; j < 784; j++)
                        PL_AT(sets[k]->X, i, j) = (PL_AT(sets[k]->X, i, j) - mu) / sd;
            out->side = 28;
        }
    }
    if (st != PL_OK) {
        if (st == PL_ENOMEM) snprintf(err, errlen, "out of memory");
        pl_lofi_data_free(out);
    }
    return st;
}

double pl_lofi_mse(size_t n, const double *pred, const double *y)
{
    double e = 0;
    for (size_t i = 0; i < n; i++) e += (pred[i] - y[i]) * (pred[i] - y[i]);
    return e / (double)n;
}

double pl_lofi_acc(size_t n, const double *pred, const double *y)
{
    double c = 0;
    for (size_t i = 0; i < n; i++) c += ((pred[i] >= 0) == (y[i] > 0));
    return c / (double)n;
}
