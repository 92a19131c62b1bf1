/* The seccomp filter loaded into the traced program. */
#pragma once

#include <seccomp.h>
#include <stdbool.h>

/*
 * Builds the filter from the syscall table: every row intercepted on x86_64 and i386 where
 * its rules say (argument comparisons on x86_64; on i386, every socket call and socketcall
 * stops), leaving out the rules that allow (ALLOW_* bits of syscalls.h) lifts. No-new-privs is
 * set only when not root. Returns 0 and *ret, or -errno.
 */
int filter_build(unsigned allow, scmp_filter_ctx *ret);
