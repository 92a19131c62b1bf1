/* The kernel layer: the program runs in a network namespace of its own with only loopback.
 * Then a packet the syscall layer misses finds no route: the kernel has none for it. The
 * allowed connections reach the world through sockets that sockstrace makes in its own
 * namespace and hands over to the program (emulate.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "policy.h"
#include "sockaddr.h"

/* The resolvers a program's libc asks (resolv.conf(5) allows three). */
#define NETNS_MAX_NAMESERVERS 3
/* New sockets of the program's namespace, one per kind (TCP and UDP over IPv4 and IPv6),
 * whose options are that namespace's defaults. */
#define NETNS_REFERENCES 4

/* What the program's namespace is set up with. */
struct netns_plan {
	const struct policy *policy;   /* what is allowed */
	enum netns_mode mode;          /* auto: a system that refuses one is no error */
	bool dns;                      /* answer DNS at the nameservers (--dns proxy) */
	struct endpoint nameservers[NETNS_MAX_NAMESERVERS]; /* from /etc/resolv.conf, port 53 */
	size_t n_nameservers;
};

/* DNS sockets bound in the program's namespace at the nameservers' addresses. */
struct netns_dns {
	int udp[NETNS_MAX_NAMESERVERS]; /* datagram sockets, -1 where there is none */
	int tcp[NETNS_MAX_NAMESERVERS]; /* listening stream sockets, -1 where there is none */
};

/* Which network namespace: its nsfs inode (namespaces(7)). ino 0: none. */
struct netns_id {
	dev_t dev;
	ino_t ino;
};

/* Reads the numeric nameserver lines of a resolv.conf into ret (port 53). Returns how many. */
size_t netns_read_nameservers(const char *path, struct endpoint *ret, size_t max);

/* Writes text to the file at path (uid_map, gid_map, setgroups). Returns 0 or -errno. */
int netns_write_file(const char *path, const char *text);

/*
 * In the child, before the filter and exec: enters a new network namespace (the caller has
 * entered a user namespace first), brings lo up, sends the namespace and its reference
 * sockets to the tracer over the unix socket sock and, with plan->dns, puts each nameserver's address on lo, binds UDP and
 * TCP port 53 there and sends those sockets too. unavailable (-errno, or 0) says that no
 * namespace can be had (no user namespace); with plan->mode auto that, or a refused
 * unshare(2), is sent to the tracer and 0 returned. Closes sock then; on an error it leaves
 * it open, so that the tracer sees its end closed only once the caller has said why and
 * exited. Returns 0 or -errno.
 */
int netns_enter(const struct netns_plan *plan, int sock, int unavailable);

/*
 * In the tracer: receives what netns_enter() sent, until the child closes its end: the
 * namespace's identity into *ret_id, its reference sockets into ret_reference (-1 where
 * one is missing; the caller closes them), the DNS sockets (with plan->dns) into *ret_dns,
 * and in *ret_unavailable why there is no namespace (-errno), or 0. Closes sock. Returns 0
 * or -errno.
 */
int netns_receive(const struct netns_plan *plan, int sock, struct netns_dns *ret_dns,
		  struct netns_id *ret_id, int ret_reference[NETNS_REFERENCES],
		  int *ret_unavailable);

/* The identity of the namespace nsfd refers to. Returns 0 or -errno. */
int netns_id_of(int nsfd, struct netns_id *ret);

/* True when the socket sock lives in the namespace ns (SIOCGSKNS); false when ns is NULL or
 * has no identity, or when the kernel will not say. */
bool netns_socket_in(int sock, const struct netns_id *ns);
