/* Leak sites: a stable hash of where a leak happened, and leaks grouped by it. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "sites.h"

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)
#define SITE_ID_MASK UINT64_C(0xffffffffffff)

static uint64_t fnv_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* Hashes s and a separator that no string contains, so that "ab","c" differs from "a","bc". */
static uint64_t fnv_string(uint64_t h, const char *s)
{
	return fnv_bytes(fnv_bytes(h, s ? s : "", s ? strlen(s) : 0), "", 1);
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "";
}

bool site_system_library(const char *module)
{
	static const char *const prefixes[] = {
		"libc.so", "libc-2.", "libc.musl", "libresolv", "libnss_", "libanl", "libpthread",
		"ld-linux", "ld-musl", "ld-2.", "ld64.so",
	};
	const char *base = base_name(module);

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncmp(base, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

uint64_t site_id(enum leak_kind kind, const char *syscall, const char *exe,
		 const struct frame *frames, int n_frames)
{
	uint64_t h = fnv_string(FNV_OFFSET, leak_kind_name(kind));
	char hex[24];
	int used = 0;

	for (int i = 0; i < n_frames && used < SITE_FRAMES; i++) {
		const struct frame *f = &frames[i];

		if (f->inlined || site_system_library(f->module))
			continue;
		snprintf(hex, sizeof(hex), "%" PRIx64, f->module_offset);
		if (f->build_id[0]) {
			h = fnv_string(fnv_string(fnv_string(h, "b"), f->build_id), hex);
		} else {
			h = fnv_string(fnv_string(h, "m"), base_name(f->module));
			h = fnv_string(h, f->function[0] ? f->function : hex);
		}
		used++;
	}
	if (used == 0)
		h = fnv_string(fnv_string(fnv_string(h, "x"), syscall), base_name(exe));
	h = (h ^ (h >> 48)) & SITE_ID_MASK;
	return h ? h : 1;
}

void site_id_format(uint64_t id, char buf[SITE_ID_STRLEN])
{
	snprintf(buf, SITE_ID_STRLEN, "%012" PRIx64, id & SITE_ID_MASK);
}

int site_id_parse(const char *s, uint64_t *ret_id)
{
	uint64_t id = 0;

	if (!s || strlen(s) != SITE_ID_STRLEN - 1)
		return -EINVAL;
	for (const char *c = s; *c; c++) {
		if (*c >= '0' && *c <= '9')
			id = id << 4 | (uint64_t)(*c - '0');
		else if (*c >= 'a' && *c <= 'f')
			id = id << 4 | (uint64_t)(*c - 'a' + 10);
		else
			return -EINVAL;
	}
	if (id == 0)
		return -EINVAL;
	*ret_id = id;
	return 0;
}

void site_destination(char *buf, size_t size, const char *call, const char *error,
		      const char *family, const char *address, long port, const char *path)
{
	if (call && *call)
		snprintf(buf, size, "%s", call);
	else if (error && *error)
		snprintf(buf, size, "%s", error);
	else if (path && *path)
		snprintf(buf, size, "unix:%s", path);
	else if (address && *address && port >= 0)
		snprintf(buf, size, strchr(address, ':') ? "[%s]:%ld" : "%s:%ld", address, port);
	else if (address && *address)
		snprintf(buf, size, "%s", address);
	else
		snprintf(buf, size, "%s", family && *family ? family : "unknown destination");
}

void site_frame_format(const struct frame *f, char *buf, size_t size)
{
	int n;

	if (f->function[0])
		n = snprintf(buf, size, "%s+0x%" PRIx64, f->function, f->offset);
	else
		n = snprintf(buf, size, "??");
	if (n < 0 || (size_t)n >= size)
		return;
	if (f->module[0])
		n += snprintf(buf + n, size - (size_t)n, " (%s+0x%" PRIx64 ")", f->module,
			      f->module_offset);
	else
		n += snprintf(buf + n, size - (size_t)n, " ([anonymous])");
	if (n < 0 || (size_t)n >= size)
		return;
	if (f->file[0] && f->line)
		snprintf(buf + n, size - (size_t)n, " at %s:%u%s", f->file, f->line,
			 f->inlined ? " (inlined)" : "");
	else if (f->inlined)
		snprintf(buf + n, size - (size_t)n, " (inlined)");
}

void sites_init(struct sites *t)
{
	*t = (struct sites){ 0 };
}

static void site_free(struct site *s)
{
	free(s->syscall);
	free(s->exe);
	for (size_t i = 0; i < s->n_dests; i++)
		free(s->dests[i]);
	free(s->stack);
}

void sites_free(struct sites *t)
{
	for (size_t i = 0; i < t->n; i++)
		site_free(&t->v[i]);
	free(t->v);
	sites_init(t);
}

static void copy_time(char dst[SITE_TIME_STRLEN], const char *time)
{
	snprintf(dst, SITE_TIME_STRLEN, "%s", time ? time : "");
}

/* A new site for l, its first leak. Returns it, or NULL when out of memory. */
static struct site *site_new(struct sites *t, const struct site_leak *l, uint64_t id)
{
	int n_frames = l->n_frames < SITE_STACK_MAX ? l->n_frames : SITE_STACK_MAX;
	struct site s = { .id = id, .kind = l->kind, .n_frames = n_frames > 0 ? n_frames : 0 };
	struct site *v;

	if (!t->v) {
		t->v = calloc(SITES_MAX, sizeof(*t->v));
		if (!t->v)
			return NULL;
	}
	s.syscall = strdup(l->syscall ? l->syscall : "");
	s.exe = strdup(l->exe ? l->exe : "");
	if (s.n_frames)
		s.stack = malloc((size_t)s.n_frames * sizeof(*s.stack));
	if (!s.syscall || !s.exe || (s.n_frames && !s.stack)) {
		site_free(&s);
		return NULL;
	}
	if (s.n_frames)
		memcpy(s.stack, l->frames, (size_t)s.n_frames * sizeof(*s.stack));
	copy_time(s.first, l->time);
	copy_time(s.last, l->time);
	v = &t->v[t->n++];
	*v = s;
	return v;
}

static void site_note_dest(struct site *s, const char *dest)
{
	char *copy;

	if (!dest || !*dest)
		return;
	for (size_t i = 0; i < s->n_dests; i++)
		if (strcmp(s->dests[i], dest) == 0)
			return;
	if (s->n_dests == SITE_DESTS_MAX || !(copy = strdup(dest))) {
		s->dests_truncated = true;
		return;
	}
	s->dests[s->n_dests++] = copy;
}

int sites_add(struct sites *t, const struct site_leak *l)
{
	uint64_t id = l->id ? l->id
			    : site_id(l->kind, l->syscall, l->exe, l->frames, l->n_frames);
	struct site *s = NULL;

	t->leaks++;
	for (size_t i = 0; i < t->n && !s; i++)
		if (t->v[i].id == id)
			s = &t->v[i];
	if (!s) {
		if (t->n == SITES_MAX) {
			t->dropped_leaks++;
			return 0;
		}
		s = site_new(t, l, id);
		if (!s) {
			t->dropped_leaks++;
			return -ENOMEM;
		}
	} else if (l->time && *l->time) {
		if (!s->first[0] || strcmp(l->time, s->first) < 0)
			copy_time(s->first, l->time);
		if (strcmp(l->time, s->last) > 0)
			copy_time(s->last, l->time);
	}
	s->count++;
	site_note_dest(s, l->dest);
	return 0;
}

const struct frame *site_caller(const struct site *s)
{
	for (int i = 0; i < s->n_frames; i++)
		if (!s->stack[i].inlined && !site_system_library(s->stack[i].module))
			return &s->stack[i];
	return NULL;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

const struct frame *site_source_frame(const struct site *s)
{
	static const char *const system_dirs[] = { "/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/" };

	for (int i = 0; i < s->n_frames; i++) {
		const struct frame *f = &s->stack[i];
		bool system = site_system_library(f->module) || has_prefix(f->file, "/usr/include/");

		for (size_t d = 0; d < ARRAY_SIZE(system_dirs) && !system; d++)
			system = has_prefix(f->module, system_dirs[d]);
		if (!system && f->file[0] && f->line)
			return f;
	}
	return NULL;
}

void site_title(const struct site *s, char *buf, size_t size)
{
	const struct frame *caller = site_caller(s);
	const char *exe = base_name(s->exe);
	int n = snprintf(buf, size, "%s leak", leak_kind_name(s->kind));

	if (n < 0 || (size_t)n >= size)
		return;
	if (s->syscall[0])
		n += snprintf(buf + n, size - (size_t)n, " by %s", s->syscall);
	if (n < 0 || (size_t)n >= size)
		return;
	if (caller && caller->function[0])
		n += snprintf(buf + n, size - (size_t)n, " in %s", caller->function);
	if (n >= 0 && (size_t)n < size && *exe)
		snprintf(buf + n, size - (size_t)n, " (%s)", exe);
}

void site_dests_format(const struct site *s, size_t show, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n_dests && i < show && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", s->dests[i]);
	if (n >= size)
		return;
	if (s->n_dests > show)
		snprintf(buf + n, size - n, " and %zu%s more", s->n_dests - show,
			 s->dests_truncated ? "+" : "");
	else if (s->dests_truncated)
		snprintf(buf + n, size - n, " and more");
}
