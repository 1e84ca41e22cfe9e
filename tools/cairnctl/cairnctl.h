/*
 * cairnctl.h - shared state of the administrator's tool: parsed global options,
 * the loaded config and the command table every cmd-*.c adds to.
 */
#ifndef CAIRNCTL_H
#define CAIRNCTL_H

struct config;
struct db;

/* Exit codes scripts can rely on. */
enum ctl_exit {
	CTL_OK = 0,
	CTL_ERR = 1, /* the operation failed (not found, refused, ...) */
	CTL_USAGE = 2, /* bad command line */
	CTL_UNAVAIL = 3, /* database or storage unavailable */
};

struct ctl {
	const char *config_path;
	struct config *config; /* NULL when no config file was given or found */
	const char *conninfo;
	const char *schema_dir;
	int json;
};

struct ctl_command {
	const char *name; /* "db" */
	const char *summary; /* one line for `cairnctl --help` */
	int (*run)(struct ctl *ctl, int argc, char **argv); /* argv[0] is the command name */
};

/* Open the database named by --db / [database] conninfo / CAIRN_DB; exits 3 on failure. */
struct db *ctl_db(struct ctl *ctl);
/* Print "cairnctl: <msg>" to stderr and return code. */
int ctl_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 1 when argv[i] is -h or --help. */
int ctl_is_help(const char *arg);

int ctl_cmd_db(struct ctl *ctl, int argc, char **argv);

#endif
