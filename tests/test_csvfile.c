/*
 * test_csvfile.c - the CSV reader: encodings, delimiters, quoting, line
 * numbers (the field rules the importer applies are test_record.c's).
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "csvfile.h"

#define MAXROWS 32

struct got {
	size_t	 n;
	size_t	 line[MAXROWS];
	size_t	 nfields[MAXROWS];
	char	*f[MAXROWS][8];
};

static int
collect(const struct csvfile_row *r, void *arg)
{
	struct got *g = arg;

	if (g->n == MAXROWS)
		return 1;
	g->line[g->n] = r->line;
	g->nfields[g->n] = r->nfields;
	for (size_t i = 0; i < r->nfields && i < 8; i++)
		g->f[g->n][i] = strdup(r->fields[i]);
	g->n++;
	return 0;
}

static void
got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		for (size_t k = 0; k < g->nfields[i] && k < 8; k++)
			free(g->f[i][k]);
	memset(g, 0, sizeof(*g));
}

static char path[256];

static int
read_bytes(const char *bytes, size_t len, const struct csvfile_opts *o, struct got *g,
    char *delim, enum csvfile_encoding *enc, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL)
		return -2;
	fwrite(bytes, 1, len, fp);
	fclose(fp);
	memset(g, 0, sizeof(*g));
	return csvfile_read(path, o, collect, g, delim, enc, err, errlen);
}

#define READ(s, o, g) read_bytes(s, sizeof(s) - 1, o, g, &delim, &enc, err, sizeof(err))

static void
test_reader(void)
{
	struct csvfile_opts o = { 0 };
	struct got g;
	char err[512], delim;
	enum csvfile_encoding enc;

	/* Plain UTF-8, comma, LF, quoted field with delimiter and quotes. */
	CHECK(READ("name,city\nTalleres Pérez,Madrid\n\"Núñez, \"\"el bueno\"\"\",Sevilla\n",
	    &o, &g) == 0);
	CHECK_INT(g.n, 3);
	CHECK(delim == ',' && enc == CSVFILE_ENC_UTF8);
	CHECK_STR(g.f[2][0], "Núñez, \"el bueno\"");
	CHECK_INT(g.line[2], 3);
	got_free(&g);

	/* Excel in Spain: BOM-less cp1252, semicolons, CRLF, quoted newline. */
	CHECK(READ("nombre;tel\xe9" "fono;notas\r\nPanader\xed" "a N\xfa\xf1" "ez;911;\"l\xednea 1\r\nl\xednea 2;x\"\r\n"
	    "Caf\xe9 \x80" "uro;922;ok\r\n", &o, &g) == 0);
	CHECK(delim == ';' && enc == CSVFILE_ENC_CP1252);
	CHECK_INT(g.n, 3);
	CHECK_STR(g.f[0][1], "teléfono");
	CHECK_STR(g.f[1][0], "Panadería Núñez");
	CHECK_STR(g.f[1][2], "línea 1\r\nlínea 2;x");
	CHECK_STR(g.f[2][0], "Café €uro");
	CHECK_INT(g.line[1], 2);
	CHECK_INT(g.line[2], 4);	/* the quoted newline took a line */
	got_free(&g);

	/* UTF-8 with BOM and tabs; blank lines do not shift line numbers. */
	CHECK(READ("\xEF\xBB\xBFname\tcity\n\nA\tB\n\n\nC\tD\n", &o, &g) == 0);
	CHECK(delim == '\t' && enc == CSVFILE_ENC_UTF8);
	CHECK_STR(g.f[0][0], "name");
	CHECK_INT(g.n, 3);
	CHECK_INT(g.line[1], 3);
	CHECK_INT(g.line[2], 6);
	got_free(&g);

	/* CRLF with blank CRLF lines. */
	CHECK(READ("a,b\r\n\r\n1,2\r\n3,4", &o, &g) == 0);
	CHECK_INT(g.n, 3);
	CHECK_INT(g.line[1], 3);
	CHECK_INT(g.line[2], 4);
	CHECK_STR(g.f[2][1], "4");
	got_free(&g);

	/* Malformed quoting names the line. */
	CHECK(READ("name,city\nok,fine\n\"bad\"x,y\n", &o, &g) == -1);
	CHECK(strstr(err, ":3: malformed quoting") != NULL);
	got_free(&g);
	CHECK(READ("name,city\nok,fine\n\"never closed,y\n", &o, &g) == -1);
	CHECK(strstr(err, "malformed quoting") != NULL);
	got_free(&g);

	/* A NUL byte inside a field is kept so the caller can refuse it. */
	{
		static const char nul[] = "name\nA\0B\n";
		struct got g2;
		CHECK(read_bytes(nul, sizeof(nul) - 1, &o, &g2, &delim, &enc, err,
		    sizeof(err)) == 0);
		CHECK_INT(g2.n, 2);
		CHECK_STR(g2.f[1][0], "A");	/* strlen stops at the NUL */
		got_free(&g2);
	}

	/* Forced UTF-8 on cp1252 bytes: refused with the line. */
	o.encoding = CSVFILE_ENC_UTF8;
	CHECK(READ("name\nok\nCaf\xe9\n", &o, &g) == -1);
	CHECK(strstr(err, ":3: not valid UTF-8") != NULL);
	got_free(&g);
	/* A BOM says UTF-8: bytes after it that are not are refused the
	 * same way, never handed on as fields (found by fuzz_csv). */
	o.encoding = CSVFILE_ENC_AUTO;
	CHECK(READ("\xEF\xBB\xBFname\nok\nCaf\xe9\n", &o, &g) == -1);
	CHECK(strstr(err, ":3: not valid UTF-8") != NULL);
	got_free(&g);
	CHECK(READ("\xEF\xBB\xBF\xcb", &o, &g) == -1);
	got_free(&g);
	/* Forced delimiter. */
	o.encoding = CSVFILE_ENC_AUTO;
	o.delimiter = ';';
	CHECK(READ("a,b;c\n1,2;3\n", &o, &g) == 0);
	CHECK_STR(g.f[1][0], "1,2");
	got_free(&g);

	CHECK(READ("", &o, &g) == -1);
	CHECK(strstr(err, "empty") != NULL);
	CHECK(csvfile_read("/nonexistent/x.csv", &o, collect, &g, NULL, NULL, err, sizeof(err)) == -1);
	CHECK(strstr(err, "/nonexistent/x.csv") != NULL);
}

int
main(void)
{
	char dir[] = "/tmp/test_csvfile.XXXXXX";

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/in.csv", dir);
	test_reader();
	unlink(path);
	rmdir(dir);
	return check_done("test_csvfile");
}
