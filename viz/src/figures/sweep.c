/*
 * sweep.c - statistics of the LMP weights over a grid of (p, m), and their
 * annotated heat tables (`lmpviz sweep`).
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lmpviz.h"
#include "lmpviz_private.h"
#include "viz_internal.h"

static const char *const stat_names[LMPVIZ_SWEEP_NSTAT] = {
    "top1", "top10", "support", "sum", "ratio", "capped",
};

static const char *const stat_titles[LMPVIZ_SWEEP_NSTAT] = {
    "share of Σw on the top 1% of pixels",
    "share of Σw on the top 10% of pixels",
    "effective support (Σw)²/Σw² / n",
    "Σw (weight total)",
    "LMP loss / mean loss",
    "fraction of pixels at the cap τ",
};

const char *
lmpviz_sweep_stat_name(lmpviz_sweep_stat s)
{
    if ((int)s < 0 || (int)s >= LMPVIZ_SWEEP_NSTAT)
        return "unknown";
    return stat_names[s];
}

lmpviz_status
lmpviz_sweep_stats_parse(const char *text, lmpviz_sweep_stat *out, size_t *count, lmpviz_err *err)
{
    char *copy, *item, *save = NULL;
    size_t n = 0;
    int k;

    if (count != NULL)
        *count = 0;
    if (text == NULL || out == NULL || count == NULL || *text == '\0') {
        lmpviz_err_set(err, "expected a list of statistics");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    if (strcmp(text, "all") == 0) {
        for (k = 0; k < LMPVIZ_SWEEP_NSTAT; k++)
            out[k] = (lmpviz_sweep_stat)k;
        *count = LMPVIZ_SWEEP_NSTAT;
        return LMPVIZ_OK;
    }
    copy = strdup(text);
    if (copy == NULL) {
        lmpviz_err_set(err, "out of memory");
        return LMPVIZ_ERR_NOMEM;
    }
    for (item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        int found = -1;
        size_t j;
        for (k = 0; k < LMPVIZ_SWEEP_NSTAT; k++) {
            if (strcasecmp(item, stat_names[k]) == 0)
                found = k;
        }
        if (found < 0) {
            lmpviz_err_set(err,
                           "unknown statistic \"%s\" (expected all, or a list of top1, top10, "
                           "support, sum, ratio, capped)",
                           item);
            free(copy);
            return LMPVIZ_ERR_INVALID_ARG;
        }
        for (j = 0; j < n; j++) {
            if (out[j] == (lmpviz_sweep_stat)found) {
                lmpviz_err_set(err, "\"%s\" is given twice", item);
                free(copy);
                return LMPVIZ_ERR_INVALID_ARG;
            }
        }
        out[n++] = (lmpviz_sweep_stat)found;
    }
    free(copy);
    if (n == 0) {
        lmpviz_err_set(err, "expected a list of statistics, got \"%s\"", text);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    *count = n;
    return LMPVIZ_OK;
}

lmpviz_status
lmpviz_sweep_init(
    lmpviz_sweep *sw, const double *p, size_t n_p, const double *m, size_t n_m, lmpviz_err *err)
{
    size_t i;

    assert(sw != NULL);
    memset(sw, 0, sizeof *sw);
    if (p == NULL || m == NULL || n_p == 0 || n_m == 0 || n_p > LMPVIZ_SWEEP_MAX ||
        n_m > LMPVIZ_SWEEP_MAX) {
        lmpviz_err_set(err, "expected 1 to %d values of p and of m", LMPVIZ_SWEEP_MAX);
        return LMPVIZ_ERR_INVALID_ARG;
    }
    for (i = 0; i < n_p; i++) {
        if (!(p[i] >= 1.0)) {
            lmpviz_err_set(err, "p: expected values >= 1 (or inf), got %g", p[i]);
            return LMPVIZ_ERR_INVALID_ARG;
        }
        sw->p[i] = p[i];
    }
    for (i = 0; i < n_m; i++) {
        if (!(m[i] > 0.0 && m[i] <= 1.0)) {
            lmpviz_err_set(err, "m: expected fractions in (0, 1], got %g", m[i]);
            return LMPVIZ_ERR_INVALID_ARG;
        }
        sw->m[i] = m[i];
    }
    sw->n_p = n_p;
    sw->n_m = n_m;
    sw->have_classes = 1;
    return LMPVIZ_OK;
}

/* Where the top frac of nv sorted losses ends: the k-th largest loss t and
 * k = ceil(frac nv) (as lmpviz_compare_top_share counts). */
static size_t
top_count(double frac, size_t nv)
{
    size_t k = (size_t)ceil(frac * (double)nv - 1e-9);
    return k < 1 ? 1 : k > nv ? nv : k;
}

/* The valid pixels are laid out once, by loss band and then by class:
 * band 0 holds the losses above the top-1% cut t1, band 1 those equal to
 * it, band 2 those between the two cuts, band 3 those equal to t10 (empty
 * when t10 = t1), band 4 the rest; classes 0..18, then 19 for pixels with
 * no class.  LMP's weights depend on the loss values alone, so solving the
 * reordered losses gives the same weights, reordered; and every statistic
 * becomes a sum over contiguous ranges, with no per-pixel test. */
#define N_BANDS   5
#define N_CLS     (LMPVIZ_CS_CLASSES + 1)
#define N_BUCKETS (N_BANDS * N_CLS)

/* Σw and Σw² of w[0..n) in double, on four interleaved accumulators: a
 * single chain of additions would wait on each one's latency.  The order
 * is fixed, so the result is too. */
static double
range_sums(const float *w, size_t n, double *sq)
{
    double a[4] = { 0.0, 0.0, 0.0, 0.0 }, q[4] = { 0.0, 0.0, 0.0, 0.0 };
    size_t i = 0, k;
    for (; i + 4 <= n; i += 4) {
        for (k = 0; k < 4; k++) {
            double x = w[i + k];
            a[k] += x;
            q[k] += x * x;
        }
    }
    for (; i < n; i++) {
        double x = w[i];
        a[0] += x;
        q[0] += x * x;
    }
    *sq = (q[0] + q[1]) + (q[2] + q[3]);
    return (a[0] + a[1]) + (a[2] + a[3]);
}

/* The valid losses in buckets: lc[start[b]..start[b + 1]) holds bucket b's,
 * with the cuts of the top 1% (k1 pixels, the k1-th largest loss t1) and
 * 10% (k10, t10). */
typedef struct sweep_layout {
    size_t nv, k1, k10;
    float t1, t10;
    size_t start[N_BUCKETS + 1];
    float *lc;
} sweep_layout;

/* Counts the valid pixels into *nv and the pixels of each class into px;
 * a loss that is not finite and >= 0, or a trainId that is neither a class
 * nor LMPVIZ_CS_IGNORE, is an error. */
static lmpviz_status
count_pixels(const float *loss,
             const unsigned char *valid,
             const unsigned char *train,
             size_t n,
             size_t px[LMPVIZ_CS_CLASSES],
             size_t *nv,
             lmpviz_err *err)
{
    size_t i;

    memset(px, 0, LMPVIZ_CS_CLASSES * sizeof *px);
    *nv = 0;
    for (i = 0; i < n; i++) {
        if (valid != NULL && !valid[i])
            continue;
        if (!(loss[i] >= 0.0f && loss[i] <= 3.4e38f)) {
            lmpviz_err_set(err, "expected finite losses >= 0, got %g at pixel %zu", (double)loss[i],
                           i);
            return LMPVIZ_ERR_SOLVER;
        }
        ++*nv;
        if (train != NULL && train[i] != LMPVIZ_CS_IGNORE) {
            if (train[i] >= LMPVIZ_CS_CLASSES) {
                lmpviz_err_set(err, "trainId %u at pixel %zu is neither below %d nor %d", train[i],
                               i, LMPVIZ_CS_CLASSES, LMPVIZ_CS_IGNORE);
                return LMPVIZ_ERR_INVALID_ARG;
            }
            px[train[i]]++;
        }
    }
    if (*nv == 0) {
        lmpviz_err_set(err, "no valid pixel");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    return LMPVIZ_OK;
}

/* The cuts of the top 1% and 10% of lay->nv valid losses: one selection
 * each, in buf (nv floats). */
static void
find_cuts(const float *loss, const unsigned char *valid, size_t n, float *buf, sweep_layout *lay)
{
    size_t i, j, nv = lay->nv;

    lay->k1 = top_count(0.01, nv);
    lay->k10 = top_count(0.10, nv);
    for (j = 0; j < 2; j++) {
        size_t c = 0;
        for (i = 0; i < n; i++) {
            if (valid == NULL || valid[i])
                buf[c++] = loss[i];
        }
        if (j == 0)
            lay->t1 = lmp_select(buf, nv, nv - lay->k1);
        else
            lay->t10 = lmp_select(buf, nv, nv - lay->k10);
    }
}

/* Counting sort of the valid losses into the buckets (band, class). */
static void
sort_buckets(const float *loss,
             const unsigned char *valid,
             const unsigned char *train,
             size_t n,
             sweep_layout *lay)
{
    size_t pos[N_BUCKETS], i, j, b;
    float t1 = lay->t1, t10 = lay->t10;

    memset(lay->start, 0, sizeof lay->start);
    for (j = 0; j < 2; j++) {
        for (i = 0; i < n; i++) {
            float l = loss[i];
            size_t band, cls;
            if (valid != NULL && !valid[i])
                continue;
            band = l > t1 ? 0 : l == t1 ? 1 : l > t10 ? 2 : l == t10 ? 3 : 4;
            cls = train != NULL && train[i] < LMPVIZ_CS_CLASSES ? train[i] : LMPVIZ_CS_CLASSES;
            b = band * N_CLS + cls;
            if (j == 0)
                lay->start[b + 1]++;
            else
                lay->lc[pos[b]++] = l;
        }
        if (j == 0) {
            for (b = 0; b < N_BUCKETS; b++) {
                lay->start[b + 1] += lay->start[b];
                pos[b] = lay->start[b];
            }
        }
    }
}

/* Solves LMP at prm on the bucketed losses into weight and stores the
 * statistics into out and each class's n·Σw into class_nw. */
static lmpviz_status
sweep_point(const sweep_layout *lay,
            const lmp_params *prm,
            float *weight,
            lmp_workspace *ws,
            double out[LMPVIZ_SWEEP_NSTAT],
            double class_nw[LMPVIZ_CS_CLASSES],
            lmpviz_err *err)
{
    const size_t *start = lay->start;
    size_t nv = lay->nv, b, j, gt1, gt10;
    lmp_result res;
    lmp_status ls;
    double bs[N_BUCKETS], band[N_BANDS], s1 = 0.0, s2 = 0.0, q, w1, w10, top1, top10;

    ls = lmp_solve(lay->lc, NULL, nv, prm, weight, &res, ws);
    if (ls != LMP_OK) {
        lmpviz_err_set(err, "solving p = %g, m = %g: %s", prm->p, prm->m, lmp_status_string(ls));
        return ls == LMP_ERR_NOMEM ? LMPVIZ_ERR_NOMEM : LMPVIZ_ERR_SOLVER;
    }
    memset(band, 0, sizeof band);
    for (b = 0; b < N_BUCKETS; b++) {
        double a = range_sums(weight + start[b], start[b + 1] - start[b], &q);
        bs[b] = a;
        band[b / N_CLS] += a;
        s1 += a;
        s2 += q;
    }
    /* equal losses have equal weights: the cut's weight from any pixel of
     * its band */
    gt1 = start[1 * N_CLS];
    w1 = weight[gt1];
    if (lay->t10 < lay->t1) {
        gt10 = start[3 * N_CLS];
        w10 = weight[gt10];
        top10 = band[0] + band[1] + band[2];
    } else {
        gt10 = gt1;
        w10 = w1;
        top10 = band[0];
    }
    top1 = band[0] + (double)(lay->k1 - gt1) * w1;
    top10 += (double)(lay->k10 - gt10) * w10;
    out[LMPVIZ_SWEEP_TOP1] = s1 > 0.0 ? top1 / s1 : 0.0;
    out[LMPVIZ_SWEEP_TOP10] = s1 > 0.0 ? top10 / s1 : 0.0;
    out[LMPVIZ_SWEEP_SUPPORT] = s2 > 0.0 ? s1 * s1 / s2 / (double)nv : 0.0;
    out[LMPVIZ_SWEEP_SUM] = s1;
    out[LMPVIZ_SWEEP_RATIO] = res.mean > 0.0 ? res.value / res.mean : NAN;
    out[LMPVIZ_SWEEP_CAPPED] = (double)res.n_clamped / (double)nv;
    for (j = 0; j < LMPVIZ_CS_CLASSES; j++) {
        double cw = 0.0;
        for (b = 0; b < N_BANDS; b++)
            cw += bs[b * N_CLS + j];
        class_nw[j] = (double)nv * cw;
    }
    return LMPVIZ_OK;
}

/* Adds one input's statistics and class counts to sw. */
static void
sweep_accumulate(lmpviz_sweep *sw,
                 const lmpviz_sweep *one,
                 const size_t px[LMPVIZ_CS_CLASSES],
                 int have_classes,
                 size_t nv)
{
    size_t ip, im, j;

    for (ip = 0; ip < sw->n_p; ip++) {
        for (im = 0; im < sw->n_m; im++) {
            for (j = 0; j < LMPVIZ_SWEEP_NSTAT; j++)
                sw->stat[ip][im][j] += one->stat[ip][im][j];
            for (j = 0; j < LMPVIZ_CS_CLASSES; j++)
                sw->class_nw[ip][im][j] += one->class_nw[ip][im][j];
        }
    }
    for (j = 0; j < LMPVIZ_CS_CLASSES; j++)
        sw->class_px[j] += (double)px[j];
    if (!have_classes)
        sw->have_classes = 0;
    sw->inputs++;
    sw->n_valid += nv;
}

lmpviz_status
lmpviz_sweep_add(lmpviz_sweep *sw,
                 const float *loss,
                 const unsigned char *valid,
                 const unsigned char *train,
                 size_t n,
                 float *weight,
                 lmp_workspace *ws,
                 lmpviz_err *err)
{
    float *buf = NULL, *own = NULL;
    size_t ip, im, px[LMPVIZ_CS_CLASSES];
    sweep_layout lay;
    lmpviz_sweep one;
    lmpviz_status st;

    assert(sw != NULL);
    if (loss == NULL || n == 0) {
        lmpviz_err_set(err, "no loss to sweep");
        return LMPVIZ_ERR_INVALID_ARG;
    }
    memset(&lay, 0, sizeof lay);
    st = count_pixels(loss, valid, train, n, px, &lay.nv, err);
    if (st != LMPVIZ_OK)
        return st;
    buf = lmpviz_big_alloc(lay.nv * sizeof *buf);
    lay.lc = lmpviz_big_alloc(lay.nv * sizeof *lay.lc);
    if (weight == NULL)
        weight = own = lmpviz_big_alloc(n * sizeof *own);
    if (buf == NULL || lay.lc == NULL || weight == NULL) {
        lmpviz_err_set(err, "out of memory for %zu pixels", lay.nv);
        st = LMPVIZ_ERR_NOMEM;
        goto done;
    }
    find_cuts(loss, valid, n, buf, &lay);
    if (!(lay.t1 > 0.0f)) {
        lmpviz_err_set(err, "every loss is 0: no weight to look at");
        st = LMPVIZ_ERR_INVALID_ARG;
        goto done;
    }
    sort_buckets(loss, valid, train, n, &lay);
    memset(&one, 0, sizeof one);
    for (ip = 0; ip < sw->n_p && st == LMPVIZ_OK; ip++) {
        for (im = 0; im < sw->n_m && st == LMPVIZ_OK; im++) {
            lmp_params prm = LMP_PARAMS_INIT;
            prm.p = sw->p[ip];
            prm.m = sw->m[im];
            st = sweep_point(&lay, &prm, weight, ws, one.stat[ip][im], one.class_nw[ip][im], err);
        }
    }
    if (st == LMPVIZ_OK)
        sweep_accumulate(sw, &one, px, train != NULL, lay.nv);
done:
    lmpviz_big_free(buf);
    lmpviz_big_free(lay.lc);
    lmpviz_big_free(own);
    return st;
}

lmpviz_status
lmpviz_sweep_merge(lmpviz_sweep *sw, const lmpviz_sweep *other)
{
    size_t ip, im, j;

    if (sw == NULL || other == NULL || sw->n_p != other->n_p || sw->n_m != other->n_m ||
        memcmp(sw->p, other->p, sizeof sw->p) != 0 || memcmp(sw->m, other->m, sizeof sw->m) != 0)
        return LMPVIZ_ERR_INVALID_ARG;
    if (other->inputs == 0)
        return LMPVIZ_OK;
    for (ip = 0; ip < sw->n_p; ip++) {
        for (im = 0; im < sw->n_m; im++) {
            for (j = 0; j < LMPVIZ_SWEEP_NSTAT; j++)
                sw->stat[ip][im][j] += other->stat[ip][im][j];
            for (j = 0; j < LMPVIZ_CS_CLASSES; j++)
                sw->class_nw[ip][im][j] += other->class_nw[ip][im][j];
        }
    }
    for (j = 0; j < LMPVIZ_CS_CLASSES; j++)
        sw->class_px[j] += other->class_px[j];
    sw->have_classes = sw->have_classes && other->have_classes;
    sw->inputs += other->inputs;
    sw->n_valid += other->n_valid;
    return LMPVIZ_OK;
}

double
lmpviz_sweep_value(const lmpviz_sweep *sw, size_t ip, size_t im, lmpviz_sweep_stat s)
{
    if (sw == NULL || ip >= sw->n_p || im >= sw->n_m || (int)s < 0 ||
        (int)s >= LMPVIZ_SWEEP_NSTAT || sw->inputs == 0)
        return NAN;
    return sw->stat[ip][im][s] / (double)sw->inputs;
}

double
lmpviz_sweep_class_weight_share(const lmpviz_sweep *sw, size_t ip, size_t im, unsigned c)
{
    double tot = 0.0;
    size_t j;
    if (sw == NULL || ip >= sw->n_p || im >= sw->n_m || c >= LMPVIZ_CS_CLASSES || sw->inputs == 0 ||
        !sw->have_classes)
        return NAN;
    for (j = 0; j < LMPVIZ_CS_CLASSES; j++)
        tot += sw->class_nw[ip][im][j];
    return tot > 0.0 ? sw->class_nw[ip][im][c] / tot : 0.0;
}

double
lmpviz_sweep_class_pixel_share(const lmpviz_sweep *sw, unsigned c)
{
    double tot = 0.0;
    size_t j;
    if (sw == NULL || c >= LMPVIZ_CS_CLASSES || sw->inputs == 0 || !sw->have_classes)
        return NAN;
    for (j = 0; j < LMPVIZ_CS_CLASSES; j++)
        tot += sw->class_px[j];
    return tot > 0.0 ? sw->class_px[c] / tot : 0.0;
}

/* p as a CSV or JSON-free token: "inf" or %.9g. */
static void
p_token(char *buf, size_t len, double p)
{
    if (isinf(p))
        snprintf(buf, len, "inf");
    else
        snprintf(buf, len, "%.9g", p);
}

lmpviz_status
lmpviz_sweep_write_csv(const lmpviz_sweep *sw,
                       const char *source,
                       const lmpviz_sweep_stat *stats,
                       size_t n_stats,
                       int header,
                       FILE *fp)
{
    size_t ip, im, s;
    unsigned c;
    char ps[32];

    if (sw == NULL || source == NULL || fp == NULL || (n_stats > 0 && stats == NULL))
        return LMPVIZ_ERR_INVALID_ARG;
    if (header)
        fputs("source,p,m,statistic,value\n", fp);
    for (ip = 0; ip < sw->n_p; ip++) {
        p_token(ps, sizeof ps, sw->p[ip]);
        for (im = 0; im < sw->n_m; im++) {
            for (s = 0; s < n_stats; s++)
                fprintf(fp, "%s,%s,%.9g,%s,%.9g\n", source, ps, sw->m[im], stat_names[stats[s]],
                        lmpviz_sweep_value(sw, ip, im, stats[s]));
            if (!sw->have_classes || sw->inputs == 0)
                continue;
            for (c = 0; c < LMPVIZ_CS_CLASSES; c++) {
                if (sw->class_px[c] <= 0.0)
                    continue;
                fprintf(fp, "%s,%s,%.9g,weight_share:%s,%.9g\n", source, ps, sw->m[im],
                        lmpviz_cs_class_name(c), lmpviz_sweep_class_weight_share(sw, ip, im, c));
                fprintf(fp, "%s,%s,%.9g,pixel_share:%s,%.9g\n", source, ps, sw->m[im],
                        lmpviz_cs_class_name(c), lmpviz_sweep_class_pixel_share(sw, c));
            }
        }
    }
    return ferror(fp) ? LMPVIZ_ERR_IO : LMPVIZ_OK;
}

/* ------------------------------------------------------------------------
 * Heat tables
 */

#define CELL_PT    46.0 /* a cell's width in points at the default size */
#define TABLE_FONT 9.0

/* Shares, supports and Σw on a fixed [0, 1] scale, so that panels and runs
 * compare by colour; the loss ratio on log10 from 1 to its largest value;
 * the capped fraction as a square root from 0 to its largest value (its
 * values span 1e-4 to 1, and p = inf puts every positive loss at the cap). */
static double
stat_position(lmpviz_sweep_stat s, double v, double vmax)
{
    double t;
    if (!isfinite(v))
        return NAN;
    if (s == LMPVIZ_SWEEP_RATIO)
        t = vmax > 1.0 + 1e-9 ? log10(fmax(v, 1.0)) / log10(vmax) : 0.0;
    else if (s == LMPVIZ_SWEEP_CAPPED)
        t = vmax > 0.0 ? sqrt(fmax(v, 0.0) / vmax) : 0.0;
    else
        t = v;
    return fmin(1.0, fmax(0.0, t));
}

static void
format_cell(char *buf, size_t len, double v, int ratio)
{
    if (!isfinite(v))
        snprintf(buf, len, "–");
    else if (ratio)
        snprintf(buf, len, v >= 100.0 ? "%.0f×" : v >= 10.0 ? "%.1f×" : "%.2f×", v);
    else if (v == 0.0)
        snprintf(buf, len, "0");
    else if (v >= 0.0995)
        snprintf(buf, len, "%.2f", v);
    else if (v >= 0.00995)
        snprintf(buf, len, "%.3f", v);
    else
        snprintf(buf, len, "%.2g", v);
}

static uint32_t
argb_of_color(lmpviz_color c)
{
    unsigned r = (unsigned)lround(c.r * 255.0), g = (unsigned)lround(c.g * 255.0),
             b = (unsigned)lround(c.b * 255.0);
    return 0xFF000000u | (r << 16) | (g << 8) | b;
}

/* A cell's colour: NaN (no value) light grey. */
static lmpviz_color
cell_color(lmpviz_cmap cmap, double t)
{
    return isfinite(t) ? lmpviz_cmap_color(cmap, t) : lmpviz_color_hex(0xDDDDDDUL);
}

/* Black on light cells, white on dark ones (relative luminance). */
static lmpviz_color
text_on(lmpviz_color c)
{
    double y = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
    return y > 0.45 ? lmpviz_color_hex(0x000000UL) : lmpviz_color_hex(0xFFFFFFUL);
}

/* One table: v[ip * nm + im]; t in [0, 1] per cell from the scale. */
static void
heat_table(lmpviz_panel *pn,
           const lmpviz_sweep *sw,
           const double *v,
           const double *t,
           int ratio,
           lmpviz_cmap cmap,
           const char *title)
{
    uint32_t argb[LMPVIZ_SWEEP_MAX * LMPVIZ_SWEEP_MAX];
    size_t ip, im, np = sw->n_p, nm = sw->n_m;
    char buf[48];

    for (ip = 0; ip < np * nm; ip++)
        argb[ip] = argb_of_color(cell_color(cmap, t[ip]));
    lmpviz_panel_set_axes_visible(pn, 0);
    lmpviz_panel_set_legend(pn, LMPVIZ_LEGEND_NONE);
    /* room for the row labels left of the cells and the column labels
     * above them, inside the axes */
    lmpviz_panel_set_xlim(pn, -0.95, (double)nm + 0.02);
    lmpviz_panel_set_ylim(pn, -0.02, (double)np + 0.55);
    lmpviz_panel_add_image(pn, argb, nm, np, nm, 0.0, 0.0, (double)nm, (double)np, 0);
    for (ip = 0; ip < np; ip++) {
        double y = (double)np - (double)ip - 0.5;
        lmpviz_format_p(buf, sizeof buf, sw->p[ip]);
        lmpviz_panel_add_text(pn, 0.0, y, -5.0, 0.0, LMPVIZ_ANCHOR_E, lmpviz_color_hex(0x000000UL),
                              TABLE_FONT, buf);
        for (im = 0; im < nm; im++) {
            format_cell(buf, sizeof buf, v[ip * nm + im], ratio);
            lmpviz_panel_add_text(pn, (double)im + 0.5, y, 0.0, 0.0, LMPVIZ_ANCHOR_CENTER,
                                  text_on(cell_color(cmap, t[ip * nm + im])), TABLE_FONT, buf);
        }
    }
    for (im = 0; im < nm; im++) {
        snprintf(buf, sizeof buf, "%g", sw->m[im]);
        lmpviz_panel_add_text(pn, (double)im + 0.5, (double)np, 0.0, -3.0, LMPVIZ_ANCHOR_S,
                              lmpviz_color_hex(0x000000UL), TABLE_FONT, buf);
    }
    lmpviz_panel_add_text(pn, 0.0, (double)np, -5.0, -3.0, LMPVIZ_ANCHOR_SE,
                          lmpviz_color_hex(0x555555UL), TABLE_FONT, "p \\ m");
    lmpviz_panel_set_title(pn, title);
}

/* The table of statistic s. */
static void
stat_table(lmpviz_panel *pn, const lmpviz_sweep *sw, lmpviz_sweep_stat s, lmpviz_cmap cmap)
{
    double v[LMPVIZ_SWEEP_MAX * LMPVIZ_SWEEP_MAX], t[LMPVIZ_SWEEP_MAX * LMPVIZ_SWEEP_MAX];
    double vmax = 0.0;
    size_t ip, im, np = sw->n_p, nm = sw->n_m;

    for (ip = 0; ip < np; ip++) {
        for (im = 0; im < nm; im++) {
            v[ip * nm + im] = lmpviz_sweep_value(sw, ip, im, s);
            if (isfinite(v[ip * nm + im]))
                vmax = fmax(vmax, v[ip * nm + im]);
        }
    }
    for (ip = 0; ip < np * nm; ip++)
        t[ip] = stat_position(s, v[ip], vmax);
    heat_table(pn, sw, v, t, s == LMPVIZ_SWEEP_RATIO, cmap, stat_titles[s]);
}

/* The table of class c: its weight share against its pixel share,
 * coloured on a log2 scale symmetric about 1 (as much weight as pixels). */
static void
class_table(lmpviz_panel *pn, const lmpviz_sweep *sw, unsigned c, lmpviz_cmap cmap)
{
    double v[LMPVIZ_SWEEP_MAX * LMPVIZ_SWEEP_MAX], t[LMPVIZ_SWEEP_MAX * LMPVIZ_SWEEP_MAX];
    double ps = lmpviz_sweep_class_pixel_share(sw, c), lmax = 0.0;
    size_t ip, im, np = sw->n_p, nm = sw->n_m;
    char title[256];

    for (ip = 0; ip < np; ip++) {
        for (im = 0; im < nm; im++) {
            double ws = lmpviz_sweep_class_weight_share(sw, ip, im, c);
            v[ip * nm + im] = ps > 0.0 ? ws / ps : NAN;
            if (v[ip * nm + im] > 0.0)
                lmax = fmax(lmax, fabs(log2(v[ip * nm + im])));
        }
    }
    if (lmax < 1.0)
        lmax = 1.0;
    for (ip = 0; ip < np * nm; ip++)
        t[ip] = v[ip] > 0.0 ? 0.5 + 0.5 * log2(v[ip]) / lmax : v[ip] == 0.0 ? 0.0 : NAN;
    snprintf(title, sizeof title, "%s: weight / pixel share (%.2g%% of pixels)",
             lmpviz_cs_class_name(c), 100.0 * ps);
    heat_table(pn, sw, v, t, 1, cmap, title);
}

lmpviz_figure *
lmpviz_sweep_figure(const lmpviz_sweep *sw, const lmpviz_sweep_fig_opts *opts)
{
    lmpviz_figure *fig;
    size_t n_panels, cols, rows, k, nm, np;
    double dpi, scale, cell, panel_w, panel_h;
    char title[256];

    if (sw == NULL || opts == NULL || sw->inputs == 0 || (opts->n_stats + opts->n_classes) == 0 ||
        (opts->n_stats > 0 && opts->stats == NULL) ||
        (opts->n_classes > 0 && (opts->classes == NULL || !sw->have_classes)))
        return lmpvizi_figure_nil(LMPVIZ_ERR_INVALID_ARG);
    np = sw->n_p;
    nm = sw->n_m;
    n_panels = opts->n_stats + opts->n_classes;
    cols = n_panels <= 2 ? n_panels : n_panels == 4 ? 2 : 3;
    rows = (n_panels + cols - 1) / cols;
    dpi = opts->dpi > 0.0 ? opts->dpi : LMPVIZ_DPI_DEFAULT;
    scale = dpi / 72.0;
    /* cells wide enough for "0.123" at 9 pt, and a row label column */
    cell = fmax(CELL_PT, 26.0 * 6.0 / (double)(nm > 6 ? nm : 6));
    panel_w = (cell * ((double)nm + 0.95) + 28.0) * scale;
    panel_h = (0.62 * cell * ((double)np + 0.55) + 48.0) * scale;
    fig =
        lmpviz_figure_create((size_t)ceil(panel_w * (double)cols),
                             (size_t)ceil(panel_h * (double)rows + 30.0 * scale), dpi, rows, cols);
    if (opts->title != NULL)
        snprintf(title, sizeof title, "%s", opts->title);
    else
        snprintf(title, sizeof title, "LMP weights over p × m (%zu input%s, %zu valid pixels)",
                 sw->inputs, sw->inputs == 1 ? "" : "s", sw->n_valid);
    lmpviz_figure_set_title(fig, title);
    for (k = 0; k < opts->n_stats; k++)
        stat_table(lmpviz_figure_panel(fig, k / cols, k % cols), sw, opts->stats[k], opts->cmap);
    for (k = 0; k < opts->n_classes; k++) {
        unsigned c = opts->classes[k];
        size_t pos = opts->n_stats + k;
        if (c >= LMPVIZ_CS_CLASSES) {
            lmpvizi_figure_fail(fig, LMPVIZ_ERR_INVALID_ARG, "class %u is not a Cityscapes trainId",
                                c);
            break;
        }
        class_table(lmpviz_figure_panel(fig, pos / cols, pos % cols), sw, c, opts->cmap);
    }
    for (k = n_panels; k < rows * cols; k++) {
        lmpviz_panel *pn = lmpviz_figure_panel(fig, k / cols, k % cols);
        lmpviz_panel_set_axes_visible(pn, 0);
        lmpviz_panel_set_legend(pn, LMPVIZ_LEGEND_NONE);
    }
    return fig;
}
