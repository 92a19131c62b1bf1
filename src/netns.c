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
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "netns.h"

static int write_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -errno;
	return 0;
}

/* Unprivileged: a user namespace that maps only our own ids (user_namespaces(7)). */
static int enter_user_namespace(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int rc;

	if (unshare(CLONE_NEWUSER) < 0)
		return -errno;
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	rc = write_file("/proc/self/uid_map", map);
	if (rc == 0)
		rc = write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	if (rc == 0)
		rc = write_file("/proc/self/gid_map", map);
	return rc;
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

/* Sends one listening socket with the index of its proxy. */
static int send_listener(int sock, int fd, size_t index)
{
	union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control = { 0 };
	struct iovec iov = { &index, sizeof(index) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) < 0 ? -errno : 0;
}

int netns_enter(const struct policy *p, int sock)
{
	int rc = geteuid() == 0 ? 0 : enter_user_namespace();

	if (rc == 0 && unshare(CLONE_NEWNET) < 0)
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
		rc = send_listener(sock, fd, i);
	}
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

/* Starts a detached thread that takes no signals (they are the event loop's). */
static int spawn_detached(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 << 10);
	rc = -pthread_create(&t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
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
			if (spawn_detached(relay_pair, p) < 0) {
				close(conn);
				free(p);
			}
		}
	}
	return NULL;
}

int netns_relay_start(const struct policy *p, int sock)
{
	struct relay *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return -ENOMEM;
	for (;;) {
		union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
		size_t index;
		struct iovec iov = { &index, sizeof(index) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
				      .msg_controllen = sizeof(control.buf) };
		struct cmsghdr *c;
		struct relay_listener *l;

		if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != sizeof(index))
			break; /* the child closed its end: all listeners are here */
		c = CMSG_FIRSTHDR(&msg);
		if (!c || c->cmsg_type != SCM_RIGHTS || index >= p->n_proxies || r->n >= POLICY_MAX_PROXIES)
			continue;
		l = &r->listeners[r->n++];
		memcpy(&l->fd, CMSG_DATA(c), sizeof(int));
		l->upstream_len = rule_to_sockaddr(&p->proxies[index].where, 0, &l->upstream);
	}
	close(sock);
	if (r->n == 0) {
		free(r);
		return 0;
	}
	rc = spawn_detached(relay_accept, r);
	if (rc < 0)
		free(r);
	return rc;
}
