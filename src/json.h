/* A small JSON reader (RFC 8259) for the reports sockstrace writes: one value into a
 * tree. Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting of arrays and objects accepted; deeper input is refused. */
#define JSON_MAX_DEPTH 32

enum json_type {
	JSON_NULL,   /* null */
	JSON_BOOL,   /* true or false: boolean */
	JSON_NUMBER, /* a number: number, and its text in string */
	JSON_STRING, /* a string: string, decoded */
	JSON_ARRAY,  /* an array: n items */
	JSON_OBJECT, /* an object: n members, keys[i] naming items[i] */
};

/* One value. */
struct json {
	enum json_type type; /* which of the members below mean something */
	bool boolean;        /* JSON_BOOL: its value */
	double number;       /* JSON_NUMBER: its value as a double */
	char *string;        /* JSON_STRING: decoded, NUL-terminated; JSON_NUMBER: its text */
	size_t n;            /* JSON_ARRAY, JSON_OBJECT: items (members) */
	struct json *items;  /* JSON_ARRAY: the items; JSON_OBJECT: the member values */
	char **keys;         /* JSON_OBJECT: the member names, decoded */
};

/*
 * Parses len bytes of text as exactly one JSON value (white space around it allowed).
 * Escapes \u0001 to \u00ff decode to the byte of that value, as sockstrace writes every
 * byte past ASCII; higher code points (surrogate pairs combined) to UTF-8. \u0000, lone
 * surrogates, raw control characters, nesting past JSON_MAX_DEPTH and trailing text are
 * refused. Returns 0 with *ret to be freed with json_free(), or -EINVAL with
 * *ret_where the byte offset of the error and *ret_why saying what it is (static
 * strings), or -ENOMEM.
 */
int json_parse(const char *text, size_t len, struct json *ret, size_t *ret_where,
	       const char **ret_why);
void json_free(struct json *v);

/* Member key of an object; NULL when v is not an object or has no such member (the
 * first one of that name when there are several). */
const struct json *json_get(const struct json *v, const char *key);
/* Member key as a string; NULL when absent or not a string. */
const char *json_get_string(const struct json *v, const char *key);
/* Member key as an unsigned integer: a number without sign, fraction or exponent, or a
 * string "0x..." in hex. Returns 0, -ENOENT when absent (or null), -EINVAL otherwise. */
int json_get_u64(const struct json *v, const char *key, uint64_t *ret);
