/*
 * limits.h - connections per user and per IP address, across every worker
 * process of a node, for any daemon (imapd today; pop3d and managesieved next).
 * Every worker whose settings name the same directory shares the counts (imap and
 * imaps share [imap] limits_dir); a daemon with its own directory counts alone.
 *
 * Design: a slot is a file in the limits directory held under flock(LOCK_EX).  A key
 * ("ip" + address, "user" + login) has max slot files named
 * <kind>-<hash of key>.<n>, n < max; a connection takes the first one it can lock
 * without waiting and keeps the fd open until it ends.  The kernel drops the lock
 * when the process exits, however it exits (crash, SIGKILL), so there is nothing
 * to clean up and no count that can drift: the limit is exactly "how many of these
 * files are locked right now".  Cost: at most max open()+flock() calls per login.
 * Keys are hashed (SHA-256, 24 hex digits) so client text never becomes a path.
 */
#ifndef CAIRN_SERVICE_LIMITS_H
#define CAIRN_SERVICE_LIMITS_H

struct limits_slot;

enum limits_kind { LIMITS_IP, LIMITS_USER };

/* A daemon's limits, from its config section (imapd: [imap] max_connections_per_ip,
 * max_connections_per_user, limits_dir). */
struct limits_settings {
	const char *dir; /* the slot files (created by limits_init) */
	unsigned max_per_ip; /* 0: unlimited */
	unsigned max_per_user; /* 0: unlimited */
};

/*
 * Create set->dir if a limit is set and it is missing (mode 0700 for the worker's
 * user).  For post_init.  0, or -1 with *error_r.
 */
int limits_init(const struct limits_settings *set, const char **error_r);

/*
 * Take a slot for key (an address for LIMITS_IP, a normalised login for
 * LIMITS_USER).  Returns 0 with *slot_r (NULL when the limit is 0 = unlimited), or
 * -1 with *error_r when the limit is reached: a protocol-neutral text the daemon may
 * show ("Too many connections from your address", "Too many simultaneous
 * connections for this user").  When the directory is unusable the failure is
 * logged and the connection let through (0, *slot_r NULL): a broken limits
 * directory must not lock everybody out.
 */
int limits_acquire(const struct limits_settings *set, enum limits_kind kind, const char *key,
                   struct limits_slot **slot_r, const char **error_r);

/* Give a slot back (close its fd); *slot = NULL.  Safe with NULL. */
void limits_release(struct limits_slot **slot);

#endif
