/* Tests of the reference solver lmp_solve_sorted (lib/src/solve_sorted.c):
 * hand-worked answers, and agreement with a third, independent method, a
 * bisection on g(theta) = m_px, on random small inputs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lib_test_util.h"
#include "lmp.h"
#include "test_util.h"

/* Bisection to the last bit gives theta to a few ulps; values follow. */
#define VALUE_RTOL  1e-11
#define WEIGHT_RTOL 1e-6

/* g(theta) = sum min(1, l/theta)^q */
static double
g_of(const float *l, size_t n, double theta, double q)
{
    double g = 0.0;
    size_t i;
    for (i = 0; i < n; i++)
        g += l[i] >= theta ? 1.0 : pow(l[i] / theta, q);
    return g;
}

/* LMP by bisection for 1 < p < inf with more than m_px positive losses:
 * theta lies in (0, max * (n / m_px)^(1/q)], where g <= m_px. */
static double
bisect_value(const float *l, size_t n, double p, double m_px, float *w)
{
    const double q = p / (p - 1.0);
    const double gamma = pow((double)n, 1.0 / p - 1.0);
    const double tau = gamma * pow(m_px, -1.0 / p);
    double hi = 0.0;
    double lo = 0.0;
    double value = 0.0;
    size_t i;
    int it;
    for (i = 0; i < n; i++)
        hi = fmax(hi, l[i]);
    hi *= pow((double)n / m_px, 1.0 / q) * 1.001;
    for (it = 0; it < 2000 && nextafter(lo, INFINITY) < hi; it++) {
        const double mid = 0.5 * (lo + hi);
        /* g(mid) may round to m_px while the true g is above it (terms
         * below an ulp of m_px): theta >= mid then, so move up. */
        if (g_of(l, n, mid, q) >= m_px)
            lo = mid;
        else
            hi = mid;
    }
    for (i = 0; i < n; i++) {
        const double wi = l[i] >= hi ? tau : tau * pow(l[i] / hi, q - 1.0);
        w[i] = (float)wi;
        value += wi * l[i];
    }
    return value;
}

static void
test_hand_worked(void **state)
{
    /* l = (4, 1), p = 2, m_px = 1: theta = sqrt(17), L = sqrt(17/2). */
    const float loss[2] = { 4.0f, 1.0f };
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result r;
    float w[2];
    (void)state;
    prm.p = 2.0;
    prm.m = 0.5;
    assert_int_equal(lmp_solve_sorted(loss, NULL, 2, &prm, w, &r), LMP_OK);
    assert_true(fabs(r.theta - sqrt(17.0)) < 1e-13);
    assert_true(fabs(r.value - sqrt(8.5)) < 1e-13);

    /* p = 1, m_px = 2.5 on (9, 7, 3, 2): 0.4 * 9 + 0.4 * 7 + 0.2 * 3. */
    {
        const float l4[4] = { 3.0f, 9.0f, 2.0f, 7.0f };
        float w4[4];
        prm.p = 1.0;
        prm.m = 0.0;
        prm.m_pixels = 2.5;
        assert_int_equal(lmp_solve_sorted(l4, NULL, 4, &prm, w4, &r), LMP_OK);
        assert_true(fabs(r.value - 7.0) < 1e-13);
        assert_true(fabs(w4[0] - 0.2f) < 1e-7 && w4[2] == 0.0f);
    }
}

static void
test_against_bisection(void **state)
{
    static const double ps[6] = { 1.05, 1.3, 1.5, 2.0, 4.0, 20.0 };
    uint64_t rs = seed_state;
    float loss[200];
    float w[200];
    float wb[200];
    size_t c;
    (void)state;
    for (c = 0; c < 600; c++) {
        const size_t n = 2 + (size_t)(test_rand_unit(&rs) * 198.0);
        lmp_params prm = LMP_PARAMS_INIT;
        lmp_result r;
        double vb;
        size_t i;
        prm.p = ps[c % 6];
        prm.m = 0.01 + 0.9 * test_rand_unit(&rs);
        for (i = 0; i < n; i++)
            loss[i] = (float)(0.01 - log(1.0 - test_rand_unit(&rs)));
        assert_int_equal(lmp_solve_sorted(loss, NULL, n, &prm, w, &r), LMP_OK);
        if (!((double)n > r.m_px))
            continue;
        vb = bisect_value(loss, n, prm.p, r.m_px, wb);
        if (!(fabs(r.value - vb) <= VALUE_RTOL * vb))
            fail_msg("value %.17g vs bisection %.17g (n=%zu p=%g m=%g)", r.value, vb, n, prm.p,
                     prm.m);
        for (i = 0; i < n; i++) {
            if (!(fabs((double)w[i] - (double)wb[i]) <= WEIGHT_RTOL * (double)wb[i] + 1e-30))
                fail_msg(
                    "weight[%zu] %.9g vs bisection %.9g (n=%zu p=%g m=%g loss %.9g theta %.17g)", i,
                    w[i], wb[i], n, prm.p, prm.m, loss[i], r.theta);
        }
    }
}

static void
test_statuses(void **state)
{
    const float bad[3] = { 1.0f, NAN, 2.0f };
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result r;
    (void)state;
    assert_int_equal(lmp_solve_sorted(bad, NULL, 3, &prm, NULL, &r), LMP_ERR_INVALID_LOSS);
    assert_int_equal(r.bad_index, 1);
    assert_int_equal(lmp_solve_sorted(bad, NULL, 0, &prm, NULL, &r), LMP_ERR_EMPTY);
    prm.p = 0.9;
    assert_int_equal(lmp_solve_sorted(bad, NULL, 3, &prm, NULL, &r), LMP_ERR_INVALID_ARG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_worked),
        cmocka_unit_test(test_against_bisection),
        cmocka_unit_test(test_statuses),
    };
    return cmocka_run_group_tests(tests, setup_seed, NULL);
}
