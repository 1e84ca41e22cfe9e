/*
 * listen.h - listener addresses of cairn.conf and binding them.
 *
 *   listen = 127.0.0.1:143          IPv4
 *   listen = [::1]:143              IPv6 (IPV6_V6ONLY, so [::] and 0.0.0.0 can coexist)
 *   listen = *:143                  every address, IPv6 dual-stack (IPv4 if no IPv6)
 *   listen = /run/cairn/lmtp.sock mode=0660 owner=cairn group=postfix
 *   listen = 0.0.0.0:993 tls=yes    per-listener override of the service's `tls`
 *
 * Addresses are numeric (no DNS at startup).  Used by cairn-master to bind, and by
 * the worker skeleton for standalone (-s) mode.
 */
#ifndef CAIRN_SERVICE_LISTEN_H
#define CAIRN_SERVICE_LISTEN_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

struct listen_addr {
	char text[sizeof(((struct sockaddr_un *)0)->sun_path) + 8]; /* canonical address */
	struct sockaddr_storage sa;
	socklen_t salen;
	int family; /* AF_INET, AF_INET6 or AF_UNIX */
	int v6only;
	int tls; /* -1: not given (use the service's `tls`), else 0/1 */
	int mode; /* Unix socket permissions, -1 when not given */
	char owner[64]; /* Unix socket owner/group names, "" when not given */
	char group[64];
};

/*
 * Parse one `listen` value (address then optional key=value options).  Returns 0,
 * or -1 with *error_r a static message without file/line (the caller adds them).
 */
int listen_parse(const char *spec, struct listen_addr *addr_r, const char **error_r);

/*
 * Create, bind and listen: the socket is close-on-exec and non-blocking, TCP ones
 * with SO_REUSEADDR; a stale Unix socket file is replaced, then mode/owner/group are
 * applied.  Returns the fd, or -1 with *error_r ("Address already in use" ...).
 */
int listen_bind(const struct listen_addr *addr, int backlog, const char **error_r);

/* Re-apply a Unix socket's mode/owner/group (reload of an already bound socket). */
int listen_apply_perms(const struct listen_addr *addr, const char **error_r);

#endif
