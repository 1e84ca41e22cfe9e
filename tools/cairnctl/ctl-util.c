/*
 * ctl-util.c - what the cairnctl commands share: subcommand dispatch with --help on
 * every level, option parsing, store-error to exit-code mapping, JSON strings,
 * sizes and password entry.
 */
#include "cairnctl.h"

#include "base/arena.h"
#include "store/account.h"
#include "store/blob.h"
#include "store/store-result.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#define CTL_PASSWORD_MAX 1024

static const char *ctl_cur_cmd;
static const struct ctl_subcommand *ctl_cur_sub;

static void ctl_list_subs(FILE *out, const char *cmd, const struct ctl_subcommand *subs)
{
	fprintf(out, "usage:\n");
	for (const struct ctl_subcommand *s = subs; s->name; s++)
		fprintf(out, "  cairnctl %s %s %s\n      %s\n", cmd, s->name, s->usage, s->summary);
	fprintf(out, "global options (before the command): -c cairn.conf, --db CONNINFO, --json\n"
	             "exit codes: 0 ok, 1 failed (not found, exists, refused), 2 usage, "
	             "3 database unavailable\n");
}

int ctl_dispatch(struct ctl *ctl, const char *cmd, const struct ctl_subcommand *subs, int argc,
                 char **argv)
{
	if (argc >= 2 && ctl_is_help(argv[1])) {
		ctl_list_subs(stdout, cmd, subs);
		return CTL_OK;
	}
	for (const struct ctl_subcommand *s = subs; argc >= 2 && s->name; s++) {
		if (strcmp(s->name, argv[1]) != 0)
			continue;
		ctl_cur_cmd = cmd;
		ctl_cur_sub = s;
		for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
			if (ctl_is_help(argv[i])) {
				printf("usage: cairnctl %s %s %s\n  %s\n", cmd, s->name, s->usage,
				       s->summary);
				return CTL_OK;
			}
		return s->run(ctl, argc - 1, argv + 1);
	}
	ctl_list_subs(stderr, cmd, subs);
	if (argc < 2)
		return ctl_fail(CTL_USAGE, "%s: missing subcommand", cmd);
	return ctl_fail(CTL_USAGE, "%s: unknown subcommand '%s'", cmd, argv[1]);
}

int ctl_single(struct ctl *ctl, const char *cmd, const struct ctl_subcommand *c, int argc,
               char **argv)
{
	ctl_cur_cmd = cmd;
	ctl_cur_sub = c;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (ctl_is_help(argv[i])) {
			printf("usage: cairnctl %s %s\n  %s\n", cmd, c->usage, c->summary);
			return CTL_OK;
		}
	return c->run(ctl, argc, argv);
}

int ctl_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("cairnctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (ctl_cur_sub)
		fprintf(stderr, "usage: cairnctl %s%s%s %s\n", ctl_cur_cmd,
		        ctl_cur_sub->name ? " " : "", ctl_cur_sub->name ? ctl_cur_sub->name : "",
		        ctl_cur_sub->usage);
	return CTL_USAGE;
}

static const struct ctl_opt *ctl_find_opt(const struct ctl_opt *opts, const char *arg)
{
	for (const struct ctl_opt *o = opts; o && o->name; o++)
		if (strcmp(o->name, arg) == 0)
			return o;
	return NULL;
}

int ctl_args(int argc, char **argv, const struct ctl_opt *opts, int min, int max,
             char ***operands_r, int *n_r)
{
	char **operands = argv + 1;
	int n = 0, options_done = 0;
	for (int i = 1; i < argc; i++) {
		const struct ctl_opt *o = NULL;
		if (!options_done && strcmp(argv[i], "--") == 0) {
			options_done = 1;
			continue;
		}
		/* Only "--long" options: rights ("-w") and negative identifiers are operands. */
		if (!options_done && strncmp(argv[i], "--", 2) == 0) {
			o = ctl_find_opt(opts, argv[i]);
			if (o == NULL)
				return ctl_usage_error("unknown option '%s'", argv[i]);
			if (o->flag) {
				*o->flag = 1;
			} else if (i + 1 < argc) {
				*o->value = argv[++i];
			} else {
				return ctl_usage_error("option %s needs a value", argv[i]);
			}
			continue;
		}
		operands[n++] = argv[i]; /* compacting in place: n <= i - 1 */
	}
	if (n < min)
		return ctl_usage_error("missing argument");
	if (n > max)
		return ctl_usage_error("too many arguments");
	*operands_r = operands;
	*n_r = n;
	return 0;
}

int ctl_owner(struct db *db, const char *spec, int64_t *id_r, const char **error_r)
{
	if (spec[0] == '@')
		return account_public_owner(db, spec + 1, id_r, error_r);
	if (spec[0] == '$') {
		*error_r = "groups own no mailboxes";
		return STORE_EINVAL;
	}
	struct arena *a = arena_new(0);
	struct account_info info;
	int r = account_lookup(db, spec, a, &info, error_r);
	if (r == 0)
		*id_r = info.id;
	arena_free(&a);
	return r;
}

struct blob_store *ctl_blobs(struct ctl *ctl)
{
	const char *error;
	if (ctl->blob_root == NULL) {
		ctl_fail(CTL_USAGE, "no blob store: give --blobs DIR, [blob] root in the config, "
		                    "or CAIRN_BLOBS");
		exit(CTL_USAGE);
	}
	struct blob_store *blobs = blob_store_open(ctl->blob_root, &error);
	if (blobs == NULL)
		ctl_fail(CTL_UNAVAIL, "%s", error);
	return blobs;
}

int ctl_check_folder(const char *name)
{
	/* The namespace prefixes of imapd/namespace.h (NS_OTHER_PREFIX, NS_SHARED_PREFIX). */
	static const char *const roots[] = {"Other Users", "Shared Folders"};
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		size_t n = strlen(roots[i]);
		if (strncmp(name, roots[i], n) == 0 && (name[n] == '\0' || name[n] == '/'))
			return ctl_fail(CTL_ERR,
			                "%s: '%s/' is the IMAP namespace of %s; name that owner "
			                "instead (user@domain, or @domain for public folders)",
			                name, roots[i],
			                i == 0 ? "other users' folders" : "the public folders");
	}
	return 0;
}

int ctl_store_fail(int code, const char *error)
{
	return ctl_fail(code == STORE_EDB ? CTL_UNAVAIL : CTL_ERR, "%s", error);
}

void ctl_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

int ctl_parse_size(const char *s, int64_t *value_r)
{
	if (strcmp(s, "none") == 0 || strcmp(s, "unlimited") == 0) {
		*value_r = -1;
		return 0;
	}
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)s[0]))
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	int shift = 0;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	}
	end += shift != 0;
	if (strcasecmp(end, "ib") == 0 || strcasecmp(end, "b") == 0)
		end += strlen(end);
	if (errno || *end || v > (unsigned long long)(INT64_MAX >> shift))
		return -1;
	*value_r = (int64_t)(v << shift);
	return 0;
}

const char *ctl_format_size(int64_t bytes, char *out)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(out, 32, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
	return out;
}

/* One line from f without its line end; NULL at EOF, on error or when too long. */
static char *ctl_read_line(FILE *f)
{
	char buf[CTL_PASSWORD_MAX + 2];
	if (fgets(buf, sizeof(buf), f) == NULL)
		return NULL;
	size_t len = strcspn(buf, "\r\n");
	if (len > CTL_PASSWORD_MAX || (buf[len] == '\0' && !feof(f)))
		return NULL;
	buf[len] = '\0';
	char *r = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

static char *ctl_prompt(FILE *tty, const char *prompt)
{
	struct termios old, quiet;
	int fd = fileno(tty);
	if (tcgetattr(fd, &old) < 0)
		return NULL;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	/* Echo goes off before the prompt shows, so nothing typed after it is echoed. */
	if (tcsetattr(fd, TCSAFLUSH, &quiet) < 0)
		return NULL;
	fputs(prompt, tty);
	fflush(tty);
	char *pw = ctl_read_line(tty);
	tcsetattr(fd, TCSADRAIN, &old);
	return pw;
}

char *ctl_read_password(int from_stdin)
{
	char *pw = NULL, *again = NULL;
	if (from_stdin) {
		pw = ctl_read_line(stdin);
		if (pw == NULL)
			ctl_fail(CTL_USAGE, "no password on stdin (one line, at most %d bytes)",
			         CTL_PASSWORD_MAX);
	} else {
		FILE *tty = fopen("/dev/tty", "r+");
		if (tty == NULL) {
			ctl_fail(CTL_USAGE, "no terminal to prompt on: use --password-stdin");
			return NULL;
		}
		pw = ctl_prompt(tty, "New password: ");
		again = pw ? ctl_prompt(tty, "Retype new password: ") : NULL;
		fclose(tty);
		if (pw == NULL || again == NULL || strcmp(pw, again) != 0) {
			ctl_fail(CTL_USAGE, "passwords do not match");
			free(pw);
			pw = NULL;
		}
		free(again);
	}
	if (pw && pw[0] == '\0') {
		ctl_fail(CTL_USAGE, "empty password refused");
		free(pw);
		pw = NULL;
	}
	return pw;
}
