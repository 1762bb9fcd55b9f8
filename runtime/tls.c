/*
 * tls.c - Kore 4.1's TLS, made to work on OpenSSL 3 (Debian 12).
 *
 * Kore keeps a domain's private key out of the workers: its key manager
 * process holds it, and a worker signs through an RSA or EC method of
 * Kore's that asks the key manager.  On OpenSSL 3 both halves of that are
 * broken in Kore 4.1: the worker sets its method on EVP_PKEY_get1_RSA()'s
 * cached copy, which the SSL_CTX never uses (domain.c,
 * kore_domain_tlsinit), and the key manager signs with
 * EVP_PKEY_get0(key), which is NULL for the provider keys OpenSSL 3
 * loads (keymgr.c, keymgr_rsa_encrypt and keymgr_ecdsa_sign: it crashes).
 * Every handshake ends in "internal error"; the bare Kore application of
 * bench/baseline fails the same way.
 *
 * So the parent, which reads the keys anyway, keeps each domain's key
 * (tls_keys_load, before the workers fork) and each worker gives it to
 * the SSL_CTX Kore made (tls_fix_domains): the key is then in the
 * workers' memory, as in most servers, rather than in Kore's key manager
 * alone.  Kore makes a domain's SSL_CTX when the key manager sends the
 * certificate (at start, and again on SIGHUP), so tls_fix_domains runs
 * from a timer and fixes each context once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <kore/kore.h>

#include "log.h"
#include "tls.h"
#include "util.h"

struct tls_key {
	const struct kore_domain	*dom;
	char				*pem;
	size_t				 len;
	struct tls_key			*next;
};

static void	tls_key_load(struct kore_domain *);
static void	tls_fix_domain(struct kore_domain *);

static struct tls_key	*keys;
static int		 tls_index = -1;	/* SSL_CTX ex_data: fixed */
static int		 tls_errors;
static int		 tls_pending;		/* domains without a context */

static void
tls_key_load(struct kore_domain *dom)
{
	struct tls_key	*k;
	FILE		*fp;
	long		 n;

	if (dom->certkey == NULL || dom->server == NULL || !dom->server->tls)
		return;
	if ((fp = fopen(dom->certkey, "r")) == NULL ||
	    fseek(fp, 0, SEEK_END) == -1 || (n = ftell(fp)) <= 0 ||
	    fseek(fp, 0, SEEK_SET) == -1) {
		log_error(NULL, "certkey %s: cannot read it", dom->certkey);
		tls_errors++;
		if (fp != NULL)
			fclose(fp);
		return;
	}
	k = xcalloc(1, sizeof(*k));
	k->dom = dom;
	k->len = (size_t)n;
	k->pem = xmalloc(k->len);
	if (fread(k->pem, 1, k->len, fp) != k->len) {
		log_error(NULL, "certkey %s: short read", dom->certkey);
		tls_errors++;
	}
	fclose(fp);
	k->next = keys;
	keys = k;
}

int
tls_keys_load(void)
{
	tls_errors = 0;
	kore_domain_callback(tls_key_load);
	return (tls_errors == 0 ? 0 : -1);
}

static void
tls_fix_domain(struct kore_domain *dom)
{
	struct tls_key	*k;
	EVP_PKEY	*pkey;
	BIO		*bio;

	for (k = keys; k != NULL && k->dom != dom; k = k->next)
		;
	if (k == NULL)
		return;
	if (dom->ssl_ctx == NULL) {
		tls_pending++;		/* the key manager has not sent it */
		return;
	}
	if (SSL_CTX_get_ex_data(dom->ssl_ctx, tls_index) != NULL)
		return;
	pkey = NULL;
	if ((bio = BIO_new_mem_buf(k->pem, (int)k->len)) != NULL)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL || SSL_CTX_use_PrivateKey(dom->ssl_ctx, pkey) != 1 ||
	    SSL_CTX_check_private_key(dom->ssl_ctx) != 1)
		log_error(NULL, "TLS for %s: the key in %s does not go with "
		    "the certificate", dom->domain, dom->certkey);
	EVP_PKEY_free(pkey);
	/* Once per context, fixed or not: a failure is said once. */
	SSL_CTX_set_ex_data(dom->ssl_ctx, tls_index, dom);
}

int
tls_fix_domains(void)
{
	if (keys == NULL)
		return (0);
	if (tls_index == -1 &&
	    (tls_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL,
	    NULL)) == -1)
		return (-1);
	tls_pending = 0;
	kore_domain_callback(tls_fix_domain);
	return (tls_pending);
}

void
tls_cleanup(void)
{
	struct tls_key	*k;

	while ((k = keys) != NULL) {
		keys = k->next;
		OPENSSL_cleanse(k->pem, k->len);
		free(k->pem);
		free(k);
	}
}
