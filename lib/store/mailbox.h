/*
 * mailbox.h - the store API for mailboxes, shared by cairnctl and cairn-imapd:
 * create (fresh UIDVALIDITY), look up, list, rename (with inferiors, and the
 * RFC 3501 INBOX special case) and delete (the row stays, marked, so that a
 * re-created name gets a new UIDVALIDITY).
 *
 * Names are UTF-8 with '/' as the hierarchy separator ("Archive/2024"); "INBOX" is
 * case-insensitive and always stored as "INBOX".  Owners are account ids (users, or
 * a domain's public-folder owner, see account.h).  Functions return 0 or a
 * negative STORE_* code with *error_r (store-result.h); STORE_ENOTFOUND and
 * STORE_EEXISTS are the client's "no such mailbox" / "already exists".  Callers
 * check ACL rights (acl.h) before calling: this layer does not.
 */
#ifndef CAIRN_STORE_MAILBOX_H
#define CAIRN_STORE_MAILBOX_H

#include "store-result.h"

#include "imap/flags.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

#define MAILBOX_NAME_MAX 1000 /* bytes of the stored (UTF-8) name */
#define MAILBOX_DEPTH_MAX 32 /* hierarchy levels */

struct mailbox_info {
	int64_t id;
	int64_t owner_id;
	const char *name;
	uint32_t uidvalidity;
	uint32_t uidnext; /* 0 when exhausted (next would be 2^32) */
	uint64_t highestmodseq;
	int64_t messages;
	int64_t unseen;
	int64_t size; /* bytes of all messages */
	int64_t deleted; /* messages with \Deleted */
	const char *special_use; /* "\Sent" ... or NULL */
};

/*
 * Check a name and bring it to stored form: valid UTF-8 without control characters
 * or the LIST wildcards '*' '%', no empty level, no leading or trailing '/', at most
 * MAILBOX_NAME_MAX bytes and MAILBOX_DEPTH_MAX levels; "inbox" (any case) and an
 * "inbox/" prefix become "INBOX".  0 or STORE_EINVAL.
 */
int mailbox_name_normalize(const char *name, struct arena *arena, const char **name_r,
                           const char **error_r);
/* 1 when s is an RFC 6154 special-use attribute we support (\Archive, \Drafts, ...). */
int mailbox_special_use_valid(const char *s);

/*
 * Create a mailbox (inferiors only: missing parents are not created, they are
 * implied).  UIDVALIDITY is the current time, or one more than the highest any
 * mailbox of this owner ever had, so a name re-created after DELETE or RENAME never
 * sees its old UIDVALIDITY.  special_use may be NULL.  STORE_EEXISTS when a live
 * mailbox has the name.
 */
int mailbox_create(struct db *db, int64_t owner_id, const char *name, const char *special_use,
                   int64_t *id_r, const char **error_r);
/* A live mailbox by name; STORE_ENOTFOUND when there is none. */
int mailbox_lookup(struct db *db, int64_t owner_id, const char *name, struct arena *arena,
                   struct mailbox_info *info_r, const char **error_r);
/* Every live mailbox of an owner, INBOX first, then by name. */
int mailbox_list(struct db *db, int64_t owner_id, struct arena *arena, struct mailbox_info **list_r,
                 size_t *n_r, const char **error_r);
/*
 * Rename old to new together with its inferiors ("a" -> "b" moves "a/x" to "b/x").
 * Renaming INBOX moves its messages (UIDs kept) to a new mailbox new, with a fresh
 * UIDVALIDITY, and leaves INBOX empty (its expunges recorded for connected
 * sessions); INBOX's inferiors stay.  STORE_ENOTFOUND for a missing old,
 * STORE_EEXISTS when new or one of the moved inferiors' new names exists,
 * STORE_EINVAL for a rename into itself.
 */
int mailbox_rename(struct db *db, int64_t owner_id, const char *old_name, const char *new_name,
                   const char **error_r);
/*
 * Delete a mailbox (not its inferiors): its messages are released (blob references,
 * quota) and its ACL dropped; the row stays marked deleted.  STORE_EREFUSED for
 * INBOX (RFC 3501 6.3.4).
 */
int mailbox_delete(struct db *db, int64_t owner_id, const char *name, const char **error_r);

/* A mailbox of another account of the user's domain (mailbox_list_shared). */
struct mailbox_shared {
	struct mailbox_info info;
	const char *owner_localpart; /* "bob", or ACCOUNT_PUBLIC_LOCALPART for public folders */
	int is_public; /* owned by the domain's public-folder owner */
	unsigned rights; /* the user's RFC 4314 rights on it (acl.h), never 0 */
};

/*
 * Every live mailbox of other users and of the public-folder owner of account_id's
 * domain on which account_id has any right (an ACL entry matching it: only those
 * are candidates), sorted: users' by owner then name, then public ones by name.
 * The list for the "Other Users/" and "Shared Folders/" namespaces.
 */
int mailbox_list_shared(struct db *db, int64_t account_id, struct arena *arena,
                        struct mailbox_shared **list_r, size_t *n_r, const char **error_r);

/*
 * Messages of mailbox_id that account_id (not the owner) has not seen: \Seen is per
 * user in shared and public folders (seen_private rows).
 */
int mailbox_unseen_private(struct db *db, int64_t account_id, int64_t mailbox_id, int64_t *n_r,
                           const char **error_r);

/* System flags (mailbox_messages.flags): the bits of lib/imap/flags.h, one definition. */
#define MAILBOX_FLAG_SEEN IMAP_FLAG_SEEN
#define MAILBOX_FLAG_ANSWERED IMAP_FLAG_ANSWERED
#define MAILBOX_FLAG_FLAGGED IMAP_FLAG_FLAGGED
#define MAILBOX_FLAG_DELETED IMAP_FLAG_DELETED
#define MAILBOX_FLAG_DRAFT IMAP_FLAG_DRAFT
#define MAILBOX_FLAGS_STORED IMAP_FLAGS_STORED

struct mailbox_msg {
	uint32_t uid;
	unsigned char sha256[32]; /* the blob */
	int64_t size;
	unsigned flags;
	int64_t internaldate; /* Unix time */
	const char *keywords; /* names separated by single spaces, "" when none */
};

/* Every message of a mailbox, by UID, into an array from arena (for export). */
int mailbox_messages_list(struct db *db, int64_t mailbox_id, struct arena *arena,
                          struct mailbox_msg **list_r, size_t *n_r, const char **error_r);

/*
 * For account.c, inside the caller's transaction: release every message of every
 * mailbox of owner (blob refcounts, quota usage) and delete those mailbox rows'
 * messages.
 */
int mailbox_release_owner(struct db *db, int64_t owner_id, const char **error_r);

#endif
