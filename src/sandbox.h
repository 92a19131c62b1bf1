/*
 * The confinement of sockstrace's helper children, which parse what the tracee chose (its
 * ELF files, debug information and unwind tables): symbols.c's symbolizer and
 * unwind-child.c's unwinder.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* How one child is confined. */
struct sandbox {
	const int *keep;              /* descriptors left open, in any order (at most 128) */
	size_t n_keep;                /* number of them */
	int out;                      /* the one descriptor written to (write(2)) */
	bool recv;                    /* recvmsg(2) on out is allowed too (descriptors passed) */
	bool orphan;                  /* its parent leaves at once (a grandchild of the tracer):
				       * no PR_SET_PDEATHSIG, which that would fire */
	unsigned cpu_seconds;         /* RLIMIT_CPU, 0 for none (a long-lived child) */
	unsigned long long extra_as;  /* address space allowed on top of what is mapped now */
};

/*
 * Confines the calling process, a child just forked: it dies with its parent
 * (PR_SET_PDEATHSIG) unless sb->orphan, takes the default action of the signals the tracer handles, closes
 * every descriptor but sb->keep, limits itself (RLIMIT_CPU, RLIMIT_AS, no files written, no
 * core), and loads a seccomp filter that allows reading files and memory management,
 * writing to sb->out, and leaving; anything else fails with EPERM and does nothing. Files
 * open read-only only (openat(2): O_ACCMODE, O_CREAT, O_TRUNC, O_APPEND clear), memory is
 * never mapped executable. Returns 0, or -errno: the child must then _exit().
 */
int sandbox_enter(const struct sandbox *sb);
