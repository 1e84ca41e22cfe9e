/*
 * tls.c - OpenSSL 3 under struct conn (see tls.h).
 *
 * Exports the tls_ctx constructors, conn_start_tls (which pushes a conn layer whose
 * read/writev are SSL_read/SSL_write), TLS info for logging and tls_selfsigned_write.
 * This is the only code calling SSL_*.
 *
 * The SSL is bound to the fd (SSL_set_fd), not to a BIO over the layer below, and
 * so TLS may only be pushed directly on the raw fd layer: implicit TLS starts at the
 * first byte, STARTTLS comes before COMPRESS (RFC 4978 section 4 puts compression
 * above TLS), so nothing needs TLS over another layer, and the socket BIO keeps the
 * TLS path exactly as fast as before layers existed (OpenSSL reads and writes the
 * kernel socket itself, no extra copy, no extra call per record).  TLS over some
 * other layer would be a custom BIO_METHOD calling conn_layer_read_below().
 */
#include "tls.h"

#include "conn-layer.h"
#include "xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Mozilla "intermediate" (server side TLS v5.7) cipher list for TLS 1.2. */
#define TLS_INTERMEDIATE_CIPHERS                                                                   \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                               \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"

struct tls_ctx {
	SSL_CTX *ssl_ctx;
};

struct tls_conn {
	SSL *ssl;
	int failed; /* a fatal error happened: SSL_shutdown must not be called */
};

/* Per thread: daemons are single-threaded, but tests run client and server as threads. */
static _Thread_local char tls_errbuf[512];

/* "what: <OpenSSL's reason>" in a static buffer; drains OpenSSL's error queue. */
static const char *tls_error(const char *what)
{
	unsigned long e, first = 0;
	while ((e = ERR_get_error()) != 0)
		if (first == 0)
			first = e;
	if (first == 0) {
		snprintf(tls_errbuf, sizeof(tls_errbuf), "%s: %s", what,
		         errno != 0 ? strerror(errno) : "unknown error");
		return tls_errbuf;
	}
	char reason[256];
	ERR_error_string_n(first, reason, sizeof(reason));
	snprintf(tls_errbuf, sizeof(tls_errbuf), "%s: %s", what, reason);
	return tls_errbuf;
}

static struct tls_ctx *tls_ctx_wrap(SSL_CTX *sc)
{
	struct tls_ctx *ctx = xcalloc(1, sizeof(*ctx));
	ctx->ssl_ctx = sc;
	return ctx;
}

/* Policy shared by server and client contexts. */
static int tls_ctx_policy(SSL_CTX *sc, const char **error_r)
{
	if (SSL_CTX_set_min_proto_version(sc, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(sc, TLS_INTERMEDIATE_CIPHERS) != 1) {
		*error_r = tls_error("TLS policy");
		return -1;
	}
	/* Unexpected EOF is plain EOF: IMAP/LMTP frame their own data, and most mail
	 * clients close without close_notify. */
	SSL_CTX_set_options(sc, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	                                SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* Release idle read/write buffers: an IDLE connection should cost little. */
	SSL_CTX_set_mode(sc, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return 0;
}

struct tls_ctx *tls_server_ctx_new(const char *cert_file, const char *key_file,
                                   const char **error_r)
{
	ERR_clear_error();
	SSL_CTX *sc = SSL_CTX_new(TLS_server_method());
	if (sc == NULL) {
		*error_r = tls_error("SSL_CTX_new");
		return NULL;
	}
	char what[300];
	if (tls_ctx_policy(sc, error_r) < 0)
		goto fail;
	SSL_CTX_set_dh_auto(sc, 1);
	if (SSL_CTX_use_certificate_chain_file(sc, cert_file) != 1) {
		snprintf(what, sizeof(what), "certificate %s", cert_file);
		*error_r = tls_error(what);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(sc, key_file, SSL_FILETYPE_PEM) != 1) {
		snprintf(what, sizeof(what), "private key %s", key_file);
		*error_r = tls_error(what);
		goto fail;
	}
	if (SSL_CTX_check_private_key(sc) != 1) {
		snprintf(what, sizeof(what), "key %s does not match certificate %s", key_file,
		         cert_file);
		*error_r = tls_error(what);
		goto fail;
	}
	return tls_ctx_wrap(sc);
fail:
	SSL_CTX_free(sc);
	return NULL;
}

struct tls_ctx *tls_client_ctx_new(const char *ca_file, const char **error_r)
{
	ERR_clear_error();
	SSL_CTX *sc = SSL_CTX_new(TLS_client_method());
	if (sc == NULL) {
		*error_r = tls_error("SSL_CTX_new");
		return NULL;
	}
	if (tls_ctx_policy(sc, error_r) < 0) {
		SSL_CTX_free(sc);
		return NULL;
	}
	if (ca_file == NULL) {
		SSL_CTX_set_verify(sc, SSL_VERIFY_NONE, NULL);
	} else {
		if (SSL_CTX_load_verify_locations(sc, ca_file, NULL) != 1) {
			*error_r = tls_error(ca_file);
			SSL_CTX_free(sc);
			return NULL;
		}
		SSL_CTX_set_verify(sc, SSL_VERIFY_PEER, NULL);
	}
	return tls_ctx_wrap(sc);
}

static int tls_version_parse(const char *s, int *v_r)
{
	static const struct {
		const char *name;
		int v;
	} versions[] = {{"TLSv1", TLS1_VERSION},
	                {"TLSv1.1", TLS1_1_VERSION},
	                {"TLSv1.2", TLS1_2_VERSION},
	                {"TLSv1.3", TLS1_3_VERSION}};
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (strcmp(s, versions[i].name) == 0) {
			*v_r = versions[i].v;
			return 0;
		}
	return -1;
}

int tls_ctx_set_versions(struct tls_ctx *ctx, const char *min, const char *max,
                         const char **error_r)
{
	int vmin = 0, vmax = 0;
	if ((min != NULL && tls_version_parse(min, &vmin) < 0) ||
	    (max != NULL && tls_version_parse(max, &vmax) < 0)) {
		*error_r = "unknown TLS version (want TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)";
		return -1;
	}
	ERR_clear_error();
	if ((min != NULL && SSL_CTX_set_min_proto_version(ctx->ssl_ctx, vmin) != 1) ||
	    (max != NULL && SSL_CTX_set_max_proto_version(ctx->ssl_ctx, vmax) != 1)) {
		*error_r = tls_error("TLS versions");
		return -1;
	}
	/* OpenSSL 3 refuses TLS < 1.2 above security level 0: lower it, for tests. */
	if (min != NULL && vmin < TLS1_2_VERSION &&
	    SSL_CTX_set_cipher_list(ctx->ssl_ctx, "DEFAULT:@SECLEVEL=0") != 1) {
		*error_r = tls_error("TLS versions");
		return -1;
	}
	return 0;
}

void tls_ctx_free(struct tls_ctx **ctxp)
{
	struct tls_ctx *ctx = *ctxp;
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	XFREE(ctx);
	*ctxp = NULL;
}

/* Map an SSL_read/SSL_write/handshake result r to the conn transport convention. */
static ssize_t tls_io_result(struct tls_conn *t, int r, const char *what, const char **error_r)
{
	int saved_errno = errno;
	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return CONN_IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return CONN_IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		t->failed = 1;
		errno = saved_errno;
		if (ERR_peek_error() == 0 && saved_errno == 0)
			return 0; /* EOF without close_notify */
		*error_r = tls_error(what);
		return -1;
	default:
		t->failed = 1;
		*error_r = tls_error(what);
		return -1;
	}
}

static ssize_t tls_layer_read(struct conn_layer *l, void *dst, size_t len, const char **error_r)
{
	struct tls_conn *t = l->ctx;
	ERR_clear_error();
	errno = 0;
	int r = SSL_read(t->ssl, dst, len > INT_MAX ? INT_MAX : (int)len);
	if (r > 0)
		return r;
	return tls_io_result(t, r, "TLS read", error_r);
}

/* One SSL_write per iovec entry.  After a WANT_* the caller retries with the same
 * entry first (same pointer and length), as SSL_write requires. */
static ssize_t tls_layer_writev(struct conn_layer *l, const struct iovec *iov, int iovcnt,
                                const char **error_r)
{
	struct tls_conn *t = l->ctx;
	ssize_t done = 0;
	for (int i = 0; i < iovcnt; i++) {
		size_t len = iov[i].iov_len;
		if (len == 0)
			continue;
		ERR_clear_error();
		errno = 0;
		int r = SSL_write(t->ssl, iov[i].iov_base, len > (1u << 30) ? (1 << 30) : (int)len);
		if (r > 0) {
			done += r;
			if ((size_t)r < len)
				break;
			continue;
		}
		if (done > 0)
			return done; /* report progress; the failure (if any) shows next time */
		ssize_t n = tls_io_result(t, r, "TLS write", error_r);
		if (n == 0) {
			t->failed = 1;
			*error_r = "TLS write: connection closed by peer";
			return CONN_ERROR;
		}
		return n;
	}
	return done;
}

static size_t tls_layer_pending(const struct conn_layer *l)
{
	const struct tls_conn *t = l->ctx;
	int n = SSL_pending(t->ssl);
	if (n > 0)
		return (size_t)n;
	return SSL_has_pending(t->ssl) ? 1 : 0; /* a record not yet decrypted */
}

static void tls_layer_close(struct conn_layer *l)
{
	struct tls_conn *t = l->ctx;
	/* One non-blocking close_notify attempt; never wait for the peer's. */
	if (!t->failed)
		(void)SSL_shutdown(t->ssl);
	SSL_free(t->ssl);
	ERR_clear_error();
	XFREE(t);
	l->ctx = NULL;
}

static const struct conn_layer_ops tls_layer_ops = {
        .name = "tls",
        .read = tls_layer_read,
        .writev = tls_layer_writev,
        .pending = tls_layer_pending,
        .close = tls_layer_close,
};

/* Drive the handshake to completion, waiting on the fd with the conn's timeouts. */
static int tls_handshake(struct conn *c, struct tls_conn *t, const char **error_r)
{
	for (;;) {
		ERR_clear_error();
		errno = 0;
		int r = SSL_do_handshake(t->ssl);
		if (r == 1)
			return 0;
		ssize_t n = tls_io_result(t, r, "TLS handshake", error_r);
		if (n == 0) {
			*error_r = "TLS handshake: connection closed by peer";
			return -1;
		}
		if (n < 0 && n != CONN_IO_WANT_READ && n != CONN_IO_WANT_WRITE)
			return -1;
		const char *err = NULL;
		if (conn_wait(c, n == CONN_IO_WANT_READ ? POLLIN : POLLOUT, &err) != CONN_OK) {
			snprintf(tls_errbuf, sizeof(tls_errbuf), "TLS handshake: %s", err);
			*error_r = tls_errbuf;
			return -1;
		}
	}
}

int conn_start_tls(struct conn *c, struct tls_ctx *ctx, enum tls_role role, size_t *discarded_r,
                   const char **error_r)
{
	if (conn_layer_find(c, &tls_layer_ops) != NULL) {
		*error_r = "TLS is already active";
		return -1;
	}
	if (!conn_top_is_raw(c)) {
		*error_r = "TLS must be started before any other layer (e.g. COMPRESS)";
		return -1;
	}
	/* OpenSSL writes sockets with write(2): a vanished peer must not SIGPIPE us. */
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
	if (conn_flush(c, error_r) != CONN_OK)
		return -1;
	size_t discarded = conn_discard_input(c);
	if (discarded_r != NULL)
		*discarded_r = discarded;

	ERR_clear_error();
	SSL *ssl = SSL_new(ctx->ssl_ctx);
	if (ssl == NULL || SSL_set_fd(ssl, conn_fd(c)) != 1) {
		*error_r = tls_error("SSL_new");
		SSL_free(ssl);
		return -1;
	}
	if (role == TLS_SERVER)
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	struct tls_conn *t = xcalloc(1, sizeof(*t));
	t->ssl = ssl;
	if (tls_handshake(c, t, error_r) < 0) {
		SSL_free(ssl);
		XFREE(t);
		return -1;
	}
	/* Nothing is buffered any more (flushed and discarded above): this only links. */
	if (conn_push_layer(c, &tls_layer_ops, t, CONN_PUSH_DISCARD_INPUT, NULL, error_r) < 0) {
		SSL_free(ssl);
		XFREE(t);
		return -1;
	}
	return 0;
}

int tls_conn_active(const struct conn *c)
{
	return conn_layer_find(c, &tls_layer_ops) != NULL;
}

const char *tls_conn_version(const struct conn *c)
{
	struct tls_conn *t = conn_layer_find(c, &tls_layer_ops);
	return t == NULL ? NULL : SSL_get_version(t->ssl);
}

const char *tls_conn_cipher(const struct conn *c)
{
	struct tls_conn *t = conn_layer_find(c, &tls_layer_ops);
	return t == NULL ? NULL : SSL_get_cipher_name(t->ssl);
}

/* Add one X509v3 extension given in openssl.cnf syntax. */
static int tls_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (ext == NULL)
		return -1;
	int ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

/* Fill in and sign a self-signed certificate for key pkey. */
static int tls_selfsigned_fill(X509 *x, EVP_PKEY *pkey, const char *cn)
{
	unsigned char addr[16];
	char san[300];
	int is_ip = inet_pton(AF_INET, cn, addr) == 1 || inet_pton(AF_INET6, cn, addr) == 1;
	snprintf(san, sizeof(san), "%s:%s", is_ip ? "IP" : "DNS", cn);

	BIGNUM *serial = BN_new();
	int ok = serial != NULL && BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
	         BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) != NULL;
	BN_free(serial);
	X509_NAME *name = X509_get_subject_name(x);
	ok = ok && X509_set_version(x, 2) == 1 &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 86400) != NULL &&
	     X509_set_pubkey(x, pkey) == 1 &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
	                                0) == 1 &&
	     X509_set_issuer_name(x, name) == 1;
	ok = ok && tls_add_ext(x, NID_basic_constraints, "critical,CA:TRUE") == 0 &&
	     tls_add_ext(x, NID_subject_key_identifier, "hash") == 0 &&
	     tls_add_ext(x, NID_authority_key_identifier, "keyid:always") == 0 &&
	     tls_add_ext(x, NID_subject_alt_name, san) == 0;
	return ok && X509_sign(x, pkey, EVP_sha256()) > 0 ? 0 : -1;
}

/* Write PEM output atomically: path.tmp with mode, then rename over path. */
static int tls_write_pem(const char *path, mode_t mode, X509 *x, EVP_PKEY *pkey,
                         const char **error_r)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		*error_r = "path too long";
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (f == NULL) {
		snprintf(tls_errbuf, sizeof(tls_errbuf), "%.400s: %s", tmp, strerror(errno));
		*error_r = tls_errbuf;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int ok = x != NULL ? PEM_write_X509(f, x)
	                   : PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL);
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) < 0) {
		snprintf(tls_errbuf, sizeof(tls_errbuf), "writing %.400s failed", path);
		*error_r = tls_errbuf;
		unlink(tmp);
		return -1;
	}
	return 0;
}

int tls_selfsigned_write(const char *cert_path, const char *key_path, const char *cn,
                         const char **error_r)
{
	size_t cn_len = strlen(cn);
	if (cn_len == 0 || cn_len > 64 ||
	    strspn(cn, "abcdefghijklmnopqrstuvwxyz"
	               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") != cn_len) {
		*error_r = "certificate name must be a host name or IP address";
		return -1;
	}
	ERR_clear_error();
	EVP_PKEY *pkey = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	int ret = -1;
	if (pkey == NULL || x == NULL || tls_selfsigned_fill(x, pkey, cn) < 0)
		*error_r = tls_error("creating self-signed certificate");
	else if (tls_write_pem(key_path, 0600, NULL, pkey, error_r) == 0 &&
	         tls_write_pem(cert_path, 0644, x, NULL, error_r) == 0)
		ret = 0;
	X509_free(x);
	EVP_PKEY_free(pkey);
	return ret;
}
