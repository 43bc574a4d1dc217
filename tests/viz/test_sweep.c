/* Tests of viz/src/figures/sweep.c: the statistics against a direct
 * computation by sorting, the closed forms at p = 1, p = inf and m = 1,
 * class shares, order independence with ties, merging, errors, the
 * figure. */
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
#include "lmpviz.h"

/* Statistics are sums of float weights in double: agreement with a sum in
 * another order is to a few float ulps of the total. */
#define STAT_TOL 1e-5

static uint64_t seed;

static void
random_losses(float *l, size_t n, uint64_t *rng)
{
    size_t i;
    for (i = 0; i < n; i++)
        l[i] = (float)(-log(1.0 - test_rand_unit(rng)) + 1e-3);
}

static const float *sort_key;

static int
by_loss_desc(const void *a, const void *b)
{
    float x = sort_key[*(const size_t *)a], y = sort_key[*(const size_t *)b];
    return x > y ? -1 : x < y ? 1 : 0;
}

/* The statistics computed the plain way: weights from lmp_solve, pixels
 * sorted by loss, shares read off the sorted weights. */
static void
direct_stats(const float *l, size_t n, double p, double m, double out[LMPVIZ_SWEEP_NSTAT])
{
    float *w = malloc(n * sizeof *w);
    size_t *idx = malloc(n * sizeof *idx), i, k1, k10;
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result res;
    double s1 = 0.0, s2 = 0.0, t1 = 0.0, t10 = 0.0;

    assert_non_null(w);
    assert_non_null(idx);
    prm.p = p;
    prm.m = m;
    assert_int_equal(lmp_solve_sorted(l, NULL, n, &prm, w, &res), LMP_OK);
    for (i = 0; i < n; i++)
        idx[i] = i;
    sort_key = l;
    qsort(idx, n, sizeof *idx, by_loss_desc);
    k1 = (size_t)ceil(0.01 * (double)n - 1e-9);
    k10 = (size_t)ceil(0.10 * (double)n - 1e-9);
    for (i = 0; i < n; i++) {
        double x = w[idx[i]];
        s1 += x;
        s2 += x * x;
        if (i < k1)
            t1 += x;
        if (i < k10)
            t10 += x;
    }
    out[LMPVIZ_SWEEP_TOP1] = t1 / s1;
    out[LMPVIZ_SWEEP_TOP10] = t10 / s1;
    out[LMPVIZ_SWEEP_SUPPORT] = s1 * s1 / s2 / (double)n;
    out[LMPVIZ_SWEEP_SUM] = s1;
    out[LMPVIZ_SWEEP_RATIO] = res.value / res.mean;
    out[LMPVIZ_SWEEP_CAPPED] = (double)res.n_clamped / (double)n;
    free(w);
    free(idx);
}

static void
test_against_direct(void **state)
{
    static const double ps[] = { 1.0, 1.3, 2.0, 4.0, INFINITY };
    static const double ms[] = { 0.013, 0.1, 0.37, 1.0 };
    enum { N = 777 };
    float l[N];
    lmpviz_sweep sw;
    uint64_t rng = seed;
    size_t ip, im, s;
    (void)state;

    random_losses(l, N, &rng);
    assert_int_equal(lmpviz_sweep_init(&sw, ps, 5, ms, 4, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_sweep_add(&sw, l, NULL, NULL, N, NULL, NULL, NULL), LMPVIZ_OK);
    assert_int_equal(sw.inputs, 1);
    assert_int_equal(sw.n_valid, N);
    for (ip = 0; ip < 5; ip++) {
        for (im = 0; im < 4; im++) {
            double want[LMPVIZ_SWEEP_NSTAT];
            direct_stats(l, N, ps[ip], ms[im], want);
            for (s = 0; s < LMPVIZ_SWEEP_NSTAT; s++) {
                double got = lmpviz_sweep_value(&sw, ip, im, (lmpviz_sweep_stat)s);
                if (fabs(got - want[s]) > STAT_TOL * fmax(1.0, fabs(want[s])))
                    fail_msg("p = %g, m = %g, %s: got %.12g, want %.12g", ps[ip], ms[im],
                             lmpviz_sweep_stat_name((lmpviz_sweep_stat)s), got, want[s]);
            }
        }
    }
}

/* p = 1: top-m with m <= k holds all the weight on the top k (share 1), and
 * k/m of it when m > k; m of the pixels at the cap, support m, Σw = 1.
 * p = inf and m = 1: uniform weights, so the top k holds k. */
static void
test_closed_forms(void **state)
{
    static const double ps[] = { 1.0, 1.7, INFINITY };
    static const double ms[] = { 0.01, 0.05, 0.2, 1.0 };
    enum { N = 2000 };
    float l[N];
    lmpviz_sweep sw;
    uint64_t rng = seed + 1;
    size_t im, ip;
    (void)state;

    random_losses(l, N, &rng);
    assert_int_equal(lmpviz_sweep_init(&sw, ps, 3, ms, 4, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_sweep_add(&sw, l, NULL, NULL, N, NULL, NULL, NULL), LMPVIZ_OK);
    for (im = 0; im < 4; im++) {
        double m = ms[im];
        assert_float_equal(lmpviz_sweep_value(&sw, 0, im, LMPVIZ_SWEEP_TOP1), fmin(1.0, 0.01 / m),
                           1e-6);
        assert_float_equal(lmpviz_sweep_value(&sw, 0, im, LMPVIZ_SWEEP_TOP10), fmin(1.0, 0.1 / m),
                           1e-6);
        assert_float_equal(lmpviz_sweep_value(&sw, 0, im, LMPVIZ_SWEEP_CAPPED), m, 1e-12);
        assert_float_equal(lmpviz_sweep_value(&sw, 0, im, LMPVIZ_SWEEP_SUPPORT), m, 1e-6);
        assert_float_equal(lmpviz_sweep_value(&sw, 0, im, LMPVIZ_SWEEP_SUM), 1.0, 1e-6);
        /* p = inf */
        assert_float_equal(lmpviz_sweep_value(&sw, 2, im, LMPVIZ_SWEEP_TOP1), 0.01, 1e-6);
        assert_float_equal(lmpviz_sweep_value(&sw, 2, im, LMPVIZ_SWEEP_TOP10), 0.1, 1e-6);
        assert_float_equal(lmpviz_sweep_value(&sw, 2, im, LMPVIZ_SWEEP_SUPPORT), 1.0, 1e-6);
        assert_float_equal(lmpviz_sweep_value(&sw, 2, im, LMPVIZ_SWEEP_RATIO), 1.0, 1e-9);
        assert_float_equal(lmpviz_sweep_value(&sw, 2, im, LMPVIZ_SWEEP_SUM), 1.0, 1e-6);
    }
    /* m = 1: uniform whatever p */
    for (ip = 0; ip < 3; ip++) {
        assert_float_equal(lmpviz_sweep_value(&sw, ip, 3, LMPVIZ_SWEEP_TOP10), 0.1, 1e-6);
        assert_float_equal(lmpviz_sweep_value(&sw, ip, 3, LMPVIZ_SWEEP_SUPPORT), 1.0, 1e-6);
        assert_float_equal(lmpviz_sweep_value(&sw, ip, 3, LMPVIZ_SWEEP_RATIO), 1.0, 1e-9);
    }
    /* in between, the top shares lie between the two ends */
    for (im = 0; im < 3; im++) {
        double mid = lmpviz_sweep_value(&sw, 1, im, LMPVIZ_SWEEP_TOP10);
        assert_true(mid > 0.1 && mid < fmin(1.0, 0.1 / ms[im]) + 1e-9);
    }
}

/* Ties at the cut: the shares do not depend on pixel order, and classes
 * get their part of the weight. */
static void
test_ties_and_classes(void **state)
{
    enum { N = 100 };
    static const double ps[] = { 1.0, 2.0 };
    static const double ms[] = { 0.05, 0.3 };
    float a[N], b[N];
    unsigned char ta[N], tb[N], valid[N];
    lmpviz_sweep sa, sb;
    size_t i, ip, im, s;
    float w[N];
    (void)state;

    for (i = 0; i < N; i++) {
        a[i] = (float)(i % 7) * 0.5f; /* many ties, some zeros */
        ta[i] = (unsigned char)(i % 3 == 0 ? 13 : i % 3 == 1 ? 0 : LMPVIZ_CS_IGNORE);
        valid[i] = 1;
    }
    for (i = 0; i < N; i++) {
        b[i] = a[N - 1 - i];
        tb[i] = ta[N - 1 - i];
    }
    assert_int_equal(lmpviz_sweep_init(&sa, ps, 2, ms, 2, NULL), LMPVIZ_OK);
    sb = sa;
    assert_int_equal(lmpviz_sweep_add(&sa, a, valid, ta, N, w, NULL, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_sweep_add(&sb, b, valid, tb, N, NULL, NULL, NULL), LMPVIZ_OK);
    for (ip = 0; ip < 2; ip++) {
        for (im = 0; im < 2; im++) {
            double car = 0.0, road = 0.0, tot = 0.0;
            lmp_params prm = LMP_PARAMS_INIT;
            lmp_result res;
            for (s = 0; s < LMPVIZ_SWEEP_NSTAT; s++)
                assert_float_equal(lmpviz_sweep_value(&sa, ip, im, (lmpviz_sweep_stat)s),
                                   lmpviz_sweep_value(&sb, ip, im, (lmpviz_sweep_stat)s), 1e-9);
            prm.p = ps[ip];
            prm.m = ms[im];
            assert_int_equal(lmp_solve(a, NULL, N, &prm, w, &res, NULL), LMP_OK);
            for (i = 0; i < N; i++) {
                if (ta[i] == 13)
                    car += w[i];
                else if (ta[i] == 0)
                    road += w[i];
                if (ta[i] != LMPVIZ_CS_IGNORE)
                    tot += w[i];
            }
            assert_float_equal(lmpviz_sweep_class_weight_share(&sa, ip, im, 13), car / tot, 1e-6);
            assert_float_equal(lmpviz_sweep_class_weight_share(&sa, ip, im, 0), road / tot, 1e-6);
        }
    }
    assert_float_equal(lmpviz_sweep_class_pixel_share(&sa, 13), 34.0 / 67.0, 1e-12);
}

static void
test_merge_is_mean(void **state)
{
    enum { N = 300 };
    static const double ps[] = { 1.5 };
    static const double ms[] = { 0.1 };
    float a[N], b[N];
    lmpviz_sweep one, two, both, other;
    uint64_t rng = seed + 2;
    size_t s;
    (void)state;

    random_losses(a, N, &rng);
    random_losses(b, N, &rng);
    for (s = 0; s < N; s++)
        b[s] *= b[s]; /* another shape */
    assert_int_equal(lmpviz_sweep_init(&one, ps, 1, ms, 1, NULL), LMPVIZ_OK);
    two = one;
    both = one;
    assert_int_equal(lmpviz_sweep_add(&one, a, NULL, NULL, N, NULL, NULL, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_sweep_add(&two, b, NULL, NULL, N, NULL, NULL, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_sweep_merge(&both, &one), LMPVIZ_OK);
    assert_int_equal(lmpviz_sweep_merge(&both, &two), LMPVIZ_OK);
    assert_int_equal(both.inputs, 2);
    for (s = 0; s < LMPVIZ_SWEEP_NSTAT; s++)
        assert_float_equal(lmpviz_sweep_value(&both, 0, 0, (lmpviz_sweep_stat)s),
                           0.5 * (lmpviz_sweep_value(&one, 0, 0, (lmpviz_sweep_stat)s) +
                                  lmpviz_sweep_value(&two, 0, 0, (lmpviz_sweep_stat)s)),
                           1e-12);
    /* no classes: NaN shares */
    assert_true(isnan(lmpviz_sweep_class_weight_share(&both, 0, 0, 0)));
    /* another grid does not merge */
    assert_int_equal(lmpviz_sweep_init(&other, ms, 1, ms, 1, NULL), LMPVIZ_ERR_INVALID_ARG);
    {
        static const double p2[] = { 2.0 };
        assert_int_equal(lmpviz_sweep_init(&other, p2, 1, ms, 1, NULL), LMPVIZ_OK);
        assert_int_equal(lmpviz_sweep_merge(&both, &other), LMPVIZ_ERR_INVALID_ARG);
    }
}

static void
test_errors(void **state)
{
    static const double good_p[] = { 1.0, 2.0 }, good_m[] = { 0.1 };
    static const double bad_p[] = { 1.0, 0.5 }, bad_m[] = { 0.0 }, big_m[] = { 1.5 };
    double many[LMPVIZ_SWEEP_MAX + 1];
    lmpviz_sweep sw;
    lmpviz_err err;
    lmpviz_sweep_stat st[LMPVIZ_SWEEP_NSTAT];
    float zeros[10] = { 0 }, nan_l[4] = { 1.0f, NAN, 2.0f, 3.0f };
    unsigned char bad_train[2] = { 1, 40 };
    size_t n, i;
    (void)state;

    for (i = 0; i <= LMPVIZ_SWEEP_MAX; i++)
        many[i] = 1.0 + (double)i;
    memset(&err, 0, sizeof err);
    assert_int_equal(lmpviz_sweep_init(&sw, bad_p, 2, good_m, 1, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "p: expected values >= 1"));
    assert_int_equal(lmpviz_sweep_init(&sw, good_p, 2, bad_m, 1, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "m: expected fractions in (0, 1]"));
    assert_int_equal(lmpviz_sweep_init(&sw, good_p, 2, big_m, 1, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_int_equal(lmpviz_sweep_init(&sw, many, LMPVIZ_SWEEP_MAX + 1, good_m, 1, &err),
                     LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "expected 1 to 16 values"));
    assert_int_equal(lmpviz_sweep_init(&sw, good_p, 0, good_m, 1, &err), LMPVIZ_ERR_INVALID_ARG);

    assert_int_equal(lmpviz_sweep_init(&sw, good_p, 2, good_m, 1, &err), LMPVIZ_OK);
    assert_int_equal(lmpviz_sweep_add(&sw, zeros, NULL, NULL, 10, NULL, NULL, &err),
                     LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "every loss is 0"));
    assert_int_equal(lmpviz_sweep_add(&sw, nan_l, NULL, NULL, 4, NULL, NULL, &err),
                     LMPVIZ_ERR_SOLVER);
    assert_non_null(strstr(err.msg, "at pixel 1"));
    assert_int_equal(lmpviz_sweep_add(&sw, nan_l + 2, NULL, bad_train, 2, NULL, NULL, &err),
                     LMPVIZ_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "trainId 40 at pixel 1"));
    {
        unsigned char none[3] = { 0, 0, 0 };
        assert_int_equal(lmpviz_sweep_add(&sw, nan_l, none, NULL, 3, NULL, NULL, &err),
                         LMPVIZ_ERR_INVALID_ARG);
        assert_non_null(strstr(err.msg, "no valid pixel"));
    }
    assert_int_equal(sw.inputs, 0); /* nothing was added by the failures */
    assert_true(isnan(lmpviz_sweep_value(&sw, 0, 0, LMPVIZ_SWEEP_TOP1)));

    assert_int_equal(lmpviz_sweep_stats_parse("top1,ratio", st, &n, &err), LMPVIZ_OK);
    assert_int_equal(n, 2);
    assert_int_equal(st[1], LMPVIZ_SWEEP_RATIO);
    assert_int_equal(lmpviz_sweep_stats_parse("all", st, &n, &err), LMPVIZ_OK);
    assert_int_equal(n, LMPVIZ_SWEEP_NSTAT);
    assert_int_equal(lmpviz_sweep_stats_parse("top1,tpo10", st, &n, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_string_equal(err.msg, "unknown statistic \"tpo10\" (expected all, or a list of top1, "
                                 "top10, support, sum, ratio, capped)");
    assert_int_equal(n, 0);
    assert_int_equal(lmpviz_sweep_stats_parse("sum,sum", st, &n, &err), LMPVIZ_ERR_INVALID_ARG);
    assert_string_equal(err.msg, "\"sum\" is given twice");
    assert_int_equal(lmpviz_sweep_stats_parse("", st, &n, &err), LMPVIZ_ERR_INVALID_ARG);
}

static void
test_csv_and_figure(void **state)
{
    enum { N = 400 };
    static const double ps[] = { 1.0, 3.0, INFINITY };
    static const double ms[] = { 0.05, 0.5 };
    static const lmpviz_sweep_stat stats[] = { LMPVIZ_SWEEP_TOP10, LMPVIZ_SWEEP_RATIO };
    static const unsigned classes[] = { 13 };
    float l[N];
    unsigned char tr[N];
    lmpviz_sweep sw;
    lmpviz_sweep_fig_opts fo;
    lmpviz_figure *fig;
    uint64_t rng = seed + 3;
    char line[256];
    size_t i, rows = 0;
    FILE *f = tmpfile();
    (void)state;

    assert_non_null(f);
    random_losses(l, N, &rng);
    for (i = 0; i < N; i++)
        tr[i] = (unsigned char)(i % 2 ? 13 : 0);
    assert_int_equal(lmpviz_sweep_init(&sw, ps, 3, ms, 2, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_sweep_add(&sw, l, NULL, tr, N, NULL, NULL, NULL), LMPVIZ_OK);
    assert_int_equal(lmpviz_sweep_write_csv(&sw, "x.npy", stats, 2, 1, f), LMPVIZ_OK);
    rewind(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "source,p,m,statistic,value\n");
    while (fgets(line, sizeof line, f) != NULL)
        rows++;
    /* per (p, m): 2 statistics and 2 classes x (weight, pixel share) */
    assert_int_equal(rows, 3 * 2 * (2 + 4));
    fclose(f);

    memset(&fo, 0, sizeof fo);
    fo.stats = stats;
    fo.n_stats = 2;
    fo.classes = classes;
    fo.n_classes = 1;
    fig = lmpviz_sweep_figure(&sw, &fo);
    assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_OK);
    f = tmpfile();
    assert_non_null(f);
    assert_int_equal(lmpviz_figure_write(fig, LMPVIZ_FORMAT_PNG, f, NULL), LMPVIZ_OK);
    assert_true(ftell(f) > 1000);
    fclose(f);
    lmpviz_figure_destroy(fig);
    /* nothing to draw: a nil figure that says so */
    fo.n_stats = 0;
    fo.n_classes = 0;
    fig = lmpviz_sweep_figure(&sw, &fo);
    assert_non_null(fig);
    assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_ERR_INVALID_ARG);
    lmpviz_figure_destroy(fig);
    /* a class that is not a trainId fails the figure */
    {
        static const unsigned bad[] = { 19 };
        fo.classes = bad;
        fo.n_classes = 1;
        fig = lmpviz_sweep_figure(&sw, &fo);
        assert_int_equal(lmpviz_figure_status(fig), LMPVIZ_ERR_INVALID_ARG);
        assert_non_null(strstr(lmpviz_figure_error(fig), "class 19"));
        lmpviz_figure_destroy(fig);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_direct),   cmocka_unit_test(test_closed_forms),
        cmocka_unit_test(test_ties_and_classes), cmocka_unit_test(test_merge_is_mean),
        cmocka_unit_test(test_errors),           cmocka_unit_test(test_csv_and_figure),
    };
    seed = test_seed();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
