/* Runs a program under ptrace and the seccomp filter, and judges its network syscalls.
 * The only file that calls ptrace(). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "compare.h"
#include "coredump.h"
#include "dnsproxy.h"
#include "emulate.h"
#include "filter.h"
#include "netns.h"
#include "policy.h"
#include "syscalls.h"
#include "tasks.h"
#include "tracee.h"
#include "tracer.h"
#include "unwind.h"

struct tracer {
	const struct settings *s; /* what to allow and what to do */
	struct report *r;         /* where leaks go */
	struct summary sum;       /* counters for the end */
	struct taskset tasks;     /* every live traced task */
	pid_t main_pid;           /* the program sockstrace started */
	bool main_execed;         /* main_pid got as far as its execve() */
	int exec_error_fd;        /* read end of the pipe the child reports execve() errors on */
	bool killing;             /* the kill action fired: the whole tree is being killed */
	int done_pipe[2];         /* workers write finished emulations (pointers) here */
	int sigchld_fd;           /* signalfd of SIGCHLD: a task changed state */
	int start_status;         /* exit status when the program could not be started */
	struct netns_plan plan;   /* --netns: what the program's namespace is set up with */
	char nonce[32];           /* random, per run: per-process proxy credentials */
	struct compare *cmp;      /* --preload: the shim's records against the kernel; or NULL */
};

/* The program sockstrace started, while it lives: signals to sockstrace go there. */
static volatile sig_atomic_t forward_pid;
/* A signal that came when the program was gone: the loop passes it to every task. */
static volatile sig_atomic_t pending_signal;

/* How stopped tasks are restarted: PTRACE_CONT, where the seccomp filter decides what stops;
 * PTRACE_SYSCALL with --attach, where there is no filter and every syscall stops. */
static enum __ptrace_request restart_request = PTRACE_CONT;
/* --attach: detach from everything and exit (sockstrace got a signal). */
static volatile sig_atomic_t detach_requested;

/* Restarts a stopped task; a task that vanished (ESRCH) will report its exit. */
static void resume(pid_t tid, int sig)
{
	if (ptrace(restart_request, tid, 0L, (long)sig) < 0 && errno != ESRCH)
		fprintf(stderr, "sockstrace: cannot resume task %d: %s\n", tid, strerror(errno));
}

/* Skips the syscall at a seccomp stop, so that it returns retval (0 or -errno) without
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

/* Skips a syscall with its result; with --attach the result is set again at the syscall's
 * exit stop, where the kernel may have put -ENOSYS for the skipped call. */
static void finish_syscall(struct tracer *tr, pid_t tid, long retval)
{
	struct task *k = task_find(&tr->tasks, tid);

	skip_syscall(tid, retval);
	if (k && restart_request == PTRACE_SYSCALL) {
		k->skipped = true;
		k->result = retval;
	}
}

/* Sends sig to every traced task. */
static void signal_all(struct tracer *tr, int sig)
{
	for (size_t i = 0; i < tr->tasks.size; i++)
		if (tr->tasks.slots[i].tid)
			kill(tr->tasks.slots[i].tid, sig);
}

/* What a call comes to once every destination is judged; later values win. */
enum outcome {
	OUTCOME_RUN,      /* let the syscall run */
	OUTCOME_NOOP,     /* skip it, returning 0 (a neutralised UDP route probe) */
	OUTCOME_BLOCK,    /* skip it, returning the block errno */
	OUTCOME_REDIRECT, /* perform the connect through the proxy instead */
};

/* What is known about the leaking thread, looked up once per call and only for leaks. */
struct leaker {
	bool known;             /* the fields below are filled */
	pid_t tgid;
	struct sock_info sock;
	char comm[32];
	char exe[512];
	struct frame frames[256];
	int n_frames;
	const char *stack_why;
	bool cored;             /* --core-dump was tried for this call */
	char core[4096];        /* the core file written, "" for none */
	const char *core_why;   /* why there is none, NULL when none was asked */
};

/* --core-dump: writes a core file of the leaking process while its thread is stopped at the
 * leak, once per call. */
static void leaker_core(struct tracer *tr, const struct call *c, struct leaker *l)
{
	static unsigned long serial;
	struct user_regs_struct regs;
	int rc;

	if (l->cored || !tr->s->core_dump)
		return;
	l->cored = true;
	l->core[0] = '\0';
	if (c->abi == ABI_I386) {
		l->core_why = "32-bit tracee, no core file";
		return;
	}
	snprintf(l->core, sizeof(l->core), "%s/core.sockstrace.%d.%lu", tr->s->core_dump, l->tgid,
		 ++serial);
	rc = ptrace(PTRACE_GETREGS, c->tid, 0L, &regs) < 0 ? -errno
	     : coredump_write(l->core, l->tgid, c->tid, &regs, l->comm);
	if (rc < 0) {
		l->core[0] = '\0';
		l->core_why = strerror(-rc);
	}
}

static void leaker_fill(struct tracer *tr, const struct call *c, struct leaker *l)
{
	if (l->known)
		return;
	l->known = true;
	l->tgid = tracee_tgid(c->tid);
	if (c->fd < 0 || tracee_sock_info(l->tgid, c->fd, &l->sock) < 0)
		l->sock = (struct sock_info){ 0 };
	tracee_comm(c->tid, l->comm, sizeof(l->comm));
	tracee_exe(l->tgid, l->exe, sizeof(l->exe));
	l->n_frames = 0;
	l->stack_why = NULL;
	l->cored = false;
	l->core_why = NULL;
	if (!tr->s->stack)
		return;
	l->n_frames = (c->abi == ABI_I386 ? unwind_stack32 : unwind_stack)(l->tgid, c->tid, l->frames,
									  tr->s->stack_depth,
									  &l->stack_why);
	if (l->n_frames < 0)
		l->n_frames = 0;
}

/*
 * A UDP connect() to a loopback address that is not a DNS port reaches nobody by itself:
 * glibc's getaddrinfo() makes such connects to sort its results (RFC 3484) and sends
 * nothing. It is not reported; unless the action is log, the socket is left unconnected
 * and the connect returns 0, so a later send without an address fails (EDESTADDRREQ).
 */
static bool is_route_probe(const struct call *c, const struct dest *d, const struct leaker *l)
{
	return c->def->nr_x86_64 == SYS_connect && d->error == 0 && l->sock.type == SOCK_DGRAM &&
	       endpoint_is_loopback(&d->ep) && d->ep.port != 53;
}

/* Completes an emulated syscall: the tracee's own is skipped with the tracer's result. */
static void complete(struct tracer *tr, struct emulation *e)
{
	struct task *k = task_find(&tr->tasks, emulate_tid(e));
	/* A task that died meanwhile is gone from the table, and a task that reused its tid
	 * waits for an emulation of its own, if any. */
	bool ours = k && k->emulating == e;
	pid_t tid;
	long result = emulate_finish(e, &tid);

	if (!ours)
		return;
	k->emulating = NULL;
	finish_syscall(tr, tid, result);
	resume(tid, 0);
}

/*
 * Runs a call whose destinations are all allowed (or logged). The tracer performs it on a
 * duplicate of the socket with its own copy of the addresses: another thread changing the
 * tracee's sockaddr after the check cannot redirect it. A call that may block runs in a
 * worker while the tracee stays stopped, so that other tracees go on.
 */
static void run_allowed(struct tracer *tr, const struct call *c)
{
	struct task *k = task_find(&tr->tasks, c->tid);
	struct emulation *e = NULL;
	int pidfd = k ? task_pidfd(k) : -1;
	int rc = pidfd < 0 ? 0 : emulate_prepare(pidfd, c, &e);

	if (rc == 0) {
		resume(c->tid, 0);
	} else if (rc < 0) {
		finish_syscall(tr, c->tid, rc);
		resume(c->tid, 0);
	} else if (!emulate_blocks(e)) {
		emulate_run(e);
		k->emulating = e;
		complete(tr, e);
	} else {
		k->emulating = e;
		if (emulate_async(e, tr->done_pipe[1]) < 0)
			complete(tr, e);
	}
}

/* A leaking destination that redirect mode can send through the proxy: a TCP connect. */
static bool redirectable(const struct call *c, const struct dest *d, const struct leaker *l)
{
	return c->def->nr_x86_64 == SYS_connect && d->error == 0 && l->sock.type == SOCK_STREAM &&
	       (l->sock.domain == AF_INET || l->sock.domain == AF_INET6) &&
	       (d->ep.family == AF_INET || d->ep.family == AF_INET6);
}

/* With --dns proxy, a destination that is one of the nameservers sockstrace answers for. */
static bool is_nameserver(const struct netns_plan *plan, const struct dest *d)
{
	if (!plan->dns || d->error)
		return false;
	for (size_t i = 0; i < plan->n_nameservers; i++) {
		const struct endpoint *ns = &plan->nameservers[i];
		if (ns->family == d->ep.family && ns->port == d->ep.port &&
		    memcmp(ns->addr, d->ep.addr, ns->family == AF_INET ? 4 : 16) == 0)
			return true;
	}
	return false;
}

/* The first proxy an IP socket of this domain can reach: an IPv6 socket reaches an IPv4
 * proxy by its IPv4-mapped address. */
static const struct proxy *proxy_for(const struct policy *p, int domain)
{
	for (size_t i = 0; i < p->n_proxies; i++) {
		int family = p->proxies[i].where.family;
		if (p->proxies[i].kind != PROXY_UNIX &&
		    (family == domain || (domain == AF_INET6 && family == AF_INET)))
			return &p->proxies[i];
	}
	return NULL;
}

/*
 * Redirects a leaking TCP connect through the proxy, in a worker while the tracee stays
 * stopped. Credentials follow the isolation setting: with Tor's IsolateSOCKSAuth,
 * connections with different credentials never share a circuit.
 */
static void run_redirect(struct tracer *tr, const struct call *c, const struct leaker *l)
{
	const struct settings *s = tr->s;
	struct task *k = task_find(&tr->tasks, c->tid);
	const struct proxy *proxy = proxy_for(&s->policy, l->sock.domain);
	char user[PROXY_CREDENTIAL_MAX], pass[PROXY_CREDENTIAL_MAX];
	struct proxy_auth auth = { user, pass };
	struct emulation *e = NULL;
	int pidfd = k ? task_pidfd(k) : -1;
	int rc;

	switch (s->isolation) {
	case ISOLATE_CONNECTION:
		proxy_random_auth(user, pass, sizeof(user));
		break;
	case ISOLATE_PROCESS:
		snprintf(user, sizeof(user), "sockstrace-%.16s-%d", tr->nonce, l->tgid);
		snprintf(pass, sizeof(pass), "%.16s", tr->nonce);
		break;
	case ISOLATE_NONE:
		auth.user = NULL;
		break;
	case ISOLATE_FIXED:
		auth = (struct proxy_auth){ s->proxy_user, s->proxy_pass ? s->proxy_pass : "" };
		break;
	}
	rc = !proxy || pidfd < 0 ? -ECONNREFUSED : emulate_prepare_redirect(pidfd, c, proxy, &auth, &e);
	if (rc < 0) {
		finish_syscall(tr, c->tid, rc);
		resume(c->tid, 0);
		return;
	}
	k->emulating = e;
	if (emulate_async(e, tr->done_pipe[1]) < 0)
		complete(tr, e);
}

/* --preload: tells the comparison what the kernel was asked to reach, and the verdict. */
static void preload_note(struct tracer *tr, const struct call *c, const struct dest *d,
			 enum kernel_verdict v, enum leak_action action)
{
	struct task *k;

	if (!tr->cmp)
		return;
	k = task_find(&tr->tasks, c->tid);
	if (k && !k->tgid)
		k->tgid = tracee_tgid(c->tid);
	compare_kernel(tr->cmp, k ? k->tgid : tracee_tgid(c->tid), c->tid, c->def->name,
		       c->abi == ABI_I386, d, v, action);
}

static void judge(struct tracer *tr, struct call *c)
{
	static struct leaker l;
	enum leak_action action = tr->killing ? ACTION_BLOCK : tr->s->on_leak;
	enum outcome outcome = OUTCOME_RUN;

	if (c->deny_errno) {
		finish_syscall(tr, c->tid, -(long)c->deny_errno);
		resume(c->tid, 0);
		return;
	}
	l.known = false;
	for (size_t i = 0; i < c->n_dests; i++) {
		const struct dest *d = &c->dests[i];
		struct decision dec = { VERDICT_LEAK, "unreadable or malformed address" };
		enum leak_action act;
		struct leak_event e;
		bool dns;

		if (d->error == 0) {
			dec = policy_check(&tr->s->policy, &d->ep);
			if (dec.verdict == VERDICT_ALLOW) {
				preload_note(tr, c, d, KERNEL_ALLOWED, action);
				if (tr->r->verbose)
					report_allowed(tr->r, c->tid, c->def->name, &d->ep, dec.rule);
				continue;
			}
		}
		leaker_fill(tr, c, &l);
		if (is_route_probe(c, d, &l)) {
			preload_note(tr, c, d, KERNEL_PROBE, action);
			if (action != ACTION_LOG && outcome < OUTCOME_NOOP)
				outcome = OUTCOME_NOOP;
			continue;
		}
		act = action;
		dns = is_nameserver(&tr->plan, d);
		if (dns) {
			/* --dns proxy: the query goes to sockstrace's own responder in the
			 * program's namespace, which resolves through the proxy. */
			act = ACTION_REDIRECT;
			dec.rule = "DNS answered through the proxy";
		} else if (act == ACTION_REDIRECT && !redirectable(c, d, &l)) {
			act = ACTION_BLOCK;
			dec.rule = "only a TCP connect can go through the proxy";
		}
		leaker_core(tr, c, &l);
		e = (struct leak_event){
			.pid = l.tgid, .tid = c->tid, .comm = l.comm, .exe = l.exe,
			.syscall = c->def->name, .arch = c->abi == ABI_I386 ? "i386" : "x86_64",
			.dest = d, .transport = sock_transport(&l.sock, d->ep.family),
			.rule = dec.rule, .action = act,
			.frames = l.frames, .n_frames = l.n_frames, .stack_why = l.stack_why,
			.core = l.core[0] ? l.core : NULL, .core_why = l.core_why,
		};
		report_leak(tr->r, &e);
		preload_note(tr, c, d, KERNEL_LEAK, act);
		tr->sum.leaks++;
		tr->sum.leaks_by_action[act]++;
		if (dns)
			continue; /* runs as it is: the responder is local */
		if (act == ACTION_REDIRECT)
			outcome = OUTCOME_REDIRECT;
		else if (act != ACTION_LOG)
			outcome = OUTCOME_BLOCK;
	}
	if (outcome == OUTCOME_REDIRECT) {
		run_redirect(tr, c, &l);
		return;
	}
	if (outcome == OUTCOME_RUN) {
		run_allowed(tr, c);
		return;
	}
	finish_syscall(tr, c->tid, outcome == OUTCOME_NOOP ? 0
			     : -(long)(tr->s->block_errno ? tr->s->block_errno : c->def->block_errno));
	if (outcome == OUTCOME_BLOCK && action == ACTION_KILL) {
		tr->killing = true;
		signal_all(tr, SIGKILL);
	}
	resume(c->tid, 0);
}

/* A seccomp stop, or with --attach a syscall stop: judges the syscall it is about to make,
 * or at a syscall's exit sets the result of one that was skipped. */
static void on_syscall(struct tracer *tr, pid_t tid)
{
	static struct dest dests[CALL_MAX_DESTS];
	struct __ptrace_syscall_info info;
	struct call c = { .dests = dests };
	struct task *k;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(info), &info) <= 0) {
		resume(tid, 0); /* gone */
		return;
	}
	if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		k = task_find(&tr->tasks, tid);
		if (k && k->skipped) {
			k->skipped = false;
			skip_syscall(tid, k->result);
		}
		resume(tid, 0);
		return;
	}
	if (info.op == PTRACE_SYSCALL_INFO_SECCOMP)
		tr->sum.seccomp_stops++;
	/* The entry and seccomp views share their layout: nr, then args. */
	if ((info.op != PTRACE_SYSCALL_INFO_SECCOMP && info.op != PTRACE_SYSCALL_INFO_ENTRY) ||
	    syscall_decode(tid, info.arch, info.entry.nr, info.entry.args, &c) < 0) {
		/* Not one of ours: with --attach every syscall stops; under the filter, a stop
		 * that a filter of the tracee's own asked for. */
		resume(tid, 0);
		return;
	}
	judge(tr, &c);
}

static void on_exit_status(struct tracer *tr, pid_t pid, int status)
{
	taskset_remove(&tr->tasks, pid);
	unwind_forget(pid);
	compare_exit(tr->cmp, pid);
	if (pid != tr->main_pid)
		return;
	forward_pid = 0;
	tr->sum.program_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* True while tid is a task that we trace and have not reaped (waitid(2) with WNOWAIT changes
 * nothing): false for one whose exit we already handled, whoever has its tid now. */
static bool still_traced(pid_t tid)
{
	siginfo_t si;

	return waitid(P_PID, (id_t)tid, &si, WEXITED | WSTOPPED | WNOHANG | WNOWAIT | __WALL) == 0;
}

static void on_stop(struct tracer *tr, pid_t pid, int status)
{
	int sig = WSTOPSIG(status);
	unsigned long msg = 0;

	tr->sum.ptrace_stops++;
	if (taskset_add(&tr->tasks, pid))
		tr->sum.processes++;
	if (detach_requested && !task_find(&tr->tasks, pid)->emulating) {
		/* --attach, leaving: a signal-delivery stop keeps its signal. */
		bool delivery = (unsigned)status >> 16 == 0 && sig != (SIGTRAP | 0x80);
		ptrace(PTRACE_DETACH, pid, 0L, (long)(delivery ? sig : 0));
		taskset_remove(&tr->tasks, pid);
		return;
	}
	switch ((unsigned)status >> 16) {
	case PTRACE_EVENT_SECCOMP:
		on_syscall(tr, pid);
		return;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		/* The new task may have run and exited, its exit handled, before this event:
		 * then its tid is no task of ours any more (and may be reused outside the tree).
		 * Without the message, msg stays 0: never kill(0), sockstrace's own group. */
		if (ptrace(PTRACE_GETEVENTMSG, pid, 0L, &msg) < 0 || !still_traced((pid_t)msg))
			msg = 0;
		if (msg && taskset_add(&tr->tasks, (pid_t)msg))
			tr->sum.processes++;
		if ((unsigned)status >> 16 == PTRACE_EVENT_VFORK && msg)
			compare_vfork(tr->cmp, (pid_t)msg);
		if (tr->killing && msg)
			kill((pid_t)msg, SIGKILL);
		resume(pid, 0);
		return;
	case PTRACE_EVENT_EXEC:
		/* A non-leader that execs takes over the leader's tid; its own tid vanishes
		 * without an exit report (ptrace(2), "execve(2) under ptrace"). */
		if (ptrace(PTRACE_GETEVENTMSG, pid, 0L, &msg) == 0 && (pid_t)msg != pid)
			taskset_remove(&tr->tasks, (pid_t)msg);
		unwind_forget(pid);
		compare_exec(tr->cmp, pid);
		if (pid == tr->main_pid)
			tr->main_execed = true;
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
			on_syscall(tr, pid); /* --attach: PTRACE_O_TRACESYSGOOD marks syscall stops */
			return;
		}
		/* Signal-delivery stop: pass the signal on. */
		resume(pid, sig);
		return;
	}
}

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (restart_request == PTRACE_SYSCALL) {
		/* --attach: like strace -p, a signal to sockstrace means "stop tracing". */
		detach_requested = 1;
		return;
	}
	/* A signal from the terminal (SI_KERNEL) reached the program's process group too. */
	if (si->si_code == SI_KERNEL)
		return;
	if (forward_pid > 0)
		kill(forward_pid, sig);
	else
		pending_signal = sig;
}

static void install_signal_handlers(void)
{
	static const int forwarded[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &sa, NULL);
	/* Output errors are handled where they happen. */
	signal(SIGPIPE, SIG_IGN);
}

/* Where the child failed to get to the program. */
enum start_stage {
	STAGE_NETNS,  /* setting up --netns */
	STAGE_FILTER, /* loading the seccomp filter */
	STAGE_EXEC,   /* execve() */
};

/* What the child reports on its pipe when it cannot get to the program. */
struct start_error {
	enum start_stage stage;
	int error;    /* -errno */
};

/* In the child: enter the network namespace (--netns), load the filter, wait to be seized,
 * exec. Never returns. netns_fd is the tracer's end for the relay's sockets, or -1. */
static void __attribute__((noreturn)) child(const struct netns_plan *plan, scmp_filter_ctx filter,
					    int netns_fd, int err_fd, char *const argv[])
{
	struct start_error e = { .stage = STAGE_NETNS };

	if (netns_fd >= 0)
		e.error = netns_enter(plan, netns_fd);
	if (e.error == 0) {
		e.stage = STAGE_FILTER;
		e.error = seccomp_load(filter);
	}
	raise(SIGSTOP);
	if (e.error == 0) {
		e.stage = STAGE_EXEC;
		execvp(argv[0], argv);
		e.error = -errno;
	}
	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(EXIT_FAILURE_OWN);
	_exit(EXIT_FAILURE_OWN);
}

/* Reads why the child could not start the program: the status to exit with, or 0 when it
 * did not say. */
static int start_failure(struct tracer *tr, const char *program, char *err, size_t errlen)
{
	static const char *const what[] = {
		[STAGE_NETNS] = "cannot set up the network namespace (--netns) for",
		[STAGE_FILTER] = "cannot load the seccomp filter for",
		[STAGE_EXEC] = "cannot run",
	};
	struct start_error e;

	if (read(tr->exec_error_fd, &e, sizeof(e)) != sizeof(e) || e.error >= 0 ||
	    e.stage > STAGE_EXEC)
		return 0;
	snprintf(err, errlen, "%s '%s': %s", what[e.stage], program, strerror(-e.error));
	if (e.stage != STAGE_EXEC)
		return EXIT_FAILURE_OWN;
	return e.error == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

/* Starts the child and seizes it. Returns its pid, or -errno with err filled. */
static pid_t spawn(struct tracer *tr, char *const argv[], char *err, size_t errlen)
{
	scmp_filter_ctx filter;
	int pipefd[2], netns[2] = { -1, -1 }, status, rc;
	pid_t pid;

	rc = filter_build(tr->s->io_uring, &filter);
	if (rc < 0) {
		snprintf(err, errlen, "cannot build the seccomp filter: %s", strerror(-rc));
		return rc;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0 ||
	    (tr->s->netns && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, netns) < 0)) {
		rc = -errno;
		seccomp_release(filter);
		snprintf(err, errlen, "pipe: %s", strerror(-rc));
		return rc;
	}
	pid = fork();
	if (pid == 0) {
		if (netns[0] >= 0)
			close(netns[0]);
		compare_child(tr->cmp);
		child(&tr->plan, filter, netns[1], pipefd[1], argv);
	}
	rc = -errno;
	seccomp_release(filter);
	close(pipefd[1]);
	compare_forked(tr->cmp);
	if (netns[1] >= 0)
		close(netns[1]);
	tr->exec_error_fd = pipefd[0];
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(-rc));
		return rc;
	}
	if (netns[0] >= 0) {
		/* Returns when the child has sent its listeners and closed its end. */
		struct netns_dns dns;

		rc = netns_relay_start(&tr->plan, netns[0], &dns);
		if (rc == 0 && tr->plan.dns)
			rc = dnsproxy_start(&tr->plan, &dns);
		if (rc < 0) {
			snprintf(err, errlen, "cannot start the --netns relay: %s", strerror(-rc));
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return rc;
		}
	}
	if (waitpid(pid, &status, WSTOPPED) != pid || !WIFSTOPPED(status)) {
		tr->start_status = start_failure(tr, argv[0], err, errlen);
		if (!tr->start_status)
			snprintf(err, errlen, "the program's process died before it was traced");
		return -ECHILD;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0L,
		   (long)(PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE |
			  PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot trace the program: %s%s", strerror(-rc),
			 rc == -EPERM ? " (is ptrace forbidden here? see kernel.yama.ptrace_scope)" : "");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return rc;
	}
	kill(pid, SIGCONT);
	return pid;
}

/*
 * --attach: seizes every thread of process pid, again until no new one appears (threads
 * started by a thread already seized are seized by the kernel), and interrupts each so that
 * it stops and is restarted with PTRACE_SYSCALL. No filter can be added to a running process
 * from outside, so every syscall stops. Returns pid, or -errno with err filled.
 */
static pid_t attach(struct tracer *tr, pid_t pid, char *err, size_t errlen)
{
	const long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
			     PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC;
	char path[64];
	bool added;

	restart_request = PTRACE_SYSCALL;
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

			if (tid <= 0 || task_find(&tr->tasks, tid))
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
			taskset_add(&tr->tasks, tid);
			tr->sum.processes++;
			added = true;
		}
	} while (added);
	return pid;
}

int tracer_run(const struct settings *s, struct report *r, char *const argv[],
	       struct summary *ret, char *err, size_t errlen)
{
	struct tracer tr = { .s = s, .r = r, .exec_error_fd = -1, .sigchld_fd = -1,
			     .done_pipe = { -1, -1 } };
	sigset_t chld;
	char user[PROXY_CREDENTIAL_MAX], pass[PROXY_CREDENTIAL_MAX];
	pid_t pid;
	int status;

	proxy_random_auth(user, pass, sizeof(user));
	snprintf(tr.nonce, sizeof(tr.nonce), "%.16s", pass);
	tr.plan = (struct netns_plan){ .policy = &s->policy, .dns = s->dns == DNS_PROXY };
	if (tr.plan.dns)
		tr.plan.n_nameservers = netns_read_nameservers("/etc/resolv.conf", tr.plan.nameservers,
							       NETNS_MAX_NAMESERVERS);
	if (s->preload && (status = compare_new(&tr.cmp, err, errlen)) < 0) {
		ret->status = EXIT_FAILURE_OWN;
		return status;
	}
	pid = s->attach ? attach(&tr, s->attach, err, errlen) : spawn(&tr, argv, err, errlen);
	if (pid < 0) {
		compare_free(tr.cmp);
		ret->status = tr.start_status ? tr.start_status : EXIT_FAILURE_OWN;
		return pid;
	}
	tr.main_pid = pid;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	tr.sigchld_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (tr.sigchld_fd < 0 || pipe2(tr.done_pipe, O_CLOEXEC) < 0 ||
	    fcntl(tr.done_pipe[0], F_SETFL, O_NONBLOCK) < 0) {
		/* The program is seized and stopped: EXITKILL ends it when we exit. */
		snprintf(err, errlen, "cannot set up the event loop: %s", strerror(errno));
		ret->status = EXIT_FAILURE_OWN;
		return -errno;
	}
	if (taskset_add(&tr.tasks, pid))
		tr.sum.processes++;
	tr.main_execed = tr.main_execed || s->attach;
	forward_pid = s->attach ? 0 : pid;
	install_signal_handlers();

	for (;;) {
		struct pollfd fds[3] = { { .fd = tr.sigchld_fd, .events = POLLIN },
					 { .fd = tr.done_pipe[0], .events = POLLIN },
					 { .fd = compare_fd(tr.cmp), .events = POLLIN } };
		struct emulation *e;
		struct signalfd_siginfo si;

		if (pending_signal) {
			signal_all(&tr, pending_signal);
			pending_signal = 0;
		}
		if (detach_requested == 1) {
			/* Every task stops once more, and is detached at that stop. */
			for (size_t i = 0; i < tr.tasks.size; i++)
				if (tr.tasks.slots[i].tid)
					ptrace(PTRACE_INTERRUPT, tr.tasks.slots[i].tid, 0L, 0L);
			detach_requested = 2;
		}
		pid = waitpid(-1, &status, __WALL | WNOHANG);
		if (pid > 0) {
			/* Records sent before this event belong before it (an exec, an exit). */
			compare_drain(tr.cmp);
			if (WIFEXITED(status) || WIFSIGNALED(status))
				on_exit_status(&tr, pid, status);
			else if (WIFSTOPPED(status))
				on_stop(&tr, pid, status);
			continue;
		}
		if (pid < 0 && errno != EINTR)
			break; /* ECHILD: every traced task has exited */
		if (read(tr.done_pipe[0], &e, sizeof(e)) == sizeof(e)) {
			complete(&tr, e);
			continue;
		}
		/* Nothing to do until a task changes state or a worker finishes. */
		if (poll(fds, 3, -1) > 0 && (fds[0].revents & POLLIN))
			while (read(tr.sigchld_fd, &si, sizeof(si)) > 0)
				;
		if (fds[2].revents)
			compare_drain(tr.cmp);
	}
	free(tr.tasks.slots);

	close(tr.sigchld_fd);
	close(tr.done_pipe[0]);
	if (!tr.main_execed && (status = start_failure(&tr, argv[0], err, errlen)) != 0) {
		compare_free(tr.cmp);
		close(tr.exec_error_fd);
		ret->status = status;
		return -ECHILD;
	}
	close(tr.exec_error_fd);
	compare_report(tr.cmp, r);
	compare_free(tr.cmp);
	tr.sum.detached = detach_requested != 0;
	tr.sum.status = tr.sum.leaks && s->leak_exit_code ? s->leak_exit_code : tr.sum.program_status;
	*ret = tr.sum;
	return 0;
}
