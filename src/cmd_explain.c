/* placeholder replaced by the catalog work in progress */
#include "cli.h"
int cmd_explain(int argc, char **argv) { (void)argc; (void)argv; return FL_EXIT_USAGE; }
