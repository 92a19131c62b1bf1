/* Leaks read back from a JSON Lines report (the objects src/report.c writes). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-leak.h"

/* The leak kind named s, or -1. */
static int kind_parse(const char *s)
{
	for (int k = KIND_TCP; k <= KIND_OTHER; k++)
		if (strcmp(leak_kind_name((enum leak_kind)k), s) == 0)
			return k;
	return -1;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* A frame of the "stack" array. Returns 0, or -EINVAL with *ret_why. */
static int frame_read(const struct json *v, struct frame *f, const char **ret_why)
{
	const struct json *inl = json_get(v, "inlined");
	uint64_t line = 0;
	int rc;

	*f = (struct frame){ 0 };
	if (v->type != JSON_OBJECT) {
		*ret_why = "a stack frame is not an object";
		return -EINVAL;
	}
	if (json_get_u64(v, "pc", &f->pc) == -EINVAL ||
	    json_get_u64(v, "offset", &f->offset) == -EINVAL ||
	    json_get_u64(v, "module_offset", &f->module_offset) == -EINVAL) {
		*ret_why = "a stack frame's pc, offset or module_offset is not a number";
		return -EINVAL;
	}
	rc = json_get_u64(v, "line", &line);
	if (rc == -EINVAL || line > UINT32_MAX) {
		*ret_why = "a stack frame's line is not a number";
		return -EINVAL;
	}
	f->line = (unsigned)line;
	copy(f->function, sizeof(f->function), json_get_string(v, "function"));
	copy(f->module, sizeof(f->module), json_get_string(v, "module"));
	copy(f->build_id, sizeof(f->build_id), json_get_string(v, "build_id"));
	copy(f->file, sizeof(f->file), json_get_string(v, "file"));
	f->inlined = inl && ((inl->type == JSON_BOOL && inl->boolean) ||
			     (inl->type == JSON_NUMBER && inl->number != 0));
	return 0;
}

static long port_of(const struct json *obj)
{
	uint64_t port;

	return json_get_u64(obj, "port", &port) == 0 && port <= 65535 ? (long)port : -1;
}

int json_leak_read(const struct json *obj, struct json_leak *ret, const char **ret_why)
{
	const char *event = json_get_string(obj, "event"), *kind, *time, *site;
	const struct json *stack;
	struct json_leak l = { 0 };
	int k;

	if (obj->type != JSON_OBJECT || !event) {
		*ret_why = "not a report object (no \"event\")";
		return -EINVAL;
	}
	if (strcmp(event, "leak") != 0 && strcmp(event, "leak_found") != 0)
		return 0;
	kind = json_get_string(obj, "kind");
	time = json_get_string(obj, "time");
	site = json_get_string(obj, "site");
	if (!kind || (k = kind_parse(kind)) < 0) {
		*ret_why = "a leak without a known \"kind\"";
		return -EINVAL;
	}
	if (!time) {
		*ret_why = "a leak without a \"time\"";
		return -EINVAL;
	}
	if (json_get_u64(obj, "seq", &l.seq) == -EINVAL) {
		*ret_why = "a leak whose \"seq\" is not a number";
		return -EINVAL;
	}
	if (site && site_id_parse(site, &l.leak.id) < 0) {
		*ret_why = "a leak whose \"site\" is not 12 hex digits";
		return -EINVAL;
	}
	stack = json_get(obj, "stack");
	if (stack && stack->type != JSON_ARRAY && stack->type != JSON_NULL) {
		*ret_why = "a leak whose \"stack\" is not an array";
		return -EINVAL;
	}
	if (stack && stack->type == JSON_ARRAY && stack->n) {
		size_t n = stack->n < SITE_STACK_MAX ? stack->n : SITE_STACK_MAX;
		l.frames = calloc(n, sizeof(*l.frames));
		if (!l.frames)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			if (frame_read(&stack->items[i], &l.frames[i], ret_why) < 0) {
				free(l.frames);
				return -EINVAL;
			}
		}
		l.leak.frames = l.frames;
		l.leak.n_frames = (int)n;
	}
	site_destination(l.dest, sizeof(l.dest), json_get_string(obj, "call"),
			 json_get_string(obj, "error"), json_get_string(obj, "family"),
			 json_get_string(obj, "address"), port_of(obj), json_get_string(obj, "path"));
	l.leak.kind = (enum leak_kind)k;
	l.leak.time = time;
	l.leak.syscall = json_get_string(obj, "syscall");
	l.leak.exe = json_get_string(obj, "exe");
	*ret = l;
	ret->leak.dest = ret->dest;
	return strcmp(event, "leak") == 0 ? 1 : 2;
}

void json_leak_free(struct json_leak *l)
{
	free(l->frames);
	*l = (struct json_leak){ 0 };
}
