/*
 * fetch.h - what cmd-fetch.c (parsing, the message loop) shares with fetch-body.c
 * (writing one message's items: metadata from the messages row, section bytes by
 * byte-range reads of the blob).
 */
#ifndef CAIRN_IMAPD_FETCH_H
#define CAIRN_IMAPD_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;
struct command_ctx;
struct imap_arg;
struct mailbox_fetch_row;

/* Simple items (fetch_req.items). */
#define FETCH_FLAGS (1u << 0)
#define FETCH_UID (1u << 1)
#define FETCH_INTERNALDATE (1u << 2)
#define FETCH_SIZE (1u << 3)
#define FETCH_ENVELOPE (1u << 4)
#define FETCH_BODYSTRUCTURE (1u << 5)
#define FETCH_BODY (1u << 6) /* non-extensible BODY */
#define FETCH_MODSEQ (1u << 7) /* RFC 7162; implied by CONDSTORE for flag changes */

/* One BODY[...] / BODY.PEEK[...] / RFC822* item. */
struct fetch_section {
	const char *name; /* the response item name: "BODY[1.MIME]<0>", "RFC822.HEADER" */
	const char *spec; /* upper-cased section text without the field list: "1.HEADER.FIELDS" */
	const char **fields; /* HEADER.FIELDS[.NOT] names */
	size_t n_fields;
	bool fields_not;
	bool peek;
	bool partial;
	uint32_t offset, count;
	struct fetch_section *next;
};

struct fetch_req {
	unsigned items;
	struct fetch_section *sections, **tail;
	bool set_seen; /* a non-PEEK body item: \Seen is set first */
	uint64_t changedsince; /* CHANGEDSINCE modifier (RFC 7162 3.1.4.1); 0: none */
	bool vanished; /* VANISHED modifier (RFC 7162 3.2.6, UID FETCH under QRESYNC) */
};

/*
 * Parse the fetch attribute(s) of cmd (the argument after the set) into req.
 * 0, or -1 with *error_r for a BAD reply.
 */
int fetch_parse(struct command_ctx *cmd, const struct imap_arg *arg, struct fetch_req *req,
                const char **error_r);

/*
 * Write "* seq FETCH (...)\r\n" for row.  with_flags forces FLAGS (after \Seen was
 * set by this FETCH).  Section bytes are read from the blob store before anything is
 * written: 0, or -1 with *error_r and nothing written when they cannot be read (a
 * storage failure never becomes message content).
 */
int fetch_write_message(struct command_ctx *cmd, const struct fetch_req *req,
                        const struct mailbox_fetch_row *row, uint32_t seq, bool with_flags,
                        struct arena *arena, const char **error_r);

#endif
