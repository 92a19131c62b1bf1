/* The table of traced tasks (threads), by tid. No ptrace: the tracer owns the tasks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One thread traced by --attach. */
struct task {
	pid_t tid;        /* its thread id; 0 marks a free slot */
	bool emulating;   /* stopped at a call the engine has not answered yet */
	bool skipped;     /* a skipped syscall's result is set again at its exit stop */
	long result;      /* that result */
	bool rewritten;   /* an i386 socketcall made as the direct call: its registers are put
			   * back at the exit stop */
	uint64_t saved[7]; /* then: orig_rax, rbx, rcx, rdx, rsi, rdi, rbp as the program had
			    * them (int 0x80 changes none but rax) */
};

/* The traced tasks, by tid: open addressing with linear probing. */
struct taskset {
	struct task *slots; /* size slots */
	size_t size;        /* a power of two */
	size_t count;       /* tasks in the set */
};

/* The task tid, or NULL. */
struct task *task_find(const struct taskset *t, pid_t tid);

/* Adds tid; returns true when it was new. Aborts only on out-of-memory. */
bool taskset_add(struct taskset *t, pid_t tid);

/* Removes tid; nothing when it is not there. */
void taskset_remove(struct taskset *t, pid_t tid);

