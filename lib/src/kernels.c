/*
 * Passes over the whole input.  They are the cost floor of the solver, so
 * they are written to vectorise: no early exits, selects instead of branches,
 * and integer exponents (p = 1.5 gives q = 3, q - 1 = 2) as products.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "lmp_internal.h"

lmp_status
lmpi_find_bad(const float *loss,
              const unsigned char *valid,
              size_t n,
              lmp_nonfinite nonfinite,
              lmp_result *result)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const float x = loss[i];
        if (valid != NULL && valid[i] == 0)
            continue;
        const int finite = x - x == 0.0f;
        if (finite ? x < 0.0f : nonfinite == LMP_NONFINITE_ERROR) {
            result->bad_index = i;
            result->bad_value = x;
            return LMP_ERR_INVALID_LOSS;
        }
    }
    return LMP_OK;
}

lmp_status
lmpi_scan_input(const float *loss,
                const unsigned char *valid,
                size_t n,
                lmp_nonfinite nonfinite,
                lmpi_scan *scan,
                lmp_result *result)
{
    size_t n_valid = 0;
    size_t n_pos = 0;
    size_t n_bad = 0;
    double sum = 0.0;
    size_t i;

    /* Counts only; the first bad index is searched for afterwards. */
    for (i = 0; i < n; i++) {
        const float x = loss[i];
        const int use = valid == NULL || valid[i] != 0;
        const int finite = (x - x == 0.0f);
        const int bad = use && (finite ? x < 0.0f : nonfinite == LMP_NONFINITE_ERROR);
        const int take = use && finite && x >= 0.0f;
        n_bad += (size_t)bad;
        n_valid += (size_t)take;
        n_pos += (size_t)(take && x > 0.0f);
        sum += take ? (double)x : 0.0;
    }
    if (n_bad > 0)
        return lmpi_find_bad(loss, valid, n, nonfinite, result);
    scan->n_valid = n_valid;
    scan->n_pos = n_pos;
    scan->sum = sum;
    return LMP_OK;
}

/* value on every positive finite loss, 0 elsewhere and on masked pixels. */
LMPI_CLONES static void
fill_weights_const(
    const float *loss, const unsigned char *valid, size_t n, float value, float *weight)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const float x = loss[i];
        weight[i] = x > 0.0f && x - x == 0.0f ? value : 0.0f;
    }
    if (valid != NULL) {
        for (i = 0; i < n; i++)
            weight[i] = valid[i] ? weight[i] : 0.0f;
    }
}

int
lmpi_solve_direct(const float *loss,
                  const unsigned char *valid,
                  size_t n,
                  const lmpi_setup *s,
                  const lmpi_scan *scan,
                  float *weight,
                  lmp_result *result,
                  lmp_status *status)
{
    if (scan->n_valid == 0) {
        result->n_valid = 0;
        if (weight != NULL)
            memset(weight, 0, n * sizeof *weight);
        *status = LMP_ERR_EMPTY;
        return 0;
    }
    result->n_valid = scan->n_valid;
    result->mean = scan->sum / (double)scan->n_valid;
    result->m_px = s->m_px;
    result->gamma = s->gamma;
    result->tau = s->tau;
    if (scan->n_pos == 0) {
        if (weight != NULL)
            memset(weight, 0, n * sizeof *weight);
        *status = LMP_OK;
        return 0;
    }
    /* p = inf (q = 1): uniform 1/n.  At most m_px positive losses: the
     * equation for theta has no root and every positive loss sits at tau. */
    if (isinf(s->p) || (double)scan->n_pos <= s->m_px) {
        result->theta = 0.0;
        result->n_clamped = scan->n_pos;
        result->n_support = scan->n_pos;
        result->value = s->tau * scan->sum;
        if (weight != NULL)
            fill_weights_const(loss, valid, n, (float)s->tau, weight);
        *status = LMP_OK;
        return 0;
    }
    return -1;
}

/* The passes with a non-integer exponent in four lanes (vpow.h); where the
 * processor has AVX-512 the eight-lane ones in kernels_avx512.c run instead,
 * with the same arithmetic in every lane and so the same results. */
LMPI_CLONES static void
weights_real4(const float *loss,
              size_t n,
              double theta,
              double e,
              double tau,
              double pre_a,
              double c_pre,
              float *weight)
{
    LMPI_WEIGHTS_REAL_BODY(v4d, v4l, 4, lmpi_pow_unit4);
}

LMPI_CLONES static double
fold_real4(const float *loss,
           const unsigned char *valid,
           size_t n,
           double a,
           double q,
           double x_skip,
           float *pre)
{
    LMPI_FOLD_REAL_BODY(v4d, v4l, 4, lmpi_pow_unit4);
}

/* The four-lane passes on their own, for the tests (lmp_internal.h). */
void
lmpi_weights_real4(const float *loss,
                   size_t n,
                   double theta,
                   double e,
                   double tau,
                   double pre_a,
                   double c_pre,
                   float *weight)
{
    weights_real4(loss, n, theta, e, tau, pre_a, c_pre, weight);
}

double
lmpi_fold_real4(const float *loss,
                const unsigned char *valid,
                size_t n,
                double a,
                double q,
                double x_skip,
                float *pre)
{
    return fold_real4(loss, valid, n, a, q, x_skip, pre);
}

static void
weights_real(
    const float *loss, size_t n, double theta, double e, double tau, double pre_a, float *weight)
{
    const double c_pre = pre_a > 0.0 ? tau * pow(pre_a / theta, e) : 0.0;
#ifdef LMPI_HAVE_AVX512
    if (lmpi_have_avx512()) {
        lmpi_weights_real8(loss, n, theta, e, tau, pre_a, c_pre, weight);
        return;
    }
#endif
    weights_real4(loss, n, theta, e, tau, pre_a, c_pre, weight);
}

double
lmpi_fold_real(
    const float *loss, const unsigned char *valid, size_t n, double a, double q, float *pre)
{
    /* Terms below 2^-70 are dropped: they add up to at most n 2^-70 against
     * a sum g(a) > m_px >= 1 (8e-13 relative for n = 2^30), and for q far
     * above 1 (p near 1) that skips most losses.  The weights stored in pre
     * for the dropped ones are 0, which they are anyway when they fall below
     * FLT_MIN: tau (l / theta)^(q - 1) <= (l / a)^(q - 1).  The same losses
     * are dropped with and without pre, so the sum does not depend on it. */
    const double r_skip = fmin(exp2(-70.0 / q), pow(FLT_MIN, 1.0 / (q - 1.0)));
    const double x_skip = fmax(a * r_skip, FLT_TRUE_MIN);
#ifdef LMPI_HAVE_AVX512
    if (lmpi_have_avx512())
        return lmpi_fold_real8(loss, valid, n, a, q, x_skip, pre);
#endif
    return fold_real4(loss, valid, n, a, q, x_skip, pre);
}

/* lmpi_pow_k with a constant k, so that each loop below has a fixed body. */
#define POWK(r, K, e) lmpi_pow_k((r), (K), (e))

LMPI_CLONES static void
weights_pow_clones(const float *loss,
                   const unsigned char *valid,
                   lmp_nonfinite nonfinite,
                   size_t n,
                   double theta,
                   double e,
                   double tau,
                   double pre_a,
                   float *weight)
{
    const double inv_theta = 1.0 / theta;
    const int k = lmpi_int_exponent(e);
    size_t i;

    /* Zero losses give r = 0 and weight 0; non-finite ones are fixed below.
     * The clamp tests the loss against theta, not r against 1: x * (1 /
     * theta) can land one ulp below 1 for x == theta, and for p near 1 the
     * exponent e = q - 1 (1e12 at p = 1 + 1e-12) turns that ulp into a
     * visibly smaller weight for a clamped pixel. */
#define WEIGHTS(K)                                                                                 \
    for (i = 0; i < n; i++) {                                                                      \
        const double x = loss[i];                                                                  \
        double r = x * inv_theta;                                                                  \
        r = x < theta ? r : 1.0;                                                                   \
        weight[i] = lmpi_weight_float(tau * POWK(r, K, e));                                        \
    }
    switch (k) {
    case 1:
        WEIGHTS(1);
        break;
    case 2:
        WEIGHTS(2);
        break;
    case 3:
        WEIGHTS(3);
        break;
    case 4:
        WEIGHTS(4);
        break;
    default:
        weights_real(loss, n, theta, e, tau, pre_a, weight);
        break;
    }
#undef WEIGHTS
    if (valid != NULL) {
        for (i = 0; i < n; i++)
            weight[i] = valid[i] ? weight[i] : 0.0f;
    }
    if (nonfinite == LMP_NONFINITE_IGNORE) {
        for (i = 0; i < n; i++)
            weight[i] = loss[i] - loss[i] == 0.0f ? weight[i] : 0.0f;
    }
}

/* After weights_pow_clones: clang refuses to make a function
 * multiversioned (target_clones) once it has been called. */
void
lmp_power_pass(const float *loss, size_t n, double theta, double e, double tau, float *weight)
{
    weights_pow_clones(loss, NULL, LMP_NONFINITE_ERROR, n, theta, e, tau, 0.0, weight);
}

LMPI_CLONES static void
weights_p1_clones(const float *loss,
                  const unsigned char *valid,
                  lmp_nonfinite nonfinite,
                  size_t n,
                  float t,
                  float w_tau,
                  float w_share,
                  float *weight)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const float x = loss[i];
        weight[i] = x > t ? w_tau : (x == t ? w_share : 0.0f);
    }
    if (valid != NULL) {
        for (i = 0; i < n; i++)
            weight[i] = valid[i] ? weight[i] : 0.0f;
    }
    if (nonfinite == LMP_NONFINITE_IGNORE) {
        for (i = 0; i < n; i++)
            weight[i] = loss[i] - loss[i] == 0.0f ? weight[i] : 0.0f;
    }
}

/* The extern entry points call the clones: clang resolves a target_clones
 * function only in its own translation unit (solve.c would not link). */
void
lmpi_weights_pow(const float *loss,
                 const unsigned char *valid,
                 lmp_nonfinite nonfinite,
                 size_t n,
                 double theta,
                 double e,
                 double tau,
                 double pre_a,
                 float *weight)
{
    weights_pow_clones(loss, valid, nonfinite, n, theta, e, tau, pre_a, weight);
}

void
lmpi_weights_p1(const float *loss,
                const unsigned char *valid,
                lmp_nonfinite nonfinite,
                size_t n,
                float t,
                float w_tau,
                float w_share,
                float *weight)
{
    weights_p1_clones(loss, valid, nonfinite, n, t, w_tau, w_share, weight);
}
