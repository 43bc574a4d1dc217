/*
 * Exact LMP solver in expected O(n) time (no full sort).
 *
 * theta solves g(theta) = sum_i min(1, l_i/theta)^q = m_px, with g continuous
 * and non-increasing.  For a pivot v, g(v) > m_px means theta > v, so every
 * loss <= v is unclamped and only its (l/v)^q matters; otherwise theta <= v
 * and every loss >= v is clamped and only its count matters.  Both kinds of
 * loss can be folded into two numbers and dropped.
 *
 * To touch all n losses only twice, pivots a < b are first chosen from a
 * random sample of the losses so that theta very likely lies in (a, b].  One
 * sweep validates the input and sorts the losses into "clamped" (>= b,
 * counted and summed), "candidate" (in (a, b), copied) and "unclamped" (<= a,
 * folded into sum (l/a)^q); the bracket is then checked exactly.  The few
 * candidates are resolved by the pivot search above, theta follows in closed
 * form from the folded count C and sum S, (theta/lo)^q = S / (m_px - C), and
 * a second sweep writes the weights.  If the bracket check fails (rare), all
 * positive losses become candidates: same answer, one more sweep.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lmp_internal.h"

/* Below this many losses the sample does not pay off. */
#define SAMPLE_MIN_N 2048
/* Half-width of the bracket around the estimated rank, in standard
 * deviations of a binomial rank count (sqrt(s) / 2 at most); 3 misses about
 * one time in 400 per side, which only costs a slower pass. */
#define BRACKET_SIGMAS 3.0
/* Fewer positive draws than this and the sample says nothing useful. */
#define SAMPLE_MIN_DRAWS 256

/* splitmix64 with a fixed seed: the same input always takes the same path. */
static uint64_t
rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static size_t
rng_below(uint64_t *state, size_t n)
{
    return (size_t)(rng_next(state) % (uint64_t)n);
}

static void
swap_f(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

/* Median of three random elements of c[0..k). */
static float
pick_pivot(const float *c, size_t k, uint64_t *rng)
{
    float x = c[rng_below(rng, k)];
    float y = c[rng_below(rng, k)];
    float z = c[rng_below(rng, k)];
    if (x > y) {
        float t = x;
        x = y;
        y = t;
    }
    /* now x <= y */
    return z < x ? x : (z > y ? y : z);
}

/* Keeps the elements of c[0..k) above v (keep_above) or below v, in order,
 * at the front; returns how many.  Branch-free: which side a candidate falls
 * on is a coin toss, and a mispredicted branch costs more than the copy. */
static size_t
compact_keep(float *c, size_t k, float v, int keep_above)
{
    size_t j = 0;
    size_t i;
    if (keep_above) {
        for (i = 0; i < k; i++) {
            c[j] = c[i];
            j += c[i] > v;
        }
    } else {
        for (i = 0; i < k; i++) {
            c[j] = c[i];
            j += c[i] < v;
        }
    }
    return j;
}

/* The j-th largest (1-based) of c[0..k), by quickselect with a three-way
 * partition (ties are common in real losses). Permutes c. */
static float
nth_largest(float *c, size_t k, size_t j, uint64_t *rng)
{
    size_t lo = 0;
    size_t hi = k; /* the answer is the j-th largest of c[lo..hi) */

    for (;;) {
        const float v = pick_pivot(c + lo, hi - lo, rng);
        size_t gt = lo; /* c[lo..gt) > v */
        size_t i = lo;  /* c[gt..i) == v */
        size_t lt = hi; /* c[lt..hi) < v */
        while (i < lt) {
            if (c[i] > v)
                swap_f(&c[gt++], &c[i++]);
            else if (c[i] < v)
                swap_f(&c[i], &c[--lt]);
            else
                i++;
        }
        if (j <= gt - lo) {
            hi = gt;
        } else if (j <= lt - lo) {
            return v;
        } else {
            j -= lt - lo;
            lo = lt;
        }
    }
}

float
lmp_select(float *v, size_t n, size_t k)
{
    uint64_t rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    if (v == NULL || k >= n)
        return NAN;
    return nth_largest(v, n, n - k, &rng);
}

/* State of the search for theta (1 < p < inf). */
typedef struct search {
    size_t clamped; /* C: losses known to be >= theta */
    double sum_clamped;
    double lo;   /* theta > lo; 0 while unknown */
    double s_lo; /* S: sum over losses known to be <= lo of (l/lo)^q */
    double hi;   /* theta <= hi; INFINITY while unknown */
} search;

/* S rescaled from lo to v > lo: sum over the folded unclamped losses of (l/v)^q. */
static double
folded_s(const search *st, double v, int k, double q)
{
    return st->lo > 0.0 ? st->s_lo * lmpi_pow_k(st->lo / v, k, q) : 0.0;
}

/* Statistics of the candidates c[0..k) about a pivot v: count and sum of
 * those >= v, count of those == v, and sum over those < v of (l/v)^q. */
typedef struct pivot_stats {
    size_t cnt_ge;
    size_t cnt_eq;
    double sum_ge;
    double sum_lt;
} pivot_stats;

#define STATS_LANES 8

LMPI_CLONES static void
candidate_stats(const float *c, size_t k, float v, int kq, double q, pivot_stats *ps)
{
    const double inv_v = 1.0 / (double)v;
    size_t cnt_ge[STATS_LANES] = { 0 };
    size_t cnt_eq[STATS_LANES] = { 0 };
    double sum_ge[STATS_LANES] = { 0 };
    double sum_lt[STATS_LANES] = { 0 };
    const size_t k8 = k - k % STATS_LANES;
    size_t i;
    int j;

    /* Branch-free, in independent lanes, one loop per exponent so that the
     * body is fixed.  The lanes are added up in a fixed order. */
#define STATS_LOOP(K)                                                                              \
    for (i = 0; i < k8; i += STATS_LANES) {                                                        \
        for (j = 0; j < STATS_LANES; j++) {                                                        \
            const double x = c[i + (size_t)j];                                                     \
            const int ge = x >= v;                                                                 \
            const double r = ge ? 0.0 : x * inv_v;                                                 \
            cnt_ge[j] += (size_t)ge;                                                               \
            cnt_eq[j] += (size_t)(x == v);                                                         \
            sum_ge[j] += ge ? x : 0.0;                                                             \
            sum_lt[j] += lmpi_pow_k(r, (K), q);                                                    \
        }                                                                                          \
    }
    switch (kq) {
    case 1:
        STATS_LOOP(1);
        break;
    case 2:
        STATS_LOOP(2);
        break;
    case 3:
        STATS_LOOP(3);
        break;
    case 4:
        STATS_LOOP(4);
        break;
    default: {
        /* Four lanes through the vector power; the lanes j and j + 4 of
         * the scalar loops are the halves here. */
        const v4d vv = (v4d){ 0 } + (double)v;
        v4l ge_n[2] = { { 0 } };
        v4l eq_n[2] = { { 0 } };
        v4d ge_s[2] = { { 0 } };
        v4d lt_s[2] = { { 0 } };
        int h;
        for (i = 0; i < k8; i += STATS_LANES) {
            for (h = 0; h < 2; h++) {
                const float *ch = c + i + 4 * (size_t)h;
                const v4d x = { ch[0], ch[1], ch[2], ch[3] };
                const v4l ge = x >= vv;
                ge_n[h] -= ge;
                eq_n[h] -= x == vv;
                ge_s[h] += LMPI_V4D_SELECT(ge, x, (v4d){ 0 });
                const v4d r = LMPI_V4D_SELECT(ge, (v4d){ 0 }, x * inv_v);
                v4d pw;
                lmpi_pow_unit4(&r, q, &pw);
                lt_s[h] += pw;
            }
        }
        for (j = 0; j < STATS_LANES; j++) {
            cnt_ge[j] = (size_t)ge_n[j / 4][j % 4];
            cnt_eq[j] = (size_t)eq_n[j / 4][j % 4];
            sum_ge[j] = ge_s[j / 4][j % 4];
            sum_lt[j] = lt_s[j / 4][j % 4];
        }
        break;
    }
    }
#undef STATS_LOOP
    for (i = k8; i < k; i++) {
        const double x = c[i];
        const int ge = x >= v;
        cnt_ge[0] += (size_t)ge;
        cnt_eq[0] += (size_t)(x == v);
        sum_ge[0] += ge ? x : 0.0;
        sum_lt[0] += lmpi_pow_k(ge ? 0.0 : x * inv_v, kq, q);
    }
    memset(ps, 0, sizeof *ps);
    for (j = 0; j < STATS_LANES; j++) {
        ps->cnt_ge += cnt_ge[j];
        ps->cnt_eq += cnt_eq[j];
        ps->sum_ge += sum_ge[j];
        ps->sum_lt += sum_lt[j];
    }
}

/* Runs the pivot search on the candidates c[0..k), which all lie in
 * (st->lo, st->hi).  Overwrites c. */
static void
search_candidates(search *st, float *c, size_t k, double m_px, double q, uint64_t *rng)
{
    const int kq = lmpi_int_exponent(q);
    while (k > 0) {
        const float v = pick_pivot(c, k, rng);
        pivot_stats ps;
        double s_v;

        candidate_stats(c, k, v, kq, q, &ps);
        s_v = folded_s(st, v, kq, q);
        if ((double)st->clamped + s_v + (double)ps.cnt_ge + ps.sum_lt > m_px) {
            /* theta > v: fold every candidate <= v (those equal to v add 1). */
            st->s_lo = s_v + ps.sum_lt + (double)ps.cnt_eq;
            st->lo = v;
            k = compact_keep(c, k, v, 1);
        } else {
            st->clamped += ps.cnt_ge;
            st->sum_clamped += ps.sum_ge;
            st->hi = v;
            k = compact_keep(c, k, v, 0);
        }
    }
}

/* What the sample saw. */
typedef struct sample_est {
    size_t tries;
    size_t n_valid; /* valid draws */
    size_t n_pos;   /* positive valid draws, kept in buf[0..n_pos) */
} sample_est;

/*
 * How many positions to draw for n losses.  The sample costs O(s) and leaves
 * about 2 * BRACKET_SIGMAS * n / sqrt(s) candidates, which cost a few times
 * more per loss than the sweep; the sum is least for s growing as n^(2/3).
 * 8192 at n = 2^21, between SAMPLE_MIN_DRAWS * 2 and LMPI_SAMPLE_SIZE.
 */
static size_t
sample_size(size_t n)
{
    const double s = 8192.0 * pow((double)n / 2097152.0, 2.0 / 3.0);
    return (size_t)fmin(fmax(s, 2.0 * SAMPLE_MIN_DRAWS), (double)LMPI_SAMPLE_SIZE);
}

/* Draws sample_size(n) random positions; keeps the positive valid losses in out. */
static void
draw_sample(const float *loss,
            const unsigned char *valid,
            size_t n,
            lmp_nonfinite nonfinite,
            float *out,
            sample_est *est,
            uint64_t *rng)
{
    size_t t;
    est->tries = sample_size(n);
    est->n_valid = 0;
    est->n_pos = 0;
    for (t = 0; t < est->tries; t++) {
        const size_t i = rng_below(rng, n);
        const float x = loss[i];
        if (!lmpi_is_valid(loss, valid, i, nonfinite) || !(x >= 0.0f && x - x == 0.0f))
            continue;
        est->n_valid++;
        if (x > 0.0f)
            out[est->n_pos++] = x;
    }
}

/* Pivots a < b around the rank r (from the top) of the sample s[0..k):
 * b is the value delta ranks above, a the value delta ranks below; 0 and
 * INFINITY when the bracket runs off the sample.  The rank of a fixed value
 * in the sample is binomial with variance r (1 - r/k). */
static void
bracket_rank(float *s, size_t k, double r, double *a, double *b, uint64_t *rng)
{
    const double rc = fmin(fmax(r, 1.0), (double)k);
    const double delta = BRACKET_SIGMAS * sqrt(rc * (1.0 - rc / (double)k) + 1.0) + 2.0;
    const double rb = floor(rc - delta);
    const double ra = ceil(rc + delta);
    /* After nth_largest(s, k, j) the j largest values lead s, so the second
     * selection only looks at those. */
    size_t top = k;
    *a = 0.0;
    if (ra <= (double)k) {
        top = (size_t)ra;
        *a = nth_largest(s, k, top, rng);
    }
    *b = rb >= 1.0 ? (double)nth_largest(s, top, (size_t)rb, rng) : INFINITY;
}

/* Chooses the pivots from a sample (a = 0, b = INFINITY when the input is
 * small or the sample too thin).  buf has LMPI_SCRATCH_EXTRA floats. */
static void
choose_pivots(const float *loss,
              const unsigned char *valid,
              size_t n,
              const lmp_params *params,
              double q,
              float *buf,
              double *a,
              double *b,
              uint64_t *rng)
{
    sample_est est;
    double n_valid;
    double n_pos;
    double m_px;

    *a = 0.0;
    *b = INFINITY;
    if (n < SAMPLE_MIN_N)
        return;
    draw_sample(loss, valid, n, params->nonfinite, buf, &est, rng);
    if (est.n_pos < SAMPLE_MIN_DRAWS)
        return;
    /* The sample stands for n_pos / est.n_pos positive losses each. */
    n_valid = (double)n * (double)est.n_valid / (double)est.tries;
    n_pos = (double)n * (double)est.n_pos / (double)est.tries;
    m_px = params->m_pixels > 0.0 ? params->m_pixels : params->m * n_valid;
    m_px = fmin(fmax(m_px, 1.0), n_valid);
    if (isinf(q)) {
        bracket_rank(buf, est.n_pos, ceil(m_px) * (double)est.n_pos / n_pos, a, b, rng);
    } else {
        /* Solve on the sample, with m scaled to its size, for the rank at
         * which theta is expected. */
        search s_est = { 0, 0.0, 0.0, 0.0, INFINITY };
        const double m_s = m_px * (double)est.n_pos / n_pos;
        float *copy = buf + LMPI_SAMPLE_SIZE;
        double theta_s = 0.0;
        size_t rank = 0;
        size_t i;
        memcpy(copy, buf, est.n_pos * sizeof *copy);
        search_candidates(&s_est, copy, est.n_pos, m_s, q, rng);
        if (s_est.lo > 0.0)
            theta_s = s_est.lo * pow(s_est.s_lo / (m_s - (double)s_est.clamped), 1.0 / q);
        for (i = 0; i < est.n_pos; i++)
            rank += buf[i] >= theta_s;
        bracket_rank(buf, est.n_pos, (double)rank, a, b, rng);
    }
}

/*
 * The sweep is the solver's main cost next to the weight pass, so its loop is
 * written with GCC/Clang vector extensions: eight losses at a time, compared
 * in float (the pivots are float values, so this is exact), counted in int
 * lanes, and summed in double lanes after widening.  The lanes are added up
 * in a fixed order at the end, so the result does not depend on the
 * instruction set the clone below runs on.
 */
typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));

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

typedef size_t (*sweep_block_fn)(
    const float *, const unsigned char *, size_t, const sweep_cfg *, sweep_acc *, float *, size_t);

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

/* Result of one sweep over the input. */
typedef struct sweep_out {
    lmpi_scan scan;
    int maybe_bad; /* a negative loss, or NaN/Inf when those are errors, may be present */
    size_t cnt_hi; /* positive losses >= b */
    double sum_hi;
    size_t n_cand; /* candidates copied */
    double s_lo;   /* sum over 0 < l <= a of (l/a)^q (q finite, a > 0) */
    int prefilled; /* pre holds (l/a)^(q-1) for those losses (lmpi_fold_real) */
} sweep_out;

/*
 * The passes over the input work in chunks: at most MAX_CHUNKS of them, of
 * whole sweep blocks.  Each chunk is summed on its own and the chunks are
 * added in order, so that a large input spread over the workspace's threads
 * (PARALLEL_MIN_N losses at least) gives the same bits as one thread, and as
 * any other thread count.
 */
#define MAX_CHUNKS     64
#define PARALLEL_MIN_N ((size_t)1 << 22)

typedef struct chunking {
    size_t len; /* losses per chunk, a multiple of 8 (the last may be shorter) */
    size_t count;
} chunking;

static chunking
chunks_of(size_t n)
{
    const size_t blocks = (n + SWEEP_BLOCK - 1) / SWEEP_BLOCK;
    const size_t per = (blocks + MAX_CHUNKS - 1) / MAX_CHUNKS;
    chunking ch;
    ch.len = (per > 0 ? per : 1) * SWEEP_BLOCK;
    ch.count = (n + ch.len - 1) / ch.len;
    return ch;
}

/* Runs fn(ctx, c, thread) for every chunk c, on the workspace's threads when
 * the input is large enough to pay for it, else in order on the caller. */
static void
for_chunks(lmp_workspace *ws, size_t n, size_t count, lmpi_task_fn fn, void *ctx)
{
    size_t c;
    if (ws != NULL && n >= PARALLEL_MIN_N && count > 1 && lmp_workspace_threads(ws) > 1) {
        lmpi_pool_run(ws, count, fn, ctx);
        return;
    }
    for (c = 0; c < count; c++)
        fn(ctx, c, 0);
}

/* What one chunk of a sweep saw. */
typedef struct sweep_part {
    size_t n_ok;
    int any_bad;
    size_t n_pos;
    size_t cnt_hi;
    size_t n_cand; /* copied to the chunk's own stretch of cand */
    double sum;
    double sum_hi;
    double s_lo;
    double min;
} sweep_part;

typedef struct sweep_job {
    const float *loss;
    const unsigned char *valid;
    size_t n8;
    chunking ch;
    const sweep_cfg *cfg;
    sweep_block_fn fn;
    float *cand;
    size_t cand_stride; /* chunk c copies its candidates to cand + c * cand_stride */
    sweep_part part[MAX_CHUNKS];
} sweep_job;

static void
sweep_chunk(void *ctx, size_t c, unsigned thread)
{
    sweep_job *job = ctx;
    sweep_part *pt = &job->part[c];
    const size_t begin = c * job->ch.len;
    const size_t end = begin + job->ch.len < job->n8 ? begin + job->ch.len : job->n8;
    sweep_acc acc;
    size_t i;
    int j;
    (void)thread;
    memset(&acc, 0, sizeof acc);
    acc.min += INFINITY;
    pt->n_cand = 0;
    for (i = begin; i < end; i += SWEEP_BLOCK) {
        const size_t len = end - i < SWEEP_BLOCK ? end - i : SWEEP_BLOCK;
        pt->n_cand = job->fn(job->loss + i, job->valid ? job->valid + i : NULL, len, job->cfg, &acc,
                             job->cand + c * job->cand_stride, pt->n_cand);
    }
    pt->n_ok = acc.n_ok;
    pt->any_bad = acc.any_bad;
    pt->n_pos = acc.n_pos;
    pt->cnt_hi = acc.cnt_hi;
    pt->sum = 0.0;
    pt->sum_hi = 0.0;
    pt->s_lo = 0.0;
    for (j = 0; j < 4; j++) {
        pt->sum += acc.sum[0][j] + acc.sum[1][j];
        pt->sum_hi += acc.sum_hi[0][j] + acc.sum_hi[1][j];
        pt->s_lo += acc.s_lo[0][j] + acc.s_lo[1][j];
    }
    pt->min = INFINITY;
    for (j = 0; j < 8; j++)
        pt->min = acc.min[j] < pt->min ? acc.min[j] : pt->min;
}

typedef struct fold_job {
    const float *loss;
    const unsigned char *valid;
    size_t n;
    chunking ch;
    double a;
    double q;
    float *pre;
    double sum[MAX_CHUNKS];
} fold_job;

static void
fold_chunk(void *ctx, size_t c, unsigned thread)
{
    fold_job *job = ctx;
    const size_t begin = c * job->ch.len;
    const size_t len = job->n - begin < job->ch.len ? job->n - begin : job->ch.len;
    (void)thread;
    job->sum[c] = lmpi_fold_real(job->loss + begin, job->valid ? job->valid + begin : NULL, len,
                                 job->a, job->q, job->pre ? job->pre + begin : NULL);
}

/* lmpi_fold_real over the chunks of [0, n). */
static double
fold_real(const float *loss,
          const unsigned char *valid,
          size_t n,
          double a,
          double q,
          float *pre,
          lmp_workspace *ws)
{
    fold_job job;
    double sum = 0.0;
    size_t c;
    job.loss = loss;
    job.valid = valid;
    job.n = n;
    job.ch = chunks_of(n);
    job.a = a;
    job.q = q;
    job.pre = pre;
    for_chunks(ws, n, job.ch.count, fold_chunk, &job);
    for (c = 0; c < job.ch.count; c++)
        sum += job.sum[c];
    return sum;
}

/* The weight pass of lmp_solve over the chunks: p = 1's or the power's. */
typedef struct weights_job {
    const float *loss;
    const unsigned char *valid;
    lmp_nonfinite nonfinite;
    size_t n;
    chunking ch;
    int p_one;
    double theta; /* the power's: lmpi_weights_pow */
    double e;
    double tau;
    double pre_a;
    float t; /* p = 1's: lmpi_weights_p1 */
    float w_tau;
    float w_share;
    float *weight;
} weights_job;

static void
weights_chunk(void *ctx, size_t c, unsigned thread)
{
    const weights_job *job = ctx;
    const size_t begin = c * job->ch.len;
    const size_t len = job->n - begin < job->ch.len ? job->n - begin : job->ch.len;
    const unsigned char *valid = job->valid ? job->valid + begin : NULL;
    (void)thread;
    if (job->p_one)
        lmpi_weights_p1(job->loss + begin, valid, job->nonfinite, len, job->t, job->w_tau,
                        job->w_share, job->weight + begin);
    else
        lmpi_weights_pow(job->loss + begin, valid, job->nonfinite, len, job->theta, job->e,
                         job->tau, job->pre_a, job->weight + begin);
}

static weights_job
weights_job_of(
    const float *loss, const unsigned char *valid, lmp_nonfinite nonfinite, size_t n, float *weight)
{
    weights_job job;
    memset(&job, 0, sizeof job);
    job.loss = loss;
    job.valid = valid;
    job.nonfinite = nonfinite;
    job.n = n;
    job.weight = weight;
    return job;
}

static void
write_weights(weights_job *job, lmp_workspace *ws)
{
    job->ch = chunks_of(job->n);
    for_chunks(ws, job->n, job->ch.count, weights_chunk, job);
}

/*
 * The first pass: validates and counts, and sorts every positive valid loss
 * into >= b (counted), the candidates (copied to cand: (a, b) for p > 1,
 * [a, b) for p = 1) or <= a (folded into s_lo, for p > 1).  A non-integer q
 * is folded by a second pass, which also stores (l/a)^(q-1) in pre when it
 * is not NULL (lmpi_fold_real).
 */
static void
sweep(const float *loss,
      const unsigned char *valid,
      size_t n,
      lmp_nonfinite nonfinite,
      double a,
      double b,
      double q,
      float *cand,
      float *pre,
      lmp_workspace *ws,
      sweep_out *o)
{
    static const sweep_block_fn blocks[2][LMPI_MAX_INT_POW + 1] = {
        { sweep_block_g0, sweep_block_g1, sweep_block_g2, sweep_block_g3, sweep_block_g4 },
        { sweep_block_s0, sweep_block_s1, sweep_block_s2, sweep_block_s3, sweep_block_s4 },
    };
    const size_t n8 = n - n % 8;
    const int strict = valid == NULL && nonfinite == LMP_NONFINITE_ERROR;
    const int p_one = isinf(q);
    const int fold = p_one || !(a > 0.0)    ? FOLD_NONE
                     : lmpi_int_exponent(q) ? lmpi_int_exponent(q)
                                            : FOLD_REAL;
    sweep_cfg cfg;
    sweep_job job;
    size_t n_use = 0;
    size_t n_cand = 0;
    double min = INFINITY;
    size_t i;
    size_t c;

    /* a and b are sample values (floats), 0 or INFINITY. */
    cfg.a = (float)a;
    cfg.b = (float)b;
    cfg.q = q;
    cfg.p_one = p_one;
    cfg.inv_a = fold != FOLD_NONE ? 1.0 / a : 0.0;
    job.loss = loss;
    job.valid = valid;
    job.n8 = n8;
    job.ch = chunks_of(n8);
    job.cfg = &cfg;
    job.fn = blocks[strict][fold == FOLD_REAL ? FOLD_NONE : fold];
    job.cand = cand;
    /* With b = 0 there are no candidates, and cand may hold a single float
     * (the append writes one behind the last candidate all the same). */
    job.cand_stride = b > 0.0 ? job.ch.len : 0;
    for_chunks(ws, n8, job.ch.count, sweep_chunk, &job);

    /* The chunks in order; their candidates close up behind one another. */
    memset(o, 0, sizeof *o);
    for (c = 0; c < job.ch.count; c++) {
        const sweep_part *pt = &job.part[c];
        memmove(cand + n_cand, cand + c * job.cand_stride, pt->n_cand * sizeof *cand);
        n_cand += pt->n_cand;
        if (!strict)
            o->scan.n_valid += pt->n_ok;
        else if (!pt->any_bad) /* else the count falls short: maybe_bad */
            o->scan.n_valid += (c + 1 < job.ch.count ? job.ch.len : n8 - c * job.ch.len);
        o->scan.n_pos += pt->n_pos;
        o->scan.sum += pt->sum;
        o->cnt_hi += pt->cnt_hi;
        o->sum_hi += pt->sum_hi;
        o->s_lo += pt->s_lo;
        min = pt->min < min ? pt->min : min;
    }
    for (i = n8; i < n; i++) {
        const double x = loss[i];
        if (valid != NULL && valid[i] == 0)
            continue;
        min = x < min ? x : min;
        if (!(x >= 0.0 && x < INFINITY))
            continue;
        o->scan.n_valid++;
        if (x == 0.0)
            continue;
        o->scan.n_pos++;
        o->scan.sum += x;
        if (x >= b) {
            o->cnt_hi++;
            o->sum_hi += x;
        } else if (x > a || (p_one && x == a)) {
            cand[n_cand++] = (float)x;
        } else if (fold != FOLD_NONE && fold != FOLD_REAL) {
            o->s_lo += lmpi_pow_k(x * cfg.inv_a, fold, q);
        }
    }
    if (fold == FOLD_REAL) {
        o->s_lo = fold_real(loss, valid, n, a, q, pre, ws);
        o->prefilled = pre != NULL;
    }
    if (nonfinite == LMP_NONFINITE_ERROR) {
        /* Every used pixel that is not valid is negative, NaN or Inf. */
        if (valid == NULL)
            n_use = n;
        for (i = 0; valid != NULL && i < n; i++)
            n_use += valid[i] != 0;
        o->maybe_bad = n_use != o->scan.n_valid;
    } else {
        o->maybe_bad = min < 0.0; /* -Inf is ignored: lmpi_find_bad tells */
    }
    o->n_cand = n_cand;
}

/* p = 1: tau = 1/m_px above t, the ceil(m_px)-th largest loss; the rest of
 * the mass shared equally by the losses equal to t. */
static void
solve_p1(const float *loss,
         const unsigned char *valid,
         size_t n,
         const lmp_params *params,
         const lmpi_setup *s,
         sweep_out *sw,
         float *cand,
         float *weight,
         lmp_result *r,
         uint64_t *rng,
         lmp_workspace *ws)
{
    const size_t kk = (size_t)ceil(s->m_px);
    size_t above;
    size_t equal = 0;
    double sum_above;
    double share;
    float t;
    size_t i;

    if (!(sw->cnt_hi < kk && kk <= sw->cnt_hi + sw->n_cand))
        sweep(loss, valid, n, params->nonfinite, 0.0, INFINITY, s->q, cand, NULL, ws, sw);
    t = nth_largest(cand, sw->n_cand, kk - sw->cnt_hi, rng);
    above = sw->cnt_hi;
    sum_above = sw->sum_hi;
    for (i = 0; i < sw->n_cand; i++) {
        above += cand[i] > t;
        equal += cand[i] == t;
        sum_above += cand[i] > t ? (double)cand[i] : 0.0;
    }
    share = (s->m_px - (double)above) / (s->m_px * (double)equal);
    r->theta = t;
    r->n_clamped = above + (share == s->tau ? equal : 0);
    r->value = s->tau * sum_above + share * (double)equal * (double)t;
    if (weight != NULL) {
        weights_job job = weights_job_of(loss, valid, params->nonfinite, n, weight);
        job.p_one = 1;
        job.t = t;
        job.w_tau = (float)s->tau;
        job.w_share = (float)share;
        write_weights(&job, ws);
    }
}

/* 1 < p < inf: checks the bracket (a, b] of the sweep, then searches. */
static lmp_status
solve_q(const float *loss,
        const unsigned char *valid,
        size_t n,
        const lmp_params *params,
        const lmpi_setup *s,
        double a,
        double b,
        sweep_out *sw,
        float *cand,
        float *weight,
        lmp_result *r,
        uint64_t *rng,
        lmp_workspace *ws)
{
    const double q = s->q;
    const double m_px = s->m_px;
    const int k = lmpi_int_exponent(q);
    search st = { 0, 0.0, 0.0, 0.0, INFINITY };
    int ok = 1;
    double theta;

    /* theta > a needs g(a) > m_px; theta <= b needs g(b) <= m_px. */
    if (a > 0.0)
        ok = (double)sw->cnt_hi + (double)sw->n_cand + sw->s_lo > m_px;
    if (ok && b < INFINITY) {
        /* Every candidate is below b. */
        pivot_stats ps;
        candidate_stats(cand, sw->n_cand, (float)b, k, q, &ps);
        ok =
            (double)sw->cnt_hi + (a > 0.0 ? sw->s_lo * lmpi_pow_k(a / b, k, q) : 0.0) + ps.sum_lt <=
            m_px;
    }
    if (!ok) {
        a = 0.0;
        b = INFINITY;
        sweep(loss, valid, n, params->nonfinite, a, b, q, cand, NULL, ws, sw);
    }
    st.clamped = sw->cnt_hi;
    st.sum_clamped = sw->sum_hi;
    st.lo = a;
    st.s_lo = sw->s_lo;
    st.hi = b;

    search_candidates(&st, cand, sw->n_cand, m_px, q, rng);
    /* More than m_px positive losses: some loss is unclamped, so lo > 0. */
    if (!(st.lo > 0.0) || !(m_px >= (double)st.clamped))
        return LMP_ERR_NO_CONVERGENCE;
    theta = st.lo * pow(st.s_lo / (m_px - (double)st.clamped), 1.0 / q);
    /* Rounding must not move theta out of (lo, hi]: the folded counts hold
     * only there. */
    theta = fmax(theta, nextafter(st.lo, INFINITY));
    theta = fmin(theta, st.hi);

    r->theta = theta;
    r->n_clamped = st.clamped;
    r->value = s->tau * (st.sum_clamped + theta * (m_px - (double)st.clamped));
    if (weight != NULL) {
        weights_job job = weights_job_of(loss, valid, params->nonfinite, n, weight);
        job.theta = theta;
        job.e = q - 1.0;
        job.tau = s->tau;
        job.pre_a = sw->prefilled ? a : 0.0;
        write_weights(&job, ws);
    }
    return LMP_OK;
}

lmp_status
lmp_solve(const float *loss,
          const unsigned char *valid,
          size_t n,
          const lmp_params *params,
          float *weight,
          lmp_result *result,
          lmp_workspace *ws)
{
    lmp_workspace local = { 0 };
    lmp_workspace *w = ws != NULL ? ws : &local;
    uint64_t rng = 0x243F6A8885A308D3ULL ^ (uint64_t)n;
    sweep_out sw;
    lmpi_setup s = { 0 };
    lmp_result r = { 0 };
    lmp_status status;
    double q;
    double a;
    double b;

    if (result == NULL || (loss == NULL && n > 0) || lmp_params_check(params) != LMP_OK)
        return LMP_ERR_INVALID_ARG;
    if (isinf(params->p)) {
        /* The mean loss: no threshold to find.  With a = b = 0 the sweep
         * only validates, counts and sums (every positive loss is ">= b"),
         * and its candidate list stays empty. */
        float no_cand[1];
        sweep(loss, valid, n, params->nonfinite, 0.0, 0.0, 1.0, no_cand, NULL, ws, &sw);
        if (sw.maybe_bad && lmpi_find_bad(loss, valid, n, params->nonfinite, &r) != LMP_OK) {
            *result = r;
            return LMP_ERR_INVALID_LOSS;
        }
        if (sw.scan.n_valid > 0)
            lmpi_setup_init(&s, params, sw.scan.n_valid);
        lmpi_solve_direct(loss, valid, n, &s, &sw.scan, weight, &r, &status);
        *result = r;
        return status;
    }

    /* Room for the sample and for every loss as a candidate (the fallback). */
    if (n > SIZE_MAX / sizeof(float) - LMPI_SCRATCH_EXTRA)
        return LMP_ERR_NOMEM;
    status = lmpi_ws_reserve(w, n + LMPI_SCRATCH_EXTRA);
    if (status != LMP_OK)
        return status;
    q = params->p == 1.0 ? INFINITY : params->p / (params->p - 1.0);
    choose_pivots(loss, valid, n, params, q, w->buf, &a, &b, &rng);
    /* The fold may leave partial weights behind (lmpi_fold_real). */
    sweep(loss, valid, n, params->nonfinite, a, b, q, w->buf + LMPI_SCRATCH_EXTRA, weight, ws, &sw);
    if (sw.maybe_bad && lmpi_find_bad(loss, valid, n, params->nonfinite, &r) != LMP_OK) {
        if (sw.prefilled)
            memset(weight, 0, n * sizeof *weight);
        status = LMP_ERR_INVALID_LOSS;
        *result = r;
        goto cleanup;
    }
    if (sw.scan.n_valid > 0)
        lmpi_setup_init(&s, params, sw.scan.n_valid);
    if (lmpi_solve_direct(loss, valid, n, &s, &sw.scan, weight, &r, &status) != 0) {
        r.n_support = sw.scan.n_pos;
        if (isinf(s.q)) {
            solve_p1(loss, valid, n, params, &s, &sw, w->buf + LMPI_SCRATCH_EXTRA, weight, &r, &rng,
                     ws);
            status = LMP_OK;
        } else {
            status = solve_q(loss, valid, n, params, &s, a, b, &sw, w->buf + LMPI_SCRATCH_EXTRA,
                             weight, &r, &rng, ws);
        }
    }
    if (status == LMP_OK || status == LMP_ERR_EMPTY)
        *result = r;
cleanup:
    free(local.buf);
    return status;
}
