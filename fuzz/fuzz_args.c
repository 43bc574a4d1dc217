/*
 * libFuzzer target: the option parsers of cli/args.c, as `--p 1,1.5,inf`,
 * `--m 0.1`, `--m-pixels 500`, `--n 2048` reach them.  The first byte picks
 * the parser and whether the text goes through cli_parse_list; the rest is
 * the option's text (up to the first NUL, as argv delivers it).  Accepted
 * values must satisfy the parser's contract.  The parsers print usage
 * errors to stderr: run with -close_fd_mask=2 (libFuzzer keeps its own
 * output and the sanitizer reports on a copy of stderr).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef cli_parse_result (*parse_fn)(const char *, const char *, const char *, double *);

static void
check_value(int which, double v)
{
    switch (which) {
    case 0: /* p */
        if (!(v >= 1.0))
            abort();
        break;
    case 1: /* m */
        if (!(v > 0.0 && v <= 1.0))
            abort();
        break;
    case 2: /* m_pixels */
        if (!(v >= 1.0) || !isfinite(v))
            abort();
        break;
    default: /* double */
        if (!isfinite(v))
            abort();
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const parse_fn fns[4] = { cli_parse_p, cli_parse_m, cli_parse_m_pixels,
                                     cli_parse_double };
    char *text;
    int sel;
    int which;
    double v = 0.0;

    if (size < 1)
        return 0;
    sel = data[0];
    which = sel & 7;
    text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (which == 4) {
        size_t n = 0;
        if (cli_parse_size("fuzz", "--n", text, &n) == CLI_PARSE_OK && n == 0)
            abort();
    } else if (which < 4 && (sel & 8) == 0) {
        if (fns[which]("fuzz", "--x", text, &v) == CLI_PARSE_OK)
            check_value(which, v);
    } else if (which < 4) {
        double *vals = NULL;
        size_t count = 0;
        size_t max = 1 + (size_t)(sel >> 4);
        size_t i;
        if (cli_parse_list("fuzz", "--x", text, fns[which], &vals, &count, max) == CLI_PARSE_OK) {
            if (count == 0 || count > max || vals == NULL)
                abort();
            for (i = 0; i < count; i++)
                check_value(which, vals[i]);
            free(vals);
        } else if (vals != NULL || count != 0) {
            abort();
        }
    }
    free(text);
    return 0;
}
