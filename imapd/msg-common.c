/*
 * msg-common.c - shared plumbing of the message commands (msg-common.h).
 *
 * Mailbox names resolve in the personal namespace of the session's account here;
 * the other users' and shared namespaces (DESIGN 4) come with the session core's
 * namespace resolution, which this file will call once it lands.
 */
#include "imapd/msg-common.h"

#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
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

bool msg_has_rights(unsigned rights, unsigned need)
{
	return (rights & need) == need;
}

int msg_mailbox_resolve(struct command_ctx *cmd, const struct imap_arg *arg, unsigned need,
                        bool trycreate, struct msg_mailbox *mb_r)
{
	struct imap_session *s = cmd->s;
	const char *name, *error;
	size_t len;
	if (imap_arg_get_mailbox(arg, session_utf8(s), cmd->pool, &name, &len, &error) < 0) {
		reply_bad(cmd, "Invalid mailbox name: %s", error);
		return -1;
	}
	struct mailbox_info info;
	unsigned rights = 0;
	int r = mailbox_lookup(s->db, s->user_id, name, cmd->pool, &info, &error);
	if (r == 0 && acl_rights_for(s->db, s->user_id, info.id, &rights, &error) < 0)
		r = STORE_EDB;
	if (r == STORE_EDB) {
		reply_store_error(cmd, r, error);
		return -1;
	}
	if (r < 0 || (rights & (ACL_LOOKUP | ACL_READ)) == 0) {
		if (trycreate)
			reply_no(cmd, "[TRYCREATE] Mailbox does not exist");
		else
			reply_no(cmd, "[NONEXISTENT] Mailbox does not exist");
		return -1;
	}
	if (!msg_has_rights(rights, need)) {
		reply_no(cmd, "[NOPERM] Permission denied");
		return -1;
	}
	mb_r->id = info.id;
	mb_r->owner_id = info.owner_id;
	mb_r->name = info.name;
	mb_r->uidvalidity = info.uidvalidity;
	mb_r->rights = rights;
	mb_r->seen_account = info.owner_id == s->user_id ? 0 : s->user_id;
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
