/*
 * main.c - cairn-echod: a line-echo test service built on the worker skeleton
 * (lib/service), used by the master's end-to-end tests and `cairn-bench connect`.
 *
 * Protocol (one line per command, CRLF or LF):
 *   greeting           "+ echod ready"
 *   PID                "PID pid=N ppid=N uid=N gid=N use=N service=NAME tls=0|1"
 *   SLEEP N            waits N seconds (0..60), then "SLEPT"
 *   QUIT               "BYE", then the connection closes
 *   anything else      echoed back as is
 *   a line > 1000 bytes  "ERR line too long", connection closed (bounded memory)
 *
 * Test options: -x CODE exits with CODE during pre_init (a service that dies at
 * start), -w SECS waits in post_init (a slow-starting service).
 */
#include "base/log.h"
#include "service/service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ECHOD_LINE_MAX 1000

static int echod_exit_code = -1;
static int echod_start_wait;

static int echod_option(struct service_context *ctx, int opt, const char *arg)
{
	(void)ctx;
	if (opt == 'x')
		echod_exit_code = atoi(arg);
	else if (opt == 'w')
		echod_start_wait = atoi(arg);
	else
		return -1;
	return 0;
}

static int echod_pre_init(struct service_context *ctx, const char **error_r)
{
	if (echod_exit_code >= 0) {
		log_info("test_exit", "code=%d", echod_exit_code);
		exit(echod_exit_code);
	}
	return 0;
}

static int echod_post_init(struct service_context *ctx, const char **error_r)
{
	if (echod_start_wait > 0)
		sleep((unsigned)echod_start_wait);
	return 0;
}

static int echod_write(int fd, const char *s)
{
	size_t len = strlen(s);
	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One command line (without its line end).  Returns -1 to close the connection. */
static int echod_command(struct service_context *ctx, const struct service_client *c,
                         const char *line)
{
	char out[ECHOD_LINE_MAX + 128];
	if (strcmp(line, "QUIT") == 0) {
		echod_write(c->fd, "BYE\r\n");
		return -1;
	} else if (strcmp(line, "PID") == 0) {
		snprintf(out, sizeof(out),
		         "PID pid=%ld ppid=%ld uid=%ld gid=%ld use=%u service=%s tls=%d\r\n",
		         (long)getpid(), (long)getppid(), (long)getuid(), (long)getgid(),
		         c->use_count, ctx->name, c->tls);
	} else if (strncmp(line, "SLEEP ", 6) == 0) {
		int secs = atoi(line + 6);
		sleep((unsigned)(secs < 0 ? 0 : secs > 60 ? 60 : secs));
		snprintf(out, sizeof(out), "SLEPT\r\n");
	} else {
		snprintf(out, sizeof(out), "%s\r\n", line);
	}
	return echod_write(c->fd, out);
}

static void echod_serve(struct service_context *ctx, const struct service_client *c)
{
	char buf[ECHOD_LINE_MAX + 2];
	size_t len = 0;
	if (echod_write(c->fd, "+ echod ready\r\n") < 0)
		return;
	for (;;) {
		char *nl = len > 0 ? memchr(buf, '\n', len) : NULL;
		if (nl == NULL) {
			if (len >= sizeof(buf) - 1) {
				echod_write(c->fd, "ERR line too long\r\n");
				return;
			}
			ssize_t n = read(c->fd, buf + len, sizeof(buf) - 1 - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return;
			len += (size_t)n;
			continue;
		}
		*nl = '\0';
		if (nl > buf && nl[-1] == '\r')
			nl[-1] = '\0';
		if (echod_command(ctx, c, buf) < 0)
			return;
		len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, len);
	}
}

int main(int argc, char **argv)
{
	static const struct service_callbacks cb = {
	        .name = "cairn-echod",
	        .options = "x:w:",
	        .usage = "  -x CODE  exit with CODE at start (tests the master's throttling)\n"
	                 "  -w SECS  wait SECS in post_init (a slow-starting service)\n",
	        .option = echod_option,
	        .pre_init = echod_pre_init,
	        .post_init = echod_post_init,
	        .serve = echod_serve,
	};
	return service_main(argc, argv, &cb);
}
