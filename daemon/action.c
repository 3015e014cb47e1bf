/*
 * action.c - the one-click actions' names and links (see action.h).
 *
 * Must not decide what an action does, nor touch the store: it reads the
 * digest's data and adds links to it.
 */
#include "build.h"

#include <stdio.h>
#include <string.h>

#include "action.h"
#include "buf.h"

static const struct action_def defs[] = {
	{ "call", ACTION_CLIENT, "Hecho: llamada", "Done: call" },
	{ "visit", ACTION_CLIENT, "Hecho: visita", "Done: visit" },
	{ "waiting", ACTION_CLIENT, "Esperando respuesta", "Waiting for an answer" },
	{ "snooze3", ACTION_CLIENT, "Posponer 3 días", "Snooze 3 days" },
	{ "snooze7", ACTION_CLIENT, "1 semana", "1 week" },
	{ "done", ACTION_ACTIVITY, "Hecha", "Done" },
	{ "cancel", ACTION_ACTIVITY, "No se hizo", "Did not happen" },
	{ "replan", ACTION_ACTIVITY, "Cambiar fecha", "Change the date" },
	{ "paid", ACTION_INVOICE, "Cobrada", "Paid" },
};

static const struct action_def open_defs[] = {
	{ "open", ACTION_CLIENT, "Abrir", "Open" },
	{ "open", ACTION_ACTIVITY, "Abrir", "Open" },
	{ "open", ACTION_INVOICE, "Abrir", "Open" },
};

const struct action_def *
action_find(char kind, const char *code)
{
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (defs[i].kind == kind && strcmp(defs[i].code, code) == 0)
			return &defs[i];
	for (size_t i = 0; i < sizeof(open_defs) / sizeof(open_defs[0]); i++)
		if (open_defs[i].kind == kind && strcmp(code, "open") == 0)
			return &open_defs[i];
	return NULL;
}

const char *
action_label(const struct action_def *a, const char *lang)
{
	return lang != NULL && strcmp(lang, "en") == 0 ? a->en : a->es;
}

/* One signed URL, BASE/act/OWNER/KIND/ID/CODE/EXPIRES/MAC, into b. */
static int
link_url(const struct owner *o, const struct action_links *al, char kind, long long id,
    const char *code, struct buf *b)
{
	struct sign_link l;

	memset(&l, 0, sizeof(l));
	l.owner = o->id;
	l.kind = kind;
	l.object = id;
	snprintf(l.action, sizeof(l.action), "%s", code);
	l.expires = (long long)al->expires;
	buf_reset(b);
	buf_printf(b, "%s/act/", al->base);
	return sign_link_make(al->key, &l, o->page_token, b);
}

/* "actions" and "open_url" of one item (an object with "id"). */
static int
item_links(struct jsonb *jb, json_object *item, const struct owner *o,
    const struct action_links *al, char kind, struct buf *b)
{
	json_object *idv, *arr;
	long long id;

	if (!json_object_object_get_ex(item, "id", &idv))
		return 0;
	id = json_object_get_int64(idv);
	if ((arr = jsonb_array(jb)) == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
		json_object *a;

		if (defs[i].kind != kind)
			continue;
		if (link_url(o, al, kind, id, defs[i].code, b) == -1) {
			json_object_put(arr);
			return -1;
		}
		a = jsonb_object(jb);
		jsonb_str(jb, a, "code", defs[i].code);
		jsonb_str(jb, a, "label", action_label(&defs[i], o->lang));
		jsonb_str(jb, a, "url", b->data);
		jsonb_append(jb, arr, a);
	}
	jsonb_put(jb, item, "actions", arr);
	jsonb_bool(jb, item, "has_actions", 1);
	if (link_url(o, al, kind, id, "open", b) == -1)
		return -1;
	jsonb_str(jb, item, "open_url", b->data);
	return 0;
}

/* Sections of digest data and the kind of their items. */
static const struct {
	const char	*name;
	char		 kind;
} sections[] = {
	{ "missed", ACTION_ACTIVITY }, { "activities", ACTION_ACTIVITY },
	{ "red", ACTION_CLIENT }, { "yellow", ACTION_CLIENT }, { "green", ACTION_CLIENT },
	{ "inactive", ACTION_CLIENT }, { "invoices", ACTION_INVOICE },
};

static json_object *
section_items(json_object *d, const char *name)
{
	json_object *s, *items;

	if (!json_object_object_get_ex(d, name, &s) ||
	    !json_object_object_get_ex(s, "items", &items) ||
	    !json_object_is_type(items, json_type_array))
		return NULL;
	return items;
}

int
action_links(json_object *d, const struct owner *o, const struct action_links *al,
    char *err, size_t errlen)
{
	struct buf b = BUF_INIT;
	struct jsonb jb = JSONB_INIT;

	if (o->page_token == NULL) {
		snprintf(err, errlen, "%s has no page token: no action links", o->email);
		return -1;
	}
	for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
		json_object *items = section_items(d, sections[s].name);
		size_t n = items != NULL ? json_object_array_length(items) : 0;

		for (size_t i = 0; i < n; i++) {
			if (item_links(&jb, json_object_array_get_idx(items, i), o, al,
			    sections[s].kind, &b) == -1 || b.failed || jsonb_failed(&jb)) {
				buf_free(&b);
				snprintf(err, errlen, "cannot sign the digest's links (out of memory)");
				return -1;
			}
		}
	}
	buf_free(&b);
	return 0;
}

json_object *
action_list(struct jsonb *jb, char kind, const char *lang)
{
	json_object *arr = jsonb_array(jb);

	for (size_t i = 0; arr != NULL && i < sizeof(defs) / sizeof(defs[0]); i++) {
		json_object *a;

		if (defs[i].kind != kind)
			continue;
		a = jsonb_object(jb);
		jsonb_str(jb, a, "code", defs[i].code);
		jsonb_str(jb, a, "label", action_label(&defs[i], lang));
		jsonb_bool(jb, a, "is_replan", strcmp(defs[i].code, "replan") == 0);
		jsonb_append(jb, arr, a);
	}
	return arr;
}

void
action_buttons(struct jsonb *jb, json_object *d, const char *lang)
{
	char k[2] = { 0, 0 };

	for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
		json_object *items = section_items(d, sections[s].name);
		size_t n = items != NULL ? json_object_array_length(items) : 0;

		k[0] = sections[s].kind;
		for (size_t i = 0; i < n; i++) {
			json_object *item = json_object_array_get_idx(items, i);

			jsonb_put(jb, item, "actions", action_list(jb, sections[s].kind, lang));
			jsonb_str(jb, item, "obj_kind", k);
		}
	}
}
