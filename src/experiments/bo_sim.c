/* Experiments `bo-student` (Adam) and `bo-hmc` (posterior sampling) for family 9. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/bo.h"
#include "phaselab/experiment.h"
#include "bo_exp.h"

#define ACT_CHOICES "tanh2-nolin|tanh2|relu-nolin|relu|he3|sin-nolin"

/* theory of a (d, k, delta, profile, alpha) point: eps_BO, k_c and the overlaps q (k) */
static pl_status point_theory(const pl_bo_act_type *act, size_t d, size_t k, double delta,
                              int prof, double beta, double tau, double alpha, double *v,
                              pl_bo_fp *r, double *q, char *msg, size_t len)
{
    pl_bo_channel ch;
    pl_status st = pl_bo_exp_channel(act, PL_HERMITE_LMAX, &ch);
    if (st != PL_OK && st != PL_ENOCONV) {
        snprintf(msg, len, "%s", ch.message);
        return st;
    }
    st = pl_bo_profile_fill((pl_bo_profile)prof, prof == PL_BO_POWER ? beta : tau, k, v);
    if (st != PL_OK) {
        snprintf(msg, len, "readout profile could not be normalised");
        return st;
    }
    double nd = (double)pl_bo_exp_n(alpha, d) / (double)d;
    st = pl_bo_solve(&ch, k, v, nd, delta, NULL, r, q);
    if (st != PL_OK) snprintf(msg, len, "BO fixed point: %s", pl_strerror(st));
    return st;
}

/* ---------------------------------------------------------------- bo-student */

enum {
    S_D, S_K, S_DELTA, S_BETA, S_ALPHA, S_PROFILE, S_ACT, S_TAU, S_MODE, S_WIDTH, S_EPOCHS,
    S_NBATCH, S_LR, S_NTEST, S_A0, NSP
};
enum { SM_MSE, SM_REC, SM_WIDTH, SM_TRAIN, SM_EPS, SM_KC, NSM };
enum { MODE_FULL, MODE_KC, MODE_FIXED, MODE_BEST };

static const pl_param_spec s_params[NSP] = {
    [S_D] = {.name = "d", .type = PL_PARAM_INT, .def = 200, .lo = 2, .hi = 1e6, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "input dimension"},
    [S_K] = {.name = "k", .type = PL_PARAM_INT, .def = 100, .lo = 1, .hi = 1e6, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "teacher width (<= d: orthogonal rows)"},
    [S_DELTA] = {.name = "delta", .type = PL_PARAM_REAL, .def = 0.01, .lo = 0, .hi = 1e6, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "label noise variance"},
    [S_BETA] = {.name = "beta", .type = PL_PARAM_REAL, .def = 1.0, .lo = 0, .hi = 100, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "power-law exponent of v"},
    [S_ALPHA] = {.name = "alpha", .type = PL_PARAM_REAL, .def = 2.0, .lo = 0, .hi = 1e6, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "n / d^2"},
    [S_PROFILE] = {.name = "profile", .type = PL_PARAM_CHOICE, .def = 0, .lo = 0, .hi = 0, .lo_open = 0, .hi_open = 0, .choices = "power|dense|exp", .help = "readout profile"},
    [S_ACT] = {.name = "act", .type = PL_PARAM_CHOICE, .def = 1, .lo = 0, .hi = 0, .lo_open = 0, .hi_open = 0, .choices = ACT_CHOICES, .help = "activation of teacher and student (the paper's Adam runs: tanh2)"},
    [S_TAU] = {.name = "tau", .type = PL_PARAM_REAL, .def = 20, .lo = 0, .hi = 1e9, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "decay length of the exp profile"},
    [S_MODE] = {.name = "width_mode", .type = PL_PARAM_CHOICE, .def = 0, .lo = 0, .hi = 0, .lo_open = 0, .hi_open = 0, .choices = "full|kc|fixed|best", .help = "student width: k, k_c(theory), `width`, or the best of 10, 20, ..., k"},
    [S_WIDTH] = {.name = "width", .type = PL_PARAM_INT, .def = 20, .lo = 1, .hi = 1e6, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "width for width_mode=fixed"},
    [S_EPOCHS] = {.name = "epochs", .type = PL_PARAM_INT, .def = 10000, .lo = 1, .hi = 1e8, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "epochs (the paper: 10000)"},
    [S_NBATCH] = {.name = "nbatch", .type = PL_PARAM_INT, .def = 3, .lo = 1, .hi = 1e6, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "sequential full-size minibatches per epoch (batch n/nbatch)"},
    [S_LR] = {.name = "lr", .type = PL_PARAM_REAL, .def = 3e-3, .lo = 0, .hi = 10, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "Adam learning rate"},
    [S_NTEST] = {.name = "ntest", .type = PL_PARAM_INT, .def = 10000, .lo = 1, .hi = 1e8, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "clean test points"},
    [S_A0] = {.name = "a0", .type = PL_PARAM_REAL, .def = -1, .lo = -1, .hi = 1e3, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "readout init; -1: 0, or p^-1/2 for width_mode=kc (the paper's)"},
};
static const char *const s_metrics[NSM] = {"test_mse", "recovered", "width",
                                           "train_loss", "eps_bo", "k_c"};

static const char *s_check(const pl_params *p, char *buf, size_t len)
{
    size_t d = (size_t)p->v[S_D], k = (size_t)p->v[S_K];
    if (k > d) {
        snprintf(buf, len, "k = %zu > d = %zu: the teacher's rows are orthogonal (k <= d)", k, d);
        return buf;
    }
    size_t n = pl_bo_exp_n(p->v[S_ALPHA], d);
    if (n < (size_t)p->v[S_NBATCH]) {
        snprintf(buf, len, "n = %zu samples is fewer than nbatch", n);
        return buf;
    }
    return NULL;
}

/* train one student of width w; returns test MSE, recovered count, last train loss */
static pl_status train_one(const pl_params *p, const pl_bo_teacher *t, pl_mat X,
                           const double *y, pl_mat Xt, const double *yt, size_t w, double a0,
                           pl_rng *rng, double *mse, double *rec, double *train)
{
    size_t d = t->d, n = X.rows, nb = (size_t)p->v[S_NBATCH];
    size_t bs = n / nb, bmax = bs > 4096 ? bs : 4096;
    pl_bo_student s;
    pl_status st = pl_bo_student_init(&s, rng, d, w, t->act, a0, p->v[S_LR], bmax);
    if (st != PL_OK) return st;
    pl_mat gU = pl_mat_alloc(w, d);
    double *ga = malloc(w * sizeof *ga);
    if (!gU.data || !ga) st = PL_ENOMEM;
    size_t ep = (size_t)p->v[S_EPOCHS];
    double L = NAN;
    for (size_t e = 0; e < ep && st == PL_OK; e++) st = pl_bo_student_epoch(&s, X, y, nb, gU, ga, &L);
    if (st == PL_OK) st = pl_bo_student_test(&s, Xt, yt, mse);
    if (st == PL_OK) {
        *rec = (double)pl_bo_recovered(t->W, s.U, 0.7);
        *train = L;
    }
    free(ga);
    pl_mat_free(&gU);
    pl_bo_student_free(&s);
    return st;
}

static pl_status s_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                            pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "sim:adam", 0);
    if (!rec) return PL_ENOMEM;
    size_t d = (size_t)p->v[S_D], k = (size_t)p->v[S_K], nt = (size_t)p->v[S_NTEST];
    size_t n = pl_bo_exp_n(p->v[S_ALPHA], d);
    const pl_bo_act_type *act = pl_bo_exp_act(p->v[S_ACT]);
    double *v = malloc(k * sizeof *v), *q = malloc(k * sizeof *q);
    double *y = malloc(n * sizeof *y), *yt = malloc(nt * sizeof *yt);
    pl_mat X = pl_mat_alloc(n, d), Xt = pl_mat_alloc(nt, d);
    pl_bo_teacher t = {0};
    pl_status st = (v && q && y && yt && X.data && Xt.data) ? PL_OK : PL_ENOMEM;
    pl_bo_fp r = {0};
    char msg[PL_MSG_LEN] = "";
    if (st == PL_OK) {
        st = point_theory(act, d, k, p->v[S_DELTA], (int)p->v[S_PROFILE], p->v[S_BETA],
                          p->v[S_TAU], p->v[S_ALPHA], v, &r, q, msg, sizeof msg);
        if (st != PL_OK) {
            pl_record_fail(rec, st, "%s", msg);
            st = PL_OK;
            goto done;
        }
    }
    pl_rng rt = pl_rng_substream(rng, 1), rx = pl_rng_substream(rng, 2),
           rs = pl_rng_substream(rng, 3);
    if (st == PL_OK) st = pl_bo_teacher_init(&t, &rt, d, k, v, p->v[S_DELTA], act, 1);
    if (st == PL_OK) st = pl_bo_sample(&t, &rx, X, y);
    if (st == PL_OK) {
        t.delta = 0.0; /* clean test labels */
        st = pl_bo_sample(&t, &rx, Xt, yt);
        t.delta = p->v[S_DELTA];
    }
    if (st != PL_OK) goto done;
    int mode = (int)p->v[S_MODE];
    size_t kc = (size_t)r.k_c;
    if (kc == 0) kc = 1;
    double a0 = p->v[S_A0];
    double mse = NAN, recov = NAN, train = NAN, width = NAN;
    if (mode == MODE_BEST) {
        double best = INFINITY;
        for (size_t w = 10; w <= k + 9; w += 10) {
            size_t ww = w > k ? k : w;
            double m1, r1, t1;
            pl_rng rw = pl_rng_substream(&rs, ww);
            st = train_one(p, &t, X, y, Xt, yt, ww, a0 < 0 ? 0.0 : a0, &rw, &m1, &r1, &t1);
            if (st != PL_OK) break;
            if (m1 < best) {
                best = m1;
                mse = m1;
                recov = r1;
                train = t1;
                width = (double)ww;
            }
            if (ww == k) break;
        }
    } else {
        size_t w = mode == MODE_FULL ? k : (mode == MODE_KC ? kc : (size_t)p->v[S_WIDTH]);
        if (a0 < 0) a0 = mode == MODE_KC ? 1.0 / sqrt((double)w) : 0.0;
        st = train_one(p, &t, X, y, Xt, yt, w, a0, &rs, &mse, &recov, &train);
        width = (double)w;
    }
    if (st == PL_ENAN || st == PL_EDIVERGED) {
        pl_record_fail(rec, st, "Adam diverged (NaN loss): try a smaller lr");
        st = PL_OK;
    }
    rec->metric[SM_MSE] = mse;
    rec->metric[SM_REC] = recov;
    rec->metric[SM_WIDTH] = width;
    rec->metric[SM_TRAIN] = train;
    rec->metric[SM_EPS] = r.eps;
    rec->metric[SM_KC] = r.k_c;
done:
    free(v);
    free(q);
    free(y);
    free(yt);
    pl_mat_free(&X);
    pl_mat_free(&Xt);
    pl_bo_teacher_free(&t);
    if (st != PL_OK && st != PL_ENOMEM) {
        pl_record_fail(rec, st, "bo-student: %s", pl_strerror(st));
        st = PL_OK;
    }
    return st;
}

static pl_status s_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    size_t d = (size_t)p->v[S_D], k = (size_t)p->v[S_K];
    double *v = malloc(k * sizeof *v), *q = malloc(k * sizeof *q);
    if (!v || !q) {
        free(v);
        free(q);
        return PL_ENOMEM;
    }
    pl_bo_fp r;
    char msg[PL_MSG_LEN] = "";
    pl_status st = point_theory(pl_bo_exp_act(p->v[S_ACT]), d, k, p->v[S_DELTA],
                                (int)p->v[S_PROFILE], p->v[S_BETA], p->v[S_TAU], p->v[S_ALPHA],
                                v, &r, q, msg, sizeof msg);
    if (st != PL_OK) pl_record_fail(rec, st, "%s", msg);
    /* the BO error is the lower bound for any student's test MSE against clean labels */
    rec->metric[SM_MSE] = r.eps;
    rec->metric[SM_EPS] = r.eps;
    rec->metric[SM_KC] = r.k_c;
    rec->metric[SM_REC] = r.k_c;
    free(v);
    free(q);
    return st == PL_ENOMEM ? st : PL_OK;
}

const pl_experiment pl_exp_bo_student = {
    .name = "bo-student",
    .summary = "Adam-trained two-layer student vs the Bayes-optimal error (full width, width "
               "k_c, best width, fixed width)",
    .description =
        "Teacher as in bo-width with orthogonal rows of norm sqrt(d); student f(x) = sum_j a_j "
        "sigma(u_j.x), p rows, PyTorch's Linear init divided by sqrt(d), trainable readout "
        "(a0 = 0, or p^-1/2 for width k_c), Adam (lr 3e-3, defaults b1 .9, b2 .999) on the "
        "MSE over `nbatch` sequential minibatches per epoch, every row renormalised to unit "
        "norm after each epoch. test_mse: MSE against clean labels (not halved); recovered: "
        "teacher features with max |cosine| > 0.7 to a student row. The theory record gives "
        "eps_BO (as test_mse: the Bayes lower bound) and k_c (as recovered). The paper's "
        "runs (d = 200, n = alpha d^2, 10000 epochs) take hours on a CPU; the default sweep "
        "is a scaled-down version.",
    .params = s_params,
    .n_params = NSP,
    .metrics = s_metrics,
    .n_metrics = NSM,
    .default_sweep = "d=40 k=20 alpha=1,2,4,8 width_mode=full,kc epochs=300 ntest=4000",
    .default_seeds = 3,
    .plot_x = "alpha",
    .plot_y = "test_mse,recovered",
    .plot_logx = 1,
    .plot_logy = 1,
    .check = s_check,
    .simulate = s_simulate,
    .theory = s_theory,
};

/* ---------------------------------------------------------------- bo-hmc */

enum {
    H_D, H_K, H_DELTA, H_BETA, H_ALPHA, H_PROFILE, H_ACT, H_TAU, H_SAMPLES, H_KEEP, H_LEAP,
    H_STEP, H_NTEST, H_ORTH, H_INIT, NHP
};
enum { HM_GIBBS, HM_EPS, HM_KC, HM_ACC, HM_STEP, HM_OV, NHM };

static const pl_param_spec h_params[NHP] = {
    [H_D] = {.name = "d", .type = PL_PARAM_INT, .def = 40, .lo = 2, .hi = 1e5, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "input dimension"},
    [H_K] = {.name = "k", .type = PL_PARAM_INT, .def = 20, .lo = 1, .hi = 1e5, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "teacher width"},
    [H_DELTA] = {.name = "delta", .type = PL_PARAM_REAL, .def = 0.04, .lo = 0, .hi = 1e6, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "label noise variance"},
    [H_BETA] = {.name = "beta", .type = PL_PARAM_REAL, .def = 0.3, .lo = 0, .hi = 100, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "power-law exponent of v"},
    [H_ALPHA] = {.name = "alpha", .type = PL_PARAM_REAL, .def = 1.0, .lo = 0, .hi = 1e6, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "n / d^2"},
    [H_PROFILE] = {.name = "profile", .type = PL_PARAM_CHOICE, .def = 0, .lo = 0, .hi = 0, .lo_open = 0, .hi_open = 0, .choices = "power|dense|exp", .help = "readout profile"},
    [H_ACT] = {.name = "act", .type = PL_PARAM_CHOICE, .def = 0, .lo = 0, .hi = 0, .lo_open = 0, .hi_open = 0, .choices = ACT_CHOICES, .help = "activation (the paper's HMC: tanh2-nolin)"},
    [H_TAU] = {.name = "tau", .type = PL_PARAM_REAL, .def = 20, .lo = 0, .hi = 1e9, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "decay length of the exp profile"},
    [H_SAMPLES] = {.name = "samples", .type = PL_PARAM_INT, .def = 2000, .lo = 1, .hi = 1e8, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "HMC proposals (all with step-size adaptation, as the paper)"},
    [H_KEEP] = {.name = "keep", .type = PL_PARAM_INT, .def = 400, .lo = 1, .hi = 1e8, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "last samples over which the test error is averaged"},
    [H_LEAP] = {.name = "leapfrog", .type = PL_PARAM_INT, .def = 10, .lo = 1, .hi = 1e5, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "leapfrog steps"},
    [H_STEP] = {.name = "step", .type = PL_PARAM_REAL, .def = 0.01, .lo = 0, .hi = 10, .lo_open = 1, .hi_open = 0, .choices = NULL, .help = "initial step size"},
    [H_NTEST] = {.name = "ntest", .type = PL_PARAM_INT, .def = 40000, .lo = 1, .hi = 1e8, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "clean test points"},
    [H_ORTH] = {.name = "orth", .type = PL_PARAM_INT, .def = 0, .lo = 0, .hi = 1, .lo_open = 0, .hi_open = 0, .choices = NULL, .help = "teacher rows: 0 = i.i.d. N(0,1) (the prior: Nishimori exact), 1 = orthogonal"},
    [H_INIT] = {.name = "init", .type = PL_PARAM_CHOICE, .def = 0, .lo = 0, .hi = 0, .lo_open = 0, .hi_open = 0, .choices = "informed|random", .help = "informed: first k_c(theory) rows = the teacher's, the rest N(0,1)"},
};
static const char *const h_metrics[NHM] = {"gibbs_err", "eps_hmc",    "k_c",
                                           "accept",    "step_final", "overlap_kc"};

static const char *h_check(const pl_params *p, char *buf, size_t len)
{
    if ((int)p->v[H_ORTH] && p->v[H_K] > p->v[H_D]) {
        snprintf(buf, len, "orth=1 needs k <= d");
        return buf;
    }
    if (p->v[H_KEEP] > p->v[H_SAMPLES]) {
        snprintf(buf, len, "keep = %g exceeds samples = %g", p->v[H_KEEP], p->v[H_SAMPLES]);
        return buf;
    }
    return NULL;
}

static pl_status h_simulate(const pl_experiment *e, const pl_params *p, pl_rng *rng,
                            pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "sim:hmc", 0);
    if (!rec) return PL_ENOMEM;
    size_t d = (size_t)p->v[H_D], k = (size_t)p->v[H_K], nt = (size_t)p->v[H_NTEST];
    size_t n = pl_bo_exp_n(p->v[H_ALPHA], d);
    const pl_bo_act_type *act = pl_bo_exp_act(p->v[H_ACT]);
    double *v = malloc(k * sizeof *v), *q = malloc(k * sizeof *q), *ov = malloc(k * sizeof *ov);
    double *y = malloc((n ? n : 1) * sizeof *y), *yt = malloc(nt * sizeof *yt);
    pl_mat X = pl_mat_alloc(n ? n : 1, d), Xt = pl_mat_alloc(nt, d), W = pl_mat_alloc(k, d);
    pl_bo_teacher t = {0};
    pl_status st = (v && q && ov && y && yt && X.data && Xt.data && W.data) ? PL_OK : PL_ENOMEM;
    pl_bo_fp r = {0};
    char msg[PL_MSG_LEN] = "";
    if (st == PL_OK && n == 0) {
        pl_record_fail(rec, PL_EINVAL, "n = alpha d^2 rounds to 0 samples");
        goto done;
    }
    if (st == PL_OK) {
        st = point_theory(act, d, k, p->v[H_DELTA], (int)p->v[H_PROFILE], p->v[H_BETA],
                          p->v[H_TAU], p->v[H_ALPHA], v, &r, q, msg, sizeof msg);
        if (st != PL_OK) {
            pl_record_fail(rec, st, "%s", msg);
            st = PL_OK;
            goto done;
        }
    }
    pl_rng rt = pl_rng_substream(rng, 1), rx = pl_rng_substream(rng, 2),
           rh = pl_rng_substream(rng, 3);
    if (st == PL_OK)
        st = pl_bo_teacher_init(&t, &rt, d, k, v, p->v[H_DELTA], act, (int)p->v[H_ORTH]);
    if (st == PL_OK) st = pl_bo_sample(&t, &rx, X, y);
    if (st == PL_OK) {
        t.delta = 0.0;
        st = pl_bo_sample(&t, &rx, Xt, yt);
        t.delta = p->v[H_DELTA];
    }
    if (st != PL_OK) goto done;
    /* informed initialisation: first k_c rows from the teacher, the rest from the prior */
    pl_rng_normal_mat(&rh, W, 1.0);
    size_t kc = (int)p->v[H_INIT] == 0 ? (size_t)r.k_c : 0;
    for (size_t i = 0; i < kc; i++) memcpy(&PL_AT(W, i, 0), &PL_AT(t.W, i, 0), d * sizeof(double));
    pl_bo_hmc_opts o = pl_bo_hmc_default_opts();
    o.nsamples = o.nadapt = (size_t)p->v[H_SAMPLES];
    o.nkeep = (size_t)p->v[H_KEEP];
    o.leapfrog = (size_t)p->v[H_LEAP];
    o.step = p->v[H_STEP];
    pl_bo_hmc_result hr = {.overlaps = ov};
    st = pl_bo_hmc(&t, X, y, Xt, yt, &rh, &o, W, &hr);
    if (st == PL_ENAN) {
        pl_record_fail(rec, st, "HMC produced a NaN (step size too large?)");
        st = PL_OK;
        goto done;
    }
    if (st != PL_OK) goto done;
    rec->metric[HM_GIBBS] = hr.gibbs;
    rec->metric[HM_EPS] = 0.5 * hr.gibbs;
    rec->metric[HM_KC] = r.k_c;
    rec->metric[HM_ACC] = hr.accept;
    rec->metric[HM_STEP] = hr.step;
    if (r.k_c >= 1) rec->metric[HM_OV] = ov[(size_t)r.k_c - 1];
done:
    free(v);
    free(q);
    free(ov);
    free(y);
    free(yt);
    pl_mat_free(&X);
    pl_mat_free(&Xt);
    pl_mat_free(&W);
    pl_bo_teacher_free(&t);
    if (st != PL_OK && st != PL_ENOMEM) {
        pl_record_fail(rec, st, "bo-hmc: %s", pl_strerror(st));
        st = PL_OK;
    }
    return st;
}

static pl_status h_theory(const pl_experiment *e, const pl_params *p, pl_records *out)
{
    (void)e;
    pl_record *rec = pl_records_add(out, p, "theory", -1);
    if (!rec) return PL_ENOMEM;
    size_t d = (size_t)p->v[H_D], k = (size_t)p->v[H_K];
    double *v = malloc(k * sizeof *v), *q = malloc(k * sizeof *q);
    if (!v || !q) {
        free(v);
        free(q);
        return PL_ENOMEM;
    }
    pl_bo_fp r;
    char msg[PL_MSG_LEN] = "";
    pl_status st = point_theory(pl_bo_exp_act(p->v[H_ACT]), d, k, p->v[H_DELTA],
                                (int)p->v[H_PROFILE], p->v[H_BETA], p->v[H_TAU], p->v[H_ALPHA],
                                v, &r, q, msg, sizeof msg);
    if (st != PL_OK) pl_record_fail(rec, st, "%s", msg);
    rec->metric[HM_GIBBS] = 2.0 * r.eps; /* Nishimori: Gibbs error = 2 eps_BO */
    rec->metric[HM_EPS] = r.eps;
    rec->metric[HM_KC] = r.k_c;
    if (r.k_c >= 1 && st == PL_OK) rec->metric[HM_OV] = q[(size_t)r.k_c - 1];
    free(v);
    free(q);
    return st == PL_ENOMEM ? st : PL_OK;
}

const pl_experiment pl_exp_bo_hmc = {
    .name = "bo-hmc",
    .summary = "Hamiltonian Monte Carlo on the posterior of extensive-width networks vs the BO "
               "theory (Gibbs error = 2 eps_BO)",
    .description =
        "Posterior over W (k x d) with prior N(0,1) entries, likelihood exp(-sum (y - "
        "f_W(x))^2/(2 delta)), readout v known. HMC with `leapfrog` steps, step-size "
        "adaptation (x(1 + 0.01) when the acceptance probability exceeds 0.75, /(1 + 0.01) "
        "otherwise) during all `samples`, informed initialisation (rows i <= k_c(theory) "
        "set to the teacher's, the rest drawn from the prior). gibbs_err = mean over the last "
        "`keep` samples of E_x (f_W(x) - f*(x))^2 (on `ntest` clean points), eps_hmc = "
        "gibbs_err/2 (the paper's halved convention), overlap_kc = cosine of row k_c with "
        "the teacher's (theory: m_e). The theory record gives gibbs_err = 2 eps_BO.",
    .params = h_params,
    .n_params = NHP,
    .metrics = h_metrics,
    .n_metrics = NHM,
    .default_sweep = "d=40 k=20 alpha=0.25,0.5,1,1.5,2 samples=300 keep=150 ntest=4000",
    .default_seeds = 3,
    .plot_x = "alpha",
    .plot_y = "eps_hmc,overlap_kc",
    .check = h_check,
    .simulate = h_simulate,
    .theory = h_theory,
};
