/*
 * TEMP_standalone.c - TEMPORARY stand-in for the worker skeleton (lib/service,
 * another branch) so cairn-lmtpd can be tested end to end before it lands:
 *   cairn-lmtpd -c cairn.conf -s HOST:PORT|/path.sock [-w WORKERS]
 * binds, preforks WORKERS processes that accept and serve clients, and replaces
 * a worker that dies (as cairn-master would).  Delete once lib/service is merged.
 */
#include "TEMP_standalone.h"

#include "lmtpd.h"

#include "base/config.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int temp_listen(const char *addr)
{
	int fd;
	if (addr[0] == '/') {
		struct sockaddr_un un = {.sun_family = AF_UNIX};
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", addr);
		unlink(addr);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0)
			return -1;
		chmod(addr, 0666);
	} else {
		char host[64];
		const char *colon = strrchr(addr, ':');
		if (colon == NULL || (size_t)(colon - addr) >= sizeof(host))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
		struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
		int one = 1;
		if (inet_pton(AF_INET, host, &in.sin_addr) != 1)
			return -1;
		fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&in, sizeof(in)) < 0)
			return -1;
	}
	return listen(fd, 128) < 0 ? -1 : fd;
}

static void temp_worker(struct config *cfg, int lfd)
{
	const char *error;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_IGN);
	struct lmtpd *l = lmtpd_new(cfg, &error);
	if (l == NULL)
		log_fatal("config", "error=%s", log_q(error));
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		lmtpd_serve(l, c, "client");
		close(c);
	}
}

int lmtpd_temp_standalone(int argc, char **argv)
{
	const char *conf = getenv("CAIRN_CONF"), *addr = NULL, *error;
	int workers = 2, opt;
	while ((opt = getopt(argc, argv, "c:s:w:")) != -1) {
		if (opt == 'c')
			conf = optarg;
		else if (opt == 's')
			addr = optarg;
		else if (opt == 'w')
			workers = atoi(optarg);
		else
			return 2;
	}
	log_init("lmtp", 0);
	struct config *cfg = conf ? config_load(conf, &error) : NULL;
	if (cfg == NULL || addr == NULL) {
		fprintf(stderr, "usage: cairn-lmtpd -c cairn.conf -s ADDR [-w N]%s%s\n",
		        cfg ? "" : ": ", cfg ? "" : (conf ? error : "no config"));
		return 2;
	}
	struct lmtpd *check = lmtpd_new(cfg, &error);
	if (check == NULL)
		log_fatal("config", "error=%s", log_q(error));
	lmtpd_free(&check);
	int lfd = temp_listen(addr);
	if (lfd < 0)
		log_fatal("listen", "addr=%s", log_q(addr));
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	for (int live = 0;;) {
		for (; live < workers; live++)
			if (fork() == 0)
				temp_worker(cfg, lfd);
		if (wait(NULL) > 0)
			live--;
	}
}
