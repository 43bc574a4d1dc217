/* lmpviz explore: writes the interactive explorer page (docs/explore.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "explore_page.h"
#include "lmpviz.h"

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

int
cmd_explore(int argc, char **argv)
{
    static const struct option opts[] = {
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir = NULL;
    size_t i;
    int c;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            dir = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        case ':':
            return cli_usage_error(CMD, "%s: expected a value", argv[optind - 1]);
        default:
            return cli_usage_error(CMD, "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(CMD, "unexpected argument \"%s\"", argv[optind]);
    if (dir == NULL || dir[0] == '\0')
        return cli_usage_error(CMD, "-o: expected the folder to write the page into");
    if (cli_mkdir_p(dir) != 0) {
        cli_error(CMD, "%s: cannot make the folder: %s", dir, strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    for (i = 0; i < cli_explore_files_count; i++) {
        if (write_file(dir, &cli_explore_files[i]) != 0)
            return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}
