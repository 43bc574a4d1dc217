/*
 * lmp.h - exact Loss Max-Pooling (LMP) weight solver.
 *
 * Rota Bulo, Neuhold, Kontschieder, "Loss Max-Pooling for Semantic Image
 * Segmentation", CVPR 2017.  For losses l_1..l_n >= 0, p in [1, inf] and a
 * support size m_px in [1, n], the LMP loss is
 *
 *     L(l) = max { sum_i w_i l_i : w >= 0, ||w||_p <= gamma, ||w||_inf <= tau }
 *
 * with gamma = n^(1/p - 1) and tau = gamma * m_px^(-1/p).  The maximiser w* is
 * the gradient of L with respect to the losses, so the weights written here
 * are the backward pass of the loss.
 *
 * The solver needs only libc and libm.  It keeps no global state: concurrent
 * calls are safe as long as they do not share an lmp_workspace.
 */
#ifndef LMP_H
#define LMP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LMP_VERSION_MAJOR  0
#define LMP_VERSION_MINOR  1
#define LMP_VERSION_PATCH  0
#define LMP_VERSION_STRING "0.1.0"

typedef enum lmp_status {
    LMP_OK = 0,
    LMP_ERR_INVALID_ARG,    /* bad parameter: p < 1 or NaN, m outside (0, 1], m_pixels < 1, NULL */
    LMP_ERR_INVALID_LOSS,   /* a negative, NaN or infinite loss; see lmp_result.bad_index */
    LMP_ERR_EMPTY,          /* no valid pixel: value 0, weights 0 (outputs are still written) */
    LMP_ERR_NOMEM,          /* allocation failed or size overflow */
    LMP_ERR_NO_CONVERGENCE, /* internal consistency check failed (should not happen) */
    LMP_ERR_CUDA,           /* a CUDA runtime call failed */
    LMP_ERR_UNSUPPORTED     /* feature not built in (e.g. CUDA) */
} lmp_status;

/* What to do with NaN and +-Inf losses.  Negative losses are always an error. */
typedef enum lmp_nonfinite {
    LMP_NONFINITE_ERROR = 0, /* return LMP_ERR_INVALID_LOSS naming the first one */
    LMP_NONFINITE_IGNORE     /* treat them like masked-out pixels */
} lmp_nonfinite;

typedef struct lmp_params {
    double p;        /* norm exponent in [1, INFINITY]; INFINITY gives the mean loss */
    double m;        /* support as a fraction of the valid pixels, in (0, 1] */
    double m_pixels; /* support as a pixel count >= 1; used instead of m when > 0 */
    lmp_nonfinite nonfinite;
} lmp_params;

/* p = 1.5, m = 0.1, m_pixels unused, non-finite losses are errors. */
#define LMP_PARAMS_INIT                                                                            \
    {                                                                                              \
        1.5, 0.1, 0.0, LMP_NONFINITE_ERROR                                                         \
    }

typedef struct lmp_result {
    double value;     /* the LMP loss L(l) */
    double mean;      /* mean of the valid losses (L is never below it) */
    double theta;     /* threshold: losses >= theta get weight tau (see lmp_solve); 0 when
                         p = INFINITY or at most m_px losses are positive (the p-ball is
                         slack and every positive loss gets tau) */
    double tau;       /* cap on a single weight */
    double gamma;     /* radius of the p-ball */
    double m_px;      /* effective support in pixels, clamp(m * n_valid, 1, n_valid) */
    size_t n_valid;   /* pixels left after the mask and ignored non-finite values */
    size_t n_clamped; /* pixels whose weight is exactly tau */
    size_t n_support; /* pixels whose exact weight is not 0: the positive losses, or
                         at p = 1 the losses >= theta (near p = 1 the float weights
                         of losses far below theta can still round to 0) */
    size_t bad_index; /* with LMP_ERR_INVALID_LOSS: index of the first bad loss */
    float bad_value;  /* ... and its value */
} lmp_result;

/* Scratch memory reused across calls, so a training loop does not allocate on
 * every step.  Create once, pass to every lmp_solve, destroy at the end.  It
 * grows on demand; lmp_workspace_create(0) is valid.  A workspace must not be
 * used by two threads at once. */
typedef struct lmp_workspace lmp_workspace;

/* Returns NULL when out of memory.  n_hint: largest n expected (may be 0).
 * The workspace has no thread pool: every call runs on the calling thread. */
lmp_workspace *lmp_workspace_create(size_t n_hint);

/* The same with a persistent pool of `threads` threads in all, the caller's
 * included (0: one per online CPU; 1: no pool, as lmp_workspace_create).  The
 * threads are started here and stopped by destroy, never per call.
 * lmp_solve_batch spreads images over them, and lmp_solve splits the passes
 * of one large problem over them.  Results do not depend on the count.
 * In a child of fork() the workspace still works, on the calling thread
 * alone.  Returns NULL when out of memory or when threads cannot be
 * started. */
lmp_workspace *lmp_workspace_create_threads(size_t n_hint, unsigned threads);

/* Threads the workspace runs on (1 without a pool); 1 for NULL. */
unsigned lmp_workspace_threads(const lmp_workspace *ws);

/* destroy(NULL) does nothing. */
void lmp_workspace_destroy(lmp_workspace *ws);

/*
 * Solve LMP for n losses.
 *
 * loss      n floats, read only; must be >= 0 where valid.
 * valid     NULL (every pixel valid) or n bytes, non-zero = valid.  Masked
 *           pixels are removed before n, gamma, tau and m_px are formed.
 * params    see lmp_params; not NULL.
 * weight    NULL (value only) or n floats written with w*: 0 at masked,
 *           ignored and zero losses.  May not alias loss.
 * result    not NULL; filled on LMP_OK and LMP_ERR_EMPTY (bad_index on
 *           LMP_ERR_INVALID_LOSS).
 * ws        NULL (scratch is allocated and freed inside the call) or a
 *           workspace from lmp_workspace_create.
 *
 * The maximiser is w_i = tau * min(1, l_i / theta)^(q - 1), q = p / (p - 1),
 * where theta solves sum_i min(1, l_i / theta)^q = m_px.  Conventions at the
 * limits: zero losses get weight 0; when at most m_px losses are positive
 * each gets tau; p = INFINITY gives 1/n to every positive loss; p = 1 gives
 * tau = 1/m_px to losses above the ceil(m_px)-th largest and splits the rest
 * of the mass equally among the losses equal to it.  A weight below FLT_MIN
 * is written as 0 (no subnormal).  Expected time O(n), no full sort; with a
 * workspace that has threads, a problem of 4M losses or more runs its passes
 * on them, with the same result.
 *
 * Returns LMP_OK, LMP_ERR_INVALID_ARG, LMP_ERR_INVALID_LOSS, LMP_ERR_EMPTY,
 * LMP_ERR_NOMEM or LMP_ERR_NO_CONVERGENCE.
 */
lmp_status lmp_solve(const float *loss,
                     const unsigned char *valid,
                     size_t n,
                     const lmp_params *params,
                     float *weight,
                     lmp_result *result,
                     lmp_workspace *ws);

typedef enum lmp_pooling {
    LMP_POOL_IMAGE = 0, /* one LMP problem per image: B results */
    LMP_POOL_BATCH      /* one LMP problem over all images: 1 result */
} lmp_pooling;

/* B images of losses in one host array. */
typedef struct lmp_batch {
    const float *loss;          /* the losses of all images, back to back */
    const unsigned char *valid; /* NULL (all valid) or one byte per loss, 0 = masked out */
    float *weight;              /* NULL (values only) or one float per loss; may not alias */
    size_t batch;               /* B >= 1 images */
    size_t n;                   /* losses per image, when offsets is NULL */
    const size_t *offsets;      /* NULL, or B + 1 non-decreasing offsets into loss:
                                   image s is [offsets[s], offsets[s+1]) */
    lmp_pooling pooling;
} lmp_batch;

/*
 * Solve every image of a batch, spread over the workspace's threads (see
 * lmp_workspace_create_threads; ws NULL: the calling thread alone, scratch
 * allocated inside the call).  Each image gives exactly what lmp_solve gives
 * on it alone, whatever the thread count.
 *
 * results   B results (1 with LMP_POOL_BATCH), filled as lmp_solve fills its
 *           result; bad_index counts from the start of its image (from
 *           offsets[0] with LMP_POOL_BATCH).
 * status    NULL, or B (or 1) statuses, one per result: LMP_OK,
 *           LMP_ERR_INVALID_LOSS, LMP_ERR_EMPTY, LMP_ERR_NOMEM or
 *           LMP_ERR_NO_CONVERGENCE.
 *
 * Weights: as lmp_solve's for each image.
 *
 * Returns LMP_ERR_INVALID_ARG (NULL where not allowed, B = 0, decreasing
 * offsets, bad params, an unknown pooling, B x n or offsets[B] floats more
 * than memory can address), otherwise the worst per-result status: NOMEM,
 * then INVALID_LOSS, then NO_CONVERGENCE, then EMPTY, then LMP_OK (NOMEM
 * also when status is NULL and B statuses cannot be allocated).  Nothing is
 * written on LMP_ERR_INVALID_ARG.  batch->loss may be NULL only when the
 * batch holds no loss at all.
 */
lmp_status lmp_solve_batch(const lmp_batch *batch,
                           const lmp_params *params,
                           lmp_result *results,
                           lmp_status *status,
                           lmp_workspace *ws);

/*
 * Reference solver: same contract as lmp_solve, computed by a full sort of the
 * losses in double precision (O(n log n)).  Slow; meant for tests and for
 * checking the fast solver.
 */
lmp_status lmp_solve_sorted(const float *loss,
                            const unsigned char *valid,
                            size_t n,
                            const lmp_params *params,
                            float *weight,
                            lmp_result *result);

/*
 * The last pass of lmp_solve on its own: weight[i] = tau * min(1, loss[i] /
 * theta)^e for i < n, with no validation and no mask (theta > 0, e >= 0).
 * Reading n floats, one power each and writing n floats is the floor that
 * the solver's speed is measured against (`lmpviz bench`).
 */
void lmp_power_pass(const float *loss, size_t n, double theta, double e, double tau, float *weight);

/*
 * Benchmark aid: runs `tasks` tasks over the workspace's threads (as
 * lmp_solve_batch spreads images; ws NULL: on the caller), each `iters`
 * steps of register-only arithmetic with no memory traffic.  Timed with 1
 * thread and with T, it shows how many cores are really free to the batch
 * (`lmpviz bench --threads`).  Returns a checksum that depends on every
 * task, NaN when out of memory.
 */
double lmp_workspace_spin(lmp_workspace *ws, size_t tasks, size_t iters);

/*
 * The k-th smallest (0-based) of v[0..n), k < n, by the solver's selection
 * (expected O(n), no sort): for quantiles and colour limits.  Permutes v;
 * NaN must not occur.  Returns NAN when v is NULL or k >= n.
 */
float lmp_select(float *v, size_t n, size_t k);

/* Checks p and m without solving: LMP_OK or LMP_ERR_INVALID_ARG. */
lmp_status lmp_params_check(const lmp_params *params);

/* Fixed English text for a status; never NULL. */
const char *lmp_status_string(lmp_status status);

/* "0.1.0" */
const char *lmp_version(void);

#ifdef __cplusplus
}
#endif

#endif /* LMP_H */
