/*
 * mail_address.c - RFC 5322 address-list parser (see mail_address.h).
 *
 * The value is first cut into tokens (atoms, quoted strings, domain literals,
 * comments, specials), then a small loop reads one mailbox or group marker at a time.
 * Every token is consumed once, so the parse is linear; nothing recurses.
 */
#include "mail/mail_address.h"

#include "base/arena.h"
#include "base/buf.h"
#include "mail/mail_rfc2047.h"

#include <stdbool.h>
#include <string.h>

enum tok_kind { TOK_ATOM, TOK_QUOTED, TOK_LITERAL, TOK_COMMENT, TOK_SPECIAL };

struct tok {
	enum tok_kind kind;
	char special; /* for TOK_SPECIAL */
	bool space_before; /* whitespace preceded it: phrases keep one space there */
	char *text;
};

struct addr_parser {
	struct arena *arena;
	struct tok *toks;
	size_t n, i;
	char *comment; /* last comment seen in the current item */
	struct mail_address *head, **tail;
};

/* Read a "..." , (...) or [...] at s[*i], unescaping quoted pairs; comments nest. */
static char *lex_delimited(struct arena *arena, const char *s, size_t len, size_t *i, char open,
                           char close)
{
	struct buf b;
	buf_init_arena(&b, arena);
	int depth = 1;
	if (open == '[')
		buf_append_char(&b, '[');
	for ((*i)++; *i < len; (*i)++) {
		char c = s[*i];
		if (c == '\\' && open != '[' && *i + 1 < len) {
			buf_append_char(&b, s[++*i]);
			continue;
		}
		if (c == open && open == '(')
			depth++;
		else if (c == close && --depth == 0)
			break;
		buf_append_char(&b, c);
	}
	if (*i < len)
		(*i)++;
	if (open == '[')
		buf_append_char(&b, ']');
	return b.data ? b.data : arena_strdup(arena, "");
}

static void tokenize(struct addr_parser *ap, const char *s)
{
	size_t len = strlen(s), i = 0;
	bool space = false;
	ap->toks = arena_alloc(ap->arena, sizeof(struct tok) * (len + 1));
	ap->n = 0;
	while (i < len) {
		char c = s[i];
		struct tok *t = &ap->toks[ap->n];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			space = true;
			i++;
			continue;
		}
		ap->n++;
		t->space_before = space;
		space = false;
		if (c == '"' || c == '(' || c == '[') {
			t->kind = c == '"' ? TOK_QUOTED : c == '(' ? TOK_COMMENT : TOK_LITERAL;
			t->text = lex_delimited(ap->arena, s, len, &i, c,
			                        c == '"'   ? '"'
			                        : c == '(' ? ')'
			                                   : ']');
		} else if (strchr("<>@,;:.", c) != NULL || c == ')' || c == ']' || c == '\\') {
			t->kind = TOK_SPECIAL;
			t->special = c;
			t->text = NULL;
			i++;
		} else {
			size_t st = i;
			while (i < len && strchr(" \t\r\n\"()[]<>@,;:.\\", s[i]) == NULL)
				i++;
			t->kind = TOK_ATOM;
			t->text = arena_strndup(ap->arena, s + st, i - st);
		}
	}
}

static const struct tok *peek(struct addr_parser *ap)
{
	while (ap->i < ap->n && ap->toks[ap->i].kind == TOK_COMMENT) {
		ap->comment = ap->toks[ap->i].text;
		ap->i++;
	}
	return ap->i < ap->n ? &ap->toks[ap->i] : NULL;
}

static bool is_special(const struct tok *t, char c)
{
	return t != NULL && t->kind == TOK_SPECIAL && t->special == c;
}

enum words_mode {
	WORDS_PHRASE, /* a display name: words separated by one space */
	WORDS_LOCAL, /* a local part: words and dots, concatenated */
	WORDS_DOMAIN, /* a domain: like a local part, but a second word ends it */
};

/* Read words and dots up to one of the specials in stops (or, for a domain, up to a
   word that follows a word: "a.example junk" is the domain "a.example"). */
static char *read_words(struct addr_parser *ap, enum words_mode mode, const char *stops)
{
	struct buf b;
	buf_init_arena(&b, ap->arena);
	bool after_dot = true;
	const struct tok *t;
	while ((t = peek(ap)) != NULL) {
		if (t->kind == TOK_SPECIAL && strchr(stops, t->special) != NULL)
			break;
		if (mode == WORDS_PHRASE && t->space_before && b.len > 0)
			buf_append_char(&b, ' ');
		if (t->kind == TOK_SPECIAL) {
			buf_append_char(&b, t->special);
			after_dot = t->special == '.';
		} else {
			if (!after_dot && b.len > 0 && mode == WORDS_DOMAIN)
				break;
			buf_append_str(&b, t->text);
			after_dot = false;
		}
		ap->i++;
	}
	return b.data;
}

static struct mail_address *emit(struct addr_parser *ap, char *name, char *route, char *mailbox,
                                 char *host)
{
	struct mail_address *a = arena_zalloc(ap->arena, sizeof(*a));
	a->name = name;
	a->route = route;
	a->mailbox = mailbox;
	a->host = host;
	*ap->tail = a;
	ap->tail = &a->next;
	return a;
}

/* After '<': [route ':'] local-part ['@' domain] '>'. */
static struct mail_address *read_angle_addr(struct addr_parser *ap, char *name)
{
	char *route = NULL;
	ap->i++; /* '<' */
	size_t start = ap->i;
	if (is_special(peek(ap), '@')) {
		route = read_words(ap, WORDS_LOCAL, ":>;<");
		if (is_special(peek(ap), ':')) {
			ap->i++;
		} else {
			route = NULL; /* "<@host>": no route after all */
			ap->i = start;
		}
	}
	char *local = read_words(ap, WORDS_LOCAL, "@>,;<");
	char *host = NULL;
	if (is_special(peek(ap), '@')) {
		ap->i++;
		host = read_words(ap, WORDS_DOMAIN, ">,;<@");
	}
	if (is_special(peek(ap), '>'))
		ap->i++;
	return emit(ap, name, route, local ? local : arena_strdup(ap->arena, ""),
	            host ? host : arena_strdup(ap->arena, ""));
}

/* Skip to the end of the current item (',' or ';' or the end), keeping comments. */
static void skip_item_rest(struct addr_parser *ap)
{
	const struct tok *t;
	while ((t = peek(ap)) != NULL && !is_special(t, ',') && !is_special(t, ';'))
		ap->i++;
}

/* One mailbox, or a group start; returns false at the end of the list. */
static bool read_item(struct addr_parser *ap, bool *in_group)
{
	ap->comment = NULL;
	const struct tok *t = peek(ap);
	if (t == NULL)
		return false;
	if (is_special(t, ',') || (is_special(t, ';') && !*in_group) || is_special(t, '>')) {
		ap->i++;
		return true;
	}
	if (is_special(t, ';')) {
		ap->i++;
		emit(ap, NULL, NULL, NULL, NULL);
		*in_group = false;
		return true;
	}
	char *phrase = read_words(ap, WORDS_PHRASE, "<>@,;:");
	t = peek(ap);
	if (is_special(t, ':') && *in_group) {
		ap->i++; /* "G: H: x@y;": a group in a group is not allowed; drop "H" */
		return true;
	}
	if (is_special(t, ':')) {
		ap->i++;
		emit(ap, NULL, NULL, phrase ? phrase : arena_strdup(ap->arena, ""), NULL);
		*in_group = true;
		return true;
	}
	struct mail_address *a = NULL;
	if (is_special(t, '<')) {
		a = read_angle_addr(ap, phrase);
	} else if (is_special(t, '@')) {
		/* addr-spec: what looked like a phrase was the local part. */
		ap->i++;
		char *host = read_words(ap, WORDS_DOMAIN, "<>@,;:");
		char *local = phrase ? phrase : arena_strdup(ap->arena, "");
		a = emit(ap, NULL, NULL, local, host ? host : arena_strdup(ap->arena, ""));
	} else if (phrase != NULL) {
		a = emit(ap, NULL, NULL, phrase, arena_strdup(ap->arena, ""));
	} else if (t != NULL && !is_special(t, ',') && !is_special(t, ';')) {
		ap->i++; /* a stray ':' inside a group or similar */
		return true;
	}
	skip_item_rest(ap);
	/* "user@host (Real Name)": the old convention puts the name in a comment. */
	if (a != NULL && a->name == NULL && ap->comment != NULL && *ap->comment != '\0')
		a->name = ap->comment;
	return true;
}

struct mail_address *mail_address_parse(struct arena *arena, const char *value)
{
	struct addr_parser ap = {.arena = arena};
	ap.tail = &ap.head;
	tokenize(&ap, value);
	bool in_group = false;
	while (read_item(&ap, &in_group))
		;
	if (in_group)
		emit(&ap, NULL, NULL, NULL, NULL); /* an unterminated group still ends */
	return ap.head;
}

static void append_decoded(struct buf *out, const char *s)
{
	mail_rfc2047_decode(out, s, strlen(s));
}

void mail_address_format_decoded(struct buf *out, const struct mail_address *list)
{
	bool first = true;
	for (const struct mail_address *a = list; a != NULL; a = a->next) {
		if (a->mailbox == NULL) { /* group end */
			buf_append_char(out, ';');
			first = false;
			continue;
		}
		if (!first)
			buf_append_str(out, ", ");
		first = false;
		if (a->host == NULL) { /* group start */
			append_decoded(out, a->mailbox);
			buf_append_str(out, ": ");
			first = true;
			continue;
		}
		if (a->name != NULL) {
			append_decoded(out, a->name);
			buf_append_str(out, " <");
		}
		buf_append_str(out, a->mailbox);
		if (*a->host != '\0') {
			buf_append_char(out, '@');
			buf_append_str(out, a->host);
		}
		if (a->name != NULL)
			buf_append_char(out, '>');
	}
}
