/*
 * commands.c - the command table (commands.h): every IMAP command cairn-imapd
 * knows, the states it is valid in and its flags.  Adding a command is one line
 * here plus its cmd-NAME.c.
 */
#include "imapd/commands.h"

#include "imapd/session.h"

#include <string.h>

#define ANY (SESSION_NOT_AUTH | SESSION_AUTH | SESSION_SELECTED)
#define NOT_AUTH SESSION_NOT_AUTH
#define AUTH (SESSION_AUTH | SESSION_SELECTED)
#define SELECTED SESSION_SELECTED

static const struct command_def commands[] = {
        /* RFC 9051 6.1: any state */
        {"CAPABILITY", cmd_capability, ANY, 0},
        {"NOOP", cmd_noop, ANY, 0},
        {"LOGOUT", cmd_logout, ANY, COMMAND_FLAG_BREAKS_PIPELINE | COMMAND_FLAG_NO_SYNC},
        {"ID", cmd_id, ANY, 0},
        /* 6.2: not authenticated */
        {"STARTTLS", cmd_starttls, NOT_AUTH, COMMAND_FLAG_BREAKS_PIPELINE},
        {"AUTHENTICATE", cmd_authenticate, NOT_AUTH, COMMAND_FLAG_BREAKS_PIPELINE},
        {"LOGIN", cmd_login, NOT_AUTH, COMMAND_FLAG_BREAKS_PIPELINE | COMMAND_FLAG_CREDENTIALS},
        /* 6.3: authenticated */
        {"ENABLE", cmd_enable, AUTH, 0},
        {"COMPRESS", cmd_compress, AUTH, COMMAND_FLAG_BREAKS_PIPELINE}, /* RFC 4978 */
        {"IDLE", cmd_idle, AUTH, COMMAND_FLAG_BREAKS_PIPELINE}, /* RFC 2177 */
        {"SELECT", cmd_select, AUTH, COMMAND_FLAG_BREAKS_PIPELINE},
        {"EXAMINE", cmd_select, AUTH, COMMAND_FLAG_BREAKS_PIPELINE},
        {"CREATE", cmd_create, AUTH, 0},
        {"DELETE", cmd_delete, AUTH, 0},
        {"RENAME", cmd_rename, AUTH, 0},
        {"SUBSCRIBE", cmd_subscribe, AUTH, 0},
        {"UNSUBSCRIBE", cmd_subscribe, AUTH, 0},
        {"LIST", cmd_list, AUTH, 0},
        {"LSUB", cmd_list, AUTH, 0},
        {"NAMESPACE", cmd_namespace, AUTH, 0},
        {"STATUS", cmd_status, AUTH, 0},
        {"APPEND", cmd_append, AUTH, COMMAND_FLAG_BIG_LITERAL},
        {"GETQUOTAROOT", cmd_getquotaroot, AUTH, 0}, /* RFC 9208 */
        {"GETQUOTA", cmd_getquota, AUTH, 0},
        {"SETQUOTA", cmd_setquota, AUTH, 0},
        /* 6.4: selected */
        {"CHECK", cmd_check, SELECTED, 0},
        {"CLOSE", cmd_close, SELECTED, COMMAND_FLAG_BREAKS_PIPELINE},
        {"UNSELECT", cmd_close, SELECTED, COMMAND_FLAG_BREAKS_PIPELINE},
        {"EXPUNGE", cmd_expunge, SELECTED, 0},
        {"UID EXPUNGE", cmd_expunge, SELECTED, COMMAND_FLAG_UID},
        {"SEARCH", cmd_search, SELECTED, COMMAND_FLAG_UID | COMMAND_FLAG_NO_EXPUNGE},
        {"UID SEARCH", cmd_search, SELECTED, COMMAND_FLAG_UID},
        {"FETCH", cmd_fetch, SELECTED, COMMAND_FLAG_UID | COMMAND_FLAG_NO_EXPUNGE},
        {"UID FETCH", cmd_fetch, SELECTED, COMMAND_FLAG_UID},
        {"STORE", cmd_store, SELECTED, COMMAND_FLAG_UID | COMMAND_FLAG_NO_EXPUNGE},
        {"UID STORE", cmd_store, SELECTED, COMMAND_FLAG_UID},
        {"COPY", cmd_copy, SELECTED, COMMAND_FLAG_UID},
        {"UID COPY", cmd_copy, SELECTED, COMMAND_FLAG_UID},
        {"MOVE", cmd_copy, SELECTED, COMMAND_FLAG_UID},
        {"UID MOVE", cmd_copy, SELECTED, COMMAND_FLAG_UID},
};

const struct command_def *commands_find(const char *name)
{
	/* ~35 entries: a linear scan is as fast as anything else here. */
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}
