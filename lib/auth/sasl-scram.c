/*
 * sasl-scram.c - the SCRAM-SHA-256 mechanism (RFC 7677) for sasl.h: the exchange of
 * scram-server.c with the record looked up through the passdb (an unknown user gets
 * the passdb's fake record and fails at the proof like a wrong password).  Exports
 * sasl_mech_scram_sha256.
 */
#include "auth/passdb.h"
#include "auth/sasl-private.h"
#include "auth/scram.h"

#include "base/arena.h"

/* scram_server lookup callback: the record of username through the passdb. */
static int sasl_scram_lookup(void *ctx, const char *username, struct scram_record *rec_r,
                             const char **error_r)
{
	struct sasl_server *s = ctx;
	struct passdb_entry entry;
	int r = passdb_lookup_scram(s->pdb, username, s->arena, &entry, rec_r, error_r);
	s->result.login = entry.login;
	s->result.account_id = entry.account_id;
	return r;
}

static void sasl_scram_init(struct sasl_server *s)
{
	const struct passdb_settings *pset = passdb_settings(s->pdb);
	struct scram_server_settings set = {
	        .lookup = sasl_scram_lookup,
	        .lookup_ctx = s,
	        .fake_secret = pset->fake_secret,
	        .fake_secret_len = pset->fake_secret_len,
	        .fake_iterations = pset->fake_iterations,
	};
	s->mech_ctx = scram_server_new(&set);
}

static void sasl_scram_deinit(struct sasl_server *s)
{
	struct scram_server *scram = s->mech_ctx;
	scram_server_free(&scram);
}

static int sasl_scram_step(struct sasl_server *s, const void *in, size_t in_len, struct buf *out,
                           const char **error_r)
{
	struct scram_server *scram = s->mech_ctx;
	switch (scram_server_step(scram, in, in_len, out, error_r)) {
	case SCRAM_CONTINUE:
		return SASL_CONTINUE;
	case SCRAM_SUCCESS:
		/* Copied: the strings outlive the scram_server (freed by deinit). */
		s->result.authcid = arena_strdup(s->arena, scram_server_username(scram));
		s->result.authzid = arena_strdup(s->arena, scram_server_authzid(scram));
		return SASL_SUCCESS; /* out: server-final, the success data */
	case SCRAM_TEMPFAIL:
		return SASL_TEMPFAIL;
	default:
		return SASL_FAIL;
	}
}

const struct sasl_mech sasl_mech_scram_sha256 = {
        .name = "SCRAM-SHA-256",
        .flags = SASL_MECH_SCRAM_RECORDS,
        .init = sasl_scram_init,
        .step = sasl_scram_step,
        .deinit = sasl_scram_deinit,
};
