/*
 * main.c - cairn-master: placeholder until its issue lands.  It does not pretend to work:
 * it prints usage and exits non-zero.
 */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "cairn-master: not implemented yet (service supervision, issue 3)\n");
	return 2;
}
