/*
 * base64_test.c - RFC 4648 test vectors, binary round trips, strict decoding.
 */
#include "unit.h"

#include "base/base64.h"
#include "base/buf.h"

#include <string.h>

static void test_rfc4648_vectors(void)
{
	static const char *const v[][2] = {
	        {"", ""},
	        {"f", "Zg=="},
	        {"fo", "Zm8="},
	        {"foo", "Zm9v"},
	        {"foob", "Zm9vYg=="},
	        {"fooba", "Zm9vYmE="},
	        {"foobar", "Zm9vYmFy"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct buf e = BUF_INIT, d = BUF_INIT;
		const char *err;
		base64_encode(v[i][0], strlen(v[i][0]), &e);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&e), v[i][1]);
		CU_ASSERT_EQUAL(e.len, base64_encoded_len(strlen(v[i][0])));
		CU_ASSERT_EQUAL(base64_decode(v[i][1], strlen(v[i][1]), &d, &err), 0);
		CU_ASSERT_STRING_EQUAL(buf_cstr(&d), v[i][0]);
		buf_free(&e);
		buf_free(&d);
	}
}

static void test_binary_roundtrip(void)
{
	unsigned char data[256], back[256];
	for (int i = 0; i < 256; i++)
		data[i] = (unsigned char)(255 - i);
	for (size_t n = 0; n <= sizeof(data); n += 37) {
		struct buf e = BUF_INIT;
		size_t len = 0;
		const char *err;
		base64_encode(data, n, &e);
		CU_ASSERT_EQUAL(base64_decode_to(e.data, e.len, back, sizeof(back), &len, &err), 0);
		CU_ASSERT_EQUAL(len, n);
		CU_ASSERT(memcmp(back, data, n) == 0);
		buf_free(&e);
	}
}

static void test_strict(void)
{
	const char *err;
	static const char *const bad[] = {
	        "Zg",   "Zg=",      "Zg===", "Z===", "Zm9v YmFy", "Zm9\nv", "Zh==", /* pad bits */
	        "Zm9=", /* non-zero pad bits */
	        "=Zm9", "Zg==Zg==", "Zm*v",  NULL,
	};
	for (int i = 0; bad[i] != NULL; i++) {
		struct buf d = BUF_INIT;
		err = NULL;
		CU_ASSERT_EQUAL(base64_decode(bad[i], strlen(bad[i]), &d, &err), -1);
		CU_ASSERT_PTR_NOT_NULL(err);
		buf_free(&d);
	}
	struct buf d = BUF_INIT;
	CU_ASSERT_EQUAL(base64_decode("Zm9v\0AAA", 8, &d, &err), -1); /* NUL inside */
	buf_free(&d);
	unsigned char small[2];
	size_t len;
	CU_ASSERT_EQUAL(base64_decode_to("Zm9v", 4, small, sizeof(small), &len, &err), -1);
	CU_ASSERT_EQUAL(base64_decode_to("Zm8=", 4, small, sizeof(small), &len, &err), 0);
	CU_ASSERT_EQUAL(len, 2);
}

static const struct unit_test base64_tests[] = {
        {"rfc4648_vectors", test_rfc4648_vectors},
        {"binary_roundtrip", test_binary_roundtrip},
        {"strict", test_strict},
        {NULL, NULL},
};
UNIT_SUITE("base64", base64_tests)
