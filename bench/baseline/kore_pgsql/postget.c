/*
 * postget.c - GET /posts/{id} written the way Kore's documentation and
 * examples write a database page: an http_state machine around
 * kore_pgsql in asynchronous mode (KORE_PGSQL_ASYNC).
 *
 * The second yardstick of issue 12, point 9: our GET /posts/{id} must do
 * at least 2x what this does.  It runs exactly our handler's statement
 * (PostGet of sql/queries/posts.sql, put into postget_sql.h at build
 * time) with the id as a text parameter, and answers the row as the same
 * JSON object our server sends (PostWithAuthor, fields in the same order),
 * 404 when there is no such post.  What it does not do is what Kore's
 * pgsql layer does not: kore_pgsql_query_params() is PQsendQueryParams,
 * so every request has PostgreSQL parse and plan the statement again
 * (ours and pgbench -M prepared use a prepared statement); connections
 * are Kore's per-worker pool (pgsql_conn_max in kore.conf), requests
 * beyond it wait in Kore's queue.
 *
 * The database is "db", registered in the init hook from DATABASE_URL
 * (the environment kore(1) was started with; libpq takes a URI as a
 * connection string).  Built into build/bench/kore_pgsql.so by
 * bench/baseline/Makefile, loaded through kore.conf beside this file.
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>
#include <kore/seccomp.h>

#include "postget_sql.h"

#define POSTGET_PREFIX		"/posts/"
#define POSTGET_ID_MAX		18	/* digits: always within bigint */

int	postget_init(int);
int	postget_page(struct http_request *);

static int	postget_setup(struct http_request *);
static int	postget_query(struct http_request *);
static int	postget_wait(struct http_request *);
static int	postget_read(struct http_request *);
static int	postget_error(struct http_request *);
static int	postget_done(struct http_request *);
static void	postget_free(struct http_request *);
static void	postget_string(struct kore_buf *, const char *);
static void	postget_nullable(struct kore_buf *, struct kore_pgsql *, int);

/* The request's progress through the states below (req->fsm_state). */
enum {
	POSTGET_SETUP,
	POSTGET_QUERY,
	POSTGET_WAIT,
	POSTGET_READ,
	POSTGET_ERROR,
	POSTGET_DONE,
};

static struct http_state	postget_states[] = {
	[POSTGET_SETUP] = { "POSTGET_SETUP", postget_setup },
	[POSTGET_QUERY] = { "POSTGET_QUERY", postget_query },
	[POSTGET_WAIT] = { "POSTGET_WAIT", postget_wait },
	[POSTGET_READ] = { "POSTGET_READ", postget_read },
	[POSTGET_ERROR] = { "POSTGET_ERROR", postget_error },
	[POSTGET_DONE] = { "POSTGET_DONE", postget_done },
};

/* Per request: its query, the id (text parameter) and the reply. */
struct postget {
	struct kore_pgsql	 sql;
	char			 id[POSTGET_ID_MAX + 1];
	int			 status;
	struct kore_buf		*out;
};

/*
 * What libpq needs beyond Kore 4.1's worker and pgsql filters
 * (src/seccomp.c, src/pgsql.c) on Debian 12, found with "seccomp_tracing
 * yes" and strace of PQconnectdb: without them the worker is killed on
 * its first connect.  glibc 2.36's stat() is newfstatat (libpq's
 * ~/.pgpass; Kore's filter knows only stat/fstat); with gssencmode=prefer
 * (libpq's default) GSSAPI reads /etc/gss/mech.d (getdents64) and stats
 * the Kerberos files; a host name rather than an address makes
 * getaddrinfo call uname.
 */
KORE_SECCOMP_FILTER("postget",
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(getdents64),
	KORE_SYSCALL_ALLOW(uname),
)

int
postget_init(int state)
{
	const char	*url;

	if (state != KORE_MODULE_LOAD)
		return (KORE_RESULT_OK);
	if ((url = getenv("DATABASE_URL")) == NULL || *url == '\0') {
		kore_log(LOG_ERR, "postget: DATABASE_URL is not set");
		return (KORE_RESULT_ERROR);
	}
	if (!kore_pgsql_register("db", url)) {
		kore_log(LOG_ERR, "postget: cannot register the database");
		return (KORE_RESULT_ERROR);
	}
	return (KORE_RESULT_OK);
}

int
postget_page(struct http_request *req)
{
	return (http_state_run(postget_states,
	    sizeof(postget_states) / sizeof(postget_states[0]), req));
}

/*
 * First run: take the id from the path (the route's regex let only
 * digits through) and ask Kore for a connection; when all of this
 * worker's are busy Kore queues the request and runs this state again
 * once one is free.
 */
static int
postget_setup(struct http_request *req)
{
	struct postget	*pg;
	const char	*id;

	if ((pg = http_state_get(req)) == NULL) {
		pg = http_state_create(req, sizeof(*pg), postget_free);
		id = req->path + sizeof(POSTGET_PREFIX) - 1;
		if (strlen(id) > POSTGET_ID_MAX) {
			pg->status = HTTP_STATUS_NOT_FOUND;
			req->fsm_state = POSTGET_DONE;
			return (HTTP_STATE_CONTINUE);
		}
		(void)kore_strlcpy(pg->id, id, sizeof(pg->id));
		kore_pgsql_init(&pg->sql);
		kore_pgsql_bind_request(&pg->sql, req);
	}

	if (!kore_pgsql_setup(&pg->sql, "db", KORE_PGSQL_ASYNC)) {
		if (pg->sql.state == KORE_PGSQL_STATE_INIT) {
			req->fsm_state = POSTGET_SETUP;
			return (HTTP_STATE_RETRY);
		}
		kore_pgsql_logerror(&pg->sql);
		req->fsm_state = POSTGET_ERROR;
		return (HTTP_STATE_CONTINUE);
	}
	req->fsm_state = POSTGET_QUERY;
	return (HTTP_STATE_CONTINUE);
}

static int
postget_query(struct http_request *req)
{
	struct postget	*pg = http_state_get(req);

	req->fsm_state = POSTGET_WAIT;
	if (!kore_pgsql_query_params(&pg->sql, postget_sql,
	    KORE_PGSQL_FORMAT_TEXT, 1, KORE_PGSQL_PARAM_TEXT(pg->id))) {
		kore_pgsql_logerror(&pg->sql);
		req->fsm_state = POSTGET_ERROR;
	}
	return (HTTP_STATE_CONTINUE);
}

/* Sleeps (RETRY) until Kore wakes the request on the socket's answer. */
static int
postget_wait(struct http_request *req)
{
	struct postget	*pg = http_state_get(req);

	switch (pg->sql.state) {
	case KORE_PGSQL_STATE_WAIT:
		return (HTTP_STATE_RETRY);
	case KORE_PGSQL_STATE_COMPLETE:
		req->fsm_state = POSTGET_DONE;
		break;
	case KORE_PGSQL_STATE_ERROR:
		kore_pgsql_logerror(&pg->sql);
		req->fsm_state = POSTGET_ERROR;
		break;
	case KORE_PGSQL_STATE_RESULT:
		req->fsm_state = POSTGET_READ;
		break;
	default:
		kore_pgsql_continue(&pg->sql);
		break;
	}
	return (HTTP_STATE_CONTINUE);
}

/*
 * The row as our PostWithAuthor: the post's columns 0-7, then the
 * author's (id is the post's author_id) 8-11.
 */
static int
postget_read(struct http_request *req)
{
	struct postget		*pg = http_state_get(req);
	struct kore_pgsql	*sql = &pg->sql;
	struct kore_buf		*b;

	if (kore_pgsql_ntuples(sql) != 1) {
		pg->status = HTTP_STATUS_NOT_FOUND;
	} else {
		pg->status = HTTP_STATUS_OK;
		b = pg->out = kore_buf_alloc(1024);
		kore_buf_appendf(b, "{\"id\":%s,\"title\":",
		    kore_pgsql_getvalue(sql, 0, 0));
		postget_string(b, kore_pgsql_getvalue(sql, 0, 1));
		kore_buf_appendf(b, ",\"content\":");
		postget_string(b, kore_pgsql_getvalue(sql, 0, 2));
		kore_buf_appendf(b, ",\"published\":%s,\"author_id\":%s,"
		    "\"cover_image\":",
		    *kore_pgsql_getvalue(sql, 0, 3) == 't' ? "true" : "false",
		    kore_pgsql_getvalue(sql, 0, 4));
		postget_nullable(b, sql, 5);
		kore_buf_appendf(b, ",\"created_at\":");
		postget_string(b, kore_pgsql_getvalue(sql, 0, 6));
		kore_buf_appendf(b, ",\"updated_at\":");
		postget_string(b, kore_pgsql_getvalue(sql, 0, 7));
		kore_buf_appendf(b, ",\"author\":{\"id\":%s,\"name\":",
		    kore_pgsql_getvalue(sql, 0, 4));
		postget_string(b, kore_pgsql_getvalue(sql, 0, 8));
		kore_buf_appendf(b, ",\"email\":");
		postget_string(b, kore_pgsql_getvalue(sql, 0, 9));
		kore_buf_appendf(b, ",\"avatar_url\":");
		postget_nullable(b, sql, 10);
		kore_buf_appendf(b, ",\"created_at\":");
		postget_string(b, kore_pgsql_getvalue(sql, 0, 11));
		kore_buf_appendf(b, "}}");
	}
	kore_pgsql_continue(sql);
	req->fsm_state = POSTGET_WAIT;
	return (HTTP_STATE_CONTINUE);
}

static int
postget_error(struct http_request *req)
{
	static const char	body[] = "{\"detail\":\"Internal server error\"}";

	http_response_header(req, "content-type", "application/json");
	http_response(req, HTTP_STATUS_INTERNAL_ERROR, body, sizeof(body) - 1);
	return (HTTP_STATE_COMPLETE);
}

static int
postget_done(struct http_request *req)
{
	static const char	notfound[] = "{\"detail\":\"Post not found\"}";
	struct postget		*pg = http_state_get(req);

	http_response_header(req, "content-type", "application/json");
	if (pg->status == HTTP_STATUS_OK)
		http_response(req, HTTP_STATUS_OK, pg->out->data,
		    pg->out->offset);
	else
		http_response(req, HTTP_STATUS_NOT_FOUND, notfound,
		    sizeof(notfound) - 1);
	return (HTTP_STATE_COMPLETE);
}

/* Kore frees the state itself (hdlr_extra); what it points to is ours. */
static void
postget_free(struct http_request *req)
{
	struct postget	*pg = http_state_get(req);

	if (pg == NULL)
		return;
	kore_pgsql_cleanup(&pg->sql);
	if (pg->out != NULL)
		kore_buf_free(pg->out);
}

/*
 * s as a JSON string: quotes, backslashes and control characters escaped
 * (the short forms where JSON has one, as our writer does); UTF-8 as is.
 */
static void
postget_string(struct kore_buf *b, const char *s)
{
	static const char	 shortform[] = "\bb\ff\nn\rr\tt\"\"\\\\";
	const char		*run, *sf;

	kore_buf_append(b, "\"", 1);
	for (run = s; *s != '\0'; s++) {
		if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
			continue;
		kore_buf_append(b, run, (size_t)(s - run));
		for (sf = shortform; *sf != '\0' && *sf != *s; sf += 2)
			;
		if (*sf != '\0')
			kore_buf_appendf(b, "\\%c", sf[1]);
		else
			kore_buf_appendf(b, "\\u%04x", (unsigned char)*s);
		run = s + 1;
	}
	kore_buf_append(b, run, (size_t)(s - run));
	kore_buf_append(b, "\"", 1);
}

static void
postget_nullable(struct kore_buf *b, struct kore_pgsql *sql, int col)
{
	if (PQgetisnull(sql->result, 0, col))
		kore_buf_append(b, "null", 4);
	else
		postget_string(b, kore_pgsql_getvalue(sql, 0, col));
}
