/*
 * reply.h - writing IMAP responses for cairn-imapd.
 *
 * Everything is corked in the connection's output buffer; the session flushes once
 * per batch (when it has no more pipelined input to run), so a burst of commands
 * costs one write and no reply waits on a delayed ACK (TCP_NODELAY is on).
 *
 * Tagged replies (reply_ok / reply_no / reply_bad) first run the selected-mailbox
 * sync (mailbox_view_sync, mailbox-view.h) so that untagged EXISTS / EXPUNGE /
 * FETCH reach the client before the tagged line (DESIGN 4), honouring
 * COMMAND_FLAG_NO_EXPUNGE.  The text after the status is the caller's: it may start
 * with a response code "[TRYCREATE] ...".  Format arguments must not carry raw
 * client data: use reply_untagged_buf with lib/imap/quote.h for that.
 */
#ifndef CAIRN_IMAPD_REPLY_H
#define CAIRN_IMAPD_REPLY_H

struct buf;
struct command_ctx;
struct imap_session;

/* "TAG OK text", "TAG NO text", "TAG BAD text"; each sets cmd->replied. */
void reply_ok(struct command_ctx *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_no(struct command_ctx *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_bad(struct command_ctx *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The reply to a failed lib/store call (store-result.h), in one place:
 * STORE_ENOTFOUND "NO [NONEXISTENT] ...", STORE_EEXISTS "NO [ALREADYEXISTS] ...",
 * STORE_EINVAL / STORE_EREFUSED "NO [CANNOT] <error>", and anything else (database
 * failure) "NO [SERVERBUG] Internal error" with the detail logged, not shown.
 */
void reply_store_error(struct command_ctx *cmd, int store_result, const char *error);

/* "* " + text + CRLF (text must be safe: no client data unquoted). */
void reply_untagged(struct imap_session *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* "* " + the bytes of b + CRLF: for lines built with quote.h. */
void reply_untagged_buf(struct imap_session *s, const struct buf *b);

/* "TAG|* BAD text" without a command_ctx (parse errors, unknown commands). */
void reply_raw_tagged(struct imap_session *s, const char *tag, const char *status,
                      const char *text);

#endif
