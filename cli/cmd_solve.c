/* lmpviz solve: LMP loss and weights for a .npy of losses. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lmp.h"
#include "lmp_cuda.h"
#include "lmpviz.h"

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

int
cmd_solve(int argc, char **argv)
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
    const char *cmd = "solve";
    lmp_params prm = LMP_PARAMS_INIT;
    const char *losses_path = NULL;
    const char *out_path = NULL;
    int json = 0;
    int have_m = 0;
    int ignore_zeros = 0;
    int on_gpu = 0;
    unsigned char *valid = NULL;
    lmpviz_array arr = { 0 };
    float *loss = NULL;
    float *weight = NULL;
    size_t n;
    char source[512];
    lmp_result r;
    lmp_status st;
    lmpviz_err err = { "" };
    int rc = CLI_EXIT_FAILURE;
    int opt;

    optind = 0;
    opterr = 0; /* our own message below, not getopt's */
    while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'l':
            losses_path = optarg;
            break;
        case 'p':
            if (cli_parse_p(cmd, "--p", optarg, &prm.p) != 0)
                return CLI_EXIT_USAGE;
            break;
        case 'm':
            if (cli_parse_m(cmd, "--m", optarg, &prm.m) != 0)
                return CLI_EXIT_USAGE;
            have_m = 1;
            break;
        case 'k':
            if (cli_parse_m_pixels(cmd, "--m-pixels", optarg, &prm.m_pixels) != 0)
                return CLI_EXIT_USAGE;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'i':
            prm.nonfinite = LMP_NONFINITE_IGNORE;
            break;
        case 'z':
            ignore_zeros = 1;
            break;
        case 'd':
            if (cli_parse_device(cmd, optarg, &on_gpu) != 0)
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
    if (have_m && prm.m_pixels > 0.0)
        return cli_usage_error(cmd, "--m and --m-pixels: give one of them, not both");
    if (out_path != NULL) {
        const cli_file in = { "--losses", losses_path };
        const cli_file out = { "-o", out_path };
        int bad;
        if (cli_check_output_ext(cmd, "-o", out_path, ".npy") != 0)
            return CLI_EXIT_USAGE;
        bad = cli_check_files(cmd, &in, 1, &out, 1);
        if (bad != 0)
            return bad;
    }

    if (losses_path != NULL) {
        if (lmpviz_npy_read_float(losses_path, &arr, &err) != LMPVIZ_OK) {
            cli_error(cmd, "%s: %s", losses_path, err.msg);
            return CLI_EXIT_FAILURE;
        }
        cli_warn_tiny(cmd, losses_path, &arr);
        loss = arr.data;
        n = arr.count;
        snprintf(source, sizeof source, "%s", losses_path);
    } else {
        n = LMPVIZ_PROFILE_N;
        loss = malloc(n * sizeof *loss);
        if (loss == NULL || lmpviz_profile_generate(LMPVIZ_PROFILE_DIST, n, LMPVIZ_PROFILE_SEED,
                                                    loss) != LMPVIZ_OK) {
            cli_error(cmd, "cannot generate the default profile");
            goto cleanup;
        }
        arr.ndim = 1;
        arr.shape[0] = n;
        snprintf(source, sizeof source, "default profile (%d %s draws, seed %lu)",
                 LMPVIZ_PROFILE_N, lmpviz_dist_name(LMPVIZ_PROFILE_DIST), LMPVIZ_PROFILE_SEED);
    }
    /* The weights and the solver's scratch: n floats each, and the mask. */
    if (lmpviz_mem_check((unsigned long long)n * (2 * sizeof(float) + (ignore_zeros ? 1 : 0)),
                         "the weights and the solver's scratch", &err) != LMPVIZ_OK) {
        cli_error(cmd, "%s: %s", source, err.msg);
        goto cleanup;
    }
    if (out_path != NULL) {
        weight = lmpviz_big_alloc((n ? n : 1) * sizeof *weight);
        if (weight == NULL) {
            cli_error(cmd, "out of memory for %zu weights", n);
            goto cleanup;
        }
    }

    if (ignore_zeros) {
        size_t i;
        valid = malloc(n ? n : 1);
        if (valid == NULL) {
            cli_error(cmd, "out of memory for a mask of %zu pixels", n);
            goto cleanup;
        }
        for (i = 0; i < n; i++)
            valid[i] = loss[i] != 0.0f;
    }
    if (on_gpu && cli_cuda_check(cmd) != 0)
        goto cleanup;
    if (on_gpu)
        st = lmp_cuda_solve_host(loss, valid, 1, n, &prm, weight, &r, NULL);
    else
        st = lmp_solve(loss, valid, n, &prm, weight, &r, NULL);
    if (st == LMP_ERR_INVALID_LOSS) {
        char where[160];
        describe_index(&arr, r.bad_index, where, sizeof where);
        cli_error(cmd, "%s: %s is %g; expected finite losses >= 0%s", source, where,
                  (double)r.bad_value,
                  isfinite(r.bad_value) ? "" : " (--ignore-nonfinite skips NaN and Inf)");
        goto cleanup;
    }
    if (st == LMP_ERR_EMPTY) {
        cli_error(cmd, "%s: no valid loss (the array is empty or every element was ignored)",
                  source);
        goto cleanup;
    }
    if (st != LMP_OK) {
        cli_error(cmd, "%s: %s", source, lmp_status_string(st));
        goto cleanup;
    }
    if (out_path != NULL &&
        lmpviz_npy_write_float(out_path, weight, arr.shape, arr.ndim, &err) != LMPVIZ_OK) {
        cli_error(cmd, "%s: %s", out_path, err.msg);
        goto cleanup;
    }
    if (json)
        print_json(source, &prm, &r, out_path);
    else {
        print_text(source, &prm, &r);
        if (out_path != NULL)
            printf("weights  %s\n", out_path);
    }
    rc = CLI_EXIT_OK;
cleanup:
    if (losses_path != NULL)
        lmpviz_array_free(&arr);
    else
        free(loss);
    lmpviz_big_free(weight);
    free(valid);
    return rc;
}
