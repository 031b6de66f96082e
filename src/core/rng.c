#include "phaselab/rng.h"

#include <math.h>
#include <stdlib.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static void philox_round(uint32_t c[4], const uint32_t k[2])
{
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t n0 = hi1 ^ c[1] ^ k[0];
    uint32_t n2 = hi0 ^ c[3] ^ k[1];
    c[0] = n0; c[1] = lo1; c[2] = n2; c[3] = lo0;
}

static void philox10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
    uint32_t k[2] = {key[0], key[1]};
    for (int i = 0; i < 10; i++) {
        philox_round(c, k);
        k[0] += PHILOX_W0;
        k[1] += PHILOX_W1;
    }
    out[0] = c[0]; out[1] = c[1]; out[2] = c[2]; out[3] = c[3];
}

uint64_t pl_hash64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t pl_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a, then mixed */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return pl_hash64(h);
}

void pl_rng_init(pl_rng *r, uint64_t seed, uint64_t stream)
{
    /* key from the seed; the stream id occupies the upper half of the 128-bit counter */
    uint64_t k = pl_hash64(seed);
    r->key[0] = (uint32_t)k;
    r->key[1] = (uint32_t)(k >> 32);
    r->ctr[0] = 0;
    r->ctr[1] = 0;
    r->ctr[2] = (uint32_t)stream;
    r->ctr[3] = (uint32_t)(stream >> 32);
    r->pos = 4;
    r->has_spare = 0;
    r->spare = 0;
}

pl_rng pl_rng_substream(const pl_rng *r, uint64_t label)
{
    pl_rng s;
    uint64_t seed = ((uint64_t)r->key[1] << 32 | r->key[0]);
    uint64_t stream = ((uint64_t)r->ctr[3] << 32 | r->ctr[2]);
    pl_rng_init(&s, pl_hash64(seed ^ pl_hash64(label + 0x5bd1e995ull)), stream);
    return s;
}

uint32_t pl_rng_u32(pl_rng *r)
{
    if (r->pos >= 4) {
        philox10(r->ctr, r->key, r->out);
        if (++r->ctr[0] == 0) ++r->ctr[1];
        r->pos = 0;
    }
    return r->out[r->pos++];
}

uint64_t pl_rng_u64(pl_rng *r)
{
    uint64_t hi = pl_rng_u32(r);
    return hi << 32 | pl_rng_u32(r);
}

double pl_rng_uniform(pl_rng *r)
{
    /* 53 random bits, shifted off zero: (k + 0.5) / 2^53 */
    return ((double)(pl_rng_u64(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double pl_rng_normal(pl_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1 = pl_rng_uniform(r), u2 = pl_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1));
    double th = 6.283185307179586 * u2;
    r->spare = rad * sin(th);
    r->has_spare = 1;
    return rad * cos(th);
}

void pl_rng_normal_fill(pl_rng *r, double *x, size_t n, double sd)
{
    for (size_t i = 0; i < n; i++) x[i] = sd * pl_rng_normal(r);
}

void pl_rng_normal_mat(pl_rng *r, pl_mat m, double sd)
{
    for (size_t i = 0; i < m.rows; i++) pl_rng_normal_fill(r, m.data + i * m.stride, m.cols, sd);
}

void pl_rng_goe(pl_rng *r, pl_mat m, double sd)
{
    size_t n = m.rows;
    for (size_t i = 0; i < n; i++) {
        PL_AT(m, i, i) = sqrt(2.0) * sd * pl_rng_normal(r);
        for (size_t j = i + 1; j < n; j++) {
            double g = sd * pl_rng_normal(r);
            PL_AT(m, i, j) = g;
            PL_AT(m, j, i) = g;
        }
    }
}

pl_status pl_rng_haar_orthogonal(pl_rng *r, pl_mat Q)
{
    size_t n = Q.rows;
    if (Q.cols != n) return PL_EINVAL;
    pl_mat R = pl_mat_alloc(n, n);
    if (!R.data) return PL_ENOMEM;
    pl_rng_normal_mat(r, Q, 1.0);
    pl_status st = pl_qr(Q, R);
    if (st == PL_OK) {
        /* Q <- Q diag(sign(R_ii)) makes the law exactly Haar (Mezzadri 2007) */
        for (size_t j = 0; j < n; j++)
            if (PL_AT(R, j, j) < 0)
                for (size_t i = 0; i < n; i++) PL_AT(Q, i, j) = -PL_AT(Q, i, j);
    }
    pl_mat_free(&R);
    return st;
}

pl_status pl_rng_wishart(pl_rng *r, size_t n, pl_mat W)
{
    size_t d = W.rows;
    pl_mat G = pl_mat_alloc(n, d);
    if (!G.data) return PL_ENOMEM;
    pl_rng_normal_mat(r, G, 1.0);
    pl_status st = pl_syrk(PL_TRANS, 1.0, G, 0.0, W);
    pl_mat_free(&G);
    return st;
}
