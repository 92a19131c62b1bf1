/* The kernel layer: a network namespace of the program's own, with only loopback. */

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdpass.h"
#include "netns.h"

int netns_write_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -errno;
	return 0;
}

static int loopback_up(void)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

/* What a message from the program's side of the start-up says. */
enum listener_kind {
	LISTENER_NETNS,       /* the namespace itself (/proc/self/ns/net) */
	LISTENER_DNS_UDP,     /* a nameserver's datagram socket; index into the nameservers */
	LISTENER_DNS_TCP,     /* a nameserver's stream listener */
	LISTENER_UNAVAILABLE, /* no namespace (auto): index is the errno; no descriptor */
	LISTENER_REFERENCE,   /* a new socket of the namespace; index: which kind */
};

struct listener_msg {
	uint32_t kind;  /* enum listener_kind */
	uint32_t index; /* which proxy or nameserver */
};

/* Sends one message, with the descriptor fd when it is not -1. */
static int send_listener(int sock, int fd, enum listener_kind kind, size_t index)
{
	struct listener_msg m = { kind, (uint32_t)index };

	return fd_send(sock, &m, sizeof(m), fd);
}

/* Puts addr on lo (rtnetlink(7) RTM_NEWADDR), so that the namespace answers for it. */
static int add_address(const struct endpoint *addr)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		char attrs[2 * RTA_SPACE(16)];
	} req = { 0 };
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	size_t alen = addr->family == AF_INET ? 4 : 16;
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct rtattr *rta;

	if (fd < 0)
		return -errno;
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK;
	req.ifa.ifa_family = (uint8_t)addr->family;
	req.ifa.ifa_prefixlen = (uint8_t)(alen * 8);
	req.ifa.ifa_flags = addr->family == AF_INET6 ? IFA_F_NODAD : 0;
	req.ifa.ifa_scope = RT_SCOPE_HOST;
	req.ifa.ifa_index = if_nametoindex("lo");
	/* The same address as IFA_LOCAL and IFA_ADDRESS, as ip-address(8) sends it. */
	for (int i = 0; i < 2; i++) {
		rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
		rta->rta_type = i ? IFA_ADDRESS : IFA_LOCAL;
		rta->rta_len = (unsigned short)RTA_LENGTH(alen);
		memcpy(RTA_DATA(rta), addr->addr, alen);
		req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	}
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0 || recv(fd, &ack, sizeof(ack), 0) < 0)
		return -errno;
	return ack.nh.nlmsg_type == NLMSG_ERROR ? ack.err.error : 0;
}

/* Binds a socket of type at ep; returns it, or -errno. */
static int bound_socket(const struct endpoint *ep, int type)
{
	struct sockaddr_storage ss = { 0 };
	struct rule r = { .family = ep->family, .port_lo = ep->port, .port_hi = ep->port };
	socklen_t len;
	int fd, one = 1;

	memcpy(r.addr, ep->addr, sizeof(r.addr));
	len = rule_to_sockaddr(&r, 0, &ss);
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* The nameservers' addresses on lo, with UDP and TCP port 53 bound there. */
static int serve_nameservers(const struct netns_plan *plan, int sock)
{
	int rc = 0;

	for (size_t i = 0; i < plan->n_nameservers && rc == 0; i++) {
		const struct endpoint *ns = &plan->nameservers[i];
		int udp, tcp;

		if (!endpoint_is_loopback(ns)) {
			rc = add_address(ns);
			if (rc < 0)
				return rc;
		}
		udp = bound_socket(ns, SOCK_DGRAM);
		if (udp < 0)
			return udp;
		rc = send_listener(sock, udp, LISTENER_DNS_UDP, i);
		close(udp);
		tcp = rc < 0 ? -1 : bound_socket(ns, SOCK_STREAM);
		if (tcp >= 0) {
			rc = send_listener(sock, tcp, LISTENER_DNS_TCP, i);
			close(tcp);
		}
	}
	return rc;
}

size_t netns_read_nameservers(const char *path, struct endpoint *ret, size_t max)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512], word[64];
	size_t n = 0;

	while (f && n < max && fgets(line, sizeof(line), f)) {
		struct endpoint ep = { .port = 53 };
		if (sscanf(line, " nameserver %63s", word) != 1)
			continue;
		if (inet_pton(AF_INET, word, ep.addr) == 1)
			ep.family = AF_INET;
		else if (inet_pton(AF_INET6, word, ep.addr) == 1)
			ep.family = AF_INET6;
		else
			continue;
		ret[n++] = ep;
	}
	return n;
}

int netns_enter(const struct netns_plan *plan, int sock, int unavailable)
{
	_cleanup_close_ int self = -1;
	int rc = unavailable;

	if (rc == 0 && unshare(CLONE_NEWNET) < 0)
		rc = -errno;
	if (rc < 0) {
		/* No namespace here: auto says so and goes on with the syscall layer alone. */
		if (plan->mode == NETNS_AUTO)
			rc = send_listener(sock, -1, LISTENER_UNAVAILABLE, (size_t)-rc);
		if (rc == 0)
			close(sock);
		return rc;
	}
	rc = loopback_up();
	self = rc < 0 ? -1 : open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (rc == 0)
		rc = self < 0 ? -errno : send_listener(sock, self, LISTENER_NETNS, 0);
	for (size_t i = 0; i < NETNS_REFERENCES && rc == 0; i++) {
		static const int domains[] = { AF_INET, AF_INET6 };
		_cleanup_close_ int ref = socket(domains[i / 2], (i % 2 ? SOCK_DGRAM : SOCK_STREAM) |
						 SOCK_CLOEXEC, 0);

		/* A family the kernel lacks (IPv6 off) has no reference: no matter. */
		if (ref >= 0)
			rc = send_listener(sock, ref, LISTENER_REFERENCE, i);
	}
	if (rc == 0 && plan->dns)
		rc = serve_nameservers(plan, sock);
	if (rc == 0)
		close(sock);
	return rc;
}

int netns_receive(const struct netns_plan *plan, int sock, struct netns_dns *ret_dns,
		  struct netns_id *ret_id, int ret_reference[NETNS_REFERENCES],
		  int *ret_unavailable)
{
	int rc = 0;

	*ret_unavailable = 0;
	for (size_t i = 0; i < NETNS_REFERENCES; i++)
		ret_reference[i] = -1;
	*ret_id = (struct netns_id){ 0 };
	for (size_t i = 0; i < NETNS_MAX_NAMESERVERS; i++)
		ret_dns->udp[i] = ret_dns->tcp[i] = -1;
	for (;;) {
		struct listener_msg m;
		int fd = -1;

		if (fd_recv(sock, &m, sizeof(m), &fd) != sizeof(m)) {
			if (fd >= 0)
				close(fd);
			break; /* the child closed its end: all sockets are here */
		}
		if (m.kind == LISTENER_UNAVAILABLE) {
			*ret_unavailable = -(int)m.index;
		} else if (m.kind == LISTENER_NETNS && fd >= 0) {
			rc = netns_id_of(fd, ret_id);
			close(fd);
		} else if (m.kind == LISTENER_REFERENCE && m.index < NETNS_REFERENCES && fd >= 0 &&
			   ret_reference[m.index] < 0) {
			ret_reference[m.index] = fd;
		} else if (m.kind == LISTENER_DNS_UDP && m.index < NETNS_MAX_NAMESERVERS && fd >= 0) {
			ret_dns->udp[m.index] = fd;
		} else if (m.kind == LISTENER_DNS_TCP && m.index < NETNS_MAX_NAMESERVERS && fd >= 0) {
			ret_dns->tcp[m.index] = fd;
		} else if (fd >= 0) {
			close(fd);
		}
	}
	close(sock);
	if (rc == 0 && !*ret_unavailable && !ret_id->ino)
		rc = -EPROTO; /* the child died on the way: no namespace to speak of */
	return rc;
}

int netns_id_of(int nsfd, struct netns_id *ret)
{
	struct stat st;

	if (fstat(nsfd, &st) < 0)
		return -errno;
	*ret = (struct netns_id){ .dev = st.st_dev, .ino = st.st_ino };
	return 0;
}

bool netns_socket_in(int sock, const struct netns_id *ns)
{
	_cleanup_close_ int nsfd = -1;
	struct netns_id id;

	/* SIOCGSKNS needs CAP_NET_ADMIN over the socket's namespace (sock_ioctl()): sockstrace
	 * has it over the program's, which its own user namespace owns; a socket it may not
	 * ask about is in some other namespace. */
	if (!ns || !ns->ino)
		return false;
	nsfd = ioctl(sock, SIOCGSKNS);
	return nsfd >= 0 && netns_id_of(nsfd, &id) == 0 && id.dev == ns->dev && id.ino == ns->ino;
}
