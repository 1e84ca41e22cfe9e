/*
 * listen.c - parse `listen` values and bind them (see listen.h).  Exports
 * listen_parse, listen_bind and listen_apply_perms.
 */
#include "service/listen.h"

#include "service/privs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char listen_errbuf[512];

static const char *listen_err(const char *fmt, const char *arg)
{
	snprintf(listen_errbuf, sizeof(listen_errbuf), fmt, arg);
	return listen_errbuf;
}

static int listen_parse_port(const char *s, in_port_t *port_r)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < 1 || v > 65535)
		return -1;
	*port_r = htons((in_port_t)v);
	return 0;
}

static int listen_parse_unix(const char *addr, struct listen_addr *a, const char **error_r)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&a->sa;
	if (strlen(addr) >= sizeof(sun->sun_path)) {
		*error_r = listen_err("Unix socket path too long: %s", addr);
		return -1;
	}
	a->family = AF_UNIX;
	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path, addr);
	a->salen = sizeof(*sun);
	snprintf(a->text, sizeof(a->text), "%s", addr);
	return 0;
}

static int listen_parse_inet(char *addr, struct listen_addr *a, const char **error_r)
{
	char *colon = strrchr(addr, ':');
	in_port_t port;
	if (colon == NULL || colon == addr || listen_parse_port(colon + 1, &port) < 0) {
		*error_r = listen_err("expected host:port, [v6addr]:port or /path, got '%s'", addr);
		return -1;
	}
	*colon = '\0';
	char *host = addr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->sa;
	int v6 = host[0] == '[';
	if (v6) {
		size_t n = strlen(host);
		if (n < 3 || host[n - 1] != ']') {
			*error_r = listen_err("bad IPv6 address '%s': write [addr]:port", host);
			return -1;
		}
		host[n - 1] = '\0';
		host++;
	}
	if (strcmp(host, "*") == 0 && !v6) {
		a->family = AF_INET6; /* dual-stack; listen_bind falls back to IPv4 */
		sin6->sin6_addr = in6addr_any;
		a->v6only = 0;
	} else if (v6 && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		a->family = AF_INET6;
		a->v6only = 1;
	} else if (!v6 && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		a->family = AF_INET;
	} else {
		*error_r = listen_err("'%s' is not a numeric IP address", host);
		return -1;
	}
	char ntop[INET6_ADDRSTRLEN];
	if (a->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		a->salen = sizeof(*sin);
		inet_ntop(AF_INET, &sin->sin_addr, ntop, sizeof(ntop));
		snprintf(a->text, sizeof(a->text), "%s:%u", ntop, ntohs(port));
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		a->salen = sizeof(*sin6);
		inet_ntop(AF_INET6, &sin6->sin6_addr, ntop, sizeof(ntop));
		if (a->v6only)
			snprintf(a->text, sizeof(a->text), "[%s]:%u", ntop, ntohs(port));
		else
			snprintf(a->text, sizeof(a->text), "*:%u", ntohs(port));
	}
	return 0;
}

static int listen_parse_option(char *opt, struct listen_addr *a, const char **error_r)
{
	char *eq = strchr(opt, '=');
	if (eq == NULL) {
		*error_r = listen_err("bad listen option '%s': expected key=value", opt);
		return -1;
	}
	*eq++ = '\0';
	if (strcmp(opt, "tls") == 0) {
		if (strcmp(eq, "yes") == 0 || strcmp(eq, "no") == 0) {
			a->tls = strcmp(eq, "yes") == 0;
			return 0;
		}
		*error_r = listen_err("listen option tls must be yes or no, got '%s'", eq);
		return -1;
	}
	if (a->family != AF_UNIX) {
		*error_r = listen_err("listen option '%s' applies to Unix sockets only", opt);
		return -1;
	}
	if (strcmp(opt, "mode") == 0) {
		char *end;
		long m = strtol(eq, &end, 8);
		if (*eq == '\0' || *end != '\0' || m < 0 || m > 0777) {
			*error_r = listen_err("bad mode '%s': expected octal such as 0660", eq);
			return -1;
		}
		a->mode = (int)m;
	} else if (strcmp(opt, "owner") == 0 || strcmp(opt, "group") == 0) {
		char *dst = opt[0] == 'o' ? a->owner : a->group;
		if (*eq == '\0' || strlen(eq) >= sizeof(a->owner)) {
			*error_r = listen_err("bad %s name", opt);
			return -1;
		}
		strcpy(dst, eq);
	} else {
		*error_r = listen_err("unknown listen option '%s'", opt);
		return -1;
	}
	return 0;
}

int listen_parse(const char *spec, struct listen_addr *addr_r, const char **error_r)
{
	char copy[512];
	if (strlen(spec) >= sizeof(copy)) {
		*error_r = listen_err("listen value too long%s", "");
		return -1;
	}
	strcpy(copy, spec);
	memset(addr_r, 0, sizeof(*addr_r));
	addr_r->tls = -1;
	addr_r->mode = -1;
	char *save = NULL;
	char *addr = strtok_r(copy, " \t", &save);
	if (addr == NULL) {
		*error_r = listen_err("empty listen address%s", "");
		return -1;
	}
	int r = addr[0] == '/' ? listen_parse_unix(addr, addr_r, error_r)
	                       : listen_parse_inet(addr, addr_r, error_r);
	for (char *opt; r == 0 && (opt = strtok_r(NULL, " \t", &save)) != NULL;)
		r = listen_parse_option(opt, addr_r, error_r);
	return r;
}

int listen_apply_perms(const struct listen_addr *a, const char **error_r)
{
	if (a->family != AF_UNIX)
		return 0;
	const char *path = ((const struct sockaddr_un *)&a->sa)->sun_path;
	if (a->mode >= 0 && chmod(path, (mode_t)a->mode) < 0) {
		*error_r = listen_err("chmod: %s", strerror(errno));
		return -1;
	}
	if (a->owner[0] || a->group[0]) {
		uid_t uid = (uid_t)-1;
		gid_t gid = (gid_t)-1;
		if (privs_lookup(a->owner[0] ? a->owner : NULL, a->group[0] ? a->group : NULL, &uid,
		                 &gid, error_r) < 0)
			return -1;
		if (!a->owner[0])
			uid = (uid_t)-1;
		if (chown(path, uid, gid) < 0) {
			*error_r = listen_err("chown: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Replace a stale socket file, but never a file of another kind. */
static int listen_unlink_stale(const char *path, const char **error_r)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		*error_r = listen_err("%s exists and is not a socket", path);
		return -1;
	}
	unlink(path);
	return 0;
}

static int listen_socket(const struct listen_addr *a)
{
	int type = SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK;
	int fd = socket(a->family, type, 0);
	if (fd >= 0 || a->family != AF_INET6 || a->v6only)
		return fd;
	return socket(AF_INET, type, 0); /* "*" without IPv6 support */
}

int listen_bind(const struct listen_addr *a, int backlog, const char **error_r)
{
	if (a->family == AF_UNIX &&
	    listen_unlink_stale(((const struct sockaddr_un *)&a->sa)->sun_path, error_r) < 0)
		return -1;
	int fd = listen_socket(a);
	if (fd < 0) {
		*error_r = listen_err("socket: %s", strerror(errno));
		return -1;
	}
	struct sockaddr_storage sa = a->sa;
	socklen_t salen = a->salen;
	int one = 1, v6only = a->v6only;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa;
	int domain = 0;
	socklen_t dlen = sizeof(domain);
	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen);
	if (a->family == AF_INET6 && domain == AF_INET) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = sin6->sin6_port};
		memcpy(&sa, &sin, sizeof(sin));
		salen = sizeof(sin);
	}
	if (a->family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (domain == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	if (bind(fd, (struct sockaddr *)&sa, salen) < 0 || listen(fd, backlog) < 0) {
		*error_r = listen_err("%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (listen_apply_perms(a, error_r) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}
