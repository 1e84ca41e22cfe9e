/*
 * sasl_test.c - lib/auth's SASL mechanisms through the passdb interface, with an
 * in-memory passdb instead of the database: a full SCRAM-SHA-256 exchange against a
 * client computed here (scram_client.c), wrong passwords, unknown users (same
 * shape, stable fake salt), authzid refusal, PLAIN, temporary failures, the
 * mechanism table and a passdb without SCRAM records (an LDAP bind's shape).
 */
#include "unit.h"
#include "scram_client.h"

#include "auth/passdb.h"
#include "auth/sasl.h"
#include "auth/scram.h"
#include "base/arena.h"
#include "base/base64.h"
#include "base/buf.h"

#include <string.h>

/* The in-memory "directory": one user, and what the backend was asked. */
struct mem_db {
	const char *login, *password;
	int64_t id;
	struct scram_record rec;
	int fail; /* every call returns -1 */
	int lookups, verifies;
	char asked[128];
};

static int mem_lookup(void *ctx, const char *login, int64_t *id_r, struct scram_record *rec_r,
                      const char **error_r)
{
	struct mem_db *db = ctx;
	db->lookups++;
	snprintf(db->asked, sizeof(db->asked), "%s", login);
	if (db->fail) {
		*error_r = "directory unavailable";
		return -1;
	}
	if (strcmp(login, db->login) != 0)
		return 0;
	*id_r = db->id;
	*rec_r = db->rec;
	return 1;
}

/* A bind-style check: no records at all. */
static int mem_bind(void *ctx, const char *login, const char *password, int64_t *id_r,
                    const char **error_r)
{
	struct mem_db *db = ctx;
	db->verifies++;
	if (db->fail) {
		*error_r = "directory unavailable";
		return -1;
	}
	if (strcmp(login, db->login) != 0 || strcmp(password, db->password) != 0)
		return 0;
	*id_r = db->id;
	return 1;
}

static const struct passdb_backend mem_backend = {.name = "mem", .lookup_scram = mem_lookup};
static const struct passdb_backend bind_backend = {.name = "bind", .verify_plain = mem_bind};

static const unsigned char fake_secret[] = "cluster secret";

static struct mem_db mem;
static struct arena *pool;

static struct passdb *mem_passdb(const struct passdb_backend *backend)
{
	const char *err;
	memset(&mem, 0, sizeof(mem));
	mem.login = "alice@example.test";
	mem.password = "correct horse";
	mem.id = 42;
	CU_ASSERT_FATAL(scram_record_make(mem.password, 4096, &mem.rec, &err) == 0);
	struct passdb_settings set = {.default_domain = "example.test",
	                              .fake_secret = fake_secret,
	                              .fake_secret_len = sizeof(fake_secret) - 1,
	                              .fake_iterations = 4096};
	return passdb_new(backend, &mem, &set);
}

static int step(struct sasl_server *s, const char *msg, struct buf *out, const char **err)
{
	buf_reset(out);
	return sasl_server_step(s, msg, strlen(msg), out, err);
}

/* One SCRAM-SHA-256 exchange at a time against the in-memory passdb. */
struct scram_fx {
	struct passdb *pdb;
	struct sasl_server *s;
	struct buf out; /* the last server message */
	struct buf server_first;
	struct buf expect; /* the right server-final */
	const char *err;
};

static void fx_start(struct scram_fx *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->pdb = mem_passdb(&mem_backend);
}

static void fx_end(struct scram_fx *fx)
{
	sasl_server_free(&fx->s);
	CU_ASSERT_PTR_NULL(fx->s);
	passdb_free(&fx->pdb);
	buf_free(&fx->out);
	buf_free(&fx->server_first);
	buf_free(&fx->expect);
}

/*
 * A new exchange as user with password (gs2 header gs2), run up to the server's
 * answer to client-final, whose status is returned (fx->out: its message).
 */
static int fx_run(struct scram_fx *fx, const char *gs2, const char *user, const char *password)
{
	struct buf first = BUF_INIT, final = BUF_INIT, gs2_b64 = BUF_INIT;
	sasl_server_free(&fx->s);
	fx->s = sasl_server_new(sasl_mech_find("scram-sha-256"), fx->pdb, pool);
	buf_printf(&first, "%sn=%s,r=fyko+d2lbbFgONRv9qkxdawL", gs2, user);
	CU_ASSERT_EQUAL_FATAL(step(fx->s, buf_cstr(&first), &fx->out, &fx->err), SASL_CONTINUE);
	buf_reset(&fx->server_first);
	buf_append(&fx->server_first, fx->out.data, fx->out.len);
	base64_encode(gs2, strlen(gs2), &gs2_b64);
	buf_reset(&fx->expect);
	scram_client_final(password, buf_cstr(&first) + strlen(gs2), buf_cstr(&gs2_b64),
	                   buf_cstr(&fx->server_first), &final, &fx->expect);
	int r = step(fx->s, buf_cstr(&final), &fx->out, &fx->err);
	buf_free(&first);
	buf_free(&final);
	buf_free(&gs2_b64);
	return r;
}

/* The salt and iteration count of the last server-first (",s=...,i=..."). */
static const char *fx_salt(struct scram_fx *fx)
{
	return strstr(buf_cstr(&fx->server_first), ",s=");
}

static void test_scram_full_exchange(void)
{
	struct scram_fx fx;
	const struct sasl_result *res;
	fx_start(&fx);
	/* Without '@': the passdb adds the default domain before the lookup. */
	CU_ASSERT_EQUAL(fx_run(&fx, "n,,", "alice", "correct horse"), SASL_SUCCESS);
	CU_ASSERT_STRING_EQUAL(mem.asked, "alice@example.test");
	/* The success data is server-final, for the protocol to deliver. */
	CU_ASSERT_STRING_EQUAL(buf_cstr(&fx.out), buf_cstr(&fx.expect));
	CU_ASSERT_EQUAL_FATAL(sasl_server_finish(fx.s, &res, &fx.err), 0);
	CU_ASSERT_STRING_EQUAL(res->login, "alice@example.test");
	CU_ASSERT_EQUAL(res->account_id, 42);
	CU_ASSERT_STRING_EQUAL(res->authcid, "alice");
	CU_ASSERT_STRING_EQUAL(res->authzid, "");
	/* Over: nothing more is accepted. */
	CU_ASSERT_EQUAL(step(fx.s, "n,,n=alice,r=x", &fx.out, &fx.err), SASL_FAIL);
	fx_end(&fx);
}

static void test_scram_wrong_password(void)
{
	struct scram_fx fx;
	const struct sasl_result *res;
	fx_start(&fx);
	CU_ASSERT_EQUAL(fx_run(&fx, "n,,", "alice@example.test", "wrong"), SASL_FAIL);
	CU_ASSERT_STRING_EQUAL(fx.err, "SCRAM: wrong password (invalid proof)");
	CU_ASSERT_EQUAL(fx.out.len, 0);
	CU_ASSERT_PTR_NULL(sasl_server_user(fx.s)); /* as before: not logged for SCRAM */
	CU_ASSERT_EQUAL(sasl_server_finish(fx.s, &res, &fx.err), -1);
	fx_end(&fx);
}

static void test_scram_unknown_user(void)
{
	struct scram_fx fx;
	char salt1[128];
	fx_start(&fx);
	CU_ASSERT_EQUAL(fx_run(&fx, "n,,", "nobody", "pw"), SASL_FAIL);
	CU_ASSERT_STRING_EQUAL(fx.err, "SCRAM: unknown user");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fx_salt(&fx));
	snprintf(salt1, sizeof(salt1), "%s", fx_salt(&fx));
	CU_ASSERT_PTR_NOT_NULL(strstr(salt1, ",i=4096"));
	/* A second attempt shows the same (fake) salt and iteration count... */
	CU_ASSERT_EQUAL(fx_run(&fx, "n,,", "nobody", "pw"), SASL_FAIL);
	CU_ASSERT_STRING_EQUAL(fx_salt(&fx), salt1);
	/* ... shaped like a real user's server-first (16-byte salt, same iterations). */
	CU_ASSERT_EQUAL(fx_run(&fx, "n,,", "alice", "x"), SASL_FAIL);
	CU_ASSERT_EQUAL(strlen(fx_salt(&fx)), strlen(salt1));
	CU_ASSERT_EQUAL(mem.lookups, 3);
	fx_end(&fx);
}

static void test_scram_authzid_refused(void)
{
	struct scram_fx fx;
	const struct sasl_result *res;
	fx_start(&fx);
	/* The proof is right, so the mechanism succeeds; authorization then refuses. */
	CU_ASSERT_EQUAL(fx_run(&fx, "n,a=bob@example.test,", "alice", "correct horse"),
	                SASL_SUCCESS);
	CU_ASSERT_EQUAL(sasl_server_finish(fx.s, &res, &fx.err), -1);
	CU_ASSERT_STRING_EQUAL(fx.err, "authzid differs from authcid");
	CU_ASSERT_STRING_EQUAL(sasl_server_user(fx.s), "alice");
	/* The authcid itself as authzid is fine. */
	CU_ASSERT_EQUAL(fx_run(&fx, "n,a=alice,", "alice", "correct horse"), SASL_SUCCESS);
	CU_ASSERT_EQUAL(sasl_server_finish(fx.s, &res, &fx.err), 0);
	fx_end(&fx);
}

/* One PLAIN exchange of msg (len bytes); returns the status, *err the reason. */
static int plain_once(struct passdb *pdb, const char *msg, size_t len, struct sasl_server **s_r,
                      const char **err)
{
	struct buf out = BUF_INIT;
	*s_r = sasl_server_new(sasl_mech_find("PLAIN"), pdb, pool);
	int r = sasl_server_step(*s_r, msg, len, &out, err);
	CU_ASSERT_EQUAL(out.len, 0); /* no challenge, no success data */
	buf_free(&out);
	return r;
}

#define PLAIN(s) s, sizeof(s) - 1

/* alice's right password through pdb: authenticated and authorized as her account. */
static void plain_check_ok(struct passdb *pdb)
{
	struct sasl_server *s;
	const struct sasl_result *res;
	const char *err = NULL;
	CU_ASSERT_EQUAL(plain_once(pdb, PLAIN("\0alice\0correct horse"), &s, &err), SASL_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(sasl_server_finish(s, &res, &err), 0);
	CU_ASSERT_STRING_EQUAL(res->login, "alice@example.test");
	CU_ASSERT_EQUAL(res->account_id, 42);
	sasl_server_free(&s);
}

static void test_plain(void)
{
	struct passdb *pdb = mem_passdb(&mem_backend);
	struct sasl_server *s;
	const char *err = NULL;
	plain_check_ok(pdb);
	CU_ASSERT_EQUAL(plain_once(pdb, PLAIN("alice\0alice\0correct horse"), &s, &err),
	                SASL_SUCCESS);
	sasl_server_free(&s);
	CU_ASSERT_EQUAL(plain_once(pdb, PLAIN("\0alice\0wrong"), &s, &err), SASL_FAIL);
	CU_ASSERT_STRING_EQUAL(err, "unknown user or wrong password");
	CU_ASSERT_STRING_EQUAL(sasl_server_user(s), "alice");
	sasl_server_free(&s);
	/* Unknown: the same answer, after the same (fake record) work. */
	CU_ASSERT_EQUAL(plain_once(pdb, PLAIN("\0nobody\0correct horse"), &s, &err), SASL_FAIL);
	CU_ASSERT_STRING_EQUAL(err, "unknown user or wrong password");
	sasl_server_free(&s);
	/* Another authzid is refused before any lookup. */
	int before = mem.lookups;
	CU_ASSERT_EQUAL(plain_once(pdb, PLAIN("bob\0alice\0correct horse"), &s, &err), SASL_FAIL);
	CU_ASSERT_STRING_EQUAL(err, "authzid differs from authcid");
	CU_ASSERT_EQUAL(mem.lookups, before);
	sasl_server_free(&s);
	CU_ASSERT_EQUAL(plain_once(pdb, PLAIN("alice\0correct horse"), &s, &err), SASL_FAIL);
	CU_ASSERT_PTR_NULL(sasl_server_user(s)); /* malformed: no user name to log */
	sasl_server_free(&s);
	CU_ASSERT_EQUAL(plain_once(pdb, NULL, 0, &s, &err), SASL_FAIL);
	sasl_server_free(&s);
	passdb_free(&pdb);
}

static void test_tempfail(void)
{
	struct passdb *pdb = mem_passdb(&mem_backend);
	struct sasl_server *s;
	struct buf out = BUF_INIT;
	const char *err = NULL;
	mem.fail = 1;
	CU_ASSERT_EQUAL(plain_once(pdb, PLAIN("\0alice\0correct horse"), &s, &err), SASL_TEMPFAIL);
	CU_ASSERT_STRING_EQUAL(err, "directory unavailable");
	sasl_server_free(&s);
	s = sasl_server_new(sasl_mech_find("SCRAM-SHA-256"), pdb, pool);
	CU_ASSERT_EQUAL(step(s, "n,,n=alice,r=abc", &out, &err), SASL_TEMPFAIL);
	sasl_server_free(&s);
	passdb_free(&pdb);
	buf_free(&out);
}

static void test_mech_table(void)
{
	struct passdb *records = mem_passdb(&mem_backend);
	struct passdb *bind = mem_passdb(&bind_backend);
	const struct sasl_mech *plain = sasl_mech_find("plain");
	const struct sasl_mech *scram = sasl_mech_find("SCRAM-SHA-256");
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	CU_ASSERT_PTR_NOT_NULL_FATAL(scram);
	CU_ASSERT_PTR_NULL(sasl_mech_find("CRAM-MD5"));
	CU_ASSERT_PTR_EQUAL(sasl_mech_at(0), plain); /* announcement order */
	CU_ASSERT_PTR_EQUAL(sasl_mech_at(1), scram);
	CU_ASSERT_PTR_NULL(sasl_mech_at(2));
	CU_ASSERT_STRING_EQUAL(sasl_mech_name(scram), "SCRAM-SHA-256");
	CU_ASSERT(sasl_mech_flags(plain) & SASL_MECH_PLAINTEXT);
	CU_ASSERT(!(sasl_mech_flags(scram) & SASL_MECH_PLAINTEXT));
	CU_ASSERT(sasl_mech_usable(plain, records) && sasl_mech_usable(scram, records));
	/* A passdb without records offers PLAIN only. */
	CU_ASSERT(passdb_has_scram(records) && !passdb_has_scram(bind));
	CU_ASSERT(sasl_mech_usable(plain, bind));
	CU_ASSERT(!sasl_mech_usable(scram, bind));
	passdb_free(&records);
	passdb_free(&bind);
}

static void test_plain_through_bind(void)
{
	struct passdb *pdb = mem_passdb(&bind_backend);
	struct sasl_server *s;
	const char *err = NULL;
	plain_check_ok(pdb);
	CU_ASSERT_EQUAL(plain_once(pdb, PLAIN("\0alice\0nope"), &s, &err), SASL_FAIL);
	sasl_server_free(&s);
	CU_ASSERT_EQUAL(mem.verifies, 2);
	CU_ASSERT_EQUAL(mem.lookups, 0);
	/* passdb_verify_plain (LOGIN) takes the same path. */
	struct passdb_entry e;
	CU_ASSERT_EQUAL(passdb_verify_plain(pdb, "alice", "correct horse", pool, &e, &err), 1);
	CU_ASSERT_EQUAL(e.account_id, 42);
	passdb_free(&pdb);
}

static int sasl_suite_init(void)
{
	pool = arena_new(0);
	return 0;
}

static int sasl_suite_cleanup(void)
{
	arena_free(&pool);
	return 0;
}

static const struct unit_test sasl_tests[] = {
        {"scram_full_exchange", test_scram_full_exchange},
        {"scram_wrong_password", test_scram_wrong_password},
        {"scram_unknown_user", test_scram_unknown_user},
        {"scram_authzid_refused", test_scram_authzid_refused},
        {"plain", test_plain},
        {"tempfail", test_tempfail},
        {"mech_table", test_mech_table},
        {"plain_through_bind", test_plain_through_bind},
        {NULL, NULL},
};
UNIT_SUITE_FULL("sasl", sasl_tests, sasl_suite_init, sasl_suite_cleanup)
