/*
 * lmtp_data.c - receiving a message body: DATA (dot-unstuffing, end only at
 * CRLF.CRLF) and BDAT chunks, with line ends normalised to CRLF and the size
 * limit enforced without buffering more than the limit.
 *
 * Exports lmtp_message_begin, lmtp_data_input, lmtp_bdat_input, lmtp_message_end.
 *
 * Smuggling: a message ends only at "." on a line of its own that is preceded and
 * terminated by CRLF.  "\n.\n", "\n.\r\n" and "\r\n.\n" are message content, so an
 * MTA that treats bare LF differently can never make us see two messages where it
 * saw one.
 */
#include "lmtp-private.h"

#include "base/arena.h"

#include <string.h>

/* A DATA line longer than this is stored in pieces instead of buffered whole. */
#define LMTP_DATA_PIECE (64 * 1024)

static void lmtp_msg_append(struct lmtp_session *s, const void *data, size_t len)
{
	if (s->too_big)
		return;
	if (s->msg.len + len > s->set->max_message_size) {
		/* Keep reading to the end of the message, but store nothing more. */
		s->too_big = 1;
		buf_free(&s->msg);
		return;
	}
	buf_append(&s->msg, data, len);
}

void lmtp_message_begin(struct lmtp_session *s)
{
	buf_reset(&s->msg);
	s->too_big = 0;
	s->last_cr = 0;
	buf_reserve(&s->msg, 8192);
	s->msg.len = 0;
	buf_printf(&s->msg, "Return-Path: <%s>\r\n", s->sender);
}

/* A DATA line without its LF yet; store all of it but the last byte when long. */
static void lmtp_data_partial(struct lmtp_session *s, const char *start, size_t avail)
{
	if (avail <= LMTP_DATA_PIECE)
		return;
	/* Keep the last byte: it may be the CR of a CRLF whose LF has not arrived. */
	size_t take = avail - 1;
	s->in_pos += take;
	if (!s->data_mid_line && start[0] == '.') {
		start++;
		take--;
	}
	lmtp_msg_append(s, start, take);
	s->data_mid_line = 1;
}

int lmtp_data_input(struct lmtp_session *s)
{
	for (;;) {
		const char *start = s->in.data + s->in_pos;
		size_t avail = s->in.len - s->in_pos;
		const char *lf = avail ? memchr(start, '\n', avail) : NULL;
		if (lf == NULL) {
			lmtp_data_partial(s, start, avail);
			return 0;
		}
		size_t linelen = (size_t)(lf - start) + 1;
		s->in_pos += linelen;
		int crlf = linelen >= 2 && lf[-1] == '\r';
		size_t content = linelen - (crlf ? 2 : 1);
		if (!s->data_mid_line) {
			if (crlf && content == 1 && start[0] == '.' && s->data_prev_crlf)
				return 1;
			/* RFC 5321 4.5.2: drop the first of a line's leading dots. */
			if (content > 1 && start[0] == '.') {
				start++;
				content--;
			}
		}
		lmtp_msg_append(s, start, content);
		lmtp_msg_append(s, "\r\n", 2);
		s->data_mid_line = 0;
		s->data_prev_crlf = crlf;
	}
}

/* Append a BDAT piece with every bare LF turned into CRLF (CRs may end a piece). */
static void lmtp_bdat_append(struct lmtp_session *s, const char *p, size_t len)
{
	while (len > 0) {
		const char *lf = memchr(p, '\n', len);
		size_t n = lf ? (size_t)(lf - p) : len;
		lmtp_msg_append(s, p, n);
		if (lf == NULL) {
			s->last_cr = p[n - 1] == '\r';
			return;
		}
		int have_cr = n > 0 ? p[n - 1] == '\r' : s->last_cr;
		lmtp_msg_append(s, have_cr ? "\n" : "\r\n", have_cr ? 1 : 2);
		s->last_cr = 0;
		p += n + 1;
		len -= n + 1;
	}
}

int lmtp_bdat_input(struct lmtp_session *s)
{
	size_t avail = s->in.len - s->in_pos;
	size_t take = avail < s->bdat_remaining ? avail : (size_t)s->bdat_remaining;
	if (!s->bdat_failed && take > 0)
		lmtp_bdat_append(s, s->in.data + s->in_pos, take);
	s->in_pos += take;
	s->bdat_remaining -= take;
	return s->bdat_remaining == 0;
}

void lmtp_message_end(struct lmtp_session *s, struct buf *out)
{
	size_t n = s->rcpt_count;
	enum lmtp_status *st = arena_alloc(s->txn, n * sizeof(*st));
	if (s->too_big) {
		for (size_t i = 0; i < n; i++)
			lmtp_reply(out, 552, "5.3.4", "Message too big");
	} else {
		for (size_t i = 0; i < n; i++)
			st[i] = LMTP_TEMPFAIL;
		s->cb->deliver(s->ctx, s->sender, (const unsigned char *)s->msg.data, s->msg.len,
		               s->rcpts, n, st);
		for (size_t i = 0; i < n; i++)
			lmtp_status_reply(s, st[i], 1, out);
	}
	lmtp_txn_reset(s);
}
