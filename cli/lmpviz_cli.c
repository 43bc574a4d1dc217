#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "cli_commands.h"
#include "lmp.h"
#include "sweep_cli.h"

struct command {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
};

static const struct command commands[] = {
    { "solve", cmd_solve, "LMP weights and loss for a .npy of losses (or the default profile)" },
    { "curve", cmd_curve, "plot the optimal weight profile over sorted pixels" },
    { "region", cmd_region, "draw the feasible set W for two pixels (the paper's Figure 1)" },
    { "heatmap", cmd_heatmap,
      "LMP weights over a segmentation output on a frame, or a whole split" },
    { "compare", cmd_compare,
      "LMP beside OHEM, top-k, focal and class balancing: profiles, frames" },
    { "sweep", cmd_sweep, "statistics of the LMP weights over a grid of p and m, as heat tables" },
    { "match", cmd_match, "the (p, m) closest to OHEM, top-k, focal or class balancing" },
    { "notebook", cmd_notebook, "teaching notebooks (Jupyter) that reproduce the figures" },
    { "explore", cmd_explore, "write the interactive explorer page (the solver in WebAssembly)" },
    { "bench", cmd_bench, "time the solver against a sort-based solver and the memory floor" },
};

static void
print_help(FILE *out)
{
    size_t i;
    fprintf(out,
            "Usage: lmpviz <command> [options]\n"
            "\n"
            "Loss Max-Pooling (Rota Bulo et al., CVPR 2017): exact pixel weights and figures.\n"
            "\n"
            "Commands:\n");
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "Options:\n"
                 "  -h, --help     show this help\n"
                 "  -V, --version  show the version\n"
                 "\n"
                 "Run 'lmpviz <command> --help' for the options of a command.\n");
}

int
lmpviz_cli_main(int argc, char **argv)
{
    size_t i;

    /* Library code checks every GSL status itself; never let GSL abort. */
    gsl_set_error_handler_off();

    if (argc < 2) {
        print_help(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("lmpviz %s\n", lmp_version());
        return CLI_EXIT_OK;
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "lmpviz: unknown command \"%s\"\ntry 'lmpviz --help'\n", argv[1]);
    return CLI_EXIT_USAGE;
}
