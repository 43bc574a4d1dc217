/*
 * lmp_cuda_bench.h - the GPU benchmark of `lmpviz bench --device cuda` and
 * bench/lmp_gpu_bench, in the library lmp_cuda_bench of bench/ (internal to
 * lmpviz, not installed; a stub without CUDA returns LMP_ERR_UNSUPPORTED).
 *
 * Times, with CUDA events after warm-up, the median of `repeat` runs of
 *   (a) lmp_cuda_solve_batch (results copied to the host included),
 *   (b) the sort-based GPU solver a user would write: CUB segmented radix
 *       sort, a power per loss, a prefix sum per segment, a kernel that finds
 *       theta in the sorted sums, the weight pass, theta to the host,
 *   (c) the floor: one kernel that reads each loss once, computes one power
 *       and writes each weight once,
 * on `batch` segments of `n` losses given on the host (1 < p < inf), and
 * checks (a) against lmp_solve on the first and the last segment.
 */
#ifndef LMP_CUDA_BENCH_H
#define LMP_CUDA_BENCH_H

#include <stddef.h>

#include "lmp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lmp_cuda_bench_out {
    char device[256]; /* the card, e.g. "NVIDIA H100 80GB HBM3" */
    int sm_major;
    int sm_minor;
    double a_ms; /* medians */
    double b_ms;
    double c_ms;
    double m_px;
    double value0;     /* LMP loss of segment 0 from (a) */
    double value_rel;  /* worst relative error of (a)'s values against lmp_solve */
    double weight_rel; /* worst relative error of (a)'s weights */
    double theta_rel;  /* worst relative difference of (b)'s theta from (a)'s */
} lmp_cuda_bench_out;

/* LMP_OK; LMP_ERR_INVALID_ARG (batch 0 or > 65535, n 0, p outside (1, inf),
 * m outside (0, 1], repeat 0); LMP_ERR_NOMEM; LMP_ERR_CUDA (no device, or a
 * CUDA call failed: err says which); LMP_ERR_UNSUPPORTED without CUDA. */
lmp_status lmp_cuda_bench_run(const float *h_loss,
                              size_t batch,
                              size_t n,
                              double p,
                              double m,
                              int repeat,
                              lmp_cuda_bench_out *out,
                              char *err,
                              size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* LMP_CUDA_BENCH_H */
