/* Benchmark workloads: each mode does one kind of work many times, as a traced program would.
 *   work syscalls N                         N getppid() through syscall(): cheap, not network
 *   work forks N                            N fork() + execv("/bin/true") + waitpid(), in turn
 *   work socks N PROXY PPORT DST DPORT [T]  N SOCKS5 CONNECT handshakes to DST:DPORT through the
 *                                           proxy, each followed by one HTTP/1.0 exchange read
 *                                           to EOF; with T threads, each thread does N
 *   work udp N ADDR PORT                    N sendto() of 32 bytes with an address, one socket
 *   work udp-sink ADDR PORT                 binds a UDP socket, prints "ready", drains it forever
 *   work http-source ADDR PORT BYTES        listens on TCP, prints "ready", and answers each
 *                                           HTTP request, one connection at a time, with BYTES
 *                                           bytes of zeros (Content-Length given), forever
 *   work ipc N                              N sendmsg() of 64 bytes, no address, on an AF_UNIX
 *                                           SOCK_SEQPACKET socketpair; a child reads them all
 *   work leaks N ADDR PORT [DEPTH]          N TCP connect() to ADDR:PORT, each on a new socket,
 *                                           whatever the result (refused, blocked, proxied);
 *                                           each from DEPTH nested calls (default 0)
 *   work tcp-sink ADDR PORT                 listens on TCP, prints "ready"; for each connection, one
 *                                           at a time, reads to EOF and answers the byte count
 *   work upload BYTES ADDR PORT             sends BYTES bytes of zeros to a tcp-sink and checks
 *                                           its count; prints "BYTES BYTES_PER_SECOND" from the
 *                                           connect to the answer (as curl -w '%{size_download}
 *                                           %{speed_download}')
 * IPv4 addresses only. Exits 0 when every operation that must succeed did, 1 with a message on
 * standard error naming the first failure, 2 on bad usage. Built by bench/run with cc -O2. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What a SOCKS worker thread needs; every thread shares one. */
struct socks_job {
	long count;                 /* handshakes per thread */
	struct sockaddr_in proxy;   /* the SOCKS5 server */
	struct sockaddr_in dst;     /* where the proxy connects to */
};

static struct sockaddr_in parse_addr(const char *addr, const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "work: bad IPv4 address %s\n", addr);
		exit(2);
	}
	return sin;
}

/* Writes all of buf; returns 0, or -1 with errno set. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads exactly len bytes; returns 0, or -1 (errno set, or 0 at an early EOF). */
static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One SOCKS5 (RFC 1928, no authentication) CONNECT to job->dst and one HTTP/1.0 request and
 * answer through it. Returns NULL, or a static string naming the step that failed. */
static const char *socks_once(const struct socks_job *job)
{
	static const char request[] = "GET / HTTP/1.0\r\nHost: sink\r\n\r\n";
	unsigned char greet[] = { 5, 1, 0 }, reply[10], buf[512];
	unsigned char req[10] = { 5, 1, 0, 1 };
	const char *err = NULL;
	long got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return "socket";
	memcpy(req + 4, &job->dst.sin_addr, 4);
	memcpy(req + 8, &job->dst.sin_port, 2);
	if (connect(fd, (const struct sockaddr *)&job->proxy, sizeof(job->proxy)) < 0)
		err = "connect to the proxy";
	else if (write_all(fd, greet, sizeof(greet)) < 0 || read_all(fd, reply, 2) < 0 ||
		 reply[0] != 5 || reply[1] != 0)
		err = "SOCKS5 greeting";
	else if (write_all(fd, req, sizeof(req)) < 0 || read_all(fd, reply, 10) < 0 ||
		 reply[0] != 5 || reply[1] != 0)
		err = "SOCKS5 CONNECT";
	else if (write_all(fd, request, sizeof(request) - 1) < 0)
		err = "HTTP request";
	else {
		while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			got += n > 0 ? n : 0;
		if (n < 0 || got == 0)
			err = "HTTP answer";
	}
	close(fd);
	return err;
}

static void *socks_thread(void *arg)
{
	const struct socks_job *job = arg;

	for (long i = 0; i < job->count; i++) {
		const char *err = socks_once(job);
		if (err) {
			fprintf(stderr, "work: socks: %s failed after %ld handshakes: %s\n", err, i,
				strerror(errno));
			return (void *)1;
		}
	}
	return NULL;
}

static int run_socks(long n, char **argv, int threads)
{
	struct socks_job job = { .count = n, .proxy = parse_addr(argv[0], argv[1]),
				 .dst = parse_addr(argv[2], argv[3]) };
	pthread_t tid[64];
	int failed = 0;

	if (threads <= 1)
		return socks_thread(&job) != NULL;
	if (threads > 64)
		threads = 64;
	for (int i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, socks_thread, &job) != 0) {
			fprintf(stderr, "work: pthread_create failed\n");
			return 1;
		}
	for (int i = 0; i < threads; i++) {
		void *rc;
		pthread_join(tid[i], &rc);
		failed |= rc != NULL;
	}
	return failed;
}

static int run_forks(long n)
{
	char *const args[] = { "true", NULL };

	for (long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();
		if (pid < 0) {
			perror("work: fork");
			return 1;
		}
		if (pid == 0) {
			execv("/bin/true", args);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "work: /bin/true failed (status %#x)\n", status);
			return 1;
		}
	}
	return 0;
}

static int run_udp(long n, const char *addr, const char *port)
{
	struct sockaddr_in dst = parse_addr(addr, port);
	char payload[32] = "sockstrace bench datagram";
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		perror("work: socket");
		return 1;
	}
	for (long i = 0; i < n; i++)
		if (sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
		    errno != ENOBUFS) {
			fprintf(stderr, "work: sendto failed after %ld datagrams: %s\n", i,
				strerror(errno));
			return 1;
		}
	return 0;
}

static int run_udp_sink(const char *addr, const char *port)
{
	struct sockaddr_in sin = parse_addr(addr, port);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), size = 4 << 20;
	static char buf[64][64];
	struct mmsghdr msgs[64];
	struct iovec iov[64];

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("work: udp-sink");
		return 1;
	}
	for (int i = 0; i < 64; i++) {
		iov[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	puts("ready");
	fflush(stdout);
	for (;;)
		recvmmsg(fd, msgs, 64, MSG_WAITFORONE, NULL);
}

/* Answers one HTTP request on fd with bytes zeros; returns 0, or -1 when the client went
 * away early (the source goes on with the next one). */
static int http_answer(int fd, long long bytes)
{
	static char zeros[1 << 20];
	char head[128], req[4096];
	size_t got = 0;
	ssize_t n;
	int len;

	/* The request's end: a blank line (curl sends it in one segment). */
	while (got < sizeof(req) - 1 && (n = read(fd, req + got, sizeof(req) - 1 - got)) > 0) {
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	len = snprintf(head, sizeof(head),
		       "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
		       "Content-Length: %lld\r\n\r\n", bytes);
	if (write_all(fd, head, (size_t)len) < 0)
		return -1;
	while (bytes > 0) {
		size_t chunk = bytes < (long long)sizeof(zeros) ? (size_t)bytes : sizeof(zeros);
		if (write_all(fd, zeros, chunk) < 0)
			return -1;
		bytes -= (long long)chunk;
	}
	return 0;
}

/* A TCP listener on addr:port, "ready" printed; exits with a message naming mode if none. */
static int tcp_listener(const char *mode, const char *addr, const char *port)
{
	struct sockaddr_in sin = parse_addr(addr, port);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	signal(SIGPIPE, SIG_IGN);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 16) < 0) {
		fprintf(stderr, "work: %s: %s\n", mode, strerror(errno));
		exit(1);
	}
	puts("ready");
	fflush(stdout);
	return fd;
}

static void __attribute__((noreturn)) run_http_source(const char *addr, const char *port,
						      long long bytes)
{
	int fd = tcp_listener("http-source", addr, port);

	for (;;) {
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		(void)http_answer(c, bytes);
		close(c);
	}
}

static void __attribute__((noreturn)) run_tcp_sink(const char *addr, const char *port)
{
	int fd = tcp_listener("tcp-sink", addr, port);
	static char buf[1 << 16];

	for (;;) {
		int c = accept(fd, NULL, NULL);
		long long got = 0;
		char answer[32];
		ssize_t n;

		if (c < 0)
			continue;
		while ((n = read(c, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			got += n > 0 ? n : 0;
		n = snprintf(answer, sizeof(answer), "%lld\n", got);
		(void)write_all(c, answer, (size_t)n);
		close(c);
	}
}

static int run_upload(long long bytes, const char *addr, const char *port)
{
	struct sockaddr_in dst = parse_addr(addr, port);
	static char zeros[1 << 16];
	char answer[32] = "";
	struct timespec t0, t1;
	long long left = bytes;
	double s;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		perror("work: upload: connect");
		return 1;
	}
	while (left > 0) {
		size_t chunk = left < (long long)sizeof(zeros) ? (size_t)left : sizeof(zeros);
		if (write_all(fd, zeros, chunk) < 0) {
			perror("work: upload: write");
			return 1;
		}
		left -= (long long)chunk;
	}
	shutdown(fd, SHUT_WR);
	if (read(fd, answer, sizeof(answer) - 1) <= 0 || atoll(answer) != bytes) {
		fprintf(stderr, "work: upload: the sink counted %s bytes of %lld\n", answer, bytes);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%lld %.0f\n", bytes, (double)bytes / s);
	return 0;
}

/* The child of ipc: reads messages until EOF; returns 0 when there were n of 64 bytes. */
static int ipc_reader(int fd, long n)
{
	char buf[128];
	long got = 0;
	ssize_t len;

	while ((len = read(fd, buf, sizeof(buf))) > 0 || (len < 0 && errno == EINTR))
		if (len > 0) {
			if (len != 64) {
				fprintf(stderr, "work: ipc: a message of %zd bytes\n", len);
				return 1;
			}
			got++;
		}
	if (len < 0 || got != n) {
		fprintf(stderr, "work: ipc: %ld messages read of %ld\n", got, n);
		return 1;
	}
	return 0;
}

static int run_ipc(long n)
{
	char payload[64] = "sockstrace bench unix message";
	struct iovec iov = { payload, sizeof(payload) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int sv[2], status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
		perror("work: socketpair");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("work: fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		_exit(ipc_reader(sv[1], n));
	}
	close(sv[1]);
	for (long i = 0; i < n; i++)
		if (sendmsg(sv[0], &msg, 0) != (ssize_t)sizeof(payload)) {
			fprintf(stderr, "work: sendmsg failed after %ld messages: %s\n", i,
				strerror(errno));
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 1;
		}
	close(sv[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	return 0;
}

/* One connect to dst on a new socket, depth nested calls down: a deep stack to unwind. */
static __attribute__((noinline)) int leak_at(const struct sockaddr_in *dst, int depth)
{
	int fd;

	if (depth > 0) {
		int rc = leak_at(dst, depth - 1);

		__asm__ volatile("" ::: "memory"); /* no tail call: every level keeps its frame */
		return rc;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("work: socket");
		return -1;
	}
	(void)connect(fd, (const struct sockaddr *)dst, sizeof(*dst));
	close(fd);
	return 0;
}

static int run_leaks(long n, const char *addr, const char *port, int depth)
{
	struct sockaddr_in dst = parse_addr(addr, port);

	for (long i = 0; i < n; i++)
		if (leak_at(&dst, depth) < 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long n = argc > 2 ? atol(argv[2]) : 0;

	if (strcmp(mode, "syscalls") == 0 && argc == 3) {
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		return 0;
	}
	if (strcmp(mode, "forks") == 0 && argc == 3)
		return run_forks(n);
	if (strcmp(mode, "socks") == 0 && (argc == 7 || argc == 8))
		return run_socks(n, argv + 3, argc == 8 ? atoi(argv[7]) : 1);
	if (strcmp(mode, "udp") == 0 && argc == 5)
		return run_udp(n, argv[3], argv[4]);
	if (strcmp(mode, "udp-sink") == 0 && argc == 4)
		return run_udp_sink(argv[2], argv[3]);
	if (strcmp(mode, "tcp-sink") == 0 && argc == 4)
		run_tcp_sink(argv[2], argv[3]);
	if (strcmp(mode, "upload") == 0 && argc == 5)
		return run_upload(atoll(argv[2]), argv[3], argv[4]);
	if (strcmp(mode, "http-source") == 0 && argc == 5)
		run_http_source(argv[2], argv[3], atoll(argv[4]));
	if (strcmp(mode, "ipc") == 0 && argc == 3)
		return run_ipc(n);
	if (strcmp(mode, "leaks") == 0 && (argc == 5 || argc == 6))
		return run_leaks(n, argv[3], argv[4], argc == 6 ? atoi(argv[5]) : 0);
	fprintf(stderr, "usage: work syscalls|forks|ipc N | socks N PROXY PORT DST PORT [THREADS] |"
			" udp N ADDR PORT | leaks N ADDR PORT [DEPTH] | udp-sink ADDR PORT |"
			" http-source ADDR PORT BYTES | tcp-sink ADDR PORT | upload BYTES ADDR PORT\n");
	return 2;
}
