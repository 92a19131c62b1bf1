/* The decision: a decoded call and the policy in, a ruling per destination out. Pure. */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "judge.h"
#include "policy.h"

/* True when d is one of the n nameservers in list. */
static bool in_list(const struct endpoint *list, size_t n, const struct dest *d)
{
	if (d->error)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct endpoint *ns = &list[i];
		if (ns->family == d->ep.family && ns->port == d->ep.port &&
		    memcmp(ns->addr, d->ep.addr, ns->family == AF_INET ? 4 : 16) == 0)
			return true;
	}
	return false;
}

/* With --dns proxy, a destination that is one of the nameservers sockstrace answers for. */
static bool is_nameserver(const struct netns_plan *plan, const struct dest *d)
{
	return plan && plan->dns && in_list(plan->nameservers, plan->n_nameservers, d);
}

/*
 * With the kernel layer, loopback in the program's network namespace is the program's own:
 * its own servers, a test suite's local one, and nothing else. A destination there is no
 * leak, unless it names a service of the host: a proxy or an allow rule (the policy allows
 * those; they are reached outside), or a resolver (port 53, a nameserver of resolv.conf: a
 * query the host's resolver would have answered; --dns proxy's are sockstrace's own).
 */
static bool own_loopback(const struct judge_context *ctx, const struct dest *d)
{
	if (d->error || !ctx->sock.contained)
		return false;
	if (is_nameserver(ctx->plan, d))
		return true;
	return endpoint_is_loopback(&d->ep) && d->ep.port != 53 &&
	       !in_list(ctx->resolvers, ctx->n_resolvers, d) &&
	       policy_check(&ctx->s->policy, &d->ep).verdict != VERDICT_ALLOW;
}

/* A call whose destinations are all the program's own is performed in its namespace; one
 * that also reaches outside goes out from sockstrace's, where those loopback destinations
 * would be the host's: then they are judged like any other. */
static bool judge_own(const struct judge_context *ctx, const struct call *c, struct judgement *j)
{
	if (!c->n_dests)
		return false;
	for (size_t i = 0; i < c->n_dests; i++)
		if (!own_loopback(ctx, &c->dests[i]))
			return false;
	for (size_t i = 0; i < c->n_dests; i++) {
		const struct dest *d = &c->dests[i];

		if (is_nameserver(ctx->plan, d)) {
			/* --dns proxy: the query goes to sockstrace's own responder in the
			 * program's namespace, which resolves through the proxy. */
			j->v[i] = (struct ruling){ VK_LOCAL_DNS, "DNS answered through the proxy",
						   ACTION_REDIRECT, KIND_DNS };
			j->n_leaks++;
		} else {
			j->v[i] = (struct ruling){ .kind = VK_ALLOW,
						   .rule = "the program's own loopback" };
		}
	}
	j->own = true;
	return true;
}

/*
 * A UDP connect() to a loopback address that is not a DNS port reaches nobody by itself:
 * glibc's getaddrinfo() makes such connects to sort its results (RFC 3484) and sends
 * nothing. In every mode (log too) the socket is left unconnected and the connect returns
 * 0, so that a later send without an address fails (EDESTADDRREQ) and nothing leaves.
 */
static bool is_route_probe(const struct call *c, const struct dest *d, const struct sock_info *si)
{
	return c->def->nr_x86_64 == SYS_connect && d->error == 0 && si->type == SOCK_DGRAM &&
	       endpoint_is_loopback(&d->ep) && d->ep.port != 53;
}

/* A leaking destination that redirect mode can send through the proxy: a TCP connect. */
static bool redirectable(const struct call *c, const struct dest *d, const struct sock_info *si)
{
	return c->def->nr_x86_64 == SYS_connect && d->error == 0 && si->type == SOCK_STREAM &&
	       (si->domain == AF_INET || si->domain == AF_INET6) &&
	       (d->ep.family == AF_INET || d->ep.family == AF_INET6);
}

/*
 * The kind of leak a destination of c is. A UDP connect sends nothing: it is a DNS query
 * when it goes to a resolver (a nameserver of resolv.conf, or port 53 on loopback: glibc and
 * c-ares connect, then send), else a route probe, also on port 53 (Firefox's and
 * Chromium's probes of 8.8.8.8:53 learn the default route and send nothing).
 */
static enum leak_kind leak_kind(const struct judge_context *ctx, const struct call *c,
				const struct dest *d)
{
	const struct sock_info *si = &ctx->sock;
	bool ip = d->error == 0 && (d->ep.family == AF_INET || d->ep.family == AF_INET6);
	bool udp_connect = si->type == SOCK_DGRAM && c->def->nr_x86_64 == SYS_connect;

	if (d->error == 0 && !ip)
		return KIND_OTHER;
	if (udp_connect)
		return d->error == 0 && d->ep.port == 53 &&
		       (endpoint_is_loopback(&d->ep) ||
			in_list(ctx->resolvers, ctx->n_resolvers, d)) ? KIND_DNS : KIND_ROUTE_PROBE;
	if (ip && d->ep.port == 53)
		return KIND_DNS;
	if (si->type == SOCK_DGRAM)
		return KIND_UDP;
	if (si->type == SOCK_STREAM || c->def->nr_x86_64 == SYS_connect)
		return KIND_TCP;
	return si->type ? KIND_OTHER : KIND_UDP;
}

int judge_block_errno(const struct settings *s, const struct call *c)
{
	if (c->deny_errno)
		return c->deny_errno;
	return s->block_errno ? s->block_errno : c->def->block_errno;
}

/*
 * bind and listen: a port the network could reach outside the proxy. A TCP socket is
 * judged when it listens, on the address the kernel has bound it to (an unbound one listens
 * on every interface); a UDP socket when it binds a port of its own (port 0 is what any
 * client gets: not an exposure). Loopback is fine; everything else needs an allow_listen
 * rule. The caller has put a listening socket's own address in c->dests.
 */
static void judge_inbound(const struct judge_context *ctx, const struct call *c,
			  struct judgement *j, enum leak_action action)
{
	bool listen = c->def->nr_x86_64 == SYS_listen;

	for (size_t i = 0; i < c->n_dests; i++) {
		const struct dest *d = &c->dests[i];
		struct decision dec = { VERDICT_LEAK, "unreadable or malformed address" };
		struct ruling *v = &j->v[i];

		if (d->error == 0) {
			bool udp_ephemeral = !listen && (ctx->sock.type != SOCK_DGRAM || d->ep.port == 0);

			dec = udp_ephemeral ? (struct decision){ VERDICT_ALLOW, "no port of its own" }
			      : policy_check_listen(&ctx->s->policy, &d->ep);
			if (dec.verdict == VERDICT_ALLOW) {
				*v = (struct ruling){ .kind = VK_ALLOW, .rule = dec.rule };
				continue;
			}
		}
		*v = (struct ruling){ VK_LEAK, dec.rule,
				      action == ACTION_REDIRECT ? ACTION_BLOCK : action, KIND_INBOUND };
		j->n_leaks++;
		if (v->act != ACTION_LOG)
			j->outcome = OUTCOME_BLOCK;
		j->kill = j->kill || v->act == ACTION_KILL;
	}
}

void judge_call(const struct judge_context *ctx, const struct call *c, struct judgement *j)
{
	enum leak_action action = ctx->killing ? ACTION_BLOCK : ctx->s->on_leak;

	j->outcome = OUTCOME_RUN;
	j->n_leaks = 0;
	j->kill = false;
	j->own = false;
	if (c->deny_errno) {
		if (c->target && ctx->in_tree)
			return; /* ptrace or process_vm_writev of a process of the tree */
		/* Denied whatever the action: it never runs (log and redirect block it too). */
		j->v[0] = (struct ruling){ VK_LEAK, "always denied",
					    action == ACTION_KILL ? ACTION_KILL : ACTION_BLOCK,
					    c->deny_kind };
		j->n_leaks = 1;
		j->outcome = OUTCOME_DENY;
		j->kill = action == ACTION_KILL;
		return;
	}
	if (c->def->inbound) {
		judge_inbound(ctx, c, j, action);
		return;
	}
	if (judge_own(ctx, c, j))
		return;
	for (size_t i = 0; i < c->n_dests; i++) {
		const struct dest *d = &c->dests[i];
		struct ruling *v = &j->v[i];
		struct decision dec = { VERDICT_LEAK, "unreadable or malformed address" };
		enum outcome o = OUTCOME_RUN;

		if (d->error == 0) {
			dec = policy_check(&ctx->s->policy, &d->ep);
			if (dec.verdict == VERDICT_ALLOW) {
				*v = (struct ruling){ .kind = VK_ALLOW, .rule = dec.rule };
				continue;
			}
		}
		if (is_route_probe(c, d, &ctx->sock)) {
			*v = (struct ruling){ .kind = VK_PROBE, .rule = "route probe" };
			if (j->outcome < OUTCOME_NOOP)
				j->outcome = OUTCOME_NOOP;
			continue;
		}
		*v = (struct ruling){ VK_LEAK, dec.rule, action,
				       leak_kind(ctx, c, d) };
		j->n_leaks++;
		if (v->leak == KIND_ROUTE_PROBE && ctx->s->route_probes == PROBES_REPORT) {
			/* Neutralised in every mode: the program learns no route. */
			v->kind = VK_PROBE_REPORTED;
			v->rule = "route probe: a UDP connect, no data sent";
			if (j->outcome < OUTCOME_NOOP)
				j->outcome = OUTCOME_NOOP;
			continue;
		}
		if (v->act == ACTION_REDIRECT && !redirectable(c, d, &ctx->sock)) {
			v->act = ACTION_BLOCK;
			v->rule = "only a TCP connect can go through the proxy";
		}
		if (v->act == ACTION_REDIRECT)
			o = OUTCOME_REDIRECT;
		else if (v->act != ACTION_LOG)
			o = OUTCOME_BLOCK;
		if (o > j->outcome)
			j->outcome = o;
		if (v->act == ACTION_KILL)
			j->kill = true;
	}
	/* A redirect carries one destination; any other leak in the call blocks it. */
	if (j->outcome == OUTCOME_BLOCK)
		for (size_t i = 0; i < c->n_dests; i++)
			if (j->v[i].kind == VK_LEAK && j->v[i].act == ACTION_REDIRECT)
				j->v[i].act = ACTION_BLOCK;
}
