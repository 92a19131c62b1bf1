/* --netns: the program runs in a network namespace of its own with only loopback, where the
 * tracer relays the proxies' endpoints to the real proxies outside. Then even a tracer bug
 * cannot let a packet out: the kernel has no route for it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"
#include "sockaddr.h"

/* The resolvers a program's libc asks (resolv.conf(5) allows three). */
#define NETNS_MAX_NAMESERVERS 3

/* What the program's namespace is set up with. */
struct netns_plan {
	const struct policy *policy;   /* its IP proxies are relayed */
	bool dns;                      /* answer DNS at the nameservers (--dns proxy) */
	struct endpoint nameservers[NETNS_MAX_NAMESERVERS]; /* from /etc/resolv.conf, port 53 */
	size_t n_nameservers;
};

/* DNS sockets bound in the program's namespace at the nameservers' addresses. */
struct netns_dns {
	int udp[NETNS_MAX_NAMESERVERS]; /* datagram sockets, -1 where there is none */
	int tcp[NETNS_MAX_NAMESERVERS]; /* listening stream sockets, -1 where there is none */
};

/* Reads the numeric nameserver lines of a resolv.conf into ret (port 53). Returns how many. */
size_t netns_read_nameservers(const char *path, struct endpoint *ret, size_t max);

/* Writes text to the file at path (uid_map, gid_map, setgroups). Returns 0 or -errno. */
int netns_write_file(const char *path, const char *text);

/*
 * In the child, before the filter and exec: enters a new network namespace (the caller has
 * entered a user namespace first when not root), brings lo up, listens on
 * each IP proxy endpoint there and, with plan->dns, puts each nameserver's address on lo and
 * binds UDP and TCP port 53 there; sends the sockets to the tracer over the unix socket sock.
 * Returns 0 or -errno.
 */
int netns_enter(const struct netns_plan *plan, int sock);

/*
 * In the tracer: receives the listening sockets from sock and starts a thread that relays
 * every connection on them to the proxy at the same endpoint in the tracer's own network
 * namespace. The DNS sockets (with plan->dns) go to *ret_dns. Returns 0 or -errno.
 */
int netns_relay_start(const struct netns_plan *plan, int sock, struct netns_dns *ret_dns);
