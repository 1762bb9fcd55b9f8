/*
 * mail.h - outgoing mail, sent by a background task (tasks.h).
 *
 * With SMTP_URL set (smtp://host:port, smtps://..., user:password@
 * allowed) the message goes out through libcurl's SMTP client; a failure
 * that may be temporary (no connection, timeout, a 4xx reply) is retried
 * MAIL_RETRIES times after MAIL_RETRY_DELAY_MS, doubling the delay each
 * time, on the task thread.  Without SMTP_URL the message is appended to
 * OUTBOX in mbox format: each message starts with a "From " line, body
 * lines starting with ">*From " get one more '>' (mboxrd), and the whole
 * message is one write(2) under O_APPEND and an flock, so concurrent
 * messages never mix.
 *
 * Nothing a user typed can add a header: the address is refused when it
 * holds anything but a plain ASCII addr-spec, the name loses its control
 * characters (CR/LF included) and is RFC 2047-encoded in the Subject when
 * it is not plain ASCII.
 */
#ifndef RUNTIME_MAIL_H
#define RUNTIME_MAIL_H

struct request;

/* Process-wide set-up (libcurl), before any thread starts. */
int	mail_init(void);
void	mail_cleanup(void);

/*
 * Queues "Welcome, <name>!" to <to> as a background task of the request.
 * to and name are copied.  -1 (logged, nothing queued) when to or
 * MAIL_FROM is not a usable address.
 */
int	mail_welcome_task(struct request *, const char *to,
	    const char *name);

#endif
