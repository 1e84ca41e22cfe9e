/*
 * plain.h - SASL PLAIN (RFC 4616) message parser.
 *
 *   message = [authzid] NUL authcid NUL passwd
 *
 * The protocol layer base64-decodes the client response and hands the bytes here;
 * the password is then checked with scram_verify_plain() (scram.h).
 */
#ifndef CAIRN_PLAIN_H
#define CAIRN_PLAIN_H

#include <stddef.h>

#define PLAIN_MAX_FIELD 255 /* RFC 4616: each field at most 255 octets */

struct plain_creds {
	char authzid[PLAIN_MAX_FIELD + 1]; /* "" when the client sent none */
	char authcid[PLAIN_MAX_FIELD + 1];
	char passwd[PLAIN_MAX_FIELD + 1];
};

/*
 * Parse a PLAIN message of len bytes into *creds_r (NUL-terminated fields).  Refused
 * with -1 and *error_r: not exactly two NULs, empty authcid or passwd, a field over
 * 255 bytes, invalid UTF-8.  Call plain_creds_clear() when done (wipes the password).
 */
int plain_parse(const void *msg, size_t len, struct plain_creds *creds_r, const char **error_r);

/* Wipe *creds (also after a failed parse). */
void plain_creds_clear(struct plain_creds *creds);

#endif
