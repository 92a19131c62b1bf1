/* The intercepted syscalls as a table: one row each, with its decoder. */

#include <errno.h>
#include <linux/audit.h>
#include <linux/net.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "cleanup.h"
#include "syscalls.h"
#include "tracee.h"

/* i386 numbers come from arch/x86/entry/syscalls/syscall_32.tbl; the headers here are
 * x86_64's. socketcall(2) multiplexes the socket calls by its first argument. */
#define I386_NR_SOCKETCALL 102

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

static int decode_sendto(struct call *c)
{
	if (c->args[4] != 0)
		read_sockaddr(c, c->args[4], (uint32_t)c->args[5], 0);
	return 0;
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
	for (size_t i = 0; i < vlen; i++)
		decode_msg_name(c, vec + i * size, size, (uint32_t)i);
	return 0;
}

const struct socket_kind denied_sockets[] = {
	{ AF_PACKET, -1, -1 },
	{ AF_INET, SOCK_RAW, -1 },
	{ AF_INET6, SOCK_RAW, -1 },
	{ AF_INET, SOCK_PACKET, -1 },
	{ AF_INET, SOCK_DGRAM, IPPROTO_ICMP },
	{ AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6 },
};
const size_t denied_socket_count = ARRAY_SIZE(denied_sockets);

int socket_denied(int family, int type, int protocol)
{
	for (size_t i = 0; i < denied_socket_count; i++) {
		const struct socket_kind *k = &denied_sockets[i];
		if (k->family == family && (k->type < 0 || k->type == (type & 0xf)) &&
		    (k->protocol < 0 || k->protocol == protocol))
			return EACCES;
	}
	return 0;
}

/* Only i386 socket() stops (socketcall hides its arguments from the filter). */
static int decode_socket(struct call *c)
{
	c->deny_errno = socket_denied((int)c->args[0], (int)c->args[1], (int)c->args[2]);
	return 0;
}

/*
 * ptrace(2): attaching to a process outside the tree would make it a puppet, and
 * PTRACE_O_SUSPEND_SECCOMP would take the filter off a tracee. The engine lifts the denial
 * of an attach to a process of the tree (c->target); the option is denied whatever the
 * target.
 */
static int decode_ptrace(struct call *c)
{
	static const char *const names[] = {
		[PTRACE_ATTACH] = "PTRACE_ATTACH", [PTRACE_SEIZE] = "PTRACE_SEIZE",
		[PTRACE_SETOPTIONS] = "PTRACE_SETOPTIONS",
	};
	long request = (long)(int)c->args[0];
	pid_t pid = (pid_t)c->args[1];
	bool suspend = (request == PTRACE_SEIZE || request == PTRACE_SETOPTIONS) &&
		       (c->args[3] & PTRACE_O_SUSPEND_SECCOMP);

	c->fd = -1;
	if (request != PTRACE_ATTACH && request != PTRACE_SEIZE && !suspend)
		return 0; /* another request (i386 stops on every one): runs as it is */
	c->deny_errno = EPERM;
	c->deny_kind = KIND_TAMPER;
	c->target = suspend ? 0 : pid;
	snprintf(c->what, sizeof(c->what), "ptrace(%s, %d%s)", names[request], pid,
		 suspend ? ", PTRACE_O_SUSPEND_SECCOMP" : "");
	return 0;
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
	{ .name = "socket", .nr_x86_64 = SYS_socket, .nr_i386 = 359,
	  .socketcall = SYS_SOCKET, .dest_arg = -1, .compat_only = true, .decode = decode_socket },
	{ .name = "connect", .nr_x86_64 = SYS_connect, .nr_i386 = 362,
	  .socketcall = SYS_CONNECT, .dest_arg = -1,
	  .block_errno = ECONNREFUSED, .emulated = true, .decode = decode_connect },
	{ .name = "sendto", .nr_x86_64 = SYS_sendto, .nr_i386 = 369,
	  .socketcall = SYS_SENDTO, .dest_arg = 4,
	  .block_errno = EPERM, .is_send = true, .emulated = true, .decode = decode_sendto },
	{ .name = "sendmsg", .nr_x86_64 = SYS_sendmsg, .nr_i386 = 370,
	  .socketcall = SYS_SENDMSG, .dest_arg = -1,
	  .block_errno = EPERM, .is_send = true, .emulated = true, .decode = decode_sendmsg },
	{ .name = "sendmmsg", .nr_x86_64 = SYS_sendmmsg, .nr_i386 = 345,
	  .socketcall = SYS_SENDMMSG, .dest_arg = -1,
	  .block_errno = EPERM, .is_send = true, .emulated = true, .decode = decode_sendmmsg },
	{ .name = "ptrace", .nr_x86_64 = SYS_ptrace, .nr_i386 = 26, .socketcall = -1,
	  .dest_arg = -1, .own_rules = true, .block_errno = EPERM, .decode = decode_ptrace },
};
const size_t syscall_count = ARRAY_SIZE(syscall_table);

/* The row for a native or direct i386 syscall number, or for an i386 socketcall sub-call. */
static const struct syscall_def *lookup(uint32_t arch, uint64_t nr, uint64_t subcall)
{
	for (size_t i = 0; i < syscall_count; i++) {
		const struct syscall_def *d = &syscall_table[i];
		if (arch == AUDIT_ARCH_X86_64 ? nr == (uint64_t)d->nr_x86_64
		    : arch == AUDIT_ARCH_I386 && (nr == (uint64_t)d->nr_i386 ||
		      (nr == I386_NR_SOCKETCALL && subcall == (uint64_t)d->socketcall)))
			return d;
	}
	return NULL;
}

int syscall_decode(pid_t tid, uint32_t arch, uint64_t nr, const uint64_t args[6], struct call *c)
{
	c->tid = tid;
	c->def = lookup(arch, nr, args[0]);
	c->n_dests = 0;
	c->deny_errno = 0;
	if (!c->def)
		return -ENOENT;
	if (arch == AUDIT_ARCH_I386) {
		c->abi = ABI_I386;
		if (nr == I386_NR_SOCKETCALL) {
			uint32_t block[6];
			c->fd = -1;
			if (tracee_read(tid, args[1], block, sizeof(block)) < 0) {
				next_dest(c)->error = -EFAULT;
				return 0;
			}
			for (int i = 0; i < 6; i++)
				c->args[i] = block[i];
		} else {
			for (int i = 0; i < 6; i++)
				c->args[i] = (uint32_t)args[i];
		}
	} else {
		c->abi = ABI_X86_64;
		memcpy(c->args, args, sizeof(c->args));
	}
	c->fd = (int)c->args[0];
	return c->def->decode(c);
}
