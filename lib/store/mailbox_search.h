/*
 * mailbox_search.h - IMAP SEARCH as one parameterised SQL query.
 *
 * cairn-imapd parses the search program into a tree of struct search_key (with
 * sequence sets already turned into UID ranges) and this module translates it to
 * a WHERE clause over mailbox_messages mm JOIN messages m: flags and keywords on
 * the row, header keys on the parse-once columns (from_addr, subject, ...,
 * search_headers), BODY / TEXT on search_text, dates, sizes.  Client text never
 * enters the SQL: every value is a parameter ($n), substring matches use strpos()
 * on lower-cased text (no LIKE patterns to escape).
 */
#ifndef CAIRN_STORE_MAILBOX_SEARCH_H
#define CAIRN_STORE_MAILBOX_SEARCH_H

#include "mailbox_msgs.h"
#include "store-result.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

enum search_type {
	SEARCH_ALL,
	SEARCH_NONE,
	SEARCH_AND, /* children: every one matches */
	SEARCH_OR, /* children: either of two */
	SEARCH_NOT, /* child */
	SEARCH_FLAGS_SET, /* mask: all these system flags set */
	SEARCH_FLAGS_UNSET, /* mask: all these clear */
	SEARCH_KEYWORD, /* id (0: a keyword nobody has) */
	SEARCH_UNKEYWORD,
	SEARCH_UIDS, /* ranges */
	SEARCH_HEADER, /* field (FROM, TO, CC, BCC, SUBJECT use their columns), value */
	SEARCH_BODY, /* value in the decoded text parts */
	SEARCH_TEXT, /* value in the header or the text parts */
	SEARCH_BEFORE, /* internal date's day < date (Unix time of 00:00 UTC) */
	SEARCH_ON,
	SEARCH_SINCE,
	SEARCH_SENTBEFORE, /* Date:'s own calendar date < date's; none: internal date */
	SEARCH_SENTON,
	SEARCH_SENTSINCE,
	SEARCH_LARGER, /* size > num */
	SEARCH_SMALLER, /* size < num */
	SEARCH_MODSEQ, /* MODSEQ >= num (RFC 7162 3.1.5) */
};

struct search_key {
	enum search_type type;
	struct search_key *children; /* AND, OR (two), NOT (one), linked by next */
	struct search_key *next;
	unsigned mask;
	int64_t num; /* keyword id, date, size */
	const char *field, *value; /* UTF-8 */
	struct mailbox_uid_ranges ranges;
};

/*
 * UIDs (ascending) of the messages of mailbox_id with UID <= max_uid that match
 * key.  seen_account as in mailbox_sync.h.  Memory from arena.
 */
int mailbox_search(struct db *db, int64_t mailbox_id, int64_t seen_account, uint32_t max_uid,
                   const struct search_key *key, struct arena *arena, uint32_t **uids_r,
                   size_t *n_r, const char **error_r);

/*
 * The query mailbox_search() runs, without running it: SQL text and its parameters
 * ($1 mailbox, $2 seen account, $3 max UID, then one per value of key), from
 * arena.  STORE_EINVAL for a program nested deeper than 200 levels or needing more
 * than 1000 parameters.  For tests and EXPLAIN.
 */
int mailbox_search_sql(int64_t mailbox_id, int64_t seen_account, uint32_t max_uid,
                       const struct search_key *key, struct arena *arena, const char **sql_r,
                       const char *const **params_r, int *nparams_r, const char **error_r);

#endif
