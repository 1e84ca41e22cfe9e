/*
 * cmd-quota.c - `cairnctl quota get|set` for a user (USER@DOMAIN) or a whole
 * domain (@DOMAIN), through store/quota.h.
 */
#include "cairnctl.h"

#include "base/arena.h"
#include "store/account.h"
#include "store/db.h"
#include "store/quota.h"

#include <stdio.h>
#include <stdlib.h>

/* "@domain" -> domain id (*is_domain_r = 1), "user@domain" -> account id. */
static int ctl_quota_target(struct db *db, const char *spec, int64_t *id_r, int *is_domain_r,
                            const char **error_r)
{
	*is_domain_r = spec[0] == '@';
	if (*is_domain_r)
		return domain_lookup(db, spec + 1, id_r, error_r);
	struct arena *a = arena_new(0);
	struct account_info u;
	int r = account_lookup(db, spec, a, &u, error_r);
	if (r == 0)
		*id_r = u.id;
	arena_free(&a);
	return r;
}

static void ctl_quota_print(struct ctl *ctl, const char *who, const struct quota_info *q)
{
	if (ctl->json) {
		printf("{\"root\":");
		ctl_json_str(stdout, who);
		printf(",\"storage_used\":%lld,\"storage_limit\":", (long long)q->storage_used);
		printf(q->storage_limit < 0 ? "null" : "%lld", (long long)q->storage_limit);
		printf(",\"messages_used\":%lld,\"message_limit\":", (long long)q->messages_used);
		printf(q->message_limit < 0 ? "null" : "%lld", (long long)q->message_limit);
		printf("}\n");
		return;
	}
	char b1[32], b2[32];
	printf("%s\n  storage:  %s of %s\n  messages: %lld of ", who,
	       ctl_format_size(q->storage_used, b1),
	       q->storage_limit < 0 ? "unlimited" : ctl_format_size(q->storage_limit, b2),
	       (long long)q->messages_used);
	if (q->message_limit < 0)
		printf("unlimited\n");
	else
		printf("%lld\n", (long long)q->message_limit);
}

static int ctl_quota_get(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n, is_domain;
	if (ctl_args(argc, argv, NULL, 1, 1, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct quota_info q;
	int64_t id;
	const char *error;
	int r = ctl_quota_target(db, op[0], &id, &is_domain, &error);
	if (r == 0)
		r = is_domain ? quota_get_domain(db, id, &q, &error)
		              : quota_get_account(db, id, &q, &error);
	db_close(&db);
	if (r < 0)
		return ctl_store_fail(r, error);
	ctl_quota_print(ctl, op[0], &q);
	return CTL_OK;
}

static int ctl_quota_set(struct ctl *ctl, int argc, char **argv)
{
	const char *storage = NULL, *messages = NULL;
	const struct ctl_opt opts[] = {
	        {"--storage", NULL, &storage}, {"--messages", NULL, &messages}, {NULL, NULL, NULL}};
	char **op;
	int n, is_domain;
	int64_t slimit = 0, mlimit = 0, id;
	if (ctl_args(argc, argv, opts, 1, 1, &op, &n) != 0)
		return CTL_USAGE;
	if (storage == NULL && messages == NULL)
		return ctl_usage_error("give --storage and/or --messages");
	if (storage && ctl_parse_size(storage, &slimit) < 0)
		return ctl_usage_error("bad size '%s' (e.g. 500M, 2G, none)", storage);
	if (messages && ctl_parse_size(messages, &mlimit) < 0)
		return ctl_usage_error("bad message count '%s' (a number or none)", messages);
	struct db *db = ctl_db(ctl);
	struct quota_info q;
	const char *error;
	int r = ctl_quota_target(db, op[0], &id, &is_domain, &error);
	if (r == 0) /* the limit not given stays as it is */
		r = is_domain ? quota_get_domain(db, id, &q, &error)
		              : quota_get_account(db, id, &q, &error);
	if (r == 0) {
		slimit = storage ? slimit : q.storage_limit;
		mlimit = messages ? mlimit : q.message_limit;
		r = is_domain ? quota_set_domain(db, id, slimit, mlimit, &error)
		              : quota_set_account(db, id, slimit, mlimit, &error);
	}
	if (r == 0)
		r = is_domain ? quota_get_domain(db, id, &q, &error)
		              : quota_get_account(db, id, &q, &error);
	db_close(&db);
	if (r < 0)
		return ctl_store_fail(r, error);
	ctl_quota_print(ctl, op[0], &q);
	return CTL_OK;
}

static const struct ctl_subcommand ctl_quota_subs[] = {
        {"get", "USER@DOMAIN | @DOMAIN", "show usage and limits (--json)", ctl_quota_get},
        {"set", "[--storage SIZE|none] [--messages N|none] USER@DOMAIN | @DOMAIN",
         "set limits (SIZE in bytes or with K/M/G/T, binary); usage is recounted", ctl_quota_set},
        {NULL, NULL, NULL, NULL},
};

int ctl_cmd_quota(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "quota", ctl_quota_subs, argc, argv);
}
