/*
 * Unit tests of src/sockaddr.c: sockaddr_decode() on every family it knows and on the
 * hostile lengths a tracee can pass, msghdr_decode() in the LP64 and ILP32 layouts, and the
 * strings endpoint_format() puts in reports.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "sockaddr.h"
#include "tap.h"

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)
#define SUN_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

/* Room for a sockaddr and then some, so that over-long lengths stay inside the buffer. */
union rawaddr {
	struct sockaddr_storage ss;
	uint8_t b[2 * SOCKADDR_MAX];
};

static size_t make_in(union rawaddr *u, const char *addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		bail_out("bad IPv4 address in test: %s", addr);
	memset(u, 0, sizeof(*u));
	memcpy(u->b, &sin, sizeof(sin));
	return sizeof(sin);
}

static size_t make_in6(union rawaddr *u, const char *addr, uint16_t port, uint32_t scope)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_scope_id = scope,
	};

	if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) != 1)
		bail_out("bad IPv6 address in test: %s", addr);
	memset(u, 0, sizeof(*u));
	memcpy(u->b, &sin6, sizeof(sin6));
	return sizeof(sin6);
}

/* An AF_UNIX address with n bytes of name (which may start with or contain NUL). */
static size_t make_un(union rawaddr *u, const char *name, size_t n)
{
	sa_family_t family = AF_UNIX;

	memset(u, 0, sizeof(*u));
	memcpy(u->b, &family, sizeof(family));
	memcpy(u->b + SUN_OFF, name, n);
	return SUN_OFF + n;
}

static void set_family(union rawaddr *u, int family)
{
	sa_family_t f = (sa_family_t)family;

	memcpy(u->b, &f, sizeof(f));
}

/* Asserts that ep holds exactly the address text (and zeroes after it). */
static void addr_is(const struct endpoint *ep, int family, const char *text, const char *what)
{
	uint8_t want[16] = { 0 };

	if (inet_pton(family, text, want) != 1)
		bail_out("bad address in test: %s", text);
	ok(memcmp(ep->addr, want, sizeof(want)) == 0, "%s: address is %s", what, text);
}

/* Asserts that a failing decode returns -EINVAL and leaves *ret alone. */
static void decode_fails(const void *buf, size_t len, const char *what)
{
	struct endpoint ep, before;

	memset(&ep, 0xa5, sizeof(ep));
	before = ep;
	is_int(sockaddr_decode(buf, len, &ep), -EINVAL, "%s: -EINVAL", what);
	ok(memcmp(&ep, &before, sizeof(ep)) == 0, "%s: result untouched", what);
}

static void test_inet(void)
{
	union rawaddr u;
	struct endpoint ep;
	size_t len = make_in(&u, "203.0.113.1", 80);

	is_int(sockaddr_decode(u.b, len, &ep), 0, "AF_INET decodes");
	is_int(ep.family, AF_INET, "AF_INET: family");
	is_int(ep.port, 80, "AF_INET: port in host order");
	addr_is(&ep, AF_INET, "203.0.113.1", "AF_INET");
	ok(!ep.mapped, "AF_INET: not mapped");

	len = make_in(&u, "10.1.2.3", 65535);
	is_int(sockaddr_decode(u.b, SOCKADDR_MAX, &ep), 0, "AF_INET with len = sizeof(sockaddr_storage)");
	is_int(ep.port, 65535, "AF_INET: port 65535");
	addr_is(&ep, AF_INET, "10.1.2.3", "AF_INET long");

	decode_fails(u.b, len - 1, "AF_INET len 15");
}

static void test_inet6(void)
{
	union rawaddr u;
	struct endpoint ep;
	size_t len = make_in6(&u, "2001:db8::1", 443, 7);

	is_int(len, 28, "sizeof(struct sockaddr_in6) is 28");
	is_int(sockaddr_decode(u.b, len, &ep), 0, "AF_INET6 (28 bytes) decodes");
	is_int(ep.family, AF_INET6, "AF_INET6: family");
	is_int(ep.port, 443, "AF_INET6: port");
	is_int(ep.scope_id, 7, "AF_INET6: scope id");
	addr_is(&ep, AF_INET6, "2001:db8::1", "AF_INET6");
	ok(!ep.mapped, "AF_INET6: not mapped");

	/* RFC 2133 size: no sin6_scope_id; the bytes after 24 must not be read as one. */
	is_int(sockaddr_decode(u.b, 24, &ep), 0, "AF_INET6 (24 bytes, RFC 2133) decodes");
	is_int(ep.scope_id, 0, "AF_INET6 24 bytes: no scope id");
	is_int(ep.port, 443, "AF_INET6 24 bytes: port");
	addr_is(&ep, AF_INET6, "2001:db8::1", "AF_INET6 24 bytes");

	decode_fails(u.b, 23, "AF_INET6 len 23");

	len = make_in6(&u, "::ffff:127.0.0.1", 9050, 0);
	is_int(sockaddr_decode(u.b, len, &ep), 0, "IPv4-mapped decodes");
	is_int(ep.family, AF_INET, "IPv4-mapped: judged as AF_INET");
	ok(ep.mapped, "IPv4-mapped: mapped flag");
	is_int(ep.port, 9050, "IPv4-mapped: port");
	addr_is(&ep, AF_INET, "127.0.0.1", "IPv4-mapped");

	len = make_in6(&u, "::ffff:203.0.113.9", 53, 0);
	is_int(sockaddr_decode(u.b, 24, &ep), 0, "IPv4-mapped (24 bytes) decodes");
	ok(ep.family == AF_INET && ep.mapped, "IPv4-mapped 24 bytes: AF_INET, mapped");
	addr_is(&ep, AF_INET, "203.0.113.9", "IPv4-mapped 24 bytes");

	/* Look-alikes that are not IPv4-mapped stay IPv6. */
	len = make_in6(&u, "::127.0.0.1", 80, 0);
	sockaddr_decode(u.b, len, &ep);
	ok(ep.family == AF_INET6 && !ep.mapped, "::127.0.0.1 (IPv4-compatible) stays AF_INET6");
	len = make_in6(&u, "::ffff:0:127.0.0.1", 80, 0);
	sockaddr_decode(u.b, len, &ep);
	ok(ep.family == AF_INET6 && !ep.mapped, "::ffff:0:127.0.0.1 (IPv4-translated) stays AF_INET6");
	len = make_in6(&u, "64:ff9b::7f00:1", 80, 0);
	sockaddr_decode(u.b, len, &ep);
	ok(ep.family == AF_INET6 && !ep.mapped, "64:ff9b::/96 (NAT64) stays AF_INET6");

	/* 0.0.0.0, :: and ::ffff:0.0.0.0 are where the kernel sends them: loopback. */
	len = make_in(&u, "0.0.0.0", 9050);
	is_int(sockaddr_decode(u.b, len, &ep), 0, "0.0.0.0 decodes");
	ok(ep.family == AF_INET && ep.any && !ep.mapped, "0.0.0.0: AF_INET, any");
	addr_is(&ep, AF_INET, "127.0.0.1", "0.0.0.0 is judged as 127.0.0.1");
	len = make_in6(&u, "::", 9050, 0);
	is_int(sockaddr_decode(u.b, len, &ep), 0, ":: decodes");
	ok(ep.family == AF_INET6 && ep.any && !ep.mapped, "::: AF_INET6, any");
	addr_is(&ep, AF_INET6, "::1", ":: is judged as ::1");
	len = make_in6(&u, "::ffff:0.0.0.0", 9050, 0);
	is_int(sockaddr_decode(u.b, len, &ep), 0, "::ffff:0.0.0.0 decodes");
	ok(ep.family == AF_INET && ep.any && ep.mapped, "::ffff:0.0.0.0: AF_INET, mapped, any");
	addr_is(&ep, AF_INET, "127.0.0.1", "::ffff:0.0.0.0 is judged as 127.0.0.1");
	len = make_in(&u, "0.0.0.1", 80);
	sockaddr_decode(u.b, len, &ep);
	ok(!ep.any, "0.0.0.1 is not this host's any address");
	addr_is(&ep, AF_INET, "0.0.0.1", "0.0.0.1 stays");
}

static void test_unix(void)
{
	static const char path[] = "/run/tor/socks";
	union rawaddr u;
	struct endpoint ep;
	char full[SUN_MAX];
	size_t len;

	len = make_un(&u, path, sizeof(path));
	is_int(sockaddr_decode(u.b, len, &ep), 0, "AF_UNIX pathname decodes");
	is_int(ep.family, AF_UNIX, "AF_UNIX: family");
	ok(!ep.abstract, "AF_UNIX pathname: not abstract");
	is_int((long long)ep.path_len, 14, "AF_UNIX pathname: length stops at the NUL");
	is_str(ep.path, path, "AF_UNIX pathname: path");

	len = make_un(&u, path, strlen(path));
	is_int(sockaddr_decode(u.b, len, &ep), 0, "AF_UNIX pathname without NUL in len decodes");
	is_str(ep.path, path, "AF_UNIX pathname without NUL: path");

	len = make_un(&u, "/a\0junk", 7);
	sockaddr_decode(u.b, len, &ep);
	ok(ep.path_len == 2 && strcmp(ep.path, "/a") == 0, "AF_UNIX pathname ends at the first NUL");

	len = make_un(&u, "\0abstract", 9);
	is_int(sockaddr_decode(u.b, len, &ep), 0, "AF_UNIX abstract decodes");
	ok(ep.abstract, "AF_UNIX abstract: abstract flag");
	is_int((long long)ep.path_len, 8, "AF_UNIX abstract: length without the leading NUL");
	is_str(ep.path, "abstract", "AF_UNIX abstract: name");

	len = make_un(&u, "\0a\0b", 4);
	sockaddr_decode(u.b, len, &ep);
	ok(ep.abstract && ep.path_len == 3 && memcmp(ep.path, "a\0b", 3) == 0,
	   "AF_UNIX abstract name keeps embedded NULs");

	len = make_un(&u, "", 0);
	is_int(sockaddr_decode(u.b, len, &ep), 0, "AF_UNIX unnamed (len 2) decodes");
	ok(!ep.abstract && ep.path_len == 0 && ep.path[0] == '\0', "AF_UNIX unnamed: no name");

	/* sun_path filled to the last byte with no NUL: valid for the kernel (unix(7)). */
	memset(full, 'x', sizeof(full));
	full[0] = '/';
	len = make_un(&u, full, sizeof(full));
	is_int(len, sizeof(struct sockaddr_un), "full-length AF_UNIX is sizeof(sockaddr_un)");
	is_int(sockaddr_decode(u.b, len, &ep), 0, "AF_UNIX full-length path decodes");
	is_int((long long)ep.path_len, SUN_MAX, "AF_UNIX full-length: all 108 bytes");
	ok(memcmp(ep.path, full, SUN_MAX) == 0 && ep.path[SUN_MAX] == '\0',
	   "AF_UNIX full-length: copied and NUL-terminated");

	full[0] = '\0';
	len = make_un(&u, full, sizeof(full));
	sockaddr_decode(u.b, len, &ep);
	ok(ep.abstract && ep.path_len == SUN_MAX - 1, "AF_UNIX full-length abstract: 107 bytes");

	decode_fails(u.b, sizeof(struct sockaddr_un) + 1, "AF_UNIX len 111");
	decode_fails(u.b, SOCKADDR_MAX, "AF_UNIX len 128");
}

static void test_other_families(void)
{
	union rawaddr u;
	struct endpoint ep;
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_pid = 1234, .nl_groups = 5 };

	memset(&u, 0, sizeof(u));
	memcpy(u.b, &nl, sizeof(nl));
	is_int(sockaddr_decode(u.b, sizeof(nl), &ep), 0, "AF_NETLINK decodes");
	is_int(ep.family, AF_NETLINK, "AF_NETLINK: family");
	is_int(ep.nl_pid, 1234, "AF_NETLINK: nl_pid");
	decode_fails(u.b, sizeof(nl) - 1, "AF_NETLINK len 11");

	memset(&u, 0xee, sizeof(u));
	set_family(&u, AF_UNSPEC);
	is_int(sockaddr_decode(u.b, 16, &ep), 0, "AF_UNSPEC decodes");
	is_int(ep.family, AF_UNSPEC, "AF_UNSPEC: family");
	ok(ep.port == 0 && ep.addr[0] == 0, "AF_UNSPEC: no address");
	is_int(sockaddr_decode(u.b, 2, &ep), 0, "AF_UNSPEC with only the family decodes");

	set_family(&u, AF_PACKET);
	is_int(sockaddr_decode(u.b, 20, &ep), 0, "AF_PACKET decodes to its number");
	is_int(ep.family, AF_PACKET, "AF_PACKET: family 17");
	ok(ep.port == 0 && ep.addr[0] == 0 && ep.path_len == 0, "AF_PACKET: no address");

	set_family(&u, 999);
	is_int(sockaddr_decode(u.b, 2, &ep), 0, "family 999 decodes");
	is_int(ep.family, 999, "family 999: its number");
}

static void test_hostile_lengths(void)
{
	union rawaddr u;

	make_in(&u, "203.0.113.1", 80);
	decode_fails(u.b, 0, "len 0");
	decode_fails(u.b, 1, "len 1");
	decode_fails(u.b, SOCKADDR_MAX + 1, "len 129");
	decode_fails(u.b, sizeof(u.b), "len 256");
	decode_fails(u.b, SIZE_MAX, "len SIZE_MAX");
	make_in6(&u, "::1", 80, 0);
	decode_fails(u.b, SOCKADDR_MAX + 1, "AF_INET6 len 129");
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void test_msghdr(void)
{
	struct sockaddr_in target;
	struct msghdr m = { .msg_name = &target, .msg_namelen = sizeof(target) };
	struct mmsghdr vec[3] = { 0 };
	uint8_t i386[3 * 32];
	struct msg_name name, before;

	is_int((long long)msghdr_size(ABI_X86_64), sizeof(struct msghdr), "msghdr_size(x86_64)");
	is_int((long long)msghdr_size(ABI_I386), 28, "msghdr_size(i386) is 28");
	is_int((long long)mmsghdr_size(ABI_X86_64), sizeof(struct mmsghdr), "mmsghdr_size(x86_64)");
	is_int((long long)mmsghdr_size(ABI_I386), 32, "mmsghdr_size(i386) is 32");

	is_int(msghdr_decode(&m, sizeof(m), ABI_X86_64, &name), 0, "x86_64 msghdr decodes");
	ok(name.addr == (uint64_t)(uintptr_t)&target, "x86_64 msghdr: msg_name");
	is_int(name.len, sizeof(target), "x86_64 msghdr: msg_namelen");

	name = before = (struct msg_name){ 0x1111, 0x2222 };
	is_int(msghdr_decode(&m, sizeof(m) - 1, ABI_X86_64, &name), -EINVAL, "x86_64 short msghdr: -EINVAL");
	ok(name.addr == before.addr && name.len == before.len, "x86_64 short msghdr: result untouched");

	/* An array of struct mmsghdr: each msghdr at a stride of mmsghdr_size(). */
	for (unsigned i = 0; i < 3; i++) {
		vec[i].msg_hdr.msg_name = (char *)&target + i;
		vec[i].msg_hdr.msg_namelen = 100 + i;
	}
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *p = (const uint8_t *)vec + i * mmsghdr_size(ABI_X86_64);
		msghdr_decode(p, mmsghdr_size(ABI_X86_64), ABI_X86_64, &name);
		ok(name.addr == (uint64_t)(uintptr_t)((char *)&target + i) && name.len == 100 + i,
		   "x86_64 mmsghdr[%u] at stride %zu", i, mmsghdr_size(ABI_X86_64));
	}

	/* ILP32: msg_name u32 at 0, msg_namelen u32 at 4, then iov, iovlen, control,
	 * controllen, flags (28 bytes), and msg_len in struct mmsghdr (32 bytes). */
	memset(i386, 0xff, sizeof(i386));
	for (unsigned i = 0; i < 3; i++) {
		put32(i386 + 32 * i, 0xfffff000u + i);
		put32(i386 + 32 * i + 4, 16 + i);
	}
	is_int(msghdr_decode(i386, 28, ABI_I386, &name), 0, "i386 msghdr decodes from 28 bytes");
	ok(name.addr == 0xfffff000u, "i386 msghdr: 32-bit msg_name, not sign-extended");
	is_int(name.len, 16, "i386 msghdr: msg_namelen");
	for (unsigned i = 1; i < 3; i++) {
		msghdr_decode(i386 + i * mmsghdr_size(ABI_I386), 32, ABI_I386, &name);
		ok(name.addr == 0xfffff000u + i && name.len == 16 + i, "i386 mmsghdr[%u] at stride 32", i);
	}
	name = before;
	is_int(msghdr_decode(i386, 27, ABI_I386, &name), -EINVAL, "i386 msghdr of 27 bytes: -EINVAL");
	ok(name.addr == before.addr && name.len == before.len, "i386 short msghdr: result untouched");
	is_int(msghdr_decode(i386, 0, ABI_I386, &name), -EINVAL, "i386 msghdr of 0 bytes: -EINVAL");
}

/* Decodes raw bytes and returns the formatted endpoint in buf. */
static const char *format_raw(const union rawaddr *u, size_t len, char *buf)
{
	struct endpoint ep;

	if (sockaddr_decode(u->b, len, &ep) < 0)
		return "(decode failed)";
	endpoint_format(&ep, buf, ENDPOINT_STRLEN);
	return buf;
}

static void test_format(void)
{
	union rawaddr u;
	char buf[ENDPOINT_STRLEN], name[SUN_MAX];
	size_t len;

	len = make_in(&u, "203.0.113.1", 80);
	is_str(format_raw(&u, len, buf), "AF_INET, 203.0.113.1:80", "format AF_INET");
	len = make_in6(&u, "2001:db8::1", 443, 0);
	is_str(format_raw(&u, len, buf), "AF_INET6, [2001:db8::1]:443", "format AF_INET6");
	len = make_in6(&u, "::ffff:127.0.0.1", 9050, 0);
	is_str(format_raw(&u, len, buf), "AF_INET6, [::ffff:127.0.0.1]:9050 (IPv4-mapped)",
	       "format IPv4-mapped: the sockaddr_in6 as written");
	len = make_in(&u, "0.0.0.0", 9050);
	is_str(format_raw(&u, len, buf), "AF_INET, 0.0.0.0:9050 (this host: 127.0.0.1)",
	       "format 0.0.0.0: as written, and the loopback address the kernel uses");
	len = make_in6(&u, "::", 80, 0);
	is_str(format_raw(&u, len, buf), "AF_INET6, [::]:80 (this host: ::1)", "format ::");
	len = make_in6(&u, "::ffff:0.0.0.0", 80, 0);
	is_str(format_raw(&u, len, buf), "AF_INET6, [::ffff:0.0.0.0]:80 (IPv4-mapped, this host: 127.0.0.1)",
	       "format ::ffff:0.0.0.0");
	len = make_un(&u, "/run/tor/socks", 15);
	is_str(format_raw(&u, len, buf), "AF_UNIX, \"/run/tor/socks\"", "format AF_UNIX pathname");
	len = make_un(&u, "\0tor-socks", 10);
	is_str(format_raw(&u, len, buf), "AF_UNIX, \"@tor-socks\"", "format AF_UNIX abstract with '@'");
	len = make_un(&u, "", 0);
	is_str(format_raw(&u, len, buf), "AF_UNIX, unnamed", "format AF_UNIX unnamed");
	len = make_un(&u, "\0", 1);
	is_str(format_raw(&u, len, buf), "AF_UNIX, \"@\"", "format AF_UNIX abstract with an empty name");
	len = make_un(&u, "\0a\0b\n\\\x7f\xff", 8);
	is_str(format_raw(&u, len, buf), "AF_UNIX, \"@a\\000b\\012\\134\\177\\377\"",
	       "format AF_UNIX escapes NUL, newline, backslash, DEL and high bytes");
	len = make_un(&u, "/tmp/a\") [x", 11);
	is_str(format_raw(&u, len, buf), "AF_UNIX, \"/tmp/a\\042) [x\"", "format AF_UNIX escapes a quote");

	/* The worst case, every byte escaped, still fits. */
	memset(name, '\1', sizeof(name));
	name[0] = '\0';
	len = make_un(&u, name, sizeof(name));
	format_raw(&u, len, buf);
	is_int((long long)strlen(buf), (long long)strlen("AF_UNIX, \"@\"") + 4 * (SUN_MAX - 1),
	       "format AF_UNIX: 107 escaped bytes are not truncated");

	memset(&u, 0, sizeof(u));
	{
		struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_pid = 42 };
		memcpy(u.b, &nl, sizeof(nl));
	}
	is_str(format_raw(&u, sizeof(struct sockaddr_nl), buf), "AF_NETLINK, pid 42", "format AF_NETLINK");
	set_family(&u, AF_UNSPEC);
	is_str(format_raw(&u, 16, buf), "AF_UNSPEC", "format AF_UNSPEC");
	set_family(&u, AF_PACKET);
	is_str(format_raw(&u, 20, buf), "AF_PACKET", "format AF_PACKET");
	set_family(&u, 999);
	is_str(format_raw(&u, 16, buf), "AF_999", "format unknown family as its number");

	/* A small buffer truncates rather than overflows. */
	{
		struct endpoint ep;
		char small[12];

		len = make_in(&u, "203.0.113.1", 80);
		sockaddr_decode(u.b, len, &ep);
		memset(small, 'z', sizeof(small));
		endpoint_format(&ep, small, 8);
		is_str(small, "AF_INET", "format into 8 bytes truncates");
		ok(small[8] == 'z', "format into 8 bytes writes nothing past them");
	}
}

static void test_loopback(void)
{
	static const struct {
		const char *addr;
		bool v6;
		bool loopback;
	} cases[] = {
		{ "127.0.0.1", false, true },
		{ "127.255.255.254", false, true },
		{ "127.0.0.53", false, true },
		{ "126.255.255.255", false, false },
		{ "128.0.0.1", false, false },
		{ "0.0.0.0", false, true },
		{ "0.0.0.1", false, false },
		{ "::1", true, true },
		{ "::", true, true },
		{ "::ffff:0.0.0.0", true, true },
		{ "::2", true, false },
		{ "fe80::1", true, false },
		{ "::ffff:127.0.0.1", true, true },
		{ "::ffff:10.0.0.1", true, false },
		{ "::127.0.0.1", true, false },
	};
	union rawaddr u;
	struct endpoint ep;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].v6 ? make_in6(&u, cases[i].addr, 1, 0) : make_in(&u, cases[i].addr, 1);
		sockaddr_decode(u.b, len, &ep);
		ok(endpoint_is_loopback(&ep) == cases[i].loopback, "%s is %sloopback", cases[i].addr,
		   cases[i].loopback ? "" : "not ");
	}
	make_un(&u, "/run/tor/socks", 14);
	sockaddr_decode(u.b, SUN_OFF + 14, &ep);
	ok(!endpoint_is_loopback(&ep), "AF_UNIX is not loopback");
}

int main(void)
{
	test_inet();
	test_inet6();
	test_unix();
	test_other_families();
	test_hostile_lengths();
	test_msghdr();
	test_format();
	test_loopback();
	return done_testing();
}
