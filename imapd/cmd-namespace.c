/*
 * cmd-namespace.c - NAMESPACE (RFC 2342, RFC 9051 6.3.10): personal "", other
 * users "Other Users/", shared "Shared Folders/", all with separator "/".
 */
#include "imapd/commands.h"
#include "imapd/namespace.h"
#include "imapd/reply.h"

void cmd_namespace(struct command_ctx *cmd)
{
	if (cmd->arg_count != 0) {
		reply_bad(cmd, "NAMESPACE takes no arguments");
		return;
	}
	reply_untagged(cmd->s, "NAMESPACE ((\"\" \"/\")) ((\"" NS_OTHER_PREFIX
	                       "\" \"/\")) ((\"" NS_SHARED_PREFIX "\" \"/\"))");
	reply_ok(cmd, "NAMESPACE completed");
}
