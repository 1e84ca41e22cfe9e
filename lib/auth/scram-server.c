/*
 * scram-server.c - server side of a SCRAM-SHA-256 exchange (RFC 5802 section 5).
 *
 * Exports scram_server_new/free/step, the accessors and scram_server_set_nonce.
 * States: client-first -> (server-first) -> client-final -> (server-final) -> done.
 * Channel binding is not offered (no -PLUS mechanism): "n" and "y" gs2 flags are
 * accepted, "p=" is refused.  Unknown users run through the whole exchange with a
 * fake record (scram_record_fake) and fail exactly like a wrong password.
 */
#include "scram.h"

#include "saslprep.h"
#include "scram-private.h"

#include "base/base64.h"
#include "base/buf.h"
#include "base/xalloc.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#define SCRAM_MAX_MESSAGE 4096 /* far beyond any real SCRAM message */
#define SCRAM_MAX_NAME 512
#define SCRAM_NONCE_BYTES 18 /* 24 base64 characters */

enum scram_state { SCRAM_WANT_FIRST, SCRAM_WANT_FINAL, SCRAM_DONE };

struct scram_server {
	struct scram_server_settings set;
	enum scram_state state;
	char *gs2_header;
	char *client_first_bare;
	char *server_first;
	char *nonce; /* client nonce + server nonce */
	char *fixed_nonce; /* tests */
	char *username;
	char *authzid;
	int user_known;
	struct scram_record rec;
};

struct scram_server *scram_server_new(const struct scram_server_settings *set)
{
	struct scram_server *s = xcalloc(1, sizeof(*s));
	s->set = *set;
	return s;
}

void scram_server_free(struct scram_server **sp)
{
	struct scram_server *s = *sp;
	if (s == NULL)
		return;
	XFREE(s->gs2_header);
	XFREE(s->client_first_bare);
	XFREE(s->server_first);
	XFREE(s->nonce);
	XFREE(s->fixed_nonce);
	XFREE(s->username);
	XFREE(s->authzid);
	OPENSSL_cleanse(&s->rec, sizeof(s->rec));
	XFREE(s);
	*sp = NULL;
}

void scram_server_set_nonce(struct scram_server *s, const char *nonce)
{
	XFREE(s->fixed_nonce);
	s->fixed_nonce = xstrdup(nonce);
}

const char *scram_server_username(const struct scram_server *s)
{
	return s->username != NULL ? s->username : "";
}

const char *scram_server_authzid(const struct scram_server *s)
{
	return s->authzid != NULL ? s->authzid : "";
}

/*
 * Read attribute `name=value` at *p (up to the next ',' or end); *p is left on that
 * ',' or at end.  Returns 0, or -1 if the attribute is not there.
 */
static int scram_attr(const char **p, const char *end, char name, const char **val_r, size_t *len_r)
{
	const char *q = *p;
	if (end - q < 2 || q[0] != name || q[1] != '=')
		return -1;
	q += 2;
	const char *comma = memchr(q, ',', (size_t)(end - q));
	const char *stop = comma != NULL ? comma : end;
	*val_r = q;
	*len_r = (size_t)(stop - q);
	*p = stop;
	return 0;
}

/* Decode a saslname (=2C -> ',', =3D -> '='); NULL if malformed or empty. */
static char *scram_saslname(const char *v, size_t len)
{
	if (len == 0 || len > SCRAM_MAX_NAME)
		return NULL;
	char *out = xmalloc(len + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		if (v[i] != '=') {
			*o++ = v[i];
		} else if (len - i >= 3 && v[i + 1] == '2' && v[i + 2] == 'C') {
			*o++ = ',';
			i += 2;
		} else if (len - i >= 3 && v[i + 1] == '3' && v[i + 2] == 'D') {
			*o++ = '=';
			i += 2;
		} else {
			XFREE(out);
			return NULL;
		}
	}
	*o = '\0';
	if (!saslprep_utf8_valid(out, (size_t)(o - out)))
		XFREE(out);
	return out;
}

/* gs2-header: ("n" / "y") "," ["a=" saslname] "," ; sets authzid. */
static int scram_parse_gs2(struct scram_server *s, const char **p, const char *end,
                           const char **error_r)
{
	const char *q = *p;
	if (q < end && *q == 'p') {
		*error_r = "SCRAM: channel binding (p=) is not supported";
		return -1;
	}
	if (end - q < 2 || (q[0] != 'n' && q[0] != 'y') || q[1] != ',') {
		*error_r = "SCRAM: bad gs2 header";
		return -1;
	}
	q += 2;
	const char *v;
	size_t vlen;
	if (scram_attr(&q, end, 'a', &v, &vlen) == 0) {
		s->authzid = scram_saslname(v, vlen);
		if (s->authzid == NULL) {
			*error_r = "SCRAM: bad authzid";
			return -1;
		}
	}
	if (q >= end || *q != ',') {
		*error_r = "SCRAM: bad gs2 header";
		return -1;
	}
	*p = q + 1;
	return 0;
}

/* A nonce is printable ASCII except ','. */
static int scram_nonce_ok(const char *v, size_t len)
{
	if (len == 0 || len > 256)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (v[i] < 0x21 || v[i] > 0x7e)
			return 0;
	return 1;
}

/* client-first-message-bare: n=user,r=nonce[,ext...]; sets username and nonce. */
static int scram_parse_bare(struct scram_server *s, const char *p, const char *end,
                            const char **error_r)
{
	const char *v;
	size_t vlen;
	if (p < end && *p == 'm') {
		*error_r = "SCRAM: mandatory extension (m=) is not supported";
		return -1;
	}
	if (scram_attr(&p, end, 'n', &v, &vlen) < 0 ||
	    (s->username = scram_saslname(v, vlen)) == NULL) {
		*error_r = "SCRAM: bad or missing user name";
		return -1;
	}
	if (p >= end || *p++ != ',' || scram_attr(&p, end, 'r', &v, &vlen) < 0 ||
	    !scram_nonce_ok(v, vlen)) {
		*error_r = "SCRAM: bad or missing client nonce";
		return -1;
	}
	struct buf nonce = BUF_INIT;
	buf_append(&nonce, v, vlen);
	if (s->fixed_nonce != NULL) {
		buf_append_str(&nonce, s->fixed_nonce);
	} else {
		unsigned char rnd[SCRAM_NONCE_BYTES];
		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			buf_free(&nonce);
			*error_r = "SCRAM: no random bytes for the nonce";
			return -1;
		}
		base64_encode(rnd, sizeof(rnd), &nonce);
	}
	s->nonce = buf_steal(&nonce, NULL);
	return 0; /* extensions after the nonce are ignored, as the RFC allows */
}

/* Look the user up (or fake it) and produce server-first-message. */
static int scram_server_first(struct scram_server *s, struct buf *out, const char **error_r)
{
	struct buf name = BUF_INIT;
	const char *err = NULL;
	int found = 0;
	if (saslprep(s->username, &name, &err) == 0) {
		XFREE(s->username);
		s->username = buf_steal(&name, NULL);
		found = s->set.lookup(s->set.lookup_ctx, s->username, &s->rec, &err);
	}
	buf_free(&name);
	if (found < 0) {
		*error_r = err != NULL ? err : "SCRAM: user lookup failed";
		return SCRAM_TEMPFAIL;
	}
	s->user_known = found == 1 && s->rec.salt_len > 0 && s->rec.salt_len <= 32;
	if (!s->user_known)
		scram_record_fake(s->set.fake_secret, s->set.fake_secret_len, s->username,
		                  s->set.fake_iterations, &s->rec);
	struct buf sf = BUF_INIT;
	buf_printf(&sf, "r=%s,s=", s->nonce);
	base64_encode(s->rec.salt, s->rec.salt_len, &sf);
	buf_printf(&sf, ",i=%u", s->rec.iterations);
	buf_append(out, sf.data, sf.len);
	s->server_first = buf_steal(&sf, NULL);
	s->state = SCRAM_WANT_FINAL;
	return SCRAM_CONTINUE;
}

static int scram_step_first(struct scram_server *s, const char *msg, size_t len, struct buf *out,
                            const char **error_r)
{
	const char *p = msg, *end = msg + len;
	if (scram_parse_gs2(s, &p, end, error_r) < 0)
		return SCRAM_FAIL;
	s->gs2_header = xstrndup(msg, (size_t)(p - msg));
	s->client_first_bare = xstrndup(p, (size_t)(end - p));
	if (scram_parse_bare(s, p, end, error_r) < 0)
		return SCRAM_FAIL;
	return scram_server_first(s, out, error_r);
}

/* Check c= (the base64 of our gs2 header: no channel binding data) and r=. */
static int scram_check_final(struct scram_server *s, const char *p, const char *end,
                             const char **error_r)
{
	const char *v;
	size_t vlen;
	struct buf cb = BUF_INIT;
	base64_encode(s->gs2_header, strlen(s->gs2_header), &cb);
	int ok = scram_attr(&p, end, 'c', &v, &vlen) == 0 && vlen == cb.len &&
	         memcmp(v, cb.data, vlen) == 0;
	buf_free(&cb);
	if (!ok) {
		*error_r = "SCRAM: channel binding data does not match the gs2 header";
		return -1;
	}
	if (p >= end || *p++ != ',' || scram_attr(&p, end, 'r', &v, &vlen) < 0 ||
	    vlen != strlen(s->nonce) || memcmp(v, s->nonce, vlen) != 0) {
		*error_r = "SCRAM: nonce mismatch";
		return -1;
	}
	return 0;
}

/* Verify ClientProof in constant time; on success append server-final to out. */
static int scram_verify_proof(struct scram_server *s, const char *final, size_t without_len,
                              const unsigned char *proof, struct buf *out, const char **error_r)
{
	struct buf am = BUF_INIT;
	unsigned char sig[SCRAM_KEY_LEN], key[SCRAM_KEY_LEN], stored[SCRAM_KEY_LEN];
	buf_printf(&am, "%s,%s,", s->client_first_bare, s->server_first);
	buf_append(&am, final, without_len);
	scram_hmac(s->rec.stored_key, SCRAM_KEY_LEN, am.data, am.len, sig);
	for (int i = 0; i < SCRAM_KEY_LEN; i++)
		key[i] = proof[i] ^ sig[i];
	scram_hash(key, sizeof(key), stored);
	int ok = (CRYPTO_memcmp(stored, s->rec.stored_key, SCRAM_KEY_LEN) == 0) & s->user_known;
	if (ok) {
		scram_hmac(s->rec.server_key, SCRAM_KEY_LEN, am.data, am.len, sig);
		buf_append_str(out, "v=");
		base64_encode(sig, sizeof(sig), out);
	} else {
		*error_r = s->user_known ? "SCRAM: wrong password (invalid proof)"
		                         : "SCRAM: unknown user";
	}
	buf_free(&am);
	OPENSSL_cleanse(key, sizeof(key));
	return ok ? SCRAM_SUCCESS : SCRAM_FAIL;
}

static int scram_step_final(struct scram_server *s, const char *msg, size_t len, struct buf *out,
                            const char **error_r)
{
	const char *end = msg + len;
	/* The proof is the last attribute; everything before ",p=" is signed. */
	const char *pp = NULL;
	for (const char *q = msg; q + 3 <= end; q++)
		if (q[0] == ',' && q[1] == 'p' && q[2] == '=')
			pp = q;
	if (pp == NULL) {
		*error_r = "SCRAM: missing proof";
		return SCRAM_FAIL;
	}
	if (scram_check_final(s, msg, pp, error_r) < 0)
		return SCRAM_FAIL;
	unsigned char proof[SCRAM_KEY_LEN];
	size_t proof_len = 0;
	if (base64_decode_to(pp + 3, (size_t)(end - pp - 3), proof, sizeof(proof), &proof_len,
	                     error_r) < 0 ||
	    proof_len != sizeof(proof)) {
		*error_r = "SCRAM: bad proof encoding";
		return SCRAM_FAIL;
	}
	return scram_verify_proof(s, msg, (size_t)(pp - msg), proof, out, error_r);
}

int scram_server_step(struct scram_server *s, const void *in, size_t in_len, struct buf *out,
                      const char **error_r)
{
	const char *msg = in;
	int r;
	if (s->state == SCRAM_DONE) {
		*error_r = "SCRAM: exchange already finished";
		return SCRAM_FAIL;
	}
	if (in_len == 0 || in_len > SCRAM_MAX_MESSAGE || memchr(msg, '\0', in_len) != NULL) {
		*error_r = in_len == 0 ? "SCRAM: empty message" : "SCRAM: malformed message";
		s->state = SCRAM_DONE;
		return SCRAM_FAIL;
	}
	if (s->state == SCRAM_WANT_FIRST)
		r = scram_step_first(s, msg, in_len, out, error_r);
	else
		r = scram_step_final(s, msg, in_len, out, error_r);
	if (r != SCRAM_CONTINUE)
		s->state = SCRAM_DONE;
	return r;
}
