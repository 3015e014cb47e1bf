/*
 * fuzz_csv.c - libFuzzer harness for the CSV reader (daemon/csvfile.c) and
 * the record field rules the importer applies to what it reads
 * (daemon/record.c).
 *
 * Input: the bytes of a CSV file.  They go into a memfd, read by path
 * (/proc/self/fd/N) with the encoding and delimiter detected, then with
 * each encoding (auto, UTF-8, cp1252) and a delimiter (detected, ',',
 * ';' or tab) the last byte picks.  On the first read the fields of the
 * first rows go through record_normalize for every field kind, and
 * through record_lookup as header names.
 *
 * Properties: rows come with fields that are valid UTF-8 and
 * NUL-terminated at their length, lines start at 1 and never go back;
 * an error names the file; a value record_normalize accepts is accepted
 * again, unchanged, in its canonical form, is valid UTF-8, has no blanks
 * around it and holds no control characters (line breaks only where the
 * field allows them).
 */
#include "build.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "csvfile.h"
#include "record.h"

#include "fuzz.h"

#define ROWS_NORMALIZED	4	/* rows of one input put through record_normalize */
#define FIELDS_NORMALIZED 8	/* fields of one row put through record_normalize */

struct seen {
	size_t	 rows;
	size_t	 last_line;
	int	 normalize;
};

static int	 fd = -1;
static char	 path[64];

static void
check_normalized(enum record_field f, const char *value)
{
	size_t n = strlen(value), cap = n + 64, m;
	char *out, *again, err[256], err2[256];
	int multiline = f == RF_ADDRESS || f == RF_NOTES;

	/* As the CLI and the importer size it: the value and some room. */
	out = malloc(cap);
	again = malloc(cap);
	FUZZ_CHECK(out != NULL && again != NULL);
	err[0] = '\0';
	if (record_normalize(f, value, out, cap, err, sizeof(err)) == -1) {
		FUZZ_CHECK(err[0] != '\0');
		goto done;
	}
	m = strlen(out);
	FUZZ_CHECK(m < cap);
	FUZZ_CHECK(fuzz_utf8_valid(out, m));
	for (size_t i = 0; i < m; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c == '\n' || c == '\r')
			FUZZ_CHECK(multiline);
		else
			FUZZ_CHECK((c >= 0x20 || c == '\t') && c != 0x7f);
	}
	FUZZ_CHECK(m == 0 || (out[0] != ' ' && out[m - 1] != ' '));
	/* The canonical form is a fixed point. */
	err2[0] = '\0';
	if (record_normalize(f, out, again, cap, err2, sizeof(err2)) != 0) {
		fprintf(stderr, "field %s: \"%s\" -> \"%s\" refused: %s\n",
		    record_name(f), value, out, err2);
		FUZZ_CHECK(!"canonical form refused");
	}
	if (strcmp(out, again) != 0) {
		fprintf(stderr, "field %s: \"%s\" -> \"%s\" -> \"%s\"\n",
		    record_name(f), value, out, again);
		FUZZ_CHECK(!"canonical form not stable");
	}
done:
	free(out);
	free(again);
}

static int
on_row(const struct csvfile_row *row, void *arg)
{
	struct seen *s = arg;
	char folded[256];

	FUZZ_CHECK(row->line >= 1 && row->line >= s->last_line);
	FUZZ_CHECK(row->nfields > 0);
	s->last_line = row->line;
	for (size_t i = 0; i < row->nfields; i++) {
		FUZZ_CHECK(row->fields[i] != NULL);
		FUZZ_CHECK(row->fields[i][row->lens[i]] == '\0');
		FUZZ_CHECK(fuzz_utf8_valid(row->fields[i], row->lens[i]));
	}
	if (s->normalize && s->rows < ROWS_NORMALIZED) {
		for (size_t i = 0; i < row->nfields && i < FIELDS_NORMALIZED;
		    i++) {
			int f = record_lookup(row->fields[i]);

			FUZZ_CHECK(f >= -1 && f < RF_COUNT);
			record_fold(row->fields[i], folded, sizeof(folded));
			FUZZ_CHECK(strlen(folded) < sizeof(folded));
			for (int k = 0; k < RF_COUNT; k++)
				check_normalized((enum record_field)k,
				    row->fields[i]);
		}
	}
	s->rows++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum csvfile_encoding encs[] = {
		CSVFILE_ENC_AUTO, CSVFILE_ENC_UTF8, CSVFILE_ENC_CP1252
	};
	static const char delims[] = { 0, ',', ';', '\t' };
	struct csvfile_opts o;
	struct seen s;
	enum csvfile_encoding enc;
	char err[512], delim;
	uint8_t last;
	int rv;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (fd == -1) {
		fd = memfd_create("fuzz_csv", MFD_CLOEXEC);
		FUZZ_CHECK(fd != -1);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	FUZZ_CHECK(ftruncate(fd, 0) == 0);
	FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);

	/*
	 * Everything detected (with the record rules), then each encoding
	 * with a delimiter the last byte picks: every combination comes up
	 * as the fuzzer mutates, at four reads (four mmaps) an input.
	 */
	last = size > 0 ? data[size - 1] : 0;
	for (size_t r = 0; r < 4; r++) {
		memset(&o, 0, sizeof(o));
		memset(&s, 0, sizeof(s));
		o.encoding = r == 0 ? CSVFILE_ENC_AUTO : encs[r - 1];
		o.delimiter = r == 0 ? 0 : delims[(last >> (2 * r)) & 3];
		s.normalize = r == 0;
		err[0] = '\0';
		delim = 'X';
		enc = (enum csvfile_encoding)-1;
		rv = csvfile_read(path, &o, on_row, &s, &delim, &enc, err,
		    sizeof(err));
		FUZZ_CHECK(rv == 0 || rv == -1);
		if (rv == -1) {
			FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0);
			continue;
		}
		FUZZ_CHECK(delim == ',' || delim == ';' || delim == '\t');
		FUZZ_CHECK(o.delimiter == 0 || delim == o.delimiter);
		FUZZ_CHECK(enc == CSVFILE_ENC_UTF8 || enc == CSVFILE_ENC_CP1252);
		if (o.encoding != CSVFILE_ENC_AUTO)
			FUZZ_CHECK(enc == o.encoding);
	}
	return 0;
}
