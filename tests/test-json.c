/*
 * Unit tests of src/json.c and src/json-leak.c: values, escapes as sockstrace writes
 * them (\u00XX is a byte), what is refused and where, and a leak object read back.
 */

#include <errno.h>
#include <string.h>

#include "json-leak.h"
#include "json.h"
#include "tap.h"

/* Parses text; returns the rc, with the error's offset in *where. */
static int parse(const char *text, struct json *v, size_t *where)
{
	const char *why = NULL;
	int rc = json_parse(text, strlen(text), v, where, &why);

	if (rc == 0)
		return 0;
	diag("%s: %s at %zu", text, why, *where);
	return rc;
}

static void refused(const char *text, size_t at, const char *what)
{
	struct json v;
	size_t where = 999;

	ok(parse(text, &v, &where) == -EINVAL && where == at, "refused at %zu: %s", at, what);
}

int main(void)
{
	struct json v;
	size_t where;
	uint64_t u;

	ok(parse(" {\"a\":[1,-2.5e3,true,false,null],\"b\":\"x\"} ", &v, &where) == 0,
	   "an object with every kind of value");
	ok(json_get(&v, "a")->n == 5 && json_get(&v, "a")->items[1].number == -2500 &&
	   json_get(&v, "a")->items[2].boolean && json_get(&v, "a")->items[4].type == JSON_NULL,
	   "its array items");
	is_str(json_get_string(&v, "b"), "x", "a string member");
	ok(json_get(&v, "c") == NULL && json_get_string(&v, "a") == NULL,
	   "absent members and members of another type");
	json_free(&v);

	ok(parse("\"\\u00e9\\ud83d\\ude00\\u20ac\\n\\\"\\\\\\/\"", &v, &where) == 0 &&
	   strcmp(v.string, "\xe9\xf0\x9f\x98\x80\xe2\x82\xac\n\"\\/") == 0,
	   "\\u00XX is that byte; higher code points and surrogate pairs are UTF-8");
	json_free(&v);

	ok(parse("{\"n\":18446744073709551615,\"h\":\"0x7fd1312497c0\",\"m\":-1,\"f\":1.5}", &v,
		 &where) == 0, "numbers");
	ok(json_get_u64(&v, "n", &u) == 0 && u == UINT64_MAX, "a 64-bit number exactly");
	ok(json_get_u64(&v, "h", &u) == 0 && u == 0x7fd1312497c0, "a hex string");
	ok(json_get_u64(&v, "m", &u) == -EINVAL && json_get_u64(&v, "f", &u) == -EINVAL &&
	   json_get_u64(&v, "zz", &u) == -ENOENT, "negative, fraction, absent");
	json_free(&v);

	refused("{\"a\":1,}", 7, "a trailing comma");
	refused("{\"a\":1} x", 8, "text after the value");
	refused("\"a\\u0000b\"", 8, "\\u0000 (the offset is past the escape)");
	refused("\"\\udc00\"", 7, "a lone low surrogate");
	refused("\"a\tb\"", 2, "a raw control character");
	refused("[01]", 2, "a leading zero");
	refused("nul", 0, "a cut literal");
	refused("", 0, "nothing");
	refused("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 32,
		"nesting past JSON_MAX_DEPTH");

	{
		static const char line[] =
			"{\"event\":\"leak\",\"time\":\"2026-12-01T23:43:01.282Z\",\"exe\":\"/tmp/x\","
			"\"syscall\":\"connect\",\"kind\":\"udp\",\"site\":\"2d8621d54c44\","
			"\"family\":\"AF_INET6\",\"address\":\"2001:db8::1\",\"port\":53,"
			"\"stack\":[{\"pc\":\"0x7f9a063af7c0\",\"function\":\"__connect\",\"offset\":16,"
			"\"module\":\"/lib/libc.so.6\",\"module_offset\":\"0x10a7c0\",\"file\":\"a.c\","
			"\"line\":7,\"inlined\":true}]}";
		struct json_leak l;
		const char *why = NULL;

		ok(parse(line, &v, &where) == 0 && json_leak_read(&v, &l, &why) == 1,
		   "a leak object is read");
		ok(l.leak.kind == KIND_UDP && l.leak.id == 0x2d8621d54c44, "its kind and site");
		is_str(l.leak.dest, "[2001:db8::1]:53", "its destination");
		ok(l.leak.n_frames == 1 && l.frames[0].pc == 0x7f9a063af7c0 &&
		   l.frames[0].module_offset == 0x10a7c0 && l.frames[0].line == 7 &&
		   l.frames[0].inlined && strcmp(l.frames[0].file, "a.c") == 0,
		   "its frame, every member");
		json_leak_free(&l);
		json_free(&v);
	}
	{
		struct json_leak l;
		const char *why = NULL;

		parse("{\"event\":\"summary\",\"leaks\":3}", &v, &where);
		is_int(json_leak_read(&v, &l, &why), 0, "a summary object is not a leak");
		json_free(&v);
		parse("{\"event\":\"leak\",\"time\":\"t\",\"kind\":\"warp\"}", &v, &where);
		ok(json_leak_read(&v, &l, &why) == -EINVAL && why, "an unknown kind: %s", why);
		json_free(&v);
		parse("{\"event\":\"leak\",\"time\":\"t\",\"kind\":\"tcp\",\"site\":\"xyz\"}", &v,
		      &where);
		ok(json_leak_read(&v, &l, &why) == -EINVAL, "a bad site: %s", why);
		json_free(&v);
		parse("{\"event\":\"leak\",\"time\":\"t\",\"kind\":\"tcp\",\"stack\":[{\"pc\":-1}]}",
		      &v, &where);
		ok(json_leak_read(&v, &l, &why) == -EINVAL, "a bad frame: %s", why);
		json_free(&v);
		parse("[1]", &v, &where);
		ok(json_leak_read(&v, &l, &why) == -EINVAL, "not an object: %s", why);
		json_free(&v);
	}
	return done_testing();
}
