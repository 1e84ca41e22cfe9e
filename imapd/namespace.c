/*
 * namespace.c - mailbox-name arguments and their resolution to (owner, name,
 * rights) across the personal, "Other Users/" and "Shared Folders/" namespaces
 * (namespace.h).
 */
#include "imapd/namespace.h"

#include "imapd/commands.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/arena.h"
#include "base/log.h"
#include "imap/args.h"
#include "imap/parser.h"
#include "store/account.h"
#include "store/acl.h"

#include <string.h>
#include <strings.h>

/* Rights that make a mailbox of someone else exist for the user (DESIGN 4). */
#define NS_VISIBLE_RIGHTS (ACL_LOOKUP | ACL_READ)

/* Policy beyond the syntax check of lib/imap: no "." or ".." level. */
static bool namespace_dot_level(const char *name)
{
	for (const char *p = name; p != NULL;) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

int namespace_arg_name(struct command_ctx *cmd, const struct imap_arg *arg, bool strip_trailing,
                       const char **name_r)
{
	struct imap_arg tmp;
	const char *str, *error;
	size_t len;
	if (!imap_arg_get_astring(arg, &str, &len)) {
		reply_bad(cmd, "Invalid mailbox name argument");
		return -1;
	}
	if (strip_trailing && len > 1 && str[len - 1] == '/') {
		tmp = *arg;
		tmp.str = arena_strndup(cmd->pool, str, len - 1);
		tmp.len = len - 1;
		arg = &tmp;
	}
	if (imap_arg_get_mailbox(arg, session_utf8(cmd->s), cmd->pool, name_r, &len, &error) < 0) {
		reply_no(cmd, "[CANNOT] %s", error);
		return -1;
	}
	if (namespace_dot_level(*name_r)) {
		reply_no(cmd, "[CANNOT] Mailbox name has a \".\" or \"..\" level");
		return -1;
	}
	/* "inbox/x" is INBOX's child: store the parent as "INBOX". */
	if (strncasecmp(*name_r, "INBOX/", 6) == 0) {
		char *n = arena_strdup(cmd->pool, *name_r);
		memcpy(n, "INBOX", 5);
		*name_r = n;
	}
	return 0;
}

/* Owner of "Other Users/<localpart>/...": a user of the same domain, else 0. */
static int namespace_other_owner(struct imap_session *s, struct arena *pool, const char *local,
                                 int64_t *owner_r, const char **error_r)
{
	struct account_info info;
	const char *login = arena_printf(pool, "%s@%s", local, s->domain);
	*owner_r = 0;
	if (local[0] == '#' || local[0] == '$')
		return 0;
	int r = account_lookup(s->db, login, pool, &info, error_r);
	if (r == STORE_EDB)
		return -1;
	if (r == 0 && info.kind == ACCOUNT_USER && info.domain_id == s->domain_id &&
	    info.id != s->user_id)
		*owner_r = info.id;
	return 0;
}

/* Split ext_name into kind, owner and stored name. */
static int namespace_split(struct imap_session *s, struct arena *pool, struct ns_mailbox *mb,
                           const char **error_r)
{
	const char *ext = mb->ext_name;
	mb->kind = NS_PERSONAL;
	mb->owner_id = s->user_id;
	mb->name = ext;
	if (strncmp(ext, NS_OTHER_PREFIX, strlen(NS_OTHER_PREFIX)) == 0) {
		const char *rest = ext + strlen(NS_OTHER_PREFIX), *slash = strchr(rest, '/');
		mb->kind = NS_OTHER;
		mb->owner_id = 0;
		if (slash == NULL)
			return 0;
		mb->owner_localpart = arena_strndup(pool, rest, (size_t)(slash - rest));
		mb->name = slash + 1;
		return namespace_other_owner(s, pool, mb->owner_localpart, &mb->owner_id, error_r);
	}
	if (strncmp(ext, NS_SHARED_PREFIX, strlen(NS_SHARED_PREFIX)) == 0) {
		mb->kind = NS_SHARED;
		mb->name = ext + strlen(NS_SHARED_PREFIX);
		return account_public_owner(s->db, s->domain, &mb->owner_id, error_r) < 0 ? -1 : 0;
	}
	if (strcmp(ext, "Other Users") == 0 || strcmp(ext, "Shared Folders") == 0)
		mb->owner_id = 0; /* namespace roots: never mailboxes */
	return 0;
}

int namespace_lookup(struct imap_session *s, const char *ext_name, struct arena *pool,
                     struct ns_mailbox *mb, const char **error_r)
{
	memset(mb, 0, sizeof(*mb));
	mb->ext_name = ext_name;
	if (namespace_split(s, pool, mb, error_r) < 0)
		return -1;
	if (mb->owner_id == 0)
		return 0;
	int r = mailbox_lookup(s->db, mb->owner_id, mb->name, pool, &mb->info, error_r);
	if (r == STORE_EDB)
		return -1;
	if (mb->kind == NS_PERSONAL) {
		mb->rights = ACL_ALL;
		mb->exists = r == 0;
		return 0;
	}
	if (r == 0 && acl_rights_for(s->db, s->user_id, mb->info.id, &mb->rights, error_r) < 0)
		return -1;
	if ((mb->rights & NS_VISIBLE_RIGHTS) == 0)
		mb->rights = 0;
	mb->exists = r == 0 && mb->rights != 0;
	return 0;
}

int namespace_open(struct command_ctx *cmd, const char *ext_name, unsigned need_rights,
                   struct ns_mailbox *mb)
{
	const char *error;
	if (namespace_lookup(cmd->s, ext_name, cmd->pool, mb, &error) < 0) {
		reply_store_error(cmd, STORE_EDB, error);
		return -1;
	}
	if (!mb->exists) {
		reply_no(cmd, "[NONEXISTENT] No such mailbox");
		return -1;
	}
	if ((mb->rights & need_rights) != need_rights) {
		reply_no(cmd, "[NOPERM] Permission denied");
		return -1;
	}
	return 0;
}

const char *namespace_ext_name(struct arena *pool, const struct mailbox_shared *m)
{
	if (m->is_public)
		return arena_printf(pool, NS_SHARED_PREFIX "%s", m->info.name);
	return arena_printf(pool, NS_OTHER_PREFIX "%s/%s", m->owner_localpart, m->info.name);
}
