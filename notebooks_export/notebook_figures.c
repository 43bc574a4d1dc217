/*
 * notebook_figures.c - the teaching notebooks of the curve, paper, region and
 * heatmap figures: text, embedded data as Python literals, lmpviz's PNG.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notebook.h"
#include "notebook_internal.h"

/* Numbers per line in the embedded arrays. */
#define PER_LINE 8

/* ------------------------------------------------------------------------
 * Formatting helpers.
 */

/* A double as a Python literal that reads back to the same value. */
const char *
lmpnbi_py_num(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "np.nan");
    else if (isinf(v))
        snprintf(buf, len, v > 0 ? "np.inf" : "-np.inf");
    else {
        snprintf(buf, len, "%.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, len, "%.17g", v);
    }
    return buf;
}

/* "NAME = np.array([...], dtype=np.float32)" with n floats, PER_LINE a line,
 * each line indented by indent spaces. */
void
lmpnbi_sb_float_array(lmpnbi_sbuf *b, const float *v, size_t n, int indent, const char *dtype)
{
    size_t i;

    lmpnbi_sb_printf(b, "np.array([");
    for (i = 0; i < n; i++) {
        if (i % PER_LINE == 0)
            lmpnbi_sb_printf(b, "\n%*s", indent + 4, "");
        if (isnan(v[i]))
            lmpnbi_sb_printf(b, "np.nan,%s", (i + 1) % PER_LINE && i + 1 < n ? " " : "");
        else
            lmpnbi_sb_printf(b, "%.9g,%s", (double)v[i],
                             (i + 1) % PER_LINE && i + 1 < n ? " " : "");
    }
    lmpnbi_sb_printf(b, "\n%*s], dtype=%s)", indent, "", dtype);
}

void
lmpnbi_sb_float_b64(lmpnbi_sbuf *b, const float *v, size_t n)
{
    /* Bytes per line: whole floats and whole base64 quanta (a multiple of 4
     * and of 3), 80 characters of base64. */
    enum { CHUNK = 60 };
    unsigned char bytes[CHUNK];
    char text[4 * CHUNK / 3 + 1];
    size_t i, j, k = 0;

    lmpnbi_sb_printf(b, "np.frombuffer(base64.b64decode(\n");
    for (i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], sizeof u);
        for (j = 0; j < 4; j++)
            bytes[k++] = (unsigned char)(u >> (8 * j));
        if (k == CHUNK || i + 1 == n) {
            lmpnb_base64_encode(bytes, k, text);
            lmpnbi_sb_printf(b, "    '%s'\n", text);
            k = 0;
        }
    }
    lmpnbi_sb_printf(b, "), dtype='<f4')");
}

/* Python string literal of a UTF-8 text (single quotes, escapes). */
void
lmpnbi_sb_py_str(lmpnbi_sbuf *b, const char *s)
{
    lmpnbi_sb_printf(b, "'");
    for (; s != NULL && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\'' || c == '\\')
            lmpnbi_sb_printf(b, "\\%c", c);
        else if (c < 0x20)
            lmpnbi_sb_printf(b, "\\x%02x", c);
        else
            lmpnbi_sb_printf(b, "%c", c);
    }
    lmpnbi_sb_printf(b, "'");
}

/* Markdown text: escape what would start markup in a file name. */
void
lmpnbi_sb_md_code(lmpnbi_sbuf *b, const char *s)
{
    lmpnbi_sb_printf(b, "`");
    for (; s != NULL && *s; s++)
        lmpnbi_sb_printf(b, "%c", *s == '`' ? '\'' : *s);
    lmpnbi_sb_printf(b, "`");
}

static const char *
base_name(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : (path ? path : "");
}

void
lmpnbi_sb_result(lmpnbi_sbuf *b, const lmp_result *r)
{
    char num[64];

    lmpnbi_sb_printf(b, "m_px=%s, ", lmpnbi_py_num(r->m_px, num, sizeof num));
    lmpnbi_sb_printf(b, "tau=%s, ", lmpnbi_py_num(r->tau, num, sizeof num));
    lmpnbi_sb_printf(b, "theta=%s, ", lmpnbi_py_num(r->theta, num, sizeof num));
    lmpnbi_sb_printf(b, "value=%s", lmpnbi_py_num(r->value, num, sizeof num));
}

/* The first lines of a data cell: the imports and who wrote it. */
static void
sb_data_head(lmpnbi_sbuf *b)
{
    lmpnbi_sb_printf(b, "import numpy as np\nimport matplotlib.pyplot as plt\n\n");
    lmpnbi_sb_printf(b, "# Written by lmpviz %s.", lmp_version());
}

void
lmpnbi_add_cell(lmpnb_notebook *nb,
                lmpnbi_sbuf *b,
                int code,
                const unsigned char *png,
                size_t png_len,
                const char *alt)
{
    if (b->oom || b->s == NULL)
        lmpnbi_fail(nb, LMPVIZ_ERR_NOMEM, "out of memory for the notebook");
    else if (code)
        lmpnb_notebook_add_code(nb, b->s, png, png_len, alt);
    else
        lmpnb_notebook_add_markdown(nb, b->s);
    lmpnbi_sb_free(b);
}

void
lmpnbi_add_text(lmpnb_notebook *nb, int code, const char *text)
{
    if (code)
        lmpnb_notebook_add_code(nb, text, NULL, 0, NULL);
    else
        lmpnb_notebook_add_markdown(nb, text);
}

/* The header cell: title, what it shows, the command. */
static void
add_header(lmpnb_notebook *nb, const char *title, const char *what, const char *command)
{
    lmpnbi_sbuf b = { 0 };
    lmpnbi_sb_printf(&b, "# %s\n\n%s\n", title, what);
    if (command != NULL) {
        lmpnbi_sb_printf(&b, "\nlmpviz %s drew the figure below with\n\n```sh\n%s\n```\n",
                         lmp_version(), command);
    }
    lmpnbi_sb_printf(&b,
                     "\nThe notebook reads well as it is: the figure lmpviz rendered is stored as "
                     "the output of the plotting cell. Run all cells (Python 3 with NumPy and "
                     "matplotlib) to redraw it from the data embedded below, re-solve LMP with the "
                     "NumPy solver, and try other values of $p$ and $m$.\n");
    lmpnbi_add_cell(nb, &b, 0, NULL, 0, NULL);
}

void
lmpnbi_add_md_code(lmpnb_notebook *nb, const char *md, const char *py)
{
    lmpnbi_add_text(nb, 0, md);
    lmpnbi_add_text(nb, 1, py);
}

void
lmpnbi_add_figure(
    lmpnb_notebook *nb, const char *md, const char *plot_py, const lmpnbi_png *png, const char *alt)
{
    lmpnbi_add_text(nb, 0, md);
    lmpnb_notebook_add_code(nb, plot_py, png->data, png->len, alt);
}

static void
add_solver(lmpnb_notebook *nb)
{
    lmpnbi_add_cells(nb, lmpnbi_cells_solver, NULL, NULL);
}

void
lmpnbi_add_intro(lmpnb_notebook *nb,
                 const char *figure,
                 const char *title,
                 const char *what,
                 const char *command)
{
    lmpnb_notebook_set_info(nb, "figure", figure);
    add_header(nb, title, what, command);
    lmpnbi_add_cells(nb, lmpnbi_cells_intro, NULL, NULL);
}

lmpnb_notebook *
lmpnbi_open_notebook(lmpviz_figure *fig, lmpnbi_png *png)
{
    lmpnb_notebook *nb = lmpnb_notebook_create();
    lmpviz_err err = { "" };
    lmpviz_status st;

    png->data = NULL;
    png->len = 0;
    if (fig == NULL || lmpnb_notebook_status(nb) != LMPVIZ_OK)
        return nb;
    st = lmpnb_figure_png(fig, &png->data, &png->len, &err);
    lmpnbi_fail_err(nb, st, &err);
    return nb;
}

/* ------------------------------------------------------------------------
 * Curves (Figure 2)
 */
static const char curve_helpers_py[] =
    "\n"
    "RANK = np.arange(1, N + 1)\n"
    "\n"
    "\n"
    "def view(w):\n"
    "    \"\"\"What the y axis shows: w, n w, or the share of the total weight of the top "
    "k.\"\"\"\n"
    "    if VIEW == 'scaled':\n"
    "        return N * np.asarray(w)\n"
    "    if VIEW == 'cumulative':\n"
    "        return np.cumsum(w) / np.sum(w)\n"
    "    return np.asarray(w)\n"
    "\n"
    "\n"
    "def label(c):\n"
    "    m = f\"m = {c['m']:g}\" if c['m_pixels'] is None else f\"m = {c['m_pixels']:g} px\"\n"
    "    return f\"p = {c['p']:g}, {m}\"\n";

static const char curve_plot_py[] =
    "fig, axes = plt.subplots(1, len(PANELS), figsize=FIGSIZE, squeeze=False)\n"
    "for ax, panel in zip(axes[0], PANELS):\n"
    "    for c in panel['curves']:\n"
    "        ax.plot(RANK, view(c['weights']), lw=1.5, label=label(c))\n"
    "    ax.plot(RANK, view(np.full(N, 1.0 / N)), '--', color='grey', label='uniform 1/n')\n"
    "    if len(panel['curves']) == 1 and VIEW != 'cumulative':\n"
    "        tau = panel['curves'][0]['tau']\n"
    "        ax.axhline(view([tau])[0], ls=':', color='C0', label='cap tau')\n"
    "    if LOGY:\n"
    "        ax.set_yscale('log')\n"
    "    ax.set_xlabel('pixel rank (decreasing loss)')\n"
    "    ax.set_ylabel({'weights': 'weight w', 'scaled': 'n w (uniform = 1)',\n"
    "                   'cumulative': 'share of the total weight'}[VIEW])\n"
    "    ax.set_title(panel['title'])\n"
    "    ax.legend(fontsize=8)\n"
    "fig.tight_layout()\n"
    "plt.show()\n";

static const char curve_check_py[] =
    "TOL = 1e-6  # weights within 1e-6 relative: lmpviz's exactness target\n"
    "worst = 0.0\n"
    "for panel in PANELS:\n"
    "    for c in panel['curves']:\n"
    "        w, info = lmp_weights(LOSSES, c['p'], m=c['m'], m_pixels=c['m_pixels'])\n"
    "        ref = c['weights'].astype(np.float64)\n"
    "        err = float(np.max(np.abs(w - ref) / (np.abs(ref) + 1e-30 * info['tau'])))\n"
    "        worst = max(worst, err)\n"
    "        print(f\"{label(c)}: m_px = {info['m_px']:.6g}, tau = {info['tau']:.6g}, \"\n"
    "              f\"theta = {info['theta']:.6g} (lmpviz {c['theta']:.6g}), \"\n"
    "              f\"LMP loss {info['value']:.6g} (lmpviz {c['value']:.6g}), max rel. diff "
    "{err:.1e}\")\n"
    "assert worst <= TOL, f'NumPy and lmpviz differ by {worst:.3g} > {TOL:g}'\n"
    "print(f'NumPy and lmpviz weights agree within {TOL:g}: OK')\n";

static const char curve_try_py[] =
    "# Change p and m (a fraction of the n pixels), then run this cell again.\n"
    "p, m = 1.2, 0.05\n"
    "w, info = lmp_weights(LOSSES, p, m=m)\n"
    "print(f\"p = {p:g}, m = {m:g}: m_px = {info['m_px']:.4g}, tau = {info['tau']:.4g}, \"\n"
    "      f\"theta = {info['theta']:.4g}; LMP loss {info['value']:.5g}, mean loss "
    "{info['mean']:.5g}\")\n"
    "fig, ax = plt.subplots(figsize=(7, 4))\n"
    "ax.plot(RANK, w, label=f'p = {p:g}, m = {m:g}')\n"
    "ax.plot(RANK, np.full(N, 1.0 / N), '--', color='grey', label='uniform 1/n')\n"
    "ax.axhline(info['tau'], ls=':', color='C0', label='cap tau')\n"
    "ax.set_xlabel('pixel rank (decreasing loss)')\n"
    "ax.set_ylabel('weight w')\n"
    "ax.legend()\n"
    "plt.show()\n";

static const char *
view_name(lmpviz_curve_view v)
{
    return v == LMPVIZ_CURVE_SCALED       ? "scaled"
           : v == LMPVIZ_CURVE_CUMULATIVE ? "cumulative"
                                          : "weights";
}

static void
curve_panel_title(const lmpnb_curve_input *in, size_t i, char *buf, size_t len)
{
    const lmpviz_curve_series *s0 = &in->sets[i]->series[0];
    char num[64];
    if (in->paper && i == 0)
        snprintf(buf, len, "varying p at m = %g (%.4g px)", s0->params.m, s0->result.m_px);
    else if (in->paper)
        snprintf(buf, len, "varying m at p = %s",
                 isinf(s0->params.p) ? "inf" : lmpnbi_py_num(s0->params.p, num, sizeof num));
    else
        snprintf(buf, len, "LMP weights over %zu pixels", in->sets[0]->n);
}

lmpviz_status
lmpnb_curve_fits(size_t n, size_t n_weights, lmpviz_err *err)
{
    if (n <= LMPNB_MAX_LOSSES && n_weights + n <= LMPNB_MAX_NUMBERS)
        return LMPVIZ_OK;
    lmpviz_err_set(err,
                   "%zu losses and %zu weights are too many to embed in a notebook (at most %d "
                   "losses and %d numbers in all); draw fewer with --sample N or --n N",
                   n, n_weights, LMPNB_MAX_LOSSES, LMPNB_MAX_NUMBERS);
    return LMPVIZ_ERR_INVALID_ARG;
}

/* NULL when the input is one the notebook can embed, else a notebook that
 * failed with the reason. */
static lmpnb_notebook *
curve_invalid(const lmpnb_curve_input *in)
{
    lmpviz_err err = { "" };
    size_t i, n, numbers = 0;

    if (in == NULL || in->n_sets == 0 || in->n_sets > 2 || in->sets[0] == NULL)
        return lmpnbi_failed(LMPVIZ_ERR_INVALID_ARG, "expected one or two curve data sets");
    n = in->sets[0]->n;
    for (i = 0; i < in->n_sets; i++) {
        if (in->sets[i] == NULL || in->sets[i]->n != n)
            return lmpnbi_failed(LMPVIZ_ERR_INVALID_ARG,
                                 "expected curve data sets of the same losses");
        numbers += in->sets[i]->n_series * n;
    }
    if (lmpnb_curve_fits(n, numbers, &err) != LMPVIZ_OK)
        return lmpnbi_failed(LMPVIZ_ERR_INVALID_ARG, "%s", err.msg);
    return NULL;
}

/* One entry of PANELS: the title and the curves of set i. */
static void
sb_curve_panel(lmpnbi_sbuf *b, const lmpnb_curve_input *in, size_t i)
{
    const lmpviz_curve_data *d = in->sets[i];
    char num[64], title[160];
    size_t j;

    curve_panel_title(in, i, title, sizeof title);
    lmpnbi_sb_printf(b, "    dict(title=");
    lmpnbi_sb_py_str(b, title);
    lmpnbi_sb_printf(b, ", curves=[\n");
    for (j = 0; j < d->n_series; j++) {
        const lmpviz_curve_series *s = &d->series[j];
        lmpnbi_sb_printf(b, "        dict(p=%s, ", lmpnbi_py_num(s->params.p, num, sizeof num));
        if (s->params.m_pixels > 0.0)
            lmpnbi_sb_printf(b, "m=None, m_pixels=%s, ",
                             lmpnbi_py_num(s->params.m_pixels, num, sizeof num));
        else
            lmpnbi_sb_printf(b, "m=%s, m_pixels=None, ",
                             lmpnbi_py_num(s->params.m, num, sizeof num));
        lmpnbi_sb_result(b, &s->result);
        lmpnbi_sb_printf(b, ",\n             weights=");
        lmpnbi_sb_float_array(b, s->weight, d->n, 13, "np.float32");
        lmpnbi_sb_printf(b, "),\n");
    }
    lmpnbi_sb_printf(b, "    ]),\n");
}

/* The data cell: the losses, the view and every curve. */
static void
curve_data_cell(lmpnb_notebook *nb, const lmpnb_curve_input *in)
{
    const size_t n = in->sets[0]->n;
    lmpnbi_sbuf b = { 0 };
    size_t i;

    sb_data_head(&b);
    lmpnbi_sb_printf(&b, "\n# The %zu losses (%s), sorted in decreasing order.\n", n,
                     in->source ? in->source : "given");
    lmpnbi_sb_printf(&b, "LOSSES = ");
    lmpnbi_sb_float_array(&b, in->sets[0]->loss, n, 0, "np.float32");
    lmpnbi_sb_printf(&b, "\nN = LOSSES.size\n");
    lmpnbi_sb_printf(
        &b, "VIEW = '%s'  # 'weights': w; 'scaled': n w; 'cumulative': share of the top k\n",
        view_name(in->view));
    lmpnbi_sb_printf(&b, "LOGY = %s\nFIGSIZE = (%s, 5)\n", in->logy ? "True" : "False",
                     in->n_sets > 1 ? "13" : "8");
    lmpnbi_sb_printf(
        &b, "# One panel per entry; each curve holds p, m (a fraction) or m_pixels, and\n"
            "# lmpviz's optimal weights w* (float32, aligned with LOSSES), theta, tau and\n"
            "# the LMP loss.\n"
            "PANELS = [\n");
    for (i = 0; i < in->n_sets; i++)
        sb_curve_panel(&b, in, i);
    lmpnbi_sb_printf(&b, "]\n%s", curve_helpers_py);
    lmpnbi_add_cell(nb, &b, 1, NULL, 0, NULL);
}

lmpnb_notebook *
lmpnb_curve_notebook(const lmpnb_curve_input *in)
{
    lmpnb_notebook *nb = curve_invalid(in);
    lmpnbi_png png;

    if (nb != NULL)
        return nb;
    nb = lmpnbi_open_notebook(in->fig, &png);
    lmpnbi_add_intro(nb, in->paper ? "paper" : "curve",
                     in->paper ? "LMP weights for several p and m (the paper's Figure 2)"
                               : "LMP weights over pixels sorted by loss (the paper's Figure 2)",
                     "The optimal Loss Max-Pooling weights $w^*$ over the pixels sorted by "
                     "decreasing loss: how much of the training signal each pixel gets, against "
                     "the uniform weight $1/n$ of the mean loss (dashed).",
                     in->command);
    curve_data_cell(nb, in);
    lmpnbi_add_figure(
        nb,
        "## The figure\n"
        "\n"
        "One line per $(p, m)$: the weights $w^*_i$ against the rank of the pixel's "
        "loss. Pixels left of the knee sit at the cap $\\tau$ (their loss is at least "
        "$\\theta$); to the right the weight decays like $\\ell_i^{q-1}$. The output "
        "stored below is lmpviz's rendering; running the cell redraws it with "
        "matplotlib from the embedded data.\n",
        curve_plot_py, &png, "<lmpviz figure: LMP weight curves>");
    add_solver(nb);
    lmpnbi_add_md_code(nb,
                       "## Check: NumPy against lmpviz\n"
                       "\n"
                       "The NumPy solver re-solves every curve from the embedded losses; its "
                       "weights must match lmpviz's within $10^{-6}$ (relative).\n",
                       curve_check_py);
    lmpnbi_add_md_code(nb,
                       "## Try it yourself\n"
                       "\n"
                       "Lower $p$ towards 1 and the weight piles onto the hardest pixels; raise "
                       "it and the curve flattens towards $1/n$. A larger $m$ lowers the cap "
                       "$\\tau$ and spreads the weight over more pixels.\n",
                       curve_try_py);
    lmpnbi_add_cells(nb, in->paper ? lmpnbi_cells_exercises_paper : lmpnbi_cells_exercises_curve,
                     NULL, NULL);
    free(png.data);
    return nb;
}

/* ------------------------------------------------------------------------
 * The feasible set (Figure 1)
 */
static const char region_helpers_py[] =
    "\n"
    "\n"
    "def region_polygon(p, m, n_arc=181):\n"
    "    \"\"\"Boundary of W for n = 2: the quarter p-ball of radius gamma cut by the cap "
    "tau.\"\"\"\n"
    "    m_px = min(max(2.0 * m, 1.0), 2.0)\n"
    "    if np.isinf(p):\n"
    "        g = t = 0.5\n"
    "        return np.array([0, t, t, 0.0]), np.array([0, 0, t, t]), g, t\n"
    "    g = 2.0 ** (1.0 / p - 1.0)\n"
    "    t = g * m_px ** (-1.0 / p)\n"
    "    s = np.linspace(0.0, np.pi / 2, n_arc)\n"
    "    x = np.minimum(g * np.cos(s) ** (2.0 / p), t)\n"
    "    y = np.minimum(g * np.sin(s) ** (2.0 / p), t)\n"
    "    return np.r_[0.0, x], np.r_[0.0, y], g, t\n"
    "\n"
    "\n"
    "def draw_region(ax, ps, m, losses=None, w_star=None):\n"
    "    for i, p in enumerate(ps):\n"
    "        x, y, g, t = region_polygon(p, m)\n"
    "        ax.fill(x, y, color=f'C{i}', alpha=0.12)\n"
    "        ax.plot(np.r_[x, x[0]], np.r_[y, y[0]], color=f'C{i}', lw=2,\n"
    "                label=f'p = {p:g}: gamma = {g:.3g}, tau = {t:.3g}')\n"
    "        if w_star is not None:\n"
    "            ax.plot(*w_star[i], 'o', color=f'C{i}', ms=7)\n"
    "    ax.plot(0.5, 0.5, 'k*', ms=10, label='uniform (1/2, 1/2)')\n"
    "    if losses is not None:\n"
    "        u = np.asarray(losses, dtype=float) / np.hypot(*losses)\n"
    "        ax.annotate('', xy=tuple(0.6 * u), xytext=(0, 0),\n"
    "                    arrowprops=dict(arrowstyle='->', color='k'))\n"
    "        ax.text(*(0.62 * u), 'loss direction', fontsize=8)\n"
    "    ax.set_aspect('equal')\n"
    "    ax.set_xlim(0, 1.1)\n"
    "    ax.set_ylim(0, 1.1)\n"
    "    ax.set_xlabel('$w_1$')\n"
    "    ax.set_ylabel('$w_2$')\n"
    "    ax.legend(fontsize=8, loc='upper right')\n";

static const char region_plot_py[] =
    "fig, ax = plt.subplots(figsize=(8, 5.5))\n"
    "draw_region(ax, P, M, LOSSES, [c['w'] for c in LMPVIZ] if LOSSES is not None else None)\n"
    "ax.set_title(f'The feasible set W for n = 2, m = {M:g}')\n"
    "plt.show()\n";

static const char region_check_py[] =
    "TOL = 1e-6  # weights within 1e-6 relative: lmpviz's exactness target\n"
    "if LOSSES is None:\n"
    "    print('no losses embedded: run lmpviz notebook --figure region --losses A,B')\n"
    "else:\n"
    "    worst = 0.0\n"
    "    for c in LMPVIZ:\n"
    "        w, info = lmp_weights(LOSSES, c['p'], m=M)\n"
    "        ref = np.asarray(c['w'], dtype=np.float64)\n"
    "        err = float(np.max(np.abs(w - ref) / (np.abs(ref) + 1e-30 * info['tau'])))\n"
    "        worst = max(worst, err)\n"
    "        print(f\"p = {c['p']:g}: w* = ({w[0]:.6g}, {w[1]:.6g}), lmpviz ({ref[0]:.6g}, "
    "{ref[1]:.6g}), \"\n"
    "              f\"LMP loss {info['value']:.6g}\")\n"
    "    assert worst <= TOL, f'NumPy and lmpviz differ by {worst:.3g} > {TOL:g}'\n"
    "    print(f'NumPy and lmpviz weights agree within {TOL:g}: OK')\n";

static const char region_try_py[] =
    "# Change the exponents, m (a fraction: m_px = clamp(2 m, 1, 2)) and the two\n"
    "# losses, then run this cell again.\n"
    "ps, m, losses = [1, 1.25, 2, 4], 0.75, (3.0, 1.0)\n"
    "w_star = [tuple(lmp_weights(losses, p, m=m)[0]) for p in ps]\n"
    "for p, w in zip(ps, w_star):\n"
    "    print(f'p = {p:g}: w* = ({w[0]:.4g}, {w[1]:.4g})')\n"
    "fig, ax = plt.subplots(figsize=(8, 5.5))\n"
    "draw_region(ax, ps, m, losses, w_star)\n"
    "plt.show()\n";

/* The entry of LMPVIZ for p = o->p[i]: gamma, tau and (with losses) w*. */
static void
sb_region_solution(lmpnb_notebook *nb, lmpnbi_sbuf *b, const lmpviz_region_opts *o, size_t i)
{
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result r;
    float loss[2], w[2] = { 0.0f, 0.0f };
    char num[64];

    memset(&r, 0, sizeof r);
    prm.p = o->p[i];
    prm.m = o->m;
    loss[0] = o->have_losses ? (float)o->losses[0] : 1.0f;
    loss[1] = o->have_losses ? (float)o->losses[1] : 1.0f;
    if (lmp_solve(loss, NULL, 2, &prm, w, &r, NULL) != LMP_OK) {
        lmpnbi_fail(nb, LMPVIZ_ERR_SOLVER, "cannot solve LMP for p = %g, m = %g", o->p[i], o->m);
        return;
    }
    lmpnbi_sb_printf(b, "    dict(p=%s, ", lmpnbi_py_num(o->p[i], num, sizeof num));
    lmpnbi_sb_printf(b, "gamma=%s, ", lmpnbi_py_num(r.gamma, num, sizeof num));
    lmpnbi_sb_printf(b, "tau=%s", lmpnbi_py_num(r.tau, num, sizeof num));
    if (o->have_losses)
        lmpnbi_sb_printf(b, ", w=(%.9g, %.9g)", (double)w[0], (double)w[1]);
    lmpnbi_sb_printf(b, "),\n");
}

/* The data cell: the exponents, m, the losses and lmpviz's solutions. */
static void
region_data_cell(lmpnb_notebook *nb, const lmpviz_region_opts *o)
{
    lmpnbi_sbuf b = { 0 };
    char num[64], num2[64];
    size_t i;

    sb_data_head(&b);
    lmpnbi_sb_printf(&b, "\nP = [");
    for (i = 0; i < o->n_p; i++)
        lmpnbi_sb_printf(&b, "%s%s", i ? ", " : "", lmpnbi_py_num(o->p[i], num, sizeof num));
    lmpnbi_sb_printf(&b, "]\nM = %s  # a fraction: m_px = clamp(2 M, 1, 2)\n",
                     lmpnbi_py_num(o->m, num, sizeof num));
    if (o->have_losses)
        lmpnbi_sb_printf(&b, "LOSSES = (%s, %s)\n", lmpnbi_py_num(o->losses[0], num, sizeof num),
                         lmpnbi_py_num(o->losses[1], num2, sizeof num2));
    else
        lmpnbi_sb_printf(&b, "LOSSES = None\n");
    lmpnbi_sb_printf(&b, "# lmpviz's gamma and tau for each p%s\nLMPVIZ = [\n",
                     o->have_losses ? ", and its optimal weights w* (float32) for LOSSES" : "");
    for (i = 0; i < o->n_p && lmpnb_notebook_status(nb) == LMPVIZ_OK; i++)
        sb_region_solution(nb, &b, o, i);
    lmpnbi_sb_printf(&b, "]\n%s", region_helpers_py);
    lmpnbi_add_cell(nb, &b, 1, NULL, 0, NULL);
}

lmpnb_notebook *
lmpnb_region_notebook(const lmpnb_region_input *in)
{
    const lmpviz_region_opts *o = in ? in->opts : NULL;
    lmpnb_notebook *nb;
    lmpnbi_png png;

    if (o == NULL || o->p == NULL || o->n_p == 0 || !(o->m > 0.0 && o->m <= 1.0))
        return lmpnbi_failed(LMPVIZ_ERR_INVALID_ARG, "expected at least one p and m in (0, 1]");
    nb = lmpnbi_open_notebook(in->fig, &png);
    lmpnbi_add_intro(nb, "region", "The feasible set of LMP for two pixels (the paper's Figure 1)",
                     "With only two pixels the set $W$ of allowed weightings is a picture: the "
                     "quarter $p$-ball of radius $\\gamma$, cut by the cap $w_i \\le \\tau$. The "
                     "optimal $w^*$ is where the level line of $w \\cdot \\ell$ last touches $W$.",
                     in->command);
    region_data_cell(nb, o);
    lmpnbi_add_figure(
        nb,
        "## The figure\n"
        "\n"
        "Each shaded set is $W$ for one $p$. At $p = 1$ it is the triangle "
        "$w_1 + w_2 \\le 1$ cut by $\\tau$, and $w^*$ sits at a corner (all weight on "
        "the larger loss, up to the cap); as $p$ grows the ball rounds off and $w^*$ "
        "slides towards the uniform point $(1/2, 1/2)$. The output stored below is "
        "lmpviz's rendering; running the cell redraws it with matplotlib.\n",
        region_plot_py, &png, "<lmpviz figure: the feasible set W>");
    add_solver(nb);
    lmpnbi_add_md_code(nb,
                       "## Check: NumPy against lmpviz\n"
                       "\n"
                       "The NumPy solver finds $w^*$ for the two losses; it must match lmpviz's "
                       "within $10^{-6}$ (relative).\n",
                       region_check_py);
    lmpnbi_add_md_code(nb, "## Try it yourself\n", region_try_py);
    lmpnbi_add_cells(nb, lmpnbi_cells_exercises_region, NULL, NULL);
    free(png.data);
    return nb;
}

/* ------------------------------------------------------------------------
 * Heatmap of one frame
 */
static const char heatmap_plot_py[] =
    "fig, ax = plt.subplots(figsize=(9, 5))\n"
    "im = ax.imshow(NW_MAP, cmap='viridis', vmin=0.0, vmax=N_VALID * TAU, "
    "interpolation='nearest')\n"
    "fig.colorbar(im, ax=ax, shrink=0.8, label='n w (1 = the uniform weight of the mean loss)')\n"
    "ax.set_title(f'LMP weights, p = {P:g}, m_px = {M_PX:.4g} (block means, ignored pixels "
    "blank)')\n"
    "ax.axis('off')\n"
    "plt.show()\n";

static const char heatmap_classes_py[] =
    "names = [c['name'] for c in CLASSES]\n"
    "x = np.arange(len(CLASSES))\n"
    "fig, ax = plt.subplots(figsize=(10, 4))\n"
    "for k, (key, what) in enumerate([('pixel_share', 'pixels'), ('loss_share', 'loss'),\n"
    "                                 ('weight_share', 'LMP weight')]):\n"
    "    ax.bar(x + (k - 1) * 0.27, [100 * c[key] for c in CLASSES], width=0.27, label=what)\n"
    "ax.set_xticks(x)\n"
    "ax.set_xticklabels(names, rotation=45, ha='right')\n"
    "ax.set_ylabel('share of the frame (%)')\n"
    "ax.legend()\n"
    "fig.tight_layout()\n"
    "plt.show()\n";

/* What the notebook embeds of the frame: the table of the classes, the
 * n·w map averaged over bs x bs blocks (mw x mh), and every step-th valid
 * pixel's loss and n·w. */
typedef struct heatmap_sample {
    lmpviz_class_row rows[LMPVIZ_CS_CLASSES];
    size_t n_rows;
    size_t bs, mw, mh, step, count;
    float *map, *loss, *nw;
} heatmap_sample;

static void
heatmap_sample_free(heatmap_sample *hs)
{
    free(hs->map);
    free(hs->loss);
    free(hs->nw);
}

/* The n·w map, block-averaged to at most LMPNB_MAP_WIDTH columns. */
static void
block_map(const lmpviz_heatmap *hm, heatmap_sample *hs)
{
    const double nv = (double)hm->n_valid;
    size_t x, y, xx, yy;

    for (y = 0; y < hs->mh; y++) {
        for (x = 0; x < hs->mw; x++) {
            double sum = 0.0;
            size_t cnt = 0;
            for (yy = y * hs->bs; yy < (y + 1) * hs->bs && yy < hm->height; yy++) {
                for (xx = x * hs->bs; xx < (x + 1) * hs->bs && xx < hm->width; xx++) {
                    size_t idx = yy * hm->width + xx;
                    if (hm->valid[idx]) {
                        sum += nv * hm->weight[idx];
                        cnt++;
                    }
                }
            }
            hs->map[y * hs->mw + x] = cnt ? (float)(sum / (double)cnt) : NAN;
        }
    }
}

/* The map and the sample; LMPVIZ_ERR_NOMEM when out of memory. */
static lmpviz_status
heatmap_sample_make(const lmpviz_heatmap *hm, heatmap_sample *hs)
{
    const double nv = (double)hm->n_valid;
    size_t i, k = 0;

    memset(hs, 0, sizeof *hs);
    hs->bs = (hm->width + LMPNB_MAP_WIDTH - 1) / LMPNB_MAP_WIDTH;
    hs->mw = (hm->width + hs->bs - 1) / hs->bs;
    hs->mh = (hm->height + hs->bs - 1) / hs->bs;
    hs->step = (hm->n_valid + LMPNB_MAX_SAMPLE - 1) / LMPNB_MAX_SAMPLE;
    if (hs->step == 0)
        hs->step = 1;
    hs->map = malloc(hs->mw * hs->mh * sizeof *hs->map);
    hs->loss = malloc(LMPNB_MAX_SAMPLE * sizeof *hs->loss);
    hs->nw = malloc(LMPNB_MAX_SAMPLE * sizeof *hs->nw);
    if (hs->map == NULL || hs->loss == NULL || hs->nw == NULL)
        return LMPVIZ_ERR_NOMEM;
    block_map(hm, hs);
    /* Every step-th valid pixel in raster order. */
    for (i = 0; i < hm->width * hm->height && hs->count < LMPNB_MAX_SAMPLE; i++) {
        if (!hm->valid[i])
            continue;
        if (k++ % hs->step == 0) {
            hs->loss[hs->count] = hm->loss[i];
            hs->nw[hs->count] = (float)(nv * hm->weight[i]);
            hs->count++;
        }
    }
    return LMPVIZ_OK;
}

/* The markdown cell of the frame: its files, the solution and the table of
 * the classes. */
static void
heatmap_frame_cell(lmpnb_notebook *nb, const lmpnb_heatmap_input *in, const heatmap_sample *hs)
{
    const lmpviz_class_row *rows = hs->rows;
    const lmpviz_heatmap *hm = in->hm;
    const lmp_result *r = &hm->result;
    lmpnbi_sbuf b = { 0 };
    char num[64];
    size_t i;

    lmpnbi_sb_printf(&b, "## This frame\n\n| | |\n|---|---|\n");
    lmpnbi_sb_printf(&b, "| frame | ");
    lmpnbi_sb_md_code(&b, base_name(in->image));
    lmpnbi_sb_printf(&b, " |\n| labels | ");
    lmpnbi_sb_md_code(&b, base_name(in->labels));
    lmpnbi_sb_printf(&b, " |\n| model output | ");
    lmpnbi_sb_md_code(&b, base_name(in->pred));
    lmpnbi_sb_printf(&b, " |\n| size | %zu × %zu pixels, $n$ = %zu valid |\n", hm->width,
                     hm->height, hm->n_valid);
    lmpnbi_sb_printf(&b, "| $p$ | %s |\n",
                     isinf(hm->params.p) ? "$\\infty$"
                                         : lmpnbi_py_num(hm->params.p, num, sizeof num));
    lmpnbi_sb_printf(&b, "| $m_{\\text{px}}$ | %.6g pixels |\n", r->m_px);
    lmpnbi_sb_printf(&b, "| $\\tau$, $\\gamma$, $\\theta$ | %.6g, %.6g, %.6g |\n", r->tau, r->gamma,
                     r->theta);
    lmpnbi_sb_printf(&b, "| LMP loss / mean loss | %.6g / %.6g |\n", r->value, r->mean);
    lmpnbi_sb_printf(&b, "| pixels at the cap / with weight > 0 | %zu / %zu |\n", r->n_clamped,
                     r->n_support);
    lmpnbi_sb_printf(
        &b, "\nPer class (shares of the valid pixels, of the total loss and of the total "
            "weight; mean $n\\,w$ > 1 means the class is up-weighted):\n\n"
            "| class | pixels | pixels %% | loss %% | weight %% | mean $n\\,w$ | mean loss |\n"
            "|---|---:|---:|---:|---:|---:|---:|\n");
    for (i = 0; i < hs->n_rows; i++)
        lmpnbi_sb_printf(&b, "| %s | %zu | %.2f | %.2f | %.2f | %.3f | %.4f |\n", rows[i].name,
                         rows[i].pixels, 100.0 * rows[i].pixel_share, 100.0 * rows[i].loss_share,
                         100.0 * rows[i].weight_share, rows[i].mean_nw, rows[i].mean_loss);
    lmpnbi_add_cell(nb, &b, 0, NULL, 0, NULL);
}

/* The data cell: the solution, the table, the map and the sample. */
static void
heatmap_data_cell(lmpnb_notebook *nb, const lmpviz_heatmap *hm, const heatmap_sample *hs)
{
    const lmpviz_class_row *rows = hs->rows;
    const lmp_result *r = &hm->result;
    lmpnbi_sbuf b = { 0 };
    char num[64];
    size_t i;

    sb_data_head(&b);
    lmpnbi_sb_printf(&b, "\nP = %s\n", lmpnbi_py_num(hm->params.p, num, sizeof num));
    lmpnbi_sb_printf(&b, "M_PX = %s  # the support in pixels\n",
                     lmpnbi_py_num(r->m_px, num, sizeof num));
    lmpnbi_sb_printf(&b, "N_VALID = %zu\n", hm->n_valid);
    lmpnbi_sb_printf(&b, "TAU = %s\n", lmpnbi_py_num(r->tau, num, sizeof num));
    lmpnbi_sb_printf(&b, "THETA = %s\n", lmpnbi_py_num(r->theta, num, sizeof num));
    lmpnbi_sb_printf(&b, "LMP_LOSS = %s\n", lmpnbi_py_num(r->value, num, sizeof num));
    lmpnbi_sb_printf(&b, "MEAN_LOSS = %s\n", lmpnbi_py_num(r->mean, num, sizeof num));
    lmpnbi_sb_printf(&b, "# The per-class table (trainIds, Cityscapes names).\nCLASSES = [\n");
    for (i = 0; i < hs->n_rows; i++) {
        lmpnbi_sb_printf(&b, "    dict(train_id=%u, name=", rows[i].train_id);
        lmpnbi_sb_py_str(&b, rows[i].name);
        lmpnbi_sb_printf(&b,
                         ", pixels=%zu, pixel_share=%.9g, loss_share=%.9g, weight_share=%.9g, "
                         "mean_nw=%.9g, mean_loss=%.9g),\n",
                         rows[i].pixels, rows[i].pixel_share, rows[i].loss_share,
                         rows[i].weight_share, rows[i].mean_nw, rows[i].mean_loss);
    }
    lmpnbi_sb_printf(&b,
                     "]\n# n w averaged over %zux%zu-pixel blocks of the %zux%zu frame (nan: no "
                     "valid pixel).\nNW_MAP = ",
                     hs->bs, hs->bs, hm->width, hm->height);
    lmpnbi_sb_float_array(&b, hs->map, hs->mw * hs->mh, 0, "np.float32");
    lmpnbi_sb_printf(&b, ".reshape(%zu, %zu)\n", hs->mh, hs->mw);
    lmpnbi_sb_printf(
        &b, "# Every %zu-th valid pixel (raster order): its loss and lmpviz's n w.\nSAMPLE_LOSS = ",
        hs->step);
    lmpnbi_sb_float_array(&b, hs->loss, hs->count, 0, "np.float32");
    lmpnbi_sb_printf(&b, "\nSAMPLE_NW = ");
    lmpnbi_sb_float_array(&b, hs->nw, hs->count, 0, "np.float32");
    lmpnbi_sb_printf(&b, "\n");
    lmpnbi_add_cell(nb, &b, 1, NULL, 0, NULL);
}

/* The cells after the intro. */
static void
heatmap_cells(lmpnb_notebook *nb,
              const lmpnb_heatmap_input *in,
              const heatmap_sample *hs,
              const lmpnbi_png *png)
{
    heatmap_frame_cell(nb, in, hs);
    heatmap_data_cell(nb, in->hm, hs);
    lmpnbi_add_figure(
        nb,
        "## The weights over the frame\n"
        "\n"
        "The output stored below is lmpviz's overlay (downscaled): the frame, dimmed, "
        "with $n\\,w_i$ blended on top from 0 to the cap $n\\tau$. Running the cell "
        "draws the embedded block-averaged map instead.\n",
        heatmap_plot_py, png, "<lmpviz figure: LMP weights on the frame>");
    lmpnbi_add_md_code(nb, "## Which classes gain weight\n", heatmap_classes_py);
    add_solver(nb);
    lmpnbi_heatmap_map_cells(nb, in);
}

lmpnb_notebook *
lmpnb_heatmap_notebook(const lmpnb_heatmap_input *in)
{
    const lmpviz_heatmap *hm = in ? in->hm : NULL;
    lmpnb_notebook *nb;
    lmpnbi_png png;
    lmpviz_class_stats cst;
    heatmap_sample hs;
    lmpviz_status st;

    if (hm == NULL || hm->weight == NULL || hm->loss == NULL || hm->valid == NULL ||
        hm->width == 0 || hm->height == 0)
        return lmpnbi_failed(LMPVIZ_ERR_INVALID_ARG, "expected a computed heatmap");
    memset(&cst, 0, sizeof cst);
    st = lmpviz_class_stats_add(&cst, hm->train, hm->loss, hm->weight, hm->width * hm->height,
                                hm->n_valid);
    if (st != LMPVIZ_OK)
        return lmpnbi_failed(st, "bad trainIds in the heatmap");
    if (heatmap_sample_make(hm, &hs) != LMPVIZ_OK) {
        heatmap_sample_free(&hs);
        return lmpnbi_failed(LMPVIZ_ERR_NOMEM, "out of memory for the notebook");
    }
    hs.n_rows = lmpviz_class_stats_rows(&cst, hs.rows);
    nb = lmpnbi_open_notebook(in->fig, &png);
    lmpnbi_add_intro(nb, "heatmap", "Where LMP puts the weight on a segmentation output",
                     "The per-pixel cross-entropy of a network's output against the ground "
                     "truth, Loss Max-Pooling solved over the whole frame, and the weights shown "
                     "as $n\\,w_i$ (1 is the uniform weight of the mean loss) over the frame, "
                     "with each class's share of the pixels, the loss and the weight.",
                     in->command);
    heatmap_cells(nb, in, &hs, &png);
    heatmap_sample_free(&hs);
    free(png.data);
    return nb;
}
