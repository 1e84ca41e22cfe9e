/*
 * cmd-import.c - `cairnctl import USER FOLDER SOURCE`: copy an mbox file or a
 * Maildir into a user's folder through the delivery API (store/deliver.h), the
 * same path LMTP takes, keeping each message's flags and internal date.
 */
#include "cairnctl.h"
#include "ctl-mailfile.h"
#include "ctl-progress.h"

#include "base/arena.h"
#include "base/buf.h"
#include "store/blob.h"
#include "store/db.h"
#include "store/deliver.h"
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
};

/* Resolve the folder (created when missing) and open every resource; 0 or exit code. */
static int ctl_import_open(struct ctl *ctl, struct ctl_import *im, char **op)
{
	const char *error;
	int64_t owner;
	struct mailbox_info info;
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

/* Deliver one message, then give it its flags and date; 0 or an exit code. */
static int ctl_import_one(struct ctl_import *im, struct buf *msg, const struct ctl_mail *m,
                          uint64_t n)
{
	struct deliver_target t = {.mailbox_id = im->mailbox_id};
	const char *error = "";
	if (deliver_message(im->deliver, msg->data, msg->len, &t, 1, &error) < 0)
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
	if (t.status == DELIVER_OK && (m->flags != 0 || m->internaldate >= 0)) {
		int r = mailbox_message_set_flags(im->db, im->mailbox_id, t.uid, m->flags,
		                                  m->internaldate, &error);
		if (r < 0)
			return ctl_store_fail(r, error);
	}
	return 0;
}

static void ctl_import_close(struct ctl_import *im)
{
	deliver_free(&im->deliver);
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
	if (ctl->json)
		printf("{\"imported\":%llu,\"bytes\":%llu,\"seconds\":%.3f}\n",
		       (unsigned long long)p.done, (unsigned long long)p.bytes,
		       ctl_progress_elapsed(&p));
	buf_free(&msg);
	ctl_import_close(&im);
	return code;
}

static const struct ctl_subcommand ctl_import_cmd = {
        NULL, "OWNER FOLDER SOURCE",
        "import an mbox file or a Maildir directory into FOLDER (created when missing), "
        "keeping flags (mbox Status/X-Status, Maildir :2, info) and internal dates",
        ctl_import};

int ctl_cmd_import(struct ctl *ctl, int argc, char **argv)
{
	return ctl_single(ctl, "import", &ctl_import_cmd, argc, argv);
}
