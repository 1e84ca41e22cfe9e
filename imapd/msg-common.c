/*
 * msg-common.c - shared plumbing of the message commands (msg-common.h).
 *
 * Mailbox names resolve through the session core's namespaces (namespace.h):
 * personal, "Other Users/" and "Shared Folders/" with their ACL visibility.
 */
#include "imapd/msg-common.h"

#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/namespace.h"
#include "imapd/reply.h"
#include "imapd/session.h"
#include "imapd/settings.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/conn.h"
#include "base/log.h"
#include "imap/args.h"
#include "imap/seqset.h"
#include "store/acl.h"
#include "store/blob.h"
#include "store/deliver.h"
#include "store/mailbox.h"
#include "store/mailbox_msgs.h"

#include <stdlib.h>

/* Process lifetime: one worker serves one client at a time (DESIGN 2). */
static struct blob_store *msg_blob_store;
static struct deliver *msg_deliver_ctx;

static void msg_cleanup(void)
{
	deliver_free(&msg_deliver_ctx);
	blob_store_close(&msg_blob_store);
}

struct blob_store *msg_blobs(struct imap_session *s, const char **error_r)
{
	if (msg_blob_store != NULL)
		return msg_blob_store;
	if (s->set->blob_root == NULL) {
		*error_r = "no [blob] root configured";
		return NULL;
	}
	msg_blob_store = blob_store_open(s->set->blob_root, error_r);
	if (msg_blob_store != NULL)
		atexit(msg_cleanup);
	return msg_blob_store;
}

struct deliver *msg_deliver(struct imap_session *s, const char **error_r)
{
	struct blob_store *blobs = msg_blobs(s, error_r);
	if (blobs == NULL)
		return NULL;
	if (msg_deliver_ctx == NULL) {
		/* APPEND never suppresses duplicates: the client asked for this copy. */
		static const struct deliver_settings set = {.dedup_window = 0};
		msg_deliver_ctx = deliver_new_db(s->db, blobs, &set);
	}
	return msg_deliver_ctx;
}

bool msg_parse_modseq(const struct imap_arg *arg, bool zero_ok, uint64_t *modseq_r)
{
	const char *atom;
	uint64_t v = 0;
	if (!imap_arg_get_atom(arg, &atom) || *atom == '\0')
		return false;
	for (const char *p = atom; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_C(9223372036854775807) - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*modseq_r = v;
	return v > 0 || zero_ok;
}

bool msg_has_rights(unsigned rights, unsigned need)
{
	return (rights & need) == need;
}

int msg_mailbox_resolve(struct command_ctx *cmd, const struct imap_arg *arg, unsigned need,
                        bool trycreate, struct msg_mailbox *mb_r)
{
	struct imap_session *s = cmd->s;
	const char *name, *error;
	struct ns_mailbox ns;
	if (namespace_arg_name(cmd, arg, false, &name) < 0)
		return -1;
	if (namespace_lookup(s, name, cmd->pool, &ns, &error) < 0) {
		reply_store_error(cmd, STORE_EDB, error);
		return -1;
	}
	if (!ns.exists) {
		if (trycreate && ns.owner_id == s->user_id)
			reply_no(cmd, "[TRYCREATE] Mailbox does not exist");
		else
			reply_no(cmd, "[NONEXISTENT] Mailbox does not exist");
		return -1;
	}
	if (!msg_has_rights(ns.rights, need)) {
		reply_no(cmd, "[NOPERM] Permission denied");
		return -1;
	}
	mb_r->id = ns.info.id;
	mb_r->owner_id = ns.info.owner_id;
	mb_r->name = ns.ext_name;
	mb_r->uidvalidity = ns.info.uidvalidity;
	mb_r->rights = ns.rights;
	mb_r->seen_account = ns.info.owner_id == s->user_id ? 0 : s->user_id;
	return 0;
}

int msg_ranges(struct command_ctx *cmd, const struct imap_arg *arg,
               struct mailbox_uid_ranges *ranges_r)
{
	struct seqset set;
	const char *error;
	seqset_init(&set, cmd->pool);
	if (imap_arg_get_seqset(arg, &set, &error) < 0) {
		reply_bad(cmd, "Invalid sequence set: %s", error);
		return -1;
	}
	if (set.searchres) {
		reply_bad(cmd, "$ (SEARCHRES) is not supported");
		return -1;
	}
	if (mailbox_view_ranges(cmd->s->view, &set, cmd->uid, cmd->pool, ranges_r, &error) < 0) {
		reply_bad(cmd, "%s", error);
		return -1;
	}
	return 0;
}

void msg_write(struct imap_session *s, const struct buf *out)
{
	if (out->len > 0)
		conn_write(s->conn, out->data, out->len);
}

void msg_enable_condstore(struct command_ctx *cmd)
{
	struct imap_session *s = cmd->s;
	bool was = (s->enabled & SESSION_ENABLED_CONDSTORE) != 0;
	s->enabled |= SESSION_ENABLED_CONDSTORE;
	if (s->view == NULL)
		return;
	mailbox_view_set_modes(s->view, s->enabled);
	if (was)
		return;
	struct buf out;
	buf_init_arena(&out, cmd->pool);
	buf_printf(&out, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
	           (unsigned long long)s->view->highestmodseq);
	msg_write(s, &out);
}
