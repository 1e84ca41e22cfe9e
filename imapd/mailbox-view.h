/*
 * mailbox-view.h - the selected mailbox as one session sees it (DESIGN 4): its
 * UID list and known highestmodseq, and the sync that turns other sessions'
 * changes into untagged EXISTS / EXPUNGE / FETCH.
 *
 * CONTRACT between the branches: imapd-core (session, command table) declared
 * this and calls it; imapd-msg implements it (mailbox-view.c, cmd-select.c, ...).
 * Until then cmd-msg-stubs.c provides no-op versions: nothing can be selected, so
 * s->view is always NULL and the hooks are never reached with a view.
 */
#ifndef CAIRN_IMAPD_MAILBOX_VIEW_H
#define CAIRN_IMAPD_MAILBOX_VIEW_H

#include <stdbool.h>

struct imap_session;
struct mailbox_view;

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

#endif
