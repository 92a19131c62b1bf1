/* Control messages (ancillary data) that change where or how the kernel sends. Pure: no I/O. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sockaddr.h"

/* Most ancillary data per message that sockstrace reads (the kernel's net.core.optmem_max is
 * 20 KiB to 128 KiB); longer is refused with ENOBUFS. */
#define CONTROL_MAX (64u << 10)

/* Where a message header keeps its control data. */
struct msg_control {
	uint64_t addr; /* tracee pointer to it, 0 for none */
	uint64_t len;  /* msg_controllen as the tracee wrote it */
};

/* Reads msg_control and msg_controllen out of the raw bytes of a struct msghdr (or of the
 * msghdr at the start of a struct mmsghdr) in abi's layout. Returns 0, or -EINVAL if len is
 * short. */
int msghdr_control(const void *buf, size_t len, enum abi abi, struct msg_control *ret);

/* The first control message that cmsg_forbidden() refuses. */
struct cmsg_hit {
	int level;        /* its cmsg_level */
	int type;         /* its cmsg_type */
	const char *name; /* "IPPROTO_IPV6, IPV6_RTHDR" */
};

/*
 * Walks len bytes of ancillary data in abi's layout as the kernel does (for_each_cmsghdr()
 * and CMSG_OK() in include/linux/socket.h; cmsghdr_from_user_compat_to_kern() for i386) and
 * looks for a message that sends somewhere else than the call's address: an IPv6 routing
 * header (IPV6_RTHDR, IPV6_2292RTHDR), IPV6_NEXTHOP, IPv4 options (IP_RETOPTS, IP_OPTIONS:
 * source routes), SO_MARK (policy routing), or IP_PKTINFO / IPV6_PKTINFO naming an
 * interface other than lo. Returns 1 with *ret filled, 0 when there is none, or -EINVAL when
 * the data is malformed (the kernel itself refuses it with EINVAL).
 */
int cmsg_forbidden(const void *buf, size_t len, enum abi abi, struct cmsg_hit *ret);

/* "SOL_SOCKET", "IPPROTO_IP", "IPPROTO_IPV6", or NULL for another level. */
const char *sockopt_level_name(int level);
