/* Socket option values copied out of a tracee for sockstrace to set them itself: the value
 * the kernel acts on is then sockstrace's copy, never memory a racing thread can rewrite. */
#pragma once

#include <stdint.h>
#include <linux/filter.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "sockaddr.h"

/* Most bytes of an option value copied: longer values are cut to it (the kernel reads what
 * an option needs, and options with a length of their own refuse far less: optmem_max). */
#define SOCKOPT_VALUE_MAX (64u * 1024)

/* How an i386 option value differs from the native one (the kernel's compat code). */
enum sockopt_layout {
	SOCKOPT_SAME,      /* the same bytes */
	SOCKOPT_TIMEVAL32, /* SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD: struct old_timeval32 (8 bytes) */
	SOCKOPT_FPROG32,   /* SO_ATTACH_FILTER, SO_ATTACH_REUSEPORT_CBPF: compat_sock_fprog, whose
			    * instructions are in the tracee's memory */
	SOCKOPT_GROUP32,   /* MCAST_* of IPv4 and IPv6: group_req, group_source_req and
			    * group_filter packed to 4 bytes (the sockaddr_storage at offset 4) */
	SOCKOPT_FD,        /* SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF: a descriptor of the
			    * tracee's (any ABI) */
	SOCKOPT_REFUSED,   /* a layout sockstrace does not convert: the call is refused */
};

/* The layout class of option level:optname for a tracee of ABI abi; with SOCKOPT_REFUSED,
 * *ret_errno is the error to answer. Pure. */
enum sockopt_layout sockopt_layout(enum abi abi, int level, int optname, int *ret_errno);

/*
 * Converts an i386 value in (len bytes) of layout SOCKOPT_TIMEVAL32 or SOCKOPT_GROUP32 to
 * the native one in out (room for len + 16 bytes). Returns the native length, or -EINVAL
 * where the kernel's compat code refuses the length. Pure.
 */
int sockopt_convert(enum sockopt_layout layout, const uint8_t *in, size_t len, uint8_t *out);

/* An option value copied out of the tracee, in the native layout. */
struct sockopt_value {
	uint8_t *val;              /* the value to pass to setsockopt(); NULL: none */
	socklen_t len;             /* bytes in val */
	struct sock_filter *insns; /* SOCKOPT_FPROG32: the copied program val points to */
	int fd;                    /* SOCKOPT_FD: a duplicate of the tracee's descriptor, or -1 */
	uint64_t caps;             /* the tracee's effective capabilities (tracee_cap_eff()) */
};

/*
 * Copies the value (addr, optlen) of option level:optname out of thread tid (ABI abi; pidfd
 * reaches its fd table) into *ret, converted to the native layout. Returns 0, or -errno for
 * the call to answer: -EFAULT for an unreadable value, the kernel's compat errors, or a
 * refused layout's error. ret is cleared on failure.
 */
int sockopt_value_read(pid_t tid, int pidfd, enum abi abi, int level, int optname,
		       uint64_t addr, uint32_t optlen, struct sockopt_value *ret);

/* A value already read and judged (len bytes at val), copied, for thread tid. Returns 0 or
 * -ENOMEM. */
int sockopt_value_copy(pid_t tid, const void *val, socklen_t len, struct sockopt_value *ret);

/*
 * Sets option level:optname of sock to v with at most the tracee's effective capabilities:
 * the kernel checks some options against the caller's (SO_PRIORITY above 6, SO_RCVBUFFORCE,
 * IP_TRANSPARENT, TCP_REPAIR...: sockopt_ns_capable()), and sockstrace may hold more than
 * the program. Capabilities are per thread (capset(2)): the calling thread's effective set
 * is lowered for the call only. Returns 0 or -errno.
 */
int sockopt_set(int sock, int level, int optname, const struct sockopt_value *v);

/* Frees what sockopt_value_read() copied; v stays a valid empty value. */
void sockopt_value_free(struct sockopt_value *v);
