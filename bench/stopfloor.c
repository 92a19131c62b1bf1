/* The stop floor: what one SECCOMP_RET_TRACE stop costs on this machine, with a tracer that
 * does nothing but read the syscall and restart the tracee.
 *   stopfloor N
 * Forks a child that traps N getppid() into a seccomp filter; the parent, its tracer, does
 * PTRACE_GET_SYSCALL_INFO and PTRACE_CONT at each stop. Prints the microseconds per stop
 * (wall time). sockstrace's cost per intercepted syscall above this is its own work. */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0, stops = 0;
	struct timespec t0, t1;
	int status;
	pid_t pid;

	if (n <= 0) {
		fprintf(stderr, "usage: stopfloor N\n");
		return 2;
	}
	pid = fork();
	if (pid == 0) {
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { .len = 4, .filter = f };

		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0 || raise(SIGSTOP) != 0 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(1);
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 ||
	    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL) < 0) {
		perror("stopfloor");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ptrace(PTRACE_CONT, pid, 0, 0);
	while (waitpid(pid, &status, 0) == pid && !WIFEXITED(status) && !WIFSIGNALED(status)) {
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
			struct __ptrace_syscall_info info;
			ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), &info);
			stops++;
		}
		ptrace(PTRACE_CONT, pid, 0, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (stops != n) {
		fprintf(stderr, "stopfloor: %ld stops, expected %ld\n", stops, n);
		return 1;
	}
	printf("%.2f\n", ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
				 1e3 / (double)n);
	return 0;
}
