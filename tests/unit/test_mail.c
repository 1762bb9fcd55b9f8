/*
 * test_mail.c - the welcome email (runtime/mail.c): the outbox file's
 * mbox format, header injection, the RFC 2047 subject, and SMTP delivery
 * through libcurl to a local SMTP sink (Debian's python3-aiosmtpd, started
 * here), with retries while the sink is down.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "capture.h"
#include "config.h"
#include "request.h"
#include "mail.h"
#include "tasks.h"

#define PYTHON	"/usr/bin/python3"

extern char	**environ;

static char	*dir;
static char	 outbox[512], maildir[512];
static pid_t	 sink = -1;
static int	 have_aiosmtpd;

static void
set_string(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

static int
setup(void **state)
{
	char	*err;

	capture_begin();
	assert_int_equal(config_load(NULL, 0, NULL), 0);
	err = capture_end();
	free(err);
	dir = capture_tmpdir();
	snprintf(outbox, sizeof(outbox), "%s/outbox.txt", dir);
	snprintf(maildir, sizeof(maildir), "%s/maildir", dir);
	set_string(&config.outbox, outbox);
	set_string(&config.smtp_url, "");
	assert_int_equal(tasks_start(1), 0);
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[600];

	tasks_stop(1);
	if (sink != -1) {
		kill(sink, SIGTERM);
		waitpid(sink, NULL, 0);
		sink = -1;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
	free(dir);
	config_cleanup();
	return 0;
}

static void
req_init(struct request *req, const char *rid)
{
	memset(req, 0, sizeof(*req));
	req->request_id = rid;
	strcpy(req->client_ip, "127.0.0.1");
}

/* Queues one welcome mail and waits for the task to finish. */
static void
send_one(const char *to, const char *name, int timeout_s)
{
	struct request	req;

	req_init(&req, "rid-mail");
	assert_int_equal(mail_welcome_task(&req, to, name), 0);
	tasks_submit(&req);
	assert_int_equal(tasks_stop(timeout_s), 0);
	assert_int_equal(tasks_start(1), 0);
}

/* The value of header name in msg ("" if absent; caller frees). */
static char *
header(const char *msg, const char *name)
{
	const char	*p, *end;
	char		*key;
	size_t		 n;

	if (asprintf(&key, "\n%s: ", name) == -1)
		fatal("asprintf");
	p = strstr(msg, key);
	n = strlen(key);
	free(key);
	if (p == NULL)
		return xcalloc(1, 1);
	p += n;
	/* Unfold continuation lines. */
	for (end = p; *end != '\0' && !(end[0] == '\n' && end[1] != ' ');
	    end++)
		;
	key = xcalloc(1, (size_t)(end - p) + 1);
	memcpy(key, p, (size_t)(end - p));
	return key;
}

static void
assert_header(const char *msg, const char *name, const char *value)
{
	char	*h;

	h = header(msg, name);
	if (strcmp(h, value) != 0)
		fail_msg("%s: \"%s\", expected \"%s\"", name, h, value);
	free(h);
}

/* Two messages; the file splits into exactly those two, with every
 * header the contract names. */
static void
test_outbox_format(void **state)
{
	char	*text, *second, *h, cmd[700], out[64];
	FILE	*fp;
	int	 y, d, hh, mm, ss, n = 0;
	char	 wd[4], mon[4];

	send_one("ann@example.com", "Ann", 5);
	send_one("bob@example.org", "Bob", 5);
	text = capture_file(outbox);

	assert_memory_equal(text, "From noreply@example.com ", 25);
	assert_non_null(second = strstr(text, "\n\nFrom noreply@example.com "));
	assert_int_equal(capture_count(text, "\nFrom "), 1);
	second[1] = '\0';	/* text is now the first message only */

	h = header(text, "Date");
	assert_int_equal(sscanf(h, "%3s, %d %3s %d %d:%d:%d +0000%n", wd, &d,
	    mon, &y, &hh, &mm, &ss, &n), 7);
	assert_int_equal((int)strlen(h), n);
	assert_int_equal(h[3], ',');
	assert_non_null(strstr("SunMonTueWedThuFriSat", wd));
	assert_non_null(strstr("JanFebMarAprMayJunJulAugSepOctNovDec", mon));
	free(h);
	assert_header(text, "From", "noreply@example.com");
	assert_header(text, "To", "ann@example.com");
	assert_header(text, "Subject", "Welcome, Ann!");
	h = header(text, "Message-ID");
	assert_int_equal(strlen(h), 1 + 32 + 1 + 11 + 1);
	assert_int_equal(h[0], '<');
	assert_non_null(strstr(h, "@example.com>"));
	free(h);
	assert_header(text, "MIME-Version", "1.0");
	assert_header(text, "Content-Type", "text/plain; charset=utf-8");
	assert_non_null(strstr(text, "\n\nHi Ann,\n\nWelcome aboard! Your "
	    "account ann@example.com is ready.\n"));
	assert_null(strchr(text, '\r'));
	free(text);

	/* And a standard mbox reader agrees. */
	snprintf(cmd, sizeof(cmd), PYTHON " -c 'import mailbox,sys; "
	    "m=list(mailbox.mbox(sys.argv[1])); print(len(m), "
	    "m[1][\"To\"], m[0][\"Subject\"])' '%s'", outbox);
	assert_non_null(fp = popen(cmd, "r"));
	assert_non_null(fgets(out, sizeof(out), fp));
	pclose(fp);
	assert_string_equal(out, "2 bob@example.org Welcome, Ann!\n");
}

/* CR/LF in the name cannot start a header; an address with anything
 * but a plain addr-spec is refused and nothing is queued. */
static void
test_header_injection(void **state)
{
	static const char *const bad[] = {
		"a@b.c\r\nBcc: victim@example.com", "a@b.c\nBcc: v@e.com",
		"a b@c.d", "<a@b.c>", "a@b.c, v@e.com", "a@b.c;", "nobody",
		"@b.c", "a@", "a@b@c", "\"a\"@b.c", "a@b.c\x7f", "",
		"\xc3\xa9@b.c",
	};
	struct request	 req;
	char			*text, *err, *h;
	size_t			 i;

	send_one("eve@example.com", "Eve\r\nBcc: victim@example.com\r\n\r\n"
	    "body", 5);
	text = capture_file(outbox);
	assert_null(strstr(text, "\nBcc:"));
	assert_null(strchr(text, '\r'));
	h = header(text, "Subject");
	assert_string_equal(h, "Welcome, Eve  Bcc: victim@example.com    "
	    "body!");
	free(h);
	free(text);

	for (i = 0; i < nitems(bad); i++) {
		req_init(&req, "rid-bad");
		capture_begin();
		assert_int_equal(mail_welcome_task(&req, bad[i], "X"), -1);
		err = capture_end();
		assert_non_null(strstr(err, "unusable address"));
		free(err);
		assert_null(req.tasks);
	}

	/* A bad MAIL_FROM is refused too. */
	set_string(&config.mail_from, "noreply@example.com\r\nBcc: v@e.com");
	req_init(&req, "rid-bad");
	capture_begin();
	assert_int_equal(mail_welcome_task(&req, "a@b.c", "X"), -1);
	free(capture_end());
	assert_null(req.tasks);
}

/* A non-ASCII name: RFC 2047 encoded words of at most 75 characters
 * that decode to the subject; the body keeps UTF-8. */
static void
test_subject_encoded(void **state)
{
	const char	*name = "Zo\xc3\xab \xe2\x9c\x93 \xc3\xa9\xc3\xa9"
			    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			    " Long Enough To Need Two Words";
	char		*text, *h, *p, *q, decoded[512], expect[512];
	size_t		 len = 0, n;
	int		 words = 0;

	send_one("zoe@example.com", name, 5);
	text = capture_file(outbox);
	assert_non_null(strstr(text, "\nSubject: =?UTF-8?B?"));
	h = header(text, "Subject");
	for (p = h; (p = strstr(p, "=?UTF-8?B?")) != NULL; p = q + 2) {
		assert_non_null(q = strstr(p, "?="));
		assert_true(q + 2 - p <= 75);
		assert_int_equal(sodium_base642bin((unsigned char *)decoded +
		    len, sizeof(decoded) - len - 1, p + 10, (size_t)(q - p - 10),
		    NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
		len += n;
		words++;
	}
	decoded[len] = '\0';
	assert_true(words >= 2);
	snprintf(expect, sizeof(expect), "Welcome, %s!", name);
	assert_string_equal(decoded, expect);
	free(h);
	snprintf(expect, sizeof(expect), "\nHi %s,\n", name);
	assert_non_null(strstr(text, expect));
	free(text);
}

/* --- SMTP -------------------------------------------------------------- */

static int
port_open(int port)
{
	struct sockaddr_in	sin;
	int			fd, rc;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
	return rc == 0;
}

/* python3 -m aiosmtpd, storing what it receives in a Maildir. */
static void
sink_start(int port, int wait)
{
	char	 listen_on[32];
	char	*argv[] = { PYTHON, "-m", "aiosmtpd", "-n", "-l", listen_on,
		    "-c", "aiosmtpd.handlers.Mailbox", maildir, NULL };
	int	 i;

	snprintf(listen_on, sizeof(listen_on), "127.0.0.1:%d", port);
	assert_int_equal(posix_spawn(&sink, PYTHON, NULL, NULL, argv,
	    environ), 0);
	for (i = 0; wait && i < 200 && !port_open(port); i++)
		usleep(50000);
	if (wait)
		assert_true(port_open(port));
}

/* The one message in the Maildir (caller frees), NULL if none. */
static char *
sink_message(void)
{
	char		 path[1200], *text = NULL;
	DIR		*dp;
	struct dirent	*de;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/new", maildir);
	if ((dp = opendir(path)) == NULL)
		return NULL;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/new/%s", maildir, de->d_name);
		free(text);
		text = capture_file(path);
		n++;
	}
	closedir(dp);
	assert_true(n <= 1);
	return text;
}

static void
smtp_config(int port, int retries, int delay_ms)
{
	char	url[64];

	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", port);
	set_string(&config.smtp_url, url);
	config.mail_retries = retries;
	config.mail_retry_delay_ms = delay_ms;
}

static void
test_smtp_delivery(void **state)
{
	char	*msg, *err;
	int	 port;

	if (!have_aiosmtpd)
		skip();
	port = capture_free_port();
	sink_start(port, 1);
	smtp_config(port, 0, 0);
	capture_begin();
	send_one("ann@example.com", "Ann \xc3\xa9", 20);
	err = capture_end();
	assert_non_null(strstr(err, "welcome message to ann@example.com "
	    "delivered"));
	free(err);

	assert_non_null(msg = sink_message());
	assert_header(msg, "X-MailFrom", "noreply@example.com");
	assert_header(msg, "X-RcptTo", "ann@example.com");
	assert_header(msg, "To", "ann@example.com");
	assert_non_null(strstr(msg, "\nSubject: =?UTF-8?B?"));
	assert_non_null(strstr(msg, "Hi Ann \xc3\xa9,"));
	free(msg);
	/* Nothing went to the outbox. */
	msg = capture_file(outbox);
	assert_string_equal(msg, "");
	free(msg);
}

/* The sink is down at first: the task retries (1, 2, 4 x the delay) and
 * delivers once it is up; requests never waited for any of it. */
static void
test_smtp_retry(void **state)
{
	struct request	 req;
	char			*msg, *err;
	long long		 t0;
	int			 port;

	if (!have_aiosmtpd)
		skip();
	port = capture_free_port();
	smtp_config(port, 4, 400);
	req_init(&req, "rid-retry");
	capture_begin();
	t0 = capture_ms();
	assert_int_equal(mail_welcome_task(&req, "ann@example.com", "Ann"),
	    0);
	tasks_submit(&req);
	assert_true(capture_ms() - t0 < 100);
	usleep(300000);
	sink_start(port, 0);	/* up by the 2nd or 3rd retry */
	assert_int_equal(tasks_stop(30), 0);
	err = capture_end();
	assert_int_equal(tasks_start(1), 0);

	assert_non_null(strstr(err, "retry 1 of 4 in 400 ms"));
	assert_non_null(strstr(err, "delivered after a retry"));
	free(err);
	assert_non_null(msg = sink_message());
	assert_non_null(strstr(msg, "Subject: Welcome, Ann!"));
	free(msg);
}

/* Down for good: every retry fails, the task fails, logged with the
 * request id - and nothing lands in the outbox instead. */
static void
test_smtp_down(void **state)
{
	struct request	 req;
	char			*err, *text;
	long long		 t0, dt;

	smtp_config(capture_free_port(), 2, 50);
	req_init(&req, "rid-down");
	capture_begin();
	assert_int_equal(mail_welcome_task(&req, "ann@example.com", "Ann"),
	    0);
	t0 = capture_ms();
	tasks_submit(&req);
	assert_int_equal(tasks_stop(10), 0);
	dt = capture_ms() - t0;
	err = capture_end();
	assert_int_equal(tasks_start(1), 0);

	assert_true(dt >= 150);		/* 50 + 100 ms of back-off */
	assert_non_null(strstr(err, "retry 1 of 2 in 50 ms"));
	assert_non_null(strstr(err, "retry 2 of 2 in 100 ms"));
	assert_non_null(strstr(err, "request_id=rid-down mail: welcome "
	    "message to ann@example.com not delivered after 3 attempt(s)"));
	assert_non_null(strstr(err, "request_id=rid-down task welcome-mail "
	    "failed"));
	free(err);
	text = capture_file(outbox);
	assert_string_equal(text, "");
	free(text);
}

int
main(void)
{
	int	rc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outbox_format, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_header_injection, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_subject_encoded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_smtp_delivery, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_smtp_retry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_smtp_down, setup,
		    teardown),
	};

	if (sodium_init() < 0 || mail_init() == -1)
		return 1;
	have_aiosmtpd = system(PYTHON " -c 'import aiosmtpd' 2>/dev/null") ==
	    0;
	if (!have_aiosmtpd)
		fprintf(stderr, "python3-aiosmtpd missing: SMTP delivery "
		    "tests skipped (scripts/deps.sh installs it)\n");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	mail_cleanup();
	return rc;
}
