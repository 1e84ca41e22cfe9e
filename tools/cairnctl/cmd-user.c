/*
 * cmd-user.c - `cairnctl user add|list|show|del|passwd`: user accounts, their
 * SCRAM-SHA-256 credentials and default folders.
 *
 * Passwords never come from the command line (they would show in ps and shell
 * history): a prompt without echo, asked twice, or one line on stdin.
 */
#include "cairnctl.h"

#include "auth/scram.h"
#include "base/arena.h"
#include "base/config.h"
#include "store/account.h"
#include "store/db.h"
#include "store/mailbox.h"
#include "store/quota.h"

#include <stdlib.h>
#include <string.h>

#define CTL_DEFAULT_FOLDERS                                                                        \
	"Drafts=\\Drafts, Sent=\\Sent, Trash=\\Trash, Junk=\\Junk, Archive=\\Archive"

static unsigned ctl_scram_iterations(struct ctl *ctl)
{
	int64_t v = SCRAM_DEFAULT_ITERATIONS;
	const char *error;
	struct config_section *sec =
	        ctl->config ? config_find(ctl->config, "accounts", NULL) : NULL;
	if (sec && config_get_int(ctl->config, sec, "scram_iterations", SCRAM_DEFAULT_ITERATIONS,
	                          SCRAM_MIN_ITERATIONS, SCRAM_MAX_ITERATIONS, &v, &error) < 0) {
		ctl_fail(CTL_USAGE, "%s", error);
		exit(CTL_USAGE);
	}
	return (unsigned)v;
}

/* Prompt or read, then derive the record; 0 or an exit code. */
static int ctl_user_scram(struct ctl *ctl, int from_stdin, struct account_scram *rec)
{
	char *pw = ctl_read_password(from_stdin);
	if (pw == NULL)
		return CTL_USAGE;
	struct scram_record sr;
	const char *error;
	int r = scram_record_make(pw, ctl_scram_iterations(ctl), &sr, &error);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	if (r < 0)
		return ctl_fail(CTL_ERR, "%s", error);
	memcpy(rec->salt, sr.salt, sizeof(rec->salt));
	rec->salt_len = sr.salt_len;
	rec->iterations = sr.iterations;
	memcpy(rec->stored_key, sr.stored_key, 32);
	memcpy(rec->server_key, sr.server_key, 32);
	return 0;
}

/* Create "Name=\Use, Name2, ..." folders (from [accounts] default_folders). */
static int ctl_user_folders(struct ctl *ctl, struct db *db, int64_t id, const char **error_r)
{
	const char *spec = CTL_DEFAULT_FOLDERS;
	if (ctl->config)
		spec = config_get(config_find(ctl->config, "accounts", NULL), "default_folders",
		                  spec);
	char *copy = strdup(spec), *save = NULL;
	int r = mailbox_create(db, id, "INBOX", NULL, NULL, error_r);
	for (char *item = strtok_r(copy, ",", &save); r == 0 && item;
	     item = strtok_r(NULL, ",", &save)) {
		item += strspn(item, " \t");
		char *eq = strchr(item, '='), *end = item + strlen(item);
		while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (eq)
			*eq++ = '\0';
		if (*item)
			r = mailbox_create(db, id, item, eq && *eq ? eq : NULL, NULL, error_r);
	}
	free(copy);
	return r;
}

static int ctl_user_add(struct ctl *ctl, int argc, char **argv)
{
	int from_stdin = 0, no_password = 0, no_folders = 0;
	const struct ctl_opt opts[] = {{"--password-stdin", &from_stdin, NULL},
	                               {"--no-password", &no_password, NULL},
	                               {"--no-folders", &no_folders, NULL},
	                               {NULL, NULL, NULL}};
	char **op;
	int n, r;
	struct account_scram rec;
	if (ctl_args(argc, argv, opts, 1, 1, &op, &n) != 0)
		return CTL_USAGE;
	if (!no_password && (r = ctl_user_scram(ctl, from_stdin, &rec)) != 0)
		return r;
	struct db *db = ctl_db(ctl);
	const char *error, *ignored;
	int64_t id;
	r = account_add(db, op[0], ACCOUNT_USER, no_password ? NULL : &rec, &id, &error);
	if (r == 0 && !no_folders && (r = ctl_user_folders(ctl, db, id, &error)) < 0) {
		/* Do not leave a half-made account behind. */
		(void)account_delete(db, op[0], &ignored);
	}
	db_close(&db);
	explicit_bzero(&rec, sizeof(rec));
	if (r < 0)
		return ctl_store_fail(r, error);
	printf("user %s added\n", op[0]);
	return CTL_OK;
}

static void ctl_user_json(const struct account_info *u)
{
	printf("{\"login\":");
	ctl_json_str(stdout, u->login);
	printf(",\"id\":%lld,\"password\":%s,\"disabled\":%s,\"mailboxes\":%lld,\"created\":",
	       (long long)u->id, u->has_password ? "true" : "false", u->disabled ? "true" : "false",
	       (long long)u->mailboxes);
	ctl_json_str(stdout, u->created_at);
	putchar('}');
}

static int ctl_user_list(struct ctl *ctl, int argc, char **argv)
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
	int r = account_list(db, n ? op[0] : NULL, ACCOUNT_USER, a, &list, &count, &error);
	db_close(&db);
	if (r == 0 && ctl->json)
		putchar('[');
	for (size_t i = 0; r == 0 && i < count; i++) {
		if (ctl->json) {
			fputs(i ? "," : "", stdout);
			ctl_user_json(&list[i]);
		} else {
			printf("%-40s %3lld mailboxes%s%s\n", list[i].login,
			       (long long)list[i].mailboxes,
			       list[i].has_password ? "" : ", no password",
			       list[i].disabled ? ", disabled" : "");
		}
	}
	if (r == 0 && ctl->json)
		puts("]");
	arena_free(&a);
	return r < 0 ? ctl_store_fail(r, error) : CTL_OK;
}

static void ctl_user_show_text(const struct account_info *u, const struct quota_info *q)
{
	char b1[32], b2[32];
	printf("login:      %s\nid:         %lld\ncreated:    %s\npassword:   %s\n"
	       "disabled:   %s\nmailboxes:  %lld\n",
	       u->login, (long long)u->id, u->created_at, u->has_password ? "set" : "none",
	       u->disabled ? "yes" : "no", (long long)u->mailboxes);
	printf("storage:    %s of %s\nmessages:   %lld of ", ctl_format_size(q->storage_used, b1),
	       q->storage_limit < 0 ? "unlimited" : ctl_format_size(q->storage_limit, b2),
	       (long long)q->messages_used);
	if (q->message_limit < 0)
		printf("unlimited\n");
	else
		printf("%lld\n", (long long)q->message_limit);
}

static int ctl_user_show(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 1, 1, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	struct account_info u;
	struct quota_info q;
	const char *error;
	int r = account_lookup(db, op[0], a, &u, &error);
	if (r == 0 && u.kind != ACCOUNT_USER)
		r = STORE_ENOTFOUND, error = "not a user";
	if (r == 0)
		r = quota_get_account(db, u.id, &q, &error);
	db_close(&db);
	if (r == 0 && ctl->json) {
		ctl_user_json(&u);
		printf("\n");
	} else if (r == 0) {
		ctl_user_show_text(&u, &q);
	}
	arena_free(&a);
	return r < 0 ? ctl_store_fail(r, error) : CTL_OK;
}

static int ctl_user_del(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 1, 1, &op, &n) != 0)
		return CTL_USAGE;
	if (op[0][0] == '$')
		return ctl_usage_error("'%s' is a group: use `cairnctl group del`", op[0]);
	struct db *db = ctl_db(ctl);
	const char *error;
	int r = account_delete(db, op[0], &error);
	db_close(&db);
	if (r < 0)
		return ctl_store_fail(r, error);
	printf("user %s deleted\n", op[0]);
	return CTL_OK;
}

static int ctl_user_passwd(struct ctl *ctl, int argc, char **argv)
{
	int from_stdin = 0;
	const struct ctl_opt opts[] = {{"--password-stdin", &from_stdin, NULL}, {NULL, NULL, NULL}};
	char **op;
	int n;
	if (ctl_args(argc, argv, opts, 1, 1, &op, &n) != 0)
		return CTL_USAGE;
	struct db *db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	struct account_info u;
	struct account_scram rec;
	const char *error;
	/* Look the user up first: no password prompt for a typo. */
	int r = account_lookup(db, op[0], a, &u, &error), code = CTL_OK;
	if (r == 0 && (code = ctl_user_scram(ctl, from_stdin, &rec)) == 0)
		r = account_set_scram(db, u.id, &rec, &error);
	db_close(&db);
	arena_free(&a);
	explicit_bzero(&rec, sizeof(rec));
	if (r < 0)
		return ctl_store_fail(r, error);
	if (code == CTL_OK)
		printf("password of %s changed\n", op[0]);
	return code;
}

static const struct ctl_subcommand ctl_user_subs[] = {
        {"add", "[--password-stdin | --no-password] [--no-folders] USER@DOMAIN",
         "create a user with INBOX and the default folders ([accounts] default_folders); "
         "the password is prompted for twice, or read as one line from stdin",
         ctl_user_add},
        {"list", "[DOMAIN]", "list users, of one domain or all (--json)", ctl_user_list},
        {"show", "USER@DOMAIN", "show a user: password set, mailboxes, quota usage (--json)",
         ctl_user_show},
        {"del", "USER@DOMAIN", "delete a user with all its mailboxes and mail", ctl_user_del},
        {"passwd", "[--password-stdin] USER@DOMAIN", "set a user's password", ctl_user_passwd},
        {NULL, NULL, NULL, NULL},
};

int ctl_cmd_user(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "user", ctl_user_subs, argc, argv);
}
