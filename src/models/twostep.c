/* Family 6 model: activations, targets, teacher and data sampling, the network output and loss
 * (the gradient steps: src/algos/twostep_gd.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phaselab/hermite.h"
#include "phaselab/twostep.h"

/* ---- activations ------------------------------------------------------------------------ */

static double exp_f(double z) { return exp(0.5 * z); }
static double exp_df(double z) { return 0.5 * exp(0.5 * z); }
static void exp_fdf(double z, double *f, double *df)
{
    double e = exp(0.5 * z);
    *f = e;
    *df = 0.5 * e;
}
static double exp_deriv(unsigned m, double z) { return ldexp(exp(0.5 * z), -(int)m); }
static pl_status exp_hermite(size_t L, double *mu)
{
    /* E[e^{z/2} He_k(z)] = E[(d/dz)^k e^{z/2}] = e^{1/8} 2^{-k} */
    for (size_t k = 0; k <= L; k++) mu[k] = ldexp(exp(0.125), -(int)k);
    return PL_OK;
}

/* p(T) -> p'(T) (1 - T^2) on coefficient arrays (degree grows by one). */
static void tanh_poly_step(const double *p, size_t deg, double *q)
{
    for (size_t i = 0; i <= deg + 1; i++) q[i] = 0;
    for (size_t i = 1; i <= deg; i++) {
        double c = (double)i * p[i]; /* coefficient of T^{i-1} in p' */
        q[i - 1] += c;
        q[i + 1] -= c;
    }
}

/* m-th derivative of tanh as a polynomial in T = tanh z */
static double tanh_deriv(unsigned m, double z)
{
    if (m > PL_TS_DMAX) return NAN;
    double p[PL_TS_DMAX + 3] = {0}, q[PL_TS_DMAX + 3];
    p[1] = 1; /* T */
    size_t deg = 1;
    for (unsigned s = 0; s < m; s++) {
        tanh_poly_step(p, deg, q);
        deg++;
        memcpy(p, q, (deg + 1) * sizeof *p);
    }
    double T = tanh(z), v = 0;
    for (size_t i = deg + 1; i-- > 0;) v = v * T + p[i];
    return v;
}

static double softplus(double z) { return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)); }
static double sigmoid(double z)
{
    if (z >= 0) return 1 / (1 + exp(-z));
    double e = exp(z);
    return e / (1 + e);
}

/* m-th derivative of softplus (m >= 1) as a polynomial in S = sigmoid(z): S' = S - S^2 */
static double softplus_deriv(unsigned m, double z)
{
    if (m == 0) return softplus(z);
    if (m > PL_TS_DMAX) return NAN;
    double p[PL_TS_DMAX + 3] = {0}, q[PL_TS_DMAX + 3];
    p[1] = 1; /* S */
    size_t deg = 1;
    for (unsigned s = 1; s < m; s++) {
        for (size_t i = 0; i <= deg + 1; i++) q[i] = 0;
        for (size_t i = 1; i <= deg; i++) {
            double c = (double)i * p[i]; /* S^{i-1} times S - S^2 */
            q[i] += c;
            q[i + 1] -= c;
        }
        deg++;
        memcpy(p, q, (deg + 1) * sizeof *p);
    }
    double S = sigmoid(z), v = 0;
    for (size_t i = deg + 1; i-- > 0;) v = v * S + p[i];
    return v;
}

static double tanh_f(double z) { return tanh(z); }
static double tanh_df(double z)
{
    double t = tanh(z);
    return 1 - t * t;
}
static double tsp_f(double z) { return tanh(z) + softplus(z); }
static double tsp_df(double z) { return tanh_df(z) + sigmoid(z); }
static void tanh_fdf(double z, double *f, double *df)
{
    double t = tanh(z);
    *f = t;
    *df = 1 - t * t;
}
/* tanh z + log(1 + e^z) and its derivative from e = exp(-|z|) and e^2 */
static void tsp_fdf(double z, double *f, double *df)
{
    double az = fabs(z), e = exp(-az), e2 = e * e;
    double th = (1 - e2) / (1 + e2), sg = 1 / (1 + e);
    if (z < 0) {
        th = -th;
        sg = e * sg;
    }
    *f = th + (z > 0 ? z : 0) + log1p(e);
    *df = 1 - th * th + sg;
}
static double tsp_deriv(unsigned m, double z)
{
    return m == 0 ? tsp_f(z) : tanh_deriv(m, z) + softplus_deriv(m, z);
}

static double fn1_tanh(double z, void *ctx)
{
    (void)ctx;
    return tanh(z);
}
static double fn1_tsp(double z, void *ctx)
{
    (void)ctx;
    return tsp_f(z);
}
/* Smooth, analytic in a strip: Gauss–Hermite converges geometrically; 2L + 100 nodes reach
 * round-off for the orders used here (checked against the derivative tables in the tests). */
static pl_status tanh_hermite(size_t L, double *mu)
{
    return pl_hermite_coeffs(fn1_tanh, NULL, L, 2 * L + 100, mu);
}
static pl_status tsp_hermite(size_t L, double *mu)
{
    return pl_hermite_coeffs(fn1_tsp, NULL, L, 2 * L + 100, mu);
}

static double relu_f(double z) { return z > 0 ? z : 0; }
static double relu_df(double z) { return z > 0 ? 1 : 0; }
static void relu_fdf(double z, double *f, double *df)
{
    *f = z > 0 ? z : 0;
    *df = z > 0 ? 1 : 0;
}
static double relu_deriv(unsigned m, double z)
{
    if (m == 0) return relu_f(z);
    if (m == 1) return relu_df(z);
    return NAN;
}
static pl_status relu_hermite(size_t L, double *mu)
{
    /* mu_0 = phi(0), mu_1 = 1/2, mu_k = E[delta^{(k-2)}(z)] = phi(0) He_{k-2}(0) (k >= 2),
     * He_j(0) = 0 for odd j and (-1)^{j/2} (j-1)!! for even j. */
    const double phi0 = 0.3989422804014327;
    for (size_t k = 0; k <= L; k++) {
        if (k == 0) mu[k] = phi0;
        else if (k == 1) mu[k] = 0.5;
        else if ((k - 2) % 2) mu[k] = 0;
        else {
            double h = 1;
            for (size_t j = 1; j + 2 <= k - 1; j += 2) h *= -(double)j; /* (-1)^{m} (2m-1)!! */
            mu[k] = phi0 * h;
        }
    }
    return PL_OK;
}

/* Structural zeros of the Hermite coefficients. exp(z/2): none. tanh: odd, so mu_k = 0 for
 * even k. ReLU: mu_k = phi(0) He_{k-2}(0) vanishes for odd k >= 3. tanh + softplus: softplus
 * is z/2 plus an even function, tanh is odd; the odd coefficients come from tanh (and the 1/2
 * of softplus), the even ones from softplus: none vanishes by symmetry. */
static int zero_none(size_t k)
{
    (void)k;
    return 0;
}
static int zero_even(size_t k) { return k % 2 == 0; }
static int zero_odd_ge3(size_t k) { return k >= 3 && k % 2 == 1; }

const pl_ts_act pl_ts_act_exp = {"exp",     exp_f,       exp_df,    exp_fdf,
                                 exp_deriv, exp_hermite, zero_none, 1};
const pl_ts_act pl_ts_act_tanh_softplus = {"tanh+softplus", tsp_f,       tsp_df,    tsp_fdf,
                                           tsp_deriv,       tsp_hermite, zero_none, 1};
const pl_ts_act pl_ts_act_relu = {"relu",     relu_f,       relu_df,      relu_fdf,
                                  relu_deriv, relu_hermite, zero_odd_ge3, 0};
const pl_ts_act pl_ts_act_tanh = {"tanh",     tanh_f,       tanh_df,   tanh_fdf,
                                  tanh_deriv, tanh_hermite, zero_even, 1};

const pl_ts_act *const pl_ts_acts[PL_TS_NACT + 1] = {
    &pl_ts_act_exp, &pl_ts_act_tanh_softplus, &pl_ts_act_relu, &pl_ts_act_tanh, NULL};

const pl_ts_act *pl_ts_act_find(const char *name)
{
    for (size_t i = 0; i < PL_TS_NACT; i++)
        if (strcmp(pl_ts_acts[i]->name, name) == 0) return pl_ts_acts[i];
    return NULL;
}

int pl_ts_hermite_numzero(const double *mu, size_t k, double esig2)
{
    double fk = 1;
    for (size_t j = 2; j <= k; j++) fk *= (double)j;
    return fabs(mu[k]) < PL_TS_ZERO * sqrt(fk * esig2);
}

/* ---- targets ----------------------------------------------------------------------------- */

double pl_ts_link_eval(pl_ts_link l, double z)
{
    switch (l) {
    case PL_TS_LINK_HE1: return z;
    case PL_TS_LINK_HE2: return (z * z - 1) / sqrt(2.0);
    case PL_TS_LINK_HE3: return (z * z * z - 3 * z) / sqrt(6.0);
    case PL_TS_LINK_HE4: return (z * z * z * z - 6 * z * z + 3) / sqrt(24.0);
    case PL_TS_LINK_TANH: return tanh(z);
    case PL_TS_LINK_RELU: return z > 0 ? z : 0;
    }
    return NAN;
}

pl_status pl_ts_target_parse(const char *name, int multi, pl_ts_target *t)
{
    static const struct {
        const char *s;
        pl_ts_link l;
    } links[] = {{"he1", PL_TS_LINK_HE1}, {"he2", PL_TS_LINK_HE2}, {"he3", PL_TS_LINK_HE3},
                 {"he4", PL_TS_LINK_HE4}, {"tanh", PL_TS_LINK_TANH}, {"relu", PL_TS_LINK_RELU}};
    memset(t, 0, sizeof *t);
    char buf[128];
    if (!name || strlen(name) >= sizeof buf) return PL_EINVAL;
    strcpy(buf, name);
    char *save = NULL;
    for (char *w = strtok_r(buf, "+", &save); w; w = strtok_r(NULL, "+", &save)) {
        if (t->nterms == PL_TS_MAXTERMS) return PL_EINVAL;
        size_t i, nl = sizeof links / sizeof links[0];
        for (i = 0; i < nl; i++)
            if (strcmp(w, links[i].s) == 0) break;
        if (i == nl) return PL_ENOTFOUND;
        t->link[t->nterms] = links[i].l;
        t->dir[t->nterms] = multi ? t->nterms : 0;
        t->nterms++;
    }
    if (t->nterms == 0) return PL_EINVAL;
    t->r = multi ? t->nterms : 1;
    t->scale = 1 / sqrt((double)t->nterms);
    return PL_OK;
}

double pl_ts_target_eval(const pl_ts_target *t, const double *z)
{
    double s = 0;
    for (size_t i = 0; i < t->nterms; i++) s += pl_ts_link_eval(t->link[i], z[t->dir[i]]);
    return t->scale * s;
}

/* ---- configuration ------------------------------------------------------------------------ */

const char *pl_ts_config_check(const pl_ts_config *c, char *buf, size_t len)
{
    if (c->N < 1 || c->d < 1 || c->n < 1) {
        snprintf(buf, len, "N, d and n must be positive (got N=%zu, d=%zu, n=%zu)", c->N, c->d,
                 c->n);
        return buf;
    }
    for (int t = 1; t <= 2; t++) {
        double a = t == 1 ? c->alpha1 : c->alpha2;
        if (!(a >= 0 && a < 0.5)) {
            snprintf(buf, len,
                     "alpha%d = %g is outside [0, 1/2): the step eta%d = eta0 N^alpha%d must "
                     "grow more slowly than sqrt(N)",
                     t, a, t, t);
            return buf;
        }
    }
    if (!(c->eta0 > 0) || !isfinite(c->eta0)) {
        snprintf(buf, len, "eta0 = %g: the step-size prefactor must be positive", c->eta0);
        return buf;
    }
    if (!(c->noise >= 0) || !isfinite(c->noise)) {
        snprintf(buf, len, "noise = %g: the label noise must be >= 0", c->noise);
        return buf;
    }
    if (!c->act) {
        snprintf(buf, len, "no activation");
        return buf;
    }
    if (c->target.nterms < 1 || c->target.r < 1) {
        snprintf(buf, len, "empty target");
        return buf;
    }
    if (c->target.r > c->d) {
        snprintf(buf, len, "the target has %zu directions but d = %zu", c->target.r, c->d);
        return buf;
    }
    double cells = (double)c->N * (double)c->d * 3 + (double)c->n * ((double)c->d + c->N);
    if (cells * 8 > 64e9) {
        snprintf(buf, len, "N=%zu, d=%zu, n=%zu needs %.0f GB of memory: too large", c->N, c->d,
                 c->n, cells * 8 / 1e9);
        return buf;
    }
    return NULL;
}

double pl_ts_eta(const pl_ts_config *c, int step)
{
    return c->eta0 * pow((double)c->N, step == 1 ? c->alpha1 : c->alpha2);
}

/* ---- data and the network ------------------------------------------------------------------ */

void pl_ts_sample_batch(const pl_ts_config *c, pl_mat B, pl_rng *rng, pl_mat X, double *y)
{
    pl_rng_normal_mat(rng, X, 1.0);
    size_t r = c->target.r;
    double z[PL_TS_MAXTERMS];
    for (size_t mu = 0; mu < X.rows; mu++) {
        const double *x = &PL_AT(X, mu, 0);
        for (size_t j = 0; j < r; j++) z[j] = pl_dot(X.cols, x, &PL_AT(B, j, 0));
        y[mu] = pl_ts_target_eval(&c->target, z);
    }
    if (c->noise > 0)
        for (size_t mu = 0; mu < X.rows; mu++) y[mu] += c->noise * pl_rng_normal(rng);
}

pl_status pl_ts_forward(const pl_ts_act *act, pl_mat W, const double *a, pl_mat X, pl_mat Z,
                        double *f)
{
    pl_status st = pl_gemm(PL_NOTRANS, PL_TRANS, 1.0, X, W, 0.0, Z);
    if (st != PL_OK) return st;
    double s = 1 / sqrt((double)W.rows);
    for (size_t mu = 0; mu < Z.rows; mu++) {
        const double *zr = &PL_AT(Z, mu, 0);
        double acc = 0;
        for (size_t i = 0; i < Z.cols; i++) acc += a[i] * act->f(zr[i]);
        f[mu] = s * acc;
    }
    return PL_OK;
}

pl_status pl_ts_loss(const pl_ts_act *act, pl_mat W, const double *a, pl_mat X,
                     const double *y, pl_mat Z, double *f, double *loss)
{
    pl_status st = pl_ts_forward(act, W, a, X, Z, f);
    if (st != PL_OK) return st;
    double l = 0;
    for (size_t mu = 0; mu < X.rows; mu++) l += (y[mu] - f[mu]) * (y[mu] - f[mu]);
    *loss = l / (2.0 * (double)X.rows);
    return isfinite(*loss) ? PL_OK : PL_ENAN;
}

/* Orthonormal teacher directions: rows of B from the QR of a Gaussian d x r matrix. */
pl_status pl_ts_sample_teacher(pl_rng *rng, pl_mat B)
{
    pl_mat G = pl_mat_alloc(B.cols, B.rows);
    if (!G.data) return PL_ENOMEM;
    pl_rng_normal_mat(rng, G, 1.0);
    pl_mat R = {0};
    pl_status st = pl_qr(G, R);
    if (st == PL_OK) pl_mat_transpose(B, G);
    pl_mat_free(&G);
    return st;
}
