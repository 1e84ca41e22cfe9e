/*
 * cmd-capability.c - CAPABILITY (RFC 9051 6.1.1) and the capability list shown in
 * the greeting and after login (capability_append, commands.h).
 *
 * Before login: STARTTLS while TLS is off and configured; LOGINDISABLED and no
 * AUTH=PLAIN while plaintext authentication is not allowed (RFC 9051 6.2.3);
 * the AUTH= list is lib/auth's mechanism table as far as the passdb can serve it
 * (SCRAM-SHA-256 needs SCRAM records; it never reveals the password).
 */
#include "imapd/commands.h"
#include "imapd/reply.h"
#include "imapd/session.h"
#include "imapd/settings.h"

#include "auth/sasl.h"
#include "base/buf.h"

static void capability_preauth(const struct imap_session *s, struct buf *out)
{
	if (!s->tls && s->proc->tls != NULL)
		buf_append_str(out, " STARTTLS");
	bool plaintext = session_plaintext_allowed(s);
	const struct sasl_mech *m;
	if (!plaintext)
		buf_append_str(out, " LOGINDISABLED");
	for (size_t i = 0; (m = sasl_mech_at(i)) != NULL; i++)
		if (sasl_mech_usable(m, s->proc->passdb) &&
		    (plaintext || !(sasl_mech_flags(m) & SASL_MECH_PLAINTEXT)))
			buf_printf(out, " AUTH=%s", sasl_mech_name(m));
	buf_append_str(out, " SASL-IR");
}

/* After login: what the folder commands (this branch) and the message commands
 * (imapd-msg) implement. */
static void capability_auth(const struct imap_session *s, struct buf *out)
{
	buf_append_str(out,
	               " NAMESPACE CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE"
	               " STATUS=SIZE UIDPLUS UNSELECT MOVE ESEARCH UTF8=ACCEPT CONDSTORE QRESYNC");
	buf_printf(out, " APPENDLIMIT=%llu", (unsigned long long)s->set->appendlimit);
	buf_append_str(out, " IDLE QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE COMPRESS=DEFLATE");
}

void capability_append(const struct imap_session *s, struct buf *out)
{
	buf_append_str(out, "IMAP4rev1 IMAP4rev2 LITERAL+ ENABLE ID");
	if (s->state == SESSION_NOT_AUTH)
		capability_preauth(s, out);
	else
		capability_auth(s, out);
}

void cmd_capability(struct command_ctx *cmd)
{
	struct buf b = BUF_INIT;
	if (cmd->arg_count != 0) {
		reply_bad(cmd, "CAPABILITY takes no arguments");
		return;
	}
	buf_append_str(&b, "CAPABILITY ");
	capability_append(cmd->s, &b);
	reply_untagged_buf(cmd->s, &b);
	buf_free(&b);
	reply_ok(cmd, "CAPABILITY completed");
}
