/*
 * status.h - the contract between cairn-master and its workers: file descriptors,
 * environment and the status pipe records.
 *
 * A worker is exec'd with
 *   fd 0,1,2            /dev/null, /dev/null, the master's stderr (log=stderr)
 *   fd 3                write end of its service's status pipe (shared by every
 *                       worker of the service; the master holds the read end)
 *   fd 4 .. 4+N-1       the service's listening sockets, non-blocking
 *   CAIRN_CONF          absolute path of the configuration file
 *   CAIRN_SERVICE       the service name ([service NAME])
 *   CAIRN_LISTEN_FDS    N
 *   CAIRN_LISTEN        the N listener addresses, space-separated, in fd order
 *   CAIRN_LISTEN_TLS    N flags "0"/"1", space-separated: implicit TLS listener
 *
 * Status records are fixed-size and written with one write(2) each, smaller than
 * PIPE_BUF, so records of concurrent workers never interleave.
 */
#ifndef CAIRN_SERVICE_STATUS_H
#define CAIRN_SERVICE_STATUS_H

#include <stdint.h>

#define SERVICE_STATUS_FD 3
#define SERVICE_LISTEN_FD0 4
/* Upper bound on listeners per service (keeps fd layout and env small). */
#define SERVICE_MAX_LISTEN 16

enum service_status_code {
	SERVICE_STATUS_BUSY = 0, /* accepted a client */
	SERVICE_STATUS_AVAIL = 1, /* idle, waiting in accept (first one = ready) */
};

struct service_status {
	int32_t pid;
	int32_t code; /* enum service_status_code */
	uint32_t use_count; /* clients served so far, for the master's log */
};

#endif
