/*
 * The GPU benchmark behind lmp_cuda_bench.h: (a) the CUDA solver, (b) a
 * CUB segmented-sort solver, (c) the read-once/write-once floor.
 */
#include <cuda_runtime.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <vector>

#include <cub/device/device_scan.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>

extern "C" {
#include "lmp.h"
#include "lmp_cuda.h"
#include "lmp_cuda_bench.h"
}

namespace
{

/* (c) and the last pass of (b): w = tau * min(1, l / theta)^e, e = 2 for
 * p = 1.5 as a product, pow() otherwise; one theta per segment. */
__global__ void
bk_floor(
    const float *loss, size_t n, const double *theta, const double *tau, double e, int e2, float *w)
{
    const unsigned s = blockIdx.y;
    const float *x = loss + (size_t)s * n;
    float *y = w + (size_t)s * n;
    const double it = 1.0 / theta[s];
    const double ta = tau[s];
    /* float4 loads need 16-byte alignment: segments start at s * n */
    const bool vec = (s * n) % 4 == 0;
    for (size_t i = ((size_t)blockIdx.x * blockDim.x + threadIdx.x) * 4; i < n;
         i += (size_t)gridDim.x * blockDim.x * 4) {
        if (vec && i + 4 <= n) {
            const float4 v = *reinterpret_cast<const float4 *>(x + i);
            float r[4] = { v.x, v.y, v.z, v.w };
            float o[4];
            for (int k = 0; k < 4; k++) {
                double q = fmin((double)r[k] * it, 1.0);
                o[k] = (float)(ta * (e2 ? q * q : pow(q, e)));
            }
            *reinterpret_cast<float4 *>(y + i) = make_float4(o[0], o[1], o[2], o[3]);
        } else {
            for (size_t k = i; k < n && k < i + 4; k++) {
                double q = fmin((double)x[k] * it, 1.0);
                y[k] = (float)(ta * (e2 ? q * q : pow(q, e)));
            }
        }
    }
}

/* (b): terms of the sorted (ascending) losses relative to the segment max. */
__global__ void
bk_terms(const float *sorted, size_t n, double q, double *t)
{
    const unsigned s = blockIdx.y;
    const float *x = sorted + (size_t)s * n;
    const double mx = x[n - 1];
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        t[(size_t)s * n + i] = pow((double)x[i] / mx, q);
}

/* (b): with k = n-1-j clamped losses (descending rank), theta^q =
 * sum_{i <= j} a_i^q / (m_px - k); the k whose theta lies in [a_j, a_{j+1}]
 * wins. */
__global__ void
bk_theta(const float *sorted, const double *prefix, size_t n, double q, double m_px, double *theta)
{
    const unsigned s = blockIdx.y;
    const float *a = sorted + (size_t)s * n;
    const double *ps = prefix + (size_t)s * n;
    const double mx = a[n - 1];
    for (size_t j = (size_t)blockIdx.x * blockDim.x + threadIdx.x; j < n;
         j += (size_t)gridDim.x * blockDim.x) {
        const double k = (double)(n - 1 - j);
        if (!(k < m_px))
            continue;
        const double th = mx * pow(ps[j] / (m_px - k), 1.0 / q);
        const bool lo_ok = th >= (double)a[j] * (1.0 - 1e-12);
        const bool hi_ok = j + 1 == n || th <= (double)a[j + 1] * (1.0 + 1e-12);
        if (lo_ok && hi_ok)
            theta[s] = th;
    }
}

static double
median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t k = v.size();
    return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

struct Bufs {
    float *d_loss = nullptr;
    float *d_w = nullptr;
    float *d_sorted = nullptr;
    double *d_t = nullptr;
    double *d_prefix = nullptr;
    double *d_theta = nullptr;
    double *d_tau = nullptr;
    int *d_off = nullptr;
    void *d_tmp = nullptr;
    void *d_ws = nullptr;
    cudaStream_t st = nullptr;
    cudaEvent_t e0 = nullptr;
    cudaEvent_t e1 = nullptr;
    ~Bufs()
    {
        cudaFree(d_loss);
        cudaFree(d_w);
        cudaFree(d_sorted);
        cudaFree(d_t);
        cudaFree(d_prefix);
        cudaFree(d_theta);
        cudaFree(d_tau);
        cudaFree(d_off);
        cudaFree(d_tmp);
        cudaFree(d_ws);
        if (e0)
            cudaEventDestroy(e0);
        if (e1)
            cudaEventDestroy(e1);
        if (st)
            cudaStreamDestroy(st);
    }
};

struct Fail {
    lmp_status st;
    const char *what;
    cudaError_t e;
};

} /* namespace */

#define CK(call)                                                                                   \
    do {                                                                                           \
        cudaError_t e_ = (call);                                                                   \
        if (e_ != cudaSuccess)                                                                     \
            throw Fail{ LMP_ERR_CUDA, #call, e_ };                                                 \
    } while (0)

extern "C" lmp_status
lmp_cuda_bench_run(const float *h_loss,
                   size_t B,
                   size_t n,
                   double p,
                   double m,
                   int repeat,
                   lmp_cuda_bench_out *out,
                   char *err,
                   size_t err_len)
{
    if (h_loss == nullptr || out == nullptr || B < 1 || B > 65535 || n < 1 || !(p > 1.0) ||
        isinf(p) || !(m > 0 && m <= 1) || repeat < 1 || n > (size_t)0x7fffffff / B)
        return LMP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (err != nullptr && err_len > 0)
        err[0] = '\0';
    try {
        Bufs g;
        cudaDeviceProp prop;
        CK(cudaGetDeviceProperties(&prop, 0));
        snprintf(out->device, sizeof out->device, "%s", prop.name);
        out->sm_major = prop.major;
        out->sm_minor = prop.minor;
        const size_t N = B * n;
        CK(cudaMalloc(&g.d_loss, N * sizeof(float)));
        CK(cudaMalloc(&g.d_w, N * sizeof(float)));
        CK(cudaMalloc(&g.d_sorted, N * sizeof(float)));
        CK(cudaMalloc(&g.d_t, N * sizeof(double)));
        CK(cudaMalloc(&g.d_prefix, N * sizeof(double)));
        CK(cudaMalloc(&g.d_theta, B * sizeof(double)));
        CK(cudaMalloc(&g.d_tau, B * sizeof(double)));
        CK(cudaMemcpy(g.d_loss, h_loss, N * sizeof(float), cudaMemcpyHostToDevice));
        CK(cudaStreamCreate(&g.st));
        CK(cudaEventCreate(&g.e0));
        CK(cudaEventCreate(&g.e1));
        cudaStream_t st = g.st;

        /* (a) */
        size_t ws_bytes = 0;
        if (lmp_cuda_workspace_size(B, N, &ws_bytes) != LMP_OK)
            return LMP_ERR_NOMEM;
        CK(cudaMalloc(&g.d_ws, ws_bytes));
        lmp_params prm = LMP_PARAMS_INIT;
        prm.p = p;
        prm.m = m;
        lmp_cuda_batch bt;
        memset(&bt, 0, sizeof bt);
        bt.d_loss = g.d_loss;
        bt.d_weight = g.d_w;
        bt.batch = B;
        bt.n = n;
        std::vector<lmp_result> res(B);
        auto solve_a = [&]() {
            const lmp_status s =
                lmp_cuda_solve_batch(&bt, &prm, res.data(), NULL, g.d_ws, ws_bytes, st);
            if (s != LMP_OK)
                throw Fail{ s, "lmp_cuda_solve_batch", cudaSuccess };
        };
        solve_a();
        out->value0 = res[0].value;
        out->m_px = res[0].m_px;
        {
            std::vector<float> w_gpu(n), w_cpu(n);
            lmp_workspace *ws = lmp_workspace_create(n);
            const size_t segs[2] = { 0, B - 1 };
            for (int k = 0; k < 2; k++) {
                const size_t s = segs[k];
                lmp_result r;
                if (lmp_solve(h_loss + s * n, NULL, n, &prm, w_cpu.data(), &r, ws) != LMP_OK) {
                    lmp_workspace_destroy(ws);
                    throw Fail{ LMP_ERR_NO_CONVERGENCE, "lmp_solve", cudaSuccess };
                }
                CK(cudaMemcpy(w_gpu.data(), g.d_w + s * n, n * sizeof(float),
                              cudaMemcpyDeviceToHost));
                out->value_rel = fmax(out->value_rel, fabs(res[s].value - r.value) / r.value);
                for (size_t i = 0; i < n; i++) {
                    const double d = fabs((double)w_gpu[i] - (double)w_cpu[i]);
                    if (w_cpu[i] > 0)
                        out->weight_rel = fmax(out->weight_rel, d / w_cpu[i]);
                    else if (d > 0)
                        out->weight_rel = INFINITY;
                }
            }
            lmp_workspace_destroy(ws);
        }

        /* (b) */
        const double q = p / (p - 1.0);
        const double m_px = res[0].m_px;
        const double tau = res[0].tau;
        std::vector<int> h_off(B + 1);
        for (size_t s = 0; s <= B; s++)
            h_off[s] = (int)(s * n);
        CK(cudaMalloc(&g.d_off, (B + 1) * sizeof(int)));
        CK(cudaMemcpy(g.d_off, h_off.data(), (B + 1) * sizeof(int), cudaMemcpyHostToDevice));
        size_t sort_bytes = 0;
        size_t scan_bytes = 0;
        CK(cub::DeviceSegmentedRadixSort::SortKeys(nullptr, sort_bytes, g.d_loss, g.d_sorted,
                                                   (int)N, (int)B, g.d_off, g.d_off + 1, 0, 32,
                                                   st));
        CK(cub::DeviceScan::InclusiveSum(nullptr, scan_bytes, g.d_t, g.d_prefix, (int)n, st));
        CK(cudaMalloc(&g.d_tmp, std::max(sort_bytes, scan_bytes)));
        std::vector<double> h_tau(B, tau);
        CK(cudaMemcpy(g.d_tau, h_tau.data(), B * sizeof(double), cudaMemcpyHostToDevice));
        std::vector<double> theta_b(B);
        const int e2 = q - 1.0 == 2.0;
        const dim3 grid_e((unsigned)std::min<size_t>((n + 1023) / 1024, 65535), (unsigned)B);
        const dim3 grid_f((unsigned)std::min<size_t>((n / 4 + 255) / 256 + 1, 65535), (unsigned)B);
        auto solve_b = [&]() {
            CK(cub::DeviceSegmentedRadixSort::SortKeys(g.d_tmp, sort_bytes, g.d_loss, g.d_sorted,
                                                       (int)N, (int)B, g.d_off, g.d_off + 1, 0, 32,
                                                       st));
            bk_terms<<<grid_e, 1024, 0, st>>>(g.d_sorted, n, q, g.d_t);
            for (size_t s = 0; s < B; s++)
                CK(cub::DeviceScan::InclusiveSum(g.d_tmp, scan_bytes, g.d_t + s * n,
                                                 g.d_prefix + s * n, (int)n, st));
            bk_theta<<<grid_e, 1024, 0, st>>>(g.d_sorted, g.d_prefix, n, q, m_px, g.d_theta);
            bk_floor<<<grid_f, 256, 0, st>>>(g.d_loss, n, g.d_theta, g.d_tau, q - 1.0, e2, g.d_w);
            CK(cudaMemcpyAsync(theta_b.data(), g.d_theta, B * sizeof(double),
                               cudaMemcpyDeviceToHost, st));
            CK(cudaStreamSynchronize(st));
        };
        solve_b();
        for (size_t s = 0; s < B; s++)
            out->theta_rel = fmax(out->theta_rel, fabs(theta_b[s] - res[s].theta) / res[s].theta);

        /* (c), with (a)'s theta */
        std::vector<double> theta_a(B);
        for (size_t s = 0; s < B; s++)
            theta_a[s] = res[s].theta;
        CK(cudaMemcpy(g.d_theta, theta_a.data(), B * sizeof(double), cudaMemcpyHostToDevice));
        auto solve_c = [&]() {
            bk_floor<<<grid_f, 256, 0, st>>>(g.d_loss, n, g.d_theta, g.d_tau, q - 1.0, e2, g.d_w);
        };

        auto time_it = [&](auto f) {
            for (int i = 0; i < 3; i++)
                f();
            CK(cudaStreamSynchronize(st));
            std::vector<double> t;
            for (int i = 0; i < repeat; i++) {
                CK(cudaEventRecord(g.e0, st));
                f();
                CK(cudaEventRecord(g.e1, st));
                CK(cudaEventSynchronize(g.e1));
                float ms = 0;
                CK(cudaEventElapsedTime(&ms, g.e0, g.e1));
                t.push_back(ms);
            }
            return median(t);
        };
        out->a_ms = time_it(solve_a);
        out->b_ms = time_it(solve_b);
        out->c_ms = time_it(solve_c);
        CK(cudaGetLastError());
    } catch (const Fail &f) {
        if (err != nullptr && err_len > 0)
            snprintf(err, err_len, "%s: %s", f.what,
                     f.e != cudaSuccess ? cudaGetErrorString(f.e) : lmp_status_string(f.st));
        (void)cudaGetLastError();
        return f.st;
    } catch (...) {
        return LMP_ERR_NOMEM;
    }
    return LMP_OK;
}
