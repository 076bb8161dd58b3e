/*
 * `weir discover`: reads the database catalog through the source plugin and
 * prints a complete, commented spec with one job per table on stdout.
 */
#ifndef WEIR_CLI_DISCOVER_H
#define WEIR_CLI_DISCOVER_H

/* argv[0] is "discover". Returns the process exit code (sysexits). */
int weir_discover_main(int argc, char **argv);

#endif
