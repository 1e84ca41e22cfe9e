/*
 * list-tree.h - the mailbox hierarchy as LIST and LSUB see it: a sorted array of
 * names (mailboxes, or subscribed names) with the implied parents added, child
 * and subscription marks, and the RFC 9051 6.3.9 wildcard match ("*" anything,
 * "%" anything but "/").
 */
#ifndef CAIRN_IMAPD_LIST_TREE_H
#define CAIRN_IMAPD_LIST_TREE_H

#include "imapd/namespace.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct imap_session;

/* Longest LIST pattern (reference + mailbox), bytes. */
#define LIST_PATTERN_MAX 1024

struct list_entry {
	const char *name; /* client-visible UTF-8 name */
	bool real; /* an item of the source (a mailbox / a subscribed name), not implied */
	bool has_children;
	bool subscribed; /* set by list_tree_mark_subscribed */
	bool child_subscribed; /* a descendant is subscribed */
	struct ns_mailbox mb; /* mailbox trees: kind, info, rights (mb.exists for real ones) */
};

struct list_tree {
	struct list_entry *entries;
	size_t n;
};

/*
 * The user's mailboxes: personal ones, and with foreign those of the "Other Users/"
 * and "Shared Folders/" namespaces the user may list ("l" right).  0 or -1 with
 * *error_r (database).
 */
int list_tree_mailboxes(struct imap_session *s, struct arena *pool, bool foreign,
                        struct list_tree *tree_r, const char **error_r);

/* A tree of the subscribed names. */
int list_tree_subscriptions(struct imap_session *s, struct arena *pool, struct list_tree *tree_r,
                            const char **error_r);

/* The entry named name, or NULL. */
struct list_entry *list_tree_find(const struct list_tree *tree, const char *name);

/* Set subscribed / child_subscribed on tree's entries from a subscription tree. */
void list_tree_mark_subscribed(struct list_tree *tree, const struct list_tree *subs);

/* 1 if name matches pattern (already joined with the reference; "INBOX" prefix of
 * the pattern matched case-insensitively). */
bool list_match(const char *name, const char *pattern, struct arena *pool);

#endif
