/* The shim's state: the real functions, the record socket, and the one way records go out. */

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim.h"

struct shim_real shim_real;

/* 0: not initialised; 1: done. */
static int initialised;
/* The record socket's fd, or -1 when there is none (not under sockstrace --preload, or the
 * descriptor was not the tracer's socket at startup). */
static int record_fd = -1;
/* Identity of the record socket, from PRELOAD_ENV_ID: checked before every send, because
 * the program may have closed the descriptor and reused the number. */
static uint64_t record_dev, record_ino;

/* Per process: the pid the sequence numbers belong to, and the next number. Reset when
 * getpid() changes (after fork; a new image starts at 0 anyway). */
static int seq_pid;
static uint32_t seq_next;

/* Parses the decimal number at s; returns the position after it, or NULL when there is none
 * or it overflows. Plain code rather than strtoull(): no locale, errno left alone. */
static const char *parse_u64(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return NULL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return NULL;
	*ret = v;
	return p;
}

/* The record socket named in the environment, when it is the tracer's SOCK_SEQPACKET
 * unix socket; -1 otherwise. */
static int find_record_socket(void)
{
	const char *fd_text = getenv(PRELOAD_ENV_FD), *id = getenv(PRELOAD_ENV_ID), *p;
	uint64_t fd, dev, ino;
	struct stat st;
	int type = 0, domain = 0;
	socklen_t len = sizeof(int);

	if (!fd_text || !id || !(p = parse_u64(fd_text, &fd)) || *p || fd > 1u << 30 ||
	    !(p = parse_u64(id, &dev)) || *p != ':' || !(p = parse_u64(p + 1, &ino)) || *p)
		return -1;
	if (syscall(SYS_fstat, (int)fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    (uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino)
		return -1;
	if (syscall(SYS_getsockopt, (int)fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_SEQPACKET)
		return -1;
	len = sizeof(int);
	if (syscall(SYS_getsockopt, (int)fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    domain != AF_UNIX)
		return -1;
	record_dev = dev;
	record_ino = ino;
	return (int)fd;
}

#define REAL(name) __atomic_store_n(&shim_real.name, \
	(__typeof__(shim_real.name))dlsym(RTLD_NEXT, #name), __ATOMIC_RELEASE)

void shim_init(void)
{
	int saved = errno;

	if (__atomic_load_n(&initialised, __ATOMIC_ACQUIRE))
		return;
	/* Racing threads do the same lookups and store the same values. */
	REAL(connect);
	REAL(sendto);
	REAL(sendmsg);
	REAL(sendmmsg);
	REAL(getaddrinfo);
	REAL(gethostbyname);
	REAL(gethostbyname2);
	REAL(gethostbyname_r);
	REAL(res_query);
	REAL(res_search);
	REAL(res_nquery);
	REAL(res_nsearch);
	__atomic_store_n(&record_fd, find_record_socket(), __ATOMIC_RELAXED);
	__atomic_store_n(&initialised, 1, __ATOMIC_RELEASE);
	errno = saved;
}

/* Runs before main(): the lookups are done before any signal handler could need them. */
static void __attribute__((constructor)) shim_constructor(void)
{
	shim_init();
}

/*
 * Fills the header of rec and sends it, if the record socket is still there. fstat(2) on
 * every record costs one syscall and makes sure that a program that closed the descriptor
 * and reused its number (for a file, a pipe, another socket) never gets a record written
 * into it.
 */
static void shim_send(struct preload_record *rec)
{
	int fd = __atomic_load_n(&record_fd, __ATOMIC_RELAXED);
	struct stat st;
	int pid;

	if (fd < 0 || syscall(SYS_fstat, fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    (uint64_t)st.st_dev != record_dev || (uint64_t)st.st_ino != record_ino)
		return;
	pid = (int)syscall(SYS_getpid);
	if (__atomic_load_n(&seq_pid, __ATOMIC_RELAXED) != pid) {
		/* A fork() child has one thread: nothing races with this. */
		__atomic_store_n(&seq_next, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&seq_pid, pid, __ATOMIC_RELAXED);
	}
	rec->magic = PRELOAD_MAGIC;
	rec->version = PRELOAD_VERSION;
	rec->pid = pid;
	rec->tid = (int32_t)syscall(SYS_gettid);
	rec->seq = __atomic_fetch_add(&seq_next, 1, __ATOMIC_RELAXED);
	syscall(SYS_prctl, PR_GET_NAME, rec->comm, 0, 0, 0);
	rec->comm[sizeof(rec->comm) - 1] = '\0';
	/* A sendto() without an address: the tracer's filter does not stop on it. */
	syscall(SYS_sendto, fd, rec, sizeof(*rec), MSG_DONTWAIT | MSG_NOSIGNAL, NULL, 0);
}

/* Copies len bytes of this process's memory at addr without faulting (the kernel checks
 * the pointer: process_vm_readv(2) on oneself). Returns true when all were copied. */
static bool copy_safely(void *dst, const void *addr, size_t len)
{
	struct iovec local = { dst, len }, remote = { (void *)addr, len };

	return syscall(SYS_process_vm_readv, (int)syscall(SYS_getpid), &local, 1UL, &remote, 1UL,
		       0UL) == (long)len;
}

void shim_record_addr(enum preload_call call, int fd, const void *addr, size_t len,
		      uint32_t msg_index)
{
	struct preload_record rec = { .call = (uint16_t)call, .fd = fd, .msg_index = msg_index };
	int saved = errno;

	/* move_addr_to_kernel() fails these with EINVAL before reading anything. */
	if (!addr || len < sizeof(sa_family_t) || len > PRELOAD_DATA_MAX)
		return;
	if (copy_safely(rec.data, addr, len))
		rec.len = (uint16_t)len;
	else
		rec.flags = PRELOAD_F_UNREADABLE;
	shim_send(&rec);
	errno = saved;
}

void shim_record_msghdr(enum preload_call call, int fd, const struct msghdr *hdr,
			uint32_t msg_index)
{
	struct msghdr h;
	int saved = errno;

	if (!copy_safely(&h, hdr, sizeof(h))) {
		struct preload_record rec = { .call = (uint16_t)call, .fd = fd,
					      .msg_index = msg_index,
					      .flags = PRELOAD_F_UNREADABLE };
		shim_send(&rec);
	} else if (h.msg_name && h.msg_namelen) {
		/* The kernel clamps msg_namelen to sizeof(struct sockaddr_storage). */
		shim_record_addr(call, fd, h.msg_name,
				 h.msg_namelen > PRELOAD_DATA_MAX ? PRELOAD_DATA_MAX : h.msg_namelen,
				 msg_index);
	}
	errno = saved;
}

void shim_record_name(enum preload_call call, const char *name)
{
	struct preload_record rec = { .call = (uint16_t)call, .fd = -1 };
	int saved = errno;
	size_t len;

	if (!name) {
		rec.flags = PRELOAD_F_NULL_NAME;
	} else {
		/* libc reads the whole string next: reading up to its NUL is safe. */
		len = strnlen(name, PRELOAD_DATA_MAX);
		if (len == PRELOAD_DATA_MAX) {
			len = PRELOAD_DATA_MAX - 1;
			rec.flags = PRELOAD_F_TRUNCATED;
		}
		memcpy(rec.data, name, len);
		rec.len = (uint16_t)len;
	}
	shim_send(&rec);
	errno = saved;
}
