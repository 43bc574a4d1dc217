/* lmpviz region: the feasible set W of LMP for two pixels (the paper's Figure 1). */
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

enum { OPT_P = 256, OPT_M, OPT_LOSSES, OPT_SIZE, OPT_DPI, OPT_TITLE };

int
cli_region_parse(const char *cmd, int argc, char **argv, cli_region_args *a)
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
    double *losses = NULL;
    size_t n_losses = 0;
    int c, rc = CLI_EXIT_USAGE;

    a->m = REGION_DEFAULT_M;
    a->dpi = LMPVIZ_DPI_DEFAULT;
    a->width = REGION_DEFAULT_W;
    a->height = REGION_DEFAULT_H;
    a->output = REGION_DEFAULT_OUT;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_P:
            free(a->p);
            a->p = NULL;
            if (cli_parse_list(cmd, "--p", optarg, cli_parse_p, &a->p, &a->n_p, REGION_MAX_P) != 0)
                goto cleanup;
            break;
        case OPT_M:
            if (cli_parse_m(cmd, "--m", optarg, &a->m) != 0)
                goto cleanup;
            break;
        case OPT_LOSSES:
            free(losses);
            losses = NULL;
            if (cli_parse_list(cmd, "--losses", optarg, cli_parse_double, &losses, &n_losses, 2) != 0)
                goto cleanup;
            if (n_losses != 2 || !(losses[0] >= 0.0) || !(losses[1] >= 0.0) ||
                losses[0] + losses[1] <= 0.0) {
                rc = cli_usage_error(cmd, "--losses: expected two losses A,B >= 0, not both 0, got \"%s\"",
                                     optarg);
                goto cleanup;
            }
            a->have_losses = 1;
            a->losses[0] = losses[0];
            a->losses[1] = losses[1];
            break;
        case OPT_SIZE:
            if (cli_parse_wh(cmd, optarg, 64, 64, &a->width, &a->height) != 0)
                goto cleanup;
            break;
        case OPT_DPI:
            if (cli_parse_dpi(cmd, optarg, &a->dpi) != 0)
                goto cleanup;
            break;
        case OPT_TITLE:
            a->title = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'h':
            usage(stdout);
            rc = -1;
            goto cleanup;
        case ':':
            rc = cli_usage_error(cmd, "%s: expected a value", argv[optind - 1]);
            goto cleanup;
        default:
            rc = cli_usage_error(cmd, "unknown option \"%s\"", argv[optind - 1]);
            goto cleanup;
        }
    }
    if (optind < argc) {
        rc = cli_usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);
        goto cleanup;
    }
    if (cli_check_output(cmd, a->output) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    free(losses);
    return rc;
}

void
cli_region_args_free(cli_region_args *a)
{
    free(a->p);
    a->p = NULL;
}

lmpviz_figure *
cli_region_build(const char *cmd, const cli_region_args *a, lmpviz_region_opts *opts)
{
    static const double default_p[] = { 1.0, 1.5, 2.0, INFINITY };
    lmpviz_figure *fig;

    memset(opts, 0, sizeof *opts);
    opts->p = a->n_p ? a->p : default_p;
    opts->n_p = a->n_p ? a->n_p : sizeof default_p / sizeof default_p[0];
    opts->m = a->m;
    opts->title = a->title;
    if (a->have_losses) {
        opts->have_losses = 1;
        opts->losses[0] = a->losses[0];
        opts->losses[1] = a->losses[1];
    }
    fig = lmpviz_figure_create(a->width, a->height, a->dpi, 1, 1);
    lmpviz_region_panel(lmpviz_figure_panel(fig, 0, 0), opts);
    if (lmpviz_figure_status(fig) != LMPVIZ_OK) {
        cli_error(cmd, "%s", lmpviz_figure_error(fig));
        lmpviz_figure_destroy(fig);
        return NULL;
    }
    return fig;
}

int
cmd_region(int argc, char **argv)
{
    cli_region_args a;
    lmpviz_region_opts opts;
    lmpviz_figure *fig = NULL;
    lmpviz_err err;
    lmpviz_status st;
    int rc;

    memset(&a, 0, sizeof a);
    memset(&err, 0, sizeof err);
    rc = cli_region_parse(CMD, argc, argv, &a);
    if (rc != 0) {
        rc = rc < 0 ? CLI_EXIT_OK : rc;
        goto cleanup;
    }
    rc = CLI_EXIT_FAILURE;
    fig = cli_region_build(CMD, &a, &opts);
    if (fig == NULL)
        goto cleanup;
    st = lmpviz_figure_save(fig, a.output, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a.output, err.msg[0] ? err.msg : lmpviz_status_string(st));
        goto cleanup;
    }
    printf("%s\n", a.output);
    rc = CLI_EXIT_OK;

cleanup:
    lmpviz_figure_destroy(fig);
    cli_region_args_free(&a);
    return rc;
}
