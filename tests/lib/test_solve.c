/* Tests of lmp_solve (lib/src/solve.c): closed forms, the optimality
 * certificate, agreement with the sort-based reference, invariances, edge
 * cases and every status code. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib_test_util.h"
#include "lmp.h"
#include "test_util.h"

/* The exactness targets of the design: value against a double-precision
 * reference, weights (stored as float) against the reference's weights. */
#define VALUE_RTOL  1e-9
#define WEIGHT_RTOL 1e-6
/* Float weights round to 2^-24 relative; feasibility checks allow that. */
#define FEAS_RTOL 1e-6

static void
assert_close(double got, double want, double rtol, double atol, const char *what)
{
    if (!(fabs(got - want) <= rtol * fabs(want) + atol))
        fail_msg("%s: got %.17g, want %.17g (rtol %g)", what, got, want, rtol);
}

/* Solves with both solvers and compares value and every weight. */
/* n_clamped: for 1 < p < inf the losses >= theta (theta > 0), and the
 * reference's count but for the losses that lie within rounding of both
 * thetas (theta landing on a loss as p -> 1: either side is right); for
 * p = 1 and p = inf, where no theta is computed, the reference's count. */
static void
check_clamped(const float *loss,
              const unsigned char *valid,
              size_t n,
              const lmp_params *prm,
              const lmp_result *r,
              const lmp_result *rr)
{
    const double lo = fmin(r->theta, rr->theta) * (1.0 - 1e-9);
    const double hi = fmax(r->theta, rr->theta) * (1.0 + 1e-9);
    size_t at_or_above = 0;
    size_t near = 0;
    size_t i;

    if (prm->p == 1.0 || isinf(prm->p) || r->theta == 0.0) {
        if (r->n_clamped != rr->n_clamped)
            fail_msg("n_clamped %zu vs reference %zu (n=%zu p=%.17g)", r->n_clamped, rr->n_clamped,
                     n, prm->p);
        return;
    }
    for (i = 0; i < n; i++) {
        const double x = loss[i];
        if ((valid != NULL && !valid[i]) || !(x >= 0.0 && x < INFINITY))
            continue;
        at_or_above += x >= r->theta;
        near += x >= lo && x <= hi;
    }
    if (r->n_clamped != at_or_above)
        fail_msg("n_clamped %zu but %zu losses >= theta %.17g (n=%zu p=%.17g)", r->n_clamped,
                 at_or_above, r->theta, n, prm->p);
    if (r->n_clamped + near < rr->n_clamped || rr->n_clamped + near < r->n_clamped)
        fail_msg("n_clamped %zu vs reference %zu, %zu losses near theta %.17g / %.17g (n=%zu "
                 "p=%.17g)",
                 r->n_clamped, rr->n_clamped, near, r->theta, rr->theta, n, prm->p);
}

static void
check_against_reference(const float *loss,
                        const unsigned char *valid,
                        size_t n,
                        const lmp_params *prm,
                        lmp_workspace *ws)
{
    float *w = malloc((n ? n : 1) * sizeof *w);
    float *wr = malloc((n ? n : 1) * sizeof *wr);
    lmp_result r;
    lmp_result rr;
    lmp_status st;
    lmp_status str;
    size_t i;

    assert_non_null(w);
    assert_non_null(wr);
    st = lmp_solve(loss, valid, n, prm, w, &r, ws);
    str = lmp_solve_sorted(loss, valid, n, prm, wr, &rr);
    if (st != str)
        fail_msg("status %d vs reference %d (n=%zu p=%g m=%g)", st, str, n, prm->p, prm->m);
    if (st == LMP_OK) {
        if (!(fabs(r.value - rr.value) <= VALUE_RTOL * rr.value + 1e-300))
            fail_msg("value %.17g vs reference %.17g (n=%zu p=%.17g m=%.17g mpx=%g)", r.value,
                     rr.value, n, prm->p, prm->m, rr.m_px);
        assert_int_equal(r.n_valid, rr.n_valid);
        assert_int_equal(r.n_support, rr.n_support);
        if (prm->p == 1.0) {
            /* p = 1: the support is the pixels with a non-zero weight */
            size_t nz = 0;
            for (i = 0; i < n; i++)
                nz += w[i] != 0.0f;
            assert_int_equal(r.n_support, nz);
        }
        check_clamped(loss, valid, n, prm, &r, &rr);
        assert_close(r.tau, rr.tau, 1e-15, 0, "tau");
        for (i = 0; i < n; i++) {
            if (!(fabs((double)w[i] - (double)wr[i]) <= WEIGHT_RTOL * (double)wr[i] + 1e-37))
                fail_msg("weight[%zu] %.9g vs reference %.9g (loss %.9g, n=%zu p=%.17g m=%.17g "
                         "theta %.17g vs %.17g)",
                         i, w[i], wr[i], loss[i], n, prm->p, prm->m, r.theta, rr.theta);
        }
    }
    free(w);
    free(wr);
}

/* Checks the optimality certificate of a solution: feasibility, the clamped
 * set, L >= mean, and that the dual value equals L (strong duality). */
static void
check_certificate(const float *loss, size_t n, const lmp_params *prm)
{
    float *w = malloc(n * sizeof *w);
    lmp_result r;
    double norm_p = 0.0;
    double primal = 0.0;
    double dual_u = 0.0; /* ||min(l, theta)||_q */
    double dual_v = 0.0; /* sum (l - theta)_+ */
    const double p = prm->p;
    const double q = isinf(p) ? 1.0 : (p == 1.0 ? INFINITY : p / (p - 1.0));
    double dual;
    size_t i;

    assert_non_null(w);
    assert_int_equal(lmp_solve(loss, NULL, n, prm, w, &r, NULL), LMP_OK);
    for (i = 0; i < n; i++) {
        const double wi = w[i];
        const double li = loss[i];
        assert_true(wi >= 0.0);
        assert_true(wi <= r.tau * (1.0 + FEAS_RTOL));
        if (li == 0.0)
            assert_true(wi == 0.0);
        norm_p += isinf(p) ? 0.0 : pow(wi / r.gamma, p);
        primal += wi * li;
        if (p > 1.0 && !isinf(p) && (double)n > r.m_px && li > 0.0) {
            /* clamped set = {l >= theta} */
            if (li >= r.theta)
                assert_close(wi, r.tau, FEAS_RTOL, 0, "clamped weight");
            else
                assert_true(wi < r.tau * (1.0 + FEAS_RTOL));
        }
        if (isinf(q))
            dual_u = fmax(dual_u, fmin(li, r.theta));
        else
            dual_u += pow(fmin(li, r.theta) / r.theta, q);
        dual_v += fmax(li - r.theta, 0.0);
    }
    if (!isinf(p))
        assert_true(pow(norm_p, 1.0 / p) <= 1.0 + FEAS_RTOL); /* ||w||_p <= gamma */
    if (!isinf(q))
        dual_u = r.theta * pow(dual_u, 1.0 / q);
    dual = r.gamma * dual_u + r.tau * dual_v;
    if (r.theta == 0.0) /* slack p-ball: the dual puts everything on the box */
        dual = r.tau * r.mean * (double)n;
    assert_close(primal, r.value, FEAS_RTOL, 1e-300, "primal sum w*l");
    assert_close(dual, r.value, 1e-9, 1e-300, "dual value");
    assert_true(r.value >= r.mean * (1.0 - 1e-12));
    free(w);
}

/* ------------------------------------------------------------------------ */

static void
test_hand_worked_p2(void **state)
{
    /* l = (4, 1), p = 2, m_px = 1: theta = sqrt(17) > 4, nothing clamped,
     * w = tau * l / theta with tau = gamma = 2^-1/2, L = sqrt(17/2). */
    const float loss[2] = { 4.0f, 1.0f };
    lmp_params prm = params_pm(2.0, 0.5);
    float w[2];
    lmp_result r;
    (void)state;
    assert_int_equal(lmp_solve(loss, NULL, 2, &prm, w, &r, NULL), LMP_OK);
    assert_close(r.m_px, 1.0, 0, 0, "m_px");
    assert_close(r.gamma, sqrt(0.5), 1e-15, 0, "gamma");
    assert_close(r.tau, sqrt(0.5), 1e-15, 0, "tau");
    assert_close(r.theta, sqrt(17.0), 1e-14, 0, "theta");
    assert_close(r.value, sqrt(8.5), 1e-14, 0, "value");
    assert_close(w[0], sqrt(0.5) * 4.0 / sqrt(17.0), 1e-7, 0, "w0");
    assert_close(w[1], sqrt(0.5) * 1.0 / sqrt(17.0), 1e-7, 0, "w1");
    assert_int_equal(r.n_clamped, 0);
}

static void
test_hand_worked_clamped(void **state)
{
    /* l = (10, 1, 1, 1), p = 2 (q = 2), m_px = 2: with 10 clamped,
     * theta^2 = 3 / (2 - 1) so theta = sqrt(3) in [1, 10]. */
    const float loss[4] = { 1.0f, 10.0f, 1.0f, 1.0f };
    lmp_params prm = params_pm(2.0, 0.5);
    float w[4];
    lmp_result r;
    const double gamma = pow(4.0, -0.5);
    const double tau = gamma / sqrt(2.0);
    (void)state;
    assert_int_equal(lmp_solve(loss, NULL, 4, &prm, w, &r, NULL), LMP_OK);
    assert_close(r.theta, sqrt(3.0), 1e-14, 0, "theta");
    assert_int_equal(r.n_clamped, 1);
    assert_close(w[1], tau, 1e-7, 0, "clamped weight");
    assert_close(w[0], tau / sqrt(3.0), 1e-7, 0, "free weight");
    assert_close(r.value, tau * (10.0 + sqrt(3.0) * 1.0), 1e-14, 0, "value");
}

static void
test_m_one_is_mean(void **state)
{
    const float loss[6] = { 0.5f, 3.0f, 0.25f, 7.0f, 1.0f, 2.0f };
    const double ps[5] = { 1.0, 1.01, 1.5, 3.0, INFINITY };
    size_t i;
    size_t j;
    (void)state;
    for (i = 0; i < 5; i++) {
        lmp_params prm = params_pm(ps[i], 1.0);
        float w[6];
        lmp_result r;
        assert_int_equal(lmp_solve(loss, NULL, 6, &prm, w, &r, NULL), LMP_OK);
        assert_close(r.value, r.mean, 1e-12, 0, "m = 1 gives the mean");
        for (j = 0; j < 6; j++)
            assert_close(w[j], 1.0 / 6.0, 1e-7, 0, "uniform weight");
    }
}

static void
test_p_inf_is_mean(void **state)
{
    const float loss[5] = { 0.0f, 3.0f, 0.25f, 7.0f, 1.0f };
    lmp_params prm = params_pm(INFINITY, 0.1);
    float w[5];
    lmp_result r;
    (void)state;
    assert_int_equal(lmp_solve(loss, NULL, 5, &prm, w, &r, NULL), LMP_OK);
    assert_close(r.value, (3.0 + 0.25 + 7.0 + 1.0) / 5.0, 1e-14, 0, "mean");
    assert_true(w[0] == 0.0f);
    assert_close(w[1], 0.2, 1e-7, 0, "1/n");
    assert_close(w[3], 0.2, 1e-7, 0, "1/n");
}

static void
test_m_px_one_is_power_mean(void **state)
{
    /* m_px = 1: L = (mean of l^q)^(1/q). */
    const float loss[5] = { 0.5f, 3.0f, 0.25f, 7.0f, 1.0f };
    const double ps[4] = { 1.1, 1.5, 2.0, 10.0 };
    size_t i;
    size_t j;
    (void)state;
    for (i = 0; i < 4; i++) {
        lmp_params prm = params_pm(ps[i], 0.0);
        const double q = ps[i] / (ps[i] - 1.0);
        double mq = 0.0;
        lmp_result r;
        prm.m_pixels = 1.0;
        for (j = 0; j < 5; j++)
            mq += pow(loss[j], q) / 5.0;
        assert_int_equal(lmp_solve(loss, NULL, 5, &prm, NULL, &r, NULL), LMP_OK);
        assert_close(r.value, pow(mq, 1.0 / q), 1e-12, 0, "power mean");
    }
}

static void
test_p1_top_k_with_remainder(void **state)
{
    /* p = 1, m_px = 2.5: the two largest at tau = 0.4, the third gets 0.2. */
    const float loss[6] = { 1.0f, 9.0f, 3.0f, 0.5f, 7.0f, 2.0f };
    lmp_params prm = params_pm(1.0, 0.0);
    float w[6];
    lmp_result r;
    (void)state;
    prm.m_pixels = 2.5;
    assert_int_equal(lmp_solve(loss, NULL, 6, &prm, w, &r, NULL), LMP_OK);
    assert_close(w[1], 0.4, 1e-7, 0, "top");
    assert_close(w[4], 0.4, 1e-7, 0, "second");
    assert_close(w[2], 0.2, 1e-7, 0, "remainder");
    assert_true(w[0] == 0.0f && w[3] == 0.0f && w[5] == 0.0f);
    assert_close(r.value, 0.4 * 9 + 0.4 * 7 + 0.2 * 3, 1e-14, 0, "value");
    assert_int_equal(r.n_clamped, 2);
    assert_int_equal(r.n_support, 3);
    assert_close(r.theta, 3.0, 0, 0, "theta is the ceil(m_px)-th largest");
}

static void
test_p1_ties_share(void **state)
{
    /* p = 1, m_px = 2: the largest at 1/2, three tied losses share 1/2. */
    const float loss[5] = { 5.0f, 2.0f, 2.0f, 1.0f, 2.0f };
    lmp_params prm = params_pm(1.0, 0.0);
    float w[5];
    lmp_result r;
    (void)state;
    prm.m_pixels = 2.0;
    assert_int_equal(lmp_solve(loss, NULL, 5, &prm, w, &r, NULL), LMP_OK);
    assert_close(w[0], 0.5, 1e-7, 0, "top");
    assert_close(w[1], 0.5 / 3.0, 1e-7, 0, "tie");
    assert_close(w[2], 0.5 / 3.0, 1e-7, 0, "tie");
    assert_close(w[4], 0.5 / 3.0, 1e-7, 0, "tie");
    assert_true(w[3] == 0.0f);
    assert_close(r.value, 2.5 + 1.0, 1e-14, 0, "value");
    assert_int_equal(r.n_support, 4);
}

static void
test_fewer_positive_than_m(void **state)
{
    /* 2 positive losses, m_px = 5: both at tau, zeros at 0. */
    float loss[10] = { 0 };
    const double ps[4] = { 1.0, 1.5, 4.0, INFINITY };
    size_t i;
    (void)state;
    loss[3] = 2.0f;
    loss[7] = 0.5f;
    for (i = 0; i < 4; i++) {
        lmp_params prm = params_pm(ps[i], 0.5);
        float w[10];
        lmp_result r;
        size_t j;
        assert_int_equal(lmp_solve(loss, NULL, 10, &prm, w, &r, NULL), LMP_OK);
        assert_close(w[3], r.tau, 1e-7, 0, "at tau");
        assert_close(w[7], r.tau, 1e-7, 0, "at tau");
        for (j = 0; j < 10; j++) {
            if (j != 3 && j != 7)
                assert_true(w[j] == 0.0f);
        }
        assert_close(r.value, r.tau * 2.5, 1e-14, 0, "value");
        assert_int_equal(r.n_support, 2);
    }
}

static void
test_all_zero_and_single(void **state)
{
    float zeros[4] = { 0 };
    float one = 3.5f;
    lmp_params prm = params_pm(1.5, 0.3);
    float w[4] = { 1, 1, 1, 1 };
    lmp_result r;
    (void)state;
    assert_int_equal(lmp_solve(zeros, NULL, 4, &prm, w, &r, NULL), LMP_OK);
    assert_true(r.value == 0.0 && w[0] == 0.0f && w[3] == 0.0f);
    assert_int_equal(lmp_solve(&one, NULL, 1, &prm, w, &r, NULL), LMP_OK);
    assert_close(w[0], 1.0, 0, 0, "n = 1 gives w = 1");
    assert_close(r.value, 3.5, 1e-15, 0, "value");
}

static void
test_mask_removes_pixels(void **state)
{
    /* Masked pixels are gone: same answer as the compacted input, weight 0. */
    const float loss[6] = { 1.0f, 100.0f, 2.0f, -5.0f, 3.0f, NAN };
    const unsigned char valid[6] = { 1, 0, 1, 0, 1, 0 };
    const float compact[3] = { 1.0f, 2.0f, 3.0f };
    lmp_params prm = params_pm(1.5, 0.4);
    float w[6];
    float wc[3];
    lmp_result r;
    lmp_result rc;
    (void)state;
    assert_int_equal(lmp_solve(loss, valid, 6, &prm, w, &r, NULL), LMP_OK);
    assert_int_equal(lmp_solve(compact, NULL, 3, &prm, wc, &rc, NULL), LMP_OK);
    assert_int_equal(r.n_valid, 3);
    assert_close(r.value, rc.value, 1e-15, 0, "masked value");
    assert_true(w[1] == 0.0f && w[3] == 0.0f && w[5] == 0.0f);
    assert_true(w[0] == wc[0] && w[2] == wc[1] && w[4] == wc[2]);
}

static void
test_nonfinite_ignore(void **state)
{
    const float loss[5] = { 1.0f, NAN, 2.0f, INFINITY, 3.0f };
    const float compact[3] = { 1.0f, 2.0f, 3.0f };
    lmp_params prm = params_pm(2.0, 0.4);
    float w[5];
    lmp_result r;
    lmp_result rc;
    (void)state;
    assert_int_equal(lmp_solve(loss, NULL, 5, &prm, w, &r, NULL), LMP_ERR_INVALID_LOSS);
    assert_int_equal(r.bad_index, 1);
    prm.nonfinite = LMP_NONFINITE_IGNORE;
    assert_int_equal(lmp_solve(loss, NULL, 5, &prm, w, &r, NULL), LMP_OK);
    assert_int_equal(lmp_solve(compact, NULL, 3, &prm, NULL, &rc, NULL), LMP_OK);
    assert_close(r.value, rc.value, 1e-15, 0, "value without non-finite");
    assert_true(w[1] == 0.0f && w[3] == 0.0f);
}

static void
test_status_codes(void **state)
{
    const float good[3] = { 1.0f, 2.0f, 3.0f };
    const float neg[4] = { 1.0f, 2.0f, -0.5f, -1.0f };
    const unsigned char none[3] = { 0, 0, 0 };
    lmp_params prm = params_pm(1.5, 0.5);
    float w[4] = { 7, 7, 7, 7 };
    lmp_result r;
    size_t i;
    (void)state;

    assert_int_equal(lmp_solve(neg, NULL, 4, &prm, w, &r, NULL), LMP_ERR_INVALID_LOSS);
    assert_int_equal(r.bad_index, 2);
    assert_true(r.bad_value == -0.5f);
    prm.nonfinite = LMP_NONFINITE_IGNORE; /* negative stays an error */
    assert_int_equal(lmp_solve(neg, NULL, 4, &prm, w, &r, NULL), LMP_ERR_INVALID_LOSS);
    prm.nonfinite = LMP_NONFINITE_ERROR;

    assert_int_equal(lmp_solve(good, NULL, 0, &prm, w, &r, NULL), LMP_ERR_EMPTY);
    assert_int_equal(lmp_solve(good, none, 3, &prm, w, &r, NULL), LMP_ERR_EMPTY);
    assert_true(r.value == 0.0 && r.n_valid == 0);
    for (i = 0; i < 3; i++)
        assert_true(w[i] == 0.0f);

    prm.p = 0.5;
    assert_int_equal(lmp_solve(good, NULL, 3, &prm, w, &r, NULL), LMP_ERR_INVALID_ARG);
    prm.p = NAN;
    assert_int_equal(lmp_solve(good, NULL, 3, &prm, w, &r, NULL), LMP_ERR_INVALID_ARG);
    prm.p = 2.0;
    prm.m = 0.0;
    assert_int_equal(lmp_solve(good, NULL, 3, &prm, w, &r, NULL), LMP_ERR_INVALID_ARG);
    prm.m = 1.5;
    assert_int_equal(lmp_solve(good, NULL, 3, &prm, w, &r, NULL), LMP_ERR_INVALID_ARG);
    prm.m = NAN;
    assert_int_equal(lmp_params_check(&prm), LMP_ERR_INVALID_ARG);
    prm.m = 0.5;
    prm.m_pixels = 0.5;
    assert_int_equal(lmp_solve(good, NULL, 3, &prm, w, &r, NULL), LMP_ERR_INVALID_ARG);
    prm.m_pixels = 0.0;
    assert_int_equal(lmp_params_check(&prm), LMP_OK);
    assert_int_equal(lmp_solve(good, NULL, 3, &prm, w, NULL, NULL), LMP_ERR_INVALID_ARG);
    assert_int_equal(lmp_solve(NULL, NULL, 3, &prm, w, &r, NULL), LMP_ERR_INVALID_ARG);
    assert_int_equal(lmp_solve(good, NULL, 3, NULL, w, &r, NULL), LMP_ERR_INVALID_ARG);

    for (i = LMP_OK; i <= LMP_ERR_UNSUPPORTED; i++)
        assert_true(strlen(lmp_status_string((lmp_status)i)) > 0);
    assert_string_equal(lmp_status_string(LMP_OK), "success");
}

static void
test_nomem(void **state)
{
    /* Limit the address space in a child, so the solver's scratch cannot be
     * allocated: it must say LMP_ERR_NOMEM, not crash. */
    const size_t n = (size_t)1 << 24;
    pid_t pid;
    int wstatus;
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    skip(); /* ASan reserves terabytes of address space up front */
#endif
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        float *loss = malloc(n * sizeof *loss);
        struct rlimit lim;
        lmp_params prm = params_pm(1.5, 0.1);
        lmp_result r;
        size_t i;
        if (loss == NULL)
            _exit(3);
        for (i = 0; i < n; i++)
            loss[i] = (float)(i % 1000) + 1.0f;
        getrlimit(RLIMIT_AS, &lim);
        lim.rlim_cur = 0;
        {
            /* current size + 16 MiB: far less than the 64 MiB scratch */
            FILE *f = fopen("/proc/self/statm", "r");
            unsigned long pages = 0;
            if (f == NULL || fscanf(f, "%lu", &pages) != 1)
                _exit(4);
            fclose(f);
            lim.rlim_cur = pages * (unsigned long)sysconf(_SC_PAGESIZE) + (16UL << 20);
        }
        if (setrlimit(RLIMIT_AS, &lim) != 0)
            _exit(5);
        _exit(lmp_solve(loss, NULL, n, &prm, NULL, &r, NULL) == LMP_ERR_NOMEM ? 0 : 6);
    }
    assert_true(waitpid(pid, &wstatus, 0) == pid);
    assert_true(WIFEXITED(wstatus));
    assert_int_equal(WEXITSTATUS(wstatus), 0);
}

/* ------------------------------------------------------------------------ */

static const double test_ps[10] = { 1.0, 1.001, 1.01, 1.1, 1.5, 2.0, 3.0, 10.0, 100.0, INFINITY };

/* Random losses with zeros and ties in several shapes. */
static void
random_losses(float *loss, size_t n, uint64_t *rs)
{
    const int kind = (int)(test_rand_u64(rs) % 6);
    const double zero_frac = test_rand_unit(rs) < 0.3 ? test_rand_unit(rs) : 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        double u = test_rand_unit(rs);
        double x;
        switch (kind) {
        case 0: /* cross-entropy-like */
            x = -log(1.0 - u);
            break;
        case 1: /* heavy tail */
            x = exp(6.0 * (u - 0.5));
            break;
        case 2: /* few distinct values: many ties */
            x = (double)(test_rand_u64(rs) % 5);
            break;
        case 3: /* tiny and huge together */
            x = pow(10.0, 60.0 * u - 30.0);
            break;
        case 4: /* nearly equal */
            x = 1.0 + 1e-6 * u;
            break;
        default:
            x = u;
            break;
        }
        loss[i] = test_rand_unit(rs) < zero_frac ? 0.0f : (float)x;
    }
}

static double
random_m(uint64_t *rs)
{
    const double u = test_rand_unit(rs);
    if (u < 0.05)
        return 1.0;
    if (u < 0.1)
        return 1e-6;
    return pow(10.0, -4.0 * test_rand_unit(rs));
}

static void
test_random_against_reference(void **state)
{
    const size_t cases = 10000;
    uint64_t rs = seed_state;
    float *loss = malloc(5000 * sizeof *loss);
    unsigned char *valid = malloc(5000);
    lmp_workspace *ws = lmp_workspace_create(0);
    size_t c;
    (void)state;
    assert_non_null(loss);
    assert_non_null(valid);
    assert_non_null(ws);
    for (c = 0; c < cases; c++) {
        const size_t n = (size_t)floor(exp(test_rand_unit(&rs) * log(5000.0)));
        lmp_params prm = params_pm(test_ps[c % 10], random_m(&rs));
        const int masked = test_rand_unit(&rs) < 0.2;
        size_t i;
        random_losses(loss, n, &rs);
        for (i = 0; i < n; i++)
            valid[i] = test_rand_unit(&rs) < 0.8;
        if (test_rand_unit(&rs) < 0.1) {
            prm.m_pixels = 1.0 + test_rand_unit(&rs) * (double)n;
        }
        check_against_reference(loss, masked ? valid : NULL, n, &prm, (c & 1) ? ws : NULL);
    }
    lmp_workspace_destroy(ws);
    free(loss);
    free(valid);
}

static void
test_large_against_reference(void **state)
{
    /* Sizes where the sampling bracket is used, every p, ties included. */
    uint64_t rs = seed_state ^ 0xABCDEFULL;
    const size_t max_n = 300000;
    float *loss = malloc(max_n * sizeof *loss);
    lmp_workspace *ws = lmp_workspace_create(max_n);
    size_t c;
    (void)state;
    assert_non_null(loss);
    assert_non_null(ws);
    for (c = 0; c < 60; c++) {
        const size_t n = 8192 + (size_t)(test_rand_unit(&rs) * (double)(max_n - 8192));
        lmp_params prm = params_pm(test_ps[c % 10], random_m(&rs));
        random_losses(loss, n, &rs);
        check_against_reference(loss, NULL, n, &prm, ws);
    }
    lmp_workspace_destroy(ws);
    free(loss);
}

static void
test_bracket_fallback(void **state)
{
    /* Inputs whose sample bracket cannot hold: all losses equal, and two
     * levels with the threshold exactly between them. */
    const size_t n = 100000;
    float *loss = malloc(n * sizeof *loss);
    size_t i;
    size_t k;
    (void)state;
    assert_non_null(loss);
    for (k = 0; k < 10; k++) {
        lmp_params prm = params_pm(test_ps[k], 0.1);
        for (i = 0; i < n; i++)
            loss[i] = 2.0f;
        check_against_reference(loss, NULL, n, &prm, NULL);
        for (i = 0; i < n; i++)
            loss[i] = i % 10 == 0 ? 5.0f : 1.0f;
        check_against_reference(loss, NULL, n, &prm, NULL);
    }
    free(loss);
}

static void
test_random_nonfinite(void **state)
{
    /* NaN and +-Inf sprinkled in: ignored on request (same answer as the
     * reference), otherwise an error naming the first of them. */
    uint64_t rs = seed_state ^ 0x99ULL;
    static float loss[40000];
    static unsigned char valid[40000];
    const float specials[3] = { NAN, INFINITY, -INFINITY };
    size_t c;
    (void)state;
    for (c = 0; c < 40; c++) {
        const size_t n = 8 + (size_t)(test_rand_unit(&rs) * 39990.0);
        lmp_params prm = params_pm(test_ps[c % 10], random_m(&rs));
        size_t first = n;
        lmp_result r;
        size_t i;
        random_losses(loss, n, &rs);
        for (i = 0; i < n; i++) {
            valid[i] = test_rand_unit(&rs) < 0.9;
            if (test_rand_unit(&rs) < 0.01) {
                loss[i] = specials[test_rand_u64(&rs) % 3];
                if (first == n && (c % 2 == 0 || valid[i]))
                    first = i;
            }
        }
        prm.nonfinite = LMP_NONFINITE_IGNORE;
        check_against_reference(loss, c % 2 ? valid : NULL, n, &prm, NULL);
        prm.nonfinite = LMP_NONFINITE_ERROR;
        if (first < n) {
            assert_int_equal(lmp_solve(loss, c % 2 ? valid : NULL, n, &prm, NULL, &r, NULL),
                             LMP_ERR_INVALID_LOSS);
            assert_int_equal(r.bad_index, first);
        }
    }
}

static void
test_certificate_random(void **state)
{
    uint64_t rs = seed_state ^ 0x5151ULL;
    float loss[3000];
    size_t c;
    (void)state;
    for (c = 0; c < 500; c++) {
        const size_t n = 1 + (size_t)(test_rand_unit(&rs) * 2999.0);
        lmp_params prm = params_pm(test_ps[c % 10], random_m(&rs));
        size_t i;
        for (i = 0; i < n; i++)
            loss[i] = test_rand_unit(&rs) < 0.1 ? 0.0f : (float)(-log(1.0 - test_rand_unit(&rs)));
        check_certificate(loss, n, &prm);
    }
}

static void
test_permutation_and_scaling(void **state)
{
    uint64_t rs = seed_state ^ 0x777ULL;
    enum { N = 20000 };
    static float loss[N];
    static float perm_loss[N];
    static float w[N];
    static float wp[N];
    static size_t perm[N];
    size_t c;
    (void)state;
    for (c = 0; c < 20; c++) {
        lmp_params prm = params_pm(test_ps[c % 10], random_m(&rs));
        /* a power of two, so that the scaled losses are exact in float */
        const double scale = ldexp(1.0, (int)(test_rand_u64(&rs) % 21) - 10);
        lmp_result r;
        lmp_result rp;
        size_t i;
        random_losses(loss, N, &rs);
        for (i = 0; i < N; i++)
            perm[i] = i;
        for (i = N - 1; i > 0; i--) {
            size_t j = (size_t)(test_rand_u64(&rs) % (i + 1));
            size_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (i = 0; i < N; i++)
            perm_loss[i] = loss[perm[i]];
        assert_int_equal(lmp_solve(loss, NULL, N, &prm, w, &r, NULL), LMP_OK);
        assert_int_equal(lmp_solve(perm_loss, NULL, N, &prm, wp, &rp, NULL), LMP_OK);
        assert_close(rp.value, r.value, VALUE_RTOL, 0, "permuted value");
        for (i = 0; i < N; i++)
            assert_close(wp[i], w[perm[i]], WEIGHT_RTOL, 1e-37, "permuted weight");
        /* scaling: weights unchanged, value scaled */
        for (i = 0; i < N; i++)
            perm_loss[i] = (float)(loss[i] * scale);
        assert_int_equal(lmp_solve(perm_loss, NULL, N, &prm, wp, &rp, NULL), LMP_OK);
        for (i = 0; i < N; i++)
            assert_close(wp[i], w[i], WEIGHT_RTOL, 1e-37, "scaled weight");
    }
}

static void
test_public_bug_cases(void **state)
{
    /* Inputs that break the public PyTorch implementations: losses below
     * FLT_EPSILON next to large ones, all losses below it, and
     * int(ratio * n) = 0.  The answers must match the reference. */
    float loss[50];
    size_t i;
    (void)state;
    for (i = 0; i < 50; i++)
        loss[i] = i < 25 ? 1e-9f * (float)(i + 1) : (float)i;
    for (i = 0; i < 10; i++) {
        lmp_params prm = params_pm(test_ps[i], 0.01); /* 0.01 * 50 < 1 */
        check_against_reference(loss, NULL, 50, &prm, NULL);
    }
    for (i = 0; i < 50; i++)
        loss[i] = 1e-9f * (float)(i % 7);
    for (i = 0; i < 10; i++) {
        lmp_params prm = params_pm(test_ps[i], 0.3);
        lmp_result r;
        float w[50];
        double total = 0.0;
        size_t j;
        check_against_reference(loss, NULL, 50, &prm, NULL);
        assert_int_equal(lmp_solve(loss, NULL, 50, &prm, w, &r, NULL), LMP_OK);
        for (j = 0; j < 50; j++) {
            assert_true(w[j] <= r.tau * (1.0 + FEAS_RTOL)); /* never above the cap */
            total += w[j];
        }
        assert_true(total > 0.0); /* not all zero */
    }
}

static void
test_large_threads_same_bits(void **state)
{
    /* Above 4M losses a workspace with threads spreads the passes over them:
     * value, theta and weights keep the same bits as on one thread, and
     * match the reference. */
    uint64_t rs = seed_state ^ 0x7A7AULL;
    const size_t n = ((size_t)1 << 22) + 4099; /* not a multiple of 8 */
    const double ps[5] = { 1.0, 1.7, 2.0, 3.0, INFINITY };
    float *loss = malloc(n * sizeof *loss);
    float *w1 = malloc(n * sizeof *w1);
    float *w3 = malloc(n * sizeof *w3);
    unsigned char *valid = malloc(n);
    lmp_workspace *ws1 = lmp_workspace_create(0);
    lmp_workspace *ws3 = lmp_workspace_create_threads(0, 3);
    size_t i;
    size_t k;
    (void)state;
    assert_non_null(loss);
    assert_non_null(w1);
    assert_non_null(w3);
    assert_non_null(valid);
    assert_non_null(ws1);
    assert_non_null(ws3);
    for (i = 0; i < n; i++) {
        loss[i] = (float)(-log(1.0 - test_rand_unit(&rs)));
        valid[i] = test_rand_unit(&rs) < 0.9;
    }
    for (k = 0; k < 10; k++) {
        lmp_params prm = params_pm(ps[k % 5], 0.05 + 0.1 * (double)k);
        const unsigned char *mask = k >= 5 ? valid : NULL;
        lmp_result r1;
        lmp_result r3;
        assert_int_equal(lmp_solve(loss, mask, n, &prm, w1, &r1, ws1), LMP_OK);
        assert_int_equal(lmp_solve(loss, mask, n, &prm, w3, &r3, ws3), LMP_OK);
        assert_memory_equal(&r1.value, &r3.value, sizeof r1.value);
        assert_memory_equal(&r1.theta, &r3.theta, sizeof r1.theta);
        assert_int_equal(r1.n_clamped, r3.n_clamped);
        assert_int_equal(r1.n_valid, r3.n_valid);
        assert_memory_equal(w1, w3, n * sizeof *w1);
        if (k == 1 || k == 6)
            check_against_reference(loss, mask, n, &prm, ws3);
    }
    lmp_workspace_destroy(ws1);
    lmp_workspace_destroy(ws3);
    free(loss);
    free(w1);
    free(w3);
    free(valid);
}

static int
cmp_float_asc(const void *a, const void *b)
{
    const float x = *(const float *)a;
    const float y = *(const float *)b;
    return (x > y) - (x < y);
}

static void
test_select_against_sort(void **state)
{
    /* lmp_select gives the k-th smallest, ties and all, like a sort does. */
    uint64_t rs = seed_state ^ 0x5E1EC7ULL;
    float *v = malloc(3000 * sizeof *v);
    float *sorted = malloc(3000 * sizeof *sorted);
    size_t c;
    (void)state;
    assert_non_null(v);
    assert_non_null(sorted);
    for (c = 0; c < 500; c++) {
        const size_t n = 1 + (size_t)(test_rand_unit(&rs) * 2999.0);
        const size_t k = (size_t)(test_rand_unit(&rs) * (double)n);
        random_losses(v, n, &rs);
        memcpy(sorted, v, n * sizeof *v);
        qsort(sorted, n, sizeof *sorted, cmp_float_asc);
        assert_true(lmp_select(v, n, k) == sorted[k]);
    }
    assert_true(isnan(lmp_select(v, 5, 5)));
    assert_true(isnan(lmp_select(NULL, 5, 0)));
    free(v);
    free(sorted);
}

static void
test_theta_on_a_loss(void **state)
{
    /* p near 1 with a whole m_px: theta lands exactly on the m_px-th
     * largest loss (the next loss adds (4/5)^q = 0 to g).  theta is that
     * loss, the clamped count is #{l >= theta}, their weights tau to the bit. */
    const float loss[7] = { 5.0f, 1.0f, 5.0f, 4.0f, 3.0f, 2.0f, 0.5f };
    const double ps[3] = { 1.0 + 1e-9, 1.0 + 1e-6, 1.001 };
    size_t k;
    (void)state;
    for (k = 0; k < 3; k++) {
        lmp_params prm = params_pm(ps[k], 0.0);
        float w[7];
        lmp_result r;
        prm.m_pixels = 2.0;
        assert_int_equal(lmp_solve(loss, NULL, 7, &prm, w, &r, NULL), LMP_OK);
        assert_true(r.theta == 5.0);
        assert_int_equal(r.n_clamped, 2);
        assert_true(w[0] == (float)r.tau && w[2] == (float)r.tau);
        assert_true(w[3] < w[0]);
        check_against_reference(loss, NULL, 7, &prm, NULL);
    }
}

static void
test_lone_inf_in_vector_part(void **state)
{
    /* One +Inf (no NaN beside it) anywhere, on the small and the sampled
     * paths: an error naming it, under the error policy; ignored under the
     * other, with the answer of the array without it. */
    const size_t ns[3] = { 61, 4099, 20011 };
    const size_t at[4] = { 0, 9, 37, 60 };
    size_t a;
    size_t b;
    (void)state;
    for (a = 0; a < 3; a++) {
        const size_t n = ns[a];
        float *loss = malloc(n * sizeof *loss);
        float *w = malloc(n * sizeof *w);
        unsigned char *valid = malloc(n);
        size_t i;
        assert_non_null(loss);
        assert_non_null(w);
        assert_non_null(valid);
        for (i = 0; i < n; i++)
            loss[i] = (float)(1.0 + (double)(i * 7919 % 1000) / 100.0);
        for (b = 0; b < 4; b++) {
            const size_t pos = at[b] * (n / 61);
            lmp_params prm = params_pm(1.7, 0.1);
            lmp_result r;
            lmp_result rm;
            float *wm = malloc(n * sizeof *wm);
            const float keep = loss[pos];
            assert_non_null(wm);
            loss[pos] = INFINITY;
            assert_int_equal(lmp_solve(loss, NULL, n, &prm, w, &r, NULL), LMP_ERR_INVALID_LOSS);
            assert_int_equal(r.bad_index, pos);
            assert_true(isinf(r.bad_value) && r.bad_value > 0.0f);
            prm.nonfinite = LMP_NONFINITE_IGNORE;
            assert_int_equal(lmp_solve(loss, NULL, n, &prm, w, &r, NULL), LMP_OK);
            for (i = 0; i < n; i++)
                valid[i] = i != pos;
            assert_int_equal(lmp_solve(loss, valid, n, &prm, wm, &rm, NULL), LMP_OK);
            assert_true(r.value == rm.value && r.n_valid == n - 1 && w[pos] == 0.0f);
            assert_memory_equal(w, wm, n * sizeof *w);
            loss[pos] = keep;
            free(wm);
        }
        free(loss);
        free(w);
        free(valid);
    }
}

static void
test_p1_sampled_ties(void **state)
{
    /* p = 1 on the sampled path (n >= 2048, n % 8 != 0) with a block of
     * ties at the threshold: the losses equal to it share the rest of the
     * mass, as in the reference. */
    uint64_t rs = seed_state ^ 0x9191ULL;
    const size_t ns[3] = { 2053, 50003, 300007 };
    size_t a;
    (void)state;
    for (a = 0; a < 3; a++) {
        const size_t n = ns[a];
        float *loss = malloc(n * sizeof *loss);
        size_t i;
        size_t c;
        assert_non_null(loss);
        for (c = 0; c < 4; c++) {
            lmp_params prm = params_pm(1.0, 0.05 + 0.1 * (double)c);
            for (i = 0; i < n; i++) {
                /* a third of the losses are 2.0, around the threshold */
                const double u = test_rand_unit(&rs);
                loss[i] = u < 0.33 ? 2.0f : (float)(4.0 * test_rand_unit(&rs));
            }
            check_against_reference(loss, NULL, n, &prm, NULL);
        }
        free(loss);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_worked_p2),
        cmocka_unit_test(test_hand_worked_clamped),
        cmocka_unit_test(test_m_one_is_mean),
        cmocka_unit_test(test_p_inf_is_mean),
        cmocka_unit_test(test_m_px_one_is_power_mean),
        cmocka_unit_test(test_p1_top_k_with_remainder),
        cmocka_unit_test(test_p1_ties_share),
        cmocka_unit_test(test_fewer_positive_than_m),
        cmocka_unit_test(test_all_zero_and_single),
        cmocka_unit_test(test_mask_removes_pixels),
        cmocka_unit_test(test_nonfinite_ignore),
        cmocka_unit_test(test_status_codes),
        cmocka_unit_test(test_nomem),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_large_against_reference),
        cmocka_unit_test(test_bracket_fallback),
        cmocka_unit_test(test_random_nonfinite),
        cmocka_unit_test(test_certificate_random),
        cmocka_unit_test(test_permutation_and_scaling),
        cmocka_unit_test(test_public_bug_cases),
        cmocka_unit_test(test_select_against_sort),
        cmocka_unit_test(test_theta_on_a_loss),
        cmocka_unit_test(test_lone_inf_in_vector_part),
        cmocka_unit_test(test_p1_sampled_ties),
        cmocka_unit_test(test_large_threads_same_bits),
    };
    return cmocka_run_group_tests(tests, setup_seed, NULL);
}
