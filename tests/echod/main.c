/*
 * main.c - cairn-echod: placeholder until its issue lands.  It does not pretend to work:
 * it prints usage and exits non-zero.
 */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "cairn-echod: not implemented yet (test echo service, issue 3)\n");
	return 2;
}
