/* --netns: a network namespace of the program's own, with the proxies relayed into it. */

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "netns.h"
#include "thread.h"

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

/* What a socket sent to the tracer is for. */
enum listener_kind {
	LISTENER_PROXY,   /* a proxy endpoint to relay; index into the policy's proxies */
	LISTENER_DNS_UDP, /* a nameserver's datagram socket; index into the nameservers */
	LISTENER_DNS_TCP, /* a nameserver's stream listener */
};

struct listener_msg {
	uint32_t kind;  /* enum listener_kind */
	uint32_t index; /* which proxy or nameserver */
};

/* Sends one socket with what it is for. */
static int send_listener(int sock, int fd, enum listener_kind kind, size_t index)
{
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control = { 0 };
	struct listener_msg m = { kind, (uint32_t)index };
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) < 0 ? -errno : 0;
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

int netns_enter(const struct netns_plan *plan, int sock)
{
	const struct policy *p = plan->policy;
	int rc = 0;

	if (unshare(CLONE_NEWNET) < 0)
		rc = -errno;
	if (rc == 0)
		rc = loopback_up();
	for (size_t i = 0; i < p->n_proxies && rc == 0; i++) {
		struct sockaddr_storage ss;
		socklen_t len = rule_to_sockaddr(&p->proxies[i].where, 0, &ss);
		int one = 1;
		_cleanup_close_ int fd = -1;

		if (!len)
			continue;
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* A proxy address that is not local (not on lo here) cannot be listened on:
		 * the program then cannot reach that proxy. */
		if (bind(fd, (struct sockaddr *)&ss, len) < 0)
			continue;
		if (listen(fd, 128) < 0)
			return -errno;
		rc = send_listener(sock, fd, LISTENER_PROXY, i);
	}
	if (rc == 0 && plan->dns)
		rc = serve_nameservers(plan, sock);
	close(sock);
	return rc;
}

/* A listener in the program's namespace and where its connections go. */
struct relay_listener {
	int fd;
	struct sockaddr_storage upstream;
	socklen_t upstream_len;
};

struct relay_pair {
	int a, b;                         /* the program's connection and the upstream one */
	const struct relay_listener *via; /* where it came in, so where it goes */
};

/* Connects upstream, then copies bytes both ways until either side closes. If the proxy
 * cannot be reached the program sees its connection closed. */
static void *relay_pair(void *arg)
{
	struct relay_pair *p = arg;
	struct pollfd fds[2];
	char buf[16384];

	p->b = socket(p->via->upstream.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->b < 0 || connect(p->b, (const struct sockaddr *)&p->via->upstream,
				p->via->upstream_len) < 0)
		goto out;
	fds[0] = (struct pollfd){ .fd = p->a, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = p->b, .events = POLLIN };
	while (poll(fds, 2, -1) > 0) {
		int from = (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) ? 0 : 1;
		int to = 1 - from;
		ssize_t n = read(fds[from].fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fds[to].fd, buf + off, (size_t)(n - off));
			if (w <= 0)
				goto out;
			off += w;
		}
	}
out:
	close(p->a);
	if (p->b >= 0)
		close(p->b);
	free(p);
	return NULL;
}

struct relay {
	struct relay_listener listeners[POLICY_MAX_PROXIES];
	size_t n;
};

static void *relay_accept(void *arg)
{
	struct relay *r = arg;
	struct pollfd fds[POLICY_MAX_PROXIES];

	for (size_t i = 0; i < r->n; i++)
		fds[i] = (struct pollfd){ .fd = r->listeners[i].fd, .events = POLLIN };
	while (poll(fds, r->n, -1) >= 0) {
		for (size_t i = 0; i < r->n; i++) {
			struct relay_pair *p;
			int conn;

			if (!(fds[i].revents & POLLIN))
				continue;
			conn = accept4(fds[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (conn < 0)
				continue;
			p = malloc(sizeof(*p));
			if (!p) {
				close(conn);
				continue;
			}
			*p = (struct relay_pair){ .a = conn, .b = -1, .via = &r->listeners[i] };
			if (thread_spawn_detached(relay_pair, p) < 0) {
				close(conn);
				free(p);
			}
		}
	}
	return NULL;
}

int netns_relay_start(const struct netns_plan *plan, int sock, struct netns_dns *ret_dns)
{
	const struct policy *p = plan->policy;
	struct relay *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < NETNS_MAX_NAMESERVERS; i++)
		ret_dns->udp[i] = ret_dns->tcp[i] = -1;
	for (;;) {
		union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
		struct listener_msg m;
		struct iovec iov = { &m, sizeof(m) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
				      .msg_controllen = sizeof(control.buf) };
		struct cmsghdr *c;
		struct relay_listener *l;
		int fd;

		if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != sizeof(m))
			break; /* the child closed its end: all sockets are here */
		c = CMSG_FIRSTHDR(&msg);
		if (!c || c->cmsg_type != SCM_RIGHTS)
			continue;
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
		if (m.kind == LISTENER_PROXY && m.index < p->n_proxies && r->n < POLICY_MAX_PROXIES) {
			l = &r->listeners[r->n++];
			l->fd = fd;
			l->upstream_len = rule_to_sockaddr(&p->proxies[m.index].where, 0, &l->upstream);
		} else if (m.kind == LISTENER_DNS_UDP && m.index < NETNS_MAX_NAMESERVERS) {
			ret_dns->udp[m.index] = fd;
		} else if (m.kind == LISTENER_DNS_TCP && m.index < NETNS_MAX_NAMESERVERS) {
			ret_dns->tcp[m.index] = fd;
		} else {
			close(fd);
		}
	}
	close(sock);
	if (r->n == 0) {
		free(r);
		return 0;
	}
	rc = thread_spawn_detached(relay_accept, r);
	if (rc < 0)
		free(r);
	return rc;
}
