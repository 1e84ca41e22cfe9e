/*
 * main.c - cairn-lmtpd: placeholder until its issue lands.  It does not pretend to work:
 * it prints usage and exits non-zero.
 */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "cairn-lmtpd: not implemented yet (LMTP delivery, issue 4)\n");
	return 2;
}
