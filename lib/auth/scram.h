/*
 * scram.h - SCRAM-SHA-256 (RFC 5802, RFC 7677) password records and the server side
 * of the SASL exchange.
 *
 * One record (salt, iterations, StoredKey, ServerKey) is all the server keeps of a
 * password.  It serves SCRAM-SHA-256 directly, and PLAIN / LOGIN through
 * scram_verify_plain(), which re-derives StoredKey from the offered password.
 * The text form used in config files and tests is RFC 5803's:
 *
 *   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
 *
 * Passwords and user names go through SASLprep (saslprep.h: ASCII exact, non-ASCII
 * a documented subset).
 */
#ifndef CAIRN_SCRAM_H
#define CAIRN_SCRAM_H

#include <stddef.h>

struct buf;

#define SCRAM_MIN_ITERATIONS 4096 /* RFC 7677 */
#define SCRAM_MAX_ITERATIONS 10000000 /* bounds the CPU a stored record can demand */
#define SCRAM_DEFAULT_ITERATIONS 4096
#define SCRAM_SALT_LEN 16 /* bytes of random salt in new records */

struct scram_record {
	unsigned char salt[32];
	size_t salt_len;
	unsigned iterations;
	unsigned char stored_key[32];
	unsigned char server_key[32];
};

/*
 * Make a record for password with a random 16-byte salt and the given iteration count
 * (>= SCRAM_MIN_ITERATIONS).  Returns 0, or -1 with *error_r (bad iteration count, or
 * a password SASLprep refuses: empty, control characters, invalid UTF-8).
 */
int scram_record_make(const char *password, unsigned iterations, struct scram_record *rec_r,
                      const char **error_r);

/* The same with a given salt (1..32 bytes): imports and test vectors. */
int scram_record_make_salted(const char *password, const unsigned char *salt, size_t salt_len,
                             unsigned iterations, struct scram_record *rec_r, const char **error_r);

/*
 * Check a plaintext password (PLAIN, LOGIN) against rec: 1 match, 0 mismatch (also
 * for a password SASLprep refuses, or a record with an out-of-range iteration count).
 * Costs one PBKDF2 run of rec->iterations; the final comparison is constant-time.
 */
int scram_verify_plain(const struct scram_record *rec, const char *password);

/* Append the RFC 5803 text form of rec to out. */
void scram_record_format(const struct scram_record *rec, struct buf *out);

/* Parse the RFC 5803 text form.  Returns 0, or -1 with *error_r. */
int scram_record_parse(const char *text, struct scram_record *rec_r, const char **error_r);

/*
 * A record for a user who does not exist, so that "unknown user" and "wrong password"
 * look the same from outside: same iteration count, and a salt derived from
 * (secret, username) so repeated attempts see a stable salt, like a real user.  The
 * keys match no password.  secret == NULL uses a random per-process secret; daemons
 * should pass one secret shared by every worker of the cluster (from the config), or
 * a patient attacker can notice the salt of an unknown user change between processes.
 */
void scram_record_fake(const unsigned char *secret, size_t secret_len, const char *username,
                       unsigned iterations, struct scram_record *rec_r);

/* --- Server side of the SASL exchange --- */

struct scram_server;

enum scram_status {
	/* Send *out to the client as a challenge; feed its answer to the next step. */
	SCRAM_CONTINUE = 1,
	/* Authenticated.  *out holds server-final ("v=..."): the protocol must still deliver
	 * it (IMAP: as a last "+ " challenge answered by an empty line, then tagged OK). */
	SCRAM_SUCCESS = 0,
	/* Authentication failed: malformed message, unknown user or wrong proof.  Answer
	 * the client identically in all cases; *error_r says which, for the log only. */
	SCRAM_FAIL = -1,
	/* The lookup callback failed (database down): answer "try again later". */
	SCRAM_TEMPFAIL = -2,
};

struct scram_server_settings {
	/*
	 * Fetch the record of username (after =2C/=3D decoding and SASLprep): return 1 and
	 * fill *rec_r if found, 0 if there is no such user (or it may not log in), -1 on a
	 * temporary failure with *error_r set.
	 */
	int (*lookup)(void *ctx, const char *username, struct scram_record *rec_r,
	              const char **error_r);
	void *lookup_ctx;
	/* For scram_record_fake(): secret (may be NULL) and the iteration count shown for
	 * unknown users (0: SCRAM_DEFAULT_ITERATIONS; use what real records use). */
	const unsigned char *fake_secret;
	size_t fake_secret_len;
	unsigned fake_iterations;
};

/* New exchange; settings are copied (fake_secret is referenced, not copied). */
struct scram_server *scram_server_new(const struct scram_server_settings *set);
/* Free (wiping key material); *s = NULL. */
void scram_server_free(struct scram_server **s);

/*
 * Feed one client message (already base64-decoded by the protocol layer) and get the
 * next server message in out (appended, not encoded).  Returns an enum scram_status.
 * After SCRAM_SUCCESS, SCRAM_FAIL or SCRAM_TEMPFAIL every further step fails.
 */
int scram_server_step(struct scram_server *s, const void *in, size_t in_len, struct buf *out,
                      const char **error_r);

/* After SCRAM_SUCCESS: the authenticated user name and the authzid ("" if none). */
const char *scram_server_username(const struct scram_server *s);
const char *scram_server_authzid(const struct scram_server *s);

/* Tests only: use nonce as the server's part of the nonce instead of random bytes. */
void scram_server_set_nonce(struct scram_server *s, const char *nonce);

#endif
