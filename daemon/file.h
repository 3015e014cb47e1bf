/*
 * file.h - replace a file so that a reader never sees half of it.
 *
 * The new contents go to a temporary file next to the target ("PATH.tmp.PID",
 * created exclusively), are flushed to disk and renamed over the target.
 * A target that exists and is not a regular file (a FIFO, /dev/stdout,
 * /dev/null) is written in place instead: renaming over it would replace
 * the device node.  Knows nothing about what is written.
 */
#ifndef CARTERA_FILE_H
#define CARTERA_FILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct file_replace {
	FILE	*fp;		/* write the contents here */
	char	*path;		/* owned copy of the target */
	char	*tmp;		/* owned; NULL when writing in place */
};

/* Start replacing path: f->fp is open for writing.  A new file gets mode
 * (FILE_PRIVATE: 0600 whatever the umask), or with mode 0 what the umask
 * leaves of 0666.  0, or -1 with err ("PATH: reason") and nothing to
 * clean up. */
#define FILE_PRIVATE	0600
int	 file_replace_open(struct file_replace *f, const char *path, mode_t mode,
	    char *err, size_t errlen);
/* Finish: with ok, flush, sync, close and rename into place (0, or -1 with
 * err); without ok (the caller failed), close and remove the temporary
 * file and return -1 leaving err alone.  f is cleared either way. */
int	 file_replace_close(struct file_replace *f, int ok, char *err, size_t errlen);
/* The whole of data as path's new contents (mode as above). */
int	 file_replace_write(const char *path, mode_t mode, const void *data, size_t len,
	    char *err, size_t errlen);

#endif
