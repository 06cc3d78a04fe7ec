/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static int
check_owner_mode(const char *path, const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		px_error("%s: owned by uid %u, not by root or the caller", path,
		    (unsigned)st->st_uid);
		return PX_ERR_INSECURE;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		px_error("%s: writable by group or others (mode %04o)", path,
		    (unsigned)(st->st_mode & 07777));
		return PX_ERR_INSECURE;
	}
	return 0;
}

int
px_read_file(const char *path, size_t max, int flags, char **bufp, size_t *lenp)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	ssize_t n;
	int fd = -1, oflags, r;

	*bufp = NULL;
	*lenp = 0;
	oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (flags & PX_READ_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	if ((fd = open(path, oflags)) == -1) {
		if (errno == ENOENT) {
			px_error("%s: no such file", path);
			r = PX_ERR_NOT_FOUND;
		} else if (errno == ELOOP && (flags & PX_READ_NOFOLLOW)) {
			px_error("%s: is a symbolic link; refusing it", path);
			r = PX_ERR_INSECURE;
		} else {
			px_error("%s: cannot open: %s", path, strerror(errno));
			r = PX_ERR_IO;
		}
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		px_error("%s: fstat: %s", path, strerror(errno));
		r = PX_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		px_error("%s: not a regular file", path);
		r = PX_ERR_IO;
		goto out;
	}
	if ((flags & PX_READ_TRUSTED) && (r = check_owner_mode(path, &st)) != 0)
		goto out;
	if ((uint64_t)st.st_size > max) {
		px_error("%s: %lld bytes, larger than the limit of %zu", path,
		    (long long)st.st_size, max);
		r = PX_ERR_TOO_BIG;
		goto out;
	}
	/* The file may grow while we read: the cap holds whatever fstat said.
	 */
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap + 1)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		if (len == cap) {
			px_error("%s: grew while being read", path);
			r = PX_ERR_TOO_BIG;
			goto out;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			px_error("%s: read: %s", path, strerror(errno));
			r = PX_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	r = 0;
out:
	if (fd != -1)
		close(fd);
	free(buf);
	return r;
}

int
px_check_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		if (errno == ENOENT)
			return PX_ERR_NOT_FOUND;
		px_error("%s: %s", path, strerror(errno));
		return PX_ERR_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		px_error("%s: not a directory", path);
		return PX_ERR_IO;
	}
	return check_owner_mode(path, &st);
}

int
px_parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;
	const char *p;

	*v = 0;
	if (s == NULL || *s == '\0')
		return PX_ERR_BAD_FORMAT;
	for (p = s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return PX_ERR_BAD_FORMAT;
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return PX_ERR_TOO_BIG;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (n > max)
		return PX_ERR_TOO_BIG;
	*v = n;
	return 0;
}

/* Splits "123x" into the number and a one-letter unit (0 when none). */
static int
parse_scaled(const char *s, const char *units, const uint64_t *scale,
    uint64_t max, uint64_t *out)
{
	char num[32];
	size_t len;
	const char *u;
	uint64_t n, mul = 1;
	int r;

	*out = 0;
	if (s == NULL || (len = strlen(s)) == 0 || len >= sizeof(num))
		return PX_ERR_BAD_FORMAT;
	memcpy(num, s, len + 1);
	if (!isdigit((unsigned char)num[len - 1])) {
		if ((u = strchr(units, tolower((unsigned char)num[len - 1]))) ==
		    NULL)
			return PX_ERR_BAD_FORMAT;
		mul = scale[u - units];
		num[--len] = '\0';
	}
	if ((r = px_parse_uint(num, UINT64_MAX, &n)) != 0)
		return r;
	if (n > max / mul)
		return PX_ERR_TOO_BIG;
	*out = n * mul;
	return 0;
}

int
px_parse_duration(const char *s, uint64_t *secs)
{
	static const uint64_t scale[] = { 1, 60, 3600, 86400 };

	/* Up to ten years: anything longer is a typo. */
	return parse_scaled(s, "smhd", scale, 10ULL * 366 * 86400, secs);
}

int
px_parse_size(const char *s, uint64_t *bytes)
{
	static const uint64_t scale[] = { 1024, 1024 * 1024,
		1024 * 1024 * 1024 };

	return parse_scaled(s, "kmg", scale, 1ULL << 40, bytes);
}

int
px_parse_bool(const char *s, int *v)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t i;

	*v = 0;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return PX_ERR_BAD_FORMAT;
}

const char *
px_time_str(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
	return buf;
}

void
px_free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

int
px_write_atomic(const char *dir, const char *path, const void *data, size_t len,
    mode_t mode)
{
	char tmp[PATH_MAX];
	const char *p = data;
	ssize_t n;
	int fd, r = PX_ERR_IO;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.tmp.XXXXXX", dir) >=
	    sizeof(tmp))
		return PX_ERR_IO;
	if ((fd = mkstemp(tmp)) == -1) {
		px_error("%s: cannot create a temporary file: %s", dir,
		    strerror(errno));
		return PX_ERR_IO;
	}
	if (fchmod(fd, mode) == -1)
		goto out;
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) == -1)
		goto out;
	if (close(fd) == -1) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto out;
	r = 0;
out:
	if (r != 0) {
		px_error("%s: cannot write: %s", path, strerror(errno));
		unlink(tmp);
	}
	if (fd != -1)
		close(fd);
	return r;
}
