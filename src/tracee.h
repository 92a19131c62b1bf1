/* Reading a stopped tracee: its memory, its sockets, its identity. Never ptrace(). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Copies len bytes at addr of task tid into buf in one process_vm_readv call.
 * Returns 0, or -EFAULT when any byte is unreadable (fail closed: treat as a leak). */
int tracee_read(pid_t tid, uint64_t addr, void *buf, size_t len);

/* Thread group id of tid, from /proc; tid itself when that fails. */
pid_t tracee_tgid(pid_t tid);

/* The socket behind fd in process tgid. */
struct sock_info {
	int domain;   /* AF_INET, AF_INET6, AF_UNIX...; 0 when unknown */
	int type;     /* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW...; 0 when unknown */
	int protocol; /* IPPROTO_TCP, IPPROTO_UDP...; 0 when unknown */
};

/* Looks at the tracee's socket through a pidfd_getfd() duplicate. Returns 0, or -errno
 * (the fd is not a socket, or the process is gone); *ret is zeroed then. */
int tracee_sock_info(pid_t tgid, int fd, struct sock_info *ret);

/* "tcp", "udp", "raw", "icmp", "stream", "dgram", "seqpacket" or "unknown". */
const char *sock_transport(const struct sock_info *si, int family);

/* Reads /proc/TID/comm and /proc/TGID/exe; empty strings when gone. */
void tracee_comm(pid_t tid, char *buf, size_t size);
void tracee_exe(pid_t tgid, char *buf, size_t size);
