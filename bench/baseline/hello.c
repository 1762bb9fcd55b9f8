/*
 * hello.c - a bare libmicrohttpd server answering GET / the way ours does.
 *
 * It exists so that bench/run.sh can measure our server's overhead as a
 * ratio, in one run, on one machine: absolute requests per second mean
 * little on a shared 2-core box, but "ours / bare libmicrohttpd" under the
 * same load does.  So everything libmicrohttpd sees is the same as in
 * runtime/server.c: the daemon flags (epoll internal thread, a thread pool
 * of THREADS, suspend/resume allowed, error log), the connection limits
 * and timeout (same names and defaults as server.conf, read from the
 * environment so run.sh can give both servers the same values), the
 * completion callback, and the response queued on the second
 * access-handler call, which keeps the connection alive as ours does.
 * The 43-byte body and its Content-Type are those of handlers/root.c.
 * What it does not do is everything we add: routing, request ids,
 * middleware, the access log, the worker pool.
 *
 *   usage: hello PORT [THREADS]      (PORT 0 picks a free port)
 *
 * With HELLO_HEADERS=1 in the environment the response also carries the
 * headers the contract puts on every answer of ours, with values of the
 * same length (X-Request-Id, X-Process-Time, X-Content-Type-Options,
 * X-Frame-Options): what those bytes cost on the wire and in the client,
 * apart from the work of making them (bench/RESULTS.md).
 *
 * Prints "listening on http://127.0.0.1:PORT" on stderr, like ours, and
 * stops on SIGINT or SIGTERM.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

static enum MHD_Result	hello_access(void *, struct MHD_Connection *,
			    const char *, const char *, const char *,
			    const char *, size_t *, void **);
static void		hello_completed(void *, struct MHD_Connection *,
			    void **, enum MHD_RequestTerminationCode);
static int		hello_number(const char *, long, long, long *);
static int		hello_env(const char *, long, long, long, long *);
static void		hello_usage(void) __attribute__((noreturn));

static const char	hello_body[] =
    "{\"message\":\"API is running\",\"docs\":\"/docs\"}";

static struct MHD_Response	*hello_ok;	/* shared, never modified */
static struct MHD_Response	*hello_404;
static int			 hello_seen;	/* address marks "headers in" */

static void
hello_usage(void)
{
	fprintf(stderr, "usage: hello PORT [THREADS]\n");
	exit(2);
}

/* 0 and *out set when s is a whole decimal number in min..max. */
static int
hello_number(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The server's own limits, overridable the same way (environment). */
static int
hello_env(const char *name, long def, long min, long max, long *out)
{
	const char	*s;

	if ((s = getenv(name)) == NULL || *s == '\0') {
		*out = def;
		return 0;
	}
	if (hello_number(s, min, max, out) == -1) {
		fprintf(stderr, "hello: %s: not a number in %ld..%ld: %s\n",
		    name, min, max, s);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon		*d = NULL;
	const union MHD_DaemonInfo	*info;
	struct sockaddr_in		 sin;
	sigset_t			 sigs;
	long				 port, threads = 2;
	long				 conn_limit, per_ip, timeout;
	unsigned int			 flags;
	int				 sig, rc = 1;

	if (argc < 2 || argc > 3 ||
	    hello_number(argv[1], 0, 65535, &port) == -1 ||
	    (argc == 3 && hello_number(argv[2], 1, 256, &threads) == -1))
		hello_usage();
	/* Defaults as in runtime/config.c. */
	if (hello_env("CONNECTION_LIMIT", 1024, 1, 1048576, &conn_limit) == -1 ||
	    hello_env("PER_IP_CONNECTION_LIMIT", 64, 0, 1048576, &per_ip) == -1 ||
	    hello_env("CONNECTION_TIMEOUT", 30, 0, 86400, &timeout) == -1)
		return 1;

	hello_ok = MHD_create_response_from_buffer(sizeof(hello_body) - 1,
	    (void *)hello_body, MHD_RESPMEM_PERSISTENT);
	hello_404 = MHD_create_response_from_buffer(0, (void *)"",
	    MHD_RESPMEM_PERSISTENT);
	if (hello_ok == NULL || hello_404 == NULL ||
	    MHD_add_response_header(hello_ok, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json") != MHD_YES) {
		fprintf(stderr, "hello: cannot create the responses\n");
		goto out;
	}
	if (getenv("HELLO_HEADERS") != NULL &&
	    strcmp(getenv("HELLO_HEADERS"), "1") == 0 &&
	    (MHD_add_response_header(hello_ok, "X-Request-Id",
	    "0123456789abcdef0123456789abcdef") != MHD_YES ||
	    MHD_add_response_header(hello_ok, "X-Process-Time", "0.01ms") !=
	    MHD_YES ||
	    MHD_add_response_header(hello_ok, "X-Content-Type-Options",
	    "nosniff") != MHD_YES ||
	    MHD_add_response_header(hello_ok, "X-Frame-Options", "DENY") !=
	    MHD_YES)) {
		fprintf(stderr, "hello: cannot add the headers\n");
		goto out;
	}

	/* As main.c: only sigwait() below sees the shutdown signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	/* The same flags and options as server_start() in runtime/server.c. */
	flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG;
	d = MHD_start_daemon(flags, 0, NULL, NULL,
	    hello_access, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)conn_limit,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)timeout,
	    MHD_OPTION_NOTIFY_COMPLETED, hello_completed, NULL,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "hello: cannot listen on 127.0.0.1:%ld\n",
		    port);
		goto out;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info != NULL && port == 0)
		port = info->port;
	fprintf(stderr, "listening on http://127.0.0.1:%ld (%ld I/O threads)\n",
	    port, threads);

	if (sigwait(&sigs, &sig) == 0)
		rc = 0;
	MHD_stop_daemon(d);
out:
	if (hello_ok != NULL)
		MHD_destroy_response(hello_ok);
	if (hello_404 != NULL)
		MHD_destroy_response(hello_404);
	return rc;
}

static enum MHD_Result
hello_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	(void)version;
	(void)upload_data;

	/* First call: headers only.  Answering here would close the
	 * connection after the response, so wait for the next call. */
	if (*con_cls == NULL) {
		*con_cls = &hello_seen;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		*upload_data_size = 0;	/* a body is read and dropped */
		return MHD_YES;
	}
	if (strcmp(method, "GET") == 0 && strcmp(url, "/") == 0)
		return MHD_queue_response(conn, 200, hello_ok);
	return MHD_queue_response(conn, 404, hello_404);
}

static void
hello_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	*con_cls = NULL;
}
