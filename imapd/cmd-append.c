/*
 * cmd-append.c - APPEND (RFC 9051 6.3.12) with flags and date-time, answering
 * APPENDUID (RFC 4315).
 *
 * The message goes through the same delivery API as LMTP (lib/store/deliver.h):
 * stored once in the blob store, parsed once, and added in one transaction with
 * its UID and MODSEQ from the mailbox row, quota checked and charged.  The literal
 * arrives in the parser's command memory (bounded by APPENDLIMIT, checked when it
 * is announced) and is handed to the store by pointer, never copied.
 * Exports cmd_append.
 */
#include "imapd/commands.h"
#include "imapd/msg-common.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "imap/args.h"
#include "imap/flags.h"
#include "store/acl.h"
#include "store/deliver.h"
#include "store/keyword.h"
#include "store/mailbox.h"

#include <string.h>

struct append_args {
	struct imap_flag_set flags;
	time_t date; /* 0: now */
	const char *msg;
	size_t len;
};

static int append_parse(struct command_ctx *cmd, struct append_args *a)
{
	const struct imap_arg *arg = cmd->args->next;
	const char *error;
	int tz;
	memset(a, 0, sizeof(*a));
	if (arg != NULL && arg->type == IMAP_ARG_LIST) {
		if (imap_arg_get_flags(arg, cmd->pool, &a->flags, &error) < 0) {
			reply_bad(cmd, "Invalid flags: %s", error);
			return -1;
		}
		arg = arg->next;
	}
	if (arg != NULL && arg->type == IMAP_ARG_QUOTED) {
		if (imap_arg_get_datetime(arg, &a->date, &tz, &error) < 0) {
			reply_bad(cmd, "Invalid date-time: %s", error);
			return -1;
		}
		arg = arg->next;
	}
	if (arg == NULL || arg->type != IMAP_ARG_LITERAL || arg->next != NULL) {
		reply_bad(cmd, "Usage: APPEND mailbox [(flags)] [date-time] literal");
		return -1;
	}
	if (arg->literal8 || memchr(arg->str, '\0', arg->len) != NULL) {
		reply_no(cmd, "[CANNOT] Messages with NUL bytes are not accepted");
		return -1;
	}
	a->msg = arg->str;
	a->len = arg->len;
	return 0;
}

/* Flags the user may set (RFC 4314 4: others are silently dropped), keyword ids. */
static int append_options(struct command_ctx *cmd, const struct msg_mailbox *mb,
                          const struct append_args *a, struct deliver_options *o,
                          const char **error_r)
{
	unsigned allowed = (mb->rights & ACL_SEEN ? MAILBOX_FLAG_SEEN : 0) |
	                   (mb->rights & ACL_DELETE_MSG ? MAILBOX_FLAG_DELETED : 0) |
	                   (mb->rights & ACL_WRITE ? MAILBOX_FLAG_ANSWERED | MAILBOX_FLAG_FLAGGED |
	                                                     MAILBOX_FLAG_DRAFT
	                                           : 0);
	memset(o, 0, sizeof(*o));
	/* A private \Seen (shared folder) is not the flags column's: leave it out. */
	if (mb->seen_account != 0)
		allowed &= ~MAILBOX_FLAG_SEEN;
	o->flags = a->flags.system & IMAP_FLAGS_STORED & allowed;
	o->internaldate = (int64_t)a->date;
	if ((mb->rights & ACL_WRITE) == 0 || a->flags.keyword_count == 0)
		return 0;
	int64_t *ids;
	size_t n;
	int r = keyword_ids(cmd->s->db, a->flags.keywords, a->flags.keyword_count, cmd->pool, &ids,
	                    &n, error_r);
	o->keywords = ids;
	o->n_keywords = n;
	return r;
}

void cmd_append(struct command_ctx *cmd)
{
	struct append_args a;
	struct msg_mailbox mb;
	struct deliver_options o;
	const char *error;
	if (cmd->arg_count < 2) {
		reply_bad(cmd, "Usage: APPEND mailbox [(flags)] [date-time] literal");
		return;
	}
	if (append_parse(cmd, &a) < 0 ||
	    msg_mailbox_resolve(cmd, cmd->args, ACL_INSERT, true, &mb) < 0)
		return;
	int r = append_options(cmd, &mb, &a, &o, &error);
	if (r < 0) {
		reply_store_error(cmd, r, error);
		return;
	}
	struct deliver *d = msg_deliver(cmd->s, &error);
	struct deliver_target t = {.mailbox_id = mb.id};
	if (d == NULL || deliver_message_opts(d, a.msg, a.len, &t, 1, &o, &error) < 0) {
		reply_store_error(cmd, STORE_EDB, d ? error : "no blob store");
		return;
	}
	switch (t.status) {
	case DELIVER_OK:
		reply_ok(cmd, "[APPENDUID %u %u] APPEND completed", mb.uidvalidity, t.uid);
		break;
	case DELIVER_OVER_QUOTA:
		reply_no(cmd, "[OVERQUOTA] Quota exceeded");
		break;
	case DELIVER_UNKNOWN:
		reply_no(cmd, "[TRYCREATE] Mailbox does not exist");
		break;
	default:
		reply_no(cmd, "[UNAVAILABLE] Temporary failure, try again later");
		break;
	}
}
