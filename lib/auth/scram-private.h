/*
 * scram-private.h - SHA-256 primitives shared by scram.c and scram-server.c.
 */
#ifndef CAIRN_SCRAM_PRIVATE_H
#define CAIRN_SCRAM_PRIVATE_H

#include <stddef.h>

#define SCRAM_KEY_LEN 32

/* out = HMAC-SHA-256(key, data). */
void scram_hmac(const void *key, size_t key_len, const void *data, size_t len,
                unsigned char out[SCRAM_KEY_LEN]);
/* out = SHA-256(data). */
void scram_hash(const void *data, size_t len, unsigned char out[SCRAM_KEY_LEN]);

#endif
