/* A socket of sockstrace's namespace handed over to the program in place of its own. */

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "handover.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* A socket option carried over to the new socket when the program changed it. None of them
 * changes where the kernel sends (those are denied: syscalls.c). */
struct carried {
	int level;      /* SOL_SOCKET, IPPROTO_TCP... */
	int name;       /* the option */
	int family;     /* only on sockets of this domain; 0: any */
	int type;       /* only on sockets of this type; 0: any */
	bool halved;    /* the kernel reports twice what was set (socket(7) SO_SNDBUF) */
};

static const struct carried carried[] = {
	{ SOL_SOCKET, SO_REUSEADDR, 0, 0, false },
	{ SOL_SOCKET, SO_REUSEPORT, 0, 0, false },
	{ SOL_SOCKET, SO_KEEPALIVE, 0, 0, false },
	{ SOL_SOCKET, SO_BROADCAST, 0, 0, false },
	{ SOL_SOCKET, SO_LINGER, 0, 0, false },
	{ SOL_SOCKET, SO_OOBINLINE, 0, 0, false },
	{ SOL_SOCKET, SO_RCVBUF, 0, 0, true },
	{ SOL_SOCKET, SO_SNDBUF, 0, 0, true },
	{ SOL_SOCKET, SO_RCVLOWAT, 0, 0, false },
	{ SOL_SOCKET, SO_RCVTIMEO, 0, 0, false },
	{ SOL_SOCKET, SO_SNDTIMEO, 0, 0, false },
	{ SOL_SOCKET, SO_PRIORITY, 0, 0, false },
	{ SOL_SOCKET, SO_TIMESTAMP, 0, 0, false },
	{ SOL_SOCKET, SO_TIMESTAMPNS, 0, 0, false },
	{ SOL_SOCKET, SO_ZEROCOPY, 0, 0, false },
	{ IPPROTO_TCP, TCP_NODELAY, 0, SOCK_STREAM, false },
	{ IPPROTO_TCP, TCP_CORK, 0, SOCK_STREAM, false },
	{ IPPROTO_TCP, TCP_MAXSEG, 0, SOCK_STREAM, false },
	{ IPPROTO_TCP, TCP_KEEPIDLE, 0, SOCK_STREAM, false },
	{ IPPROTO_TCP, TCP_KEEPINTVL, 0, SOCK_STREAM, false },
	{ IPPROTO_TCP, TCP_KEEPCNT, 0, SOCK_STREAM, false },
	{ IPPROTO_TCP, TCP_SYNCNT, 0, SOCK_STREAM, false },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT, 0, SOCK_STREAM, false },
	{ IPPROTO_TCP, TCP_WINDOW_CLAMP, 0, SOCK_STREAM, false },
	{ IPPROTO_TCP, TCP_NOTSENT_LOWAT, 0, SOCK_STREAM, false },
	{ IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 0, SOCK_STREAM, false },
	{ IPPROTO_TCP, TCP_CONGESTION, 0, SOCK_STREAM, false },
	{ IPPROTO_UDP, UDP_SEGMENT, 0, SOCK_DGRAM, false },
	{ IPPROTO_IP, IP_TOS, AF_INET, 0, false },
	{ IPPROTO_IP, IP_TTL, AF_INET, 0, false },
	{ IPPROTO_IP, IP_RECVERR, AF_INET, 0, false },
	{ IPPROTO_IP, IP_MTU_DISCOVER, AF_INET, 0, false },
	{ IPPROTO_IP, IP_PKTINFO, AF_INET, 0, false },
	{ IPPROTO_IP, IP_RECVTTL, AF_INET, 0, false },
	{ IPPROTO_IP, IP_RECVTOS, AF_INET, 0, false },
	{ IPPROTO_IP, IP_FREEBIND, AF_INET, 0, false },
	{ IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, AF_INET, 0, false },
	{ IPPROTO_IP, IP_MULTICAST_TTL, AF_INET, 0, false },
	{ IPPROTO_IP, IP_MULTICAST_LOOP, AF_INET, 0, false },
	{ IPPROTO_IPV6, IPV6_V6ONLY, AF_INET6, 0, false },
	{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, AF_INET6, 0, false },
	{ IPPROTO_IPV6, IPV6_TCLASS, AF_INET6, 0, false },
	{ IPPROTO_IPV6, IPV6_RECVERR, AF_INET6, 0, false },
	{ IPPROTO_IPV6, IPV6_MTU_DISCOVER, AF_INET6, 0, false },
	{ IPPROTO_IPV6, IPV6_RECVPKTINFO, AF_INET6, 0, false },
	{ IPPROTO_IPV6, IPV6_RECVHOPLIMIT, AF_INET6, 0, false },
	{ IPPROTO_IPV6, IPV6_DONTFRAG, AF_INET6, 0, false },
	{ IPPROTO_IPV6, IPV6_MULTICAST_HOPS, AF_INET6, 0, false },
	{ IPPROTO_IPV6, IPV6_MULTICAST_LOOP, AF_INET6, 0, false },
};

#define N_CARRIED (sizeof(carried) / sizeof(carried[0]))
/* Room for an option's value: TCP_CONGESTION's name is the longest (TCP_CA_NAME_MAX). */
#define OPTION_MAX 16

/* What a new socket of one kind has, asked once per kind: a hand-over then asks only the
 * program's socket. */
struct defaults {
	int domain, type, protocol;          /* the kind; domain 0: an empty slot */
	uint8_t value[N_CARRIED][OPTION_MAX]; /* each option's value */
	socklen_t len[N_CARRIED];            /* its length; 0: the kernel refused it */
};

/* The kinds seen so far (TCP and UDP over IPv4 and IPv6 in practice), learnt from the
 * program's namespace at start; used by the notification loop's thread only. */
static struct defaults kinds[8];

static bool applies(const struct carried *o, int family, int type)
{
	return (!o->family || o->family == family) && (!o->type || o->type == type);
}

/* The slot of the kind (domain, type, protocol): its own, else an empty one, else the first
 * (the table is full: that kind is asked again). */
static struct defaults *slot_of(int domain, int type, int protocol)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!kinds[i].domain || (kinds[i].domain == domain && kinds[i].type == type &&
					 kinds[i].protocol == protocol))
			return &kinds[i];
	return &kinds[0];
}

/* Asks fresh, a new socket of the kind, for the defaults into d. */
static void defaults_fill(struct defaults *d, int fresh, int domain, int type, int protocol)
{
	*d = (struct defaults){ .domain = domain, .type = type, .protocol = protocol };
	for (size_t i = 0; i < N_CARRIED; i++) {
		socklen_t len = OPTION_MAX;

		if (applies(&carried[i], domain, type) &&
		    getsockopt(fresh, carried[i].level, carried[i].name, d->value[i], &len) == 0)
			d->len[i] = len;
	}
}

/* The defaults of the kind of fresh, a new socket: learnt, or asked of fresh itself. */
static const struct defaults *defaults_of(int fresh, int domain, int type, int protocol)
{
	struct defaults *d = slot_of(domain, type, protocol);

	if (d->domain != domain || d->type != type || d->protocol != protocol)
		defaults_fill(d, fresh, domain, type, protocol);
	return d;
}

void handover_learn_defaults(int ref)
{
	int domain = 0, type = 0, protocol = 0;
	socklen_t len = sizeof(int);

	if (getsockopt(ref, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return;
	len = sizeof(int);
	if (getsockopt(ref, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return;
	len = sizeof(int);
	if (getsockopt(ref, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) < 0)
		return;
	defaults_fill(slot_of(domain, type, protocol), ref, domain, type, protocol);
}

/* Gives to each option the program's socket from has a value of that differs from a new
 * socket's (to, which is one). Options the kernel refuses are left as they are. */
static void carry_options(int from, int to, int family, int type, int protocol)
{
	const struct defaults *d = defaults_of(to, family, type, protocol);

	for (size_t i = 0; i < N_CARRIED; i++) {
		const struct carried *o = &carried[i];
		uint8_t a[OPTION_MAX];
		socklen_t alen = sizeof(a);

		if (!d->len[i] || !applies(o, family, type) ||
		    getsockopt(from, o->level, o->name, a, &alen) < 0 ||
		    (alen == d->len[i] && memcmp(a, d->value[i], alen) == 0))
			continue;
		if (o->halved && alen == sizeof(int)) {
			int v;
			memcpy(&v, a, sizeof(v));
			v /= 2;
			memcpy(a, &v, sizeof(v));
		}
		setsockopt(to, o->level, o->name, a, alen);
	}
}

/* True when sock is a TCP socket that is no longer closed: connecting already (its connect
 * in progress shows no peer yet). */
static bool tcp_busy(int sock)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(sock, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_state != TCP_CLOSE;
}

/* True when the descriptor fd of thread tid is close-on-exec (proc(5) fdinfo "flags:",
 * in octal, on its second line). */
static bool fd_cloexec(pid_t tid, int fd)
{
	char path[64], text[256];
	_cleanup_close_ int f = -1;
	const char *flags;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", tid, fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	n = f < 0 ? -1 : read(f, text, sizeof(text) - 1);
	if (n <= 0)
		return false;
	text[n] = '\0';
	flags = strstr(text, "flags:");
	return flags && strtoul(flags + strlen("flags:"), NULL, 8) & O_CLOEXEC;
}

/* The bound address of sock when it has a port of its own; 0 when it has none, or the
 * address's length. */
static socklen_t bound_address(int sock, struct sockaddr_storage *ss)
{
	socklen_t len = sizeof(*ss);

	if (getsockname(sock, (struct sockaddr *)ss, &len) < 0)
		return 0;
	if (ss->ss_family == AF_INET)
		return ((struct sockaddr_in *)ss)->sin_port ? len : 0;
	if (ss->ss_family == AF_INET6)
		return ((struct sockaddr_in6 *)ss)->sin6_port ? len : 0;
	return 0;
}

int handover_socket(int dup, int domain, int type, pid_t tid, int fd, const struct handover *h,
		    int *ret_sock)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int protocol = 0, listening = 0, flags;
	socklen_t ilen = sizeof(int);
	struct seccomp_notif_addfd add = { .id = 0 };
	_cleanup_close_ int twin = -1;
	bool inside = h && netns_socket_in(dup, h->program_ns);

	if (h && !h->outside && !inside)
		return -EPERM; /* judged as the program's own, but by now another socket */
	if (!h || !h->outside || !inside)
		return 0;
	/* A connected socket keeps its peer, which the kernel reaches (or not) from the
	 * program's namespace; a listening one is the program's own server. */
	if (getpeername(dup, (struct sockaddr *)&ss, &len) == 0 || errno != ENOTCONN)
		return 0;
	if (getsockopt(dup, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) == 0 && listening)
		return 0;
	if (tcp_busy(dup))
		return 0;
	ilen = sizeof(int);
	if (getsockopt(dup, SOL_SOCKET, SO_PROTOCOL, &protocol, &ilen) < 0)
		return -errno;
	flags = fcntl(dup, F_GETFL);
	twin = socket(domain, type | SOCK_CLOEXEC, protocol);
	if (flags < 0 || twin < 0 || fcntl(twin, F_SETFL, flags & O_NONBLOCK) < 0)
		return -errno;
	carry_options(dup, twin, domain, type, protocol);
	len = bound_address(dup, &ss);
	if (len && bind(twin, (struct sockaddr *)&ss, len) < 0)
		return -errno;
	add = (struct seccomp_notif_addfd){
		.id = h->id,
		.flags = SECCOMP_ADDFD_FLAG_SETFD,
		.srcfd = (uint32_t)twin,
		.newfd = (uint32_t)fd,
		.newfd_flags = fd_cloexec(tid, fd) ? O_CLOEXEC : 0,
	};
	if (ioctl(h->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0)
		return -errno;
	*ret_sock = steal_fd(twin);
	return 1;
}
