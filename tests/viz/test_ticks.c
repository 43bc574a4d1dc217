/* Tests of viz/src/plot/ticks.c: tick values and labels for axes and colour
 * bars, without cairo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/ticks.h"

/* The nice step is one of 1, 2, 2.5, 5 (or 10) times a power of ten, not
 * below raw, and the next smaller such value is below raw. */
static void
test_nice_step(void **state)
{
    static const double mant[] = { 1.0, 2.0, 2.5, 5.0, 10.0 };
    int i;
    (void)state;
    srand(7);
    for (i = 0; i < 5000; i++) {
        double raw = pow(10.0, -8.0 + 16.0 * rand() / (double)RAND_MAX);
        double s = lmpvizi_nice_step(raw);
        double mag = pow(10.0, floor(log10(raw)));
        size_t k, hit = 5;
        assert_true(s >= raw * (1.0 - 1e-9));
        for (k = 0; k < 5; k++)
            if (fabs(s - mant[k] * mag) <= 1e-9 * s)
                hit = k;
        assert_true(hit < 5);
        if (hit > 0)
            assert_true(mant[hit - 1] * mag < raw * (1.0 + 1e-9));
    }
    assert_true(lmpvizi_nice_step(0.3) == 0.5);
    assert_true(lmpvizi_nice_step(2.2) == 2.5);
    assert_true(lmpvizi_nice_step(1.0) == 1.0);
}

static void
test_round_step(void **state)
{
    (void)state;
    assert_true(fabs(lmpvizi_round_step(0.14) - 0.1) < 1e-15);
    assert_true(fabs(lmpvizi_round_step(0.3) - 0.2) < 1e-15);
    assert_true(fabs(lmpvizi_round_step(0.7) - 0.5) < 1e-15);
    assert_true(fabs(lmpvizi_round_step(0.8) - 1.0) < 1e-15);
    assert_true(fabs(lmpvizi_round_step(420.0) - 500.0) < 1e-9);
}

static void
test_linear_labels(void **state)
{
    lmpvizi_ticks t;
    (void)state;

    lmpvizi_ticks_linear(&t, 0.0, 1.0, 0.2);
    assert_int_equal(t.n_ticks, 6);
    assert_string_equal(t.labels[0], "0.0");
    assert_string_equal(t.labels[3], "0.6");
    assert_string_equal(t.labels[5], "1.0");
    assert_string_equal(t.mult, "");

    /* A real minus sign, and no "-0" at the origin. */
    lmpvizi_ticks_linear(&t, -1.0, 1.0, 0.5);
    assert_int_equal(t.n_ticks, 5);
    assert_string_equal(t.labels[0], "−1.0");
    assert_string_equal(t.labels[2], "0.0");
    assert_true(t.ticks[2] == 0.0);

    /* Within [lo, hi] only, starting at the first multiple of step. */
    lmpvizi_ticks_linear(&t, 0.13, 0.91, 0.25);
    assert_int_equal(t.n_ticks, 3);
    assert_true(fabs(t.ticks[0] - 0.25) < 1e-12 && fabs(t.ticks[2] - 0.75) < 1e-12);
    assert_string_equal(t.labels[0], "0.25");

    /* Large and tiny values get a common power of ten. */
    lmpvizi_ticks_linear(&t, 0.0, 3e5, 1e5);
    assert_int_equal(t.n_ticks, 4);
    assert_string_equal(t.mult, "×10⁵");
    assert_string_equal(t.labels[3], "3");
    lmpvizi_ticks_linear(&t, 0.0, 4e-4, 1e-4);
    assert_string_equal(t.mult, "×10⁻⁴");
    assert_string_equal(t.labels[4], "4");
}

static void
test_log_ticks(void **state)
{
    lmpvizi_ticks t;
    (void)state;

    lmpvizi_ticks_log(&t, -3.0, 0.0, 10);
    assert_int_equal(t.n_ticks, 4);
    assert_string_equal(t.labels[0], "10⁻³");
    assert_string_equal(t.labels[3], "10⁰");
    assert_int_equal(t.n_minor, 3 * 8); /* 2..9 in each of three decades */

    /* At most max_labels decades: every second one here. */
    lmpvizi_ticks_log(&t, -3.0, 0.0, 2);
    assert_int_equal(t.n_ticks, 2);
    assert_true(t.ticks[0] == -3.0 && t.ticks[1] == -1.0);

    /* Over many decades, no minor ticks. */
    lmpvizi_ticks_log(&t, -20.0, 0.0, 30);
    assert_int_equal(t.n_ticks, 21);
    assert_int_equal(t.n_minor, 0);

    /* Under two decades: 1, 2 and 5 times powers of ten in fixed point. */
    lmpvizi_ticks_log(&t, log10(2.0), log10(50.0), 10);
    assert_int_equal(t.n_ticks, 5);
    assert_string_equal(t.labels[0], "2");
    assert_string_equal(t.labels[2], "10");
    assert_string_equal(t.labels[4], "50");
    lmpvizi_ticks_log(&t, log10(0.02), log10(0.6), 10);
    assert_string_equal(t.labels[0], "0.02");
    assert_string_equal(t.labels[t.n_ticks - 1], "0.5");
}

static void
test_bar_ticks(void **state)
{
    double pos[16];
    char lab[16][LMPVIZI_BAR_LABEL];
    const double q[9] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
    size_t k;
    (void)state;

    /* Linear: steps of round(4.2 / 5) = 1; 4 is within 7% of the top. */
    k = lmpvizi_bar_ticks(LMPVIZ_HSCALE_LINEAR, 0.0, 4.2, NULL, 5, "%.3g (cap)", pos, lab, 16);
    assert_int_equal(k, 5);
    assert_string_equal(lab[3], "3");
    assert_string_equal(lab[4], "4.2 (cap)");
    assert_true(pos[4] == 1.0 && fabs(pos[1] - 1.0 / 4.2) < 1e-12);

    /* Without a top format the top gets no tick of its own. */
    k = lmpvizi_bar_ticks(LMPVIZ_HSCALE_LINEAR, 0.0, 2.0, NULL, 4, NULL, pos, lab, 16);
    assert_int_equal(k, 5);
    assert_string_equal(lab[4], "2");
    assert_true(pos[4] == 1.0);

    /* Log: the decades in range, then the top. */
    k = lmpvizi_bar_ticks(LMPVIZ_HSCALE_LOG, 0.01, 50.0, NULL, 5, "%.3g", pos, lab, 16);
    assert_int_equal(k, 5);
    assert_string_equal(lab[0], "0.01");
    assert_string_equal(lab[3], "10");
    assert_string_equal(lab[4], "50");
    assert_true(pos[0] == 0.0);

    /* Rank: the quantiles at 0, 1/4, ..., 1. */
    k = lmpvizi_bar_ticks(LMPVIZ_HSCALE_RANK, 0.0, 8.0, q, 5, "%.3g", pos, lab, 16);
    assert_int_equal(k, 5);
    assert_string_equal(lab[2], "4");
    assert_true(pos[2] == 0.5);
    /* Ties: quartiles that print alike make one tick, mid-run. */
    {
        const double tied[9] = { 0, 0, 0, 0, 0, 0, 3.333, 3.333, 3.333 };
        k = lmpvizi_bar_ticks(LMPVIZ_HSCALE_RANK, 0.0, 3.333, tied, 5, "%.3g", pos, lab, 16);
        assert_int_equal(k, 2);
        assert_string_equal(lab[0], "0");
        assert_true(fabs(pos[0] - 0.25) < 1e-12);
        assert_string_equal(lab[1], "3.33");
        assert_true(fabs(pos[1] - 0.875) < 1e-12);
    }

    /* The top tick always fits. */
    k = lmpvizi_bar_ticks(LMPVIZ_HSCALE_LINEAR, 0.0, 4.2, NULL, 5, "%.3g", pos, lab, 2);
    assert_int_equal(k, 2);
    assert_string_equal(lab[1], "4.2");
    assert_int_equal(lmpvizi_bar_ticks(LMPVIZ_HSCALE_LOG, 0.1, 1.0, NULL, 5, "%g", pos, lab, 0), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nice_step),     cmocka_unit_test(test_round_step),
        cmocka_unit_test(test_linear_labels), cmocka_unit_test(test_log_ticks),
        cmocka_unit_test(test_bar_ticks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
