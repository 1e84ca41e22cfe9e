/*
 * envelope.c - ENVELOPE rendering (see envelope.h).
 *
 *   envelope = "(" env-date SP env-subject SP env-from SP env-sender SP
 *              env-reply-to SP env-to SP env-cc SP env-bcc SP
 *              env-in-reply-to SP env-message-id ")"
 *
 * One pass over the header collects the first occurrence of each field.
 */
#include "imap/envelope.h"

#include "base/arena.h"
#include "base/buf.h"
#include "imap/render_util.h"
#include "mail/mail_address.h"
#include "mail/mail_header.h"

#include <string.h>

enum env_field {
	ENV_DATE,
	ENV_SUBJECT,
	ENV_FROM,
	ENV_SENDER,
	ENV_REPLY_TO,
	ENV_TO,
	ENV_CC,
	ENV_BCC,
	ENV_IN_REPLY_TO,
	ENV_MESSAGE_ID,
	ENV_COUNT
};

static const char *const env_names[ENV_COUNT] = {
        "Date", "Subject", "From", "Sender",      "Reply-To",
        "To",   "Cc",      "Bcc",  "In-Reply-To", "Message-ID",
};

static void render_address_list(struct buf *out, const struct mail_address *list)
{
	if (list == NULL) {
		buf_append_str(out, "NIL");
		return;
	}
	buf_append_char(out, '(');
	for (const struct mail_address *a = list; a != NULL; a = a->next) {
		buf_append_char(out, '(');
		render_nstring(out, a->name);
		buf_append_char(out, ' ');
		render_nstring(out, a->route);
		buf_append_char(out, ' ');
		render_nstring(out, a->mailbox);
		buf_append_char(out, ' ');
		render_nstring(out, a->host);
		buf_append_char(out, ')');
	}
	buf_append_char(out, ')');
}

void envelope_render(struct buf *out, struct arena *arena, const void *hdr, size_t len)
{
	char *values[ENV_COUNT] = {NULL};
	struct mail_header_iter it;
	struct mail_header_field f;
	mail_header_iter_init(&it, hdr, len);
	while (mail_header_iter_next(&it, &f)) {
		for (int i = 0; i < ENV_COUNT; i++) {
			if (values[i] != NULL || !mail_header_name_is(&f, env_names[i]))
				continue;
			struct buf b;
			buf_init_arena(&b, arena);
			mail_header_value_append(&b, f.value, f.value_len);
			values[i] = b.data != NULL ? b.data : arena_strdup(arena, "");
		}
	}
	struct mail_address *addrs[ENV_COUNT] = {NULL};
	for (int i = ENV_FROM; i <= ENV_BCC; i++)
		addrs[i] = values[i] != NULL ? mail_address_parse(arena, values[i]) : NULL;
	if (addrs[ENV_SENDER] == NULL)
		addrs[ENV_SENDER] = addrs[ENV_FROM];
	if (addrs[ENV_REPLY_TO] == NULL)
		addrs[ENV_REPLY_TO] = addrs[ENV_FROM];

	buf_append_char(out, '(');
	render_nstring_nonempty(out, values[ENV_DATE]);
	buf_append_char(out, ' ');
	render_nstring(out, values[ENV_SUBJECT]);
	for (int i = ENV_FROM; i <= ENV_BCC; i++) {
		buf_append_char(out, ' ');
		render_address_list(out, addrs[i]);
	}
	buf_append_char(out, ' ');
	render_nstring_nonempty(out, values[ENV_IN_REPLY_TO]);
	buf_append_char(out, ' ');
	render_nstring_nonempty(out, values[ENV_MESSAGE_ID]);
	buf_append_char(out, ')');
}
