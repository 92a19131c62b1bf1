/* What is done with an intercepted call: judge it, act on the outcome, report. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "emulate.h"
#include "engine.h"
#include "judge.h"
#include "policy.h"

/* The leaking destinations of a call performed in a worker, reported when it completes. */
struct pending {
	struct ticket t;          /* the call */
	const char *syscall;      /* the call's name */
	bool i386;                /* made through the i386 ABI */
	size_t n;                 /* leaking destinations below; 0: an allowed call */
	struct dest *dests;       /* copies of them */
	struct ruling *v;         /* and their rulings */
	struct leaker *l;         /* what is known of the thread; NULL when n is 0 */
};

int engine_init(struct engine *en, const struct settings *s, struct report *r,
		const struct engine_ops *ops, void *mech, char *err, size_t errlen)
{
	char user[PROXY_CREDENTIAL_MAX], pass[PROXY_CREDENTIAL_MAX];
	int rc;

	*en = (struct engine){ .s = s, .r = r, .ops = ops, .mech = mech, .done_pipe = { -1, -1 },
			       .listener = -1 };
	proxy_random_auth(user, pass, sizeof(user));
	snprintf(en->nonce, sizeof(en->nonce), "%.16s", pass);
	en->plan = (struct netns_plan){ .policy = &s->policy, .mode = s->netns,
					.dns = s->dns == DNS_PROXY };
	en->n_resolvers = netns_read_nameservers("/etc/resolv.conf", en->resolvers,
						 NETNS_MAX_NAMESERVERS);
	if (en->plan.dns) {
		memcpy(en->plan.nameservers, en->resolvers, sizeof(en->resolvers));
		en->plan.n_nameservers = en->n_resolvers;
	}
	if (pipe2(en->done_pipe, O_CLOEXEC) < 0 || fcntl(en->done_pipe[0], F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot set up the event loop: %s", strerror(-rc));
		return rc;
	}
	if (s->preload && (rc = compare_new(&en->cmp, err, errlen)) < 0)
		return rc;
	return 0;
}

void engine_free(struct engine *en)
{
	compare_free(en->cmp);
	en->cmp = NULL;
	for (int i = 0; i < 2; i++)
		if (en->done_pipe[i] >= 0)
			close(en->done_pipe[i]);
}

void engine_kill_if_due(struct engine *en)
{
	if (en->kill_due) {
		en->kill_due = false;
		en->ops->kill_tree(en);
	}
}

unsigned engine_allowances(const struct settings *s)
{
	return (s->io_uring ? ALLOW_IO_URING : 0) | (s->userfaultfd ? ALLOW_USERFAULTFD : 0);
}

int engine_done_fd(const struct engine *en)
{
	return en->done_pipe[0];
}

int engine_exit_status(const struct engine *en)
{
	return en->sum.leaks && en->s->leak_exit_code ? en->s->leak_exit_code
	       : en->sum.program_status;
}

/* Fills what is known of the leaking thread, before its stack. */
static void leaker_fill(const struct call *c, const struct sock_info *si, struct leaker *l)
{
	l->tgid = tracee_tgid(c->tid);
	l->i386 = c->abi == ABI_I386;
	l->sock = *si;
	tracee_comm(c->tid, l->comm, sizeof(l->comm));
	tracee_exe(l->tgid, l->exe, sizeof(l->exe));
	l->n_frames = 0;
	l->stack_why = NULL;
	l->core[0] = '\0';
	l->core_why = NULL;
}

/* --preload: tells the comparison what the kernel was asked to reach, and the verdict. */
static void preload_note(struct engine *en, pid_t tid, const char *syscall, bool i386,
			 const struct dest *d, enum kernel_verdict v, enum leak_action action)
{
	if (en->cmp)
		compare_kernel(en->cmp, tracee_tgid(tid), tid, syscall, i386, d, v, action);
}

/*
 * Reports the n leaking destinations (or the denied call what): with found, as found,
 * before the thread's stack is taken; else the same leaks completed, with the stack in l,
 * and counted. The leaks found are kept here until they are completed, which the
 * mechanisms do before they read the next call.
 */
static void report_leaks(struct engine *en, pid_t tid, const char *syscall, bool i386,
			 const char *what, size_t n, const struct dest *dests,
			 const struct ruling *v, const struct leaker *l, bool found)
{
	static const struct dest none;
	static struct leak_event events[CALL_MAX_DESTS];

	for (size_t i = 0; i < n && i < ARRAY_SIZE(events); i++) {
		const struct dest *d = what ? &none : &dests[i];
		bool probe = v[i].kind == VK_PROBE_REPORTED;
		struct leak_event *e = &events[i];

		if (found) {
			*e = (struct leak_event){
				.pid = l->tgid, .tid = tid, .comm = l->comm, .exe = l->exe,
				.syscall = syscall, .kind = v[i].leak, .probe_only = probe,
				.call = what, .arch = i386 ? "i386" : "x86_64", .dest = d,
				.transport = sock_transport(&l->sock, d->ep.family),
				.rule = v[i].rule, .action = v[i].act,
			};
			report_leak_found(en->r, e);
			continue;
		}
		e->frames = l->frames;
		e->n_frames = l->n_frames;
		e->stack_why = l->stack_why;
		e->core = l->core[0] ? l->core : NULL;
		e->core_why = l->core_why;
		report_leak(en->r, e, i == 0);
		if (probe) {
			en->sum.probes++;
			continue;
		}
		en->sum.leaks++;
		en->sum.leaks_by_action[v[i].act]++;
	}
}

void engine_report_tamper(struct engine *en, pid_t pid, const char *syscall, const char *what)
{
	static struct leaker l;
	struct ruling v = { VK_LEAK, "an attempt on sockstrace from the traced tree",
			    en->s->on_leak == ACTION_KILL ? ACTION_KILL : ACTION_BLOCK, KIND_TAMPER };

	l = (struct leaker){ .tgid = pid,
			     .stack_why = en->s->stack ? "no call of the sender's to stop at" : NULL };
	tracee_comm(pid, l.comm, sizeof(l.comm));
	tracee_exe(pid, l.exe, sizeof(l.exe));
	report_leaks(en, pid, syscall, false, what, 1, NULL, &v, &l, true);
	report_leaks(en, pid, syscall, false, what, 1, NULL, &v, &l, false);
	if (v.act == ACTION_KILL && !en->killing) {
		en->killing = true;
		en->ops->kill_tree(en);
	}
}

void engine_protect_self(void)
{
	prctl(PR_SET_DUMPABLE, 0);
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

/* Copies the destinations of c whose rulings are reported, with those rulings, into dests
 * and v (room for c->n_dests each). Returns how many. */
static size_t collect_reported(const struct call *c, const struct judgement *j,
			       struct dest *dests, struct ruling *v)
{
	size_t k = 0;

	for (size_t i = 0; i < c->n_dests; i++)
		if (ruling_reported(&j->v[i])) {
			dests[k] = c->dests[i];
			v[k++] = j->v[i];
		}
	return k;
}

/* Finishes a pending call: answers it and reports its leaks. */
static void pending_finish(struct engine *en, struct pending *p, long result)
{
	if (p->n) {
		report_leaks(en, p->t.tid, p->syscall, p->i386, NULL, p->n, p->dests, p->v, p->l,
			     true);
		en->ops->answer_leak(en, &p->t, result, false, p->l);
		report_leaks(en, p->t.tid, p->syscall, p->i386, NULL, p->n, p->dests, p->v, p->l,
			     false);
	} else {
		en->ops->answer(en, &p->t, result, false);
	}
	free(p->dests);
	free(p->v);
	free(p->l);
	free(p);
}

/* Keeps what the report needs of the leaking destinations of c for when e completes. */
static struct pending *pending_new(const struct ticket *t, const struct call *c,
				   const struct judgement *j, const struct leaker *l,
				   struct emulation *e)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	*p = (struct pending){ .t = *t, .syscall = c->def->name, .i386 = c->abi == ABI_I386 };
	p->t.pidfd = -1; /* engine_call() closes it */
	if (j->n_leaks) {
		p->dests = malloc(j->n_leaks * sizeof(*p->dests));
		p->v = malloc(j->n_leaks * sizeof(*p->v));
		p->l = malloc(sizeof(*p->l));
		if (!p->dests || !p->v || !p->l) {
			free(p->dests);
			free(p->v);
			free(p->l);
			free(p);
			return NULL;
		}
		*p->l = *l;
		p->n = collect_reported(c, j, p->dests, p->v);
	}
	emulate_set_owner(e, p);
	return p;
}

void engine_completed(struct engine *en)
{
	struct emulation *e;

	while (read(en->done_pipe[0], &e, sizeof(e)) == sizeof(e)) {
		struct pending *p = emulate_owner(e);
		pid_t tid;
		long result = emulate_finish(e, &tid);

		pending_finish(en, p, result);
	}
}

static void answer_leak_now(struct engine *en, const struct ticket *t, const struct call *c,
			    const struct judgement *j, struct leaker *l, long result, bool cont);

/* Performs e for the call t: inline when it cannot block, else in a worker. */
static void run_emulation(struct engine *en, const struct ticket *t, const struct call *c,
			  const struct judgement *j, struct leaker *l, struct emulation *e)
{
	struct pending *p;
	pid_t tid;

	if (!emulate_blocks(e)) {
		long result;

		emulate_run(e);
		result = emulate_finish(e, &tid);
		if (j->n_leaks)
			answer_leak_now(en, t, c, j, l, result, false);
		else
			en->ops->answer(en, t, result, false);
		return;
	}
	p = pending_new(t, c, j, l, e);
	if (!p) {
		emulate_finish(e, &tid);
		en->ops->answer(en, t, -ENOMEM, false);
		return;
	}
	if (emulate_async(e, en->done_pipe[1]) < 0)
		pending_finish(en, p, emulate_finish(e, &tid));
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

/* The proxy credentials for a redirected connection of process tgid: with Tor's
 * IsolateSOCKSAuth, connections with different credentials never share a circuit. */
static void redirect_auth(const struct engine *en, pid_t tgid, char *user, char *pass,
			  size_t size, struct proxy_auth *auth)
{
	const struct settings *s = en->s;

	*auth = (struct proxy_auth){ user, pass };
	switch (s->isolation) {
	case ISOLATE_CONNECTION:
		proxy_random_auth(user, pass, size);
		break;
	case ISOLATE_PROCESS:
		snprintf(user, size, "sockstrace-%.16s-%d", en->nonce, tgid);
		snprintf(pass, size, "%.16s", en->nonce);
		break;
	case ISOLATE_NONE:
		auth->user = NULL;
		break;
	case ISOLATE_FIXED:
		*auth = (struct proxy_auth){ s->proxy_user, s->proxy_pass ? s->proxy_pass : "" };
		break;
	}
}

/* Answers a leaking call now (result, or cont), taking the stack; reports it first, and
 * again completed with the stack. */
static void answer_leak_now(struct engine *en, const struct ticket *t, const struct call *c,
			    const struct judgement *j, struct leaker *l, long result, bool cont)
{
	static struct dest dests[CALL_MAX_DESTS];
	static struct ruling v[CALL_MAX_DESTS];
	const char *what = j->outcome == OUTCOME_DENY ? c->what : NULL;
	size_t k = what ? 1 : collect_reported(c, j, dests, v);
	const struct ruling *rulings = what ? j->v : v;

	report_leaks(en, t->tid, c->def->name, c->abi == ABI_I386, what, k, dests, rulings, l,
		     true);
	en->ops->answer_leak(en, t, result, cont, l);
	report_leaks(en, t->tid, c->def->name, c->abi == ABI_I386, what, k, dests, rulings, l,
		     false);
}

void engine_call(struct engine *en, const struct ticket *t, struct call *c)
{
	static struct ruling verdicts[CALL_MAX_DESTS];
	static struct leaker l;
	struct judgement j = { .v = verdicts };
	struct judge_context ctx = { .s = en->s, .plan = &en->plan, .killing = en->killing,
				     .resolvers = en->resolvers, .n_resolvers = en->n_resolvers };
	struct emulation *e = NULL;
	_cleanup_close_ int pidfd = t->pidfd;
	struct handover h = { .listener = en->listener, .id = t->id, .program_ns = &en->program_ns };
	int rc = 0;

	en->sum.seccomp_stops++;
	if (c->target)
		ctx.in_tree = en->ops->in_tree(en, c->target);
	if (c->def->inbound) {
		/* bind and listen are judged on the socket: its type, its bound address. */
		if (pidfd >= 0)
			tracee_sock_info(pidfd, c->fd, &en->program_ns, &ctx.sock);
		if (c->def->nr_x86_64 == SYS_listen &&
		    (ctx.sock.domain == AF_INET || ctx.sock.domain == AF_INET6))
			/* Unbound, it listens on every interface at a port of the kernel's. */
			c->dests[c->n_dests++] = (struct dest){
				.ep = ctx.sock.has_local ? ctx.sock.local
				      : (struct endpoint){ .family = ctx.sock.domain, .any = true } };
	}
	judge_call(&ctx, c, &j);
	if (!c->def->inbound && (j.outcome != OUTCOME_RUN || j.n_leaks)) {
		/* Not all allowed: what is done depends on the socket (a UDP route probe, a TCP
		 * connect that can be redirected), so judge again knowing it. */
		if (c->fd >= 0 && pidfd >= 0)
			tracee_sock_info(pidfd, c->fd, &en->program_ns, &ctx.sock);
		judge_call(&ctx, c, &j);
	}
	for (size_t i = 0; i < c->n_dests && c->def->inbound; i++)
		if (c->dests[i].ep.any) {
			/* Reported as bound: the wildcard address, every interface. */
			memset(c->dests[i].ep.addr, 0, sizeof(c->dests[i].ep.addr));
			c->dests[i].ep.any = false;
		}
	for (size_t i = 0; i < c->n_dests && !c->deny_errno && !c->def->inbound; i++) {
		if (j.v[i].kind == VK_ALLOW) {
			preload_note(en, c->tid, c->def->name, c->abi == ABI_I386, &c->dests[i],
				     KERNEL_ALLOWED, en->s->on_leak);
			if (en->r->verbose)
				report_allowed(en->r, c->tid, c->def->name, &c->dests[i].ep,
					       j.v[i].rule);
		} else if (j.v[i].kind == VK_PROBE || j.v[i].kind == VK_PROBE_REPORTED) {
			preload_note(en, c->tid, c->def->name, c->abi == ABI_I386, &c->dests[i],
				     KERNEL_PROBE, en->s->on_leak);
		} else {
			/* Noted while the thread waits: a vfork child is still there to look at. */
			preload_note(en, c->tid, c->def->name, c->abi == ABI_I386, &c->dests[i],
				     KERNEL_LEAK, j.v[i].act);
		}
	}
	if (j.n_leaks)
		leaker_fill(c, &ctx.sock, &l);
	/* Performed outside the program's namespace, unless all of it is the program's own. */
	h.outside = !j.own;
	switch (j.outcome) {
	case OUTCOME_RUN:
		/* Performed by sockstrace on a duplicate of the socket with its own copy of the
		 * addresses: a thread changing the sockaddr after the check cannot redirect it. */
		if (c->def->emulated || c->emulate)
			rc = pidfd < 0 ? pidfd
			     : emulate_prepare(pidfd, c, en->listener < 0 ? NULL : &h, &e);
		if (rc > 0) {
			run_emulation(en, t, c, &j, &l, e);
			return;
		}
		if (rc == 0) {
			/* No socket call, or a socket whose own family cannot reach the network
			 * (in log mode, a reported one): the kernel runs it as it is. */
			if (j.n_leaks)
				answer_leak_now(en, t, c, &j, &l, 0, true);
			else
				en->ops->answer(en, t, 0, true);
			return;
		}
		break; /* an error: answered below with rc */
	case OUTCOME_REDIRECT: {
		char user[PROXY_CREDENTIAL_MAX], pass[PROXY_CREDENTIAL_MAX];
		struct proxy_auth auth;
		const struct proxy *proxy = proxy_for(&en->s->policy, ctx.sock.domain);

		redirect_auth(en, l.tgid, user, pass, sizeof(user), &auth);
		rc = !proxy ? -ECONNREFUSED : pidfd < 0 ? pidfd
		     : emulate_prepare_redirect(pidfd, c, proxy, &auth,
						en->listener < 0 ? NULL : &h, &e);
		if (rc > 0) {
			run_emulation(en, t, c, &j, &l, e);
			return;
		}
		break;
	}
	case OUTCOME_NOOP:
		rc = 0;
		break;
	case OUTCOME_BLOCK:
	case OUTCOME_DENY:
		rc = -judge_block_errno(en->s, c);
		break;
	}
	/* Blocked, neutralised or failed: the program's call never runs. With the kill
	 * action, the tree dies before the leaking thread runs again. */
	if (j.kill && !en->killing)
		en->killing = en->kill_due = true;
	if (j.n_leaks)
		answer_leak_now(en, t, c, &j, &l, rc, false);
	else
		en->ops->answer(en, t, rc, false);
	engine_kill_if_due(en);
}
