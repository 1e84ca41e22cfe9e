/*
 * limits.c - per-user and per-IP connection limits shared by every worker of a
 * node, as flock()ed slot files (limits_init, limits_acquire, limits_release; the
 * design is in limits.h).
 */
#include "service/limits.h"

#include "base/log.h"
#include "base/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct limits_slot {
	int fd;
};

int limits_init(const struct limits_settings *set, const char **error_r)
{
	static char errbuf[512];
	if (set->max_per_ip == 0 && set->max_per_user == 0)
		return 0;
	if (mkdir(set->dir, 0700) < 0 && errno != EEXIST) {
		snprintf(errbuf, sizeof(errbuf), "limits_dir %s: mkdir: %s", set->dir,
		         strerror(errno));
		*error_r = errbuf;
		return -1;
	}
	if (access(set->dir, W_OK | X_OK) < 0) {
		snprintf(errbuf, sizeof(errbuf), "limits_dir %s: not writable: %s", set->dir,
		         strerror(errno));
		*error_r = errbuf;
		return -1;
	}
	return 0;
}

/* "<dir>/<kind>-<24 hex digits of SHA-256(key)>." into path; returns its length. */
static size_t limits_prefix(const char *dir, enum limits_kind kind, const char *key, char *path,
                            size_t size)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	(void)EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL);
	int n = snprintf(path, size, "%s/%s-", dir, kind == LIMITS_IP ? "ip" : "user");
	for (int i = 0; i < 12 && n > 0 && (size_t)n + 3 < size; i++)
		n += snprintf(path + n, size - (size_t)n, "%02x", md[i]);
	return n > 0 ? (size_t)n : 0;
}

int limits_acquire(const struct limits_settings *set, enum limits_kind kind, const char *key,
                   struct limits_slot **slot_r, const char **error_r)
{
	unsigned max = kind == LIMITS_IP ? set->max_per_ip : set->max_per_user;
	char path[4096];
	*slot_r = NULL;
	if (max == 0)
		return 0;
	size_t plen = limits_prefix(set->dir, kind, key, path, sizeof(path) - 16);
	for (unsigned i = 0; i < max; i++) {
		snprintf(path + plen, sizeof(path) - plen, ".%u", i);
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			log_error("limits_open", "path=%s error=%s", log_q(path),
			          log_q(strerror(errno)));
			return 0; /* fail open: see limits.h */
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			struct limits_slot *slot = xmalloc(sizeof(*slot));
			slot->fd = fd;
			*slot_r = slot;
			return 0;
		}
		int err = errno;
		close(fd);
		if (err != EWOULDBLOCK) {
			log_error("limits_flock", "path=%s error=%s", log_q(path),
			          log_q(strerror(err)));
			return 0;
		}
	}
	*error_r = kind == LIMITS_IP ? "Too many connections from your address"
	                             : "Too many simultaneous connections for this user";
	return -1;
}

void limits_release(struct limits_slot **slot)
{
	if (*slot == NULL)
		return;
	close((*slot)->fd);
	xfree((void **)slot);
}
