/*
 * Unit tests of src/sockopt.c: which socket options have an i386 layout of their own, and
 * their conversion to the native one, with the lengths the kernel's compat code refuses.
 */

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "sockopt.h"
#include "tap.h"

/* The layout class of level:optname for abi, and the errno of a refused one in *e. */
static enum sockopt_layout layout(enum abi abi, int level, int optname, int *e)
{
	*e = 0;
	return sockopt_layout(abi, level, optname, e);
}

static void test_layouts(void)
{
	int e;

	is_int(layout(ABI_I386, SOL_SOCKET, SO_REUSEADDR, &e), SOCKOPT_SAME, "i386 SO_REUSEADDR: same");
	is_int(layout(ABI_I386, SOL_SOCKET, 20, &e), SOCKOPT_TIMEVAL32, "i386 SO_RCVTIMEO_OLD: timeval32");
	is_int(layout(ABI_I386, SOL_SOCKET, 21, &e), SOCKOPT_TIMEVAL32, "i386 SO_SNDTIMEO_OLD: timeval32");
	is_int(layout(ABI_I386, SOL_SOCKET, 66, &e), SOCKOPT_SAME,
	       "i386 SO_RCVTIMEO_NEW (64-bit times): same");
	is_int(layout(ABI_I386, SOL_SOCKET, SO_ATTACH_FILTER, &e), SOCKOPT_FPROG32,
	       "i386 SO_ATTACH_FILTER: compat_sock_fprog");
	is_int(layout(ABI_I386, SOL_SOCKET, 51, &e), SOCKOPT_FPROG32,
	       "i386 SO_ATTACH_REUSEPORT_CBPF: compat_sock_fprog");
	is_int(layout(ABI_I386, SOL_SOCKET, 50, &e), SOCKOPT_FD, "i386 SO_ATTACH_BPF: a descriptor");
	is_int(layout(ABI_X86_64, SOL_SOCKET, 52, &e), SOCKOPT_FD,
	       "x86_64 SO_ATTACH_REUSEPORT_EBPF: a descriptor too");
	is_int(layout(ABI_X86_64, SOL_SOCKET, 20, &e), SOCKOPT_SAME, "x86_64 SO_RCVTIMEO_OLD: same");
	for (int opt = MCAST_JOIN_GROUP; opt <= MCAST_MSFILTER; opt++) {
		is_int(layout(ABI_I386, IPPROTO_IP, opt, &e), SOCKOPT_GROUP32, "i386 IPv4 MCAST_ %d: packed", opt);
		is_int(layout(ABI_I386, IPPROTO_IPV6, opt, &e), SOCKOPT_GROUP32, "i386 IPv6 MCAST_ %d: packed", opt);
	}
	is_int(layout(ABI_I386, IPPROTO_TCP, MCAST_JOIN_GROUP, &e), SOCKOPT_SAME,
	       "TCP option 42 is no MCAST_ option");
	is_int(layout(ABI_I386, IPPROTO_IP, IP_XFRM_POLICY, &e), SOCKOPT_REFUSED, "i386 IP_XFRM_POLICY: refused");
	is_int(e, EOPNOTSUPP, "... with EOPNOTSUPP");
	is_int(layout(ABI_I386, IPPROTO_IPV6, IPV6_IPSEC_POLICY, &e), SOCKOPT_REFUSED,
	       "i386 IPV6_IPSEC_POLICY: refused");
	is_int(layout(ABI_I386, IPPROTO_IP, 64, &e), SOCKOPT_REFUSED, "i386 IPT_SO_SET_REPLACE: refused");
	is_int(e, ENOPROTOOPT, "... with ENOPROTOOPT");
	is_int(layout(ABI_I386, IPPROTO_IPV6, 65, &e), SOCKOPT_REFUSED,
	       "i386 IP6T_SO_SET_ADD_COUNTERS: refused");
	is_int(layout(ABI_I386, IPPROTO_IP, 128, &e), SOCKOPT_REFUSED, "i386 EBT_SO_SET_ENTRIES: refused");
	is_int(layout(ABI_X86_64, IPPROTO_IP, 64, &e), SOCKOPT_SAME, "x86_64 IPT_SO_SET_REPLACE: same");
}

static void test_timeval(void)
{
	int32_t tv32[2] = { -3, 250000 };
	uint8_t out[32];
	struct timeval tv;

	is_int(sockopt_convert(SOCKOPT_TIMEVAL32, (uint8_t *)tv32, 8, out), sizeof(tv),
	       "timeval32: a native timeval");
	memcpy(&tv, out, sizeof(tv));
	ok(tv.tv_sec == -3 && tv.tv_usec == 250000, "timeval32: seconds sign-extended, microseconds kept");
	is_int(sockopt_convert(SOCKOPT_TIMEVAL32, (uint8_t *)tv32, 12, out), sizeof(tv),
	       "timeval32 longer than 8 bytes: the first 8 count");
	is_int(sockopt_convert(SOCKOPT_TIMEVAL32, (uint8_t *)tv32, 7, out), -EINVAL,
	       "timeval32 shorter than 8 bytes: EINVAL, as sock_set_timeout() says");
}

static void test_group(void)
{
	uint8_t in[4 + 128 + 8], out[sizeof(in) + 16];
	struct group_filter gf;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0xef010203) };
	uint32_t iface = 7, fmode = MCAST_INCLUDE, numsrc = 0;

	memcpy(in, &iface, 4);
	memset(in + 4, 0, 128);
	memcpy(in + 4, &sin, sizeof(sin));
	memcpy(in + 132, &fmode, 4);
	memcpy(in + 136, &numsrc, 4);
	is_int(sockopt_convert(SOCKOPT_GROUP32, in, 132, out), 136,
	       "compat_group_req (132 bytes): a group_req (136)");
	is_int(sockopt_convert(SOCKOPT_GROUP32, in, sizeof(in), out), (long long)sizeof(in) + 4,
	       "compat_group_filter: 4 bytes longer");
	memcpy(&gf, out, offsetof(struct group_filter, gf_slist));
	ok(gf.gf_interface == 7 && gf.gf_fmode == MCAST_INCLUDE && gf.gf_numsrc == 0,
	   "group_filter: interface, mode and count where the native structure has them");
	ok(memcmp(&gf.gf_group, &sin, sizeof(sin)) == 0, "group_filter: the group at offset 8");
	is_int(sockopt_convert(SOCKOPT_GROUP32, in, 3, out), 3,
	       "shorter than the interface: passed as it is (the kernel refuses it)");
	is_int(sockopt_convert(SOCKOPT_GROUP32, in, 131, out), 135,
	       "one byte short of a compat_group_req: one short of a group_req (EINVAL either way)");
}

int main(void)
{
	test_layouts();
	test_timeval();
	test_group();
	return done_testing();
}
