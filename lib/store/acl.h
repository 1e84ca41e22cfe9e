/*
 * acl.h - RFC 4314 access control: rights strings, identifiers, the ACL of a
 * mailbox, and the rights a user has on a mailbox (what cairn-imapd checks before
 * every command).
 *
 * Rights are a bitmask of the eleven RFC 4314 rights "lrswipkxtea".  The obsolete
 * RFC 2086 rights are accepted on input, "c" as "k" and "d" as "xte" (the second
 * mapping of RFC 4314 2.1.1), and can be shown on output for old clients.
 * Identifiers: "anyone", "anonymous", "user@domain", "$group@domain"; a leading '-'
 * makes an entry of negative rights, which are removed from whatever the positive
 * entries grant.
 *
 * Rights of a subject on a mailbox:
 *   - a subject outside the owner's domain has none (DESIGN 4), unless it is the owner;
 *   - otherwise the union of the positive entries matching it (anyone, its login, its
 *     groups), minus the union of the matching negative entries;
 *   - the owner has every right unless an entry names the owner's login explicitly,
 *     and always keeps "l" and "a" so that no owner can lock itself out.
 */
#ifndef CAIRN_STORE_ACL_H
#define CAIRN_STORE_ACL_H

#include "store-result.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

enum acl_right {
	ACL_LOOKUP = 1 << 0, /* l: LIST, LSUB, SUBSCRIBE */
	ACL_READ = 1 << 1, /* r: SELECT, FETCH, SEARCH, COPY from */
	ACL_SEEN = 1 << 2, /* s: keep \Seen */
	ACL_WRITE = 1 << 3, /* w: other flags and keywords */
	ACL_INSERT = 1 << 4, /* i: APPEND, COPY into */
	ACL_POST = 1 << 5, /* p: send mail to the submission address */
	ACL_CREATE = 1 << 6, /* k: CREATE inferiors, RENAME into */
	ACL_DELETE_MBOX = 1 << 7, /* x: DELETE, RENAME away */
	ACL_DELETE_MSG = 1 << 8, /* t: set \Deleted */
	ACL_EXPUNGE = 1 << 9, /* e: EXPUNGE */
	ACL_ADMIN = 1 << 10, /* a: SETACL, DELETEACL, GETACL, LISTRIGHTS */
};

#define ACL_ALL 0x7ffu
#define ACL_RIGHTS_LETTERS "lrswipkxtea"
/* Longest formatted rights string with obsolete letters, plus NUL. */
#define ACL_RIGHTS_MAX 14
#define ACL_IDENTIFIER_MAX 330

enum acl_modify { ACL_MOD_REPLACE, ACL_MOD_ADD, ACL_MOD_REMOVE };

struct acl_entry {
	const char *identifier; /* canonical, without the '-' of a negative entry */
	int negative;
	unsigned rights;
};

/* Parse a rights string ("lrs", "c", ""): 0 or STORE_EINVAL naming the bad letter. */
int acl_rights_parse(const char *s, unsigned *rights_r, const char **error_r);
/* Parse a SETACL modification: "+lr" adds, "-lr" removes, "lr" replaces. */
int acl_modify_parse(const char *s, enum acl_modify *mod_r, unsigned *rights_r,
                     const char **error_r);
/* Apply a parsed modification to current rights. */
unsigned acl_modify_apply(unsigned current, enum acl_modify mod, unsigned rights);
/*
 * Canonical letters of rights into out (ACL_RIGHTS_MAX bytes); with obsolete, "c"
 * is added when "k" is present and "d" when any of "x", "t", "e" is.
 */
void acl_rights_format(unsigned rights, int obsolete, char *out);

/*
 * Parse an identifier, lower-casing logins: "-Bob@Example.ORG" -> "bob@example.org"
 * negative.  0 or STORE_EINVAL.
 */
int acl_identifier_parse(const char *s, struct arena *arena, const char **identifier_r,
                         int *negative_r, const char **error_r);

/* Who asks: for acl_rights_compute. */
struct acl_subject {
	const char *login; /* "user@domain", or NULL for anonymous */
	const char *const *groups; /* "$group@domain" identifiers the user belongs to */
	size_t n_groups;
	int is_owner;
	int same_domain; /* subject is in the mailbox owner's domain */
};

/* The rights subject has under the ACL entries (pure: no database). */
unsigned acl_rights_compute(const struct acl_entry *entries, size_t n,
                            const struct acl_subject *subject);

/* The ACL of a mailbox, sorted by identifier (negative entries after positive). */
int acl_get(struct db *db, int64_t mailbox_id, struct arena *arena, struct acl_entry **list_r,
            size_t *n_r, const char **error_r);
/*
 * Apply a SETACL-style change for identifier on a mailbox owned by owner_id: the
 * identifier must be "anyone", "anonymous", or an existing user or group of the
 * owner's domain (STORE_ENOTFOUND / STORE_EINVAL otherwise).  An entry left with
 * no rights is removed.  *rights_r (may be NULL) gets the resulting rights.
 */
int acl_set(struct db *db, int64_t mailbox_id, int64_t owner_id, const char *identifier,
            const char *modification, unsigned *rights_r, const char **error_r);
/* Remove an identifier's entry ("-id" for the negative one); STORE_ENOTFOUND if none. */
int acl_delete(struct db *db, int64_t mailbox_id, const char *identifier, const char **error_r);
/*
 * Rights of account_id on mailbox_id (0 for a deleted or unknown mailbox): two
 * indexed queries, the rules above.
 */
int acl_rights_for(struct db *db, int64_t account_id, int64_t mailbox_id, unsigned *rights_r,
                   const char **error_r);

#endif
