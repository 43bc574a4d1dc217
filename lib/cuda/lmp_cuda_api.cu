/*
 * The C API of lmp_cuda.h (and the test hook of lmp_cuda_internal.h) over
 * the launch orchestration of lmp_cuda_launch.cu.
 */
#include <cuda_runtime.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "lmp.h"
#include "lmp_cuda.h"
#include "lmp_cuda_internal.h"
}

#include "lmp_cuda_kernels.cuh"

struct lmp_cuda_solver {
    void *d_ws;
    size_t bytes;
    size_t max_batch;
    size_t max_n_total;
    int max_window; /* the test hook's setting (lmp_cuda_internal.h); KW by default */
    char err[256];
};

namespace
{

int
max_window_of(int buckets)
{
    return buckets < 0 || buckets > lmpi_cuda::KW ? lmpi_cuda::KW : buckets;
}

} /* namespace */

extern "C" lmp_status
lmpi_cuda_solve_batch_window(const lmp_cuda_batch *batch,
                             const lmp_params *params,
                             lmp_result *h_results,
                             lmp_status *h_status,
                             void *d_workspace,
                             size_t workspace_bytes,
                             lmp_cuda_stream stream,
                             int max_window)
{
    return lmpi_cuda::solve_sync(batch, params, h_results, h_status, d_workspace, workspace_bytes,
                                 (cudaStream_t)stream, max_window_of(max_window), nullptr, 0);
}

extern "C" void
lmpi_cuda_solver_set_max_window(lmp_cuda_solver *solver, int buckets)
{
    if (solver != nullptr)
        solver->max_window = max_window_of(buckets);
}

extern "C" int
lmp_cuda_device_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError(); /* clear the sticky-free error */
        return 0;
    }
    return n;
}

extern "C" lmp_status
lmp_cuda_workspace_size(size_t batch, size_t n_total, size_t *bytes)
{
    return lmpi_cuda::workspace_size(batch, n_total, bytes);
}

extern "C" lmp_status
lmp_cuda_solve_batch(const lmp_cuda_batch *batch,
                     const lmp_params *params,
                     lmp_result *h_results,
                     lmp_status *h_status,
                     void *d_workspace,
                     size_t workspace_bytes,
                     lmp_cuda_stream stream)
{
    return lmpi_cuda::solve_sync(batch, params, h_results, h_status, d_workspace, workspace_bytes,
                                 (cudaStream_t)stream, lmpi_cuda::KW, nullptr, 0);
}

extern "C" lmp_status
lmp_cuda_solve_batch_async(const lmp_cuda_batch *batch,
                           const lmp_params *params,
                           lmp_result *d_results,
                           lmp_status *d_status,
                           void *d_workspace,
                           size_t workspace_bytes,
                           lmp_cuda_stream stream)
{
    return lmpi_cuda::solve_async(batch, params, d_results, d_status, d_workspace, workspace_bytes,
                                  (cudaStream_t)stream, lmpi_cuda::KW, nullptr, 0);
}

extern "C" lmp_status
lmp_cuda_solver_create(size_t max_batch, size_t max_n_total, lmp_cuda_solver **out)
{
    size_t bytes;
    lmp_status st;
    if (out == nullptr)
        return LMP_ERR_INVALID_ARG;
    *out = nullptr;
    st = lmp_cuda_workspace_size(max_batch, max_n_total, &bytes);
    if (st != LMP_OK)
        return st;
    lmp_cuda_solver *s = static_cast<lmp_cuda_solver *>(calloc(1, sizeof *s));
    if (s == nullptr)
        return LMP_ERR_NOMEM;
    if (cudaMalloc(&s->d_ws, bytes) != cudaSuccess) {
        (void)cudaGetLastError();
        free(s);
        return LMP_ERR_CUDA;
    }
    s->bytes = bytes;
    s->max_batch = max_batch;
    s->max_n_total = max_n_total;
    s->max_window = lmpi_cuda::KW;
    *out = s;
    return LMP_OK;
}

extern "C" void
lmp_cuda_solver_destroy(lmp_cuda_solver *solver)
{
    if (solver == nullptr)
        return;
    cudaFree(solver->d_ws);
    free(solver);
}

extern "C" lmp_status
lmp_cuda_solver_solve(lmp_cuda_solver *solver,
                      const lmp_cuda_batch *batch,
                      const lmp_params *params,
                      lmp_result *h_results,
                      lmp_status *h_status,
                      lmp_cuda_stream stream)
{
    if (solver == nullptr)
        return LMP_ERR_INVALID_ARG;
    solver->err[0] = '\0';
    if (batch != nullptr && batch->batch > solver->max_batch) {
        strcpy(solver->err, "batch larger than the solver was created for");
        return LMP_ERR_INVALID_ARG;
    }
    const lmp_status st = lmpi_cuda::solve_sync(
        batch, params, h_results, h_status, solver->d_ws, solver->bytes, (cudaStream_t)stream,
        solver->max_window, solver->err, sizeof solver->err);
    if (st == LMP_ERR_INVALID_ARG && solver->err[0] == '\0')
        strcpy(solver->err, "invalid argument (NULL pointer, batch size, offsets, params or "
                            "more losses than the solver was created for)");
    return st;
}

extern "C" const char *
lmp_cuda_solver_last_error(const lmp_cuda_solver *solver)
{
    return solver != nullptr ? solver->err : "";
}

extern "C" lmp_status
lmp_cuda_solve_host(const float *h_loss,
                    const unsigned char *h_valid,
                    size_t batch,
                    size_t n,
                    const lmp_params *params,
                    float *h_weight,
                    lmp_result *h_results,
                    lmp_status *h_status)
{
    lmp_cuda_batch bt;
    size_t ws_bytes = 0;
    float *d_loss = nullptr;
    float *d_weight = nullptr;
    unsigned char *d_valid = nullptr;
    void *d_ws = nullptr;
    lmp_status st;
    const size_t bytes = (batch * n > 0 ? batch * n : 1) * sizeof(float);

    if ((h_loss == nullptr && batch * n > 0) || h_results == nullptr || batch == 0 ||
        (n != 0 && batch > ((size_t)-1 / 8) / n))
        return LMP_ERR_INVALID_ARG;
    st = lmp_cuda_workspace_size(batch, batch * n, &ws_bytes);
    if (st != LMP_OK)
        return st;
    if (cudaMalloc(&d_loss, bytes) != cudaSuccess || cudaMalloc(&d_ws, ws_bytes) != cudaSuccess ||
        (h_weight != nullptr && cudaMalloc(&d_weight, bytes) != cudaSuccess) ||
        (h_valid != nullptr && cudaMalloc(&d_valid, bytes / sizeof(float)) != cudaSuccess) ||
        cudaMemcpy(d_loss, h_loss, batch * n * sizeof(float), cudaMemcpyHostToDevice) !=
            cudaSuccess ||
        (h_valid != nullptr &&
         cudaMemcpy(d_valid, h_valid, batch * n, cudaMemcpyHostToDevice) != cudaSuccess)) {
        (void)cudaGetLastError();
        st = LMP_ERR_CUDA;
        goto cleanup;
    }
    memset(&bt, 0, sizeof bt);
    bt.d_loss = d_loss;
    bt.d_valid = d_valid;
    bt.d_weight = d_weight;
    bt.batch = batch;
    bt.n = n;
    st = lmp_cuda_solve_batch(&bt, params, h_results, h_status, d_ws, ws_bytes, nullptr);
    if (h_weight != nullptr &&
        (st == LMP_OK || st == LMP_ERR_EMPTY || st == LMP_ERR_INVALID_LOSS) &&
        cudaMemcpy(h_weight, d_weight, batch * n * sizeof(float), cudaMemcpyDeviceToHost) !=
            cudaSuccess)
        st = LMP_ERR_CUDA;
cleanup:
    cudaFree(d_loss);
    cudaFree(d_weight);
    cudaFree(d_valid);
    cudaFree(d_ws);
    return st;
}
