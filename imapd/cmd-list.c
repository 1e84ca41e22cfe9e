/*
 * cmd-list.c - LIST (RFC 9051 6.3.9) with LIST-EXTENDED (RFC 5258: selection
 * SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE; return SUBSCRIBED, CHILDREN,
 * SPECIAL-USE, STATUS (RFC 5819)), and LSUB (RFC 3501 6.3.9).
 *
 * \HasChildren / \HasNoChildren and special-use attributes are always sent (they
 * cost nothing: the whole tree is in memory).  Names the hierarchy only implies
 * ("a" when only "a/b" exists) are \NonExistent (\Noselect for IMAP4rev1 clients
 * using plain LIST).
 */
#include "imapd/commands.h"
#include "imapd/list-tree.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/args.h"
#include "imap/quote.h"
#include "store/acl.h"

#include <string.h>

struct list_opts {
	bool lsub, extended;
	bool sel_subscribed, sel_recursive, sel_special;
	bool ret_subscribed, ret_special;
	unsigned status_items; /* RETURN (STATUS (...)); 0 = none */
	const char *ref;
	const char **patterns;
	unsigned n_patterns;
};

static int list_parse_selection(const struct imap_arg *l, struct list_opts *o)
{
	for (; l; l = l->next) {
		if (imap_arg_is_atom(l, "SUBSCRIBED"))
			o->sel_subscribed = true;
		else if (imap_arg_is_atom(l, "RECURSIVEMATCH"))
			o->sel_recursive = true;
		else if (imap_arg_is_atom(l, "SPECIAL-USE"))
			o->sel_special = true;
		else if (!imap_arg_is_atom(l, "REMOTE")) /* no remote mailboxes here */
			return -1;
	}
	/* RFC 5258 3.1: RECURSIVEMATCH needs another selection option. */
	return o->sel_recursive && !o->sel_subscribed && !o->sel_special ? -1 : 0;
}

static int list_parse_return(const struct imap_arg *l, struct list_opts *o)
{
	for (; l; l = l->next) {
		if (imap_arg_is_atom(l, "SUBSCRIBED"))
			o->ret_subscribed = true;
		else if (imap_arg_is_atom(l, "SPECIAL-USE"))
			o->ret_special = true;
		else if (imap_arg_is_atom(l, "STATUS")) {
			if (l->next == NULL || status_items_parse(l->next, &o->status_items) < 0)
				return -1;
			l = l->next;
		} else if (!imap_arg_is_atom(l, "CHILDREN"))
			return -1;
	}
	return 0;
}

/* Join reference and pattern (RFC 9051 6.3.9: the reference is a prefix). */
static int list_add_pattern(struct command_ctx *cmd, struct list_opts *o, const struct imap_arg *a,
                            const char **error_r)
{
	const char *pat;
	size_t len;
	int r = imap_arg_get_list_pattern(a, session_utf8(cmd->s), cmd->pool, &pat, &len, error_r);
	if (r < 0)
		return -1;
	if (r > 0 || o->ref == NULL)
		return 0; /* names no mailbox: matches nothing */
	size_t rlen = strlen(o->ref);
	if (rlen > 0 && o->ref[rlen - 1] == '/' && pat[0] == '/')
		pat++;
	const char *full = arena_printf(cmd->pool, "%s%s", o->ref, pat);
	if (strlen(full) > LIST_PATTERN_MAX) {
		*error_r = "Pattern too long";
		return -1;
	}
	o->patterns[o->n_patterns++] = full;
	return 0;
}

static int list_parse_patterns(struct command_ctx *cmd, const struct imap_arg *a,
                               struct list_opts *o, const char **error_r)
{
	const struct imap_arg *l;
	unsigned n;
	size_t rlen;
	int r = imap_arg_get_list_pattern(a, session_utf8(cmd->s), cmd->pool, &o->ref, &rlen,
	                                  error_r);
	if (r < 0)
		return -1;
	if (r > 0)
		o->ref = NULL; /* a reference that names nothing: every pattern matches nothing */
	a = a->next;
	if (a == NULL) {
		*error_r = "Missing mailbox pattern";
		return -1;
	}
	if (!o->lsub && imap_arg_get_list(a, &l, &n)) {
		o->extended = true;
		if (n == 0 || n > 100) {
			*error_r = "Bad pattern list";
			return -1;
		}
		o->patterns = arena_zalloc(cmd->pool, n * sizeof(*o->patterns));
		for (; l; l = l->next)
			if (list_add_pattern(cmd, o, l, error_r) < 0)
				return -1;
		return 0;
	}
	o->patterns = arena_zalloc(cmd->pool, sizeof(*o->patterns));
	return list_add_pattern(cmd, o, a, error_r);
}

static int list_parse(struct command_ctx *cmd, struct list_opts *o, const char **error_r)
{
	const struct imap_arg *a = cmd->args, *l;
	unsigned n;
	*error_r = "Invalid LIST arguments";
	o->lsub = strcmp(cmd->name, "LSUB") == 0;
	if (a != NULL && !o->lsub && imap_arg_get_list(a, &l, &n)) {
		o->extended = true;
		if (list_parse_selection(l, o) < 0)
			return -1;
		a = a->next;
	}
	if (a == NULL || list_parse_patterns(cmd, a, o, error_r) < 0)
		return -1;
	a = a->next->next;
	if (a != NULL && !o->lsub) {
		o->extended = true;
		if (!imap_arg_is_atom(a, "RETURN") || !imap_arg_get_list(a->next, &l, &n) ||
		    a->next->next != NULL || list_parse_return(l, o) < 0)
			return -1;
	} else if (a != NULL) {
		return -1;
	}
	return 0;
}

static bool list_matches(const struct list_opts *o, const char *name, struct arena *pool)
{
	for (unsigned i = 0; i < o->n_patterns; i++)
		if (list_match(name, o->patterns[i], pool))
			return true;
	return false;
}

/* Attributes of one LIST line into b. */
static void list_attributes(struct command_ctx *cmd, const struct list_opts *o,
                            const struct list_entry *e, const struct list_entry *mbox,
                            struct buf *b)
{
	size_t start = b->len;
#define ATTR(s) buf_printf(b, "%s%s", b->len > start ? " " : "", s)
	bool exists = mbox != NULL && mbox->real;
	if (!exists)
		ATTR(o->extended || session_rev2(cmd->s) ? "\\NonExistent" : "\\Noselect");
	else if ((mbox->mb.rights & ACL_READ) == 0)
		ATTR("\\Noselect");
	if (mbox != NULL)
		ATTR(mbox->has_children ? "\\HasChildren" : "\\HasNoChildren");
	if (exists && mbox->mb.info.special_use != NULL)
		ATTR(mbox->mb.info.special_use);
	if (e->subscribed && (o->sel_subscribed || o->ret_subscribed))
		ATTR("\\Subscribed");
#undef ATTR
}

/*
 * RFC 5258 3.5 CHILDINFO for names[i], which is not subscribed itself: a subscribed
 * descendant the patterns do not return on its own line (when they do, the client
 * already sees it, so the parent is not listed for it: Dovecot reads it the same).
 */
static bool list_childinfo(const struct list_opts *o, const struct list_tree *names, size_t i,
                           struct arena *pool)
{
	const struct list_entry *e = &names->entries[i];
	size_t plen = strlen(e->name);
	if (!o->sel_recursive || !o->sel_subscribed || e->subscribed || !e->child_subscribed)
		return false;
	/* Names with e's prefix are contiguous in the sorted tree; "a/..." among them. */
	for (size_t j = i + 1; j < names->n && strncmp(names->entries[j].name, e->name, plen) == 0;
	     j++) {
		const struct list_entry *d = &names->entries[j];
		if (d->name[plen] == '/' && d->subscribed && !list_matches(o, d->name, pool))
			return true;
	}
	return false;
}

static void list_write(struct command_ctx *cmd, const struct list_opts *o,
                       const struct list_entry *e, const struct list_entry *mbox, bool childinfo)
{
	struct buf b = BUF_INIT;
	const char *error;
	buf_printf(&b, "%s (", o->lsub ? "LSUB" : "LIST");
	if (o->lsub)
		buf_append_str(&b, e->real ? "" : "\\Noselect");
	else
		list_attributes(cmd, o, e, mbox, &b);
	buf_append_str(&b, ") \"/\" ");
	if (imap_quote_mailbox(&b, e->name, strlen(e->name), session_quote_flags(cmd->s), &error) ==
	    0) {
		if (childinfo)
			buf_append_str(&b, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
		reply_untagged_buf(cmd->s, &b);
		if (o->status_items && mbox != NULL && mbox->real && (mbox->mb.rights & ACL_READ))
			(void)status_write(cmd, &mbox->mb, o->status_items);
	}
	buf_free(&b);
}

/* Whether entry e of the tree being listed is shown. */
static bool list_selected(const struct list_opts *o, const struct list_entry *e,
                          const struct list_entry *mbox)
{
	if (o->lsub)
		return e->real || e->child_subscribed;
	if (o->sel_special) {
		bool special = mbox && mbox->real && mbox->mb.info.special_use != NULL;
		return special || (o->sel_recursive && mbox && mbox->has_children);
	}
	if (o->sel_subscribed)
		return e->subscribed || (o->sel_recursive && e->child_subscribed);
	return true;
}

static void list_run(struct command_ctx *cmd, const struct list_opts *o,
                     const struct list_tree *names, const struct list_tree *mboxes)
{
	for (size_t i = 0; i < names->n; i++) {
		const struct list_entry *e = &names->entries[i];
		const struct list_entry *mbox =
		        names == mboxes ? e : list_tree_find(mboxes, e->name);
		if (!list_matches(o, e->name, cmd->pool) || !list_selected(o, e, mbox))
			continue;
		bool childinfo = list_childinfo(o, names, i, cmd->pool);
		if (o->sel_subscribed && !e->subscribed && !childinfo && !o->lsub)
			continue; /* selected only for children the client sees anyway */
		/* LSUB: an unsubscribed parent only when the pattern stops above its
		 * subscribed children ("%"), RFC 3501 6.3.9. */
		if (o->lsub && !e->real && i + 1 < names->n &&
		    list_matches(o, names->entries[i + 1].name, cmd->pool))
			continue;
		list_write(cmd, o, e, mbox, childinfo);
	}
}

void cmd_list(struct command_ctx *cmd)
{
	struct list_opts o = {0};
	struct list_tree mboxes = {0}, subs = {0};
	const char *error;
	if (list_parse(cmd, &o, &error) < 0) {
		reply_bad(cmd, "%s", error);
		return;
	}
	if (o.n_patterns == 1 && o.patterns[0][0] == '\0' && !o.lsub) {
		/* LIST "" "": the hierarchy delimiter and root. */
		reply_untagged(cmd->s, "LIST (\\Noselect) \"/\" \"\"");
		reply_ok(cmd, "LIST completed");
		return;
	}
	bool want_subs = o.lsub || o.sel_subscribed || o.ret_subscribed;
	if (list_tree_mailboxes(cmd->s, cmd->pool, true, &mboxes, &error) < 0 ||
	    (want_subs && list_tree_subscriptions(cmd->s, cmd->pool, &subs, &error) < 0)) {
		reply_store_error(cmd, STORE_EDB, error);
		return;
	}
	if (want_subs)
		list_tree_mark_subscribed(&mboxes, &subs);
	if (o.lsub || o.sel_subscribed)
		list_run(cmd, &o, &subs, &mboxes);
	else
		list_run(cmd, &o, &mboxes, &mboxes);
	reply_ok(cmd, "%s completed", cmd->name);
}
