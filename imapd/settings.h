/*
 * settings.h - the configuration of cairn-imapd, read once per worker from
 * cairn.conf: [imap], [tls], [database], [blob] and [auth].
 *
 * Every value is validated at start (a bad one stops the worker with
 * "path:LINE: ..."), so command code reads plain fields.  docs/imapd.md lists
 * the keys with their defaults.
 */
#ifndef CAIRN_IMAPD_SETTINGS_H
#define CAIRN_IMAPD_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "service/limits.h"

struct config;

/* [imap] allow_plaintext_auth */
enum imapd_plaintext {
	IMAPD_PLAINTEXT_NO, /* LOGIN/PLAIN only under TLS (default) */
	IMAPD_PLAINTEXT_LOOPBACK, /* also over plain connections from 127.0.0.0/8 and ::1 */
	IMAPD_PLAINTEXT_YES, /* everywhere (not recommended) */
};

struct imapd_settings {
	const char *hostname; /* greeting; default gethostname() */
	const char *default_domain; /* appended to logins without '@' (NULL: none) */
	enum imapd_plaintext plaintext_auth;
	/* max_connections_per_user, max_connections_per_ip (0: unlimited) and
	 * limits_dir, the slot files (lib/service/limits.h) */
	struct limits_settings limits;
	unsigned timeout_preauth_s; /* before login (60) */
	unsigned timeout_auth_s; /* after login (1800) */
	uint64_t appendlimit; /* bytes of one APPEND literal (APPENDLIMIT=) */
	unsigned auth_fail_delay_ms; /* pause after the first failed login, doubled after each */
	unsigned max_auth_failures; /* BYE after this many failed logins */
	unsigned scram_iterations; /* shown for unknown users (match cairnctl's records) */
	int compress_level; /* zlib level of COMPRESS=DEFLATE, 0..9 (6) */

	const char *tls_cert, *tls_key; /* [tls] cert, key (NULL: no STARTTLS, no imaps) */
	const char *db_conninfo; /* [database] conninfo (required) */
	const char *blob_root; /* [blob] root (for the message commands) */
	const unsigned char *fake_secret; /* [auth] fake_secret (NULL: per process) */
	size_t fake_secret_len;
};

/*
 * Read and check the settings from cfg into *set (strings point into cfg).
 * Returns 0, or -1 with *error_r ("path:LINE: unknown key 'x' in [imap]").
 */
int imapd_settings_load(struct config *cfg, struct imapd_settings *set, const char **error_r);

#endif
