/*
 * cmd-group.c - `cairnctl group add|list|show|del|join|leave`: groups of users of
 * one domain, named "$group@domain" in ACLs.
 */
#include "cairnctl.h"

#include "base/arena.h"
#include "store/account.h"
#include "store/db.h"

#include <stdio.h>

static int ctl_group_add(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	int64_t id;
	if (ctl_args(argc, argv, NULL, 1, 1, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	const char *error;
	int r = account_add(db, op[0], ACCOUNT_GROUP, NULL, &id, &error);
	db_close(&db);
	if (r < 0)
		return ctl_store_fail(r, error);
	printf("group %s added\n", op[0]);
	return CTL_OK;
}

static int ctl_group_list(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 0, 1, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	struct account_info *list;
	size_t count;
	const char *error;
	int r = account_list(db, n ? op[0] : NULL, ACCOUNT_GROUP, a, &list, &count, &error);
	db_close(&db);
	if (r == 0 && ctl->json)
		putchar('[');
	for (size_t i = 0; r == 0 && i < count; i++) {
		if (ctl->json) {
			fputs(i ? "," : "", stdout);
			ctl_json_str(stdout, list[i].login);
		} else {
			puts(list[i].login);
		}
	}
	if (r == 0 && ctl->json)
		puts("]");
	arena_free(&a);
	return r < 0 ? ctl_store_fail(r, error) : CTL_OK;
}

static int ctl_group_show(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 1, 1, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	const char **members;
	size_t count;
	const char *error;
	int r = group_members(db, op[0], a, &members, &count, &error);
	db_close(&db);
	if (r == 0 && ctl->json)
		putchar('[');
	for (size_t i = 0; r == 0 && i < count; i++) {
		if (ctl->json) {
			fputs(i ? "," : "", stdout);
			ctl_json_str(stdout, members[i]);
		} else {
			puts(members[i]);
		}
	}
	if (r == 0 && ctl->json)
		puts("]");
	arena_free(&a);
	return r < 0 ? ctl_store_fail(r, error) : CTL_OK;
}

static int ctl_group_del(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 1, 1, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	const char *error;
	const char *name = op[0][0] == '$' ? op[0] : arena_printf(a, "$%s", op[0]);
	int r = account_delete(db, name, &error);
	db_close(&db);
	arena_free(&a);
	if (r < 0)
		return ctl_store_fail(r, error);
	printf("group %s deleted\n", op[0]);
	return CTL_OK;
}

static int ctl_group_member(struct ctl *ctl, int argc, char **argv, int join)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 2, 2, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	const char *error;
	int r = join ? group_member_add(db, op[0], op[1], &error)
	             : group_member_del(db, op[0], op[1], &error);
	db_close(&db);
	if (r < 0)
		return ctl_store_fail(r, error);
	printf("%s %s %s\n", op[1], join ? "joined" : "left", op[0]);
	return CTL_OK;
}

static int ctl_group_join(struct ctl *ctl, int argc, char **argv)
{
	return ctl_group_member(ctl, argc, argv, 1);
}

static int ctl_group_leave(struct ctl *ctl, int argc, char **argv)
{
	return ctl_group_member(ctl, argc, argv, 0);
}

static const struct ctl_subcommand ctl_group_subs[] = {
        {"add", "GROUP@DOMAIN", "create a group (ACL identifier $GROUP@DOMAIN)", ctl_group_add},
        {"list", "[DOMAIN]", "list groups (--json)", ctl_group_list},
        {"show", "GROUP@DOMAIN", "list a group's members (--json)", ctl_group_show},
        {"del", "GROUP@DOMAIN", "delete a group and the ACL entries naming it", ctl_group_del},
        {"join", "GROUP@DOMAIN USER@DOMAIN", "add a user to a group", ctl_group_join},
        {"leave", "GROUP@DOMAIN USER@DOMAIN", "remove a user from a group", ctl_group_leave},
        {NULL, NULL, NULL, NULL},
};

int ctl_cmd_group(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "group", ctl_group_subs, argc, argv);
}
