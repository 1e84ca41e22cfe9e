/*
 * saslprep.h - RFC 4013 SASLprep (a subset) for passwords and SASL user names.
 *
 * What is implemented: ASCII exactly as the RFC says (printable ASCII and SPACE pass
 * unchanged; control characters are prohibited), and for non-ASCII text the
 * mapping steps (RFC 3454 B.1 "mapped to nothing", C.1.2 non-ASCII spaces to SPACE)
 * and the prohibition tables C.2-C.9, with strict UTF-8 decoding (overlongs and
 * surrogates refused).
 *
 * What is NOT implemented: NFKC normalisation, the bidirectional-text check and the
 * unassigned-code-point check.  A non-ASCII password whose NFKC form differs from
 * its bytes (compatibility characters such as U+00AA or U+2168, decomposed accents)
 * can therefore disagree with a client that implements full SASLprep.  Precomposed
 * (NFC) Latin, Greek and Cyrillic letters are NFKC-stable and work.
 */
#ifndef CAIRN_SASLPREP_H
#define CAIRN_SASLPREP_H

#include <stddef.h>

struct buf;

/*
 * Prepare the NUL-terminated UTF-8 string in, appending the result to out.  Returns
 * 0, or -1 with *error_r set for invalid UTF-8, a prohibited character or an empty
 * result.
 */
int saslprep(const char *in, struct buf *out, const char **error_r);

/* 1 if s[0..len) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int saslprep_utf8_valid(const char *s, size_t len);

#endif
