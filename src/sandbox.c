/* The confinement of sockstrace's helper children (see sandbox.h). */

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cleanup.h"
#include "sandbox.h"

static int cmp_int(const void *a, const void *b)
{
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* Closes every descriptor but those in keep (n, sorted ascending). */
static void close_others(const int *keep, size_t n)
{
	unsigned from = 0;

	for (size_t i = 0; i < n; i++) {
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0u, 0);
}

/* The filter of sandbox_enter(). */
static int load_filter(const struct sandbox *sb)
{
	static const char *const plain[] = {
		"read", "pread64", "readv", "close", "fstat", "newfstatat", "stat", "lstat",
		"statx", "lseek", "munmap", "mremap", "brk", "madvise", "exit", "exit_group",
		"rt_sigreturn", "rt_sigprocmask", "futex", "readlink", "readlinkat", "getcwd",
		"access", "faccessat", "faccessat2", "fcntl", "getpid", "gettid", "dup", "alarm",
	};
	/* Calls allowed when (argument & mask) == 0. */
	static const struct { const char *name; unsigned arg; uint64_t mask; } clear[] = {
		{ "openat", 2, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND },
		{ "open", 1, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND },
		{ "mmap", 2, PROT_EXEC },
		{ "mprotect", 2, PROT_EXEC },
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int rc = ctx ? 0 : -ENOMEM;

	for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(plain); i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name(plain[i]),
				      0);
	for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(clear); i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
				      seccomp_syscall_resolve_name(clear[i].name), 1,
				      SCMP_CMP64(clear[i].arg, SCMP_CMP_MASKED_EQ, clear[i].mask, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
				      SCMP_A0_64(SCMP_CMP_EQ, (uint64_t)sb->out));
	if (rc == 0 && sb->recv)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvmsg), 1,
				      SCMP_A0_64(SCMP_CMP_EQ, (uint64_t)sb->out));
	if (rc == 0)
		rc = seccomp_load(ctx);
	if (ctx)
		seccomp_release(ctx);
	return rc;
}

int sandbox_enter(const struct sandbox *sb)
{
	static const int reset[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGXCPU, SIGALRM };
	const struct rlimit cpu = { sb->cpu_seconds, sb->cpu_seconds + 1 }, none = { 0, 0 };
	struct rlimit as = { sb->extra_as, sb->extra_as };
	unsigned long long pages = 0;
	int keep[128];
	FILE *statm;

	if (sb->n_keep > ARRAY_SIZE(keep))
		return -EINVAL;
	if (!sb->orphan)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (size_t i = 0; i < ARRAY_SIZE(reset); i++)
		signal(reset[i], SIG_DFL);
	memcpy(keep, sb->keep, sb->n_keep * sizeof(int));
	qsort(keep, sb->n_keep, sizeof(int), cmp_int);
	close_others(keep, sb->n_keep);
	/* The address space is counted from what the tracer already has (a sanitizer's
	 * shadow memory alone is terabytes): proc(5), /proc/PID/statm, size in pages. */
	statm = fopen("/proc/self/statm", "re");
	if (statm && fscanf(statm, "%llu", &pages) == 1)
		as.rlim_cur = as.rlim_max = sb->extra_as + pages * (unsigned long long)getpagesize();
	if (statm)
		fclose(statm);
	if ((sb->cpu_seconds && setrlimit(RLIMIT_CPU, &cpu) < 0) || setrlimit(RLIMIT_AS, &as) < 0 ||
	    setrlimit(RLIMIT_FSIZE, &none) < 0 || setrlimit(RLIMIT_CORE, &none) < 0)
		return -errno;
	return load_filter(sb);
}
