/*
 * config.h - the cairn.conf parser shared by every program.
 *
 * Syntax (line oriented, UTF-8):
 *
 *   # comment
 *   key = value                 global settings (before any section)
 *   [database]                  a section with a type ...
 *   conninfo = host=/run/pg dbname=cairn
 *   [service imap]              ... and optionally a name
 *   listen = 127.0.0.1:143      keys may repeat (all values are kept, in order)
 *
 * Values run to the end of the line with surrounding blanks trimmed; a value may
 * be double-quoted to keep blanks or '#'.  Every entry remembers its line so that
 * consumers can report "cairn.conf:12: unknown key 'foo' in [service imap]".
 * The parser knows no keys: each consumer validates its sections with
 * config_check_keys().
 */
#ifndef CAIRN_CONFIG_H
#define CAIRN_CONFIG_H

#include <stdint.h>

#define CONFIG_MAX_SIZE (4 * 1024 * 1024) /* larger files are refused */

struct config_entry {
	const char *key;
	const char *value;
	int line;
	struct config_entry *next;
};

struct config_section {
	const char *type; /* "" for the global section */
	const char *name; /* NULL when the header had no name */
	int line; /* line of the [header] (0 for global) */
	struct config_entry *entries;
	struct config_section *next;
};

struct config {
	const char *path;
	struct config_section *sections; /* the global section first, then file order */
	struct arena *arena;
};

/*
 * Parse path.  On error returns NULL and sets *error_r to "path:LINE: reason"
 * (a static buffer valid until the next call).
 */
struct config *config_load(const char *path, const char **error_r);
/*
 * Parse the file open on fd from its first byte (pread: the offset of a descriptor
 * shared with other processes is left alone); path is only used in messages.
 */
struct config *config_load_fd(const char *path, int fd, const char **error_r);
/*
 * The configuration cairn-master accepted: the sealed copy it passes to the
 * programs it starts as $CAIRN_CONF_FD (named path in messages), so that a file
 * edited since, or a reload the master rejected, never reaches them.  Without
 * $CAIRN_CONF_FD: config_load(path).
 */
struct config *config_load_inherited(const char *path, const char **error_r);
/* Parse text already in memory; path is only used in messages. */
struct config *config_parse(const char *path, const char *text, const char **error_r);
/* Free the config and everything in it; sets *cfg to NULL. */
void config_free(struct config **cfg);

/* The global (header-less) section; never NULL. */
struct config_section *config_global(struct config *cfg);
/* First section of this type (and name, unless name is NULL), or NULL. */
struct config_section *config_find(struct config *cfg, const char *type, const char *name);

/* Last value of key in section, or def when absent. */
const char *config_get(const struct config_section *sec, const char *key, const char *def);
/* Entry of the last value of key, or NULL (for its line number). */
const struct config_entry *config_entry(const struct config_section *sec, const char *key);
/* Count of values of key (for repeatable keys such as listen). */
int config_count(const struct config_section *sec, const char *key);

/*
 * Typed getters: 0 on success (absent key gives def), -1 with *error_r
 * "path:LINE: key 'k' must be ..." on a bad value.
 */
int config_get_int(const struct config *cfg, const struct config_section *sec, const char *key,
                   int64_t def, int64_t min, int64_t max, int64_t *value_r, const char **error_r);
int config_get_bool(const struct config *cfg, const struct config_section *sec, const char *key,
                    int def, int *value_r, const char **error_r);

/*
 * Fail on the first key not in the NULL-terminated allowed list:
 * *error_r = "path:LINE: unknown key 'k' in [type name]".
 */
int config_check_keys(const struct config *cfg, const struct config_section *sec,
                      const char *const *allowed, const char **error_r);

/* Format an error "path:line: ..." into the shared static buffer and return it. */
const char *config_error(const struct config *cfg, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
