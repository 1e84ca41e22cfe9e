/*
 * notify-client.h - what an IMAP IDLE session waits for (RFC 2177, DESIGN 5): the
 * client's input, a cairn-notifyd hint about the selected mailbox, the slow
 * re-check timer, the auth timeout, or a stop request.  The watch connection to
 * notifyd is reconnected when it drops, and every (re)connect counts as a change,
 * so the caller resyncs whatever it may have missed.
 */
#ifndef CAIRN_IMAPD_NOTIFY_CLIENT_H
#define CAIRN_IMAPD_NOTIFY_CLIENT_H

#include <stdint.h>

struct imap_session;
struct notify_client;

/* Re-check the mailbox this often even without a hint (notifyd down, lost hint). */
#define NOTIFY_CLIENT_RECHECK_MS 30000
/* Reconnect to notifyd this long after the connection failed. */
#define NOTIFY_CLIENT_RETRY_MS 250

enum notify_client_event {
	NOTIFY_CLIENT_INPUT, /* the client sent something (DONE, we hope) */
	NOTIFY_CLIENT_CHANGE, /* sync the mailbox now */
	NOTIFY_CLIENT_TIMEOUT, /* deadline reached */
	NOTIFY_CLIENT_STOP, /* the worker is asked to stop */
};

/* Watch mailbox_id (0: nothing to watch, wait for input only). */
struct notify_client *notify_client_new(int64_t mailbox_id);
void notify_client_free(struct notify_client **nc);

/* Block until the next event; deadline_ms is CLOCK_MONOTONIC milliseconds. */
enum notify_client_event notify_client_wait(struct notify_client *nc, struct imap_session *s,
                                            int64_t deadline_ms);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t notify_client_now(void);

#endif
