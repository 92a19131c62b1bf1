/* The allowlist and the decision whether a destination is a leak. */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Parses a decimal number in [lo, hi] that spans exactly [s, end). */
static int parse_uint(const char *s, const char *end, unsigned long lo, unsigned long hi,
		      unsigned long *ret)
{
	unsigned long v = 0;

	if (s == end || end - s > 10)
		return -EINVAL;
	for (const char *c = s; c < end; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*c - '0');
		if (v > hi) /* before it can wrap where unsigned long is 32 bits */
			return -EINVAL;
	}
	if (v < lo)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Parses "PORT", "PORT-PORT" or "*" spanning [s, end). */
static int parse_ports(const char *s, const char *end, struct rule *r)
{
	const char *dash = memchr(s, '-', (size_t)(end - s));
	unsigned long lo, hi;

	if (end - s == 1 && *s == '*') {
		r->port_lo = 0;
		r->port_hi = 65535;
		return 0;
	}
	if (parse_uint(s, dash ? dash : end, 1, 65535, &lo) < 0)
		return -EINVAL;
	hi = lo;
	if (dash && (parse_uint(dash + 1, end, 1, 65535, &hi) < 0 || hi < lo))
		return -EINVAL;
	r->port_lo = (uint16_t)lo;
	r->port_hi = (uint16_t)hi;
	return 0;
}

/* Parses "ADDR" or "ADDR/PREFIX" spanning [s, end) into r. */
static int parse_cidr(const char *s, const char *end, int family, struct rule *r)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash = memchr(s, '/', (size_t)(end - s));
	const char *aend = slash ? slash : end;
	unsigned bits = family == AF_INET ? 32 : 128;
	unsigned long prefix = bits;

	if ((size_t)(aend - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(aend - s));
	buf[aend - s] = '\0';
	if (inet_pton(family, buf, r->addr) != 1)
		return -EINVAL;
	if (slash && parse_uint(slash + 1, end, 0, bits, &prefix) < 0)
		return -EINVAL;
	r->family = family;
	r->prefix = (unsigned)prefix;
	for (unsigned i = r->prefix; i < bits; i++)
		r->addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	if (family == AF_INET6 && r->prefix >= 96 &&
	    memcmp(r->addr, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0) {
		/* sockaddr_decode() judges ::ffff:a.b.c.d as a.b.c.d: so must the rule. */
		memmove(r->addr, r->addr + 12, 4);
		memset(r->addr + 4, 0, 12);
		r->family = AF_INET;
		r->prefix -= 96;
	}
	if (r->prefix == (r->family == AF_INET ? 32u : 128u)) {
		/* So are 0.0.0.0 and :: judged as this host's loopback address: so must a rule
		 * that names just that address. */
		struct endpoint ep = { .family = r->family };

		memcpy(ep.addr, r->addr, sizeof(ep.addr));
		if (endpoint_resolve_any(&ep))
			memcpy(r->addr, ep.addr, sizeof(r->addr));
	}
	return 0;
}

static int parse_unix(const char *name, struct rule *r)
{
	size_t n = strlen(name);

	r->family = AF_UNIX;
	if (name[0] == '@') {
		r->abstract = true;
		name++;
		n--;
	} else if (name[0] != '/') {
		return -EINVAL;
	}
	/* sun_path holds 108 bytes: a pathname may fill it, an abstract name follows a NUL. */
	if (n == 0 || n > sizeof(r->path) - 1 - r->abstract)
		return -EINVAL;
	memcpy(r->path, name, n + 1);
	r->path_len = n;
	return 0;
}

int rule_parse(const char *text, struct rule *ret)
{
	struct rule r = { .port_lo = 0, .port_hi = 65535 };
	const char *end = text + strlen(text);
	int rc;

	if (strlen(text) >= sizeof(r.text))
		return -EINVAL;
	if (strncmp(text, "unix:", 5) == 0) {
		rc = parse_unix(text + 5, &r);
	} else if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close)
			return -EINVAL;
		rc = parse_cidr(text + 1, close, AF_INET6, &r);
		if (rc == 0 && close[1] != '\0')
			rc = close[1] == ':' ? parse_ports(close + 2, end, &r) : -EINVAL;
	} else if (strchr(text, '.') && strchr(text, ':') == strrchr(text, ':')) {
		/* IPv4, with at most one colon before the ports. */
		const char *colon = strchr(text, ':');
		rc = parse_cidr(text, colon ? colon : end, AF_INET, &r);
		if (rc == 0 && colon)
			rc = parse_ports(colon + 1, end, &r);
	} else {
		rc = parse_cidr(text, end, AF_INET6, &r);
	}
	if (rc < 0)
		return -EINVAL;
	snprintf(r.text, sizeof(r.text), "%s", text);
	*ret = r;
	return 0;
}

int proxy_parse(const char *url, struct proxy *ret)
{
	static const struct { const char *scheme; enum proxy_kind kind; } schemes[] = {
		{ "socks5://", PROXY_SOCKS5 },
		{ "socks5h://", PROXY_SOCKS5H },
		{ "http://", PROXY_HTTP },
	};
	struct proxy p = { 0 };

	if (strncmp(url, "unix:", 5) == 0) {
		p.kind = PROXY_UNIX;
		if (rule_parse(url, &p.where) < 0)
			return -EINVAL;
		*ret = p;
		return 0;
	}
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i].scheme);
		const char *host = url + n;
		const char *colon;

		if (strncmp(url, schemes[i].scheme, n) != 0)
			continue;
		/* Exactly one address and one port: no CIDR, no range, no path. */
		colon = strrchr(host, ':');
		if (!colon || strchr(host, '/') || strchr(colon, '-') || strchr(colon, '*'))
			return -EINVAL;
		if (host[0] != '[' && strchr(host, ':') != colon)
			return -EINVAL;
		if (rule_parse(host, &p.where) < 0 || p.where.port_lo != p.where.port_hi)
			return -EINVAL;
		snprintf(p.where.text, sizeof(p.where.text), "%s", url);
		p.kind = schemes[i].kind;
		*ret = p;
		return 0;
	}
	return -EINVAL;
}

int policy_add_proxy(struct policy *p, const struct proxy *proxy)
{
	if (p->n_proxies >= POLICY_MAX_PROXIES)
		return -ENOSPC;
	p->proxies[p->n_proxies++] = *proxy;
	return 0;
}

int policy_add_rule(struct policy *p, const struct rule *rule)
{
	if (p->n_allow >= POLICY_MAX_RULES)
		return -ENOSPC;
	p->allow[p->n_allow++] = *rule;
	return 0;
}

int policy_add_listen(struct policy *p, const struct rule *rule)
{
	if (p->n_listen >= POLICY_MAX_RULES)
		return -ENOSPC;
	p->listen[p->n_listen++] = *rule;
	return 0;
}

struct decision policy_check_listen(const struct policy *p, const struct endpoint *ep)
{
	if (ep->family != AF_INET && ep->family != AF_INET6)
		return (struct decision){ VERDICT_ALLOW, "not an IP socket" };
	for (size_t i = 0; i < p->n_listen; i++)
		if (rule_match(&p->listen[i], ep))
			return (struct decision){ VERDICT_ALLOW, p->listen[i].text };
	if (!ep->any && endpoint_is_loopback(ep))
		return (struct decision){ VERDICT_ALLOW, "loopback" };
	return (struct decision){ VERDICT_LEAK, ep->any ? "listening on every interface"
						       : "listening outside loopback" };
}

void policy_init_defaults(struct policy *p)
{
	struct proxy proxy;

	*p = (struct policy){ .allow_netlink = true };
	if (proxy_parse("socks5://127.0.0.1:9050", &proxy) == 0)
		policy_add_proxy(p, &proxy);
	if (proxy_parse("socks5://[::1]:9050", &proxy) == 0)
		policy_add_proxy(p, &proxy);
}

socklen_t rule_to_sockaddr(const struct rule *r, int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (r->family == AF_INET && family != AF_INET6) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(r->port_lo);
		memcpy(&sin->sin_addr, r->addr, 4);
		return sizeof(*sin);
	}
	if (r->family == AF_INET || r->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(r->port_lo);
		if (r->family == AF_INET) {
			memcpy(sin6->sin6_addr.s6_addr, v4mapped_prefix, sizeof(v4mapped_prefix));
			memcpy(sin6->sin6_addr.s6_addr + 12, r->addr, 4);
		} else {
			memcpy(&sin6->sin6_addr, r->addr, 16);
		}
		return sizeof(*sin6);
	}
	return 0;
}

bool rule_match(const struct rule *r, const struct endpoint *ep)
{
	if (r->family != ep->family)
		return false;
	if (r->family == AF_UNIX)
		return r->abstract == ep->abstract && r->path_len == ep->path_len &&
		       memcmp(r->path, ep->path, r->path_len) == 0;
	if (ep->port < r->port_lo || ep->port > r->port_hi)
		return false;
	for (unsigned i = 0; i < r->prefix; i++) {
		uint8_t bit = (uint8_t)(0x80u >> (i % 8));
		if ((r->addr[i / 8] & bit) != (ep->addr[i / 8] & bit))
			return false;
	}
	return true;
}

struct decision policy_check(const struct policy *p, const struct endpoint *ep)
{
	const struct decision leak = { VERDICT_LEAK, "not allowed" };

	switch (ep->family) {
	case AF_UNSPEC:
		/* connect(AF_UNSPEC) dissolves an association; it reaches nobody. */
		return (struct decision){ VERDICT_ALLOW, "AF_UNSPEC disconnect" };
	case AF_NETLINK:
		if (p->allow_netlink)
			return (struct decision){ VERDICT_ALLOW, "netlink" };
		return leak;
	case AF_UNIX:
	case AF_INET:
	case AF_INET6:
		break;
	default:
		return (struct decision){ VERDICT_LEAK, "unknown address family" };
	}
	if (ep->family != AF_UNIX && p->unix_only)
		return (struct decision){ VERDICT_LEAK, "unix-only" };
	for (size_t i = 0; i < p->n_proxies; i++)
		if (rule_match(&p->proxies[i].where, ep))
			return (struct decision){ VERDICT_ALLOW, p->proxies[i].where.text };
	for (size_t i = 0; i < p->n_allow; i++)
		if (rule_match(&p->allow[i], ep))
			return (struct decision){ VERDICT_ALLOW, p->allow[i].text };
	if (ep->family == AF_UNIX && !p->unix_restrict)
		return (struct decision){ VERDICT_ALLOW, "unix" };
	if (p->allow_loopback && endpoint_is_loopback(ep))
		return (struct decision){ VERDICT_ALLOW, "loopback" };
	return leak;
}
