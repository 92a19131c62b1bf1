/*
 * The unwinder's own process: unwind.c's stepping (libunwind on the tracee's CFI, frame
 * pointer chains) runs in a long-lived sandboxed child of the tracer, under a deadline per
 * stack, so that unwind information that never ends (a DWARF expression that loops) costs
 * that stack and never the tracer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "unwind.h"

/* How long the child may take for one stack, in milliseconds. */
#define UNWIND_DEADLINE_MS 2000

/* What to unwind. */
struct walk_request {
	pid_t tgid;                   /* the process */
	bool i386;                    /* a 32-bit thread: its frame pointer chain */
	size_t max;                   /* the most frames, at most UNWIND_MAX */
	struct user_regs_struct regs; /* the stopped thread's registers */
	int mem;                      /* /proc/TGID/mem, open for reading (by the tracer) */
	uint32_t n_maps;              /* its mappings, which unwind.c's tracer side has read
				       * into memory it shares with the child */
	uint64_t maps_hash;           /* their hash, for the child's caches */
};

/* One frame found. */
struct walked {
	uint64_t pc;     /* its pc: where it was interrupted, or a return address */
	uint8_t caller;  /* 1: pc is a return address (its call is at pc - 1) */
};

/*
 * In the child, for each frame found, innermost first: emit(arg, pc, caller). Returns the
 * number of frames (>= 0), or -errno with *ret_why an index in unwind_why[]. Defined in
 * unwind.c.
 */
int unwind_walk(const struct walk_request *rq, void (*emit)(void *arg, uint64_t pc, bool caller),
		void *arg, unsigned *ret_why);
/* The reasons unwind_walk() gives, by index. */
extern const char *const unwind_why[];
extern const unsigned unwind_n_whys;

/*
 * Unwinds rq in the child (started on first use, and again after one was killed): the
 * frames into out (room for rq->max), their number into *ret_n. Returns 0; -ETIMEDOUT when
 * the deadline passed (the child is killed; *ret_n frames had been found); -ECHILD when the
 * child failed or said something wrong (killed; *ret_n frames found); or the -errno of
 * unwind_walk() with *ret_why set. rq->mem is the caller's.
 */
int unwind_child_walk(const struct walk_request *rq, struct walked *out, size_t *ret_n,
		      unsigned *ret_why);
