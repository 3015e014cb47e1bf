/*
 * fuzz_ical.c - libFuzzer harness for the iCalendar text the feed
 * writes (daemon/feed.c feed_event_text, over daemon/ical.c).
 *
 * Input: SUMMARY \0 LOCATION \0 DESCRIPTION.
 *
 * Properties of the VEVENT written: lines end in CRLF and hold no other
 * CR or LF, no control character but TAB, at most 75 octets each, every
 * physical line valid UTF-8 on its own (no character split by a fold);
 * libical's parser reads it without error, and when the input is valid
 * UTF-8 with no control characters but LF and TAB each property reads
 * back as the exact text given (but for blanks around it, which
 * libical's parser drops).
 */
#include "build.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "feed.h"

#include "fuzz.h"

#define FOLD	75	/* RFC 5545 3.1: octets per line, CRLF excluded */

enum { P_SUMMARY, P_LOCATION, P_DESCRIPTION, NPARTS };

/* Valid UTF-8 with no control character but LF and TAB. */
static int
plain_text(const char *s, size_t n)
{
	size_t i;

	if (!fuzz_utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

static void
check_lines(const char *text)
{
	const char *p = text, *e;
	size_t len;
	int first = 1;

	FUZZ_CHECK(strncmp(text, "BEGIN:VEVENT\r\n", 14) == 0);
	len = strlen(text);
	FUZZ_CHECK(len >= 26 && strcmp(text + len - 12, "END:VEVENT\r\n") == 0);
	while (*p != '\0') {
		e = strstr(p, "\r\n");
		FUZZ_CHECK(e != NULL);
		len = (size_t)(e - p);
		if (len > FOLD) {
			fprintf(stderr, "line of %zu octets: %.*s\n", len,
			    (int)len, p);
			FUZZ_CHECK(!"line longer than 75 octets");
		}
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)p[i];

			FUZZ_CHECK(c != '\r' && c != '\n');
			FUZZ_CHECK(c >= 0x20 || c == '\t');
			FUZZ_CHECK(c != 0x7f);
		}
		/* No character cut in two by a fold. */
		if (!fuzz_utf8_valid(p, len)) {
			fprintf(stderr, "line not UTF-8 by itself: %.*s\n",
			    (int)len, p);
			FUZZ_CHECK(!"fold splits a UTF-8 character");
		}
		/* A continuation line starts with a space and has more. */
		if (!first && (p[0] == ' ' || p[0] == '\t'))
			FUZZ_CHECK(len > 1);
		FUZZ_CHECK(len > 0);
		first = 0;
		p = e + 2;
	}
}

static void
check_prop(icalcomponent *ev, icalproperty_kind kind, const char *want,
    size_t wantlen)
{
	icalproperty *p;
	const char *got;

	p = icalcomponent_get_first_property(ev, kind);
	if (!plain_text(want, wantlen))
		return;
	/* libical's parser drops blanks around a value (issue 358). */
	while (wantlen > 0 && (*want == ' ' || *want == '\t')) {
		want++;
		wantlen--;
	}
	while (wantlen > 0 && (want[wantlen - 1] == ' ' ||
	    want[wantlen - 1] == '\t'))
		wantlen--;
	if (wantlen == 0) {
		/* "SUMMARY:" with nothing: libical drops or empties it. */
		got = p != NULL ? icalproperty_get_value_as_string(p) : NULL;
		FUZZ_CHECK(got == NULL || got[0] == '\0');
		return;
	}
	FUZZ_CHECK(p != NULL);
	FUZZ_CHECK(icalcomponent_get_next_property(ev, kind) == NULL);
	switch (kind) {
	case ICAL_SUMMARY_PROPERTY:
		got = icalproperty_get_summary(p);
		break;
	case ICAL_LOCATION_PROPERTY:
		got = icalproperty_get_location(p);
		break;
	default:
		got = icalproperty_get_description(p);
		break;
	}
	if (got == NULL || strlen(got) != wantlen ||
	    memcmp(got, want, wantlen) != 0) {
		fprintf(stderr, "%s: wrote \"%.*s\", read back \"%s\"\n",
		    icalproperty_kind_to_string(kind), (int)wantlen, want,
		    got != NULL ? got : "(null)");
		FUZZ_CHECK(!"text does not read back");
	}
}

/*
 * 1 if nothing of s is written, or only blanks: ical.h drops control
 * characters other than TAB and line breaks, and bytes that are not
 * UTF-8; libical's parser drops blanks around a value (libical/libical
 * issue 358).
 */
static int
writes_empty(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i, k;

	for (i = 0; i < n; i += k) {
		if ((k = utf8_seq(p + i, n - i)) == 0) {
			k = 1;
			continue;
		}
		if (k > 1 || (p[i] > 0x20 && p[i] != 0x7f) ||
		    p[i] == '\n' || p[i] == '\r')
			return 0;
	}
	return 1;
}

/*
 * libical reads ev without error, but for "No value" on each property
 * written empty ("SUMMARY:" is valid RFC 5545; libical drops it).
 */
static void
check_errors(icalcomponent *ev, const char *text, int empty)
{
	icalproperty *p;
	const char *msg;
	int n = 0;

	for (p = icalcomponent_get_first_property(ev,
	    ICAL_XLICERROR_PROPERTY); p != NULL;
	    p = icalcomponent_get_next_property(ev, ICAL_XLICERROR_PROPERTY)) {
		msg = icalproperty_get_xlicerror(p);
		if (msg == NULL || strncmp(msg, "No value for ", 13) != 0 ||
		    ++n > empty) {
			fprintf(stderr, "libical: %s\nin:\n%s",
			    msg != NULL ? msg : "(null)", text);
			FUZZ_CHECK(!"libical reads it without error");
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icalcomponent *ev;
	char *part[NPARTS], *text;
	size_t len[NPARTS];

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (fuzz_split(data, size, NPARTS, part, len) == -1)
		return 0;
	text = feed_event_text(part[P_SUMMARY], part[P_LOCATION],
	    part[P_DESCRIPTION]);
	FUZZ_CHECK(text != NULL);
	check_lines(text);

	ev = icalcomponent_new_from_string(text);
	FUZZ_CHECK(ev != NULL);
	FUZZ_CHECK(icalcomponent_isa(ev) == ICAL_VEVENT_COMPONENT);
	check_errors(ev, text, writes_empty(part[P_SUMMARY]) +
	    writes_empty(part[P_LOCATION]) + writes_empty(part[P_DESCRIPTION]));
	check_prop(ev, ICAL_SUMMARY_PROPERTY, part[P_SUMMARY],
	    len[P_SUMMARY]);
	check_prop(ev, ICAL_LOCATION_PROPERTY, part[P_LOCATION],
	    len[P_LOCATION]);
	check_prop(ev, ICAL_DESCRIPTION_PROPERTY, part[P_DESCRIPTION],
	    len[P_DESCRIPTION]);
	icalcomponent_free(ev);
	free(text);
	fuzz_split_free(part, NPARTS);
	return 0;
}
