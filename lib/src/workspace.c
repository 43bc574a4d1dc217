/* Scratch memory reused across lmp_solve calls (lmp.h). */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "lmp_internal.h"

lmp_workspace *
lmp_workspace_create(size_t n_hint)
{
    lmp_workspace *ws = calloc(1, sizeof *ws);
    if (ws == NULL)
        return NULL;
    ws->threads = 1;
    if (n_hint > 0) {
        if (n_hint > SIZE_MAX / sizeof(float) - LMPI_SCRATCH_EXTRA ||
            lmpi_ws_reserve(ws, n_hint + LMPI_SCRATCH_EXTRA) != LMP_OK) {
            free(ws);
            return NULL;
        }
    }
    return ws;
}

lmp_workspace *
lmp_workspace_create_threads(size_t n_hint, unsigned threads)
{
    lmp_workspace *ws;
    unsigned i;

    if (threads == 0) {
        const long online = sysconf(_SC_NPROCESSORS_ONLN);
        threads = online < 1 ? 1u : online > LMPI_MAX_THREADS ? LMPI_MAX_THREADS : (unsigned)online;
    }
    ws = lmp_workspace_create(n_hint);
    if (ws == NULL || threads == 1)
        return ws;
    /* The scratch of each thread grows on demand: n_hint sizes ws itself,
     * which solves the whole batch with LMP_POOL_BATCH. */
    ws->each = calloc(threads, sizeof *ws->each);
    if (ws->each == NULL) {
        lmp_workspace_destroy(ws);
        return NULL;
    }
    for (i = 0; i < threads; i++)
        ws->each[i].threads = 1;
    ws->threads = threads;
    ws->pool = lmpi_pool_create(threads);
    if (ws->pool == NULL) {
        lmp_workspace_destroy(ws);
        return NULL;
    }
    return ws;
}

unsigned
lmp_workspace_threads(const lmp_workspace *ws)
{
    return ws != NULL && ws->pool != NULL ? ws->threads : 1u;
}

void
lmp_workspace_destroy(lmp_workspace *ws)
{
    unsigned i;
    if (ws == NULL)
        return;
    lmpi_pool_destroy(ws->pool);
    if (ws->each != NULL) {
        for (i = 0; i < ws->threads; i++)
            free(ws->each[i].buf);
        free(ws->each);
    }
    free(ws->buf);
    free(ws);
}

lmp_status
lmpi_ws_reserve(lmp_workspace *ws, size_t count)
{
    float *buf;
    if (count <= ws->cap)
        return LMP_OK;
    if (count > SIZE_MAX / sizeof(float))
        return LMP_ERR_NOMEM;
    /* The old contents are scratch: no need for realloc's copy. */
    buf = malloc(count * sizeof(float));
    if (buf == NULL)
        return LMP_ERR_NOMEM;
    free(ws->buf);
    ws->buf = buf;
    ws->cap = count;
    return LMP_OK;
}
