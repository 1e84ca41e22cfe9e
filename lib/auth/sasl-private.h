/*
 * sasl-private.h - what sasl.c shares with the mechanism files (sasl-plain.c,
 * sasl-scram.c): the mechanism vtable and the exchange state.
 */
#ifndef CAIRN_SASL_PRIVATE_H
#define CAIRN_SASL_PRIVATE_H

#include "auth/sasl.h"

struct sasl_mech {
	const char *name;
	unsigned flags; /* SASL_MECH_* */
	/* Set up s->mech_ctx (may leave it NULL). */
	void (*init)(struct sasl_server *s);
	/* One step: as sasl_server_step(); fills s->result on the way. */
	int (*step)(struct sasl_server *s, const void *in, size_t in_len, struct buf *out,
	            const char **error_r);
	/* Free s->mech_ctx (may be NULL). */
	void (*deinit)(struct sasl_server *s);
};

struct sasl_server {
	const struct sasl_mech *mech;
	struct passdb *pdb;
	struct arena *arena;
	void *mech_ctx;
	int status; /* last enum sasl_status */
	struct sasl_result result;
};

extern const struct sasl_mech sasl_mech_plain;
extern const struct sasl_mech sasl_mech_scram_sha256;

/* The authorization rule: no authzid, or the same as the authcid. */
bool sasl_authzid_ok(const char *authzid, const char *authcid);

#endif
