/*
 * mail_address_test.c - RFC 5322 address lists: mailboxes, groups, routes, quoting,
 * comments, garbage; and the decoded one-line form used for SORT / SEARCH.
 */
#include "unit.h"

#include "base/arena.h"
#include "base/buf.h"
#include "mail/mail_address.h"

#include <string.h>

/* Render a list as name|route|mailbox|host; entries, "-" for NULL. */
static void flat(const struct mail_address *l, struct buf *out)
{
	for (; l; l = l->next)
		buf_printf(out, "%s|%s|%s|%s;", l->name ? l->name : "-", l->route ? l->route : "-",
		           l->mailbox ? l->mailbox : "-", l->host ? l->host : "-");
}

static void check(const char *in, const char *want)
{
	struct arena *a = arena_new(0);
	struct buf b = BUF_INIT;
	flat(mail_address_parse(a, in), &b);
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), want);
	if (strcmp(buf_cstr(&b), want) != 0)
		fprintf(stderr, "address %s -> %s\n", in, buf_cstr(&b));
	buf_free(&b);
	arena_free(&a);
}

static void test_mailboxes(void)
{
	check("a@b.example", "-|-|a|b.example;");
	check("Joe Q. Public <john.q.public@example.com>",
	      "Joe Q. Public|-|john.q.public|example.com;");
	check("\"Doe, John\" <j@x>, k@y", "Doe, John|-|j|x;-|-|k|y;");
	check("\"a\\\"b\" <\"quoted local\"@x>", "a\"b|-|quoted local|x;");
	check("j@x (John (nested) Doe)", "John (nested) Doe|-|j|x;");
	check("<@r1,@r2:u@h>", "-|@r1,@r2|u|h;");
	check("u @ h . example", "-|-|u|h.example;");
	check("x@[1.2.3.4]", "-|-|x|[1.2.3.4];");
	check("", "");
	check(" , ,, ", "");
}

static void test_groups(void)
{
	check("undisclosed-recipients:;", "-|-|undisclosed-recipients|-;-|-|-|-;");
	check("G: a@b, c@d; e@f", "-|-|G|-;-|-|a|b;-|-|c|d;-|-|-|-;-|-|e|f;");
	check("Open: a@b", "-|-|Open|-;-|-|a|b;-|-|-|-;");
	check("G: H: x@y;", "-|-|G|-;-|-|x|y;-|-|-|-;");
}

static void test_garbage(void)
{
	check("just words", "-|-|just words|;");
	check("<>", "-|-||;");
	check("a@", "-|-|a|;");
	check(">>>;;;@@@", "-|-||;");
	check("\"unterminated <x@y>", "-|-|unterminated <x@y>|;");
	check("(unterminated comment a@b", "");
	check("Name <a@b", "Name|-|a|b;");
}

static void test_format_decoded(void)
{
	struct arena *a = arena_new(0);
	struct buf b = BUF_INIT;
	mail_address_format_decoded(
	        &b, mail_address_parse(a, "=?utf-8?q?J=C3=BCrgen?= <j@x>, G: k@y;, z@w"));
	CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "J\xc3\xbcrgen <j@x>, G: k@y;, z@w");
	buf_free(&b);
	arena_free(&a);
}

static void test_long_list(void)
{
	struct buf in = BUF_INIT;
	for (int i = 0; i < 50000; i++)
		buf_printf(&in, "(c%d) \"n%d\" <u%d@h%d.example>, ", i, i, i, i);
	struct arena *a = arena_new(0);
	int n = 0;
	for (struct mail_address *l = mail_address_parse(a, buf_cstr(&in)); l; l = l->next)
		n++;
	CU_ASSERT_EQUAL(n, 50000);
	arena_free(&a);
	buf_free(&in);
}

static const struct unit_test tests[] = {
        {"mailboxes", test_mailboxes}, {"groups", test_groups},
        {"garbage", test_garbage},     {"decoded form", test_format_decoded},
        {"long list", test_long_list}, {NULL, NULL},
};
UNIT_SUITE("mail_address", tests)
