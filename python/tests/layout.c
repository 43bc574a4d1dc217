/*
 * Prints sizeof and offsetof of the structs that lmpviz (Python) mirrors
 * with ctypes, as one JSON object; test_lib.py compares them with its own.
 */
#include <stddef.h>
#include <stdio.h>

#include "lmp.h"
#include "lmp_cuda.h"

#define FIELD(s, f) printf("%s\"%s\": %zu", first ? "" : ", ", #f, offsetof(s, f)), first = 0

int
main(void)
{
    int first;

    printf("{\"lmp_params\": {\"sizeof\": %zu, \"offsets\": {", sizeof(lmp_params));
    first = 1;
    FIELD(lmp_params, p);
    FIELD(lmp_params, m);
    FIELD(lmp_params, m_pixels);
    FIELD(lmp_params, nonfinite);
    printf("}}, \"lmp_result\": {\"sizeof\": %zu, \"offsets\": {", sizeof(lmp_result));
    first = 1;
    FIELD(lmp_result, value);
    FIELD(lmp_result, mean);
    FIELD(lmp_result, theta);
    FIELD(lmp_result, tau);
    FIELD(lmp_result, gamma);
    FIELD(lmp_result, m_px);
    FIELD(lmp_result, n_valid);
    FIELD(lmp_result, n_clamped);
    FIELD(lmp_result, n_support);
    FIELD(lmp_result, bad_index);
    FIELD(lmp_result, bad_value);
    printf("}}, \"lmp_batch\": {\"sizeof\": %zu, \"offsets\": {", sizeof(lmp_batch));
    first = 1;
    FIELD(lmp_batch, loss);
    FIELD(lmp_batch, valid);
    FIELD(lmp_batch, weight);
    FIELD(lmp_batch, batch);
    FIELD(lmp_batch, n);
    FIELD(lmp_batch, offsets);
    FIELD(lmp_batch, pooling);
    printf("}}, \"lmp_cuda_batch\": {\"sizeof\": %zu, \"offsets\": {", sizeof(lmp_cuda_batch));
    first = 1;
    FIELD(lmp_cuda_batch, d_loss);
    FIELD(lmp_cuda_batch, d_valid);
    FIELD(lmp_cuda_batch, d_weight);
    FIELD(lmp_cuda_batch, batch);
    FIELD(lmp_cuda_batch, n);
    FIELD(lmp_cuda_batch, h_offsets);
    FIELD(lmp_cuda_batch, pooling);
    printf("}}, \"enums\": {\"sizeof_lmp_status\": %zu, \"sizeof_lmp_nonfinite\": %zu, "
           "\"sizeof_lmp_pooling\": %zu, \"LMP_ERR_INVALID_LOSS\": %d, \"LMP_ERR_EMPTY\": %d, "
           "\"LMP_ERR_NOMEM\": %d, \"LMP_NONFINITE_IGNORE\": %d, \"LMP_POOL_BATCH\": %d, "
           "\"LMP_CUDA_POOL_BATCH\": %d, \"LMP_ERR_UNSUPPORTED\": %d}}\n",
           sizeof(lmp_status), sizeof(lmp_nonfinite), sizeof(lmp_pooling),
           (int)LMP_ERR_INVALID_LOSS, (int)LMP_ERR_EMPTY, (int)LMP_ERR_NOMEM,
           (int)LMP_NONFINITE_IGNORE, (int)LMP_POOL_BATCH, (int)LMP_CUDA_POOL_BATCH,
           (int)LMP_ERR_UNSUPPORTED);
    return 0;
}
