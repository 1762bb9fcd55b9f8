/*
 * test_config.c - configuration sources, precedence and errors.
 *
 * Runs inside tests/unit/fixtures/config (found from this file's path,
 * so run it from the directory it was compiled in: the repository root),
 * so error messages name the fixtures exactly as the .expected files do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture.h"
#include "config.h"
#include "util.h"

#define REPO_CONF	"../../../../server.conf"

/* Every key; also checked against server.conf. */
static const char *const keys[] = {
	"HOST", "PORT", "ENVIRONMENT", "DEBUG", "DATABASE_URL", "SECRET_KEY",
	"ACCESS_TOKEN_EXPIRE_MINUTES", "CORS_ORIGINS", "UPLOAD_DIR",
	"MAX_UPLOAD_BYTES", "MAX_BODY_BYTES", "REQUEST_LOG", "LOGIN_LOG",
	"SMTP_URL", "MAIL_FROM", "OUTBOX", "STATIC_DIR", "MIGRATIONS_DIR",
	"QUERIES_DIR", "WORKERS", "CPU_WORKERS", "DB_CONNECTIONS",
	"CONNECTION_LIMIT", "PER_IP_CONNECTION_LIMIT",
	"SHUTDOWN_TIMEOUT", "CORS_ALLOW_METHODS", "CORS_ALLOW_HEADERS",
	"CORS_ALLOW_CREDENTIALS", "CORS_MAX_AGE", "MAIL_RETRIES",
	"MAIL_RETRY_DELAY_MS", "TASK_WORKERS", "TASK_SHUTDOWN_TIMEOUT",
};

static int	 setup(void **);
static int	 teardown(void **);
static char	*dump(void);
static int	 load_quiet(const char *, int, const char *, char **);
static void	 assert_defaults(void);

static void	test_defaults(void **);
static void	test_repo_conf_is_defaults(void **);
static void	test_file(void **);
static void	test_crlf(void **);
static void	test_missing_file(void **);
static void	test_all_errors(void **);
static void	test_dotenv_overrides_file(void **);
static void	test_dotenv_errors(void **);
static void	test_environment_overrides_dotenv(void **);
static void	test_environment_errors(void **);
static void	test_bool(void **);
static void	test_size(void **);
static void	test_empty_value(void **);
static void	test_reload_resets(void **);
static void	test_db_connections(void **);
static void	test_secret_production(void **);
static void	test_secret_development(void **);
static void	test_bad_environment(void **);
static void	test_cors_any_origin(void **);
static int	validate_quiet(char **);

static int
setup(void **state)
{
	size_t	i;

	for (i = 0; i < nitems(keys); i++)
		unsetenv(keys[i]);
	return (0);
}

static int
teardown(void **state)
{
	config_cleanup();
	return (setup(state));
}

/* The whole configuration as text, to compare two loads at once. */
static char *
dump(void)
{
	char	*out;

	if (asprintf(&out,
	    "host=%s port=%d environment=%s debug=%d database_url=%s "
	    "secret_key=%s access_token_expire_minutes=%d cors_origins=%s "
	    "upload_dir=%s max_upload_bytes=%zu max_body_bytes=%zu "
	    "request_log=%s login_log=%s smtp_url=%s mail_from=%s outbox=%s "
	    "static_dir=%s migrations_dir=%s queries_dir=%s "
	    "workers=%d db_connections=%d connection_limit=%d "
	    "per_ip_connection_limit=%d "
	    "shutdown_timeout=%d",
	    config.host, config.port, config.environment, config.debug,
	    config.database_url, config.secret_key,
	    config.access_token_expire_minutes, config.cors_origins,
	    config.upload_dir, config.max_upload_bytes, config.max_body_bytes,
	    config.request_log, config.login_log, config.smtp_url,
	    config.mail_from, config.outbox, config.static_dir,
	    config.migrations_dir, config.queries_dir,
	    config.workers, config.db_connections, config.connection_limit,
	    config.per_ip_connection_limit,
	    config.shutdown_timeout) == -1)
		fatal("asprintf");
	return (out);
}

/* config_load with stderr captured into *err (caller frees). */
static int
load_quiet(const char *conf, int must_exist, const char *env, char **err)
{
	int	rc;

	capture_begin();
	rc = config_load(conf, must_exist, env);
	*err = capture_end();
	return (rc);
}

static void
assert_defaults(void)
{
	/* Unset: kore.conf's bind stays. */
	assert_string_equal(config.host, "");
	assert_int_equal(config.port, -1);
	assert_string_equal(config.environment, "development");
	assert_int_equal(config.debug, 0);
	assert_string_equal(config.database_url, "");
	assert_string_equal(config.secret_key, "");
	assert_int_equal(config.access_token_expire_minutes, 30);
	assert_string_equal(config.cors_origins, "http://localhost:3000");
	assert_string_equal(config.upload_dir, "uploads");
	assert_int_equal(config.max_upload_bytes, 5242880);
	assert_int_equal(config.max_body_bytes, 1048576);
	assert_string_equal(config.request_log, "requests.log");
	assert_string_equal(config.login_log, "login_log.txt");
	assert_string_equal(config.smtp_url, "");
	assert_string_equal(config.mail_from, "noreply@example.com");
	assert_string_equal(config.outbox, "outbox.txt");
	assert_string_equal(config.static_dir, "node_modules");
	assert_string_equal(config.migrations_dir, "sql/migrations");
	assert_string_equal(config.queries_dir, "sql/queries");
	assert_int_equal(config.workers, 2);
	/* 0: four per Kore worker, resolved in each worker. */
	assert_int_equal(config.db_connections, 0);
	assert_int_equal(config.connection_limit, 1024);
	assert_int_equal(config.per_ip_connection_limit, 64);
	assert_int_equal(config.shutdown_timeout, 10);
	assert_string_equal(config.cors_allow_methods, "*");
	assert_string_equal(config.cors_allow_headers, "*");
	assert_int_equal(config.cors_allow_credentials, 1);
	assert_int_equal(config.cors_max_age, 600);
	assert_int_equal(config.mail_retries, 3);
	assert_int_equal(config.mail_retry_delay_ms, 1000);
	assert_int_equal(config.task_workers, 2);
	assert_int_equal(config.task_shutdown_timeout, 10);
}

static void
test_defaults(void **state)
{
	char	*err;

	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	assert_string_equal(err, "");
	free(err);
	assert_defaults();
	assert_true(config_is_development());
}

/* server.conf documents every key, and its values are the defaults. */
static void
test_repo_conf_is_defaults(void **state)
{
	char	*err, *text, *line;
	size_t	 i;

	assert_int_equal(load_quiet(REPO_CONF, 1, NULL, &err), 0);
	assert_string_equal(err, "");
	free(err);
	assert_defaults();

	text = capture_file(REPO_CONF);
	for (i = 0; i < nitems(keys); i++) {
		if (asprintf(&line, "\n%s =", keys[i]) == -1)
			fatal("asprintf");
		if (strstr(text, line) == NULL)
			fail_msg("server.conf does not set %s", keys[i]);
		free(line);
	}
	free(text);
}

static void
test_file(void **state)
{
	char	*err;

	assert_int_equal(load_quiet("valid.conf", 1, NULL, &err), 0);
	assert_string_equal(err, "");
	free(err);

	assert_string_equal(config.host, "0.0.0.0");
	assert_int_equal(config.port, 9090);
	assert_string_equal(config.environment, "production");
	assert_false(config_is_development());
	assert_int_equal(config.debug, 1);
	assert_string_equal(config.secret_key, "  s3cret #not a comment ");
	assert_string_equal(config.mail_from, "ops@example.org");
	assert_string_equal(config.database_url, "postgresql://u:p#w@db/app");
	assert_int_equal(config.max_upload_bytes, 2 * 1024 * 1024);
	assert_int_equal(config.max_body_bytes, 64 * 1024);
	assert_string_equal(config.upload_dir, "");
	assert_int_equal(config.workers, 4);
	assert_int_equal(config.db_connections, 0);
	assert_int_equal(config.per_ip_connection_limit, 0);
	/* Untouched keys keep their defaults. */
	assert_string_equal(config.outbox, "outbox.txt");
}

static void
test_crlf(void **state)
{
	char	*err;

	assert_int_equal(load_quiet("crlf.conf", 1, NULL, &err), 0);
	free(err);
	assert_int_equal(config.port, 7000);
	assert_string_equal(config.host, "example.test");
}

static void
test_missing_file(void **state)
{
	char	*err;

	assert_int_equal(load_quiet("nonexistent.conf", 0, "nonexistent.env",
	    &err), 0);
	assert_string_equal(err, "");
	free(err);
	assert_defaults();

	assert_int_equal(load_quiet("nonexistent.conf", 1, NULL, &err), -1);
	assert_non_null(strstr(err, "nonexistent.conf: "));
	free(err);
}

/* Every bad line is reported with its number, and good lines still
 * apply, before the load fails. */
static void
test_all_errors(void **state)
{
	char	*err, *expected;

	assert_int_equal(load_quiet("errors.conf", 1, NULL, &err), -1);
	expected = capture_file("errors.conf.expected");
	assert_string_equal(err, expected);
	free(expected);
	free(err);
	assert_string_equal(config.host, "ok.example");
	assert_int_equal(config.workers, 3);
}

static void
test_dotenv_overrides_file(void **state)
{
	char	*err;

	assert_int_equal(load_quiet("valid.conf", 1, "override.env", &err), 0);
	/* Unknown keys and foreign lines in .env are not errors. */
	assert_string_equal(err, "");
	free(err);

	assert_int_equal(config.port, 9191);
	assert_string_equal(config.host, "env.example");
	assert_string_equal(config.secret_key, "from dotenv");
	assert_string_equal(config.cors_origins,
	    "http://a.example,http://b.example");
	assert_int_equal(config.debug, 1);
	/* From the file, not overridden. */
	assert_int_equal(config.workers, 4);
	assert_string_equal(config.mail_from, "ops@example.org");
}

static void
test_dotenv_errors(void **state)
{
	char	*err, *expected;

	assert_int_equal(load_quiet(NULL, 0, "errors.env", &err), -1);
	expected = capture_file("errors.env.expected");
	assert_string_equal(err, expected);
	free(expected);
	free(err);
	assert_int_equal(config.workers, 8);
}

static void
test_environment_overrides_dotenv(void **state)
{
	char	*err;

	setenv("PORT", "1234", 1);
	setenv("SECRET_KEY", "from environment", 1);
	setenv("MAX_BODY_BYTES", "1M", 1);
	/* Not a key of ours: ignored even though it is in the environment. */
	setenv("NO_SUCH_KEY", "x", 1);
	assert_int_equal(load_quiet("valid.conf", 1, "override.env", &err), 0);
	assert_string_equal(err, "");
	free(err);
	unsetenv("NO_SUCH_KEY");

	assert_int_equal(config.port, 1234);
	assert_string_equal(config.secret_key, "from environment");
	assert_int_equal(config.max_body_bytes, 1024 * 1024);
	/* From .env, not overridden. */
	assert_string_equal(config.host, "env.example");
}

static void
test_environment_errors(void **state)
{
	char	*err;

	setenv("PORT", "80x", 1);
	setenv("WORKERS", "99999", 1);
	setenv("DEBUG", "", 1);
	assert_int_equal(load_quiet(NULL, 0, NULL, &err), -1);
	assert_string_equal(err,
	    "environment: PORT: expected an integer between -1 and 65535\n"
	    "environment: DEBUG: expected a boolean (1/0, true/false, yes/no, "
	    "on/off)\n"
	    "environment: WORKERS: expected an integer between 0 and 1024\n");
	free(err);
}

static void
test_bool(void **state)
{
	static const struct {
		const char	*in;
		int		 rc;
		int		 out;
	} cases[] = {
		{ "1", 0, 1 }, { "true", 0, 1 }, { "yes", 0, 1 },
		{ "on", 0, 1 }, { "TRUE", 0, 1 }, { "Yes", 0, 1 },
		{ "0", 0, 0 }, { "false", 0, 0 }, { "no", 0, 0 },
		{ "off", 0, 0 }, { "OFF", 0, 0 },
		{ "", -1, 0 }, { "2", -1, 0 }, { "y", -1, 0 },
		{ "truee", -1, 0 }, { " true", -1, 0 },
	};
	size_t	 i;
	char	*err;
	int	 rc;

	for (i = 0; i < nitems(cases); i++) {
		setenv("DEBUG", cases[i].in, 1);
		rc = load_quiet(NULL, 0, NULL, &err);
		if (rc != cases[i].rc)
			fail_msg("DEBUG=\"%s\": rc %d, want %d", cases[i].in,
			    rc, cases[i].rc);
		if (rc == 0 && config.debug != cases[i].out)
			fail_msg("DEBUG=\"%s\": %d, want %d", cases[i].in,
			    config.debug, cases[i].out);
		free(err);
	}
}

static void
test_size(void **state)
{
	static const struct {
		const char	*in;
		int		 rc;
		size_t		 out;
	} cases[] = {
		{ "1", 0, 1 }, { "4096", 0, 4096 }, { "8k", 0, 8192 },
		{ "8K", 0, 8192 }, { "3M", 0, 3145728 },
		{ "1G", 0, 1073741824 },
		{ "0", -1, 0 }, { "-1", -1, 0 }, { "1T", -1, 0 },
		{ "1KB", -1, 0 }, { "", -1, 0 }, { "0x10", -1, 0 },
		{ "2048G", -1, 0 }, { "99999999999999999999", -1, 0 },
	};
	size_t	 i;
	char	*err;
	int	 rc;

	for (i = 0; i < nitems(cases); i++) {
		setenv("MAX_UPLOAD_BYTES", cases[i].in, 1);
		rc = load_quiet(NULL, 0, NULL, &err);
		if (rc != cases[i].rc)
			fail_msg("MAX_UPLOAD_BYTES=\"%s\": rc %d, want %d",
			    cases[i].in, rc, cases[i].rc);
		if (rc == 0 && config.max_upload_bytes != cases[i].out)
			fail_msg("MAX_UPLOAD_BYTES=\"%s\": %zu, want %zu",
			    cases[i].in, config.max_upload_bytes,
			    cases[i].out);
		free(err);
	}
}

static void
test_empty_value(void **state)
{
	char	*err;

	setenv("MAIL_FROM", "", 1);
	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	free(err);
	assert_string_equal(config.mail_from, "");
}

static void
test_reload_resets(void **state)
{
	char	*err, *first, *second;

	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	free(err);
	first = dump();

	assert_int_equal(load_quiet("valid.conf", 1, "override.env", &err), 0);
	free(err);
	assert_int_equal(config.port, 9191);

	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	free(err);
	second = dump();
	assert_string_equal(first, second);
	free(first);
	free(second);
}

static void
test_db_connections(void **state)
{
	char	*err;

	/* 0 unless set (four per Kore worker, in the worker); WORKERS does
	 * not count. */
	setenv("WORKERS", "5", 1);
	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	free(err);
	assert_int_equal(config.db_connections, 0);

	setenv("DB_CONNECTIONS", "3", 1);
	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	free(err);
	assert_int_equal(config.db_connections, 3);

	/* CPU_WORKERS: 0 (the default) is one per CPU. */
	assert_int_equal(config.cpu_workers, sysconf(_SC_NPROCESSORS_ONLN));
	setenv("CPU_WORKERS", "3", 1);
	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	free(err);
	assert_int_equal(config.cpu_workers, 3);
	setenv("CPU_WORKERS", "257", 1);
	assert_int_equal(load_quiet(NULL, 0, NULL, &err), -1);
	assert_non_null(strstr(err, "CPU_WORKERS"));
	free(err);
}

static void
test_secret_production(void **state)
{
	char	*err;
	int	 rc;

	setenv("ENVIRONMENT", "production", 1);
	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	free(err);
	capture_begin();
	rc = config_validate();
	err = capture_end();
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "SECRET_KEY is required when ENVIRONMENT "
	    "is not development"));
	free(err);
	assert_string_equal(config.secret_key, "");

	setenv("SECRET_KEY", "k", 1);
	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	free(err);
	capture_begin();
	rc = config_validate();
	err = capture_end();
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
	free(err);
	assert_string_equal(config.secret_key, "k");
}

static void
test_secret_development(void **state)
{
	char	*err, *key1;
	size_t	 i;
	int	 rc;

	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	free(err);
	capture_begin();
	rc = config_validate();
	err = capture_end();
	assert_int_equal(rc, 0);
	assert_non_null(strstr(err, "warning: SECRET_KEY"));
	free(err);

	assert_int_equal(strlen(config.secret_key), 64);
	for (i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef",
		    config.secret_key[i]));
	key1 = xstrdup(config.secret_key);

	/* A new key each run. */
	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	free(err);
	capture_begin();
	rc = config_validate();
	err = capture_end();
	free(err);
	assert_int_equal(rc, 0);
	assert_string_not_equal(config.secret_key, key1);
	free(key1);

	/* A key that is set is kept, silently. */
	setenv("SECRET_KEY", "dev", 1);
	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	free(err);
	capture_begin();
	rc = config_validate();
	err = capture_end();
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
	free(err);
	assert_string_equal(config.secret_key, "dev");
}

static void
test_bad_environment(void **state)
{
	char	*err;
	int	 rc;

	setenv("ENVIRONMENT", "staging", 1);
	setenv("SECRET_KEY", "k", 1);
	assert_int_equal(load_quiet(NULL, 0, NULL, &err), 0);
	free(err);
	capture_begin();
	rc = config_validate();
	err = capture_end();
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "ENVIRONMENT must be"));
	assert_non_null(strstr(err, "\"staging\""));
	free(err);
}

/* config_load then config_validate, stderr into *err (caller frees). */
static int
validate_quiet(char **err)
{
	int	rc;

	capture_begin();
	rc = config_load(NULL, 0, NULL);
	if (rc == 0)
		rc = config_validate();
	*err = capture_end();
	return (rc);
}

/* CORS_ORIGINS "*" is for development only. */
static void
test_cors_any_origin(void **state)
{
	char	*err;

	setenv("CORS_ORIGINS", "http://a.example, * ", 1);
	setenv("SECRET_KEY", "k", 1);
	assert_int_equal(validate_quiet(&err), 0);
	free(err);

	setenv("ENVIRONMENT", "production", 1);
	assert_int_equal(validate_quiet(&err), -1);
	assert_non_null(strstr(err, "CORS_ORIGINS: \"*\" is only allowed"));
	free(err);

	/* A "*" inside an origin is not the wildcard. */
	setenv("CORS_ORIGINS", "http://*.example", 1);
	assert_int_equal(validate_quiet(&err), 0);
	free(err);
	unsetenv("CORS_ORIGINS");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repo_conf_is_defaults,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crlf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_all_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dotenv_overrides_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotenv_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_environment_overrides_dotenv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_environment_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_value, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reload_resets, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_db_connections, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_production, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_development, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cors_any_origin, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_environment, setup,
		    teardown),
	};
	char	dir[4096];
	char	*slash;

	/* The fixtures sit next to this file. */
	snprintf(dir, sizeof(dir), "%s", __FILE__);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (strlen(dir) + sizeof("/fixtures/config") > sizeof(dir))
		fatal("path too long");
	strcat(dir, "/fixtures/config");
	if (chdir(dir) == -1) {
		fprintf(stderr, "test_config: cannot enter %s (run from the "
		    "repository root)\n", dir);
		return (1);
	}

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
