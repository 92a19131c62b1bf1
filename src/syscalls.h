/* The intercepted syscalls as a table: one row each, with its decoder. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sockaddr.h"

/* Most destinations one syscall can carry: sendmmsg's UIO_MAXIOV messages. */
#define CALL_MAX_DESTS 1024

/* One destination of a syscall as read out of the tracee. */
struct dest {
	int error;          /* 0: ep is valid; -EFAULT: unreadable; -EINVAL: malformed */
	struct endpoint ep; /* the normalized destination */
	uint32_t msg_index; /* sendmmsg: the message it belongs to; else 0 */
	uint32_t raw_len;   /* bytes in raw */
	uint8_t raw[SOCKADDR_MAX]; /* the sockaddr exactly as read and judged */
};

/* What kind of leak a reported call is, for reports, leak sites and SARIF rule ids. */
enum leak_kind {
	KIND_TCP,         /* a TCP connect (or stream send) to a forbidden address */
	KIND_DNS,         /* a query to a resolver (port 53) outside the proxy */
	KIND_UDP,         /* a datagram to a forbidden address */
	KIND_ROUTE_PROBE, /* a UDP connect with nothing sent: the program learns the route */
	KIND_RAW_SOCKET,  /* raw, packet, ICMP, XDP sockets and TUN devices: no address at all */
	KIND_IO_URING,    /* io_uring, whose calls no filter sees */
	KIND_TAMPER,      /* an attempt on the rules or the tracer: seccomp listener, ptrace of an
			   * outside process, setns, userfaultfd, a socket option that reroutes */
	KIND_INBOUND,     /* a listener or a bound port reachable from outside the proxy */
	KIND_OTHER,       /* any other destination (unix, netlink, unknown families) */
};

/* "tcp", "dns", "udp", "route-probe", "raw-socket", "io-uring", "tamper", "inbound",
 * "other": stable names, used in JSON and as SARIF rule ids. */
const char *leak_kind_name(enum leak_kind k);

/* A seccomp stop, decoded. */
struct call {
	pid_t tid;                      /* the stopped thread */
	enum abi abi;                   /* structure layouts of the tracee */
	const struct syscall_def *def;  /* which syscall */
	uint64_t args[6];               /* its arguments (unpacked from i386 socketcall) */
	int fd;                         /* the socket argument */
	pid_t target;                   /* the process the call acts on (ptrace,
					 * process_vm_writev); 0: none */
	int deny_errno;                 /* nonzero: deny the call with this errno and report it as a
					 * leak of deny_kind, described by what */
	enum leak_kind deny_kind;       /* with deny_errno: what kind of leak it is */
	char what[160];                 /* with deny_errno: the call with its arguments decoded,
					 * "socket(AF_PACKET, SOCK_RAW, 768)" */
	size_t n_dests;                 /* destinations in dests */
	struct dest *dests;             /* the caller's buffer of CALL_MAX_DESTS entries */
};

struct syscall_def {
	const char *name;   /* name as libseccomp and reports know it */
	int nr_x86_64;      /* syscall number on x86_64 */
	int nr_i386;        /* direct syscall number on i386 (Linux 4.3+) */
	int socketcall;     /* i386 socketcall(2) sub-call number */
	int dest_arg;       /* native filter stops only when this argument is non-zero; -1: always */
	int block_errno;    /* errno of a blocked call when none is configured */
	bool is_send;       /* AF_UNSPEC destinations are sent to as AF_INET (udp(7) compat) */
	bool compat_only;   /* stops on i386 only; the native filter decides by itself */
	bool own_rules;     /* filter.c intercepts it by argument itself */
	bool emulated;      /* allowed on an IP socket, sockstrace performs it (the race rule);
			     * other rows, once allowed, run as they are */
	int (*decode)(struct call *c); /* fills c->dests; returns 0 or -errno */
};

/* A kind of socket that sends without an address a proxy could carry: raw IP, packet and
 * ICMP sockets. -1 matches anything. */
struct socket_kind {
	int family;
	int type;     /* compared with the SOCK_NONBLOCK / SOCK_CLOEXEC flags masked off */
	int protocol;
};
extern const struct socket_kind denied_sockets[];
extern const size_t denied_socket_count;

/* The errno socket(family, type, protocol) is denied with, or 0 when it is not. */
int socket_denied(int family, int type, int protocol);

extern const struct syscall_def syscall_table[];
extern const size_t syscall_count;

/*
 * Decodes a seccomp stop from the arch, number and arguments of PTRACE_GET_SYSCALL_INFO.
 * SECCOMP_RET_DATA is not trusted: a tracee's own filter can return TRACE with any data.
 * Reads what it needs from the tracee. Returns 0 with c filled (an unreadable structure is
 * a destination with -EFAULT), or -ENOENT when the syscall is not one of the table's.
 */
int syscall_decode(pid_t tid, uint32_t arch, uint64_t nr, const uint64_t args[6], struct call *c);
