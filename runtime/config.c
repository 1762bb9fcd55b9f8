/*
 * config.c - server configuration: defaults, server.conf, .env, environment.
 *
 * Every key is one row of config_keys: its name, the field of struct
 * config it sets, how the value is parsed, the default and a one-line
 * description.  All four sources go through the same row and the same
 * parser, so a value means the same thing wherever it is written, and
 * the defaults themselves are parsed like any other value.
 *
 * Value syntax, shared by server.conf and .env: surrounding blanks are
 * dropped; a value in matching single or double quotes is taken
 * literally (no escapes); in an unquoted value, '#' after a blank starts
 * a comment, so "PORT = 8000  # dev" works while a '#' inside a URL
 * password does not.
 *
 * Errors are printed as they are found ("file:line: message", or
 * "environment: KEY: message"), counted, and make config_load() fail
 * only once every source has been read, so one run shows all of them.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

enum config_type {
	CONFIG_STRING,		/* char * */
	CONFIG_INT,		/* int, min..max */
	CONFIG_SIZE,		/* size_t, min..max, K/M/G suffix allowed */
	CONFIG_BOOL		/* int 0/1 */
};

struct config_key {
	const char		*name;
	enum config_type	 type;
	size_t			 offset;	/* in struct config */
	long long		 min;
	long long		 max;
	const char		*def;		/* parsed like any value */
	const char		*doc;
};

#define CONFIG_FIELD(f)		offsetof(struct config, f)
#define CONFIG_TiB		1099511627776LL

/* Keep in step with server.conf, which documents every key. */
static const struct config_key config_keys[] = {
	/* server */
	{ "HOST", CONFIG_STRING, CONFIG_FIELD(host), 0, 0,
	    "", "address to listen on; empty: kore.conf's bind" },
	{ "PORT", CONFIG_INT, CONFIG_FIELD(port), -1, 65535,
	    "-1", "TCP port; 0 picks any free port; -1: kore.conf's bind" },
	{ "ENVIRONMENT", CONFIG_STRING, CONFIG_FIELD(environment), 0, 0,
	    "development", "development or production" },
	{ "DEBUG", CONFIG_BOOL, CONFIG_FIELD(debug), 0, 1,
	    "false", "verbose logging and error details" },
	{ "CORS_ORIGINS", CONFIG_STRING, CONFIG_FIELD(cors_origins), 0, 0,
	    "http://localhost:3000", "comma-separated allowed origins" },
	{ "CORS_ALLOW_METHODS", CONFIG_STRING,
	    CONFIG_FIELD(cors_allow_methods), 0, 0,
	    "*", "methods a preflight may ask for; * = all" },
	{ "CORS_ALLOW_HEADERS", CONFIG_STRING,
	    CONFIG_FIELD(cors_allow_headers), 0, 0,
	    "*", "request headers a preflight may ask for; * = any" },
	{ "CORS_ALLOW_CREDENTIALS", CONFIG_BOOL,
	    CONFIG_FIELD(cors_allow_credentials), 0, 1,
	    "true", "allow cookies and Authorization cross-origin" },
	{ "CORS_MAX_AGE", CONFIG_INT, CONFIG_FIELD(cors_max_age), 0, 86400,
	    "600", "seconds a browser may cache a preflight answer" },
	{ "STATIC_DIR", CONFIG_STRING, CONFIG_FIELD(static_dir), 0, 0,
	    "node_modules", "where the docs page's assets are served from" },

	/* database */
	{ "DATABASE_URL", CONFIG_STRING, CONFIG_FIELD(database_url), 0, 0,
	    "", "libpq connection URI" },
	{ "MIGRATIONS_DIR", CONFIG_STRING, CONFIG_FIELD(migrations_dir), 0, 0,
	    "sql/migrations", "migrations applied at start-up" },
	{ "QUERIES_DIR", CONFIG_STRING, CONFIG_FIELD(queries_dir), 0, 0,
	    "sql/queries", "named queries prepared on each connection" },

	/* security */
	{ "SECRET_KEY", CONFIG_STRING, CONFIG_FIELD(secret_key), 0, 0,
	    "", "token signing key; required outside development" },
	{ "ACCESS_TOKEN_EXPIRE_MINUTES", CONFIG_INT,
	    CONFIG_FIELD(access_token_expire_minutes), 1, 525600,
	    "30", "access token lifetime in minutes" },

	/* uploads */
	{ "UPLOAD_DIR", CONFIG_STRING, CONFIG_FIELD(upload_dir), 0, 0,
	    "uploads", "where uploaded files are stored" },
	{ "MAX_UPLOAD_BYTES", CONFIG_SIZE, CONFIG_FIELD(max_upload_bytes),
	    1, CONFIG_TiB, "5242880", "largest accepted upload" },
	{ "MAX_BODY_BYTES", CONFIG_SIZE, CONFIG_FIELD(max_body_bytes),
	    1, CONFIG_TiB, "1048576", "largest accepted non-upload body" },

	/* logs */
	{ "REQUEST_LOG", CONFIG_STRING, CONFIG_FIELD(request_log), 0, 0,
	    "requests.log", "one line per request" },
	{ "LOGIN_LOG", CONFIG_STRING, CONFIG_FIELD(login_log), 0, 0,
	    "login_log.txt", "one line per login attempt" },

	/* mail */
	{ "SMTP_URL", CONFIG_STRING, CONFIG_FIELD(smtp_url), 0, 0,
	    "", "SMTP server; empty writes mail to OUTBOX" },
	{ "MAIL_FROM", CONFIG_STRING, CONFIG_FIELD(mail_from), 0, 0,
	    "noreply@example.com", "sender address" },
	{ "OUTBOX", CONFIG_STRING, CONFIG_FIELD(outbox), 0, 0,
	    "outbox.txt", "file mail is appended to when SMTP_URL is empty" },
	{ "MAIL_RETRIES", CONFIG_INT, CONFIG_FIELD(mail_retries), 0, 10,
	    "3", "SMTP retries after a failed attempt" },
	{ "MAIL_RETRY_DELAY_MS", CONFIG_INT, CONFIG_FIELD(mail_retry_delay_ms),
	    0, 600000, "1000", "first retry delay, doubled for each retry" },

	/* limits and threads */
	{ "WORKERS", CONFIG_INT, CONFIG_FIELD(workers), 0, 1024,
	    "0", "threads per Kore worker running the handlers of uploads "
	    "(files are written and fsynced; each with a database "
	    "connection); 0 = two" },
	{ "CPU_WORKERS", CONFIG_INT, CONFIG_FIELD(cpu_workers), 0, 256,
	    "0", "password hashes at once on the machine, over all Kore "
	    "workers (x-cpu-bound handlers); 0 = one per CPU" },
	{ "DB_CONNECTIONS", CONFIG_INT, CONFIG_FIELD(db_connections), 0, 1024,
	    "0", "database connections over all Kore workers, which run "
	    "every other database handler; 0 = four per worker" },
	{ "CONNECTION_LIMIT", CONFIG_INT, CONFIG_FIELD(connection_limit),
	    1, 1048576, "1024", "open connections, all clients" },
	{ "PER_IP_CONNECTION_LIMIT", CONFIG_INT,
	    CONFIG_FIELD(per_ip_connection_limit), 0, 1048576,
	    "64", "open connections per client address; 0 = unlimited" },
	{ "SHUTDOWN_TIMEOUT", CONFIG_INT, CONFIG_FIELD(shutdown_timeout),
	    0, 3600, "10", "seconds to let requests finish on shutdown" },
	{ "TASK_WORKERS", CONFIG_INT, CONFIG_FIELD(task_workers), 1, 256,
	    "2", "threads running background tasks" },
	{ "TASK_SHUTDOWN_TIMEOUT", CONFIG_INT,
	    CONFIG_FIELD(task_shutdown_timeout), 0, 3600,
	    "10", "seconds to let queued background tasks finish on shutdown" },
};

enum config_source {
	CONFIG_SRC_FILE,	/* server.conf: unknown keys are errors */
	CONFIG_SRC_DOTENV	/* .env: shared, unknown keys are ignored */
};

struct config	config;

static void			 config_defaults(void);
static int			 config_file(const char *, int,
				    enum config_source);
static int			 config_line(const char *, int, char *,
				    enum config_source);
static int			 config_environment(void);
static const struct config_key	*config_key_find(const char *);
static int			 config_set(const struct config_key *,
				    const char *, const char *);
static int			 config_unquote(char *, char **);
static int			 config_parse_int(const char *, long long *);
static int			 config_parse_size(const char *, long long *);
static int			 config_parse_bool(const char *, int *);
static char			*config_trim(char *);
static int			 config_secret_generate(void);
static int			 config_list_has(const char *, const char *);
static void			 config_error(const char *, const char *, ...)
				    __attribute__((format(printf, 2, 3)));

/* The CPUs this process may run on, at least 1. */
static int
config_cpus(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	return (n < 1 ? 1 : n > 256 ? 256 : (int)n);
}

int
config_load(const char *conf_path, int must_exist, const char *env_path)
{
	int	errors = 0;

	config_cleanup();
	config_defaults();

	if (conf_path != NULL)
		errors += config_file(conf_path, must_exist, CONFIG_SRC_FILE);
	if (env_path != NULL)
		errors += config_file(env_path, 0, CONFIG_SRC_DOTENV);
	errors += config_environment();

	/* Derived after merging, so a later source's WORKERS counts;
	 * DB_CONNECTIONS 0 is four per Kore worker (server.c): enough to
	 * keep PostgreSQL busy on short queries (bench/RESULTS.md), few
	 * enough that its backends do not take turns on the CPUs. */
	if (config.workers == 0)
		config.workers = 2;
	if (config.cpu_workers == 0)
		config.cpu_workers = config_cpus();

	return (errors == 0 ? 0 : -1);
}

int
config_validate(void)
{
	int	errors = 0;

	if (strcmp(config.environment, "development") != 0 &&
	    strcmp(config.environment, "production") != 0) {
		config_error("config", "ENVIRONMENT must be \"development\" "
		    "or \"production\", not \"%s\"", config.environment);
		errors++;
	}

	if (config.secret_key[0] == '\0') {
		if (!config_is_development()) {
			config_error("config", "SECRET_KEY is required when "
			    "ENVIRONMENT is not development");
			errors++;
		} else if (config_secret_generate() == -1) {
			errors++;
		}
	}

	/* Any origin, with credentials, is for trying things out only. */
	if (config_list_has(config.cors_origins, "*") &&
	    !config_is_development()) {
		config_error("config", "CORS_ORIGINS: \"*\" is only allowed "
		    "when ENVIRONMENT is development");
		errors++;
	}

	return (errors == 0 ? 0 : -1);
}

void
config_cleanup(void)
{
	size_t	  i;
	char	**sp;

	for (i = 0; i < nitems(config_keys); i++) {
		if (config_keys[i].type != CONFIG_STRING)
			continue;
		sp = (char **)((char *)&config + config_keys[i].offset);
		free(*sp);
		*sp = NULL;
	}
}

int
config_is_development(void)
{
	return (config.environment != NULL &&
	    strcmp(config.environment, "development") == 0);
}

static void
config_defaults(void)
{
	size_t	i;

	memset(&config, 0, sizeof(config));
	for (i = 0; i < nitems(config_keys); i++) {
		if (config_set(&config_keys[i], config_keys[i].def,
		    "default") == -1)
			fatal("config: bad default for %s", config_keys[i].name);
	}
}

/* Returns the number of errors found. */
static int
config_file(const char *path, int must_exist, enum config_source src)
{
	FILE	*fp;
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 len;
	int	 lineno = 0, errors = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must_exist)
			goto out;
		config_error(path, "%s", strerror(errno));
		errors++;
		goto out;
	}

	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		/* Tolerate files saved with CRLF line ends. */
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (config_line(path, lineno, line, src) == -1)
			errors++;
	}
	if (ferror(fp)) {
		config_error(path, "read error: %s", strerror(errno));
		errors++;
	}

out:
	free(line);
	if (fp != NULL)
		fclose(fp);
	return (errors);
}

static int
config_line(const char *path, int lineno, char *line, enum config_source src)
{
	const struct config_key	*k;
	char			 where[PATH_MAX + 32];
	char			*p, *eq, *key, *value;

	snprintf(where, sizeof(where), "%s:%d", path, lineno);

	p = config_trim(line);
	if (*p == '\0' || *p == '#')
		return (0);

	/* .env files are often shell-sourced too. */
	if (src == CONFIG_SRC_DOTENV && strncmp(p, "export", 6) == 0 &&
	    (p[6] == ' ' || p[6] == '\t'))
		p = config_trim(p + 6);

	if ((eq = strchr(p, '=')) == NULL) {
		/* Other tools' syntax is theirs to judge. */
		if (src == CONFIG_SRC_DOTENV)
			return (0);
		config_error(where, "expected KEY = value");
		return (-1);
	}
	*eq = '\0';
	key = config_trim(p);

	if ((k = config_key_find(key)) == NULL) {
		if (src == CONFIG_SRC_DOTENV)
			return (0);
		config_error(where, "unknown key \"%s\"", key);
		return (-1);
	}

	if (config_unquote(eq + 1, &value) == -1) {
		config_error(where, "%s: unterminated quote", k->name);
		return (-1);
	}
	return (config_set(k, value, where));
}

/* Returns the number of errors found. */
static int
config_environment(void)
{
	const char	*v;
	size_t		 i;
	int		 errors = 0;

	for (i = 0; i < nitems(config_keys); i++) {
		if ((v = getenv(config_keys[i].name)) == NULL)
			continue;
		if (config_set(&config_keys[i], v, "environment") == -1)
			errors++;
	}
	return (errors);
}

static const struct config_key *
config_key_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(config_keys); i++) {
		if (strcmp(config_keys[i].name, name) == 0)
			return (&config_keys[i]);
	}
	return (NULL);
}

/* where prefixes any error: "file:line", "environment" or "default". */
static int
config_set(const struct config_key *k, const char *value, const char *where)
{
	void		*field;
	long long	 n;
	int		 b;

	field = (char *)&config + k->offset;

	switch (k->type) {
	case CONFIG_STRING:
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		break;
	case CONFIG_INT:
		if (config_parse_int(value, &n) == -1 ||
		    n < k->min || n > k->max) {
			config_error(where, "%s: expected an integer between "
			    "%lld and %lld", k->name, k->min, k->max);
			return (-1);
		}
		*(int *)field = (int)n;
		break;
	case CONFIG_SIZE:
		if (config_parse_size(value, &n) == -1 ||
		    n < k->min || n > k->max) {
			config_error(where, "%s: expected a size in bytes "
			    "between %lld and %lld (K, M, G suffixes allowed)",
			    k->name, k->min, k->max);
			return (-1);
		}
		*(size_t *)field = (size_t)n;
		break;
	case CONFIG_BOOL:
		if (config_parse_bool(value, &b) == -1) {
			config_error(where, "%s: expected a boolean "
			    "(1/0, true/false, yes/no, on/off)", k->name);
			return (-1);
		}
		*(int *)field = b;
		break;
	}
	return (0);
}

/*
 * Trims s in place and sets *out to the value: the text between matching
 * quotes, or the unquoted text up to a comment.  -1 on an unclosed quote.
 * Text after a closing quote is ignored (a trailing comment).
 */
static int
config_unquote(char *s, char **out)
{
	char	*p, *end;

	p = config_trim(s);
	if (*p == '"' || *p == '\'') {
		if ((end = strchr(p + 1, *p)) == NULL)
			return (-1);
		*end = '\0';
		*out = p + 1;
		return (0);
	}

	for (end = p; *end != '\0'; end++) {
		if (*end == '#' && end > p && isblank((unsigned char)end[-1])) {
			*end = '\0';
			break;
		}
	}
	*out = config_trim(p);
	return (0);
}

static int
config_parse_int(const char *s, long long *out)
{
	char	*end;

	/* strtoll would skip blanks and accept "" as 0. */
	if (*s == '\0' || isspace((unsigned char)*s))
		return (-1);
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return (-1);
	return (0);
}

static int
config_parse_size(const char *s, long long *out)
{
	char		*end;
	long long	 n, mult = 1;

	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0)
		return (-1);

	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1024LL;
		end++;
		break;
	case 'm': case 'M':
		mult = 1024LL * 1024;
		end++;
		break;
	case 'g': case 'G':
		mult = 1024LL * 1024 * 1024;
		end++;
		break;
	default:
		return (-1);
	}
	if (*end != '\0' || n > LLONG_MAX / mult)
		return (-1);
	*out = n * mult;
	return (0);
}

static int
config_parse_bool(const char *s, int *out)
{
	static const char *const	 yes[] = { "1", "true", "yes", "on" };
	static const char *const	 no[] = { "0", "false", "no", "off" };
	size_t				 i;

	for (i = 0; i < nitems(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return (0);
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return (0);
		}
	}
	return (-1);
}

static char *
config_trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return (s);
}

/*
 * Development only: a random key per run keeps "make run" working
 * without setup; tokens simply stop validating after a restart.
 */
static int
config_secret_generate(void)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 buf[32];
	char			 key[sizeof(buf) * 2 + 1];
	size_t			 got = 0, i;
	ssize_t			 n;

	while (got < sizeof(buf)) {
		n = getrandom(buf + got, sizeof(buf) - got, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			config_error("config", "getrandom: %s",
			    strerror(errno));
			return (-1);
		}
		got += (size_t)n;
	}
	for (i = 0; i < sizeof(buf); i++) {
		key[i * 2] = hex[buf[i] >> 4];
		key[i * 2 + 1] = hex[buf[i] & 0x0f];
	}
	key[sizeof(key) - 1] = '\0';

	free(config.secret_key);
	config.secret_key = xstrdup(key);
	fprintf(stderr, "warning: SECRET_KEY is not set; using a random key "
	    "for this run (tokens will not survive a restart)\n");
	return (0);
}

/* Whether the comma-separated list has item (blanks around items ignored). */
static int
config_list_has(const char *list, const char *item)
{
	const char	*p, *end;
	size_t		 n = strlen(item);

	for (p = list; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, ",");
		if ((size_t)(end - p) >= n && strncmp(p, item, n) == 0 &&
		    strspn(p + n, " \t") == (size_t)(end - p) - n)
			return (1);
	}
	return (0);
}

static void
config_error(const char *where, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
