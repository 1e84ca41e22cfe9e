/*
 * settings.c - imapd_settings_load(): cairn-imapd's view of cairn.conf.
 *
 * Only [imap] belongs to cairn-imapd alone, so only its keys are checked for typos;
 * [tls], [database], [blob] and [auth] are shared with other daemons.
 */
#include "imapd/settings.h"

#include "base/arena.h"
#include "base/config.h"

#include <string.h>
#include <unistd.h>

static const char *const imapd_settings_keys[] = {
        "hostname",
        "default_domain",
        "allow_plaintext_auth",
        "max_connections_per_user",
        "max_connections_per_ip",
        "limits_dir",
        "timeout_preauth",
        "timeout_auth",
        "appendlimit",
        "auth_fail_delay_ms",
        "max_auth_failures",
        "scram_iterations",
        "compress_level",
        NULL,
};

static int imapd_settings_plaintext(struct config *cfg, const struct config_section *sec,
                                    struct imapd_settings *set, const char **error_r)
{
	const struct config_entry *e = config_entry(sec, "allow_plaintext_auth");
	if (e == NULL || strcmp(e->value, "no") == 0)
		set->plaintext_auth = IMAPD_PLAINTEXT_NO;
	else if (strcmp(e->value, "loopback") == 0)
		set->plaintext_auth = IMAPD_PLAINTEXT_LOOPBACK;
	else if (strcmp(e->value, "yes") == 0)
		set->plaintext_auth = IMAPD_PLAINTEXT_YES;
	else {
		*error_r = config_error(cfg, e->line,
		                        "key 'allow_plaintext_auth' must be no, loopback or yes");
		return -1;
	}
	return 0;
}

/* The integer keys of [imap]: name, default, min, max, where to store. */
static int imapd_settings_ints(struct config *cfg, const struct config_section *sec,
                               struct imapd_settings *set, const char **error_r)
{
	int64_t v[9];
	if (config_get_int(cfg, sec, "max_connections_per_user", 20, 0, 100000, &v[0], error_r) ||
	    config_get_int(cfg, sec, "max_connections_per_ip", 50, 0, 100000, &v[1], error_r) ||
	    config_get_int(cfg, sec, "timeout_preauth", 60, 1, 3600, &v[2], error_r) ||
	    config_get_int(cfg, sec, "timeout_auth", 1800, 30, 86400, &v[3], error_r) ||
	    config_get_int(cfg, sec, "appendlimit", 64 << 20, 1024, 1LL << 31, &v[4], error_r) ||
	    config_get_int(cfg, sec, "auth_fail_delay_ms", 1000, 0, 60000, &v[5], error_r) ||
	    config_get_int(cfg, sec, "max_auth_failures", 3, 1, 100, &v[6], error_r) ||
	    config_get_int(cfg, sec, "scram_iterations", 8192, 4096, 10000000, &v[7], error_r) ||
	    config_get_int(cfg, sec, "compress_level", 6, 0, 9, &v[8], error_r))
		return -1;
	set->limits.max_per_user = (unsigned)v[0];
	set->limits.max_per_ip = (unsigned)v[1];
	set->timeout_preauth_s = (unsigned)v[2];
	set->timeout_auth_s = (unsigned)v[3];
	set->appendlimit = (uint64_t)v[4];
	set->auth_fail_delay_ms = (unsigned)v[5];
	set->max_auth_failures = (unsigned)v[6];
	set->scram_iterations = (unsigned)v[7];
	set->compress_level = (int)v[8];
	return 0;
}

static void imapd_settings_hostname(struct config *cfg, const struct config_section *sec,
                                    struct imapd_settings *set)
{
	set->hostname = config_get(sec, "hostname", NULL);
	if (set->hostname == NULL) {
		char host[256] = "localhost";
		(void)gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		set->hostname = arena_strdup(cfg->arena, host);
	}
}

int imapd_settings_load(struct config *cfg, struct imapd_settings *set, const char **error_r)
{
	const struct config_section *imap = config_find(cfg, "imap", NULL);
	const struct config_section *tls = config_find(cfg, "tls", NULL);
	const struct config_section *auth = config_find(cfg, "auth", NULL);
	memset(set, 0, sizeof(*set));
	if (imap && config_check_keys(cfg, imap, imapd_settings_keys, error_r) < 0)
		return -1;
	if (imapd_settings_plaintext(cfg, imap, set, error_r) < 0 ||
	    imapd_settings_ints(cfg, imap, set, error_r) < 0)
		return -1;
	imapd_settings_hostname(cfg, imap, set);
	set->default_domain = config_get(imap, "default_domain", NULL);
	set->limits.dir = config_get(imap, "limits_dir", "/run/cairn/imap-limits");
	set->tls_cert = config_get(tls, "cert", NULL);
	set->tls_key = config_get(tls, "key", NULL);
	if ((set->tls_cert == NULL) != (set->tls_key == NULL)) {
		*error_r = config_error(cfg, tls->line, "[tls] needs both cert and key");
		return -1;
	}
	set->db_conninfo = config_get(config_find(cfg, "database", NULL), "conninfo", NULL);
	if (set->db_conninfo == NULL) {
		*error_r = config_error(cfg, 0, "[database] conninfo is required");
		return -1;
	}
	set->blob_root = config_get(config_find(cfg, "blob", NULL), "root", NULL);
	const char *secret = config_get(auth, "fake_secret", NULL);
	if (secret != NULL) {
		set->fake_secret = (const unsigned char *)secret;
		set->fake_secret_len = strlen(secret);
	}
	return 0;
}
