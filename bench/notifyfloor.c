/* The user-notification floor: what seccomp user notification costs on this machine, with a
 * supervisor that does nothing but let every notified call continue.
 *   notifyfloor PROGRAM [ARG]...   runs PROGRAM under the filter; exits with its status
 *   notifyfloor -n N               N notified sendmsg() in a loop; prints µs per notification
 *   notifyfloor -a -n N            the same, and before each answer the supervisor puts a new
 *                                  TCP socket of its own at descriptor 100 of the child
 *                                  (SECCOMP_IOCTL_NOTIF_ADDFD, SECCOMP_ADDFD_FLAG_SETFD: the
 *                                  previous one is closed), as sockstrace's hand-over does
 * The filter notifies what sockstrace's notifies for an x86_64 program: connect, sendto with
 * an address, sendmsg and sendmmsg; everything else is allowed. The child installs it with
 * NEW_LISTENER (and WAIT_KILLABLE_RECV, as sockstrace does) and writes the listener's number
 * on a pipe (its own sendmsg would be notified, and nobody listens yet); the parent takes the
 * listener with pidfd_getfd(2), asks for SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6) and
 * answers each notification with SECCOMP_USER_NOTIF_FLAG_CONTINUE: one RECV and one SEND
 * ioctl per call, nothing else (with -a: a socket() and an ADDFD ioctl too). A thread waits for
 * the child and exits with its status. sockstrace's cost per intercepted call above this is its
 * own work. Built by bench/run and bench/netns. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Linux 6.6 and 5.19; not all in Debian 12's headers. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SETFD
#define SECCOMP_ADDFD_FLAG_SETFD (1UL << 0)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define ARG_LO(i) offsetof(struct seccomp_data, args[i])
#define ARG_HI(i) (offsetof(struct seccomp_data, args[i]) + 4)

static pid_t child;

/* -a: the descriptor of the child that each notification's ADDFD replaces. */
#define ADDFD_AT 100

/* Puts a new TCP socket of ours at ADDFD_AT in the notified task, in place of the last one. */
static void add_socket(int listener, __u64 id)
{
	int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct seccomp_notif_addfd add = { .id = id, .flags = SECCOMP_ADDFD_FLAG_SETFD,
					   .srcfd = (__u32)sock, .newfd = ADDFD_AT };

	if (sock < 0 || ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0) {
		perror("notifyfloor: SECCOMP_IOCTL_NOTIF_ADDFD");
		exit(1);
	}
	close(sock);
}

/* The child's exit ends the supervisor, whatever the loop is doing. */
static void *waiter(void *arg)
{
	int status;

	(void)arg;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* The child: the filter, the listener's number to the parent, then the work. */
static void __attribute__((noreturn)) run_child(int up, int down, long n, char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_connect, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendmsg, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendmmsg, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendto, 0, 4),
		/* sendto: only with an address (args[4] != 0), as sockstrace's filter. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(4)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(4)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct msghdr msg = { 0 };
	struct timespec t0, t1;
	int listener;
	char ack;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		perror("notifyfloor: PR_SET_NO_NEW_PRIVS");
		_exit(1);
	}
	listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				SECCOMP_FILTER_FLAG_NEW_LISTENER |
				SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
	if (listener < 0) {
		perror("notifyfloor: seccomp");
		_exit(1);
	}
	if (write(up, &listener, sizeof(listener)) != sizeof(listener) || read(down, &ack, 1) != 1)
		_exit(1);
	close(listener);
	close(up);
	close(down);
	if (argv) {
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	/* sendmsg() on no socket: notified, continued, then EBADF at once in the kernel. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		syscall(SYS_sendmsg, -1, &msg, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.2f\n", ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
				 1e3 / (double)n);
	exit(0);
}

int main(int argc, char **argv)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int up[2], down[2], number, pidfd, listener;
	pthread_t tid;
	bool addfd = argc == 4 && strcmp(argv[1], "-a") == 0;
	long n = 0;

	if (addfd) {
		argc--;
		argv++;
	}
	if (argc == 3 && strcmp(argv[1], "-n") == 0)
		n = atol(argv[2]);
	if (argc < 2 || (strcmp(argv[1], "-n") == 0 && n <= 0) || (addfd && n <= 0)) {
		fprintf(stderr, "usage: notifyfloor PROGRAM [ARG]... | notifyfloor [-a] -n N\n");
		return 2;
	}
	if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0) {
		perror("notifyfloor: pipe");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("notifyfloor: fork");
		return 1;
	}
	if (child == 0)
		run_child(up[1], down[0], n, n ? NULL : argv + 1);
	close(up[1]);
	close(down[0]);
	if (read(up[0], &number, sizeof(number)) != sizeof(number)) {
		waitpid(child, NULL, 0);
		return 1;
	}
	pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	listener = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, number, 0);
	if (listener < 0) {
		perror("notifyfloor: pidfd_getfd");
		return 1;
	}
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0)
		perror("notifyfloor: SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6), going on without");
	if (pthread_create(&tid, NULL, waiter, NULL) != 0 || write(down[1], "", 1) != 1) {
		fprintf(stderr, "notifyfloor: cannot start\n");
		return 1;
	}
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			/* ENOENT: the caller was killed meanwhile. */
			if (errno == EINTR || errno == ENOENT)
				continue;
			perror("notifyfloor: SECCOMP_IOCTL_NOTIF_RECV");
			pthread_join(tid, NULL); /* until the child exits: the waiter ends us */
			return 1;
		}
		if (addfd)
			add_socket(listener, req.id);
		resp = (struct seccomp_notif_resp){ .id = req.id,
						    .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}
