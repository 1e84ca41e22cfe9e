/*
 * lmtp_addr.c - RFC 5321 reverse-path / forward-path parsing for the LMTP engine.
 *
 * Exports lmtp_addr_parse().  Accepts "<>" (null sender), an optional source route
 * ("<@a,@b:user@dom>", which RFC 5321 says to ignore), dot-atom or quoted local
 * parts and domain names or address literals; rejects everything else with a reason
 * so the client gets 501 instead of a silently mangled address.
 */
#include "lmtp-private.h"

#include "base/arena.h"

#include <string.h>

#define LMTP_LOCAL_MAX 64
#define LMTP_DOMAIN_MAX 255

static int lmtp_atext(unsigned char c)
{
	/* RFC 5322 atext; 8-bit bytes too, since UTF-8 local parts exist in the wild. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80 || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Source route "@a,@b:" (skipped).  Returns the position after it, or NULL. */
static const char *lmtp_skip_route(const char *p)
{
	while (*p == '@') {
		p++;
		while (*p && *p != ',' && *p != ':' && *p != '>')
			p++;
		if (*p == ',')
			p++;
		else if (*p == ':')
			return p + 1;
		else
			return NULL;
	}
	return p;
}

/* Local part at p into out (unquoted); returns the position after it or NULL. */
static const char *lmtp_local_part(const char *p, struct buf *out, const char **error_r)
{
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				*error_r = "control character in quoted local part";
				return NULL;
			}
			buf_append_char(out, *p);
		}
		if (*p != '"') {
			*error_r = "unterminated quoted local part";
			return NULL;
		}
		return p + 1;
	}
	const char *start = p;
	while (lmtp_atext((unsigned char)*p) || (*p == '.' && p > start && p[-1] != '.'))
		p++;
	if (p == start || p[-1] == '.') {
		*error_r = "bad local part";
		return NULL;
	}
	buf_append(out, start, (size_t)(p - start));
	return p;
}

static const char *lmtp_domain(const char *p, struct buf *out, const char **error_r)
{
	const char *start = p;
	if (*p == '[') {
		for (p++; *p && *p != ']' && *p != '[' && *p != '\\' && (unsigned char)*p > 0x20;)
			p++;
		if (*p != ']') {
			*error_r = "bad address literal";
			return NULL;
		}
		p++;
	} else {
		while (((unsigned char)*p >= 0x80 || (*p >= 'a' && *p <= 'z') ||
		        (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		        (*p == '.' && p > start && p[-1] != '.')))
			p++;
		if (p == start || p[-1] == '.' || p[-1] == '-' || *start == '-') {
			*error_r = "bad domain";
			return NULL;
		}
	}
	if ((size_t)(p - start) > LMTP_DOMAIN_MAX) {
		*error_r = "domain too long";
		return NULL;
	}
	buf_append(out, start, (size_t)(p - start));
	return p;
}

static int lmtp_is_postmaster(const char *s, size_t len)
{
	return len == 10 && strncasecmp(s, "postmaster", 10) == 0;
}

int lmtp_addr_parse(const char *arg, struct arena *arena, char **addr_r, const char **params_r,
                    const char **error_r)
{
	const char *p = arg;
	while (*p == ' ')
		p++;
	if (*p++ != '<') {
		*error_r = "address must be in <>";
		return -1;
	}
	struct buf addr;
	buf_init_arena(&addr, arena);
	if (*p != '>') {
		if ((p = lmtp_skip_route(p)) == NULL) {
			*error_r = "bad source route";
			return -1;
		}
		if ((p = lmtp_local_part(p, &addr, error_r)) == NULL)
			return -1;
		if (addr.len > LMTP_LOCAL_MAX) {
			*error_r = "local part too long";
			return -1;
		}
		if (*p == '@') {
			buf_append_char(&addr, *p++);
			if ((p = lmtp_domain(p, &addr, error_r)) == NULL)
				return -1;
		} else if (!lmtp_is_postmaster(addr.data, addr.len)) {
			*error_r = "address has no domain";
			return -1;
		}
	}
	if (*p++ != '>') {
		*error_r = "junk in address";
		return -1;
	}
	if (*p != '\0' && *p != ' ') {
		*error_r = "junk after address";
		return -1;
	}
	while (*p == ' ')
		p++;
	*addr_r = (char *)buf_cstr(&addr);
	*params_r = p;
	return 0;
}
