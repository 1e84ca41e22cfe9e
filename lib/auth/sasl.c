/*
 * sasl.c - the SASL mechanism table and the exchange around a mechanism (sasl.h):
 * sasl_mech_at/find/name/flags/usable, sasl_server_new/free/step/finish/user.
 * The mechanisms themselves are sasl-plain.c and sasl-scram.c.
 */
#include "auth/sasl.h"

#include "auth/passdb.h"
#include "auth/sasl-private.h"

#include "base/arena.h"

#include <string.h>
#include <strings.h>

/* Announcement order: PLAIN first, as clients expect in AUTH= lists. */
static const struct sasl_mech *const sasl_mechs[] = {
        &sasl_mech_plain,
        &sasl_mech_scram_sha256,
};

const struct sasl_mech *sasl_mech_at(size_t i)
{
	return i < sizeof(sasl_mechs) / sizeof(sasl_mechs[0]) ? sasl_mechs[i] : NULL;
}

const struct sasl_mech *sasl_mech_find(const char *name)
{
	const struct sasl_mech *m;
	for (size_t i = 0; (m = sasl_mech_at(i)) != NULL; i++)
		if (strcasecmp(m->name, name) == 0)
			return m;
	return NULL;
}

const char *sasl_mech_name(const struct sasl_mech *mech)
{
	return mech->name;
}

unsigned sasl_mech_flags(const struct sasl_mech *mech)
{
	return mech->flags;
}

bool sasl_mech_usable(const struct sasl_mech *mech, const struct passdb *pdb)
{
	return (mech->flags & SASL_MECH_SCRAM_RECORDS) == 0 || passdb_has_scram(pdb);
}

bool sasl_authzid_ok(const char *authzid, const char *authcid)
{
	/* No proxy authorization (master users) in cairn. */
	return authzid == NULL || authzid[0] == '\0' ||
	       (authcid != NULL && strcmp(authzid, authcid) == 0);
}

struct sasl_server *sasl_server_new(const struct sasl_mech *mech, struct passdb *pdb,
                                    struct arena *arena)
{
	struct sasl_server *s = arena_zalloc(arena, sizeof(*s));
	s->mech = mech;
	s->pdb = pdb;
	s->arena = arena;
	s->status = SASL_CONTINUE;
	s->result.authzid = "";
	if (mech->init != NULL)
		mech->init(s);
	return s;
}

void sasl_server_free(struct sasl_server **sp)
{
	struct sasl_server *s = *sp;
	if (s == NULL)
		return;
	if (s->mech->deinit != NULL)
		s->mech->deinit(s);
	s->mech_ctx = NULL;
	*sp = NULL; /* the struct itself goes with its arena */
}

int sasl_server_step(struct sasl_server *s, const void *in, size_t in_len, struct buf *out,
                     const char **error_r)
{
	if (s->status != SASL_CONTINUE) {
		*error_r = "SASL: exchange already finished";
		return SASL_FAIL;
	}
	s->status = s->mech->step(s, in != NULL ? in : "", in_len, out, error_r);
	return s->status;
}

int sasl_server_finish(struct sasl_server *s, const struct sasl_result **result_r,
                       const char **error_r)
{
	if (s->status != SASL_SUCCESS) {
		*error_r = "SASL: not authenticated";
		return -1;
	}
	if (!sasl_authzid_ok(s->result.authzid, s->result.authcid)) {
		*error_r = "authzid differs from authcid";
		return -1;
	}
	*result_r = &s->result;
	return 0;
}

const char *sasl_server_user(const struct sasl_server *s)
{
	return s->result.authcid;
}
