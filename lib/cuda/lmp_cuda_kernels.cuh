/*
 * The LMP solver on the GPU: types, constants and device helpers shared by
 * its kernels, and the host launchers the orchestration calls (private; see
 * lmp_cuda.h for the contract, DESIGN.md §1-2).
 *
 *   lmp_cuda_passes.cu  the full passes over the losses (level 0, exact
 *                       level 0, level 1, weights)
 *   lmp_cuda_select.cu  the per-segment selections (window, levels 0-2,
 *                       the closed form)
 *   lmp_cuda_launch.cu  workspace layout, argument checks, the launch
 *                       sequence, results into device memory
 *   lmp_cuda_api.cu     the C API of lmp_cuda.h
 *
 * The algorithm.
 *
 * Losses >= 0 order like their IEEE bit patterns ("keys"), so theta can be
 * located by radix select on the keys, with no sort.  theta solves
 *     g(v) = #{l >= v} + sum_{l < v} (l/v)^q = m_px,
 * g is non-increasing, and theta is its largest root (as on the CPU, where
 * rounding makes g flat): g(v) >= m_px exactly when v <= theta.  One level
 * splits the key range [L, U) that holds theta (theta in [L, U)) into NB
 * buckets at pivots v_0 = L < v_1 < ... < v_NB = U and keeps, per bucket j,
 * the count c_j, the sum of the losses and P_j = sum (l / v_{j+1})^q (terms in
 * (0, 1]: no overflow whatever q).  Then
 *     g(v_j) = C + sum_{i >= j} c_i + S_below(j),
 *     S_below(j) = S_below(j-1) (v_{j-1}/v_j)^q + P_{j-1},
 * an affine recurrence evaluated for every j at once by a block scan.  The
 * largest j with g(v_j) >= m_px is theta's bucket; the buckets above fold into
 * the clamped count C (and their sum), those below into S (relative to the
 * new L), exactly as the CPU solver folds (solve.c), and nothing is ever
 * re-evaluated, so the levels cannot disagree with each other.
 *
 * Level 0 (bits 30..20 of the keys: 2048 buckets, an exponent and three
 * mantissa bits) counts only, with native shared-memory integer atomics.
 * Counts bound g at every pivot: a loss of bucket i adds between
 * (v_i/v_j)^q and (v_{i+1}/v_j)^q to g(v_j), so the pivots where even the
 * lower bound reaches m_px lie at or below theta, and those where even the
 * upper bound stays under it lie above.  That leaves a window of a few
 * level-0 buckets (two on most inputs, at most KW) that holds theta.  The
 * second pass over the losses then sums, in registers, the clamped count and
 * sum above the window and S = sum (l / v_lo)^q below it, builds the level-1
 * histogram (bits 19..10, 1024 buckets per level-0 bucket, with counts and
 * power sums) of the losses inside the window, and copies those out.  One
 * block per segment selects the level-1 bucket and, on the copy, the single
 * float value of level 2 (bits 9..0), adding up the copy's losses above the
 * level-1 bucket for the clamped sum; theta = lo (S/(m_px - C))^(1/q)
 * as on the CPU.  p = 1 selects the ceil(m_px)-th largest loss: its window
 * is the one level-0 bucket that the counts name.
 *
 * When the window is wider than KW buckets (very spread-out inputs with q
 * close to 1), level 0 is redone exactly for that segment: a pass adds the
 * sums and power sums per bucket (shared-memory double atomics, slower) and
 * the exact selection names one bucket; levels 1 and 2 follow as above.
 *
 * Exactness: counts are integers; the losses of one bucket share an
 * exponent, so their sum is exact in double in any order; the power sums are
 * double, per thread and then per block.  Everything after the histograms is
 * double.
 */
#ifndef LMP_CUDA_KERNELS_CUH
#define LMP_CUDA_KERNELS_CUH

#include <cuda_runtime.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "lmp.h"
#include "lmp_cuda.h"
}

namespace lmpi_cuda
{

typedef unsigned long long u64;

/* Buckets of the three levels. */
constexpr int NB0 = 2048; /* bits 30..20 */
constexpr int NB1 = 1024; /* bits 19..10 */
constexpr int KW = 4;     /* widest window of level-0 buckets */
constexpr int NB1W = KW * NB1;
constexpr int NB2 = 1024; /* bits 9..0 */
constexpr int SHIFT0 = 20;
constexpr int SHIFT1 = 10;
constexpr unsigned KEY_INF = 0x7F800000u;

/* Full passes: 256 threads, 4 losses per thread per step, 16 steps a block. */
constexpr int SCAN_THREADS = 256;
constexpr int SCAN_STEPS = 16;
constexpr size_t CHUNK = (size_t)SCAN_THREADS * 4 * SCAN_STEPS;
/* Per-segment kernels. */
constexpr int SEG_THREADS = 1024;

/* MODE_WINDOW: theta in the keys [key_lo, key_hi) after level 0's bounds;
 * MODE_EXACT0: that window was too wide, level 0 runs exactly; MODE_SEARCH:
 * theta in the one level-0 bucket at key_lo. */
enum SegMode {
    MODE_ZERO = 0,
    MODE_CONST,
    MODE_WINDOW,
    MODE_EXACT0,
    MODE_SEARCH,
    MODE_POW,
    MODE_P1
};

/* Everything one segment needs between the kernels, and its result. */
struct SegState {
    int status; /* lmp_status */
    int mode;
    u64 n_valid;
    u64 n_pos;
    u64 n_support; /* n_pos, or at p = 1 the losses >= t */
    u64 bad_index;
    float bad_value;
    float t;     /* p = 1: the ceil(m_px)-th largest loss */
    float share; /* p = 1: weight of the losses equal to t */
    double sum;  /* of the valid losses */
    double m_px;
    double gamma;
    double tau;
    double q;
    double theta;
    double value;
    u64 n_clamped;
    /* search state after level 0 */
    unsigned key_lo; /* level-1 range [key_lo, key_hi) */
    unsigned key_hi;
    int nb1;      /* level-1 buckets in it (1024 per level-0 bucket) */
    u64 C;        /* losses above the range */
    double sum_c; /* and their sum */
    double S;     /* sum over losses below the range of (l / value(key_lo))^q */
    u64 kk;       /* p = 1: ceil(m_px) */
};

/* Totals of the full passes, zeroed before each solve. */
struct SegAcc {
    u64 n_valid;
    double sum;   /* of the positive losses */
    u64 C;        /* MODE_WINDOW: losses above the window */
    double sum_c; /* and their sum */
    double S;     /* sum over the losses below it of (l / value(key_lo))^q */
};

struct SegInfo {
    const u64 *off; /* B + 1 offsets, or NULL: segment s starts at base + s n */
    u64 base;
    u64 n;
};

__device__ __forceinline__ void
seg_range(const SegInfo &si, unsigned s, u64 &b, u64 &e)
{
    if (si.off != nullptr) {
        b = si.off[s];
        e = si.off[s + 1];
    } else {
        b = si.base + (u64)s * si.n;
        e = b + si.n;
    }
}

/* Histogram of one level in global memory, structure of arrays, NB per segment. */
struct Hist {
    u64 *c;
    double *sx;
    double *P;
};

__device__ __forceinline__ double
key_value(unsigned key)
{
    return key >= KEY_INF ? (double)INFINITY : (double)__uint_as_float(key);
}

/* (a / b)^q for pivots a <= b; 0 when b is infinite. */
__device__ __forceinline__ double
ratio_pow(double a, double b, double q)
{
    if (isinf(b) || a <= 0.0)
        return 0.0;
    return pow(a / b, q);
}

/* --- Host launchers: each queues one kernel on `stream` and returns
 * cudaGetLastError().  KQ-templated kernels take kq = int_exponent(q) (-1:
 * no power sums, p = 1 or inf), k_weights ke = int_exponent(q - 1). --- */

/* lmp_cuda_passes.cu */
cudaError_t launch_count0(dim3 grid,
                          cudaStream_t stream,
                          const float *loss,
                          const unsigned char *valid,
                          int err_nonfinite,
                          SegInfo si,
                          u64 *h0c,
                          SegAcc *acc,
                          u64 *bad);
cudaError_t launch_pow0(int kq,
                        dim3 grid,
                        cudaStream_t stream,
                        const float *loss,
                        const unsigned char *valid,
                        SegInfo si,
                        double q,
                        Hist h0,
                        const SegState *state);
cudaError_t launch_scan1(int kq,
                         dim3 grid,
                         cudaStream_t stream,
                         const float *loss,
                         const unsigned char *valid,
                         SegInfo si,
                         double q,
                         Hist h1,
                         double *r1,
                         SegAcc *acc,
                         const SegState *state,
                         float *cand,
                         unsigned *bcnt);
cudaError_t launch_weights(int ke,
                           dim3 grid,
                           cudaStream_t stream,
                           const float *loss,
                           const unsigned char *valid,
                           SegInfo si,
                           const SegState *state,
                           float *weight);

/* lmp_cuda_select.cu */
cudaError_t launch_select0(unsigned n_seg,
                           cudaStream_t stream,
                           const float *loss,
                           SegInfo si,
                           double p,
                           double m,
                           double m_pixels,
                           const u64 *h0c,
                           const SegAcc *acc,
                           const u64 *bad,
                           SegState *state,
                           int max_window);
cudaError_t launch_select0x(unsigned n_seg, cudaStream_t stream, Hist h0, SegState *state);
/* k_finish needs more than the default 48 KiB of shared memory: call this
 * before launch_finish (once per device; cheap afterwards, and allowed while
 * a stream is being captured). */
cudaError_t prepare_finish(void);
cudaError_t launch_finish(unsigned n_seg,
                          cudaStream_t stream,
                          SegInfo si,
                          Hist h1,
                          const double *r1,
                          const SegAcc *acc,
                          SegState *state,
                          const float *cand,
                          const unsigned *bcnt,
                          unsigned gx);

/* lmp_cuda_launch.cu: one solve.  max_window: the widest window of level-0
 * buckets the window path takes (KW by default; the test hook of
 * lmp_cuda_internal.h lowers it).  err: NULL or err_len bytes for the
 * failing CUDA call's text. */
lmp_status workspace_size(size_t batch, size_t n_total, size_t *bytes);
/* Queues everything on `stream`; the results reach d_results (and d_status)
 * by a kernel.  No synchronisation, allocation or host copy. */
lmp_status solve_async(const lmp_cuda_batch *bt,
                       const lmp_params *prm,
                       lmp_result *d_results,
                       lmp_status *d_status,
                       void *d_ws,
                       size_t ws_bytes,
                       cudaStream_t stream,
                       int max_window,
                       char *err,
                       size_t err_len);
/* solve_async into the workspace, one copy of the results to the host, one
 * wait; returns the worst status. */
lmp_status solve_sync(const lmp_cuda_batch *bt,
                      const lmp_params *prm,
                      lmp_result *h_results,
                      lmp_status *h_status,
                      void *d_ws,
                      size_t ws_bytes,
                      cudaStream_t stream,
                      int max_window,
                      char *err,
                      size_t err_len);

} /* namespace lmpi_cuda */

#endif /* LMP_CUDA_KERNELS_CUH */
