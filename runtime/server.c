/*
 * server.c - the Kore adapter and the request lifecycle (see server.h).
 *
 * Kore parses the request line and headers, reads the body (into memory,
 * or into a temporary file past http_body_disk_offload) and then calls
 * the one page handler of kore.conf, server_dispatch(), with the request
 * complete.  From there on the request is ours: routing, middleware,
 * security, the handler (as a coroutine on this worker's event loop, on a
 * pool thread, or inline), and the reply, which is handed back to Kore
 * with http_response().  A request that waits (for PostgreSQL, or for a
 * pool thread) sleeps in Kore (http_request_sleep) and is woken when its
 * reply is ready (http_request_wakeup), so the worker's event loop goes
 * on with other connections meanwhile.
 *
 * Connections are ours before Kore's HTTP layer sees them: the listener's
 * connect callback (server_connect, named by "bind" in kore.conf) counts
 * them against CONNECTION_LIMIT and PER_IP_CONNECTION_LIMIT over all the
 * workers, and puts our header check (server_header_recv) in front of
 * Kore's parser, so a request with ambiguous framing, or one we refuse
 * before its body (too large for its operation, no credentials), is
 * answered with the envelope by us instead of Kore's empty page, and its
 * connection closed gracefully (server_linger).
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/eventfd.h>
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
#include <unistd.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <sodium.h>

#include "accesslog.h"
#include "arena.h"
#include "config.h"
#include "db.h"
#include "framing.h"
#include "log.h"
#include "loop.h"
#include "middleware.h"
#include "pool.h"
#include "request.h"
#include "router.h"
#include "security.h"
#include "server.h"
#include "shared.h"
#include "tasks.h"
#include "tls.h"
#include "upload.h"
#include "util.h"

enum sreq_state {
	SREQ_NEW,		/* not started */
	SREQ_RUNNING,		/* the handler runs (coroutine or pool) */
	SREQ_DONE		/* the reply is ready */
};

struct sreq {
	struct request		 req;
	struct pool_job		 job;		/* on a pool thread, or */
	struct loop_job		 ljob;		/* on this worker's loop */
	enum sreq_state		 state;
	int			 decided;	/* answered before the handler */
	int			 orphan;	/* Kore freed its request */
	size_t			 body_max;
	struct upload		*upload;	/* multipart body, or NULL */
	int			 in_pool;	/* a pool has it (done_lock) */
	int			 pool_started;	/* a pool thread runs it */
	int			 pool_cancel;	/* gone before it started */
	struct sreq		*next_done;	/* pool completions */
};

/* Kore's event for the pool threads' completions (an eventfd). */
struct server_wake {
	struct kore_event	 evt;
	int			 fd;
};

static void		 server_sreq_prepare(struct sreq *);
static struct sreq	*server_sreq_new(struct http_request *);
static void		 server_sreq_free(struct sreq *);
static void		 server_request_id(struct sreq *);
static void		 server_random_id(unsigned char *);
static int		 server_body(struct sreq *);
static int		 server_upload(struct sreq *);
static void		 server_run_handler(struct request *);
static int		 server_send(struct sreq *);
static void		 server_finish(struct sreq *, int);
static void		 server_onfree(struct http_request *);
static void		 server_job_run(struct pool_job *, struct db *);
static void		 server_job_cancel(struct pool_job *);
static void		 server_pool_done(struct sreq *);
static void		 server_ljob_run(struct loop_job *, struct db *);
static void		 server_ljob_done(struct loop_job *);
static void		 server_ljob_cancel(struct loop_job *);
static void		 server_wake_handle(void *, int);
static void		 server_ready(struct sreq *);
static int		 server_header_recv(struct netbuf *);
static int		 server_handle(struct connection *);
static void		 server_disconnect(struct connection *);
static void		 server_refuse(struct connection *, int, const char *);
static int		 server_discard(struct netbuf *);
static void		 server_linger(struct connection *);
static void		 server_timeouts(void *, u_int64_t);
static void		 server_refused_log(struct connection *, int,
			    const char *);
static char		*server_path_decode(struct arena *, const char *);

static const struct route_node	*routes;
/* kore.conf's http_body_max; Kore's own check is lifted (service.c) so
 * that ours, per operation and with the envelope, is the one that
 * answers. */
size_t				 server_body_ceiling = HTTP_BODY_MAX_LEN;
int				 server_workers = 1;
static int			 inflight;	/* this worker's requests */
static struct pool		*db_pool;	/* WORKERS: uploads */
static struct pool		*cpu_pool;	/* CPU_WORKERS: x-cpu-bound */
static struct server_wake	 wake = { .fd = -1 };
static struct kore_timer	*timeouts;
/* Request objects kept for reuse (server_sreq_new). */
#define SREQ_CACHE	64
static struct sreq		*sreq_cache[SREQ_CACHE];
static int			 sreq_cached;
static int			 server_tls;	/* a server has TLS on */
static void			(*server_ready_cb)(void);
static pthread_mutex_t		 done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 done_cond = PTHREAD_COND_INITIALIZER;
static struct sreq		*done_head;	/* pool completions */
static int			 draining;

/* Bytes of a refused body read and dropped before closing, and for how
 * long: enough for a client to finish sending and read the answer. */
#define SERVER_LINGER_BYTES	(16u * 1024 * 1024)
/*
 * A connection flag of ours, beside Kore's CONN_* bits (0x0001-0x0080 in
 * 4.1): the request being read is the connection's last (it had a
 * pipelined request behind it).
 */
#define SERVER_CONN_LAST	0x8000
/* server_timeouts' period, and how much before Kore's own check. */
#define SERVER_TIMER_MS		100
#define SERVER_EARLY_MS		(SERVER_TIMER_MS + 50)
#define SERVER_LINGER_MS	5000

/* --- the worker's start and stop (service.c calls these) --------------- */

int
server_start(const struct route_node *root, void (*ready)(void))
{
	struct kore_server	*srv;
	int			 slots;

	routes = root;
	if ((wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_error(NULL, "eventfd: %s", strerror(errno));
		return (-1);
	}
	wake.evt.type = KORE_TYPE_TASK;
	wake.evt.handle = server_wake_handle;
	kore_platform_schedule_read(wake.fd, &wake);
	timeouts = kore_timer_add(server_timeouts, SERVER_TIMER_MS, NULL, 0);
	LIST_FOREACH(srv, &kore_servers, list) {
		if (srv->tls)
			server_tls = 1;
	}
	if (!server_tls || tls_fix_domains() == 0)
		ready();
	else
		server_ready_cb = ready;
	if ((db_pool = pool_start("upload", config.workers)) == NULL ||
	    (cpu_pool = pool_start("cpu", config.cpu_workers)) == NULL)
		return (-1);
	/* DB_CONNECTIONS spread over the workers, at least one each. */
	slots = (config.db_connections + server_workers - 1) / server_workers;
	return (loop_start(slots));
}

/*
 * Kore leaves its event loop at once on SIGTERM; a graceful stop needs
 * the requests in flight answered first.  So from the teardown hook we
 * stop accepting and run Kore's loop a while longer ourselves, until
 * nothing of ours is in flight or SHUTDOWN_TIMEOUT has passed.
 */
void
server_stop(void)
{
	u_int64_t	deadline, now;

	draining = 1;
	/* Only the worker holding the accept lock has the listeners in its
	 * epoll set (Kore's fatal() on deleting one that is not). */
	if (worker != NULL && worker->has_lock)
		kore_platform_disable_accept();
	deadline = kore_time_ms() + (u_int64_t)config.shutdown_timeout * 1000;
	while (inflight > 0 && (now = kore_time_ms()) < deadline) {
		kore_platform_event_wait(10);
		http_process();
		kore_connection_prune(KORE_CONNECTION_PRUNE_DISCONNECT);
	}
	if (inflight > 0)
		log_warn("shutdown: %d request(s) still running after %ds",
		    inflight, config.shutdown_timeout);
	/* Running handlers finish; queued ones are answered 503. */
	loop_cancel_queued();
	pool_stop(cpu_pool);
	pool_stop(db_pool);
	cpu_pool = db_pool = NULL;
	deadline = kore_time_ms() + 2000;
	while (inflight > 0 && kore_time_ms() < deadline) {
		kore_platform_event_wait(10);
		http_process();
		kore_connection_prune(KORE_CONNECTION_PRUNE_DISCONNECT);
	}
	loop_stop();
	while (sreq_cached > 0) {
		arena_free(sreq_cache[--sreq_cached]->req.arena);
		free(sreq_cache[sreq_cached]);
	}
	if (timeouts != NULL)
		kore_timer_remove(timeouts);
	timeouts = NULL;
	if (wake.fd != -1)
		close(wake.fd);
	wake.fd = -1;
}

/* --- the page handler --------------------------------------------------- */

/*
 * route ^/ server_dispatch: every request.  Kore calls it again after
 * each http_request_wakeup until it answers KORE_RESULT_OK.
 */
int
server_dispatch(struct http_request *http)
{
	struct sreq	*sr = http->hdlr_extra;

	if (sr == NULL) {
		sr = server_sreq_new(http);
		server_sreq_prepare(sr);
	}
	switch (sr->state) {
	case SREQ_NEW:
		break;
	case SREQ_RUNNING:
		/* Woken by something else (Kore's timeouts): sleep on. */
		http_request_sleep(http);
		return (KORE_RESULT_RETRY);
	case SREQ_DONE:
		return (server_send(sr));
	}

	if (!sr->decided && server_body(sr) == -1)
		sr->decided = 1;
	if (sr->decided)
		return (server_send(sr));
	if (sr->req.op->flags & ROUTE_INLINE) {
		server_run_handler(&sr->req);
		return (server_send(sr));
	}
	sr->state = SREQ_RUNNING;
	/*
	 * Password hashing on the CPU pool; uploads, which write and fsync
	 * files, on the upload pool; the rest here, in a coroutine that
	 * yields while PostgreSQL works.
	 */
	if ((sr->req.op->flags & ROUTE_CPU) || sr->req.op->upload != NULL) {
		http_request_sleep(http);
		sr->in_pool = 1;
		pool_submit((sr->req.op->flags & ROUTE_CPU) ? cpu_pool :
		    db_pool, &sr->job);
		return (KORE_RESULT_RETRY);
	}
	if (loop_submit(&sr->ljob) == 1) {
		sr->state = SREQ_DONE;
		return (server_send(sr));
	}
	http_request_sleep(http);
	return (KORE_RESULT_RETRY);
}

/*
 * Request objects, each with its arena, are kept for reuse (at most
 * SREQ_CACHE, arenas reset to their first chunk, so a large request gives
 * back what it grew): a calloc/free pair and the arena's first chunk
 * less per request.  All of it on the worker's own thread (sreq_cache,
 * above).
 */

static struct sreq *
server_sreq_new(struct http_request *http)
{
	struct sreq	*sr;
	struct request	*req;
	struct arena	*a;

	if (sreq_cached > 0) {
		sr = sreq_cache[--sreq_cached];
		a = sr->req.arena;
		memset(sr, 0, sizeof(*sr));
		sr->req.arena = a;
	} else {
		sr = xcalloc(1, sizeof(*sr));
		sr->req.arena = arena_new(4096);
	}
	req = &sr->req;
	req->http = http;
	req->start_ns = util_now_ns();
	req->method_name = http_method_text(http->method);
	req->method = router_method(req->method_name);
	req->path = server_path_decode(req->arena, http->path);
	req->res.fd = -1;
	sr->job.run = server_job_run;
	sr->job.cancel = server_job_cancel;
	sr->ljob.run = server_ljob_run;
	sr->ljob.done = server_ljob_done;
	sr->ljob.cancel = server_ljob_cancel;
	sr->state = SREQ_NEW;
	http->hdlr_extra = sr;
	http->onfree = server_onfree;
	server_request_id(sr);
	inflight++;
	return (sr);
}

static void
server_sreq_free(struct sreq *sr)
{
	if (sreq_cached < SREQ_CACHE) {
		arena_reset(sr->req.arena);
		sreq_cache[sreq_cached++] = sr;
		return;
	}
	arena_free(sr->req.arena);
	free(sr);
}

/*
 * Percent-decoded path for routing and the logs.  A %00 would cut the
 * path short in C (/files/x.png%00.txt would name x.png): such a path is
 * left as it came, so no route or file name can match it.
 */
static char *
server_path_decode(struct arena *a, const char *s)
{
	char	*out, *d;
	int	 hi, lo;

	if (strstr(s, "%00") != NULL)
		return (arena_strdup(a, s));
	out = d = arena_alloc(a, strlen(s) + 1);
	for (; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] != '\0' && s[2] != '\0' &&
		    (hi = util_hexval((unsigned char)s[1])) >= 0 &&
		    (lo = util_hexval((unsigned char)s[2])) >= 0) {
			*d++ = (char)(hi * 16 + lo);
			s += 2;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
	return (out);
}

/*
 * 128 unpredictable bits per request without a system call: SipHash of a
 * counter under a random key (randombytes_buf asks the kernel on every
 * call, which showed in the benchmark).  Each worker keys its own.
 */
static void
server_random_id(unsigned char *raw)
{
	static unsigned char	key[crypto_shorthash_KEYBYTES];
	static uint64_t		counter;
	static pid_t		keyed;
	unsigned char		in[9];

	if (keyed != getpid()) {
		randombytes_buf(key, sizeof(key));
		keyed = getpid();
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
	struct request	*req = &sr->req;
	const char	*in;
	unsigned char	 raw[16];
	char		*hex;
	size_t		 i, n;

	in = request_header(req, "X-Request-Id");
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
 * Everything that can be decided from the headers alone: ambiguous
 * framing, middleware that answers early, 404, 405, a declared body over
 * the operation's limit and missing credentials.  Runs as soon as the
 * headers are in (server_header_recv) when a body is coming, else from
 * server_dispatch.
 */
static void
server_sreq_prepare(struct sreq *sr)
{
	struct request	*req = &sr->req;
	const char	*why;

	if ((why = framing_check_headers(req->http)) != NULL) {
		reply_error(req, 400, why);
		sr->decided = 1;
		return;
	}
	if (middleware_run_before(req) == 1) {
		sr->decided = 1;
		return;
	}
	if (router_match(routes, req->method, req->path, req->arena,
	    &req->match) == -1) {
		reply_errorf(req, 404, "Route %s not found", req->path);
		sr->decided = 1;
		return;
	}
	if (req->match.op == NULL) {
		reply_error(req, 405, "Method Not Allowed");
		reply_header(req, "Allow", req->match.node->allow);
		sr->decided = 1;
		return;
	}
	req->op = req->match.op;
	sr->body_max = req->op->max_body ? req->op->max_body :
	    config.max_body_bytes;
	/* A multipart body's limit is its parts' limits (upload.h). */
	if (req->op->upload != NULL)
		sr->body_max = upload_body_limit(req->op->upload);
	if (sr->body_max > server_body_ceiling)
		sr->body_max = server_body_ceiling;
	if (req->http->http_body_length > sr->body_max) {
		reply_errorf(req, 413,
		    "Request body too large (limit %zu bytes)", sr->body_max);
		sr->decided = 1;
		return;
	}
	/* No credentials at all for a protected operation: 401 before the
	 * body is read (or stored). */
	if (security_precheck(req, req->op->security) == -1)
		sr->decided = 1;
}

/*
 * The body, now complete in Kore (memory or a temporary file): a JSON or
 * form body is copied into the arena, NUL-terminated, for the decoders; a
 * multipart body is left where it is for the upload pool, which streams
 * it through the multipart parser.  -1 when answered.
 */
static int
server_body(struct sreq *sr)
{
	struct request		*req = &sr->req;
	struct http_request	*http = req->http;
	char			*buf;
	size_t			 len, off;
	ssize_t			 n;

	len = http->http_body_length;
	if (len == 0 || req->op->upload != NULL)
		return (0);
	if (len > sr->body_max) {
		reply_errorf(req, 413, "Request body too large (limit %zu "
		    "bytes)", sr->body_max);
		return (-1);
	}
	buf = arena_alloc(req->arena, len + 1);
	if (http->http_body != NULL && http->http_body_fd == -1) {
		memcpy(buf, http->http_body->data, len);
	} else {
		for (off = 0; off < len; off += (size_t)n) {
			n = http_body_read(http, buf + off, len - off);
			if (n <= 0) {
				log_error(req->request_id, "cannot read the "
				    "request body back");
				reply_error(req, 500, "Internal server error");
				return (-1);
			}
		}
	}
	buf[len] = '\0';
	req->body = buf;
	req->body_len = len;
	return (0);
}

/*
 * On the upload pool: the multipart body through the parser, 64 KiB at a
 * time, from wherever Kore put it (a temporary file past
 * http_body_disk_offload, so never the whole body in memory).  -1 when
 * answered (upload.c answers its own 413/415/422/400).
 */
static int
server_upload(struct sreq *sr)
{
	struct request		*req = &sr->req;
	struct http_request	*http = req->http;
	char			 buf[65536];
	size_t			 off, len;
	ssize_t			 n;

	if ((sr->upload = upload_begin(req, request_header(req,
	    "Content-Type"))) == NULL)
		return (-1);
	len = http->http_body_length;
	if (http->http_body != NULL && http->http_body_fd == -1) {
		if (len > 0 && upload_feed(sr->upload,
		    (const char *)http->http_body->data, len) == -1)
			return (-1);
	} else {
		for (off = 0; off < len; off += (size_t)n) {
			n = pread(http->http_body_fd, buf,
			    len - off < sizeof(buf) ? len - off : sizeof(buf),
			    (off_t)off);
			if (n <= 0) {
				log_error(req->request_id, "cannot read the "
				    "request body back: %s", strerror(errno));
				reply_error(req, 500, "Internal server error");
				return (-1);
			}
			if (upload_feed(sr->upload, buf, (size_t)n) == -1)
				return (-1);
		}
	}
	return (upload_finish(sr->upload));
}

static void
server_run_handler(struct request *req)
{
	int	rc;

	rc = req->op->handler(req);
	if (req->res.status == 0) {
		log_error(req->request_id, "%s returned %d without a response",
		    req->op->operation_id, rc);
		reply_error(req, 500, "Internal server error");
	} else if (rc == -1 && req->res.status < 500) {
		log_error(req->request_id, "%s failed after answering %d",
		    req->op->operation_id, req->res.status);
	}
}

/* The handler with a connection; a transaction it left open must not
 * reach the next request. */
static void
server_run_with_db(struct sreq *sr, struct db *db)
{
	sr->req.db = db;
	server_run_handler(&sr->req);
	db_rollback(db);
	sr->req.db = NULL;
}

/* --- completions ---------------------------------------------------------- */

/* On the worker's thread: the reply is ready. */
static void
server_ready(struct sreq *sr)
{
	sr->state = SREQ_DONE;
	if (sr->orphan) {
		/* The client went away meanwhile: nobody to answer. */
		server_finish(sr, 0);
		return;
	}
	http_request_wakeup(sr->req.http);
}

/* On a pool thread: the request is the worker's again; wake its loop. */
static void
server_pool_done(struct sreq *sr)
{
	uint64_t	one = 1;

	pthread_mutex_lock(&done_lock);
	sr->in_pool = 0;
	pthread_cond_broadcast(&done_cond);
	sr->next_done = done_head;
	done_head = sr;
	pthread_mutex_unlock(&done_lock);
	if (write(wake.fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_warn("eventfd: %s", strerror(errno));
}

/* On a pool thread (uploads, x-cpu-bound). */
static void
server_job_run(struct pool_job *job, struct db *db)
{
	struct sreq	*sr;

	sr = (struct sreq *)((char *)job - offsetof(struct sreq, job));
	pthread_mutex_lock(&done_lock);
	sr->pool_started = !sr->pool_cancel;
	pthread_mutex_unlock(&done_lock);
	/* Its client went away while it was queued: nothing to run. */
	if (sr->pool_started && (sr->req.op->upload == NULL ||
	    server_upload(sr) == 0))
		server_run_with_db(sr, db);
	server_pool_done(sr);
}

static void
server_job_cancel(struct pool_job *job)
{
	struct sreq	*sr;

	sr = (struct sreq *)((char *)job - offsetof(struct sreq, job));
	reply_error(&sr->req, 503, "Server is shutting down");
	server_pool_done(sr);
}

/* Kore's event: pool threads finished requests. */
static void
server_wake_handle(void *arg, int error)
{
	struct sreq	*sr, *next, *rev = NULL;
	uint64_t	 v;

	while (read(wake.fd, &v, sizeof(v)) > 0)
		;
	pthread_mutex_lock(&done_lock);
	sr = done_head;
	done_head = NULL;
	pthread_mutex_unlock(&done_lock);
	/* Oldest first. */
	for (; sr != NULL; sr = next) {
		next = sr->next_done;
		sr->next_done = rev;
		rev = sr;
	}
	for (sr = rev; sr != NULL; sr = next) {
		next = sr->next_done;
		server_ready(sr);
	}
}

/* In a coroutine on this worker's loop (loop.h). */
static void
server_ljob_run(struct loop_job *job, struct db *db)
{
	server_run_with_db((struct sreq *)((char *)job -
	    offsetof(struct sreq, ljob)), db);
}

static void
server_ljob_done(struct loop_job *job)
{
	server_ready((struct sreq *)((char *)job -
	    offsetof(struct sreq, ljob)));
}

static void
server_ljob_cancel(struct loop_job *job)
{
	struct sreq	*sr;

	sr = (struct sreq *)((char *)job - offsetof(struct sreq, ljob));
	reply_error(&sr->req, 503, "Server is shutting down");
	server_ready(sr);
}

/* --- the reply ---------------------------------------------------------- */

/* Kore's stream callback: the mapped file range is sent. */
static int
server_file_sent(struct netbuf *nb)
{
	munmap(nb->extra, nb->b_len);
	return (KORE_RESULT_OK);
}

static int
server_send(struct sreq *sr)
{
	struct request		*req = &sr->req;
	struct reply		*res = &req->res;
	struct http_request	*http = req->http;
	struct reply_header	*h;
	void			*map;
	long			 page;
	off_t			 start;
	int			 last;

	if (res->status == 0)
		reply_error(req, 500, "Internal server error");
	/* Shutting down, or a pipelined request: the last answer on its
	 * connection. */
	if (http->owner != NULL && (draining ||
	    (http->owner->flags & SERVER_CONN_LAST)))
		http->owner->flags |= CONN_CLOSE_EMPTY;
	/* The last answer on its connection (shutdown, a pipelined or a
	 * refused request): closed gracefully once sent (server_linger). */
	last = http->owner != NULL && (http->owner->flags & CONN_CLOSE_EMPTY);
	reply_header(req, "X-Request-Id", req->request_id);
	middleware_run_after(req);

	if (res->content_type != NULL)
		http_response_header(http, "content-type", res->content_type);
	for (h = res->headers; h != NULL; h = h->next)
		http_response_header(http, h->name, h->value);
	if (res->fd >= 0) {
		/*
		 * A file range: mapped and streamed by Kore without a copy,
		 * unmapped once sent (server_file_sent).
		 */
		map = MAP_FAILED;
		page = sysconf(_SC_PAGESIZE);
		start = (off_t)(res->fd_offset - res->fd_offset %
		    (unsigned long long)page);
		if (res->fd_len > 0)
			map = mmap(NULL, res->fd_len + (res->fd_offset -
			    (unsigned long long)start), PROT_READ, MAP_SHARED,
			    res->fd, start);
		close(res->fd);
		res->fd = -1;
		if (res->fd_len == 0) {
			http_response(http, res->status, NULL, 0);
		} else if (map == MAP_FAILED) {
			log_error(req->request_id, "mmap: %s", strerror(errno));
			http->flags |= HTTP_REQUEST_NO_CONTENT_LENGTH;
			http->owner->flags |= CONN_CLOSE_EMPTY;
			http_response(http, 500, NULL, 0);
		} else {
			http_response_stream(http, res->status,
			    (char *)map + (res->fd_offset -
			    (unsigned long long)start), res->fd_len,
			    server_file_sent, map);
		}
	} else {
		http_response(http, res->status, res->body, res->body_len);
	}
	if (last)
		server_linger(http->owner);
	return (KORE_RESULT_OK);
}

/*
 * Kore frees its request (answered, or its connection gone).  A handler
 * still running keeps our half alive until it returns (orphan).
 */
static void
server_onfree(struct http_request *http)
{
	struct sreq	*sr = http->hdlr_extra;

	/* Ours, not Kore's allocation: Kore must not kore_free it. */
	http->hdlr_extra = NULL;
	http->onfree = NULL;
	if (sr == NULL)
		return;
	/*
	 * A pool thread running this request reads Kore's request (its
	 * body, headers, query): Kore must not free it under that thread.
	 * Rare (the client went away during an upload or a hash) and short
	 * (one handler), so the worker waits for it here; a job still queued
	 * is cancelled instead.
	 */
	pthread_mutex_lock(&done_lock);
	if (sr->in_pool && !sr->pool_started)
		sr->pool_cancel = 1;	/* still queued: it will not run */
	while (sr->in_pool && sr->pool_started)
		pthread_cond_wait(&done_cond, &done_lock);
	pthread_mutex_unlock(&done_lock);
	sr->req.http = NULL;
	if (sr->state == SREQ_RUNNING) {
		sr->orphan = 1;
		return;
	}
	server_finish(sr, sr->state == SREQ_DONE || sr->decided ||
	    sr->req.op == NULL || (sr->req.op->flags & ROUTE_INLINE));
}

/* The request is over: log it, queue its tasks, release it. */
static void
server_finish(struct sreq *sr, int completed)
{
	accesslog_request(&sr->req, completed && !sr->orphan);
	/* Background tasks run once the response is out (or the client
	 * gone): a failed login is logged all the same. */
	tasks_submit(&sr->req);
	if (sr->req.res.fd >= 0)
		close(sr->req.res.fd);
	/* Temporaries the handler did not keep, even if the client left. */
	upload_end(sr->upload);
	server_sreq_free(sr);
	inflight--;
}

/* --- connections ---------------------------------------------------------- */

/*
 * Kore answers a head or a body that does not arrive within its deadline
 * (http_header_timeout, http_body_timeout) with an empty 408 page from
 * its 500 ms connection check; this timer comes first (SERVER_EARLY_MS)
 * and answers with the envelope instead, then closes gracefully.
 */

static void
server_timeouts(void *arg, u_int64_t now)
{
	struct connection	*c, *next;

	/* A certificate the key manager sent since (tls.c); the worker is
	 * ready once it can handshake. */
	if (server_tls && tls_fix_domains() == 0 && server_ready_cb != NULL) {
		server_ready_cb();
		server_ready_cb = NULL;
	}
	for (c = TAILQ_FIRST(&connections); c != NULL; c = next) {
		next = TAILQ_NEXT(c, list);
		if (c->state != CONN_STATE_ESTABLISHED ||
		    c->proto != CONN_PROTO_HTTP || c->http_timeout == 0 ||
		    now < c->http_start ||
		    now - c->http_start + SERVER_EARLY_MS < c->http_timeout)
			continue;
		server_refuse(c, 408, c->rnb != NULL &&
		    c->rnb->cb == server_header_recv ? "Request Timeout: the "
		    "request head did not arrive in time" : "Request Timeout: "
		    "the request body did not arrive in time");
		/*
		 * Closed once the answer is out, without lingering: what the
		 * client sent has been read, and a flood of idle connections
		 * must free its slots at the deadline.
		 */
		c->http_timeout = 0;
		c->flags |= CONN_CLOSE_EMPTY;
		if (net_send_flush(c) == KORE_RESULT_ERROR)
			kore_connection_disconnect(c);
	}
}

/*
 * bind ... server_connect: every accepted plain-text connection (TLS
 * ones after their handshake).  Counted against the limits, then set up
 * as Kore would, with our header check in front of Kore's parser.
 */
/* One line a second at most, with the count since the last. */
static void
server_refused(int why)
{
	static unsigned long long	n;
	static u_int64_t		last;
	u_int64_t			now = kore_time_ms();

	n++;
	if (now - last < 1000)
		return;
	last = now;
	if (why == -1)
		log_warn("CONNECTION_LIMIT (%d) reached: %llu connection(s) "
		    "refused", config.connection_limit, n);
	else
		log_warn("PER_IP_CONNECTION_LIMIT (%d) reached: %llu "
		    "connection(s) refused", config.per_ip_connection_limit,
		    n);
	n = 0;
}

void
server_connect(struct connection *c)
{
	int	why;

	c->proto = CONN_PROTO_HTTP;
	c->handle = server_handle;
	if ((why = shared_conn_add(c->family == AF_INET ?
	    (const struct sockaddr *)&c->addr.ipv4 :
	    (const struct sockaddr *)&c->addr.ipv6)) < 0) {
		server_refused(why);
		/*
		 * Told why, at once: a new client has sent nothing yet, so
		 * closing after the answer loses nothing (no reset).
		 */
		server_refuse(c, 503, "Too many connections, try again later");
		c->flags |= CONN_CLOSE_EMPTY;
		if (net_send_flush(c) == KORE_RESULT_ERROR)
			kore_connection_disconnect(c);
		return;
	}
	c->disconnect = server_disconnect;
	if (http_keepalive_time != 0)
		c->idle_timer.length = http_keepalive_time * 1000;
	/*
	 * Kore starts its header deadline with the second request of a
	 * connection (http_start_recv); the first one's starts here, so a
	 * client trickling its first head is closed after
	 * http_header_timeout like any other.
	 */
	c->http_start = kore_time_ms();
	c->http_timeout = http_header_timeout * 1000;
	if (c->rnb != NULL) {
		net_recv_reset(c, http_header_max, server_header_recv);
		c->rnb->flags |= NETBUF_CALL_CB_ALWAYS;
	} else {
		net_recv_queue(c, http_header_max, NETBUF_CALL_CB_ALWAYS,
		    server_header_recv);
	}
	/*
	 * After a TLS handshake Kore 4.1 calls us and returns, leaving the
	 * connection in its handshake state (connection.c): it would
	 * handshake again on the next read.  The request may be in OpenSSL's
	 * buffer already, where no new event would announce it: read now.
	 */
	if (c->state == CONN_STATE_TLS_SHAKE) {
		c->state = CONN_STATE_ESTABLISHED;
		if (!net_recv_flush(c))
			kore_connection_disconnect(c);
	}
}

static void
server_disconnect(struct connection *c)
{
	shared_conn_remove(c->family == AF_INET ?
	    (const struct sockaddr *)&c->addr.ipv4 :
	    (const struct sockaddr *)&c->addr.ipv6);
}

/*
 * Kore puts its own header parser back after every response
 * (http_start_recv); ours goes in front of it again before each read.
 */
static int
server_handle(struct connection *c)
{
	if (c->rnb != NULL && c->rnb->cb == http_header_recv)
		c->rnb->cb = server_header_recv;
	return (kore_connection_handle(c));
}

/*
 * The request's head, before Kore parses it: what Kore would answer with
 * an empty page, or accept though it is ambiguous (framing_check), is
 * answered here with the envelope and the connection closed.  Once Kore
 * has made the request, one with a body still to come is prepared at
 * once, so a body we would refuse is refused before it is read.
 */
static int
server_header_recv(struct netbuf *nb)
{
	struct connection	*c = nb->owner;
	struct http_request	*http, *last;
	struct sreq		*sr;
	const char		*why;
	size_t			 reqlen = 0;
	int			 status, ret, pipelined;

	status = framing_check_raw(nb->buf, &nb->s_off, nb->b_len, &reqlen,
	    &why);
	if (status == 0)
		return (KORE_RESULT_OK);	/* more to come */
	if (status > 0) {
		server_refuse(c, status, why);
		server_linger(c);
		return (KORE_RESULT_OK);
	}
	/*
	 * Kore takes a read as one request: what follows it in the same
	 * read (a pipelined request) would be lost, or taken for more body.
	 * This request is answered with "connection: close" and what came
	 * after it is dropped; RFC 9112 9.3.2 has clients retry what a
	 * closed connection left unanswered.
	 */
	pipelined = nb->s_off > reqlen;
	if (pipelined)
		nb->s_off = reqlen;
	ret = http_header_recv(nb);
	/* The request Kore just made is the connection's last. */
	last = NULL;
	TAILQ_FOREACH(http, &c->http_requests, olist)
		last = http;
	http = last;
	if (pipelined && ret == KORE_RESULT_OK && http != NULL)
		c->flags |= SERVER_CONN_LAST;
	if (ret != KORE_RESULT_OK || http == NULL ||
	    !(http->flags & HTTP_REQUEST_EXPECT_BODY) ||
	    http->hdlr_extra != NULL)
		return (ret);
	sr = server_sreq_new(http);
	server_sreq_prepare(sr);
	if (!sr->decided)
		return (ret);
	/*
	 * Refused before its body: answered now, with "connection: close"
	 * (and Kore not told to read a next request); Kore must neither read
	 * the body nor run the request.
	 */
	c->flags |= CONN_CLOSE_EMPTY;
	http->flags |= HTTP_REQUEST_DELETE;
	http->flags &= ~HTTP_REQUEST_EXPECT_BODY;
	http_request_wakeup(http);
	server_send(sr);
	return (KORE_RESULT_OK);
}

/* An answer for a connection without a request (framing errors, over
 * the connection limits); the caller closes. */
static void
server_refuse(struct connection *c, int status, const char *why)
{
	struct kore_buf	buf;
	char		*msg;
	json_t		*body;

	body = json_object();
	json_object_set_new(body, "success", json_false());
	json_object_set_new(body, "message", json_string(why));
	msg = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	kore_buf_init(&buf, 512);
	kore_buf_appendf(&buf, "HTTP/1.1 %d %s\r\ncontent-type: "
	    "application/json\r\ncontent-length: %zu\r\nconnection: close\r\n"
	    "x-content-type-options: nosniff\r\nx-frame-options: DENY\r\n%s"
	    "\r\n%s", status, reply_status_text(status), strlen(msg),
	    status == 405 ? "allow: DELETE, GET, HEAD, OPTIONS, PATCH, POST, "
	    "PUT\r\n" : "", msg);
	free(msg);
	net_send_queue(c, buf.data, buf.offset);
	kore_buf_cleanup(&buf);
	if (status != 503)
		server_refused_log(c, status, why);
}

/*
 * One line a second at most, with the count since the last: a flood of
 * malformed requests must not turn into a write(2) per request on the
 * event loop (stderr may be a slow pipe).
 */
static void
server_refused_log(struct connection *c, int status, const char *why)
{
	static unsigned long long	n;
	static u_int64_t		last;
	u_int64_t			now = kore_time_ms();

	n++;
	if (now - last < 1000)
		return;
	last = now;
	log_info("refused a request from %s: %d %s (%llu refused since the "
	    "last line)", c->family == AF_INET ?
	    inet_ntoa(c->addr.ipv4.sin_addr) : "-", status, why, n);
	n = 0;
}

/*
 * Close after an answer the client may not be reading yet because it is
 * still sending: closing with unread data makes the kernel send a reset,
 * which can destroy the answer before the client reads it.  So the
 * answer is flushed, our side shut for writing, and what the client
 * still sends is read and dropped until it closes (or SERVER_LINGER_*
 * runs out).
 */
static void
server_linger(struct connection *c)
{
	c->flags &= ~CONN_CLOSE_EMPTY;
	c->hdlr_extra = NULL;
	net_recv_reset(c, NETBUF_SEND_PAYLOAD_MAX, server_discard);
	c->rnb->extra = (void *)(uintptr_t)0;
	/* Kore's header timer would answer 408 after ours: the idle timer
	 * ends the linger instead. */
	c->http_timeout = 0;
	c->idle_timer.length = SERVER_LINGER_MS;
	if (net_send_flush(c) == KORE_RESULT_ERROR) {
		kore_connection_disconnect(c);
		return;
	}
	if (TAILQ_EMPTY(&c->send_queue))
		(void)shutdown(c->fd, SHUT_WR);
	else
		c->flags |= CONN_CLOSE_EMPTY;
}

static int
server_discard(struct netbuf *nb)
{
	uintptr_t	seen = (uintptr_t)nb->extra + nb->s_off;

	if (seen > SERVER_LINGER_BYTES)
		return (KORE_RESULT_ERROR);
	if (TAILQ_EMPTY(&nb->owner->send_queue))
		(void)shutdown(nb->owner->fd, SHUT_WR);
	net_recv_reset(nb->owner, NETBUF_SEND_PAYLOAD_MAX, server_discard);
	nb->owner->rnb->extra = (void *)seen;
	return (KORE_RESULT_OK);
}
