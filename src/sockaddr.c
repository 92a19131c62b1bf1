/* Decoding of socket addresses and message headers read out of a tracee. */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "sockaddr.h"

static uint16_t load16(const uint8_t *p) { uint16_t v; memcpy(&v, p, sizeof(v)); return v; }
static uint32_t load32(const uint8_t *p) { uint32_t v; memcpy(&v, p, sizeof(v)); return v; }
static uint64_t load64(const uint8_t *p) { uint64_t v; memcpy(&v, p, sizeof(v)); return v; }

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
static const uint8_t v4_loopback[4] = { 127, 0, 0, 1 };
static const uint8_t v6_loopback[16] = { [15] = 1 };

/* A destination of 0.0.0.0 or :: is this host (the BSD convention): the kernel connects to
 * or sends to 127.0.0.1 or ::1 (ip_route_output_key_hash_rcu(), tcp_v6_connect(),
 * udpv6_sendmsg()), or to the socket's own bound address when it has one, which is on this
 * host too. */
bool endpoint_resolve_any(struct endpoint *ep)
{
	static const uint8_t zero[16];
	size_t n = ep->family == AF_INET ? 4 : 16;

	if (memcmp(ep->addr, zero, n) != 0)
		return false;
	ep->any = true;
	memcpy(ep->addr, ep->family == AF_INET ? v4_loopback : v6_loopback, n);
	return true;
}

int sockaddr_decode(const void *buf, size_t len, struct endpoint *ret)
{
	const uint8_t *p = buf;
	struct endpoint ep = { 0 };

	if (len < sizeof(sa_family_t) || len > SOCKADDR_MAX)
		return -EINVAL;
	ep.family = load16(p);

	switch (ep.family) {
	case AF_INET:
		if (len < sizeof(struct sockaddr_in))
			return -EINVAL;
		ep.port = ntohs(load16(p + offsetof(struct sockaddr_in, sin_port)));
		memcpy(ep.addr, p + offsetof(struct sockaddr_in, sin_addr), 4);
		endpoint_resolve_any(&ep);
		break;
	case AF_INET6:
		/* The kernel accepts the RFC 2133 size without sin6_scope_id (ipv6(7)). */
		if (len < offsetof(struct sockaddr_in6, sin6_scope_id))
			return -EINVAL;
		ep.port = ntohs(load16(p + offsetof(struct sockaddr_in6, sin6_port)));
		memcpy(ep.addr, p + offsetof(struct sockaddr_in6, sin6_addr), 16);
		if (len >= sizeof(struct sockaddr_in6))
			ep.scope_id = load32(p + offsetof(struct sockaddr_in6, sin6_scope_id));
		if (memcmp(ep.addr, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0) {
			/* Judged as the IPv4 address it maps: that is where it goes. */
			ep.family = AF_INET;
			ep.mapped = true;
			memmove(ep.addr, ep.addr + 12, 4);
			memset(ep.addr + 4, 0, 12);
		}
		endpoint_resolve_any(&ep);
		break;
	case AF_UNIX: {
		size_t off = offsetof(struct sockaddr_un, sun_path);
		size_t n = len - off;

		if (len < off || n > sizeof(ep.path) - 1)
			return -EINVAL;
		if (n > 0 && p[off] == '\0') {
			ep.abstract = true;
			ep.path_len = n - 1;
			memcpy(ep.path, p + off + 1, ep.path_len);
		} else {
			/* A pathname ends at the first NUL, or at the length (unix(7)). */
			const uint8_t *nul = memchr(p + off, '\0', n);
			ep.path_len = nul ? (size_t)(nul - (p + off)) : n;
			memcpy(ep.path, p + off, ep.path_len);
		}
		ep.path[ep.path_len] = '\0';
		break;
	}
	case AF_NETLINK:
		if (len < sizeof(struct sockaddr_nl))
			return -EINVAL;
		ep.nl_pid = load32(p + offsetof(struct sockaddr_nl, nl_pid));
		break;
	default:
		break;
	}
	*ret = ep;
	return 0;
}

size_t msghdr_size(enum abi abi)
{
	return abi == ABI_I386 ? 28 : sizeof(struct msghdr);
}

size_t mmsghdr_size(enum abi abi)
{
	return abi == ABI_I386 ? 32 : sizeof(struct mmsghdr);
}

int msghdr_decode(const void *buf, size_t len, enum abi abi, struct msg_name *ret)
{
	const uint8_t *p = buf;

	if (len < msghdr_size(abi))
		return -EINVAL;
	if (abi == ABI_I386) {
		ret->addr = load32(p);
		ret->len = load32(p + 4);
	} else {
		ret->addr = load64(p + offsetof(struct msghdr, msg_name));
		ret->len = load32(p + offsetof(struct msghdr, msg_namelen));
	}
	return 0;
}

const char *family_name(int family, char *buf, size_t size)
{
	switch (family) {
	case AF_UNSPEC: return "AF_UNSPEC";
	case AF_INET: return "AF_INET";
	case AF_INET6: return "AF_INET6";
	case AF_UNIX: return "AF_UNIX";
	case AF_NETLINK: return "AF_NETLINK";
	case AF_PACKET: return "AF_PACKET";
	case AF_XDP: return "AF_XDP";
	default:
		snprintf(buf, size, "AF_%d", family);
		return buf;
	}
}

/* Copies a unix socket name with non-printable bytes, '\\' and '"' escaped as \ooo. */
static void format_path(const struct endpoint *ep, char *buf, size_t size)
{
	size_t o = 0;

	if (ep->abstract && o + 1 < size)
		buf[o++] = '@';
	for (size_t i = 0; i < ep->path_len && o + 5 < size; i++) {
		unsigned char c = (unsigned char)ep->path[i];
		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '"')
			o += (size_t)snprintf(buf + o, size - o, "\\%03o", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
}

void endpoint_format_address(const struct endpoint *ep, char *buf, size_t size)
{
	switch (ep->family) {
	case AF_INET:
	case AF_INET6:
		/* inet_ntop() leaves buf untouched when it is too small (ENOSPC). */
		if (!inet_ntop(ep->family, ep->addr, buf, (socklen_t)size) && size > 0)
			buf[0] = '\0';
		break;
	case AF_UNIX:
		format_path(ep, buf, size);
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

/* What the kernel makes of an IP address the program wrote: "", " (IPv4-mapped)",
 * " (this host: 127.0.0.1)" or both. */
static void format_kernel_view(const struct endpoint *ep, char *buf, size_t size)
{
	if (!ep->mapped && !ep->any)
		buf[0] = '\0';
	else
		snprintf(buf, size, " (%s%s%s%s)", ep->mapped ? "IPv4-mapped" : "",
			 ep->mapped && ep->any ? ", " : "", ep->any ? "this host: " : "",
			 !ep->any ? "" : ep->family == AF_INET ? "127.0.0.1" : "::1");
}

void endpoint_format(const struct endpoint *ep, char *buf, size_t size)
{
	char fam[16], addr[ENDPOINT_STRLEN - 64], view[48];
	const char *name = family_name(ep->family, fam, sizeof(fam));

	endpoint_format_address(ep, addr, sizeof(addr));
	switch (ep->family) {
	case AF_INET:
	case AF_INET6:
		format_kernel_view(ep, view, sizeof(view));
		if (ep->any) /* the address the program wrote */
			snprintf(addr, sizeof(addr), "%s", ep->family == AF_INET6 ? "::" : "0.0.0.0");
		if (ep->family == AF_INET && !ep->mapped)
			snprintf(buf, size, "%s, %s:%u%s", name, addr, ep->port, view);
		else /* an IPv4-mapped address came in a sockaddr_in6 */
			snprintf(buf, size, "AF_INET6, [%s%s]:%u%s", ep->mapped ? "::ffff:" : "", addr,
				 ep->port, view);
		break;
	case AF_UNIX:
		snprintf(buf, size, ep->path_len || ep->abstract ? "%s, \"%s\"" : "%s, unnamed", name, addr);
		break;
	case AF_NETLINK:
		snprintf(buf, size, "%s, pid %u", name, ep->nl_pid);
		break;
	default:
		snprintf(buf, size, "%s", name);
		break;
	}
}

bool endpoint_is_loopback(const struct endpoint *ep)
{
	if (ep->family == AF_INET)
		return ep->addr[0] == 127;
	if (ep->family == AF_INET6)
		return memcmp(ep->addr, v6_loopback, 16) == 0;
	return false;
}
