/*
 * curve.c - LMP weight profiles over pixels sorted by decreasing loss
 * (`lmpviz curve`): the data (lmp_solve per (p, m)), the CSV export and the
 * panel drawing.
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "lmpviz.h"
#include "lmpviz_private.h"
#include "viz_internal.h"

#define UNIFORM_COLOR 0x555555UL

static int
cmp_desc(const void *a, const void *b)
{
    float x = *(const float *)a;
    float y = *(const float *)b;
    return (x < y) - (x > y);
}

void
lmpviz_curve_data_free(lmpviz_curve_data *data)
{
    size_t i;
    if (data == NULL)
        return;
    for (i = 0; i < data->n_series; i++)
        free(data->series[i].weight);
    free(data->series);
    free(data->loss);
    memset(data, 0, sizeof *data);
}

lmpviz_status
lmpviz_curve_compute(const float *loss,
                     size_t n,
                     const lmp_params *params,
                     size_t n_params,
                     lmpviz_curve_data *out,
                     lmpviz_err *err)
{
    size_t i;

    assert(out != NULL);
    memset(out, 0, sizeof *out);
    if (loss == NULL || n == 0 || params == NULL || n_params == 0) {
        lmpviz_err_set(err, "expected at least one loss and one (p, m) pair");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (n > SIZE_MAX / sizeof(float) || n_params > SIZE_MAX / sizeof(lmpviz_curve_series)) {
        lmpviz_err_set(err, "too many losses");
        return LMPVIZ_ERR_NOMEM;
    }
    /* Sorting needs a total order, so bad values are reported first, with
     * their index in the caller's array. */
    for (i = 0; i < n; i++) {
        if (!isfinite(loss[i]) || loss[i] < 0.0f) {
            lmpviz_err_set(err, "loss %zu is %g: expected a finite value >= 0", i, (double)loss[i]);
            return LMPVIZ_ERR_SOLVER;
        }
    }
    out->loss = malloc(n * sizeof *out->loss);
    out->series = calloc(n_params, sizeof *out->series);
    if (out->loss == NULL || out->series == NULL) {
        lmpviz_curve_data_free(out);
        lmpviz_err_set(err, "out of memory for %zu losses", n);
        return LMPVIZ_ERR_NOMEM;
    }
    out->n = n;
    out->n_series = n_params;
    memcpy(out->loss, loss, n * sizeof *loss);
    qsort(out->loss, n, sizeof *out->loss, cmp_desc);
    for (i = 0; i < n_params; i++) {
        lmpviz_curve_series *s = &out->series[i];
        lmp_status ls;
        s->params = params[i];
        s->weight = malloc(n * sizeof *s->weight);
        if (s->weight == NULL) {
            lmpviz_curve_data_free(out);
            lmpviz_err_set(err, "out of memory for %zu weights", n);
            return LMPVIZ_ERR_NOMEM;
        }
        ls = lmp_solve(out->loss, NULL, n, &params[i], s->weight, &s->result, NULL);
        if (ls == LMP_ERR_EMPTY)
            continue; /* all weights 0, a valid (if dull) curve */
        if (ls != LMP_OK) {
            lmpviz_err_set(err, "LMP solver failed for p = %g, m = %g: %s", params[i].p,
                           params[i].m, lmp_status_string(ls));
            lmpviz_curve_data_free(out);
            return ls == LMP_ERR_NOMEM ? LMPVIZ_ERR_NOMEM : LMPVIZ_ERR_SOLVER;
        }
    }
    return LMPVIZ_OK;
}

lmpviz_status
lmpviz_sample_float(const float *src, size_t n, size_t k, unsigned long seed, float *out)
{
    gsl_rng *r;
    int gs;

    if (src == NULL || out == NULL || k == 0 || k > n)
        return LMPVIZ_ERR_INVALID_ARG;
    r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r == NULL)
        return LMPVIZ_ERR_NOMEM;
    gsl_rng_set(r, seed);
    /* gsl_ran_choose keeps the input order, so a draw is reproducible and
     * independent of how the caller sorts afterwards. */
    gs = gsl_ran_choose(r, out, k, (void *)(uintptr_t)src, n, sizeof *src);
    gsl_rng_free(r);
    return gs == GSL_SUCCESS ? LMPVIZ_OK : LMPVIZ_ERR_INVALID_ARG;
}

/* ------------------------------------------------------------------------
 * Labels
 */

/* "0.1" or "10 px" */
static void
fmt_m(char *buf, size_t size, const lmp_params *params)
{
    if (params->m_pixels > 0.0)
        snprintf(buf, size, "%g px", params->m_pixels);
    else
        snprintf(buf, size, "%g", params->m);
}

static int
same_m(const lmp_params *a, const lmp_params *b)
{
    if ((a->m_pixels > 0.0) != (b->m_pixels > 0.0))
        return 0;
    return a->m_pixels > 0.0 ? a->m_pixels == b->m_pixels : a->m == b->m;
}

/* Index of the first series with the same p (by_p) or m as series i. */
static size_t
first_index(const lmpviz_curve_data *d, size_t i, int by_p)
{
    size_t j, distinct = 0;
    for (j = 0; j < i; j++) {
        int same = by_p ? d->series[j].params.p == d->series[i].params.p
                        : same_m(&d->series[j].params, &d->series[i].params);
        size_t k;
        int seen = 0;
        if (same)
            break;
        for (k = 0; k < j; k++) {
            if (by_p ? d->series[k].params.p == d->series[j].params.p
                     : same_m(&d->series[k].params, &d->series[j].params))
                seen = 1;
        }
        if (!seen)
            distinct++;
    }
    return distinct;
}

static size_t
count_distinct(const lmpviz_curve_data *d, int by_p)
{
    size_t i, n = 0;
    for (i = 0; i < d->n_series; i++) {
        size_t j;
        int seen = 0;
        for (j = 0; j < i; j++) {
            if (by_p ? d->series[j].params.p == d->series[i].params.p
                     : same_m(&d->series[j].params, &d->series[i].params))
                seen = 1;
        }
        if (!seen)
            n++;
    }
    return n;
}

/* ------------------------------------------------------------------------
 * Drawing
 */

static double
view_value(const lmpviz_curve_data *d, lmpviz_curve_view view, double w)
{
    return view == LMPVIZ_CURVE_SCALED ? (double)d->n * w : w;
}

/* The uniform reference, drawn first so the curves go over it. */
static void
curve_reference(lmpviz_panel *panel,
                const lmpviz_curve_data *data,
                lmpviz_curve_view view,
                double uniform)
{
    lmpviz_style ref = lmpviz_style_line(lmpviz_color_hex(UNIFORM_COLOR), LMPVIZ_DASH_DASHED);
    ref.line_width = 1.3;
    if (view == LMPVIZ_CURVE_CUMULATIVE) {
        double rx[2] = { 1.0, (double)data->n };
        double ry[2] = { 1.0 / (double)data->n, 1.0 };
        lmpviz_panel_add_series(panel, rx, ry, 2, &ref, "uniform: k/n");
    } else {
        lmpviz_panel_add_hline(panel, uniform, &ref,
                               view == LMPVIZ_CURVE_SCALED ? "uniform: n·w = 1"
                                                           : "uniform: w = 1/n");
    }
}

/* One dotted cap line for a single curve; returns its height (0 if none). */
static double
curve_cap_line(lmpviz_panel *panel, const lmpviz_curve_data *data, lmpviz_curve_view view)
{
    const lmpviz_curve_series *s = &data->series[0];
    lmpviz_style cap = lmpviz_style_line(lmpviz_palette_color(0), LMPVIZ_DASH_DOTTED);
    char label[128];
    double top;

    if (data->n_series != 1 || view == LMPVIZ_CURVE_CUMULATIVE)
        return 0.0;
    cap.line_width = 1.3;
    top = view_value(data, view, s->result.tau);
    snprintf(label, sizeof label, "cap τ = %.3g (%zu pixel%s at τ)", top, s->result.n_clamped,
             s->result.n_clamped == 1 ? "" : "s");
    lmpviz_panel_add_hline(panel, top, &cap, label);
    return top;
}

/* The legend label of series i. */
static void
curve_label(
    char *label, size_t size, const lmpviz_curve_data *data, size_t i, size_t n_p, size_t n_m)
{
    const lmpviz_curve_series *s = &data->series[i];
    char ps[32], ms[32];

    lmpviz_format_p(ps, sizeof ps, s->params.p);
    fmt_m(ms, sizeof ms, &s->params);
    if (data->n_series == 1)
        snprintf(label, size, "LMP weights w*");
    else if (n_m == 1)
        snprintf(label, size, "p = %s", ps);
    else if (n_p == 1)
        snprintf(label, size, "m = %s (%.4g px)", ms, s->result.m_px);
    else
        snprintf(label, size, "p = %s, m = %s", ps, ms);
}

/* Share of the total weight held by the first k pixels of s. */
static double
cumulative_share(const lmpviz_curve_series *s, size_t n, size_t k)
{
    double total = 0.0, run = 0.0;
    size_t j;
    for (j = 0; j < n; j++) {
        total += s->weight[j];
        if (j < k)
            run += s->weight[j];
    }
    return total > 0.0 ? run / total : 0.0;
}

/* One line per series; widens [*bottom, *top] to the values drawn. */
static void
curve_series(lmpviz_panel *panel,
             const lmpviz_curve_data *data,
             lmpviz_curve_view view,
             size_t n_p,
             size_t n_m,
             const double *x,
             double *y,
             double *bottom,
             double *top)
{
    static const lmpviz_dash dashes[] = { LMPVIZ_DASH_SOLID, LMPVIZ_DASH_DASHED,
                                          LMPVIZ_DASH_DASHDOT, LMPVIZ_DASH_DOTTED };
    const size_t n = data->n;
    size_t i, k;

    for (i = 0; i < data->n_series; i++) {
        const lmpviz_curve_series *s = &data->series[i];
        size_t ci = i, di = 0;
        lmpviz_style style;
        double total = 0.0, run = 0.0;
        char label[128];

        if (n_p > 1 && n_m > 1) {
            ci = first_index(data, i, 1);
            di = first_index(data, i, 0);
        }
        style = lmpviz_style_line(lmpviz_palette_color(ci), dashes[di % 4]);
        style.line_width = 1.8;
        if (n <= 40) {
            /* few pixels: show each one */
            style.marker = LMPVIZ_MARKER_CIRCLE;
            style.marker_size = 4.5;
        }
        curve_label(label, sizeof label, data, i, n_p, n_m);
        for (k = 0; k < n; k++)
            total += s->weight[k];
        for (k = 0; k < n; k++) {
            if (view == LMPVIZ_CURVE_CUMULATIVE) {
                run += s->weight[k];
                y[k] = total > 0.0 ? run / total : 0.0;
            } else {
                y[k] = view_value(data, view, s->weight[k]);
            }
            *top = fmax(*top, y[k]);
            if (y[k] > 0.0)
                *bottom = fmin(*bottom, y[k]);
        }
        lmpviz_panel_add_series(panel, x, y, n, &style, label);
    }
}

/* Several curves: a marker where each leaves the cap tau. */
static void
curve_cap_markers(lmpviz_panel *panel,
                  const lmpviz_curve_data *data,
                  lmpviz_curve_view view,
                  size_t n_p,
                  size_t n_m)
{
    int any = 0;
    size_t i;

    if (data->n_series < 2)
        return;
    for (i = 0; i < data->n_series; i++) {
        const lmpviz_curve_series *s = &data->series[i];
        size_t ci = n_p > 1 && n_m > 1 ? first_index(data, i, 1) : i;
        lmpviz_style mk = lmpviz_style_marker(lmpviz_palette_color(ci), LMPVIZ_MARKER_CIRCLE, 6.0);
        double mx, my;
        if (s->result.n_clamped == 0 || s->result.n_clamped >= data->n)
            continue;
        mx = (double)s->result.n_clamped;
        my = view == LMPVIZ_CURVE_CUMULATIVE ? cumulative_share(s, data->n, s->result.n_clamped)
                                             : view_value(data, view, s->result.tau);
        lmpviz_panel_add_series(panel, &mx, &my, 1, &mk, NULL);
        any = 1;
    }
    if (any) {
        lmpviz_style mk =
            lmpviz_style_marker(lmpviz_color_hex(0x777777), LMPVIZ_MARKER_CIRCLE, 6.0);
        double nanv = NAN;
        lmpviz_panel_add_series(panel, &nanv, &nanv, 1, &mk, "last pixel at the cap τ");
    }
}

/* Limits (weights start at 0 so the uniform level reads honestly), grid and
 * axis labels. */
static void
curve_axes(lmpviz_panel *panel,
           const lmpviz_curve_opts *opts,
           size_t n,
           double uniform,
           double bottom,
           double top)
{
    const double pad = fmax(0.02 * (double)(n - 1), 0.5);
    const char *yl = "weight wᵢ";

    if (opts->view == LMPVIZ_CURVE_CUMULATIVE) {
        if (!opts->logy)
            lmpviz_panel_set_ylim(panel, -0.03, 1.03);
    } else if (!opts->logy) {
        top = fmax(top, uniform);
        lmpviz_panel_set_ylim(panel, -0.04 * top, 1.06 * top);
    } else if (isfinite(bottom)) {
        top = fmax(top, uniform);
        bottom = fmin(bottom, uniform);
        lmpviz_panel_set_ylim(panel, bottom / pow(top / bottom, 0.05),
                              top * pow(top / bottom, 0.05));
    }
    lmpviz_panel_set_logy(panel, opts->logy);
    lmpviz_panel_set_xlim(panel, 1.0 - pad, (double)n + pad);
    lmpviz_panel_set_grid(panel, 1);
    lmpviz_panel_set_xinteger(panel, 1);
    lmpviz_panel_set_xlabel(panel, opts->view == LMPVIZ_CURVE_CUMULATIVE
                                       ? "top k pixels (by decreasing loss)"
                                       : "pixel rank i (by decreasing loss)");
    if (opts->view == LMPVIZ_CURVE_SCALED)
        yl = "scaled weight n·wᵢ (uniform = 1)";
    else if (opts->view == LMPVIZ_CURVE_CUMULATIVE)
        yl = "share of the total weight";
    lmpviz_panel_set_ylabel(panel, yl);
}

static void
curve_title(lmpviz_panel *panel,
            const lmpviz_curve_data *data,
            const lmpviz_curve_opts *opts,
            size_t n_p,
            size_t n_m)
{
    const char *what =
        opts->view == LMPVIZ_CURVE_CUMULATIVE ? "Cumulative LMP weight" : "LMP weights";
    const size_t n = data->n;
    char title[LMPVIZ_ERR_LEN];
    char ps[32], ms[32];

    if (opts->title != NULL) {
        lmpviz_panel_set_title(panel, opts->title);
        return;
    }
    lmpviz_format_p(ps, sizeof ps, data->series[0].params.p);
    fmt_m(ms, sizeof ms, &data->series[0].params);
    if (n_p == 1 && n_m == 1)
        snprintf(title, sizeof title, "%s: p = %s, m = %s (%.4g px), n = %zu", what, ps, ms,
                 data->series[0].result.m_px, n);
    else if (n_p == 1)
        snprintf(title, sizeof title, "%s: p = %s, n = %zu", what, ps, n);
    else if (n_m == 1)
        snprintf(title, sizeof title, "%s: m = %s (%.4g px), n = %zu", what, ms,
                 data->series[0].result.m_px, n);
    else
        snprintf(title, sizeof title, "%s: n = %zu", what, n);
    lmpviz_panel_set_title(panel, title);
}

void
lmpviz_curve_panel(lmpviz_panel *panel,
                   const lmpviz_curve_data *data,
                   const lmpviz_curve_opts *opts)
{
    lmpviz_curve_opts defaults;
    size_t n_p, n_m, k, n;
    double *x, *y;
    double top, bottom = INFINITY;
    double uniform;

    if (data == NULL || data->n == 0 || data->n_series == 0) {
        lmpvizi_panel_fail(panel, LMPVIZ_ERR_INVALID_ARG, "no curve to draw");
        return;
    }
    if (opts == NULL) {
        memset(&defaults, 0, sizeof defaults);
        opts = &defaults;
    }
    n = data->n;
    n_p = count_distinct(data, 1);
    n_m = count_distinct(data, 0);
    uniform = opts->view == LMPVIZ_CURVE_SCALED ? 1.0 : 1.0 / (double)n;
    x = malloc(n * sizeof *x);
    y = malloc(n * sizeof *y);
    if (x == NULL || y == NULL) {
        lmpvizi_panel_fail(panel, LMPVIZ_ERR_NOMEM, "out of memory for %zu points", n);
    } else {
        for (k = 0; k < n; k++)
            x[k] = (double)(k + 1);
        curve_reference(panel, data, opts->view, uniform);
        top = curve_cap_line(panel, data, opts->view);
        curve_series(panel, data, opts->view, n_p, n_m, x, y, &bottom, &top);
        curve_cap_markers(panel, data, opts->view, n_p, n_m);
        curve_axes(panel, opts, n, uniform, bottom, top);
        curve_title(panel, data, opts, n_p, n_m);
    }
    free(x);
    free(y);
}

/* ------------------------------------------------------------------------
 * CSV
 */

lmpviz_status
lmpviz_curve_write_csv(const lmpviz_curve_data *const *sets,
                       size_t n_sets,
                       const char *path,
                       lmpviz_err *err)
{
    lmpviz_afile af;
    lmpviz_status st;
    size_t s, i, k, n;
    char ps[32];

    if (sets == NULL || n_sets == 0 || sets[0] == NULL || path == NULL) {
        lmpviz_err_set(err, "nothing to write");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    n = sets[0]->n;
    for (s = 1; s < n_sets; s++) {
        if (sets[s] == NULL || sets[s]->n != n ||
            memcmp(sets[s]->loss, sets[0]->loss, n * sizeof *sets[0]->loss) != 0) {
            lmpviz_err_set(err, "the curves do not share the same losses");
            return LMPVIZ_ERR_INVALID_ARG;
        }
    }
    memset(&af, 0, sizeof af);
    st = lmpviz_afile_open(&af, path, err);
    if (st != LMPVIZ_OK)
        return st;
    fputs("rank,loss", af.fp);
    for (s = 0; s < n_sets; s++) {
        for (i = 0; i < sets[s]->n_series; i++) {
            const lmp_params *pp = &sets[s]->series[i].params;
            if (isinf(pp->p))
                snprintf(ps, sizeof ps, "inf");
            else
                snprintf(ps, sizeof ps, "%g", pp->p);
            if (pp->m_pixels > 0.0)
                fprintf(af.fp, ",w_p%s_m%gpx", ps, pp->m_pixels);
            else
                fprintf(af.fp, ",w_p%s_m%g", ps, pp->m);
        }
    }
    fputc('\n', af.fp);
    for (k = 0; k < n; k++) {
        fprintf(af.fp, "%zu,%.9g", k + 1, (double)sets[0]->loss[k]);
        for (s = 0; s < n_sets; s++) {
            for (i = 0; i < sets[s]->n_series; i++)
                fprintf(af.fp, ",%.9g", (double)sets[s]->series[i].weight[k]);
        }
        fputc('\n', af.fp);
    }
    /* Write errors are sticky on the stream; commit reports them. */
    return lmpviz_afile_commit(&af, err);
}
