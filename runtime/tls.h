/*
 * tls.h - Kore 4.1's TLS on OpenSSL 3 (see tls.c for what is wrong and
 * how it is mended).
 */
#ifndef RUNTIME_TLS_H
#define RUNTIME_TLS_H

/* In the parent, before the workers fork: the TLS domains' keys (their
 * certkey files).  0 ok, -1 when one cannot be read (logged). */
int	tls_keys_load(void);
/* In a worker, from a timer: every domain's SSL_CTX Kore has made since
 * the last call gets its key.  The number of TLS domains whose context
 * the key manager has not sent yet (0: all can handshake). */
int	tls_fix_domains(void);
void	tls_cleanup(void);

#endif
