/*
 * session.h - one IMAP client connection of cairn-imapd: its state (RFC 9051
 * section 3), the authenticated user, the selected mailbox, and the loop that reads
 * commands and hands them to the command table (commands.h).
 *
 * A worker serves one client at a time, so a session is driven by blocking reads
 * (conn.h).  Memory has the three lifetimes of STYLE.md: the process (settings,
 * database connection), the client (s->pool: user, enabled extensions), and the
 * command (cmd->pool, commands.h: cleared after each tagged reply).
 *
 * For command code (cmd-*.c) the contract is:
 *   - read arguments from the struct command_ctx (commands.h), validate, act through
 *     lib/store, then answer with the reply helpers (reply.h): untagged lines first,
 *     then exactly one tagged reply;
 *   - the tagged reply helpers run the selected-mailbox sync hook first
 *     (mailbox-view.h), so a handler never calls it itself;
 *   - never write to s->conn with raw printf of client data: quote with lib/imap/quote.h;
 *   - never block the database inside a transaction while waiting for the client.
 */
#ifndef CAIRN_IMAPD_SESSION_H
#define CAIRN_IMAPD_SESSION_H

#include "base/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct conn;
struct db;
struct imap_parser;
struct imapd_settings;
struct limits_slot;
struct mailbox_view;
struct passdb;
struct service_client;
struct tls_ctx;

/* RFC 9051 states as bits, so the command table can allow several. */
enum session_state {
	SESSION_NOT_AUTH = 1u << 0,
	SESSION_AUTH = 1u << 1,
	SESSION_SELECTED = 1u << 2,
	SESSION_LOGOUT = 1u << 3,
};

/* ENABLEd extensions (RFC 5161), s->enabled. */
#define SESSION_ENABLED_IMAP4REV2 (1u << 0) /* RFC 9051 behaviour instead of RFC 3501 */
#define SESSION_ENABLED_UTF8 (1u << 1) /* UTF8=ACCEPT (RFC 6855); implied by IMAP4rev2 */
#define SESSION_ENABLED_CONDSTORE (1u << 2) /* RFC 7162: MODSEQ in untagged FETCH */
#define SESSION_ENABLED_QRESYNC (1u << 3) /* RFC 7162: VANISHED instead of EXPUNGE */

/* The worker-wide things every session shares (process lifetime). */
struct imapd_process {
	const struct imapd_settings *set;
	struct db *db; /* this worker's PostgreSQL connection */
	struct tls_ctx *tls; /* NULL when [tls] is not configured */
	struct passdb *passdb; /* LOGIN / AUTHENTICATE check against it (lib/auth) */
};

struct imap_session {
	struct imapd_process *proc;
	const struct imapd_settings *set; /* = proc->set */
	struct db *db; /* = proc->db */
	const struct service_client *client;
	struct conn *conn;
	struct imap_parser *parser;
	struct buf in; /* input read from conn that the parser has not consumed yet */
	struct arena *pool; /* client lifetime */
	struct arena *cmd_pool; /* command lifetime: cleared after each tagged reply */

	enum session_state state;
	unsigned enabled; /* SESSION_ENABLED_* */
	bool tls; /* TLS is on (implicit or after STARTTLS) */
	bool loopback; /* the peer is 127.0.0.0/8, ::1 or a Unix socket */
	const char *peer_ip; /* "192.0.2.1", "2001:db8::1", "unix" */

	/* After authentication (state >= SESSION_AUTH). */
	int64_t user_id;
	int64_t domain_id;
	const char *login; /* "localpart@domain" */
	const char *localpart, *domain;

	/* The selected mailbox (state == SESSION_SELECTED), owned by the message half. */
	struct mailbox_view *view;

	unsigned auth_failures; /* failed LOGIN/AUTHENTICATE attempts so far */
	struct limits_slot *ip_slot, *user_slot; /* connection limits held (service/limits.h) */
	uint64_t commands; /* commands run, for the logout log line */
};

/* Serve one client until LOGOUT, EOF, timeout or a fatal error; frees everything. */
void session_serve(struct imapd_process *proc, const struct service_client *client);

/*
 * Read one line of a command continuation (AUTHENTICATE responses): input left
 * behind the command is used first.  On success *line_r (without CRLF,
 * NUL-terminated, in s->cmd_pool) and 0; -1 when the client is gone, timed out or
 * sent more than max bytes (then the session is over: the caller returns).
 */
int session_read_continuation(struct imap_session *s, size_t max, const char **line_r,
                              size_t *len_r);

/*
 * Start TLS now (STARTTLS after its OK was written): flushes output, discards any
 * input pipelined behind the command (logged), resets the parser.  -1 when the
 * handshake failed: the session is over.
 */
int session_start_tls(struct imap_session *s);

/*
 * Become authenticated as the account (after a successful LOGIN/AUTHENTICATE):
 * takes the per-user connection slot, loads groups, makes sure INBOX exists,
 * switches to the longer timeout.  Returns 0, or -1 with *error_r (a full tagged
 * NO text, e.g. "[LIMIT] Too many connections") and the session unchanged.
 */
int session_login(struct imap_session *s, int64_t account_id, const char *login,
                  const char **error_r);

/* quote.h flags for this client (IMAP_QUOTE_UTF8 once UTF-8 is enabled). */
unsigned session_quote_flags(const struct imap_session *s);
/* 1 if mailbox names are UTF-8 for this client (UTF8=ACCEPT / IMAP4rev2 enabled). */
bool session_utf8(const struct imap_session *s);
/* 1 if the client enabled IMAP4rev2. */
bool session_rev2(const struct imap_session *s);
/* 1 if LOGIN / AUTHENTICATE PLAIN may be used now ([imap] allow_plaintext_auth). */
bool session_plaintext_allowed(const struct imap_session *s);

#endif
