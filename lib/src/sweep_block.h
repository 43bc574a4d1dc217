/*
 * sweep_block.h - the solver's sweep over one block of losses, in vector
 * lanes (sweep_block.c), and what it accumulates.  Internal to liblmp.
 */
#ifndef LMP_SWEEP_BLOCK_H
#define LMP_SWEEP_BLOCK_H

#include <stddef.h>

#include "lmp_internal.h"

/*
 * The sweep is the solver's main cost next to the weight pass, so its loop is
 * written with GCC/Clang vector extensions: eight losses at a time, compared
 * in float (the pivots are float values, so this is exact), counted in int
 * lanes, and summed in double lanes after widening.  The lanes are added up
 * in a fixed order at the end, so the result does not depend on the
 * instruction set the clones in sweep_block.c run on.
 */
typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));

/* Per-lane accumulators of a sweep.  The int counts hold one block
 * (SWEEP_BLOCK losses at most) and are then added to the size_t totals. */
typedef struct sweep_acc {
    size_t n_ok;  /* finite and >= 0 (not counted by strict sweeps) */
    int any_bad;  /* strict sweeps: a loss is negative, NaN or Inf */
    size_t n_pos; /* finite and > 0 */
    size_t cnt_hi;
    v8f min; /* smallest used value, NaN aside: < 0 means a negative loss */
    v4d sum[2];
    v4d sum_hi[2];
    v4d s_lo[2];
} sweep_acc;

#define SWEEP_BLOCK ((size_t)1 << 20)

/* Pivots and options of one sweep. */
typedef struct sweep_cfg {
    float a;
    float b;
    double inv_a;
    double q;
    int p_one; /* candidates are [a, b) instead of (a, b) */
} sweep_cfg;

/* How the losses <= a are folded in the sweep: not at all, or as r^k for k =
 * 1..4.  A non-integer q is folded by a pass of its own (lmpi_fold_real),
 * which runs the vector power in eight lanes where AVX-512 is there. */
enum { FOLD_NONE = 0, FOLD_REAL = LMPI_MAX_INT_POW + 1 };

/* Accumulates loss[0..len) (len a multiple of 8, at most SWEEP_BLOCK) into
 * acc and appends the candidates to cand from index n_cand; returns the new
 * count of candidates. */
typedef size_t (*sweep_block_fn)(
    const float *, const unsigned char *, size_t, const sweep_cfg *, sweep_acc *, float *, size_t);

/* The instances: [strict][fold], strict meaning no mask and non-finite
 * losses are errors, fold FOLD_NONE or 1..LMPI_MAX_INT_POW. */
extern const sweep_block_fn lmpi_sweep_blocks[2][LMPI_MAX_INT_POW + 1];

#endif /* LMP_SWEEP_BLOCK_H */
