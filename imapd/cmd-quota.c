/*
 * cmd-quota.c - the QUOTA extension (RFC 9208): GETQUOTAROOT mailbox, GETQUOTA root
 * and SETQUOTA root (...), with the resources STORAGE (KiB) and MESSAGE.
 *
 * A message counts toward its owner's root and the owner's domain's root
 * (lib/store/quota.h); on the wire they are "user/localpart@domain" and
 * "domain/name".  Only roots with a limit exist (cairnctl quota set creates them).
 * A user may read only the roots it is subject to: GETQUOTAROOT of another user's
 * mailbox lists that user's roots but sends QUOTA only for the user's own ones, and
 * GETQUOTA of any other root answers like a missing one.  Limits are administered
 * with cairnctl, so SETQUOTA is always NO [NOPERM].
 */
#include "imapd/commands.h"
#include "imapd/namespace.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/args.h"
#include "imap/quote.h"
#include "store/quota.h"

#include <string.h>
#include <strings.h>

static const char *quota_root_name(struct arena *pool, const struct quota_root *r)
{
	return arena_printf(pool, "%s/%s", r->scope == 'a' ? "user" : "domain", r->owner);
}

/*
 * "QUOTA root (STORAGE used limit MESSAGE used limit)" with only the limited
 * resources.  STORAGE is in units of 1024 octets (RFC 9208 5.1): usage rounded up,
 * so one small message shows as 1, and the limit rounded down, so a client never
 * believes it has more room than the byte limit enforced on delivery.
 */
static void quota_write(struct command_ctx *cmd, const struct quota_root *r)
{
	struct buf b = BUF_INIT;
	const struct quota_info *q = &r->info;
	const char *name = quota_root_name(cmd->pool, r);
	buf_append_str(&b, "QUOTA ");
	imap_quote_astring(&b, name, strlen(name), session_quote_flags(cmd->s));
	buf_append_str(&b, " (");
	if (q->storage_limit != QUOTA_UNLIMITED)
		buf_printf(&b, "STORAGE %lld %lld", (long long)((q->storage_used + 1023) / 1024),
		           (long long)(q->storage_limit / 1024));
	if (q->message_limit != QUOTA_UNLIMITED)
		buf_printf(&b, "%sMESSAGE %lld %lld",
		           q->storage_limit != QUOTA_UNLIMITED ? " " : "",
		           (long long)q->messages_used, (long long)q->message_limit);
	buf_append_char(&b, ')');
	reply_untagged_buf(cmd->s, &b);
	buf_free(&b);
}

/* The roots of account; -1 after answering NO [SERVERBUG]. */
static int quota_roots(struct command_ctx *cmd, int64_t account_id, struct quota_root roots[2],
                       unsigned *count_r)
{
	const char *error;
	int r = quota_roots_of_account(cmd->s->db, account_id, cmd->pool, roots, count_r, &error);
	if (r < 0) {
		reply_store_error(cmd, r, error);
		return -1;
	}
	return 0;
}

/* The user's own root named name, or NULL. */
static const struct quota_root *quota_own_root(struct command_ctx *cmd,
                                               const struct quota_root *own, unsigned n_own,
                                               const char *name)
{
	for (unsigned i = 0; i < n_own; i++)
		if (strcasecmp(quota_root_name(cmd->pool, &own[i]), name) == 0)
			return &own[i];
	return NULL;
}

void cmd_getquotaroot(struct command_ctx *cmd)
{
	const char *name, *error;
	struct ns_mailbox mb;
	struct quota_root roots[2], own[2];
	unsigned n, n_own;
	if (cmd->arg_count != 1) {
		reply_bad(cmd, "Usage: GETQUOTAROOT mailbox");
		return;
	}
	if (namespace_arg_name(cmd, cmd->args, false, &name) < 0 ||
	    namespace_open(cmd, name, 0, &mb) < 0)
		return;
	if (quota_roots(cmd, mb.owner_id, roots, &n) < 0 ||
	    quota_roots(cmd, cmd->s->user_id, own, &n_own) < 0)
		return;
	struct buf b = BUF_INIT;
	buf_append_str(&b, "QUOTAROOT ");
	if (imap_quote_mailbox(&b, mb.ext_name, strlen(mb.ext_name), session_quote_flags(cmd->s),
	                       &error) < 0) {
		buf_free(&b);
		reply_no(cmd, "[SERVERBUG] Internal error, try again later");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const char *root = quota_root_name(cmd->pool, &roots[i]);
		buf_append_char(&b, ' ');
		imap_quote_astring(&b, root, strlen(root), session_quote_flags(cmd->s));
	}
	reply_untagged_buf(cmd->s, &b);
	buf_free(&b);
	for (unsigned i = 0; i < n; i++) {
		const struct quota_root *r =
		        quota_own_root(cmd, own, n_own, quota_root_name(cmd->pool, &roots[i]));
		if (r != NULL)
			quota_write(cmd, r);
	}
	reply_ok(cmd, "GETQUOTAROOT completed");
}

void cmd_getquota(struct command_ctx *cmd)
{
	const char *name;
	size_t len;
	struct quota_root own[2];
	unsigned n_own;
	if (cmd->arg_count != 1 || !imap_arg_get_astring(cmd->args, &name, &len) ||
	    strlen(name) != len) {
		reply_bad(cmd, "Usage: GETQUOTA root");
		return;
	}
	if (quota_roots(cmd, cmd->s->user_id, own, &n_own) < 0)
		return;
	const struct quota_root *r = quota_own_root(cmd, own, n_own, name);
	if (r == NULL) {
		reply_no(cmd, "[NONEXISTENT] No such quota root");
		return;
	}
	quota_write(cmd, r);
	reply_ok(cmd, "GETQUOTA completed");
}

/* RFC 9208 4.1: "(" [resource SP number *(SP resource SP number)] ")". */
static bool quota_setlist_valid(const struct imap_arg *arg)
{
	const struct imap_arg *l;
	unsigned n;
	uint64_t limit;
	const char *resource;
	if (!imap_arg_get_list(arg, &l, &n) || n % 2 != 0)
		return false;
	for (; l != NULL; l = l->next->next)
		if (!imap_arg_get_atom(l, &resource) || !imap_arg_get_number64(l->next, &limit))
			return false;
	return true;
}

void cmd_setquota(struct command_ctx *cmd)
{
	const char *name;
	size_t len;
	if (cmd->arg_count != 2 || !imap_arg_get_astring(cmd->args, &name, &len) ||
	    !quota_setlist_valid(cmd->args->next)) {
		reply_bad(cmd, "Usage: SETQUOTA root (resource limit ...)");
		return;
	}
	reply_no(cmd, "[NOPERM] Quotas are set by the administrator (cairnctl quota set)");
}
