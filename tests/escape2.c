/* Test helper: more ways to get traffic past the tracer, or to change its rules. Each call
 * prints what happened ("ok" or the errno name).
 *   escape2 rthdr-opt DEST PORT HOP     UDP to [DEST]:PORT with a type 4 routing header
 *                                       (setsockopt IPV6_RTHDR) that sends it to HOP first
 *   escape2 rthdr-cmsg DEST PORT HOP    the same routing header as a control message
 *   escape2 lsrr-opt DEST PORT HOP      IPv4 to DEST:PORT with a loose source route through
 *                                       HOP (setsockopt IP_OPTIONS)
 *   escape2 lsrr-cmsg DEST PORT HOP     the same as a control message (IP_RETOPTS)
 *   escape2 race-cmsg DEST PORT HOP N   N sendmsg() while a thread flips the control
 *                                       message between an unknown level and IP_RETOPTS
 *   escape2 race-fd NAME DEST PORT N    N connects while a thread swaps both the socket (unix,
 *                                       TCP) and the address (the abstract unix NAME of 13
 *                                       bytes at most, DEST:PORT)
 *   escape2 race-own ALLOWED APORT LO LPORT N  one UDP send to ALLOWED:APORT hands a socket
 *                                       over; then N sends to LO:LPORT on a fd that a thread
 *                                       flips between that socket and one of the program's
 *                                       own namespace
 *   escape2 sticky HOP PROGRAM...       runs PROGRAM with fd 3: a UDP socket that already
 *                                       carries the routing header
 *   escape2 sticky-mapped HOP PROGRAM...  the same with an IPv6 socket that carries a
 *                                       source route (IP_OPTIONS) for IPv4-mapped traffic
 *   escape2 send3 DEST PORT             sendto() on fd 3 (DEST: IPv6, or IPv4-mapped)
 *   escape2 join                        multicast and anycast joins, IPv4 and IPv6
 *   escape2 plain                       ordinary socket(), setsockopt() and ioctl() calls
 *   escape2 bind-dev NAME               SO_BINDTODEVICE NAME, then reads it back
 *   escape2 bind-index N                SO_BINDTOIFINDEX N
 *   escape2 mark                        SO_MARK 1
 *   escape2 tun                         a TUN device (ioctl TUNSETIFF), then whether it exists
 *   escape2 uffd                        userfaultfd(), and USERFAULTFD_IOC_NEW on /dev/userfaultfd
 *   escape2 setns PATH                  setns() to the namespace at PATH: nstype NEWNET, then 0
 *   escape2 seize-suspend PID           PTRACE_SEIZE with PTRACE_O_SUSPEND_SECCOMP
 *   escape2 vmwrite PID                 process_vm_writev() into PID
 *   escape2 int80-subcall DEST PORT     i386 socketcall connect via int 0x80, high bits set in
 *                                       the sub-call number
 *   escape2 int80-block DEST PORT       the same, high bits set in the argument block pointer
 *   escape2 int80-rthdr HOP             setsockopt(IPV6_RTHDR) through int 0x80, as socketcall
 *                                       with high bits in the sub-call number, then as the
 *                                       direct i386 call with high bits in the level
 *   escape2 int80-tun                   ioctl(TUNSETIFF) through int 0x80, high bits in the
 *                                       command
 *   escape2 int80-race N                N socketcall setsockopt(IP_MULTICAST_IF) on a UDP
 *                                       socket while a thread flips the block's optname to
 *                                       IP_ADD_MEMBERSHIP (239.1.2.3 on lo); then one more,
 *                                       unflipped, and an IP_TTL read back
 *   escape2 int80-race-fd N             the same, the block's fd flipped too: a unix socket
 *                                       with IP_MULTICAST_IF, the UDP one with the join
 *   escape2 int80-race-socket N         N socketcall socket(AF_INET, SOCK_DGRAM) while a
 *                                       thread flips the block's family to AF_PACKET
 *   escape2 int80-sockopt               options whose i386 layout differs, set through
 *                                       socketcall and through the direct i386 call: both
 *                                       results, and what the socket says afterwards
 *   escape2 comm DEST PORT              sets its comm to "\r\033[2Kok", then connects
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/net.h>
#include <linux/userfaultfd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

static const char *name(int e)
{
	return e ? strerrorname_np(e) : "ok";
}

static void say(const char *what, long rc)
{
	printf("%s: %s\n", what, name(rc < 0 ? errno : 0));
	fflush(stdout);
}

static void parse6(struct sockaddr_in6 *sin6, const char *addr, const char *port)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1) {
		fprintf(stderr, "escape2: bad IPv6 address %s\n", addr);
		exit(2);
	}
}

static void parse4(struct sockaddr_in *sin, const char *addr, const char *port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "escape2: bad IPv4 address %s\n", addr);
		exit(2);
	}
}

/* A type 4 (segment routing) header with one segment, HOP: the kernel sends the datagram to
 * HOP, with the real destination in the header (ipv6_push_rthdr4()). No privilege needed. */
struct srh {
	uint8_t nexthdr, hdrlen, type, segments_left, first_segment, flags;
	uint16_t tag;
	struct in6_addr segment;
};

static void make_srh(struct srh *h, const char *hop)
{
	*h = (struct srh){ .hdrlen = 2, .type = 4 };
	if (inet_pton(AF_INET6, hop, &h->segment) != 1) {
		fprintf(stderr, "escape2: bad IPv6 address %s\n", hop);
		exit(2);
	}
}

/* A loose source route through HOP (IP_OPTIONS, IP_RETOPTS): a NOP, then LSRR with one
 * address. The kernel sends to HOP, the real destination in the option (ip_options_get()). */
static void make_lsrr(uint8_t opt[8], const char *hop)
{
	static const uint8_t head[4] = { 1, 131, 7, 4 };

	memcpy(opt, head, sizeof(head));
	if (inet_pton(AF_INET, hop, opt + 4) != 1) {
		fprintf(stderr, "escape2: bad IPv4 address %s\n", hop);
		exit(2);
	}
}

/* Control data: one message carrying len bytes of data. */
static union {
	struct cmsghdr align;
	uint8_t buf[CMSG_SPACE(sizeof(struct srh))];
} control;
static size_t control_len;

static struct cmsghdr *make_control(int level, int type, const void *data, size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)control.buf;

	c->cmsg_len = CMSG_LEN(len);
	c->cmsg_level = level;
	c->cmsg_type = type;
	memcpy(CMSG_DATA(c), data, len);
	control_len = CMSG_SPACE(len);
	return c;
}

static long send_control(int fd, const void *to, socklen_t to_len)
{
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_name = (void *)to, .msg_namelen = to_len, .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = control.buf,
			    .msg_controllen = control_len };

	return sendmsg(fd, &m, 0);
}

static volatile int stop;

/* Flips the control message's level between one no protocol knows (the kernel skips it,
 * ip_cmsg_send()) and IPPROTO_IP: a source route, one time in two. */
static void *flipper(void *arg)
{
	volatile int *level = &((struct cmsghdr *)arg)->cmsg_level;

	while (!stop) {
		*level = 0x1234;
		__asm__ volatile("" ::: "memory");
		*level = IPPROTO_IP;
		__asm__ volatile("" ::: "memory");
	}
	return NULL;
}

static int race_cmsg(const struct sockaddr_in *to, const char *hop, long n)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct cmsghdr *c;
	uint8_t opt[8];
	long ok = 0;
	pthread_t t;

	make_lsrr(opt, hop);
	c = make_control(0x1234, IP_RETOPTS, opt, sizeof(opt));
	pthread_create(&t, NULL, flipper, c);
	for (long i = 0; i < n; i++)
		if (send_control(fd, to, sizeof(*to)) >= 0)
			ok++;
	stop = 1;
	pthread_join(t, NULL);
	printf("race: %ld of %ld sends went through\n", ok, n);
	return 0;
}
/* race-fd: the address and the socket behind fd RACE_FD, flipped together between an
 * allowed unix socket and a forbidden TCP one. */
#define RACE_FD 50
static union {
	struct sockaddr_un un;
	struct sockaddr_in in;
} *volatile race_addr;
static struct sockaddr_un race_un;
static struct sockaddr_in race_in;
static int race_unix, race_inet;

static void *fd_flipper(void *arg)
{
	(void)arg;
	while (!stop) {
		dup2(race_unix, RACE_FD);
		memcpy((void *)race_addr, &race_un, sizeof(race_un));
		__asm__ volatile("" ::: "memory");
		dup2(race_inet, RACE_FD);
		memcpy((void *)race_addr, &race_in, sizeof(race_in));
		__asm__ volatile("" ::: "memory");
	}
	return NULL;
}

/* N connects to fd RACE_FD while a thread swaps both the socket and the address. */
static int race_fd(const char *name, const char *addr, const char *port, long n)
{
	long ok = 0;

	race_addr = malloc(sizeof(*race_addr));
	race_un.sun_family = AF_UNIX;
	/* Abstract: the name follows a NUL, and fits in the 16 bytes of a sockaddr_in. */
	snprintf(race_un.sun_path + 1, sizeof(race_in) - sizeof(sa_family_t) - 1, "%s", name);
	parse4(&race_in, addr, port);
	for (long i = 0; i < n; i++) {
		pthread_t t;

		race_unix = socket(AF_UNIX, SOCK_STREAM, 0);
		race_inet = socket(AF_INET, SOCK_STREAM, 0);
		stop = 0;
		pthread_create(&t, NULL, fd_flipper, NULL);
		if (connect(RACE_FD, (struct sockaddr *)race_addr, sizeof(race_in)) == 0)
			ok++;
		stop = 1;
		pthread_join(t, NULL);
		close(race_unix);
		close(race_inet);
		close(RACE_FD);
	}
	printf("race-fd: %ld of %ld connects succeeded\n", ok, n);
	return 0;
}

/* race-own: the socket behind fd RACE_FD flipped between a UDP socket of the program's own
 * namespace and one handed over from sockstrace's (by an allowed send), while the thread
 * sends to loopback, which is the program's own only on the first. */
static int race_own_sock, race_host_sock;

static void *own_flipper(void *arg)
{
	(void)arg;
	while (!stop) {
		dup2(race_own_sock, RACE_FD);
		dup2(race_host_sock, RACE_FD);
	}
	return NULL;
}

static int race_own(const char *allowed, const char *aport, const char *lo, const char *lport,
		    long n)
{
	struct sockaddr_in out, back;
	long ok = 0;
	pthread_t t;

	parse4(&out, allowed, aport);
	parse4(&back, lo, lport);
	race_own_sock = socket(AF_INET, SOCK_DGRAM, 0);
	race_host_sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sendto(race_host_sock, "out", 3, 0, (struct sockaddr *)&out, sizeof(out)) != 3) {
		printf("race-own: the allowed send failed: %s\n", strerrorname_np(errno));
		return 1;
	}
	stop = 0;
	pthread_create(&t, NULL, own_flipper, NULL);
	for (long i = 0; i < n; i++)
		if (sendto(RACE_FD, "own", 3, 0, (struct sockaddr *)&back, sizeof(back)) == 3)
			ok++;
	stop = 1;
	pthread_join(t, NULL);
	printf("race-own: %ld of %ld sends succeeded\n", ok, n);
	return 0;
}

static void join(void)
{
	int u4 = socket(AF_INET, SOCK_DGRAM, 0), u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	struct ip_mreqn mreq = { .imr_ifindex = 1 };
	struct ipv6_mreq mreq6 = { .ipv6mr_interface = 1 };
	struct group_req greq = { .gr_interface = 1 };
	struct sockaddr_in *g4 = (struct sockaddr_in *)&greq.gr_group;

	inet_pton(AF_INET, "239.1.2.3", &mreq.imr_multiaddr);
	say("IP_ADD_MEMBERSHIP", setsockopt(u4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)));
	g4->sin_family = AF_INET;
	g4->sin_addr = mreq.imr_multiaddr;
	say("MCAST_JOIN_GROUP", setsockopt(u4, IPPROTO_IP, MCAST_JOIN_GROUP, &greq, sizeof(greq)));
	inet_pton(AF_INET6, "ff02::1:3", &mreq6.ipv6mr_multiaddr);
	say("IPV6_JOIN_GROUP", setsockopt(u6, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq6, sizeof(mreq6)));
	inet_pton(AF_INET6, "2001:db8::77", &mreq6.ipv6mr_multiaddr);
	say("IPV6_JOIN_ANYCAST", setsockopt(u6, IPPROTO_IPV6, IPV6_JOIN_ANYCAST, &mreq6,
					    sizeof(mreq6)));
	/* An ordinary option does not stop, and works. */
	int one = 1;
	say("SO_REUSEADDR", setsockopt(u4, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
}

/* socketcall(2) through int 0x80: call, with the argument block at block (below 4 GiB, as
 * the i386 ABI reads pointers). Returns the result, -errno on failure. */
static long socketcall80(uint64_t call, uint64_t block)
{
	long rc;

	__asm__ volatile("int $0x80" : "=a"(rc) : "a"(102L), "b"(call), "c"(block) : "memory");
	return rc;
}

/* A page below 4 GiB, where an i386 call can point. */
static void *low_page(void)
{
	return mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		    -1, 0);
}

/* socketcall(SYS_CONNECT) through int 0x80 with high bits in the sub-call number or the
 * block pointer: the kernel reads 32 bits of each. */
static void int80(const char *addr, const char *port, uint64_t call_high, uint64_t block_high)
{
	struct low {
		uint32_t block[3];
		struct sockaddr_in sin;
	} *low = low_page();
	long rc;

	parse4(&low->sin, addr, port);
	low->block[0] = (uint32_t)socket(AF_INET, SOCK_STREAM, 0);
	low->block[1] = (uint32_t)(uintptr_t)&low->sin;
	low->block[2] = sizeof(low->sin);
	rc = socketcall80(SYS_CONNECT | call_high, (uintptr_t)low->block | block_high);
	printf("int80 socketcall connect: %s\n", name(rc < 0 ? (int)-rc : 0));
}

/* setsockopt(IPPROTO_IPV6, IPV6_RTHDR) through int 0x80: socketcall(SYS_SETSOCKOPT) with
 * high bits in the sub-call number, then the direct call (366) with high bits in the level. */
static void int80_rthdr(const char *hop)
{
	struct low {
		uint32_t block[5];
		struct srh h;
	} *low = low_page();
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	long rc;

	make_srh(&low->h, hop);
	low->block[0] = (uint32_t)fd;
	low->block[1] = IPPROTO_IPV6;
	low->block[2] = IPV6_RTHDR;
	low->block[3] = (uint32_t)(uintptr_t)&low->h;
	low->block[4] = sizeof(low->h);
	rc = socketcall80(SYS_SETSOCKOPT | (1ULL << 32), (uintptr_t)low->block);
	printf("int80 socketcall setsockopt: %s\n", name(rc < 0 ? (int)-rc : 0));
	__asm__ volatile("push %%rbp\n\tmov %[len], %%rbp\n\tint $0x80\n\tpop %%rbp"
			 : "=a"(rc)
			 : "a"(366L), "b"((long)fd), "c"(IPPROTO_IPV6 | (1ULL << 32)),
			   "d"((long)IPV6_RTHDR), "S"((uintptr_t)&low->h), [len] "r"((long)sizeof(low->h))
			 : "memory");
	printf("int80 setsockopt: %s\n", name(rc < 0 ? (int)-rc : 0));
}

/* The direct i386 setsockopt (366) through int 0x80: the kernel reads the registers once. */
static long setsockopt80(int fd, int level, int optname, const void *val, uint32_t len)
{
	long rc;

	__asm__ volatile("int $0x80"
			 : "=a"(rc)
			 : "a"(366L), "b"((long)fd), "c"((long)level), "d"((long)optname),
			   "S"((uintptr_t)val), "D"((long)len)
			 : "memory");
	return rc;
}

/* The same through socketcall(SYS_SETSOCKOPT), with its block in low memory. */
static long socketcall_setsockopt80(int fd, int level, int optname, const void *val,
				    uint32_t len)
{
	uint32_t *block = low_page();
	long rc;

	block[0] = (uint32_t)fd;
	block[1] = (uint32_t)level;
	block[2] = (uint32_t)optname;
	block[3] = (uint32_t)(uintptr_t)val;
	block[4] = len;
	rc = socketcall80(SYS_SETSOCKOPT, (uintptr_t)block);
	munmap(block, 4096);
	return rc;
}

/* int80-race: the block's optname, and with int80-race-fd its socket (UDP or unix). */
static int race_udp = -1, race_unix80 = -1;

static void *block_flipper(void *arg)
{
	volatile uint32_t *block = arg;

	while (!stop) {
		if (race_unix80 >= 0)
			block[0] = (uint32_t)race_udp;
		block[2] = IP_ADD_MEMBERSHIP;
		__asm__ volatile("" ::: "memory");
		if (race_unix80 >= 0)
			block[0] = (uint32_t)race_unix80;
		block[2] = IP_MULTICAST_IF;
		__asm__ volatile("" ::: "memory");
	}
	return NULL;
}

/* The harmless call answers 0 (EOPNOTSUPP on the unix socket), the join (when sockstrace
 * read it) EPERM; any other answer (EADDRINUSE: joined already) means the kernel joined. */
static int int80_race(long n, bool flip_fd)
{
	struct low {
		uint32_t block[5];
		struct ip_mreqn mreq;
		int ttl;
	} *low = low_page();
	int ttl = 0;
	long ok = 0, eperm = 0, unix_answer = 0, other = 0, rc, last = 0;
	socklen_t len = sizeof(ttl);
	pthread_t t;

	race_udp = socket(AF_INET, SOCK_DGRAM, 0);
	if (flip_fd)
		race_unix80 = socket(AF_UNIX, SOCK_DGRAM, 0);
	inet_pton(AF_INET, "239.1.2.3", &low->mreq.imr_multiaddr);
	low->mreq.imr_ifindex = 1;
	low->block[0] = (uint32_t)race_udp;
	low->block[1] = IPPROTO_IP;
	low->block[2] = IP_MULTICAST_IF;
	low->block[3] = (uint32_t)(uintptr_t)&low->mreq;
	low->block[4] = sizeof(low->mreq);
	pthread_create(&t, NULL, block_flipper, low->block);
	for (long i = 0; i < n; i++) {
		rc = socketcall80(SYS_SETSOCKOPT, (uintptr_t)low->block);
		if (rc == 0)
			ok++;
		else if (rc == -EPERM)
			eperm++;
		else if (rc == -EOPNOTSUPP && flip_fd)
			unix_answer++;
		else
			other++, last = -rc;
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("int80-race: %ld ok, %ld EPERM, %ld EOPNOTSUPP, %ld other%s%s\n", ok, eperm,
	       unix_answer, other, other ? " " : "", other ? name((int)last) : "");
	low->block[0] = (uint32_t)race_udp;
	low->block[2] = IP_MULTICAST_IF;
	rc = socketcall80(SYS_SETSOCKOPT, (uintptr_t)low->block);
	printf("int80 IP_MULTICAST_IF: %s\n", name(rc < 0 ? (int)-rc : 0));
	low->ttl = 77;
	low->block[2] = IP_TTL;
	low->block[3] = (uint32_t)(uintptr_t)&low->ttl;
	low->block[4] = sizeof(low->ttl);
	rc = socketcall80(SYS_SETSOCKOPT, (uintptr_t)low->block);
	getsockopt(race_udp, IPPROTO_IP, IP_TTL, &ttl, &len);
	printf("int80 IP_TTL: %s, reads %d\n", name(rc < 0 ? (int)-rc : 0), ttl);
	return 0;
}

static void *family_flipper(void *arg)
{
	volatile uint32_t *family = arg;

	while (!stop) {
		*family = AF_PACKET;
		__asm__ volatile("" ::: "memory");
		*family = AF_INET;
		__asm__ volatile("" ::: "memory");
	}
	return NULL;
}

/* int80-race-socket: socketcall(SYS_SOCKET) of a UDP socket while a thread flips the
 * block's family to AF_PACKET. A packet socket made is an escape; EACCES is the refusal of
 * the packet socket sockstrace read. */
static int int80_race_socket(long n)
{
	uint32_t *block = low_page();
	long inet = 0, refused = 0, packet = 0, other = 0, rc;
	pthread_t t;

	block[0] = AF_INET;
	block[1] = SOCK_DGRAM;
	block[2] = 0;
	pthread_create(&t, NULL, family_flipper, block);
	for (long i = 0; i < n; i++) {
		int domain = 0;
		socklen_t len = sizeof(domain);

		rc = socketcall80(SYS_SOCKET, (uintptr_t)block);
		if (rc == -EACCES) {
			refused++;
			continue;
		}
		if (rc < 0) {
			other++;
			continue;
		}
		getsockopt((int)rc, SOL_SOCKET, SO_DOMAIN, &domain, &len);
		if (domain == AF_INET)
			inet++;
		else if (domain == AF_PACKET)
			packet++;
		else
			other++;
		close((int)rc);
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("int80-race-socket: %ld inet, %ld EACCES, %ld packet, %ld other\n", inet, refused,
	       packet, other);
	return 0;
}

/* setsockopt through socketcall and through the direct call, each on a new socket of
 * domain: "NAME: socketcall RESULT, direct RESULT". Returns the socketcall's socket. */
static int both80(const char *what, int domain, int level, int optname, const void *val,
		  uint32_t len)
{
	int s1 = socket(domain, SOCK_DGRAM, 0), s2 = socket(domain, SOCK_DGRAM, 0);
	long r1 = socketcall_setsockopt80(s1, level, optname, val, len);
	long r2 = setsockopt80(s2, level, optname, val, len);

	printf("%s: socketcall %s, direct %s\n", what, name(r1 < 0 ? (int)-r1 : 0),
	       name(r2 < 0 ? (int)-r2 : 0));
	close(s2);
	return s1;
}

/* int80-sockopt: the layouts the kernel's compat code converts. */
static void int80_sockopt(void)
{
	struct low {
		int32_t tv32[2];
		uint16_t fprog_len;
		uint16_t pad;
		uint32_t fprog_filter;
		struct sock_filter insns[2];
		uint32_t greq[33]; /* compat_group_req: the interface, then a sockaddr_storage */
	} *low = low_page();
	struct sockaddr_in g = { .sin_family = AF_INET };
	struct timeval tv = { 0 };
	socklen_t len = sizeof(tv);
	int fd;

	low->tv32[0] = 3;
	low->tv32[1] = 250000;
	fd = both80("SO_RCVTIMEO_OLD", AF_INET, SOL_SOCKET, 20, low->tv32, 8);
	getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
	printf("SO_RCVTIMEO reads %ld.%06ld\n", (long)tv.tv_sec, (long)tv.tv_usec);
	close(fd);
	close(both80("SO_RCVTIMEO_OLD short", AF_INET, SOL_SOCKET, 20, low->tv32, 4));
	/* "ret #-1" twice: accept everything. */
	low->insns[0] = (struct sock_filter){ .code = 0x06, .k = 0xffffffff };
	low->insns[1] = low->insns[0];
	low->fprog_len = 2;
	low->fprog_filter = (uint32_t)(uintptr_t)low->insns;
	fd = both80("SO_ATTACH_FILTER", AF_INET, SOL_SOCKET, SO_ATTACH_FILTER, &low->fprog_len, 8);
	len = 0;
	getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, NULL, &len);
	printf("SO_GET_FILTER reads %u instructions\n", (unsigned)len);
	close(fd);
	close(both80("SO_ATTACH_FILTER native size", AF_INET, SOL_SOCKET, SO_ATTACH_FILTER,
		     &low->fprog_len, 16));
	/* Leaving a group never joined: EADDRNOTAVAIL once the group is read where it is. */
	low->greq[0] = 1;
	inet_pton(AF_INET, "239.1.2.3", &g.sin_addr);
	memcpy(&low->greq[1], &g, sizeof(g));
	close(both80("MCAST_LEAVE_GROUP", AF_INET, IPPROTO_IP, MCAST_LEAVE_GROUP, low->greq,
		     sizeof(low->greq)));
	close(both80("IP_XFRM_POLICY", AF_INET, IPPROTO_IP, IP_XFRM_POLICY, low->greq, 64));
	/* Needs CAP_NET_ADMIN: the program's, not sockstrace's. */
	low->greq[0] = 65536;
	close(both80("SO_RCVBUFFORCE", AF_INET, SOL_SOCKET, SO_RCVBUFFORCE, low->greq, 4));
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	struct sockaddr_in6 to6;
	struct sockaddr_in to4;
	struct srh h;

	if (strcmp(cmd, "rthdr-opt") == 0 && argc == 5) {
		int fd = socket(AF_INET6, SOCK_DGRAM, 0);
		parse6(&to6, argv[2], argv[3]);
		make_srh(&h, argv[4]);
		say("setsockopt IPV6_RTHDR", setsockopt(fd, IPPROTO_IPV6, IPV6_RTHDR, &h, sizeof(h)));
		say("sendto", sendto(fd, "x", 1, 0, (struct sockaddr *)&to6, sizeof(to6)));
		return 0;
	}
	if (strcmp(cmd, "rthdr-cmsg") == 0 && argc == 5) {
		int fd = socket(AF_INET6, SOCK_DGRAM, 0);
		parse6(&to6, argv[2], argv[3]);
		make_srh(&h, argv[4]);
		make_control(IPPROTO_IPV6, IPV6_RTHDR, &h, sizeof(h));
		say("sendmsg", send_control(fd, &to6, sizeof(to6)));
		return 0;
	}
	if ((strcmp(cmd, "lsrr-opt") == 0 || strcmp(cmd, "lsrr-cmsg") == 0) && argc == 5) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		uint8_t opt[8];
		parse4(&to4, argv[2], argv[3]);
		make_lsrr(opt, argv[4]);
		if (cmd[5] == 'o') {
			say("setsockopt IP_OPTIONS", setsockopt(fd, IPPROTO_IP, IP_OPTIONS, opt,
								sizeof(opt)));
			say("sendto", sendto(fd, "x", 1, 0, (struct sockaddr *)&to4, sizeof(to4)));
		} else {
			make_control(IPPROTO_IP, IP_RETOPTS, opt, sizeof(opt));
			say("sendmsg", send_control(fd, &to4, sizeof(to4)));
		}
		return 0;
	}
	if (strcmp(cmd, "race-own") == 0 && argc == 7)
		return race_own(argv[2], argv[3], argv[4], argv[5], atol(argv[6]));
	if (strcmp(cmd, "race-fd") == 0 && argc == 6)
		return race_fd(argv[2], argv[3], argv[4], atol(argv[5]));
	if (strcmp(cmd, "race-cmsg") == 0 && argc == 6) {
		parse4(&to4, argv[2], argv[3]);
		return race_cmsg(&to4, argv[4], atol(argv[5]));
	}
	if ((strcmp(cmd, "sticky") == 0 || strcmp(cmd, "sticky-mapped") == 0) && argc >= 4) {
		int fd = socket(AF_INET6, SOCK_DGRAM, 0), rc;
		uint8_t opt[8];
		if (cmd[6]) {
			make_lsrr(opt, argv[2]);
			rc = setsockopt(fd, IPPROTO_IP, IP_OPTIONS, opt, sizeof(opt));
		} else {
			make_srh(&h, argv[2]);
			rc = setsockopt(fd, IPPROTO_IPV6, IPV6_RTHDR, &h, sizeof(h));
		}
		if (rc < 0 || dup2(fd, 3) < 0) {
			perror("escape2: sticky");
			return 1;
		}
		execvp(argv[3], argv + 3);
		perror("escape2: exec");
		return 1;
	}
	if (strcmp(cmd, "send3") == 0 && argc == 4) {
		parse6(&to6, argv[2], argv[3]);
		say("sendto", sendto(3, "x", 1, 0, (struct sockaddr *)&to6, sizeof(to6)));
		return 0;
	}
	if (strcmp(cmd, "join") == 0) {
		join();
		return 0;
	}
	if (strcmp(cmd, "plain") == 0) {
		int u4 = socket(AF_INET, SOCK_DGRAM, 0), t6 = socket(AF_INET6, SOCK_STREAM, 0);
		int one = 1, ttl = 9, n;
		say("SO_REUSEADDR", setsockopt(u4, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
		say("IP_TTL", setsockopt(u4, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)));
		say("IPV6_V6ONLY", setsockopt(t6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
		say("FIONREAD", ioctl(u4, FIONREAD, &n));
		return 0;
	}
	if (strcmp(cmd, "bind-dev") == 0 && argc == 3) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		char dev[IFNAMSIZ] = "";
		socklen_t len = sizeof(dev);
		say("SO_BINDTODEVICE", setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[2],
						  (socklen_t)strlen(argv[2])));
		getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &len);
		printf("bound to: \"%s\"\n", dev);
		return 0;
	}
	if (strcmp(cmd, "bind-index") == 0 && argc == 3) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0), index = atoi(argv[2]);
		say("SO_BINDTOIFINDEX", setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &index,
						   sizeof(index)));
		return 0;
	}
	if (strcmp(cmd, "mark") == 0) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0), mark = 1;
		say("SO_MARK", setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)));
		return 0;
	}
	if (strcmp(cmd, "tun") == 0) {
		struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
		int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "leak0");
		say("open /dev/net/tun", fd);
		say("TUNSETIFF", ioctl(fd, TUNSETIFF, &ifr));
		printf("leak0: %s\n", if_nametoindex("leak0") ? "exists" : "absent");
		return 0;
	}
	if (strcmp(cmd, "uffd") == 0) {
		int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
		say("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC));
		say("open /dev/userfaultfd", dev);
		say("USERFAULTFD_IOC_NEW", ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC));
		return 0;
	}
	if (strcmp(cmd, "setns") == 0 && argc == 3) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		say("open", fd);
		say("setns CLONE_NEWNET", setns(fd, CLONE_NEWNET));
		say("setns 0", setns(fd, 0));
		return 0;
	}
	if (strcmp(cmd, "seize-suspend") == 0 && argc == 3) {
		long rc = ptrace(PTRACE_SEIZE, atoi(argv[2]), 0, PTRACE_O_SUSPEND_SECCOMP);
		say("ptrace seize suspend-seccomp", rc);
		if (rc == 0)
			ptrace(PTRACE_DETACH, atoi(argv[2]), 0, 0);
		return 0;
	}
	if (strcmp(cmd, "vmwrite") == 0 && argc == 3) {
		char byte = 0;
		struct iovec local = { &byte, 1 }, remote = { (void *)0x10000, 1 };
		say("process_vm_writev", process_vm_writev(atoi(argv[2]), &local, 1, &remote, 1, 0));
		return 0;
	}
	if (strcmp(cmd, "int80-subcall") == 0 && argc == 4) {
		int80(argv[2], argv[3], 1ULL << 32, 0);
		return 0;
	}
	if (strcmp(cmd, "int80-block") == 0 && argc == 4) {
		int80(argv[2], argv[3], 0, 1ULL << 32);
		return 0;
	}
	if (strcmp(cmd, "int80-rthdr") == 0 && argc == 3) {
		int80_rthdr(argv[2]);
		return 0;
	}
	if (strcmp(cmd, "int80-race") == 0 && argc == 3)
		return int80_race(atol(argv[2]), false);
	if (strcmp(cmd, "int80-race-socket") == 0 && argc == 3)
		return int80_race_socket(atol(argv[2]));
	if (strcmp(cmd, "int80-race-fd") == 0 && argc == 3)
		return int80_race(atol(argv[2]), true);
	if (strcmp(cmd, "int80-sockopt") == 0) {
		int80_sockopt();
		return 0;
	}
	if (strcmp(cmd, "int80-tun") == 0) {
		struct ifreq *ifr = low_page();
		long fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC), rc;
		ifr->ifr_flags = IFF_TUN | IFF_NO_PI;
		snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "leak0");
		__asm__ volatile("int $0x80"
				 : "=a"(rc)
				 : "a"(54L), "b"(fd), "c"(TUNSETIFF | (1ULL << 32)), "d"((uintptr_t)ifr)
				 : "memory");
		printf("int80 TUNSETIFF: %s\n", name(rc < 0 ? (int)-rc : 0));
		printf("leak0: %s\n", if_nametoindex("leak0") ? "exists" : "absent");
		return 0;
	}
	if (strcmp(cmd, "comm") == 0 && argc == 4) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		prctl(PR_SET_NAME, "\r\033[2Kok");
		parse4(&to4, argv[2], argv[3]);
		say("connect", connect(fd, (struct sockaddr *)&to4, sizeof(to4)));
		return 0;
	}
	fprintf(stderr, "escape2: unknown or incomplete call %s\n", cmd);
	return 2;
}
