/*
 * cmd-db.c - `cairnctl db migrate|status`: apply and inspect schema migrations.
 */
#include "cairnctl.h"

#include "base/buf.h"
#include "store/db.h"

#include <stdio.h>
#include <string.h>

static int ctl_db_usage(FILE *out, int code)
{
	fprintf(out, "usage: cairnctl db migrate   apply pending schema migrations\n"
	             "       cairnctl db status    list applied and pending migrations\n"
	             "exit codes: status returns 1 when migrations are pending, the database "
	             "is newer than this cairn, or an applied migration's file changed\n");
	return code;
}

static int ctl_db_migrate(struct ctl *ctl)
{
	struct db *db = ctl_db(ctl);
	struct buf report = BUF_INIT;
	const char *error;
	int r = db_migrate(db, ctl->schema_dir, &report, &error);
	fputs(buf_cstr(&report), stdout);
	if (r == 0 && report.len == 0)
		printf("schema is up to date\n");
	buf_free(&report);
	db_close(&db);
	return r == 0 ? CTL_OK : ctl_fail(CTL_ERR, "migrate failed: %s", error);
}

static int ctl_db_status(struct ctl *ctl)
{
	struct db *db = ctl_db(ctl);
	struct buf out = BUF_INIT;
	const char *error;
	struct db_status_counts c;
	int r = db_status(db, ctl->schema_dir, &out, &c, &error);
	db_close(&db);
	if (r < 0) {
		buf_free(&out);
		return ctl_fail(CTL_ERR, "status failed: %s", error);
	}
	if (ctl->json) {
		printf("{\"current\":%d,\"pending\":%d,\"newer\":%s,\"changed\":%d}\n", c.current,
		       c.pending, c.newer ? "true" : "false", c.changed);
	} else {
		fputs(buf_cstr(&out), stdout);
		printf("current version %d, %d pending%s%s\n", c.current, c.pending,
		       c.newer ? ", DATABASE IS NEWER THAN THIS CAIRN" : "",
		       c.changed ? ", APPLIED MIGRATION FILES CHANGED (see CHANGED above)" : "");
	}
	buf_free(&out);
	return c.pending || c.newer || c.changed ? CTL_ERR : CTL_OK;
}

int ctl_cmd_db(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 2 || ctl_is_help(argv[1]))
		return ctl_db_usage(argc < 2 ? stderr : stdout, argc < 2 ? CTL_USAGE : CTL_OK);
	if (strcmp(argv[1], "migrate") == 0 && argc == 2)
		return ctl_db_migrate(ctl);
	if (strcmp(argv[1], "status") == 0 && argc == 2)
		return ctl_db_status(ctl);
	return ctl_db_usage(stderr, CTL_USAGE);
}
