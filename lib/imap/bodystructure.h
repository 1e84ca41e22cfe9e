/*
 * bodystructure.h - IMAP BODYSTRUCTURE and BODY from a parsed MIME tree.
 *
 * Byte-for-byte per the RFC 3501 / RFC 9051 "body" grammar.  Conventions (these are
 * Dovecot's, which clients are used to):
 *   - type, subtype and parameter names keep the case they were written in;
 *   - no (or an unparsable) Content-Type means "text" "plain" ("charset" "us-ascii"),
 *     or "message" "rfc822" NIL inside multipart/digest;
 *   - no Content-Transfer-Encoding means "7bit";
 *   - RFC 2231 continuations come merged; an extended value keeps its "name*" form;
 *   - a multipart or message/rfc822 part the parser did not descend into (limits,
 *     no boundary, no part) is shown as "application" "octet-stream" with NIL
 *     parameters, so the grammar (1*body) always holds;
 *   - sizes are octets of the stored bytes, lines are text lines of the body.
 */
#ifndef CAIRN_IMAP_BODYSTRUCTURE_H
#define CAIRN_IMAP_BODYSTRUCTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct mail_tree;

/* Append the body structure of part `root` of tree (0 = the whole message) to out;
   extended: BODYSTRUCTURE (with MD5, disposition, language, location), else BODY.
   msg is the message the tree was parsed from.  Iterative: no recursion. */
void bodystructure_render(struct buf *out, const unsigned char *msg, const struct mail_tree *tree,
                          uint32_t root, bool extended);

#endif
