/* Leak sites: where in the program a leak happened, as a short hash stable across runs of
 * the same binary, and the leaks of a run (or of many) grouped by it. Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syscalls.h"
#include "unwind.h"

/* Frames outside libc, the resolver and the loader that make up a site. */
#define SITE_FRAMES 3
/* Most sites a table keeps; leaks at further sites are only counted (sites.dropped_leaks). */
#define SITES_MAX 256
/* Most distinct destinations a site keeps; further ones set site.dests_truncated. */
#define SITE_DESTS_MAX 16
/* Most frames of a site's first stack that are kept. */
#define SITE_STACK_MAX 32
/* Room for a site id in hex with its NUL: 12 hex digits (48 bits of the hash). */
#define SITE_ID_STRLEN 13
/* Room for a formatted destination: "[2001:db8::1]:65535", a unix path, a decoded call. */
#define SITE_DEST_STRLEN 300
/* Room for a report time, "2026-12-01T23:40:00.123Z", with its NUL. */
#define SITE_TIME_STRLEN 32

/* One leak as the grouping sees it: from a leak event of this run, or a line of a report. */
struct site_leak {
	uint64_t id;                /* its site (site_id()), or 0: computed by sites_add() */
	enum leak_kind kind;        /* what kind of leak */
	const char *syscall;        /* "connect", ...; "" when unknown */
	const char *exe;            /* the leaking executable; "" when unknown */
	const char *dest;           /* where it went, as site_destination() writes it */
	const char *time;           /* when, as the JSON report writes it (ISO 8601, UTC) */
	const struct frame *frames; /* its stack, innermost first */
	int n_frames;               /* frames in it (0: none) */
};

/* The leaks of one site. */
struct site {
	uint64_t id;                        /* the site hash (48 bits) */
	enum leak_kind kind;                /* the kind of its leaks (part of the hash) */
	unsigned long count;                /* leaks seen at it */
	char first[SITE_TIME_STRLEN];       /* time of the earliest of them */
	char last[SITE_TIME_STRLEN];        /* time of the latest of them */
	char *syscall;                      /* the syscall of the first leak */
	char *exe;                          /* the executable of the first leak */
	char *dests[SITE_DESTS_MAX];        /* distinct destinations, in order of appearance */
	size_t n_dests;                     /* entries used in dests */
	bool dests_truncated;               /* a further distinct destination was not kept */
	struct frame *stack;                /* the first leak's stack (at most SITE_STACK_MAX) */
	int n_frames;                       /* frames in stack */
};

/* Every site of a run, or of many runs merged. */
struct sites {
	struct site *v;              /* the sites, in the order their first leak was added */
	size_t n;                    /* sites in v */
	unsigned long leaks;         /* every leak added, the dropped ones included */
	unsigned long dropped_leaks; /* leaks at sites past SITES_MAX (or out of memory): counted
				      * in leaks, in no site */
};

/*
 * The site of a leak: FNV-1a (64 bits, folded to 48) over its kind's name and its first
 * SITE_FRAMES real (not inlined) frames outside libc, libresolv, libnss_*, libanl,
 * libpthread and the dynamic loader, each by the module's build ID and the offset in it,
 * or without a build ID by the module's base name and the function (or the offset when
 * there is no function name). Absolute addresses never enter it, so ASLR does not change
 * it. A leak with no frames outside those libraries hashes its kind, syscall and the base
 * name of exe instead. Never 0.
 */
uint64_t site_id(enum leak_kind kind, const char *syscall, const char *exe,
		 const struct frame *frames, int n_frames);

/* Writes id as SITE_ID_STRLEN - 1 hex digits. */
void site_id_format(uint64_t id, char buf[SITE_ID_STRLEN]);
/* Reads what site_id_format() wrote. Returns 0, or -EINVAL. */
int site_id_parse(const char *s, uint64_t *ret_id);

/* True when module (a path) is libc, the resolver, libpthread or the dynamic loader. */
bool site_system_library(const char *module);

/*
 * Writes a leak's destination as sites and reports list it: the decoded call when there
 * is one, else the error when the address was bad, else "ADDR:PORT" ("[ADDR]:PORT" for
 * AF_INET6), "unix:PATH", or the family name. Any argument may be NULL (port < 0: none).
 */
void site_destination(char *buf, size_t size, const char *call, const char *error,
		      const char *family, const char *address, long port, const char *path);

/* One frame in a line: "f3+0x1c (/usr/bin/prog+0x11c9) at prog.c:25", "?? (...)". */
void site_frame_format(const struct frame *f, char *buf, size_t size);

void sites_init(struct sites *t);
void sites_free(struct sites *t);

/*
 * Counts one leak at its site (l->id, or site_id() when it is 0), keeping the first
 * leak's stack, syscall and executable, the earliest and latest time and the distinct
 * destinations. Past SITES_MAX sites the leak is only counted. Returns 0, or -ENOMEM
 * (the leak is then counted as dropped).
 */
int sites_add(struct sites *t, const struct site_leak *l);

/* The innermost real frame of a site's stack outside the libraries of
 * site_system_library(), or NULL: the code that made the call. */
const struct frame *site_caller(const struct site *s);

/* The innermost frame of a site's stack in the program's own sources: with a source file
 * and line, in a module outside /lib, /usr/lib and the libraries of site_system_library(),
 * and a file outside /usr/include. NULL when there is none. */
const struct frame *site_source_frame(const struct site *s);

/* A site in a few words: "tcp leak by connect in f3 (stackchain)". */
void site_title(const struct site *s, char *buf, size_t size);

/* Its destinations, at most show of them: "203.0.113.1:80, 203.0.113.1:81 and 3 more";
 * "and 3+ more" (or "and more") when some were not kept (SITE_DESTS_MAX). "" for none. */
void site_dests_format(const struct site *s, size_t show, char *buf, size_t size);
