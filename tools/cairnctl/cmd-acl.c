/*
 * cmd-acl.c - `cairnctl acl get|set|delete|rights`: RFC 4314 ACLs of any mailbox,
 * through store/acl.h, the same code cairn-imapd's SETACL and MYRIGHTS use.
 */
#include "cairnctl.h"

#include "base/arena.h"
#include "store/account.h"
#include "store/acl.h"
#include "store/db.h"
#include "store/mailbox.h"

#include <stdio.h>

/* Resolve OWNER and MAILBOX (operands 0 and 1) to ids. */
static int ctl_acl_mailbox(struct db *db, char **op, struct arena *a, int64_t *owner_r,
                           int64_t *mailbox_r, const char **error_r)
{
	struct mailbox_info m;
	int r = ctl_owner(db, op[0], owner_r, error_r);
	if (r == 0)
		r = mailbox_lookup(db, *owner_r, op[1], a, &m, error_r);
	if (r == 0)
		*mailbox_r = m.id;
	return r;
}

static void ctl_acl_print(struct ctl *ctl, const struct acl_entry *list, size_t n)
{
	char rights[ACL_RIGHTS_MAX];
	if (ctl->json)
		putchar('[');
	for (size_t i = 0; i < n; i++) {
		acl_rights_format(list[i].rights, 0, rights);
		if (ctl->json) {
			printf("%s{\"identifier\":", i ? "," : "");
			ctl_json_str(stdout, list[i].identifier);
			printf(",\"negative\":%s,\"rights\":\"%s\"}",
			       list[i].negative ? "true" : "false", rights);
		} else {
			printf("%s%s %s\n", list[i].negative ? "-" : "", list[i].identifier,
			       rights);
		}
	}
	if (ctl->json)
		puts("]");
}

static int ctl_acl_get(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 2, 2, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	struct acl_entry *list;
	size_t count;
	int64_t owner, mailbox;
	const char *error;
	int r = ctl_acl_mailbox(db, op, a, &owner, &mailbox, &error);
	if (r == 0)
		r = acl_get(db, mailbox, a, &list, &count, &error);
	db_close(&db);
	if (r == 0)
		ctl_acl_print(ctl, list, count);
	arena_free(&a);
	return r < 0 ? ctl_store_fail(r, error) : CTL_OK;
}

static int ctl_acl_set(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 4, 4, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	int64_t owner, mailbox;
	unsigned rights;
	const char *error;
	int r = ctl_acl_mailbox(db, op, a, &owner, &mailbox, &error);
	if (r == 0)
		r = acl_set(db, mailbox, owner, op[2], op[3], &rights, &error);
	db_close(&db);
	arena_free(&a);
	if (r < 0)
		return ctl_store_fail(r, error);
	char letters[ACL_RIGHTS_MAX];
	acl_rights_format(rights, 0, letters);
	printf("%s on %s of %s: %s\n", op[2], op[1], op[0], rights ? letters : "(entry removed)");
	return CTL_OK;
}

static int ctl_acl_delete(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 3, 3, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	int64_t owner, mailbox;
	const char *error;
	int r = ctl_acl_mailbox(db, op, a, &owner, &mailbox, &error);
	if (r == 0)
		r = acl_delete(db, mailbox, op[2], &error);
	db_close(&db);
	arena_free(&a);
	if (r < 0)
		return ctl_store_fail(r, error);
	printf("ACL entry %s removed from %s of %s\n", op[2], op[1], op[0]);
	return CTL_OK;
}

static int ctl_acl_rights(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 3, 3, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	int64_t owner, mailbox;
	struct account_info who;
	unsigned rights = 0;
	const char *error;
	int r = ctl_acl_mailbox(db, op, a, &owner, &mailbox, &error);
	if (r == 0)
		r = account_lookup(db, op[2], a, &who, &error);
	if (r == 0)
		r = acl_rights_for(db, who.id, mailbox, &rights, &error);
	db_close(&db);
	arena_free(&a);
	if (r < 0)
		return ctl_store_fail(r, error);
	char letters[ACL_RIGHTS_MAX];
	acl_rights_format(rights, 0, letters);
	if (ctl->json)
		printf("{\"rights\":\"%s\"}\n", letters);
	else
		printf("%s\n", letters);
	return CTL_OK;
}

static const struct ctl_subcommand ctl_acl_subs[] = {
        {"get", "OWNER MAILBOX", "show a mailbox's ACL (--json)", ctl_acl_get},
        {"set", "OWNER MAILBOX IDENTIFIER [+|-]RIGHTS",
         "replace, add (+) or remove (-) rights (RFC 4314 letters lrswipkxtea; obsolete c, d "
         "accepted) for anyone, user@domain, $group@domain, or -IDENTIFIER (negative rights)",
         ctl_acl_set},
        {"delete", "OWNER MAILBOX IDENTIFIER", "remove an identifier's entry", ctl_acl_delete},
        {"rights", "OWNER MAILBOX USER@DOMAIN",
         "the rights USER has on the mailbox, as cairn-imapd computes them (MYRIGHTS)",
         ctl_acl_rights},
        {NULL, NULL, NULL, NULL},
};

int ctl_cmd_acl(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "acl", ctl_acl_subs, argc, argv);
}
