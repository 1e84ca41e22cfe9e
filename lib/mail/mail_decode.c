/*
 * mail_decode.c - base64 and quoted-printable decoding (see mail_decode.h).
 */
#include "mail/mail_decode.h"

#include "base/base64.h"
#include "base/buf.h"

void mail_base64_decode(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned int acc = 0, bits = 0;
	buf_reserve(out, len / 4 * 3 + 3);
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '=')
			break;
		int v = base64_char_value(p[i]);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_append_char(out, (char)((acc >> bits) & 0xFF));
		}
	}
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Index just past a soft line break starting at p[i] ('='), or 0 when there is none. */
static size_t qp_soft_break(const unsigned char *p, size_t i, size_t len)
{
	size_t j = i + 1;
	while (j < len && (p[j] == ' ' || p[j] == '\t'))
		j++;
	if (j < len && p[j] == '\r')
		j++;
	if (j < len && p[j] == '\n')
		return j + 1;
	return j == len ? len : 0;
}

void mail_qp_decode(struct buf *out, const void *data, size_t len, bool rfc2047_q)
{
	const unsigned char *p = data;
	buf_reserve(out, len);
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		if (c == '_' && rfc2047_q) {
			buf_append_char(out, ' ');
			i++;
		} else if (c != '=') {
			buf_append_char(out, (char)c);
			i++;
		} else if (i + 2 < len && hex_value(p[i + 1]) >= 0 && hex_value(p[i + 2]) >= 0) {
			buf_append_char(out,
			                (char)(hex_value(p[i + 1]) * 16 + hex_value(p[i + 2])));
			i += 3;
		} else if (!rfc2047_q && qp_soft_break(p, i, len) > 0) {
			i = qp_soft_break(p, i, len);
		} else {
			buf_append_char(out, '=');
			i++;
		}
	}
}
