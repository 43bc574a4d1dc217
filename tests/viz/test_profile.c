/* Tests of viz/src/profile.c: synthetic loss profiles drawn with GSL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "lmpviz.h"
#include "test_util.h"

#define NDIST  5
#define NLARGE 100000
/* Sample means of NLARGE draws: the largest standard error (gamma, sd sqrt(2))
 * is 0.45% of the mean, so 2% is more than 4 standard errors. */
#define MEAN_RTOL 0.02

static const char *const names[NDIST] = { "exponential", "lognormal", "gamma", "uniform",
                                          "halfnormal" };

/* exp(mu + sigma^2 / 2), k * theta, 1/2, sqrt(2 / pi). */
static double
expected_mean(lmpviz_dist dist)
{
    switch (dist) {
    case LMPVIZ_DIST_EXPONENTIAL:
        return 1.0;
    case LMPVIZ_DIST_LOGNORMAL:
        return exp(-0.5);
    case LMPVIZ_DIST_GAMMA:
        return 1.0;
    case LMPVIZ_DIST_UNIFORM:
        return 0.5;
    case LMPVIZ_DIST_HALFNORMAL:
        return sqrt(2.0 / 3.14159265358979323846);
    }
    return NAN;
}

static void
test_parse_and_name(void **state)
{
    lmpviz_dist dist;
    int i;

    (void)state;
    for (i = 0; i < NDIST; i++) {
        dist = (lmpviz_dist)-1;
        assert_int_equal(lmpviz_dist_parse(names[i], &dist), LMPVIZ_OK);
        assert_int_equal(dist, i);
        assert_string_equal(lmpviz_dist_name(dist), names[i]);
    }
    assert_int_equal(lmpviz_dist_parse("normal", &dist), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_dist_parse("", &dist), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_dist_parse("Exponential", &dist), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_dist_parse("exponentialx", &dist), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_dist_parse(NULL, &dist), LMPVIZ_ERR_INVALID_ARG);
    assert_string_equal(lmpviz_dist_name((lmpviz_dist)NDIST), "unknown");
    assert_string_equal(lmpviz_dist_name(LMPVIZ_PROFILE_DIST), "exponential");
}

static void
test_same_seed_same_values(void **state)
{
    float a[200];
    float b[200];
    int i;

    (void)state;
    for (i = 0; i < NDIST; i++) {
        assert_int_equal(lmpviz_profile_generate((lmpviz_dist)i, 200, 7, a), LMPVIZ_OK);
        assert_int_equal(lmpviz_profile_generate((lmpviz_dist)i, 200, 7, b), LMPVIZ_OK);
        assert_memory_equal(a, b, sizeof a);
    }
}

static void
test_different_seed_different_values(void **state)
{
    float a[100];
    float b[100];
    int i;
    int k;

    (void)state;
    for (i = 0; i < NDIST; i++) {
        int same = 0;
        assert_int_equal(lmpviz_profile_generate((lmpviz_dist)i, 100, LMPVIZ_PROFILE_SEED, a),
                         LMPVIZ_OK);
        assert_int_equal(lmpviz_profile_generate((lmpviz_dist)i, 100, LMPVIZ_PROFILE_SEED + 1, b),
                         LMPVIZ_OK);
        for (k = 0; k < 100; k++)
            same += a[k] == b[k];
        assert_true(same < 5);
    }
}

static void
test_values_and_means(void **state)
{
    float *x = malloc(NLARGE * sizeof *x);
    int i;
    size_t k;

    (void)state;
    assert_non_null(x);
    for (i = 0; i < NDIST; i++) {
        double sum = 0.0;
        double mean;
        double want = expected_mean((lmpviz_dist)i);
        float lo = INFINITY;
        float hi = 0.0f;

        assert_int_equal(lmpviz_profile_generate((lmpviz_dist)i, NLARGE, LMPVIZ_PROFILE_SEED, x),
                         LMPVIZ_OK);
        for (k = 0; k < NLARGE; k++) {
            assert_true(isfinite(x[k]));
            assert_true(x[k] >= 0.0f);
            sum += x[k];
            lo = x[k] < lo ? x[k] : lo;
            hi = x[k] > hi ? x[k] : hi;
        }
        if (i == LMPVIZ_DIST_UNIFORM)
            assert_true(hi < 1.0f);
        assert_true(hi > lo);
        mean = sum / NLARGE;
        if (fabs(mean - want) > MEAN_RTOL * want)
            fail_msg("%s: sample mean %g, expected %g", names[i], mean, want);
    }
    free(x);
}

/* Exp(1): P(X > 1) = 1/e, a check of the shape beyond the mean. */
static void
test_exponential_tail(void **state)
{
    float *x = malloc(NLARGE * sizeof *x);
    size_t k;
    size_t above = 0;
    double frac;

    (void)state;
    assert_non_null(x);
    assert_int_equal(lmpviz_profile_generate(LMPVIZ_DIST_EXPONENTIAL, NLARGE, 12345, x), LMPVIZ_OK);
    for (k = 0; k < NLARGE; k++)
        above += x[k] > 1.0f;
    frac = (double)above / NLARGE;
    /* sd of the fraction is sqrt(p(1-p)/n) = 0.0015; allow 5 of them. */
    assert_true(fabs(frac - exp(-1.0)) < 0.0075);
    free(x);
}

static void
test_bad_args(void **state)
{
    float x[4];

    (void)state;
    assert_int_equal(lmpviz_profile_generate((lmpviz_dist)NDIST, 4, 1, x), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_profile_generate(LMPVIZ_DIST_GAMMA, 4, 1, NULL),
                     LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_profile_generate(LMPVIZ_DIST_GAMMA, 0, 1, NULL), LMPVIZ_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_name),
        cmocka_unit_test(test_same_seed_same_values),
        cmocka_unit_test(test_different_seed_different_values),
        cmocka_unit_test(test_values_and_means),
        cmocka_unit_test(test_exponential_tail),
        cmocka_unit_test(test_bad_args),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
