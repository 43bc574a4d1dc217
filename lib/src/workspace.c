/* Scratch memory reused across lmp_solve calls (lmp.h). */
#include <stdint.h>
#include <stdlib.h>

#include "lmp_internal.h"

lmp_workspace *
lmp_workspace_create(size_t n_hint)
{
    lmp_workspace *ws = calloc(1, sizeof *ws);
    if (ws == NULL)
        return NULL;
    if (n_hint > 0) {
        if (n_hint > SIZE_MAX / sizeof(float) - LMPI_SCRATCH_EXTRA ||
            lmpi_ws_reserve(ws, n_hint + LMPI_SCRATCH_EXTRA) != LMP_OK) {
            free(ws);
            return NULL;
        }
    }
    return ws;
}

void
lmp_workspace_destroy(lmp_workspace *ws)
{
    if (ws == NULL)
        return;
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
