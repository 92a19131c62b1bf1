/* The engine for a program sockstrace starts: seccomp user notification. */
#pragma once

#include "config.h"
#include "report.h"

/*
 * Starts argv[0] (searched in PATH) under the filter and answers its intercepted calls, and
 * those of every process and thread it starts, until the last has exited. Fills *ret (the
 * exit status in ret->status). Returns 0, or -errno with a message in err when the program
 * could not be started (ret->status then says 125, 126 or 127).
 */
int notify_run(const struct settings *s, struct report *r, char *const argv[],
	       struct summary *ret, char *err, size_t errlen);
