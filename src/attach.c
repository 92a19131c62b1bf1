/* --attach PID: the ptrace loop. Every syscall of the seized threads stops at its entry and
 * exit; the table's calls go to the engine, which answers them through the ops below. The
 * only file besides the leak-stack code that calls ptrace(). */

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "cleanup.h"
#include "engine.h"
#include "tasks.h"

struct attacher {
	struct engine en;      /* judging and acting */
	struct taskset tasks;  /* every live traced task */
	int signal_fd;         /* SIGCHLD and the detach signals, all blocked, read here */
	bool tamper_reported;  /* a detach signal from the traced tree was reported */
};

/* A detach signal from outside the traced tree came: 1, detach from everything and exit,
 * like strace -p; 2, every task has been interrupted to be detached at its next stop. */
static int detach_requested;

/* Restarts a stopped task; a task that vanished (ESRCH) will report its exit. */
static void resume(pid_t tid, int sig)
{
	if (ptrace(PTRACE_SYSCALL, tid, 0L, (long)sig) < 0 && errno != ESRCH)
		fprintf(stderr, "sockstrace: cannot resume task %d: %s\n", tid, strerror(errno));
}

/* Skips the syscall at its entry stop, so that it returns retval (0 or -errno) without
 * running: orig_rax -1 is "no syscall" (Documentation/userspace-api/seccomp_filter.rst). */
static int skip_syscall(pid_t tid, long retval)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, tid, 0L, &regs) < 0)
		return -errno;
	regs.orig_rax = (unsigned long long)-1;
	regs.rax = (unsigned long long)retval;
	if (ptrace(PTRACE_SETREGS, tid, 0L, &regs) < 0)
		return -errno;
	return 0;
}

/*
 * An i386 socketcall of a sub-call of the table becomes the direct i386 call (Linux 4.3)
 * with the arguments read from its block, before anything else is done with it: the
 * kernel then reads them from the registers, not again from the block, which a racing
 * thread may have rewritten since (another fd, family or level). The program's registers
 * are kept in k for the exit stop. Returns 0, or -errno.
 */
static int socketcall_to_direct(pid_t tid, const struct call *c, struct task *k)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, tid, 0L, &regs) < 0)
		return -errno;
	k->saved[0] = regs.orig_rax;
	k->saved[1] = regs.rbx;
	k->saved[2] = regs.rcx;
	k->saved[3] = regs.rdx;
	k->saved[4] = regs.rsi;
	k->saved[5] = regs.rdi;
	k->saved[6] = regs.rbp;
	regs.orig_rax = (unsigned long long)c->def->nr_i386;
	regs.rbx = (uint32_t)c->args[0];
	regs.rcx = (uint32_t)c->args[1];
	regs.rdx = (uint32_t)c->args[2];
	regs.rsi = (uint32_t)c->args[3];
	regs.rdi = (uint32_t)c->args[4];
	regs.rbp = (uint32_t)c->args[5];
	if (ptrace(PTRACE_SETREGS, tid, 0L, &regs) < 0)
		return -errno;
	k->rewritten = true;
	return 0;
}

/*
 * At a syscall's exit stop (or any stop after it): puts back the registers of a socketcall
 * made as the direct call, orig_rax included (a call the kernel restarts, ERESTARTSYS, is
 * then the socketcall again, and stops again at its entry), and sets a skipped call's
 * result again.
 */
static void syscall_exit_fixup(pid_t tid, struct task *k)
{
	struct user_regs_struct regs;

	if (k->rewritten && ptrace(PTRACE_GETREGS, tid, 0L, &regs) == 0) {
		regs.orig_rax = k->saved[0];
		regs.rbx = k->saved[1];
		regs.rcx = k->saved[2];
		regs.rdx = k->saved[3];
		regs.rsi = k->saved[4];
		regs.rdi = k->saved[5];
		regs.rbp = k->saved[6];
		ptrace(PTRACE_SETREGS, tid, 0L, &regs);
	}
	k->rewritten = false;
	if (k->skipped) {
		k->skipped = false;
		skip_syscall(tid, k->result);
	}
}

static void a_answer(struct engine *en, const struct ticket *t, long result, bool cont)
{
	struct attacher *a = en->mech;
	struct task *k = task_find(&a->tasks, t->tid);

	engine_kill_if_due(en);
	if (k)
		k->emulating = false;
	if (!cont) {
		/* The result is set again at the exit stop, where the kernel may have put
		 * -ENOSYS for the skipped call. */
		skip_syscall(t->tid, result);
		if (k) {
			k->skipped = true;
			k->result = result;
		}
	}
	resume(t->tid, 0);
}

/* The thread is stopped at the call's entry: the stack first, then the answer. */
static void a_answer_leak(struct engine *en, const struct ticket *t, long result, bool cont,
			  struct leaker *l)
{
	leaker_take_stack(en->s, t->tid, l);
	a_answer(en, t, result, cont);
}

static void a_kill_tree(struct engine *en)
{
	struct attacher *a = en->mech;

	for (size_t i = 0; i < a->tasks.size; i++)
		if (a->tasks.slots[i].tid)
			kill(a->tasks.slots[i].tid, SIGKILL);
}

static bool a_in_tree(struct engine *en, pid_t pid)
{
	struct attacher *a = en->mech;

	return task_find(&a->tasks, pid) != NULL;
}

static const struct engine_ops attach_ops = {
	.answer = a_answer,
	.answer_leak = a_answer_leak,
	.kill_tree = a_kill_tree,
	.in_tree = a_in_tree,
};

/* A syscall stop: judges the syscall it is about to make, or at a syscall's exit sets the
 * result of one that was skipped. */
static void on_syscall(struct attacher *a, pid_t tid)
{
	static struct dest dests[CALL_MAX_DESTS];
	struct __ptrace_syscall_info info;
	struct call c = { .dests = dests };
	struct task *k = task_find(&a->tasks, tid);
	int rc;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(info), &info) <= 0) {
		resume(tid, 0); /* gone */
		return;
	}
	if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		if (k)
			syscall_exit_fixup(tid, k);
		resume(tid, 0);
		return;
	}
	if (info.op != PTRACE_SYSCALL_INFO_ENTRY) {
		resume(tid, 0);
		return;
	}
	rc = syscall_decode(tid, info.arch, info.entry.nr, info.entry.args,
			    engine_allowances(a->en.s), &c);
	/* An unreadable block is a leak: blocked, or in log mode run as it is. */
	if (k && c.def && c.abi == ABI_I386 && (uint32_t)info.entry.nr == I386_NR_SOCKETCALL &&
	    !c.unread_block && socketcall_to_direct(tid, &c, k) < 0) {
		resume(tid, 0); /* gone */
		return;
	}
	if (rc < 0) {
		resume(tid, 0); /* not one of ours, or no rule of its row holds */
		return;
	}
	if (k)
		k->emulating = true;
	engine_call(&a->en, &(struct ticket){ .tid = tid, .pidfd = tracee_thread_pidfd(tid) }, &c);
}

static void on_stop(struct attacher *a, pid_t pid, int status)
{
	int sig = WSTOPSIG(status);
	unsigned long msg = 0;
	struct task *k;

	a->en.sum.ptrace_stops++;
	if (taskset_add(&a->tasks, pid))
		a->en.sum.processes++;
	k = task_find(&a->tasks, pid);
	if (detach_requested && !k->emulating) {
		/* Leaving: a signal-delivery stop keeps its signal; a call's exit stop gets its
		 * registers and result first. */
		bool delivery = (unsigned)status >> 16 == 0 && sig != (SIGTRAP | 0x80);

		syscall_exit_fixup(pid, k);
		ptrace(PTRACE_DETACH, pid, 0L, (long)(delivery ? sig : 0));
		taskset_remove(&a->tasks, pid);
		return;
	}
	switch ((unsigned)status >> 16) {
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		if (ptrace(PTRACE_GETEVENTMSG, pid, 0L, &msg) == 0 && msg &&
		    taskset_add(&a->tasks, (pid_t)msg))
			a->en.sum.processes++;
		if (a->en.killing && msg)
			kill((pid_t)msg, SIGKILL);
		resume(pid, 0);
		return;
	case PTRACE_EVENT_EXEC:
		/* A non-leader that execs takes over the leader's tid (ptrace(2)). */
		if (ptrace(PTRACE_GETEVENTMSG, pid, 0L, &msg) == 0 && (pid_t)msg != pid)
			taskset_remove(&a->tasks, (pid_t)msg);
		resume(pid, 0);
		return;
	case PTRACE_EVENT_STOP:
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
			/* Group stop: stay stopped for job control, but keep reporting. */
			if (ptrace(PTRACE_LISTEN, pid, 0L, 0L) < 0 && errno != ESRCH)
				resume(pid, 0);
		} else {
			resume(pid, 0);
		}
		return;
	default:
		if (sig == (SIGTRAP | 0x80)) {
			on_syscall(a, pid); /* PTRACE_O_TRACESYSGOOD marks syscall stops */
			return;
		}
		resume(pid, sig); /* signal-delivery stop: pass the signal on */
		return;
	}
}

/* True when process pid is a traced task, or descends from one: a child the program
 * started before sockstrace attached is not traced, yet it is the program's. */
static bool from_tree(const struct attacher *a, pid_t pid)
{
	for (int depth = 0; pid > 1 && depth < 4096; depth++) {
		if (task_find(&a->tasks, pid))
			return true;
		pid = tracee_ppid(pid);
	}
	return false;
}

/*
 * A detach signal to sockstrace. It detaches when it comes from the terminal (SI_KERNEL:
 * the tty driver's signals have no sender) or from a kill(2) or tgkill(2) of a process
 * outside the traced tree, whose pid the kernel fills in. A signal from the tree would
 * untrace the program that sent it: ignored, and reported (once). Any other si_code
 * (sigqueue(3), rt_sigqueueinfo(2)) carries a sender pid the sender chose: ignored.
 */
static void on_detach_signal(struct attacher *a, const struct signalfd_siginfo *si)
{
	const char *call = si->ssi_code == SI_TKILL ? "tgkill" : "kill";
	const char *name = sigabbrev_np((int)si->ssi_signo);
	pid_t sender = (pid_t)si->ssi_pid;
	char what[64];
	bool killed = si->ssi_code == SI_USER || si->ssi_code == SI_TKILL;

	if (si->ssi_code == SI_KERNEL || (killed && !from_tree(a, sender))) {
		if (!detach_requested)
			detach_requested = 1;
		return;
	}
	if (!killed || a->tamper_reported)
		return;
	a->tamper_reported = true;
	snprintf(what, sizeof(what), "%s(%d, SIG%s)", call, (int)getpid(), name ? name : "?");
	engine_report_tamper(&a->en, sender, call, what);
}

/* Reads every signal that has come: SIGCHLD only wakes the loop, the others are judged. Run
 * before a traced task that exited is forgotten: a signal it sent before it exited is
 * then still known to be the tree's. */
static void read_signals(struct attacher *a)
{
	struct signalfd_siginfo si;

	while (read(a->signal_fd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo != SIGCHLD)
			on_detach_signal(a, &si);
}

/*
 * Seizes every thread of process pid, again until no new one appears (threads started by a
 * thread already seized are seized by the kernel), and interrupts each so that it stops and
 * is restarted with PTRACE_SYSCALL. Returns 0, or -errno with err filled.
 */
static int seize_all(struct attacher *a, pid_t pid, char *err, size_t errlen)
{
	/* PTRACE_O_EXITKILL: a tracer killed (SIGKILL cannot be caught, and the program may
	 * send it) never leaves the program running untraced. */
	const long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
			     PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
	char path[64];
	bool added;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	do {
		_cleanup_closedir_ DIR *d = opendir(path);
		struct dirent *ent;

		if (!d) {
			snprintf(err, errlen, "cannot attach to process %d: %s", pid, strerror(errno));
			return -ESRCH;
		}
		added = false;
		while ((ent = readdir(d))) {
			pid_t tid = (pid_t)atoi(ent->d_name);

			if (tid <= 0 || task_find(&a->tasks, tid))
				continue;
			if (ptrace(PTRACE_SEIZE, tid, 0L, options) < 0) {
				if (tid != pid)
					continue; /* a thread that just exited */
				snprintf(err, errlen, "cannot attach to process %d: %s%s", pid,
					 strerror(errno), errno == EPERM
					 ? " (see kernel.yama.ptrace_scope, or run as root)" : "");
				return -errno;
			}
			ptrace(PTRACE_INTERRUPT, tid, 0L, 0L);
			taskset_add(&a->tasks, tid);
			a->en.sum.processes++;
			added = true;
		}
	} while (added);
	return 0;
}

int attach_run(const struct settings *s, struct report *r, struct summary *ret,
	       char *err, size_t errlen)
{
	static const int signals[] = { SIGCHLD, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
	struct attacher a = { .signal_fd = -1 };
	sigset_t set;
	int rc, status;
	pid_t pid;

	/* Blocked first: a signal that comes while the tasks are seized is judged after. */
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		sigaddset(&set, signals[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	rc = engine_init(&a.en, s, r, &attach_ops, &a, err, errlen);
	if (rc == 0)
		rc = seize_all(&a, s->attach, err, errlen);
	a.signal_fd = rc < 0 ? -1 : signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (rc == 0 && a.signal_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot set up the event loop: %s", strerror(-rc));
	}
	if (rc < 0) {
		engine_free(&a.en);
		free(a.tasks.slots);
		ret->status = EXIT_FAILURE_OWN;
		return rc;
	}
	engine_protect_self();
	for (;;) {
		struct pollfd fds[3] = { { .fd = a.signal_fd, .events = POLLIN },
					 { .fd = engine_done_fd(&a.en), .events = POLLIN },
					 { .fd = compare_fd(a.en.cmp), .events = POLLIN } };

		if (detach_requested == 1) {
			/* Every task stops once more, and is detached at that stop. */
			for (size_t i = 0; i < a.tasks.size; i++)
				if (a.tasks.slots[i].tid)
					ptrace(PTRACE_INTERRUPT, a.tasks.slots[i].tid, 0L, 0L);
			detach_requested = 2;
		}
		pid = waitpid(-1, &status, __WALL | WNOHANG);
		if (pid > 0) {
			if (WIFEXITED(status) || WIFSIGNALED(status)) {
				read_signals(&a);
				taskset_remove(&a.tasks, pid);
			} else if (WIFSTOPPED(status)) {
				on_stop(&a, pid, status);
			}
			continue;
		}
		if (pid < 0 && errno != EINTR)
			break; /* ECHILD: every traced task has exited or is detached */
		if (poll(fds, 3, -1) <= 0)
			continue;
		if (fds[1].revents & POLLIN)
			engine_completed(&a.en);
		if (fds[0].revents & POLLIN)
			read_signals(&a);
		if (fds[2].revents)
			compare_drain(a.en.cmp);
	}
	close(a.signal_fd);
	free(a.tasks.slots);
	compare_report(a.en.cmp, r);
	a.en.sum.detached = detach_requested != 0;
	a.en.sum.status = engine_exit_status(&a.en);
	*ret = a.en.sum;
	engine_free(&a.en);
	return 0;
}
