/*
 * Reference solver: sort the positive losses in decreasing order d_0 >= d_1
 * >= ... and try k = 0, 1, ... clamped pixels.  With k clamped,
 *     theta^q = sum_{i >= k} d_i^q / (m_px - k),
 * and k is right when d_k <= theta <= d_{k-1}.  The tail sums are formed from
 * the bottom up relative to their largest term, T_k = sum_{i >= k} (d_i/d_k)^q
 * = 1 + T_{k+1} (d_{k+1}/d_k)^q, so no power over- or underflows and no
 * difference of large sums is taken.  Everything is in double.
 */
#include <math.h>
#include <stdlib.h>

#include "lmp_internal.h"

/* Slack for the bracket test d_k <= theta <= d_{k-1}: theta comes out of a
 * pow() of a sum, a few ulps off its exact value. */
#define SORTED_BRACKET_RTOL 1e-12

static int
cmp_desc(const void *a, const void *b)
{
    const double x = *(const double *)a;
    const double y = *(const double *)b;
    return (x < y) - (x > y);
}

/* theta for q in (1, inf) and n_pos > m_px, from the sorted losses. */
static lmp_status
theta_sorted(const double *d, size_t n_pos, double m_px, double q, double *theta)
{
    double *tail = malloc(n_pos * sizeof *tail);
    size_t k;

    if (tail == NULL)
        return LMP_ERR_NOMEM;
    tail[n_pos - 1] = 1.0;
    for (k = n_pos - 1; k-- > 0;)
        tail[k] = 1.0 + tail[k + 1] * pow(d[k + 1] / d[k], q);
    for (k = 0; k < n_pos && (double)k < m_px; k++) {
        const double t = d[k] * pow(tail[k] / (m_px - (double)k), 1.0 / q);
        const int above_low = t >= d[k] * (1.0 - SORTED_BRACKET_RTOL);
        const int below_high = k == 0 || t <= d[k - 1] * (1.0 + SORTED_BRACKET_RTOL);
        if (above_low && below_high) {
            free(tail);
            *theta = t;
            return LMP_OK;
        }
    }
    free(tail);
    return LMP_ERR_NO_CONVERGENCE;
}

lmp_status
lmp_solve_sorted(const float *loss,
                 const unsigned char *valid,
                 size_t n,
                 const lmp_params *params,
                 float *weight,
                 lmp_result *result)
{
    lmpi_scan scan;
    lmpi_setup s = { 0 };
    lmp_result r = { 0 };
    lmp_status status;
    double *d = NULL;
    double *w = NULL;
    double value = 0.0;
    size_t k = 0;
    size_t i;

    if (result == NULL || (loss == NULL && n > 0) || lmp_params_check(params) != LMP_OK)
        return LMP_ERR_INVALID_ARG;
    status = lmpi_scan_input(loss, valid, n, params->nonfinite, &scan, &r);
    if (status != LMP_OK) {
        *result = r;
        return status;
    }
    if (scan.n_valid > 0)
        lmpi_setup_init(&s, params, scan.n_valid);
    if (lmpi_solve_direct(loss, valid, n, &s, &scan, weight, &r, &status) == 0) {
        *result = r;
        return status;
    }

    d = malloc(scan.n_pos * sizeof *d);
    w = malloc(n * sizeof *w);
    if (d == NULL || w == NULL) {
        status = LMP_ERR_NOMEM;
        goto cleanup;
    }
    for (i = 0; i < n; i++) {
        if (lmpi_is_valid(loss, valid, i, params->nonfinite) && loss[i] > 0.0f)
            d[k++] = loss[i];
    }
    qsort(d, scan.n_pos, sizeof *d, cmp_desc);

    if (isinf(s.q)) {
        /* p = 1: tau on losses above t = d[K-1], K = ceil(m_px); the rest of
         * the mass split equally among the losses equal to t. */
        const size_t kk = (size_t)ceil(s.m_px);
        const double t = d[kk - 1];
        size_t above = 0;
        size_t equal = 0;
        double share;
        for (i = 0; i < scan.n_pos; i++) {
            above += d[i] > t;
            equal += d[i] == t;
        }
        share = (s.m_px - (double)above) / (s.m_px * (double)equal);
        for (i = 0; i < n; i++) {
            const double x = loss[i];
            w[i] = !lmpi_is_valid(loss, valid, i, params->nonfinite) ? 0.0
                   : x > t                                          ? s.tau
                   : x == t                                         ? share
                                                                    : 0.0;
        }
        r.theta = t;
        r.n_clamped = above + (share == s.tau ? equal : 0);
    } else {
        double theta;
        status = theta_sorted(d, scan.n_pos, s.m_px, s.q, &theta);
        if (status != LMP_OK)
            goto cleanup;
        r.n_clamped = 0;
        for (i = 0; i < n; i++) {
            const double x = loss[i];
            if (!lmpi_is_valid(loss, valid, i, params->nonfinite))
                w[i] = 0.0;
            else if (x >= theta)
                w[i] = s.tau;
            else
                w[i] = s.tau * pow(x / theta, s.q - 1.0);
            r.n_clamped += lmpi_is_valid(loss, valid, i, params->nonfinite) && x >= theta;
        }
        r.theta = theta;
    }
    for (i = 0; i < n; i++) {
        if (lmpi_is_valid(loss, valid, i, params->nonfinite))
            value += w[i] * (double)loss[i];
        if (weight != NULL)
            weight[i] = (float)w[i];
    }
    r.value = value;
    r.n_support = scan.n_pos;
    *result = r;
    status = LMP_OK;
cleanup:
    free(d);
    free(w);
    return status;
}
