/*
 * cmd-starttls.c - STARTTLS (RFC 9051 6.2.1).  Anything the client pipelined
 * behind the command was sent in plaintext and is thrown away (session_start_tls),
 * so "a STARTTLS\r\nb LOGIN ..." in one packet never runs b.  The client must ask
 * for CAPABILITY again afterwards.
 */
#include "imapd/commands.h"
#include "imapd/reply.h"
#include "imapd/session.h"

void cmd_starttls(struct command_ctx *cmd)
{
	struct imap_session *s = cmd->s;
	if (cmd->arg_count != 0) {
		reply_bad(cmd, "STARTTLS takes no arguments");
		return;
	}
	if (s->tls) {
		reply_bad(cmd, "TLS is already active");
		return;
	}
	if (s->proc->tls == NULL) {
		reply_no(cmd, "[UNAVAILABLE] TLS is not configured");
		return;
	}
	reply_ok(cmd, "Begin TLS negotiation now");
	if (session_start_tls(s) < 0)
		cmd->session_over = true;
}
