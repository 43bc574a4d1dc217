/* Numerical extremes of lmp_solve (lib/src/solve.c) against the sort-based
 * reference (lib/src/solve_sorted.c): losses from 1e-38 to 1e38 in one
 * input, subnormal losses, p = 1 + 1e-9 (q about 1e9) and p = 1e9 (q about
 * 1 + 1e-9), m_px just above 1 and just below n, n = 1, many equal losses,
 * and (with LMP_TEST_HUGE=1) n = 2^27.  Every answer must be finite, free of
 * NaN, feasible, at least the mean loss and equal to the reference's. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "lib_test_util.h"
#include "lmp.h"
#include "test_util.h"

/* The design's exactness targets (DESIGN.md section 1): value against the
 * double-precision reference, float weights against the reference's. */
#define VALUE_RTOL  1e-9
#define WEIGHT_RTOL 1e-6
/* Weights below this are compared absolutely: float subnormals carry fewer
 * than 24 significant bits. */
#define WEIGHT_ATOL 1e-37
/* Float weights round to 2^-24 relative; feasibility allows that. */
#define FEAS_RTOL 1e-6
/* An unclamped weight is tau (x / theta)^(q - 1): a relative error e in
 * theta (a few ulps, in either solver) moves it by (q - 1) e.  Up to q =
 * 1e9 (p = 1 + 1e-9) that stays below WEIGHT_RTOL; beyond, no double
 * precision solver can do better than this many ulps of theta, times q. */
#define THETA_ULPS 4.0

/* ||w||_p without overflow or underflow: scaled by the largest weight. */
static double
norm_p(const float *w, size_t n, double p)
{
    double wmax = 0.0;
    double s = 0.0;
    size_t i;
    for (i = 0; i < n; i++)
        wmax = fmax(wmax, (double)w[i]);
    if (wmax == 0.0)
        return 0.0;
    if (isinf(p))
        return wmax;
    for (i = 0; i < n; i++)
        s += pow((double)w[i] / wmax, p);
    return wmax * pow(s, 1.0 / p);
}

/* Solves with both solvers; checks status, finiteness, feasibility, L >=
 * mean, and value and weights against the reference. */
static void
check_case(const float *loss, size_t n, const lmp_params *prm, const char *what)
{
    float *w = malloc((n ? n : 1) * sizeof *w);
    float *wr = malloc((n ? n : 1) * sizeof *wr);
    lmp_result r;
    lmp_result rr;
    lmp_status st;
    lmp_status str;
    double np;
    const double q = prm->p == 1.0 || isinf(prm->p) ? 1.0 : prm->p / (prm->p - 1.0);
    const double w_rtol = fmax(WEIGHT_RTOL, THETA_ULPS * q * DBL_EPSILON);
    /* ||w||_p and the cap inherit the weights' error. */
    const double feas_rtol = fmax(FEAS_RTOL, w_rtol);
    size_t i;

    assert_non_null(w);
    assert_non_null(wr);
    st = lmp_solve(loss, NULL, n, prm, w, &r, NULL);
    str = lmp_solve_sorted(loss, NULL, n, prm, wr, &rr);
    if (st != LMP_OK || str != LMP_OK)
        fail_msg("%s: status %d, reference %d (n=%zu p=%.17g m=%.17g m_pixels=%.17g)", what, st,
                 str, n, prm->p, prm->m, prm->m_pixels);
    if (!isfinite(r.value) || !isfinite(r.theta) || !isfinite(r.tau) || !isfinite(r.mean) ||
        r.value < 0.0)
        fail_msg("%s: value %g theta %g tau %g mean %g", what, r.value, r.theta, r.tau, r.mean);
    if (!(fabs(r.value - rr.value) <= VALUE_RTOL * rr.value + 1e-300))
        fail_msg("%s: value %.17g vs reference %.17g (n=%zu p=%.17g m_px=%.17g)", what, r.value,
                 rr.value, n, prm->p, rr.m_px);
    /* The uniform weights are feasible: L is never below the mean. */
    if (!(r.value >= r.mean * (1.0 - VALUE_RTOL)))
        fail_msg("%s: value %.17g below the mean %.17g", what, r.value, r.mean);
    for (i = 0; i < n; i++) {
        if (!isfinite(w[i]) || w[i] < 0.0f)
            fail_msg("%s: weight[%zu] = %g", what, i, w[i]);
        if (!((double)w[i] <= r.tau * (1.0 + feas_rtol)))
            fail_msg("%s: weight[%zu] = %.9g above tau %.9g", what, i, w[i], r.tau);
        if (!(fabs((double)w[i] - (double)wr[i]) <= w_rtol * (double)wr[i] + WEIGHT_ATOL))
            fail_msg("%s: weight[%zu] %.9g vs reference %.9g (loss %.9g, theta %.17g vs %.17g)",
                     what, i, w[i], wr[i], loss[i], r.theta, rr.theta);
    }
    np = norm_p(w, n, prm->p);
    if (!(np <= r.gamma * (1.0 + feas_rtol)))
        fail_msg("%s: ||w||_p = %.17g above gamma %.17g", what, np, r.gamma);
    free(w);
    free(wr);
}

/* The p values of the extremes, from p = 1 to the mean loss. */
static const double extreme_ps[] = {
    1.0, 1.0 + 1e-9, 1.0 + 1e-6, 1.5, 2.0, 3.0, 1e3, 1e9, INFINITY
};
#define N_PS (sizeof extreme_ps / sizeof extreme_ps[0])
static const double extreme_ms[] = { 1e-6, 0.01, 0.1, 0.5, 0.999999, 1.0 };
#define N_MS (sizeof extreme_ms / sizeof extreme_ms[0])

static void
check_all_pm(const float *loss, size_t n, const char *what)
{
    char buf[160];
    size_t a;
    size_t b;
    for (a = 0; a < N_PS; a++) {
        for (b = 0; b < N_MS; b++) {
            const lmp_params prm = params_pm(extreme_ps[a], extreme_ms[b]);
            snprintf(buf, sizeof buf, "%s, p=%.17g m=%g", what, extreme_ps[a], extreme_ms[b]);
            check_case(loss, n, &prm, buf);
        }
    }
}

/* Random log-uniform losses over [lo, hi]; a share of them exactly lo, hi. */
static void
log_uniform(float *loss, size_t n, double lo, double hi, uint64_t *rs)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const double u = test_rand_unit(rs);
        loss[i] = u < 0.02   ? (float)lo
                  : u < 0.04 ? (float)hi
                             : (float)exp(log(lo) + (log(hi) - log(lo)) * test_rand_unit(rs));
    }
}

/* 1e-38 .. 1e38 together, small and large n (the sampled bracket path). */
static void
test_span_1e38(void **state)
{
    static const size_t ns[] = { 2, 7, 100, 5000, 20000 };
    float *loss = malloc(20000 * sizeof *loss);
    size_t k;
    (void)state;
    assert_non_null(loss);
    for (k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        uint64_t rs = seed_state + k;
        char what[64];
        log_uniform(loss, ns[k], 1e-38, 1e38, &rs);
        snprintf(what, sizeof what, "1e-38..1e38, n=%zu", ns[k]);
        check_all_pm(loss, ns[k], what);
    }
    /* Two losses only: the extremes themselves. */
    loss[0] = 1e38f;
    loss[1] = 1e-38f;
    check_all_pm(loss, 2, "{1e38, 1e-38}");
    /* The largest float, many times (sums in double do not overflow). */
    for (k = 0; k < 5000; k++)
        loss[k] = k % 3 ? FLT_MAX : 1.0f;
    check_all_pm(loss, 5000, "FLT_MAX and 1");
    free(loss);
}

/* Subnormal losses, alone and next to normal ones. */
static void
test_denormals(void **state)
{
    float *loss = malloc(10000 * sizeof *loss);
    uint64_t rs = seed_state ^ 0xd0;
    size_t i;
    (void)state;
    assert_non_null(loss);
    for (i = 0; i < 10000; i++)
        loss[i] = (float)(1 + test_rand_u64(&rs) % 0x7fffff) * 0x1p-149f; /* every subnormal */
    check_all_pm(loss, 64, "subnormals, n=64");
    check_all_pm(loss, 10000, "subnormals, n=10000");
    loss[0] = 0x1p-149f; /* the smallest */
    loss[1] = 0x1p-149f;
    loss[2] = FLT_MIN;
    check_all_pm(loss, 3, "{2^-149, 2^-149, FLT_MIN}");
    for (i = 0; i < 10000; i += 2)
        loss[i] = (float)test_rand_unit(&rs) + 0.5f;
    check_all_pm(loss, 10000, "subnormals and [0.5, 1.5)");
    for (i = 0; i < 10000; i++)
        loss[i] = i % 2 ? 0x1p-149f : 0.0f;
    check_all_pm(loss, 10000, "2^-149 and zeros");
    free(loss);
}

/* q about 1e9 and about 1 + 1e-9 on ordinary losses, with ties. */
static void
test_p_near_limits(void **state)
{
    static const double ps[] = { 1.0 + 1e-9, 1.0 + 1e-12, 1.0 + 1e-15, 1e9, 1e12, 1e15 };
    float *loss = malloc(30000 * sizeof *loss);
    uint64_t rs = seed_state ^ 0x9;
    size_t a;
    size_t i;
    (void)state;
    assert_non_null(loss);
    for (i = 0; i < 30000; i++)
        loss[i] = i % 5 == 0 ? 1.0f : (float)-log(1.0 - test_rand_unit(&rs));
    for (a = 0; a < sizeof ps / sizeof ps[0]; a++) {
        size_t b;
        for (b = 0; b < N_MS; b++) {
            static const size_t ns[] = { 3, 1000, 30000 };
            size_t c;
            for (c = 0; c < 3; c++) {
                char what[96];
                const lmp_params prm = params_pm(ps[a], extreme_ms[b]);
                snprintf(what, sizeof what, "Exp(1) with ties, n=%zu p=%.17g m=%g", ns[c], ps[a],
                         extreme_ms[b]);
                check_case(loss, ns[c], &prm, what);
            }
        }
    }
    free(loss);
}

/* m_px = 1 + tiny and n - tiny, through m_pixels and through m. */
static void
test_m_px_edges(void **state)
{
    static const size_t ns[] = { 2, 3, 1000, 20000 };
    float *loss = malloc(20000 * sizeof *loss);
    uint64_t rs = seed_state ^ 0x3;
    size_t k;
    (void)state;
    assert_non_null(loss);
    for (k = 0; k < 20000; k++)
        loss[k] = (float)(test_rand_unit(&rs) * 10.0);
    for (k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        const double n = (double)ns[k];
        const double mps[] = { 1.0,      1.0 + 1e-12,       1.0 + 1e-9,    nextafter(1.0, 2.0),
                               n - 1e-9, nextafter(n, 0.0), n - 1.0 + 1e-9 };
        size_t a;
        size_t b;
        for (a = 0; a < N_PS; a++) {
            for (b = 0; b < sizeof mps / sizeof mps[0]; b++) {
                char what[96];
                lmp_params prm = params_pm(extreme_ps[a], 0.1);
                prm.m_pixels = mps[b];
                snprintf(what, sizeof what, "m_pixels=%.17g n=%zu p=%.17g", mps[b], ns[k],
                         extreme_ps[a]);
                check_case(loss, ns[k], &prm, what);
            }
            {
                char what[96];
                /* m just below 1: m_px = n (1 - 1e-12) */
                const lmp_params prm = params_pm(extreme_ps[a], 1.0 - 1e-12);
                snprintf(what, sizeof what, "m=1-1e-12 n=%zu p=%.17g", ns[k], extreme_ps[a]);
                check_case(loss, ns[k], &prm, what);
            }
        }
    }
    free(loss);
}

/* n = 1: w = 1 for every p and m (gamma = tau = 1). */
static void
test_n1(void **state)
{
    static const float vals[] = { 0x1p-149f, 1e-38f, 1.0f, 3.5f, 1e38f, FLT_MAX };
    size_t a;
    size_t v;
    (void)state;
    for (v = 0; v < sizeof vals / sizeof vals[0]; v++) {
        for (a = 0; a < N_PS; a++) {
            lmp_params prm = params_pm(extreme_ps[a], 1e-6);
            lmp_result r;
            float w = -1.0f;
            assert_int_equal(lmp_solve(&vals[v], NULL, 1, &prm, &w, &r, NULL), LMP_OK);
            assert_true(w == 1.0f);
            assert_true(r.value == (double)vals[v]);
            assert_true(r.m_px == 1.0);
            check_case(&vals[v], 1, &prm, "n=1");
        }
    }
}

/* Many equal losses: all equal, and a block of ties at theta's rank. */
static void
test_many_equal(void **state)
{
    const size_t n = 100000;
    float *loss = malloc(n * sizeof *loss);
    uint64_t rs = seed_state ^ 0xe;
    size_t i;
    (void)state;
    assert_non_null(loss);
    for (i = 0; i < n; i++)
        loss[i] = 0.75f;
    check_all_pm(loss, n, "100000 x 0.75");
    check_all_pm(loss, 9000, "9000 x 0.75");
    /* Two values only, and a few distinct ones among many ties. */
    for (i = 0; i < n; i++)
        loss[i] = i % 10 == 0 ? 2.0f : 1.0f;
    check_all_pm(loss, n, "1 and 2");
    for (i = 0; i < n; i++)
        loss[i] = test_rand_unit(&rs) < 0.001 ? (float)(1.0 + test_rand_unit(&rs)) : 1.0f;
    check_all_pm(loss, n, "ties with a few above");
    free(loss);
}

/* Peak resident memory so far, in MiB (Linux: ru_maxrss in KiB). */
static double
peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

/* n = 2^27 (0.5 GiB of losses): only with LMP_TEST_HUGE=1.  Weights and
 * value against the reference; memory stays O(n): the solver's own scratch
 * is one n-float workspace, measured here as the growth of the peak RSS. */
static void
test_huge_n(void **state)
{
    const size_t n = (size_t)1 << 27;
    const char *env = getenv("LMP_TEST_HUGE");
    float *loss;
    float *w;
    float *wr;
    lmp_result r;
    lmp_result rr;
    lmp_params prm = params_pm(1.5, 0.1);
    uint64_t rs = seed_state ^ 0x27;
    double rss0;
    double rss1;
    double max_diff = 0.0;
    size_t i;
    (void)state;

    if (env == NULL || strcmp(env, "1") != 0) {
        printf("# n = 2^27 skipped: set LMP_TEST_HUGE=1 (needs about 3.5 GiB and a minute)\n");
        skip();
    }
    loss = malloc(n * sizeof *loss);
    w = malloc(n * sizeof *w);
    wr = malloc(n * sizeof *wr);
    assert_non_null(loss);
    assert_non_null(w);
    assert_non_null(wr);
    for (i = 0; i < n; i++) {
        loss[i] = (float)-log(1.0 - test_rand_unit(&rs));
        w[i] = 0.0f;
    }
    memset(wr, 0, n * sizeof *wr);
    rss0 = peak_rss_mib();
    assert_int_equal(lmp_solve(loss, NULL, n, &prm, w, &r, NULL), LMP_OK);
    rss1 = peak_rss_mib();
    printf("# n = 2^27: peak RSS %.0f MiB before lmp_solve, %.0f MiB after (+%.0f MiB, "
           "%.2f bytes per loss of scratch)\n",
           rss0, rss1, rss1 - rss0, (rss1 - rss0) * 1048576.0 / (double)n);
    assert_int_equal(lmp_solve_sorted(loss, NULL, n, &prm, wr, &rr), LMP_OK);
    printf("# n = 2^27: peak RSS %.0f MiB after lmp_solve_sorted\n", peak_rss_mib());
    if (!(fabs(r.value - rr.value) <= VALUE_RTOL * rr.value))
        fail_msg("n = 2^27: value %.17g vs reference %.17g", r.value, rr.value);
    for (i = 0; i < n; i++) {
        const double d = fabs((double)w[i] - (double)wr[i]);
        if (!(d <= WEIGHT_RTOL * (double)wr[i] + WEIGHT_ATOL))
            fail_msg("n = 2^27: weight[%zu] %.9g vs %.9g", i, w[i], wr[i]);
        max_diff = fmax(max_diff, d / (double)r.tau);
    }
    printf("# n = 2^27: value %.17g (reference %.17g), max |w - w_ref| / tau = %.3g\n", r.value,
           rr.value, max_diff);
    /* The solver's scratch is about one float per loss (plus the sample). */
    assert_true(rss1 - rss0 <= 1.25 * (double)(n * sizeof(float)) / 1048576.0 + 64.0);
    free(loss);
    free(w);
    free(wr);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_span_1e38),
        cmocka_unit_test(test_denormals),
        cmocka_unit_test(test_p_near_limits),
        cmocka_unit_test(test_m_px_edges),
        cmocka_unit_test(test_n1),
        cmocka_unit_test(test_many_equal),
        cmocka_unit_test(test_huge_n),
    };
    return cmocka_run_group_tests(tests, setup_seed, NULL);
}
