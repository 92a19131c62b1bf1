/* --dns proxy: answer the program's DNS queries through the proxy. */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "dns.h"
#include "dnsproxy.h"
#include "io.h"
#include "socks.h"
#include "thread.h"

/* Longest a TCP client may take to send its query. */
#define TCP_QUERY_TIMEOUT_MS 5000
/* The TTL of an answer: short, so that a program asks again (through us) soon. */
#define ANSWER_TTL 60

struct responder {
	struct sockaddr_storage proxy;  /* the SOCKS5 proxy, in the tracer's namespace */
	socklen_t proxy_len;
	struct pollfd fds[2 * NETNS_MAX_NAMESERVERS]; /* UDP sockets, then TCP listeners */
	size_t n_fds;
	bool tcp[2 * NETNS_MAX_NAMESERVERS];          /* fds[i] is a TCP listener */
};

/* One query in flight. */
struct job {
	const struct responder *r;
	int fd;                          /* UDP: the nameserver's socket; TCP: the connection */
	bool tcp;
	struct sockaddr_storage peer;    /* UDP: who asked */
	socklen_t peer_len;
	uint8_t msg[65536];              /* the query */
	size_t len;
};

/* Resolves name through the proxy over a fresh connection with fresh credentials (so that
 * with Tor every lookup gets its own circuit). Returns 0, -ENOENT, or another -errno. */
static int resolve(const struct responder *r, const char *name, struct endpoint *ret)
{
	char user[PROXY_CREDENTIAL_MAX], pass[PROXY_CREDENTIAL_MAX];
	struct proxy_auth auth = { user, pass };
	_cleanup_close_ int fd = socket(r->proxy.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const char *why;

	if (fd < 0 || connect(fd, (const struct sockaddr *)&r->proxy, r->proxy_len) < 0)
		return -errno;
	proxy_random_auth(user, pass, sizeof(user));
	return socks5_resolve(fd, name, &auth, ret, &why);
}

/* The answer to a query of len bytes, in out (DNS_UDP_MAX bytes); its length, or -errno
 * when the query is not one to answer (malformed: dropped, as a server does). */
static int answer(const struct responder *r, const uint8_t *msg, size_t len, uint8_t *out)
{
	struct dns_query q;
	struct endpoint addr;
	int rcode = DNS_RCODE_NOERROR, rc;

	if (dns_parse_query(msg, len, &q) < 0)
		return -EINVAL;
	if (q.qclass != DNS_CLASS_IN || (q.qtype != DNS_TYPE_A && q.qtype != DNS_TYPE_AAAA))
		return dns_build_answer(&q, msg, DNS_RCODE_NOTIMP, NULL, 0, out, DNS_UDP_MAX);
	rc = resolve(r, q.name, &addr);
	if (rc == -ENOENT)
		rcode = DNS_RCODE_NXDOMAIN;
	else if (rc < 0)
		rcode = DNS_RCODE_SERVFAIL;
	return dns_build_answer(&q, msg, rcode, rc == 0 ? &addr : NULL, ANSWER_TTL, out, DNS_UDP_MAX);
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	uint8_t out[2 + DNS_UDP_MAX];
	int n;

	if (!j->tcp) {
		n = answer(j->r, j->msg, j->len, out);
		if (n > 0)
			sendto(j->fd, out, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&j->peer, j->peer_len);
		free(j);
		return NULL;
	}
	/* TCP (RFC 7766): length-prefixed queries until the client closes. */
	for (;;) {
		struct timespec deadline;
		int len;

		io_deadline(&deadline, TCP_QUERY_TIMEOUT_MS);
		if (io_exact(j->fd, j->msg, 2, false, &deadline) < 0)
			break;
		len = dns_tcp_frame_length(j->msg, 2);
		if (len < 0 || io_exact(j->fd, j->msg, (size_t)len, false, &deadline) < 0)
			break;
		n = answer(j->r, j->msg, (size_t)len, out + 2);
		if (n <= 0)
			break;
		out[0] = (uint8_t)(n >> 8);
		out[1] = (uint8_t)n;
		if (write(j->fd, out, (size_t)n + 2) != n + 2)
			break;
	}
	close(j->fd);
	free(j);
	return NULL;
}

static void *serve(void *arg)
{
	struct responder *r = arg;

	while (poll(r->fds, r->n_fds, -1) >= 0) {
		for (size_t i = 0; i < r->n_fds; i++) {
			struct job *j;
			ssize_t n;

			if (!(r->fds[i].revents & POLLIN))
				continue;
			j = malloc(sizeof(*j));
			if (!j)
				continue;
			*j = (struct job){ .r = r, .tcp = r->tcp[i], .peer_len = sizeof(j->peer) };
			if (j->tcp) {
				j->fd = accept4(r->fds[i].fd, NULL, NULL, SOCK_CLOEXEC);
				n = j->fd;
			} else {
				j->fd = r->fds[i].fd;
				n = recvfrom(j->fd, j->msg, sizeof(j->msg), 0, (struct sockaddr *)&j->peer,
					     &j->peer_len);
				j->len = n > 0 ? (size_t)n : 0;
			}
			if (n < 0 || thread_spawn_detached(run_job, j) < 0) {
				if (j->tcp && j->fd >= 0)
					close(j->fd);
				free(j);
			}
		}
	}
	return NULL;
}

int dnsproxy_start(const struct netns_plan *plan, const struct netns_dns *dns)
{
	struct responder *r = calloc(1, sizeof(*r));
	const struct policy *p = plan->policy;
	int rc = -ENOENT;

	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_proxies && rc == -ENOENT; i++)
		if (p->proxies[i].kind == PROXY_SOCKS5 || p->proxies[i].kind == PROXY_SOCKS5H) {
			r->proxy_len = rule_to_sockaddr(&p->proxies[i].where, 0, &r->proxy);
			if (r->proxy_len)
				rc = 0;
		}
	for (size_t i = 0; i < NETNS_MAX_NAMESERVERS; i++) {
		if (dns->udp[i] >= 0)
			r->fds[r->n_fds++] = (struct pollfd){ .fd = dns->udp[i], .events = POLLIN };
		if (dns->tcp[i] >= 0) {
			r->tcp[r->n_fds] = true;
			r->fds[r->n_fds++] = (struct pollfd){ .fd = dns->tcp[i], .events = POLLIN };
		}
	}
	if (rc == 0 && r->n_fds)
		rc = thread_spawn_detached(serve, r);
	if (rc < 0)
		free(r);
	return rc;
}
