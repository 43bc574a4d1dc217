/*
 * Reference solver: sort the positive losses in decreasing order d_0 >= d_1
 * >= ... and try k = 0, 1, ... clamped pixels.  With k clamped,
 *     theta^q = sum_{i >= k} d_i^q / (m_px - k),
 * and k is right when d_k <= theta <= d_{k-1} (decided on the sums, see
 * theta_sorted).  The tail sums are formed from
 * the bottom up relative to their largest term, T_k = sum_{i >= k} (d_i/d_k)^q
 * = 1 + T_{k+1} (d_{k+1}/d_k)^q, so no power over- or underflows and no
 * difference of large sums is taken.  Everything is in double.
 */
#include <math.h>
#include <stdlib.h>

#include "lmp_internal.h"

static int
cmp_desc(const void *a, const void *b)
{
    const double x = *(const double *)a;
    const double y = *(const double *)b;
    return (x < y) - (x > y);
}

/*
 * theta for q in (1, inf) and n_pos > m_px, from the sorted losses, and the
 * clamped count k.  g(d_k) = k + T_k, and g is non-increasing, so theta >=
 * d_k exactly when k + T_k >= m_px: the right k is the smallest one with
 * that property (then g(d_{k-1}) < m_px, so theta < d_{k-1}).  Deciding k
 * on the sums, not on where a root lands, stays right when q is huge (p
 * near 1): there theta_k rounds onto d_k for two consecutive k, and a test
 * on theta with slack picked the wrong one.
 */
static lmp_status
theta_sorted(const double *d, size_t n_pos, double m_px, double q, double *theta, size_t *clamped)
{
    double *tail = malloc(n_pos * sizeof *tail);
    size_t k;

    if (tail == NULL)
        return LMP_ERR_NOMEM;
    tail[n_pos - 1] = 1.0;
    for (k = n_pos - 1; k-- > 0;)
        tail[k] = 1.0 + tail[k + 1] * pow(d[k + 1] / d[k], q);
    for (k = 0; k < n_pos && (double)k < m_px; k++) {
        if ((double)k + tail[k] >= m_px) {
            double t = d[k] * pow(tail[k] / (m_px - (double)k), 1.0 / q);
            /* Rounding must not move theta out of [d_k, d_{k-1}]. */
            t = fmax(t, d[k]);
            if (k > 0)
                t = fmin(t, d[k - 1]);
            free(tail);
            *theta = t;
            *clamped = k;
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
    size_t support;

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
    support = scan.n_pos;

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
                   : x > t                                           ? s.tau
                   : x == t                                          ? share
                                                                     : 0.0;
        }
        r.theta = t;
        r.n_clamped = above + (share == s.tau ? equal : 0);
        support = above + equal; /* the losses below t get 0 */
    } else {
        double theta;
        size_t kc = 0;
        status = theta_sorted(d, scan.n_pos, s.m_px, s.q, &theta, &kc);
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
        /* L = tau (sum of the k clamped + theta (m_px - k)), which follows
         * from g(theta) = m_px.  Summing w_i l_i instead is ill-conditioned
         * for large q: a relative error e in theta moves each unclamped
         * weight by (q - 1) e, about 1e-7 at p = 1 + 1e-9. */
        for (i = 0; i < kc; i++)
            value += d[i];
        value = s.tau * (value + theta * (s.m_px - (double)kc));
    }
    for (i = 0; i < n; i++) {
        if (isinf(s.q) && lmpi_is_valid(loss, valid, i, params->nonfinite))
            value += w[i] * (double)loss[i];
        if (weight != NULL)
            weight[i] = (float)w[i];
    }
    r.value = value;
    r.n_support = support;
    *result = r;
    status = LMP_OK;
cleanup:
    free(d);
    free(w);
    return status;
}
