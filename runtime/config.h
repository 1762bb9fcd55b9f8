/*
 * config.h - server configuration.
 *
 * Sources, later ones win: built-in defaults, server.conf ("KEY = value"
 * lines, '#' comments), a .env file in the working directory
 * ("KEY=value", optional quotes, optional "export "), the process
 * environment.  Every key is documented in server.conf.  Errors are
 * reported as "file:line: message", all of them, and make config_load
 * fail.
 */
#ifndef RUNTIME_CONFIG_H
#define RUNTIME_CONFIG_H

#include <stddef.h>

struct config {
	char		*host;
	int		 port;
	char		*environment;		/* "development" or "production" */
	int		 debug;
	char		*database_url;
	char		*secret_key;
	int		 access_token_expire_minutes;
	char		*cors_origins;
	char		*cors_allow_methods;	/* "*" or a comma list */
	char		*cors_allow_headers;	/* "*" or a comma list */
	int		 cors_allow_credentials;
	int		 cors_max_age;
	char		*upload_dir;
	size_t		 max_upload_bytes;
	size_t		 max_body_bytes;
	char		*request_log;
	char		*login_log;
	char		*smtp_url;
	char		*mail_from;
	char		*outbox;
	int		 mail_retries;
	int		 mail_retry_delay_ms;
	char		*static_dir;
	char		*migrations_dir;
	char		*queries_dir;
	int		 workers;
	int		 db_connections;
	int		 cpu_workers;	/* 0 in the sources: one per CPU */
	int		 connection_limit;
	int		 per_ip_connection_limit;
	int		 shutdown_timeout;
	int		 task_workers;
	int		 task_shutdown_timeout;
};

extern struct config	config;

/* conf_path may be NULL (only defaults, .env and environment).  A missing
 * file is not an error when must_exist is 0.  0 ok, -1 on errors (printed). */
int	config_load(const char *conf_path, int must_exist, const char *env_path);
/* Checks that need every source merged (SECRET_KEY outside development). */
int	config_validate(void);
void	config_cleanup(void);
int	config_is_development(void);

#endif
