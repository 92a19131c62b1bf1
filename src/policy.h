/* The allowlist and the decision whether a destination is a leak. Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sockaddr.h"

#define POLICY_MAX_PROXIES 16
#define POLICY_MAX_RULES 256
#define RULE_TEXT_MAX 160

/* How a proxy is spoken to. */
enum proxy_kind {
	PROXY_SOCKS5,  /* socks5://: SOCKS5, names resolved by the client */
	PROXY_SOCKS5H, /* socks5h://: SOCKS5, names resolved by the proxy */
	PROXY_HTTP,    /* http://: HTTP CONNECT */
	PROXY_UNIX,    /* unix:/path: SOCKS5 over a unix socket (Tor's SocksPort unix:) */
};

/* One allowed destination: an address block and a port range, or a unix socket name. */
struct rule {
	int family;             /* AF_INET, AF_INET6 or AF_UNIX */
	uint8_t addr[16];       /* network order, host bits cleared */
	unsigned prefix;        /* CIDR prefix length in bits */
	uint16_t port_lo;       /* first allowed port */
	uint16_t port_hi;       /* last allowed port (65535 with port_lo 0: any) */
	bool abstract;          /* AF_UNIX name in the abstract namespace */
	size_t path_len;        /* AF_UNIX name length */
	char path[109];         /* AF_UNIX name, NUL-terminated */
	char text[RULE_TEXT_MAX]; /* the rule as the user wrote it, for reports */
};

struct proxy {
	enum proxy_kind kind;   /* protocol */
	struct rule where;      /* its one endpoint, as a single-address rule */
};

/* Everything that decides allow or leak. Built once by config, then read-only. */
struct policy {
	struct proxy proxies[POLICY_MAX_PROXIES]; /* proxies, tried in order by redirect */
	size_t n_proxies;
	struct rule allow[POLICY_MAX_RULES];      /* extra allowed endpoints */
	size_t n_allow;
	bool allow_loopback;  /* 127.0.0.0/8 and ::1 are allowed (off: 127.0.0.53 is a leak) */
	bool unix_restrict;   /* AF_UNIX only to unix: proxies and unix: allow rules */
	bool unix_only;       /* only AF_UNIX (and netlink) is allowed; IP proxies are not */
	bool allow_netlink;   /* AF_NETLINK (talks to the kernel only) is allowed */
	struct rule listen[POLICY_MAX_RULES];     /* ports that may listen outside loopback */
	size_t n_listen;
};

enum verdict {
	VERDICT_ALLOW, /* the destination is allowed */
	VERDICT_LEAK,  /* the destination bypasses the proxy */
};

/* The outcome of policy_check(), with the rule that decided it. */
struct decision {
	enum verdict verdict;
	const char *rule; /* the rule text or a fixed reason; owned by the policy or static */
};

/* Built-in defaults: Tor's proxies on 127.0.0.1:9050 and [::1]:9050, unix allowed. */
void policy_init_defaults(struct policy *p);

/*
 * Parses an allow rule: "ADDR[/PREFIX][:PORT[-PORT]]" for IPv4, "[ADDR[/PREFIX]][:PORT[-PORT]]"
 * or a bare "ADDR[/PREFIX]" for IPv6, "unix:/path" or "unix:@abstract". A missing port or
 * "*" means any port. Returns 0, or -EINVAL.
 */
int rule_parse(const char *text, struct rule *ret);

/* Parses a proxy URL: socks5://HOST:PORT, socks5h://, http://, or unix:/path, with HOST
 * a numeric IPv4 address or a bracketed IPv6 one. Returns 0, or -EINVAL. */
int proxy_parse(const char *url, struct proxy *ret);

/* Appends to the policy. Return 0, or -ENOSPC when the table is full. */
int policy_add_proxy(struct policy *p, const struct proxy *proxy);
int policy_add_rule(struct policy *p, const struct rule *rule);
int policy_add_listen(struct policy *p, const struct rule *rule);

/* The sockaddr of an IP rule's first address and port (a proxy's endpoint). With
 * family AF_INET6 an AF_INET rule is given as its IPv4-mapped address (for an IPv6 socket);
 * family 0 keeps the rule's own. Returns the length, or 0 when there is none. */
socklen_t rule_to_sockaddr(const struct rule *r, int family, struct sockaddr_storage *ss);

/* True when the endpoint is inside the rule. */
bool rule_match(const struct rule *r, const struct endpoint *ep);

/* Decides whether sending to or connecting to ep bypasses the proxy. Anything not
 * understood is a leak. */
struct decision policy_check(const struct policy *p, const struct endpoint *ep);

/* Decides whether listening on (or receiving datagrams at) the local address ep is an
 * inbound exposure: allowed on loopback, on other families, and where an allow_listen rule
 * matches; bound to every interface (ep->any) or to another address, a leak. */
struct decision policy_check_listen(const struct policy *p, const struct endpoint *ep);
