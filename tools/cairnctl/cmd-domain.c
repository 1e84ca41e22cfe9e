/*
 * cmd-domain.c - `cairnctl domain add|list|del`: the tenants of a cairn cluster.
 */
#include "cairnctl.h"

#include "base/arena.h"
#include "store/account.h"
#include "store/db.h"

#include <stdio.h>

static int ctl_domain_add(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 1, 1, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	const char *error;
	int r = domain_add(db, op[0], NULL, &error);
	db_close(&db);
	if (r < 0)
		return ctl_store_fail(r, error);
	printf("domain %s added\n", op[0]);
	return CTL_OK;
}

static int ctl_domain_list(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 0, 0, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	struct domain_info *list;
	size_t count;
	const char *error;
	int r = domain_list(db, a, &list, &count, &error);
	db_close(&db);
	if (r < 0) {
		arena_free(&a);
		return ctl_store_fail(r, error);
	}
	if (ctl->json)
		putchar('[');
	for (size_t i = 0; i < count; i++) {
		if (ctl->json) {
			printf("%s{\"name\":", i ? "," : "");
			ctl_json_str(stdout, list[i].name);
			printf(",\"users\":%lld}", (long long)list[i].users);
		} else {
			printf("%-40s %lld users\n", list[i].name, (long long)list[i].users);
		}
	}
	if (ctl->json)
		puts("]");
	arena_free(&a);
	return CTL_OK;
}

static int ctl_domain_del(struct ctl *ctl, int argc, char **argv)
{
	int force = 0;
	const struct ctl_opt opts[] = {{"--force", &force, NULL}, {NULL, NULL, NULL}};
	char **op;
	int n;
	if (ctl_args(argc, argv, opts, 1, 1, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	const char *error;
	int r = domain_delete(db, op[0], force, &error);
	db_close(&db);
	if (r < 0)
		return ctl_store_fail(r, error);
	printf("domain %s deleted\n", op[0]);
	return CTL_OK;
}

static const struct ctl_subcommand ctl_domain_subs[] = {
        {"add", "DOMAIN", "create a domain (stored lower-case)", ctl_domain_add},
        {"list", "", "list domains with their user counts (--json)", ctl_domain_list},
        {"del", "[--force] DOMAIN",
         "delete a domain; refused while it has accounts unless --force, which deletes them "
         "and all their mail",
         ctl_domain_del},
        {NULL, NULL, NULL, NULL},
};

int ctl_cmd_domain(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "domain", ctl_domain_subs, argc, argv);
}
