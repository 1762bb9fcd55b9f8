/*
 * server.c - the libmicrohttpd adapter and the request lifecycle
 * (see server.h for the sequence, pool.h for the threading model).
 *
 * libmicrohttpd calls server_access() several times per request: once
 * with the headers, once per body chunk, once more when the body is
 * complete, and once again after a suspended connection is resumed.  The
 * per-request state machine below (struct sreq) keeps track of where we
 * are; its memory, and the request's arena, are released in
 * server_completed() when libmicrohttpd is done with the request.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "accesslog.h"
#include "arena.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "middleware.h"
#include "pool.h"
#include "router.h"
#include "security.h"
#include "server.h"
#include "tasks.h"
#include "upload.h"
#include "util.h"

enum sreq_state {
	SREQ_BODY,		/* reading the body (or waiting for its end) */
	SREQ_QUEUED,		/* suspended, on the worker pool */
	SREQ_SENT		/* response queued */
};

struct sreq {
	struct http_request	 req;
	struct pool_job		 job;		/* on a worker pool, or */
	struct loop_job		 ljob;		/* on its I/O thread's loop */
	struct loop		*loop;		/* that loop */
	enum sreq_state		 state;
	int			 decided;	/* answered before the handler */
	int			 has_body;
	char			*body;
	size_t			 body_len;
	size_t			 body_cap;
	size_t			 body_max;
	unsigned long long	 received;	/* body bytes seen, kept or not */
	struct upload		*upload;	/* multipart body, or NULL */
};

static enum MHD_Result	server_access(void *, struct MHD_Connection *,
			    const char *, const char *, const char *,
			    const char *, size_t *, void **);
static size_t		server_unescape(void *, struct MHD_Connection *, char *);
static enum MHD_Result	server_accept(void *, const struct sockaddr *,
			    socklen_t);
static void		server_connection(void *, struct MHD_Connection *,
			    void **, enum MHD_ConnectionNotificationCode);
static void		server_completed(void *, struct MHD_Connection *,
			    void **, enum MHD_RequestTerminationCode);
static struct sreq	*server_sreq_new(struct MHD_Connection *,
			    const char *, const char *);
static struct sreq	*server_sreq_alloc(void);
static void		server_sreq_free(struct sreq *);
static void		server_prepare(struct sreq *);
static void		server_request_id(struct sreq *);
static void		server_random_id(unsigned char *);
static int		server_body_append(struct sreq *, const char *, size_t);
static void		server_run_handler(struct http_request *);
static enum MHD_Result	server_send(struct sreq *);
static void		server_job_run(struct pool_job *, struct db *);
static void		server_job_cancel(struct pool_job *);
static void		server_ljob_run(struct loop_job *, struct db *);
static void		server_ljob_done(struct loop_job *);
static void		server_ljob_cancel(struct loop_job *);
static int		server_ip_add(const struct sockaddr *);
static void		server_ip_remove(struct MHD_Connection *);

static struct MHD_Daemon	**daemons;	/* one per I/O thread (loop.h) */
static int			 ndaemons;
static MHD_socket		 listen_fd = MHD_INVALID_SOCKET;
static const struct route_node	*routes;
static atomic_int		 inflight;
static atomic_int		 open_conns;	/* connections started, not closed */
static atomic_ullong		 refused, refused_logged_ns;
static struct pool		*db_pool;	/* WORKERS */
static struct pool		*cpu_pool;	/* CPU_WORKERS: x-cpu-bound ops */

/*
 * libmicrohttpd's percent-decoding, except that a %00 would cut the path
 * short in C (/files/x.png%00.txt would name x.png): such a string is
 * left as it came, so no route or file name can match it.
 */
static size_t
server_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	if (strstr(s, "%00") != NULL)
		return strlen(s);
	return MHD_http_unescape(s);
}

/*
 * CONNECTION_LIMIT is ours, not libmicrohttpd's: at its own limit
 * libmicrohttpd stops polling the listening socket, and the kernel then
 * completes new connections into the backlog, where their clients wait
 * (measured: 10 s and more) for a slot.  Here a connection over the limit
 * is closed as soon as it is accepted, so its client learns at once.
 * libmicrohttpd's limit is set above ours (SERVER_LIMIT_SLACK) as a
 * backstop; the check and the count race by at most a connection or two
 * per I/O thread.
 */
#define SERVER_LIMIT_SLACK	64

static enum MHD_Result
server_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	unsigned long long	now, last;

	if (atomic_load(&open_conns) < config.connection_limit)
		return server_ip_add(addr) == 0 ? MHD_YES : MHD_NO;
	atomic_fetch_add(&refused, 1);
	/* One line a second at most, with the count since the last. */
	now = util_now_ns();
	last = atomic_load(&refused_logged_ns);
	if (now - last >= 1000000000ULL &&
	    atomic_compare_exchange_strong(&refused_logged_ns, &last, now))
		log_warn("CONNECTION_LIMIT (%d) reached: %llu connection(s) "
		    "refused", config.connection_limit,
		    atomic_exchange(&refused, 0));
	return MHD_NO;
}

static void
server_connection(void *cls, struct MHD_Connection *conn, void **ctx,
    enum MHD_ConnectionNotificationCode code)
{
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&open_conns, 1);
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		atomic_fetch_sub(&open_conns, 1);
		server_ip_remove(conn);
	}
}

/*
 * PER_IP_CONNECTION_LIMIT over all the daemons (each daemon would only
 * count its own): open connections per IPv4 address, in an
 * open-addressing table.  Counted in server_accept, which libmicrohttpd
 * calls after its own checks, just before setting the connection up;
 * uncounted when it closes.  (A setup failing after that - out of memory
 * - would keep its count.)
 */
#define SERVER_IP_SLOTS	4096		/* a power of two */

struct server_ip {
	uint32_t	addr;		/* network order; 0: free */
	int		count;
};

static pthread_mutex_t	ip_lock = PTHREAD_MUTEX_INITIALIZER;
static struct server_ip	ip_table[SERVER_IP_SLOTS];

static struct server_ip *
server_ip_find(uint32_t addr, int insert)
{
	uint32_t	h = (addr * 2654435761u) & (SERVER_IP_SLOTS - 1);
	size_t		i;

	for (i = 0; i < SERVER_IP_SLOTS; i++, h = (h + 1) & (SERVER_IP_SLOTS - 1)) {
		if (ip_table[h].addr == addr)
			return (&ip_table[h]);
		if (ip_table[h].addr == 0) {
			if (!insert)
				return (NULL);
			ip_table[h].addr = addr;
			ip_table[h].count = 0;
			return (&ip_table[h]);
		}
	}
	return (NULL);
}

/* Delete by moving later entries of the run back (no tombstones). */
static void
server_ip_delete(struct server_ip *e)
{
	size_t		i = (size_t)(e - ip_table), j = i, k;

	for (;;) {
		j = (j + 1) & (SERVER_IP_SLOTS - 1);
		if (ip_table[j].addr == 0)
			break;
		k = (ip_table[j].addr * 2654435761u) & (SERVER_IP_SLOTS - 1);
		/* Stays unless its home is cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		ip_table[i] = ip_table[j];
		i = j;
	}
	ip_table[i].addr = 0;
	ip_table[i].count = 0;
}

static int
server_ip_add(const struct sockaddr *sa)
{
	struct server_ip	*e;
	uint32_t		 addr;
	int			 ret = 0;

	if (config.per_ip_connection_limit == 0 || sa->sa_family != AF_INET)
		return (0);
	addr = ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr;
	if (addr == 0)
		return (0);
	pthread_mutex_lock(&ip_lock);
	if ((e = server_ip_find(addr, 1)) == NULL)
		ret = -1;		/* 4096 addresses at once: refuse */
	else if (e->count >= config.per_ip_connection_limit)
		ret = -1;
	else
		e->count++;
	pthread_mutex_unlock(&ip_lock);
	return (ret);
}

static void
server_ip_remove(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo	*info;
	struct server_ip		*e;
	uint32_t			 addr;

	if (config.per_ip_connection_limit == 0)
		return;
	info = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (info == NULL || info->client_addr == NULL ||
	    info->client_addr->sa_family != AF_INET)
		return;
	addr = ((const struct sockaddr_in *)(const void *)
	    info->client_addr)->sin_addr.s_addr;
	pthread_mutex_lock(&ip_lock);
	if ((e = server_ip_find(addr, 0)) != NULL && --e->count <= 0)
		server_ip_delete(e);
	pthread_mutex_unlock(&ip_lock);
}

/*
 * Every connection is a descriptor: raise the soft RLIMIT_NOFILE (often
 * 1024) towards what CONNECTION_LIMIT needs, up to the hard limit.
 */
static void
server_nofile(void)
{
	struct rlimit	rl;
	rlim_t		need;

	need = (rlim_t)config.connection_limit + SERVER_LIMIT_SLACK +
	    (rlim_t)config.workers + (rlim_t)config.cpu_workers + 128;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < need)
		log_warn("open files are limited to %llu (ulimit -n): fewer "
		    "than CONNECTION_LIMIT %d connections may fit",
		    (unsigned long long)rl.rlim_cur, config.connection_limit);
}

/* The listening socket the daemons share; -1 on error (logged). */
static int
server_listen(void)
{
	struct sockaddr_in	sin;
	socklen_t		len;
	int			fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)config.port);
	if (inet_pton(AF_INET, config.host, &sin.sin_addr) != 1) {
		log_error(NULL, "HOST: not an IPv4 address: %s", config.host);
		return (-1);
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_error(NULL, "socket: %s", strerror(errno));
		return (-1);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		log_error(NULL, "cannot listen on %s:%d: %s", config.host,
		    config.port, strerror(errno));
		close(fd);
		return (-1);
	}
	len = sizeof(sin);
	if (config.port == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		config.port = ntohs(sin.sin_port);
	return (fd);
}

/*
 * One daemon per I/O thread, in external epoll mode (loop.c runs it),
 * all on the same listening socket.  MHD_USE_ERROR_LOG sends
 * libmicrohttpd's own diagnostics to stderr.
 */
static struct MHD_Daemon *
server_daemon(int fd)
{
	return MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG, 0, server_accept, NULL,
	    server_access, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)config.connection_limit + SERVER_LIMIT_SLACK,
	    MHD_OPTION_NOTIFY_CONNECTION, server_connection, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)config.connection_timeout,
	    MHD_OPTION_NOTIFY_COMPLETED, server_completed, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, server_unescape, NULL,
	    MHD_OPTION_END);
}

int
server_start(const struct route_node *root)
{
	int	i, slots;

	routes = root;
	server_nofile();
	if ((listen_fd = server_listen()) == -1)
		return -1;
	if ((db_pool = pool_start("database", config.workers)) == NULL ||
	    (cpu_pool = pool_start("cpu", config.cpu_workers)) == NULL)
		goto fail;
	ndaemons = config.io_threads;
	daemons = xcalloc((size_t)ndaemons, sizeof(*daemons));
	for (i = 0; i < ndaemons; i++) {
		if ((daemons[i] = server_daemon(listen_fd)) == NULL) {
			log_error(NULL, "cannot start the HTTP daemon on "
			    "%s:%d", config.host, config.port);
			goto fail;
		}
	}
	/* DB_CONNECTIONS spread over the loops, at least one each. */
	slots = (config.db_connections + ndaemons - 1) / ndaemons;
	if (loop_start(daemons, ndaemons, slots) == -1) {
		daemons = NULL;	/* loop_stop stopped them */
		goto fail;
	}
	return 0;
 fail:
	for (i = 0; daemons != NULL && i < ndaemons; i++) {
		if (daemons[i] != NULL) {
			(void)MHD_quiesce_daemon(daemons[i]);
			MHD_stop_daemon(daemons[i]);
		}
	}
	free(daemons);
	daemons = NULL;
	pool_stop(cpu_pool);
	pool_stop(db_pool);
	cpu_pool = db_pool = NULL;
	close(listen_fd);
	listen_fd = MHD_INVALID_SOCKET;
	return -1;
}

unsigned
server_port(void)
{
	return (unsigned)config.port;
}

void
server_stop(void)
{
	unsigned long long	deadline;

	if (daemons == NULL)
		return;
	/* Stop accepting; established connections go on. */
	loop_quiesce();
	close(listen_fd);
	listen_fd = MHD_INVALID_SOCKET;
	deadline = util_now_ns() +
	    (unsigned long long)config.shutdown_timeout * 1000000000ULL;
	while (atomic_load(&inflight) > 0 && util_now_ns() < deadline)
		usleep(10000);
	if (atomic_load(&inflight) > 0)
		log_warn("shutdown: %d request(s) still running after %ds",
		    atomic_load(&inflight), config.shutdown_timeout);
	/* Running handlers finish; queued ones are answered 503. */
	loop_cancel_queued();
	pool_stop(cpu_pool);
	pool_stop(db_pool);
	cpu_pool = db_pool = NULL;
	/* Resumed connections still need their I/O thread to send. */
	deadline = util_now_ns() + 2000000000ULL;
	while (atomic_load(&inflight) > 0 && util_now_ns() < deadline)
		usleep(10000);
	loop_stop();
	free(daemons);
	daemons = NULL;
}

static struct sreq *
server_sreq_new(struct MHD_Connection *conn, const char *url,
    const char *method)
{
	struct sreq			*sr;
	struct http_request		*req;

	sr = server_sreq_alloc();
	req = &sr->req;
	req->conn = conn;
	req->start_ns = util_now_ns();
	req->method = router_method(method);
	req->method_name = arena_strdup(req->arena, method);
	req->path = arena_strdup(req->arena, url);
	req->res.fd = -1;
	sr->job.run = server_job_run;
	sr->job.cancel = server_job_cancel;
	sr->ljob.run = server_ljob_run;
	sr->ljob.done = server_ljob_done;
	sr->ljob.cancel = server_ljob_cancel;
	sr->state = SREQ_BODY;

	server_request_id(sr);
	atomic_fetch_add(&inflight, 1);
	return sr;
}

/*
 * 128 unpredictable bits per request without a system call: SipHash of a
 * per-thread counter under a per-thread random key (randombytes_buf asks
 * the kernel on every call, which showed in the benchmark).
 */
static void
server_random_id(unsigned char *raw)
{
	static _Thread_local unsigned char	key[crypto_shorthash_KEYBYTES];
	static _Thread_local uint64_t		counter;
	static _Thread_local int		keyed;
	unsigned char				in[9];

	if (!keyed) {
		randombytes_buf(key, sizeof(key));
		keyed = 1;
	}
	counter++;
	memcpy(in, &counter, 8);
	in[8] = 0;
	crypto_shorthash(raw, in, sizeof(in), key);
	in[8] = 1;
	crypto_shorthash(raw + 8, in, sizeof(in), key);
}

/*
 * An incoming X-Request-Id is kept when it is well formed (so a proxy's id
 * follows the request through our logs), otherwise we make one.
 */
static void
server_request_id(struct sreq *sr)
{
	struct http_request	*req = &sr->req;
	const char		*in;
	unsigned char		 raw[16];
	char			*hex;
	size_t			 i, n;

	in = http_request_header(req, "X-Request-Id");
	if (in != NULL && (n = strlen(in)) > 0 && n <= 128) {
		for (i = 0; i < n; i++) {
			if (!((in[i] >= 'a' && in[i] <= 'z') ||
			    (in[i] >= 'A' && in[i] <= 'Z') ||
			    (in[i] >= '0' && in[i] <= '9') ||
			    in[i] == '-' || in[i] == '_' || in[i] == '.' ||
			    in[i] == ':'))
				break;
		}
		if (i == n) {
			req->request_id = arena_strdup(req->arena, in);
			return;
		}
	}
	server_random_id(raw);
	hex = arena_alloc(req->arena, sizeof(raw) * 2 + 1);
	sodium_bin2hex(hex, sizeof(raw) * 2 + 1, raw, sizeof(raw));
	req->request_id = hex;
}

/*
 * Everything that can be decided from the headers alone: middleware that
 * answers early, 404, 405, and a declared body over the limit.
 */
static void
server_prepare(struct sreq *sr)
{
	struct http_request	*req = &sr->req;
	const char		*cl, *te;
	unsigned long long	 declared;
	char			*end;

	cl = http_request_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	te = http_request_header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	declared = 0;
	if (cl != NULL) {
		declared = strtoull(cl, &end, 10);
		if (declared > 0)
			sr->has_body = 1;
	}
	if (te != NULL)
		sr->has_body = 1;

	if (middleware_run_before(req) == 1) {
		sr->decided = 1;
		return;
	}
	if (router_match(routes, req->method, req->path, req->arena,
	    &req->match) == -1) {
		http_errorf(req, 404, "Route %s not found", req->path);
		sr->decided = 1;
		return;
	}
	if (req->match.op == NULL) {
		http_error(req, 405, "Method Not Allowed");
		http_response_header(req, "Allow", req->match.node->allow);
		sr->decided = 1;
		return;
	}
	req->op = req->match.op;
	sr->body_max = req->op->max_body ? req->op->max_body :
	    config.max_body_bytes;
	/* A multipart body's limit is its parts' limits (upload.h). */
	if (req->op->upload != NULL)
		sr->body_max = upload_body_limit(req->op->upload);
	if (declared > sr->body_max) {
		http_errorf(req, 413,
		    "Request body too large (limit %zu bytes)", sr->body_max);
		sr->decided = 1;
		return;
	}
	/* No credentials at all for a protected operation: 401 before the
	 * body is read (or stored). */
	if (security_precheck(req, req->op->security) == -1) {
		sr->decided = 1;
		return;
	}
	/* Streamed to files as it arrives, not buffered. */
	if (req->op->upload != NULL && (sr->upload = upload_begin(req,
	    http_request_header(req, MHD_HTTP_HEADER_CONTENT_TYPE))) == NULL)
		sr->decided = 1;
}

static int
server_body_append(struct sreq *sr, const char *data, size_t len)
{
	size_t	ncap;

	if (len > sr->body_max - sr->body_len)
		return -1;
	if (sr->body_len + len + 1 > sr->body_cap) {
		ncap = sr->body_cap ? sr->body_cap : 4096;
		while (ncap < sr->body_len + len + 1)
			ncap *= 2;
		sr->body = xrealloc(sr->body, ncap);
		sr->body_cap = ncap;
	}
	memcpy(sr->body + sr->body_len, data, len);
	sr->body_len += len;
	sr->body[sr->body_len] = '\0';
	return 0;
}

static void
server_run_handler(struct http_request *req)
{
	int	rc;

	rc = req->op->handler(req);
	if (req->res.status == 0) {
		log_error(req->request_id, "%s returned %d without a response",
		    req->op->operation_id, rc);
		http_error(req, 500, "Internal server error");
	} else if (rc == -1 && req->res.status < 500) {
		log_error(req->request_id, "%s failed after answering %d",
		    req->op->operation_id, req->res.status);
	}
}

/* The handler with the connection db; a transaction it left open must
 * not reach the next request. */
static void
server_run_with_db(struct sreq *sr, struct db *db)
{
	sr->req.db = db;
	server_run_handler(&sr->req);
	db_rollback(db);
	sr->req.db = NULL;
}

/* Answer a suspended request: from here on its I/O thread owns sr, which
 * may already be freed; a pool worker also wakes the loop (loop.h). */
static void
server_resume(struct sreq *sr, int from_pool)
{
	struct loop	*l = sr->loop;

	MHD_resume_connection(sr->req.conn);
	if (from_pool)
		loop_wake(l);
}

/* On a pool worker (uploads, x-cpu-bound). */
static void
server_job_run(struct pool_job *job, struct db *db)
{
	struct sreq	*sr;

	sr = (struct sreq *)((char *)job - offsetof(struct sreq, job));
	server_run_with_db(sr, db);
	server_resume(sr, 1);
}

static void
server_job_cancel(struct pool_job *job)
{
	struct sreq	*sr;

	sr = (struct sreq *)((char *)job - offsetof(struct sreq, job));
	http_error(&sr->req, 503, "Server is shutting down");
	server_resume(sr, 1);
}

/* In a coroutine on the request's own I/O thread (loop.h). */
static void
server_ljob_run(struct loop_job *job, struct db *db)
{
	server_run_with_db((struct sreq *)((char *)job -
	    offsetof(struct sreq, ljob)), db);
}

static void
server_ljob_done(struct loop_job *job)
{
	server_resume((struct sreq *)((char *)job -
	    offsetof(struct sreq, ljob)), 0);
}

static void
server_ljob_cancel(struct loop_job *job)
{
	struct sreq	*sr;

	sr = (struct sreq *)((char *)job - offsetof(struct sreq, ljob));
	http_error(&sr->req, 503, "Server is shutting down");
	server_resume(sr, 0);
}

static enum MHD_Result
server_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct sreq	*sr = *con_cls;

	if (sr == NULL) {
		sr = server_sreq_new(conn, url, method);
		*con_cls = sr;
		server_prepare(sr);
		/*
		 * Answering now closes the connection after the response,
		 * so only do it when there is a body we refuse to read.
		 */
		if (sr->decided && sr->has_body)
			return server_send(sr);
		return MHD_YES;
	}

	if (*upload_data_size > 0) {
		sr->received += *upload_data_size;
		if (!sr->decided && sr->upload != NULL) {
			/* It answers its own 413/415/422/400. */
			if (upload_feed(sr->upload, upload_data,
			    *upload_data_size) == -1)
				sr->decided = 1;
		} else if (!sr->decided && server_body_append(sr, upload_data,
		    *upload_data_size) == -1) {
			http_errorf(&sr->req, 413,
			    "Request body too large (limit %zu bytes)",
			    sr->body_max);
			sr->decided = 1;
		}
		/*
		 * libmicrohttpd cannot queue a response in the middle of a
		 * body, so a streamed (chunked) body over the limit is read
		 * and dropped, then answered 413 - up to twice the limit;
		 * past that the connection is closed without an answer.
		 * (A declared Content-Length over the limit never gets here:
		 * it is refused before reading.)
		 */
		if (sr->decided && sr->body_max > 0 &&
		    sr->received > 2 * sr->body_max) {
			log_error(sr->req.request_id, "body far over the "
			    "limit, closing the connection");
			return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}

	switch (sr->state) {
	case SREQ_BODY:
		if (sr->decided)
			return server_send(sr);
		if (sr->upload != NULL && upload_finish(sr->upload) == -1)
			return server_send(sr);
		sr->req.body = sr->body;
		sr->req.body_len = sr->body_len;
		if (sr->req.op->flags & ROUTE_INLINE) {
			server_run_handler(&sr->req);
			return server_send(sr);
		}
		sr->state = SREQ_QUEUED;
		/*
		 * Password hashing on the CPU pool; uploads, which write
		 * and fsync files, on the worker pool; the rest here, in a
		 * coroutine that yields while PostgreSQL works.
		 */
		if ((sr->req.op->flags & ROUTE_CPU) || sr->upload != NULL) {
			sr->loop = loop_current();
			MHD_suspend_connection(conn);
			pool_submit((sr->req.op->flags & ROUTE_CPU) ?
			    cpu_pool : db_pool, &sr->job);
			return MHD_YES;
		}
		if (loop_submit(&sr->ljob) == 1)
			return server_send(sr);
		/* Waiting: loop.c resumes it once the handler returned. */
		MHD_suspend_connection(conn);
		return MHD_YES;
	case SREQ_QUEUED:
		/* Resumed: the worker has set the response. */
		return server_send(sr);
	case SREQ_SENT:
		return MHD_YES;
	}
	return MHD_NO;
}

static enum MHD_Result
server_send(struct sreq *sr)
{
	struct http_request	*req = &sr->req;
	struct http_response	*res = &req->res;
	struct MHD_Response	*resp;
	struct http_header	*h;
	enum MHD_Result		 ret;

	if (sr->state == SREQ_SENT)
		return MHD_YES;
	sr->state = SREQ_SENT;
	if (res->status == 0)
		http_error(req, 500, "Internal server error");
	http_response_header(req, "X-Request-Id", req->request_id);
	middleware_run_after(req);

	if (res->fd >= 0) {
		resp = MHD_create_response_from_fd_at_offset64(res->fd_len,
		    res->fd, res->fd_offset);
		res->fd = -1;	/* the response closes it */
	} else {
		/* The arena outlives the response: freed on completion. */
		resp = MHD_create_response_from_buffer(res->body_len,
		    (void *)res->body, MHD_RESPMEM_PERSISTENT);
	}
	if (resp == NULL) {
		log_error(req->request_id, "cannot create response");
		return MHD_NO;
	}
	if (res->content_type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    res->content_type);
	for (h = res->headers; h != NULL; h = h->next)
		MHD_add_response_header(resp, h->name, h->value);
	ret = MHD_queue_response(req->conn, (unsigned int)res->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
server_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct sreq	*sr = *con_cls;

	if (sr == NULL)
		return;
	*con_cls = NULL;
	accesslog_request(&sr->req, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	/* Background tasks run once the response is out (or the client
	 * gone): a failed login is logged all the same. */
	tasks_submit(&sr->req);
	if (sr->req.res.fd >= 0)
		close(sr->req.res.fd);
	/* Temporaries the handler did not keep, even if the client left. */
	upload_end(sr->upload);
	free(sr->body);
	server_sreq_free(sr);
	atomic_fetch_sub(&inflight, 1);
}

/*
 * Request objects, each with its arena, are kept for reuse by the thread
 * that finished them (a connection's requests start and complete on its
 * I/O thread): a malloc/free pair and the arena's first chunk less per
 * request (bench/RESULTS.md).  At most SREQ_CACHE per thread, arenas
 * reset to their first chunk, so a large request gives back what it grew.
 */
#define SREQ_CACHE	64

struct sreq_cache {
	struct sreq	*free[SREQ_CACHE];
	int		 n;
};

static pthread_once_t			 sreq_once = PTHREAD_ONCE_INIT;
static pthread_key_t			 sreq_key;
static _Thread_local struct sreq_cache	*sreq_cache;

static void
server_sreq_destroy(struct sreq *sr)
{
	arena_free(sr->req.arena);
	free(sr);
}

/* At the exit of a thread that cached requests (libmicrohttpd's). */
static void
server_sreq_cache_free(void *arg)
{
	struct sreq_cache	*c = arg;

	while (c->n > 0)
		server_sreq_destroy(c->free[--c->n]);
	free(c);
}

static void
server_sreq_key(void)
{
	if (pthread_key_create(&sreq_key, server_sreq_cache_free) != 0)
		fatal("pthread_key_create");
}

static struct sreq *
server_sreq_alloc(void)
{
	struct sreq	*sr;
	struct arena	*a;

	if (sreq_cache == NULL || sreq_cache->n == 0) {
		sr = xcalloc(1, sizeof(*sr));
		sr->req.arena = arena_new(4096);
		return sr;
	}
	sr = sreq_cache->free[--sreq_cache->n];
	a = sr->req.arena;
	memset(sr, 0, sizeof(*sr));
	sr->req.arena = a;
	return sr;
}

static void
server_sreq_free(struct sreq *sr)
{
	if (sreq_cache == NULL) {
		pthread_once(&sreq_once, server_sreq_key);
		sreq_cache = xcalloc(1, sizeof(*sreq_cache));
		if (pthread_setspecific(sreq_key, sreq_cache) != 0)
			fatal("pthread_setspecific");
	}
	if (sreq_cache->n == SREQ_CACHE) {
		server_sreq_destroy(sr);
		return;
	}
	arena_reset(sr->req.arena);
	sreq_cache->free[sreq_cache->n++] = sr;
}
