/* The seccomp filter loaded into the traced program. */
#pragma once

#include <seccomp.h>
#include <stdbool.h>

/*
 * Builds the filter: SECCOMP_RET_TRACE for every row of the syscall table on x86_64 and i386; io_uring_setup denied unless
 * allow_io_uring. No-new-privs is set only when not root. Returns 0 and *ret, or -errno.
 */
int filter_build(bool allow_io_uring, scmp_filter_ctx *ret);
