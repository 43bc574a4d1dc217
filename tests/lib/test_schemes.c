/* Tests of lib/src/schemes.c: known answers for every scheme, the limits
 * (focal gamma = 0 is the mean, top-k equals LMP at p = 1, per-image
 * inverse and median frequency coincide), ties, masks, every status, and
 * property tests against a sort-based reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../test_util.h"
#include "lmp.h"
#include "lmp_schemes.h"

/* float weights of values formed in double: one rounding each. */
#define W_TOL 1e-6

static void
assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol * (1.0 + fabs(want))))
        fail_msg("got %.9g, want %.9g (tol %g)", got, want, tol);
}

static lmp_scheme
scheme_of(lmp_scheme_kind kind)
{
    lmp_scheme s;
    lmp_params def = LMP_PARAMS_INIT;
    memset(&s, 0, sizeof s);
    s.kind = kind;
    s.lmp = def;
    s.thresh = 0.7;
    s.min_kept = 100000;
    s.k = 0.1;
    s.gamma = 2.0;
    s.n_classes = 19;
    return s;
}

static lmp_scheme_input
input_of(size_t n,
         const float *loss,
         const float *pt,
         const unsigned char *cls,
         const unsigned char *valid)
{
    lmp_scheme_input in;
    in.n = n;
    in.loss = loss;
    in.pt = pt;
    in.cls = cls;
    in.valid = valid;
    return in;
}

static void
test_uniform_masked(void **state)
{
    const float loss[5] = { 1, 2, 3, 4, 5 };
    const unsigned char valid[5] = { 1, 0, 1, 1, 0 };
    float w[5];
    lmp_scheme s = scheme_of(LMP_SCHEME_UNIFORM);
    lmp_scheme_input in = input_of(5, loss, NULL, NULL, valid);
    lmp_scheme_result r;
    (void)state;

    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_int_equal(r.n_valid, 3);
    assert_int_equal(r.n_kept, 3);
    assert_true(w[1] == 0.0f && w[4] == 0.0f);
    assert_close(w[0], 1.0 / 3.0, W_TOL);
    assert_close(r.weight_sum, 1.0, W_TOL);
    assert_close(r.value, (1.0 + 3.0 + 4.0) / 3.0, W_TOL);
    /* no losses needed */
    in.loss = NULL;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_true(isnan(r.value));
}

/* OHEM keeps p_t < thresh, or at least min_kept of the hardest. */
static void
test_ohem_kept_set(void **state)
{
    const float pt[8] = { 0.1f, 0.9f, 0.5f, 0.65f, 0.8f, 0.75f, 0.2f, 0.95f };
    float loss[8], w[8], wl[8];
    lmp_scheme s = scheme_of(LMP_SCHEME_OHEM);
    lmp_scheme_input in = input_of(8, NULL, pt, NULL, NULL);
    lmp_scheme_result r;
    size_t i;
    (void)state;

    /* below thresh: 0.1, 0.5, 0.65, 0.2 */
    s.min_kept = 2;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_int_equal(r.n_kept, 4);
    for (i = 0; i < 8; i++)
        assert_true(w[i] == (pt[i] < 0.7f ? 0.25f : 0.0f));
    assert_close(r.threshold, 0.7, 1e-12);

    /* min_kept = 6 adds the next hardest two, 0.75 and 0.8 */
    s.min_kept = 6;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_int_equal(r.n_kept, 6);
    for (i = 0; i < 8; i++)
        assert_true(w[i] == (pt[i] <= 0.8f ? (float)(1.0 / 6.0) : 0.0f));
    assert_close(r.threshold, 0.8, 1e-6);

    /* the same from losses, p_t = exp(-loss) */
    for (i = 0; i < 8; i++)
        loss[i] = (float)-log((double)pt[i]);
    in.pt = NULL;
    in.loss = loss;
    assert_int_equal(lmp_scheme_weights(&s, &in, wl, &r, NULL), LMP_OK);
    assert_memory_equal(w, wl, sizeof w);
    s.min_kept = 2;
    assert_int_equal(lmp_scheme_weights(&s, &in, wl, &r, NULL), LMP_OK);
    assert_int_equal(r.n_kept, 4);

    /* min_kept beyond n keeps all; thresh 0 and min_kept 0 keep none */
    in.pt = pt;
    in.loss = NULL;
    s.min_kept = 1000;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_int_equal(r.n_kept, 8);
    s.thresh = 0.0;
    s.min_kept = 0;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_int_equal(r.n_kept, 0);
    assert_true(r.weight_sum == 0.0);
    /* thresh 1 keeps every p_t < 1 */
    s.thresh = 1.0;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_int_equal(r.n_kept, 8);
}

/* Ties with the min_kept-th hardest are all kept; the toolkits' rule
 * (threshold max(thresh, p_(min_kept+1)), keep p < threshold) agrees when
 * there are no ties. */
static void
test_ohem_ties_and_toolkit_rule(void **state)
{
    const float tied[6] = { 0.9f, 0.8f, 0.8f, 0.8f, 0.95f, 0.99f };
    float w[6];
    lmp_scheme s = scheme_of(LMP_SCHEME_OHEM);
    lmp_scheme_input in = input_of(6, NULL, tied, NULL, NULL);
    lmp_scheme_result r;
    uint64_t rng = test_seed();
    size_t trial;
    (void)state;

    s.min_kept = 2;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_int_equal(r.n_kept, 3);
    assert_true(w[1] == w[2] && w[2] == w[3] && w[0] == 0.0f);

    for (trial = 0; trial < 50; trial++) {
        enum { N = 300 };
        float p[N], sorted[N], w2[N];
        size_t i, kept = 0, min_kept = (size_t)(test_rand_unit(&rng) * N);
        double thr, thresh = test_rand_unit(&rng);
        for (i = 0; i < N; i++)
            p[i] = (float)((double)(i + 1) / (N + 1)); /* distinct */
        for (i = N - 1; i > 0; i--) {
            size_t j = (size_t)(test_rand_unit(&rng) * (double)(i + 1));
            float t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        memcpy(sorted, p, sizeof p);
        for (i = 1; i < N; i++) { /* insertion sort, the reference */
            float v = sorted[i];
            size_t j = i;
            while (j > 0 && sorted[j - 1] > v) {
                sorted[j] = sorted[j - 1];
                j--;
            }
            sorted[j] = v;
        }
        thr = fmax(thresh, (double)sorted[min_kept < N - 1 ? min_kept : N - 1]);
        s.thresh = thresh;
        s.min_kept = min_kept;
        in = input_of(N, NULL, p, NULL, NULL);
        assert_int_equal(lmp_scheme_weights(&s, &in, w2, &r, NULL), LMP_OK);
        for (i = 0; i < N; i++) {
            int keep = (double)p[i] < thr;
            kept += keep;
            assert_true((w2[i] != 0.0f) == keep);
        }
        assert_int_equal(r.n_kept, kept);
        if (kept > 0)
            assert_close(r.weight_sum, 1.0, 1e-5);
    }
}

static void
test_topk_known(void **state)
{
    const float loss[5] = { 5, 1, 3, 2, 4 };
    const float tied[4] = { 3, 3, 1, 3 };
    float w[5];
    lmp_scheme s = scheme_of(LMP_SCHEME_TOPK);
    lmp_scheme_input in = input_of(5, loss, NULL, NULL, NULL);
    lmp_scheme_result r;
    (void)state;

    s.k = 0.5; /* k_px = 2.5: 5 and 4 at 0.4, 3 gets the last 0.2 */
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_close(r.k_px, 2.5, 0);
    assert_close(r.threshold, 3.0, 0);
    assert_close(w[0], 0.4, W_TOL);
    assert_close(w[4], 0.4, W_TOL);
    assert_close(w[2], 0.2, W_TOL);
    assert_true(w[1] == 0.0f && w[3] == 0.0f);
    assert_close(r.value, 0.4 * 9 + 0.2 * 3, W_TOL);

    s.k = 0.0;
    s.k_pixels = 2.0; /* the three 3s share 2/2 equally */
    in = input_of(4, tied, NULL, NULL, NULL);
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_close(w[0], 1.0 / 3.0, W_TOL);
    assert_true(w[0] == w[1] && w[1] == w[3] && w[2] == 0.0f);
    s.k_pixels = 100.0; /* clamped to n: the mean */
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_close(r.k_px, 4.0, 0);
    assert_close(w[2], 0.25, W_TOL);
}

/* top-k at fraction k is LMP at p = 1, m = k, bit for bit, when the
 * ceil(k n)-th largest loss is positive. */
static void
test_topk_equals_lmp_p1(void **state)
{
    uint64_t rng = test_seed();
    size_t trial;
    (void)state;

    for (trial = 0; trial < 40; trial++) {
        size_t n = 1 + (size_t)(test_rand_unit(&rng) * 3000), i;
        float *loss = malloc(n * sizeof *loss), *w1 = malloc(n * sizeof *w1),
              *w2 = malloc(n * sizeof *w2);
        unsigned char *valid = malloc(n);
        lmp_scheme s = scheme_of(LMP_SCHEME_TOPK), l = scheme_of(LMP_SCHEME_LMP);
        lmp_scheme_input in;
        lmp_scheme_result r1, r2;
        int ties = trial % 2;
        assert_non_null(loss);
        assert_non_null(w1);
        assert_non_null(w2);
        assert_non_null(valid);
        for (i = 0; i < n; i++) {
            double u = test_rand_unit(&rng);
            /* positive losses; half the trials with many ties */
            loss[i] = ties ? (float)(1 + (int)(u * 5)) : (float)(0.01 - log(1.0 - u));
            valid[i] = test_rand_unit(&rng) < 0.9 || i == 0;
        }
        s.k = l.lmp.m = 0.001 + 0.999 * test_rand_unit(&rng);
        l.lmp.p = 1.0;
        in = input_of(n, loss, NULL, NULL, valid);
        assert_int_equal(lmp_scheme_weights(&s, &in, w1, &r1, NULL), LMP_OK);
        assert_int_equal(lmp_scheme_weights(&l, &in, w2, &r2, NULL), LMP_OK);
        assert_memory_equal(w1, w2, n * sizeof *w1);
        assert_close(r1.value, r2.value, 1e-6);
        assert_close(r1.k_px, r2.k_px, 0);
        assert_close(r1.weight_sum, 1.0, 1e-5);
        free(loss);
        free(w1);
        free(w2);
        free(valid);
    }
}

/* Selection against a sort: the threshold of top-k is the ceil(k)-th
 * largest; permuting the input permutes the weights; scaling the losses
 * leaves them alone. */
static void
test_topk_properties(void **state)
{
    uint64_t rng = test_seed();
    size_t trial;
    (void)state;

    for (trial = 0; trial < 40; trial++) {
        size_t n = 1 + (size_t)(test_rand_unit(&rng) * 2000), i, kk;
        float *loss = malloc(n * sizeof *loss), *sorted = malloc(n * sizeof *sorted);
        float *perm = malloc(n * sizeof *perm), *w = malloc(n * sizeof *w),
              *wp = malloc(n * sizeof *wp), *ws = malloc(n * sizeof *ws);
        size_t *idx = malloc(n * sizeof *idx);
        lmp_scheme s = scheme_of(LMP_SCHEME_TOPK);
        lmp_scheme_input in;
        lmp_scheme_result r;
        assert_true(loss && sorted && perm && w && wp && ws && idx);
        for (i = 0; i < n; i++) {
            double u = test_rand_unit(&rng);
            /* zeros and ties included */
            loss[i] = trial % 3 == 0 ? (float)(int)(u * 4) : (float)(-log(1.0 - u));
            idx[i] = i;
        }
        for (i = n - 1; i > 0; i--) {
            size_t j = (size_t)(test_rand_unit(&rng) * (double)(i + 1)), t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        for (i = 0; i < n; i++)
            perm[i] = loss[idx[i]];
        memcpy(sorted, loss, n * sizeof *loss);
        for (i = 1; i < n; i++) {
            float v = sorted[i];
            size_t j = i;
            while (j > 0 && sorted[j - 1] < v) {
                sorted[j] = sorted[j - 1];
                j--;
            }
            sorted[j] = v;
        }
        s.k = 0.001 + 0.999 * test_rand_unit(&rng);
        in = input_of(n, loss, NULL, NULL, NULL);
        assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
        kk = (size_t)ceil(r.k_px);
        assert_true(r.threshold == (double)sorted[kk - 1]);
        assert_close(r.weight_sum, 1.0, 1e-5);
        in.loss = perm;
        assert_int_equal(lmp_scheme_weights(&s, &in, wp, &r, NULL), LMP_OK);
        for (i = 0; i < n; i++)
            assert_true(wp[i] == w[idx[i]]);
        for (i = 0; i < n; i++)
            perm[i] = 4.0f * loss[i];
        assert_int_equal(lmp_scheme_weights(&s, &in, ws, &r, NULL), LMP_OK);
        assert_memory_equal(ws, w, n * sizeof *w);
        free(loss);
        free(sorted);
        free(perm);
        free(w);
        free(wp);
        free(ws);
        free(idx);
    }
}

static void
test_focal(void **state)
{
    const float pt[4] = { 0.5f, 0.9f, 0.0f, 1.0f };
    const float ones[3] = { 1.0f, 1.0f, 1.0f };
    float loss[4], w[4], wl[4], wu[4];
    lmp_scheme s = scheme_of(LMP_SCHEME_FOCAL), u = scheme_of(LMP_SCHEME_UNIFORM);
    lmp_scheme_input in = input_of(4, NULL, pt, NULL, NULL);
    lmp_scheme_result r;
    size_t i;
    (void)state;

    /* gamma = 2: (0.25, 0.01, 1, 0) / 1.26 */
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_close(w[0], 0.25 / 1.26, W_TOL);
    assert_close(w[1], 0.01 / 1.26, 1e-5);
    assert_close(w[2], 1.0 / 1.26, W_TOL);
    assert_true(w[3] == 0.0f);
    assert_int_equal(r.n_kept, 3);
    assert_close(r.weight_sum, 1.0, W_TOL);

    /* from losses: 1 - p_t = -expm1(-loss) */
    for (i = 0; i < 3; i++)
        loss[i] = (float)-log((double)pt[i] > 0 ? (double)pt[i] : 1e-30);
    loss[3] = 0.0f;
    in = input_of(4, loss, NULL, NULL, NULL);
    assert_int_equal(lmp_scheme_weights(&s, &in, wl, &r, NULL), LMP_OK);
    for (i = 0; i < 4; i++)
        assert_close(wl[i], w[i], 1e-6);

    /* gamma = 0 is the mean, exactly */
    s.gamma = 0.0;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_int_equal(lmp_scheme_weights(&u, &in, wu, &r, NULL), LMP_OK);
    assert_memory_equal(w, wu, sizeof w);

    /* every p_t = 1: uniform */
    s.gamma = 2.0;
    in = input_of(3, NULL, ones, NULL, NULL);
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_close(w[0], 1.0 / 3.0, W_TOL);
    assert_close(r.weight_sum, 1.0, W_TOL);
}

static void
test_class_balancing(void **state)
{
    const unsigned char cls[6] = { 0, 0, 0, 1, 2, 7 };
    const unsigned char valid[6] = { 1, 1, 1, 1, 0, 1 };
    float w[6], wm[6];
    lmp_scheme s = scheme_of(LMP_SCHEME_INVFREQ), m = scheme_of(LMP_SCHEME_MEDFREQ);
    lmp_scheme_input in = input_of(6, NULL, NULL, cls, valid);
    lmp_scheme_result r;
    double count[3] = { 60, 30, 10 }, img[3] = { 100, 100, 50 }, alpha[3];
    double split[8] = { 1, 2, 0, 0, 0, 0, 0, 4 };
    (void)state;

    /* per image: classes 0, 1 and 7 present, 1/3 of the weight each */
    s.n_classes = m.n_classes = 8;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_close(w[0], 1.0 / 9.0, W_TOL);
    assert_close(w[3], 1.0 / 3.0, W_TOL);
    assert_close(w[5], 1.0 / 3.0, W_TOL);
    assert_true(w[4] == 0.0f);
    assert_close(r.weight_sum, 1.0, W_TOL);
    /* median frequency is the same per image */
    assert_int_equal(lmp_scheme_weights(&m, &in, wm, &r, NULL), LMP_OK);
    for (int i = 0; i < 6; i++)
        assert_close(wm[i], w[i], W_TOL);

    /* split factors */
    s.class_weight = split; /* 3 * 1 + 1 * 2 + 1 * 4 = 9 */
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_close(w[0], 1.0 / 9.0, W_TOL);
    assert_close(w[3], 2.0 / 9.0, W_TOL);
    assert_close(w[5], 4.0 / 9.0, W_TOL);

    /* freq 0.6, 0.3, 0.2 (image totals), median 0.3 */
    assert_int_equal(lmp_class_factors(LMP_SCHEME_MEDFREQ, count, img, 3, alpha), LMP_OK);
    assert_close(alpha[0], 0.5, 1e-12);
    assert_close(alpha[1], 1.0, 1e-12);
    assert_close(alpha[2], 1.5, 1e-12);
    assert_int_equal(lmp_class_factors(LMP_SCHEME_INVFREQ, count, NULL, 3, alpha), LMP_OK);
    assert_close(alpha[0], 100.0 / 60.0, 1e-12);
    assert_close(alpha[2], 10.0, 1e-12);
    /* even count of classes present: mean of the middle two */
    count[2] = 0;
    assert_int_equal(lmp_class_factors(LMP_SCHEME_MEDFREQ, count, img, 3, alpha), LMP_OK);
    assert_close(alpha[0], 0.45 / 0.6, 1e-12);
    assert_true(alpha[2] == 0.0);
}

static void
test_statuses(void **state)
{
    float loss[3] = { 1, 2, 3 }, pt[3] = { 0.1f, 0.2f, 0.3f }, w[3];
    unsigned char cls[3] = { 0, 1, 19 }, none[3] = { 0, 0, 0 };
    lmp_scheme s = scheme_of(LMP_SCHEME_OHEM);
    lmp_scheme_input in = input_of(3, loss, NULL, NULL, NULL);
    lmp_scheme_result r;
    double zero[2] = { 0, 0 }, alpha[2];
    double bad[2] = { 1, -1 };
    (void)state;

    /* bad parameters */
    s.thresh = 1.5;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_ERR_INVALID_ARG);
    s = scheme_of(LMP_SCHEME_TOPK);
    s.k = 0.0;
    assert_int_equal(lmp_scheme_check(&s), LMP_ERR_INVALID_ARG);
    s.k_pixels = 0.5;
    assert_int_equal(lmp_scheme_check(&s), LMP_ERR_INVALID_ARG);
    s = scheme_of(LMP_SCHEME_FOCAL);
    s.gamma = -1.0;
    assert_int_equal(lmp_scheme_check(&s), LMP_ERR_INVALID_ARG);
    s = scheme_of(LMP_SCHEME_LMP);
    s.lmp.p = 0.5;
    assert_int_equal(lmp_scheme_check(&s), LMP_ERR_INVALID_ARG);
    s = scheme_of(LMP_SCHEME_INVFREQ);
    s.n_classes = 0;
    assert_int_equal(lmp_scheme_check(&s), LMP_ERR_INVALID_ARG);
    s.kind = (lmp_scheme_kind)99;
    assert_int_equal(lmp_scheme_check(&s), LMP_ERR_INVALID_ARG);
    assert_string_equal(lmp_scheme_name((lmp_scheme_kind)99), "unknown");
    assert_string_equal(lmp_scheme_name(LMP_SCHEME_MEDFREQ), "medfreq");

    /* a needed input missing */
    s = scheme_of(LMP_SCHEME_INVFREQ);
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_ERR_INVALID_ARG);
    s = scheme_of(LMP_SCHEME_TOPK);
    in = input_of(3, NULL, pt, NULL, NULL);
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_ERR_INVALID_ARG);

    /* a class out of range, named */
    s = scheme_of(LMP_SCHEME_INVFREQ);
    in = input_of(3, NULL, NULL, cls, NULL);
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_ERR_INVALID_ARG);
    assert_int_equal(r.bad_index, 2);

    /* bad losses and probabilities, named */
    s = scheme_of(LMP_SCHEME_FOCAL);
    loss[1] = -1.0f;
    in = input_of(3, loss, NULL, NULL, NULL);
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_ERR_INVALID_LOSS);
    assert_int_equal(r.bad_index, 1);
    loss[1] = NAN;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_ERR_INVALID_LOSS);
    s = scheme_of(LMP_SCHEME_LMP);
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_ERR_INVALID_LOSS);
    assert_int_equal(r.bad_index, 1);
    loss[1] = 2.0f;
    pt[2] = 1.5f;
    s = scheme_of(LMP_SCHEME_OHEM);
    in = input_of(3, NULL, pt, NULL, NULL);
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_ERR_INVALID_LOSS);
    assert_int_equal(r.bad_index, 2);

    /* no valid pixel */
    in = input_of(3, loss, NULL, NULL, none);
    s = scheme_of(LMP_SCHEME_TOPK);
    w[0] = 5.0f;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_ERR_EMPTY);
    assert_true(w[0] == 0.0f);
    s = scheme_of(LMP_SCHEME_LMP);
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_ERR_EMPTY);

    /* NULL */
    assert_int_equal(lmp_scheme_weights(NULL, &in, w, &r, NULL), LMP_ERR_INVALID_ARG);
    assert_int_equal(lmp_scheme_weights(&s, NULL, w, &r, NULL), LMP_ERR_INVALID_ARG);
    assert_int_equal(lmp_scheme_weights(&s, &in, w, NULL, NULL), LMP_ERR_INVALID_ARG);

    /* class factors */
    assert_int_equal(lmp_class_factors(LMP_SCHEME_INVFREQ, zero, NULL, 2, alpha), LMP_ERR_EMPTY);
    assert_int_equal(lmp_class_factors(LMP_SCHEME_INVFREQ, bad, NULL, 2, alpha),
                     LMP_ERR_INVALID_ARG);
    assert_int_equal(lmp_class_factors(LMP_SCHEME_MEDFREQ, zero, NULL, 2, alpha),
                     LMP_ERR_INVALID_ARG);
    assert_int_equal(lmp_class_factors(LMP_SCHEME_FOCAL, zero, NULL, 2, alpha),
                     LMP_ERR_INVALID_ARG);
}

/* LMP's weights pass through: their sum is at most 1 (Hoelder), below 1
 * for 1 < p < inf, and the other schemes sum to 1. */
static void
test_normalisation(void **state)
{
    enum { N = 5000 };
    static float loss[N], pt[N], w[N];
    static unsigned char cls[N];
    uint64_t rng = test_seed();
    lmp_scheme_kind kinds[LMP_SCHEME_COUNT] = { LMP_SCHEME_LMP,    LMP_SCHEME_UNIFORM,
                                                LMP_SCHEME_OHEM,   LMP_SCHEME_TOPK,
                                                LMP_SCHEME_FOCAL,  LMP_SCHEME_INVFREQ,
                                                LMP_SCHEME_MEDFREQ };
    lmp_scheme_input in;
    lmp_scheme_result r;
    size_t i, k;
    (void)state;

    for (i = 0; i < N; i++) {
        loss[i] = (float)-log(1.0 - test_rand_unit(&rng));
        pt[i] = (float)exp(-(double)loss[i]);
        cls[i] = (unsigned char)(test_rand_unit(&rng) * 19);
    }
    in = input_of(N, loss, pt, cls, NULL);
    for (k = 0; k < LMP_SCHEME_COUNT; k++) {
        lmp_scheme s = scheme_of(kinds[k]);
        s.min_kept = 1000;
        assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
        if (kinds[k] == LMP_SCHEME_LMP) {
            assert_true(r.weight_sum < 1.0 && r.weight_sum > 0.5);
        } else {
            assert_close(r.weight_sum, 1.0, 1e-4);
        }
        assert_int_equal(r.n_valid, N);
    }
}

static void
test_ohem_exactly_at_thresh(void **state)
{
    /* p_t equal to thresh is not below it: dropped, unless min_kept takes it. */
    const float pt[6] = { 0.5f, 0.7f, 0.7f, 0.9f, 0.2f, 0.7f };
    float w[6];
    lmp_scheme s = scheme_of(LMP_SCHEME_OHEM);
    lmp_scheme_input in = input_of(6, NULL, pt, NULL, NULL);
    lmp_scheme_result r;
    (void)state;

    s.thresh = 0.7f; /* the float 0.7, the same value as pt[1] */
    s.min_kept = 0;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_int_equal(r.n_kept, 2);
    assert_true(w[1] == 0.0f && w[2] == 0.0f && w[5] == 0.0f && w[3] == 0.0f);
    assert_close(w[0], 0.5, W_TOL);
    assert_close(w[4], 0.5, W_TOL);
    /* min_kept = 3 reaches the tie at 0.7: all three tied pixels join */
    s.min_kept = 3;
    assert_int_equal(lmp_scheme_weights(&s, &in, w, &r, NULL), LMP_OK);
    assert_int_equal(r.n_kept, 5);
    assert_true(w[3] == 0.0f);
    assert_close(w[1], 0.2, W_TOL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uniform_masked),
        cmocka_unit_test(test_ohem_kept_set),
        cmocka_unit_test(test_ohem_ties_and_toolkit_rule),
        cmocka_unit_test(test_ohem_exactly_at_thresh),
        cmocka_unit_test(test_topk_known),
        cmocka_unit_test(test_topk_equals_lmp_p1),
        cmocka_unit_test(test_topk_properties),
        cmocka_unit_test(test_focal),
        cmocka_unit_test(test_class_balancing),
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_normalisation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
