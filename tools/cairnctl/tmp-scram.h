/*
 * tmp-scram.h - TEMPORARY stand-in for lib/auth/scram.h (being written on another
 * branch): the same API, a real PBKDF2/HMAC implementation, so that cairnctl's
 * end-to-end tests can run before lib/auth lands.  Delete when it does.
 */
#ifndef CAIRNCTL_TMP_SCRAM_H
#define CAIRNCTL_TMP_SCRAM_H

#include <stddef.h>

struct scram_record {
	unsigned char salt[32];
	size_t salt_len;
	unsigned iterations;
	unsigned char stored_key[32];
	unsigned char server_key[32];
};

int scram_record_make(const char *password, unsigned iterations, struct scram_record *rec_r,
                      const char **error_r);
int scram_verify_plain(const struct scram_record *rec, const char *password);

#endif
