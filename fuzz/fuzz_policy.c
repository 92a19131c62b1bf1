/*
 * Fuzz target: the allowlist (rule_parse(), proxy_parse()) and the verdict on a destination
 * (policy_check()), src/policy.c.
 *
 * Input: byte 0 holds the policy's switches (bit 0 allow_loopback, 1 restrict_unix,
 * 2 unix_only, 3 no netlink, 4 start from an empty policy instead of Tor's defaults); then
 * the policy as text up to the first NUL byte, one entry a line, a line "p URL" a proxy and
 * any other line an allow rule; the bytes after the NUL are a sockaddr as a tracee passes it.
 *
 * Checked besides memory safety: every rule that parses is well formed and parses again to
 * itself from its own text; policy_check() always gives a verdict and a reason; whatever a
 * rule or proxy matches is allowed (except non-unix destinations under unix_only); and a
 * destination is matched by the rule that names exactly it, IPv4-mapped ones included.
 */

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "policy.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static bool same_rule(const struct rule *a, const struct rule *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0 &&
	       a->prefix == b->prefix && a->port_lo == b->port_lo && a->port_hi == b->port_hi &&
	       a->abstract == b->abstract && a->path_len == b->path_len &&
	       memcmp(a->path, b->path, a->path_len) == 0 && strcmp(a->text, b->text) == 0;
}

/* What any rule that parsed must look like. */
static void check_rule(const struct rule *r)
{
	unsigned bits;

	FUZZ_ASSERT(memchr(r->text, '\0', sizeof(r->text)) != NULL);
	if (r->family == AF_UNIX) {
		FUZZ_ASSERT(r->path_len > 0 && r->path_len < sizeof(r->path) - r->abstract);
		FUZZ_ASSERT(r->path[r->path_len] == '\0' && strlen(r->path) == r->path_len);
		FUZZ_ASSERT(r->abstract || r->path[0] == '/');
		return;
	}
	FUZZ_ASSERT(r->family == AF_INET || r->family == AF_INET6);
	bits = r->family == AF_INET ? 32 : 128;
	FUZZ_ASSERT(r->prefix <= bits);
	FUZZ_ASSERT(r->port_lo <= r->port_hi);
	for (unsigned i = r->prefix; i < 128; i++)
		FUZZ_ASSERT(!(r->addr[i / 8] & (0x80u >> (i % 8))));
	/* Endpoints never come out IPv4-mapped AF_INET6: a rule that only covers such
	 * addresses would never match, so it is an IPv4 rule. */
	if (r->family == AF_INET6 && r->prefix >= 96)
		FUZZ_ASSERT(memcmp(r->addr, v4mapped_prefix, sizeof(v4mapped_prefix)) != 0);
}

static void check_proxy(const struct proxy *p)
{
	check_rule(&p->where);
	FUZZ_ASSERT(p->kind == PROXY_SOCKS5 || p->kind == PROXY_SOCKS5H || p->kind == PROXY_HTTP ||
		    p->kind == PROXY_UNIX);
	FUZZ_ASSERT((p->kind == PROXY_UNIX) == (p->where.family == AF_UNIX));
	if (p->kind != PROXY_UNIX)
		FUZZ_ASSERT(p->where.port_lo == p->where.port_hi && p->where.port_lo != 0);
}

/* Parses one line into the policy. */
static void add_line(struct policy *pol, char *line)
{
	struct rule r, again;
	struct proxy p, p_again;

	if (line[0] == 'p' && line[1] == ' ') {
		if (proxy_parse(line + 2, &p) < 0)
			return;
		check_proxy(&p);
		FUZZ_ASSERT(proxy_parse(p.where.text, &p_again) == 0);
		FUZZ_ASSERT(p_again.kind == p.kind && same_rule(&p_again.where, &p.where));
		policy_add_proxy(pol, &p);
		return;
	}
	if (rule_parse(line, &r) < 0)
		return;
	check_rule(&r);
	FUZZ_ASSERT(strcmp(r.text, line) == 0);
	FUZZ_ASSERT(rule_parse(r.text, &again) == 0 && same_rule(&again, &r));
	policy_add_rule(pol, &r);
}

/* The rule that names exactly this endpoint, as a user would write it; false when the
 * endpoint has no such rule (unnamed or odd unix names, other families). */
static bool exact_rule_text(const struct endpoint *ep, char *buf, size_t size)
{
	char addr[ENDPOINT_STRLEN];

	endpoint_format_address(ep, addr, sizeof(addr));
	switch (ep->family) {
	case AF_INET:
		if (ep->mapped)
			snprintf(buf, size, ep->port ? "[::ffff:%s]:%u" : "::ffff:%s", addr, ep->port);
		else
			snprintf(buf, size, ep->port ? "%s:%u" : "%s", addr, ep->port);
		return true;
	case AF_INET6:
		snprintf(buf, size, ep->port ? "[%s]:%u" : "%s", addr, ep->port);
		return true;
	case AF_UNIX:
		if (ep->path_len == 0 || memchr(ep->path, '\0', ep->path_len) ||
		    (!ep->abstract && ep->path[0] != '/'))
			return false;
		snprintf(buf, size, "unix:%s%s", ep->abstract ? "@" : "", ep->path);
		return true;
	default:
		return false;
	}
}

static void check_decision(const struct policy *pol, const struct endpoint *ep)
{
	struct decision d = policy_check(pol, ep), again = policy_check(pol, ep);
	bool ip = ep->family == AF_INET || ep->family == AF_INET6;

	FUZZ_ASSERT(d.verdict == VERDICT_ALLOW || d.verdict == VERDICT_LEAK);
	FUZZ_ASSERT(d.rule != NULL && d.rule[0] != '\0');
	FUZZ_ASSERT(again.verdict == d.verdict && again.rule == d.rule);
	if (ip && pol->unix_only)
		FUZZ_ASSERT(d.verdict == VERDICT_LEAK);
	if (!(ip && pol->unix_only)) {
		for (size_t i = 0; i < pol->n_proxies; i++)
			if (rule_match(&pol->proxies[i].where, ep))
				FUZZ_ASSERT(d.verdict == VERDICT_ALLOW);
		for (size_t i = 0; i < pol->n_allow; i++)
			if (rule_match(&pol->allow[i], ep))
				FUZZ_ASSERT(d.verdict == VERDICT_ALLOW);
	}
	if (ep->family != AF_INET && ep->family != AF_INET6 && ep->family != AF_UNIX &&
	    ep->family != AF_UNSPEC && ep->family != AF_NETLINK)
		FUZZ_ASSERT(d.verdict == VERDICT_LEAK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy pol, exact;
	static char text[4096];
	const uint8_t *nul, *raw;
	size_t text_len, raw_len;
	struct endpoint ep;
	struct rule r;
	char rule_text[ENDPOINT_STRLEN + 16];

	if (size < 1)
		return 0;
	nul = memchr(data + 1, '\0', size - 1);
	text_len = nul ? (size_t)(nul - (data + 1)) : size - 1;
	if (text_len >= sizeof(text))
		return 0;
	memcpy(text, data + 1, text_len);
	text[text_len] = '\0';
	raw = nul ? nul + 1 : data + size;
	raw_len = (size_t)(data + size - raw);

	if (data[0] & 0x10)
		pol = (struct policy){ .allow_netlink = true };
	else
		policy_init_defaults(&pol);
	pol.allow_loopback = data[0] & 0x01;
	pol.unix_restrict = data[0] & 0x02;
	pol.unix_only = data[0] & 0x04;
	if (data[0] & 0x08)
		pol.allow_netlink = false;
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		add_line(&pol, line);
	}
	FUZZ_ASSERT(pol.n_proxies <= POLICY_MAX_PROXIES && pol.n_allow <= POLICY_MAX_RULES);

	/* libFuzzer's buffer ends right after the sockaddr: an over-read is seen. */
	if (sockaddr_decode(raw, raw_len, &ep) < 0)
		return 0;
	if (ep.mapped)
		FUZZ_ASSERT(ep.family == AF_INET);
	FUZZ_ASSERT(ep.family != AF_INET6 ||
		    memcmp(ep.addr, v4mapped_prefix, sizeof(v4mapped_prefix)) != 0);
	check_decision(&pol, &ep);

	/* The rule naming exactly this destination matches it, and allows it. */
	if (exact_rule_text(&ep, rule_text, sizeof(rule_text)) &&
	    strlen(rule_text) < sizeof(r.text)) {
		FUZZ_ASSERT(rule_parse(rule_text, &r) == 0);
		check_rule(&r);
		FUZZ_ASSERT(rule_match(&r, &ep));
		exact = (struct policy){ .allow_netlink = true };
		FUZZ_ASSERT(policy_add_rule(&exact, &r) == 0);
		check_decision(&exact, &ep);
		FUZZ_ASSERT(policy_check(&exact, &ep).verdict == VERDICT_ALLOW);
	}
	return 0;
}
