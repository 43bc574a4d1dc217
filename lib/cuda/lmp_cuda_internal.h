/*
 * Test hook of the CUDA solver (not installed): the widest window of level-0
 * buckets that the window path takes; wider windows go through the exact
 * level 0 (see lmp_cuda.cu).  0 sends every search with 1 < p < inf through
 * the exact level 0, so the tests can check that path too.  Negative values
 * restore the default.  Process-wide: set it only while no solve runs.
 */
#ifndef LMP_CUDA_INTERNAL_H
#define LMP_CUDA_INTERNAL_H

#ifdef __cplusplus
extern "C" {
#endif

void lmpi_cuda_set_max_window(int buckets);

#ifdef __cplusplus
}
#endif

#endif
