/* Neural LoFi data: the IDX/gzip reader on files the test writes, the missing-dataset message,
 * the hierarchical task, and a smoke test on a few hundred Fashion-MNIST images (FC and CNN
 * LoFi above chance by a binomial 3-sigma margin). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "phaselab/lofi.h"
#include "pl_test.h"

static void write_idx(const char *path, size_t n, size_t r, size_t c, int truncate)
{
    gzFile f = gzopen(path, "wb");
    unsigned char h[16] = {0, 0, 8, 3};
    size_t dims[3] = {n, r, c};
    for (int k = 0; k < 3; k++)
        for (int b = 0; b < 4; b++) h[4 + 4 * k + b] = (unsigned char)(dims[k] >> (24 - 8 * b));
    gzwrite(f, h, 16);
    size_t tot = n * r * c - (truncate ? 5 : 0);
    for (size_t i = 0; i < tot; i++) {
        unsigned char v = (unsigned char)(i % 251);
        gzwrite(f, &v, 1);
    }
    gzclose(f);
}

static void test_idx(void)
{
    char path[] = "/tmp/pl_lofi_idx_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    write_idx(path, 5, 3, 4, 0);
    uint8_t *data;
    size_t n, isz;
    char err[256];
    CHECK(pl_idx_read(path, 0, &data, &n, &isz, err, sizeof err) == PL_OK, "idx read: %s", err);
    CHECK(n == 5 && isz == 12, "shape %zu x %zu", n, isz);
    int ok = 1;
    for (size_t i = 0; i < n * isz; i++) ok &= data[i] == i % 251;
    CHECK(ok, "idx content");
    free(data);
    CHECK(pl_idx_read(path, 2, &data, &n, &isz, err, sizeof err) == PL_OK && n == 2, "max items");
    free(data);
    write_idx(path, 5, 3, 4, 1);
    CHECK(pl_idx_read(path, 0, &data, &n, &isz, err, sizeof err) == PL_EIO, "truncated accepted");
    CHECK(strstr(err, "truncated") != NULL, "message: %s", err);
    remove(path);
    /* missing dataset: the message names the package */
    pl_mat X;
    int *lab;
    CHECK(pl_fmnist_load("/nonexistent-dir", 0, 10, &X, &lab, &n, err, sizeof err) == PL_EIO,
          "missing dataset accepted");
    CHECK(strstr(err, PL_FMNIST_PACKAGE) != NULL, "message without the package: %s", err);
}

static void test_hier(void)
{
    pl_rng rng;
    pl_rng_init(&rng, 2, 0);
    pl_lofi_data d, d2;
    char err[256];
    CHECK(pl_lofi_task_sample(PL_LOFI_TASK_HIER, NULL, 4000, 10, 12, &rng, &d, err, sizeof err) ==
              PL_OK, "hier: %s", err);
    pl_rng_init(&rng, 2, 0);
    pl_lofi_task_sample(PL_LOFI_TASK_HIER, NULL, 4000, 10, 12, &rng, &d2, err, sizeof err);
    int same = 1, pm = 1;
    for (size_t i = 0; i < 4000; i++) {
        same &= d.train.y[i] == d2.train.y[i];
        pm &= d.train.y[i] == 1 || d.train.y[i] == -1;
    }
    CHECK(same && pm, "labels reproducible and in {-1, +1}");
    pl_lofi_data_free(&d);
    pl_lofi_data_free(&d2);
    CHECK(pl_lofi_task_sample(PL_LOFI_TASK_HIER, NULL, 10, 10, 3, &rng, &d, err, sizeof err) ==
              PL_EINVAL && strstr(err, "d") != NULL, "d < 4 accepted");
}

/* A few hundred images: both runs beat chance (1/2) by 3 binomial sigmas on n_test. */
static void test_fmnist_smoke(void)
{
    pl_mat X;
    int *lab;
    size_t n;
    char err[512];
    pl_status st = pl_fmnist_load(NULL, 0, 300, &X, &lab, &n, err, sizeof err);
    if (st == PL_EIO) {
        printf("skipping the Fashion-MNIST smoke test: %s\n", err);
        return;
    }
    CHECK(st == PL_OK && n == 300, "load: %s", err);
    CHECK(lab[0] == 9 && lab[1] == 0, "first labels %d %d (ankle boot, T-shirt)", lab[0], lab[1]);
    double lo = 1, hi = 0;
    for (size_t i = 0; i < n * 784; i++) {
        lo = fmin(lo, X.data[i]);
        hi = fmax(hi, X.data[i]);
    }
    CHECK(lo == 0.0 && hi == 1.0, "pixel range [%g, %g]", lo, hi);
    pl_mat_free(&X);
    free(lab);

    pl_rng rng;
    pl_rng_init(&rng, 1, 0);
    pl_lofi_data d;
    st = pl_lofi_task_sample(PL_LOFI_TASK_FM04, NULL, 300, 200, 0, &rng, &d, err, sizeof err);
    CHECK(st == PL_OK, "task: %s", err);
    if (st != PL_OK) return;
    double lam[13];
    pl_ridge_log_grid(1e-6, 1e6, 13, lam);
    pl_lofi_cfg c = {.nlayers = 1, .P = {200}, .K = {20}, .act = PL_LOFI_RELU, .eps = 1e-6,
                     .ridge = {.intercept = 1, .lambdas = lam, .nlambda = 13}};
    pl_lofi_out o;
    double chance = 0.5 + 3 * 0.5 / sqrt(200.0);
    st = pl_lofi_fc_run(&c, &d, &rng, &o);
    CHECK(st == PL_OK, "fc run: %s", pl_strerror(st));
    CHECK(o.test_acc > chance, "FC LoFi accuracy %g", o.test_acc);
    pl_lofi_cnn_cfg cc = {.P = 16, .K = 4, .pool = 4, .act = PL_LOFI_RELU, .ridge = c.ridge};
    pl_mat filt = pl_mat_alloc(4, 25);
    double eig[4];
    CHECK(pl_lofi_cnn_run(&cc, &d, &rng, &o, eig, filt) == PL_OK, "cnn run");
    CHECK(o.test_acc > chance, "CNN LoFi accuracy %g", o.test_acc);
    for (int k = 1; k < 4; k++) CHECK(fabs(eig[k]) <= fabs(eig[k - 1]), "eigenvalues by modulus");
    pl_mat_free(&filt);
    pl_lofi_data_free(&d);
}

int main(void)
{
    test_idx();
    test_hier();
    test_fmnist_smoke();
    return pl_test_done("test_lofi_data");
}
