/*
 * log.h - the server's own diagnostics (stderr), tagged with a request id
 * where there is one.  One write(2) per line, so concurrent lines never
 * interleave.  The access log is accesslog.h.
 */
#ifndef RUNTIME_LOG_H
#define RUNTIME_LOG_H

void	log_set_debug(int);
int	log_debug_enabled(void);
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
/* request_id may be NULL. */
void	log_error(const char *request_id, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
