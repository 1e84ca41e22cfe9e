/*
 * cmd-enable.c - ENABLE capability... (RFC 5161).  Known: IMAP4rev2 (RFC 9051
 * behaviour; implies UTF-8 mailbox names and quoted strings) and UTF8=ACCEPT
 * (RFC 6855), CONDSTORE and QRESYNC (RFC 7162; QRESYNC implies CONDSTORE).  Unknown or not-enableable names are ignored, as RFC 5161 says;
 * "* ENABLED" lists what this command newly turned on.
 */
#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/buf.h"
#include "imap/args.h"
#include "imap/parser.h"

#include <strings.h>

static const struct {
	const char *name;
	unsigned bits;
} enable_names[] = {
        {"IMAP4rev2", SESSION_ENABLED_IMAP4REV2},
        {"UTF8=ACCEPT", SESSION_ENABLED_UTF8},
        {"CONDSTORE", SESSION_ENABLED_CONDSTORE},
        {"QRESYNC", SESSION_ENABLED_QRESYNC | SESSION_ENABLED_CONDSTORE},
};

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
		for (size_t i = 0; i < sizeof(enable_names) / sizeof(enable_names[0]); i++) {
			unsigned bits = enable_names[i].bits;
			if (strcasecmp(a->str, enable_names[i].name) != 0 ||
			    (s->enabled & bits) == bits)
				continue;
			/* QRESYNC implies CONDSTORE: both are announced when new. */
			if (bits & SESSION_ENABLED_QRESYNC &&
			    !(s->enabled & SESSION_ENABLED_CONDSTORE))
				buf_append_str(&b, " CONDSTORE");
			s->enabled |= bits;
			buf_append_char(&b, ' ');
			buf_append_str(&b, enable_names[i].name);
		}
	}
	if (s->view != NULL)
		mailbox_view_set_modes(s->view, s->enabled);
	if (session_utf8(s))
		imap_parser_set_flags(s->parser, IMAP_PARSER_LITERAL_PLUS | IMAP_PARSER_UTF8);
	reply_untagged_buf(s, &b);
	buf_free(&b);
	reply_ok(cmd, "ENABLE completed");
}
