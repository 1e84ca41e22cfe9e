/*
 * blob.h - the content-addressed blob store of DESIGN.md section 3.
 *
 * A blob is an immutable byte string named by its SHA-256.  Message bytes live
 * here and nowhere else; PostgreSQL holds only their index.  The store has one
 * interface and several backends (blob_fs.c: a directory on local disk or on a
 * filesystem shared by several nodes; later blob_s3.c), chosen when opening.
 *
 * Every function is synchronous and returns 0 on success or -1 with *error_r set
 * to a one-line message (static storage, valid until the next call).
 */
#ifndef CAIRN_STORE_BLOB_H
#define CAIRN_STORE_BLOB_H

#include <stddef.h>
#include <stdint.h>

#define BLOB_ID_LEN 32
#define BLOB_HEX_LEN 64

struct buf;
struct blob_store;

/* A blob's name: its SHA-256. */
struct blob_id {
	unsigned char sha256[BLOB_ID_LEN];
};

/*
 * Open the store at location.  "DIR" or "fs:DIR" selects the directory backend
 * (created, with DIR/tmp, when missing).  NULL with *error_r on failure.
 */
struct blob_store *blob_store_open(const char *location, const char **error_r);
/* Close and free; sets *store to NULL. */
void blob_store_close(struct blob_store **store);

/* SHA-256 of data (the name a blob of these bytes gets). */
void blob_id_compute(const void *data, size_t len, struct blob_id *id_r);
/* Lower-case hex of id into hex_r (BLOB_HEX_LEN + 1 bytes, NUL-terminated). */
void blob_id_hex(const struct blob_id *id, char *hex_r);
/* Parse 64 hex digits; -1 when s is not exactly that. */
int blob_id_parse(const char *s, struct blob_id *id_r);

/*
 * Store data durably under its SHA-256 (written to *id_r).  Returns only after
 * the bytes and the name are on stable storage (file and directory fsynced); a
 * blob that already exists with the same size is not written again.  Safe against
 * concurrent puts of the same bytes from any process or node.
 */
int blob_put(struct blob_store *store, const void *data, size_t len, struct blob_id *id_r,
             const char **error_r);

/*
 * blob_put, also saying whether this call wrote the blob: *created_r = 1 when the
 * name did not exist (or held a damaged copy, now replaced), 0 when the same bytes
 * were there already.  Delivery uses it to skip a database lookup for new blobs
 * and to know that garbage collection cannot have removed the file meanwhile.
 */
int blob_put_created(struct blob_store *store, const void *data, size_t len, struct blob_id *id_r,
                     int *created_r, const char **error_r);

/*
 * Append len bytes of blob id from offset to out (fewer when the blob ends
 * first; len SIZE_MAX = to the end).  -1 when the blob does not exist.
 */
int blob_read(struct blob_store *store, const struct blob_id *id, uint64_t offset, size_t len,
              struct buf *out, const char **error_r);

/* Size of blob id: 0 and *size_r, or -1 (with *error_r) when it does not exist. */
int blob_stat(struct blob_store *store, const struct blob_id *id, uint64_t *size_r,
              const char **error_r);

/*
 * Remove blob id (for garbage collection, which must hold the blob's database
 * row lock while calling this).  Removing a missing blob succeeds.
 */
int blob_delete(struct blob_store *store, const struct blob_id *id, const char **error_r);

/* Number of fsync(2) calls this process made in blob_put (for benchmarks/tests). */
uint64_t blob_fsync_count(const struct blob_store *store);

/* Called by blob_list for each blob; non-zero stops the walk. */
typedef int (*blob_list_cb)(void *ctx, const struct blob_id *id, uint64_t size);
/*
 * Call cb for every blob in the store (any backend; gc and verify find files without
 * a database row this way).  0, cb's non-zero result, or -1 with *error_r.
 */
int blob_list(struct blob_store *store, blob_list_cb cb, void *ctx, const char **error_r);

#endif
