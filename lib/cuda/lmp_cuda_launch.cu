/*
 * Launch orchestration of the GPU solver: the workspace layout, the
 * argument checks and the sequence of kernels of one solve, queued on one
 * stream.  Nothing is read back: every decision that depends on the losses
 * is taken on the device (a kernel with nothing to do for a segment returns
 * at once), the grids follow from sizes the host knows, offsets given on
 * the host travel inside kernel parameters, and the results leave the
 * workspace through a last kernel into the caller's device arrays.  So the
 * sequence can be captured in a CUDA graph; the synchronous entry adds one
 * copy to the host and one wait.
 */
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "lmp.h"
#include "lmp_cuda.h"
#include "lmp_cuda_internal.h"
}

#include "lmp_cuda_kernels.cuh"

namespace lmpi_cuda
{

namespace
{

constexpr size_t WS_ALIGN = 256;

/* Offsets per k_offsets launch: the parameters stay under the 4 KiB that
 * every device and driver accepts. */
constexpr unsigned OFF_CHUNK = 496;

struct OffChunk {
    u64 v[OFF_CHUNK];
};

static_assert(sizeof(OffChunk) + sizeof(u64 *) + sizeof(unsigned) <= 4000,
              "k_offsets parameters within 4 KiB");

__global__ void
k_offsets(OffChunk c, u64 *d_off, unsigned count)
{
    for (unsigned i = threadIdx.x; i < count; i += blockDim.x)
        d_off[i] = c.v[i];
}

__device__ void
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
    r->n_support = (size_t)st.n_support;
}

/* One thread per segment: its lmp_result and status. */
__global__ void
k_results(const SegState *state, unsigned n_seg, lmp_result *d_results, lmp_status *d_status)
{
    const unsigned s = blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= n_seg)
        return;
    lmp_result r;
    to_result(state[s], &r);
    d_results[s] = r;
    if (d_status != nullptr)
        d_status[s] = (lmp_status)state[s].status;
}

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
    size_t acc; /* B SegAcc */
    size_t h0;  /* c, sx, P: 3 arrays of B * NB0 */
    size_t h1;  /* c and P: 2 arrays of B * NB1W */
    size_t zero_end;
    size_t bad;   /* B u64, set to ~0 */
    size_t r1;    /* B * NB1W doubles: level-1 pivot ratios */
    size_t state; /* B SegState */
    size_t off;   /* B + 1 u64 */
    size_t cand;  /* n_total floats */
    size_t bcnt;  /* per block of the passes: B (n_total / CHUNK + 1) unsigned */
    size_t out;   /* the synchronous entry's results: B lmp_result, then B lmp_status */
    size_t total;
};

int
layout_of(size_t B, size_t n_total, Layout *l)
{
    /* With B <= 65535 and n_total <= 2^40 no sum or product below wraps. */
    if (B > LMP_CUDA_MAX_BATCH || n_total > ((size_t)1 << 40))
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
    l->out = at;
    at = align_up(at + B * (sizeof(lmp_result) + sizeof(lmp_status)));
    l->total = at;
    return 1;
}

lmp_status
check_batch(const lmp_cuda_batch *bt,
            const lmp_params *prm,
            const lmp_result *res,
            size_t *n_total,
            size_t *max_len,
            size_t *n_seg)
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

} /* namespace */

lmp_status
workspace_size(size_t batch, size_t n_total, size_t *bytes)
{
    Layout l;
    if (bytes == nullptr || batch == 0 || batch > LMP_CUDA_MAX_BATCH)
        return LMP_ERR_INVALID_ARG;
    if (!layout_of(batch, n_total, &l))
        return LMP_ERR_NOMEM;
    *bytes = l.total;
    return LMP_OK;
}

lmp_status
solve_async(const lmp_cuda_batch *bt,
            const lmp_params *prm,
            lmp_result *d_results,
            lmp_status *d_status,
            void *d_ws,
            size_t ws_bytes,
            cudaStream_t stream,
            int max_window,
            char *err,
            size_t err_len)
{
    size_t n_total;
    size_t max_len;
    size_t n_seg;
    Layout l;
    lmp_status st = check_batch(bt, prm, d_results, &n_total, &max_len, &n_seg);
    if (st != LMP_OK)
        return st;
    if (!layout_of(bt->batch, n_total, &l) || d_ws == nullptr || ws_bytes < l.total ||
        ((uintptr_t)d_ws % WS_ALIGN) != 0)
        return LMP_ERR_INVALID_ARG;
    if (bt->d_weight != nullptr && n_total > 0 && bt->d_weight == bt->d_loss)
        return LMP_ERR_INVALID_ARG;
    if ((uintptr_t)d_results % alignof(lmp_result) != 0 ||
        (uintptr_t)d_status % alignof(lmp_status) != 0)
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
    const unsigned n_res_blocks = (unsigned)((n_seg + 255) / 256);

    cudaError_t e = cudaSuccess;
    const char *what = "";
#define CU(call, name)                                                                             \
    do {                                                                                           \
        e = (call);                                                                                \
        if (e != cudaSuccess) {                                                                    \
            what = name;                                                                           \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

    if (si.off != nullptr) {
        /* By value, in the launches: no copy from (pageable) host memory,
         * and a captured graph keeps the offsets of the capture. */
        static_assert(sizeof(size_t) == sizeof(u64), "size_t is 64-bit");
        for (size_t at = 0; at <= n_seg; at += OFF_CHUNK) {
            const size_t left = n_seg + 1 - at;
            const unsigned k = (unsigned)(left < OFF_CHUNK ? left : OFF_CHUNK);
            OffChunk c;
            memset(&c, 0, sizeof c);
            memcpy(c.v, bt->h_offsets + at, k * sizeof(u64));
            k_offsets<<<1, 256, 0, stream>>>(c, d_off + at, k);
            CU(cudaGetLastError(), "passing the offsets");
        }
    }
    CU(cudaMemsetAsync(ws, 0, l.zero_end, stream), "clearing the workspace");
    CU(cudaMemsetAsync(bad, 0xff, n_seg * sizeof(u64), stream), "clearing the workspace");
    CU(launch_count0(grid, stream, bt->d_loss, bt->d_valid, err_nf, si, h0.c, acc, bad),
       "level-0 pass");
    CU(launch_select0((unsigned)n_seg, stream, bt->d_loss, si, p, prm->m, prm->m_pixels, h0.c, acc,
                      bad, state, max_window),
       "level-0 window");
    if (kq >= 0) {
        /* Segments whose window was too wide: exact level 0. */
        CU(launch_pow0(kq, grid, stream, bt->d_loss, bt->d_valid, si, q, h0, state),
           "exact level-0 pass");
        CU(launch_select0x((unsigned)n_seg, stream, h0, state), "exact level-0 selection");
    }
    CU(launch_scan1(kq, grid, stream, bt->d_loss, bt->d_valid, si, q, h1, r1, acc, state, cand,
                    bcnt),
       "level-1 pass");
    CU(prepare_finish(), "configuring the level-1 selection");
    CU(launch_finish((unsigned)n_seg, stream, si, h1, r1, acc, state, cand, bcnt, (unsigned)gx),
       "level-2 selection");
    if (bt->d_weight != nullptr && n_total > 0)
        CU(launch_weights(ke, grid, stream, bt->d_loss, bt->d_valid, si, state, bt->d_weight),
           "weight pass");
    k_results<<<n_res_blocks, 256, 0, stream>>>(state, (unsigned)n_seg, d_results, d_status);
    CU(cudaGetLastError(), "writing the results");
#undef CU
    return LMP_OK;
fail:
    set_err(err, err_len, what, e);
    return LMP_ERR_CUDA;
}

lmp_status
solve_sync(const lmp_cuda_batch *bt,
           const lmp_params *prm,
           lmp_result *h_results,
           lmp_status *h_status,
           void *d_ws,
           size_t ws_bytes,
           cudaStream_t stream,
           int max_window,
           char *err,
           size_t err_len)
{
    size_t n_total;
    size_t max_len;
    size_t n_seg;
    Layout l;
    lmp_status st = check_batch(bt, prm, h_results, &n_total, &max_len, &n_seg);
    if (st != LMP_OK)
        return st;
    if (!layout_of(bt->batch, n_total, &l) || d_ws == nullptr || ws_bytes < l.total)
        return LMP_ERR_INVALID_ARG;
    /* The results go through the workspace's last region: one copy back. */
    char *d_out = static_cast<char *>(d_ws) + l.out;
    const size_t res_bytes = n_seg * sizeof(lmp_result);
    const size_t out_bytes = res_bytes + n_seg * sizeof(lmp_status);
    unsigned char *h_out = static_cast<unsigned char *>(malloc(out_bytes));
    if (h_out == nullptr)
        return LMP_ERR_NOMEM;
    st = solve_async(bt, prm, reinterpret_cast<lmp_result *>(d_out),
                     reinterpret_cast<lmp_status *>(d_out + res_bytes), d_ws, ws_bytes, stream,
                     max_window, err, err_len);
    if (st != LMP_OK) {
        free(h_out);
        return st;
    }
    const char *what = "copying the results";
    cudaError_t e = cudaMemcpyAsync(h_out, d_out, out_bytes, cudaMemcpyDeviceToHost, stream);
    if (e == cudaSuccess) {
        what = "solving";
        e = cudaStreamSynchronize(stream);
    }
    if (e != cudaSuccess) {
        free(h_out);
        set_err(err, err_len, what, e);
        return LMP_ERR_CUDA;
    }
    memcpy(h_results, h_out, res_bytes);
    if (h_status != nullptr)
        memcpy(h_status, h_out + res_bytes, n_seg * sizeof(lmp_status));
    int any_bad = 0;
    int any_empty = 0;
    int any_fail = 0;
    for (size_t s = 0; s < n_seg; s++) {
        lmp_status ss;
        memcpy(&ss, h_out + res_bytes + s * sizeof ss, sizeof ss);
        any_bad |= ss == LMP_ERR_INVALID_LOSS;
        any_empty |= ss == LMP_ERR_EMPTY;
        any_fail |= ss == LMP_ERR_NO_CONVERGENCE;
    }
    free(h_out);
    return any_bad     ? LMP_ERR_INVALID_LOSS
           : any_empty ? LMP_ERR_EMPTY
           : any_fail  ? LMP_ERR_NO_CONVERGENCE
                       : LMP_OK;
}

} /* namespace lmpi_cuda */

extern "C" int
lmpi_cuda_workspace_regions(size_t batch, size_t n_total, size_t out[LMPI_CUDA_REGIONS + 1])
{
    lmpi_cuda::Layout l;
    memset(&l, 0, sizeof l);
    if (!lmpi_cuda::layout_of(batch, n_total, &l))
        return 0;
    const size_t r[LMPI_CUDA_REGIONS + 1] = { l.acc, l.h0,   l.h1,   l.bad, l.r1,   l.state,
                                              l.off, l.cand, l.bcnt, l.out, l.total };
    memcpy(out, r, sizeof r);
    return 1;
}
