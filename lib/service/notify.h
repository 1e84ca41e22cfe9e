/*
 * notify.h - the client side of cairn-notifyd (DESIGN 5): writers announce a
 * committed change of a mailbox, watchers (IMAP IDLE) hear about changes of the
 * mailbox they watch.  No libpq here: this is plain Unix-socket plumbing.
 *
 * Every notification is a hint.  A writer's send never blocks and its failure is
 * ignored (notifyd down: watchers fall back to their slow timer); a watcher that
 * loses its connection reconnects and resyncs from its own highestmodseq.
 *
 * Configuration, section [notify]:
 *   socket       = PATH   datagram socket notifyd receives announcements on
 *                         (default NOTIFY_DEFAULT_SOCKET)
 *   watch_socket = PATH   stream socket watchers connect to; the `listen` of
 *                         [service notify] (default NOTIFY_DEFAULT_WATCH_SOCKET)
 *
 * Wire formats (text, one record per datagram / line):
 *   writer -> notifyd datagram   "C <mailbox_id> <modseq>"
 *   watcher -> notifyd line      "W <mailbox_id>\n"  (0: watch nothing)
 *   notifyd -> watcher line      "<mailbox_id> <modseq>\n"; "0 0\n" = resync all
 */
#ifndef CAIRN_SERVICE_NOTIFY_H
#define CAIRN_SERVICE_NOTIFY_H

#include <stdint.h>

#define NOTIFY_DEFAULT_SOCKET "/run/cairn/notify.sock"
#define NOTIFY_DEFAULT_WATCH_SOCKET "/run/cairn/notify-watch.sock"
/* Longest record of either wire format, with room to spare. */
#define NOTIFY_MAX_RECORD 64

struct config;
struct notify_watch;

/*
 * Read [notify] from cfg (NULL: defaults) into process-wide settings used by
 * notify_changed() and notify_watch_open().  Unknown keys are ignored here (notifyd
 * checks them).  Call once from post_init.
 */
void notify_configure(struct config *cfg);
/* The configured paths (defaults before notify_configure). */
const char *notify_socket_path(void);
const char *notify_watch_path(void);

/*
 * Announce that mailbox_id changed, up to modseq (0 when unknown), after the
 * commit.  Never blocks, never fails visibly: a lost hint only delays watchers.
 */
void notify_changed(int64_t mailbox_id, uint64_t modseq);

/*
 * Connect a watcher to notifyd's watch socket, watching mailbox_id.  NULL with
 * *error_r (static text) when notifyd is not reachable.  Free with notify_watch_free.
 */
struct notify_watch *notify_watch_open(int64_t mailbox_id, const char **error_r);
void notify_watch_free(struct notify_watch **w);
/* The fd to poll() for POLLIN. */
int notify_watch_fd(const struct notify_watch *w);
/*
 * Read whatever notifyd sent (non-blocking).  Returns 1 when a record concerned
 * the watched mailbox (or asked everybody to resync), 0 when none did, -1 when the
 * connection is gone (reconnect, then resync).
 */
int notify_watch_read(struct notify_watch *w);

#endif
