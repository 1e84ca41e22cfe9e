/*
 * tls.h - TLS for struct conn (OpenSSL 3 underneath; only tls.c may call SSL_*).
 *
 * A struct tls_ctx holds certificate, key and policy.  Servers: TLS 1.2 minimum,
 * Mozilla "intermediate" ciphers for TLS 1.2, OpenSSL's default TLS 1.3 suites, no
 * compression, no renegotiation, session tickets on.  Reloading certificates (SIGHUP)
 * means building a new tls_ctx and using it for new connections; connections keep
 * the context they started with (OpenSSL reference-counts it).
 *
 * conn_start_tls() turns a plain conn into a TLS one: right after accept() for
 * implicit TLS (port 993), or after the STARTTLS reply for STARTTLS.  TLS is a conn
 * layer (conn-layer.h) and must be the first one pushed on the fd.
 */
#ifndef CAIRN_TLS_H
#define CAIRN_TLS_H

#include <stddef.h>

struct conn;
struct tls_ctx;

enum tls_role { TLS_SERVER, TLS_CLIENT };

/*
 * Server context from PEM files (cert_file may hold the chain after the leaf).
 * Returns NULL with *error_r set (naming the file and OpenSSL's reason) on failure,
 * including a key that does not match the certificate.
 */
struct tls_ctx *tls_server_ctx_new(const char *cert_file, const char *key_file,
                                   const char **error_r);

/*
 * Client context (cairn-bench, tests).  ca_file == NULL: the server certificate is
 * not verified; otherwise it must chain to a certificate in ca_file.
 */
struct tls_ctx *tls_client_ctx_new(const char *ca_file, const char **error_r);

/*
 * Restrict the protocol versions of ctx, e.g. ("TLSv1.2", "TLSv1.2"); NULL leaves a
 * bound unchanged.  Versions below TLS 1.2 also lower the security level so that such
 * a client really offers them: that exists only to test that servers refuse them.
 */
int tls_ctx_set_versions(struct tls_ctx *ctx, const char *min, const char *max,
                         const char **error_r);

/* Drop a reference to ctx (connections using it keep theirs); *ctx = NULL. */
void tls_ctx_free(struct tls_ctx **ctx);

/*
 * Start TLS on c in the given role and complete the handshake (bounded by the
 * conn's timeouts).  First flushes pending output (the STARTTLS reply goes out in
 * plaintext), then DISCARDS any buffered input: plaintext pipelined after STARTTLS
 * must never be taken as a command of the TLS session.  *discarded_r (may be NULL)
 * gets the number of bytes thrown away; a server should log a non-zero value.
 * Fails if TLS is already on, or if another layer (DEFLATE) is already pushed.  On
 * failure the conn is unusable: close it.
 */
int conn_start_tls(struct conn *c, struct tls_ctx *ctx, enum tls_role role, size_t *discarded_r,
                   const char **error_r);

/* 1 if TLS is on for c. */
int tls_conn_active(const struct conn *c);
/* Negotiated protocol ("TLSv1.3") and cipher, or NULL without TLS: for logging. */
const char *tls_conn_version(const struct conn *c);
const char *tls_conn_cipher(const struct conn *c);

/*
 * Write a new self-signed certificate (RSA 2048, SHA-256, valid 10 years, CN and
 * subjectAltName DNS = cn) and its key as PEM files; the key file is created with
 * mode 0600.  For `make run`, tests and a future `cairnctl`.
 */
int tls_selfsigned_write(const char *cert_path, const char *key_path, const char *cn,
                         const char **error_r);

#endif
