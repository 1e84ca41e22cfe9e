/*
 * cmd-import.c - `cairnctl import USER FOLDER SOURCE`: copy an mbox file or a
 * Maildir into a user's folder through the delivery API (store/deliver.h), the
 * same path LMTP and IMAP APPEND take.  Each message's flags, keywords and
 * internal date go into the delivery transaction itself, so no client ever sees a
 * message without them.
 */
#include "cairnctl.h"
#include "ctl-mailfile.h"
#include "ctl-progress.h"

#include "base/arena.h"
#include "base/buf.h"
#include "store/blob.h"
#include "store/db.h"
#include "store/deliver.h"
#include "store/keyword.h"
#include "store/mailbox.h"

#include <stdio.h>
#include <string.h>

struct ctl_import {
	struct db *db;
	struct blob_store *blobs;
	struct deliver *deliver;
	struct ctl_mail_reader *reader;
	int64_t mailbox_id;
	uint64_t count;
	/* Keyword ids of the last keyword list seen: consecutive messages often share it. */
	struct arena *kw_arena;
	const char *kw_names;
	int64_t *kw_ids;
	size_t n_kw_ids;
	uint64_t dropped_keywords;
};

/* Resolve the folder (created when missing) and open every resource; 0 or exit code. */
static int ctl_import_open(struct ctl *ctl, struct ctl_import *im, char **op)
{
	const char *error;
	int64_t owner;
	struct mailbox_info info;
	if (ctl_check_folder(op[1]) != 0)
		return CTL_ERR;
	im->reader = ctl_mail_open(op[2], &im->count, &error);
	if (im->reader == NULL)
		return ctl_fail(CTL_ERR, "%s", error);
	if ((im->blobs = ctl_blobs(ctl)) == NULL)
		return CTL_UNAVAIL;
	im->db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	int r = ctl_owner(im->db, op[0], &owner, &error);
	if (r == 0 &&
	    (r = mailbox_lookup(im->db, owner, op[1], a, &info, &error)) == STORE_ENOTFOUND)
		r = mailbox_create(im->db, owner, op[1], NULL, &im->mailbox_id, &error);
	else if (r == 0)
		im->mailbox_id = info.id;
	arena_free(&a);
	if (r < 0)
		return ctl_store_fail(r, error);
	/* Imports keep every message, even two with one Message-ID: no dedup window. */
	struct deliver_settings set = {0};
	im->deliver = deliver_new(ctl->conninfo, im->blobs, &set);
	if (deliver_connect(im->deliver, &error) < 0)
		return ctl_fail(CTL_UNAVAIL, "%s", error);
	return 0;
}

/* Ids of keywords (space-separated names, created when new) into im->kw_*; 0 or -1. */
static int ctl_import_keywords(struct ctl_import *im, const char *keywords, const char **error_r)
{
	if (im->kw_names != NULL && strcmp(im->kw_names, keywords) == 0)
		return 0;
	arena_clear(im->kw_arena);
	im->kw_names = arena_strdup(im->kw_arena, keywords);
	const char *names[KEYWORD_MAX_PER_MESSAGE];
	size_t n = 0;
	char *copy = arena_strdup(im->kw_arena, keywords), *save = NULL;
	for (char *k = strtok_r(copy, " ", &save); k && n < KEYWORD_MAX_PER_MESSAGE;
	     k = strtok_r(NULL, " ", &save))
		names[n++] = k;
	int r = keyword_ids(im->db, names, n, im->kw_arena, &im->kw_ids, &im->n_kw_ids, error_r);
	if (r < 0)
		im->kw_names = NULL;
	return r;
}

/* Deliver one message with its flags, keywords and date; 0 or an exit code. */
static int ctl_import_one(struct ctl_import *im, struct buf *msg, const struct ctl_mail *m,
                          uint64_t n)
{
	struct deliver_target t = {.mailbox_id = im->mailbox_id};
	const char *error = "";
	/* deliver's 0 means "now"; a source without a date gets the time of import too. */
	struct deliver_options opts = {.flags = m->flags,
	                               .internaldate = m->internaldate > 0 ? m->internaldate : 0};
	im->dropped_keywords += m->dropped_keywords;
	if (m->keywords != NULL && m->keywords[0] != '\0') {
		int r = ctl_import_keywords(im, m->keywords, &error);
		if (r < 0)
			return ctl_store_fail(r, error);
		opts.keywords = im->kw_ids;
		opts.n_keywords = im->n_kw_ids;
	}
	if (deliver_message_opts(im->deliver, msg->data, msg->len, &t, 1, &opts, &error) < 0)
		return ctl_fail(CTL_UNAVAIL, "message %llu: %s", (unsigned long long)n, error);
	switch (t.status) {
	case DELIVER_OK:
	case DELIVER_DUPLICATE:
		break;
	case DELIVER_OVER_QUOTA:
		return ctl_fail(CTL_ERR, "message %llu: over quota; %llu imported",
		                (unsigned long long)n, (unsigned long long)n - 1);
	case DELIVER_UNKNOWN:
		return ctl_fail(CTL_ERR, "message %llu: the folder was deleted",
		                (unsigned long long)n);
	case DELIVER_TEMPFAIL:
		return ctl_fail(CTL_UNAVAIL, "message %llu: %s", (unsigned long long)n, error);
	}
	return 0;
}

static void ctl_import_close(struct ctl_import *im)
{
	deliver_free(&im->deliver);
	arena_free(&im->kw_arena);
	blob_store_close(&im->blobs);
	db_close(&im->db);
	ctl_mail_close(&im->reader);
}

static int ctl_import(struct ctl *ctl, int argc, char **argv)
{
	char **op;
	int n;
	if (ctl_args(argc, argv, NULL, 3, 3, &op, &n) != 0)
		return CTL_USAGE;
	struct ctl_import im = {0};
	im.kw_arena = arena_new(0);
	int code = ctl_import_open(ctl, &im, op);
	if (code != 0) {
		ctl_import_close(&im);
		return code;
	}
	struct ctl_progress p;
	struct buf msg = BUF_INIT;
	struct ctl_mail m;
	const char *error;
	ctl_progress_start(&p, stderr, "import", "messages", im.count);
	p.quiet = ctl->json;
	int got = 0;
	while (code == 0 && (got = ctl_mail_next(im.reader, &msg, &m, &error)) == 1) {
		code = ctl_import_one(&im, &msg, &m, p.done + 1);
		if (code == 0)
			ctl_progress_add(&p, 1, msg.len);
	}
	if (code == 0 && got < 0)
		code = ctl_fail(CTL_ERR, "%s (after %llu messages)", error,
		                (unsigned long long)p.done);
	ctl_progress_end(&p);
	if (im.dropped_keywords > 0)
		fprintf(stderr,
		        "cairnctl: warning: %llu X-Keywords entries left out (not IMAP keywords, "
		        "or more than %d on one message)\n",
		        (unsigned long long)im.dropped_keywords, KEYWORD_MAX_PER_MESSAGE);
	if (ctl->json)
		printf("{\"imported\":%llu,\"bytes\":%llu,\"seconds\":%.3f,"
		       "\"dropped_keywords\":%llu}\n",
		       (unsigned long long)p.done, (unsigned long long)p.bytes,
		       ctl_progress_elapsed(&p), (unsigned long long)im.dropped_keywords);
	buf_free(&msg);
	ctl_import_close(&im);
	return code;
}

static const struct ctl_subcommand ctl_import_cmd = {
        NULL, "OWNER FOLDER SOURCE",
        "import an mbox file or a Maildir directory into FOLDER (created when missing), "
        "keeping flags (mbox Status/X-Status, Maildir :2, info), keywords (mbox "
        "X-Keywords) and internal dates",
        ctl_import};

int ctl_cmd_import(struct ctl *ctl, int argc, char **argv)
{
	return ctl_single(ctl, "import", &ctl_import_cmd, argc, argv);
}
