/*
 * main.c - cairnctl: global options, config, and the command table.
 *
 *   cairnctl [-c cairn.conf] [--db CONNINFO] [--json] COMMAND ...
 *
 * Each command lives in its own cmd-*.c and is listed in ctl_commands below.
 */
#include "cairnctl.h"

#include "base/config.h"
#include "base/log.h"
#include "store/db.h"
#include "service/notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CAIRN_SCHEMA_DIR
#define CAIRN_SCHEMA_DIR "schema"
#endif

static const struct ctl_command ctl_commands[] = {
        {"db", "database schema: migrate, status", ctl_cmd_db},
        {"domain", "domains: add, list, del", ctl_cmd_domain},
        {"user", "users: add, list, show, del, passwd", ctl_cmd_user},
        {"group", "groups for ACLs: add, list, show, del, join, leave", ctl_cmd_group},
        {"mailbox", "a user's mailboxes: list, create, delete, rename", ctl_cmd_mailbox},
        {"acl", "mailbox ACLs (RFC 4314): get, set, delete, rights", ctl_cmd_acl},
        {"quota", "quotas of users and domains: get, set", ctl_cmd_quota},
        {"import", "import an mbox or Maildir into a folder", ctl_cmd_import},
        {"export", "export folders to Maildir or mbox", ctl_cmd_export},
        {"gc", "remove unreferenced blobs (safe during delivery)", ctl_cmd_gc},
        {"verify", "check (and --repair) the blob store against the database", ctl_cmd_verify},
        {"stats", "counts, bytes stored, dedup ratio", ctl_cmd_stats},
        {"expunged", "purge old expunge tombstones (QRESYNC) and dedup rows", ctl_cmd_expunged},
        {NULL, NULL, NULL},
};

int ctl_fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("cairnctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

int ctl_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

struct db *ctl_db(struct ctl *ctl)
{
	if (ctl->conninfo == NULL) {
		ctl_fail(CTL_USAGE, "no database: give --db CONNINFO, [database] conninfo in "
		                    "the config, or CAIRN_DB");
		exit(CTL_USAGE);
	}
	const char *error;
	struct db *db = db_connect(ctl->conninfo, &error);
	if (db == NULL) {
		ctl_fail(CTL_UNAVAIL, "%s", error);
		exit(CTL_UNAVAIL);
	}
	return db;
}

static void ctl_usage(FILE *out)
{
	fprintf(out, "usage: cairnctl [-c cairn.conf] [--db CONNINFO] [--blobs DIR] [--json] "
	             "COMMAND ...\n\n"
	             "commands:\n");
	for (const struct ctl_command *c = ctl_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\n`cairnctl COMMAND --help` describes a command.\n"
	             "exit codes: 0 ok, 1 failed, 2 usage, 3 database/storage unavailable\n");
}

static void ctl_load_config(struct ctl *ctl)
{
	const char *path = ctl->config_path ? ctl->config_path : getenv("CAIRN_CONF");
	store_on_change(notify_changed); /* every committed change is announced */
	if (path == NULL)
		return;
	const char *error;
	/* Run by a master event without -c: the configuration the master accepted. */
	ctl->config =
	        ctl->config_path ? config_load(path, &error) : config_load_inherited(path, &error);
	if (ctl->config == NULL) {
		ctl_fail(CTL_USAGE, "%s", error);
		exit(CTL_USAGE);
	}
	notify_configure(ctl->config);
	struct config_section *db = config_find(ctl->config, "database", NULL);
	if (ctl->conninfo == NULL)
		ctl->conninfo = config_get(db, "conninfo", NULL);
	if (ctl->schema_dir == NULL)
		ctl->schema_dir = config_get(db, "schema_dir", NULL);
	if (ctl->blob_root == NULL)
		ctl->blob_root = config_get(config_find(ctl->config, "blob", NULL), "root", NULL);
}

int main(int argc, char **argv)
{
	struct ctl ctl = {0};
	int i = 1;
	log_init("cairnctl", 0);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (ctl_is_help(argv[i])) {
			ctl_usage(stdout);
			return CTL_OK;
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			ctl.config_path = argv[++i];
		} else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			ctl.conninfo = argv[++i];
		} else if (strcmp(argv[i], "--blobs") == 0 && i + 1 < argc) {
			ctl.blob_root = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0) {
			ctl.json = 1;
		} else {
			ctl_usage(stderr);
			return ctl_fail(CTL_USAGE, "unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc) {
		ctl_usage(stderr);
		return CTL_USAGE;
	}
	ctl_load_config(&ctl);
	if (ctl.conninfo == NULL)
		ctl.conninfo = getenv("CAIRN_DB");
	if (ctl.schema_dir == NULL)
		ctl.schema_dir = getenv("CAIRN_SCHEMA_DIR");
	if (ctl.blob_root == NULL)
		ctl.blob_root = getenv("CAIRN_BLOBS");
	if (ctl.schema_dir == NULL)
		ctl.schema_dir = CAIRN_SCHEMA_DIR;
	for (const struct ctl_command *c = ctl_commands; c->name; c++)
		if (strcmp(c->name, argv[i]) == 0) {
			int r = c->run(&ctl, argc - i, argv + i);
			config_free(&ctl.config);
			return r;
		}
	ctl_usage(stderr);
	return ctl_fail(CTL_USAGE, "unknown command '%s'", argv[i]);
}
