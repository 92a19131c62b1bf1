/* Call stacks of stopped tracee threads: libunwind in a child under a deadline (unwind.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One frame of a tracee's stack. */
struct frame {
	uint64_t pc;             /* instruction pointer */
	char function[128];      /* symbol name, "" when unknown */
	uint64_t offset;         /* pc - start of function */
	char module[256];        /* mapped file containing pc, "" when anonymous */
	uint64_t module_offset;  /* pc's offset in that file */
	char build_id[41];       /* the module's GNU build ID in hex, "" when it has none */
	char file[256];          /* source file of pc, "" when unknown */
	unsigned line;           /* its line, 0 when unknown */
	int inlined;             /* 1: a function inlined at this pc (the next frame is its caller
				  * at the same pc); 0: a real frame */
};

/* The most frames a stack is unwound to. */
#define UNWIND_MAX 256

/*
 * Unwinds thread tid of process tgid (stopped under ptrace, by the caller) into at most max
 * frames (at most UNWIND_MAX), named with symbols.c. The walk itself runs in a child that
 * is killed past UNWIND_DEADLINE_MS (unwind-child.h): the frames found until then are
 * returned, with *ret_why saying why the rest is missing ("unwinder timed out on the unwind
 * info of FILE: frames past #N are missing"). Returns the number of frames (>= 0), or
 * -errno; *ret_why then says why in words. *ret_why is also set, with frames returned, when
 * they could not all be named ("symbolizer crashed on FILE"). It points to static text, kept
 * for the run (see symbols_name()) or until 16 other files have failed the unwinder.
 */
int unwind_stack(pid_t tgid, pid_t tid, struct frame *frames, size_t max, const char **ret_why);

/*
 * The same for a 32-bit (i386) thread, by its frame pointer chain: the frames of code
 * built without frame pointers are skipped, but for the innermost (the vDSO and the libc
 * wrapper of the call).
 */
int unwind_stack32(pid_t tgid, pid_t tid, struct frame *frames, size_t max,
		   const char **ret_why);
