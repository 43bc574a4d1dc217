/*
 * cli.h - internals of the lmpviz program, built as a static library so the
 * tests can call the parsers and commands directly.  An umbrella over one
 * header per concern:
 *
 *   cli_args.h      exit statuses, messages, option value parsers, output checks
 *   cli_split.h     the frames of a Cityscapes split and the pool that runs them
 *   cli_commands.h  the commands and their parse functions
 */
#ifndef LMPVIZ_CLI_H
#define LMPVIZ_CLI_H

#include "cli_args.h"
#include "cli_commands.h"
#include "cli_split.h"

#endif /* LMPVIZ_CLI_H */
