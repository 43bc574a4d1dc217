/*
 * region.c - the feasible set W of LMP for two pixels (the paper's
 * Figure 1): W = { w >= 0 : ||w||_p <= gamma, ||w||_inf <= tau } with
 * gamma = 2^(1/p - 1), tau = gamma * m_px^(-1/p), m_px = clamp(2 m, 1, 2).
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmpviz.h"
#include "viz_internal.h"

#define REGION_ARC 181 /* points on the curved part of a p-ball */
#define REGION_PI  3.14159265358979323846

static void
region_params(double p, double m, double *gamma, double *tau, double *m_px)
{
    double mp = 2.0 * m;
    if (mp < 1.0)
        mp = 1.0;
    if (mp > 2.0)
        mp = 2.0;
    *m_px = mp;
    if (isinf(p)) {
        *gamma = 0.5;
        *tau = 0.5;
        return;
    }
    *gamma = pow(2.0, 1.0 / p - 1.0);
    *tau = *gamma * pow(mp, -1.0 / p);
}

/* Point of the quarter p-ball of radius gamma at parameter t in [0, pi/2]:
 * (gamma cos(t)^(2/p), gamma sin(t)^(2/p)) has ||.||_p = gamma and spreads
 * points evenly even for large p. */
static void
ball_point(double p, double gamma, double t, double *x, double *y)
{
    double c = cos(t), s = sin(t);
    *x = gamma * pow(c > 0.0 ? c : 0.0, 2.0 / p);
    *y = gamma * pow(s > 0.0 ? s : 0.0, 2.0 / p);
}

lmpviz_status
lmpviz_region_boundary(double p, double m, size_t n_arc, double *x, double *y, size_t *count)
{
    double gamma, tau, m_px;
    size_t k = 0, j;

    if (!(p >= 1.0) || !(m > 0.0 && m <= 1.0) || n_arc < 2 || x == NULL || y == NULL ||
        count == NULL)
        return LMPVIZ_ERR_INVALID_ARG;
    region_params(p, m, &gamma, &tau, &m_px);
    x[k] = 0.0;
    y[k++] = 0.0;
    x[k] = tau;
    y[k++] = 0.0;
    /* The cap corner (tau, tau) lies inside the ball only when m_px = 2 (or
     * p = inf): then W is the square [0, tau]^2. */
    if (isinf(p) || 2.0 * pow(tau / gamma, p) <= 1.0 + 1e-12) {
        x[k] = tau;
        y[k++] = tau;
    } else {
        /* Where the cap w1 = tau meets the ball, in the parameter t. */
        double r = pow(tau / gamma, p / 2.0);
        double t0 = acos(r > 1.0 ? 1.0 : r);
        double t1 = asin(r > 1.0 ? 1.0 : r);
        for (j = 0; j < n_arc; j++) {
            double t = t0 + (t1 - t0) * (double)j / (double)(n_arc - 1);
            ball_point(p, gamma, t, &x[k], &y[k]);
            k++;
        }
    }
    x[k] = 0.0;
    y[k++] = tau;
    *count = k;
    return LMPVIZ_OK;
}

/* Checks opts; the largest γ over the p's, with room, in *extent. */
static int
region_check(lmpviz_panel *panel, const lmpviz_region_opts *opts, double *extent)
{
    double gamma, tau, m_px;
    size_t i;

    if (opts == NULL || opts->p == NULL || opts->n_p == 0 || !(opts->m > 0.0 && opts->m <= 1.0)) {
        lmpvizi_panel_fail(panel, LMPVIZ_ERR_INVALID_ARG,
                           "expected at least one p and m in (0, 1]");
        return 0;
    }
    *extent = 0.5;
    for (i = 0; i < opts->n_p; i++) {
        if (!(opts->p[i] >= 1.0)) {
            lmpvizi_panel_fail(panel, LMPVIZ_ERR_INVALID_ARG, "expected p >= 1, got %g",
                               opts->p[i]);
            return 0;
        }
        region_params(opts->p[i], opts->m, &gamma, &tau, &m_px);
        *extent = fmax(*extent, gamma);
    }
    if (opts->have_losses &&
        (!(opts->losses[0] >= 0.0) || !(opts->losses[1] >= 0.0) || !isfinite(opts->losses[0]) ||
         !isfinite(opts->losses[1]) || opts->losses[0] + opts->losses[1] <= 0.0)) {
        lmpvizi_panel_fail(panel, LMPVIZ_ERR_INVALID_ARG,
                           "expected two finite losses >= 0, not both 0");
        return 0;
    }
    *extent *= 1.08;
    return 1;
}

/* The sets first (filled), then where the cap cuts each ball: the rest of
 * the ball, dotted. */
static void
region_sets(lmpviz_panel *panel, const lmpviz_region_opts *opts)
{
    double bx[REGION_ARC + 4], by[REGION_ARC + 4];
    double gamma, tau, m_px;
    char label[160], ps[32];
    int any_cap_drawn = 0;
    size_t i, j, count;

    for (i = 0; i < opts->n_p; i++) {
        lmpviz_style fill = lmpviz_style_line(lmpviz_palette_color(i), LMPVIZ_DASH_SOLID);
        lmpviz_status st;
        fill.line_width = 2.0;
        fill.fill_alpha = opts->n_p > 1 ? 0.10 : 0.18;
        region_params(opts->p[i], opts->m, &gamma, &tau, &m_px);
        st = lmpviz_region_boundary(opts->p[i], opts->m, REGION_ARC, bx, by, &count);
        if (st != LMPVIZ_OK) {
            lmpvizi_panel_fail(panel, st, "no boundary for p = %g", opts->p[i]);
            return;
        }
        lmpviz_format_p(ps, sizeof ps, opts->p[i]);
        snprintf(label, sizeof label, "p = %s: γ = %.3g, τ = %.3g", ps, gamma, tau);
        lmpviz_panel_add_polygon(panel, bx, by, count, &fill, label);
    }
    for (i = 0; i < opts->n_p; i++) {
        double p = opts->p[i];
        lmpviz_style rest = lmpviz_style_line(lmpviz_palette_color(i), LMPVIZ_DASH_DOTTED);
        rest.line_width = 1.2;
        region_params(p, opts->m, &gamma, &tau, &m_px);
        if (isinf(p) || tau >= gamma * (1.0 - 1e-12))
            continue;
        for (j = 0; j < REGION_ARC; j++)
            ball_point(p, gamma, 0.5 * REGION_PI * (double)j / (double)(REGION_ARC - 1), &bx[j],
                       &by[j]);
        lmpviz_panel_add_series(panel, bx, by, REGION_ARC, &rest,
                                any_cap_drawn ? NULL : "‖w‖ₚ = γ beyond the cap");
        any_cap_drawn = 1;
    }
}

/* The loss direction, and for each p the maximiser w* from lmp_solve with
 * the level line w·ℓ = L through it, which shows why w* is the maximiser. */
static void
region_losses(lmpviz_panel *panel, const lmpviz_region_opts *opts, double extent)
{
    const double l0 = opts->losses[0], l1 = opts->losses[1];
    const double len = hypot(l0, l1), ux = l0 / len, uy = l1 / len;
    lmpviz_style arrow = lmpviz_style_line(lmpviz_color_hex(0x222222), LMPVIZ_DASH_SOLID);
    char label[160], ps[32];
    size_t i;

    arrow.line_width = 1.4;
    snprintf(label, sizeof label, "loss direction ℓ = (%g, %g)", l0, l1);
    lmpviz_panel_add_arrow(panel, 0.0, 0.0, ux * extent * 0.95, uy * extent * 0.95, &arrow, label);
    for (i = 0; i < opts->n_p; i++) {
        lmp_params prm = LMP_PARAMS_INIT;
        float loss[2] = { (float)l0, (float)l1 }, w[2];
        lmp_result res;
        lmp_status ls;
        lmpviz_style support = lmpviz_style_line(lmpviz_palette_color(i), LMPVIZ_DASH_DASHED);
        lmpviz_style mk = lmpviz_style_marker(lmpviz_palette_color(i), LMPVIZ_MARKER_DIAMOND, 9.0);
        double sx[2], sy[2], wx, wy;

        prm.p = opts->p[i];
        prm.m = opts->m;
        ls = lmp_solve(loss, NULL, 2, &prm, w, &res, NULL);
        if (ls != LMP_OK) {
            lmpvizi_panel_fail(panel, LMPVIZ_ERR_SOLVER, "LMP solver failed for p = %g: %s", prm.p,
                               lmp_status_string(ls));
            return;
        }
        support.line_width = 0.9;
        sx[0] = (double)w[0] - uy * 2.0 * extent;
        sy[0] = (double)w[1] + ux * 2.0 * extent;
        sx[1] = (double)w[0] + uy * 2.0 * extent;
        sy[1] = (double)w[1] - ux * 2.0 * extent;
        lmpviz_panel_add_series(panel, sx, sy, 2, &support,
                                i == 0 ? "level line w·ℓ = L at w*" : NULL);
        wx = w[0];
        wy = w[1];
        lmpviz_format_p(ps, sizeof ps, opts->p[i]);
        snprintf(label, sizeof label, "w* (p = %s) = (%.3f, %.3f)", ps, wx, wy);
        lmpviz_panel_add_series(panel, &wx, &wy, 1, &mk, label);
    }
}

void
lmpviz_region_panel(lmpviz_panel *panel, const lmpviz_region_opts *opts)
{
    lmpviz_style mk = lmpviz_style_marker(lmpviz_color_hex(0x000000), LMPVIZ_MARKER_CIRCLE, 7.0);
    double hx = 0.5, hy = 0.5, extent, gamma, tau, m_px = 1.0;
    char ps[32], title[LMPVIZ_ERR_LEN];

    if (!region_check(panel, opts, &extent))
        return;
    region_sets(panel, opts);
    if (opts->have_losses)
        region_losses(panel, opts, extent);
    lmpviz_panel_add_series(panel, &hx, &hy, 1, &mk, "uniform w = (½, ½)");
    lmpviz_panel_set_xlim(panel, -0.02 * extent, extent);
    lmpviz_panel_set_ylim(panel, -0.02 * extent, extent);
    lmpviz_panel_set_equal_aspect(panel, 1);
    lmpviz_panel_set_grid(panel, 1);
    lmpviz_panel_set_legend(panel, LMPVIZ_LEGEND_OUTSIDE_RIGHT);
    lmpviz_panel_set_xlabel(panel, "w₁");
    lmpviz_panel_set_ylabel(panel, "w₂");
    region_params(opts->p[opts->n_p - 1], opts->m, &gamma, &tau, &m_px);
    if (opts->title != NULL) {
        snprintf(title, sizeof title, "%s", opts->title);
    } else if (opts->n_p == 1) {
        lmpviz_format_p(ps, sizeof ps, opts->p[0]);
        snprintf(title, sizeof title, "Feasible set W for n = 2: p = %s, m = %g (%g px)", ps,
                 opts->m, m_px);
    } else {
        snprintf(title, sizeof title, "Feasible set W for n = 2: m = %g (%g px)", opts->m, m_px);
    }
    lmpviz_panel_set_title(panel, title);
}
