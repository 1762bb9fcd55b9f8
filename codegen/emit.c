/*
 * emit.c - writing the output directory.
 *
 * generated/ is committed and make rebuilds what depends on it by
 * timestamp, so a file is rewritten only when its content changed, and
 * always whole: written to a temporary file in the same directory,
 * fsync'd, then renamed over the old one.  A reader (or a build killed
 * half way) sees the old file or the new one, never a mix.  Files the
 * generator wrote earlier but no longer writes are removed; it knows its
 * own files by their first line.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen.h"

#define EMIT_TMP	".codegen."	/* prefix of temporary files */

static int	emit_same(const char *, const struct buf *);
static int	emit_owned(const char *);
static int	emit_syncdir(const char *);

/* mkdir -p. */
int
emit_mkdir(const char *dir)
{
	char	*p, *s;
	int	 rc = -1;

	p = xstrdup(dir);
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (s[-1] != '/') {
			*s = '\0';
			if (mkdir(p, 0777) == -1 && errno != EEXIST) {
				warn("mkdir %s", p);
				goto out;
			}
			*s = dir[s - p];
		}
		if (*s == '\0')
			break;
	}
	rc = 0;
out:
	free(p);
	return (rc);
}

/* 1 when path holds exactly b's bytes. */
static int
emit_same(const char *path, const struct buf *b)
{
	char	 tmp[65536];
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd, same = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((size_t)n > b->len - off ||
		    memcmp(tmp, b->data + off, (size_t)n) != 0)
			goto out;
		off += (size_t)n;
	}
	same = n == 0 && off == b->len;
out:
	close(fd);
	return (same);
}

int
emit_file(const char *dir, const char *name, const struct buf *b)
{
	char	*path = NULL, *tmp = NULL;
	size_t	 off;
	ssize_t	 n;
	mode_t	 mask;
	int	 fd = -1, rc = -1;

	if (asprintf(&path, "%s/%s", dir, name) == -1 ||
	    asprintf(&tmp, "%s/" EMIT_TMP "%s.XXXXXX", dir, name) == -1)
		fatal("asprintf: out of memory");
	if (emit_same(path, b)) {
		rc = 0;
		goto out;
	}

	if ((fd = mkstemp(tmp)) == -1) {
		warn("%s", tmp);
		goto out;
	}
	/* mkstemp makes 0600; a generated file is an ordinary file. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) == -1) {
		warn("chmod %s", tmp);
		goto fail;
	}
	for (off = 0; off < b->len; off += (size_t)n) {
		if ((n = write(fd, b->data + off, b->len - off)) == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			warn("write %s", tmp);
			goto fail;
		}
	}
	if (fsync(fd) == -1) {
		warn("fsync %s", tmp);
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		warn("close %s", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		warn("rename %s to %s", tmp, path);
		goto fail;
	}
	rc = emit_syncdir(dir);
	goto out;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
out:
	free(path);
	free(tmp);
	return (rc);
}

/* The rename is durable only once the directory is. */
static int
emit_syncdir(const char *dir)
{
	int	fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		warn("%s", dir);
		return (-1);
	}
	if (fsync(fd) == -1 && errno != EINVAL) {
		warn("fsync %s", dir);
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

/* 1 when the file starts with the generator's first line. */
static int
emit_owned(const char *path)
{
	char	line[sizeof(CODEGEN_MARK) - 1];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	n = read(fd, line, sizeof(line));
	close(fd);
	return (n == (ssize_t)sizeof(line) &&
	    memcmp(line, CODEGEN_MARK, sizeof(line)) == 0);
}

/*
 * Removes the .c and .h files in dir that the generator wrote but is no
 * longer writing (an output file dropped from a later version), and the
 * temporary files of an interrupted run.  Hand-written files are kept.
 */
int
emit_prune(const char *dir, const char *const *keep, size_t nkeep)
{
	DIR		*d;
	struct dirent	*de;
	char		*path;
	size_t		 i, len;
	int		 rc = 0;

	if ((d = opendir(dir)) == NULL) {
		warn("%s", dir);
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		for (i = 0; i < nkeep; i++)
			if (strcmp(de->d_name, keep[i]) == 0)
				break;
		if (i < nkeep)
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) == -1)
			fatal("asprintf: out of memory");
		if (strncmp(de->d_name, EMIT_TMP, strlen(EMIT_TMP)) == 0 ||
		    (len > 2 && de->d_name[len - 2] == '.' &&
		    (de->d_name[len - 1] == 'c' || de->d_name[len - 1] == 'h') &&
		    emit_owned(path))) {
			if (unlink(path) == -1) {
				warn("unlink %s", path);
				rc = -1;
			}
		}
		free(path);
	}
	closedir(d);
	return (rc);
}
