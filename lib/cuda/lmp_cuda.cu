/*
 * The LMP solver on the GPU (see lmp_cuda.h for the contract, DESIGN.md §1-2).
 *
 * Losses >= 0 order like their IEEE bit patterns ("keys"), so theta can be
 * located by radix select on the keys, with no sort.  theta solves
 *     g(v) = #{l >= v} + sum_{l < v} (l/v)^q = m_px,
 * g is non-increasing, and theta is its largest root (as on the CPU, where
 * rounding makes g flat): g(v) >= m_px exactly when v <= theta.  One level
 * splits the key range [L, U) that holds theta (theta in [L, U)) into NB
 * buckets at pivots v_0 = L < v_1 < ... < v_NB = U and keeps, per bucket j,
 * the count c_j, the sum of the losses and P_j = sum (l / v_{j+1})^q (terms in
 * (0, 1]: no overflow whatever q).  Then
 *     g(v_j) = C + sum_{i >= j} c_i + S_below(j),
 *     S_below(j) = S_below(j-1) (v_{j-1}/v_j)^q + P_{j-1},
 * an affine recurrence evaluated for every j at once by a block scan.  The
 * largest j with g(v_j) >= m_px is theta's bucket; the buckets above fold into
 * the clamped count C (and their sum), those below into S (relative to the
 * new L), exactly as the CPU solver folds (solve.c), and nothing is ever
 * re-evaluated, so the levels cannot disagree with each other.
 *
 * Level 0 (bits 30..20 of the keys: 2048 buckets, an exponent and three
 * mantissa bits) counts only, with native shared-memory integer atomics.
 * Counts bound g at every pivot: a loss of bucket i adds between
 * (v_i/v_j)^q and (v_{i+1}/v_j)^q to g(v_j), so the pivots where even the
 * lower bound reaches m_px lie at or below theta, and those where even the
 * upper bound stays under it lie above.  That leaves a window of a few
 * level-0 buckets (two on most inputs, at most KW) that holds theta.  The
 * second pass over the losses then sums, in registers, the clamped count and
 * sum above the window and S = sum (l / v_lo)^q below it, builds the level-1
 * histogram (bits 19..10, 1024 buckets per level-0 bucket, with counts and
 * power sums) of the losses inside the window, and copies those out.  One
 * block per segment selects the level-1 bucket and, on the copy, the single
 * float value of level 2 (bits 9..0), adding up the copy's losses above the
 * level-1 bucket for the clamped sum; theta = lo (S/(m_px - C))^(1/q)
 * as on the CPU.  p = 1 selects the ceil(m_px)-th largest loss: its window
 * is the one level-0 bucket that the counts name.
 *
 * When the window is wider than KW buckets (very spread-out inputs with q
 * close to 1), level 0 is redone exactly for that segment: a pass adds the
 * sums and power sums per bucket (shared-memory double atomics, slower) and
 * the exact selection names one bucket; levels 1 and 2 follow as above.
 *
 * Exactness: counts are integers; the losses of one bucket share an
 * exponent, so their sum is exact in double in any order; the power sums are
 * double, per thread and then per block.  Everything after the histograms is
 * double.
 */
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>

extern "C" {
#include "lmp.h"
#include "lmp_cuda.h"
#include "lmp_cuda_internal.h"
}

namespace {

typedef unsigned long long u64;

/* Buckets of the three levels. */
constexpr int NB0 = 2048;   /* bits 30..20 */
constexpr int NB1 = 1024;   /* bits 19..10 */
constexpr int KW = 4;       /* widest window of level-0 buckets */
constexpr int NB1W = KW * NB1;
constexpr int NB2 = 1024;   /* bits 9..0 */
constexpr int SHIFT0 = 20;
constexpr int SHIFT1 = 10;
constexpr unsigned KEY_INF = 0x7F800000u;

/* Full passes: 256 threads, 4 losses per thread per step, 16 steps a block. */
constexpr int SCAN_THREADS = 256;
constexpr int SCAN_STEPS = 16;
constexpr size_t CHUNK = (size_t)SCAN_THREADS * 4 * SCAN_STEPS;
/* Per-segment kernels. */
constexpr int SEG_THREADS = 1024;

constexpr size_t WS_ALIGN = 256;

/* MODE_WINDOW: theta in the keys [key_lo, key_hi) after level 0's bounds;
 * MODE_EXACT0: that window was too wide, level 0 runs exactly; MODE_SEARCH:
 * theta in the one level-0 bucket at key_lo. */
enum SegMode {
    MODE_ZERO = 0,
    MODE_CONST,
    MODE_WINDOW,
    MODE_EXACT0,
    MODE_SEARCH,
    MODE_POW,
    MODE_P1
};

/* Everything one segment needs between the kernels, and its result. */
struct SegState {
    int status; /* lmp_status */
    int mode;
    u64 n_valid;
    u64 n_pos;
    u64 bad_index;
    float bad_value;
    float t;      /* p = 1: the ceil(m_px)-th largest loss */
    float share;  /* p = 1: weight of the losses equal to t */
    double sum;   /* of the valid losses */
    double m_px;
    double gamma;
    double tau;
    double q;
    double theta;
    double value;
    u64 n_clamped;
    /* search state after level 0 */
    unsigned key_lo; /* level-1 range [key_lo, key_hi) */
    unsigned key_hi;
    int nb1;         /* level-1 buckets in it (1024 per level-0 bucket) */
    u64 C;           /* losses above the range */
    double sum_c;    /* and their sum */
    double S;        /* sum over losses below the range of (l / value(key_lo))^q */
    u64 kk;          /* p = 1: ceil(m_px) */
};

/* Totals of the full passes, zeroed before each solve. */
struct SegAcc {
    u64 n_valid;
    double sum;   /* of the positive losses */
    u64 C;        /* MODE_WINDOW: losses above the window */
    double sum_c; /* and their sum */
    double S;     /* sum over the losses below it of (l / value(key_lo))^q */
};

struct SegInfo {
    const u64 *off; /* B + 1 offsets, or NULL: segment s starts at base + s n */
    u64 base;
    u64 n;
};

__device__ __forceinline__ void
seg_range(const SegInfo &si, unsigned s, u64 &b, u64 &e)
{
    if (si.off != nullptr) {
        b = si.off[s];
        e = si.off[s + 1];
    } else {
        b = si.base + (u64)s * si.n;
        e = b + si.n;
    }
}

/* Histogram of one level in global memory, structure of arrays, NB per segment. */
struct Hist {
    u64 *c;
    double *sx;
    double *P;
};

/* r^q: KQ = 1..4 as products, 0 with pow(), -1 not needed (p = 1). */
template <int KQ>
__device__ __forceinline__ double
pow_q(double r, double q)
{
    if (KQ == 1)
        return r;
    if (KQ == 2)
        return r * r;
    if (KQ == 3)
        return r * r * r;
    if (KQ == 4)
        return (r * r) * (r * r);
    if (KQ == 0)
        return pow(r, q);
    return 0.0;
}

__device__ __forceinline__ double
key_value(unsigned key)
{
    return key >= KEY_INF ? (double)INFINITY : (double)__uint_as_float(key);
}

/* (a / b)^q for pivots a <= b; 0 when b is infinite. */
__device__ __forceinline__ double
ratio_pow(double a, double b, double q)
{
    if (isinf(b) || a <= 0.0)
        return 0.0;
    return pow(a / b, q);
}

/* (v_j / v_{j+1})^q for the level-0 pivots v_j = value(j << 20), 0 where
 * v_{j+1} is infinite.  Above the denormals the ratio depends only on the
 * three mantissa bits: tab8[m] = ((8 + m) / (9 + m))^q. */
__device__ __forceinline__ double
level0_ratio(int j, const double *tab8, double q)
{
    if (j + 1 >= (int)(KEY_INF >> SHIFT0))
        return 0.0;
    if (j < 8)
        return j == 0 ? 0.0 : pow((double)j / (double)(j + 1), q);
    return tab8[j & 7];
}

__device__ __forceinline__ void
level0_table(double *tab8, double q)
{
    if (threadIdx.x < 8)
        tab8[threadIdx.x] = pow((8.0 + threadIdx.x) / (9.0 + threadIdx.x), q);
}

/* Runs of equal buckets are added up in registers before one shared atomic:
 * cheap for spread-out losses, and it keeps equal losses (a constant image)
 * from hammering one address. */
struct Run {
    int bucket;
    unsigned c;
    double sx;
    double P;
};

__device__ __forceinline__ void
run_flush(Run &r, unsigned *sc, double *ssx, double *sP, bool with_p)
{
    if (r.bucket >= 0 && r.c > 0) {
        if (sc != nullptr)
            atomicAdd(&sc[r.bucket], r.c);
        atomicAdd(&ssx[r.bucket], r.sx);
        if (with_p)
            atomicAdd(&sP[r.bucket], r.P);
    }
    r.c = 0;
    r.sx = 0.0;
    r.P = 0.0;
}

/* Counts and power sums into a histogram in global memory (native atomics
 * there); the sums are not needed there. */
__device__ __forceinline__ void
run_flush_global(Run &r, const Hist &h, bool with_p)
{
    if (r.bucket >= 0 && r.c > 0) {
        atomicAdd(&h.c[r.bucket], (u64)r.c);
        if (with_p)
            atomicAdd(&h.P[r.bucket], r.P);
    }
    r.c = 0;
    r.sx = 0.0;
    r.P = 0.0;
}

__device__ __forceinline__ double
warp_sum_f64(double v)
{
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_down_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ u64
warp_sum_u64(u64 v)
{
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_down_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ u64
warp_min_u64(u64 v)
{
    for (int o = 16; o > 0; o >>= 1) {
        const u64 w = __shfl_down_sync(0xffffffffu, v, o);
        v = w < v ? w : v;
    }
    return v;
}

/* Visits the losses [c0, c1) of one block, 4 per thread per step; f(x, used,
 * index).  Every thread makes the same number of steps (warp-wide votes are
 * safe inside f). */
template <typename F>
__device__ __forceinline__ void
for_chunk(const float *loss, const unsigned char *valid, u64 c0, u64 c1, bool vec, F f)
{
    for (u64 base = c0; base < c1; base += (u64)SCAN_THREADS * 4) {
        const u64 i = base + (u64)threadIdx.x * 4;
        float x[4];
        bool use[4];
        if (vec && i + 4 <= c1) {
            const float4 v = *reinterpret_cast<const float4 *>(loss + i);
            x[0] = v.x;
            x[1] = v.y;
            x[2] = v.z;
            x[3] = v.w;
            if (valid != nullptr) {
                const uchar4 m = *reinterpret_cast<const uchar4 *>(valid + i);
                use[0] = m.x != 0;
                use[1] = m.y != 0;
                use[2] = m.z != 0;
                use[3] = m.w != 0;
            } else {
                use[0] = use[1] = use[2] = use[3] = true;
            }
        } else {
            for (int k = 0; k < 4; k++) {
                const bool in = i + k < c1;
                x[k] = in ? loss[i + k] : 0.0f;
                use[k] = in && (valid == nullptr || valid[i + k] != 0);
            }
        }
        for (int k = 0; k < 4; k++)
            f(x[k], use[k], i + k);
    }
}

__device__ __forceinline__ bool
chunk_vec(const float *loss, const unsigned char *valid, u64 b)
{
    return ((uintptr_t)(loss + b) & 15u) == 0 &&
           (valid == nullptr || ((uintptr_t)(valid + b) & 3u) == 0);
}

__device__ __forceinline__ u64
warp_sum(u64 v)
{
    return warp_sum_u64(v);
}

__device__ __forceinline__ double
warp_sum(double v)
{
    return warp_sum_f64(v);
}

/* Sums a per-thread value over the block; the result reaches thread 0.
 * Every thread must call it; `red` holds SCAN_THREADS / 32 values. */
template <typename T>
__device__ __forceinline__ T
block_sum(T v, T *red)
{
    v = warp_sum(v);
    __syncthreads();
    if ((threadIdx.x & 31) == 0)
        red[threadIdx.x / 32] = v;
    __syncthreads();
    T t = 0;
    if (threadIdx.x == 0) {
        for (int w = 0; w < SCAN_THREADS / 32; w++)
            t += red[w];
    }
    return t;
}

/*
 * Level 0 over all losses: validation (first bad index, valid count), the
 * sum of the positive losses and the 2048-bucket counts of the positive
 * finite ones.
 */
__global__ void __launch_bounds__(SCAN_THREADS)
k_count0(const float *loss, const unsigned char *valid, int err_nonfinite, SegInfo si,
         u64 *h0c, SegAcc *acc, u64 *bad)
{
    __shared__ unsigned sc[NB0];
    __shared__ u64 red_n[SCAN_THREADS / 32];
    __shared__ u64 red_b[SCAN_THREADS / 32];
    __shared__ double red_s[SCAN_THREADS / 32];
    const unsigned s = blockIdx.y;
    u64 b;
    u64 e;
    seg_range(si, s, b, e);
    const u64 c0 = b + (u64)blockIdx.x * CHUNK;
    if (c0 >= e)
        return;
    const u64 c1 = c0 + CHUNK < e ? c0 + CHUNK : e;
    for (int j = threadIdx.x; j < NB0; j += SCAN_THREADS)
        sc[j] = 0;
    __syncthreads();

    u64 n_valid = 0;
    u64 first_bad = ~0ull;
    double sum = 0.0;
    for_chunk(loss, valid, c0, c1, chunk_vec(loss, valid, b), [&](float x, bool use, u64 i) {
        if (!use)
            return;
        const bool finite = x - x == 0.0f;
        if (x < 0.0f || (!finite && err_nonfinite))
            first_bad = i - b < first_bad ? i - b : first_bad;
        if (!(finite && x >= 0.0f))
            return;
        n_valid++;
        if (!(x > 0.0f))
            return;
        atomicAdd(&sc[__float_as_uint(x) >> SHIFT0], 1u);
        sum += (double)x;
    });

    n_valid = block_sum(n_valid, red_n);
    sum = block_sum(sum, red_s);
    first_bad = warp_min_u64(first_bad);
    if ((threadIdx.x & 31) == 0)
        red_b[threadIdx.x / 32] = first_bad;
    __syncthreads();
    if (threadIdx.x == 0) {
        u64 fb = ~0ull;
        for (int w = 0; w < SCAN_THREADS / 32; w++)
            fb = red_b[w] < fb ? red_b[w] : fb;
        if (n_valid > 0)
            atomicAdd(&acc[s].n_valid, n_valid);
        if (sum > 0.0)
            atomicAdd(&acc[s].sum, sum);
        if (fb != ~0ull)
            atomicMin(&bad[s], fb);
    }
    u64 *gc = h0c + (size_t)s * NB0;
    for (int j = threadIdx.x; j < NB0; j += SCAN_THREADS) {
        if (sc[j] != 0)
            atomicAdd(&gc[j], (u64)sc[j]);
    }
}

/*
 * Exact level 0 for the segments whose window was too wide: per bucket, the
 * sum of the losses and P_j = sum (l / v_{j+1})^q.
 */
template <int KQ>
__global__ void __launch_bounds__(SCAN_THREADS)
k_pow0(const float *loss, const unsigned char *valid, SegInfo si, double q, Hist h0,
       const SegState *state)
{
    __shared__ double ssx[NB0];
    __shared__ double sP[NB0];
    const unsigned s = blockIdx.y;
    if (state[s].mode != MODE_EXACT0)
        return;
    u64 b;
    u64 e;
    seg_range(si, s, b, e);
    const u64 c0 = b + (u64)blockIdx.x * CHUNK;
    if (c0 >= e)
        return;
    const u64 c1 = c0 + CHUNK < e ? c0 + CHUNK : e;
    for (int j = threadIdx.x; j < NB0; j += SCAN_THREADS) {
        ssx[j] = 0.0;
        sP[j] = 0.0;
    }
    __syncthreads();

    Run run = { -1, 0, 0.0, 0.0 };
    for_chunk(loss, valid, c0, c1, chunk_vec(loss, valid, b), [&](float x, bool use, u64) {
        const unsigned key = __float_as_uint(x);
        if (!use || key == 0u || key >= KEY_INF) /* positive and finite only */
            return;
        const int j = (int)(key >> SHIFT0);
        if (j != run.bucket) {
            run_flush(run, nullptr, ssx, sP, true);
            run.bucket = j;
        }
        run.c++;
        run.sx += (double)x;
        run.P += pow_q<KQ>((double)x / key_value((unsigned)(j + 1) << SHIFT0), q);
    });
    run_flush(run, nullptr, ssx, sP, true);
    __syncthreads();
    double *gsx = h0.sx + (size_t)s * NB0;
    double *gP = h0.P + (size_t)s * NB0;
    for (int j = threadIdx.x; j < NB0; j += SCAN_THREADS) {
        if (ssx[j] != 0.0) {
            atomicAdd(&gsx[j], ssx[j]);
            atomicAdd(&gP[j], sP[j]);
        }
    }
}

/* --- One level of the selection, in one block of SEG_THREADS threads. --- */

struct Affine {
    double a;
    double b;
};

struct AffineOp {
    __device__ __forceinline__ Affine operator()(const Affine &f, const Affine &g) const
    {
        /* f first, then g */
        return Affine{ f.a * g.a, g.a * f.b + g.b };
    }
};

/* Two affine maps with the same slope: the bounds of level 0's window. */
struct Affine2 {
    double a;
    double b_lo;
    double b_hi;
};

struct Affine2Op {
    __device__ __forceinline__ Affine2 operator()(const Affine2 &f, const Affine2 &g) const
    {
        return Affine2{ f.a * g.a, g.a * f.b_lo + g.b_lo, g.a * f.b_hi + g.b_hi };
    }
};

struct CntSum {
    u64 c;
    double s;
};

struct CntSumOp {
    __device__ __forceinline__ CntSum operator()(const CntSum &x, const CntSum &y) const
    {
        return CntSum{ x.c + y.c, x.s + y.s };
    }
};

struct MaxOp {
    __device__ __forceinline__ int operator()(int a, int b) const
    {
        return a > b ? a : b;
    }
};

struct MinOp {
    __device__ __forceinline__ int operator()(int a, int b) const
    {
        return a < b ? a : b;
    }
};

/* What a level hands on. */
struct LevelOut {
    int j;       /* theta's bucket */
    u64 cnt;     /* losses in it */
    u64 C;       /* losses above it (C_in included) */
    double sum_c;
    double S;    /* sum over losses below it of (l / v_j)^q */
};

template <int ITEMS>
struct SelectShared {
    typedef cub::BlockScan<Affine, SEG_THREADS, cub::BLOCK_SCAN_WARP_SCANS> ScanA;
    typedef cub::BlockScan<CntSum, SEG_THREADS, cub::BLOCK_SCAN_WARP_SCANS> ScanC;
    typedef cub::BlockReduce<int, SEG_THREADS, cub::BLOCK_REDUCE_WARP_REDUCTIONS> RedI;
    union {
        typename ScanA::TempStorage a;
        typename ScanC::TempStorage c;
        typename RedI::TempStorage r;
    } tmp;
    u64 ec[SEG_THREADS * ITEMS];    /* sum of the counts above bucket j */
    double es[SEG_THREADS * ITEMS]; /* and of the losses */
    LevelOut out;
};

/*
 * Bucket j holds keys [base + j step, base + (j+1) step), pivot v_j is the
 * value of base + j step (v_NB is `top`).  c, sx, P: per-bucket count, sum
 * (or NULL: none) and sum of (l / v_{j+1})^q.  C_in, sum_c_in: losses at or
 * above v_NB; S_in: sum over losses below v_0 of (l / v_0)^q.  p1: select
 * the kk-th largest instead (q unused).  rq(j) = (v_j / v_{j+1})^q.  Only buckets below nb_used
 * can be chosen.  Every thread must call it.
 */
template <int ITEMS, typename TC, typename RQ>
__device__ LevelOut
select_level(SelectShared<ITEMS> &sh, const TC *c, const double *sx, const double *P,
             unsigned base, unsigned step, double top, u64 C_in, double sum_c_in, double S_in,
             double m_px, bool p1, u64 kk, int nb_used, RQ rq)
{
    constexpr int NB = SEG_THREADS * ITEMS;
    const int t = threadIdx.x;

    /* Counts and sums above each bucket: exclusive scan from the top. */
    {
        CntSum it[ITEMS];
        for (int k = 0; k < ITEMS; k++) {
            const int j = NB - 1 - (t * ITEMS + k);
            it[k] = CntSum{ (u64)c[j], sx != nullptr ? sx[j] : 0.0 };
        }
        typename SelectShared<ITEMS>::ScanC(sh.tmp.c).ExclusiveScan(it, it, CntSum{ 0, 0.0 },
                                                                     CntSumOp());
        for (int k = 0; k < ITEMS; k++) {
            const int j = NB - 1 - (t * ITEMS + k);
            sh.ec[j] = it[k].c;
            sh.es[j] = it[k].s;
        }
    }
    __syncthreads();

    /* S_below(j) = A_j S_in + B_j. */
    Affine f[ITEMS];
    if (!p1) {
        for (int k = 0; k < ITEMS; k++) {
            const int j = t * ITEMS + k;
            const double vn = j + 1 < NB ? key_value(base + (unsigned)(j + 1) * step) : top;
            f[k] = Affine{ rq(j), isinf(vn) ? 0.0 : P[j] };
        }
        typename SelectShared<ITEMS>::ScanA(sh.tmp.a).ExclusiveScan(f, f, Affine{ 1.0, 0.0 },
                                                                     AffineOp());
        __syncthreads();
    }

    int best = -1;
    for (int k = 0; k < ITEMS; k++) {
        const int j = t * ITEMS + k;
        const u64 above = C_in + sh.ec[j] + (u64)c[j]; /* losses >= v_j */
        bool flag;
        if (p1) {
            flag = above >= kk;
        } else {
            const double vj = key_value(base + (unsigned)j * step);
            const double g = (double)above + f[k].a * S_in + f[k].b;
            flag = j == 0 || (!isinf(vj) && g >= m_px);
        }
        if (flag && j < nb_used)
            best = j;
    }
    best = typename SelectShared<ITEMS>::RedI(sh.tmp.r).Reduce(best, MaxOp());
    if (t == 0)
        sh.out.j = best;
    __syncthreads();
    best = sh.out.j;
    for (int k = 0; k < ITEMS; k++) {
        const int j = t * ITEMS + k;
        if (j == best) {
            sh.out.cnt = (u64)c[j];
            sh.out.C = C_in + sh.ec[j];
            sh.out.sum_c = sum_c_in + sh.es[j];
            sh.out.S = p1 ? 0.0 : f[k].a * S_in + f[k].b;
        }
    }
    __syncthreads();
    LevelOut o = sh.out;
    __syncthreads();
    return o;
}

/* The closed form at the end of the search: losses >= U clamped (C, sum_c),
 * losses < U unclamped with S = sum (l / L)^q, theta in [L, U]. */
__device__ void
finish_q(SegState &st, double L, double U, u64 C, double sum_c, double S)
{
    const double free_mass = st.m_px - (double)C;
    if (!(L > 0.0) || !(free_mass >= 0.0) || !(S >= 0.0)) {
        st.status = LMP_ERR_NO_CONVERGENCE;
        st.mode = MODE_ZERO;
        return;
    }
    double theta = L * pow(S / free_mass, 1.0 / st.q);
    /* Rounding must not move theta out of [L, U]: the folds hold only there. */
    theta = fmax(theta, L);
    theta = fmin(theta, U);
    st.theta = theta;
    st.n_clamped = C;
    st.value = st.tau * (sum_c + theta * free_mass);
    st.mode = MODE_POW;
}

/* p = 1 at the end: t the kk-th largest, `above` losses > t, `equal` = t. */
__device__ void
finish_p1(SegState &st, double t, u64 above, u64 equal, double sum_above)
{
    const double share = (st.m_px - (double)above) / (st.m_px * (double)equal);
    st.t = (float)t;
    st.share = (float)share;
    st.theta = t;
    st.n_clamped = above + (share == st.tau ? equal : 0);
    st.value = st.tau * sum_above + share * (double)equal * t;
    st.mode = MODE_P1;
}

/* lmpi_setup_init of params.c. */
__device__ void
setup_init(SegState &st, double p, double m, double m_pixels, u64 n_valid)
{
    const double n = (double)n_valid;
    double m_px = m_pixels > 0.0 ? m_pixels : m * n;
    if (m_px < 1.0)
        m_px = 1.0;
    if (m_px > n)
        m_px = n;
    st.m_px = m_px;
    if (isinf(p)) {
        st.q = 1.0;
        st.gamma = 1.0 / n;
        st.tau = 1.0 / n;
    } else if (p == 1.0) {
        st.q = INFINITY;
        st.gamma = 1.0;
        st.tau = 1.0 / m_px;
    } else {
        st.q = p / (p - 1.0);
        st.gamma = pow(n, 1.0 / p - 1.0);
        st.tau = st.gamma * pow(m_px, -1.0 / p);
    }
}

/* Level 0's window from the counts alone (see the top of this file).
 * Pivots v_j, j < NB0; bucket j holds [v_j, v_{j+1}).  Returns [a, b) with
 * theta in [v_a, v_b) (b = NB0: no upper pivot).  Every thread must call it. */
struct WindowShared {
    typedef cub::BlockScan<u64, SEG_THREADS, cub::BLOCK_SCAN_WARP_SCANS> ScanU;
    typedef cub::BlockScan<Affine2, SEG_THREADS, cub::BLOCK_SCAN_WARP_SCANS> ScanA;
    typedef cub::BlockReduce<int, SEG_THREADS, cub::BLOCK_REDUCE_WARP_REDUCTIONS> RedI;
    union {
        typename ScanU::TempStorage u;
        typename ScanA::TempStorage a;
        typename RedI::TempStorage r;
    } tmp;
    u64 above[NB0]; /* losses >= v_j */
    double tab8[8];
    int a;
};

__device__ void
window0(WindowShared &sh, const u64 *c, double q, double m_px, bool p1, u64 kk, int &a_out,
        int &b_out)
{
    constexpr int ITEMS = NB0 / SEG_THREADS;
    const int t = threadIdx.x;
    {
        u64 it[ITEMS];
        for (int k = 0; k < ITEMS; k++)
            it[k] = c[NB0 - 1 - (t * ITEMS + k)];
        WindowShared::ScanU(sh.tmp.u).ExclusiveSum(it, it);
        for (int k = 0; k < ITEMS; k++) {
            const int j = NB0 - 1 - (t * ITEMS + k);
            sh.above[j] = it[k] + c[j];
        }
    }
    __syncthreads();
    /* S_lo(j), S_hi(j): the bounds of sum_{l < v_j} (l / v_j)^q. */
    Affine2 f[ITEMS];
    if (!p1) {
        level0_table(sh.tab8, q);
        __syncthreads();
        for (int k = 0; k < ITEMS; k++) {
            const int j = t * ITEMS + k;
            const double vn = key_value((unsigned)(j + 1) << SHIFT0);
            const double r = level0_ratio(j, sh.tab8, q);
            const double cj = isinf(vn) ? 0.0 : (double)c[j];
            f[k] = Affine2{ r, cj * r, cj };
        }
        WindowShared::ScanA(sh.tmp.a).ExclusiveScan(f, f, Affine2{ 1.0, 0.0, 0.0 }, Affine2Op());
        __syncthreads();
    }
    int a = 0;
    for (int k = 0; k < ITEMS; k++) {
        const int j = t * ITEMS + k;
        const double vj = key_value((unsigned)j << SHIFT0);
        const bool at_or_below = p1 ? sh.above[j] >= kk
                                    : !isinf(vj) && (double)sh.above[j] + f[k].b_lo >= m_px;
        if (at_or_below)
            a = j;
    }
    a = WindowShared::RedI(sh.tmp.r).Reduce(a, MaxOp());
    if (t == 0)
        sh.a = a;
    __syncthreads();
    a = sh.a;
    int b = NB0;
    if (p1) {
        b = a + 1;
    } else {
        for (int k = ITEMS - 1; k >= 0; k--) {
            const int j = t * ITEMS + k;
            const double vj = key_value((unsigned)j << SHIFT0);
            if (j > a && (isinf(vj) || (double)sh.above[j] + f[k].b_hi < m_px))
                b = j;
        }
        __syncthreads();
        b = WindowShared::RedI(sh.tmp.r).Reduce(b, MinOp());
    }
    __syncthreads();
    if (t == 0)
        sh.a = b;
    __syncthreads();
    a_out = a;
    b_out = sh.a;
    __syncthreads();
}

/* The direct cases, and level 0's window. */
__global__ void __launch_bounds__(SEG_THREADS)
k_select0(const float *loss, SegInfo si, double p, double m, double m_pixels, const u64 *h0c,
          const SegAcc *acc, const u64 *bad, SegState *state, int max_window)
{
    __shared__ WindowShared sh;
    __shared__ SegState st;
    __shared__ int go;
    typedef cub::BlockReduce<u64, SEG_THREADS, cub::BLOCK_REDUCE_WARP_REDUCTIONS> RedU;
    __shared__ typename RedU::TempStorage red;
    const unsigned s = blockIdx.x;
    const u64 *c = h0c + (size_t)s * NB0;

    u64 it[NB0 / SEG_THREADS];
    for (int k = 0; k < NB0 / SEG_THREADS; k++)
        it[k] = c[threadIdx.x * (NB0 / SEG_THREADS) + k];
    const u64 n_pos = RedU(red).Sum(it);

    if (threadIdx.x == 0) {
        u64 b;
        u64 e;
        seg_range(si, s, b, e);
        memset(&st, 0, sizeof st);
        st.n_pos = n_pos;
        st.sum = acc[s].sum;
        st.n_valid = acc[s].n_valid;
        st.bad_index = bad[s];
        go = 0;
        if (st.bad_index != ~0ull) {
            st.status = LMP_ERR_INVALID_LOSS;
            st.bad_value = loss[b + st.bad_index];
            st.mode = MODE_ZERO;
        } else if (st.n_valid == 0) {
            st.status = LMP_ERR_EMPTY;
            st.mode = MODE_ZERO;
        } else {
            setup_init(st, p, m, m_pixels, st.n_valid);
            st.status = LMP_OK;
            if (st.n_pos == 0) {
                st.mode = MODE_ZERO;
            } else if (isinf(p) || (double)st.n_pos <= st.m_px) {
                st.mode = MODE_CONST;
                st.n_clamped = st.n_pos;
                st.value = st.tau * st.sum;
            } else {
                st.kk = (u64)ceil(st.m_px);
                go = 1;
            }
        }
    }
    __syncthreads();
    if (go) {
        int a;
        int b;
        window0(sh, c, st.q, st.m_px, isinf(st.q), st.kk, a, b);
        if (threadIdx.x == 0) {
            st.key_lo = (unsigned)a << SHIFT0;
            st.key_hi = (unsigned)b << SHIFT0;
            st.nb1 = (b - a) * NB1;
            /* p = 1: the window is exact, one bucket. */
            st.mode = isinf(st.q) || b - a <= max_window ? MODE_WINDOW : MODE_EXACT0;
        }
        __syncthreads();
    }
    if (threadIdx.x == 0)
        state[s] = st;
}

/* Exact level 0 for MODE_EXACT0, on the histogram of k_count0 and k_pow0. */
__global__ void __launch_bounds__(SEG_THREADS)
k_select0x(Hist h0, SegState *state)
{
    __shared__ SelectShared<NB0 / SEG_THREADS> sh;
    __shared__ SegState st;
    __shared__ double tab8[8];
    const unsigned s = blockIdx.x;
    if (state[s].mode != MODE_EXACT0)
        return;
    if (threadIdx.x == 0)
        st = state[s];
    __syncthreads();
    level0_table(tab8, st.q);
    __syncthreads();
    const double q = st.q;
    const LevelOut o = select_level<NB0 / SEG_THREADS>(
        sh, h0.c + (size_t)s * NB0, h0.sx + (size_t)s * NB0, h0.P + (size_t)s * NB0, 0u,
        1u << SHIFT0, (double)INFINITY, 0, 0.0, 0.0, st.m_px, false, st.kk, NB0,
        [&](int j) { return level0_ratio(j, tab8, q); });
    if (threadIdx.x == 0) {
        const unsigned lo = (unsigned)o.j << SHIFT0;
        st.key_lo = lo;
        st.key_hi = lo + (1u << SHIFT0);
        st.nb1 = NB1;
        st.C = o.C;
        st.sum_c = o.sum_c;
        st.S = o.S;
        st.mode = MODE_SEARCH;
        if (o.cnt == 0)
            finish_q(st, key_value(lo), key_value(st.key_hi), o.C, o.sum_c, o.S);
        state[s] = st;
    }
}

/*
 * The second pass over all losses, for MODE_WINDOW and MODE_SEARCH: the
 * level-1 histogram (bucket = (key - key_lo) >> 10: counts and power sums;
 * k_finish adds up the losses itself, on the copy) of the losses in
 * [key_lo, key_hi), which are also copied out, each block into its own
 * stretch of `cand` (count in bcnt).  MODE_WINDOW also sums the losses above
 * the range (count, sum) and below it ((l / value(key_lo))^q).  The blocks
 * also share out the level-1 pivot ratios r1[j] = (v_j / v_{j+1})^q.
 */
template <int KQ>
__global__ void __launch_bounds__(SCAN_THREADS)
k_scan1(const float *loss, const unsigned char *valid, SegInfo si, double q, Hist h1,
        double *r1, SegAcc *acc, const SegState *state, float *cand, unsigned *bcnt)
{
    __shared__ unsigned n_blk;
    __shared__ u64 red_c[SCAN_THREADS / 32];
    __shared__ double red_s[SCAN_THREADS / 32];
    const unsigned s = blockIdx.y;
    const int mode = state[s].mode;
    if (mode != MODE_WINDOW && mode != MODE_SEARCH)
        return;
    u64 b;
    u64 e;
    seg_range(si, s, b, e);
    const u64 c0 = b + (u64)blockIdx.x * CHUNK;
    if (c0 >= e)
        return;
    const u64 c1 = c0 + CHUNK < e ? c0 + CHUNK : e;
    const bool win = mode == MODE_WINDOW;
    const unsigned lo = state[s].key_lo;
    const unsigned klo = lo > 0 ? lo : 1u; /* never zeros */
    const unsigned khi = state[s].key_hi < KEY_INF ? state[s].key_hi : KEY_INF;
    const double inv_lo = 1.0 / key_value(lo); /* used only when lo > 0 */
    const bool with_p = KQ >= 0;
    const Hist h = { h1.c + (size_t)s * NB1W, nullptr, h1.P + (size_t)s * NB1W };
    float *out = cand + (c0 - (si.off != nullptr ? si.off[0] : si.base));
    if (threadIdx.x == 0)
        n_blk = 0;
    if (with_p) {
        const unsigned n_blocks = (unsigned)((e - b + CHUNK - 1) / CHUNK);
        const int nb1 = state[s].nb1;
        double *r = r1 + (size_t)s * NB1W;
        for (unsigned j = blockIdx.x * SCAN_THREADS + threadIdx.x; j < (unsigned)nb1;
             j += n_blocks * SCAN_THREADS)
            r[j] = ratio_pow(key_value(lo + (j << SHIFT1)), key_value(lo + ((j + 1) << SHIFT1)), q);
    }
    __syncthreads();

    Run run = { -1, 0, 0.0, 0.0 };
    u64 C = 0;
    double sum_c = 0.0;
    double S = 0.0;
    const unsigned lane = threadIdx.x & 31;
    for_chunk(loss, valid, c0, c1, chunk_vec(loss, valid, b), [&](float x, bool use, u64) {
        const unsigned key = __float_as_uint(x);
        const bool pos = use && key != 0u && key < KEY_INF; /* positive and finite */
        const bool in = pos && key >= klo && key < khi;
        if (win && pos && !in) {
            if (key >= khi) {
                C++;
                sum_c += (double)x;
            } else if (with_p) {
                S += pow_q<KQ>((double)x * inv_lo, q);
            }
        }
        const unsigned vote = __ballot_sync(0xffffffffu, in);
        if (vote == 0)
            return;
        unsigned at = 0;
        if (lane == 0)
            at = atomicAdd(&n_blk, (unsigned)__popc(vote));
        at = __shfl_sync(0xffffffffu, at, 0);
        if (!in)
            return;
        out[at + __popc(vote & ((1u << lane) - 1u))] = x;
        const int j = (int)((key - lo) >> SHIFT1);
        if (j != run.bucket) {
            run_flush_global(run, h, with_p);
            run.bucket = j;
        }
        run.c++;
        if (with_p)
            run.P += pow_q<KQ>((double)x / key_value(lo + ((unsigned)(j + 1) << SHIFT1)), q);
    });
    run_flush_global(run, h, with_p);
    if (win) {
        C = block_sum(C, red_c);
        sum_c = block_sum(sum_c, red_s);
        S = block_sum(S, red_s);
        if (threadIdx.x == 0) {
            if (C > 0) {
                atomicAdd(&acc[s].C, C);
                atomicAdd(&acc[s].sum_c, sum_c);
            }
            if (S > 0.0)
                atomicAdd(&acc[s].S, S);
        }
    }
    __syncthreads();
    if (threadIdx.x == 0)
        bcnt[(size_t)s * gridDim.x + blockIdx.x] = n_blk;
}

/* Dynamic shared memory of k_finish: the level-1 selection over the widest
 * window, or (reused) a narrower one and level 2. */
union FinishShared {
    typename cub::BlockReduce<double, SEG_THREADS, cub::BLOCK_REDUCE_WARP_REDUCTIONS>::TempStorage
        red;
    SelectShared<KW> w4;
    SelectShared<2> w2;
    SelectShared<1> w1;
};

/* Levels 1 and 2 and the closed form, one block per segment. */
__global__ void __launch_bounds__(SEG_THREADS)
k_finish(SegInfo si, Hist h1, const double *r1, const SegAcc *acc, SegState *state,
         const float *cand, const unsigned *bcnt, unsigned gx)
{
    extern __shared__ __align__(16) unsigned char dyn[];
    FinishShared &fs = *reinterpret_cast<FinishShared *>(dyn);
    __shared__ unsigned c2[NB2];
    __shared__ double sx2[NB2];
    __shared__ double P2[NB2];
    __shared__ double r2[NB2];
    __shared__ double sum_up;
    __shared__ SegState st;
    const unsigned s = blockIdx.x;
    const int mode = state[s].mode;
    if (mode != MODE_WINDOW && mode != MODE_SEARCH)
        return;
    if (threadIdx.x == 0) {
        st = state[s];
        if (mode == MODE_WINDOW) {
            st.C = acc[s].C;
            st.sum_c = acc[s].sum_c;
            st.S = acc[s].S;
        }
    }
    __syncthreads();
    const bool p1 = isinf(st.q);
    const unsigned lo = st.key_lo;
    const int nb1 = st.nb1;
    const double top1 = key_value(st.key_hi);
    const u64 *hc = h1.c + (size_t)s * NB1W;
    const double *hP = h1.P + (size_t)s * NB1W;
    const double *rs = r1 + (size_t)s * NB1W;
    auto rq1 = [&](int j) { return j < nb1 ? rs[j] : 0.0; };
    LevelOut o1;
    if (nb1 <= NB1)
        o1 = select_level<1>(fs.w1, hc, nullptr, hP, lo, 1u << SHIFT1, top1, st.C, st.sum_c, st.S,
                             st.m_px, p1, st.kk, nb1, rq1);
    else if (nb1 <= 2 * NB1)
        o1 = select_level<2>(fs.w2, hc, nullptr, hP, lo, 1u << SHIFT1, top1, st.C, st.sum_c, st.S,
                             st.m_px, p1, st.kk, nb1, rq1);
    else
        o1 = select_level<KW>(fs.w4, hc, nullptr, hP, lo, 1u << SHIFT1, top1, st.C, st.sum_c, st.S,
                              st.m_px, p1, st.kk, nb1, rq1);
    const unsigned lo2 = lo + ((unsigned)o1.j << SHIFT1);
    const double top2 = key_value(lo2 + (1u << SHIFT1));

    /* Level 2 on the copied losses: one bucket per float value, and the sum
     * of those above the chosen level-1 bucket.  Each warp takes every 32nd
     * block's stretch of candidates. */
    for (int j = threadIdx.x; j < NB2; j += SEG_THREADS)
        c2[j] = 0;
    __syncthreads();
    {
        u64 b;
        u64 e;
        seg_range(si, s, b, e);
        const u64 gbase = si.off != nullptr ? si.off[0] : si.base;
        const unsigned n_blocks = (unsigned)((e - b + CHUNK - 1) / CHUNK);
        const unsigned lane = threadIdx.x & 31;
        int cur = -1;
        unsigned cnt = 0;
        double up = 0.0;
        for (unsigned k = threadIdx.x / 32; k < n_blocks && k < gx; k += SEG_THREADS / 32) {
            const float *in = cand + (b + (u64)k * CHUNK - gbase);
            const unsigned n_in = bcnt[(size_t)s * gx + k];
            /* Four loads in flight per lane. */
            for (unsigned i0 = lane; i0 < n_in; i0 += 4 * 32) {
                float x[4];
                for (int u = 0; u < 4; u++)
                    x[u] = i0 + 32u * u < n_in ? in[i0 + 32u * u] : 0.0f;
                for (int u = 0; u < 4; u++) {
                    const unsigned key = __float_as_uint(x[u]);
                    if (key < lo2 || key == 0u) /* below, or past the end */
                        continue;
                    if (key - lo2 >= (unsigned)NB2) {
                        up += (double)x[u];
                        continue;
                    }
                    const int j = (int)(key - lo2);
                    if (j != cur) {
                        if (cnt > 0)
                            atomicAdd(&c2[cur], cnt);
                        cur = j;
                        cnt = 0;
                    }
                    cnt++;
                }
            }
        }
        if (cnt > 0)
            atomicAdd(&c2[cur], cnt);
        up = cub::BlockReduce<double, SEG_THREADS, cub::BLOCK_REDUCE_WARP_REDUCTIONS>(fs.red).Sum(
            up);
        if (threadIdx.x == 0)
            sum_up = up;
    }
    __syncthreads();
    o1.sum_c += sum_up;
    if (!p1 && o1.cnt == 0) {
        if (threadIdx.x == 0) {
            finish_q(st, key_value(lo2), top2, o1.C, o1.sum_c, o1.S);
            state[s] = st;
        }
        return;
    }
    for (int j = threadIdx.x; j < NB2; j += SEG_THREADS) {
        const double v = key_value(lo2 + (unsigned)j);
        const double vn = j + 1 < NB2 ? key_value(lo2 + (unsigned)j + 1) : top2;
        r2[j] = p1 ? 0.0 : ratio_pow(v, vn, st.q);
        sx2[j] = (double)c2[j] * v;
        P2[j] = (double)c2[j] * r2[j];
    }
    __syncthreads();
    const LevelOut o2 = select_level<1>(fs.w1, c2, sx2, P2, lo2, 1u, top2, o1.C, o1.sum_c, o1.S,
                                        st.m_px, p1, st.kk, NB2, [&](int j) { return r2[j]; });
    if (threadIdx.x == 0) {
        const unsigned key = lo2 + (unsigned)o2.j;
        const double v = key_value(key);
        if (p1) {
            finish_p1(st, v, o2.C, o2.cnt, o2.sum_c);
        } else {
            /* The losses of the bucket equal v <= theta: each adds (v/v)^q = 1. */
            finish_q(st, v, key_value(key + 1), o2.C, o2.sum_c, o2.S + (double)o2.cnt);
        }
        state[s] = st;
    }
}

/* The weight pass.  KE: exponent q - 1 as products (1..4) or pow (0). */
template <int KE>
__global__ void __launch_bounds__(SCAN_THREADS)
k_weights(const float *loss, const unsigned char *valid, SegInfo si, const SegState *state,
          float *weight)
{
    const unsigned s = blockIdx.y;
    u64 b;
    u64 e;
    seg_range(si, s, b, e);
    const u64 c0 = b + (u64)blockIdx.x * CHUNK;
    if (c0 >= e)
        return;
    const u64 c1 = c0 + CHUNK < e ? c0 + CHUNK : e;
    const int mode = state[s].mode;
    const double tau = state[s].tau;
    const double inv_theta = mode == MODE_POW ? 1.0 / state[s].theta : 0.0;
    const double ex = state[s].q - 1.0;
    const float t = state[s].t;
    const float w_tau = (float)tau;
    const float w_share = state[s].share;
    const bool vec = chunk_vec(loss, valid, b) && ((uintptr_t)(weight + b) & 15u) == 0;

    auto w_of = [&](float x, bool use) -> float {
        const bool ok = use && x > 0.0f && x < INFINITY;
        if (!ok)
            return 0.0f;
        switch (mode) {
        case MODE_CONST:
            return w_tau;
        case MODE_P1:
            return x > t ? w_tau : (x == t ? w_share : 0.0f);
        case MODE_POW: {
            double r = (double)x * inv_theta;
            r = r < 1.0 ? r : 1.0;
            if (KE == 0)
                return (float)(tau * pow(r, ex));
            return (float)(tau * pow_q<KE>(r, ex));
        }
        default:
            return 0.0f;
        }
    };
    for (u64 base = c0; base < c1; base += (u64)SCAN_THREADS * 4) {
        const u64 i = base + (u64)threadIdx.x * 4;
        if (vec && i + 4 <= c1) {
            const float4 v = *reinterpret_cast<const float4 *>(loss + i);
            uchar4 m = make_uchar4(1, 1, 1, 1);
            if (valid != nullptr)
                m = *reinterpret_cast<const uchar4 *>(valid + i);
            float4 w;
            w.x = w_of(v.x, m.x != 0);
            w.y = w_of(v.y, m.y != 0);
            w.z = w_of(v.z, m.z != 0);
            w.w = w_of(v.w, m.w != 0);
            *reinterpret_cast<float4 *>(weight + i) = w;
        } else {
            for (int k = 0; k < 4; k++) {
                if (i + k < c1)
                    weight[i + k] = w_of(loss[i + k], valid == nullptr || valid[i + k] != 0);
            }
        }
    }
}

/* --- host side --- */

/* r^q exponent class: 1..4 products, 0 pow, -1 none. */
int
int_exponent(double e)
{
    if (e >= 1.0 && e <= 4.0 && e == floor(e))
        return (int)e;
    return 0;
}

size_t
align_up(size_t x)
{
    return (x + WS_ALIGN - 1) / WS_ALIGN * WS_ALIGN;
}

/* Workspace layout; returns 0 on size overflow. */
struct Layout {
    size_t acc;   /* B SegAcc */
    size_t h0;    /* c, sx, P: 3 arrays of B * NB0 */
    size_t h1;    /* c and P: 2 arrays of B * NB1W */
    size_t zero_end;
    size_t bad;   /* B u64, set to ~0 */
    size_t r1;    /* B * NB1W doubles: level-1 pivot ratios */
    size_t state; /* B SegState */
    size_t off;   /* B + 1 u64 */
    size_t cand;  /* n_total floats */
    size_t bcnt;  /* per block of the passes: B (n_total / CHUNK + 1) unsigned */
    size_t total;
};

int
layout_of(size_t B, size_t n_total, Layout *l)
{
    const size_t max = (size_t)-1 / 4;
    if (B > LMP_CUDA_MAX_BATCH || n_total > max / sizeof(float))
        return 0;
    size_t at = 0;
    l->acc = at;
    at = align_up(at + B * sizeof(SegAcc));
    l->h0 = at;
    at = align_up(at + 3 * B * NB0 * sizeof(u64));
    l->h1 = at;
    at = align_up(at + 2 * B * NB1W * sizeof(u64));
    l->zero_end = at;
    l->bad = at;
    at = align_up(at + B * sizeof(u64));
    l->r1 = at;
    at = align_up(at + B * NB1W * sizeof(double));
    l->state = at;
    at = align_up(at + B * sizeof(SegState));
    l->off = at;
    at = align_up(at + (B + 1) * sizeof(u64));
    l->cand = at;
    at = align_up(at + (n_total > 0 ? n_total : 1) * sizeof(float));
    l->bcnt = at;
    at = align_up(at + B * (n_total / CHUNK + 1) * sizeof(unsigned));
    l->total = at;
    return 1;
}

lmp_status
check_batch(const lmp_cuda_batch *bt, const lmp_params *prm, const lmp_result *res,
            size_t *n_total, size_t *max_len, size_t *n_seg)
{
    if (bt == nullptr || res == nullptr || lmp_params_check(prm) != LMP_OK)
        return LMP_ERR_INVALID_ARG;
    if (bt->batch == 0 || bt->batch > LMP_CUDA_MAX_BATCH)
        return LMP_ERR_INVALID_ARG;
    if (bt->pooling != LMP_CUDA_POOL_SEGMENT && bt->pooling != LMP_CUDA_POOL_BATCH)
        return LMP_ERR_INVALID_ARG;
    size_t lo = 0;
    size_t hi;
    size_t mx = 0;
    if (bt->h_offsets != nullptr) {
        lo = bt->h_offsets[0];
        for (size_t s = 0; s < bt->batch; s++) {
            if (bt->h_offsets[s + 1] < bt->h_offsets[s])
                return LMP_ERR_INVALID_ARG;
            const size_t len = bt->h_offsets[s + 1] - bt->h_offsets[s];
            mx = len > mx ? len : mx;
        }
        hi = bt->h_offsets[bt->batch];
    } else {
        if (bt->n != 0 && bt->batch > ((size_t)-1 / 4) / bt->n)
            return LMP_ERR_INVALID_ARG;
        hi = bt->batch * bt->n;
        mx = bt->n;
    }
    if (hi > lo && bt->d_loss == nullptr)
        return LMP_ERR_INVALID_ARG;
    *n_total = hi - lo;
    *max_len = bt->pooling == LMP_CUDA_POOL_BATCH ? hi - lo : mx;
    *n_seg = bt->pooling == LMP_CUDA_POOL_BATCH ? 1 : bt->batch;
    return LMP_OK;
}

void
set_err(char *err, size_t len, const char *what, cudaError_t e)
{
    if (err != nullptr && len > 0) {
        size_t k = 0;
        const char *parts[3] = { what, ": ", cudaGetErrorString(e) };
        for (int p = 0; p < 3; p++) {
            for (const char *c = parts[p]; *c && k + 1 < len; c++)
                err[k++] = *c;
        }
        err[k] = '\0';
    }
}

void
to_result(const SegState &st, lmp_result *r)
{
    memset(r, 0, sizeof *r);
    if (st.status == LMP_ERR_INVALID_LOSS) {
        r->bad_index = (size_t)st.bad_index;
        r->bad_value = st.bad_value;
        return;
    }
    r->n_valid = (size_t)st.n_valid;
    if (st.n_valid == 0)
        return;
    r->mean = st.sum / (double)st.n_valid;
    r->m_px = st.m_px;
    r->gamma = st.gamma;
    r->tau = st.tau;
    if (st.n_pos == 0)
        return;
    r->value = st.value;
    r->theta = st.theta;
    r->n_clamped = (size_t)st.n_clamped;
    r->n_support = (size_t)st.n_pos;
}

/* lmpi_cuda_set_max_window */
int g_max_window = KW;

/* k_finish needs more than the default 48 KiB of shared memory. */
cudaError_t
finish_smem_once()
{
    static int done = 0;
    if (done)
        return cudaSuccess;
    const cudaError_t e = cudaFuncSetAttribute(
        k_finish, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)sizeof(FinishShared));
    done = e == cudaSuccess;
    return e;
}

#define LAUNCH_KQ(KQ_VAR, KERNEL, GRID, BLOCK, STREAM, ...)                                      \
    do {                                                                                         \
        switch (KQ_VAR) {                                                                        \
        case -1:                                                                                 \
            KERNEL<-1><<<GRID, BLOCK, 0, STREAM>>>(__VA_ARGS__);                                 \
            break;                                                                               \
        case 1:                                                                                  \
            KERNEL<1><<<GRID, BLOCK, 0, STREAM>>>(__VA_ARGS__);                                  \
            break;                                                                               \
        case 2:                                                                                  \
            KERNEL<2><<<GRID, BLOCK, 0, STREAM>>>(__VA_ARGS__);                                  \
            break;                                                                               \
        case 3:                                                                                  \
            KERNEL<3><<<GRID, BLOCK, 0, STREAM>>>(__VA_ARGS__);                                  \
            break;                                                                               \
        case 4:                                                                                  \
            KERNEL<4><<<GRID, BLOCK, 0, STREAM>>>(__VA_ARGS__);                                  \
            break;                                                                               \
        default:                                                                                 \
            KERNEL<0><<<GRID, BLOCK, 0, STREAM>>>(__VA_ARGS__);                                  \
            break;                                                                               \
        }                                                                                        \
    } while (0)

lmp_status
solve_impl(const lmp_cuda_batch *bt, const lmp_params *prm, lmp_result *h_results,
           lmp_status *h_status, void *d_ws, size_t ws_bytes, cudaStream_t stream, char *err,
           size_t err_len)
{
    size_t n_total;
    size_t max_len;
    size_t n_seg;
    Layout l;
    lmp_status st = check_batch(bt, prm, h_results, &n_total, &max_len, &n_seg);
    if (st != LMP_OK)
        return st;
    if (!layout_of(bt->batch, n_total, &l) || d_ws == nullptr || ws_bytes < l.total ||
        ((uintptr_t)d_ws % WS_ALIGN) != 0)
        return LMP_ERR_INVALID_ARG;
    if (bt->d_weight != nullptr && n_total > 0 && bt->d_weight == bt->d_loss)
        return LMP_ERR_INVALID_ARG;

    char *ws = static_cast<char *>(d_ws);
    SegAcc *acc = reinterpret_cast<SegAcc *>(ws + l.acc);
    Hist h0 = { reinterpret_cast<u64 *>(ws + l.h0),
                reinterpret_cast<double *>(ws + l.h0) + n_seg * NB0,
                reinterpret_cast<double *>(ws + l.h0) + 2 * n_seg * NB0 };
    Hist h1 = { reinterpret_cast<u64 *>(ws + l.h1), nullptr,
                reinterpret_cast<double *>(ws + l.h1) + n_seg * NB1W };
    u64 *bad = reinterpret_cast<u64 *>(ws + l.bad);
    SegState *state = reinterpret_cast<SegState *>(ws + l.state);
    u64 *d_off = reinterpret_cast<u64 *>(ws + l.off);
    float *cand = reinterpret_cast<float *>(ws + l.cand);
    unsigned *bcnt = reinterpret_cast<unsigned *>(ws + l.bcnt);
    double *r1 = reinterpret_cast<double *>(ws + l.r1);

    SegInfo si;
    si.off = nullptr;
    if (bt->pooling == LMP_CUDA_POOL_BATCH) {
        si.base = bt->h_offsets != nullptr ? bt->h_offsets[0] : 0;
        si.n = n_total;
    } else if (bt->h_offsets != nullptr) {
        si.base = 0;
        si.n = 0;
        si.off = d_off;
    } else {
        si.base = 0;
        si.n = bt->n;
    }

    const double p = prm->p;
    const double q = isinf(p) ? 1.0 : (p == 1.0 ? (double)INFINITY : p / (p - 1.0));
    /* The power sums are needed only by the search for 1 < p < inf. */
    const int kq = (isinf(p) || p == 1.0) ? -1 : int_exponent(q);
    const int ke = int_exponent(q - 1.0);
    const int err_nf = prm->nonfinite == LMP_NONFINITE_ERROR;
    const size_t gx = max_len > 0 ? (max_len + CHUNK - 1) / CHUNK : 1;
    if (gx > 0x7fffffffu)
        return LMP_ERR_INVALID_ARG;
    const dim3 grid((unsigned)gx, (unsigned)n_seg);
    SegState *h_state = static_cast<SegState *>(malloc(n_seg * sizeof(SegState)));
    if (h_state == nullptr)
        return LMP_ERR_NOMEM;

    cudaError_t e = cudaSuccess;
    const char *what = "";
#define CU(call, name)                                                                           \
    do {                                                                                         \
        e = (call);                                                                              \
        if (e != cudaSuccess) {                                                                  \
            what = name;                                                                         \
            goto fail;                                                                           \
        }                                                                                        \
    } while (0)

    if (si.off != nullptr) {
        static_assert(sizeof(size_t) == sizeof(u64), "size_t is 64-bit");
        CU(cudaMemcpyAsync(d_off, bt->h_offsets, (n_seg + 1) * sizeof(u64),
                           cudaMemcpyHostToDevice, stream),
           "copying the offsets");
    }
    CU(cudaMemsetAsync(ws, 0, l.zero_end, stream), "clearing the workspace");
    CU(cudaMemsetAsync(bad, 0xff, n_seg * sizeof(u64), stream), "clearing the workspace");
    k_count0<<<grid, SCAN_THREADS, 0, stream>>>(bt->d_loss, bt->d_valid, err_nf, si, h0.c, acc,
                                                bad);
    CU(cudaGetLastError(), "level-0 pass");
    k_select0<<<(unsigned)n_seg, SEG_THREADS, 0, stream>>>(bt->d_loss, si, p, prm->m,
                                                           prm->m_pixels, h0.c, acc, bad, state,
                                                           g_max_window);
    CU(cudaGetLastError(), "level-0 window");
    if (kq >= 0) {
        /* Segments whose window was too wide: exact level 0. */
        LAUNCH_KQ(kq, k_pow0, grid, SCAN_THREADS, stream, bt->d_loss, bt->d_valid, si, q, h0,
                  state);
        CU(cudaGetLastError(), "exact level-0 pass");
        k_select0x<<<(unsigned)n_seg, SEG_THREADS, 0, stream>>>(h0, state);
        CU(cudaGetLastError(), "exact level-0 selection");
    }
    LAUNCH_KQ(kq, k_scan1, grid, SCAN_THREADS, stream, bt->d_loss, bt->d_valid, si, q, h1, r1,
              acc, state, cand, bcnt);
    CU(cudaGetLastError(), "level-1 pass");
    CU(finish_smem_once(), "configuring the level-1 selection");
    k_finish<<<(unsigned)n_seg, SEG_THREADS, sizeof(FinishShared), stream>>>(
        si, h1, r1, acc, state, cand, bcnt, (unsigned)gx);
    CU(cudaGetLastError(), "level-2 selection");
    if (bt->d_weight != nullptr && n_total > 0) {
        switch (ke) {
        case 1:
            k_weights<1><<<grid, SCAN_THREADS, 0, stream>>>(bt->d_loss, bt->d_valid, si, state,
                                                            bt->d_weight);
            break;
        case 2:
            k_weights<2><<<grid, SCAN_THREADS, 0, stream>>>(bt->d_loss, bt->d_valid, si, state,
                                                            bt->d_weight);
            break;
        case 3:
            k_weights<3><<<grid, SCAN_THREADS, 0, stream>>>(bt->d_loss, bt->d_valid, si, state,
                                                            bt->d_weight);
            break;
        case 4:
            k_weights<4><<<grid, SCAN_THREADS, 0, stream>>>(bt->d_loss, bt->d_valid, si, state,
                                                            bt->d_weight);
            break;
        default:
            k_weights<0><<<grid, SCAN_THREADS, 0, stream>>>(bt->d_loss, bt->d_valid, si, state,
                                                            bt->d_weight);
            break;
        }
        CU(cudaGetLastError(), "weight pass");
    }
    CU(cudaMemcpyAsync(h_state, state, n_seg * sizeof(SegState), cudaMemcpyDeviceToHost, stream),
       "copying the results");
    CU(cudaStreamSynchronize(stream), "solving");
#undef CU

    {
        int any_bad = 0;
        int any_empty = 0;
        int any_fail = 0;
        for (size_t s = 0; s < n_seg; s++) {
            to_result(h_state[s], &h_results[s]);
            if (h_status != nullptr)
                h_status[s] = (lmp_status)h_state[s].status;
            any_bad |= h_state[s].status == LMP_ERR_INVALID_LOSS;
            any_empty |= h_state[s].status == LMP_ERR_EMPTY;
            any_fail |= h_state[s].status == LMP_ERR_NO_CONVERGENCE;
        }
        free(h_state);
        return any_bad     ? LMP_ERR_INVALID_LOSS
               : any_empty ? LMP_ERR_EMPTY
               : any_fail  ? LMP_ERR_NO_CONVERGENCE
                           : LMP_OK;
    }
fail:
    free(h_state);
    set_err(err, err_len, what, e);
    return LMP_ERR_CUDA;
}

} /* namespace */

struct lmp_cuda_solver {
    void *d_ws;
    size_t bytes;
    size_t max_batch;
    size_t max_n_total;
    char err[256];
};

extern "C" void
lmpi_cuda_set_max_window(int buckets)
{
    g_max_window = buckets < 0 || buckets > KW ? KW : buckets;
}

extern "C" int
lmp_cuda_device_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError(); /* clear the sticky-free error */
        return 0;
    }
    return n;
}

extern "C" lmp_status
lmp_cuda_workspace_size(size_t batch, size_t n_total, size_t *bytes)
{
    Layout l;
    if (bytes == nullptr || batch == 0 || batch > LMP_CUDA_MAX_BATCH)
        return LMP_ERR_INVALID_ARG;
    if (!layout_of(batch, n_total, &l))
        return LMP_ERR_NOMEM;
    *bytes = l.total;
    return LMP_OK;
}

extern "C" lmp_status
lmp_cuda_solve_batch(const lmp_cuda_batch *batch, const lmp_params *params,
                     lmp_result *h_results, lmp_status *h_status, void *d_workspace,
                     size_t workspace_bytes, lmp_cuda_stream stream)
{
    return solve_impl(batch, params, h_results, h_status, d_workspace, workspace_bytes,
                      (cudaStream_t)stream, nullptr, 0);
}

extern "C" lmp_status
lmp_cuda_solver_create(size_t max_batch, size_t max_n_total, lmp_cuda_solver **out)
{
    size_t bytes;
    lmp_status st;
    if (out == nullptr)
        return LMP_ERR_INVALID_ARG;
    *out = nullptr;
    st = lmp_cuda_workspace_size(max_batch, max_n_total, &bytes);
    if (st != LMP_OK)
        return st;
    lmp_cuda_solver *s = static_cast<lmp_cuda_solver *>(calloc(1, sizeof *s));
    if (s == nullptr)
        return LMP_ERR_NOMEM;
    if (cudaMalloc(&s->d_ws, bytes) != cudaSuccess) {
        (void)cudaGetLastError();
        free(s);
        return LMP_ERR_CUDA;
    }
    s->bytes = bytes;
    s->max_batch = max_batch;
    s->max_n_total = max_n_total;
    *out = s;
    return LMP_OK;
}

extern "C" void
lmp_cuda_solver_destroy(lmp_cuda_solver *solver)
{
    if (solver == nullptr)
        return;
    cudaFree(solver->d_ws);
    free(solver);
}

extern "C" lmp_status
lmp_cuda_solver_solve(lmp_cuda_solver *solver, const lmp_cuda_batch *batch,
                      const lmp_params *params, lmp_result *h_results, lmp_status *h_status,
                      lmp_cuda_stream stream)
{
    if (solver == nullptr)
        return LMP_ERR_INVALID_ARG;
    solver->err[0] = '\0';
    if (batch != nullptr && batch->batch > solver->max_batch) {
        strcpy(solver->err, "batch larger than the solver was created for");
        return LMP_ERR_INVALID_ARG;
    }
    const lmp_status st = solve_impl(batch, params, h_results, h_status, solver->d_ws,
                                     solver->bytes, (cudaStream_t)stream, solver->err,
                                     sizeof solver->err);
    if (st == LMP_ERR_INVALID_ARG && solver->err[0] == '\0')
        strcpy(solver->err, "invalid argument (NULL pointer, batch size, offsets, params or "
                            "more losses than the solver was created for)");
    return st;
}

extern "C" const char *
lmp_cuda_solver_last_error(const lmp_cuda_solver *solver)
{
    return solver != nullptr ? solver->err : "";
}

extern "C" lmp_status
lmp_cuda_solve_host(const float *h_loss, const unsigned char *h_valid, size_t batch, size_t n,
                    const lmp_params *params, float *h_weight, lmp_result *h_results,
                    lmp_status *h_status)
{
    lmp_cuda_batch bt;
    size_t ws_bytes = 0;
    float *d_loss = nullptr;
    float *d_weight = nullptr;
    unsigned char *d_valid = nullptr;
    void *d_ws = nullptr;
    lmp_status st;
    const size_t bytes = (batch * n > 0 ? batch * n : 1) * sizeof(float);

    if ((h_loss == nullptr && batch * n > 0) || h_results == nullptr || batch == 0 ||
        (n != 0 && batch > ((size_t)-1 / 8) / n))
        return LMP_ERR_INVALID_ARG;
    st = lmp_cuda_workspace_size(batch, batch * n, &ws_bytes);
    if (st != LMP_OK)
        return st;
    if (cudaMalloc(&d_loss, bytes) != cudaSuccess || cudaMalloc(&d_ws, ws_bytes) != cudaSuccess ||
        (h_weight != nullptr && cudaMalloc(&d_weight, bytes) != cudaSuccess) ||
        (h_valid != nullptr && cudaMalloc(&d_valid, bytes / sizeof(float)) != cudaSuccess) ||
        cudaMemcpy(d_loss, h_loss, batch * n * sizeof(float), cudaMemcpyHostToDevice) !=
            cudaSuccess ||
        (h_valid != nullptr &&
         cudaMemcpy(d_valid, h_valid, batch * n, cudaMemcpyHostToDevice) != cudaSuccess)) {
        (void)cudaGetLastError();
        st = LMP_ERR_CUDA;
        goto cleanup;
    }
    memset(&bt, 0, sizeof bt);
    bt.d_loss = d_loss;
    bt.d_valid = d_valid;
    bt.d_weight = d_weight;
    bt.batch = batch;
    bt.n = n;
    st = lmp_cuda_solve_batch(&bt, params, h_results, h_status, d_ws, ws_bytes, nullptr);
    if (h_weight != nullptr && (st == LMP_OK || st == LMP_ERR_EMPTY || st == LMP_ERR_INVALID_LOSS) &&
        cudaMemcpy(h_weight, d_weight, batch * n * sizeof(float), cudaMemcpyDeviceToHost) !=
            cudaSuccess)
        st = LMP_ERR_CUDA;
cleanup:
    cudaFree(d_loss);
    cudaFree(d_weight);
    cudaFree(d_valid);
    cudaFree(d_ws);
    return st;
}
