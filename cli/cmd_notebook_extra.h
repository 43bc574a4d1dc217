/* cmd_notebook_extra.h - the parts of `lmpviz notebook` in files of their
 * own: the compare notebook and the lecture figures. */
#ifndef LMPVIZ_CMD_NOTEBOOK_EXTRA_H
#define LMPVIZ_CMD_NOTEBOOK_EXTRA_H

#include "cli_args.h"
#include "cli_split.h"
#include "lmpviz.h"
#include "notebook.h"

/* The schemes of the compare notebook unless --schemes is given: LMP at
 * p = 1.5 and at its top-k limit p = 1, OHEM with a min_kept for one frame,
 * focal and the mean. */
#define CLI_NB_COMPARE_SCHEMES                                                                     \
    "lmp:p=1.5,m=0.1;lmp:p=1,m=0.1;ohem:thresh=0.7,min_kept=10000;focal:gamma=2;uniform"

/* The compare notebook's options: those of `lmpviz compare` for profiles. */
typedef struct cli_nb_compare_args {
    const char *schemes_text;
    lmpviz_scheme_spec spec[LMPVIZ_COMPARE_MAX_SCHEMES];
    size_t n_spec;
    const char *losses;
    int ignore_zeros;
    lmpviz_heatmap_input in;
    int n_pred;
    lmpviz_overlay_opts overlay; /* what the shared frame options store */
    cli_split_opts sp;
    int logy;
    const char *title;
    size_t width, height;
} cli_nb_compare_args;

/* Parses argv[0..argc) (argv[0] the command name) into a (zeroed first)
 * as cli_NAME_parse does; nothing to free. */
cli_parse_result
cli_nb_compare_parse(const char *cmd, int argc, char **argv, cli_nb_compare_args *a);

/* Parses the compare options of argv[0..argc) (argv[0] the command name)
 * and builds the notebook into *out; command is the lmpviz command line for
 * its text.  With fig_out not NULL the profile figure is handed over (the
 * caller destroys it).  0, or the exit status after printing the error
 * (CLI_EXIT_OK with *out NULL after --help). */
int cli_notebook_compare(
    char **argv, int argc, const char *command, lmpnb_notebook **out, lmpviz_figure **fig_out);

/* Writes DIR/slides/NAME.svg and NAME.pdf for each of the n figures
 * (figs[i] may be NULL: skipped), creating the folder.  Prints nothing;
 * 0, or CLI_EXIT_FAILURE after reporting the failure.  written receives
 * the paths written (malloc'ed, caller frees each and the array), *n_written
 * their count, so that a caller can remove them on a later failure. */
int cli_notebook_slides(const char *dir,
                        const char *const *names,
                        lmpviz_figure *const *figs,
                        size_t n,
                        char ***written,
                        size_t *n_written);

#endif /* LMPVIZ_CMD_NOTEBOOK_EXTRA_H */
