/*
 * cli_args.h - what every command of the lmpviz program shares: its exit
 * statuses and messages, the parsers of option values, and the checks of
 * the files it writes.
 */
#ifndef LMPVIZ_CLI_ARGS_H
#define LMPVIZ_CLI_ARGS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "lmpviz.h"

#define CLI_EXIT_OK      0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE   2

/* What a parser of an option value, or a command's parse function,
 * returns. */
typedef enum cli_parse_result {
    CLI_PARSE_OK = 0, /* parsed; go on */
    CLI_PARSE_HELP,   /* --help was printed to stdout; stop, exit 0 */
    CLI_PARSE_USAGE   /* a usage error was printed to stderr; stop, exit 2 */
} cli_parse_result;

/* The exit status of a command whose parse returned r: CLI_EXIT_OK for
 * CLI_PARSE_OK and CLI_PARSE_HELP, CLI_EXIT_USAGE for CLI_PARSE_USAGE. */
int cli_parse_exit(cli_parse_result r);

/* Messages to stderr, prefixed "lmpviz CMD: ". */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, then "try 'lmpviz CMD --help'"; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for parsers: returns CLI_PARSE_USAGE. */
cli_parse_result cli_parse_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A command's options, for cli_parse_options. */
typedef struct cli_options {
    const char *shortopts;         /* for getopt_long, with the leading ':' */
    const struct option *longopts; /* --help is 'h' */
    void (*usage)(FILE *out);      /* prints --help */
    /* Stores option c (a getopt_long result, not 'h') with its argument
     * text (NULL for a flag) into a. */
    cli_parse_result (*parse)(const char *cmd, int c, const char *text, void *a);
    /* Optional: the checks of the options taken together, and the values
     * derived from them, after the last option. */
    cli_parse_result (*check)(const char *cmd, void *a);
    const char *unknown; /* how an unknown option is called: "unknown option" */
} cli_options;

/* Runs getopt_long over argv[1..argc) and o->parse on each option until
 * one fails, then o->check; --help prints o->usage to stdout and returns
 * CLI_PARSE_HELP.  An option without its value, an unknown option and an
 * argument left after the options are usage errors (cli_parse_bad_option,
 * cli_parse_extra_arg). */
cli_parse_result
cli_parse_options(const char *cmd, int argc, char **argv, const cli_options *o, void *a);
/* cli_parse_options where the command takes arguments after its options:
 * arg (NULL: none) stores each, in order, before o->check; the first that
 * fails ends the parse. */
cli_parse_result
cli_parse_options_args(const char *cmd,
                       int argc,
                       char **argv,
                       const cli_options *o,
                       cli_parse_result (*arg)(const char *cmd, const char *text, void *a),
                       void *a);
/* The usage error of a getopt_long result c that no option of the command
 * took, arg being the argument that caused it (argv[optind - 1]): ':' (an
 * option given without its value) prints "ARG: expected a value", anything
 * else "UNKNOWN \"ARG\"" (unknown may be NULL when c is ':').  Returns
 * CLI_PARSE_USAGE. */
cli_parse_result cli_parse_bad_option(const char *cmd, int c, const char *arg, const char *unknown);
/* The usage error of an argument left after the options. */
cli_parse_result cli_parse_extra_arg(const char *cmd, const char *arg);

/* Option parsing.  Each returns CLI_PARSE_OK on success; on failure it
 * prints a usage error naming the option and the expected value, and
 * returns CLI_PARSE_USAGE. */
cli_parse_result cli_parse_double(const char *cmd, const char *opt, const char *text, double *out);
cli_parse_result cli_parse_size(const char *cmd, const char *opt, const char *text, size_t *out);
/* p in [1, inf]; accepts "inf", "infinity". */
cli_parse_result cli_parse_p(const char *cmd, const char *opt, const char *text, double *out);
/* m as a fraction in (0, 1]. */
cli_parse_result cli_parse_m(const char *cmd, const char *opt, const char *text, double *out);
/* m as a pixel count >= 1. */
cli_parse_result
cli_parse_m_pixels(const char *cmd, const char *opt, const char *text, double *out);
/* --device cpu|cuda; *on_gpu is 1 for cuda. */
cli_parse_result cli_parse_device(const char *cmd, const char *text, int *on_gpu);
/* --device cuda: 0 when a CUDA device can be used; else prints why (no
 * device, or a build without CUDA) and returns CLI_EXIT_FAILURE. */
int cli_cuda_check(const char *cmd);
/* --size WxH: each side in [min, CLI_SIZE_MAX] pixels. */
#define CLI_SIZE_MAX 16384
cli_parse_result
cli_parse_wh(const char *cmd, const char *text, size_t min_w, size_t min_h, size_t *w, size_t *h);
/* --width: a figure width in [min, CLI_SIZE_MAX] pixels. */
cli_parse_result cli_parse_width(const char *cmd, const char *text, size_t min, size_t *out);
/* --dpi: a number in [10, 2400]. */
cli_parse_result cli_parse_dpi(const char *cmd, const char *text, double *out);
/* --label-type: id (or labelid) or trainid. */
cli_parse_result cli_parse_label_type(const char *cmd, const char *text, lmpviz_label_type *out);
/* --layout: auto, chw or hwc. */
cli_parse_result cli_parse_layout(const char *cmd, const char *text, lmpviz_layout *out);
/* --cmap: a colour map name. */
cli_parse_result cli_parse_cmap(const char *cmd, const char *text, lmpviz_cmap *out);
/* --vmax: a number > 0. */
cli_parse_result cli_parse_vmax(const char *cmd, const char *text, double *out);

/* Comma-separated list parsed with one of the parsers above; *out is
 * malloc'ed (caller frees), at most max_count items.  On CLI_PARSE_USAGE,
 * and when memory runs out (also CLI_PARSE_USAGE, after "out of memory"),
 * *out is NULL. */
cli_parse_result
cli_parse_list(const char *cmd,
               const char *opt,
               const char *text,
               cli_parse_result (*parse_one)(const char *, const char *, const char *, double *),
               double **out,
               size_t *count,
               size_t max_count);

/* ------------------------------------------------------------------------
 * Output files (cli/outputs.c).
 */
/* -o: a file name whose extension names a figure format (.png, .svg, .pdf),
 * or an existing device or FIFO (written in place, as PNG). */
cli_parse_result cli_check_output(const char *cmd, const char *path);
/* One file a command reads or writes, named by its option. */
typedef struct cli_file {
    const char *opt;  /* "--probs", "-o" */
    const char *path; /* NULL when the option was not given */
} cli_file;
/* Before any work: an output that is the same file as an input or as
 * another output (the same device and inode, or the same path once links,
 * "." and ".." are resolved) is a usage error, printed, and the result is
 * CLI_EXIT_USAGE; else 0.  Character devices (/dev/null, a terminal) are
 * streams and never count as the same file. */
int cli_check_files(
    const char *cmd, const cli_file *in, size_t n_in, const cli_file *out, size_t n_out);
/* An output option's value: a file name ending in ext (".npy"), or an
 * existing device or FIFO, which is written in place.  CLI_PARSE_OK, or
 * CLI_PARSE_USAGE after a usage error naming opt. */
cli_parse_result
cli_check_output_ext(const char *cmd, const char *opt, const char *path, const char *ext);
/* After reading a .npy: a warning on stderr when float64 values below
 * FLT_MIN lost precision or became 0 as float32 (nothing otherwise). */
void cli_warn_tiny(const char *cmd, const char *path, const lmpviz_array *a);
/* Removes an output written before a later one failed, when it is a
 * regular file: a device or FIFO written in place is never removed. */
void cli_remove_output(const char *path);
/* Writes the table path through a temporary that replaces it when whole
 * (lmpviz_afile): write(ctx, fp) fills it.  On failure ("write failed"
 * when write fails) nothing is left behind. */
lmpviz_status cli_write_table(const char *path,
                              lmpviz_status (*write)(const void *ctx, FILE *fp),
                              const void *ctx,
                              lmpviz_err *err);
/* After an output path was written with status st: 0 with path added to
 * written[*n_written], or CLI_EXIT_FAILURE after printing "PATH: MSG" (the
 * message in err). */
int cli_output_written(const char *cmd,
                       const char *path,
                       lmpviz_status st,
                       const lmpviz_err *err,
                       const char **written,
                       size_t *n_written);
/* Removes the first n of paths (cli_remove_output): the outputs a command
 * wrote before a later step failed. */
void cli_remove_outputs(const char *const *paths, size_t n);
/* 1 when s ends in suffix. */
int cli_ends_with(const char *s, const char *suffix);

/* s as a JSON string: quote, backslash and control characters escaped,
 * each byte that is not part of valid UTF-8 written as U+FFFD. */
void cli_json_string(FILE *fp, const char *s);
/* A double as JSON: %.17g, "inf" (a string) for infinity, null for NaN. */
const char *cli_json_number(double v, char *buf, size_t len);

/* Seconds from a monotonic clock. */
double cli_now(void);

#endif /* LMPVIZ_CLI_ARGS_H */
