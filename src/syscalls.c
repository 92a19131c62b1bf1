/* The intercepted syscalls as a table: one row each, with its decoder. */

#include <errno.h>
#include <linux/audit.h>
#include <linux/if_tun.h>
#include <linux/net.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "cleanup.h"
#include "cmsg.h"
#include "syscalls.h"
#include "tracee.h"

/* i386 numbers come from arch/x86/entry/syscalls/syscall_32.tbl; the headers here are
 * x86_64's. */

static struct dest *next_dest(struct call *c)
{
	struct dest *d = &c->dests[c->n_dests++];

	*d = (struct dest){ 0 };
	return d;
}

/*
 * Reads one sockaddr of len bytes at addr. Lengths the kernel refuses before looking at the
 * address (0, 1, over sizeof(sockaddr_storage): move_addr_to_kernel() in net/socket.c) are
 * no destination: the syscall fails with EINVAL by itself.
 */
static void read_sockaddr(struct call *c, uint64_t addr, uint32_t len, uint32_t msg_index)
{
	uint8_t buf[SOCKADDR_MAX];
	struct dest *d;

	if (len < sizeof(sa_family_t) || len > SOCKADDR_MAX)
		return;
	d = next_dest(c);
	d->msg_index = msg_index;
	d->error = tracee_read(c->tid, addr, d->raw, len);
	if (d->error)
		return;
	d->raw_len = len;
	d->error = sockaddr_decode(d->raw, len, &d->ep);
	if (d->error == 0 && d->ep.family == AF_UNSPEC && c->def->is_send) {
		/* udp_sendmsg() sends to an AF_UNSPEC address as if it were AF_INET. */
		uint16_t inet = AF_INET;
		memcpy(buf, d->raw, len);
		memcpy(buf, &inet, sizeof(inet));
		d->error = sockaddr_decode(buf, len, &d->ep);
	}
}

static int decode_connect(struct call *c)
{
	read_sockaddr(c, c->args[1], (uint32_t)c->args[2], 0);
	return 0;
}

/* listen(2) has no address: the engine judges the socket's own (getsockname). */
static int decode_listen(struct call *c)
{
	(void)c;
	return 0;
}

static int decode_sendto(struct call *c)
{
	if (c->args[4] != 0)
		read_sockaddr(c, c->args[4], (uint32_t)c->args[5], 0);
	return 0;
}

/* Conditions on one argument: an int compared on its low 32 bits, a long on all 64, and
 * bits that must all be set. */
#define INT_EQ(i, v) { .arg = (i), .mask = 0xffffffffULL, .value = (uint32_t)(v) }
#define LONG_EQ(i, v) { .arg = (i), .mask = ~0ULL, .value = (uint64_t)(v) }
#define BITS_SET(i, bits) { .arg = (i), .mask = (bits), .value = (bits) }
/* A row's rules. */
#define RULES(r) .rules = (r), .n_rules = ARRAY_SIZE(r)

/* Sockets that send without an address a proxy could carry: packet, XDP, raw IP and ICMP
 * sockets (socket(AF_INET, SOCK_PACKET) is a packet socket: __sock_create()). The kernel
 * ignores the type's SOCK_NONBLOCK and SOCK_CLOEXEC bits (SOCK_TYPE_MASK). */
#define SOCK_TYPE(t) { .arg = 1, .mask = 0xf, .value = (t) }
static const struct arg_rule socket_rules[] = {
	{ "AF_PACKET", 1, { INT_EQ(0, AF_PACKET) }, 0 },
	{ "AF_XDP", 1, { INT_EQ(0, AF_XDP) }, 0 },
	{ "SOCK_RAW", 2, { INT_EQ(0, AF_INET), SOCK_TYPE(SOCK_RAW) }, 0 },
	{ "SOCK_RAW", 2, { INT_EQ(0, AF_INET6), SOCK_TYPE(SOCK_RAW) }, 0 },
	{ "SOCK_PACKET", 2, { INT_EQ(0, AF_INET), SOCK_TYPE(SOCK_PACKET) }, 0 },
	{ "IPPROTO_ICMP", 3, { INT_EQ(0, AF_INET), SOCK_TYPE(SOCK_DGRAM), INT_EQ(2, IPPROTO_ICMP) }, 0 },
	{ "IPPROTO_ICMPV6", 3,
	  { INT_EQ(0, AF_INET6), SOCK_TYPE(SOCK_DGRAM), INT_EQ(2, IPPROTO_ICMPV6) }, 0 },
};

static const char *sock_type_name(int type)
{
	switch (type & 0xf) {
	case SOCK_STREAM: return "SOCK_STREAM";
	case SOCK_DGRAM: return "SOCK_DGRAM";
	case SOCK_RAW: return "SOCK_RAW";
	case SOCK_SEQPACKET: return "SOCK_SEQPACKET";
	case SOCK_PACKET: return "SOCK_PACKET";
	default: return "SOCK_?";
	}
}

/* Denies the call: errno e, a leak of kind k described by the printf-style rest. */
static int __attribute__((format(printf, 4, 5)))
deny(struct call *c, int e, enum leak_kind k, const char *fmt, ...)
{
	va_list ap;

	c->deny_errno = e;
	c->deny_kind = k;
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof(c->what), fmt, ap);
	va_end(ap);
	return 0;
}

/* Stops only for socket_rules. */
static int decode_socket(struct call *c)
{
	char fam[16];

	c->fd = -1;
	return deny(c, EACCES, KIND_RAW_SOCKET, "socket(%s, %s%s%s, %d)",
		    family_name((int)c->args[0], fam, sizeof(fam)), sock_type_name((int)c->args[1]),
		    c->args[1] & SOCK_NONBLOCK ? "|SOCK_NONBLOCK" : "",
		    c->args[1] & SOCK_CLOEXEC ? "|SOCK_CLOEXEC" : "", (int)c->args[2]);
}

/*
 * The socket options that change where or whether the kernel sends: routing headers (type 4,
 * segment routing, needs no privilege), a next hop, IPv4 options (source routes), multicast
 * and anycast joins (the kernel sends the IGMP and MLD reports), IPV6_2292PKTOPTIONS (sticky
 * routing headers as control messages), a device or a mark to route by.
 */
#define SOCKOPT(level, opt) { #opt, 2, { INT_EQ(1, level), INT_EQ(2, opt) }, 0 }
static const struct arg_rule setsockopt_rules[] = {
	SOCKOPT(IPPROTO_IPV6, IPV6_RTHDR),
	SOCKOPT(IPPROTO_IPV6, IPV6_2292RTHDR),
	SOCKOPT(IPPROTO_IPV6, IPV6_NEXTHOP),
	SOCKOPT(IPPROTO_IPV6, IPV6_2292PKTOPTIONS),
	SOCKOPT(IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP),
	SOCKOPT(IPPROTO_IPV6, IPV6_JOIN_ANYCAST),
	SOCKOPT(IPPROTO_IPV6, MCAST_JOIN_GROUP),
	SOCKOPT(IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP),
	SOCKOPT(IPPROTO_IPV6, IPV6_UNICAST_IF),
	SOCKOPT(IPPROTO_IP, IP_OPTIONS),
	SOCKOPT(IPPROTO_IP, IP_ADD_MEMBERSHIP),
	SOCKOPT(IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP),
	SOCKOPT(IPPROTO_IP, MCAST_JOIN_GROUP),
	SOCKOPT(IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP),
	SOCKOPT(IPPROTO_IP, IP_UNICAST_IF),
	SOCKOPT(SOL_SOCKET, SO_MARK),
	SOCKOPT(SOL_SOCKET, SO_BINDTODEVICE),
	SOCKOPT(SOL_SOCKET, SO_BINDTOIFINDEX),
};

/* lo's interface index in every network namespace (LOOPBACK_IFINDEX, net/core/dev.c). */
#define IFINDEX_LO 1

/*
 * SO_BINDTODEVICE and SO_BINDTOIFINDEX to lo, or back to no device, are harmless: allowed,
 * on the value read here (c->optval, run by the emulation: a racing thread cannot change
 * it after the check). sock_setbindtodevice() reads at most IFNAMSIZ - 1 bytes of name;
 * SO_BINDTOIFINDEX an int. Returns true when the value was read and is harmless.
 */
static bool bind_to_lo(struct call *c)
{
	int optname = (int)c->args[2];
	int32_t len = (int32_t)c->args[4], ifindex;

	if (len < 0)
		return false;
	if (optname == SO_BINDTOIFINDEX) {
		if ((size_t)len < sizeof(ifindex) ||
		    tracee_read(c->tid, c->args[3], &ifindex, sizeof(ifindex)) < 0)
			return false;
		c->optlen = sizeof(ifindex);
		memcpy(c->optval, &ifindex, sizeof(ifindex));
		return ifindex == 0 || ifindex == IFINDEX_LO;
	}
	c->optlen = (uint32_t)len > IFNAMSIZ - 1 ? IFNAMSIZ - 1 : (uint32_t)len;
	if (c->optlen && tracee_read(c->tid, c->args[3], c->optval, c->optlen) < 0) {
		c->optlen = 0;
		return false;
	}
	c->optval[c->optlen] = '\0';
	return strcmp((char *)c->optval, "lo") == 0 || c->optval[0] == '\0';
}

/* Stops only for setsockopt_rules. */
static int decode_setsockopt(struct call *c)
{
	int level = (int)c->args[1], optname = (int)c->args[2];

	if (level == SOL_SOCKET && (optname == SO_BINDTODEVICE || optname == SO_BINDTOIFINDEX)) {
		if (bind_to_lo(c)) {
			c->emulate = true;
			return 0;
		}
		if (optname == SO_BINDTODEVICE && c->optlen)
			return deny(c, EPERM, KIND_TAMPER, "setsockopt(%d, SOL_SOCKET, SO_BINDTODEVICE, "
				    "\"%s\")", c->fd, (char *)c->optval);
	}
	return deny(c, EPERM, KIND_TAMPER, "setsockopt(%d, %s, %s)", c->fd,
		    sockopt_level_name(level), c->rule->name);
}

/* Control data of one message (raw msghdr bytes hdr): refused control messages deny the call;
 * any control data at all makes it run on sockstrace's copy, which is checked again. */
static void judge_control(struct call *c, const uint8_t *hdr, size_t len)
{
	static uint8_t control[CONTROL_MAX];
	struct msg_control mc;
	struct cmsg_hit hit;

	if (c->deny_errno || msghdr_control(hdr, len, c->abi, &mc) < 0 || !mc.addr || !mc.len)
		return;
	c->emulate = true;
	/* Longer, or unreadable: the emulation refuses it (ENOBUFS, EFAULT). */
	if (mc.len > CONTROL_MAX || tracee_read(c->tid, mc.addr, control, mc.len) < 0)
		return;
	if (cmsg_forbidden(control, mc.len, c->abi, &hit) == 1)
		deny(c, EPERM, KIND_TAMPER, "%s(%d, control message %s)", c->def->name, c->fd,
		     hit.name);
}
/* The destination of one message header; the kernel clamps msg_namelen to
 * sizeof(sockaddr_storage) and ignores it with a NULL msg_name (__copy_msghdr()). */
static void decode_msg_name(struct call *c, const uint8_t *hdr, size_t len, uint32_t msg_index)
{
	struct msg_name name;

	if (msghdr_decode(hdr, len, c->abi, &name) < 0 || name.addr == 0 || name.len == 0)
		return;
	read_sockaddr(c, name.addr, name.len > SOCKADDR_MAX ? (uint32_t)SOCKADDR_MAX : name.len,
		      msg_index);
}

static int decode_sendmsg(struct call *c)
{
	uint8_t hdr[sizeof(struct msghdr)];
	size_t len = msghdr_size(c->abi);

	if (tracee_read(c->tid, c->args[1], hdr, len) < 0) {
		next_dest(c)->error = -EFAULT;
		return 0;
	}
	decode_msg_name(c, hdr, len, 0);
	judge_control(c, hdr, len);
	return 0;
}

static int decode_sendmmsg(struct call *c)
{
	static uint8_t vec[CALL_MAX_DESTS * sizeof(struct mmsghdr)];
	size_t size = mmsghdr_size(c->abi);
	size_t vlen = (uint32_t)c->args[2];

	/* __sys_sendmmsg() caps vlen at UIO_MAXIOV. */
	if (vlen > CALL_MAX_DESTS)
		vlen = CALL_MAX_DESTS;
	if (tracee_read(c->tid, c->args[1], vec, vlen * size) < 0) {
		next_dest(c)->error = -EFAULT;
		return 0;
	}
	for (size_t i = 0; i < vlen; i++) {
		decode_msg_name(c, vec + i * size, size, (uint32_t)i);
		judge_control(c, vec + i * size, size);
	}
	return 0;
}

/* io_uring performs connect and send in the kernel, where no filter sees them. */
static const struct arg_rule io_uring_rules[] = { { "io_uring_setup", 0, { { 0 } }, ALLOW_IO_URING } };

static int decode_io_uring_setup(struct call *c)
{
	c->fd = -1;
	return deny(c, EPERM, KIND_IO_URING, "io_uring_setup(%u)", (unsigned)c->args[0]);
}

/*
 * The program must not change the rules: a filter of its own that returns
 * SECCOMP_RET_USER_NOTIF outranks ours, and its supervisor could let a connect continue
 * unseen (seccomp(2)); without a listener such a filter cannot be made.
 */
static const struct arg_rule seccomp_rules[] = {
	{ "SECCOMP_FILTER_FLAG_NEW_LISTENER", 2,
	  { INT_EQ(0, SECCOMP_SET_MODE_FILTER),
	    BITS_SET(1, SECCOMP_FILTER_FLAG_NEW_LISTENER) }, 0 },
};

static int decode_seccomp(struct call *c)
{
	c->fd = -1;
	return deny(c, EPERM, KIND_TAMPER, "seccomp(SECCOMP_SET_MODE_FILTER, 0x%x)",
		    (unsigned)c->args[1]);
}

/*
 * Nor act through a process outside the traced tree: attaching to one, or writing its
 * memory, would make it a puppet that sends unseen. The engine lifts the denial for targets
 * inside the tree. PTRACE_O_SUSPEND_SECCOMP turns a tracee's filters off (ptrace(2)): never.
 * The request is a long (kernel/ptrace.c): compared on 64 bits.
 */
static const struct arg_rule ptrace_rules[] = {
	{ "PTRACE_ATTACH", 1, { LONG_EQ(0, PTRACE_ATTACH) }, 0 },
	{ "PTRACE_SEIZE", 1, { LONG_EQ(0, PTRACE_SEIZE) }, 0 },
	{ "PTRACE_SETOPTIONS", 2,
	  { LONG_EQ(0, PTRACE_SETOPTIONS), BITS_SET(3, PTRACE_O_SUSPEND_SECCOMP) }, 0 },
	/* x86's old number for it (arch/x86/include/uapi/asm/ptrace-abi.h) */
	{ "PTRACE_OLDSETOPTIONS", 2, { LONG_EQ(0, 21), BITS_SET(3, PTRACE_O_SUSPEND_SECCOMP) }, 0 },
};

static int decode_ptrace(struct call *c)
{
	pid_t pid = (pid_t)c->args[1];

	c->fd = -1;
	if (c->args[3] & PTRACE_O_SUSPEND_SECCOMP)
		return deny(c, EPERM, KIND_TAMPER, "ptrace(%s, %d, PTRACE_O_SUSPEND_SECCOMP)",
			    c->rule->name, pid);
	c->target = pid;
	return deny(c, EPERM, KIND_TAMPER, "ptrace(%s, %d)", c->rule->name, pid);
}

static int decode_process_vm_writev(struct call *c)
{
	c->fd = -1;
	c->target = (pid_t)c->args[0];
	return deny(c, EPERM, KIND_TAMPER, "process_vm_writev(%d)", c->target);
}

/* userfaultfd can stop the kernel in the middle of a copy from the program's memory, for as
 * long as the program likes: after sockstrace's check, before the kernel's own read. */
static const struct arg_rule userfaultfd_rules[] = {
	{ "userfaultfd", 0, { { 0 } }, ALLOW_USERFAULTFD },
};

static int decode_userfaultfd(struct call *c)
{
	c->fd = -1;
	return deny(c, EPERM, KIND_TAMPER, "userfaultfd(0x%x)", (unsigned)c->args[0]);
}

/* A TUN or TAP device sends what the program writes to it, with no socket address; and
 * /dev/userfaultfd hands out userfaultfds (open() cannot be filtered, this ioctl can). The
 * command is an unsigned int. */
static const struct arg_rule ioctl_rules[] = {
	{ "TUNSETIFF", 1, { INT_EQ(1, TUNSETIFF) }, 0 },
	{ "USERFAULTFD_IOC_NEW", 1, { INT_EQ(1, USERFAULTFD_IOC_NEW) }, ALLOW_USERFAULTFD },
};

static int decode_ioctl(struct call *c)
{
	bool tun = (uint32_t)c->args[1] == TUNSETIFF;

	return deny(c, EPERM, tun ? KIND_RAW_SOCKET : KIND_TAMPER, "ioctl(%d, %s)", c->fd,
		    c->rule->name);
}

/* Joining another network namespace leaves the one sockstrace set up; another user
 * namespace, the privileges it was given. nstype 0 joins whatever the fd is. */
static const struct arg_rule setns_rules[] = {
	{ "0", 1, { INT_EQ(1, 0) }, 0 },
	{ "CLONE_NEWNET", 1, { BITS_SET(1, CLONE_NEWNET) }, 0 },
	{ "CLONE_NEWUSER", 1, { BITS_SET(1, CLONE_NEWUSER) }, 0 },
};

static int decode_setns(struct call *c)
{
	c->fd = -1;
	return deny(c, EPERM, KIND_TAMPER, "setns(%d, 0x%x)", (int)c->args[0], (unsigned)c->args[1]);
}

const char *leak_kind_name(enum leak_kind k)
{
	static const char *const names[] = {
		[KIND_TCP] = "tcp", [KIND_DNS] = "dns", [KIND_UDP] = "udp",
		[KIND_ROUTE_PROBE] = "route-probe", [KIND_RAW_SOCKET] = "raw-socket",
		[KIND_IO_URING] = "io-uring", [KIND_TAMPER] = "tamper", [KIND_INBOUND] = "inbound",
		[KIND_OTHER] = "other",
	};
	return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "other";
}

const struct syscall_def syscall_table[] = {
	{ .name = "socket", .nr_x86_64 = SYS_socket, .nr_i386 = 359, .socketcall = SYS_SOCKET,
	  .dest_arg = -1, RULES(socket_rules), .block_errno = EACCES, .decode = decode_socket },
	{ .name = "connect", .nr_x86_64 = SYS_connect, .nr_i386 = 362,
	  .socketcall = SYS_CONNECT, .dest_arg = -1,
	  .block_errno = ECONNREFUSED, .emulated = true, .decode = decode_connect },
	{ .name = "bind", .nr_x86_64 = SYS_bind, .nr_i386 = 361, .socketcall = SYS_BIND,
	  .dest_arg = -1, .inbound = true, .block_errno = EACCES, .decode = decode_connect },
	{ .name = "listen", .nr_x86_64 = SYS_listen, .nr_i386 = 363, .socketcall = SYS_LISTEN,
	  .dest_arg = -1, .inbound = true, .block_errno = EACCES, .decode = decode_listen },
	{ .name = "sendto", .nr_x86_64 = SYS_sendto, .nr_i386 = 369,
	  .socketcall = SYS_SENDTO, .dest_arg = 4,
	  .block_errno = EPERM, .is_send = true, .emulated = true, .decode = decode_sendto },
	{ .name = "sendmsg", .nr_x86_64 = SYS_sendmsg, .nr_i386 = 370,
	  .socketcall = SYS_SENDMSG, .dest_arg = -1,
	  .block_errno = EPERM, .is_send = true, .emulated = true, .decode = decode_sendmsg },
	{ .name = "sendmmsg", .nr_x86_64 = SYS_sendmmsg, .nr_i386 = 345,
	  .socketcall = SYS_SENDMMSG, .dest_arg = -1,
	  .block_errno = EPERM, .is_send = true, .emulated = true, .decode = decode_sendmmsg },
	{ .name = "setsockopt", .nr_x86_64 = SYS_setsockopt, .nr_i386 = 366,
	  .socketcall = SYS_SETSOCKOPT, .dest_arg = -1, RULES(setsockopt_rules),
	  .block_errno = EPERM, .decode = decode_setsockopt },
	{ .name = "io_uring_setup", .nr_x86_64 = SYS_io_uring_setup, .nr_i386 = 425,
	  .dest_arg = -1, RULES(io_uring_rules), .block_errno = EPERM,
	  .decode = decode_io_uring_setup },
	{ .name = "seccomp", .nr_x86_64 = SYS_seccomp, .nr_i386 = 354, .dest_arg = -1,
	  RULES(seccomp_rules), .block_errno = EPERM, .decode = decode_seccomp },
	{ .name = "ptrace", .nr_x86_64 = SYS_ptrace, .nr_i386 = 26, .dest_arg = -1,
	  RULES(ptrace_rules), .block_errno = EPERM, .decode = decode_ptrace },
	{ .name = "process_vm_writev", .nr_x86_64 = SYS_process_vm_writev, .nr_i386 = 348,
	  .dest_arg = -1, .block_errno = EPERM, .decode = decode_process_vm_writev },
	{ .name = "userfaultfd", .nr_x86_64 = SYS_userfaultfd, .nr_i386 = 374, .dest_arg = -1,
	  RULES(userfaultfd_rules), .block_errno = EPERM, .decode = decode_userfaultfd },
	{ .name = "ioctl", .nr_x86_64 = SYS_ioctl, .nr_i386 = 54, .dest_arg = -1,
	  RULES(ioctl_rules), .block_errno = EPERM, .decode = decode_ioctl },
	{ .name = "setns", .nr_x86_64 = SYS_setns, .nr_i386 = 346, .dest_arg = -1,
	  RULES(setns_rules), .block_errno = EPERM, .decode = decode_setns },
};
const size_t syscall_count = ARRAY_SIZE(syscall_table);

const struct arg_rule *syscall_rule_match(const struct syscall_def *d, const uint64_t args[6],
					  unsigned allow)
{
	for (size_t i = 0; i < d->n_rules; i++) {
		const struct arg_rule *r = &d->rules[i];
		bool all = !(r->unless & allow);

		for (unsigned k = 0; k < r->n_conds && all; k++)
			all = (args[r->cond[k].arg] & r->cond[k].mask) == r->cond[k].value;
		if (all)
			return r;
	}
	return NULL;
}

/* The row for a native or direct i386 syscall number, or for an i386 socketcall sub-call. */
static const struct syscall_def *lookup(uint32_t arch, uint64_t nr, uint64_t subcall)
{
	for (size_t i = 0; i < syscall_count; i++) {
		const struct syscall_def *d = &syscall_table[i];
		if (arch == AUDIT_ARCH_X86_64 ? nr == (uint64_t)d->nr_x86_64
		    : arch == AUDIT_ARCH_I386 && (nr == (uint64_t)d->nr_i386 ||
		      (nr == I386_NR_SOCKETCALL && d->socketcall &&
		       subcall == (uint64_t)d->socketcall)))
			return d;
	}
	return NULL;
}

int syscall_decode(pid_t tid, uint32_t arch, uint64_t nr, const uint64_t args[6], unsigned allow,
		   struct call *c)
{
	bool i386 = arch == AUDIT_ARCH_I386;
	uint64_t a[6];

	/* The compat entry reads 32-bit registers (arch/x86/entry/syscall_32.c): so does every
	 * lookup and read here, whatever a 64-bit program doing int 0x80 put in the high halves. */
	for (int i = 0; i < 6; i++)
		a[i] = i386 ? (uint32_t)args[i] : args[i];
	if (i386)
		nr = (uint32_t)nr;
	*c = (struct call){ .tid = tid, .dests = c->dests, .fd = -1 };
	c->def = lookup(arch, nr, a[0]);
	if (!c->def)
		return -ENOENT;
	c->abi = i386 ? ABI_I386 : ABI_X86_64;
	if (i386 && nr == I386_NR_SOCKETCALL) {
		uint32_t block[6];
		if (tracee_read(tid, a[1], block, sizeof(block)) < 0) {
			c->unread_block = true;
			next_dest(c)->error = -EFAULT;
			return 0;
		}
		for (int i = 0; i < 6; i++)
			c->args[i] = block[i];
	} else {
		memcpy(c->args, a, sizeof(c->args));
	}
	c->fd = (int)c->args[0];
	if (c->def->rules && !(c->rule = syscall_rule_match(c->def, c->args, allow))) {
		/* A harmless option through socketcall: the kernel would read the block again, and
		 * a racing thread can have put another optname there by then (a multicast join).
		 * It is set by sockstrace, with the level and optname read here. */
		if (i386 && nr == I386_NR_SOCKETCALL && c->def->socketcall == SYS_SETSOCKOPT) {
			c->emulate = true;
			return 0;
		}
		return -ENOENT;
	}
	return c->def->decode(c);
}
