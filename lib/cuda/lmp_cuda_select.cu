/*
 * The per-segment selections of the GPU solver (lmp_cuda_kernels.cuh has
 * the algorithm), one block of SEG_THREADS threads per segment: the direct
 * cases and level 0's window, the exact level 0, levels 1 and 2 and the
 * closed form; each behind a host launcher.
 */
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <atomic>

#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>

#include "lmp_cuda_kernels.cuh"

namespace lmpi_cuda
{

namespace
{

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
    int j;   /* theta's bucket */
    u64 cnt; /* losses in it */
    u64 C;   /* losses above it (C_in included) */
    double sum_c;
    double S; /* sum over losses below it of (l / v_j)^q */
};

template <int ITEMS> struct SelectShared {
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
select_level(SelectShared<ITEMS> &sh,
             const TC *c,
             const double *sx,
             const double *P,
             unsigned base,
             unsigned step,
             double top,
             u64 C_in,
             double sum_c_in,
             double S_in,
             double m_px,
             bool p1,
             u64 kk,
             int nb_used,
             RQ rq)
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
    st.n_support = above + equal; /* the losses below t get 0 */
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

/* Level 0's window from the counts alone (see lmp_cuda_kernels.cuh).
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
window0(
    WindowShared &sh, const u64 *c, double q, double m_px, bool p1, u64 kk, int &a_out, int &b_out)
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
        const bool at_or_below =
            p1 ? sh.above[j] >= kk : !isinf(vj) && (double)sh.above[j] + f[k].b_lo >= m_px;
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
__global__ void
__launch_bounds__(SEG_THREADS) k_select0(const float *loss,
                                         SegInfo si,
                                         double p,
                                         double m,
                                         double m_pixels,
                                         const u64 *h0c,
                                         const SegAcc *acc,
                                         const u64 *bad,
                                         SegState *state,
                                         int max_window)
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
        st.n_support = n_pos;
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
__global__ void
__launch_bounds__(SEG_THREADS) k_select0x(Hist h0, SegState *state)
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
__global__ void
__launch_bounds__(SEG_THREADS) k_finish(SegInfo si,
                                        Hist h1,
                                        const double *r1,
                                        const SegAcc *acc,
                                        SegState *state,
                                        const float *cand,
                                        const unsigned *bcnt,
                                        unsigned gx)
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

} /* namespace */

cudaError_t
launch_select0(unsigned n_seg,
               cudaStream_t stream,
               const float *loss,
               SegInfo si,
               double p,
               double m,
               double m_pixels,
               const u64 *h0c,
               const SegAcc *acc,
               const u64 *bad,
               SegState *state,
               int max_window)
{
    k_select0<<<n_seg, SEG_THREADS, 0, stream>>>(loss, si, p, m, m_pixels, h0c, acc, bad, state,
                                                 max_window);
    return cudaGetLastError();
}

cudaError_t
launch_select0x(unsigned n_seg, cudaStream_t stream, Hist h0, SegState *state)
{
    k_select0x<<<n_seg, SEG_THREADS, 0, stream>>>(h0, state);
    return cudaGetLastError();
}

/* The attribute belongs to the kernel in each device's context: one bit per
 * device that has it (devices past 63 set it on every call). */
cudaError_t
prepare_finish(void)
{
    static std::atomic<unsigned long long> done(0);
    int dev = 0;
    cudaError_t e = cudaGetDevice(&dev);
    if (e != cudaSuccess)
        return e;
    const unsigned long long bit = dev >= 0 && dev < 64 ? 1ull << dev : 0ull;
    if (bit != 0 && (done.load(std::memory_order_acquire) & bit) != 0)
        return cudaSuccess;
    e = cudaFuncSetAttribute(k_finish, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             (int)sizeof(FinishShared));
    if (e == cudaSuccess)
        done.fetch_or(bit, std::memory_order_release);
    return e;
}

cudaError_t
launch_finish(unsigned n_seg,
              cudaStream_t stream,
              SegInfo si,
              Hist h1,
              const double *r1,
              const SegAcc *acc,
              SegState *state,
              const float *cand,
              const unsigned *bcnt,
              unsigned gx)
{
    k_finish<<<n_seg, SEG_THREADS, sizeof(FinishShared), stream>>>(si, h1, r1, acc, state, cand,
                                                                   bcnt, gx);
    return cudaGetLastError();
}

} /* namespace lmpi_cuda */
