/* Internal helpers of liblmp shared between the solvers (not installed). */
#ifndef LMP_INTERNAL_H
#define LMP_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "lmp.h"
#include "vpow.h"

/* Multiversioning: an AVX2 clone and a baseline one, picked when the
 * program is loaded.  target_clones exists only for x86-64; other targets
 * (WebAssembly, ARM) get the one baseline function. */
#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#define LMPI_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define LMPI_CLONES
#endif

/* Quantities derived from the parameters once n_valid is known. */
typedef struct lmpi_setup {
    double p;
    double q;     /* conjugate exponent p / (p - 1): INFINITY for p = 1, 1 for p = INFINITY */
    double m_px;  /* clamp(m * n, 1, n) or clamp(m_pixels, 1, n) */
    double gamma; /* n^(1/p - 1) */
    double tau;   /* gamma * m_px^(-1/p) */
} lmpi_setup;

/* Fills s for n_valid >= 1 valid pixels; params already checked. */
void lmpi_setup_init(lmpi_setup *s, const lmp_params *params, size_t n_valid);

/* 1 when pixel i takes part: not masked out, and finite unless non-finite
 * values are errors (then the caller has already rejected them). */
static inline int
lmpi_is_valid(const float *loss, const unsigned char *valid, size_t i, lmp_nonfinite nonfinite)
{
    if (valid != NULL && valid[i] == 0)
        return 0;
    if (nonfinite == LMP_NONFINITE_IGNORE && !(loss[i] - loss[i] == 0.0f))
        return 0;
    return 1;
}

/* Integer exponent k in [1, LMPI_MAX_INT_POW] when e == k exactly, else 0. */
#define LMPI_MAX_INT_POW 4
int lmpi_int_exponent(double e);

/* r^e for r in [0, 1], where k = lmpi_int_exponent(e): small integer powers
 * as products (p = 1.5 gives q = 3 and q - 1 = 2, p = 2 gives 2 and 1), the
 * vector kernel's arithmetic otherwise (vpow.h). */
static inline double
lmpi_pow_k(double r, int k, double e)
{
    switch (k) {
    case 1:
        return r;
    case 2:
        return r * r;
    case 3:
        return r * r * r;
    case 4:
        return (r * r) * (r * r);
    default:
        return lmpi_pow_unit(r, e);
    }
}

/*
 * Passes over the whole input (kernels.c).  Masked or non-finite entries
 * contribute nothing; the caller has already rejected negative losses.
 */

/* w_i = tau * min(1, x_i / theta)^e for valid x_i, 0 elsewhere and below
 * FLT_MIN; e > 0.  pre_a: 0, or (non-integer e only) the pivot a < theta
 * of an lmpi_fold_real that stored (x_i / a)^e in weight for the losses in
 * (0, a]. */
void lmpi_weights_pow(const float *loss,
                      const unsigned char *valid,
                      lmp_nonfinite nonfinite,
                      size_t n,
                      double theta,
                      double e,
                      double tau,
                      double pre_a,
                      float *weight);

/* The sum over valid losses in (0, a] of (l / a)^q, for a > 0 and a
 * non-integer q, less the terms below 2^-70; NaN and Inf are never in (0, a].  pre: NULL, or n
 * floats that receive (l / a)^(q - 1) for those losses and 0 for the others (below FLT_MIN: 0), for
 * lmpi_weights_pow's pre_a. */
double lmpi_fold_real(
    const float *loss, const unsigned char *valid, size_t n, double a, double q, float *pre);

/* The passes behind lmpi_weights_pow and lmpi_fold_real for a non-integer
 * exponent, in four lanes (kernels.c) and, for processors with AVX-512F, in
 * eight (kernels_avx512.c), with the same results.  x_skip: losses below it
 * are left out of the fold; c_pre = tau (pre_a / theta)^e. */
void lmpi_weights_real4(const float *loss,
                        size_t n,
                        double theta,
                        double e,
                        double tau,
                        double pre_a,
                        double c_pre,
                        float *weight);
double lmpi_fold_real4(const float *loss,
                       const unsigned char *valid,
                       size_t n,
                       double a,
                       double q,
                       double x_skip,
                       float *pre);
#ifdef LMPI_HAVE_AVX512
void lmpi_weights_real8(const float *loss,
                        size_t n,
                        double theta,
                        double e,
                        double tau,
                        double pre_a,
                        double c_pre,
                        float *weight);
double lmpi_fold_real8(const float *loss,
                       const unsigned char *valid,
                       size_t n,
                       double a,
                       double q,
                       double x_skip,
                       float *pre);
#endif

/* p = 1: w_i = w_tau above t, w_share at t, 0 below and at invalid pixels. */
void lmpi_weights_p1(const float *loss,
                     const unsigned char *valid,
                     lmp_nonfinite nonfinite,
                     size_t n,
                     float t,
                     float w_tau,
                     float w_share,
                     float *weight);

/* Validation and the statistics every solver needs. */
typedef struct lmpi_scan {
    size_t n_valid;
    size_t n_pos; /* valid losses > 0 */
    double sum;   /* sum of valid losses */
} lmpi_scan;

/* One pass: LMP_OK, or LMP_ERR_INVALID_LOSS via lmpi_find_bad. */
lmp_status lmpi_scan_input(const float *loss,
                           const unsigned char *valid,
                           size_t n,
                           lmp_nonfinite nonfinite,
                           lmpi_scan *scan,
                           lmp_result *result);

/* LMP_ERR_INVALID_LOSS with result->bad_index/bad_value set to the first
 * negative loss, or the first NaN/Inf when those are errors; LMP_OK if none. */
lmp_status lmpi_find_bad(const float *loss,
                         const unsigned char *valid,
                         size_t n,
                         lmp_nonfinite nonfinite,
                         lmp_result *result);

/* Fills result and the weights for the cases with a direct answer: n_valid
 * = 0 (returns LMP_ERR_EMPTY), no positive loss, p = INFINITY, or at most m_px
 * positive losses (each gets tau).  Returns LMP_OK when it handled the case,
 * -1 when the caller must solve for theta.  s must be set when n_valid > 0. */
int lmpi_solve_direct(const float *loss,
                      const unsigned char *valid,
                      size_t n,
                      const lmpi_setup *s,
                      const lmpi_scan *scan,
                      float *weight,
                      lmp_result *result,
                      lmp_status *status);

/* Losses drawn to choose the pivots of one solve: the candidates then number
 * about 2 * BRACKET_SIGMAS * n / sqrt(s) (solve.c), the sample costs O(s). */
#define LMPI_SAMPLE_SIZE 16384
/* Scratch beyond the candidates: the sample and a copy the estimate consumes. */
#define LMPI_SCRATCH_EXTRA (2 * LMPI_SAMPLE_SIZE)

/* Most threads lmp_workspace_create_threads(n, 0) starts, whatever the CPU
 * count. */
#define LMPI_MAX_THREADS 1024

/* The thread pool of a workspace (pool.c); opaque outside it. */
typedef struct lmpi_pool lmpi_pool;

/* The workspace (lmp.h).  buf holds the sample and the candidates of one
 * solve.  A workspace with a pool also holds one scratch workspace per
 * thread (each without a pool), for tasks that solve on their own. */
struct lmp_workspace {
    float *buf;
    size_t cap;          /* in floats */
    lmpi_pool *pool;     /* NULL: no threads, everything runs on the caller */
    unsigned threads;    /* threads in all, the caller's included; 1 without a pool */
    lmp_workspace *each; /* threads scratch workspaces, one per thread; NULL without a pool */
};

/* Grows ws->buf to at least count floats (contents not kept): LMP_OK or
 * LMP_ERR_NOMEM. */
lmp_status lmpi_ws_reserve(lmp_workspace *ws, size_t count);

/*
 * Running tasks over the threads of a workspace.
 *
 * lmpi_pool_run calls fn(ctx, task, thread) once for every task in
 * [0, n_tasks), spread over the workspace's threads: thread is in [0,
 * lmp_workspace_threads(ws)), 0 being the calling thread, which takes part.
 * Tasks are handed out one at a time as threads become free, so which
 * thread runs a task, and in which order, varies from call to call: a task
 * must give the same result on any thread.  It returns when every task has
 * finished, and everything the tasks wrote is then visible to the caller.
 * With ws NULL or without a pool, the tasks run inline on the caller, in
 * order, with thread 0.
 *
 * A task must not call lmpi_pool_run (on any workspace with a pool: the
 * threads would wait on themselves), nor use ws itself; it may use
 * lmpi_ws_thread(ws, thread).  One lmpi_pool_run at a time per workspace,
 * like every other use of a workspace.
 */
typedef void (*lmpi_task_fn)(void *ctx, size_t task, unsigned thread);
void lmpi_pool_run(lmp_workspace *ws, size_t n_tasks, lmpi_task_fn fn, void *ctx);

/* The scratch workspace of one thread (no pool of its own), which a task
 * running on that thread may pass to lmp_solve.  Without a pool, thread 0
 * gets ws itself (NULL for NULL).  thread < lmp_workspace_threads(ws). */
lmp_workspace *lmpi_ws_thread(lmp_workspace *ws, unsigned thread);

/* Pool life cycle (pool.c), for workspace.c: starts threads - 1 threads
 * (threads >= 2); NULL when out of memory or a thread cannot be started.
 * lmpi_pool_destroy stops and joins them; NULL does nothing. */
lmpi_pool *lmpi_pool_create(unsigned threads);
void lmpi_pool_destroy(lmpi_pool *pool);
/* Runs the tasks over the pool's threads; see lmpi_pool_run. */
void lmpi_pool_exec(lmpi_pool *pool, size_t n_tasks, lmpi_task_fn fn, void *ctx);

/*
 * Selection and sampling (select.c), with a fixed-seed generator state.
 */
/* Fewer positive draws than this and the sample says nothing useful. */
#define LMPI_SAMPLE_MIN_DRAWS 256

/* splitmix64 with a fixed seed: the same input always takes the same path. */
static inline uint64_t
lmpi_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline size_t
lmpi_rng_below(uint64_t *state, size_t n)
{
    return (size_t)(lmpi_rng_next(state) % (uint64_t)n);
}

static inline void
lmpi_swap_f(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

/* Median of three random elements of c[0..k). */
static inline float
lmpi_pick_pivot(const float *c, size_t k, uint64_t *rng)
{
    float x = c[lmpi_rng_below(rng, k)];
    float y = c[lmpi_rng_below(rng, k)];
    float z = c[lmpi_rng_below(rng, k)];
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
static inline size_t
lmpi_compact_keep(float *c, size_t k, float v, int keep_above)
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

/* The j-th largest (1-based) of c[0..k), by quickselect; permutes c. */
float lmpi_nth_largest(float *c, size_t k, size_t j, uint64_t *rng);

/* What the sample saw. */
typedef struct lmpi_sample_est {
    size_t tries;
    size_t n_valid; /* valid draws */
    size_t n_pos;   /* positive valid draws, kept in buf[0..n_pos) */
} lmpi_sample_est;

/* Draws a sample of random positions (its size grows as n^(2/3)); keeps the
 * positive valid losses in out. */
void lmpi_draw_sample(const float *loss,
                      const unsigned char *valid,
                      size_t n,
                      lmp_nonfinite nonfinite,
                      float *out,
                      lmpi_sample_est *est,
                      uint64_t *rng);
/* Pivots a < b around the rank r (from the top) of the sample s[0..k); 0
 * and INFINITY when the bracket runs off the sample.  Permutes s. */
void lmpi_bracket_rank(float *s, size_t k, double r, double *a, double *b, uint64_t *rng);

#endif /* LMP_INTERNAL_H */
