/*
 * reply.c - IMAP response writers (reply.h): tagged replies with the
 * selected-mailbox sync in front, untagged lines, and the one mapping of store
 * failures to client replies.
 */
#include "imapd/reply.h"

#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/session.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/conn.h"
#include "base/log.h"
#include "store/store-result.h"

#include <stdarg.h>

static void reply_tagged(struct command_ctx *cmd, const char *status, const char *fmt, va_list ap)
{
	struct imap_session *s = cmd->s;
	if (s->view != NULL && (cmd->def->flags & COMMAND_FLAG_NO_SYNC) == 0)
		mailbox_view_sync(s, (cmd->def->flags & COMMAND_FLAG_NO_EXPUNGE) == 0);
	conn_printf(s->conn, "%s %s ", cmd->tag, status);
	conn_vprintf(s->conn, fmt, ap);
	conn_write(s->conn, "\r\n", 2);
	cmd->replied = true;
}

void reply_ok(struct command_ctx *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reply_tagged(cmd, "OK", fmt, ap);
	va_end(ap);
}

void reply_no(struct command_ctx *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reply_tagged(cmd, "NO", fmt, ap);
	va_end(ap);
}

void reply_bad(struct command_ctx *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reply_tagged(cmd, "BAD", fmt, ap);
	va_end(ap);
}

/* A copy of text with control characters replaced, at most 200 bytes. */
static const char *reply_safe_text(struct command_ctx *cmd, const char *text)
{
	char *t = arena_strndup(cmd->pool, text ? text : "", 200);
	for (char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return t;
}

void reply_store_error(struct command_ctx *cmd, int store_result, const char *error)
{
	switch (store_result) {
	case STORE_ENOTFOUND:
		reply_no(cmd, "[NONEXISTENT] No such mailbox");
		break;
	case STORE_EEXISTS:
		reply_no(cmd, "[ALREADYEXISTS] Mailbox already exists");
		break;
	case STORE_EINVAL:
	case STORE_EREFUSED:
		/* These texts are written by lib/store for users; they hold no secrets, but
		 * may quote a name, so keep them to one printable line. */
		reply_no(cmd, "[CANNOT] %s", reply_safe_text(cmd, error));
		break;
	default:
		log_error("store_error", "command=%s error=%s", cmd->name, log_q(error));
		reply_no(cmd, "[SERVERBUG] Internal error, try again later");
		break;
	}
}

void reply_untagged(struct imap_session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	conn_write(s->conn, "* ", 2);
	conn_vprintf(s->conn, fmt, ap);
	conn_write(s->conn, "\r\n", 2);
	va_end(ap);
}

void reply_untagged_buf(struct imap_session *s, const struct buf *b)
{
	conn_write(s->conn, "* ", 2);
	conn_write(s->conn, b->data, b->len);
	conn_write(s->conn, "\r\n", 2);
}

void reply_raw_tagged(struct imap_session *s, const char *tag, const char *status, const char *text)
{
	conn_printf(s->conn, "%s %s %s\r\n", tag ? tag : "*", status, text);
}
