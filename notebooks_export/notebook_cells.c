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
static void
emit(lmpnb_notebook *nb, cell_kind kind, const char *text, size_t len)
{
    char *copy;

    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        len--;
    if (kind == CELL_NONE)
        return;
    copy = malloc(len + 1);
    if (copy == NULL) {
        lmpnbi_fail(nb, LMPVIZ_ERR_NOMEM, "out of memory for the notebook");
        return;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    if (kind == CELL_MARKDOWN)
        lmpnb_notebook_add_markdown(nb, copy);
    else
        lmpnb_notebook_add_code(nb, copy, NULL, 0, NULL);
    if (kind == CELL_SOLUTION)
        lmpnb_notebook_fold_last(nb);
    free(copy);
}

static void
run_slot(lmpnb_notebook *nb, const char *name, lmpnbi_slot_fn slot, void *ctx)
{
    if (strcmp(name, "intro") == 0)
        lmpnbi_add_cells(nb, lmpnbi_cells_intro, NULL, NULL);
    else if (strcmp(name, "solver") == 0)
        lmpnbi_add_cells(nb, lmpnbi_cells_solver, NULL, NULL);
    else if (strcmp(name, "widgets") == 0)
        lmpnbi_add_cells(nb, lmpnbi_cells_widgets, NULL, NULL);
    else if (slot == NULL)
        lmpnbi_fail(nb, LMPVIZ_ERR_INVALID_ARG, "no cells for the slot %s", name);
    else
        slot(nb, name, ctx);
}

/* The kind of cell a "%% WORD" line opens, or CELL_NONE after running the
 * slot it names; an unknown word is the notebook's failure. */
static cell_kind
open_cell(lmpnb_notebook *nb, const char *word, size_t wlen, lmpnbi_slot_fn slot, void *ctx)
{
    char name[MAX_SLOT_NAME];

    if (wlen == 8 && strncmp(word, "markdown", 8) == 0)
        return CELL_MARKDOWN;
    if (wlen == 4 && strncmp(word, "code", 4) == 0)
        return CELL_CODE;
    if (wlen == 8 && strncmp(word, "solution", 8) == 0)
        return CELL_SOLUTION;
    if (wlen > 5 && wlen - 5 < MAX_SLOT_NAME && strncmp(word, "slot ", 5) == 0) {
        memcpy(name, word + 5, wlen - 5);
        name[wlen - 5] = '\0';
        run_slot(nb, name, slot, ctx);
    } else {
        lmpnbi_fail(nb, LMPVIZ_ERR_INVALID_ARG, "unknown cells line \"%%%% %.*s\"", (int)wlen,
                    word);
    }
    return CELL_NONE;
}

void
lmpnbi_add_cells(lmpnb_notebook *nb, const char *cells, lmpnbi_slot_fn slot, void *ctx)
{
    const char *p = cells, *body = NULL;
    cell_kind kind = CELL_NONE;

    while (lmpnb_notebook_status(nb) == LMPVIZ_OK && *p != '\0') {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl + 1 : p + strlen(p);
        if (strncmp(p, "%% ", 3) == 0) {
            if (body != NULL)
                emit(nb, kind, body, (size_t)(p - body));
            body = NULL;
            kind = CELL_NONE;
            if (lmpnb_notebook_status(nb) != LMPVIZ_OK)
                break;
            kind = open_cell(nb, p + 3, (size_t)((nl ? nl : end) - (p + 3)), slot, ctx);
            if (kind != CELL_NONE)
                body = end;
        }
        p = end;
    }
    if (body != NULL)
        emit(nb, kind, body, (size_t)(p - body));
}
