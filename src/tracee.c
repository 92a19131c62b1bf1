/* Reading a stopped tracee: its memory, its sockets, its identity. */

#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cleanup.h"
#include "tracee.h"

int tracee_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	if (len == 0)
		return 0;
	if (addr == 0 || addr + len < addr)
		return -EFAULT;
	return process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

/* The number after "key" in /proc/PID/status, in base, or fallback. */
static unsigned long long status_number(pid_t pid, const char *key, int base,
					unsigned long long fallback)
{
	char path[64], line[128];
	_cleanup_fclose_ FILE *f = NULL;
	size_t len = strlen(key);

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, len) == 0)
			return strtoull(line + len, NULL, base);
	return fallback;
}

static pid_t status_field(pid_t pid, const char *key, pid_t fallback)
{
	return (pid_t)status_number(pid, key, 10, (unsigned long long)fallback);
}

uint64_t tracee_cap_eff(pid_t tid)
{
	struct stat self, its;
	char path[64];

	/* Capabilities count in their own user namespace only: a thread in another one (the
	 * kernel layer's) has none in sockstrace's (user_namespaces(7)). */
	snprintf(path, sizeof(path), "/proc/%d/ns/user", tid);
	if (stat("/proc/self/ns/user", &self) < 0 || stat(path, &its) < 0 ||
	    self.st_ino != its.st_ino || self.st_dev != its.st_dev)
		return 0;
	return status_number(tid, "CapEff:", 16, 0);
}

pid_t tracee_tgid(pid_t tid)
{
	return status_field(tid, "Tgid:", tid);
}

pid_t tracee_ppid(pid_t pid)
{
	return status_field(pid, "PPid:", 0);
}

bool tracee_shares_parent_vm(pid_t pid)
{
	pid_t parent = tracee_ppid(pid);

	return parent > 0 && syscall(SYS_kcmp, pid, parent, KCMP_VM, 0, 0) == 0;
}

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9: a pidfd of the thread itself, pidfd_open(2) */
#endif

int tracee_thread_pidfd(pid_t tid)
{
	pid_t tgid;
	int fd = pidfd_open(tid, PIDFD_THREAD);

	if (fd >= 0 || errno != EINVAL)
		return fd >= 0 ? fd : -errno;
	/* Before 6.9: the process's pidfd, when the thread shares the leader's fd table. */
	tgid = tracee_tgid(tid);
	if (tgid != tid && syscall(SYS_kcmp, tgid, tid, KCMP_FILES, 0, 0) != 0)
		return -EBADF;
	fd = pidfd_open(tgid, 0);
	return fd >= 0 ? fd : -errno;
}

int tracee_sock_info(int pidfd, int fd, const struct netns_id *netns, struct sock_info *ret)
{
	_cleanup_close_ int dup = -1;
	socklen_t len = sizeof(int);

	*ret = (struct sock_info){ 0 };
	dup = pidfd_getfd(pidfd, fd, 0);
	if (dup < 0)
		return -errno;
	if (getsockopt(dup, SOL_SOCKET, SO_TYPE, &ret->type, &len) < 0)
		return -errno;
	len = sizeof(int);
	if (getsockopt(dup, SOL_SOCKET, SO_PROTOCOL, &ret->protocol, &len) < 0)
		ret->protocol = 0;
	len = sizeof(int);
	if (getsockopt(dup, SOL_SOCKET, SO_DOMAIN, &ret->domain, &len) < 0)
		ret->domain = 0;
	if (ret->domain == AF_INET || ret->domain == AF_INET6) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		/* An unbound IP socket reads as port 0 on the wildcard address. */
		ret->has_local = getsockname(dup, (struct sockaddr *)&ss, &sl) == 0 &&
				 sockaddr_decode(&ss, sl, &ret->local) == 0 && ret->local.port != 0;
		ret->contained = netns_socket_in(dup, netns);
	}
	return 0;
}

const char *sock_transport(const struct sock_info *si, int family)
{
	bool ip;

	/* A destination that could not be read or decoded has no family: the socket's says. */
	if (family == AF_UNSPEC)
		family = si->domain;
	ip = family == AF_INET || family == AF_INET6;

	switch (si->type) {
	case SOCK_STREAM:
		return ip ? "tcp" : "stream";
	case SOCK_DGRAM:
		if (ip && (si->protocol == IPPROTO_ICMP || si->protocol == IPPROTO_ICMPV6))
			return "icmp";
		return ip ? "udp" : "dgram";
	case SOCK_RAW:
		return "raw";
	case SOCK_SEQPACKET:
		return "seqpacket";
	default:
		return "unknown";
	}
}

/* Reads a one-line /proc file, without its newline. */
static void read_line(const char *path, char *buf, size_t size)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f && fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
}

void tracee_comm(pid_t tid, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", tid);
	read_line(path, buf, size);
}

void tracee_exe(pid_t tgid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", tgid);
	n = readlink(path, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
}
