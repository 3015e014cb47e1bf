/*
 * cli.h - the commands of the cartera program.
 *
 * cli_main parses global options, finds the command and runs it.  Each
 * command parses its own options, calls the store and the other modules
 * and prints with output.c; it holds no business rules of its own.
 * Exit codes: 0 ok, 1 error, 2 usage.
 */
#ifndef CARTERA_CLI_H
#define CARTERA_CLI_H

#define EXIT_USAGE	2

int	 cli_main(int argc, char **argv);

#endif
