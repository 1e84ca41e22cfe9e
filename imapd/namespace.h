/*
 * namespace.h - cairn's IMAP namespaces (RFC 2342, DESIGN 4) and the resolution of
 * a client's mailbox name to (owner, stored name, rights):
 *
 *   personal          ""                 the user's own mailboxes, "INBOX", "Sent", ...
 *   other users       "Other Users/"     "Other Users/bob/Projects" = bob's "Projects"
 *   shared (public)   "Shared Folders/"  "Shared Folders/News" = the domain's public "News"
 *
 * Separator "/".  Other users are only those of the user's own domain, and their
 * mailboxes exist for the user only with an ACL right that lets it see them (l or r):
 * a mailbox the user may not see answers exactly like one that does not exist.
 * Names are UTF-8 here; the wire form (modified UTF-7 unless UTF8=ACCEPT / IMAP4rev2)
 * is decoded by namespace_arg_name() and encoded by imap_quote_mailbox().
 */
#ifndef CAIRN_IMAPD_NAMESPACE_H
#define CAIRN_IMAPD_NAMESPACE_H

#include "store/mailbox.h"

#include <stdbool.h>
#include <stdint.h>

struct arena;
struct command_ctx;
struct imap_arg;
struct imap_session;

#define NS_OTHER_PREFIX "Other Users/"
#define NS_SHARED_PREFIX "Shared Folders/"

enum ns_kind { NS_PERSONAL, NS_OTHER, NS_SHARED };

struct ns_mailbox {
	enum ns_kind kind;
	const char *ext_name; /* the client's name, UTF-8, "INBOX" normalised */
	int64_t owner_id;
	const char *owner_localpart; /* NS_OTHER: "bob" */
	const char *name; /* the stored name under owner_id */
	unsigned rights; /* the user's ACL rights (ACL_ALL on its own mailboxes) */
	bool exists; /* found and visible; then info is valid */
	struct mailbox_info info;
};

/*
 * Read a mailbox-name argument: an astring (else BAD), decoded from modified UTF-7
 * unless UTF-8 is enabled, checked (no control characters such as CR/LF, no empty
 * level, no leading "/", no "//", no "." or ".." level, at most 1000 bytes and 32
 * levels), "INBOX" in any case normalised.  With strip_trailing (CREATE) one
 * trailing "/" is dropped first, as RFC 9051 6.3.4 allows.  On failure answers the
 * command itself (BAD or NO [CANNOT]) and returns -1.
 */
int namespace_arg_name(struct command_ctx *cmd, const struct imap_arg *arg, bool strip_trailing,
                       const char **name_r);

/*
 * Resolve ext_name to owner and stored name, then look the mailbox up.  Returns 0
 * with *mb filled (mb->exists says whether it exists for this user), or -1 with
 * *error_r on a database failure.  A mailbox the user has no visible right on has
 * exists = false and rights = 0, like a missing one.  Names that can never be a
 * mailbox (the namespace roots "Other Users", "Other Users/bob", "Shared Folders")
 * resolve with owner_id 0.
 */
int namespace_lookup(struct imap_session *s, const char *ext_name, struct arena *pool,
                     struct ns_mailbox *mb, const char **error_r);

/*
 * namespace_lookup for a command that needs an existing mailbox and rights
 * (ACL_* bits, acl.h): on failure answers "NO [NONEXISTENT]" (missing or
 * invisible), "NO [NOPERM]" (visible, rights missing) or "NO [SERVERBUG]", and
 * returns -1.
 */
int namespace_open(struct command_ctx *cmd, const char *ext_name, unsigned need_rights,
                   struct ns_mailbox *mb);

/* The client-visible name of a mailbox of another account (NS_OTHER / NS_SHARED). */
const char *namespace_ext_name(struct arena *pool, const struct mailbox_shared *m);

#endif
