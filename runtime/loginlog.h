/*
 * loginlog.h - the login log (LOGIN_LOG), one line per attempt:
 *	[2025-03-03 10:30:01] LOGIN SUCCESS — Email: a@b.c — IP: 127.0.0.1
 * (FAILED for a failure; local time of the attempt), appended by a
 * background task so the login answer never waits for the disk.
 */
#ifndef RUNTIME_LOGINLOG_H
#define RUNTIME_LOGINLOG_H

struct request;

/*
 * Queues the line for this attempt as a task of the request (the client
 * address is the request's).  email is copied, with control characters
 * and backslashes escaped (reqlog_escape) so no input can start a line
 * of its own.  Call it on failure too: the task runs whatever the status.
 */
void	loginlog_task(struct request *, const char *email, int success);

#endif
