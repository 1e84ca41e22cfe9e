/*
 * session.c - one IMAP client of cairn-imapd (session.h): the greeting, the loop
 * that feeds the incremental parser and answers literal announcements, the
 * dispatch through the command table with its state check, timeouts, and the
 * end of the session.  Commands live in cmd-*.c; this file knows none of them.
 *
 * Exports session_serve, session_read_continuation, session_start_tls and the
 * small session_* predicates; session_login is in auth.c.
 */
#include "imapd/session.h"

#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/reply.h"
#include "imapd/settings.h"

#include "base/arena.h"
#include "base/conn.h"
#include "base/log.h"
#include "base/tls.h"
#include "base/xalloc.h"
#include "imap/parser.h"
#include "imap/quote.h"
#include "service/limits.h"
#include "service/service.h"

#include <string.h>

/* Bytes taken from the connection per read: bounds s->in. */
#define SESSION_READ_CHUNK 16384

/* Flush corked replies unless more pipelined input is already waiting: replies to
 * one batch of commands go out in one write. */
static int session_flush_if_idle(struct imap_session *s)
{
	const char *error;
	if (conn_has_input(s->conn) || conn_output_pending(s->conn) == 0)
		return 0;
	if (conn_flush(s->conn, &error) < 0) {
		log_info("disconnect", "reason=write error=%s", log_q(error));
		return -1;
	}
	return 0;
}

/* Append one chunk of client input to s->in.  -1: the session is over. */
static int session_read_more(struct imap_session *s)
{
	const void *data;
	size_t len;
	const char *error;
	if (session_flush_if_idle(s) < 0)
		return -1;
	int r = conn_read_chunk(s->conn, SESSION_READ_CHUNK, &data, &len, &error);
	if (r == CONN_OK) {
		buf_append(&s->in, data, len);
		return 0;
	}
	if (r == CONN_TIMEOUT) {
		conn_write_str(s->conn, "* BYE Autologout; idle for too long\r\n");
		(void)conn_flush(s->conn, &error);
		log_info("disconnect", "reason=timeout");
	} else if (r == CONN_EOF) {
		log_info("disconnect", "reason=eof commands=%llu", (unsigned long long)s->commands);
	} else {
		log_info("disconnect", "reason=error error=%s", log_q(error));
	}
	return -1;
}

static const char *session_state_error(const struct imap_session *s, const struct command_def *def)
{
	if (s->state == SESSION_NOT_AUTH)
		return "Not authenticated: log in first";
	if (def->states == SESSION_NOT_AUTH)
		return "Already authenticated";
	return "No mailbox selected";
}

/* Why a literal announced for command c must be refused, or NULL to accept it. */
static const char *session_literal_refusal(struct imap_session *s, const struct imap_command *c,
                                           const struct imap_literal *lit, const char **status_r)
{
	const struct command_def *def = c->name ? commands_find(c->name) : NULL;
	*status_r = "BAD";
	if (def == NULL)
		return "Unknown command";
	if ((def->states & s->state) == 0)
		return session_state_error(s, def);
	if ((def->flags & COMMAND_FLAG_CREDENTIALS) && !session_plaintext_allowed(s)) {
		/* Refuse before the client sends a password in the clear. */
		*status_r = "NO";
		return "[PRIVACYREQUIRED] Plaintext authentication is disabled without TLS";
	}
	uint64_t max = (def->flags & COMMAND_FLAG_BIG_LITERAL) ? s->set->appendlimit
	                                                       : COMMAND_SMALL_LITERAL;
	if (lit->size > max) {
		*status_r = (def->flags & COMMAND_FLAG_BIG_LITERAL) ? "NO" : "BAD";
		return "[TOOBIG] Literal too large";
	}
	return NULL;
}

static void session_literal(struct imap_session *s)
{
	const struct imap_command *c = imap_parser_command(s->parser);
	const struct imap_literal *lit = imap_parser_literal(s->parser);
	const char *status, *error;
	const char *why = session_literal_refusal(s, c, lit, &status);
	if (why != NULL) {
		/* Copy the tag: rejecting may let the parser reuse its memory. */
		char *tag = arena_strdup(s->cmd_pool, c->tag ? c->tag : "*");
		imap_parser_literal_reject(s->parser);
		reply_raw_tagged(s, tag, status, why);
		arena_clear(s->cmd_pool);
		return;
	}
	imap_parser_literal_accept(s->parser);
	if (lit->sync) {
		conn_write_str(s->conn, "+ Ready for literal data\r\n");
		if (conn_flush(s->conn, &error) < 0)
			log_debug("flush_failed", "error=%s", log_q(error));
	}
}

static void session_parse_error(struct imap_session *s)
{
	const char *tag;
	const char *text = imap_parser_error(s->parser, &tag);
	log_debug("bad_command", "tag=%s error=%s", log_q(tag ? tag : "*"), log_q(text));
	reply_raw_tagged(s, tag, "BAD", text);
}

static void session_dispatch(struct imap_session *s)
{
	const struct imap_command *c = imap_parser_command(s->parser);
	const struct command_def *def = commands_find(c->name);
	s->commands++;
	if (def == NULL) {
		reply_raw_tagged(s, c->tag, "BAD", "Unknown command");
		return;
	}
	if ((def->states & s->state) == 0) {
		reply_raw_tagged(s, c->tag, "BAD", session_state_error(s, def));
		return;
	}
	struct command_ctx cmd = {
	        .s = s,
	        .def = def,
	        .tag = c->tag,
	        .name = def->name,
	        .args = c->args,
	        .arg_count = c->arg_count,
	        .uid = strncmp(def->name, "UID ", 4) == 0,
	        .pool = s->cmd_pool,
	};
	if ((def->flags & COMMAND_FLAG_BREAKS_PIPELINE) && session_flush_if_idle(s) < 0) {
		s->state = SESSION_LOGOUT;
		return;
	}
	def->func(&cmd);
	if (!cmd.replied && !cmd.session_over) {
		log_error("command_no_reply", "command=%s", def->name);
		reply_no(&cmd, "[SERVERBUG] Internal error");
	}
	if (cmd.session_over)
		s->state = SESSION_LOGOUT;
	arena_clear(s->cmd_pool);
}

static void session_loop(struct imap_session *s)
{
	while (s->state != SESSION_LOGOUT) {
		if (service_stopping() && s->in.len == 0) {
			const char *error;
			conn_write_str(s->conn, "* BYE Server shutting down\r\n");
			(void)conn_flush(s->conn, &error);
			log_info("disconnect", "reason=shutdown");
			return;
		}
		size_t used;
		enum imap_parse_status st =
		        imap_parser_feed(s->parser, s->in.data, s->in.len, &used);
		if (used > 0)
			buf_consume(&s->in, used);
		switch (st) {
		case IMAP_PARSE_MORE:
			if (session_read_more(s) < 0)
				return;
			break;
		case IMAP_PARSE_LITERAL:
			session_literal(s);
			break;
		case IMAP_PARSE_ERROR:
			session_parse_error(s);
			break;
		case IMAP_PARSE_COMMAND:
			session_dispatch(s);
			break;
		}
	}
}

int session_read_continuation(struct imap_session *s, size_t max, const char **line_r,
                              size_t *len_r)
{
	for (;;) {
		const char *lf = memchr(s->in.data ? s->in.data : "", '\n', s->in.len);
		if (lf != NULL) {
			size_t n = (size_t)(lf - s->in.data);
			size_t len = n > 0 && s->in.data[n - 1] == '\r' ? n - 1 : n;
			if (len > max)
				break;
			*line_r = arena_strndup(s->cmd_pool, s->in.data, len);
			*len_r = len;
			buf_consume(&s->in, n + 1);
			return 0;
		}
		if (s->in.len > max + 1)
			break;
		if (session_read_more(s) < 0)
			return -1;
	}
	conn_write_str(s->conn, "* BYE Line too long\r\n");
	log_info("disconnect", "reason=continuation_too_long");
	return -1;
}

int session_start_tls(struct imap_session *s)
{
	size_t dropped = s->in.len, discarded = 0;
	const char *error;
	buf_reset(&s->in);
	if (conn_start_tls(s->conn, s->proc->tls, TLS_SERVER, &discarded, &error) < 0) {
		log_info("disconnect", "reason=tls_failed error=%s", log_q(error));
		return -1;
	}
	dropped += discarded;
	if (dropped > 0)
		log_warn("starttls_discarded", "bytes=%zu", dropped);
	imap_parser_reset(s->parser);
	s->tls = true;
	log_info("tls", "version=%s cipher=%s", tls_conn_version(s->conn),
	         tls_conn_cipher(s->conn));
	return 0;
}

unsigned session_quote_flags(const struct imap_session *s)
{
	return session_utf8(s) ? IMAP_QUOTE_UTF8 : 0;
}

bool session_utf8(const struct imap_session *s)
{
	return (s->enabled & (SESSION_ENABLED_UTF8 | SESSION_ENABLED_IMAP4REV2)) != 0;
}

bool session_rev2(const struct imap_session *s)
{
	return (s->enabled & SESSION_ENABLED_IMAP4REV2) != 0;
}

bool session_plaintext_allowed(const struct imap_session *s)
{
	switch (s->set->plaintext_auth) {
	case IMAPD_PLAINTEXT_YES:
		return true;
	case IMAPD_PLAINTEXT_LOOPBACK:
		return s->tls || s->loopback;
	default:
		return s->tls;
	}
}

/* "192.0.2.1:52100" -> "192.0.2.1", "[2001:db8::1]:52100" -> "2001:db8::1". */
static const char *session_peer_ip(struct arena *pool, const char *peer)
{
	if (peer[0] == '[') {
		const char *end = strchr(peer, ']');
		return arena_strndup(pool, peer + 1, end ? (size_t)(end - peer - 1) : 0);
	}
	const char *colon = strrchr(peer, ':');
	return colon ? arena_strndup(pool, peer, (size_t)(colon - peer)) : arena_strdup(pool, peer);
}

static bool session_is_loopback(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
	       strncmp(ip, "::ffff:127.", 11) == 0 || strcmp(ip, "unix") == 0;
}

static struct imap_session *session_new(struct imapd_process *proc,
                                        const struct service_client *client)
{
	struct imap_session *s = xcalloc(1, sizeof(*s));
	struct imap_parser_limits limits = {
	        .max_literal = proc->set->appendlimit > COMMAND_SMALL_LITERAL
	                               ? proc->set->appendlimit
	                               : COMMAND_SMALL_LITERAL,
	};
	s->proc = proc;
	s->set = proc->set;
	s->db = proc->db;
	s->client = client;
	s->conn = conn_new_borrowed(client->fd);
	s->parser = imap_parser_new(&limits, IMAP_PARSER_LITERAL_PLUS);
	buf_init(&s->in);
	s->pool = arena_new(0);
	s->cmd_pool = arena_new(0);
	s->state = SESSION_NOT_AUTH;
	s->peer_ip = session_peer_ip(s->pool, client->peer);
	s->loopback = session_is_loopback(s->peer_ip);
	conn_set_timeouts(s->conn, (int)s->set->timeout_preauth_s * 1000, 300 * 1000);
	return s;
}

static void session_free(struct imap_session **sp)
{
	struct imap_session *s = *sp;
	const char *error;
	(void)conn_flush(s->conn, &error);
	mailbox_view_free(&s->view);
	limits_release(&s->user_slot);
	limits_release(&s->ip_slot);
	conn_free(&s->conn);
	imap_parser_free(&s->parser);
	buf_free(&s->in);
	arena_free(&s->cmd_pool);
	arena_free(&s->pool);
	xfree((void **)sp);
}

/* Implicit TLS, the per-IP limit, the greeting.  -1: the session is over. */
static int session_start(struct imap_session *s)
{
	const char *error;
	if (s->client->tls) {
		if (s->proc->tls == NULL) {
			log_error("tls_unconfigured", "listener=%s", log_q(s->client->local));
			return -1;
		}
		if (conn_start_tls(s->conn, s->proc->tls, TLS_SERVER, NULL, &error) < 0) {
			log_info("disconnect", "reason=tls_failed error=%s", log_q(error));
			return -1;
		}
		s->tls = true;
	}
	if (limits_acquire(&s->set->limits, LIMITS_IP, s->peer_ip, &s->ip_slot, &error) < 0) {
		log_warn("connection_refused", "ip=%s reason=%s", log_q(s->peer_ip), log_q(error));
		conn_printf(s->conn, "* BYE [UNAVAILABLE] %s\r\n", error);
		return -1;
	}
	struct buf caps = BUF_INIT;
	capability_append(s, &caps);
	conn_printf(s->conn, "* OK [CAPABILITY %s] %s cairn IMAP ready\r\n", buf_cstr(&caps),
	            s->set->hostname);
	buf_free(&caps);
	return 0;
}

void session_serve(struct imapd_process *proc, const struct service_client *client)
{
	struct imap_session *s = session_new(proc, client);
	if (session_start(s) == 0)
		session_loop(s);
	session_free(&s);
}
