/* --attach PID: the ptrace engine for a process that is already running. */
#pragma once

#include "config.h"
#include "report.h"

/*
 * Seizes every thread of process s->attach and judges its network syscalls, and those of
 * the processes it starts, until the last has exited or sockstrace gets a signal (then it
 * detaches). No filter can be added to a running process from outside, so every syscall
 * stops (PTRACE_SYSCALL). Fills *ret. Returns 0, or -errno with a message in err.
 */
int attach_run(const struct settings *s, struct report *r, struct summary *ret,
	       char *err, size_t errlen);
