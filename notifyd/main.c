/*
 * main.c - cairn-notifyd: one per node, a [service notify] of cairn-master with
 * min_idle = max_proc = 1.  It runs as one long-lived process (the skeleton's run
 * callback), so the master supervises and restarts it like any worker while the
 * master-owned watch socket keeps accepting connections across a restart.
 */
#include "notifyd/notifyd.h"

#include "service/service.h"

static struct notifyd notifyd;

static int notifyd_post_init(struct service_context *ctx, const char **error_r)
{
	ctx->data = &notifyd;
	return notifyd_init(&notifyd, ctx->config, error_r);
}

static void notifyd_run_cb(struct service_context *ctx, const int *fds, int n)
{
	notifyd_run(ctx->data, fds, n);
}

static void notifyd_exit(struct service_context *ctx)
{
	notifyd_deinit(ctx->data);
}

int main(int argc, char **argv)
{
	static const struct service_callbacks cb = {
	        .name = "cairn-notifyd",
	        .post_init = notifyd_post_init,
	        .run = notifyd_run_cb,
	        .on_exit = notifyd_exit,
	};
	return service_main(argc, argv, &cb);
}
