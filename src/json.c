/* A small JSON reader (RFC 8259) for the reports sockstrace writes. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* The parser's position in the text and its first error. */
struct parser {
	const char *p;   /* next byte */
	const char *end; /* past the last byte */
	const char *start; /* the text, for error offsets */
	const char *why; /* the first error, or NULL */
	const char *where; /* where it is */
	int depth;       /* arrays and objects open around p */
};

static int fail(struct parser *ps, const char *why)
{
	if (!ps->why) {
		ps->why = why;
		ps->where = ps->p;
	}
	return -EINVAL;
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

/* A growable byte buffer for decoded strings. */
struct buf {
	char *data;  /* the bytes, NUL-terminated when done */
	size_t len;  /* bytes used */
	size_t cap;  /* bytes allocated */
};

static int buf_put(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char *d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
	return 0;
}

static int hex4(struct parser *ps, unsigned *ret)
{
	unsigned v = 0;

	if (ps->end - ps->p < 4)
		return fail(ps, "a \\u escape needs four hex digits");
	for (int i = 0; i < 4; i++) {
		char c = *ps->p++;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(ps, "a \\u escape needs four hex digits");
	}
	*ret = v;
	return 0;
}

/* Writes code point cp (past U+00FF) as UTF-8. */
static int put_utf8(struct buf *b, unsigned cp)
{
	int rc;

	if (cp < 0x800) {
		rc = buf_put(b, (char)(0xc0 | cp >> 6));
	} else if (cp < 0x10000) {
		rc = buf_put(b, (char)(0xe0 | cp >> 12));
		if (rc == 0)
			rc = buf_put(b, (char)(0x80 | (cp >> 6 & 0x3f)));
	} else {
		rc = buf_put(b, (char)(0xf0 | cp >> 18));
		if (rc == 0)
			rc = buf_put(b, (char)(0x80 | (cp >> 12 & 0x3f)));
		if (rc == 0)
			rc = buf_put(b, (char)(0x80 | (cp >> 6 & 0x3f)));
	}
	return rc ? rc : buf_put(b, (char)(0x80 | (cp & 0x3f)));
}

static int unicode_escape(struct parser *ps, struct buf *b)
{
	unsigned cp, low;

	if (hex4(ps, &cp) < 0)
		return -EINVAL;
	if (cp == 0)
		return fail(ps, "\\u0000 has no place in a C string");
	if (cp <= 0xff)
		return buf_put(b, (char)cp);
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(ps, "a lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (!literal(ps, "\\u") || hex4(ps, &low) < 0 || low < 0xdc00 || low > 0xdfff)
			return fail(ps, "a high surrogate without its low surrogate");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
	}
	return put_utf8(b, cp);
}

/* Parses a string at ps->p (on its opening quote) into *ret (allocated). */
static int parse_string(struct parser *ps, char **ret)
{
	static const char escapes[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	struct buf b = { 0 };
	int rc = 0;

	ps->p++;
	while (rc == 0) {
		unsigned char c;

		if (ps->p >= ps->end) {
			rc = fail(ps, "a string without its closing quote");
			break;
		}
		c = (unsigned char)*ps->p++;
		if (c == '"')
			break;
		if (c < 0x20) {
			ps->p--;
			rc = fail(ps, "a control character in a string");
		} else if (c != '\\') {
			rc = buf_put(&b, (char)c);
		} else if (ps->p < ps->end && *ps->p == 'u') {
			ps->p++;
			rc = unicode_escape(ps, &b);
		} else {
			const char *e = NULL;
			for (size_t i = 0; ps->p < ps->end && i < sizeof(escapes) - 1 && !e; i += 2)
				if (escapes[i] == *ps->p)
					e = &escapes[i + 1];
			if (!e) {
				rc = fail(ps, "an unknown escape in a string");
			} else {
				ps->p++;
				rc = buf_put(&b, *e);
			}
		}
	}
	if (rc == 0 && !b.data)
		rc = buf_put(&b, '\0');
	if (rc < 0) {
		free(b.data);
		return rc;
	}
	b.data[b.len] = '\0';
	*ret = b.data;
	return 0;
}

static bool is_digit(struct parser *ps)
{
	return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

static int parse_number(struct parser *ps, struct json *v)
{
	const char *start = ps->p;
	size_t len;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (!is_digit(ps))
		return fail(ps, "a number needs a digit");
	if (*ps->p == '0')
		ps->p++;
	else
		while (is_digit(ps))
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!is_digit(ps))
			return fail(ps, "a fraction needs a digit");
		while (is_digit(ps))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!is_digit(ps))
			return fail(ps, "an exponent needs a digit");
		while (is_digit(ps))
			ps->p++;
	}
	len = (size_t)(ps->p - start);
	v->string = strndup(start, len);
	if (!v->string)
		return -ENOMEM;
	v->type = JSON_NUMBER;
	v->number = strtod(v->string, NULL);
	return 0;
}

static int parse_value(struct parser *ps, struct json *v);

/* Appends an item (and for an object its key) to v; returns it or NULL. */
static struct json *add_item(struct json *v, char *key)
{
	struct json *items = realloc(v->items, (v->n + 1) * sizeof(*items));

	if (!items)
		return NULL;
	v->items = items;
	if (v->type == JSON_OBJECT) {
		char **keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys)
			return NULL;
		v->keys = keys;
		keys[v->n] = key;
	}
	items[v->n] = (struct json){ .type = JSON_NULL };
	return &items[v->n++];
}

/* An array or object, at ps->p on its opening bracket; v->type is set. */
static int parse_container(struct parser *ps, struct json *v)
{
	char close = v->type == JSON_ARRAY ? ']' : '}';
	int rc;

	if (++ps->depth > JSON_MAX_DEPTH)
		return fail(ps, "nested too deep");
	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		struct json *item;

		skip_space(ps);
		if (v->type == JSON_OBJECT) {
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "an object member needs a string key");
			rc = parse_string(ps, &key);
			if (rc < 0)
				return rc;
			skip_space(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				return fail(ps, "a key needs a colon");
			}
			ps->p++;
		}
		item = add_item(v, key);
		if (!item) {
			free(key);
			return -ENOMEM;
		}
		rc = parse_value(ps, item);
		if (rc < 0)
			return rc;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return 0;
		}
		return fail(ps, v->type == JSON_ARRAY ? "an array needs a comma or ]"
						      : "an object needs a comma or }");
	}
}

static int parse_value(struct parser *ps, struct json *v)
{
	skip_space(ps);
	*v = (struct json){ .type = JSON_NULL };
	if (ps->p >= ps->end)
		return fail(ps, "a value is missing");
	switch (*ps->p) {
	case '{':
		v->type = JSON_OBJECT;
		return parse_container(ps, v);
	case '[':
		v->type = JSON_ARRAY;
		return parse_container(ps, v);
	case '"':
		v->type = JSON_STRING;
		return parse_string(ps, &v->string);
	case 't':
	case 'f':
		v->type = JSON_BOOL;
		v->boolean = *ps->p == 't';
		return literal(ps, v->boolean ? "true" : "false") ? 0 : fail(ps, "not a value");
	case 'n':
		return literal(ps, "null") ? 0 : fail(ps, "not a value");
	default:
		if (*ps->p != '-' && (*ps->p < '0' || *ps->p > '9'))
			return fail(ps, "not a value");
		return parse_number(ps, v);
	}
}

int json_parse(const char *text, size_t len, struct json *ret, size_t *ret_where,
	       const char **ret_why)
{
	struct parser ps = { .p = text, .end = text + len, .start = text };
	struct json v;
	int rc = parse_value(&ps, &v);

	if (rc == 0) {
		skip_space(&ps);
		if (ps.p != ps.end)
			rc = fail(&ps, "text after the value");
	}
	if (rc < 0) {
		json_free(&v);
		if (rc == -EINVAL) {
			*ret_where = (size_t)(ps.where - ps.start);
			*ret_why = ps.why;
		}
		return rc;
	}
	*ret = v;
	return 0;
}

void json_free(struct json *v)
{
	for (size_t i = 0; i < v->n; i++) {
		json_free(&v->items[i]);
		if (v->type == JSON_OBJECT)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->string);
	*v = (struct json){ .type = JSON_NULL };
}

const struct json *json_get(const struct json *v, const char *key)
{
	if (v->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return &v->items[i];
	return NULL;
}

const char *json_get_string(const struct json *v, const char *key)
{
	const struct json *m = json_get(v, key);

	return m && m->type == JSON_STRING ? m->string : NULL;
}

int json_get_u64(const struct json *v, const char *key, uint64_t *ret)
{
	const struct json *m = json_get(v, key);
	const char *digits;
	char *end;
	int base = 10;
	uint64_t n;

	if (!m || m->type == JSON_NULL)
		return -ENOENT;
	if (m->type == JSON_STRING && strncmp(m->string, "0x", 2) == 0) {
		digits = m->string + 2;
		base = 16;
	} else if (m->type == JSON_NUMBER) {
		digits = m->string;
	} else {
		return -EINVAL;
	}
	if (!*digits || *digits == '-' || *digits == '+' || *digits == ' ')
		return -EINVAL;
	errno = 0;
	n = strtoull(digits, &end, base);
	if (errno || *end)
		return -EINVAL;
	*ret = n;
	return 0;
}
