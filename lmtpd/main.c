/*
 * main.c - cairn-lmtpd: LMTP delivery (RFC 2033) into the cairn store.
 *
 * The daemon is callbacks handed to the worker skeleton (lib/service): post_init
 * reads the configuration and opens the blob store and the database connection,
 * serve runs one LMTP client (lmtpd.c), on_exit closes everything.
 */
#include "lmtpd.h"

#include "service/notify.h"
#include "service/service.h"
#include "store/db.h"

#include <stddef.h>

static int lmtpd_post_init(struct service_context *ctx, const char **error_r)
{
	notify_configure(ctx->config);
	store_on_change(notify_changed); /* every committed change is announced */
	ctx->data = lmtpd_new(ctx->config, error_r);
	return ctx->data ? 0 : -1;
}

static void lmtpd_serve_client(struct service_context *ctx, const struct service_client *client)
{
	lmtpd_serve(ctx->data, client->fd, client->peer);
}

static void lmtpd_on_exit(struct service_context *ctx)
{
	struct lmtpd *l = ctx->data;
	lmtpd_free(&l);
	ctx->data = NULL;
}

int main(int argc, char **argv)
{
	static const struct service_callbacks cb = {
	        .name = "cairn-lmtpd",
	        .post_init = lmtpd_post_init,
	        .serve = lmtpd_serve_client,
	        .on_exit = lmtpd_on_exit,
	};
	return service_main(argc, argv, &cb);
}
