/*
 * lmtp_session_test.c - the LMTP protocol engine against fake delivery callbacks:
 * replies, pipelining (whole and byte by byte), DATA framing and smuggling,
 * dot-unstuffing, BDAT, limits and bad input.
 */
#include "unit.h"

#include "base/arena.h"
#include "base/buf.h"
#include "lmtpd/lmtp_session.h"

#include <stdlib.h>
#include <string.h>

struct fake {
	int delivers;
	size_t last_n;
	struct buf last_msg;
	char last_sender[256];
	int rcpt_calls;
	uint64_t last_size;
};

static enum lmtp_status fake_rcpt(void *ctx, struct arena *txn, const char *address, uint64_t size,
                                  void **rcpt_r)
{
	struct fake *f = ctx;
	f->rcpt_calls++;
	f->last_size = size;
	if (strncmp(address, "nobody@", 7) == 0)
		return LMTP_UNKNOWN;
	if (strncmp(address, "full@", 5) == 0)
		return LMTP_OVER_QUOTA;
	if (strncmp(address, "down@", 5) == 0)
		return LMTP_TEMPFAIL;
	*rcpt_r = arena_strdup(txn, address);
	return LMTP_OK;
}

static void fake_deliver(void *ctx, const char *sender, const unsigned char *msg, size_t len,
                         void *const *rcpts, size_t n, enum lmtp_status *status_r)
{
	struct fake *f = ctx;
	f->delivers++;
	f->last_n = n;
	buf_reset(&f->last_msg);
	buf_append(&f->last_msg, msg, len);
	snprintf(f->last_sender, sizeof(f->last_sender), "%s", sender);
	for (size_t i = 0; i < n; i++) {
		const char *a = rcpts[i];
		status_r[i] = strncmp(a, "dup@", 4) == 0          ? LMTP_DUPLICATE
		              : strncmp(a, "late-full@", 10) == 0 ? LMTP_OVER_QUOTA
		                                                  : LMTP_OK;
	}
}

static const struct lmtp_callbacks fake_cb = {fake_rcpt, fake_deliver};

/* Run a whole session's input in one piece (or byte by byte); returns replies. */
static char *run(const struct lmtp_settings *set, struct fake *f, const char *in, size_t len,
                 int bytewise, int *rc_r)
{
	struct lmtp_session *s = lmtp_session_new(set, &fake_cb, f);
	struct buf out = BUF_INIT;
	int rc = 0;
	if (bytewise) {
		for (size_t i = 0; i < len && rc == 0; i++)
			rc = lmtp_session_input(s, in + i, 1, &out);
	} else {
		rc = lmtp_session_input(s, in, len, &out);
	}
	lmtp_session_free(&s);
	if (rc_r)
		*rc_r = rc;
	return buf_steal(&out, NULL);
}

static char *run_str(const struct lmtp_settings *set, struct fake *f, const char *in)
{
	return run(set, f, in, strlen(in), 0, NULL);
}

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	buf_init(&f->last_msg);
}

static void test_greeting_and_lhlo(void)
{
	struct lmtp_settings set;
	lmtp_settings_init(&set);
	set.hostname = "mx.test";
	set.max_message_size = 12345;
	struct fake f;
	fake_init(&f);
	struct lmtp_session *s = lmtp_session_new(&set, &fake_cb, &f);
	struct buf out = BUF_INIT;
	lmtp_session_greeting(s, &out);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "220 mx.test LMTP cairn ready\r\n");
	buf_reset(&out);
	CU_ASSERT_EQUAL(lmtp_session_input(s, "LHLO client\r\n", 13, &out), 0);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out),
	                       "250-mx.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"
	                       "250-8BITMIME\r\n250-SIZE 12345\r\n250 CHUNKING\r\n");
	buf_reset(&out);
	CU_ASSERT_EQUAL(lmtp_session_input(s, "QUIT\r\n", 6, &out), -1);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&out), "221 2.0.0 Bye\r\n");
	buf_free(&out);
	lmtp_session_free(&s);
	buf_free(&f.last_msg);
}

static const char session1[] = "LHLO c\r\n"
                               "MAIL FROM:<s@x.test> SIZE=100 BODY=8BITMIME\r\n"
                               "RCPT TO:<a@x.test>\r\n"
                               "RCPT TO:<nobody@x.test>\r\n"
                               "RCPT TO:<full@x.test>\r\n"
                               "RCPT TO:<down@x.test>\r\n"
                               "RCPT TO:<dup@x.test>\r\n"
                               "DATA\r\n"
                               "Subject: t\r\n"
                               "\r\n"
                               "..leading dot\r\n"
                               ".\r\n"
                               "QUIT\r\n";
static const char session1_replies[] = "250-localhost\r\n250-PIPELINING\r\n"
                                       "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
                                       "250-SIZE 52428800\r\n250 CHUNKING\r\n"
                                       "250 2.1.0 Sender OK\r\n"
                                       "250 2.1.5 OK\r\n"
                                       "550 5.1.1 No such user here\r\n"
                                       "452 4.2.2 Mailbox full\r\n"
                                       "451 4.3.0 Temporary failure, try again later\r\n"
                                       "250 2.1.5 OK\r\n"
                                       "354 Start mail input; end with <CRLF>.<CRLF>\r\n"
                                       "250 2.0.0 Delivered\r\n"
                                       "250 2.0.0 Duplicate suppressed\r\n"
                                       "221 2.0.0 Bye\r\n";
static const char session1_msg[] = "Return-Path: <s@x.test>\r\nSubject: t\r\n\r\n.leading dot\r\n";

static void test_pipelined_whole_and_bytewise(void)
{
	struct lmtp_settings set;
	lmtp_settings_init(&set);
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct fake f;
		fake_init(&f);
		int rc;
		char *out = run(&set, &f, session1, sizeof(session1) - 1, bytewise, &rc);
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_STRING_EQUAL(out, session1_replies);
		CU_ASSERT_EQUAL(f.delivers, 1);
		CU_ASSERT_EQUAL(f.last_n, 2);
		CU_ASSERT_EQUAL(f.last_size, 100);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&f.last_msg), session1_msg);
		CU_ASSERT_STRING_EQUAL(f.last_sender, "s@x.test");
		free(out);
		buf_free(&f.last_msg);
	}
}

static void test_bare_lf_never_ends_data(void)
{
	struct lmtp_settings set;
	lmtp_settings_init(&set);
	struct fake f;
	fake_init(&f);
	const char in[] = "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@x>\r\nDATA\r\n"
	                  "A: 1\r\n\r\nline\n.\nsmuggled\r\n.\nstill\n.\r\nmore\r\n"
	                  "NUL\0here\r\n.\r\n";
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		char *out = run(&set, &f, in, sizeof(in) - 1, bytewise, NULL);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "250 2.0.0 Delivered\r\n"));
		const char want[] = "Return-Path: <>\r\nA: 1\r\n\r\nline\r\n.\r\nsmuggled\r\n.\r\n"
		                    "still\r\n.\r\nmore\r\nNUL\0here\r\n";
		CU_ASSERT_EQUAL(f.last_msg.len, sizeof(want) - 1);
		CU_ASSERT(memcmp(f.last_msg.data, want, sizeof(want) - 1) == 0);
		free(out);
	}
	CU_ASSERT_EQUAL(f.delivers, 2);
	buf_free(&f.last_msg);
}

static void test_sequence_errors(void)
{
	struct lmtp_settings set;
	lmtp_settings_init(&set);
	struct fake f;
	fake_init(&f);
	char *out = run_str(&set, &f,
	                    "MAIL FROM:<a@b>\r\nLHLO c\r\nRCPT TO:<a@b>\r\nDATA\r\n"
	                    "MAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\nDATA\r\nHELO x\r\n"
	                    "FOO\r\nVRFY x\r\nNOOP\r\nRSET\r\nRCPT TO:<a@b>\r\nLHLO\r\n");
	CU_ASSERT_STRING_EQUAL(out, "503 5.5.1 Send LHLO first\r\n"
	                            "250-localhost\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"
	                            "250-8BITMIME\r\n250-SIZE 52428800\r\n250 CHUNKING\r\n"
	                            "503 5.5.1 Need MAIL before RCPT\r\n"
	                            "503 5.5.1 Need MAIL command\r\n"
	                            "250 2.1.0 Sender OK\r\n"
	                            "503 5.5.1 Nested MAIL command\r\n"
	                            "503 5.5.1 No valid recipients\r\n"
	                            "500 5.5.1 This is LMTP: use LHLO\r\n"
	                            "500 5.5.2 Command unrecognized\r\n"
	                            "252 2.5.2 Cannot VRFY user, but will accept message and "
	                            "attempt delivery\r\n"
	                            "250 2.0.0 OK\r\n250 2.0.0 OK\r\n"
	                            "503 5.5.1 Need MAIL before RCPT\r\n"
	                            "501 5.5.4 LHLO needs a host name\r\n");
	CU_ASSERT_EQUAL(f.delivers, 0);
	free(out);
	buf_free(&f.last_msg);
}

static void test_bad_addresses(void)
{
	struct lmtp_settings set;
	lmtp_settings_init(&set);
	struct fake f;
	fake_init(&f);
	static const char *const bad[] = {
	        "RCPT TO:a@b\r\n",       "RCPT TO:<a@b\r\n",     "RCPT TO:<>\r\n",
	        "RCPT TO:<a@>\r\n",      "RCPT TO:<@b>\r\n",     "RCPT TO:<a..b@c>\r\n",
	        "RCPT TO:<a b@c>\r\n",   "RCPT TO:<a@b..c>\r\n", "RCPT TO:<\"a\x01\"@b>\r\n",
	        "RCPT TO:<a@b>junk\r\n", "RCPT TO:<a@[1.2>\r\n", "RCPT TO:<a>\r\n",
	        "RCPT <a@b>\r\n",        "RCPT TO:<.a@b>\r\n",   "RCPT TO:<a@-b>\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf in = BUF_INIT;
		buf_printf(&in, "LHLO c\r\nMAIL FROM:<>\r\n%s", bad[i]);
		char *out = run_str(&set, &f, buf_cstr(&in));
		const char *last = strrchr(out, '\n');
		last = out + strlen(out) - 1;
		while (last > out && last[-1] != '\n')
			last--;
		if (strncmp(last, "501 5.1.3", 9) != 0)
			fprintf(stderr, "bad address %s got: %s", bad[i], last);
		CU_ASSERT_NSTRING_EQUAL(last, "501 5.1.3", 9);
		free(out);
		buf_free(&in);
	}
	CU_ASSERT_EQUAL(f.rcpt_calls, 0);
	char *out = run_str(&set, &f,
	                    "LHLO c\r\nMAIL FROM:<@r1,@r2:s@x>\r\nRCPT TO:<\"q u\\\"x\"@b>\r\n"
	                    "RCPT TO:<Postmaster>\r\nRCPT TO:<a@[127.0.0.1]>\r\n"
	                    "RCPT TO:<a@b> NOTIFY=NEVER\r\nMAIL FROM:<x@y> FOO=1\r\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "250 2.1.0 Sender OK\r\n250 2.1.5 OK\r\n250 2.1.5 OK\r\n"
	                                   "250 2.1.5 OK\r\n555 5.5.4"));
	CU_ASSERT_EQUAL(f.rcpt_calls, 3);
	free(out);
	buf_free(&f.last_msg);
}

static void test_recipient_limit(void)
{
	struct lmtp_settings set;
	lmtp_settings_init(&set);
	struct fake f;
	fake_init(&f);
	struct buf in = BUF_INIT;
	buf_append_str(&in, "LHLO c\r\nMAIL FROM:<s@x>\r\n");
	for (int i = 0; i < 1001; i++)
		buf_printf(&in, "RCPT TO:<u%d@x>\r\n", i);
	buf_append_str(&in, "DATA\r\nhi\r\n.\r\n");
	char *out = run_str(&set, &f, buf_cstr(&in));
	int ok = 0, d = 0;
	for (const char *p = out; (p = strstr(p, "250 2.1.5 OK")) != NULL; p++)
		ok++;
	for (const char *p = out; (p = strstr(p, "250 2.0.0 Delivered")) != NULL; p++)
		d++;
	CU_ASSERT_EQUAL(ok, 1000);
	CU_ASSERT_EQUAL(d, 1000);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "452 4.5.3 Too many recipients\r\n"));
	CU_ASSERT_EQUAL(f.last_n, 1000);
	free(out);
	buf_free(&in);
	buf_free(&f.last_msg);
}

static void test_size_limits(void)
{
	struct lmtp_settings set;
	lmtp_settings_init(&set);
	set.max_message_size = 1000;
	struct fake f;
	fake_init(&f);
	char *out = run_str(&set, &f,
	                    "LHLO c\r\nMAIL FROM:<s@x> SIZE=1001\r\nMAIL FROM:<s@x> "
	                    "SIZE=x\r\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "552 5.3.4 Message size exceeds fixed limit\r\n"
	                                   "501 5.5.4 Bad SIZE parameter\r\n"));
	free(out);
	struct buf in = BUF_INIT;
	buf_append_str(&in, "LHLO c\r\nMAIL FROM:<s@x>\r\nRCPT TO:<a@x>\r\nRCPT TO:<b@x>\r\n"
	                    "DATA\r\n");
	for (int i = 0; i < 100; i++)
		buf_append_str(&in, "0123456789012345678901234567890123456789\r\n");
	buf_append_str(&in, ".\r\nNOOP\r\n");
	out = run_str(&set, &f, buf_cstr(&in));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "552 5.3.4 Message too big\r\n552 5.3.4 Message too "
	                                   "big\r\n250 2.0.0 OK\r\n"));
	CU_ASSERT_EQUAL(f.delivers, 0);
	free(out);
	/* Overlong command lines: refused, then the session goes on. */
	set.max_line_length = 512;
	buf_reset(&in);
	buf_append_str(&in, "LHLO c\r\nNOOP ");
	for (int i = 0; i < 100000; i++)
		buf_append_char(&in, 'x');
	buf_append_str(&in, "\r\nNOOP\r\n");
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		out = run(&set, &f, in.data, in.len, bytewise, NULL);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "CHUNKING\r\n500 5.5.2 Line too long\r\n"
		                                   "250 2.0.0 OK\r\n"));
		free(out);
	}
	buf_free(&in);
	buf_free(&f.last_msg);
}

static void test_long_data_line_stored_whole(void)
{
	struct lmtp_settings set;
	lmtp_settings_init(&set);
	struct fake f;
	fake_init(&f);
	struct buf in = BUF_INIT;
	buf_append_str(&in, "LHLO c\r\nMAIL FROM:<s@x>\r\nRCPT TO:<a@x>\r\nDATA\r\nX-Long: .");
	for (int i = 0; i < 1024 * 1024; i++)
		buf_append_char(&in, (char)('a' + i % 26));
	buf_append_str(&in, "\r\n\r\nbody\r\n.\r\n");
	/* fed in 1000-byte pieces, so the long line arrives without its LF many times */
	struct lmtp_session *s = lmtp_session_new(&set, &fake_cb, &f);
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < in.len; i += 1000)
		lmtp_session_input(s, in.data + i, in.len - i < 1000 ? in.len - i : 1000, &out);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf_cstr(&out), "250 2.0.0 Delivered"));
	CU_ASSERT_EQUAL(f.last_msg.len, strlen("Return-Path: <s@x>\r\n") + strlen("X-Long: .") +
	                                        1024 * 1024 + strlen("\r\n\r\nbody\r\n"));
	lmtp_session_free(&s);
	buf_free(&out);
	buf_free(&in);
	buf_free(&f.last_msg);
}

static void test_bdat(void)
{
	struct lmtp_settings set;
	lmtp_settings_init(&set);
	struct fake f;
	fake_init(&f);
	const char in[] = "LHLO c\r\nMAIL FROM:<s@x>\r\nRCPT TO:<a@x>\r\n"
	                  "BDAT 9\r\nA: 1\r\n\r\nb"
	                  "BDAT 6\r\nody\nx\r"
	                  "BDAT 3 LAST\r\n\n.\n"
	                  "BDAT 4 LAST\r\nQUIT"
	                  "DATA\r\n";
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		char *out = run(&set, &f, in, sizeof(in) - 1, bytewise, NULL);
		CU_ASSERT_PTR_NOT_NULL(strstr(out,
		                              "250 2.1.5 OK\r\n"
		                              "250 2.0.0 9 octets received\r\n"
		                              "250 2.0.0 6 octets received\r\n"
		                              "250 2.0.0 Delivered\r\n"
		                              "503 5.5.1 No valid recipients, chunk discarded\r\n"
		                              "503 5.5.1 Need MAIL command\r\n"));
		CU_ASSERT_STRING_EQUAL(buf_cstr(&f.last_msg),
		                       "Return-Path: <s@x>\r\nA: 1\r\n\r\nbody\r\nx\r\n.\r\n");
		free(out);
	}
	CU_ASSERT_EQUAL(f.delivers, 2);
	char *out = run_str(&set, &f, "LHLO c\r\nBDAT 12x\r\nNOOP\r\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "501 5.5.4 Bad BDAT syntax, closing\r\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "250 2.0.0 OK"));
	free(out);
	buf_free(&f.last_msg);
}

static void test_over_quota_552_and_vanish(void)
{
	struct lmtp_settings set;
	lmtp_settings_init(&set);
	set.over_quota_code = 552;
	struct fake f;
	fake_init(&f);
	char *out = run_str(&set, &f,
	                    "LHLO c\r\nMAIL FROM:<s@x>\r\nRCPT TO:<full@x>\r\nRCPT TO:<late-full@x>"
	                    "\r\nDATA\r\nSubject: half a messa");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "552 5.2.2 Mailbox full\r\n250 2.1.5 OK\r\n354 "));
	CU_ASSERT_EQUAL(f.delivers, 0); /* the client vanished mid-DATA: nothing delivered */
	free(out);
	out = run_str(&set, &f,
	              "LHLO c\r\nMAIL FROM:<s@x>\r\nRCPT TO:<late-full@x>\r\nDATA\r\n"
	              "x\r\n.\r\n");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "354 Start mail input; end with <CRLF>.<CRLF>\r\n"
	                                   "552 5.2.2 Mailbox full\r\n"));
	free(out);
	buf_free(&f.last_msg);
}

static const struct unit_test lmtp_session_tests[] = {
        {"greeting_and_lhlo", test_greeting_and_lhlo},
        {"pipelined_whole_and_bytewise", test_pipelined_whole_and_bytewise},
        {"bare_lf_never_ends_data", test_bare_lf_never_ends_data},
        {"sequence_errors", test_sequence_errors},
        {"bad_addresses", test_bad_addresses},
        {"recipient_limit", test_recipient_limit},
        {"size_limits", test_size_limits},
        {"long_data_line_stored_whole", test_long_data_line_stored_whole},
        {"bdat", test_bdat},
        {"over_quota_552_and_vanish", test_over_quota_552_and_vanish},
        {NULL, NULL},
};
UNIT_SUITE("lmtp_session", lmtp_session_tests)
