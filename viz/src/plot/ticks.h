/*
 * ticks.h - tick values and labels, pure maths without cairo: the axes of
 * every panel (linear and log) and the colour bars of the heatmaps.
 * Internal to liblmpviz; tested on its own (tests/viz/test_ticks.c).
 */
#ifndef LMPVIZ_TICKS_H
#define LMPVIZ_TICKS_H

#include <stddef.h>

#include "lmpviz.h"

#define LMPVIZI_MAX_TICKS  64
#define LMPVIZI_MAX_MINOR  160
#define LMPVIZI_TICK_LABEL 48

/* The ticks of one axis: positions (log10 units on a log axis), labels,
 * unlabelled minor ticks, and a common factor such as "×10⁻⁴" ("" when none)
 * that the labels are to be multiplied by. */
typedef struct lmpvizi_ticks {
    size_t n_ticks;
    double ticks[LMPVIZI_MAX_TICKS];
    char labels[LMPVIZI_MAX_TICKS][LMPVIZI_TICK_LABEL];
    size_t n_minor;
    double minor[LMPVIZI_MAX_MINOR];
    char mult[LMPVIZI_TICK_LABEL];
} lmpvizi_ticks;

/* The smallest of 1, 2, 2.5 and 5 times a power of ten that is >= raw > 0. */
double lmpvizi_nice_step(double raw);

/* The nearest of 1, 2, 5 and 10 times a power of ten to raw > 0 (a colour
 * bar's step). */
double lmpvizi_round_step(double raw);

/* Multiples of step in [lo, hi] (at most LMPVIZI_MAX_TICKS), labelled with
 * as many decimals as step needs and a real minus sign; labels of values at
 * or above 1e5, or all below 1e-3, get a common power of ten in mult. */
void lmpvizi_ticks_linear(lmpvizi_ticks *t, double lo, double hi, double step);

/* A log axis over [lo, hi] in log10 units: decades labelled 10ⁿ, at most
 * max_labels of them (every second, third... when there are more), with
 * minor ticks at 2..9 times each decade over at most 12 decades; under two
 * decades, 1, 2 and 5 times powers of ten labelled in fixed point. */
void lmpvizi_ticks_log(lmpvizi_ticks *t, double lo, double hi, size_t max_labels);

/* "10" followed by e in superscript digits after prefix, e.g. "×10⁻³". */
void lmpvizi_format_pow10(char *buf, size_t size, const char *prefix, int e);

/* v with `decimals` decimals and a real minus sign (U+2212), never "-0". */
void lmpvizi_format_fixed(char *buf, size_t size, double v, int decimals);

#define LMPVIZI_BAR_LABEL 24

/* Ticks of a colour bar over [vmin, vmax] for a scale: RANK labels the
 * quantiles (quantile[0], [2], ..., [8] at 0, 1/4, ..., 1); LOG the decades
 * in [vmin, vmax]; LINEAR multiples of lmpvizi_round_step(vmax / n_steps)
 * from 0.  With top_fmt (a printf format of one double), LOG and LINEAR
 * leave out ticks within 6% (LOG) or 7% (LINEAR) of the top and end with
 * one at the top labelled top_fmt of vmax; without it, the top gets no
 * tick of its own.  pos receives fractions of the bar's height, labels the
 * texts; at most max ticks (the top tick always fits).  Returns the count. */
size_t lmpvizi_bar_ticks(lmpviz_hscale scale,
                         double vmin,
                         double vmax,
                         const double *quantile,
                         int n_steps,
                         const char *top_fmt,
                         double *pos,
                         char (*labels)[LMPVIZI_BAR_LABEL],
                         size_t max);

#endif /* LMPVIZ_TICKS_H */
