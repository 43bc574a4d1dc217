/* lmp_cuda.h in a build without CUDA: every call says so. */
#include <stddef.h>

#include "lmp_cuda.h"

int
lmp_cuda_device_count(void)
{
    return 0;
}

lmp_status
lmp_cuda_workspace_size(size_t batch, size_t n_total, size_t *bytes)
{
    (void)batch;
    (void)n_total;
    if (bytes != NULL)
        *bytes = 0;
    return LMP_ERR_UNSUPPORTED;
}

lmp_status
lmp_cuda_solve_batch(const lmp_cuda_batch *batch,
                     const lmp_params *params,
                     lmp_result *h_results,
                     lmp_status *h_status,
                     void *d_workspace,
                     size_t workspace_bytes,
                     lmp_cuda_stream stream)
{
    (void)batch;
    (void)params;
    (void)h_results;
    (void)h_status;
    (void)d_workspace;
    (void)workspace_bytes;
    (void)stream;
    return LMP_ERR_UNSUPPORTED;
}

lmp_status
lmp_cuda_solve_batch_async(const lmp_cuda_batch *batch,
                           const lmp_params *params,
                           lmp_result *d_results,
                           lmp_status *d_status,
                           void *d_workspace,
                           size_t workspace_bytes,
                           lmp_cuda_stream stream)
{
    (void)batch;
    (void)params;
    (void)d_results;
    (void)d_status;
    (void)d_workspace;
    (void)workspace_bytes;
    (void)stream;
    return LMP_ERR_UNSUPPORTED;
}

lmp_status
lmp_cuda_solver_create(size_t max_batch, size_t max_n_total, lmp_cuda_solver **out)
{
    (void)max_batch;
    (void)max_n_total;
    if (out != NULL)
        *out = NULL;
    return LMP_ERR_UNSUPPORTED;
}

void
lmp_cuda_solver_destroy(lmp_cuda_solver *solver)
{
    (void)solver;
}

lmp_status
lmp_cuda_solver_solve(lmp_cuda_solver *solver,
                      const lmp_cuda_batch *batch,
                      const lmp_params *params,
                      lmp_result *h_results,
                      lmp_status *h_status,
                      lmp_cuda_stream stream)
{
    (void)solver;
    (void)batch;
    (void)params;
    (void)h_results;
    (void)h_status;
    (void)stream;
    return LMP_ERR_UNSUPPORTED;
}

const char *
lmp_cuda_solver_last_error(const lmp_cuda_solver *solver)
{
    (void)solver;
    return "this build of liblmp has no CUDA support (configure with -DLMP_CUDA=ON)";
}

lmp_status
lmp_cuda_solve_host(const float *h_loss,
                    const unsigned char *h_valid,
                    size_t batch,
                    size_t n,
                    const lmp_params *params,
                    float *h_weight,
                    lmp_result *h_results,
                    lmp_status *h_status)
{
    (void)h_loss;
    (void)h_valid;
    (void)batch;
    (void)n;
    (void)params;
    (void)h_weight;
    (void)h_results;
    (void)h_status;
    return LMP_ERR_UNSUPPORTED;
}
