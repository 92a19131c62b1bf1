/* Runs a program under ptrace and the seccomp filter, and judges its network syscalls. */
#pragma once

#include "config.h"
#include "report.h"

/*
 * Starts argv[0] (searched in PATH) under the tracer and traces it and every process and
 * thread it starts until the last has exited. Fills *ret (the exit status in ret->status:
 * the program's own, or the leak exit code). Returns 0, or -errno with a message in err when
 * the program could not be started (ret->status then says 125, 126 or 127).
 */
int tracer_run(const struct settings *s, struct report *r, char *const argv[],
	       struct summary *ret, char *err, size_t errlen);
