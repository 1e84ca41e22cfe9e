/*
 * conn.h - the one buffered connection type for network I/O.
 *
 * A worker serves one client per process, so the interface is blocking: every read
 * waits (with poll() and a timeout) until it can complete.  Underneath, the fd is
 * non-blocking so that a timeout also bounds writes to a client that stops reading,
 * and so layers can sit under the same code: TLS (tls.h) and DEFLATE
 * (conn-deflate.h) are pushed onto a stack whose bottom is the fd (conn-layer.h).
 *
 * Input:  conn_read_line() (length limit, CRLF stripped), conn_read_exact(),
 *         conn_read_chunk() / conn_read_stream() for literals of any size.
 * Output: conn_write*() append to an output buffer ("corked"); conn_flush() sends it,
 *         once per reply batch.  conn_write_direct() / conn_write_fd() send big data
 *         (an mmap'd blob, a file) without copying all of it into the buffer.
 *
 * Results of the read functions (and conn_flush) are 0 (CONN_OK) or one of the
 * negative enum conn_status values below, always with *error_r set to a message for
 * the log.  Write errors are sticky: once one failed, later writes are dropped and
 * the next conn_flush() reports it.
 *
 * Processes using conn must ignore SIGPIPE (lib/service does): plain sockets are
 * written with MSG_NOSIGNAL, but OpenSSL writes with write(2).
 */
#ifndef CAIRN_CONN_H
#define CAIRN_CONN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct conn;

enum conn_status {
	CONN_OK = 0,
	CONN_ERROR = -1, /* I/O or protocol (TLS) error: the connection is unusable */
	CONN_EOF = -2, /* the peer closed the connection (mid-line or mid-literal included) */
	CONN_TIMEOUT = -3, /* nothing arrived (or could be sent) within the timeout */
	CONN_TOO_LONG = -4, /* conn_read_line: the line exceeded the limit and was discarded */
};

/*
 * Take ownership of a connected fd (closed by conn_free).  Sets O_NONBLOCK and, on a
 * TCP socket, TCP_NODELAY: we cork in user space, so Nagle would only add a delayed-
 * ACK wait to every reply.  Default timeouts: read none, write 300 s.
 */
struct conn *conn_new(int fd);

/*
 * The same, but conn_free() leaves the fd open: for lib/service serve() callbacks,
 * whose skeleton closes the client socket itself after serve() returns.
 */
struct conn *conn_new_borrowed(int fd);

/*
 * Send TLS close_notify if TLS is on (best effort), close the fd (unless borrowed),
 * free; *c = NULL.  Unflushed output is dropped: flush first.
 */
void conn_free(struct conn **c);

/* The fd, for poll()ing it together with other fds (e.g. during IDLE). */
int conn_fd(const struct conn *c);

/*
 * Timeouts in milliseconds, -1 = wait forever.  A read (write) times out when no byte
 * could be received (sent) for that long: it bounds inactivity, not the length of a
 * whole transfer, so a large literal over a slow link is fine.
 */
void conn_set_timeouts(struct conn *c, int read_ms, int write_ms);

/*
 * 1 if input is already buffered (in conn, or inside any layer: decrypted TLS
 * records, inflated DEFLATE output), so poll() on the fd would not see it: check
 * this before sleeping in poll().
 */
int conn_has_input(const struct conn *c);

/* Bytes received / sent so far, as the caller sees them (inside all layers). */
uint64_t conn_bytes_in(const struct conn *c);
uint64_t conn_bytes_out(const struct conn *c);

/*
 * Read one line of at most max_len bytes (not counting its CRLF or LF).  On CONN_OK
 * *line_r points to the line without CRLF, NUL-terminated, valid until the next read
 * call; *len_r is its length (it may contain NUL bytes: the caller decides).
 * A longer line is consumed and thrown away up to its LF, with memory bounded by
 * max_len, and CONN_TOO_LONG is returned: the caller can answer BAD and read on.
 */
int conn_read_line(struct conn *c, size_t max_len, const char **line_r, size_t *len_r,
                   const char **error_r);

/*
 * Return between 1 and max bytes of input (buffered first, else one read from the
 * peer) without copying: *data_r is valid until the next read call.
 */
int conn_read_chunk(struct conn *c, size_t max, const void **data_r, size_t *len_r,
                    const char **error_r);

/* Read exactly len bytes into dst. */
int conn_read_exact(struct conn *c, void *dst, size_t len, const char **error_r);

/*
 * Read exactly len bytes (a literal of any size) and hand them to fn in chunks of at
 * most one buffer, so memory stays bounded.  fn returns 0 to go on or -1 to stop
 * (with its own *error_r): conn_read_stream then returns CONN_ERROR and the rest of
 * the literal is left unread.  fn == NULL discards the bytes (e.g. a refused
 * non-synchronising literal).
 */
int conn_read_stream(struct conn *c, uint64_t len,
                     int (*fn)(void *ctx, const void *data, size_t len, const char **error_r),
                     void *ctx, const char **error_r);

/*
 * Throw away all buffered input; returns how many bytes that was.  conn_start_tls()
 * uses it so that plaintext pipelined after STARTTLS never reaches the TLS session.
 */
size_t conn_discard_input(struct conn *c);

/*
 * Put len bytes back in front of the buffered input: the next read returns them
 * first.  For a caller that read ahead past a command that changes the framing
 * (imapd's parser buffer holds what followed COMPRESS): unread the rest, then push
 * the layer, which takes it over as its first input.
 */
void conn_unread(struct conn *c, const void *data, size_t len);

/* Corked writes: append to the output buffer (flushed early if it grows past 64 KiB). */
void conn_write(struct conn *c, const void *data, size_t len);
void conn_write_str(struct conn *c, const char *s);
void conn_printf(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void conn_vprintf(struct conn *c, const char *fmt, va_list ap);

/* Bytes in the output buffer, not yet flushed. */
size_t conn_output_pending(const struct conn *c);

/*
 * Send everything buffered, in conn and in every layer (DEFLATE: a sync flush, so
 * the peer can decompress all of it).  Returns CONN_OK, CONN_ERROR or CONN_TIMEOUT.
 */
int conn_flush(struct conn *c, const char **error_r);

/*
 * Send len bytes from data (e.g. an mmap'd blob) after what is buffered.  Small data
 * is copied into the buffer; large data is handed to the top layer directly, in one
 * writev with what is buffered (on a plain socket: no copy at all).  A layer that
 * buffers (DEFLATE) may hold some of it until the next conn_flush().
 */
int conn_write_direct(struct conn *c, const void *data, size_t len, const char **error_r);

/*
 * Send len bytes of file fd starting at offset, after what is buffered.  sendfile(2)
 * is used only when no layer is pushed (the top of the stack is the socket); under
 * TLS or DEFLATE the file is read in pieces through the output buffer and the layers.
 * A file shorter than offset + len is an error.
 */
int conn_write_fd(struct conn *c, int fd, off_t offset, uint64_t len, const char **error_r);

#endif
