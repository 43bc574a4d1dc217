/*
 * draw.c - drawing a laid-out figure on a cairo context: axes, series,
 * markers, arrows, images, colour bars, legends.
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo.h>

#include "plot_internal.h"

/* ------------------------------------------------------------------------
 * Drawing
 */

/* Draws s so that the anchor point of its box is (x, y).  angle 0 or -pi/2. */
static void
draw_text(
    cairo_t *cr, double size, const char *s, double x, double y, lmpviz_anchor anchor, double angle)
{
    cairo_font_extents_t fe;
    cairo_text_extents_t te;
    double w, h, ox, oy;

    lmpvizi_set_font(cr, size);
    cairo_font_extents(cr, &fe);
    cairo_text_extents(cr, s, &te);
    w = te.x_advance;
    h = fe.ascent + fe.descent;
    switch (anchor) {
    case LMPVIZ_ANCHOR_W:
    case LMPVIZ_ANCHOR_NW:
    case LMPVIZ_ANCHOR_SW:
        ox = 0.0;
        break;
    case LMPVIZ_ANCHOR_E:
    case LMPVIZ_ANCHOR_NE:
    case LMPVIZ_ANCHOR_SE:
        ox = -w;
        break;
    default:
        ox = -0.5 * w;
        break;
    }
    switch (anchor) {
    case LMPVIZ_ANCHOR_N:
    case LMPVIZ_ANCHOR_NE:
    case LMPVIZ_ANCHOR_NW:
        oy = fe.ascent;
        break;
    case LMPVIZ_ANCHOR_S:
    case LMPVIZ_ANCHOR_SE:
    case LMPVIZ_ANCHOR_SW:
        oy = -fe.descent;
        break;
    default:
        oy = fe.ascent - 0.5 * h;
        break;
    }
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle);
    cairo_move_to(cr, ox, oy);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

static void
set_color(cairo_t *cr, lmpviz_color c)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
}

static void
set_dash(cairo_t *cr, lmpviz_dash dash, double lw)
{
    /* matplotlib's patterns, scaled by the line width as it does. */
    static const double dashed[] = { 3.7, 1.6 };
    static const double dotted[] = { 1.0, 1.65 };
    static const double dashdot[] = { 6.4, 1.6, 1.0, 1.6 };
    double pat[4];
    const double *src = NULL;
    int n = 0, i;

    switch (dash) {
    case LMPVIZ_DASH_DASHED:
        src = dashed;
        n = 2;
        break;
    case LMPVIZ_DASH_DOTTED:
        src = dotted;
        n = 2;
        break;
    case LMPVIZ_DASH_DASHDOT:
        src = dashdot;
        n = 4;
        break;
    default:
        break;
    }
    for (i = 0; i < n; i++)
        pat[i] = src[i] * (lw > 0.0 ? lw : 1.0);
    cairo_set_dash(cr, pat, n, 0.0);
}

static void
stroke_style(cairo_t *cr, const lmpviz_style *s)
{
    set_color(cr, s->color);
    cairo_set_line_width(cr, s->line_width);
    set_dash(cr, s->dash, s->line_width);
    cairo_set_line_cap(cr,
                       s->dash == LMPVIZ_DASH_DOTTED ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0.0);
}

/* Fills the current path with the style's fill (if any), then strokes it
 * with its line (if any); the path is consumed. */
static void
fill_and_stroke(cairo_t *cr, const lmpviz_style *style)
{
    if (style->fill_alpha > 0.0) {
        lmpviz_color c = style->color;
        c.a *= style->fill_alpha;
        set_color(cr, c);
        cairo_fill_preserve(cr);
    }
    if (style->line_width > 0.0)
        stroke_style(cr, style);
    else
        cairo_new_path(cr);
}

static void
draw_marker(cairo_t *cr, const lmpviz_style *s, double x, double y)
{
    double d = s->marker_size > 0.0 ? s->marker_size : 6.0;
    double r = 0.5 * d;

    switch (s->marker) {
    case LMPVIZ_MARKER_CIRCLE:
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0.0, 2.0 * PLOT_PI);
        break;
    case LMPVIZ_MARKER_SQUARE:
        cairo_rectangle(cr, x - r * 0.85, y - r * 0.85, 1.7 * r, 1.7 * r);
        break;
    case LMPVIZ_MARKER_DIAMOND:
        cairo_move_to(cr, x, y - r * 1.15);
        cairo_line_to(cr, x + r * 0.85, y);
        cairo_line_to(cr, x, y + r * 1.15);
        cairo_line_to(cr, x - r * 0.85, y);
        cairo_close_path(cr);
        break;
    case LMPVIZ_MARKER_TRIANGLE:
        cairo_move_to(cr, x, y - r * 1.1);
        cairo_line_to(cr, x + r, y + r * 0.75);
        cairo_line_to(cr, x - r, y + r * 0.75);
        cairo_close_path(cr);
        break;
    default:
        return;
    }
    set_color(cr, s->color);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 1.0, 1.0, 1.0, 0.9);
    cairo_set_line_width(cr, 0.6);
    cairo_stroke(cr);
}

/* Builds the path of a series, dropping points that cannot be mapped (the
 * line breaks there) and decimating long monotone series. */
static void
series_path(cairo_t *cr, const lmpviz_panel *pn, const plot_item *it, int close)
{
    size_t k;
    int pen = 0;
    int decimate = it->n >= DECIMATE_MIN;
    /* bin state for decimation */
    long bin = 0;
    int in_bin = 0;
    double fx = 0, fy = 0, mnx = 0, mny = 0, mxx = 0, mxy = 0, lx = 0, ly = 0;
    size_t imn = 0, imx = 0;

    for (k = 1; decimate && k < it->n; k++) {
        if (it->x[k] < it->x[k - 1])
            decimate = 0;
    }
    for (k = 0; k < it->n; k++) {
        double px, py;
        if (lmpvizi_to_pt(pn, it->x[k], it->y[k], &px, &py) != 0) {
            if (in_bin) {
                cairo_line_to(cr, lx, ly);
                in_bin = 0;
            }
            pen = 0;
            continue;
        }
        if (!decimate) {
            if (pen)
                cairo_line_to(cr, px, py);
            else
                cairo_move_to(cr, px, py);
            pen = 1;
            continue;
        }
        {
            long b = (long)floor(px * 2.0);
            if (in_bin && b == bin) {
                if (py < mny) {
                    mny = py;
                    mnx = px;
                    imn = k;
                }
                if (py > mxy) {
                    mxy = py;
                    mxx = px;
                    imx = k;
                }
                lx = px;
                ly = py;
                continue;
            }
            if (in_bin) {
                /* flush: min and max in the order they occurred */
                if (imn < imx) {
                    cairo_line_to(cr, mnx, mny);
                    cairo_line_to(cr, mxx, mxy);
                } else {
                    cairo_line_to(cr, mxx, mxy);
                    cairo_line_to(cr, mnx, mny);
                }
                cairo_line_to(cr, lx, ly);
            }
            if (pen)
                cairo_line_to(cr, px, py);
            else
                cairo_move_to(cr, px, py);
            pen = 1;
            in_bin = 1;
            bin = b;
            fx = mnx = mxx = lx = px;
            fy = mny = mxy = ly = py;
            imn = imx = k;
        }
    }
    if (in_bin) {
        cairo_line_to(cr, mnx, mny);
        cairo_line_to(cr, mxx, mxy);
        cairo_line_to(cr, lx, ly);
    }
    (void)fx;
    (void)fy;
    if (close && pen)
        cairo_close_path(cr);
}

static void
draw_arrow(cairo_t *cr, const lmpviz_panel *pn, const plot_item *it)
{
    double x0, y0, x1, y1, dx, dy, len, ux, uy;
    double lw = it->style.line_width > 0.0 ? it->style.line_width : 1.5;
    double head = 4.0 + 3.0 * lw;

    if (lmpvizi_to_pt(pn, it->x[0], it->y[0], &x0, &y0) != 0 ||
        lmpvizi_to_pt(pn, it->x[1], it->y[1], &x1, &y1) != 0)
        return;
    dx = x1 - x0;
    dy = y1 - y0;
    len = hypot(dx, dy);
    if (len < 1e-9)
        return;
    ux = dx / len;
    uy = dy / len;
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1 - ux * head * 0.8, y1 - uy * head * 0.8);
    stroke_style(cr, &it->style);
    cairo_move_to(cr, x1, y1);
    cairo_line_to(cr, x1 - ux * head - uy * head * 0.4, y1 - uy * head + ux * head * 0.4);
    cairo_line_to(cr, x1 - ux * head + uy * head * 0.4, y1 - uy * head - ux * head * 0.4);
    cairo_close_path(cr);
    set_color(cr, it->style.color);
    cairo_fill(cr);
}

static void
draw_image(cairo_t *cr, const lmpviz_panel *pn, const plot_item *it)
{
    double left, top, right, bottom;
    cairo_surface_t *img;
    cairo_pattern_t *pat;

    if (lmpvizi_to_pt(pn, it->x[0], it->y[1], &left, &top) != 0 ||
        lmpvizi_to_pt(pn, it->x[1], it->y[0], &right, &bottom) != 0 || !(right > left) ||
        !(bottom > top))
        return;
    /* cairo only reads the pixels; the item keeps them alive until the
     * surface is destroyed below. */
    img = cairo_image_surface_create_for_data((unsigned char *)it->pix, CAIRO_FORMAT_ARGB32,
                                              (int)it->iw, (int)it->ih,
                                              (int)(it->iw * sizeof(uint32_t)));
    cairo_save(cr);
    cairo_translate(cr, left, top);
    cairo_scale(cr, (right - left) / (double)it->iw, (bottom - top) / (double)it->ih);
    cairo_set_source_surface(cr, img, 0.0, 0.0);
    pat = cairo_get_source(cr);
    cairo_pattern_set_filter(pat, it->smooth ? CAIRO_FILTER_GOOD : CAIRO_FILTER_NEAREST);
    /* PAD: no fade to transparent at the image border when filtering. */
    cairo_pattern_set_extend(pat, CAIRO_EXTEND_PAD);
    cairo_rectangle(cr, 0.0, 0.0, (double)it->iw, (double)it->ih);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
}

static void
draw_colorbar(cairo_t *cr, const lmpviz_panel *pn)
{
    const colorbar *cb = &pn->cbar;
    double x = pn->ax + pn->aw + CBAR_GAP;
    double y = pn->ay, h = pn->ah;
    double tw = 0.0;
    size_t k;

    /* A gradient through every colour: no seams between bands. */
    if (cb->n_colors == 1) {
        set_color(cr, cb->colors[0]);
    } else {
        cairo_pattern_t *g = cairo_pattern_create_linear(0.0, y + h, 0.0, y);
        for (k = 0; k < cb->n_colors; k++)
            cairo_pattern_add_color_stop_rgba(g, (double)k / (double)(cb->n_colors - 1),
                                              cb->colors[k].r, cb->colors[k].g, cb->colors[k].b,
                                              cb->colors[k].a);
        cairo_set_source(cr, g);
        cairo_pattern_destroy(g);
    }
    cairo_rectangle(cr, x, y, CBAR_WIDTH, h);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    cairo_set_line_width(cr, AXIS_LW);
    cairo_rectangle(cr, x, y, CBAR_WIDTH, h);
    cairo_stroke(cr);
    for (k = 0; k < cb->n_ticks; k++) {
        double ty = y + h * (1.0 - cb->pos[k]);
        cairo_move_to(cr, x + CBAR_WIDTH, ty);
        cairo_line_to(cr, x + CBAR_WIDTH + TICK_LEN, ty);
    }
    cairo_stroke(cr);
    for (k = 0; k < cb->n_ticks; k++) {
        double ty = y + h * (1.0 - cb->pos[k]);
        draw_text(cr, FONT_TICK, cb->ticks[k], x + CBAR_WIDTH + TICK_LEN + TICK_PAD, ty,
                  LMPVIZ_ANCHOR_W, 0.0);
        tw = fmax(tw, lmpvizi_text_width(cr, FONT_TICK, cb->ticks[k]));
    }
    if (cb->label != NULL)
        draw_text(cr, FONT_LABEL, cb->label, x + CBAR_WIDTH + TICK_LEN + TICK_PAD + tw + LABEL_PAD,
                  y + 0.5 * h, LMPVIZ_ANCHOR_S, 0.5 * PLOT_PI);
}

static void
draw_item(cairo_t *cr, const lmpviz_panel *pn, const plot_item *it)
{
    size_t k;
    double px, py;

    switch (it->kind) {
    case ITEM_POLYGON:
        series_path(cr, pn, it, 1);
        fill_and_stroke(cr, &it->style);
        break;
    case ITEM_SERIES:
        if (it->style.line_width > 0.0 && it->n > 1) {
            series_path(cr, pn, it, 0);
            stroke_style(cr, &it->style);
        }
        if (it->style.marker != LMPVIZ_MARKER_NONE) {
            for (k = 0; k < it->n; k++) {
                if (lmpvizi_to_pt(pn, it->x[k], it->y[k], &px, &py) == 0)
                    draw_marker(cr, &it->style, px, py);
            }
        }
        break;
    case ITEM_HLINE:
        if (lmpvizi_axis_transform(&pn->ya, it->v, &py) == 0) {
            py = lmpvizi_y_pt(pn, py);
            cairo_move_to(cr, pn->ax, py);
            cairo_line_to(cr, pn->ax + pn->aw, py);
            stroke_style(cr, &it->style);
        }
        break;
    case ITEM_VLINE:
        if (lmpvizi_axis_transform(&pn->xa, it->v, &px) == 0) {
            px = lmpvizi_x_pt(pn, px);
            cairo_move_to(cr, px, pn->ay);
            cairo_line_to(cr, px, pn->ay + pn->ah);
            stroke_style(cr, &it->style);
        }
        break;
    case ITEM_ARROW:
        draw_arrow(cr, pn, it);
        break;
    case ITEM_TEXT:
        if (lmpvizi_to_pt(pn, it->x[0], it->y[0], &px, &py) == 0) {
            set_color(cr, it->style.color);
            draw_text(cr, it->size, it->label, px + it->dx, py + it->dy, it->anchor, 0.0);
        }
        break;
    case ITEM_IMAGE:
        draw_image(cr, pn, it);
        break;
    }
}

static void
draw_legend(cairo_t *cr, const lmpviz_panel *pn)
{
    double row = LEGEND_ROW * FONT_LEGEND;
    size_t i, e = 0;

    cairo_new_path(cr);
    cairo_rectangle(cr, pn->lx, pn->ly, pn->lw, pn->lh);
    cairo_set_source_rgba(cr, 1.0, 1.0, 1.0, 0.9);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(cr, AXIS_LW);
    cairo_stroke(cr);

    for (i = 0; i < pn->n_items; i++) {
        const plot_item *it = &pn->items[i];
        size_t col, r;
        double x, y;

        if (it->label == NULL || it->kind == ITEM_TEXT)
            continue;
        col = e / pn->legend_rows;
        r = e % pn->legend_rows;
        e++;
        x = pn->lx + LEGEND_PAD + (double)col * (pn->legend_col_w + 2.0 * LEGEND_GAP);
        y = pn->ly + LEGEND_PAD + ((double)r + 0.5) * row;
        if (it->kind == ITEM_POLYGON && it->style.fill_alpha > 0.0) {
            cairo_rectangle(cr, x + 2.0, y - 0.3 * row, LEGEND_SAMPLE - 4.0, 0.6 * row);
            fill_and_stroke(cr, &it->style);
        } else {
            if (it->style.line_width > 0.0) {
                cairo_move_to(cr, x, y);
                cairo_line_to(cr, x + LEGEND_SAMPLE, y);
                stroke_style(cr, &it->style);
            }
            if (it->style.marker != LMPVIZ_MARKER_NONE)
                draw_marker(cr, &it->style, x + 0.5 * LEGEND_SAMPLE, y);
        }
        cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
        draw_text(cr, FONT_LEGEND, it->label, x + LEGEND_SAMPLE + LEGEND_GAP, y, LMPVIZ_ANCHOR_W,
                  0.0);
    }
}

/* Title, axis labels and legend of a panel whose axes are hidden. */
static void
draw_panel_labels(cairo_t *cr, const lmpviz_panel *pn)
{
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    if (pn->xlabel != NULL)
        draw_text(cr, FONT_LABEL, pn->xlabel, pn->ax + 0.5 * pn->aw, pn->ay + pn->ah + LABEL_PAD,
                  LMPVIZ_ANCHOR_N, 0.0);
    if (pn->ylabel != NULL)
        draw_text(cr, FONT_LABEL, pn->ylabel, pn->ax - LABEL_PAD, pn->ay + 0.5 * pn->ah,
                  LMPVIZ_ANCHOR_S, -0.5 * PLOT_PI);
    if (pn->title != NULL)
        draw_text(cr, FONT_TITLE, pn->title, pn->ax + 0.5 * pn->aw, pn->ay - TITLE_PAD,
                  LMPVIZ_ANCHOR_S, 0.0);
    if (pn->has_legend)
        draw_legend(cr, pn);
}

static void
draw_panel(cairo_t *cr, const lmpviz_panel *pn)
{
    size_t i, k;
    double bottom = pn->ay + pn->ah;
    double tick_h = lmpvizi_text_height(cr, FONT_TICK);

    /* grid */
    if (pn->grid) {
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_set_line_width(cr, 0.6);
        for (k = 0; k < pn->xa.tk.n_ticks; k++) {
            double x = lmpvizi_x_pt(pn, pn->xa.tk.ticks[k]);
            cairo_move_to(cr, x, pn->ay);
            cairo_line_to(cr, x, bottom);
        }
        for (k = 0; k < pn->ya.tk.n_ticks; k++) {
            double y = lmpvizi_y_pt(pn, pn->ya.tk.ticks[k]);
            cairo_move_to(cr, pn->ax, y);
            cairo_line_to(cr, pn->ax + pn->aw, y);
        }
        cairo_stroke(cr);
    }

    /* data, clipped to the axes */
    cairo_save(cr);
    cairo_rectangle(cr, pn->ax, pn->ay, pn->aw, pn->ah);
    cairo_clip(cr);
    for (i = 0; i < pn->n_items; i++) {
        if (pn->items[i].kind != ITEM_TEXT)
            draw_item(cr, pn, &pn->items[i]);
    }
    cairo_restore(cr);
    for (i = 0; i < pn->n_items; i++) {
        if (pn->items[i].kind == ITEM_TEXT)
            draw_item(cr, pn, &pn->items[i]);
    }

    if (pn->cbar.n_colors > 0)
        draw_colorbar(cr, pn);
    if (pn->axes_off) {
        draw_panel_labels(cr, pn);
        return;
    }

    /* spines */
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    cairo_set_line_width(cr, AXIS_LW);
    cairo_rectangle(cr, pn->ax, pn->ay, pn->aw, pn->ah);
    cairo_stroke(cr);

    /* ticks and labels */
    for (k = 0; k < pn->xa.tk.n_ticks; k++) {
        double x = lmpvizi_x_pt(pn, pn->xa.tk.ticks[k]);
        cairo_move_to(cr, x, bottom);
        cairo_line_to(cr, x, bottom + TICK_LEN);
    }
    for (k = 0; k < pn->xa.tk.n_minor; k++) {
        double x = lmpvizi_x_pt(pn, pn->xa.tk.minor[k]);
        cairo_move_to(cr, x, bottom);
        cairo_line_to(cr, x, bottom + 0.55 * TICK_LEN);
    }
    for (k = 0; k < pn->ya.tk.n_ticks; k++) {
        double y = lmpvizi_y_pt(pn, pn->ya.tk.ticks[k]);
        cairo_move_to(cr, pn->ax, y);
        cairo_line_to(cr, pn->ax - TICK_LEN, y);
    }
    for (k = 0; k < pn->ya.tk.n_minor; k++) {
        double y = lmpvizi_y_pt(pn, pn->ya.tk.minor[k]);
        cairo_move_to(cr, pn->ax, y);
        cairo_line_to(cr, pn->ax - 0.55 * TICK_LEN, y);
    }
    cairo_stroke(cr);
    for (k = 0; k < pn->xa.tk.n_ticks; k++)
        draw_text(cr, FONT_TICK, pn->xa.tk.labels[k], lmpvizi_x_pt(pn, pn->xa.tk.ticks[k]),
                  bottom + TICK_LEN + TICK_PAD, LMPVIZ_ANCHOR_N, 0.0);
    for (k = 0; k < pn->ya.tk.n_ticks; k++)
        draw_text(cr, FONT_TICK, pn->ya.tk.labels[k], pn->ax - TICK_LEN - TICK_PAD,
                  lmpvizi_y_pt(pn, pn->ya.tk.ticks[k]), LMPVIZ_ANCHOR_E, 0.0);
    if (pn->ya.tk.mult[0] != '\0')
        draw_text(cr, FONT_TICK, pn->ya.tk.mult, pn->ax, pn->ay - 2.0, LMPVIZ_ANCHOR_SW, 0.0);
    if (pn->xa.tk.mult[0] != '\0')
        draw_text(cr, FONT_TICK, pn->xa.tk.mult, pn->ax + pn->aw,
                  bottom + TICK_LEN + TICK_PAD + tick_h, LMPVIZ_ANCHOR_NE, 0.0);

    /* axis labels and title */
    if (pn->xlabel != NULL)
        draw_text(cr, FONT_LABEL, pn->xlabel, pn->ax + 0.5 * pn->aw,
                  bottom + TICK_LEN + TICK_PAD + tick_h + LABEL_PAD, LMPVIZ_ANCHOR_N, 0.0);
    if (pn->ylabel != NULL)
        draw_text(cr, FONT_LABEL, pn->ylabel,
                  pn->ax - TICK_LEN - TICK_PAD - pn->ytick_w - LABEL_PAD, pn->ay + 0.5 * pn->ah,
                  LMPVIZ_ANCHOR_S, -0.5 * PLOT_PI);
    if (pn->title != NULL) {
        double top = pn->ay - TITLE_PAD;
        if (pn->ya.tk.mult[0] != '\0' || pn->xa.tk.mult[0] != '\0')
            top -= tick_h;
        draw_text(cr, FONT_TITLE, pn->title, pn->ax + 0.5 * pn->aw, top, LMPVIZ_ANCHOR_S, 0.0);
    }
    if (pn->has_legend)
        draw_legend(cr, pn);
}

void
lmpvizi_draw_figure(cairo_t *cr, const lmpviz_figure *fig)
{
    size_t i;

    cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
    cairo_paint(cr);
    if (fig->title != NULL) {
        cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
        draw_text(cr, FONT_SUPTITLE, fig->title, 0.5 * fig->width, CELL_PAD, LMPVIZ_ANCHOR_N, 0.0);
    }
    for (i = 0; i < fig->rows * fig->cols; i++)
        draw_panel(cr, &fig->panels[i]);
}
