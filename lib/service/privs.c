/*
 * privs.c - resolve user/group names and drop root for good (see privs.h).
 * Exports privs_lookup and privs_drop.
 */
#include "service/privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char privs_errbuf[256];

int privs_lookup(const char *user, const char *group, uid_t *uid_r, gid_t *gid_r,
                 const char **error_r)
{
	*uid_r = getuid();
	*gid_r = getgid();
	if (user != NULL) {
		struct passwd *pw = getpwnam(user);
		if (pw == NULL) {
			snprintf(privs_errbuf, sizeof(privs_errbuf), "unknown user '%s'", user);
			*error_r = privs_errbuf;
			return -1;
		}
		*uid_r = pw->pw_uid;
		*gid_r = pw->pw_gid;
	}
	if (group != NULL) {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			snprintf(privs_errbuf, sizeof(privs_errbuf), "unknown group '%s'", group);
			*error_r = privs_errbuf;
			return -1;
		}
		*gid_r = gr->gr_gid;
	}
	return 0;
}

int privs_drop(uid_t uid, gid_t gid, const char **error_r)
{
	const char *step = NULL;
	if (setgroups(1, &gid) < 0)
		step = "setgroups";
	else if (setresgid(gid, gid, gid) < 0)
		step = "setresgid";
	else if (setresuid(uid, uid, uid) < 0)
		step = "setresuid";
	else if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		step = "root regained after setresuid";
	if (step == NULL)
		return 0;
	snprintf(privs_errbuf, sizeof(privs_errbuf), "%s: %s", step, strerror(errno));
	*error_r = privs_errbuf;
	return -1;
}
