/*
 * sasl-plain.c - the PLAIN mechanism (RFC 4616) for sasl.h: one client message
 * "authzid NUL authcid NUL passwd", checked with passdb_verify_plain (so an unknown
 * user costs the same as a wrong password).  Exports sasl_mech_plain.
 */
#include "auth/passdb.h"
#include "auth/plain.h"
#include "auth/sasl-private.h"

#include "base/arena.h"

static int sasl_plain_step(struct sasl_server *s, const void *in, size_t in_len, struct buf *out,
                           const char **error_r)
{
	struct plain_creds creds;
	struct passdb_entry entry;
	(void)out; /* PLAIN has no challenge and no success data */
	if (plain_parse(in, in_len, &creds, error_r) < 0) {
		plain_creds_clear(&creds);
		return SASL_FAIL;
	}
	s->result.authcid = arena_strdup(s->arena, creds.authcid);
	s->result.authzid = arena_strdup(s->arena, creds.authzid);
	if (!sasl_authzid_ok(creds.authzid, creds.authcid)) {
		/* Refused before any password check, as no authzid can ever be allowed. */
		plain_creds_clear(&creds);
		*error_r = "authzid differs from authcid";
		return SASL_FAIL;
	}
	int r = passdb_verify_plain(s->pdb, creds.authcid, creds.passwd, s->arena, &entry, error_r);
	plain_creds_clear(&creds);
	if (r < 0)
		return SASL_TEMPFAIL;
	if (r == 0) {
		*error_r = "unknown user or wrong password";
		return SASL_FAIL;
	}
	s->result.login = entry.login;
	s->result.account_id = entry.account_id;
	return SASL_SUCCESS;
}

const struct sasl_mech sasl_mech_plain = {
        .name = "PLAIN",
        .flags = SASL_MECH_PLAINTEXT,
        .step = sasl_plain_step,
};
