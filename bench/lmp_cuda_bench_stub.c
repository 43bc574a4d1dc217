/* lmp_cuda_bench.h in a build without CUDA: the benchmark says so. */
#include <stddef.h>

#include "lmp_cuda_bench.h"

lmp_status
lmp_cuda_bench_run(const float *h_loss,
                   size_t batch,
                   size_t n,
                   double p,
                   double m,
                   int repeat,
                   lmp_cuda_bench_out *out,
                   char *err,
                   size_t err_len)
{
    (void)h_loss;
    (void)batch;
    (void)n;
    (void)p;
    (void)m;
    (void)repeat;
    (void)out;
    if (err != NULL && err_len > 0)
        err[0] = '\0';
    return LMP_ERR_UNSUPPORTED;
}
