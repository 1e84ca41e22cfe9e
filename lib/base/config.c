/*
 * config.c - cairn.conf parsing (see config.h).  The whole file is read into
 * memory and split into sections and entries allocated from one arena.
 */
#include "config.h"

#include "arena.h"
#include "buf.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char config_errbuf[1024];

static const char *config_errorf(const char *path, int line, const char *fmt, va_list ap)
{
	int n = snprintf(config_errbuf, sizeof(config_errbuf), "%s:%d: ", path, line);
	if (n < 0 || (size_t)n >= sizeof(config_errbuf))
		n = 0;
	vsnprintf(config_errbuf + n, sizeof(config_errbuf) - (size_t)n, fmt, ap);
	return config_errbuf;
}

const char *config_error(const struct config *cfg, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *e = config_errorf(cfg->path, line, fmt, ap);
	va_end(ap);
	return e;
}

static const char *config_parse_error(const char *path, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *e = config_errorf(path, line, fmt, ap);
	va_end(ap);
	return e;
}

static char *config_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static struct config_section *config_add_section(struct config *cfg, const char *type,
                                                 const char *name, int line)
{
	struct config_section *sec = arena_zalloc(cfg->arena, sizeof(*sec));
	sec->type = arena_strdup(cfg->arena, type);
	sec->name = name ? arena_strdup(cfg->arena, name) : NULL;
	sec->line = line;
	struct config_section **tail = &cfg->sections;
	while (*tail)
		tail = &(*tail)->next;
	*tail = sec;
	return sec;
}

/* "[type]" or "[type name]": identifiers of [A-Za-z0-9_.-]. */
static int config_parse_header(struct config *cfg, char *s, int line, const char **error_r)
{
	char *end = strchr(s, ']');
	if (end == NULL || *config_trim(end + 1) != '\0') {
		*error_r = config_parse_error(cfg->path, line, "malformed section header");
		return -1;
	}
	*end = '\0';
	char *type = config_trim(s + 1);
	char *name = type + strcspn(type, " \t");
	if (*name) {
		*name++ = '\0';
		name = config_trim(name);
	} else {
		name = NULL;
	}
	for (char *p = type; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
			*error_r = config_parse_error(cfg->path, line, "bad section type");
			return -1;
		}
	if (*type == '\0' || (name && (*name == '\0' || strpbrk(name, " \t\"")))) {
		*error_r = config_parse_error(cfg->path, line, "malformed section header");
		return -1;
	}
	config_add_section(cfg, type, name, line);
	return 0;
}

static int config_parse_value(struct config *cfg, char *v, int line, const char **value_r,
                              const char **error_r)
{
	if (*v != '"') {
		char *hash = strstr(v, " #");
		if (hash)
			*hash = '\0';
		*value_r = arena_strdup(cfg->arena, config_trim(v));
		return 0;
	}
	struct buf out = BUF_INIT;
	char *p = v + 1;
	for (; *p && *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		buf_append_char(&out, *p);
	}
	if (*p != '"' || *config_trim(p + 1) != '\0') {
		buf_free(&out);
		*error_r = config_parse_error(cfg->path, line, "unterminated quoted value");
		return -1;
	}
	*value_r = arena_strndup(cfg->arena, buf_cstr(&out), out.len);
	buf_free(&out);
	return 0;
}

static int config_parse_entry(struct config *cfg, char *s, int line, const char **error_r)
{
	char *eq = strchr(s, '=');
	if (eq == NULL) {
		*error_r = config_parse_error(cfg->path, line, "expected 'key = value'");
		return -1;
	}
	*eq = '\0';
	char *key = config_trim(s);
	if (*key == '\0' || key[strcspn(key, " \t")] != '\0') {
		*error_r = config_parse_error(cfg->path, line, "malformed key");
		return -1;
	}
	struct config_entry *e = arena_zalloc(cfg->arena, sizeof(*e));
	e->key = arena_strdup(cfg->arena, key);
	e->line = line;
	if (config_parse_value(cfg, config_trim(eq + 1), line, &e->value, error_r) < 0)
		return -1;
	struct config_section *sec = cfg->sections;
	while (sec->next)
		sec = sec->next;
	struct config_entry **tail = &sec->entries;
	while (*tail)
		tail = &(*tail)->next;
	*tail = e;
	return 0;
}

struct config *config_parse(const char *path, const char *text, const char **error_r)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	cfg->arena = arena_new(0);
	cfg->path = arena_strdup(cfg->arena, path);
	config_add_section(cfg, "", NULL, 0);
	char *copy = arena_strdup(cfg->arena, text);
	int line = 0;
	for (char *next, *s = copy; s; s = next) {
		line++;
		next = strchr(s, '\n');
		if (next)
			*next++ = '\0';
		s = config_trim(s);
		int r = 0;
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		else if (*s == '[')
			r = config_parse_header(cfg, s, line, error_r);
		else
			r = config_parse_entry(cfg, s, line, error_r);
		if (r < 0) {
			config_free(&cfg);
			return NULL;
		}
	}
	return cfg;
}

/* One read at off: pread, so a descriptor shared with other processes keeps its
 * offset; a pipe (-c /dev/stdin) is read as a stream. */
static ssize_t config_read_at(int fd, char *dst, size_t size, off_t off, int *stream)
{
	for (;;) {
		ssize_t n = *stream ? read(fd, dst, size) : pread(fd, dst, size, off);
		if (n < 0 && errno == ESPIPE && !*stream && off == 0) {
			*stream = 1;
			continue;
		}
		if (n >= 0 || errno != EINTR)
			return n;
	}
}

struct config *config_load_fd(const char *path, int fd, const char **error_r)
{
	struct buf text = BUF_INIT;
	char chunk[8192];
	ssize_t n = 0;
	int stream = 0;
	while (text.len <= CONFIG_MAX_SIZE &&
	       (n = config_read_at(fd, chunk, sizeof(chunk), (off_t)text.len, &stream)) > 0)
		buf_append(&text, chunk, (size_t)n);
	struct config *cfg = NULL;
	if (text.len <= CONFIG_MAX_SIZE && n < 0)
		*error_r = config_parse_error(path, 0, "read error: %s", strerror(errno));
	else if (text.len > CONFIG_MAX_SIZE)
		*error_r = config_parse_error(path, 0, "file larger than 4 MiB");
	else if (memchr(buf_cstr(&text), '\0', text.len) != NULL)
		*error_r = config_parse_error(path, 0, "file contains a NUL byte");
	else
		cfg = config_parse(path, buf_cstr(&text), error_r);
	buf_free(&text);
	return cfg;
}

struct config *config_load(const char *path, const char **error_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*error_r = config_parse_error(path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	struct config *cfg = config_load_fd(path, fd, error_r);
	close(fd);
	return cfg;
}

struct config *config_load_inherited(const char *path, const char **error_r)
{
	const char *env = getenv("CAIRN_CONF_FD");
	char *end;
	long fd = env ? strtol(env, &end, 10) : -1;
	if (env == NULL)
		return config_load(path, error_r);
	if (*env == '\0' || *end != '\0' || fd < 0 || fd > INT32_MAX) {
		*error_r = config_parse_error(path, 0, "CAIRN_CONF_FD=%s is not a descriptor", env);
		return NULL;
	}
	return config_load_fd(path, (int)fd, error_r);
}

void config_free(struct config **cfgp)
{
	if (*cfgp == NULL)
		return;
	arena_free(&(*cfgp)->arena);
	XFREE(*cfgp);
}

struct config_section *config_global(struct config *cfg)
{
	return cfg->sections;
}

struct config_section *config_find(struct config *cfg, const char *type, const char *name)
{
	for (struct config_section *s = cfg->sections; s; s = s->next)
		if (strcmp(s->type, type) == 0 &&
		    (name == NULL || (s->name && strcmp(s->name, name) == 0)))
			return s;
	return NULL;
}

const struct config_entry *config_entry(const struct config_section *sec, const char *key)
{
	const struct config_entry *found = NULL;
	for (const struct config_entry *e = sec ? sec->entries : NULL; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			found = e;
	return found;
}

const char *config_get(const struct config_section *sec, const char *key, const char *def)
{
	const struct config_entry *e = config_entry(sec, key);
	return e ? e->value : def;
}

int config_count(const struct config_section *sec, const char *key)
{
	int n = 0;
	for (const struct config_entry *e = sec ? sec->entries : NULL; e; e = e->next)
		n += strcmp(e->key, key) == 0;
	return n;
}

int config_get_int(const struct config *cfg, const struct config_section *sec, const char *key,
                   int64_t def, int64_t min, int64_t max, int64_t *value_r, const char **error_r)
{
	const struct config_entry *e = config_entry(sec, key);
	if (e == NULL) {
		*value_r = def;
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(e->value, &end, 10);
	if (errno || end == e->value || *end != '\0' || v < min || v > max) {
		*error_r =
		        config_error(cfg, e->line, "key '%s' must be an integer from %lld to %lld",
		                     key, (long long)min, (long long)max);
		return -1;
	}
	*value_r = v;
	return 0;
}

int config_get_bool(const struct config *cfg, const struct config_section *sec, const char *key,
                    int def, int *value_r, const char **error_r)
{
	const struct config_entry *e = config_entry(sec, key);
	if (e == NULL) {
		*value_r = def;
		return 0;
	}
	static const char *const yes[] = {"yes", "true", "on", "1", NULL};
	static const char *const no[] = {"no", "false", "off", "0", NULL};
	for (int i = 0; yes[i]; i++) {
		if (strcasecmp(e->value, yes[i]) == 0) {
			*value_r = 1;
			return 0;
		}
		if (strcasecmp(e->value, no[i]) == 0) {
			*value_r = 0;
			return 0;
		}
	}
	*error_r = config_error(cfg, e->line, "key '%s' must be yes or no", key);
	return -1;
}

int config_check_keys(const struct config *cfg, const struct config_section *sec,
                      const char *const *allowed, const char **error_r)
{
	for (const struct config_entry *e = sec->entries; e; e = e->next) {
		int ok = 0;
		for (int i = 0; allowed[i] && !ok; i++)
			ok = strcmp(allowed[i], e->key) == 0;
		if (!ok) {
			*error_r = config_error(cfg, e->line, "unknown key '%s' in [%s%s%s]",
			                        e->key, sec->type[0] ? sec->type : "global",
			                        sec->name ? " " : "", sec->name ? sec->name : "");
			return -1;
		}
	}
	return 0;
}
