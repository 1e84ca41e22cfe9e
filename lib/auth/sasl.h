/*
 * sasl.h - the server side of SASL (RFC 4422) for every daemon: the mechanism table
 * (PLAIN, SCRAM-SHA-256) and one exchange driven by sasl_server_step().
 *
 * The mechanisms know nothing of the protocol.  The protocol layer decodes each
 * client response (IMAP, POP3, ManageSieve: base64), feeds the bytes to
 * sasl_server_step() and frames what comes back:
 *
 *   SASL_CONTINUE  send *out as a challenge, feed the client's answer to the next step;
 *   SASL_SUCCESS   authenticated; *out is the "additional data with success" (SCRAM's
 *                  server-final, empty for PLAIN) that the protocol must still deliver
 *                  (IMAP, POP3: as a last challenge answered by an empty response;
 *                  ManageSieve: in the OK).  Then sasl_server_finish() authorizes
 *                  (no proxy authorization: an authzid must equal the authcid) and
 *                  gives the account;
 *   SASL_FAIL      refuse (one reply for every reason; *error_r is for the log only);
 *   SASL_TEMPFAIL  the passdb failed: "try again later".
 *
 * Mechanisms that need the client to start (both of ours) get an empty challenge
 * from the protocol first when there was no initial response.
 */
#ifndef CAIRN_SASL_H
#define CAIRN_SASL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;
struct passdb;
struct sasl_mech;
struct sasl_server;

enum sasl_status {
	SASL_CONTINUE = 1,
	SASL_SUCCESS = 0,
	SASL_FAIL = -1,
	SASL_TEMPFAIL = -2,
};

/* The client sends the password itself: offer only where plaintext auth is allowed. */
#define SASL_MECH_PLAINTEXT (1u << 0)
/* Needs SCRAM records in the passdb (passdb_has_scram). */
#define SASL_MECH_SCRAM_RECORDS (1u << 1)

/* The i-th mechanism of the table (announcement order), NULL past the end. */
const struct sasl_mech *sasl_mech_at(size_t i);
/* The mechanism called name (case-insensitive), NULL if there is none. */
const struct sasl_mech *sasl_mech_find(const char *name);
const char *sasl_mech_name(const struct sasl_mech *mech);
unsigned sasl_mech_flags(const struct sasl_mech *mech);
/* True when pdb can serve mech (a passdb without SCRAM records offers no SCRAM). */
bool sasl_mech_usable(const struct sasl_mech *mech, const struct passdb *pdb);

/* Who authenticated (strings from the exchange's arena). */
struct sasl_result {
	const char *authcid; /* the user name as sent (NULL until the mechanism has one) */
	const char *authzid; /* "" when the client sent none */
	const char *login; /* normalised login (after SASL_SUCCESS) */
	int64_t account_id;
};

/*
 * A new exchange of mech against pdb (borrowed).  Strings of the result come from
 * arena, which must outlive the exchange (a command arena).
 */
struct sasl_server *sasl_server_new(const struct sasl_mech *mech, struct passdb *pdb,
                                    struct arena *arena);
/* End it (wiping key material); *s = NULL.  Safe with NULL. */
void sasl_server_free(struct sasl_server **s);

/*
 * Feed one decoded client response (in may be NULL when in_len is 0); the next server
 * message is appended to out (not encoded).  Returns an enum sasl_status; after
 * anything but SASL_CONTINUE every further step fails.
 */
int sasl_server_step(struct sasl_server *s, const void *in, size_t in_len, struct buf *out,
                     const char **error_r);

/*
 * After SASL_SUCCESS, once the success data is delivered: authorize.  0 with
 * *result_r, or -1 with *error_r ("authzid differs from authcid"; a failure like any
 * other for the client).
 */
int sasl_server_finish(struct sasl_server *s, const struct sasl_result **result_r,
                       const char **error_r);

/* The user name for log lines so far (NULL when the mechanism has none yet). */
const char *sasl_server_user(const struct sasl_server *s);

#endif
