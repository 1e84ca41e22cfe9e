/*
 * mailbox-view.h - the selected mailbox as one session sees it (DESIGN 4): its
 * UID list and known highestmodseq, and the sync that turns other sessions'
 * changes into untagged EXISTS / EXPUNGE / FETCH.
 *
 * CONTRACT between the branches: imapd-core (session, command table) declared
 * mailbox_view_sync() and mailbox_view_free() and calls them; imapd-msg implements
 * them (mailbox-view.c) together with the rest of this header, which only the
 * message commands (cmd-select.c, cmd-fetch.c, ...) use.
 *
 * The view holds, per message, its UID (the index + 1 is its sequence number), its
 * flags and keyword ids as the client last saw them, so a sync reports a FETCH
 * only for a real difference and a session's own STORE is not echoed twice.
 * Expunges found while expunges may not be sent (FETCH, STORE, SEARCH, RFC 9051
 * 7.5.1) are kept pending, the messages keep their sequence numbers until a later
 * sync may announce them.
 *
 * \Recent (RFC 3501 2.3.2) is a property of the session, not of the message: the
 * view marks the messages that are recent in this session (the snapshot's and each
 * sync's new rows above the recent mark the store returned, mailbox_sync.h).  A
 * read-write IMAP4rev1 view claims them cluster-wide; EXAMINE, read-only and
 * IMAP4rev2 views do not claim, and IMAP4rev2 clients never see \Recent.
 */
#ifndef CAIRN_IMAPD_MAILBOX_VIEW_H
#define CAIRN_IMAPD_MAILBOX_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;
struct db;
struct imap_session;
struct mailbox_sync_delta;
struct mailbox_sync_msg;
struct mailbox_sync_state;
struct mailbox_uid_ranges;
struct mailbox_view;
struct seqset;

/*
 * Called by the tagged reply helpers (reply.h) before every tagged reply while a
 * mailbox is selected (s->view != NULL): write untagged responses for changes
 * since the last sync.  allow_expunge is false for FETCH, STORE and SEARCH (RFC
 * 9051 7.5.1): expunges are then held back for a later sync.  Errors are handled
 * (logged, or the session told BYE) inside; the tagged reply follows regardless.
 */
void mailbox_view_sync(struct imap_session *s, bool allow_expunge);

/*
 * Forget the selected mailbox (session end, or a SELECT failing after one was
 * selected).  *view = NULL.  Safe with *view == NULL.
 */
void mailbox_view_free(struct mailbox_view **view);

/* ---- for the message commands (imapd-msg) ---- */

struct mailbox_view_msg {
	uint32_t uid;
	unsigned flags; /* MAILBOX_FLAG_* */
	uint64_t modseq; /* as the client was last told (or the snapshot had it) */
	uint32_t n_keywords;
	int64_t *keywords; /* sorted ids, heap (NULL when none) */
	bool recent; /* \Recent in this session */
};

struct mailbox_view_keyword {
	int64_t id;
	char *name;
};

struct mailbox_view {
	int64_t mailbox_id, owner_id;
	int64_t seen_account; /* 0: \Seen is the flags column; else seen_private's account */
	char *name; /* UTF-8 */
	uint32_t uidvalidity, uidnext;
	uint64_t highestmodseq; /* the highest MODSEQ this session has caught up with */
	bool readonly; /* EXAMINE, or no right to change anything */
	unsigned rights; /* ACL rights (store/acl.h) at SELECT time */

	struct mailbox_view_msg *msgs; /* ascending UIDs; msgs[seq - 1] */
	size_t count, cap;
	/* Expunged elsewhere, not announced yet: ascending, no duplicates, all in msgs. */
	uint32_t *pending;
	size_t n_pending;
	struct mailbox_view_keyword *keywords; /* every keyword the client was told of */
	size_t n_keywords, keywords_cap;
	bool gone; /* the mailbox was deleted under us */
	bool condstore; /* CONDSTORE enabled: untagged FETCH carries MODSEQ */
	bool qresync; /* QRESYNC enabled: VANISHED instead of EXPUNGE */
	bool rev2; /* IMAP4rev2 enabled: no \Recent in FLAGS, no RECENT responses */
};

/* Take the CONDSTORE / QRESYNC / IMAP4rev2 modes from the session's enabled bits. */
void mailbox_view_set_modes(struct mailbox_view *v, unsigned enabled);

/* Append "* VANISHED [(EARLIER) ]uid-set" for uids[0..n) (ascending, n > 0). */
void mailbox_view_write_vanished(const uint32_t *uids, size_t n, bool earlier, struct buf *out);

/*
 * A view of the snapshot st (copied), selected under name; its messages above
 * st->recent_uid are \Recent in this session.
 */
struct mailbox_view *mailbox_view_new(const struct mailbox_sync_state *st, const char *name,
                                      int64_t seen_account, bool readonly, unsigned rights);

/* Sequence number of uid, 0 when the view does not hold it. */
uint32_t mailbox_view_seq(const struct mailbox_view *v, uint32_t uid);
/* Sequence number of the first message with a UID >= uid (count + 1 when none). */
uint32_t mailbox_view_seq_ge(const struct mailbox_view *v, uint32_t uid);

/*
 * Turn a parsed set (sequence numbers, or UIDs when uid) into UID ranges of the
 * messages of the view, from arena.  Sequence numbers beyond the view are an error
 * (-1, *error_r for a BAD); UIDs outside it simply match nothing.
 */
int mailbox_view_ranges(const struct mailbox_view *v, struct seqset *set, bool uid,
                        struct arena *arena, struct mailbox_uid_ranges *ranges_r,
                        const char **error_r);

/*
 * The same for a SEARCH key (RFC 9051 6.4.4): a sequence number beyond the view,
 * like a UID, simply matches nothing ("SEARCH 1000" in a smaller mailbox is an
 * empty result, not an error).  Never fails.
 */
void mailbox_view_search_ranges(const struct mailbox_view *v, struct seqset *set, bool uid,
                                struct arena *arena, struct mailbox_uid_ranges *ranges_r);

/*
 * Make sure the view knows the names of keyword ids[0..n) (one query for the
 * unknown ones).  Returns 1 when some were new (the caller then sends FLAGS with
 * mailbox_view_write_flags), 0 when none, -1 on a database error.
 */
int mailbox_view_learn_keywords(struct mailbox_view *v, struct db *db, const int64_t *ids, size_t n,
                                struct arena *arena, const char **error_r);

/*
 * Append "(\Seen $Kw ...)" for flags (MAILBOX_FLAG_* and IMAP_FLAG_RECENT) and
 * keyword ids known to the view.
 */
void mailbox_view_format_flags(const struct mailbox_view *v, unsigned flags, const int64_t *kw,
                               size_t n_kw, struct buf *out);

/*
 * True when the claim to do at SELECT and sync is this view's: read-write and not
 * IMAP4rev2 (which has no \Recent).  EXAMINE only looks.
 */
bool mailbox_view_claims_recent(const struct mailbox_view *v);
/* The flags to show for message m: its own, plus \Recent when the client sees it. */
unsigned mailbox_view_msg_flags(const struct mailbox_view *v, const struct mailbox_view_msg *m);
/* IMAP_FLAG_RECENT when uid is \Recent in this session and the client sees it, else 0. */
unsigned mailbox_view_recent_flag(const struct mailbox_view *v, uint32_t uid);
/* How many messages are \Recent in this session (the "* n RECENT" number). */
size_t mailbox_view_recent_count(const struct mailbox_view *v);
/*
 * UID ranges of the messages that are \Recent for the client (none under
 * IMAP4rev2), for SEARCH RECENT / NEW / OLD.  From arena.
 */
void mailbox_view_recent_ranges(const struct mailbox_view *v, struct arena *arena,
                                struct mailbox_uid_ranges *ranges_r);

/* Append the untagged "FLAGS (...)" and "OK [PERMANENTFLAGS (...)]" lines. */
void mailbox_view_write_flags(const struct mailbox_view *v, struct buf *out);

/*
 * Record a message's new state after the session's own STORE (or \Seen from a
 * FETCH), so the next sync does not report it again.  Unknown UIDs are ignored.
 */
void mailbox_view_update(struct mailbox_view *v, const struct mailbox_sync_msg *m);
/*
 * The same for the rows msgs[0..n) of one STORE or FETCH: ascending by UID (as the
 * store returns them) they take one walk through the view; any order works, slower.
 */
void mailbox_view_update_all(struct mailbox_view *v, const struct mailbox_sync_msg *msgs, size_t n);

/*
 * The session's own EXPUNGE / MOVE removed uids[0..n) (ascending; an unsorted list
 * is sorted first): append their "* n EXPUNGE" lines (one "* VANISHED" under
 * QRESYNC) to out and drop them from the view, in one pass over it.  UIDs the view
 * does not hold are ignored; pending expunges among uids are forgotten.
 */
void mailbox_view_expunge(struct mailbox_view *v, const uint32_t *uids, size_t n, struct buf *out);

/*
 * The second half of the sync, without a database read: apply the change list d
 * (from mailbox_sync_changes; NULL when the mailbox was found deleted) to the view
 * and append the untagged responses to out.  db is used only to learn the names of
 * keywords the view does not know yet (none: db may be NULL).  0, or -1 with
 * *error_r.  For mailbox_view_sync_out, the unit tests and cairn-bench view.
 */
int mailbox_view_sync_delta(struct mailbox_view *v, struct db *db,
                            const struct mailbox_sync_delta *d, struct arena *arena,
                            bool allow_expunge, struct buf *out, const char **error_r);

/*
 * The sync itself, for mailbox_view_sync and tests: read the changes since the
 * known MODSEQ and append the untagged responses to out.  0, or -1 with *error_r.
 */
int mailbox_view_sync_out(struct mailbox_view *v, struct db *db, struct arena *arena,
                          bool allow_expunge, struct buf *out, const char **error_r);

#endif
