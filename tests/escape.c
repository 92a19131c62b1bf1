/* Test helper: tries to get traffic past the tracer. Each call prints what happened.
 *   escape race-connect ALLOWED PORT FORBIDDEN PORT N [nonblock]
 *         one thread connects N times to a sockaddr that another thread keeps flipping
 *         between ALLOWED and FORBIDDEN; prints how many connects succeeded
 *   escape race-sendto ALLOWED PORT FORBIDDEN PORT N    the same with UDP sendto()
 *   escape tfo ADDR PORT            TCP Fast Open: sendto(MSG_FASTOPEN) without connect()
 *   escape unspec ADDR PORT         UDP connect() to ADDR, then connect(AF_UNSPEC)
 *   escape raw-sockets              packet, XDP, raw and ICMP sockets; prints each errno
 *   escape untraced ADDR PORT       a clone(CLONE_UNTRACED) child connects
 *   escape notif                    a seccomp filter with a user-notification listener
 *   escape attach PID               ptrace(PTRACE_ATTACH) a process outside the tree
 *   escape int80 ADDR PORT          the i386 connect syscall via int 0x80 from x86_64
 *   escape io_uring                 io_uring_setup(), whose rings connect and send unseen
 *   escape io_uring-connect ADDR PORT  a TCP connect made by io_uring (IORING_OP_CONNECT):
 *                                   no filter sees it; prints its result
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

static struct sockaddr_in allowed, forbidden;
/* The memory that the race flips; shared by the threads. */
static struct sockaddr_in *volatile shared;
static volatile int stop;

static void parse(struct sockaddr_in *sin, const char *addr, const char *port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "escape: bad IPv4 address %s\n", addr);
		exit(2);
	}
}

static const char *name(int e)
{
	return e ? strerrorname_np(e) : "ok";
}

/* One IORING_OP_CONNECT through a ring of one entry, with raw system calls (no liburing):
 * the kernel's io_uring worker makes the connect, which no seccomp filter sees. Returns the
 * connect's result: 0 or -errno. */
static int uring_connect(const struct sockaddr_in *dst)
{
	struct io_uring_params p = { 0 };
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	uint32_t *sq_tail, *sq_array, *cq_head, *cq_tail;
	size_t sq_len, cq_len;
	uint8_t *sq, *cq;
	int ring, sock;

	ring = (int)syscall(SYS_io_uring_setup, 1, &p);
	sock = socket(AF_INET, SOCK_STREAM, 0);
	if (ring < 0 || sock < 0)
		return -errno;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_CQ_RING);
	sqe = mmap(NULL, sizeof(*sqe), PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqe == MAP_FAILED)
		return -errno;
	sq_tail = (uint32_t *)(sq + p.sq_off.tail);
	sq_array = (uint32_t *)(sq + p.sq_off.array);
	cq_head = (uint32_t *)(cq + p.cq_off.head);
	cq_tail = (uint32_t *)(cq + p.cq_off.tail);
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_CONNECT;
	sqe->fd = sock;
	sqe->addr = (uint64_t)(uintptr_t)dst;
	sqe->off = sizeof(*dst);
	sq_array[0] = 0;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head)
		return -EAGAIN;
	cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return cqe[*cq_head & *(uint32_t *)(cq + p.cq_off.ring_mask)].res;
}

static void *flipper(void *arg)
{
	(void)arg;
	while (!stop) {
		memcpy((void *)shared, &forbidden, sizeof(forbidden));
		__asm__ volatile("" ::: "memory"); /* both stores happen */
		memcpy((void *)shared, &allowed, sizeof(allowed));
		__asm__ volatile("" ::: "memory");
	}
	return NULL;
}

static int race(int type, long n, bool nonblock)
{
	pthread_t t;
	long ok = 0;
	char byte = 'x';

	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy((void *)shared, &allowed, sizeof(allowed));
	pthread_create(&t, NULL, flipper, NULL);
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, type | (nonblock ? SOCK_NONBLOCK : 0), 0);
		int rc = type == SOCK_STREAM
			 ? connect(fd, (struct sockaddr *)shared, sizeof(*shared))
			 : (int)sendto(fd, &byte, 1, 0, (struct sockaddr *)shared, sizeof(*shared));
		if (rc >= 0 || errno == EINPROGRESS)
			ok++;
		close(fd);
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("race: %ld of %ld calls went through\n", ok, n);
	return 0;
}

static int untraced_child(void *arg)
{
	(void)arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int rc = connect(fd, (struct sockaddr *)&forbidden, sizeof(forbidden));
	printf("untraced child connect: %s\n", name(rc < 0 ? errno : 0));
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (strcmp(cmd, "race-connect") == 0 && argc >= 7) {
		parse(&allowed, argv[2], argv[3]);
		parse(&forbidden, argv[4], argv[5]);
		return race(SOCK_STREAM, atol(argv[6]), argc > 7);
	}
	if (strcmp(cmd, "race-sendto") == 0 && argc >= 7) {
		parse(&allowed, argv[2], argv[3]);
		parse(&forbidden, argv[4], argv[5]);
		return race(SOCK_DGRAM, atol(argv[6]), false);
	}
	if (strcmp(cmd, "tfo") == 0 && argc == 4) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		ssize_t rc;
		parse(&forbidden, argv[2], argv[3]);
		rc = sendto(fd, "GET /\r\n\r\n", 9, MSG_FASTOPEN, (struct sockaddr *)&forbidden,
			    sizeof(forbidden));
		printf("tfo: %s\n", name(rc < 0 ? errno : 0));
		return 0;
	}
	if (strcmp(cmd, "unspec") == 0 && argc == 4) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr unspec = { .sa_family = AF_UNSPEC };
		parse(&allowed, argv[2], argv[3]);
		printf("connect: %s\n", name(connect(fd, (struct sockaddr *)&allowed, sizeof(allowed)) ? errno : 0));
		printf("connect AF_UNSPEC: %s\n", name(connect(fd, &unspec, sizeof(unspec)) ? errno : 0));
		return 0;
	}
	if (strcmp(cmd, "raw-sockets") == 0) {
		static const struct { const char *what; int family, type, protocol; } tries[] = {
			{ "packet", AF_PACKET, SOCK_RAW, 0 },
			{ "packet-dgram", AF_PACKET, SOCK_DGRAM, 0 },
			{ "xdp", AF_XDP, SOCK_RAW, 0 },
			{ "raw4", AF_INET, SOCK_RAW, IPPROTO_ICMP },
			{ "raw6", AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6 },
			{ "icmp4", AF_INET, SOCK_DGRAM, IPPROTO_ICMP },
			{ "icmp6", AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_ICMPV6 },
			{ "udp", AF_INET, SOCK_DGRAM, 0 },
		};
		for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
			int fd = socket(tries[i].family, tries[i].type, tries[i].protocol);
			printf("%s: %s\n", tries[i].what, name(fd < 0 ? errno : 0));
			if (fd >= 0)
				close(fd);
		}
		/* The high half of a 64-bit register must not hide AF_PACKET from the filter. */
		long fd = syscall(SYS_socket, (long)AF_PACKET | (1L << 32), SOCK_RAW, 0);
		printf("packet-highbits: %s\n", name(fd < 0 ? errno : 0));
		return 0;
	}
	if (strcmp(cmd, "untraced") == 0 && argc == 4) {
		static char stack[64 << 10];
		int status;
		pid_t pid;
		parse(&forbidden, argv[2], argv[3]);
		fflush(stdout);
		pid = clone(untraced_child, stack + sizeof(stack), CLONE_UNTRACED | SIGCHLD, NULL);
		if (pid < 0) {
			printf("clone: %s\n", name(errno));
			return 1;
		}
		waitpid(pid, &status, 0);
		return 0;
	}
	if (strcmp(cmd, "notif") == 0) {
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog prog = { .len = 1, .filter = &allow };
		long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		printf("seccomp listener: %s\n", name(rc < 0 ? errno : 0));
		return 0;
	}
	if (strcmp(cmd, "attach") == 0 && argc == 3) {
		long rc = ptrace(PTRACE_ATTACH, atoi(argv[2]), 0, 0);
		printf("ptrace attach: %s\n", name(rc < 0 ? errno : 0));
		if (rc == 0)
			ptrace(PTRACE_DETACH, atoi(argv[2]), 0, 0);
		return 0;
	}
	if (strcmp(cmd, "int80") == 0 && argc == 4) {
		/* The i386 ABI takes 32-bit pointers: the sockaddr lives below 4 GiB. */
		struct sockaddr_in *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		long rc;
		parse(low, argv[2], argv[3]);
		__asm__ volatile("int $0x80"
				 : "=a"(rc)
				 : "a"(362L), "b"((long)fd), "c"(low), "d"((long)sizeof(*low))
				 : "memory");
		printf("int80 connect: %s\n", name(rc < 0 ? (int)-rc : 0));
		return 0;
	}
	if (strcmp(cmd, "io_uring-connect") == 0 && argc == 4) {
		int rc;

		parse(&forbidden, argv[2], argv[3]);
		rc = uring_connect(&forbidden);
		printf("io_uring connect: %s\n", name(rc < 0 ? -rc : 0));
		return 0;
	}
	if (strcmp(cmd, "io_uring") == 0) {
		struct { uint32_t words[30]; } params = { 0 }; /* struct io_uring_params */
		long fd = syscall(SYS_io_uring_setup, 8, &params);
		printf("io_uring_setup: %s\n", name(fd < 0 ? errno : 0));
		return 0;
	}
	fprintf(stderr, "escape: unknown or incomplete call %s\n", cmd);
	return 2;
}
