/*
 * service.c - the hooks Kore calls by name, and the framework's start-up
 * and shutdown in them (see service.h).
 *
 * In the parent, once, before the workers fork (kore_parent_configure):
 * the application's settings (server.conf < .env < environment), the
 * address (HOST/PORT, when set, replace kore.conf's bind), the counters
 * the workers share, migrations, the upload directory's leftovers.  With
 * CHECK_CONFIG=1 it stops there and says whether the configuration is
 * good.
 *
 * In each worker (kore_worker_configure), after Kore dropped privileges
 * and entered its sandbox: the database connections, the thread pools,
 * the request log, the docs and CORS tables, the application's init, and
 * the middleware chain.  kore_worker_teardown drains and stops it all;
 * kore_seccomp_hook declares the system calls all of that needs.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/seccomp.h>

#include <sodium.h>

#include "auth.h"
#include "config.h"
#include "cors.h"
#include "db.h"
#include "docs.h"
#include "log.h"
#include "middleware.h"
#include "reqlog.h"
#include "security.h"
#include "server.h"
#include "service.h"
#include "shared.h"
#include "tasks.h"
#include "tls.h"
#include "upload.h"

/* The connect callback of every bind (server.c). */
#define SERVICE_CONNECT		"server_connect"

void	kore_parent_configure(int, char **);
void	kore_worker_configure(void);
void	kore_worker_teardown(void);
void	kore_seccomp_hook(void);
void	kore_parent_teardown(void);

static int	service_bind(void);

/*
 * "listening on ..." is said once every worker is up, not when the
 * parent has bound: a signal that reaches a worker before Kore has set
 * its handlers up is lost (kore_signal_setup clears it), so a stop
 * asked for as soon as the line appears would hang.
 */
static char	service_listening[256];
static void	service_body_dir(void);
static void	service_stdout(void);
static void	service_ready(void);
static void	service_fail(void) __attribute__((noreturn));


/*
 * What the workers need beyond Kore's own filter (Kore 4.1's predates
 * glibc's newfstatat and clone3): libpq and libcurl sockets, the pool
 * and task threads, uploads (fsync, rename, mkdir), mbox and log files
 * shared by the workers (flock), the graceful close (shutdown).
 */
static struct sock_filter service_filter[] = {
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(statx),
	KORE_SYSCALL_ALLOW(fstatfs),
	KORE_SYSCALL_ALLOW(socket),
	KORE_SYSCALL_ALLOW(connect),
	KORE_SYSCALL_ALLOW(bind),
	KORE_SYSCALL_ALLOW(getsockopt),
	KORE_SYSCALL_ALLOW(getsockname),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(shutdown),
	KORE_SYSCALL_ALLOW(sendmsg),
	KORE_SYSCALL_ALLOW(sendmmsg),
	KORE_SYSCALL_ALLOW(recvmsg),
	KORE_SYSCALL_ALLOW(socketpair),
	KORE_SYSCALL_ALLOW(pipe2),
	KORE_SYSCALL_ALLOW(eventfd2),
	KORE_SYSCALL_ALLOW(clone),
	KORE_SYSCALL_ALLOW(clone3),
	KORE_SYSCALL_ALLOW(set_robust_list),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(tgkill),
	KORE_SYSCALL_ALLOW(sched_yield),
	KORE_SYSCALL_ALLOW(sched_getaffinity),
	KORE_SYSCALL_ALLOW(prctl),
	KORE_SYSCALL_ALLOW(mremap),
	KORE_SYSCALL_ALLOW(pread64),
	KORE_SYSCALL_ALLOW(pwrite64),
	KORE_SYSCALL_ALLOW(fsync),
	KORE_SYSCALL_ALLOW(fdatasync),
	KORE_SYSCALL_ALLOW(flock),
	KORE_SYSCALL_ALLOW(rename),
	KORE_SYSCALL_ALLOW(renameat),
	KORE_SYSCALL_ALLOW(renameat2),
	KORE_SYSCALL_ALLOW(unlinkat),
	KORE_SYSCALL_ALLOW(mkdir),
	KORE_SYSCALL_ALLOW(mkdirat),
	KORE_SYSCALL_ALLOW(getdents64),
	KORE_SYSCALL_ALLOW(dup),
	KORE_SYSCALL_ALLOW(dup3),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(getgid),
	KORE_SYSCALL_ALLOW(getegid),
	KORE_SYSCALL_ALLOW(getppid),
	KORE_SYSCALL_ALLOW(getrusage),
	KORE_SYSCALL_ALLOW(sysinfo),
	KORE_SYSCALL_ALLOW(fchmod),
	KORE_SYSCALL_ALLOW(ftruncate),
	KORE_SYSCALL_ALLOW(epoll_create1),
	KORE_SYSCALL_ALLOW(clock_getres),
	/* libsodium locks secrets in memory (sodium_mlock). */
	KORE_SYSCALL_ALLOW(mlock),
	KORE_SYSCALL_ALLOW(munlock),
#if defined(DEBUG_BUILD)
	/* AddressSanitizer's reports and LeakSanitizer's check at exit. */
	KORE_SYSCALL_ALLOW(ptrace),
	KORE_SYSCALL_ALLOW(wait4),
	KORE_SYSCALL_ALLOW(waitid),
	KORE_SYSCALL_ALLOW(sigaltstack),
	KORE_SYSCALL_ALLOW(rt_sigtimedwait),
	KORE_SYSCALL_ALLOW(sched_setaffinity),
	KORE_SYSCALL_ALLOW(process_vm_readv),
#endif
};

void
kore_seccomp_hook(void)
{
	kore_seccomp_filter("application", service_filter,
	    KORE_FILTER_LEN(service_filter));
}

static void
service_fail(void)
{
	/* Kore wrote its pid file already; nothing else is running. */
	(void)unlink(kore_pidfile);
	exit(1);
}

/*
 * HOST/PORT, when given, replace the listeners of kore.conf: the same
 * ways of starting the server keep working, and PORT=0 (tests) takes a
 * free port, which is then logged.
 */
static int
service_bind(void)
{
	struct kore_server	*srv;
	struct listener		*l;
	char			 port[16], host[INET6_ADDRSTRLEN];
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	unsigned		 bound = 0;

	srv = LIST_FIRST(&kore_servers);
	if (srv == NULL) {
		log_error(NULL, "kore.conf has no server block");
		return (-1);
	}
	if (config.host[0] != '\0' || config.port >= 0) {
		if (srv->tls && config.port >= 0)
			log_info("HOST/PORT replace kore.conf's bind; TLS stays "
			    "on");
		l = LIST_FIRST(&srv->listeners);
		if (config.host[0] == '\0' && l != NULL) {
			len = sizeof(ss);
			if (getsockname(l->fd, (struct sockaddr *)&ss,
			    &len) == 0 && ss.ss_family == AF_INET)
				inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->
				    sin_addr, host, sizeof(host));
			else
				strcpy(host, "127.0.0.1");
		} else {
			snprintf(host, sizeof(host), "%s", config.host[0] ?
			    config.host : "127.0.0.1");
		}
		if (config.port < 0 && l != NULL) {
			len = sizeof(ss);
			if (getsockname(l->fd, (struct sockaddr *)&ss,
			    &len) == 0 && ss.ss_family == AF_INET)
				snprintf(port, sizeof(port), "%u", ntohs(
				    ((struct sockaddr_in *)&ss)->sin_port));
			else
				snprintf(port, sizeof(port), "8000");
		} else {
			snprintf(port, sizeof(port), "%d",
			    config.port < 0 ? 8000 : config.port);
		}
		while ((l = LIST_FIRST(&srv->listeners)) != NULL)
			kore_listener_free(l);
		if (!kore_server_bind(srv, host, port, SERVICE_CONNECT)) {
			log_error(NULL, "cannot listen on %s:%s", host, port);
			return (-1);
		}
	}
	LIST_FOREACH(l, &srv->listeners, list) {
		len = sizeof(ss);
		if (getsockname(l->fd, (struct sockaddr *)&ss, &len) == -1)
			continue;
		if (ss.ss_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
			    host, sizeof(host));
			bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->
			    sin6_addr, host, sizeof(host));
			bound = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		} else {
			continue;
		}
		if (l->connect == NULL) {
			log_error(NULL, "kore.conf: bind %s %u needs the "
			    "connect callback: bind %s %u " SERVICE_CONNECT,
			    host, bound, host, bound);
			return (-1);
		}
		/* Said by the last worker to be ready (kore_worker_configure). */
		snprintf(service_listening, sizeof(service_listening),
		    "listening on %s://%s:%u (%u workers, %d database "
		    "connections, %d hashes at once, %s)", srv->tls ? "https" :
		    "http", host, bound, server_workers, config.db_connections ?
		    config.db_connections : 4 * server_workers,
		    config.cpu_workers, config.environment);
	}
	return (0);
}

/*
 * Kore prints its own lines to stdout with printf: into a pipe nobody
 * reads they would block its processes, and their exit, for ever.  A
 * pipe (or socket) stdout is made nonblocking, so what cannot be written
 * is dropped instead (our console lines wait a second first, reqlog.c);
 * a terminal or a file is left as it is.
 */
static void
service_stdout(void)
{
	struct stat	st;
	int		fl;

	if (fstat(STDOUT_FILENO, &st) == -1 ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return;
	if ((fl = fcntl(STDOUT_FILENO, F_GETFL)) != -1)
		(void)fcntl(STDOUT_FILENO, F_SETFL, fl | O_NONBLOCK);
}

/* Kore's request-body temporaries that a killed worker left behind. */
static void
service_body_dir(void)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[PATH_MAX];

	if (http_body_disk_offload == 0)
		return;
	if (mkdir(http_body_disk_path, 0700) == -1 && errno != EEXIST)
		log_warn("http_body_disk_path %s: %s", http_body_disk_path,
		    strerror(errno));
	if ((d = opendir(http_body_disk_path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "http_body.", 10) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", http_body_disk_path,
		    e->d_name);
		(void)unlink(path);
	}
	closedir(d);
}

void
kore_parent_configure(int argc, char **argv)
{
	const char	*conf = getenv("SERVER_CONF");

	if (config_load(conf != NULL ? conf : "server.conf", conf != NULL,
	    ".env") == -1 || config_validate() == -1)
		service_fail();
	/* The CORS lists are parsed at start-up; check them too. */
	if (cors_init() == -1)
		service_fail();
	cors_cleanup();
	if (getenv("CHECK_CONFIG") != NULL) {
		printf("configuration OK\n");
		(void)unlink(kore_pidfile);
		exit(0);
	}
	log_set_debug(config.debug);
	service_stdout();
	if (sodium_init() < 0) {
		log_error(NULL, "libsodium failed to initialise");
		service_fail();
	}
	if (config.database_url[0] == '\0') {
		log_error(NULL, "DATABASE_URL is not set (make run starts a "
		    "private PostgreSQL when it is unset)");
		service_fail();
	}
	if (db_migrate(config.database_url, config.migrations_dir) == -1)
		service_fail();
	/* Creates UPLOAD_DIR if needed; removes a crash's temporaries. */
	if (upload_init(config.upload_dir) == -1)
		service_fail();
	upload_cleanup();
	service_body_dir();
	/* In the workers Kore's worker_count counts its key manager too. */
	server_workers = worker_count;
	/*
	 * Kore would answer a body over http_body_max itself, with an empty
	 * page, before the request exists; the operations' limits (all at
	 * most kore.conf's) are checked by us from the same Content-Length,
	 * with the envelope and the middleware's headers.
	 */
	server_body_ceiling = http_body_max;
	http_body_max = LONG_MAX;
	if (shared_init(config.connection_limit,
	    config.per_ip_connection_limit, config.cpu_workers) == -1)
		service_fail();
	if (service_bind() == -1 || tls_keys_load() == -1)
		service_fail();
}

void
kore_worker_configure(void)
{
	const struct middleware *const	*m;
	int				 slots;

	/* Kore's workers outlive a parent killed with SIGKILL, spinning on
	 * the closed message socket; end them with it. */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		fatalx("the parent is gone");
	log_set_debug(config.debug);
	if (sodium_init() < 0)
		fatalx("libsodium failed to initialise");
	if (auth_init(config.secret_key,
	    config.access_token_expire_minutes) == -1)
		fatalx("cannot initialise token signing");
	auth_hash_limit(config.cpu_workers);
	slots = config.db_connections ? config.db_connections :
	    4 * server_workers;
	config.db_connections = slots;
	if (db_init(config.database_url, config.queries_dir) == -1 ||
	    upload_init(config.upload_dir) == -1 ||
	    docs_init(service_app.spec_yaml, *service_app.spec_yaml_len,
	    service_app.spec_json, *service_app.spec_json_len,
	    config.static_dir) == -1 ||
	    cors_init() == -1)
		fatalx("worker set-up failed (see above)");
	if (service_app.init != NULL && service_app.init() == -1)
		fatalx("the application's init failed (see above)");
	for (m = service_app.middleware; m != NULL && *m != NULL; m++)
		middleware_register(*m);
	if (reqlog_start(config.request_log, 0) == -1 ||
	    tasks_start(config.task_workers) == -1 ||
	    server_start(service_app.routes, service_ready) == -1)
		fatalx("worker set-up failed (see above)");
}

/* The worker can serve; the last one to say so says "listening". */
static void
service_ready(void)
{
	if (shared_worker_ready() == server_workers)
		log_info("%s", service_listening);
}

void
kore_worker_teardown(void)
{
	server_stop();
	/* After the server: the last requests' tasks are queued by now. */
	tasks_stop(config.task_shutdown_timeout);
	reqlog_stop();
	if (service_app.cleanup != NULL)
		service_app.cleanup();
	middleware_cleanup();
	security_cleanup();
	cors_cleanup();
	docs_cleanup();
	db_cleanup();
	auth_cleanup();
	upload_cleanup();
	tls_cleanup();
	config_cleanup();
}

/* In the parent, once every worker has exited. */
void
kore_parent_teardown(void)
{
	log_info("password hashing: at most %d at once (CPU_WORKERS %d)",
	    shared_hash_peak(), config.cpu_workers);
	shared_cleanup();
	log_info("stopped");
}

#if defined(DEBUG_BUILD)
/*
 * With AddressSanitizer preloaded (the tests' build: Kore itself is not
 * instrumented), any process that has libp11-kit loaded hangs in exit():
 * its destructor's freelocale() waits forever for glibc's locale lock
 * (`LD_PRELOAD=libasan.so psql --version` hangs the same way; libpq
 * brings p11-kit in through libldap and gnutls).  The release build
 * exits cleanly.  So in this build every exit - Kore's, ours, a
 * fatal() - ends before the libraries' destructors run.  The module is
 * linked -z nodelete in this build, so the handler is still there when
 * Kore has unloaded the module (workers, key manager).
 */
static void
service_exit_now(int status, void *arg)
{
	fflush(NULL);
	_exit(status);
}

__attribute__((constructor)) static void
service_debug_exit(void)
{
	(void)on_exit(service_exit_now, NULL);
}
#endif
