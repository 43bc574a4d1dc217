/* notebook_internal.h - helpers shared by the files of notebooks_export. */
#ifndef LMPNB_NOTEBOOK_INTERNAL_H
#define LMPNB_NOTEBOOK_INTERNAL_H

#include <stddef.h>

#include "lmpviz.h"

typedef struct lmpnb_notebook lmpnb_notebook;

/* A growing NUL-terminated string; oom is sticky (check it once at the end). */
typedef struct lmpnbi_sbuf {
    char *s;
    size_t len, cap;
    int oom;
} lmpnbi_sbuf;

void lmpnbi_sb_printf(lmpnbi_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lmpnbi_sb_free(lmpnbi_sbuf *b);

/* The text of cells/NAME.cells (embed_cells.cmake), NUL-terminated. */
extern const char *const lmpnbi_cells_intro;
extern const char *const lmpnbi_cells_solver;
extern const char *const lmpnbi_cells_widgets;
extern const char *const lmpnbi_cells_derivation;
extern const char *const lmpnbi_cells_algorithms;
extern const char *const lmpnbi_cells_compare;
extern const char *const lmpnbi_cells_heatmap;
extern const char *const lmpnbi_cells_exercises_curve;
extern const char *const lmpnbi_cells_exercises_paper;
extern const char *const lmpnbi_cells_exercises_region;

/* Records the notebook's first failure, with a message (printf format);
 * does nothing once it has failed, on a nil notebook or for LMPVIZ_OK. */
void lmpnbi_fail(lmpnb_notebook *nb, lmpviz_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with the message of err; "out of memory for the notebook" when
 * err says nothing of a LMPVIZ_ERR_NOMEM. */
void lmpnbi_fail_err(lmpnb_notebook *nb, lmpviz_status status, const lmpviz_err *err);
/* A notebook that failed with status and the message (printf format): what
 * a builder returns for a bad input. */
lmpnb_notebook *lmpnbi_failed(lmpviz_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Called for "%% slot NAME" lines that lmpnbi_add_cells does not know:
 * adds the caller's cells for NAME (data, a figure); failures, an unknown
 * NAME included, are the notebook's, and stop the walk. */
typedef void (*lmpnbi_slot_fn)(lmpnb_notebook *nb, const char *name, void *ctx);

/* Adds the cells of a cells text (format in notebook_cells.c).  The slots
 * intro, solver and widgets are the shared cells; any other goes to slot
 * (the notebook fails with LMPVIZ_ERR_INVALID_ARG when slot is NULL). */
void lmpnbi_add_cells(lmpnb_notebook *nb, const char *cells, lmpnbi_slot_fn slot, void *ctx);

/* Formatting and cell helpers (notebook_figures.c). */
const char *lmpnbi_py_num(double v, char *buf, size_t len);
void lmpnbi_sb_float_array(lmpnbi_sbuf *b, const float *v, size_t n, int indent, const char *dtype);
/* n floats as base64 of their little-endian float32 bytes, in a Python
 * expression that decodes them: np.frombuffer(base64.b64decode(...), '<f4'). */
void lmpnbi_sb_float_b64(lmpnbi_sbuf *b, const float *v, size_t n);
void lmpnbi_sb_py_str(lmpnbi_sbuf *b, const char *s);
void lmpnbi_sb_md_code(lmpnbi_sbuf *b, const char *s);
/* "m_px=..., tau=..., theta=..., value=..." of a solution, as Python
 * literals (the results every notebook embeds). */
void lmpnbi_sb_result(lmpnbi_sbuf *b, const lmp_result *r);
/* Adds b's text as a markdown (code = 0) or code cell, with the PNG as its
 * output; a buffer out of memory is the notebook's failure.  Frees b. */
void lmpnbi_add_cell(lmpnb_notebook *nb,
                     lmpnbi_sbuf *b,
                     int code,
                     const unsigned char *png,
                     size_t png_len,
                     const char *alt);
void lmpnbi_add_text(lmpnb_notebook *nb, int code, const char *text);
/* A markdown cell, then a code cell without output. */
void lmpnbi_add_md_code(lmpnb_notebook *nb, const char *md, const char *py);
/* The opening cells of every notebook: the figure's name in the metadata,
 * the header cell and the theory. */
void lmpnbi_add_intro(lmpnb_notebook *nb,
                      const char *figure,
                      const char *title,
                      const char *what,
                      const char *command);
/* The PNG bytes of lmpviz's figure (data NULL for none). */
typedef struct lmpnbi_png {
    unsigned char *data;
    size_t len;
} lmpnbi_png;

/* A new notebook, with fig (when not NULL) rendered into *png (free data);
 * a failed render is the notebook's failure. */
lmpnb_notebook *lmpnbi_open_notebook(lmpviz_figure *fig, lmpnbi_png *png);
/* A markdown cell, then the plotting code with lmpviz's PNG as its output. */
void lmpnbi_add_figure(lmpnb_notebook *nb,
                       const char *md,
                       const char *plot_py,
                       const lmpnbi_png *png,
                       const char *alt);

/* The heatmap notebook's loss map at reduced resolution, lmpviz's solution
 * on it, and the cells that redraw the weights from it (cells/heatmap.cells)
 * (notebook_heatmap_map.c). */
struct lmpnb_heatmap_input;
void lmpnbi_heatmap_map_cells(lmpnb_notebook *nb, const struct lmpnb_heatmap_input *in);

#endif /* LMPNB_NOTEBOOK_INTERNAL_H */
