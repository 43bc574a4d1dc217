/* lmpviz solve: LMP loss and weights for a .npy of losses. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_commands.h"
#include "lmp.h"
#include "lmp_cuda.h"
#include "lmpviz.h"
#include "lmpviz_private.h"

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: lmpviz solve [--losses FILE.npy] [--p P] [--m M | --m-pixels K]\n"
            "                    [-o WEIGHTS.npy] [--json] [--ignore-nonfinite] [--ignore-zeros]\n"
            "\n"
            "Solves Loss Max-Pooling exactly: the LMP loss\n"
            "  L = max { sum_i w_i l_i : w >= 0, ||w||_p <= n^(1/p-1), ||w||_inf <= tau }\n"
            "and its maximiser w (the gradient of L), for every element of the array.\n"
            "\n"
            "Options:\n"
            "  --losses FILE.npy  losses >= 0, float32 or float64 (float16 too), any shape;\n"
            "                     every element is a pixel.  Without it: the default\n"
            "                     profile, %d Exp(1) draws of GSL's mt19937 with seed %lu\n"
            "  --p P              norm exponent, >= 1 or inf (default 1.5)\n"
            "  --m M              support as a fraction of the pixels, in (0, 1] (default 0.1)\n"
            "  --m-pixels K       support as a pixel count >= 1 (instead of --m)\n"
            "  -o, --output FILE  write the weights as float32 .npy of the same shape\n"
            "                     (a FILE ending in .npy, or a device such as /dev/null)\n"
            "  --json             print the result as one JSON object\n"
            "  --ignore-nonfinite treat NaN and Inf losses as ignored pixels (weight 0)\n"
            "                     instead of an error\n"
            "  --ignore-zeros     treat zero losses as ignored pixels: they leave n (for\n"
            "                     loss maps that store 0 at ignore labels)\n"
            "  --device DEV       cpu (default) or cuda: solve on the GPU (same answer)\n"
            "  -h, --help         show this help\n"
            "\n"
            "Prints the LMP loss (value), the mean loss, theta (losses >= theta get the\n"
            "cap tau), tau, gamma, the effective m_px, n, the number of clamped pixels\n"
            "and the support (pixels with non-zero weight).\n",
            LMPVIZ_PROFILE_N, LMPVIZ_PROFILE_SEED);
}

/* "element 17" for 1-d data, "element 17 (index (0, 2, 5))" otherwise. */
static void
describe_index(const lmpviz_array *a, size_t flat, char *buf, size_t len)
{
    size_t idx[LMPVIZ_NPY_MAXDIM];
    size_t rest = flat;
    size_t d;
    int used;

    used = snprintf(buf, len, "element %zu", flat);
    if (a == NULL || a->ndim < 2 || used < 0 || (size_t)used >= len)
        return;
    for (d = a->ndim; d-- > 0;) {
        idx[d] = rest % a->shape[d];
        rest /= a->shape[d];
    }
    used += snprintf(buf + used, len - (size_t)used, " (index (");
    for (d = 0; d < a->ndim && (size_t)used < len; d++)
        used += snprintf(buf + used, len - (size_t)used, d ? ", %zu" : "%zu", idx[d]);
    if ((size_t)used < len)
        snprintf(buf + used, len - (size_t)used, "))");
}

static void
print_text(const char *source, const lmp_params *prm, const lmp_result *r)
{
    printf("losses   %s\n", source);
    printf("n        %zu\n", r->n_valid);
    printf("p        %g\n", prm->p);
    if (prm->m_pixels > 0.0)
        printf("m        %g pixels (m_px = %.10g)\n", prm->m_pixels, r->m_px);
    else
        printf("m        %g (m_px = %.10g)\n", prm->m, r->m_px);
    printf("value    %.10g\n", r->value);
    printf("mean     %.10g\n", r->mean);
    printf("ratio    %.6g (value / mean)\n", r->mean > 0.0 ? r->value / r->mean : 1.0);
    printf("theta    %.10g\n", r->theta);
    printf("tau      %.10g\n", r->tau);
    printf("gamma    %.10g\n", r->gamma);
    printf("clamped  %zu\n", r->n_clamped);
    printf("support  %zu\n", r->n_support);
}

static void
print_json(const char *source, const lmp_params *prm, const lmp_result *r, const char *out)
{
    char pbuf[32];
    char mbuf[32];
    fputs("{\"losses\": ", stdout);
    cli_json_string(stdout, source);
    printf(", \"n\": %zu, \"p\": %s, \"m\": %s, \"m_px\": %.17g, \"value\": %.17g, "
           "\"mean\": %.17g, \"theta\": %.17g, \"tau\": %.17g, \"gamma\": %.17g, "
           "\"clamped\": %zu, \"support\": %zu",
           r->n_valid, cli_json_number(prm->p, pbuf, sizeof pbuf),
           prm->m_pixels > 0.0 ? "null" : cli_json_number(prm->m, mbuf, sizeof mbuf), r->m_px,
           r->value, r->mean, r->theta, r->tau, r->gamma, r->n_clamped, r->n_support);
    if (out != NULL) {
        fputs(", \"weights\": ", stdout);
        cli_json_string(stdout, out);
    }
    puts("}");
}

/* The option c with its argument text. */
static cli_parse_result
parse_opt(const char *cmd, int c, const char *text, void *ctx)
{
    cli_solve_args *a = ctx;

    switch (c) {
    case 'l':
        a->losses = text;
        break;
    case 'p':
        return cli_parse_p(cmd, "--p", text, &a->params.p);
    case 'm':
        a->have_m = 1;
        return cli_parse_m(cmd, "--m", text, &a->params.m);
    case 'k':
        return cli_parse_m_pixels(cmd, "--m-pixels", text, &a->params.m_pixels);
    case 'o':
        a->output = text;
        break;
    case 'j':
        a->json = 1;
        break;
    case 'i':
        a->params.nonfinite = LMP_NONFINITE_IGNORE;
        break;
    case 'z':
        a->ignore_zeros = 1;
        break;
    case 'd':
        return cli_parse_device(cmd, text, &a->on_gpu);
    }
    return CLI_PARSE_OK;
}

static cli_parse_result
check_args(const char *cmd, void *ctx)
{
    const cli_solve_args *a = ctx;

    if (a->have_m && a->params.m_pixels > 0.0)
        return cli_parse_error(cmd, "--m and --m-pixels: give one of them, not both");
    if (a->output != NULL)
        return cli_check_output_ext(cmd, "-o", a->output, ".npy");
    return CLI_PARSE_OK;
}

cli_parse_result
cli_solve_parse(const char *cmd, int argc, char **argv, cli_solve_args *a)
{
    static const struct option opts[] = {
        { "losses", required_argument, NULL, 'l' },
        { "p", required_argument, NULL, 'p' },
        { "m", required_argument, NULL, 'm' },
        { "m-pixels", required_argument, NULL, 'k' },
        { "output", required_argument, NULL, 'o' },
        { "json", no_argument, NULL, 'j' },
        { "ignore-nonfinite", no_argument, NULL, 'i' },
        { "ignore-zeros", no_argument, NULL, 'z' },
        { "device", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const cli_options o = { ":o:h",    opts,       usage,
                                   parse_opt, check_args, "unknown or incomplete option" };
    lmp_params def = LMP_PARAMS_INIT;

    a->params = def;
    return cli_parse_options(cmd, argc, argv, &o, a);
}

/* The losses solve reads (or generates), and what it derives from them. */
typedef struct solve_input {
    lmpviz_array arr; /* the .npy, or only its shape for the profile */
    float *loss;      /* arr.data, or the generated profile */
    size_t n;
    char source[512]; /* names the losses in messages */
} solve_input;

/* The losses of --losses, or the default profile.  0, or CLI_EXIT_FAILURE
 * after printing why. */
static int
load_input(const char *cmd, const cli_solve_args *a, solve_input *in)
{
    lmpviz_err err = { "" };

    if (a->losses != NULL) {
        if (lmpviz_npy_read_float(a->losses, &in->arr, &err) != LMPVIZ_OK) {
            cli_error(cmd, "%s: %s", a->losses, err.msg);
            return CLI_EXIT_FAILURE;
        }
        cli_warn_tiny(cmd, a->losses, &in->arr);
        in->loss = in->arr.data;
        in->n = in->arr.count;
        snprintf(in->source, sizeof in->source, "%s", a->losses);
        return 0;
    }
    in->n = LMPVIZ_PROFILE_N;
    in->loss = malloc(in->n * sizeof *in->loss);
    if (in->loss == NULL || lmpviz_profile_generate(LMPVIZ_PROFILE_DIST, in->n, LMPVIZ_PROFILE_SEED,
                                                    in->loss) != LMPVIZ_OK) {
        cli_error(cmd, "cannot generate the default profile");
        return CLI_EXIT_FAILURE;
    }
    in->arr.ndim = 1;
    in->arr.shape[0] = in->n;
    snprintf(in->source, sizeof in->source, "default profile (%d %s draws, seed %lu)",
             LMPVIZ_PROFILE_N, lmpviz_dist_name(LMPVIZ_PROFILE_DIST), LMPVIZ_PROFILE_SEED);
    return 0;
}

static void
free_input(const cli_solve_args *a, solve_input *in)
{
    if (a->losses != NULL)
        lmpviz_array_free(&in->arr);
    else
        free(in->loss);
}

/* The weights (with -o) and the mask (with --ignore-zeros), after checking
 * that the memory they and the solver's scratch take is there.  0, or
 * CLI_EXIT_FAILURE after printing why. */
static int
alloc_outputs(const char *cmd,
              const cli_solve_args *a,
              const solve_input *in,
              float **weight,
              unsigned char **valid)
{
    size_t n = in->n, i;
    lmpviz_err err = { "" };

    /* The weights and the solver's scratch: n floats each, and the mask. */
    if (lmpviz_mem_check((unsigned long long)n * (2 * sizeof(float) + (a->ignore_zeros ? 1 : 0)),
                         "the weights and the solver's scratch", &err) != LMPVIZ_OK) {
        cli_error(cmd, "%s: %s", in->source, err.msg);
        return CLI_EXIT_FAILURE;
    }
    if (a->output != NULL) {
        *weight = lmpviz_big_alloc((n ? n : 1) * sizeof **weight);
        if (*weight == NULL) {
            cli_error(cmd, "out of memory for %zu weights", n);
            return CLI_EXIT_FAILURE;
        }
    }
    if (a->ignore_zeros) {
        *valid = malloc(n ? n : 1);
        if (*valid == NULL) {
            cli_error(cmd, "out of memory for a mask of %zu pixels", n);
            return CLI_EXIT_FAILURE;
        }
        for (i = 0; i < n; i++)
            (*valid)[i] = in->loss[i] != 0.0f;
    }
    return 0;
}

/* Solves on the CPU or the GPU; 0, or CLI_EXIT_FAILURE after printing
 * why (naming the bad loss). */
static int
solve(const char *cmd,
      const cli_solve_args *a,
      const solve_input *in,
      const unsigned char *valid,
      float *weight,
      lmp_result *r)
{
    lmp_status st;

    if (a->on_gpu && cli_cuda_check(cmd) != 0)
        return CLI_EXIT_FAILURE;
    if (a->on_gpu)
        st = lmp_cuda_solve_host(in->loss, valid, 1, in->n, &a->params, weight, r, NULL);
    else
        st = lmp_solve(in->loss, valid, in->n, &a->params, weight, r, NULL);
    if (st == LMP_ERR_INVALID_LOSS) {
        char where[160];
        describe_index(&in->arr, r->bad_index, where, sizeof where);
        cli_error(cmd, "%s: %s is %g; expected finite losses >= 0%s", in->source, where,
                  (double)r->bad_value,
                  isfinite(r->bad_value) ? "" : " (--ignore-nonfinite skips NaN and Inf)");
        return CLI_EXIT_FAILURE;
    }
    if (st == LMP_ERR_EMPTY) {
        cli_error(cmd, "%s: no valid loss (the array is empty or every element was ignored)",
                  in->source);
        return CLI_EXIT_FAILURE;
    }
    if (st != LMP_OK) {
        cli_error(cmd, "%s: %s", in->source, lmp_status_string(st));
        return CLI_EXIT_FAILURE;
    }
    return 0;
}

/* The weights file (with -o), then the result on stdout. */
static int
write_result(const char *cmd,
             const cli_solve_args *a,
             const solve_input *in,
             const float *weight,
             const lmp_result *r)
{
    lmpviz_err err = { "" };

    if (a->output != NULL &&
        lmpviz_npy_write_float(a->output, weight, in->arr.shape, in->arr.ndim, &err) != LMPVIZ_OK) {
        cli_error(cmd, "%s: %s", a->output, err.msg);
        return CLI_EXIT_FAILURE;
    }
    if (a->json) {
        print_json(in->source, &a->params, r, a->output);
    } else {
        print_text(in->source, &a->params, r);
        if (a->output != NULL)
            printf("weights  %s\n", a->output);
    }
    return CLI_EXIT_OK;
}

int
cmd_solve(int argc, char **argv)
{
    const char *cmd = "solve";
    cli_solve_args a;
    solve_input in;
    unsigned char *valid = NULL;
    float *weight = NULL;
    lmp_result r;
    cli_parse_result pr;
    int rc;

    memset(&a, 0, sizeof a);
    memset(&in, 0, sizeof in);
    pr = cli_solve_parse(cmd, argc, argv, &a);
    if (pr != CLI_PARSE_OK)
        return cli_parse_exit(pr);
    if (a.output != NULL) {
        const cli_file fin = { "--losses", a.losses };
        const cli_file fout = { "-o", a.output };
        rc = cli_check_files(cmd, &fin, 1, &fout, 1);
        if (rc != 0)
            return rc;
    }
    rc = load_input(cmd, &a, &in);
    if (rc == 0)
        rc = alloc_outputs(cmd, &a, &in, &weight, &valid);
    if (rc == 0)
        rc = solve(cmd, &a, &in, valid, weight, &r);
    if (rc == 0)
        rc = write_result(cmd, &a, &in, weight, &r);
    free_input(&a, &in);
    lmpviz_big_free(weight);
    free(valid);
    return rc;
}
