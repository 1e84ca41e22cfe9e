/*
 * cmd-search.c - SEARCH and UID SEARCH (RFC 9051 6.4.4; RFC 3501 6.4.4), with
 * ESEARCH results (RFC 4731 / RFC 9051: RETURN (MIN MAX ALL COUNT)) under
 * IMAP4rev2 or when RETURN is given.
 *
 * The search program becomes a struct search_key tree (lib/store/mailbox_search.h)
 * that the store runs as one parameterised query; sequence sets are turned into
 * UIDs with the view first.  Only the messages of the view are searched, so every
 * result has a sequence number.  Exports cmd_search.
 */
#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/msg-common.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/args.h"
#include "imap/flags.h"
#include "imap/quote.h"
#include "imap/seqset.h"
#include "store/keyword.h"
#include "store/mailbox.h"
#include "store/mailbox_msgs.h"
#include "store/mailbox_search.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define SEARCH_DEPTH_MAX 100

#define RET_MIN 1u
#define RET_MAX 2u
#define RET_ALL 4u
#define RET_COUNT 8u

struct search_parse {
	struct command_ctx *cmd;
	const char *error;
	int depth;
	bool modseq; /* a MODSEQ key was used: results carry the highest MODSEQ */
};

/*
 * MODSEQ ["entry-name" entry-type] mod-sequence-valzer (RFC 7162 3.1.5).  cairn
 * keeps one MODSEQ per message, not per flag, so an entry name only narrows
 * nothing: the message's MODSEQ (a superset of any flag's) is compared.
 */
static struct search_key *search_modseq(struct search_parse *p, const struct imap_arg **argp)
{
	const struct imap_arg *a = (*argp)->next;
	uint64_t modseq;
	const char *s;
	size_t len;
	p->error = "MODSEQ needs a mod-sequence value";
	if (a != NULL && a->type != IMAP_ARG_ATOM) {
		if (!imap_arg_get_astring(a, &s, &len) || a->next == NULL ||
		    !(imap_arg_is_atom(a->next, "priv") || imap_arg_is_atom(a->next, "shared") ||
		      imap_arg_is_atom(a->next, "all")))
			return NULL;
		a = a->next->next;
	}
	if (a == NULL || !msg_parse_modseq(a, true, &modseq))
		return NULL;
	p->error = NULL;
	struct search_key *k = arena_zalloc(p->cmd->pool, sizeof(*k));
	k->type = SEARCH_MODSEQ;
	k->num = (int64_t)modseq;
	p->modseq = true;
	*argp = a->next;
	return k;
}

static struct search_key *search_new(struct search_parse *p, enum search_type type)
{
	struct search_key *k = arena_zalloc(p->cmd->pool, sizeof(*k));
	k->type = type;
	return k;
}

static const struct {
	const char *name;
	enum search_type type;
	unsigned mask;
} search_flag_keys[] = {
        {"ANSWERED", SEARCH_FLAGS_SET, MAILBOX_FLAG_ANSWERED},
        {"DELETED", SEARCH_FLAGS_SET, MAILBOX_FLAG_DELETED},
        {"DRAFT", SEARCH_FLAGS_SET, MAILBOX_FLAG_DRAFT},
        {"FLAGGED", SEARCH_FLAGS_SET, MAILBOX_FLAG_FLAGGED},
        {"SEEN", SEARCH_FLAGS_SET, MAILBOX_FLAG_SEEN},
        {"UNANSWERED", SEARCH_FLAGS_UNSET, MAILBOX_FLAG_ANSWERED},
        {"UNDELETED", SEARCH_FLAGS_UNSET, MAILBOX_FLAG_DELETED},
        {"UNDRAFT", SEARCH_FLAGS_UNSET, MAILBOX_FLAG_DRAFT},
        {"UNFLAGGED", SEARCH_FLAGS_UNSET, MAILBOX_FLAG_FLAGGED},
        {"UNSEEN", SEARCH_FLAGS_UNSET, MAILBOX_FLAG_SEEN},
        {"ALL", SEARCH_ALL, 0},
};

static const struct {
	const char *name;
	enum search_type type;
} search_arg_keys[] = {
        {"BCC", SEARCH_HEADER},
        {"CC", SEARCH_HEADER},
        {"FROM", SEARCH_HEADER},
        {"SUBJECT", SEARCH_HEADER},
        {"TO", SEARCH_HEADER},
        {"BODY", SEARCH_BODY},
        {"TEXT", SEARCH_TEXT},
        {"BEFORE", SEARCH_BEFORE},
        {"ON", SEARCH_ON},
        {"SINCE", SEARCH_SINCE},
        {"SENTBEFORE", SEARCH_SENTBEFORE},
        {"SENTON", SEARCH_SENTON},
        {"SENTSINCE", SEARCH_SENTSINCE},
        {"LARGER", SEARCH_LARGER},
        {"SMALLER", SEARCH_SMALLER},
        {"KEYWORD", SEARCH_KEYWORD},
        {"UNKEYWORD", SEARCH_UNKEYWORD},
        {"UID", SEARCH_UIDS},
};

static struct search_key *search_key(struct search_parse *p, const struct imap_arg **argp);

/* A keyword's id; one nobody ever used has none (0). */
static int search_keyword(struct search_parse *p, const char *name, struct search_key *k)
{
	if (!imap_keyword_valid(name, strlen(name))) {
		p->error = "Invalid keyword";
		return -1;
	}
	if (keyword_lookup(p->cmd->s->db, name, &k->num, &p->error) < 0)
		return -1;
	return 0;
}

/* The argument of a key with one (a string, a date, a number, a set, a keyword). */
static int search_key_arg(struct search_parse *p, struct search_key *k, const char *name,
                          const struct imap_arg *a)
{
	const char *s;
	size_t len;
	time_t t;
	uint32_t num;
	switch (k->type) {
	case SEARCH_BEFORE:
	case SEARCH_ON:
	case SEARCH_SINCE:
	case SEARCH_SENTBEFORE:
	case SEARCH_SENTON:
	case SEARCH_SENTSINCE:
		if (imap_arg_get_date(a, &t, &p->error) < 0)
			return -1;
		k->num = (int64_t)t;
		return 0;
	case SEARCH_LARGER:
	case SEARCH_SMALLER:
		if (!imap_arg_get_number(a, &num)) {
			p->error = "Invalid number";
			return -1;
		}
		k->num = num;
		return 0;
	case SEARCH_UIDS: {
		struct seqset set;
		seqset_init(&set, p->cmd->pool);
		if (imap_arg_get_seqset(a, &set, &p->error) < 0)
			return -1;
		if (set.searchres) {
			p->error = "$ (SEARCHRES) is not supported";
			return -1;
		}
		mailbox_view_search_ranges(p->cmd->s->view, &set, true, p->cmd->pool, &k->ranges);
		return 0;
	}
	default:
		break;
	}
	if (!imap_arg_get_astring(a, &s, &len)) {
		p->error = "Invalid search string";
		return -1;
	}
	if (k->type == SEARCH_KEYWORD || k->type == SEARCH_UNKEYWORD)
		return search_keyword(p, s, k);
	k->field = name;
	k->value = s;
	return 0;
}

/* Keys of a parenthesised list or a run of keys: an AND of them. */
static struct search_key *search_and(struct search_parse *p, const struct imap_arg *a)
{
	struct search_key *and = search_new(p, SEARCH_AND), **tail = &and->children;
	while (a != NULL) {
		struct search_key *k = search_key(p, &a);
		if (k == NULL)
			return NULL;
		*tail = k;
		tail = &k->next;
	}
	return and;
}

static struct search_key *search_compound(struct search_parse *p, const char *name,
                                          const struct imap_arg **argp)
{
	const struct imap_arg *a = (*argp)->next;
	struct search_key *k;
	if (strcasecmp(name, "NOT") == 0) {
		k = search_new(p, SEARCH_NOT);
		if (a == NULL || (k->children = search_key(p, &a)) == NULL)
			goto missing;
	} else if (strcasecmp(name, "OR") == 0) {
		k = search_new(p, SEARCH_OR);
		if (a == NULL || (k->children = search_key(p, &a)) == NULL || a == NULL ||
		    (k->children->next = search_key(p, &a)) == NULL)
			goto missing;
	} else if (strcasecmp(name, "HEADER") == 0) {
		k = search_new(p, SEARCH_HEADER);
		const char *field, *value;
		size_t len;
		if (a == NULL || a->next == NULL || !imap_arg_get_astring(a, &field, &len) ||
		    !imap_arg_get_astring(a->next, &value, &len) || field[0] == '\0')
			goto missing;
		k->field = field;
		k->value = value;
		a = a->next->next;
	} else {
		return NULL;
	}
	*argp = a;
	return k;
missing:
	if (p->error == NULL)
		p->error = "Missing search argument";
	return NULL;
}

/*
 * RECENT, NEW (RECENT UNSEEN) and OLD (NOT RECENT): \Recent is the session's, so
 * these are the view's recent UIDs (none under IMAP4rev2, RFC 9051 dropped it).
 */
static struct search_key *search_recent(struct search_parse *p, const char *name)
{
	bool new = strcasecmp(name, "NEW") == 0, old = strcasecmp(name, "OLD") == 0;
	if (!new && !old && strcasecmp(name, "RECENT") != 0)
		return NULL;
	struct search_key *k = search_new(p, SEARCH_UIDS);
	mailbox_view_recent_ranges(p->cmd->s->view, p->cmd->pool, &k->ranges);
	if (k->ranges.n == 0)
		k->type = old ? SEARCH_ALL : SEARCH_NONE;
	if (k->ranges.n == 0 || (!new && !old))
		return k;
	struct search_key *outer = search_new(p, new ? SEARCH_AND : SEARCH_NOT);
	outer->children = k;
	if (new) {
		k->next = search_new(p, SEARCH_FLAGS_UNSET);
		k->next->mask = MAILBOX_FLAG_SEEN;
	}
	return outer;
}

/* A flag key, a key with one argument, or a sequence set; NULL with p->error. */
static struct search_key *search_simple(struct search_parse *p, const char *name,
                                        const struct imap_arg **argp)
{
	const struct imap_arg *a = *argp;
	struct search_key *k;
	for (size_t i = 0; i < sizeof(search_flag_keys) / sizeof(search_flag_keys[0]); i++) {
		if (strcasecmp(name, search_flag_keys[i].name) == 0) {
			k = search_new(p, search_flag_keys[i].type);
			k->mask = search_flag_keys[i].mask;
			*argp = a->next;
			return k;
		}
	}
	if ((k = search_recent(p, name)) != NULL) {
		*argp = a->next;
		return k;
	}
	if (strcasecmp(name, "MODSEQ") == 0)
		return search_modseq(p, argp);
	for (size_t i = 0; i < sizeof(search_arg_keys) / sizeof(search_arg_keys[0]); i++) {
		if (strcasecmp(name, search_arg_keys[i].name) != 0)
			continue;
		k = search_new(p, search_arg_keys[i].type);
		if (a->next == NULL || search_key_arg(p, k, search_arg_keys[i].name, a->next) < 0) {
			if (p->error == NULL)
				p->error = "Missing search argument";
			return NULL;
		}
		*argp = a->next->next;
		return k;
	}
	if (!isdigit((unsigned char)name[0]) && name[0] != '*' && name[0] != '$') {
		p->error = "Unknown search key";
		return NULL;
	}
	struct seqset set;
	k = search_new(p, SEARCH_UIDS);
	seqset_init(&set, p->cmd->pool);
	if (imap_arg_get_seqset(a, &set, &p->error) < 0)
		return NULL;
	if (set.searchres) {
		p->error = "$ (SEARCHRES) is not supported";
		return NULL;
	}
	/* A number past the end matches nothing (FETCH and STORE answer BAD). */
	mailbox_view_search_ranges(p->cmd->s->view, &set, false, p->cmd->pool, &k->ranges);
	*argp = a->next;
	return k;
}

/* One key at *argp; advances *argp past it and its arguments. */
static struct search_key *search_key(struct search_parse *p, const struct imap_arg **argp)
{
	const struct imap_arg *a = *argp;
	const char *name;
	struct search_key *k;
	if (++p->depth > SEARCH_DEPTH_MAX) {
		p->error = "Search program nested too deeply";
		return NULL;
	}
	if (a->type == IMAP_ARG_LIST) {
		*argp = a->next;
		k = search_and(p, a->list);
	} else if (!imap_arg_get_atom(a, &name)) {
		p->error = "Invalid search key";
		k = NULL;
	} else {
		k = search_compound(p, name, argp);
		if (k == NULL && p->error == NULL)
			k = search_simple(p, name, argp);
	}
	p->depth--;
	return k;
}

/* RETURN (MIN MAX ALL COUNT); "()" means ALL.  SAVE (SEARCHRES) is not offered. */
static int search_return(struct search_parse *p, const struct imap_arg *a, unsigned *ret_r)
{
	*ret_r = 0;
	if (a == NULL || a->type != IMAP_ARG_LIST) {
		p->error = "RETURN needs a list";
		return -1;
	}
	for (const struct imap_arg *o = a->list; o != NULL; o = o->next) {
		const char *name = "";
		if (!imap_arg_get_atom(o, &name)) {
			p->error = "Invalid RETURN option";
			return -1;
		}
		if (strcasecmp(name, "MIN") == 0)
			*ret_r |= RET_MIN;
		else if (strcasecmp(name, "MAX") == 0)
			*ret_r |= RET_MAX;
		else if (strcasecmp(name, "ALL") == 0)
			*ret_r |= RET_ALL;
		else if (strcasecmp(name, "COUNT") == 0)
			*ret_r |= RET_COUNT;
		else {
			p->error = "Unsupported RETURN option";
			return -1;
		}
	}
	if (*ret_r == 0)
		*ret_r = RET_ALL;
	return 0;
}

/* "[RETURN (...)] [CHARSET x]": *esearch when results go out as ESEARCH. */
static const struct imap_arg *search_options(struct search_parse *p, const struct imap_arg *a,
                                             unsigned *ret_r, bool *esearch_r, bool *badcs_r)
{
	*esearch_r = session_rev2(p->cmd->s);
	*ret_r = RET_ALL;
	*badcs_r = false;
	if (a != NULL && imap_arg_is_atom(a, "RETURN")) {
		if (search_return(p, a->next, ret_r) < 0)
			return NULL;
		*esearch_r = true;
		a = a->next->next;
	}
	if (a != NULL && imap_arg_is_atom(a, "CHARSET")) {
		const char *cs;
		size_t len;
		if (a->next == NULL || !imap_arg_get_astring(a->next, &cs, &len)) {
			p->error = "Missing charset";
			return NULL;
		}
		*badcs_r = strcasecmp(cs, "UTF-8") != 0 && strcasecmp(cs, "US-ASCII") != 0;
		a = a->next->next;
	}
	if (a == NULL)
		p->error = "Missing search key";
	return a;
}

/* The highest MODSEQ of the matches uids[0..n) (0 when none), for "(MODSEQ n)". */
static int search_max_modseq(struct command_ctx *cmd, const uint32_t *uids, size_t n,
                             uint64_t *max_r)
{
	struct mailbox_fetch_row *rows;
	size_t nr;
	const char *error;
	const struct mailbox_view *v = cmd->s->view;
	struct mailbox_uid_ranges ranges = {uids, uids, n};
	*max_r = 0;
	if (n == 0)
		return 0;
	int r = mailbox_msgs_fetch(cmd->s->db, v->mailbox_id, v->seen_account, &ranges, 0,
	                           cmd->pool, &rows, &nr, &error);
	if (r < 0) {
		reply_store_error(cmd, r, error);
		return -1;
	}
	for (size_t i = 0; i < nr; i++)
		if (rows[i].m.modseq > *max_r)
			*max_r = rows[i].m.modseq;
	return 0;
}

/*
 * The MODSEQ a result with a MODSEQ key reports (RFC 7162 3.1.5, RFC 4731 3.2): the
 * highest of the messages it returns, so only of the MIN and/or MAX message when
 * neither ALL nor COUNT is asked for.
 */
static int search_result_modseq(struct command_ctx *cmd, const uint32_t *uids, size_t n,
                                unsigned ret, uint64_t *modseq_r)
{
	uint32_t ends[2];
	size_t ne = 0;
	if ((ret & (RET_ALL | RET_COUNT)) || n == 0)
		return search_max_modseq(cmd, uids, n, modseq_r);
	if (ret & RET_MIN)
		ends[ne++] = uids[0];
	if ((ret & RET_MAX) && (ne == 0 || uids[n - 1] != ends[0]))
		ends[ne++] = uids[n - 1];
	return search_max_modseq(cmd, ends, ne, modseq_r);
}

static void search_write(struct command_ctx *cmd, const uint32_t *uids, size_t n, unsigned ret,
                         bool esearch, uint64_t modseq)
{
	const struct mailbox_view *v = cmd->s->view;
	uint32_t *vals = arena_alloc(cmd->pool, (n + 1) * sizeof(*vals));
	for (size_t i = 0; i < n; i++)
		vals[i] = cmd->uid ? uids[i] : mailbox_view_seq(v, uids[i]);
	struct buf out;
	buf_init_arena(&out, cmd->pool);
	if (!esearch) {
		buf_append_str(&out, "* SEARCH");
		for (size_t i = 0; i < n; i++)
			buf_printf(&out, " %u", vals[i]);
		if (modseq > 0)
			buf_printf(&out, " (MODSEQ %llu)", (unsigned long long)modseq);
		buf_append_str(&out, "\r\n");
		msg_write(cmd->s, &out);
		return;
	}
	buf_append_str(&out, "* ESEARCH (TAG ");
	imap_quote_string(&out, cmd->tag, strlen(cmd->tag), 0);
	buf_append_char(&out, ')');
	if (cmd->uid)
		buf_append_str(&out, " UID");
	if ((ret & RET_MIN) && n > 0)
		buf_printf(&out, " MIN %u", vals[0]);
	if ((ret & RET_MAX) && n > 0)
		buf_printf(&out, " MAX %u", vals[n - 1]);
	if (ret & RET_COUNT)
		buf_printf(&out, " COUNT %zu", n);
	if ((ret & RET_ALL) && n > 0) {
		struct seqset set;
		seqset_init(&set, cmd->pool);
		for (size_t i = 0; i < n; i++)
			seqset_add(&set, vals[i], vals[i]);
		seqset_normalise(&set);
		buf_append_str(&out, " ALL ");
		seqset_format(&set, &out);
	}
	if (modseq > 0)
		buf_printf(&out, " MODSEQ %llu", (unsigned long long)modseq);
	buf_append_str(&out, "\r\n");
	msg_write(cmd->s, &out);
}

void cmd_search(struct command_ctx *cmd)
{
	struct search_parse p = {.cmd = cmd};
	const struct mailbox_view *v = cmd->s->view;
	unsigned ret;
	bool esearch, badcs;
	const struct imap_arg *a = search_options(&p, cmd->args, &ret, &esearch, &badcs);
	struct search_key *key = a != NULL ? search_and(&p, a) : NULL;
	if (key == NULL) {
		reply_bad(cmd, "%s", p.error ? p.error : "Invalid search program");
		return;
	}
	if (badcs) {
		reply_no(cmd, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
		return;
	}
	uint32_t *uids = NULL;
	size_t n = 0;
	const char *error;
	uint32_t max_uid = v->count ? v->msgs[v->count - 1].uid : 0;
	int r = 0;
	if (max_uid > 0 && !v->gone)
		r = mailbox_search(cmd->s->db, v->mailbox_id, v->seen_account, max_uid, key,
		                   cmd->pool, &uids, &n, &error);
	if (r < 0) {
		reply_store_error(cmd, r, error);
		return;
	}
	uint64_t modseq = 0;
	if (p.modseq) { /* implicit ENABLE CONDSTORE (RFC 7162 3.1) */
		msg_enable_condstore(cmd);
		if (search_result_modseq(cmd, uids, n, esearch ? ret : RET_ALL, &modseq) < 0)
			return;
	}
	search_write(cmd, uids, n, ret, esearch, modseq);
	reply_ok(cmd, "%s completed", cmd->name);
}
