/*
 * commands.h - the IMAP command table of cairn-imapd (Dovecot imap-commands.c
 * style): one entry per command name with the states it is valid in and flags,
 * one handler per file (cmd-NAME.c).
 *
 * The session (session.c) parses a command, looks it up here, checks the state,
 * builds a struct command_ctx and calls the handler.  A handler:
 *
 *   void cmd_noop(struct command_ctx *cmd)
 *   {
 *           if (cmd->arg_count != 0) {
 *                   reply_bad(cmd, "NOOP takes no arguments");
 *                   return;
 *           }
 *           reply_ok(cmd, "NOOP completed");
 *   }
 *
 * must send exactly one tagged reply (reply.h) before it returns, except when it
 * ends the session (LOGOUT, a failed STARTTLS): then it sets cmd->session_over.
 * "UID FETCH" etc. are separate entries (the parser joins "UID" and the next
 * word); their handlers see cmd->uid = true.
 */
#ifndef CAIRN_IMAPD_COMMANDS_H
#define CAIRN_IMAPD_COMMANDS_H

#include <stdbool.h>

struct arena;
struct imap_arg;
struct imap_session;

/* The command has a UID form ("UID FETCH"); set on both entries. */
#define COMMAND_FLAG_UID (1u << 0)
/*
 * RFC 9051 5.5: the command may not run while other commands are still in
 * progress.  cairn runs commands one at a time, so this only means: everything
 * the client pipelined before it has been answered and flushed first.
 */
#define COMMAND_FLAG_BREAKS_PIPELINE (1u << 1)
/* RFC 9051 7.5.1: no untagged EXPUNGE before this command's tagged reply
 * (FETCH, STORE, SEARCH; their UID forms allow them). */
#define COMMAND_FLAG_NO_EXPUNGE (1u << 2)
/* Literals up to [imap] appendlimit (APPEND); other commands get COMMAND_SMALL_LITERAL. */
#define COMMAND_FLAG_BIG_LITERAL (1u << 3)
/* Carries credentials (LOGIN): its literals are refused where plaintext auth is not. */
#define COMMAND_FLAG_CREDENTIALS (1u << 4)

/* No selected-mailbox sync before the tagged reply (LOGOUT: after "* BYE" a client has
 * left the mailbox, and an EXPUNGE or FETCH there names messages it no longer has). */
#define COMMAND_FLAG_NO_SYNC (1u << 5)

/* Largest literal of a command without COMMAND_FLAG_BIG_LITERAL. */
#define COMMAND_SMALL_LITERAL (64 * 1024)

struct command_ctx;

struct command_def {
	const char *name; /* upper case, "UID FETCH" for UID forms */
	void (*func)(struct command_ctx *cmd);
	unsigned states; /* enum session_state bits where it is valid */
	unsigned flags; /* COMMAND_FLAG_* */
};

/* One running command (the handler's view). */
struct command_ctx {
	struct imap_session *s;
	const struct command_def *def;
	const char *tag;
	const char *name; /* as in the table */
	const struct imap_arg *args; /* first argument (NULL if none) */
	unsigned arg_count;
	bool uid; /* the UID form */
	struct arena *pool; /* = s->cmd_pool: everything the command allocates */
	bool replied; /* set by the tagged reply helpers */
	bool session_over; /* set by a handler that ended the session */
};

/* The entry for an (upper-case) command name, or NULL. */
const struct command_def *commands_find(const char *name);

/*
 * Append this session's capability list (without "CAPABILITY ") to out: it
 * depends on the state, TLS and the plaintext-auth policy (cmd-capability.c).
 */
struct buf;
void capability_append(const struct imap_session *s, struct buf *out);

/*
 * STATUS items shared with LIST RETURN (STATUS ...) (cmd-status.c): parse a
 * parenthesised item list into a bit set (-1 on a bad list), and write the
 * untagged STATUS line of an existing mailbox (struct ns_mailbox, namespace.h;
 * -1 on a database failure, nothing written).
 */
struct ns_mailbox;
int status_items_parse(const struct imap_arg *arg, unsigned *items_r);
int status_write(struct command_ctx *cmd, const struct ns_mailbox *mb, unsigned items);

/* Handlers, one file each.  Session half (branch imapd-core): */
void cmd_capability(struct command_ctx *cmd);
void cmd_noop(struct command_ctx *cmd);
void cmd_logout(struct command_ctx *cmd);
void cmd_starttls(struct command_ctx *cmd);
void cmd_compress(struct command_ctx *cmd);
void cmd_authenticate(struct command_ctx *cmd);
void cmd_login(struct command_ctx *cmd);
void cmd_enable(struct command_ctx *cmd);
void cmd_id(struct command_ctx *cmd);
void cmd_create(struct command_ctx *cmd);
void cmd_delete(struct command_ctx *cmd);
void cmd_rename(struct command_ctx *cmd);
void cmd_subscribe(struct command_ctx *cmd); /* SUBSCRIBE and UNSUBSCRIBE */
void cmd_list(struct command_ctx *cmd); /* LIST and LSUB */
void cmd_namespace(struct command_ctx *cmd);
void cmd_status(struct command_ctx *cmd);

/* Message half (branch imapd-msg): */
void cmd_select(struct command_ctx *cmd); /* SELECT and EXAMINE */
void cmd_fetch(struct command_ctx *cmd);
void cmd_store(struct command_ctx *cmd);
void cmd_search(struct command_ctx *cmd);
void cmd_append(struct command_ctx *cmd);
void cmd_copy(struct command_ctx *cmd); /* COPY and MOVE */
void cmd_expunge(struct command_ctx *cmd); /* EXPUNGE and UID EXPUNGE */
void cmd_close(struct command_ctx *cmd); /* CLOSE and UNSELECT */
void cmd_check(struct command_ctx *cmd);

/* IDLE (branch idle): */
void cmd_idle(struct command_ctx *cmd);

/* QUOTA, RFC 9208 (branch quota, cmd-quota.c): */
void cmd_getquotaroot(struct command_ctx *cmd);
void cmd_getquota(struct command_ctx *cmd);
void cmd_setquota(struct command_ctx *cmd); /* always NO [NOPERM]: cairnctl sets limits */

#endif
