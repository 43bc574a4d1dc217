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
#include "sweep_block.h"

/* Below this many losses the sample does not pay off. */
#define SAMPLE_MIN_N 2048

/* State of the search for theta (1 < p < inf). */
typedef struct search {
    size_t clamped; /* C: losses known to be >= theta */
    double sum_clamped;
    double lo;   /* theta > lo; 0 while unknown */
    double s_lo; /* S: sum over losses known to be <= lo of (l/lo)^q */
    double hi;   /* theta <= hi; INFINITY while unknown */
} search;

/* S rescaled from lo to v > lo: sum over the folded unclamped losses of (l/v)^q. */
static double
folded_s(const search *st, double v, int k, double q)
{
    return st->lo > 0.0 ? st->s_lo * lmpi_pow_k(st->lo / v, k, q) : 0.0;
}

/* Statistics of the candidates c[0..k) about a pivot v: count and sum of
 * those >= v, count of those == v, and sum over those < v of (l/v)^q. */
typedef struct pivot_stats {
    size_t cnt_ge;
    size_t cnt_eq;
    double sum_ge;
    double sum_lt;
} pivot_stats;

#define STATS_LANES 8

LMPI_CLONES static void
candidate_stats(const float *c, size_t k, float v, int kq, double q, pivot_stats *ps)
{
    const double inv_v = 1.0 / (double)v;
    size_t cnt_ge[STATS_LANES] = { 0 };
    size_t cnt_eq[STATS_LANES] = { 0 };
    double sum_ge[STATS_LANES] = { 0 };
    double sum_lt[STATS_LANES] = { 0 };
    const size_t k8 = k - k % STATS_LANES;
    size_t i;
    int j;

    /* Branch-free, in independent lanes, one loop per exponent so that the
     * body is fixed.  The lanes are added up in a fixed order. */
#define STATS_LOOP(K)                                                                              \
    for (i = 0; i < k8; i += STATS_LANES) {                                                        \
        for (j = 0; j < STATS_LANES; j++) {                                                        \
            const double x = c[i + (size_t)j];                                                     \
            const int ge = x >= v;                                                                 \
            const double r = ge ? 0.0 : x * inv_v;                                                 \
            cnt_ge[j] += (size_t)ge;                                                               \
            cnt_eq[j] += (size_t)(x == v);                                                         \
            sum_ge[j] += ge ? x : 0.0;                                                             \
            sum_lt[j] += lmpi_pow_k(r, (K), q);                                                    \
        }                                                                                          \
    }
    switch (kq) {
    case 1:
        STATS_LOOP(1);
        break;
    case 2:
        STATS_LOOP(2);
        break;
    case 3:
        STATS_LOOP(3);
        break;
    case 4:
        STATS_LOOP(4);
        break;
    default: {
        /* Four lanes through the vector power; the lanes j and j + 4 of
         * the scalar loops are the halves here. */
        const v4d vv = (v4d){ 0 } + (double)v;
        v4l ge_n[2] = { { 0 } };
        v4l eq_n[2] = { { 0 } };
        v4d ge_s[2] = { { 0 } };
        v4d lt_s[2] = { { 0 } };
        int h;
        for (i = 0; i < k8; i += STATS_LANES) {
            for (h = 0; h < 2; h++) {
                const float *ch = c + i + 4 * (size_t)h;
                const v4d x = { ch[0], ch[1], ch[2], ch[3] };
                const v4l ge = x >= vv;
                ge_n[h] -= ge;
                eq_n[h] -= x == vv;
                ge_s[h] += LMPI_V4D_SELECT(ge, x, (v4d){ 0 });
                const v4d r = LMPI_V4D_SELECT(ge, (v4d){ 0 }, x * inv_v);
                v4d pw;
                lmpi_pow_unit4(&r, q, &pw);
                lt_s[h] += pw;
            }
        }
        for (j = 0; j < STATS_LANES; j++) {
            cnt_ge[j] = (size_t)ge_n[j / 4][j % 4];
            cnt_eq[j] = (size_t)eq_n[j / 4][j % 4];
            sum_ge[j] = ge_s[j / 4][j % 4];
            sum_lt[j] = lt_s[j / 4][j % 4];
        }
        break;
    }
    }
#undef STATS_LOOP
    for (i = k8; i < k; i++) {
        const double x = c[i];
        const int ge = x >= v;
        cnt_ge[0] += (size_t)ge;
        cnt_eq[0] += (size_t)(x == v);
        sum_ge[0] += ge ? x : 0.0;
        sum_lt[0] += lmpi_pow_k(ge ? 0.0 : x * inv_v, kq, q);
    }
    memset(ps, 0, sizeof *ps);
    for (j = 0; j < STATS_LANES; j++) {
        ps->cnt_ge += cnt_ge[j];
        ps->cnt_eq += cnt_eq[j];
        ps->sum_ge += sum_ge[j];
        ps->sum_lt += sum_lt[j];
    }
}

/* Runs the pivot search on the candidates c[0..k), which all lie in
 * (st->lo, st->hi).  Overwrites c. */
static void
search_candidates(search *st, float *c, size_t k, double m_px, double q, uint64_t *rng)
{
    const int kq = lmpi_int_exponent(q);
    while (k > 0) {
        const float v = lmpi_pick_pivot(c, k, rng);
        pivot_stats ps;
        double s_v;

        candidate_stats(c, k, v, kq, q, &ps);
        s_v = folded_s(st, v, kq, q);
        if ((double)st->clamped + s_v + (double)ps.cnt_ge + ps.sum_lt > m_px) {
            /* theta > v: fold every candidate <= v (those equal to v add 1). */
            st->s_lo = s_v + ps.sum_lt + (double)ps.cnt_eq;
            st->lo = v;
            k = lmpi_compact_keep(c, k, v, 1);
        } else {
            st->clamped += ps.cnt_ge;
            st->sum_clamped += ps.sum_ge;
            st->hi = v;
            k = lmpi_compact_keep(c, k, v, 0);
        }
    }
}

/* Chooses the pivots from a sample (a = 0, b = INFINITY when the input is
 * small or the sample too thin).  buf has LMPI_SCRATCH_EXTRA floats. */
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
    lmpi_sample_est est;
    double n_valid;
    double n_pos;
    double m_px;

    *a = 0.0;
    *b = INFINITY;
    if (n < SAMPLE_MIN_N)
        return;
    lmpi_draw_sample(loss, valid, n, params->nonfinite, buf, &est, rng);
    if (est.n_pos < LMPI_SAMPLE_MIN_DRAWS)
        return;
    /* The sample stands for n_pos / est.n_pos positive losses each. */
    n_valid = (double)n * (double)est.n_valid / (double)est.tries;
    n_pos = (double)n * (double)est.n_pos / (double)est.tries;
    m_px = params->m_pixels > 0.0 ? params->m_pixels : params->m * n_valid;
    m_px = fmin(fmax(m_px, 1.0), n_valid);
    if (isinf(q)) {
        lmpi_bracket_rank(buf, est.n_pos, ceil(m_px) * (double)est.n_pos / n_pos, a, b, rng);
    } else {
        /* Solve on the sample, with m scaled to its size, for the rank at
         * which theta is expected. */
        search s_est = { 0, 0.0, 0.0, 0.0, INFINITY };
        const double m_s = m_px * (double)est.n_pos / n_pos;
        float *copy = buf + LMPI_SAMPLE_SIZE;
        double theta_s = 0.0;
        size_t rank = 0;
        size_t i;
        memcpy(copy, buf, est.n_pos * sizeof *copy);
        search_candidates(&s_est, copy, est.n_pos, m_s, q, rng);
        if (s_est.lo > 0.0)
            theta_s = s_est.lo * pow(s_est.s_lo / (m_s - (double)s_est.clamped), 1.0 / q);
        for (i = 0; i < est.n_pos; i++)
            rank += buf[i] >= theta_s;
        lmpi_bracket_rank(buf, est.n_pos, (double)rank, a, b, rng);
    }
}

/* Result of one sweep over the input. */
typedef struct sweep_out {
    lmpi_scan scan;
    int maybe_bad; /* a negative loss, or NaN/Inf when those are errors, may be present */
    size_t cnt_hi; /* positive losses >= b */
    double sum_hi;
    size_t n_cand; /* candidates copied */
    double s_lo;   /* sum over 0 < l <= a of (l/a)^q (q finite, a > 0) */
    int prefilled; /* pre holds (l/a)^(q-1) for those losses (lmpi_fold_real) */
} sweep_out;

/*
 * The passes over the input work in chunks: at most MAX_CHUNKS of them, of
 * whole sweep blocks.  Each chunk is summed on its own and the chunks are
 * added in order, so that a large input spread over the workspace's threads
 * (PARALLEL_MIN_N losses at least) gives the same bits as one thread, and as
 * any other thread count.
 */
#define MAX_CHUNKS     64
#define PARALLEL_MIN_N ((size_t)1 << 22)

typedef struct chunking {
    size_t len; /* losses per chunk, a multiple of 8 (the last may be shorter) */
    size_t count;
} chunking;

static chunking
chunks_of(size_t n)
{
    const size_t blocks = (n + SWEEP_BLOCK - 1) / SWEEP_BLOCK;
    const size_t per = (blocks + MAX_CHUNKS - 1) / MAX_CHUNKS;
    chunking ch;
    ch.len = (per > 0 ? per : 1) * SWEEP_BLOCK;
    ch.count = (n + ch.len - 1) / ch.len;
    return ch;
}

/* Runs fn(ctx, c, thread) for every chunk c, on the workspace's threads when
 * the input is large enough to pay for it, else in order on the caller. */
static void
for_chunks(lmp_workspace *ws, size_t n, size_t count, lmpi_task_fn fn, void *ctx)
{
    size_t c;
    if (ws != NULL && n >= PARALLEL_MIN_N && count > 1 && lmp_workspace_threads(ws) > 1) {
        lmpi_pool_run(ws, count, fn, ctx);
        return;
    }
    for (c = 0; c < count; c++)
        fn(ctx, c, 0);
}

/* What one chunk of a sweep saw. */
typedef struct sweep_part {
    size_t n_ok;
    int any_bad;
    size_t n_pos;
    size_t cnt_hi;
    size_t n_cand; /* copied to the chunk's own stretch of cand */
    double sum;
    double sum_hi;
    double s_lo;
    double min;
} sweep_part;

typedef struct sweep_job {
    const float *loss;
    const unsigned char *valid;
    size_t n8;
    chunking ch;
    const sweep_cfg *cfg;
    sweep_block_fn fn;
    float *cand;
    size_t cand_stride; /* chunk c copies its candidates to cand + c * cand_stride */
    sweep_part part[MAX_CHUNKS];
} sweep_job;

static void
sweep_chunk(void *ctx, size_t c, unsigned thread)
{
    sweep_job *job = ctx;
    sweep_part *pt = &job->part[c];
    const size_t begin = c * job->ch.len;
    const size_t end = begin + job->ch.len < job->n8 ? begin + job->ch.len : job->n8;
    sweep_acc acc;
    size_t i;
    int j;
    (void)thread;
    memset(&acc, 0, sizeof acc);
    acc.min += INFINITY;
    pt->n_cand = 0;
    for (i = begin; i < end; i += SWEEP_BLOCK) {
        const size_t len = end - i < SWEEP_BLOCK ? end - i : SWEEP_BLOCK;
        pt->n_cand = job->fn(job->loss + i, job->valid ? job->valid + i : NULL, len, job->cfg, &acc,
                             job->cand + c * job->cand_stride, pt->n_cand);
    }
    pt->n_ok = acc.n_ok;
    pt->any_bad = acc.any_bad;
    pt->n_pos = acc.n_pos;
    pt->cnt_hi = acc.cnt_hi;
    pt->sum = 0.0;
    pt->sum_hi = 0.0;
    pt->s_lo = 0.0;
    for (j = 0; j < 4; j++) {
        pt->sum += acc.sum[0][j] + acc.sum[1][j];
        pt->sum_hi += acc.sum_hi[0][j] + acc.sum_hi[1][j];
        pt->s_lo += acc.s_lo[0][j] + acc.s_lo[1][j];
    }
    pt->min = INFINITY;
    for (j = 0; j < 8; j++)
        pt->min = acc.min[j] < pt->min ? acc.min[j] : pt->min;
}

typedef struct fold_job {
    const float *loss;
    const unsigned char *valid;
    size_t n;
    chunking ch;
    double a;
    double q;
    float *pre;
    double sum[MAX_CHUNKS];
} fold_job;

static void
fold_chunk(void *ctx, size_t c, unsigned thread)
{
    fold_job *job = ctx;
    const size_t begin = c * job->ch.len;
    const size_t len = job->n - begin < job->ch.len ? job->n - begin : job->ch.len;
    (void)thread;
    job->sum[c] = lmpi_fold_real(job->loss + begin, job->valid ? job->valid + begin : NULL, len,
                                 job->a, job->q, job->pre ? job->pre + begin : NULL);
}

/* lmpi_fold_real over the chunks of [0, n). */
static double
fold_real(const float *loss,
          const unsigned char *valid,
          size_t n,
          double a,
          double q,
          float *pre,
          lmp_workspace *ws)
{
    fold_job job;
    double sum = 0.0;
    size_t c;
    job.loss = loss;
    job.valid = valid;
    job.n = n;
    job.ch = chunks_of(n);
    job.a = a;
    job.q = q;
    job.pre = pre;
    for_chunks(ws, n, job.ch.count, fold_chunk, &job);
    for (c = 0; c < job.ch.count; c++)
        sum += job.sum[c];
    return sum;
}

/* The weight pass of lmp_solve over the chunks: p = 1's or the power's. */
typedef struct weights_job {
    const float *loss;
    const unsigned char *valid;
    lmp_nonfinite nonfinite;
    size_t n;
    chunking ch;
    int p_one;
    double theta; /* the power's: lmpi_weights_pow */
    double e;
    double tau;
    double pre_a;
    float t; /* p = 1's: lmpi_weights_p1 */
    float w_tau;
    float w_share;
    float *weight;
} weights_job;

static void
weights_chunk(void *ctx, size_t c, unsigned thread)
{
    const weights_job *job = ctx;
    const size_t begin = c * job->ch.len;
    const size_t len = job->n - begin < job->ch.len ? job->n - begin : job->ch.len;
    const unsigned char *valid = job->valid ? job->valid + begin : NULL;
    (void)thread;
    if (job->p_one)
        lmpi_weights_p1(job->loss + begin, valid, job->nonfinite, len, job->t, job->w_tau,
                        job->w_share, job->weight + begin);
    else
        lmpi_weights_pow(job->loss + begin, valid, job->nonfinite, len, job->theta, job->e,
                         job->tau, job->pre_a, job->weight + begin);
}

static weights_job
weights_job_of(
    const float *loss, const unsigned char *valid, lmp_nonfinite nonfinite, size_t n, float *weight)
{
    weights_job job;
    memset(&job, 0, sizeof job);
    job.loss = loss;
    job.valid = valid;
    job.nonfinite = nonfinite;
    job.n = n;
    job.weight = weight;
    return job;
}

static void
write_weights(weights_job *job, lmp_workspace *ws)
{
    job->ch = chunks_of(job->n);
    for_chunks(ws, job->n, job->ch.count, weights_chunk, job);
}

/*
 * The first pass: validates and counts, and sorts every positive valid loss
 * into >= b (counted), the candidates (copied to cand: (a, b) for p > 1,
 * [a, b) for p = 1) or <= a (folded into s_lo, for p > 1).  A non-integer q
 * is folded by a second pass, which also stores (l/a)^(q-1) in pre when it
 * is not NULL (lmpi_fold_real).
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
      float *pre,
      lmp_workspace *ws,
      sweep_out *o)
{
    const size_t n8 = n - n % 8;
    const int strict = valid == NULL && nonfinite == LMP_NONFINITE_ERROR;
    const int p_one = isinf(q);
    const int fold = p_one || !(a > 0.0)    ? FOLD_NONE
                     : lmpi_int_exponent(q) ? lmpi_int_exponent(q)
                                            : FOLD_REAL;
    sweep_cfg cfg;
    sweep_job job;
    size_t n_use = 0;
    size_t n_cand = 0;
    double min = INFINITY;
    size_t i;
    size_t c;

    /* a and b are sample values (floats), 0 or INFINITY. */
    cfg.a = (float)a;
    cfg.b = (float)b;
    cfg.q = q;
    cfg.p_one = p_one;
    cfg.inv_a = fold != FOLD_NONE ? 1.0 / a : 0.0;
    job.loss = loss;
    job.valid = valid;
    job.n8 = n8;
    job.ch = chunks_of(n8);
    job.cfg = &cfg;
    job.fn = lmpi_sweep_blocks[strict][fold == FOLD_REAL ? FOLD_NONE : fold];
    job.cand = cand;
    /* With b = 0 there are no candidates, and cand may hold a single float
     * (the append writes one behind the last candidate all the same). */
    job.cand_stride = b > 0.0 ? job.ch.len : 0;
    for_chunks(ws, n8, job.ch.count, sweep_chunk, &job);

    /* The chunks in order; their candidates close up behind one another. */
    memset(o, 0, sizeof *o);
    for (c = 0; c < job.ch.count; c++) {
        const sweep_part *pt = &job.part[c];
        memmove(cand + n_cand, cand + c * job.cand_stride, pt->n_cand * sizeof *cand);
        n_cand += pt->n_cand;
        if (!strict)
            o->scan.n_valid += pt->n_ok;
        else if (!pt->any_bad) /* else the count falls short: maybe_bad */
            o->scan.n_valid += (c + 1 < job.ch.count ? job.ch.len : n8 - c * job.ch.len);
        o->scan.n_pos += pt->n_pos;
        o->scan.sum += pt->sum;
        o->cnt_hi += pt->cnt_hi;
        o->sum_hi += pt->sum_hi;
        o->s_lo += pt->s_lo;
        min = pt->min < min ? pt->min : min;
    }
    for (i = n8; i < n; i++) {
        const double x = loss[i];
        if (valid != NULL && valid[i] == 0)
            continue;
        min = x < min ? x : min;
        if (!(x >= 0.0 && x < INFINITY))
            continue;
        o->scan.n_valid++;
        if (x == 0.0)
            continue;
        o->scan.n_pos++;
        o->scan.sum += x;
        if (x >= b) {
            o->cnt_hi++;
            o->sum_hi += x;
        } else if (x > a || (p_one && x == a)) {
            cand[n_cand++] = (float)x;
        } else if (fold != FOLD_NONE && fold != FOLD_REAL) {
            o->s_lo += lmpi_pow_k(x * cfg.inv_a, fold, q);
        }
    }
    if (fold == FOLD_REAL) {
        o->s_lo = fold_real(loss, valid, n, a, q, pre, ws);
        o->prefilled = pre != NULL;
    }
    if (nonfinite == LMP_NONFINITE_ERROR) {
        /* Every used pixel that is not valid is negative, NaN or Inf. */
        if (valid == NULL)
            n_use = n;
        for (i = 0; valid != NULL && i < n; i++)
            n_use += valid[i] != 0;
        o->maybe_bad = n_use != o->scan.n_valid;
    } else {
        o->maybe_bad = min < 0.0; /* -Inf is ignored: lmpi_find_bad tells */
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
         uint64_t *rng,
         lmp_workspace *ws)
{
    const size_t kk = (size_t)ceil(s->m_px);
    size_t above;
    size_t equal = 0;
    double sum_above;
    double share;
    float t;
    size_t i;

    if (!(sw->cnt_hi < kk && kk <= sw->cnt_hi + sw->n_cand))
        sweep(loss, valid, n, params->nonfinite, 0.0, INFINITY, s->q, cand, NULL, ws, sw);
    t = lmpi_nth_largest(cand, sw->n_cand, kk - sw->cnt_hi, rng);
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
    r->n_support = above + equal; /* the losses below t get 0 */
    r->value = s->tau * sum_above + share * (double)equal * (double)t;
    if (weight != NULL) {
        weights_job job = weights_job_of(loss, valid, params->nonfinite, n, weight);
        job.p_one = 1;
        job.t = t;
        job.w_tau = (float)s->tau;
        job.w_share = (float)share;
        write_weights(&job, ws);
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
        uint64_t *rng,
        lmp_workspace *ws)
{
    const double q = s->q;
    const double m_px = s->m_px;
    const int k = lmpi_int_exponent(q);
    search st = { 0, 0.0, 0.0, 0.0, INFINITY };
    int ok = 1;
    double theta;

    /* theta > a needs g(a) > m_px; theta <= b needs g(b) <= m_px. */
    if (a > 0.0)
        ok = (double)sw->cnt_hi + (double)sw->n_cand + sw->s_lo > m_px;
    if (ok && b < INFINITY) {
        /* Every candidate is below b. */
        pivot_stats ps;
        candidate_stats(cand, sw->n_cand, (float)b, k, q, &ps);
        ok =
            (double)sw->cnt_hi + (a > 0.0 ? sw->s_lo * lmpi_pow_k(a / b, k, q) : 0.0) + ps.sum_lt <=
            m_px;
    }
    if (!ok) {
        a = 0.0;
        b = INFINITY;
        sweep(loss, valid, n, params->nonfinite, a, b, q, cand, NULL, ws, sw);
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
    if (weight != NULL) {
        weights_job job = weights_job_of(loss, valid, params->nonfinite, n, weight);
        job.theta = theta;
        job.e = q - 1.0;
        job.tau = s->tau;
        job.pre_a = sw->prefilled ? a : 0.0;
        write_weights(&job, ws);
    }
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
    lmp_workspace local = { 0 };
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
        /* The mean loss: no threshold to find.  With a = b = 0 the sweep
         * only validates, counts and sums (every positive loss is ">= b"),
         * and its candidate list stays empty. */
        float no_cand[1];
        sweep(loss, valid, n, params->nonfinite, 0.0, 0.0, 1.0, no_cand, NULL, ws, &sw);
        if (sw.maybe_bad && lmpi_find_bad(loss, valid, n, params->nonfinite, &r) != LMP_OK) {
            *result = r;
            return LMP_ERR_INVALID_LOSS;
        }
        if (sw.scan.n_valid > 0)
            lmpi_setup_init(&s, params, sw.scan.n_valid);
        lmpi_solve_direct(loss, valid, n, &s, &sw.scan, weight, &r, &status);
        *result = r;
        return status;
    }

    /* Room for the sample and for every loss as a candidate (the fallback). */
    if (n > SIZE_MAX / sizeof(float) - LMPI_SCRATCH_EXTRA)
        return LMP_ERR_NOMEM;
    status = lmpi_ws_reserve(w, n + LMPI_SCRATCH_EXTRA);
    if (status != LMP_OK)
        return status;
    q = params->p == 1.0 ? INFINITY : params->p / (params->p - 1.0);
    choose_pivots(loss, valid, n, params, q, w->buf, &a, &b, &rng);
    /* The fold may leave partial weights behind (lmpi_fold_real). */
    sweep(loss, valid, n, params->nonfinite, a, b, q, w->buf + LMPI_SCRATCH_EXTRA, weight, ws, &sw);
    if (sw.maybe_bad && lmpi_find_bad(loss, valid, n, params->nonfinite, &r) != LMP_OK) {
        if (sw.prefilled)
            memset(weight, 0, n * sizeof *weight);
        status = LMP_ERR_INVALID_LOSS;
        *result = r;
        goto cleanup;
    }
    if (sw.scan.n_valid > 0)
        lmpi_setup_init(&s, params, sw.scan.n_valid);
    if (lmpi_solve_direct(loss, valid, n, &s, &sw.scan, weight, &r, &status) != 0) {
        r.n_support = sw.scan.n_pos;
        if (isinf(s.q)) {
            solve_p1(loss, valid, n, params, &s, &sw, w->buf + LMPI_SCRATCH_EXTRA, weight, &r, &rng,
                     ws);
            status = LMP_OK;
        } else {
            status = solve_q(loss, valid, n, params, &s, a, b, &sw, w->buf + LMPI_SCRATCH_EXTRA,
                             weight, &r, &rng, ws);
        }
    }
    if (status == LMP_OK || status == LMP_ERR_EMPTY)
        *result = r;
cleanup:
    free(local.buf);
    return status;
}
