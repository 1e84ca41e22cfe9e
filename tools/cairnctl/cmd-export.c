/*
 * cmd-export.c - `cairnctl export [--format maildir|mbox] [--mailbox NAME] OWNER
 * DEST`: write a user's folders out, with flags and internal dates, as one Maildir
 * (DEST/<folder>/{cur,new,tmp}) or one mbox file (DEST/<folder>.mbox, keywords in
 * X-Keywords) per folder.
 */
#include "cairnctl.h"
#include "ctl-mailfile.h"
#include "ctl-progress.h"

#include "base/arena.h"
#include "base/buf.h"
#include "store/blob.h"
#include "store/db.h"
#include "store/mailbox.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/*
 * DEST/<name><suffix>, with the directories above it created.  A level "." or ".."
 * (legal in IMAP) is written "%2E" / "%2E%2E" so no name can leave DEST.
 */
static int ctl_export_path(const char *dest, const char *name, const char *suffix, struct buf *path,
                           const char **error_r)
{
	buf_reset(path);
	buf_append_str(path, dest);
	for (const char *l = name; *l;) {
		const char *slash = strchr(l, '/');
		size_t len = slash ? (size_t)(slash - l) : strlen(l);
		buf_append_char(path, '/');
		if ((len == 1 && l[0] == '.') || (len == 2 && l[0] == '.' && l[1] == '.'))
			buf_append_str(path, len == 1 ? "%2E" : "%2E%2E");
		else
			buf_append(path, l, len);
		if (slash && mkdir(buf_cstr(path), 0700) < 0 && errno != EEXIST) {
			*error_r = strerror(errno);
			return -1;
		}
		l += len + (slash != NULL);
	}
	buf_append_str(path, suffix);
	return 0;
}

static int ctl_export_box(struct db *db, struct blob_store *blobs, const char *dest, int mbox,
                          const struct mailbox_info *box, struct ctl_progress *p)
{
	struct arena *a = arena_new(0);
	struct mailbox_msg *msgs;
	size_t n;
	struct buf path = BUF_INIT, data = BUF_INIT;
	const char *error = "";
	int code = CTL_OK;
	struct ctl_mail_writer *w = NULL;
	int r = mailbox_messages_list(db, box->id, a, &msgs, &n, &error);
	if (r < 0)
		code = ctl_store_fail(r, error);
	else if (ctl_export_path(dest, box->name, mbox ? ".mbox" : "", &path, &error) < 0 ||
	         (w = ctl_mail_create(buf_cstr(&path), mbox ? CTL_MAIL_MBOX : CTL_MAIL_MAILDIR,
	                              &error)) == NULL)
		code = ctl_fail(CTL_ERR, "%s: %s", box->name, error);
	for (size_t i = 0; code == CTL_OK && i < n; i++) {
		struct blob_id id;
		struct ctl_mail m = {msgs[i].flags, msgs[i].internaldate, 0, msgs[i].keywords, 0};
		memcpy(id.sha256, msgs[i].sha256, 32);
		buf_reset(&data);
		if (blob_read(blobs, &id, 0, SIZE_MAX, &data, &error) < 0)
			code = ctl_fail(CTL_UNAVAIL, "%s UID %u: %s", box->name, msgs[i].uid,
			                error);
		else if (ctl_mail_write(w, data.data, data.len, &m, &error) < 0)
			code = ctl_fail(CTL_ERR, "%s", error);
		else
			ctl_progress_add(p, 1, data.len);
	}
	if (w && ctl_mail_finish(&w, &error) < 0 && code == CTL_OK)
		code = ctl_fail(CTL_ERR, "%s", error);
	buf_free(&path);
	buf_free(&data);
	arena_free(&a);
	return code;
}

static int ctl_export(struct ctl *ctl, int argc, char **argv)
{
	const char *format = "maildir", *only = NULL;
	const struct ctl_opt opts[] = {
	        {"--format", NULL, &format}, {"--mailbox", NULL, &only}, {NULL, NULL, NULL}};
	char **op;
	int n;
	if (ctl_args(argc, argv, opts, 2, 2, &op, &n) != 0)
		return CTL_USAGE;
	if (strcmp(format, "maildir") != 0 && strcmp(format, "mbox") != 0)
		return ctl_usage_error("--format must be maildir or mbox");
	if (mkdir(op[1], 0700) < 0 && errno != EEXIST)
		return ctl_fail(CTL_ERR, "%s: %s", op[1], strerror(errno));
	struct blob_store *blobs = ctl_blobs(ctl);
	if (blobs == NULL)
		return CTL_UNAVAIL;
	struct db *db = ctl_db(ctl);
	struct arena *a = arena_new(0);
	struct mailbox_info *boxes = NULL;
	size_t count = 0;
	int64_t owner;
	const char *error;
	int r = ctl_owner(db, op[0], &owner, &error), code = CTL_OK;
	if (r == 0)
		r = mailbox_list(db, owner, a, &boxes, &count, &error);
	if (r < 0)
		code = ctl_store_fail(r, error);
	uint64_t total = 0, found = 0;
	for (size_t i = 0; i < count; i++)
		if (only == NULL || strcmp(boxes[i].name, only) == 0)
			total += (uint64_t)boxes[i].messages, found++;
	if (code == CTL_OK && only && found == 0)
		code = ctl_fail(CTL_ERR, "no such mailbox: %s", only);
	struct ctl_progress p;
	ctl_progress_start(&p, stderr, "export", "messages", total);
	p.quiet = ctl->json;
	for (size_t i = 0; code == CTL_OK && i < count; i++)
		if (only == NULL || strcmp(boxes[i].name, only) == 0)
			code = ctl_export_box(db, blobs, op[1], format[1] == 'b', &boxes[i], &p);
	ctl_progress_end(&p);
	if (code == CTL_OK && ctl->json)
		printf("{\"exported\":%llu,\"mailboxes\":%llu,\"bytes\":%llu}\n",
		       (unsigned long long)p.done, (unsigned long long)found,
		       (unsigned long long)p.bytes);
	arena_free(&a);
	db_close(&db);
	blob_store_close(&blobs);
	return code;
}

static const struct ctl_subcommand ctl_export_cmd = {
        NULL, "[--format maildir|mbox] [--mailbox NAME] OWNER DEST",
        "write OWNER's folders (or one) below DEST: DEST/<folder>/ Maildirs (default) or "
        "DEST/<folder>.mbox files, with flags and internal dates",
        ctl_export};

int ctl_cmd_export(struct ctl *ctl, int argc, char **argv)
{
	return ctl_single(ctl, "export", &ctl_export_cmd, argc, argv);
}
