/*
 * tmp-scram.c - TEMPORARY SCRAM-SHA-256 records (RFC 5802) until lib/auth/scram.c
 * lands on main; see tmp-scram.h.
 */
#include "tmp-scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

static int tmp_scram_keys(const char *password, const unsigned char *salt, size_t salt_len,
                          unsigned iterations, unsigned char *stored, unsigned char *server)
{
	unsigned char salted[32], client[32];
	unsigned len = 32;
	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, (int)iterations,
	                      EVP_sha256(), 32, salted) != 1 ||
	    HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Client Key", 10, client, &len) ==
	            NULL ||
	    HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Server Key", 10, server, &len) ==
	            NULL ||
	    EVP_Digest(client, 32, stored, NULL, EVP_sha256(), NULL) != 1)
		return -1;
	OPENSSL_cleanse(salted, sizeof(salted));
	return 0;
}

int scram_record_make(const char *password, unsigned iterations, struct scram_record *rec_r,
                      const char **error_r)
{
	rec_r->salt_len = 16;
	rec_r->iterations = iterations;
	if (RAND_bytes(rec_r->salt, (int)rec_r->salt_len) != 1 ||
	    tmp_scram_keys(password, rec_r->salt, rec_r->salt_len, iterations, rec_r->stored_key,
	                   rec_r->server_key) < 0) {
		*error_r = "SCRAM key derivation failed";
		return -1;
	}
	return 0;
}

int scram_verify_plain(const struct scram_record *rec, const char *password)
{
	unsigned char stored[32], server[32];
	if (tmp_scram_keys(password, rec->salt, rec->salt_len, rec->iterations, stored, server) < 0)
		return 0;
	return CRYPTO_memcmp(stored, rec->stored_key, 32) == 0;
}
