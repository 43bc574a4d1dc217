/*
 * lmp_cuda.h - the LMP solver on the GPU, batched, exact (same answers as
 * lmp_solve), behind a C API.
 *
 * Every pointer named d_* is device memory owned by the caller; h_* is host
 * memory.  The solver keeps no pointer after a call.  A build without CUDA
 * (LMP_CUDA=OFF, or no nvcc found) provides the same functions; they return
 * LMP_ERR_UNSUPPORTED, lmp_cuda_device_count() returns 0, and
 * lmp_cuda_workspace_size() returning LMP_ERR_UNSUPPORTED is how a program
 * tells that build apart.
 *
 * Library: liblmp_cuda.so.0 (CMake: lmp::lmp_cuda, which brings lmp::lmp;
 * by hand: -llmp_cuda -llmp), with the CUDA runtime linked in statically,
 * so it needs only the driver, and needing no liblmp.so itself.  Installed
 * in both builds, so a program that loads it at run time (dlopen, ctypes,
 * cffi) always finds it and asks it whether there is CUDA.
 *
 * Maths and conventions: see lmp.h and lmp_solve.  A batch is B segments
 * (images); each is an LMP problem of its own (LMP_CUDA_POOL_SEGMENT, the
 * default) or all B form one problem (LMP_CUDA_POOL_BATCH).
 *
 * Algorithm: no sort.  Losses >= 0 order like their float bit patterns.  A
 * first pass counts them into 2048 buckets of the top bits; bounds from the
 * counts bracket theta within a few buckets.  A second pass sums the losses
 * above the bracket and the power sums below it, histograms (counts and
 * power sums) the losses inside it and copies them out; two more levels on
 * those (10 and 10 bits) narrow theta to a single float value, then the
 * closed form theta = lo * (S / (m_px - C))^(1/q) of the CPU solver and one
 * pass writes the weights.  Where the bracket is wide (rare), the first
 * level is redone exactly with per-bucket power sums.  Two full reads of the
 * losses and one read-and-write for the weights.
 */
#ifndef LMP_CUDA_H
#define LMP_CUDA_H

#include <stddef.h>

#include "lmp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The CUDA runtime's stream type, without including cuda_runtime.h:
 * cudaStream_t is `struct CUstream_st *`, so a cudaStream_t converts to and
 * from this type without a cast.  NULL is the default stream. */
typedef struct CUstream_st *lmp_cuda_stream;

typedef enum lmp_cuda_pooling {
    LMP_CUDA_POOL_SEGMENT = 0, /* one LMP problem per segment: B results */
    LMP_CUDA_POOL_BATCH        /* one LMP problem over all segments: 1 result */
} lmp_cuda_pooling;

/* One batch of losses on the device. */
typedef struct lmp_cuda_batch {
    const float *d_loss;          /* the losses of all segments, back to back */
    const unsigned char *d_valid; /* NULL (all valid) or one byte per loss, 0 = masked out */
    float *d_weight;              /* NULL (values only) or one float per loss; may not alias */
    size_t batch;                 /* B >= 1 segments (at most LMP_CUDA_MAX_BATCH) */
    size_t n;                     /* losses per segment, when h_offsets is NULL */
    const size_t *h_offsets;      /* NULL, or B + 1 non-decreasing HOST offsets into
                                     d_loss: segment s is [h_offsets[s], h_offsets[s+1]) */
    lmp_cuda_pooling pooling;
} lmp_cuda_batch;

#define LMP_CUDA_MAX_BATCH 65535

/* Number of usable CUDA devices; 0 when none, when the driver is missing, or
 * in a build without CUDA.  Never fails. */
int lmp_cuda_device_count(void);

/*
 * Device scratch needed to solve a batch of `batch` segments holding
 * `n_total` losses in all (for LMP_CUDA_POOL_BATCH as well).  The size grows
 * with both, so the value for the largest batch serves every smaller one.
 * Returns LMP_OK, LMP_ERR_INVALID_ARG (bytes NULL, batch 0 or above
 * LMP_CUDA_MAX_BATCH), LMP_ERR_NOMEM (n_total above 2^40) or, without CUDA,
 * LMP_ERR_UNSUPPORTED.  Needs no device.
 */
lmp_status lmp_cuda_workspace_size(size_t batch, size_t n_total, size_t *bytes);

/*
 * Solve every segment of the batch.
 *
 * params       as for lmp_solve; not NULL.
 * h_results    host array of B results (1 with LMP_CUDA_POOL_BATCH), filled
 *              like lmp_solve fills its result; bad_index counts from the
 *              start of its segment.
 * h_status     NULL, or a host array of B (or 1) statuses, one per result:
 *              LMP_OK, LMP_ERR_INVALID_LOSS, LMP_ERR_EMPTY or
 *              LMP_ERR_NO_CONVERGENCE.
 * d_workspace  at least lmp_cuda_workspace_size(B, n_total) bytes of device
 *              memory, 256-byte aligned (cudaMalloc's are); not shared by two
 *              calls in flight.
 * stream       the work is queued on it; the call returns after the results
 *              have reached the host (the weights are then written too).
 *              Same work as lmp_cuda_solve_batch_async (below), then one copy
 *              of the results to the host and a cudaStreamSynchronize.
 *
 * Weights: as lmp_solve; 0 for masked, ignored and zero losses, and every
 * weight of a segment with an invalid loss or no valid loss is 0.
 *
 * Returns LMP_ERR_INVALID_ARG (NULL pointers where not allowed, B = 0,
 * decreasing offsets, bad params, workspace too small), LMP_ERR_CUDA (a
 * CUDA call failed, e.g. no device), LMP_ERR_UNSUPPORTED (no CUDA in this
 * build); otherwise the worst per-result status: LMP_ERR_INVALID_LOSS if any
 * segment has one, else LMP_ERR_EMPTY if any is empty, else
 * LMP_ERR_NO_CONVERGENCE if any failed (should not happen), else LMP_OK.
 */
lmp_status lmp_cuda_solve_batch(const lmp_cuda_batch *batch,
                                const lmp_params *params,
                                lmp_result *h_results,
                                lmp_status *h_status,
                                void *d_workspace,
                                size_t workspace_bytes,
                                lmp_cuda_stream stream);

/*
 * The same work with nothing waited for and nothing copied to the host, for
 * training loops: every kernel is queued on `stream` and the results stay
 * in device memory.  The call never synchronises, allocates, copies memory
 * (no cudaMemcpy of any kind) or reads anything back; every decision that
 * depends on the losses is taken on the device, and the launches follow
 * from what the host knows (B, n or the offsets, params, whether d_valid
 * and d_weight are NULL).  So calls can be captured in a CUDA graph and the
 * graph replayed: each replay reads the losses then in d_loss and rewrites
 * the weights and results.  lmp_cuda_solve_batch is this call plus one copy
 * of the results to the host and one wait.  (With a driver older than
 * CUDA 12.3, which cannot load kernels lazily while a stream is captured,
 * make one uncaptured call first, as a warm-up before capture does.)
 *
 * d_results    device array of B lmp_result (1 with LMP_CUDA_POOL_BATCH),
 *              8-byte aligned, written on `stream` (by the last kernel) as
 *              lmp_cuda_solve_batch writes h_results.
 * d_status     NULL, or a device array of B (or 1) lmp_status, one per
 *              result, 4-byte aligned; the worst status is not formed (read
 *              these).
 * d_workspace  as lmp_cuda_solve_batch; in use until the work on `stream`
 *              is done (memory from torch's caching allocator, allocated on
 *              `stream`, is not reused before that).  A captured graph keeps
 *              every pointer of the call (losses, mask, weights, workspace,
 *              results): they must stay allocated while the graph is used.
 * h_offsets    with equal segments (h_offsets NULL) the bounds of every
 *              segment follow from n on the device.  With h_offsets, they
 *              are read on the host during the call and travel inside the
 *              parameters of small kernel launches (one per 496 offsets), not
 *              through a copy: the host array may be freed or changed as
 *              soon as the call returns, and the call stays asynchronous and
 *              capturable, but a captured graph keeps the offsets of the
 *              capture (change them: capture again).
 *
 * Returns LMP_ERR_INVALID_ARG (as lmp_cuda_solve_batch; also d_results NULL
 * or misaligned), LMP_ERR_UNSUPPORTED (no CUDA in this build), LMP_ERR_CUDA
 * (a launch failed, e.g. no device) or LMP_OK once the work is queued; the
 * per-result outcomes are only in d_status.  Errors of the kernels themselves
 * surface, as with any CUDA work, at the next synchronising call.
 */
lmp_status lmp_cuda_solve_batch_async(const lmp_cuda_batch *batch,
                                      const lmp_params *params,
                                      lmp_result *d_results,
                                      lmp_status *d_status,
                                      void *d_workspace,
                                      size_t workspace_bytes,
                                      lmp_cuda_stream stream);

/*
 * Host arrays in and out, for tools (not for a training loop): copies B
 * segments of n losses (and the mask, NULL = all valid) to the device, solves
 * them per segment, copies the weights back (h_weight NULL: values only).
 * Device memory is allocated and freed inside the call.  Statuses as
 * lmp_cuda_solve_batch, LMP_ERR_CUDA also when there is no device.
 */
lmp_status lmp_cuda_solve_host(const float *h_loss,
                               const unsigned char *h_valid,
                               size_t batch,
                               size_t n,
                               const lmp_params *params,
                               float *h_weight,
                               lmp_result *h_results,
                               lmp_status *h_status);

/*
 * The same with scratch owned by a solver object: create once (the device
 * memory for max_batch segments and max_n_total losses is allocated here),
 * solve every step, destroy at the end.  A batch larger than the maximum is
 * LMP_ERR_INVALID_ARG.
 */
typedef struct lmp_cuda_solver lmp_cuda_solver;

/* LMP_OK, LMP_ERR_INVALID_ARG, LMP_ERR_NOMEM, LMP_ERR_CUDA (no device, or
 * cudaMalloc failed) or LMP_ERR_UNSUPPORTED; *out is NULL on failure. */
lmp_status lmp_cuda_solver_create(size_t max_batch, size_t max_n_total, lmp_cuda_solver **out);
/* destroy(NULL) does nothing. */
void lmp_cuda_solver_destroy(lmp_cuda_solver *solver);
lmp_status lmp_cuda_solver_solve(lmp_cuda_solver *solver,
                                 const lmp_cuda_batch *batch,
                                 const lmp_params *params,
                                 lmp_result *h_results,
                                 lmp_status *h_status,
                                 lmp_cuda_stream stream);
/* Fixed or CUDA text about the last failure of this solver ("" if none);
 * never NULL.  NULL solver: the text for a failed create is not kept. */
const char *lmp_cuda_solver_last_error(const lmp_cuda_solver *solver);

#ifdef __cplusplus
}
#endif

#endif /* LMP_CUDA_H */
