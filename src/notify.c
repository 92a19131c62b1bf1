/*
 * The notification loop: every intercepted call of the program's tree arrives on the seccomp
 * user-notification listener; it is decoded here and handed to the engine, which answers it.
 * No process is ptraced, except a leaking thread for the moment its stack is taken.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "engine.h"
#include "filter.h"
#include "notify.h"
#include "spawn.h"

/* Linux 6.6 (not in Debian 12's headers): wake the notifying thread on the CPU of the
 * answering one, so that a call answered at once costs no cross-CPU wake-up. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

struct notifier {
	struct engine en;               /* judging and acting */
	struct spawned sp;              /* the program's tree */
	struct seccomp_notif *req;      /* the notification being handled */
	struct seccomp_notif_resp *resp; /* its answer */
};

/* The tree's reaper while it lives: signals to sockstrace go there (it forwards them). */
static volatile sig_atomic_t forward_pid;

/* Answers the notification t. */
static void respond(struct notifier *n, const struct ticket *t, long result, bool cont)
{
	struct seccomp_notif_resp *r = n->resp;

	memset(r, 0, sizeof(*r));
	r->id = t->id;
	if (cont)
		r->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (result < 0)
		r->error = (int)result;
	else
		r->val = result;
	/* ENOENT: the thread was killed meanwhile; nothing is left to answer. */
	seccomp_notify_respond(n->sp.listener, r);
}

static void n_answer(struct engine *en, const struct ticket *t, long result, bool cont)
{
	engine_kill_if_due(en);
	respond(en->mech, t, result, cont);
}

/* "traced by PID (comm)" when another tracer holds tid, else NULL. */
static const char *traced_by(pid_t tid, char *buf, size_t size)
{
	char path[64], line[128], comm[32];
	_cleanup_fclose_ FILE *f = NULL;
	int tracer = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", &tracer) == 1)
			break;
	if (tracer <= 0)
		return NULL;
	tracee_comm(tracer, comm, sizeof(comm));
	snprintf(buf, size, "traced by %d (%s)", tracer, comm);
	return buf;
}

/*
 * The stack of a leaking thread: seize it and PTRACE_INTERRUPT it while it waits for the
 * answer, then answer: it stops on its way out of the call before running one instruction of
 * its own, its registers as at the call (the answer in rax). Unwind there, then detach.
 */
static void n_answer_leak(struct engine *en, const struct ticket *t, long result, bool cont,
			  struct leaker *l)
{
	int status;
	pid_t pid;

	if (!en->s->stack && !en->s->core_dump) {
		n_answer(en, t, result, cont);
		return;
	}
	if (ptrace(PTRACE_SEIZE, t->tid, 0L, 0L) < 0) {
		l->stack_why = traced_by(t->tid, l->stack_why_buf, sizeof(l->stack_why_buf));
		if (!l->stack_why)
			l->stack_why = strerror(errno);
		n_answer(en, t, result, cont);
		return;
	}
	en->sum.ptrace_stops++;
	ptrace(PTRACE_INTERRUPT, t->tid, 0L, 0L);
	respond(en->mech, t, result, cont);
	do
		pid = waitpid(t->tid, &status, __WALL);
	while (pid < 0 && errno == EINTR);
	if (pid != t->tid || !WIFSTOPPED(status)) {
		l->stack_why = "the thread exited before its stack could be taken";
		return;
	}
	leaker_take_stack(en->s, t->tid, l);
	engine_kill_if_due(en);
	/* A signal-delivery stop keeps its signal; the interrupt's stop has none. A thread the
	 * kill action has woken is dying: as its tracer we reap its exit, or it would stay a
	 * zombie that its PID namespace's init waits for. */
	if (ptrace(PTRACE_DETACH, t->tid, 0L,
		   (long)((unsigned)status >> 16 == PTRACE_EVENT_STOP ? 0 : WSTOPSIG(status))) < 0 &&
	    errno == ESRCH)
		while (waitpid(t->tid, &status, __WALL) < 0 && errno == EINTR)
			;
}

static void n_kill_tree(struct engine *en)
{
	struct notifier *n = en->mech;

	spawn_kill_tree(&n->sp);
}

static bool n_in_tree(struct engine *en, pid_t pid)
{
	struct notifier *n = en->mech;

	return spawn_in_tree(&n->sp, pid);
}

static const struct engine_ops notify_ops = {
	.answer = n_answer,
	.answer_leak = n_answer_leak,
	.kill_tree = n_kill_tree,
	.in_tree = n_in_tree,
};

/* Our own filter asked for it, yet it is none of the table's: blocked and reported. */
static const struct syscall_def unknown_call = { .name = "unknown", .block_errno = ENOSYS };

/* Receives one notification, decodes it and hands it to the engine. */
static void on_notification(struct notifier *n)
{
	static struct dest dests[CALL_MAX_DESTS];
	struct seccomp_notif *q = n->req;
	struct call c = { .dests = dests };
	struct ticket t;
	uint64_t args[6];
	int rc;

	memset(q, 0, sizeof(*q));
	if (seccomp_notify_receive(n->sp.listener, q) < 0)
		return; /* ENOENT: the thread was killed before we read it */
	t = (struct ticket){ .id = q->id, .tid = (pid_t)q->pid, .pidfd = -1 };
	for (int i = 0; i < 6; i++)
		args[i] = q->data.args[i];
	rc = syscall_decode(t.tid, q->data.arch, (uint64_t)q->data.nr, args,
			    engine_allowances(n->en.s), &c);
	if (rc == -ENOENT && (c.def || (q->data.arch == AUDIT_ARCH_I386 &&
					 q->data.nr == I386_NR_SOCKETCALL))) {
		/* A row none of whose rules holds, or an i386 socketcall sub-call without a row
		 * (recv, bind...): the filter cannot look at those arguments, so every one stops;
		 * the kernel runs it as it is. */
		respond(n, &t, 0, true);
		return;
	}
	if (rc < 0) {
		c = (struct call){ .tid = t.tid, .def = &unknown_call, .fd = -1, .dests = dests,
				   .deny_errno = ENOSYS, .deny_kind = KIND_TAMPER };
		snprintf(c.what, sizeof(c.what), "syscall %d (arch 0x%x)", q->data.nr,
			 q->data.arch);
	}
	/* What was read, and the pidfd, belong to the call only while it still waits
	 * (seccomp_unotify(2)): else the thread died and its tid may be another's now. */
	t.pidfd = tracee_thread_pidfd(t.tid);
	if (seccomp_notify_id_valid(n->sp.listener, q->id) < 0) {
		if (t.pidfd >= 0)
			close(t.pidfd);
		return;
	}
	engine_call(&n->en, &t, &c);
}

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	/* A signal from the terminal (SI_KERNEL) reached the program's process group too. */
	if (si->si_code == SI_KERNEL)
		return;
	if (forward_pid > 0)
		kill(forward_pid, sig);
}

/* sockstrace out of the program's reach (engine_protect_self()), the signals it forwards
 * caught. */
static void protect_self(void)
{
	static const int forwarded[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART };

	engine_protect_self();
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &sa, NULL);
}

/* Runs the loop until sockstrace's child (the tree) has exited; its status goes to sum. */
static void loop(struct notifier *n, int sigchld_fd)
{
	struct engine *en = &n->en;
	int listener = n->sp.listener;
	bool child_changed = true; /* SIGCHLD came: look whether the tree has exited */

	for (;;) {
		struct pollfd fds[4] = { { .fd = listener, .events = POLLIN },
					 { .fd = sigchld_fd, .events = POLLIN },
					 { .fd = engine_done_fd(en), .events = POLLIN },
					 { .fd = compare_fd(en->cmp), .events = POLLIN } };
		struct signalfd_siginfo si;
		int status;

		if (child_changed && waitpid(n->sp.child, &status, WNOHANG) == n->sp.child) {
			compare_drain(en->cmp);
			en->sum.program_status = WIFEXITED(status) ? WEXITSTATUS(status)
						 : 128 + WTERMSIG(status);
			return;
		}
		child_changed = false;
		if (poll(fds, 4, -1) < 0)
			continue;
		if (fds[3].revents)
			compare_drain(en->cmp);
		if (fds[2].revents & POLLIN)
			engine_completed(en);
		if (fds[0].revents & POLLIN)
			on_notification(n);
		else if (fds[0].revents & (POLLHUP | POLLERR))
			listener = -1; /* every filtered task is gone */
		if (fds[1].revents & POLLIN) {
			while (read(sigchld_fd, &si, sizeof(si)) > 0)
				;
			child_changed = true;
		}
	}
}

int notify_run(const struct settings *s, struct report *r, char *const argv[],
	       struct summary *ret, char *err, size_t errlen)
{
	struct notifier n = { .sp = { .listener = -1, .error_fd = -1 } };
	scmp_filter_ctx filter;
	sigset_t chld;
	int rc, sigchld_fd, status;

	rc = engine_init(&n.en, s, r, &notify_ops, &n, err, errlen);
	if (rc == 0 && (rc = seccomp_notify_alloc(&n.req, &n.resp)) < 0)
		snprintf(err, errlen, "cannot allocate a notification: %s", strerror(-rc));
	if (rc == 0 && (rc = filter_build(engine_allowances(s), &filter)) < 0)
		snprintf(err, errlen, "cannot build the seccomp filter: %s", strerror(-rc));
	if (rc < 0) {
		engine_free(&n.en);
		ret->status = EXIT_FAILURE_OWN;
		return rc;
	}
	/* SIGCHLD stays blocked and is read from a signalfd: the loop polls it. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sigchld_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	rc = sigchld_fd < 0 ? -errno
	     : spawn_program(filter, &n.en.plan, n.en.cmp, argv, &n.sp, err, errlen);
	seccomp_release(filter);
	if (rc < 0) {
		if (sigchld_fd < 0)
			snprintf(err, errlen, "signalfd: %s", strerror(-rc));
		status = n.sp.child > 0 ? 0 : -1;
		if (n.sp.child > 0)
			waitpid(n.sp.child, &status, 0);
		ret->status = spawn_failure(&n.sp, argv[0], err, errlen);
		if (!ret->status)
			ret->status = EXIT_FAILURE_OWN;
		goto out;
	}
	ioctl(n.sp.listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	n.en.listener = n.sp.listener;
	n.en.program_ns = n.sp.netns;
	n.en.sum.netns = n.sp.netns.ino != 0;
	if (n.sp.netns_unavailable)
		report_printf(r->out, "sockstrace: no network namespace for the program here (%s): "
			      "the syscall layer runs alone (--netns=require: fail instead; "
			      "--no-netns: do not try)\n", strerror(-n.sp.netns_unavailable));
	forward_pid = n.sp.init;
	protect_self();
	loop(&n, sigchld_fd);
	forward_pid = 0;
	status = spawn_failure(&n.sp, argv[0], err, errlen);
	if (status) {
		ret->status = status;
		rc = -ECHILD;
		goto out;
	}
	compare_report(n.en.cmp, r);
	n.en.sum.status = engine_exit_status(&n.en);
	*ret = n.en.sum;
out:
	if (n.sp.listener >= 0)
		close(n.sp.listener);
	if (n.sp.error_fd >= 0)
		close(n.sp.error_fd);
	if (sigchld_fd >= 0)
		close(sigchld_fd);
	seccomp_notify_free(n.req, n.resp);
	engine_free(&n.en);
	return rc;
}
