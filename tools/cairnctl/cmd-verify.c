/*
 * cmd-verify.c - `cairnctl verify [--repair] [--quick]`: every blob the database
 * knows exists with the right size and SHA-256, refcounts match the messages that
 * reference them, every message has a blob row, and no file lies in the store
 * without a row.  --repair fixes what is safe to fix: refcounts, missing blob rows,
 * and orphan files (handed to gc).  Missing or corrupted blobs are reported (exit
 * 1): their bytes cannot be made up.
 */
#include "cairnctl.h"
#include "ctl-progress.h"

#include "base/arena.h"
#include "base/buf.h"
#include "store/blob.h"
#include "store/db.h"
#include "store/maint.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CTL_VERIFY_PAGE 1000

struct ctl_verify {
	struct db *db;
	struct blob_store *blobs;
	int repair, quick;
	uint64_t missing, bad_size, corrupted, refcounts, orphans, fixed;
	struct buf data;
	const char *error;
	int failed;
};

static void ctl_verify_problem(const char *what, const unsigned char *sha, const char *detail)
{
	char hex[BLOB_HEX_LEN + 1];
	struct blob_id id;
	memcpy(id.sha256, sha, 32);
	blob_id_hex(&id, hex);
	printf("%s %s%s%s\n", what, hex, detail ? " " : "", detail ? detail : "");
}

/* Check one blob: file present, size, content hash, refcount. */
static int ctl_verify_blob(struct ctl_verify *v, const struct maint_blob *b)
{
	struct blob_id id, got;
	uint64_t size;
	const char *error;
	char detail[96];
	memcpy(id.sha256, b->sha256, 32);
	if (blob_stat(v->blobs, &id, &size, &error) < 0) {
		snprintf(detail, sizeof(detail), "(referenced by %lld messages)",
		         (long long)b->actual_refs);
		ctl_verify_problem("missing", b->sha256, detail);
		v->missing++;
	} else if ((int64_t)size != b->size) {
		snprintf(detail, sizeof(detail), "(%llu bytes, expected %lld)",
		         (unsigned long long)size, (long long)b->size);
		ctl_verify_problem("wrong-size", b->sha256, detail);
		v->bad_size++;
	} else if (!v->quick) {
		buf_reset(&v->data);
		if (blob_read(v->blobs, &id, 0, SIZE_MAX, &v->data, &error) < 0)
			return v->error = error, -1;
		blob_id_compute(v->data.data, v->data.len, &got);
		if (memcmp(got.sha256, id.sha256, 32) != 0) {
			ctl_verify_problem("corrupted", b->sha256,
			                   "(content does not match its hash)");
			v->corrupted++;
		}
	}
	if (b->refcount != b->actual_refs) {
		snprintf(detail, sizeof(detail), "(refcount %lld, referenced %lld)%s",
		         (long long)b->refcount, (long long)b->actual_refs,
		         v->repair ? ": fixed" : "");
		ctl_verify_problem("refcount", b->sha256, detail);
		v->refcounts++;
		if (v->repair && maint_fix_refcount(v->db, b->sha256, &v->error) < 0)
			return -1;
		v->fixed += (uint64_t)v->repair;
	}
	return 0;
}

static int ctl_verify_rows(struct ctl_verify *v, struct ctl_progress *p)
{
	struct arena *a = arena_new(0);
	unsigned char after[32];
	struct maint_blob *list;
	size_t n;
	int first = 1, r = 0;
	do {
		arena_clear(a);
		r = maint_blob_page(v->db, first ? NULL : after, CTL_VERIFY_PAGE, a, &list, &n,
		                    &v->error);
		for (size_t i = 0; r == 0 && i < n; i++) {
			r = ctl_verify_blob(v, &list[i]);
			ctl_progress_add(p, 1, (uint64_t)list[i].size);
		}
		if (n > 0)
			memcpy(after, list[n - 1].sha256, 32);
		first = 0;
	} while (r == 0 && n == CTL_VERIFY_PAGE);
	arena_free(&a);
	return r;
}

static int ctl_verify_file(void *ctx, const struct blob_id *id, uint64_t size)
{
	struct ctl_verify *v = ctx;
	int known, adopted = 0;
	if (maint_blob_known(v->db, id->sha256, &known, &v->error) < 0)
		return v->failed = 1, -1;
	if (known)
		return 0;
	if (v->repair && maint_adopt_orphan(v->db, id, size, &adopted, &v->error) < 0)
		return v->failed = 1, -1;
	ctl_verify_problem("orphan", id->sha256,
	                   adopted ? "(no database row: handed to gc)" : "(no database row)");
	v->orphans++;
	v->fixed += (uint64_t)adopted;
	return 0;
}

static int ctl_verify_summary(struct ctl *ctl, struct ctl_verify *v, int64_t rowless)
{
	uint64_t problems = v->missing + v->bad_size + v->corrupted + v->refcounts + v->orphans +
	                    (uint64_t)rowless;
	if (ctl->json)
		printf("{\"missing\":%llu,\"wrong_size\":%llu,\"corrupted\":%llu,\"refcounts\":%"
		       "llu,"
		       "\"orphans\":%llu,\"messages_without_blob_row\":%lld,\"fixed\":%llu}\n",
		       (unsigned long long)v->missing, (unsigned long long)v->bad_size,
		       (unsigned long long)v->corrupted, (unsigned long long)v->refcounts,
		       (unsigned long long)v->orphans, (long long)rowless,
		       (unsigned long long)v->fixed);
	else
		printf("verify: %llu problems (%llu missing, %llu wrong size, %llu corrupted, %llu "
		       "refcounts, %llu orphans, %lld messages without blob row), %llu fixed\n",
		       (unsigned long long)problems, (unsigned long long)v->missing,
		       (unsigned long long)v->bad_size, (unsigned long long)v->corrupted,
		       (unsigned long long)v->refcounts, (unsigned long long)v->orphans,
		       (long long)rowless, (unsigned long long)v->fixed);
	return problems > v->fixed ? CTL_ERR : CTL_OK;
}

static int ctl_verify(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_verify v = {0};
	const struct ctl_opt opts[] = {
	        {"--repair", &v.repair, NULL}, {"--quick", &v.quick, NULL}, {NULL, NULL, NULL}};
	char **op;
	int n;
	if (ctl_args(argc, argv, opts, 0, 0, &op, &n) != 0)
		return CTL_USAGE;
	if ((v.blobs = ctl_blobs(ctl)) == NULL)
		return CTL_UNAVAIL;
	v.db = ctl_db(ctl);
	struct maint_stats st;
	struct ctl_progress p;
	int64_t rowless = 0;
	int r = maint_stats(v.db, &st, &v.error);
	ctl_progress_start(&p, stderr, "verify", "blobs", r == 0 ? (uint64_t)st.blobs : 0);
	p.quiet = ctl->json;
	if (r == 0)
		r = maint_messages_without_blob(v.db, v.repair, &rowless, &v.error);
	v.fixed += v.repair ? (uint64_t)rowless : 0;
	if (r == 0)
		r = ctl_verify_rows(&v, &p);
	if (r == 0 && (r = blob_list(v.blobs, ctl_verify_file, &v, &v.error)) == 0 && v.failed)
		r = -1;
	ctl_progress_end(&p);
	int code =
	        r < 0 ? ctl_store_fail(STORE_EDB, v.error) : ctl_verify_summary(ctl, &v, rowless);
	buf_free(&v.data);
	db_close(&v.db);
	blob_store_close(&v.blobs);
	return code;
}

static const struct ctl_subcommand ctl_verify_cmd = {
        NULL, "[--repair] [--quick]",
        "check every blob (exists, size, SHA-256 unless --quick), refcounts and orphan files; "
        "--repair fixes refcounts, missing rows and hands orphans to gc; exit 1 on problems "
        "left",
        ctl_verify};

int ctl_cmd_verify(struct ctl *ctl, int argc, char **argv)
{
	return ctl_single(ctl, "verify", &ctl_verify_cmd, argc, argv);
}
