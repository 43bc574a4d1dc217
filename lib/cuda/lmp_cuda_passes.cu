/*
 * The full passes over the losses of the GPU solver (lmp_cuda_kernels.cuh
 * has the algorithm): level 0's counts, the exact level 0, level 1's
 * histogram and copy, and the weights; each behind a host launcher.
 */
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>

#include "lmp_cuda_kernels.cuh"

namespace lmpi_cuda
{

namespace
{

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
__global__ void
__launch_bounds__(SCAN_THREADS) k_count0(const float *loss,
                                         const unsigned char *valid,
                                         int err_nonfinite,
                                         SegInfo si,
                                         u64 *h0c,
                                         SegAcc *acc,
                                         u64 *bad)
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
        /* as lmpi_find_bad: -Inf is non-finite, ignored when asked */
        if (finite ? x < 0.0f : err_nonfinite)
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
__global__ void
__launch_bounds__(SCAN_THREADS) k_pow0(const float *loss,
                                       const unsigned char *valid,
                                       SegInfo si,
                                       double q,
                                       Hist h0,
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
__global__ void
__launch_bounds__(SCAN_THREADS) k_scan1(const float *loss,
                                        const unsigned char *valid,
                                        SegInfo si,
                                        double q,
                                        Hist h1,
                                        double *r1,
                                        SegAcc *acc,
                                        const SegState *state,
                                        float *cand,
                                        unsigned *bcnt)
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

/* The weight pass.  KE: exponent q - 1 as products (1..4) or pow (0). */
template <int KE>
__global__ void
__launch_bounds__(SCAN_THREADS) k_weights(
    const float *loss, const unsigned char *valid, SegInfo si, const SegState *state, float *weight)
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

} /* namespace */

#define LAUNCH_KQ(KQ_VAR, KERNEL, GRID, BLOCK, STREAM, ...)                                        \
    do {                                                                                           \
        switch (KQ_VAR) {                                                                          \
        case -1:                                                                                   \
            KERNEL<-1><<<GRID, BLOCK, 0, STREAM>>>(__VA_ARGS__);                                   \
            break;                                                                                 \
        case 1:                                                                                    \
            KERNEL<1><<<GRID, BLOCK, 0, STREAM>>>(__VA_ARGS__);                                    \
            break;                                                                                 \
        case 2:                                                                                    \
            KERNEL<2><<<GRID, BLOCK, 0, STREAM>>>(__VA_ARGS__);                                    \
            break;                                                                                 \
        case 3:                                                                                    \
            KERNEL<3><<<GRID, BLOCK, 0, STREAM>>>(__VA_ARGS__);                                    \
            break;                                                                                 \
        case 4:                                                                                    \
            KERNEL<4><<<GRID, BLOCK, 0, STREAM>>>(__VA_ARGS__);                                    \
            break;                                                                                 \
        default:                                                                                   \
            KERNEL<0><<<GRID, BLOCK, 0, STREAM>>>(__VA_ARGS__);                                    \
            break;                                                                                 \
        }                                                                                          \
    } while (0)

cudaError_t
launch_count0(dim3 grid,
              cudaStream_t stream,
              const float *loss,
              const unsigned char *valid,
              int err_nonfinite,
              SegInfo si,
              u64 *h0c,
              SegAcc *acc,
              u64 *bad)
{
    k_count0<<<grid, SCAN_THREADS, 0, stream>>>(loss, valid, err_nonfinite, si, h0c, acc, bad);
    return cudaGetLastError();
}

cudaError_t
launch_pow0(int kq,
            dim3 grid,
            cudaStream_t stream,
            const float *loss,
            const unsigned char *valid,
            SegInfo si,
            double q,
            Hist h0,
            const SegState *state)
{
    LAUNCH_KQ(kq, k_pow0, grid, SCAN_THREADS, stream, loss, valid, si, q, h0, state);
    return cudaGetLastError();
}

cudaError_t
launch_scan1(int kq,
             dim3 grid,
             cudaStream_t stream,
             const float *loss,
             const unsigned char *valid,
             SegInfo si,
             double q,
             Hist h1,
             double *r1,
             SegAcc *acc,
             const SegState *state,
             float *cand,
             unsigned *bcnt)
{
    LAUNCH_KQ(kq, k_scan1, grid, SCAN_THREADS, stream, loss, valid, si, q, h1, r1, acc, state, cand,
              bcnt);
    return cudaGetLastError();
}

cudaError_t
launch_weights(int ke,
               dim3 grid,
               cudaStream_t stream,
               const float *loss,
               const unsigned char *valid,
               SegInfo si,
               const SegState *state,
               float *weight)
{
    switch (ke) {
    case 1:
        k_weights<1><<<grid, SCAN_THREADS, 0, stream>>>(loss, valid, si, state, weight);
        break;
    case 2:
        k_weights<2><<<grid, SCAN_THREADS, 0, stream>>>(loss, valid, si, state, weight);
        break;
    case 3:
        k_weights<3><<<grid, SCAN_THREADS, 0, stream>>>(loss, valid, si, state, weight);
        break;
    case 4:
        k_weights<4><<<grid, SCAN_THREADS, 0, stream>>>(loss, valid, si, state, weight);
        break;
    default:
        k_weights<0><<<grid, SCAN_THREADS, 0, stream>>>(loss, valid, si, state, weight);
        break;
    }
    return cudaGetLastError();
}

} /* namespace lmpi_cuda */
