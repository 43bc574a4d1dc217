/*
 * layout.c - where everything goes: data to point coordinates, text
 * measurement, axis limits and ticks per panel, legends and the layout of
 * panels in the figure.
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
 * Coordinates
 */

int
lmpvizi_axis_transform(const axis *a, double v, double *out)
{
    if (!isfinite(v))
        return -1;
    if (a->log) {
        if (!(v > 0.0))
            return -1;
        v = log10(v);
    }
    *out = v;
    return 0;
}

/* Data -> points; -1 when the point has no place on the axes. */
int
lmpvizi_to_pt(const lmpviz_panel *pn, double x, double y, double *px, double *py)
{
    double tx, ty;
    if (lmpvizi_axis_transform(&pn->xa, x, &tx) != 0 ||
        lmpvizi_axis_transform(&pn->ya, y, &ty) != 0)
        return -1;
    *px = pn->ax + pn->aw * (tx - pn->xa.lo) / (pn->xa.hi - pn->xa.lo);
    *py = pn->ay + pn->ah * (1.0 - (ty - pn->ya.lo) / (pn->ya.hi - pn->ya.lo));
    return 0;
}

double
lmpvizi_x_pt(const lmpviz_panel *pn, double tx)
{
    return pn->ax + pn->aw * (tx - pn->xa.lo) / (pn->xa.hi - pn->xa.lo);
}

double
lmpvizi_y_pt(const lmpviz_panel *pn, double ty)
{
    return pn->ay + pn->ah * (1.0 - (ty - pn->ya.lo) / (pn->ya.hi - pn->ya.lo));
}

lmpviz_status
lmpviz_panel_to_pixel(const lmpviz_panel *panel, double x, double y, double *px, double *py)
{
    double tx, ty;
    assert(panel != NULL);
    if (!panel->laid_out || px == NULL || py == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    if (lmpvizi_to_pt(panel, x, y, &tx, &ty) != 0)
        return LMPVIZ_ERR_INVALID_ARG;
    *px = tx * panel->scale;
    *py = ty * panel->scale;
    return LMPVIZ_OK;
}

lmpviz_status
lmpviz_panel_area(const lmpviz_panel *panel, double *x, double *y, double *w, double *h)
{
    assert(panel != NULL);
    if (!panel->laid_out)
        return LMPVIZ_ERR_INVALID_ARG;
    if (x != NULL)
        *x = panel->ax * panel->scale;
    if (y != NULL)
        *y = panel->ay * panel->scale;
    if (w != NULL)
        *w = panel->aw * panel->scale;
    if (h != NULL)
        *h = panel->ah * panel->scale;
    return LMPVIZ_OK;
}

/* ------------------------------------------------------------------------
 * Text
 */

void
lmpvizi_set_font(cairo_t *cr, double size)
{
    cairo_select_font_face(cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double
lmpvizi_text_width(cairo_t *cr, double size, const char *s)
{
    cairo_text_extents_t te;
    lmpvizi_set_font(cr, size);
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

/* Height of a line of text: ascent + descent of the font. */
double
lmpvizi_text_height(cairo_t *cr, double size)
{
    cairo_font_extents_t fe;
    lmpvizi_set_font(cr, size);
    cairo_font_extents(cr, &fe);
    return fe.ascent + fe.descent;
}

/* True when neighbouring x labels of a leave at least TICK_GAP_X free on an
 * axis of length len points. */
static int
x_labels_fit(cairo_t *cr, const axis *a, double len)
{
    const double span = a->hi - a->lo;
    size_t k;

    for (k = 1; k < a->tk.n_ticks; k++) {
        double gap = (a->tk.ticks[k] - a->tk.ticks[k - 1]) / span * len;
        double need = 0.5 * (lmpvizi_text_width(cr, FONT_TICK, a->tk.labels[k]) +
                             lmpvizi_text_width(cr, FONT_TICK, a->tk.labels[k - 1])) +
                      TICK_GAP_X;
        if (gap < need)
            return 0;
    }
    return 1;
}

/* Ticks for an axis of length len points.  For x (horizontal) labels the
 * step grows until neighbouring labels leave TICK_GAP_X free. */
static void
axis_ticks(cairo_t *cr, axis *a, double len, int horizontal)
{
    double span = a->hi - a->lo;
    double target = len / (horizontal ? 60.0 : 38.0);
    double step;
    int tries;

    target = fmin(fmax(target, 3.0), 10.0);
    if (a->log) {
        size_t max_labels = (size_t)target + 1;
        for (tries = 0; tries < 20; tries++) {
            lmpvizi_ticks_log(&a->tk, a->lo, a->hi, max_labels);
            if (!horizontal || a->tk.n_ticks < 2 || x_labels_fit(cr, a, len) || max_labels <= 2)
                return;
            max_labels--;
        }
        return;
    }
    step = lmpvizi_nice_step(span / target);
    for (tries = 0; tries < 20; tries++) {
        /* counts (pixel ranks): steps of 1, 2, 5, 10, ... */
        while (a->integer && (step < 1.0 || fabs(step - nearbyint(step)) > 1e-9))
            step = lmpvizi_nice_step(step * 1.01);
        lmpvizi_ticks_linear(&a->tk, a->lo, a->hi, step);
        if (horizontal ? x_labels_fit(cr, a, len) : len / (span / step) >= 1.6 * FONT_TICK)
            return;
        step = lmpvizi_nice_step(step * 1.01);
    }
}

/* ------------------------------------------------------------------------
 * Layout
 */

/* Data range of the items along one axis (after the log transform). */
static void
data_range(const lmpviz_panel *pn, int for_y, int log, double *lo, double *hi)
{
    size_t i, k;
    double mn = INFINITY, mx = -INFINITY;

    for (i = 0; i < pn->n_items; i++) {
        const plot_item *it = &pn->items[i];
        if (it->kind == ITEM_TEXT)
            continue;
        if (it->kind == ITEM_HLINE || it->kind == ITEM_VLINE) {
            double v = it->v;
            if ((it->kind == ITEM_HLINE) != (for_y != 0))
                continue;
            if (log && !(v > 0.0))
                continue;
            v = log ? log10(v) : v;
            mn = fmin(mn, v);
            mx = fmax(mx, v);
            continue;
        }
        for (k = 0; k < it->n; k++) {
            double v = for_y ? it->y[k] : it->x[k];
            if (!isfinite(v) || (log && !(v > 0.0)))
                continue;
            v = log ? log10(v) : v;
            mn = fmin(mn, v);
            mx = fmax(mx, v);
        }
    }
    *lo = mn;
    *hi = mx;
}

static void
axis_limits(const lmpviz_panel *pn, axis *a, int for_y)
{
    const double *lim = for_y ? pn->ylim : pn->xlim;
    double lo, hi, fixed_lo = NAN, fixed_hi = NAN;

    a->log = for_y ? pn->logy : pn->logx;
    a->integer = !for_y && pn->xinteger;
    data_range(pn, for_y, a->log, &lo, &hi);
    if (isfinite(lim[0]) && (!a->log || lim[0] > 0.0))
        fixed_lo = a->log ? log10(lim[0]) : lim[0];
    if (isfinite(lim[1]) && (!a->log || lim[1] > 0.0))
        fixed_hi = a->log ? log10(lim[1]) : lim[1];
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0.0; /* no data: [0, 1], or [1, 10] on a log axis */
        hi = 1.0;
    }
    if (isfinite(fixed_lo))
        lo = fixed_lo;
    if (isfinite(fixed_hi))
        hi = fixed_hi;
    if (!(hi > lo)) {
        double c = isfinite(fixed_lo) ? lo : (isfinite(fixed_hi) ? hi : 0.5 * (lo + hi));
        double d = a->log ? 0.5 : (c != 0.0 ? 0.1 * fabs(c) : 0.5);
        if (isfinite(fixed_lo) && !isfinite(fixed_hi))
            hi = lo + 2.0 * d;
        else if (isfinite(fixed_hi) && !isfinite(fixed_lo))
            lo = hi - 2.0 * d;
        else {
            lo = c - d;
            hi = c + d;
        }
    } else {
        double span = hi - lo;
        if (!isfinite(fixed_lo))
            lo -= AUTO_MARGIN * span;
        if (!isfinite(fixed_hi))
            hi += AUTO_MARGIN * span;
    }
    a->lo = lo;
    a->hi = hi;
}

static double
max_label_width(cairo_t *cr, const axis *a)
{
    double w = 0.0;
    size_t k;
    for (k = 0; k < a->tk.n_ticks; k++)
        w = fmax(w, lmpvizi_text_width(cr, FONT_TICK, a->tk.labels[k]));
    return w;
}

/* Entries that go in the legend. */
static size_t
legend_count(const lmpviz_panel *pn)
{
    size_t i, n = 0;
    for (i = 0; i < pn->n_items; i++) {
        if (pn->items[i].label != NULL && pn->items[i].kind != ITEM_TEXT)
            n++;
    }
    return n;
}

/* Measures the legend for rows of at most max_h points. */
static void
legend_measure(cairo_t *cr, lmpviz_panel *pn, double max_h)
{
    size_t i, n = legend_count(pn);
    double row = LEGEND_ROW * FONT_LEGEND;
    double textw = 0.0;
    size_t per_col;

    for (i = 0; i < pn->n_items; i++) {
        if (pn->items[i].label != NULL && pn->items[i].kind != ITEM_TEXT)
            textw = fmax(textw, lmpvizi_text_width(cr, FONT_LEGEND, pn->items[i].label));
    }
    per_col = (size_t)floor((max_h - 2.0 * LEGEND_PAD) / row);
    if (per_col < 1)
        per_col = 1;
    pn->legend_cols = (n + per_col - 1) / per_col;
    if (pn->legend_cols < 1)
        pn->legend_cols = 1;
    pn->legend_rows = (n + pn->legend_cols - 1) / pn->legend_cols;
    pn->legend_col_w = LEGEND_SAMPLE + LEGEND_GAP + textw;
    pn->lw = 2.0 * LEGEND_PAD + (double)pn->legend_cols * pn->legend_col_w +
             (double)(pn->legend_cols - 1) * 2.0 * LEGEND_GAP;
    pn->lh = 2.0 * LEGEND_PAD + (double)pn->legend_rows * row;
}

/* Liang-Barsky: does the segment touch the rectangle? */
static int
segment_hits(double x0, double y0, double x1, double y1, double rx, double ry, double rw, double rh)
{
    double t0 = 0.0, t1 = 1.0;
    double dx = x1 - x0, dy = y1 - y0;
    double p[4], q[4];
    int i;

    p[0] = -dx;
    q[0] = x0 - rx;
    p[1] = dx;
    q[1] = rx + rw - x0;
    p[2] = -dy;
    q[2] = y0 - ry;
    p[3] = dy;
    q[3] = ry + rh - y0;
    for (i = 0; i < 4; i++) {
        if (p[i] == 0.0) {
            if (q[i] < 0.0)
                return 0;
        } else {
            double r = q[i] / p[i];
            if (p[i] < 0.0) {
                if (r > t1)
                    return 0;
                if (r > t0)
                    t0 = r;
            } else {
                if (r < t0)
                    return 0;
                if (r < t1)
                    t1 = r;
            }
        }
    }
    return 1;
}

/* How much of the drawn data a legend box at (rx, ry) would cover. */
static size_t
legend_overlap(const lmpviz_panel *pn, double rx, double ry, double rw, double rh)
{
    size_t i, k, hits = 0;

    for (i = 0; i < pn->n_items; i++) {
        const plot_item *it = &pn->items[i];
        double px0 = 0, py0 = 0, px1, py1;
        int have = 0;
        size_t stride;

        switch (it->kind) {
        case ITEM_HLINE:
            if (lmpvizi_to_pt(pn, pn->xa.log ? pow(10.0, pn->xa.lo) : pn->xa.lo, it->v, &px0,
                              &py0) == 0 &&
                py0 >= ry && py0 <= ry + rh)
                hits += 100;
            break;
        case ITEM_VLINE:
            if (lmpvizi_to_pt(pn, it->v, pn->ya.log ? pow(10.0, pn->ya.lo) : pn->ya.lo, &px0,
                              &py0) == 0 &&
                px0 >= rx && px0 <= rx + rw)
                hits += 100;
            break;
        case ITEM_TEXT:
            break;
        case ITEM_IMAGE:
            if (lmpvizi_to_pt(pn, it->x[0], it->y[1], &px0, &py0) == 0 &&
                lmpvizi_to_pt(pn, it->x[1], it->y[0], &px1, &py1) == 0 && px0 < rx + rw &&
                px1 > rx && py0 < ry + rh && py1 > ry)
                hits += 100;
            break;
        default:
            stride = it->n > 20000 ? it->n / 20000 : 1;
            for (k = 0; k < it->n; k += stride) {
                if (lmpvizi_to_pt(pn, it->x[k], it->y[k], &px1, &py1) != 0) {
                    have = 0;
                    continue;
                }
                if (px1 >= rx && px1 <= rx + rw && py1 >= ry && py1 <= ry + rh)
                    hits += 10;
                else if (have && segment_hits(px0, py0, px1, py1, rx, ry, rw, rh))
                    hits += 10;
                px0 = px1;
                py0 = py1;
                have = 1;
            }
            if (it->kind == ITEM_POLYGON && it->n > 1 && have &&
                lmpvizi_to_pt(pn, it->x[0], it->y[0], &px1, &py1) == 0 &&
                segment_hits(px0, py0, px1, py1, rx, ry, rw, rh))
                hits += 10;
            break;
        }
    }
    return hits;
}

/* Picks a legend spot inside the axes that covers no data; 0 when none. */
static int
legend_place_inside(lmpviz_panel *pn)
{
    /* Fractions of the free space: upper right first, as matplotlib's "best". */
    static const double spots[][2] = { { 1, 0 },   { 0, 0 },   { 0, 1 },   { 1, 1 },    { 1, 0.5 },
                                       { 0, 0.5 }, { 0.5, 1 }, { 0.5, 0 }, { 0.5, 0.5 } };
    double fw = pn->aw - pn->lw - 2.0 * LEGEND_INSET;
    double fh = pn->ah - pn->lh - 2.0 * LEGEND_INSET;
    size_t i;

    if (fw < 0.0 || fh < 0.0)
        return 0;
    for (i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        double rx = pn->ax + LEGEND_INSET + spots[i][0] * fw;
        double ry = pn->ay + LEGEND_INSET + spots[i][1] * fh;
        if (legend_overlap(pn, rx, ry, pn->lw, pn->lh) == 0) {
            pn->lx = rx;
            pn->ly = ry;
            return 1;
        }
    }
    return 0;
}

static void
panel_layout(cairo_t *cr, lmpviz_panel *pn)
{
    double tick_h = lmpvizi_text_height(cr, FONT_TICK);
    double label_h = lmpvizi_text_height(cr, FONT_LABEL);
    double title_h = pn->title ? lmpvizi_text_height(cr, FONT_TITLE) + TITLE_PAD : 0.0;
    double left_label = pn->ylabel ? label_h + LABEL_PAD : 0.0;
    double bottom_label = pn->xlabel ? label_h + LABEL_PAD : 0.0;
    double ytick_w = 3.0 * FONT_TICK; /* first guess */
    double right_extra = 0.0;
    double legend_w = 0.0;
    int outside = pn->legend == LMPVIZ_LEGEND_OUTSIDE_RIGHT;
    size_t n_legend = legend_count(pn);
    double cbar_w = 0.0;
    int pass, it;

    if (pn->cbar.n_colors > 0) {
        size_t k;
        double tw = 0.0;
        for (k = 0; k < pn->cbar.n_ticks; k++)
            tw = fmax(tw, lmpvizi_text_width(cr, FONT_TICK, pn->cbar.ticks[k]));
        cbar_w = CBAR_GAP + CBAR_WIDTH + TICK_LEN + TICK_PAD + tw;
        if (pn->cbar.label != NULL)
            cbar_w += LABEL_PAD + label_h;
    }

    axis_limits(pn, &pn->xa, 0);
    axis_limits(pn, &pn->ya, 1);
    pn->has_legend = n_legend > 0 && pn->legend != LMPVIZ_LEGEND_NONE;

    for (pass = 0; pass < 2; pass++) {
        if (pn->has_legend && outside) {
            legend_measure(cr, pn, pn->ch - 2.0 * CELL_PAD - title_h);
            legend_w = pn->lw + LEGEND_GAP + CELL_PAD;
        }
        for (it = 0; it < 3; it++) {
            double top_extra = fmax(0.5 * tick_h, 0.0);
            double x_over;
            if (pn->ya.tk.mult[0] != '\0' || pn->xa.tk.mult[0] != '\0')
                top_extra = fmax(top_extra, tick_h + 2.0);
            if (pn->axes_off) {
                pn->ax = pn->cx + CELL_PAD + left_label;
                pn->ay = pn->cy + CELL_PAD + title_h;
                pn->aw = pn->cx + pn->cw - CELL_PAD - legend_w - cbar_w - pn->ax;
                pn->ah = pn->cy + pn->ch - CELL_PAD - bottom_label - pn->ay;
            } else {
                pn->ax = pn->cx + CELL_PAD + left_label + ytick_w + TICK_LEN + TICK_PAD;
                pn->ay = pn->cy + CELL_PAD + title_h + top_extra;
                pn->aw = pn->cx + pn->cw - CELL_PAD - right_extra - legend_w - cbar_w - pn->ax;
                pn->ah = pn->cy + pn->ch - CELL_PAD - bottom_label - tick_h - TICK_LEN - TICK_PAD -
                         pn->ay;
            }
            if (pn->aw < 10.0)
                pn->aw = 10.0;
            if (pn->ah < 10.0)
                pn->ah = 10.0;
            axis_ticks(cr, &pn->xa, pn->aw, 1);
            axis_ticks(cr, &pn->ya, pn->ah, 0);
            ytick_w = max_label_width(cr, &pn->ya);
            pn->ytick_w = ytick_w;
            if (pn->axes_off) {
                pn->ytick_w = 0.0;
                break;
            }
            /* The last x label may stick out right of the axes. */
            right_extra = 0.0;
            if (pn->xa.tk.n_ticks > 0) {
                size_t last = pn->xa.tk.n_ticks - 1;
                x_over = lmpvizi_x_pt(pn, pn->xa.tk.ticks[last]) +
                         0.5 * lmpvizi_text_width(cr, FONT_TICK, pn->xa.tk.labels[last]) -
                         (pn->ax + pn->aw);
                if (legend_w == 0.0 && x_over > 0.0)
                    right_extra = x_over;
            }
            if (pn->xa.tk.mult[0] != '\0' && legend_w == 0.0)
                right_extra =
                    fmax(right_extra, 0.5 * lmpvizi_text_width(cr, FONT_TICK, pn->xa.tk.mult));
        }
        if (pn->equal) {
            double sx = (pn->xa.hi - pn->xa.lo) / pn->aw;
            double sy = (pn->ya.hi - pn->ya.lo) / pn->ah;
            if (sx > sy) {
                double h = (pn->ya.hi - pn->ya.lo) / sx;
                pn->ay += 0.5 * (pn->ah - h);
                pn->ah = h;
            } else {
                double w = (pn->xa.hi - pn->xa.lo) / sy;
                pn->ax += 0.5 * (pn->aw - w);
                pn->aw = w;
            }
        }
        if (!pn->has_legend)
            break;
        if (outside) {
            pn->lx = pn->ax + pn->aw + LEGEND_GAP;
            if (pn->equal)
                pn->lx = fmin(pn->lx, pn->cx + pn->cw - CELL_PAD - pn->lw);
            pn->ly = pn->ay;
            break;
        }
        legend_measure(cr, pn, pn->ah - 2.0 * LEGEND_INSET);
        if (legend_place_inside(pn))
            break;
        outside = 1;
    }
}

static void
figure_layout(lmpviz_figure *fig, cairo_t *cr)
{
    double top = 0.0;
    size_t r, c;

    if (fig->title != NULL)
        top = lmpvizi_text_height(cr, FONT_SUPTITLE) + CELL_PAD;
    for (r = 0; r < fig->rows; r++) {
        for (c = 0; c < fig->cols; c++) {
            lmpviz_panel *pn = &fig->panels[r * fig->cols + c];
            pn->cw = fig->width / (double)fig->cols;
            pn->ch = (fig->height - top) / (double)fig->rows;
            pn->cx = (double)c * pn->cw;
            pn->cy = top + (double)r * pn->ch;
            pn->scale = fig->dpi / 72.0;
            panel_layout(cr, pn);
            pn->laid_out = 1;
        }
    }
}

void
lmpvizi_apply_font_options(cairo_t *cr)
{
    cairo_font_options_t *fo = cairo_font_options_create();
    /* Unhinted metrics: text measures the same at every scale and format. */
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
}

lmpviz_status
lmpviz_figure_layout(lmpviz_figure *fig, lmpviz_err *err)
{
    cairo_surface_t *s;
    cairo_t *cr;
    cairo_status_t cs;

    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        lmpviz_err_set(err, "%s", lmpviz_figure_error(fig));
        return lmpviz_figure_status(fig);
    }
    s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
    cr = cairo_create(s);
    lmpvizi_apply_font_options(cr);
    figure_layout(fig, cr);
    cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    if (cs != CAIRO_STATUS_SUCCESS) {
        lmpviz_err_set(err, "cairo: %s", cairo_status_to_string(cs));
        return LMPVIZ_ERR_CAIRO;
    }
    return LMPVIZ_OK;
}
