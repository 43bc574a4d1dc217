/*
 * match.c - the (p, m) whose LMP weights are closest to another scheme's
 * on the same pixels (`lmpviz match`): the distance between cumulative
 * weight shares over the loss ranking, the grid-then-compass search, and
 * the figure.
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmpviz.h"
#include "lmpviz_private.h"
#include "viz_internal.h"

#define GRID_U         11   /* 1/p = 0, 0.1, ..., 1 */
#define GRID_V         17   /* values of log10 m */
#define DEFAULT_TOL    1e-3 /* final compass step in 1/p and in log10 m */
#define DEFAULT_M_MIN  1e-4
#define N_STARTS       3 /* compass searches from the best grid rows */
#define FIG_MAX_POINTS 2000

void
lmpviz_match_input_free(lmpviz_match_input *mi)
{
    if (mi == NULL)
        return;
    lmpviz_big_free(mi->loss);
    lmpviz_big_free(mi->cls);
    lmpviz_big_free(mi->ref);
    lmpviz_big_free(mi->ends);
    lmpviz_big_free(mi->ref_cum);
    lmpviz_big_free(mi->work);
    memset(mi, 0, sizeof *mi);
}

/* The scheme's weights on in into w (in->n floats); an error names why
 * none can be compared. */
static lmpviz_status
scheme_weights(const lmp_scheme *scheme, const lmp_scheme_input *in, float *w, lmpviz_err *err)
{
    lmp_scheme_result sr;
    lmp_status ls = lmp_scheme_weights(scheme, in, w, &sr, NULL);

    if (ls == LMP_ERR_NOMEM) {
        lmpviz_err_set(err, "out of memory for %zu pixels", in->n);
        return LMPVIZ_ERR_NOMEM;
    }
    if (ls == LMP_ERR_EMPTY) {
        lmpviz_err_set(err, "no valid pixel");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (ls != LMP_OK) {
        if (ls == LMP_ERR_INVALID_LOSS)
            lmpviz_err_set(err, "expected finite losses >= 0, got %g at pixel %zu",
                           (double)sr.bad_value, sr.bad_index);
        else
            lmpviz_err_set(err, "%s: %s (does the scheme have the input it needs?)",
                           lmp_scheme_name(scheme->kind), lmp_status_string(ls));
        return LMPVIZ_ERR_SOLVER;
    }
    if (!(sr.weight_sum > 0.0)) {
        lmpviz_err_set(err, "%s puts no weight on any pixel (nothing is kept)",
                       lmp_scheme_name(scheme->kind));
        return LMPVIZ_ERR_INVALID_ARG;
    }
    return LMPVIZ_OK;
}

/* The valid pixels of in by decreasing loss, with the scheme's weights w:
 * out's loss, ref and cls (nv of them, allocated with work and ends).  0,
 * or -1 when memory runs out. */
static int
sort_valid(const lmp_scheme_input *in, const float *w, size_t nv, lmpviz_match_input *out)
{
    size_t *idx = lmpviz_big_alloc(nv * sizeof *idx);
    size_t i, k;
    int rc = -1;

    out->loss = lmpviz_big_alloc(nv * sizeof *out->loss);
    out->ref = lmpviz_big_alloc(nv * sizeof *out->ref);
    out->work = lmpviz_big_alloc(nv * sizeof *out->work);
    out->ends = lmpviz_big_alloc(nv * sizeof *out->ends);
    if (in->cls != NULL)
        out->cls = lmpviz_big_alloc(nv);
    if (idx == NULL || out->loss == NULL || out->ref == NULL || out->work == NULL ||
        out->ends == NULL || (in->cls != NULL && out->cls == NULL))
        goto done;
    for (i = 0, k = 0; i < in->n; i++) {
        if (in->valid == NULL || in->valid[i])
            idx[k++] = i;
    }
    /* decreasing loss, ties in pixel order */
    if (lmpviz_order_desc(in->loss, idx, nv) != 0)
        goto done;
    out->n_valid = nv;
    for (i = 0; i < nv; i++) {
        out->loss[i] = in->loss[idx[i]];
        out->ref[i] = w[idx[i]];
        out->ref_sum += w[idx[i]];
        if (out->cls != NULL)
            out->cls[i] = in->cls[idx[i]];
    }
    rc = 0;
done:
    lmpviz_big_free(idx);
    return rc;
}

/* The ends of the runs of equal losses, and the scheme's cumulative share
 * at each.  0, or -1 when memory runs out. */
static int
cumulate(lmpviz_match_input *out)
{
    size_t i, k, nv = out->n_valid;
    double run = 0.0;

    for (i = 0; i < nv; i++) {
        if (i + 1 == nv || out->loss[i + 1] != out->loss[i])
            out->ends[out->n_ends++] = i + 1;
    }
    out->ref_cum = lmpviz_big_alloc(out->n_ends * sizeof *out->ref_cum);
    if (out->ref_cum == NULL)
        return -1;
    for (i = 0, k = 0; k < out->n_ends; k++) {
        for (; i < out->ends[k]; i++)
            run += out->ref[i];
        out->ref_cum[k] = run / out->ref_sum;
    }
    return 0;
}

lmpviz_status
lmpviz_match_prepare(const lmp_scheme *scheme,
                     const lmp_scheme_input *in,
                     lmpviz_match_input *out,
                     lmpviz_err *err)
{
    float *w = NULL;
    lmpviz_status st;
    size_t i, nv = 0;

    assert(out != NULL);
    memset(out, 0, sizeof *out);
    if (scheme == NULL || in == NULL || in->loss == NULL || in->n == 0) {
        lmpviz_err_set(err, "expected a scheme and the losses");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (scheme->kind == LMP_SCHEME_LMP) {
        lmpviz_err_set(err, "the scheme to match is LMP itself: its (p, m) is the answer");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (in->n > UINT32_MAX) {
        lmpviz_err_set(err, "too many pixels (%zu)", in->n);
        return LMPVIZ_ERR_NOMEM;
    }
    w = lmpviz_big_alloc(in->n * sizeof *w);
    if (w == NULL)
        goto oom;
    st = scheme_weights(scheme, in, w, err);
    if (st != LMPVIZ_OK) {
        lmpviz_big_free(w);
        return st;
    }
    for (i = 0; i < in->n; i++)
        nv += in->valid == NULL || in->valid[i];
    if (sort_valid(in, w, nv, out) != 0)
        goto oom;
    lmpviz_big_free(w);
    w = NULL;
    if (!(out->loss[0] > 0.0f)) {
        lmpviz_match_input_free(out);
        lmpviz_err_set(err, "every loss is 0: LMP puts no weight anywhere");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (cumulate(out) != 0)
        goto oom;
    return LMPVIZ_OK;
oom:
    lmpviz_big_free(w);
    lmpviz_match_input_free(out);
    lmpviz_err_set(err, "out of memory for %zu pixels", in->n);
    return LMPVIZ_ERR_NOMEM;
}

/* LMP's weights on the sorted losses into mi->work; their sum, or NaN. */
static double
solve_sorted(lmpviz_match_input *mi, double p, double m, lmp_workspace *ws)
{
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result res;
    double s = 0.0;
    size_t i;

    prm.p = p;
    prm.m = m;
    if (lmp_solve(mi->loss, NULL, mi->n_valid, &prm, mi->work, &res, ws) != LMP_OK)
        return NAN;
    for (i = 0; i < mi->n_valid; i++)
        s += mi->work[i];
    return s > 0.0 ? s : NAN;
}

double
lmpviz_match_distance(lmpviz_match_input *mi, double p, double m, lmp_workspace *ws, double *l1)
{
    double s, run = 0.0, d = 0.0, sum_gap = 0.0;
    size_t i = 0, k;

    if (l1 != NULL)
        *l1 = NAN;
    if (mi == NULL || mi->n_valid == 0)
        return NAN;
    s = solve_sorted(mi, p, m, ws);
    if (!isfinite(s))
        return NAN;
    for (k = 0; k < mi->n_ends; k++) {
        double g;
        for (; i < mi->ends[k]; i++)
            run += mi->work[i];
        g = fabs(run / s - mi->ref_cum[k]);
        sum_gap += g;
        if (g > d)
            d = g;
    }
    if (l1 != NULL)
        *l1 = sum_gap / (double)mi->n_ends;
    return d;
}

typedef struct search_state {
    lmpviz_match_input *mi;
    lmp_workspace *ws;
    double v_min;
    size_t evals;
} search_state;

/* p from u = 1/p: u = 0 is p = inf. */
static double
p_of_u(double u)
{
    return u <= 0.0 ? INFINITY : 1.0 / u;
}

static double
eval_uv(search_state *s, double u, double v)
{
    double d;
    u = fmin(1.0, fmax(0.0, u));
    v = fmin(0.0, fmax(s->v_min, v));
    d = lmpviz_match_distance(s->mi, p_of_u(u), pow(10.0, v), s->ws, NULL);
    s->evals++;
    return isfinite(d) ? d : INFINITY;
}

/* A compass search from (*u, *v) with distance d there: the distance is
 * piecewise smooth, with kinks where a run of equal losses changes sides;
 * a pattern search needs no gradient and never leaves the box.  Returns
 * the best distance and moves (*u, *v) there. */
static double
compass(search_state *s, double *bu, double *bv, double best, double tol)
{
    static const double dir[4][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } };
    double du = 0.5 / (GRID_U - 1), dv = 0.5 * -s->v_min / (GRID_V - 1);
    while (du >= tol || dv >= tol) {
        int moved = 0, k;
        for (k = 0; k < 4; k++) {
            double u = fmin(1.0, fmax(0.0, *bu + dir[k][0] * du));
            double v = fmin(0.0, fmax(s->v_min, *bv + dir[k][1] * dv));
            double d;
            if (u == *bu && v == *bv)
                continue;
            d = eval_uv(s, u, v);
            if (d < best) {
                best = d;
                *bu = u;
                *bv = v;
                moved = 1;
                break;
            }
        }
        if (!moved) {
            du *= 0.5;
            dv *= 0.5;
        }
    }
    return best;
}

/* Golden-section search in v at fixed u within one grid step of *v: the
 * V-shaped valleys of the distance along m are narrower than the grid. */
static double
line_search(search_state *s, double u, double *v, double best, double tol)
{
    const double g = 0.5 * (sqrt(5.0) - 1.0);
    double step = -s->v_min / (GRID_V - 1);
    double lo = fmax(s->v_min, *v - step), hi = fmin(0.0, *v + step);
    double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    double f1 = eval_uv(s, u, x1), f2 = eval_uv(s, u, x2);
    while (hi - lo > tol) {
        if (f1 <= f2) {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = eval_uv(s, u, x1);
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = eval_uv(s, u, x2);
        }
    }
    if (f1 < best) {
        best = f1;
        *v = x1;
    }
    if (f2 < best) {
        best = f2;
        *v = x2;
    }
    return best;
}

/* Share of the total held by the first ceil(frac n) of w[0..n). */
static double
head_share(const float *w, size_t n, double frac, double total)
{
    size_t k = (size_t)ceil(frac * (double)n - 1e-9), i;
    double run = 0.0;
    if (k > n)
        k = n;
    for (i = 0; i < k; i++)
        run += w[i];
    return total > 0.0 ? run / total : 0.0;
}

/* The grid: for each row a (u = a / (GRID_U - 1)) its best distance and
 * the v where it is reached. */
static void
search_grid(search_state *s, double row_best[GRID_U], double row_v[GRID_U])
{
    size_t a, b;

    for (a = 0; a < GRID_U; a++) {
        double u = (double)a / (GRID_U - 1);
        row_best[a] = INFINITY;
        for (b = 0; b < GRID_V; b++) {
            double v = s->v_min * (1.0 - (double)b / (GRID_V - 1)), d = eval_uv(s, u, v);
            if (d < row_best[a]) {
                row_best[a] = d;
                row_v[a] = v;
            }
        }
    }
}

/* Compass searches from the best point of the best rows, and always from
 * the p = 1 row: there the distance has a narrow V-shaped valley in m
 * (top-k and OHEM are p = 1 exactly) that a grid step can miss.  The best
 * distance found (INFINITY: none), at (*bu, *bv). */
static double
search_rows(search_state *s,
            const double row_best[GRID_U],
            const double row_v[GRID_U],
            double tol,
            double *bu,
            double *bv)
{
    int used[GRID_U] = { 0 };
    double best = INFINITY;
    size_t a, k;

    for (k = 0; k < N_STARTS + 1; k++) {
        size_t pick = GRID_U - 1;
        double d, u, v;
        if (k < N_STARTS) {
            double lo = INFINITY;
            pick = GRID_U;
            for (a = 0; a < GRID_U; a++) {
                if (!used[a] && row_best[a] < lo) {
                    lo = row_best[a];
                    pick = a;
                }
            }
            if (pick == GRID_U)
                continue;
        } else if (used[pick]) {
            continue;
        }
        used[pick] = 1;
        if (!isfinite(row_best[pick]))
            continue;
        u = (double)pick / (GRID_U - 1);
        v = row_v[pick];
        d = line_search(s, u, &v, row_best[pick], tol);
        d = compass(s, &u, &v, d, tol);
        if (d < best) {
            best = d;
            *bu = u;
            *bv = v;
        }
    }
    return best;
}

/* How the two still differ at the match (mi->work holds LMP's weights
 * there): heads and classes. */
static void
match_differences(const lmpviz_match_input *mi, lmpviz_match_result *res)
{
    double total = 0.0, px = 0.0;
    size_t i;
    unsigned c;

    for (i = 0; i < mi->n_valid; i++)
        total += mi->work[i];
    res->top1[0] = head_share(mi->ref, mi->n_valid, 0.01, mi->ref_sum);
    res->top10[0] = head_share(mi->ref, mi->n_valid, 0.10, mi->ref_sum);
    res->top1[1] = head_share(mi->work, mi->n_valid, 0.01, total);
    res->top10[1] = head_share(mi->work, mi->n_valid, 0.10, total);
    if (mi->cls == NULL)
        return;
    res->have_classes = 1;
    for (i = 0; i < mi->n_valid; i++) {
        c = mi->cls[i];
        if (c >= LMPVIZ_CS_CLASSES)
            continue;
        res->class_share[0][c] += mi->ref[i];
        res->class_share[1][c] += mi->work[i];
        res->pixel_share[c] += 1.0;
        px += 1.0;
    }
    for (c = 0; c < LMPVIZ_CS_CLASSES; c++) {
        res->class_share[0][c] /= mi->ref_sum;
        res->class_share[1][c] = total > 0.0 ? res->class_share[1][c] / total : 0.0;
        res->pixel_share[c] = px > 0.0 ? res->pixel_share[c] / px : 0.0;
    }
}

lmpviz_status
lmpviz_match_search(lmpviz_match_input *mi,
                    const lmpviz_match_opts *opts,
                    lmp_workspace *ws,
                    lmpviz_match_result *res,
                    lmpviz_err *err)
{
    search_state s;
    double tol = DEFAULT_TOL, m_min, best, bu = 1.0, bv = 0.0;
    double row_best[GRID_U], row_v[GRID_U];

    assert(res != NULL);
    memset(res, 0, sizeof *res);
    if (mi == NULL || mi->n_valid == 0) {
        lmpviz_err_set(err, "nothing to match");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (opts != NULL && opts->tol > 0.0)
        tol = opts->tol;
    m_min = opts != NULL && opts->m_min > 0.0 ? opts->m_min
                                              : fmax(1.0 / (double)mi->n_valid, DEFAULT_M_MIN);
    if (m_min > 1.0)
        m_min = 1.0;
    s.mi = mi;
    s.ws = ws;
    s.v_min = log10(m_min);
    s.evals = 0;
    search_grid(&s, row_best, row_v);
    best = search_rows(&s, row_best, row_v, tol, &bu, &bv);
    if (!isfinite(best)) {
        lmpviz_err_set(err, "LMP could not be solved on these losses");
        return LMPVIZ_ERR_SOLVER;
    }
    res->p = p_of_u(bu);
    res->m = pow(10.0, bv);
    res->distance = lmpviz_match_distance(mi, res->p, res->m, ws, &res->l1);
    res->evaluations = s.evals + 1;
    match_differences(mi, res);
    return LMPVIZ_OK;
}

/* ------------------------------------------------------------------------
 * Figure
 */

/* Up to FIG_MAX_POINTS points of y[0..n) against rank 1..n, spread evenly
 * in log(rank) (the axis is logarithmic), keeping per bucket the largest
 * and the smallest value so that steps survive. */
static size_t
log_decimate(const double *y, size_t n, double *px, double *py)
{
    size_t nb = FIG_MAX_POINTS / 2, b, k = 0, lo = 0;
    double ln = log((double)n);
    if (n <= FIG_MAX_POINTS) {
        for (b = 0; b < n; b++) {
            px[b] = (double)(b + 1);
            py[b] = y[b];
        }
        return n;
    }
    for (b = 0; b < nb && lo < n; b++) {
        size_t hi = (size_t)ceil(exp(ln * (double)(b + 1) / (double)nb)), i, imax = lo, imin = lo;
        if (hi <= lo)
            hi = lo + 1;
        if (hi > n)
            hi = n;
        for (i = lo; i < hi; i++) {
            if (y[i] > y[imax])
                imax = i;
            if (y[i] < y[imin])
                imin = i;
        }
        px[k] = (double)((imax < imin ? imax : imin) + 1);
        py[k++] = y[imax < imin ? imax : imin];
        if (imax != imin) {
            px[k] = (double)((imax < imin ? imin : imax) + 1);
            py[k++] = y[imax < imin ? imin : imax];
        }
        lo = hi;
    }
    return k;
}

static void
frame_panel(lmpviz_panel *pn,
            const lmpviz_heatmap *hm,
            const float *w,
            double vmax,
            lmpviz_cmap cmap,
            uint32_t *buf,
            const char *title)
{
    lmpviz_overlay_opts ov = LMPVIZ_OVERLAY_OPTS_INIT;
    lmpviz_colorscale cs;
    lmpviz_color colors[LMPVIZ_CMAP_SIZE];
    double pos[12];
    const char *labels[12];
    char lbuf[12 * 24];
    size_t i, nt, wd = hm->width, ht = hm->height;
    lmpviz_status st;

    ov.cmap = cmap;
    ov.vmax = vmax;
    st = lmpviz_overlay_render(&hm->frame, w, hm->valid, hm->n_valid, 1.0, &ov, buf, &cs);
    if (st != LMPVIZ_OK) {
        lmpvizi_panel_fail(pn, st, "cannot render the weight map: %s", lmpviz_status_string(st));
        return;
    }
    lmpviz_panel_set_axes_visible(pn, 0);
    lmpviz_panel_set_equal_aspect(pn, 1);
    lmpviz_panel_set_xlim(pn, 0.0, (double)wd);
    lmpviz_panel_set_ylim(pn, 0.0, (double)ht);
    lmpviz_panel_set_legend(pn, LMPVIZ_LEGEND_NONE);
    lmpviz_panel_add_image(pn, buf, wd, ht, wd, 0.0, 0.0, (double)wd, (double)ht, 1);
    lmpviz_panel_set_title(pn, title);
    nt = lmpviz_colorscale_ticks(&cs, pos, labels, lbuf, 12);
    /* the top is the shared 99.5th percentile here, not a cap */
    for (i = 0; i < nt; i++) {
        char *cap = strstr(lbuf + 24 * i, " (cap)");
        if (cap != NULL && labels[i] == lbuf + 24 * i)
            *cap = '\0';
    }
    for (i = 0; i < LMPVIZ_CMAP_SIZE; i++)
        colors[i] = lmpviz_cmap_color(cmap, (double)i / (LMPVIZ_CMAP_SIZE - 1));
    lmpviz_panel_set_colorbar(pn, colors, LMPVIZ_CMAP_SIZE, pos, labels, nt,
                              "n·w, Σw = 1 each (1 = uniform)");
}

/* n·w of a weight map normalised to sum 1 over hm's valid pixels, into out;
 * returns its 99.5th percentile (for the shared colour scale). */
static double
normalised_map(const lmpviz_heatmap *hm, const float *w, float *out, float *scratch)
{
    size_t i, n = hm->width * hm->height, k = 0;
    double s = 0.0;
    for (i = 0; i < n; i++)
        s += hm->valid[i] ? w[i] : 0.0;
    for (i = 0; i < n; i++) {
        out[i] = hm->valid[i] && s > 0.0 ? (float)(w[i] / s) : 0.0f;
        if (hm->valid[i])
            scratch[k++] = out[i] * (float)hm->n_valid;
    }
    if (k == 0)
        return 1.0;
    return lmp_select(scratch, k, (size_t)(0.995 * (double)(k - 1)));
}

/* The two weight maps on the frame, one colour scale. */
static void
frame_panels(lmpviz_figure *fig, const lmpviz_match_fig_opts *opts, const char *const lab[2])
{
    const lmpviz_heatmap *hm = opts->hm;
    size_t npx = hm->width * hm->height;
    float *na = lmpviz_big_alloc(npx * sizeof *na);
    float *nb = lmpviz_big_alloc(npx * sizeof *nb);
    float *scr = lmpviz_big_alloc(npx * sizeof *scr);
    uint32_t *buf = lmpviz_big_alloc(npx * sizeof *buf);
    double vmax;

    if (na == NULL || nb == NULL || scr == NULL || buf == NULL) {
        lmpvizi_figure_fail(fig, LMPVIZ_ERR_NOMEM, "out of memory for the frame panels");
    } else {
        vmax = normalised_map(hm, opts->scheme_weight, na, scr);
        vmax = fmax(vmax, normalised_map(hm, opts->lmp_weight, nb, scr));
        if (!(vmax > 0.0))
            vmax = 1.0;
        frame_panel(lmpviz_figure_panel(fig, 1, 0), hm, na, vmax, opts->cmap, buf, lab[0]);
        frame_panel(lmpviz_figure_panel(fig, 1, 1), hm, nb, vmax, opts->cmap, buf, lab[1]);
        lmpviz_figure_set_png_level(fig, 2);
    }
    lmpviz_big_free(na);
    lmpviz_big_free(nb);
    lmpviz_big_free(scr);
    lmpviz_big_free(buf);
}

/* The legend texts of the scheme and of LMP at the match, and the
 * figure's title. */
static void
match_labels(lmpviz_figure *fig,
             const lmpviz_match_result *res,
             const lmpviz_match_fig_opts *opts,
             size_t n,
             char lab[2][160])
{
    char title[400], ps[16];

    if (isinf(res->p))
        lmpviz_format_p(ps, sizeof ps, res->p);
    else
        snprintf(ps, sizeof ps, "%.3g", res->p);
    snprintf(lab[0], 160, "%s", opts->scheme_label ? opts->scheme_label : "scheme");
    snprintf(lab[1], 160, "LMP p = %s, m = %.3g", ps, res->m);
    if (opts->title != NULL)
        snprintf(title, sizeof title, "%s", opts->title);
    else
        snprintf(title, sizeof title, "%s matched by %s: distance %.3f (%s, n = %zu)", lab[0],
                 lab[1], res->distance,
                 res->distance <= LMPVIZ_MATCH_CLOSE ? "close" : "no close match", n);
    lmpviz_figure_set_title(fig, title);
}

/* The largest gap between the cumulative shares, y[i] being LMP's: an
 * arrow and its value on pc. */
static void
gap_arrow(lmpviz_panel *pc, const lmpviz_match_input *mi, const double *y)
{
    double gap = -1.0, gx = 1.0, ga = 0.0, gb = 0.0, nn = (double)mi->n_valid;
    lmpviz_style ar = lmpviz_style_line(lmpviz_color_hex(0x000000UL), LMPVIZ_DASH_SOLID);
    char gt[64];
    size_t i;

    for (i = 0; i < mi->n_ends; i++) {
        double g = fabs(y[mi->ends[i] - 1] - mi->ref_cum[i]);
        if (g > gap) {
            gap = g;
            gx = (double)mi->ends[i];
            ga = mi->ref_cum[i];
            gb = y[mi->ends[i] - 1];
        }
    }
    if (!(gap > 0.0))
        return;
    ar.line_width = 1.2;
    lmpviz_panel_add_arrow(pc, gx, ga, gx, gb, &ar, NULL);
    snprintf(gt, sizeof gt, "largest gap %.3f", gap);
    lmpviz_panel_add_text(pc, gx, 0.5 * (ga + gb), gx > sqrt(nn) ? -6.0 : 6.0, 0.0,
                          gx > sqrt(nn) ? LMPVIZ_ANCHOR_E : LMPVIZ_ANCHOR_W,
                          lmpviz_color_hex(0x000000UL), 9.5, gt);
}

/* The two profiles on pw and the two cumulative shares on pc (mi->work
 * holds LMP's weights, summing to s_lmp); y has n_valid slots, px and py
 * FIG_MAX_POINTS + 8. */
static void
profile_series(lmpviz_panel *pw,
               lmpviz_panel *pc,
               const lmpviz_match_input *mi,
               double s_lmp,
               const char *const lab[2],
               double *y,
               double *px,
               double *py)
{
    lmpviz_style sty[2];
    size_t n = mi->n_valid, i, k, np;
    double nn = (double)n;

    sty[0] = lmpviz_style_line(lmpviz_palette_color(1), LMPVIZ_DASH_SOLID);
    sty[1] = lmpviz_style_line(lmpviz_palette_color(0), LMPVIZ_DASH_DASHED);
    sty[0].line_width = 2.2;
    sty[1].line_width = 1.8;
    for (k = 0; k < 2; k++) {
        const float *w = k == 0 ? mi->ref : mi->work;
        double tot = k == 0 ? mi->ref_sum : s_lmp, run = 0.0;
        for (i = 0; i < n; i++)
            y[i] = nn * (double)w[i] / tot;
        np = log_decimate(y, n, px, py);
        lmpviz_panel_add_series(pw, px, py, np, &sty[k], lab[k]);
        /* cumulative shares, and where they are furthest apart */
        for (i = 0; i < n; i++) {
            run += w[i];
            y[i] = run / tot;
        }
        np = log_decimate(y, n, px, py);
        lmpviz_panel_add_series(pc, px, py, np, &sty[k], lab[k]);
    }
    gap_arrow(pc, mi, y); /* y: LMP's cumulative shares */
}

/* The axes, grids, legends and texts of the two profile panels over n
 * pixels. */
static void
profile_axes(lmpviz_panel *pw, lmpviz_panel *pc, double nn)
{
    lmpviz_panel_set_logx(pw, 1);
    lmpviz_panel_set_logx(pc, 1);
    lmpviz_panel_set_xlim(pw, 1.0, nn);
    lmpviz_panel_set_xlim(pc, 1.0, nn);
    lmpviz_panel_set_ylim(pc, 0.0, 1.02);
    lmpviz_panel_set_grid(pw, 1);
    lmpviz_panel_set_grid(pc, 1);
    lmpviz_panel_set_legend(pw, LMPVIZ_LEGEND_AUTO);
    lmpviz_panel_set_legend(pc, LMPVIZ_LEGEND_AUTO);
    lmpviz_panel_set_title(pw, "weights over pixels by decreasing loss");
    lmpviz_panel_set_xlabel(pw, "pixel rank (by decreasing loss, log)");
    lmpviz_panel_set_ylabel(pw, "n·w, normalised to Σw = 1 (uniform = 1)");
    lmpviz_panel_set_title(pc, "share of the total weight on the k hardest pixels");
    lmpviz_panel_set_xlabel(pc, "k (log)");
    lmpviz_panel_set_ylabel(pc, "cumulative share");
}

lmpviz_figure *
lmpviz_match_figure(lmpviz_match_input *mi,
                    const lmpviz_match_result *res,
                    const lmpviz_match_fig_opts *opts,
                    lmp_workspace *ws)
{
    lmpviz_figure *fig;
    lmpviz_panel *pw, *pc;
    double *y, *px, *py, s_lmp;
    const lmpviz_heatmap *hm = opts != NULL ? opts->hm : NULL;
    size_t n;
    char lab[2][160];
    const char *labp[2] = { lab[0], lab[1] };

    if (mi == NULL || res == NULL || opts == NULL || mi->n_valid == 0 ||
        (hm != NULL &&
         (opts->scheme_weight == NULL || opts->lmp_weight == NULL || hm->frame.rgb == NULL)))
        return lmpvizi_figure_nil(LMPVIZ_ERR_INVALID_ARG);
    n = mi->n_valid;
    fig = lmpviz_figure_create(1400, hm != NULL ? 1060 : 540, LMPVIZ_DPI_DEFAULT, hm ? 2 : 1, 2);
    s_lmp = solve_sorted(mi, res->p, res->m, ws);
    if (!isfinite(s_lmp)) {
        lmpvizi_figure_fail(fig, LMPVIZ_ERR_SOLVER, "LMP could not be solved at the match");
        return fig;
    }
    y = malloc(n * sizeof *y);
    px = malloc((FIG_MAX_POINTS + 8) * sizeof *px);
    py = malloc((FIG_MAX_POINTS + 8) * sizeof *py);
    if (y == NULL || px == NULL || py == NULL) {
        lmpvizi_figure_fail(fig, LMPVIZ_ERR_NOMEM, "out of memory for the figure");
        free(y);
        free(px);
        free(py);
        return fig;
    }
    match_labels(fig, res, opts, n, lab);
    pw = lmpviz_figure_panel(fig, 0, 0);
    pc = lmpviz_figure_panel(fig, 0, 1);
    profile_series(pw, pc, mi, s_lmp, labp, y, px, py);
    free(y);
    free(px);
    free(py);
    profile_axes(pw, pc, (double)n);
    if (hm != NULL)
        frame_panels(fig, opts, labp);
    return fig;
}
