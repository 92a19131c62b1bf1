/*
 * Names for the frames of a tracee's stack: function, source file and line, inlined
 * functions and the module's build ID, from the mapped files and their separate debug
 * files, with elfutils' libdwfl. The files are the tracee's choice and may be crafted: they
 * are parsed in a short-lived child process under a seccomp filter, a CPU limit and a
 * wall-clock deadline, never in the tracer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "unwind.h"

/* The most modules one naming takes. */
#define SYM_MAX_MODULES 64

/* A mapped file that frames point into. */
struct sym_module {
	int fd;           /* the mapped file itself, open for reading; owned by the caller */
	uint64_t base;    /* runtime address of its file offset 0 */
	uint64_t dev;     /* its device, for the cache */
	uint64_t ino;     /* its inode, for the cache */
	const char *path; /* its name as the process maps it (for .gnu_debuglink lookups) */
};

/* How to look one frame up. */
struct sym_query {
	int module;  /* index in the modules, -1 for a pc outside any mapped file */
	bool caller; /* the frame's pc is a return address: its call is at pc - 1 */
};

/*
 * Sets the directories (DIR[:DIR]...) searched for separate debug files, after the
 * standard ones (/usr/lib/debug, the file's own directory and its .debug). NULL: the
 * standard ones only. Returns 0 or -ENOMEM.
 */
int symbols_set_debuginfo_path(const char *dirs);

/*
 * Names frames[0..n) (pc, module and module_offset filled; query q[i] says how to look
 * frame i up in mods, at most SYM_MAX_MODULES) in place, inserting a frame before a real one for each function
 * inlined at its pc, up to max frames in all. Returns the new number of frames (>= n when
 * max allows). When naming failed for part of the stack, that part keeps its frames
 * unnamed, or named by their symbols alone, and *ret_why says why ("symbolizer crashed on
 * FILE", "symbolizer timed out on FILE"; kept until 32 other reasons have been given);
 * *ret_why is left alone otherwise. Within about 2 s.
 */
size_t symbols_name(const struct sym_module *mods, size_t n_mods, const struct sym_query *q,
		    struct frame *frames, size_t n, size_t max, const char **ret_why);

/* Drops the cached names and forgets the files that failed, so that the next naming reads
 * the files again (benchmarks, tests). */
void symbols_cache_clear(void);

/* For tests of the sandbox: when set, the child calls it with its pipe once it is
 * confined, before it names anything (phase 1: symbols) and before it looks up source
 * lines (phase 2). */
extern void (*symbols_child_hook)(int out, int phase);
