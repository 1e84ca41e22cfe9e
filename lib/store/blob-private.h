/*
 * blob-private.h - the backend interface behind blob.h.  Each backend is one
 * file (blob_fs.c, later blob_s3.c) exporting a struct blob_backend.
 */
#ifndef CAIRN_STORE_BLOB_PRIVATE_H
#define CAIRN_STORE_BLOB_PRIVATE_H

#include "blob.h"
#include "store-util.h"

struct blob_backend {
	const char *scheme; /* "fs" */
	/* Open the backend at location (the part after "scheme:"). */
	void *(*open)(const char *location, const char **error_r);
	void (*close)(void *ctx);
	/* Store data as id; *created_r = 0 when the same bytes were there already. */
	int (*put)(void *ctx, const struct blob_id *id, const void *data, size_t len,
	           int *created_r, const char **error_r);
	int (*read)(void *ctx, const struct blob_id *id, uint64_t offset, size_t len,
	            struct buf *out, const char **error_r);
	int (*stat)(void *ctx, const struct blob_id *id, uint64_t *size_r, const char **error_r);
	int (*delete)(void *ctx, const struct blob_id *id, const char **error_r);
	uint64_t (*fsync_count)(const void *ctx);
	/* Call cb for every stored blob, any order; a non-zero cb result stops the walk and
	 * is returned.  -1 with *error_r when the store cannot be listed. */
	int (*list)(void *ctx, blob_list_cb cb, void *cb_ctx, const char **error_r);
};

extern const struct blob_backend blob_backend_fs;

#endif
