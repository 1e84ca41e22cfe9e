/*
 * list-tree.c - the hierarchy behind LIST and LSUB (list-tree.h): collect names,
 * add implied parents, sort, mark children and subscriptions, match patterns.
 *
 * The pattern match is an NFA simulation over the pattern positions, so a pattern
 * full of "*" and "%" costs O(len(name) * len(pattern)) and never backtracks
 * exponentially.
 */
#include "imapd/list-tree.h"

#include "imapd/session.h"

#include "base/arena.h"
#include "store/acl.h"
#include "store/subscription.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct list_builder {
	struct list_entry *v;
	size_t n, cap;
	struct arena *pool;
};

static struct list_entry *list_builder_add(struct list_builder *b, const char *name, bool real)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct list_entry *v = arena_zalloc(b->pool, cap * sizeof(*v));
		if (b->n)
			memcpy(v, b->v, b->n * sizeof(*v));
		b->v = v;
		b->cap = cap;
	}
	struct list_entry *e = &b->v[b->n++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	e->real = real;
	return e;
}

static int list_entry_cmp(const void *a, const void *b)
{
	const struct list_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c != 0 ? c : (int)y->real - (int)x->real; /* real ones first */
}

/* Add implied parents, sort, drop duplicates, mark children. */
static void list_builder_finish(struct list_builder *b, struct list_tree *tree_r)
{
	size_t real_n = b->n;
	for (size_t i = 0; i < real_n; i++) {
		const char *name = b->v[i].name;
		for (const char *p = strchr(name, '/'); p; p = strchr(p + 1, '/'))
			list_builder_add(b, arena_strndup(b->pool, name, (size_t)(p - name)),
			                 false);
	}
	if (b->n > 0)
		qsort(b->v, b->n, sizeof(*b->v), list_entry_cmp);
	size_t out = 0;
	for (size_t i = 0; i < b->n; i++)
		if (out == 0 || strcmp(b->v[out - 1].name, b->v[i].name) != 0)
			b->v[out++] = b->v[i];
	tree_r->entries = b->v;
	tree_r->n = out;
	for (size_t i = 0; i < out; i++) {
		/* Children of "a" are "a/..."; they sort after "a/" but not always right after
		 * "a" ("a b" < "a/x"), so look the prefix up. */
		const char *prefix = arena_printf(b->pool, "%s/", b->v[i].name);
		size_t lo = i + 1, hi = out, plen = strlen(prefix);
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (strcmp(b->v[mid].name, prefix) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		b->v[i].has_children = lo < out && strncmp(b->v[lo].name, prefix, plen) == 0;
	}
}

int list_tree_mailboxes(struct imap_session *s, struct arena *pool, bool foreign,
                        struct list_tree *tree_r, const char **error_r)
{
	struct list_builder b = {.pool = pool};
	struct mailbox_info *own;
	struct mailbox_shared *other;
	size_t n_own, n_other = 0;
	if (mailbox_list(s->db, s->user_id, pool, &own, &n_own, error_r) < 0 ||
	    (foreign &&
	     mailbox_list_shared(s->db, s->user_id, pool, &other, &n_other, error_r) < 0))
		return -1;
	for (size_t i = 0; i < n_own; i++) {
		struct list_entry *e = list_builder_add(&b, own[i].name, true);
		e->mb = (struct ns_mailbox){.kind = NS_PERSONAL,
		                            .ext_name = own[i].name,
		                            .owner_id = s->user_id,
		                            .name = own[i].name,
		                            .rights = ACL_ALL,
		                            .exists = true,
		                            .info = own[i]};
	}
	for (size_t i = 0; i < n_other; i++) {
		if ((other[i].rights & ACL_LOOKUP) == 0)
			continue;
		const char *ext = namespace_ext_name(pool, &other[i]);
		struct list_entry *e = list_builder_add(&b, ext, true);
		e->mb = (struct ns_mailbox){.kind = other[i].is_public ? NS_SHARED : NS_OTHER,
		                            .ext_name = ext,
		                            .owner_id = other[i].info.owner_id,
		                            .owner_localpart = other[i].owner_localpart,
		                            .name = other[i].info.name,
		                            .rights = other[i].rights,
		                            .exists = true,
		                            .info = other[i].info};
	}
	list_builder_finish(&b, tree_r);
	return 0;
}

int list_tree_subscriptions(struct imap_session *s, struct arena *pool, struct list_tree *tree_r,
                            const char **error_r)
{
	struct list_builder b = {.pool = pool};
	const char **names;
	size_t n;
	if (subscription_list(s->db, s->user_id, pool, &names, &n, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		list_builder_add(&b, names[i], true)->subscribed = true;
	list_builder_finish(&b, tree_r);
	for (size_t i = 0; i < tree_r->n; i++)
		tree_r->entries[i].child_subscribed = tree_r->entries[i].has_children;
	return 0;
}

struct list_entry *list_tree_find(const struct list_tree *tree, const char *name)
{
	size_t lo = 0, hi = tree->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(tree->entries[mid].name, name);
		if (c == 0)
			return &tree->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void list_tree_mark_subscribed(struct list_tree *tree, const struct list_tree *subs)
{
	for (size_t i = 0; i < tree->n; i++) {
		const struct list_entry *s = list_tree_find(subs, tree->entries[i].name);
		tree->entries[i].subscribed = s != NULL && s->real;
		tree->entries[i].child_subscribed = s != NULL && s->child_subscribed;
	}
}

bool list_match(const char *name, const char *pattern, struct arena *pool)
{
	size_t m = strlen(pattern);
	/* "inbox", "Inbox/%": INBOX is case-insensitive, also as a parent. */
	if (strncasecmp(pattern, "INBOX", 5) == 0 && (pattern[5] == '\0' || pattern[5] == '/') &&
	    strncmp(name, "INBOX", 5) == 0) {
		char *p = arena_strdup(pool, pattern);
		memcpy(p, "INBOX", 5);
		pattern = p;
	}
	unsigned char *cur = arena_zalloc(pool, m + 1), *next = arena_zalloc(pool, m + 1);
	cur[0] = 1;
	for (size_t j = 0; j < m && cur[j] && (pattern[j] == '*' || pattern[j] == '%'); j++)
		cur[j + 1] = 1;
	for (const char *c = name; *c; c++) {
		memset(next, 0, m + 1);
		bool any = false;
		for (size_t j = 0; j < m; j++) {
			if (!cur[j])
				continue;
			char p = pattern[j];
			if (p == '*' || (p == '%' && *c != '/'))
				next[j] = 1, any = true;
			else if (p == *c)
				next[j + 1] = 1, any = true;
		}
		if (!any)
			return false;
		/* Wildcards also match the empty string. */
		for (size_t j = 0; j < m; j++)
			if (next[j] && (pattern[j] == '*' || pattern[j] == '%'))
				next[j + 1] = 1;
		unsigned char *t = cur;
		cur = next;
		next = t;
	}
	return cur[m] != 0;
}
