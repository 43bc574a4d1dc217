/* cmd_notebook_extra.h - the parts of `lmpviz notebook` in files of their
 * own: the compare notebook and the lecture figures. */
#ifndef LMPVIZ_CMD_NOTEBOOK_EXTRA_H
#define LMPVIZ_CMD_NOTEBOOK_EXTRA_H

#include "lmpviz.h"
#include "notebook.h"

/* The schemes of the compare notebook unless --schemes is given: LMP at
 * p = 1.5 and at its top-k limit p = 1, OHEM with a min_kept for one frame,
 * focal and the mean. */
#define CLI_NB_COMPARE_SCHEMES                                                                     \
    "lmp:p=1.5,m=0.1;lmp:p=1,m=0.1;ohem:thresh=0.7,min_kept=10000;focal:gamma=2;uniform"

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
