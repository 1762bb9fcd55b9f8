/*
 * main.c - the example application's server.
 *
 * Start-up order: configuration (server.conf < .env < environment), the
 * database (named queries, migrations), the middleware chain, the worker
 * pool, then the listener.  SIGINT/SIGTERM shut down gracefully: stop
 * accepting, finish in-flight requests, exit 0.
 *
 * The middleware chain is registered here, in order, and nowhere else.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "cors.h"
#include "db.h"
#include "docs.h"
#include "headers.h"
#include "log.h"
#include "mail.h"
#include "middleware.h"
#include "security.h"
#include "reqlog.h"
#include "server.h"
#include "tasks.h"
#include "upload.h"

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: server [-c server.conf] [-t]\n"
	    "  -c FILE  configuration file (default: server.conf if present)\n"
	    "  -t       check the configuration and exit\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char	*conf = "server.conf";
	int		 ch, conf_given = 0, check_only = 0, sig, rc = 1;
	sigset_t	 sigs;

	while ((ch = getopt(argc, argv, "c:th")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			conf_given = 1;
			break;
		case 't':
			check_only = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (config_load(conf, conf_given, ".env") == -1 ||
	    config_validate() == -1)
		return 1;
	if (check_only) {
		/* The CORS lists are parsed at start-up; check them too. */
		if (cors_init() == 0) {
			printf("configuration OK\n");
			rc = 0;
		}
		cors_cleanup();
		config_cleanup();
		return rc;
	}
	if (sodium_init() < 0) {
		log_error(NULL, "libsodium failed to initialise");
		return 1;
	}
	if (mail_init() == -1)
		return 1;
	log_set_debug(config.debug);

	/*
	 * Block the shutdown signals before any thread starts, so every
	 * thread inherits the mask and only sigwait() below sees them.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Starts a thread (the dummy password hash): after the mask. */
	if (auth_init(config.secret_key,
	    config.access_token_expire_minutes) == -1) {
		log_error(NULL, "cannot initialise token signing");
		goto out;
	}
	auth_hash_limit(config.cpu_workers);

	if (config.database_url[0] == '\0') {
		log_error(NULL, "DATABASE_URL is not set (make run starts a "
		    "private PostgreSQL when it is unset)");
		goto out;
	}
	if (db_init(config.database_url, config.queries_dir) == -1)
		goto out;
	if (db_migrate(config.database_url, config.migrations_dir) == -1)
		goto out_db;
	/* Creates UPLOAD_DIR if needed; removes a crash's temporaries. */
	if (upload_init(config.upload_dir) == -1)
		goto out_db;
	/* The spec's patterns, compiled once (generated/glue.c). */
	api_init();
	if (docs_init(api_spec_yaml, api_spec_yaml_len, api_spec_json,
	    api_spec_json_len, config.static_dir) == -1)
		goto out_db;

	if (cors_init() == -1)
		goto out_docs;

	/* The spec's securitySchemes, each with its verifier. */
	security_register("bearerAuth", app_bearer);

	/*
	 * The chain, in order: "before" hooks run top to bottom, "after"
	 * hooks bottom to top - headers first, so X-Process-Time is taken
	 * last; CORS before the static files, so a preflight for any path
	 * is answered.
	 */
	middleware_register(&headers_middleware);
	middleware_register(&cors_middleware);
	middleware_register(&docs_static_middleware);

	if (reqlog_start(config.request_log, 0) == -1)
		goto out_docs;
	if (tasks_start(config.task_workers) == -1)
		goto out_reqlog;
	if (server_start(&api_routes) == -1)
		goto out_tasks;
	log_info("listening on http://%s:%u (%d I/O threads, %d database "
	    "connections, %d workers, %d CPU workers, %s)", config.host,
	    server_port(), config.io_threads, config.db_connections,
	    config.workers, config.cpu_workers, config.environment);

	if (sigwait(&sigs, &sig) == 0)
		log_info("%s: shutting down", sig == SIGINT ? "SIGINT" :
		    "SIGTERM");
	server_stop();
	rc = 0;

out_tasks:
	/* After the server: the last requests' tasks are queued by now. */
	tasks_stop(config.task_shutdown_timeout);
out_reqlog:
	reqlog_stop();
	if (rc == 0)
		log_info("stopped");
out_docs:
	middleware_cleanup();
	cors_cleanup();
	docs_cleanup();
out_db:
	db_cleanup();
out:
	auth_cleanup();
	mail_cleanup();
	upload_cleanup();
	config_cleanup();
	return rc;
}
