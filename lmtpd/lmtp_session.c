/*
 * lmtp_session.c - the LMTP command loop: line framing, the command table and
 * one handler per command (checks first, then the action, then the reply, as
 * OpenSMTPD's smtp_session.c does).  Message bodies are in lmtp_data.c.
 *
 * Exports lmtp_settings_init, lmtp_session_new/free/greeting/input/in_message.
 */
#include "lmtp-private.h"

#include "base/arena.h"
#include "base/xalloc.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LMTP_BDAT_MAX_DIGITS 19

struct lmtp_command {
	const char *name;
	void (*handler)(struct lmtp_session *s, const char *args, struct buf *out);
};

void lmtp_settings_init(struct lmtp_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->hostname = "localhost";
	set->max_line_length = 4096;
	set->max_message_size = 50 * 1024 * 1024;
	set->max_recipients = 1000;
	set->over_quota_code = 452;
}

void lmtp_reply(struct buf *out, int code, const char *enh, const char *fmt, ...)
{
	va_list ap;
	buf_printf(out, "%d %s ", code, enh);
	va_start(ap, fmt);
	buf_vprintf(out, fmt, ap);
	va_end(ap);
	buf_append(out, "\r\n", 2);
}

struct lmtp_session *lmtp_session_new(const struct lmtp_settings *set,
                                      const struct lmtp_callbacks *cb, void *ctx)
{
	struct lmtp_session *s = xcalloc(1, sizeof(*s));
	s->set = set;
	s->cb = cb;
	s->ctx = ctx;
	s->txn = arena_new(0);
	buf_init(&s->in);
	buf_init(&s->msg);
	return s;
}

void lmtp_session_free(struct lmtp_session **sp)
{
	struct lmtp_session *s = *sp;
	if (s == NULL)
		return;
	buf_free(&s->in);
	buf_free(&s->msg);
	arena_free(&s->txn);
	XFREE(*sp);
}

void lmtp_session_greeting(struct lmtp_session *s, struct buf *out)
{
	buf_printf(out, "220 %s LMTP cairn ready\r\n", s->set->hostname);
}

int lmtp_session_in_message(const struct lmtp_session *s)
{
	return s->state != LMTP_STATE_COMMAND;
}

void lmtp_txn_reset(struct lmtp_session *s)
{
	arena_clear(s->txn);
	s->have_mail = 0;
	s->sender = NULL;
	s->size_hint = 0;
	s->rcpts = NULL;
	s->rcpt_count = s->rcpt_alloc = 0;
	s->too_big = 0;
	s->bdat_failed = 0;
	s->bdat_last = 0;
	/* A big message's buffer is not kept for the rest of the session. */
	if (s->msg.cap > 1024 * 1024)
		buf_free(&s->msg);
	buf_reset(&s->msg);
}

/* ---- commands ---- */

static void lmtp_cmd_lhlo(struct lmtp_session *s, const char *args, struct buf *out)
{
	if (*args == '\0') {
		lmtp_reply(out, 501, "5.5.4", "LHLO needs a host name");
		return;
	}
	lmtp_txn_reset(s);
	s->lhlo_done = 1;
	buf_printf(out,
	           "250-%s\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
	           "250-SIZE %" PRIu64 "\r\n250 CHUNKING\r\n",
	           s->set->hostname, s->set->max_message_size);
}

static void lmtp_cmd_helo(struct lmtp_session *s, const char *args, struct buf *out)
{
	lmtp_reply(out, 500, "5.5.1", "This is LMTP: use LHLO");
}

/* Parse MAIL parameters (SIZE=, BODY=); -1 after appending the error reply. */
static int lmtp_mail_params(struct lmtp_session *s, const char *p, struct buf *out)
{
	while (*p) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > 5 && strncasecmp(p, "SIZE=", 5) == 0) {
			char *e;
			unsigned long long v = strtoull(p + 5, &e, 10);
			if (e != p + len || p[5] < '0' || p[5] > '9' || len - 5 > 20) {
				lmtp_reply(out, 501, "5.5.4", "Bad SIZE parameter");
				return -1;
			}
			s->size_hint = v;
		} else if (len == 13 && strncasecmp(p, "BODY=8BITMIME", 13) == 0) {
		} else if (len == 9 && strncasecmp(p, "BODY=7BIT", 9) == 0) {
		} else {
			lmtp_reply(out, 555, "5.5.4", "Unsupported parameter");
			return -1;
		}
		p += len;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* "FROM:" / "TO:" prefix, case-insensitive; returns what follows or NULL. */
static const char *lmtp_path_arg(const char *args, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncasecmp(args, prefix, n) == 0 ? args + n : NULL;
}

static void lmtp_cmd_mail(struct lmtp_session *s, const char *args, struct buf *out)
{
	const char *arg = lmtp_path_arg(args, "FROM:"), *params, *error;
	char *addr;
	if (!s->lhlo_done) {
		lmtp_reply(out, 503, "5.5.1", "Send LHLO first");
		return;
	}
	if (s->have_mail) {
		lmtp_reply(out, 503, "5.5.1", "Nested MAIL command");
		return;
	}
	if (arg == NULL || lmtp_addr_parse(arg, s->txn, &addr, &params, &error) < 0) {
		lmtp_reply(out, 501, "5.1.7", "Bad sender address syntax");
		return;
	}
	if (lmtp_mail_params(s, params, out) < 0) {
		lmtp_txn_reset(s);
		return;
	}
	if (s->size_hint > s->set->max_message_size) {
		lmtp_txn_reset(s);
		lmtp_reply(out, 552, "5.3.4", "Message size exceeds fixed limit");
		return;
	}
	s->sender = addr;
	s->have_mail = 1;
	lmtp_reply(out, 250, "2.1.0", "Sender OK");
}

static void lmtp_rcpt_add(struct lmtp_session *s, void *rcpt)
{
	if (s->rcpt_count == s->rcpt_alloc) {
		size_t n = s->rcpt_alloc ? s->rcpt_alloc * 2 : 16;
		void **v = arena_alloc(s->txn, n * sizeof(*v));
		if (s->rcpt_count > 0)
			memcpy(v, s->rcpts, s->rcpt_count * sizeof(*v));
		s->rcpts = v;
		s->rcpt_alloc = n;
	}
	s->rcpts[s->rcpt_count++] = rcpt;
}

void lmtp_status_reply(struct lmtp_session *s, enum lmtp_status st, int after_data, struct buf *out)
{
	switch (st) {
	case LMTP_OK:
		if (after_data)
			lmtp_reply(out, 250, "2.0.0", "Delivered");
		else
			lmtp_reply(out, 250, "2.1.5", "OK");
		break;
	case LMTP_DUPLICATE:
		lmtp_reply(out, 250, "2.0.0", "Duplicate suppressed");
		break;
	case LMTP_UNKNOWN:
		lmtp_reply(out, 550, "5.1.1", "No such user here");
		break;
	case LMTP_OVER_QUOTA:
		if (s->set->over_quota_code == 552)
			lmtp_reply(out, 552, "5.2.2", "Mailbox full");
		else
			lmtp_reply(out, 452, "4.2.2", "Mailbox full");
		break;
	case LMTP_TEMPFAIL:
		lmtp_reply(out, 451, "4.3.0", "Temporary failure, try again later");
		break;
	}
}

static void lmtp_cmd_rcpt(struct lmtp_session *s, const char *args, struct buf *out)
{
	const char *arg = lmtp_path_arg(args, "TO:"), *params, *error;
	char *addr;
	void *rcpt = NULL;
	if (!s->have_mail) {
		lmtp_reply(out, 503, "5.5.1", "Need MAIL before RCPT");
		return;
	}
	if (arg == NULL || lmtp_addr_parse(arg, s->txn, &addr, &params, &error) < 0 ||
	    addr[0] == '\0') {
		lmtp_reply(out, 501, "5.1.3", "Bad recipient address syntax");
		return;
	}
	if (*params != '\0') {
		lmtp_reply(out, 555, "5.5.4", "Unsupported parameter");
		return;
	}
	if (s->rcpt_count >= s->set->max_recipients) {
		lmtp_reply(out, 452, "4.5.3", "Too many recipients");
		return;
	}
	enum lmtp_status st = s->cb->rcpt(s->ctx, s->txn, addr, s->size_hint, &rcpt);
	if (st == LMTP_OK)
		lmtp_rcpt_add(s, rcpt);
	lmtp_status_reply(s, st, 0, out);
}

static int lmtp_txn_ready(struct lmtp_session *s, struct buf *out)
{
	if (!s->have_mail) {
		lmtp_reply(out, 503, "5.5.1", "Need MAIL command");
		return 0;
	}
	if (s->rcpt_count == 0) {
		lmtp_reply(out, 503, "5.5.1", "No valid recipients");
		return 0;
	}
	return 1;
}

static void lmtp_cmd_data(struct lmtp_session *s, const char *args, struct buf *out)
{
	if (*args != '\0') {
		lmtp_reply(out, 501, "5.5.4", "DATA takes no arguments");
		return;
	}
	if (s->msg.len > 0 || s->too_big || s->bdat_failed) {
		lmtp_reply(out, 503, "5.5.1", "DATA after BDAT");
		return;
	}
	if (!lmtp_txn_ready(s, out))
		return;
	lmtp_message_begin(s);
	s->state = LMTP_STATE_DATA;
	s->data_mid_line = 0;
	s->data_prev_crlf = 1;
	buf_append_str(out, "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
}

static void lmtp_cmd_bdat(struct lmtp_session *s, const char *args, struct buf *out)
{
	const char *p = args;
	uint64_t size = 0;
	int digits = 0;
	for (; *p >= '0' && *p <= '9' && digits <= LMTP_BDAT_MAX_DIGITS; p++, digits++)
		size = size * 10 + (uint64_t)(*p - '0');
	int last = strcasecmp(p, " LAST") == 0;
	if (digits == 0 || digits > LMTP_BDAT_MAX_DIGITS || (*p != '\0' && !last)) {
		/* Without a valid size the chunk cannot be skipped: the session is lost. */
		lmtp_reply(out, 501, "5.5.4", "Bad BDAT syntax, closing");
		s->quit = 1;
		return;
	}
	s->state = LMTP_STATE_BDAT;
	s->bdat_remaining = s->bdat_chunk = size;
	s->bdat_last = last;
	/* RFC 3030: a refused chunk is still read (and replied to after it). */
	if (!s->have_mail || s->rcpt_count == 0)
		s->bdat_failed = 1;
	else if (!s->bdat_failed && s->msg.len == 0 && !s->too_big)
		lmtp_message_begin(s);
}

static void lmtp_cmd_rset(struct lmtp_session *s, const char *args, struct buf *out)
{
	lmtp_txn_reset(s);
	lmtp_reply(out, 250, "2.0.0", "OK");
}

static void lmtp_cmd_noop(struct lmtp_session *s, const char *args, struct buf *out)
{
	lmtp_reply(out, 250, "2.0.0", "OK");
}

static void lmtp_cmd_vrfy(struct lmtp_session *s, const char *args, struct buf *out)
{
	lmtp_reply(out, 252, "2.5.2",
	           "Cannot VRFY user, but will accept message and attempt "
	           "delivery");
}

static void lmtp_cmd_quit(struct lmtp_session *s, const char *args, struct buf *out)
{
	lmtp_reply(out, 221, "2.0.0", "Bye");
	s->quit = 1;
}

static const struct lmtp_command lmtp_commands[] = {
        {"LHLO", lmtp_cmd_lhlo}, {"MAIL", lmtp_cmd_mail}, {"RCPT", lmtp_cmd_rcpt},
        {"DATA", lmtp_cmd_data}, {"BDAT", lmtp_cmd_bdat}, {"RSET", lmtp_cmd_rset},
        {"NOOP", lmtp_cmd_noop}, {"VRFY", lmtp_cmd_vrfy}, {"QUIT", lmtp_cmd_quit},
        {"HELO", lmtp_cmd_helo}, {"EHLO", lmtp_cmd_helo}, {NULL, NULL},
};

/* One command line (CRLF or LF stripped, NUL-terminated in place). */
static void lmtp_command_line(struct lmtp_session *s, char *line, size_t len, struct buf *out)
{
	if (memchr(line, '\0', len) != NULL) {
		lmtp_reply(out, 500, "5.5.2", "NUL in command");
		return;
	}
	size_t n = strcspn(line, " ");
	const char *args = line[n] ? line + n + 1 : line + n;
	for (const struct lmtp_command *c = lmtp_commands; c->name; c++) {
		if (n == 4 && strncasecmp(line, c->name, 4) == 0) {
			c->handler(s, args, out);
			return;
		}
	}
	lmtp_reply(out, 500, "5.5.2", "Command unrecognized");
}

/* Handle complete command lines in s->in; returns when a message starts or input ends. */
static void lmtp_commands_input(struct lmtp_session *s, struct buf *out)
{
	while (s->state == LMTP_STATE_COMMAND && !s->quit) {
		char *start = s->in.data + s->in_pos;
		size_t avail = s->in.len - s->in_pos;
		char *lf = memchr(start, '\n', avail);
		if (lf == NULL) {
			if (avail >= s->set->max_line_length) {
				s->discard_line = 1; /* drop the rest, reply when the line ends */
				s->in_pos = s->in.len;
			}
			return;
		}
		s->in_pos += (size_t)(lf - start) + 1;
		if (s->discard_line || (size_t)(lf - start) + 1 > s->set->max_line_length) {
			s->discard_line = 0;
			lmtp_reply(out, 500, "5.5.2", "Line too long");
			continue;
		}
		size_t len = (size_t)(lf - start);
		if (len > 0 && start[len - 1] == '\r')
			len--;
		start[len] = '\0';
		lmtp_command_line(s, start, len, out);
	}
}

int lmtp_session_input(struct lmtp_session *s, const void *data, size_t len, struct buf *out)
{
	buf_append(&s->in, data, len);
	while (!s->quit) {
		if (s->state == LMTP_STATE_COMMAND) {
			lmtp_commands_input(s, out);
			if (s->state == LMTP_STATE_COMMAND)
				break;
		} else if (s->state == LMTP_STATE_DATA) {
			if (!lmtp_data_input(s))
				break;
			s->state = LMTP_STATE_COMMAND;
			lmtp_message_end(s, out);
		} else {
			if (!lmtp_bdat_input(s))
				break;
			s->state = LMTP_STATE_COMMAND;
			if (s->bdat_failed)
				lmtp_reply(out, 503, "5.5.1",
				           "No valid recipients, chunk discarded");
			else if (s->bdat_last)
				lmtp_message_end(s, out);
			else
				lmtp_reply(out, 250, "2.0.0", "%" PRIu64 " octets received",
				           s->bdat_chunk);
			if (s->bdat_last)
				lmtp_txn_reset(s);
		}
	}
	/* Drop what was consumed, once per call (not per line: that would be quadratic). */
	buf_consume(&s->in, s->in_pos);
	s->in_pos = 0;
	return s->quit ? -1 : 0;
}
