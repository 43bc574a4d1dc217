/*
 * cli_commands.h - the commands of the lmpviz program, built as a static
 * library so the tests can call their parsers and the commands directly.
 *
 * Every command is `int cmd_NAME(int argc, char **argv)` with argv[0] the
 * command name; it returns the process exit status: 0 success, 1 runtime
 * failure, 2 usage error.  Every command's options are parsed by
 * `cli_NAME_parse(cmd, argc, argv, a)` into a zeroed `cli_NAME_args` a:
 * cmd names the command in messages, and the result is a cli_parse_result
 * (CLI_PARSE_HELP after printing --help, CLI_PARSE_USAGE after printing a
 * usage error).  The parsers check everything that needs no file.
 */
#ifndef LMPVIZ_CLI_COMMANDS_H
#define LMPVIZ_CLI_COMMANDS_H

#include <stddef.h>

#include "cli_args.h"
#include "cli_split.h"
#include "lmp.h"
#include "lmpviz.h"

/* Entry point of the program: dispatches on argv[1]. */
int lmpviz_cli_main(int argc, char **argv);

int cmd_solve(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_curve(int argc, char **argv);
int cmd_region(int argc, char **argv);
int cmd_heatmap(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_notebook(int argc, char **argv);
int cmd_explore(int argc, char **argv);

/* `lmpviz solve`; nothing to free. */
typedef struct cli_solve_args {
    lmp_params params;
    int have_m;
    const char *losses; /* NULL: the default profile */
    const char *output; /* -o: the weights, .npy */
    int json;
    int ignore_zeros;
    int on_gpu; /* --device cuda */
} cli_solve_args;

cli_parse_result cli_solve_parse(const char *cmd, int argc, char **argv, cli_solve_args *a);

/* `lmpviz bench` */
typedef struct cli_bench_args {
    lmp_params params; /* m, and p when --p is not given */
    double *p;         /* --p: malloc'ed (cli_bench_args_free); NULL: params.p */
    size_t n_p;
    size_t n, repeat;
    int skip_sorted, json;
    int on_gpu; /* --device cuda */
    size_t batch;
    int have_batch;
    unsigned threads;
    int have_threads;
} cli_bench_args;

cli_parse_result cli_bench_parse(const char *cmd, int argc, char **argv, cli_bench_args *a);
void cli_bench_args_free(cli_bench_args *a);

/* ------------------------------------------------------------------------
 * The option parsers and figure builders of curve, region and heatmap, shared
 * with `lmpviz notebook` (which accepts the same options).
 */

/* `lmpviz curve` */
typedef struct cli_curve_args {
    double *p, *m, *m_px; /* malloc'ed lists (cli_curve_args_free) */
    size_t n_p, n_m, n_m_px;
    int paper;
    size_t n;
    int have_n;
    const char *losses;
    size_t sample;
    int have_dist;
    lmpviz_dist dist;
    unsigned long seed;
    int logy, scaled, cumulative;
    size_t width, height;
    int have_size;
    double dpi;
    const char *title;
    const char *output;
    const char *csv;
} cli_curve_args;

/* What cli_curve_build makes: the losses, one or two data sets (two for
 * --figure paper) and the figure. */
typedef struct cli_curve_fig {
    float *loss; /* n losses as loaded (lmpviz_big_alloc) */
    size_t n;
    lmpviz_curve_data data[2];
    size_t n_sets;
    lmpviz_curve_view view;
    lmpviz_figure *fig;
} cli_curve_fig;

/* a must be zeroed first. */
cli_parse_result cli_curve_parse(const char *cmd, int argc, char **argv, cli_curve_args *a);
void cli_curve_args_free(cli_curve_args *a);
/* How many losses (from the .npy's header, or --n, or --sample) and how
 * many curves a's figure has, before anything is read.  0, or
 * CLI_EXIT_FAILURE after printing why the .npy cannot be used. */
int cli_curve_count(const char *cmd, const cli_curve_args *a, size_t *n, size_t *n_series);
/* Checks first that the memory it needs is available (as solve does);
 * 0, or CLI_EXIT_FAILURE after printing why; out is zeroed on failure. */
int cli_curve_build(const char *cmd, cli_curve_args *a, cli_curve_fig *out);
/* Safe on a zeroed struct. */
void cli_curve_fig_free(cli_curve_fig *f);

/* `lmpviz region` */
typedef struct cli_region_args {
    double *p; /* malloc'ed (cli_region_args_free); NULL: the default list */
    size_t n_p;
    double m;
    int have_losses;
    double losses[2];
    size_t width, height;
    double dpi;
    const char *title;
    const char *output;
} cli_region_args;

/* a must be zeroed first. */
cli_parse_result cli_region_parse(const char *cmd, int argc, char **argv, cli_region_args *a);
void cli_region_args_free(cli_region_args *a);
/* Fills opts (borrowing a's arrays) and builds the figure; NULL after
 * printing why. */
lmpviz_figure *
cli_region_build(const char *cmd, const cli_region_args *a, lmpviz_region_opts *opts);
/* cli_region_parse into a (zeroed here), then cli_region_build into *fig.
 * 0, or the exit status after printing why (CLI_EXIT_OK after --help),
 * with *fig NULL and nothing to free. */
int cli_region_figure(const char *cmd,
                      int argc,
                      char **argv,
                      cli_region_args *a,
                      lmpviz_region_opts *opts,
                      lmpviz_figure **fig);

/* `lmpviz heatmap` */
typedef struct cli_heatmap_args {
    lmpviz_heatmap_input in;
    int n_pred;
    lmp_params params;
    int have_m, have_m_px;
    lmpviz_heatmap_fig_opts fig;
    const char *output;
    const char *save_weights, *save_loss, *stats;
    cli_split_opts sp;
    int quiet, timing;
    int resume; /* --resume: keep the frames a record says are done */
    int any_single;
    /* --device and --batch: set allow_device before parsing to accept them
     * (heatmap does; notebook, which solves on the CPU, does not). */
    int allow_device;
    int on_gpu;   /* --device cuda */
    size_t batch; /* --batch: frames per GPU solve in a split */
} cli_heatmap_args;

/* a must be zeroed first; nothing to free. */
cli_parse_result cli_heatmap_parse(const char *cmd, int argc, char **argv, cli_heatmap_args *a);

/* `lmpviz compare` */
typedef struct cli_compare_args {
    const char *schemes_text;
    lmpviz_scheme_spec spec[LMPVIZ_COMPARE_MAX_SCHEMES];
    size_t n_spec;
    const char *losses;
    int ignore_zeros;
    lmpviz_heatmap_input in; /* image, labels, pred, kinds, layout, resize */
    int n_pred;
    const char *output, *csv, *stats, *title;
    int logy, quiet;
    size_t width, height, fig_width;
    lmpviz_overlay_opts overlay;
    cli_split_opts sp;
    int need_classes, need_split;
} cli_compare_args;

/* a must be zeroed first; nothing to free. */
cli_parse_result cli_compare_parse(const char *cmd, int argc, char **argv, cli_compare_args *a);

/* `lmpviz notebook`: its own options, and those passed on to the parser of
 * the figure's command. */
#define CLI_NOTEBOOK_MAX_ARGS 256
typedef struct cli_notebook_args {
    const char *figure;
    int all;
    const char *output;
    char *pass[CLI_NOTEBOOK_MAX_ARGS + 4]; /* pass[0] = the command name; NULL-terminated */
    int n_pass;
    char default_output[64]; /* lmp_FIGURE.ipynb */
} cli_notebook_args;

/* a must be zeroed first; nothing to free (pass borrows argv). */
cli_parse_result cli_notebook_parse(const char *cmd, int argc, char **argv, cli_notebook_args *a);

/* `lmpviz sweep` */
#define CLI_SWEEP_MAX_INPUTS 256
typedef struct cli_sweep_args {
    const char *p_text, *m_text, *stat_text; /* the grid, parsed after the options */
    double *p, *m;                           /* malloc'ed (cli_sweep_args_free) */
    size_t n_p, n_m;
    lmpviz_sweep_stat stats[LMPVIZ_SWEEP_NSTAT];
    size_t n_stats;
    unsigned classes[LMPVIZ_CS_CLASSES];
    size_t n_classes;
    const char *losses[CLI_SWEEP_MAX_INPUTS]; /* --losses F and the .npy after it */
    size_t n_losses;
    int ignore_zeros;
    lmpviz_heatmap_input in;
    int n_pred;
    lmpviz_overlay_opts overlay; /* cmap */
    cli_split_opts sp;
    const char *output, *csv, *title;
    int json, quiet;
} cli_sweep_args;

/* a must be zeroed first. */
cli_parse_result cli_sweep_parse(const char *cmd, int argc, char **argv, cli_sweep_args *a);
void cli_sweep_args_free(cli_sweep_args *a);

/* `lmpviz match`; nothing to free. */
typedef struct cli_match_args {
    const char *scheme_text;
    lmpviz_scheme_spec spec;
    const char *losses;
    int ignore_zeros;
    lmpviz_heatmap_input in;
    int n_pred;
    lmpviz_overlay_opts overlay;
    cli_split_opts sp;
    lmpviz_match_opts mo;
    const char *output; /* NULL: no figure */
    int json, quiet;
} cli_match_args;

/* a must be zeroed first. */
cli_parse_result cli_match_parse(const char *cmd, int argc, char **argv, cli_match_args *a);

/* lmpviz explore: the folder to write the page into. */
typedef struct cli_explore_args {
    const char *dir;
} cli_explore_args;
cli_parse_result cli_explore_parse(const char *cmd, int argc, char **argv, cli_explore_args *a);

#endif /* LMPVIZ_CLI_COMMANDS_H */
