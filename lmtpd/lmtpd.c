/*
 * lmtpd.c - cairn-lmtpd's glue: configuration, the socket loop of one client,
 * and the LMTP engine's callbacks implemented with the delivery API
 * (lib/store/deliver.h).  Store failures become LMTP replies here and only here:
 * the client sees 451 4.3.0, the log sees the detail.
 *
 * Exports lmtpd_new, lmtpd_free, lmtpd_serve.
 */
#include "lmtpd.h"

#include "lmtp_session.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "store/blob.h"
#include "store/deliver.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct lmtpd {
	struct lmtp_settings set;
	char *hostname;
	int timeout_ms;
	struct blob_store *blobs;
	struct deliver *deliver;
	const char *peer;
};

struct lmtpd_rcpt {
	char *address;
	int64_t mailbox_id;
};

static const char *const lmtpd_lmtp_keys[] = {
        "hostname",     "max_line_length", "max_message_size", "max_recipients",
        "dedup_window", "over_quota_code", "timeout",          NULL,
};
static const char *const lmtpd_blob_keys[] = {"root", NULL};
static const char *const lmtpd_db_keys[] = {"conninfo", NULL};

static int lmtpd_check_sections(struct config *cfg, const char **error_r)
{
	static const struct {
		const char *type;
		const char *const *keys;
	} sections[] = {
	        {"lmtp", lmtpd_lmtp_keys}, {"blob", lmtpd_blob_keys}, {"database", lmtpd_db_keys}};
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		for (struct config_section *s = cfg->sections; s; s = s->next)
			if (strcmp(s->type, sections[i].type) == 0 &&
			    config_check_keys(cfg, s, sections[i].keys, error_r) < 0)
				return -1;
	}
	return 0;
}

static int lmtpd_read_settings(struct lmtpd *l, struct config *cfg, int *dedup_r,
                               const char **error_r)
{
	struct config_section *sec = config_find(cfg, "lmtp", NULL);
	int64_t line, size, rcpts, dedup, code, timeout;
	char host[256];
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	l->hostname = xstrdup(sec ? config_get(sec, "hostname", host) : host);
	if (config_get_int(cfg, sec, "max_line_length", 4096, 512, 1 << 20, &line, error_r) < 0 ||
	    config_get_int(cfg, sec, "max_message_size", 50 << 20, 1024, (int64_t)1 << 34, &size,
	                   error_r) < 0 ||
	    config_get_int(cfg, sec, "max_recipients", 1000, 1, 100000, &rcpts, error_r) < 0 ||
	    config_get_int(cfg, sec, "dedup_window", 86400, 0, 365 * 86400, &dedup, error_r) < 0 ||
	    config_get_int(cfg, sec, "over_quota_code", 452, 452, 552, &code, error_r) < 0 ||
	    config_get_int(cfg, sec, "timeout", 300, 1, 86400, &timeout, error_r) < 0)
		return -1;
	if (code != 452 && code != 552) {
		*error_r = config_error(cfg, config_entry(sec, "over_quota_code")->line,
		                        "over_quota_code must be 452 or 552");
		return -1;
	}
	lmtp_settings_init(&l->set);
	l->set.hostname = l->hostname;
	l->set.max_line_length = (size_t)line;
	l->set.max_message_size = (uint64_t)size;
	l->set.max_recipients = (unsigned)rcpts;
	l->set.over_quota_code = (int)code;
	l->timeout_ms = (int)timeout * 1000;
	*dedup_r = (int)dedup;
	return 0;
}

struct lmtpd *lmtpd_new(struct config *cfg, const char **error_r)
{
	struct config_section *blob = config_find(cfg, "blob", NULL);
	struct config_section *db = config_find(cfg, "database", NULL);
	const char *root = blob ? config_get(blob, "root", NULL) : NULL;
	const char *conninfo = db ? config_get(db, "conninfo", NULL) : NULL;
	struct deliver_settings dset = {0};
	if (lmtpd_check_sections(cfg, error_r) < 0)
		return NULL;
	if (root == NULL || conninfo == NULL) {
		*error_r = config_error(cfg, 0, "[blob] root and [database] conninfo are required");
		return NULL;
	}
	struct lmtpd *l = xcalloc(1, sizeof(*l));
	if (lmtpd_read_settings(l, cfg, &dset.dedup_window, error_r) < 0 ||
	    (l->blobs = blob_store_open(root, error_r)) == NULL) {
		lmtpd_free(&l);
		return NULL;
	}
	l->deliver = deliver_new(conninfo, l->blobs, &dset);
	const char *dberr;
	if (deliver_connect(l->deliver, &dberr) < 0)
		log_warn("db_unavailable", "error=%s", log_q(dberr));
	return l;
}

void lmtpd_free(struct lmtpd **lp)
{
	struct lmtpd *l = *lp;
	if (l == NULL)
		return;
	deliver_free(&l->deliver);
	blob_store_close(&l->blobs);
	XFREE(l->hostname);
	XFREE(*lp);
}

/* ---- engine callbacks ---- */

static enum lmtp_status lmtpd_status(enum deliver_status st)
{
	switch (st) {
	case DELIVER_OK:
		return LMTP_OK;
	case DELIVER_DUPLICATE:
		return LMTP_DUPLICATE;
	case DELIVER_UNKNOWN:
		return LMTP_UNKNOWN;
	case DELIVER_OVER_QUOTA:
		return LMTP_OVER_QUOTA;
	case DELIVER_TEMPFAIL:
		break;
	}
	return LMTP_TEMPFAIL;
}

/* Log a recipient's outcome and, when accepted, make its handle (from txn). */
static enum lmtp_status lmtpd_rcpt_result(struct arena *txn, const char *address,
                                          enum deliver_status st, int64_t mailbox,
                                          const char *error, void **rcpt_r)
{
	if (st == DELIVER_TEMPFAIL)
		log_error("rcpt_failed", "rcpt=%s error=%s", log_q(address), log_q(error));
	else if (st != DELIVER_OK)
		log_info("rcpt_refused", "rcpt=%s status=%d", log_q(address), (int)st);
	if (st == DELIVER_OK) {
		struct lmtpd_rcpt *r = arena_alloc(txn, sizeof(*r));
		r->address = arena_strdup(txn, address);
		r->mailbox_id = mailbox;
		*rcpt_r = r;
	}
	return lmtpd_status(st);
}

static enum lmtp_status lmtpd_rcpt(void *ctx, struct arena *txn, const char *address, uint64_t size,
                                   void **rcpt_r)
{
	struct lmtpd *l = ctx;
	int64_t mailbox = 0;
	const char *error = "";
	enum deliver_status st = deliver_lookup(l->deliver, address, size, &mailbox, &error);
	return lmtpd_rcpt_result(txn, address, st, mailbox, error, rcpt_r);
}

/* Pipelined RCPTs: one database round trip for all of them. */
static void lmtpd_rcpt_many(void *ctx, struct arena *txn, const char *const *addresses, size_t n,
                            uint64_t size, enum lmtp_status *status_r, void **rcpt_r)
{
	struct lmtpd *l = ctx;
	enum deliver_status *st = arena_alloc(txn, n * sizeof(*st));
	int64_t *mailbox = arena_zalloc(txn, n * sizeof(*mailbox));
	const char *error = "";
	deliver_lookup_many(l->deliver, addresses, n, size, st, mailbox, &error);
	for (size_t i = 0; i < n; i++)
		status_r[i] =
		        lmtpd_rcpt_result(txn, addresses[i], st[i], mailbox[i], error, &rcpt_r[i]);
}

static void lmtpd_deliver(void *ctx, const char *sender, const unsigned char *msg, size_t len,
                          void *const *rcpts, size_t n, enum lmtp_status *status_r)
{
	struct lmtpd *l = ctx;
	struct deliver_target *t = xcalloc(n, sizeof(*t));
	const char *error = "";
	for (size_t i = 0; i < n; i++)
		t[i].mailbox_id = ((struct lmtpd_rcpt *)rcpts[i])->mailbox_id;
	if (deliver_message(l->deliver, msg, len, t, n, &error) < 0)
		log_error("deliver_failed", "from=%s size=%zu rcpts=%zu error=%s", log_q(sender),
		          len, n, log_q(error));
	for (size_t i = 0; i < n; i++) {
		const struct lmtpd_rcpt *r = rcpts[i];
		status_r[i] = lmtpd_status(t[i].status);
		if (t[i].status == DELIVER_OK || t[i].status == DELIVER_DUPLICATE)
			log_info(t[i].status == DELIVER_OK ? "delivered" : "duplicate",
			         "from=%s rcpt=%s size=%zu mailbox=%lld uid=%u", log_q(sender),
			         log_q(r->address), len, (long long)t[i].mailbox_id, t[i].uid);
	}
	free(t);
}

static const struct lmtp_callbacks lmtpd_callbacks = {lmtpd_rcpt, lmtpd_deliver, lmtpd_rcpt_many};

/* ---- one client ---- */

static int lmtpd_write(int fd, struct buf *out)
{
	size_t off = 0;
	while (off < out->len) {
		ssize_t w = send(fd, out->data + off, out->len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	buf_reset(out);
	return 0;
}

void lmtpd_serve(struct lmtpd *l, int fd, const char *peer)
{
	struct lmtp_session *s = lmtp_session_new(&l->set, &lmtpd_callbacks, l);
	struct buf out = BUF_INIT;
	char chunk[64 * 1024];
	const char *why = "quit";
	log_info("connect", "peer=%s", log_q(peer));
	lmtp_session_greeting(s, &out);
	for (;;) {
		if (out.len > 0 && lmtpd_write(fd, &out) < 0) {
			why = "write_error";
			break;
		}
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = poll(&pfd, 1, l->timeout_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			buf_append_str(&out, "421 4.4.2 Timeout, closing\r\n");
			lmtpd_write(fd, &out);
			why = "timeout";
			break;
		}
		ssize_t n = pr < 0 ? -1 : read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			why = lmtp_session_in_message(s) ? "eof_in_message" : "eof";
			break;
		}
		if (lmtp_session_input(s, chunk, (size_t)n, &out) < 0) {
			lmtpd_write(fd, &out);
			break;
		}
	}
	log_info("disconnect", "peer=%s reason=%s", log_q(peer), why);
	buf_free(&out);
	lmtp_session_free(&s);
}
