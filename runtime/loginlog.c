/*
 * loginlog.c - the login log line, written by a background task (see
 * loginlog.h).  The line is complete when queued - time, result, email,
 * address - so the task only appends it: one write(2) on a file opened
 * O_APPEND, so lines from concurrent tasks never mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "request.h"
#include "log.h"
#include "loginlog.h"
#include "reqlog.h"
#include "tasks.h"
#include "util.h"

struct loginlog_line {
	char	*path;
	char	*text;
};

static int	loginlog_write(void *);
static void	loginlog_free(void *);

void
loginlog_task(struct request *req, const char *email, int success)
{
	struct loginlog_line	*l;
	struct tm		 tm;
	time_t			 now;
	char			 stamp[32], esc[1024], ip[sizeof(req->client_ip)];

	if (config.login_log[0] == '\0')
		return;
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	reqlog_escape(esc, sizeof(esc), email != NULL ? email : "");
	reqlog_escape(ip, sizeof(ip), request_client_ip(req));

	l = xmalloc(sizeof(*l));
	l->path = xstrdup(config.login_log);
	if (asprintf(&l->text, "[%s] LOGIN %s \xe2\x80\x94 Email: %s "
	    "\xe2\x80\x94 IP: %s\n", stamp, success ? "SUCCESS" : "FAILED",
	    esc, ip) == -1)
		fatal("asprintf");
	tasks_add(req, "login-log", loginlog_write, l, loginlog_free);
}

static int
loginlog_write(void *arg)
{
	struct loginlog_line	*l = arg;
	size_t			 len = strlen(l->text);
	ssize_t			 n;
	int			 fd;

	fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_error(NULL, "LOGIN_LOG %s: %s", l->path, strerror(errno));
		return -1;
	}
	while ((n = write(fd, l->text, len)) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)len) {
		log_error(NULL, "LOGIN_LOG %s: %s", l->path,
		    n == -1 ? strerror(errno) : "short write");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void
loginlog_free(void *arg)
{
	struct loginlog_line	*l = arg;

	free(l->path);
	free(l->text);
	free(l);
}
