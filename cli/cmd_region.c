/* lmpviz region: the feasible set W of LMP for two pixels (the paper's Figure 1). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lmp.h"
#include "lmpviz.h"

#define CMD "region"

#define REGION_MAX_P      8
#define REGION_DEFAULT_W  900
#define REGION_DEFAULT_H  560
#define REGION_DEFAULT_M  0.5
#define REGION_DEFAULT_OUT "lmp_region.png"

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: lmpviz region [--p LIST] [--m M] [--losses A,B] [--size WxH] [--dpi D]\n"
            "                     [--title TEXT] [-o FILE.png|.svg|.pdf]\n"
            "\n"
            "Draws the feasible set of LMP for n = 2 pixels (the paper's Figure 1):\n"
            "  W = { w >= 0 : ||w||_p <= gamma, ||w||_inf <= tau },\n"
            "  gamma = 2^(1/p - 1), tau = gamma m_px^(-1/p), m_px = clamp(2 m, 1, 2),\n"
            "its boundary, the uniform point (1/2, 1/2), and with --losses the loss\n"
            "direction and the optimal w* (where the level line of w . l touches W).\n"
            "Several p overlay in different colours; the dotted arc is the part of the\n"
            "p-ball that the cap tau cuts off.\n"
            "\n"
            "Options:\n"
            "  --p LIST          norm exponents >= 1 or inf, comma-separated (default\n"
            "                    1,1.5,2,inf)\n"
            "  --m M             support as a fraction in (0, 1] (default %g: m_px = 1,\n"
            "                    no cap; m = 1: m_px = 2, the tightest cap)\n"
            "  --losses A,B      the two losses (>= 0, not both 0)\n"
            "  --size WxH        image size in pixels (default %dx%d)\n"
            "  --dpi D           dots per inch (default %g)\n"
            "  --title TEXT      replace the title\n"
            "  -o, --output FILE output file; the format follows the extension\n"
            "                    (default %s)\n"
            "  -h, --help        show this help\n",
            REGION_DEFAULT_M, REGION_DEFAULT_W, REGION_DEFAULT_H, LMPVIZ_DPI_DEFAULT,
            REGION_DEFAULT_OUT);
}

static int
parse_wh(const char *text, size_t *w, size_t *h)
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
    if (errno != 0 || *end != '\0' || a < 64 || b < 64 || a > 16384 || b > 16384)
        goto bad;
    *w = a;
    *h = b;
    return 0;
bad:
    cli_usage_error(CMD, "--size: expected WIDTHxHEIGHT in pixels, each 64..16384, got \"%s\"",
                    text ? text : "");
    return -1;
}

enum { OPT_P = 256, OPT_M, OPT_LOSSES, OPT_SIZE, OPT_DPI, OPT_TITLE };

int
cmd_region(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "p", required_argument, NULL, OPT_P },
        { "m", required_argument, NULL, OPT_M },
        { "losses", required_argument, NULL, OPT_LOSSES },
        { "size", required_argument, NULL, OPT_SIZE },
        { "dpi", required_argument, NULL, OPT_DPI },
        { "title", required_argument, NULL, OPT_TITLE },
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const double default_p[] = { 1.0, 1.5, 2.0, INFINITY };
    double *p = NULL, *losses = NULL;
    size_t n_p = 0, n_losses = 0;
    double m = REGION_DEFAULT_M, dpi = LMPVIZ_DPI_DEFAULT;
    size_t width = REGION_DEFAULT_W, height = REGION_DEFAULT_H;
    const char *output = REGION_DEFAULT_OUT;
    const char *title = NULL;
    lmpviz_region_opts opts;
    lmpviz_figure *fig = NULL;
    lmpviz_format fmt;
    lmpviz_err err;
    lmpviz_status st;
    int c, rc = CLI_EXIT_USAGE;

    memset(&err, 0, sizeof err);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_P:
            free(p);
            if (cli_parse_list(CMD, "--p", optarg, cli_parse_p, &p, &n_p, REGION_MAX_P) != 0)
                goto cleanup;
            break;
        case OPT_M:
            if (cli_parse_m(CMD, "--m", optarg, &m) != 0)
                goto cleanup;
            break;
        case OPT_LOSSES:
            free(losses);
            if (cli_parse_list(CMD, "--losses", optarg, cli_parse_double, &losses, &n_losses, 2) != 0)
                goto cleanup;
            if (n_losses != 2 || !(losses[0] >= 0.0) || !(losses[1] >= 0.0) ||
                losses[0] + losses[1] <= 0.0) {
                rc = cli_usage_error(CMD, "--losses: expected two losses A,B >= 0, not both 0, got \"%s\"",
                                     optarg);
                goto cleanup;
            }
            break;
        case OPT_SIZE:
            if (parse_wh(optarg, &width, &height) != 0)
                goto cleanup;
            break;
        case OPT_DPI:
            if (cli_parse_double(CMD, "--dpi", optarg, &dpi) != 0)
                goto cleanup;
            if (!(dpi >= 10.0 && dpi <= 2400.0)) {
                rc = cli_usage_error(CMD, "--dpi: expected a number in [10, 2400], got \"%s\"", optarg);
                goto cleanup;
            }
            break;
        case OPT_TITLE:
            title = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'h':
            usage(stdout);
            rc = CLI_EXIT_OK;
            goto cleanup;
        case ':':
            rc = cli_usage_error(CMD, "%s: expected a value", argv[optind - 1]);
            goto cleanup;
        default:
            rc = cli_usage_error(CMD, "unknown option \"%s\"", argv[optind - 1]);
            goto cleanup;
        }
    }
    if (optind < argc) {
        rc = cli_usage_error(CMD, "unexpected argument \"%s\"", argv[optind]);
        goto cleanup;
    }
    if (lmpviz_format_from_path(output, &fmt, NULL) != LMPVIZ_OK) {
        rc = cli_usage_error(CMD, "-o: expected a file name ending in .png, .svg or .pdf, got \"%s\"",
                             output);
        goto cleanup;
    }

    rc = CLI_EXIT_FAILURE;
    memset(&opts, 0, sizeof opts);
    opts.p = n_p ? p : default_p;
    opts.n_p = n_p ? n_p : sizeof default_p / sizeof default_p[0];
    opts.m = m;
    opts.title = title;
    if (losses != NULL) {
        opts.have_losses = 1;
        opts.losses[0] = losses[0];
        opts.losses[1] = losses[1];
    }
    fig = lmpviz_figure_create(width, height, dpi, 1, 1);
    if (fig == NULL) {
        cli_error(CMD, "out of memory for a %zux%zu figure", width, height);
        goto cleanup;
    }
    st = lmpviz_region_panel(lmpviz_figure_panel(fig, 0, 0), &opts, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s", err.msg[0] ? err.msg : lmpviz_status_string(st));
        goto cleanup;
    }
    st = lmpviz_figure_save(fig, output, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", output, err.msg[0] ? err.msg : lmpviz_status_string(st));
        goto cleanup;
    }
    printf("%s\n", output);
    rc = CLI_EXIT_OK;

cleanup:
    lmpviz_figure_destroy(fig);
    free(p);
    free(losses);
    return rc;
}
