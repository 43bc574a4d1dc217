/* lmpviz bench: the selection solver against the sort-based reference and the
 * one-pass floor, measured in the same run. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lmp.h"
#include "lmp_cuda.h"
#include "lmp_cuda_bench.h"
#include "lmpviz.h"

#define BENCH_DEFAULT_N      ((size_t)2048 * 1024)
#define BENCH_DEFAULT_REPEAT 15
#define BENCH_SEED           7UL

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: lmpviz bench [options]\n"
            "\n"
            "Times, in one run and on one thread:\n"
            "  (a) lmp_solve, the expected-O(n) selection solver, weights included\n"
            "  (b) lmp_solve_sorted, the sort-based reference solver\n"
            "  (c) the floor: one pass that reads n floats, computes one power each and\n"
            "      writes n floats (lmp_power_pass with theta and q - 1 of the solution)\n"
            "and prints the median time of each and the ratios a/c and b/a.  The losses\n"
            "are cross-entropy-like: Exp(1) draws from GSL's mt19937, seed %lu.\n"
            "\n"
            "Options:\n"
            "  --n N         number of losses (default %zu = 2048x1024)\n"
            "  --p P         norm exponent, >= 1 or inf (default 1.5)\n"
            "  --m M         support as a fraction in (0, 1] (default 0.1)\n"
            "  --repeat R    timed runs of each; the median is reported (default %d)\n"
            "  --skip-sorted do not time (b), which is slow for large n\n"
            "  --json        print one JSON object instead of the table\n"
            "  --device DEV  cpu (default), or cuda: time on the GPU, with CUDA events, (a)\n"
            "                the CUDA solver, (b) CUB segmented radix sort + scan + weights,\n"
            "                (c) one kernel that reads each loss and writes each weight once\n"
            "  --batch B     with --device cuda: B images of n losses each (default 1)\n"
            "  -h, --help    show this help\n",
            BENCH_SEED, BENCH_DEFAULT_N, BENCH_DEFAULT_REPEAT);
}

/* --device cuda: the three GPU timings of lmp_cuda_bench.h. */
static int
bench_cuda(const char *cmd, size_t batch, size_t n, const lmp_params *prm, size_t repeat, int json)
{
    lmp_cuda_bench_out o;
    char err[512] = "";
    float *loss;
    lmp_status st;

    if (cli_cuda_check(cmd) != 0)
        return CLI_EXIT_FAILURE;
    if (!(prm->p > 1.0) || isinf(prm->p) || repeat < 1 || repeat > 100000 || batch > 65535 ||
        n > ((size_t)1 << 31) / batch) {
        cli_error(cmd, "--device cuda: needs 1 < p < inf, 1 <= repeat, batch <= 65535 and "
                       "batch x n < 2^31 (the sort baseline's limits)");
        return CLI_EXIT_USAGE;
    }
    loss = malloc(batch * n * sizeof *loss);
    if (loss == NULL || lmpviz_profile_generate(LMPVIZ_DIST_EXPONENTIAL, batch * n, BENCH_SEED,
                                                loss) != LMPVIZ_OK) {
        cli_error(cmd, "cannot generate %zu x %zu losses", batch, n);
        free(loss);
        return CLI_EXIT_FAILURE;
    }
    st = lmp_cuda_bench_run(loss, batch, n, prm->p, prm->m, (int)repeat, &o, err, sizeof err);
    free(loss);
    if (st != LMP_OK) {
        cli_error(cmd, "--device cuda: %s%s%s", lmp_status_string(st), err[0] ? ": " : "", err);
        return CLI_EXIT_FAILURE;
    }
    if (json) {
        printf("{\"device\": \"%s\", \"batch\": %zu, \"n\": %zu, \"p\": %.17g, \"m\": %.17g, "
               "\"repeat\": %zu, \"solve_ms\": %.6g, \"sorted_ms\": %.6g, \"floor_ms\": %.6g, "
               "\"a_over_c\": %.4g, \"b_over_a\": %.4g, \"value\": %.17g, "
               "\"value_rel_err_vs_cpu\": %.3g, \"weight_rel_err_vs_cpu\": %.3g}\n",
               o.device, batch, n, prm->p, prm->m, repeat, o.a_ms, o.b_ms, o.c_ms, o.a_ms / o.c_ms,
               o.b_ms / o.a_ms, o.value0, o.value_rel, o.weight_rel);
    } else {
        printf("device %s (sm_%d%d): %zu x n = %zu, p = %g, m = %g (m_px = %.6g), %zu runs, "
               "median times:\n",
               o.device, o.sm_major, o.sm_minor, batch, n, prm->p, prm->m, o.m_px, repeat);
        printf("  (a) lmp_cuda_solve_batch          %10.4f ms\n", o.a_ms);
        printf("  (b) CUB sort + scan + weights     %10.4f ms\n", o.b_ms);
        printf("  (c) floor (read once, write once) %10.4f ms\n", o.c_ms);
        printf("  a/c = %.2f   b/a = %.1f   (a) vs lmp_solve: value %.2g, weights %.2g rel\n",
               o.a_ms / o.c_ms, o.b_ms / o.a_ms, o.value_rel, o.weight_rel);
    }
    return CLI_EXIT_OK;
}

static int
cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a;
    const double y = *(const double *)b;
    return (x > y) - (x < y);
}

static double
median(double *v, size_t k)
{
    qsort(v, k, sizeof *v, cmp_double);
    return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

int
cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {
        { "n", required_argument, NULL, 'n' },
        { "p", required_argument, NULL, 'p' },
        { "m", required_argument, NULL, 'm' },
        { "repeat", required_argument, NULL, 'r' },
        { "skip-sorted", no_argument, NULL, 's' },
        { "json", no_argument, NULL, 'j' },
        { "device", required_argument, NULL, 'd' },
        { "batch", required_argument, NULL, 'b' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd = "bench";
    lmp_params prm = LMP_PARAMS_INIT;
    size_t n = BENCH_DEFAULT_N;
    size_t repeat = BENCH_DEFAULT_REPEAT;
    int skip_sorted = 0;
    int json = 0;
    int on_gpu = 0;
    size_t batch = 1;
    float *loss = NULL;
    float *weight = NULL;
    double *t_solve = NULL;
    double *t_sorted = NULL;
    double *t_floor = NULL;
    lmp_workspace *ws = NULL;
    lmp_result r;
    lmp_result rs;
    lmp_status st;
    double a;
    double b = NAN;
    double c;
    double e;
    int rc = CLI_EXIT_FAILURE;
    int opt;
    size_t i;

    optind = 0;
    opterr = 0; /* our own message below, not getopt's */
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'n':
            if (cli_parse_size(cmd, "--n", optarg, &n) != 0)
                return CLI_EXIT_USAGE;
            break;
        case 'p':
            if (cli_parse_p(cmd, "--p", optarg, &prm.p) != 0)
                return CLI_EXIT_USAGE;
            break;
        case 'm':
            if (cli_parse_m(cmd, "--m", optarg, &prm.m) != 0)
                return CLI_EXIT_USAGE;
            break;
        case 'r':
            if (cli_parse_size(cmd, "--repeat", optarg, &repeat) != 0)
                return CLI_EXIT_USAGE;
            break;
        case 's':
            skip_sorted = 1;
            break;
        case 'j':
            json = 1;
            break;
        case 'd':
            if (cli_parse_device(cmd, optarg, &on_gpu) != 0)
                return CLI_EXIT_USAGE;
            break;
        case 'b':
            if (cli_parse_size(cmd, "--batch", optarg, &batch) != 0)
                return CLI_EXIT_USAGE;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error(cmd, "unknown or incomplete option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);
    if (on_gpu)
        return bench_cuda(cmd, batch, n, &prm, repeat, json);

    loss = malloc(n * sizeof *loss);
    weight = malloc(n * sizeof *weight);
    t_solve = malloc(repeat * sizeof *t_solve);
    t_sorted = malloc(repeat * sizeof *t_sorted);
    t_floor = malloc(repeat * sizeof *t_floor);
    ws = lmp_workspace_create(n);
    if (!loss || !weight || !t_solve || !t_sorted || !t_floor || !ws) {
        cli_error(cmd, "out of memory for n = %zu", n);
        goto cleanup;
    }
    if (lmpviz_profile_generate(LMPVIZ_DIST_EXPONENTIAL, n, BENCH_SEED, loss) != LMPVIZ_OK) {
        cli_error(cmd, "cannot generate the loss profile");
        goto cleanup;
    }
    /* Warm-up, and the theta and exponent of the floor.  p = 1 and p = inf
     * need no power in their last pass: their floor is a multiply (e = 1). */
    st = lmp_solve(loss, NULL, n, &prm, weight, &r, ws);
    if (st != LMP_OK) {
        cli_error(cmd, "solver failed: %s", lmp_status_string(st));
        goto cleanup;
    }
    e = prm.p > 1.0 && !isinf(prm.p) ? prm.p / (prm.p - 1.0) - 1.0 : 1.0;
    lmp_power_pass(loss, n, r.theta > 0.0 ? r.theta : 1.0, e, r.tau, weight);

    for (i = 0; i < repeat; i++) {
        double t0 = cli_now();
        lmp_solve(loss, NULL, n, &prm, weight, &r, ws);
        t_solve[i] = cli_now() - t0;
        t0 = cli_now();
        lmp_power_pass(loss, n, r.theta > 0.0 ? r.theta : 1.0, e, r.tau, weight);
        t_floor[i] = cli_now() - t0;
        if (!skip_sorted) {
            t0 = cli_now();
            st = lmp_solve_sorted(loss, NULL, n, &prm, weight, &rs);
            t_sorted[i] = cli_now() - t0;
            if (st != LMP_OK) {
                cli_error(cmd, "reference solver failed: %s", lmp_status_string(st));
                goto cleanup;
            }
        }
    }
    a = 1e3 * median(t_solve, repeat);
    c = 1e3 * median(t_floor, repeat);
    if (!skip_sorted)
        b = 1e3 * median(t_sorted, repeat);

    if (json) {
        char pbuf[32];
        printf("{\"n\": %zu, \"p\": %s, \"m\": %.17g, \"repeat\": %zu, \"solve_ms\": %.6g, "
               "\"sorted_ms\": %.6g, \"floor_ms\": %.6g, \"a_over_c\": %.4g, \"b_over_a\": %.4g, "
               "\"value\": %.17g}\n",
               n, cli_json_number(prm.p, pbuf, sizeof pbuf), prm.m, repeat, a, b, c, a / c, b / a, r.value);
    } else {
        printf("n = %zu, p = %g, m = %g (m_px = %.6g), %zu runs, median times:\n", n, prm.p, prm.m,
               r.m_px, repeat);
        printf("  (a) lmp_solve         %10.3f ms\n", a);
        if (!skip_sorted)
            printf("  (b) lmp_solve_sorted  %10.3f ms\n", b);
        printf("  (c) floor (one pass)  %10.3f ms\n", c);
        printf("  a/c = %.2f", a / c);
        if (!skip_sorted)
            printf("   b/a = %.1f", b / a);
        printf("\n");
    }
    rc = CLI_EXIT_OK;
cleanup:
    free(loss);
    free(weight);
    free(t_solve);
    free(t_sorted);
    free(t_floor);
    lmp_workspace_destroy(ws);
    return rc;
}
