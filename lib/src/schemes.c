/*
 * schemes.c - the pixel-weighting schemes LMP is compared with (see
 * lmp_schemes.h for the formulas and conventions).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lmp_schemes.h"

static const char *const scheme_names[LMP_SCHEME_COUNT] = { "lmp",   "uniform", "ohem",   "topk",
                                                            "focal", "invfreq", "medfreq" };

const char *
lmp_scheme_name(lmp_scheme_kind kind)
{
    if ((int)kind < 0 || (int)kind >= LMP_SCHEME_COUNT)
        return "unknown";
    return scheme_names[kind];
}

lmp_status
lmp_scheme_check(const lmp_scheme *s)
{
    if (s == NULL)
        return LMP_ERR_INVALID_ARG;
    switch (s->kind) {
    case LMP_SCHEME_LMP:
        return lmp_params_check(&s->lmp);
    case LMP_SCHEME_UNIFORM:
        return LMP_OK;
    case LMP_SCHEME_OHEM:
        return s->thresh >= 0.0 && s->thresh <= 1.0 ? LMP_OK : LMP_ERR_INVALID_ARG;
    case LMP_SCHEME_TOPK:
        if (s->k_pixels != 0.0)
            return s->k_pixels >= 1.0 && isfinite(s->k_pixels) ? LMP_OK : LMP_ERR_INVALID_ARG;
        return s->k > 0.0 && s->k <= 1.0 ? LMP_OK : LMP_ERR_INVALID_ARG;
    case LMP_SCHEME_FOCAL:
        return s->gamma >= 0.0 && isfinite(s->gamma) ? LMP_OK : LMP_ERR_INVALID_ARG;
    case LMP_SCHEME_INVFREQ:
    case LMP_SCHEME_MEDFREQ:
        if (s->n_classes == 0 || s->n_classes > 256)
            return LMP_ERR_INVALID_ARG;
        if (s->class_weight != NULL) {
            size_t c;
            for (c = 0; c < s->n_classes; c++) {
                if (!(s->class_weight[c] >= 0.0) || !isfinite(s->class_weight[c]))
                    return LMP_ERR_INVALID_ARG;
            }
        }
        return LMP_OK;
    }
    return LMP_ERR_INVALID_ARG;
}

/* ------------------------------------------------------------------------
 * Selection
 */

static void
swapf(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

static int
cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The k-th smallest (0-based) of v[0..n), reordering v.  Three-way
 * partition around the median of three (ties, such as the many zero
 * losses of ignored-looking pixels, end a round at once); deterministic, so
 * the same input always takes the same path.  Expected O(n); after
 * 2 log2(n) rounds without convergence the rest is sorted, so the worst case
 * is O(n log n). */
static float
select_kth(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* the answer is in v[lo..hi) */
    unsigned rounds = 0, limit = 2;
    size_t m = n;

    while (m > 1) {
        limit += 2;
        m >>= 1;
    }
    while (hi - lo > 1) {
        size_t a = lo, b = lo + (hi - lo) / 2, c = hi - 1;
        float x = v[a], y = v[b], z = v[c], piv;
        size_t lt, gt, i;

        if (++rounds > limit) {
            qsort(v + lo, hi - lo, sizeof *v, cmp_float);
            return v[k];
        }
        /* median of three */
        piv = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        /* v[lo..lt) < piv, v[lt..i) == piv, v[gt..hi) > piv */
        lt = lo;
        gt = hi;
        i = lo;
        while (i < gt) {
            if (v[i] < piv)
                swapf(&v[lt++], &v[i++]);
            else if (v[i] > piv)
                swapf(&v[i], &v[--gt]);
            else
                i++;
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return piv;
    }
    return v[k];
}

/* ------------------------------------------------------------------------
 * Input checks
 */

static int
is_valid(const lmp_scheme_input *in, size_t i)
{
    return in->valid == NULL || in->valid[i] != 0;
}

/* The first valid loss that is negative or not finite: LMP_ERR_INVALID_LOSS. */
static lmp_status
check_losses(const lmp_scheme_input *in, lmp_scheme_result *r)
{
    size_t i;
    for (i = 0; i < in->n; i++) {
        float l = in->loss[i];
        if (is_valid(in, i) && (!(l >= 0.0f) || !isfinite(l))) {
            r->bad_index = i;
            r->bad_value = l;
            return LMP_ERR_INVALID_LOSS;
        }
    }
    return LMP_OK;
}

static lmp_status
check_pt(const lmp_scheme_input *in, lmp_scheme_result *r)
{
    size_t i;
    for (i = 0; i < in->n; i++) {
        float p = in->pt[i];
        if (is_valid(in, i) && !(p >= 0.0f && p <= 1.0f)) {
            r->bad_index = i;
            r->bad_value = p;
            return LMP_ERR_INVALID_LOSS;
        }
    }
    return LMP_OK;
}

static size_t
count_valid(const lmp_scheme_input *in)
{
    size_t i, n = 0;
    if (in->valid == NULL)
        return in->n;
    for (i = 0; i < in->n; i++)
        n += in->valid[i] != 0;
    return n;
}

/* Sum of w_i l_i (in pixel order) and the count of non-zero weights. */
static void
finish(const lmp_scheme_input *in, const float *w, lmp_scheme_result *r)
{
    size_t i;
    double v = 0.0, s = 0.0;
    size_t kept = 0;

    if (w == NULL)
        return;
    for (i = 0; i < in->n; i++) {
        s += w[i];
        kept += w[i] != 0.0f;
        if (in->loss != NULL && w[i] != 0.0f)
            v += (double)w[i] * (double)in->loss[i];
    }
    r->weight_sum = s;
    r->n_kept = kept;
    r->value = in->loss != NULL ? v : NAN;
}

/* ------------------------------------------------------------------------
 * The schemes
 */

static void
weights_uniform(const lmp_scheme_input *in, float *w, size_t nv)
{
    const float u = (float)(1.0 / (double)nv);
    size_t i;
    for (i = 0; i < in->n; i++)
        w[i] = is_valid(in, i) ? u : 0.0f;
}

/* Hardness key: smaller is harder.  p_t itself, or -loss (exact in float),
 * so that ranking never goes through exp(). */
static float
ohem_key(const lmp_scheme_input *in, size_t i)
{
    return in->pt != NULL ? in->pt[i] : -in->loss[i];
}

static lmp_status
weights_ohem(
    const lmp_scheme *s, const lmp_scheme_input *in, size_t nv, float *w, lmp_scheme_result *r)
{
    /* keep key < thr, or key <= kth (the min_kept-th smallest key) */
    const double thr = in->pt != NULL ? s->thresh : log(s->thresh); /* log(0) = -inf: none */
    const size_t k = s->min_kept < nv ? s->min_kept : nv;
    double kth = -INFINITY;
    size_t i, j = 0, kept = 0;
    float wk;

    if (k > 0) {
        float *v = malloc(nv * sizeof *v);
        if (v == NULL)
            return LMP_ERR_NOMEM;
        for (i = 0; i < in->n; i++) {
            if (is_valid(in, i))
                v[j++] = ohem_key(in, i);
        }
        kth = select_kth(v, nv, k - 1);
        free(v);
    }
    for (i = 0; i < in->n; i++) {
        if (is_valid(in, i)) {
            double key = ohem_key(in, i);
            kept += key < thr || key <= kth;
        }
    }
    r->threshold = in->pt != NULL ? fmax(s->thresh, kth) : -fmax(thr, kth);
    r->n_kept = kept;
    wk = kept > 0 ? (float)(1.0 / (double)kept) : 0.0f;
    if (w != NULL) {
        for (i = 0; i < in->n; i++) {
            double key = ohem_key(in, i);
            w[i] = is_valid(in, i) && (key < thr || key <= kth) ? wk : 0.0f;
        }
    }
    return LMP_OK;
}

static lmp_status
weights_topk(
    const lmp_scheme *s, const lmp_scheme_input *in, size_t nv, float *w, lmp_scheme_result *r)
{
    double k_px = s->k_pixels > 0.0 ? s->k_pixels : s->k * (double)nv;
    size_t kk, i, j = 0, above = 0, equal = 0;
    float *v, t;
    float w_above, w_share;

    if (k_px < 1.0)
        k_px = 1.0;
    if (k_px > (double)nv)
        k_px = (double)nv;
    kk = (size_t)ceil(k_px);
    v = malloc(nv * sizeof *v);
    if (v == NULL)
        return LMP_ERR_NOMEM;
    for (i = 0; i < in->n; i++) {
        if (is_valid(in, i))
            v[j++] = in->loss[i];
    }
    t = select_kth(v, nv, nv - kk); /* the kk-th largest */
    for (i = 0; i < nv; i++) {
        above += v[i] > t;
        equal += v[i] == t;
    }
    free(v);
    /* LMP's p = 1 rule (solve.c), formed the same way so the floats agree. */
    w_above = (float)(1.0 / k_px);
    w_share = (float)((k_px - (double)above) / (k_px * (double)equal));
    r->threshold = t;
    r->k_px = k_px;
    if (w != NULL) {
        for (i = 0; i < in->n; i++) {
            float l = in->loss[i];
            w[i] = !is_valid(in, i) ? 0.0f : (l > t ? w_above : (l == t ? w_share : 0.0f));
        }
    }
    return LMP_OK;
}

/* (1 - p_t)^gamma with 0^0 = 1; 1 - p_t = -expm1(-loss) from losses. */
static double
focal_factor(const lmp_scheme_input *in, size_t i, double gamma)
{
    double one_minus = in->pt != NULL ? 1.0 - (double)in->pt[i] : -expm1(-(double)in->loss[i]);
    if (gamma == 0.0)
        return 1.0;
    if (gamma == 1.0)
        return one_minus;
    if (gamma == 2.0)
        return one_minus * one_minus;
    return pow(one_minus, gamma);
}

static lmp_status
weights_focal(
    const lmp_scheme *s, const lmp_scheme_input *in, size_t nv, float *w, lmp_scheme_result *r)
{
    double total = 0.0;
    size_t i;

    (void)r;
    for (i = 0; i < in->n; i++) {
        if (is_valid(in, i))
            total += focal_factor(in, i, s->gamma);
    }
    if (w == NULL)
        return LMP_OK;
    if (!(total > 0.0)) {
        weights_uniform(in, w, nv);
        return LMP_OK;
    }
    for (i = 0; i < in->n; i++)
        w[i] = is_valid(in, i) ? (float)(focal_factor(in, i, s->gamma) / total) : 0.0f;
    return LMP_OK;
}

static lmp_status
weights_class(
    const lmp_scheme *s, const lmp_scheme_input *in, size_t nv, float *w, lmp_scheme_result *r)
{
    size_t count[256];
    double alpha[256];
    double total = 0.0;
    size_t i, c;

    memset(count, 0, sizeof count);
    for (i = 0; i < in->n; i++) {
        if (!is_valid(in, i))
            continue;
        if (in->cls[i] >= s->n_classes) {
            r->bad_index = i;
            r->bad_value = (float)in->cls[i];
            return LMP_ERR_INVALID_ARG;
        }
        count[in->cls[i]]++;
    }
    for (c = 0; c < s->n_classes; c++) {
        if (s->class_weight != NULL)
            alpha[c] = s->class_weight[c];
        else
            alpha[c] = count[c] > 0 ? 1.0 / (double)count[c] : 0.0;
        total += alpha[c] * (double)count[c];
    }
    if (w == NULL)
        return LMP_OK;
    /* Split factors of 0 for every class present: nothing to balance,
     * uniform (as focal does). */
    if (!(total > 0.0)) {
        weights_uniform(in, w, nv);
        return LMP_OK;
    }
    for (c = 0; c < s->n_classes; c++)
        alpha[c] /= total;
    for (i = 0; i < in->n; i++)
        w[i] = is_valid(in, i) ? (float)alpha[in->cls[i]] : 0.0f;
    return LMP_OK;
}

lmp_status
lmp_scheme_weights(const lmp_scheme *s,
                   const lmp_scheme_input *in,
                   float *weight,
                   lmp_scheme_result *r,
                   lmp_workspace *ws)
{
    lmp_status st;
    size_t nv;

    if (r == NULL)
        return LMP_ERR_INVALID_ARG;
    memset(r, 0, sizeof *r);
    r->value = NAN;
    r->threshold = NAN;
    r->k_px = NAN;
    if (in == NULL || lmp_scheme_check(s) != LMP_OK)
        return LMP_ERR_INVALID_ARG;
    if (in->n > 0 &&
        ((s->kind == LMP_SCHEME_LMP || s->kind == LMP_SCHEME_TOPK) && in->loss == NULL))
        return LMP_ERR_INVALID_ARG;
    if (in->n > 0 && (s->kind == LMP_SCHEME_OHEM || s->kind == LMP_SCHEME_FOCAL) &&
        in->loss == NULL && in->pt == NULL)
        return LMP_ERR_INVALID_ARG;
    if (in->n > 0 && (s->kind == LMP_SCHEME_INVFREQ || s->kind == LMP_SCHEME_MEDFREQ) &&
        in->cls == NULL)
        return LMP_ERR_INVALID_ARG;
    if (in->n > 0 && in->loss != NULL && s->kind != LMP_SCHEME_LMP &&
        (st = check_losses(in, r)) != LMP_OK)
        return st;
    if (in->n > 0 && in->pt != NULL && (st = check_pt(in, r)) != LMP_OK)
        return st;

    if (s->kind == LMP_SCHEME_LMP) {
        lmp_result lr;
        st = lmp_solve(in->loss, in->valid, in->n, &s->lmp, weight, &lr, ws);
        if (st == LMP_OK || st == LMP_ERR_EMPTY) {
            r->n_valid = lr.n_valid;
            r->k_px = lr.m_px;
            r->value = lr.value;
            r->n_kept = lr.n_support;
            if (weight != NULL) {
                finish(in, weight, r);
                r->value = lr.value; /* the solver's, in double */
            }
        } else if (st == LMP_ERR_INVALID_LOSS) {
            r->bad_index = lr.bad_index;
            r->bad_value = lr.bad_value;
        }
        return st;
    }

    nv = count_valid(in);
    r->n_valid = nv;
    if (nv == 0) {
        if (weight != NULL)
            memset(weight, 0, in->n * sizeof *weight);
        return LMP_ERR_EMPTY;
    }
    switch (s->kind) {
    case LMP_SCHEME_UNIFORM:
        st = LMP_OK;
        if (weight != NULL)
            weights_uniform(in, weight, nv);
        break;
    case LMP_SCHEME_OHEM:
        st = weights_ohem(s, in, nv, weight, r);
        break;
    case LMP_SCHEME_TOPK:
        st = weights_topk(s, in, nv, weight, r);
        break;
    case LMP_SCHEME_FOCAL:
        st = weights_focal(s, in, nv, weight, r);
        break;
    default:
        st = weights_class(s, in, nv, weight, r);
        break;
    }
    if (st == LMP_OK)
        finish(in, weight, r);
    return st;
}

/* ------------------------------------------------------------------------
 * Split statistics
 */

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

lmp_status
lmp_class_factors(lmp_scheme_kind kind,
                  const double *count,
                  const double *image_pixels,
                  size_t n_classes,
                  double *alpha)
{
    double total = 0.0, med = 0.0;
    double *f = NULL;
    size_t c, m = 0;

    if (count == NULL || alpha == NULL || n_classes == 0 ||
        (kind != LMP_SCHEME_INVFREQ && kind != LMP_SCHEME_MEDFREQ) ||
        (kind == LMP_SCHEME_MEDFREQ && image_pixels == NULL))
        return LMP_ERR_INVALID_ARG;
    for (c = 0; c < n_classes; c++) {
        if (!(count[c] >= 0.0) || !isfinite(count[c]))
            return LMP_ERR_INVALID_ARG;
        if (kind == LMP_SCHEME_MEDFREQ && count[c] > 0.0 &&
            (!(image_pixels[c] >= count[c]) || !isfinite(image_pixels[c])))
            return LMP_ERR_INVALID_ARG;
        total += count[c];
    }
    if (!(total > 0.0))
        return LMP_ERR_EMPTY;
    if (kind == LMP_SCHEME_INVFREQ) {
        for (c = 0; c < n_classes; c++)
            alpha[c] = count[c] > 0.0 ? total / count[c] : 0.0;
        return LMP_OK;
    }
    f = malloc(n_classes * sizeof *f);
    if (f == NULL)
        return LMP_ERR_NOMEM;
    for (c = 0; c < n_classes; c++) {
        if (count[c] > 0.0)
            f[m++] = count[c] / image_pixels[c];
    }
    qsort(f, m, sizeof *f, cmp_double);
    med = m % 2 ? f[m / 2] : 0.5 * (f[m / 2 - 1] + f[m / 2]);
    free(f);
    for (c = 0; c < n_classes; c++)
        alpha[c] = count[c] > 0.0 ? med / (count[c] / image_pixels[c]) : 0.0;
    return LMP_OK;
}
