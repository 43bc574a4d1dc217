/*
 * select.c - selection for the solver: quickselect on float arrays
 * (lmp_select and the solver's pivots), and the random sample from which
 * the solver brackets theta.  A fixed-seed splitmix64 drives both, so the
 * same input always takes the same path.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "lmp_internal.h"

/* Half-width of the bracket around the estimated rank, in standard
 * deviations of a binomial rank count (sqrt(s) / 2 at most); 3 misses about
 * one time in 400 per side, which only costs a slower pass. */
#define BRACKET_SIGMAS 3.0

/* The j-th largest (1-based) of c[0..k), by quickselect with a three-way
 * partition (ties are common in real losses). Permutes c. */
float
lmpi_nth_largest(float *c, size_t k, size_t j, uint64_t *rng)
{
    size_t lo = 0;
    size_t hi = k; /* the answer is the j-th largest of c[lo..hi) */

    for (;;) {
        const float v = lmpi_pick_pivot(c + lo, hi - lo, rng);
        size_t gt = lo; /* c[lo..gt) > v */
        size_t i = lo;  /* c[gt..i) == v */
        size_t lt = hi; /* c[lt..hi) < v */
        while (i < lt) {
            if (c[i] > v)
                lmpi_swap_f(&c[gt++], &c[i++]);
            else if (c[i] < v)
                lmpi_swap_f(&c[i], &c[--lt]);
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

float
lmp_select(float *v, size_t n, size_t k)
{
    uint64_t rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    if (v == NULL || k >= n)
        return NAN;
    return lmpi_nth_largest(v, n, n - k, &rng);
}

/*
 * How many positions to draw for n losses.  The sample costs O(s) and leaves
 * about 2 * BRACKET_SIGMAS * n / sqrt(s) candidates, which cost a few times
 * more per loss than the sweep; the sum is least for s growing as n^(2/3).
 * 8192 at n = 2^21, between LMPI_SAMPLE_MIN_DRAWS * 2 and LMPI_SAMPLE_SIZE.
 */
static size_t
sample_size(size_t n)
{
    const double s = 8192.0 * pow((double)n / 2097152.0, 2.0 / 3.0);
    return (size_t)fmin(fmax(s, 2.0 * LMPI_SAMPLE_MIN_DRAWS), (double)LMPI_SAMPLE_SIZE);
}

/* Draws sample_size(n) random positions; keeps the positive valid losses in out. */
void
lmpi_draw_sample(const float *loss,
                 const unsigned char *valid,
                 size_t n,
                 lmp_nonfinite nonfinite,
                 float *out,
                 lmpi_sample_est *est,
                 uint64_t *rng)
{
    size_t t;
    est->tries = sample_size(n);
    est->n_valid = 0;
    est->n_pos = 0;
    for (t = 0; t < est->tries; t++) {
        const size_t i = lmpi_rng_below(rng, n);
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
 * INFINITY when the bracket runs off the sample.  The rank of a fixed value
 * in the sample is binomial with variance r (1 - r/k). */
void
lmpi_bracket_rank(float *s, size_t k, double r, double *a, double *b, uint64_t *rng)
{
    const double rc = fmin(fmax(r, 1.0), (double)k);
    const double delta = BRACKET_SIGMAS * sqrt(rc * (1.0 - rc / (double)k) + 1.0) + 2.0;
    const double rb = floor(rc - delta);
    const double ra = ceil(rc + delta);
    /* After lmpi_nth_largest(s, k, j) the j largest values lead s, so the second
     * selection only looks at those. */
    size_t top = k;
    *a = 0.0;
    if (ra <= (double)k) {
        top = (size_t)ra;
        *a = lmpi_nth_largest(s, k, top, rng);
    }
    *b = rb >= 1.0 ? (double)lmpi_nth_largest(s, top, (size_t)rb, rng) : INFINITY;
}
