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

#include "cli_commands.h"
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
        n > (size_t)0x7fffffff / batch) {
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

/* --threads / --batch on the CPU: the arrays and workspaces of the
 * timing, and what it measures. */
typedef struct batch_bench {
    const char *cmd;
    size_t batch, n, repeat;
    const double *plist;
    size_t np;
    float *loss, *weight;
    double *t;    /* 2 x repeat: on 1 thread, then on T */
    double *spin; /* 2 x np x repeat: the plain loop on 1 thread, then on T */
    batch_row *rows;
    lmp_result *res;
    lmp_workspace *ws1, *wst;
    lmp_batch b;
    unsigned tt; /* the threads of wst */
    double sum;  /* of the plain loop; NaN when it ran out of memory */
} batch_bench;

/* 0, or CLI_EXIT_FAILURE after printing why; bb->cmd, batch, n, repeat,
 * plist and np set before. */
static int
batch_setup(batch_bench *bb, unsigned threads)
{
    size_t batch = bb->batch, n = bb->n, repeat = bb->repeat, np = bb->np;

    if (n > SIZE_MAX / sizeof(float) / batch) {
        cli_error(bb->cmd, "%zu x %zu losses do not fit in memory", batch, n);
        return CLI_EXIT_FAILURE;
    }
    bb->loss = malloc(batch * n * sizeof *bb->loss);
    bb->weight = malloc(batch * n * sizeof *bb->weight);
    bb->t = malloc(2 * repeat * sizeof *bb->t);
    bb->spin = malloc(2 * np * repeat * sizeof *bb->spin);
    bb->rows = calloc(np, sizeof *bb->rows);
    bb->res = malloc(batch * sizeof *bb->res);
    bb->ws1 = lmp_workspace_create_threads(n, 1);
    bb->wst = lmp_workspace_create_threads(n, threads);
    if (!bb->loss || !bb->weight || !bb->t || !bb->spin || !bb->rows || !bb->res || !bb->ws1 ||
        !bb->wst) {
        cli_error(bb->cmd, "out of memory (or threads) for %zu x %zu losses on %u threads", batch,
                  n, threads);
        return CLI_EXIT_FAILURE;
    }
    bb->tt = lmp_workspace_threads(bb->wst);
    if (lmpviz_profile_generate(LMPVIZ_DIST_EXPONENTIAL, batch * n, BENCH_SEED, bb->loss) !=
        LMPVIZ_OK) {
        cli_error(bb->cmd, "cannot generate %zu x %zu losses", batch, n);
        return CLI_EXIT_FAILURE;
    }
    memset(&bb->b, 0, sizeof bb->b);
    bb->b.loss = bb->loss;
    bb->b.weight = bb->weight;
    bb->b.batch = batch;
    bb->b.n = n;
    bb->b.pooling = LMP_POOL_IMAGE;
    return 0;
}

static void
batch_free(batch_bench *bb)
{
    free(bb->loss);
    free(bb->weight);
    free(bb->t);
    free(bb->spin);
    free(bb->rows);
    free(bb->res);
    lmp_workspace_destroy(bb->ws1);
    lmp_workspace_destroy(bb->wst);
}

/* The k-th p: lmp_solve_batch on 1 thread and on T, and the plain loop
 * between them.  0, or CLI_EXIT_FAILURE after printing why. */
static int
batch_time_p(batch_bench *bb, size_t k, double m)
{
    const size_t repeat = bb->repeat, np = bb->np;
    lmp_params prm = LMP_PARAMS_INIT;
    double *t = bb->t;
    lmp_status st;
    size_t i;

    prm.p = bb->plist[k];
    prm.m = m;
    /* Warm-up on both: the scratch of every thread is grown here. */
    st = lmp_solve_batch(&bb->b, &prm, bb->res, NULL, bb->ws1);
    if (st == LMP_OK)
        st = lmp_solve_batch(&bb->b, &prm, bb->res, NULL, bb->wst);
    if (st != LMP_OK) {
        cli_error(bb->cmd, "lmp_solve_batch failed at p = %g: %s", prm.p, lmp_status_string(st));
        return CLI_EXIT_FAILURE;
    }
    /* The plain loop runs between the solves, T tasks of the same total
     * work on 1 thread and on T, so that both see the same machine. */
    for (i = 0; i < repeat; i++) {
        double t0 = cli_now();
        lmp_solve_batch(&bb->b, &prm, bb->res, NULL, bb->ws1);
        t[i] = cli_now() - t0;
        t0 = cli_now();
        lmp_solve_batch(&bb->b, &prm, bb->res, NULL, bb->wst);
        t[repeat + i] = cli_now() - t0;
        t0 = cli_now();
        bb->sum += lmp_workspace_spin(bb->ws1, bb->tt, BENCH_SPIN_ITERS);
        bb->spin[k * repeat + i] = cli_now() - t0;
        t0 = cli_now();
        bb->sum += lmp_workspace_spin(bb->wst, bb->tt, BENCH_SPIN_ITERS);
        bb->spin[(np + k) * repeat + i] = cli_now() - t0;
    }
    bb->rows[k].p = prm.p;
    bb->rows[k].t1 = 1e3 * median(t, repeat);
    bb->rows[k].tt = 1e3 * median(t + repeat, repeat);
    bb->rows[k].value0 = bb->res[0].value;
    return 0;
}

/* The table (or JSON object) of the batch timing; spin1 and spint are the
 * plain loop's median times on 1 thread and on T. */
static void
print_batch(const batch_bench *bb, double m, double spin1, double spint, int json)
{
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    const batch_row *rows = bb->rows;
    size_t k, np = bb->np;

    if (json) {
        char b1[32], b2[32], b3[32], b4[32], b5[32];
        printf("{\"batch\": %zu, \"n\": %zu, \"m\": %s, \"repeat\": %zu, \"threads\": %u, "
               "\"online_cpus\": %ld, \"spin_1_ms\": %s, \"spin_t_ms\": %s, \"spin_speedup\": %s, ",
               bb->batch, bb->n, jnum(m, b1, sizeof b1), bb->repeat, bb->tt, online,
               jtime(spin1, b2, sizeof b2), jtime(spint, b3, sizeof b3),
               jtime(spin1 / spint, b4, sizeof b4));
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
        return;
    }
    printf("lmp_solve_batch: %zu images x n = %zu, m = %g, 1 thread against %u "
           "(%ld CPUs online), %zu runs, median times:\n",
           bb->batch, bb->n, m, bb->tt, online, bb->repeat);
    printf("%10s %12s %12s %8s\n", "p", "1 thread", "T threads", "speedup");
    for (k = 0; k < np; k++)
        printf("%10g %9.3f ms %9.3f ms %8.2f\n", rows[k].p, rows[k].t1, rows[k].tt,
               rows[k].t1 / rows[k].tt);
    printf("plain parallel loop (%u tasks of fixed arithmetic, no memory), same pool:\n"
           "%10s %9.3f ms %9.3f ms %8.2f   (%.2f cores free of %u)\n",
           bb->tt, "", spin1, spint, spin1 / spint, spin1 / spint, bb->tt);
}

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
    batch_bench bb;
    double spin1, spint;
    int rc;
    size_t k;

    memset(&bb, 0, sizeof bb);
    bb.cmd = cmd;
    bb.batch = batch;
    bb.n = n;
    bb.repeat = repeat;
    bb.plist = plist;
    bb.np = np;
    rc = batch_setup(&bb, threads);
    if (rc != 0)
        goto cleanup;
    bb.sum += lmp_workspace_spin(bb.wst, bb.tt, BENCH_SPIN_ITERS / 16);
    for (k = 0; k < np && rc == 0; k++)
        rc = batch_time_p(&bb, k, m);
    if (rc != 0)
        goto cleanup;
    if (isnan(bb.sum)) {
        cli_error(cmd, "out of memory in the parallel loop");
        rc = CLI_EXIT_FAILURE;
        goto cleanup;
    }
    spin1 = 1e3 * median(bb.spin, np * repeat);
    spint = 1e3 * median(bb.spin + np * repeat, np * repeat);
    print_batch(&bb, m, spin1, spint, json);
cleanup:
    batch_free(&bb);
    return rc;
}

/* --threads T: 0 (one per CPU) to BENCH_MAX_THREADS. */
static cli_parse_result
parse_threads(const char *cmd, const char *text, unsigned *out)
{
    size_t v = 0;
    if (strcmp(text, "0") != 0) {
        char *end = NULL;
        unsigned long long u;
        errno = 0;
        u = *text >= '0' && *text <= '9' ? strtoull(text, &end, 10) : 0;
        if (end == NULL || end == text || *end != '\0' || errno == ERANGE || u == 0 ||
            u > BENCH_MAX_THREADS)
            return cli_parse_error(
                cmd, "--threads: expected a count in [0, %d] (0: one per CPU), got \"%s\"",
                BENCH_MAX_THREADS, text);
        v = (size_t)u;
    }
    *out = (unsigned)v;
    return CLI_PARSE_OK;
}

/* --repeat and --batch: a count in [1, max]. */
static cli_parse_result
parse_count(const char *cmd, const char *opt, const char *text, size_t max, size_t *out)
{
    if (cli_parse_size(cmd, opt, text, out) != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    if (*out > max)
        return cli_parse_error(cmd, "%s: expected a count in [1, %zu], got \"%s\"", opt, max, text);
    return CLI_PARSE_OK;
}

/* The option c with its argument text. */
static cli_parse_result
parse_opt(const char *cmd, int c, const char *text, void *ctx)
{
    cli_bench_args *a = ctx;

    switch (c) {
    case 'n':
        return cli_parse_size(cmd, "--n", text, &a->n);
    case 'p':
        free(a->p);
        return cli_parse_list(cmd, "--p", text, cli_parse_p, &a->p, &a->n_p, BENCH_MAX_P);
    case 'm':
        return cli_parse_m(cmd, "--m", text, &a->params.m);
    case 'r':
        return parse_count(cmd, "--repeat", text, BENCH_MAX_REPEAT, &a->repeat);
    case 's':
        a->skip_sorted = 1;
        break;
    case 'j':
        a->json = 1;
        break;
    case 'd':
        return cli_parse_device(cmd, text, &a->on_gpu);
    case 'b':
        a->have_batch = 1;
        return parse_count(cmd, "--batch", text, BENCH_MAX_BATCH, &a->batch);
    case 't':
        a->have_threads = 1;
        return parse_threads(cmd, text, &a->threads);
    }
    return CLI_PARSE_OK;
}

static cli_parse_result
check_args(const char *cmd, void *ctx)
{
    const cli_bench_args *a = ctx;

    if (a->on_gpu && (a->n_p > 1 || a->have_threads))
        return cli_parse_error(cmd, "--device cuda: expected one value of --p and no --threads");
    return CLI_PARSE_OK;
}

cli_parse_result
cli_bench_parse(const char *cmd, int argc, char **argv, cli_bench_args *a)
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
    static const cli_options o = { ":h",      opts,       usage,
                                   parse_opt, check_args, "unknown or incomplete option" };
    lmp_params def = LMP_PARAMS_INIT;

    a->params = def;
    a->n = BENCH_DEFAULT_N;
    a->repeat = BENCH_DEFAULT_REPEAT;
    a->batch = 1;
    return cli_parse_options(cmd, argc, argv, &o, a);
}

void
cli_bench_args_free(cli_bench_args *a)
{
    free(a->p);
    a->p = NULL;
}

/* The single-solve timing of every p: (a) to (d). */
static int
bench_solve(const char *cmd, const cli_bench_args *a, const double *plist, size_t np)
{
    lmp_params prm = a->params;
    size_t n = a->n, repeat = a->repeat, k;
    float *loss = malloc(n * sizeof *loss);
    float *weight = malloc(n * sizeof *weight);
    float *copy = malloc(n * sizeof *copy);
    double *t = malloc(4 * repeat * sizeof *t);
    solve_row *rows = calloc(np, sizeof *rows);
    lmp_workspace *ws = lmp_workspace_create(n);
    int rc = CLI_EXIT_FAILURE;

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
        if (time_solve(cmd, loss, weight, copy, n, prm, repeat, a->skip_sorted, ws, t, &rows[k]) !=
            0)
            goto cleanup;
    }
    print_solve(rows, np, n, &prm, repeat, a->skip_sorted, a->json);
    rc = CLI_EXIT_OK;
cleanup:
    free(loss);
    free(weight);
    free(copy);
    free(t);
    free(rows);
    lmp_workspace_destroy(ws);
    return rc;
}

int
cmd_bench(int argc, char **argv)
{
    const char *cmd = "bench";
    cli_bench_args a;
    const double *plist;
    size_t np;
    cli_parse_result pr;
    int rc;

    memset(&a, 0, sizeof a);
    pr = cli_bench_parse(cmd, argc, argv, &a);
    if (pr != CLI_PARSE_OK) {
        cli_bench_args_free(&a);
        return cli_parse_exit(pr);
    }
    plist = a.n_p > 0 ? a.p : &a.params.p;
    np = a.n_p > 0 ? a.n_p : 1;
    if (a.on_gpu) {
        lmp_params prm = a.params;
        prm.p = plist[0];
        rc = bench_cuda(cmd, a.batch, a.n, &prm, a.repeat, a.json);
    } else if (a.have_threads || a.have_batch) {
        rc = bench_batch(cmd, a.batch, a.n, plist, np, a.params.m, a.repeat, a.threads, a.json);
    } else {
        rc = bench_solve(cmd, &a, plist, np);
    }
    cli_bench_args_free(&a);
    return rc;
}
