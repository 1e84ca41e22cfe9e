/*
 * account.h - tenants and identities: domains, accounts (users, groups and each
 * domain's public-folder owner), SCRAM-SHA-256 credentials and group membership.
 *
 * Logins are "localpart@domain", stored lower-case.  Groups appear in ACLs as
 * "$group@domain"; the public-folder owner of a domain has the reserved localpart
 * "#public" (no user login can contain '#' or '$').  Functions return 0 or a
 * negative STORE_* code (store-result.h) with *error_r set (static text, valid
 * until the next store call).  Strings handed back are allocated from the caller's
 * arena.
 */
#ifndef CAIRN_STORE_ACCOUNT_H
#define CAIRN_STORE_ACCOUNT_H

#include "store-result.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

#define ACCOUNT_PUBLIC_LOCALPART "#public"
#define ACCOUNT_LOCALPART_MAX 64
#define ACCOUNT_DOMAIN_MAX 253

enum account_kind { ACCOUNT_USER, ACCOUNT_GROUP, ACCOUNT_PUBLIC };

struct domain_info {
	int64_t id;
	const char *name;
	int64_t users; /* accounts of kind user */
};

/* A SCRAM-SHA-256 record as stored (RFC 5802/7677): PLAIN, LOGIN and SCRAM use it. */
struct account_scram {
	unsigned char salt[32];
	size_t salt_len;
	unsigned iterations;
	unsigned char stored_key[32];
	unsigned char server_key[32];
};

struct account_info {
	int64_t id;
	int64_t domain_id;
	const char *login; /* "localpart@domain" ("$group@domain" for groups) */
	const char *localpart;
	const char *domain;
	enum account_kind kind;
	int disabled;
	int has_password;
	int64_t mailboxes; /* live mailboxes owned */
	const char *created_at; /* ISO 8601 */
};

/* Lower-case and check a domain name (LDH labels); 0 or STORE_EINVAL. */
int domain_name_normalize(const char *name, struct arena *arena, const char **name_r,
                          const char **error_r);
/*
 * Split and check "localpart@domain" into lower-case parts.  A leading '$' (group
 * identifier) is accepted only when allow_group is set and is not part of the
 * returned localpart.  0 or STORE_EINVAL.
 */
int account_login_split(const char *login, int allow_group, struct arena *arena,
                        const char **localpart_r, const char **domain_r, const char **error_r);

/* Create a domain; STORE_EEXISTS when it is there already. */
int domain_add(struct db *db, const char *name, int64_t *id_r, const char **error_r);
/* Id of a domain, or STORE_ENOTFOUND. */
int domain_lookup(struct db *db, const char *name, int64_t *id_r, const char **error_r);
/* Every domain, sorted by name, into an array from arena. */
int domain_list(struct db *db, struct arena *arena, struct domain_info **list_r, size_t *n_r,
                const char **error_r);
/*
 * Delete a domain.  With accounts in it, STORE_EREFUSED unless force is set; with
 * force every account goes with it (their messages are released as by
 * account_delete).
 */
int domain_delete(struct db *db, const char *name, int force, const char **error_r);

/*
 * Create an account of kind user (scram may be NULL: no password yet, no login) or
 * group (login "$name@domain" or "name@domain").  STORE_ENOTFOUND for an unknown
 * domain, STORE_EEXISTS when the localpart is taken.
 */
int account_add(struct db *db, const char *login, enum account_kind kind,
                const struct account_scram *scram, int64_t *id_r, const char **error_r);
/* Look up a user or group by login ("$g@d" finds groups only). */
int account_lookup(struct db *db, const char *login, struct arena *arena,
                   struct account_info *info_r, const char **error_r);
/* Accounts of one kind, of one domain (NULL: all domains), sorted by login. */
int account_list(struct db *db, const char *domain, enum account_kind kind, struct arena *arena,
                 struct account_info **list_r, size_t *n_r, const char **error_r);
/*
 * Delete an account and everything it owns: mailboxes, ACL entries naming it,
 * subscriptions; message references are released (blob refcounts, quota usage).
 */
int account_delete(struct db *db, const char *login, const char **error_r);
/* Replace the credentials of a user. */
int account_set_scram(struct db *db, int64_t account_id, const struct account_scram *scram,
                      const char **error_r);
/*
 * Credentials of an enabled user for authentication: STORE_ENOTFOUND when the user
 * does not exist, is disabled or has no password (callers must answer all three
 * the same way).
 */
int account_get_scram(struct db *db, const char *login, int64_t *id_r,
                      struct account_scram *scram_r, const char **error_r);
/* The public-folder owner of a domain, created on first use. */
int account_public_owner(struct db *db, const char *domain, int64_t *id_r, const char **error_r);

/* Add / remove a member (a user login) of a group ("$g@d" or "g@d"). */
int group_member_add(struct db *db, const char *group, const char *member, const char **error_r);
int group_member_del(struct db *db, const char *group, const char *member, const char **error_r);
/* Logins of a group's members, sorted. */
int group_members(struct db *db, const char *group, struct arena *arena, const char ***logins_r,
                  size_t *n_r, const char **error_r);

#endif
