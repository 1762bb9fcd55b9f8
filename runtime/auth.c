/*
 * auth.c - JWT HS256 and Argon2id password hashing (see auth.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "auth.h"
#include "shared.h"
#include "util.h"

static int	auth_b64url_encode(const unsigned char *, size_t, char *, size_t);
static json_t	*auth_b64url_json(const char *, size_t);
static void	auth_sign(const char *, size_t, unsigned char *);

_Static_assert(AUTH_HASH_MAX >= crypto_pwhash_STRBYTES, "AUTH_HASH_MAX");

static unsigned char	*secret;
static size_t		 secret_len;
static int		 token_minutes;
static char		 dummy_hash[AUTH_HASH_MAX];

/*
 * The hash verified when the user does not exist (same cost, same
 * timing).  Made once per process, on a thread auth_init starts, so
 * that start-up does not wait the ~0.1 s of an Argon2id hash; a verify
 * that needs it before then waits for it (pthread_once).
 */
static pthread_once_t	dummy_once = PTHREAD_ONCE_INIT;
static pthread_t	dummy_thread;
static int		dummy_started;

static void
auth_dummy_make(void)
{
	if (auth_password_hash("dummy password for timing equality",
	    dummy_hash) == -1)
		dummy_hash[0] = '\0';	/* verify then simply fails */
}

static void *
auth_dummy_main(void *arg)
{
	(void)arg;
	pthread_once(&dummy_once, auth_dummy_make);
	return NULL;
}

int
auth_init(const char *key, int minutes)
{
	if (sodium_init() < 0)
		return -1;
	if (key == NULL || *key == '\0')
		return -1;
	auth_cleanup();
	secret_len = strlen(key);
	secret = sodium_malloc(secret_len);
	if (secret == NULL)
		return -1;
	memcpy(secret, key, secret_len);
	token_minutes = minutes;
	if (pthread_create(&dummy_thread, NULL, auth_dummy_main, NULL) == 0)
		dummy_started = 1;
	else
		pthread_once(&dummy_once, auth_dummy_make);
	return 0;
}

void
auth_cleanup(void)
{
	if (dummy_started)
		pthread_join(dummy_thread, NULL);
	dummy_started = 0;
	if (secret != NULL)
		sodium_free(secret);
	secret = NULL;
	secret_len = 0;
}

static void
auth_sign(const char *data, size_t len, unsigned char *mac)
{
	crypto_auth_hmacsha256_state	st;

	crypto_auth_hmacsha256_init(&st, secret, secret_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)data, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

static int
auth_b64url_encode(const unsigned char *bin, size_t len, char *out,
    size_t outlen)
{
	if (sodium_base64_encoded_len(len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) > outlen)
		return -1;
	sodium_bin2base64(out, outlen, bin, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

int
auth_token_issue(int64_t user_id, int64_t now, char *out, size_t outlen)
{
	static const char	 header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	unsigned char		 mac[32];
	char			 claims[160];
	size_t			 n;
	int			 len;

	if (secret == NULL || user_id <= 0)
		return -1;
	len = snprintf(claims, sizeof(claims),
	    "{\"sub\":\"%lld\",\"user_id\":%lld,\"iat\":%lld,\"exp\":%lld}",
	    (long long)user_id, (long long)user_id, (long long)now,
	    (long long)(now + (int64_t)token_minutes * 60));
	if (len < 0 || (size_t)len >= sizeof(claims))
		return -1;
	if (auth_b64url_encode((const unsigned char *)header,
	    sizeof(header) - 1, out, outlen) == -1)
		return -1;
	n = strlen(out);
	if (n + 2 > outlen)
		return -1;
	out[n++] = '.';
	if (auth_b64url_encode((const unsigned char *)claims, (size_t)len,
	    out + n, outlen - n) == -1)
		return -1;
	n += strlen(out + n);
	auth_sign(out, n, mac);
	if (n + 2 > outlen)
		return -1;
	out[n++] = '.';
	return auth_b64url_encode(mac, sizeof(mac), out + n, outlen - n);
}

/* Decodes one base64url segment holding a JSON object. */
static json_t *
auth_b64url_json(const char *s, size_t len)
{
	unsigned char	buf[AUTH_TOKEN_MAX];
	size_t		n;
	json_t		*j;

	if (sodium_base642bin(buf, sizeof(buf), s, len, NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	j = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, NULL);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int
auth_token_verify(const char *token, int64_t now, int64_t *user_id)
{
	const char	*dot1, *dot2, *alg, *sub;
	unsigned char	 mac[32], got[32];
	json_t		*header = NULL, *claims = NULL, *exp, *nbf, *uid;
	size_t		 len, n;
	int64_t		 id = 0;
	char		*end;
	int		 rc = -1;

	if (secret == NULL || token == NULL ||
	    (len = strlen(token)) >= AUTH_TOKEN_MAX)
		return -1;
	if ((dot1 = strchr(token, '.')) == NULL ||
	    (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    strchr(dot2 + 1, '.') != NULL)
		return -1;

	/* The algorithm is checked before any signature work. */
	if ((header = auth_b64url_json(token, dot1 - token)) == NULL)
		goto out;
	alg = json_string_value(json_object_get(header, "alg"));
	if (alg == NULL || strcmp(alg, "HS256") != 0)
		goto out;

	if (sodium_base642bin(got, sizeof(got), dot2 + 1,
	    len - (dot2 + 1 - token), NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || n != sizeof(got))
		goto out;
	auth_sign(token, dot2 - token, mac);
	if (sodium_memcmp(mac, got, sizeof(mac)) != 0)
		goto out;

	if ((claims = auth_b64url_json(dot1 + 1, dot2 - dot1 - 1)) == NULL)
		goto out;
	exp = json_object_get(claims, "exp");
	if (!json_is_integer(exp) || json_integer_value(exp) <= now)
		goto out;
	/* RFC 7519 4.1.5: not before "nbf"; a non-numeric one is refused. */
	nbf = json_object_get(claims, "nbf");
	if (nbf != NULL && (!json_is_number(nbf) ||
	    json_number_value(nbf) > (double)now))
		goto out;
	uid = json_object_get(claims, "user_id");
	sub = json_string_value(json_object_get(claims, "sub"));
	if (json_is_integer(uid))
		id = json_integer_value(uid);
	if (sub != NULL) {
		long long	v;

		v = strtoll(sub, &end, 10);
		if (*sub == '\0' || *end != '\0' || (id != 0 && v != id))
			goto out;
		id = v;
	}
	if (id <= 0)
		goto out;
	*user_id = id;
	rc = 0;
out:
	json_decref(header);
	json_decref(claims);
	return rc;
}

/*
 * At most hash_limit hashes at once, whichever thread asks: each holds
 * crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MiB) while it runs, so this
 * bounds the memory a burst of logins can take.  The server runs the
 * hashing operations on CPU_WORKERS threads and sets the same limit;
 * this holds it for any other caller too.
 */
static pthread_mutex_t	hash_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	hash_free = PTHREAD_COND_INITIALIZER;
static int		hash_limit;	/* 0: no limit */
static int		hash_running, hash_peak;

void
auth_hash_limit(int n)
{
	pthread_mutex_lock(&hash_lock);
	hash_limit = n > 0 ? n : 0;
	hash_peak = 0;
	pthread_cond_broadcast(&hash_free);
	pthread_mutex_unlock(&hash_lock);
}

int
auth_hash_peak(void)
{
	int	n;

	pthread_mutex_lock(&hash_lock);
	n = hash_peak;
	pthread_mutex_unlock(&hash_lock);
	return n;
}

static void
auth_hash_enter(void)
{
	pthread_mutex_lock(&hash_lock);
	while (hash_limit > 0 && hash_running >= hash_limit)
		pthread_cond_wait(&hash_free, &hash_lock);
	if (++hash_running > hash_peak)
		hash_peak = hash_running;
	pthread_mutex_unlock(&hash_lock);
	/* And over all of Kore's worker processes. */
	shared_hash_enter();
}

static void
auth_hash_leave(void)
{
	shared_hash_leave();
	pthread_mutex_lock(&hash_lock);
	hash_running--;
	pthread_cond_signal(&hash_free);
	pthread_mutex_unlock(&hash_lock);
}

int
auth_password_hash(const char *password, char out[AUTH_HASH_MAX])
{
	int	rc;

	auth_hash_enter();
	rc = crypto_pwhash_str_alg(out, password, strlen(password),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE,
	    crypto_pwhash_ALG_ARGON2ID13);
	auth_hash_leave();
	return rc == 0 ? 0 : -1;
}

int
auth_password_verify(const char *hash, const char *password)
{
	int	ok;

	if (hash == NULL)
		pthread_once(&dummy_once, auth_dummy_make);
	auth_hash_enter();
	ok = crypto_pwhash_str_verify(hash != NULL ? hash : dummy_hash,
	    password, strlen(password));
	auth_hash_leave();
	return (hash != NULL && ok == 0) ? 0 : -1;
}

int
auth_password_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}
