/* --netns: the program runs in a network namespace of its own with only loopback, where the
 * tracer relays the proxies' endpoints to the real proxies outside. Then even a tracer bug
 * cannot let a packet out: the kernel has no route for it. */
#pragma once

#include "policy.h"

/*
 * In the child, before the filter and exec: enters a new network namespace (inside a new user
 * namespace when not root, mapping the caller's own uid and gid), brings lo up, listens on
 * each IP proxy endpoint there, and sends the listening sockets to the tracer over the unix
 * socket sock. Returns 0 or -errno.
 */
int netns_enter(const struct policy *p, int sock);

/*
 * In the tracer: receives the listening sockets from sock and starts a thread that relays
 * every connection on them to the proxy at the same endpoint in the tracer's own network
 * namespace. Returns 0 or -errno.
 */
int netns_relay_start(const struct policy *p, int sock);
