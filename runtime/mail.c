/*
 * mail.c - the welcome email: composed on the request's thread, delivered
 * by a background task over SMTP (libcurl) or into the outbox file (see
 * mail.h).
 *
 * The message is composed once, with LF line ends; SMTP gets CRLF from
 * the read callback, the mbox file keeps LF.  Everything the task needs
 * is copied into its argument, so it depends on neither the request nor
 * the configuration once queued.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "config.h"
#include "request.h"
#include "log.h"
#include "mail.h"
#include "tasks.h"
#include "util.h"

#define MAIL_NAME_MAX	400	/* bytes of the name used; the API allows
				 * 100 characters */

struct mail {
	char	*request_id;
	char	*from;
	char	*to;
	char	*smtp_url;
	char	*outbox;
	char	*text;		/* headers and body, LF line ends */
	int	 retries;
	long	 delay_ms;
};

struct mail_buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

/* SMTP upload cursor: text with each LF sent as CRLF. */
struct mail_cursor {
	const char	*p;
	int		 cr_sent;
};

static int	 mail_task(void *);
static void	 mail_free(void *);
static int	 mail_smtp(struct mail *, int *, char *, size_t);
static size_t	 mail_read(char *, size_t, size_t, void *);
static int	 mail_outbox(struct mail *);
static int	 mail_address_ok(const char *);
static char	*mail_clean_name(const char *);
static void	 mail_subject(struct mail_buf *, const char *);
static void	 mail_date(char *, size_t, time_t);

static void	 mail_buf_add(struct mail_buf *, const char *, size_t);
static void	 mail_buf_printf(struct mail_buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

int
mail_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error(NULL, "mail: libcurl failed to initialise");
		return -1;
	}
	return 0;
}

void
mail_cleanup(void)
{
	curl_global_cleanup();
}

int
mail_welcome_task(struct request *req, const char *to,
    const char *name)
{
	struct mail	*m;
	struct mail_buf	 b = { NULL, 0, 0 };
	unsigned char	 raw[16];
	char		 date[64], id[33], *clean;
	const char	*domain;

	if (!mail_address_ok(to)) {
		log_error(req->request_id, "mail: not sending to an unusable "
		    "address");
		return -1;
	}
	if (!mail_address_ok(config.mail_from)) {
		log_error(req->request_id, "mail: MAIL_FROM is not a usable "
		    "address");
		return -1;
	}
	clean = mail_clean_name(name);
	domain = strchr(config.mail_from, '@') + 1;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(id, sizeof(id), raw, sizeof(raw));
	mail_date(date, sizeof(date), time(NULL));

	mail_buf_printf(&b, "Date: %s\nFrom: %s\nTo: %s\n", date,
	    config.mail_from, to);
	mail_subject(&b, clean);
	mail_buf_printf(&b, "Message-ID: <%s@%s>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "Hi %s,\n"
	    "\n"
	    "Welcome aboard! Your account %s is ready.\n", id, domain,
	    clean, to);
	free(clean);

	m = xcalloc(1, sizeof(*m));
	m->request_id = xstrdup(req->request_id != NULL ? req->request_id :
	    "-");
	m->from = xstrdup(config.mail_from);
	m->to = xstrdup(to);
	m->smtp_url = xstrdup(config.smtp_url);
	m->outbox = xstrdup(config.outbox);
	m->text = b.s;
	m->retries = config.mail_retries;
	m->delay_ms = config.mail_retry_delay_ms;
	tasks_add(req, "welcome-mail", mail_task, m, mail_free);
	return 0;
}

static int
mail_task(void *arg)
{
	struct mail	*m = arg;
	char		 err[CURL_ERROR_SIZE + 64];
	long		 delay;
	int		 attempt, permanent;

	if (m->smtp_url[0] == '\0')
		return mail_outbox(m);

	delay = m->delay_ms;
	for (attempt = 0;; attempt++) {
		if (mail_smtp(m, &permanent, err, sizeof(err)) == 0) {
			log_info("mail: welcome message to %s delivered%s",
			    m->to, attempt > 0 ? " after a retry" : "");
			return 0;
		}
		if (permanent || attempt >= m->retries) {
			log_error(m->request_id, "mail: welcome message to %s "
			    "not delivered after %d attempt(s): %s", m->to,
			    attempt + 1, err);
			return -1;
		}
		log_warn("mail: welcome message to %s (request %s): %s; "
		    "retry %d of %d in %ld ms", m->to, m->request_id, err,
		    attempt + 1, m->retries, delay);
		if (tasks_sleep_ms(delay) == -1) {
			log_error(m->request_id, "mail: welcome message to "
			    "%s given up at shutdown", m->to);
			return -1;
		}
		delay *= 2;
	}
}

static void
mail_free(void *arg)
{
	struct mail	*m = arg;

	free(m->request_id);
	free(m->from);
	free(m->to);
	free(m->smtp_url);
	free(m->outbox);
	free(m->text);
	free(m);
}

/*
 * One delivery attempt.  *permanent is set when retrying cannot help: the
 * server answered 5xx, or the URL or options are wrong.
 */
static int
mail_smtp(struct mail *m, int *permanent, char *err, size_t errlen)
{
	CURL			*curl;
	struct curl_slist	*rcpt = NULL;
	struct mail_cursor	 cur = { m->text, 0 };
	char			 cerr[CURL_ERROR_SIZE], from[320], to[320];
	long			 code = 0;
	CURLcode		 rc;
	int			 ret = -1;

	*permanent = 0;
	if ((curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	snprintf(from, sizeof(from), "<%s>", m->from);
	snprintf(to, sizeof(to), "<%s>", m->to);
	rcpt = curl_slist_append(NULL, to);
	cerr[0] = '\0';

	curl_easy_setopt(curl, CURLOPT_URL, m->smtp_url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, mail_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &cur);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, cerr);

	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK) {
		ret = 0;
		goto out;
	}
	snprintf(err, errlen, "%s%s%s", curl_easy_strerror(rc),
	    cerr[0] != '\0' ? ": " : "", cerr);
	if (code >= 500 || rc == CURLE_URL_MALFORMAT ||
	    rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_LOGIN_DENIED)
		*permanent = 1;
out:
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
	return ret;
}

static size_t
mail_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct mail_cursor	*cur = arg;
	size_t			 room = size * nmemb, n = 0;

	while (n < room && *cur->p != '\0') {
		if (*cur->p == '\n' && !cur->cr_sent) {
			buf[n++] = '\r';
			cur->cr_sent = 1;
			continue;
		}
		buf[n++] = *cur->p++;
		cur->cr_sent = 0;
	}
	return n;
}

/* Appends the message to OUTBOX as one mbox entry, in one write. */
static int
mail_outbox(struct mail *m)
{
	struct mail_buf	 b = { NULL, 0, 0 };
	struct tm	 tm;
	const char	*p, *nl, *q;
	char		 stamp[64];
	time_t		 now;
	ssize_t		 n;
	size_t		 off;
	int		 fd = -1, rc = -1;

	now = time(NULL);
	gmtime_r(&now, &tm);
	/* asctime format, fixed English names whatever the locale. */
	snprintf(stamp, sizeof(stamp), "%.3s %.3s %2d %02d:%02d:%02d %d",
	    &"SunMonTueWedThuFriSat"[tm.tm_wday * 3],
	    &"JanFebMarAprMayJunJulAugSepOctNovDec"[tm.tm_mon * 3],
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	mail_buf_printf(&b, "From %s %s\n", m->from, stamp);
	for (p = m->text; *p != '\0'; p = nl) {
		nl = strchr(p, '\n');
		nl = nl != NULL ? nl + 1 : p + strlen(p);
		for (q = p; *q == '>'; q++)
			;
		if (strncmp(q, "From ", 5) == 0)
			mail_buf_add(&b, ">", 1);
		mail_buf_add(&b, p, (size_t)(nl - p));
	}
	mail_buf_add(&b, "\n", 1);

	fd = open(m->outbox, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1 || flock(fd, LOCK_EX) == -1) {
		log_error(m->request_id, "mail: OUTBOX %s: %s", m->outbox,
		    strerror(errno));
		goto out;
	}
	for (off = 0; off < b.len; off += (size_t)n) {
		if ((n = write(fd, b.s + off, b.len - off)) == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			log_error(m->request_id, "mail: OUTBOX %s: %s",
			    m->outbox, strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(b.s);
	return rc;
}

/*
 * A plain ASCII addr-spec, local@domain, with nothing that could end a
 * header or an SMTP command, nor start a comment or a second address.
 */
static int
mail_address_ok(const char *a)
{
	const char	*at, *p;

	if (a == NULL || *a == '\0' || strlen(a) > 254 ||
	    (at = strchr(a, '@')) == NULL || at == a || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	for (p = a; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("<>()[],;:\"\\", *p) != NULL)
			return 0;
	}
	return 1;
}

/* The name without control characters (each becomes a space), cut to
 * MAIL_NAME_MAX bytes on a character boundary. */
static char *
mail_clean_name(const char *name)
{
	char	*s;
	size_t	 i, n;

	n = strlen(name != NULL ? name : "");
	if (n > MAIL_NAME_MAX) {
		n = MAIL_NAME_MAX;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
	}
	s = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		s[i] = ((unsigned char)name[i] < 0x20 ||
		    name[i] == 0x7f) ? ' ' : name[i];
	s[n] = '\0';
	return s;
}

/*
 * "Subject: Welcome, <name>!" - as is when plain ASCII, otherwise as RFC
 * 2047 encoded words (UTF-8, base64) of at most 75 characters, never
 * splitting a character, folded one per line.
 */
static void
mail_subject(struct mail_buf *b, const char *name)
{
	char		*text, enc[128];
	const char	*p;
	size_t		 len, off, chunk;
	int		 plain = 1;

	if (asprintf(&text, "Welcome, %s!", name) == -1)
		fatal("asprintf");
	for (p = text; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x7f)
			plain = 0;
	}
	if (strstr(text, "=?") != NULL)
		plain = 0;
	if (plain) {
		mail_buf_printf(b, "Subject: %s\n", text);
		free(text);
		return;
	}
	mail_buf_add(b, "Subject:", 8);
	len = strlen(text);
	for (off = 0; off < len; off += chunk) {
		/* 45 bytes -> 60 base64 characters + 12 = 72. */
		chunk = len - off > 45 ? 45 : len - off;
		while (off + chunk < len &&
		    ((unsigned char)text[off + chunk] & 0xc0) == 0x80)
			chunk--;
		sodium_bin2base64(enc, sizeof(enc),
		    (const unsigned char *)text + off, chunk,
		    sodium_base64_VARIANT_ORIGINAL);
		mail_buf_printf(b, "%s=?UTF-8?B?%s?=", off > 0 ? "\n " : " ",
		    enc);
	}
	mail_buf_add(b, "\n", 1);
	free(text);
}

/* RFC 5322 date in UTC, English names whatever the locale. */
static void
mail_date(char *buf, size_t size, time_t t)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	snprintf(buf, size, "%.3s, %02d %.3s %d %02d:%02d:%02d +0000",
	    &"SunMonTueWedThuFriSat"[tm.tm_wday * 3], tm.tm_mday,
	    &"JanFebMarAprMayJunJulAugSepOctNovDec"[tm.tm_mon * 3],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
mail_buf_add(struct mail_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = b->cap ? b->cap : 1024;
		while (b->len + n + 1 > b->cap)
			b->cap *= 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
mail_buf_printf(struct mail_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("vasprintf");
	mail_buf_add(b, s, (size_t)n);
	free(s);
}
