/*
 * lmp_gpu_bench: the CUDA LMP solver against the GPU baselines, in one run
 * (see bench/lmp_cuda_bench.h): (a) lmp_cuda_solve_batch, (b) CUB
 * segmented radix sort + scan + weights, (c) the read-once/write-once floor.
 * Losses: Exp(1) from splitmix64, seed 7 (no GSL needed).  Exit status 0, 1 on
 * a failure or a disagreement with the CPU solver, 2 on a usage error, 77
 * when there is no GPU.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmp.h"
#include "lmp_cuda.h"
#include "lmp_cuda_bench.h"

static uint64_t
splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void
usage(FILE *f)
{
    fprintf(f, "Usage: lmp_gpu_bench [--batch B] [--n N] [--p P] [--m M] [--repeat R] [--json]\n"
               "Times (a) the CUDA LMP solver, (b) CUB segmented sort + scan + weights,\n"
               "(c) a one-pass read/power/write floor, on B segments of N Exp(1) losses.\n"
               "Defaults: --batch 8 --n 2097152 --p 1.5 --m 0.1 --repeat 20.\n");
}

int
main(int argc, char **argv)
{
    size_t batch = 8;
    size_t n = 2097152;
    double p = 1.5;
    double m = 0.1;
    long repeat = 20;
    int json = 0;
    lmp_cuda_bench_out o;
    char err[512];
    float *loss;
    uint64_t rng = 7;
    lmp_status st;
    size_t i;
    int k;

    for (k = 1; k < argc; k++) {
        const char *a = argv[k];
        const char *v = k + 1 < argc ? argv[k + 1] : NULL;
        char *end = NULL;
        if (strcmp(a, "--json") == 0) {
            json = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (v == NULL) {
            usage(stderr);
            return 2;
        }
        k++;
        if (strcmp(a, "--batch") == 0)
            batch = strtoull(v, &end, 10);
        else if (strcmp(a, "--n") == 0)
            n = strtoull(v, &end, 10);
        else if (strcmp(a, "--p") == 0)
            p = strtod(v, &end);
        else if (strcmp(a, "--m") == 0)
            m = strtod(v, &end);
        else if (strcmp(a, "--repeat") == 0)
            repeat = strtol(v, &end, 10);
        else {
            usage(stderr);
            return 2;
        }
        if (end == v || *end != '\0') {
            fprintf(stderr, "lmp_gpu_bench: %s: cannot parse \"%s\"\n", a, v);
            return 2;
        }
    }
    if (batch < 1 || batch > 65535 || n < 1 || n > 0x7fffffff / batch || !(p > 1.0) || isinf(p) ||
        !(m > 0.0 && m <= 1.0) || repeat < 1 || repeat > 100000) {
        fprintf(stderr, "lmp_gpu_bench: need batch in [1, 65535], n >= 1, batch x n < 2^31, "
                        "1 < p < inf, m in (0, 1], repeat >= 1\n");
        return 2;
    }
    if (lmp_cuda_device_count() == 0) {
        printf("SKIP: no CUDA device (or a build without CUDA)\n");
        return 77;
    }
    loss = malloc(batch * n * sizeof *loss);
    if (loss == NULL) {
        fprintf(stderr, "lmp_gpu_bench: out of memory\n");
        return 1;
    }
    for (i = 0; i < batch * n; i++)
        loss[i] = (float)-log1p(-(double)(splitmix(&rng) >> 11) * 0x1.0p-53);
    st = lmp_cuda_bench_run(loss, batch, n, p, m, (int)repeat, &o, err, sizeof err);
    free(loss);
    if (st != LMP_OK) {
        fprintf(stderr, "lmp_gpu_bench: %s%s%s\n", lmp_status_string(st), err[0] ? ": " : "", err);
        return 1;
    }
    if (json) {
        printf("{\"device\": \"%s\", \"batch\": %zu, \"n\": %zu, \"p\": %.17g, \"m\": %.17g, "
               "\"repeat\": %ld, \"a_ms\": %.6g, \"b_ms\": %.6g, \"c_ms\": %.6g, "
               "\"a_over_c\": %.4g, \"b_over_a\": %.4g, \"floor_gbps\": %.1f, \"value0\": %.17g, "
               "\"value_rel_err_vs_cpu\": %.3g, \"weight_rel_err_vs_cpu\": %.3g, "
               "\"baseline_theta_rel_diff\": %.3g}\n",
               o.device, batch, n, p, m, repeat, o.a_ms, o.b_ms, o.c_ms, o.a_ms / o.c_ms,
               o.b_ms / o.a_ms, 8.0 * (double)(batch * n) / (o.c_ms * 1e6), o.value0, o.value_rel,
               o.weight_rel, o.theta_rel);
    } else {
        printf("device %s (sm_%d%d), batch %zu x n %zu, p %g, m %g (m_px %.6g), %ld runs, "
               "median:\n",
               o.device, o.sm_major, o.sm_minor, batch, n, p, m, o.m_px, repeat);
        printf("  (a) lmp_cuda_solve_batch             %9.4f ms\n", o.a_ms);
        printf("  (b) CUB seg. sort + scan + weights   %9.4f ms\n", o.b_ms);
        printf("  (c) floor (read once, write once)    %9.4f ms  (%.0f GB/s)\n", o.c_ms,
               8.0 * (double)(batch * n) / (o.c_ms * 1e6));
        printf("  a/c = %.2f (target <= 3)   b/a = %.1f (target >= 10)\n", o.a_ms / o.c_ms,
               o.b_ms / o.a_ms);
        printf("  check: (a) vs lmp_solve: value rel err %.3g, weight rel err %.3g; "
               "(b) theta vs (a): %.3g\n",
               o.value_rel, o.weight_rel, o.theta_rel);
    }
    if (!(o.value_rel <= 1e-6 && o.weight_rel <= 1e-5)) {
        fprintf(stderr, "lmp_gpu_bench: (a) disagrees with the CPU solver\n");
        return 1;
    }
    return 0;
}
