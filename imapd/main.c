/*
 * main.c - cairn-imapd: the IMAP service (IMAP4rev1 + IMAP4rev2) on the worker
 * skeleton (lib/service).  Settings and the TLS context are loaded while still
 * privileged (keys are often root-only), the PostgreSQL connection is opened
 * before the first client, and every client is one session (session.c) served
 * through the command table (commands.c).
 *
 * Usage: cairn-imapd [-c FILE] [-n NAME] [-s ADDR]   (see lib/service/service.h)
 * Under cairn-master it serves the imap (143, STARTTLS) and imaps (993, implicit
 * TLS: `tls = yes` on the listener) services alike.
 */
#include "imapd/session.h"
#include "imapd/settings.h"

#include "auth/passdb-sql.h"
#include "auth/passdb.h"
#include "base/config.h"
#include "base/log.h"
#include "base/tls.h"
#include "service/limits.h"
#include "service/service.h"
#include "store/db.h"
#include "service/notify.h"

#include <stdio.h>
#include <unistd.h>

static struct imapd_settings imapd_set;
static struct imapd_process imapd_proc = {.set = &imapd_set};

static int imapd_pre_init(struct service_context *ctx, const char **error_r)
{
	if (imapd_settings_load(ctx->config, &imapd_set, error_r) < 0)
		return -1;
	if (imapd_set.tls_cert != NULL) {
		imapd_proc.tls = tls_server_ctx_new(imapd_set.tls_cert, imapd_set.tls_key, error_r);
		if (imapd_proc.tls == NULL)
			return -1;
	}
	ctx->data = &imapd_proc;
	return 0;
}

/* Refuse to serve a database whose applied migrations are not our schema files. */
static int imapd_verify_schema(struct service_context *ctx, const char **error_r)
{
	const char *dir = config_get(config_find(ctx->config, "database", NULL), "schema_dir",
	                             CAIRN_SCHEMA_DIR);
	int verified;
	if (db_verify(imapd_proc.db, dir, &verified, error_r) < 0) {
		static char msg[1200];
		snprintf(msg, sizeof(msg), "refusing to start: %s", *error_r);
		*error_r = msg;
		return -1;
	}
	if (!verified)
		log_warn("schema_unverified", "schema_dir=%s error=%s", log_q(dir),
		         log_q(*error_r));
	return 0;
}

static int imapd_post_init(struct service_context *ctx, const char **error_r)
{
	notify_configure(ctx->config);
	store_on_change(notify_changed); /* every committed change is announced */
	if (limits_init(&imapd_set.limits, error_r) < 0)
		return -1;
	imapd_proc.db = db_connect(imapd_set.db_conninfo, error_r);
	if (imapd_proc.db == NULL)
		return -1;
	if (imapd_verify_schema(ctx, error_r) < 0)
		return -1;
	const struct passdb_settings pset = {
	        .default_domain = imapd_set.default_domain,
	        .fake_secret = imapd_set.fake_secret,
	        .fake_secret_len = imapd_set.fake_secret_len,
	        .fake_iterations = imapd_set.scram_iterations,
	};
	imapd_proc.passdb = passdb_sql_new(imapd_proc.db, &pset);
	return 0;
}

static void imapd_serve(struct service_context *ctx, const struct service_client *client)
{
	struct imapd_process *proc = ctx->data;
	const char *error;
	if (db_check(proc->db, &error) < 0) {
		/* Say so rather than accept a login we cannot check. */
		static const char bye[] = "* BYE [UNAVAILABLE] Service temporarily unavailable\r\n";
		log_error("db_unavailable", "error=%s", log_q(error));
		if (!client->tls && write(client->fd, bye, sizeof(bye) - 1) < 0)
			log_debug("write_failed", "peer=%s", log_q(client->peer));
		return;
	}
	session_serve(proc, client);
}

static void imapd_on_exit(struct service_context *ctx)
{
	(void)ctx;
	passdb_free(&imapd_proc.passdb);
	db_close(&imapd_proc.db);
	tls_ctx_free(&imapd_proc.tls);
}

int main(int argc, char **argv)
{
	static const struct service_callbacks cb = {
	        .name = "cairn-imapd",
	        .pre_init = imapd_pre_init,
	        .post_init = imapd_post_init,
	        .serve = imapd_serve,
	        .on_exit = imapd_on_exit,
	};
	return service_main(argc, argv, &cb);
}
