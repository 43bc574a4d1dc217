/* lmpviz notebook --all: the lecture figures, DIR/slides/NAME.svg and
 * NAME.pdf, written by cairo from the figures of the notebooks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cmd_notebook_extra.h"

#define CMD "notebook"

int
cli_notebook_slides(const char *dir,
                    const char *const *names,
                    lmpviz_figure *const *figs,
                    size_t n,
                    char ***written,
                    size_t *n_written)
{
    static const char *const exts[2] = { "svg", "pdf" };
    char **paths;
    size_t len = strlen(dir) + 16, i, e;
    struct stat sb;
    lmpviz_err err;

    *written = NULL;
    *n_written = 0;
    paths = calloc(2 * n + 1, sizeof *paths);
    if (paths == NULL) {
        cli_error(CMD, "out of memory");
        return CLI_EXIT_FAILURE;
    }
    *written = paths;
    {
        char *sub = malloc(len);
        int bad;
        if (sub == NULL) {
            cli_error(CMD, "out of memory");
            return CLI_EXIT_FAILURE;
        }
        snprintf(sub, len, "%s/slides", dir);
        bad = stat(sub, &sb) == 0 ? !S_ISDIR(sb.st_mode) : mkdir(sub, 0777) != 0;
        if (bad)
            cli_error(CMD, "%s: cannot create the folder of the lecture figures: %s", sub,
                      errno ? strerror(errno) : "a file of that name exists");
        free(sub);
        if (bad)
            return CLI_EXIT_FAILURE;
    }
    for (i = 0; i < n; i++) {
        if (figs[i] == NULL)
            continue;
        for (e = 0; e < 2; e++) {
            size_t plen = len + strlen(names[i]) + 8;
            char *path = malloc(plen);
            if (path == NULL) {
                cli_error(CMD, "out of memory");
                return CLI_EXIT_FAILURE;
            }
            snprintf(path, plen, "%s/slides/%s.%s", dir, names[i], exts[e]);
            memset(&err, 0, sizeof err);
            if (lmpviz_figure_save(figs[i], path, &err) != LMPVIZ_OK) {
                cli_error(CMD, "%s: %s", path, err.msg);
                free(path);
                return CLI_EXIT_FAILURE;
            }
            paths[(*n_written)++] = path;
        }
    }
    return 0;
}
