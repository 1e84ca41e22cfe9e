/*
 * lmtp_session.h - the RFC 2033 LMTP protocol engine.
 *
 * The engine is pure protocol: bytes in, replies out, and delivery decisions through
 * a callbacks struct (as Cyrus lmtpengine.c does), so it can be driven by unit tests
 * without a socket or a database.  It implements LHLO, MAIL (SIZE=, BODY=), RCPT,
 * DATA, BDAT (RFC 3030 CHUNKING), RSET, NOOP, VRFY, QUIT, with PIPELINING: feed it
 * whatever arrived, write out everything it produced, repeat.
 *
 * Message bytes handed to deliver() are what is stored: a Return-Path header, then
 * the message with dot-stuffing removed and every line ending normalised to CRLF.
 * Only CRLF "." CRLF ends DATA; a bare LF never does (no SMTP smuggling).
 */
#ifndef CAIRN_LMTP_SESSION_H
#define CAIRN_LMTP_SESSION_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;
struct lmtp_session;

/* Outcome for one recipient, at RCPT time or after the message was received. */
enum lmtp_status {
	LMTP_OK, /* 250: accepted / delivered */
	LMTP_DUPLICATE, /* 250: already delivered within the dedup window, suppressed */
	LMTP_UNKNOWN, /* 550 5.1.1: no such user or domain */
	LMTP_OVER_QUOTA, /* 452 4.2.2, or 552 5.2.2 when so configured */
	LMTP_TEMPFAIL, /* 451 4.3.0: database or blob store unavailable */
};

struct lmtp_callbacks {
	/*
	 * Check a recipient at RCPT time.  address is the mailbox from the RCPT path
	 * (unquoted local part, '@', domain; case as sent); size the MAIL SIZE= value
	 * or 0.  On LMTP_OK, *rcpt_r is a handle allocated from txn (which lives until
	 * the transaction ends) and is passed back to deliver().
	 */
	enum lmtp_status (*rcpt)(void *ctx, struct arena *txn, const char *address, uint64_t size,
	                         void **rcpt_r);
	/*
	 * Store msg (len bytes) for the n accepted recipients; set status_r[i] for each.
	 * sender is the MAIL FROM address ("" for the null sender).
	 */
	void (*deliver)(void *ctx, const char *sender, const unsigned char *msg, size_t len,
	                void *const *rcpts, size_t n, enum lmtp_status *status_r);
};

struct lmtp_settings {
	const char *hostname; /* shown in the greeting and LHLO reply */
	size_t max_line_length; /* command line limit, bytes incl. CRLF (>= 512) */
	uint64_t max_message_size; /* bytes as stored; advertised as SIZE */
	unsigned max_recipients; /* per transaction */
	int over_quota_code; /* 452 (temporary, default) or 552 (permanent) */
};

/* Defaults: 4096 byte lines, 50 MB messages, 1000 recipients, 452 over quota. */
void lmtp_settings_init(struct lmtp_settings *set);

/* A session for one client; set, cb and ctx must outlive it. */
struct lmtp_session *lmtp_session_new(const struct lmtp_settings *set,
                                      const struct lmtp_callbacks *cb, void *ctx);
void lmtp_session_free(struct lmtp_session **session);

/* Append the 220 greeting to out. */
void lmtp_session_greeting(struct lmtp_session *session, struct buf *out);

/*
 * Process len bytes from the client, appending every reply they cause to out
 * (pipelined commands produce several).  Returns 0 to keep reading, -1 when the
 * session is over (after QUIT or a fatal protocol error); out holds the last replies.
 */
int lmtp_session_input(struct lmtp_session *session, const void *data, size_t len, struct buf *out);

/* Nonzero while a message is being received (DATA or BDAT in progress). */
int lmtp_session_in_message(const struct lmtp_session *session);

#endif
