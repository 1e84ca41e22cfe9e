/*
 * cmd-mailbox.c - `cairnctl mailbox list|create|delete|rename` for any user (or a
 * domain's public folders, owner "@domain"), through the same store API
 * (store/mailbox.h) as cairn-imapd.
 */
#include "cairnctl.h"

#include "base/arena.h"
#include "store/db.h"
#include "store/mailbox.h"

#include <stdio.h>

static void ctl_mailbox_json(const struct mailbox_info *m)
{
	printf("{\"name\":");
	ctl_json_str(stdout, m->name);
	printf(",\"uidvalidity\":%u,\"uidnext\":%u,\"highestmodseq\":%llu,\"messages\":%lld,"
	       "\"unseen\":%lld,\"size\":%lld,\"special_use\":",
	       m->uidvalidity, m->uidnext, (unsigned long long)m->highestmodseq,
	       (long long)m->messages, (long long)m->unseen, (long long)m->size);
	if (m->special_use)
		ctl_json_str(stdout, m->special_use);
	else
		printf("null");
	putchar('}');
}

static int ctl_mailbox_list(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 1, 1, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	struct mailbox_info *list = NULL;
	size_t count = 0;
	const char *error;
	int64_t owner;
	int r = ctl_owner(db, op[0], &owner, &error);
	if (r == 0)
		r = mailbox_list(db, owner, a, &list, &count, &error);
	db_close(&db);
	if (r == 0 && ctl->json)
		putchar('[');
	for (size_t i = 0; r == 0 && i < count; i++) {
		char size[32];
		if (ctl->json) {
			fputs(i ? "," : "", stdout);
			ctl_mailbox_json(&list[i]);
		} else {
			printf("%-30s %8lld msgs %10s  uidvalidity %u%s%s\n", list[i].name,
			       (long long)list[i].messages, ctl_format_size(list[i].size, size),
			       list[i].uidvalidity, list[i].special_use ? "  " : "",
			       list[i].special_use ? list[i].special_use : "");
		}
	}
	if (r == 0 && ctl->json)
		puts("]");
	arena_free(&a);
	return r < 0 ? ctl_store_fail(r, error) : CTL_OK;
}

static int ctl_mailbox_create(struct ctl *ctl, int argc, char **argv)
{
	const char *special = NULL;
	const struct ctl_opt opts[] = {{"--special-use", NULL, &special}, {NULL, NULL, NULL}};
	char **op;
	int n;
	if (ctl_args(argc, argv, opts, 2, 2, &op, &n) != 0)
		return CTL_USAGE;
	if (ctl_check_folder(op[1]) != 0)
		return CTL_ERR;
	struct db *db = ctl_db(ctl);
	const char *error;
	int64_t owner;
	int r = ctl_owner(db, op[0], &owner, &error);
	if (r == 0)
		r = mailbox_create(db, owner, op[1], special, NULL, &error);
	db_close(&db);
	if (r < 0)
		return ctl_store_fail(r, error);
	printf("mailbox %s created for %s\n", op[1], op[0]);
	return CTL_OK;
}

static int ctl_mailbox_delete(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 2, 2, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	const char *error;
	int64_t owner;
	int r = ctl_owner(db, op[0], &owner, &error);
	if (r == 0)
		r = mailbox_delete(db, owner, op[1], &error);
	db_close(&db);
	if (r < 0)
		return ctl_store_fail(r, error);
	printf("mailbox %s of %s deleted\n", op[1], op[0]);
	return CTL_OK;
}

static int ctl_mailbox_rename(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 3, 3, &op, &n) != 0)
		return CTL_USAGE;
	if (ctl_check_folder(op[2]) != 0)
		return CTL_ERR;
	struct db *db = ctl_db(ctl);
	const char *error;
	int64_t owner;
	int r = ctl_owner(db, op[0], &owner, &error);
	if (r == 0)
		r = mailbox_rename(db, owner, op[1], op[2], &error);
	db_close(&db);
	if (r < 0)
		return ctl_store_fail(r, error);
	printf("mailbox %s of %s renamed to %s\n", op[1], op[0], op[2]);
	return CTL_OK;
}

static const struct ctl_subcommand ctl_mailbox_subs[] = {
        {"list", "OWNER",
         "list the mailboxes of OWNER (user@domain, or @domain for public "
         "folders) (--json)",
         ctl_mailbox_list},
        {"create", "[--special-use '\\Sent'] OWNER NAME",
         "create a mailbox (UTF-8 name, '/' separates levels)", ctl_mailbox_create},
        {"delete", "OWNER NAME", "delete a mailbox and its messages (not its inferiors)",
         ctl_mailbox_delete},
        {"rename", "OWNER OLD NEW",
         "rename a mailbox with its inferiors; renaming INBOX moves its messages into NEW",
         ctl_mailbox_rename},
        {NULL, NULL, NULL, NULL},
};

int ctl_cmd_mailbox(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "mailbox", ctl_mailbox_subs, argc, argv);
}
