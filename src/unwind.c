/* Call stacks of stopped tracee threads, with libunwind-ptrace. */

#include <errno.h>
#include <inttypes.h>
#include <libunwind-ptrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "unwind.h"

/* A process whose address space libunwind knows. */
struct space {
	pid_t tgid;            /* the process; 0 for a free slot */
	unw_addr_space_t as;   /* libunwind's address space, caching on */
	uint64_t maps_hash;    /* hash of /proc/TGID/maps when the cache was last valid */
};

/* Enough for the processes that leak at once; the oldest slot is reused. */
static struct space spaces[32];
static size_t next_victim;

/* One line of /proc/PID/maps. */
struct mapping {
	uint64_t start, end, offset;
	char path[256];
};

/* Reads /proc/TGID/maps into maps (at most max) and hashes its text (FNV-1a). */
static size_t read_maps(pid_t tgid, struct mapping *maps, size_t max, uint64_t *ret_hash)
{
	char path[64], line[512];
	_cleanup_fclose_ FILE *f = NULL;
	uint64_t h = 14695981039346656037ULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", tgid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		struct mapping m = { 0 };
		int name_at = 0;

		for (const char *c = line; *c; c++)
			h = (h ^ (uint8_t)*c) * 1099511628211ULL;
		if (n >= max || sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*s %n",
				       &m.start, &m.end, &m.offset, &name_at) < 3)
			continue;
		if (name_at > 0 && line[name_at] == '/') {
			snprintf(m.path, sizeof(m.path), "%s", line + name_at);
			m.path[strcspn(m.path, "\n")] = '\0';
		}
		maps[n++] = m;
	}
	*ret_hash = h;
	return n;
}

/* The cached address space of tgid, flushed when its mappings changed. */
static unw_addr_space_t space_get(pid_t tgid, uint64_t maps_hash)
{
	struct space *s = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(spaces); i++)
		if (spaces[i].tgid == tgid)
			s = &spaces[i];
	if (s) {
		if (s->maps_hash != maps_hash)
			unw_flush_cache(s->as, 0, 0);
		s->maps_hash = maps_hash;
		return s->as;
	}
	s = &spaces[next_victim];
	next_victim = (next_victim + 1) % ARRAY_SIZE(spaces);
	if (s->tgid)
		unw_destroy_addr_space(s->as);
	s->tgid = 0;
	s->as = unw_create_addr_space(&_UPT_accessors, 0);
	if (!s->as)
		return NULL;
	unw_set_caching_policy(s->as, UNW_CACHE_GLOBAL);
	s->tgid = tgid;
	s->maps_hash = maps_hash;
	return s->as;
}

void unwind_forget(pid_t tgid)
{
	for (size_t i = 0; i < ARRAY_SIZE(spaces); i++)
		if (spaces[i].tgid == tgid) {
			unw_destroy_addr_space(spaces[i].as);
			spaces[i] = (struct space){ 0 };
		}
}

static void describe_frame(unw_cursor_t *cur, const struct mapping *maps, size_t n_maps,
			   struct frame *f)
{
	unw_word_t ip = 0, off = 0;

	unw_get_reg(cur, UNW_REG_IP, &ip);
	*f = (struct frame){ .pc = ip };
	if (unw_get_proc_name(cur, f->function, sizeof(f->function), &off) == 0)
		f->offset = off;
	else
		f->function[0] = '\0';
	for (size_t i = 0; i < n_maps; i++)
		if (ip >= maps[i].start && ip < maps[i].end) {
			snprintf(f->module, sizeof(f->module), "%s", maps[i].path);
			f->module_offset = ip - maps[i].start + maps[i].offset;
			break;
		}
}

int unwind_stack(pid_t tgid, pid_t tid, struct frame *frames, size_t max, const char **ret_why)
{
	static struct mapping maps[4096];
	unw_addr_space_t as;
	unw_cursor_t cur;
	uint64_t hash;
	size_t n_maps, n = 0;
	void *upt;

	n_maps = read_maps(tgid, maps, ARRAY_SIZE(maps), &hash);
	if (n_maps == 0) {
		*ret_why = "process is gone";
		return -ESRCH;
	}
	as = space_get(tgid, hash);
	upt = as ? _UPT_create(tid) : NULL;
	if (!upt) {
		*ret_why = "out of memory";
		return -ENOMEM;
	}
	if (unw_init_remote(&cur, as, upt) < 0) {
		_UPT_destroy(upt);
		*ret_why = "libunwind cannot start unwinding this thread";
		return -EINVAL;
	}
	do
		describe_frame(&cur, maps, n_maps, &frames[n++]);
	while (n < max && unw_step(&cur) > 0);
	_UPT_destroy(upt);
	return (int)n;
}
