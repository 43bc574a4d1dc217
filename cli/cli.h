/*
 * cli.h - internals of the lmpviz program, built as a static library so the
 * tests can call the parsers and commands directly.
 *
 * Every command is `int cmd_NAME(int argc, char **argv)` with argv[0] the
 * command name; it returns the process exit status: 0 success, 1 runtime
 * failure, 2 usage error.
 */
#ifndef LMPVIZ_CLI_H
#define LMPVIZ_CLI_H

#include <stddef.h>

#define CLI_EXIT_OK      0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE   2

/* Entry point of the program: dispatches on argv[1]. */
int lmpviz_cli_main(int argc, char **argv);

int cmd_solve(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_curve(int argc, char **argv);
int cmd_region(int argc, char **argv);
int cmd_heatmap(int argc, char **argv);

/* Messages to stderr, prefixed "lmpviz CMD: ". */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, then "try 'lmpviz CMD --help'"; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Option parsing.  Each returns 0 on success; on failure it prints a usage
 * error naming the option and the expected value, and returns -1. */
int cli_parse_double(const char *cmd, const char *opt, const char *text, double *out);
int cli_parse_size(const char *cmd, const char *opt, const char *text, size_t *out);
/* p in [1, inf]; accepts "inf", "infinity". */
int cli_parse_p(const char *cmd, const char *opt, const char *text, double *out);
/* m as a fraction in (0, 1]. */
int cli_parse_m(const char *cmd, const char *opt, const char *text, double *out);
/* m as a pixel count >= 1. */
int cli_parse_m_pixels(const char *cmd, const char *opt, const char *text, double *out);
/* Comma-separated list parsed with one of the parsers above; *out is
 * malloc'ed (caller frees), at most max_count items. */
int cli_parse_list(const char *cmd,
                   const char *opt,
                   const char *text,
                   int (*parse_one)(const char *, const char *, const char *, double *),
                   double **out,
                   size_t *count,
                   size_t max_count);

/* A double as JSON: %.17g, "inf" (a string) for infinity, null for NaN. */
const char *cli_json_number(double v, char *buf, size_t len);

/* Seconds from a monotonic clock. */
double cli_now(void);

#endif /* LMPVIZ_CLI_H */
