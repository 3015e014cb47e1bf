/*
 * cartera.c - main of the command-line tool; everything is in cli.c.
 */
#include "build.h"

#include "cli.h"

int
main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
