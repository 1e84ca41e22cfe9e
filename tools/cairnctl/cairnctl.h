/*
 * cairnctl.h - shared state of the administrator's tool: parsed global options,
 * the loaded config and the command table every cmd-*.c adds to.
 */
#ifndef CAIRNCTL_H
#define CAIRNCTL_H

#include <stdint.h>
#include <stdio.h>

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
	const char *blob_root; /* --blobs / [blob] root / CAIRN_BLOBS */
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
int ctl_cmd_domain(struct ctl *ctl, int argc, char **argv);
int ctl_cmd_user(struct ctl *ctl, int argc, char **argv);
int ctl_cmd_group(struct ctl *ctl, int argc, char **argv);
int ctl_cmd_mailbox(struct ctl *ctl, int argc, char **argv);
int ctl_cmd_acl(struct ctl *ctl, int argc, char **argv);
int ctl_cmd_quota(struct ctl *ctl, int argc, char **argv);
int ctl_cmd_import(struct ctl *ctl, int argc, char **argv);
int ctl_cmd_export(struct ctl *ctl, int argc, char **argv);
int ctl_cmd_gc(struct ctl *ctl, int argc, char **argv);
int ctl_cmd_verify(struct ctl *ctl, int argc, char **argv);
int ctl_cmd_stats(struct ctl *ctl, int argc, char **argv);
int ctl_cmd_expunged(struct ctl *ctl, int argc, char **argv);

/* ---- ctl-util.c: what the cmd-*.c files share ---- */

/*
 * One subcommand of a command ("user add").  run gets argv[0] = the subcommand
 * name; usage is the text after "cairnctl CMD SUB".
 */
struct ctl_subcommand {
	const char *name;
	const char *usage;
	const char *summary;
	int (*run)(struct ctl *ctl, int argc, char **argv);
};

/*
 * Run the subcommand argv[1] of command cmd: `--help` at this level lists the
 * subcommands (exit 0), an unknown or missing one prints them and returns 2, and
 * `CMD SUB --help` prints that subcommand's usage (exit 0).
 */
int ctl_dispatch(struct ctl *ctl, const char *cmd, const struct ctl_subcommand *subs, int argc,
                 char **argv);
/* Run a command without subcommands (c->name NULL), with --help handled. */
int ctl_single(struct ctl *ctl, const char *cmd, const struct ctl_subcommand *c, int argc,
               char **argv);
/* Print "usage: cairnctl CMD SUB USAGE" for the subcommand being run and return 2. */
int ctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A long option of a subcommand: flag options set *flag, others store their value. */
struct ctl_opt {
	const char *name; /* "--force" */
	int *flag; /* set to 1 when present (no value) */
	const char **value; /* takes the next argument */
};

/*
 * Split argv[1..] into options (from opts, "--" ends them) and exactly
 * min..max operands.  Returns 0, or prints the usage error and returns 2.
 */
int ctl_args(int argc, char **argv, const struct ctl_opt *opts, int min, int max,
             char ***operands_r, int *n_r);

/*
 * Resolve a mailbox owner: "user@domain", or "@domain" for the domain's public
 * folders.  0 or a negative STORE_* code with *error_r.
 */
int ctl_owner(struct db *db, const char *spec, int64_t *id_r, const char **error_r);

struct blob_store;
/*
 * Open the blob store of --blobs / [blob] root / CAIRN_BLOBS: exits 2 when none is
 * configured, NULL (after printing why) when it cannot be opened.
 */
struct blob_store *ctl_blobs(struct ctl *ctl);

/*
 * Refuse (exit 1, after printing why) a personal folder name that cairn-imapd
 * reads as another namespace ("Other Users/...", "Shared Folders/...", see
 * imapd/namespace.h): clients could never reach it.  0 when name is usable.
 */
int ctl_check_folder(const char *name);

/* Map a negative STORE_* code to an exit code after printing error (1 or 3). */
int ctl_store_fail(int code, const char *error);

/* JSON string literal of s on f (UTF-8 passes through, controls are escaped). */
void ctl_json_str(FILE *f, const char *s);

/* Parse a size: "1024", "100K", "2M", "1G", "3T" (binary units), or "none" (-1). */
int ctl_parse_size(const char *s, int64_t *value_r);
/* Format bytes as "12.3 MiB" into out (32 bytes). */
const char *ctl_format_size(int64_t bytes, char *out);

/*
 * Read a new password: from stdin (one line) when from_stdin, else prompted twice
 * on the terminal without echo.  Returns a heap string or NULL after printing why.
 */
char *ctl_read_password(int from_stdin);

#endif
