/* The table of traced tasks (threads), by tid. No ptrace: the tracer owns the tasks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct emulation;

/* One traced thread. */
struct task {
	pid_t tid;        /* its thread id; 0 marks a free slot */
	pid_t tgid;       /* its process, looked up when first needed; 0 = not yet */
	int pidfd;        /* pidfd of tgid for pidfd_getfd(2), opened when first needed; -1 */
	struct emulation *emulating; /* stopped while this emulation of its syscall runs; NULL */
	bool skipped;     /* --attach: a skipped syscall's result is set again at its exit stop */
	long result;      /* that result */
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

/* Removes tid (closing its pidfd); nothing when it is not there. */
void taskset_remove(struct taskset *t, pid_t tid);

/* The task's pidfd (of its process), opened on first use; -1 when the process is gone. */
int task_pidfd(struct task *k);
