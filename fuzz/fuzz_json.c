/*
 * Fuzz target: a line of a JSON Lines report, as sockstrace-report reads it
 * (src/json.c, src/json-leak.c), and the leak it holds counted at its site (src/sites.c).
 *
 * Input: the bytes of one line. Checked besides memory safety: a value that parses,
 * written out again canonically, parses to a value that writes out the same (the reader
 * keeps everything it accepts); a leak read from it can be added to a sites table, which
 * then holds one site with count 1 and a 12-digit id.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json-leak.h"
#include "json.h"
#include "sites.h"

/* A growable text the canonical writer appends to. */
struct text {
	char *s;    /* the text, NUL-terminated */
	size_t len; /* bytes in it */
	size_t cap; /* bytes allocated */
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		FUZZ_ASSERT(t->s);
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void put_string(struct text *t, const char *s)
{
	put(t, "\"", 1);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		char esc[8];
		if (*c == '"' || *c == '\\' || *c < 0x20 || *c >= 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *c);
			put(t, esc, 6);
		} else {
			put(t, (const char *)c, 1);
		}
	}
	put(t, "\"", 1);
}

/* Writes v canonically: no white space, every string byte past ASCII as \u00XX. */
static void write_value(struct text *t, const struct json *v)
{
	switch (v->type) {
	case JSON_NULL:
		put(t, "null", 4);
		break;
	case JSON_BOOL:
		put(t, v->boolean ? "true" : "false", v->boolean ? 4 : 5);
		break;
	case JSON_NUMBER:
		put(t, v->string, strlen(v->string));
		break;
	case JSON_STRING:
		put_string(t, v->string);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		put(t, v->type == JSON_ARRAY ? "[" : "{", 1);
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				put(t, ",", 1);
			if (v->type == JSON_OBJECT) {
				put_string(t, v->keys[i]);
				put(t, ":", 1);
			}
			write_value(t, &v->items[i]);
		}
		put(t, v->type == JSON_ARRAY ? "]" : "}", 1);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json v, again;
	struct text first = { 0 }, second = { 0 };
	struct json_leak l;
	const char *why = NULL;
	size_t where = 0;
	int rc = json_parse((const char *)data, size, &v, &where, &why);

	if (rc < 0) {
		FUZZ_ASSERT(rc == -EINVAL || rc == -ENOMEM);
		FUZZ_ASSERT(rc != -EINVAL || (why && where <= size));
		return 0;
	}
	write_value(&first, &v);
	FUZZ_ASSERT(json_parse(first.s, first.len, &again, &where, &why) == 0);
	write_value(&second, &again);
	FUZZ_ASSERT(first.len == second.len && memcmp(first.s, second.s, first.len) == 0);
	json_free(&again);

	rc = json_leak_read(&v, &l, &why);
	FUZZ_ASSERT(rc == 1 || rc == 0 || (rc == -EINVAL && why) || rc == -ENOMEM);
	if (rc == 1) {
		struct sites t;
		char id[SITE_ID_STRLEN];

		sites_init(&t);
		FUZZ_ASSERT(sites_add(&t, &l.leak) == 0);
		FUZZ_ASSERT(t.n == 1 && t.v[0].count == 1 && t.leaks == 1);
		site_id_format(t.v[0].id, id);
		FUZZ_ASSERT(strlen(id) == 12 && t.v[0].id != 0);
		sites_free(&t);
		json_leak_free(&l);
	}
	json_free(&v);
	free(first.s);
	free(second.s);
	return 0;
}
