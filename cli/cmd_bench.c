/* lmpviz bench: the selection solver against the sort-based reference, the
 * memory floor and the power pass, measured in the same run; and
 * lmp_solve_batch on a thread pool against a plain parallel loop. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lmp.h"
#include "lmp_cuda.h"
#include "lmp_cuda_bench.h"
#include "lmpviz.h"

#define BENCH_DEFAULT_N      ((size_t)2048 * 1024)
#define BENCH_DEFAULT_REPEAT 15
#define BENCH_SEED           7UL
#define BENCH_MAX_P          64
#define BENCH_MAX_REPEAT     100000
#define BENCH_MAX_BATCH      65535
#define BENCH_MAX_THREADS    1024
/* Steps of each task of the spin loop: a few ms of one core. */
#define BENCH_SPIN_ITERS ((size_t)1 << 21)

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: lmpviz bench [options]\n"
            "\n"
            "Times, in one run and on one thread:\n"
            "  (a) lmp_solve, the expected-O(n) selection solver, weights included\n"
            "  (b) lmp_solve_sorted, the sort-based reference solver\n"
            "  (c) the memory floor: one pass that reads n floats and writes n floats\n"
            "      with no arithmetic (memcpy)\n"
            "  (d) one power per loss: the solver's last pass alone (lmp_power_pass with\n"
            "      theta and q - 1 of the solution)\n"
            "and prints the median time of each and the ratios a/c, a/d and b/a.  With\n"
            "several values of --p, one table row per p.  The losses are\n"
            "cross-entropy-like: Exp(1) draws from GSL's mt19937, seed %lu.\n"
            "\n"
            "With --threads or --batch (on the CPU): times lmp_solve_batch on B images of\n"
            "n losses on 1 thread and on T threads (the workspaces are made before the\n"
            "timing), and a plain parallel loop of T tasks of fixed arithmetic with no\n"
            "memory traffic, through the same thread pool, on 1 and on T threads: its\n"
            "speedup shows how many cores were really free.\n"
            "\n"
            "Options:\n"
            "  --n N         losses per image (default %zu = 2048x1024)\n"
            "  --p LIST      norm exponents, >= 1 or inf, comma-separated\n"
            "                (e.g. 1,1.3,1.5,2,3,inf; default 1.5)\n"
            "  --m M         support as a fraction in (0, 1] (default 0.1)\n"
            "  --repeat R    timed runs of each; the median is reported (default %d)\n"
            "  --skip-sorted do not time (b), which is slow for large n\n"
            "  --json        print one JSON object instead of the table (with several p,\n"
            "                an array \"rows\"; null for what was not measured)\n"
            "  --threads T   threads of the batch timing, 0 = one per CPU (default: 0\n"
            "                with --batch, else no batch timing)\n"
            "  --batch B     images of n losses each: lmp_solve_batch on the CPU, or the\n"
            "                CUDA solver with --device cuda (default 1)\n"
            "  --device DEV  cpu (default), or cuda: time on the GPU, with CUDA events, (a)\n"
            "                the CUDA solver, (b) CUB segmented radix sort + scan + weights,\n"
            "                (c) one kernel that reads each loss and writes each weight once\n"
            "                (one p only, no --threads)\n"
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

/* (c): reads n floats and writes n floats, no arithmetic.  memcpy is the
 * fastest such pass the C library knows, so the floor is a true floor. */
static void
copy_pass(const float *src, size_t n, float *dst)
{
    memcpy(dst, src, n * sizeof *dst);
}

/* A JSON number, or null for NaN (what was not measured): all digits. */
static const char *
jnum(double v, char *buf, size_t len)
{
    return cli_json_number(v, buf, len);
}

/* The same with 6 significant digits, for times and ratios. */
static const char *
jtime(double v, char *buf, size_t len)
{
    if (!isfinite(v))
        return cli_json_number(v, buf, len);
    snprintf(buf, len, "%.6g", v);
    return buf;
}

/* One p of the single-solve timing; NaN where not measured. */
typedef struct solve_row {
    double p;
    double a, b, c, d; /* ms */
    double value, m_px;
} solve_row;

/* One p of the batch timing. */
typedef struct batch_row {
    double p;
    double t1, tt; /* ms on 1 thread and on T */
    double value0; /* the first image's LMP loss */
} batch_row;

/* The repeated timings of one p: (a), (b), (c), (d) interleaved, so that a
 * change of machine load touches all four alike. */
static int
time_solve(const char *cmd,
           const float *loss,
           float *weight,
           float *copy,
           size_t n,
           lmp_params prm,
           size_t repeat,
           int skip_sorted,
           lmp_workspace *ws,
           double *t,
           solve_row *row)
{
    double *ta = t;
    double *tb = t + repeat;
    double *tc = t + 2 * repeat;
    double *td = t + 3 * repeat;
    lmp_result r;
    lmp_result rs;
    lmp_status st;
    double e;
    double theta;
    size_t i;

    /* Warm-up, and the theta and exponent of (d).  p = 1 and p = inf need no
     * power in their last pass: theirs is a multiply (e = 1). */
    st = lmp_solve(loss, NULL, n, &prm, weight, &r, ws);
    if (st != LMP_OK) {
        cli_error(cmd, "solver failed at p = %g: %s", prm.p, lmp_status_string(st));
        return -1;
    }
    e = prm.p > 1.0 && !isinf(prm.p) ? prm.p / (prm.p - 1.0) - 1.0 : 1.0;
    theta = r.theta > 0.0 ? r.theta : 1.0;
    lmp_power_pass(loss, n, theta, e, r.tau, weight);
    copy_pass(loss, n, copy);

    for (i = 0; i < repeat; i++) {
        double t0 = cli_now();
        lmp_solve(loss, NULL, n, &prm, weight, &r, ws);
        ta[i] = cli_now() - t0;
        t0 = cli_now();
        copy_pass(loss, n, copy);
        tc[i] = cli_now() - t0;
        t0 = cli_now();
        lmp_power_pass(loss, n, theta, e, r.tau, weight);
        td[i] = cli_now() - t0;
        if (!skip_sorted) {
            t0 = cli_now();
            st = lmp_solve_sorted(loss, NULL, n, &prm, weight, &rs);
            tb[i] = cli_now() - t0;
            if (st != LMP_OK) {
                cli_error(cmd, "reference solver failed at p = %g: %s", prm.p,
                          lmp_status_string(st));
                return -1;
            }
        }
    }
    row->p = prm.p;
    row->a = 1e3 * median(ta, repeat);
    row->b = skip_sorted ? NAN : 1e3 * median(tb, repeat);
    row->c = 1e3 * median(tc, repeat);
    row->d = 1e3 * median(td, repeat);
    row->value = r.value;
    row->m_px = r.m_px;
    return 0;
}

static void
print_solve_json_fields(const solve_row *w)
{
    char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32], b7[32], b8[32], b9[32];
    printf("\"p\": %s, \"solve_ms\": %s, \"sorted_ms\": %s, \"floor_ms\": %s, \"power_ms\": %s, "
           "\"a_over_c\": %s, \"a_over_d\": %s, \"b_over_a\": %s, \"value\": %s",
           jnum(w->p, b1, sizeof b1), jtime(w->a, b2, sizeof b2), jtime(w->b, b3, sizeof b3),
           jtime(w->c, b4, sizeof b4), jtime(w->d, b5, sizeof b5),
           jtime(w->a / w->c, b6, sizeof b6), jtime(w->a / w->d, b7, sizeof b7),
           jtime(w->b / w->a, b8, sizeof b8), jnum(w->value, b9, sizeof b9));
}

static void
print_solve(const solve_row *rows,
            size_t np,
            size_t n,
            const lmp_params *prm,
            size_t repeat,
            int skip_sorted,
            int json)
{
    size_t k;

    if (json) {
        char mb[32];
        printf("{\"n\": %zu, \"m\": %s, \"repeat\": %zu, ", n, jnum(prm->m, mb, sizeof mb), repeat);
        if (np == 1) {
            print_solve_json_fields(&rows[0]);
        } else {
            printf("\"rows\": [");
            for (k = 0; k < np; k++) {
                printf("%s{", k ? ", " : "");
                print_solve_json_fields(&rows[k]);
                printf("}");
            }
            printf("]");
        }
        printf("}\n");
        return;
    }
    if (np == 1) {
        const solve_row *w = &rows[0];
        printf("n = %zu, p = %g, m = %g (m_px = %.6g), %zu runs, median times:\n", n, w->p, prm->m,
               w->m_px, repeat);
        printf("  (a) lmp_solve                             %10.3f ms\n", w->a);
        if (!skip_sorted)
            printf("  (b) lmp_solve_sorted                      %10.3f ms\n", w->b);
        printf("  (c) floor: read n, write n (memcpy)       %10.3f ms\n", w->c);
        printf("  (d) one power per loss (lmp_power_pass)   %10.3f ms\n", w->d);
        printf("  a/c = %.2f   a/d = %.2f", w->a / w->c, w->a / w->d);
        if (!skip_sorted)
            printf("   b/a = %.1f", w->b / w->a);
        printf("\n");
        return;
    }
    printf("n = %zu, m = %g, %zu runs, median times in ms: (a) lmp_solve, (b) lmp_solve_sorted,\n"
           "(c) floor: read n, write n (memcpy), (d) one power per loss (lmp_power_pass)\n",
           n, prm->m, repeat);
    printf("%10s %10s", "p", "(a)");
    if (!skip_sorted)
        printf(" %10s", "(b)");
    printf(" %10s %10s %8s %8s", "(c)", "(d)", "a/c", "a/d");
    if (!skip_sorted)
        printf(" %8s", "b/a");
    printf("\n");
    for (k = 0; k < np; k++) {
        const solve_row *w = &rows[k];
        printf("%10g %10.3f", w->p, w->a);
        if (!skip_sorted)
            printf(" %10.3f", w->b);
        printf(" %10.3f %10.3f %8.2f %8.2f", w->c, w->d, w->a / w->c, w->a / w->d);
        if (!skip_sorted)
            printf(" %8.1f", w->b / w->a);
        printf("\n");
    }
}

/* --threads / --batch on the CPU. */
static int
bench_batch(const char *cmd,
            size_t batch,
            size_t n,
            const double *plist,
            size_t np,
            double m,
            size_t repeat,
            unsigned threads,
            int json)
{
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    float *loss = NULL;
    float *weight = NULL;
    double *t = NULL;
    double *spin = NULL;
    batch_row *rows = NULL;
    lmp_workspace *ws1 = NULL;
    lmp_workspace *wst = NULL;
    lmp_result *res = NULL;
    lmp_batch b;
    double spin1;
    double spint;
    double sum = 0.0;
    unsigned tt;
    int rc = CLI_EXIT_FAILURE;
    size_t i;
    size_t k;

    if (n > SIZE_MAX / sizeof(float) / batch) {
        cli_error(cmd, "%zu x %zu losses do not fit in memory", batch, n);
        return CLI_EXIT_FAILURE;
    }
    loss = malloc(batch * n * sizeof *loss);
    weight = malloc(batch * n * sizeof *weight);
    t = malloc(2 * repeat * sizeof *t);
    spin = malloc(2 * np * repeat * sizeof *spin);
    rows = calloc(np, sizeof *rows);
    res = malloc(batch * sizeof *res);
    ws1 = lmp_workspace_create_threads(n, 1);
    wst = lmp_workspace_create_threads(n, threads);
    if (!loss || !weight || !t || !spin || !rows || !res || !ws1 || !wst) {
        cli_error(cmd, "out of memory (or threads) for %zu x %zu losses on %u threads", batch, n,
                  threads);
        goto cleanup;
    }
    tt = lmp_workspace_threads(wst);
    if (lmpviz_profile_generate(LMPVIZ_DIST_EXPONENTIAL, batch * n, BENCH_SEED, loss) !=
        LMPVIZ_OK) {
        cli_error(cmd, "cannot generate %zu x %zu losses", batch, n);
        goto cleanup;
    }
    memset(&b, 0, sizeof b);
    b.loss = loss;
    b.weight = weight;
    b.batch = batch;
    b.n = n;
    b.pooling = LMP_POOL_IMAGE;

    sum += lmp_workspace_spin(wst, tt, BENCH_SPIN_ITERS / 16);
    for (k = 0; k < np; k++) {
        lmp_params prm = LMP_PARAMS_INIT;
        lmp_status st;
        prm.p = plist[k];
        prm.m = m;
        /* Warm-up on both: the scratch of every thread is grown here. */
        st = lmp_solve_batch(&b, &prm, res, NULL, ws1);
        if (st == LMP_OK)
            st = lmp_solve_batch(&b, &prm, res, NULL, wst);
        if (st != LMP_OK) {
            cli_error(cmd, "lmp_solve_batch failed at p = %g: %s", prm.p, lmp_status_string(st));
            goto cleanup;
        }
        /* The plain loop runs between the solves, T tasks of the same total
         * work on 1 thread and on T, so that both see the same machine. */
        for (i = 0; i < repeat; i++) {
            double t0 = cli_now();
            lmp_solve_batch(&b, &prm, res, NULL, ws1);
            t[i] = cli_now() - t0;
            t0 = cli_now();
            lmp_solve_batch(&b, &prm, res, NULL, wst);
            t[repeat + i] = cli_now() - t0;
            t0 = cli_now();
            sum += lmp_workspace_spin(ws1, tt, BENCH_SPIN_ITERS);
            spin[k * repeat + i] = cli_now() - t0;
            t0 = cli_now();
            sum += lmp_workspace_spin(wst, tt, BENCH_SPIN_ITERS);
            spin[(np + k) * repeat + i] = cli_now() - t0;
        }
        rows[k].p = prm.p;
        rows[k].t1 = 1e3 * median(t, repeat);
        rows[k].tt = 1e3 * median(t + repeat, repeat);
        rows[k].value0 = res[0].value;
    }
    if (isnan(sum)) {
        cli_error(cmd, "out of memory in the parallel loop");
        goto cleanup;
    }
    spin1 = 1e3 * median(spin, np * repeat);
    spint = 1e3 * median(spin + np * repeat, np * repeat);

    if (json) {
        char b1[32], b2[32], b3[32], b4[32], b5[32];
        printf("{\"batch\": %zu, \"n\": %zu, \"m\": %s, \"repeat\": %zu, \"threads\": %u, "
               "\"online_cpus\": %ld, \"spin_1_ms\": %s, \"spin_t_ms\": %s, \"spin_speedup\": %s, ",
               batch, n, jnum(m, b1, sizeof b1), repeat, tt, online, jtime(spin1, b2, sizeof b2),
               jtime(spint, b3, sizeof b3), jtime(spin1 / spint, b4, sizeof b4));
        if (np > 1)
            printf("\"rows\": [");
        for (k = 0; k < np; k++) {
            if (np > 1)
                printf("%s{", k ? ", " : "");
            printf("\"p\": %s, \"batch_1_ms\": %s, \"batch_t_ms\": %s, \"speedup\": %s, "
                   "\"value0\": %s",
                   jnum(rows[k].p, b1, sizeof b1), jtime(rows[k].t1, b2, sizeof b2),
                   jtime(rows[k].tt, b3, sizeof b3), jtime(rows[k].t1 / rows[k].tt, b4, sizeof b4),
                   jnum(rows[k].value0, b5, sizeof b5));
            if (np > 1)
                printf("}");
        }
        if (np > 1)
            printf("]");
        printf("}\n");
    } else {
        printf("lmp_solve_batch: %zu images x n = %zu, m = %g, 1 thread against %u "
               "(%ld CPUs online), %zu runs, median times:\n",
               batch, n, m, tt, online, repeat);
        printf("%10s %12s %12s %8s\n", "p", "1 thread", "T threads", "speedup");
        for (k = 0; k < np; k++)
            printf("%10g %9.3f ms %9.3f ms %8.2f\n", rows[k].p, rows[k].t1, rows[k].tt,
                   rows[k].t1 / rows[k].tt);
        printf("plain parallel loop (%u tasks of fixed arithmetic, no memory), same pool:\n"
               "%10s %9.3f ms %9.3f ms %8.2f   (%.2f cores free of %u)\n",
               tt, "", spin1, spint, spin1 / spint, spin1 / spint, tt);
    }
    rc = CLI_EXIT_OK;
cleanup:
    free(loss);
    free(weight);
    free(t);
    free(spin);
    free(rows);
    free(res);
    lmp_workspace_destroy(ws1);
    lmp_workspace_destroy(wst);
    return rc;
}

/* --threads T: 0 (one per CPU) to BENCH_MAX_THREADS. */
static int
parse_threads(const char *cmd, const char *text, unsigned *out)
{
    size_t v = 0;
    if (strcmp(text, "0") != 0) {
        char *end = NULL;
        unsigned long long u;
        errno = 0;
        u = *text >= '0' && *text <= '9' ? strtoull(text, &end, 10) : 0;
        if (end == NULL || end == text || *end != '\0' || errno == ERANGE || u == 0 ||
            u > BENCH_MAX_THREADS) {
            cli_usage_error(cmd,
                            "--threads: expected a count in [0, %d] (0: one per CPU), got \"%s\"",
                            BENCH_MAX_THREADS, text);
            return -1;
        }
        v = (size_t)u;
    }
    *out = (unsigned)v;
    return 0;
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
        { "threads", required_argument, NULL, 't' },
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
    int have_batch = 0;
    unsigned threads = 0;
    int have_threads = 0;
    double *plist = NULL;
    size_t np = 0;
    float *loss = NULL;
    float *weight = NULL;
    float *copy = NULL;
    double *t = NULL;
    solve_row *rows = NULL;
    lmp_workspace *ws = NULL;
    int rc = CLI_EXIT_FAILURE;
    int opt;
    size_t k;

    optind = 0;
    opterr = 0; /* our own message below, not getopt's */
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'n':
            if (cli_parse_size(cmd, "--n", optarg, &n) != 0)
                goto usage;
            break;
        case 'p':
            free(plist);
            if (cli_parse_list(cmd, "--p", optarg, cli_parse_p, &plist, &np, BENCH_MAX_P) != 0)
                goto usage;
            break;
        case 'm':
            if (cli_parse_m(cmd, "--m", optarg, &prm.m) != 0)
                goto usage;
            break;
        case 'r':
            if (cli_parse_size(cmd, "--repeat", optarg, &repeat) != 0)
                goto usage;
            if (repeat > BENCH_MAX_REPEAT) {
                cli_usage_error(cmd, "--repeat: expected a count in [1, %d], got \"%s\"",
                                BENCH_MAX_REPEAT, optarg);
                goto usage;
            }
            break;
        case 's':
            skip_sorted = 1;
            break;
        case 'j':
            json = 1;
            break;
        case 'd':
            if (cli_parse_device(cmd, optarg, &on_gpu) != 0)
                goto usage;
            break;
        case 'b':
            if (cli_parse_size(cmd, "--batch", optarg, &batch) != 0)
                goto usage;
            if (batch > BENCH_MAX_BATCH) {
                cli_usage_error(cmd, "--batch: expected a count in [1, %d], got \"%s\"",
                                BENCH_MAX_BATCH, optarg);
                goto usage;
            }
            have_batch = 1;
            break;
        case 't':
            if (parse_threads(cmd, optarg, &threads) != 0)
                goto usage;
            have_threads = 1;
            break;
        case 'h':
            usage(stdout);
            free(plist);
            return CLI_EXIT_OK;
        default:
            cli_usage_error(cmd, "unknown or incomplete option \"%s\"", argv[optind - 1]);
            goto usage;
        }
    }
    if (optind < argc) {
        cli_usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);
        goto usage;
    }
    if (plist == NULL) {
        plist = malloc(sizeof *plist);
        if (plist == NULL) {
            cli_error(cmd, "out of memory");
            return CLI_EXIT_FAILURE;
        }
        plist[0] = prm.p;
        np = 1;
    }
    if (on_gpu) {
        if (np != 1 || have_threads) {
            cli_usage_error(cmd, "--device cuda: expected one value of --p and no --threads");
            goto usage;
        }
        prm.p = plist[0];
        free(plist);
        return bench_cuda(cmd, batch, n, &prm, repeat, json);
    }
    if (have_threads || have_batch) {
        rc = bench_batch(cmd, batch, n, plist, np, prm.m, repeat, threads, json);
        free(plist);
        return rc;
    }

    loss = malloc(n * sizeof *loss);
    weight = malloc(n * sizeof *weight);
    copy = malloc(n * sizeof *copy);
    t = malloc(4 * repeat * sizeof *t);
    rows = calloc(np, sizeof *rows);
    ws = lmp_workspace_create(n);
    if (!loss || !weight || !copy || !t || !rows || !ws) {
        cli_error(cmd, "out of memory for n = %zu", n);
        goto cleanup;
    }
    if (lmpviz_profile_generate(LMPVIZ_DIST_EXPONENTIAL, n, BENCH_SEED, loss) != LMPVIZ_OK) {
        cli_error(cmd, "cannot generate the loss profile");
        goto cleanup;
    }
    for (k = 0; k < np; k++) {
        prm.p = plist[k];
        if (time_solve(cmd, loss, weight, copy, n, prm, repeat, skip_sorted, ws, t, &rows[k]) != 0)
            goto cleanup;
    }
    print_solve(rows, np, n, &prm, repeat, skip_sorted, json);
    rc = CLI_EXIT_OK;
cleanup:
    free(plist);
    free(loss);
    free(weight);
    free(copy);
    free(t);
    free(rows);
    lmp_workspace_destroy(ws);
    return rc;
usage:
    free(plist);
    return CLI_EXIT_USAGE;
}
