/*
 * notebook_cells.c - notebooks written as text: the lecture cells of
 * cells/NAME.cells, compiled in by embed_cells.cmake.
 *
 * A cells text is a list of cells, each opened by a line of its own:
 *
 *   %% markdown        a markdown cell: the lines up to the next "%%" line
 *   %% code            a code cell (no output)
 *   %% solution        a code cell whose source is folded (a worked solution)
 *   %% slot NAME       no text: the cells of NAME go here (intro, solver,
 *                      widgets, or the caller's slot function, e.g. data)
 *
 * Blank lines at the end of a cell are dropped.  Keeping the text in files
 * lets it be read and edited as markdown and Python, not as C strings.
 */
#include <stdlib.h>
#include <string.h>

#include "notebook.h"
#include "notebook_internal.h"

#define MAX_SLOT_NAME 32

typedef enum cell_kind { CELL_NONE, CELL_MARKDOWN, CELL_CODE, CELL_SOLUTION } cell_kind;

/* Adds text[0..len) (blank lines at the end dropped) as a cell of kind. */
static lmpviz_status
emit(lmpnb_notebook *nb, cell_kind kind, const char *text, size_t len)
{
    char *copy;
    lmpviz_status st;

    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        len--;
    if (kind == CELL_NONE)
        return LMPVIZ_OK;
    copy = malloc(len + 1);
    if (copy == NULL)
        return LMPVIZ_ERR_NOMEM;
    memcpy(copy, text, len);
    copy[len] = '\0';
    st = kind == CELL_MARKDOWN ? lmpnb_notebook_add_markdown(nb, copy)
                               : lmpnb_notebook_add_code(nb, copy, NULL, 0, NULL);
    if (st == LMPVIZ_OK && kind == CELL_SOLUTION)
        st = lmpnb_notebook_fold_last(nb);
    free(copy);
    return st;
}

static lmpviz_status
run_slot(lmpnb_notebook *nb, const char *name, lmpnbi_slot_fn slot, void *ctx)
{
    if (strcmp(name, "intro") == 0)
        return lmpnbi_add_cells(nb, LMPVIZ_OK, lmpnbi_cells_intro, NULL, NULL);
    if (strcmp(name, "solver") == 0)
        return lmpnbi_add_cells(nb, LMPVIZ_OK, lmpnbi_cells_solver, NULL, NULL);
    if (strcmp(name, "widgets") == 0)
        return lmpnbi_add_cells(nb, LMPVIZ_OK, lmpnbi_cells_widgets, NULL, NULL);
    if (slot == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    return slot(nb, name, ctx);
}

lmpviz_status
lmpnbi_add_cells(
    lmpnb_notebook *nb, lmpviz_status st, const char *cells, lmpnbi_slot_fn slot, void *ctx)
{
    const char *p = cells, *body = NULL;
    cell_kind kind = CELL_NONE;

    while (st == LMPVIZ_OK && *p != '\0') {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl + 1 : p + strlen(p);
        if (strncmp(p, "%% ", 3) == 0) {
            const char *word = p + 3;
            size_t wlen = (size_t)((nl ? nl : end) - word);
            if (body != NULL)
                st = emit(nb, kind, body, (size_t)(p - body));
            kind = CELL_NONE;
            body = NULL;
            if (st != LMPVIZ_OK)
                break;
            if (wlen == 8 && strncmp(word, "markdown", 8) == 0)
                kind = CELL_MARKDOWN;
            else if (wlen == 4 && strncmp(word, "code", 4) == 0)
                kind = CELL_CODE;
            else if (wlen == 8 && strncmp(word, "solution", 8) == 0)
                kind = CELL_SOLUTION;
            else if (wlen > 5 && wlen - 5 < MAX_SLOT_NAME && strncmp(word, "slot ", 5) == 0) {
                char name[MAX_SLOT_NAME];
                memcpy(name, word + 5, wlen - 5);
                name[wlen - 5] = '\0';
                st = run_slot(nb, name, slot, ctx);
            } else {
                st = LMPVIZ_ERR_INVALID_ARG;
            }
            if (kind != CELL_NONE)
                body = end;
        }
        p = end;
    }
    if (st == LMPVIZ_OK && body != NULL)
        st = emit(nb, kind, body, (size_t)(p - body));
    return st;
}
