/*
 * blob_test.c - the directory blob store: naming, layout, durability protocol
 * (temp + link + EEXIST), byte-range reads, damaged-copy repair, concurrency, list().
 */
#include "unit.h"

#include "base/buf.h"
#include "store/blob.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char blob_root[256];

static int blob_suite_init(void)
{
	snprintf(blob_root, sizeof(blob_root), "/tmp/cairn-blob-test.XXXXXX");
	return mkdtemp(blob_root) ? 0 : -1;
}

static int blob_suite_cleanup(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", blob_root);
	return system(cmd) == 0 ? 0 : -1;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_id_hex_known_vector(void)
{
	struct blob_id id, back;
	char hex[BLOB_HEX_LEN + 1];
	blob_id_compute("abc", 3, &id);
	blob_id_hex(&id, hex);
	CU_ASSERT_STRING_EQUAL(hex,
	                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CU_ASSERT_EQUAL(blob_id_parse(hex, &back), 0);
	CU_ASSERT(memcmp(back.sha256, id.sha256, BLOB_ID_LEN) == 0);
	CU_ASSERT_EQUAL(blob_id_parse("zz", &back), -1);
	hex[5] = 'g';
	CU_ASSERT_EQUAL(blob_id_parse(hex, &back), -1);
}

static void test_put_layout_and_read(void)
{
	const char *error = NULL;
	struct blob_store *st = blob_store_open(blob_root, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	const char msg[] = "Subject: hi\r\n\r\nbody\0with NUL\r\n";
	struct blob_id id;
	CU_ASSERT_EQUAL(blob_put(st, msg, sizeof(msg) - 1, &id, &error), 0);
	char hex[BLOB_HEX_LEN + 1], path[512];
	blob_id_hex(&id, hex);
	snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", blob_root, hex, hex + 2, hex);
	struct stat sb;
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL((size_t)sb.st_size, sizeof(msg) - 1);
	CU_ASSERT(blob_fsync_count(st) >= 2); /* file + directory at least */

	struct buf out = BUF_INIT;
	CU_ASSERT_EQUAL(blob_read(st, &id, 0, SIZE_MAX, &out, &error), 0);
	CU_ASSERT_EQUAL(out.len, sizeof(msg) - 1);
	CU_ASSERT(memcmp(out.data, msg, out.len) == 0);
	buf_reset(&out);
	CU_ASSERT_EQUAL(blob_read(st, &id, 9, 2, &out, &error), 0);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "hi");
	buf_reset(&out);
	CU_ASSERT_EQUAL(blob_read(st, &id, 1000, 5, &out, &error), 0);
	CU_ASSERT_EQUAL(out.len, 0);
	uint64_t size = 0;
	CU_ASSERT_EQUAL(blob_stat(st, &id, &size, &error), 0);
	CU_ASSERT_EQUAL(size, sizeof(msg) - 1);
	buf_free(&out);
	blob_store_close(&st);
	CU_ASSERT_PTR_NULL(st);
}

/*
 * A root process (cairnctl import/gc) writing into a root owned by the service user
 * hands what it creates to that user, so the daemons can still write there.  As a
 * normal user nothing may change owner.
 */
static void test_new_entries_take_root_owner(void)
{
	char root[300];
	snprintf(root, sizeof(root), "%s/owned", blob_root);
	CU_ASSERT_EQUAL_FATAL(mkdir(root, 0750), 0);
	uid_t want_uid = geteuid() == 0 ? 65534 : geteuid();
	gid_t want_gid = geteuid() == 0 ? 65534 : getegid();
	CU_ASSERT_EQUAL_FATAL(chown(root, want_uid, want_gid), 0);
	const char *error = NULL;
	struct blob_store *st = blob_store_open(root, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	struct blob_id id;
	CU_ASSERT_EQUAL(blob_put(st, "owned blob\r\n", 12, &id, &error), 0);
	char hex[BLOB_HEX_LEN + 1], path[512];
	blob_id_hex(&id, hex);
	const char *fmt[] = {"%s/tmp", "%s/%.2s", "%s/%.2s/%.2s", "%s/%.2s/%.2s/%s"};
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), fmt[i], root, hex, hex + 2, hex);
		struct stat sb;
		CU_ASSERT_EQUAL_FATAL(stat(path, &sb), 0);
		CU_ASSERT_EQUAL(sb.st_uid, want_uid);
		CU_ASSERT_EQUAL(sb.st_gid, want_gid);
	}
	blob_store_close(&st);
}

static void test_put_twice_is_one_file_and_no_temp_left(void)
{
	const char *error = NULL;
	struct blob_store *st = blob_store_open(blob_root, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	struct blob_id a, b;
	CU_ASSERT_EQUAL(blob_put(st, "same bytes", 10, &a, &error), 0);
	CU_ASSERT_EQUAL(blob_put(st, "same bytes", 10, &b, &error), 0);
	CU_ASSERT(memcmp(a.sha256, b.sha256, BLOB_ID_LEN) == 0);
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s/tmp", blob_root);
	CU_ASSERT_EQUAL(count_entries(tmp), 0);
	blob_store_close(&st);
}

static void test_damaged_copy_is_replaced(void)
{
	const char *error = NULL;
	struct blob_store *st = blob_store_open(blob_root, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	struct blob_id id;
	CU_ASSERT_EQUAL(blob_put(st, "0123456789", 10, &id, &error), 0);
	char hex[BLOB_HEX_LEN + 1], path[512];
	blob_id_hex(&id, hex);
	snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", blob_root, hex, hex + 2, hex);
	CU_ASSERT_EQUAL(truncate(path, 3), 0);
	CU_ASSERT_EQUAL(blob_put(st, "0123456789", 10, &id, &error), 0);
	uint64_t size = 0;
	CU_ASSERT_EQUAL(blob_stat(st, &id, &size, &error), 0);
	CU_ASSERT_EQUAL(size, 10);
	blob_store_close(&st);
}

/* blob_put_created: 1 for a new name or a repaired copy, 0 when the bytes were there. */
static void test_put_created(void)
{
	const char *error = NULL;
	struct blob_store *st = blob_store_open(blob_root, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	struct blob_id id;
	int created = -1;
	CU_ASSERT_EQUAL(blob_put_created(st, "created once", 12, &id, &created, &error), 0);
	CU_ASSERT_EQUAL(created, 1);
	CU_ASSERT_EQUAL(blob_put_created(st, "created once", 12, &id, &created, &error), 0);
	CU_ASSERT_EQUAL(created, 0);
	char hex[BLOB_HEX_LEN + 1], path[512];
	blob_id_hex(&id, hex);
	snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", blob_root, hex, hex + 2, hex);
	CU_ASSERT_EQUAL(truncate(path, 1), 0);
	CU_ASSERT_EQUAL(blob_put_created(st, "created once", 12, &id, &created, &error), 0);
	CU_ASSERT_EQUAL(created, 1);
	CU_ASSERT_EQUAL(blob_delete(st, &id, &error), 0);
	CU_ASSERT_EQUAL(blob_put_created(st, "created once", 12, &id, &created, &error), 0);
	CU_ASSERT_EQUAL(created, 1);
	blob_store_close(&st);
}

static void test_missing_and_delete(void)
{
	const char *error = NULL;
	struct blob_store *st = blob_store_open(blob_root, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	struct blob_id id;
	blob_id_compute("never stored", 12, &id);
	struct buf out = BUF_INIT;
	CU_ASSERT_EQUAL(blob_read(st, &id, 0, 10, &out, &error), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(error, "No such file"));
	uint64_t size;
	CU_ASSERT_EQUAL(blob_stat(st, &id, &size, &error), -1);
	CU_ASSERT_EQUAL(blob_delete(st, &id, &error), 0);
	CU_ASSERT_EQUAL(blob_put(st, "gone soon", 9, &id, &error), 0);
	CU_ASSERT_EQUAL(blob_delete(st, &id, &error), 0);
	CU_ASSERT_EQUAL(blob_stat(st, &id, &size, &error), -1);
	buf_free(&out);
	blob_store_close(&st);
}

struct list_seen {
	struct blob_id ids[8];
	uint64_t sizes[8];
	int n, stop_after;
};

static int list_cb(void *ctx, const struct blob_id *id, uint64_t size)
{
	struct list_seen *seen = ctx;
	if (seen->n < 8) {
		seen->ids[seen->n] = *id;
		seen->sizes[seen->n] = size;
	}
	seen->n++;
	return seen->stop_after && seen->n >= seen->stop_after ? 7 : 0;
}

static void test_list(void)
{
	char root[300], junk[400];
	const char *error = NULL;
	snprintf(root, sizeof(root), "%s/list", blob_root);
	struct blob_store *st = blob_store_open(root, &error);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	struct list_seen seen = {0};
	CU_ASSERT_EQUAL(blob_list(st, list_cb, &seen, &error), 0);
	CU_ASSERT_EQUAL(seen.n, 0);
	struct blob_id a, b;
	CU_ASSERT_EQUAL(blob_put(st, "first", 5, &a, &error), 0);
	CU_ASSERT_EQUAL(blob_put(st, "second!", 7, &b, &error), 0);
	/* Not blobs: a stray file in a fan-out directory and one at the top. */
	char hex[BLOB_HEX_LEN + 1];
	blob_id_hex(&a, hex);
	snprintf(junk, sizeof(junk), "%s/%.2s/%.2s/not-a-blob", root, hex, hex + 2);
	FILE *f = fopen(junk, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fclose(f);
	CU_ASSERT_EQUAL(blob_list(st, list_cb, &seen, &error), 0);
	CU_ASSERT_EQUAL_FATAL(seen.n, 2);
	int a_at = memcmp(seen.ids[0].sha256, a.sha256, BLOB_ID_LEN) == 0 ? 0 : 1;
	CU_ASSERT(memcmp(seen.ids[a_at].sha256, a.sha256, BLOB_ID_LEN) == 0);
	CU_ASSERT(memcmp(seen.ids[1 - a_at].sha256, b.sha256, BLOB_ID_LEN) == 0);
	CU_ASSERT_EQUAL(seen.sizes[a_at], 5);
	CU_ASSERT_EQUAL(seen.sizes[1 - a_at], 7);
	/* A callback's non-zero result stops the walk and is returned. */
	struct list_seen stop = {.stop_after = 1};
	CU_ASSERT_EQUAL(blob_list(st, list_cb, &stop, &error), 7);
	CU_ASSERT_EQUAL(stop.n, 1);
	blob_store_close(&st);
}

static void test_bad_root(void)
{
	const char *error = NULL;
	CU_ASSERT_PTR_NULL(blob_store_open("/proc/no/such/dir", &error));
	CU_ASSERT_PTR_NOT_NULL(error);
	CU_ASSERT_PTR_NULL(blob_store_open("fs:", &error));
	char loc[300];
	snprintf(loc, sizeof(loc), "fs:%s/sub", blob_root);
	struct blob_store *st = blob_store_open(loc, &error);
	CU_ASSERT_PTR_NOT_NULL(st); /* the fs: prefix is accepted, the root created */
	snprintf(loc, sizeof(loc), "%s/sub/tmp", blob_root);
	struct stat sb;
	CU_ASSERT_EQUAL(stat(loc, &sb), 0);
	blob_store_close(&st);
}

/* Four processes storing the same 1 MB at once: all succeed, one file, right size. */
static void test_concurrent_same_blob(void)
{
	size_t len = 1 << 20;
	char *data = malloc(len);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)(i * 7 + 3);
	pid_t pids[4];
	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			const char *error;
			struct blob_store *st = blob_store_open(blob_root, &error);
			struct blob_id id;
			_exit(st && blob_put(st, data, len, &id, &error) == 0 ? 0 : 1);
		}
	}
	int ok = 0;
	for (int i = 0; i < 4; i++) {
		int status;
		waitpid(pids[i], &status, 0);
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	CU_ASSERT_EQUAL(ok, 4);
	const char *error;
	struct blob_store *st = blob_store_open(blob_root, &error);
	struct blob_id id;
	blob_id_compute(data, len, &id);
	struct buf out = BUF_INIT;
	CU_ASSERT_EQUAL(blob_read(st, &id, 0, SIZE_MAX, &out, &error), 0);
	CU_ASSERT_EQUAL(out.len, len);
	CU_ASSERT(out.len == len && memcmp(out.data, data, len) == 0);
	buf_free(&out);
	blob_store_close(&st);
	free(data);
}

static const struct unit_test blob_tests[] = {
        {"id_hex_known_vector", test_id_hex_known_vector},
        {"put_layout_and_read", test_put_layout_and_read},
        {"put_twice_one_file_no_temp", test_put_twice_is_one_file_and_no_temp_left},
        {"damaged_copy_replaced", test_damaged_copy_is_replaced},
        {"put_created", test_put_created},
        {"missing_and_delete", test_missing_and_delete},
        {"bad_root", test_bad_root},
        {"list", test_list},
        {"concurrent_same_blob", test_concurrent_same_blob},
        {"new_entries_take_root_owner", test_new_entries_take_root_owner},
        {NULL, NULL},
};
UNIT_SUITE_FULL("blob", blob_tests, blob_suite_init, blob_suite_cleanup)
