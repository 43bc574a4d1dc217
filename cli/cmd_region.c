/* lmpviz region: the feasible set W of LMP for two pixels (the paper's Figure 1). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_commands.h"
#include "lmp.h"
#include "lmpviz.h"

#define CMD "region"

#define REGION_MAX_P       8
#define REGION_DEFAULT_W   900
#define REGION_DEFAULT_H   560
#define REGION_DEFAULT_M   0.5
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

/* --losses A,B: two losses >= 0, not both 0. */
static cli_parse_result
parse_losses(const char *cmd, const char *text, cli_region_args *a)
{
    double *losses = NULL;
    size_t n_losses = 0;
    cli_parse_result pr;

    pr = cli_parse_list(cmd, "--losses", text, cli_parse_double, &losses, &n_losses, 2);
    if (pr != CLI_PARSE_OK)
        return pr;
    if (n_losses != 2 || !(losses[0] >= 0.0) || !(losses[1] >= 0.0) ||
        losses[0] + losses[1] <= 0.0) {
        free(losses);
        return cli_parse_error(
            cmd, "--losses: expected two losses A,B >= 0, not both 0, got \"%s\"", text);
    }
    a->have_losses = 1;
    a->losses[0] = losses[0];
    a->losses[1] = losses[1];
    free(losses);
    return CLI_PARSE_OK;
}

/* The option c with its argument text. */
static cli_parse_result
parse_opt(const char *cmd, int c, const char *text, void *ctx)
{
    cli_region_args *a = ctx;

    switch (c) {
    case OPT_P:
        free(a->p);
        return cli_parse_list(cmd, "--p", text, cli_parse_p, &a->p, &a->n_p, REGION_MAX_P);
    case OPT_M:
        return cli_parse_m(cmd, "--m", text, &a->m);
    case OPT_LOSSES:
        return parse_losses(cmd, text, a);
    case OPT_SIZE:
        return cli_parse_wh(cmd, text, 64, 64, &a->width, &a->height);
    case OPT_DPI:
        return cli_parse_dpi(cmd, text, &a->dpi);
    case OPT_TITLE:
        a->title = text;
        break;
    case 'o':
        a->output = text;
        break;
    }
    return CLI_PARSE_OK;
}

static cli_parse_result
check_args(const char *cmd, void *ctx)
{
    const cli_region_args *a = ctx;

    return cli_check_output(cmd, a->output);
}

cli_parse_result
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
    static const cli_options o = {
        ":o:h", longopts, usage, parse_opt, check_args, "unknown option"
    };

    a->m = REGION_DEFAULT_M;
    a->dpi = LMPVIZ_DPI_DEFAULT;
    a->width = REGION_DEFAULT_W;
    a->height = REGION_DEFAULT_H;
    a->output = REGION_DEFAULT_OUT;
    return cli_parse_options(cmd, argc, argv, &o, a);
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
cli_region_figure(const char *cmd,
                  int argc,
                  char **argv,
                  cli_region_args *a,
                  lmpviz_region_opts *opts,
                  lmpviz_figure **fig)
{
    cli_parse_result pr;

    memset(a, 0, sizeof *a);
    *fig = NULL;
    pr = cli_region_parse(cmd, argc, argv, a);
    if (pr == CLI_PARSE_OK)
        *fig = cli_region_build(cmd, a, opts);
    if (*fig != NULL)
        return 0;
    cli_region_args_free(a);
    return pr != CLI_PARSE_OK ? cli_parse_exit(pr) : CLI_EXIT_FAILURE;
}

int
cmd_region(int argc, char **argv)
{
    cli_region_args a;
    lmpviz_region_opts opts;
    lmpviz_figure *fig;
    lmpviz_err err = { "" };
    lmpviz_status st;
    int rc = cli_region_figure(CMD, argc, argv, &a, &opts, &fig);

    if (fig == NULL)
        return rc;
    st = lmpviz_figure_save(fig, a.output, &err);
    if (st != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", a.output, err.msg[0] ? err.msg : lmpviz_status_string(st));
        rc = CLI_EXIT_FAILURE;
    } else {
        printf("%s\n", a.output);
    }
    lmpviz_figure_destroy(fig);
    cli_region_args_free(&a);
    return rc;
}
