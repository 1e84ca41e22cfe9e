/*
 * limits.h - connections per user and per IP address, across every worker
 * process of a node (imap and imaps services alike).
 *
 * Design: a slot is a file in [imap] limits_dir held under flock(LOCK_EX).  A key
 * ("ip" + address, "user" + login) has max slot files named
 * <kind>-<hash of key>.<n>, n < max; a connection takes the first one it can lock
 * without waiting and keeps the fd open until it ends.  The kernel drops the lock
 * when the process exits, however it exits (crash, SIGKILL), so there is nothing
 * to clean up and no count that can drift: the limit is exactly "how many of these
 * files are locked right now".  Cost: at most max open()+flock() calls per login.
 * Keys are hashed (SHA-256, 24 hex digits) so client text never becomes a path.
 */
#ifndef CAIRN_IMAPD_LIMITS_H
#define CAIRN_IMAPD_LIMITS_H

struct imapd_settings;
struct limits_slot;

enum limits_kind { LIMITS_IP, LIMITS_USER };

/*
 * Create limits_dir if needed (mode 0700 for the worker's user).  For post_init.
 * 0, or -1 with *error_r.
 */
int limits_init(const struct imapd_settings *set, const char **error_r);

/*
 * Take a slot for key.  Returns 0 with *slot_r (NULL when the limit is 0 =
 * unlimited), or -1 with *error_r: the limit is reached (a text for the client,
 * "Too many connections from your address"), or the directory is unusable (then
 * the failure is logged and the connection let through: a broken limits_dir must
 * not lock everybody out).
 */
int limits_acquire(const struct imapd_settings *set, enum limits_kind kind, const char *key,
                   struct limits_slot **slot_r, const char **error_r);

/* Give a slot back (close its fd); *slot = NULL.  Safe with NULL. */
void limits_release(struct limits_slot **slot);

#endif
