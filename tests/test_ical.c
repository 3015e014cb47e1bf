/*
 * test_ical.c - content lines as the feed writes them: TEXT escaping,
 * folding at 75 octets that never splits a UTF-8 character, line breaks,
 * dropped control characters and invalid bytes, dates; and the output
 * read back by libical's own parser.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "buf.h"
#include "check.h"
#include "feed.h"
#include "ical.h"

/* Every physical line of b ends in CRLF, holds at most 75 octets, and
 * no line starts with a UTF-8 continuation byte after the fold space. */
static void
check_lines(const struct buf *b)
{
	const char *p = b->data, *e = b->data + b->len;

	while (p < e) {
		const char *nl = strstr(p, "\r\n");
		CHECK(nl != NULL);
		if (nl == NULL)
			return;
		CHECK(nl - p <= 75);
		CHECK(memchr(p, '\n', (size_t)(nl - p)) == NULL);
		if (p > b->data && *p == ' ')
			CHECK(((unsigned char)p[1] & 0xC0) != 0x80);
		p = nl + 2;
	}
}

static char *
unfolded_value(const struct buf *b)
{
	struct buf u = BUF_INIT;

	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i] == '\r' && i + 2 < b->len && b->data[i + 1] == '\n' &&
		    b->data[i + 2] == ' ') {
			i += 2;
			continue;
		}
		if (b->data[i] == '\r')
			break;
		buf_putc(&u, b->data[i]);
	}
	return buf_steal(&u);
}

int
main(void)
{
	struct buf b = BUF_INIT;
	char *v, *ev;
	icalcomponent *c;

	ical_text(&b, "SUMMARY", "Llamada: Pérez, Núñez; y \\ barra");
	CHECK_STR(b.data, "SUMMARY:Llamada: Pérez\\, Núñez\\; y \\\\ barra\r\n");
	buf_reset(&b);
	ical_text(&b, "DESCRIPTION", "uno\r\ndos\nthree\rfour\ttab\x01\x7f" "end\xff\xfe!");
	CHECK_STR(b.data, "DESCRIPTION:uno\\ndos\\nthree\\nfour\ttabend!\r\n");
	buf_reset(&b);
	/* Folding: 200 two-byte characters, every line within 75 octets. */
	{
		char in[401];
		for (int i = 0; i < 200; i++)
			memcpy(in + 2 * i, "ñ", 2);
		in[400] = '\0';
		ical_text(&b, "SUMMARY", in);
		check_lines(&b);
		v = unfolded_value(&b);
		CHECK(strncmp(v, "SUMMARY:", 8) == 0 && strcmp(v + 8, in) == 0);
		free(v);
		buf_reset(&b);
		/* Four-byte characters at every offset around the fold. */
		for (int pre = 0; pre < 8; pre++) {
			char w[512];
			int n = 0;
			for (int i = 0; i < pre; i++)
				w[n++] = 'a';
			for (int i = 0; i < 40; i++) {
				memcpy(w + n, "\xf0\x9f\x93\x9e", 4);	/* 📞 */
				n += 4;
			}
			w[n] = '\0';
			ical_text(&b, "X", w);
			check_lines(&b);
			v = unfolded_value(&b);
			CHECK(strcmp(v + 2, w) == 0);
			free(v);
			buf_reset(&b);
		}
	}
	ical_utc(&b, "DTSTAMP", 1795428000);
	CHECK_STR(b.data, "DTSTAMP:20261123T100000Z\r\n");
	buf_reset(&b);
	ical_local(&b, "DTSTART", "Europe/Madrid", 20781, 36000 + 30 * 60);
	CHECK_STR(b.data, "DTSTART;TZID=Europe/Madrid:20261124T103000\r\n");
	buf_reset(&b);
	ical_raw(&b, "STATUS", "CONFIRMED");
	CHECK_STR(b.data, "STATUS:CONFIRMED\r\n");
	buf_free(&b);

	/* What libical reads back is what went in. */
	ev = feed_event_text("Visita: Talleres Pérez, S.L.; \"central\"",
	    "Calle de Alcalá 23, 2º B\\28014 Madrid",
	    "Contacto: José Núñez\nTeléfono: +34 911 222 333\n\nNotas:\nuno, dos; tres");
	CHECK(ev != NULL);
	c = ev ? icalcomponent_new_from_string(ev) : NULL;
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK_STR(icalcomponent_get_summary(c), "Visita: Talleres Pérez, S.L.; \"central\"");
		CHECK_STR(icalcomponent_get_location(c), "Calle de Alcalá 23, 2º B\\28014 Madrid");
		CHECK_STR(icalcomponent_get_description(c),
		    "Contacto: José Núñez\nTeléfono: +34 911 222 333\n\nNotas:\nuno, dos; tres");
		CHECK(icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY) == NULL);
		icalcomponent_free(c);
	}
	free(ev);
	return check_done("test_ical");
}
