/*
 * notebook_compare.c - the teaching notebook of `lmpviz compare`: the
 * schemes' weights at evenly spaced ranks of the sorted losses, their top-k
 * shares, per-class shares, the schemes re-solved by lmpviz on the sampled
 * losses (for the NumPy check), and the profile figure.  The text and code
 * are cells/compare.cells; this file writes the data cell.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notebook.h"
#include "notebook_internal.h"

typedef struct compare_ctx {
    const lmpnb_compare_input *in;
    lmpnbi_png png;
} compare_ctx;

static const char *
kind_name(lmp_scheme_kind k)
{
    return lmp_scheme_name(k);
}

/* dict(...) of one scheme's parameters and results. */
static void
sb_scheme(lmpnbi_sbuf *b, const lmpviz_scheme_spec *sp, const lmp_scheme_result *r)
{
    const lmp_scheme *s = &sp->scheme;
    char num[64];

    lmpnbi_sb_printf(b, "    dict(text=");
    lmpnbi_sb_py_str(b, sp->text);
    lmpnbi_sb_printf(b, ", label=");
    lmpnbi_sb_py_str(b, sp->label);
    lmpnbi_sb_printf(b, ", kind='%s'", kind_name(s->kind));
    switch (s->kind) {
    case LMP_SCHEME_LMP:
        lmpnbi_sb_printf(b, ", p=%s", lmpnbi_py_num(s->lmp.p, num, sizeof num));
        lmpnbi_sb_printf(b, ", m=%s", lmpnbi_py_num(s->lmp.m, num, sizeof num));
        lmpnbi_sb_printf(b, ", m_pixels=%s",
                         s->lmp.m_pixels > 0.0 ? lmpnbi_py_num(s->lmp.m_pixels, num, sizeof num)
                                               : "None");
        break;
    case LMP_SCHEME_OHEM:
        lmpnbi_sb_printf(b, ", thresh=%s, min_kept=%zu", lmpnbi_py_num(s->thresh, num, sizeof num),
                         s->min_kept);
        break;
    case LMP_SCHEME_TOPK:
        lmpnbi_sb_printf(b, ", k=%s", lmpnbi_py_num(s->k, num, sizeof num));
        lmpnbi_sb_printf(b, ", k_pixels=%s",
                         s->k_pixels > 0.0 ? lmpnbi_py_num(s->k_pixels, num, sizeof num) : "None");
        break;
    case LMP_SCHEME_FOCAL:
        lmpnbi_sb_printf(b, ", gamma=%s", lmpnbi_py_num(s->gamma, num, sizeof num));
        break;
    default:
        break;
    }
    lmpnbi_sb_printf(b, ", weight_sum=%s", lmpnbi_py_num(r->weight_sum, num, sizeof num));
    lmpnbi_sb_printf(b, ", value=%s),\n",
                     isnan(r->value) ? "None" : lmpnbi_py_num(r->value, num, sizeof num));
}

/* The input at k evenly spaced ranks of its sorted losses, and the
 * schemes solved again on those losses alone. */
typedef struct sample {
    size_t k;
    size_t *rank;           /* 0-based ranks, the first and the last included */
    float *loss;            /* the losses there */
    unsigned char *cls;     /* their trainIds (0 without classes) */
    float *vals;            /* room for k numbers */
    double *prefix;         /* room for n_valid + 1 sums */
    lmpviz_compare_data ds; /* the schemes on the sample */
} sample;

static void
sample_free(sample *sp)
{
    lmpviz_compare_free(&sp->ds);
    free(sp->rank);
    free(sp->loss);
    free(sp->cls);
    free(sp->vals);
    free(sp->prefix);
}

/* Takes the sample and solves the schemes on it; err says why not. */
static lmpviz_status
sample_make(const lmpnb_compare_input *in, sample *sp, lmpviz_err *err)
{
    const lmpviz_compare_data *d = in->d;
    const size_t nv = d->n_valid;
    const size_t k = nv < LMPNB_COMPARE_POINTS ? nv : LMPNB_COMPARE_POINTS;
    lmpviz_scheme_spec spec[LMPVIZ_COMPARE_MAX_SCHEMES];
    lmp_scheme_input sin;
    size_t i, s;

    memset(sp, 0, sizeof *sp);
    sp->k = k;
    sp->rank = malloc(k * sizeof *sp->rank);
    sp->loss = malloc(k * sizeof *sp->loss);
    sp->vals = malloc(k * sizeof *sp->vals);
    sp->cls = malloc(k);
    sp->prefix = malloc((nv + 1) * sizeof *sp->prefix);
    if (sp->rank == NULL || sp->loss == NULL || sp->vals == NULL || sp->cls == NULL ||
        sp->prefix == NULL)
        return LMPVIZ_ERR_NOMEM;
    for (i = 0; i < k; i++) {
        sp->rank[i] = k > 1 ? (size_t)llround((double)i * (double)(nv - 1) / (double)(k - 1)) : 0;
        sp->loss[i] = d->loss[d->order[sp->rank[i]]];
        sp->cls[i] = in->cls ? in->cls[d->order[sp->rank[i]]] : 0;
    }
    /* The pixel counts of the schemes scaled to the sample (at_sample_scale
     * in the notebook, the same operations in the same order). */
    memcpy(spec, d->spec, d->n_schemes * sizeof *spec);
    for (s = 0; s < d->n_schemes; s++) {
        lmp_scheme *sc = &spec[s].scheme;
        sc->min_kept = (size_t)floor((double)sc->min_kept * (double)k / (double)nv + 0.5);
        if (sc->k_pixels > 0.0)
            sc->k_pixels = fmax(1.0, sc->k_pixels * (double)k / (double)nv);
        if (sc->lmp.m_pixels > 0.0)
            sc->lmp.m_pixels = fmax(1.0, sc->lmp.m_pixels * (double)k / (double)nv);
    }
    memset(&sin, 0, sizeof sin);
    sin.n = k;
    sin.loss = sp->loss;
    sin.cls = in->cls ? sp->cls : NULL;
    return lmpviz_compare_compute(spec, d->n_schemes, &sin, NULL, &sp->ds, err);
}

/* vals as one base64 array of the NW-like lists, and its separator. */
static void
sb_vals(lmpnbi_sbuf *b, const sample *sp)
{
    lmpnbi_sb_float_b64(b, sp->vals, sp->k);
    lmpnbi_sb_printf(b, ",\n");
}

/* RANK, LOSS, NW, TOP_SHARE and SAMPLE_NW. */
static void
sb_profiles(lmpnbi_sbuf *b, const lmpviz_compare_data *d, sample *sp)
{
    const size_t nv = d->n_valid, k = sp->k;
    size_t i, s;

    lmpnbi_sb_printf(
        b,
        "]\n# %zu ranks (1 = the largest loss), evenly spaced over the valid pixels.\nRANK = ", k);
    for (i = 0; i < k; i++)
        sp->vals[i] = (float)(sp->rank[i] + 1);
    lmpnbi_sb_float_b64(b, sp->vals, k);
    lmpnbi_sb_printf(b, ".astype(np.int64)\n# The losses at those ranks.\nLOSS = ");
    lmpnbi_sb_float_b64(b, sp->loss, k);
    lmpnbi_sb_printf(
        b, "\n# Each scheme's n w at those ranks (1 = the uniform weight 1/n), and the share of\n"
           "# its total weight held by the pixels up to that rank, on the whole input.\nNW = [\n");
    for (s = 0; s < d->n_schemes; s++) {
        for (i = 0; i < k; i++)
            sp->vals[i] = (float)((double)nv * (double)d->weight[s][d->order[sp->rank[i]]]);
        sb_vals(b, sp);
    }
    lmpnbi_sb_printf(b, "]\nTOP_SHARE = [\n");
    for (s = 0; s < d->n_schemes; s++) {
        double *prefix = sp->prefix;
        prefix[0] = 0.0;
        for (i = 0; i < nv; i++)
            prefix[i + 1] = prefix[i] + (double)d->weight[s][d->order[i]];
        for (i = 0; i < k; i++)
            sp->vals[i] = prefix[nv] > 0.0 ? (float)(prefix[sp->rank[i] + 1] / prefix[nv]) : 0.0f;
        sb_vals(b, sp);
    }
    lmpnbi_sb_printf(
        b,
        "]\n# The schemes solved again by lmpviz with LOSS as the whole input (%zu pixels) and\n"
        "# their pixel counts scaled to it (at_sample_scale): n w, for the NumPy check.\n"
        "SAMPLE_NW = [\n",
        k);
    for (s = 0; s < d->n_schemes; s++) {
        for (i = 0; i < k; i++)
            sp->vals[i] = (float)((double)k * (double)sp->ds.weight[s][i]);
        sb_vals(b, sp);
    }
    lmpnbi_sb_printf(b, "]\n");
}

/* One scheme's share of the weight on a class (0 when the class has none). */
static double
class_share(const lmpviz_class_stats *cs, unsigned train_id)
{
    lmpviz_class_row rs[LMPVIZ_CS_CLASSES];
    size_t nr = lmpviz_class_stats_rows(cs, rs), j;
    double share = 0.0;

    for (j = 0; j < nr; j++) {
        if (rs[j].train_id == train_id)
            share = rs[j].weight_share;
    }
    return share;
}

/* SAMPLE_CLASS and CLASSES; LMPVIZ_ERR_INVALID_ARG for bad trainIds. */
static lmpviz_status
sb_classes(lmpnbi_sbuf *b, const lmpnb_compare_input *in, const sample *sp)
{
    const lmpviz_compare_data *d = in->d;
    lmpviz_compare_stats cst;
    lmpviz_class_row rows[LMPVIZ_CS_CLASSES];
    size_t n_rows, r, i, s;
    lmpviz_status st;

    memset(&cst, 0, sizeof cst);
    st = lmpviz_compare_stats_add(&cst, d, in->cls);
    if (st != LMPVIZ_OK)
        return st;
    lmpnbi_sb_printf(
        b, "# trainIds of the pixels at RANK (for the class schemes).\nSAMPLE_CLASS = np.array([");
    for (i = 0; i < sp->k; i++)
        lmpnbi_sb_printf(b, "%s%u", i % 32 ? ", " : (i ? ",\n    " : "\n    "), sp->cls[i]);
    lmpnbi_sb_printf(b, "\n], dtype=np.int64)\n");
    lmpnbi_sb_printf(b, "# Per class: shares of the pixels, of the loss and of each scheme's "
                        "weight.\nCLASSES = [\n");
    n_rows = lmpviz_class_stats_rows(&cst.st[0], rows);
    for (r = 0; r < n_rows; r++) {
        lmpnbi_sb_printf(b, "    dict(train_id=%u, name=", rows[r].train_id);
        lmpnbi_sb_py_str(b, rows[r].name);
        lmpnbi_sb_printf(b, ", pixel_share=%.6g, loss_share=%.6g, weight_share=[",
                         rows[r].pixel_share, rows[r].loss_share);
        for (s = 0; s < d->n_schemes; s++)
            lmpnbi_sb_printf(b, "%s%.6g", s ? ", " : "", class_share(&cst.st[s], rows[r].train_id));
        lmpnbi_sb_printf(b, "]),\n");
    }
    lmpnbi_sb_printf(b, "]\n");
    return LMPVIZ_OK;
}

/* The data cell. */
static void
data_cell(lmpnb_notebook *nb, const compare_ctx *cx)
{
    const lmpviz_compare_data *d = cx->in->d;
    lmpnbi_sbuf b = { 0 };
    lmpviz_err err = { "" };
    lmpviz_status st;
    sample sp;
    size_t s;

    st = sample_make(cx->in, &sp, &err);
    if (st != LMPVIZ_OK) {
        lmpnbi_fail_err(nb, st, &err);
        sample_free(&sp);
        return;
    }
    lmpnbi_sb_printf(
        &b, "import base64\nimport os\n\nimport numpy as np\nimport matplotlib.pyplot as plt\n\n");
    lmpnbi_sb_printf(&b, "# Written by lmpviz %s.\nSOURCE = ", lmp_version());
    lmpnbi_sb_py_str(&b, cx->in->source ? cx->in->source : "given losses");
    lmpnbi_sb_printf(&b, "\nN_VALID = %zu  # valid pixels of the input\n", d->n_valid);
    lmpnbi_sb_printf(&b,
                     "# The schemes as lmpviz parsed them, with the sum of their weights and the\n"
                     "# weighted loss sum_i w_i l_i on the whole input.\nSCHEMES = [\n");
    for (s = 0; s < d->n_schemes; s++)
        sb_scheme(&b, &d->spec[s], &d->result[s]);
    sb_profiles(&b, d, &sp);
    if (cx->in->cls == NULL)
        lmpnbi_sb_printf(
            &b,
            "SAMPLE_CLASS = None  # no labels: no class schemes, no class table\nCLASSES = []\n");
    else if ((st = sb_classes(&b, cx->in, &sp)) != LMPVIZ_OK)
        lmpnbi_fail(nb, st, "bad trainIds in the input");
    lmpnbi_add_cell(nb, &b, 1, NULL, 0, NULL);
    sample_free(&sp);
}

static void
compare_slot(lmpnb_notebook *nb, const char *name, void *ctx)
{
    const compare_ctx *cx = ctx;
    if (strcmp(name, "data") == 0)
        data_cell(nb, cx);
    else if (strcmp(name, "figure") == 0)
        lmpnb_notebook_add_code(nb, "plot_profiles(NW, TOP_SHARE, [s['label'] for s in SCHEMES])\n",
                                cx->png.data, cx->png.len,
                                "<lmpviz figure: the schemes' weight profiles>");
    else
        lmpnbi_fail(nb, LMPVIZ_ERR_INVALID_ARG, "no cells for the slot %s", name);
}

lmpnb_notebook *
lmpnb_compare_notebook(const lmpnb_compare_input *in)
{
    lmpnb_notebook *nb;
    compare_ctx cx;

    if (in == NULL || in->d == NULL || in->d->n_valid == 0 || in->d->n_schemes == 0)
        return lmpnbi_failed(LMPVIZ_ERR_INVALID_ARG,
                             "expected the schemes' weights on at least one valid pixel");
    nb = lmpnbi_open_notebook(in->fig, &cx.png);
    cx.in = in;
    lmpnbi_add_intro(nb, "compare", "LMP beside the other pixel-weighting schemes",
                     "The same per-pixel losses weighted by Loss Max-Pooling and by the schemes "
                     "segmentation code uses instead (the mean, OHEM, top-$k$, focal, class "
                     "balancing): where each puts the training signal, over the pixels sorted by "
                     "loss.",
                     in->command);
    lmpnbi_add_cells(nb, lmpnbi_cells_compare, compare_slot, &cx);
    free(cx.png.data);
    return nb;
}
