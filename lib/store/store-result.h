/*
 * store-result.h - result codes shared by the lib/store APIs (accounts, mailboxes,
 * ACLs, quotas).
 *
 * Every store function returns 0 on success and a negative STORE_* code on
 * failure, with a one-line reason in *error_r.  -1 always means "the database (or
 * storage) failed": the caller answers NO [SERVERBUG] / exit 3 and logs the detail.
 * The other codes are the user's fault and are safe to show to a client.  Callers
 * that only care about success test `< 0`, so the 0/-1 convention still holds.
 */
#ifndef CAIRN_STORE_RESULT_H
#define CAIRN_STORE_RESULT_H

enum store_result {
	STORE_OK = 0,
	STORE_EDB = -1, /* database failure: temporary, retry later */
	STORE_ENOTFOUND = -2, /* no such domain, account, mailbox, ACL entry */
	STORE_EEXISTS = -3, /* already exists */
	STORE_EINVAL = -4, /* malformed name, rights string, identifier, value */
	STORE_EREFUSED = -5, /* well-formed but not allowed (delete INBOX, non-empty domain) */
};

#endif
