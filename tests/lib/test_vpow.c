/*
 * The vector power of the passes with a non-integer exponent (lib/src/vpow.h,
 * kernels.c, kernels_avx512.c): its error against libm, the same bits in
 * every width, the fold and the weight pass against plain loops.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib_test_util.h"
#include "lmp_internal.h"

/* vpow.h: P and R within 8e-14 of their functions, the rest rounding. */
#define POW_RTOL 4e-13
#define POW_YTOL 6e-14 /* per unit of |e log2 r|: P's 8e-14 times ln 2, rounding */
/* The stored (l/a)^(q-1) and the weight each rounded to float once. */
#define PRE_RTOL 3e-7

static double
rand_exponent(uint64_t *rs)
{
    /* log-uniform over [1e-3, 1e4], never an integer by accident */
    return exp(log(1e-3) + test_rand_unit(rs) * log(1e7)) * (1.0 + 1e-9);
}

static void
test_pow_unit_against_libm(void **state)
{
    uint64_t rs = seed_state;
    size_t c;
    (void)state;
    for (c = 0; c < 200000; c++) {
        /* r spread over (0, 1] in the log, plus values near 1 */
        const double r = c % 4 == 0 ? 1.0 - ldexp(test_rand_unit(&rs), -(int)(c % 50))
                                    : exp2(-60.0 * test_rand_unit(&rs));
        const double e = rand_exponent(&rs);
        const double want = pow(r, e);
        const double got = lmpi_pow_unit(r, e);
        const double y = fabs(e * log2(r));
        if (want < 0x1p-1000) {
            /* flushed near underflow, never above the true value */
            if (!(got == 0.0 || fabs(got - want) <= (POW_RTOL + POW_YTOL * y) * want))
                fail_msg("r = %.17g e = %.17g: got %.17g want %.17g", r, e, got, want);
            continue;
        }
        if (!(fabs(got - want) <= (POW_RTOL + POW_YTOL * y) * want))
            fail_msg("r = %.17g e = %.17g: got %.17g want %.17g", r, e, got, want);
    }
}

static void
test_pow_unit_exact_points(void **state)
{
    const double es[4] = { 0.001, 0.4285714285714286, 2.5, 1000.0 };
    size_t i;
    (void)state;
    for (i = 0; i < 4; i++) {
        assert_true(lmpi_pow_unit(1.0, es[i]) == 1.0); /* clamped weights are tau exactly */
        assert_true(lmpi_pow_unit(0.0, es[i]) == 0.0);
        assert_true(lmpi_pow_unit(0.5, es[i]) == exp2(-es[i]) ||
                    fabs(lmpi_pow_unit(0.5, es[i]) / exp2(-es[i]) - 1.0) < POW_RTOL);
    }
    /* half-integer exponents through the square root: a few ulps */
    for (i = 1; i <= 9; i += 2) {
        const double e = 0.5 * (double)i;
        double r;
        for (r = 1e-12; r < 1.0; r *= 1.37) {
            const double want = pow(r, e);
            assert_true(fabs(lmpi_pow_unit(r, e) - want) <= 1e-15 * want);
        }
    }
    /* below 2^-1021: 0, and no subnormal anywhere */
    assert_true(lmpi_pow_unit(0.5, 1021.5) == 0.0);
    assert_true(lmpi_pow_unit(1e-300, 4.0 + 1e-9) == 0.0);
    assert_true(lmpi_pow_unit(0.5, 1020.0 + 1e-9) > 0.0);
}

static void
test_widths_agree(void **state)
{
    /* Four lanes, eight lanes (where the processor has them) and one lane
     * give the same bits. */
    uint64_t rs = seed_state ^ 0x77ULL;
    size_t c;
    int j;
    (void)state;
    for (c = 0; c < 20000; c++) {
        const double e = rand_exponent(&rs);
        v4d r4[2];
        v4d p4[2];
        for (j = 0; j < 8; j++)
            r4[j / 4][j % 4] = test_rand_unit(&rs) < 0.1 ? 0.0 : test_rand_unit(&rs);
        lmpi_pow_unit4(&r4[0], e, &p4[0]);
        lmpi_pow_unit4(&r4[1], e, &p4[1]);
        for (j = 0; j < 8; j++) {
            const double one = lmpi_pow_unit(r4[j / 4][j % 4], e);
            if (memcmp(&one, &p4[j / 4][j % 4], sizeof one) != 0)
                fail_msg("lane %d of r = %.17g e = %.17g differs", j, r4[j / 4][j % 4], e);
        }
    }
}

/* n Exp(1)-like losses with zeros, ties and a tail that the fold skips. */
static void
fill_losses(float *loss, size_t n, uint64_t *rs)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const double u = test_rand_unit(rs);
        loss[i] = u < 0.05 ? 0.0f : u < 0.1 ? 1.0f : (float)(-log(1.0 - test_rand_unit(rs)));
        if (u > 0.999)
            loss[i] = (float)ldexp(1.0, -(int)(test_rand_unit(rs) * 120.0));
    }
}

static void
test_fold_against_loop(void **state)
{
    uint64_t rs = seed_state ^ 0x1234ULL;
    const size_t max_n = 5003;
    float *loss = malloc(max_n * sizeof *loss);
    float *pre = malloc(max_n * sizeof *pre);
    unsigned char *valid = malloc(max_n);
    size_t c;
    (void)state;
    assert_non_null(loss);
    assert_non_null(pre);
    assert_non_null(valid);
    for (c = 0; c < 300; c++) {
        const size_t n = 1 + (size_t)(test_rand_unit(&rs) * (double)(max_n - 1));
        const double q = 1.0 + rand_exponent(&rs);
        const double a = 0.2 + 3.0 * test_rand_unit(&rs);
        const int masked = c % 3 == 0;
        long double want = 0.0L;
        double bound = 0.0; /* the sum of each term's error bound */
        double got;
        size_t i;
        fill_losses(loss, n, &rs);
        for (i = 0; i < n; i++)
            valid[i] = test_rand_unit(&rs) < 0.7;
        got = lmpi_fold_real(loss, masked ? valid : NULL, n, a, q, pre);
        for (i = 0; i < n; i++) {
            const double x = loss[i];
            const int use = x > 0.0 && x <= a && (!masked || valid[i]);
            const double e1 = use ? pow(x / a, q - 1.0) : 0.0;
            if (use) {
                const double t = pow(x / a, q);
                want += (long double)t;
                /* and r = x * (1 / a) is two roundings off x / a, which
                 * the power multiplies by q */
                bound += t * (POW_RTOL + POW_YTOL * fabs(q * log2(x / a)) + q * 0x1p-52);
            }
            /* stored weight: right, or 0 where it is below FLT_MIN */
            if (!(fabs((double)pre[i] - e1) <= PRE_RTOL * e1 ||
                  (pre[i] == 0.0f && e1 < (double)FLT_MIN)))
                fail_msg("case %zu, pre[%zu] = %.9g, want %.9g", c, i, (double)pre[i], e1);
        }
        /* terms below 2^-70 may be dropped: n of them at most */
        if (!(fabs(got - (double)want) <= bound + 1e-15 * (double)want + (double)n * 0x1p-70))
            fail_msg("case %zu (n %zu, q %.17g): fold %.17g, want %.17g", c, n, q, got,
                     (double)want);
        assert_true(lmpi_fold_real(loss, masked ? valid : NULL, n, a, q, NULL) == got);
    }
    free(loss);
    free(pre);
    free(valid);
}

static void
test_weights_with_and_without_fold(void **state)
{
    /* The weight pass from the fold's stored powers agrees with the plain
     * one, and both with tau * min(1, l / theta)^e. */
    uint64_t rs = seed_state ^ 0x5151ULL;
    const size_t max_n = 4099;
    float *loss = malloc(max_n * sizeof *loss);
    float *w0 = malloc(max_n * sizeof *w0);
    float *w1 = malloc(max_n * sizeof *w1);
    size_t c;
    (void)state;
    assert_non_null(loss);
    assert_non_null(w0);
    assert_non_null(w1);
    for (c = 0; c < 300; c++) {
        const size_t n = 1 + (size_t)(test_rand_unit(&rs) * (double)(max_n - 1));
        const double q = 1.0 + rand_exponent(&rs);
        const double a = 0.2 + 2.0 * test_rand_unit(&rs);
        const double theta = a * (1.0 + test_rand_unit(&rs));
        const double tau = 1e-6 + test_rand_unit(&rs);
        size_t i;
        fill_losses(loss, n, &rs);
        lmpi_weights_pow(loss, NULL, LMP_NONFINITE_ERROR, n, theta, q - 1.0, tau, 0.0, w0);
        (void)lmpi_fold_real(loss, NULL, n, a, q, w1);
        lmpi_weights_pow(loss, NULL, LMP_NONFINITE_ERROR, n, theta, q - 1.0, tau, a, w1);
        for (i = 0; i < n; i++) {
            const double x = loss[i];
            const double want = tau * pow(x < theta ? x / theta : 1.0, q - 1.0);
            const double tol = PRE_RTOL * want + 2.0 * FLT_MIN;
            if (!(fabs((double)w0[i] - want) <= tol) || !(fabs((double)w1[i] - want) <= tol))
                fail_msg("case %zu, loss %.9g: %.9g and %.9g, want %.9g", c, x, (double)w0[i],
                         (double)w1[i], want);
            assert_true(w0[i] == 0.0f || w0[i] >= FLT_MIN); /* no subnormal weight */
            assert_true(w1[i] == 0.0f || w1[i] >= FLT_MIN);
            if (x >= theta) {
                assert_true(w0[i] == (float)tau); /* clamped: exactly tau */
                assert_true(w1[i] == (float)tau);
            }
        }
    }
    free(loss);
    free(w0);
    free(w1);
}

static void
test_eight_lanes_agree(void **state)
{
    /* The AVX-512 passes give the same bits as the four-lane ones. */
#ifdef LMPI_HAVE_AVX512
    uint64_t rs = seed_state ^ 0x8888ULL;
    const size_t n = 4103;
    float *loss = malloc(n * sizeof *loss);
    float *p4 = malloc(n * sizeof *p4);
    float *p8 = malloc(n * sizeof *p8);
    unsigned char *valid = malloc(n);
    size_t c;
    size_t i;
    (void)state;
    if (!lmpi_have_avx512())
        skip();
    assert_non_null(loss);
    assert_non_null(p4);
    assert_non_null(p8);
    assert_non_null(valid);
    for (c = 0; c < 100; c++) {
        const double q = c % 4 == 0 ? 1.5 + (double)(c % 3) : 1.0 + rand_exponent(&rs);
        const double a = 0.5 + test_rand_unit(&rs);
        const double skip_at = c % 2 ? a * 0.5 : FLT_TRUE_MIN;
        double s4;
        double s8;
        fill_losses(loss, n, &rs);
        for (i = 0; i < n; i++)
            valid[i] = test_rand_unit(&rs) < 0.9;
        s4 = lmpi_fold_real4(loss, c % 3 ? valid : NULL, n, a, q, skip_at, p4);
        s8 = lmpi_fold_real8(loss, c % 3 ? valid : NULL, n, a, q, skip_at, p8);
        assert_memory_equal(&s4, &s8, sizeof s4);
        assert_memory_equal(p4, p8, n * sizeof *p4);
        lmpi_weights_real4(loss, n, 1.5 * a, q - 1.0, 0.01, c % 2 ? a : 0.0, 0.003, p4);
        lmpi_weights_real8(loss, n, 1.5 * a, q - 1.0, 0.01, c % 2 ? a : 0.0, 0.003, p8);
        assert_memory_equal(p4, p8, n * sizeof *p4);
    }
    free(loss);
    free(p4);
    free(p8);
    free(valid);
#else
    (void)state;
    skip();
#endif
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pow_unit_against_libm),
        cmocka_unit_test(test_pow_unit_exact_points),
        cmocka_unit_test(test_widths_agree),
        cmocka_unit_test(test_fold_against_loop),
        cmocka_unit_test(test_weights_with_and_without_fold),
        cmocka_unit_test(test_eight_lanes_agree),
    };
    return cmocka_run_group_tests(tests, setup_seed, NULL);
}
