#include "cli_commands.h"

int
main(int argc, char **argv)
{
    return lmpviz_cli_main(argc, argv);
}
