/* Reading a stopped tracee: its memory, its sockets, its identity. Never ptrace(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "netns.h"
#include "sockaddr.h"

/* Copies len bytes at addr of task tid into buf in one process_vm_readv call.
 * Returns 0, or -EFAULT when any byte is unreadable (fail closed: treat as a leak). */
int tracee_read(pid_t tid, uint64_t addr, void *buf, size_t len);

/* Thread group id of tid, from /proc; tid itself when that fails. */
pid_t tracee_tgid(pid_t tid);

/* The effective capabilities of thread tid in sockstrace's user namespace (CapEff in
 * /proc/TID/status); none when it is in another one, or when that fails. */
uint64_t tracee_cap_eff(pid_t tid);

/* Parent process of pid, from /proc; 0 when that fails. */
pid_t tracee_ppid(pid_t pid);

/* True when process pid shares its memory with its parent (kcmp(2) KCMP_VM): a vfork child
 * before its execve. */
bool tracee_shares_parent_vm(pid_t pid);

/* The socket behind fd in process tgid. */
struct sock_info {
	int domain;   /* AF_INET, AF_INET6, AF_UNIX...; 0 when unknown */
	int type;     /* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW...; 0 when unknown */
	int protocol; /* IPPROTO_TCP, IPPROTO_UDP...; 0 when unknown */
	bool has_local;        /* local is known: the socket is bound (getsockname(2)) */
	struct endpoint local; /* its local address, 0.0.0.0 and :: resolved (ep.any) */
	bool contained;        /* it lives in the program's own network namespace (the kernel
				* layer), where loopback is the program's own */
};

/*
 * A pidfd through which pidfd_getfd(2) reaches thread tid's own fd table: the thread's own
 * pidfd (PIDFD_THREAD, Linux 6.9); before that its process's, and only when the thread shares
 * the leader's fd table (kcmp(2) KCMP_FILES): a thread that unshared its fd table, or whose
 * leader has exited, would otherwise have the lookup made in the wrong table. Returns the
 * pidfd, or -errno.
 */
int tracee_thread_pidfd(pid_t tid);

/* Looks at a socket through a pidfd_getfd() duplicate of fd of the pidfd's task; netns is
 * the program's own network namespace, or NULL. Returns 0, or -errno (the fd is not a
 * socket, or the task is gone); *ret is zeroed then. */
int tracee_sock_info(int pidfd, int fd, const struct netns_id *netns, struct sock_info *ret);

/* "tcp", "udp", "raw", "icmp", "stream", "dgram", "seqpacket" or "unknown". */
const char *sock_transport(const struct sock_info *si, int family);

/* Reads /proc/TID/comm and /proc/TGID/exe; empty strings when gone. */
void tracee_comm(pid_t tid, char *buf, size_t size);
void tracee_exe(pid_t tgid, char *buf, size_t size);
