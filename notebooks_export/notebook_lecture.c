/*
 * notebook_lecture.c - the notebooks that need no figure of lmpviz's: the
 * derivation of the closed form and the algorithms that find theta.  Their
 * text and code are cells/derivation.cells and cells/algorithms.cells.
 */
#include "notebook.h"
#include "notebook_internal.h"

static lmpnb_notebook *
lecture(const char *figure,
        const char *cells,
        const char *command,
        lmpviz_status *status,
        lmpviz_err *err)
{
    lmpnb_notebook *nb = lmpnb_notebook_create();
    lmpviz_status st;

    if (nb == NULL)
        return lmpnbi_finish(NULL, LMPVIZ_ERR_NOMEM, status, err);
    st = lmpnb_notebook_set_info(nb, "figure", figure);
    if (st == LMPVIZ_OK && command != NULL)
        st = lmpnb_notebook_set_info(nb, "command", command);
    st = lmpnbi_add_cells(nb, st, cells, NULL, NULL);
    return lmpnbi_finish(nb, st, status, err);
}

lmpnb_notebook *
lmpnb_derivation_notebook(const char *command, lmpviz_status *status, lmpviz_err *err)
{
    return lecture("derivation", lmpnbi_cells_derivation, command, status, err);
}

lmpnb_notebook *
lmpnb_algorithms_notebook(const char *command, lmpviz_status *status, lmpviz_err *err)
{
    return lecture("algorithms", lmpnbi_cells_algorithms, command, status, err);
}
