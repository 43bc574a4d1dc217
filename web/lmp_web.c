/*
 * lmp_web.c - the entry points of liblmp's WebAssembly build (web/explore.js
 * calls them): plain C over lmp.h, one workspace kept between calls so that
 * dragging a slider does not allocate.
 */
#include <stdlib.h>

#include "lmp.h"

/* Bits of lmp_web_solve's flags. */
#define LMP_WEB_IGNORE_ZEROS     1 /* zero losses leave n (as `lmpviz solve --ignore-zeros`) */
#define LMP_WEB_IGNORE_NONFINITE 2 /* NaN and Inf losses leave n instead of an error */
#define LMP_WEB_M_PIXELS         4 /* m is a pixel count >= 1, not a fraction */

/* Slots of lmp_web_solve's out[]. */
enum {
    OUT_VALUE,
    OUT_MEAN,
    OUT_THETA,
    OUT_TAU,
    OUT_GAMMA,
    OUT_M_PX,
    OUT_N_VALID,
    OUT_N_CLAMPED,
    OUT_N_SUPPORT,
    OUT_BAD_INDEX,
    OUT_BAD_VALUE,
    OUT_COUNT
};

static lmp_workspace *web_ws;
static unsigned char *web_mask;
static size_t web_mask_len;

/* Number of doubles lmp_web_solve writes to out. */
int
lmp_web_out_count(void)
{
    return OUT_COUNT;
}

/*
 * lmp_solve on loss[0..n) with p and m (a fraction in (0, 1], or a pixel
 * count >= 1 with LMP_WEB_M_PIXELS).  weight: n floats or
 * NULL.  out: OUT_COUNT doubles, written on LMP_OK and LMP_ERR_EMPTY (the
 * bad index and value on LMP_ERR_INVALID_LOSS).  Returns the lmp_status.
 */
int
lmp_web_solve(
    const float *loss, size_t n, double p, double m, int flags, float *weight, double *out)
{
    lmp_params prm = LMP_PARAMS_INIT;
    lmp_result r = { 0 };
    lmp_status st;
    const unsigned char *valid = NULL;
    size_t i;

    prm.p = p;
    if (flags & LMP_WEB_M_PIXELS) {
        prm.m = 1.0;
        prm.m_pixels = m;
    } else {
        prm.m = m;
    }
    prm.nonfinite = (flags & LMP_WEB_IGNORE_NONFINITE) ? LMP_NONFINITE_IGNORE : LMP_NONFINITE_ERROR;
    if (web_ws == NULL)
        web_ws = lmp_workspace_create(n);
    if (flags & LMP_WEB_IGNORE_ZEROS) {
        if (web_mask_len < n) {
            unsigned char *grown = realloc(web_mask, n);
            if (grown == NULL)
                return LMP_ERR_NOMEM;
            web_mask = grown;
            web_mask_len = n;
        }
        for (i = 0; i < n; i++)
            web_mask[i] = loss[i] != 0.0f;
        valid = web_mask;
    }
    st = lmp_solve(loss, valid, n, &prm, weight, &r, web_ws);
    if (st == LMP_OK || st == LMP_ERR_EMPTY || st == LMP_ERR_INVALID_LOSS) {
        out[OUT_VALUE] = r.value;
        out[OUT_MEAN] = r.mean;
        out[OUT_THETA] = r.theta;
        out[OUT_TAU] = r.tau;
        out[OUT_GAMMA] = r.gamma;
        out[OUT_M_PX] = r.m_px;
        out[OUT_N_VALID] = (double)r.n_valid;
        out[OUT_N_CLAMPED] = (double)r.n_clamped;
        out[OUT_N_SUPPORT] = (double)r.n_support;
        out[OUT_BAD_INDEX] = (double)r.bad_index;
        out[OUT_BAD_VALUE] = (double)r.bad_value;
    }
    return (int)st;
}
