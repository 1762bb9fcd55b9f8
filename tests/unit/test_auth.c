/*
 * test_auth.c - JWT HS256 and Argon2id (runtime/auth.c).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "auth.h"

#define NOW	1700000000LL

static int
setup(void **state)
{
	return auth_init("unit-test-secret", 30);
}

static int
teardown(void **state)
{
	auth_cleanup();
	return 0;
}

/* base64url of a string, no padding. */
static void
b64(const char *s, char *out, size_t outlen)
{
	sodium_bin2base64(out, outlen, (const unsigned char *)s, strlen(s),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void
test_roundtrip(void **state)
{
	char	tok[AUTH_TOKEN_MAX];
	int64_t	id = 0;

	assert_int_equal(auth_token_issue(42, NOW, tok, sizeof(tok)), 0);
	assert_int_equal(auth_token_verify(tok, NOW + 10, &id), 0);
	assert_int_equal(id, 42);
	/* expires after the configured 30 minutes, exactly */
	assert_int_equal(auth_token_verify(tok, NOW + 30 * 60 - 1, &id), 0);
	assert_int_equal(auth_token_verify(tok, NOW + 30 * 60, &id), -1);
}

static void
test_tampered(void **state)
{
	char	tok[AUTH_TOKEN_MAX], bad[AUTH_TOKEN_MAX];
	int64_t	id;
	size_t	i;

	assert_int_equal(auth_token_issue(7, NOW, tok, sizeof(tok)), 0);
	/* flipping any character anywhere invalidates the token */
	for (i = 0; tok[i] != '\0'; i++) {
		if (tok[i] == '.')
			continue;
		strcpy(bad, tok);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_int_equal(auth_token_verify(bad, NOW, &id), -1);
	}
	assert_int_equal(auth_token_verify("", NOW, &id), -1);
	assert_int_equal(auth_token_verify("a.b", NOW, &id), -1);
	assert_int_equal(auth_token_verify("a.b.c.d", NOW, &id), -1);
	assert_int_equal(auth_token_verify(NULL, NOW, &id), -1);
}

static void
test_other_secret(void **state)
{
	char	tok[AUTH_TOKEN_MAX];
	int64_t	id;

	assert_int_equal(auth_token_issue(7, NOW, tok, sizeof(tok)), 0);
	assert_int_equal(auth_init("another-secret", 30), 0);
	assert_int_equal(auth_token_verify(tok, NOW, &id), -1);
	assert_int_equal(auth_init("unit-test-secret", 30), 0);
	assert_int_equal(auth_token_verify(tok, NOW, &id), 0);
}

static void
test_alg_none_and_others_refused(void **state)
{
	const char	*headers[] = {
		"{\"alg\":\"none\",\"typ\":\"JWT\"}",
		"{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
		"{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
		"{\"alg\":\"hs256\",\"typ\":\"JWT\"}",
		"{\"typ\":\"JWT\"}",
		"[1]",
	};
	char	 h[128], c[128], tok[AUTH_TOKEN_MAX];
	int64_t	 id;
	size_t	 i;

	b64("{\"sub\":\"1\",\"user_id\":1,\"exp\":9999999999}", c, sizeof(c));
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		b64(headers[i], h, sizeof(h));
		snprintf(tok, sizeof(tok), "%s.%s.", h, c);
		assert_int_equal(auth_token_verify(tok, NOW, &id), -1);
		snprintf(tok, sizeof(tok), "%s.%s.AAAA", h, c);
		assert_int_equal(auth_token_verify(tok, NOW, &id), -1);
	}
}

/* A correctly signed token whose claims are wrong. */
static int
signed_with(const char *claims, char *tok, size_t len)
{
	char			h[128], c[256], sig[64];
	unsigned char		mac[32];
	crypto_auth_hmacsha256_state st;
	const char		*key = "unit-test-secret";

	b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", h, sizeof(h));
	b64(claims, c, sizeof(c));
	snprintf(tok, len, "%s.%s", h, c);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key,
	    strlen(key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok,
	    strlen(tok));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(sig, sizeof(sig), mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	strcat(tok, ".");
	strcat(tok, sig);
	return 0;
}

static void
test_claims(void **state)
{
	char	tok[AUTH_TOKEN_MAX];
	int64_t	id = 0;

	signed_with("{\"sub\":\"5\",\"exp\":9999999999}", tok, sizeof(tok));
	assert_int_equal(auth_token_verify(tok, NOW, &id), 0);
	assert_int_equal(id, 5);
	signed_with("{\"user_id\":6,\"exp\":9999999999}", tok, sizeof(tok));
	assert_int_equal(auth_token_verify(tok, NOW, &id), 0);
	assert_int_equal(id, 6);
	/* missing exp, string exp, expired */
	signed_with("{\"sub\":\"5\"}", tok, sizeof(tok));
	assert_int_equal(auth_token_verify(tok, NOW, &id), -1);
	signed_with("{\"sub\":\"5\",\"exp\":\"9999999999\"}", tok, sizeof(tok));
	assert_int_equal(auth_token_verify(tok, NOW, &id), -1);
	signed_with("{\"sub\":\"5\",\"exp\":1}", tok, sizeof(tok));
	assert_int_equal(auth_token_verify(tok, NOW, &id), -1);
	/* sub and user_id disagree; non-numeric sub; no subject; zero id */
	signed_with("{\"sub\":\"5\",\"user_id\":6,\"exp\":9999999999}", tok,
	    sizeof(tok));
	assert_int_equal(auth_token_verify(tok, NOW, &id), -1);
	signed_with("{\"sub\":\"5x\",\"exp\":9999999999}", tok, sizeof(tok));
	assert_int_equal(auth_token_verify(tok, NOW, &id), -1);
	signed_with("{\"exp\":9999999999}", tok, sizeof(tok));
	assert_int_equal(auth_token_verify(tok, NOW, &id), -1);
	signed_with("{\"sub\":\"0\",\"exp\":9999999999}", tok, sizeof(tok));
	assert_int_equal(auth_token_verify(tok, NOW, &id), -1);
	/* nbf: not before a second in the future; from now on it counts;
	 * a string is refused */
	signed_with("{\"sub\":\"5\",\"exp\":9999999999,\"nbf\":1700000001}",
	    tok, sizeof(tok));
	assert_int_equal(auth_token_verify(tok, NOW, &id), -1);
	assert_int_equal(auth_token_verify(tok, NOW + 1, &id), 0);
	signed_with("{\"sub\":\"5\",\"exp\":9999999999,\"nbf\":\"0\"}",
	    tok, sizeof(tok));
	assert_int_equal(auth_token_verify(tok, NOW, &id), -1);
}

static void
test_passwords(void **state)
{
	char	h1[AUTH_HASH_MAX], h2[AUTH_HASH_MAX];

	assert_int_equal(auth_password_hash("correct horse", h1), 0);
	assert_int_equal(auth_password_hash("correct horse", h2), 0);
	assert_memory_equal(h1, "$argon2id$v=19$m=65536,t=2,p=1$", 31);
	assert_string_not_equal(h1, h2);	/* salted */
	assert_int_equal(auth_password_verify(h1, "correct horse"), 0);
	assert_int_equal(auth_password_verify(h1, "correct horsE"), -1);
	assert_int_equal(auth_password_verify(NULL, "correct horse"), -1);
	assert_int_equal(auth_password_verify("garbage", "x"), -1);
	assert_false(auth_password_needs_rehash(h1));
	/* é is two bytes: hashing is over the UTF-8 bytes, verify agrees */
	assert_int_equal(auth_password_hash("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", h2), 0);
	assert_int_equal(auth_password_verify(h2, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), 0);
}

static void *
verify_thread(void *arg)
{
	return (void *)(intptr_t)auth_password_verify(arg, "right password");
}

/* Six verifies at once under a limit of two: at most two run together,
 * all of them complete, and each still gets the right answer. */
static void
test_hash_limit(void **state)
{
	char		hash[AUTH_HASH_MAX];
	pthread_t	th[6];
	void		*rc;
	int		i;

	(void)state;
	assert_int_equal(auth_password_hash("right password", hash), 0);
	auth_hash_limit(2);
	for (i = 0; i < 6; i++)
		assert_int_equal(pthread_create(&th[i], NULL, verify_thread,
		    hash), 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(pthread_join(th[i], &rc), 0);
		assert_int_equal((intptr_t)rc, 0);
	}
	assert_int_equal(auth_hash_peak(), 2);
	auth_hash_limit(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_other_secret),
		cmocka_unit_test(test_alg_none_and_others_refused),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_passwords),
		cmocka_unit_test(test_hash_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
