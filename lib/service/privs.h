/*
 * privs.h - user/group lookup and dropping root, for workers and event commands.
 */
#ifndef CAIRN_SERVICE_PRIVS_H
#define CAIRN_SERVICE_PRIVS_H

#include <sys/types.h>

/*
 * Resolve user (may be NULL) and group (may be NULL: the user's primary group) to
 * ids.  Returns 0, or -1 with *error_r "unknown user 'x'" (static text).
 */
int privs_lookup(const char *user, const char *group, uid_t *uid_r, gid_t *gid_r,
                 const char **error_r);

/*
 * Become uid/gid for good: setgroups(1, gid), setresgid, setresuid, then verify
 * that root cannot be regained.  Returns 0 or -1 with *error_r.
 */
int privs_drop(uid_t uid, gid_t gid, const char **error_r);

#endif
