/*
 * test_followup.c - the client follow-up email as its reader sees it
 * (issue 14): every shipped followup template (subject, text, HTML) in
 * Spanish (usted and tú) and English, rendered for a contact with a given
 * name, a contact with a title, no contact, and a private person; the
 * salutations are asserted exactly, and no sentence is left with a hole
 * ("¿hablamos, ?", "o llamadme." without a number, "cómo van las cosas en
 * María Sánchez").  Templates are read from $srcdir/etc/templates.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "followup.h"
#include "render.h"

struct rendered {
	char	*subject, *text, *html;
};

static void
render(const struct render_set *t, const struct owner *o, const char *form,
    const char *kind, const char *name, const char *contact, struct rendered *out)
{
	json_object *d = followup_data(o, form, kind, name, contact,
	    "https://cartera.example/unsubscribe/TOKEN");
	char err[512];

	memset(out, 0, sizeof(*out));
	CHECK(d != NULL);
	if (d == NULL)
		return;
	if (render_message(t, "followup", o->lang, d, &out->subject, &out->text, &out->html,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "render: %s\n", err);
		CHECK(0);
	}
	json_object_put(d);
}

static void
rendered_free(struct rendered *r)
{
	free(r->subject);
	free(r->text);
	free(r->html);
}

/* The first line of the text body, and the HTML's first paragraph. */
static void
check_greeting(const struct rendered *r, const char *line, const char *subject)
{
	char first[256] = "", para[300];

	if (r->text == NULL || r->html == NULL || r->subject == NULL) {
		CHECK(0);
		return;
	}
	sscanf(r->text, "%255[^\n]", first);
	CHECK_STR(first, line);
	snprintf(para, sizeof(para), "<p>%s</p>", line);
	CHECK(strstr(r->html, para) != NULL);
	CHECK_STR(r->subject, subject);
}

static void
check_absent(const struct rendered *r, const char *s)
{
	CHECK(r->text == NULL || strstr(r->text, s) == NULL);
	CHECK(r->html == NULL || strstr(r->html, s) == NULL);
	CHECK(r->subject == NULL || strstr(r->subject, s) == NULL);
}

static void
check_present(const struct rendered *r, const char *s)
{
	CHECK(r->text != NULL && strstr(r->text, s) != NULL);
	CHECK(r->html != NULL && strstr(r->html, s) != NULL);
}

int
main(void)
{
	const char *srcdir = getenv("srcdir");
	char dir[1024], err[512];
	struct render_set *t = NULL;
	struct owner es = { .name = "Ana López", .email = "ana@example.com", .lang = "es" };
	struct owner en = { .name = "Ana López", .email = "ana@example.com", .lang = "en" };
	struct rendered r;

	snprintf(dir, sizeof(dir), "%s/etc/templates", srcdir != NULL && *srcdir ? srcdir : ".");
	if (render_load(NULL, dir, &t, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 99;
	}

	/* Spanish, usted (the default register). */
	render(t, &es, "usted", "company", "Talleres Pérez S.L.", "Andrés Gil", &r);
	check_greeting(&r, "Buenos días, Andrés:", "Ana López: ¿hablamos, Andrés?");
	check_present(&r, "cómo van las cosas en");
	check_present(&r, "Si necesita algo o quiere revisar su último pedido, responda a este correo.");
	check_absent(&r, "llámeme");	/* no phone: no "o llámeme" */
	check_absent(&r, "llamadme");
	check_absent(&r, "necesitáis");
	rendered_free(&r);
	render(t, &es, "usted", "company", "Clínica Dental Sonrisa", "Dr. Andrés Gil", &r);
	check_greeting(&r, "Estimado Dr. Gil:", "Ana López: ¿hablamos, Dr. Gil?");
	rendered_free(&r);
	render(t, &es, "usted", "company", "Clínica Dental Sonrisa", "Dra. Begoña Ibáñez Ruiz", &r);
	check_greeting(&r, "Estimada Dra. Ibáñez:", "Ana López: ¿hablamos, Dra. Ibáñez?");
	rendered_free(&r);
	render(t, &es, "usted", "company", "Talleres Pérez S.L.", NULL, &r);
	check_greeting(&r, "Buenos días:", "Ana López: ¿hablamos?");
	check_absent(&r, ", ?");
	rendered_free(&r);
	render(t, &es, "usted", "individual", "María Sánchez", NULL, &r);
	check_greeting(&r, "Buenos días, María:", "Ana López: ¿hablamos, María?");
	check_present(&r, "quería saber qué tal le va.");
	check_absent(&r, "las cosas en");
	rendered_free(&r);

	/* Spanish, tú. */
	render(t, &es, "tú", "company", "Talleres Pérez S.L.", "Andrés Gil", &r);
	check_greeting(&r, "Hola, Andrés:", "Ana López: ¿hablamos, Andrés?");
	check_present(&r, "Si necesitas algo o quieres revisar tu último pedido, responde a este correo.");
	check_absent(&r, "necesitáis");
	check_absent(&r, "responda");
	rendered_free(&r);
	render(t, &es, "tú", "company", "Clínica Dental Sonrisa", "Dr. Andrés Gil", &r);
	check_greeting(&r, "Hola, Dr. Gil:", "Ana López: ¿hablamos, Dr. Gil?");
	rendered_free(&r);
	render(t, &es, "tú", "company", "Talleres Pérez S.L.", NULL, &r);
	check_greeting(&r, "Hola:", "Ana López: ¿hablamos?");
	rendered_free(&r);
	render(t, &es, "tú", "individual", "María Sánchez", NULL, &r);
	check_greeting(&r, "Hola, María:", "Ana López: ¿hablamos, María?");
	check_present(&r, "quería saber qué tal te va.");
	rendered_free(&r);

	/* English. */
	render(t, &en, "usted", "company", "Talleres Pérez S.L.", "Andrés Gil", &r);
	check_greeting(&r, "Hello Andrés,", "Ana López: shall we catch up, Andrés?");
	check_present(&r, "how things are going at");
	check_present(&r, "just reply to this email.");
	check_absent(&r, "call me");
	rendered_free(&r);
	render(t, &en, "usted", "company", "Clínica Dental Sonrisa", "Dr. Andrés Gil", &r);
	check_greeting(&r, "Dear Dr. Gil,", "Ana López: shall we catch up, Dr. Gil?");
	rendered_free(&r);
	render(t, &en, "usted", "company", "Talleres Pérez S.L.", NULL, &r);
	check_greeting(&r, "Hello,", "Ana López: shall we catch up?");
	rendered_free(&r);
	render(t, &en, "usted", "individual", "María Sánchez", NULL, &r);
	check_greeting(&r, "Hello María,", "Ana López: shall we catch up, María?");
	check_present(&r, "how you are getting on.");
	check_absent(&r, "going at");
	rendered_free(&r);

	/* The salesperson's phone and signature. */
	es.phone = "+34 600 111 222";
	es.signature = "Ana López\nDirectora comercial\nTalleres Pérez";
	render(t, &es, "usted", "company", "Talleres Pérez S.L.", "Andrés Gil", &r);
	check_present(&r, "responda a este correo o llámeme al ");
	CHECK(r.text != NULL && strstr(r.text, "Un saludo,\nAna López\nDirectora comercial\n"
	    "Talleres Pérez\n") != NULL);
	CHECK(r.html != NULL && strstr(r.html, "Directora comercial<br>") != NULL);
	CHECK(r.html != NULL && strstr(r.html, "href=\"tel:") != NULL);
	rendered_free(&r);
	en.phone = "+34 600 111 222";
	render(t, &en, "usted", "company", "Talleres Pérez S.L.", NULL, &r);
	check_present(&r, "just reply to this email or call me on ");
	CHECK(r.text != NULL && strstr(r.text, "Best regards,\nAna López\n+34 600 111 222\n"
	    "ana@example.com\n") != NULL);
	rendered_free(&r);

	render_free(t);
	return check_done("test_followup");
}
