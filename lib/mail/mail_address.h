/*
 * mail_address.h - RFC 5322 address lists (mailboxes, groups, routes, comments).
 *
 * The result follows the IMAP ENVELOPE model (RFC 3501 7.4.2): a list of entries,
 * where a group is an entry with a name in mailbox and host NULL ("start of group"),
 * its members, then an entry with mailbox and host both NULL ("end of group").
 * Values are raw: quoting is removed, RFC 2047 words are not decoded (ENVELOPE wants
 * them raw; mail_address_format_decoded() decodes for SEARCH/SORT).
 */
#ifndef CAIRN_MAIL_ADDRESS_H
#define CAIRN_MAIL_ADDRESS_H

struct arena;
struct buf;

struct mail_address {
	char *name; /* display name (or a trailing comment), NULL when none */
	char *route; /* obsolete source route "@a,@b", NULL when none */
	char *mailbox; /* local part; group name at a group start; NULL at a group end */
	char *host; /* domain; "" when the address lacks one; NULL at group start/end */
	struct mail_address *next;
};

/* Parse an unfolded header value.  Never fails: malformed parts become the best
   reading a mail client would make.  NULL when the list is empty.  Strings are valid
   UTF-8 when value is. */
struct mail_address *mail_address_parse(struct arena *arena, const char *value);

/* Append "Decoded Name <local@domain>, ..." (RFC 2047 decoded, groups as
   "name: ...;") to out. */
void mail_address_format_decoded(struct buf *out, const struct mail_address *list);

#endif
