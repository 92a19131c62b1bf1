/* The decision, and nothing else: a decoded call and the policy in, a ruling per destination
 * and one outcome out. Pure: it reads no process and answers no call. */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "netns.h"
#include "syscalls.h"
#include "tracee.h"

/* What one destination of a call comes to. */
enum verdict_kind {
	VK_ALLOW,       /* allowed by the policy: the call may reach it */
	VK_PROBE,       /* a UDP connect to loopback that sends nothing (glibc's route probe):
			 * not reported, the connect is answered 0 without connecting */
	VK_LEAK,        /* a leak: reported, and act says what is done */
	VK_LOCAL_DNS,   /* --dns proxy: a query to sockstrace's own responder; reported as a
			 * leak that is answered through the proxy */
	VK_PROBE_REPORTED, /* route_probes = report: a UDP connect to a disallowed address that
			    * sends nothing; reported, not counted, answered 0 unconnected */
};

/* The ruling on one destination (or on a denied call, which has none). */
struct ruling {
	enum verdict_kind kind;
	const char *rule;        /* why: the allowing rule or the reason it is a leak */
	enum leak_action act;    /* VK_LEAK, VK_LOCAL_DNS: what is done about it */
	enum leak_kind leak;     /* VK_LEAK, VK_LOCAL_DNS: what kind of leak */
};

/* What the call comes to once every destination is judged; later values win. */
enum outcome {
	OUTCOME_RUN,      /* perform it (emulated on IP sockets, else the kernel runs it) */
	OUTCOME_NOOP,     /* answer 0 without performing it (a neutralised route probe) */
	OUTCOME_REDIRECT, /* perform the connect through the proxy instead */
	OUTCOME_BLOCK,    /* answer the block errno */
	OUTCOME_DENY,     /* a call denied whatever its arguments: answer c->deny_errno */
};

/* What the judge knows besides the call. */
struct judge_context {
	const struct settings *s;      /* the policy and the configured action */
	const struct netns_plan *plan; /* --dns proxy nameservers; NULL when none */
	struct sock_info sock;         /* the socket behind the call's fd; zeroed when unknown */
	const struct endpoint *resolvers; /* the nameservers of /etc/resolv.conf (port 53) */
	size_t n_resolvers;
	bool killing;                  /* the kill action fired: every leak is now blocked */
	bool in_tree;                  /* c->target is a process of the traced tree */
};

/* The judgement of a call: v[i] is the verdict on c->dests[i]; a denied call (no
 * destinations) has its verdict in v[0]. */
struct judgement {
	enum outcome outcome;
	size_t n_leaks;          /* rulings that are reported (VK_LEAK, VK_LOCAL_DNS,
				  * VK_PROBE_REPORTED) */
	bool kill;               /* the kill action fires: kill the whole tree */
	bool own;                /* every destination is in the program's own network
				  * namespace: the call is performed there */
	struct ruling *v;       /* the caller's buffer of CALL_MAX_DESTS entries */
};

/* True when a ruling is reported (a leak, a --dns proxy query, a reported route probe). */
static inline bool ruling_reported(const struct ruling *r)
{
	return r->kind == VK_LEAK || r->kind == VK_LOCAL_DNS || r->kind == VK_PROBE_REPORTED;
}

/* Judges c. Fills j (whose v the caller provides). Never fails. */
void judge_call(const struct judge_context *ctx, const struct call *c, struct judgement *j);

/* The answer for a blocked call: the configured errno, else the syscall's own. */
int judge_block_errno(const struct settings *s, const struct call *c);
