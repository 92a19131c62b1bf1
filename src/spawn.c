/* Starting the program under the filter, in its own namespaces, with the listener handed
 * over to sockstrace. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdpass.h"
#include "handover.h"
#include "config.h"
#include "dnsproxy.h"
#include "spawn.h"
#include "tracee.h"

/* Where the program's start failed. */
enum start_stage {
	STAGE_NETNS,  /* setting up the namespaces */
	STAGE_FILTER, /* loading the seccomp filter */
	STAGE_EXEC,   /* execve() */
};

/* What the child reports on the error pipe when it cannot get to the program. */
struct start_error {
	enum start_stage stage;
	int error;    /* -errno */
};

/* The filter as a BPF program, exported by libseccomp (2.5 has no attribute for the flags
 * we load it with). Returns 0 or -errno; ret->filter is malloc'd. */
static int export_filter(scmp_filter_ctx ctx, struct sock_fprog *ret)
{
	_cleanup_close_ int fd = memfd_create("sockstrace-filter", MFD_CLOEXEC);
	struct sock_filter *insns;
	struct stat st;
	int rc;

	if (fd < 0)
		return -errno;
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return rc;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size == 0 || st.st_size % sizeof(*insns) || st.st_size / sizeof(*insns) > BPF_MAXINSNS)
		return -E2BIG;
	insns = malloc((size_t)st.st_size);
	if (!insns)
		return -ENOMEM;
	if (pread(fd, insns, (size_t)st.st_size, 0) != st.st_size) {
		free(insns);
		return -EIO;
	}
	*ret = (struct sock_fprog){ .len = (unsigned short)(st.st_size / sizeof(*insns)),
				    .filter = insns };
	return 0;
}

/* Sends fd (or, with fd -1, the int value) over the start-up socket. */
static int send_fd(int sock, int fd, int value)
{
	return fd_send(sock, &value, sizeof(value), fd);
}

/* Receives one message of send_fd(): *ret_fd the descriptor or -1, *ret_value the int.
 * Returns 0, -EPIPE when every sender is gone, or -errno. */
static int recv_fd(int sock, int *ret_fd, int *ret_value)
{
	ssize_t n = fd_recv(sock, ret_value, sizeof(*ret_value), ret_fd);

	if (n < 0)
		return (int)n;
	if (n == 0)
		return -EPIPE;
	return n == sizeof(int) ? 0 : -EPROTO;
}

static void __attribute__((noreturn)) fail(int err_fd, enum start_stage stage, int error)
{
	struct start_error e = { stage, error };

	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(EXIT_FAILURE_OWN);
	_exit(EXIT_FAILURE_OWN);
}

/*
 * The program: loads the filter with the flags libseccomp 2.5 cannot set, hands the
 * listener to its reaper, execs. WAIT_KILLABLE_RECV (Linux 5.19): once sockstrace has
 * received a call, a signal can no longer interrupt it, so a call sockstrace performed is
 * never restarted and performed twice. The listener cannot be sent from here: sendmsg() is
 * itself intercepted, and nobody listens yet. So its number goes to the reaper on a pipe
 * (write() is never intercepted), which takes it with pidfd_getfd(2) and says when.
 */
static void __attribute__((noreturn)) program(const struct sock_fprog *prog, int to_reaper,
					      int from_reaper, int err_fd, char *const argv[])
{
	char ack;
	static const int forwarded[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
	int listener;

	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		signal(forwarded[i], SIG_DFL);
	if (geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(err_fd, STAGE_FILTER, -errno);
	listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				SECCOMP_FILTER_FLAG_NEW_LISTENER |
				SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, prog);
	if (listener < 0)
		fail(err_fd, STAGE_FILTER, -errno);
	if (write(to_reaper, &listener, sizeof(listener)) != sizeof(listener) ||
	    read(from_reaper, &ack, 1) != 1)
		_exit(EXIT_FAILURE_OWN);
	close(listener);
	close(to_reaper);
	close(from_reaper);
	execvp(argv[0], argv);
	fail(err_fd, STAGE_EXEC, -errno);
}

/* The tree's init forwards these to the program. */
static volatile sig_atomic_t program_pid;

/* A signal from the terminal (SI_KERNEL) reached the program's process group itself. */
static void forward(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (program_pid > 0 && si->si_code != SI_KERNEL)
		kill(program_pid, sig);
}

/*
 * The reaper: starts the program, passes on the signals sockstrace forwards, and reaps every
 * process of the tree (as the PID namespace's init, or as a child subreaper); exits with the
 * program's status, shell style, when the last one is gone.
 */
static void __attribute__((noreturn)) reaper(const struct sock_fprog *prog, int sock, int err_fd,
					     char *const argv[])
{
	static const int forwarded[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_sigaction = forward, .sa_flags = SA_RESTART | SA_SIGINFO };
	int status = EXIT_FAILURE_OWN, st, up[2], down[2], number;
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &sa, NULL);
	if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0)
		fail(err_fd, STAGE_FILTER, -errno);
	pid = fork();
	if (pid == 0) {
		close(sock);
		close(up[0]);
		close(down[1]);
		program(prog, up[1], down[0], err_fd, argv);
	}
	if (pid < 0)
		fail(err_fd, STAGE_EXEC, -errno);
	program_pid = pid;
	close(up[1]);
	close(down[0]);
	close(err_fd);
	/* Nothing arrives when the program failed before its filter: it said why on err_fd. */
	if (read(up[0], &number, sizeof(number)) == sizeof(number)) {
		_cleanup_close_ int pidfd = pidfd_open(pid, 0);
		_cleanup_close_ int listener = pidfd < 0 ? -1 : pidfd_getfd(pidfd, number, 0);

		if (listener < 0 || send_fd(sock, listener, 0) < 0 || write(down[1], "", 1) != 1)
			kill(pid, SIGKILL);
	}
	close(up[0]);
	close(down[1]);
	close(sock);
	for (;;) {
		pid_t p = waitpid(-1, &st, __WALL);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break;
		if (p == pid) {
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			program_pid = 0;
		}
	}
	_exit(status);
}

/* Unprivileged: a user namespace that maps only our own ids (user_namespaces(7)). */
static int enter_user_namespace(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int rc;

	if (unshare(CLONE_NEWUSER) < 0)
		return -errno;
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	rc = netns_write_file("/proc/self/uid_map", map);
	if (rc == 0)
		rc = netns_write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	if (rc == 0)
		rc = netns_write_file("/proc/self/gid_map", map);
	return rc;
}

/* The map of a user namespace of ours that gives every id ours has (its own map's first
 * column, "ID OUTSIDE COUNT" per line) to itself, from our map file at path. */
static int identity_map(const char *path, char *buf, size_t size)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	unsigned long first, outside, count;
	size_t len = 0;

	if (!f)
		return -errno;
	buf[0] = '\0';
	while (len < size && fscanf(f, "%lu %lu %lu", &first, &outside, &count) == 3)
		len += (size_t)snprintf(buf + len, size - len, "%lu %lu %lu\n", first, first, count);
	return len && len < size ? 0 : -EINVAL;
}

/*
 * Root's user namespace maps every id to itself (every id that sockstrace's own has), so
 * that files look the same, but its
 * capabilities are the new namespace's: they reach the program's own network namespace and
 * not the host's, which it then can neither enter nor move an interface to (setns(2),
 * IFLA_NET_NS_FD). A map of more than one's own id must be written by a process with
 * CAP_SETUID in the parent namespace: a helper forked before the unshare(2). Returns 0;
 * -errno when there is no user namespace (unshare refused: root goes on without one); exits
 * when the namespace exists but its map could not be written.
 */
static int enter_root_user_namespace(int err_fd)
{
	static const char *const maps[] = { "uid_map", "gid_map" };
	pid_t self = getpid(), helper;
	int go[2], rc = 0, st = 0;
	char path[64], map[4096];

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	helper = fork();
	if (helper == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(EXIT_FAILURE);
		for (size_t i = 0; i < ARRAY_SIZE(maps) && rc == 0; i++) {
			snprintf(path, sizeof(path), "/proc/self/%s", maps[i]);
			rc = identity_map(path, map, sizeof(map));
			snprintf(path, sizeof(path), "/proc/%d/%s", self, maps[i]);
			if (rc == 0)
				rc = netns_write_file(path, map);
		}
		_exit(rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
	}
	close(go[0]);
	if (helper < 0) {
		close(go[1]);
		return -errno;
	}
	if (unshare(CLONE_NEWUSER) < 0)
		rc = -errno;
	else if (write(go[1], "", 1) != 1)
		fail(err_fd, STAGE_NETNS, -errno);
	close(go[1]);
	while (waitpid(helper, &st, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == EXIT_SUCCESS))
		fail(err_fd, STAGE_NETNS, -EPERM);
	return rc;
}

/*
 * sockstrace's child: the namespaces, then the reaper. A new user namespace when not root
 * (what the network and PID namespaces need) or with the network namespace, that namespace
 * unless --no-netns, and a PID namespace when the system allows one: then the program cannot name sockstrace's process
 * at all (kill, prlimit, ptrace), and killing the init kills the tree, fork storms included.
 * Without one the reaper is a child subreaper. PR_SET_PDEATHSIG: when sockstrace dies,
 * this child dies, and with it the init (its own death signal), which takes the whole
 * namespace with it.
 */
static void __attribute__((noreturn)) supervisor(const struct sock_fprog *prog,
						 const struct netns_plan *plan, int netns_fd,
						 int sock, int err_fd, char *const argv[],
						 pid_t parent)
{
	bool pidns = true;
	int rc = 0, st, userns = 0;
	pid_t init;

	static const int forwarded[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
	sigset_t none;

	/* sockstrace blocks SIGCHLD for its signalfd; the program must not inherit that. This
	 * process only waits: the terminal's signals are the program's (sockstrace forwards the
	 * others to the reaper). */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		signal(forwarded[i], SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(EXIT_FAILURE_OWN);
	if (geteuid() != 0)
		userns = enter_user_namespace();
	else if (netns_fd >= 0)
		enter_root_user_namespace(err_fd);
	if (userns < 0 && geteuid() != 0)
		pidns = false; /* no user namespaces here: no PID namespace either */
	if (netns_fd >= 0) {
		rc = netns_enter(plan, netns_fd, geteuid() != 0 ? userns : 0);
		if (rc < 0)
			fail(err_fd, STAGE_NETNS, rc);
	}
	/* A mount namespace too, for a /proc of the PID namespace: a program that reads
	 * /proc/PID (gdb, ps, LeakSanitizer) must find its own processes there. */
	if (pidns && (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0 ||
		      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0))
		pidns = false;
	if (!pidns) {
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		if (send_fd(sock, -1, (int)getpid()) < 0)
			_exit(EXIT_FAILURE_OWN);
		reaper(prog, sock, err_fd, argv);
	}
	init = fork();
	if (init == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			fail(err_fd, STAGE_NETNS, -errno);
		reaper(prog, sock, err_fd, argv);
	}
	if (init < 0)
		fail(err_fd, STAGE_NETNS, -errno);
	/* The init's pid as sockstrace sees it, negative: "in a PID namespace". */
	if (send_fd(sock, -1, -(int)init) < 0)
		_exit(EXIT_FAILURE_OWN);
	close(sock);
	close(err_fd);
	while ((rc = (int)waitpid(init, &st, 0)) < 0 && errno == EINTR)
		;
	if (rc < 0)
		_exit(EXIT_FAILURE_OWN);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

int spawn_program(scmp_filter_ctx filter, const struct netns_plan *plan,
		  struct compare *cmp, char *const argv[], struct spawned *ret,
		  char *err, size_t errlen)
{
	bool netns = plan->mode != NETNS_OFF;
	struct sock_fprog prog;
	int pipefd[2], sock[2], netns_pair[2] = { -1, -1 };
	pid_t parent = getpid();
	int rc, value, fd;

	_cleanup_close_ int control = -1;

	*ret = (struct spawned){ .listener = -1, .error_fd = -1 };
	rc = export_filter(filter, &prog);
	if (rc < 0) {
		snprintf(err, errlen, "cannot build the seccomp filter: %s", strerror(-rc));
		return rc;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = -errno;
		free(prog.filter);
		snprintf(err, errlen, "pipe: %s", strerror(-rc));
		return rc;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0 ||
	    (netns && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, netns_pair) < 0)) {
		rc = -errno;
		free(prog.filter);
		close(pipefd[0]);
		close(pipefd[1]);
		snprintf(err, errlen, "socketpair: %s", strerror(-rc));
		return rc;
	}
	ret->child = fork();
	if (ret->child == 0) {
		close(sock[0]);
		close(pipefd[0]);
		if (netns_pair[0] >= 0)
			close(netns_pair[0]);
		compare_child(cmp);
		supervisor(&prog, plan, netns_pair[1], sock[1], pipefd[1], argv, parent);
	}
	rc = -errno;
	free(prog.filter);
	close(sock[1]);
	close(pipefd[1]);
	compare_forked(cmp);
	ret->error_fd = pipefd[0];
	control = sock[0];
	if (netns_pair[1] >= 0)
		close(netns_pair[1]);
	if (ret->child < 0) {
		ret->child = 0;
		if (netns_pair[0] >= 0)
			close(netns_pair[0]);
		snprintf(err, errlen, "fork: %s", strerror(-rc));
		return rc;
	}
	if (netns_pair[0] >= 0) {
		/* Returns when the child has sent its listeners and closed its end. */
		struct netns_dns dns;

		int reference[NETNS_REFERENCES];

		rc = netns_receive(plan, netns_pair[0], &dns, &ret->netns, reference,
				   &ret->netns_unavailable);
		/* The sockets handed over get the options the program changed from these. */
		for (size_t i = 0; i < NETNS_REFERENCES; i++)
			if (reference[i] >= 0) {
				handover_learn_defaults(reference[i]);
				close(reference[i]);
			}
		if (rc == 0 && plan->dns)
			rc = dnsproxy_start(plan, &dns);
		if (rc < 0) {
			snprintf(err, errlen, "cannot set up the network namespace: %s",
				 strerror(-rc));
			kill(ret->child, SIGKILL);
			return rc;
		}
	}
	/* Two messages: the reaper's pid, then the listener (a pid namespace's init may send
	 * its pid after the program has sent the listener). */
	while (ret->listener < 0 || !ret->init) {
		rc = recv_fd(control, &fd, &value);
		if (rc < 0) {
			snprintf(err, errlen, "the program's process died before it was traced");
			return -ECHILD;
		}
		if (fd >= 0) {
			ret->listener = fd;
		} else if (value < 0) {
			ret->init = -value;
			ret->pidns = true;
		} else {
			ret->init = value;
		}
	}
	return 0;
}

int spawn_failure(struct spawned *sp, const char *program, char *err, size_t errlen)
{
	static const char *const what[] = {
		[STAGE_NETNS] = "cannot set up the namespaces for",
		[STAGE_FILTER] = "cannot load the seccomp filter for",
		[STAGE_EXEC] = "cannot run",
	};
	struct start_error e;

	if (sp->error_fd < 0 || read(sp->error_fd, &e, sizeof(e)) != sizeof(e) || e.error >= 0 ||
	    e.stage > STAGE_EXEC)
		return 0;
	if (e.stage == STAGE_FILTER && e.error == -EINVAL)
		snprintf(err, errlen, "%s '%s': %s (sockstrace needs Linux 5.19 or later: "
			 "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)", what[e.stage], program,
			 strerror(-e.error));
	else
		snprintf(err, errlen, "%s '%s': %s", what[e.stage], program, strerror(-e.error));
	if (e.stage != STAGE_EXEC)
		return EXIT_FAILURE_OWN;
	return e.error == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

void spawn_signal(const struct spawned *sp, int sig)
{
	if (sp->init > 0)
		kill(sp->init, sig);
}

/* True when pid descends from root (root itself included). */
static bool descends(pid_t pid, pid_t root)
{
	for (int depth = 0; pid > 1 && depth < 4096; depth++) {
		if (pid == root)
			return true;
		pid = tracee_ppid(pid);
	}
	return false;
}

/* SIGKILLs every descendant of root; returns how many were found. */
static size_t kill_descendants(pid_t root)
{
	_cleanup_closedir_ DIR *d = opendir("/proc");
	struct dirent *ent;
	size_t n = 0;

	while (d && (ent = readdir(d))) {
		pid_t pid = (pid_t)atoi(ent->d_name);

		if (pid > 0 && pid != root && descends(pid, root)) {
			kill(pid, SIGKILL);
			n++;
		}
	}
	return n;
}

void spawn_kill_tree(const struct spawned *sp)
{
	if (sp->init <= 0)
		return;
	/* Every process there is now gets SIGKILL before the caller lets the leaking thread go
	 * on (its parent must not see it return). A fork storm may start new ones while we
	 * look: in a PID namespace the init's death takes them all with it; without one, again
	 * until none is left (the reaper stays, so that orphans keep coming to it and stay
	 * findable). */
	for (int round = 0; round < 1000 && kill_descendants(sp->init) && !sp->pidns; round++)
		;
	kill(sp->init, SIGKILL);
}

bool spawn_in_tree(const struct spawned *sp, pid_t pid)
{
	char path[96];

	/* In a PID namespace of its own the program can only name processes of the tree: the
	 * ones its /proc (reached through its init's root) shows. A number it cannot name is
	 * no process of the tree (an outside pid it learned elsewhere). */
	if (sp->pidns) {
		snprintf(path, sizeof(path), "/proc/%d/root/proc/%d", sp->init, pid);
		return pid > 0 && access(path, F_OK) == 0;
	}
	return pid > 0 && pid != sp->init && descends(pid, sp->init);
}
