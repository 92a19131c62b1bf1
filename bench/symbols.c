/*
 * The cost of a leak's stack: unwinding plus naming, per stack.
 *   bench/symbols N PROGRAM [ARG]...
 * Runs PROGRAM under ptrace up to the entry of its first connect(2), which never runs (the
 * program is killed there), and times unwind_stack() on it N times with the name cache
 * emptied before each (the unwinder's own per-process cache stays warm) (every stack forks a symbolizer that loads each module's debug
 * information anew: what the first leak of a site costs) and N times with the cache
 * warm (a leak site seen before: the unwinding alone).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "symbols.h"
#include "unwind.h"

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* Starts argv stopped at the entry of its first connect(); returns its pid. */
static pid_t start_at_connect(char **argv)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0L, 0L, 0L);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return -1;
	ptrace(PTRACE_SETOPTIONS, pid, 0L, (void *)(long)(PTRACE_O_TRACESYSGOOD |
							   PTRACE_O_EXITKILL));
	for (;;) {
		struct user_regs_struct regs;

		if (ptrace(PTRACE_SYSCALL, pid, 0L, 0L) < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFSTOPPED(status))
			return -1;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80) &&
		    ptrace(PTRACE_GETREGS, pid, 0L, &regs) == 0 && regs.orig_rax == SYS_connect)
			return pid;
	}
}

int main(int argc, char **argv)
{
	static struct frame frames[64];
	int n = argc > 2 ? atoi(argv[1]) : 0, k = 0, named = 0, lines = 0;
	const char *why = NULL;
	pid_t pid;
	double t0, cold, warm;

	if (n <= 0) {
		fprintf(stderr, "usage: bench/symbols N PROGRAM [ARG]...\n");
		return 2;
	}
	pid = start_at_connect(argv + 2);
	if (pid < 0) {
		fprintf(stderr, "bench/symbols: %s did not reach connect()\n", argv[2]);
		return 1;
	}
	t0 = now_us();
	for (int i = 0; i < n; i++) {
		symbols_cache_clear();
		k = unwind_stack(pid, pid, frames, 64, &why);
	}
	cold = (now_us() - t0) / n;
	t0 = now_us();
	for (int i = 0; i < n; i++)
		k = unwind_stack(pid, pid, frames, 64, &why);
	warm = (now_us() - t0) / n;
	for (int i = 0; i < k; i++) {
		named += frames[i].function[0] != '\0';
		lines += frames[i].line > 0;
	}
	printf("%s: %d frames (%d named, %d with a line)%s%s: %.0f us per stack, first of a "
	       "site; %.1f us cached\n", argv[2], k, named, lines, why ? ", " : "",
	       why ? why : "", cold, warm);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}
