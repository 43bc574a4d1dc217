/*
 * notebook_lecture.c - the notebooks that need no figure of lmpviz's: the
 * derivation of the closed form and the algorithms that find theta.  Their
 * text and code are cells/derivation.cells and cells/algorithms.cells.
 */
#include "notebook.h"
#include "notebook_internal.h"

static lmpnb_notebook *
lecture(const char *figure, const char *cells, const char *command)
{
    lmpnb_notebook *nb = lmpnb_notebook_create();

    lmpnb_notebook_set_info(nb, "figure", figure);
    if (command != NULL)
        lmpnb_notebook_set_info(nb, "command", command);
    lmpnbi_add_cells(nb, cells, NULL, NULL);
    return nb;
}

lmpnb_notebook *
lmpnb_derivation_notebook(const char *command)
{
    return lecture("derivation", lmpnbi_cells_derivation, command);
}

lmpnb_notebook *
lmpnb_algorithms_notebook(const char *command)
{
    return lecture("algorithms", lmpnbi_cells_algorithms, command);
}
