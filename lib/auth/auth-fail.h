/*
 * auth-fail.h - what a daemon does after a failed authentication, whatever the
 * protocol: a pause that doubles with every failure of the connection (slowing a
 * password guesser down without locking the account), and the lockout that ends
 * the connection after too many failures.  The parameters come from the daemon's
 * config section (imapd: [imap] auth_fail_delay_ms, max_auth_failures).
 */
#ifndef CAIRN_AUTH_FAIL_H
#define CAIRN_AUTH_FAIL_H

/* The pause never grows beyond this, however many failures. */
#define AUTH_FAIL_MAX_DELAY_MS 15000

struct auth_fail_policy {
	unsigned delay_ms; /* pause after the first failure (0: none) */
	unsigned max_failures; /* end the connection after this many (>= 1) */
};

/*
 * The pause after the n-th failure of a connection (n >= 1): delay_ms << (n - 1),
 * the shift capped at 4, the result at AUTH_FAIL_MAX_DELAY_MS.
 */
unsigned auth_fail_delay_ms(const struct auth_fail_policy *policy, unsigned n);

/*
 * Sleep the pause after the n-th failure (restarted on EINTR).  Returns 1 when n
 * reached max_failures (the caller says goodbye and ends the connection), else 0.
 */
int auth_fail_wait(const struct auth_fail_policy *policy, unsigned n);

#endif
