/*
 * ctl-mailfile.h - reading and writing the mail formats of `cairnctl import` and
 * `cairnctl export`: mbox (mboxrd quoting, flags in Status/X-Status, keywords in
 * X-Keywords, internal date in the From_ line) and Maildir (system flags in the
 * ":2," info, internal date as mtime; the format has no keywords).
 *
 * Readers hand out each message with CRLF line ends (cairn's stored form), the
 * Status/X-Status/X-Keywords headers of mbox removed (they are flags, not
 * content), so that export followed by import gives byte-identical messages.
 * Writers do the inverse.
 */
#ifndef CAIRNCTL_MAILFILE_H
#define CAIRNCTL_MAILFILE_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* IMAP system flags as stored in mailbox_messages.flags. */
#define CTL_FLAG_SEEN 1
#define CTL_FLAG_ANSWERED 2
#define CTL_FLAG_FLAGGED 4
#define CTL_FLAG_DELETED 8
#define CTL_FLAG_DRAFT 16

struct ctl_mail {
	unsigned flags;
	int64_t internaldate; /* Unix time, -1 when the source has none */
	uint64_t source_bytes; /* bytes of the source this message took (for progress) */
	/*
	 * IMAP keywords separated by single spaces ("" or NULL: none).  From a reader:
	 * valid atoms, no duplicates (case-insensitive), at most KEYWORD_MAX_PER_MESSAGE,
	 * owned by the reader until its next call.
	 */
	const char *keywords;
	/* From a reader: X-Keywords entries that are no IMAP keyword, or too many, left out. */
	unsigned dropped_keywords;
};

struct ctl_mail_reader;

/*
 * Open path as mbox (a regular file whose first line starts with "From ") or
 * Maildir (a directory with cur/ and new/).  NULL with *error_r (e.g. "x: not an
 * mbox file (first line does not start with 'From ')").  *count_r = messages.
 */
struct ctl_mail_reader *ctl_mail_open(const char *path, uint64_t *count_r, const char **error_r);
/*
 * Next message into msg (replacing its content) and m: 1, or 0 at the end, or -1
 * with *error_r.
 */
int ctl_mail_next(struct ctl_mail_reader *r, struct buf *msg, struct ctl_mail *m,
                  const char **error_r);
void ctl_mail_close(struct ctl_mail_reader **r);

enum ctl_mail_format { CTL_MAIL_MBOX, CTL_MAIL_MAILDIR };

struct ctl_mail_writer;

/*
 * Create the mbox file path (must not exist) or the Maildir path (cur/ new/ tmp/
 * created; may exist, must then be a Maildir).
 */
struct ctl_mail_writer *ctl_mail_create(const char *path, enum ctl_mail_format format,
                                        const char **error_r);
/* Append one stored (CRLF) message with its flags and date. */
int ctl_mail_write(struct ctl_mail_writer *w, const void *data, size_t len,
                   const struct ctl_mail *m, const char **error_r);
/* Flush, fsync and close; -1 with *error_r when the data may not be on disk. */
int ctl_mail_finish(struct ctl_mail_writer **w, const char **error_r);

#endif
