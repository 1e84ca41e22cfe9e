/*
 * scram_client.h - a SCRAM-SHA-256 client for unit tests (RFC 5802 section 3).
 */
#ifndef CAIRN_TEST_SCRAM_CLIENT_H
#define CAIRN_TEST_SCRAM_CLIENT_H

struct buf;

/*
 * From the server-first message, compute client-final (appended to final: c=gs2_b64,
 * r=..., p=proof for password) and the server-final the server must answer with
 * (appended to server_final: "v=...").  first_bare is client-first-message-bare.
 * Fails the running CUnit test if server_first is malformed.
 */
void scram_client_final(const char *password, const char *first_bare, const char *gs2_b64,
                        const char *server_first, struct buf *final, struct buf *server_final);

#endif
