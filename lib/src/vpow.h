/*
 * r^e for r in [0, 1] and a real e > 0, four or eight lanes at a time, for the passes
 * that take one power per loss at a non-integer exponent (q or q - 1).
 *
 * libm's pow is exact to the last bit but scalar, and its slow path for
 * results near underflow costs microseconds; libmvec's vector pow differs in
 * the last bits from one instruction set to the next.  This kernel is
 * written with GCC/Clang vector extensions and only +, -, *, / and bit
 * operations (no FMA: the ISO C build does not contract), so every
 * instruction set that the target_clones below pick gives the same bits, and
 * a scalar tail that runs it on one lane agrees with the vector body.
 *
 * Half-integer exponents (p = 3 gives q = 3/2 and q - 1 = 1/2) are products
 * and a square root instead, exact but for rounding.  Otherwise
 *
 *   log2 r = k + log2 m, m in [sqrt(1/2), sqrt(2)), log2 m = s P(s^2) with
 *            s = (m - 1) / (m + 1);
 *   2^y    = 2^j (1 + f R(f)), j = round(y), f = y - j in [-1/2, 1/2].
 *
 * P and R are Chebyshev fits (degree 5 and 8, evaluated by Estrin's scheme
 * for a short dependency chain); each is within 8e-14 of its function
 * (relative), so r^e is within about 4e-13 + 6e-14 |e log2 r| relative of the
 * exact power (tests/lib/test_vpow.c checks it against libm).  The terms
 * that matter have |e log2 r| below about 40: 3e-12 at worst, far inside the
 * 1e-9 that the value needs and the 1e-6 of a float weight.  r = 1 gives
 * exactly 1, r = 0 gives 0, and a result below 2^-1021 is 0: no subnormal
 * is formed.
 */
#ifndef LMP_VPOW_H
#define LMP_VPOW_H

#include <float.h>
#include <math.h>
#include <stddef.h>

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));
typedef double v8d __attribute__((vector_size(64)));
typedef long long v8l __attribute__((vector_size(64)));

/* Results below 2^LMPI_POW_MIN_EXP are flushed to 0. */
#define LMPI_POW_MIN_EXP (-1021.0)

/* x where mask (all ones), else y; VD and VL name the vector types. */
#define LMPI_VSELECT(VD, VL, mask, x, y) ((VD)(((VL)(x) & (mask)) | ((VL)(y) & ~(mask))))
#define LMPI_V4D_SELECT(mask, x, y)      LMPI_VSELECT(v4d, v4l, mask, x, y)

/*
 * static void NAME(const VD *r, double e, VD *out): out = r^e lane by lane.
 * Pointers, because a vector argument would need AVX in the calling
 * convention.  1.5 * 2^52 added to an integer below 2^51 in magnitude, as
 * bits or as a double, converts between int64 and double without AVX-512.
 */
#define LMPI_DEFINE_POW_UNIT(NAME, VD, VL)                                                         \
    static inline __attribute__((always_inline)) void NAME(const VD *rp, double e, VD *out)        \
    {                                                                                              \
        const VD r = *rp;                                                                          \
        const VL bits = (VL)r;                                                                     \
        const VL magic_bits = (VL){ 0 } + 0x4338000000000000LL;                                    \
        const double magic = 6755399441055744.0;                                                   \
        VD m = (VD)((bits & 0x000FFFFFFFFFFFFFLL) | 0x3FF0000000000000LL); /* [1, 2) */            \
        VL k = (bits >> 52) - 1023; /* r >= 0: no sign bit */                                      \
        const VL big = m > 1.4142135623730951;                                                     \
        VD s, z, z2, lg, y, t, f, f2, f4, p;                                                       \
        VL j, zero;                                                                                \
        int h;                                                                                     \
        if (e <= 4.5 && 2.0 * e == (double)(int)(2.0 * e)) {                                       \
            /* half-integer e: r^(e - 1/2) sqrt(r), exact but for rounding */                      \
            VD sq;                                                                                 \
            for (h = 0; h < (int)(sizeof(VD) / sizeof(double)); h++)                               \
                sq[h] = sqrt(r[h]);                                                                \
            p = (int)(2.0 * e) % 2 ? sq : (VD){ 0 } + 1.0;                                         \
            for (h = 0; h < (int)e; h++)                                                           \
                p *= r;                                                                            \
            *out = p;                                                                              \
            return;                                                                                \
        }                                                                                          \
        m = LMPI_VSELECT(VD, VL, big, m * 0.5, m);                                                 \
        k -= big; /* big is -1 where true */                                                       \
        s = (m - 1.0) / (m + 1.0);                                                                 \
        z = s * s;                                                                                 \
        z2 = z * z;                                                                                \
        lg = ((0x1.ec709dc539e76p-1 * z + 0x1.71547652b8253p+1) +                                  \
              (0x1.a61a2cc1ced3bp-2 * z + 0x1.2776c295f01cfp-1) * z2) +                            \
             (0x1.21ac9c9040d9ep-2 * z + 0x1.4795a63079ddfp-2) * (z2 * z2);                        \
        lg = ((VD)(k + magic_bits) - magic) + s * lg;                                              \
        y = e * lg;                                                                                \
        zero = (y < LMPI_POW_MIN_EXP) | (r == 0.0);                                                \
        y = LMPI_VSELECT(VD, VL, zero, (VD){ 0 }, y); /* keeps j in range */                       \
        t = y + magic;                                                                             \
        j = (VL)t - magic_bits;                                                                    \
        f = y - (t - magic);                                                                       \
        f2 = f * f;                                                                                \
        f4 = f2 * f2;                                                                              \
        p = (((0x1.ebfbdff823cedp-3 * f + 0x1.62e42fefa39efp-1) +                                  \
              (0x1.3b2ab7181b755p-7 * f + 0x1.c6b08d7047e52p-5) * f2) +                            \
             ((0x1.4308ac85aa947p-13 * f + 0x1.5d87fe86fe88ep-10) +                                \
              (0x1.63d136366db24p-20 * f + 0x1.ffcb9515a8016p-17) * f2) *                          \
                 f4) +                                                                             \
            0x1.b63880a30e9ffp-24 * (f4 * f4);                                                     \
        p = 1.0 + f * p;                                                                           \
        p = (VD)((VL)p + (j << 52));                                                               \
        *out = LMPI_VSELECT(VD, VL, zero, (VD){ 0 }, p);                                           \
    }

LMPI_DEFINE_POW_UNIT(lmpi_pow_unit4, v4d, v4l)
LMPI_DEFINE_POW_UNIT(lmpi_pow_unit8, v8d, v8l)

/* 1 when the processor and the OS support AVX-512F (the eight-lane paths). */
static inline int
lmpi_have_avx512(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

/* The same on one value (the tails of the vector loops). */
static inline __attribute__((always_inline)) double
lmpi_pow_unit(double r, double e)
{
    const v4d v = { r, r, r, r };
    v4d out;
    lmpi_pow_unit4(&v, e, &out);
    return out[0];
}

/* A weight as a float; below FLT_MIN it is 0, so that no subnormal (and no
 * slow path) is ever formed. */
static inline float
lmpi_weight_float(double w)
{
    return w >= FLT_MIN ? (float)w : 0.0f;
}

/*
 * The bodies of the two passes that take one power per loss, for W = 4 or 8
 * lanes of type VD through POW; the arithmetic of each loss does not depend
 * on W.
 *
 * The fold sums (l / a)^q over the losses in (0, a], the bulk of them.
 * It takes the power (l / a)^(q - 1) and multiplies by l / a; given pre, it
 * also stores that power there for those losses (0 elsewhere): once
 * theta > a is known, their weights are tau (a / theta)^(q - 1) times that,
 * and the weight pass takes a power only for the few losses in (a, theta).
 * Losses below x_skip are left out of both (lmpi_fold_real says why that is
 * exact enough), and a group of W losses all below it costs no power.
 * Eight losses per step in either width, so that each of the eight lane
 * sums sees the same losses in the same order and the total, added up lane
 * by lane at the end, does not depend on W.
 */

/* Sum over valid losses in [x_skip, a] of (l / a)^q, where 0 < x_skip <= a
 * (see lmpi_fold_real); see above for pre. */
#define LMPI_FOLD_REAL_BODY(VD, VL, W, POW)                                                        \
    const double inv_a = 1.0 / a;                                                                  \
    const size_t n8 = n - n % 8;                                                                   \
    const VD va = (VD){ 0 } + a;                                                                   \
    const VD vskip = (VD){ 0 } + x_skip;                                                           \
    long long any;                                                                                 \
    VD acc[8 / (W)];                                                                               \
    double lanes[8];                                                                               \
    double sum = 0.0;                                                                              \
    size_t i;                                                                                      \
    int h;                                                                                         \
    int j;                                                                                         \
    for (h = 0; h < 8 / (W); h++)                                                                  \
        acc[h] = (VD){ 0 };                                                                        \
    for (i = 0; i < n8; i += 8) {                                                                  \
        for (h = 0; h < 8 / (W); h++) {                                                            \
            const size_t o = i + (size_t)h * (W);                                                  \
            VD x;                                                                                  \
            VL use;                                                                                \
            VD r;                                                                                  \
            VD e1;                                                                                 \
            for (j = 0; j < (W); j++)                                                              \
                x[j] = loss[o + (size_t)j];                                                        \
            use = (x >= vskip) & (x <= va);                                                        \
            if (valid != NULL) {                                                                   \
                VL m;                                                                              \
                for (j = 0; j < (W); j++)                                                          \
                    m[j] = -(long long)(valid[o + (size_t)j] != 0);                                \
                use &= m;                                                                          \
            }                                                                                      \
            for (j = 0, any = 0; j < (W); j++)                                                     \
                any |= use[j];                                                                     \
            if (any == 0) {                                                                        \
                if (pre != NULL)                                                                   \
                    for (j = 0; j < (W); j++)                                                      \
                        pre[o + (size_t)j] = 0.0f;                                                 \
                continue;                                                                          \
            }                                                                                      \
            r = LMPI_VSELECT(VD, VL, use, x * inv_a, (VD){ 0 });                                   \
            POW(&r, q - 1.0, &e1);                                                                 \
            acc[h] += e1 * r;                                                                      \
            if (pre != NULL) {                                                                     \
                e1 = LMPI_VSELECT(VD, VL, e1 >= FLT_MIN, e1, (VD){ 0 });                           \
                for (j = 0; j < (W); j++)                                                          \
                    pre[o + (size_t)j] = (float)e1[j];                                             \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    for (h = 0; h < 8 / (W); h++)                                                                  \
        for (j = 0; j < (W); j++)                                                                  \
            lanes[h * (W) + j] = acc[h][j];                                                        \
    for (j = 0; j < 8; j++)                                                                        \
        sum += lanes[j];                                                                           \
    for (i = n8; i < n; i++) {                                                                     \
        const double x = loss[i];                                                                  \
        double e1 = 0.0;                                                                           \
        if (x >= x_skip && x <= a && (valid == NULL || valid[i] != 0)) {                           \
            const double r = x * inv_a;                                                            \
            e1 = lmpi_pow_unit(r, q - 1.0);                                                        \
            sum += e1 * r;                                                                         \
        }                                                                                          \
        if (pre != NULL)                                                                           \
            pre[i] = lmpi_weight_float(e1);                                                        \
    }                                                                                              \
    return sum;

/* weight[i] = tau * min(1, loss[i] / theta)^e, 0 below FLT_MIN.  With
 * pre_a > 0, weight[] holds (l / pre_a)^e from the fold for the losses in
 * (0, pre_a] (pre_a < theta), scaled here by c_pre = tau (pre_a / theta)^e;
 * a group of W losses takes the power only when one of its losses needs it. */
#define LMPI_WEIGHTS_REAL_BODY(VD, VL, W, POW)                                                     \
    const double inv_theta = 1.0 / theta;                                                          \
    const size_t nw = n - n % (W);                                                                 \
    const VD vt = (VD){ 0 } + theta;                                                               \
    const VD vpre = (VD){ 0 } + pre_a;                                                             \
    size_t i;                                                                                      \
    int j;                                                                                         \
    for (i = 0; i < nw; i += (W)) {                                                                \
        VD x;                                                                                      \
        VD old;                                                                                    \
        VD r;                                                                                      \
        VD w = { 0 };                                                                              \
        VL folded;                                                                                 \
        VL direct;                                                                                 \
        long long need = 0;                                                                        \
        for (j = 0; j < (W); j++)                                                                  \
            x[j] = loss[i + (size_t)j];                                                            \
        folded = (x > 0.0) & (x <= vpre); /* never true when pre_a = 0 */                          \
        direct = folded | (x >= vt) | (x == 0.0);                                                  \
        for (j = 0; j < (W); j++)                                                                  \
            need |= ~direct[j];                                                                    \
        if (need != 0) {                                                                           \
            r = LMPI_VSELECT(VD, VL, x < vt, x * inv_theta, (VD){ 0 } + 1.0);                      \
            POW(&r, e, &w);                                                                        \
        }                                                                                          \
        w = LMPI_VSELECT(VD, VL, x >= vt, (VD){ 0 } + 1.0, w) * tau;                               \
        if (pre_a > 0.0) {                                                                         \
            for (j = 0; j < (W); j++)                                                              \
                old[j] = weight[i + (size_t)j];                                                    \
            w = LMPI_VSELECT(VD, VL, folded, c_pre * old, w);                                      \
        }                                                                                          \
        w = LMPI_VSELECT(VD, VL, w >= FLT_MIN, w, (VD){ 0 });                                      \
        for (j = 0; j < (W); j++)                                                                  \
            weight[i + (size_t)j] = (float)w[j];                                                   \
    }                                                                                              \
    for (i = nw; i < n; i++) {                                                                     \
        const double x = loss[i];                                                                  \
        if (x > 0.0 && x <= pre_a)                                                                 \
            weight[i] = lmpi_weight_float(c_pre * (double)weight[i]);                              \
        else                                                                                       \
            weight[i] =                                                                            \
                lmpi_weight_float(tau * lmpi_pow_unit(x < theta ? x * inv_theta : 1.0, e));        \
    }

#endif /* LMP_VPOW_H */
