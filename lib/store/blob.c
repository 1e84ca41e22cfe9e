/*
 * blob.c - the blob store front end: picks a backend by location prefix, names
 * blobs by SHA-256, and forwards calls (see blob.h).  Backends: blob_fs.c.
 */
#include "blob-private.h"

#include "base/buf.h"
#include "base/xalloc.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

struct blob_store {
	const struct blob_backend *backend;
	void *ctx;
};

static const struct blob_backend *const blob_backends[] = {
        &blob_backend_fs,
        NULL,
};

struct blob_store *blob_store_open(const char *location, const char **error_r)
{
	const struct blob_backend *backend = &blob_backend_fs;
	const char *colon = strchr(location, ':');
	/* "scheme:rest" selects a backend; a bare path (no known scheme) is fs. */
	for (int i = 0; colon != NULL && blob_backends[i]; i++) {
		size_t n = strlen(blob_backends[i]->scheme);
		if ((size_t)(colon - location) == n &&
		    strncmp(location, blob_backends[i]->scheme, n) == 0) {
			backend = blob_backends[i];
			location = colon + 1;
			break;
		}
	}
	void *ctx = backend->open(location, error_r);
	if (ctx == NULL)
		return NULL;
	struct blob_store *store = xcalloc(1, sizeof(*store));
	store->backend = backend;
	store->ctx = ctx;
	return store;
}

void blob_store_close(struct blob_store **storep)
{
	struct blob_store *store = *storep;
	if (store == NULL)
		return;
	store->backend->close(store->ctx);
	XFREE(*storep);
}

void blob_id_compute(const void *data, size_t len, struct blob_id *id_r)
{
	unsigned int outlen = BLOB_ID_LEN;
	if (EVP_Digest(data, len, id_r->sha256, &outlen, EVP_sha256(), NULL) != 1)
		abort(); /* only fails when OpenSSL itself is broken */
}

void blob_id_hex(const struct blob_id *id, char *hex_r)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < BLOB_ID_LEN; i++) {
		hex_r[2 * i] = digits[id->sha256[i] >> 4];
		hex_r[2 * i + 1] = digits[id->sha256[i] & 15];
	}
	hex_r[BLOB_HEX_LEN] = '\0';
}

static int blob_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int blob_id_parse(const char *s, struct blob_id *id_r)
{
	if (strlen(s) != BLOB_HEX_LEN)
		return -1;
	for (int i = 0; i < BLOB_ID_LEN; i++) {
		int hi = blob_hex_digit(s[2 * i]), lo = blob_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		id_r->sha256[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int blob_put(struct blob_store *store, const void *data, size_t len, struct blob_id *id_r,
             const char **error_r)
{
	int created;
	return blob_put_created(store, data, len, id_r, &created, error_r);
}

int blob_put_created(struct blob_store *store, const void *data, size_t len, struct blob_id *id_r,
                     int *created_r, const char **error_r)
{
	blob_id_compute(data, len, id_r);
	return store->backend->put(store->ctx, id_r, data, len, created_r, error_r);
}

int blob_read(struct blob_store *store, const struct blob_id *id, uint64_t offset, size_t len,
              struct buf *out, const char **error_r)
{
	return store->backend->read(store->ctx, id, offset, len, out, error_r);
}

int blob_stat(struct blob_store *store, const struct blob_id *id, uint64_t *size_r,
              const char **error_r)
{
	return store->backend->stat(store->ctx, id, size_r, error_r);
}

int blob_delete(struct blob_store *store, const struct blob_id *id, const char **error_r)
{
	return store->backend->delete (store->ctx, id, error_r);
}

uint64_t blob_fsync_count(const struct blob_store *store)
{
	return store->backend->fsync_count(store->ctx);
}

int blob_list(struct blob_store *store, blob_list_cb cb, void *ctx, const char **error_r)
{
	return store->backend->list(store->ctx, cb, ctx, error_r);
}
