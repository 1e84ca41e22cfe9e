/*
 * scram_client.c - the client side of SCRAM-SHA-256, computed independently of the
 * server code, for the unit tests that drive an exchange (scram_test, sasl_test):
 * scram_client_final (scram_client.h).
 */
#include "scram_client.h"

#include "unit.h"

#include "auth/scram-private.h"
#include "base/base64.h"
#include "base/buf.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

void scram_client_final(const char *password, const char *first_bare, const char *gs2_b64,
                        const char *server_first, struct buf *final, struct buf *server_final)
{
	const char *r = strstr(server_first, "r="), *sp = strstr(server_first, ",s=");
	const char *ip = strstr(server_first, ",i=");
	CU_ASSERT_FATAL(r != NULL && sp != NULL && ip != NULL);
	unsigned char salt[64], salted[32], ck[32], sk[32], stored[32], sig[32];
	size_t salt_len;
	const char *err;
	CU_ASSERT_FATAL(base64_decode_to(sp + 3, (size_t)(ip - sp - 3), salt, sizeof(salt),
	                                 &salt_len, &err) == 0);
	int iter = atoi(ip + 3);
	CU_ASSERT_FATAL(PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len,
	                                  iter, EVP_sha256(), 32, salted) == 1);
	scram_hmac(salted, 32, "Client Key", 10, ck);
	scram_hash(ck, 32, stored);
	scram_hmac(salted, 32, "Server Key", 10, sk);
	buf_printf(final, "c=%s,%.*s", gs2_b64, (int)(sp - r), r);
	struct buf am = BUF_INIT;
	buf_printf(&am, "%s,%s,%s", first_bare, server_first, buf_cstr(final));
	scram_hmac(stored, 32, am.data, am.len, sig);
	for (int i = 0; i < 32; i++)
		ck[i] ^= sig[i];
	buf_append_str(final, ",p=");
	base64_encode(ck, 32, final);
	scram_hmac(sk, 32, am.data, am.len, sig);
	buf_append_str(server_final, "v=");
	base64_encode(sig, 32, server_final);
	buf_free(&am);
}
