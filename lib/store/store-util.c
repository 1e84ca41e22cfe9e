/*
 * store-util.c - small helpers shared by account.c, mailbox.c, acl.c, quota.c:
 * formatted errors, transaction brackets, integer and bytea conversions.
 */
#include "store-util.h"

#include "base/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char store_errbuf[1024];

const char *store_errorf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(store_errbuf, sizeof(store_errbuf), fmt, ap);
	va_end(ap);
	return store_errbuf;
}

int store_fail(int code, const char **error_r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(store_errbuf, sizeof(store_errbuf), fmt, ap);
	va_end(ap);
	*error_r = store_errbuf;
	return code;
}

static void (*store_change_hook)(int64_t mailbox_id, uint64_t modseq);

void store_on_change(void (*hook)(int64_t mailbox_id, uint64_t modseq))
{
	store_change_hook = hook;
}

void store_changed(struct db *db, int64_t mailbox_id, uint64_t modseq)
{
	if (store_change_hook == NULL || mailbox_id <= 0)
		return;
	if (PQtransactionStatus(db->conn) == PQTRANS_IDLE) {
		store_change_hook(mailbox_id, modseq);
		return;
	}
	for (size_t i = 0; i < db->n_changes; i++) {
		if (db->changes[i].mailbox_id == mailbox_id) {
			if (modseq > db->changes[i].modseq)
				db->changes[i].modseq = modseq;
			return;
		}
	}
	if (db->n_changes == db->cap_changes) {
		db->cap_changes = db->cap_changes ? db->cap_changes * 2 : 8;
		db->changes = xrealloc(db->changes, db->cap_changes * sizeof(*db->changes));
	}
	db->changes[db->n_changes++] = (struct store_change){mailbox_id, modseq};
}

/* After COMMIT (announce) or ROLLBACK (forget). */
static void store_changes_end(struct db *db, int committed)
{
	for (size_t i = 0; committed && store_change_hook && i < db->n_changes; i++)
		store_change_hook(db->changes[i].mailbox_id, db->changes[i].modseq);
	db->n_changes = 0;
}

int store_begin(struct db *db, const char **error_r)
{
	db->n_changes = 0;
	return db_cmd(db, "BEGIN", 0, NULL, error_r) < 0 ? STORE_EDB : 0;
}

int store_commit(struct db *db, const char **error_r)
{
	if (db_cmd(db, "COMMIT", 0, NULL, error_r) < 0) {
		store_rollback(db);
		return STORE_EDB;
	}
	store_changes_end(db, 1);
	return 0;
}

void store_rollback(struct db *db)
{
	store_changes_end(db, 0);
	/* Not db_cmd: that would overwrite the caller's error text in the shared buffer. */
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(db->conn, "ROLLBACK"));
}

char *store_i64(char *buf, int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

int64_t store_get_i64(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

char *store_bytea_param(char *out, const unsigned char *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	*p++ = '\\';
	*p++ = 'x';
	for (size_t i = 0; i < len; i++) {
		*p++ = hex[data[i] >> 4];
		*p++ = hex[data[i] & 15];
	}
	*p = '\0';
	return out;
}

static int store_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int store_hex_decode(const char *hex, unsigned char *out, size_t max, size_t *len_r)
{
	size_t n = strlen(hex);
	if (n % 2 != 0 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = store_hexval(hex[2 * i]), lo = store_hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	*len_r = n / 2;
	return 0;
}
