/*
 * conn-deflate.h - a DEFLATE layer for struct conn: raw deflate (RFC 1951, no zlib
 * or gzip header) in both directions with a sync flush at every conn_flush(), which
 * is what IMAP COMPRESS=DEFLATE (RFC 4978) puts on the wire.  zlib underneath.
 *
 * Memory per connection: zlib's state (about 256 KiB to compress at memLevel 8,
 * 44 KiB to decompress) plus three 16 KiB buffers.  A read never inflates more
 * than the caller asked for plus 16 KiB, so a compression bomb (a few KiB that
 * inflate to gigabytes) is just a long input stream: conn_read_line() discards
 * an over-long line with memory bounded by its limit, as without compression.
 */
#ifndef CAIRN_CONN_DEFLATE_H
#define CAIRN_CONN_DEFLATE_H

struct conn;

/*
 * Push a DEFLATE layer on c (above TLS if TLS is on).  Flushes pending output first
 * (the reply to COMPRESS goes out uncompressed), then every later byte in either
 * direction is compressed.  Input already buffered in conn (sent by the peer right
 * after the command) is treated as compressed and inflated first.  level is zlib's
 * 0..9, or -1 for its default (6).  Fails if DEFLATE is already on.  On failure the
 * conn is unchanged unless the flush failed (then it is unusable: close it).
 */
int conn_deflate_start(struct conn *c, int level, const char **error_r);

/* 1 if a DEFLATE layer is on c. */
int conn_deflate_active(const struct conn *c);

#endif
