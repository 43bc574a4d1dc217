/* Tests of viz/src/figures/match.c: the distance on known cases, the
 * search recovering top-k (p = 1, m = k) and OHEM that keeps exactly k
 * pixels, an honest "no close match", errors and the figure. */
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
#include "lmpviz.h"

/* The search ends with steps of 1e-3 in 1/p and log10 m (the default
 * tol); the answer is within a few steps of the optimum. */
#define SEARCH_TOL_U 0.005
#define SEARCH_TOL_V 0.005

static uint64_t seed;

static void
random_losses(float *l, size_t n, uint64_t *rng)
{
    size_t i;
    for (i = 0; i < n; i++)
        l[i] = (float)(-log(1.0 - test_rand_unit(rng)));
}

static lmp_scheme
scheme_of(const char *text)
{
    lmpviz_scheme_spec sp;
    size_t n = 0;
    assert_int_equal(lmpviz_schemes_parse(text, &sp, 1, &n, NULL), LMPVIZ_OK);
    assert_int_equal(n, 1);
    return sp.scheme;
}

static void
match(const char *scheme, const float *l, size_t n, lmpviz_match_result *r)
{
    lmp_scheme s = scheme_of(scheme);
    lmp_scheme_input in;
    lmpviz_match_input mi;
    memset(&in, 0, sizeof in);
    in.n = n;
    in.loss = l;
    assert_int_equal(lmpviz_match_prepare(&s, &in, &mi, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_match_search(&mi, NULL, NULL, r, NULL), LMPVIZ_OK);
    lmpviz_match_input_free(&mi);
}

static void
test_topk_is_p1(void **state)
{
    enum { N = 5000 };
    static const char *const schemes[] = { "topk:k=0.1", "topk:k=0.0137", "topk:k=0.42" };
    static const double ks[] = { 0.1, 0.0137, 0.42 };
    float l[N];
    uint64_t rng = seed;
    size_t k;
    (void)state;

    random_losses(l, N, &rng);
    for (k = 0; k < 3; k++) {
        lmpviz_match_result r;
        match(schemes[k], l, N, &r);
        if (!(1.0 / r.p > 1.0 - SEARCH_TOL_U && fabs(log10(r.m / ks[k])) < SEARCH_TOL_V &&
              r.distance < 0.01))
            fail_msg("%s: p = %g, m = %g, distance %g", schemes[k], r.p, r.m, r.distance);
        assert_float_equal(r.top1[0], r.top1[1], 0.01);
        assert_float_equal(r.top10[0], r.top10[1], 0.01);
    }
}

/* OHEM with thresh keeping exactly k pixels (p_t < thresh, that is
 * loss > -log(thresh)) and a small min_kept: the same weights as top-k, and
 * matched at p = 1, m = k. */
static void
test_ohem_like_topk(void **state)
{
    enum { N = 4000, K = 600 };
    float l[N];
    float wo[N], wt[N];
    lmp_scheme ohem = scheme_of("ohem:thresh=0.7,min_kept=10");
    lmp_scheme topk = scheme_of("topk:k=0.15");
    lmp_scheme_input in;
    lmp_scheme_result ro, rt;
    lmpviz_match_result r;
    uint64_t rng = seed + 1;
    double cut = -log(0.7);
    size_t i;
    (void)state;

    for (i = 0; i < N; i++) /* K losses above the cut, the rest below */
        l[i] = (float)(i < K ? cut * (1.0 + 1e-6) + 3.0 * test_rand_unit(&rng)
                             : cut * (1.0 - 1e-6) * test_rand_unit(&rng));
    memset(&in, 0, sizeof in);
    in.n = N;
    in.loss = l;
    assert_int_equal(lmp_scheme_weights(&ohem, &in, wo, &ro, NULL), LMP_OK);
    assert_int_equal(lmp_scheme_weights(&topk, &in, wt, &rt, NULL), LMP_OK);
    assert_int_equal(ro.n_kept, K);
    for (i = 0; i < N; i++)
        assert_float_equal(wo[i], wt[i], 1e-9);
    match("ohem:thresh=0.7,min_kept=10", l, N, &r);
    /* near p = 1 the weights of the kept pixels barely change, so p is
     * pinned less tightly than m */
    if (!(1.0 / r.p > 0.98 && fabs(log10(r.m / 0.15)) < SEARCH_TOL_V && r.distance < 0.01))
        fail_msg("ohem: p = %g, m = %g, distance %g", r.p, r.m, r.distance);
}

/* The distance itself: 0 at the scheme's own LMP equivalent, the closed
 * form |1 - m/k| at p = 1 with m < k, and in [0, 1]. */
static void
test_distance_values(void **state)
{
    enum { N = 1000 };
    float l[N];
    lmp_scheme s = scheme_of("topk:k=0.2");
    lmp_scheme_input in;
    lmpviz_match_input mi;
    uint64_t rng = seed + 2;
    double l1, d;
    (void)state;

    random_losses(l, N, &rng);
    memset(&in, 0, sizeof in);
    in.n = N;
    in.loss = l;
    assert_int_equal(lmpviz_match_prepare(&s, &in, &mi, NULL), LMPVIZ_OK);
    assert_int_equal(mi.n_valid, N);
    assert_float_equal(lmpviz_match_distance(&mi, 1.0, 0.2, NULL, &l1), 0.0, 1e-6);
    assert_float_equal(l1, 0.0, 1e-6);
    /* p = 1, m = 0.1: all of LMP's weight in the top 100, top-k's 0.5 there */
    assert_float_equal(lmpviz_match_distance(&mi, 1.0, 0.1, NULL, NULL), 0.5, 1e-6);
    /* p = inf: uniform; the gap is largest at k = 200, 1 - 0.2 */
    assert_float_equal(lmpviz_match_distance(&mi, INFINITY, 0.1, NULL, NULL), 0.8, 1e-6);
    d = lmpviz_match_distance(&mi, 2.0, 0.3, NULL, NULL);
    assert_true(d > 0.0 && d < 1.0);
    lmpviz_match_input_free(&mi);
}

/* Median frequency balancing on classes that run against the loss: half
 * of its weight on the easiest pixels, which no LMP weighting can do. */
static void
test_no_close_match(void **state)
{
    enum { N = 2000 };
    float l[N];
    unsigned char cls[N];
    lmp_scheme s = scheme_of("medfreq");
    lmp_scheme_input in;
    lmpviz_match_input mi;
    lmpviz_match_result r;
    size_t i;
    (void)state;

    for (i = 0; i < N; i++) {
        l[i] = (float)(1.0 + (double)i / N); /* hard */
        cls[i] = 0;
        if (i >= N - 100) {
            l[i] = (float)(0.01 * (double)(N - i)); /* 100 easy pixels of class 1 */
            cls[i] = 1;
        }
    }
    memset(&in, 0, sizeof in);
    in.n = N;
    in.loss = l;
    in.cls = cls;
    assert_int_equal(lmpviz_match_prepare(&s, &in, &mi, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_match_search(&mi, NULL, NULL, &r, NULL), LMPVIZ_OK);
    assert_true(r.distance > 0.3);
    assert_true(r.distance > LMPVIZ_MATCH_CLOSE);
    assert_int_equal(r.have_classes, 1);
    assert_float_equal(r.class_share[0][1], 0.5, 1e-6);
    assert_true(r.class_share[1][1] < 0.1);
    assert_float_equal(r.pixel_share[1], 0.05, 1e-12);
    lmpviz_match_input_free(&mi);
}

static void
test_errors(void **state)
{
    float l[4] = { 1.0f, 2.0f, 0.5f, 3.0f }, zeros[4] = { 0 }, bad[4] = { 1.0f, -1.0f, 0, 0 };
    lmp_scheme s;
    lmp_scheme_input in;
    lmpviz_match_input mi;
    lmpviz_err err;
    (void)state;

    memset(&in, 0, sizeof in);
    memset(&err, 0, sizeof err);
    in.n = 4;
    in.loss = l;
    s = scheme_of("lmp:p=2,m=0.5");
    assert_int_equal(lmpviz_match_prepare(&s, &in, &mi, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "LMP itself"));
    s = scheme_of("ohem:thresh=0,min_kept=0");
    assert_int_equal(lmpviz_match_prepare(&s, &in, &mi, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "no weight"));
    s = scheme_of("medfreq");
    assert_int_equal(lmpviz_match_prepare(&s, &in, &mi, &err), LMPVIZ_ERR_SOLVER);
    assert_non_null(strstr(err.msg, "medfreq"));
    s = scheme_of("topk:k=0.5");
    in.loss = zeros;
    assert_int_equal(lmpviz_match_prepare(&s, &in, &mi, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "every loss is 0"));
    in.loss = bad;
    assert_int_equal(lmpviz_match_prepare(&s, &in, &mi, &err), LMPVIZ_ERR_SOLVER);
    assert_non_null(strstr(err.msg, "at pixel 1"));
    assert_null(mi.loss);
    lmpviz_match_input_free(&mi);
    assert_int_equal(lmpviz_schemes_parse("tpok:k=0.1", NULL, 1, NULL, &err),
                     LMPVIZ_ERR_INVALID_ARG);
}

static void
test_figure(void **state)
{
    enum { N = 3000 };
    float l[N];
    lmp_scheme s = scheme_of("focal:gamma=2");
    lmp_scheme_input in;
    lmpviz_match_input mi;
    lmpviz_match_result r;
    lmpviz_match_fig_opts fo;
    lmpviz_figure *fig;
    uint64_t rng = seed + 3;
    FILE *f = tmpfile();
    (void)state;

    assert_non_null(f);
    random_losses(l, N, &rng);
    memset(&in, 0, sizeof in);
    in.n = N;
    in.loss = l;
    assert_int_equal(lmpviz_match_prepare(&s, &in, &mi, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_match_search(&mi, NULL, NULL, &r, NULL), LMPVIZ_OK);
    assert_true(r.distance >= 0.0 && r.distance < 1.0);
    memset(&fo, 0, sizeof fo);
    fo.scheme_label = "focal";
    fig = lmpviz_match_figure(&mi, &r, &fo, NULL);
    assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_OK);
    assert_int_equal(lmpviz_figure_write(fig, LMPVIZ_FORMAT_PNG, f, NULL), LMPVIZ_OK);
    assert_true(ftell(f) > 1000);
    fclose(f);
    lmpviz_figure_destroy(fig);
    lmpviz_match_input_free(&mi);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topk_is_p1),      cmocka_unit_test(test_ohem_like_topk),
        cmocka_unit_test(test_distance_values), cmocka_unit_test(test_no_close_match),
        cmocka_unit_test(test_errors),          cmocka_unit_test(test_figure),
    };
    seed = test_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
