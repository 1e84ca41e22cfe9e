/*
 * plain.c - SASL PLAIN message parser (see plain.h).  Exports plain_parse and
 * plain_creds_clear.
 */
#include "plain.h"

#include "saslprep.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

/* Copy field [p, p + len) into dst (PLAIN_MAX_FIELD + 1 bytes). */
static int plain_field(const char *p, size_t len, int may_be_empty, char *dst, const char *what,
                       const char **error_r)
{
	static char errbuf[64];
	const char *why = NULL;
	if (len == 0 && !may_be_empty)
		why = "empty";
	else if (len > PLAIN_MAX_FIELD)
		why = "too long";
	else if (!saslprep_utf8_valid(p, len))
		why = "not UTF-8";
	if (why != NULL) {
		snprintf(errbuf, sizeof(errbuf), "PLAIN: %s %s", what, why);
		*error_r = errbuf;
		return -1;
	}
	memcpy(dst, p, len);
	dst[len] = '\0';
	return 0;
}

int plain_parse(const void *msg, size_t len, struct plain_creds *creds_r, const char **error_r)
{
	const char *m = msg, *end = m + len;
	memset(creds_r, 0, sizeof(*creds_r));
	const char *nul1 = len > 0 ? memchr(m, '\0', len) : NULL;
	const char *nul2 = nul1 != NULL ? memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1)) : NULL;
	if (nul2 == NULL) {
		*error_r = "PLAIN: want authzid NUL authcid NUL password";
		return -1;
	}
	if (memchr(nul2 + 1, '\0', (size_t)(end - nul2 - 1)) != NULL) {
		*error_r = "PLAIN: NUL inside the password";
		return -1;
	}
	if (plain_field(m, (size_t)(nul1 - m), 1, creds_r->authzid, "authzid", error_r) < 0 ||
	    plain_field(nul1 + 1, (size_t)(nul2 - nul1 - 1), 0, creds_r->authcid, "authcid",
	                error_r) < 0 ||
	    plain_field(nul2 + 1, (size_t)(end - nul2 - 1), 0, creds_r->passwd, "password",
	                error_r) < 0) {
		plain_creds_clear(creds_r);
		return -1;
	}
	return 0;
}

void plain_creds_clear(struct plain_creds *creds)
{
	OPENSSL_cleanse(creds, sizeof(*creds));
}
