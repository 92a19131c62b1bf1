/* --dns proxy: sockstrace answers the program's DNS queries itself, at the nameservers'
 * addresses inside the program's network namespace, resolving each name through the proxy
 * with Tor's SOCKS RESOLVE extension. Nothing reaches the real resolver. */
#pragma once

#include "netns.h"

/*
 * Starts a thread that answers the queries arriving on dns's sockets (which it takes over),
 * resolving through the plan's first SOCKS5 proxy with fresh credentials per query.
 * Returns 0 or -errno (-ENOENT: no SOCKS5 proxy on an IP address to resolve with).
 */
int dnsproxy_start(const struct netns_plan *plan, const struct netns_dns *dns);
