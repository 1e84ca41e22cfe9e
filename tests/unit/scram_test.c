/*
 * scram_test.c - SCRAM-SHA-256: the RFC 7677 test vector end to end through the
 * server state machine, wrong proofs, unknown users, malformed messages, channel
 * binding refusal, username decoding, records (make, verify_plain, text form), the
 * fake record and SASLprep.
 */
#include "unit.h"
#include "scram_client.h"

#include "auth/saslprep.h"
#include "auth/scram.h"
#include "base/base64.h"
#include "base/buf.h"

#include <string.h>

#define RFC_CNONCE "rOprNGfwEbeRWgbNEkqO"
#define RFC_SNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_SALT "W22ZaJ0SNY7soEsUEjb6gQ=="
#define RFC_CLIENT_FIRST "n,,n=user,r=" RFC_CNONCE
#define RFC_SERVER_FIRST "r=" RFC_CNONCE RFC_SNONCE ",s=" RFC_SALT ",i=4096"
#define RFC_FINAL_NOPROOF "c=biws,r=" RFC_CNONCE RFC_SNONCE
#define RFC_PROOF_TAIL "HzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_PROOF "d" RFC_PROOF_TAIL
#define RFC_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

/* The test "database": one user with a record, plus what the lookup was asked. */
struct fake_db {
	const char *user;
	struct scram_record rec;
	int fail; /* lookup returns -1 */
	char asked[128];
	int calls;
};

static int db_lookup(void *ctx, const char *username, struct scram_record *rec_r,
                     const char **error_r)
{
	struct fake_db *db = ctx;
	db->calls++;
	snprintf(db->asked, sizeof(db->asked), "%s", username);
	if (db->fail) {
		*error_r = "database unavailable";
		return -1;
	}
	if (db->user == NULL || strcmp(username, db->user) != 0)
		return 0;
	*rec_r = db->rec;
	return 1;
}

static void rfc_db(struct fake_db *db)
{
	unsigned char salt[32];
	size_t salt_len;
	const char *err;
	memset(db, 0, sizeof(*db));
	db->user = "user";
	CU_ASSERT_FATAL(base64_decode_to(RFC_SALT, strlen(RFC_SALT), salt, sizeof(salt), &salt_len,
	                                 &err) == 0);
	CU_ASSERT_FATAL(scram_record_make_salted("pencil", salt, salt_len, 4096, &db->rec, &err) ==
	                0);
}

static struct scram_server *rfc_server(struct fake_db *db)
{
	struct scram_server_settings set = {.lookup = db_lookup, .lookup_ctx = db};
	struct scram_server *s = scram_server_new(&set);
	scram_server_set_nonce(s, RFC_SNONCE);
	return s;
}

static int step_str(struct scram_server *s, const char *msg, struct buf *out, const char **err)
{
	buf_reset(out);
	return scram_server_step(s, msg, strlen(msg), out, err);
}

static void test_rfc7677_vector(void)
{
	struct fake_db db;
	rfc_db(&db);
	struct scram_server *s = rfc_server(&db);
	struct buf out = BUF_INIT;
	const char *err = NULL;
	CU_ASSERT_EQUAL(step_str(s, RFC_CLIENT_FIRST, &out, &err), SCRAM_CONTINUE);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), RFC_SERVER_FIRST);
	CU_ASSERT_STRING_EQUAL(db.asked, "user");
	CU_ASSERT_EQUAL(step_str(s, RFC_FINAL_NOPROOF ",p=" RFC_PROOF, &out, &err), SCRAM_SUCCESS);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), RFC_SERVER_FINAL);
	CU_ASSERT_STRING_EQUAL(scram_server_username(s), "user");
	CU_ASSERT_STRING_EQUAL(scram_server_authzid(s), "");
	/* The exchange is over: nothing more is accepted. */
	CU_ASSERT_EQUAL(step_str(s, "", &out, &err), SCRAM_FAIL);
	scram_server_free(&s);
	CU_ASSERT_PTR_NULL(s);
	buf_free(&out);
}

static void test_wrong_proof(void)
{
	struct fake_db db;
	rfc_db(&db);
	struct scram_server *s = rfc_server(&db);
	struct buf out = BUF_INIT;
	const char *err = NULL;
	CU_ASSERT_EQUAL(step_str(s, RFC_CLIENT_FIRST, &out, &err), SCRAM_CONTINUE);
	/* One bit of the proof changed (d -> e in the first base64 character). */
	CU_ASSERT_EQUAL(step_str(s, RFC_FINAL_NOPROOF ",p=e" RFC_PROOF_TAIL, &out, &err),
	                SCRAM_FAIL);
	CU_ASSERT_EQUAL(out.len, 0);
	CU_ASSERT_STRING_EQUAL(err, "SCRAM: wrong password (invalid proof)");
	scram_server_free(&s);

	/* A record made from another password fails with the RFC's proof. */
	const char *e2;
	CU_ASSERT_FATAL(scram_record_make_salted("pencil2", db.rec.salt, db.rec.salt_len, 4096,
	                                         &db.rec, &e2) == 0);
	s = rfc_server(&db);
	CU_ASSERT_EQUAL(step_str(s, RFC_CLIENT_FIRST, &out, &err), SCRAM_CONTINUE);
	CU_ASSERT_EQUAL(step_str(s, RFC_FINAL_NOPROOF ",p=" RFC_PROOF, &out, &err), SCRAM_FAIL);
	scram_server_free(&s);
	buf_free(&out);
}

static void test_unknown_user_looks_alike(void)
{
	static const unsigned char secret[] = "cluster-wide secret";
	struct fake_db db;
	rfc_db(&db);
	struct scram_server_settings set = {.lookup = db_lookup,
	                                    .lookup_ctx = &db,
	                                    .fake_secret = secret,
	                                    .fake_secret_len = sizeof(secret) - 1,
	                                    .fake_iterations = 4096};
	struct buf out1 = BUF_INIT, out2 = BUF_INIT;
	const char *err = NULL;
	const char *first = "n,,n=nobody,r=" RFC_CNONCE;
	struct scram_server *s = scram_server_new(&set);
	scram_server_set_nonce(s, RFC_SNONCE);
	CU_ASSERT_EQUAL(step_str(s, first, &out1, &err), SCRAM_CONTINUE);
	/* Same shape as a real user's server-first: 16-byte salt, same iterations. */
	CU_ASSERT_EQUAL(out1.len, strlen(RFC_SERVER_FIRST));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf_cstr(&out1), ",i=4096"));
	CU_ASSERT_EQUAL(step_str(s, RFC_FINAL_NOPROOF ",p=" RFC_PROOF, &out1, &err), SCRAM_FAIL);
	CU_ASSERT_EQUAL(out1.len, 0);
	CU_ASSERT_STRING_EQUAL(err, "SCRAM: unknown user");
	scram_server_free(&s);
	/* A second attempt for the same unknown user sees the same salt. */
	s = scram_server_new(&set);
	scram_server_set_nonce(s, RFC_SNONCE);
	buf_reset(&out1);
	CU_ASSERT_EQUAL(step_str(s, first, &out1, &err), SCRAM_CONTINUE);
	struct scram_server *s2 = scram_server_new(&set);
	scram_server_set_nonce(s2, RFC_SNONCE);
	CU_ASSERT_EQUAL(step_str(s2, first, &out2, &err), SCRAM_CONTINUE);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out1), buf_cstr(&out2));
	scram_server_free(&s);
	scram_server_free(&s2);
	buf_free(&out1);
	buf_free(&out2);
}

static void test_tempfail(void)
{
	struct fake_db db;
	rfc_db(&db);
	db.fail = 1;
	struct scram_server *s = rfc_server(&db);
	struct buf out = BUF_INIT;
	const char *err = NULL;
	CU_ASSERT_EQUAL(step_str(s, RFC_CLIENT_FIRST, &out, &err), SCRAM_TEMPFAIL);
	CU_ASSERT_STRING_EQUAL(err, "database unavailable");
	scram_server_free(&s);
	buf_free(&out);
}

/* Run client-first msg through a fresh server; returns its status. */
static int first_status(const char *msg, size_t len, const char **err)
{
	struct fake_db db;
	rfc_db(&db);
	struct scram_server *s = rfc_server(&db);
	struct buf out = BUF_INIT;
	int r = scram_server_step(s, msg, len, &out, err);
	scram_server_free(&s);
	buf_free(&out);
	return r;
}

static void test_malformed_client_first(void)
{
	static const char *const bad[] = {
	        "",
	        "n",
	        "n,",
	        "x,,n=user,r=abc",
	        "n,n=user,r=abc",
	        "n,,r=abc",
	        "n,,n=,r=abc",
	        "n,,n=us=3Eer,r=abc", /* only =2C and =3D are escapes */
	        "n,,n=user=,r=abc",
	        "n,,n=user",
	        "n,,n=user,",
	        "n,,n=user,r=",
	        "n,,n=user,r=ab\x01"
	        "cd",
	        "n,,m=ext,n=user,r=abc",
	        "n,a=,n=user,r=abc",
	        "n,,n=\xff\xfe,r=abc",
	        NULL,
	};
	const char *err;
	for (int i = 0; bad[i] != NULL; i++) {
		int r = first_status(bad[i], strlen(bad[i]), &err);
		CU_ASSERT_EQUAL(r, SCRAM_FAIL);
		if (r != SCRAM_FAIL)
			fprintf(stderr, "accepted: %s\n", bad[i]);
	}
	CU_ASSERT_EQUAL(first_status("n,,n=us\0er,r=abc", 16, &err), SCRAM_FAIL);
	CU_ASSERT_EQUAL(first_status("p=tls-unique,,n=user,r=abc", 26, &err), SCRAM_FAIL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "channel binding"));
	char big[5000];
	memset(big, 'a', sizeof(big));
	memcpy(big, "n,,n=user,r=", 12);
	CU_ASSERT_EQUAL(first_status(big, sizeof(big), &err), SCRAM_FAIL);
}

static void test_malformed_client_final(void)
{
	static const char *const bad[] = {
	        RFC_FINAL_NOPROOF, /* no proof */
	        "c=biws,r=" RFC_CNONCE ",p=" RFC_PROOF, /* nonce without the server part */
	        "c=biws,r=" RFC_CNONCE RFC_SNONCE "x,p=" RFC_PROOF,
	        "c=eSws,r=" RFC_CNONCE RFC_SNONCE ",p=" RFC_PROOF, /* cbind says "y,," */
	        "r=" RFC_CNONCE RFC_SNONCE ",c=biws,p=" RFC_PROOF, /* order */
	        RFC_FINAL_NOPROOF ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndQ==", /* 31 bytes */
	        RFC_FINAL_NOPROOF ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ", /* bad b64 */
	        RFC_FINAL_NOPROOF ",p=",
	        NULL,
	};
	for (int i = 0; bad[i] != NULL; i++) {
		struct fake_db db;
		rfc_db(&db);
		struct scram_server *s = rfc_server(&db);
		struct buf out = BUF_INIT;
		const char *err;
		CU_ASSERT_EQUAL(step_str(s, RFC_CLIENT_FIRST, &out, &err), SCRAM_CONTINUE);
		int r = step_str(s, bad[i], &out, &err);
		CU_ASSERT_EQUAL(r, SCRAM_FAIL);
		CU_ASSERT_EQUAL(out.len, 0);
		if (r != SCRAM_FAIL)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		scram_server_free(&s);
		buf_free(&out);
	}
}

/*
 * A minimal SCRAM client (test side): builds client-final with a correct proof for
 * password from server-first, given client-first-bare; *server_sig_r gets the
 * expected server-final.
 */
static void test_random_nonce_roundtrip_with_authzid(void)
{
	struct fake_db db;
	memset(&db, 0, sizeof(db));
	db.user = "a,b=c@example.test";
	const char *err;
	CU_ASSERT_FATAL(scram_record_make("s3cret pass", 4096, &db.rec, &err) == 0);
	struct scram_server_settings set = {.lookup = db_lookup, .lookup_ctx = &db};
	struct scram_server *s = scram_server_new(&set);
	struct buf out = BUF_INIT, final = BUF_INIT, expect = BUF_INIT;
	const char *first = "n,a=admin=2Cx,n=a=2Cb=3Dc@example.test,r=clientNONCE";
	CU_ASSERT_EQUAL(step_str(s, first, &out, &err), SCRAM_CONTINUE);
	CU_ASSERT_STRING_EQUAL(db.asked, "a,b=c@example.test");
	/* r= carries the client nonce plus 24 random base64 characters. */
	CU_ASSERT(strncmp(buf_cstr(&out), "r=clientNONCE", 13) == 0);
	CU_ASSERT_EQUAL(strchr(out.data, ',') - out.data, 2 + 11 + 24);
	struct buf gs2 = BUF_INIT;
	base64_encode("n,a=admin=2Cx,", 14, &gs2);
	scram_client_final("s3cret pass", strchr(strchr(first, ',') + 1, ',') + 1, buf_cstr(&gs2),
	                   buf_cstr(&out), &final, &expect);
	CU_ASSERT_EQUAL(step_str(s, buf_cstr(&final), &out, &err), SCRAM_SUCCESS);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), buf_cstr(&expect));
	CU_ASSERT_STRING_EQUAL(scram_server_username(s), "a,b=c@example.test");
	CU_ASSERT_STRING_EQUAL(scram_server_authzid(s), "admin,x");
	scram_server_free(&s);

	/* Two exchanges never share a server nonce. */
	struct scram_server *s1 = scram_server_new(&set), *s2 = scram_server_new(&set);
	struct buf o1 = BUF_INIT, o2 = BUF_INIT;
	CU_ASSERT_EQUAL(step_str(s1, first, &o1, &err), SCRAM_CONTINUE);
	CU_ASSERT_EQUAL(step_str(s2, first, &o2, &err), SCRAM_CONTINUE);
	CU_ASSERT(strcmp(buf_cstr(&o1), buf_cstr(&o2)) != 0);
	scram_server_free(&s1);
	scram_server_free(&s2);
	buf_free(&o1);
	buf_free(&o2);
	buf_free(&gs2);
	buf_free(&out);
	buf_free(&final);
	buf_free(&expect);
}

static void test_gs2_y_flag(void)
{
	struct fake_db db;
	rfc_db(&db);
	struct scram_server *s = rfc_server(&db);
	struct buf out = BUF_INIT, final = BUF_INIT, expect = BUF_INIT;
	const char *err;
	CU_ASSERT_EQUAL(step_str(s, "y,,n=user,r=" RFC_CNONCE, &out, &err), SCRAM_CONTINUE);
	scram_client_final("pencil", "n=user,r=" RFC_CNONCE, "eSws", buf_cstr(&out), &final,
	                   &expect);
	CU_ASSERT_EQUAL(step_str(s, buf_cstr(&final), &out, &err), SCRAM_SUCCESS);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), buf_cstr(&expect));
	scram_server_free(&s);
	buf_free(&out);
	buf_free(&final);
	buf_free(&expect);
}

static void test_record_make_and_plain(void)
{
	struct scram_record rec;
	const char *err;
	CU_ASSERT_EQUAL(scram_record_make("pencil", 4096, &rec, &err), 0);
	CU_ASSERT_EQUAL(rec.salt_len, 16);
	CU_ASSERT_EQUAL(rec.iterations, 4096);
	CU_ASSERT_EQUAL(scram_verify_plain(&rec, "pencil"), 1);
	CU_ASSERT_EQUAL(scram_verify_plain(&rec, "Pencil"), 0);
	CU_ASSERT_EQUAL(scram_verify_plain(&rec, "pencil "), 0);
	CU_ASSERT_EQUAL(scram_verify_plain(&rec, ""), 0);
	struct scram_record rec2;
	CU_ASSERT_EQUAL(scram_record_make("pencil", 4096, &rec2, &err), 0);
	CU_ASSERT(memcmp(rec.salt, rec2.salt, 16) != 0); /* random salt */
	CU_ASSERT(memcmp(rec.stored_key, rec2.stored_key, 32) != 0);

	CU_ASSERT_EQUAL(scram_record_make("pencil", 4095, &rec, &err), -1);
	CU_ASSERT_EQUAL(scram_record_make("", 4096, &rec, &err), -1);
	CU_ASSERT_EQUAL(scram_record_make("tab\there", 4096, &rec, &err), -1);
	CU_ASSERT_EQUAL(scram_record_make("bad\xc3", 4096, &rec, &err), -1);
	/* Non-ASCII: U+00AD (soft hyphen) is mapped to nothing by SASLprep. */
	CU_ASSERT_EQUAL(scram_record_make("p\xc3\xa4ss\xc2\xadword", 4096, &rec, &err), 0);
	CU_ASSERT_EQUAL(scram_verify_plain(&rec, "p\xc3\xa4ssword"), 1);
	CU_ASSERT_EQUAL(scram_verify_plain(&rec, "password"), 0);
}

static void test_record_text_form(void)
{
	struct fake_db db;
	rfc_db(&db);
	struct buf text = BUF_INIT;
	scram_record_format(&db.rec, &text);
	CU_ASSERT(strncmp(buf_cstr(&text), "SCRAM-SHA-256$4096:" RFC_SALT "$", 19 + 24 + 1) == 0);
	struct scram_record back;
	const char *err;
	CU_ASSERT_EQUAL_FATAL(scram_record_parse(buf_cstr(&text), &back, &err), 0);
	CU_ASSERT(memcmp(&back, &db.rec, sizeof(back)) == 0);
	CU_ASSERT_EQUAL(scram_verify_plain(&back, "pencil"), 1);
	static const char *const bad[] = {
	        "SCRAM-SHA-1$4096:W22ZaJ0SNY7soEsUEjb6gQ==$a:b",
	        "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==",
	        "SCRAM-SHA-256$100:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:AAAA",
	        "SCRAM-SHA-256$99999999999999999999:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:AAAA",
	        "SCRAM-SHA-256$:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:AAAA",
	        "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:AAAA", /* short keys */
	        "SCRAM-SHA-256$4096:$AAAA:AAAA",
	        NULL,
	};
	for (int i = 0; bad[i] != NULL; i++)
		CU_ASSERT_EQUAL(scram_record_parse(bad[i], &back, &err), -1);
	/* Trailing garbage after the server key. */
	buf_append_str(&text, ":x");
	CU_ASSERT_EQUAL(scram_record_parse(buf_cstr(&text), &back, &err), -1);
	buf_free(&text);
}

static void test_fake_record(void)
{
	struct scram_record a, b, c, d;
	scram_record_fake((const unsigned char *)"k1", 2, "ghost", 5000, &a);
	scram_record_fake((const unsigned char *)"k1", 2, "ghost", 5000, &b);
	scram_record_fake((const unsigned char *)"k2", 2, "ghost", 5000, &c);
	scram_record_fake(NULL, 0, "ghost", 0, &d);
	CU_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
	CU_ASSERT(memcmp(a.salt, c.salt, 16) != 0);
	CU_ASSERT_EQUAL(a.salt_len, 16);
	CU_ASSERT_EQUAL(a.iterations, 5000);
	CU_ASSERT_EQUAL(d.iterations, SCRAM_DEFAULT_ITERATIONS);
	CU_ASSERT(memcmp(a.salt, a.stored_key, 16) != 0);
}

static void test_saslprep(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	        {"I\xc2\xadX", "IX"}, /* RFC 4013 examples 1-3 */
	        {"user", "user"},
	        {"USER", "USER"},
	        {"a\xc2\xa0"
	         "b",
	         "a b"}, /* non-ASCII space */
	        {"with space", "with space"},
	        {"caf\xc3\xa9", "caf\xc3\xa9"},
	        {NULL, NULL},
	};
	for (int i = 0; cases[i].in != NULL; i++) {
		struct buf b = BUF_INIT;
		const char *err;
		CU_ASSERT_EQUAL(saslprep(cases[i].in, &b, &err), 0);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&b), cases[i].out);
		buf_free(&b);
	}
	static const char *const bad[] = {
	        "\x07", /* RFC 4013 example 6 */
	        "",
	        "\xc2\xad", /* empty after mapping */
	        "\xc0\xaf", /* overlong */
	        "\xed\xa0\x80", /* surrogate */
	        "\xee\x80\x80", /* private use */
	        "\xef\xbf\xbe", /* non-character */
	        "a\xe2\x80\x8e", /* LRM: C.8 */
	        NULL,
	};
	for (int i = 0; bad[i] != NULL; i++) {
		struct buf b = BUF_INIT;
		const char *err;
		CU_ASSERT_EQUAL(saslprep(bad[i], &b, &err), -1);
		buf_free(&b);
	}
}

static const struct unit_test scram_tests[] = {
        {"rfc7677_vector", test_rfc7677_vector},
        {"wrong_proof", test_wrong_proof},
        {"unknown_user_looks_alike", test_unknown_user_looks_alike},
        {"tempfail", test_tempfail},
        {"malformed_client_first", test_malformed_client_first},
        {"malformed_client_final", test_malformed_client_final},
        {"random_nonce_roundtrip_with_authzid", test_random_nonce_roundtrip_with_authzid},
        {"gs2_y_flag", test_gs2_y_flag},
        {"record_make_and_plain", test_record_make_and_plain},
        {"record_text_form", test_record_text_form},
        {"fake_record", test_fake_record},
        {"saslprep", test_saslprep},
        {NULL, NULL},
};
UNIT_SUITE("scram", scram_tests)
