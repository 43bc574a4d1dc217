/*
 * sweep_block.c - the solver's sweep over one block of losses, in vector
 * lanes, in one instance per combination of its constant options.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "sweep_block.h"

typedef union v8f_halves {
    v8f v;
    v4f h[2];
} v8f_halves;

/* float to double, lane by lane.  Written element-wise because GCC 12 turns
 * __builtin_convertvector(v4f -> v4d) into two half conversions and a
 * shuffle, but this into one vcvtps2pd. */
#define CVT4(h) ((v4d){ (h)[0], (h)[1], (h)[2], (h)[3] })

/* x where mask, else +0.0f */
#define V8F_SELECT(mask, x) ((v8f)((v8i)(x) & (mask)))

/* r^k lane by lane for the integer folds, k a constant. */
#define FOLD_POWER(r, fold)                                                                        \
    ((fold) == 1   ? (r)                                                                           \
     : (fold) == 2 ? (r) * (r)                                                                     \
     : (fold) == 3 ? (r) * (r) * (r)                                                               \
                   : ((r) * (r)) * ((r) * (r)))

/* Accumulates loss[0..len) (len a multiple of 8, at most SWEEP_BLOCK) into
 * acc and appends the candidates to cand.  strict (no mask, non-finite losses
 * are errors) and fold are constants in each instance below, so that the loop
 * carries no mask load, count, pow() call or exponent test it does not need. */
static inline __attribute__((always_inline)) size_t
sweep_block_body(const float *loss,
                 const unsigned char *valid,
                 size_t len,
                 const sweep_cfg *cfg,
                 sweep_acc *acc,
                 float *cand,
                 size_t n_cand,
                 const int strict,
                 const int fold)
{
    const v8f zero = { 0 };
    const v8f inf = zero + INFINITY;
    const v8f va = zero + cfg->a;
    const v8f vb = zero + cfg->b;
    const v4d vinv = (v4d){ 0 } + cfg->inv_a;
    const v8i p_one = (v8i){ 0 } - (cfg->p_one != 0);
    v8i n_ok = { 0 };
    v8i any_bad = { 0 };
    v8i n_pos = { 0 };
    v8i cnt_hi = { 0 };
    v8f min = acc->min;
    v4d sum0 = acc->sum[0], sum1 = acc->sum[1];
    v4d hi0 = acc->sum_hi[0], hi1 = acc->sum_hi[1];
    v4d lo0 = acc->s_lo[0], lo1 = acc->s_lo[1];
    size_t i;
    int j;

    for (i = 0; i < len; i += 8) {
        v8f x;
        v8i ok;
        v8i pos;
        v8i hi;
        v8i c;
        v8i lower;
        v8f_halves h;
        v4l any;
        memcpy(&x, loss + i, sizeof x);
        if (strict) {
            /* No mask and every non-finite or negative loss is an error:
             * only whether one occurs matters (lmpi_find_bad says where). */
            ok = (x >= zero) & (x < inf); /* NaN fails both */
            any_bad |= ~ok;
            pos = x > zero;
            h.v = x;
        } else {
            const v8i use = valid == NULL ? (v8i){ -1, -1, -1, -1, -1, -1, -1, -1 }
                                          : (v8i){ valid[i],     valid[i + 1], valid[i + 2],
                                                   valid[i + 3], valid[i + 4], valid[i + 5],
                                                   valid[i + 6], valid[i + 7] } != 0;
            const v8f xm = (v8f)(((v8i)x & use) | ((v8i)inf & ~use));
            ok = use & (x >= zero) & (x < inf);
            lower = xm < min;
            min = (v8f)(((v8i)xm & lower) | ((v8i)min & ~lower));
            n_ok -= ok;
            pos = ok & (x > zero);
            h.v = V8F_SELECT(ok, x);
        }
        sum0 += CVT4(h.h[0]);
        sum1 += CVT4(h.h[1]);
        hi = pos & (x >= vb);
        c = pos & (x < vb) & ((x > va) | (p_one & (x == va)));
        n_pos -= pos;
        cnt_hi -= hi;
        h.v = V8F_SELECT(hi, x);
        hi0 += CVT4(h.h[0]);
        hi1 += CVT4(h.h[1]);
        if (fold != FOLD_NONE) {
            h.v = V8F_SELECT(pos & (x <= va), x);
            const v4d r0 = CVT4(h.h[0]) * vinv;
            const v4d r1 = CVT4(h.h[1]) * vinv;
            lo0 += FOLD_POWER(r0, fold);
            lo1 += FOLD_POWER(r1, fold);
        }
        /* Few groups of eight hold a candidate; within one, which lanes do
         * is a coin toss, so the append is branch-free (cand has room: it
         * never runs ahead of the input). */
        any = (v4l)c;
        if (any[0] | any[1] | any[2] | any[3]) {
            for (j = 0; j < 8; j++) {
                cand[n_cand] = x[j];
                n_cand += (size_t)(c[j] & 1);
            }
        }
    }
    for (j = 0; j < 8; j++) {
        acc->any_bad |= any_bad[j] != 0;
        acc->n_ok += (size_t)(unsigned)n_ok[j];
        acc->n_pos += (size_t)(unsigned)n_pos[j];
        acc->cnt_hi += (size_t)(unsigned)cnt_hi[j];
    }
    acc->min = min;
    acc->sum[0] = sum0;
    acc->sum[1] = sum1;
    acc->sum_hi[0] = hi0;
    acc->sum_hi[1] = hi1;
    acc->s_lo[0] = lo0;
    acc->s_lo[1] = lo1;
    return n_cand;
}

#define SWEEP_BLOCK_INSTANCE(NAME, STRICT, FOLD)                                                   \
    LMPI_CLONES static size_t NAME(const float *loss, const unsigned char *valid, size_t len,      \
                                   const sweep_cfg *cfg, sweep_acc *acc, float *cand,              \
                                   size_t n_cand)                                                  \
    {                                                                                              \
        return sweep_block_body(loss, valid, len, cfg, acc, cand, n_cand, STRICT, FOLD);           \
    }
SWEEP_BLOCK_INSTANCE(sweep_block_s0, 1, FOLD_NONE)
SWEEP_BLOCK_INSTANCE(sweep_block_s1, 1, 1)
SWEEP_BLOCK_INSTANCE(sweep_block_s2, 1, 2)
SWEEP_BLOCK_INSTANCE(sweep_block_s3, 1, 3)
SWEEP_BLOCK_INSTANCE(sweep_block_s4, 1, 4)
SWEEP_BLOCK_INSTANCE(sweep_block_g0, 0, FOLD_NONE)
SWEEP_BLOCK_INSTANCE(sweep_block_g1, 0, 1)
SWEEP_BLOCK_INSTANCE(sweep_block_g2, 0, 2)
SWEEP_BLOCK_INSTANCE(sweep_block_g3, 0, 3)
SWEEP_BLOCK_INSTANCE(sweep_block_g4, 0, 4)
#undef SWEEP_BLOCK_INSTANCE

const sweep_block_fn lmpi_sweep_blocks[2][LMPI_MAX_INT_POW + 1] = {
    { sweep_block_g0, sweep_block_g1, sweep_block_g2, sweep_block_g3, sweep_block_g4 },
    { sweep_block_s0, sweep_block_s1, sweep_block_s2, sweep_block_s3, sweep_block_s4 },
};
