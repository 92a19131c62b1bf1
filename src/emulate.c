/* Allowed syscalls performed by the tracer on the tracee's behalf. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmsg.h"
#include "emulate.h"
#include "sockopt.h"
#include "thread.h"
#include "tracee.h"

/* Most payload one emulated call carries: UDP's 64 KiB datagrams with room to spare. */
#define PAYLOAD_MAX (1u << 20)
/* UIO_MAXIOV: the kernel's limit on iovecs per message and messages per sendmmsg. */
#define IOV_MAX_KERNEL 1024

/* A message's name_index for a name of one byte (no destination was read). */
#define NAME_TOO_SHORT (-2)

/* One message, rebuilt in the tracer: its data gathered into one buffer. */
struct message {
	struct iovec iov;          /* the gathered data */
	void *control;             /* native-layout ancillary data, or NULL */
	size_t control_len;
	int name_index;            /* index into the call's dests of its vetted name; -1: none;
				    * NAME_TOO_SHORT: a name of 1 byte, which is no address and
				    * which the protocol refuses or ignores as it would have */
};

struct emulation {
	pid_t tid;                 /* the stopped tracee thread */
	enum abi abi;              /* its structure layouts */
	int nr;                    /* syscall (x86_64 number) */
	int sock;                  /* duplicate of the tracee's socket */
	int type;                  /* SOCK_STREAM, SOCK_DGRAM... */
	int flags;                 /* send flags as the tracee passed them */
	struct dest *dests;        /* vetted destinations (a copy) */
	size_t n_dests;
	struct message *msgs;      /* sendto, sendmsg: one; sendmmsg: vlen */
	unsigned n_msgs;
	uint64_t vec_addr;         /* sendmmsg: the tracee's mmsghdr array, for msg_len */
	long result;               /* the syscall's result, >= 0 or -errno */
	const struct proxy *proxy; /* redirect: the proxy to go through, else NULL */
	char user[256], pass[256]; /* redirect: the proxy credentials (RFC 1929: 255 bytes) */
	bool auth;                 /* redirect: send user and pass */
	int level, optname;        /* setsockopt: the option */
	struct sockopt_value opt;  /* setsockopt: its value (a copy, native layout) */
	struct emulation *next;    /* worker queue link */
	void *owner;               /* who waits for it (emulate_set_owner) */
};

static void emulation_free(struct emulation *e)
{
	if (!e)
		return;
	for (unsigned i = 0; i < e->n_msgs; i++) {
		free(e->msgs[i].iov.iov_base);
		free(e->msgs[i].control);
	}
	free(e->msgs);
	free(e->dests);
	sockopt_value_free(&e->opt);
	if (e->sock >= 0)
		close(e->sock);
	free(e);
}

static uint64_t word(const uint8_t *p, enum abi abi)
{
	if (abi == ABI_I386) {
		uint32_t v;
		memcpy(&v, p, sizeof(v));
		return v;
	}
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Gathers the tracee's iovec array into one buffer. Returns 0 or -errno. */
static int gather(pid_t tid, enum abi abi, uint64_t iov_addr, uint64_t iovlen, struct iovec *ret)
{
	size_t w = abi == ABI_I386 ? 4 : 8;
	_cleanup_free_ uint8_t *vec = NULL;
	size_t total = 0;
	uint8_t *buf;

	*ret = (struct iovec){ 0 };
	if (iovlen > IOV_MAX_KERNEL)
		return -EMSGSIZE;
	if (iovlen == 0)
		return 0;
	vec = malloc(iovlen * 2 * w);
	if (!vec)
		return -ENOMEM;
	if (tracee_read(tid, iov_addr, vec, iovlen * 2 * w) < 0)
		return -EFAULT;
	for (size_t i = 0; i < iovlen; i++) {
		uint64_t len = word(vec + (2 * i + 1) * w, abi);
		if (len > PAYLOAD_MAX || total + len > PAYLOAD_MAX)
			return -EMSGSIZE;
		total += len;
	}
	buf = malloc(total ? total : 1);
	if (!buf)
		return -ENOMEM;
	total = 0;
	for (size_t i = 0; i < iovlen; i++) {
		uint64_t base = word(vec + 2 * i * w, abi), len = word(vec + (2 * i + 1) * w, abi);
		if (len && tracee_read(tid, base, buf + total, len) < 0) {
			free(buf);
			return -EFAULT;
		}
		total += len;
	}
	*ret = (struct iovec){ .iov_base = buf, .iov_len = total };
	return 0;
}

/* Refuses ancillary data that would send elsewhere than the judged address: checked on the
 * copy that is sent, in the native layout, so a thread that rewrote the tracee's control
 * data after the decoder judged it gains nothing. Returns 0, -EPERM or -EINVAL (malformed:
 * the kernel would refuse it too). */
static int control_check(const struct message *m)
{
	struct cmsg_hit hit;
	int rc = cmsg_forbidden(m->control, m->control_len, ABI_X86_64, &hit);

	return rc == 1 ? -EPERM : rc;
}

/*
 * Copies ancillary data. For IP sockets it is plain data (IP_PKTINFO, IP_TTL, UDP_SEGMENT...;
 * SCM_RIGHTS exists only on unix sockets, which are never emulated). An i386 tracee's
 * 12-byte cmsghdr with 4-byte alignment is converted to the native layout, as the kernel's
 * compat layer does (cmsghdr_from_user_compat_to_kern()).
 */
static int copy_control(pid_t tid, enum abi abi, uint64_t addr, uint64_t len, struct message *m)
{
	_cleanup_free_ uint8_t *in = NULL;
	uint8_t *out;
	size_t o = 0;

	if (len == 0 || addr == 0)
		return 0;
	if (len > CONTROL_MAX)
		return -ENOBUFS;
	in = malloc(len);
	if (!in)
		return -ENOMEM;
	if (tracee_read(tid, addr, in, len) < 0)
		return -EFAULT;
	if (abi == ABI_X86_64) {
		m->control = steal_ptr(in);
		m->control_len = len;
		return control_check(m);
	}
	out = calloc(1, len * 2 + CMSG_SPACE(0));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i + 12 <= len;) {
		uint32_t clen;
		int32_t level, type;
		struct cmsghdr *c = (struct cmsghdr *)(out + o);

		memcpy(&clen, in + i, 4);
		memcpy(&level, in + i + 4, 4);
		memcpy(&type, in + i + 8, 4);
		if (clen < 12 || clen > len - i) {
			free(out);
			return -EINVAL;
		}
		c->cmsg_len = CMSG_LEN(clen - 12);
		c->cmsg_level = level;
		c->cmsg_type = type;
		memcpy(CMSG_DATA(c), in + i + 12, clen - 12);
		o += CMSG_SPACE(clen - 12);
		i += (clen + 3) & ~3u;
	}
	m->control = out;
	m->control_len = o;
	return control_check(m);
}

/* The vetted destination of message i, or -1. */
static int name_of(const struct emulation *e, unsigned i)
{
	for (size_t d = 0; d < e->n_dests; d++)
		if (e->dests[d].msg_index == i)
			return (int)d;
	return -1;
}

/* Rebuilds the message whose raw header (native or i386) is hdr. */
static int load_msghdr(struct emulation *e, const uint8_t *hdr, unsigned i)
{
	bool i386 = e->abi == ABI_I386;
	uint64_t iov = word(hdr + (i386 ? 8 : 16), e->abi);
	uint64_t iovlen = word(hdr + (i386 ? 12 : 24), e->abi);
	uint64_t control = word(hdr + (i386 ? 16 : 32), e->abi);
	uint64_t controllen = word(hdr + (i386 ? 20 : 40), e->abi);
	struct message *m = &e->msgs[i];
	int rc;

	m->name_index = name_of(e, i);
	if (m->name_index < 0 && word(hdr, e->abi) != 0 &&
	    (uint32_t)word(hdr + (i386 ? 4 : 8), ABI_I386) == 1)
		m->name_index = NAME_TOO_SHORT;
	rc = gather(e->tid, e->abi, iov, iovlen, &m->iov);
	if (rc == 0)
		rc = copy_control(e->tid, e->abi, control, controllen, m);
	return rc;
}

static int load_messages(struct emulation *e, const struct call *c)
{
	size_t size = e->nr == SYS_sendmmsg ? mmsghdr_size(e->abi) : msghdr_size(e->abi);
	uint64_t addr = c->args[1];
	_cleanup_free_ uint8_t *hdrs = NULL;
	int rc = 0;

	e->n_msgs = 1;
	if (e->nr == SYS_sendmmsg) {
		uint64_t vlen = (uint32_t)c->args[2];
		e->n_msgs = (unsigned)(vlen > IOV_MAX_KERNEL ? IOV_MAX_KERNEL : vlen);
		e->vec_addr = addr;
	}
	e->msgs = calloc(e->n_msgs ? e->n_msgs : 1, sizeof(*e->msgs));
	hdrs = malloc(size * (e->n_msgs ? e->n_msgs : 1));
	if (!e->msgs || !hdrs)
		return -ENOMEM;
	if (e->n_msgs && tracee_read(e->tid, addr, hdrs, size * e->n_msgs) < 0)
		return -EFAULT;
	for (unsigned i = 0; i < e->n_msgs && rc == 0; i++)
		rc = load_msghdr(e, hdrs + i * size, i);
	return rc;
}

static int load_sendto(struct emulation *e, const struct call *c)
{
	uint64_t len = c->args[2];

	e->n_msgs = 1;
	e->msgs = calloc(1, sizeof(*e->msgs));
	if (!e->msgs)
		return -ENOMEM;
	e->msgs[0].name_index = name_of(e, 0);
	if (e->msgs[0].name_index < 0 && c->args[4] != 0 && (uint32_t)c->args[5] == 1)
		e->msgs[0].name_index = NAME_TOO_SHORT;
	if (len > PAYLOAD_MAX)
		return -EMSGSIZE;
	e->msgs[0].iov.iov_base = malloc(len ? len : 1);
	if (!e->msgs[0].iov.iov_base)
		return -ENOMEM;
	e->msgs[0].iov.iov_len = len;
	return tracee_read(e->tid, c->args[1], e->msgs[0].iov.iov_base, len);
}

/*
 * The option value to set: the judged copy of a value the decoder looked at (SO_BINDTODEVICE,
 * SO_BINDTOIFINDEX), else a copy read now, converted from the i386 layout (an i386
 * socketcall's option, whose level and optname were read once from its argument block).
 */
static int load_option(int pidfd, struct emulation *e, const struct call *c)
{
	if (e->level == SOL_SOCKET && (e->optname == SO_BINDTODEVICE ||
				       e->optname == SO_BINDTOIFINDEX))
		return sockopt_value_copy(c->tid, c->optval, c->optlen, &e->opt);
	return sockopt_value_read(c->tid, pidfd, c->abi, e->level, e->optname, c->args[3],
				  (uint32_t)c->args[4], &e->opt);
}

/* True when the sticky option level:optname of sock is empty; false also when the kernel
 * will not say. */
static bool option_empty(int sock, int level, int optname)
{
	uint8_t buf[64];
	socklen_t len = sizeof(buf);

	return getsockopt(sock, level, optname, buf, &len) == 0 && len == 0;
}

/*
 * The socket must not carry a sticky option that sends elsewhere than the judged address:
 * an IPv6 routing header, or IPv4 options (source routes; an IPv6 socket keeps them for
 * its IPv4-mapped traffic, ipv6_setsockopt() passing SOL_IP on). sockstrace denies setting
 * them, but a socket can have them from before it was traced (--attach, an inherited
 * socket). Only the options the call's destinations would use are asked for (one
 * getsockopt() each, about 0.4 us); a call without a destination may use either. Returns 0,
 * or -EPERM.
 */
static int sticky_options_check(int sock, int domain, const struct call *c)
{
	bool v4 = domain == AF_INET || c->n_dests == 0, v6 = domain == AF_INET6 && c->n_dests == 0;

	for (size_t i = 0; i < c->n_dests && domain == AF_INET6; i++) {
		v4 = v4 || c->dests[i].ep.family == AF_INET;
		v6 = v6 || c->dests[i].ep.family != AF_INET;
	}
	if ((v6 && !option_empty(sock, IPPROTO_IPV6, IPV6_RTHDR)) ||
	    (v4 && !option_empty(sock, IPPROTO_IP, IP_OPTIONS)))
		return -EPERM;
	return 0;
}

/*
 * A new emulation of c on a duplicate of its socket, when that is an IP socket (a setsockopt:
 * any socket): with or without destinations (a sendmsg whose msg_name was NULL when it was
 * read may not be NULL when the kernel reads it). Returns 1 and *ret; 0 when the socket is
 * no IP socket (its own family cannot reach the network: the kernel may run the call as it
 * is); or -errno to
 * answer with, never 0, when the socket cannot be looked at (no fd, no room for the
 * duplicate because the program lowered our RLIMIT_NOFILE, a task that is gone).
 */
static int emulation_new(int pidfd, const struct call *c, const struct handover *h,
			 struct emulation **ret)
{
	/* A setsockopt runs on sockstrace's copy on any socket: an i386 socketcall's fd is in
	 * its argument block too, which a racing thread could point at an IP socket. */
	bool option = c->def->nr_x86_64 == SYS_setsockopt;
	int twin = -1;
	struct emulation *e;
	int domain = 0, rc;
	socklen_t optlen = sizeof(int);

	if (c->fd < 0)
		return -EBADF;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	*e = (struct emulation){ .tid = c->tid, .abi = c->abi, .nr = c->def->nr_x86_64, .sock = -1,
				 .opt = { .fd = -1 } };
	e->sock = pidfd_getfd(pidfd, c->fd, 0);
	if (e->sock < 0 || getsockopt(e->sock, SOL_SOCKET, SO_DOMAIN, &domain, &optlen) < 0) {
		rc = errno == ENOTSOCK && !option ? 0 : -errno;
		emulation_free(e);
		return rc;
	}
	if (!option && domain != AF_INET && domain != AF_INET6) {
		emulation_free(e);
		return 0;
	}
	/* Setting an option sends nothing. */
	rc = option ? 0 : sticky_options_check(e->sock, domain, c);
	if (rc < 0) {
		emulation_free(e);
		return rc;
	}
	optlen = sizeof(int);
	getsockopt(e->sock, SOL_SOCKET, SO_TYPE, &e->type, &optlen);
	/* A call that carries its own destination may need a socket of sockstrace's namespace
	 * (of the same type: the twin is made like the duplicate). */
	rc = c->n_dests && !option ? handover_socket(e->sock, domain, e->type, c->tid, c->fd, h,
						     &twin) : 0;
	if (rc < 0) {
		emulation_free(e);
		return rc;
	}
	if (rc > 0) {
		close(e->sock);
		e->sock = twin;
	}
	e->dests = malloc(c->n_dests ? c->n_dests * sizeof(*e->dests) : 1);
	if (!e->dests) {
		emulation_free(e);
		return -ENOMEM;
	}
	memcpy(e->dests, c->dests, c->n_dests * sizeof(*e->dests));
	e->n_dests = c->n_dests;
	*ret = e;
	return 1;
}

int emulate_prepare_redirect(int pidfd, const struct call *c, const struct proxy *proxy,
			     const struct proxy_auth *auth, const struct handover *h,
			     struct emulation **ret)
{
	struct emulation *e = NULL;
	int rc = emulation_new(pidfd, c, h, &e);

	if (rc <= 0)
		return rc < 0 ? rc : -ECONNREFUSED;
	if (e->type != SOCK_STREAM || e->nr != SYS_connect) {
		emulation_free(e);
		return -ECONNREFUSED;
	}
	e->proxy = proxy;
	if (auth && auth->user) {
		e->auth = true;
		snprintf(e->user, sizeof(e->user), "%s", auth->user);
		snprintf(e->pass, sizeof(e->pass), "%s", auth->pass ? auth->pass : "");
	}
	*ret = e;
	return 1;
}

int emulate_prepare(int pidfd, const struct call *c, const struct handover *h,
		    struct emulation **ret)
{
	struct emulation *e = NULL;
	int rc = emulation_new(pidfd, c, h, &e);

	if (rc <= 0)
		return rc;
	rc = 0;
	switch (e->nr) {
	case SYS_connect:
		/* No destination: an address length the kernel refuses before reading it. */
		if (!e->n_dests)
			rc = -EINVAL;
		break;
	case SYS_sendto:
		e->flags = (int)c->args[3];
		rc = load_sendto(e, c);
		break;
	case SYS_sendmsg:
		e->flags = (int)c->args[2];
		rc = load_messages(e, c);
		break;
	case SYS_sendmmsg:
		e->flags = (int)c->args[3];
		rc = load_messages(e, c);
		break;
	case SYS_setsockopt:
		e->level = (int)c->args[1];
		e->optname = (int)c->args[2];
		rc = load_option(pidfd, e, c);
		break;
	default:
		rc = -ENOSYS;
		break;
	}
	if (rc < 0) {
		emulation_free(e);
		return rc;
	}
	*ret = e;
	return 1;
}

bool emulate_blocks(const struct emulation *e)
{
	if (e->proxy)
		return true;
	if (e->nr == SYS_setsockopt)
		return false;
	if (e->type == SOCK_DGRAM || e->type == SOCK_RAW || (e->flags & MSG_DONTWAIT))
		return false;
	return !(fcntl(e->sock, F_GETFL) & O_NONBLOCK);
}

static void fill_msghdr(const struct emulation *e, const struct message *m, struct msghdr *h)
{
	static uint8_t short_name[1];
	const struct dest *d = m->name_index >= 0 ? &e->dests[m->name_index] : NULL;

	*h = (struct msghdr){
		.msg_name = d ? (void *)d->raw : m->name_index == NAME_TOO_SHORT ? short_name : NULL,
		.msg_namelen = d ? d->raw_len : m->name_index == NAME_TOO_SHORT ? 1 : 0,
		.msg_iov = (struct iovec *)&m->iov,
		.msg_iovlen = 1,
		.msg_control = m->control,
		.msg_controllen = m->control_len,
	};
}

/* Connects the socket to the proxy and has the proxy connect to the destination. Blocking
 * or not, the socket is connected through when it returns 0. */
static long run_redirect(struct emulation *e)
{
	struct proxy_auth auth = { e->auth ? e->user : NULL, e->auth ? e->pass : NULL };
	struct sockaddr_storage ss;
	int domain = 0, err = 0;
	socklen_t len = sizeof(domain);
	const char *why;

	getsockopt(e->sock, SOL_SOCKET, SO_DOMAIN, &domain, &len);
	len = rule_to_sockaddr(&e->proxy->where, domain, &ss);
	if (connect(e->sock, (struct sockaddr *)&ss, len) < 0) {
		struct pollfd p = { .fd = e->sock, .events = POLLOUT };
		if (errno != EINPROGRESS)
			return -errno;
		if (poll(&p, 1, PROXY_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		len = sizeof(err);
		getsockopt(e->sock, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err)
			return -err;
	}
	if (e->proxy->kind == PROXY_HTTP)
		return http_connect(e->sock, &e->dests[0].ep, &auth, &why);
	return socks5_connect(e->sock, &e->dests[0].ep, &auth, &why);
}

void emulate_run(struct emulation *e)
{
	/* The tracer ignores SIGPIPE; a stream peer that is gone still shows as EPIPE. */
	int flags = e->flags | MSG_NOSIGNAL;
	long rc;

	if (e->proxy) {
		e->result = run_redirect(e);
		return;
	}
	switch (e->nr) {
	case SYS_connect:
		rc = connect(e->sock, (const struct sockaddr *)e->dests[0].raw, e->dests[0].raw_len);
		break;
	case SYS_setsockopt:
		e->result = sockopt_set(e->sock, e->level, e->optname, &e->opt);
		return;
	case SYS_sendto:
	case SYS_sendmsg: {
		struct msghdr h;
		fill_msghdr(e, &e->msgs[0], &h);
		rc = sendmsg(e->sock, &h, flags);
		break;
	}
	default: {
		struct mmsghdr *v = calloc(e->n_msgs ? e->n_msgs : 1, sizeof(*v));
		if (!v) {
			e->result = -ENOMEM;
			return;
		}
		for (unsigned i = 0; i < e->n_msgs; i++)
			fill_msghdr(e, &e->msgs[i], &v[i].msg_hdr);
		rc = sendmmsg(e->sock, v, e->n_msgs, flags);
		/* The kernel writes each sent message's msg_len back into the tracee. */
		for (long i = 0; i < rc; i++) {
			uint32_t len = v[i].msg_len;
			size_t size = mmsghdr_size(e->abi);
			struct iovec local = { &len, sizeof(len) };
			struct iovec remote = { (void *)(uintptr_t)(e->vec_addr + (uint64_t)i * size +
								    msghdr_size(e->abi)), sizeof(len) };
			process_vm_writev(e->tid, &local, 1, &remote, 1, 0);
		}
		free(v);
		break;
	}
	}
	e->result = rc < 0 ? -errno : rc;
}

pid_t emulate_tid(const struct emulation *e)
{
	return e->tid;
}

void emulate_set_owner(struct emulation *e, void *owner)
{
	e->owner = owner;
}

void *emulate_owner(const struct emulation *e)
{
	return e->owner;
}

long emulate_finish(struct emulation *e, pid_t *ret_tid)
{
	long result = e->result;

	*ret_tid = e->tid;
	emulation_free(e);
	return result;
}

/* The worker pool: a queue, and threads that wait on it; one is added whenever every
 * thread is busy, so that a connect that hangs never holds up another. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_work = PTHREAD_COND_INITIALIZER;
static struct emulation *queue_head, *queue_tail;
static size_t queued, idle, workers;

static void *worker(void *arg)
{
	int done_fd = (int)(intptr_t)arg;

	for (;;) {
		struct emulation *e;

		pthread_mutex_lock(&pool_lock);
		idle++;
		while (!queue_head)
			pthread_cond_wait(&pool_work, &pool_lock);
		idle--;
		e = queue_head;
		queue_head = e->next;
		if (!queue_head)
			queue_tail = NULL;
		queued--;
		pthread_mutex_unlock(&pool_lock);
		emulate_run(e);
		/* A pointer-sized pipe write is atomic (pipe(7), PIPE_BUF). */
		if (write(done_fd, &e, sizeof(e)) != sizeof(e))
			abort();
	}
	return NULL;
}

int emulate_async(struct emulation *e, int done_fd)
{
	int rc = 0;

	pthread_mutex_lock(&pool_lock);
	e->next = NULL;
	if (queue_tail)
		queue_tail->next = e;
	else
		queue_head = e;
	queue_tail = e;
	queued++;
	if (idle < queued) {
		rc = thread_spawn_detached(worker, (void *)(intptr_t)done_fd);
		if (rc == 0)
			workers++;
	}
	if (rc < 0 && workers == 0) {
		/* No thread will ever run it: take it back (it is alone in the queue) and fail. */
		queued--;
		queue_head = queue_tail = NULL;
		pthread_mutex_unlock(&pool_lock);
		e->result = rc;
		return rc;
	}
	/* Else a busy worker takes it when it is done. */
	pthread_cond_signal(&pool_work);
	pthread_mutex_unlock(&pool_lock);
	return 0;
}
