/*
 * lmp_solve_batch (lmp.h): B images solved over a workspace's threads.
 *
 * With LMP_POOL_IMAGE every image is one task of the pool, solved by
 * lmp_solve with the scratch workspace of the thread that takes it.  lmp_solve
 * gives the same bits whatever scratch it is handed, so each image's result
 * is exactly lmp_solve's on that image alone, for any thread count and any
 * order in which the threads pick the images.  With LMP_POOL_BATCH the batch
 * is one problem, and one lmp_solve over it with the workspace itself (which
 * may split its passes over the same threads); so is a batch of one image.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lmp_internal.h"

typedef struct batch_job {
    const lmp_batch *b;
    const lmp_params *params;
    lmp_result *results;
    lmp_status *status;
    lmp_workspace *ws;
} batch_job;

/* Start of image s in the batch's arrays. */
static size_t
image_start(const lmp_batch *b, size_t s)
{
    return b->offsets != NULL ? b->offsets[s] : s * b->n;
}

static void
solve_image(void *ctx, size_t s, unsigned thread)
{
    const batch_job *job = ctx;
    const lmp_batch *b = job->b;
    const size_t start = image_start(b, s);
    const size_t len = image_start(b, s + 1) - start;
    lmp_result r = { 0 };

    job->status[s] = lmp_solve(b->loss != NULL ? b->loss + start : NULL,
                               b->valid != NULL ? b->valid + start : NULL, len, job->params,
                               b->weight != NULL ? b->weight + start : NULL, &r,
                               lmpi_ws_thread(job->ws, thread));
    job->results[s] = r;
}

/* Higher is worse: the order in which lmp_solve_batch reports statuses. */
static int
severity(lmp_status st)
{
    switch (st) {
    case LMP_OK:
        return 0;
    case LMP_ERR_EMPTY:
        return 1;
    case LMP_ERR_NO_CONVERGENCE:
        return 2;
    case LMP_ERR_INVALID_LOSS:
        return 3;
    case LMP_ERR_NOMEM:
        return 4;
    default:
        return 5;
    }
}

/* LMP_OK when the batch describes arrays that can exist. */
static lmp_status
check_batch(const lmp_batch *b, size_t *first, size_t *total)
{
    size_t s;

    if (b->batch == 0 || (b->pooling != LMP_POOL_IMAGE && b->pooling != LMP_POOL_BATCH))
        return LMP_ERR_INVALID_ARG;
    if (b->offsets != NULL) {
        for (s = 0; s < b->batch; s++) {
            if (b->offsets[s + 1] < b->offsets[s])
                return LMP_ERR_INVALID_ARG;
        }
        *first = b->offsets[0];
        *total = b->offsets[b->batch] - b->offsets[0];
        if (b->offsets[b->batch] > SIZE_MAX / sizeof(float))
            return LMP_ERR_INVALID_ARG;
    } else {
        /* B x n floats must fit in memory at all. */
        if (b->n > SIZE_MAX / sizeof(float) / b->batch)
            return LMP_ERR_INVALID_ARG;
        *first = 0;
        *total = b->batch * b->n;
    }
    if (b->loss == NULL && *total > 0)
        return LMP_ERR_INVALID_ARG;
    return LMP_OK;
}

lmp_status
lmp_solve_batch(const lmp_batch *batch,
                const lmp_params *params,
                lmp_result *results,
                lmp_status *status,
                lmp_workspace *ws)
{
    lmp_workspace local = { 0 };
    lmp_status worst = LMP_OK;
    lmp_status *st = status;
    lmp_status one;
    batch_job job;
    size_t first;
    size_t total;
    size_t k;
    size_t s;

    if (batch == NULL || results == NULL || lmp_params_check(params) != LMP_OK ||
        check_batch(batch, &first, &total) != LMP_OK)
        return LMP_ERR_INVALID_ARG;

    /* One image is one problem either way: solved with ws itself, it may
     * have its passes split over the threads. */
    if (batch->pooling == LMP_POOL_BATCH || batch->batch == 1) {
        lmp_result r = { 0 };
        one = lmp_solve(batch->loss != NULL ? batch->loss + first : NULL,
                        batch->valid != NULL ? batch->valid + first : NULL, total, params,
                        batch->weight != NULL ? batch->weight + first : NULL, &r, ws);
        results[0] = r;
        if (status != NULL)
            status[0] = one;
        return one;
    }

    /* Without a workspace, one scratch for the whole batch rather than an
     * allocation per image. */
    k = batch->batch;
    if (st == NULL) {
        st = malloc(k * sizeof *st);
        if (st == NULL)
            return LMP_ERR_NOMEM;
    }
    job.b = batch;
    job.params = params;
    job.results = results;
    job.status = st;
    job.ws = ws != NULL ? ws : &local;
    lmpi_pool_run(job.ws, k, solve_image, &job);
    for (s = 0; s < k; s++) {
        if (severity(st[s]) > severity(worst))
            worst = st[s];
    }
    if (st != status)
        free(st);
    free(local.buf);
    return worst;
}
