/*
 * lmtp-private.h - what the LMTP engine files share: the session struct, the
 * message-body receiver (lmtp_data.c) and the path parser (lmtp_addr.c).
 */
#ifndef CAIRN_LMTP_PRIVATE_H
#define CAIRN_LMTP_PRIVATE_H

#include "lmtp_session.h"

#include "base/buf.h"

enum lmtp_state {
	LMTP_STATE_COMMAND, /* reading command lines */
	LMTP_STATE_DATA, /* after 354: message lines until CRLF.CRLF */
	LMTP_STATE_BDAT, /* reading bdat_remaining raw bytes of a chunk */
};

struct lmtp_session {
	const struct lmtp_settings *set;
	const struct lmtp_callbacks *cb;
	void *ctx;
	struct buf in; /* unprocessed input from in_pos on */
	size_t in_pos;
	enum lmtp_state state;
	int lhlo_done;
	int quit;
	int discard_line; /* an overlong command line: drop until its LF */

	/* The transaction (MAIL .. end of message), allocated from txn. */
	struct arena *txn;
	int have_mail;
	char *sender;
	uint64_t size_hint;
	void **rcpts;
	size_t rcpt_count, rcpt_alloc;

	/* The message being received. */
	struct buf msg;
	int too_big; /* exceeded max_message_size: keep reading, store nothing */
	int data_mid_line; /* DATA: inside a line (an earlier piece had no LF yet) */
	int data_prev_crlf; /* DATA: the previous line ended in CRLF (or none yet) */
	int last_cr; /* BDAT: the last byte appended was a CR */
	uint64_t bdat_remaining, bdat_chunk;
	int bdat_last; /* the current chunk is BDAT ... LAST */
	int bdat_failed; /* the transaction's BDAT chunks are being discarded */
};

/* Append "code enh text\r\n". */
void lmtp_reply(struct buf *out, int code, const char *enh, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Append the reply for a recipient status (at RCPT time, or after the message). */
void lmtp_status_reply(struct lmtp_session *s, enum lmtp_status st, int after_data,
                       struct buf *out);

/* Start receiving a message (after 354 or the first BDAT): Return-Path first. */
void lmtp_message_begin(struct lmtp_session *s);
/*
 * Consume DATA input from s->in at s->in_pos.  Returns 1 when the final "."
 * line was seen (the message is complete), 0 when more input is needed.
 */
int lmtp_data_input(struct lmtp_session *s);
/* Consume up to s->bdat_remaining raw bytes of a BDAT chunk; 1 when the chunk is done. */
int lmtp_bdat_input(struct lmtp_session *s);
/* Message complete: deliver (or refuse) and append one reply per recipient. */
void lmtp_message_end(struct lmtp_session *s, struct buf *out);
/* Forget the transaction (RSET, end of message). */
void lmtp_txn_reset(struct lmtp_session *s);

/*
 * Parse a MAIL FROM / RCPT TO argument: "<path>" then optional " KEY=VALUE"
 * parameters.  *addr_r = the mailbox (source route dropped, quoted local part
 * unquoted; "" for "<>") allocated from arena, *params_r points into arg.
 * -1 with *error_r on bad syntax.
 */
int lmtp_addr_parse(const char *arg, struct arena *arena, char **addr_r, const char **params_r,
                    const char **error_r);

#endif
