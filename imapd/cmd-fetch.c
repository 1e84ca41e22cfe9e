/*
 * cmd-fetch.c - FETCH and UID FETCH (RFC 9051 6.4.5): the attribute parser and the
 * loop over the messages.  Items: FLAGS UID INTERNALDATE RFC822.SIZE ENVELOPE
 * BODYSTRUCTURE BODY, BODY[section]<partial> and BODY.PEEK[...], RFC822,
 * RFC822.HEADER, RFC822.TEXT, MODSEQ, and the macros ALL, FAST, FULL; the
 * modifiers (CHANGEDSINCE n [VANISHED]) of RFC 7162.
 *
 * Messages are read from the database in chunks of FETCH_CHUNK (one query each,
 * metadata only), so memory stays bounded for "1:*" on any mailbox; section bytes
 * come from the blob store per message (fetch-body.c).  A non-PEEK body item first
 * sets \Seen on the whole set in one store call, and the messages it changed get
 * FLAGS in their response.  A message whose bytes cannot be read is not sent at all
 * (never as NIL content), loses the \Seen this FETCH gave it, and the command ends
 * NO [SERVERBUG].  Exports cmd_fetch and fetch_parse.
 */
#include "imapd/fetch.h"

#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/msg-common.h"
#include "imapd/reply.h"
#include "imapd/session.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "imap/args.h"
#include "store/acl.h"
#include "store/mailbox.h"
#include "store/mailbox_msgs.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define FETCH_CHUNK 1000

static void fetch_add_section(struct fetch_req *req, struct fetch_section *sec)
{
	*req->tail = sec;
	req->tail = &sec->next;
	if (!sec->peek)
		req->set_seen = true;
}

/* RFC822, RFC822.HEADER, RFC822.TEXT: BODY[], BODY.PEEK[HEADER], BODY[TEXT]. */
static void fetch_rfc822(struct command_ctx *cmd, struct fetch_req *req, const char *name,
                         const char *spec, bool peek)
{
	struct fetch_section *sec = arena_zalloc(cmd->pool, sizeof(*sec));
	sec->name = name;
	sec->spec = spec;
	sec->peek = peek;
	fetch_add_section(req, sec);
}

/* Is spec (upper-cased) a valid section-spec (RFC 9051 section-spec)? */
static bool fetch_spec_valid(const char *spec, bool has_fields)
{
	const char *p = spec;
	bool part = false;
	while (isdigit((unsigned char)*p)) {
		if (*p == '0')
			return false; /* nz-number */
		while (isdigit((unsigned char)*p))
			p++;
		part = true;
		if (*p != '.')
			break;
		p++;
	}
	if (part && p[-1] != '.' && *p == '\0')
		return !has_fields;
	if (strcmp(p, "HEADER.FIELDS") == 0 || strcmp(p, "HEADER.FIELDS.NOT") == 0)
		return has_fields;
	if (has_fields)
		return false;
	if (*p == '\0')
		return !part;
	return strcmp(p, "HEADER") == 0 || strcmp(p, "TEXT") == 0 ||
	       (part && strcmp(p, "MIME") == 0);
}

static int fetch_section_fields(struct command_ctx *cmd, const struct imap_arg *arg,
                                struct fetch_section *sec, struct buf *name)
{
	sec->fields = arena_alloc(cmd->pool, (arg->list_count + 1) * sizeof(*sec->fields));
	buf_append_str(name, " (");
	for (const struct imap_arg *f = arg->list; f != NULL; f = f->next) {
		const char *s;
		size_t len;
		if (!imap_arg_get_astring(f, &s, &len) || len == 0)
			return -1;
		buf_printf(name, "%s%s", sec->n_fields ? " " : "", s);
		sec->fields[sec->n_fields++] = s;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)s[i] <= ' ' || s[i] == ':' || (unsigned char)s[i] >= 127)
				return -1; /* not a header field name */
	}
	buf_append_char(name, ')');
	return sec->n_fields > 0 ? 0 : -1;
}

static int fetch_section(struct command_ctx *cmd, const struct imap_arg *arg, struct fetch_req *req,
                         const char **error_r)
{
	struct fetch_section *sec = arena_zalloc(cmd->pool, sizeof(*sec));
	if (strcasecmp(arg->str, "BODY.PEEK") == 0)
		sec->peek = true;
	else if (strcasecmp(arg->str, "BODY") != 0) {
		*error_r = "BINARY is not supported";
		return -1;
	}
	char *spec = arena_strndup(cmd->pool, arg->section, arg->section_len);
	for (char *p = spec; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	sec->spec = spec;
	sec->fields_not = strstr(spec, ".NOT") != NULL;
	if (!fetch_spec_valid(spec, arg->has_fields)) {
		*error_r = "Invalid section";
		return -1;
	}
	struct buf name;
	buf_init_arena(&name, cmd->pool);
	buf_printf(&name, "BODY[%s", spec);
	if (arg->has_fields && fetch_section_fields(cmd, arg, sec, &name) < 0) {
		*error_r = "Invalid header field list";
		return -1;
	}
	buf_append_char(&name, ']');
	if (arg->has_partial) {
		sec->partial = true;
		sec->offset = arg->partial_offset;
		sec->count = arg->partial_count;
		buf_printf(&name, "<%u>", sec->offset);
	}
	sec->name = buf_cstr(&name);
	fetch_add_section(req, sec);
	return 0;
}

static const struct {
	const char *name;
	unsigned items;
} fetch_atoms[] = {
        {"FLAGS", FETCH_FLAGS},
        {"UID", FETCH_UID},
        {"INTERNALDATE", FETCH_INTERNALDATE},
        {"RFC822.SIZE", FETCH_SIZE},
        {"ENVELOPE", FETCH_ENVELOPE},
        {"BODYSTRUCTURE", FETCH_BODYSTRUCTURE},
        {"BODY", FETCH_BODY},
        {"FAST", FETCH_FLAGS | FETCH_INTERNALDATE | FETCH_SIZE},
        {"ALL", FETCH_FLAGS | FETCH_INTERNALDATE | FETCH_SIZE | FETCH_ENVELOPE},
        {"FULL", FETCH_FLAGS | FETCH_INTERNALDATE | FETCH_SIZE | FETCH_ENVELOPE | FETCH_BODY},
        {"MODSEQ", FETCH_MODSEQ},
};

static int fetch_item(struct command_ctx *cmd, const struct imap_arg *arg, bool in_list,
                      struct fetch_req *req, const char **error_r)
{
	const char *atom;
	if (arg->type == IMAP_ARG_SECTION)
		return fetch_section(cmd, arg, req, error_r);
	*error_r = "Invalid fetch attribute";
	if (!imap_arg_get_atom(arg, &atom))
		return -1;
	for (size_t i = 0; i < sizeof(fetch_atoms) / sizeof(fetch_atoms[0]); i++) {
		if (strcasecmp(atom, fetch_atoms[i].name) == 0) {
			/* Macros stand alone (RFC 9051 6.4.5). */
			if (in_list && i >= 7 && i < 10)
				return -1;
			req->items |= fetch_atoms[i].items;
			return 0;
		}
	}
	if (strcasecmp(atom, "RFC822") == 0)
		fetch_rfc822(cmd, req, "RFC822", "", false);
	else if (strcasecmp(atom, "RFC822.HEADER") == 0)
		fetch_rfc822(cmd, req, "RFC822.HEADER", "HEADER", true);
	else if (strcasecmp(atom, "RFC822.TEXT") == 0)
		fetch_rfc822(cmd, req, "RFC822.TEXT", "TEXT", false);
	else
		return -1;
	return 0;
}

int fetch_parse(struct command_ctx *cmd, const struct imap_arg *arg, struct fetch_req *req,
                const char **error_r)
{
	memset(req, 0, sizeof(*req));
	req->tail = &req->sections;
	if (arg->type != IMAP_ARG_LIST)
		return fetch_item(cmd, arg, false, req, error_r);
	if (arg->list_count == 0) {
		*error_r = "Empty fetch attribute list";
		return -1;
	}
	for (const struct imap_arg *a = arg->list; a != NULL; a = a->next)
		if (fetch_item(cmd, a, true, req, error_r) < 0)
			return -1;
	return 0;
}

/* Set \Seen on the set first (non-PEEK body items); the changed rows are returned. */
static int fetch_set_seen(struct command_ctx *cmd, const struct mailbox_uid_ranges *ranges,
                          struct mailbox_sync_msg **changed_r, size_t *n_r)
{
	struct mailbox_view *v = cmd->s->view;
	struct mailbox_store_req req = {.mode = MAILBOX_STORE_ADD,
	                                .flags = MAILBOX_FLAG_SEEN,
	                                .allowed_flags = MAILBOX_FLAG_SEEN};
	const char *error;
	*n_r = 0;
	if (v->readonly || (v->rights & ACL_SEEN) == 0 || v->gone || ranges->n == 0)
		return 0;
	int r = mailbox_msgs_store(cmd->s->db, v->mailbox_id, v->seen_account, ranges, &req,
	                           cmd->pool, changed_r, n_r, &error);
	if (r < 0 && r != STORE_ENOTFOUND) {
		reply_store_error(cmd, r, error);
		return -1;
	}
	mailbox_view_update_all(v, *changed_r, *n_r);
	return 0;
}

static bool fetch_uid_in(const struct mailbox_sync_msg *list, size_t n, uint32_t uid)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (list[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && list[lo].uid == uid;
}

struct fetch_run {
	struct command_ctx *cmd;
	const struct fetch_req *req;
	unsigned what;
	struct mailbox_sync_msg *seen;
	size_t n_seen;
	struct arena *chunk; /* cleared per chunk of messages */
	uint32_t *failed; /* UIDs whose bytes could not be read (in cmd->pool) */
	size_t n_failed, cap_failed;
};

/* Remember a message that could not be sent. */
static void fetch_failed(struct fetch_run *run, uint32_t uid, const char *error)
{
	struct imap_session *s = run->cmd->s;
	log_error("fetch_blob", "mailbox=%lld uid=%u error=%s", (long long)s->view->mailbox_id, uid,
	          log_q(error));
	if (run->n_failed == run->cap_failed) {
		run->cap_failed = run->cap_failed ? run->cap_failed * 2 : 16;
		uint32_t *v = arena_alloc(run->cmd->pool, run->cap_failed * sizeof(*v));
		if (run->n_failed)
			memcpy(v, run->failed, run->n_failed * sizeof(*v));
		run->failed = v;
	}
	run->failed[run->n_failed++] = uid;
}

/*
 * \Seen was set on the whole set before the bytes were read; take it back from the
 * messages this FETCH marked but could not send (only those: a message that was
 * \Seen before stays so).  The client was told nothing about them.
 */
static void fetch_unsee_failed(struct fetch_run *run)
{
	struct command_ctx *cmd = run->cmd;
	struct mailbox_view *v = cmd->s->view;
	size_t n = 0;
	uint32_t *uids = arena_alloc(cmd->pool, (run->n_failed + 1) * sizeof(*uids));
	for (size_t i = 0; i < run->n_failed; i++)
		if (fetch_uid_in(run->seen, run->n_seen, run->failed[i]))
			uids[n++] = run->failed[i];
	struct mailbox_uid_ranges ranges = {uids, uids, n};
	struct mailbox_store_req req = {.mode = MAILBOX_STORE_REMOVE,
	                                .flags = MAILBOX_FLAG_SEEN,
	                                .allowed_flags = MAILBOX_FLAG_SEEN};
	struct mailbox_sync_msg *changed;
	size_t n_changed = 0;
	const char *error;
	if (n == 0)
		return;
	if (mailbox_msgs_store(cmd->s->db, v->mailbox_id, v->seen_account, &ranges, &req, cmd->pool,
	                       &changed, &n_changed, &error) < 0) {
		log_error("fetch_unsee", "mailbox=%lld error=%s", (long long)v->mailbox_id,
		          log_q(error));
		return;
	}
	mailbox_view_update_all(v, changed, n_changed);
}

/* Keywords of the chunk's rows: a FLAGS line first when some are new to the client. */
static int fetch_keywords(struct fetch_run *run, struct mailbox_fetch_row *rows, size_t n,
                          const char **error_r)
{
	struct imap_session *s = run->cmd->s;
	size_t total = 0, k = 0;
	for (size_t i = 0; i < n; i++)
		total += rows[i].m.n_keywords;
	if (total == 0)
		return 0;
	int64_t *ids = arena_alloc(run->chunk, total * sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < rows[i].m.n_keywords; j++)
			ids[k++] = rows[i].m.keywords[j];
	int r = mailbox_view_learn_keywords(s->view, s->db, ids, k, run->chunk, error_r);
	if (r > 0) {
		struct buf out;
		buf_init_arena(&out, run->chunk);
		mailbox_view_write_flags(s->view, &out);
		msg_write(s, &out);
	}
	return r < 0 ? -1 : 0;
}

static int fetch_chunk(struct fetch_run *run, const struct mailbox_uid_ranges *ranges,
                       const char **error_r)
{
	struct imap_session *s = run->cmd->s;
	struct mailbox_fetch_row *rows;
	size_t n;
	arena_clear(run->chunk);
	int r = mailbox_msgs_fetch(s->db, s->view->mailbox_id, s->view->seen_account, ranges,
	                           run->what, run->chunk, &rows, &n, error_r);
	if (r < 0 || fetch_keywords(run, rows, n, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint32_t seq = mailbox_view_seq(s->view, rows[i].m.uid);
		if (seq == 0 ||
		    (run->req->changedsince && rows[i].m.modseq <= run->req->changedsince))
			continue;
		bool with_flags =
		        run->n_seen > 0 && fetch_uid_in(run->seen, run->n_seen, rows[i].m.uid);
		const char *error;
		if (fetch_write_message(run->cmd, run->req, &rows[i], seq, with_flags, run->chunk,
		                        &error) < 0) {
			fetch_failed(run, rows[i].m.uid, error);
			continue;
		}
		/* What the client is told now is what the next sync compares against. */
		mailbox_view_update(s->view, &rows[i].m);
	}
	return 0;
}

/* Walk the ranges in pieces of at most FETCH_CHUNK messages of the view. */
static int fetch_all(struct fetch_run *run, const struct mailbox_uid_ranges *ranges,
                     const char **error_r)
{
	const struct mailbox_view *v = run->cmd->s->view;
	for (size_t r = 0; r < ranges->n; r++) {
		size_t a = mailbox_view_seq_ge(v, ranges->lo[r]);
		while (a <= v->count && v->msgs[a - 1].uid <= ranges->hi[r]) {
			size_t b = a;
			while (b < v->count && b - a + 1 < FETCH_CHUNK &&
			       v->msgs[b].uid <= ranges->hi[r])
				b++;
			uint32_t lo = v->msgs[a - 1].uid, hi = v->msgs[b - 1].uid;
			struct mailbox_uid_ranges piece = {&lo, &hi, 1};
			if (fetch_chunk(run, &piece, error_r) < 0)
				return -1;
			a = b + 1;
		}
	}
	return 0;
}

/* "(CHANGEDSINCE n [VANISHED])" (RFC 7162 3.1.4.1, 3.2.6). */
static int fetch_modifiers(struct command_ctx *cmd, const struct imap_arg *arg,
                           struct fetch_req *req, const char **error_r)
{
	*error_r = "Invalid FETCH modifier";
	if (arg->type != IMAP_ARG_LIST)
		return -1;
	for (const struct imap_arg *a = arg->list; a != NULL; a = a->next) {
		if (imap_arg_is_atom(a, "CHANGEDSINCE") && req->changedsince == 0) {
			a = a->next;
			if (a == NULL || !msg_parse_modseq(a, false, &req->changedsince)) {
				*error_r = "CHANGEDSINCE needs a mod-sequence value (1 or more)";
				return -1;
			}
		} else if (imap_arg_is_atom(a, "VANISHED") && !req->vanished) {
			req->vanished = true;
		} else {
			return -1;
		}
	}
	if (req->vanished &&
	    (!cmd->uid || !(cmd->s->enabled & SESSION_ENABLED_QRESYNC) || req->changedsince == 0)) {
		*error_r = "VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC";
		return -1;
	}
	if (req->changedsince)
		req->items |= FETCH_MODSEQ;
	return 0;
}

/* UID FETCH (CHANGEDSINCE n VANISHED): the expunged UIDs of the set first. */
static int fetch_vanished(struct command_ctx *cmd, const struct fetch_req *req,
                          const struct mailbox_uid_ranges *ranges, const char **error_r)
{
	uint32_t *uids;
	size_t n;
	const struct mailbox_view *v = cmd->s->view;
	if (!req->vanished || ranges->n == 0 || v->gone)
		return 0;
	int r = mailbox_msgs_vanished(cmd->s->db, v->mailbox_id, req->changedsince, ranges,
	                              cmd->pool, &uids, &n, error_r);
	if (r < 0 || n == 0)
		return r < 0 ? -1 : 0;
	struct buf out;
	buf_init_arena(&out, cmd->pool);
	mailbox_view_write_vanished(uids, n, true, &out);
	msg_write(cmd->s, &out);
	return 0;
}

static unsigned fetch_what(const struct fetch_req *req)
{
	return (req->items & FETCH_ENVELOPE ? MAILBOX_FETCH_ENVELOPE : 0) |
	       (req->items & FETCH_BODYSTRUCTURE ? MAILBOX_FETCH_BODYSTRUCTURE : 0) |
	       (req->items & FETCH_BODY ? MAILBOX_FETCH_BODY : 0) |
	       (req->sections ? MAILBOX_FETCH_PARTS : 0);
}

void cmd_fetch(struct command_ctx *cmd)
{
	struct mailbox_uid_ranges ranges;
	struct fetch_req req;
	const char *error;
	if (cmd->arg_count != 2 && cmd->arg_count != 3) {
		reply_bad(cmd, "Usage: %s set items [(modifiers)]", cmd->name);
		return;
	}
	if (fetch_parse(cmd, cmd->args->next, &req, &error) < 0 ||
	    (cmd->arg_count == 3 &&
	     fetch_modifiers(cmd, cmd->args->next->next, &req, &error) < 0)) {
		reply_bad(cmd, "%s", error);
		return;
	}
	if (msg_ranges(cmd, cmd->args, &ranges) < 0)
		return;
	if (cmd->uid)
		req.items |= FETCH_UID;
	if (req.items & FETCH_MODSEQ) /* implicit ENABLE CONDSTORE */
		msg_enable_condstore(cmd);
	struct fetch_run run = {.cmd = cmd, .req = &req, .what = fetch_what(&req)};
	if (req.set_seen && fetch_set_seen(cmd, &ranges, &run.seen, &run.n_seen) < 0)
		return;
	if (fetch_vanished(cmd, &req, &ranges, &error) < 0) {
		reply_store_error(cmd, STORE_EDB, error);
		return;
	}
	run.chunk = arena_new(0);
	int r = cmd->s->view->gone ? 0 : fetch_all(&run, &ranges, &error);
	arena_free(&run.chunk);
	if (run.n_failed > 0)
		fetch_unsee_failed(&run);
	if (r < 0)
		reply_store_error(cmd, STORE_EDB, error);
	else if (run.n_failed > 0)
		reply_no(cmd,
		         "[SERVERBUG] %zu message(s) could not be read from storage; "
		         "not sent, \\Seen not set",
		         run.n_failed);
	else
		reply_ok(cmd, "%s completed", cmd->name);
}
