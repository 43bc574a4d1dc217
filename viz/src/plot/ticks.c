/*
 * ticks.c - tick values and labels for axes and colour bars (ticks.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ticks.h"

static const char *const superscript[10] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };

void
lmpvizi_format_pow10(char *buf, size_t size, const char *prefix, int e)
{
    char digits[16];
    size_t i;
    size_t used;

    snprintf(buf, size, "%s10%s", prefix, e < 0 ? "⁻" : "");
    snprintf(digits, sizeof digits, "%d", e < 0 ? -e : e);
    for (i = 0; digits[i] != '\0'; i++) {
        used = strlen(buf);
        snprintf(buf + used, size - used, "%s", superscript[digits[i] - '0']);
    }
}

void
lmpvizi_format_fixed(char *buf, size_t size, double v, int decimals)
{
    char tmp[LMPVIZI_TICK_LABEL - 4];
    snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    if (tmp[0] == '-') {
        size_t i;
        int zero = 1;
        for (i = 1; tmp[i] != '\0'; i++) {
            if (tmp[i] >= '1' && tmp[i] <= '9')
                zero = 0;
        }
        if (zero)
            snprintf(buf, size, "%s", tmp + 1);
        else
            snprintf(buf, size, "−%s", tmp + 1);
    } else {
        snprintf(buf, size, "%s", tmp);
    }
}

double
lmpvizi_nice_step(double raw)
{
    static const double mantissa[] = { 1.0, 2.0, 2.5, 5.0, 10.0 };
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    size_t i;
    for (i = 0; i < sizeof mantissa / sizeof mantissa[0]; i++) {
        if (f <= mantissa[i] * (1.0 + 1e-9))
            return mantissa[i] * mag;
    }
    return 10.0 * mag;
}

double
lmpvizi_round_step(double raw)
{
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    return mag * (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0);
}

/* Decimals needed to print multiples of step exactly. */
static int
step_decimals(double step)
{
    int d = (int)ceil(-log10(step) - 1e-9);
    if (d < 0)
        d = 0;
    while (d < 12) {
        double scaled = step * pow(10.0, d);
        if (fabs(scaled - nearbyint(scaled)) < 1e-6 * scaled)
            break;
        d++;
    }
    return d;
}

static void
ticks_clear(lmpvizi_ticks *t)
{
    t->n_ticks = 0;
    t->n_minor = 0;
    t->mult[0] = '\0';
}

void
lmpvizi_ticks_linear(lmpvizi_ticks *t, double lo, double hi, double step)
{
    double first = ceil(lo / step - 1e-9) * step;
    double amax = 0.0;
    double scale = 1.0;
    int e = 0;
    int decimals;
    size_t k;

    ticks_clear(t);
    for (k = 0; k < LMPVIZI_MAX_TICKS; k++) {
        double v = first + (double)k * step;
        if (v > hi + step * 1e-9)
            break;
        if (fabs(v) < step * 1e-9)
            v = 0.0;
        t->ticks[t->n_ticks++] = v;
        if (fabs(v) > amax)
            amax = fabs(v);
    }
    /* Long labels such as 0.000012 or 2500000 get a common factor instead. */
    if (amax > 0.0 && (amax >= 1e5 || amax < 1e-3)) {
        e = (int)floor(log10(amax));
        scale = pow(10.0, -e);
        lmpvizi_format_pow10(t->mult, sizeof t->mult, "×", e);
    }
    decimals = step_decimals(step * scale);
    for (k = 0; k < t->n_ticks; k++)
        lmpvizi_format_fixed(t->labels[k], LMPVIZI_TICK_LABEL, t->ticks[k] * scale, decimals);
}

/* Less than two decades: 1, 2 and 5 times powers of ten, in fixed point. */
static void
log_ticks_125(lmpvizi_ticks *t, double lo, double hi)
{
    static const int mant[] = { 1, 2, 5 };
    int k;

    for (k = (int)floor(lo); k <= (int)ceil(hi) && t->n_ticks < LMPVIZI_MAX_TICKS; k++) {
        size_t i;
        for (i = 0; i < 3 && t->n_ticks < LMPVIZI_MAX_TICKS; i++) {
            double v = (double)k + log10((double)mant[i]);
            if (v >= lo - 1e-9 && v <= hi + 1e-9) {
                t->ticks[t->n_ticks] = v;
                lmpvizi_format_fixed(t->labels[t->n_ticks], LMPVIZI_TICK_LABEL, pow(10.0, v),
                                     k < 0 ? -k : 0);
                t->n_ticks++;
            }
        }
    }
}

void
lmpvizi_ticks_log(lmpvizi_ticks *t, double lo, double hi, size_t max_labels)
{
    int k0 = (int)ceil(lo - 1e-9);
    int k1 = (int)floor(hi + 1e-9);
    int stride = 1;
    int k;

    ticks_clear(t);
    if (k1 - k0 + 1 < 2) {
        log_ticks_125(t, lo, hi);
        return;
    }
    if (max_labels < 2)
        max_labels = 2;
    while ((size_t)((k1 - k0) / stride + 1) > max_labels)
        stride++;
    for (k = k0; k <= k1 && t->n_ticks < LMPVIZI_MAX_TICKS; k++) {
        if ((k - k0) % stride != 0)
            continue;
        t->ticks[t->n_ticks] = (double)k;
        lmpvizi_format_pow10(t->labels[t->n_ticks], LMPVIZI_TICK_LABEL, "", k);
        t->n_ticks++;
    }
    if (hi - lo > 12.0)
        return;
    for (k = (int)floor(lo); k <= k1; k++) {
        int mm;
        for (mm = 2; mm <= 9 && t->n_minor < LMPVIZI_MAX_MINOR; mm++) {
            double v = (double)k + log10((double)mm);
            if (v >= lo && v <= hi)
                t->minor[t->n_minor++] = v;
        }
    }
}

size_t
lmpvizi_bar_ticks(lmpviz_hscale scale,
                  double vmin,
                  double vmax,
                  const double *quantile,
                  int n_steps,
                  const char *top_fmt,
                  double *pos,
                  char (*labels)[LMPVIZI_BAR_LABEL],
                  size_t max)
{
    /* Room for the top tick when there is one. */
    const size_t room = top_fmt != NULL && max > 0 ? max - 1 : max;
    size_t k = 0;

    if (max == 0)
        return 0;
    if (scale == LMPVIZ_HSCALE_RANK) {
        /* The quartiles; quartiles that print alike (ties: many pixels at
         * 0 or at the cap) make one tick, in the middle of their run. */
        int q, run = 1;
        for (q = 0; q <= 8 && k < max; q += 2) {
            char text[LMPVIZI_BAR_LABEL];
            snprintf(text, sizeof text, "%.3g", quantile[q]);
            if (k > 0 && strcmp(text, labels[k - 1]) == 0) {
                run++;
                pos[k - 1] += (q / 8.0 - pos[k - 1]) / run;
                continue;
            }
            run = 1;
            pos[k] = q / 8.0;
            memcpy(labels[k], text, sizeof text);
            k++;
        }
        return k;
    }
    if (scale == LMPVIZ_HSCALE_LOG) {
        double lo = log10(vmin), hi = log10(vmax);
        int e;
        for (e = (int)ceil(lo - 1e-9); e <= (int)floor(hi + 1e-9) && k < room; e++) {
            double t = (e - lo) / (hi - lo);
            if (top_fmt != NULL && 1.0 - t < 0.06)
                continue; /* too close to the top's tick */
            pos[k] = t;
            snprintf(labels[k], LMPVIZI_BAR_LABEL, "%g", pow(10.0, e));
            k++;
        }
    } else {
        double step = lmpvizi_round_step(vmax / n_steps);
        double v;
        for (v = 0.0; v <= vmax * (1.0 + 1e-9) && k < room; v += step) {
            if (top_fmt != NULL && 1.0 - v / vmax < 0.07)
                continue;
            pos[k] = v / vmax;
            snprintf(labels[k], LMPVIZI_BAR_LABEL, "%g", v);
            k++;
        }
    }
    if (top_fmt != NULL) {
        pos[k] = 1.0;
        snprintf(labels[k], LMPVIZI_BAR_LABEL, top_fmt, vmax);
        k++;
    }
    return k;
}
