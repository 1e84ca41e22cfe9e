/*
 * fetch-body.c - one message's FETCH response (fetch.h): metadata straight from
 * the messages row (rendered ENVELOPE / BODYSTRUCTURE, sizes, dates: the blob is
 * never opened for them), and BODY[section]<partial> by a byte-range read of the
 * blob at the offsets of the stored section map (lib/imap/section.h).
 *
 * Large section data goes to the client with conn_write_direct(), so a big
 * message is held once (the read buffer), not copied again into the output
 * buffer.  Exports fetch_write_message.
 */
#include "imapd/fetch.h"

#include "imapd/commands.h"
#include "imapd/mailbox-view.h"
#include "imapd/msg-common.h"
#include "imapd/session.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/conn.h"
#include "base/log.h"
#include "imap/flags.h"
#include "imap/imap_date.h"
#include "imap/section.h"
#include "store/blob.h"
#include "store/mailbox_msgs.h"

#include <string.h>

/* Section data bigger than this bypasses the output buffer. */
#define FETCH_DIRECT_MIN (64 * 1024)

/* Without a section map (the message could not be parsed): whole, header, text. */
static int fetch_range_fallback(const struct mailbox_fetch_row *row, const char *spec,
                                struct section_range *r)
{
	r->text = SECTION_BODY;
	if (spec[0] == '\0' || strcmp(spec, "1") == 0) {
		r->offset = spec[0] ? row->header_size : 0;
		r->length = row->size - r->offset;
	} else if (strncmp(spec, "HEADER", 6) == 0) {
		r->offset = 0;
		r->length = row->header_size;
		r->text = spec[6] == '\0'                ? SECTION_HEADER
		          : strstr(spec, ".NOT") != NULL ? SECTION_HEADER_FIELDS_NOT
		                                         : SECTION_HEADER_FIELDS;
	} else if (strcmp(spec, "TEXT") == 0) {
		r->offset = row->header_size;
		r->length = row->size - row->header_size;
		r->text = SECTION_TEXT;
	} else {
		return -1;
	}
	return 0;
}

/*
 * The bytes of sec for row into data.  0 (a section the message does not have is
 * empty), -1 with *error_r when the blob cannot be read.
 */
static int fetch_section_data(struct imap_session *s, const struct fetch_section *sec,
                              const struct mailbox_fetch_row *row, struct buf *data,
                              const char **error_r)
{
	struct section_range range;
	const char *error;
	int r = row->parts != NULL
	                ? section_lookup(row->parts, row->parts_len, sec->spec, &range, &error)
	                : fetch_range_fallback(row, sec->spec, &range);
	if (r < 0)
		return 0;
	struct blob_store *blobs = msg_blobs(s, error_r);
	struct blob_id id;
	memcpy(id.sha256, row->sha256, BLOB_ID_LEN);
	if (blobs == NULL)
		return -1;
	bool fields =
	        range.text == SECTION_HEADER_FIELDS || range.text == SECTION_HEADER_FIELDS_NOT;
	if (fields) {
		struct buf hdr = BUF_INIT;
		r = blob_read(blobs, &id, range.offset, (size_t)range.length, &hdr, error_r);
		if (r == 0)
			section_header_filter(hdr.data, hdr.len, sec->fields, sec->n_fields,
			                      range.text == SECTION_HEADER_FIELDS_NOT, data);
		buf_free(&hdr);
		if (r < 0 || !sec->partial)
			return r;
		/* Partial of a filtered header: cut the filtered bytes. */
		size_t off = sec->offset < data->len ? sec->offset : data->len;
		size_t len = data->len - off < sec->count ? data->len - off : sec->count;
		if (len > 0)
			memmove(data->data, data->data + off, len);
		buf_truncate(data, len);
		return 0;
	}
	uint64_t off = range.offset, len = range.length;
	if (sec->partial) {
		uint64_t skip = sec->offset < len ? sec->offset : len;
		off += skip;
		len = len - skip < sec->count ? len - skip : sec->count;
	}
	return len == 0 ? 0 : blob_read(blobs, &id, off, (size_t)len, data, error_r);
}

/* " NAME {n}\r\n<bytes>" of one section whose bytes are in data. */
static void fetch_write_section(struct command_ctx *cmd, const struct fetch_section *sec,
                                struct buf *data, const char *sep, struct buf *out)
{
	struct imap_session *s = cmd->s;
	const char *error;
	buf_printf(out, "%s%s ", sep, sec->name);
	/* RFC 3501 forbids NUL in a literal; only our copy of the bytes changes. */
	for (char *p = data->len ? memchr(data->data, '\0', data->len) : NULL; p != NULL;
	     p = memchr(p, '\0', data->len - (size_t)(p - data->data)))
		*p = (char)0x80;
	buf_printf(out, "{%zu}\r\n", data->len);
	if (data->len >= FETCH_DIRECT_MIN) {
		conn_write(s->conn, out->data, out->len);
		buf_reset(out);
		if (conn_write_direct(s->conn, data->data, data->len, &error) < 0)
			log_debug("fetch_write", "error=%s", log_q(error));
	} else if (data->len > 0) {
		buf_append(out, data->data, data->len);
	}
}

/* The bytes of every section of req for row, in order; -1 with *error_r (and nothing
 * kept) when one cannot be read. */
static int fetch_load_sections(struct command_ctx *cmd, const struct fetch_req *req,
                               const struct mailbox_fetch_row *row, struct arena *arena,
                               struct buf **datas_r, const char **error_r)
{
	size_t n = 0, i = 0;
	for (const struct fetch_section *sec = req->sections; sec != NULL; sec = sec->next)
		n++;
	struct buf *datas = n ? arena_zalloc(arena, n * sizeof(*datas)) : NULL;
	for (const struct fetch_section *sec = req->sections; sec != NULL; sec = sec->next, i++) {
		if (fetch_section_data(cmd->s, sec, row, &datas[i], error_r) < 0) {
			for (size_t j = 0; j <= i; j++)
				buf_free(&datas[j]);
			return -1;
		}
	}
	*datas_r = datas;
	return 0;
}

static void fetch_write_meta(struct command_ctx *cmd, const struct fetch_req *req,
                             const struct mailbox_fetch_row *row, bool with_flags, struct buf *out)
{
	const struct mailbox_view *v = cmd->s->view;
	const char *sep = "";
	if (req->items & FETCH_UID) {
		buf_printf(out, "UID %u", row->m.uid);
		sep = " ";
	}
	if ((req->items & FETCH_FLAGS) || with_flags) {
		buf_printf(out, "%sFLAGS ", sep);
		mailbox_view_format_flags(v,
		                          (row->m.flags & IMAP_FLAGS_STORED) |
		                                  mailbox_view_recent_flag(v, row->m.uid),
		                          row->m.keywords, row->m.n_keywords, out);
		sep = " ";
	}
	/* Under CONDSTORE a flag change (FETCH of a non-PEEK body) carries MODSEQ too. */
	if ((req->items & FETCH_MODSEQ) || (with_flags && v->condstore)) {
		buf_printf(out, "%sMODSEQ (%llu)", sep, (unsigned long long)row->m.modseq);
		sep = " ";
	}
	if (req->items & FETCH_INTERNALDATE) {
		buf_printf(out, "%sINTERNALDATE ", sep);
		imap_datetime_format((time_t)row->internaldate, 0, out);
		sep = " ";
	}
	if (req->items & FETCH_SIZE) {
		buf_printf(out, "%sRFC822.SIZE %llu", sep, (unsigned long long)row->size);
		sep = " ";
	}
	if (req->items & FETCH_ENVELOPE) {
		buf_printf(out, "%sENVELOPE %s", sep,
		           row->envelope ? row->envelope
		                         : "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
		sep = " ";
	}
	/* An unparsed message shows as one text/plain part of its size. */
	if (req->items & FETCH_BODYSTRUCTURE) {
		buf_printf(out, "%sBODYSTRUCTURE %s", sep,
		           row->bodystructure
		                   ? row->bodystructure
		                   : "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0 NIL NIL "
		                     "NIL NIL)");
		sep = " ";
	}
	if (req->items & FETCH_BODY)
		buf_printf(out, "%sBODY %s", sep,
		           row->body ? row->body : "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)");
}

int fetch_write_message(struct command_ctx *cmd, const struct fetch_req *req,
                        const struct mailbox_fetch_row *row, uint32_t seq, bool with_flags,
                        struct arena *arena, const char **error_r)
{
	struct buf *datas;
	if (fetch_load_sections(cmd, req, row, arena, &datas, error_r) < 0)
		return -1;
	struct buf out;
	buf_init_arena(&out, arena);
	buf_printf(&out, "* %u FETCH (", seq);
	size_t start = out.len, i = 0;
	fetch_write_meta(cmd, req, row, with_flags, &out);
	bool first = out.len == start;
	for (const struct fetch_section *sec = req->sections; sec != NULL; sec = sec->next, i++) {
		fetch_write_section(cmd, sec, &datas[i], first ? "" : " ", &out);
		buf_free(&datas[i]);
		first = false;
	}
	buf_append_str(&out, ")\r\n");
	conn_write(cmd->s->conn, out.data, out.len);
	return 0;
}
