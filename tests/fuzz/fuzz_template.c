/*
 * fuzz_template.c - libFuzzer harness for the Mustache engine
 * (daemon/template.c).
 *
 * Input: TEMPLATE \0 PARTIAL \0 PARTIAL ...  The template is checked with
 * template_check and rendered against a small fixed JSON object, with and
 * without TEMPLATE_NOESCAPE, into a buffer that already holds text.
 * Every partial name maps to one of the PARTIAL texts (by a hash of the
 * name), or to none when there are none.
 *
 * Properties: a template template_check refuses does not render; a
 * failed render leaves the buffer as it was and says why; a render never
 * writes more than TEMPLATE_MAX_OUTPUT bytes; the partial callback is
 * called at most TEMPLATE_MAX_PARTIALS times.
 */
#include "build.h"

#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "template.h"

#include "fuzz.h"

#define MAX_PARTIALS	4

struct partials {
	char	*src[MAX_PARTIALS];
	size_t	 n;
	size_t	 calls;
};

/* Built once, never changed: the data every template sees. */
static json_object *data;

/* Shaped like the digest's data (etc/templates), plus values of every
 * JSON type and text that needs escaping. */
static const char data_json[] =
    "{ \"name\": \"Talleres <P\\u00e9rez> & 'hijos' \\\"SL\\\"\","
    "  \"n\": 85, \"f\": 1.21, \"neg\": -0.5, \"big\": 1e300,"
    "  \"max\": 9223372036854775807, \"umax\": 18446744073709551615,"
    "  \"t\": true, \"no\": false, \"nil\": null, \"s\": \"\","
    "  \"nl\": \"a\\nb\\r\\nc\","
    "  \"list\": [ { \"a\": \"1\", \"kids\": [ 1, 2 ] }, { \"a\": \"<2>\" },"
    "      \"x\", 3, null, [ [ \"deep\" ] ] ],"
    "  \"empty\": [], \"obj\": { \"x\": \"y\", \"deep\": { \"z\": \"{{name}}\" } },"
    "  \"owner\": { \"name\": \"Ana Mar\\u00eda\", \"first_name\": \"Ana\","
    "      \"email\": \"ana@example.org\", \"phone\": \"+34 600 000 000\" },"
    "  \"date_long\": \"lunes, 2 de marzo de 2026\", \"nothing_due\": false,"
    "  \"red\": { \"any\": true, \"count\": 2, \"has_more\": true, \"more\": 5,"
    "      \"items\": [ { \"name\": \"Ana & Co\", \"phone\": \"+34 600\","
    "          \"contact\": \"Ana\", \"last_touch\": \"2026-01-02\","
    "          \"last_touch_kind\": \"llamada\", \"reason\": \"<b>vencido</b>\" },"
    "        { \"name\": \"Bob\", \"phone\": null, \"contact\": \"\" } ] },"
    "  \"yellow\": { \"any\": false, \"count\": 0, \"items\": [] },"
    "  \"activities\": { \"any\": true, \"count\": 1, \"items\": [ { \"time\":"
    "      \"09:30\", \"end_time\": \"10:00\", \"kind\": \"Visita\","
    "      \"client\": \"Panader\\u00eda\", \"location\": \"C/ Mayor 3\" } ] },"
    "  \"invoices\": { \"any\": true, \"count\": 1, \"total\": \"1.234,56 \\u20ac\","
    "      \"items\": [ { \"number\": \"F-1\", \"amount\": \"12,00 \\u20ac\","
    "          \"days_overdue_text\": \"3 d\\u00edas\" } ] },"
    "  \"unsubscribe_url\": \"https://cartera.example/unsubscribe/x?a=1&b=2\" }";

static const char *
partial_fn(const char *name, void *arg)
{
	struct partials *p = arg;
	unsigned h = 0;

	p->calls++;
	FUZZ_CHECK(name != NULL);
	if (p->n == 0)
		return NULL;
	for (; *name != '\0'; name++)
		h = h * 31 + (unsigned char)*name;
	return p->src[h % p->n];
}

/* Render src into a buffer holding "prefix"; check what a caller relies on. */
static int
render(const char *src, struct partials *p, int flags)
{
	static const char prefix[] = "prefix|";
	struct buf out = BUF_INIT;
	char err[256];
	int rv;

	buf_puts(&out, prefix);
	FUZZ_CHECK(!out.failed);
	err[0] = '\0';
	p->calls = 0;
	rv = template_render(src, data, partial_fn, p, flags, &out, err,
	    sizeof(err));
	FUZZ_CHECK(rv == 0 || rv == -1);
	FUZZ_CHECK(!out.failed);
	FUZZ_CHECK(out.data != NULL && out.data[out.len] == '\0');
	FUZZ_CHECK(out.len >= sizeof(prefix) - 1 &&
	    memcmp(out.data, prefix, sizeof(prefix) - 1) == 0);
	FUZZ_CHECK(p->calls <= TEMPLATE_MAX_PARTIALS);
	if (rv == -1) {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(out.len == sizeof(prefix) - 1);
	} else
		FUZZ_CHECK(out.len - (sizeof(prefix) - 1) <=
		    TEMPLATE_MAX_OUTPUT);
	buf_free(&out);
	return rv;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
	struct partials p;
	char *part[1 + MAX_PARTIALS], err[256];
	size_t len[1 + MAX_PARTIALS], i;
	int ok, r1, r2;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (data == NULL) {
		data = json_tokener_parse(data_json);
		FUZZ_CHECK(data != NULL);
	}
	if (fuzz_split(bytes, size, 1 + MAX_PARTIALS, part, len) == -1)
		return 0;
	memset(&p, 0, sizeof(p));
	for (i = 1; i <= MAX_PARTIALS; i++)
		if (len[i] > 0 || (i == 1 && size > len[0]))
			p.src[p.n++] = part[i];

	err[0] = '\0';
	ok = template_check(part[0], err, sizeof(err)) == 0;
	FUZZ_CHECK(ok || err[0] != '\0');
	r1 = render(part[0], &p, 0);
	r2 = render(part[0], &p, TEMPLATE_NOESCAPE);
	if (!ok)
		FUZZ_CHECK(r1 == -1 && r2 == -1);

	fuzz_split_free(part, 1 + MAX_PARTIALS);
	return 0;
}
