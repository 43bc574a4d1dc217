#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli_args.h"
#include "lmp_cuda.h"
#include "lmpviz_private.h"

void
cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "lmpviz %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void
vusage(const char *cmd, const char *fmt, va_list ap)
{
    fprintf(stderr, "lmpviz %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\ntry 'lmpviz %s --help'\n", cmd);
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vusage(cmd, fmt, ap);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

cli_parse_result
cli_parse_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vusage(cmd, fmt, ap);
    va_end(ap);
    return CLI_PARSE_USAGE;
}

int
cli_parse_exit(cli_parse_result r)
{
    return r == CLI_PARSE_USAGE ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

cli_parse_result
cli_parse_bad_option(const char *cmd, int c, const char *arg, const char *unknown)
{
    if (c == ':')
        return cli_parse_error(cmd, "%s: expected a value", arg);
    return cli_parse_error(cmd, "%s \"%s\"", unknown, arg);
}

cli_parse_result
cli_parse_extra_arg(const char *cmd, const char *arg)
{
    return cli_parse_error(cmd, "unexpected argument \"%s\"", arg);
}

cli_parse_result
cli_parse_options(const char *cmd, int argc, char **argv, const cli_options *o, void *a)
{
    return cli_parse_options_args(cmd, argc, argv, o, NULL, a);
}

cli_parse_result
cli_parse_options_args(const char *cmd,
                       int argc,
                       char **argv,
                       const cli_options *o,
                       cli_parse_result (*arg)(const char *cmd, const char *text, void *a),
                       void *a)
{
    cli_parse_result pr = CLI_PARSE_OK;
    int c;

    optind = 0;
    opterr = 0; /* our own messages, not getopt's */
    while (pr == CLI_PARSE_OK &&
           (c = getopt_long(argc, argv, o->shortopts, o->longopts, NULL)) != -1) {
        if (c == 'h') {
            o->usage(stdout);
            return CLI_PARSE_HELP;
        }
        if (c == ':' || c == '?')
            return cli_parse_bad_option(cmd, c, argv[optind - 1], o->unknown);
        pr = o->parse(cmd, c, optarg, a);
    }
    if (pr != CLI_PARSE_OK)
        return pr;
    for (; optind < argc && arg != NULL && pr == CLI_PARSE_OK; optind++)
        pr = arg(cmd, argv[optind], a);
    if (pr != CLI_PARSE_OK)
        return pr;
    if (optind < argc)
        return cli_parse_extra_arg(cmd, argv[optind]);
    return o->check != NULL ? o->check(cmd, a) : CLI_PARSE_OK;
}

static int
parse_real(const char *text, double *out)
{
    char *end = NULL;
    double v;

    if (text == NULL || *text == '\0')
        return -1;
    errno = 0;
    v = strtod(text, &end);
    /* ERANGE also flags underflow ("1e-310" is subnormal but a valid
     * fraction); refuse only overflow. */
    if (end == text || *end != '\0' || (errno == ERANGE && isinf(v)) || isnan(v))
        return -1;
    *out = v;
    return 0;
}

/* *out = v when ok; else the usage error "OPT: expected WHAT, got TEXT". */
static cli_parse_result
store_real(const char *cmd,
           const char *opt,
           const char *text,
           int ok,
           double v,
           const char *what,
           double *out)
{
    if (!ok)
        return cli_parse_error(cmd, "%s: expected %s, got \"%s\"", opt, what, text ? text : "");
    *out = v;
    return CLI_PARSE_OK;
}

cli_parse_result
cli_parse_double(const char *cmd, const char *opt, const char *text, double *out)
{
    double v = 0.0;
    int ok = parse_real(text, &v) == 0 && isfinite(v);

    return store_real(cmd, opt, text, ok, v, "a number", out);
}

cli_parse_result
cli_parse_size(const char *cmd, const char *opt, const char *text, size_t *out)
{
    char *end = NULL;
    unsigned long long v = 0;

    errno = 0;
    if (text != NULL && *text != '\0' && *text != '-')
        v = strtoull(text, &end, 10);
    if (text == NULL || *text == '\0' || *text == '-' || end == text || *end != '\0' ||
        errno == ERANGE || v == 0 || v > (unsigned long long)(SIZE_MAX / 16)) {
        cli_usage_error(cmd, "%s: expected a positive whole number, got \"%s\"", opt,
                        text ? text : "");
        return CLI_PARSE_USAGE;
    }
    *out = (size_t)v;
    return CLI_PARSE_OK;
}

cli_parse_result
cli_parse_p(const char *cmd, const char *opt, const char *text, double *out)
{
    double v = INFINITY;
    int ok = text != NULL && (strcasecmp(text, "inf") == 0 || strcasecmp(text, "infinity") == 0);

    if (!ok)
        ok = parse_real(text, &v) == 0 && v >= 1.0;
    return store_real(cmd, opt, text, ok, v, "p >= 1 (a number or \"inf\")", out);
}

cli_parse_result
cli_parse_device(const char *cmd, const char *text, int *on_gpu)
{
    if (text == NULL || (strcmp(text, "cpu") != 0 && strcmp(text, "cuda") != 0)) {
        cli_usage_error(cmd, "--device: expected cpu or cuda, got \"%s\"", text ? text : "");
        return CLI_PARSE_USAGE;
    }
    *on_gpu = strcmp(text, "cuda") == 0;
    return CLI_PARSE_OK;
}

int
cli_cuda_check(const char *cmd)
{
    size_t ws_bytes;

    if (lmp_cuda_device_count() > 0)
        return 0;
    cli_error(cmd, "--device cuda: %s",
              lmp_cuda_workspace_size(1, 1, &ws_bytes) == LMP_ERR_UNSUPPORTED
                  ? "this build of lmpviz has no CUDA support (rebuild with -DLMP_CUDA=ON)"
                  : "no CUDA device found (use --device cpu)");
    return CLI_EXIT_FAILURE;
}

cli_parse_result
cli_parse_m(const char *cmd, const char *opt, const char *text, double *out)
{
    double v = 0.0;
    int ok = parse_real(text, &v) == 0 && v > 0.0 && v <= 1.0;

    return store_real(cmd, opt, text, ok, v, "a fraction in (0, 1]", out);
}

cli_parse_result
cli_parse_m_pixels(const char *cmd, const char *opt, const char *text, double *out)
{
    double v = 0.0;
    int ok = parse_real(text, &v) == 0 && isfinite(v) && v >= 1.0;

    return store_real(cmd, opt, text, ok, v, "a pixel count >= 1", out);
}

cli_parse_result
cli_parse_list(const char *cmd,
               const char *opt,
               const char *text,
               cli_parse_result (*parse_one)(const char *, const char *, const char *, double *),
               double **out,
               size_t *count,
               size_t max_count)
{
    double *vals = NULL;
    char *copy = NULL;
    char *item;
    char *save = NULL;
    size_t k = 0;

    *out = NULL;
    *count = 0;
    if (text == NULL || *text == '\0' || text[strlen(text) - 1] == ',' || text[0] == ',' ||
        strstr(text, ",,") != NULL) {
        cli_usage_error(cmd, "%s: expected a comma-separated list, got \"%s\"", opt,
                        text ? text : "");
        return CLI_PARSE_USAGE;
    }
    copy = strdup(text);
    vals = malloc(max_count * sizeof *vals);
    if (copy == NULL || vals == NULL) {
        cli_error(cmd, "out of memory");
        goto fail;
    }
    for (item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        if (k == max_count) {
            cli_usage_error(cmd, "%s: at most %zu values, got more in \"%s\"", opt, max_count,
                            text);
            goto fail;
        }
        if (parse_one(cmd, opt, item, &vals[k]) != CLI_PARSE_OK)
            goto fail;
        k++;
    }
    free(copy);
    *out = vals;
    *count = k;
    return CLI_PARSE_OK;
fail:
    free(copy);
    free(vals);
    return CLI_PARSE_USAGE;
}

double
cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *
cli_json_number(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "null");
    else if (isinf(v))
        snprintf(buf, len, v > 0 ? "\"inf\"" : "\"-inf\"");
    else
        snprintf(buf, len, "%.17g", v);
    return buf;
}

cli_parse_result
cli_parse_wh(const char *cmd, const char *text, size_t min_w, size_t min_h, size_t *w, size_t *h)
{
    char *end = NULL;
    unsigned long a, b;

    if (text == NULL || *text < '0' || *text > '9')
        goto bad;
    errno = 0;
    a = strtoul(text, &end, 10);
    if (errno != 0 || (*end != 'x' && *end != 'X') || end[1] < '0' || end[1] > '9')
        goto bad;
    b = strtoul(end + 1, &end, 10);
    if (errno != 0 || *end != '\0' || a < min_w || b < min_h || a > CLI_SIZE_MAX ||
        b > CLI_SIZE_MAX)
        goto bad;
    *w = a;
    *h = b;
    return CLI_PARSE_OK;
bad:
    if (min_w == min_h)
        cli_usage_error(cmd, "--size: expected WIDTHxHEIGHT in pixels, each %zu..%d, got \"%s\"",
                        min_w, CLI_SIZE_MAX, text ? text : "");
    else
        cli_usage_error(cmd,
                        "--size: expected WIDTHxHEIGHT in pixels (at least %zux%zu), got \"%s\"",
                        min_w, min_h, text ? text : "");
    return CLI_PARSE_USAGE;
}

cli_parse_result
cli_parse_width(const char *cmd, const char *text, size_t min, size_t *out)
{
    if (cli_parse_size(cmd, "--width", text, out) != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    if (*out < min || *out > CLI_SIZE_MAX)
        return cli_parse_error(cmd, "--width: expected %zu..%d pixels, got \"%s\"", min,
                               CLI_SIZE_MAX, text);
    return CLI_PARSE_OK;
}

cli_parse_result
cli_parse_dpi(const char *cmd, const char *text, double *out)
{
    double v = 0.0;

    if (cli_parse_double(cmd, "--dpi", text, &v) != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    return store_real(cmd, "--dpi", text, v >= 10.0 && v <= 2400.0, v, "a number in [10, 2400]",
                      out);
}

cli_parse_result
cli_parse_vmax(const char *cmd, const char *text, double *out)
{
    double v = 0.0;

    if (cli_parse_double(cmd, "--vmax", text, &v) != CLI_PARSE_OK)
        return CLI_PARSE_USAGE;
    return store_real(cmd, "--vmax", text, v > 0.0, v, "a number > 0", out);
}

cli_parse_result
cli_check_output(const char *cmd, const char *path)
{
    lmpviz_format fmt;
    if (lmpviz_format_from_path(path, &fmt, NULL) != LMPVIZ_OK && !lmpviz_afile_in_place(path)) {
        cli_usage_error(cmd, "-o: expected a file name ending in .png, .svg or .pdf, got \"%s\"",
                        path);
        return CLI_PARSE_USAGE;
    }
    return CLI_PARSE_OK;
}
