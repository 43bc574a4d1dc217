/*
 * The CUDA solver (lmp_cuda.h) against the CPU solver lmp_solve.
 *
 * A self-contained harness (no cmocka), so that it builds on a GPU machine
 * that has only CMake and nvcc.  Exit status: 0 passed, 1 failed, 77 the
 * host-side checks passed but there is no GPU (CTest reports "skipped").
 *
 * Always run (no device needed): the stub of a build without CUDA, argument
 * checks, the workspace-size query, and LMP_ERR_CUDA without a device.
 * With a device: known answers, every edge case of DESIGN.md §1, and random
 * batches (LMP_TEST_CUDA_CASES, default 1200; LMP_TEST_CUDA_MAXN, largest
 * segment, default 4194304; LMP_TEST_SEED replays a run); the solver object
 * with the test hook's window on it; and lmp_cuda_solve_batch_async on
 * random batches (LMP_TEST_CUDA_ASYNC_CASES, default 24, segments up to
 * 262144): the same results as the synchronous path and the CPU, the call
 * captured in a CUDA graph and replayed (equal results, then new losses),
 * and the call returning while a host function still holds its stream
 * (LMP_TEST_CUDA_NO_GATE skips that one, for the sanitizers).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmp.h"
#include "lmp_cuda.h"
#include "test_util.h"

#ifdef LMP_HAVE_CUDA
#include <stdatomic.h>
#include <time.h>

#include <cuda_runtime_api.h>

#include "lmp_cuda_internal.h"
#endif

/* Tolerances of the specification: the GPU value within 1e-6 relative of the
 * CPU value, every weight within 1e-5 relative.  Quantities that involve no
 * search (mean, tau, gamma, m_px) are sums or closed forms in double: 1e-12.
 * Weights below WEIGHT_ABS_FLOOR * tau are compared absolutely: (l/theta)^(q-1)
 * of that size is a float that has lost its relative precision. */
#define VALUE_RTOL       1e-6
#define WEIGHT_RTOL      1e-5
#define EXACT_RTOL       1e-12
#define WEIGHT_ABS_FLOOR 1e-30

static int failures;
static int checks;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            if (failures <= 40) {                                                                  \
                printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                             \
                printf(__VA_ARGS__);                                                               \
                printf("\n");                                                                      \
            }                                                                                      \
        }                                                                                          \
    } while (0)

#ifdef LMP_HAVE_CUDA
static int
close_rel(double a, double b, double rtol)
{
    if (a == b)
        return 1;
    return fabs(a - b) <= rtol * fmax(fabs(a), fabs(b)) + 1e-300;
}
#endif

static void
test_workspace_and_args(void)
{
    const lmp_params prm = LMP_PARAMS_INIT;
    lmp_result res[4];
    lmp_status sts[4];
    size_t bytes = 0;
    size_t b1 = 0;
    size_t b2 = 0;
    lmp_cuda_solver *solver = (lmp_cuda_solver *)1;
    lmp_cuda_batch bt;
    /* Never dereferenced: every call below fails its checks first. */
    float *fake = (float *)(uintptr_t)0x100000;
    void *fake_ws = (void *)(uintptr_t)0x200000;

    memset(&bt, 0, sizeof bt);
    bt.d_loss = fake;
    bt.batch = 2;
    bt.n = 100;

#ifndef LMP_HAVE_CUDA
    printf("# build without CUDA: the stub must answer LMP_ERR_UNSUPPORTED\n");
    CHECK(lmp_cuda_device_count() == 0, "device count");
    CHECK(lmp_cuda_workspace_size(1, 10, &bytes) == LMP_ERR_UNSUPPORTED, "workspace");
    CHECK(lmp_cuda_solve_batch(&bt, &prm, res, sts, fake_ws, 1 << 20, NULL) == LMP_ERR_UNSUPPORTED,
          "solve");
    CHECK(lmp_cuda_solve_batch_async(&bt, &prm, (lmp_result *)fake_ws, NULL, fake_ws, 1 << 20,
                                     NULL) == LMP_ERR_UNSUPPORTED,
          "solve async");
    CHECK(lmp_cuda_solver_create(1, 10, &solver) == LMP_ERR_UNSUPPORTED && solver == NULL,
          "create");
    CHECK(lmp_cuda_solver_solve(NULL, &bt, &prm, res, sts, NULL) == LMP_ERR_UNSUPPORTED,
          "solver solve");
    CHECK(strlen(lmp_cuda_solver_last_error(NULL)) > 0, "last error");
    lmp_cuda_solver_destroy(NULL);
    CHECK(strcmp(lmp_status_string(LMP_ERR_UNSUPPORTED), "not supported by this build") == 0,
          "status text");
    (void)b1;
    (void)b2;
#else
    lmp_params bad;
    size_t off_dec[3] = { 0, 10, 5 };
    size_t off_ok[3] = { 0, 10, 30 };

    /* Workspace query: no device needed. */
    CHECK(lmp_cuda_workspace_size(1, 10, NULL) == LMP_ERR_INVALID_ARG, "NULL bytes");
    CHECK(lmp_cuda_workspace_size(0, 10, &bytes) == LMP_ERR_INVALID_ARG, "batch 0");
    CHECK(lmp_cuda_workspace_size(LMP_CUDA_MAX_BATCH + 1, 10, &bytes) == LMP_ERR_INVALID_ARG,
          "batch too large");
    CHECK(lmp_cuda_workspace_size(1, SIZE_MAX / 2, &bytes) == LMP_ERR_NOMEM, "overflow");
    CHECK(lmp_cuda_workspace_size(1, 0, &b1) == LMP_OK && b1 > 0, "n 0");
    CHECK(lmp_cuda_workspace_size(1, 1000, &b2) == LMP_OK && b2 > b1 && b2 >= 1000 * sizeof(float),
          "grows with n: %zu %zu", b1, b2);
    CHECK(lmp_cuda_workspace_size(16, 1000, &bytes) == LMP_OK && bytes > b2, "grows with B");
    CHECK(bytes % 256 == 0, "multiple of the alignment");

    /* The workspace's regions lie in order, aligned, inside the total, each
     * with room for what it holds where the test can tell. */
    {
        static const size_t shapes[][2] = {
            { 1, 0 }, { 1, 1000 }, { 16, 4194304 }, { 600, 123457 }, { LMP_CUDA_MAX_BATCH, 1 << 20 }
        };
        size_t r[LMPI_CUDA_REGIONS + 1];
        size_t k, j;
        for (k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
            const size_t B = shapes[k][0], n = shapes[k][1];
            int ok = lmpi_cuda_workspace_regions(B, n, r) == 1 && r[0] == 0;
            for (j = 1; ok && j <= LMPI_CUDA_REGIONS; j++)
                ok = r[j] > r[j - 1] && r[j] % 256 == 0;
            CHECK(ok, "workspace regions in order and aligned (B %zu, n %zu)", B, n);
            CHECK(r[8] - r[7] >= n * sizeof(float), "room for the candidates (B %zu, n %zu)", B, n);
            CHECK(r[10] - r[9] >= B * (sizeof(lmp_result) + sizeof(lmp_status)),
                  "room for the results (B %zu, n %zu)", B, n);
            CHECK(lmp_cuda_workspace_size(B, n, &bytes) == LMP_OK && bytes == r[10],
                  "workspace size is the layout's total (B %zu, n %zu)", B, n);
        }
        CHECK(lmpi_cuda_workspace_regions(LMP_CUDA_MAX_BATCH, ((size_t)1 << 40) + 1, r) == 0,
              "regions: size limit");
        CHECK(lmp_cuda_workspace_size(LMP_CUDA_MAX_BATCH, (size_t)1 << 60, &bytes) == LMP_ERR_NOMEM,
              "no wrap-around at B 65535, n 2^60");
    }

    /* Argument checks, before any CUDA call. */
    CHECK(lmp_cuda_solve_batch(NULL, &prm, res, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "NULL batch");
    CHECK(lmp_cuda_solve_batch(&bt, NULL, res, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "NULL params");
    CHECK(lmp_cuda_solve_batch(&bt, &prm, NULL, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "NULL results");
    CHECK(lmp_cuda_solve_batch_async(&bt, &prm, NULL, NULL, fake_ws, bytes, NULL) ==
              LMP_ERR_INVALID_ARG,
          "async: NULL results");
    CHECK(lmp_cuda_solve_batch_async(&bt, &prm, (lmp_result *)((char *)fake_ws + 4), NULL, fake_ws,
                                     bytes, NULL) == LMP_ERR_INVALID_ARG,
          "async: misaligned results");
    CHECK(lmp_cuda_solve_batch_async(&bt, &prm, (lmp_result *)fake_ws,
                                     (lmp_status *)((char *)fake_ws + 2), fake_ws, bytes,
                                     NULL) == LMP_ERR_INVALID_ARG,
          "async: misaligned statuses");
    CHECK(lmp_cuda_solve_batch_async(&bt, &prm, (lmp_result *)fake_ws, NULL, fake_ws, 64, NULL) ==
              LMP_ERR_INVALID_ARG,
          "async: workspace too small");
    bad = prm;
    bad.p = 0.5;
    CHECK(lmp_cuda_solve_batch(&bt, &bad, res, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "p < 1");
    bad.p = NAN;
    CHECK(lmp_cuda_solve_batch(&bt, &bad, res, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "p NaN");
    bad = prm;
    bad.m = 0.0;
    CHECK(lmp_cuda_solve_batch(&bt, &bad, res, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "m 0");
    bad.m = 1.5;
    CHECK(lmp_cuda_solve_batch(&bt, &bad, res, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "m > 1");
    bad = prm;
    bad.m_pixels = 0.5;
    CHECK(lmp_cuda_solve_batch(&bt, &bad, res, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "m_pixels < 1");
    bt.batch = 0;
    CHECK(lmp_cuda_solve_batch(&bt, &prm, res, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "batch 0");
    bt.batch = 2;
    bt.h_offsets = off_dec;
    CHECK(lmp_cuda_solve_batch(&bt, &prm, res, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "decreasing offsets");
    bt.h_offsets = off_ok;
    bt.d_loss = NULL;
    CHECK(lmp_cuda_solve_batch(&bt, &prm, res, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "NULL losses");
    bt.d_loss = fake;
    CHECK(lmp_cuda_solve_batch(&bt, &prm, res, sts, NULL, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "NULL workspace");
    CHECK(lmp_cuda_solve_batch(&bt, &prm, res, sts, fake_ws, 64, NULL) == LMP_ERR_INVALID_ARG,
          "workspace too small");
    CHECK(lmp_cuda_solve_batch(&bt, &prm, res, sts, (char *)fake_ws + 4, bytes, NULL) ==
              LMP_ERR_INVALID_ARG,
          "misaligned workspace");
    bt.d_weight = fake;
    CHECK(lmp_cuda_solve_batch(&bt, &prm, res, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "weights alias losses");
    bt.d_weight = NULL;
    bt.pooling = (lmp_cuda_pooling)7;
    CHECK(lmp_cuda_solve_batch(&bt, &prm, res, sts, fake_ws, bytes, NULL) == LMP_ERR_INVALID_ARG,
          "pooling");
    bt.pooling = LMP_CUDA_POOL_SEGMENT;
    CHECK(lmp_cuda_solver_create(1, 10, NULL) == LMP_ERR_INVALID_ARG, "create NULL");
    CHECK(lmp_cuda_solver_create(0, 10, &solver) == LMP_ERR_INVALID_ARG && solver == NULL,
          "create batch 0");
    CHECK(lmp_cuda_solver_solve(NULL, &bt, &prm, res, sts, NULL) == LMP_ERR_INVALID_ARG,
          "solve NULL solver");
    CHECK(lmp_cuda_solver_last_error(NULL) != NULL, "last error NULL");
    lmp_cuda_solver_destroy(NULL);

    if (lmp_cuda_device_count() == 0) {
        /* A CUDA build on a machine without a GPU: a clear status. */
        CHECK(lmp_cuda_solve_batch(&bt, &prm, res, sts, fake_ws, bytes, NULL) == LMP_ERR_CUDA,
              "no device");
        CHECK(lmp_cuda_solve_batch_async(&bt, &prm, (lmp_result *)fake_ws, NULL, fake_ws, bytes,
                                         NULL) == LMP_ERR_CUDA,
              "async: no device");
        CHECK(lmp_cuda_solver_create(1, 10, &solver) == LMP_ERR_CUDA && solver == NULL,
              "create without device");
    }
#endif
}

#ifdef LMP_HAVE_CUDA

static double
rand_exp(uint64_t *rng)
{
    return -log(1.0 - test_rand_unit(rng));
}

/* The kinds of input a case draws from. */
enum dist {
    D_EXP,
    D_UNIFORM,
    D_TIES,
    D_ZEROS,
    D_FEW_POS,
    D_ALL_ZERO,
    D_TINY,
    D_HUGE,
    D_DENORMAL,
    D_CONST,
    D_HEAVY,
    D_NARROW,
    D_COUNT
};

static const char *const dist_names[D_COUNT] = { "exp",      "uniform", "ties",  "zeros",
                                                 "fewpos",   "allzero", "tiny",  "huge",
                                                 "denormal", "const",   "heavy", "narrow" };

static void
fill_segment(float *x, size_t n, int d, double m_frac, uint64_t *rng)
{
    size_t i;
    const float c = (float)(0.1 + 3.0 * test_rand_unit(rng));
    for (i = 0; i < n; i++) {
        double v;
        switch (d) {
        case D_UNIFORM:
            v = test_rand_unit(rng);
            break;
        case D_TIES:
            v = (double)(test_rand_u64(rng) % 6) * 0.5;
            break;
        case D_ZEROS:
            v = test_rand_unit(rng) < 0.6 ? 0.0 : rand_exp(rng);
            break;
        case D_FEW_POS:
            v = test_rand_unit(rng) < 0.5 * m_frac ? rand_exp(rng) : 0.0;
            break;
        case D_ALL_ZERO:
            v = 0.0;
            break;
        case D_TINY:
            v = rand_exp(rng) * 1e-9; /* all below FLT_EPSILON */
            break;
        case D_HUGE:
            v = rand_exp(rng) * 1e30;
            break;
        case D_DENORMAL:
            v = rand_exp(rng) * 1e-40;
            break;
        case D_CONST:
            v = c;
            break;
        case D_HEAVY: {
            const double e = rand_exp(rng);
            v = e * e * e * e;
            break;
        }
        case D_NARROW:
            v = 1.0 + 1e-4 * test_rand_unit(rng);
            break;
        default:
            v = rand_exp(rng);
            break;
        }
        x[i] = (float)v;
    }
}

static size_t
draw_size(uint64_t *rng, size_t max_n)
{
    const double u = test_rand_unit(rng);
    double lo;
    double hi;
    if (u < 0.70) {
        lo = 1.0;
        hi = 3000.0;
    } else if (u < 0.93) {
        lo = 3000.0;
        hi = 300000.0;
    } else {
        lo = 300000.0;
        hi = (double)max_n;
    }
    if (hi > (double)max_n)
        hi = (double)max_n;
    if (lo > hi)
        lo = 1.0;
    return (size_t)floor(exp(log(lo) + (log(hi + 1.0) - log(lo)) * test_rand_unit(rng)));
}

static const double p_choices[] = { 1.0, 1.001,     1.01, 1.1,  1.25,  1.5,     2.0,
                                    3.0, 4.0 / 3.0, 5.0,  10.0, 100.0, INFINITY };

typedef struct gpu_bufs {
    float *d_loss;
    float *d_weight;
    unsigned char *d_valid;
    void *d_ws;
    size_t cap_n;
    size_t cap_ws;
} gpu_bufs;

static int
ensure_bufs(gpu_bufs *g, size_t n_total, size_t batch)
{
    size_t ws = 0;
    const size_t n = n_total > 0 ? n_total : 1;
    if (lmp_cuda_workspace_size(batch, n_total, &ws) != LMP_OK)
        return -1;
    if (n > g->cap_n) {
        cudaFree(g->d_loss);
        cudaFree(g->d_weight);
        cudaFree(g->d_valid);
        if (cudaMalloc((void **)&g->d_loss, n * sizeof(float)) != cudaSuccess ||
            cudaMalloc((void **)&g->d_weight, n * sizeof(float)) != cudaSuccess ||
            cudaMalloc((void **)&g->d_valid, n) != cudaSuccess)
            return -1;
        g->cap_n = n;
    }
    if (ws > g->cap_ws) {
        cudaFree(g->d_ws);
        if (cudaMalloc(&g->d_ws, ws) != cudaSuccess)
            return -1;
        g->cap_ws = ws;
    }
    return 0;
}

/* Compares one GPU result (and weights) with lmp_solve on the same input. */
static void
compare_segment(const char *tag,
                const float *loss,
                const unsigned char *valid,
                size_t n,
                const lmp_params *prm,
                lmp_status gst,
                const lmp_result *gr,
                const float *gw,
                lmp_workspace *ws)
{
    lmp_result cr;
    float *cw = malloc((n ? n : 1) * sizeof *cw);
    lmp_status cst;
    size_t i;
    size_t bad_w = 0;
    size_t first_bad = 0;

    if (cw == NULL) {
        CHECK(0, "%s: out of memory", tag);
        return;
    }
    memset(&cr, 0, sizeof cr);
    cst = lmp_solve(loss, valid, n, prm, cw, &cr, ws);
    CHECK(gst == cst, "%s: status gpu %d cpu %d", tag, (int)gst, (int)cst);
    if (gst != cst) {
        free(cw);
        return;
    }
    if (cst == LMP_ERR_INVALID_LOSS) {
        CHECK(gr->bad_index == cr.bad_index, "%s: bad_index %zu vs %zu", tag, gr->bad_index,
              cr.bad_index);
        CHECK(memcmp(&gr->bad_value, &cr.bad_value, sizeof(float)) == 0 ||
                  (isnan(gr->bad_value) && isnan(cr.bad_value)),
              "%s: bad_value %g vs %g", tag, (double)gr->bad_value, (double)cr.bad_value);
        for (i = 0; gw != NULL && i < n; i++) {
            if (gw[i] != 0.0f)
                bad_w++;
        }
        CHECK(bad_w == 0, "%s: %zu non-zero weights with an invalid loss", tag, bad_w);
        free(cw);
        return;
    }
    CHECK(gr->n_valid == cr.n_valid, "%s: n_valid %zu vs %zu", tag, gr->n_valid, cr.n_valid);
    CHECK(gr->n_support == cr.n_support, "%s: n_support %zu vs %zu", tag, gr->n_support,
          cr.n_support);
    CHECK(close_rel(gr->value, cr.value, VALUE_RTOL), "%s: value %.17g vs %.17g (rel %.3g)", tag,
          gr->value, cr.value, fabs(gr->value - cr.value) / fmax(fabs(cr.value), 1e-300));
    CHECK(close_rel(gr->mean, cr.mean, EXACT_RTOL), "%s: mean %.17g vs %.17g", tag, gr->mean,
          cr.mean);
    CHECK(close_rel(gr->tau, cr.tau, EXACT_RTOL), "%s: tau %.17g vs %.17g", tag, gr->tau, cr.tau);
    CHECK(close_rel(gr->gamma, cr.gamma, EXACT_RTOL), "%s: gamma", tag);
    CHECK(close_rel(gr->m_px, cr.m_px, EXACT_RTOL), "%s: m_px", tag);
    CHECK(close_rel(gr->theta, cr.theta, VALUE_RTOL), "%s: theta %.17g vs %.17g", tag, gr->theta,
          cr.theta);
    if (gr->n_clamped != cr.n_clamped) {
        /* Only losses between the two thetas may be counted differently. */
        const double lo = fmin(gr->theta, cr.theta) * (1.0 - 1e-9);
        const double hi = fmax(gr->theta, cr.theta) * (1.0 + 1e-9);
        size_t between = 0;
        const size_t diff = gr->n_clamped > cr.n_clamped ? gr->n_clamped - cr.n_clamped
                                                         : cr.n_clamped - gr->n_clamped;
        for (i = 0; i < n; i++)
            between += (valid == NULL || valid[i]) && loss[i] >= lo && loss[i] <= hi;
        CHECK(diff <= between, "%s: n_clamped %zu vs %zu", tag, gr->n_clamped, cr.n_clamped);
    }
    for (i = 0; gw != NULL && i < n; i++) {
        const double a = gw[i];
        const double b = cw[i];
        if (!(fabs(a - b) <= WEIGHT_RTOL * fabs(b) + WEIGHT_ABS_FLOOR * cr.tau)) {
            if (bad_w == 0)
                first_bad = i;
            bad_w++;
        }
    }
    CHECK(bad_w == 0, "%s: %zu weights differ, first [%zu] loss %.9g: gpu %.9g cpu %.9g", tag,
          bad_w, first_bad, n ? (double)loss[first_bad] : 0.0, n ? (double)gw[first_bad] : 0.0,
          n ? (double)cw[first_bad] : 0.0);
    free(cw);
}

/* Runs one batch on the GPU and compares every result with the CPU.
 * max_window >= 0: through the test hook with that window (0: the exact
 * level 0 for every search), else lmp_cuda_solve_batch. */
static void
run_case(const char *tag,
         gpu_bufs *g,
         const float *loss,
         const unsigned char *valid,
         const size_t *offsets,
         size_t batch,
         lmp_cuda_pooling pooling,
         const lmp_params *prm,
         lmp_workspace *ws,
         int max_window)
{
    const size_t n_total = offsets[batch] - offsets[0];
    const size_t n_res = pooling == LMP_CUDA_POOL_BATCH ? 1 : batch;
    lmp_result *res = calloc(n_res, sizeof *res);
    lmp_status *sts = calloc(n_res, sizeof *sts);
    float *w = malloc((n_total ? n_total : 1) * sizeof *w);
    lmp_cuda_batch bt;
    lmp_status st;
    lmp_status worst = LMP_OK;
    size_t ws_bytes = 0;
    size_t s;
    char sub[256];

    if (res == NULL || sts == NULL || w == NULL || ensure_bufs(g, n_total, batch) != 0) {
        CHECK(0, "%s: out of memory", tag);
        goto done;
    }
    lmp_cuda_workspace_size(batch, n_total, &ws_bytes);
    cudaMemcpy(g->d_loss, loss + offsets[0], n_total * sizeof(float), cudaMemcpyHostToDevice);
    if (valid != NULL)
        cudaMemcpy(g->d_valid, valid + offsets[0], n_total, cudaMemcpyHostToDevice);
    /* NaN everywhere: a weight the solver forgets shows up. */
    cudaMemset(g->d_weight, 0xff, (n_total ? n_total : 1) * sizeof(float));
    memset(&bt, 0, sizeof bt);
    bt.d_loss = g->d_loss;
    bt.d_valid = valid != NULL ? g->d_valid : NULL;
    bt.d_weight = g->d_weight;
    bt.batch = batch;
    bt.h_offsets = offsets;
    bt.pooling = pooling;
    /* The device arrays start at offsets[0]: shift the offsets. */
    {
        size_t *off = malloc((batch + 1) * sizeof *off);
        if (off == NULL) {
            CHECK(0, "%s: out of memory", tag);
            goto done;
        }
        for (s = 0; s <= batch; s++)
            off[s] = offsets[s] - offsets[0];
        bt.h_offsets = off;
        if (max_window >= 0)
            st = lmpi_cuda_solve_batch_window(&bt, prm, res, sts, g->d_ws, ws_bytes, NULL,
                                              max_window);
        else
            st = lmp_cuda_solve_batch(&bt, prm, res, sts, g->d_ws, ws_bytes, NULL);
        free(off);
    }
    CHECK(st != LMP_ERR_CUDA && st != LMP_ERR_INVALID_ARG, "%s: solve returned %s", tag,
          lmp_status_string(st));
    if (st == LMP_ERR_CUDA || st == LMP_ERR_INVALID_ARG)
        goto done;
    cudaMemcpy(w, g->d_weight, n_total * sizeof(float), cudaMemcpyDeviceToHost);
    for (s = 0; s < n_res; s++) {
        const size_t b = pooling == LMP_CUDA_POOL_BATCH ? offsets[0] : offsets[s];
        const size_t e = pooling == LMP_CUDA_POOL_BATCH ? offsets[batch] : offsets[s + 1];
        snprintf(sub, sizeof sub, "%s seg %zu/%zu n %zu", tag, s, n_res, e - b);
        compare_segment(sub, loss + b, valid ? valid + b : NULL, e - b, prm, sts[s], &res[s],
                        w + (b - offsets[0]), ws);
        if (sts[s] == LMP_ERR_INVALID_LOSS)
            worst = LMP_ERR_INVALID_LOSS;
        else if (sts[s] == LMP_ERR_EMPTY && worst == LMP_OK)
            worst = LMP_ERR_EMPTY;
    }
    CHECK(st == worst, "%s: overall status %d, expected %d", tag, (int)st, (int)worst);
done:
    free(res);
    free(sts);
    free(w);
}

static void
test_known_answers(gpu_bufs *g, lmp_workspace *ws)
{
    /* n = 1: w = 1.  p = 1 with ties: equal split.  p = inf: the mean. */
    static const float one[] = { 2.5f };
    static const float ties[] = { 3, 1, 2, 2, 2, 0, 2 };
    static const float few[] = { 0, 0, 5, 0, 0, 0, 0, 0, 0, 1 };
    lmp_params prm = LMP_PARAMS_INIT;
    size_t off1[2] = { 0, 1 };
    size_t off7[2] = { 0, 7 };
    size_t off10[2] = { 0, 10 };
    size_t off_empty[4] = { 0, 0, 7, 7 };
    float tie2[14];

    run_case("n=1", g, one, NULL, off1, 1, LMP_CUDA_POOL_SEGMENT, &prm, ws, -1);
    prm.p = 1.0;
    prm.m_pixels = 2.5;
    run_case("p=1 ties", g, ties, NULL, off7, 1, LMP_CUDA_POOL_SEGMENT, &prm, ws, -1);
    prm.p = INFINITY;
    prm.m_pixels = 0.0;
    run_case("p=inf", g, ties, NULL, off7, 1, LMP_CUDA_POOL_SEGMENT, &prm, ws, -1);
    prm.p = 2.0;
    prm.m = 0.5;
    run_case("fewer positives than m_px", g, few, NULL, off10, 1, LMP_CUDA_POOL_SEGMENT, &prm, ws,
             -1);
    run_case("empty segments", g, ties, NULL, off_empty, 3, LMP_CUDA_POOL_SEGMENT, &prm, ws, -1);
    memcpy(tie2, ties, sizeof ties);
    memcpy(tie2 + 7, ties, sizeof ties);
    {
        size_t off2[3] = { 0, 7, 14 };
        run_case("whole batch", g, tie2, NULL, off2, 2, LMP_CUDA_POOL_BATCH, &prm, ws, -1);
    }
}

/*
 * 600 segments (some empty) whose offsets start at 7, straight through
 * lmp_cuda_solve_batch: more offsets than one launch passes (496) and more
 * results than one block writes (256).  The 7 losses before the first
 * segment are negative: reading them would give LMP_ERR_INVALID_LOSS.
 */
static void
test_many_segments(gpu_bufs *g, lmp_workspace *ws, uint64_t seed)
{
    enum { B = 600, START = 7 };
    uint64_t rng = seed ^ 0x5EC5u;
    size_t *off = malloc((B + 1) * sizeof *off);
    lmp_result *res = calloc(B, sizeof *res);
    lmp_status *sts = calloc(B, sizeof *sts);
    float *loss = NULL;
    float *w = NULL;
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_cuda_batch bt;
    lmp_status st;
    size_t ws_bytes = 0;
    size_t s;
    size_t i;
    char tag[96];

    if (off == NULL || res == NULL || sts == NULL)
        goto done;
    off[0] = START;
    for (s = 0; s < B; s++)
        off[s + 1] = off[s] + (test_rand_unit(&rng) < 0.05 ? 0 : 1 + test_rand_u64(&rng) % 300);
    loss = malloc(off[B] * sizeof *loss);
    w = malloc(off[B] * sizeof *w);
    if (loss == NULL || w == NULL || ensure_bufs(g, off[B], B) != 0 ||
        lmp_cuda_workspace_size(B, off[B], &ws_bytes) != LMP_OK)
        goto done;
    for (i = 0; i < START; i++)
        loss[i] = -1.0f;
    fill_segment(loss + START, off[B] - START, 0, 0.1, &rng);
    cudaMemcpy(g->d_loss, loss, off[B] * sizeof(float), cudaMemcpyHostToDevice);
    cudaMemset(g->d_weight, 0xff, off[B] * sizeof(float));
    memset(&bt, 0, sizeof bt);
    bt.d_loss = g->d_loss;
    bt.d_weight = g->d_weight;
    bt.batch = B;
    bt.h_offsets = off;
    bt.pooling = LMP_CUDA_POOL_SEGMENT;
    prm.p = 1.7;
    st = lmp_cuda_solve_batch(&bt, &prm, res, sts, g->d_ws, ws_bytes, NULL);
    CHECK(st == LMP_OK || st == LMP_ERR_EMPTY, "600 segments from offset 7: %s",
          lmp_status_string(st));
    if (st != LMP_OK && st != LMP_ERR_EMPTY)
        goto done;
    cudaMemcpy(w, g->d_weight, off[B] * sizeof(float), cudaMemcpyDeviceToHost);
    for (s = 0; s < B; s++) {
        snprintf(tag, sizeof tag, "600 segments from offset 7: seg %zu n %zu", s,
                 off[s + 1] - off[s]);
        compare_segment(tag, loss + off[s], NULL, off[s + 1] - off[s], &prm, sts[s], &res[s],
                        w + off[s], ws);
    }
done:
    CHECK(off != NULL && res != NULL && sts != NULL && loss != NULL && w != NULL,
          "600 segments: out of memory");
    free(off);
    free(res);
    free(sts);
    free(loss);
    free(w);
}

static void
test_random(gpu_bufs *g, lmp_workspace *ws, uint64_t seed, int n_cases, size_t max_n)
{
    uint64_t rng = seed;
    int c;
    const size_t cap_total = (size_t)1 << 25; /* 32M losses in one case at most */

    for (c = 0; c < n_cases; c++) {
        size_t batch = 1 + (size_t)(test_rand_u64(&rng) % 16);
        size_t off[16 + 1]; /* batch <= 16 */
        const int equal = test_rand_unit(&rng) < 0.5;
        const int d = (int)(test_rand_u64(&rng) % D_COUNT);
        const int pooled = test_rand_unit(&rng) < 0.15;
        const int masked = test_rand_unit(&rng) < 0.25;
        const double u = test_rand_unit(&rng);
        lmp_params prm = LMP_PARAMS_INIT;
        size_t n_eq;
        size_t total;
        size_t s;
        size_t i;
        float *loss;
        unsigned char *valid = NULL;
        char tag[200];

        /* Forced large cases: the biggest segment and the biggest batch. */
        if (c == 0) {
            batch = 2;
            n_eq = max_n;
        } else if (c == 1) {
            batch = 16;
            n_eq = max_n / 16 > 0 ? max_n / 16 : 1;
        } else {
            n_eq = draw_size(&rng, max_n);
        }
        while (batch > 1 && batch * n_eq > cap_total)
            batch--;
        off[0] = c % 3 == 0 ? (size_t)(test_rand_u64(&rng) % 5) : 0; /* unaligned starts */
        for (s = 0; s < batch; s++) {
            size_t len = n_eq;
            if (!equal && c > 1) {
                len = test_rand_unit(&rng) < 0.08 ? 0 : draw_size(&rng, n_eq > 1 ? n_eq : 1);
            }
            off[s + 1] = off[s] + len;
        }
        total = off[batch];
        loss = malloc((total ? total : 1) * sizeof *loss);
        if (masked)
            valid = malloc(total ? total : 1);
        if (loss == NULL || (masked && valid == NULL)) {
            free(loss);
            free(valid);
            CHECK(0, "out of memory");
            break;
        }

        prm.p = p_choices[test_rand_u64(&rng) % (sizeof p_choices / sizeof p_choices[0])];
        if (test_rand_unit(&rng) < 0.2)
            prm.p = 1.0 + 9.0 * test_rand_unit(&rng);
        prm.m = exp(log(1e-4) * test_rand_unit(&rng));
        if (prm.m <= 0.0 || prm.m > 1.0)
            prm.m = 0.1;
        if (test_rand_unit(&rng) < 0.2)
            prm.m_pixels = 1.0 + floor(test_rand_unit(&rng) * 50.0) +
                           (test_rand_unit(&rng) < 0.5 ? test_rand_unit(&rng) : 0.0);
        if (u < 0.1)
            prm.nonfinite = LMP_NONFINITE_IGNORE;

        for (i = 0; i < off[0]; i++)
            loss[i] = -1.0f; /* before the first segment: never read */
        for (s = 0; s < batch; s++)
            fill_segment(loss + off[s], off[s + 1] - off[s], d, prm.m, &rng);
        for (i = 0; masked && i < total; i++)
            valid[i] = test_rand_unit(&rng) < 0.7;
        if (prm.nonfinite == LMP_NONFINITE_IGNORE && total > off[0]) {
            for (i = 0; i < 1 + total / 100; i++) {
                const size_t k = off[0] + (size_t)(test_rand_u64(&rng) % (total - off[0]));
                loss[k] = i % 3 == 0 ? NAN : i % 3 == 1 ? INFINITY : -INFINITY;
            }
        } else if (u < 0.15 && total > off[0]) {
            /* An invalid loss in one segment. */
            const size_t k = off[0] + (size_t)(test_rand_u64(&rng) % (total - off[0]));
            loss[k] = test_rand_unit(&rng) < 0.5 ? -0.5f : NAN;
        }
        /* Every fourth case through the exact level 0 (wide windows are rare). */
        snprintf(tag, sizeof tag, "case %d (%s, B %zu, n %zu, p %g, m %g, m_px %g%s%s%s%s)", c,
                 dist_names[d], batch, total - off[0], prm.p, prm.m, prm.m_pixels,
                 pooled ? ", pooled" : "", masked ? ", masked" : "",
                 prm.nonfinite == LMP_NONFINITE_IGNORE ? ", ignore nonfinite" : "",
                 c % 4 == 3 ? ", exact level 0" : "");
        run_case(tag, g, loss, valid, off, batch,
                 pooled ? LMP_CUDA_POOL_BATCH : LMP_CUDA_POOL_SEGMENT, &prm, ws,
                 c % 4 == 3 ? 0 : -1);
        free(loss);
        free(valid);
    }
}

/* The solver object, with the default window and with the test hook's
 * window 0 set on the object (the exact level 0): both against the CPU. */
static void
test_solver_object(lmp_workspace *ws)
{
    enum { N_OBJ = 200000 };
    lmp_cuda_solver *solver = NULL;
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_cuda_batch bt;
    lmp_result r;
    lmp_status rs = LMP_OK;
    float *d_loss = NULL;
    float *d_w = NULL;
    float *h = malloc(N_OBJ * sizeof *h);
    float *w = malloc(N_OBJ * sizeof *w);
    uint64_t rng = 12345;
    int k;

    CHECK(h != NULL && w != NULL, "out of memory");
    CHECK(lmp_cuda_solver_create(2, N_OBJ, &solver) == LMP_OK && solver != NULL, "create");
    if (solver == NULL || h == NULL || w == NULL)
        goto done;
    fill_segment(h, N_OBJ, D_HEAVY, 0.1, &rng);
    cudaMalloc((void **)&d_loss, N_OBJ * sizeof *h);
    cudaMalloc((void **)&d_w, N_OBJ * sizeof *h);
    cudaMemcpy(d_loss, h, N_OBJ * sizeof *h, cudaMemcpyHostToDevice);
    memset(&bt, 0, sizeof bt);
    bt.d_loss = d_loss;
    bt.d_weight = d_w;
    bt.batch = 1;
    bt.n = N_OBJ;
    prm.p = 1.25;
    for (k = 0; k < 2; k++) {
        char tag[64];
        snprintf(tag, sizeof tag, "solver object, window %s", k == 0 ? "default" : "0");
        lmpi_cuda_solver_set_max_window(solver, k == 0 ? -1 : 0);
        cudaMemset(d_w, 0xff, N_OBJ * sizeof *h);
        rs = lmp_cuda_solver_solve(solver, &bt, &prm, &r, NULL, NULL);
        CHECK(rs == LMP_OK, "%s: %s", tag, lmp_cuda_solver_last_error(solver));
        if (rs != LMP_OK)
            continue;
        cudaMemcpy(w, d_w, N_OBJ * sizeof *w, cudaMemcpyDeviceToHost);
        compare_segment(tag, h, NULL, N_OBJ, &prm, rs, &r, w, ws);
    }
    bt.d_weight = NULL;
    bt.batch = 3;
    bt.n = 1;
    CHECK(lmp_cuda_solver_solve(solver, &bt, &prm, &r, NULL, NULL) == LMP_ERR_INVALID_ARG,
          "batch above the maximum");
    CHECK(strlen(lmp_cuda_solver_last_error(solver)) > 0, "error text");
done:
    cudaFree(d_loss);
    cudaFree(d_w);
    lmp_cuda_solver_destroy(solver);
    free(h);
    free(w);
}

/* --- lmp_cuda_solve_batch_async: against the synchronous path, in a CUDA
 * graph, and without waiting for the stream. --- */

/* The two paths run the same kernels; only the order of the floating-point
 * atomics (sums of the blocks) differs between runs, which moves the
 * doubles by a few ulps.  1e-9 leaves room for that and nothing else. */
#define ASYNC_RTOL 1e-9
/* Weights are floats computed from those doubles: one ulp at most. */
#define ASYNC_WEIGHT_RTOL 1e-6

/* Compares the results of two GPU runs of the same batch. */
static void
compare_runs(const char *tag,
             size_t n_res,
             const lmp_result *a,
             const lmp_status *sa,
             const lmp_result *b,
             const lmp_status *sb,
             size_t n_total,
             const float *wa,
             const float *wb)
{
    size_t s;
    size_t i;
    size_t bad_w = 0;
    for (s = 0; s < n_res; s++) {
        CHECK(sa[s] == sb[s], "%s seg %zu: status %d vs %d", tag, s, (int)sa[s], (int)sb[s]);
        CHECK(a[s].n_valid == b[s].n_valid && a[s].n_support == b[s].n_support &&
                  a[s].bad_index == b[s].bad_index,
              "%s seg %zu: counts (%zu %zu %zu) vs (%zu %zu %zu)", tag, s, a[s].n_valid,
              a[s].n_support, a[s].bad_index, b[s].n_valid, b[s].n_support, b[s].bad_index);
        CHECK(memcmp(&a[s].bad_value, &b[s].bad_value, sizeof(float)) == 0, "%s seg %zu: bad_value",
              tag, s);
        CHECK(close_rel(a[s].value, b[s].value, ASYNC_RTOL) &&
                  close_rel(a[s].theta, b[s].theta, ASYNC_RTOL) &&
                  close_rel(a[s].mean, b[s].mean, ASYNC_RTOL) &&
                  close_rel(a[s].tau, b[s].tau, ASYNC_RTOL) &&
                  close_rel(a[s].gamma, b[s].gamma, ASYNC_RTOL) &&
                  close_rel(a[s].m_px, b[s].m_px, ASYNC_RTOL),
              "%s seg %zu: value %.17g vs %.17g, theta %.17g vs %.17g", tag, s, a[s].value,
              b[s].value, a[s].theta, b[s].theta);
        if (a[s].theta == b[s].theta)
            CHECK(a[s].n_clamped == b[s].n_clamped, "%s seg %zu: n_clamped %zu vs %zu", tag, s,
                  a[s].n_clamped, b[s].n_clamped);
    }
    for (i = 0; i < n_total; i++)
        bad_w += !(fabs((double)wa[i] - (double)wb[i]) <= ASYNC_WEIGHT_RTOL * fabs((double)wb[i]));
    CHECK(bad_w == 0, "%s: %zu weights differ", tag, bad_w);
}

/* A host function that holds the stream until the test opens it (or 10 s
 * pass): a call that waited for the stream would find it still closed. */
typedef struct gate {
    atomic_int open;
    atomic_int left; /* set when the function returns */
} gate;

static void CUDART_CB
gate_wait(void *arg)
{
    gate *g = arg;
    struct timespec t0;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (!atomic_load(&g->open) && (double)(t.tv_sec - t0.tv_sec) < 10.0);
    atomic_store(&g->left, 1);
}

/* Device buffers of the async tests, sized for the largest case. */
typedef struct async_bufs {
    lmp_result *d_res;
    lmp_status *d_sts;
    cudaStream_t stream;
} async_bufs;

/* Fetches d_res, d_sts and the weights after the work on the stream. */
static int
fetch_async(const async_bufs *a,
            const gpu_bufs *g,
            size_t n_res,
            size_t n_total,
            lmp_result *res,
            lmp_status *sts,
            float *w)
{
    return cudaMemcpyAsync(res, a->d_res, n_res * sizeof *res, cudaMemcpyDeviceToHost, a->stream) ==
                       cudaSuccess &&
                   cudaMemcpyAsync(sts, a->d_sts, n_res * sizeof *sts, cudaMemcpyDeviceToHost,
                                   a->stream) == cudaSuccess &&
                   cudaMemcpyAsync(w, g->d_weight, (n_total ? n_total : 1) * sizeof *w,
                                   cudaMemcpyDeviceToHost, a->stream) == cudaSuccess &&
                   cudaStreamSynchronize(a->stream) == cudaSuccess
               ? 0
               : -1;
}

/* Poisons the outputs (NaN weights, 0xff results) on the stream. */
static void
poison_async(const async_bufs *a, const gpu_bufs *g, size_t n_res, size_t n_total)
{
    cudaMemsetAsync(a->d_res, 0xff, n_res * sizeof(lmp_result), a->stream);
    cudaMemsetAsync(a->d_sts, 0xff, n_res * sizeof(lmp_status), a->stream);
    cudaMemsetAsync(g->d_weight, 0xff, (n_total ? n_total : 1) * sizeof(float), a->stream);
}

/*
 * One random batch: the synchronous path, then the async one on its own
 * stream (equal results, and each segment against the CPU), then the async
 * call captured in a CUDA graph and the graph launched twice (equal
 * results), then new losses in the same buffer and a third launch (the
 * results of the synchronous path on them).  Every fourth case checks that
 * the call returns while a host function still holds the stream.
 */
static void
async_case(int c, gpu_bufs *g, async_bufs *a, lmp_workspace *ws, uint64_t *rng, size_t max_n)
{
    /* The gate needs launches that return before the kernel runs;
     * LMP_TEST_CUDA_NO_GATE turns it off under tools that may serialise them. */
    const int gated = c % 4 == 0 && getenv("LMP_TEST_CUDA_NO_GATE") == NULL;
    const size_t batch = 1 + (size_t)(test_rand_u64(rng) % 8);
    const int with_offsets = c % 2 == 1;
    const int pooled = test_rand_unit(rng) < 0.2;
    const int masked = test_rand_unit(rng) < 0.3;
    const int d = (int)(test_rand_u64(rng) % D_COUNT);
    const size_t n_res = pooled ? 1 : batch;
    size_t off[8 + 1];
    size_t n_total;
    size_t ws_bytes = 0;
    size_t s;
    size_t i;
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_cuda_batch bt;
    lmp_result *res[4] = { NULL, NULL, NULL, NULL };
    lmp_status *sts[4] = { NULL, NULL, NULL, NULL };
    float *w[4] = { NULL, NULL, NULL, NULL };
    float *loss = NULL;
    unsigned char *valid = NULL;
    cudaGraph_t graph = NULL;
    cudaGraphExec_t exec = NULL;
    lmp_status st;
    char tag[200];
    int k;
    int round;

    off[0] = 0;
    for (s = 0; s < batch; s++)
        off[s + 1] = off[s] + draw_size(rng, max_n);
    if (!with_offsets) {
        for (s = 0; s <= batch; s++)
            off[s] = s * off[1];
    }
    n_total = off[batch];
    prm.p = p_choices[test_rand_u64(rng) % (sizeof p_choices / sizeof p_choices[0])];
    prm.m = exp(log(1e-3) * test_rand_unit(rng));
    snprintf(tag, sizeof tag, "async case %d (%s, B %zu, n %zu, p %g, m %g%s%s%s)", c,
             dist_names[d], batch, n_total, prm.p, prm.m, with_offsets ? ", offsets" : "",
             pooled ? ", pooled" : "", masked ? ", masked" : "");

    loss = malloc((n_total ? n_total : 1) * sizeof *loss);
    valid = masked ? malloc(n_total ? n_total : 1) : NULL;
    for (k = 0; k < 4; k++) {
        res[k] = calloc(n_res, sizeof **res);
        sts[k] = calloc(n_res, sizeof **sts);
        w[k] = malloc((n_total ? n_total : 1) * sizeof **w);
    }
    if (loss == NULL || (masked && valid == NULL) || res[3] == NULL || sts[3] == NULL ||
        w[3] == NULL || res[0] == NULL || res[1] == NULL || res[2] == NULL || sts[0] == NULL ||
        sts[1] == NULL || sts[2] == NULL || w[0] == NULL || w[1] == NULL || w[2] == NULL ||
        ensure_bufs(g, n_total, batch) != 0 ||
        lmp_cuda_workspace_size(batch, n_total, &ws_bytes) != LMP_OK) {
        CHECK(0, "%s: out of memory", tag);
        goto done;
    }
    memset(&bt, 0, sizeof bt);
    bt.d_loss = g->d_loss;
    bt.d_valid = masked ? g->d_valid : NULL;
    bt.d_weight = g->d_weight;
    bt.batch = batch;
    bt.n = off[1];
    bt.h_offsets = with_offsets ? off : NULL;
    bt.pooling = pooled ? LMP_CUDA_POOL_BATCH : LMP_CUDA_POOL_SEGMENT;

    for (round = 0; round < 2; round++) {
        /* round 0: capture the graph; round 1: new losses, same graph. */
        fill_segment(loss, n_total, d, prm.m, rng);
        for (i = 0; masked && i < n_total; i++)
            valid[i] = test_rand_unit(rng) < 0.7;
        cudaMemcpy(g->d_loss, loss, n_total * sizeof *loss, cudaMemcpyHostToDevice);
        if (masked)
            cudaMemcpy(g->d_valid, valid, n_total, cudaMemcpyHostToDevice);

        /* [0]: the synchronous path. */
        cudaMemset(g->d_weight, 0xff, (n_total ? n_total : 1) * sizeof(float));
        st = lmp_cuda_solve_batch(&bt, &prm, res[0], sts[0], g->d_ws, ws_bytes, NULL);
        CHECK(st != LMP_ERR_CUDA && st != LMP_ERR_INVALID_ARG, "%s: sync solve: %s", tag,
              lmp_status_string(st));
        if (st == LMP_ERR_CUDA || st == LMP_ERR_INVALID_ARG)
            goto done;
        cudaMemcpy(w[0], g->d_weight, n_total * sizeof(float), cudaMemcpyDeviceToHost);

        if (round == 0) {
            /* [1]: the async path on its own stream, outputs poisoned first. */
            gate gt;
            atomic_init(&gt.open, 0);
            atomic_init(&gt.left, 0);
            poison_async(a, g, n_res, n_total);
            if (gated)
                CHECK(cudaLaunchHostFunc(a->stream, gate_wait, &gt) == cudaSuccess,
                      "%s: host function", tag);
            st = lmp_cuda_solve_batch_async(&bt, &prm, a->d_res, a->d_sts, g->d_ws, ws_bytes,
                                            a->stream);
            if (gated) {
                CHECK(atomic_load(&gt.left) == 0,
                      "%s: the async call waited for the stream (held by a host function)", tag);
                atomic_store(&gt.open, 1);
            }
            CHECK(st == LMP_OK, "%s: async solve: %s", tag, lmp_status_string(st));
            if (st != LMP_OK || fetch_async(a, g, n_res, n_total, res[1], sts[1], w[1]) != 0) {
                CHECK(0, "%s: async path failed", tag);
                cudaStreamSynchronize(a->stream);
                goto done;
            }
            compare_runs(tag, n_res, res[1], sts[1], res[0], sts[0], n_total, w[1], w[0]);
            /* Without statuses (d_status NULL): the same results. */
            poison_async(a, g, n_res, n_total);
            st =
                lmp_cuda_solve_batch_async(&bt, &prm, a->d_res, NULL, g->d_ws, ws_bytes, a->stream);
            CHECK(st == LMP_OK, "%s: async solve without statuses: %s", tag, lmp_status_string(st));
            if (st == LMP_OK && fetch_async(a, g, n_res, n_total, res[2], sts[2], w[2]) == 0)
                compare_runs(tag, n_res, res[2], sts[1], res[1], sts[1], n_total, w[2], w[1]);
            for (s = 0; s < n_res; s++) {
                const size_t b = pooled ? 0 : off[s];
                const size_t e = pooled ? n_total : off[s + 1];
                char sub[256];
                snprintf(sub, sizeof sub, "%s async seg %zu", tag, s);
                compare_segment(sub, loss + b, valid ? valid + b : NULL, e - b, &prm, sts[1][s],
                                &res[1][s], w[1] + b, ws);
            }

            /* The same call captured in a graph. */
            CHECK(cudaStreamBeginCapture(a->stream, cudaStreamCaptureModeGlobal) == cudaSuccess,
                  "%s: begin capture", tag);
            st = lmp_cuda_solve_batch_async(&bt, &prm, a->d_res, a->d_sts, g->d_ws, ws_bytes,
                                            a->stream);
            CHECK(st == LMP_OK, "%s: async solve while capturing: %s", tag, lmp_status_string(st));
            CHECK(cudaStreamEndCapture(a->stream, &graph) == cudaSuccess && graph != NULL,
                  "%s: end capture", tag);
            if (st != LMP_OK || graph == NULL ||
                cudaGraphInstantiateWithFlags(&exec, graph, 0) != cudaSuccess) {
                CHECK(0, "%s: no graph", tag);
                (void)cudaGetLastError();
                goto done;
            }
            /* [2], [3]: two launches. */
            for (k = 2; k < 4; k++) {
                poison_async(a, g, n_res, n_total);
                CHECK(cudaGraphLaunch(exec, a->stream) == cudaSuccess, "%s: graph launch", tag);
                CHECK(fetch_async(a, g, n_res, n_total, res[k], sts[k], w[k]) == 0,
                      "%s: graph results", tag);
            }
            compare_runs(tag, n_res, res[2], sts[2], res[0], sts[0], n_total, w[2], w[0]);
            compare_runs(tag, n_res, res[3], sts[3], res[2], sts[2], n_total, w[3], w[2]);
        } else {
            /* [1]: the graph again, on the new losses. */
            poison_async(a, g, n_res, n_total);
            CHECK(cudaGraphLaunch(exec, a->stream) == cudaSuccess, "%s: graph launch", tag);
            CHECK(fetch_async(a, g, n_res, n_total, res[1], sts[1], w[1]) == 0, "%s: graph results",
                  tag);
            compare_runs(tag, n_res, res[1], sts[1], res[0], sts[0], n_total, w[1], w[0]);
        }
    }
done:
    if (exec != NULL)
        cudaGraphExecDestroy(exec);
    if (graph != NULL)
        cudaGraphDestroy(graph);
    for (k = 0; k < 4; k++) {
        free(res[k]);
        free(sts[k]);
        free(w[k]);
    }
    free(loss);
    free(valid);
}

static void
test_async(gpu_bufs *g, lmp_workspace *ws, uint64_t seed, int n_cases, size_t max_n)
{
    async_bufs a;
    uint64_t rng = seed ^ 0xA5A5A5A5u;
    int c;
    const lmp_params prm = LMP_PARAMS_INIT;
    lmp_cuda_batch bt;
    size_t bytes = 0;

    memset(&a, 0, sizeof a);
    if (cudaStreamCreateWithFlags(&a.stream, cudaStreamNonBlocking) != cudaSuccess ||
        cudaMalloc((void **)&a.d_res, 8 * sizeof(lmp_result)) != cudaSuccess ||
        cudaMalloc((void **)&a.d_sts, 8 * sizeof(lmp_status)) != cudaSuccess) {
        CHECK(0, "async: no stream or device memory");
        goto done;
    }
    /* Arguments of the async entry. */
    memset(&bt, 0, sizeof bt);
    bt.d_loss = g->d_loss;
    bt.batch = 1;
    bt.n = 1;
    lmp_cuda_workspace_size(1, 1, &bytes);
    if (ensure_bufs(g, 1, 1) == 0) {
        bt.d_loss = g->d_loss;
        CHECK(lmp_cuda_solve_batch_async(&bt, &prm, NULL, a.d_sts, g->d_ws, bytes, a.stream) ==
                  LMP_ERR_INVALID_ARG,
              "async: NULL results");
        CHECK(lmp_cuda_solve_batch_async(&bt, &prm, (lmp_result *)((char *)a.d_res + 4), a.d_sts,
                                         g->d_ws, bytes, a.stream) == LMP_ERR_INVALID_ARG,
              "async: misaligned results");
        CHECK(lmp_cuda_solve_batch_async(&bt, &prm, a.d_res, a.d_sts, g->d_ws, 64, a.stream) ==
                  LMP_ERR_INVALID_ARG,
              "async: workspace too small");
    }
    for (c = 0; c < n_cases; c++)
        async_case(c, g, &a, ws, &rng, max_n);
done:
    if (a.stream != NULL)
        cudaStreamDestroy(a.stream);
    cudaFree(a.d_res);
    cudaFree(a.d_sts);
}

#endif /* LMP_HAVE_CUDA */

int
main(void)
{
    test_workspace_and_args();
#ifdef LMP_HAVE_CUDA
    if (lmp_cuda_device_count() > 0 && failures == 0) {
        const char *env_cases = getenv("LMP_TEST_CUDA_CASES");
        const char *env_maxn = getenv("LMP_TEST_CUDA_MAXN");
        const int n_cases = env_cases ? atoi(env_cases) : 1200;
        const size_t max_n = env_maxn ? (size_t)strtoull(env_maxn, NULL, 0) : (size_t)4194304;
        const char *env_async = getenv("LMP_TEST_CUDA_ASYNC_CASES");
        const int n_async = env_async ? atoi(env_async) : 24;
        const size_t async_max_n = max_n < 262144 ? max_n : 262144;
        const uint64_t seed = test_seed();
        gpu_bufs g;
        lmp_workspace *ws = lmp_workspace_create(0);
        struct cudaDeviceProp prop;
        memset(&g, 0, sizeof g);
        if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess)
            printf("# device: %s (sm_%d%d)\n", prop.name, prop.major, prop.minor);
        test_known_answers(&g, ws);
        test_solver_object(ws);
        test_many_segments(&g, ws, seed);
        test_random(&g, ws, seed, n_cases, max_n > 0 ? max_n : 1);
        printf("# %d random cases, largest segment %zu\n", n_cases, max_n);
        test_async(&g, ws, seed, n_async, async_max_n > 0 ? async_max_n : 1);
        printf("# %d async cases (sync path, async path, graph capture and replays), largest "
               "segment %zu\n",
               n_async, async_max_n);
        lmp_workspace_destroy(ws);
        cudaFree(g.d_loss);
        cudaFree(g.d_weight);
        cudaFree(g.d_valid);
        cudaFree(g.d_ws);
        printf("%s: %d checks, %d failures\n", failures ? "FAILED" : "PASSED", checks, failures);
        return failures ? 1 : 0;
    }
#endif
    printf("%s: %d host-side checks, %d failures\n", failures ? "FAILED" : "passed", checks,
           failures);
    if (failures)
        return 1;
#ifdef LMP_HAVE_CUDA
    printf("SKIP: no CUDA device found (cudaGetDeviceCount = 0): the GPU-vs-CPU comparison "
           "did not run; run scripts/gpu-check on a machine with a GPU\n");
    return 77;
#else
    printf("# this build has no CUDA support (LMP_CUDA=OFF or nvcc not found): only the stub "
           "was checked\n");
    return 0;
#endif
}
