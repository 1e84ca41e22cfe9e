/*
 * main.c - cairn-bench: placeholder until its issue lands.  It does not pretend to work:
 * it prints usage and exits non-zero.
 */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "cairn-bench: not implemented yet (benchmarks, issues 4 and 5)\n");
	return 2;
}
