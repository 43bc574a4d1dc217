/* A program built against an installed liblmp_cuda.so.0 through lmp::lmp_cuda
 * (tests/install/run.sh): the CUDA solver, or the stub of a build without
 * CUDA, answers cleanly on any machine, with or without a GPU. */
#include <stdio.h>

#include <lmp_cuda.h>

int
main(void)
{
    size_t bytes = 0;
    lmp_cuda_solver *solver = NULL;
    const int n_dev = lmp_cuda_device_count();
    const lmp_status st = lmp_cuda_workspace_size(4, 1000, &bytes);

    if (n_dev < 0)
        return 1;
    if (st == LMP_ERR_UNSUPPORTED) {
        if (n_dev != 0 || lmp_cuda_solver_create(1, 10, &solver) != LMP_ERR_UNSUPPORTED ||
            solver != NULL)
            return 1;
        printf("lmp_cuda: no CUDA in this build (%s)\n", lmp_status_string(st));
        return 0;
    }
    if (st != LMP_OK || bytes == 0)
        return 1;
    printf("lmp_cuda: CUDA build, %d device(s), %zu bytes of workspace for 4 x 250\n", n_dev,
           bytes);
    return 0;
}
