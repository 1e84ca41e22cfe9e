/*
 * scram.c - SCRAM-SHA-256 password records (see scram.h).
 *
 * Exports scram_record_make/_salted, scram_verify_plain, scram_record_format/parse,
 * scram_record_fake, and the SHA-256 helpers of scram-private.h.  Crypto comes from
 * OpenSSL's libcrypto (PBKDF2, HMAC, CSPRNG, constant-time compare).
 */
#include "scram.h"

#include "saslprep.h"
#include "scram-private.h"

#include "base/base64.h"
#include "base/buf.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define SCRAM_TEXT_PREFIX "SCRAM-SHA-256$"

void scram_hmac(const void *key, size_t key_len, const void *data, size_t len,
                unsigned char out[SCRAM_KEY_LEN])
{
	unsigned int out_len = SCRAM_KEY_LEN;
	if (HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &out_len) == NULL)
		abort(); /* only fails on allocation failure or a broken libcrypto */
}

void scram_hash(const void *data, size_t len, unsigned char out[SCRAM_KEY_LEN])
{
	if (EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL) != 1)
		abort();
}

/* StoredKey and ServerKey of password (RFC 5802 section 3). */
static int scram_derive(const char *password, const unsigned char *salt, size_t salt_len,
                        unsigned iterations, unsigned char stored_r[SCRAM_KEY_LEN],
                        unsigned char server_r[SCRAM_KEY_LEN], const char **error_r)
{
	struct buf norm = BUF_INIT;
	unsigned char salted[SCRAM_KEY_LEN], client_key[SCRAM_KEY_LEN];
	int ret = -1;
	if (saslprep(password, &norm, error_r) < 0)
		goto out;
	if (PKCS5_PBKDF2_HMAC(norm.data, (int)norm.len, salt, (int)salt_len, (int)iterations,
	                      EVP_sha256(), SCRAM_KEY_LEN, salted) != 1) {
		*error_r = "PBKDF2 failed";
		goto out;
	}
	scram_hmac(salted, sizeof(salted), "Client Key", 10, client_key);
	scram_hash(client_key, sizeof(client_key), stored_r);
	scram_hmac(salted, sizeof(salted), "Server Key", 10, server_r);
	ret = 0;
out:
	if (norm.data != NULL)
		OPENSSL_cleanse(norm.data, norm.cap);
	buf_free(&norm);
	OPENSSL_cleanse(salted, sizeof(salted));
	OPENSSL_cleanse(client_key, sizeof(client_key));
	return ret;
}

static int scram_iterations_ok(unsigned iterations, const char **error_r)
{
	if (iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
		*error_r = "SCRAM iteration count out of range (4096..10000000)";
		return 0;
	}
	return 1;
}

int scram_record_make_salted(const char *password, const unsigned char *salt, size_t salt_len,
                             unsigned iterations, struct scram_record *rec_r, const char **error_r)
{
	memset(rec_r, 0, sizeof(*rec_r));
	if (!scram_iterations_ok(iterations, error_r))
		return -1;
	if (salt_len == 0 || salt_len > sizeof(rec_r->salt)) {
		*error_r = "SCRAM salt must be 1..32 bytes";
		return -1;
	}
	memcpy(rec_r->salt, salt, salt_len);
	rec_r->salt_len = salt_len;
	rec_r->iterations = iterations;
	return scram_derive(password, salt, salt_len, iterations, rec_r->stored_key,
	                    rec_r->server_key, error_r);
}

int scram_record_make(const char *password, unsigned iterations, struct scram_record *rec_r,
                      const char **error_r)
{
	unsigned char salt[SCRAM_SALT_LEN];
	if (RAND_bytes(salt, sizeof(salt)) != 1) {
		memset(rec_r, 0, sizeof(*rec_r));
		*error_r = "no random bytes for the SCRAM salt";
		return -1;
	}
	return scram_record_make_salted(password, salt, sizeof(salt), iterations, rec_r, error_r);
}

int scram_verify_plain(const struct scram_record *rec, const char *password)
{
	unsigned char stored[SCRAM_KEY_LEN], server[SCRAM_KEY_LEN];
	const char *error;
	if (!scram_iterations_ok(rec->iterations, &error) || rec->salt_len == 0 ||
	    rec->salt_len > sizeof(rec->salt))
		return 0;
	if (scram_derive(password, rec->salt, rec->salt_len, rec->iterations, stored, server,
	                 &error) < 0)
		return 0;
	int match = CRYPTO_memcmp(stored, rec->stored_key, SCRAM_KEY_LEN) == 0;
	OPENSSL_cleanse(stored, sizeof(stored));
	OPENSSL_cleanse(server, sizeof(server));
	return match;
}

void scram_record_format(const struct scram_record *rec, struct buf *out)
{
	buf_printf(out, SCRAM_TEXT_PREFIX "%u:", rec->iterations);
	base64_encode(rec->salt, rec->salt_len, out);
	buf_append_char(out, '$');
	base64_encode(rec->stored_key, SCRAM_KEY_LEN, out);
	buf_append_char(out, ':');
	base64_encode(rec->server_key, SCRAM_KEY_LEN, out);
}

/* Decode the base64 field [p, end) into dst, which it must fill exactly if exact. */
static int scram_field(const char *p, const char *end, unsigned char *dst, size_t size, int exact,
                       size_t *len_r, const char **error_r)
{
	size_t len = 0;
	if (base64_decode_to(p, (size_t)(end - p), dst, size, &len, error_r) < 0)
		return -1;
	if (len == 0 || (exact && len != size)) {
		*error_r = "SCRAM record: wrong key or salt length";
		return -1;
	}
	*len_r = len;
	return 0;
}

int scram_record_parse(const char *text, struct scram_record *rec_r, const char **error_r)
{
	memset(rec_r, 0, sizeof(*rec_r));
	size_t plen = strlen(SCRAM_TEXT_PREFIX);
	if (strncmp(text, SCRAM_TEXT_PREFIX, plen) != 0) {
		*error_r = "SCRAM record: does not start with SCRAM-SHA-256$";
		return -1;
	}
	const char *p = text + plen;
	const char *colon1 = strchr(p, ':');
	const char *dollar = colon1 != NULL ? strchr(colon1, '$') : NULL;
	const char *colon2 = dollar != NULL ? strchr(dollar, ':') : NULL;
	if (colon2 == NULL || strchr(colon2 + 1, ':') != NULL || strchr(colon2, '$') != NULL) {
		*error_r = "SCRAM record: want SCRAM-SHA-256$ITER:SALT$STOREDKEY:SERVERKEY";
		return -1;
	}
	unsigned long iter = 0;
	for (const char *d = p; d < colon1; d++) {
		if (*d < '0' || *d > '9' || iter > SCRAM_MAX_ITERATIONS) {
			*error_r = "SCRAM record: bad iteration count";
			return -1;
		}
		iter = iter * 10 + (unsigned long)(*d - '0');
	}
	if (colon1 == p ||
	    !scram_iterations_ok((unsigned)(iter > SCRAM_MAX_ITERATIONS ? 0 : iter), error_r))
		return -1;
	rec_r->iterations = (unsigned)iter;
	size_t len;
	if (scram_field(colon1 + 1, dollar, rec_r->salt, sizeof(rec_r->salt), 0, &rec_r->salt_len,
	                error_r) < 0 ||
	    scram_field(dollar + 1, colon2, rec_r->stored_key, SCRAM_KEY_LEN, 1, &len, error_r) <
	            0 ||
	    scram_field(colon2 + 1, colon2 + 1 + strlen(colon2 + 1), rec_r->server_key,
	                SCRAM_KEY_LEN, 1, &len, error_r) < 0) {
		memset(rec_r, 0, sizeof(*rec_r));
		return -1;
	}
	return 0;
}

void scram_record_fake(const unsigned char *secret, size_t secret_len, const char *username,
                       unsigned iterations, struct scram_record *rec_r)
{
	static unsigned char process_secret[32];
	static int have_process_secret;
	if (secret == NULL || secret_len == 0) {
		if (!have_process_secret && RAND_bytes(process_secret, sizeof(process_secret)) != 1)
			abort(); /* no CSPRNG: nothing about authentication can be trusted */
		have_process_secret = 1;
		secret = process_secret;
		secret_len = sizeof(process_secret);
	}
	struct buf in = BUF_INIT;
	unsigned char mac[SCRAM_KEY_LEN];
	memset(rec_r, 0, sizeof(*rec_r));
	rec_r->iterations = iterations != 0 ? iterations : SCRAM_DEFAULT_ITERATIONS;
	/* Domain-separated derivations: salt, StoredKey and ServerKey are independent. */
	static const char *const labels[] = {"salt:", "stored:", "server:"};
	unsigned char *dst[] = {rec_r->salt, rec_r->stored_key, rec_r->server_key};
	for (int i = 0; i < 3; i++) {
		buf_reset(&in);
		buf_append_str(&in, labels[i]);
		buf_append_str(&in, username);
		scram_hmac(secret, secret_len, in.data, in.len, mac);
		memcpy(dst[i], mac, i == 0 ? SCRAM_SALT_LEN : SCRAM_KEY_LEN);
	}
	rec_r->salt_len = SCRAM_SALT_LEN;
	buf_free(&in);
}
