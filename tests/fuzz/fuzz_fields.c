/*
 * fuzz_fields.c - libFuzzer target for the header value parsers: address lists,
 * RFC 2047 words, Content-Type with RFC 2231 parameters, Content-Language, dates,
 * and the ENVELOPE renderer over the input as a header block.
 *
 *   make fuzz && build/fuzz/fuzz_fields -max_total_time=60
 */
#include "base/arena.h"
#include "base/buf.h"
#include "imap/envelope.h"
#include "imap/section.h"
#include "mail/mail_address.h"
#include "mail/mail_charset.h"
#include "mail/mail_content.h"
#include "mail/mail_date.h"
#include "mail/mail_rfc2047.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new(0);
	struct buf clean = BUF_INIT, out = BUF_INIT;
	/* The parsers take header values already made clean (as mail_header does). */
	mail_utf8_append_sanitized(&clean, data, size);
	const char *v = buf_cstr(&clean);

	mail_address_format_decoded(&out, mail_address_parse(a, v));
	mail_rfc2047_decode(&out, v, clean.len);
	struct mail_content c;
	mail_content_type_parse(a, v, &c);
	(void)mail_param_get(a, &c, "boundary");
	(void)mail_param_get(a, &c, "name");
	mail_content_disposition_parse(a, v, &c);
	char **tags;
	(void)mail_content_language_parse(a, v, &tags);
	(void)mail_date_parse(v);
	envelope_render(&out, a, data, size);
	if (!mail_utf8_is_clean(out.data, out.len))
		abort();
	const char *names[] = {"From", "to"};
	section_header_filter(data, size, names, 2, size % 2 == 0, &out);

	struct section_range r;
	const char *error;
	(void)section_lookup(data, size, "1.2.HEADER", &r, &error);
	buf_free(&clean);
	buf_free(&out);
	arena_free(&a);
	return 0;
}
