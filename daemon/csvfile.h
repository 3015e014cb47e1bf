/*
 * csvfile.h - read a CSV file row by row with libcsv, as UTF-8.
 *
 * Detects (unless told) the delimiter (, ; or tab, from the header line)
 * and the encoding (UTF-8 with or without BOM, else Windows-1252 as Excel
 * writes it in Spain), accepts CRLF or LF, quoted fields with delimiters,
 * quotes and newlines, and reports each row with the line it starts on.
 * Malformed quoting is an error naming the line.  No store access.
 */
#ifndef CARTERA_CSVFILE_H
#define CARTERA_CSVFILE_H

#include <stddef.h>

enum csvfile_encoding { CSVFILE_ENC_AUTO, CSVFILE_ENC_UTF8, CSVFILE_ENC_CP1252 };

struct csvfile_row {
	size_t		  line;		/* 1-based line the row starts on */
	size_t		  nfields;
	char		**fields;	/* UTF-8, NUL-terminated, borrowed */
	size_t		 *lens;		/* byte lengths (a NUL inside shows as len != strlen) */
};

/* Return 0 to go on, non-zero to stop reading (csvfile_read then returns 1). */
typedef int (*csvfile_row_fn)(const struct csvfile_row *, void *arg);
/* Called now and then with bytes read and the file size. */
typedef void (*csvfile_progress_fn)(size_t done, size_t total, void *arg);

struct csvfile_opts {
	char			 delimiter;	/* 0 = detect */
	enum csvfile_encoding	 encoding;
	csvfile_progress_fn		 progress;	/* may be NULL */
	void			*arg;
};

/*
 * What is read from a pipe or a device (anything but a regular file, which
 * is mapped): more is an error before any row, so memory stays bounded.
 */
#define CSVFILE_STREAM_MAX	(256 << 20)

/*
 * Read path, calling fn for every non-blank row (the header included).
 * 0 at the end of the file, 1 if fn stopped it, -1 on error ("FILE:LINE:
 * what" in err).  *detected (if not NULL) gets the delimiter and encoding
 * used, for messages.
 */
int	 csvfile_read(const char *path, const struct csvfile_opts *, csvfile_row_fn fn, void *arg,
	    char *delim_used, enum csvfile_encoding *enc_used, char *err, size_t errlen);

/* Windows-1252 bytes to UTF-8 (out must hold 3 * len + 1). Returns length. */
size_t	 csvfile_cp1252_to_utf8(const char *in, size_t len, char *out);
/* Is the buffer valid UTF-8? */
int	 csvfile_valid_utf8(const char *p, size_t len);

#endif
