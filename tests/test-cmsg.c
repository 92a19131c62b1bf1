/*
 * Unit tests of src/cmsg.c: cmsg_forbidden() on the control messages that send elsewhere
 * than the call's address, on harmless ones, in the LP64 and the i386 layouts, and on the
 * malformed data a hostile tracee can pass; msghdr_control() in both layouts.
 */

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "cmsg.h"
#include "tap.h"

/* Control data being built: messages appended one after another in one ABI's layout. */
struct ctl {
	enum abi abi;
	size_t len;
	uint8_t b[512];
};

/* Appends a message of level and type with n bytes of data (cmsg_len: its own length,
 * or clen when nonzero: a lie). */
static void add(struct ctl *c, int level, int type, const void *data, size_t n, size_t clen)
{
	size_t hdr = c->abi == ABI_I386 ? 12 : sizeof(struct cmsghdr);
	size_t align = c->abi == ABI_I386 ? 4 : sizeof(size_t);
	uint64_t len = clen ? clen : hdr + n;
	uint32_t len32 = (uint32_t)len;
	int32_t lv = level, ty = type;

	if (c->len + hdr + n + align > sizeof(c->b))
		bail_out("control data too long for the test buffer");
	if (c->abi == ABI_I386)
		memcpy(c->b + c->len, &len32, 4);
	else
		memcpy(c->b + c->len, &len, 8);
	memcpy(c->b + c->len + hdr - 8, &lv, 4);
	memcpy(c->b + c->len + hdr - 4, &ty, 4);
	memcpy(c->b + c->len + hdr, data, n);
	c->len += (hdr + n + align - 1) & ~(align - 1);
}

static int check(const struct ctl *c, const char **ret_name)
{
	struct cmsg_hit hit = { 0 };
	int rc = cmsg_forbidden(c->b, c->len, c->abi, &hit);

	*ret_name = rc == 1 ? hit.name : "";
	return rc;
}

static void test_refused(enum abi abi)
{
	static const struct { int level, type; const char *name; } refused[] = {
		{ IPPROTO_IPV6, IPV6_RTHDR, "IPPROTO_IPV6, IPV6_RTHDR" },
		{ IPPROTO_IPV6, IPV6_2292RTHDR, "IPPROTO_IPV6, IPV6_2292RTHDR" },
		{ IPPROTO_IPV6, IPV6_NEXTHOP, "IPPROTO_IPV6, IPV6_NEXTHOP" },
		{ IPPROTO_IP, IP_RETOPTS, "IPPROTO_IP, IP_RETOPTS" },
		{ IPPROTO_IP, IP_OPTIONS, "IPPROTO_IP, IP_OPTIONS" },
		{ SOL_SOCKET, SO_MARK, "SOL_SOCKET, SO_MARK" },
	};
	const char *abi_name = abi == ABI_I386 ? "i386" : "x86_64";
	uint8_t data[24] = { 0 };
	int ttl = 7;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct ctl c = { .abi = abi };
		const char *name;

		add(&c, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl), 0);
		add(&c, refused[i].level, refused[i].type, data, sizeof(data), 0);
		is_int(check(&c, &name), 1, "%s: %s after a harmless message is refused", abi_name,
		       refused[i].name);
		is_str(name, refused[i].name, "%s: and named", abi_name);
	}
}

static void test_harmless(enum abi abi)
{
	const char *abi_name = abi == ABI_I386 ? "i386" : "x86_64", *name;
	struct ctl c = { .abi = abi };
	int v = 1;

	is_int(check(&c, &name), 0, "%s: no control data", abi_name);
	add(&c, IPPROTO_IP, IP_TTL, &v, sizeof(v), 0);
	add(&c, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v), 0);
	add(&c, IPPROTO_UDP, 103 /* UDP_SEGMENT */, &v, 2, 0);
	/* IPV6_RTHDR's number at a level that is not IPv6: no routing header. */
	add(&c, 0x1234, IPV6_RTHDR, &v, sizeof(v), 0);
	is_int(check(&c, &name), 0, "%s: TTL, traffic class, GSO, unknown level: harmless",
	       abi_name);
}

static void test_pktinfo(enum abi abi)
{
	const char *abi_name = abi == ABI_I386 ? "i386" : "x86_64", *name;
	struct in_pktinfo pi = { 0 };
	struct in6_pktinfo pi6 = { 0 };
	struct ctl c;

	for (int ifindex = 0; ifindex <= 2; ifindex++) {
		c = (struct ctl){ .abi = abi };
		pi.ipi_ifindex = ifindex;
		add(&c, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi), 0);
		is_int(check(&c, &name), ifindex == 2, "%s: IP_PKTINFO on interface %d%s", abi_name,
		       ifindex, ifindex == 2 ? " is refused" : " (none, or lo) is harmless");
	}
	c = (struct ctl){ .abi = abi };
	pi6.ipi6_ifindex = 5;
	add(&c, IPPROTO_IPV6, IPV6_PKTINFO, &pi6, sizeof(pi6), 0);
	is_int(check(&c, &name), 1, "%s: IPV6_PKTINFO on interface 5 is refused", abi_name);
	c = (struct ctl){ .abi = abi };
	add(&c, IPPROTO_IPV6, IPV6_PKTINFO, &pi6, 8, 0);
	is_int(check(&c, &name), 0, "%s: a short IPV6_PKTINFO (the kernel says EINVAL) names none",
	       abi_name);
}

static void test_malformed(enum abi abi)
{
	const char *abi_name = abi == ABI_I386 ? "i386" : "x86_64", *name;
	size_t hdr = abi == ABI_I386 ? 12 : sizeof(struct cmsghdr);
	int v = 1;
	struct ctl c = { .abi = abi };

	add(&c, IPPROTO_IP, IP_TTL, &v, sizeof(v), hdr - 1);
	is_int(check(&c, &name), -EINVAL, "%s: cmsg_len shorter than its header", abi_name);
	c = (struct ctl){ .abi = abi };
	add(&c, IPPROTO_IP, IP_TTL, &v, sizeof(v), 4096);
	is_int(check(&c, &name), -EINVAL, "%s: cmsg_len past the end", abi_name);
	c = (struct ctl){ .abi = abi };
	add(&c, IPPROTO_IP, IP_TTL, &v, sizeof(v), 0);
	c.len += hdr - 1;
	is_int(check(&c, &name), 0, "%s: trailing bytes shorter than a header are ignored",
	       abi_name);
}

static void test_msghdr_control(void)
{
	struct msghdr m = { .msg_control = (void *)0x1234567890, .msg_controllen = 48 };
	uint32_t m32[7] = { 0, 0, 0, 0, 0x8000, 20, 0 };
	struct msg_control mc;

	is_int(msghdr_control(&m, sizeof(m), ABI_X86_64, &mc), 0, "x86_64 msghdr: read");
	ok(mc.addr == 0x1234567890 && mc.len == 48, "x86_64 msghdr: msg_control, msg_controllen");
	is_int(msghdr_control(m32, sizeof(m32), ABI_I386, &mc), 0, "i386 msghdr: read");
	ok(mc.addr == 0x8000 && mc.len == 20, "i386 msghdr: msg_control, msg_controllen");
	is_int(msghdr_control(m32, 20, ABI_I386, &mc), -EINVAL, "i386 msghdr: short");
}

int main(void)
{
	test_refused(ABI_X86_64);
	test_refused(ABI_I386);
	test_harmless(ABI_X86_64);
	test_harmless(ABI_I386);
	test_pktinfo(ABI_X86_64);
	test_pktinfo(ABI_I386);
	test_malformed(ABI_X86_64);
	test_malformed(ABI_I386);
	test_msghdr_control();
	return done_testing();
}
