/* Counter-based random numbers (Philox4x32-10) with explicit state.
 *
 * A stream is keyed by (seed, stream id): two different keys give statistically independent
 * sequences, and the numbers a stream yields depend only on its key and how many were drawn,
 * never on threads, MPI ranks or scheduling. Convention: one stream per (experiment cell, seed);
 * derive sub-streams for independent parts (teacher, data, init) with pl_rng_substream.
 */
#ifndef PHASELAB_RNG_H
#define PHASELAB_RNG_H

#include <stddef.h>
#include <stdint.h>
#include "phaselab/mat.h"
#include "phaselab/api.h"

PL_BEGIN_DECLS

typedef struct {
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t out[4];
    unsigned pos;        /* next unused word of out (4 = exhausted) */
    int has_spare;
    double spare;
} pl_rng;

void pl_rng_init(pl_rng *r, uint64_t seed, uint64_t stream);
/* A new independent stream derived from r's key and a label (does not advance r). */
pl_rng pl_rng_substream(const pl_rng *r, uint64_t label);
/* 64-bit hash (splitmix64 finaliser) for turning strings/ids into stream ids. */
uint64_t pl_hash64(uint64_t x);
uint64_t pl_hash_str(const char *s);

uint32_t pl_rng_u32(pl_rng *r);
uint64_t pl_rng_u64(pl_rng *r);
double pl_rng_uniform(pl_rng *r);                 /* in (0, 1) */
double pl_rng_normal(pl_rng *r);                  /* N(0, 1) */
void pl_rng_normal_fill(pl_rng *r, double *x, size_t n, double sd);
void pl_rng_normal_mat(pl_rng *r, pl_mat m, double sd);

/* GOE: symmetric, off-diagonal N(0, sd^2), diagonal N(0, 2 sd^2). */
void pl_rng_goe(pl_rng *r, pl_mat m, double sd);
/* Haar-distributed orthogonal matrix (QR of a Gaussian with the sign fix). */
pl_status pl_rng_haar_orthogonal(pl_rng *r, pl_mat Q);
/* Wishart W = G^T G with G n x d standard Gaussian (W is d x d, unnormalised). */
pl_status pl_rng_wishart(pl_rng *r, size_t n, pl_mat W);

PL_END_DECLS

#endif
