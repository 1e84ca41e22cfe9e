/*
 * cmd-idle.c - IDLE (RFC 2177): "+ idling", then untagged EXISTS / EXPUNGE /
 * FETCH as soon as cairn-notifyd hints that the selected mailbox changed (or
 * the slow re-check finds something), until the client sends DONE.  Valid in the
 * authenticated state too: then there is nothing to report until DONE.  An IDLE
 * longer than the authenticated-state timeout is ended with BYE, as is one
 * interrupted by a worker stop.
 */
#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/notify-client.h"
#include "imapd/reply.h"
#include "imapd/session.h"
#include "imapd/settings.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/conn.h"
#include "base/log.h"

#include <strings.h>

/* Send what changed since the last sync.  Its own arena: an IDLE may last hours. */
static int idle_sync(struct imap_session *s, struct arena *arena)
{
	const char *error;
	struct buf out;
	if (s->view == NULL)
		return 0;
	buf_init_arena(&out, arena);
	if (mailbox_view_sync_out(s->view, s->db, arena, true, &out, &error) < 0)
		log_error("mailbox_sync", "mailbox=%lld error=%s", (long long)s->view->mailbox_id,
		          log_q(error));
	if (out.len > 0)
		conn_write(s->conn, out.data, out.len);
	arena_clear(arena);
	return conn_flush(s->conn, &error);
}

/* The client's line ends the IDLE: 0 for DONE, 1 for anything else, -1 gone. */
static int idle_read_done(struct imap_session *s)
{
	const char *line;
	size_t len;
	if (session_read_continuation(s, 64, &line, &len) < 0)
		return -1;
	return strcasecmp(line, "DONE") == 0 ? 0 : 1;
}

static void idle_bye(struct command_ctx *cmd, const char *text, const char *reason)
{
	const char *error;
	reply_untagged(cmd->s, "BYE %s", text);
	(void)conn_flush(cmd->s->conn, &error);
	log_info("disconnect", "reason=%s", reason);
	cmd->session_over = true;
}

/* The wait loop.  0: DONE, 1: something else than DONE, -1: the session is over. */
static int idle_loop(struct command_ctx *cmd, struct notify_client *nc, struct arena *arena)
{
	struct imap_session *s = cmd->s;
	int64_t deadline = notify_client_now() + (int64_t)s->set->timeout_auth_s * 1000;
	for (;;) {
		switch (notify_client_wait(nc, s, deadline)) {
		case NOTIFY_CLIENT_INPUT: {
			int r = idle_read_done(s);
			if (r < 0)
				cmd->session_over = true;
			return r;
		}
		case NOTIFY_CLIENT_CHANGE:
			if (idle_sync(s, arena) < 0) {
				cmd->session_over = true;
				return -1;
			}
			break;
		case NOTIFY_CLIENT_TIMEOUT:
			idle_bye(cmd, "Autologout; idle for too long", "idle_timeout");
			return -1;
		case NOTIFY_CLIENT_STOP:
			idle_bye(cmd, "[UNAVAILABLE] Server shutting down", "shutdown");
			return -1;
		}
	}
}

void cmd_idle(struct command_ctx *cmd)
{
	struct imap_session *s = cmd->s;
	const char *error;
	if (cmd->arg_count != 0) {
		reply_bad(cmd, "IDLE takes no arguments");
		return;
	}
	/* Watch first, then sync: a change in between is announced, not lost. */
	struct notify_client *nc = notify_client_new(s->view ? s->view->mailbox_id : 0);
	struct arena *arena = arena_new(8192);
	int r = idle_sync(s, arena);
	if (r == 0) {
		conn_write_str(s->conn, "+ idling\r\n");
		r = conn_flush(s->conn, &error);
	}
	if (r < 0)
		cmd->session_over = true;
	else
		r = idle_loop(cmd, nc, arena);
	notify_client_free(&nc);
	arena_free(&arena);
	if (r == 0)
		reply_ok(cmd, "IDLE terminated");
	else if (r > 0)
		reply_bad(cmd, "Expected DONE");
}
