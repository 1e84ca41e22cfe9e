/*
 * cmd-id.c - ID (RFC 2971): log what the client says about itself (bounded) and
 * name the server.  The version is deliberately not sent.
 */
#include "imapd/commands.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/buf.h"
#include "base/log.h"
#include "imap/args.h"

/* RFC 2971 3.3: at most 30 pairs, fields of at most 30 and values of 1024 bytes. */
#define ID_MAX_PAIRS 30
#define ID_MAX_FIELD 30
#define ID_MAX_VALUE 1024

/* Validate the parameter list and log it; false on bad syntax. */
static bool cmd_id_params(const struct imap_arg *list, unsigned count)
{
	struct buf b = BUF_INIT;
	bool ok = count % 2 == 0 && count / 2 <= ID_MAX_PAIRS;
	for (const struct imap_arg *a = list; ok && a; a = a->next->next) {
		const char *field, *value;
		size_t flen, vlen;
		ok = imap_arg_get_string(a, &field, &flen) && flen <= ID_MAX_FIELD &&
		     imap_arg_get_nstring(a->next, &value, &vlen) && vlen <= ID_MAX_VALUE;
		if (ok)
			buf_printf(&b, "%s%s=%s", b.len ? " " : "", field, value ? value : "NIL");
	}
	if (ok && b.len > 0)
		log_info("client_id", "id=%s", log_q(buf_cstr(&b)));
	buf_free(&b);
	return ok;
}

void cmd_id(struct command_ctx *cmd)
{
	const struct imap_arg *list;
	unsigned count;
	if (cmd->arg_count != 1 ||
	    (cmd->args->type != IMAP_ARG_NIL &&
	     (!imap_arg_get_list(cmd->args, &list, &count) || !cmd_id_params(list, count)))) {
		reply_bad(cmd, "Usage: ID NIL | ID (\"field\" \"value\" ...)");
		return;
	}
	reply_untagged(cmd->s, "ID (\"name\" \"cairn\" \"vendor\" \"cairn\")");
	reply_ok(cmd, "ID completed");
}
