/*
 * cmd-enable.c - ENABLE capability... (RFC 5161).  Known: IMAP4rev2 (RFC 9051
 * behaviour; implies UTF-8 mailbox names and quoted strings) and UTF8=ACCEPT
 * (RFC 6855).  Unknown or not-enableable names are ignored, as RFC 5161 says;
 * "* ENABLED" lists what this command newly turned on.
 */
#include "imapd/commands.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/buf.h"
#include "imap/args.h"
#include "imap/parser.h"

#include <strings.h>

void cmd_enable(struct command_ctx *cmd)
{
	struct imap_session *s = cmd->s;
	struct buf b = BUF_INIT;
	const char *name;
	if (cmd->arg_count == 0) {
		reply_bad(cmd, "Usage: ENABLE capability...");
		return;
	}
	for (const struct imap_arg *a = cmd->args; a; a = a->next)
		if (!imap_arg_get_atom(a, &name)) {
			reply_bad(cmd, "ENABLE takes capability names");
			return;
		}
	buf_append_str(&b, "ENABLED");
	for (const struct imap_arg *a = cmd->args; a; a = a->next) {
		unsigned bit = 0;
		if (strcasecmp(a->str, "IMAP4rev2") == 0)
			bit = SESSION_ENABLED_IMAP4REV2;
		else if (strcasecmp(a->str, "UTF8=ACCEPT") == 0)
			bit = SESSION_ENABLED_UTF8;
		if (bit == 0 || (s->enabled & bit) != 0)
			continue;
		s->enabled |= bit;
		buf_append_char(&b, ' ');
		buf_append_str(&b, bit == SESSION_ENABLED_UTF8 ? "UTF8=ACCEPT" : "IMAP4rev2");
	}
	if (session_utf8(s))
		imap_parser_set_flags(s->parser, IMAP_PARSER_LITERAL_PLUS | IMAP_PARSER_UTF8);
	reply_untagged_buf(s, &b);
	buf_free(&b);
	reply_ok(cmd, "ENABLE completed");
}
