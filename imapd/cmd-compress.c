/*
 * cmd-compress.c - COMPRESS DEFLATE (RFC 4978): from the tagged OK on, both
 * directions are raw DEFLATE (lib/base/conn-deflate.h), above TLS when TLS is on.
 *
 * Valid once authenticated (the command table): compression before login would
 * only help an attacker measure secrets (CRIME-style) and no client asks for it.
 * The OK itself goes out uncompressed.  The client must wait for it before
 * sending more, but whatever it pipelined anyway is already in s->in: it was
 * compressed, so it goes back under the new layer (conn_unread) instead of being
 * parsed as plaintext.
 */
#include "imapd/commands.h"
#include "imapd/reply.h"
#include "imapd/session.h"
#include "imapd/settings.h"

#include "base/conn-deflate.h"
#include "base/conn.h"
#include "base/log.h"
#include "imap/args.h"
#include "imap/parser.h"

#include <strings.h>

void cmd_compress(struct command_ctx *cmd)
{
	struct imap_session *s = cmd->s;
	const char *mech, *error;
	if (cmd->arg_count != 1 || !imap_arg_get_atom(&cmd->args[0], &mech)) {
		reply_bad(cmd, "COMPRESS takes one mechanism: COMPRESS DEFLATE");
		return;
	}
	if (strcasecmp(mech, "DEFLATE") != 0) {
		reply_bad(cmd, "Unknown compression mechanism (only DEFLATE)");
		return;
	}
	if (conn_deflate_active(s->conn)) {
		reply_no(cmd, "[COMPRESSIONACTIVE] DEFLATE is already active");
		return;
	}
	reply_ok(cmd, "DEFLATE active");
	conn_unread(s->conn, s->in.data, s->in.len);
	buf_reset(&s->in);
	if (conn_deflate_start(s->conn, s->set->compress_level, &error) < 0) {
		log_info("disconnect", "reason=compress_failed error=%s", log_q(error));
		cmd->session_over = true;
		return;
	}
	log_info("compress", "mechanism=deflate level=%d", s->set->compress_level);
}
