/* viz_internal.h - helpers shared by the sources of liblmpviz;
 * internal to liblmpviz. */
#ifndef LMPVIZ_VIZ_INTERNAL_H
#define LMPVIZ_VIZ_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "lmpviz.h"

/* Writes cairo ARGB32 pixels (premultiplied, native-endian uint32 rows of
 * stride bytes) as an RGB PNG when every pixel is opaque, RGBA otherwise
 * (un-premultiplied), with zlib level `level` (0..9) to an open stream.
 * LMPVIZ_OK, LMPVIZ_ERR_IO or LMPVIZ_ERR_NOMEM. */
lmpviz_status lmpvizi_png_write_argb(FILE *fp,
                                     const unsigned char *data,
                                     size_t width,
                                     size_t height,
                                     size_t stride,
                                     int level,
                                     lmpviz_err *err);

/* Memory the process can still get: MemAvailable of /proc/meminfo (else
 * sysconf's available pages), lowered to the room left under a cgroup v2
 * memory.max.  0 when unknown (then callers do not check).  In core/memory.c. */
unsigned long long lmpvizi_mem_available(void);

/* Records status, with a message, as fig's failure unless it has one (nil
 * figures keep theirs); later calls on the figure and its panels then do
 * nothing.  For the figure builders of liblmpviz. */
void lmpvizi_figure_fail(lmpviz_figure *fig, lmpviz_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A nil figure for a builder given nothing to draw (LMPVIZ_ERR_INVALID_ARG)
 * or out of memory (LMPVIZ_ERR_NOMEM). */
lmpviz_figure *lmpvizi_figure_nil(lmpviz_status status);

/* The same for the figure that holds panel. */
void lmpvizi_panel_fail(lmpviz_panel *panel, lmpviz_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Opaque cairo ARGB32 pixels (native-endian uint32) to RGB bytes, in place
 * in the same buffer (n pixels; the RGB rows are packed). */
void lmpvizi_argb_to_rgb(unsigned char *data, size_t n);

#endif /* LMPVIZ_VIZ_INTERNAL_H */
