/*
 * msg-common.h - helpers shared by the message commands (cmd-select.c,
 * cmd-fetch.c, cmd-store.c, cmd-search.c, cmd-append.c, cmd-copy.c, ...):
 * mailbox resolution with the ACL check, the worker's blob store and delivery
 * context, sequence-set arguments, and untagged output.
 *
 * The functions that take a command_ctx send the tagged error reply themselves
 * when they fail (return -1): the handler just returns.
 */
#ifndef CAIRN_IMAPD_MSG_COMMON_H
#define CAIRN_IMAPD_MSG_COMMON_H

#include <stdbool.h>
#include <stdint.h>

struct blob_store;
struct buf;
struct command_ctx;
struct deliver;
struct imap_arg;
struct imap_session;
struct mailbox_uid_ranges;

struct msg_mailbox {
	int64_t id, owner_id;
	const char *name; /* UTF-8, in the command pool */
	uint32_t uidvalidity;
	unsigned rights; /* ACL_* (store/acl.h) */
	int64_t seen_account; /* 0 for the owner, else the session's account (private \Seen) */
};

/*
 * Resolve the mailbox argument arg for this session and check that the user has
 * every right in need.  A mailbox the user may not see (no l and no r right)
 * answers like a missing one.  Missing: NO [TRYCREATE] when trycreate (APPEND,
 * COPY, MOVE targets), else NO [NONEXISTENT]; lacking rights: NO [NOPERM].
 */
int msg_mailbox_resolve(struct command_ctx *cmd, const struct imap_arg *arg, unsigned need,
                        bool trycreate, struct msg_mailbox *mb_r);

/* The worker's blob store ([blob] root), opened on first use; NULL + *error_r. */
struct blob_store *msg_blobs(struct imap_session *s, const char **error_r);

/* The worker's delivery context for APPEND (on the session's database connection). */
struct deliver *msg_deliver(struct imap_session *s, const char **error_r);

/*
 * The sequence set (UIDs when cmd->uid) in arg as UID ranges of the selected
 * mailbox; replies BAD and returns -1 when it is malformed or out of range.
 */
int msg_ranges(struct command_ctx *cmd, const struct imap_arg *arg,
               struct mailbox_uid_ranges *ranges_r);

/* Write out (a batch of complete untagged lines) to the client. */
void msg_write(struct imap_session *s, const struct buf *out);

/*
 * A mod-sequence value (RFC 7162): digits only, at most 2^63 - 1 (PostgreSQL int8);
 * 0 only when zero_ok (mod-sequence-valzer).  false for anything else.
 */
bool msg_parse_modseq(const struct imap_arg *arg, bool zero_ok, uint64_t *modseq_r);

/*
 * An implicit ENABLE CONDSTORE (RFC 7162 3.1: FETCH MODSEQ, CHANGEDSINCE, SEARCH
 * MODSEQ, UNCHANGEDSINCE): from now on untagged FETCHes carry MODSEQ; the first
 * time, in a selected mailbox, also "* OK [HIGHESTMODSEQ n]" (RFC 7162 3.1.2).
 */
void msg_enable_condstore(struct command_ctx *cmd);

/* Right letters as a reply text helper: "NO [NOPERM] ..." when rights lack need. */
bool msg_has_rights(unsigned rights, unsigned need);

#endif
