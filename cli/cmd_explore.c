/* lmpviz explore: writes the interactive explorer page (docs/explore.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "explore_page.h"
#include "lmpviz.h"
#include "lmpviz_private.h"

#define CMD "explore"

static void
usage(FILE *out)
{
    fprintf(out, "Usage: lmpviz explore -o DIR\n"
                 "\n"
                 "Writes the LMP explorer, an interactive page, into DIR (made if needed):\n"
                 "index.html, explore.js, explore.css and lmp.js, which holds liblmp compiled to\n"
                 "WebAssembly (the .wasm is inside it).  Open DIR/index.html in a browser: it\n"
                 "works from disk (file://) or any static web server, with no network.\n"
                 "\n"
                 "The page solves LMP with the same C solver as `lmpviz solve`: sliders for p\n"
                 "and m, the feasible set for two pixels with a draggable loss direction, the\n"
                 "weight profile over sorted pixels, and the weight heatmap of a 2-D .npy loss\n"
                 "map dropped on it (such as `lmpviz heatmap --save-loss` writes).  Scripts and\n"
                 "the browser console reach the solver as lmp.solve(losses, p, m).\n"
                 "\n"
                 "Options:\n"
                 "  -o, --output DIR  the folder to write; files of the same names are replaced\n"
                 "  -h, --help        show this help\n"
                 "\n"
                 "Prints the path of each file written.\n");
}

/* Writes one file (to a temporary, renamed when complete); 0, or -1 after
 * a message. */
static int
write_file(const char *dir, const cli_embedded_file *f)
{
    char path[4096];
    lmpviz_afile af;
    lmpviz_err err;
    int n = snprintf(path, sizeof path, "%s/%s", dir, f->name);

    if (n < 0 || (size_t)n >= sizeof path) {
        cli_error(CMD, "%s: path too long", dir);
        return -1;
    }
    memset(&af, 0, sizeof af);
    memset(&err, 0, sizeof err);
    if (lmpviz_afile_open(&af, path, &err) != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", path, err.msg);
        return -1;
    }
    if (fwrite(f->data, 1, f->size, af.fp) != f->size) {
        snprintf(err.msg, sizeof err.msg, "write failed");
        lmpviz_afile_fail(&af, LMPVIZ_ERR_IO, &err);
        cli_error(CMD, "%s: %s", path, err.msg);
        return -1;
    }
    if (lmpviz_afile_commit(&af, &err) != LMPVIZ_OK) {
        cli_error(CMD, "%s: %s", path, err.msg);
        return -1;
    }
    printf("%s\n", path);
    return 0;
}

static cli_parse_result
parse_opt(const char *cmd, int c, const char *text, void *args)
{
    cli_explore_args *a = args;
    (void)cmd;
    (void)c; /* only -o */
    a->dir = text;
    return CLI_PARSE_OK;
}

static cli_parse_result
check_args(const char *cmd, void *args)
{
    const cli_explore_args *a = args;
    if (a->dir == NULL || a->dir[0] == '\0')
        return cli_parse_error(cmd, "-o: expected the folder to write the page into");
    return CLI_PARSE_OK;
}

cli_parse_result
cli_explore_parse(const char *cmd, int argc, char **argv, cli_explore_args *a)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const cli_options o = {
        ":o:h", longopts, usage, parse_opt, check_args, "unknown option"
    };

    memset(a, 0, sizeof *a);
    return cli_parse_options(cmd, argc, argv, &o, a);
}

int
cmd_explore(int argc, char **argv)
{
    cli_explore_args a;
    cli_parse_result pr = cli_explore_parse(CMD, argc, argv, &a);
    size_t i;

    if (pr != CLI_PARSE_OK)
        return cli_parse_exit(pr);
    if (cli_mkdir_p(a.dir) != 0) {
        cli_error(CMD, "%s: cannot make the folder: %s", a.dir, strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    for (i = 0; i < cli_explore_files_count; i++) {
        if (write_file(a.dir, &cli_explore_files[i]) != 0)
            return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}
