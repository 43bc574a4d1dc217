/*
 * Exact LMP solver in expected O(n) time (no full sort).
 *
 * theta solves g(theta) = sum_i min(1, l_i/theta)^q = m_px, with g continuous
 * and non-increasing.  For a pivot v, g(v) > m_px means theta > v, so every
 * loss <= v is unclamped and only its (l/v)^q matters; otherwise theta <= v
 * and every loss >= v is clamped and only its count matters.  Both kinds of
 * loss can be folded into two numbers and dropped.
 *
 * To touch all n losses only twice, pivots a < b are first chosen from a
 * random sample of the losses so that theta very likely lies in (a, b].  One
 * sweep validates the input and sorts the losses into "clamped" (>= b,
 * counted and summed), "candidate" (in (a, b), copied) and "unclamped" (<= a,
 * folded into sum (l/a)^q); the bracket is then checked exactly.  The few
 * candidates are resolved by the pivot search above, theta follows in closed
 * form from the folded count C and sum S, (theta/lo)^q = S / (m_px - C), and
 * a second sweep writes the weights.  If the bracket check fails (rare), all
 * positive losses become candidates: same answer, one more sweep.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lmp_internal.h"

/* Below this many losses the sample does not pay off. */
#define SAMPLE_MIN_N 8192
/* Sample size: the candidate set has about 2 * BRACKET_SIGMAS * n / sqrt(s)
 * losses, the sample costs O(s). */
#define SAMPLE_SIZE 16384
/* Half-width of the bracket around the estimated rank, in standard
 * deviations of a binomial rank count (sqrt(s) / 2 at most); 3 misses about
 * one time in 400 per side, which only costs a slower pass. */
#define BRACKET_SIGMAS 3.0
/* Fewer positive draws than this and the sample says nothing useful. */
#define SAMPLE_MIN_DRAWS 256

struct lmp_workspace {
    float *buf;
    size_t cap; /* in floats */
};

lmp_workspace *
lmp_workspace_create(size_t n_hint)
{
    lmp_workspace *ws = calloc(1, sizeof *ws);
    if (ws == NULL)
        return NULL;
    if (n_hint > 0) {
        if (n_hint > SIZE_MAX / sizeof(float) - SAMPLE_SIZE) {
            free(ws);
            return NULL;
        }
        ws->buf = malloc((n_hint + SAMPLE_SIZE) * sizeof(float));
        if (ws->buf == NULL) {
            free(ws);
            return NULL;
        }
        ws->cap = n_hint + SAMPLE_SIZE;
    }
    return ws;
}

void
lmp_workspace_destroy(lmp_workspace *ws)
{
    if (ws == NULL)
        return;
    free(ws->buf);
    free(ws);
}

static lmp_status
ws_reserve(lmp_workspace *ws, size_t count)
{
    float *buf;
    if (count <= ws->cap)
        return LMP_OK;
    if (count > SIZE_MAX / sizeof(float))
        return LMP_ERR_NOMEM;
    /* The old contents are scratch: no need for realloc's copy. */
    buf = malloc(count * sizeof(float));
    if (buf == NULL)
        return LMP_ERR_NOMEM;
    free(ws->buf);
    ws->buf = buf;
    ws->cap = count;
    return LMP_OK;
}

/* splitmix64 with a fixed seed: the same input always takes the same path. */
static uint64_t
rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static size_t
rng_below(uint64_t *state, size_t n)
{
    return (size_t)(rng_next(state) % (uint64_t)n);
}

static void
swap_f(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

/* Median of three random elements of c[0..k). */
static float
pick_pivot(const float *c, size_t k, uint64_t *rng)
{
    float x = c[rng_below(rng, k)];
    float y = c[rng_below(rng, k)];
    float z = c[rng_below(rng, k)];
    if (x > y) {
        float t = x;
        x = y;
        y = t;
    }
    /* now x <= y */
    return z < x ? x : (z > y ? y : z);
}

/* Moves the elements of c[0..k) that satisfy keep to the front; returns how
 * many there are.  keep_above: keep x > v, else keep x < v. */
static size_t
partition_keep(float *c, size_t k, float v, int keep_above)
{
    size_t j = 0;
    size_t i;
    for (i = 0; i < k; i++) {
        if (keep_above ? c[i] > v : c[i] < v)
            swap_f(&c[j++], &c[i]);
    }
    return j;
}

/* The j-th largest (1-based) of c[0..k), by quickselect with a three-way
 * partition (ties are common in real losses). Permutes c. */
static float
nth_largest(float *c, size_t k, size_t j, uint64_t *rng)
{
    size_t lo = 0;
    size_t hi = k; /* the answer is in c[lo..hi) at rank j - lo from the top */

    for (;;) {
        const float v = pick_pivot(c + lo, hi - lo, rng);
        size_t gt = lo; /* c[lo..gt) > v */
        size_t i = lo;  /* c[gt..i) == v */
        size_t lt = hi; /* c[lt..hi) < v */
        while (i < lt) {
            if (c[i] > v)
                swap_f(&c[gt++], &c[i++]);
            else if (c[i] < v)
                swap_f(&c[i], &c[--lt]);
            else
                i++;
        }
        if (j <= gt - lo) {
            hi = gt;
        } else if (j <= lt - lo) {
            return v;
        } else {
            j -= lt - lo;
            lo = lt;
        }
    }
}

/* State of the search for theta (1 < p < inf). */
typedef struct search {
    size_t clamped;    /* C: losses known to be >= theta */
    double sum_clamped;
    double lo;         /* theta > lo; 0 while unknown */
    double s_lo;       /* S: sum over losses known to be <= lo of (l/lo)^q */
    double hi;         /* theta <= hi; INFINITY while unknown */
} search;

/* g restricted to the folded part, evaluated at v > lo. */
/* S rescaled from lo to v > lo: sum over the folded unclamped losses of (l/v)^q. */
static double
folded_s(const search *st, double v, int k, double q)
{
    return st->lo > 0.0 ? st->s_lo * lmpi_pow_k(st->lo / v, k, q) : 0.0;
}

/* Runs the pivot search on the candidates c[0..k), which all lie in
 * (st->lo, st->hi).  Permutes c. */
static void
search_candidates(search *st, float *c, size_t k, double m_px, double q, uint64_t *rng)
{
    const int kq = lmpi_int_exponent(q);
    while (k > 0) {
        const float v = pick_pivot(c, k, rng);
        const double inv_v = 1.0 / (double)v;
        size_t cnt_ge = 0;
        size_t cnt_eq = 0;
        double sum_ge = 0.0;
        double sum_lt = 0.0;
        double s_v;
        size_t i;

        for (i = 0; i < k; i++) {
            const double x = c[i];
            if (x >= v) {
                cnt_ge++;
                cnt_eq += x == v;
                sum_ge += x;
            } else {
                sum_lt += lmpi_pow_k(x * inv_v, kq, q);
            }
        }
        s_v = folded_s(st, v, kq, q);
        if ((double)st->clamped + s_v + (double)cnt_ge + sum_lt > m_px) {
            /* theta > v: fold every candidate <= v (those equal to v add 1). */
            st->s_lo = s_v + sum_lt + (double)cnt_eq;
            st->lo = v;
            k = partition_keep(c, k, v, 1);
        } else {
            st->clamped += cnt_ge;
            st->sum_clamped += sum_ge;
            st->hi = v;
            k = partition_keep(c, k, v, 0);
        }
    }
}

/* What the sample saw. */
typedef struct sample_est {
    size_t tries;
    size_t n_valid; /* valid draws */
    size_t n_pos;   /* positive valid draws, kept in buf[0..n_pos) */
} sample_est;

/* Draws SAMPLE_SIZE random positions; keeps the positive valid losses in out. */
static void
draw_sample(const float *loss,
            const unsigned char *valid,
            size_t n,
            lmp_nonfinite nonfinite,
            float *out,
            sample_est *est,
            uint64_t *rng)
{
    size_t t;
    est->tries = SAMPLE_SIZE;
    est->n_valid = 0;
    est->n_pos = 0;
    for (t = 0; t < SAMPLE_SIZE; t++) {
        const size_t i = rng_below(rng, n);
        const float x = loss[i];
        if (!lmpi_is_valid(loss, valid, i, nonfinite) || !(x >= 0.0f && x - x == 0.0f))
            continue;
        est->n_valid++;
        if (x > 0.0f)
            out[est->n_pos++] = x;
    }
}

/* Pivots a < b around the rank r (from the top) of the sample s[0..k):
 * b is the value delta ranks above, a the value delta ranks below; 0 and
 * INFINITY when the bracket runs off the sample. */
static void
bracket_rank(float *s, size_t k, double r, double *a, double *b, uint64_t *rng)
{
    const double delta = BRACKET_SIGMAS * sqrt((double)k) * 0.5 + 1.0;
    const double rb = floor(r - delta);
    const double ra = ceil(r + delta);
    *b = rb >= 1.0 ? (double)nth_largest(s, k, (size_t)rb, rng) : INFINITY;
    *a = ra <= (double)k ? (double)nth_largest(s, k, (size_t)ra, rng) : 0.0;
}

/* Chooses the pivots from a sample (a = 0, b = INFINITY when the input is
 * small or the sample too thin).  buf has SAMPLE_SIZE floats. */
static void
choose_pivots(const float *loss,
              const unsigned char *valid,
              size_t n,
              const lmp_params *params,
              double q,
              float *buf,
              double *a,
              double *b,
              uint64_t *rng)
{
    sample_est est;
    double n_valid;
    double n_pos;
    double m_px;

    *a = 0.0;
    *b = INFINITY;
    if (n < SAMPLE_MIN_N)
        return;
    draw_sample(loss, valid, n, params->nonfinite, buf, &est, rng);
    if (est.n_pos < SAMPLE_MIN_DRAWS)
        return;
    /* The sample stands for n_pos / est.n_pos positive losses each. */
    n_valid = (double)n * (double)est.n_valid / (double)est.tries;
    n_pos = (double)n * (double)est.n_pos / (double)est.tries;
    m_px = params->m_pixels > 0.0 ? params->m_pixels : params->m * n_valid;
    m_px = fmin(fmax(m_px, 1.0), n_valid);
    if (isinf(q)) {
        bracket_rank(buf, est.n_pos, ceil(m_px) * (double)est.n_pos / n_pos, a, b, rng);
    } else {
        /* Solve on the sample, with m scaled to its size, for the rank at
         * which theta is expected. */
        search s_est = { 0, 0.0, 0.0, 0.0, INFINITY };
        const double m_s = m_px * (double)est.n_pos / n_pos;
        double theta_s = 0.0;
        size_t rank = 0;
        size_t i;
        search_candidates(&s_est, buf, est.n_pos, m_s, q, rng);
        if (s_est.lo > 0.0)
            theta_s = s_est.lo * pow(s_est.s_lo / (m_s - (double)s_est.clamped), 1.0 / q);
        for (i = 0; i < est.n_pos; i++)
            rank += buf[i] >= theta_s;
        bracket_rank(buf, est.n_pos, (double)rank, a, b, rng);
    }
}

/* Result of one sweep over the input. */
typedef struct sweep_out {
    lmpi_scan scan;
    size_t n_bad;  /* negative losses, and NaN/Inf when those are errors */
    size_t cnt_hi; /* positive losses >= b */
    double sum_hi;
    size_t n_cand; /* candidates copied */
    double s_lo;   /* sum over 0 < l <= a of (l/a)^q (q finite, a > 0) */
} sweep_out;

/* The sweep's sums are kept in SWEEP_LANES independent lanes (a fixed order,
 * so the result does not depend on the vector width) and the input is taken
 * in blocks that stay in L1 for the second, candidate-collecting loop. */
#define SWEEP_LANES 8
#define SWEEP_BLOCK 4096

typedef struct sweep_lanes {
    double sum[SWEEP_LANES];
    double sum_hi[SWEEP_LANES];
    double s_lo[SWEEP_LANES];
    size_t n_valid[SWEEP_LANES];
    size_t n_pos[SWEEP_LANES];
    size_t n_bad[SWEEP_LANES];
    size_t cnt_hi[SWEEP_LANES];
} sweep_lanes;

/* Counts and sums of loss[i0..i0 + len), len a multiple of SWEEP_LANES.
 * Branch-free so that it vectorises; fold_lo: form s_lo (p > 1, a > 0).  The
 * flags masked and real_q are constants in each instance below: a mask load
 * or a pow() call in the loop would stop the vectoriser. */
static inline __attribute__((always_inline)) void
sweep_stats_body(const float *loss,
                 const unsigned char *valid,
                 size_t i0,
                 size_t len,
                 int nonfinite_bad,
                 double inv_a,
                 double b,
                 int fold_lo,
                 int kq,
                 double q,
                 sweep_lanes *acc,
                 const int masked,
                 const int real_q)
{
    sweep_lanes s = *acc;
    size_t i;
    int j;
    for (i = i0; i < i0 + len; i += SWEEP_LANES) {
        for (j = 0; j < SWEEP_LANES; j++) {
            const double x = loss[i + j];
            const int use = !masked || valid[i + j] != 0;
            const int finite = x - x == 0.0;
            const int pos = use && finite && x > 0.0;
            const int hi = pos && x >= b;
            const double r = x * inv_a;
            const int lo = pos && fold_lo && r <= 1.0;
            const double rl = lo ? r : 0.0;
            const double r2 = rl * rl;
            double t;
            if (real_q)
                t = pow(rl, q);
            else
                t = kq == 1 ? rl : kq == 2 ? r2 : kq == 3 ? r2 * rl : r2 * r2;
            s.n_bad[j] += use && (finite ? x < 0.0 : nonfinite_bad);
            s.n_valid[j] += use && finite && x >= 0.0;
            s.n_pos[j] += pos;
            s.cnt_hi[j] += hi;
            s.sum[j] += pos ? x : 0.0;
            s.sum_hi[j] += hi ? x : 0.0;
            s.s_lo[j] += t;
        }
    }
    *acc = s;
}

#define SWEEP_STATS_INSTANCE(NAME, MASKED, REAL_Q)                                          \
    __attribute__((target_clones("avx2", "default"))) static void NAME(                    \
        const float *loss, const unsigned char *valid, size_t i0, size_t len,               \
        int nonfinite_bad, double inv_a, double b, int fold_lo, int kq, double q,           \
        sweep_lanes *acc)                                                                   \
    {                                                                                       \
        sweep_stats_body(loss, valid, i0, len, nonfinite_bad, inv_a, b, fold_lo, kq, q, acc, \
                         MASKED, REAL_Q);                                                   \
    }
SWEEP_STATS_INSTANCE(sweep_stats_int, 0, 0)
SWEEP_STATS_INSTANCE(sweep_stats_int_masked, 1, 0)
SWEEP_STATS_INSTANCE(sweep_stats_real, 0, 1)
SWEEP_STATS_INSTANCE(sweep_stats_real_masked, 1, 1)
#undef SWEEP_STATS_INSTANCE

/*
 * The first pass: validates and counts, and sorts every positive valid loss
 * into >= b (counted), the candidates (copied to cand: (a, b) for p > 1,
 * [a, b) for p = 1) or <= a (folded into s_lo, for p > 1).
 */
static void
sweep(const float *loss,
      const unsigned char *valid,
      size_t n,
      lmp_nonfinite nonfinite,
      double a,
      double b,
      double q,
      float *cand,
      sweep_out *o)
{
    const int p_one = isinf(q);
    const int fold_lo = !p_one && a > 0.0;
    const int kq = lmpi_int_exponent(q);
    const int nonfinite_bad = nonfinite == LMP_NONFINITE_ERROR;
    const size_t n_lanes = n - n % SWEEP_LANES;
    /* Integer q (or no folding at all) needs no pow(). */
    const int real_q = fold_lo && kq == 0;
    void (*stats)(const float *, const unsigned char *, size_t, size_t, int, double, double, int,
                  int, double, sweep_lanes *) =
        valid != NULL ? (real_q ? sweep_stats_real_masked : sweep_stats_int_masked)
                      : (real_q ? sweep_stats_real : sweep_stats_int);
    sweep_lanes acc;
    size_t n_cand = 0;
    size_t i0;
    size_t i;
    int j;

    memset(&acc, 0, sizeof acc);
    for (i0 = 0; i0 < n_lanes; i0 += SWEEP_BLOCK) {
        const size_t len = n_lanes - i0 < SWEEP_BLOCK ? n_lanes - i0 : SWEEP_BLOCK;
        stats(loss, valid, i0, len, nonfinite_bad, fold_lo ? 1.0 / a : 0.0, b, fold_lo, kq, q,
              &acc);
        for (i = i0; i < i0 + len; i++) {
            const float x = loss[i];
            /* NaN fails every comparison, +Inf fails x < b. */
            if ((p_one ? x >= a && x > 0.0f : x > a) && x < b && (valid == NULL || valid[i]))
                cand[n_cand++] = x;
        }
    }
    memset(o, 0, sizeof *o);
    for (i = n_lanes; i < n; i++) {
        const double x = loss[i];
        if (valid != NULL && valid[i] == 0)
            continue;
        if (!(x - x == 0.0)) {
            o->n_bad += nonfinite_bad;
            continue;
        }
        o->n_bad += x < 0.0;
        o->scan.n_valid += x >= 0.0;
        if (!(x > 0.0))
            continue;
        o->scan.n_pos++;
        o->scan.sum += x;
        if (x >= b) {
            o->cnt_hi++;
            o->sum_hi += x;
        } else if (x > a || (p_one && x == a)) {
            cand[n_cand++] = (float)x;
        } else if (fold_lo) {
            o->s_lo += lmpi_pow_k(x / a, kq, q);
        }
    }
    for (j = 0; j < SWEEP_LANES; j++) {
        o->scan.n_valid += acc.n_valid[j];
        o->scan.n_pos += acc.n_pos[j];
        o->scan.sum += acc.sum[j];
        o->n_bad += acc.n_bad[j];
        o->cnt_hi += acc.cnt_hi[j];
        o->sum_hi += acc.sum_hi[j];
        o->s_lo += acc.s_lo[j];
    }
    o->n_cand = n_cand;
}

/* p = 1: tau = 1/m_px above t, the ceil(m_px)-th largest loss; the rest of
 * the mass shared equally by the losses equal to t. */
static void
solve_p1(const float *loss,
         const unsigned char *valid,
         size_t n,
         const lmp_params *params,
         const lmpi_setup *s,
         sweep_out *sw,
         float *cand,
         float *weight,
         lmp_result *r,
         uint64_t *rng)
{
    const size_t kk = (size_t)ceil(s->m_px);
    size_t above;
    size_t equal = 0;
    double sum_above;
    double share;
    float t;
    size_t i;

    if (!(sw->cnt_hi < kk && kk <= sw->cnt_hi + sw->n_cand))
        sweep(loss, valid, n, params->nonfinite, 0.0, INFINITY, s->q, cand, sw);
    t = nth_largest(cand, sw->n_cand, kk - sw->cnt_hi, rng);
    above = sw->cnt_hi;
    sum_above = sw->sum_hi;
    for (i = 0; i < sw->n_cand; i++) {
        above += cand[i] > t;
        equal += cand[i] == t;
        sum_above += cand[i] > t ? (double)cand[i] : 0.0;
    }
    share = (s->m_px - (double)above) / (s->m_px * (double)equal);
    r->theta = t;
    r->n_clamped = above + (share == s->tau ? equal : 0);
    r->value = s->tau * sum_above + share * (double)equal * (double)t;
    if (weight != NULL) {
        const float w_tau = (float)s->tau;
        const float w_share = (float)share;
        for (i = 0; i < n; i++) {
            const float x = loss[i];
            weight[i] = x > t ? w_tau : (x == t ? w_share : 0.0f);
        }
        for (i = 0; valid != NULL && i < n; i++)
            weight[i] = valid[i] ? weight[i] : 0.0f;
        for (i = 0; params->nonfinite == LMP_NONFINITE_IGNORE && i < n; i++)
            weight[i] = loss[i] - loss[i] == 0.0f ? weight[i] : 0.0f;
    }
}

/* 1 < p < inf: checks the bracket (a, b] of the sweep, then searches. */
static lmp_status
solve_q(const float *loss,
        const unsigned char *valid,
        size_t n,
        const lmp_params *params,
        const lmpi_setup *s,
        double a,
        double b,
        sweep_out *sw,
        float *cand,
        float *weight,
        lmp_result *r,
        uint64_t *rng)
{
    const double q = s->q;
    const double m_px = s->m_px;
    const int k = lmpi_int_exponent(q);
    search st = { 0, 0.0, 0.0, 0.0, INFINITY };
    int ok = 1;
    double theta;
    size_t i;

    /* theta > a needs g(a) > m_px; theta <= b needs g(b) <= m_px. */
    if (a > 0.0)
        ok = (double)sw->cnt_hi + (double)sw->n_cand + sw->s_lo > m_px;
    if (ok && b < INFINITY) {
        double g_b = (double)sw->cnt_hi + (a > 0.0 ? sw->s_lo * lmpi_pow_k(a / b, k, q) : 0.0);
        for (i = 0; i < sw->n_cand; i++)
            g_b += lmpi_pow_k(cand[i] / b, k, q);
        ok = g_b <= m_px;
    }
    if (!ok) {
        a = 0.0;
        b = INFINITY;
        sweep(loss, valid, n, params->nonfinite, a, b, q, cand, sw);
    }
    st.clamped = sw->cnt_hi;
    st.sum_clamped = sw->sum_hi;
    st.lo = a;
    st.s_lo = sw->s_lo;
    st.hi = b;

    search_candidates(&st, cand, sw->n_cand, m_px, q, rng);
    /* More than m_px positive losses: some loss is unclamped, so lo > 0. */
    if (!(st.lo > 0.0) || !(m_px >= (double)st.clamped))
        return LMP_ERR_NO_CONVERGENCE;
    theta = st.lo * pow(st.s_lo / (m_px - (double)st.clamped), 1.0 / q);
    /* Rounding must not move theta out of (lo, hi]: the folded counts hold
     * only there. */
    theta = fmax(theta, nextafter(st.lo, INFINITY));
    theta = fmin(theta, st.hi);

    r->theta = theta;
    r->n_clamped = st.clamped;
    r->value = s->tau * (st.sum_clamped + theta * (m_px - (double)st.clamped));
    if (weight != NULL)
        lmpi_weights_pow(loss, valid, params->nonfinite, n, theta, q - 1.0, s->tau, weight);
    return LMP_OK;
}

lmp_status
lmp_solve(const float *loss,
          const unsigned char *valid,
          size_t n,
          const lmp_params *params,
          float *weight,
          lmp_result *result,
          lmp_workspace *ws)
{
    lmp_workspace local = { NULL, 0 };
    lmp_workspace *w = ws != NULL ? ws : &local;
    uint64_t rng = 0x243F6A8885A308D3ULL ^ (uint64_t)n;
    sweep_out sw;
    lmpi_setup s = { 0 };
    lmp_result r = { 0 };
    lmp_status status;
    double q;
    double a;
    double b;

    if (result == NULL || (loss == NULL && n > 0) || lmp_params_check(params) != LMP_OK)
        return LMP_ERR_INVALID_ARG;
    if (isinf(params->p)) {
        /* The mean loss: no threshold to find. */
        lmpi_scan scan;
        status = lmpi_scan_input(loss, valid, n, params->nonfinite, &scan, &r);
        if (status == LMP_OK) {
            if (scan.n_valid > 0)
                lmpi_setup_init(&s, params, scan.n_valid);
            lmpi_solve_direct(loss, valid, n, &s, &scan, weight, &r, &status);
        }
        *result = r;
        return status;
    }

    /* Room for the sample and for every loss as a candidate (the fallback). */
    if (n > SIZE_MAX / sizeof(float) - SAMPLE_SIZE)
        return LMP_ERR_NOMEM;
    status = ws_reserve(w, n + SAMPLE_SIZE);
    if (status != LMP_OK)
        return status;
    q = params->p == 1.0 ? INFINITY : params->p / (params->p - 1.0);
    choose_pivots(loss, valid, n, params, q, w->buf, &a, &b, &rng);
    sweep(loss, valid, n, params->nonfinite, a, b, q, w->buf + SAMPLE_SIZE, &sw);
    if (sw.n_bad > 0) {
        status = lmpi_find_bad(loss, valid, n, params->nonfinite, &r);
        *result = r;
        goto cleanup;
    }
    if (sw.scan.n_valid > 0)
        lmpi_setup_init(&s, params, sw.scan.n_valid);
    if (lmpi_solve_direct(loss, valid, n, &s, &sw.scan, weight, &r, &status) != 0) {
        r.n_support = sw.scan.n_pos;
        if (isinf(s.q)) {
            solve_p1(loss, valid, n, params, &s, &sw, w->buf + SAMPLE_SIZE, weight, &r, &rng);
            status = LMP_OK;
        } else {
            status = solve_q(loss, valid, n, params, &s, a, b, &sw, w->buf + SAMPLE_SIZE, weight,
                             &r, &rng);
        }
    }
    if (status == LMP_OK || status == LMP_ERR_EMPTY)
        *result = r;
cleanup:
    free(local.buf);
    return status;
}
