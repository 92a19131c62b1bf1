/* Control messages (ancillary data) that change where or how the kernel sends. */

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "cleanup.h"
#include "cmsg.h"

/* lo's interface index in every network namespace (LOOPBACK_IFINDEX, net/core/dev.c). */
#define IFINDEX_LO 1

/* A control message that is refused; with check_ifindex, only when the int at ifindex_at in
 * its data names an interface other than lo (0 is "no interface"). */
struct refused {
	int level;          /* cmsg_level */
	int type;           /* cmsg_type */
	const char *name;   /* both, as reports name them */
	bool check_ifindex; /* refused only when it names an interface other than lo */
	size_t ifindex_at;  /* with check_ifindex: offset of the int interface index in the data */
};

static const struct refused refused[] = {
	{ IPPROTO_IPV6, IPV6_RTHDR, "IPPROTO_IPV6, IPV6_RTHDR", false, 0 },
	{ IPPROTO_IPV6, IPV6_2292RTHDR, "IPPROTO_IPV6, IPV6_2292RTHDR", false, 0 },
	{ IPPROTO_IPV6, IPV6_NEXTHOP, "IPPROTO_IPV6, IPV6_NEXTHOP", false, 0 },
	/* struct in6_pktinfo: the address, then ipi6_ifindex. */
	{ IPPROTO_IPV6, IPV6_PKTINFO, "IPPROTO_IPV6, IPV6_PKTINFO", true, 16 },
	{ IPPROTO_IPV6, IPV6_2292PKTINFO, "IPPROTO_IPV6, IPV6_2292PKTINFO", true, 16 },
	{ IPPROTO_IP, IP_RETOPTS, "IPPROTO_IP, IP_RETOPTS", false, 0 },
	{ IPPROTO_IP, IP_OPTIONS, "IPPROTO_IP, IP_OPTIONS", false, 0 },
	/* struct in_pktinfo: ipi_ifindex first. */
	{ IPPROTO_IP, IP_PKTINFO, "IPPROTO_IP, IP_PKTINFO", true, 0 },
	{ SOL_SOCKET, SO_MARK, "SOL_SOCKET, SO_MARK", false, 0 },
};

/* True when the message (data of data_len bytes) is refused by r. */
static bool refuses(const struct refused *r, const uint8_t *data, size_t data_len)
{
	int32_t ifindex;

	if (!r->check_ifindex)
		return true;
	/* Shorter data is refused by the kernel (EINVAL) before any interface is chosen. */
	if (data_len < r->ifindex_at + sizeof(ifindex))
		return false;
	memcpy(&ifindex, data + r->ifindex_at, sizeof(ifindex));
	return ifindex != 0 && ifindex != IFINDEX_LO;
}

int cmsg_forbidden(const void *buf, size_t len, enum abi abi, struct cmsg_hit *ret)
{
	/* struct cmsghdr: a size_t length, then int level and type; i386: all three 32 bits. */
	size_t hdr = abi == ABI_I386 ? 12 : sizeof(struct cmsghdr);
	size_t align = abi == ABI_I386 ? 4 : sizeof(size_t);
	const uint8_t *p = buf;

	for (size_t off = 0; off + hdr <= len;) {
		uint64_t clen;
		int32_t level, type;

		if (abi == ABI_I386) {
			uint32_t l32;
			memcpy(&l32, p + off, sizeof(l32));
			clen = l32;
		} else {
			memcpy(&clen, p + off, sizeof(clen));
		}
		memcpy(&level, p + off + hdr - 8, sizeof(level));
		memcpy(&type, p + off + hdr - 4, sizeof(type));
		if (clen < hdr || clen > len - off)
			return -EINVAL;
		for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
			if (refused[i].level == level && refused[i].type == type &&
			    refuses(&refused[i], p + off + hdr, (size_t)clen - hdr)) {
				*ret = (struct cmsg_hit){ level, type, refused[i].name };
				return 1;
			}
		}
		/* CMSG_ALIGN(cmsg_len); clen <= len, so this cannot overflow. */
		off += ((size_t)clen + align - 1) & ~(align - 1);
	}
	return 0;
}

int msghdr_control(const void *buf, size_t len, enum abi abi, struct msg_control *ret)
{
	const uint8_t *p = buf;

	if (len < msghdr_size(abi))
		return -EINVAL;
	if (abi == ABI_I386) {
		uint32_t addr, clen;
		memcpy(&addr, p + 16, sizeof(addr));
		memcpy(&clen, p + 20, sizeof(clen));
		*ret = (struct msg_control){ addr, clen };
	} else {
		memcpy(&ret->addr, p + offsetof(struct msghdr, msg_control), sizeof(ret->addr));
		memcpy(&ret->len, p + offsetof(struct msghdr, msg_controllen), sizeof(ret->len));
	}
	return 0;
}

const char *sockopt_level_name(int level)
{
	switch (level) {
	case SOL_SOCKET:
		return "SOL_SOCKET";
	case IPPROTO_IP:
		return "IPPROTO_IP";
	case IPPROTO_IPV6:
		return "IPPROTO_IPV6";
	default:
		return NULL;
	}
}
