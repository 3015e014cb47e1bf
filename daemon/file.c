/*
 * file.c - replace a file atomically (see file.h).
 *
 * Used by every command that writes a file a reader may be looking at
 * (feed --output, export FILE).  It must not learn about formats.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

int
file_replace_open(struct file_replace *f, const char *path, mode_t mode, char *err,
    size_t errlen)
{
	struct stat sb;
	int fd;

	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		if ((f->fp = fopen(path, "w")) == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(f->path);
			f->path = NULL;
			return -1;
		}
		return 0;
	}
	if (asprintf(&f->tmp, "%s.tmp.%ld", path, (long)getpid()) == -1) {
		f->tmp = NULL;
		snprintf(err, errlen, "out of memory");
		free(f->path);
		f->path = NULL;
		return -1;
	}
	/* A private file is that mode whatever the umask (fchmod); otherwise
	 * the umask decides, as for any file the user writes. */
	if ((fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode != 0 ? mode : 0666)) == -1 || (mode != 0 && fchmod(fd, mode) == -1) ||
	    (f->fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", f->tmp, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(f->tmp);
		}
		free(f->tmp);
		free(f->path);
		memset(f, 0, sizeof(*f));
		return -1;
	}
	return 0;
}

int
file_replace_close(struct file_replace *f, int ok, char *err, size_t errlen)
{
	int rc = ok ? 0 : -1, e = 0;

	if (rc == 0 && (fflush(f->fp) == EOF || ferror(f->fp) ||
	    (f->tmp != NULL && fsync(fileno(f->fp)) == -1)))
		e = errno ? errno : EIO;
	if (fclose(f->fp) == EOF && rc == 0 && e == 0)
		e = errno;
	if (rc == 0 && e == 0 && f->tmp != NULL && rename(f->tmp, f->path) == -1)
		e = errno;
	if (rc == 0 && e != 0) {
		snprintf(err, errlen, "%s: %s", f->path, strerror(e));
		rc = -1;
	}
	if (rc == -1 && f->tmp != NULL)
		unlink(f->tmp);
	free(f->tmp);
	free(f->path);
	memset(f, 0, sizeof(*f));
	return rc;
}

int
file_replace_write(const char *path, mode_t mode, const void *data, size_t len, char *err,
    size_t errlen)
{
	struct file_replace f;

	if (file_replace_open(&f, path, mode, err, errlen) == -1)
		return -1;
	if (fwrite(data, 1, len, f.fp) != len) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		file_replace_close(&f, 0, err, errlen);
		return -1;
	}
	return file_replace_close(&f, 1, err, errlen);
}
