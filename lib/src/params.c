#include <math.h>

#include "lmp_internal.h"

lmp_status
lmp_params_check(const lmp_params *params)
{
    if (params == NULL)
        return LMP_ERR_INVALID_ARG;
    /* !(x >= 1) also rejects NaN. */
    if (!(params->p >= 1.0))
        return LMP_ERR_INVALID_ARG;
    if (params->nonfinite != LMP_NONFINITE_ERROR && params->nonfinite != LMP_NONFINITE_IGNORE)
        return LMP_ERR_INVALID_ARG;
    if (params->m_pixels != 0.0) {
        if (!(params->m_pixels >= 1.0) || !isfinite(params->m_pixels))
            return LMP_ERR_INVALID_ARG;
        return LMP_OK;
    }
    if (!(params->m > 0.0 && params->m <= 1.0))
        return LMP_ERR_INVALID_ARG;
    return LMP_OK;
}

void
lmpi_setup_init(lmpi_setup *s, const lmp_params *params, size_t n_valid)
{
    const double n = (double)n_valid;
    double m_px = params->m_pixels > 0.0 ? params->m_pixels : params->m * n;

    if (m_px < 1.0)
        m_px = 1.0;
    if (m_px > n)
        m_px = n;
    s->p = params->p;
    s->m_px = m_px;
    if (isinf(params->p)) {
        s->q = 1.0;
        s->gamma = 1.0 / n;
        s->tau = 1.0 / n;
    } else if (params->p == 1.0) {
        s->q = INFINITY;
        s->gamma = 1.0;
        s->tau = 1.0 / m_px;
    } else {
        s->q = params->p / (params->p - 1.0);
        s->gamma = pow(n, 1.0 / params->p - 1.0);
        s->tau = s->gamma * pow(m_px, -1.0 / params->p);
    }
}

int
lmpi_int_exponent(double e)
{
    if (e >= 1.0 && e <= LMPI_MAX_INT_POW && e == floor(e))
        return (int)e;
    return 0;
}
