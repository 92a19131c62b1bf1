/* What is done with an intercepted call, whichever mechanism obtained it: judging (judge.c),
 * then acting on the outcome — emulation, redirect, block, kill — and reporting. The
 * mechanisms (notify.c: seccomp user notification; attach.c: the ptrace loop of --attach)
 * obtain calls and answer them through struct engine_ops; they never decide. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "compare.h"
#include "config.h"
#include "netns.h"
#include "report.h"
#include "syscalls.h"
#include "tracee.h"
#include "unwind.h"

/* One intercepted call waiting for its answer. */
struct ticket {
	uint64_t id;  /* the notification's id (seccomp user notification); 0 with ptrace */
	pid_t tid;    /* the calling thread, as sockstrace's PID namespace names it */
	int pidfd;    /* tracee_thread_pidfd() of it, opened before the call was known to be
		       * still waiting (so it cannot be another task's that reused the tid),
		       * or -errno; engine_call() closes it */
};

/* What is known about a leaking thread: looked up once per call, and only for leaks. */
struct leaker {
	pid_t tgid;
	bool i386;              /* the call came through the i386 ABI */
	struct sock_info sock;
	char comm[32];
	char exe[512];
	struct frame frames[256];
	int n_frames;
	const char *stack_why;  /* why there is no stack; NULL when there is one or none asked */
	char stack_why_buf[96]; /* room for a stack_why that names a process */
	char core[4096];        /* the core file written, "" for none */
	const char *core_why;   /* why there is none, NULL when none was asked */
};

struct engine;

/* How a mechanism answers calls. */
struct engine_ops {
	/* Answers t: result (>= 0, or -errno) as the syscall's return value; with cont, the
	 * kernel runs the call as it is instead. */
	void (*answer)(struct engine *en, const struct ticket *t, long result, bool cont);
	/* Answers t like answer() and takes the calling thread's stack (and core dump, when
	 * asked) into l as the thread returns from the call, registers as at the call. */
	void (*answer_leak)(struct engine *en, const struct ticket *t, long result, bool cont,
			    struct leaker *l);
	/* Kills every process of the traced tree. */
	void (*kill_tree)(struct engine *en);
	/* True when pid, as the program names it, is a process of the traced tree. */
	bool (*in_tree)(struct engine *en, pid_t pid);
};

struct engine {
	const struct settings *s;     /* what to allow and what to do */
	struct report *r;             /* where leaks go */
	struct summary sum;           /* counters for the end */
	const struct engine_ops *ops; /* the mechanism */
	void *mech;                   /* the mechanism's own state */
	bool killing;                 /* the kill action fired: the tree is being killed */
	bool kill_due;                /* ... and the mechanism kills it before the leaking
				       * call goes on (engine_kill_if_due) */
	int done_pipe[2];             /* workers write finished emulations here */
	struct netns_plan plan;       /* what the program's network namespace is set up with */
	struct netns_id program_ns;   /* that namespace once it exists; ino 0: none */
	int listener;                 /* the seccomp listener, for socket hand-overs; -1: none
				       * (--attach) */
	struct endpoint resolvers[NETNS_MAX_NAMESERVERS]; /* resolv.conf's nameservers */
	size_t n_resolvers;
	char nonce[32];               /* random, per run: per-process proxy credentials */
	struct compare *cmp;          /* --preload: the shim's records; or NULL */
};

/* The leaking thread tid is in a ptrace stop, registers as at the call: takes its stack and
 * (--core-dump) a core file of its process into l, as s asks. */
void leaker_take_stack(const struct settings *s, pid_t tid, struct leaker *l);

/* What the settings let through that the syscall table denies by default (ALLOW_*). */
unsigned engine_allowances(const struct settings *s);

/* Sets up en for s and r (the done pipe, the nonce, the --dns plan, --preload). Returns 0, or
 * -errno with a message in err. */
int engine_init(struct engine *en, const struct settings *s, struct report *r,
		const struct engine_ops *ops, void *mech, char *err, size_t errlen);
void engine_free(struct engine *en);

/* Judges c (decoded from the call t) and acts: the call is answered now, or later through
 * engine_completed() when it is performed in a worker. Closes t->pidfd. */
void engine_call(struct engine *en, const struct ticket *t, struct call *c);

/* Kills the tree when the kill action has fired and it is not done yet: mechanisms call
 * it before they let a leaking thread go on (after its stack is taken). */
void engine_kill_if_due(struct engine *en);

/* Reports an attempt on sockstrace that is no intercepted call (a signal from the traced
 * tree asking it to detach), by process pid, as a leak of kind tamper: syscall and what
 * ("kill(1234, SIGTERM)") describe it. It was refused; with the kill action the tree is
 * killed. */
void engine_report_tamper(struct engine *en, pid_t pid, const char *syscall, const char *what);

/* Puts sockstrace out of the program's reach where the kernel lets a process of the same user
 * in: not dumpable (no /proc/PID/mem, fd or ptrace access, PR_SET_DUMPABLE in prctl(2)),
 * SIGXFSZ ignored (a program lowering our RLIMIT_FSIZE with prlimit gets a failed write, not
 * a dead tracer), SIGPIPE ignored. */
void engine_protect_self(void);

/* The descriptor to poll for finished emulations, and what to call when it is readable. */
int engine_done_fd(const struct engine *en);
void engine_completed(struct engine *en);

/* The exit status for the end of the run, from the counters and the program's status. */
int engine_exit_status(const struct engine *en);
