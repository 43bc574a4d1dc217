/*
 * Test hooks of the CUDA solver (not installed, and not exported by
 * liblmp_cuda.so: the tests link the static library).
 *
 * The widest window of level-0 buckets that the window path takes; wider windows go through the
 * exact level 0 (see lmp_cuda_kernels.cuh).  0 sends every search with
 * 1 < p < inf through the exact level 0, so the tests can check that path
 * too.  Negative values, or values above the default, give the default.
 * A setting of one call or of one solver object; there is no global state.
 */
#ifndef LMP_CUDA_INTERNAL_H
#define LMP_CUDA_INTERNAL_H

#include <stddef.h>

#include "lmp.h"
#include "lmp_cuda.h"

#ifdef __cplusplus
extern "C" {
#endif

/* lmp_cuda_solve_batch with the widest window given. */
lmp_status lmpi_cuda_solve_batch_window(const lmp_cuda_batch *batch,
                                        const lmp_params *params,
                                        lmp_result *h_results,
                                        lmp_status *h_status,
                                        void *d_workspace,
                                        size_t workspace_bytes,
                                        lmp_cuda_stream stream,
                                        int max_window);

/* Every later lmp_cuda_solver_solve on `solver` uses this window; NULL does
 * nothing. */
void lmpi_cuda_solver_set_max_window(lmp_cuda_solver *solver, int buckets);

/* The workspace layout for `batch` segments of n_total losses: the start of
 * each region in the order they lie (accumulators, level-0 and level-1
 * histograms, first bad index, level-1 ratios, segment states, offsets,
 * candidates, per-block counts, the synchronous entry's results), then the
 * total size.  1, or 0 when the sizes overflow.  Needs no device. */
#define LMPI_CUDA_REGIONS 10
int lmpi_cuda_workspace_regions(size_t batch, size_t n_total, size_t out[LMPI_CUDA_REGIONS + 1]);

#ifdef __cplusplus
}
#endif

#endif
