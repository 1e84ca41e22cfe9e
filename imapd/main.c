/*
 * main.c - cairn-imapd: placeholder until its issue lands.  It does not pretend to work:
 * it prints usage and exits non-zero.
 */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "cairn-imapd: not implemented yet (IMAP service, issue 5)\n");
	return 2;
}
