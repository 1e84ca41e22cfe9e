/*
 * auth-fail.c - failure delays and lockout after failed authentications
 * (auth_fail_delay_ms, auth_fail_wait: see auth-fail.h).
 */
#include "auth/auth-fail.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>

unsigned auth_fail_delay_ms(const struct auth_fail_policy *policy, unsigned n)
{
	unsigned shift = n > 5 ? 4 : (n > 0 ? n - 1 : 0);
	uint64_t delay = (uint64_t)policy->delay_ms << shift;
	return delay > AUTH_FAIL_MAX_DELAY_MS ? AUTH_FAIL_MAX_DELAY_MS : (unsigned)delay;
}

int auth_fail_wait(const struct auth_fail_policy *policy, unsigned n)
{
	unsigned ms = auth_fail_delay_ms(policy, n);
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return n >= policy->max_failures ? 1 : 0;
}
