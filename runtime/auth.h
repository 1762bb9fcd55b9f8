/*
 * auth.h - access tokens (JWT, HS256) and password hashes (Argon2id),
 * both on libsodium.
 *
 * Tokens: header {"alg":"HS256","typ":"JWT"}, claims {"sub": "<id>",
 * "user_id": <id>, "iat", "exp"}, signed with HMAC-SHA-256 under
 * SECRET_KEY.  Verification accepts only alg HS256 ("none" and every other
 * algorithm are refused before any signature work), compares the
 * signature in constant time, and requires an unexpired exp and a
 * positive user id on which sub and user_id agree.
 *
 * Passwords: crypto_pwhash_str with libsodium's "interactive" limits for
 * Argon2id (opslimit 2, memlimit 64 MiB): about 0.1 s of one core per hash
 * or verify.  The stored string is self-describing ("$argon2id$v=19$m=
 * 65536,t=2,p=1$..."), so limits can be raised later without breaking old
 * hashes (auth_password_needs_rehash tells when to upgrade one).
 */
#ifndef RUNTIME_AUTH_H
#define RUNTIME_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_TOKEN_MAX		512
#define AUTH_HASH_MAX		128	/* >= crypto_pwhash_STRBYTES */

/* The secret is copied; call once at start-up. 0 ok, -1 error. */
int	auth_init(const char *secret, int token_minutes);
void	auth_cleanup(void);

/* 0 ok (token NUL-terminated in out), -1 error. now: unix time. */
int	auth_token_issue(int64_t user_id, int64_t now, char *out, size_t outlen);
/* 0 valid (user id in *user_id), -1 invalid or expired. */
int	auth_token_verify(const char *token, int64_t now, int64_t *user_id);

/* 0 ok, -1 error (out of memory for Argon2id). */
int	auth_password_hash(const char *password, char out[AUTH_HASH_MAX]);
/* 0 match, -1 mismatch.  hash may be NULL (no such user): a dummy hash
 * is verified instead, so the answer takes the same time either way. */
int	auth_password_verify(const char *hash, const char *password);
int	auth_password_needs_rehash(const char *hash);
/* Hashes and verifies running at once are held to n (0: no limit;
 * the server sets CPU_WORKERS); auth_hash_peak: the most seen at once
 * since.  Each takes 64 MiB while it runs. */
void	auth_hash_limit(int n);
int	auth_hash_peak(void);

#endif
