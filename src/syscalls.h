/* The intercepted syscalls as a table: one row each, with its decoder. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sockaddr.h"

/* i386 socketcall(2), which multiplexes the socket calls by its first argument
 * (arch/x86/entry/syscalls/syscall_32.tbl). */
#define I386_NR_SOCKETCALL 102

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

/* What the settings let through that is denied by default: the unless bits of an arg_rule. */
enum {
	ALLOW_IO_URING = 1 << 0,    /* --allow-io-uring: io_uring_setup runs */
	ALLOW_USERFAULTFD = 1 << 1, /* --allow-userfaultfd: userfaultfd and USERFAULTFD_IOC_NEW run */
};

/* One comparison the filter makes: argument arg masked with mask equals value. */
struct arg_cond {
	unsigned arg;   /* argument index, 0 to 5 */
	uint64_t mask;  /* the bits compared: 0xffffffff for an int argument, whose high half the
			 * kernel never reads; the i386 filter compares 32 bits whatever this says */
	uint64_t value; /* what those bits must be */
};

/* One way a call is intercepted: all its conditions hold. The rules of a row are alternatives. */
struct arg_rule {
	const char *name;        /* what it catches, for the decoded call: "IPV6_RTHDR" */
	unsigned n_conds;        /* conditions used in cond; 0: every call */
	struct arg_cond cond[3]; /* the conditions, all of which must hold */
	unsigned unless;         /* ALLOW_* bits: the rule is left out when one of them is set */
};

/* A seccomp stop, decoded. */
struct call {
	pid_t tid;                      /* the stopped thread */
	enum abi abi;                   /* structure layouts of the tracee */
	const struct syscall_def *def;  /* which syscall */
	const struct arg_rule *rule;    /* the row's rule that intercepted it; NULL: no rules */
	uint64_t args[6];               /* its arguments (unpacked from i386 socketcall; 32 bits
					 * wide on i386) */
	bool unread_block;              /* i386 socketcall: its argument block was unreadable
					 * (args are zeros, a destination says -EFAULT) */
	int fd;                         /* the socket argument, or -1 */
	pid_t target;                   /* the process the call acts on (ptrace,
					 * process_vm_writev), as the tracee names it; 0: none */
	int deny_errno;                 /* nonzero: deny the call with this errno and report it as a
					 * leak of deny_kind, described by what */
	enum leak_kind deny_kind;       /* with deny_errno: what kind of leak it is */
	char what[160];                 /* with deny_errno: the call with its arguments decoded,
					 * "socket(AF_PACKET, SOCK_RAW, 768)" */
	bool emulate;                   /* allowed, it must run on sockstrace's own copy even with
					 * no destination: its control data or option value was
					 * judged, or (i386 socketcall setsockopt) its level and
					 * optname, read from memory a racing thread could change */
	uint32_t optlen;                /* setsockopt: bytes of optval judged */
	uint8_t optval[16];             /* setsockopt: the option value as read and judged */
	size_t n_dests;                 /* destinations in dests */
	struct dest *dests;             /* the caller's buffer of CALL_MAX_DESTS entries */
};

struct syscall_def {
	const char *name;   /* name as libseccomp and reports know it */
	int nr_x86_64;      /* syscall number on x86_64 */
	int nr_i386;        /* direct syscall number on i386 (Linux 4.3+) */
	int socketcall;     /* i386 socketcall(2) sub-call number; 0: not a socket call */
	int dest_arg;       /* native filter stops only when this argument is non-zero; -1: always */
	const struct arg_rule *rules; /* stops only when one of these holds; NULL: always */
	size_t n_rules;     /* entries in rules */
	int block_errno;    /* errno of a blocked call when none is configured */
	bool is_send;       /* AF_UNSPEC destinations are sent to as AF_INET (udp(7) compat) */
	bool inbound;       /* bind, listen: judged as a port the network could reach, not as a
			     * destination */
	bool emulated;      /* allowed on an IP socket, sockstrace performs it (the race rule);
			     * other rows, once allowed, run as they are */
	int (*decode)(struct call *c); /* fills c->dests or denies; returns 0 or -errno */
};

/* The rule of d that args (already 32 bits wide on i386) meet, leaving out the rules that
 * allow (ALLOW_* bits) lifts; NULL when none does. Evaluates exactly what the filter
 * compares, for the calls the filter cannot judge (i386 socketcall) and for --attach. */
const struct arg_rule *syscall_rule_match(const struct syscall_def *d, const uint64_t args[6],
					  unsigned allow);

extern const struct syscall_def syscall_table[];
extern const size_t syscall_count;

/*
 * Decodes a seccomp stop from the arch, number and arguments of PTRACE_GET_SYSCALL_INFO.
 * SECCOMP_RET_DATA is not trusted: a tracee's own filter can return TRACE with any data.
 * On i386 every argument is cut to 32 bits first: the compat entry reads 32-bit registers,
 * and a 64-bit program doing int 0x80 controls their high halves. allow: ALLOW_* bits.
 * Reads what it needs from the tracee. Returns 0 with c filled (an unreadable structure is
 * a destination with -EFAULT), or -ENOENT when the syscall is not one of the table's or no
 * rule of its row holds (it would not have stopped).
 */
int syscall_decode(pid_t tid, uint32_t arch, uint64_t nr, const uint64_t args[6], unsigned allow,
		   struct call *c);
