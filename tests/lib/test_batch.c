/* Tests of lmp_solve_batch (lib/src/batch.c) and of the workspace's thread
 * pool (lib/src/pool.c, lib/src/workspace.c): every image bit for bit equal
 * to lmp_solve on it alone whatever the thread count, pooling over the
 * batch, per-image statuses, every argument error, workspace reuse and life
 * cycle, and two pools at work at once. */
#include <math.h>
#include <pthread.h>
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
#include "lmp_internal.h"
#include "test_util.h"

/* The thread counts every property is checked with (0: one per CPU). */
static const unsigned thread_counts[] = { 1, 2, 3, 0 };
#define N_THREAD_COUNTS (sizeof thread_counts / sizeof thread_counts[0])

static const double p_values[] = { 1.0, 1.3, 1.5, 2.0, 3.0, INFINITY };
#define N_P (sizeof p_values / sizeof p_values[0])

/* ------------------------------------------------------------------------
 * Helpers
 */

static size_t
rand_below(uint64_t *rs, size_t n)
{
    return (size_t)(test_rand_u64(rs) % (uint64_t)n);
}

/* Two results are the same bit for bit, field by field (the struct has
 * padding, so no memcmp of the whole). */
static void
assert_same_result(const lmp_result *a, const lmp_result *b, size_t image)
{
#define SAME(f)                                                                                    \
    do {                                                                                           \
        if (memcmp(&a->f, &b->f, sizeof a->f) != 0)                                                \
            fail_msg("image %zu: result." #f " differs from lmp_solve's", image);                  \
    } while (0)
    SAME(value);
    SAME(mean);
    SAME(theta);
    SAME(tau);
    SAME(gamma);
    SAME(m_px);
    SAME(n_valid);
    SAME(n_clamped);
    SAME(n_support);
    SAME(bad_index);
    SAME(bad_value);
#undef SAME
}

/* A random batch: sizes, losses, mask and layout all drawn from rs. */
typedef struct rand_batch {
    lmp_batch b;
    float *loss;
    unsigned char *valid;
    size_t *offsets;
    size_t total; /* floats in loss (offsets[B] with offsets) */
} rand_batch;

/* One loss: Exp(1) mostly, with ties, zeros, and now and then (when
 * allowed) a NaN, an infinity or a negative value. */
static float
rand_loss(uint64_t *rs, int kind, int allow_bad)
{
    const double u = test_rand_unit(rs);
    if (allow_bad && u < 0.002)
        return NAN;
    if (allow_bad && u < 0.003)
        return INFINITY;
    if (allow_bad && u < 0.0035)
        return -1.0f;
    switch (kind) {
    case 0:
        return (float)-log1p(-test_rand_unit(rs));
    case 1: /* many ties */
        return (float)rand_below(rs, 6);
    case 2: /* mostly zeros */
        return test_rand_unit(rs) < 0.9 ? 0.0f : (float)test_rand_unit(rs);
    default: /* heavy tail */
        return (float)(1.0 / (1e-3 + test_rand_unit(rs)));
    }
}

/* Sizes from 0 to a few times the solver's sample size, weighted to small. */
static size_t
rand_size(uint64_t *rs)
{
    switch (rand_below(rs, 6)) {
    case 0:
        return rand_below(rs, 3); /* empty, 1 or 2 */
    case 1:
        return rand_below(rs, 64);
    case 2:
    case 3:
        return rand_below(rs, 4000);
    default:
        return 8000 + rand_below(rs, 24000);
    }
}

static void
rand_batch_make(rand_batch *rb, uint64_t *rs, int allow_bad)
{
    const size_t k = 1 + rand_below(rs, 9);
    const int kind = (int)rand_below(rs, 4);
    const int use_offsets = rand_below(rs, 3) != 0;
    const int use_mask = rand_below(rs, 3) == 0;
    size_t i;

    memset(rb, 0, sizeof *rb);
    rb->b.batch = k;
    rb->b.pooling = LMP_POOL_IMAGE;
    if (use_offsets) {
        /* A gap before the first image: offsets need not start at 0. */
        rb->offsets = malloc((k + 1) * sizeof *rb->offsets);
        assert_non_null(rb->offsets);
        rb->offsets[0] = rand_below(rs, 3) == 0 ? rand_below(rs, 100) : 0;
        for (i = 0; i < k; i++)
            rb->offsets[i + 1] = rb->offsets[i] + rand_size(rs);
        rb->total = rb->offsets[k];
        rb->b.offsets = rb->offsets;
    } else {
        rb->b.n = rand_size(rs) / 2;
        rb->total = k * rb->b.n;
    }
    rb->loss = malloc((rb->total ? rb->total : 1) * sizeof *rb->loss);
    assert_non_null(rb->loss);
    for (i = 0; i < rb->total; i++)
        rb->loss[i] = rand_loss(rs, kind, allow_bad);
    if (use_mask) {
        rb->valid = malloc(rb->total ? rb->total : 1);
        assert_non_null(rb->valid);
        for (i = 0; i < rb->total; i++)
            rb->valid[i] = test_rand_unit(rs) < 0.7;
    }
    rb->b.loss = rb->loss;
    rb->b.valid = rb->valid;
}

static void
rand_batch_free(rand_batch *rb)
{
    free(rb->loss);
    free(rb->valid);
    free(rb->offsets);
}

static size_t
image_start(const lmp_batch *b, size_t s)
{
    return b->offsets != NULL ? b->offsets[s] : s * b->n;
}

/* What lmp_solve_batch must give: lmp_solve on each image alone, with no
 * workspace.  weight: total floats, or NULL. */
static lmp_status
expected_batch(
    const lmp_batch *b, const lmp_params *prm, float *weight, lmp_result *res, lmp_status *st)
{
    lmp_status worst = LMP_OK;
    size_t s;
    /* The documented order, worst first. */
    static const lmp_status order[] = { LMP_ERR_NOMEM, LMP_ERR_INVALID_LOSS, LMP_ERR_NO_CONVERGENCE,
                                        LMP_ERR_EMPTY, LMP_OK };
    int rank_worst = 4;

    for (s = 0; s < b->batch; s++) {
        const size_t a = image_start(b, s);
        const size_t len = image_start(b, s + 1) - a;
        int rank;
        memset(&res[s], 0, sizeof res[s]);
        st[s] = lmp_solve(b->loss + a, b->valid ? b->valid + a : NULL, len, prm,
                          weight ? weight + a : NULL, &res[s], NULL);
        for (rank = 0; rank < 5 && order[rank] != st[s]; rank++)
            ;
        assert_true(rank < 5);
        if (rank < rank_worst) {
            rank_worst = rank;
            worst = st[s];
        }
    }
    return worst;
}

/* Random parameters: p from the list, m as a fraction or a pixel count,
 * either non-finite policy. */
static lmp_params
rand_params(uint64_t *rs, double p)
{
    lmp_params prm = params_pm(p, 0.001 + 0.999 * test_rand_unit(rs));
    if (rand_below(rs, 4) == 0)
        prm.m_pixels = 1.0 + 50.0 * test_rand_unit(rs);
    prm.nonfinite = rand_below(rs, 2) ? LMP_NONFINITE_IGNORE : LMP_NONFINITE_ERROR;
    return prm;
}

/* Solves rb with ws (results and weights), and checks every image against
 * lmp_solve on it alone, bit for bit, weights outside the images untouched. */
static void
check_batch_against_solve(rand_batch *rb, const lmp_params *prm, lmp_workspace *ws, int weights)
{
    const size_t k = rb->b.batch;
    const size_t nw = rb->total ? rb->total : 1;
    float *w = weights ? malloc(nw * sizeof *w) : NULL;
    float *we = weights ? malloc(nw * sizeof *we) : NULL;
    lmp_result *res = malloc(k * sizeof *res);
    lmp_result *rese = malloc(k * sizeof *rese);
    lmp_status *st = malloc(k * sizeof *st);
    lmp_status *ste = malloc(k * sizeof *ste);
    lmp_status got;
    lmp_status want;
    size_t s;

    assert_non_null(res);
    assert_non_null(rese);
    assert_non_null(st);
    assert_non_null(ste);
    if (weights) {
        assert_non_null(w);
        assert_non_null(we);
        /* The same sentinel in both: bytes outside every image stay. */
        memset(w, 0x7f, nw * sizeof *w);
        memset(we, 0x7f, nw * sizeof *we);
    }
    rb->b.weight = w;
    want = expected_batch(&rb->b, prm, we, rese, ste);
    memset(res, 0, k * sizeof *res);
    got = lmp_solve_batch(&rb->b, prm, res, st, ws);
    if (got != want)
        fail_msg("lmp_solve_batch returned %d, the images give %d (B=%zu, threads %u)", got, want,
                 k, lmp_workspace_threads(ws));
    for (s = 0; s < k; s++) {
        if (st[s] != ste[s])
            fail_msg("image %zu: status %d, lmp_solve gives %d", s, st[s], ste[s]);
        if (st[s] == LMP_OK || st[s] == LMP_ERR_EMPTY || st[s] == LMP_ERR_INVALID_LOSS)
            assert_same_result(&res[s], &rese[s], s);
    }
    if (weights && memcmp(w, we, rb->total * sizeof *w) != 0) {
        for (s = 0; s < rb->total; s++) {
            if (memcmp(&w[s], &we[s], sizeof *w) != 0)
                fail_msg("weight[%zu] = %.9g, lmp_solve gives %.9g (threads %u)", s, w[s], we[s],
                         lmp_workspace_threads(ws));
        }
    }
    /* Without the status array: the same return value. */
    assert_int_equal(lmp_solve_batch(&rb->b, prm, res, NULL, ws), want);
    rb->b.weight = NULL;
    free(w);
    free(we);
    free(res);
    free(rese);
    free(st);
    free(ste);
}

/* ------------------------------------------------------------------------
 * Workspaces and the pool
 */

static void
test_workspace_threads(void **state)
{
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    lmp_workspace *ws;
    (void)state;

    assert_int_equal(lmp_workspace_threads(NULL), 1);
    ws = lmp_workspace_create(0);
    assert_non_null(ws);
    assert_int_equal(lmp_workspace_threads(ws), 1);
    lmp_workspace_destroy(ws);
    ws = lmp_workspace_create_threads(100, 1);
    assert_non_null(ws);
    assert_int_equal(lmp_workspace_threads(ws), 1);
    lmp_workspace_destroy(ws);
    ws = lmp_workspace_create_threads(0, 3);
    assert_non_null(ws);
    assert_int_equal(lmp_workspace_threads(ws), 3);
    lmp_workspace_destroy(ws);
    ws = lmp_workspace_create_threads(1000, 0);
    assert_non_null(ws);
    assert_int_equal(lmp_workspace_threads(ws), online < 1 ? 1 : (unsigned)online);
    lmp_workspace_destroy(ws);
    lmp_workspace_destroy(NULL);
}

/* Many pools started and stopped, some used in between: the sanitizer
 * builds see any thread or memory left behind. */
static void
test_create_destroy_many(void **state)
{
    const float loss[5] = { 1.0f, 2.0f, 0.5f, 4.0f, 0.0f };
    const lmp_params prm = params_pm(2.0, 0.4);
    int i;
    (void)state;

    for (i = 0; i < 200; i++) {
        lmp_workspace *ws = lmp_workspace_create_threads((size_t)i * 10, 1 + (unsigned)(i % 5));
        assert_non_null(ws);
        if (i % 3 == 0) {
            lmp_batch b = { loss, NULL, NULL, 5, 1, NULL, LMP_POOL_IMAGE };
            lmp_result r[5];
            b.batch = 5; /* five images of one loss each */
            assert_int_equal(lmp_solve_batch(&b, &prm, r, NULL, ws), LMP_OK);
            assert_true(r[3].value == 4.0);
        }
        lmp_workspace_destroy(ws);
    }
}

typedef struct count_ctx {
    unsigned threads;
    _Atomic unsigned *runs; /* one counter per task */
    _Atomic unsigned bad_thread;
    _Atomic unsigned used[64];
} count_ctx;

static void
count_task(void *ctx, size_t task, unsigned thread)
{
    count_ctx *c = ctx;
    c->runs[task]++;
    if (thread >= c->threads)
        c->bad_thread++;
    else if (thread < 64)
        c->used[thread]++;
}

/* lmpi_pool_run: every task once, thread indices in range, inline in order
 * without a pool. */
static void
test_pool_run_each_task_once(void **state)
{
    static const size_t counts[] = { 0, 1, 2, 3, 7, 1000 };
    size_t t;
    size_t c;
    (void)state;

    for (t = 0; t < N_THREAD_COUNTS + 1; t++) {
        lmp_workspace *ws =
            t < N_THREAD_COUNTS ? lmp_workspace_create_threads(0, thread_counts[t]) : NULL;
        const unsigned threads = lmp_workspace_threads(ws);
        int rep;
        if (t < N_THREAD_COUNTS)
            assert_non_null(ws);
        if (threads == 1)
            assert_ptr_equal(lmpi_ws_thread(ws, 0), ws);
        for (rep = 0; rep < 20; rep++) {
            for (c = 0; c < sizeof counts / sizeof counts[0]; c++) {
                count_ctx cc;
                size_t i;
                memset(&cc, 0, sizeof cc);
                cc.threads = threads;
                cc.runs = calloc(counts[c] + 1, sizeof *cc.runs);
                assert_non_null(cc.runs);
                lmpi_pool_run(ws, counts[c], count_task, &cc);
                for (i = 0; i < counts[c]; i++) {
                    if (cc.runs[i] != 1)
                        fail_msg("task %zu of %zu ran %u times (threads %u)", i, counts[c],
                                 (unsigned)cc.runs[i], threads);
                }
                assert_int_equal(cc.bad_thread, 0);
                if (threads == 1)
                    assert_int_equal(cc.used[0], counts[c]);
                free(cc.runs);
            }
        }
        if (threads > 1) {
            unsigned i;
            /* Each thread has its own scratch, none is ws itself. */
            for (i = 0; i < threads; i++) {
                lmp_workspace *wi = lmpi_ws_thread(ws, i);
                assert_non_null(wi);
                assert_ptr_not_equal(wi, ws);
                assert_int_equal(lmp_workspace_threads(wi), 1);
                if (i > 0)
                    assert_ptr_not_equal(wi, lmpi_ws_thread(ws, i - 1));
            }
        }
        lmp_workspace_destroy(ws);
    }
}

/* Inline order without a pool: task i runs i-th. */
typedef struct order_ctx {
    size_t next;
    int in_order;
} order_ctx;

static void
order_task(void *ctx, size_t task, unsigned thread)
{
    order_ctx *o = ctx;
    if (task != o->next++ || thread != 0)
        o->in_order = 0;
}

static void
test_pool_run_inline_in_order(void **state)
{
    lmp_workspace *ws = lmp_workspace_create(0);
    order_ctx o = { 0, 1 };
    (void)state;
    assert_non_null(ws);
    lmpi_pool_run(ws, 100, order_task, &o);
    assert_true(o.in_order);
    assert_int_equal(o.next, 100);
    o.next = 0;
    lmpi_pool_run(NULL, 50, order_task, &o);
    assert_true(o.in_order);
    assert_int_equal(o.next, 50);
    lmp_workspace_destroy(ws);
}

/* The spin loop of `lmpviz bench`: same checksum on any thread count. */
static void
test_spin_checksum(void **state)
{
    double ref;
    size_t t;
    (void)state;

    ref = lmp_workspace_spin(NULL, 5, 1000);
    assert_true(isfinite(ref) && ref > 0.0);
    assert_true(lmp_workspace_spin(NULL, 0, 1000) == 0.0);
    for (t = 0; t < N_THREAD_COUNTS; t++) {
        lmp_workspace *ws = lmp_workspace_create_threads(0, thread_counts[t]);
        assert_non_null(ws);
        assert_true(lmp_workspace_spin(ws, 5, 1000) == ref);
        lmp_workspace_destroy(ws);
    }
}

/* ------------------------------------------------------------------------
 * lmp_solve_batch against lmp_solve
 */

/* Many random batches, each p, every thread count, one workspace per thread
 * count reused over all of them (sizes vary from call to call). */
static void
test_random_batches(void **state)
{
    uint64_t rs = seed_state ^ 0xBA7C4ULL;
    lmp_workspace *ws[N_THREAD_COUNTS];
    size_t t;
    int iter;
    (void)state;

    for (t = 0; t < N_THREAD_COUNTS; t++) {
        ws[t] = lmp_workspace_create_threads(t == 0 ? 5000 : 0, thread_counts[t]);
        assert_non_null(ws[t]);
    }
    for (iter = 0; iter < 60; iter++) {
        rand_batch rb;
        const double p = p_values[(size_t)iter % N_P];
        const lmp_params prm = rand_params(&rs, p);
        rand_batch_make(&rb, &rs, iter % 3 == 0);
        for (t = 0; t < N_THREAD_COUNTS; t++)
            check_batch_against_solve(&rb, &prm, ws[t], iter % 5 != 4);
        /* No workspace: scratch made inside the call. */
        check_batch_against_solve(&rb, &prm, NULL, 1);
        rand_batch_free(&rb);
    }
    for (t = 0; t < N_THREAD_COUNTS; t++)
        lmp_workspace_destroy(ws[t]);
}

/* Many small images (training crops cut small): the dynamic hand-out with
 * far more tasks than threads. */
static void
test_many_small_images(void **state)
{
    uint64_t rs = seed_state ^ 0x5A11ULL;
    const size_t k = 300;
    rand_batch rb;
    size_t i;
    size_t t;
    (void)state;

    memset(&rb, 0, sizeof rb);
    rb.offsets = malloc((k + 1) * sizeof *rb.offsets);
    assert_non_null(rb.offsets);
    rb.offsets[0] = 0;
    for (i = 0; i < k; i++)
        rb.offsets[i + 1] = rb.offsets[i] + rand_below(&rs, 300);
    rb.total = rb.offsets[k];
    rb.loss = malloc((rb.total + 1) * sizeof *rb.loss);
    assert_non_null(rb.loss);
    for (i = 0; i < rb.total; i++)
        rb.loss[i] = rand_loss(&rs, (int)(i % 4), 0);
    rb.b.loss = rb.loss;
    rb.b.batch = k;
    rb.b.offsets = rb.offsets;
    rb.b.pooling = LMP_POOL_IMAGE;
    for (t = 0; t < N_THREAD_COUNTS; t++) {
        lmp_workspace *ws = lmp_workspace_create_threads(0, thread_counts[t]);
        size_t pi;
        assert_non_null(ws);
        for (pi = 0; pi < N_P; pi++) {
            const lmp_params prm = params_pm(p_values[pi], 0.2);
            check_batch_against_solve(&rb, &prm, ws, 1);
        }
        lmp_workspace_destroy(ws);
    }
    rand_batch_free(&rb);
}

/* LMP_POOL_BATCH: one lmp_solve over [offsets[0], offsets[B]). */
static void
test_pool_batch_is_concatenation(void **state)
{
    uint64_t rs = seed_state ^ 0xC0CA7ULL;
    int iter;
    (void)state;

    for (iter = 0; iter < 24; iter++) {
        const double p = p_values[(size_t)iter % N_P];
        const lmp_params prm = rand_params(&rs, p);
        const unsigned threads = thread_counts[(size_t)iter % N_THREAD_COUNTS];
        lmp_workspace *ws = lmp_workspace_create_threads(0, threads);
        rand_batch rb;
        size_t first;
        size_t len;
        float *w;
        float *we;
        lmp_result r;
        lmp_result re;
        lmp_status st = (lmp_status)-1;
        lmp_status want;

        assert_non_null(ws);
        rand_batch_make(&rb, &rs, iter % 4 == 0);
        rb.b.pooling = LMP_POOL_BATCH;
        first = image_start(&rb.b, 0);
        len = image_start(&rb.b, rb.b.batch) - first;
        w = malloc((rb.total + 1) * sizeof *w);
        we = malloc((rb.total + 1) * sizeof *we);
        assert_non_null(w);
        assert_non_null(we);
        memset(w, 0x7f, (rb.total + 1) * sizeof *w);
        memset(we, 0x7f, (rb.total + 1) * sizeof *we);
        memset(&re, 0, sizeof re);
        want = lmp_solve(rb.loss + first, rb.valid ? rb.valid + first : NULL, len, &prm, we + first,
                         &re, NULL);
        rb.b.weight = w;
        memset(&r, 0, sizeof r);
        assert_int_equal(lmp_solve_batch(&rb.b, &prm, &r, &st, ws), want);
        assert_int_equal(st, want);
        if (want == LMP_OK || want == LMP_ERR_EMPTY || want == LMP_ERR_INVALID_LOSS)
            assert_same_result(&r, &re, 0);
        assert_memory_equal(w, we, (rb.total + 1) * sizeof *w);
        free(w);
        free(we);
        rand_batch_free(&rb);
        lmp_workspace_destroy(ws);
    }
}

/* Hand-made statuses: one per image, bad_index from the image's start, and
 * the worst of them returned. */
static void
test_statuses_per_image(void **state)
{
    /* image 0: fine; 1: a negative loss at its index 3; 2: all masked; 3: a
     * NaN at its index 1; 4: empty. */
    float loss[20] = { 1, 2, 3, 4, 5, 1, 1, 1, -2, 1, 7, 7, 7, 1, NAN, 2, 3, 4, 5, 6 };
    unsigned char valid[20];
    const size_t offsets[6] = { 0, 5, 10, 13, 20, 20 };
    lmp_params prm = params_pm(1.5, 0.5);
    lmp_batch b = { loss, valid, NULL, 5, 0, offsets, LMP_POOL_IMAGE };
    lmp_result r[5];
    lmp_status st[5];
    size_t t;
    (void)state;

    memset(valid, 1, sizeof valid);
    valid[10] = valid[11] = valid[12] = 0;
    for (t = 0; t < N_THREAD_COUNTS; t++) {
        lmp_workspace *ws = lmp_workspace_create_threads(0, thread_counts[t]);
        assert_non_null(ws);
        prm.nonfinite = LMP_NONFINITE_ERROR;
        assert_int_equal(lmp_solve_batch(&b, &prm, r, st, ws), LMP_ERR_INVALID_LOSS);
        assert_int_equal(st[0], LMP_OK);
        assert_int_equal(st[1], LMP_ERR_INVALID_LOSS);
        assert_int_equal(r[1].bad_index, 3);
        assert_true(r[1].bad_value == -2.0f);
        assert_int_equal(st[2], LMP_ERR_EMPTY);
        assert_int_equal(r[2].n_valid, 0);
        assert_int_equal(st[3], LMP_ERR_INVALID_LOSS);
        assert_int_equal(r[3].bad_index, 1);
        assert_true(isnan(r[3].bad_value));
        assert_int_equal(st[4], LMP_ERR_EMPTY);

        /* NaN ignored, the negative loss still an error. */
        prm.nonfinite = LMP_NONFINITE_IGNORE;
        assert_int_equal(lmp_solve_batch(&b, &prm, r, st, ws), LMP_ERR_INVALID_LOSS);
        assert_int_equal(st[3], LMP_OK);
        assert_int_equal(r[3].n_valid, 6);

        /* Without image 1: EMPTY is now the worst. */
        loss[8] = 2.0f;
        assert_int_equal(lmp_solve_batch(&b, &prm, r, st, ws), LMP_ERR_EMPTY);
        assert_int_equal(st[1], LMP_OK);
        loss[8] = -2.0f;

        /* Pooled over the batch: bad_index from offsets[0]. */
        {
            const size_t off2[3] = { 5, 10, 20 };
            lmp_batch bb = { loss, valid, NULL, 2, 0, off2, LMP_POOL_BATCH };
            assert_int_equal(lmp_solve_batch(&bb, &prm, r, st, ws), LMP_ERR_INVALID_LOSS);
            assert_int_equal(st[0], LMP_ERR_INVALID_LOSS);
            assert_int_equal(r[0].bad_index, 3);
        }
        lmp_workspace_destroy(ws);
    }
}

/* The equal-size form over the same losses as offsets 0, n, 2n, ... */
static void
test_equal_sizes_match_offsets(void **state)
{
    uint64_t rs = seed_state ^ 0xE0ULL;
    const size_t k = 6;
    const size_t n = 5000;
    float *loss = malloc(k * n * sizeof *loss);
    float *w1 = malloc(k * n * sizeof *w1);
    float *w2 = malloc(k * n * sizeof *w2);
    size_t offsets[7];
    lmp_result r1[6];
    lmp_result r2[6];
    const lmp_params prm = params_pm(1.3, 0.1);
    lmp_workspace *ws = lmp_workspace_create_threads(n, 3);
    size_t i;
    (void)state;

    assert_non_null(loss);
    assert_non_null(w1);
    assert_non_null(w2);
    assert_non_null(ws);
    for (i = 0; i < k * n; i++)
        loss[i] = rand_loss(&rs, 0, 0);
    for (i = 0; i <= k; i++)
        offsets[i] = i * n;
    {
        lmp_batch a = { loss, NULL, w1, k, n, NULL, LMP_POOL_IMAGE };
        lmp_batch b = { loss, NULL, w2, k, 0, offsets, LMP_POOL_IMAGE };
        assert_int_equal(lmp_solve_batch(&a, &prm, r1, NULL, ws), LMP_OK);
        assert_int_equal(lmp_solve_batch(&b, &prm, r2, NULL, NULL), LMP_OK);
    }
    for (i = 0; i < k; i++)
        assert_same_result(&r1[i], &r2[i], i);
    assert_memory_equal(w1, w2, k * n * sizeof *w1);
    free(loss);
    free(w1);
    free(w2);
    lmp_workspace_destroy(ws);
}

/* Every argument error, with nothing written. */
static void
test_argument_errors(void **state)
{
    const float loss[4] = { 1, 2, 3, 4 };
    const size_t offsets[3] = { 0, 3, 2 };
    const size_t huge[3] = { 0, 1, SIZE_MAX / 2 };
    lmp_params prm = params_pm(1.5, 0.5);
    lmp_params bad;
    lmp_batch b = { loss, NULL, NULL, 2, 2, NULL, LMP_POOL_IMAGE };
    lmp_batch x;
    lmp_result r[2];
    lmp_result sentinel;
    lmp_status st[2] = { (lmp_status)77, (lmp_status)77 };
    lmp_workspace *ws = lmp_workspace_create_threads(0, 2);
    (void)state;

    assert_non_null(ws);
    memset(&sentinel, 0x5a, sizeof sentinel);
#define EXPECT_INVALID(bp, pp, rp)                                                                 \
    do {                                                                                           \
        memcpy(&r[0], &sentinel, sizeof sentinel);                                                 \
        assert_int_equal(lmp_solve_batch((bp), (pp), (rp), st, ws), LMP_ERR_INVALID_ARG);          \
        assert_int_equal(lmp_solve_batch((bp), (pp), (rp), st, NULL), LMP_ERR_INVALID_ARG);        \
        assert_memory_equal(&r[0], &sentinel, sizeof sentinel);                                    \
        assert_int_equal(st[0], 77);                                                               \
    } while (0)

    EXPECT_INVALID(NULL, &prm, r);
    EXPECT_INVALID(&b, NULL, r);
    assert_int_equal(lmp_solve_batch(&b, &prm, NULL, st, ws), LMP_ERR_INVALID_ARG);
    assert_int_equal(st[0], 77);
    /* B = 0 */
    x = b;
    x.batch = 0;
    EXPECT_INVALID(&x, &prm, r);
    /* decreasing offsets */
    x = b;
    x.offsets = offsets;
    EXPECT_INVALID(&x, &prm, r);
    /* offsets[B] floats beyond any memory */
    x.offsets = huge;
    EXPECT_INVALID(&x, &prm, r);
    /* B x n overflows */
    x = b;
    x.n = SIZE_MAX / 2;
    EXPECT_INVALID(&x, &prm, r);
    x.n = SIZE_MAX / sizeof(float) / 2 + 1;
    EXPECT_INVALID(&x, &prm, r);
    /* NULL losses with losses to read */
    x = b;
    x.loss = NULL;
    EXPECT_INVALID(&x, &prm, r);
    /* an unknown pooling */
    x = b;
    x.pooling = (lmp_pooling)7;
    EXPECT_INVALID(&x, &prm, r);
    /* bad parameters */
    bad = prm;
    bad.p = 0.5;
    EXPECT_INVALID(&b, &bad, r);
    bad.p = NAN;
    EXPECT_INVALID(&b, &bad, r);
    bad = prm;
    bad.m = 0.0;
    EXPECT_INVALID(&b, &bad, r);
    bad.m = 1.5;
    EXPECT_INVALID(&b, &bad, r);
    bad = prm;
    bad.nonfinite = (lmp_nonfinite)9;
    if (lmp_params_check(&bad) != LMP_OK)
        EXPECT_INVALID(&b, &bad, r);
#undef EXPECT_INVALID

    /* NULL losses are fine when there are none: every image is empty. */
    x = b;
    x.loss = NULL;
    x.n = 0;
    assert_int_equal(lmp_solve_batch(&x, &prm, r, st, ws), LMP_ERR_EMPTY);
    assert_int_equal(st[0], LMP_ERR_EMPTY);
    assert_int_equal(st[1], LMP_ERR_EMPTY);
    x.pooling = LMP_POOL_BATCH;
    assert_int_equal(lmp_solve_batch(&x, &prm, r, NULL, ws), LMP_ERR_EMPTY);
    lmp_workspace_destroy(ws);
}

/* NOMEM is reported per image and beats the other statuses. */
static void
test_nomem_is_worst(void **state)
{
    const size_t big = (size_t)1 << 24;
    pid_t pid;
    int wstatus;
    (void)state;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    skip(); /* the sanitizers reserve terabytes of address space up front */
#endif
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const size_t offsets[4] = { 0, 10, 10 + big, 20 + big };
        float *loss = malloc((20 + big) * sizeof *loss);
        lmp_params prm = params_pm(1.5, 0.1);
        lmp_batch b;
        lmp_result r[3];
        lmp_status st[3];
        lmp_status got;
        struct rlimit lim;
        FILE *f;
        unsigned long pages = 0;
        size_t i;

        if (loss == NULL)
            _exit(3);
        for (i = 0; i < 20 + big; i++)
            loss[i] = (float)(i % 1000) + 1.0f;
        loss[15 + big] = -1.0f;
        memset(&b, 0, sizeof b);
        b.loss = loss;
        b.batch = 3;
        b.offsets = offsets;
        f = fopen("/proc/self/statm", "r");
        if (f == NULL || fscanf(f, "%lu", &pages) != 1)
            _exit(4);
        fclose(f);
        getrlimit(RLIMIT_AS, &lim);
        /* current size + 16 MiB: far less than the 64 MiB scratch */
        lim.rlim_cur = pages * (unsigned long)sysconf(_SC_PAGESIZE) + (16UL << 20);
        if (setrlimit(RLIMIT_AS, &lim) != 0)
            _exit(5);
        got = lmp_solve_batch(&b, &prm, r, st, NULL);
        if (got != LMP_ERR_NOMEM || st[0] != LMP_OK || st[1] != LMP_ERR_NOMEM ||
            st[2] != LMP_ERR_INVALID_LOSS || r[2].bad_index != 5)
            _exit(6);
        _exit(0);
    }
    assert_true(waitpid(pid, &wstatus, 0) == pid);
    assert_true(WIFEXITED(wstatus));
    assert_int_equal(WEXITSTATUS(wstatus), 0);
}

/* A child of fork() has none of the pool's threads: the workspace still
 * solves there, on the caller alone, and is destroyed without waiting for
 * them (an alarm ends the child if it hangs). */
static void
test_pool_after_fork(void **state)
{
    float loss[4000];
    lmp_params prm = params_pm(1.5, 0.1);
    lmp_batch b;
    lmp_result r[4];
    lmp_result re[4];
    lmp_workspace *ws = lmp_workspace_create_threads(0, 3);
    pid_t pid;
    int wstatus;
    size_t i;
    (void)state;

    assert_non_null(ws);
    for (i = 0; i < 4000; i++)
        loss[i] = (float)(i % 97) * 0.25f;
    memset(&b, 0, sizeof b);
    b.loss = loss;
    b.batch = 4;
    b.n = 1000;
    /* The parent's threads run once before the fork. */
    assert_int_equal(lmp_solve_batch(&b, &prm, re, NULL, ws), LMP_OK);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int ok = 1;
        alarm(60);
        for (i = 0; i < 3; i++) {
            size_t s;
            if (lmp_solve_batch(&b, &prm, r, NULL, ws) != LMP_OK)
                ok = 0;
            for (s = 0; s < 4; s++)
                ok &= memcmp(&r[s].value, &re[s].value, sizeof r[s].value) == 0;
        }
        lmp_workspace_destroy(ws);
        _exit(ok ? 0 : 1);
    }
    assert_true(waitpid(pid, &wstatus, 0) == pid);
    assert_true(WIFEXITED(wstatus));
    assert_int_equal(WEXITSTATUS(wstatus), 0);
    /* The parent's pool is untouched. */
    assert_int_equal(lmp_solve_batch(&b, &prm, r, NULL, ws), LMP_OK);
    lmp_workspace_destroy(ws);
}

/* Two workspaces with pools, driven from two threads at once. */
typedef struct twin {
    uint64_t seed;
    unsigned threads;
    int failures;
} twin;

static void *
twin_main(void *arg)
{
    twin *tw = arg;
    uint64_t rs = tw->seed;
    lmp_workspace *ws = lmp_workspace_create_threads(0, tw->threads);
    int iter;

    if (ws == NULL) {
        tw->failures++;
        return NULL;
    }
    for (iter = 0; iter < 12; iter++) {
        const size_t k = 1 + rand_below(&rs, 6);
        const size_t n = rand_below(&rs, 20000);
        const lmp_params prm = params_pm(p_values[(size_t)iter % N_P], 0.1);
        float *loss = malloc((k * n + 1) * sizeof *loss);
        float *w = malloc((k * n + 1) * sizeof *w);
        float *we = malloc((n + 1) * sizeof *we);
        lmp_result r[6];
        lmp_result re;
        lmp_batch b;
        size_t i;
        size_t s;

        if (loss == NULL || w == NULL || we == NULL) {
            tw->failures++;
            free(loss);
            free(w);
            free(we);
            break;
        }
        for (i = 0; i < k * n; i++)
            loss[i] = rand_loss(&rs, (int)(iter % 4), 0);
        memset(&b, 0, sizeof b);
        b.loss = loss;
        b.weight = w;
        b.batch = k;
        b.n = n;
        {
            const lmp_status st = lmp_solve_batch(&b, &prm, r, NULL, ws);
            if (st != LMP_OK && st != LMP_ERR_EMPTY)
                tw->failures++;
        }
        for (s = 0; s < k; s++) {
            memset(&re, 0, sizeof re);
            lmp_solve(loss + s * n, NULL, n, &prm, we, &re, NULL);
            if (memcmp(&re.value, &r[s].value, sizeof re.value) != 0 ||
                memcmp(we, w + s * n, n * sizeof *we) != 0)
                tw->failures++;
        }
        free(loss);
        free(w);
        free(we);
    }
    lmp_workspace_destroy(ws);
    return NULL;
}

static void
test_two_workspaces_at_once(void **state)
{
    twin tw[2] = { { seed_state ^ 1ULL, 2, 0 }, { seed_state ^ 2ULL, 3, 0 } };
    pthread_t tid[2];
    int i;
    (void)state;

    for (i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&tid[i], NULL, twin_main, &tw[i]), 0);
    for (i = 0; i < 2; i++)
        assert_int_equal(pthread_join(tid[i], NULL), 0);
    assert_int_equal(tw[0].failures, 0);
    assert_int_equal(tw[1].failures, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workspace_threads),
        cmocka_unit_test(test_create_destroy_many),
        cmocka_unit_test(test_pool_run_each_task_once),
        cmocka_unit_test(test_pool_run_inline_in_order),
        cmocka_unit_test(test_spin_checksum),
        cmocka_unit_test(test_random_batches),
        cmocka_unit_test(test_many_small_images),
        cmocka_unit_test(test_pool_batch_is_concatenation),
        cmocka_unit_test(test_statuses_per_image),
        cmocka_unit_test(test_equal_sizes_match_offsets),
        cmocka_unit_test(test_argument_errors),
        cmocka_unit_test(test_nomem_is_worst),
        cmocka_unit_test(test_pool_after_fork),
        cmocka_unit_test(test_two_workspaces_at_once),
    };
    return cmocka_run_group_tests(tests, setup_seed, NULL);
}
